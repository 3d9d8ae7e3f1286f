# The app's bucket (listed by /s3/list) and the image repository.

locals {
  # Bucket names are global: the account id keeps them unique.
  bucket_name = "${local.name}-app-${local.account_id}"
}

# Public access blocked, versioned, encrypted, TLS only; old versions
# expire after 90 days so the bucket does not grow without bound.
module "app_bucket" {
  source = "./modules/hardened-bucket"

  name = local.bucket_name
  # Test may be destroyed with objects in it; prod may not.
  force_destroy                      = !local.is_prod
  noncurrent_version_expiration_days = 90
}

# Where these resources were before the hardened-bucket module: existing
# state moves, nothing is replaced.
moved {
  from = aws_s3_bucket.app
  to   = module.app_bucket.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.app
  to   = module.app_bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.app
  to   = module.app_bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.app
  to   = module.app_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_versioning.app
  to   = module.app_bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.app
  to   = module.app_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_policy.app
  to   = module.app_bucket.aws_s3_bucket_policy.this
}

# --- ECR ----------------------------------------------------------------------

# One repository per environment. The image is built and pushed once, to
# gangway-test; the pipeline's promote step copies that exact digest into
# gangway-prod, so prod runs the bytes that passed the tests and the prod
# host only ever reads gangway-prod.
resource "aws_ecr_repository" "app" {
  name                 = local.name
  image_tag_mutability = "IMMUTABLE"
  force_delete         = !local.is_prod

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after 14 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 14
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest ${var.ecr_keep_images} images (rollback targets)"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.ecr_keep_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

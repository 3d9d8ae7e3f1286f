# A private S3 bucket: public access blocked, owner-enforced object
# ownership (no ACLs), versioned, encrypted by default, every request
# without TLS denied, and optionally old versions expired. Used for the
# Terraform state bucket (terraform/bootstrap) and the app's bucket
# (terraform/storage.tf); what differs between them is a variable.

data "aws_partition" "current" {}

locals {
  # Built from the name, not read from the bucket, so that the policy is
  # fully known at plan time (and can be evaluated from `terraform show
  # -json`, see ci/iampolicy).
  arn = "arn:${data.aws_partition.current.partition}:s3:::${var.name}"
}

resource "aws_s3_bucket" "this" {
  bucket        = var.name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.bucket

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.bucket

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Versioning lets an overwritten object (a damaged state) be rolled back to
# an earlier version.
resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.bucket

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.bucket

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioning keeps every overwritten object; expire old versions so the
# bucket does not grow without bound (when the caller asks for it).
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = var.noncurrent_version_expiration_days == null ? 0 : 1

  bucket = aws_s3_bucket.this.bucket

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    # Every object. An explicit empty prefix (rather than an empty filter
    # block) is what S3 returns when read back, so plans stay clean.
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.arn, "${local.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.bucket
  policy = data.aws_iam_policy_document.this.json

  # A bucket policy is refused while the public access block is being set.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# The bucket's name and ARN for what the caller builds on it, and the
# settings that make it hardened, so that the callers' tests can assert
# them on the bucket they actually use (a test cannot reach into a module's
# resources).

output "bucket" {
  description = "The bucket's name (known at plan time)."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "The bucket's ARN, built from its name so that it is known at plan time."
  value       = local.arn
}

output "force_destroy" {
  description = "Whether the bucket may be destroyed with objects in it."
  value       = aws_s3_bucket.this.force_destroy
}

output "public_access_block" {
  description = "The bucket's four public access block settings (all true)."
  value = {
    block_public_acls       = aws_s3_bucket_public_access_block.this.block_public_acls
    block_public_policy     = aws_s3_bucket_public_access_block.this.block_public_policy
    ignore_public_acls      = aws_s3_bucket_public_access_block.this.ignore_public_acls
    restrict_public_buckets = aws_s3_bucket_public_access_block.this.restrict_public_buckets
  }
}

output "versioning_status" {
  description = "The bucket's versioning status (Enabled)."
  value       = aws_s3_bucket_versioning.this.versioning_configuration[0].status
}

output "sse_algorithm" {
  description = "The bucket's default server-side encryption algorithm (AES256)."
  value       = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm
}

output "policy" {
  description = "The bucket policy attached to the bucket, as JSON: it denies every request made without TLS."
  value       = aws_s3_bucket_policy.this.policy
}

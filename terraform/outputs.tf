# Read by the pipeline (`terraform output -json`). Nothing secret: the DB
# secret's ARN names the secret, only the instance role can read it.

output "environment" {
  description = "The environment this state belongs to (test or prod)."
  value       = var.environment
}

output "region" {
  description = "AWS region of the environment."
  value       = var.region
}

output "instance_id" {
  description = "EC2 instance id of the app host (the SSM Run Command target)."
  value       = aws_instance.app.id
}

output "app_url" {
  description = "Base URL of the service through nginx on the host's Elastic IP, e.g. http://203.0.113.10 (the port is added when app_port is not 80)."
  value       = var.app_port == 80 ? "http://${aws_eip.app.public_ip}" : "http://${aws_eip.app.public_ip}:${var.app_port}"
}

output "ecr_repository_url" {
  description = "URL of this environment's ECR repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/gangway-ENV), without tag or digest."
  value       = aws_ecr_repository.app.repository_url
}

output "bucket_name" {
  description = "Name of the app's S3 bucket."
  value       = aws_s3_bucket.app.bucket
}

output "db_endpoint" {
  description = "PostgreSQL endpoint as host:port."
  value       = aws_db_instance.main.endpoint
}

output "db_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS manages for the master user (username/password JSON); the ARN is not secret."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

# Read by the pipeline (`terraform output -json`; the contract is the Go
# struct Outputs in ci/tf/output.go). Nothing secret: the DB secret's ARN
# names the secret, only the hosts' role can read it.

output "environment" {
  description = "The environment this state belongs to (test or prod)."
  value       = var.environment
}

output "region" {
  description = "AWS region of the environment."
  value       = var.region
}

output "asg_name" {
  description = "Name of the Auto Scaling group of the hosts: the rollout lists its InService instances and sends them commands through SSM."
  value       = aws_autoscaling_group.app.name
}

output "app_url" {
  description = "Base URL of the service: https://<domain_name> with a domain, otherwise http://<the load balancer's DNS name>."
  value       = local.app_url
}

output "ecr_repository_url" {
  description = "URL of this environment's ECR repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/gangway-ENV), without tag or digest."
  value       = aws_ecr_repository.app.repository_url
}

output "bucket_name" {
  description = "Name of the app's S3 bucket."
  value       = module.app_bucket.bucket
}

output "db_endpoint" {
  description = "PostgreSQL endpoint as host:port."
  value       = aws_db_instance.main.endpoint
}

output "db_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS manages for the master user (username/password JSON); the ARN is not secret."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "image_parameter" {
  description = "SSM parameter holding the digest the hosts serve (/gangway/<env>/image): the pipeline writes it at every rollout, a booting host reads it."
  value       = aws_ssm_parameter.image.name
}

output "rollout_script_parameter" {
  description = "SSM parameter (advanced tier) holding base64 of the gzip of the rendered host rollout script (/gangway/<env>/rollout-script): the pipeline writes it, a booting host runs it."
  value       = aws_ssm_parameter.rollout_script.name
}

output "log_group_name" {
  description = "CloudWatch Logs group of the containers' output (/gangway/<env>/app), one stream per instance and container."
  value       = aws_cloudwatch_log_group.app.name
}

output "alarm_5xx_name" {
  description = "Name of the CloudWatch alarm on the load balancer's and the hosts' 5xx answers: the rollout watches it while a release bakes."
  value       = aws_cloudwatch_metric_alarm.http_5xx.alarm_name
}

output "target_group_arn" {
  description = "ARN of the load balancer's target group of the hosts (their health as the load balancer sees it)."
  value       = aws_lb_target_group.app.arn
}

output "state_bucket_name" {
  description = "The Terraform state bucket (GitHub variable TF_STATE_BUCKET)."
  value       = aws_s3_bucket.state.bucket
}

output "region" {
  description = "Region of the state bucket and the environments (GitHub variable AWS_REGION)."
  value       = var.region
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider the deploy roles trust."
  value       = local.oidc_arn
}

output "deploy_role_arns" {
  description = "Deploy role ARN per environment (GitHub environment variable AWS_ROLE_ARN)."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "host_boundary_arns" {
  description = "Permissions boundary per environment that terraform/ attaches to its host role (use_permissions_boundary)."
  value       = { for env, p in aws_iam_policy.host_boundary : env => p.arn }
}

output "plan_role_arn" {
  description = "Read-only role for pull-request previews (GitHub repository variable AWS_PLAN_ROLE_ARN); null when create_plan_role is false."
  value       = one(aws_iam_role.plan[*].arn)
}

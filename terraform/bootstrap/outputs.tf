output "account_id" {
  description = "The AWS account these roles and the state bucket live in."
  value       = local.account_id
}

output "state_bucket_name" {
  description = "The Terraform state bucket of this account (GitHub variable TF_STATE_BUCKET: a repository variable for the account that hosts test, an environment variable of the prod GitHub environment when prod has its own account)."
  value       = module.state_bucket.bucket
}

output "region" {
  description = "Region of the state bucket and the environments (GitHub repository variable AWS_REGION)."
  value       = var.region
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider the roles trust."
  value       = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
}

output "deploy_role_arns" {
  description = "Deploy role ARN per environment (GitHub environment variable AWS_ROLE_ARN of that environment's GitHub environment)."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "plan_role_arns" {
  description = "Read-only plan role ARN per environment (test: GitHub repository variable AWS_PLAN_ROLE_ARN, for pull-request previews); empty when create_plan_role is false."
  value       = { for env, role in aws_iam_role.plan : env => role.arn }
}

output "prod_preview_role_arn" {
  description = "The prod preview role (GitHub repository variable PROD_PREVIEW_ROLE_ARN); empty when it is not created here."
  value       = one(aws_iam_role.prod_preview[*].arn)
}

output "github_oidc_subjects" {
  description = "Exactly which OIDC subjects each role trusts (after the repository's subject customisation, see README.md); StringLike patterns are marked \"like:\"."
  value = merge(
    { for env in keys(local.envs) : local.names[env].deploy_role => local.deploy_subjects[env] },
    { for env in keys(aws_iam_role.plan) : local.names[env].plan_role => concat(local.plan_subjects[env].equals, [for s in local.plan_subjects[env].like : "like:${s}"]) },
    local.create_prod_preview ? { (local.prod_preview_role) = ["like:${local.prod_preview_subject}"] } : {},
  )
}

output "host_boundary_arns" {
  description = "Permissions boundary per environment that terraform/ attaches to its host role (use_permissions_boundary)."
  value       = { for env, p in aws_iam_policy.host_boundary : env => p.arn }
}

output "plan_kms_key_arns" {
  description = "Per environment, the KMS key saved plans are encrypted with (SSE-KMS; the plan role encrypts, the deploy role decrypts). Its alias is alias/gangway-<env>-plans."
  value       = { for env, k in aws_kms_key.plans : env => k.arn }
}

output "attestation_key_arn" {
  description = "The KMS key (alias/gangway-test-attestation) the test deploy role signs tested digests with; null in an account without test."
  value       = one(aws_kms_key.attestation[*].arn)
}

output "attestation_public_key_pem" {
  description = "PEM public key of the attestation key: prod verifies signatures offline with it (GitHub variable ATTESTATION_PUBLIC_KEY of the production environment); null in an account without test."
  value       = one(data.aws_kms_public_key.attestation[*].public_key_pem)
}

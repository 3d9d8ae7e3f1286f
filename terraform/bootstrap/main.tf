locals {
  account_id   = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  github_host  = "token.actions.githubusercontent.com"
  state_bucket = "arn:${local.partition}:s3:::${var.state_bucket_name}"

  # Every ARN in a policy is built from names, so that each trust, identity,
  # boundary and key policy is fully known at plan time (and can be
  # evaluated from `terraform show -json`, see ci/iampolicy).
  oidc_arn = "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_host}"
  iam      = "arn:${local.partition}:iam::${local.account_id}"
  ec2      = "arn:${local.partition}:ec2:${var.region}:${local.account_id}"
  rds      = "arn:${local.partition}:rds:${var.region}:${local.account_id}"
  ssm      = "arn:${local.partition}:ssm:${var.region}:${local.account_id}"
  ecr      = "arn:${local.partition}:ecr:${var.region}:${local.account_id}"
  logs     = "arn:${local.partition}:logs:${var.region}:${local.account_id}"
  kms      = "arn:${local.partition}:kms:${var.region}:${local.account_id}"
  secrets  = "arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}"

  envs  = var.environments
  other = { test = "prod", prod = "test" }
  # Both environments in this account: every role also gets explicit denies
  # on what belongs to the other environment (isolation.tf).
  single_account = length(local.envs) > 1

  # Names per environment. They are the contract with terraform/: the
  # resources it creates carry exactly these names.
  names = { for env in keys(local.envs) : env => {
    prefix       = "gangway-${env}"
    deploy_role  = "gangway-${env}-deploy"
    plan_role    = "gangway-${env}-plan"
    host_role    = "gangway-${env}-host"
    boundary     = "gangway-${env}-host-boundary"
    app_bucket   = "gangway-${env}-app-${local.account_id}"
    repository   = "gangway-${env}"
    db           = "gangway-${env}"
    state_prefix = "gangway/${env}"
  } }

  deploy_role_arn = { for env in keys(local.envs) : env => "${local.iam}:role/${local.names[env].deploy_role}" }
  plan_role_arn   = { for env in keys(local.envs) : env => "${local.iam}:role/${local.names[env].plan_role}" }
  boundary_arn    = { for env in keys(local.envs) : env => "${local.iam}:policy/${local.names[env].boundary}" }
  db_arn          = { for env in ["test", "prod"] : env => "${local.rds}:db:gangway-${env}" }

  promotion_source_repository_arn = coalesce(var.promotion_source_repository_arn, "${local.ecr}:repository/gangway-test")
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# --- state bucket -------------------------------------------------------------

# Private, versioned (a damaged state can be rolled back to an earlier
# version), encrypted, TLS only; old versions are kept.
module "state_bucket" {
  source = "../modules/hardened-bucket"

  name          = var.state_bucket_name
  force_destroy = var.force_destroy_state_bucket
}

# Where these resources were before the hardened-bucket module: existing
# state moves, nothing is replaced.
moved {
  from = aws_s3_bucket.state
  to   = module.state_bucket.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.state
  to   = module.state_bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.state
  to   = module.state_bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.state
  to   = module.state_bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.state
  to   = module.state_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_policy.state
  to   = module.state_bucket.aws_s3_bucket_policy.this
}

# --- GitHub OIDC ----------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.github_host}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS validates GitHub's certificate through its own trust store; the
  # thumbprint is still a required field of the API.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}

# With create_oidc_provider = false the provider must already exist: this
# lookup fails the plan otherwise. The policies use the ARN built above,
# which is what AWS gives the provider.
data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1
  url   = "https://${local.github_host}"

  lifecycle {
    postcondition {
      condition     = self.arn == local.oidc_arn
      error_message = "The GitHub OIDC provider of this account is ${self.arn}, not ${local.oidc_arn} as the trust policies assume."
    }
  }
}

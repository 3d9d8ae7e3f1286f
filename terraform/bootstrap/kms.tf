# KMS keys. A key policy is the key's only gate: an IAM policy counts only
# where the key policy lets the account's IAM decide, and here it does so
# for administration only. Cryptographic use is granted to exactly one
# role per operation, and denied to every other principal, the account's
# administrators included.
#
#   - attestation (in the account that hosts test): an ECDSA P-256 signing
#     key. Only the test deploy role may sign (the integration gate's
#     record that a digest passed); prod verifies offline with the public
#     key (output attestation_public_key_pem), so it needs no KMS access.
#   - plans (per environment): a symmetric key for SSE-KMS of saved plans.
#     The plan role encrypts (through S3), the deploy role decrypts.

locals {
  # Administration by the account (its IAM administrators), without any
  # cryptographic use.
  kms_admin_actions = [
    "kms:CancelKeyDeletion",
    "kms:Create*",
    "kms:Delete*",
    "kms:Describe*",
    "kms:Disable*",
    "kms:Enable*",
    "kms:Get*",
    "kms:List*",
    "kms:Put*",
    "kms:Revoke*",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:Update*",
  ]

  # The pipeline's roles: gangway-<env>-deploy and gangway-<env>-plan.
  pipeline_role_pattern = "${local.iam}:role/gangway-*"

  attestation_alias      = "alias/gangway-test-attestation"
  create_attestation_key = contains(keys(local.envs), "test")
  create_plans_keys      = var.create_plan_role ? local.envs : {}
}

data "aws_iam_policy_document" "attestation_key" {
  count = local.create_attestation_key ? 1 : 0

  statement {
    sid       = "AccountAdministers"
    actions   = local.kms_admin_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["${local.iam}:root"]
    }
  }

  statement {
    sid       = "TestDeployRoleSigns"
    actions   = ["kms:Sign"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.deploy_role_arn["test"]]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:SigningAlgorithm"
      values   = ["ECDSA_SHA_256"]
    }
  }

  statement {
    sid       = "TestDeployRoleReadsPublicKey"
    actions   = ["kms:DescribeKey", "kms:GetPublicKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.deploy_role_arn["test"]]
    }
  }

  statement {
    sid       = "DenySignByAnyoneElse"
    effect    = "Deny"
    actions   = ["kms:Sign"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [local.deploy_role_arn["test"]]
    }
  }

  statement {
    sid         = "DenyPipelineRolesAnythingElse"
    effect      = "Deny"
    not_actions = ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"]
    resources   = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:PrincipalArn"
      values   = [local.pipeline_role_pattern]
    }
  }
}

resource "aws_kms_key" "attestation" {
  count = local.create_attestation_key ? 1 : 0

  description              = "gangway: signs the record that an image digest passed the integration tests (test deploy role only)"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 30
  policy                   = data.aws_iam_policy_document.attestation_key[0].minified_json

  tags = { Environment = "test" }

  # KMS refuses a key policy whose principals do not exist yet.
  depends_on = [aws_iam_role.deploy]
}

resource "aws_kms_alias" "attestation" {
  count = local.create_attestation_key ? 1 : 0

  name          = local.attestation_alias
  target_key_id = aws_kms_key.attestation[0].key_id
}

data "aws_kms_public_key" "attestation" {
  count  = local.create_attestation_key ? 1 : 0
  key_id = aws_kms_key.attestation[0].arn
}

data "aws_iam_policy_document" "plans_key" {
  for_each = local.create_plans_keys

  statement {
    sid       = "AccountAdministers"
    actions   = local.kms_admin_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["${local.iam}:root"]
    }
  }

  statement {
    sid       = "PlanRoleEncryptsThroughS3"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.plan_role_arn[each.key]]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "DeployRoleDecryptsThroughS3"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.deploy_role_arn[each.key]]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "DenyEncryptByAnyoneElse"
    effect    = "Deny"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [local.plan_role_arn[each.key]]
    }
  }

  statement {
    sid       = "DenyDecryptByAnyoneElse"
    effect    = "Deny"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [local.deploy_role_arn[each.key]]
    }
  }

  statement {
    sid         = "DenyPipelineRolesAnythingElse"
    effect      = "Deny"
    not_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    resources   = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:PrincipalArn"
      values   = [local.pipeline_role_pattern]
    }
  }
}

resource "aws_kms_key" "plans" {
  for_each = local.create_plans_keys

  description             = "gangway ${each.key}: encrypts saved Terraform plans (plan role encrypts, deploy role decrypts)"
  key_usage               = "ENCRYPT_DECRYPT"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.plans_key[each.key].minified_json

  tags = { Environment = each.key }

  depends_on = [aws_iam_role.deploy, aws_iam_role.plan]
}

resource "aws_kms_alias" "plans" {
  for_each = local.create_plans_keys

  name          = "alias/${local.names[each.key].prefix}-plans"
  target_key_id = aws_kms_key.plans[each.key].key_id
}

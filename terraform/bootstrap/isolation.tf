# Explicit denies. An explicit Deny wins over every Allow, in any policy:
# these hold even if a later change to an Allow statement is too wide.
#
#   - every deploy role: no IAM write on the pipeline's own roles (deploy,
#     plan), their policies, the boundaries or the OIDC provider, so no role can rewrite
#     its own or another role's trust or permissions;
#   - every deploy role: the Environment tag of an EC2 resource is set at
#     creation (or once, on an untagged default security group) and never
#     changed or removed afterwards;
#   - single-account layout only: every role of one environment is denied
#     every action on what is tagged with, or named for, the other
#     environment (its instances, launch template and network, load
#     balancer, target group, listeners, Auto Scaling group, certificate,
#     RDS, buckets, state, ECR repository, DB secret, parameters, log
#     groups, alarms, alarm topic, roles, keys). With one account per
#     environment the account boundary does this.

locals {
  ecr_pull_exemption = {
    # prod pulls the tested digest from test's repository (promotion).
    test = []
    prod = local.ecr_pull_actions
  }

  # Everything named for an environment, in this account.
  named_resources = { for env in ["test", "prod"] : env => [
    "arn:${local.partition}:s3:::gangway-${env}-*",
    "arn:${local.partition}:s3:::gangway-${env}-*/*",
    "${local.state_bucket}/gangway/${env}/*",
    "${local.ecr}:repository/gangway-${env}",
    "${local.rds}:db:gangway-${env}",
    "${local.rds}:subgrp:gangway-${env}",
    "${local.rds}:snapshot:gangway-${env}-*",
    "${local.iam}:role/gangway-${env}-*",
    "${local.iam}:instance-profile/gangway-${env}-*",
    "${local.iam}:policy/gangway-${env}-*",
    "${local.ssm}:parameter/gangway/${env}",
    "${local.ssm}:parameter/gangway/${env}/*",
    "${local.logs}:log-group:/gangway/${env}/*",
    "${local.kms}:alias/gangway-${env}-*",
    local.serving[env].load_balancer,
    local.serving[env].listener,
    local.serving[env].listener_rule,
    local.serving[env].target_group,
    local.serving[env].group,
    local.serving[env].alarms,
    local.serving[env].topics,
  ] }
}

# Statements every deploy role carries (merged into its policy in roles.tf).
data "aws_iam_policy_document" "deploy_guards" {
  for_each = local.envs

  source_policy_documents = [data.aws_iam_policy_document.other_environment[each.key].json]

  statement {
    sid    = "DenyPipelineRoleChanges"
    effect = "Deny"
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreatePolicyVersion",
      "iam:CreateRole",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:DeleteRole",
      "iam:DeleteRolePermissionsBoundary",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PassRole",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
      "iam:SetDefaultPolicyVersion",
      "iam:TagPolicy",
      "iam:TagRole",
      "iam:UntagPolicy",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = [
      "${local.iam}:role/gangway-*-deploy",
      "${local.iam}:role/gangway-*-plan",
      "${local.iam}:role/gangway-*-preview",
      "${local.iam}:policy/gangway-*-deploy-*",
      "${local.iam}:policy/gangway-*-host-boundary",
    ]
  }

  statement {
    sid    = "DenyOidcProviderChanges"
    effect = "Deny"
    actions = [
      "iam:AddClientIDToOpenIDConnectProvider",
      "iam:DeleteOpenIDConnectProvider",
      "iam:RemoveClientIDFromOpenIDConnectProvider",
      "iam:TagOpenIDConnectProvider",
      "iam:UntagOpenIDConnectProvider",
      "iam:UpdateOpenIDConnectProviderThumbprint",
    ]
    resources = [local.oidc_arn]
  }

  statement {
    sid       = "DenyEnvironmentTagChange"
    effect    = "Deny"
    actions   = ["ec2:CreateTags"]
    resources = ["*"]

    # Setting the Environment key on a resource that already has one, other
    # than while creating it. (Its case is ignored: IAM tag conditions are
    # not reliably case-sensitive.)
    condition {
      test     = "ForAnyValue:StringEqualsIgnoreCase"
      variable = "aws:TagKeys"
      values   = ["Environment"]
    }

    condition {
      test     = "Null"
      variable = "ec2:CreateAction"
      values   = ["true"]
    }

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Environment"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyEnvironmentTagDelete"
    effect    = "Deny"
    actions   = ["ec2:DeleteTags"]
    resources = ["*"]

    condition {
      test     = "ForAnyValue:StringEqualsIgnoreCase"
      variable = "aws:TagKeys"
      values   = ["Environment"]
    }
  }

  statement {
    sid       = "DenyDeleteAllTags"
    effect    = "Deny"
    actions   = ["ec2:DeleteTags"]
    resources = ["*"]

    # DeleteTags without a list of keys deletes every tag, Environment too.
    condition {
      test     = "Null"
      variable = "aws:TagKeys"
      values   = ["true"]
    }
  }
}

# What the roles of an environment may never touch of the other one in a
# shared account. Empty (no statements) with one account per environment.
data "aws_iam_policy_document" "other_environment" {
  for_each = local.envs

  dynamic "statement" {
    for_each = local.single_account ? [local.other[each.key]] : []

    content {
      sid         = "DenyOtherEnvironmentTagged"
      effect      = "Deny"
      not_actions = length(local.ecr_pull_exemption[each.key]) > 0 ? local.ecr_pull_exemption[each.key] : null
      actions     = length(local.ecr_pull_exemption[each.key]) > 0 ? null : ["*"]
      resources   = ["*"]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/Environment"
        values   = [statement.value]
      }
    }
  }

  dynamic "statement" {
    for_each = local.single_account ? [local.other[each.key]] : []

    content {
      sid       = "DenyOtherEnvironmentTagRequest"
      effect    = "Deny"
      actions   = ["*"]
      resources = ["*"]

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/Environment"
        values   = [statement.value]
      }
    }
  }

  dynamic "statement" {
    for_each = local.single_account ? [local.other[each.key]] : []

    content {
      sid       = "DenyOtherEnvironmentInstancesSsm"
      effect    = "Deny"
      actions   = ["ssm:*"]
      resources = ["*"]

      condition {
        test     = "StringEquals"
        variable = "ssm:resourceTag/Environment"
        values   = [statement.value]
      }
    }
  }

  dynamic "statement" {
    for_each = local.single_account ? [local.other[each.key]] : []

    content {
      sid         = "DenyOtherEnvironmentNamed"
      effect      = "Deny"
      not_actions = length(local.ecr_pull_exemption[each.key]) > 0 ? local.ecr_pull_exemption[each.key] : null
      actions     = length(local.ecr_pull_exemption[each.key]) > 0 ? null : ["*"]
      resources   = local.named_resources[statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.single_account ? [local.other[each.key]] : []

    content {
      sid       = "DenyOtherEnvironmentDbSecret"
      effect    = "Deny"
      actions   = ["secretsmanager:*"]
      resources = ["*"]

      condition {
        test     = "StringEquals"
        variable = "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn"
        values   = [local.db_arn[statement.value]]
      }
    }
  }
}

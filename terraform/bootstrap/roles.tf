# One deploy role per environment, assumable only by GitHub Actions jobs of
# this repository that run in that environment's GitHub environment. Its
# permissions are what the pipeline does for that environment:
#   - plan/apply/destroy terraform/ (state object, network, host, RDS, S3,
#     ECR, IAM for gangway-<env>-* only);
#   - push images to its own ECR repository (prod may also read gangway-test:
#     the promote step copies the tested digest from there);
#   - SSM Run Command on instances tagged Environment=<env>, App=gangway.
# The EC2 statement is the widest one: networking resources have no name
# to scope by before they exist, so it is limited to the region, and
# instance stop/terminate/modify to instances tagged with the environment.

locals {
  deploy_envs = var.github_environments
  # gangway-test -> gangway-test-*; used for IAM, S3 and RDS names.
  names = { for env in keys(local.deploy_envs) : env => "gangway-${env}" }
}

data "aws_iam_policy_document" "deploy_trust" {
  for_each = local.deploy_envs

  statement {
    sid     = "GitHubActionsEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:sub"
      values   = ["repo:${var.github_repository}:environment:${each.value}"]
    }
  }
}

data "aws_iam_policy_document" "deploy" {
  for_each = local.deploy_envs

  # --- Terraform state: only this environment's key (and its lock file).
  statement {
    sid       = "StateBucketList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket]
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_bucket}/gangway/${each.key}/*"]
  }

  # --- Reads that AWS does not scope by resource (refresh, data sources).
  statement {
    sid = "Describe"
    actions = [
      "ec2:Describe*",
      "rds:DescribeDBInstances",
      "rds:DescribeDBSubnetGroups",
      "rds:DescribeDBEngineVersions",
      "rds:DescribeDBSnapshots",
      "rds:ListTagsForResource",
      "kms:DescribeKey",
      "ssm:DescribeInstanceInformation",
      "ssm:GetCommandInvocation",
      "ssm:ListCommandInvocations",
      "ssm:ListCommands",
      "ecr:GetAuthorizationToken",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "AmiParameter"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["arn:${local.partition}:ssm:${var.region}::parameter/aws/service/ami-amazon-linux-latest/*"]
  }

  # --- Network and host.
  statement {
    sid = "Ec2Manage"
    actions = [
      "ec2:AllocateAddress",
      "ec2:AssociateAddress",
      "ec2:AssociateRouteTable",
      "ec2:AttachInternetGateway",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateInternetGateway",
      "ec2:CreateRoute",
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSubnet",
      "ec2:CreateTags",
      "ec2:CreateVpc",
      "ec2:DeleteInternetGateway",
      "ec2:DeleteRoute",
      "ec2:DeleteRouteTable",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteSubnet",
      "ec2:DeleteTags",
      "ec2:DeleteVpc",
      "ec2:DetachInternetGateway",
      "ec2:DisassociateAddress",
      "ec2:DisassociateRouteTable",
      "ec2:ModifySecurityGroupRules",
      "ec2:ModifySubnetAttribute",
      "ec2:ModifyVpcAttribute",
      "ec2:ReleaseAddress",
      "ec2:ReplaceRoute",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:RunInstances",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  statement {
    sid = "Ec2OwnInstances"
    actions = [
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyInstanceMetadataOptions",
      "ec2:StartInstances",
      "ec2:StopInstances",
      "ec2:TerminateInstances",
    ]
    resources = ["arn:${local.partition}:ec2:${var.region}:${local.account_id}:instance/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  # --- Database (RDS names it; the managed password secret is rds!...).
  statement {
    sid = "Rds"
    actions = [
      "rds:AddTagsToResource",
      "rds:CreateDBInstance",
      "rds:CreateDBSnapshot",
      "rds:CreateDBSubnetGroup",
      "rds:DeleteDBInstance",
      "rds:DeleteDBSubnetGroup",
      "rds:ModifyDBInstance",
      "rds:ModifyDBSubnetGroup",
      "rds:RebootDBInstance",
      "rds:RemoveTagsFromResource",
    ]
    resources = [
      "arn:${local.partition}:rds:${var.region}:${local.account_id}:db:${local.names[each.key]}",
      "arn:${local.partition}:rds:${var.region}:${local.account_id}:subgrp:${local.names[each.key]}",
      "arn:${local.partition}:rds:${var.region}:${local.account_id}:snapshot:${local.names[each.key]}-*",
      "arn:${local.partition}:rds:${var.region}:${local.account_id}:pg:default.postgres*",
      "arn:${local.partition}:rds:${var.region}:${local.account_id}:og:default:postgres-*",
    ]
  }

  statement {
    sid = "RdsManagedPasswordSecret"
    # RDS creates and rotates the secret with the caller's rights; reading
    # the value (GetSecretValue) is deliberately not granted.
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:RotateSecret",
      "secretsmanager:TagResource",
    ]
    resources = ["arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:rds!*"]
  }

  # --- The app bucket.
  statement {
    sid     = "AppBucket"
    actions = ["s3:*"]
    resources = [
      "arn:${local.partition}:s3:::${local.names[each.key]}-app-*",
    ]
  }

  statement {
    sid = "AppBucketObjects"
    # Only for emptying a test bucket on destroy (force_destroy).
    actions = ["s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = [
      "arn:${local.partition}:s3:::${local.names[each.key]}-app-*/*",
    ]
  }

  # --- ECR: manage and push to its own repository.
  statement {
    sid       = "EcrOwnRepository"
    actions   = ["ecr:*"]
    resources = ["arn:${local.partition}:ecr:${var.region}:${local.account_id}:repository/${local.names[each.key]}"]
  }

  dynamic "statement" {
    for_each = each.key == "prod" ? ["gangway-test"] : []

    content {
      sid = "EcrReadTestForPromote"
      actions = [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:DescribeImages",
        "ecr:GetDownloadUrlForLayer",
      ]
      resources = ["arn:${local.partition}:ecr:${var.region}:${local.account_id}:repository/${statement.value}"]
    }
  }

  # --- IAM for the host role and profile of this environment only. Roles
  # can be created, and given policies, only with the environment's
  # permissions boundary (boundary.tf), which no statement lets it remove.
  statement {
    sid = "IamHostRole"
    actions = [
      "iam:AddRoleToInstanceProfile",
      "iam:CreateInstanceProfile",
      "iam:DeleteInstanceProfile",
      "iam:DeleteRole",
      "iam:GetInstanceProfile",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:RemoveRoleFromInstanceProfile",
      "iam:TagInstanceProfile",
      "iam:TagRole",
      "iam:UntagInstanceProfile",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = [
      "arn:${local.partition}:iam::${local.account_id}:role/${local.names[each.key]}-*",
      "arn:${local.partition}:iam::${local.account_id}:instance-profile/${local.names[each.key]}-*",
    ]
  }

  statement {
    sid = "IamHostRoleWithBoundary"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePolicy",
    ]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${local.names[each.key]}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.host_boundary[each.key].arn]
    }
  }

  statement {
    sid       = "IamAttachOnlySsmCore"
    actions   = ["iam:AttachRolePolicy"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${local.names[each.key]}-*"]

    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values   = ["arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"]
    }

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.host_boundary[each.key].arn]
    }
  }

  statement {
    sid       = "PassHostRoleToEc2"
    actions   = ["iam:PassRole"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${local.names[each.key]}-host"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }

  # --- Rollout: Run Command on this environment's hosts only.
  statement {
    sid       = "SsmRunShellScript"
    actions   = ["ssm:SendCommand"]
    resources = ["arn:${local.partition}:ssm:${var.region}::document/AWS-RunShellScript"]
  }

  statement {
    sid       = "SsmOwnInstances"
    actions   = ["ssm:SendCommand"]
    resources = ["arn:${local.partition}:ec2:${var.region}:${local.account_id}:instance/*"]

    condition {
      test     = "StringEquals"
      variable = "ssm:resourceTag/Environment"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "ssm:resourceTag/App"
      values   = ["gangway"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = local.deploy_envs

  name                 = "${local.names[each.key]}-deploy"
  description          = "gangway ${each.key} deploy role for GitHub Actions environment ${each.value} of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust[each.key].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "deploy" {
  for_each = local.deploy_envs

  name   = "${local.names[each.key]}-deploy"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}

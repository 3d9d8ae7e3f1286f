# A read-only role for the pull-request preview (terraform plan of test).
# Pull-request jobs run code that has not been reviewed yet, so they get no
# deploy role: GitHub gives them the subject repo:OWNER/REPO:pull_request,
# which only this role trusts. It can read the test state and lock it for
# the plan, and describe what the plan refreshes; it can change nothing else.

data "aws_iam_policy_document" "plan_trust" {
  count = var.create_plan_role ? 1 : 0

  statement {
    sid     = "GitHubActionsPullRequest"
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
      values   = ["repo:${var.github_repository}:pull_request"]
    }
  }
}

data "aws_iam_policy_document" "plan" {
  count = var.create_plan_role ? 1 : 0

  statement {
    sid       = "StateBucketList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket]
  }

  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = ["${local.state_bucket}/gangway/test/*"]
  }

  statement {
    sid       = "StateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_bucket}/gangway/test/terraform.tfstate.tflock"]
  }

  statement {
    sid = "Describe"
    actions = [
      "ec2:Describe*",
      "rds:DescribeDBInstances",
      "rds:DescribeDBSubnetGroups",
      "rds:ListTagsForResource",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "AmiParameter"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["arn:${local.partition}:ssm:${var.region}::parameter/aws/service/ami-amazon-linux-latest/*"]
  }

  statement {
    sid       = "AppBucketRead"
    actions   = ["s3:Get*", "s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::gangway-test-app-*"]
  }

  statement {
    sid       = "EcrRead"
    actions   = ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:ListTagsForResource"]
    resources = ["arn:${local.partition}:ecr:${var.region}:${local.account_id}:repository/gangway-test"]
  }

  statement {
    sid = "IamRead"
    actions = [
      "iam:GetInstanceProfile",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
    ]
    resources = [
      "arn:${local.partition}:iam::${local.account_id}:role/gangway-test-*",
      "arn:${local.partition}:iam::${local.account_id}:instance-profile/gangway-test-*",
    ]
  }
}

resource "aws_iam_role" "plan" {
  count = var.create_plan_role ? 1 : 0

  name                 = "gangway-plan"
  description          = "gangway read-only plan of test for pull requests of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust[0].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "plan" {
  count = var.create_plan_role ? 1 : 0

  name   = "gangway-plan"
  role   = aws_iam_role.plan[0].id
  policy = data.aws_iam_policy_document.plan[0].json
}

# One read-only role per environment, gangway-<env>-plan, for plans that
# are shown before anything is applied: the pull-request preview of test,
# the prod plan the approver sees, drift checks (trust: github.tf). It
# reads its environment's state, takes and releases the state lock, writes
# saved plans under gangway/<env>/plans/ (SSE-KMS with the environment's
# plans key, kms.tf), and reads what a refresh of terraform/ reads. It can
# write nothing else: not the state, not any resource.

locals {
  # Bucket-level reads of a refresh of the app bucket's resources.
  s3_bucket_read_actions = [for a in local.s3_bucket_manage_actions : a if can(regex("^s3:(Get|List)", a))]
}

data "aws_iam_policy_document" "plan" {
  for_each = var.create_plan_role ? local.envs : {}

  source_policy_documents = [data.aws_iam_policy_document.other_environment[each.key].json]

  statement {
    sid       = "StateBucketList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket]
  }

  statement {
    sid     = "StateRead"
    actions = ["s3:GetObject"]
    resources = [
      "${local.state_bucket}/${local.names[each.key].state_prefix}/terraform.tfstate",
      "${local.state_bucket}/${local.names[each.key].state_prefix}/terraform.tfstate.tflock",
    ]
  }

  statement {
    sid       = "StateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_bucket}/${local.names[each.key].state_prefix}/terraform.tfstate.tflock"]
  }

  statement {
    sid       = "SavePlans"
    actions   = ["s3:PutObject"]
    resources = ["${local.state_bucket}/${local.names[each.key].state_prefix}/plans/*"]

    # Only SSE-KMS (a saved plan holds every value of the configuration),
    # and only with the environment's plans key (DenyOtherKmsKeys).
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }

  statement {
    sid       = "DenyOtherKmsKeys"
    effect    = "Deny"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = ["*"]

    # The plans key is told by its alias, so that this stays known at plan
    # time; a key without that alias (such as aws/s3) is refused.
    condition {
      test     = "ForAllValues:StringNotEquals"
      variable = "kms:ResourceAliases"
      values   = ["alias/${local.names[each.key].prefix}-plans"]
    }
  }

  statement {
    sid = "Describe"
    actions = [
      "acm:ListCertificates",
      "autoscaling:Describe*",
      "cloudwatch:DescribeAlarms",
      "ec2:Describe*",
      "elasticloadbalancing:Describe*",
      "kms:DescribeKey",
      "kms:ListAliases",
      "logs:DescribeLogGroups",
      "rds:DescribeDBEngineVersions",
      "rds:DescribeDBInstances",
      "rds:DescribeDBSnapshots",
      "rds:DescribeDBSubnetGroups",
      "rds:ListTagsForResource",
      "ssm:DescribeParameters",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  statement {
    sid       = "AmiParameter"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["arn:${local.partition}:ssm:${var.region}::parameter/aws/service/ami-amazon-linux-latest/*"]
  }

  statement {
    sid       = "AppBucketRead"
    actions   = local.s3_bucket_read_actions
    resources = ["arn:${local.partition}:s3:::${local.names[each.key].app_bucket}"]
  }

  statement {
    sid       = "EcrRead"
    actions   = ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:ListTagsForResource"]
    resources = ["${local.ecr}:repository/${local.names[each.key].repository}"]
  }

  statement {
    sid = "IamRead"
    actions = [
      "iam:GetInstanceProfile",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
    ]
    resources = [
      "${local.iam}:role/${local.names[each.key].host_role}",
      "${local.iam}:role/${local.names[each.key].host_role}-*",
      "${local.iam}:instance-profile/${local.names[each.key].host_role}",
      "${local.iam}:instance-profile/${local.names[each.key].host_role}-*",
    ]
  }

  # What a refresh of the serving layer reads beyond Describe: the
  # certificate, the keys, the alarms' tags, the topic, the zone.
  statement {
    sid       = "OwnTaggedRead"
    actions   = ["acm:DescribeCertificate", "acm:ListTagsForCertificate", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
    resources = ["${local.acm}:certificate/*", "${local.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/ManagedBy"
      values   = ["terraform"]
    }
  }

  statement {
    sid = "OwnAlarmsAndTopicRead"
    actions = [
      "cloudwatch:ListTagsForResource",
      "sns:GetSubscriptionAttributes",
      "sns:GetTopicAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
    ]
    resources = [local.serving[each.key].alarms, local.serving[each.key].topics]
  }

  dynamic "statement" {
    for_each = contains(keys(var.service_domains), each.key) ? [var.service_domains[each.key].route53_zone_id] : []

    content {
      sid       = "OwnZoneRead"
      actions   = ["route53:GetHostedZone", "route53:ListResourceRecordSets"]
      resources = ["arn:${local.partition}:route53:::hostedzone/${statement.value}"]
    }
  }

  statement {
    sid     = "OwnParametersAndLogsRead"
    actions = ["logs:ListTagsForResource", "logs:ListTagsLogGroup", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:ListTagsForResource"]
    resources = [
      "${local.ssm}:parameter/gangway/${each.key}",
      "${local.ssm}:parameter/gangway/${each.key}/*",
      "${local.logs}:log-group:/gangway/${each.key}/*",
    ]
  }
}

resource "aws_iam_role" "plan" {
  for_each = var.create_plan_role ? local.envs : {}

  name                 = local.names[each.key].plan_role
  description          = "gangway ${each.key} read-only plan role of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust[each.key].json
  max_session_duration = 3600

  tags = { Environment = each.key }

  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role_policy" "plan" {
  for_each = var.create_plan_role ? local.envs : {}

  name   = local.names[each.key].plan_role
  role   = aws_iam_role.plan[each.key].name
  policy = data.aws_iam_policy_document.plan[each.key].minified_json
}

# The permissions boundary of every role a deploy role creates (the host
# role gangway-<env>-host): the most such a role can ever do, whatever
# policies the deploy role (or a change to terraform/) gives it. Without
# it, a deploy role that may write IAM policies could mint itself an
# administrator role.
#
# It equals what the EC2 hosts need, each statement scoped to its own
# environment: the SSM agent, pulling its own image, reading its own
# bucket, its own DB secret and its own parameters (/gangway/<env>/..., the
# digest a booting host serves and its rollout script), writing its own app
# log group (/gangway/<env>/app), and assuming its own role (the app
# container's narrowed credentials).

data "aws_iam_policy_document" "host_boundary" {
  for_each = local.envs

  statement {
    sid = "SsmAgent"
    # What the agent needs from AmazonSSMManagedInstanceCore, without its
    # ssm:GetParameter(s) on every parameter (SsmOwnParameters below). The
    # agent calls these for the instance it runs on; they have no resource
    # of an environment to scope by.
    actions = [
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
      "ssm:DescribeAssociation",
      "ssm:DescribeDocument",
      "ssm:GetDeployablePatchSnapshotForInstance",
      "ssm:GetDocument",
      "ssm:GetManifest",
      "ssm:ListAssociations",
      "ssm:ListInstanceAssociations",
      "ssm:PutComplianceItems",
      "ssm:PutConfigurePackageResult",
      "ssm:PutInventory",
      "ssm:UpdateAssociationStatus",
      "ssm:UpdateInstanceAssociationStatus",
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }

  statement {
    sid = "SsmOwnParameters"
    # GetParametersByPath names the path itself as its resource.
    actions = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = [
      "${local.ssm}:parameter/gangway/${each.key}",
      "${local.ssm}:parameter/gangway/${each.key}/*",
    ]
  }

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "EcrPullOwnRepository"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = ["${local.ecr}:repository/${local.names[each.key].repository}"]
  }

  statement {
    sid       = "S3ListOwnBucket"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${local.names[each.key].app_bucket}"]
  }

  statement {
    sid       = "S3ReadOwnObjects"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.names[each.key].app_bucket}/*"]
  }

  statement {
    sid     = "ReadOwnDbSecret"
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    # RDS names its managed secrets rds!db-<uuid> (the uuid is unknown
    # until the database exists) and tags each with the instance it
    # belongs to, a tag only RDS can set (aws: prefix): the tag tells
    # test's secret from prod's.
    resources = ["${local.secrets}:secret:rds!*"]

    condition {
      test     = "StringEquals"
      variable = "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn"
      values   = [local.db_arn[each.key]]
    }
  }

  # docker's awslogs driver: streams of the app log group, nothing else.
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.logs}:log-group:/gangway/${each.key}/app:*"]
  }

  # The app container's credentials: the host assumes its own role (with a
  # session policy), and no other role.
  statement {
    sid       = "AssumeOwnHostRole"
    actions   = ["sts:AssumeRole"]
    resources = ["${local.iam}:role/${local.names[each.key].host_role}"]
  }
}

resource "aws_iam_policy" "host_boundary" {
  for_each = local.envs

  name        = local.names[each.key].boundary
  description = "Permissions boundary for gangway ${each.key} roles created by the deploy role"
  policy      = data.aws_iam_policy_document.host_boundary[each.key].minified_json

  tags = { Environment = each.key }
}

# The permissions boundary of every gangway-<env>-* role that a deploy role
# creates: the most such a role can ever do, whatever policies the deploy
# role (or a change to terraform/) gives it. Without it, a deploy role that
# may write IAM policies could mint itself an administrator role.
# It equals what the EC2 host needs: the SSM agent, pulling its own
# environment's image, reading its own bucket and its own DB secret.

data "aws_iam_policy_document" "host_boundary" {
  for_each = local.deploy_envs

  statement {
    sid = "SsmAgent"
    # The actions of the AWS-managed AmazonSSMManagedInstanceCore policy.
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
      "ssm:GetParameter",
      "ssm:GetParameters",
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
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "EcrPullOwnRepository"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = ["arn:${local.partition}:ecr:${var.region}:${local.account_id}:repository/${local.names[each.key]}"]
  }

  statement {
    sid       = "S3ReadOwnBucket"
    actions   = ["s3:ListBucket", "s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.names[each.key]}-app-*"]
  }

  statement {
    sid       = "S3ReadOwnObjects"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.names[each.key]}-app-*/*"]
  }

  statement {
    sid     = "ReadOwnDbSecret"
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    # RDS names its managed secrets rds!db-<uuid> and tags them with the
    # instance they belong to; the tag tells test's secret from prod's.
    resources = ["arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:rds!*"]

    condition {
      test     = "StringEquals"
      variable = "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn"
      values   = ["arn:${local.partition}:rds:${var.region}:${local.account_id}:db:${local.names[each.key]}"]
    }
  }
}

resource "aws_iam_policy" "host_boundary" {
  for_each = local.deploy_envs

  name        = "${local.names[each.key]}-host-boundary"
  description = "Permissions boundary for gangway ${each.key} roles created by the deploy role"
  policy      = data.aws_iam_policy_document.host_boundary[each.key].json
}

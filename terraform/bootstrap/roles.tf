# One deploy role per environment, gangway-<env>-deploy, assumable only by
# the deploy job of that environment (github.tf). Its permissions are what
# the pipeline does for that environment, and no more:
#   - plan/apply/destroy terraform/: its own state objects, the network,
#     VPC endpoints and the hosts' launch template (EC2), the load
#     balancer, Auto Scaling group, certificate, DNS records, alarms, alarm
#     topic and KMS keys (serving.tf), RDS gangway-<env>, the app bucket,
#     ECR gangway-<env>, the host role and profile gangway-<env>-host (under
#     a permissions boundary), its SSM parameters and log groups;
#   - push images to its own repository (prod: pull from test's repository,
#     the promote step copies the tested digest from there);
#   - SSM Run Command (AWS-RunShellScript) on its own environment's hosts;
#   - test only: sign the integration gate's attestation (kms.tf).
#
# EC2 is scoped by the Environment tag that terraform/ puts on every
# resource (provider default_tags): a resource can be created in the
# region, tagged only at creation and only with its own environment, and
# every change to an existing resource needs that tag. No role may change
# an Environment tag once set (isolation.tf), so "belongs to test" cannot
# be forged by re-tagging.

locals {
  # Actions that create EC2 resources; CreateTags is allowed only as part
  # of one of them (ec2:CreateAction) and only with the own Environment tag.
  ec2_create_actions = [
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:CreateInternetGateway",
    "ec2:CreateLaunchTemplate",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSubnet",
    "ec2:CreateVpc",
    "ec2:CreateVpcEndpoint",
    "ec2:RunInstances",
  ]

  # Actions on existing resources (including parents named in a create,
  # such as the VPC of a new subnet): only on resources tagged with the
  # role's environment.
  # The hosts' launch template and the VPC endpoints too. The Elastic IP of
  # the single host of earlier versions can still be disassociated and
  # released (the move to the fleet destroys it); none is allocated any more.
  ec2_own_resource_actions = [
    "ec2:AssociateRouteTable",
    "ec2:AttachInternetGateway",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:CreateRoute",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSubnet",
    "ec2:CreateVpcEndpoint",
    "ec2:DeleteInternetGateway",
    "ec2:DeleteLaunchTemplate",
    "ec2:DeleteLaunchTemplateVersions",
    "ec2:DeleteRoute",
    "ec2:DeleteRouteTable",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteSubnet",
    "ec2:DeleteVpc",
    "ec2:DeleteVpcEndpoints",
    "ec2:DetachInternetGateway",
    "ec2:DisassociateAddress",
    "ec2:DisassociateRouteTable",
    "ec2:ModifyInstanceAttribute",
    "ec2:ModifyInstanceMetadataOptions",
    "ec2:ModifyLaunchTemplate",
    "ec2:ModifySecurityGroupRules",
    "ec2:ModifySubnetAttribute",
    "ec2:ModifyVpcAttribute",
    "ec2:ModifyVpcEndpoint",
    "ec2:RebootInstances",
    "ec2:ReleaseAddress",
    "ec2:ReplaceRoute",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RunInstances",
    "ec2:StartInstances",
    "ec2:StopInstances",
    "ec2:TerminateInstances",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
  ]


  # What the AWS provider calls to create, refresh and delete the app
  # bucket of terraform/storage.tf (aws_s3_bucket and its public access
  # block, ownership controls, encryption, versioning, lifecycle and
  # policy resources; tags come from default_tags). The Get*/List* are what
  # a refresh of aws_s3_bucket reads.
  s3_bucket_manage_actions = [
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
  ]

  # ECR repository gangway-<env> (terraform/storage.tf) and pushing to it.
  ecr_repository_actions = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:CreateRepository",
    "ecr:DeleteLifecyclePolicy",
    "ecr:DeleteRepository",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetLifecyclePolicy",
    "ecr:InitiateLayerUpload",
    "ecr:ListImages",
    "ecr:ListTagsForResource",
    "ecr:PutImage",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    "ecr:PutLifecyclePolicy",
    "ecr:TagResource",
    "ecr:UntagResource",
    "ecr:UploadLayerPart",
  ]

  # What prod needs to copy a digest out of test's repository.
  ecr_pull_actions = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:ListImages",
  ]
}

data "aws_iam_policy_document" "deploy" {
  for_each = local.envs

  # The role's inline policy: the explicit denies (isolation.tf), state,
  # reads, IAM for the host role, promotion and the rollout.
  source_policy_documents = [data.aws_iam_policy_document.deploy_guards[each.key].json]

  # --- Terraform state: only this environment's prefix (state, lock file,
  # saved plans). Saved plans are SSE-KMS with the environment's plans key,
  # which lets this role decrypt (kms.tf).
  statement {
    sid       = "StateBucketList"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket]
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_bucket}/${local.names[each.key].state_prefix}/*"]
  }

  # --- Reads that AWS does not scope by resource (refresh, data sources).
  statement {
    sid = "Describe"
    actions = [
      "acm:ListCertificates",
      "autoscaling:Describe*",
      "cloudwatch:DescribeAlarms",
      "ec2:Describe*",
      "ecr:GetAuthorizationToken",
      "elasticloadbalancing:Describe*",
      "kms:DescribeKey",
      "kms:ListAliases",
      "logs:DescribeLogGroups",
      "rds:DescribeDBEngineVersions",
      "rds:DescribeDBInstances",
      "rds:DescribeDBSnapshots",
      "rds:DescribeDBSubnetGroups",
      "rds:ListTagsForResource",
      "ssm:DescribeInstanceInformation",
      "ssm:DescribeParameters",
      "ssm:GetCommandInvocation",
      "ssm:ListCommandInvocations",
      "ssm:ListCommands",
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

  dynamic "statement" {
    for_each = each.key == "prod" ? [local.promotion_source_repository_arn] : []

    content {
      sid       = "EcrPullTestForPromotion"
      actions   = local.ecr_pull_actions
      resources = [statement.value]
    }
  }

  # --- IAM: only the host role and instance profile of this environment.
  # Roles are created, and given policies, only with the environment's
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
      "iam:UpdateRoleDescription",
    ]
    resources = [
      "${local.iam}:role/${local.names[each.key].host_role}",
      "${local.iam}:role/${local.names[each.key].host_role}-*",
      "${local.iam}:instance-profile/${local.names[each.key].host_role}",
      "${local.iam}:instance-profile/${local.names[each.key].host_role}-*",
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
    resources = [
      "${local.iam}:role/${local.names[each.key].host_role}",
      "${local.iam}:role/${local.names[each.key].host_role}-*",
    ]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn[each.key]]
    }
  }

  statement {
    sid     = "IamAttachOnlySsmCore"
    actions = ["iam:AttachRolePolicy"]
    resources = [
      "${local.iam}:role/${local.names[each.key].host_role}",
      "${local.iam}:role/${local.names[each.key].host_role}-*",
    ]

    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values   = ["arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"]
    }

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn[each.key]]
    }
  }

  statement {
    sid       = "PassHostRoleToEc2"
    actions   = ["iam:PassRole"]
    resources = ["${local.iam}:role/${local.names[each.key].host_role}"]

    # RunInstances passes it to EC2, creating or updating the Auto Scaling
    # group with a launch template that names the instance profile passes
    # it to Auto Scaling; AddRoleToInstanceProfile checks PassRole without
    # a target service.
    condition {
      test     = "StringEqualsIfExists"
      variable = "iam:PassedToService"
      values   = ["autoscaling.amazonaws.com", "ec2.amazonaws.com"]
    }
  }

  # The first load balancer and Auto Scaling group of an account create
  # their services' roles; no other service-linked role.
  statement {
    sid     = "ServiceLinkedRolesForServing"
    actions = ["iam:CreateServiceLinkedRole"]
    resources = [
      "${local.iam}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
      "${local.iam}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
    ]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com"]
    }
  }

  # --- Rollout: Run Command (AWS-RunShellScript only) on this
  # environment's hosts only.
  statement {
    sid       = "SsmRunShellScript"
    actions   = ["ssm:SendCommand"]
    resources = ["arn:${local.partition}:ssm:${var.region}::document/AWS-RunShellScript"]
  }

  statement {
    sid       = "SsmOwnInstances"
    actions   = ["ssm:SendCommand"]
    resources = ["${local.ec2}:instance/*"]

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

# The network and the host (managed policy gangway-<env>-deploy-ec2).
data "aws_iam_policy_document" "deploy_ec2" {
  for_each = local.envs

  # --- EC2: creating. The new resource itself has no tag yet; what it is
  # created in (VPC, subnet, security group) is checked by Ec2OwnResources.
  statement {
    sid       = "Ec2CreateNetwork"
    actions   = ["ec2:CreateInternetGateway", "ec2:CreateVpc"]
    resources = ["${local.ec2}:internet-gateway/*", "${local.ec2}:vpc/*"]
  }

  statement {
    sid       = "Ec2CreateInVpc"
    actions   = ["ec2:CreateRouteTable", "ec2:CreateSecurityGroup", "ec2:CreateSubnet"]
    resources = ["${local.ec2}:route-table/*", "${local.ec2}:security-group/*", "${local.ec2}:subnet/*"]
  }

  statement {
    sid       = "Ec2CreateTaggedForEnvironment"
    actions   = ["ec2:CreateLaunchTemplate", "ec2:CreateVpcEndpoint"]
    resources = ["${local.ec2}:launch-template/*", "${local.ec2}:vpc-endpoint/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid     = "Ec2CreateSecurityGroupRules"
    actions = ["ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress"]
    # The rule is new; its security group must be the environment's.
    resources = ["${local.ec2}:security-group-rule/*"]
  }

  statement {
    sid     = "Ec2RunInstances"
    actions = ["ec2:RunInstances"]
    # The new instance, its volume and network interface, and the Amazon
    # Linux image (owned by Amazon: no account in its ARN). The subnet and
    # security group are checked by Ec2OwnResources; no key pair is
    # allowed, so no instance can be started with one.
    resources = [
      "${local.ec2}:instance/*",
      "${local.ec2}:network-interface/*",
      "${local.ec2}:volume/*",
      "arn:${local.partition}:ec2:${var.region}::image/*",
    ]
  }

  statement {
    sid       = "Ec2TagOnCreate"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.ec2}:*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = [for a in local.ec2_create_actions : trimprefix(a, "ec2:")]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "Ec2ClaimDefaultSecurityGroup"
    # A new VPC's default security group is created by AWS without tags;
    # terraform/ adopts it (aws_default_security_group) by tagging it, then
    # empties it. Only a group without any Environment tag can be claimed,
    # and only for this environment.
    actions   = ["ec2:CreateTags"]
    resources = ["${local.ec2}:security-group/*"]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Environment"
      values   = ["true"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "Ec2TagOwnResources"
    # Other tags of its own resources; the Environment key itself can never
    # be changed (DenyEnvironmentTagChange).
    actions   = ["ec2:CreateTags", "ec2:DeleteTags"]
    resources = ["${local.ec2}:*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid       = "Ec2OwnResources"
    actions   = local.ec2_own_resource_actions
    resources = ["${local.ec2}:*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "Ec2AwsManagedPrefixLists"
    # The hosts reach S3 through its gateway endpoint: an egress rule to
    # S3's prefix list, which AWS owns (no account in its ARN, no tags).
    actions   = ["ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress"]
    resources = ["arn:${local.partition}:ec2:${var.region}:aws:prefix-list/*"]
  }

  statement {
    sid = "Ec2OwnSecurityGroupRules"
    # A rule is always changed through its security group, which
    # Ec2OwnResources requires to be the environment's; the default
    # group's original rules carry no tags.
    actions = [
      "ec2:ModifySecurityGroupRules",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    ]
    resources = ["${local.ec2}:security-group-rule/*"]
  }
}

# Database, bucket, repository, parameters and logs (managed policy
# gangway-<env>-deploy-data).
data "aws_iam_policy_document" "deploy_data" {
  for_each = local.envs

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
      "${local.rds}:db:${local.names[each.key].db}",
      "${local.rds}:subgrp:${local.names[each.key].db}",
      "${local.rds}:snapshot:${local.names[each.key].db}-*",
      "${local.rds}:pg:default.postgres*",
      "${local.rds}:og:default:postgres-*",
    ]
  }

  statement {
    sid = "RdsManagedPasswordSecretCreate"
    # RDS creates the secret of manage_master_user_password with the
    # caller's rights. Reading its value is deliberately not granted.
    actions   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource"]
    resources = ["${local.secrets}:secret:rds!*"]
  }

  statement {
    sid       = "RdsManagedPasswordSecretOwn"
    actions   = ["secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:RotateSecret"]
    resources = ["${local.secrets}:secret:rds!*"]

    condition {
      test     = "StringEquals"
      variable = "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn"
      values   = [local.db_arn[each.key]]
    }
  }

  # --- The app bucket: managed, never read. Only test may empty it
  # (force_destroy); prod has no access to the objects at all.
  statement {
    sid       = "AppBucket"
    actions   = local.s3_bucket_manage_actions
    resources = ["arn:${local.partition}:s3:::${local.names[each.key].app_bucket}"]
  }

  dynamic "statement" {
    for_each = each.key == "test" ? [local.names[each.key].app_bucket] : []

    content {
      sid       = "AppBucketEmptyOnDestroy"
      actions   = ["s3:ListBucketVersions"]
      resources = ["arn:${local.partition}:s3:::${statement.value}"]
    }
  }

  dynamic "statement" {
    for_each = each.key == "test" ? [local.names[each.key].app_bucket] : []

    content {
      sid       = "AppObjectsDeleteOnDestroy"
      actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
      resources = ["arn:${local.partition}:s3:::${statement.value}/*"]
    }
  }

  # --- ECR: manage and push to its own repository.
  statement {
    sid       = "EcrOwnRepository"
    actions   = local.ecr_repository_actions
    resources = ["${local.ecr}:repository/${local.names[each.key].repository}"]
  }

  dynamic "statement" {
    # The test repository admits the prod deploy role (README.md: the
    # repository policy terraform/ puts on gangway-test).
    for_each = each.key == "test" ? [local.names[each.key].repository] : []

    content {
      sid       = "EcrOwnRepositoryPolicy"
      actions   = ["ecr:DeleteRepositoryPolicy", "ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy"]
      resources = ["${local.ecr}:repository/${statement.value}"]
    }
  }

  # --- The environment's SSM parameters (/gangway/<env>/..., e.g. the
  # digest a booting host serves) and log groups (/gangway/<env>/...).
  statement {
    sid = "SsmOwnParameters"
    actions = [
      "ssm:AddTagsToResource",
      "ssm:DeleteParameter",
      "ssm:DeleteParameters",
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:GetParametersByPath",
      "ssm:ListTagsForResource",
      "ssm:PutParameter",
      "ssm:RemoveTagsFromResource",
    ]
    resources = [
      "${local.ssm}:parameter/gangway/${each.key}",
      "${local.ssm}:parameter/gangway/${each.key}/*",
    ]
  }

  statement {
    sid = "LogsOwnGroups"
    actions = [
      "logs:AssociateKmsKey",
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:DisassociateKmsKey",
      "logs:DeleteRetentionPolicy",
      "logs:FilterLogEvents", # pipeline logs
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "logs:PutRetentionPolicy",
      "logs:TagLogGroup",
      "logs:TagResource",
      "logs:UntagLogGroup",
      "logs:UntagResource",
    ]
    resources = ["${local.logs}:log-group:/gangway/${each.key}/*"]
  }
}

resource "aws_iam_role" "deploy" {
  for_each = local.envs

  name                 = local.names[each.key].deploy_role
  description          = "gangway ${each.key} deploy role: ${local.deploy_workflow[each.key]} in GitHub environment ${each.value} on ${local.deploy_branches[each.key]} of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust[each.key].json
  max_session_duration = 3600

  tags = { Environment = each.key }

  # The trust policy names the provider by its ARN (known at plan time);
  # IAM wants it to exist.
  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role_policy" "deploy" {
  for_each = local.envs

  name   = local.names[each.key].deploy_role
  role   = aws_iam_role.deploy[each.key].name
  policy = data.aws_iam_policy_document.deploy[each.key].minified_json
}

# IAM allows 10,240 characters of inline policy per role and 6,144 per
# managed policy: the guards and the core stay inline, the EC2, data,
# serving and monitoring statements are four managed policies of the
# environment. The deploy roles
# cannot change any of them (DenyPipelineRoleChanges).
locals {
  deploy_managed_policies = {
    ec2        = data.aws_iam_policy_document.deploy_ec2
    data       = data.aws_iam_policy_document.deploy_data
    serving    = data.aws_iam_policy_document.deploy_serving
    monitoring = data.aws_iam_policy_document.deploy_monitoring
  }
  deploy_policy_attachments = merge([
    for env in keys(local.envs) : {
      for part in keys(local.deploy_managed_policies) : "${env}-${part}" => { env = env, part = part }
    }
  ]...)
}

resource "aws_iam_policy" "deploy" {
  for_each = local.deploy_policy_attachments

  name        = "${local.names[each.value.env].deploy_role}-${each.value.part}"
  description = "gangway ${each.value.env} deploy role: ${each.value.part} permissions"
  policy      = local.deploy_managed_policies[each.value.part][each.value.env].minified_json

  tags = { Environment = each.value.env }
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each = local.deploy_policy_attachments

  role = aws_iam_role.deploy[each.value.env].name
  # Built from the name, like every ARN here (known at plan time).
  policy_arn = "${local.iam}:policy/${local.names[each.value.env].deploy_role}-${each.value.part}"

  depends_on = [aws_iam_policy.deploy]
}

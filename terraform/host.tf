# What every host of the fleet is: Amazon Linux 2023 from the launch
# template, docker and nginx from user data, managed through SSM only (no
# key pair, no SSH rule, no public address), and its instance role.

locals {
  # What the app container may do with its own temporary credentials: the
  # host assumes its own role with this session policy (the session gets
  # the intersection of the role's permissions and this document), so the
  # container never reaches the instance role itself. Written by user data
  # to /etc/gangway/app-session-policy.json.
  app_session_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "S3ListOwnBucket"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = "arn:${local.partition}:s3:::${local.bucket_name}"
      },
      {
        Sid      = "S3ReadOwnObjects"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "arn:${local.partition}:s3:::${local.bucket_name}/*"
      },
      {
        Sid      = "ReadOwnDbSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
        Resource = aws_db_instance.main.master_user_secret[0].secret_arn
      },
    ]
  })

  host_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${local.name}-host"

  user_data = templatefile("${path.module}/templates/user_data.sh.tftpl", {
    app_env = {
      APP_ENV       = var.environment
      AWS_REGION    = var.region
      S3_BUCKET     = module.app_bucket.bucket
      DB_HOST       = aws_db_instance.main.address
      DB_PORT       = tostring(local.db_port)
      DB_NAME       = local.db_name
      DB_USER       = local.db_user
      DB_SECRET_ARN = aws_db_instance.main.master_user_secret[0].secret_arn
      APP_PORT      = tostring(var.app_port)
    }
    region                   = var.region
    log_group                = aws_cloudwatch_log_group.app.name
    image_parameter          = aws_ssm_parameter.image.name
    rollout_script_parameter = aws_ssm_parameter.rollout_script.name
    host_role_arn            = local.host_role_arn
    app_session_policy       = local.app_session_policy
    # The container's user (the image's nonroot user) reads the credentials.
    app_uid = 65532
  })
}

resource "aws_launch_template" "app" {
  name        = local.name
  description = "gangway ${var.environment} host: Amazon Linux 2023, docker, nginx, SSM; serves the release recorded in ${aws_ssm_parameter.image.name}"

  # Kept across Amazon Linux releases until taken on purpose (main.tf).
  image_id      = local.ami_id
  instance_type = var.instance_type
  # Every version made by Terraform becomes the default; the group follows
  # the latest one (fleet.tf).
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.app.arn
  }

  # Private address only: no public IP, whatever the subnet says.
  network_interfaces {
    associate_public_ip_address = false
    delete_on_termination       = true
    security_groups             = [aws_security_group.app.id]
  }

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
    # Hop limit 1: the IMDSv2 token response cannot cross one more network
    # hop, so a container on a bridge network gets no instance credentials.
    # The app container runs on a bridge network and gets narrow temporary
    # credentials from /run/gangway instead (user data).
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_type           = "gp3"
      volume_size           = 20
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = false
  }

  # Base64 of the rendered script: the plan shows it, tests read it.
  user_data = base64encode(local.user_data)

  # The instances get their tags from the group (propagate_at_launch); the
  # volumes and network interfaces from here, so that every piece of a host
  # carries its environment.
  tag_specifications {
    resource_type = "volume"
    tags          = merge(local.tags, { Name = local.name })
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = merge(local.tags, { Name = local.name })
  }

  tags = { Name = local.name }
}

# --- instance role ----------------------------------------------------------

data "aws_iam_policy_document" "host_assume" {
  statement {
    sid     = "Ec2AssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }

  # The host assumes its own role (with a session policy) to hand the app
  # container narrow temporary credentials. AWS requires a role's trust
  # policy to admit the role explicitly for that; naming the role itself as
  # the principal would fail while it does not exist yet, so the account is
  # named and the role is the only principal the condition lets through
  # (its identity policy must allow it too: AssumeOwnRole below).
  statement {
    sid     = "HostAssumesItself"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = [local.host_role_arn]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "${local.name}-host"
  description        = "gangway ${var.environment} EC2 host: SSM agent, pull from its ECR repository, read its bucket, DB secret and parameters, write its log group"
  assume_role_policy = data.aws_iam_policy_document.host_assume.json
  # The ceiling bootstrap defines for every gangway-<env>-* role: even a
  # deploy role that rewrote this role's policies could not exceed it.
  permissions_boundary = var.use_permissions_boundary ? "arn:${local.partition}:iam::${local.account_id}:policy/${local.name}-host-boundary" : null
}

resource "aws_iam_instance_profile" "app" {
  name = "${local.name}-host"
  role = aws_iam_role.app.name
}

# What the SSM agent needs to register and run commands (AWS-managed).
resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

# The host's own permissions, each statement scoped to this environment's
# resources. ARNs are built from names so the plan shows them.
data "aws_iam_policy_document" "app" {
  statement {
    sid = "EcrLogin"
    # GetAuthorizationToken has no resource-level permissions.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPullOwnRepository"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = ["arn:${local.partition}:ecr:${var.region}:${local.account_id}:repository/${local.name}"]
  }

  statement {
    sid       = "S3ListOwnBucket"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${local.bucket_name}"]
  }

  statement {
    sid       = "S3ReadOwnObjects"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.bucket_name}/*"]
  }

  statement {
    sid       = "ReadOwnDbSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [aws_db_instance.main.master_user_secret[0].secret_arn]
  }

  # The desired digest and the rollout script a booting host serves.
  statement {
    sid       = "ReadOwnReleaseParameters"
    actions   = ["ssm:GetParameter"]
    resources = [for p in [aws_ssm_parameter.image.name, aws_ssm_parameter.rollout_script.name] : "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${p}"]
  }

  # docker's awslogs driver: streams in the environment's app log group.
  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_name}:*"]
  }

  # The app container's credentials: this role, narrowed by the session
  # policy in /etc/gangway/app-session-policy.json.
  statement {
    sid       = "AssumeOwnRole"
    actions   = ["sts:AssumeRole"]
    resources = [local.host_role_arn]
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "${local.name}-host"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app.json
}

# The EC2 host: Amazon Linux 2023, Docker and nginx from user data, managed
# through SSM only (no key pair, no SSH rule).

resource "aws_instance" "app" {
  ami                    = local.ami_id
  instance_type          = var.instance_type
  subnet_id              = aws_subnet.public[0].id
  vpc_security_group_ids = [aws_security_group.app.id]
  iam_instance_profile   = aws_iam_instance_profile.app.name
  monitoring             = false

  # Base64 rather than user_data, which state and plan keep only as a hash:
  # the rendered script stays reviewable in the plan and testable.
  user_data_base64 = base64encode(templatefile("${path.module}/templates/user_data.sh.tftpl", {
    app_env = {
      APP_ENV       = var.environment
      AWS_REGION    = var.region
      S3_BUCKET     = aws_s3_bucket.app.bucket
      DB_HOST       = aws_db_instance.main.address
      DB_PORT       = tostring(local.db_port)
      DB_NAME       = local.db_name
      DB_USER       = local.db_user
      DB_SECRET_ARN = aws_db_instance.main.master_user_secret[0].secret_arn
      APP_PORT      = tostring(var.app_port)
    }
  }))
  # User data runs at first boot only: a host whose /etc/gangway/app.env
  # would be stale is replaced instead (the Elastic IP, and so app_url,
  # moves to the new one; the pipeline rolls the image out after apply).
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
    # Hop limit 1: the IMDSv2 token response cannot cross one more network
    # hop, so a container on a bridge network gets no credentials. Ours run
    # with --network host and share the host's network namespace, so the
    # host's limit of 1 is enough for them.
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = 20
    encrypted             = true
    delete_on_termination = true
  }

  # Repeated from default_tags so they are visible in the plan: SSM fleet
  # targeting uses tag:Environment and tag:App.
  tags = {
    Name        = local.name
    Environment = var.environment
    App         = "gangway"
  }

  lifecycle {
    # A new Amazon Linux release must not replace the host at an unrelated
    # apply; replace it on purpose with `terraform apply -replace=aws_instance.app`.
    ignore_changes = [ami]
  }
}

resource "aws_eip" "app" {
  domain = "vpc"

  tags = { Name = local.name }

  depends_on = [aws_internet_gateway.main]
}

resource "aws_eip_association" "app" {
  instance_id   = aws_instance.app.id
  allocation_id = aws_eip.app.id
}

# --- instance role ----------------------------------------------------------

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    sid     = "Ec2AssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "${local.name}-host"
  description        = "gangway ${var.environment} EC2 host: SSM agent, pull from its ECR repository, read its bucket and DB secret"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
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
# resources. The repository ARN is built from its name so the plan shows it.
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
}

resource "aws_iam_role_policy" "app" {
  name   = "${local.name}-host"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app.json
}

# A VPC with two public subnets (the load balancer only) and two private
# subnets (the hosts and RDS), one of each per zone. Nothing in the private
# subnets has a public address or a route to the internet: the hosts reach
# the AWS APIs they use through VPC endpoints (interface endpoints for SSM,
# ECR, CloudWatch Logs, Secrets Manager and STS, a gateway endpoint for S3,
# which also serves the Amazon Linux package repositories and ECR's image
# layers). No NAT gateway: README.md ("Reaching AWS from private subnets")
# has the comparison and the figures.
resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = local.name }
}

# Take every rule away from the default security group so nothing that
# lands in it by accident is reachable.
resource "aws_default_security_group" "main" {
  vpc_id  = aws_vpc.main.id
  ingress = []
  egress  = []

  tags = { Name = "${local.name}-default-unused" }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id

  tags = { Name = local.name }
}

resource "aws_subnet" "public" {
  count = 2

  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 2, count.index)
  # Only the load balancer lives here, and it gets its addresses from AWS;
  # nothing else should get a public address implicitly.
  map_public_ip_on_launch = false

  tags = { Name = "${local.name}-public-${local.azs[count.index]}" }
}

resource "aws_subnet" "private" {
  count = 2

  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 2, count.index + 2)
  # The hosts and the database have private addresses only.
  map_public_ip_on_launch = false

  tags = { Name = "${local.name}-private-${local.azs[count.index]}" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  tags = { Name = "${local.name}-public" }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.main.id
}

resource "aws_route_table_association" "public" {
  count = 2

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# Private subnets: the VPC's local route, plus the S3 gateway endpoint's
# prefix-list route that aws_vpc_endpoint.s3 adds (the provider leaves
# endpoint routes to the endpoint). The empty list makes Terraform remove
# any other route that appears, such as one to a NAT or an internet gateway.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route  = []

  tags = { Name = "${local.name}-private" }
}

resource "aws_route_table_association" "private" {
  count = 2

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

# --- VPC endpoints -------------------------------------------------------------

locals {
  # What the hosts call: the SSM agent (ssm, ssmmessages, ec2messages; ssm
  # also serves the image and rollout-script parameters), docker pulls
  # (ecr.api for the login, ecr.dkr for manifests; layers come from S3),
  # docker's awslogs driver (logs), the app's DB secret (secretsmanager)
  # and the host's self-assumption for the app's credentials (sts).
  interface_endpoints = toset(["ec2messages", "ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages", "sts"])
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoints

  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  # One network interface per zone listed: test puts them in one zone (a
  # host in the other zone crosses zones to reach them), prod in both so
  # that losing a zone does not cut the other zone's hosts off.
  subnet_ids         = slice(aws_subnet.private[*].id, 0, var.endpoint_zone_count)
  security_group_ids = [aws_security_group.endpoints.id]

  tags = { Name = "${local.name}-${each.key}" }
}

# The S3 endpoint is a gateway (a route, no charge). Its policy is the most
# any request through it may do, whoever signs it: the Amazon Linux
# repositories (dnf at first boot), ECR's layer bucket (docker pull), the
# SSM agent's buckets (agent updates), and reading the app's own bucket.
data "aws_iam_policy_document" "s3_endpoint" {
  statement {
    sid     = "AmazonOwnedBucketsRead"
    actions = ["s3:GetObject"]
    resources = [
      "arn:${local.partition}:s3:::al2023-repos-${var.region}-de612dc2/*",
      "arn:${local.partition}:s3:::prod-${var.region}-starport-layer-bucket/*",
      "arn:${local.partition}:s3:::amazon-ssm-${var.region}/*",
      "arn:${local.partition}:s3:::aws-ssm-${var.region}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }

  statement {
    sid       = "AppBucketList"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${local.bucket_name}"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }

  statement {
    sid       = "AppBucketRead"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.bucket_name}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy            = data.aws_iam_policy_document.s3_endpoint.json

  tags = { Name = "${local.name}-s3" }
}

# --- security groups ---------------------------------------------------------

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "gangway ${var.environment} load balancer: HTTP(S) from allowed CIDRs, to the hosts' app port"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-alb" }
}

# Port 80 always (the redirect to HTTPS, or plain HTTP where it is
# allowed), 443 only with a domain; each from allowed_cidrs only.
resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each = { for pair in setproduct(local.listener_ports, var.allowed_cidrs) : "${pair[0]}-${pair[1]}" => { port = pair[0], cidr = pair[1] } }

  security_group_id = aws_security_group.alb.id
  description       = "port ${each.value.port} from ${each.value.cidr}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
}

resource "aws_vpc_security_group_egress_rule" "alb_to_hosts" {
  security_group_id            = aws_security_group.alb.id
  description                  = "to the hosts' app port (traffic and health checks)"
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_security_group" "app" {
  name        = "${local.name}-app"
  description = "gangway ${var.environment} hosts: app port from the load balancer only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-app" }
}

# The only inbound rule of the hosts: nginx on app_port, from the load
# balancer. No SSH (management is SSM only); the version slots 8081/8082
# stay on loopback.
resource "aws_vpc_security_group_ingress_rule" "app_from_alb" {
  security_group_id            = aws_security_group.app.id
  description                  = "app port from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.alb.id
}

# Outbound: HTTPS to the interface endpoints and to S3 through its gateway
# endpoint (the prefix list), PostgreSQL to the database. Nothing else: no
# route leads anywhere else either. DNS and time sync go to addresses that
# security groups do not filter.
resource "aws_vpc_security_group_egress_rule" "app_endpoints" {
  security_group_id            = aws_security_group.app.id
  description                  = "HTTPS to the VPC interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_security_group_egress_rule" "app_s3" {
  security_group_id = aws_security_group.app.id
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "app_db" {
  security_group_id            = aws_security_group.app.id
  description                  = "PostgreSQL to the database"
  ip_protocol                  = "tcp"
  from_port                    = local.db_port
  to_port                      = local.db_port
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_security_group" "endpoints" {
  name        = "${local.name}-endpoints"
  description = "gangway ${var.environment} VPC interface endpoints: HTTPS from the hosts only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-endpoints" }
}

# The endpoints' only rule; they answer, they open nothing.
resource "aws_vpc_security_group_ingress_rule" "endpoints_from_app" {
  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from the hosts"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_security_group" "db" {
  name        = "${local.name}-db"
  description = "gangway ${var.environment} database: PostgreSQL from the app host only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-db" }
}

# The database's only rule; without egress rules it cannot open connections.
resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the app host"
  ip_protocol                  = "tcp"
  from_port                    = local.db_port
  to_port                      = local.db_port
  referenced_security_group_id = aws_security_group.app.id
}

# A VPC with two public subnets (the host; the second only keeps the layout
# symmetric) and two private subnets (RDS needs a subnet group in two zones).
# No NAT gateway (about 33 USD a month each): the host sits in a public
# subnet with an Elastic IP and reaches ECR, SSM, S3 and Secrets Manager over
# the internet gateway; the database needs no outbound access at all.
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
  # The Elastic IP gives the host its public address; nothing else here
  # should get one implicitly.
  map_public_ip_on_launch = false

  tags = { Name = "${local.name}-public-${local.azs[count.index]}" }
}

resource "aws_subnet" "private" {
  count = 2

  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 2, count.index + 2)

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

# Private subnets: the VPC's local route only (the empty list makes
# Terraform remove any other route that appears).
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

# --- security groups ---------------------------------------------------------

resource "aws_security_group" "app" {
  name        = "${local.name}-app"
  description = "gangway ${var.environment} host: app port from allowed CIDRs only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-app" }
}

# The only inbound rule of the host: nginx on app_port. No SSH (management
# is SSM only); the version slots 8081/8082 stay on loopback.
resource "aws_vpc_security_group_ingress_rule" "app_port" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.app.id
  description       = "app port from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.app_port
  to_port           = var.app_port
  cidr_ipv4         = each.value
}

# Outbound HTTPS: ECR, SSM, S3, Secrets Manager, STS and the dnf
# repositories. DNS and time sync go to link-local addresses that security
# groups do not filter.
resource "aws_vpc_security_group_egress_rule" "app_https" {
  security_group_id = aws_security_group.app.id
  description       = "HTTPS to AWS APIs and package repositories"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "app_db" {
  security_group_id            = aws_security_group.app.id
  description                  = "PostgreSQL to the database"
  ip_protocol                  = "tcp"
  from_port                    = local.db_port
  to_port                      = local.db_port
  referenced_security_group_id = aws_security_group.db.id
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

# Everything that differs between test and prod is derived from
# var.environment here; settings that protect prod (deletion protection,
# final snapshot, no force-destroy) are not variables, so a tfvars file
# cannot weaken them.
locals {
  name    = "gangway-${var.environment}"
  is_prod = var.environment == "prod"

  tags = {
    App         = "gangway"
    Environment = var.environment
    ManagedBy   = "terraform"
  }

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Two zones: the load balancer, the hosts and the DB subnet group span
  # both.
  azs = slice(data.aws_availability_zones.available.names, 0, 2)

  # Serving: HTTPS when a domain is configured; otherwise plain HTTP on the
  # load balancer's name, which variables.tf allows only where
  # allow_plain_http is true (its default: true in test, false in prod).
  https          = var.domain_name != null
  plain_http     = !local.https && (var.allow_plain_http != null ? var.allow_plain_http : !local.is_prod)
  listener_ports = local.https ? [80, 443] : [80]
  # TLS 1.3 and 1.2 only, forward-secret ciphers (AWS's recommended policy).
  tls_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  app_url    = local.https ? "https://${var.domain_name}" : "http://${aws_lb.app.dns_name}"

  ami_id = var.ami_id != "" ? var.ami_id : terraform_data.latest_ami[0].output

  db_name = "gangway"
  db_user = "gangway"
  db_port = 5432
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

# The public parameter AWS keeps pointing at the newest Amazon Linux 2023
# image; read only when no AMI is pinned.
data "aws_ssm_parameter" "al2023" {
  count = var.ami_id == "" ? 1 : 0
  name  = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

# The newest image when the environment was first applied, kept until it
# is taken on purpose: a new Amazon Linux release must not roll the fleet
# at an unrelated apply. `terraform apply -replace='terraform_data.latest_ami[0]'`
# takes the newest one (a new launch template version, so an instance
# refresh); setting ami_id takes effect at the next apply.
resource "terraform_data" "latest_ami" {
  count = var.ami_id == "" ? 1 : 0
  input = nonsensitive(data.aws_ssm_parameter.al2023[0].value)

  lifecycle {
    ignore_changes = [input]
  }
}

# Guards against planning one environment's variables onto the other's state
# (a wrong -backend-config key): the recorded environment is kept across
# applies (ignore_changes), so a mismatch fails the plan instead of planning
# to replace every resource.
resource "terraform_data" "environment" {
  input = var.environment

  lifecycle {
    ignore_changes = [input]

    postcondition {
      condition     = self.output == var.environment
      error_message = "This state belongs to environment \"${self.output}\" but environment is \"${var.environment}\": initialise the backend with -backend-config=key=gangway/${var.environment}/terraform.tfstate (terraform init -reconfigure)."
    }
  }
}

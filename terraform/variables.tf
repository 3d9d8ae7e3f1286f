variable "environment" {
  description = "Deployment environment: test or prod. Names every resource gangway-<environment> and selects the state key gangway/<environment>/terraform.tfstate."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["test", "prod"], var.environment)
    error_message = "environment must be \"test\" or \"prod\": pass -var environment=test (or prod) together with -var-file=env/<environment>.tfvars."
  }
}

variable "region" {
  description = "AWS region for every resource of this environment."
  type        = string
  default     = "us-east-1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "allowed_cidrs" {
  description = "IPv4 CIDR blocks allowed to reach the load balancer (ports 80 and, with a domain, 443). Required, no default: each environment's tfvars says on purpose who may connect."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.allowed_cidrs) > 0
    error_message = "allowed_cidrs is empty, so nobody could reach the service: set allowed_cidrs in env/<environment>.tfvars (for example [\"203.0.113.0/24\"], or [\"0.0.0.0/0\"] for a public service)."
  }

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : can(cidrnetmask(c))])
    error_message = "allowed_cidrs must hold IPv4 CIDR blocks such as \"203.0.113.0/24\"."
  }
}

variable "app_port" {
  description = "TCP port of nginx on the hosts (in front of the two version slots): the target group's port, reachable from the load balancer only."
  type        = number
  default     = 80
  nullable    = false

  validation {
    condition     = var.app_port >= 1 && var.app_port <= 65535 && floor(var.app_port) == var.app_port && !contains([22, 8081, 8082], var.app_port)
    error_message = "app_port must be a TCP port (1-65535) other than 22 (no SSH exposure) and 8081/8082 (the version slots, loopback only)."
  }
}

variable "ami_id" {
  description = "AMI for the hosts. Empty (the default) means the latest Amazon Linux 2023 x86_64 image from the SSM public parameter at the first apply, kept until `terraform apply -replace='terraform_data.latest_ami[0]'` (main.tf); set it to pin an image. Either way a new image rolls the fleet through an instance refresh."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.ami_id == "" || can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must be empty (latest Amazon Linux 2023) or an AMI id such as ami-0123456789abcdef0."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the hosts (x86_64, to match the Amazon Linux 2023 x86_64 AMI)."
  type        = string
  default     = "t3.micro"
  nullable    = false
}

variable "db_instance_class" {
  description = "RDS instance class of the PostgreSQL database."
  type        = string
  default     = "db.t4g.micro"
  nullable    = false

  validation {
    condition     = startswith(var.db_instance_class, "db.")
    error_message = "db_instance_class must be an RDS instance class such as db.t4g.micro."
  }
}

variable "db_allocated_storage" {
  description = "RDS storage in GiB (gp3)."
  type        = number
  default     = 20
  nullable    = false

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 1000
    error_message = "db_allocated_storage must be between 20 and 1000 GiB."
  }
}

variable "db_backup_retention_days" {
  description = "Days RDS keeps automated backups (1-35; 0 would turn backups off and is refused)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35: backups cannot be turned off."
  }
}

variable "multi_az" {
  description = "Run RDS with a standby in a second zone (doubles the database cost)."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the environment's VPC (a /16 to /24; four /26-or-larger subnets are cut from it)."
  type        = string
  default     = "10.20.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24
    error_message = "vpc_cidr must be an IPv4 CIDR between /16 and /24, such as 10.20.0.0/16."
  }
}

variable "ecr_keep_images" {
  description = "How many images the ECR lifecycle policy keeps in the repository (older ones expire; rollback needs the previous ones)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.ecr_keep_images >= 2
    error_message = "ecr_keep_images must be at least 2 so that a rollback target always exists."
  }
}

variable "use_permissions_boundary" {
  description = "Attach the permissions boundary gangway-<environment>-host-boundary (created by terraform/bootstrap) to the hosts' role. The deploy roles may create roles only with it, so leave it on wherever the pipeline applies; turn it off only for an account without the bootstrap."
  type        = bool
  default     = true
  nullable    = false
}

# --- serving ----------------------------------------------------------------------

variable "domain_name" {
  description = "The service's name, such as app.example.com: an ACM certificate for it (validated by DNS in route53_zone_id), HTTPS on the load balancer with HTTP redirected to it, and an alias record. null (the default): no certificate, plain HTTP on the load balancer's DNS name, which allow_plain_http must allow."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name such as app.example.com (no scheme, no trailing dot, no wildcard)."
  }

  validation {
    condition     = var.domain_name == null || var.route53_zone_id != null
    error_message = "domain_name is set but route53_zone_id is not: the certificate is validated by a DNS record in the domain's Route 53 hosted zone, and the alias record goes there too. Set route53_zone_id to that zone's id (Z...), or leave domain_name unset."
  }
}

variable "route53_zone_id" {
  description = "Id of the Route 53 public hosted zone that holds domain_name (Z...): the certificate's validation record and the alias record are written there. Required with domain_name, unused without."
  type        = string
  default     = null

  validation {
    condition     = var.route53_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a hosted zone id such as Z0123456789ABCDEFGHIJ."
  }
}

variable "allow_plain_http" {
  description = "Serve plain HTTP on the load balancer's DNS name when there is no domain_name. null (the default) means true in test and false in prod, so prod without a domain refuses to plan unless this is set to true on purpose. Ignored with a domain (HTTP then redirects to HTTPS)."
  type        = bool
  default     = null

  validation {
    condition     = var.domain_name != null || (var.allow_plain_http != null ? var.allow_plain_http : var.environment != "prod")
    error_message = "There is no domain_name, so the service would be plain HTTP on the load balancer's name, and allow_plain_http does not allow that (its default is false in prod). Set domain_name and route53_zone_id for HTTPS, or set allow_plain_http = true to serve plain HTTP on purpose."
  }
}

variable "fleet_min_size" {
  description = "Fewest hosts the Auto Scaling group keeps (the tfvars: test 1, prod 2)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.fleet_min_size >= 1 && floor(var.fleet_min_size) == var.fleet_min_size
    error_message = "fleet_min_size must be a whole number of at least 1: the service needs a host."
  }
}

variable "fleet_max_size" {
  description = "Most hosts the Auto Scaling group may run, including the extra hosts of an instance refresh (the tfvars: test 2, prod 4)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.fleet_max_size >= var.fleet_min_size && var.fleet_max_size <= 20 && floor(var.fleet_max_size) == var.fleet_max_size
    error_message = "fleet_max_size must be a whole number between fleet_min_size and 20."
  }
}

variable "fleet_desired_capacity" {
  description = "Hosts the Auto Scaling group runs normally (the tfvars: test 1, prod 2); between fleet_min_size and fleet_max_size."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.fleet_desired_capacity >= var.fleet_min_size && var.fleet_desired_capacity <= var.fleet_max_size && floor(var.fleet_desired_capacity) == var.fleet_desired_capacity
    error_message = "fleet_desired_capacity must be a whole number between fleet_min_size and fleet_max_size (it is greater than the maximum, or smaller than the minimum)."
  }
}

variable "health_check_grace_period" {
  description = "Seconds after a host's launch before the load balancer's health check may have it replaced: a first boot installs packages, pulls the image and waits for the app's health (the rollout waits up to 90 s)."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = var.health_check_grace_period >= 120 && var.health_check_grace_period <= 1800
    error_message = "health_check_grace_period must be between 120 and 1800 seconds: a shorter one replaces hosts that are still booting."
  }
}

variable "endpoint_zone_count" {
  description = "In how many of the two zones the VPC interface endpoints get a network interface (each costs about 7.30 USD a month per endpoint): 1 (test: a zone outage cuts the hosts off AWS APIs) or 2 (prod)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = contains([1, 2], var.endpoint_zone_count)
    error_message = "endpoint_zone_count must be 1 or 2."
  }
}

# --- logs and alarms -----------------------------------------------------------------

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the containers' logs (/gangway/<environment>/app); one of the values CloudWatch Logs accepts (the tfvars: test 14, prod 90)."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (what CloudWatch Logs accepts; never-expire is not offered)."
  }
}

variable "alarm_email" {
  description = "E-mail address the alarms notify (an SNS subscription; AWS mails a confirmation link first). null (the default): no subscription, the alarms still go to the topic."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address such as ops@example.com, or null."
  }
}

variable "alarm_5xx_threshold" {
  description = "5xx answers (the load balancer's and the hosts' together) in one minute that set off the 5xx alarm, which the rollout watches while a release bakes."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.alarm_5xx_threshold >= 1 && floor(var.alarm_5xx_threshold) == var.alarm_5xx_threshold
    error_message = "alarm_5xx_threshold must be a whole number of at least 1."
  }
}

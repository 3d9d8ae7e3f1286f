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
  description = "IPv4 CIDR blocks allowed to reach the app port (nginx). Required, no default: each environment's tfvars says on purpose who may connect."
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
  description = "Public TCP port of the service on the host (nginx in front of the two version slots)."
  type        = number
  default     = 80
  nullable    = false

  validation {
    condition     = var.app_port >= 1 && var.app_port <= 65535 && floor(var.app_port) == var.app_port && !contains([22, 8081, 8082], var.app_port)
    error_message = "app_port must be a TCP port (1-65535) other than 22 (no SSH exposure) and 8081/8082 (the version slots, loopback only)."
  }
}

variable "ami_id" {
  description = "AMI for the host. Empty (the default) means the latest Amazon Linux 2023 x86_64 image from the SSM public parameter; set it to pin an image. A changed AMI does not replace a running host (see lifecycle in main.tf)."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.ami_id == "" || can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must be empty (latest Amazon Linux 2023) or an AMI id such as ami-0123456789abcdef0."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the host (x86_64, to match the Amazon Linux 2023 x86_64 AMI)."
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
  description = "Attach the permissions boundary gangway-<environment>-host-boundary (created by terraform/bootstrap) to the host role. The deploy roles may create roles only with it, so leave it on wherever the pipeline applies; turn it off only for an account without the bootstrap."
  type        = bool
  default     = true
  nullable    = false
}

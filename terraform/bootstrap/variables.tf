variable "region" {
  description = "AWS region of the state bucket and of the environments the deploy roles manage."
  type        = string
  default     = "us-east-1"
  nullable    = false
}

variable "state_bucket_name" {
  description = "Name of the S3 bucket for Terraform state (globally unique; becomes the GitHub variable TF_STATE_BUCKET)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }
}

variable "github_repository" {
  description = "The GitHub repository allowed to assume the deploy roles, as OWNER/REPO."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must be OWNER/REPO, for example my-org/gangway."
  }
}

variable "github_environments" {
  description = "GitHub environment name per deployment environment: the deploy role of KEY trusts only jobs running in GitHub environment VALUE."
  type        = map(string)
  default = {
    test = "test"
    prod = "production"
  }
  nullable = false

  validation {
    condition     = length(setsubtract(keys(var.github_environments), ["test", "prod"])) == 0 && length(var.github_environments) > 0
    error_message = "github_environments keys must be test and/or prod."
  }
}

variable "create_oidc_provider" {
  description = "Create the GitHub Actions OIDC provider. Set false when the account already has one for token.actions.githubusercontent.com (an account can hold only one per URL)."
  type        = bool
  default     = true
  nullable    = false
}

variable "force_destroy_state_bucket" {
  description = "Allow destroying the state bucket while it still holds state files. Leave false outside throw-away tests."
  type        = bool
  default     = false
  nullable    = false
}

variable "create_plan_role" {
  description = "Create gangway-plan, the read-only role that pull-request jobs (subject repo:OWNER/REPO:pull_request) assume for the preview plan of test."
  type        = bool
  default     = true
  nullable    = false
}

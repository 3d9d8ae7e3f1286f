variable "region" {
  description = "AWS region of the state bucket and of the environments the deploy roles manage."
  type        = string
  default     = "us-east-1"
  nullable    = false
}

variable "state_bucket_name" {
  description = "Name of the S3 bucket for Terraform state in this account (globally unique). It becomes the GitHub variable TF_STATE_BUCKET: a repository variable for the account that hosts test (pull-request previews read it), an environment variable of the GitHub environment of prod when prod has its own account."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }

  validation {
    # gangway-test-* and gangway-prod-* belong to the environments: in a
    # shared account each environment's roles are denied the other's.
    condition     = !can(regex("^gangway-(test|prod)-", var.state_bucket_name))
    error_message = "state_bucket_name must not start with gangway-test- or gangway-prod- (those names belong to the environments' buckets)."
  }
}

variable "github_repository" {
  description = "The GitHub repository whose workflows may assume the roles, as OWNER/REPO (exactly as GitHub spells it: the OIDC subject is compared case-sensitively)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must be OWNER/REPO, for example my-org/gangway."
  }
}

variable "environments" {
  description = <<-EOT
    The pipeline environments this account hosts, each mapped to the name of
    the GitHub environment its deploy job runs in. One account per
    environment (recommended): { test = "test" } in the test account,
    { prod = "production" } in the prod account. Single account: both,
    { test = "test", prod = "production" }; the roles then also get explicit
    denies on everything of the other environment. The deploy role of KEY
    trusts only jobs of KEY's workflow (test.yml, prod.yml) that run in
    GitHub environment VALUE on KEY's deploy branch.
  EOT
  type        = map(string)
  nullable    = false

  validation {
    condition     = length(var.environments) > 0 && length(setsubtract(keys(var.environments), ["test", "prod"])) == 0
    error_message = "environments must name test and/or prod, for example { test = \"test\" } or { prod = \"production\" }."
  }

  validation {
    # GitHub environment names are at most 255 characters; a ':' would let
    # a name forge another part of the OIDC subject, '*' and '?' are
    # wildcards in IAM conditions.
    condition     = alltrue([for name in values(var.environments) : can(regex("^[^:*?]{1,255}$", name)) && trimspace(name) == name])
    error_message = "Each GitHub environment name must be 1-255 characters without ':', '*', '?' or surrounding spaces."
  }
}

variable "default_branch" {
  description = "The repository's default branch. prod.yml runs from it (workflow_run always runs the default branch's workflow file), drift.yml runs on it, and the plan roles of prod trust only its runs."
  type        = string
  default     = "main"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.default_branch)) && !startswith(var.default_branch, "refs/")
    error_message = "default_branch must be a branch name such as main (no refs/heads/ prefix, no wildcards)."
  }
}

variable "deploy_branches" {
  description = "The branch each environment deploys from (only that ref of its workflow may assume its deploy role). Defaults: test = \"develop\", prod = default_branch. Keep prod on the default branch: prod.yml is started by workflow_run, which always runs from the default branch."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setsubtract(keys(var.deploy_branches), ["test", "prod"])) == 0
    error_message = "deploy_branches keys must be test and/or prod."
  }

  validation {
    condition     = alltrue([for b in values(var.deploy_branches) : can(regex("^[A-Za-z0-9._/-]+$", b)) && !startswith(b, "refs/")])
    error_message = "deploy_branches values must be branch names such as develop (no refs/heads/ prefix, no wildcards)."
  }
}

variable "promotion_source_repository_arn" {
  description = "ARN of the ECR repository that prod promotes tested digests from (gangway-test, in the account that hosts test). Default: gangway-test in this account and region (the single-account layout). With one account per environment, set it in the prod account to arn:aws:ecr:REGION:TEST_ACCOUNT_ID:repository/gangway-test; the test repository's policy must then admit the prod deploy role (see README.md)."
  type        = string
  default     = null

  validation {
    condition     = var.promotion_source_repository_arn == null || can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9][a-z0-9._/-]*$", var.promotion_source_repository_arn))
    error_message = "promotion_source_repository_arn must be an ECR repository ARN, for example arn:aws:ecr:us-east-1:111111111111:repository/gangway-test."
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
  description = "Create the read-only plan role gangway-<env>-plan of each environment (pull-request previews of test, the prod plan shown before approval, drift checks) and the KMS key that encrypts their saved plans."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_prod_preview_role" {
  description = "Create gangway-prod-preview (in the account that hosts prod, with create_plan_role): the read-only, lock-free role a pull request's preview plans prod with. Anyone who may push a branch can then read prod's state and configuration through a pull request; false limits previews to test."
  type        = bool
  default     = true
  nullable    = false
}

variable "service_domains" {
  description = "Per environment that has a domain (terraform/'s domain_name and route53_zone_id), that domain and the id of the Route 53 hosted zone that holds it: the deploy role may then write exactly the domain's alias record and ACM's validation record (_*.<domain>), A and CNAME only, in that zone. An environment without an entry gets no Route 53 permission (it serves plain HTTP on the load balancer's name)."
  type = map(object({
    domain_name     = string
    route53_zone_id = string
  }))
  default  = {}
  nullable = false

  validation {
    condition     = length(setsubtract(keys(var.service_domains), ["test", "prod"])) == 0
    error_message = "service_domains keys must be test and/or prod."
  }

  validation {
    condition = alltrue([
      for d in values(var.service_domains) :
      can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", d.domain_name)) && can(regex("^Z[A-Z0-9]{1,31}$", d.route53_zone_id))
    ])
    error_message = "Each service_domains entry needs a lowercase domain_name such as app.example.com and a route53_zone_id such as Z0123456789ABCDEFGHIJ."
  }
}

# Which GitHub Actions jobs may assume which role: the OIDC subject ("sub")
# of the job's token, compared with StringEquals wherever no wildcard is
# needed, always together with the audience sts.amazonaws.com.
#
# The repository customises its subject once (README.md, step 2):
#
#   gh api -X PUT repos/OWNER/REPO/actions/oidc/customization/sub \
#     -F use_default=false -f 'include_claim_keys[]=repo' \
#     -f 'include_claim_keys[]=context' -f 'include_claim_keys[]=job_workflow_ref'
#
# after which GitHub issues (docs: "Customizing the subject claims",
# example "Requiring a reusable workflow and other claims")
#
#   repo:OWNER/REPO:<context>:job_workflow_ref:OWNER/REPO/.github/workflows/<file>@<ref>
#
# where <context> is what follows the repository in GitHub's default
# subject: environment:<name> for a job with an environment,
# pull_request for a pull-request run, otherwise ref:<git ref>. So a
# subject names the repository, the GitHub environment (or the event), the
# workflow FILE and the ref that file was taken from: another workflow, a
# feature branch, a tag or a pull request each get a different subject.

locals {
  repo     = var.github_repository
  workflow = { for f in ["test.yml", "prod.yml", "drift.yml"] : f => "${var.github_repository}/.github/workflows/${f}" }

  deploy_branches = merge({ test = "develop", prod = var.default_branch }, var.deploy_branches)
  deploy_workflow = { test = "test.yml", prod = "prod.yml" }
  default_ref     = "refs/heads/${var.default_branch}"

  # The deploy job of each environment: its workflow, in its GitHub
  # environment, from its deploy branch.
  deploy_subjects = { for env, gh_env in local.envs : env => [
    "repo:${local.repo}:environment:${gh_env}:job_workflow_ref:${local.workflow[local.deploy_workflow[env]]}@refs/heads/${local.deploy_branches[env]}",
  ] }

  # Read-only plans. test: pull-request previews of test.yml (the pull
  # request number is the wildcard) and drift checks on the default branch.
  # prod: the plan prod.yml shows before the approval, and drift checks,
  # both on the default branch. Pull requests run code nobody has reviewed
  # yet, so they never get a prod role that can write anything: their prod
  # preview has a role of its own, read-only and lock-free (preview_role.tf).
  plan_subjects = {
    test = {
      equals = ["repo:${local.repo}:ref:${local.default_ref}:job_workflow_ref:${local.workflow["drift.yml"]}@${local.default_ref}"]
      like   = ["repo:${local.repo}:pull_request:job_workflow_ref:${local.workflow["test.yml"]}@refs/pull/*/merge"]
    }
    prod = {
      equals = [
        "repo:${local.repo}:ref:${local.default_ref}:job_workflow_ref:${local.workflow["prod.yml"]}@${local.default_ref}",
        "repo:${local.repo}:ref:${local.default_ref}:job_workflow_ref:${local.workflow["drift.yml"]}@${local.default_ref}",
      ]
      like = []
    }
  }
}

# The trust policy of a role: one statement per comparison (StringEquals
# for exact subjects, StringLike only for those with a wildcard), each
# also requiring the audience.
data "aws_iam_policy_document" "deploy_trust" {
  for_each = local.envs

  statement {
    sid     = "GitHubDeployJob"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:sub"
      values   = local.deploy_subjects[each.key]
    }
  }
}

data "aws_iam_policy_document" "plan_trust" {
  for_each = var.create_plan_role ? local.envs : {}

  statement {
    sid     = "GitHubPlanJob"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:sub"
      values   = local.plan_subjects[each.key].equals
    }
  }

  dynamic "statement" {
    for_each = length(local.plan_subjects[each.key].like) > 0 ? [local.plan_subjects[each.key].like] : []

    content {
      sid     = "GitHubPullRequestPlanJob"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [local.oidc_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.github_host}:aud"
        values   = ["sts.amazonaws.com"]
      }

      condition {
        test     = "StringLike"
        variable = "${local.github_host}:sub"
        values   = statement.value
      }
    }
  }
}

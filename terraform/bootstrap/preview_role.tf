# gangway-prod-preview: the prod plan a pull request shows beside test's
# (test.yml, job preview). A pull request runs code nobody has reviewed
# yet, so this role is the plan role of prod with every write denied: it
# reads prod's state and what a refresh reads, takes no state lock (the
# preview plans with -lock=false, so it never blocks a deploy), saves no
# plan and decrypts none (the plans key's own policy, kms.tf). What it still shows a pull request's author is
# prod's state and configuration: anyone who may push a branch may read
# them. Set create_prod_preview_role = false if that is too much; the
# preview then plans test only (README.md, "Pull-request previews").

locals {
  create_prod_preview = var.create_prod_preview_role && var.create_plan_role && contains(keys(local.envs), "prod")
  prod_preview_role   = "gangway-prod-preview"
  # Pull requests of this repository's test.yml (forks get no OIDC token).
  prod_preview_subject = "repo:${local.repo}:pull_request:job_workflow_ref:${local.workflow["test.yml"]}@refs/pull/*/merge"
}

data "aws_iam_policy_document" "prod_preview_trust" {
  count = local.create_prod_preview ? 1 : 0

  statement {
    sid     = "GitHubPullRequestPreview"
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
      values   = [local.prod_preview_subject]
    }
  }
}

data "aws_iam_policy_document" "prod_preview" {
  count = local.create_prod_preview ? 1 : 0

  # The prod plan role's reads, and its writes denied below: one list of
  # what a refresh of terraform/ reads, kept in plan_role.tf.
  source_policy_documents = [data.aws_iam_policy_document.plan["prod"].json]

  statement {
    sid       = "DenyStateWrites"
    effect    = "Deny"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"]
    resources = ["${local.state_bucket}/*"]
  }

  # No KMS statement: the plans key lets only the plan role encrypt and
  # only the deploy role decrypt (kms.tf), so this role can do neither.
}

resource "aws_iam_role" "prod_preview" {
  count = local.create_prod_preview ? 1 : 0

  name                 = local.prod_preview_role
  description          = "gangway prod read-only, lock-free plan for pull-request previews of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.prod_preview_trust[0].json
  max_session_duration = 3600

  tags = { Environment = "prod" }

  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role_policy" "prod_preview" {
  count = local.create_prod_preview ? 1 : 0

  name   = local.prod_preview_role
  role   = aws_iam_role.prod_preview[0].name
  policy = data.aws_iam_policy_document.prod_preview[0].minified_json
}

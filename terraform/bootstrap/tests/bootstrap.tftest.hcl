# Plan-time checks of both layouts, and the single-account layout applied
# against moto_server (cheap: S3, IAM and KMS only) and destroyed again.
#   terraform -chdir=terraform/bootstrap test
# What the policies allow and refuse, conditions included, is evaluated by
# ci/iampolicy's tests (go test ./iampolicy in ci/).

variables {
  state_bucket_name          = "gangway-tfstate-bootstrap-test"
  github_repository          = "example-org/gangway"
  force_destroy_state_bucket = true
  environments               = { test = "test", prod = "production" }
}

run "bad_repository" {
  command = plan

  variables {
    github_repository = "gangway"
  }

  expect_failures = [var.github_repository]
}

run "unknown_environment_key" {
  command = plan

  variables {
    environments = { staging = "staging" }
  }

  expect_failures = [var.environments]
}

run "no_environment" {
  command = plan

  variables {
    environments = {}
  }

  expect_failures = [var.environments]
}

run "environment_name_forging_a_subject" {
  command = plan

  variables {
    environments = { test = "test:job_workflow_ref:x" }
  }

  expect_failures = [var.environments]
}

run "default_branch_as_a_ref" {
  command = plan

  variables {
    default_branch = "refs/heads/main"
  }

  expect_failures = [var.default_branch]
}

run "deploy_branch_wildcard" {
  command = plan

  variables {
    deploy_branches = { test = "feature/*" }
  }

  expect_failures = [var.deploy_branches]
}

run "state_bucket_named_for_an_environment" {
  command = plan

  variables {
    state_bucket_name = "gangway-prod-tfstate"
  }

  expect_failures = [var.state_bucket_name]
}

run "service_domain_not_a_name" {
  command = plan

  variables {
    service_domains = { prod = { domain_name = "https://app.example.com", route53_zone_id = "Z0123456789ABCDEFGHIJ" } }
  }

  expect_failures = [var.service_domains]
}

run "bad_promotion_source" {
  command = plan

  variables {
    promotion_source_repository_arn = "gangway-test"
  }

  expect_failures = [var.promotion_source_repository_arn]
}

# One account per environment: the test account.
run "test_account" {
  command = plan

  variables {
    environments = { test = "test" }
  }

  assert {
    condition     = keys(aws_iam_role.deploy) == ["test"] && keys(aws_iam_role.plan) == ["test"] && length(aws_kms_key.attestation) == 1 && keys(aws_kms_key.plans) == ["test"]
    error_message = "The test account holds test's roles, its plans key and the attestation key, nothing of prod."
  }

  assert {
    condition     = aws_kms_key.attestation[0].customer_master_key_spec == "ECC_NIST_P256" && aws_kms_key.attestation[0].key_usage == "SIGN_VERIFY" && aws_kms_alias.attestation[0].name == "alias/gangway-test-attestation"
    error_message = "The attestation key is an ECDSA P-256 signing key, alias/gangway-test-attestation."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.deploy["test"].policy).Statement : s if startswith(s.Sid, "DenyOtherEnvironment")]) == 0
    error_message = "With one account per environment there is no other environment to deny."
  }
}

# One account per environment: the prod account promotes from test's.
run "prod_account" {
  command = plan

  variables {
    environments                    = { prod = "production" }
    promotion_source_repository_arn = "arn:aws:ecr:us-east-1:111111111111:repository/gangway-test"
  }

  assert {
    condition     = keys(aws_iam_role.deploy) == ["prod"] && length(aws_kms_key.attestation) == 0
    error_message = "The prod account holds prod's roles and no attestation key (prod verifies offline)."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.deploy["prod"].policy).Statement : s.Resource if s.Sid == "EcrPullTestForPromotion"
    ]) == "arn:aws:ecr:us-east-1:111111111111:repository/gangway-test"
    error_message = "prod pulls only from the promotion source repository."
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_policy.deploy["prod-serving"].policy).Statement : s if startswith(s.Sid, "Route53Own")]) == 0
    error_message = "Without service_domains, the deploy role gets no Route 53 write."
  }
}

# A domain for prod: Route 53 writes of its alias and ACM's validation
# record, in its zone only.
run "prod_domain" {
  command = plan

  variables {
    environments    = { prod = "production" }
    service_domains = { prod = { domain_name = "app.example.com", route53_zone_id = "Z0123456789ABCDEFGHIJ" } }
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_policy.deploy["prod-serving"].policy).Statement : s if s.Sid == "Route53OwnRecords"]) == {
      Sid      = "Route53OwnRecords"
      Effect   = "Allow"
      Action   = "route53:ChangeResourceRecordSets"
      Resource = "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"
      Condition = {
        "ForAllValues:StringLike"   = { "route53:ChangeResourceRecordSetsNormalizedRecordNames" = ["app.example.com", "_*.app.example.com"] }
        "ForAllValues:StringEquals" = { "route53:ChangeResourceRecordSetsRecordTypes" = ["A", "CNAME"] }
      }
    }
    error_message = "The prod deploy role may write only app.example.com and _*.app.example.com (A, CNAME) in its zone."
  }
}

run "bootstrap" {
  assert {
    condition = (
      alltrue(values(module.state_bucket.public_access_block)) &&
      module.state_bucket.versioning_status == "Enabled" &&
      module.state_bucket.sse_algorithm == "AES256"
    )
    error_message = "The state bucket must be private, versioned and encrypted."
  }

  assert {
    condition     = jsondecode(module.state_bucket.policy).Statement[0].Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "The state bucket must refuse requests without TLS."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"]) && output.oidc_provider_arn == aws_iam_openid_connect_provider.github[0].arn
    error_message = "The OIDC provider must be GitHub's, for audience sts.amazonaws.com, at the ARN the policies name."
  }

  assert {
    condition = alltrue([
      for env, want in {
        test = "repo:example-org/gangway:environment:test:job_workflow_ref:example-org/gangway/.github/workflows/test.yml@refs/heads/develop"
        prod = "repo:example-org/gangway:environment:production:job_workflow_ref:example-org/gangway/.github/workflows/prod.yml@refs/heads/main"
      } :
      jsondecode(aws_iam_role.deploy[env].assume_role_policy).Statement[0].Condition == {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = want
        }
      } && length(jsondecode(aws_iam_role.deploy[env].assume_role_policy).Statement) == 1
    ])
    error_message = "Each deploy role must trust only its own workflow, in its GitHub environment, on its deploy branch."
  }

  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role.plan["test"].assume_role_policy).Statement : s.Condition.StringLike["token.actions.githubusercontent.com:sub"] if s.Sid == "GitHubPullRequestPlanJob"]) == "repo:example-org/gangway:pull_request:job_workflow_ref:example-org/gangway/.github/workflows/test.yml@refs/pull/*/merge" &&
      length(jsondecode(aws_iam_role.plan["prod"].assume_role_policy).Statement) == 1 &&
      jsondecode(aws_iam_role.plan["prod"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == [
        "repo:example-org/gangway:ref:refs/heads/main:job_workflow_ref:example-org/gangway/.github/workflows/prod.yml@refs/heads/main",
        "repo:example-org/gangway:ref:refs/heads/main:job_workflow_ref:example-org/gangway/.github/workflows/drift.yml@refs/heads/main",
      ]
    )
    error_message = "Pull requests may plan test only; prod's plan role trusts prod.yml and drift.yml on the default branch."
  }

  # The plan roles change nothing: their only writes are the lock file and
  # (SSE-KMS) saved plans of their own environment.
  assert {
    condition = alltrue(flatten([
      for env in ["test", "prod"] : [
        for s in jsondecode(aws_iam_role_policy.plan[env].policy).Statement :
        s.Effect == "Deny" ? true :
        s.Sid == "StateLock" ? s.Resource == "arn:aws:s3:::gangway-tfstate-bootstrap-test/gangway/${env}/terraform.tfstate.tflock" :
        s.Sid == "SavePlans" ? s.Resource == "arn:aws:s3:::gangway-tfstate-bootstrap-test/gangway/${env}/plans/*" && s.Condition.StringEquals["s3:x-amz-server-side-encryption"] == "aws:kms" :
        alltrue([for a in flatten([try(s.Action, [])]) : can(regex(":(Describe|Get|List)", a))])
      ]
    ]))
    error_message = "The plan roles may only read, lock their state and save encrypted plans."
  }

  assert {
    condition     = output.deploy_role_arns == { test = aws_iam_role.deploy["test"].arn, prod = aws_iam_role.deploy["prod"].arn } && output.plan_role_arns == { test = aws_iam_role.plan["test"].arn, prod = aws_iam_role.plan["prod"].arn }
    error_message = "deploy_role_arns and plan_role_arns must list one role per environment."
  }

  # No Allow statement grants everything, or a whole service, on every
  # resource, or uses NotAction/NotResource (the deploy roles' inline and
  # managed policies).
  assert {
    condition = alltrue(flatten([
      for doc in concat([for p in aws_iam_role_policy.deploy : p.policy], [for p in aws_iam_policy.deploy : p.policy]) : [
        for s in jsondecode(doc).Statement :
        s.Effect == "Deny" ? true : (
          try(s.NotAction, null) == null && try(s.NotResource, null) == null &&
          !contains(flatten([s.Action]), "*") &&
          !(contains(flatten([s.Resource]), "*") && anytrue([for a in flatten([s.Action]) : endswith(a, ":*")]))
        )
      ]
    ]))
    error_message = "No deploy statement may allow * or SERVICE:* on every resource, or allow with NotAction or NotResource."
  }

  assert {
    condition = alltrue([
      for env in ["test", "prod"] :
      one([for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement : s.Resource if s.Sid == "StateObjects"]) == "arn:aws:s3:::gangway-tfstate-bootstrap-test/gangway/${env}/*"
    ])
    error_message = "A deploy role may touch only its own environment's state objects."
  }

  assert {
    condition = alltrue([
      for env in ["test", "prod"] :
      one([for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement : s.Condition.StringEquals if s.Sid == "SsmOwnInstances"]) == {
        "ssm:resourceTag/Environment" = env
        "ssm:resourceTag/App"         = "gangway"
      }
    ])
    error_message = "SSM SendCommand must be limited to instances tagged with the role's environment."
  }

  # No IAM privilege escalation: roles are created and given policies only
  # under the environment's boundary, the boundary cannot be removed, and
  # the pipeline's own roles and policies are explicitly out of reach.
  assert {
    condition = alltrue([
      for env in ["test", "prod"] : (
        one([for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement : s.Condition.StringEquals["iam:PermissionsBoundary"] if s.Sid == "IamHostRoleWithBoundary"]) == aws_iam_policy.host_boundary[env].arn &&
        one([for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement : s.Condition.StringEquals["iam:PermissionsBoundary"] if s.Sid == "IamAttachOnlySsmCore"]) == aws_iam_policy.host_boundary[env].arn &&
        alltrue([
          for s in flatten(concat([jsondecode(aws_iam_role_policy.deploy[env].policy).Statement], [for part in ["ec2", "data", "serving", "monitoring"] : jsondecode(aws_iam_policy.deploy["${env}-${part}"].policy).Statement])) :
          s.Effect == "Deny" || s.Sid == "IamHostRoleWithBoundary" || s.Sid == "IamAttachOnlySsmCore" ||
          length(setintersection(flatten([try(s.Action, [])]), ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion", "iam:*"])) == 0
        ]) &&
        length([for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement : s if s.Sid == "DenyPipelineRoleChanges" && s.Effect == "Deny"]) == 1
      )
    ])
    error_message = "Deploy roles may create roles and write their policies only with the permissions boundary, never change a boundary, and are denied IAM writes on the pipeline's roles."
  }

  assert {
    condition = alltrue([
      for env in ["test", "prod"] : (
        aws_iam_policy.host_boundary[env].name == "gangway-${env}-host-boundary" &&
        one([for s in jsondecode(aws_iam_policy.host_boundary[env].policy).Statement : s.Condition.StringEquals if s.Sid == "ReadOwnDbSecret"]) == {
          "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn" = "arn:aws:rds:us-east-1:123456789012:db:gangway-${env}"
        } &&
        one([for s in jsondecode(aws_iam_policy.host_boundary[env].policy).Statement : s.Resource if s.Sid == "EcrPullOwnRepository"]) == "arn:aws:ecr:us-east-1:123456789012:repository/gangway-${env}" &&
        one([for s in jsondecode(aws_iam_policy.host_boundary[env].policy).Statement : s.Resource if s.Sid == "SsmOwnParameters"]) == ["arn:aws:ssm:us-east-1:123456789012:parameter/gangway/${env}/*", "arn:aws:ssm:us-east-1:123456789012:parameter/gangway/${env}"]
      )
    ])
    error_message = "Each boundary must allow only its own environment's secret, repository and parameters."
  }

  assert {
    condition = (
      length([for s in jsondecode(aws_iam_role_policy.deploy["prod"].policy).Statement : s if s.Sid == "EcrPullTestForPromotion"]) == 1 &&
      length([for s in jsondecode(aws_iam_role_policy.deploy["test"].policy).Statement : s if s.Sid == "EcrPullTestForPromotion"]) == 0 &&
      one([for s in jsondecode(aws_iam_policy.deploy["test-data"].policy).Statement : s.Resource if s.Sid == "EcrOwnRepository"]) == "arn:aws:ecr:us-east-1:123456789012:repository/gangway-test"
    )
    error_message = "Each role pushes only to its own repository; only prod reads gangway-test (promote)."
  }

  # The shared account: each environment's roles carry the denies on the other.
  assert {
    condition = alltrue(flatten([
      for doc in concat([for p in aws_iam_role_policy.deploy : p.policy], [for p in aws_iam_role_policy.plan : p.policy]) : [
        length([for s in jsondecode(doc).Statement : s if startswith(s.Sid, "DenyOtherEnvironment") && s.Effect == "Deny"]) == 5
      ]
    ]))
    error_message = "In one account, every deploy and plan role must be denied the other environment."
  }

  assert {
    condition = (
      aws_kms_key.attestation[0].customer_master_key_spec == "ECC_NIST_P256" &&
      startswith(output.attestation_public_key_pem, "-----BEGIN PUBLIC KEY-----") &&
      output.attestation_key_arn == aws_kms_key.attestation[0].arn &&
      keys(output.plan_kms_key_arns) == ["prod", "test"] &&
      [for a in aws_kms_alias.plans : a.name] == ["alias/gangway-prod-plans", "alias/gangway-test-plans"]
    )
    error_message = "The attestation key (with its public key) and one plans key per environment must exist."
  }
}

# Applied against moto_server (cheap: S3 and IAM only) and destroyed again.
#   terraform -chdir=terraform/bootstrap test

variables {
  state_bucket_name          = "gangway-tfstate-bootstrap-test"
  github_repository          = "example-org/gangway"
  force_destroy_state_bucket = true
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
    github_environments = { staging = "staging" }
  }

  expect_failures = [var.github_environments]
}

run "bootstrap" {
  assert {
    condition = (
      aws_s3_bucket_public_access_block.state.block_public_acls &&
      aws_s3_bucket_public_access_block.state.block_public_policy &&
      aws_s3_bucket_public_access_block.state.ignore_public_acls &&
      aws_s3_bucket_public_access_block.state.restrict_public_buckets &&
      aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled" &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    )
    error_message = "The state bucket must be private, versioned and encrypted."
  }

  assert {
    condition     = jsondecode(aws_s3_bucket_policy.state.policy).Statement[0].Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "The state bucket must refuse requests without TLS."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The OIDC provider must be GitHub's, for audience sts.amazonaws.com."
  }

  assert {
    condition = alltrue([
      for env, gh in { test = "test", prod = "production" } :
      jsondecode(aws_iam_role.deploy[env].assume_role_policy).Statement[0].Condition.StringEquals == {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = "repo:example-org/gangway:environment:${gh}"
      }
    ])
    error_message = "Each deploy role must trust only this repository's jobs in its own GitHub environment."
  }

  assert {
    condition = jsondecode(aws_iam_role.plan[0].assume_role_policy).Statement[0].Condition.StringEquals == {
      "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
      "token.actions.githubusercontent.com:sub" = "repo:example-org/gangway:pull_request"
    }
    error_message = "The plan role must trust only this repository's pull-request jobs."
  }

  # The plan role changes nothing: no write action except the test state's lock file.
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.plan[0].policy).Statement :
      s.Sid == "StateLock" ? flatten([s.Resource]) == ["arn:aws:s3:::gangway-tfstate-bootstrap-test/gangway/test/terraform.tfstate.tflock"] :
      alltrue([for a in flatten([s.Action]) : can(regex(":(Describe|Get|List)", a))])
    ])
    error_message = "The plan role may only read (and lock the test state)."
  }

  assert {
    condition     = output.deploy_role_arns == { test = aws_iam_role.deploy["test"].arn, prod = aws_iam_role.deploy["prod"].arn }
    error_message = "deploy_role_arns must list one role per environment."
  }

  # Least privilege: no statement grants everything, state access stops at
  # the environment's own key, and SendCommand is tag-scoped.
  assert {
    condition = alltrue(flatten([
      for env in ["test", "prod"] : [
        for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement :
        !contains(flatten([s.Action]), "*") && !(contains(flatten([s.Resource]), "*") && anytrue([for a in flatten([s.Action]) : endswith(a, ":*")]))
      ]
    ]))
    error_message = "No deploy statement may grant * or SERVICE:* on every resource."
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
  # under the environment's boundary, and the boundary cannot be removed.
  assert {
    condition = alltrue([
      for env in ["test", "prod"] : (
        one([for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement : s.Condition.StringEquals["iam:PermissionsBoundary"] if s.Sid == "IamHostRoleWithBoundary"]) == aws_iam_policy.host_boundary[env].arn &&
        one([for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement : s.Condition.StringEquals["iam:PermissionsBoundary"] if s.Sid == "IamAttachOnlySsmCore"]) == aws_iam_policy.host_boundary[env].arn &&
        alltrue([
          for s in jsondecode(aws_iam_role_policy.deploy[env].policy).Statement :
          s.Sid == "IamHostRoleWithBoundary" || s.Sid == "IamAttachOnlySsmCore" ||
          length(setintersection(flatten([s.Action]), ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion", "iam:*"])) == 0
        ])
      )
    ])
    error_message = "Deploy roles may create roles and write their policies only with the permissions boundary, and never change a boundary."
  }

  assert {
    condition = alltrue([
      for env in ["test", "prod"] : (
        aws_iam_policy.host_boundary[env].name == "gangway-${env}-host-boundary" &&
        one([for s in jsondecode(aws_iam_policy.host_boundary[env].policy).Statement : s.Condition.StringEquals if s.Sid == "ReadOwnDbSecret"]) == {
          "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn" = "arn:aws:rds:us-east-1:123456789012:db:gangway-${env}"
        } &&
        one([for s in jsondecode(aws_iam_policy.host_boundary[env].policy).Statement : s.Resource if s.Sid == "EcrPullOwnRepository"]) == "arn:aws:ecr:us-east-1:123456789012:repository/gangway-${env}"
      )
    ])
    error_message = "Each boundary must allow only its own environment's secret and repository."
  }

  assert {
    condition = (
      length([for s in jsondecode(aws_iam_role_policy.deploy["prod"].policy).Statement : s if s.Sid == "EcrReadTestForPromote"]) == 1 &&
      length([for s in jsondecode(aws_iam_role_policy.deploy["test"].policy).Statement : s if s.Sid == "EcrReadTestForPromote"]) == 0 &&
      one([for s in jsondecode(aws_iam_role_policy.deploy["test"].policy).Statement : s.Resource if s.Sid == "EcrOwnRepository"]) == "arn:aws:ecr:us-east-1:123456789012:repository/gangway-test"
    )
    error_message = "Each role pushes only to its own repository; only prod reads gangway-test (promote)."
  }
}

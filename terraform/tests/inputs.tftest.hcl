# Bad input fails at plan with a message that says what to set. Run with
# either environment's tfvars; each run overrides what it breaks.

run "unknown_environment" {
  command = plan

  variables {
    environment = "staging"
  }

  expect_failures = [var.environment]
}

run "empty_allowed_cidrs" {
  command = plan

  variables {
    allowed_cidrs = []
  }

  expect_failures = [var.allowed_cidrs]
}

run "malformed_allowed_cidr" {
  command = plan

  variables {
    allowed_cidrs = ["10.0.0.1"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "app_port_on_a_slot" {
  command = plan

  variables {
    app_port = 8081
  }

  expect_failures = [var.app_port]
}

run "app_port_ssh" {
  command = plan

  variables {
    app_port = 22
  }

  expect_failures = [var.app_port]
}

run "backups_off" {
  command = plan

  variables {
    db_backup_retention_days = 0
  }

  expect_failures = [var.db_backup_retention_days]
}

run "bad_ami" {
  command = plan

  variables {
    ami_id = "ubuntu"
  }

  expect_failures = [var.ami_id]
}

# A valid non-default port reaches the single ingress rule and the URL.
run "custom_port" {
  command = plan

  variables {
    app_port      = 8080
    allowed_cidrs = ["203.0.113.0/24", "198.51.100.0/24"]
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.app_port) == 2 && alltrue([for r in aws_vpc_security_group_ingress_rule.app_port : r.from_port == 8080])
    error_message = "Each allowed CIDR must get one rule on app_port."
  }
}

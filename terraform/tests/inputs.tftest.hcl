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

run "desired_above_max" {
  command = plan

  variables {
    fleet_min_size         = 2
    fleet_max_size         = 4
    fleet_desired_capacity = 5
  }

  expect_failures = [var.fleet_desired_capacity]
}

run "max_below_min" {
  command = plan

  variables {
    fleet_min_size         = 3
    fleet_max_size         = 2
    fleet_desired_capacity = 2
  }

  expect_failures = [var.fleet_max_size]
}

run "domain_without_zone" {
  command = plan

  variables {
    domain_name     = "app.example.com"
    route53_zone_id = null
  }

  expect_failures = [var.domain_name]
}

run "domain_not_a_name" {
  command = plan

  variables {
    domain_name     = "https://app.example.com/"
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.domain_name]
}

# prod with no domain and allow_plain_http not set (its default is false
# there): plain HTTP would not be a decision anybody wrote down.
run "prod_plain_http_by_default" {
  command = plan

  variables {
    environment      = "prod"
    domain_name      = null
    allow_plain_http = null
  }

  expect_failures = [var.allow_plain_http]
}

run "plain_http_refused_in_test" {
  command = plan

  variables {
    environment      = "test"
    domain_name      = null
    allow_plain_http = false
  }

  expect_failures = [var.allow_plain_http]
}

run "log_retention_not_offered" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "bad_alarm_email" {
  command = plan

  variables {
    alarm_email = "ops"
  }

  expect_failures = [var.alarm_email]
}

run "endpoints_in_three_zones" {
  command = plan

  variables {
    endpoint_zone_count = 3
  }

  expect_failures = [var.endpoint_zone_count]
}

run "grace_too_short" {
  command = plan

  variables {
    health_check_grace_period = 30
  }

  expect_failures = [var.health_check_grace_period]
}

# A valid non-default port reaches the hosts' rules and the target group;
# each allowed CIDR gets its own rule on the load balancer.
run "custom_port" {
  command = plan

  variables {
    app_port      = 8080
    allowed_cidrs = ["203.0.113.0/24", "198.51.100.0/24"]
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb) == 2 && alltrue([for r in aws_vpc_security_group_ingress_rule.alb : r.from_port == 80])
    error_message = "Each allowed CIDR must get one rule on the load balancer's port 80 (no domain)."
  }

  assert {
    condition     = aws_lb_target_group.app.port == 8080 && aws_vpc_security_group_ingress_rule.app_from_alb.from_port == 8080 && aws_vpc_security_group_egress_rule.alb_to_hosts.to_port == 8080
    error_message = "The target group and the hosts' rules must follow app_port."
  }
}

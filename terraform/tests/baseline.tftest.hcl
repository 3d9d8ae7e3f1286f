# Plan-time assertions for the security baseline and the serving layout
# (DESIGN.md). Run once per environment with that environment's own tfvars,
# against moto_server (the data sources read the account, zones and AMI
# parameter from it):
#
#   terraform test -filter=tests/baseline.tftest.hcl -var-file=env/test.tfvars
#   terraform test -filter=tests/baseline.tftest.hcl -var-file=env/prod.tfvars
#
# Ids and ARNs exist only after apply. The overrides below give the
# resources that own them plan-time stand-ins (nothing else about those
# resources changes), so that what refers to them (subnets of the group and
# the load balancer, security group references, key ARNs, the rendered user
# data) can be checked here; the suite's real apply checks the real ones
# (.ci/suites/30-terraform.sh, tests/check_apply.py).

override_resource {
  target          = aws_subnet.public[0]
  override_during = plan
  values          = { id = "subnet-public-a" }
}

override_resource {
  target          = aws_subnet.public[1]
  override_during = plan
  values          = { id = "subnet-public-b" }
}

override_resource {
  target          = aws_subnet.private[0]
  override_during = plan
  values          = { id = "subnet-private-a" }
}

override_resource {
  target          = aws_subnet.private[1]
  override_during = plan
  values          = { id = "subnet-private-b" }
}

override_resource {
  target          = aws_security_group.alb
  override_during = plan
  values          = { id = "sg-alb" }
}

override_resource {
  target          = aws_security_group.app
  override_during = plan
  values          = { id = "sg-app" }
}

override_resource {
  target          = aws_security_group.endpoints
  override_during = plan
  values          = { id = "sg-endpoints" }
}

override_resource {
  target          = aws_security_group.db
  override_during = plan
  values          = { id = "sg-db" }
}

override_resource {
  target          = aws_vpc_endpoint.s3
  override_during = plan
  values          = { prefix_list_id = "pl-s3" }
}

override_resource {
  target          = aws_lb.app
  override_during = plan
  values = {
    arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/gangway-env/0123456789abcdef"
    arn_suffix = "app/gangway-env/0123456789abcdef"
    dns_name   = "gangway-env-123.us-east-1.elb.amazonaws.com"
    zone_id    = "Z35SXDOTRQ7X7K"
  }
}

override_resource {
  target          = aws_lb_target_group.app
  override_during = plan
  values = {
    arn        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gangway-env/fedcba9876543210"
    arn_suffix = "targetgroup/gangway-env/fedcba9876543210"
  }
}

override_resource {
  target          = aws_iam_instance_profile.app
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:instance-profile/gangway-env-host" }
}

override_resource {
  target          = aws_launch_template.app
  override_during = plan
  values          = { id = "lt-0123456789abcdef0" }
}

override_resource {
  target          = aws_kms_key.logs
  override_during = plan
  values          = { arn = "arn:aws:kms:us-east-1:123456789012:key/logs" }
}

override_resource {
  target          = aws_kms_key.alarms
  override_during = plan
  values          = { arn = "arn:aws:kms:us-east-1:123456789012:key/alarms" }
}

override_resource {
  target          = aws_sns_topic.alarms
  override_during = plan
  values          = { arn = "arn:aws:sns:us-east-1:123456789012:gangway-env-alarms" }
}

override_resource {
  target          = aws_db_instance.main
  override_during = plan
  values = {
    address = "gangway-db.example.internal"
    master_user_secret = [{
      secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-example"
      secret_status = "active"
      kms_key_id    = ""
    }]
  }
}

run "baseline" {
  command = plan

  # --- launch template: every host ------------------------------------------

  assert {
    condition     = aws_launch_template.app.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 must be required on the hosts (metadata_options.http_tokens = \"required\")."
  }

  assert {
    condition     = aws_launch_template.app.metadata_options[0].http_endpoint == "enabled" && aws_launch_template.app.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "The metadata endpoint must be on with hop limit 1 (a container on a bridge network gets no instance credentials)."
  }

  assert {
    condition     = aws_launch_template.app.key_name == null
    error_message = "key_name must not be set: no key pair, management is SSM only."
  }

  assert {
    condition = (
      length(aws_launch_template.app.network_interfaces) == 1 &&
      aws_launch_template.app.network_interfaces[0].associate_public_ip_address == "false" &&
      aws_launch_template.app.network_interfaces[0].security_groups == toset(["sg-app"])
    )
    error_message = "The hosts must get no public IP address and only the app security group."
  }

  assert {
    condition = (
      one(aws_launch_template.app.block_device_mappings).device_name == "/dev/xvda" &&
      one(one(aws_launch_template.app.block_device_mappings).ebs).encrypted == "true" &&
      one(one(aws_launch_template.app.block_device_mappings).ebs).volume_type == "gp3"
    )
    error_message = "The hosts' root volume must be encrypted gp3."
  }

  assert {
    condition = (
      one(aws_launch_template.app.iam_instance_profile).arn == aws_iam_instance_profile.app.arn &&
      aws_iam_instance_profile.app.name == "gangway-${var.environment}-host" && aws_iam_instance_profile.app.role == "gangway-${var.environment}-host"
    )
    error_message = "The hosts must run with their own instance profile gangway-<env>-host (the host role)."
  }

  assert {
    condition = (
      [for t in aws_launch_template.app.tag_specifications : t.resource_type] == ["volume", "network-interface"] &&
      alltrue([for t in aws_launch_template.app.tag_specifications : t.tags.Environment == var.environment && t.tags.App == "gangway"])
    )
    error_message = "The hosts' volumes and network interfaces must carry Environment and App."
  }

  # --- the fleet ------------------------------------------------------------

  assert {
    condition = (
      [aws_autoscaling_group.app.min_size, aws_autoscaling_group.app.max_size, aws_autoscaling_group.app.desired_capacity] ==
      [var.fleet_min_size, var.fleet_max_size, var.fleet_desired_capacity] &&
      [var.fleet_min_size, var.fleet_max_size, var.fleet_desired_capacity] == (var.environment == "prod" ? [2, 4, 2] : [1, 2, 1])
    )
    error_message = "The group must run min/max/desired 1/2/1 in test and 2/4/2 in prod."
  }

  assert {
    condition = (
      aws_autoscaling_group.app.vpc_zone_identifier == toset(["subnet-private-a", "subnet-private-b"]) &&
      length(distinct([for s in aws_subnet.private : s.availability_zone])) == 2
    )
    error_message = "The group must spread the hosts over both private subnets, in two zones."
  }

  assert {
    condition     = aws_autoscaling_group.app.health_check_type == "ELB" && aws_autoscaling_group.app.health_check_grace_period == var.health_check_grace_period && aws_autoscaling_group.app.health_check_grace_period >= 120
    error_message = "The load balancer's health check must decide (health_check_type ELB) after a grace period."
  }

  assert {
    condition     = aws_autoscaling_group.app.target_group_arns == toset([aws_lb_target_group.app.arn])
    error_message = "The group must register its hosts with the target group."
  }

  assert {
    condition = alltrue([
      for k, v in { Environment = var.environment, App = "gangway", Name = "gangway-${var.environment}" } :
      anytrue([for t in aws_autoscaling_group.app.tag : t.key == k && t.value == v && t.propagate_at_launch])
    ])
    error_message = "The group must tag every instance at launch with Name, Environment and App (the rollout and SSM find hosts by them)."
  }

  assert {
    condition     = one(aws_autoscaling_group.app.launch_template).id == aws_launch_template.app.id && one(aws_autoscaling_group.app.instance_refresh).preferences[0].min_healthy_percentage == 100
    error_message = "The group must launch from the template, and an instance refresh must keep the full capacity."
  }

  # --- load balancer and listeners -------------------------------------------

  assert {
    condition = (
      aws_lb.app.internal == false && aws_lb.app.load_balancer_type == "application" &&
      aws_lb.app.subnets == toset(["subnet-public-a", "subnet-public-b"]) &&
      aws_lb.app.security_groups == toset(["sg-alb"]) && aws_lb.app.drop_invalid_header_fields
    )
    error_message = "The load balancer must be an internet-facing ALB in both public subnets with its own security group."
  }

  assert {
    condition     = aws_lb.app.enable_deletion_protection == (var.environment == "prod")
    error_message = "Only prod's load balancer has deletion protection."
  }

  assert {
    condition = (
      aws_lb_target_group.app.port == var.app_port && aws_lb_target_group.app.protocol == "HTTP" &&
      one(aws_lb_target_group.app.health_check).path == "/health" && one(aws_lb_target_group.app.health_check).matcher == "200" &&
      one(aws_lb_target_group.app.health_check).interval * one(aws_lb_target_group.app.health_check).unhealthy_threshold <= 30
    )
    error_message = "The target group must check /health (200) on app_port and drop a failing host within 30 s."
  }

  assert {
    condition     = tonumber(aws_lb_target_group.app.deregistration_delay) >= 10 && tonumber(aws_lb_target_group.app.deregistration_delay) <= 30
    error_message = "The deregistration delay must cover the rollout's 5 s drain without holding a leaving host for minutes."
  }

  assert {
    condition     = aws_lb_listener.http.port == 80 && aws_lb_listener.http.protocol == "HTTP"
    error_message = "The load balancer must listen on port 80."
  }

  # This environment's tfvars have no domain: plain HTTP on the load
  # balancer's name, which must be allowed (test by default, prod only with
  # allow_plain_http = true written down).
  assert {
    condition = var.domain_name != null || (
      (var.allow_plain_http == true || (var.allow_plain_http == null && var.environment == "test")) &&
      one(aws_lb_listener.http.default_action).type == "forward" &&
      one(aws_lb_listener.http.default_action).target_group_arn == aws_lb_target_group.app.arn &&
      length(aws_lb_listener.https) == 0 && length(aws_acm_certificate.app) == 0 &&
      output.app_url == "http://gangway-env-123.us-east-1.elb.amazonaws.com"
    )
    error_message = "Without a domain, port 80 forwards to the hosts (only where allow_plain_http allows it) and app_url is http://<load balancer DNS name>."
  }

  # --- security groups ------------------------------------------------------

  assert {
    condition = (
      length(aws_vpc_security_group_ingress_rule.alb) == length(var.allowed_cidrs) * (var.domain_name != null ? 2 : 1) &&
      alltrue([
        for r in aws_vpc_security_group_ingress_rule.alb :
        r.ip_protocol == "tcp" && r.from_port == r.to_port && contains(var.domain_name != null ? [80, 443] : [80], r.from_port) && contains(var.allowed_cidrs, r.cidr_ipv4)
      ])
    )
    error_message = "The load balancer must accept port 80 (and 443 with a domain) from allowed_cidrs only."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.app_from_alb.referenced_security_group_id == "sg-alb" &&
      aws_vpc_security_group_ingress_rule.app_from_alb.cidr_ipv4 == null &&
      aws_vpc_security_group_ingress_rule.app_from_alb.from_port == var.app_port && aws_vpc_security_group_ingress_rule.app_from_alb.to_port == var.app_port
    )
    error_message = "The hosts must accept app_port from the load balancer's security group only, never from a CIDR."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.alb_to_hosts.referenced_security_group_id == "sg-app" && aws_vpc_security_group_egress_rule.alb_to_hosts.from_port == var.app_port && aws_vpc_security_group_egress_rule.alb_to_hosts.to_port == var.app_port
    error_message = "The load balancer may only reach the hosts' app port."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.app_endpoints.referenced_security_group_id == "sg-endpoints" && aws_vpc_security_group_egress_rule.app_endpoints.from_port == 443 &&
      aws_vpc_security_group_egress_rule.app_s3.prefix_list_id == "pl-s3" && aws_vpc_security_group_egress_rule.app_s3.from_port == 443 && aws_vpc_security_group_egress_rule.app_s3.cidr_ipv4 == null &&
      aws_vpc_security_group_egress_rule.app_db.referenced_security_group_id == "sg-db" && aws_vpc_security_group_egress_rule.app_db.from_port == 5432 && aws_vpc_security_group_egress_rule.app_db.cidr_ipv4 == null
    )
    error_message = "Host egress must be HTTPS to the endpoints and to S3 (prefix list), and PostgreSQL to the database; no CIDR."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_from_app.referenced_security_group_id == "sg-app" && aws_vpc_security_group_ingress_rule.endpoints_from_app.from_port == 443
    error_message = "The interface endpoints must accept HTTPS from the hosts only."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.db_from_app.from_port == 5432 && aws_vpc_security_group_ingress_rule.db_from_app.to_port == 5432 && aws_vpc_security_group_ingress_rule.db_from_app.ip_protocol == "tcp" && aws_vpc_security_group_ingress_rule.db_from_app.referenced_security_group_id == "sg-app" && aws_vpc_security_group_ingress_rule.db_from_app.cidr_ipv4 == null && aws_vpc_security_group_ingress_rule.db_from_app.cidr_ipv6 == null
    error_message = "The database must accept PostgreSQL (5432/tcp) from the app security group only, never from a CIDR."
  }

  assert {
    condition     = length(aws_default_security_group.main.ingress) == 0 && length(aws_default_security_group.main.egress) == 0
    error_message = "The VPC's default security group must have no rules."
  }

  # --- network: private hosts, endpoints ---------------------------------------

  assert {
    condition     = alltrue([for s in concat(aws_subnet.private, aws_subnet.public) : s.map_public_ip_on_launch == false]) && length(distinct([for s in aws_subnet.private : s.availability_zone])) == 2
    error_message = "No subnet may hand out public addresses; the private subnets span two zones."
  }

  assert {
    condition     = length(aws_route_table.private.route) == 0
    error_message = "The private route table must have no route out of the VPC (only the S3 endpoint's)."
  }

  assert {
    condition = (
      keys(aws_vpc_endpoint.interface) == ["ec2messages", "ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages", "sts"] &&
      alltrue([
        for k, e in aws_vpc_endpoint.interface :
        e.vpc_endpoint_type == "Interface" && e.private_dns_enabled && e.service_name == "com.amazonaws.${var.region}.${k}" &&
        e.security_group_ids == toset(["sg-endpoints"]) && length(e.subnet_ids) == var.endpoint_zone_count
      ])
    )
    error_message = "The hosts must reach SSM, ECR, CloudWatch Logs, Secrets Manager and STS through interface endpoints with private DNS."
  }

  assert {
    condition     = var.endpoint_zone_count == (var.environment == "prod" ? 2 : 1)
    error_message = "Prod's interface endpoints must be in both zones (test: one, to halve their cost)."
  }

  assert {
    condition = (
      aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3.service_name == "com.amazonaws.${var.region}.s3" &&
      [for s in jsondecode(aws_vpc_endpoint.s3.policy).Statement : s.Sid] == ["AmazonOwnedBucketsRead", "AppBucketList", "AppBucketRead"] &&
      contains(jsondecode(aws_vpc_endpoint.s3.policy).Statement[0].Resource, "arn:aws:s3:::al2023-repos-${var.region}-de612dc2/*") &&
      contains(jsondecode(aws_vpc_endpoint.s3.policy).Statement[0].Resource, "arn:aws:s3:::prod-${var.region}-starport-layer-bucket/*") &&
      alltrue([for s in jsondecode(aws_vpc_endpoint.s3.policy).Statement : s.Effect == "Allow" && !contains(flatten([s.Action]), "s3:*") && !contains(flatten([s.Resource]), "*")])
    )
    error_message = "The S3 gateway endpoint may serve only the Amazon Linux repositories, ECR's layers, the SSM agent's buckets and reads of the app bucket."
  }

  # --- RDS --------------------------------------------------------------------

  assert {
    condition     = aws_db_instance.main.engine == "postgres" && aws_db_instance.main.engine_version == "16"
    error_message = "The database must be PostgreSQL 16."
  }

  assert {
    condition     = aws_db_instance.main.publicly_accessible == false
    error_message = "RDS must not be publicly accessible."
  }

  assert {
    condition     = aws_db_instance.main.storage_encrypted == true
    error_message = "RDS storage must be encrypted."
  }

  assert {
    condition     = aws_db_instance.main.manage_master_user_password == true && aws_db_instance.main.password == null
    error_message = "The master password must be managed by RDS in Secrets Manager (manage_master_user_password), never set in Terraform."
  }

  assert {
    condition     = aws_db_instance.main.backup_retention_period >= 1
    error_message = "RDS automated backups must be on (backup_retention_period >= 1)."
  }

  assert {
    condition     = aws_db_instance.main.db_name == "gangway" && aws_db_instance.main.username == "gangway"
    error_message = "Database and master user must both be named gangway (DESIGN.md)."
  }

  assert {
    condition     = aws_db_instance.main.db_subnet_group_name == "gangway-${var.environment}" && aws_db_subnet_group.main.name == "gangway-${var.environment}"
    error_message = "RDS must sit in the environment's private subnet group."
  }

  assert {
    condition     = var.environment != "prod" || (aws_db_instance.main.deletion_protection == true && aws_db_instance.main.skip_final_snapshot == false && aws_db_instance.main.final_snapshot_identifier == "gangway-prod-final")
    error_message = "Prod RDS must have deletion protection and take a final snapshot."
  }

  assert {
    condition     = var.environment != "prod" || aws_db_instance.main.backup_retention_period >= 7
    error_message = "Prod RDS must keep at least 7 days of backups."
  }

  assert {
    condition     = aws_db_instance.main.multi_az == var.multi_az
    error_message = "multi_az must follow the variable."
  }

  # --- S3 ---------------------------------------------------------------------
  # The bucket is modules/hardened-bucket; its outputs say how it is set.

  assert {
    condition     = alltrue(values(module.app_bucket.public_access_block))
    error_message = "All four S3 public access block settings must be on."
  }

  assert {
    condition     = module.app_bucket.sse_algorithm != ""
    error_message = "The bucket must have default encryption."
  }

  assert {
    condition     = module.app_bucket.versioning_status == "Enabled"
    error_message = "Bucket versioning must be enabled."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(module.app_bucket.policy).Statement :
      s.Effect == "Deny" && s.Principal == "*" && s.Action == "s3:*" && s.Condition == { Bool = { "aws:SecureTransport" = "false" } }
      && length(s.Resource) == 2
    ])
    error_message = "The bucket policy must deny every request made without TLS."
  }

  assert {
    condition     = module.app_bucket.bucket == "gangway-${var.environment}-app-${data.aws_caller_identity.current.account_id}"
    error_message = "The TLS-only policy must be attached to the app bucket."
  }

  assert {
    condition     = module.app_bucket.force_destroy == (var.environment != "prod")
    error_message = "Only the test bucket may be force-destroyed."
  }

  # --- ECR --------------------------------------------------------------------

  assert {
    condition     = aws_ecr_repository.app.name == "gangway-${var.environment}" && aws_ecr_repository.app.image_tag_mutability == "IMMUTABLE"
    error_message = "ECR repository gangway-<env> must have immutable tags."
  }

  assert {
    condition     = aws_ecr_repository.app.image_scanning_configuration[0].scan_on_push == true
    error_message = "ECR must scan on push."
  }

  assert {
    condition     = aws_ecr_repository.app.force_delete == (var.environment != "prod")
    error_message = "Only the test repository may be deleted with images in it."
  }

  assert {
    condition     = length(jsondecode(aws_ecr_lifecycle_policy.app.policy).rules) == 2
    error_message = "ECR must have the lifecycle policy (untagged expiry, keep newest N)."
  }

  # --- the release a booting host serves -------------------------------------------

  assert {
    condition = (
      aws_ssm_parameter.image.name == "/gangway/${var.environment}/image" && aws_ssm_parameter.image.type == "String" &&
      nonsensitive(aws_ssm_parameter.image.value) == "none" &&
      aws_ssm_parameter.rollout_script.name == "/gangway/${var.environment}/rollout-script" && aws_ssm_parameter.rollout_script.tier == "Advanced" &&
      output.image_parameter == aws_ssm_parameter.image.name && output.rollout_script_parameter == aws_ssm_parameter.rollout_script.name
    )
    error_message = "The parameters /gangway/<env>/image (first value none) and /gangway/<env>/rollout-script (advanced tier: the script is larger than 4 KB) must exist."
  }

  # --- logs -------------------------------------------------------------------------

  assert {
    condition = (
      aws_cloudwatch_log_group.app.name == "/gangway/${var.environment}/app" &&
      aws_cloudwatch_log_group.app.retention_in_days == var.log_retention_days &&
      var.log_retention_days == (var.environment == "prod" ? 90 : 14) &&
      aws_cloudwatch_log_group.app.kms_key_id == "arn:aws:kms:us-east-1:123456789012:key/logs"
    )
    error_message = "The log group /gangway/<env>/app must keep 14 days (test) or 90 (prod) and be encrypted with the logs key."
  }

  assert {
    condition = (
      aws_kms_key.logs.enable_key_rotation &&
      one([for s in jsondecode(data.aws_iam_policy_document.logs_key.json).Statement : s if s.Sid == "CloudWatchLogsUse"]).Principal == { Service = "logs.${var.region}.amazonaws.com" } &&
      one([for s in jsondecode(data.aws_iam_policy_document.logs_key.json).Statement : s if s.Sid == "CloudWatchLogsUse"]).Condition == {
        ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:/gangway/${var.environment}/app" }
      } &&
      alltrue([for s in jsondecode(data.aws_iam_policy_document.logs_key.json).Statement : !contains(flatten([s.Action]), "kms:*")])
    )
    error_message = "The logs key must rotate, let CloudWatch Logs use it for this log group only, and grant no one kms:*."
  }

  # --- alarms -------------------------------------------------------------------------

  assert {
    condition = (
      aws_sns_topic.alarms.name == "gangway-${var.environment}-alarms" &&
      aws_sns_topic.alarms.kms_master_key_id == "arn:aws:kms:us-east-1:123456789012:key/alarms" &&
      length(aws_sns_topic_subscription.alarm_email) == (var.alarm_email == null ? 0 : 1)
    )
    error_message = "The alarm topic must be encrypted with the alarms key, with an e-mail subscription only when alarm_email is set."
  }

  assert {
    condition = alltrue([
      for a in [aws_cloudwatch_metric_alarm.http_5xx, aws_cloudwatch_metric_alarm.unhealthy_hosts, aws_cloudwatch_metric_alarm.db_cpu, aws_cloudwatch_metric_alarm.db_free_storage] :
      a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:gangway-env-alarms"]) && startswith(a.alarm_name, "gangway-${var.environment}-")
    ])
    error_message = "Every alarm must be named gangway-<env>-* and notify the alarm topic."
  }

  assert {
    condition = (
      output.alarm_5xx_name == "gangway-${var.environment}-5xx" &&
      toset(flatten([for q in aws_cloudwatch_metric_alarm.http_5xx.metric_query : [for m in q.metric : m.metric_name]])) == toset(["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"]) &&
      alltrue(flatten([for q in aws_cloudwatch_metric_alarm.http_5xx.metric_query : [for m in q.metric : m.dimensions == tomap({ LoadBalancer = "app/gangway-env/0123456789abcdef" })]]))
    )
    error_message = "The 5xx alarm must sum the load balancer's and the hosts' 5xx answers of this load balancer, and be the output alarm_5xx_name."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.unhealthy_hosts.metric_name == "UnHealthyHostCount" && aws_cloudwatch_metric_alarm.unhealthy_hosts.threshold == 0 &&
      aws_cloudwatch_metric_alarm.unhealthy_hosts.comparison_operator == "GreaterThanThreshold" && aws_cloudwatch_metric_alarm.unhealthy_hosts.evaluation_periods >= 2 &&
      aws_cloudwatch_metric_alarm.db_cpu.metric_name == "CPUUtilization" && aws_cloudwatch_metric_alarm.db_cpu.threshold == 80 &&
      aws_cloudwatch_metric_alarm.db_free_storage.metric_name == "FreeStorageSpace" && aws_cloudwatch_metric_alarm.db_free_storage.threshold == 2147483648 &&
      aws_cloudwatch_metric_alarm.db_free_storage.comparison_operator == "LessThanThreshold" &&
      aws_cloudwatch_metric_alarm.db_cpu.dimensions == tomap({ DBInstanceIdentifier = "gangway-${var.environment}" })
    )
    error_message = "Alarms: an unhealthy host (> 0 for several minutes), database CPU above 80 %, less than 2 GiB of database storage."
  }

  # --- IAM --------------------------------------------------------------------

  assert {
    condition = (
      [for s in jsondecode(data.aws_iam_policy_document.host_assume.json).Statement : s.Sid] == ["Ec2AssumeRole", "HostAssumesItself"] &&
      jsondecode(data.aws_iam_policy_document.host_assume.json).Statement[0].Principal == { Service = "ec2.amazonaws.com" } &&
      jsondecode(data.aws_iam_policy_document.host_assume.json).Statement[1].Condition == {
        ArnEquals = { "aws:PrincipalArn" = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/gangway-${var.environment}-host" }
      }
    )
    error_message = "Only EC2, and the host role itself (explicitly), may assume the host role."
  }

  assert {
    condition     = aws_iam_role.app.permissions_boundary == "arn:aws:iam::${data.aws_caller_identity.current.account_id}:policy/gangway-${var.environment}-host-boundary"
    error_message = "The host role must carry the bootstrap's permissions boundary gangway-<env>-host-boundary."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.ssm_core.policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    error_message = "The host role must have the SSM agent's managed policy (and only that one)."
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.app.statement : s.sid] == [
      "EcrLogin", "EcrPullOwnRepository", "S3ListOwnBucket", "S3ReadOwnObjects", "ReadOwnDbSecret",
      "ReadOwnReleaseParameters", "WriteOwnLogGroup", "AssumeOwnRole",
    ]
    error_message = "The host policy must have exactly the eight expected statements."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.app.statement :
      alltrue([for a in s.actions : !strcontains(a, "*")]) && s.effect != "Deny"
    ])
    error_message = "The host policy must name its actions; no wildcards."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.app.statement[0].actions == toset(["ecr:GetAuthorizationToken"]) &&
      data.aws_iam_policy_document.app.statement[1].resources == toset(["arn:aws:ecr:${var.region}:${data.aws_caller_identity.current.account_id}:repository/gangway-${var.environment}"]) &&
      data.aws_iam_policy_document.app.statement[1].actions == toset(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]) &&
      data.aws_iam_policy_document.app.statement[2].resources == toset(["arn:aws:s3:::gangway-${var.environment}-app-${data.aws_caller_identity.current.account_id}"]) &&
      data.aws_iam_policy_document.app.statement[3].resources == toset(["arn:aws:s3:::gangway-${var.environment}-app-${data.aws_caller_identity.current.account_id}/*"]) &&
      data.aws_iam_policy_document.app.statement[3].actions == toset(["s3:GetObject"]) &&
      data.aws_iam_policy_document.app.statement[4].actions == toset(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]) &&
      data.aws_iam_policy_document.app.statement[4].resources == toset(["arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-example"])
    )
    error_message = "The host may pull only from its own ECR repository, read only its own bucket and only its DB secret."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.app.statement[5].actions == toset(["ssm:GetParameter"]) &&
      data.aws_iam_policy_document.app.statement[5].resources == toset([
        "arn:aws:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter/gangway/${var.environment}/image",
        "arn:aws:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter/gangway/${var.environment}/rollout-script",
      ]) &&
      data.aws_iam_policy_document.app.statement[6].actions == toset(["logs:CreateLogStream", "logs:PutLogEvents"]) &&
      data.aws_iam_policy_document.app.statement[6].resources == toset(["arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:/gangway/${var.environment}/app:*"]) &&
      data.aws_iam_policy_document.app.statement[7].actions == toset(["sts:AssumeRole"]) &&
      data.aws_iam_policy_document.app.statement[7].resources == toset(["arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/gangway-${var.environment}-host"])
    )
    error_message = "The host may read only its two release parameters, write only its log group, and assume only its own role."
  }

  # The app container's session: a subset of the role's own reads.
  assert {
    condition = (
      [for s in jsondecode(local.app_session_policy).Statement : [s.Sid, s.Effect, s.Action, s.Resource]] == [
        ["S3ListOwnBucket", "Allow", "s3:ListBucket", "arn:aws:s3:::gangway-${var.environment}-app-${data.aws_caller_identity.current.account_id}"],
        ["S3ReadOwnObjects", "Allow", "s3:GetObject", "arn:aws:s3:::gangway-${var.environment}-app-${data.aws_caller_identity.current.account_id}/*"],
        ["ReadOwnDbSecret", "Allow", ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-example"],
      ]
    )
    error_message = "The app's session policy must allow listing and reading its bucket and reading its DB secret, nothing else."
  }

  # --- outputs ------------------------------------------------------------------

  assert {
    condition = (
      output.environment == var.environment && output.region == var.region && output.bucket_name == module.app_bucket.bucket &&
      output.asg_name == "gangway-${var.environment}" && output.log_group_name == "/gangway/${var.environment}/app" &&
      output.target_group_arn == aws_lb_target_group.app.arn
    )
    error_message = "Outputs environment, region, bucket_name, asg_name, log_group_name and target_group_arn must describe this environment."
  }
}

# What a booting host does: the rendered user data (database address and
# secret ARN from the overrides above).
run "host_user_data" {
  command = plan

  assert {
    condition = alltrue([
      for line in [
        "APP_ENV=${var.environment}",
        "AWS_REGION=${var.region}",
        "S3_BUCKET=gangway-${var.environment}-app-",
        "DB_HOST=gangway-db.example.internal",
        "DB_PORT=5432",
        "DB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-example",
        "DB_NAME=gangway",
        "DB_USER=gangway",
        "APP_PORT=${var.app_port}",
        "install -d -m 0755 -o root -g root /etc/gangway",
        "chmod 0600 /etc/gangway/app.env.tmp",
        "dnf install -y docker nginx",
        "systemctl enable --now docker",
        "systemctl enable --now nginx",
        "systemctl enable --now amazon-ssm-agent",
      ] : strcontains(base64decode(aws_launch_template.app.user_data), line)
    ])
    error_message = "User data must install and start docker, nginx and the SSM agent and write /etc/gangway/app.env (0600) with the contract's keys."
  }

  assert {
    condition = sort(flatten(regexall("(?m)^([A-Z0-9_]+)=", base64decode(aws_launch_template.app.user_data)))) == tolist([
      "APP_ENV", "APP_PORT", "AWS_REGION", "DB_HOST", "DB_NAME", "DB_PORT", "DB_SECRET_ARN", "DB_USER", "S3_BUCKET",
    ])
    error_message = "app.env must hold exactly the contract's keys and nothing secret (no password line)."
  }

  # Container logs: docker's awslogs driver into the environment's group,
  # one stream per instance and container, never blocking the app.
  assert {
    condition = alltrue([
      for line in [
        "\"log-driver\": \"awslogs\"",
        "\"awslogs-region\": \"${var.region}\"",
        "\"awslogs-group\": \"/gangway/${var.environment}/app\"",
        "\"tag\": \"$instance_id/{{.Name}}/{{.ID}}\"",
        "\"mode\": \"non-blocking\"",
      ] : strcontains(base64decode(aws_launch_template.app.user_data), line)
    ])
    error_message = "/etc/docker/daemon.json must send container logs to /gangway/<env>/app with awslogs, one stream per instance and container."
  }

  # The recorded release, at every boot; a failure never holds cloud-init.
  assert {
    condition = alltrue([
      for line in [
        "aws ssm get-parameter --name \"$1\"",
        "param \"/gangway/${var.environment}/image\"",
        "param \"/gangway/${var.environment}/rollout-script\"",
        "if [ \"$image\" = none ]; then",
        "base64 -d | gunzip >\"$script.tmp\"",
        "script=/usr/local/lib/gangway/rollout.sh",
        "bash \"$script\" </dev/null",
        "After=docker.service nginx.service network-online.target gangway-app-credentials.service",
        "WantedBy=multi-user.target",
        "systemctl enable gangway-app-credentials.service gangway-app-credentials.timer gangway-boot.service",
        "systemctl start --no-block gangway-app-credentials.timer gangway-boot.service",
      ] : strcontains(base64decode(aws_launch_template.app.user_data), line)
    ])
    error_message = "User data must install gangway-boot.service, which reads /gangway/<env>/image and the rollout script at every boot and runs the script with bash, without cloud-init waiting for it."
  }

  # The app container's credentials: the host's own role with the session
  # policy, refreshed every 15 minutes, readable by the container's user.
  assert {
    condition = alltrue([
      for line in [
        "aws sts assume-role --role-arn \"arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/gangway-${var.environment}-host\"",
        "--policy file:///etc/gangway/app-session-policy.json",
        "--query Credentials --output json",
        "install -d -m 0750 -o root -g 65532 \"$dir\"",
        "chown root:65532 \"$tmp\"",
        "chmod 0640 \"$tmp\"",
        "mv -f \"$tmp\" \"$dir/app-credentials.json\"",
        "dir=/run/gangway",
        "OnUnitActiveSec=15min",
        local.app_session_policy,
      ] : strcontains(base64decode(aws_launch_template.app.user_data), line)
    ])
    error_message = "User data must write the app's credentials (its own role assumed with the session policy) to /run/gangway/app-credentials.json, 0640 root:65532, refreshed every 15 minutes."
  }
}

# With a domain: HTTPS with an ACM certificate validated in the zone, HTTP
# redirected, an alias record, and app_url on the domain.
run "https" {
  command = plan

  variables {
    domain_name      = "app.example.com"
    route53_zone_id  = "Z0123456789ABCDEFGHIJ"
    allow_plain_http = null
  }

  override_resource {
    target          = aws_acm_certificate.app[0]
    override_during = plan
    values = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/example"
      domain_validation_options = [{
        domain_name           = "app.example.com"
        resource_record_name  = "_abc.app.example.com."
        resource_record_type  = "CNAME"
        resource_record_value = "_def.acm-validations.aws."
      }]
    }
  }

  assert {
    condition     = aws_acm_certificate.app[0].domain_name == "app.example.com" && aws_acm_certificate.app[0].validation_method == "DNS"
    error_message = "The certificate must be for the domain, validated by DNS."
  }

  assert {
    condition = (
      length(aws_route53_record.cert_validation) == 1 &&
      aws_route53_record.cert_validation["app.example.com"].zone_id == "Z0123456789ABCDEFGHIJ" &&
      aws_route53_record.cert_validation["app.example.com"].name == "_abc.app.example.com" &&
      aws_route53_record.cert_validation["app.example.com"].type == "CNAME" &&
      aws_route53_record.cert_validation["app.example.com"].records == toset(["_def.acm-validations.aws."]) &&
      aws_acm_certificate_validation.app[0].certificate_arn == "arn:aws:acm:us-east-1:123456789012:certificate/example"
    )
    error_message = "ACM's validation record must go into the configured zone, and the certificate must be validated before use."
  }

  assert {
    condition = (
      aws_lb_listener.https[0].port == 443 && aws_lb_listener.https[0].protocol == "HTTPS" &&
      aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" &&
      aws_lb_listener.https[0].certificate_arn == "arn:aws:acm:us-east-1:123456789012:certificate/example" &&
      one(aws_lb_listener.https[0].default_action).type == "forward" &&
      one(aws_lb_listener.https[0].default_action).target_group_arn == aws_lb_target_group.app.arn
    )
    error_message = "HTTPS on 443 must use the validated certificate and the TLS 1.3/1.2 policy, forwarding to the hosts."
  }

  assert {
    condition = (
      one(aws_lb_listener.http.default_action).type == "redirect" &&
      one(one(aws_lb_listener.http.default_action).redirect).protocol == "HTTPS" &&
      one(one(aws_lb_listener.http.default_action).redirect).port == "443" &&
      one(one(aws_lb_listener.http.default_action).redirect).status_code == "HTTP_301"
    )
    error_message = "With a domain, HTTP must redirect to HTTPS (301)."
  }

  assert {
    condition = (
      aws_route53_record.app[0].zone_id == "Z0123456789ABCDEFGHIJ" && aws_route53_record.app[0].name == "app.example.com" && aws_route53_record.app[0].type == "A" &&
      one(aws_route53_record.app[0].alias).name == "gangway-env-123.us-east-1.elb.amazonaws.com" &&
      output.app_url == "https://app.example.com"
    )
    error_message = "The domain must be an alias of the load balancer, and app_url https://<domain>."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb) == 2 * length(var.allowed_cidrs)
    error_message = "With a domain the load balancer accepts 80 and 443."
  }
}

# The alarm topic mails an address only when one is given.
run "alarm_email" {
  command = plan

  variables {
    alarm_email = "ops@example.com"
  }

  assert {
    condition     = aws_sns_topic_subscription.alarm_email[0].protocol == "email" && aws_sns_topic_subscription.alarm_email[0].endpoint == "ops@example.com" && aws_sns_topic_subscription.alarm_email[0].topic_arn == "arn:aws:sns:us-east-1:123456789012:gangway-env-alarms"
    error_message = "alarm_email must be subscribed to the alarm topic."
  }
}

# Plan-time assertions for the security baseline (DESIGN.md). Run once per
# environment with that environment's own tfvars, against moto_server (the
# data sources read the account, zones and AMI parameter from it):
#
#   terraform test -filter=tests/baseline.tftest.hcl -var-file=env/test.tfvars
#   terraform test -filter=tests/baseline.tftest.hcl -var-file=env/prod.tfvars
#
# Values that only exist after apply (ids, the DB secret ARN) are checked by
# the suite's real apply instead (.ci/suites/30-terraform.sh).

run "baseline" {
  command = plan

  # --- EC2 host -----------------------------------------------------------

  assert {
    condition     = aws_instance.app.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 must be required on the host (metadata_options.http_tokens = \"required\")."
  }

  assert {
    condition     = aws_instance.app.metadata_options[0].http_endpoint == "enabled" && aws_instance.app.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "The metadata endpoint must be on with hop limit 1 (containers use host networking)."
  }

  assert {
    condition     = aws_instance.app.root_block_device[0].encrypted
    error_message = "The host's root volume must be encrypted."
  }

  assert {
    condition     = aws_instance.app.iam_instance_profile == "gangway-${var.environment}-host"
    error_message = "The host must run with its own instance profile gangway-<env>-host."
  }

  assert {
    condition     = aws_instance.app.tags == tomap({ Name = "gangway-${var.environment}", Environment = var.environment, App = "gangway" })
    error_message = "The host must be tagged Name=gangway-<env>, Environment=<env>, App=gangway (SSM targeting uses them)."
  }

  # --- security groups ------------------------------------------------------

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.app_port) == length(var.allowed_cidrs)
    error_message = "The app security group must have exactly one ingress rule per allowed CIDR."
  }

  assert {
    condition = alltrue([
      for r in aws_vpc_security_group_ingress_rule.app_port :
      r.ip_protocol == "tcp" && r.from_port == var.app_port && r.to_port == var.app_port && contains(var.allowed_cidrs, r.cidr_ipv4)
    ])
    error_message = "App ingress must be TCP app_port only, from allowed_cidrs only."
  }

  assert {
    condition = alltrue([
      for r in aws_vpc_security_group_ingress_rule.app_port : !(r.from_port <= 22 && r.to_port >= 22)
    ])
    error_message = "No ingress rule may open port 22 (management is SSM only)."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.db_from_app.from_port == 5432 && aws_vpc_security_group_ingress_rule.db_from_app.to_port == 5432 && aws_vpc_security_group_ingress_rule.db_from_app.ip_protocol == "tcp" && aws_vpc_security_group_ingress_rule.db_from_app.cidr_ipv4 == null && aws_vpc_security_group_ingress_rule.db_from_app.cidr_ipv6 == null
    error_message = "The database must accept PostgreSQL (5432/tcp) from the app security group only, never from a CIDR."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.app_https.from_port == 443 && aws_vpc_security_group_egress_rule.app_https.to_port == 443 && aws_vpc_security_group_egress_rule.app_db.from_port == 5432 && aws_vpc_security_group_egress_rule.app_db.cidr_ipv4 == null
    error_message = "Host egress must be HTTPS plus PostgreSQL to the database security group."
  }

  assert {
    condition     = length(aws_default_security_group.main.ingress) == 0 && length(aws_default_security_group.main.egress) == 0
    error_message = "The VPC's default security group must have no rules."
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

  # --- network ----------------------------------------------------------------

  assert {
    condition     = alltrue([for s in aws_subnet.private : s.map_public_ip_on_launch == false]) && length(distinct([for s in aws_subnet.private : s.availability_zone])) == 2
    error_message = "The database subnets must be private and in two zones."
  }

  assert {
    condition     = length(aws_route_table.private.route) == 0
    error_message = "The private route table must have no route out of the VPC."
  }

  # --- S3 ---------------------------------------------------------------------

  assert {
    condition = (
      aws_s3_bucket_public_access_block.app.block_public_acls &&
      aws_s3_bucket_public_access_block.app.block_public_policy &&
      aws_s3_bucket_public_access_block.app.ignore_public_acls &&
      aws_s3_bucket_public_access_block.app.restrict_public_buckets
    )
    error_message = "All four S3 public access block settings must be on."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.app.rule).apply_server_side_encryption_by_default).sse_algorithm != ""
    error_message = "The bucket must have default encryption."
  }

  assert {
    condition     = aws_s3_bucket_versioning.app.versioning_configuration[0].status == "Enabled"
    error_message = "Bucket versioning must be enabled."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(data.aws_iam_policy_document.app_bucket.json).Statement :
      s.Effect == "Deny" && s.Principal == "*" && s.Action == "s3:*" && s.Condition == { Bool = { "aws:SecureTransport" = "false" } }
      && length(s.Resource) == 2
    ])
    error_message = "The bucket policy must deny every request made without TLS."
  }

  assert {
    condition     = aws_s3_bucket_policy.app.bucket == "gangway-${var.environment}-app-${data.aws_caller_identity.current.account_id}"
    error_message = "The TLS-only policy must be attached to the app bucket."
  }

  assert {
    condition     = aws_s3_bucket.app.force_destroy == (var.environment != "prod")
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

  # --- IAM --------------------------------------------------------------------

  assert {
    condition     = jsondecode(data.aws_iam_policy_document.ec2_assume.json).Statement[0].Principal == { Service = "ec2.amazonaws.com" }
    error_message = "Only EC2 may assume the host role."
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
    ]
    error_message = "The host policy must have exactly the five expected statements."
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
      length(data.aws_iam_policy_document.app.statement[4].resources) == 1
    )
    error_message = "The host may pull only from its own ECR repository, read only its own bucket and only its DB secret."
  }

  # --- outputs ------------------------------------------------------------------

  assert {
    condition     = output.environment == var.environment && output.region == var.region && output.bucket_name == aws_s3_bucket.app.bucket
    error_message = "Outputs environment, region and bucket_name must describe this environment."
  }
}

# The host's user data embeds the database address and secret ARN, which
# exist only after apply. Give the database plan-time stand-ins for those two
# computed values (nothing else about it changes) to check the rendered
# script.
run "host_user_data" {
  command = plan

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
      ] : strcontains(base64decode(aws_instance.app.user_data_base64), line)
    ])
    error_message = "User data must install and start docker, nginx and the SSM agent and write /etc/gangway/app.env (0600) with the contract's keys."
  }



  assert {
    condition = sort(flatten(regexall("(?m)^([A-Z0-9_]+)=", base64decode(aws_instance.app.user_data_base64)))) == tolist([
      "APP_ENV", "APP_PORT", "AWS_REGION", "DB_HOST", "DB_NAME", "DB_PORT", "DB_SECRET_ARN", "DB_USER", "S3_BUCKET",
    ])
    error_message = "app.env must hold exactly the contract's keys and nothing secret (no password line)."
  }

  assert {
    condition     = data.aws_iam_policy_document.app.statement[4].resources == toset(["arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-example"])
    error_message = "The host may read only its own DB secret."
  }
}

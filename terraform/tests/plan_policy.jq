# Security baseline over a whole plan (`terraform show -json PLAN`), for
# what `terraform test` cannot see: resources that nobody named yet (an extra
# security group rule, a key pair, an Elastic IP or NAT gateway, another
# listener or launch template). Prints one line per violation; the suite
# fails when anything is printed. Usage: jq -r -f plan_policy.jq plan.json
def after: .change.after // {};
def covers22: ((.from_port // 0) <= 22 and (.to_port // 65535) >= 22);
def allproto: ((.protocol // .ip_protocol // "") | tostring) as $p | ($p == "-1" or $p == "all");

[.resource_changes[] | select(.change.actions != ["delete"]) | select(.mode == "managed")] as $rc
| (.variables.environment.value) as $env
| (
    ($rc[] | select(.type == "aws_key_pair") | "\(.address): key pairs are not allowed (SSM only)"),
    ($rc[] | select(.type == "aws_instance") | after as $a |
      (if ($a.key_name // "") != "" then "\(.address): key_name must not be set" else empty end),
      (if ($a.metadata_options[0].http_tokens // "") != "required" then "\(.address): IMDSv2 must be required" else empty end),
      (if ($a.associate_public_ip_address // false) then "\(.address): a host must have no public IP address" else empty end)),
    ($rc[] | select(.type == "aws_launch_template") | after as $a |
      (if ($a.key_name // "") != "" then "\(.address): key_name must not be set" else empty end),
      (if ($a.metadata_options[0].http_tokens // "") != "required" then "\(.address): IMDSv2 must be required" else empty end),
      (if ($a.metadata_options[0].http_put_response_hop_limit // 1) > 1 then "\(.address): the metadata hop limit must be 1" else empty end),
      (if [($a.network_interfaces // [])[] | select(.associate_public_ip_address == "true")] | length > 0 then "\(.address): a host must have no public IP address" else empty end)),
    ($rc[] | select(.type == "aws_eip" or .type == "aws_eip_association" or .type == "aws_nat_gateway") |
      "\(.address): the hosts have no public address and no route to the internet (VPC endpoints)"),
    ($rc[] | select(.type == "aws_lb_listener") | after as $a |
      select(($a.protocol // "") == "HTTPS" and (($a.ssl_policy // "") | test("^ELBSecurityPolicy-TLS13-") | not)) |
      "\(.address): HTTPS must use a TLS 1.3/1.2 policy (ELBSecurityPolicy-TLS13-*)"),
    ($rc[] | select(.type == "aws_lb") | after as $a |
      select(($a.drop_invalid_header_fields // false) != true) | "\(.address): the load balancer must drop invalid header fields"),
    ($rc[] | select(.type == "aws_cloudwatch_log_group") | select(.change.after.kms_key_id == null and (.change.after_unknown.kms_key_id // false) != true) |
      "\(.address): log groups must be encrypted with a KMS key"),
    ($rc[] | select(.type == "aws_security_group") | .address as $addr | (after.ingress // [])[] |
      select(covers22 or allproto) | "\($addr): inline ingress opens port 22 or all traffic"),
    ($rc[] | select(.type == "aws_security_group_rule") | select(after.type == "ingress") | .address as $addr | after |
      select(covers22 or allproto) | "\($addr): ingress opens port 22 or all traffic"),
    ($rc[] | select(.type == "aws_vpc_security_group_ingress_rule") | .address as $addr | after |
      select(covers22 or allproto) | "\($addr): ingress opens port 22 or all traffic"),
    ($rc[] | select(.type == "aws_db_instance") | after as $a |
      (if $a.publicly_accessible != false then "\(.address): RDS must not be publicly accessible" else empty end),
      (if $a.storage_encrypted != true then "\(.address): RDS storage must be encrypted" else empty end),
      (if $a.manage_master_user_password != true then "\(.address): the master password must be managed by RDS" else empty end),
      (if ($a.backup_retention_period // 0) < 1 then "\(.address): RDS backups must be on" else empty end),
      (if $env == "prod" and ($a.deletion_protection != true or $a.skip_final_snapshot != false) then "\(.address): prod RDS needs deletion protection and a final snapshot" else empty end)),
    ($rc[] | select(.type == "aws_s3_bucket_public_access_block") | after as $a |
      select(([$a.block_public_acls, $a.block_public_policy, $a.ignore_public_acls, $a.restrict_public_buckets] | all) | not) |
      "\(.address): every S3 public access block setting must be on"),
    ($rc[] | select(.type == "aws_s3_bucket_acl") | select((after.acl // "") | test("public")) | "\(.address): public bucket ACL"),
    ($rc[] | select(.type == "aws_ecr_repository") | after as $a |
      select($a.image_tag_mutability != "IMMUTABLE" or ($a.image_scanning_configuration[0].scan_on_push // false) != true) |
      "\(.address): ECR needs immutable tags and scan on push"),
    ($rc[] | select(.type == "aws_iam_role_policy_attachment" or .type == "aws_iam_policy_attachment") |
      select((after.policy_arn // "") | test(":policy/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$")) |
      "\(.address): broad AWS-managed policy attached")
  )

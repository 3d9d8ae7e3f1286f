# terraform plan -var environment=test -var-file=env/test.tfvars
environment = "test"

# GitHub-hosted runners run the integration tests from addresses that change,
# so the test service is open to all; narrow this when your runners have
# fixed egress addresses.
allowed_cidrs = ["0.0.0.0/0"]

# No domain: plain HTTP on the load balancer's DNS name (allow_plain_http
# defaults to true in test). For HTTPS set both:
# domain_name     = "test.app.example.com"
# route53_zone_id = "Z0123456789ABCDEFGHIJ"

instance_type          = "t3.micro"
fleet_min_size         = 1
fleet_max_size         = 2
fleet_desired_capacity = 1
endpoint_zone_count    = 1

db_instance_class        = "db.t4g.micro"
db_allocated_storage     = 20
db_backup_retention_days = 1
multi_az                 = false
vpc_cidr                 = "10.20.0.0/16"
ecr_keep_images          = 30

log_retention_days = 14
# alarm_email = "ops@example.com"

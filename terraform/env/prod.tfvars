# terraform plan -var environment=prod -var-file=env/prod.tfvars
environment = "prod"

# The public service. Put your users' ranges (or a CDN's) here to narrow it.
allowed_cidrs = ["0.0.0.0/0"]

# HTTPS: set the service's name and the Route 53 hosted zone that holds it,
# then remove allow_plain_http below.
# domain_name     = "app.example.com"
# route53_zone_id = "Z0123456789ABCDEFGHIJ"
#
# Until then prod serves plain HTTP on the load balancer's DNS name, which
# it refuses to plan without this line: a deliberate, visible choice.
allow_plain_http = true

instance_type          = "t3.small"
fleet_min_size         = 2
fleet_max_size         = 4
fleet_desired_capacity = 2
endpoint_zone_count    = 2

db_instance_class        = "db.t4g.small"
db_allocated_storage     = 20
db_backup_retention_days = 7
multi_az                 = false
vpc_cidr                 = "10.30.0.0/16"
ecr_keep_images          = 50

log_retention_days = 90
# alarm_email = "ops@example.com"

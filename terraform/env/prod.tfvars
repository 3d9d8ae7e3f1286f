# terraform plan -var environment=prod -var-file=env/prod.tfvars
environment = "prod"

# The public service. Put your users' ranges (or a CDN's) here to narrow it.
allowed_cidrs = ["0.0.0.0/0"]

instance_type            = "t3.small"
db_instance_class        = "db.t4g.small"
db_allocated_storage     = 20
db_backup_retention_days = 7
multi_az                 = false
vpc_cidr                 = "10.30.0.0/16"
ecr_keep_images          = 50

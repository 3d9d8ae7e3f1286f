# terraform plan -var environment=test -var-file=env/test.tfvars
environment = "test"

# GitHub-hosted runners run the integration tests from addresses that change,
# so the test service is open to all; narrow this when your runners have
# fixed egress addresses.
allowed_cidrs = ["0.0.0.0/0"]

instance_type            = "t3.micro"
db_instance_class        = "db.t4g.micro"
db_allocated_storage     = 20
db_backup_retention_days = 1
multi_az                 = false
vpc_cidr                 = "10.20.0.0/16"
ecr_keep_images          = 30

# PostgreSQL 16 in the private subnets. The master password is created and
# rotated by RDS in Secrets Manager (manage_master_user_password): it never
# appears in Terraform state, variables or outputs.

resource "aws_db_subnet_group" "main" {
  name        = local.name
  description = "gangway ${var.environment} private subnets"
  subnet_ids  = aws_subnet.private[*].id
}

resource "aws_db_instance" "main" {
  identifier     = local.name
  engine         = "postgres"
  engine_version = "16"
  instance_class = var.db_instance_class

  allocated_storage = var.db_allocated_storage
  storage_type      = "gp3"
  storage_encrypted = true

  db_name                     = local.db_name
  username                    = local.db_user
  manage_master_user_password = true
  port                        = local.db_port

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  multi_az               = var.multi_az

  backup_retention_period    = var.db_backup_retention_days
  backup_window              = "03:00-04:00"
  maintenance_window         = "sun:04:30-sun:05:30"
  auto_minor_version_upgrade = true
  copy_tags_to_snapshot      = true

  # Prod keeps its data: it cannot be deleted while protection is on, and a
  # deliberate destroy still leaves a final snapshot. Test is disposable.
  deletion_protection       = local.is_prod
  skip_final_snapshot       = !local.is_prod
  final_snapshot_identifier = local.is_prod ? "${local.name}-final" : null
  # Test applies changes at once; prod waits for the maintenance window.
  apply_immediately = !local.is_prod

  tags = { Name = local.name }
}

# The fleet: an Auto Scaling group of hosts from the launch template
# (host.tf) in both private subnets, registered with the load balancer's
# target group and replaced when the load balancer finds them unhealthy;
# and the two parameters through which a booting host serves the current
# release.

resource "aws_autoscaling_group" "app" {
  name                = local.name
  min_size            = var.fleet_min_size
  max_size            = var.fleet_max_size
  desired_capacity    = var.fleet_desired_capacity
  vpc_zone_identifier = aws_subnet.private[*].id
  target_group_arns   = [aws_lb_target_group.app.arn]

  # The load balancer's /health decides whether a host is healthy. The
  # grace period covers a first boot: package installs, the image pull
  # and the rollout's own health wait.
  health_check_type         = "ELB"
  health_check_grace_period = var.health_check_grace_period

  launch_template {
    id      = aws_launch_template.app.id
    version = aws_launch_template.app.latest_version
  }

  # Releases never go through here: the pipeline rolls images out itself,
  # host by host (SSM), and records the digest a booting host serves. A new
  # launch template version (user data, instance type, a deliberately
  # replaced AMI) rolls the fleet: a host boots on the new version before an
  # old one leaves (up to 200 % of the desired capacity), so capacity never
  # drops, and each new host serves the recorded digest.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 100
      max_healthy_percentage = 200
      instance_warmup        = var.health_check_grace_period
      skip_matching          = true
    }
  }

  # The rollout finds the hosts by this group and SSM targets them by
  # Environment and App; every instance carries the tags from launch.
  dynamic "tag" {
    for_each = merge(local.tags, { Name = local.name })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    precondition {
      condition     = length(distinct([for s in aws_subnet.private : s.availability_zone])) == 2
      error_message = "The hosts must be spread over two availability zones."
    }
  }
}

# --- the release a booting host serves ---------------------------------------

# The pipeline owns the values: it records the digest it rolled out, and
# the rendered rollout script (base64 of its gzip). Terraform only creates
# them; "none" means nothing was released yet.
resource "aws_ssm_parameter" "image" {
  name        = "/gangway/${var.environment}/image"
  description = "Digest (REPO@sha256:...) the ${var.environment} hosts serve; written by the pipeline at every rollout, read by a booting host. none: nothing released yet."
  type        = "String"
  tier        = "Standard"
  value       = "none"

  lifecycle {
    ignore_changes = [value]
  }
}

resource "aws_ssm_parameter" "rollout_script" {
  name        = "/gangway/${var.environment}/rollout-script"
  description = "base64 of the gzip of the rendered host rollout script of the recorded digest; written by the pipeline, run by a booting host."
  type        = "String"
  # The script is about 11 KB, about 5 KB gzipped and base64-encoded: more
  # than the standard tier's 4 KB.
  tier  = "Advanced"
  value = "none"

  lifecycle {
    ignore_changes = [value]
  }
}

# The Application Load Balancer in the public subnets, its target group
# (nginx on the hosts' app_port) and listeners. With domain_name: an ACM
# certificate validated through Route 53, HTTPS with a TLS 1.2/1.3 policy,
# HTTP redirected to HTTPS, and an alias record. Without: plain HTTP on the
# load balancer's DNS name, only where allow_plain_http is true.

resource "aws_lb" "app" {
  name               = local.name
  internal           = false
  load_balancer_type = "application"
  subnets            = aws_subnet.public[*].id
  security_groups    = [aws_security_group.alb.id]

  # Requests with header fields that are not valid HTTP are dropped rather
  # than passed on to nginx.
  drop_invalid_header_fields = true
  # Prod's load balancer is not deleted by accident (README.md, Destroying).
  enable_deletion_protection = local.is_prod
  idle_timeout               = 60

  tags = { Name = local.name }
}

resource "aws_lb_target_group" "app" {
  name        = local.name
  port        = var.app_port
  protocol    = "HTTP"
  target_type = "instance"
  vpc_id      = aws_vpc.main.id

  # The rollout drains a host's old version for 5 s after nginx switches to
  # the new one, and the app's requests end well within a second. 15 s
  # covers the same drain, with room for nginx's graceful worker exit, when
  # a host leaves the group (scale-in, replacement, instance refresh),
  # instead of the default 300 s that would hold every leaving host for
  # five minutes.
  deregistration_delay = 15

  # A host that stops answering /health leaves within 30 s (3 failures 10 s
  # apart) and is back after 2 successes (20 s).
  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "traffic-port"
    path                = "/health"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = { Name = local.name }
}

# Port 80: the redirect to HTTPS with a domain, plain HTTP to the hosts
# without one (allow_plain_http, checked in variables.tf).
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.app.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.app.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []

      content {
        protocol    = "HTTPS"
        port        = "443"
        status_code = "HTTP_301"
      }
    }
  }

  tags = { Name = "${local.name}-http" }

  lifecycle {
    # The same rule as var.allow_plain_http's validation, where the listener
    # would serve it.
    precondition {
      condition     = local.https || local.plain_http
      error_message = "Port 80 would serve plain HTTP without a domain, which allow_plain_http does not allow."
    }
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.app.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = local.tls_policy
  # The validated certificate: the listener waits for the DNS validation.
  certificate_arn = aws_acm_certificate_validation.app[0].certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }

  tags = { Name = "${local.name}-https" }
}

# --- TLS certificate and DNS ----------------------------------------------------

resource "aws_acm_certificate" "app" {
  count = local.https ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  tags = { Name = var.domain_name }

  lifecycle {
    # A new certificate (another domain) is issued and attached before the
    # old one goes.
    create_before_destroy = true
  }
}

# The CNAME ACM asks for, in the configured zone. Keyed by the domain name
# (known at plan time) rather than by the certificate's validation options
# (known only once it exists).
resource "aws_route53_record" "cert_validation" {
  for_each = local.https ? toset([var.domain_name]) : toset([])

  zone_id         = var.route53_zone_id
  name            = one([for o in aws_acm_certificate.app[0].domain_validation_options : o.resource_record_name if o.domain_name == each.key])
  type            = one([for o in aws_acm_certificate.app[0].domain_validation_options : o.resource_record_type if o.domain_name == each.key])
  records         = [one([for o in aws_acm_certificate.app[0].domain_validation_options : o.resource_record_value if o.domain_name == each.key])]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "app" {
  count = local.https ? 1 : 0

  certificate_arn         = aws_acm_certificate.app[0].arn
  validation_record_fqdns = [for r in aws_route53_record.cert_validation : r.fqdn]
}

# The service's name: an alias of the load balancer (no charge for alias
# queries).
resource "aws_route53_record" "app" {
  count = local.https ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.app.dns_name
    zone_id                = aws_lb.app.zone_id
    evaluate_target_health = true
  }
}

# The serving layer of terraform/ (managed policies gangway-<env>-deploy-serving
# and gangway-<env>-deploy-monitoring): the load balancer, its target group
# and listeners, the Auto Scaling group, the certificate and its DNS
# records; the alarms, the alarm topic and the KMS keys of the log group and
# the topic. Same rules as for EC2: created
# in the region only tagged with the role's environment, changed only when
# tagged with it (and, where the service puts the name in the ARN, named
# gangway-<env>).

locals {
  elb         = "arn:${local.partition}:elasticloadbalancing:${var.region}:${local.account_id}"
  autoscaling = "arn:${local.partition}:autoscaling:${var.region}:${local.account_id}"
  cloudwatch  = "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}"
  sns         = "arn:${local.partition}:sns:${var.region}:${local.account_id}"
  acm         = "arn:${local.partition}:acm:${var.region}:${local.account_id}"

  # The serving resources of each environment, by the names terraform/
  # gives them (the load balancer, target group and group are gangway-<env>;
  # alarms and the topic gangway-<env>-*).
  serving = { for env in ["test", "prod"] : env => {
    load_balancer = "${local.elb}:loadbalancer/app/gangway-${env}/*"
    listener      = "${local.elb}:listener/app/gangway-${env}/*"
    listener_rule = "${local.elb}:listener-rule/app/gangway-${env}/*"
    target_group  = "${local.elb}:targetgroup/gangway-${env}/*"
    group         = "${local.autoscaling}:autoScalingGroup:*:autoScalingGroupName/gangway-${env}"
    alarms        = "${local.cloudwatch}:alarm:gangway-${env}-*"
    topics        = "${local.sns}:gangway-${env}-*"
  } }

  elb_own_resources = { for env in ["test", "prod"] : env => [
    local.serving[env].load_balancer, local.serving[env].listener, local.serving[env].listener_rule, local.serving[env].target_group,
  ] }
}

data "aws_iam_policy_document" "deploy_serving" {
  for_each = local.envs

  # --- Elastic Load Balancing ------------------------------------------------
  statement {
    sid       = "ElbCreate"
    actions   = ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"]
    resources = [local.serving[each.key].load_balancer, local.serving[each.key].target_group]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid       = "ElbTagOnCreate"
    actions   = ["elasticloadbalancing:AddTags"]
    resources = local.elb_own_resources[each.key]

    condition {
      test     = "StringEquals"
      variable = "elasticloadbalancing:CreateAction"
      values   = ["CreateListener", "CreateLoadBalancer", "CreateRule", "CreateTargetGroup"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "ElbOwnResources"
    # CreateListener and CreateRule are checked on the load balancer and
    # listener they are added to.
    actions = [
      "elasticloadbalancing:AddListenerCertificates",
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:DeleteRule",
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:DeregisterTargets",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyListenerAttributes",
      "elasticloadbalancing:ModifyLoadBalancerAttributes",
      "elasticloadbalancing:ModifyRule",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:RegisterTargets",
      "elasticloadbalancing:RemoveListenerCertificates",
      "elasticloadbalancing:RemoveTags",
      "elasticloadbalancing:SetIpAddressType",
      "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetSubnets",
    ]
    resources = local.elb_own_resources[each.key]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  # --- Auto Scaling (its launch template is EC2: deploy-ec2) ---------------------
  statement {
    sid       = "AutoScalingCreate"
    actions   = ["autoscaling:CreateAutoScalingGroup", "autoscaling:CreateOrUpdateTags"]
    resources = [local.serving[each.key].group]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "AutoScalingOwnGroup"
    actions = [
      "autoscaling:AttachLoadBalancerTargetGroups",
      "autoscaling:CancelInstanceRefresh",
      "autoscaling:CreateOrUpdateTags",
      "autoscaling:DeleteAutoScalingGroup",
      "autoscaling:DeleteTags",
      "autoscaling:DetachLoadBalancerTargetGroups",
      "autoscaling:ResumeProcesses",
      "autoscaling:RollbackInstanceRefresh",
      "autoscaling:SetDesiredCapacity",
      "autoscaling:SetInstanceHealth",
      "autoscaling:StartInstanceRefresh",
      "autoscaling:SuspendProcesses",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
      "autoscaling:UpdateAutoScalingGroup",
    ]
    resources = [local.serving[each.key].group]

    condition {
      test     = "StringEquals"
      variable = "autoscaling:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  # --- ACM: the certificate of the environment's domain ------------------------
  statement {
    sid       = "AcmRequest"
    actions   = ["acm:AddTagsToCertificate", "acm:RequestCertificate"]
    resources = ["${local.acm}:certificate/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "AcmOwnCertificates"
    actions = [
      "acm:AddTagsToCertificate",
      "acm:DeleteCertificate",
      "acm:DescribeCertificate",
      "acm:ListTagsForCertificate",
      "acm:RemoveTagsFromCertificate",
    ]
    resources = ["${local.acm}:certificate/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  # --- Route 53: only the environment's names in its configured zone ------------
  dynamic "statement" {
    for_each = contains(keys(var.service_domains), each.key) ? [var.service_domains[each.key]] : []

    content {
      sid = "Route53OwnRecords"
      # The alias of the domain and ACM's validation record (_<token>.<domain>),
      # A and CNAME only.
      actions   = ["route53:ChangeResourceRecordSets"]
      resources = ["arn:${local.partition}:route53:::hostedzone/${statement.value.route53_zone_id}"]

      condition {
        test     = "ForAllValues:StringLike"
        variable = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
        values   = [statement.value.domain_name, "_*.${statement.value.domain_name}"]
      }

      condition {
        test     = "ForAllValues:StringEquals"
        variable = "route53:ChangeResourceRecordSetsRecordTypes"
        values   = ["A", "CNAME"]
      }
    }
  }

  dynamic "statement" {
    for_each = contains(keys(var.service_domains), each.key) ? [var.service_domains[each.key]] : []

    content {
      sid       = "Route53ReadOwnZone"
      actions   = ["route53:GetChange", "route53:GetHostedZone", "route53:ListResourceRecordSets"]
      resources = ["arn:${local.partition}:route53:::hostedzone/${statement.value.route53_zone_id}", "arn:${local.partition}:route53:::change/*"]
    }
  }

  # Interface endpoints with private DNS associate the VPC with the
  # service's private hosted zone (a dependent action of
  # ec2:CreateVpcEndpoint). Route 53 cannot tell this environment's VPC
  # from another one here: region only (README, Limits).
  statement {
    sid       = "Route53EndpointPrivateDns"
    actions   = ["route53:AssociateVPCWithHostedZone"]
    resources = ["arn:${local.partition}:route53:::hostedzone/*"]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "route53:VPCs"
      values   = ["VPCId=vpc-*,VPCRegion=${var.region}"]
    }
  }
}

# The alarms, their topic and the KMS keys of the log group and the topic
# (managed policy gangway-<env>-deploy-monitoring).
data "aws_iam_policy_document" "deploy_monitoring" {
  for_each = local.envs

  # --- CloudWatch alarms and their topic -------------------------------------------
  statement {
    sid = "CloudWatchOwnAlarms"
    actions = [
      "cloudwatch:DeleteAlarms",
      "cloudwatch:ListTagsForResource",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ]
    resources = [local.serving[each.key].alarms]
  }

  statement {
    sid       = "SnsCreateTopic"
    actions   = ["sns:CreateTopic", "sns:TagResource"]
    resources = [local.serving[each.key].topics]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "SnsOwnTopics"
    # Subscriptions are named TOPIC:ID, inside the topic's ARN.
    actions = [
      "sns:DeleteTopic",
      "sns:GetSubscriptionAttributes",
      "sns:GetTopicAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
      "sns:SetSubscriptionAttributes",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:TagResource",
      "sns:Unsubscribe",
      "sns:UntagResource",
    ]
    resources = [local.serving[each.key].topics]
  }

  # --- KMS: the keys of the log group and the alarm topic -----------------------------
  # CreateKey has no key to name yet: it is allowed only with the
  # environment's tag; the key's own policy (terraform/) lets the account's
  # IAM decide its administration and grants the use to the services only.
  statement {
    sid       = "KmsCreateKey"
    actions   = ["kms:CreateKey"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/ManagedBy"
      values   = ["terraform"]
    }
  }

  statement {
    sid       = "KmsTagOnCreate"
    actions   = ["kms:TagResource"]
    resources = ["${local.kms}:key/*"]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Environment"
      values   = ["true"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "KmsOwnKeys"
    # ManagedBy=terraform: keys of terraform/, never the bootstrap's plans
    # and attestation keys (ManagedBy=terraform-bootstrap), whose own
    # policies deny the pipeline's roles as well.
    actions = [
      "kms:CreateAlias",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:EnableKeyRotation",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["${local.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/ManagedBy"
      values   = ["terraform"]
    }
  }

  statement {
    sid       = "KmsOwnAliases"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["${local.kms}:alias/gangway-${each.key}-logs", "${local.kms}:alias/gangway-${each.key}-alarms"]
  }
}

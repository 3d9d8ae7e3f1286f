"""moto_server, corrected where it answers differently from AWS in ways the
pipeline's Terraform depends on. Each difference made moto disagree with
the configuration on every plan, which AWS does not, so that every apply
changed resources and waited on an API that moto lacks:

1. DescribeSecurityGroupRules returns a rule's description only for CIDR
   rules; AWS returns it for rules that reference a security group or a
   prefix list too.
2. CreateLaunchTemplate copies the tags of the template itself (resource
   type launch-template) into the version's data; AWS keeps them apart
   (and refuses that resource type inside the data).
3. StartInstanceRefresh and DescribeInstanceRefreshes are missing, so a
   new launch template version made the provider retry for as long as the
   apply lasted. Here a refresh is recorded and reported Successful at
   once: moto's instances run nothing, so there is nothing to replace.
   That refreshes roll hosts is shown only on AWS.

Run as: python3 moto_server.py [moto_server's own arguments].
"""

import datetime
import inspect
import sys
import uuid

from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult
from moto.ec2.models import launch_templates, security_groups
from moto.server import main

# 1. Descriptions of rules that reference a group or a prefix list.
_rule_init = security_groups.SecurityGroupRule.__init__


def _rule_init_keeping_descriptions(self, *args, **kwargs):
    _rule_init(self, *args, **kwargs)
    bound = inspect.signature(_rule_init).bind(self, *args, **kwargs)
    prefix_list = bound.arguments.get("prefix_list_id")
    self._prefix_list_description = (
        prefix_list.get("Description") if isinstance(prefix_list, dict) else None
    )


def _rule_description(self):
    return (
        self.ip_range.get("Description")
        or (self.source_group or {}).get("Description")
        or getattr(self, "_prefix_list_description", None)
    )


security_groups.SecurityGroupRule.__init__ = _rule_init_keeping_descriptions
security_groups.SecurityGroupRule.description = property(_rule_description)

# 2. A version's data holds only the tags it gives what it launches.
_version_init = launch_templates.LaunchTemplateVersion.__init__


def _version_init_without_template_tags(self, template, number, data, description):
    specs = data.get("TagSpecifications")
    if specs:
        data = dict(data)
        data["TagSpecifications"] = [
            s for s in specs if s.get("ResourceType") != "launch-template"
        ]
    _version_init(self, template, number, data, description)


launch_templates.LaunchTemplateVersion.__init__ = _version_init_without_template_tags

# 3. Instance refreshes: recorded, and Successful at once.
_refreshes = {}  # (account, region, group) -> list of refreshes, newest first


def _group_refreshes(response):
    name = response._get_param("AutoScalingGroupName")
    if name not in response.autoscaling_backend.autoscaling_groups:
        raise ValidationError(f"AutoScalingGroup name not found - {name}")
    return _refreshes.setdefault(
        (response.current_account, response.region, name), []
    ), name


def start_instance_refresh(self):
    refreshes, name = _group_refreshes(self)
    now = datetime.datetime.now(datetime.timezone.utc)
    refresh = {
        "InstanceRefreshId": str(uuid.uuid4()),
        "AutoScalingGroupName": name,
        "Status": "Successful",
        "StatusReason": "moto: nothing to replace",
        "StartTime": now,
        "EndTime": now,
        "PercentageComplete": 100,
        "InstancesToUpdate": 0,
    }
    refreshes.insert(0, refresh)
    return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})


def describe_instance_refreshes(self):
    refreshes, _ = _group_refreshes(self)
    ids = self._get_param("InstanceRefreshIds", [])
    found = [r for r in refreshes if not ids or r["InstanceRefreshId"] in ids]
    return ActionResult({"InstanceRefreshes": found})


class ActiveInstanceRefreshNotFound(AutoscalingClientError):
    code = "ActiveInstanceRefreshNotFound"
    message = "No in progress or pending Instance Refresh found."


def cancel_instance_refresh(self):
    _group_refreshes(self)
    # Every refresh here has already finished, as AWS says then.
    raise ActiveInstanceRefreshNotFound()


AutoScalingResponse.start_instance_refresh = start_instance_refresh
AutoScalingResponse.describe_instance_refreshes = describe_instance_refreshes
AutoScalingResponse.cancel_instance_refresh = cancel_instance_refresh

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

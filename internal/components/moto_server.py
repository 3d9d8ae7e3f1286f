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

With IAM enforced (INITIAL_NO_AUTH_ACTION_COUNT, or POST /moto-api/reset-auth
with the count; see ci/README.md), two more, without which no role of ours
could be used at all:

4. AssumeRoleWithWebIdentity (and AssumeRoleWithSAML) are unsigned, as the
   SDKs send them; moto reads the Authorization header of every request
   and fails with a 500. Here they pass unauthenticated, as on AWS. moto
   still checks neither the token nor the role's trust policy.
5. moto treats every condition it cannot evaluate as true: a condition on
   a key the request does not carry, and every operator but StringEquals;
   a statement whose condition fails is a Deny whatever its Effect; the
   resource of most requests is "*", which no scoped Resource matches;
   NotResource makes a statement allow everything. A Deny of "*" on "*"
   scoped by a condition (our deploy roles' isolation guards) then denies
   everything, and every Allow scoped to ARNs allows nothing. Here an
   identity policy refuses only what AWS would certainly refuse, given
   what moto knows of the request: its action, its region
   (aws:RequestedRegion, added from the signature's scope), and its
   resource for S3 objects and buckets, IAM roles and SQS queues. A
   condition on any other key is unknown: an Allow under it applies, a
   Deny under it does not; a scoped Allow applies where moto does not
   know the resource, a Deny there only if its Resource is "*". On the
   keys moto knows the String and Arn operators are evaluated (any other
   operator is false). Trust policies (statements with a Principal) are
   decided as AWS decides a missing key (sts:ExternalId): false, except
   for the negated operators, ...IfExists, ForAllValues: and Null "true".
6. moto recomputes a request's signature from its query string as it
   received it decoded (prefix=env:/), where the signer encoded it
   (prefix=env%3A%2F): terraform's S3 backend, listing env:/ first, was
   refused with SignatureDoesNotMatch. Here the query string is encoded
   as SigV4 encodes it before the signature is recomputed.
7. moto names an action after the signature's service and its own S3
   table: CloudWatch's as monitoring:..., HeadBucket as s3:HeadBucket.
   AWS authorizes them as cloudwatch:... and s3:ListBucket, which is what
   our policies say; here they are named so.
8. moto reads no key policy: a KMS request is decided by the caller's
   identity policies alone. On AWS the key policy is the key's gate, and
   the bootstrap grants cryptographic use (the test deploy role signs
   attestations) by key policy only. Here a KMS request that names a key
   is decided as AWS decides it in the key's own account: a Deny in the
   key policy that applies refuses it; an Allow naming the caller's role
   grants it (identity Denies still apply); an Allow naming the account
   (root) lets the identity policies decide; nothing else grants it.
   Conditions are decided as in 5, with aws:PrincipalArn known (the
   role's ARN), and kms:SigningAlgorithm for Sign and Verify.

Run as: python3 moto_server.py [moto_server's own arguments].
"""

import sys

try:
    import moto
except ImportError as err:
    sys.exit(f"{sys.executable} cannot import moto ({err}): install moto[server]==5.2.1 for it")
if moto.__version__ != "5.2.1":
    sys.exit(
        f"moto_server.py corrects moto 5.2.1, but {sys.executable} has moto {moto.__version__}: "
        "install moto[server]==5.2.1"
    )

import datetime
import inspect
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

# 4. Unsigned STS calls pass unauthenticated.
from moto.core.authorization import ActionAuthenticatorMixin  # noqa: E402
from moto.iam import access_control  # noqa: E402

_UNSIGNED = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}
_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authorize_signed_only(self, iam_request_cls, resource="*"):
    if (
        "Authorization" not in self.headers
        and self.querystring.get("Action", [None])[0] in _UNSIGNED
    ):
        return
    return _authorize(self, iam_request_cls, resource)


ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize_signed_only

# 5. Conditions decided as AWS decides them on the keys moto knows.
import fnmatch  # noqa: E402
import threading  # noqa: E402

_request = threading.local()
_check_action_permitted = access_control.IAMRequestBase.check_action_permitted


def _check_action_permitted_in_context(self, resource):
    _request.context = {"aws:requestedregion": self._region}
    try:
        return _check_action_permitted(self, resource)
    finally:
        _request.context = None


def _values(v):
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def _match_present(op, expected, actual):
    equals = lambda e, a: e == a  # noqa: E731
    ignore_case = lambda e, a: e.lower() == a.lower()  # noqa: E731
    like = lambda e, a: fnmatch.fnmatchcase(a, e)  # noqa: E731
    ops = {
        "StringEquals": (equals, False),
        "StringNotEquals": (equals, True),
        "StringEqualsIgnoreCase": (ignore_case, False),
        "StringNotEqualsIgnoreCase": (ignore_case, True),
        "StringLike": (like, False),
        "StringNotLike": (like, True),
        "ArnEquals": (equals, False),
        "ArnNotEquals": (equals, True),
        "ArnLike": (like, False),
        "ArnNotLike": (like, True),
    }
    if op not in ops:
        return False
    test, negated = ops[op]
    hit = any(test(e, actual) for e in expected)
    return not hit if negated else hit


def _condition_holds(operator, key, expected, context):
    op = operator
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if op.startswith(prefix):
            op = op[len(prefix):]
    if_exists = op.endswith("IfExists")
    if if_exists:
        op = op[: -len("IfExists")]
    expected = _values(expected)
    actual = context.get(key.lower())
    if op == "Null":
        return (actual is None) == (expected[0].lower() == "true")
    if actual is None:
        return if_exists or operator.startswith("ForAllValues:") or "Not" in op
    return _match_present(op, expected, actual)


def _check_conditions(self, incoming_condition_values):
    conditions = self._statement.get("Condition")
    if not conditions:
        return True
    context = dict(getattr(_request, "context", None) or {})
    for k, v in (incoming_condition_values or {}).items():
        context[k.lower()] = v
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, keys in conditions.items()
        for key, expected in keys.items()
    )


_statement_permitted = access_control.IAMPolicyStatement.is_action_permitted
_PERMITTED = access_control.PermissionResult.PERMITTED
_DENIED = access_control.PermissionResult.DENIED
_NEUTRAL = access_control.PermissionResult.NEUTRAL


def _identity_conditions(statement):
    """True, False, or None when a key moto does not know decides."""
    return _conditions_in(statement, dict(getattr(_request, "context", None) or {}))


def _conditions_in(statement, context):
    """True, False, or None when a key the context lacks decides."""
    state = True
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, expected in keys.items():
            if key.lower() not in context:
                state = None
            elif not _condition_holds(operator, key, expected, context):
                return False
    return state


def _concerned(statement, action):
    """Whether the statement's Action (or NotAction) covers action."""
    if "NotAction" in statement._statement:
        return not statement._check_element_matches("NotAction", action)
    return statement._check_element_matches("Action", action)


def _statement_decides(
    self, action, resource="*", principal=None, incoming_condition_values=None
):
    st = self._statement
    if not _concerned(self, action):
        return _NEUTRAL
    if "Principal" in st or "NotPrincipal" in st:
        # A trust policy: moto's own check, with conditions as AWS decides
        # a missing key, and a failed condition not applying.
        if not self._check_conditions(incoming_condition_values):
            return _NEUTRAL
        return _statement_permitted(
            self, action, resource, principal, incoming_condition_values
        )
    conditions = _identity_conditions(st)
    known = resource != "*"
    if "Resource" in st:
        matches = self._check_element_matches("Resource", resource)
    elif "NotResource" in st:
        matches = not self._check_element_matches("NotResource", resource)
    else:
        matches = True
    if st.get("Effect") == "Allow":
        if conditions is False:
            return _NEUTRAL
        return _PERMITTED if (matches or not known) else _NEUTRAL
    if conditions is not True:
        return _NEUTRAL
    if known:
        return _DENIED if matches else _NEUTRAL
    everything = "*" in (st["Resource"] if isinstance(st.get("Resource"), list) else [st.get("Resource")])
    return _DENIED if everything else _NEUTRAL


access_control.IAMRequestBase.check_action_permitted = _check_action_permitted_in_context
access_control.IAMPolicyStatement._check_conditions = _check_conditions
access_control.IAMPolicyStatement.is_action_permitted = _statement_decides

# 6. The query string encoded as SigV4 encodes it.
from urllib.parse import quote, unquote  # noqa: E402

_request_init = access_control.IAMRequestBase.__init__


def _sigv4_query(path):
    base, sep, query = path.partition("?")
    if not sep:
        return path
    pairs = []
    for pair in query.split("&"):
        key, eq, value = pair.partition("=")
        pairs.append(
            quote(unquote(key), safe="-_.~") + eq + quote(unquote(value), safe="-_.~")
        )
    return base + "?" + "&".join(pairs)


def _request_init_with_sigv4_query(self, account_id, method, path, *args, **kwargs):
    _request_init(self, account_id, method, _sigv4_query(path), *args, **kwargs)


access_control.IAMRequestBase.__init__ = _request_init_with_sigv4_query

# 7. Actions named as AWS authorizes them.
from moto.s3 import responses as s3_responses  # noqa: E402

s3_responses.ACTION_MAP["BUCKET"]["HEAD"]["DEFAULT"] = "ListBucket"
_SERVICE_PREFIXES = {"monitoring:": "cloudwatch:"}
_request_init_sigv4 = access_control.IAMRequestBase.__init__


def _request_init_with_aws_names(self, *args, **kwargs):
    _request_init_sigv4(self, *args, **kwargs)
    for signing, prefix in _SERVICE_PREFIXES.items():
        if self._action.startswith(signing):
            self._action = prefix + self._action[len(signing):]


access_control.IAMRequestBase.__init__ = _request_init_with_aws_names

# 8. KMS key policies.
import json  # noqa: E402

from moto.kms.models import kms_backends  # noqa: E402

_check_identity = access_control.IAMRequestBase.check_action_permitted


def _request_key(req):
    """The existing KMS key a request names, or None."""
    if not req._action.startswith("kms:"):
        return None
    try:
        body = json.loads(req._body or "{}")
    except (TypeError, ValueError):
        return None
    key_id = body.get("KeyId") or body.get("TargetKeyId")
    if not isinstance(key_id, str):
        return None
    backend = kms_backends[req.account_id][req._region]
    try:
        return backend.keys.get(backend.any_id_to_key_id(key_id)), body
    except Exception:  # an unknown alias: KMS itself answers NotFound
        return None


def _caller_role_arn(req):
    key = req._access_key
    name = getattr(key, "_owner_role_name", None)
    if name is None:
        return None
    return f"arn:aws:iam::{req.account_id}:role/{name}"


def _principals(statement):
    p = statement.get("Principal")
    if p == "*":
        return ["*"]
    if not isinstance(p, dict):
        return []
    return _values(p.get("AWS", []))


def _key_policy_decides(req, key, body):
    """'deny', 'allow' (the role is named), 'iam' (the account is), or None."""
    role = _caller_role_arn(req)
    account = f"arn:aws:iam::{req.account_id}:root"
    context = {"aws:requestedregion": req._region}
    if role:
        context["aws:principalarn"] = role
    if "SigningAlgorithm" in body:
        context["kms:signingalgorithm"] = body["SigningAlgorithm"]
    decision = None
    for st in json.loads(key.policy).get("Statement", []):
        names = _principals(st)
        if not _concerned(access_control.IAMPolicyStatement(st), req._action) or not names:
            continue
        conditions = _conditions_in(st, context)
        if st.get("Effect") == "Deny":
            if conditions is True and ("*" in names or (role and role in names)):
                return "deny"
            continue
        if conditions is False:
            continue
        if "*" in names or (role and role in names):
            decision = "allow"
        elif account in names and decision is None:
            decision = "iam"
    return decision


def _check_with_key_policy(self, resource):
    found = _request_key(self)
    if found is None or found[0] is None:
        return _check_identity(self, resource)
    key, body = found
    decision = _key_policy_decides(self, key, body)
    if decision == "iam":
        return _check_identity(self, resource)
    if decision != "allow":
        self._raise_access_denied()
    _request.context = {"aws:requestedregion": self._region}
    try:
        for policy in self._access_key.collect_policies():
            result = access_control.IAMPolicy(policy).is_action_permitted(self._action, resource)
            if result == _DENIED:
                self._raise_access_denied()
    finally:
        _request.context = None


access_control.IAMRequestBase.check_action_permitted = _check_with_key_policy

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

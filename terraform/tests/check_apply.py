"""Checks a real `terraform apply` of the test environment against moto_server.

Reads `terraform output -json` (path in argv[1]) and asks the emulator
(AWS_ENDPOINT_URL) what was actually created: the fleet (group, launch
template, instances in private subnets without public addresses), the load
balancer, its target group and listener, the security groups, the VPC
endpoints, RDS, S3, ECR, the log group and its key, the alarms and their
topic, the release parameters, the hosts' role's exact permissions, the host
contract in the user data, and the shape of the outputs the pipeline parses.
Prints one line per finding and exits 1 if there is any.

moto's Auto Scaling launches its instances without the launch template's
metadata options, instance profile and security groups; those are checked
on the template, which is what AWS launches from.
"""
import base64
import json
import re
import sys

import boto3

problems = []


def check(ok, msg):
    if not ok:
        problems.append(msg)


def as_list(v):
    return [v] if isinstance(v, str) else list(v)


raw = json.load(open(sys.argv[1]))
state_bucket, state_key = sys.argv[2], sys.argv[3]

# --- outputs: exact names, strings, not sensitive ----------------------------
want = {
    "environment": r"^test$",
    "region": r"^us-east-1$",
    "asg_name": r"^gangway-test$",
    "app_url": r"^http://gangway-test-[0-9]+\.us-east-1\.elb\.amazonaws\.com$",
    "ecr_repository_url": r"^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com/gangway-test$",
    "bucket_name": r"^gangway-test-app-\d{12}$",
    "db_endpoint": r"^gangway-test\.[^:]+:5432$",
    "db_secret_arn": r"^arn:aws:secretsmanager:us-east-1:\d{12}:secret:rds!.+$",
    "image_parameter": r"^/gangway/test/image$",
    "rollout_script_parameter": r"^/gangway/test/rollout-script$",
    "log_group_name": r"^/gangway/test/app$",
    "alarm_5xx_name": r"^gangway-test-5xx$",
    "target_group_arn": r"^arn:aws:elasticloadbalancing:us-east-1:\d{12}:targetgroup/gangway-test/[0-9a-f]+$",
}
check(sorted(raw) == sorted(want), f"outputs are {sorted(raw)}, want {sorted(want)}")
out = {}
for name, pattern in want.items():
    o = raw.get(name, {})
    out[name] = o.get("value")
    check(o.get("type") == "string" and o.get("sensitive") is False, f"output {name}: want a non-sensitive string, got {o}")
    check(isinstance(out[name], str) and re.match(pattern, out[name]), f"output {name} = {out[name]!r} does not match {pattern}")

ec2 = boto3.client("ec2")
asg = boto3.client("autoscaling")
elb = boto3.client("elbv2")
rds = boto3.client("rds")
s3 = boto3.client("s3")
ecr = boto3.client("ecr")
iam = boto3.client("iam")
ssm = boto3.client("ssm")
logs = boto3.client("logs")
kms = boto3.client("kms")
cw = boto3.client("cloudwatch")
sns = boto3.client("sns")
acct = out["ecr_repository_url"].split(".")[0]

# --- network ----------------------------------------------------------------------
vpc_id = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["gangway-test"]}])["Vpcs"][0]["VpcId"]
subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
named = {s["SubnetId"]: {t["Key"]: t["Value"] for t in s.get("Tags", [])}.get("Name", "") for s in subnets}
private = {i for i, n in named.items() if "-private-" in n}
public = {i for i, n in named.items() if "-public-" in n}
check(len(private) == 2 and len(public) == 2, f"subnets {named}")
check(all(not s["MapPublicIpOnLaunch"] for s in subnets), "a subnet hands out public addresses")
rts = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
private_rt = [rt for rt in rts if any(a.get("SubnetId") in private for a in rt.get("Associations", []))]
check(len(private_rt) == 1, f"private subnets share one route table, got {len(private_rt)}")
for rt in private_rt:
    for r in rt["Routes"]:
        check(r.get("GatewayId") == "local" or r.get("GatewayId", "").startswith("vpce-"),
              f"private route table has a route out of the VPC: {r}")

endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
by_service = {e["ServiceName"].removeprefix("com.amazonaws.us-east-1."): e for e in endpoints}
check(sorted(by_service) == ["ec2messages", "ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager", "ssm", "ssmmessages", "sts"],
      f"VPC endpoints {sorted(by_service)}")
for name, e in by_service.items():
    if name == "s3":
        check(e["VpcEndpointType"] == "Gateway" and [rt["RouteTableId"] for rt in private_rt] == e.get("RouteTableIds"),
              f"S3 endpoint {e.get('VpcEndpointType')} on {e.get('RouteTableIds')}")
        pol = json.loads(e["PolicyDocument"])
        check(all(s["Effect"] == "Allow" and "*" not in as_list(s["Resource"]) for s in pol["Statement"]), f"S3 endpoint policy {pol}")
    else:
        check(e["VpcEndpointType"] == "Interface" and e.get("PrivateDnsEnabled") is True, f"{name} endpoint {e.get('VpcEndpointType')}")
        # test: one zone (env/test.tfvars endpoint_zone_count = 1), a private subnet.
        check(len(e.get("SubnetIds", [])) == 1 and set(e["SubnetIds"]) <= private, f"{name} endpoint subnets {e.get('SubnetIds')}")

# --- security groups: the whole VPC --------------------------------------------
sgs = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
by_name = {g["GroupName"]: g for g in sgs}
for g in sgs:
    for p in g["IpPermissions"]:
        lo, hi = p.get("FromPort", 0), p.get("ToPort", 65535)
        check(p["IpProtocol"] != "-1" and not (lo <= 22 <= hi), f"{g['GroupName']}: ingress {p}")
alb_sg, app, db, eps = (by_name.get("gangway-test-" + n) for n in ("alb", "app", "db", "endpoints"))
check(all([alb_sg, app, db, eps]), f"security groups {sorted(by_name)}")


def ingress(g):
    return [(p["IpProtocol"], p["FromPort"], p["ToPort"], sorted(r["CidrIp"] for r in p["IpRanges"]),
             sorted(u["GroupId"] for u in p["UserIdGroupPairs"])) for p in g["IpPermissions"]]


check(ingress(alb_sg) == [("tcp", 80, 80, ["0.0.0.0/0"], [])], f"load balancer SG ingress {ingress(alb_sg)}")
check(ingress(app) == [("tcp", 80, 80, [], [alb_sg["GroupId"]])], f"hosts SG ingress {ingress(app)}: want port 80 from the load balancer only")
check(ingress(db) == [("tcp", 5432, 5432, [], [app["GroupId"]])], f"db SG ingress {ingress(db)}")
check(ingress(eps) == [("tcp", 443, 443, [], [app["GroupId"]])], f"endpoints SG ingress {ingress(eps)}")
s3_pl = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}])["PrefixLists"][0]["PrefixListId"]
# One entry per source: DescribeSecurityGroups groups the sources of one
# protocol and port range into one permission.
egress = sorted([(p["IpProtocol"], p["FromPort"], p["ToPort"], "group", u["GroupId"]) for p in app["IpPermissionsEgress"] for u in p["UserIdGroupPairs"]] +
                [(p["IpProtocol"], p["FromPort"], p["ToPort"], "prefix-list", pl["PrefixListId"]) for p in app["IpPermissionsEgress"] for pl in p.get("PrefixListIds", [])] +
                [(p["IpProtocol"], p["FromPort"], p["ToPort"], "cidr", r.get("CidrIp") or r.get("CidrIpv6")) for p in app["IpPermissionsEgress"] for r in p["IpRanges"] + p.get("Ipv6Ranges", [])])
check(egress == sorted([("tcp", 443, 443, "group", eps["GroupId"]), ("tcp", 443, 443, "prefix-list", s3_pl), ("tcp", 5432, 5432, "group", db["GroupId"])]),
      f"hosts SG egress {egress}: want 443 to the endpoints and to S3's prefix list, 5432 to the database, no CIDR")
check(by_name.get("default", {}).get("IpPermissions") == [], "default SG still has ingress rules")

# --- the load balancer -------------------------------------------------------------
lb = elb.describe_load_balancers(Names=["gangway-test"])["LoadBalancers"][0]
check(lb["Type"] == "application" and lb.get("Scheme", "internet-facing") == "internet-facing", f"load balancer {lb['Type']} {lb.get('Scheme')}")
check({z["SubnetId"] for z in lb["AvailabilityZones"]} == public, f"load balancer subnets {lb['AvailabilityZones']}, want the public ones")
check(lb["SecurityGroups"] == [alb_sg["GroupId"]], f"load balancer security groups {lb['SecurityGroups']}")
check(out["app_url"] == "http://" + lb["DNSName"], f"app_url {out['app_url']} is not http://{lb['DNSName']}")
lb_attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
check(lb_attrs.get("routing.http.drop_invalid_header_fields.enabled") == "true", "invalid header fields are not dropped")
check(lb_attrs.get("deletion_protection.enabled") == "false", "test's load balancer has deletion protection")

tg = elb.describe_target_groups(TargetGroupArns=[out["target_group_arn"]])["TargetGroups"][0]
check((tg["Protocol"], tg["Port"], tg["HealthCheckPath"], tg["Matcher"]["HttpCode"]) == ("HTTP", 80, "/health", "200"),
      f"target group {tg['Protocol']}:{tg['Port']} health {tg['HealthCheckPath']} {tg['Matcher']}")
check(tg["HealthCheckIntervalSeconds"] * tg["UnhealthyThresholdCount"] <= 30, "a failing host stays longer than 30 s")
tg_attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
check(tg_attrs.get("deregistration_delay.timeout_seconds") == "15", f"deregistration delay {tg_attrs.get('deregistration_delay.timeout_seconds')}")

listeners = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
check([(l["Port"], l["Protocol"], [(a["Type"], a.get("TargetGroupArn")) for a in l["DefaultActions"]]) for l in listeners] ==
      [(80, "HTTP", [("forward", tg["TargetGroupArn"])])],
      f"listeners {listeners}: want only HTTP 80 forwarding to the hosts (test, no domain)")

# --- the fleet ----------------------------------------------------------------------
g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[out["asg_name"]])["AutoScalingGroups"][0]
check((g["MinSize"], g["MaxSize"], g["DesiredCapacity"]) == (1, 2, 1), f"group min/max/desired {g['MinSize']}/{g['MaxSize']}/{g['DesiredCapacity']}")
check(g["HealthCheckType"] == "ELB" and g["HealthCheckGracePeriod"] >= 120, f"group health {g['HealthCheckType']} grace {g['HealthCheckGracePeriod']}")
check(set(g["VPCZoneIdentifier"].split(",")) == private, f"group subnets {g['VPCZoneIdentifier']}, want the private ones")
check(sorted(g["AvailabilityZones"]) == sorted({s["AvailabilityZone"] for s in subnets if s["SubnetId"] in private}) and len(g["AvailabilityZones"]) == 2,
      f"group zones {g['AvailabilityZones']}")
check(g["TargetGroupARNs"] == [tg["TargetGroupArn"]], f"group target groups {g['TargetGroupARNs']}")
gtags = {t["Key"]: (t["Value"], t["PropagateAtLaunch"]) for t in g["Tags"]}
for k, v in {"Name": "gangway-test", "Environment": "test", "App": "gangway"}.items():
    check(gtags.get(k) == (v, True), f"group tag {k} = {gtags.get(k)}, want {v!r} propagated at launch")

lt_id = g["LaunchTemplate"]["LaunchTemplateId"]
ver = ec2.describe_launch_template_versions(LaunchTemplateId=lt_id, Versions=[g["LaunchTemplate"]["Version"]])["LaunchTemplateVersions"][0]
ltd = ver["LaunchTemplateData"]
md = ltd.get("MetadataOptions", {})
check(md.get("HttpTokens") == "required" and md.get("HttpPutResponseHopLimit") == 1 and md.get("HttpEndpoint") == "enabled", f"template metadata options {md}")
check("KeyName" not in ltd, f"template has key pair {ltd.get('KeyName')}")
check(ltd.get("IamInstanceProfile", {}).get("Arn", "").endswith(":instance-profile/gangway-test-host"), f"template profile {ltd.get('IamInstanceProfile')}")
nics = ltd.get("NetworkInterfaces", [])
check(len(nics) == 1 and nics[0].get("AssociatePublicIpAddress") is False and nics[0].get("Groups") == [app["GroupId"]],
      f"template network interfaces {nics}: want no public IP and the hosts' security group")
bdm = {b["DeviceName"]: b["Ebs"] for b in ltd.get("BlockDeviceMappings", [])}
check(bdm.get("/dev/xvda", {}).get("Encrypted") is True and bdm["/dev/xvda"].get("VolumeType") == "gp3", f"template root volume {bdm}")

instances = [i["InstanceId"] for i in g["Instances"]]
check(len(instances) == 1 and all(i["LifecycleState"] == "InService" for i in g["Instances"]), f"group instances {g['Instances']}")
for r in ec2.describe_instances(InstanceIds=instances)["Reservations"]:
    for inst in r["Instances"]:
        check(not inst.get("PublicIpAddress"), f"{inst['InstanceId']} has public address {inst.get('PublicIpAddress')}")
        check(inst["SubnetId"] in private, f"{inst['InstanceId']} is in {inst['SubnetId']}, not a private subnet")
        check("KeyName" not in inst or not inst["KeyName"], f"{inst['InstanceId']} has key pair {inst.get('KeyName')}")
        tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
        for k, v in {"Name": "gangway-test", "Environment": "test", "App": "gangway"}.items():
            check(tags.get(k) == v, f"{inst['InstanceId']} tag {k}={tags.get(k)!r}, want {v!r}")
targets = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
check(sorted(t["Target"]["Id"] for t in targets) == sorted(instances) and all(t["Target"]["Port"] == 80 for t in targets),
      f"target group targets {targets}, want the group's instances on port 80")

ud = base64.b64decode(ltd["UserData"]).decode()
db_host = out["db_endpoint"].rsplit(":", 1)[0]
env_lines = dict(re.findall(r"(?m)^([A-Z0-9_]+)=(.*)$", ud))
check(env_lines == {
    "APP_ENV": "test", "AWS_REGION": "us-east-1", "S3_BUCKET": out["bucket_name"],
    "DB_HOST": db_host, "DB_PORT": "5432", "DB_NAME": "gangway", "DB_USER": "gangway",
    "DB_SECRET_ARN": out["db_secret_arn"], "APP_PORT": "80",
}, f"app.env in user data: {env_lines}")
for needle in ['"awslogs-group": "/gangway/test/app"', 'param "/gangway/test/image"', 'param "/gangway/test/rollout-script"',
               f'--role-arn "arn:aws:iam::{acct}:role/gangway-test-host"', "gangway-boot.service"]:
    check(needle in ud, f"user data lacks {needle!r}")
m = re.search(r"<<'POLICY'\n(.*?)\nPOLICY\n", ud, re.S)
session = json.loads(m.group(1)) if m else {}
check([(s["Action"], s["Resource"]) for s in session.get("Statement", [])] == [
    ("s3:ListBucket", f"arn:aws:s3:::{out['bucket_name']}"), ("s3:GetObject", f"arn:aws:s3:::{out['bucket_name']}/*"),
    (["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], out["db_secret_arn"])],
    f"app session policy {session}")

# --- the release parameters ---------------------------------------------------------
for name, tier in ((out["image_parameter"], "Standard"), (out["rollout_script_parameter"], "Advanced")):
    p = ssm.get_parameter(Name=name)["Parameter"]
    check(p["Value"] == "none" and p["Type"] == "String", f"parameter {name} = {p['Value']!r} ({p['Type']}), want the placeholder none")
    meta = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    check(meta and meta[0].get("Tier", "Standard") == tier, f"parameter {name} tier {meta and meta[0].get('Tier')}, want {tier}")

# --- logs and alarms -----------------------------------------------------------------
lg = [x for x in logs.describe_log_groups(logGroupNamePrefix=out["log_group_name"])["logGroups"] if x["logGroupName"] == out["log_group_name"]]
check(len(lg) == 1 and lg[0].get("retentionInDays") == 14, f"log group {lg}: want 14 days")
logs_key = lg[0].get("kmsKeyId", "") if lg else ""
check(logs_key.startswith(f"arn:aws:kms:us-east-1:{acct}:key/"), f"log group key {logs_key!r}")
if logs_key:
    check(kms.get_key_rotation_status(KeyId=logs_key)["KeyRotationEnabled"] is True, "the logs key does not rotate")
    kp = json.loads(kms.get_key_policy(KeyId=logs_key, PolicyName="default")["Policy"])
    check(any(s.get("Principal") == {"Service": "logs.us-east-1.amazonaws.com"} for s in kp["Statement"]), f"logs key policy {kp}")

alarms = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix="gangway-test-")["MetricAlarms"]}
check(sorted(alarms) == ["gangway-test-5xx", "gangway-test-db-cpu", "gangway-test-db-free-storage", "gangway-test-unhealthy-hosts"],
      f"alarms {sorted(alarms)}")
topic = f"arn:aws:sns:us-east-1:{acct}:gangway-test-alarms"
for name, a in alarms.items():
    check(a["AlarmActions"] == [topic], f"alarm {name} actions {a['AlarmActions']}")
five = alarms.get("gangway-test-5xx", {})
check(sorted(m["MetricStat"]["Metric"]["MetricName"] for m in five.get("Metrics", []) if "MetricStat" in m) ==
      ["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"], f"5xx alarm metrics {five.get('Metrics')}")
attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
check(attrs.get("KmsMasterKeyId", "").startswith(f"arn:aws:kms:us-east-1:{acct}:key/"), f"alarm topic key {attrs.get('KmsMasterKeyId')!r}")
check(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == [], "alarm topic has a subscription although alarm_email is null")

# --- RDS ------------------------------------------------------------------------
d = rds.describe_db_instances(DBInstanceIdentifier="gangway-test")["DBInstances"][0]
check(d["PubliclyAccessible"] is False, "RDS is publicly accessible")
check(d["StorageEncrypted"] is True, "RDS storage not encrypted")
check(d["BackupRetentionPeriod"] >= 1, "RDS backups off")
check(d["Engine"] == "postgres" and d["EngineVersion"].startswith("16"), f"engine {d['Engine']} {d['EngineVersion']}")
check(d.get("MasterUserSecret", {}).get("SecretArn") == out["db_secret_arn"], f"managed secret {d.get('MasterUserSecret')}")
check([s["VpcSecurityGroupId"] for s in d["VpcSecurityGroups"]] == [db["GroupId"]], "RDS not in the db security group")

# --- S3 ---------------------------------------------------------------------------
b = out["bucket_name"]
pab = s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
check(all(pab.values()) and len(pab) == 4, f"public access block {pab}")
check(s3.get_bucket_versioning(Bucket=b).get("Status") == "Enabled", "bucket versioning off")
enc = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
check(enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"), f"bucket encryption {enc}")
pol = json.loads(s3.get_bucket_policy(Bucket=b)["Policy"])
check(any(s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}} for s in pol["Statement"]), f"no TLS-only statement: {pol}")

# --- ECR ------------------------------------------------------------------------------
repo = ecr.describe_repositories(repositoryNames=["gangway-test"])["repositories"][0]
check(repo["imageTagMutability"] == "IMMUTABLE", "ECR tags mutable")
check(repo["imageScanningConfiguration"]["scanOnPush"] is True, "ECR scan on push off")
check(out["ecr_repository_url"] == repo["repositoryUri"], "ecr_repository_url is not the repository URI")
lc = json.loads(ecr.get_lifecycle_policy(repositoryName="gangway-test")["lifecyclePolicyText"])
check(len(lc["rules"]) == 2, f"ECR lifecycle {lc}")

# --- IAM: exactly the host's own resources -----------------------------------------
role = iam.get_role(RoleName="gangway-test-host")["Role"]
check(role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn", "").endswith(":policy/gangway-test-host-boundary"),
      f"host role boundary {role.get('PermissionsBoundary')}")
trust = role["AssumeRolePolicyDocument"]
if isinstance(trust, str):
    trust = json.loads(trust)
check([(s["Principal"], s.get("Condition")) for s in trust["Statement"]] == [
    ({"Service": "ec2.amazonaws.com"}, None),
    ({"AWS": f"arn:aws:iam::{acct}:root"}, {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{acct}:role/gangway-test-host"}})],
    f"host role trust {trust}")
attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="gangway-test-host")["AttachedPolicies"]]
check(attached == ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"], f"attached policies {attached}")
check(iam.list_role_policies(RoleName="gangway-test-host")["PolicyNames"] == ["gangway-test-host"], "inline policies")
doc = iam.get_role_policy(RoleName="gangway-test-host", PolicyName="gangway-test-host")["PolicyDocument"]
if isinstance(doc, str):
    doc = json.loads(doc)
got = {s["Sid"]: (sorted(as_list(s["Action"])), sorted(as_list(s["Resource"]))) for s in doc["Statement"]}
want_iam = {
    "EcrLogin": (["ecr:GetAuthorizationToken"], ["*"]),
    "EcrPullOwnRepository": (["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                             [f"arn:aws:ecr:us-east-1:{acct}:repository/gangway-test"]),
    "S3ListOwnBucket": (["s3:ListBucket"], [f"arn:aws:s3:::{b}"]),
    "S3ReadOwnObjects": (["s3:GetObject"], [f"arn:aws:s3:::{b}/*"]),
    "ReadOwnDbSecret": (["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], [out["db_secret_arn"]]),
    "ReadOwnReleaseParameters": (["ssm:GetParameter"], [f"arn:aws:ssm:us-east-1:{acct}:parameter/gangway/test/image",
                                                        f"arn:aws:ssm:us-east-1:{acct}:parameter/gangway/test/rollout-script"]),
    "WriteOwnLogGroup": (["logs:CreateLogStream", "logs:PutLogEvents"], [f"arn:aws:logs:us-east-1:{acct}:log-group:/gangway/test/app:*"]),
    "AssumeOwnRole": (["sts:AssumeRole"], [f"arn:aws:iam::{acct}:role/gangway-test-host"]),
}
check(got == want_iam, f"host policy {json.dumps(got)}")

# --- state in the S3 backend -----------------------------------------------------------
st = json.loads(s3.get_object(Bucket=state_bucket, Key=state_key)["Body"].read())
check(st.get("outputs", {}).get("environment", {}).get("value") == "test", f"state at s3://{state_bucket}/{state_key} lacks the test outputs")
check("password" not in json.dumps(st.get("outputs", {})).lower(), "an output mentions a password")

for p in problems:
    print("FAIL:", p)
print(f"check_apply: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)

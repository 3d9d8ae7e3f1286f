"""Checks a real `terraform apply` of the test environment against moto_server.

Reads `terraform output -json` (path in argv[1]) and asks the emulator
(AWS_ENDPOINT_URL) what was actually created: the security baseline on the
live resources, the host contract in the user data, the instance role's
exact permissions, and the shape of the outputs the pipeline parses.
Prints one line per finding and exits 1 if there is any.
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


raw = json.load(open(sys.argv[1]))
state_bucket, state_key = sys.argv[2], sys.argv[3]

# --- outputs: exact names, strings, not sensitive ----------------------------
want = {
    "environment": r"^test$",
    "region": r"^us-east-1$",
    "instance_id": r"^i-[0-9a-f]+$",
    "app_url": r"^http://\d+\.\d+\.\d+\.\d+$",
    "ecr_repository_url": r"^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com/gangway-test$",
    "bucket_name": r"^gangway-test-app-\d{12}$",
    "db_endpoint": r"^gangway-test\.[^:]+:5432$",
    "db_secret_arn": r"^arn:aws:secretsmanager:us-east-1:\d{12}:secret:rds!.+$",
}
check(sorted(raw) == sorted(want), f"outputs are {sorted(raw)}, want {sorted(want)}")
out = {}
for name, pattern in want.items():
    o = raw.get(name, {})
    out[name] = o.get("value")
    check(o.get("type") == "string" and o.get("sensitive") is False, f"output {name}: want a non-sensitive string, got {o}")
    check(isinstance(out[name], str) and re.match(pattern, out[name]), f"output {name} = {out[name]!r} does not match {pattern}")

ec2 = boto3.client("ec2")
rds = boto3.client("rds")
s3 = boto3.client("s3")
ecr = boto3.client("ecr")
iam = boto3.client("iam")

# --- host ---------------------------------------------------------------------
inst = ec2.describe_instances(InstanceIds=[out["instance_id"]])["Reservations"][0]["Instances"][0]
md = inst["MetadataOptions"]
check(md["HttpTokens"] == "required", f"IMDSv2 not required: {md}")
check(md["HttpPutResponseHopLimit"] == 1, f"hop limit {md['HttpPutResponseHopLimit']}, want 1")
check("KeyName" not in inst or not inst["KeyName"], f"instance has key pair {inst.get('KeyName')}")
tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
for k, v in {"Name": "gangway-test", "Environment": "test", "App": "gangway"}.items():
    check(tags.get(k) == v, f"instance tag {k}={tags.get(k)!r}, want {v!r}")
check(inst["IamInstanceProfile"]["Arn"].endswith(":instance-profile/gangway-test-host"), f"instance profile {inst.get('IamInstanceProfile')}")
check(out["app_url"] == "http://" + inst.get("PublicIpAddress", ""), f"app_url {out['app_url']} is not the host's address {inst.get('PublicIpAddress')}")

ud = ec2.describe_instance_attribute(InstanceId=out["instance_id"], Attribute="userData")["UserData"]["Value"]
ud = base64.b64decode(ud).decode()
db_host = out["db_endpoint"].rsplit(":", 1)[0]
env_lines = dict(re.findall(r"(?m)^([A-Z0-9_]+)=(.*)$", ud))
check(env_lines == {
    "APP_ENV": "test", "AWS_REGION": "us-east-1", "S3_BUCKET": out["bucket_name"],
    "DB_HOST": db_host, "DB_PORT": "5432", "DB_NAME": "gangway", "DB_USER": "gangway",
    "DB_SECRET_ARN": out["db_secret_arn"], "APP_PORT": "80",
}, f"app.env in user data: {env_lines}")

# --- security groups: the whole VPC --------------------------------------------
vpc_id = inst["VpcId"]
sgs = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
by_name = {g["GroupName"]: g for g in sgs}
for g in sgs:
    for p in g["IpPermissions"]:
        lo, hi = p.get("FromPort", 0), p.get("ToPort", 65535)
        check(p["IpProtocol"] != "-1" and not (lo <= 22 <= hi), f"{g['GroupName']}: ingress {p}")
app, db = by_name.get("gangway-test-app"), by_name.get("gangway-test-db")
check(app and [(p["IpProtocol"], p["FromPort"], p["ToPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in app["IpPermissions"]] == [("tcp", 80, 80, ["0.0.0.0/0"])],
      f"app SG ingress {app and app['IpPermissions']}")
check(db and [(p["IpProtocol"], p["FromPort"], [u["GroupId"] for u in p["UserIdGroupPairs"]], p["IpRanges"]) for p in db["IpPermissions"]] == [("tcp", 5432, [app["GroupId"]], [])],
      f"db SG ingress {db and db['IpPermissions']}")
check(by_name.get("default", {}).get("IpPermissions") == [], "default SG still has ingress rules")

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
attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="gangway-test-host")["AttachedPolicies"]]
check(attached == ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"], f"attached policies {attached}")
check(iam.list_role_policies(RoleName="gangway-test-host")["PolicyNames"] == ["gangway-test-host"], "inline policies")
doc = iam.get_role_policy(RoleName="gangway-test-host", PolicyName="gangway-test-host")["PolicyDocument"]
if isinstance(doc, str):
    doc = json.loads(doc)
acct = out["ecr_repository_url"].split(".")[0]
got = {s["Sid"]: (sorted([s["Action"]] if isinstance(s["Action"], str) else s["Action"]),
                  sorted([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])) for s in doc["Statement"]}
want_iam = {
    "EcrLogin": (["ecr:GetAuthorizationToken"], ["*"]),
    "EcrPullOwnRepository": (["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                             [f"arn:aws:ecr:us-east-1:{acct}:repository/gangway-test"]),
    "S3ListOwnBucket": (["s3:ListBucket"], [f"arn:aws:s3:::{b}"]),
    "S3ReadOwnObjects": (["s3:GetObject"], [f"arn:aws:s3:::{b}/*"]),
    "ReadOwnDbSecret": (["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], [out["db_secret_arn"]]),
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

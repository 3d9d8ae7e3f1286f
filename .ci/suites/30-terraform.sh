#!/usr/bin/env bash
# Terraform (terraform/ and terraform/bootstrap/): fmt, validate, tflint,
# plan-time baseline tests for both environments (the fleet, the load
# balancer and TLS, private hosts, logs and alarms, the release parameters),
# bad-input tests, a whole-plan policy check, mutations that must fail, and
# ONE real apply + destroy of the test environment (no domain: plain HTTP)
# through the S3 backend, all against a moto_server this script starts and
# stops on a free port.
# Prints the wall time of every step.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tf_dir=$root/terraform

missing() {
  if [ "${CI:-}" = "true" ]; then
    echo "30-terraform: $1 is missing (CI=true: failing, not skipping)" >&2
    exit 1
  fi
  echo "30-terraform: $1 is missing; skipping the terraform suite" >&2
  exit 0
}

# --- tools -----------------------------------------------------------------
command -v terraform >/dev/null || missing terraform
command -v moto_server >/dev/null || missing moto_server
command -v jq >/dev/null || missing jq
python3 -c 'import boto3' 2>/dev/null || missing "python3 with boto3 (ships with moto)"
tflint=$(command -v tflint || echo "$(go env GOPATH)/bin/tflint")
if [ ! -x "$tflint" ] || [[ "$("$tflint" --version)" != *"version 0.64.0"* ]]; then
  echo "30-terraform: installing tflint v0.64.0"
  go install github.com/terraform-linters/tflint@v0.64.0
  tflint=$(go env GOPATH)/bin/tflint
fi
# shellcheck source=.ci/lib/tfmirror.sh
source "$root/.ci/lib/tfmirror.sh"
mirror=$(tf_mirror || true)
if [ -z "$mirror" ] || [ ! -d "$mirror/registry.terraform.io/hashicorp/aws/5.100.0" ]; then
  missing "the hashicorp/aws 5.100.0 provider mirror (in ${TF_PROVIDER_MIRROR:-${TF_MIRROR_CANDIDATES[*]}})"
fi

work=$(mktemp -d /tmp/gangway-tf.XXXXXX)
moto_pid=
cleanup() {
  if [ -n "$moto_pid" ]; then
    kill -TERM "$moto_pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$moto_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$moto_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Our own CLI configuration: providers only from the offline mirror.
tf_mirror_config "$mirror" "$work/terraform.rc"
export TF_CLI_CONFIG_FILE=$work/terraform.rc TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
unset TF_WORKSPACE

suite_start=$(date +%s)
declare -a timings=()
step() { # step NAME COMMAND... : run, time, and report
  local name=$1 t0 t1
  shift
  echo "--- $name"
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  timings+=("$(printf '%6.1fs  %s' "$(echo "$t1 - $t0" | bc)" "$name")")
}

# --- moto_server on a free loopback port -------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MOTO_IAM_LOAD_MANAGED_POLICIES=true moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
endpoint=http://127.0.0.1:$port
for i in $(seq 1 120); do
  curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null && break
  kill -0 "$moto_pid" 2>/dev/null || { cat "$work/moto.log"; echo "moto_server exited" >&2; exit 1; }
  [ "$i" -lt 120 ] || { echo "moto_server did not answer on $endpoint" >&2; exit 1; }
  sleep 0.5
done
export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
echo "moto_server on $endpoint"

# tf DATADIR ARGS... : terraform in terraform/ with its own .terraform dir.
tf() { local dd=$1; shift; TF_DATA_DIR=$work/$dd terraform -chdir="$tf_dir" "$@"; }
tfb() { local dd=$1; shift; TF_DATA_DIR=$work/$dd terraform -chdir="$tf_dir/bootstrap" "$@"; }

# expect_fail LOG PATTERN COMMAND... : the command must fail and say PATTERN.
expect_fail() {
  local log=$1 pattern=$2
  shift 2
  if "$@" >"$log" 2>&1; then
    echo "expected a failure, but it succeeded: $*" >&2
    exit 1
  fi
  if ! grep -Eq "$pattern" "$log"; then
    cat "$log" >&2
    echo "failure did not say /$pattern/: $*" >&2
    exit 1
  fi
}

# --- static checks -------------------------------------------------------------
static() {
  terraform fmt -check -recursive -diff "$tf_dir"
  tf plain init -backend=false -no-color >/dev/null
  tf plain validate -no-color
  tfb boot init -no-color >/dev/null
  tfb boot validate -no-color
  "$tflint" --chdir="$tf_dir" --config="$tf_dir/.tflint.hcl"
  "$tflint" --chdir="$tf_dir/bootstrap" --config="$tf_dir/.tflint.hcl"
}
step "fmt, validate, tflint" static

# --- plan-time tests (no backend; terraform test keeps state in memory) ---------
plan_tests() {
  for env in test prod; do
    tf plain test -no-color -filter=tests/baseline.tftest.hcl -var-file="env/$env.tfvars"
  done
  tf plain test -no-color -filter=tests/inputs.tftest.hcl -var-file=env/prod.tfvars
}
step "terraform test: baseline (test, prod) and bad input" plan_tests

step "terraform test: bootstrap (apply + destroy on moto)" tfb boot test -no-color

# --- mutations: a weakened configuration must fail a test ------------------------
# mutate NAME PERL-EXPR FILE PATTERN: copy terraform/, edit one file, and
# expect the prod baseline test, or else the whole-plan policy, to fail
# saying PATTERN. The throw-away copy gets a local backend so that it can be
# planned without S3.
mutate() {
  local name=$1 expr=$2 file=$3 pattern=$4 dir=$work/mut-$1
  mkdir -p "$dir"
  cp -r "$tf_dir"/*.tf "$tf_dir"/env "$tf_dir"/templates "$tf_dir"/tests "$tf_dir"/modules "$tf_dir"/.terraform.lock.hcl "$dir"/
  perl -0pi -e "$expr" "$dir/$file"
  if cmp -s "$tf_dir/$file" "$dir/$file"; then echo "mutation $name changed nothing" >&2; exit 1; fi
  perl -0pi -e 's/backend "s3" \{\}/backend "local" {}/' "$dir/versions.tf"
  terraform -chdir="$dir" init -no-color >/dev/null
  local tested=pass
  terraform -chdir="$dir" test -no-color -filter=tests/baseline.tftest.hcl -var-file=env/prod.tfvars >"$dir/test.log" 2>&1 || tested=fail
  if [ "$tested" = fail ] && grep -Eq "$pattern" "$dir/test.log"; then
    echo "mutation $name: caught by terraform test"
    return
  fi
  # Not visible to terraform test (an extra resource): the plan policy must see it.
  terraform -chdir="$dir" plan -no-color -var-file=env/prod.tfvars -out="$dir/plan" >"$dir/plan.log" 2>&1 ||
    { cat "$dir/plan.log" >&2; exit 1; }
  terraform -chdir="$dir" show -json "$dir/plan" | jq -r -f "$tf_dir/tests/plan_policy.jq" >"$dir/policy.log"
  if grep -Eq "$pattern" "$dir/policy.log"; then
    echo "mutation $name: caught by the plan policy: $(head -1 "$dir/policy.log")"
    return
  fi
  cat "$dir/test.log" "$dir/policy.log" >&2
  echo "mutation $name was NOT caught" >&2
  exit 1
}
mutations() {
  mutate public_rds 's/publicly_accessible\s+= false/publicly_accessible = true/' database.tf 'RDS must not be publicly accessible'
  mutate unencrypted_rds 's/storage_encrypted\s+= true/storage_encrypted = false/' database.tf 'RDS storage must be encrypted'
  mutate no_deletion_protection 's/deletion_protection\s+= local.is_prod/deletion_protection = false/' database.tf 'deletion protection'
  mutate imdsv1 's/http_tokens\s+= "required"/http_tokens = "optional"/' host.tf 'IMDSv2'
  mutate ssh_rule 's/\z/\nresource "aws_vpc_security_group_ingress_rule" "ssh" {\n  security_group_id = aws_security_group.app.id\n  ip_protocol       = "tcp"\n  from_port         = 22\n  to_port           = 22\n  cidr_ipv4         = "10.0.0.0\/8"\n}\n/' network.tf 'port 22'
  # shellcheck disable=SC2016 # $1 is perl's capture group, not the shell's.
  mutate key_pair 's/(\n  instance_type = var.instance_type)/$1\n  key_name = "ops"/' host.tf 'key_name must not be set'
  mutate mutable_ecr 's/"IMMUTABLE"/"MUTABLE"/' storage.tf 'immutable tags'
  # The app bucket is modules/hardened-bucket (the copy's own: the state bucket is not planned here).
  mutate public_bucket 's/restrict_public_buckets\s+= true/restrict_public_buckets = false/' modules/hardened-bucket/main.tf 'public access block'
  mutate no_tls_policy 's/values\s+= \["false"\]/values = ["true"]/' modules/hardened-bucket/main.tf 'deny every request made without TLS'
  mutate wide_host_policy 's/resources\s+= \["arn:\$\{local.partition\}:s3:::\$\{local.bucket_name\}\/\*"\]/resources = ["*"]/' host.tf 'read only its own bucket'
  # The serving layout: a host with a public address, an outdated TLS policy.
  mutate public_host_ip 's/associate_public_ip_address = false/associate_public_ip_address = true/' host.tf 'no public IP'
  mutate old_tls_policy 's/"ELBSecurityPolicy-TLS13-1-2-2021-06"/"ELBSecurityPolicy-2016-08"/' main.tf 'TLS 1.3/1.2 policy'
}
step "mutations: weakened configurations fail" mutations

# --- backend settings --------------------------------------------------------------
# Emulator-only S3 backend settings: passed here, never written in the HCL.
emu_backend=(
  "-backend-config=endpoints={s3=\"$endpoint\"}"
  -backend-config=use_path_style=true
  -backend-config=skip_credentials_validation=true
  -backend-config=skip_requesting_account_id=true
  -backend-config=skip_metadata_api_check=true
)
backend_errors() {
  expect_fail "$work/nobucket.log" 'attribute "bucket" is required' \
    tf nobucket init -no-color -backend-config=key=gangway/test/terraform.tfstate -backend-config=region=us-east-1 -backend-config=use_lockfile=true
  expect_fail "$work/nokey.log" 'attribute "key" is required' \
    tf nokey init -no-color -backend-config=bucket=gangway-tfstate -backend-config=region=us-east-1 -backend-config=use_lockfile=true
}
step "backend: missing settings are refused at init" backend_errors

# --- bootstrap for real, then the test environment through the S3 backend ----------
state_bucket=gangway-tfstate-$RANDOM$RANDOM
env_state_bucket=$state_bucket-plainhttp
# The single-account layout: both environments' roles in this one account.
boot_vars=(-var state_bucket_name="$state_bucket" -var github_repository=example-org/gangway
  -var 'environments={test="test",prod="production"}' -var force_destroy_state_bucket=true)
bootstrap_apply() {
  tfb boot apply -no-color -auto-approve -state="$work/bootstrap.tfstate" "${boot_vars[@]}" >"$work/bootstrap-apply.log" ||
    { cat "$work/bootstrap-apply.log"; exit 1; }
  tfb boot output -no-color -state="$work/bootstrap.tfstate" -json deploy_role_arns
  # moto enforces the state bucket's TLS-only policy, and it speaks plain
  # HTTP: an object request must be refused. (That is also why the
  # environments' state goes to a second, policy-free bucket below.)
  python3 - "$state_bucket" <<'PY'
import sys, boto3, botocore
try:
    boto3.client("s3").put_object(Bucket=sys.argv[1], Key="probe", Body=b"x")
except botocore.exceptions.ClientError as e:
    code = e.response["Error"]["Code"]
    assert code in ("AccessDenied", "403", "Forbidden"), code
    print(f"bootstrap bucket refuses plain HTTP ({code})")
else:
    sys.exit("the bootstrap state bucket accepted a request without TLS")
PY
}
step "bootstrap: apply (state bucket, OIDC, deploy roles)" bootstrap_apply

init_env() { # init_env DATADIR ENV
  tf "$1" init -no-color -reconfigure \
    -backend-config=bucket="$env_state_bucket" \
    -backend-config=key="gangway/$2/terraform.tfstate" \
    -backend-config=region=us-east-1 \
    -backend-config=use_lockfile=true \
    "${emu_backend[@]}" >/dev/null
}

plans() {
  python3 -c 'import sys, boto3; boto3.client("s3").create_bucket(Bucket=sys.argv[1])' "$env_state_bucket"
  for env in test prod; do
    init_env "s3-$env" "$env"
    tf "s3-$env" plan -no-color -var environment="$env" -var-file="env/$env.tfvars" -out="$work/$env.tfplan" >"$work/$env-plan.log" ||
      { cat "$work/$env-plan.log"; exit 1; }
    tf "s3-$env" show -json "$work/$env.tfplan" >"$work/$env-plan.json"
    jq -r -f "$tf_dir/tests/plan_policy.jq" "$work/$env-plan.json" >"$work/$env-policy.log"
    if [ -s "$work/$env-policy.log" ]; then cat "$work/$env-policy.log"; exit 1; fi
    echo "$env: $(grep -E '^Plan:' "$work/$env-plan.log"), plan policy clean"
  done
}
step "plan test and prod through the S3 backend + plan policy" plans

apply_test() {
  tf s3-test apply -no-color "$work/test.tfplan" >"$work/apply.log" || { cat "$work/apply.log"; exit 1; }
  grep -E '^Apply complete' "$work/apply.log"
  tf s3-test output -no-color -json >"$work/outputs.json"
  # What the pipeline parses (nothing secret in it).
  jq -c 'map_values(.value)' "$work/outputs.json"
}
step "apply test (the one RDS apply)" apply_test

post_apply() {
  python3 "$tf_dir/tests/check_apply.py" "$work/outputs.json" "$env_state_bucket" gangway/test/terraform.tfstate
  # use_lockfile: the lock object was written next to the state.
  grep -q "PUT /$env_state_bucket/gangway/test/terraform.tfstate.tflock" "$work/moto.log" ||
    { echo "no S3 lock file was written: use_lockfile not in effect" >&2; exit 1; }
  # No drift: a second plan of the same configuration changes nothing, except
  # for two emulator quirks, each allowed only in its exact shape:
  #   - moto does not keep the description of a rule that references another
  #     security group or a prefix list, so the plan re-adds it;
  #   - moto copies the launch template's own tags (TagSpecifications of
  #     type launch-template) into the template's data, so the plan drops
  #     that entry with a new version, and the group follows the version.
  tf s3-test plan -no-color -var environment=test -var-file=env/test.tfvars -out="$work/replan.tfplan" >"$work/replan.log" ||
    { cat "$work/replan.log"; exit 1; }
  tf s3-test show -json "$work/replan.tfplan" | jq -r '
    [.resource_changes[] | select(.change.actions != ["no-op"])] as $changes |
    def changed: [(.change.before // {}), (.change.after // {})] as [$b, $a] | [($b + $a) | keys[] | select($b[.] != $a[.])];
    def rule_description_quirk: (.type | test("^aws_vpc_security_group_(in|e)gress_rule$"))
      and (.change.after.referenced_security_group_id != null or .change.after.prefix_list_id != null)
      and changed == ["description"] and .change.before.description == null;
    def template_tags_quirk: .type == "aws_launch_template"
      and (changed - ["default_version", "latest_version", "tag_specifications"]) == []
      and ([.change.before.tag_specifications[] | select(.resource_type != "launch-template")] == .change.after.tag_specifications);
    ([$changes[] | select(template_tags_quirk)] | length) as $quirky_templates |
    def group_follows_template: .type == "aws_autoscaling_group" and $quirky_templates > 0
      and (changed - ["launch_template", "capacity_reservation_specification"]) == []
      and .change.before.launch_template[0].id == .change.after.launch_template[0].id;
    $changes[] | select((rule_description_quirk or template_tags_quirk or group_follows_template) | not) |
    "\(.address): \(.change.actions | join(",")) \(changed | join(","))"' >"$work/drift.log"
  if [ -s "$work/drift.log" ]; then
    cat "$work/replan.log" "$work/drift.log"
    echo "plan after apply is not empty" >&2
    exit 1
  fi
  # prod variables against the test state key must be refused.
  init_env s3-wrongkey test
  expect_fail "$work/wrongkey.log" 'This state belongs to environment "test" but environment is "prod"' \
    tf s3-wrongkey plan -no-color -var environment=prod -var-file=env/prod.tfvars
}
step "after apply: live resources, outputs, lock file, no drift, state-key guard" post_apply

destroy_test() {
  tf s3-test destroy -no-color -auto-approve -var environment=test -var-file=env/test.tfvars >"$work/destroy.log" || { cat "$work/destroy.log"; exit 1; }
  grep -E '^Destroy complete' "$work/destroy.log"
  local left
  left=$(tf s3-test state list)
  [ -z "$left" ] || { echo "resources left in state after destroy: $left" >&2; exit 1; }
  tfb boot destroy -no-color -auto-approve -state="$work/bootstrap.tfstate" "${boot_vars[@]}" >"$work/bootstrap-destroy.log" ||
    { cat "$work/bootstrap-destroy.log"; exit 1; }
}
step "destroy test and bootstrap" destroy_test

echo "=== 30-terraform timings (wall)"
printf '%s\n' "${timings[@]}"
echo "total ${SECONDS}s since start of script, $(( $(date +%s) - suite_start ))s of steps"

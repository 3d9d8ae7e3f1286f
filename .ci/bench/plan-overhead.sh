#!/usr/bin/env bash
# Prints how long `pipeline plan` takes on an unchanged configuration next to
# a plain `terraform plan` of the same configuration and state (already
# initialised), as medians of N runs each, and their ratio. Uses the ci/tf
# fixture against a moto_server it starts on a free port.
#   usage: bash .ci/bench/plan-overhead.sh [N]   (default 7)
set -euo pipefail
n=${1:-7}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
moto_pid=
cleanup() { [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_IAM_LOAD_MANAGED_POLICIES=true moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.1; done

# shellcheck source=.ci/lib/tfmirror.sh
source "$root/.ci/lib/tfmirror.sh"
mirror=$(tf_mirror) || { echo "no hashicorp/aws provider mirror (set TF_PROVIDER_MIRROR)" >&2; exit 1; }
tf_mirror_config "$mirror" "$work/terraformrc"
export TF_CLI_CONFIG_FILE=$work/terraformrc AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=testing \
  AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true TF_STATE_BUCKET=gangway-bench-state
cp -r "$root/ci/tf/testdata/fixture" "$work/terraform"
go -C "$root/ci" build -o "$work/pipeline" ./cmd/pipeline
p="$work/pipeline"
"$p" bootstrap >/dev/null 2>&1
"$p" apply --env test --dir "$work/terraform" >/dev/null 2>"$work/apply.log"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for _ in $(seq "$n"); do
  ms "$p" plan --env test --dir "$work/terraform" --out "$work/p.tfplan" >>"$work/pipeline.ms"
  # Plain terraform on the same initialised data directory and state.
  ms env -C "$work/terraform" TF_DATA_DIR=.terraform/env-test terraform plan -input=false -no-color \
    -var environment=test -var-file=env/test.tfvars -out="$work/t.tfplan" >>"$work/terraform.ms"
done
grep -q '"has_changes": false' <("$p" plan --env test --dir "$work/terraform" --out "$work/p.tfplan" 2>/dev/null) ||
  { echo "the configuration was not unchanged" >&2; exit 1; }
pm=$(median <"$work/pipeline.ms"); tm=$(median <"$work/terraform.ms")
echo "runs per command: $n (fixture: S3 bucket + SSM parameter, moto_server, $(terraform version | head -1))"
echo "pipeline plan (STS check, init only when needed, plan -json, binding from the plan file): median ${pm} ms  [$(tr '\n' ' ' <"$work/pipeline.ms")]"
echo "terraform plan (initialised):                                                             median ${tm} ms  [$(tr '\n' ' ' <"$work/terraform.ms")]"
awk -v a="$pm" -v b="$tm" 'BEGIN {printf "ratio pipeline/terraform: %.2f (of the medians)\n", a/b}'
# Each round's pair ran back to back: the median of their ratios is what a
# busy machine disturbs least.
echo "ratio pipeline/terraform: $(paste "$work/pipeline.ms" "$work/terraform.ms" | awk '{printf "%.4f\n", $1/$2}' | median | awk '{printf "%.2f", $1}') (median of the rounds' ratios; target <= 1.20)"

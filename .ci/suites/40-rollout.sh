#!/usr/bin/env bash
# The rollout (issue 5): the host script run for real (podman as the host's
# Docker, docker-registry as ECR, one nginx per simulated host) and the SSM
# runner (moto_server and a fault-injecting fake of the SSM API). Suite 10
# already runs these packages' tests; this suite makes sure nginx is there
# and prints the cutover figures: medians over 3 rounds of seconds to the new
# version serving, failed requests under load (and the rate), seconds to
# roll back, seconds to reject a never-healthy version; and the fleet
# figures: a rollout to one host against two, side by side, with the
# failed requests through the load balancer in front of both.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v nginx >/dev/null; then
  echo "40-rollout: installing nginx-light"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
fi
for tool in nginx podman docker-registry shellcheck flock curl; do
  command -v "$tool" >/dev/null || { echo "40-rollout: $tool is missing" >&2; exit 1; }
done

cd ci
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
go test -count=1 -run '^$' -bench 'Cutover|Fleet' -benchtime 3x ./rollout >"$log" 2>&1 || status=$?
# The scripts' own logs stay in the file unless the benchmark failed.
if [ "$status" -ne 0 ]; then
  tail -n 200 "$log"
  echo "40-rollout: the cutover or fleet benchmark failed (exit $status)" >&2
  exit 1
fi
grep -E '^(cutover figures over 3|BenchmarkCutover|BenchmarkFleet|ok)|fleet figures over 3|wrk during|failed-req' "$log"

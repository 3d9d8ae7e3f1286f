#!/usr/bin/env bash
# The whole flow on this machine, unattended, as the README's first command
# runs it, seven times in one kept world, checking each JSON report:
#   1. first release: preview, test deploy, integration gate, prod plan
#      stored for review, approval, prod deploy of exactly that plan, and a
#      drift check that must name the one change made behind Terraform's back
#   2. a changed release: prod rolls over under a steady request loop with
#      zero failed requests, and records written before it are read back
#   3. no approval: the flow stops before prod, says how to approve and
#      keeps its world with test deployed; `--status` shows it waiting, and
#      `--approve` continues from the approval with that digest and plan
#   4. --redeploy: the same digest again, no build; every host already
#      serving it is left alone (the no-op deploy's time is printed)
#   5. --break: the integration gate stops a defective release and signs
#      nothing; prod keeps release 3, and `verify-tested` refuses the
#      defective digest
#   6. --break-late: a release that passes the health gate and fails a few
#      seconds after its cutover; the test host's bake sees it and switches
#      back to the release it served, by itself, and the report says how
#      many requests failed and how fast; then `pipeline-local --down` removes the
#      world
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
dir="$out/local"
loaders=()
cleanup() {
  # A failed run may have left the late run's load clients going.
  if [ ${#loaders[@]} -gt 0 ]; then kill "${loaders[@]}" 2>/dev/null || true; fi
  # An earlier failure may have left the kept world running.
  "$out/pipeline-local" --dir "$dir" --down >/dev/null 2>&1 || true
}
trap cleanup EXIT

go -C ci build -o "$out/pipeline" ./cmd/pipeline
go -C ci build -o "$out/pipeline-local" ./cmd/pipeline-local

flow() { # name, expected exit code, flags...
  local name=$1 want=$2 rc=0
  shift 2
  echo "--- local flow: $name ($*)"
  "$out/pipeline-local" --dir "$dir" --report "$out/$name.json" "$@" </dev/null >"$out/$name.stdout" 2>"$out/$name.log" || rc=$?
  sed -n '/^Timeline/,$p' "$out/$name.log"
  if [ "$rc" -ne "$want" ]; then
    echo "local flow $name exited $rc, want $want; its log:"
    tail -80 "$out/$name.log"
    exit 1
  fi
}

# Runs other than "changed" bake 5 s: their releases are sound, and the
# bake's own checks are the late run's. "changed" bakes as users' runs do
# (60 s in prod, 10 s in test), under load.
flow first 0 --approve --keep --bake 5s
flow changed 0 --approve --keep
flow unapproved 2 --bake 5s
# The run that stopped for approval kept its world with test deployed.
"$out/pipeline-local" --dir "$dir" --status >"$out/status.json" 2>"$out/status.log"
cat "$out/status.log"
flow resumed 0 --approve --keep --bake 5s
flow redeploy 0 --approve --keep --redeploy
flow broken 1 --approve --break --keep --bake 5s
# Its defect surfaces some 5-10 s after the cutover, as the pool drains:
# a bake of 30 s outlasts it on a loaded machine (test's default is 10 s).
# Four clients call test's /db/status through its load balancer meanwhile, and
# count what failed between the cutover and the switch back, as users
# would see it.
test_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["test_deploy"]["app_url"])' "$out/broken.json")
ca_file=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_file"])' "$out/broken.json")
late_load() {
  while :; do
    curl -s --cacert "$ca_file" -o /dev/null -w '%{http_code}\n' --max-time 10 "$test_url/db/status" || true
    sleep 0.05
  done >>"$out/late-load.txt"
}
for _ in 1 2 3 4; do late_load & loaders+=($!); done
flow late 1 --approve --break-late --bake 30s --keep
sleep 2
kill "${loaders[@]}" 2>/dev/null || true
wait "${loaders[@]}" 2>/dev/null || true

# Quiet output: tool output went to the per-stage logs, not the console.
# (The preview initialises; the deploy's apply always reports.)
if grep -q "Apply complete!" "$out/first.log"; then
  echo "terraform's output reached the console of a run without --verbose"; exit 1
fi
logs=$(sed -n 's/^logs: \([^ ]*\) .*/\1/p' "$out/first.log")
grep -lq "Apply complete!" "$logs"/*-deploy-test.log ||
  { echo "no terraform output in the deploy-test log of $logs"; exit 1; }

# The digest that failed its gate is refused by prod's check, with no record.
broken_image=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["test_image"])' "$out/broken.json")
GANGWAY_ATTESTATION_PUBLIC_KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attestation_public_key"])' "$out/broken.json")
export GANGWAY_ATTESTATION_PUBLIC_KEY
rc=0
"$out/pipeline" verify-tested --image "$broken_image" >"$out/verify.json" 2>"$out/verify.log" || rc=$?
if [ "$rc" -ne 1 ] || ! grep -q "never passed the integration gate" "$out/verify.log"; then
  echo "verify-tested of the defective digest $broken_image exited $rc, want 1 (no gate record):"
  cat "$out/verify.log"
  exit 1
fi
echo "--- verify-tested refuses the defective digest: $(tail -1 "$out/verify.log")"
# IAM is enforced in the world's accounts: the emulator's static keys,
# which every step used before, are no credentials there.
moto_test=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["motos"]["test"]["endpoint"])' "$dir/world.json")
rc=0
env -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_ENDPOINT_URL_STS \
  AWS_ENDPOINT_URL="$moto_test" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
  TF_STATE_BUCKET=gangway-local-tfstate "$out/pipeline" history --env test >"$out/static-keys.json" 2>"$out/static-keys.log" || rc=$?
if [ "$rc" -ne 2 ] || ! grep -q InvalidClientTokenId "$out/static-keys.log"; then
  echo "pipeline history with the emulator's static keys exited $rc, want 2 with InvalidClientTokenId:"
  cat "$out/static-keys.log"
  exit 1
fi
echo "--- the world's accounts refuse static keys: $(grep -o 'InvalidClientTokenId[^(]*' "$out/static-keys.log" | head -1)"
"$out/pipeline-local" --dir "$dir" --down >/dev/null

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
r = {n: json.load(open(f"{out}/{n}.json")) for n in ("first", "changed", "unapproved", "resumed", "redeploy", "broken", "late")}
status = json.load(open(f"{out}/status.json"))
problems = []
def expect(cond, what):
    if not cond:
        problems.append(what)
def stages(rep):
    return {s["name"]: s["result"] for s in rep["stages"]}

def role(account, name):
    return f"arn:aws:iam::{account}:role/{name}"
want_roles = {
    "preview": [role("111111111111", "gangway-test-plan")],
    "deploy-test": [role("111111111111", "gangway-test-deploy")],
    "integration-tests": [role("111111111111", "gangway-test-deploy")],
    "prod-plan": [role("222222222222", "gangway-prod-plan")],
    "deploy-prod": [role("222222222222", "gangway-prod-deploy")],
    "drift": [role("222222222222", "gangway-prod-plan")],
}
def roles(rep):
    return {s["name"]: s["roles"] for s in rep["stages"] if s.get("roles")}

def steps(rep, key):
    return {s["name"]: s["result"] for s in (rep.get(key) or {}).get("steps", [])}

for name in ("first", "changed", "resumed", "redeploy"):
    rep = r[name]
    expect(rep["result"] == "deployed", f"{name}: result {rep['result']!r}, want deployed ({rep.get('reason')})")
    # The one deploy sequence ran every step, and the gate signed its record.
    expect(steps(rep, "gate") == {"integration-tests": "passed", "attest": "passed"}, f"{name}: gate steps {steps(rep, 'gate')}")
    expect(steps(rep, "prod_deploy").get("verify-tested") == "passed", f"{name}: prod steps {steps(rep, 'prod_deploy')}")
    expect(rep["prod_deploy"]["ok"] and rep["test_deploy"]["ok"], f"{name}: deploy reports not ok")
    expect(set(stages(rep).values()) == {"passed"}, f"{name}: stages {stages(rep)}")
    expect(rep["tests"] and all(t["result"] == "pass" for t in rep["tests"]), f"{name}: integration tests {rep['tests']}")
    # Build once, promote the digest: prod runs exactly what test tested
    # (the deploy reports name the images; the flow parsed the digest).
    expect(rep["prod_deploy"]["promoted_from"] == rep["test_image"] and rep["test_image"].endswith("@" + rep["digest"])
           and rep["prod_image"].endswith("@" + rep["digest"]) and rep["prod_image_after"] == rep["prod_image"],
           f"{name}: images differ: test {rep['test_image']}, prod {rep['prod_image']}, serving {rep['prod_image_after']}")
    expect("gangway-prod@" in rep["prod_image"], f"{name}: prod image {rep['prod_image']} is not in the prod repository")
    # Users reach each environment through its load balancer, over TLS.
    urls = [rep[k]["app_url"] for k in ("test_deploy", "prod_deploy")]
    expect(all(u.startswith("https://") for u in urls), f"{name}: app URLs {urls}, want HTTPS")
    # Prod applied exactly the plan stored for review, named by its digest.
    plan = rep.get("prod_plan") or {}
    expect(plan.get("stored_key", "").startswith("gangway/prod/plans/local-run") and len(plan.get("bundle_sha256", "")) == 64,
           f"{name}: no stored prod plan: {plan.get('stored_key')}")
    prod_plan_step = next((s for s in rep["prod_deploy"]["steps"] if s["name"] == "plan"), {})
    expect(plan.get("bundle_sha256", "-")[:12] in prod_plan_step.get("detail", ""),
           f"{name}: prod's plan step {prod_plan_step.get('detail')!r} is not the reviewed plan {plan.get('bundle_sha256')}")
    # The drift check names exactly the change made behind Terraform's back:
    # Terraform's own work is never reported as drift.
    drifted = [d["address"] for d in (rep.get("drift") or {}).get("resources", [])]
    expect(drifted == ["aws_security_group.db"], f"{name}: drift reported {drifted}, want exactly aws_security_group.db")
    # Every step ran under the role its workflow job assumes, in its
    # environment's account, never as an administrator.
    expect(roles(rep) == {k: v for k, v in want_roles.items() if k in stages(rep)}, f"{name}: roles {roles(rep)}")
    # The world's own administrator sessions are recorded, and only where
    # the world plays AWS's or a person's part (accounts and the attestation
    # key, RDS, drift); every run opens a world and checks drift.
    world = {s["name"]: s["world_roles"] for s in rep["stages"] if s.get("world_roles")}
    expect(set(world) <= {"world", "deploy-test", "deploy-prod", "drift"} and {"world", "drift"} <= set(world)
           and all(a.endswith(":role/local-administrator") for v in world.values() for a in v), f"{name}: world roles {world}")

c = r["changed"]
expect(c["digest"] != r["first"]["digest"], "changed: the second release has the first one's digest")
expect(c["prod_image_before"] == r["first"]["prod_image"], f"changed: prod before {c['prod_image_before']}, want the first release")
load = c.get("prod_load") or {}
expect(load.get("requests", 0) > 100, f"changed: the request loop sent {load.get('requests')} requests")
expect(load.get("failed") == 0, f"changed: {load.get('failed')} failed requests during the rollout: {load.get('errors')}")
expect(set(load.get("versions", {})) <= {r["first"]["version"], c["version"]}, f"changed: answers from unexpected versions {load.get('versions')}")
expect(c["version"] in load.get("versions", {}), f"changed: the new version never answered under load: {load.get('versions')}")
expect(c["records_kept"] == 5 and c["records_lost"] == 0, f"changed: records kept {c['records_kept']}, lost {c['records_lost']}")

u = r["unapproved"]
expect(u["result"] == "approval_required", f"unapproved: result {u['result']!r}")
expect(stages(u).get("approval") == "stopped" and stages(u).get("deploy-prod") == "skipped", f"unapproved: stages {stages(u)}")
expect("--approve" in u["reason"], f"unapproved: the reason does not say how to approve: {u['reason']}")
expect(u["prod_image_after"] == c["prod_image_after"], "unapproved: prod changed without approval")
waiting = status.get("waiting") or {}
expect(status.get("kept") and waiting.get("image") == u["test_image"] and waiting.get("plan_sha256") == u["prod_plan"]["bundle_sha256"],
       f"status while waiting for approval: {status}")

# --approve continued the waiting run: no new build, test deploy or plan;
# the approval, prod deploy and drift check of that very digest and plan.
z = r["resumed"]
expect(z["result"] == "deployed" and z.get("resumed"), f"resumed: result {z['result']!r}, resumed {z.get('resumed')}")
expect(z["version"] == u["version"] and z["digest"] == u["digest"], f"resumed: deployed {z['version']} {z['digest']}, the waiting run was {u['version']} {u['digest']}")
names = [s["name"] for s in z["stages"]]
expect(names.count("deploy-test") == 1 and names.count("prod-plan") == 1 and names[-3:] == ["approval", "deploy-prod", "drift"],
       f"resumed: stages {names}")
expect(z["prod_plan"]["bundle_sha256"] == u["prod_plan"]["bundle_sha256"], "resumed: not the plan that waited for approval")
expect(z["prod_image_after"].endswith("@" + u["digest"]), f"resumed: prod serves {z['prod_image_after']}")

# --redeploy: the digest test served, no build, and no host touched.
d = r["redeploy"]
expect(d.get("redeploy") and d["digest"] == z["digest"] and d["version"] == z["version"],
       f"redeploy: deployed {d['version']} {d['digest']}, want what test served: {z['version']} {z['digest']}")
expect("publish" not in steps(d, "test_deploy"), f"redeploy: built and published again: {steps(d, 'test_deploy')}")
for env in ("test", "prod"):
    ro = (d.get(f"{env}_deploy") or {}).get("rollout") or {}
    hosts = [(h.get("result") or {}).get("status") for h in ro.get("hosts", [])]
    expect(hosts and set(hosts) == {"unchanged"}, f"redeploy: {env} hosts {hosts}, want every one unchanged")
def deploy_seconds(rep):
    return sum(s["seconds"] for s in rep["stages"] if s["name"] in ("deploy-test", "deploy-prod"))

b = r["broken"]
expect(b["result"] == "gate_failed", f"broken: result {b['result']!r}, want gate_failed")
expect(stages(b).get("deploy-test") == "passed", f"broken: the defect should pass the rollout health gate: {stages(b)}")
expect(stages(b).get("integration-tests") == "failed" and stages(b).get("deploy-prod") == "skipped", f"broken: stages {stages(b)}")
failed = [t["name"] for t in b["tests"] if t["result"] == "fail"]
expect(any("Create" in n for n in failed), f"broken: failed checks {failed}, want the create round trip")
expect(b["prod_image_after"] == z["prod_image_after"], f"broken: prod serves {b['prod_image_after']}, want release 3 {z['prod_image_after']}")
expect("integration tests failed" in b["reason"], f"broken: reason {b['reason']!r}")
expect(steps(b, "gate") == {"integration-tests": "failed"}, f"broken: the gate signed something: {steps(b, 'gate')}")
expect(b["gate"]["failed_step"] == "integration-tests" and " failed: " in b["gate"]["error"], f"broken: gate report {b['gate'].get('error')}")

late = r["late"]
lr = ((late.get("test_deploy") or {}).get("rollout") or {}).get("hosts") or [{}]
lres = lr[0].get("result") or {}
expect(late["result"] == "failed" and stages(late).get("deploy-test") == "failed", f"late: result {late['result']!r}, stages {stages(late)}")
expect(not any(stages(late).get(n) == "passed" for n in ("integration-tests", "prod-plan", "deploy-prod")), f"late: stages after the failed deploy ran: {stages(late)}")
expect(lres.get("status") == "rolled_back" and "after the cutover" in lres.get("message", ""), f"late: host result {lres}")
expect(lres.get("switch_back_ms", 0) > 0, f"late: no switch-back time in {lres}")
expect(lres.get("previous") == b["test_image"] and "Switched back to " + b["test_image"] in lres.get("message", ""),
       f"late: switched back to {lres.get('previous')}, want what test served before: {b['test_image']}")
expect(late["prod_image_after"] == z["prod_image_after"], f"late: prod serves {late['prod_image_after']}, want release 3")

for p in problems:
    print("FAIL:", p)
noop, full = deploy_seconds(d), deploy_seconds(r["first"])
print(f"no-op deploy (--redeploy, deploy-test + deploy-prod): {noop:.1f}s; first release's: {full:.1f}s; ratio {noop / full:.2f}")
codes = open(f"{out}/late-load.txt").read().split()
bad = [c for c in codes if c != "200"]
expect(len(codes) > 0, "late: the load on test sent no request")
print(f"late failure (--break-late) on test: switched back {lres.get('switch_back_ms', 0)} ms after the host saw it; "
      f"{len(bad)} of {len(codes)} requests to /db/status through test's load balancer (HTTPS) failed (4 clients, during the whole run); "
      f"the host's nginx logged {lres.get('failed_requests', 0)} 5xx before the switch back")
print(f"local flow reports: {len(problems)} problems; prod rollout {c['prod_rollout_seconds']:.1f}s, "
      f"{load.get('failed')} failed of {load.get('requests')} requests at {load.get('rate', 0):.0f} req/s")
sys.exit(1 if problems else 0)
PY

# Nothing left behind: no containers of the local hosts, no world.
left=$(podman ps -a --format '{{.Names}}' | grep '^gangway-local-' || true)
[ -z "$left" ] || { echo "containers left behind: $left"; exit 1; }
[ ! -e "$dir/world.json" ] || { echo "the world was not cleaned up"; exit 1; }
trap - EXIT
rm -rf "$out"
echo "local flow: 7 runs checked"

#!/usr/bin/env bash
# The deploy's own figures, from the local flow's --report JSON, as medians
# of N rounds. Each round starts a fresh world and runs:
#   1. the first release (`pipeline-local --approve --keep`): every stage's
#      time, the test and prod deploy stages in particular;
#   2. a no-op deploy of the same digest (`--redeploy`): the same sequence
#      with plans of no changes and every host left alone;
# then stops the world. The no-op deploy's deploy stages (deploy-test +
# deploy-prod) are compared with the first release's, in the same round.
#   usage: bash .ci/bench/deploy.sh [N]   (default 3; a round takes ~6 min)
set -euo pipefail
n=${1:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
p="$work/pipeline-local"
cleanup() { "$p" --dir "$work/local" --down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

go -C "$root/ci" build -o "$p" ./cmd/pipeline-local
cd "$root"
for i in $(seq "$n"); do
  "$p" --dir "$work/local" --approve --keep --report "$work/first-$i.json" </dev/null >/dev/null 2>"$work/first-$i.log" ||
    { echo "round $i: the first release failed:"; tail -30 "$work/first-$i.log"; exit 1; }
  "$p" --dir "$work/local" --approve --keep --redeploy --report "$work/noop-$i.json" </dev/null >/dev/null 2>"$work/noop-$i.log" ||
    { echo "round $i: the no-op deploy failed:"; tail -30 "$work/noop-$i.log"; exit 1; }
  "$p" --dir "$work/local" --down >/dev/null
  echo "round $i of $n done"
done

python3 - "$work" "$n" <<'PY'
import json, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
rounds = [(json.load(open(f"{work}/first-{i}.json")), json.load(open(f"{work}/noop-{i}.json"))) for i in range(1, n + 1)]
def stages(rep):
    return {s["name"]: s["seconds"] for s in rep["stages"]}
def deploys(rep):
    st = stages(rep)
    return st.get("deploy-test", 0) + st.get("deploy-prod", 0)
print(f"first release from a fresh world, median of {n} (seconds per stage):")
for name in stages(rounds[0][0]):
    print(f"  {name:20s} {statistics.median(stages(f).get(name, 0) for f, _ in rounds):7.1f}")
print(f"  {'whole run':20s} {statistics.median(f['seconds'] for f, _ in rounds):7.1f}")
full = [deploys(f) for f, _ in rounds]
noop = [deploys(z) for _, z in rounds]
unchanged = all({(h.get("result") or {}).get("status") for h in ((z.get(k) or {}).get("rollout") or {}).get("hosts", [])} == {"unchanged"}
                for _, z in rounds for k in ("test_deploy", "prod_deploy"))
ratio = statistics.median(z / f for z, f in zip(noop, full))
print(f"deploy stages (deploy-test + deploy-prod), median of {n}: first release {statistics.median(full):.1f}s, "
      f"no-op deploy {statistics.median(noop):.1f}s (whole run {statistics.median(z['seconds'] for _, z in rounds):.1f}s)")
print(f"no-op / first release: {ratio:.2f} (target <= 0.10: {'PASS' if ratio <= 0.10 else 'ABOVE'}); "
      f"every host left alone in every no-op deploy: {'yes' if unchanged else 'NO'}")
PY

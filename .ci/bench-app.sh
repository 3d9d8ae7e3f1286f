#!/usr/bin/env bash
# Load benchmark of the service with wrk: 64 connections on /health,
# /db/read (50 records a page) and /db/create, against the local service
# (app/cmd/devserver: throw-away PostgreSQL with fsync off, and moto_server).
# Prints requests/s and p50/p99 latency per run and the medians.
#
#   bash .ci/bench-app.sh                 # 3 runs of 10s per endpoint
#   RUNS=5 DURATION=20s bash .ci/bench-app.sh
#
# Not part of .ci/run (it takes about RUNS x 3 x DURATION); figures depend
# on the machine, which wrk, the service and PostgreSQL share.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# shellcheck source=.ci/lib/devserver.sh
. .ci/lib/devserver.sh
tmp=$(mktemp -d)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  stop_devserver
  rm -rf "$tmp"
}
trap cleanup EXIT

start_devserver "$tmp" -version bench
url=$APP_URL

# 60 records, so that every /db/read returns a full page of 50.
for i in $(seq 60); do
  curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "{\"name\":\"seed-$i\"}" "$url/db/create"
done
[ "$(curl -fsS "$url/db/read" | grep -o '"id":' | wc -l)" -eq 50 ] || { echo "GET /db/read does not return 50 records" >&2; exit 1; }

cat > "$tmp/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"bench","description":"a record written by wrk"}'
LUA

# to_ms converts wrk's "812.00us" / "1.52ms" / "1.01s" to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $RUNS run(s) per endpoint, against $url"
printf '%-10s %-4s %12s %10s %10s %10s\n' endpoint run "req/s" "p50 ms" "p99 ms" "non-2xx"
declare -A rps p50 p99
for name in health read create; do
  case $name in
    health) target="$url/health"; script=() ;;
    read) target="$url/db/read?limit=50"; script=() ;;
    create) target="$url/db/create"; script=(-s "$tmp/create.lua") ;;
  esac
  for run in $(seq "$RUNS"); do
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${script[@]}" "$target")
    r=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    a=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    b=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
    bad=${bad:-0}
    errors=$(awk '/Socket errors:/' <<<"$out")
    printf '%-10s %-4s %12s %10s %10s %10s %s\n' "$name" "$run" "$r" "$a" "$b" "$bad" "$errors"
    rps[$name]+="$r "; p50[$name]+="$a "; p99[$name]+="$b "
  done
done
echo
echo "medians over $RUNS run(s):"
printf '%-10s %12s %10s %10s\n' endpoint "req/s" "p50 ms" "p99 ms"
for name in health read create; do
  printf '%-10s %12s %10s %10s\n' "$name" \
    "$(tr ' ' '\n' <<<"${rps[$name]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${p50[$name]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${p99[$name]}" | grep . | median)"
done

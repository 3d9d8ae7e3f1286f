#!/usr/bin/env bash
# The service's throughput next to honest comparators, measured side by side
# with wrk on this machine:
#
#   /health              the service  vs  barehealth (internal/bench/cmd/barehealth):
#                        a bare net/http server, same JSON body     target >= 0.80
#   /db/read?limit=50    the service  vs  rawread (internal/bench/cmd/rawread):
#                        a raw pgx query loop, same SELECT, same
#                        JSON, same PostgreSQL, same 60 records     target >= 0.50
#   /db/create           the service alone
#
# The service runs through app/cmd/devserver (throw-away PostgreSQL with
# fsync off, and moto_server); the comparators use the same PostgreSQL and
# the same records, and must answer the same bytes before anything is
# measured. Within each round the service and its comparator run one after
# the other (A B A B ...), so that a busy moment of the machine hits both.
# Prints requests/s, p50/p99 latency and the CPU each program used per
# request (user+system, from /proc; PostgreSQL's not included) per run, the
# medians over the rounds, and the ratios service/comparator with PASS or
# BELOW next to the targets. On a busy machine req/s swings with what else
# runs; CPU per request varies far less, so its ratio tells a slower
# program from a busy moment.
#
#   bash .ci/bench/app.sh                        # 3 rounds of 10s per target
#   RUNS=5 DURATION=20s bash .ci/bench/app.sh
#   PROFILE_DIR=/tmp/prof bash .ci/bench/app.sh  # also CPU profiles of the
#       service under the same load, after the measured rounds (not counted):
#       go tool pprof -top /tmp/prof/app /tmp/prof/health.pprof
#
# Settings: RUNS (3), DURATION (10s), THREADS (2), CONNECTIONS (64), WARMUP
# (2s, one unmeasured run per target before its rounds), PROFILE_DIR,
# PROFILE_SECONDS (5).
# Not part of .ci/run, and never a timed assertion: it exits non-zero only on
# errors (something does not start, answers differ, non-2xx responses), not
# on a ratio below its target. Figures depend on the machine, which wrk, the
# programs and PostgreSQL share.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP=${WARMUP:-2s}
PROFILE_DIR=${PROFILE_DIR:-}
PROFILE_SECONDS=${PROFILE_SECONDS:-5}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 1; }

# Followed by shellcheck -x from any directory; plain shellcheck only notes
# that it did not follow it (SC1091).
# shellcheck source-path=SCRIPTDIR/../.. source=.ci/lib/devserver.sh disable=SC1091
. .ci/lib/devserver.sh
tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  stop_devserver
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_comparator NAME [args...] runs the comparator NAME built into $tmp,
# waits until it has written its URL and sets COMPARATOR_URL to it.
COMPARATOR_URL=
start_comparator() {
  local name=$1
  shift
  "$tmp/$name" -addr 127.0.0.1:0 -url-file "$tmp/$name.url" "$@" >"$tmp/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    [ -s "$tmp/$name.url" ] && { COMPARATOR_URL=$(cat "$tmp/$name.url"); return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start:" >&2
  cat "$tmp/$name.log" >&2
  return 1
}

# same_answer WHAT URL_A URL_B fails unless both answer 200 with the same bytes.
same_answer() {
  curl -fsS -o "$tmp/a.body" "$2" || { echo "$1: $2 failed" >&2; return 1; }
  curl -fsS -o "$tmp/b.body" "$3" || { echo "$1: $3 failed" >&2; return 1; }
  cmp -s "$tmp/a.body" "$tmp/b.body" || {
    echo "$1: the service and its comparator answer differently:" >&2
    head -c 600 "$tmp/a.body" >&2; echo >&2; head -c 600 "$tmp/b.body" >&2; echo >&2
    return 1
  }
}

echo "building and starting the service (devserver), barehealth and rawread"
if [ -n "$PROFILE_DIR" ]; then
  mkdir -p "$PROFILE_DIR"
  export DEBUG_ADDR=127.0.0.1:0 # the service's pprof listener, off unless asked for
fi
start_devserver "$tmp" -version bench -database-url-file "$tmp/dburl"
unset DEBUG_ADDR
svc=$APP_URL
go build -o "$tmp/barehealth" ./internal/bench/cmd/barehealth
go build -o "$tmp/rawread" ./internal/bench/cmd/rawread
start_comparator barehealth -version bench
bare=$COMPARATOR_URL
bare_pid=${pids[-1]}
# The service's pool size (DB_MAX_CONNS, default 10) for the raw loop too.
DATABASE_URL=$(cat "$tmp/dburl") start_comparator rawread -max-conns "${DB_MAX_CONNS:-10}"
raw=$COMPARATOR_URL
raw_pid=${pids[-1]}
# The service itself is devserver's child.
svc_pid=$(pgrep -P "$DEV_PID" -x app | head -1)
[ -n "$svc_pid" ] || { echo "cannot find the service's process under devserver ($DEV_PID)" >&2; exit 1; }

# 60 records, so that every /db/read?limit=50 returns a full page of 50.
for i in $(seq 60); do
  curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "{\"name\":\"seed-$i\",\"description\":\"record $i\"}" "$svc/db/create"
done
[ "$(curl -fsS "$svc/db/read?limit=50" | grep -o '"id":' | wc -l)" -eq 50 ] ||
  { echo "GET /db/read?limit=50 does not return 50 records" >&2; exit 1; }
same_answer /health "$svc/health" "$bare/health"
same_answer /db/read "$svc/db/read?limit=50" "$raw/db/read?limit=50"

cat >"$tmp/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"bench","description":"a record written by wrk"}'
LUA

# to_ms converts wrk's "812.00us" / "1.52ms" / "1.01s" / "1.20m" to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
hz=$(getconf CLK_TCK)
# cpu_ticks PID prints the user+system CPU time PID has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

wrk_args=(-t"$THREADS" -c"$CONNECTIONS" --latency)
declare -A url script pid rps p50 p99 cpu
url[health/service]=$svc/health
url[health/barehealth]=$bare/health
url[read/service]="$svc/db/read?limit=50"
url[read/rawread]="$raw/db/read?limit=50"
url[create/service]=$svc/db/create
script[create/service]=$tmp/create.lua
pid[health/service]=$svc_pid; pid[read/service]=$svc_pid; pid[create/service]=$svc_pid
pid[health/barehealth]=$bare_pid; pid[read/rawread]=$raw_pid
failed=0

# measure KEY ROUND runs wrk once against KEY (endpoint/target), prints a
# row and records the figures. Non-2xx answers or no answers at all mark
# the whole benchmark as failed.
measure() {
  local key=$1 round=$2 out r a b bad sock t0 t1 n c
  local args=("${wrk_args[@]}" -d"$DURATION")
  [ -n "${script[$key]:-}" ] && args+=(-s "${script[$key]}")
  t0=$(cpu_ticks "${pid[$key]}")
  out=$(wrk "${args[@]}" "${url[$key]}") || { echo "wrk failed against ${url[$key]}" >&2; failed=1; return 0; }
  t1=$(cpu_ticks "${pid[$key]}")
  n=$(awk '/ requests in / { print $1 }' <<<"$out")
  c=$(awk -v d="$((t1 - t0))" -v hz="$hz" -v n="${n:-0}" 'BEGIN { printf "%.1f", (n > 0) ? d * 1e6 / hz / n : 0 }')
  r=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  a=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  b=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
  bad=${bad:-0}
  sock=$(awk '/Socket errors:/ { $1 = $2 = ""; print }' <<<"$out")
  printf '%-8s %-11s %5s %11s %9s %9s %11s %8s %s\n' "${key%/*}" "${key#*/}" "$round" "$r" "$a" "$b" "$c" "$bad" "$sock"
  if [ "$bad" != 0 ] || awk -v r="${r:-0}" 'BEGIN { exit !(r + 0 == 0) }'; then
    echo "  ^ error: $bad non-2xx responses, or no requests served" >&2
    failed=1
  fi
  rps[$key]+="$r "; p50[$key]+="$a "; p99[$key]+="$b "; cpu[$key]+="$c "
}

echo
echo "$(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "service    $svc  (app/ through app/cmd/devserver)"
echo "barehealth $bare"
echo "rawread    $raw  (DB pool ${DB_MAX_CONNS:-10}, same PostgreSQL and records)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency; $RUNS round(s), service and comparator alternating in each; warm-up $WARMUP per target before its rounds"
# warm_up KEY... runs wrk once against each KEY, unmeasured, right before
# its rounds (so that /db/create's inserts come after the other figures).
warm_up() {
  local key
  for key in "$@"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" ${script[$key]:+-s "${script[$key]}"} "${url[$key]}" >/dev/null
  done
}
echo
printf '%-8s %-11s %5s %11s %9s %9s %11s %8s %s\n' endpoint target round "req/s" "p50 ms" "p99 ms" "cpu us/req" non-2xx "socket errors"
for pair in health/barehealth read/rawread; do
  endpoint=${pair%/*}
  warm_up "$endpoint/service" "$pair"
  for round in $(seq "$RUNS"); do
    measure "$endpoint/service" "$round"
    measure "$pair" "$round"
  done
done
warm_up create/service
for round in $(seq "$RUNS"); do
  measure create/service "$round"
done

echo
echo "medians over $RUNS round(s):"
printf '%-8s %-11s %11s %9s %9s %11s\n' endpoint target "req/s" "p50 ms" "p99 ms" "cpu us/req"
for key in health/service health/barehealth read/service read/rawread create/service; do
  printf '%-8s %-11s %11s %9s %9s %11s\n' "${key%/*}" "${key#*/}" "$(med "${rps[$key]:-}")" "$(med "${p50[$key]:-}")" \
    "$(med "${p99[$key]:-}")" "$(med "${cpu[$key]:-}")"
done

echo
echo "ratios service/comparator (median req/s; per round in brackets):"
for pair in "health/barehealth 0.80 /health" "read/rawread 0.50 /db/read?limit=50"; do
  read -r key target label <<<"$pair"
  endpoint=${key%/*}
  mapfile -t s < <(tr ' ' '\n' <<<"${rps[$endpoint/service]:-}" | grep .)
  mapfile -t c < <(tr ' ' '\n' <<<"${rps[$key]:-}" | grep .)
  per=
  for i in "${!s[@]}"; do per+="$(ratio "${s[$i]}" "${c[$i]:-0}") "; done
  got=$(ratio "$(med "${rps[$endpoint/service]:-}")" "$(med "${rps[$key]:-}")")
  verdict=$(awk -v g="$got" -v t="$target" 'BEGIN { print (g >= t) ? "PASS" : "BELOW" }')
  printf '%-18s %5s  target >= %s  %-5s  [%s]\n' "$label" "$got" "$target" "$verdict" "${per% }"
done
echo "CPU per request, comparator/service (medians; 1.00 = the service spends no more CPU than its comparator):"
for pair in "health/barehealth /health" "read/rawread /db/read?limit=50"; do
  read -r key label <<<"$pair"
  endpoint=${key%/*}
  printf '%-18s %5s\n' "$label" "$(ratio "$(med "${cpu[$key]:-}")" "$(med "${cpu[$endpoint/service]:-}")")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -n "$PROFILE_DIR" ]; then
  debug=$(grep -o '"debug_addr":"[^"]*"' "$tmp/devserver.log" | head -1 | cut -d'"' -f4)
  [ -n "$debug" ] || { echo "PROFILE_DIR: the service logged no debug_addr" >&2; exit 1; }
  cp "$tmp/app" "$PROFILE_DIR/app"
  echo
  for key in health/service read/service; do
    (sleep 1; curl -fsS -o "$PROFILE_DIR/${key%/*}.pprof" "http://$debug/debug/pprof/profile?seconds=$PROFILE_SECONDS") &
    prof=$!
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$((PROFILE_SECONDS + 2))s" ${script[$key]:+-s "${script[$key]}"} "${url[$key]}" >/dev/null
    wait "$prof" || { echo "capturing the CPU profile of ${url[$key]} failed" >&2; exit 1; }
    echo "CPU profile under load of ${url[$key]}: go tool pprof -top $PROFILE_DIR/app $PROFILE_DIR/${key%/*}.pprof"
  done
fi
if [ "$failed" -ne 0 ]; then
  echo "errors during the benchmark (see above); figures not valid" >&2
  exit 1
fi

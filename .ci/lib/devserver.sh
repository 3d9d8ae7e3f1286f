# shellcheck shell=bash
# Sourced by scripts that need the service running locally (the app against
# a throw-away PostgreSQL and moto_server, through app/cmd/devserver).
#
# start_devserver DIR [devserver flags...] builds the devserver and the app
# into DIR, starts them on a free port, waits up to 120 s for readiness and
# sets DEV_PID and APP_URL. Its log is DIR/devserver.log. stop_devserver ends
# it (call it from the caller's EXIT trap). Run from the repository root.

DEV_PID=
# shellcheck disable=SC2034 # read by the scripts that source this file
APP_URL=

start_devserver() {
  local dir=$1
  shift
  go build -o "$dir/devserver" ./app/cmd/devserver
  CGO_ENABLED=0 go build -trimpath -o "$dir/app" ./app
  "$dir/devserver" -port 0 -app "$dir/app" -url-file "$dir/url" "$@" >"$dir/devserver.out" 2>"$dir/devserver.log" &
  DEV_PID=$!
  for _ in $(seq 120); do
    [ -s "$dir/url" ] && break
    kill -0 "$DEV_PID" 2>/dev/null || { echo "devserver exited:" >&2; cat "$dir/devserver.log" >&2; return 1; }
    sleep 1
  done
  [ -s "$dir/url" ] || { echo "devserver not ready within 120s:" >&2; tail -50 "$dir/devserver.log" >&2; return 1; }
  # shellcheck disable=SC2034 # read by the scripts that source this file
  APP_URL=$(cat "$dir/url")
}

stop_devserver() {
  if [ -n "$DEV_PID" ]; then
    kill -TERM "$DEV_PID" 2>/dev/null || true
    wait "$DEV_PID" 2>/dev/null || true
  fi
}

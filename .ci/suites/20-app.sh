#!/usr/bin/env bash
# The service (app/), the local components both modules share
# (internal/components), the integration suite (tests/) against a locally
# started service, and the proof that the gate can fail (tests/gate). Needs
# PostgreSQL 15 binaries, moto_server and podman (installed by .ci/setup).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Static builds throughout: the container test needs a static binary, and one
# setting for every build lets them share the build cache.
export CGO_ENABLED=0

gofmt_out=$(gofmt -l app internal tests)
[ -z "$gofmt_out" ] || { echo "gofmt would change: $gofmt_out"; exit 1; }
go vet ./...

# shellcheck source=.ci/lib/devserver.sh
. .ci/lib/devserver.sh
tmp=$(mktemp -d)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  stop_devserver
  rm -rf "$tmp"
}
trap cleanup EXIT

# The integration suite needs a service: the README's local one (the app
# against a throw-away PostgreSQL and moto_server).
start_devserver "$tmp"
app_url=$APP_URL

status=0
echo "--- integration suite against $app_url"
APP_URL=$app_url go test -count=1 -v ./tests || status=1
echo "--- unit, handler, container and gate tests"
mapfile -t pkgs < <(go list ./... | grep -v '/tests$')
go test -count=1 "${pkgs[@]}" || status=1
if [ "$status" -ne 0 ]; then
  echo "--- devserver log (last 40 lines)"
  tail -40 "$tmp/devserver.log"
fi
exit "$status"

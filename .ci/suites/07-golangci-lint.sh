#!/usr/bin/env bash
# golangci-lint v2 with the checked-in .golangci.yml, on both Go modules:
# the root module (app, tests, internal) and ci/ (every package but the
# Dagger module's own, which needs Dagger's generated code; suite 50 vets
# that one against stand-ins).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=v2.15.0
lint=$(go env GOPATH)/bin/golangci-lint
if [ ! -x "$lint" ] || [[ "$("$lint" version 2>/dev/null)" != *"version ${version#v} "* ]]; then
  echo "07-golangci-lint: installing golangci-lint $version"
  (cd /tmp && go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version")
fi
cd "$root"
"$lint" run --config "$root/.golangci.yml" ./...
cd "$root/ci"
dirs=()
while IFS= read -r dir; do
  [ "$dir" = "$root/ci" ] || dirs+=(".${dir#"$root/ci"}")
done < <(go list -e -f '{{.Dir}}' ./...)
[ "${#dirs[@]}" -gt 10 ] || { echo "go list found only ${#dirs[@]} packages in ci/"; exit 1; }
"$lint" run --config "$root/.golangci.yml" "${dirs[@]}"
echo "golangci-lint $version: both modules clean"

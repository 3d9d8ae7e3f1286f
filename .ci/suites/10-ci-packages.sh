#!/usr/bin/env bash
# The pipeline's plain Go packages and CLI (ci/), without the Dagger module's
# own package, which needs Dagger's generated code, and without the module
# and workflow checks, which suite 50 runs, and the GitLab pipeline's, which
# suite 55 runs.
set -euo pipefail
cd "$(dirname "$0")/../../ci"
gofmt_out=$(gofmt -l .)
[ -z "$gofmt_out" ] || { echo "gofmt would change: $gofmt_out"; exit 1; }
mapfile -t pkgs < <(go list -e ./... | grep -v -e '^github.com/gangway-dev/gangway/ci$' -e '/ci/modcheck$' -e '/ci/workflows$' -e '/ci/gitlabci$')
go vet "${pkgs[@]}"
go test -count=1 -timeout 25m "${pkgs[@]}"

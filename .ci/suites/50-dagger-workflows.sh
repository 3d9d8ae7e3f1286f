#!/usr/bin/env bash
# The Dagger module and the GitHub Actions workflows:
#   1. modcheck: go vet of the module (ci/, package main) against throw-away
#      stand-ins for Dagger's generated code (aliases of dagger.io/dagger);
#   2. actionlint (with shellcheck on the run: scripts) on .github/workflows;
#   3. the workflow gate tests (ci/workflows) and modcheck's own tests.
set -euo pipefail
cd "$(dirname "$0")/../.."

actionlint_version=1.7.12
gobin=$(go env GOPATH)/bin
if ! "$gobin/actionlint" -version 2>/dev/null | head -1 | grep -qx "v\?$actionlint_version"; then
  echo "installing actionlint v$actionlint_version"
  go install "github.com/rhysd/actionlint/cmd/actionlint@v$actionlint_version"
fi
shellcheck=$(command -v shellcheck || true)
if [ -z "$shellcheck" ]; then
  if [ "${CI:-}" = true ]; then
    echo "shellcheck is missing (.ci/setup installs it): actionlint would skip the run: scripts" >&2
    exit 1
  fi
  echo "warning: shellcheck missing; actionlint checks workflows without it" >&2
fi

echo "--- modcheck (go vet of the Dagger module)"
go -C ci run ./cmd/modcheck

echo "--- actionlint v$actionlint_version"
"$gobin/actionlint" -color=false ${shellcheck:+-shellcheck="$shellcheck"}

echo "--- workflow gates and module check tests"
go -C ci test -count=1 ./workflows ./modcheck ./steps

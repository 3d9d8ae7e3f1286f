#!/usr/bin/env bash
# The Dagger module and the GitHub Actions workflows, proven offline as far
# as an engine's rules can be replayed (see ci/README.md, "What is proven
# here and what is not"):
#   1. actionlint (with shellcheck on the run: scripts) on the workflow files;
#   2. modcheck: go vet of the module against stand-ins for Dagger's
#      generated code, the codegen's rules on every function, argument and
#      pragma, and every dagger command of the workflows and documents
#      resolved against the module and the core API;
#   3. the tests of ci/modcheck (each check failing on a seeded defect, the
#      upload simulation and the module's own source, as the engine loads
#      them, built offline, go mod tidy) and ci/workflows (each gate
#      removed from the real files must fail).
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

echo "--- actionlint v$actionlint_version"
"$gobin/actionlint" -color=false ${shellcheck:+-shellcheck="$shellcheck"} .github/workflows/*.yml

echo "--- modcheck (vet, lint, calls)"
go -C ci run ./cmd/modcheck -only vet,lint,calls

echo "--- module checks and workflow gates"
go -C ci test -count=1 ./modcheck ./workflows

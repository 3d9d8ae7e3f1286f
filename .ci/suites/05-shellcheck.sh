#!/usr/bin/env bash
# Runs shellcheck on every shell script of the repository: the benches, the
# libraries and the suites, and .ci/run and .ci/setup, which have no .sh
# suffix. (The host's rollout script is a template: ci/rollout's tests check it
# as rendered, with shellcheck.)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v shellcheck >/dev/null || { echo "shellcheck is missing: apt-get install shellcheck (.ci/setup installs it)"; exit 1; }
mapfile -t scripts < <(git ls-files '*.sh' .ci/run .ci/setup)
[ "${#scripts[@]}" -gt 2 ] || { echo "found only ${scripts[*]}: run from a git checkout"; exit 1; }
shellcheck --external-sources "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"

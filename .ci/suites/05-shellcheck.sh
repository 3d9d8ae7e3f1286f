#!/usr/bin/env bash
# Runs shellcheck on every shell script of the repository: the benches, the
# libraries and the suites, and .ci/run and .ci/setup, which have no .sh
# suffix, and the hosts' user data as Terraform renders it. (The host's
# rollout script is a Go template, which ci/rollout's tests render and check
# with shellcheck.)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v shellcheck >/dev/null || { echo "shellcheck is missing: apt-get install shellcheck (.ci/setup installs it)"; exit 1; }
mapfile -t scripts < <(git ls-files '*.sh' .ci/run .ci/setup)
[ "${#scripts[@]}" -gt 2 ] || { echo "found only ${scripts[*]}: run from a git checkout"; exit 1; }
shellcheck --external-sources "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"

# The user data is a templatefile() of terraform/host.tf: render it with
# terraform's own function, with a placeholder for each variable host.tf
# passes (read from its call: a variable the template uses and host.tf does
# not pass fails the render), then check the script and each script it
# writes through a heredoc (cat > X.sh <<'TAG'), which the checker would
# take as mere data.
command -v terraform >/dev/null || { echo "terraform is missing (.ci/setup installs it)"; exit 1; }
template=terraform/templates/user_data.sh.tftpl
rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
vars=$(python3 - terraform/host.tf "$template" <<'VARS'
import re, sys
tf, template = open(sys.argv[1]).read(), sys.argv[2].split("/", 1)[1]
call = re.search(r'templatefile\("\$\{path\.module\}/' + re.escape(template) + r'", \{\n(.*?)\n  \}\)', tf, re.S)
if not call:
    sys.exit(f"{sys.argv[1]} has no templatefile() call of {template}")
# The call's own keys (two more spaces than the call); a map gets one entry.
args = re.findall(r"^    (\w+)\s*=\s*(\{?)", call.group(1), re.M)
if len(args) < 5:
    sys.exit(f"read only {len(args)} variables of {template} from {sys.argv[1]}")
print("{" + ", ".join(f'{k} = {{PLACEHOLDER = "{k}"}}' if m else f'{k} = "placeholder-{k}"' for k, m in args) + "}")
VARS
)
echo "jsonencode(templatefile(\"$PWD/$template\", $vars))" |
  (cd "$rendered" && terraform console) >"$rendered/user_data.json"
python3 -c 'import json, sys; sys.stdout.write(json.loads(json.load(open(sys.argv[1]))))' "$rendered/user_data.json" >"$rendered/user_data.sh"
[ "$(wc -l <"$rendered/user_data.sh")" -gt 50 ] || { echo "rendering $template gave $(wc -l <"$rendered/user_data.sh") lines"; exit 1; }
python3 - "$rendered" <<'SPLIT'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
lines = (out / "user_data.sh").read_text().splitlines(keepends=True)
count, body, tag = 0, None, None
for line in lines:
    if tag is not None:
        if line.rstrip("\n") == tag:
            (out / f"embedded-{count}.sh").write_text("".join(body))
            tag = None
        else:
            body.append(line)
        continue
    m = re.match(r"cat > \S+\.sh <<'(\w+)'$", line.rstrip("\n"))
    if m:
        count, body, tag = count + 1, [], m.group(1)
if tag is not None or count < 2:
    sys.exit(f"the rendered user data writes {count} scripts through heredocs (want the app credentials and the boot script), or one is not closed")
SPLIT
mapfile -t parts < <(cd "$rendered" && ls user_data.sh embedded-*.sh)
(cd "$rendered" && shellcheck "${parts[@]}") || { echo "shellcheck: $template, as rendered, has the findings above"; exit 1; }
echo "shellcheck: $template clean as rendered, with the ${#parts[@]} scripts in it"

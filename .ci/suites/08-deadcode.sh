#!/usr/bin/env bash
# deadcode (golang.org/x/tools) on both Go modules, tests counted as callers:
# a function nothing reaches fails the suite.
#
# The Dagger module's own package (ci/*.go) cannot be loaded here: its entry
# point is Dagger's generated code, which calls the module's functions by
# name at run time. So in ci/ a function is also reached when the module's
# sources name it (pkg.Func, or .Method( for a method: a method is taken as
# used when the module calls any method of that name, which can hide a dead
# one); suite 50 vets those sources against stand-ins for the generated
# code. The module's own package is not analysed.
#
# internal/components belongs to the root module and serves both: a
# function there is unreached only when neither module's program reaches it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=v0.52.0
bin=$(go env GOBIN)
bin=${bin:-$(go env GOPATH)/bin}
deadcode=$bin/deadcode
stamp=$bin/.deadcode-version
if [ ! -x "$deadcode" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
  echo "08-deadcode: installing deadcode $version"
  (cd /tmp && go install "golang.org/x/tools/cmd/deadcode@$version")
  echo "$version" >"$stamp"
fi

dead=0
report() { # report MODULE_DIR LINE...: prints each unreached function
  local dir=$1
  shift
  for line in "$@"; do
    echo "unreached in ${dir#"$root"/}: $line"
    dead=$((dead + 1))
  done
}

# The format gives "<package path> <Func or Recv.Method> <position>".
format='{{range .Funcs}}{{$.Path}} {{.Name}} {{.Position}}{{"\n"}}{{end}}'
shared=github.com/gangway-dev/gangway/internal/components

cd "$root"
found=()
declare -A shared_unreached=() # Func -> position, for the ci module to settle
listing=$("$deadcode" -test -f "$format" ./...) # a failure stops the suite
while read -r pkg name pos; do
  [ -n "$name" ] || continue
  if [ "$pkg" = "$shared" ]; then
    shared_unreached[$name]=$pos
  else
    found+=("$pos: $name")
  fi
done <<<"$listing"
report "$root/." "${found[@]}"

cd "$root/ci"
mapfile -t pkgs < <(go list -e ./... | grep -vx 'github.com/gangway-dev/gangway/ci')
[ "${#pkgs[@]}" -gt 10 ] || { echo "go list found only ${#pkgs[@]} packages in ci/"; exit 1; }
module_sources=()
for f in *.go; do
  case $f in *_test.go | dagger.gen.go) ;; *) module_sources+=("$f") ;; esac
done
[ "${#module_sources[@]}" -gt 3 ] || { echo "found only ${#module_sources[@]} sources of the Dagger module in ci/"; exit 1; }
listing=$("$deadcode" -test -f "$format" -filter "^github\.com/gangway-dev/gangway/(ci|internal/components)(/|\$)" "${pkgs[@]}" "$shared")
unreached=()
while read -r pkg name pos; do
  [ -n "$name" ] || continue
  if [ "$pkg" = "$shared" ]; then
    # Unreached from ci too: dead only if the root module missed it as well.
    [ -z "${shared_unreached[$name]:-}" ] || unreached+=("$pos: $name")
    continue
  fi
  case $name in
    *.*) pattern="\\.${name#*.}\\(" ;;      # a method: named as .Method(
    *) pattern="\\b${pkg##*/}\\.$name\\b" ;; # a function: named as pkg.Func
  esac
  if ! grep -Eq "$pattern" "${module_sources[@]}"; then
    unreached+=("$pos: $name")
  fi
done <<<"$listing"
report "$root/ci" "${unreached[@]}"

if [ "$dead" -gt 0 ]; then
  echo "deadcode: $dead function(s) nothing calls: delete them, or call them" >&2
  exit 1
fi
echo "deadcode $version: no unreached functions in either module"

#!/usr/bin/env bash
# The GitLab pipeline (ci/gitlab/.gitlab-ci.yml), proven offline (see
# ci/gitlab/README.md, "What is proven here and what is not"):
#   1. gitlab-ci-local (the release ci/gitlab/package-lock.json pins, which
#      .ci/setup installs) validates the file against GitLab's JSON schema,
#      lists the jobs of each kind of pipeline and expands it (--preview);
#      a schema error fails here;
#   2. the tests of ci/gitlabci: every gate on the real file, each seeded
#      mutation of it caught, the tool's job list per kind of pipeline, its
#      expansion equal to the gates' reading, seeded schema errors refused.
# Suite 50 resolves the pipeline's dagger calls against the module (modcheck
# calls); suite 10 runs the web-identity credential tests against moto.
set -euo pipefail
cd "$(dirname "$0")/../.."

glcl=${GITLAB_CI_LOCAL:-${GITLAB_CI_LOCAL_DIR:-$HOME/.cache/gangway/gitlab-ci-local}/node_modules/.bin/gitlab-ci-local}
if [ ! -x "$glcl" ]; then
  echo "gitlab-ci-local is missing at $glcl (.ci/setup installs it): the GitLab pipeline cannot be checked" >&2
  exit 1
fi
want=$(sed -n 's/.*"gitlab-ci-local": "\([0-9.]*\)".*/\1/p' ci/gitlab/package.json)
got=$("$glcl" --version)
if [ "$got" != "$want" ]; then
  echo "gitlab-ci-local $got, ci/gitlab/package.json pins $want: run .ci/setup" >&2
  exit 1
fi

# The tool reads the project, branch and commit from git: a throw-away
# repository holding the pipeline, with an origin remote and its HEAD.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ci/gitlab"
cp ci/gitlab/.gitlab-ci.yml "$work/ci/gitlab/"
g() { git -C "$work" -c user.name=gangway -c user.email=gangway@example.com "$@"; }
g init -q -b main
g add -A
g commit -q -m pipeline
g remote add origin https://gitlab.com/gangway-dev/gangway.git
g update-ref refs/remotes/origin/main HEAD
g symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main

run() { (cd "$work" && "$glcl" --file ci/gitlab/.gitlab-ci.yml "$@"); }
echo "--- gitlab-ci-local $got: schema and jobs, per kind of pipeline"
echo "merge request to develop:"
run --list --variable CI_PIPELINE_SOURCE=merge_request_event --variable CI_COMMIT_BRANCH= \
  --variable CI_MERGE_REQUEST_TARGET_BRANCH_NAME=develop --variable CI_MERGE_REQUEST_SOURCE_PROJECT_PATH=gangway-dev/gangway 2>&1 | grep -v '^ WARN'
echo "push to develop:"
run --list --variable CI_COMMIT_BRANCH=develop 2>&1 | grep -v '^ WARN'
echo "push to main:"
run --list --variable CI_COMMIT_BRANCH=main 2>&1 | grep -v '^ WARN'
run --preview >/dev/null
echo "--preview: expanded without errors"

echo "--- GitLab pipeline gates (ci/gitlabci)"
GITLAB_CI_LOCAL=$glcl go -C ci test -count=1 ./gitlabci

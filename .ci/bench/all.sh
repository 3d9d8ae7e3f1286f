#!/usr/bin/env bash
# Every performance figure the README gives, in one run, one benchmark
# after the other (never side by side with each other, so they do not
# compete for the machine; within each, what is compared runs side by side):
#   app.sh            /health and /db/read next to their comparators
#   plan-overhead.sh  `pipeline plan` next to a plain `terraform plan`
#   deploy.sh         the first release's stage times and the no-op deploy
#   usage: bash .ci/bench/all.sh   (RUNS, DURATION for app.sh; N for the others, default 3)
set -euo pipefail
cd "$(dirname "$0")"
n=${N:-3}
echo "=== app.sh"
RUNS=${RUNS:-3} bash app.sh
echo "=== plan-overhead.sh $n"
bash plan-overhead.sh "$n"
echo "=== deploy.sh $n"
bash deploy.sh "$n"

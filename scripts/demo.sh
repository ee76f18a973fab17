#!/usr/bin/env bash
# The main job, end to end, on the example project that `bake init` writes:
# release hello 1.0.0 and 1.1.0, promote through dev, qa and prod, show prod
# answering through its front door, roll prod back, show it again.
#
# usage: scripts/demo.sh   (make demo builds bake and starts the services first)
#
# The project lives in ${BAKE_DEMO_DIR:-<repo>/.demo}, made anew each run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BAKE="${BAKE_BIN:-$ROOT/bin/bake}"
DIR="$(realpath -m "${BAKE_DEMO_DIR:-$ROOT/.demo}")"
PROD= # prod's front door, as `bake init` chose it

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() {
  step "$*"
  "$@"
}
bake() { run "$BAKE" "$@"; }
ask_prod() {
  step "curl -s $PROD/healthz   (prod's front door)"
  curl -sS --max-time 5 "$PROD/healthz"
}

# A fresh project: no ledger, no replicas of an earlier demo.
old=$(docker ps -aq --filter label=dev.bake.project=demo)
[ -z "$old" ] || docker rm -f $old >/dev/null
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
export BAKE_USER="${BAKE_USER:-demo}"

bake init
PROD="http://$(grep -o 'listen: "127\.0\.0\.1:[0-9]*' bake.yaml | tail -1 | cut -d'"' -f2)"
git init -q
git add -A
git -c user.name=demo -c user.email=demo@localhost commit -qm "chore: the example project"

bake release debian --version 1.0.0
bake release hello --version 1.0.0
bake promote hello@1.0.0 --to dev
bake promote hello --from dev --to qa
bake promote hello --from qa --to prod --yes

step "a new feature, committed the conventional way"
cat > images/hello/greeting.go <<'GO'
package main

func init() { message = "hello from bake, with a new feature" }
GO
git add -A
git -c user.name=demo -c user.email=demo@localhost commit -qm "feat(hello): a new greeting"
git log --oneline

# No --version: the feat commit since the tag hello/v1.0.0 makes it 1.1.0.
bake release hello
bake promote hello@1.1.0 --to dev
bake promote hello --from dev --to qa
bake promote hello --from qa --to prod --yes
ask_prod

bake rollback hello --env prod --yes
ask_prod

bake status
bake history hello
step "done: the project is in $DIR"

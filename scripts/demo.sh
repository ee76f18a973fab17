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

# project prints the project name in bake.yaml $1.
project() { sed -n 's/^project: *\([^ #]*\).*/\1/p' "$1" | head -n 1; }

# listen prints the front door of environment $2 in bake.yaml $1.
listen() {
  awk -v env="$2" '
    /^  - name: / { in_env = ($3 == env) }
    in_env && match($0, /listen: *"[^"]*"/) {
      s = substr($0, RSTART, RLENGTH); sub(/^listen: *"/, "", s); sub(/"$/, "", s); print s; exit
    }' "$1"
}

# A fresh project: no ledger, no replicas of the earlier demo in this
# directory. The containers of every other project stay, other demos' too.
if [ -f "$DIR/bake.yaml" ]; then
  name=$(project "$DIR/bake.yaml")
  old=$([ -z "$name" ] || docker ps -aq --filter "label=dev.bake.project=$name")
  [ -z "$old" ] || docker rm -f $old >/dev/null
fi
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
export BAKE_USER="${BAKE_USER:-demo}"

bake init
PROD="$(listen bake.yaml prod)" # prod's front door, as bake init chose it
[ -n "$PROD" ] || { echo "demo.sh: bake init wrote no front door for prod" >&2; exit 1; }
PROD="http://$PROD"
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

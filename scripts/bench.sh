#!/usr/bin/env bash
# Measures, in one run, how long bake takes to switch an environment to
# another release and back, against the floor of starting one container of
# the same image by hand, and whether the front door drops any request while
# it switches under load. Writes the results to BENCHMARKS.md and prints the
# same tables.
#
# usage: scripts/bench.sh   (make bench builds bake and starts the services first)
#
# The bench project lives in ${BAKE_BENCH_DIR:-<repo>/.bench}/project, made
# anew each run, with the output of every command in .../logs.
#
# Exit status: 0 when every measurement was taken, whatever the numbers say;
# 1 when the bench could not run or a bake command it measures failed.
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BAKE="${BAKE_BIN:-$ROOT/bin/bake}"
WORK="$(realpath -m "${BAKE_BENCH_DIR:-$ROOT/.bench}")"
PROJECT_DIR="$WORK/project"
LOGS="$WORK/logs"
REPORT="$ROOT/BENCHMARKS.md"

PROJECT=bench
ROUNDS=5                       # promote/rollback pairs, and floor runs
LOAD_DURATION=20s              # each hey run
LOAD_WORKERS=20
PAUSE=3                        # seconds between starting hey and each switch
FRONT_DOOR=http://127.0.0.1:18091
OP_TIMEOUT=300                 # bound on one promote, rollback or floor start
RELEASE_TIMEOUT=1200           # bound on one release (the first bakes Debian)

export BAKE_USER="${BAKE_USER:-bench}"

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# ---- bookkeeping ---------------------------------------------------------

FLOOR_CONTAINERS=()
HEY_PID=""
FAILED_OPS=()

cleanup() {
  if [[ -n "$HEY_PID" ]]; then
    kill "$HEY_PID" 2>/dev/null || true
  fi
  if ((${#FLOOR_CONTAINERS[@]} > 0)); then
    docker rm -f "${FLOOR_CONTAINERS[@]}" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# elapsed START END prints END-START in seconds, from $EPOCHREALTIME values.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# stats V... prints "median min max" of the values.
stats() {
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.2f %.2f %.2f\n", m, v[1], v[NR]
    }'
}

# ratio A B prints A/B with one decimal, or "-" when B is zero.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }

# timed NAME TIMEOUT CMD... runs CMD with its output in $LOGS/NAME.log and
# sets TOOK (seconds) and OK (yes/no). It never fails: the caller decides.
timed() {
  local name=$1 limit=$2 t0 t1 rc=0
  shift 2
  t0=$EPOCHREALTIME
  timeout --kill-after=10 "$limit" "$@" >"$LOGS/$name.log" 2>&1 || rc=$?
  t1=$EPOCHREALTIME
  TOOK=$(elapsed "$t0" "$t1")
  if ((rc == 0)); then
    OK=yes
  else
    OK=no
    FAILED_OPS+=("$name: \`${*#"$BAKE" }\` exited $rc (see $LOGS/$name.log)")
    log "$name failed (exit $rc); last lines of $LOGS/$name.log:"
    tail -n 5 "$LOGS/$name.log" >&2
  fi
}

# must NAME CMD... runs a setup command that the bench cannot do without.
must() {
  local name=$1
  shift
  log "$name: ${*#"$BAKE" }"
  timed "$name" "$RELEASE_TIMEOUT" "$@"
  [[ $OK == yes ]] || die "setup step $name failed: the bench cannot run"
  log "$name took ${TOOK}s"
}

# ---- preconditions -------------------------------------------------------

[[ -x "$BAKE" ]] || die "no bake binary at $BAKE: run \`make bench\` (or make build first)"
for cmd in docker git curl hey jq awk timeout; do
  command -v "$cmd" >/dev/null || die "$cmd is not installed (scripts/services.sh up installs the services' tools)"
done
docker info >/dev/null 2>&1 || die "the Docker engine does not answer: run scripts/services.sh up"

# ---- 1. the bench project ------------------------------------------------

mapfile -t old < <(docker ps -aq --filter "label=dev.bake.project=$PROJECT")
((${#old[@]} == 0)) || docker rm -f "${old[@]}" >/dev/null
rm -rf "$WORK"
mkdir -p "$PROJECT_DIR" "$LOGS"
cd "$PROJECT_DIR"

must init "$BAKE" init
# Its own project name and ports, so it never collides with the demo.
sed -i -e "s/^project: demo\$/project: $PROJECT/" \
  -e 's/127\.0\.0\.1:1808\([123]\)/127.0.0.1:1809\1/' bake.yaml
grep -q "^project: $PROJECT\$" bake.yaml || die "bake.yaml: could not set project: $PROJECT"
(($(grep -c '127\.0\.0\.1:1809[123]' bake.yaml) == 3)) || die "bake.yaml: could not move the listen ports to 18091-18093"
git init -q
git add -A
git -c user.name=bench -c user.email=bench@localhost commit -qm "chore: the bench project"

SETUP=()
must release-debian "$BAKE" release debian --version 1.0.0
SETUP+=("| \`bake release debian --version 1.0.0\` | $TOOK |")
must release-hello-1.0.0 "$BAKE" release hello --version 1.0.0
SETUP+=("| \`bake release hello --version 1.0.0\` | $TOOK |")
must release-hello-1.1.0 "$BAKE" release hello --version 1.1.0
SETUP+=("| \`bake release hello --version 1.1.0\` | $TOOK |")
must promote-1.0.0 "$BAKE" promote hello@1.0.0 --to dev
SETUP+=("| \`bake promote hello@1.0.0 --to dev\` (first deploy) | $TOOK |")

REF=$("$BAKE" history hello -o json | jq -r '.releases[] | select(.version == "1.1.0") | .reference')
[[ "$REF" == *@sha256:* ]] || die "no reference by digest for hello@1.1.0 in \`bake history hello -o json\`"
REPLICAS=$(grep -o 'replicas: [0-9]*, listen: "127.0.0.1:18091"' bake.yaml | grep -o '[0-9]*' | head -1)

# ---- 2. promote and rollback, one after the other ------------------------

# serving_after T0 VERSION FILE polls dev's front door until it answers with
# VERSION and writes the seconds since T0 to FILE.
serving_after() {
  local t0=$1 want=$2 file=$3 deadline=$((SECONDS + OP_TIMEOUT))
  while ((SECONDS < deadline)); do
    if curl -s --max-time 1 "$FRONT_DOOR/healthz" | grep -q "\"version\":\"$want\""; then
      elapsed "$t0" "$EPOCHREALTIME" >"$file"
      return 0
    fi
    sleep 0.02
  done
}

# switch NAME VERSION CMD... runs a promote or rollback to VERSION like timed,
# and also sets SERVED: seconds until the front door answered with VERSION.
switch() {
  local name=$1 want=$2 t0 watcher
  shift 2
  rm -f "$LOGS/$name.served"
  t0=$EPOCHREALTIME
  serving_after "$t0" "$want" "$LOGS/$name.served" &
  watcher=$!
  timed "$name" "$OP_TIMEOUT" "$@"
  # Once the command has returned, the front door should already answer
  # with VERSION: give the watcher a few seconds at most.
  local give_up=$((SECONDS + 5))
  while [[ $OK == yes && ! -s "$LOGS/$name.served" ]] && ((SECONDS < give_up)); do
    sleep 0.05
  done
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  SERVED=$(cat "$LOGS/$name.served" 2>/dev/null || true)
  if [[ $OK == yes && -z $SERVED ]]; then
    FAILED_OPS+=("$name: succeeded, but $FRONT_DOOR/healthz did not answer with $want within 5 s after")
  fi
}

PROMOTE=() ROLLBACK=() PROMOTE_SERVED=() ROLLBACK_SERVED=()
for i in $(seq 1 "$ROUNDS"); do
  log "round $i/$ROUNDS: promote hello@1.1.0, then roll back"
  switch "promote-$i" 1.1.0 "$BAKE" promote hello@1.1.0 --to dev
  [[ $OK == yes ]] && PROMOTE+=("$TOOK")
  [[ -n $SERVED ]] && PROMOTE_SERVED+=("$SERVED")
  switch "rollback-$i" 1.0.0 "$BAKE" rollback hello --env dev
  [[ $OK == yes ]] && ROLLBACK+=("$TOOK")
  [[ -n $SERVED ]] && ROLLBACK_SERVED+=("$SERVED")
done

# ---- 3. the floor: one container of the same image, by hand ---------------

# floor_once sets TOOK to the time from `docker run` to the first 200 from
# /healthz on the port Docker published.
floor_once() {
  local t0 id port code deadline
  t0=$EPOCHREALTIME
  id=$(docker run -d --label "dev.bake.project=$PROJECT" --label dev.bake.kind=bench-floor \
    -p 127.0.0.1::8080 "$REF")
  FLOOR_CONTAINERS+=("$id")
  port=$(docker port "$id" 8080/tcp | head -1)
  port=${port##*:}
  deadline=$((SECONDS + OP_TIMEOUT))
  while :; do
    code=$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
    [[ $code == 200 ]] && break
    ((SECONDS < deadline)) || return 1
    sleep 0.02
  done
  TOOK=$(elapsed "$t0" "$EPOCHREALTIME")
  docker rm -f "$id" >/dev/null
}

FLOOR=()
for i in $(seq 1 "$ROUNDS"); do
  log "floor $i/$ROUNDS: docker run + first 200"
  floor_once || die "floor: the container never answered 200 on /healthz"
  FLOOR+=("$TOOK")
done

# ---- 4. zero downtime: switches under load -------------------------------

# hey_summary FILE prints "requests failed rps status-codes errors" from hey's
# summary, the last two joined with commas (no spaces) or "-".
hey_summary() {
  awk '
    /^Status code distribution:/ { sec = "status"; next }
    /^Error distribution:/       { sec = "error"; next }
    /Requests\/sec:/             { rps = $2 }
    sec == "status" && /^ *\[[0-9]+\]/ {
      code = $1; gsub(/[][]/, "", code); n = $2
      total += n; if (code !~ /^2/) failed += n
      codes = codes (codes ? "," : "") code ":" n
    }
    sec == "error" && /^ *\[[0-9]+\]/ {
      n = $1; gsub(/[][]/, "", n)
      total += n; failed += n; errors += n
    }
    END {
      printf "%d %d %.0f %s %s\n", total, failed, rps, (codes ? codes : "-"), (errors ? errors : "-")
    }' "$1"
}

LOAD=()
LOAD_ERRORS=()
# load_run NAME METHOD SWITCH: hey against dev's front door with METHOD
# requests; with SWITCH=yes a promote of 1.1.0 and a rollback run meanwhile.
# A GET without a body is one that Go's client (hey's) silently sends again
# when a reused connection breaks; a POST with a body is not, so it shows
# every request a switch breaks.
load_run() {
  local name=$1 method=$2 switch=$3 ops="none" out="$LOGS/$1.hey" args=()
  [[ $method == GET ]] || args=(-m "$method" -d ping -T text/plain)
  log "$name: hey -z $LOAD_DURATION -c $LOAD_WORKERS ${args[*]} $FRONT_DOOR/healthz (switches: $switch)"
  timeout --kill-after=10 120 hey -z "$LOAD_DURATION" -c "$LOAD_WORKERS" -t 10 "${args[@]}" "$FRONT_DOOR/healthz" >"$out" 2>&1 &
  HEY_PID=$!
  if [[ $switch == yes ]]; then
    sleep "$PAUSE"
    timed "$name-promote" "$OP_TIMEOUT" "$BAKE" promote hello@1.1.0 --to dev
    ops="promote ${TOOK}s $([[ $OK == yes ]] && echo ok || echo FAILED)"
    sleep "$PAUSE"
    timed "$name-rollback" "$OP_TIMEOUT" "$BAKE" rollback hello --env dev
    ops="$ops, rollback ${TOOK}s $([[ $OK == yes ]] && echo ok || echo FAILED)"
  fi
  wait "$HEY_PID" || die "$name: hey failed; see $out"
  HEY_PID=""
  local requests failed rps codes errors
  read -r requests failed rps codes errors < <(hey_summary "$out")
  ((requests > 0)) || die "$name: no requests in hey's summary; see $out"
  LOAD+=("| $name | $method | $ops | $requests | $failed | $rps | ${codes//,/, } | $errors |")
  if [[ $errors != - ]]; then
    LOAD_ERRORS+=("$name:" "$(sed -n '/^Error distribution:/,$p' "$out" | tail -n +2 | head -n 10)")
  fi
}

load_run control-get GET no
load_run switch-get GET yes
load_run control-post POST no
load_run switch-post POST yes

# ---- 5. the report -------------------------------------------------------

read -r p_med p_min p_max < <(stats "${PROMOTE[@]:-0}")
read -r r_med r_min r_max < <(stats "${ROLLBACK[@]:-0}")
read -r f_med f_min f_max < <(stats "${FLOOR[@]}")
read -r ps_med ps_min ps_max < <(stats "${PROMOTE_SERVED[@]:-0}")
read -r rs_med rs_min rs_max < <(stats "${ROLLBACK_SERVED[@]:-0}")

bake_version=$("$BAKE" version)
bake_commit=$("$BAKE" version -o json | jq -r '.commit // empty')
[[ -n $bake_commit ]] || bake_commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || true)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)

tables() {
  cat <<EOF
### Switch time: dev, $REPLICAS replicas, $ROUNDS of each, alternating

| operation | median s | min s | max s | ok | each run, s | median / floor |
| --- | ---: | ---: | ---: | ---: | --- | ---: |
| \`bake promote hello@1.1.0 --to dev\` | $p_med | $p_min | $p_max | ${#PROMOTE[@]}/$ROUNDS | ${PROMOTE[*]:--} | $(ratio "$p_med" "$f_med") |
| \`bake rollback hello --env dev\` | $r_med | $r_min | $r_max | ${#ROLLBACK[@]}/$ROUNDS | ${ROLLBACK[*]:--} | $(ratio "$r_med" "$f_med") |
| promote: until the front door answers 1.1.0 | $ps_med | $ps_min | $ps_max | ${#PROMOTE_SERVED[@]}/$ROUNDS | ${PROMOTE_SERVED[*]:--} | $(ratio "$ps_med" "$f_med") |
| rollback: until the front door answers 1.0.0 | $rs_med | $rs_min | $rs_max | ${#ROLLBACK_SERVED[@]}/$ROUNDS | ${ROLLBACK_SERVED[*]:--} | $(ratio "$rs_med" "$f_med") |
| floor: \`docker run\` one container, poll /healthz to the first 200 | $f_med | $f_min | $f_max | ${#FLOOR[@]}/$ROUNDS | ${FLOOR[*]} | 1.0 |

### Zero downtime: \`hey -z $LOAD_DURATION -c $LOAD_WORKERS [-m POST -d ping] $FRONT_DOOR/healthz\` (dev's front door)

Goal: 0 failed (failed = non-2xx responses + transport errors).

| run | method | switches during the load | requests | failed | requests/s | status codes | errors |
| --- | --- | --- | ---: | ---: | ---: | --- | ---: |
$(printf '%s\n' "${LOAD[@]}")
EOF
  if ((${#LOAD_ERRORS[@]} > 0)); then
    local fence='```'
    printf '\nErrors reported by hey (at most 10 lines a run):\n\n%s\n%s\n%s\n' "$fence" "$(printf '%s\n' "${LOAD_ERRORS[@]}")" "$fence"
  fi
  if ((${#FAILED_OPS[@]} > 0)); then
    printf '\nbake commands that failed:\n\n'
    printf -- '- %s\n' "${FAILED_OPS[@]}"
  fi
}

{
  cat <<EOF
# Benchmarks

Generated by \`scripts/bench.sh\`; reproduce with \`make bench\` (a few minutes: the
first release bakes Debian and compiles Go in a container). Machines here are shared
and noisy: read the ratios, measured in the same run, rather than the seconds.

What is measured, on the example project of \`bake init\` (renamed \`$PROJECT\`, ports 18091-18093):

- **Switch time**: wall time of \`bake promote hello@1.1.0 --to dev\` while dev runs
  1.0.0 on $REPLICAS replicas, and of \`bake rollback hello --env dev\` back to 1.0.0,
  alternated $ROUNDS times. Each includes the health checks, the front-door switch, the
  ledger record and the drain before the replaced replicas stop. The first
  promote creates the 1.1.0 replicas; later ones restart the replicas kept stopped
  for rollback. "Until the front door answers" is the time from the start of the
  same command until dev's front door, polled every 20 ms, answers with the new
  version: what a user waits for, without the drain.
- **Floor**: the least any switch can cost: \`docker run -d -p 127.0.0.1::8080\` of
  hello@1.1.0 by digest, then polling its /healthz every 20 ms until the first 200;
  $ROUNDS runs, each container removed after.
- **Zero downtime**: \`hey\` against dev's front door for $LOAD_DURATION with $LOAD_WORKERS
  workers; in a switch run a promote to 1.1.0 starts ${PAUSE} s in and a rollback
  ${PAUSE} s after it ends; a control run has no switch. hey's client silently sends a
  bodiless GET again when a reused connection breaks, so the GET runs show what a
  retrying client sees; the POST runs (with a body, never resent) show every request
  the front door broke. The front door is a server
  in the one Caddy that every bake project on the machine shares, and each change to
  any project's front door reloads that Caddy's whole config.

- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- machine: $(nproc) CPUs, $mem memory
- $bake_version${bake_commit:+, source at commit ${bake_commit:0:12}}

### Setup (not a measurement goal)

| step | s |
| --- | ---: |
$(printf '%s\n' "${SETUP[@]}")

EOF
  tables
} >"$REPORT.tmp"
mv "$REPORT.tmp" "$REPORT"

printf '\n'
tables
printf '\nwrote %s\n' "$REPORT"

((${#FAILED_OPS[@]} == 0)) || die "${#FAILED_OPS[@]} bake command(s) failed: the numbers above are incomplete"

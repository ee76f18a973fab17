#!/usr/bin/env bash
# Measures, in one run, how long bake takes to switch an environment to
# another release and back, against the floor of starting one container of
# the same image by hand, whether the front door drops any request while it
# switches under load, and how long baking an image with unchanged inputs
# takes next to Packer and to cold and warm docker builds of the same image.
# Writes the results to BENCHMARKS.md and prints the same tables.
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
BUILD_TIMEOUT=900              # bound on one packer or docker build of webapp
FIXTURES="$ROOT/test/bench"    # the webapp images the baking bench adds to the project

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
BENCH_IMAGES=()                # tags and ids of the images the baking bench made

# remove_bench_images removes the images of the baking bench: bench-cold and
# bench-warm tags, and the images Packer committed.
remove_bench_images() {
  if ((${#BENCH_IMAGES[@]} > 0)); then
    docker rmi -f "${BENCH_IMAGES[@]}" >/dev/null 2>&1 || true
    BENCH_IMAGES=()
  fi
}

cleanup() {
  if [[ -n "$HEY_PID" ]]; then
    kill "$HEY_PID" 2>/dev/null || true
  fi
  if [[ -n "${POWER_OFF_PID:-}" ]]; then
    kill "$POWER_OFF_PID" 2>/dev/null || true
  fi
  if ((${#FLOOR_CONTAINERS[@]} > 0)); then
    docker rm -f "${FLOOR_CONTAINERS[@]}" >/dev/null 2>&1 || true
  fi
  remove_bench_images
}
trap cleanup EXIT

# elapsed START END [DIGITS] prints END-START in seconds, from
# $EPOCHREALTIME values, with DIGITS decimals (2 unless told).
elapsed() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, b - a }'; }

# stats V... prints "median min max" of the values; stats_p DIGITS V... the
# same with DIGITS decimals.
stats() { stats_p 2 "$@"; }
stats_p() {
  local digits=$1
  shift
  printf '%s\n' "$@" | sort -g | awk -v d="$digits" '
    { v[NR] = $1 }
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.*f %.*f %.*f\n", d, m, d, v[1], d, v[NR]
    }'
}

# ratio A B prints A/B with one decimal, or "-" when B is zero.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }

# timed NAME TIMEOUT CMD... runs CMD with its output in $LOGS/NAME.log and
# sets TOOK (seconds), TOOK3 (the same to the millisecond) and OK (yes/no).
# It never fails: the caller decides.
timed() {
  local name=$1 limit=$2 t0 t1 rc=0
  shift 2
  t0=$EPOCHREALTIME
  timeout --kill-after=10 "$limit" "$@" >"$LOGS/$name.log" 2>&1 || rc=$?
  t1=$EPOCHREALTIME
  TOOK=$(elapsed "$t0" "$t1")
  TOOK3=$(elapsed "$t0" "$t1" 3)
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
for cmd in docker git curl hey jq awk timeout packer sha256sum python3; do
  command -v "$cmd" >/dev/null || die "$cmd is not installed (scripts/services.sh up installs the services' tools)"
done
docker info >/dev/null 2>&1 || die "the Docker engine does not answer: run scripts/services.sh up"
for f in templates/apt-service/Dockerfile.tmpl templates/apt-packer/webapp.pkr.hcl images/webapp/status.sh images.yaml; do
  [[ -f "$FIXTURES/$f" ]] || die "missing $FIXTURES/$f: the baking bench needs it"
done

# ---- 1. the bench project ------------------------------------------------

mapfile -t old < <(docker ps -aq --filter "label=dev.bake.project=$PROJECT")
((${#old[@]} == 0)) || docker rm -f "${old[@]}" >/dev/null
# Leftovers of an interrupted run: cold and warm docker builds.
mapfile -t old < <(docker images --format '{{.Repository}}:{{.Tag}}' --filter 'reference=bench-cold' --filter 'reference=bench-warm')
((${#old[@]} == 0)) || docker rmi -f "${old[@]}" >/dev/null
rm -rf "$WORK"
mkdir -p "$PROJECT_DIR" "$LOGS"
cd "$PROJECT_DIR"

must init "$BAKE" init
# Its own project name and known ports (dev, qa, prod), whatever init chose.
awk -v project="$PROJECT" '
  /^project: / { print "project: " project; next }
  /listen: "127\.0\.0\.1:[0-9]+"/ { n++; sub(/127\.0\.0\.1:[0-9]+"/, "127.0.0.1:" (18090 + n) "\"") }
  { print }' bake.yaml >bake.yaml.tmp
mv bake.yaml.tmp bake.yaml
grep -q "^project: $PROJECT\$" bake.yaml || die "bake.yaml: could not set project: $PROJECT"
(($(grep -c '127\.0\.0\.1:1809[123]' bake.yaml) == 3)) || die "bake.yaml: could not move the listen ports to 18091-18093"
# The baking bench's images: webapp (a Dockerfile template) and webapp-packer
# (the equivalent Packer template), both on debian, from one build context.
cp -R "$FIXTURES/templates/." templates/
mkdir -p images/webapp
cp -R "$FIXTURES/images/webapp/." images/webapp/
awk -v snippet="$FIXTURES/images.yaml" '
  /^environments:/ && !done { while ((getline line < snippet) > 0) print line; print ""; done = 1 }
  { print }' bake.yaml >bake.yaml.tmp
mv bake.yaml.tmp bake.yaml
"$BAKE" config validate >/dev/null || die "bake.yaml: the webapp images do not validate"
grep -q '^  webapp-packer:$' bake.yaml || die "bake.yaml: could not add the webapp images"
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
must release-webapp-1.0.0 "$BAKE" release webapp --version 1.0.0
SETUP+=("| \`bake release webapp --version 1.0.0\` | $TOOK |")
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

# ---- 2b. rollback by what dev keeps of the replaced release ----------------

# set_dev KEEP TARGET rewrites dev in bake.yaml: retention.previous KEEP, and
# TARGET (such as "strategy: rolling, min_healthy: 1") added to hello's target.
set_dev() {
  local keep=$1 target=$2
  awk -v keep="$keep" -v target="$target" -v replicas="$REPLICAS" '
    /^  - name: / { in_dev = ($3 == "dev") }
    in_dev && /^    retention:/ { next }
    in_dev && /^      hello: \{/ {
      print "      hello: {replicas: " replicas ", listen: \"127.0.0.1:18091\"" (target ? ", " target : "") "}"
      next
    }
    { print }
    in_dev && /^  - name: dev$/ { print "    retention: {previous: " keep "}" }
  ' bake.yaml >bake.yaml.tmp
  mv bake.yaml.tmp bake.yaml
  "$BAKE" config validate >/dev/null || die "bake.yaml: could not set dev to keep $keep with {$target}"
}

KEEPS=(warm stopped removed)
declare -A KEEP_PROMOTE KEEP_ROLLBACK KEEP_SERVED
for keep in "${KEEPS[@]}"; do
  set_dev "$keep" ""
  log "retention $keep: one promote and rollback to settle, then $ROUNDS of each"
  timed "keep-$keep-settle-promote" "$OP_TIMEOUT" "$BAKE" promote hello@1.1.0 --to dev
  timed "keep-$keep-settle-rollback" "$OP_TIMEOUT" "$BAKE" rollback hello --env dev
  P=() R=() S=()
  for i in $(seq 1 "$ROUNDS"); do
    timed "keep-$keep-promote-$i" "$OP_TIMEOUT" "$BAKE" promote hello@1.1.0 --to dev
    [[ $OK == yes ]] && P+=("$TOOK3")
    switch "keep-$keep-rollback-$i" 1.0.0 "$BAKE" rollback hello --env dev
    [[ $OK == yes ]] && R+=("$TOOK3")
    [[ -n $SERVED ]] && S+=("$SERVED")
  done
  KEEP_PROMOTE[$keep]="${P[*]}"
  KEEP_ROLLBACK[$keep]="${R[*]}"
  KEEP_SERVED[$keep]="${S[*]}"
done
set_dev stopped ""

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

# ---- 4b. zero downtime for each strategy: promotes and rollbacks under load -

STRATEGIES=("blue-green|strategy: blue-green" "rolling|strategy: rolling, min_healthy: 1")
STRATEGY_LOAD=()
declare -A STRATEGY_REQUESTS STRATEGY_FAILED STRATEGY_RPS STRATEGY_SWITCHES
for entry in "${STRATEGIES[@]}"; do
  strategy=${entry%%|*}
  set_dev stopped "${entry#*|}"
  out="$LOGS/load-$strategy.hey"
  log "load-$strategy: hey -c $LOAD_WORKERS -m POST $FRONT_DOOR/healthz while $ROUNDS promotes and $ROUNDS rollbacks run"
  hey -z 900s -c "$LOAD_WORKERS" -t 10 -m POST -d ping -T text/plain "$FRONT_DOOR/healthz" >"$out" 2>&1 &
  HEY_PID=$!
  sleep "$PAUSE"
  switches=0
  t0=$EPOCHREALTIME
  for i in $(seq 1 "$ROUNDS"); do
    timed "load-$strategy-promote-$i" "$OP_TIMEOUT" "$BAKE" promote hello@1.1.0 --to dev
    [[ $OK == yes ]] && switches=$((switches + 1))
    timed "load-$strategy-rollback-$i" "$OP_TIMEOUT" "$BAKE" rollback hello --env dev
    [[ $OK == yes ]] && switches=$((switches + 1))
  done
  switching=$(elapsed "$t0" "$EPOCHREALTIME" 1)
  sleep "$PAUSE"
  # hey prints its summary when interrupted.
  kill -INT "$HEY_PID"
  wait "$HEY_PID" || die "load-$strategy: hey failed; see $out"
  HEY_PID=""
  read -r requests failed rps codes errors < <(hey_summary "$out")
  ((requests > 0)) || die "load-$strategy: no requests in hey's summary; see $out"
  STRATEGY_LOAD+=("| $strategy (\`${entry#*|}\`) | $switches/$((2 * ROUNDS)) in $switching s | $requests | $failed | $rps | ${codes//,/, } | $errors |")
  STRATEGY_REQUESTS[$strategy]=$requests
  STRATEGY_FAILED[$strategy]=$failed
  STRATEGY_RPS[$strategy]=$rps
  STRATEGY_SWITCHES[$strategy]=$switches
  if [[ $errors != - ]]; then
    LOAD_ERRORS+=("load-$strategy:" "$(sed -n '/^Error distribution:/,$p' "$out" | tail -n +2 | head -n 10)")
  fi
done
set_dev stopped ""

# ---- 5. baking: unchanged inputs, against Packer and docker build ---------

BASE_REF=$("$BAKE" history debian -o json | jq -r '.releases[] | select(.version == "1.0.0") | .reference')
[[ "$BASE_REF" == *@sha256:* ]] || die "no reference by digest for debian@1.0.0 in \`bake history debian -o json\`"

# What docker builds: webapp's build context with the Dockerfile bake renders
# (its template with {{ .Base }} replaced by debian@1.0.0 by digest). bake
# records the digest of the Dockerfile it rendered: the two must be the same.
DOCKER_CONTEXT="$WORK/webapp-docker"
mkdir -p "$DOCKER_CONTEXT"
cp -R images/webapp/. "$DOCKER_CONTEXT/"
awk -v ref="$BASE_REF" '{ gsub(/\{\{ *\.Base *\}\}/, ref); print }' \
  templates/apt-service/Dockerfile.tmpl >"$DOCKER_CONTEXT/Dockerfile"
! grep -q '{{' "$DOCKER_CONTEXT/Dockerfile" || die "templates/apt-service/Dockerfile.tmpl uses more than {{ .Base }}: the bench cannot render it"
rendered="sha256:$(sha256sum <"$DOCKER_CONTEXT/Dockerfile" | cut -d' ' -f1)"
recorded=$("$BAKE" show webapp@1.0.0 -o json | jq -r '.provenance.template_digest')
[[ $rendered == "$recorded" ]] ||
  die "the Dockerfile rendered for docker build ($rendered) is not the one bake rendered for webapp@1.0.0 ($recorded)"
WEBAPP_CHECKS=$("$BAKE" show webapp@1.0.0 -o json | jq '.checks | length')

# Packer alone runs in a copy of the context, so nothing it might leave
# there can change webapp's inputs.
PACKER_CONTEXT="$WORK/webapp-packer"
mkdir -p "$PACKER_CONTEXT"
cp -R images/webapp/. "$PACKER_CONTEXT/"
PACKER_TEMPLATE="$PROJECT_DIR/templates/apt-packer/webapp.pkr.hcl"

# Both docker builds use the legacy builder, as bake does (no buildx here).
DOCKER_BUILD=(env DOCKER_BUILDKIT=0 docker build)

# reused NAME: did the command logged as NAME say that it reused an artifact?
reused() { grep -q 'inputs unchanged since webapp@[0-9.]*, reusing sha256:' "$LOGS/$1.log"; }

# built_id NAME: the image id on the "built" line of a bake build.
built_id() { awk '$1 == "built" && $NF ~ /^sha256:/ { id = $NF } END { print id }' "$LOGS/$1.log"; }

# outside_packer NAME prints the seconds of the run logged as NAME that were
# not Packer's own build ("Wait completed after 7 seconds 553 milliseconds"),
# or nothing when Packer did not say.
outside_packer() {
  local inner
  inner=$(grep -o 'Wait completed after [^,]*' "$LOGS/$1.log" | tail -n 1 | awk '{
    s = 0
    for (i = 4; i < NF; i += 2) {
      n = $i; u = $(i + 1)
      if (u ~ /^hour/) s += n * 3600
      else if (u ~ /^minute/) s += n * 60
      else if (u ~ /^second/) s += n
      else if (u ~ /^millisecond/) s += n / 1000
      else if (u ~ /^microsecond/) s += n / 1000000
    }
    if (NF >= 5) printf "%.3f", s
  }')
  [[ -n $inner ]] && awk -v t="$TOOK3" -v p="$inner" 'BEGIN { printf "%.3f", t - p }'
}

# from_cache NAME START: was the image a docker build logged as NAME printed
# made before START (an $EPOCHREALTIME), so that every step came from the cache?
from_cache() {
  local id created
  id=$(grep -o '^sha256:[0-9a-f]*' "$LOGS/$1.log" | tail -n 1)
  [[ -n $id ]] || return 1
  created=$(docker image inspect -f '{{.Created}}' "$id") || return 1
  created=$(date -d "$created" +%s.%N) || return 1
  awk -v c="$created" -v s="$2" 'BEGIN { exit !(c < s) }'
}

log "baking: warm docker build's cache (not measured)"
BENCH_IMAGES+=(bench-warm:0)
must warm-up "${DOCKER_BUILD[@]}" -q -t bench-warm:0 "$DOCKER_CONTEXT"

REUSE=() RELEASE_REUSE=() PACKER_BAKE=() PACKER_RAW=() WARM=() COLD=()
REUSE_AT=() WARM_AT=()           # by round, to pair bake reuse with the warm build
PACKER_BAKE_OUT=() PACKER_RAW_OUT=()
for i in $(seq 1 "$ROUNDS"); do
  log "baking round $i/$ROUNDS: bake build (reuse), bake release 1.0.$i, packer through bake, packer alone, warm and cold docker build"

  timed "build-reuse-$i" "$OP_TIMEOUT" "$BAKE" build webapp --version 1.0.0
  if [[ $OK == yes ]]; then
    if reused "build-reuse-$i"; then
      REUSE+=("$TOOK3")
      REUSE_AT[i]=$TOOK3
    else
      FAILED_OPS+=("build-reuse-$i: \`bake build webapp --version 1.0.0\` did not say it reused an artifact (see $LOGS/build-reuse-$i.log)")
    fi
  fi

  timed "release-reuse-$i" "$OP_TIMEOUT" "$BAKE" release webapp --version "1.0.$i"
  if [[ $OK == yes ]]; then
    if reused "release-reuse-$i"; then
      RELEASE_REUSE+=("$TOOK3")
    else
      FAILED_OPS+=("release-reuse-$i: \`bake release webapp --version 1.0.$i\` did not say it reused an artifact (see $LOGS/release-reuse-$i.log)")
    fi
  fi

  timed "packer-bake-$i" "$BUILD_TIMEOUT" "$BAKE" build webapp-packer --version 1.0.0 --force
  id=$(built_id "packer-bake-$i")
  [[ -n $id ]] && BENCH_IMAGES+=("$id")
  if [[ $OK == yes && -n $id ]]; then
    PACKER_BAKE+=("$TOOK3")
    out=$(outside_packer "packer-bake-$i" || true)
    [[ -n $out ]] && PACKER_BAKE_OUT+=("$out")
  elif [[ $OK == yes ]]; then
    FAILED_OPS+=("packer-bake-$i: \`bake build webapp-packer --force\` printed no built image (see $LOGS/packer-bake-$i.log)")
  fi

  timed "packer-raw-$i" "$BUILD_TIMEOUT" env -C "$PACKER_CONTEXT" CHECKPOINT_DISABLE=1 \
    PACKER_CACHE_DIR="$WORK/packer-cache" packer build -machine-readable -color=false \
    -var "base=$BASE_REF" "$PACKER_TEMPLATE"
  id=$(awk -F, '$3 == "artifact" && $5 == "id" { id = $6 } END { print id }' "$LOGS/packer-raw-$i.log")
  [[ -n $id ]] && BENCH_IMAGES+=("$id")
  if [[ $OK == yes ]]; then
    PACKER_RAW+=("$TOOK3")
    out=$(outside_packer "packer-raw-$i" || true)
    [[ -n $out ]] && PACKER_RAW_OUT+=("$out")
  fi

  BENCH_IMAGES+=("bench-warm:$i")
  start=$EPOCHREALTIME
  timed "warm-$i" "$BUILD_TIMEOUT" "${DOCKER_BUILD[@]}" -q -t "bench-warm:$i" "$DOCKER_CONTEXT"
  if [[ $OK == yes ]]; then
    if from_cache "warm-$i" "$start"; then
      WARM+=("$TOOK3")
      WARM_AT[i]=$TOOK3
    else
      FAILED_OPS+=("warm-$i: the warm docker build made a new image: not every step came from the cache (see $LOGS/warm-$i.log)")
    fi
  fi

  BENCH_IMAGES+=("bench-cold:$i")
  timed "cold-$i" "$BUILD_TIMEOUT" "${DOCKER_BUILD[@]}" -q --no-cache -t "bench-cold:$i" "$DOCKER_CONTEXT"
  [[ $OK == yes ]] && COLD+=("$TOOK3")
done
log "baking: removing the bench-cold, bench-warm and Packer images"
remove_bench_images

# ---- 5b. AWS, on moto: API calls per switch, and copies to 1 and 3 regions --

MOTO="${BAKE_BENCH_MOTO:-http://127.0.0.1:5001}"
AWS_DIR="$WORK/aws"
POWER_OFF_PID=""
AWS_PROMOTE=() AWS_ROLLBACK=() AWS_FIRST=-
COPY1=() COPY3=() COPY1_STEP=() COPY3_STEP=()

# aws_calls NAME prints the number of AWS API calls the run logged as NAME made.
aws_calls() { sed -n 's/.*aws: \([0-9]*\) API calls.*/\1/p' "$LOGS/$1.log" | tail -n 1; }

# copy_step NAME prints the seconds from the AMI being available in the build
# region to its copies being available, from the run's JSON progress events.
copy_step() {
  jq -rs '
    (map(select(.text? // "" | test("^AMI .* is available in "))) | .[0].time) as $a |
    (map(select(.text? // "" | test("^copied AMI "))) | .[0].time) as $b |
    if $a and $b then
      (($b | sub("\\.[0-9]+Z$"; "Z") | fromdate) + ($b | capture("\\.(?<f>[0-9]+)Z$").f | "0." + . | tonumber)) -
      (($a | sub("\\.[0-9]+Z$"; "Z") | fromdate) + ($a | capture("\\.(?<f>[0-9]+)Z$").f | "0." + . | tonumber))
      | . * 1000 | round / 1000
    else empty end' "$LOGS/$1.log" 2>/dev/null
}

if curl -s -o /dev/null --max-time 2 "$MOTO/moto-api/"; then
  log "aws: a project with an AMI image and an asg target of 3 instances, on moto at $MOTO"
  FIXTURE=$(python3 "$ROOT/scripts/moto_fixture.py" setup "$MOTO") || die "aws: could not set up moto"
  SOURCE_AMI=$(jq -r .ami <<<"$FIXTURE")
  TARGET_GROUP=$(jq -r .target_group <<<"$FIXTURE")
  mkdir -p "$AWS_DIR/templates/web" "$AWS_DIR/images/web"
  cat >"$AWS_DIR/templates/web/ami.yaml" <<EOF
source: {ami: $SOURCE_AMI}
scripts: [setup.sh]
env: {WEB_VERSION: "{{ .Version }}"}
regions: [{{ .Vars.regions }}]
EOF
  # shellcheck disable=SC2016 # expanded on the build instance, not here
  printf '#!/bin/sh\necho "web $WEB_VERSION" >/etc/motd\n' >"$AWS_DIR/images/web/setup.sh"
  # aws_project REGIONS writes bake.yaml with the copies going to REGIONS.
  aws_project() {
    cat >"$AWS_DIR/bake.yaml" <<EOF
project: bench-aws
ledger: ledger.db
aws: {region: us-east-1, endpoint: "$MOTO"}
images:
  web:
    template: templates/web
    vars: {regions: "$1"}
environments:
  - name: prod
    retention: {previous: stopped}
    targets:
      web: {type: asg, replicas: 3, target_groups: ["$TARGET_GROUP"], health_timeout: 2m}
EOF
  }
  aws_project "us-west-2"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  python3 "$ROOT/scripts/moto_fixture.py" power-off "$MOTO" bench-aws &
  POWER_OFF_PID=$!
  cd "$AWS_DIR"
  must aws-release-1.0.0 "$BAKE" release web --version 1.0.0
  must aws-release-1.1.0 "$BAKE" release web --version 1.1.0
  timed aws-promote-first "$OP_TIMEOUT" "$BAKE" promote web@1.0.0 --to prod
  [[ $OK == yes ]] && AWS_FIRST=$(aws_calls aws-promote-first)
  for i in $(seq 1 "$ROUNDS"); do
    log "aws round $i/$ROUNDS: promote web@1.1.0 to a 3-instance group, then roll back"
    timed "aws-promote-$i" "$OP_TIMEOUT" "$BAKE" promote web@1.1.0 --to prod
    [[ $OK == yes ]] && AWS_PROMOTE+=("$(aws_calls "aws-promote-$i")")
    timed "aws-rollback-$i" "$OP_TIMEOUT" "$BAKE" rollback web --env prod
    [[ $OK == yes ]] && AWS_ROLLBACK+=("$(aws_calls "aws-rollback-$i")")
  done
  for i in $(seq 1 "$ROUNDS"); do
    log "aws round $i/$ROUNDS: rebuild with copies to 1 region, then to 3"
    aws_project "us-west-2"
    timed "aws-copy1-$i" "$RELEASE_TIMEOUT" "$BAKE" build web --version 2.0.0 --force -o json
    [[ $OK == yes ]] && COPY1+=("$TOOK3") && COPY1_STEP+=("$(copy_step "aws-copy1-$i")")
    aws_project "us-west-2, eu-west-1, ap-southeast-2"
    timed "aws-copy3-$i" "$RELEASE_TIMEOUT" "$BAKE" build web --version 2.0.0 --force -o json
    [[ $OK == yes ]] && COPY3+=("$TOOK3") && COPY3_STEP+=("$(copy_step "aws-copy3-$i")")
  done
  kill "$POWER_OFF_PID" 2>/dev/null || true
  POWER_OFF_PID=""
  cd "$PROJECT_DIR"
else
  log "aws: no moto server answers at $MOTO: skipping (scripts/services.sh up starts one)"
fi

# ---- 6. the report -------------------------------------------------------

read -r p_med p_min p_max < <(stats "${PROMOTE[@]:-0}")
read -r r_med r_min r_max < <(stats "${ROLLBACK[@]:-0}")
read -r f_med f_min f_max < <(stats "${FLOOR[@]}")
read -r ps_med ps_min ps_max < <(stats "${PROMOTE_SERVED[@]:-0}")
read -r rs_med rs_min rs_max < <(stats "${ROLLBACK_SERVED[@]:-0}")
read -r a_med a_min a_max < <(stats_p 3 "${REUSE[@]:-0}")
read -r b_med b_min b_max < <(stats_p 3 "${RELEASE_REUSE[@]:-0}")
read -r c_med c_min c_max < <(stats_p 3 "${PACKER_BAKE[@]:-0}")
read -r cr_med cr_min cr_max < <(stats_p 3 "${PACKER_RAW[@]:-0}")
read -r d_med d_min d_max < <(stats_p 3 "${COLD[@]:-0}")
read -r e_med e_min e_max < <(stats_p 3 "${WARM[@]:-0}")

# xfold R prints the ratio R as "Rx", or "-".
xfold() { if [[ $1 == - ]]; then echo -; else echo "${1}x"; fi; }

# minus A B prints A-B in seconds with a sign, or "-" when either is "-".
minus() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%+.3f", a - b }'; }

# verdict VALUE OP TARGET prints whether VALUE OP TARGET holds (OP is >= or
# <=): "met", "missed", or "missed (not measured)" when VALUE is "-".
verdict() {
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "-") { print "missed (not measured)"; exit }
    ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 <= t + 0)
    print (ok ? "met" : "missed")
  }'
}

if ((${#REUSE[@]} > 0)); then
  vs_packer=$(ratio "$c_med" "$a_med")
  vs_cold=$(ratio "$d_med" "$a_med")
else
  vs_packer=- vs_cold=-
fi
((${#PACKER_BAKE[@]} > 0)) || vs_packer=-
((${#COLD[@]} > 0)) || vs_cold=-
# bake reuse minus the warm docker build of the same round.
OVER_WARM=()
for i in "${!REUSE_AT[@]}"; do
  [[ -n ${WARM_AT[i]:-} ]] && OVER_WARM+=("$(minus "${REUSE_AT[i]}" "${WARM_AT[i]}")")
done
over_warm=- worst_over_warm=-
if ((${#OVER_WARM[@]} > 0)); then
  read -r over_warm _ worst_over_warm < <(stats_p 3 "${OVER_WARM[@]}")
  over_warm=$(minus "$over_warm" 0) worst_over_warm=$(minus "$worst_over_warm" 0)
fi
bake_out=- raw_out=- packer_overhead=-
((${#PACKER_BAKE_OUT[@]} > 0)) && read -r bake_out _ < <(stats_p 3 "${PACKER_BAKE_OUT[@]}")
((${#PACKER_RAW_OUT[@]} > 0)) && read -r raw_out _ < <(stats_p 3 "${PACKER_RAW_OUT[@]}")
packer_overhead=$(minus "$bake_out" "$raw_out")

bake_version=$("$BAKE" version)
bake_commit=$("$BAKE" version -o json | jq -r '.commit // empty')
[[ -n $bake_commit ]] || bake_commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || true)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)

# aws_tables prints the AWS measurements.
aws_tables() {
  if ((${#AWS_PROMOTE[@]} + ${#COPY1[@]} == 0)); then
    printf '\n### AWS\n\nNot measured: no moto server answered at %s.\n' "$MOTO"
    return
  fi
  local pm rm c1 c3 s1 s3
  read -r pm _ < <(stats_p 0 "${AWS_PROMOTE[@]:-0}")
  read -r rm _ < <(stats_p 0 "${AWS_ROLLBACK[@]:-0}")
  read -r c1 _ < <(stats_p 3 "${COPY1[@]:-0}")
  read -r c3 _ < <(stats_p 3 "${COPY3[@]:-0}")
  read -r s1 _ < <(stats_p 3 "${COPY1_STEP[@]:-0}")
  read -r s3 _ < <(stats_p 3 "${COPY3_STEP[@]:-0}")
  cat <<EOF

### AWS, on moto: a 3-instance Auto Scaling group, and AMI copies

moto answers every call at once and reports targets healthy as soon as they
are registered, so these are counts and ratios, not AWS's own times: on AWS
every 5 s of waiting for health adds one DescribeAutoScalingGroups and one
DescribeTargetHealth per target group. Each count is what \`bake\` itself reports
("aws: N API calls"), every attempt of every call included.

| operation | API calls, median | each run |
| --- | ---: | --- |
| first \`bake promote web@1.0.0 --to prod\` (creates the group) | $AWS_FIRST | $AWS_FIRST |
| \`bake promote web@1.1.0 --to prod\` (new group, old one scaled to zero) | $pm | ${AWS_PROMOTE[*]:--} |
| \`bake rollback web --env prod\` (old group scaled back up, new one to zero) | $rm | ${AWS_ROLLBACK[*]:--} |

| build with \`--force\` | copies | build median s | each build, s | copy step median s | each copy step, s |
| --- | ---: | ---: | --- | ---: | --- |
| \`regions: [us-west-2]\` | 1 | $c1 | ${COPY1[*]:--} | $s1 | ${COPY1_STEP[*]:--} |
| \`regions: [us-west-2, eu-west-1, ap-southeast-2]\` | 3 | $c3 | ${COPY3[*]:--} | $s3 | ${COPY3_STEP[*]:--} |

The copy step runs from the AMI being available in the build region to every
copy being available; the copies run in parallel, so 3 regions should cost
about what 1 does: 3 copies / 1 copy = $(ratio "$s3" "$s1") for the step, $(ratio "$c3" "$c1") for the whole build.
Most of a build's time is the SDK waiter's 15 s poll for the build instance to stop.
On moto a copy is available as soon as it is asked for, so the step is a few
API calls either way and its ratio is per-call overhead; on AWS, where each
copy takes minutes, copying one region after another would multiply it.
EOF
}

# keep_tables prints the rollback-by-retention table and its goals.
keep_tables() {
  local keep pmed med min max cold warm_r=- third
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  read -r cold _ < <(stats_p 3 ${KEEP_PROMOTE[removed]:-0})
  cat <<EOF

### Rollback by what dev keeps of the replaced release (\`retention.previous\`), $ROUNDS of each

| dev keeps | promote median s | each promote, s | rollback median s | min s | max s | each rollback, s | rollback: until the front door answers 1.0.0, median s | rollback / promote that starts new replicas |
| --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: |
EOF
  for keep in "${KEEPS[@]}"; do
    # shellcheck disable=SC2086
    read -r pmed _ < <(stats_p 3 ${KEEP_PROMOTE[$keep]:-0})
    # shellcheck disable=SC2086
    read -r med min max < <(stats_p 3 ${KEEP_ROLLBACK[$keep]:-0})
    # shellcheck disable=SC2086
    read -r smed _ < <(stats_p 2 ${KEEP_SERVED[$keep]:-0})
    [[ $keep == warm && -n ${KEEP_ROLLBACK[warm]} ]] && warm_r=$med
    echo "| $keep | $pmed | ${KEEP_PROMOTE[$keep]:--} | $med | $min | $max | ${KEEP_ROLLBACK[$keep]:--} | $smed | $(ratio "$med" "$cold") |"
  done
  third=$(awk -v c="$cold" 'BEGIN { printf "%.3f", c / 3 }')
  cat <<EOF

The promote is \`bake promote hello@1.1.0 --to dev\`, the rollback \`bake rollback
hello --env dev\`, each timed from start to exit. With \`removed\`, every promote
starts new replicas (those of 1.1.0 went when dev rolled back from it): that
promote, median $cold s, is the one a rollback is held against.

| goal | target | measured | verdict |
| --- | --- | --- | --- |
| \`warm\` rollback under 1 second (median) | <= 1.000 s | $warm_r s | $(verdict "$warm_r" "<=" 1) |
| \`warm\` rollback under a third of a promote that starts new replicas (median) | <= $third s | $warm_r s | $(verdict "$warm_r" "<=" "$third") |
EOF
}

# strategy_tables prints the zero-downtime runs of both strategies and their goals.
strategy_tables() {
  local entry strategy
  cat <<EOF

### Zero downtime for each strategy: $ROUNDS promotes and $ROUNDS rollbacks under \`hey -c $LOAD_WORKERS -m POST -d ping $FRONT_DOOR/healthz\`

| strategy | promotes and rollbacks that succeeded, in | requests | failed | requests/s | status codes | errors |
| --- | --- | ---: | ---: | ---: | --- | ---: |
$(printf '%s\n' "${STRATEGY_LOAD[@]}")

| goal | target | measured | verdict |
| --- | --- | --- | --- |
EOF
  for entry in "${STRATEGIES[@]}"; do
    strategy=${entry%%|*}
    echo "| $strategy: requests sent | >= 20000 | ${STRATEGY_REQUESTS[$strategy]:--} | $(verdict "${STRATEGY_REQUESTS[$strategy]:--}" ">=" 20000) |"
    echo "| $strategy: requests per second | >= 500 | ${STRATEGY_RPS[$strategy]:--} | $(verdict "${STRATEGY_RPS[$strategy]:--}" ">=" 500) |"
    echo "| $strategy: failed requests | <= 0 | ${STRATEGY_FAILED[$strategy]:--} | $(verdict "${STRATEGY_FAILED[$strategy]:--}" "<=" 0) |"
    echo "| $strategy: promotes and rollbacks that succeeded | >= $((2 * ROUNDS)) | ${STRATEGY_SWITCHES[$strategy]:--} | $(verdict "${STRATEGY_SWITCHES[$strategy]:--}" ">=" $((2 * ROUNDS))) |"
  done
}

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
  keep_tables
  aws_tables
  strategy_tables
  if ((${#LOAD_ERRORS[@]} > 0)); then
    local fence='```'
    printf '\nErrors reported by hey (at most 10 lines a run):\n\n%s\n%s\n%s\n' "$fence" "$(printf '%s\n' "${LOAD_ERRORS[@]}")" "$fence"
  fi
  cat <<EOF

### Baking: \`webapp\`, an \`apt-get install\` layer on debian, $ROUNDS rounds, each operation once a round

| operation | median s | min s | max s | ok | each run, s | median / bake reuse |
| --- | ---: | ---: | ---: | ---: | --- | ---: |
| bake reuse: \`bake build webapp --version 1.0.0\` (inputs unchanged since a release) | $a_med | $a_min | $a_max | ${#REUSE[@]}/$ROUNDS | ${REUSE[*]:--} | 1.0 |
| \`bake release webapp --version 1.0.K\`, K = 1..$ROUNDS (reuse, $WEBAPP_CHECKS checks, record, tag) | $b_med | $b_min | $b_max | ${#RELEASE_REUSE[@]}/$ROUNDS | ${RELEASE_REUSE[*]:--} | $(ratio "$b_med" "$a_med") |
| packer build: \`bake build webapp-packer --version 1.0.0 --force\` | $c_med | $c_min | $c_max | ${#PACKER_BAKE[@]}/$ROUNDS | ${PACKER_BAKE[*]:--} | $(ratio "$c_med" "$a_med") |
| \`packer build -var base=... webapp.pkr.hcl\` alone | $cr_med | $cr_min | $cr_max | ${#PACKER_RAW[@]}/$ROUNDS | ${PACKER_RAW[*]:--} | $(ratio "$cr_med" "$a_med") |
| cold: \`docker build -q --no-cache\` of the rendered context | $d_med | $d_min | $d_max | ${#COLD[@]}/$ROUNDS | ${COLD[*]:--} | $(ratio "$d_med" "$a_med") |
| warm: \`docker build -q\` of the rendered context, every step cached | $e_med | $e_min | $e_max | ${#WARM[@]}/$ROUNDS | ${WARM[*]:--} | $(ratio "$e_med" "$a_med") |

| goal | target | measured | verdict |
| --- | --- | --- | --- |
| bake reuse at least 50x faster than packer build (median over median) | >= 50 | $(xfold "$vs_packer") | $(verdict "$vs_packer" ">=" 50) |
| bake reuse at least 20x faster than the cold docker build (median over median) | >= 20 | $(xfold "$vs_cold") | $(verdict "$vs_cold" ">=" 20) |
| bake reuse never more than 0.2 s slower than the warm docker build (bake reuse minus the warm build of the same round, worst of ${#OVER_WARM[@]}; median: $over_warm s; each: ${OVER_WARM[*]:--}) | <= +0.200 s | $worst_over_warm s | $(verdict "$worst_over_warm" "<=" 0.2) |

The packer build row runs Packer through bake, so it includes bake's own
overhead: asking Packer for its version, making sure the base is in the engine,
and one more build step that adds the labels. Packer's own build time varies
from run to run by more than that overhead, so it is measured apart: the time
of each run outside Packer's own build (what Packer reports as "Wait completed
after ..."), median $bake_out s through bake against $raw_out s for Packer alone:
bake adds $packer_overhead s. The medians of the two rows differ by
$(minus "$c_med" "$cr_med") s.
EOF
  if ((${#FAILED_OPS[@]} > 0)); then
    printf '\ncommands that failed:\n\n'
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
- **Rollback by retention**: dev's \`retention.previous\` set to \`warm\`, \`stopped\` and
  \`removed\` in turn; after one unmeasured promote and rollback, $ROUNDS promotes of
  1.1.0 and rollbacks to 1.0.0 alternate.
- **Zero downtime for each strategy**: hey sends POSTs (never resent) with
  $LOAD_WORKERS workers to dev's front door, from ${PAUSE} s before the first of $ROUNDS
  promotes and $ROUNDS rollbacks (run one after the other) until ${PAUSE} s after the
  last; \`rolling\` runs with \`min_healthy: 1\`, so each step first takes an old
  replica out of traffic and stops it.
- **Floor**: the least any switch can cost: \`docker run -d -p 127.0.0.1::8080\` of
  hello@1.1.0 by digest, then polling its /healthz every 20 ms until the first 200;
  $ROUNDS runs, each container removed after.
- **Zero downtime**: \`hey\` against dev's front door for $LOAD_DURATION with $LOAD_WORKERS
  workers; in a switch run a promote to 1.1.0 starts ${PAUSE} s in and a rollback
  ${PAUSE} s after it ends; a control run has no switch. hey's client silently sends a
  bodiless GET again when a reused connection breaks, so the GET runs show what a
  retrying client sees; the POST runs (with a body, never resent) show every request
  the front door broke. The front door is a server in the one Caddy that every bake
  project on the machine shares; a switch rewrites the files its upstreams read, so
  Caddy's config does not change and nothing is reloaded.
- **Baking**: \`webapp\` (test/bench/templates/apt-service): FROM debian@1.0.0 by
  digest, one \`RUN apt-get update && apt-get install -y --no-install-recommends curl
  ca-certificates\`, one COPY of a script from its context, a CMD, and
  $WEBAPP_CHECKS command checks; released once as 1.0.0 in the setup. **bake reuse**
  is \`bake build webapp --version 1.0.0\`: the inputs digest matches webapp@1.0.0, so
  bake calls no builder (every run's output is checked for "inputs unchanged ...
  reusing"). \`bake release webapp --version 1.0.K\` records a new version of the
  same artifact: nothing is built or pushed, but its checks run in sandbox
  containers, and it tags the git commit. \`webapp-packer\` is the same image as a
  Packer template (test/bench/templates/apt-packer: docker builder on the same base,
  a shell provisioner with the same apt-get, a file provisioner with the same
  script); Packer has no build cache, so it installs the packages every time. It
  runs through bake (\`--force\`) and alone. The docker builds use the Dockerfile
  bake renders (its sha256 is checked against the template digest bake recorded
  for webapp@1.0.0) in a copy of webapp's context, with the legacy builder that
  bake uses too (\`DOCKER_BUILDKIT=0\`): **cold** is \`--no-cache\`, what a fresh CI
  runner does, except that the base image is already local; **warm** follows one
  unmeasured build, every step from the cache. Every packer and cold build fetches
  packages from Debian's mirror, so the network's speed is part of those numbers.
  Each round runs every operation once, in the table's order; the bench-cold and
  bench-warm images and the images Packer made are removed afterwards.

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

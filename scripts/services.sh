#!/usr/bin/env bash
# Installs and runs the services that bake's tests, demo and benchmarks use:
# the Docker engine, an open OCI registry on 127.0.0.1:5000, a second one with
# TLS and htpasswd auth on 127.0.0.1:5443 (as real registries are) and
# moto_server (the AWS API) on 127.0.0.1:5001. Caddy is only installed: bake starts one Caddy per
# front door itself, each with its admin API on a private unix socket.
# It is built with `go install` (into /usr/local/bin as root, else $STATE/bin)
# because bake needs Caddy 2.11.4 or later, which reads upstream addresses
# from files on every request; Debian's caddy reloads on every change.
# As root it also runs buildkitd, BuildKit as a daemon of its own with TLS on
# 127.0.0.1:1234 and arm64 emulation (scripts/buildkitd/buildkitd.sh).
# Prometheus listens on 127.0.0.1:9090 and scrapes every second the targets
# that the JSON files in $BAKE_SERVICES_DIR/prometheus/targets/ list
# (scripts/prometheus.sh). A Kubernetes control plane (etcd, the API server on
# 127.0.0.1:6443, controller manager, scheduler, and kwok playing two nodes)
# runs for bake's Kubernetes tests; its admin kubeconfig is
# $BAKE_SERVICES_DIR/kube/kubeconfig (scripts/kube/kube.sh).
#
# usage: scripts/services.sh up|status|down|kube-build
#
#   up      install what is missing, start what does not answer, print status;
#           when the Kubernetes binaries are missing it does not wait the
#           minutes their build takes: a background job builds them and then
#           starts the cluster (scripts/kube/kube.sh), and the tests that
#           need the cluster wait for it (internal/servicestest.KubeConfig)
#   status  one line per service; exit 0 when docker, both registries, moto,
#           prometheus, kube (or its background job) and (as root)
#           buildkitd are up
#   down    stop what `up` started (found by pid files), the background job
#           too; data stays in place
#   kube-build  build the Kubernetes binaries in the background, as `up`
#           would, without starting the cluster (to prepare a machine); the
#           binaries go to KUBE_BIN_DIR (default /usr/local/bin as root)
#
# Logs, pid files, the registries' configs and storage live in
# ${BAKE_SERVICES_DIR:-<repo>/.services}. The auth registry's CA (ca.pem) and
# its test user and password (credentials, as BAKE_REGISTRY_USER=... and
# BAKE_REGISTRY_PASSWORD=... lines) are in authregistry/ there, made once and
# kept across runs; the tests read them from there.
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$(realpath -m "${BAKE_SERVICES_DIR:-$ROOT/.services}")"
DOCKER_SOCK=/var/run/docker.sock
REGISTRY_ADDR=127.0.0.1:5000
MOTO_HOST=127.0.0.1
MOTO_PORT=5001
# The admin API of the one shared Caddy that bake before front doors of
# their own started; the next bake that deploys moves its routes.
CADDY_SHARED_ADMIN=127.0.0.1:2019
CADDY_VERSION=v2.11.9
CADDY_MODULE=github.com/caddyserver/caddy/v2
START_TIMEOUT=60
STOP_TIMEOUT=30

# command:package pairs, the command telling whether the package is installed.
PACKAGES=(
  dockerd:docker.io docker-registry:docker-registry packer:packer
  mmdebstrap:mmdebstrap hey:hey git:git curl:curl busybox:busybox-static
  htpasswd:apache2-utils openssl:openssl
  # bash's completion helpers, which bake's bash completion script calls
  /usr/share/bash-completion/bash_completion:bash-completion
  # The dashboard's tests and screenshot drive Chromium, headless.
  chromium:chromium
  # canary analysis with Prometheus queries (scripts/prometheus.sh)
  prometheus:prometheus
)
# shellcheck source-path=SCRIPTDIR source=authregistry.sh
source "$ROOT/scripts/authregistry.sh"
# shellcheck source-path=SCRIPTDIR source=buildkitd/buildkitd.sh
source "$ROOT/scripts/buildkitd/buildkitd.sh"
# shellcheck source-path=SCRIPTDIR source=caddy.sh
source "$ROOT/scripts/caddy.sh"
# shellcheck source-path=SCRIPTDIR source=prometheus.sh
source "$ROOT/scripts/prometheus.sh"
# shellcheck source-path=SCRIPTDIR source=kube/kube.sh
source "$ROOT/scripts/kube/kube.sh"
PACKAGES+=("${KUBE_PACKAGES[@]}")
((EUID != 0)) || PACKAGES+=("${BUILDKITD_PACKAGES[@]}")

log() { printf 'services: %s\n' "$*" >&2; }

# noisy runs an installer (apt-get, go install, pip) whose output matters
# only when it fails. With BAKE_INSTALL_LOG set (make demo sets it), the
# output goes to that file, and its end to stderr if the installer fails;
# otherwise it goes to stderr as it comes.
noisy() {
  if [[ -z ${BAKE_INSTALL_LOG:-} ]]; then
    "$@" >&2
    return
  fi
  local rc=0
  "$@" >>"$BAKE_INSTALL_LOG" 2>&1 || rc=$?
  if ((rc != 0)); then
    log "$1 failed (exit $rc); the end of $BAKE_INSTALL_LOG:"
    tail -n 20 "$BAKE_INSTALL_LOG" >&2
  fi
  return "$rc"
}
die() {
  log "$*"
  exit 1
}

# Probes: each succeeds when the service answers.
probe() { curl -sf --max-time 2 -o /dev/null "$@" 2>/dev/null; }
docker_up() { probe --unix-socket "$DOCKER_SOCK" http://localhost/_ping; }
registry_up() { probe "http://$REGISTRY_ADDR/v2/"; }
moto_up() { probe "http://$MOTO_HOST:$MOTO_PORT/moto-api/"; }
caddy_shared_up() { probe "http://$CADDY_SHARED_ADMIN/config/"; }

# caddy_doors prints "RUNNING of TOTAL" for the front doors under bake's
# state dir (BAKE_STATE_DIR, else $XDG_STATE_HOME/bake, else ~/.local/state/bake).
caddy_doors() {
  local dir=${BAKE_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/bake} total=0 up=0 rec pid
  for rec in "$dir"/caddy/doors/*/door.json; do
    [[ -e $rec ]] || continue
    total=$((total + 1))
    pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "${rec%/*}/caddy.started.json" 2>/dev/null || true)
    [[ -n $pid && -d /proc/$pid ]] && up=$((up + 1))
  done
  printf '%d of %d running under %s/caddy/doors' "$up" "$total" "$dir"
}

# have CMD also looks in the sbin directories, which a user's PATH may lack;
# a CMD with a slash is a path.
have() {
  if [[ $1 == */* ]]; then [[ -e $1 ]]; else
    command -v "$1" >/dev/null || [[ -x /usr/sbin/$1 || -x /sbin/$1 ]]
  fi
}

missing_packages() {
  local entry
  for entry in "${PACKAGES[@]}"; do
    have "${entry%%:*}" || printf '%s\n' "${entry#*:}"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} > 0)) || return 0
  if ((EUID != 0)) || ! have apt-get; then
    log "missing Debian packages: ${missing[*]}; install them with:"
    install_command "${missing[@]}"
    exit 1
  fi
  log "installing ${missing[*]}"
  apt_install "${missing[@]}"
}

install_command() {
  local sudo=""
  ((EUID == 0)) || sudo="sudo "
  printf '%sapt-get update && %sapt-get install -y --no-install-recommends %s\n' "$sudo" "$sudo" "$*"
}

# apt_install runs in a subshell so its trap always removes the policy file.
# Debian's caddy, docker.io, docker-registry and prometheus start their
# services on install, listening on every address; a policy-rc.d that exits 101 stops that.
apt_install() (
  local policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  noisy apt-get update -q
  noisy env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
)

# ensure_loopback_only fails when one of the service ports is bound on an
# address other than loopback: a probe would then reach the wrong server.
ensure_loopback_only() {
  command -v ss >/dev/null || return 0
  local port bound
  for port in "${REGISTRY_ADDR##*:}" "${AUTH_REGISTRY_ADDR##*:}" "$MOTO_PORT" "${BUILDKITD_ADDR##*:}" "${PROMETHEUS_ADDR##*:}" \
    "${KUBE_API##*:}" "${ETCD_CLIENT##*:}" "${ETCD_PEER##*:}" 10257 10259 "${KWOK_ADDR##*:}"; do
    bound=$(ss -Hltn "sport = :$port" | awk '$4 !~ /^(127\.0\.0\.1|\[::1\]):/ {print $4}')
    [[ -z $bound ]] || die "port $port is bound on $bound; stop that service, bake's services listen on 127.0.0.1 only"
  done
}

pid_of() { [[ -s $STATE/$1.pid ]] && cat "$STATE/$1.pid"; }
alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }

# spawn NAME CMD... runs CMD from / in its own session, detached from this
# shell, logging to NAME.log and recording its pid in NAME.pid. The lock's fd
# is closed so that the daemon does not hold the lock forever.
spawn() {
  local name=$1 _
  shift
  rm -f "$STATE/$name.pid"
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'cd / && echo $$ >"$1" && shift && exec "$@"' "$name" "$STATE/$name.pid" "$@" \
    </dev/null >"$STATE/$name.log" 2>&1 9>&- &
  for _ in {1..100}; do
    [[ -s $STATE/$name.pid ]] && return 0
    sleep 0.02
  done
  die "$name: could not start $1"
}

# wait_for NAME PROBE waits until PROBE succeeds; it fails early when NAME's
# process exits, and shows the end of its log.
wait_for() {
  local name=$1 probe=$2 deadline=$((SECONDS + START_TIMEOUT))
  until "$probe"; do
    alive "$(pid_of "$name")" || fail_start "$name" "exited"
    ((SECONDS < deadline)) || fail_start "$name" "did not answer within ${START_TIMEOUT}s"
    sleep 0.2
  done
  log "$name: started (pid $(pid_of "$name"), log $STATE/$name.log)"
}

# fail_start NAME REASON shows the end of NAME's log and stops what is left
# of it, so that the next run starts afresh.
fail_start() {
  log "$1 $2; end of $STATE/$1.log:"
  tail -n 30 "$STATE/$1.log" >&2
  stop "$1" ""
  exit 1
}

# Docker's default address pools hold 31 networks (a /16 each); the tests
# make two to four networks a project, four projects at a time, and a run
# that was killed leaves its networks behind. The engine started here takes
# /24 networks from one /16 instead: 256 of them. A pool set in
# /etc/docker/daemon.json is left as it is (the flag would conflict with it).
DOCKER_POOL=${DOCKER_POOL:-base=10.200.0.0/16,size=24}

start_docker() {
  docker_up && return 0
  ((EUID == 0)) || die "no Docker engine answers on $DOCKER_SOCK for $(id -un); run this as root to start one"
  local args=()
  grep -qs default-address-pools /etc/docker/daemon.json || args=(--default-address-pool "$DOCKER_POOL")
  spawn docker dockerd "${args[@]}"
  wait_for docker docker_up
}

# write_registry_config DIR ADDR writes DIR/config.yml for a docker-registry
# on ADDR storing in DIR/storage, with deletes enabled (bake gc deletes), and
# appends what it reads from stdin (more of the http: section, then other
# sections). It keeps the upload secret of an earlier config, so that
# uploads in progress survive a restart.
write_registry_config() {
  local dir=$1 addr=$2 secret
  secret=$(sed -n 's/^  secret: //p' "$dir/config.yml" 2>/dev/null || true)
  [[ -n $secret ]] || secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  mkdir -p "$dir/storage"
  {
    cat <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: "$dir/storage"
  delete:
    enabled: true
http:
  addr: $addr
  secret: $secret
EOF
    cat
  } >"$dir/config.yml"
}

start_registry() {
  registry_up && return 0
  write_registry_config "$STATE/registry" "$REGISTRY_ADDR" </dev/null
  spawn registry docker-registry serve "$STATE/registry/config.yml"
  wait_for registry registry_up
}


# moto_bin prints the moto_server to run, installing moto[server] into a
# virtualenv in the state directory only when none is on PATH.
moto_bin() {
  local venv=$STATE/venv
  command -v moto_server && return 0
  if [[ ! -x $venv/bin/moto_server ]]; then
    log "installing moto[server] into $venv"
    noisy python3 -m venv "$venv" || die "python3 -m venv failed; install python3-venv"
    noisy "$venv/bin/pip" install -q 'moto[server]'
  fi
  echo "$venv/bin/moto_server"
}

start_moto() {
  moto_up && return 0
  local bin
  bin=$(moto_bin)
  spawn moto "$bin" -H "$MOTO_HOST" -p "$MOTO_PORT"
  wait_for moto moto_up
}

# stop NAME PATTERN stops the process in NAME.pid if it is still the one this
# script started (its command line matches PATTERN).
stop() {
  local name=$1 pattern=$2 pid
  pid=$(pid_of "$name") || return 0
  rm -f "$STATE/$name.pid"
  if ! alive "$pid" || ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern"; then
    return 0
  fi
  kill -TERM "$pid"
  wait_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
  log "$name: stopped (pid $pid)"
}

wait_gone() {
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# lock serialises concurrent up and down runs (e.g. parallel make targets).
lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/lock"
  flock 9
}

# report NAME PROBE ADDRESS prints one status line; it fails when down.
report() {
  local state=down
  "$2" && state=up
  printf '%-9s %-5s %s\n' "$1" "$state" "$3"
  [[ $state == up ]]
}

cmd_status() {
  local rc=0
  report docker docker_up "unix://$DOCKER_SOCK" || rc=1
  report registry registry_up "http://$REGISTRY_ADDR" || rc=1
  local where="CA and credentials in $AUTH_REGISTRY_DIR"
  [[ -s $AUTH_REGISTRY_DIR/credentials ]] || where="no CA and credentials here: started from another state directory?"
  report authreg auth_registry_up "https://$AUTH_REGISTRY_ADDR (TLS + htpasswd; $where)" || rc=1
  report moto moto_up "http://$MOTO_HOST:$MOTO_PORT" || rc=1
  report_buildkitd || rc=1
  report_prometheus || rc=1
  report_kube || rc=1
  local caddy_bin caddy_ver
  caddy_bin=$(command -v caddy || true)
  caddy_ver=$(caddy_version "$caddy_bin")
  printf '%-9s %-5s %s\n' caddy doors "$(caddy_doors) (binary ${caddy_bin:-none} ${caddy_ver:-not $CADDY_VERSION})"
  if caddy_shared_up; then
    log "a shared caddy answers on $CADDY_SHARED_ADMIN (started by an earlier bake): the next bake promote moves its routes to front doors of their own"
  fi
  return "$rc"
}

# When Caddy swaps its listening socket on a config change (bake's front-door
# switch), connections still waiting in the old socket's accept queue move to
# the new one instead of being reset. Best effort: a kernel without it, or a
# machine where it cannot be set, keeps working as before.
migrate_pending_connections() {
  local knob=/proc/sys/net/ipv4/tcp_migrate_req
  [[ -w $knob ]] || return 0
  [[ $(cat "$knob") == 1 ]] || echo 1 >"$knob" 2>/dev/null || log "could not set net.ipv4.tcp_migrate_req=1"
}

cmd_up() {
  lock
  # Building Kubernetes takes minutes on a fresh machine: it runs in the
  # background while the other services install and start, and after.
  kube_background
  install_packages
  install_caddy
  ensure_loopback_only
  migrate_pending_connections
  start_docker
  start_registry
  start_auth_registry
  start_moto
  start_buildkitd
  start_prometheus
  kube_up
  cmd_status
}

cmd_kube_build() {
  lock
  if kube_built && kwok_built; then
    log "kube: Kubernetes $KUBE_VERSION and kwok $KWOK_VERSION are in $KUBE_BIN"
    return 0
  fi
  kube_job_start build
}

cmd_down() {
  lock
  cmd_down_kube
  stop prometheus prometheus
  stop buildkitd buildkitd
  stop moto moto_server
  stop authregistry docker-registry
  stop registry docker-registry
  stop docker dockerd
}

main() {
  case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  down) cmd_down ;;
  kube-build) cmd_kube_build ;;
  # the background job that kube_job_start starts
  kube-job) cmd_kube_job "${2:-up}" ;;
  *)
    echo "usage: $0 up|status|down|kube-build" >&2
    exit 2
    ;;
  esac
}

main "$@"

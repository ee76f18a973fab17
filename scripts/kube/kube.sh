# shellcheck shell=bash
# The Kubernetes control plane bake's tests deploy to, for scripts/services.sh
# (sourced there; it uses that script's STATE, ROOT, log, die, noisy, probe,
# spawn, wait_for, stop, pid_of, alive and START_TIMEOUT). All on 127.0.0.1:
#
#   etcd                     http://127.0.0.1:12379 (peer 12380), data in $STATE/kube/etcd
#   kube-apiserver           https://127.0.0.1:6443
#   kube-controller-manager  https://127.0.0.1:10257 (health only)
#   kube-scheduler           https://127.0.0.1:10259 (health only)
#   kwok                     http://127.0.0.1:10247 (health only)
#
# The API server, controller manager and scheduler are the real ones, so the
# cluster proves the API choreography bake relies on: objects, RBAC,
# deployments and replica sets, scheduling, rollouts and rollbacks,
# readiness as the controllers count it, services and their endpoints.
# There is no kubelet and no container runtime: kwok plays the two nodes
# (scripts/kube/nodes.yaml) and moves each pod through the stages in
# scripts/kube/stages (Ready, or by the label bake-test/fate never ready or
# crash-looping). So no container ever runs: what an image does, its probes,
# its logs and its exit codes are not tested here, and the pod IPs kwok hands
# out are fake (10.244.0.0/16): nothing may ever connect to them.
#
# The certificates (a CA, the API server's, a service-account key pair, one
# client certificate per component and the admin's, in system:masters) are
# made with openssl once and kept in $STATE/kube/pki. The admin kubeconfig,
# context "bake-test", is $STATE/kube/kubeconfig.
#
# The binaries are built from the Go module in this directory (Kubernetes
# v1.34.2) and kwok with `go install` (its own module) into KUBE_BIN_DIR
# (default /usr/local/bin as root, else $STATE/bin). A cold build takes 6 to
# 8 minutes of CPU, so when a binary is missing `up` does not wait for it: it
# starts a background job (kube_job) that builds them, then starts the
# cluster, and returns. The job logs to $STATE/kube/build.log, keeps its pid
# in $STATE/kube/build.pid and says where it is in $STATE/kube/state:
# "building SINCE", then "ready SINCE" or "failed SINCE" ("built SINCE" for
# `kube-build`). internal/servicestest.KubeConfig waits on that file, so the
# tests that need the cluster start once it is ready while the others run.

KUBE_VERSION=v1.34.2
KWOK_VERSION=v0.8.0
KUBE_SRC=$ROOT/scripts/kube
# shellcheck disable=SC2153 # STATE is services.sh's
KUBE_DIR=$STATE/kube
KUBE_PKI=$KUBE_DIR/pki
KUBE_BIN=${KUBE_BIN_DIR:-/usr/local/bin}
((EUID == 0)) || [[ -n ${KUBE_BIN_DIR:-} ]] || KUBE_BIN=$STATE/bin
KUBE_STATE=$KUBE_DIR/state
KUBECONFIG_ADMIN=$KUBE_DIR/kubeconfig
KUBE_API=https://127.0.0.1:6443
ETCD_CLIENT=http://127.0.0.1:12379
ETCD_PEER=http://127.0.0.1:12380
KWOK_ADDR=127.0.0.1:10247
# Debian's etcd is 3.4, which cannot serve the API server's watch-list
# streams: clients would wait for them to time out (kwok then marks pods
# Ready up to 45 s late), so neither side uses them.
KUBE_SERVER_GATES=WatchList=false
KUBE_CLIENT_GATES=WatchListClient=false

# shellcheck disable=SC2034 # services.sh installs them
KUBE_PACKAGES=(etcd:etcd-server openssl:openssl)

kube_built() {
  [[ $("$KUBE_BIN/kube-apiserver" --version 2>/dev/null) == "Kubernetes $KUBE_VERSION" &&
    -x $KUBE_BIN/kube-controller-manager && -x $KUBE_BIN/kube-scheduler && -x $KUBE_BIN/kubectl ]]
}
kwok_built() { [[ $("$KUBE_BIN/kwok" --version 2>/dev/null) == "kwok version $KWOK_VERSION "* ]]; }

# kube_build builds what is missing into a temporary directory beside
# KUBE_BIN and moves it in, so that a failed or stopped build leaves nothing
# half done (kube_job's exit trap removes KUBE_BUILD_TMP).
KUBE_BUILD_TMP=
kube_build() {
  local pkg="k8s.io/component-base/version" start=$SECONDS
  mkdir -p "$KUBE_BIN"
  KUBE_BUILD_TMP=$(mktemp -d "$KUBE_BIN/.kube-build.XXXXXX")
  local tmp=$KUBE_BUILD_TMP minor=${KUBE_VERSION#v1.}
  minor=${minor%%.*}
  local pids=()
  if ! kube_built; then
    env -C "$KUBE_SRC" GOWORK=off go build -trimpath -buildvcs=false -o "$tmp/" \
      -ldflags "-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor
        -X $pkg.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl &
    pids+=($!)
  fi
  if ! kwok_built; then
    env -C "$tmp" GOWORK=off GOBIN="$tmp" go install -trimpath \
      "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" &
    pids+=($!)
  fi
  local pid rc=0
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  ((rc == 0)) && mv -f "$tmp"/* "$KUBE_BIN/"
  rm -rf "$tmp"
  KUBE_BUILD_TMP=
  ((rc == 0)) || return 1
  log "kube: built Kubernetes $KUBE_VERSION and kwok $KWOK_VERSION into $KUBE_BIN in $((SECONDS - start))s"
}

# kube_state STATE records where the cluster's background job is.
kube_state() {
  mkdir -p "$KUBE_DIR"
  printf '%s %s\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$KUBE_STATE.new"
  mv -f "$KUBE_STATE.new" "$KUBE_STATE"
}

# kube_job_running succeeds while the background job runs.
kube_job_running() {
  local pid
  pid=$(pid_of kube/build) && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- " kube-job "
}

# kube_job_start MODE starts `services.sh kube-job MODE` in its own session
# (so that `down` can stop it with the builds it runs), unless one runs.
kube_job_start() {
  if kube_job_running; then
    log "kube: already being built in the background ($(kube_since); log $KUBE_DIR/build.log)"
    return 0
  fi
  command -v go >/dev/null || die "building Kubernetes $KUBE_VERSION needs Go 1.26 or later on PATH"
  kube_state building
  spawn kube/build env BAKE_SERVICES_DIR="$STATE" "$ROOT/scripts/services.sh" kube-job "$1"
  local what="building Kubernetes $KUBE_VERSION and kwok $KWOK_VERSION into $KUBE_BIN"
  [[ $1 == up ]] && what+=", then starting the cluster,"
  log "kube: $what in the background (minutes; pid $(pid_of kube/build), log $KUBE_DIR/build.log)"
}

# kube_since prints "since TIME" from the state file.
kube_since() {
  local state since
  read -r state since <"$KUBE_STATE" 2>/dev/null || true
  printf 'since %s' "${since:-?}"
}

# cmd_kube_job MODE is the background job: it builds, then (MODE up) starts
# the cluster once the `up` that started it has finished: the lock waits for
# that `up` to install etcd and start the services the cluster needs.
# Stopped by `down`, it leaves no state behind: there is no cluster coming.
KUBE_JOB_MODE=
cmd_kube_job() {
  KUBE_JOB_MODE=$1
  trap 'kube_job_exit $?' EXIT
  trap 'KUBE_JOB_MODE=stopped; exit 143' TERM INT
  log "kube: building Kubernetes $KUBE_VERSION and kwok $KWOK_VERSION into $KUBE_BIN (pid $$)"
  kube_build
  [[ $KUBE_JOB_MODE == up ]] || return 0
  lock
  start_kube
}

kube_job_exit() {
  [[ -z $KUBE_BUILD_TMP ]] || rm -rf "$KUBE_BUILD_TMP"
  if [[ $KUBE_JOB_MODE == stopped ]]; then
    rm -f "$KUBE_STATE"
  elif (($1 != 0)); then
    kube_state failed
  elif [[ $KUBE_JOB_MODE == up ]]; then
    kube_state ready
  else
    kube_state built
  fi
}

# kube_job_stop stops the background job and the builds it runs.
kube_job_stop() {
  local pid
  if kube_job_running; then
    pid=$(pid_of kube/build)
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait_gone "$pid" || kill -KILL -- "-$pid" 2>/dev/null || true
    log "kube: stopped its background job (pid $pid)"
  fi
  rm -f "$STATE/kube/build.pid" "$KUBE_STATE"
}

# kube_background, first in `up`, leaves the cluster to the background job
# when a binary is missing (or one runs already), so that the build
# overlaps with the rest of `up` and with the tests that do not need the
# cluster instead of delaying all of them. kube_up, last in `up`, starts the
# cluster otherwise: with the binaries there that takes seconds.
KUBE_BACKGROUND=0
kube_background() {
  if kube_job_running; then
    log "kube: being built and started in the background ($(kube_since); log $KUBE_DIR/build.log)"
    KUBE_BACKGROUND=1
    return 0
  fi
  kube_built && kwok_built && return 0
  kube_job_start up
  KUBE_BACKGROUND=1
}

kube_up() {
  ((KUBE_BACKGROUND == 0)) || return 0
  rm -f "$KUBE_STATE"
  start_kube
  kube_state ready
}

kubectl_admin() { timeout 20 "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

etcd_up() { probe "$ETCD_CLIENT/health"; }
apiserver_up() { probe --cacert "$KUBE_PKI/ca.pem" "$KUBE_API/readyz"; }
controller_manager_up() { probe -k https://127.0.0.1:10257/healthz; }
scheduler_up() { probe -k https://127.0.0.1:10259/healthz; }
kwok_up() { probe "http://$KWOK_ADDR/healthz"; }

# kube_nodes_ready prints how many of kwok's nodes are Ready.
kube_nodes_ready() {
  kubectl_admin get nodes -l type=kwok \
    -o jsonpath='{range .items[*]}{range .status.conditions[?(@.type=="Ready")]}{.status}{"\n"}{end}{end}' 2>/dev/null |
    grep -c '^True$'
}
kube_nodes_up() { [[ $(kube_nodes_ready) == 2 ]]; }

# kube_cert NAME SUBJECT EXT signs NAME.pem (and makes NAME-key.pem) with the CA.
kube_cert() {
  local dir=$KUBE_PKI
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/$1-key.pem" -subj "$2" -out "$dir/$1.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -CAcreateserial -days 825 -extfile <(printf '%s\n' "$3") -out "$dir/$1.pem" 2>/dev/null
  rm -f "$dir/$1.csr"
}

KUBE_CLIENTS=(admin controller-manager scheduler kwok)

kube_certs_valid() {
  local f
  for f in ca apiserver "${KUBE_CLIENTS[@]}"; do
    [[ -s $KUBE_PKI/$f-key.pem ]] &&
      openssl x509 -checkend 604800 -noout -in "$KUBE_PKI/$f.pem" >/dev/null 2>&1 || return 1
  done
  [[ -s $KUBE_PKI/sa-key.pem && -s $KUBE_PKI/sa.pem ]]
}

kube_certs() {
  local dir=$KUBE_PKI client="extendedKeyUsage=clientAuth"
  log "kube: making a CA and certificates in $dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -keyout "$dir/ca-key.pem" -subj "/CN=bake test Kubernetes CA" -out "$dir/ca.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  kube_cert apiserver /CN=kube-apiserver "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
  kube_cert admin "/O=system:masters/CN=bake-admin" "$client"
  kube_cert controller-manager /CN=system:kube-controller-manager "$client"
  kube_cert scheduler /CN=system:kube-scheduler "$client"
  # kwok writes every pod's and node's status: it gets what a kubelet would
  # and more, so it is in system:masters too.
  kube_cert kwok "/O=system:masters/CN=kwok" "$client"
  openssl genrsa -out "$dir/sa-key.pem" 2048 2>/dev/null
  openssl rsa -in "$dir/sa-key.pem" -pubout -out "$dir/sa.pem" 2>/dev/null
  rm -f "$dir/ca.srl"
}

# kube_kubeconfig NAME writes $KUBE_DIR/NAME.kubeconfig for NAME's client
# certificate (the admin's is $KUBE_DIR/kubeconfig).
kube_kubeconfig() {
  local file=$KUBE_DIR/$1.kubeconfig
  [[ $1 == admin ]] && file=$KUBECONFIG_ADMIN
  cat >"$file.new" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: bake-test
  cluster:
    server: $KUBE_API
    certificate-authority-data: $(base64 -w0 "$KUBE_PKI/ca.pem")
users:
- name: $1
  user:
    client-certificate-data: $(base64 -w0 "$KUBE_PKI/$1.pem")
    client-key-data: $(base64 -w0 "$KUBE_PKI/$1-key.pem")
contexts:
- name: bake-test
  context:
    cluster: bake-test
    user: $1
current-context: bake-test
EOF
  chmod 600 "$file.new"
  mv -f "$file.new" "$file"
}

# write_kwok_config gathers kwok's stages: its own for nodes and deletion,
# read from its module source, and ours. It fails when the file changed, so
# that a kwok running with the old one is restarted.
write_kwok_config() {
  local mod stage file=$KUBE_DIR/kwok.yaml
  mkdir -p "$KUBE_DIR"
  mod=$(env -C "$KUBE_DIR" GOWORK=off go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $mod/kustomize/stage ]] || die "kube: kwok $KWOK_VERSION's source is not in the Go module cache ($mod)"
  {
    for stage in node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-delete; do
      printf -- '---\n'
      cat "$mod/kustomize/stage/$stage.yaml"
    done
    for stage in "$KUBE_SRC"/stages/*.yaml; do
      printf -- '---\n'
      cat "$stage"
    done
  } >"$file.new"
  if cmp -s "$file.new" "$file"; then
    rm -f "$file.new"
    return 0
  fi
  mv -f "$file.new" "$file"
  return 1
}

# kube_spawn NAME PROBE CMD... starts CMD as NAME unless PROBE answers. A
# NAME this script started with other arguments or versions (a changed
# kube.sh) is stopped first, so that `up` brings a running cluster to what
# it says.
KUBE_SPAWNED=" "
kube_spawn() {
  local name=$1 probe=$2 args
  shift 2
  args=$KUBE_DIR/$name.args
  local want="$KUBE_VERSION $KWOK_VERSION $*"
  [[ -s $args && $(<"$args") == "$want" ]] || kube_stop "$name"
  "$probe" && return 0
  printf '%s' "$want" >"$args"
  spawn "$name" "$@"
  KUBE_SPAWNED+="$name "
}

# kube_wait NAME PROBE waits for NAME if this run started it.
kube_wait() {
  [[ $KUBE_SPAWNED == *" $1 "* ]] || return 0
  wait_for "$1" "$2"
}

# kube_stop NAME stops NAME if this script started it. The API server
# drains its watches for up to a minute when asked to stop; nothing here
# needs that, so every part gets a few seconds before it is killed.
kube_stop() {
  # shellcheck disable=SC2034 # read by services.sh's wait_gone
  local STOP_TIMEOUT=5
  stop "$1" "$1"
}

kube_stop_all() {
  local name
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    kube_stop "$name"
  done
}

start_etcd() {
  mkdir -p "$KUBE_DIR/etcd"
  chmod 700 "$KUBE_DIR/etcd"
  kube_spawn etcd etcd_up etcd --name bake --data-dir "$KUBE_DIR/etcd" \
    --listen-client-urls "$ETCD_CLIENT" --advertise-client-urls "$ETCD_CLIENT" \
    --listen-peer-urls "$ETCD_PEER" --initial-advertise-peer-urls "$ETCD_PEER" \
    --initial-cluster "bake=$ETCD_PEER" --quota-backend-bytes 4294967296 \
    --auto-compaction-retention 1h
  kube_wait etcd etcd_up
}

# The API server keeps no endpoints for the service "kubernetes": they may
# not be on loopback, and nothing in this cluster runs to use them.
start_apiserver() {
  local pki=$KUBE_PKI
  kube_spawn kube-apiserver apiserver_up "$KUBE_BIN/kube-apiserver" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port 6443 \
    --etcd-servers "$ETCD_CLIENT" --etcd-prefix /bake-test \
    --service-cluster-ip-range 10.96.0.0/16 \
    --authorization-mode RBAC --anonymous-auth=true \
    --client-ca-file "$pki/ca.pem" \
    --tls-cert-file "$pki/apiserver.pem" --tls-private-key-file "$pki/apiserver-key.pem" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/sa.pem" \
    --service-account-signing-key-file "$pki/sa-key.pem" \
    --feature-gates "$KUBE_SERVER_GATES" \
    --allow-privileged --profiling=false \
    --endpoint-reconciler-type none
  kube_wait kube-apiserver apiserver_up
}

start_controller_manager() {
  local pki=$KUBE_PKI
  kube_spawn kube-controller-manager controller_manager_up "$KUBE_BIN/kube-controller-manager" \
    --bind-address 127.0.0.1 --secure-port 10257 --kubeconfig "$KUBE_DIR/controller-manager.kubeconfig" \
    --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$pki/sa-key.pem" --root-ca-file "$pki/ca.pem" \
    --cluster-signing-cert-file "$pki/ca.pem" --cluster-signing-key-file "$pki/ca-key.pem" \
    --feature-gates "$KUBE_CLIENT_GATES" --profiling=false
}

start_scheduler() {
  kube_spawn kube-scheduler scheduler_up "$KUBE_BIN/kube-scheduler" \
    --bind-address 127.0.0.1 --secure-port 10259 --kubeconfig "$KUBE_DIR/scheduler.kubeconfig" \
    --leader-elect=false --feature-gates "$KUBE_CLIENT_GATES" --profiling=false
}

start_kwok() {
  # kwok's client-go reads its feature gates from the environment.
  kube_spawn kwok kwok_up env KUBE_FEATURE_WatchListClient=false "$KUBE_BIN/kwok" \
    --kubeconfig "$KUBE_DIR/kwok.kubeconfig" --config "$KUBE_DIR/kwok.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --cidr 10.244.0.0/16 --node-lease-duration-seconds 40 \
    --server-address "$KWOK_ADDR"
}

# start_kube starts what does not answer, in order; the controller manager,
# scheduler and kwok start together once the API server answers.
start_kube() {
  local start=$SECONDS name
  if ! kube_certs_valid; then
    kube_stop_all
    kube_certs
  fi
  for name in admin controller-manager scheduler kwok; do kube_kubeconfig "$name"; done
  write_kwok_config || kube_stop kwok
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  start_kwok
  kube_wait kube-controller-manager controller_manager_up
  kube_wait kube-scheduler scheduler_up
  kube_wait kwok kwok_up
  kubectl_admin apply -f "$KUBE_SRC/nodes.yaml" >/dev/null || die "kube: applying $KUBE_SRC/nodes.yaml failed"
  local deadline=$((SECONDS + START_TIMEOUT))
  until kube_nodes_up; do
    ((SECONDS < deadline)) || die "kube: kwok's nodes are not Ready after ${START_TIMEOUT}s; see $STATE/kwok.log"
    sleep 0.2
  done
  [[ $KUBE_SPAWNED == " " ]] || log "kube: ready in $((SECONDS - start))s (kubeconfig $KUBECONFIG_ADMIN)"
}

cmd_down_kube() {
  kube_job_stop
  kube_stop_all
}

# report_kube prints the cluster's status line; it fails unless the API
# server is ready and both nodes are Ready.
report_kube() {
  local api="API server not ready" nodes=0 down=""
  if kube_job_running; then
    printf '%-9s %s\n' kube "building ($(kube_since); log $KUBE_DIR/build.log)"
    return 0
  fi
  local job=
  read -r job _ <"$KUBE_STATE" 2>/dev/null || true
  [[ $job != failed ]] || down+=", its background job failed: see $KUBE_DIR/build.log"
  if apiserver_up; then
    api="API server ready"
    nodes=$(kube_nodes_ready || true)
  fi
  etcd_up || down+=", etcd down"
  controller_manager_up || down+=", controller manager down"
  scheduler_up || down+=", scheduler down"
  kwok_up || down+=", kwok down"
  local state=up
  [[ -z $down && ${nodes:-0} == 2 && $api == "API server ready" ]] || state=down
  printf '%-9s %-5s %s\n' kube "$state" \
    "$KUBE_API ($api, ${nodes:-0}/2 nodes Ready$down; kubeconfig $KUBECONFIG_ADMIN)"
  [[ $state == up ]]
}

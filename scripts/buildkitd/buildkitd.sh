# shellcheck shell=bash
# BuildKit as a daemon of its own, for scripts/services.sh (sourced there; it
# uses that script's STATE, log, spawn, wait_for and stop).
#
# buildkitd runs as root with the OCI worker (runc), listening on a unix
# socket in the state dir and on BUILDKITD_ADDR with mutual TLS: the
# certificates (a CA, the daemon's and one client's) are made here with
# openssl, so that bake's path to a remote BuildKit farm is tested on
# loopback. Build steps get a network namespace of their own on a bridge
# (CNI), never the host's network. qemu-user-static registered through
# binfmt_misc runs the RUN steps of arm64 images.
#
# buildkitd and buildctl are built from the Go module in this directory: its
# go.mod names the BuildKit version and carries the exclude directives that
# `go install ...@version` refuses.

BUILDKITD_ADDR=127.0.0.1:1234
BUILDKITD_SRC=$ROOT/scripts/buildkitd
# Root only: the OCI worker needs it. Rootless BuildKit is a user's own setup.
BUILDKITD_BIN=/usr/local/bin
# shellcheck disable=SC2153 # STATE is services.sh's
BUILDKITD_STATE=$STATE/buildkitd
BUILDKITD_SOCK=$STATE/buildkitd.sock
BUILDKITD_TLS=$BUILDKITD_STATE/tls
CNI_PLUGINS=/usr/lib/cni

# Debian packages buildkitd needs, as services.sh's PACKAGES are listed;
# arch-test is what mmdebstrap asks for before it bakes an arm64 root
# filesystem (a base image for arm64 RUN steps).
# shellcheck disable=SC2034 # services.sh installs them
BUILDKITD_PACKAGES=(
  runc:runc qemu-aarch64-static:qemu-user-static update-binfmts:binfmt-support
  "$CNI_PLUGINS/bridge:containernetworking-plugins" iptables:iptables openssl:openssl
  arch-test:arch-test
)

# buildctl_to ADDRESS ARGS... runs buildctl against the daemon; a tcp address
# goes through TLS with the client certificate made here.
buildctl_to() {
  local addr=$1
  shift
  local certs=()
  [[ $addr == tcp://* ]] && certs=(--tlscacert "$BUILDKITD_TLS/ca.pem"
    --tlscert "$BUILDKITD_TLS/client.pem" --tlskey "$BUILDKITD_TLS/client-key.pem")
  timeout 10 "$BUILDKITD_BIN/buildctl" --addr "$addr" "${certs[@]}" "$@"
}

buildkitd_up() { buildctl_to "unix://$BUILDKITD_SOCK" debug workers >/dev/null 2>&1; }
buildkitd_tls_up() { buildctl_to "tcp://$BUILDKITD_ADDR" debug workers >/dev/null 2>&1; }

# buildkitd_platforms prints the platforms the daemon's worker builds for.
buildkitd_platforms() {
  buildctl_to "unix://$BUILDKITD_SOCK" debug workers \
    --format '{{range .}}{{range .Platforms}}{{.OS}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}} {{end}}{{end}}' 2>/dev/null
}

# buildkit_version prints the BuildKit version the module here builds, or,
# given a binary, the version that binary was built from.
buildkit_version() {
  if (($# == 0)); then
    awk '$1 == "github.com/moby/buildkit" {print $2}' "$BUILDKITD_SRC/go.mod"
  elif [[ -x $1 ]]; then
    go version -m "$1" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/moby/buildkit" {print $3}'
  fi
}

# install_buildkit builds buildkitd and buildctl into BUILDKITD_BIN unless
# both are there at the version go.mod names (a minute or two, once).
install_buildkit() {
  local want tmp start=$SECONDS
  want=$(buildkit_version)
  [[ $(buildkit_version "$BUILDKITD_BIN/buildkitd") == "$want" &&
    $(buildkit_version "$BUILDKITD_BIN/buildctl") == "$want" ]] && return 0
  command -v go >/dev/null || die "building buildkitd $want needs Go 1.26 or later on PATH"
  log "building buildkitd and buildctl $want into $BUILDKITD_BIN (a minute or two)"
  tmp=$(mktemp -d "$BUILDKITD_BIN/.buildkit-build.XXXXXX")
  if ! noisy env -C "$BUILDKITD_SRC" GOWORK=off GOBIN="$tmp" go install -trimpath -buildvcs=false \
    -ldflags="-s -w -X github.com/moby/buildkit/version.Version=$want" tool; then
    rm -rf "$tmp"
    die "building buildkitd $want failed"
  fi
  mv -f "$tmp/buildkitd" "$tmp/buildctl" "$BUILDKITD_BIN/"
  rm -rf "$tmp"
  log "built buildkitd and buildctl $want in $((SECONDS - start))s"
}

# enable_arm64_emulation registers qemu-aarch64 with the kernel, so that RUN
# steps of linux/arm64 images run here. Without it arm64 images still build
# when they only copy files in; buildkitd then lists no linux/arm64.
enable_arm64_emulation() {
  local mnt=/proc/sys/fs/binfmt_misc
  if ! mountpoint -q "$mnt" && ! mount -t binfmt_misc binfmt_misc "$mnt" 2>/dev/null; then
    log "buildkitd: cannot mount binfmt_misc on $mnt: arm64 RUN steps will not run"
    return 0
  fi
  [[ $(head -n1 "$mnt/qemu-aarch64" 2>/dev/null) == enabled ]] && return 0
  noisy update-binfmts --enable qemu-aarch64 ||
    log "buildkitd: update-binfmts --enable qemu-aarch64 failed: arm64 RUN steps will not run"
}

# tls_cert NAME SUBJECT EXT signs NAME.pem (and makes NAME-key.pem) with the CA.
tls_cert() {
  local dir=$BUILDKITD_TLS
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/$1-key.pem" -subj "/CN=$2" -out "$dir/$1.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -CAcreateserial -days 825 -extfile <(printf '%s\n' "$3") -out "$dir/$1.pem" 2>/dev/null
  rm -f "$dir/$1.csr"
}

# certs_valid succeeds when the CA, the daemon's and the client's
# certificates are all there and none ends within a week.
certs_valid() {
  local f
  for f in ca server client; do
    [[ -s $BUILDKITD_TLS/$f-key.pem ]] &&
      openssl x509 -checkend 604800 -noout -in "$BUILDKITD_TLS/$f.pem" >/dev/null 2>&1 || return 1
  done
}

# buildkitd_certs makes the CA and both certificates anew.
buildkitd_certs() {
  local dir=$BUILDKITD_TLS
  log "buildkitd: making a CA and TLS certificates in $dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -keyout "$dir/ca-key.pem" -subj "/CN=bake test BuildKit CA" -out "$dir/ca.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  tls_cert server buildkitd "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
  tls_cert client bake "extendedKeyUsage=clientAuth"
  rm -f "$dir/ca.srl"
}

# write_buildkitd_config: the open registry over plain HTTP; the auth registry
# over TLS with its CA (BuildKit would try plain HTTP first on loopback);
# every other registry over TLS with the system's CAs. It fails when the
# file changed, so that a daemon running with the old one is restarted.
write_buildkitd_config() {
  local config=$BUILDKITD_STATE/buildkitd.toml
  mkdir -p "$BUILDKITD_STATE/root"
  cat >"$config.new" <<EOF
root = "$BUILDKITD_STATE/root"

[grpc]
  address = ["unix://$BUILDKITD_SOCK", "tcp://$BUILDKITD_ADDR"]
  [grpc.tls]
    ca = "$BUILDKITD_TLS/ca.pem"
    cert = "$BUILDKITD_TLS/server.pem"
    key = "$BUILDKITD_TLS/server-key.pem"

[worker.oci]
  enabled = true
  binary = "runc"
  networkMode = "bridge"
  cniBinaryPath = "$CNI_PLUGINS"

[worker.containerd]
  enabled = false

[registry."$REGISTRY_ADDR"]
  http = true

[registry."$AUTH_REGISTRY_ADDR"]
  http = false
  ca = ["$AUTH_REGISTRY_DIR/ca.pem"]
EOF
  if cmp -s "$config.new" "$config"; then
    rm -f "$config.new"
    return 0
  fi
  mv -f "$config.new" "$config"
  return 1
}

start_buildkitd() {
  if ((EUID != 0)); then
    log "buildkitd: skipped, it runs as root (OCI worker with runc); run \`sudo $0 up\` for multi-platform builds"
    return 0
  fi
  install_buildkit
  enable_arm64_emulation
  # A running daemon keeps the certificates and config it started with.
  if ! certs_valid; then
    stop buildkitd buildkitd
    buildkitd_certs
  fi
  write_buildkitd_config || stop buildkitd buildkitd
  buildkitd_up && return 0
  spawn buildkitd "$BUILDKITD_BIN/buildkitd" --config "$BUILDKITD_STATE/buildkitd.toml"
  wait_for buildkitd buildkitd_up
}

# report_buildkitd prints buildkitd's status line; it fails when root and the
# daemon does not answer on both addresses.
report_buildkitd() {
  if ((EUID != 0)) && ! buildkitd_up; then
    printf '%-9s %-5s %s\n' buildkitd skip "runs as root only"
    return 0
  fi
  local state=down tls="no TLS answer" platforms
  buildkitd_tls_up && tls="mutual TLS, certificates in $BUILDKITD_TLS"
  buildkitd_up && [[ $tls == mutual* ]] && state=up
  platforms=$(buildkitd_platforms || true)
  printf '%-9s %-5s %s\n' buildkitd "$state" \
    "unix://$BUILDKITD_SOCK tcp://$BUILDKITD_ADDR ($tls) platforms: ${platforms% }"
  [[ $state == up ]]
}

# shellcheck shell=bash
# The second registry, for scripts/services.sh (sourced there; it uses that
# script's STATE, probe, log, spawn and wait_for): Debian's docker-registry
# on 127.0.0.1:5443 with TLS and htpasswd auth, as real registries are. Its
# CA (ca.pem) and the test user's credentials (a file of
# BAKE_REGISTRY_USER=... and BAKE_REGISTRY_PASSWORD=... lines) are in
# $STATE/authregistry, made once and kept across runs.

AUTH_REGISTRY_ADDR=127.0.0.1:5443
# shellcheck disable=SC2153 # STATE is services.sh's
AUTH_REGISTRY_DIR=$STATE/authregistry
AUTH_REGISTRY_USER=bake-test

# The auth registry is up when it answers 200 to its test user over TLS
# verified with its CA (and, by design, 401 to anyone else). Without its
# files here, one that another checkout's state directory holds (a git
# worktree's) is up when it asks for credentials over TLS.
auth_registry_up() {
  if [[ ! -s $AUTH_REGISTRY_DIR/credentials ]]; then
    auth_registry_elsewhere
    return
  fi
  probe --cacert "$AUTH_REGISTRY_DIR/ca.pem" -u "$AUTH_REGISTRY_USER:$(auth_registry_password)" "https://$AUTH_REGISTRY_ADDR/v2/"
}
auth_registry_elsewhere() {
  [[ $(curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "https://$AUTH_REGISTRY_ADDR/v2/" 2>/dev/null) == 401 ]]
}

# auth_registry_password prints the test user's password from the credentials file.
auth_registry_password() { sed -n 's/^BAKE_REGISTRY_PASSWORD=//p' "$AUTH_REGISTRY_DIR/credentials"; }

# make_auth_registry_files makes, once, what the auth registry needs: a CA, a
# server certificate it signed for IP 127.0.0.1, the test user's password
# and its bcrypt entry for htpasswd. The server certificate is made again
# when it expires within a week; the CA stays, so trust in it lasts.
make_auth_registry_files() (
  local password
  mkdir -p "$AUTH_REGISTRY_DIR/storage"
  chmod 700 "$AUTH_REGISTRY_DIR"
  cd "$AUTH_REGISTRY_DIR" || exit 1
  if [[ ! -s ca.pem || ! -s ca.key ]]; then
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 3650 \
      -subj "/CN=bake test registry CA" -keyout ca.key -out ca.pem 2>/dev/null
    rm -f server.pem
  fi
  if [[ ! -s server.pem ]] || ! openssl x509 -checkend 604800 -noout -in server.pem >/dev/null; then
    openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=$AUTH_REGISTRY_ADDR" \
      -keyout server.key -out server.csr 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
      -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out server.pem 2>/dev/null
    rm -f server.csr
  fi
  if [[ ! -s credentials ]]; then
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    printf 'BAKE_REGISTRY_USER=%s\nBAKE_REGISTRY_PASSWORD=%s\n' "$AUTH_REGISTRY_USER" "$password" >credentials
    rm -f htpasswd
  fi
  # shellcheck disable=SC2094 # the password comes from credentials, not htpasswd
  [[ -s htpasswd ]] || htpasswd -Bbn "$AUTH_REGISTRY_USER" "$(auth_registry_password)" >htpasswd
  chmod 600 ca.key server.key credentials htpasswd
)

# trust_auth_registry_ca puts the auth registry's CA where the engine looks
# for a private registry's CA. dockerd treats a loopback registry as insecure
# anyway (it would push to it without verifying); this keeps the engine's
# setup the one a remote registry with a private CA needs.
trust_auth_registry_ca() {
  local dir=/etc/docker/certs.d/$AUTH_REGISTRY_ADDR
  ((EUID == 0)) || return 0
  cmp -s "$AUTH_REGISTRY_DIR/ca.pem" "$dir/ca.crt" && return 0
  mkdir -p "$dir"
  cp "$AUTH_REGISTRY_DIR/ca.pem" "$dir/ca.crt"
}

# write_auth_registry_config adds TLS and htpasswd auth to a registry config.
write_auth_registry_config() {
  local dir=$AUTH_REGISTRY_DIR
  write_registry_config "$dir" "$AUTH_REGISTRY_ADDR" <<EOF
  tls:
    certificate: "$dir/server.pem"
    key: "$dir/server.key"
auth:
  htpasswd:
    realm: bake-test-registry
    path: "$dir/htpasswd"
EOF
}

start_auth_registry() {
  if [[ ! -s $AUTH_REGISTRY_DIR/credentials ]] && auth_registry_elsewhere; then
    log "authregistry: one started from another state directory answers on $AUTH_REGISTRY_ADDR; its CA and credentials are there"
    return 0
  fi
  make_auth_registry_files
  trust_auth_registry_ca
  auth_registry_up && return 0
  write_auth_registry_config
  spawn authregistry docker-registry serve "$AUTH_REGISTRY_DIR/config.yml"
  wait_for authregistry auth_registry_up
}

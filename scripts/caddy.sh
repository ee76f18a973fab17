# shellcheck shell=bash
# Caddy for scripts/services.sh (sourced there; it uses that script's
# STATE, log, die and noisy, and its CADDY_VERSION and CADDY_MODULE): bake
# starts its front doors itself, so Caddy is only built and installed here.

caddy_dir() {
  if ((EUID == 0)); then echo /usr/local/bin; else echo "$STATE/bin"; fi
}

# caddy_version BINARY prints the Caddy module version BINARY was built from,
# or nothing ("caddy version" of a `go install` build only says "unknown").
caddy_version() {
  [[ -x $1 ]] || return 0
  go version -m "$1" 2>/dev/null | awk -v m="$CADDY_MODULE" '$1 == "mod" && $2 == m {print $3}'
}

# install_caddy builds CADDY_VERSION into caddy_dir unless it is already there.
install_caddy() {
  local dir bin tmp
  dir=$(caddy_dir)
  bin=$dir/caddy
  [[ $(caddy_version "$bin") == "$CADDY_VERSION" ]] && return 0
  command -v go >/dev/null || die "building caddy $CADDY_VERSION needs Go 1.26 or later on PATH"
  log "building caddy $CADDY_VERSION into $bin (a few minutes)"
  mkdir -p "$dir"
  tmp=$(mktemp -d "$dir/.caddy-build.XXXXXX")
  if ! noisy env -C / GOBIN="$tmp" go install -ldflags='-s -w' -trimpath "$CADDY_MODULE/cmd/caddy@$CADDY_VERSION"; then
    rm -rf "$tmp"
    die "building caddy $CADDY_VERSION failed"
  fi
  chmod 755 "$tmp/caddy"
  mv -f "$tmp/caddy" "$bin"
  rm -rf "$tmp"
  [[ $(command -v caddy) == "$bin" ]] || log "put $dir first on PATH: bake runs the caddy it finds there"
}

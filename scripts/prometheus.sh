# shellcheck shell=bash
# Prometheus for scripts/services.sh (sourced there; it uses that script's
# STATE, probe, log, spawn, wait_for, pid_of, alive and report): Debian's
# prometheus on 127.0.0.1:9090, for canary analysis with Prometheus queries.
# It scrapes every second whatever the JSON files in
# $STATE/prometheus/targets/ list (file_sd_configs, re-read every second),
# so a test registers a service by writing a file there and unregisters it
# by removing the file (internal/servicestest does both). Its data lives in
# $STATE/prometheus/data, kept two days.

PROMETHEUS_ADDR=127.0.0.1:9090
# shellcheck disable=SC2153 # STATE is services.sh's
PROMETHEUS_DIR=$STATE/prometheus

prometheus_up() { probe "http://$PROMETHEUS_ADDR/-/ready"; }

# write_prometheus_config writes the config; it fails when nothing changed.
write_prometheus_config() {
  local file=$PROMETHEUS_DIR/prometheus.yml new
  mkdir -p "$PROMETHEUS_DIR/targets" "$PROMETHEUS_DIR/data"
  new="# Written by scripts/services.sh; changes are overwritten.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: bake
    file_sd_configs:
      - files: [\"$PROMETHEUS_DIR/targets/*.json\"]
        refresh_interval: 1s"
  [[ -s $file && $(cat "$file") == "$new" ]] && return 1
  printf '%s\n' "$new" >"$file"
}

# start_prometheus starts Prometheus, or has a running one that this script
# started read a changed config (SIGHUP), so that `up` stays idempotent.
start_prometheus() {
  local changed=0 pid
  write_prometheus_config && changed=1
  if prometheus_up; then
    pid=$(pid_of prometheus || true)
    if ((changed)) && alive "$pid"; then
      kill -HUP "$pid"
      log "prometheus: config changed, reloaded (pid $pid)"
    fi
    return 0
  fi
  spawn prometheus prometheus \
    --config.file="$PROMETHEUS_DIR/prometheus.yml" \
    --storage.tsdb.path="$PROMETHEUS_DIR/data" \
    --storage.tsdb.retention.time=2d \
    --web.listen-address="$PROMETHEUS_ADDR"
  wait_for prometheus prometheus_up
}

report_prometheus() {
  report prometheus prometheus_up "http://$PROMETHEUS_ADDR (scrapes every 1s what $PROMETHEUS_DIR/targets/*.json list)"
}

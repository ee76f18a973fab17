#!/usr/bin/env bash
# The demo is the tutorial: it runs every ```sh block of docs/tutorial.md, in
# order, in one shell, in a fresh project directory, so the page and the demo
# cannot drift apart. The tutorial releases hello 1.0.0 and (after a feat:
# commit) 1.1.0, promotes both through dev, qa and prod, asks prod through its
# front door, rolls prod back and shows the record.
#
# usage: scripts/demo.sh [--list]   (make demo installs the services and builds bake first)
#
# It prints each command and bake's own lines; the build output of images
# (BuildKit, mmdebstrap, Packer) goes to the log, ${BAKE_DEMO_LOG:-<repo>/bin/demo.log}.
# The project lives in ${BAKE_DEMO_DIR:-<repo>/.demo}, made anew each run;
# `make demo-clean` removes it with its containers and front doors.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BAKE="$(realpath "${BAKE_BIN:-$ROOT/bin/bake}")"
DIR="$(realpath -m "${BAKE_DEMO_DIR:-$ROOT/.demo}")"
LOG="$(realpath -m "${BAKE_DEMO_LOG:-$ROOT/bin/demo.log}")"
TUTORIAL="$ROOT/docs/tutorial.md"

bold() { if [[ -t 1 ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
say() { printf 'demo: %s\n' "$*"; }

# commands prints the tutorial's ```sh blocks, each command ended by a NUL:
# a command is a line, with the lines a trailing backslash or a here-document
# (<<'WORD' ... WORD) carries on.
commands() {
  awk '
    /^```sh[ \t]*$/ { inblock = 1; next }
    /^```/          { inblock = 0; next }
    !inblock        { next }
    heredoc != ""   { cmd = cmd "\n" $0; if ($0 == heredoc) { heredoc = ""; emit() }; next }
    cmd != ""       { cmd = cmd "\n" $0 }
    cmd == ""       { if ($0 ~ /^[ \t]*$/) next; cmd = $0 }
    {
      if (match($0, /<<-?[ \t]*'"'"'?[A-Za-z_]+'"'"'?/)) {
        heredoc = substr($0, RSTART, RLENGTH); sub(/^<<-?[ \t]*'"'"'?/, "", heredoc); sub(/'"'"'$/, "", heredoc); next
      }
      if ($0 ~ /\\$/) next
      emit()
    }
    function emit() { printf "%s%c", cmd, 0; cmd = "" }
  ' "$TUTORIAL"
}

# quiet runs a command with all its output in the log and, on stdout, the
# lines that filter lets through.
quiet() {
  local status=0 out reader
  exec {out}> >(tee -a "$LOG" | filter)
  reader=$!
  # In this shell, not a pipeline's subshell: the tutorial's variables and
  # cd carry over to its next commands. The command gets the pipe as its
  # stdout and stderr only: a Caddy that bake starts would keep any other
  # descriptor of it open, and the filter would wait for its end forever.
  eval "$1" >&"$out" 2>&1 {out}>&- || status=$?
  exec {out}>&-
  wait "$reader" 2>/dev/null || true # the filter has printed everything
  return "$status"
}

# filter prints what a person reads: build output (BuildKit's "#N" lines,
# mmdebstrap's "I:" lines, Packer's progress) stays in the log, and a blank
# line shows only between lines shown.
NOISE='^(#[0-9]+ |[IWD]: |(==> |    )?[a-z0-9-]+\.[a-z0-9_-]+: |Build .* (finished|errored)|--> |Wait completed|==> (Wait|Builds|Some builds))'
filter() {
  local line shown=0 blank=0
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ $NOISE ]]; then
      shown=0 blank=0
    elif [[ -z ${line//[[:space:]]/} ]]; then
      if ((shown)); then blank=1; fi
    else
      if ((blank)); then echo; fi
      printf '%s\n' "$line"
      shown=1 blank=0
    fi
  done
}

# --list prints the commands the demo runs, each ended by a NUL (for the test).
if [[ ${1:-} == --list ]]; then
  commands
  exit 0
fi

[[ -x $BAKE ]] || { echo "demo.sh: no bake at $BAKE: run make build" >&2; exit 1; }
mkdir -p "$(dirname "$LOG")"

# A fresh project: no ledger, no replicas or front doors of the earlier
# demo in this directory. Every other project's stay.
if [[ -f $DIR/bake.yaml ]]; then
  say "removing the previous demo in $DIR"
  (cd "$ROOT" && go run ./scripts/democlean "$DIR") >>"$LOG" 2>&1 ||
    { echo "demo.sh: could not remove the previous demo; see $LOG" >&2; exit 1; }
fi
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"

# `bake` in the tutorial is the binary make built.
PATHDIR=$(mktemp -d)
trap 'rm -rf "$PATHDIR"' EXIT
ln -s "$BAKE" "$PATHDIR/bake"
export PATH="$PATHDIR:$PATH"
export BAKE_USER="${BAKE_USER:-demo}"

say "the project is $DIR; build output goes to $LOG"
while IFS= read -r -d '' cmd; do
  printf '\n'
  bold "\$ $cmd"
  printf '\n$ %s\n' "$cmd" >>"$LOG"
  if ! quiet "$cmd"; then
    echo "demo.sh: the tutorial's command failed: $cmd (the end of $LOG follows)" >&2
    tail -n 30 "$LOG" >&2
    exit 1
  fi
done < <(commands)

printf '\n'
say "done: prod served 1.1.0's new greeting, then 1.0.0 again after the rollback"
say "the project, its ledger (.bake/ledger.db) and bake.yaml are in $DIR"
clean="make demo-clean"
[[ $DIR == "$ROOT/.demo" ]] || clean+=" BAKE_DEMO_DIR=$DIR"
say "clean up with: $clean   (its containers, front doors and $DIR)"

#!/usr/bin/env bash
# Sends 200 SIGUSR1 in quick succession to a program computing and making system
# calls (signal_storm.c), natively and in Burrow (rewritten, and with --no-rewrite):
# output and exit status must match (the handler ran, nothing was corrupted).
#   Usage: signal_storm.sh PROGRAM     Env: BURROW (build/burrow)
set -euo pipefail
burrow=${BURROW:-build/burrow} program=$1
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "signal_storm.sh: /dev/kvm is not usable: skipped" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

storm() {  # storm NAME COMMAND...: its output, then "status N"
  local out=$work/$1.out
  shift
  "$@" >"$out" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do grep -q '^ready$' "$out" && break; sleep 0.02; done
  for _ in $(seq 200); do kill -USR1 $pid 2>/dev/null || break; sleep 0.003; done
  local status=0
  wait $pid || status=$?
  cat "$out"
  echo "status $status"
}

native=$(storm native "$program")
for mode in "" --no-rewrite; do
  got=$(storm burrow "$burrow" run $mode -- "$program")
  if [ "$native" != "$got" ]; then
    diff <(echo "$native") <(echo "$got") >&2 || true
    echo "FAIL: a signal storm ended differently in Burrow ${mode:-(rewritten)}" >&2
    exit 1
  fi
done
echo "$native"
echo "PASS: same output and status"

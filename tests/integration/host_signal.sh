#!/usr/bin/env bash
# Signals sent from outside to a running program, natively and in Burrow (which
# forwards them to the program as docker run does): the program prints "ready N" and
# the script sends the next signal (SIGINT, SIGTERM, SIGINT, SIGUSR1, SIGUSR2 with
# SA_RESTART and then a line on stdin, then SIGTERM with its default action). Output
# and exit status must match.
#   Usage: host_signal.sh PROGRAM     Env: BURROW (build/burrow)
set -euo pipefail
burrow=${BURROW:-build/burrow} program=$1
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "host_signal.sh: /dev/kvm is not usable: skipped" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # run WHO: prints the program's output, then "status N"
  local out=$work/$1.out fifo=$work/$1.stdin
  mkfifo "$fifo"
  if [ "$1" = burrow ]; then
    "$burrow" run -- "$program" <"$fifo" >"$out" 2>"$work/$1.err" &
  else
    "$program" <"$fifo" >"$out" 2>"$work/$1.err" &
  fi
  local pid=$!
  exec {keep}>"$fifo"  # stdin stays open (and empty): the read in step 3 blocks
  local signals=(INT TERM INT USR1 USR2 TERM) step
  for step in 1 2 3 4 5 6; do
    for _ in $(seq 200); do grep -q "^ready $step\$" "$out" && break; sleep 0.05; done
    grep -q "^ready $step\$" "$out" || { echo "no 'ready $step' from $1" >&2; kill -KILL $pid; exit 1; }
    sleep 0.1
    kill -"${signals[$((step - 1))]}" $pid
    # Step 5's read is restarted after the handler: what arrives then ends it.
    if [ $step = 5 ]; then sleep 0.2; echo hi >&$keep; fi
  done
  local status=0
  wait $pid || status=$?
  exec {keep}>&-
  cat "$out"
  echo "status $status"
}

native=$(run native)
in_burrow=$(run burrow)
if [ "$native" != "$in_burrow" ]; then
  diff <(echo "$native") <(echo "$in_burrow") >&2 || true
  echo "FAIL: host signals behave differently in Burrow" >&2
  exit 1
fi
echo "$in_burrow"
echo "PASS: same output and status"

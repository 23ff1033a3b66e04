#!/usr/bin/env bash
# A file the program has mapped executable is truncated under it (tests/programs/
# truncate_mapped.c): natively the program dies of SIGBUS; in Burrow the monitor's
# own read of the file faults first, and it must stop with its one-line message and
# status 125 — with file hypercalls served by the poller thread (--poll=on) as by the
# vCPU thread (--poll=off), never by dying of the signal itself.
#   Usage: truncated_mapping.sh PROGRAM     Env: BURROW (build/burrow)
set -euo pipefail
burrow=$(realpath "${BURROW:-build/burrow}") program=$(realpath "$1")
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "truncated_mapping.sh: /dev/kvm is not usable: skipped" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
status=0
"$program" >native.out 2>/dev/null || status=$?
[ "$status" = 135 ] || { echo "truncated_mapping.sh: natively: status $status, expected 135 (SIGBUS)" >&2; exit 1; }
fail=0
for mode in on off; do
  status=0
  "$burrow" run --poll=$mode -- "$program" >out-$mode 2>err-$mode || status=$?
  if [ "$status" != 125 ] || ! grep -q '^burrow: a file the program runs from was truncated on the host while mapped (SIGBUS); stopping$' err-$mode; then
    echo "truncated_mapping.sh: --poll=$mode: status $status, stderr: $(cat err-$mode)" >&2
    fail=1
  fi
done
[ $fail = 0 ] && echo "truncated_mapping.sh: 125 with the monitor's message, poller on and off"
exit $fail

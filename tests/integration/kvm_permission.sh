#!/usr/bin/env bash
# Without permission on /dev/kvm, `burrow run` must fail with 125 and one line that
# says how to fix it. Runs Burrow as user nobody (needs root and setpriv; skips
# otherwise, loudly).
#   Usage: kvm_permission.sh PROGRAM     Environment: BURROW
set -u
if [[ $(id -u) -ne 0 ]] || ! command -v setpriv >/dev/null; then
  echo "SKIPPED: needs root and setpriv to run Burrow as an unprivileged user"
  exit 77
fi
if [[ ! -e /dev/kvm ]]; then
  echo "SKIPPED: /dev/kvm does not exist"
  exit 77
fi
if setpriv --reuid=65534 --regid=65534 --clear-groups test -r /dev/kvm; then
  echo "SKIPPED: user nobody can open /dev/kvm here, so there is no refusal to test"
  exit 77
fi
err=$(mktemp)
trap 'rm -f "$err"' EXIT
setpriv --reuid=65534 --regid=65534 --clear-groups -- timeout 30 "$BURROW" run -- "$1" >/dev/null 2>"$err"
status=$?
echo "exit status $status; stderr:"
cat "$err"
[[ $status -eq 125 ]] || { echo "FAIL: expected exit status 125"; exit 1; }
[[ $(wc -l <"$err") -eq 1 ]] || { echo "FAIL: expected exactly one line on stderr"; exit 1; }
grep -qE '^burrow: open /dev/kvm: Permission denied \(add yourself to group kvm' "$err" ||
  { echo "FAIL: the message does not say how to fix it"; exit 1; }
echo PASS

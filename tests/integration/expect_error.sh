#!/usr/bin/env bash
# Runs Burrow on a bad input and checks that it fails the documented way.
#
# Usage: expect_error.sh STATUS ERE -- ARGS...
#   Runs `$BURROW ARGS...` (so ARGS usually start with `run`) in a fresh
#   temporary directory with stdin from /dev/null and `timeout 60`, then checks:
#   the exit status is STATUS (alternatives allowed: "125|126"), stdout is empty,
#   and stderr is exactly one newline-terminated line that starts with
#   "burrow: " and matches the extended regex ERE.
#
# Environment: BURROW, the path of build/burrow.
# Exit status: 0 as expected, 1 not as expected, 2 usage or setup error,
#              77 skipped: the check failed and /dev/kvm is not usable, so the
#              failure may only be Burrow refusing to start without KVM.
set -u

readonly kTimeoutSeconds=60

if [[ $# -lt 3 || $3 != -- ]]; then
  echo "usage: expect_error.sh STATUS ERE -- ARGS..." >&2
  exit 2
fi
expected_status=$1
pattern=$2
shift 3
if [[ ! $expected_status =~ ^[0-9]+(\|[0-9]+)*$ ]]; then
  echo "expect_error.sh: STATUS must be a number or alternatives like 125|126, not '$expected_status'" >&2
  exit 2
fi
if [[ -z ${BURROW:-} || ! -x ${BURROW} ]]; then
  echo "expect_error.sh: set BURROW to the path of build/burrow (BURROW='${BURROW:-}')" >&2
  exit 2
fi
[[ $BURROW == /* ]] || BURROW=$PWD/${BURROW#./}

work=$(mktemp -d "${TMPDIR:-/tmp}/burrow-error.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
mkdir "$work/cwd"

echo "running: $(printf '%q ' "$BURROW" "$@")"
{
  (cd "$work/cwd" && ulimit -c 0 && exec timeout -k 5 "$kTimeoutSeconds" "$BURROW" "$@") \
    </dev/null >"$work/stdout" 2>"$work/stderr"
  echo $? >"$work/status"
} 2>/dev/null
status=$(<"$work/status")

problems=()
if [[ ! "|$expected_status|" == *"|$status|"* ]]; then
  if [[ $status -eq 124 || $status -eq 137 ]]; then
    problems+=("exit status $status: timed out after ${kTimeoutSeconds}s (expected $expected_status)")
  elif [[ $status -gt 128 && $status -lt 160 ]]; then
    problems+=("exit status $status, expected $expected_status: SIG$(kill -l $((status - 128)) 2>/dev/null) (burrow ran the program and it died, or burrow itself crashed)")
  else
    problems+=("exit status $status, expected $expected_status")
  fi
fi
if [[ -s $work/stdout ]]; then
  problems+=("stdout is not empty")
fi
lines=$(wc -l <"$work/stderr")
last_byte=$(tail -c 1 "$work/stderr" | od -An -c | tr -d ' ')
if [[ $lines -ne 1 || $last_byte != '\n' ]]; then
  problems+=("stderr is not exactly one line (newlines: $lines)")
fi
if ! head -n 1 "$work/stderr" | grep -q '^burrow: '; then
  problems+=("stderr does not start with \"burrow: \"")
fi
if ! head -n 1 "$work/stderr" | grep -q -E -e "$pattern"; then
  problems+=("stderr does not match: $pattern")
fi

echo "exit status: $status"
echo "stderr:"
head -c 4000 "$work/stderr"
if [[ -s $work/stdout ]]; then
  echo "stdout (first 4000 bytes):"
  head -c 4000 "$work/stdout"
fi

if [[ ${#problems[@]} -eq 0 ]]; then
  echo "PASS"
  exit 0
fi
for problem in "${problems[@]}"; do
  echo "--- $problem"
done

problem=$(
  if [[ ! -e /dev/kvm ]]; then
    echo "/dev/kvm does not exist"
  elif ! (exec 3<>/dev/kvm) 2>/dev/null; then
    echo "cannot open /dev/kvm read-write as user $(id -un): add yourself to group kvm"
  fi
)
if [[ -n $problem ]]; then
  echo "******************************************************************" >&2
  echo "SKIPPED: /dev/kvm not available ($problem); the failure above may only be Burrow refusing to start without it" >&2
  echo "******************************************************************" >&2
  exit 77
fi
echo "FAIL"
exit 1

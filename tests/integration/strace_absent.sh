#!/usr/bin/env bash
# Runs PROGRAM under `burrow run --strace` and checks that no traced system call
# matches FORBID (e.g. the clock calls a vDSO serves), that every REQUIRE matches a
# line of the trace (so an empty or missing trace cannot pass), the exit status is
# 0 and, with --stdout, that stdout is exactly TEXT plus a newline.
#
# Usage: strace_absent.sh --forbid ERE [--require ERE]... [--stdout TEXT] -- PROGRAM [ARGS...]
# Environment: BURROW, the path of build/burrow. Exit status: 0 pass, 1 fail,
# 2 usage error, 77 skipped because /dev/kvm is not usable.
set -u

forbid=
requires=()
want_stdout=
check_stdout=0
while [[ $# -gt 0 && $1 != -- ]]; do
  case $1 in
    --forbid) forbid=$2; shift 2 ;;
    --require) requires+=("$2"); shift 2 ;;
    --stdout) want_stdout=$2; check_stdout=1; shift 2 ;;
    *) echo "strace_absent: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -gt 1 && $1 == -- && -n $forbid ]] || { echo "usage: strace_absent.sh --forbid ERE [--require ERE]... [--stdout TEXT] -- PROGRAM [ARGS...]" >&2; exit 2; }
shift
[[ -n ${BURROW:-} && -x ${BURROW} ]] || { echo "strace_absent: set BURROW to the path of build/burrow" >&2; exit 2; }
bash "$(dirname "$0")/compare.sh" --kvm-check >/dev/null || exit

work=$(mktemp -d "${TMPDIR:-/tmp}/burrow-strace.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
echo "running: $(printf '%q ' "$BURROW" run --strace -- "$@")"
(cd "$work" && exec timeout -k 5 60 "$BURROW" run --strace -- "$@") </dev/null >"$work/stdout" 2>"$work/stderr"
status=$?

problems=()
[[ $status == 0 ]] || problems+=("exit status $status, expected 0")
if [[ $check_stdout == 1 ]] && [[ $(cat "$work/stdout") != "$want_stdout" ]]; then
  problems+=("stdout is not \"$want_stdout\": $(head -c 200 "$work/stdout")")
fi
if grep -a -E -e "$forbid" "$work/stderr" >"$work/forbidden"; then
  problems+=("$(wc -l <"$work/forbidden") traced calls match $forbid, first: $(head -n 1 "$work/forbidden")")
fi
for re in "${requires[@]}"; do
  grep -q -a -E -e "$re" "$work/stderr" || problems+=("no traced line matches $re")
done
echo "exit status: $status; $(wc -l <"$work/stderr") lines of trace, the last ones:"
tail -n 15 "$work/stderr"
if [[ ${#problems[@]} -eq 0 ]]; then
  echo PASS
  exit 0
fi
printf -- '--- %s\n' "${problems[@]}"
echo FAIL
exit 1

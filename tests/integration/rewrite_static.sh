#!/usr/bin/env bash
# `burrow rewrite` end to end (issue 6): rewrites a static PROGRAM ahead of time,
# runs the original natively and the rewritten copy in Burrow with load-time
# rewriting off (--no-rewrite, so every fast call comes from the file itself), and
# checks that stdout and the exit status are the same and that system calls did go
# through the rewritten sites.
#   Usage: rewrite_static.sh PROGRAM [ARGS...]     Env: BURROW (build/burrow)
set -u
program=$1; shift
[[ -r /dev/kvm && -w /dev/kvm ]] || { echo "SKIPPED: /dev/kvm not available"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Both run as ./NAME from a directory of their own: argv[0] and the cwd agree.
name=$(basename "$program")
mkdir "$work/native" "$work/burrow"
cp "$program" "$work/native/$name"
out=$work/burrow/$name

if ! "$BURROW" rewrite "$program" -o "$out" >"$work/rewrite.txt" 2>&1; then
  echo "burrow rewrite failed:"; cat "$work/rewrite.txt"; exit 1
fi
grep -q "runs only in Burrow" "$work/rewrite.txt" || { echo "no 'runs only in Burrow' warning:"; cat "$work/rewrite.txt"; exit 1; }
cmp -s "$program" "$out" && { echo "the output is identical to the input"; exit 1; }

(cd "$work/native" && env -i PATH=/usr/bin:/bin LC_ALL=C "./$name" "$@" >../native.out 2>../native.err); native=$?
(cd "$work/burrow" && env -i PATH=/usr/bin:/bin LC_ALL=C "$BURROW" run --no-rewrite --stats -- "./$name" "$@" \
  >../burrow.out 2>../burrow.err); inburrow=$?
fail=0
[[ $native == "$inburrow" ]] || { echo "exit status: native $native, rewritten in Burrow $inburrow"; fail=1; }
cmp -s "$work/native.out" "$work/burrow.out" || { echo "stdout differs:"; diff "$work/native.out" "$work/burrow.out" | head -20; fail=1; }
fast=$(sed -n 's/^burrow: stats: .* \([0-9]*\) through rewritten sites.*/\1/p' "$work/burrow.err")
[[ -n $fast && $fast -gt 0 ]] || { echo "no system call went through a rewritten site:"; cat "$work/burrow.err"; fail=1; }
[[ $fail == 0 ]] && echo "PASS: same stdout and status ($native), $fast calls through rewritten sites"
exit $fail

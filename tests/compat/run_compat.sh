#!/usr/bin/env bash
# Burrow's compatibility suite (issue 5): runs every command of commands.txt
# natively and under Burrow through tests/integration/compare.sh (same fixed
# environment, stdin, and a fresh copy of the same fixture directory as the
# working directory) and prints PASS, FAIL, XFAIL, XPASS or SKIP per command, then
#   compat: N/M passed (K expected failures)
#
# Usage: run_compat.sh [-v] [-j JOBS] [COMMANDS-FILE]
#   -v       show compare.sh's report for every FAIL and XPASS
#   -j JOBS  run JOBS commands at once (default 4)
# Environment: BURROW, the path of build/burrow; BURROW_RUN_ARGS, options for
# `burrow run` (e.g. --fast), which compare.sh reads.
# Exit status: 0 when every command behaves as listed (passes, or fails while
# marked xfail), 1 when one does not (FAIL or XPASS), 2 usage or setup error,
# 77 when /dev/kvm is not usable.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
compare=$here/../integration/compare.sh
verbose=0
jobs=4
while [[ $# -gt 0 ]]; do
  case $1 in
    -v) verbose=1; shift ;;
    -j) [[ $# -ge 2 ]] || { echo "run_compat.sh: -j needs a number" >&2; exit 2; }; jobs=$2; shift 2 ;;
    -*) echo "usage: run_compat.sh [-v] [-j JOBS] [COMMANDS-FILE]" >&2; exit 2 ;;
    *) break ;;
  esac
done
commands_file=${1:-$here/commands.txt}
[[ -r $commands_file ]] || { echo "run_compat.sh: cannot read $commands_file" >&2; exit 2; }
if [[ -z ${BURROW:-} || ! -x $BURROW ]]; then
  echo "run_compat.sh: set BURROW to the path of build/burrow (BURROW='${BURROW:-}')" >&2
  exit 2
fi
[[ $BURROW == /* ]] || BURROW=$PWD/$BURROW
export BURROW

bash "$compare" --kvm-check >/dev/null || exit 77

work=$(mktemp -d "${TMPDIR:-/tmp}/burrow-compat.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
fixtures=$work/fixtures
mkdir -p "$fixtures" "$work/results"

# --- the fixture directory, identical for both runs of every command ---------
make_fixtures() (
  set -e
  cd "$fixtures"
  export LC_ALL=C
  # 1..1000 in an order fixed by a small LCG (no dependence on shuf's randomness).
  awk 'BEGIN { x = 12345; for (i = 1; i <= 1000; i++) { x = (x * 1103515245 + 12345) % 2147483648; print x "\t" i } }' |
    sort -n | cut -f2 >numbers.txt
  cat >text.txt <<'TEXT'
The quick brown fox jumps over the lazy dog while the farmer is sleeping.
Nothing is more exciting than watching a unikernel booting in a few milliseconds,
running an unmodified program, and exiting with exactly the same status.

She sells sea shells by the sea shore; the shells she sells are surely sea shells.
Counting, sorting, hashing and compressing: the everyday work of small tools.
Alice was beginning to get very tired of sitting by her sister on the bank.
TEXT
  printf '%s\n' apple banana cherry date elderberry fig grape honeydew kiwi lemon \
    mango nectarine orange papaya quince raspberry strawberry tangerine ugli vanilla \
    watermelon xigua yam zucchini apple Banana cherry Date apple kiwi \
    almond brazil cashew hazelnut macadamia peanut pecan pistachio walnut chestnut \
    Apricot Blueberry Cranberry Dragonfruit Eggplant Feijoa Gooseberry Huckleberry \
    Imbe Jackfruit Kumquat Lime Mulberry Nance Olive Peach Quandong Rambutan Sapote Tomato \
    >words.txt
  cat >data.csv <<'CSV'
Alice,engineering,120000
Bob,sales,65000
Carol,engineering,135000
Dave,marketing,72000
Eve,security,99000
Frank,sales,58000
Grace,engineering,142000
Heidi,support,51000
CSV
  cat >sample.json <<'JSON'
{"a": [1, 2, 3], "name": "burrow",
 "people": [{"name": "ann", "age": 31}, {"name": "bo", "age": 25}, {"name": "cy", "age": 47}],
 "nested": {"ok": true, "ratio": 0.75, "tags": ["x", "y"]}}
JSON
  printf 'scale=20\n4*a(1)\nsqrt(2)\ndefine f(n) { if (n < 2) return n; return f(n-1) + f(n-2); }\nf(20)\n2^100\n' >calc.bc
  mkdir -p dir/sub
  printf 'first file\n' >dir/a.txt
  printf 'second file\nwith two lines\n' >dir/b.txt
  printf 'nested\n' >dir/sub/c.txt
  head -c 3000 numbers.txt >dir/sub/data.bin
  chmod 640 dir/b.txt
  find dir -exec touch -h -d '2024-01-02 03:04:05 UTC' {} +
  tar --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --sort=name -cf dir.tar dir
  gzip -9 -n -c text.txt >text.txt.gz
  if command -v xz >/dev/null; then xz -c text.txt >text.txt.xz; fi
  if command -v bzip2 >/dev/null; then bzip2 -c text.txt >text.txt.bz2; fi
  cat >script.py <<'PY'
import collections, re, statistics
words = re.findall(r"[a-z]+", open("text.txt").read().lower())
print(collections.Counter(words).most_common(5))
nums = [int(x) for x in open("numbers.txt")]
print(statistics.mean(nums), statistics.median(nums), max(nums))
print(sorted({w[0] for w in open("words.txt").read().split()}))
PY
  cat >script.pl <<'PL'
use strict; use warnings;
my %total;
while (<>) { chomp; my ($name, $dept, $salary) = split /,/; $total{$dept} += $salary; }
printf "%-12s %8d\n", $_, $total{$_} for sort keys %total;
PL
  cat >script.sh <<'SH'
i=0
total=0
while [ $i -lt 10 ]; do i=$((i + 1)); total=$((total + i * i)); done
echo "sum of squares: $total"
case "$total" in 385) echo right ;; *) echo wrong ;; esac
SH
  cat >script.awk <<'AWK'
{ for (i = 1; i <= NF; i++) { w = tolower($i); gsub(/[^a-z]/, "", w); if (w != "") n[w]++ } }
END { for (w in n) if (n[w] > 1) print n[w], w | "sort -k1,1nr -k2"; }
AWK
  printf 's/,/ | /g\n/sales/d\n1i\\\nNAME | DEPT | SALARY\n' >script.sed
  find . -exec touch -h -d '2024-01-02 03:04:05 UTC' {} +
)
if ! make_fixtures >"$work/fixtures.log" 2>&1; then
  echo "run_compat.sh: cannot create the fixtures:" >&2
  cat "$work/fixtures.log" >&2
  exit 2
fi

# --- parse commands.txt ---------------------------------------------------------
# Runs one command line (number $1, text $2); writes "STATUS<TAB>TEXT" to
# results/NUMBER and compare.sh's report to results/NUMBER.log.
run_one() {
  local number=$1 line=$2 xfail='' need='' stdin=/dev/null result
  local out=$work/results/$number
  local envs=() env_shown=()
  while [[ $line =~ ^(xfail|need|env):\ *([^|]*[^|\ ])\ *\|\ *(.*)$ ]]; do
    case ${BASH_REMATCH[1]} in
      xfail) xfail=${BASH_REMATCH[2]} ;;
      need) need=${BASH_REMATCH[2]} ;;
      env) envs+=(--env "${BASH_REMATCH[2]}"); env_shown+=("${BASH_REMATCH[2]}") ;;
    esac
    line=${BASH_REMATCH[3]}
  done
  local shown=$line
  [[ ${#env_shown[@]} -gt 0 ]] && shown="[env ${env_shown[*]}] $line"
  if [[ $line =~ ^(.*[^\ ])\ +\<\ *([A-Za-z0-9._/-]+)$ ]]; then
    line=${BASH_REMATCH[1]}
    stdin=$fixtures/${BASH_REMATCH[2]}
  fi
  local argv=()
  if ! eval "argv=($line)" 2>"$out.log" || [[ ${#argv[@]} -eq 0 ]]; then
    printf 'ERROR\t%s\n' "$shown" >"$out"
    echo "cannot parse line $number" >>"$out.log"
    return
  fi
  # Resolve the program in Debian's own directories (not a pyenv shim or similar).
  local program
  if [[ -n $need ]] && ! PATH=/usr/bin:/bin type -P -- "$need" >/dev/null; then
    printf 'SKIP\t%s\t(%s is not installed)\n' "$shown" "$need" >"$out"
    return
  fi
  if ! program=$(PATH=/usr/bin:/bin type -P -- "${argv[0]}"); then
    printf 'ERROR\t%s\t(%s not found)\n' "$shown" "${argv[0]}" >"$out"
    return
  fi
  if bash "$compare" "${envs[@]}" --stdin "$stdin" --tree "$fixtures" -- "$program" "${argv[@]:1}" >"$out.log" 2>&1; then
    result=PASS
    [[ -n $xfail ]] && result=XPASS
  else
    result=FAIL
    [[ -n $xfail && $(tail -n 1 "$out.log") == FAIL:* ]] && result=XFAIL
  fi
  if [[ -n $xfail ]]; then
    printf '%s\t%s\t(xfail: %s)\n' "$result" "$shown" "$xfail" >"$out"
  else
    printf '%s\t%s\n' "$result" "$shown" >"$out"
  fi
}

lines=()
number=0
while IFS= read -r line || [[ -n $line ]]; do
  number=$((number + 1))
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  lines+=("$number")
  printf '%s\n' "$line" >"$work/results/$number.line"
done <"$commands_file"

running=0
for number in "${lines[@]}"; do
  run_one "$number" "$(<"$work/results/$number.line")" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

# --- report, in the order of commands.txt ----------------------------------------
passed=0 total=0 xfailed=0 bad=0 skipped=0
for number in "${lines[@]}"; do
  IFS=$'\t' read -r result text note <"$work/results/$number"
  printf '%-5s %s%s\n' "$result" "$text" "${note:+  $note}"
  case $result in
    PASS) passed=$((passed + 1)); total=$((total + 1)) ;;
    XFAIL) xfailed=$((xfailed + 1)); total=$((total + 1)) ;;
    SKIP) skipped=$((skipped + 1)) ;;
    *) bad=$((bad + 1)); total=$((total + 1))
       if [[ $verbose -eq 1 || $result == ERROR ]]; then sed 's/^/      /' "$work/results/$number.log"; fi ;;
  esac
done
summary="compat: $passed/$total passed ($xfailed expected failures)"
[[ $skipped -gt 0 ]] && summary+=", $skipped skipped (not installed)"
if [[ $bad -gt 0 ]]; then
  echo "run_compat.sh: $bad command(s) did not behave as commands.txt says (FAIL: fix Burrow or mark xfail; XPASS: remove the xfail mark); rerun with -v for the diffs"
fi
echo "$summary"
[[ $bad -eq 0 ]]

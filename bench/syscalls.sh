#!/usr/bin/env bash
# Burrow's system-call benchmark (issue 6): the same work natively, in Burrow with
# every system call trapped (--no-rewrite) and in Burrow with syscall sites
# rewritten into direct calls (--fast), in one run:
#   1. getppid(), clock_gettime(CLOCK_MONOTONIC) and a 1-byte write to /dev/null,
#      each through a dynamically linked glibc (bench/programs/syscall_paths.c), ns
#      per call;
#   2. end to end, wall time (bench/timeit, median of N after a warm-up):
#      `python3 -c pass`, a small-write loop (dd: 100000 1-byte reads and writes),
#      and 500 sqlite3 inserts, each its own transaction, into a new file.
# Medians with ratios to native; also written to BUILD_DIR/bench/syscalls-results.md.
# Not a test: it never fails on a slow number.
#   Usage: bench/syscalls.sh [BUILD_DIR]   (default: build)
#   Env:   N=10 end-to-end runs, RUNS=5 runs of syscall_paths, ITERS=200000 calls
#          natively and rewritten, TRAPPED_ITERS=20000 (a trapped call costs µs on PVM).
set -euo pipefail
shopt -s inherit_errexit
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$repo/build}")
N=${N:-10} RUNS=${RUNS:-5} ITERS=${ITERS:-200000} TRAPPED_ITERS=${TRAPPED_ITERS:-20000}

source "$repo/bench/lib.sh"
bench_prepare
for tool in /usr/bin/python3 /usr/bin/sqlite3 /usr/bin/dd; do
  [ -x "$tool" ] || { echo "syscalls.sh: $tool is not installed (apt-get install python3 sqlite3)" >&2; exit 1; }
done
gcc -O2 -Wall -Wextra -o "$out/timeit" "$repo/bench/timeit.c"
gcc -O2 -Wall -Wextra -o "$out/syscall_paths" "$repo/bench/programs/syscall_paths.c"
work=$(mktemp -d "$PWD/.burrow-sysbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
{
  # synchronous=off: the transactions still write, lock and stat the files, but
  # do not wait for the disk, whose noise would swamp the system calls' cost.
  echo "pragma synchronous=off; drop table if exists t; create table t(x, y);"
  for i in $(seq 500); do echo "insert into t values($i, 'row $i');"; done
} >"$work/inserts.sql"


echo "syscalls.sh: syscall_paths, $RUNS runs each way" >&2
: >"$out/sp_native.txt"; : >"$out/sp_trapped.txt"; : >"$out/sp_fast.txt"
for _ in $(seq "$RUNS"); do
  "$out/syscall_paths" "$ITERS" >>"$out/sp_native.txt"
  "$burrow" run --no-rewrite -- "$out/syscall_paths" "$TRAPPED_ITERS" >>"$out/sp_trapped.txt"
  "$burrow" run --fast -- "$out/syscall_paths" "$ITERS" >>"$out/sp_fast.txt"
done

# end_to_end NAME COMMAND...: the median wall time (µs) natively, trapped, rewritten,
# the three interleaved in a shuffled order each round (bench/timeit's :::).
declare -A e2e
end_to_end() {
  local name=$1; shift
  echo "syscalls.sh: $name, $N runs each way" >&2
  local medians
  medians=$(cd "$work" && "$out/timeit" "$N" "$@" ::: "$burrow" run --no-rewrite -- "$@" ::: "$burrow" run --fast -- "$@" |
    sed -n 's/.*median_us=\([0-9.]*\).*/\1/p')
  { read -r e2e[$name.native]; read -r e2e[$name.trapped]; read -r e2e[$name.fast]; } <<<"$medians"
}
end_to_end python /usr/bin/python3 -c pass
end_to_end dd /usr/bin/dd if=/dev/zero of=/dev/null bs=1 count=100000 status=none
# The script drops and recreates its table: every run does the same work.
end_to_end sqlite /usr/bin/sqlite3 db ".read inserts.sql"

"$burrow" run --fast --stats -- /usr/bin/python3 -c pass 2>"$out/python_fast_stats.txt" >/dev/null

if [ -d /sys/module/kvm_pvm ]; then kvm_kind="PVM"; else kvm_kind="hardware"; fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
row() {  # label native trapped fast unit-format
  local n=$2 t=$3 f=$4 fmt=$5
  echo "| $1 | $(calc "$fmt" "$n") | $(calc "$fmt" "$t") | $(calc "$fmt" "$f") | $(calc %.2f× "($t) / ($n)") | $(calc %.3f× "($f) / ($n)") |"
}
sp() { field "$1_ns" "$out/sp_$2.txt" | median; }
{
  echo "Burrow $rev on $cpu ($(nproc) CPUs), KVM: $kvm_kind, $(date -u +%F). Medians of $RUNS runs (calls) and $N runs (programs: native, trapped and rewritten interleaved)."
  echo
  echo "| Measure | Native | Burrow trapped | Burrow rewritten | Trapped / native | Rewritten / native |"
  echo "|---|---:|---:|---:|---:|---:|"
  for c in getppid clock_gettime write; do
    label=$c; [ "$c" = write ] && label="write 1 byte to /dev/null"
    row "$label (ns/call)" "$(sp "$c" native)" "$(sp "$c" trapped)" "$(sp "$c" fast)" %.1f
  done
  row "\`python3 -c pass\` (ms)" "${e2e[python.native]}/1000" "${e2e[python.trapped]}/1000" "${e2e[python.fast]}/1000" %.1f
  row "dd, 100000 1-byte reads and writes (ms)" "${e2e[dd.native]}/1000" "${e2e[dd.trapped]}/1000" "${e2e[dd.fast]}/1000" %.1f
  row "sqlite3, 500 inserts, one transaction each (ms)" "${e2e[sqlite.native]}/1000" "${e2e[sqlite.trapped]}/1000" "${e2e[sqlite.fast]}/1000" %.1f
  echo
  echo "\`burrow run --fast --stats -- python3 -c pass\`:"
  echo
  sed 's/^/    /' "$out/python_fast_stats.txt"
} | tee "$out/syscalls-results.md"

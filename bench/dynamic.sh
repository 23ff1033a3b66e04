#!/usr/bin/env bash
# Burrow's benchmark for dynamically linked Debian binaries (issue 5), natively and
# in Burrow in the same run:
#   1. start-up to exit of /usr/bin/true and `python3 -c pass` (bench/timeit: fork,
#      exec, wait; median of N runs after a warm-up, native and Burrow runs
#      interleaved in a shuffled order);
#   2. a CPU-bound pure-Python script (dynamic/cpu_bound.py): its own time without
#      start-up (time.perf_counter, exit-free in Burrow) and the wall time;
#   3. a sqlite3 workload (dynamic/sqlite_workload.sql: 200k rows, an index,
#      aggregates, update, delete) on :memory: and on a new file database, wall time;
#   4. glibc's string and memory routines in a dynamically linked program
#      (dynamic/strmem.c), ns per call, and what such a program learns about the
#      CPU (dynamic/cpu_report.c): CPUID features, XCR0, and the variant each IFUNC
#      picked, named from libc's debug symbols when libc6-dbg is installed;
#   5. VM exits and system calls of `python3 -c pass` and of the sqlite3 file
#      workload in Burrow (--stats).
# The workloads of 2-4 alternate native and Burrow runs (each goes first every
# other time). Prints markdown tables of medians with Burrow/native ratios (also
# written to BUILD_DIR/bench/dynamic-results.md). Not a test: it never fails on a
# slow number.
#   Usage: bench/dynamic.sh [BUILD_DIR]   (default: build; Burrow is built there if missing)
#   Env:   N=20 start-up runs, RUNS=5 runs of each workload, PY_N=3000000 loop
#          iterations of cpu_bound.py, PYTHON=/usr/bin/python3, SQLITE=/usr/bin/sqlite3.
set -euo pipefail
shopt -s inherit_errexit
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$repo/build}")
N=${N:-40}
RUNS=${RUNS:-9}
PY_N=${PY_N:-3000000}
PYTHON=${PYTHON:-/usr/bin/python3}
SQLITE=${SQLITE:-/usr/bin/sqlite3}

source "$repo/bench/lib.sh"
bench_prepare
for tool in "$PYTHON" "$SQLITE"; do
  [ -x "$tool" ] || { echo "dynamic.sh: $tool is not installed (apt-get install python3 sqlite3)" >&2; exit 1; }
done
gcc -O2 -Wall -Wextra -o "$out/timeit" "$repo/bench/timeit.c"
# Dynamically linked, as Debian's binaries are; -fno-builtin keeps every call a
# call into libc.so.6 (through the IFUNC-resolved PLT entry).
gcc -O2 -Wall -Wextra -fno-builtin -o "$out/strmem" "$repo/bench/dynamic/strmem.c"
gcc -O2 -Wall -Wextra -o "$out/cpu_report" "$repo/bench/dynamic/cpu_report.c"
cpu_bound=$repo/bench/dynamic/cpu_bound.py
workload=$repo/bench/dynamic/sqlite_workload.sql

# The file database lives here (Burrow sees the current directory read-write).
work=$(mktemp -d "$PWD/.burrow-dynbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# on WHO PROGRAM ARGS...: run natively (WHO=native) or in Burrow (WHO=burrow).
on() {
  local who=$1
  shift
  if [ "$who" = burrow ]; then "$burrow" run -- "$@"; else "$@"; fi
}
# wall_s COMMAND...: run COMMAND (stdout appended to $log), print its wall time in s.
wall_s() {
  local start=$EPOCHREALTIME
  "$@" >>"$log"
  calc %.4f "$EPOCHREALTIME - $start"
}

# --- 1. start-up to exit ---------------------------------------------------------
echo "dynamic.sh: start-up to exit, $N runs each" >&2
# Native and Burrow runs interleaved (shuffled each round): the machine's drift
# falls on both alike.
{ read -r true_native; read -r true_burrow; } < <("$out/timeit" "$N" /usr/bin/true ::: "$burrow" run -- /usr/bin/true)
# python3 also with the poller off (--poll=off: every file hypercall a VM exit).
{ read -r py_native; read -r py_burrow; read -r py_nopoll; } < <("$out/timeit" "$N" "$PYTHON" -c pass ::: \
  "$burrow" run -- "$PYTHON" -c pass ::: "$burrow" run --poll=off -- "$PYTHON" -c pass)

# --- 2-4. workloads, alternating ---------------------------------------------------
echo "dynamic.sh: $RUNS runs each (+1 warm-up), alternating: cpu_bound.py $PY_N, sqlite3, strmem" >&2
for f in py_native py_burrow pywall_native pywall_burrow sqlmem_native sqlmem_burrow \
         sqlfile_native sqlfile_burrow strmem_native strmem_burrow; do : >"$out/dyn_$f.txt"; done
for i in $(seq 0 "$RUNS"); do
  if ((i % 2)); then order="native burrow"; else order="burrow native"; fi
  for who in $order; do
    log=$out/dyn_py_$who.txt
    [ "$i" = 0 ] && log=/dev/null
    t=$(wall_s on "$who" "$PYTHON" "$cpu_bound" "$PY_N")
    [ "$i" = 0 ] || echo "wall=$t" >>"$out/dyn_pywall_$who.txt"
    for db in :memory: "$work/bench.db"; do
      kind=sqlmem
      [ "$db" = :memory: ] || kind=sqlfile
      rm -f "$work/bench.db" "$work/bench.db-journal"
      log=$out/dyn_${kind}_out_$who.txt
      : >"$log"
      t=$(wall_s on "$who" "$SQLITE" -batch -init /dev/null "$db" ".read $workload")
      [ "$i" = 0 ] || echo "wall=$t" >>"$out/dyn_${kind}_$who.txt"
    done
    log=$out/dyn_strmem_$who.txt
    [ "$i" = 0 ] && log=/dev/null
    on "$who" "$out/strmem" >>"$log"
  done
done
# Both must have computed the same things.
if [ "$(sed -n 's/^result=\([^ ]*\).*/\1/p' "$out/dyn_py_native.txt" | sort -u)" != \
     "$(sed -n 's/^result=\([^ ]*\).*/\1/p' "$out/dyn_py_burrow.txt" | sort -u)" ]; then
  echo "dynamic.sh: WARNING: cpu_bound.py computed different results natively and in Burrow" >&2
fi
for kind in sqlmem sqlfile; do
  cmp -s "$out/dyn_${kind}_out_native.txt" "$out/dyn_${kind}_out_burrow.txt" ||
    echo "dynamic.sh: WARNING: the sqlite3 $kind workload printed different results natively and in Burrow" >&2
done

# --- 4b. what the program sees of the CPU ------------------------------------------
echo "dynamic.sh: CPU features and IFUNC choices" >&2
"$out/cpu_report" >"$out/cpu_native.txt"
"$burrow" run -- "$out/cpu_report" >"$out/cpu_burrow.txt"
libc=$(ldd "$out/cpu_report" | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
build_id=$(readelf -n "$libc" 2>/dev/null | sed -n 's/.*Build ID: //p')
libc_debug=/usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug
: >"$out/libc_symbols.txt"
[ -n "$build_id" ] && [ -r "$libc_debug" ] && nm "$libc_debug" >"$out/libc_symbols.txt" 2>/dev/null || true
# variant OFFSET: the name of libc's function at OFFSET, or OFFSET without libc6-dbg.
variant() {
  local name
  name=$(grep "^$(printf '%016x' "$(($1))") [tTiW] " "$out/libc_symbols.txt" | awk '{print $3}' | grep -v _chk | head -1)
  echo "${name:-+$1}"
}
# cpu KEY FILE: the value of KEY= in a cpu_report output.
cpu() { sed -n "s/^$1=//p" "$2"; }

# --- 5. VM exits and system calls in Burrow -----------------------------------------
echo "dynamic.sh: burrow --stats" >&2
"$burrow" run --stats -- "$PYTHON" -c pass 2>"$out/dyn_py_stats.txt" >/dev/null
rm -f "$work/bench.db" "$work/bench.db-journal"
"$burrow" run --stats -- "$SQLITE" -batch -init /dev/null "$work/bench.db" ".read $workload" \
  2>"$out/dyn_sqlfile_stats.txt" >/dev/null
# syscalls FILE: the "N system calls: ..." part of a --stats output, if any.
syscalls() { sed -n 's/^burrow: stats: \([0-9]* system calls.*\)/; \1/p' "$1"; }
py_setup=$(sed -n 's/.*set-up \([0-9.]*\) ms, run \([0-9.]*\) ms.*/\1 ms set-up, \2 ms run/p' "$out/dyn_py_stats.txt")

if [ -d /sys/module/kvm_pvm ]; then kvm_kind="PVM (kvm_pvm: software virtualization)"
else kvm_kind="hardware ($(ls -d /sys/module/kvm_intel /sys/module/kvm_amd 2>/dev/null | xargs -rn1 basename | head -1))"; fi
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)

# med NAME FILE: the median of NAME= over the lines of FILE.
med() { field "$1" "$2" | median; }
# row LABEL FORMAT NATIVE BURROW: a table row with the Burrow / native ratio.
row() { echo "| $1 | $(calc "$2" "$3") | $(calc "$2" "$4") | $(calc "%.2f×" "$4 / $3") |"; }
startup_ms() { sed -n 's/.*median_us=\([0-9.]*\).*/\1/p' <<<"$1" | awk '{printf "%.3f", $1 / 1000}'; }

{
  echo "Burrow $rev on $model ($(nproc) CPUs), KVM: $kvm_kind. $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Start-up: medians of $N runs, native and Burrow interleaved; workloads: medians of $RUNS runs, native and Burrow alternating."
  echo
  echo "| Measure | Native | Burrow | Burrow / native |"
  echo "|---|---:|---:|---:|"
  row "Start-up to exit: \`/usr/bin/true\` (ms)" %.2f "$(startup_ms "$true_native")" "$(startup_ms "$true_burrow")"
  row "Start-up to exit: \`python3 -c pass\` (ms)" %.2f "$(startup_ms "$py_native")" "$(startup_ms "$py_burrow")"
  row "Start-up to exit: \`python3 -c pass\`, \`--poll=off\` (ms)" %.2f "$(startup_ms "$py_native")" "$(startup_ms "$py_nopoll")"
  row "CPU-bound Python ($PY_N iterations), its own time (s)" %.3f \
    "$(med seconds "$out/dyn_py_native.txt")" "$(med seconds "$out/dyn_py_burrow.txt")"
  row "CPU-bound Python, wall incl. start-up (s)" %.3f \
    "$(med wall "$out/dyn_pywall_native.txt")" "$(med wall "$out/dyn_pywall_burrow.txt")"
  row "sqlite3 workload, \`:memory:\` (s, wall)" %.3f \
    "$(med wall "$out/dyn_sqlmem_native.txt")" "$(med wall "$out/dyn_sqlmem_burrow.txt")"
  row "sqlite3 workload, file database (s, wall)" %.3f \
    "$(med wall "$out/dyn_sqlfile_native.txt")" "$(med wall "$out/dyn_sqlfile_burrow.txt")"
  for k in memcpy_64 memcpy_4k memcpy_1m memset_4k strlen_1k strlen_64k memchr_4k strcmp_4k memcmp_4k; do
    size=${k#*_}
    size=${size/k/ Ki} size=${size/m/ Mi}
    row "glibc \`${k%_*}\`, ${size}B (ns/call)" %.1f \
      "$(med "${k}_ns" "$out/dyn_strmem_native.txt")" "$(med "${k}_ns" "$out/dyn_strmem_burrow.txt")"
  done
  echo "| \`python3 -c pass\` in Burrow (\`--stats\`) | | $(exits "$out/dyn_py_stats.txt") VM exits; $py_setup$(syscalls "$out/dyn_py_stats.txt") | |"
  echo "| sqlite3 file workload in Burrow (\`--stats\`) | | $(exits "$out/dyn_sqlfile_stats.txt") VM exits$(syscalls "$out/dyn_sqlfile_stats.txt") | |"
  echo
  echo "What a dynamically linked program sees of the CPU (cpu_report), and the variants glibc's IFUNCs picked:"
  echo
  echo "| | Native | Burrow |"
  echo "|---|---|---|"
  echo "| CPUID features | $(cpu features "$out/cpu_native.txt") | $(cpu features "$out/cpu_burrow.txt") |"
  echo "| XCR0 | $(cpu xcr0 "$out/cpu_native.txt") | $(cpu xcr0 "$out/cpu_burrow.txt") |"
  for f in memcpy memset strlen strchr memchr strcmp memcmp strcpy; do
    echo "| \`$f\` | $(variant "$(cpu "ifunc.$f" "$out/cpu_native.txt")") | $(variant "$(cpu "ifunc.$f" "$out/cpu_burrow.txt")") |"
  done
} | tee "$out/dynamic-results.md"

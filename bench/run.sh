#!/usr/bin/env bash
# Burrow's benchmark: boot-to-exit of a static hello in Burrow vs natively vs a bare
# KVM floor program, host peak RSS, null-syscall and clock_gettime latency, and VM
# exit counts. Prints a markdown table of medians (also written to
# BUILD_DIR/bench/results.md). Not a test: it never fails on a slow number.
#   Usage: bench/run.sh [BUILD_DIR]   (default: build; Burrow is built there if missing)
#   Env:   N=20 process-level runs, LAT_RUNS=5 syscall_lat runs,
#          PPID_ITERS/CLOCK_ITERS natively (100000/1000000) and in Burrow (20000/20000:
#          each trapped syscall costs microseconds under PVM).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$repo/build}")
N=${N:-20}
LAT_RUNS=${LAT_RUNS:-5}
PPID_ITERS=${PPID_ITERS:-100000} CLOCK_ITERS=${CLOCK_ITERS:-1000000}
BURROW_PPID_ITERS=${BURROW_PPID_ITERS:-20000} BURROW_CLOCK_ITERS=${BURROW_CLOCK_ITERS:-20000}

source "$repo/bench/lib.sh"
bench_prepare
gcc -O2 -Wall -Wextra -o "$out/timeit" "$repo/bench/timeit.c"
gcc -O2 -Wall -Wextra -o "$out/kvm_floor" "$repo/bench/kvm_floor.c"
for prog in hello syscall_lat; do
  gcc -O2 -static -Wall -Wextra -o "$out/$prog" "$repo/bench/programs/$prog.c"
done

# kv NAME "k=v k=v ...": the value of NAME.
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

echo "run.sh: boot-to-exit, $N runs each" >&2
native=$("$out/timeit" "$N" "$out/hello")
floor=$("$out/timeit" "$N" "$out/kvm_floor")
inburrow=$("$out/timeit" "$N" "$burrow" run -- "$out/hello")

echo "run.sh: burrow --stats, $N runs" >&2
for _ in $(seq "$N"); do
  "$burrow" run --stats -- "$out/hello" 2>&1 >/dev/null | grep '^burrow: stats:'
done >"$out/hello_stats.txt"
hello_exits=$(sed -n 's/^burrow: stats: \([0-9]*\) VM exits (\([0-9]*\) hypercalls.*/\1 (\2 hypercalls)/p' \
  "$out/hello_stats.txt" | sort | uniq -c | sort -rn | head -1 | sed 's/^ *[0-9]* //')
setup_ms=$(sed -n 's/.*set-up \([0-9.]*\) ms.*/\1/p' "$out/hello_stats.txt" | median)
run_ms=$(sed -n 's/.*run \([0-9.]*\) ms.*/\1/p' "$out/hello_stats.txt" | median)

echo "run.sh: syscall_lat, $LAT_RUNS runs natively and in Burrow" >&2
: >"$out/lat_native.txt"; : >"$out/lat_burrow.txt"; : >"$out/lat_burrow_stats.txt"
for _ in $(seq "$LAT_RUNS"); do
  "$out/syscall_lat" "$PPID_ITERS" "$CLOCK_ITERS" >>"$out/lat_native.txt"
  "$burrow" run --stats -- "$out/syscall_lat" "$BURROW_PPID_ITERS" "$BURROW_CLOCK_ITERS" \
    >>"$out/lat_burrow.txt" 2>>"$out/lat_burrow_stats.txt"
done
# Same stdout kind (a regular file) as the timed runs: /dev/null costs one exit more.
"$burrow" run --stats -- "$out/syscall_lat" 1 1 >"$out/lat_burrow_1.txt" 2>"$out/lat_burrow_stats_1.txt"
lat() { sed -n "s/.*$1_ns=\([0-9.]*\).*/\1/p" "$2" | median; }
ppid_native=$(lat getppid "$out/lat_native.txt") ppid_burrow=$(lat getppid "$out/lat_burrow.txt")
clock_native=$(lat clock_gettime "$out/lat_native.txt") clock_burrow=$(lat clock_gettime "$out/lat_burrow.txt")
exits_many=$(exits "$out/lat_burrow_stats.txt" | sort -u | tr '\n' ' ' | sed 's/ $//; s/ /, /g')
exits_one=$(exits "$out/lat_burrow_stats_1.txt")
if [ "$exits_many" = "$exits_one" ]; then exits_verdict="equal: 0 exits per call"; else exits_verdict="NOT equal"; fi

if [ -d /sys/module/kvm_pvm ]; then kvm_kind="PVM (kvm_pvm: software virtualization)"
else kvm_kind="hardware ($(ls -d /sys/module/kvm_intel /sys/module/kvm_amd 2>/dev/null | xargs -rn1 basename | head -1))"; fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)

us() { kv "$1" "$2"; }
ms() { calc "%.2f" "$(us median_us "$1") / 1000"; }
mb() { calc "%.1f" "$(us maxrss_kb_median "$1") / 1024"; }
ratio() { calc "%.1f×" "$1 / $2"; }
b_us=$(us median_us "$inburrow") n_us=$(us median_us "$native") f_us=$(us median_us "$floor")
b_kb=$(us maxrss_kb_median "$inburrow") n_kb=$(us maxrss_kb_median "$native") f_kb=$(us maxrss_kb_median "$floor")

{
  echo "Burrow $rev on $cpu ($(nproc) CPUs), KVM: $kvm_kind. Medians: $N runs per process timing, $LAT_RUNS runs of syscall_lat."
  echo
  echo "| Measure | Native | Burrow | KVM floor | Burrow / native | Burrow / floor |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| Boot-to-exit, static hello (ms, wall) | $(ms "$native") | $(ms "$inburrow") | $(ms "$floor") | $(ratio "$b_us" "$n_us") | $(ratio "$b_us" "$f_us") |"
  echo "| Host peak RSS, static hello (MB, ru_maxrss) | $(mb "$native") | $(mb "$inburrow") | $(mb "$floor") | $(ratio "$b_kb" "$n_kb") | $(ratio "$b_kb" "$f_kb") |"
  echo "| Burrow \`--stats\`: set-up / run (ms) | | $(calc "%.2f / %.2f" "$setup_ms, $run_ms") | | | |"
  echo "| VM exits, whole hello run (stdout → /dev/null) | | $hello_exits | 1 (hlt) | | |"
  echo "| Null syscall: raw \`getppid\` (ns/call) | $(calc %.0f "$ppid_native") | $(calc %.0f "$ppid_burrow") | | $(ratio "$ppid_burrow" "$ppid_native") | |"
  echo "| \`clock_gettime(CLOCK_MONOTONIC)\` (ns/call) | $(calc %.0f "$clock_native") | $(calc %.0f "$clock_burrow") | | $(ratio "$clock_burrow" "$clock_native") | |"
  echo "| VM exits, syscall_lat: 1 call each vs $BURROW_PPID_ITERS getppid + $BURROW_CLOCK_ITERS clock_gettime | | $exits_one vs $exits_many ($exits_verdict) | | | |"
} | tee "$out/results.md"

#!/usr/bin/env bash
# Burrow's memory benchmark, against native Linux in the same run (ratios of medians):
#   - first-touch page faults: touch 1 GiB page by page (Burrow with --memory=2G), and
#     256 MiB with 4 KiB pages only (MADV_NOHUGEPAGE);
#   - mmap / touch every page / munmap cycles of 1, 16 and 256 pages;
#   - the `hash` test program (64 MiB buffer), whose time used to be all page faults;
#   - host RSS of a guest that touches 100 MiB then frees it, at several --memory
#     sizes: the peak, and what is left after the free.
# Prints a markdown table (also written to BUILD_DIR/bench/mm.md). Not a test: it
# never fails on a slow number. Runs alternate native and Burrow so that a busy host
# slows both alike; the host's load average is printed with the results.
#   Usage: bench/mm.sh [BUILD_DIR]   (default: build; Burrow is built there if missing)
#   Env:   N=5 runs per measurement.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$repo/build}")
N=${N:-5}

source "$repo/bench/lib.sh"
bench_prepare
for prog in touch cycle rss; do
  gcc -O2 -static -Wall -Wextra -o "$out/mm_$prog" "$repo/bench/mm/$prog.c"
done
gcc -O2 -static -Wall -Wextra -o "$out/mm_hash" "$repo/tests/programs/hash.c"

# value KEY: the number after KEY= on stdin.
value() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
# wall_ms CMD...: wall time of one run in ms.
wall_ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  calc "%.1f" "($t1 - $t0) / 1e6"
}

echo "mm.sh: page faults, 1 GiB, $N runs each" >&2
: >"$out/touch_native.txt"; : >"$out/touch_burrow.txt"
for _ in $(seq "$N"); do
  "$out/mm_touch" 1024 | value ns_per_page >>"$out/touch_native.txt"
  "$burrow" run --memory 2G -- "$out/mm_touch" 1024 | value ns_per_page >>"$out/touch_burrow.txt"
done
touch_n=$(median <"$out/touch_native.txt") touch_b=$(median <"$out/touch_burrow.txt")

echo "mm.sh: page faults, 256 MiB of 4 KiB pages, $N runs each" >&2
: >"$out/touch_native.txt"; : >"$out/touch_burrow.txt"
for _ in $(seq "$N"); do
  "$out/mm_touch" 256 small | value ns_per_page >>"$out/touch_native.txt"
  "$burrow" run --memory 1G -- "$out/mm_touch" 256 small | value ns_per_page >>"$out/touch_burrow.txt"
done
small_n=$(median <"$out/touch_native.txt") small_b=$(median <"$out/touch_burrow.txt")

echo "mm.sh: mmap/touch/munmap cycles, $N runs each" >&2
declare -A cyc_n cyc_b
for pages in 1 16 256; do
  iters=$((pages >= 256 ? 100 : 300))
  : >"$out/cycle_native.txt"; : >"$out/cycle_burrow.txt"
  for _ in $(seq "$N"); do
    "$out/mm_cycle" "$pages" $((iters * 10)) | value us_per_cycle >>"$out/cycle_native.txt"
    "$burrow" run -- "$out/mm_cycle" "$pages" "$iters" | value us_per_cycle >>"$out/cycle_burrow.txt"
  done
  cyc_n[$pages]=$(median <"$out/cycle_native.txt")
  cyc_b[$pages]=$(median <"$out/cycle_burrow.txt")
done

echo "mm.sh: hash (64 MiB), $N runs each" >&2
: >"$out/hash_native.txt"; : >"$out/hash_burrow.txt"
for _ in $(seq "$N"); do
  wall_ms "$out/mm_hash" >>"$out/hash_native.txt"
  wall_ms "$burrow" run -- "$out/mm_hash" >>"$out/hash_burrow.txt"
done
hash_n=$(median <"$out/hash_native.txt") hash_b=$(median <"$out/hash_burrow.txt")

# rss_run CMD...: "peak_kib after_free_kib" of CMD (which runs mm_rss), read from
# /proc while it holds still after the free, and the peak from VmHWM.
rss_run() {
  local log=$out/rss.out
  : >"$log"
  "$@" >"$log" &
  local pid=$! after="" peak=""
  while kill -0 "$pid" 2>/dev/null; do
    if grep -q freed "$log"; then
      sleep 0.2
      after=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
      peak=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
      break
    fi
    sleep 0.01
  done
  wait "$pid"
  echo "${peak:-0} ${after:-0}"
}

echo "mm.sh: RSS of a guest that touches 100 MiB and frees it, $N runs each" >&2
declare -A rss_peak rss_after
for mem in native 256M 1G 4G; do
  : >"$out/rss_peak.txt"; : >"$out/rss_after.txt"
  for _ in $(seq "$N"); do
    if [ "$mem" = native ]; then
      r=$(rss_run "$out/mm_rss" 100 0.6)
    else
      r=$(rss_run "$burrow" run --memory "$mem" -- "$out/mm_rss" 100 0.6)
    fi
    echo "${r% *}" >>"$out/rss_peak.txt"
    echo "${r#* }" >>"$out/rss_after.txt"
  done
  rss_peak[$mem]=$(median <"$out/rss_peak.txt")
  rss_after[$mem]=$(median <"$out/rss_after.txt")
done

if [ -d /sys/module/kvm_pvm ]; then kvm_kind="PVM (kvm_pvm: software virtualization)"
else kvm_kind="hardware ($(ls -d /sys/module/kvm_intel /sys/module/kvm_amd 2>/dev/null | xargs -rn1 basename | head -1))"; fi
rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
mib() { calc "%.1f" "$1 / 1024"; }
ratio() { calc "%.2f×" "$1 / $2"; }

{
  echo "## Burrow memory benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), revision $rev, KVM: $kvm_kind, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Medians of $N runs, native and Burrow alternating."
  echo
  echo "| measurement | native | Burrow | Burrow / native |"
  echo "|---|---|---|---|"
  echo "| first touch, 1 GiB page by page (Burrow --memory=2G) | $(calc "%.2f" "$touch_n / 1000") µs/page | $(calc "%.2f" "$touch_b / 1000") µs/page | $(ratio "$touch_b" "$touch_n") |"
  echo "| first touch, 256 MiB of 4 KiB pages (MADV_NOHUGEPAGE) | $(calc "%.2f" "$small_n / 1000") µs/page | $(calc "%.2f" "$small_b / 1000") µs/page | $(ratio "$small_b" "$small_n") |"
  for pages in 1 16 256; do
    echo "| mmap + touch + munmap, $pages page(s) | $(calc "%.1f" "${cyc_n[$pages]}") µs | $(calc "%.1f" "${cyc_b[$pages]}") µs | $(ratio "${cyc_b[$pages]}" "${cyc_n[$pages]}") |"
  done
  echo "| \`hash\` (fills and hashes 64 MiB) | $(calc "%.0f" "$hash_n") ms | $(calc "%.0f" "$hash_b") ms | $(ratio "$hash_b" "$hash_n") |"
  echo
  echo "Host RSS of a program that touches 100 MiB, then unmaps it (MiB):"
  echo
  echo "| run | peak | after the free |"
  echo "|---|---|---|"
  echo "| native | $(mib "${rss_peak[native]}") | $(mib "${rss_after[native]}") |"
  for mem in 256M 1G 4G; do
    echo "| Burrow --memory=$mem | $(mib "${rss_peak[$mem]}") | $(mib "${rss_after[$mem]}") |"
  done
} | tee "$out/mm.md"

#!/usr/bin/env bash
# Burrow's file system benchmark, natively and in Burrow, in a temporary directory
# under the current directory (Burrow sees it read-write at the same path):
#   1. sequential write of a SEQ_MIB file (1 MiB writes, then fsync) and cached
#      sequential read of it (read once untimed, then timed; 1 MiB reads), MiB/s;
#   2. small-file metadata: create (open O_CREAT + write 100 bytes + close), stat,
#      then unlink FILES files in one directory, µs per operation for each phase;
#   3. VM exits per operation: each workload in Burrow with --stats at two sizes;
#      (exits_big - exits_small) / (calls_big - calls_small) cancels boot and exit.
# Times come from clock_gettime(CLOCK_MONOTONIC) inside the programs (exit-free in
# Burrow), so boot is excluded. Native and Burrow runs alternate (each goes first
# every other time), after one untimed warm-up of each. Prints a markdown table of
# medians with Burrow/native ratios (also written to BUILD_DIR/bench/fs-results.md).
# Not a test: it never fails on a slow number.
#   Usage: bench/fs.sh [BUILD_DIR]   (default: build; Burrow is built there if missing)
#   Env:   N=5 timed runs of each workload natively and in Burrow,
#          SEQ_MIB=256 SEQ_SMALL_MIB=64 (file sizes), FILES=10000 FILES_SMALL=2000.
set -euo pipefail
shopt -s inherit_errexit
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$repo/build}")
N=${N:-5}
SEQ_MIB=${SEQ_MIB:-256} SEQ_SMALL_MIB=${SEQ_SMALL_MIB:-64}
FILES=${FILES:-10000} FILES_SMALL=${FILES_SMALL:-2000}

source "$repo/bench/lib.sh"
bench_prepare
for prog in seqio smallfiles; do
  gcc -O2 -static -Wall -Wextra -o "$out/$prog" "$repo/bench/fs/$prog.c"
done

# The workloads' files live here; removed however the script ends.
work=$(mktemp -d "$PWD/.burrow-fsbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
# clean: empty the work directory (a run that stops before unlinking leaves files).
clean() { find "$work" -mindepth 1 -delete; }

# timed WHO KIND PROGRAM ARGS...: one run natively or in Burrow (WHO: native |
# burrow), its result line appended to $out/fs_KIND_WHO.txt (to fs_warmup.txt in
# run 0); stdout is a regular file either way.
timed() {
  local log=$out/fs_$2_$1.txt
  [ "$i" = 0 ] && log=$out/fs_warmup.txt
  case $1 in
    native) "$out/$3" "${@:4}" >>"$log" ;;
    burrow) "$burrow" run -- "$out/$3" "${@:4}" >>"$log" ;;
  esac
  clean
}

echo "fs.sh: $N timed runs each (+1 warm-up): seqio $SEQ_MIB MiB, smallfiles $FILES files" >&2
for f in warmup seq_native seq_burrow small_native small_burrow; do : >"$out/fs_$f.txt"; done
# Each workload's runs are back to back, and who goes first alternates: on a
# host that is itself a VM, memory freed for a few seconds can be handed back to
# the outer hypervisor (free page reporting), and refilling 256 MiB of page cache
# from it then costs ~0.3 s, whoever does the writing.
for kind in seq small; do
  prog=seqio size=$SEQ_MIB
  [ "$kind" = small ] && prog=smallfiles size=$FILES
  for i in $(seq 0 "$N"); do
    if ((i % 2)); then order="native burrow"; else order="burrow native"; fi
    for who in $order; do timed "$who" "$kind" "$prog" "$work" "$size"; done
  done
done

echo "fs.sh: VM exits per call: burrow --stats at two sizes" >&2
# stats PROGRAM ARGS...: the --stats exit count of one Burrow run (stdout kept in
# $out/fs_stats_out.txt for the call counts the program reports).
stats() {
  "$burrow" run --stats -- "$out/$1" "${@:2}" >"$out/fs_stats_out.txt" 2>"$out/fs_stats_err.txt"
  clean
  local n
  n=$(exits "$out/fs_stats_err.txt")
  [ -n "$n" ] || { echo "fs.sh: no --stats line from: $*" >&2; exit 1; }
  echo "$n"
}
# calls NAME: NAME= from the last stats run's output.
calls() { field "$1" "$out/fs_stats_out.txt"; }
# Sequential: "w" runs only write, "wr" also reads; reads' exits are the difference.
ew_small=$(stats seqio "$work" "$SEQ_SMALL_MIB" w); w_small=$(calls writes)
ewr_small=$(stats seqio "$work" "$SEQ_SMALL_MIB" wr); r_small=$(calls reads)
ew_big=$(stats seqio "$work" "$SEQ_MIB" w); w_big=$(calls writes)
ewr_big=$(stats seqio "$work" "$SEQ_MIB" wr); r_big=$(calls reads)
per_write=$(calc %.2f "($ew_big - $ew_small) / ($w_big - $w_small)")
per_read=$(calc %.2f "(($ewr_big - $ew_big) - ($ewr_small - $ew_small)) / ($r_big - $r_small)")
# Metadata: "c" create only, "cs" + stat, "csu" + unlink; each phase by difference.
declare -A e  # e[PHASES FILES]: exit count of that run
for n in "$FILES_SMALL" "$FILES"; do
  for phases in c cs csu; do e[$phases$n]=$(stats smallfiles "$work" "$n" "$phases"); done
done
dn=$((FILES - FILES_SMALL))
per_create=$(calc %.2f "(${e[c$FILES]} - ${e[c$FILES_SMALL]}) / $dn")
per_stat=$(calc %.2f "((${e[cs$FILES]} - ${e[c$FILES]}) - (${e[cs$FILES_SMALL]} - ${e[c$FILES_SMALL]})) / $dn")
per_unlink=$(calc %.2f "((${e[csu$FILES]} - ${e[cs$FILES]}) - (${e[csu$FILES_SMALL]} - ${e[cs$FILES_SMALL]})) / $dn")

if [ -d /sys/module/kvm_pvm ]; then kvm_kind="PVM (kvm_pvm: software virtualization)"
else kvm_kind="hardware ($(ls -d /sys/module/kvm_intel /sys/module/kvm_amd 2>/dev/null | xargs -rn1 basename | head -1))"; fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
fstype=$(df --output=fstype "$work" | tail -1)

# med NAME FILE: the median of NAME= over the runs in FILE.
med() { field "$1" "$2" | median; }
# row LABEL NAME FORMAT SUFFIX-FILE: a table row, native vs Burrow, for NAME in
# $out/fs_SUFFIX_{native,burrow}.txt.
row() {
  local nv bv
  nv=$(med "$2" "$out/fs_$4_native.txt") bv=$(med "$2" "$out/fs_$4_burrow.txt")
  echo "| $1 | $(calc "$3" "$nv") | $(calc "$3" "$bv") | $(calc "%.2f×" "$bv / $nv") |"
}

{
  echo "Burrow $rev on $cpu ($(nproc) CPUs), KVM: $kvm_kind; files on $fstype under $PWD."
  echo "Medians of $N runs (after one warm-up), native and Burrow alternating. Burrow / native:"
  echo "above 1× is faster in Burrow for MiB/s, slower for µs."
  echo
  echo "| Measure | Native | Burrow | Burrow / native |"
  echo "|---|---:|---:|---:|"
  row "Sequential write, $SEQ_MIB MiB: 1 MiB \`write\`s + \`fsync\` (MiB/s)" write_mibs %.0f seq
  row "Sequential read, cached, 1 MiB \`read\`s (MiB/s)" read_mibs %.0f seq
  row "Create: \`open(O_CREAT)\` + write 100 B + \`close\`, $FILES files (µs/file)" create_us %.1f small
  row "\`stat\` (µs/file)" stat_us %.2f small
  row "\`unlink\` (µs/file)" unlink_us %.2f small
  echo "| VM exits per 1 MiB \`write\` ($SEQ_SMALL_MIB vs $SEQ_MIB MiB: $ew_small vs $ew_big exits) | | $per_write | |"
  echo "| VM exits per 1 MiB \`read\`, cached ($r_small vs $r_big reads) | | $per_read | |"
  echo "| VM exits per create ($FILES_SMALL vs $FILES files: ${e[c$FILES_SMALL]} vs ${e[c$FILES]} exits) | | $per_create | |"
  echo "| VM exits per \`stat\` | | $per_stat | |"
  echo "| VM exits per \`unlink\` | | $per_unlink | |"
} | tee "$out/fs-results.md"

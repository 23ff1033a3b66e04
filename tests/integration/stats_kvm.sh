#!/usr/bin/env bash
# `burrow run --stats` reports KVM's own counters for the run (KVM_GET_STATS_FD): a
# program that writes a line and exits has made MMIO exits (its hypercalls) and had
# page faults fixed by KVM's MMU, and the counts agree with Burrow's own exit count.
#   Usage: stats_kvm.sh PROGRAM     Env: BURROW (build/burrow)
set -euo pipefail
burrow=${BURROW:-build/burrow} program=$1
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "stats_kvm.sh: /dev/kvm is not usable: skipped" >&2; exit 77; }
err=$("$burrow" run --stats -- "$program" 2>&1 >/dev/null)
line=$(grep '^burrow: stats: KVM: ' <<<"$err") || { echo "$err" >&2; echo "stats_kvm.sh: no KVM line" >&2; exit 1; }
read -r exits mmio fixed < <(sed -E 's/.*KVM: ([0-9]+) exits \(([0-9]+) MMIO\), ([0-9]+) page faults its MMU fixed.*/\1 \2 \3/' <<<"$line")
ours=$(grep -o '[0-9]* VM exits' <<<"$err" | cut -d' ' -f1)
[ "$mmio" -ge 1 ] && [ "$fixed" -ge 1 ] && [ "$exits" -ge "$mmio" ] || { echo "$line" >&2; exit 1; }
# Every hypercall is an MMIO exit that reaches the monitor.
[ "$mmio" = "$ours" ] || { echo "stats_kvm.sh: KVM counted $mmio MMIO exits, Burrow $ours" >&2; exit 1; }
echo "stats_kvm.sh: $line"

#!/usr/bin/env bash
# Rewritten cpuid sites (answered by the guest from the vCPU's CPUID table) against
# the trapped instruction (burrow run --no-rewrite): PROGRAM prints CPUID leaf by leaf
# (tests/programs/cpuid_dump.c) and both runs must print the same; the rewritten run
# must really have answered cpuid sites in the guest.
#   Usage: cpuid.sh PROGRAM     Env: BURROW (build/burrow)
set -euo pipefail
burrow=${BURROW:-build/burrow} program=$1
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "cpuid.sh: /dev/kvm is not usable: skipped" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$burrow" run --stats -- "$program" >"$work/rewritten" 2>"$work/stats"
"$burrow" run --no-rewrite -- "$program" >"$work/trapped"
answered=$(grep -o 'cpuid sites: [0-9]* answered in the guest' "$work/stats" | grep -o '[0-9]* answered' | cut -d' ' -f1)
[ "${answered:-0}" -gt 0 ] || { cat "$work/stats" >&2; echo "cpuid.sh: no cpuid site was answered in the guest" >&2; exit 1; }
diff "$work/trapped" "$work/rewritten" >&2 || { echo "cpuid.sh: rewritten cpuid answers differ from the trapped ones" >&2; exit 1; }
echo "cpuid.sh: $(wc -l <"$work/rewritten") leaves alike, $answered cpuid sites answered in the guest"

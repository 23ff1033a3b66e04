# Sourced by the bench/*.sh scripts: the set-up every benchmark does first, and the
# helpers they share. Needs `repo` and `build` set.

# bench_prepare: stops unless /dev/kvm is usable, builds Burrow in $build if it is
# missing, and sets `burrow` (the binary) and `out` ($build/bench, created).
bench_prepare() {
  local me
  me=$(basename "$0")
  [ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "$me: /dev/kvm is not usable by $(id -un)" >&2; exit 1; }
  if [ ! -x "$build/burrow" ]; then
    echo "$me: building Burrow in $build" >&2
    cmake -S "$repo" -B "$build" >/dev/null && cmake --build "$build" -j"$(nproc)" >/dev/null
  fi
  burrow=$build/burrow
  out=$build/bench
  mkdir -p "$out"
}

# field NAME FILE: the values of NAME= in FILE, one per line.
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" "$2"; }
# median: of the numbers on stdin, one per line.
median() { sort -g | awk '{v[NR]=$1} END {print (v[int((NR+1)/2)] + v[int(NR/2)+1]) / 2}'; }
# calc FORMAT EXPR...: awk arithmetic, printf-formatted.
calc() { local fmt=$1; shift; awk "BEGIN {printf \"$fmt\", $*}"; }
# exits FILE: the VM exit count on the --stats line in FILE.
exits() { sed -n 's/^burrow: stats: \([0-9]*\) VM exits.*/\1/p' "$1"; }

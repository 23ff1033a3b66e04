#!/usr/bin/env bash
# Page profiles (vmm/fs/page_profiles.h) with a fresh --cache directory: a program's
# second run fills the pages its first run touched ahead, in fewer page faults, and
# prints exactly what it prints natively; a program that changed, a corrupt or
# forged profile, and --no-cache change how many pages are filled ahead, never the
# output.
#   Usage: page_profiles.sh     Env: BURROW (build/burrow)
set -euo pipefail
burrow=$(realpath "${BURROW:-build/burrow}")
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "page_profiles.sh: /dev/kvm is not usable: skipped" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$work/cache
fail() { echo "page_profiles.sh: $*" >&2; exit 1; }

# run NAME [BURROW-OPTIONS...] -- PROGRAM [ARGS...]: burrow's stdout must equal the
# native run's; sets FAULTS and AHEAD from --stats.
run() {
  local name=$1 opts=()
  shift
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  local native status=0 bstatus=0
  native=$(cd "$work" && env -i PATH=/usr/bin:/bin LC_ALL=C "$@" 2>&1) || status=$?
  (cd "$work" && env -i PATH=/usr/bin:/bin LC_ALL=C "$burrow" run --stats "${opts[@]}" -- "$@" \
    >"$work/out" 2>"$work/err") || bstatus=$?
  [ "$bstatus" = "$status" ] || fail "$name: exit status $bstatus, natively $status"
  [ "$(cat "$work/out")" = "$native" ] || { diff <(echo "$native") "$work/out" >&2; fail "$name: output differs"; }
  FAULTS=$(grep -o '[0-9]* page faults;' "$work/err" | cut -d' ' -f1)
  AHEAD=$(grep -o '[0-9]* pages filled ahead' "$work/err" | cut -d' ' -f1)
  [ -n "$FAULTS" ] && [ -n "$AHEAD" ] || { cat "$work/err" >&2; fail "$name: no --stats"; }
  echo "$name: $FAULTS page faults, $AHEAD pages filled ahead"
}

py=(/usr/bin/python3 -c 'import json, hashlib; print(json.dumps({"h": hashlib.sha256(b"x").hexdigest()}))')
run python-first --cache "$cache" -- "${py[@]}"
first_faults=$FAULTS
[ "$AHEAD" = 0 ] || fail "a first run filled pages ahead"
ls "$cache/pages"/p-* >/dev/null || fail "no profile was stored"
run python-second --cache "$cache" -- "${py[@]}"
[ "$AHEAD" -gt 100 ] || fail "the second run filled only $AHEAD pages ahead"
[ "$FAULTS" -lt "$first_faults" ] || fail "the second run took $FAULTS page faults, the first $first_faults"
profiles=$(ls "$cache/pages" | wc -l)
run python-third --cache "$cache" -- "${py[@]}"
[ "$(ls "$cache/pages" | wc -l)" = "$profiles" ] || fail "a run that touched nothing new stored profiles"

# A program of its own: its profiles (its own and its libraries') are for this
# version of it only.
cp /usr/bin/ls "$work/ls"
mkdir -p "$work/dir/sub" && echo data >"$work/dir/file"
run ls-first --cache "$cache" -- "$work/ls" -l --time-style=+ "$work/dir"
run ls-second --cache "$cache" -- "$work/ls" -l --time-style=+ "$work/dir"
[ "$AHEAD" -gt 0 ] || fail "ls's second run filled nothing ahead"
before=$(ls "$cache/pages" | wc -l)
touch "$work/ls"
run ls-changed --cache "$cache" -- "$work/ls" -l --time-style=+ "$work/dir"
[ "$AHEAD" = 0 ] || fail "a changed program used its old version's profiles"
# The new version's profiles replace the old version's: no file more.
[ "$(ls "$cache/pages" | wc -l)" = "$before" ] || fail "a new version of ls left its old profiles behind"

# Junk in every profile: ignored, then replaced.
for f in "$cache/pages"/p-*; do head -c 100 /dev/urandom >"$f"; done
run python-corrupt --cache "$cache" -- "${py[@]}"
[ "$AHEAD" = 0 ] || fail "corrupt profiles were used"
run python-replaced --cache "$cache" -- "${py[@]}"
[ "$AHEAD" -gt 100 ] || fail "corrupt profiles were not replaced"

# A forged profile naming every page of the program and of far more than its size:
# the pages are filled, the program runs as natively.
python3 - "$work/ls" "$cache/pages" <<'EOF'
import hashlib, os, struct, sys
prog, pages = sys.argv[1], sys.argv[2]
st = os.stat(prog)
ident = struct.pack("<QQQqq", st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
bits = b"\xff" * 4096
# Named by the two files' device and inode; the header names their versions.
name = "p-" + hashlib.sha256(struct.pack("<QQQQ", st.st_dev, st.st_ino, st.st_dev, st.st_ino)).hexdigest()
with open(os.path.join(pages, name), "wb") as f:
    f.write(b"BRPAGES\0" + struct.pack("<II", 1, len(bits)) + ident + ident + bits)
EOF
run ls-forged --cache "$cache" -- "$work/ls" -l --time-style=+ "$work/dir"
pages=$(( ($(stat -c %s "$work/ls") + 4095) / 4096 ))
[ "$AHEAD" -ge $((pages / 2)) ] || fail "the forged profile filled $AHEAD pages ahead (ls has $pages)"

# --no-cache: nothing on disk, nothing ahead from an earlier run.
run python-nocache --no-cache -- "${py[@]}"
[ "$AHEAD" = 0 ] || fail "--no-cache filled pages ahead"
echo "page_profiles.sh: all passed"

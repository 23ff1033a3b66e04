#!/usr/bin/env bash
# Polled hypercalls (abi/hypercall.h, --poll): a program busy with file metadata and
# file I/O (stat, open, listdir, pread/pwrite, rename, unlink) prints exactly what it
# prints natively with the poller on and off; with it on, its file calls cost no VM
# exit (--stats counts them polled), with it off none is polled. A signal sent to
# burrow still reaches a program whose calls the poller serves (the poller takes no
# signals): it ends as natively.
#   Usage: poll.sh     Env: BURROW (build/burrow), PYTHON (/usr/bin/python3)
set -euo pipefail
burrow=$(realpath "${BURROW:-build/burrow}")
python=${PYTHON:-/usr/bin/python3}
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "poll.sh: /dev/kvm is not usable: skipped" >&2; exit 77; }
[ -x "$python" ] || { echo "poll.sh: $python is not installed: skipped" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat >files.py <<'PY'
import hashlib, os, sys
d = sys.argv[1]
os.mkdir(d)
h = hashlib.sha256()
for i in range(200):
    p = os.path.join(d, f"f{i:03}")
    with open(p, "wb") as f:
        f.write(bytes([i % 256]) * (i * 37))
    fd = os.open(p, os.O_RDWR)
    os.pwrite(fd, b"xyz", i)
    h.update(os.pread(fd, 64, max(0, i - 8)))
    os.close(fd)
    st = os.stat(p)
    h.update(f"{st.st_size} {st.st_mode:o} {os.access(p, os.R_OK)} {os.path.exists(p + '.no')}".encode())
    if i % 3 == 0:
        os.rename(p, p + ".r")
names = sorted(os.listdir(d))
for n in names[::5]:
    os.unlink(os.path.join(d, n))
print(len(names), len(os.listdir(d)), h.hexdigest())
for n in sorted(os.listdir(d))[:5]:
    print(n, os.stat(os.path.join(d, n)).st_size)
print(sorted(os.listdir("/usr/lib/python3.11/encodings"))[:10])
PY
native=$("$python" files.py native; echo "status $?")
fail=0
for mode in on off; do
  got=$("$burrow" run --poll=$mode --stats -- "$python" files.py "burrow-$mode" 2>stats-$mode; echo "status $?")
  if [ "$got" != "${native//native/burrow-$mode}" ]; then
    echo "poll.sh: --poll=$mode: output differs from the native run" >&2
    diff <(echo "${native//native/burrow-$mode}") <(echo "$got") >&2 || true
    fail=1
  fi
  line=$(grep '^burrow: stats: [0-9]* VM exits' stats-$mode) || { cat stats-$mode >&2; exit 1; }
  read -r exits kicked polled < <(sed -E 's/^burrow: stats: ([0-9]+) VM exits \(([0-9]+) hypercalls kicked, ([0-9]+) more polled.*/\1 \2 \3/' <<<"$line")
  echo "poll.sh: --poll=$mode: $exits VM exits, $kicked hypercalls kicked, $polled polled"
  # On a busy host the poller may get little CPU (the guest then kicks): some, not most.
  if [ "$mode" = on ] && [ "$polled" = 0 ]; then
    echo "poll.sh: --poll=on served none of $kicked hypercalls without an exit" >&2
    fail=1
  fi
  if [ "$mode" = off ] && [ "$polled" != 0 ]; then
    echo "poll.sh: --poll=off polled $polled hypercalls" >&2
    fail=1
  fi
done
# A signal while the program stats in a loop (its calls polled): its handler runs, as
# natively. (SIGUSR1: a background job of a script ignores SIGINT.)
loop='import os, signal, sys
def stop(sig, frame):
    print("signalled"); sys.exit(3)
signal.signal(signal.SIGUSR1, stop)
print("ready", flush=True)
while True: os.stat("/")'
for cmd in native burrow; do
  if [ $cmd = native ]; then "$python" -c "$loop" >sig-$cmd & else "$burrow" run --poll=on -- "$python" -c "$loop" >sig-$cmd & fi
  pid=$!
  for _ in $(seq 100); do grep -q ready sig-$cmd && break; sleep 0.1; done
  sleep 0.2
  kill -USR1 $pid
  # A signal that never arrives must fail the test, not hang it.
  for _ in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -KILL $pid 2>/dev/null || true
  status=0
  wait $pid || status=$?
  echo "$(tr '\n' ' ' <sig-$cmd)status $status" >sig-$cmd
done
if ! cmp -s sig-native sig-burrow; then
  echo "poll.sh: a signal during polled calls: natively '$(cat sig-native)', in burrow '$(cat sig-burrow)'" >&2
  fail=1
fi
[ $fail = 0 ] && echo "poll.sh: outputs as natively, signal as natively"
exit $fail

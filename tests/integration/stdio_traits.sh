#!/usr/bin/env bash
# The guest answers terminal ioctls, seeks, and reads and writes of /dev/null on the
# standard streams itself when it knows the answer (BootInfo::stdio_traits): a program must see
# exactly what it sees natively with its streams on pipes, on files, on /dev/null and
# on a terminal (a pseudo-terminal made by script(1)).
#   Usage: stdio_traits.sh     Env: BURROW (build/burrow)
set -euo pipefail
burrow=$(realpath "${BURROW:-build/burrow}")
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "stdio_traits.sh: /dev/kvm is not usable: skipped" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/probe.py" <<'PY'
import errno, fcntl, os, struct, termios
for fd in (0, 1, 2):
    out = [f"fd {fd}: isatty={os.isatty(fd)}"]
    try:
        out.append(f"lseek={os.lseek(fd, 0, os.SEEK_CUR)}")
    except OSError as e:
        out.append(f"lseek={errno.errorcode[e.errno]}")
    try:
        termios.tcgetattr(fd)
        out.append("tcgetattr=ok")
    except termios.error as e:
        out.append(f"tcgetattr={errno.errorcode[e.args[0]]}")
    try:
        fcntl.ioctl(fd, termios.TIOCGWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
        out.append("winsz=ok")
    except OSError as e:
        out.append(f"winsz={errno.errorcode[e.errno]}")
    os.write(2, (" ".join(out) + "\n").encode())
def attempt(what, f):
    try:
        return f"{what}={f()}"
    except OSError as e:
        return f"{what}={errno.errorcode[e.errno]}"
os.write(2, (" ".join([attempt("write1", lambda: os.write(1, b"abc")),
                       attempt("read0", lambda: len(os.read(0, 5))),
                       attempt("pread0", lambda: len(os.pread(0, 5, 0))),
                       attempt("seek0_bad_whence", lambda: os.lseek(0, 0, 99))]) + "\n").encode())
PY
py=(/usr/bin/python3 "$work/probe.py")
compare() {  # compare NAME: runs $work/cmd natively and in Burrow (RUN is the prefix)
  local name=$1 native inside
  native=$(cd "$work" && RUN= bash ./cmd 2>&1)
  inside=$(cd "$work" && RUN="$burrow run --" bash ./cmd 2>&1)
  if [ "$native" != "$inside" ]; then
    echo "stdio_traits.sh: $name differs" >&2
    diff <(echo "$native") <(echo "$inside") >&2
    exit 1
  fi
  echo "stdio_traits.sh: $name: same"
}
echo "echo in | \$RUN ${py[*]} 2>&1 | cat" >"$work/cmd"; compare pipes
echo "\$RUN ${py[*]} </dev/null >out.txt 2>&1; cat out.txt" >"$work/cmd"; compare files
echo "\$RUN ${py[*]} <probe.py 2>&1 | cat" >"$work/cmd"; compare "file stdin"
echo "\$RUN ${py[*]} </dev/null >/dev/null 2>err.txt; cat err.txt" >"$work/cmd"; compare "/dev/null in and out"
if command -v script >/dev/null; then
  echo "script -qec \"\$RUN ${py[*]}\" /dev/null </dev/null | tr -d '\\r'" >"$work/cmd"; compare terminal
fi

#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build Burrow, and boot programs in their
# own VMs — a bundled static C program, Debian's static busybox, and Debian's own
# dynamically linked python3, unmodified.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
set -x
build/burrow run -- ./tests/programs/hello-static-glibc
build/burrow run --stats -- /usr/bin/busybox echo hello from busybox in a unikernel
build/burrow run -- /usr/bin/python3 -c 'import sys, hashlib; print("hello from", sys.executable, hashlib.sha256(b"burrow").hexdigest()[:16])'

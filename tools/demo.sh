#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build Burrow, and boot two programs in
# their own VMs — a bundled static C program and Debian's own static busybox.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
set -x
build/burrow run -- ./tests/programs/hello-static-glibc
build/burrow run --stats -- /usr/bin/busybox echo hello from busybox in a unikernel

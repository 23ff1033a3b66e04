#!/usr/bin/env bash
# Installs what building and testing Burrow needs, from Debian 12's packages.
set -euo pipefail
# The build; the monitor's libraries; unit tests; test programs linked with musl;
# a real static Debian binary; test-data generators; the rewriter's disassembler;
# sqlite3 for the compatibility suite and bench/dynamic.sh.
packages=(g++ cmake make libfmt-dev libcli11-dev libgtest-dev musl-tools busybox-static python3 libzydis-dev
          sqlite3 xz-utils bzip2 jq bc perl gzip tar grep sed mawk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

#!/bin/sh
# Installs the build and test dependencies, builds, and runs every test tier:
# unit, host integration (loop-mounted ext4/xfs/btrfs), and the real-kernel
# VM matrix (Debian 5.10, 6.1, 6.12 under QEMU). Run as root.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make -s -j"$(nproc)"
exec make -s test

#!/bin/sh
# Installs the build dependencies, builds faultlock, and traces the bundled
# workload on a loop-mounted btrfs it creates (and removes): a direct read
# into a buffer that is half an unfaulted mapping of the same file, then a
# direct read of a hole into its own mapping. Run as root.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make -s -j"$(nproc)" faultlock workloads

work=$(mktemp -d /tmp/faultlock-demo.XXXXXX)
cleanup() {
	umount "$work/mnt" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
truncate -s 512M "$work/btrfs.img"
mkfs.btrfs -q -f "$work/btrfs.img" >/dev/null 2>&1
mkdir "$work/mnt"
mount -o loop "$work/btrfs.img" "$work/mnt"

wl=$(pwd)/.output/workloads/fl-mmapio
echo "== faultlock check"
./faultlock check || true
echo
echo "== faultlock trace -- (two direct reads whose buffers map the file being read)"
./faultlock trace -- sh -c "$wl --direct --buf half --map shared $work/mnt/half &&
	$wl --direct --buf hole --map private $work/mnt/hole"

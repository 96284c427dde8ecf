#!/bin/sh
# Installs faultlock's Debian 12 build and test dependencies (run as root).
# Used by the README's commands and by .ci/run; keep every dependency here.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (apt-get)" >&2
	exit 3
fi
PKGS="
make gcc clang llvm libclang-rt-14-dev libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
libevent-dev libcmocka-dev
btrfs-progs xfsprogs e2fsprogs util-linux
qemu-system-x86 gfs2-utils busybox-static cpio kmod xz-utils zstd
prometheus curl python3 jq
"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi

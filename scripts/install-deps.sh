#!/bin/sh
# Installs faultlock's Debian 12 build and test dependencies (run as root).
# Used by the README's commands and by .ci/run; keep every dependency here.
# Prints one line: what it installs (or that nothing is missing). apt's own
# output goes to $FAULTLOCK_DEPS_LOG (default /var/log/faultlock-install-deps.log)
# and is shown only when apt fails.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (apt-get)" >&2
	exit 3
fi
PKGS="
make gcc clang llvm libclang-rt-14-dev libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
libevent-dev libjson-c-dev libcmocka-dev
btrfs-progs xfsprogs e2fsprogs util-linux
qemu-system-x86 gfs2-utils busybox-static cpio kmod xz-utils zstd
prometheus prometheus-node-exporter curl python3 jq bpftrace
dpkg-dev debhelper fakeroot lintian man-db bash-completion
"
missing=""
n=0
for p in $PKGS; do
	n=$((n + 1))
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps.sh: all $n build and test packages are installed"
	exit 0
fi
log=${FAULTLOCK_DEPS_LOG:-/var/log/faultlock-install-deps.log}
echo "install-deps.sh: apt-get install$missing (log: $log)"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! { apt-get update && apt-get install -y --no-install-recommends $missing; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-deps.sh: apt-get failed (its output above, and in $log)" >&2
	exit 3
fi

#!/bin/sh
# /init of the faultlock VM initramfs (busybox ash).
#
# Serial ports (host side: tests/vm/vmrun):
#   ttyS0  kernel console and this script's diagnostics
#   ttyS1  CMD's stdout (raw), then the optional dmesg section
#   ttyS2  CMD's stderr (raw)
#   ttyS3  control: the exit sentinel
# Run-specific settings come from /flvm/config (FLVM_FS, FLVM_DMESG, FLVM_MERGE)
# and the command from /flvm/cmd, both in the per-run initramfs archive.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
HOME=/root
export HOME
SENTINEL='@@FAULTLOCK-VM-EXIT@@'

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp /run /root /mnt
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
[ -d /sys/kernel/debug/tracing ] && [ ! -e /sys/kernel/tracing/trace ] &&
    mount -t tracefs tracefs /sys/kernel/debug/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null

FLVM_FS=none
FLVM_DMESG=0
FLVM_MERGE=0
FLVM_NODES=1
FLVM_NODE=1
# shellcheck source=/dev/null
. /flvm/config

for p in /dev/ttyS1 /dev/ttyS2 /dev/ttyS3; do
    stty -F "$p" raw -echo 2>/dev/null || echo "flvm-init: stty $p failed"
done

finish() {
    # $1: exit status or "setup-failed: reason"
    printf '%s %s\n' "$SENTINEL" "$1" >/dev/ttyS3
    # A cluster node stays up (its DLM masters locks the other node may still
    # use) until the host has both sentinels and ends both guests.
    [ "$FLVM_NODES" -gt 1 ] && sleep 1000000
    # After a gfs2 BUG on 5.10 this may hang: the host ends QEMU on the sentinel.
    poweroff -f
    sleep 1000000
}

setup_fail() {
    echo "flvm-init: setup failed: $*"
    finish "setup-failed: $*"
}

load() {
    if grep -qx "$1" /flvm/modules.avail; then
        modprobe "$1" || setup_fail "modprobe $1"
    fi
}

load virtio_pci
load virtio_blk
load crc32c_generic

# --nodes 2: network, kernel DLM and the lock_dlm mount (/flvm/cluster.sh).
if [ "$FLVM_NODES" -gt 1 ]; then
    # shellcheck source=/dev/null
    . /flvm/cluster.sh
    flvm_cluster_setup
elif [ "$FLVM_FS" != none ]; then
    load "$FLVM_FS"
    i=0
    while [ ! -b /dev/vda ] && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -b /dev/vda ] || setup_fail "no /dev/vda"
    case $FLVM_FS in
        gfs2) mount -t gfs2 -o lockproto=lock_nolock /dev/vda /mnt ;;
        *) mount -t "$FLVM_FS" /dev/vda /mnt ;;
    esac || setup_fail "mount -t $FLVM_FS /dev/vda /mnt"
fi
echo "flvm-init: $(uname -r), fs=$FLVM_FS ready; running the command"

# The command gets /dev/null as stdin, ttyS1/ttyS2 as stdout/stderr; both on
# ttyS1 when the host's stdout and stderr are the same file (keeps the order).
[ "$FLVM_NODES" -gt 1 ] && { FL_NODE=$FLVM_NODE; export FL_NODE; }
if [ "$FLVM_MERGE" = 1 ]; then
    (cd / && exec sh /flvm/cmd) </dev/null >/dev/ttyS1 2>&1
else
    (cd / && exec sh /flvm/cmd) </dev/null >/dev/ttyS1 2>/dev/ttyS2
fi
status=$?
echo "flvm-init: command exited with status $status"

if [ "$FLVM_DMESG" = 1 ]; then
    {
        echo '@@FAULTLOCK-VM-DMESG-BEGIN@@'
        dmesg
        echo '@@FAULTLOCK-VM-DMESG-END@@'
    } >/dev/ttyS1
fi
# Reopen-and-close waits until earlier output on the ports is transmitted.
: >/dev/ttyS1
: >/dev/ttyS2
finish "$status"

# shellcheck shell=sh
# Guest side of `vmrun --nodes 2` (busybox ash), in the initramfs as
# /flvm/cluster.sh. Sourced by /init (which provides load and setup_fail), and
# run by busybox `uevent` as the kernel's DLM uevent handler:
#   sh /flvm/cluster.sh uevent      (environment: ACTION, SUBSYSTEM, LOCKSPACE)
#
# The kernel DLM without corosync or dlm_controld (peers-2026.md §4):
#   configfs  /sys/kernel/config/dlm/cluster/{cluster_name,recover_callbacks}
#             comms/<id>/{nodeid,local,addr}    (addr: a binary sockaddr_storage,
#                                                 /flvm/dlm/addr<id>, made by the host)
#   on the lockspace's ONLINE uevent:  spaces/<ls>/nodes/<id>/nodeid for every
#             node (static membership: both nodes mount, recovery waits until
#             both have joined), /sys/kernel/dlm/<ls>/id (same on all nodes),
#             control=1, then event_done=0 (the kernel's join waits for it,
#             uninterruptibly)
#   on OFFLINE (umount): event_done=0.
# Settings from /flvm/config: FLVM_NODE, FLVM_NODES, FLVM_CLUSTER,
# FLVM_PEER_TIMEOUT, FLVM_MOUNT_TIMEOUT.

FLVM_DLM_CFG=/sys/kernel/config/dlm/cluster

flvm_clog() { echo "flvm-cluster[node$FLVM_NODE]: $*"; }

# Lockspace global id: the same on every node; dlm_controld's formula,
# crc32 of "dlm:ls:<name>" with its NUL.
flvm_ls_id() {
    echo "$((0x$(printf 'dlm:ls:%s\000' "$1" | crc32)))"
}

# The kernel's DLM uevents. Whatever happens, answer event_done: an
# unanswered join or leave leaves mount/umount unkillable.
flvm_dlm_uevent() {
    [ "$SUBSYSTEM" = dlm ] || return 0
    [ -n "$LOCKSPACE" ] || return 0
    # shellcheck source=/dev/null
    . /flvm/config
    ls=$LOCKSPACE
    sys=/sys/kernel/dlm/$ls
    sp=$FLVM_DLM_CFG/spaces/$ls
    case $ACTION in
        online)
            rc=0
            mkdir -p "$sp" || rc=-5
            n=1
            while [ "$n" -le "$FLVM_NODES" ]; do
                { mkdir -p "$sp/nodes/$n" && echo "$n" >"$sp/nodes/$n/nodeid"; } || rc=-5
                n=$((n + 1))
            done
            id=$(flvm_ls_id "$ls")
            echo "$id" >"$sys/id" || rc=-5
            [ "$rc" = 0 ] && { echo 1 >"$sys/control" || rc=-5; }
            echo "$rc" >"$sys/event_done"
            flvm_clog "lockspace $ls online: id $id, nodes 1..$FLVM_NODES, control 1, event_done $rc"
            ;;
        offline)
            # Leaving (umount): the nodes that stay take this one out of the
            # lockspace first, as dlm_controld would (stop, remove, start).
            n=1
            while [ "$n" -le "$FLVM_NODES" ]; do
                if [ "$n" != "$FLVM_NODE" ]; then
                    r=$(echo "leave $ls $FLVM_NODE" | nc -w 10 "169.254.0.$n" 7778 2>/dev/null)
                    flvm_clog "lockspace $ls: node $n removed us: ${r:-no answer}"
                fi
                n=$((n + 1))
            done
            echo 0 >"$sys/event_done"
            for d in "$sp"/nodes/*; do
                [ -d "$d" ] && rmdir "$d"
            done
            rmdir "$sp" 2>/dev/null
            flvm_clog "lockspace $ls offline: event_done 0"
            ;;
    esac
    return 0
}

# Membership service on tcp 7778 (nc -ll -e): "leave <ls> <node>" from a
# node whose lockspace goes offline.
flvm_dlm_ctl() {
    # shellcheck source=/dev/null
    . /flvm/config
    read -r what ls node || return 0
    [ "$what" = leave ] || { echo "unknown request"; return 0; }
    sys=/sys/kernel/dlm/$ls
    sp=$FLVM_DLM_CFG/spaces/$ls
    if [ ! -d "$sys" ]; then
        echo "ok (no lockspace $ls here)"
        return 0
    fi
    echo 0 >"$sys/control" && rmdir "$sp/nodes/$node" && echo 1 >"$sys/control" &&
        echo ok || echo failed
    flvm_clog "lockspace $ls: node $node left; control 0, nodes/$node removed, control 1" >/dev/console
}

# Print what the DLM and gfs2 say, on the console (a join that hangs).
flvm_dlm_state() {
    flvm_clog "DLM state:"
    for f in /sys/kernel/dlm/*/id /sys/kernel/dlm/*/recover_status /sys/kernel/dlm/*/recover_nodeid; do
        [ -e "$f" ] && echo "  $f: $(cat "$f" 2>/dev/null)"
    done
    find /sys/kernel/config/dlm 2>/dev/null | sed 's/^/  /'
    dmesg | grep -Ei 'dlm|gfs2' | tail -n 30 | sed 's/^/  /'
}

flvm_cluster_setup() {
    i=0
    load virtio_net
    load dlm
    load gfs2
    grep -q configfs /proc/mounts || mount -t configfs configfs /sys/kernel/config ||
        setup_fail "mount configfs"

    # Network: eth0 = the QEMU link to the other node, 169.254.0.<node>/16.
    while [ ! -e /sys/class/net/eth0 ] && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -e /sys/class/net/eth0 ] || setup_fail "no eth0 (virtio_net)"
    ip link set lo up
    ip link set eth0 up || setup_fail "ip link set eth0 up"
    ip addr add "169.254.0.$FLVM_NODE/16" dev eth0 || setup_fail "ip addr add 169.254.0.$FLVM_NODE/16"

    # The uevent listener first, so that it is bound before any lockspace
    # exists; and the membership service the other nodes call on umount.
    uevent sh /flvm/cluster.sh uevent </dev/null &
    nc -ll -p 7778 -e sh /flvm/cluster.sh ctl </dev/null >/dev/null 2>&1 &

    # The cluster in configfs; the local node id is what makes the DLM usable.
    mkdir "$FLVM_DLM_CFG" || setup_fail "mkdir $FLVM_DLM_CFG"
    # no newline: the kernel compares the name as written
    printf %s "$FLVM_CLUSTER" >"$FLVM_DLM_CFG/cluster_name" || setup_fail "dlm cluster_name"
    echo 1 >"$FLVM_DLM_CFG/recover_callbacks" || setup_fail "dlm recover_callbacks"
    n=1
    while [ "$n" -le "$FLVM_NODES" ]; do
        c=$FLVM_DLM_CFG/comms/$n
        { mkdir "$c" && echo "$n" >"$c/nodeid"; } || setup_fail "dlm comms/$n"
        if [ "$n" = "$FLVM_NODE" ]; then
            echo 1 >"$c/local" || setup_fail "dlm comms/$n/local"
        fi
        cat "/flvm/dlm/addr$n" >"$c/addr" || setup_fail "dlm comms/$n/addr"
        n=$((n + 1))
    done

    # Wait until every other node answers on the link (its guest has booted).
    n=1
    while [ "$n" -le "$FLVM_NODES" ]; do
        if [ "$n" != "$FLVM_NODE" ]; then
            i=0
            until ping -c 1 -W 1 "169.254.0.$n" >/dev/null 2>&1; do
                i=$((i + 1))
                [ "$i" -lt "$FLVM_PEER_TIMEOUT" ] || setup_fail "node $n (169.254.0.$n) unreachable for ${FLVM_PEER_TIMEOUT}s"
            done
            flvm_clog "node $n answers"
        fi
        n=$((n + 1))
    done

    i=0
    while [ ! -b /dev/vda ] && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -b /dev/vda ] || setup_fail "no /dev/vda"

    # The lock_dlm mount joins the lockspace; it returns once every node has
    # joined. It cannot be interrupted: watch it, report, let the host end us.
    mount -t gfs2 /dev/vda /mnt &
    mpid=$!
    i=0
    while kill -0 "$mpid" 2>/dev/null; do
        if [ "$i" -ge "$((FLVM_MOUNT_TIMEOUT * 10))" ]; then
            flvm_dlm_state
            setup_fail "lock_dlm mount of /dev/vda did not finish within ${FLVM_MOUNT_TIMEOUT}s (DLM join)"
        fi
        sleep 0.1
        i=$((i + 1))
    done
    wait "$mpid" || { flvm_dlm_state; setup_fail "mount -t gfs2 /dev/vda /mnt (lock_dlm)"; }
    flvm_clog "gfs2 on lock_dlm mounted in $((i / 10)).$((i % 10))s: $(grep ' /mnt ' /proc/mounts)"

    # Barrier: CMD starts once every node has mounted. Each node answers
    # "mounted" on tcp 7777 from now on and asks the others.
    nc -ll -p 7777 -e echo mounted </dev/null >/dev/null 2>&1 &
    n=1
    while [ "$n" -le "$FLVM_NODES" ]; do
        if [ "$n" != "$FLVM_NODE" ]; then
            i=0
            until [ "$(nc -w 1 "169.254.0.$n" 7777 </dev/null 2>/dev/null)" = mounted ]; do
                i=$((i + 1))
                [ "$i" -lt "$((FLVM_MOUNT_TIMEOUT * 5))" ] ||
                    setup_fail "node $n did not report its mount within ${FLVM_MOUNT_TIMEOUT}s"
                sleep 0.2
            done
        fi
        n=$((n + 1))
    done
    flvm_clog "all $FLVM_NODES nodes mounted"
}

case ${1:-} in
    uevent) flvm_dlm_uevent ;;
    ctl) flvm_dlm_ctl ;;
esac

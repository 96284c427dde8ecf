#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The guest side of the captures in this directory (docs/dlm-views.md):
#   flock /tmp/faultlock-vm.lock tests/vm/vmrun --kernel K --nodes 2 --fs gfs2 \
#       --add fl-cluster --add fl-dlmholder --add tests/unit/data/dlm/capture.sh -- sh /usr/local/bin/capture.sh
# (fl-cluster, fl-dlmholder: static builds of tests/vm/fl-cluster.c, tests/vm/fl-dlmholder.c).
# A: node 1 takes flock(LOCK_EX) on /mnt/a first (node 1 masters it), node 2 blocks on it.
# B: node 2 takes and drops /mnt/b first (node 2 masters it), then node 1 holds it, node 2 blocks.
# During each wait both nodes print every /sys/kernel/debug/dlm file and fl-dlmholder's answer.
N=$FL_NODE
dump() {
    echo "@@dump $1 begin@@"
    for f in /sys/kernel/debug/dlm/*; do
        [ -f "$f" ] || continue
        echo "@@file $f@@"
        cat "$f"
    done
    echo "@@dump $1 end@@"
    fl-dlmholder "/mnt/$1"
}
echo "@@info uname $(uname -r)@@"
echo "@@info gfs2 $(ls /sys/fs/gfs2 | tr '\n' ' ')@@"
for d in /sys/fs/gfs2/*; do echo "@@info id $d $(cat "$d/id")@@"; done
echo "@@info debugfs $(ls /sys/kernel/debug/dlm | tr '\n' ' ')@@"
for c in /sys/kernel/config/dlm/cluster/comms/*; do
    echo "@@info comms $c nodeid=$(cat "$c/nodeid") local=$(cat "$c/local")@@"
done
grep gfs2 /proc/self/mountinfo | sed 's/^/@@info mountinfo /;s/$/@@/'

# --- A: node 1 masters
if [ "$N" = 1 ]; then
    fl-cluster hold /mnt/a 12000 /mnt/a.held /mnt/a.rel &
    hp=$!
    echo "@@holder-pid A $hp@@"
    fl-cluster waitfile /mnt/a.waiting 90000
    sleep 1
    dump a
    wait $hp
else
    fl-cluster waitfile /mnt/a.held 90000
    echo "@@info ino a $(ls -i /mnt/a)@@"
    fl-cluster wait /mnt/a /mnt/a.rel &
    wp=$!
    echo "@@waiter-pid A $wp@@"
    sleep 2
    : >/mnt/a.waiting
    dump a
    wait $wp
fi

# --- B: node 2 masters
if [ "$N" = 2 ]; then
    fl-cluster hold /mnt/b 100 /mnt/b.h2 /mnt/b.r2
    : >/mnt/b.pre
    fl-cluster waitfile /mnt/b.held 90000
    echo "@@info ino b $(ls -i /mnt/b)@@"
    fl-cluster wait /mnt/b /mnt/b.rel &
    wp=$!
    echo "@@waiter-pid B $wp@@"
    sleep 2
    : >/mnt/b.waiting
    dump b
    wait $wp
else
    fl-cluster waitfile /mnt/b.pre 90000
    fl-cluster hold /mnt/b 12000 /mnt/b.held /mnt/b.rel &
    hp=$!
    echo "@@holder-pid B $hp@@"
    fl-cluster waitfile /mnt/b.waiting 90000
    sleep 1
    dump b
    wait $hp
fi
echo "@@done@@"

#!/usr/bin/env bash
# matrix.sh — faultlock's real-kernel test matrix (make vmtest).
#
# For each kernel series in $KERNELS (default "5.10 6.1 6.12") it boots the
# newest Debian kernel of that series under QEMU with tests/vm/vmrun and runs:
#
#   gfs2-repro    GROUND TRUTH: tests/vm/repro-gfs2.c, a buffered
#                 pread(fd, map, 2 pages, 0) into an unfaulted MAP_PRIVATE
#                 mapping of the same 2-page gfs2 file.
#                 5.10: the kernel BUGs (dmesg: "original: gfs2_file_read_iter",
#                 "new: gfs2_fault", "kernel BUG at fs/gfs2/glock.c"), the
#                 workload does not exit 0.  6.1, 6.12: exit 0, no BUG.
#   detector      `faultlock check` (exit 0, its table logged) in the first
#                 boot, then the glock detector and DIO accounting on gfs2, one fl-mmapio
#                 case per `faultlock trace --json` (see DETECTOR_CASES), with
#                 exact expectations per kernel (5.10: recursive_lock before
#                 the BUG; 6.x: fault_in, partials, retries, no finding).
#   daemon        `faultlock daemon` in the guest, a gfs2 workload, a scrape;
#                 promtool and the values checked on the host.
#   fs-btrfs, fs-xfs, fs-ext4   a fresh image of that filesystem mounts
#                 read-write in the guest and takes a write + read; CMD then
#                 exits 42 after writing to stdout and stderr, which vmrun
#                 must pass through.
# (fl-mmapio's own reproduction of the 5.10 BUG is the detector's bread case.)
#
# Environment:
#   KERNELS        kernel series to run (default "5.10 6.1 6.12")
#   FAULTLOCK_BIN  static faultlock binary (default: ./faultlock of the repo, if any)
#   WORKLOAD_BIN   fl-mmapio binary; or WORKLOAD_DIR containing fl-mmapio;
#                  otherwise built from tests/workloads/fl-mmapio.c into a temp dir
#   VM_TIMEOUT     per-VM timeout in seconds (default 420: one TCG thread)
#   TCG_THREAD     vmrun --tcg-thread for every boot (default single: with a
#                  host thread per vCPU, trace attaching a tracepoint while the
#                  other vCPU runs it can Oops the guest, an int3 in the patched
#                  site — seen in exc_page_fault on 6.12, 2026-12-04; multi is
#                  faster and flaky)
#   V=1            show every test's full output, not only on failure
#
# Prints PASS/FAIL/SKIP per test and ends with "N passed, N failed"; exits 1 on
# any failure.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMRUN=$REPO/tests/vm/vmrun
KERNELS=${KERNELS:-5.10 6.1 6.12}
TCG_THREAD=${TCG_THREAD:-single}
VM_TIMEOUT=${VM_TIMEOUT:-420}
V=${V:-0}
CC=${CC:-gcc}
CFLAGS_WL='-std=gnu11 -O2 -Wall -Wextra -Werror -static'

passed=0
failed=0
T0=$SECONDS

WORK=$(mktemp -d "${TMPDIR:-/tmp}/faultlock-matrix.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say() { printf '%s\n' "$*"; }
indent() { sed 's/^/    | /'; }
pass() { passed=$((passed + 1)); say "PASS  $*"; }
fail() { failed=$((failed + 1)); say "FAIL  $*"; }
skip() { say "SKIP  $*"; }

# Run vmrun, output to $WORK/out, status in $rc, seconds in $secs.
vm() {
    local s=$SECONDS
    set +e
    "$VMRUN" --timeout "$VM_TIMEOUT" --tcg-thread "$TCG_THREAD" "$@" >"$WORK/out" 2>&1
    rc=$?
    set -e
    secs=$((SECONDS - s))
}

# dmesg section of $WORK/out (between vmrun's --dmesg markers).
dmesg_part() {
    awk '/^@@FAULTLOCK-VM-DMESG-END@@/ { p = 0 } p { print } /^@@FAULTLOCK-VM-DMESG-BEGIN@@/ { p = 1 }' "$WORK/out"
}
# Everything but the dmesg section.
cmd_part() {
    awk '/^@@FAULTLOCK-VM-DMESG-BEGIN@@/ { p = 1 } !p { print } /^@@FAULTLOCK-VM-DMESG-END@@/ { p = 0 }' "$WORK/out"
}

show_output() {
    if [ "${1:-}" = always ] || [ "$V" = 1 ]; then
        indent <"$WORK/out"
    fi
}

harness_status_text() {
    case $1 in
        124) echo "vmrun timeout (${VM_TIMEOUT}s)" ;;
        125) echo "guest ended without a result (boot failure/panic)" ;;
        126) echo "vmrun harness error" ;;
        *) echo "exit $1" ;;
    esac
}

is_static() {
    local ph
    ph=$(LC_ALL=C readelf -lW "$1" 2>/dev/null) || return 1
    grep -q 'Program Headers' <<<"$ph" && ! grep -q 'INTERP' <<<"$ph"
}

# --- binaries -------------------------------------------------------------------
say "faultlock VM matrix: kernels: $KERNELS"
mkdir -p "$WORK/bin"
REPRO=$WORK/bin/repro-gfs2
# shellcheck disable=SC2086 # CFLAGS_WL is a word list
if ! "$CC" $CFLAGS_WL -o "$REPRO" "$REPO/tests/vm/repro-gfs2.c"; then
    fail "build repro-gfs2"
    REPRO=
fi

MMAPIO=
if [ -n "${WORKLOAD_BIN:-}" ]; then
    MMAPIO=$WORKLOAD_BIN
elif [ -n "${WORKLOAD_DIR:-}" ] && [ -x "$WORKLOAD_DIR/fl-mmapio" ]; then
    MMAPIO=$WORKLOAD_DIR/fl-mmapio
elif [ -f "$REPO/tests/workloads/fl-mmapio.c" ]; then
    # shellcheck disable=SC2086
    if "$CC" $CFLAGS_WL -o "$WORK/bin/fl-mmapio" "$REPO/tests/workloads/fl-mmapio.c"; then
        MMAPIO=$WORK/bin/fl-mmapio
    else
        fail "build fl-mmapio"
    fi
fi
if [ -n "$MMAPIO" ] && ! { [ -x "$MMAPIO" ] && is_static "$MMAPIO"; }; then
    fail "fl-mmapio: $MMAPIO is not a static executable"
    MMAPIO=
fi
say "workload: ${MMAPIO:-none}"

# workload NAME: the path of tests/workloads/NAME.c as a static binary,
# beside fl-mmapio (WORKLOAD_DIR) or built here; empty (and a FAIL) if not.
workload() {
    if [ -n "${WORKLOAD_DIR:-}" ] && [ -x "$WORKLOAD_DIR/$1" ]; then
        echo "$WORKLOAD_DIR/$1"
    # shellcheck disable=SC2086 # CFLAGS_WL is a word list
    elif "$CC" $CFLAGS_WL -pthread -o "$WORK/bin/$1" "$REPO/tests/workloads/$1.c"; then
        echo "$WORK/bin/$1"
    fi
}
mkdir -p "$WORK/bin"
STALL=$(workload fl-stall)	# lock_stall: a read blocked in a userfaultfd fault
FIEMAP=$(workload fl-fiemap)	# the retry livelock of today's gfs2
CONTEND=$(workload fl-contend)	# many tasks on one inode glock
NSOPS=$(workload fl-nsops)	# creates, links, renames, statfs: gfs2's own multi-glock orders
ABBA=$(workload fl-abba)	# two writes, each from a mapping of the other's file
for w in STALL FIEMAP CONTEND; do
    [ -n "${!w}" ] || fail "build workload for \$$w"
done

FAULTLOCK=${FAULTLOCK_BIN:-}
if [ -z "$FAULTLOCK" ] && [ -x "$REPO/faultlock" ]; then
    FAULTLOCK=$REPO/faultlock
fi
FAULTLOCK_SKIP=
if [ -z "$FAULTLOCK" ]; then
    FAULTLOCK_SKIP="no faultlock binary (FAULTLOCK_BIN unset, $REPO/faultlock missing)"
elif [ ! -x "$FAULTLOCK" ]; then
    FAULTLOCK_SKIP="FAULTLOCK_BIN=$FAULTLOCK does not exist or is not executable"
elif ! is_static "$FAULTLOCK"; then
    FAULTLOCK_SKIP="$FAULTLOCK is not statically linked (the guest has no libraries)"
fi
say "faultlock: ${FAULTLOCK_SKIP:-$FAULTLOCK}"

# Assert the gfs2 ground truth on $WORK/out for kernel $1, test name $2.
check_gfs2_truth() {
    local k=$1 name=$2 what=$3 d missing=() pat
    d=$(dmesg_part)
    if [ "$rc" -ge 124 ] && [ "$rc" -le 126 ]; then
        fail "$k $name: $(harness_status_text "$rc") [${secs}s]"
        show_output always
        return
    fi
    if [ "$k" = 5.10 ]; then
        for pat in 'original: gfs2_file_read_iter' 'new: gfs2_fault' 'kernel BUG at fs/gfs2/glock.c'; do
            grep -qF "$pat" <<<"$d" || missing+=("$pat")
        done
        if [ "$rc" -ne 0 ] && [ "${#missing[@]}" -eq 0 ]; then
            pass "$k $name: $what: kernel BUG reproduced, workload exit $rc [${secs}s]"
            grep -E 'original:|new:|kernel BUG at' <<<"$d" | indent
            show_output
        else
            fail "$k $name: $what: expected the gfs2 recursion BUG and a failing workload; exit $rc, missing in dmesg: ${missing[*]:-nothing} [${secs}s]"
            show_output always
        fi
    else
        if [ "$rc" -eq 0 ] && ! grep -qE 'kernel BUG at|gfs2: .*original: ' <<<"$d"; then
            pass "$k $name: $what: exit 0, no BUG [${secs}s]"
            show_output
        else
            fail "$k $name: $what: expected exit 0 and no BUG; exit $rc [${secs}s]"
            show_output always
        fi
    fi
}


# --- the glock detector on real kernels -------------------------------------------
# Each case runs `faultlock trace --json -- fl-mmapio ARGS /mnt/<case>` in one
# guest (a file per case: after a 5.10 BUG only that inode stays locked) and
# prints its JSON between markers; the host checks it with jq.
DETECTOR_CASES=(
    "bread:--op read --buf same --map private --pages 2"
    "bwrite:--op write --buf same --map private --pages 2 --uncached"
    "dread:--op read --direct --buf same --map private --pages 2"
    "dwrite:--op write --direct --buf same --map private --pages 2 --uncached"
    "dhalf:--op read --direct --buf half --map shared --pages 8"
    "control:--op read --buf anon --pages 8"
    "dcontrol:--op read --direct --buf anon --pages 8"
    # dhalf again with the iomap tracepoints' function stand-ins (6.12 has all three ways)
    "dhalf-fentry:--op read --direct --buf half --map shared --pages 8"
    "dhalf-kprobe:--op read --direct --buf half --map shared --pages 8"
    # dhalf under --fs: with gfs2 in the list, and without it
    "dhalf-fsgfs2:--op read --direct --buf half --map shared --pages 8"
    "dhalf-fsother:--op read --direct --buf half --map shared --pages 8"
)
declare -A CASE_ARGS=(
    [dhalf-fsgfs2]="--fs xfs,gfs2"
    [dhalf-fsother]="--fs btrfs"
    [stall]="--stall-ms 1000"
)
# lock_stall: a read() blocked in a userfaultfd fault, then a write fault on
# the same file (tests/workloads/fl-stall.c). Not fl-mmapio.
DETECTOR_CASES+=("stall:")
declare -A CASE_CMD=(
    [stall]="fl-stall /mnt/stall 2500"
)
# The retry livelock of today's gfs2 (FIEMAP_FLAG_SYNC into a MAP_SHARED map
# of the same file): it never ends on 6.1/6.12, so the case is interrupted
# (CASE_SIGINT: SIGINT to trace after that many seconds) and trace has to
# report while the child is stuck; last in its boot (the task spins a vCPU).
# 5.10 BUG()s instead. The map-private and no-sync variants complete without
# counting: the false-positive controls. (The retry workload under memory
# pressure is in the host tier: in these guests, under a 4 MiB memory.max,
# 6.1 stalled it for minutes now and then.)
DETECTOR_CASES+=(
    "fiemap:"
    "fiemap-private:"
    "fiemap-nosync:"
)
CASE_CMD+=(
    # SIGINT ignored (trap ''), as a task that will not die on Ctrl-C: trace
    # must report it alive, its stack in gfs2_fiemap (6.x; fatal signals do
    # end the loop, and trace hands CMD a default SIGINT).
    [fiemap]="sh -c 'trap \"\" INT; exec fl-fiemap -q /mnt/fiemap'"
    [fiemap-private]="fl-fiemap -q --map private /mnt/fiemap-private"
    [fiemap-nosync]="fl-fiemap -q --no-sync /mnt/fiemap-nosync"
)
# btrfs (RUN_FS=btrfs), generic/647's scenarios. On 5.10 an O_DIRECT read of
# a hole into a mapping of that hole deadlocks in lock_extent_bits for good
# (bthole), and an O_DIRECT write from a shared mapping of a hole, in
# btrfs_start_ordered_extent (btwhole): the btrfs provider reports each
# before the wait. 6.1/6.12 complete them, and the same-file reads and
# writes, with no finding (false-positive controls).
DETECTOR_CASES+=(
    "bthole:--op read --direct --buf hole --map private --pages 2"
    "btwhole:--op write --direct --buf hole --map shared --pages 2"
    "btdread:--op read --direct --buf same --map shared --pages 8"
    "btdwrite:--op write --direct --buf half --map shared --pages 8"
    "btpar:"
)
# btpar: 8 tasks at once, each a direct read resumed after a fault-in (its
# own file): many range locks of many tasks, no finding (6.x).
# 16 tasks contending for one inode glock (5.10: more sleepers in
# gfs2_glock_nq than CPUs, the case where a default kretprobe drops returns)
# and the same writes from one task: every return seen, every acquisition
# counted as gfs2's own gfs2_glock_queue tracepoint counts the queueing.
DETECTOR_CASES+=("contend1:" "contend16:")
# lock_order's false-positive control: 8 tasks creating, linking, renaming
# (within and across directories, over existing names, a directory moved and
# back), unlinking and statfs()ing in one tree, then ".." and readdir+stat.
DETECTOR_CASES+=("nsops:")
# AB-BA: write(A) from an unfaulted mapping of B while write(B) from one of
# A. 5.10 takes the two inode glocks in opposite orders (EX held, SH asked for
# in the fault): one after the other, lock_order; at the same moment the two
# hang for good and the cycle is a deadlock, confirmed in gfs2's glock dump
# (last in its boot). 6.1/6.12 fault with no glock held: nothing.
# abba-rp: reads into private mappings instead, SH held and SH asked for on
# both sides: modes that coexist, an info finding only.
DETECTOR_CASES+=("abba-seq:" "abba-rp:" "abba-tog:")
# The btrfs AB-BA: each task a direct read of its file into an unfaulted
# private mapping of the other file's same range (fl-abba --direct). 5.10
# holds the read's extent range while it pins the buffer, and the fault
# reads the other file's page in under that file's range: together, each
# waits for the other's range for good, a deadlock confirmed by both stacks
# (last in its boot); one after the other, nothing. 6.x: both complete.
DETECTOR_CASES+=("btabba-seq:" "btabba:")

CASE_CMD+=(
    [contend1]="fl-contend -n 1 -k 400 /mnt/contend1"
    [contend16]="fl-contend -n 16 -k 25 /mnt/contend16"
    [nsops]="fl-nsops -n 8 -k 16 /mnt/nsops"
    [btpar]="sh -c 'p=; for i in 1 2 3 4 5 6 7 8; do fl-mmapio -q --op read --direct --buf half --map shared --pages 8 --repeat 4 /mnt/par\$i & p=\"\$p \$!\"; done; r=0; for x in \$p; do wait \$x || r=1; done; exit \$r'"
    [abba-seq]="fl-abba -q --mode sequential /mnt/abseq"
    [abba-rp]="fl-abba -q --mode sequential --op read --map private /mnt/abrp"
    [abba-tog]="fl-abba -q --mode together /mnt/abtog"
    [btabba-seq]="fl-abba -q --mode sequential --op read --direct --lead 256 --pages 16 /mnt/btabseq"
    [btabba]="fl-abba -q --mode together --op read --direct --lead 256 --pages 16 /mnt/btab"
)
# bthole on 5.10 also: dd's direct read of the range the deadlocked task
# holds waits for good behind it (lock_stall naming fl-mmapio); the
# deadlocked task itself waits on its own range (lock_stall, self). 6.x: no
# wait outlasts --stall-ms, with 8 tasks at once either (btpar).
CASE_CMD+=(
    [bthole]="sh -c '(sleep 1; exec dd if=/mnt/bthole of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null) & exec fl-mmapio -q --op read --direct --buf hole --map private --pages 2 /mnt/bthole'"
)
CASE_ARGS+=(
    [bthole]="--stall-ms 1000"
    [btpar]="--stall-ms 1000"
    [contend1]="--stall-ms 1000"
    [contend16]="--stall-ms 1000"
    [abba-tog]="--stall-ms 1000"
    [btabba-seq]="--stall-ms 1000"
    [btabba]="--stall-ms 1000"
)
declare -A CASE_SIGINT=(
    # seconds after trace's ready line (its setup takes seconds under TCG)
    [fiemap]=6
    [abba-tog]=8
    [bthole]=6
    [btwhole]=4
    [btabba]=6
)
declare -A CASE_ENV=(
    [dhalf-fentry]="FAULTLOCK_HOOK_MODES=iomap_dio_rw_begin=fentry,iomap_dio_complete=fentry"
    [dhalf-kprobe]="FAULTLOCK_HOOK_MODES=iomap_dio_rw_begin=kprobe,iomap_dio_complete=kprobe"
)

case_json() {	# case_json NAME → that case's JSON lines
    awk -v n="$1" '$0 == "@@CASE " n "@@" { p = 1; next } /^@@CASE / { p = 0 } /^@@RC / { p = 0 } p' "$WORK/det.out" |
        grep '^{' || true
}
case_rc() {
    awk -v n="$1" '$0 == "@@CASE " n "@@" { p = 1; next } p && /^@@RC / { sub(/@@$/, "", $2); print $2; exit }' "$WORK/det.out"
}
jcount() {	# jcount NAME JQ → value from the case's summary
    case_json "$1" | jq -r -s "map(select(.type==\"summary\"))[0]$2" 2>/dev/null
}
sigint_secs() {	# sigint_secs NAME → seconds from the SIGINT to trace's exit
    awk -v n="$1" '$0 == "@@CASE " n "@@" { p = 1; next } p && /^@@SIGINT / { printf "%.1f\n", $3 - $2; exit }' "$WORK/det.out"
}
summary_secs() {	# summary_secs NAME → seconds from the SIGINT to the summary (its ts)
    local at
    at=$(awk -v n="$1" '$0 == "@@CASE " n "@@" { p = 1; next } p && /^@@SIGINT / { print $2; exit }' "$WORK/det.out")
    jcount "$1" " | (.ts / 1e9 - ${at:-0}) * 10 | round / 10"
}
jevents() {	# jevents NAME TYPE → number of such events
    case_json "$1" | jq -r -s "map(select(.type==\"$2\")) | length" 2>/dev/null
}
expect() {	# expect KERNEL NAME WHAT ACTUAL EXPECTED-REGEX
    if [[ "$4" =~ ^($5)$ ]]; then
        pass "$1 detector $2: $3 = $4"
    else
        fail "$1 detector $2: $3 = '$4', expected /$5/"
        det_failed=1
    fi
}

# run_cases KERNEL CASE-NAME... : one guest boot; appends to $WORK/det.out
run_cases() {
    local k=$1 script="" c name args want
    shift
    if [ "$CHECK_FIRST" = 1 ]; then	# `faultlock check` in the kernel's first boot
        script+="echo '@@CHECK@@'; faultlock check; echo \"@@CHECK-RC \$?@@\"; "
        CHECK_FIRST=0
    fi
    for want in "$@"; do
        # Writeback of the last case done before the next one patches
        # its probes in: a quieter guest for multi-threaded TCG.
        script+="sync; "
        for c in "${DETECTOR_CASES[@]}"; do
            name=${c%%:*}
            args=${c#*:}
            [ "$name" = "$want" ] || continue
            trace="${CASE_ENV[$name]:-} faultlock trace --json ${CASE_ARGS[$name]:-} -- ${CASE_CMD[$name]:-fl-mmapio -q $args /mnt/$name}"
            if [ -n "${CASE_SIGINT[$name]:-}" ]; then
                # Ctrl-C after a while; uptimes at the signal and at trace's
                # exit. (A task still looping while trace detaches needs a
                # single-threaded TCG boot: RUN_VMARGS, see detector_tests.)
                script+="echo '@@CASE $name@@'; (rm -f /tmp/case.out; $trace >/tmp/case.out 2>/tmp/case.err & t=\$!; i=0; until grep -q '\"type\":\"ready\"' /tmp/case.out || [ \$i -ge 900 ]; do sleep 0.1; i=\$((i+1)); done; i=0; while [ \$i -lt $((${CASE_SIGINT[$name]} * 10)) ] && kill -0 \$t 2>/dev/null; do sleep 0.1; i=\$((i+1)); done; kill -INT \$t 2>/dev/null; read a b </proc/uptime; wait \$t; r=\$?; read c d </proc/uptime; cat /tmp/case.out; echo \"@@SIGINT \$a \$c@@\"; echo \"@@RC \$r@@\"); "
            else
                script+="echo '@@CASE $name@@'; $trace; echo \"@@RC \$?@@\"; "
            fi
        done
    done
    # shellcheck disable=SC2086 # RUN_VMARGS is a word list
    vm --kernel "$k" --fs "${RUN_FS:-gfs2}" ${RUN_VMARGS:-} --dmesg \
        --add "$FAULTLOCK:/usr/local/bin/faultlock" --add "$MMAPIO:/usr/local/bin/fl-mmapio" \
        --add "$STALL:/usr/local/bin/fl-stall" --add "$FIEMAP:/usr/local/bin/fl-fiemap" \
        --add "$CONTEND:/usr/local/bin/fl-contend" --add "$NSOPS:/usr/local/bin/fl-nsops" \
        --add "$ABBA:/usr/local/bin/fl-abba" \
        -- \
        sh -c "$script"
    cat "$WORK/out" >>"$WORK/det.out"
    if [ "$rc" -ge 124 ] && [ "$rc" -le 126 ]; then
        fail "$k detector $*: $(harness_status_text "$rc") [${secs}s]"
        indent <"$WORK/out"
        return 1
    fi
}

detector_tests() {
    local k=$1 name
    : >"$WORK/det.out"
    CHECK_FIRST=1
    if [ "$k" = 5.10 ]; then
        # After a gfs2 BUG the glock's spinlock stays held: one BUG per boot.
        for name in bread bwrite dread dwrite; do
            run_cases "$k" "$name" || return
        done
        run_cases "$k" control dcontrol stall contend1 contend16 nsops fiemap || return
        run_cases "$k" abba-seq abba-rp abba-tog || return
        RUN_FS=btrfs RUN_VMARGS="--tcg-thread single" run_cases "$k" bthole btwhole || return
        # its own boot: btwhole's stuck ordered extent blocks every later sync
        RUN_FS=btrfs RUN_VMARGS="--tcg-thread single" run_cases "$k" btabba-seq btabba || return
    elif [ "$k" = 6.12 ]; then
        run_cases "$k" bread bwrite dread dwrite dhalf control dcontrol dhalf-fentry dhalf-kprobe \
            dhalf-fsgfs2 dhalf-fsother stall nsops abba-seq abba-rp abba-tog fiemap-private fiemap-nosync || return
    else
        run_cases "$k" bread bwrite dread dwrite dhalf control dcontrol dhalf-fsgfs2 dhalf-fsother stall \
            nsops abba-seq abba-rp abba-tog fiemap-private fiemap-nosync || return
    fi
    if [ "$k" != 5.10 ]; then
        # btrfs on one TCG thread: its workers still run set/clear_extent_bit
        # after a case, while the next case's trace patches those
        # tracepoints in; multi-threaded TCG turned that into an Oops
        # (6.12 btwhole, CI 2026-12-03).
        RUN_FS=btrfs RUN_VMARGS="--tcg-thread single" run_cases "$k" bthole btwhole btdread btdwrite btpar \
            btabba-seq btabba || return
        # The livelock, in its own boot on one TCG thread: trace detaches
        # while the task still loops through the probed functions, which
        # multi-threaded TCG can turn into an Oops (machine-facts.md).
        RUN_VMARGS="--tcg-thread single" run_cases "$k" fiemap || return
    fi
    det_failed=0
    # faultlock check on this kernel, its table in the log
    expect "$k" check "faultlock check exit" \
        "$(sed -n 's/^@@CHECK-RC \([0-9]*\)@@$/\1/p' "$WORK/det.out")" 0
    awk '/^@@CHECK-RC / { p = 0 } p { print } /^@@CHECK@@$/ { p = 1 }' "$WORK/det.out" | indent
    if [ "$k" = 5.10 ]; then
        # Every same-file variant is the kernel's BUG; faultlock names it first.
        for name in bread bwrite dread dwrite; do
            expect "$k" "$name" "faultlock exit" "$(case_rc $name)" 1
            expect "$k" "$name" "recursive_lock" "$(jcount $name .counts.recursive_lock)" 1
            expect "$k" "$name" "recursive_lock events" "$(jevents $name recursive_lock)" 1
            expect "$k" "$name" "lock" "$(case_json $name | jq -r -s 'map(select(.type=="recursive_lock"))[0].lock')" '2:[0-9]+'
            expect "$k" "$name" "new request stack has gfs2_fault" \
                "$(case_json $name | jq -r -s 'map(select(.type=="recursive_lock"))[0].stack | map(select(startswith("gfs2_fault+"))) | length')" '[1-9]'
            expect "$k" "$name" "child killed by the BUG" "$(jcount $name .child_status.signal)" '[0-9]+'
        done
        expect "$k" bread "held site" \
            "$(case_json bread | jq -r -s 'map(select(.type=="recursive_lock"))[0].held_site')" 'gfs2_file_read_iter\+.*'
        expect "$k" bread "requested site" \
            "$(case_json bread | jq -r -s 'map(select(.type=="recursive_lock"))[0].requested_site')" 'gfs2_fault\+.*'
        expect "$k" bread "in a fault on the same inode" \
            "$(case_json bread | jq -r -s 'map(select(.type=="recursive_lock"))[0] | "\(.in_fault) \(.fault_file.ino == .ino)"')" 'true true'
        expect "$k" dread "held site" \
            "$(case_json dread | jq -r -s 'map(select(.type=="recursive_lock"))[0].held_site')" 'gfs2_file_read_iter\+.*'
        if grep -qF 'kernel BUG at fs/gfs2/glock.c' "$WORK/det.out"; then
            pass "$k detector: the kernel's own BUG report is in dmesg (ground truth)"
        else
            fail "$k detector: no gfs2 BUG in dmesg"; det_failed=1
        fi
    else
        for name in bread bwrite dread dwrite dhalf; do
            expect "$k" "$name" "faultlock exit" "$(case_rc $name)" 0
            expect "$k" "$name" "child exit" "$(jcount $name .child_status.exit_code)" 0
            expect "$k" "$name" "recursive_lock" "$(jcount $name .counts.recursive_lock)" 0
            expect "$k" "$name" "fault_under_lock" "$(jcount $name .counts.fault_under_lock)" 0
            expect "$k" "$name" "lock_acquisitions" "$(jcount $name .counts.lock_acquisitions)" '[1-9][0-9]*'
        done
        # The fix at work: fault_in after dropping the glock, then a retry.
        for name in bread dread dhalf; do
            expect "$k" "$name" "fault_in_calls" "$(jcount $name .counts.fault_in_calls)" '[1-9][0-9]*'
            expect "$k" "$name" "fault_in with a glock held" \
                "$(case_json $name | jq -r -s 'map(select(.type=="fault_in" and .kind=="safe_writeable" and .held_locks > 0)) | length')" 0
        done
        # 4 resident pages, then the unfaulted mapping of the file itself:
        # a 16 KiB partial, the glock dropped, fault-in, one retry with
        # done_before = 16384 (on 6.1 read from the kprobe's stack).
        dio_cases=(dhalf dhalf-fsgfs2)
        [ "$k" = 6.12 ] && dio_cases+=(dhalf-fentry dhalf-kprobe)
        for name in "${dio_cases[@]}"; do
            expect "$k" "$name" "dio_calls" "$(jcount "$name" .counts.dio_calls)" 2
            expect "$k" "$name" "dio_partial" "$(jcount "$name" .counts.dio_partial)" 1
            expect "$k" "$name" "dio_retries" "$(jcount "$name" .counts.dio_retries)" 1
            expect "$k" "$name" "dio_retry_bytes" "$(jcount "$name" .counts.dio_retry_bytes)" 16384
            expect "$k" "$name" "dio_retry event done_before" \
                "$(case_json "$name" | jq -r -s 'map(select(.type=="dio_retry"))[0].done_before')" 16384
        done
        expect "$k" dhalf-fsgfs2 "lock_acquisitions" "$(jcount dhalf-fsgfs2 .counts.lock_acquisitions)" '[1-9][0-9]*'
        # --fs without gfs2: no DIO on gfs2 counted, the glock hooks not even loaded
        expect "$k" dhalf-fsother "dio_calls lock_acquisitions" \
            "$(jcount dhalf-fsother '.counts | "\(.dio_calls) \(.lock_acquisitions)"')" '0 null'
        expect "$k" dhalf-fsother "glock hooks" "$(jcount dhalf-fsother '.hooks.gfs2_glock_nq')" '-'
        # btrfs: 647's deadlocks are fixed here (pages pinned with faults
        # off, then faulted in and retried): silent, and the retry counted.
        for name in bthole btwhole btdread btdwrite; do
            expect "$k" "$name" "faultlock exit, child exit" "$(case_rc $name) $(jcount $name .child_status.exit_code)" '0 0'
            expect "$k" "$name" "recursive_lock, errors" \
                "$(jcount $name '| "\(.counts.recursive_lock) \(.findings.error)"')" '0 0'
            expect "$k" "$name" "btrfs hooks" "$(jcount $name '.hooks.btrfs_set_extent_bit')" tracepoint
        done
        for name in bthole btdread; do
            expect "$k" "$name" "dio_retries" "$(jcount $name .counts.dio_retries)" '[1-9][0-9]*'
        done
        for name in bthole btpar btabba-seq btabba; do
            expect "$k" "$name" "no lock_stall (--stall-ms 1000)" "$(jcount $name .counts.lock_stall)" 0
        done
        # The btrfs AB-BA completes here (faults off while the range is held).
        for name in btabba-seq btabba; do
            expect "$k" "$name" "no lock_order, no deadlock" "$(jcount $name '.counts | "\(.lock_order) \(.deadlock)"')" '0 0'
            expect "$k" "$name" "faultlock exit, child exit, no finding above info" \
                "$(case_rc $name) $(jcount $name '| "\(.child_status.exit_code) \(.findings.error) \(.findings.warning)"')" '0 0 0 0'
        done
        expect "$k" btpar "8 tasks: exit, child exit, no finding above info" \
            "$(case_rc btpar) $(jcount btpar '| "\(.child_status.exit_code) \(.findings.error) \(.findings.warning)"')" '0 0 0 0'
        expect "$k" btpar "every task's retries counted (8 x 4 at least)" "$(jcount btpar .counts.dio_retries)" '3[2-9]|[4-9][0-9]|[1-9][0-9]{2,}'
        if [ "$k" = 6.12 ]; then
            expect "$k" dhalf "dio hooks" "$(jcount dhalf '.hooks | "\(.iomap_dio_rw_begin) \(.iomap_dio_complete)"')" 'tp_btf tp_btf'
            expect "$k" dhalf-fentry "dio hooks" "$(jcount dhalf-fentry '.hooks | "\(.iomap_dio_rw_begin) \(.iomap_dio_complete)"')" 'fentry fentry'
            expect "$k" dhalf-kprobe "dio hooks" "$(jcount dhalf-kprobe '.hooks | "\(.iomap_dio_rw_begin) \(.iomap_dio_complete)"')" 'kprobe kprobe'
        else
            # no iomap tracepoints; a trampoline takes no 7 arguments on 6.1
            expect "$k" dhalf "dio hooks" "$(jcount dhalf '.hooks | "\(.iomap_dio_rw_begin) \(.iomap_dio_complete)"')" 'kprobe fentry'
        fi
        if grep -qE 'kernel BUG at|original: ' "$WORK/det.out"; then
            fail "$k detector: unexpected gfs2 BUG in dmesg"; det_failed=1
        fi
    fi
    # lock_stall. 5.10 holds the inode glock across the read's blocked fault:
    # the writer waits 2.5 s, named with its holder, the reader, whose stack
    # is in handle_userfault. Fixed kernels drop the glock first: no stall.
    expect "$k" stall "faultlock exit" "$(case_rc stall)" 0
    expect "$k" stall "child exit" "$(jcount stall .child_status.exit_code)" 0
    if [ "$k" = 5.10 ]; then
        expect "$k" stall "lock_stall count" "$(jcount stall .counts.lock_stall)" 1
        expect "$k" stall "lock_stall: inode glock, EX wanted, SH held by another task" \
            "$(case_json stall | jq -r -s 'map(select(.type=="lock_stall"))[0] |
                "\(.lock_type) \(.requested_state) \(.holder.held_state) \(.holder.tid != .tid) \(.waited_ms >= 1000)"')" \
            '2 EX SH true true'
        expect "$k" stall "waiter wants it in page_mkwrite" \
            "$(case_json stall | jq -r -s 'map(select(.type=="lock_stall"))[0].requested_site')" 'gfs2_page_mkwrite\+.*'
        expect "$k" stall "holder took it in the read" \
            "$(case_json stall | jq -r -s 'map(select(.type=="lock_stall"))[0].holder.held_site')" 'gfs2_file_read_iter\+.*'
        expect "$k" stall "holder's kernel stack: blocked in a user fault" \
            "$(case_json stall | jq -r -s 'map(select(.type=="lock_stall"))[0].holder.stack | map(select(startswith("handle_userfault+"))) | length')" 1
    else
        expect "$k" stall "lock_stall count" "$(jcount stall .counts.lock_stall)" 0
    fi
    # The fixed gfs2 offsets agree with gfs2's own tracepoint on this kernel.
    expect "$k" control "gfs2 layout checks" "$(jcount control .gfs2_layout.checks)" '[1-9][0-9]*'
    expect "$k" control "gfs2 layout mismatches" "$(jcount control .gfs2_layout.mismatches)" 0
    # One O_DIRECT read into unfaulted anonymous memory. 5.10 (through fentry
    # on the 5-argument __iomap_dio_rw) faults it in through GUP: one call.
    # The fixed gfs2 reads with nofault: -EFAULT with nothing done, the glock
    # dropped, fault_in, and a retry with done_before = 0 that only the
    # "after a partial" rule recognises.
    if [ "$k" = 5.10 ]; then
        expect "$k" dcontrol "dio_calls" "$(jcount dcontrol .counts.dio_calls)" 1
        expect "$k" dcontrol "dio_partial dio_retries" "$(jcount dcontrol '.counts | "\(.dio_partial) \(.dio_retries)"')" '0 0'
    else
        expect "$k" dcontrol "dio calls partial retries retry_bytes" \
            "$(jcount dcontrol '.counts | "\(.dio_calls) \(.dio_partial) \(.dio_retries) \(.dio_retry_bytes)"')" '2 1 1 0'
        expect "$k" dcontrol "partial reason" \
            "$(case_json dcontrol | jq -r -s 'map(select(.type=="dio_partial"))[0] | "\(.reason) \(.ret)"')" 'efault -14'
        expect "$k" dcontrol "retry after the partial" \
            "$(case_json dcontrol | jq -r -s 'map(select(.type=="dio_retry"))[0] | "\(.after_partial) \(.done_before)"')" 'true 0'
    fi
    livelock_tests "$k"
    if [ "$k" != 5.10 ]; then
        # fault_in records only when they say something: fewer than the calls.
        expect "$k" dhalf "fault_in events fewer than fault_in_calls" \
            "$(case_json dhalf | jq -r -s '(map(select(.type=="fault_in") | (.events // 1)) | add // 0) < (map(select(.type=="summary"))[0].counts.fault_in_calls)')" true
    fi
    for name in control dcontrol; do
        expect "$k" "$name" "faultlock exit" "$(case_rc $name)" 0
        expect "$k" "$name" "error and warning findings" \
            "$(jcount $name '.findings | "\(.error) \(.warning)"')" '0 0'
    done
    if [ "$det_failed" = 1 ] || [ "$V" = 1 ]; then
        grep -v '^\[' "$WORK/det.out" | indent
    fi
}

# retry_livelock, the report while a child hangs, and its false-positive controls.
livelock_tests() {
    local k=$1 name ll start
    ll='map(select(.type=="retry_livelock"))'
    if [ "$k" = 5.10 ]; then
        # The old recursion: gfs2_fiemap holds the glock across the copy.
        expect "$k" fiemap "faultlock exit" "$(case_rc fiemap)" 1
        expect "$k" fiemap "recursive_lock" "$(jcount fiemap .counts.recursive_lock)" 1
        expect "$k" fiemap "held in gfs2_fiemap" \
            "$(case_json fiemap | jq -r -s 'map(select(.type=="recursive_lock"))[0].held_site')" 'gfs2_fiemap\+.*'
        expect "$k" fiemap "child killed by the BUG" "$(jcount fiemap .child_status.signal)" '[0-9]+'
        # Contention: kretprobes made with enough instances drop nothing.
        for name in contend1 contend16; do
            expect "$k" "$name" "faultlock exit, child exit" "$(case_rc $name) $(jcount $name .child_status.exit_code)" '0 0'
            expect "$k" "$name" "returns missed, lock_stall" \
                "$(case_json $name | jq -r -s '(map(select(.type=="lost"))[0].counts.return_missed // 0 | tostring) + " " + (map(select(.type=="summary"))[0].counts.lock_stall | tostring)')" '0 0'
            expect "$k" "$name" "acquisitions = gfs2's own queue count" \
                "$(jcount $name '| "\(.counts.lock_acquisitions == .gfs2_layout.checks) \(.counts.lock_acquisitions > 400)"')" 'true true'
        done
        # btrfs, generic/647 scenario 5: stuck for good in the extent lock.
        # exit 1: a finding of severity error (the recursion, reported before the hang)
        expect "$k" bthole "faultlock exit" "$(case_rc bthole)" 1
        expect "$k" btwhole "faultlock exit" "$(case_rc btwhole)" 1
        expect "$k" bthole "summary at most 3 s after SIGINT" "$(summary_secs bthole)" '([0-2](\.[0-9])?|3(\.0)?)'
        expect "$k" bthole "trace gone at most 5 s after SIGINT" "$(sigint_secs bthole)" '[0-4]\.[0-9]|5\.0'
        expect "$k" bthole "child alive, stuck in lock_extent_bits (D), and dd behind it" \
            "$(jcount bthole '.child_state | map(select(.state == "D" and (.stack | map(select(startswith("lock_extent_bits+"))) | length) > 0)) | map(.comm) | sort | join(" ")')" 'dd fl-mmapio'
        expect "$k" bthole "no exit status (it never exited)" "$(jcount bthole .child_status)" null
        # lock_stall: dd's direct read waits behind the deadlocked task's
        # range, named with the task, its range and its stack; the task
        # itself waits on its own range.
        sl='map(select(.type=="lock_stall"))'
        expect "$k" bthole "lock_stalls" "$(jcount bthole .counts.lock_stall)" 2
        expect "$k" bthole "dd's lock_stall: provider, holder, within --stall-ms + 1 s, site, mount" \
            "$(case_json bthole | jq -r -s "$sl | map(select(.comm==\"dd\"))[0] | \"\(.provider) \(.holder.comm) \(.holder.self) \(.waited_ms < 2000) \(.requested_site | split(\"+\")[0]) \(.mount)\"")" \
            'btrfs_extent fl-mmapio false true btrfs_dio_iomap_begin /mnt'
        expect "$k" bthole "dd's lock_stall: ranges overlap, the holder's stack in lock_extent_bits" \
            "$(case_json bthole | jq -r -s "$sl | map(select(.comm==\"dd\"))[0] | \"\(.holder.held_range.start <= .requested_range.end and .requested_range.start <= .holder.held_range.end) \(.holder.stack | map(select(startswith(\"lock_extent_bits+\"))) | length > 0) \(.lock | test(\"^extent:5:[0-9]+:0[+]\"))\"")" \
            'true true true'
        expect "$k" bthole "fl-mmapio's lock_stall: on its own range" \
            "$(case_json bthole | jq -r -s "$sl | map(select(.comm==\"fl-mmapio\"))[0] | \"\(.holder.self) \(.holder.tid == .tid)\"")" 'true true'
        expect "$k" btwhole "child alive, stuck in btrfs_start_ordered_extent (D)" \
            "$(jcount btwhole '.child_state | map(select(.state == "D" and (.stack | map(select(startswith("btrfs_start_ordered_extent+"))) | length) > 0)) | length')" 1
        # ... and each named before it waits, within 1 s of trace being ready.
        rl='map(select(.type=="recursive_lock"))'
        for name in bthole btwhole; do
            expect "$k" "$name" "one recursive_lock, within 1 s of ready" \
                "$(case_json $name | jq -r -s "($rl | length | tostring) + \" \" + ((($rl[0].ts - map(select(.type==\"ready\"))[0].ts) < 1e9) | tostring)")" '1 true'
            expect "$k" "$name" "in a fault on the same inode" \
                "$(case_json $name | jq -r -s "$rl[0] | \"\(.in_fault) \(.fault_file.ino == .ino) \(.file.fstype)\"")" 'true true btrfs'
            expect "$k" "$name" "new request from the fault's readahead" \
                "$(case_json $name | jq -r -s "$rl[0] | \"\(.requested_site | split(\"+\")[0]) \(.stack | map(select(startswith(\"filemap_fault+\"))) | length)\"")" 'btrfs_lock_and_flush_ordered_range [1-9]'
            expect "$k" "$name" "held ranges overlap" \
                "$(case_json $name | jq -r -s "$rl[0] | (.held_range.start <= .requested_range.end and .requested_range.start <= .held_range.end)")" true
        done
        expect "$k" bthole "provider, lock, held site" \
            "$(case_json bthole | jq -r -s "$rl[0] | \"\(.provider) \(.lock) \(.held_site | split(\"+\")[0])\"")" 'btrfs_extent extent:5:[0-9]+:0\+4096 btrfs_dio_iomap_begin'
        # The btrfs AB-BA, together: the two wait for each other's range.
        dl='map(select(.type=="deadlock"))'
        expect "$k" btabba "faultlock exit" "$(case_rc btabba)" 1
        expect "$k" btabba "deadlock count, events" "$(jcount btabba .counts.deadlock) $(jevents btabba deadlock)" '1 1'
        expect "$k" btabba "error, confirmed by both stacks, 2 tasks, btrfs, the mount" \
            "$(case_json btabba | jq -r -s "$dl[0] | \"\(.severity) \(.verified) \(.tasks) \(.provider) \(.mount)\"")" 'error true 2 btrfs /mnt'
        expect "$k" btabba "cycle: each waits for the other file's range, held by the other" \
            "$(case_json btabba | jq -r -s "$dl[0].cycle | [.[0].waits_for != .[1].waits_for, .[0].held_by.tid == .[1].tid, .[1].held_by.tid == .[0].tid, (map(.lock_type) == [\"btrfs_extent\", \"btrfs_extent\"]), (map(.waits_for | test(\"^extent:5:[0-9]+:[0-9]+[+][0-9]+$\")) | all), (map(.held_by.held_range.start <= .requested_range.end and .requested_range.start <= .held_by.held_range.end) | all)] | all")" true
        expect "$k" btabba "within --stall-ms + 1 s of the younger wait" \
            "$(case_json btabba | jq -r -s "$dl[0].cycle | map(.waited_ms) | min | . <= 2000")" true
        expect "$k" btabba "waiters' stacks in lock_extent_bits, under the fault" \
            "$(case_json btabba | jq -r -s "$dl[0].cycle | map((.stack | map(select(startswith(\"lock_extent_bits+\"))) | length > 0) and (.stack | map(select(startswith(\"filemap_fault+\"))) | length > 0)) | all")" true
        expect "$k" btabba "requested site: the caller past the locking (from the stack)" \
            "$(case_json btabba | jq -r -s "$dl[0].cycle | map(.requested_site // \"\" | test(\"^(lock_extent|btrfs_lock_and_flush)\") | not) | all")" true
        expect "$k" btabba "lock_stall each, no recursive_lock (two files)" \
            "$(jcount btabba '.counts | "\(.lock_stall) \(.recursive_lock)"')" '2 0'
        expect "$k" btabba "fl-abba itself ends on the SIGINT (its children stay stuck)" \
            "$(jcount btabba .child_status.signal)" 2
        # One after the other: no deadlock, the inversion once (lock_order).
        ord='map(select(.type=="lock_order"))'
        expect "$k" btabba-seq "one after the other: exit, child exit, errors, deadlock" \
            "$(case_rc btabba-seq) $(jcount btabba-seq '| "\(.child_status.exit_code) \(.findings.error) \(.counts.deadlock)"')" '0 0 0 0'
        for name in btabba-seq btabba; do
            expect "$k" "$name" "lock_order count, events" "$(jcount $name .counts.lock_order) $(jevents $name lock_order)" '1 1'
            expect "$k" "$name" "lock_order: warning, conflict, btrfs, both inodes crossed" \
                "$(case_json $name | jq -r -s "$ord[0] | [.severity == \"warning\", .conflict, .provider == \"btrfs\", .lock_type == \"btrfs_extent\", (.lock | test(\"^extent:5:[0-9]+$\")), .lock != .requested_lock, .first.holds == .requested_lock, .first.requests == .lock, .first.tid != .second.tid, .first.in_fault, .second.in_fault] | all")" true
            expect "$k" "$name" "lock_order: both requests from the fault (stacks)" \
                "$(case_json $name | jq -r -s "$ord[0] | [.first.stack, .second.stack] | map(map(select(startswith(\"filemap_fault+\"))) | length > 0) | all")" true
        done
        expect "$k" btwhole "provider, lock, held site" \
            "$(case_json btwhole | jq -r -s "$rl[0] | \"\(.provider) \(.lock) \(.held_site | split(\"+\")[0])\"")" 'btrfs_ordered ordered:5:[0-9]+:8192\+8192 btrfs_create_dio_extent'
        expect "$k" btwhole "held stack from the direct I/O's iomap_begin" \
            "$(case_json btwhole | jq -r -s "$rl[0].held_stack | map(select(startswith(\"btrfs_dio_iomap_begin+\"))) | length")" 1
    else
        # While it lasts: one begin record, within 5 s, naming the call, the
        # file, the range, the glock retaken between rounds, the stack.
        start=$(jcount fiemap ' | (.ts - .duration_s * 1e9)' || true)
        expect "$k" fiemap "faultlock exit" "$(case_rc fiemap)" 0
        expect "$k" fiemap "retry_livelock" "$(jcount fiemap .counts.retry_livelock)" 1
        expect "$k" fiemap "retry_livelock records" "$(case_json fiemap | jq -s "$ll | length")" 1
        expect "$k" fiemap "begin: kind syscall fstype" \
            "$(case_json fiemap | jq -r -s "$ll[0] | \"\(.phase) \(.kind) \(.syscall) \(.file.fstype)\"")" \
            'begin fault_in_safe_writeable ioctl\(FS_IOC_FIEMAP\) gfs2'
        expect "$k" fiemap "begin within 5 s" \
            "$(case_json fiemap | jq -r -s --argjson s "${start:-0}" "$ll[0] | (.ts - \$s) < 5e9")" true
        expect "$k" fiemap "begin: stack has gfs2_fiemap" \
            "$(case_json fiemap | jq -r -s "$ll[0].stack | map(select(startswith(\"gfs2_fiemap+\"))) | length")" '[1-9]'
        expect "$k" fiemap "begin: inode glock retaken between rounds" \
            "$(case_json fiemap | jq -r -s "$ll[0] | \"\(.lock_between == \"2:\(.file.ino)\") \(.iterations >= 64)\"")" 'true true'
        # Bounded: thousands of fault-ins, a few dozen lines at most.
        expect "$k" fiemap "fault_in_calls (thousands)" "$(jcount fiemap .counts.fault_in_calls)" '[0-9]{4,}'
        expect "$k" fiemap "output lines at most 40" "$(case_json fiemap | wc -l | awk '{ print ($1 <= 40) }')" 1
        expect "$k" fiemap "summary at most 3 s after SIGINT" "$(summary_secs fiemap)" '([0-2](\.[0-9])?|3(\.0)?)'
        expect "$k" fiemap "trace gone at most 5 s after SIGINT" "$(sigint_secs fiemap)" '[0-4]\.[0-9]|5\.0'
        expect "$k" fiemap "child alive, its stack in gfs2_fiemap" \
            "$(jcount fiemap '.child_state | map(select(.stack | map(select(startswith("gfs2_fiemap+"))) | length > 0)) | length')" '[1-9]'
        expect "$k" fiemap "summary lists the open episode" \
            "$(jcount fiemap '.retry_livelocks | length')" 1
        # Controls: they complete, and nothing counts.
        for name in fiemap-private fiemap-nosync; do
            expect "$k" "$name" "faultlock exit" "$(case_rc $name)" 0
            expect "$k" "$name" "child exit" "$(jcount $name .child_status.exit_code)" 0
        done
    fi
    local ord='map(select(.type=="lock_order"))' dl='map(select(.type=="deadlock"))'
    if [ "$k" = 5.10 ]; then
        # One after the other: the inversion, once, both orders named.
        expect "$k" abba-seq "faultlock exit, child exit" "$(case_rc abba-seq) $(jcount abba-seq .child_status.exit_code)" '0 0'
        expect "$k" abba-seq "lock_order count, events" \
            "$(jcount abba-seq .counts.lock_order) $(jevents abba-seq lock_order)" '1 1'
        expect "$k" abba-seq "warning, modes conflict" \
            "$(case_json abba-seq | jq -r -s "$ord[0] | \"\(.severity) \(.conflict)\"")" 'warning true'
        expect "$k" abba-seq "both inode glocks, each held by one task, asked for by the other" \
            "$(case_json abba-seq | jq -r -s "$ord[0] | [.lock == .second.holds, .lock == .first.requests, .requested_lock == .first.holds, .lock != .requested_lock, (.lock | test(\"^2:\")), (.requested_lock | test(\"^2:\")), .first.tid != .second.tid] | all")" true
        expect "$k" abba-seq "modes: EX held, SH asked for, in a fault, on both sides" \
            "$(case_json abba-seq | jq -r -s "$ord[0] | [.first, .second] | map(\"\(.held_state)/\(.requested_state)/\(.in_fault)\") | join(\" \")")" 'EX/SH/true EX/SH/true'
        expect "$k" abba-seq "sites: held in the write, asked for in gfs2_fault" \
            "$(case_json abba-seq | jq -r -s "$ord[0] | [.first, .second] | map((.held_site | split(\"+\")[0]) + \" \" + (.requested_site | split(\"+\")[0])) | join(\", \")")" \
            '[a-z0-9_]+ gfs2_fault, [a-z0-9_]+ gfs2_fault'
        expect "$k" abba-seq "both stacks through the fault" \
            "$(case_json abba-seq | jq -r -s "$ord[0] | [.first.stack, .second.stack] | map(map(select(startswith(\"gfs2_fault+\"))) | length > 0) | all")" true
        expect "$k" abba-seq "deadlock" "$(jcount abba-seq .counts.deadlock) $(jevents abba-seq deadlock)" '0 0'
        # SH and SH on both glocks: reported, as info (a third party's EX closes it)
        expect "$k" abba-rp "faultlock exit, child exit" "$(case_rc abba-rp) $(jcount abba-rp .child_status.exit_code)" '0 0'
        expect "$k" abba-rp "lock_order: info, compatible, SH/SH on both sides" \
            "$(case_json abba-rp | jq -r -s "$ord | \"\(length) \(.[0].severity) \(.[0].conflict) \([.[0].first, .[0].second] | map(\"\(.held_state)/\(.requested_state)\") | join(\" \"))\"")" \
            '1 info false SH/SH SH/SH'
        # At the same moment: the two wait for each other for good.
        expect "$k" abba-tog "faultlock exit" "$(case_rc abba-tog)" 1
        expect "$k" abba-tog "deadlock count, events" "$(jcount abba-tog .counts.deadlock) $(jevents abba-tog deadlock)" '1 1'
        expect "$k" abba-tog "error, confirmed by the glock dump" \
            "$(case_json abba-tog | jq -r -s "$dl[0] | \"\(.severity) \(.verified) \(.tasks)\"")" 'error true 2'
        expect "$k" abba-tog "cycle: each waits SH for the other's EX inode glock" \
            "$(case_json abba-tog | jq -r -s "$dl[0].cycle | [.[0].waits_for != .[1].waits_for, .[0].held_by.tid == .[1].tid, .[1].held_by.tid == .[0].tid, (map(\"\(.requested_state)/\(.held_by.held_state)\") == [\"SH/EX\", \"SH/EX\"])] | all")" true
        expect "$k" abba-tog "within --stall-ms + 1 s of the younger wait" \
            "$(case_json abba-tog | jq -r -s "$dl[0].cycle | map(.waited_ms) | min | . <= 2000")" true
        expect "$k" abba-tog "waiters' stacks in the glock wait" \
            "$(case_json abba-tog | jq -r -s "$dl[0].cycle | map(.stack | map(select(startswith(\"gfs2_glock_wait+\") or startswith(\"gfs2_glock_nq+\"))) | length > 0) | all")" true
        expect "$k" abba-tog "the inversion reported first" "$(jevents abba-tog lock_order)" 1
        expect "$k" abba-tog "fl-abba itself ends on the SIGINT" "$(jcount abba-tog .child_status.signal)" 2
    else
        for name in abba-seq abba-rp abba-tog; do
            expect "$k" "$name" "faultlock exit, child exit" "$(case_rc $name) $(jcount $name .child_status.exit_code)" '0 0'
        done
    fi
    # gfs2's own namespace operations: they complete, no order is reported.
    expect "$k" nsops "faultlock exit, child exit" "$(case_rc nsops) $(jcount nsops .child_status.exit_code)" '0 0'
    expect "$k" nsops "glock acquisitions" "$(jcount nsops .counts.lock_acquisitions)" '[0-9]{3,}'
    # No lock_order or deadlock anywhere but the AB-BA cases.
    for c in "${DETECTOR_CASES[@]}"; do
        name=${c%%:*}
        case $name in abba* | btabba*) continue ;; esac
        grep -qxF "@@CASE $name@@" "$WORK/det.out" || continue
        expect "$k" "$name" "lock_order, deadlock (control)" \
            "$(jcount "$name" '.counts | "\(.lock_order) \(.deadlock)"') $(jevents "$name" lock_order) $(jevents "$name" deadlock)" \
            '(0|null) (0|null) 0 0'
    done
    # No retry_livelock anywhere else (counted 0, or unavailable: null).
    for c in "${DETECTOR_CASES[@]}"; do
        name=${c%%:*}
        [ "$name" = fiemap ] && continue
        grep -qxF "@@CASE $name@@" "$WORK/det.out" || continue
        expect "$k" "$name" "retry_livelock (control)" \
            "$(jcount "$name" .counts.retry_livelock) $(case_json "$name" | jq -s "$ll | length")" '(0|null) 0'
    done
}

# --- the daemon in the guest --------------------------------------------------------
# `faultlock daemon` on loopback, a gfs2 workload, a scrape with busybox wget,
# SIGTERM; the host checks the exposition with promtool and reads the values.
# 6.x: the half-resident DIO read (fault_in, partial, retry); 5.10 has no
# fault_in_* and BUGs on same-file I/O, so there: the anonymous-buffer read.
# Then the sequential AB-BA writes: one lock_order on 5.10, none on 6.x. Last
# the AB-BA writes at the same moment: 5.10's deadlock (a second lock_order),
# found and verified by the daemon. Holder and waiter stacks come from the
# daemon's task iterator (/proc wants the CAP_SYS_ADMIN it dropped). (A
# flock is no glock on lock_nolock: gfs2 keeps flocks local there.)
DAEMON_GUEST='
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
faultlock daemon --listen 127.0.0.1:9477 --stall-ms 1000 --events /tmp/events.json & pid=$!
i=0
until wget -q -O /dev/null http://127.0.0.1:9477/metrics; do
    i=$((i + 1)); [ $i -gt 120 ] && { echo "daemon not serving"; exit 20; }
    kill -0 $pid 2>/dev/null || { echo "daemon died"; exit 21; }
    sleep 0.5
done
fl-mmapio -q "$@" /mnt/d || exit 22
fl-stall /mnt/s 2500 || exit 23
fl-abba -q --mode sequential /mnt/ab || exit 24
fl-abba -q --mode together --timeout 8 /mnt/abd; r=$?
[ $r -eq 0 ] || [ $r -eq 3 ] || exit 27	# 3: the 5.10 deadlock (its tasks stay stuck)
echo @@METRICS@@
wget -q -O - http://127.0.0.1:9477/metrics
echo @@END@@
kill -TERM $pid; wait $pid; echo "@@DAEMON-RC $?@@"
echo @@EVENTS@@; cat /tmp/events.json; echo @@END-EVENTS@@'

daemon_tests() {
    local k=$1 m args dev lbl
    if [ "$k" = 5.10 ]; then
        args=(--op read --direct --buf anon --pages 8)
    else
        args=(--op read --direct --buf half --map shared --pages 8)
    fi
    vm --kernel "$k" --fs gfs2 \
        --add "$FAULTLOCK:/usr/local/bin/faultlock" --add "$MMAPIO:/usr/local/bin/fl-mmapio" \
        --add "$STALL:/usr/local/bin/fl-stall" --add "$ABBA:/usr/local/bin/fl-abba" -- \
        sh -c "$DAEMON_GUEST" sh "${args[@]}"
    if [ "$rc" -ne 0 ]; then
        fail "$k daemon: guest run failed: $(harness_status_text "$rc") [${secs}s]"
        indent <"$WORK/out"
        return
    fi
    m=$(awk '/^@@END@@/ { p = 0 } p { print } /^@@METRICS@@/ { p = 1 }' "$WORK/out")
    det_failed=0
    metric() { awk -v s="$1" 'index($0, s " ") == 1 { print $2 }' <<<"$m"; }
    expect "$k" daemon "exit after SIGTERM" "$(sed -n 's/^@@DAEMON-RC \([0-9]*\)@@$/\1/p' "$WORK/out")" 0
    if command -v promtool >/dev/null; then
        expect "$k" daemon "promtool check metrics" "$(promtool check metrics <<<"$m" 2>&1; echo "rc=$?")" 'rc=0'
    else
        fail "$k daemon: promtool missing (scripts/install-deps.sh installs it)"; det_failed=1
    fi
    dev=$(grep -o 'faultlock_lock_acquisitions_total{fstype="gfs2",dev="[0-9:]*"' <<<"$m" | head -n1 | sed 's/.*dev="//; s/"$//')
    lbl="fstype=\"gfs2\",dev=\"$dev\""
    expect "$k" daemon "gfs2 device with lock counters" "$dev" '[0-9]+:[0-9]+'
    expect "$k" daemon "lock_acquisitions_total" "$(metric "faultlock_lock_acquisitions_total{$lbl,lock=\"glock\"}")" '[1-9][0-9]*'
    expect "$k" daemon "recursive_lock_total" "$(metric "faultlock_recursive_lock_total{$lbl,lock=\"glock\"}")" 0
    # 5.10: AB-BA's writes fault under their glocks
    expect "$k" daemon "fault_under_lock_total none" \
        "$(metric "faultlock_fault_under_lock_total{$lbl,lock=\"glock\",protection=\"none\"}")" \
        "$([ "$k" = 5.10 ] && echo '[2-9]|[1-9][0-9]+' || echo 0)"
    expect "$k" daemon "lock_order_total (AB-BA one after the other, then at once)" \
        "$(metric 'faultlock_lock_order_total{fstype="gfs2",lock="glock"}')" "$([ "$k" = 5.10 ] && echo 2 || echo 0)"
    expect "$k" daemon "deadlocks_total" "$(metric faultlock_deadlocks_total)" "$([ "$k" = 5.10 ] && echo 1 || echo 0)"
    expect "$k" daemon "lock_hold_seconds_count" \
        "$(metric 'faultlock_lock_hold_seconds_count{fstype="gfs2",lock="glock"}')" '[1-9][0-9]*'
    expect "$k" daemon "hook_attached gfs2_glock_nq" \
        "$(grep -c '^faultlock_hook_attached{hook="gfs2_glock_nq",mode="\(fentry\|kprobe\)"} 1$' <<<"$m")" 1
    # fl-stall: the 5.10 stall, found by the daemon's scan, counted and logged
    local ev want_stall=0
    ev=$(awk '/^@@END-EVENTS@@/ { p = 0 } p { print } /^@@EVENTS@@/ { p = 1 }' "$WORK/out")
    [ "$k" = 5.10 ] && want_stall=3	# fl-stall's, and the two waits of the deadlock
    expect "$k" daemon "lock_stalls_total" "$(metric 'faultlock_lock_stalls_total{fstype="gfs2",lock="glock"}')" "$want_stall"
    expect "$k" daemon "lock_stall in the event log" \
        "$(jq -c 'select(.type == "lock_stall")' <<<"$ev" 2>/dev/null | wc -l)" "$want_stall"
    if [ "$k" = 5.10 ]; then
        expect "$k" daemon "logged deadlock: verified, 2 tasks, their stacks (task iterator)" \
            "$(jq -r 'select(.type == "deadlock") | "\(.severity) \(.verified) \(.tasks) \(.cycle | map(.stack | length > 0) | all)"' <<<"$ev" 2>/dev/null)" \
            'error true 2 true'
    fi
    if [ "$k" = 5.10 ]; then
        expect "$k" daemon "logged stall names the holder's site" \
            "$(jq -r 'select(.type == "lock_stall" and .comm == "fl-stall") | .holder.held_site' <<<"$ev" 2>/dev/null)" 'gfs2_file_read_iter\+.*'
        expect "$k" daemon "logged stall: the holder's stack, in the user fault (task iterator)" \
            "$(jq -r 'select(.type == "lock_stall" and .comm == "fl-stall") | .holder.stack | map(select(startswith("handle_userfault+"))) | length' <<<"$ev" 2>/dev/null)" 1
        expect "$k" daemon "dio_calls_total" "$(metric "faultlock_dio_calls_total{$lbl,op=\"read\"}")" 1
    else
        expect "$k" daemon "dio_retries_total" "$(metric "faultlock_dio_retries_total{$lbl,op=\"read\"}")" 1
        expect "$k" daemon "dio_retry_bytes_total" "$(metric "faultlock_dio_retry_bytes_total{$lbl,op=\"read\"}")" 16384
        expect "$k" daemon "dio_partial_total short" \
            "$(metric "faultlock_dio_partial_total{$lbl,op=\"read\",reason=\"short\"}")" 1
        expect "$k" daemon "fault_in_calls_total safe_writeable" \
            "$(metric 'faultlock_fault_in_calls_total{kind="safe_writeable"}')" '[1-9][0-9]*'
        expect "$k" daemon "fault_in_seconds_count safe_writeable" \
            "$(metric 'faultlock_fault_in_seconds_count{kind="safe_writeable"}')" '[1-9][0-9]*'
    fi
    if [ "$det_failed" = 1 ] || [ "$V" = 1 ]; then
        indent <"$WORK/out"
    fi
}

# --- per kernel -----------------------------------------------------------------
for k in $KERNELS; do
    say ""
    s=$SECONDS
    set +e
    info=$("$VMRUN" --kernel "$k" --prepare 2>"$WORK/prep.err")
    prc=$?
    set -e
    if [ "$prc" -ne 0 ]; then
        fail "$k prepare: vmrun --prepare failed (exit $prc) [$((SECONDS - s))s]"
        indent <"$WORK/prep.err"
        continue
    fi
    say "=== $k: $(sed -n 's/^kernel //p' <<<"$info") (prepare $((SECONDS - s))s)"

    if [ -n "$REPRO" ]; then
        vm --kernel "$k" --fs gfs2 --dmesg --add "$REPRO" -- repro-gfs2 /mnt/f
        check_gfs2_truth "$k" gfs2-repro "repro-gfs2 (pread 2 pages into a private map of the same file)"
    else
        skip "$k gfs2-repro: repro-gfs2 could not be built"
    fi

    if [ -n "$FAULTLOCK_SKIP" ]; then
        skip "$k faultlock: $FAULTLOCK_SKIP"
    elif [ -z "$MMAPIO" ]; then
        skip "$k faultlock: no fl-mmapio binary to trace"
    fi

    if [ -z "$FAULTLOCK_SKIP" ] && [ -n "$MMAPIO" ]; then
        # A boot that fails (timeout) has said so; the other kernels still run.
        detector_tests "$k" || true
        daemon_tests "$k" || true
    fi

    for fs in btrfs xfs ext4; do
        # The checks pass, then CMD ends with stdout, stderr and status 42:
        # vmrun must pass all three through.
        # shellcheck disable=SC2016 # expanded by the guest shell
        vm --kernel "$k" --fs "$fs" -- sh -c '
            grep " /mnt " /proc/mounts || exit 10
            dd if=/dev/zero of=/mnt/zero bs=64k count=16 2>/dev/null || exit 11
            echo faultlock >/mnt/a && sync && [ "$(cat /mnt/a)" = faultlock ] || exit 12
            [ "$(wc -c </mnt/zero)" -eq 1048576 ] || exit 13
            echo out; echo err >&2; exit 42'
        if [ "$rc" -eq 42 ] && grep -q " /mnt $fs rw" "$WORK/out" &&
           grep -qx out "$WORK/out" && grep -qx err "$WORK/out"; then
            pass "$k fs-$fs: mounts read-write, write+read ok; exit 42, stdout and stderr passed through [${secs}s]"
            show_output
        else
            fail "$k fs-$fs: expected the checks to pass and exit 42, got $(harness_status_text "$rc") [${secs}s]"
            show_output always
        fi
    done
done

say ""
say "matrix time: $((SECONDS - T0))s"
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

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
#   gfs2-mmapio   the same with tests/workloads/fl-mmapio
#                 (--op read --buf same --map private --pages 2), same expectations.
#   faultlock     `faultlock check` and `faultlock trace --json -- fl-mmapio ...`
#                 on gfs2; output logged (no assertions yet; FAIL only if the VM
#                 run itself fails).  SKIP when no static faultlock binary.
#   fs-btrfs, fs-xfs, fs-ext4   a fresh image of that filesystem mounts
#                 read-write in the guest and takes a write + read.
#   harness-status   (first kernel only) vmrun passes CMD's exit status through.
#
# Environment:
#   KERNELS        kernel series to run (default "5.10 6.1 6.12")
#   FAULTLOCK_BIN  static faultlock binary (default: ./faultlock of the repo, if any)
#   WORKLOAD_BIN   fl-mmapio binary; or WORKLOAD_DIR containing fl-mmapio;
#                  otherwise built from tests/workloads/fl-mmapio.c into a temp dir
#   VM_TIMEOUT     per-VM timeout in seconds (default 240)
#   V=1            show every test's full output, not only on failure
#
# Prints PASS/FAIL/SKIP per test and ends with "N passed, N failed"; exits 1 on
# any failure.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMRUN=$REPO/tests/vm/vmrun
KERNELS=${KERNELS:-5.10 6.1 6.12}
VM_TIMEOUT=${VM_TIMEOUT:-240}
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
    "$VMRUN" --timeout "$VM_TIMEOUT" "$@" >"$WORK/out" 2>&1
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

GFS2_MMAPIO_ARGS=(--op read --buf same --map private --pages 2 /mnt/f)

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
    for want in "$@"; do
        for c in "${DETECTOR_CASES[@]}"; do
            name=${c%%:*}
            args=${c#*:}
            [ "$name" = "$want" ] || continue
            script+="echo '@@CASE $name@@'; faultlock trace --json -- fl-mmapio -q $args /mnt/$name; echo \"@@RC \$?@@\"; "
        done
    done
    vm --kernel "$k" --fs gfs2 --dmesg \
        --add "$FAULTLOCK:/usr/local/bin/faultlock" --add "$MMAPIO:/usr/local/bin/fl-mmapio" -- \
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
    if [ "$k" = 5.10 ]; then
        # After a gfs2 BUG the glock's spinlock stays held: one BUG per boot.
        for name in bread bwrite dread dwrite; do
            run_cases "$k" "$name" || return
        done
        run_cases "$k" control dcontrol || return
    else
        run_cases "$k" bread bwrite dread dwrite dhalf control dcontrol || return
    fi
    det_failed=0
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
        if [ "$k" = 6.12 ]; then
            expect "$k" dhalf "dio_calls" "$(jcount dhalf .counts.dio_calls)" 2
            expect "$k" dhalf "dio_partial" "$(jcount dhalf .counts.dio_partial)" 1
            expect "$k" dhalf "dio_retries" "$(jcount dhalf .counts.dio_retries)" 1
            expect "$k" dhalf "dio_retry_bytes" "$(jcount dhalf .counts.dio_retry_bytes)" 16384
        fi
        if grep -qE 'kernel BUG at|original: ' "$WORK/det.out"; then
            fail "$k detector: unexpected gfs2 BUG in dmesg"; det_failed=1
        fi
    fi
    # The fixed gfs2 offsets agree with gfs2's own tracepoint on this kernel.
    expect "$k" control "gfs2 layout checks" "$(jcount control .gfs2_layout.checks)" '[1-9][0-9]*'
    expect "$k" control "gfs2 layout mismatches" "$(jcount control .gfs2_layout.mismatches)" 0
    for name in control dcontrol; do
        expect "$k" "$name" "faultlock exit" "$(case_rc $name)" 0
        expect "$k" "$name" "error and warning findings" \
            "$(jcount $name '.findings | "\(.error) \(.warning)"')" '0 0'
    done
    if [ "$det_failed" = 1 ] || [ "$V" = 1 ]; then
        grep -v '^\[' "$WORK/det.out" | indent
    fi
}

# --- per kernel -----------------------------------------------------------------
first=1
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

    if [ -n "$MMAPIO" ]; then
        vm --kernel "$k" --fs gfs2 --dmesg --add "$MMAPIO:/usr/local/bin/fl-mmapio" -- \
            fl-mmapio "${GFS2_MMAPIO_ARGS[@]}"
        check_gfs2_truth "$k" gfs2-mmapio "fl-mmapio ${GFS2_MMAPIO_ARGS[*]}"
    else
        skip "$k gfs2-mmapio: no fl-mmapio binary"
    fi

    if [ -n "$FAULTLOCK_SKIP" ]; then
        skip "$k faultlock: $FAULTLOCK_SKIP"
    elif [ -z "$MMAPIO" ]; then
        skip "$k faultlock: no fl-mmapio binary to trace"
    else
        vm --kernel "$k" --fs gfs2 --dmesg \
            --add "$FAULTLOCK:/usr/local/bin/faultlock" --add "$MMAPIO:/usr/local/bin/fl-mmapio" -- \
            sh -c 'echo "# faultlock check"; faultlock check; echo "# faultlock check: exit $?";
                   echo "# faultlock trace --json -- fl-mmapio $*";
                   faultlock trace --json -- fl-mmapio "$@"; echo "# faultlock trace: exit $?"' \
            sh "${GFS2_MMAPIO_ARGS[@]}"
        if [ "$rc" -ge 124 ] && [ "$rc" -le 126 ]; then
            fail "$k faultlock: $(harness_status_text "$rc") [${secs}s]"
            indent <"$WORK/out"
        else
            pass "$k faultlock: check and trace ran (logged below, not asserted yet) [${secs}s]"
            cmd_part | indent
            dmesg_part | grep -E 'original:|new:|kernel BUG at' | indent || true
        fi
    fi

    if [ -z "$FAULTLOCK_SKIP" ] && [ -n "$MMAPIO" ]; then
        detector_tests "$k"
    fi

    for fs in btrfs xfs ext4; do
        # shellcheck disable=SC2016 # expanded by the guest shell
        vm --kernel "$k" --fs "$fs" -- sh -c '
            grep " /mnt " /proc/mounts || exit 10
            dd if=/dev/zero of=/mnt/zero bs=64k count=16 2>/dev/null || exit 11
            echo faultlock >/mnt/a && sync && [ "$(cat /mnt/a)" = faultlock ] || exit 12
            [ "$(wc -c </mnt/zero)" -eq 1048576 ] || exit 13'
        if [ "$rc" -eq 0 ] && grep -q " /mnt $fs rw" "$WORK/out"; then
            pass "$k fs-$fs: mounts read-write, write+read ok [${secs}s]"
            show_output
        else
            fail "$k fs-$fs: $(harness_status_text "$rc") [${secs}s]"
            show_output always
        fi
    done

    if [ "$first" = 1 ]; then
        first=0
        vm --kernel "$k" --fs none -- sh -c 'echo out; echo err >&2; exit 42'
        if [ "$rc" -eq 42 ] && grep -qx out "$WORK/out" && grep -qx err "$WORK/out"; then
            pass "$k harness-status: CMD's exit status 42 and output passed through [${secs}s]"
        else
            fail "$k harness-status: expected exit 42, got $(harness_status_text "$rc") [${secs}s]"
            show_output always
        fi
    fi
done

say ""
say "matrix time: $((SECONDS - T0))s"
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

# shellcheck shell=bash
# shellcheck disable=SC2034 # constants used by the files that source this one
# Common helpers for the faultlock VM harness (sourced by tests/vm/vmrun).

# Exit statuses of vmrun itself (CMD's own status is passed through otherwise).
readonly FLVM_E_TIMEOUT=124   # guest did not finish within --timeout
readonly FLVM_E_BOOT=125      # guest ended without the sentinel (boot failure, panic)
readonly FLVM_E_HARNESS=126   # harness error: usage, kernel fetch, image, guest setup

readonly FLVM_SENTINEL='@@FAULTLOCK-VM-EXIT@@'
readonly FLVM_DMESG_BEGIN='@@FAULTLOCK-VM-DMESG-BEGIN@@'
readonly FLVM_DMESG_END='@@FAULTLOCK-VM-DMESG-END@@'

FLVM_VERBOSE=${FLVM_VERBOSE:-0}

flvm_log() { printf 'vmrun: %s\n' "$*" >&2; }
flvm_debug() { if [ "$FLVM_VERBOSE" = 1 ]; then flvm_log "$@"; fi; return 0; }
flvm_die() { flvm_log "error: $*"; exit "$FLVM_E_HARNESS"; }

flvm_cache_dir() {
    printf '%s/faultlock-vm\n' "${XDG_CACHE_HOME:-$HOME/.cache}"
}

# flvm_lock: take the cache-wide exclusive lock on fd FLVM_LOCK_FD.
flvm_lock() {
    local cache=$1
    mkdir -p "$cache"
    exec {FLVM_LOCK_FD}>"$cache/lock"
    if ! flock -w 1800 "$FLVM_LOCK_FD"; then
        flvm_die "could not lock $cache/lock within 30 minutes"
    fi
}

flvm_unlock() {
    if [ -n "${FLVM_LOCK_FD:-}" ]; then
        exec {FLVM_LOCK_FD}>&-
        FLVM_LOCK_FD=
    fi
}

# Is $1 a statically linked ELF executable (no program interpreter)?
flvm_is_static() {
    local ph
    ph=$(LC_ALL=C readelf -lW "$1" 2>/dev/null) || return 1
    grep -q 'Program Headers' <<<"$ph" && ! grep -q 'INTERP' <<<"$ph"
}

# Quote one word for a POSIX shell (busybox ash in the guest).
flvm_shquote() {
    local s=$1
    printf "'%s'" "${s//\'/\'\\\'\'}"
}

# Age of a file in seconds (large if it does not exist).
flvm_file_age() {
    local f=$1 now mt
    if [ ! -e "$f" ]; then
        echo 999999999
        return
    fi
    now=$(date +%s)
    mt=$(stat -c %Y "$f")
    echo $((now - mt))
}

#!/usr/bin/env bash
# bench/run.sh — what faultlock costs on the paths it hooks (run as root;
# `make bench` builds what it needs and calls it).
#
# Workloads (bench/*.c), each timing only its own loop:
#   user-fault    fault_storm: first-touch faults on anonymous memory
#                 (exceptions:page_fault_user)
#   kernel-fault  fault_storm --kernel: read() of a page-cached file into fresh
#                 anonymous memory (exceptions:page_fault_kernel)
#   dio-hole      dio_loop: 4 KiB O_DIRECT reads of a hole on ext4: a whole
#                 iomap direct I/O (iomap_dio_rw_begin + iomap_dio_complete)
#                 with no block I/O under it, whose noise would hide the hooks
# Configurations, interleaved round by round so drift hits all alike:
#   none        nothing attached
#   empty       fl-empty: programs that return 0 on the same hooks
#   untraced    faultlock trace -p <an idle process>: every program attached,
#               the workload outside the target (what every other task pays)
#   traced      faultlock trace -a: the workload in scope (as under the daemon)
# Prints per workload and configuration the median ns per operation over
# BENCH_ROUNDS (default 7), the ratio to `none`, and ns per operation above
# `empty` (faultlock's own work). Results also go to .output/bench/results.tsv.
# Ratios are the output: absolute numbers depend on the machine.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/.output/bench
FL=$top/faultlock
ROUNDS=${BENCH_ROUNDS:-7}
CONFIGS=(none empty untraced traced)
WORKLOADS=(user-fault kernel-fault dio-hole)

[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: run as root" >&2; exit 3; }
for f in "$FL" "$B/fault_storm" "$B/dio_loop" "$B/fl-empty"; do
	[ -x "$f" ] || { echo "bench/run.sh: $f missing (make bench builds it)" >&2; exit 2; }
done

# The image lives in RAM (/dev/shm) so the DIO loop measures the kernel's
# path, not the disk under the loop device.
work=$(mktemp -d /dev/shm/faultlock-bench.XXXXXX)
mnt=$work/mnt
sleeper=
cleanup() {
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
	mountpoint -q "$mnt" && umount "$mnt"
	rm -rf "$work"
}
trap cleanup EXIT
mkdir "$mnt"
truncate -s 512M "$work/ext4.img"
mkfs.ext4 -q -F "$work/ext4.img"
mount -o loop "$work/ext4.img" "$mnt"
dd if=/dev/urandom of="$mnt/kf" bs=1M count=64 status=none
truncate -s 64M "$mnt/hole"
sync
cat "$mnt/kf" >/dev/null	# page-cached: the reads only copy
sleep 100000 &
sleeper=$!

# One CPU for the workload, the same every time.
pin=()
command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && pin=(taskset -c 1)

run_workload() {	# run_workload NAME → "ops ns"
	local out
	case $1 in
	user-fault) out=$("${pin[@]}" "$B/fault_storm" --mb 256 --rounds 4) ;;
	kernel-fault) out=$("${pin[@]}" "$B/fault_storm" --kernel "$mnt/kf" --mb 256 --rounds 4) ;;
	dio-hole) out=$("${pin[@]}" "$B/dio_loop" "$mnt/hole" --count 400000) ;;
	esac
	sed -n 's/^ops=\([0-9]*\) ns=\([0-9]*\)$/\1 \2/p' <<<"$out"
}

# start_config NAME: attaches, returns once every program is in; sets $cpid
start_config() {
	local ready=$work/ready
	cpid=
	: >"$ready"
	case $1 in
	none) return 0 ;;
	empty) "$B/fl-empty" >"$ready" & cpid=$! ;;
	untraced) "$FL" trace -p "$sleeper" 2>"$ready" >/dev/null & cpid=$! ;;
	traced) "$FL" trace -a 2>"$ready" >/dev/null & cpid=$! ;;
	esac
	for _ in $(seq 300); do
		grep -qE '^ready$|^faultlock: tracing' "$ready" && return 0
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench/run.sh: $1 did not start:" >&2
	cat "$ready" >&2
	exit 3
}

stop_config() {
	[ -n "$cpid" ] || return 0
	kill -INT "$cpid"
	wait "$cpid" || true
}

declare -A samples
echo "faultlock bench: $(uname -r), $(nproc) CPUs, $ROUNDS rounds"
for ((r = 1; r <= ROUNDS; r++)); do
	for c in "${CONFIGS[@]}"; do
		start_config "$c"
		for w in "${WORKLOADS[@]}"; do
			read -r ops ns < <(run_workload "$w")
			samples[$w/$c]+="$(awk -v n="$ns" -v o="$ops" 'BEGIN { printf "%.1f ", n / o }') "
		done
		stop_config
	done
	echo "round $r/$ROUNDS done"
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

res=$B/results.tsv
printf 'workload\tconfig\tns_per_op\tratio_to_none\tns_above_empty\n' >"$res"
echo
printf '%-12s %-9s %12s %14s %15s\n' WORKLOAD CONFIG NS/OP "x NONE" "+NS vs EMPTY"
for w in "${WORKLOADS[@]}"; do
	base=$(median <<<"${samples[$w/none]}")
	empty=$(median <<<"${samples[$w/empty]}")
	for c in "${CONFIGS[@]}"; do
		m=$(median <<<"${samples[$w/$c]}")
		ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
		above=$(awk -v a="$m" -v b="$empty" 'BEGIN { printf "%+.1f", a - b }')
		[ "$c" = none ] && above=-
		[ "$c" = empty ] && above=0
		printf '%-12s %-9s %12s %14s %15s\n' "$w" "$c" "$m" "$ratio" "$above"
		printf '%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$m" "$ratio" "$above" >>"$res"
	done
done
echo
echo "samples (ns/op per round):"
for w in "${WORKLOADS[@]}"; do
	for c in "${CONFIGS[@]}"; do
		printf '  %-12s %-9s %s\n' "$w" "$c" "${samples[$w/$c]}"
	done
done
echo "results: $res"

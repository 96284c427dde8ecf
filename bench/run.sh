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
#   btrfs-write   btrfs_write: 4 KiB buffered writes over 16 MiB of a file on
#                 btrfs, an fsync every 1024 (btrfs_set_extent_bit,
#                 btrfs_clear_extent_bit; the ordered-extent tracepoints at
#                 the fsyncs, too rarely to time per call)
#   fork          fork_loop: a thread created and joined (sched_process_fork,
#                 sched_process_exit; the per-hook table only)
# Configurations, interleaved round by round so drift hits all alike:
#   none        nothing attached
#   empty       fl-empty: programs that return 0 on the same hooks
#   untraced    faultlock trace -p <an idle process>: every program attached,
#               the workload outside the target (what every other task pays)
#   traced      faultlock trace -a: the workload in scope (as under the daemon)
#   bpftrace    bpftrace bench/faultlock.bt: the same job as a user would
#               write it (skipped, saying why, without bpftrace or if it
#               cannot attach)
# Prints per workload and configuration the median ns per operation over
# BENCH_ROUNDS (default 7), the ratio to `none`, ns per operation above
# `none` and above `empty` (faultlock's own work), and the fastest round:
# .output/bench/results.tsv. Then issue 14's targets, read off that table
# (informational only: the exit status never depends on a number).
#
# Then, unless BENCH_HOOKS=0, the per-hook table (.output/bench/hooks.tsv):
# for every hook `faultlock check` attaches here, ns per call of an empty
# program alone on it (fl-empty --hook) and of faultlock's program alone on
# it (FAULTLOCK_HOOK_MODES turning the others off), untraced and traced:
# (median ns/op with the program − median ns/op with nothing) / calls per
# op, calls counted once per workload by fl-empty --count. A hook faultlock
# only attaches with another (src/catalog.c's .requires) is timed with it,
# and the other's own row subtracted. Hooks hit less than once in 20
# operations are not timed (the quotient would be noise).
# Ratios are the output: absolute numbers depend on the machine.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/.output/bench
FL=$top/faultlock
ROUNDS=${BENCH_ROUNDS:-7}
HOOKS=${BENCH_HOOKS:-1}
CONFIGS=(none empty untraced traced bpftrace)
WORKLOADS=(user-fault kernel-fault dio-hole btrfs-write)

[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: run as root" >&2; exit 3; }
for f in "$FL" "$B/fault_storm" "$B/dio_loop" "$B/fork_loop" "$B/btrfs_write" "$B/fl-empty"; do
	[ -x "$f" ] || { echo "bench/run.sh: $f missing (make bench builds it)" >&2; exit 2; }
done

# The images live in RAM (/dev/shm) so the loops measure the kernel's path,
# not the disk under the loop devices.
work=$(mktemp -d /dev/shm/faultlock-bench.XXXXXX)
mnt=$work/mnt
bmnt=$work/btrfs
sleeper=
cpid=
cleanup() {
	[ -n "$cpid" ] && kill -INT "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
	mountpoint -q "$mnt" && umount "$mnt"
	mountpoint -q "$bmnt" && umount "$bmnt"
	rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM	# the EXIT trap runs then too: nothing left mounted or attached
mkdir "$mnt" "$bmnt"
truncate -s 512M "$work/ext4.img"
mkfs.ext4 -q -F "$work/ext4.img"
mount -o loop "$work/ext4.img" "$mnt"
dd if=/dev/urandom of="$mnt/kf" bs=1M count=64 status=none
truncate -s 64M "$mnt/hole"
truncate -s 1G "$work/btrfs.img"
if ! command -v mkfs.btrfs >/dev/null; then
	echo "bench/run.sh: workload btrfs-write skipped: no mkfs.btrfs"
	WORKLOADS=(user-fault kernel-fault dio-hole)
elif ! { mkfs.btrfs -q -f "$work/btrfs.img" >/dev/null && mount -o loop,nodiscard "$work/btrfs.img" "$bmnt"; } 2>"$work/btrfs.err"; then
	echo "bench/run.sh: workload btrfs-write skipped: cannot mount btrfs: $(tail -1 "$work/btrfs.err")"
	WORKLOADS=(user-fault kernel-fault dio-hole)
fi
sync
cat "$mnt/kf" >/dev/null	# page-cached: the reads only copy
sleep 100000 &
sleeper=$!

# One CPU for the workload, the same every time.
pin=()
command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && pin=(taskset -c 1)

run_workload() {	# run_workload NAME [--no-warm] → "ops ns"
	local out warm=("${@:2}")
	case $1 in
	user-fault) out=$("${pin[@]}" "$B/fault_storm" --mb 256 --rounds 4 "${warm[@]}") ;;
	kernel-fault) out=$("${pin[@]}" "$B/fault_storm" --kernel "$mnt/kf" --mb 256 --rounds 4 "${warm[@]}") ;;
	dio-hole) out=$("${pin[@]}" "$B/dio_loop" "$mnt/hole" --count 400000) ;;
	btrfs-write) out=$("${pin[@]}" "$B/btrfs_write" "$bmnt/w" --count 80000 --sync 1024 "${warm[@]}") ;;
	fork) out=$("${pin[@]}" "$B/fork_loop" --count 30000) ;;
	esac
	sed -n 's/^ops=\([0-9]*\) ns=\([0-9]*\)$/\1 \2/p' <<<"$out"
}

workload_comm() {	# the name its tasks run under (fl-empty --count)
	case $1 in
	user-fault | kernel-fault) echo fault_storm ;;
	dio-hole) echo dio_loop ;;
	btrfs-write) echo btrfs_write ;;
	fork) echo fork_loop ;;
	esac
}

# faultlock's btrfs facts for the bpftrace script ($1 lock bits, $2 data tree)
bt_args=$({ "$FL" check -v 2>&1 || true; } | sed -n 's/.*btrfs: lock bits \(0x[0-9a-f]*\), data tree \([0-9]*\).*/\1 \2/p' | head -1)
[ -n "$bt_args" ] || bt_args="0 0"	# btrfs probes then match nothing

# start_config NAME [HOOK_MODES]: attaches, returns once every program is
# in; sets $cpid. For the per-hook table: empty-H runs fl-empty on hook H
# only (mode $2), untraced/traced with FAULTLOCK_HOOK_MODES=$2.
start_config() {
	local ready=$work/ready modes=${2:-}
	cpid=
	: >"$ready"
	case $1 in
	none) return 0 ;;
	empty) "$B/fl-empty" >"$ready" 2>&1 & cpid=$! ;;
	empty-*) "$B/fl-empty" --hook "${1#empty-}" --mode "$modes" >"$ready" 2>&1 & cpid=$! ;;
	untraced)
		if [ -n "$modes" ]; then
			FAULTLOCK_HOOK_MODES=$modes "$FL" trace -p "$sleeper" 2>"$ready" >/dev/null &
		else
			"$FL" trace -p "$sleeper" 2>"$ready" >/dev/null &
		fi
		cpid=$! ;;
	traced)
		if [ -n "$modes" ]; then
			FAULTLOCK_HOOK_MODES=$modes "$FL" trace -a 2>"$ready" >/dev/null &
		else
			"$FL" trace -a 2>"$ready" >/dev/null &
		fi
		cpid=$! ;;
	bpftrace)
		# shellcheck disable=SC2086
		bpftrace "$top/bench/faultlock.bt" $bt_args >"$ready" 2>&1 & cpid=$! ;;
	esac
	for _ in $(seq 600); do
		grep -qE '^ready$|^faultlock: tracing' "$ready" && return 0
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench/run.sh: $1 did not start:" >&2
	cat "$ready" >&2
	stop_config
	return 3
}

stop_config() {
	[ -n "$cpid" ] || return 0
	kill -INT "$cpid" 2>/dev/null || true
	wait "$cpid" || true
	cpid=
}

# bpftrace: tried once; a config that cannot run is left out, saying why.
if ! command -v bpftrace >/dev/null; then
	echo "bench/run.sh: config bpftrace skipped: bpftrace not installed (scripts/install-deps.sh installs it)"
	CONFIGS=(none empty untraced traced)
elif ! start_config bpftrace 2>"$work/bt.err"; then
	echo "bench/run.sh: config bpftrace skipped: it did not attach: $(grep -v RLIMIT_MEMLOCK "$work/bt.err" | grep -m1 -iE 'error|fail' || tail -1 "$work/bt.err")"
	CONFIGS=(none empty untraced traced)
else
	stop_config
fi

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { tr ' ' '\n' | grep . | sort -g | head -1; }
sample() { awk -v n="$2" -v o="$1" 'BEGIN { printf "%.1f", n / o }'; }

# ---- the per-hook plan (before any timing) -----------------------------
# A hook faultlock attaches only with another (src/catalog.c .requires).
declare -A REQ=([btrfs_set_extent_bit]=btrfs_clear_extent_bit
	[btrfs_ordered_extent_add]=btrfs_ordered_extent_remove
	[btrfs_ordered_extent_start]=btrfs_ordered_extent_add)
declare -A HMODE HWORK HCALLS HSET HSPEC
HLIST=()
HWORKLOADS=()
closure() {	# closure HOOK → HOOK and what it requires, space-separated
	local h=$1 s=$1
	while [ -n "${REQ[$h]:-}" ]; do h=${REQ[$h]}; s="$s $h"; done
	echo "$s"
}
if [ "$HOOKS" != 0 ]; then
	mapfile -t ok < <({ "$FL" check 2>/dev/null || true; } | awk '$1 == "HOOK" { t = 1; next } t && !NF { t = 0 } t && $3 == "ok" { print $1, $2 }')
	allhooks=()
	for l in "${ok[@]}"; do
		read -r h m <<<"$l"
		allhooks+=("$h")
		HMODE[$h]=$m
		case $h in
		sched_process_fork | sched_process_exit) HWORK[$h]=fork ;;
		page_fault_user) HWORK[$h]=user-fault ;;
		page_fault_kernel) HWORK[$h]=kernel-fault ;;
		iomap_dio_rw_begin | iomap_dio_complete) HWORK[$h]=dio-hole ;;
		btrfs_*) [[ " ${WORKLOADS[*]} " == *" btrfs-write "* ]] && HWORK[$h]=btrfs-write ;;
		esac
		[ -n "${HWORK[$h]:-}" ] || echo "bench/run.sh: hook $h ($m) not timed: no workload here hits it"
	done
	# calls per operation, counted once per workload
	for w in fork user-fault kernel-fault dio-hole btrfs-write; do
		hs=()
		for h in "${allhooks[@]}"; do [ "${HWORK[$h]:-}" = "$w" ] && hs+=("$h"); done
		[ ${#hs[@]} -gt 0 ] || continue
		"$B/fl-empty" --count "$(workload_comm "$w")" --hook "$(IFS=,; echo "${hs[*]}")" >"$work/count" 2>&1 &
		cpid=$!
		for _ in $(seq 300); do grep -q '^ready$' "$work/count" && break; sleep 0.1; done
		# untimed warm-up passes would be counted, not timed: none here
		case $w in user-fault | kernel-fault | btrfs-write) read -r ops _ < <(run_workload "$w" --no-warm) ;;
		*) read -r ops _ < <(run_workload "$w") ;; esac
		stop_config
		while read -r _ h own _; do
			HCALLS[$h]=$(awk -v c="$own" -v o="$ops" 'BEGIN { printf "%.3f", c / o }')
		done < <(grep '^calls ' "$work/count")
		for h in "${hs[@]}"; do
			if [ -z "${HCALLS[$h]:-}" ]; then
				echo "bench/run.sh: hook $h not timed: its calls could not be counted"
			elif awk -v c="${HCALLS[$h]}" 'BEGIN { exit !(c < 0.05) }'; then
				echo "bench/run.sh: hook $h not timed: ${HCALLS[$h]} calls per $w operation (too rare)"
			else
				HLIST+=("$h")
				[[ " ${HWORKLOADS[*]} " == *" $w "* ]] || HWORKLOADS+=("$w")
			fi
		done
	done
	# faultlock with one hook (and what it requires): the others forced to
	# a mode they do not have here, checked with `faultlock check`.
	for h in "${HLIST[@]}"; do
		set_=$(closure "$h")
		spec=
		for o in "${allhooks[@]}"; do
			[[ " $set_ " == *" $o "* ]] || spec+="$o=kprobe,"
		done
		spec=${spec%,}
		got=$({ FAULTLOCK_HOOK_MODES=$spec "$FL" check 2>/dev/null || true; } | awk '$1 == "HOOK" { t = 1; next } t && !NF { t = 0 } t && $3 == "ok" { print $1 }' | sort | tr '\n' ' ')
		want=$(tr ' ' '\n' <<<"$set_" | sort | tr '\n' ' ')
		if [ "$got" != "$want" ]; then
			echo "bench/run.sh: hook $h: faultlock cannot attach it alone here (got: ${got:-nothing}); its faultlock columns are left empty"
			continue
		fi
		HSET[$h]=$set_
		HSPEC[$h]=$spec
	done
fi
# The faultlock configurations to time per workload: each hook's set, and
# what is left of it without the hook (the subtraction), keyed by the set.
declare -A FLSETS
for h in "${HLIST[@]}"; do
	[ -n "${HSET[$h]:-}" ] || continue
	FLSETS["${HWORK[$h]}|${HSET[$h]}"]=${HSPEC[$h]}
done

# ---- the rounds -----------------------------------------------------------
# Each round starts one configuration further on, so no configuration is
# always the first after a change; one untimed pass of each workload first.
rotate() {	# rotate N WORDS... → the words, starting at the Nth (mod count)
	local n=$1; shift
	local a=("$@") i
	for ((i = 0; i < ${#a[@]}; i++)); do echo "${a[(i + n) % ${#a[@]}]}"; done
}
declare -A samples hsamples
echo "faultlock bench: $(uname -r), $(nproc) CPUs, $ROUNDS rounds, configs: ${CONFIGS[*]}"
for w in "${WORKLOADS[@]}" "${HWORKLOADS[@]}"; do run_workload "$w" >/dev/null; done
for ((r = 1; r <= ROUNDS; r++)); do
	for c in $(rotate "$r" "${CONFIGS[@]}"); do
		start_config "$c" || exit 3
		for w in "${WORKLOADS[@]}"; do
			read -r ops ns < <(run_workload "$w")
			samples[$w/$c]+="$(sample "$ops" "$ns") "
		done
		stop_config
	done
	for w in "${HWORKLOADS[@]}"; do
		jobs=(none)
		for h in "${HLIST[@]}"; do
			[ "${HWORK[$h]}" = "$w" ] && jobs+=("empty-$h")
		done
		for k in "${!FLSETS[@]}"; do
			[ "${k%%|*}" = "$w" ] && jobs+=("untraced=$k" "traced=$k")
		done
		for j in $(rotate "$r" "${jobs[@]// /+}"); do
			j=${j//+/ }
			case $j in
			none) ;;
			empty-*) start_config "$j" "${HMODE[${j#empty-}]}" || exit 3 ;;
			*) start_config "${j%%=*}" "${FLSETS[${j#*=}]}" || exit 3 ;;
			esac
			read -r ops ns < <(run_workload "$w")
			stop_config
			case $j in
			none | empty-*) hsamples[$w/$j]+="$(sample "$ops" "$ns") " ;;
			*) hsamples[${j#*=}/${j%%=*}]+="$(sample "$ops" "$ns") " ;;
			esac
		done
	done
	echo "round $r/$ROUNDS done"
done

# ---- the tables -----------------------------------------------------------
res=$B/results.tsv
printf 'workload\tconfig\tns_per_op\tratio_to_none\tns_above_empty\tns_above_none\tmin_ns_per_op\n' >"$res"
echo
printf '%-12s %-9s %10s %8s %13s %14s %10s\n' WORKLOAD CONFIG NS/OP "x NONE" "+NS vs NONE" "+NS vs EMPTY" "MIN NS/OP"
for w in "${WORKLOADS[@]}"; do
	base=$(median <<<"${samples[$w/none]}")
	empty=$(median <<<"${samples[$w/empty]}")
	for c in "${CONFIGS[@]}"; do
		m=$(median <<<"${samples[$w/$c]}")
		lo=$(minimum <<<"${samples[$w/$c]}")
		ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
		above=$(awk -v a="$m" -v b="$empty" 'BEGIN { printf "%+.1f", a - b }')
		anone=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%+.1f", a - b }')
		[ "$c" = none ] && above=- && anone=-
		[ "$c" = empty ] && above=0
		printf '%-12s %-9s %10s %8s %13s %14s %10s\n' "$w" "$c" "$m" "$ratio" "$anone" "$above" "$lo"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$m" "$ratio" "$above" "$anone" "$lo" >>"$res"
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

# Issue 14's targets, read off the table (informational: never a failure).
# untraced: untraced - empty <= max(25 % of (empty - none), 30 ns);
# traced dio: traced - none <= 2 x (empty - none);
# bpftrace: traced - none <= (bpftrace - none) / 5.
echo
echo "targets (issue 14; informational):"
awk -F'\t' 'NR > 1 { v[$1 "/" $2] = $3; if (!seen[$1]++) w[++n] = $1 }
function verdict(ok) { return ok ? "met" : "NOT met" }
END {
	for (i = 1; i <= n; i++) {
		k = w[i]; none = v[k "/none"]; e = v[k "/empty"] - none
		u = v[k "/untraced"] - v[k "/empty"]; lim = (0.25 * e > 30) ? 0.25 * e : 30
		printf "  %-12s untraced %+.1f over empty, limit %.1f: %s\n", k, u, lim, verdict(u <= lim)
		t = v[k "/traced"] - none
		if (k == "dio-hole")
			printf "  %-12s traced %+.1f over none, limit 2 x %.1f: %s\n", k, t, e, verdict(t <= 2 * e)
		if ((k "/bpftrace") in v) {
			b = v[k "/bpftrace"] - none
			printf "  %-12s traced %+.1f over none, bpftrace %+.1f, limit %.1f: %s\n", k, t, b, b / 5, verdict(t <= b / 5)
		}
	}
}' "$res"

[ ${#HLIST[@]} -gt 0 ] || exit 0
# ns per call of the configuration keyed K, over the workload's none, minus
# that of the set without the hook (none itself when the hook is alone)
per_call() {	# per_call HOOK CONFIG → ns per call, or -
	local h=$1 c=$2 w=${HWORK[$1]} rest with without
	local none; none=$(median <<<"${hsamples[$w/none]}")
	if [ "$c" = empty ]; then
		with=$(median <<<"${hsamples[$w/empty-$h]:-}")
		without=$none
	else
		[ -n "${HSET[$h]:-}" ] || { echo -; return; }
		with=$(median <<<"${hsamples[$w|${HSET[$h]}/$c]:-}")
		rest=${HSET[$h]#"$h"}; rest=${rest# }
		if [ -z "$rest" ]; then
			without=$none
		else
			without=$(median <<<"${hsamples[$w|$rest/$c]:-}")
		fi
	fi
	if [ -z "$with" ] || [ -z "$without" ]; then echo -; return; fi
	awk -v a="$with" -v b="$without" -v n="${HCALLS[$h]}" 'BEGIN { printf "%.1f", (a - b) / n }'
}
hres=$B/hooks.tsv
printf 'hook\tmode\tworkload\tcalls_per_op\ttimed_with\tempty_ns_per_call\tuntraced_ns_per_call\ttraced_ns_per_call\tuntraced_above_empty\ttraced_above_empty\n' >"$hres"
echo
echo "per hook: ns per call (over nothing attached; one program on the hook at a time)"
printf '%-28s %-10s %-12s %8s %8s %9s %8s %10s %10s\n' HOOK MODE WORKLOAD CALLS/OP EMPTY UNTRACED TRACED "UNTR-EMPTY" "TRAC-EMPTY"
for h in "${HLIST[@]}"; do
	e=$(per_call "$h" empty)
	u=$(per_call "$h" untraced)
	t=$(per_call "$h" traced)
	ue=$(awk -v a="$u" -v b="$e" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%+.1f", a - b }')
	te=$(awk -v a="$t" -v b="$e" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%+.1f", a - b }')
	with=${HSET[$h]#"$h"}; with=${with# }
	printf '%-28s %-10s %-12s %8s %8s %9s %8s %10s %10s%s\n' "$h" "${HMODE[$h]}" "${HWORK[$h]}" "${HCALLS[$h]}" \
		"$e" "$u" "$t" "$ue" "$te" "${with:+  (faultlock timed with ${with// /, }, subtracted)}"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$h" "${HMODE[$h]}" "${HWORK[$h]}" "${HCALLS[$h]}" \
		"${with:--}" "$e" "$u" "$t" "$ue" "$te" >>"$hres"
done
echo
echo "per-hook samples (ns/op per round):"
for w in "${HWORKLOADS[@]}"; do
	printf '  %-12s %-40s %s\n' "$w" none "${hsamples[$w/none]}"
	for h in "${HLIST[@]}"; do
		[ "${HWORK[$h]}" = "$w" ] || continue
		printf '  %-12s %-40s %s\n' "$w" "empty $h" "${hsamples[$w/empty-$h]}"
	done
	for k in "${!FLSETS[@]}"; do
		[ "${k%%|*}" = "$w" ] || continue
		for c in untraced traced; do
			printf '  %-12s %-40s %s\n' "$w" "$c ${k#*|}" "${hsamples[$k/$c]}"
		done
	done
done
echo "hooks: $hres"

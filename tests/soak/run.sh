#!/usr/bin/env bash
# make soak (not in CI): faultlock daemon under a sustained event storm on a
# loop-mounted btrfs for SOAK_SECONDS (default 600). Every SAMPLE seconds
# (default 5) it records the daemon's RSS and how long one /metrics scrape
# takes; at the end it checks that
#   - RSS stayed flat: the last sample is within SOAK_RSS_SLACK_KB (default
#     2048) of the sample one minute in (start-up allocations excluded);
#   - every scrape answered 200 within 1 s;
#   - every event a counter counted is in the event log (its "events" folds
#     counted) or counted as lost: for dio_partial and dio_retry,
#     logged <= counted <= logged + lost;
#   - the daemon stops on SIGTERM with exit 0 and leaves no BPF link.
# The storm: SOAK_JOBS (default 4) loops of fl-mmapio direct I/O reads whose
# buffer half maps the same file (a partial and a retry per call) and a
# buffered write loop. Needs root. Prints PASS/FAIL lines and
# "soak: N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
FL=${FAULTLOCK_BIN:-$top/faultlock}
WL=${WORKLOAD_DIR:-$top/.output/workloads}/fl-mmapio
SOAK_SECONDS=${SOAK_SECONDS:-600}
SAMPLE=${SAMPLE:-5}
SOAK_JOBS=${SOAK_JOBS:-4}
SOAK_RSS_SLACK_KB=${SOAK_RSS_SLACK_KB:-2048}

if [ "$(id -u)" -ne 0 ]; then
	echo "soak: needs root (loop mounts, BPF)" >&2
	exit 1
fi
for f in "$FL" "$WL"; do
	[ -x "$f" ] || { echo "soak: missing $f: run make first" >&2; exit 1; }
done
for t in curl jq mkfs.btrfs bpftool; do
	command -v "$t" >/dev/null || { echo "soak: missing $t (scripts/install-deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/faultlock-soak.XXXXXX)
pids=()
mnt=$work/btrfs
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# shellcheck source=../lib/daemon.sh
. "$top/tests/lib/daemon.sh"

truncate -s 1G "$work/btrfs.img" && mkdir -p "$mnt" && mkfs.btrfs -q -f "$work/btrfs.img" >/dev/null 2>&1 &&
	mount -o loop "$work/btrfs.img" "$mnt"
mountpoint -q "$mnt" || { t_fail "btrfs loop mount"; t_done soak; exit 1; }
links_before=$(links)

start_daemon soak --listen 127.0.0.1:0 --events "$work/events.json" || { t_done soak; exit 1; }
daemon=$dpid port=$dport
echo "# soak: ${SOAK_SECONDS}s, $SOAK_JOBS DIO loops and a write loop on btrfs; daemon pid $daemon, port $port"

# The storm, until the stop file exists.
stopfile=$work/stop
for j in $(seq "$SOAK_JOBS"); do
	(
		while [ ! -e "$stopfile" ]; do
			"$WL" -q --op read --direct --buf half --map shared --pages 8 --repeat 50 "$mnt/dio$j" || exit 1
		done
	) &
	pids+=($!)
done
(
	while [ ! -e "$stopfile" ]; do
		dd if=/dev/zero of="$mnt/write" bs=64k count=64 conv=fsync status=none || exit 1
	done
) &
pids+=($!)

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
t0=$(date +%s)
rss_1min=""
rss_last=""
slow=0 bad=0 samples=0 worst_ms=0
while [ $(($(date +%s) - t0)) -lt "$SOAK_SECONDS" ]; do
	sleep "$SAMPLE"
	kill -0 "$daemon" 2>/dev/null || break
	out=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/metrics")
	read -r status secs <<<"$out"
	ms=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')
	samples=$((samples + 1))
	[ "$status" = 200 ] || bad=$((bad + 1))
	[ "$ms" -lt 1000 ] || slow=$((slow + 1))
	[ "$ms" -gt "$worst_ms" ] && worst_ms=$ms
	rss_last=$(rss "$daemon")
	[ -z "$rss_1min" ] && [ $(($(date +%s) - t0)) -ge 60 ] && rss_1min=$rss_last
	[ $((samples % 12)) -eq 0 ] && echo "# $(($(date +%s) - t0))s: rss ${rss_last} kB, scrape ${ms} ms"
done
: >"$stopfile"
for p in "${pids[@]:1}"; do wait "$p" 2>/dev/null; done
sleep 2	# the last events drained

t_eq "daemon alive through the storm" 0 "$(kill -0 "$daemon" 2>/dev/null; echo $?)"
t_ge "scrapes taken" 2 "$samples"
t_eq "every scrape answered 200" 0 "$bad"
t_eq "every scrape within 1 s (worst ${worst_ms} ms)" 0 "$slow"
[ -z "$rss_1min" ] && rss_1min=$(rss "$daemon")
t_ge "RSS flat: within ${SOAK_RSS_SLACK_KB} kB of one minute in (${rss_1min} -> ${rss_last} kB)" 0 \
	"$((rss_1min + SOAK_RSS_SLACK_KB - rss_last))"

m=$(scrape "$port")
stop "$daemon" TERM	# it writes the event log's last lines
lost=$(printf '%s\n' "$m" | awk '/^faultlock_events_lost_total/ { s += $2 } END { print s + 0 }')
for kind in partial retries; do
	metric=faultlock_dio_${kind}_total
	type=$([ $kind = partial ] && echo dio_partial || echo dio_retry)
	counted=$(printf '%s\n' "$m" | awk -v n="$metric" 'index($0, n "{") == 1 && /fstype="btrfs"/ { s += $2 } END { print s + 0 }')
	logged=$(jq -r -s --arg t "$type" 'map(select(.type == $t) | .events // 1) | add // 0' "$work/events.json")
	t_ge "$type: the storm made some ($counted counted)" 1 "$counted"
	t_ge "$type: logged <= counted ($logged <= $counted)" 0 "$((counted - logged))"
	t_ge "$type: counted <= logged + lost ($counted <= $logged + $lost)" 0 "$((logged + lost - counted))"
done
t_eq "daemon: SIGTERM, exit 0" 0 "$rc"
t_eq "no BPF link left" "$links_before" "$(links)"
t_done soak

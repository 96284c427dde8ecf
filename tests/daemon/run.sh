#!/usr/bin/env bash
# Daemon tier: the real `faultlock daemon` on this machine's kernel. A
# loop-mounted btrfs and the fl-mmapio workload give exact counter values;
# /metrics is scraped with curl, checked with promtool, and scraped by a real
# Prometheus server on loopback; then the textfile, SIGHUP, SIGTERM, the HTTP
# limits, an idle daemon's wakeups, IPv6, the systemd unit and `make install`.
# Needs root. Every wait is bounded; every process and mount is cleaned up.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
FL=${FAULTLOCK_BIN:-$top/faultlock}
WL=${WORKLOAD_DIR:-$top/.output/workloads}/fl-mmapio
CT='text/plain; version=0.0.4; charset=utf-8'

if [ "$(id -u)" -ne 0 ]; then
	echo "daemon tests need root (loop mounts, BPF)" >&2
	exit 1
fi
for f in "$FL" "$WL"; do
	[ -x "$f" ] || { echo "missing $f: run make first" >&2; exit 1; }
done
missing=""
for t in curl jq promtool prometheus bpftool findmnt systemd-analyze python3 mkfs.btrfs; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	t_fail "tools present" "missing:$missing (scripts/install-deps.sh installs them)"
	t_done daemon
	exit 1
fi

work=$(mktemp -d /tmp/faultlock-daemon.XXXXXX)
chmod 755 "$work"
pids=()
mounts=()
fds=()
cleanup() {
	local p _
	for fd in "${fds[@]}"; do
		exec {fd}>&-
	done
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for m in "${mounts[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# shellcheck source=../lib/daemon.sh
. "$top/tests/lib/daemon.sh"
# Voluntary context switches: the daemon going to sleep, i.e. its wakeups.
# (Involuntary ones are preemptions and count the machine's load, not it.)
ctxt() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status"; }
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

links_before=$(links)

echo "== usage and environment errors"
"$FL" daemon --bogus >/dev/null 2>&1; t_eq "unknown flag: exit 2" 2 $?
"$FL" daemon extra >/dev/null 2>&1; t_eq "stray argument: exit 2" 2 $?
"$FL" daemon --listen localhost:9477 >/dev/null 2>"$work/err"; t_eq "--listen name: exit 2" 2 $?
t_match "--listen name: says why" "invalid --listen 'localhost:9477': 'localhost' is not a numeric IPv4 address" "$(cat "$work/err")"
"$FL" daemon --listen 127.0.0.1 >/dev/null 2>&1; t_eq "--listen without port: exit 2" 2 $?
"$FL" daemon --listen ::1:9477 >/dev/null 2>"$work/err"; t_eq "--listen bare IPv6: exit 2" 2 $?
t_match "--listen bare IPv6: says brackets" "needs brackets" "$(cat "$work/err")"
"$FL" daemon --listen 127.0.0.1:65536 >/dev/null 2>&1; t_eq "--listen port range: exit 2" 2 $?
"$FL" daemon --listen 127.0.0.1:1 --no-listen --textfile "$work/x.prom" >/dev/null 2>&1
t_eq "--listen with --no-listen: exit 2" 2 $?
"$FL" daemon --no-listen >/dev/null 2>"$work/err"; t_eq "--no-listen alone: exit 2" 2 $?
t_match "--no-listen alone: nothing to do" "nothing to do" "$(cat "$work/err")"
"$FL" daemon --textfile "$work/x.prom" --interval 0 >/dev/null 2>&1; t_eq "--interval 0: exit 2" 2 $?
"$FL" daemon --interval 5 >/dev/null 2>&1; t_eq "--interval without --textfile: exit 2" 2 $?
"$FL" daemon --help >"$work/help" 2>&1; t_eq "--help: exit 0" 0 $?
t_match "--help lists --listen" '--listen=ADDR:PORT' "$(cat "$work/help")"
cp "$FL" "$work/faultlock-unpriv"; chmod 755 "$work/faultlock-unpriv"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$work/faultlock-unpriv" daemon >/dev/null 2>"$work/err"; rc=$?
t_eq "unprivileged: exit 3" 3 "$rc"
t_match "unprivileged: says what is missing" "needs root" "$(cat "$work/err")"
"$FL" daemon --events /nonexistent/dir/ev.json >/dev/null 2>"$work/err"; rc=$?
t_eq "unwritable --events: exit 3" 3 "$rc"
t_eq "unwritable --events: one line" "faultlock: cannot open the event log /nonexistent/dir/ev.json: No such file or directory" "$(cat "$work/err")"
"$FL" daemon --textfile /nonexistent/dir/x.prom >/dev/null 2>"$work/err"; rc=$?
t_eq "unwritable --textfile: exit 3" 3 "$rc"
t_eq "unwritable --textfile: one line" 1 "$(wc -l <"$work/err")"
t_eq "errors leave no BPF link" "$links_before" "$(links)"

echo "== btrfs"
img=$work/btrfs.img mnt=$work/btrfs
truncate -s 512M "$img" && mkdir -p "$mnt" && mkfs.btrfs -q -f "$img" >/dev/null 2>&1 &&
	mount -o loop "$img" "$mnt" && mounts+=("$mnt")
if ! mountpoint -q "$mnt"; then
	t_fail "btrfs loop mount"
	t_done daemon
	exit 1
fi
dev=$(findmnt -n -o MAJ:MIN "$mnt" | tr -d ' ')
lbl="fstype=\"btrfs\",dev=\"$dev\""
t_match "btrfs dev is MAJ:MIN" '^[0-9]+:[0-9]+$' "$dev"

# The attach table as this kernel resolves it (the daemon must export all of it).
check_json=$("$FL" check --json)
nr_hooks=$(jq '.hooks | length' <<<"$check_json")
nr_ok=$(jq '[.hooks[] | select(.status == "ok")] | length' <<<"$check_json")

echo "== daemon: start"
mkdir -p "$work/tf"
start_daemon A --listen 127.0.0.1:0 --events "$work/events.json" --textfile "$work/tf/faultlock.prom" --interval 1 ||
	{ t_done daemon; exit 1; }
apid=$dpid aport=$dport
t_match "ready line on stderr" "^faultlock: daemon: $nr_ok of $nr_hooks hooks attached; serving http://127\.0\.0\.1:[0-9]+/metrics; textfile .* every 1 s; events to " "$(cat "$work/A.err")"
t_ge "probes attached while running" $((links_before + 6)) "$(links)"
read -r -a kv <<<"$(uname -r | tr '.-' '  ')"
if [ "${kv[0]}" -gt 5 ] || { [ "${kv[0]}" -eq 5 ] && [ "${kv[1]}" -ge 19 ]; }; then
	t_eq "capabilities: none effective" 0000000000000000 "$(awk '/^CapEff/ { print $2 }' /proc/$apid/status)"
	t_eq "capabilities: none permitted" 0000000000000000 "$(awk '/^CapPrm/ { print $2 }' /proc/$apid/status)"
	t_eq "capabilities: empty bounding set" 0000000000000000 "$(awk '/^CapBnd/ { print $2 }' /proc/$apid/status)"
else
	t_match "capabilities: at most CAP_BPF or CAP_SYS_ADMIN (kernel < 5.19)" '^0000000(0|8)000(0|2)0000$' \
		"$(awk '/^CapPrm/ { print $2 }' /proc/$apid/status)"
fi

echo "== /metrics before the workload"
curl -sS --max-time 5 -D "$work/h0" -o "$work/m0" "http://127.0.0.1:$aport/metrics"; rc=$?
t_eq "scrape: curl ok (after the capability drop)" 0 "$rc"
t_eq "scrape: 200" "HTTP/1.1 200 OK" "$(head -n1 "$work/h0" | tr -d '\r')"
t_eq "scrape: Content-Type exactly" "Content-Type: $CT" "$(grep -i '^content-type:' "$work/h0" | tr -d '\r')"
out=$(promtool check metrics <"$work/m0" 2>&1); rc=$?
t_eq "promtool check metrics: clean" "0:" "$rc:$out"
m0=$(cat "$work/m0")
t_eq "hook_attached: every hook of the table" "$nr_hooks" "$(grep -c '^faultlock_hook_attached{' <<<"$m0")"
check_json=$("$FL" check --json 2>/dev/null)
bad=""
for h in $(jq -r '.hooks[].hook' <<<"$check_json"); do
	mode=$(jq -r --arg h "$h" '.hooks[] | select(.hook == $h) | .mode' <<<"$check_json")
	want=1
	[ "$mode" = "-" ] && want=0
	[ "$(value "$m0" "faultlock_hook_attached{hook=\"$h\",mode=\"$mode\"}")" = "$want" ] || bad="$bad $h"
done
t_eq "hook_attached: modes as faultlock check says" "" "$bad"
t_eq "hook_attached: iomap_dio_rw_begin tp_btf" 1 "$(value "$m0" 'faultlock_hook_attached{hook="iomap_dio_rw_begin",mode="tp_btf"}')"
# gfs2_glock_nq: attached exactly when check says (0 on this CI host, 1 on a box with gfs2 and kprobes)
t_eq "hook_attached: gfs2_glock_nq one series, as check says" 1 \
	"$(grep -c '^faultlock_hook_attached{hook="gfs2_glock_nq",' <<<"$m0")"
version=$("$FL" --version | awk '{ print $2 }')
t_eq "build_info" 1 "$(value "$m0" "faultlock_build_info{version=\"$version\",kernel=\"$(uname -r)\"}")"
for r in ringbuf_full task_map_full fs_map_full lock_map_full vma_lookup_busy held_set_full stall_slot_busy \
	release_missed unverified_recursion return_missed bpf_recursion; do
	t_eq "events_lost_total{reason=$r} 0" 0 "$(value "$m0" "faultlock_events_lost_total{reason=\"$r\"}")"
done
t_nomatch "no series for the new btrfs yet" "dev=\"$dev\"" "$m0"
# The one lock family btrfs's extent tracepoints give without gfs2 and
# kprobes: lock_stalls_total, its btrfs row.
if jq -e '[.hooks[] | select(.status == "ok") | .hook] | index("btrfs_set_extent_bit") != null' \
	<<<"$check_json" >/dev/null; then
	t_eq "lock_stalls_total: the btrfs_extent row only" \
		'faultlock_lock_stalls_total{fstype="btrfs",lock="btrfs_extent"} 0' \
		"$(grep '^faultlock_lock_stalls_total' <<<"$m0")"
	m0_locks=$(grep -v '^\(# [A-Z]* \)\?faultlock_lock_stalls_total' <<<"$m0")
else
	m0_locks=$m0
fi
t_nomatch "no lock/fault_in families where their hooks cannot attach" 'faultlock_(lock_|recursive_lock|fault_under_lock|fault_in_)' "$m0_locks"

echo "== /metrics after the retry workload"
"$WL" -q --direct --buf half --map shared "$mnt/f"; t_eq "workload half shared: exit 0" 0 $?
m1=$(scrape "$aport")
t_eq "dio_calls_total" 2 "$(value "$m1" "faultlock_dio_calls_total{$lbl,op=\"read\"}")"
t_eq "dio_partial_total short" 1 "$(value "$m1" "faultlock_dio_partial_total{$lbl,op=\"read\",reason=\"short\"}")"
t_eq "dio_partial_total efault" 0 "$(value "$m1" "faultlock_dio_partial_total{$lbl,op=\"read\",reason=\"efault\"}")"
t_eq "dio_retries_total" 1 "$(value "$m1" "faultlock_dio_retries_total{$lbl,op=\"read\"}")"
t_eq "dio_retry_bytes_total" 16384 "$(value "$m1" "faultlock_dio_retry_bytes_total{$lbl,op=\"read\"}")"
t_eq "same_file_fault_total" 0 "$(value "$m1" "faultlock_same_file_fault_total{$lbl}")"
out=$(promtool check metrics <<<"$m1" 2>&1); rc=$?
t_eq "promtool check metrics with DIO series: clean" "0:" "$rc:$out"
"$WL" -q --direct --buf hole --map private "$mnt/g"; t_eq "workload hole private: exit 0" 0 $?
m2=$(scrape "$aport")
t_eq "after hole: dio_calls_total" 4 "$(value "$m2" "faultlock_dio_calls_total{$lbl,op=\"read\"}")"
t_eq "after hole: dio_partial_total efault" 1 "$(value "$m2" "faultlock_dio_partial_total{$lbl,op=\"read\",reason=\"efault\"}")"
t_eq "after hole: dio_retries_total" 2 "$(value "$m2" "faultlock_dio_retries_total{$lbl,op=\"read\"}")"
t_eq "after hole: dio_retry_bytes_total" 16384 "$(value "$m2" "faultlock_dio_retry_bytes_total{$lbl,op=\"read\"}")"
# 1 or 2 (the zeroing copy's byte-wise fixup on CPUs without fast string ops)
sff=$(value "$m2" "faultlock_same_file_fault_total{$lbl}")
t_match "after hole: same_file_fault_total" '^[12]$' "$sff"
# The btrfs provider saw each direct read lock its range (6.18: DIO_LOCKED,
# from btrfs_lock_extent_bits), and nothing recursive: the fixed kernel.
t_ge "btrfs provider: extent locks taken inside the DIO calls" 4 \
	"$(value "$m2" "faultlock_lock_acquisitions_total{$lbl,lock=\"btrfs_extent\"}")"
t_eq "btrfs provider: recursive_lock_total 0" 0 \
	"$(value "$m2" "faultlock_recursive_lock_total{$lbl,lock=\"btrfs_extent\"}")"
# lock_stall per provider: btrfs extents watched here (no gfs2: no glock row)
t_eq "lock_stalls_total: a btrfs_extent row, 0" 0 \
	"$(value "$m2" 'faultlock_lock_stalls_total{fstype="btrfs",lock="btrfs_extent"}')"
t_nomatch "lock_stalls_total: no glock row without gfs2" 'faultlock_lock_stalls_total\{fstype="gfs2"' "$m2"

echo "== event log"
ev_dev() { jq -c --arg d "$dev" "select(.dev == \$d and .type == \"$2\")" "$1" 2>/dev/null | wc -l; }
wait_until 5 test "$(ev_dev "$work/events.json" dio_retry)" -ge 2
t_eq "events: every line is JSON" "$(wc -l <"$work/events.json")" "$(jq -c . "$work/events.json" | wc -l)"
t_eq "events: dio_partial lines match the counter" 2 "$(ev_dev "$work/events.json" dio_partial)"
t_eq "events: dio_retry lines match the counter" 2 "$(ev_dev "$work/events.json" dio_retry)"
t_eq "events: same_file_fault lines match the counter" "$sff" "$(ev_dev "$work/events.json" same_file_fault)"
"$FL" trace --json -- "$WL" -q --direct --buf half --map shared "$mnt/t" >"$work/trace.json" 2>/dev/null
for ty in dio_partial dio_retry; do
	t_eq "events: $ty has trace --json's keys" \
		"$(jq -c "select(.type == \"$ty\") | keys" "$work/trace.json" | head -n1)" \
		"$(jq -c --arg d "$dev" "select(.type == \"$ty\" and .dev == \$d) | keys" "$work/events.json" | head -n1)"
done
t_match "events: ip symbolized as in trace" '"ip":"[a-z_]' "$(grep same_file_fault "$work/events.json")"

echo "== textfile"
tf=$work/tf/faultlock.prom
wait_until 5 grep -q "faultlock_dio_calls_total{$lbl,op=\"read\"} 6" "$tf"
t_eq "textfile: rewritten with current values" 6 "$(value "$(cat "$tf")" "faultlock_dio_calls_total{$lbl,op=\"read\"}")"
out=$(promtool check metrics <"$tf" 2>&1); rc=$?
t_eq "textfile: promtool clean" "0:" "$rc:$out"
t_eq "textfile: mode 644" 644 "$(stat -c %a "$tf")"
ino1=$(stat -c %i "$tf")
wait_until 5 test "$(stat -c %i "$tf")" != "$ino1"
t_match "textfile: replaced by rename every --interval (new inode)" . "$( [ "$(stat -c %i "$tf")" != "$ino1" ] && echo y)"
t_eq "textfile: no temporary files left" "faultlock.prom" "$(ls "$work/tf")"

echo "== node_exporter textfile collector"
# Debian's prometheus-node-exporter reading the daemon's --textfile directory
# (the daemon rewrites it every second meanwhile: rename, never a partial file).
if command -v prometheus-node-exporter >/dev/null; then
	nport=$(free_port)
	prometheus-node-exporter --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$work/tf" --web.listen-address="127.0.0.1:$nport" \
		>"$work/node-exporter.log" 2>&1 &
	npid=$!
	pids+=("$npid")
	ne_up() { curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$nport/metrics"; }
	# samples: faultlock's sample lines, labels in name order, sorted.
	samples() {
		python3 -c 'import re, sys
for l in sys.stdin:
    m = re.match(r"(faultlock_\w+)(?:\{(.*)\})? (\S+)$", l.strip())
    if m:
        labels = sorted(re.findall(r"\w+=\"(?:[^\"\\]|\\.)*\"", m.group(2) or ""))
        print("%s{%s} %s" % (m.group(1), ",".join(labels), m.group(3)))' | sort
	}
	if wait_until 20 ne_up; then
		ne=$(curl -sS --max-time 5 "http://127.0.0.1:$nport/metrics")
		t_eq "node_exporter: textfile read without error" 0 "$(value "$ne" node_textfile_scrape_error)"
		t_match "node_exporter: mtime of faultlock.prom" "^node_textfile_mtime_seconds\{file=\"([^\"]*/)?faultlock\.prom\"\} " "$ne"
		# node_exporter sorts the labels of each series by name.
		t_eq "node_exporter: faultlock's DIO counter" "$(value "$(cat "$tf")" "faultlock_dio_calls_total{$lbl,op=\"read\"}")" \
			"$(value "$ne" "faultlock_dio_calls_total{dev=\"$dev\",fstype=\"btrfs\",op=\"read\"}")"
		t_eq "node_exporter: every hook_attached series" "$nr_hooks" "$(grep -c '^faultlock_hook_attached{' <<<"$ne")"
		t_eq "node_exporter: build_info" 1 "$(value "$ne" "faultlock_build_info{kernel=\"$(uname -r)\",version=\"$version\"}")"
		t_eq "node_exporter: every faultlock sample of the textfile, same value" \
			"$(samples <"$tf")" "$(samples <<<"$ne")"
		t_eq "node_exporter: every faultlock family of the textfile" \
			"$(grep '^# TYPE faultlock_' "$tf" | sort)" "$(grep '^# TYPE faultlock_' <<<"$ne" | sort)"
		out=$(promtool check metrics <<<"$ne" 2>&1); rc=$?
		t_eq "node_exporter: its scrape passes promtool" "0:" "$rc:$out"
	else
		t_fail "node_exporter: serving" "$(tail -n 20 "$work/node-exporter.log")"
	fi
	stop "$npid" TERM
	t_match "node_exporter: stopped" '^[0-9]+$' "$rc"
else
	t_fail "node_exporter: prometheus-node-exporter installed" "scripts/install-deps.sh installs it"
fi

echo "== HTTP"
r=$(curl -sS --max-time 5 -w '%{http_code}' "http://127.0.0.1:$aport/")
t_match "/: 200 with a link to /metrics" '<a href="/metrics">.*200$' "$(tr -d '\n' <<<"$r")"
t_eq "/nope: 404" 404 "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$aport/nope")"
t_eq "POST /metrics: 405" 405 "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -d x "http://127.0.0.1:$aport/metrics")"
t_match "405 says Allow: GET, HEAD" '^Allow: GET, HEAD' "$(curl -s --max-time 5 -D - -o /dev/null -X DELETE "http://127.0.0.1:$aport/metrics" | tr -d '\r')"
h=$(curl -sS --max-time 5 -I "http://127.0.0.1:$aport/metrics" | tr -d '\r')
t_match "HEAD /metrics: 200, same Content-Type" "^HTTP/1.1 200 OK.*Content-Type: $CT" "$(tr '\n' ' ' <<<"$h")"
long=$(head -c 100000 /dev/zero | tr '\0' a)
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$aport/$long")
t_match "100 KB request line: 4xx" '^4[0-9][0-9]$' "$code"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -H "X-Big: $long" "http://127.0.0.1:$aport/metrics")
t_match "100 KB header: 4xx" '^4[0-9][0-9]$' "$code"
# Connection limit (32): 40 idle connections; those past the limit get 503.
conns=()
sleep 0.3	# the curls above are closed and swept
for _ in $(seq 40); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$aport" && conns+=("$fd")
done
sleep 0.5
got503=0
for fd in "${conns[@]:32}"; do
	line=$(timeout 3 head -n1 <&"$fd" | tr -d '\r')
	[ "$line" = "HTTP/1.1 503 Service Unavailable" ] && got503=$((got503 + 1))
done
t_eq "connection limit: the 8 over the limit get 503" 8 "$got503"
for fd in "${conns[@]}"; do exec {fd}>&-; done
t_eq "connection limit: room again once they close" 200 \
	"$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$aport/metrics")"
# A slow client (half a request line, then nothing) is dropped after the
# 10 s timeout; meanwhile scrapes and events go on.
exec {slow}<>"/dev/tcp/127.0.0.1/$aport"
fds+=("$slow")
printf 'GET /metr' >&"$slow"
(
	s=$(date +%s)
	cat <&"$slow" >/dev/null
	echo $(($(date +%s) - s)) >"$work/slow.elapsed"
) &
pids+=($!)
t_eq "slow client: scrape still answered" 200 \
	"$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$aport/metrics")"
n0=$(wc -l <"$work/events.json")
"$WL" -q --direct --buf half --map shared "$mnt/s"
wait_until 3 test "$(wc -l <"$work/events.json")" -ge $((n0 + 2))
t_ge "slow client: events still processed" $((n0 + 2)) "$(wc -l <"$work/events.json")"

echo "== SIGHUP reopens the event log"
mv "$work/events.json" "$work/events.json.1"
old_lines=$(wc -l <"$work/events.json.1")
kill -HUP "$apid"
wait_until 5 test -e "$work/events.json"
t_eq "SIGHUP: new event log created" yes "$( [ -e "$work/events.json" ] && echo yes)"
"$WL" -q --direct --buf half --map shared "$mnt/h"
wait_until 5 test "$(ev_dev "$work/events.json" dio_retry)" -ge 1
t_eq "SIGHUP: new events go to the new file" 2 "$(jq -c --arg d "$dev" 'select(.dev == $d)' "$work/events.json" | wc -l)"
t_eq "SIGHUP: rotated file untouched" "$old_lines" "$(wc -l <"$work/events.json.1")"
t_eq "SIGHUP: daemon still running" 0 "$(kill -0 "$apid" 2>/dev/null; echo $?)"

echo "== Prometheus server"
pport=$(free_port)
mkdir -p "$work/prom"
cat >"$work/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: faultlock
    static_configs:
      - targets: ['127.0.0.1:$aport']
EOF
prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
	--web.listen-address="127.0.0.1:$pport" >"$work/prom/log" 2>&1 &
ppid_=$!
pids+=("$ppid_")
query() {	# query PROMQL: the first result's value, empty if none
	curl -sG --max-time 5 "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
if wait_until 60 curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$pport/-/ready"; then
	t_ok "prometheus: ready"
	wait_until 30 test "$(query 'up{job="faultlock"}')" = 1
	t_eq "prometheus: target up" 1 "$(query 'up{job="faultlock"}')"
	t_eq "prometheus: scrape without error" '"up" ""' \
		"$(curl -s --max-time 5 "http://127.0.0.1:$pport/api/v1/targets" | jq -c '.data.activeTargets[0] | .health, .lastError' | tr '\n' ' ' | sed 's/ $//')"
	q="faultlock_dio_retries_total{job=\"faultlock\",fstype=\"btrfs\",dev=\"$dev\",op=\"read\"}"
	wait_until 30 test -n "$(query "$q")"
	before=$(query "$q")
	t_ge "prometheus: dio_retries_total > 0" 1 "$before"
	"$WL" -q --direct --buf half --map shared "$mnt/p"
	wait_until 30 test "$(query "$q")" = "$((before + 1))"
	t_eq "prometheus: sees the next retry" "$((before + 1))" "$(query "$q")"
	t_eq "prometheus: hook_attached series" "$nr_hooks" "$(query 'count(faultlock_hook_attached)')"
else
	t_fail "prometheus: ready" "$(tail -n 20 "$work/prom/log")"
fi
stop "$ppid_" TERM
t_eq "prometheus: stopped" 0 "$rc"

echo "== slow client dropped"
wait_until 15 test -s "$work/slow.elapsed"
el=$(cat "$work/slow.elapsed" 2>/dev/null)
t_match "slow client: closed by the server after ~10 s (took ${el:-?} s)" '^(9|1[0-4])$' "${el:-}"

echo "== SIGTERM"
stop "$apid" TERM
t_eq "SIGTERM: exit 0" 0 "$rc"
t_eq "SIGTERM: no BPF link left" "$links_before" "$(links)"
t_eq "SIGTERM: event log ends with a full line" "" "$(tail -c1 "$work/events.json" | tr -d '\n')"
t_eq "SIGTERM: event log still valid JSON" "$(wc -l <"$work/events.json")" "$(jq -c . "$work/events.json" | wc -l)"
out=$(promtool check metrics <"$tf" 2>&1); rc=$?
t_eq "SIGTERM: final textfile promtool clean" "0:" "$rc:$out"
t_eq "SIGTERM: final textfile has the last values" 12 "$(value "$(cat "$tf")" "faultlock_dio_calls_total{$lbl,op=\"read\"}")"
t_eq "SIGTERM: nothing on stdout (events went to the file)" 0 "$(wc -c <"$work/A.out")"

echo "== idle daemon, SIGINT"
# With --stall-ms 0 nothing is scanned: an idle daemon never wakes.
if start_daemon B --listen 127.0.0.1:0 --stall-ms 0; then
	sleep 1
	c0=$(ctxt "$dpid") t0=$(cputicks "$dpid")
	sleep 10
	c1=$(ctxt "$dpid") t1=$(cputicks "$dpid")
	t_eq "idle 10 s: no wakeups (context switches)" 0 "$((c1 - c0))"
	t_eq "idle 10 s: no CPU time (ticks)" 0 "$((t1 - t0))"
	t_eq "idle: serving after a long idle" 200 \
		"$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$dport/metrics")"
	"$FL" daemon --listen "127.0.0.1:$dport" >/dev/null 2>"$work/err"; rc=$?
	t_eq "busy port: exit 3" 3 "$rc"
	t_eq "busy port: one line" "faultlock: cannot listen on 127.0.0.1:$dport: Address already in use" "$(cat "$work/err")"
	stop "$dpid" INT
	t_eq "SIGINT: exit 0" 0 "$rc"
fi

echo "== idle daemon, the lock_stall scan armed"
# A lock provider here (gfs2 or btrfs): the default --stall-ms (5000)
# scans the wait slots every 1250 ms, and nothing else wakes it.
if [ "$(jq '.events[] | select(.type=="lock_stall") | .available' <<<"$check_json")" = true ]; then
	scans='^([6-9]|10)$'
else
	scans='^0$'
fi
if start_daemon E --listen 127.0.0.1:0; then
	sleep 1
	c0=$(ctxt "$dpid")
	sleep 10
	c1=$(ctxt "$dpid")
	t_match "idle 10 s, lock_stall scan: its ticks only ($((c1 - c0)) wakeups)" "$scans" "$((c1 - c0))"
	stop "$dpid" TERM
	t_eq "scanning idle daemon: SIGTERM exit 0" 0 "$rc"
fi

echo "== --no-listen --events - --textfile"
if start_daemon C --no-listen --events - --textfile "$work/c.prom" --interval 1 --stall-ms 0; then
	cpid=$dpid
	t_nomatch "no-listen: no HTTP socket" "serving" "$(cat "$work/C.err")"
	c0=$(ctxt "$cpid")
	sleep 5
	c1=$(ctxt "$cpid")
	t_match "timer only: about one wakeup per --interval ($((c1 - c0)) in 5 s)" '^([3-9]|1[0-2])$' "$((c1 - c0))"
	"$WL" -q --direct --buf half --map shared "$mnt/c"
	wait_until 5 grep -q dio_retry "$work/C.out"
	t_eq "--events -: JSON lines on stdout" 2 "$(jq -c --arg d "$dev" 'select(.dev == $d)' "$work/C.out" | wc -l)"
	wait_until 5 grep -q "faultlock_dio_retries_total{$lbl,op=\"read\"}" "$work/c.prom"
	t_ge "textfile without HTTP" 1 "$(value "$(cat "$work/c.prom")" "faultlock_dio_retries_total{$lbl,op=\"read\"}")"
	stop "$cpid" TERM
	t_eq "SIGTERM with --events -: exit 0" 0 "$rc"
fi

echo "== IPv6"
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	if start_daemon D --listen '[::1]:0'; then
		t_match "IPv6: ready line" 'serving http://\[::1\]:[0-9]+/metrics' "$(cat "$work/D.err")"
		t_eq "IPv6: scrape [::1]" 200 "$(curl -sg --max-time 5 -o /dev/null -w '%{http_code}' "http://[::1]:$dport/metrics")"
		stop "$dpid" TERM
	t_eq "IPv6: SIGTERM exit 0" 0 "$rc"
	fi
else
	t_ok "IPv6: skipped (no ::1 on lo)"
fi
t_eq "all daemons gone: no BPF link left" "$links_before" "$(links)"

echo "== make install, systemd unit, man page"
root=$work/root
make -C "$top" -s install DESTDIR="$root" PREFIX=/usr/local >"$work/install.log" 2>&1
t_eq "make install: exit 0" 0 $?
for f in sbin/faultlock share/man/man8/faultlock.8 lib/systemd/system/faultlock.service; do
	if [ -f "$root/usr/local/$f" ]; then t_ok "installed $f"; else t_fail "installed $f"; fi
done
# systemd-analyze verify on the installed tree: the ExecStart binary, the
# man page of Documentation= (MANPATH) and the units it depends on must exist.
mkdir -p "$root/usr/lib/systemd" "$root/usr/bin" "$root/etc/systemd/system"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp /usr/bin/kill "$root/usr/bin/"
ln -sfn usr/bin "$root/bin"
out=$(MANPATH=$root/usr/local/share/man systemd-analyze verify --root="$root" faultlock.service 2>&1); rc=$?
t_eq "systemd-analyze verify: clean (no warnings)" "0:" "$rc:$out"
unit=$(cat "$top/packaging/faultlock.service")
t_match "unit: runs the daemon" '^ExecStart=/usr/local/sbin/faultlock daemon' "$unit"
t_match "unit: restarts on failure" '^Restart=on-failure' "$unit"
t_match "unit: bounded capabilities incl. CAP_BPF" '^CapabilityBoundingSet=.*CAP_BPF' "$unit"
out=$(systemd-analyze security --offline=yes --root="$root" faultlock.service 2>&1 | tail -n1)
t_match "unit: hardened (systemd-analyze security: OK or better)" 'Overall exposure level for faultlock.service: [0-4]\.[0-9] ' "$out"
make -C "$top" -s install DESTDIR="$work/root-usr" PREFIX=/usr >"$work/install-usr.log" 2>&1
t_match "make install PREFIX=/usr: the unit starts /usr/sbin/faultlock" '^ExecStart=/usr/sbin/faultlock daemon' \
	"$(cat "$work/root-usr/usr/lib/systemd/system/faultlock.service" 2>/dev/null)"
man=$(MANWIDTH=80 man -l "$top/docs/faultlock.8" 2>/dev/null)
t_match "man page: daemon command" 'faultlock daemon' "$man"
for o in --listen --no-listen --events --textfile --interval; do
	t_match "man page: $o" "$o" "$man"
done
out=$(groff -man -ww -z "$top/docs/faultlock.8" 2>&1)
t_eq "man page: groff -ww has no warnings" "" "$out"

t_done daemon

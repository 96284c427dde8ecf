#!/usr/bin/env bash
# san tier: the ASan+UBSan build of faultlock (.output/san/faultlock, `make
# san`) running the commands of the host and daemon tiers on this machine's
# kernel: check, trace (JSON and text, the btrfs DIO retry workload on a
# loop-mounted btrfs, -p, -a, SIGTERM), the bad-input cases, and the daemon
# (HTTP scrapes, the connection limit, a slow client, SIGHUP, SIGTERM, the
# textfile, --no-listen, IPv6). Every run's stderr is checked for a
# sanitizer report and its exit status for the sanitizers' (99); leaks are
# checked at every exit (LeakSanitizer). Nothing is suppressed: libbpf and
# libevent leave nothing unreachable at exit, and every report is fatal. A
# canary (tests/san/canary.c) proves a leak is caught in trace and in the
# daemon after its capability drop.
# Needs root. Every wait is bounded; every process and mount is cleaned up.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
FL=${FAULTLOCK_SAN_BIN:-$top/.output/san/faultlock}
CANARY=$(dirname "$FL")/canary.so
WL=${WORKLOAD_DIR:-$top/.output/workloads}/fl-mmapio
SAN_EXIT=99

if [ "$(id -u)" -ne 0 ]; then
	echo "san tests need root (loop mounts, BPF)" >&2
	exit 1
fi
for f in "$FL" "$WL"; do
	[ -x "$f" ] || { echo "missing $f: run make san first" >&2; exit 1; }
done
[ -f "$CANARY" ] || { echo "missing $CANARY: run make san first" >&2; exit 1; }
missing=""
for t in curl jq promtool bpftool mkfs.btrfs setpriv; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	t_fail "tools present" "missing:$missing (scripts/install-deps.sh installs them)"
	t_done san
	exit 1
fi

# Every sanitizer report is fatal and ends the process with SAN_EXIT; leaks
# are checked at exit. No log_path: a report goes to the run's stderr file,
# which is checked below (a forked child's too).
export ASAN_OPTIONS="detect_leaks=1:exitcode=$SAN_EXIT:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:print_summary=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=$SAN_EXIT"
export LSAN_OPTIONS="exitcode=$SAN_EXIT"
SAN_RE='^==[0-9]+==(ERROR|WARNING): [A-Za-z]*Sanitizer|runtime error: |^SUMMARY: [A-Za-z]*Sanitizer|Sanitizer has encountered a fatal error'

work=$(mktemp -d /tmp/faultlock-san.XXXXXX)
chmod 755 "$work"
pids=()
mounts=()
cleanup() {
	local p _
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


# san_clean NAME ERRFILE RC: no sanitizer report in ERRFILE, RC not theirs.
san_clean() {
	if grep -Eq "$SAN_RE" "$2" || [ "$3" = "$SAN_EXIT" ]; then
		t_fail "$1: no sanitizer report" "exit $3" "$(grep -E -m1 -A40 "$SAN_RE" "$2" | head -n 40)"
	else
		t_ok "$1: no sanitizer report"
	fi
}
# run NAME EXPECTED-RC CMD...: runs CMD (60 s at most), stdout to
# $work/NAME.out, stderr to $work/NAME.err; checks the exit status and that
# no sanitizer spoke. Sets $rc.
run() {
	local name=$1 want=$2
	shift 2
	timeout -k 5 60 "$@" >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	t_eq "$name: exit $want" "$want" "$rc"
	san_clean "$name" "$work/$name.err" "$rc"
}
# bad NAME EXPECTED-RC REGEX CMD...: a refused command line: exit status, one
# line saying why (matching REGEX; argp's "Try ... --help" hint aside).
bad() {
	local name=$1 want=$2 re=$3 lines
	shift 3
	run "$name" "$want" "$@"
	lines=$(grep -vc '^Try `[a-z]* --help'"'"' or `[a-z]* --usage'"'"' for more information\.$' "$work/$name.err")
	t_eq "$name: one line on stderr" 1 "$lines"
	t_match "$name: says why" "$re" "$(head -n 1 "$work/$name.err")"
}
# shellcheck source=../lib/daemon.sh
STOP_SECONDS=15	# LSan runs at exit
. "$top/tests/lib/daemon.sh"
summary() { jq -r -s "map(select(.type==\"summary\"))[0]$2" "$1"; }
events() { jq -r -s "map(select(.type==\"$2\") | (.events // 1)) | add // 0" "$1"; }
# expect_counts NAME FILE calls partial retries retry_bytes (a trace --json output)
expect_counts() {
	t_eq "$1: dio calls, partials, retries, retry bytes" "$3 $4 $5 $6" \
		"$(summary "$2" '.counts | "\(.dio_calls) \(.dio_partial) \(.dio_retries) \(.dio_retry_bytes)"')"
	t_eq "$1: events match the counts, none lost" "$4 $5 0" \
		"$(events "$2" dio_partial) $(events "$2" dio_retry) $(summary "$2" .counts.lost_events)"
}

links_before=$(links)

echo "== the build"
t_match "sanitized build: ASan runtime linked" 'libasan' "$(ldd "$FL" 2>&1)"
t_match "sanitized build: UBSan runtime linked" 'libubsan' "$(ldd "$FL" 2>&1)"

echo "== the canary: a leak is caught"
# LD_PRELOAD puts the canary ahead of libasan: tell ASan that is fine.
canary_env=(env LD_PRELOAD="$CANARY" ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0")
timeout -k 5 60 "${canary_env[@]}" "$FL" trace -- true >/dev/null 2>"$work/canary-trace.err"
rc=$?
t_eq "canary in trace: the sanitizers' exit status" "$SAN_EXIT" "$rc"
t_match "canary in trace: LeakSanitizer reports its block" \
	'^(SUMMARY: AddressSanitizer: 4242 byte\(s\) leaked in 1 allocation|Direct leak of 4242 byte)' "$(cat "$work/canary-trace.err")"

echo "== check, --version, --help"
run "check" 0 "$FL" check
t_match "check: the hook table" '^iomap_dio_rw_begin +tp_btf +ok' "$(cat "$work/check.out")"
run "check --json" 0 "$FL" check --json
t_ge "check --json: valid JSON with its hooks" 13 "$(jq '.hooks | length' "$work/check --json.out")"
run "check --btf" 0 "$FL" check --json --btf /sys/kernel/btf/vmlinux
# The iomap hooks' function stand-ins: 0, or 3 where this kernel has
# neither (then no event type is left), as on the CI host.
n="FAULTLOCK_HOOK_MODES stand-ins"
FAULTLOCK_HOOK_MODES=iomap_dio_rw_begin=kprobe,iomap_dio_complete=fentry timeout -k 5 60 "$FL" check \
	>"$work/$n.out" 2>"$work/$n.err"
rc=$?
t_match "$n: exit 0 or 3" '^(0|3)$' "$rc"
san_clean "$n" "$work/$n.err" "$rc"
t_match "FAULTLOCK_HOOK_MODES stand-ins: tried, or why not" \
	'^iomap_dio_rw_begin +(kprobe +ok|- +unavailable \(kprobe: .+; limited by FAULTLOCK_HOOK_MODES: kprobe\))' \
	"$(cat "$work/FAULTLOCK_HOOK_MODES stand-ins.out")"
run "--version" 0 "$FL" --version
run "--help" 0 "$FL" --help
for c in check trace daemon; do
	run "$c --help" 0 "$FL" "$c" --help
	run "$c --usage" 0 "$FL" "$c" --usage
done

echo "== bad input"
run "no command" 2 "$FL"
t_match "no command: the usage" '^Usage: faultlock COMMAND' "$(cat "$work/no command.err")"
bad "unknown command" 2 "unknown command 'frobnicate'" "$FL" frobnicate
bad "--stall-ms not a number" 2 "invalid --stall-ms 'soon'" "$FL" trace --stall-ms soon -- true
bad "--stall-ms negative (daemon)" 2 "invalid --stall-ms '-5'" "$FL" daemon --no-listen --stall-ms -5
bad "--ringbuf-size not a power of 2" 2 'ring buffer size must be a power of 2' "$FL" trace --ringbuf-size 12288 -- true
bad "--livelock-count too small" 2 "invalid --livelock-count '2'" "$FL" trace --livelock-count 2 -- true
bad "--fs bad name" 2 "'ext4;rm' is not a file system type name" "$FL" trace --fs 'ext4;rm' -- true
bad "--fs five types (daemon)" 2 'at most 4 file system types' "$FL" daemon --no-listen --fs a,b,c,d,e
bad "--fs empty name" 2 "empty name after ','" "$FL" trace --fs btrfs, -- true
bad "--cgroup not cgroup2" 2 '--cgroup /tmp: not a cgroup v2 directory' "$FL" trace --cgroup /tmp -- true
bad "--cgroup missing" 2 '--cgroup /nonexistent: No such file' "$FL" trace --cgroup /nonexistent -- true
bad "--btf missing file" 2 '--btf /nonexistent/btf: not a BTF' "$FL" trace --btf /nonexistent/btf -- true
bad "--btf not BTF (check)" 2 '--btf /etc/passwd: not a BTF' "$FL" check --btf /etc/passwd
bad "--btf not BTF (daemon)" 2 '--btf /etc/passwd: not a BTF' "$FL" daemon --no-listen --btf /etc/passwd
bad "unknown flag" 2 "unrecognized option '--bogus'" "$FL" trace --bogus -- true
bad "bad duration" 2 "invalid duration 'abc'" "$FL" trace -d abc -a
bad "pid 0" 2 "invalid PID '0'" "$FL" trace -p 0
bad "no target" 2 'give exactly one target' "$FL" trace
bad "two targets" 2 'give exactly one target' "$FL" trace -a -p 1 -d 1
bad "missing CMD" 2 '^faultlock: /nonexistent/cmd: command not found$' "$FL" trace -- /nonexistent/cmd
bad "pid out of range" 2 'no process with pid 999999999' "$FL" trace -p 999999999
bad "FAULTLOCK_HOOK_MODES bad mode" 2 "unknown mode 'fast'" env FAULTLOCK_HOOK_MODES=iomap_dio_rw_begin=fast "$FL" check
bad "FAULTLOCK_HOOK_MODES unknown hook" 2 "no hook named 'nope'" env FAULTLOCK_HOOK_MODES=nope=kprobe "$FL" trace -- true
bad "FAULTLOCK_HOOK_MODES not HOOK=MODE" 2 "'tp_btf' is not HOOK=MODE" env FAULTLOCK_HOOK_MODES=tp_btf "$FL" check
bad "daemon stray argument" 2 "unexpected argument 'extra'" "$FL" daemon extra
bad "--listen name" 2 "'localhost' is not a numeric IPv4 address" "$FL" daemon --listen localhost:9477
bad "--listen without port" 2 'expected ADDR:PORT' "$FL" daemon --listen 127.0.0.1
bad "--listen bare IPv6" 2 'needs brackets' "$FL" daemon --listen ::1:9477
bad "--listen port range" 2 "invalid port '65536'" "$FL" daemon --listen 127.0.0.1:65536
bad "--listen unknown zone" 2 "unknown interface 'nosuchif0'" "$FL" daemon --listen '[fe80::1%nosuchif0]:1'
bad "--listen zone not a number" 2 "unknown interface '4294967297'" "$FL" daemon --listen '[fe80::1%4294967297]:1'
bad "--listen with --no-listen" 2 'exclude each other' "$FL" daemon --listen 127.0.0.1:1 --no-listen --textfile "$work/x.prom"
bad "--no-listen alone" 2 'nothing to do' "$FL" daemon --no-listen
bad "--interval 0" 2 "invalid interval '0'" "$FL" daemon --textfile "$work/x.prom" --interval 0
bad "--interval without --textfile" 2 'give --textfile too' "$FL" daemon --interval 5
bad "unwritable --events" 3 '^faultlock: cannot open the event log /nonexistent/dir/ev.json: No such file or directory$' \
	"$FL" daemon --events /nonexistent/dir/ev.json
bad "unwritable --textfile" 3 '^faultlock: cannot write the textfile /nonexistent/dir/x.prom' \
	"$FL" daemon --textfile /nonexistent/dir/x.prom
cp "$FL" "$work/faultlock-unpriv"; chmod 755 "$work/faultlock-unpriv"
bad "unprivileged trace" 3 'needs root' setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$work/faultlock-unpriv" trace -- true
bad "unprivileged daemon" 3 'needs root' setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$work/faultlock-unpriv" daemon
t_eq "bad input: no BPF link left" "$links_before" "$(links)"

echo "== trace"
run "trace --json -- true" 0 "$FL" trace --json -- true
t_eq "trace --json -- true: ready first, summary last" "ready summary" \
	"$(jq -r -s '"\(.[0].type) \(.[-1].type)"' "$work/trace --json -- true.out")"
run "trace -- true (text)" 0 "$FL" trace -- true
t_match "trace text: the report" 'Direct I/O per file system' "$(cat "$work/trace -- true (text).out")"
run "trace: CMD exit status" 0 "$FL" trace --json -- sh -c 'exit 7'
t_eq "trace: CMD exit code reported" 7 "$(summary "$work/trace: CMD exit status.out" .child_status.exit_code)"
run "trace: CMD killed" 0 "$FL" trace --json -- sh -c 'kill -SEGV $$'
t_eq "trace: CMD signal reported" 11 "$(summary "$work/trace: CMD killed.out" .child_status.signal)"
# SIGTERM while it runs: the cleanup path of a trace cut short.
"$FL" trace -- sleep 30 >"$work/term.out" 2>"$work/term.err" &
flpid=$!
pids+=("$flpid")
wait_until 20 grep -qs 'Ctrl-C to stop' "$work/term.err"
sleep 0.5
kill -TERM "$flpid"
wait "$flpid"; rc=$?
t_eq "trace SIGTERM: exit 0" 0 "$rc"
san_clean "trace SIGTERM" "$work/term.err" "$rc"
t_match "trace SIGTERM: the report printed" 'Direct I/O per file system' "$(cat "$work/term.out")"

echo "== btrfs"
img=$work/btrfs.img mnt=$work/btrfs
truncate -s 512M "$img" && mkdir -p "$mnt" && mkfs.btrfs -q -f "$img" >/dev/null 2>&1 &&
	mount -o loop "$img" "$mnt" && mounts+=("$mnt")
if mountpoint -q "$mnt"; then
	for map in private shared; do
		n="trace --json btrfs half $map"
		run "$n" 0 "$FL" trace --json -- "$WL" -q --direct --buf half --map "$map" "$mnt/f"
		expect_counts "$n" "$work/$n.out" 2 1 1 16384
		t_eq "$n: retry carries done_before" 16384 \
			"$(jq -s 'map(select(.type=="dio_retry"))[0].done_before' "$work/$n.out")"
	done
	n="trace text btrfs half shared"
	run "$n" 0 "$FL" trace -- "$WL" -q --direct --buf half --map shared "$mnt/f"
	t_match "$n: per-fs row" '^btrfs +[0-9]+:[0-9]+ +read +2 +1 +1 +16384 +0$' "$(cat "$work/$n.out")"
	t_match "$n: retry line" 'dio_retry .* resumes with 16384 bytes done' "$(cat "$work/$n.out")"
	n="trace --json --stacks btrfs hole"
	run "$n" 0 "$FL" trace --json --stacks -- "$WL" -q --direct --buf hole --map private "$mnt/f"
	expect_counts "$n" "$work/$n.out" 2 1 1 0
	t_ge "$n: same_file_fault" 1 "$(summary "$work/$n.out" .counts.same_file_fault)"
	t_match "$n: a symbolized stack" '"stack":\["[a-z_]' "$(grep same_file_fault "$work/$n.out")"
	n="trace --stacks text btrfs hole"
	run "$n" 0 "$FL" trace --stacks -- "$WL" -q --direct --buf hole --map private "$mnt/f"
	t_match "$n: same_file_fault line" 'same_file_fault' "$(cat "$work/$n.out")"
	n="trace --json --repeat 3 btrfs"
	run "$n" 0 "$FL" trace --json -- "$WL" -q --direct --buf half --map shared --repeat 3 "$mnt/f"
	expect_counts "$n" "$work/$n.out" 6 3 3 49152
	n="trace --json --fs --no-task-storage btrfs"
	run "$n" 0 "$FL" trace --json --fs xfs,btrfs --no-task-storage --ringbuf-size 65536 -- \
		"$WL" -q --direct --buf half --map shared "$mnt/f"
	expect_counts "$n" "$work/$n.out" 2 1 1 16384
	n="trace --json --fs other btrfs"
	run "$n" 0 "$FL" trace --json --fs ext4 -- "$WL" -q --direct --buf half --map shared "$mnt/f"
	expect_counts "$n" "$work/$n.out" 0 0 0 0
	n="trace --json --btf FILE btrfs"
	cp /sys/kernel/btf/vmlinux "$work/vmlinux.btf"
	run "$n" 0 "$FL" trace --json --btf "$work/vmlinux.btf" -- "$WL" -q --direct --buf half --map shared "$mnt/f"
	expect_counts "$n" "$work/$n.out" 2 1 1 16384
	n="trace --json btrfs nocow write"
	mkdir "$mnt/nocow" && chattr +C "$mnt/nocow"
	run "$n" 0 "$FL" trace --json -- "$WL" -q --op write --direct --buf half --map shared "$mnt/nocow/f"
	expect_counts "$n" "$work/$n.out" 2 1 1 16384
	cg_root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -n "$cg_root" ]; then
		cg=$cg_root/faultlock-san.$$
		mkdir "$cg"
		n="trace --json --cgroup btrfs"
		run "$n" 0 "$FL" trace --json --cgroup "$cg" -- sh -c '
			"$1" -q --direct --buf half --map shared "$3/f" || exit 1
			echo $$ >"$2/cgroup.procs" || exit 2
			"$1" -q --direct --buf half --map shared "$3/f"' sh "$WL" "$cg" "$mnt"
		expect_counts "$n" "$work/$n.out" 2 1 1 16384
		sleep 0.2; rmdir "$cg"
	fi
	# -p PID: a process that waits for a go file, then does the retry workload.
	sh -c "while [ ! -e $work/go ]; do sleep 0.1; done; exec $WL -q --direct --buf half --map shared $mnt/p" &
	target=$!
	"$FL" trace --json -p "$target" >"$work/pid.out" 2>"$work/pid.err" &
	flpid=$!
	pids+=("$flpid")
	wait_until 20 grep -q '^{"type":"ready"' "$work/pid.out"
	touch "$work/go"; wait "$target"
	wait "$flpid"; rc=$?
	t_eq "trace -p: exit 0" 0 "$rc"
	san_clean "trace -p" "$work/pid.err" "$rc"
	expect_counts "trace -p" "$work/pid.out" 2 1 1 16384
	"$FL" trace --json -a -d 2 >"$work/all.out" 2>"$work/all.err" &
	flpid=$!
	pids+=("$flpid")
	wait_until 20 grep -q '^{"type":"ready"' "$work/all.out"
	"$WL" -q --direct --buf half --map shared "$mnt/a"
	wait "$flpid"; rc=$?
	t_eq "trace -a -d 2: exit 0" 0 "$rc"
	san_clean "trace -a -d 2" "$work/all.err" "$rc"
	t_ge "trace -a -d 2: sees the retry" 1 "$(summary "$work/all.out" .counts.dio_retries)"
else
	t_fail "btrfs loop mount"
fi
t_eq "trace: no BPF link left" "$links_before" "$(links)"

echo "== daemon"

if mountpoint -q "$mnt"; then
	dev=$(findmnt -n -o MAJ:MIN "$mnt" | tr -d ' ')
	lbl="fstype=\"btrfs\",dev=\"$dev\""
	mkdir -p "$work/tf"
	if start_daemon A --listen 127.0.0.1:0 --events "$work/events.json" --stacks \
		--textfile "$work/tf/faultlock.prom" --interval 1; then
		apid=$dpid aport=$dport
		# A slow client (half a request line, then nothing): dropped by the
		# 10 s timeout while the rest runs.
		exec {slow}<>"/dev/tcp/127.0.0.1/$aport"
		printf 'GET /metr' >&"$slow"
		(s=$(date +%s); cat <&"$slow" >/dev/null; echo $(($(date +%s) - s)) >"$work/slow.elapsed") &
		pids+=($!)
		exec {slow}>&-
		t_eq "daemon: scrape 200" 200 "$(code "http://127.0.0.1:$aport/metrics")"
		"$WL" -q --direct --buf half --map shared "$mnt/d1"
		"$WL" -q --direct --buf hole --map private "$mnt/d2"
		m=$(curl -sS --max-time 5 "http://127.0.0.1:$aport/metrics")
		t_eq "daemon: dio_retries_total after the workloads" 2 "$(value "$m" "faultlock_dio_retries_total{$lbl,op=\"read\"}")"
		t_eq "daemon: dio_retry_bytes_total" 16384 "$(value "$m" "faultlock_dio_retry_bytes_total{$lbl,op=\"read\"}")"
		out=$(promtool check metrics <<<"$m" 2>&1)
		t_eq "daemon: promtool check metrics clean" "0:" "$?:$out"
		t_match "daemon: HEAD /metrics 200" '^HTTP/1.1 200 OK' "$(curl -sS --max-time 5 -I "http://127.0.0.1:$aport/metrics")"
		t_eq "daemon: / 200" 200 "$(code "http://127.0.0.1:$aport/")"
		t_eq "daemon: /nope 404" 404 "$(code "http://127.0.0.1:$aport/nope")"
		t_eq "daemon: POST 405" 405 "$(code -d x "http://127.0.0.1:$aport/metrics")"
		t_eq "daemon: DELETE 405" 405 "$(code -X DELETE "http://127.0.0.1:$aport/")"
		t_eq "daemon: query string" 200 "$(code "http://127.0.0.1:$aport/metrics?x=%zz&y")"
		long=$(head -c 100000 /dev/zero | tr '\0' a)
		t_match "daemon: 100 KB request line 4xx" '^4[0-9][0-9]$' "$(code "http://127.0.0.1:$aport/$long")"
		t_match "daemon: 100 KB header 4xx" '^4[0-9][0-9]$' "$(code -H "X-Big: $long" "http://127.0.0.1:$aport/metrics")"
		t_match "daemon: 2 KB body 4xx" '^4[0-9][0-9]$' "$(code --data-binary "${long:0:2048}" "http://127.0.0.1:$aport/metrics")"
		# Raw requests: pipelined, malformed, a client gone before the answer.
		raw() {	# raw NAME BYTES: the status lines the daemon answers BYTES with
			local fd
			exec {fd}<>"/dev/tcp/127.0.0.1/$aport" || return
			printf '%b' "$2" >&"$fd"
			timeout 5 cat <&"$fd" | tr -d '\r' | grep -E '^HTTP/1\.[01] [0-9]{3}' | awk '{ print $2 }' | tr '\n' ' ' | sed 's/ $//'
			exec {fd}>&-
		}
		t_eq "daemon: pipelined GET, HEAD, 404, close" "200 200 404" \
			"$(raw pipelined 'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')"
		t_match "daemon: garbage request 400" '^400$' "$(raw garbage '\x01\x02 \xff\r\n\r\n')"
		t_match "daemon: HTTP/1.0 GET 200" '^200$' "$(raw http10 'GET /metrics HTTP/1.0\r\n\r\n')"
		t_match "daemon: bad Content-Length 400" '^400$' "$(raw clen 'POST /metrics HTTP/1.1\r\nContent-Length: -5\r\n\r\n')"
		for _ in 1 2 3; do	# the answer goes to a closed socket
			exec {fd}<>"/dev/tcp/127.0.0.1/$aport" && printf 'GET /metrics HTTP/1.1\r\n\r\n' >&"$fd" && exec {fd}>&-
		done
		# Connection limit (32): 40 idle connections; those past it get 503.
		conns=()
		sleep 0.3
		for _ in $(seq 40); do
			exec {fd}<>"/dev/tcp/127.0.0.1/$aport" && conns+=("$fd")
		done
		sleep 0.5
		got503=0
		for fd in "${conns[@]:32}"; do
			line=$(timeout 3 head -n1 <&"$fd" | tr -d '\r')
			[ "$line" = "HTTP/1.1 503 Service Unavailable" ] && got503=$((got503 + 1))
		done
		for fd in "${conns[@]}"; do exec {fd}>&-; done
		t_eq "daemon: connection limit, 8 over it get 503" 8 "$got503"
		t_eq "daemon: room again once they close" 200 "$(code "http://127.0.0.1:$aport/metrics")"
		# Busy port: a second daemon on the same one fails cleanly.
		bad "daemon busy port" 3 "cannot listen on 127.0.0.1:$aport: Address already in use" \
			"$FL" daemon --listen "127.0.0.1:$aport"
		# SIGHUP reopens the event log.
		mv "$work/events.json" "$work/events.json.1"
		kill -HUP "$apid"
		wait_until 5 test -e "$work/events.json"
		"$WL" -q --direct --buf half --map shared "$mnt/d3"
		wait_until 5 grep -q dio_retry "$work/events.json"
		t_eq "daemon SIGHUP: new events in the new file" 2 \
			"$(jq -c --arg d "$dev" 'select(.dev == $d)' "$work/events.json" 2>/dev/null | wc -l)"
		t_ge "daemon --stacks: stacks in the event log" 1 "$(grep -c '"stack":\[' "$work/events.json.1")"
		wait_until 5 grep -q "faultlock_dio_retries_total{$lbl,op=\"read\"} 3" "$work/tf/faultlock.prom"
		t_eq "daemon --textfile: current values" 3 \
			"$(value "$(cat "$work/tf/faultlock.prom")" "faultlock_dio_retries_total{$lbl,op=\"read\"}")"
		wait_until 15 test -s "$work/slow.elapsed"
		t_match "daemon: slow client dropped after ~10 s" '^(9|1[0-4])$' "$(cat "$work/slow.elapsed" 2>/dev/null)"
		t_eq "daemon: every connection gone" 200 "$(code "http://127.0.0.1:$aport/metrics")"
		stop "$apid" TERM
		t_eq "daemon SIGTERM: exit 0" 0 "$rc"
		san_clean "daemon A (HTTP, events, textfile, SIGHUP, SIGTERM)" "$work/A.err" "$rc"
		t_eq "daemon SIGTERM: event log valid JSON" "$(wc -l <"$work/events.json")" "$(jq -c . "$work/events.json" | wc -l)"
		out=$(promtool check metrics <"$work/tf/faultlock.prom" 2>&1)
		t_eq "daemon SIGTERM: final textfile promtool clean" "0:" "$?:$out"
	fi
	if start_daemon C --no-listen --events - --textfile "$work/c.prom" --interval 1; then
		"$WL" -q --direct --buf half --map shared "$mnt/c"
		wait_until 5 grep -q dio_retry "$work/C.out"
		t_eq "daemon --events -: JSON lines on stdout" 2 "$(jq -c --arg d "$dev" 'select(.dev == $d)' "$work/C.out" | wc -l)"
		wait_until 5 grep -q "faultlock_dio_retries_total{$lbl,op=\"read\"}" "$work/c.prom"
		stop "$dpid" INT
		t_eq "daemon --no-listen SIGINT: exit 0" 0 "$rc"
		san_clean "daemon C (--no-listen --events - --textfile, SIGINT)" "$work/C.err" "$rc"
	fi
else
	t_fail "daemon: btrfs mount (see above)"
fi
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	if start_daemon D --listen '[::1]:0' --fs btrfs; then
		t_eq "daemon IPv6: scrape [::1]" 200 "$(curl -sg --max-time 5 -o /dev/null -w '%{http_code}' "http://[::1]:$dport/metrics")"
		stop "$dpid" TERM
		t_eq "daemon IPv6: SIGTERM exit 0" 0 "$rc"
		san_clean "daemon D (IPv6)" "$work/D.err" "$rc"
	fi
fi
# The canary in the daemon: leak detection still works after the capability
# drop, through a scrape and SIGTERM.
"${canary_env[@]}" "$FL" daemon --listen 127.0.0.1:0 >"$work/E.out" 2>"$work/E.err" &
dpid=$!
pids+=("$dpid")
if wait_until 20 grep -qs 'hooks attached' "$work/E.err"; then
	dport=$(grep -o 'http://[^ ]*/metrics' "$work/E.err" | sed -E 's|.*:([0-9]+)/metrics|\1|')
	t_eq "canary in daemon: scrape 200" 200 "$(code "http://127.0.0.1:$dport/metrics")"
	t_eq "canary in daemon: no capability left" 0000000000000000 "$(awk '/^CapEff/ { print $2 }' "/proc/$dpid/status")"
	stop "$dpid" TERM
	t_eq "canary in daemon: the sanitizers' exit status" "$SAN_EXIT" "$rc"
	t_match "canary in daemon: LeakSanitizer reports its block" \
		'^(SUMMARY: AddressSanitizer: 4242 byte\(s\) leaked in 1 allocation|Direct leak of 4242 byte)' "$(cat "$work/E.err")"
else
	t_fail "canary in daemon: ready" "$(head -n 40 "$work/E.err")"
fi
t_eq "daemon: no BPF link left" "$links_before" "$(links)"

t_done san

#!/usr/bin/env bash
# Host integration tests: the real faultlock binary on this machine's kernel,
# on loop-mounted ext4, xfs and btrfs, with the fl-mmapio workloads.
# Needs root. Counts are asserted exactly where the kernel's behaviour is
# exact (see tests/workloads/README.md for why each number is what it is).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
FL=${FAULTLOCK_BIN:-$top/faultlock}
WL=${WORKLOAD_DIR:-$top/.output/workloads}/fl-mmapio

if [ "$(id -u)" -ne 0 ]; then
	echo "host tests need root (loop mounts, BPF)" >&2
	exit 1
fi
for f in "$FL" "$WL"; do
	[ -x "$f" ] || { echo "missing $f: run make first" >&2; exit 1; }
done

work=$(mktemp -d /tmp/faultlock-host.XXXXXX)
mounts=()
cleanup() {
	for m in "${mounts[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

mkfs_mount() {	# mkfs_mount FSTYPE → sets $mnt
	local fs=$1 img=$work/$1.img
	mnt=$work/$1
	truncate -s 512M "$img"
	mkdir -p "$mnt"
	case $fs in
	btrfs) mkfs.btrfs -q -f "$img" >/dev/null 2>&1 ;;
	xfs) mkfs.xfs -q -f "$img" >/dev/null ;;
	ext4) mkfs.ext4 -q -F "$img" >/dev/null ;;
	esac || return 1
	mount -o loop "$img" "$mnt" || return 1
	mounts+=("$mnt")
}

# trace_json OUTFILE WORKLOAD-ARGS... : runs the workload under trace --json
trace_json() {
	local out=$1; shift
	"$FL" trace --json -- "$WL" -q "$@" >"$out" 2>"$out.err"
	echo $? >"$out.rc"
}
wait_ready() {	# wait_ready FILE: until trace --json's ready line is in FILE (10 s at most)
	local i
	for i in $(seq 100); do
		grep -q '^{"type":"ready"' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	t_fail "no ready line in $1 within 10 s"
	return 1
}
summary() {	# summary FILE JQ-PATH
	jq -r -s "map(select(.type==\"summary\"))[0]$2" "$1"
}
events() {	# events FILE TYPE → count of such events (a folded line says how many it stands for)
	jq -r -s "map(select(.type==\"$2\") | (.events // 1)) | add // 0" "$1"
}
lines() {	# lines FILE TYPE → count of such event lines
	jq -r -s "map(select(.type==\"$2\")) | length" "$1"
}
# memcg_make STATEFILE LIMIT: a memory cgroup limited to LIMIT (cgroup v2
# or v1, whichever has the memory controller); its path goes to STATEFILE.
memcg_make() {
	local v2 v1 cg
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/mounts)
	if [ -n "$v2" ] && grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
		echo +memory >"$v2/cgroup.subtree_control" 2>/dev/null
		cg=$v2/faultlock-pressure.$$
		mkdir "$cg" && echo "$2" >"$cg/memory.max" || return 1
	elif [ -n "$v1" ]; then
		cg=$v1/faultlock-pressure.$$
		mkdir "$cg" && echo "$2" >"$cg/memory.limit_in_bytes" || return 1
	else
		return 1
	fi
	echo "$cg" >"$1"
}
memcg_ooms() {	# memcg_ooms STATEFILE → how many tasks the cgroup's OOM killer killed
	local cg
	cg=$(cat "$1")
	if [ -f "$cg/memory.events" ]; then
		awk '$1 == "oom_kill" { print $2 }' "$cg/memory.events"
	else
		awk '$1 == "oom_kill" { print $2 }' "$cg/memory.oom_control"
	fi
}
memcg_rm() {	# memcg_rm STATEFILE: remove the cgroup once its last task is gone
	local cg i
	cg=$(cat "$1")
	for i in $(seq 50); do
		rmdir "$cg" 2>/dev/null && return 0
		sleep 0.1
	done
	rmdir "$cg"
}
memcg_hits() {	# memcg_hits STATEFILE → how often the cgroup hit its limit
	local cg
	cg=$(cat "$1")
	if [ -f "$cg/memory.events" ]; then
		awk '$1 == "max" { print $2 }' "$cg/memory.events"
	else
		cat "$cg/memory.failcnt"
	fi
}
# expect_counts NAME FILE calls partial retries retry_bytes
expect_counts() {
	local name=$1 f=$2
	t_eq "$name: exit 0" 0 "$(cat "$f.rc")"
	t_eq "$name: child exit 0" 0 "$(summary "$f" .child_status.exit_code)"
	t_eq "$name: dio_calls" "$3" "$(summary "$f" .counts.dio_calls)"
	t_eq "$name: dio_partial" "$4" "$(summary "$f" .counts.dio_partial)"
	t_eq "$name: dio_retries" "$5" "$(summary "$f" .counts.dio_retries)"
	t_eq "$name: dio_retry_bytes" "$6" "$(summary "$f" .counts.dio_retry_bytes)"
	t_eq "$name: lost_events" 0 "$(summary "$f" .counts.lost_events)"
	# Events and kernel counters agree when nothing was lost.
	t_eq "$name: dio_partial events" "$4" "$(events "$f" dio_partial)"
	t_eq "$name: dio_retry events" "$5" "$(events "$f" dio_retry)"
}

echo "== faultlock check"
out=$("$FL" check 2>&1); rc=$?
t_eq "check: exit 0" 0 "$rc"
t_match "check: iomap_dio_rw_begin via tp_btf" '^iomap_dio_rw_begin +tp_btf +ok' "$out"
t_match "check: iomap_dio_complete via tp_btf" '^iomap_dio_complete +tp_btf +ok' "$out"
t_match "check: iomap_dio_rw_queued via tp_btf" '^iomap_dio_rw_queued +tp_btf +ok' "$out"
t_match "check: page_fault_kernel via tp_btf" '^page_fault_kernel +tp_btf +ok' "$out"
t_match "check: kernel release" "^kernel +$(uname -r)" "$out"
# What else this kernel offers (kprobes, fentry, gfs2) is read from check
# --json, not assumed: the suite also runs on boxes that have them.
json=$("$FL" check --json)
t_eq "check --json: every hook of the table" "$(grep -cE '^[a-z0-9_]+ +(-|tp_btf|tracepoint|fentry|kprobe) +(ok|unavailable)' <<<"$out")" \
	"$(jq '.hooks | length' <<<"$json")"
t_ge "check --json: hooks listed" 13 "$(jq '.hooks | length' <<<"$json")"
# Linux 6.18: task iterators and bpf_get_task_stack (the daemon's holder stacks)
t_eq "check: the task stack iterator" "true yes" \
	"$(jq -r .features.task_iter <<<"$json") $(sed -n 's/.*task stack iterator \([a-z]*\).*/\1/p' <<<"$out")"
for h in $(jq -r '.hooks[].hook' <<<"$json"); do
	m=$(jq -r --arg h "$h" '.hooks[] | select(.hook == $h) | .mode' <<<"$json")
	if [ "$m" = - ]; then
		t_match "check: $h unavailable with a reason (text and JSON agree)" "^$h +- +unavailable \(.+\)" "$out"
	else
		t_match "check: $h ok in mode $m (text and JSON agree)" "^$h +$m +ok" "$out"
	fi
done
mode_of() { jq -r --arg h "$1" '.hooks[] | select(.hook == $h) | .mode' <<<"$json"; }
want=false
[ "$(mode_of gfs2_glock_nq)" != - ] && [ "$(mode_of gfs2_glock_dq)" != - ] && want=true
t_eq "check --json: recursive_lock available iff both glock hooks are" "$want" \
	"$(jq '.events[] | select(.type=="recursive_lock") | .available' <<<"$json")"
t_eq "check --json: target of a tracepoint hook" iomap_dio_rw_begin \
	"$(jq -r '.hooks[] | select(.hook=="iomap_dio_rw_begin") | .target' <<<"$json")"
# The function stand-ins of the iomap tracepoints, tried here by request:
# they work (on the function) or say why not.
out=$(FAULTLOCK_HOOK_MODES=iomap_dio_rw_begin=kprobe "$FL" check 2>&1)
t_match "FAULTLOCK_HOOK_MODES: the kprobe stand-in is tried" \
	'^iomap_dio_rw_begin +(kprobe +ok \(on __iomap_dio_rw\)|- +unavailable \(kprobe: .+; limited by FAULTLOCK_HOOK_MODES: kprobe\))' "$out"
if grep -qE '^iomap_dio_rw_begin +- ' <<<"$out"; then
	t_match "FAULTLOCK_HOOK_MODES: dio_retry then unavailable" '^dio_retry +info +no \(needs iomap_dio_rw_begin' "$out"
fi
out=$(FAULTLOCK_HOOK_MODES=iomap_dio_complete=fentry "$FL" check 2>&1)
t_match "FAULTLOCK_HOOK_MODES: the fexit stand-in is tried" \
	'^iomap_dio_complete +(fentry +ok|- +unavailable \(fentry: .+)' "$out"
FAULTLOCK_HOOK_MODES=iomap_dio_rw_begin=fast "$FL" check >/dev/null 2>"$work/err"
t_eq "FAULTLOCK_HOOK_MODES bad mode: exit 2" 2 $?
t_eq "FAULTLOCK_HOOK_MODES bad mode: one line" 1 "$(wc -l <"$work/err")"
FAULTLOCK_HOOK_MODES=nope=kprobe "$FL" trace -- true >/dev/null 2>"$work/err"
t_eq "FAULTLOCK_HOOK_MODES unknown hook: trace exit 2" 2 $?
t_match "FAULTLOCK_HOOK_MODES unknown hook: says which" "no hook named 'nope'" "$(cat "$work/err")"
t_eq "check --json: dio_retry available" true "$(jq '.events[] | select(.type=="dio_retry") | .available' <<<"$json")"
t_eq "check --json: retry_livelock available (the DIO retries suffice)" true \
	"$(jq '.events[] | select(.type=="retry_livelock") | .available' <<<"$json")"

echo "== bad input"
"$FL" trace --stall-ms soon -- true >/dev/null 2>"$work/err"; t_eq "--stall-ms not a number: exit 2" 2 $?
"$FL" daemon --no-listen --stall-ms -5 >/dev/null 2>"$work/err"; t_eq "--stall-ms negative: daemon exit 2" 2 $?
# lock_stall needs a provider's request and release hooks: gfs2's glock
# hooks or btrfs's extent-bit tracepoints.
t_eq "check --json: lock_stall available iff glock or btrfs extent hooks attach" \
	"$(jq '[.hooks[] | select(.status=="ok") | .hook] as $ok
		| (($ok | index("gfs2_glock_nq")) != null and ($ok | index("gfs2_glock_dq")) != null)
		  or (($ok | index("btrfs_set_extent_bit")) != null and ($ok | index("btrfs_clear_extent_bit")) != null)' <<<"$json")" \
	"$(jq '.events[] | select(.type=="lock_stall") | .available' <<<"$json")"
"$FL" trace --fs 'ext4;rm' -- true >/dev/null 2>"$work/err"; t_eq "--fs bad name: exit 2" 2 $?
t_match "--fs bad name: says why" "'ext4;rm' is not a file system type name" "$(cat "$work/err")"
"$FL" daemon --no-listen --fs a,b,c,d,e >/dev/null 2>"$work/err"; t_eq "--fs five types: daemon exit 2" 2 $?
"$FL" trace --cgroup /tmp -- true >/dev/null 2>"$work/err"; t_eq "--cgroup not cgroup2: exit 2" 2 $?
t_match "--cgroup not cgroup2: says why" "--cgroup /tmp: not a cgroup v2 directory" "$(cat "$work/err")"
"$FL" trace --btf /nonexistent/btf -- true >/dev/null 2>"$work/err"; t_eq "--btf missing file: exit 2" 2 $?
t_match "--btf missing file: says why" "--btf /nonexistent/btf: not a BTF" "$(cat "$work/err")"
"$FL" check --btf /etc/passwd >/dev/null 2>"$work/err"; t_eq "--btf not BTF: check exit 2" 2 $?
"$FL" daemon --no-listen --btf /etc/passwd >/dev/null 2>"$work/err"; t_eq "--btf not BTF: daemon exit 2" 2 $?
out=$("$FL" check --json --btf /sys/kernel/btf/vmlinux)
t_eq "check --json --btf: shown" /sys/kernel/btf/vmlinux "$(jq -r .btf.external <<<"$out")"
t_eq "check --json: no --btf is null" null "$("$FL" check --json | jq -r .btf.external)"
"$FL" trace --bogus -- true >/dev/null 2>"$work/err"; t_eq "unknown flag: exit 2" 2 $?
"$FL" trace -d abc -a >/dev/null 2>"$work/err"; t_eq "bad duration: exit 2" 2 $?
t_match "bad duration: says why" "invalid duration 'abc'" "$(cat "$work/err")"
"$FL" trace -p 0 >/dev/null 2>&1; t_eq "pid 0: exit 2" 2 $?
"$FL" trace >/dev/null 2>"$work/err"; t_eq "no target: exit 2" 2 $?
"$FL" trace -a -p 1 -d 1 >/dev/null 2>&1; t_eq "two targets: exit 2" 2 $?
"$FL" frobnicate >/dev/null 2>&1; t_eq "unknown command: exit 2" 2 $?
"$FL" trace -- /nonexistent/cmd >/dev/null 2>"$work/err"; rc=$?
t_eq "missing CMD: exit 2" 2 "$rc"
t_eq "missing CMD: one clear line" "faultlock: /nonexistent/cmd: command not found" "$(cat "$work/err")"
"$FL" trace -p 999999999 >/dev/null 2>&1; t_eq "pid out of range: exit 2" 2 $?
cp "$FL" "$work/faultlock-unpriv"; chmod 755 "$work" "$work/faultlock-unpriv"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$work/faultlock-unpriv" trace -- true >/dev/null 2>"$work/err"; rc=$?
t_eq "unprivileged: exit 3" 3 "$rc"
t_match "unprivileged: says what is missing" "needs root" "$(cat "$work/err")"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$work/faultlock-unpriv" check >/dev/null 2>&1
t_eq "unprivileged check: exit 3" 3 $?
"$FL" --version >/dev/null; t_eq "--version: exit 0" 0 $?
"$FL" trace --help >/dev/null; t_eq "trace --help: exit 0" 0 $?

echo "== CMD exit status and signals"
"$FL" trace --json -- sh -c 'exit 7' >"$work/st.json" 2>/dev/null
t_eq "child exit code reported" 7 "$(summary "$work/st.json" .child_status.exit_code)"
"$FL" trace --json -- sh -c 'kill -SEGV $$' >"$work/sig.json" 2>/dev/null
t_eq "child signal reported" 11 "$(summary "$work/sig.json" .child_status.signal)"
links_before=$(bpftool link list 2>/dev/null | grep -c '^[0-9]')
"$FL" trace --json -- sleep 30 >"$work/term.json" 2>/dev/null &
flpid=$!
wait_ready "$work/term.json"
kill -TERM "$flpid"
wait "$flpid"; rc=$?
t_eq "SIGTERM: exit 0" 0 "$rc"
t_eq "SIGTERM: summary printed" summary "$(jq -r -s '.[-1].type' "$work/term.json")"
t_eq "--json: the first line is ready, naming the target" "ready sleep" \
	"$(jq -r -s '.[0] | "\(.type) \(.target | split(" ")[0])"' "$work/term.json")"
t_eq "SIGTERM: child got SIGTERM" 15 "$(summary "$work/term.json" .child_status.signal)"
t_eq "SIGTERM: no BPF link left" "$links_before" "$(bpftool link list 2>/dev/null | grep -c '^[0-9]')"

for fs in btrfs ext4 xfs; do
	echo "== $fs"
	mkfs_mount "$fs" || { t_fail "$fs: mkfs/mount"; continue; }
	d=$work/$fs-out
	mkdir -p "$d"

	# Control: buffers never map the file.
	for op in read write; do
		trace_json "$d/anon-$op" --op "$op" --buf anon "$mnt/f"
		t_eq "$fs anon $op: exit 0" 0 "$(cat "$d/anon-$op.rc")"
		t_eq "$fs anon $op: no same_file_fault" 0 "$(summary "$d/anon-$op" .counts.same_file_fault)"
		t_eq "$fs anon $op: no same_file_fault events" 0 "$(events "$d/anon-$op" same_file_fault)"
	done
	# Buffered I/O never reaches iomap_dio_rw.
	trace_json "$d/buf-same" --buf same "$mnt/f"
	expect_counts "$fs buffered read same" "$d/buf-same" 0 0 0 0
	t_ge "$fs buffered read same: faults counted" 8 "$(summary "$d/buf-same" .counts.faults)"

	case $fs in
	btrfs)
		# 4 resident + 4 unfaulted same-file pages: 16 KiB, then a done_before retry.
		for map in private shared; do
			trace_json "$d/half-$map" --direct --buf half --map "$map" "$mnt/f"
			expect_counts "btrfs direct read half $map" "$d/half-$map" 2 1 1 16384
			t_eq "btrfs half $map: retry carries done_before" 16384 \
				"$(jq -s 'map(select(.type=="dio_retry"))[0].done_before' "$d/half-$map")"
			t_eq "btrfs half $map: partial is short" short \
				"$(jq -r -s 'map(select(.type=="dio_partial"))[0].reason' "$d/half-$map")"
			t_eq "btrfs half $map: per-fs row" "btrfs read 2 1 16384" \
				"$(summary "$d/half-$map" '.filesystems[0] | "\(.fstype) \(.op) \(.dio_calls) \(.dio_retries) \(.dio_retry_bytes)"')"
		done
		# --btf: CO-RE from a file instead of /sys/kernel/btf/vmlinux, same counts.
		cp /sys/kernel/btf/vmlinux "$work/vmlinux.btf"
		"$FL" trace --json --btf "$work/vmlinux.btf" -- "$WL" -q --direct --buf half --map shared "$mnt/f" \
			>"$d/half-btf" 2>"$d/half-btf.err"
		echo $? >"$d/half-btf.rc"
		expect_counts "btrfs direct read half --btf FILE" "$d/half-btf" 2 1 1 16384
		# --fs: other file systems only -> nothing; this one -> the same counts.
		"$FL" trace --json --fs ext4,xfs -- "$WL" -q --direct --buf half --map shared "$mnt/f" \
			>"$d/fs-other" 2>/dev/null
		t_eq "--fs ext4,xfs on btrfs: no DIO counted" "0 0" \
			"$(summary "$d/fs-other" '.counts | "\(.dio_calls) \(.dio_retries)"')"
		t_eq "--fs without gfs2: glock hooks not loaded" "- -" \
			"$(summary "$d/fs-other" '.hooks | "\(.gfs2_glock_nq) \(.handle_mm_fault)"')"
		"$FL" trace --json --fs xfs,btrfs -- "$WL" -q --direct --buf half --map shared "$mnt/f" \
			>"$d/fs-this" 2>"$d/fs-this.err"
		echo $? >"$d/fs-this.rc"
		expect_counts "--fs xfs,btrfs on btrfs" "$d/fs-this" 2 1 1 16384
		# --cgroup: CMD's first workload runs outside the cgroup, the second inside.
		cg_root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
		if [ -n "$cg_root" ]; then
			cg=$cg_root/faultlock-test.$$
			mkdir "$cg"
			"$FL" trace --json --cgroup "$cg" -- sh -c '
				"$1" -q --direct --buf half --map shared "$3/f" || exit 1
				echo $$ >"$2/cgroup.procs" || exit 2
				"$1" -q --direct --buf half --map shared "$3/f"' sh "$WL" "$cg" "$mnt" \
				>"$d/cg" 2>"$d/cg.err"
			echo $? >"$d/cg.rc"
			expect_counts "--cgroup: only the workload inside" "$d/cg" 2 1 1 16384
			t_match "--cgroup: named in the target" "in cgroup $cg\$" "$(summary "$d/cg" .target)"
			"$FL" trace --cgroup "$cg" -d 1 >/dev/null 2>"$d/cg-all.err"
			t_eq "--cgroup alone: every task in it, exit 0" 0 $?
			rmdir "$cg"
		else
			t_fail "--cgroup: no cgroup2 mount in /proc/mounts"
		fi
		# Three syscalls, each partial + retry: a new call is not a retry.
		trace_json "$d/half-rep" --direct --buf half --map shared --repeat 3 "$mnt/f"
		expect_counts "btrfs direct read half x3" "$d/half-rep" 6 3 3 49152
		# The same retry 50 times under memory pressure: in an 8 MiB memory
		# cgroup kept at its limit by a reader streaming a 32 MiB file
		# through the page cache (caches dropped first, so what it reads
		# is charged to the group); --livelock-count at its minimum. The
		# retries are legitimate, never a retry_livelock. The limit leaves
		# room for the tasks' own memory (3 MiB did not, on cgroup v1: the
		# OOM killer took the workload), and the reader is the OOM killer's
		# first choice should it run anyway. The reader and its last cat
		# end before the command does (nothing of it outlives the trace).
		dd if=/dev/urandom of="$mnt/hog" bs=1M count=32 status=none
		sync; echo 3 >/proc/sys/vm/drop_caches
		if memcg_make "$work/memcg" 8M; then
			"$FL" trace --json --livelock-count 4 -- sh -c '
				echo $$ >"$1"; shift
				(echo 1000 >/proc/self/oom_score_adj
				 trap '"'"'kill $c 2>/dev/null; wait $c; exit'"'"' TERM
				 while :; do cat "$1" >/dev/null & c=$!; wait $c; done) & h=$!; shift
				"$@"; r=$?; kill $h; wait $h; exit $r' sh "$(cat "$work/memcg")/cgroup.procs" "$mnt/hog" \
				"$WL" -q --direct --buf half --map shared --pages 32 --repeat 50 "$mnt/pressure" \
				>"$d/pressure" 2>"$d/pressure.err"
			t_eq "memory pressure: exit 0" 0 $?
			t_eq "memory pressure: child exit 0" 0 "$(summary "$d/pressure" .child_status.exit_code)"
			t_ge "memory pressure: the cgroup hit its limit" 100 "$(memcg_hits "$work/memcg")"
			t_ge "memory pressure: a retry or more per call" 50 "$(summary "$d/pressure" .counts.dio_retries)"
			t_eq "memory pressure: no retry_livelock" 0 "$(summary "$d/pressure" .counts.retry_livelock)"
			t_eq "memory pressure: no task OOM-killed" 0 "$(memcg_ooms "$work/memcg")"
			memcg_rm "$work/memcg"
		else
			t_fail "memory pressure: no writable memory cgroup (v1 or v2)"
		fi
		# A read that reaches end of file (6 of its 8 pages there) into a
		# resident buffer: short because the file is, nothing refused. btrfs
		# then calls again from end of file (done_before 24576), and so does
		# the workload's next pread: iomap returns at once, resuming nothing.
		trace_json "$d/eof" --direct --buf resident --eof 2 "$mnt/f"
		expect_counts "btrfs direct read to end of file" "$d/eof" 3 0 0 0
		t_eq "btrfs eof: counted as dio_eof_short" 1 "$(summary "$d/eof" .counts.dio_eof_short)"
		# A read entirely past end of file never reaches iomap_dio_complete;
		# the next system call, a buffered pread into a fresh mapping of the
		# file, faults on it in kernel mode: in no direct I/O by then.
		for map in private shared; do
			trace_json "$d/pasteof-$map" --direct --buf resident --eof 8 --then-fault --map "$map" "$mnt/f"
			expect_counts "btrfs direct read past end of file, $map fault after" "$d/pasteof-$map" 1 0 0 0
			t_eq "btrfs past eof $map: the later fault is no same_file_fault" "0 0" \
				"$(summary "$d/pasteof-$map" .counts.same_file_fault) $(events "$d/pasteof-$map" same_file_fault)"
		done
		# The same after an asynchronous direct read (io_submit): iomap queues
		# it (iomap_dio_rw_queued) and it completes in another task; neither
		# io_submit nor io_getevents is a read/write system call.
		trace_json "$d/aio" --direct --buf resident --aio --then-fault "$mnt/f"
		t_eq "btrfs aio read, fault after: exit 0, child exit 0, queued hook" "0 0 tp_btf" \
			"$(cat "$d/aio.rc") $(summary "$d/aio" '| "\(.child_status.exit_code) \(.hooks.iomap_dio_rw_queued)"')"
		t_eq "btrfs aio read, fault after: no same_file_fault" "1 0 0" \
			"$(summary "$d/aio" '.counts | "\(.dio_calls) \(.same_file_fault)"') $(events "$d/aio" same_file_fault)"
		# Unfaulted same-file buffer: nofault gives 0 bytes, btrfs falls back to buffered.
		trace_json "$d/same-rep" --direct --buf same --repeat 3 "$mnt/f"
		expect_counts "btrfs direct read same x3 (no retry across syscalls)" "$d/same-rep" 3 3 0 0
		# Hole read into its own private mapping: -EFAULT, then a retry with done_before 0.
		trace_json "$d/hole" --direct --buf hole --map private "$mnt/f"
		expect_counts "btrfs direct read hole private" "$d/hole" 2 1 1 0
		t_eq "btrfs hole: partial is efault" efault \
			"$(jq -r -s 'map(select(.type=="dio_partial"))[0].reason' "$d/hole")"
		t_eq "btrfs hole: retry follows the partial" true \
			"$(jq -s 'map(select(.type=="dio_retry"))[0].after_partial' "$d/hole")"
		# The zeroing copy faults once on the first page and is refused; a
		# CPU without fast string ops zeroes through rep_stos_alternative,
		# whose byte-wise fixup touches the same address once more.
		t_ge "btrfs hole: same_file_fault (iov_iter_zero, refused)" 1 \
			"$(summary "$d/hole" .counts.same_file_fault)"
		t_eq "btrfs hole: all on the first page of the mapping" "1 0" \
			"$(jq -r -s 'map(select(.type=="same_file_fault")) | "\(map(.address) | unique | length) \(.[0].pgoff)"' "$d/hole")"
		t_eq "btrfs hole: fault had page faults disabled" true \
			"$(jq -s 'map(select(.type=="same_file_fault"))[0].pagefault_disabled' "$d/hole")"
		# Direct writes need nodatasum (NOCOW) files to stay direct on btrfs.
		mkdir "$mnt/nocow" && chattr +C "$mnt/nocow"
		trace_json "$d/whalf" --op write --direct --buf half --map shared "$mnt/nocow/f"
		expect_counts "btrfs nocow direct write half" "$d/whalf" 2 1 1 16384
		t_eq "btrfs nocow write: op is write" write \
			"$(jq -r -s 'map(select(.type=="dio_retry"))[0].op' "$d/whalf")"
		# The same, with the tid-keyed hash instead of task storage.
		"$FL" trace --json --no-task-storage -- "$WL" -q --direct --buf half --map shared "$mnt/f" \
			>"$d/hash" 2>/dev/null; echo $? >"$d/hash.rc"
		expect_counts "btrfs half with tid hash" "$d/hash" 2 1 1 16384
		# Descendants are traced: the workload runs as a grandchild.
		"$FL" trace --json -- sh -c "sh -c '$WL -q --direct --buf half --map shared $mnt/f'" \
			>"$d/desc" 2>/dev/null; echo $? >"$d/desc.rc"
		expect_counts "btrfs half as a grandchild" "$d/desc" 2 1 1 16384
		# lock_stall's false-positive control: 12 tasks on 24 shared files,
		# buffered and direct writes and reads of the same ranges, fsyncs:
		# many extent-lock requests and waits, none past --stall-ms; the
		# scan runs with no gfs2 here (-v says so).
		"$FL" trace --json -v --stall-ms 300 -- sh -c '
			for t in 1 2 3 4 5 6 7 8 9 10 11 12; do
				(for r in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
					f='"$mnt"'/st.$(( (t + r) % 24 ))
					dd if=/dev/zero of=$f bs=64k count=4 conv=notrunc 2>/dev/null
					dd if=$f of=/dev/null bs=64k iflag=direct 2>/dev/null
					dd if=/dev/zero of=$f bs=4k count=16 seek=$r conv=notrunc,fsync 2>/dev/null
					cat $f >/dev/null
					sleep 0.2
				done) &
			done; wait' >"$d/stall" 2>"$d/stall.err"; echo $? >"$d/stall.rc"
		t_eq "btrfs parallel load --stall-ms 300: exit, lock_stall, warnings, lost" "0 0 0 0" \
			"$(cat "$d/stall.rc") $(summary "$d/stall" '| "\(.counts.lock_stall) \(.findings.warning) \(.counts.lost_events)"')"
		t_match "btrfs parallel load: the lock_stall scan ran (btrfs hooks alone)" \
			'lock_stall scan: 0 found, [0-9]+ btrfs extent requests seen granted' "$(cat "$d/stall.err")"
		# Text report: the table row and the events.
		"$FL" trace -- "$WL" -q --direct --buf half --map shared "$mnt/f" >"$d/text" 2>&1
		t_match "btrfs text report: per-fs row" '^btrfs +[0-9]+:[0-9]+ +read +2 +1 +1 +16384 +0$' "$(cat "$d/text")"
		t_match "btrfs text report: retry line" 'dio_retry .* resumes with 16384 bytes done' "$(cat "$d/text")"
		;;
	ext4 | xfs)
		# No nofault, no IOMAP_DIO_PARTIAL: one call, never partial.
		for map in private shared; do
			trace_json "$d/half-$map" --direct --buf half --map "$map" "$mnt/f"
			expect_counts "$fs direct read half $map" "$d/half-$map" 1 0 0 0
		done
		trace_json "$d/wsame" --op write --direct --buf same "$mnt/f"
		expect_counts "$fs direct write same" "$d/wsame" 1 0 0 0
		# Hole read into its own mapping: iov_iter_zero faults on each page,
		# with the inode lock held and page faults enabled.
		trace_json "$d/hole" --direct --buf hole --map private "$mnt/f"
		expect_counts "$fs direct read hole" "$d/hole" 1 0 0 0
		t_eq "$fs hole: 8 same_file_fault" 8 "$(summary "$d/hole" .counts.same_file_fault)"
		t_eq "$fs hole: events match" 8 "$(events "$d/hole" same_file_fault)"
		# Bounded output: one site (the zeroing ip), so the first line at once,
		# the other 7 folded into one line that says so.
		t_eq "$fs hole: 8 events in 2 lines" 2 "$(lines "$d/hole" same_file_fault)"
		t_eq "$fs hole: summary events_folded" 6 "$(summary "$d/hole" .events_folded)"
		# clear_user: inline `rep stosb` with fast string ops, else rep_stos_alternative
		t_match "$fs hole: faulting ip" '"ip":"(iov_iter_zero|rep_stos_alternative)\+' "$(cat "$d/hole")"
		t_eq "$fs hole: page faults enabled" false \
			"$(jq -s 'map(select(.type=="same_file_fault"))[0].pagefault_disabled' "$d/hole")"
		"$FL" trace --json --stacks -- "$WL" -q --direct --buf hole "$mnt/f" >"$d/stacks" 2>/dev/null
		t_match "$fs hole --stacks: symbolized stack through iomap_dio_rw" '"stack":\[.*"iomap_dio_rw\+' "$(cat "$d/stacks")"
		;;
	esac
done

echo "== -p PID and -a"
mnt=$work/btrfs
if mountpoint -q "$mnt"; then
	# A process that waits for a go file, then does the btrfs retry workload.
	sh -c "while [ ! -e $work/go ]; do sleep 0.1; done; exec $WL -q --direct --buf half --map shared $mnt/p" &
	target=$!
	"$FL" trace --json -p "$target" >"$work/pid.json" 2>/dev/null &
	flpid=$!
	wait_ready "$work/pid.json"; touch "$work/go"; wait "$target"
	wait "$flpid"; rc=$?
	t_eq "-p: ends with the process, exit 0" 0 "$rc"
	# Ctrl-C on -p: the report at once, with what the process is doing.
	sleep 60 &
	sp=$!
	"$FL" trace --json -p "$sp" >"$work/pint.json" 2>/dev/null &
	flpid=$!
	wait_ready "$work/pint.json"; kill -INT "$flpid"; wait "$flpid"; rc=$?
	t_eq "-p, Ctrl-C: exit 0" 0 "$rc"
	t_eq "-p, Ctrl-C: the process's threads and state in the summary" "sleep S 1" \
		"$(summary "$work/pint.json" '.child_state | "\(.[0].comm) \(.[0].state) \(length)"')"
	kill "$sp"
	t_eq "-p: dio_retries" 1 "$(summary "$work/pid.json" .counts.dio_retries)"
	t_eq "-p: dio_retry_bytes" 16384 "$(summary "$work/pid.json" .counts.dio_retry_bytes)"
	"$FL" trace --json -a -d 3 >"$work/all.json" 2>/dev/null &
	flpid=$!
	wait_ready "$work/all.json"; "$WL" -q --direct --buf half --map shared "$mnt/a"
	wait "$flpid"; rc=$?
	t_eq "-a -d: exit 0" 0 "$rc"
	t_ge "-a -d: sees the retry" 1 "$(summary "$work/all.json" .counts.dio_retries)"
	t_ge "-a -d: ran about 3 s" 2 "$(summary "$work/all.json" '.duration_s | floor')"
fi
echo "== Ctrl-C while trace is still attaching (setup takes about a second here)"
rm -f "$work/ran"
"$FL" trace -- touch "$work/ran" >/dev/null 2>"$work/early.err" &
flpid=$!
sleep 0.05; kill -INT "$flpid"; wait "$flpid"; rc=$?
t_eq "early Ctrl-C: exit 130" 130 "$rc"
t_eq "early Ctrl-C: the command never ran" no "$([ -e "$work/ran" ] && echo yes || echo no)"
t_eq "early Ctrl-C: one line saying so" "faultlock: interrupted before tracing started; the command was not run" \
	"$(cat "$work/early.err")"
t_eq "early Ctrl-C: no BPF link left" "$links_before" "$(bpftool link list 2>/dev/null | grep -c "^[0-9]")"
echo "== bench harness (one round; the numbers are not checked: docs/performance.md)"
if [ -x "$top/.output/bench/fl-empty" ]; then
	BENCH_ROUNDS=1 "$top/bench/run.sh" >"$work/bench.out" 2>&1; rc=$?
	t_eq "bench/run.sh: exit 0" 0 "$rc"
	configs=4	# none, empty, untraced, traced; and bpftrace where it runs
	command -v bpftrace >/dev/null && configs=5
	t_eq "bench/run.sh: a row per workload (4) and configuration" $((4 * configs)) \
		"$(awk -F'\t' 'NR > 1 && $3 > 0' "$top/.output/bench/results.tsv" | wc -l)"
	t_ge "bench/run.sh: the per-hook table" 6 "$(awk 'NR > 1' "$top/.output/bench/hooks.tsv" | wc -l)"
else
	t_fail "bench binaries missing (make test builds them)"
fi
# False-positive control: no retry_livelock in any case of this tier.
t_eq "no retry_livelock record in any host case" 0 \
	"$(cat "$work"/*.json "$work"/*-out/* 2>/dev/null | grep -c '^{"type":"retry_livelock"')"
# The fault programs' gate: once a traced command has exited, no task is
# left open or followed (a leak would keep every fault on the slow path).
t_eq "every traced command ends with the fault gate shut (open, followed tasks)" "0 0" \
	"$(cat "$work"/*.json "$work"/*-out/* 2>/dev/null | grep '^{"type":"summary"' | jq -r -s '
		map(select(.type == "summary" and .child_status != null and .gate != null))
		| if length == 0 then "no summaries" else
		  "\(map(.gate.open_tasks) | add) \(map(.gate.followed_tasks) | add)" end')"
t_eq "no BPF link left behind" "$links_before" "$(bpftool link list 2>/dev/null | grep -c '^[0-9]')"

t_done host

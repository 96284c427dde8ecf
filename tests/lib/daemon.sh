# shellcheck shell=bash
# Helpers shared by the tiers that run `faultlock daemon` (tests/daemon,
# tests/san). The caller sets $FL, $work, a `pids` array (killed by its
# cleanup) and sources tap.sh first. STOP_SECONDS (default 10) bounds stop.

links() { bpftool link list 2>/dev/null | grep -c '^[0-9]'; }

# wait_until SECONDS CMD...: polls CMD every 0.1 s; status 0 once it succeeds.
wait_until() {
	local end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# start_daemon NAME ARGS...: `faultlock daemon ARGS` in the background until
# its ready line (20 s at most); sets $dpid, and $dport if it serves HTTP.
start_daemon() {
	local name=$1
	shift
	"$FL" daemon "$@" >"$work/$name.out" 2>"$work/$name.err" &
	dpid=$!
	pids+=("$dpid")
	dport=""
	if ! wait_until 20 grep -qs 'hooks attached' "$work/$name.err"; then
		t_fail "$name: daemon ready" "$(head -n 40 "$work/$name.err")"
		return 1
	fi
	dport=$(grep -o 'http://[^ ]*/metrics' "$work/$name.err" | sed -E 's|.*:([0-9]+)/metrics|\1|')
	return 0
}

# stop PID SIGNAL: signals it and waits (STOP_SECONDS at most); sets $rc to
# its exit status ("hung" if it had to be killed).
stop() {
	local _
	kill "-$2" "$1" 2>/dev/null
	for _ in $(seq $((${STOP_SECONDS:-10} * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1"
		wait "$1" 2>/dev/null
		rc=hung
		return
	fi
	wait "$1"
	rc=$?
}

code() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
scrape() { curl -sS --max-time 5 "http://127.0.0.1:$1/metrics"; }
# value TEXT SERIES: the value of the exact series `name{labels}` (empty if absent).
value() { printf '%s\n' "$1" | awk -v s="$2" 'index($0, s " ") == 1 { print $2 }'; }

#!/usr/bin/env bash
# Package tier: what a distribution user gets. scripts/install-deps.sh's
# output; `make deb` and lintian; the package installed with dpkg -i on this
# machine (the binary, `faultlock check`, the man page, the systemd unit, the
# conffile, bash completion); the installed daemon scraped by a real
# Prometheus that loads the packaged alerting rules and runs every query of
# the packaged Grafana dashboard; `promtool test rules`; then dpkg -r and -P,
# leaving nothing behind. Needs root. Every wait is bounded.
set -uo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
RULES=$top/packaging/prometheus/faultlock.rules.yml
RULES_TEST=$top/packaging/prometheus/faultlock.rules.test.yml
DASH=$top/packaging/grafana/faultlock.json
# Metrics the dashboard and rules may name before the daemon exports them
# (none now: every family they name is in src/metrics.c).
UPCOMING_DASH=""
UPCOMING_RULES=""
# Runbook sections docs/findings.md does not have yet (none now).
PENDING_SECTIONS=""

if [ "$(id -u)" -ne 0 ]; then
	echo "package tests need root (dpkg -i, BPF)" >&2
	exit 1
fi
missing=""
for t in make dpkg-buildpackage dh lintian dpkg-deb promtool prometheus systemd-analyze jq curl python3 man; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	t_fail "tools present" "missing:$missing (scripts/install-deps.sh installs them)"
	t_done package
	exit 1
fi

work=$(mktemp -d /tmp/faultlock-package.XXXXXX)
chmod 755 "$work"
pids=()
installed_here=no
# faultlock installed before the run (the README's first command): its
# /etc/default/faultlock and /var/log/faultlock are kept aside, and the package
# of this tree goes back in with them once the tier has purged it.
preinstalled=""
restore_preinstalled() {
	[ -n "$preinstalled" ] || return 0
	dpkg -i "$deb" >/dev/null 2>&1
	cp -a "$work/saved/default" /etc/default/faultlock 2>/dev/null
	[ -d "$work/saved/log" ] && rm -rf /var/log/faultlock && cp -a "$work/saved/log" /var/log/faultlock
	echo "     note: faultlock $preinstalled was installed: reinstalled $(dpkg-query -W -f='${Version}' faultlock 2>/dev/null) from this tree, with its /etc/default/faultlock and logs"
	preinstalled=""
}
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
	# A run stopped half-way leaves no package behind (or the one it found).
	if [ "$installed_here" = yes ] && dpkg-query -W faultlock >/dev/null 2>&1; then
		dpkg -P faultlock >/dev/null 2>&1
	fi
	restore_preinstalled
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

wait_until() {	# wait_until SECONDS CMD...
	local end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
has_line() { grep -qxF -- "$1" <<<"$2"; }	# has_line LINE TEXT

version=$(sed -n 's/^VERSION := *//p' "$top/Makefile")
arch=$(dpkg --print-architecture)
deb=$top/.output/faultlock_${version}_$arch.deb

echo "== scripts/install-deps.sh"
# apt-get and dpkg-query replaced by stubs: what the user sees, not apt's work.
stub=$work/stub
mkdir -p "$stub"
cat >"$stub/dpkg-query" <<'EOF'
#!/bin/sh
[ -n "${STUB_INSTALLED:-}" ] && printf 'install ok installed'
[ -n "${STUB_INSTALLED:-}" ]
EOF
cat >"$stub/apt-get" <<'EOF'
#!/bin/sh
echo "apt-get $*" >>"$STUB_CALLS"
for i in $(seq 300); do echo "Get:$i http://deb.debian.org/debian bookworm/main amd64 pkg$i"; done
if [ -n "${STUB_FAIL:-}" ] && [ "$1" = install ]; then
	echo "E: Unable to locate package no-such-package"
	exit 100
fi
EOF
chmod +x "$stub/dpkg-query" "$stub/apt-get"
deps() {	# deps ENV...: runs install-deps.sh with the stubs; sets $out, $err, $rc
	env PATH="$stub:$PATH" STUB_CALLS="$work/calls" FAULTLOCK_DEPS_LOG="$work/deps.log" "$@" \
		"$top/scripts/install-deps.sh" >"$work/deps.out" 2>"$work/deps.err"
	rc=$?
	out=$(cat "$work/deps.out") err=$(cat "$work/deps.err")
}
: >"$work/calls"
deps
t_eq "install-deps: exit 0" 0 "$rc"
t_eq "install-deps: one line on the terminal" 1 "$(printf '%s\n%s' "$out" "$err" | grep -c .)"
t_match "install-deps: the line says what it installs" '^install-deps\.sh: apt-get install .*\bclang\b.*\blintian\b.*\(log: ' "$out"
t_eq "install-deps: apt's output in the log" 600 "$(grep -c '^Get:' "$work/deps.log")"
t_match "install-deps: apt-get update, then install" '^apt-get update.*apt-get install -y --no-install-recommends ' "$(tr '\n' ' ' <"$work/calls")"
deps STUB_FAIL=1
t_eq "install-deps: apt failure: exit 3" 3 "$rc"
t_match "install-deps: apt failure: apt's log shown" 'E: Unable to locate package no-such-package' "$err"
t_match "install-deps: apt failure: says so" 'apt-get failed' "$err"
: >"$work/calls"
deps STUB_INSTALLED=1
t_eq "install-deps: nothing missing: exit 0" 0 "$rc"
t_match "install-deps: nothing missing: one line" '^install-deps\.sh: all [0-9]+ build and test packages are installed$' "$out$err"
t_eq "install-deps: nothing missing: no apt-get" "" "$(cat "$work/calls")"

echo "== make deb"
rm -f "$deb"
make -C "$top" -s deb >"$work/deb.log" 2>&1
rc=$?
t_eq "make deb: exit 0" 0 "$rc"
if [ ! -f "$deb" ]; then
	t_fail "make deb: $deb built" "$(tail -n 30 "$work/deb.log")"
	t_done package
	exit 1
fi
t_ok "make deb: ${deb#"$top"/}"
t_eq "deb: Package" faultlock "$(dpkg-deb -f "$deb" Package)"
t_eq "deb: Version is the Makefile's" "$version" "$(dpkg-deb -f "$deb" Version)"
t_eq "deb: Architecture" "$arch" "$(dpkg-deb -f "$deb" Architecture)"
# Debian's shared libraries (security updates), as dpkg-shlibdeps found them.
dep=$(dpkg-deb -f "$deb" Depends)
for lib in libbpf1 libevent-2.1-7 libc6; do
	t_match "deb: Depends on $lib" "(^|, )$lib( \\(|,|$)" "$dep"
done
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/faultlock /usr/share/man/man8/faultlock.8.gz /lib/systemd/system/faultlock.service \
	/etc/default/faultlock /usr/share/doc/faultlock/copyright /usr/share/doc/faultlock/changelog.gz \
	/usr/share/doc/faultlock/findings.md /usr/share/bash-completion/completions/faultlock \
	/usr/share/faultlock/prometheus/faultlock.rules.yml /usr/share/faultlock/grafana/faultlock.json; do
	if has_line "$f" "$contents"; then t_ok "deb: ships $f"; else t_fail "deb: ships $f"; fi
done
t_nomatch "deb: nothing under /usr/local or /usr/lib/systemd" '^/usr/(local|lib/systemd)/' "$contents"
dpkg-deb -e "$deb" "$work/control"
t_eq "deb: /etc/default/faultlock is a conffile (the only one)" /etc/default/faultlock "$(cat "$work/control/conffiles" 2>/dev/null)"
dpkg-deb -x "$deb" "$work/x"
t_match "deb: the binary uses the shared libbpf" 'NEEDED.*\[libbpf\.so\.1\]' "$(readelf -d "$work/x/usr/sbin/faultlock")"
t_eq "deb: unit starts /usr/sbin/faultlock" "ExecStart=/usr/sbin/faultlock daemon \$FAULTLOCK_OPTS" \
	"$(grep '^ExecStart=' "$work/x/lib/systemd/system/faultlock.service")"
t_match "deb: man page gzipped troff" '^\.TH FAULTLOCK 8' "$(zcat "$work/x/usr/share/man/man8/faultlock.8.gz" 2>/dev/null | grep '^\.TH')"
t_match "deb: copyright in the machine-readable format" '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
	"$(head -n1 "$work/x/usr/share/doc/faultlock/copyright")"
t_match "deb: changelog has this version" "^faultlock \($version\) " "$(zcat "$work/x/usr/share/doc/faultlock/changelog.gz" | head -n1)"
t_match "deb: postinst enables the unit (dh_installsystemd)" 'deb-systemd-helper' "$(cat "$work/control/postinst" 2>/dev/null)"
t_eq "deb: maintainer scripts pass sh -n" "" "$(for s in postinst prerm postrm; do [ -f "$work/control/$s" ] && sh -n "$work/control/$s" 2>&1; done)"

echo "== lintian"
lintian --no-tag-display-limit "$deb" >"$work/lintian" 2>&1; rc=$?
# Exit 0: it ran and found no error (a lintian that crashed prints no E: line).
t_eq "lintian: exit 0" 0 "$rc"
t_eq "lintian: no errors" "" "$(grep '^E: ' "$work/lintian")"
t_eq "lintian: no warnings" "" "$(grep '^W: ' "$work/lintian")"
grep -E '^[IP]: ' "$work/lintian" | sed 's/^/     lintian: /'

echo "== dpkg -i"
if dpkg-query -W -f='${Status}' faultlock 2>/dev/null | grep -q 'installed'; then
	was=$(dpkg-query -W -f='${Version}' faultlock)
	mkdir -p "$work/saved"
	cp -a /etc/default/faultlock "$work/saved/default" 2>/dev/null
	[ -d /var/log/faultlock ] && cp -a /var/log/faultlock "$work/saved/log"
	dpkg -P faultlock >"$work/dpkg-p0.log" 2>&1
	t_eq "faultlock already installed: purged first (put back at the end)" "" "$(dpkg-query -W -f='${Status}' faultlock 2>/dev/null)"
	preinstalled=$was
fi
installed_here=yes
dpkg -i "$deb" >"$work/dpkg-i.log" 2>&1
t_eq "dpkg -i: exit 0" 0 "$?"
t_eq "dpkg -i: installed" "install ok installed" "$(dpkg-query -W -f='${Status}' faultlock 2>/dev/null)"
t_eq "installed binary is on root's PATH" /usr/sbin/faultlock "$(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v faultlock)"
libbpf=$(dpkg-query -W -f='${Version}' libbpf-dev | sed -E 's/^[0-9]+://; s/^([0-9]+\.[0-9]+).*/\1/')
t_match "faultlock --version: faultlock's and libbpf's versions" "^faultlock ${version//./\\.} \(libbpf v${libbpf//./\\.}(\.[0-9]+)?\)$" "$(/usr/sbin/faultlock --version)"
/usr/sbin/faultlock check >"$work/check" 2>&1
t_eq "faultlock check: exit 0" 0 "$?"
t_match "faultlock check: the hook table" '^HOOK +MODE +STATUS' "$(cat "$work/check")"
t_eq "faultlock check --json: hooks" "$(jq '.hooks | length' < <(/usr/sbin/faultlock check --json))" \
	"$(grep -cE '^[a-z0-9_]+ +(tp_btf|tracepoint|fentry|kprobe|-) ' "$work/check")"
t_eq "man -w faultlock: the installed page" /usr/share/man/man8/faultlock.8.gz "$(man -w faultlock 2>/dev/null)"
t_match "man faultlock: renders" 'faultlock daemon' "$(MANWIDTH=80 man faultlock 2>/dev/null)"
out=$(systemd-analyze verify /lib/systemd/system/faultlock.service 2>&1)
t_eq "systemd-analyze verify: clean" "0:" "$?:$out"
t_match "systemd-analyze security: OK or better" 'Overall exposure level for faultlock.service: [0-4]\.[0-9] ' \
	"$(systemd-analyze security --offline=yes faultlock.service 2>&1 | tail -n1)"
t_eq "unit enabled (multi-user.target.wants)" /lib/systemd/system/faultlock.service \
	"$(readlink /etc/systemd/system/multi-user.target.wants/faultlock.service)"
t_match "conffile registered" '^ */etc/default/faultlock [0-9a-f]{32}$' "$(dpkg-query -W -f='${Conffiles}\n' faultlock)"
# The unit's EnvironmentFile: FAULTLOCK_OPTS set, and empty by default.
t_eq "/etc/default/faultlock: FAULTLOCK_OPTS empty by default" "" "$(. /etc/default/faultlock && echo "$FAULTLOCK_OPTS")"
out=$(promtool check rules /usr/share/faultlock/prometheus/faultlock.rules.yml 2>&1)
t_match "installed rules: promtool check rules" 'SUCCESS: [0-9]+ rules found' "$out"
t_eq "installed dashboard: JSON" 0 "$(jq -e .uid /usr/share/faultlock/grafana/faultlock.json >/dev/null; echo $?)"

echo "== bash completion"
comp() {	# comp WORDS...: what TAB offers after WORDS (the last one being completed)
	bash --norc --noprofile -c '
		[ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
		. /usr/share/bash-completion/completions/faultlock
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_faultlock faultlock "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " " | sed "s/ $//"
	' comp "$@" 2>/dev/null
}
t_eq "completion: registered for faultlock" "complete -F _faultlock faultlock" \
	"$(bash --norc -c '. /usr/share/bash-completion/completions/faultlock; complete -p faultlock')"
# The commands are the binary's: every one `faultlock --help` lists.
cmds=$(/usr/sbin/faultlock --help | sed -n '/^Commands:/,/^$/p' | sed -nE 's/^  ([a-z]+) .*/\1/p' | sort -u)
t_match "completion: faultlock --help lists cluster" '(^| )cluster( |$)' "$(echo $cmds)"
t_eq "completion: commands" "$(printf '%s\n' --help --version help $cmds | sort -u | tr '\n' ' ' | sed 's/ $//')" \
	"$(comp faultlock '')"
t_eq "completion: a command's prefix" "trace" "$(comp faultlock tr)"
t_eq "completion: cluster's prefix" "cluster" "$(comp faultlock cl)"
t_eq "completion: not a command: nothing" "" "$(comp faultlock bogus --)"
for cmd in $cmds; do
	# Every option of the command's --help, and nothing else (no example's).
	want=$(/usr/sbin/faultlock "$cmd" --help | grep -oE '^ {2,6}(-[a-z?], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u | tr '\n' ' ')
	# shellcheck disable=SC2086 # one word per option
	[ "$cmd" = trace ] && want=$(printf '%s\n' $want -- | sort -u | tr '\n' ' ')
	t_eq "completion: $cmd --<TAB> is $cmd --help's options" "${want% }" "$(comp faultlock "$cmd" --)"
done
t_eq "completion: trace --st" "--stacks --stall-ms" "$(comp faultlock trace --st)"
t_eq "completion: daemon --no" "--no-listen" "$(comp faultlock daemon --no)"
t_eq "completion: daemon --lis (takes a value)" "--listen=" "$(comp faultlock daemon --lis)"
t_eq "completion: nothing after a numeric option" "" "$(comp faultlock daemon --stall-ms '')"
t_match "completion: --listen values" '127\.0\.0\.1:9477' "$(comp faultlock daemon --listen '')"
t_eq "completion: --fs list element" "ext4,xfs" "$(comp faultlock trace --fs ext4,x)"
t_match "completion: -p PIDs" "(^| )1( |$)" "$(comp faultlock trace -p '')"
t_match "completion: after trace --, the command" '(^| )dpkg-deb( |$)' "$(comp faultlock trace -a -- dpkg-de)"

echo "== installed daemon, real Prometheus, packaged rules and dashboard"
/usr/sbin/faultlock daemon --listen 127.0.0.1:0 >"$work/d.out" 2>"$work/d.err" &
dpid=$!
pids+=("$dpid")
if ! wait_until 20 grep -q 'hooks attached' "$work/d.err"; then
	t_fail "installed daemon: ready" "$(cat "$work/d.err")"
	t_done package
	exit 1
fi
t_ok "installed daemon: ready"
dport=$(grep -o 'http://[^ ]*/metrics' "$work/d.err" | sed -E 's|.*:([0-9]+)/metrics|\1|')
# Direct I/O on the file system under $work (ext4, xfs and btrfs all go
# through iomap): the DIO panels must find series with their labels.
dd if=/dev/zero of="$work/dio" bs=4096 count=8 oflag=direct status=none 2>/dev/null
metrics=$(curl -sS --max-time 5 "http://127.0.0.1:$dport/metrics")
t_match "installed daemon: serves /metrics" '^faultlock_build_info\{' "$(grep '^faultlock_build_info' <<<"$metrics")"
pport=$(free_port)
mkdir -p "$work/prom"
cat >"$work/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - /usr/share/faultlock/prometheus/faultlock.rules.yml
scrape_configs:
  - job_name: faultlock
    static_configs:
      - targets: ['127.0.0.1:$dport']
EOF
prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
	--web.listen-address="127.0.0.1:$pport" >"$work/prom/log" 2>&1 &
ppid_=$!
pids+=("$ppid_")
api() { curl -sG --max-time 5 "http://127.0.0.1:$pport/api/v1/$1" "${@:2}"; }
query() { api query --data-urlencode "query=$1"; }
if ! wait_until 60 curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$pport/-/ready"; then
	t_fail "prometheus: ready" "$(tail -n 20 "$work/prom/log")"
	t_done package
	exit 1
fi
t_ok "prometheus: ready"
fs_q='faultlock_dio_calls_total{job="faultlock",op="write"}'
wait_until 30 test "$(query "$fs_q" | jq '.data.result | length')" -ge 1
t_ge "prometheus: scraped the installed daemon's DIO series" 1 "$(query "$fs_q" | jq '.data.result | length')"

# Exported names: the real daemon's /metrics, plus the families src/metrics.c
# renders whose hooks cannot attach on this kernel (absent here, not zero).
real=$(awk '$1 == "#" && $2 == "TYPE" { if ($4 == "histogram") print $3 "_bucket\n" $3 "_sum\n" $3 "_count"; else print $3 }' <<<"$metrics" | sort -u)
src=$(grep -oE '"faultlock_[a-z0-9_]+"' "$top/src/metrics.c" | tr -d '"' | sort -u |
	awk '/_seconds$/ { print $0 "_bucket"; print $0 "_sum"; print $0 "_count"; next } { print }')
exported=$(printf '%s\n%s\n' "$real" "$src" | sort -u)
t_ge "exported names: from the real /metrics" 8 "$(grep -c . <<<"$real")"
t_eq "exported names: every family of /metrics is in src/metrics.c" "" "$(comm -23 <(sed -E 's/_(bucket|sum|count)$//' <<<"$real" | sort -u) <(sed -E 's/_(bucket|sum|count)$//' <<<"$src" | sort -u) | tr '\n' ' ')"
# allowed NAMES UPCOMING: names neither exported nor upcoming-and-not-yet-exported
unknown_names() {
	local n bad=""
	for n in $1; do
		has_line "$n" "$exported" && continue
		[[ " $2 " == *" $n "* ]] && continue
		bad="$bad $n"
	done
	echo "${bad# }"
}

echo "== alerting rules"
out=$(promtool check rules "$RULES" 2>&1)
t_match "promtool check rules" 'SUCCESS: 10 rules found' "$out"
out=$(cd "$(dirname "$RULES_TEST")" && promtool test rules "$(basename "$RULES_TEST")" 2>&1)
t_eq "promtool test rules: every test passes" "0" "$?"
[ -n "${out##*SUCCESS*}" ] && printf '%s\n' "$out" | head -n 40
wait_until 15 test "$(api rules | jq '[.data.groups[].rules[] | select(.lastEvaluation != "0001-01-01T00:00:00Z")] | length')" -ge 8
rules=$(api rules)
t_eq "prometheus: loaded the packaged rules" 10 "$(jq '[.data.groups[] | select(.name == "faultlock") | .rules[] | select(.type == "alerting")] | length' <<<"$rules")"
t_eq "prometheus: every rule evaluates without error" "" \
	"$(jq -r '.data.groups[].rules[] | select(.health != "ok") | "\(.name): \(.lastError)"' <<<"$rules")"
want_alerts="FaultlockRecursiveLock FaultlockDeadlock FaultlockLockStall FaultlockRemoteDemoteStall FaultlockLockOrder FaultlockRetryLivelock FaultlockFaultUnderLock FaultlockEventsLost FaultlockHookNotAttached FaultlockDown"
t_eq "rules: the alerts of issues 12, 13 and 15" "$(tr ' ' '\n' <<<"$want_alerts" | sort | tr '\n' ' ')" \
	"$(jq -r '.data.groups[].rules[].name' <<<"$rules" | sort | tr '\n' ' ')"
t_eq "rules: recursive_lock and deadlock critical, the rest warning" \
	"FaultlockDeadlock=critical FaultlockDown=warning FaultlockEventsLost=warning FaultlockFaultUnderLock=warning FaultlockHookNotAttached=warning FaultlockLockOrder=warning FaultlockLockStall=warning FaultlockRecursiveLock=critical FaultlockRemoteDemoteStall=warning FaultlockRetryLivelock=warning" \
	"$(jq -r '.data.groups[].rules[] | "\(.name)=\(.labels.severity)"' <<<"$rules" | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "rules: every alert has a summary and a runbook_url" "" \
	"$(jq -r '.data.groups[].rules[] | select((.annotations.summary // "") == "" or (.annotations.runbook_url // "") == "") | .name' <<<"$rules")"
anchors=$(sed -n 's/^## //p' "$top/docs/findings.md" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9 _-]//g; s/ /-/g')
bad=""
while read -r name url; do
	case $url in
	docs/findings.md#*) a=${url#*#} ;;
	*) bad="$bad $name($url)"; continue ;;
	esac
	has_line "$a" "$anchors" && continue
	f=${a%-*}
	# Not written yet: fine, as long as no section of that name exists under
	# another anchor (then the runbook_url is stale).
	if [[ " $PENDING_SECTIONS " == *" $f "* ]] && ! grep -q "^## $f\b" "$top/docs/findings.md"; then
		echo "     note: $name: docs/findings.md has no '$f' section yet"
		continue
	fi
	bad="$bad $name($url)"
done < <(jq -r '.data.groups[].rules[] | "\(.name) \(.annotations.runbook_url)"' <<<"$rules")
t_eq "rules: runbook_url points at a section of docs/findings.md" "" "${bad# }"
untested=""
for a in $want_alerts; do
	grep -q "alertname: $a\$" "$RULES_TEST" || untested="$untested $a"
done
t_eq "rules: every alert has a unit test" "" "${untested# }"
names=$(grep -oE '\bfaultlock_[a-z0-9_]+' "$RULES" | sort -u)
t_eq "rules: name only exported (or upcoming) metrics" "" "$(unknown_names "$names" "$UPCOMING_RULES")"
# A healthy daemon on this host raises nothing; the daemon stopped, FaultlockDown.
sleep 2
t_eq "rules: a healthy daemon raises no alert" "" "$(api alerts | jq -r '.data.alerts[] | "\(.labels.alertname) \(.state)"')"

echo "== Grafana dashboard"
t_eq "dashboard: JSON with uid and title" "faultlock faultlock" "$(jq -r '"\(.uid) \(.title)"' "$DASH" 2>/dev/null)"
t_eq "dashboard: panel ids unique" "$(jq '[.. | objects | select(has("gridPos")) | .id] | length' "$DASH")" \
	"$(jq '[.. | objects | select(has("gridPos")) | .id] | unique | length' "$DASH")"
t_eq "dashboard: every panel queries the \$datasource variable" "" \
	"$(jq -r '.panels[] | select(.type != "row") | select(.datasource.uid != "${datasource}" or ([.targets[].datasource.uid] | unique) != ["${datasource}"]) | .title' "$DASH")"
t_eq "dashboard: the datasource variable is a Prometheus one" "datasource prometheus" \
	"$(jq -r '.templating.list[] | select(.name == "datasource") | "\(.type) \(.query)"' "$DASH")"
t_eq "dashboard: every panel has a query" "" \
	"$(jq -r '.panels[] | select(.type != "row") | select((.targets | length) == 0 or any(.targets[]; (.expr // "") == "")) | .title' "$DASH")"
t_eq "dashboard: heatmaps read histogram buckets by le" "" \
	"$(jq -r '.panels[] | select(.type == "heatmap") | .targets[] | select(.format != "heatmap" or (.expr | test("_bucket\\{.*by \\(le\\)|by \\(le\\).*_bucket\\{") | not)) | .expr' "$DASH")"
for want in 'DIO calls' 'DIO partial results' 'DIO retries' 'Glock hold time' 'Glock wait time' 'fault_in latency' 'Lock stalls' 'Retry livelocks' 'Findings over time' 'Events lost' 'Hooks attached'; do
	t_eq "dashboard: panel '$want'" 1 "$(jq --arg t "$want" '[.panels[] | select(.title == $t)] | length' "$DASH")"
done
exprs=$(jq -r '[.panels[] | select(.type != "row") | .targets[].expr] + [.templating.list[] | select(.type == "query") | .query.query] | .[]' "$DASH")
names=$(grep -oE '\bfaultlock_[a-z0-9_]+' <<<"$exprs" | sort -u)
t_eq "dashboard: names only metrics faultlock exports" "" "$(unknown_names "$names" "$UPCOMING_DASH")"
for n in $UPCOMING_DASH; do
	has_line "$n" "$exported" || echo "     note: $n not exported yet (upcoming)"
done
t_eq "dashboard: shows every exported family" "" \
	"$(comm -23 <(sed -E 's/_(bucket|sum|count)$//' <<<"$exported" | sort -u) <(sed -E 's/_(bucket|sum|count)$//' <<<"$names" | sort -u) | tr '\n' ' ')"
# Each query as Grafana sends it, variables substituted, run by the real
# Prometheus: a parse or evaluation error fails, an empty result does not
# (families whose hooks cannot attach here are absent).
subst() {
	sed -e 's/\$__rate_interval/1m/g; s/\$__interval/15s/g; s/\$__range/5m/g' \
		-e 's/\$instance/.*/g; s/\$fstype/.*/g' <<<"$1"
}
bad="" nq=0 nonempty=0
while IFS= read -r e; do
	[ -n "$e" ] || continue
	nq=$((nq + 1))
	q=$(subst "$e")
	case $q in
	label_values*)	# a variable's query: its series selector must run
		q=$(sed -E 's/^label_values\((.*), *[a-z_]+\)$/\1/' <<<"$q") ;;
	esac
	r=$(query "$q")
	if [ "$(jq -r .status <<<"$r" 2>/dev/null)" != success ]; then
		bad="$bad
$e -> $(jq -r '.error // "no answer"' <<<"$r" 2>/dev/null)"
		continue
	fi
	[ "$(jq '.data.result | length' <<<"$r")" -gt 0 ] && nonempty=$((nonempty + 1))
done <<<"$exprs"
t_eq "dashboard: every query runs on the real Prometheus ($nq queries)" "" "${bad#?}"
t_ge "dashboard: queries with data on this host" 8 "$nonempty"
r=$(query "$(subst "$(jq -r '.panels[] | select(.title == "DIO calls") | .targets[0].expr' "$DASH")")")
t_match "dashboard: DIO calls panel shows the dd's file system" '"op":"write"' "$(jq -c '.data.result[].metric' <<<"$r")"
r=$(query "$(subst "$(jq -r '.panels[] | select(.title == "Hooks") | .targets[0].expr' "$DASH")")")
t_eq "dashboard: Hooks table has every hook" "$(grep -c '^faultlock_hook_attached{' <<<"$metrics")" "$(jq '.data.result | length' <<<"$r")"

kill -TERM "$dpid"
wait "$dpid" 2>/dev/null
wait_until 15 test "$(api alerts | jq -r '.data.alerts[] | select(.labels.alertname == "FaultlockDown") | .state')" = pending
t_eq "rules: daemon stopped: FaultlockDown pending (for 5m)" pending \
	"$(api alerts | jq -r '.data.alerts[] | select(.labels.alertname == "FaultlockDown") | .state')"
kill -TERM "$ppid_"
wait "$ppid_" 2>/dev/null

echo "== dpkg -r, dpkg -P"
files=$(dpkg-query -L faultlock | while read -r f; do [ -d "$f" ] || echo "$f"; done)
echo 'FAULTLOCK_OPTS="--events /var/log/faultlock/events.json"' >>/etc/default/faultlock
mkdir -p /var/log/faultlock && echo '{}' >/var/log/faultlock/events.json
dpkg -r faultlock >"$work/dpkg-r.log" 2>&1
t_eq "dpkg -r: exit 0" 0 "$?"
t_eq "dpkg -r: config-files left" "deinstall ok config-files" "$(dpkg-query -W -f='${Status}' faultlock 2>/dev/null)"
left=""
for f in $files; do
	[ "$f" = /etc/default/faultlock ] && continue
	[ -e "$f" ] && left="$left $f"
done
t_eq "dpkg -r: every file but the conffile gone" "" "${left# }"
t_match "dpkg -r: edited conffile kept" 'events.json' "$(cat /etc/default/faultlock 2>/dev/null)"
dpkg -P faultlock >"$work/dpkg-p.log" 2>&1
t_eq "dpkg -P: exit 0" 0 "$?"
t_eq "dpkg -P: no package record" "" "$(dpkg-query -W -f='${Status}' faultlock 2>/dev/null)"
left=""
for f in $files /etc/systemd/system/multi-user.target.wants/faultlock.service /var/log/faultlock; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
t_eq "dpkg -P: nothing left (conffile, enable link, logs)" "" "${left# }"
t_eq "dpkg -P: no systemd enable or mask state left" "" "$(find /etc/systemd /var/lib/systemd -name 'faultlock*' 2>/dev/null | tr '\n' ' ')"
installed_here=no
restore_preinstalled

t_done package

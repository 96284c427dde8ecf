#!/usr/bin/env bash
# Runs every test tier even when one fails, then prints the total as the
# closing "N passed, N failed" line. TIERS="unit host" narrows
# (tiers: unit fuzz host daemon san package vm cluster).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log=$(mktemp -d /tmp/faultlock-tests.XXXXXX)
trap 'rm -rf "$log"' EXIT
total_pass=0 total_fail=0 status=0

run_tier() {	# run_tier NAME CMD...
	local name=$1 rc line p f
	shift
	echo "######## $name"
	"$@" 2>&1 | tee "$log/$name"
	rc=${PIPESTATUS[0]}
	line=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log/$name" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: no result line (exit $rc): counted as 1 failure"
		p=0 f=1
	else
		p=${line%% passed*}
		f=${line#*, }; f=${f%% failed*}
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$rc" -ne 0 ] && status=1
	return 0
}

for tier in ${TIERS:-unit fuzz host daemon san package vm cluster}; do
	case $tier in
	unit) run_tier unit tests/unit/run.sh .output/unit/test_* ;;
	fuzz) run_tier fuzz tests/fuzz/run.sh .output/fuzz/fuzz_record* .output/fuzz/fuzz_http .output/fuzz/fuzz_listen .output/fuzz/fuzz_options ;;
	host) run_tier host tests/host/run.sh ;;
	daemon) run_tier daemon tests/daemon/run.sh ;;
	san) run_tier san tests/san/run.sh ;;
	package) run_tier package tests/package/run.sh ;;
	vm) run_tier vm env FAULTLOCK_BIN="$top/faultlock" WORKLOAD_DIR="$top/.output/workloads" tests/vm/matrix.sh ;;
	cluster) run_tier cluster env FAULTLOCK_BIN="$top/faultlock" WORKLOAD_DIR="$top/.output/workloads" tests/vm/cluster.sh ;;
	*) echo "unknown tier $tier"; status=1 ;;
	esac
done
echo
echo "all tiers: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && exit "$status"
exit 1

#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Time-boxed libFuzzer runs of every fuzz target given (make fuzz builds
# them): FUZZ_SECONDS each (default 15), a corpus per target kept under
# .output/fuzz/ so later runs start where earlier ones stopped. A crash or
# sanitizer report fails the target and leaves the input as
# .output/fuzz/crashes/<target>-crash-<sha1> (replay: run the target on it).
# Ends with "N passed, N failed".
set -u
secs=${FUZZ_SECONDS:-15}
passed=0
failed=0
if [ $# -eq 0 ]; then
	echo "run.sh: no fuzz targets given" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
for bin in "$@"; do
	name=$(basename "$bin")
	dir=$(dirname "$bin")
	mkdir -p "$dir/corpus-$name" "$dir/crashes"
	log=$(mktemp)
	"$bin" -max_total_time="$secs" -max_len=1024 -print_final_stats=1 \
		-artifact_prefix="$dir/crashes/$name-" "$dir/corpus-$name" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		passed=$((passed + 1))
		echo "PASS $name: $runs inputs in ${secs}s, no finding"
	else
		failed=$((failed + 1))
		echo "FAIL $name: exit $rc"
		grep -E 'ERROR|SUMMARY|runtime error|deadly signal|Test unit written' "$log" | head -n 20 | sed 's/^/    | /'
	fi
	rm -f "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs cmocka test binaries, shows their output, and ends with one line:
#   N passed, N failed
# (test cases over all binaries). Exits non-zero if any binary failed,
# crashed, hung (UNIT_TIMEOUT seconds, default 120) or printed no cmocka summary.
#   usage: tests/unit/run.sh .output/unit/test_*   (*.d files are skipped)
set -u

timeout_s=${UNIT_TIMEOUT:-120}
passed=0
failed=0
skipped=0
ran=0
bad=0

if [ $# -eq 0 ]; then
	echo "run.sh: no test binaries given" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

# cmocka's default format is the one parsed below.
unset CMOCKA_MESSAGE_OUTPUT CMOCKA_XML_FILE
# Line-buffered stdout so cmocka's stdout and stderr lines stay in order.
stdbuf=()
command -v stdbuf >/dev/null && stdbuf=(stdbuf -oL -eL)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for bin in "$@"; do
	# A glob like .output/unit/test_* also matches gcc's .d files: skip them.
	case $bin in *.d|*.o|*.c) continue ;; esac
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		echo "run.sh: $bin: not an executable test binary" >&2
		failed=$((failed + 1))
		bad=1
		continue
	fi
	ran=$((ran + 1))
	echo "=== ${bin##*/}"
	timeout -k 5 "$timeout_s" "${stdbuf[@]}" "$bin" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}

	total=$(sed -n 's/^\[==========\] Running \([0-9][0-9]*\) test(s)\.$/\1/p' "$log" | head -n1)
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\.$/\1/p' "$log" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*$/\1/p' "$log" | tail -n1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test(s).*$/\1/p' "$log" | tail -n1)
	if [ -z "$p$f$s" ]; then
		# No summary (crash, hang, exit): count the cases that did report.
		p=$(grep -c '^\[       OK \] ' "$log")
		f=$(grep -c '^\[  FAILED  \] [^0-9]' "$log")
		s=$(grep -c '^\[  SKIPPED \] [^0-9]' "$log")
	fi
	p=${p:-0}
	f=${f:-0}
	s=${s:-0}
	skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] || [ -z "$total" ] || [ $((p + f + s)) -lt "$total" ]; then
		bad=1
		# Cases that never reported count as failed; a failing binary fails at least one.
		missing=$(( ${total:-0} - p - f - s ))
		[ "$missing" -gt 0 ] && f=$((f + missing))
		[ "$f" -eq 0 ] && f=1
		case $rc in
		0) why="no cmocka summary" ;;
		124) why="timed out after ${timeout_s}s" ;;
		137) why="killed by SIGKILL (or timed out after ${timeout_s}s)" ;;
		*) if [ "$rc" -gt 128 ]; then why="killed by signal $((rc - 128))"
		   else why="exit status $rc"; fi ;;
		esac
		echo "run.sh: ${bin##*/}: $why" >&2
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

if [ "$ran" -eq 0 ]; then
	echo "run.sh: no test binary among: $*" >&2
	bad=1
fi
[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
if [ -n "${FL_RESULTS_DIR:-}" ]; then
	mkdir -p "$FL_RESULTS_DIR" && echo "$passed $failed" >"$FL_RESULTS_DIR/unit"
fi
echo "$passed passed, $failed failed"
[ "$bad" -eq 0 ] && [ "$failed" -eq 0 ]

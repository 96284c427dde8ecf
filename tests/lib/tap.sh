# shellcheck shell=bash
# Minimal test bookkeeping shared by the shell test tiers: ok/fail lines and
# the closing "N passed, N failed" line CI reads.
T_PASS=0
T_FAIL=0
T_FAILED_NAMES=()

t_ok() { T_PASS=$((T_PASS + 1)); printf 'PASS %s\n' "$1"; }
t_fail() {
	T_FAIL=$((T_FAIL + 1)); T_FAILED_NAMES+=("$1")
	printf 'FAIL %s\n' "$1"
	shift
	[ $# -gt 0 ] && printf '     %s\n' "$@"
	return 0
}
# t_eq NAME EXPECTED ACTUAL
t_eq() {
	if [ "$2" == "$3" ]; then t_ok "$1"; else t_fail "$1" "expected: $2" "actual:   $3"; fi
}
# t_ge NAME MIN ACTUAL
t_ge() {
	if [[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -ge "$2" ]; then t_ok "$1"; else t_fail "$1" "expected >= $2" "actual:   $3"; fi
}
# t_lt NAME MAX ACTUAL: ACTUAL is a number below MAX
t_lt() {
	if [[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -lt "$2" ]; then t_ok "$1"; else t_fail "$1" "expected < $2" "actual:   $3"; fi
}
# t_match NAME REGEX TEXT
# A here-string, not a pipe: grep -q leaves at its first match, and a
# printf still writing then dies of SIGPIPE, which pipefail turned into a
# failed match (seen with the VM tier loading the machine).
t_match() {
	if grep -Eq -- "$2" <<<"$3"; then t_ok "$1"; else t_fail "$1" "no match for: $2" "in: $(printf '%s' "$3" | head -c 2000)"; fi
}
t_nomatch() {
	if grep -Eq -- "$2" <<<"$3"; then t_fail "$1" "unexpected match for: $2" "in: $(printf '%s' "$3" | head -c 2000)"; else t_ok "$1"; fi
}
# Closing line, and the exit status of the tier.
t_done() {
	local tier=$1
	if [ "${#T_FAILED_NAMES[@]}" -gt 0 ]; then
		printf 'failed in %s:\n' "$tier"
		printf '  %s\n' "${T_FAILED_NAMES[@]}"
	fi
	if [ -n "${FL_RESULTS_DIR:-}" ]; then
		mkdir -p "$FL_RESULTS_DIR"
		echo "$T_PASS $T_FAIL" > "$FL_RESULTS_DIR/$tier"
	fi
	printf '%s: %d passed, %d failed\n' "$tier" "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ]
}

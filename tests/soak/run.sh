#!/bin/sh
# The kill soak of one build directory: on SQLite, then on a throwaway
# PostgreSQL of scripts/pgtest.sh (two daemons on one database), stopped
# by its PID afterwards. SOAK_KILLS, SOAK_SEED, SOAK_RATE and SOAK_GROUPS
# pass through to the program. The last line sums both runs.
# Usage: tests/soak/run.sh BUILD
set -u
build=${1:-build}
export FANGFEI_BIN="$build/fangfei"
unset FANGFEI_TEST_PG
rc=0
log=$(mktemp)
status=$(mktemp)
one=$(mktemp)
trap 'rm -f "$log" "$status" "$one"' EXIT
# soak [VAR=value]: one run, its output to the screen and the log; an
# exit status other than 0 fails the whole, and counts as one failure
# when the run did not get to its closing line.
soak() {
	{ env "$@" "$build/tests/soak" 2>&1; echo $? >"$status"; } |
	    tee "$one"
	cat "$one" >>"$log"
	[ "$(cat "$status")" = 0 ] && return
	rc=1
	grep -q '^soak on .* passed, .* failed$' "$one" ||
		echo "soak on an engine: 0 passed, 1 failed (exit status" \
		    "$(cat "$status"))" | tee -a "$log"
}
echo "== soak on SQLite"
soak
echo "== soak on PostgreSQL"
if pg=$(sh scripts/pgtest.sh start); then
	pgdir=$(echo "$pg" | head -1)
	trap 'sh scripts/pgtest.sh stop "$pgdir"; rm -f "$log" "$status" "$one"' \
	    EXIT
	trap 'exit 130' INT TERM
	soak FANGFEI_TEST_PG="$(echo "$pg" | tail -1)"
else
	echo "soak on PostgreSQL: none (scripts/pgtest.sh start):" \
	    "0 passed, 1 failed" | tee -a "$log"
	rc=1
fi
passed=$(sed -n 's/^soak on .*: \([0-9]*\) passed, .*/\1/p' "$log" |
    awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^soak .*: [0-9]* passed, \([0-9]*\) failed.*/\1/p' "$log" |
    awk '{s+=$1} END {print s+0}')
echo "soak: $passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]

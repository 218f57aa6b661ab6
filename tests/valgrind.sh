#!/bin/sh
# Runs the unit test programs of one build under valgrind's memcheck and
# prints a closing "N passed, N failed" line. A program fails on a failed
# test, on any memcheck error (uninitialised reads, invalid accesses) or
# on a definite leak.
# Usage: tests/valgrind.sh BUILD        (make valgrind)
set -u
build=${1:-build}
export FANGFEI_TEST_DATA=tests/data
command -v valgrind >/dev/null 2>&1 || {
	echo "valgrind: not found (scripts/deps.sh test installs it)" >&2
	echo "0 passed, 1 failed"
	exit 1
}
pass=0 fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "$build"/tests/test_*; do
	case "$t" in *.d|*.o) continue ;; esac
	# PostgreSQL only (tests/run.sh's second pass).
	case "$t" in */test_pgschema) continue ;; esac
	[ -x "$t" ] || continue
	echo "== valgrind $t"
	start=$(date +%s)
	valgrind --quiet --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --track-origins=yes --num-callers=30 --child-silent-after-fork=yes \
	    "$t" >"$out" 2>&1
	st=$?
	# The programs' own counts: each [ PASSED ] / [ FAILED ] line of
	# cmocka's summary.
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$out" |
	    awk '{ n += $1 } END { print n + 0 }')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' \
	    "$out" | awk '{ n += $1 } END { print n + 0 }')
	if [ "$st" -ne 0 ]; then
		grep -E '^==[0-9]+==' "$out" | head -60
		grep -E '^\[  (FAILED|ERROR)' "$out" | head -20
		[ "$f" -eq 0 ] && f=1	# memcheck's errors, or a crash
	fi
	echo "-- $(basename "$t"): $p passed, $f failed, $(($(date +%s) - start)) s"
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

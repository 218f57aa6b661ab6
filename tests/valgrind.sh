#!/bin/sh
# Runs the unit test programs of one build under valgrind's memcheck,
# FANGFEI_TEST_JOBS (2) at a time, and prints a closing "N passed, N
# failed" line. A program fails on a failed test, on any memcheck error
# (uninitialised reads, invalid accesses) or on a definite leak.
# Usage: tests/valgrind.sh BUILD        (make valgrind)
#   VALGRIND_ORIGINS=1   also where uninitialised values came from
set -u
if [ "${1:-}" = --one ]; then
	# --one PROGRAM OUTDIR: one program; its output and a line
	# "PASSED FAILED SECONDS" in OUTDIR.
	t=$2 out=$3/$(basename "$2")
	start=$(date +%s)
	# Where an uninitialised value came from costs twice the time:
	# VALGRIND_ORIGINS=1 asks for it.
	origins=
	[ "${VALGRIND_ORIGINS:-0}" = 1 ] && origins=--track-origins=yes
	valgrind --quiet --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    $origins --num-callers=30 "$t" >"$out.out" 2>&1
	st=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$out.out" |
	    awk '{ n += $1 } END { print n + 0 }')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' \
	    "$out.out" | awk '{ n += $1 } END { print n + 0 }')
	# Memcheck's errors, or a crash, with no failed test: one failure.
	[ "$st" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "$p $f $(($(date +%s) - start)) $st" >"$out.res"
	exit 0
fi
build=${1:-build}
export FANGFEI_TEST_DATA=tests/data
command -v valgrind >/dev/null 2>&1 || {
	echo "valgrind: not found (scripts/deps.sh test installs it)"
	echo "valgrind: 0 passed, 1 failed"
	exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "$build"/tests/test_*; do
	case "$t" in *.d|*.o) continue ;; esac
	# PostgreSQL only (tests/run.sh's second pass).
	case "$t" in */test_pgschema) continue ;; esac
	[ -x "$t" ] && echo "$t"
done | xargs -P "${FANGFEI_TEST_JOBS:-2}" -I PROG \
    sh "$0" --one PROG "$work"
pass=0 fail=0
for r in "$work"/*.res; do
	[ -e "$r" ] || continue
	n=$(basename "$r" .res)
	read -r p f secs st <"$r"
	echo "== valgrind $n"
	if [ "$st" -ne 0 ]; then
		grep -E '^==[0-9]+==' "$work/$n.out" | head -60
		echo "(VALGRIND_ORIGINS=1 make valgrind: where uninitialised" \
		    "values came from)"
		grep -E '^\[ +(FAILED|ERROR|LINE)' "$work/$n.out" | head -20
	fi
	echo "-- $n: $p passed, $f failed, $secs s"
	pass=$((pass + p))
	fail=$((fail + f))
done
[ "$pass" -gt 0 ] || fail=$((fail + 1))	# nothing ran
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# make test's four passes, side by side: the normal build's suite (SQLite,
# then PostgreSQL), the suite under ASan+UBSan, the end-to-end suites
# under ThreadSanitizer and the unit suites under valgrind's memcheck.
#
#   sh tests/ci.sh                (make test, after scripts/deps.sh test)
#
# Most of a pass's time is waiting (on a daemon, a fake platform, Kannel,
# a timer): run one after another, the passes left the two cores idle for
# about half of CI's time. So the normal build comes first, and then,
# at once:
#   - the normal suite, as soon as its build is there;
#   - the ASan+UBSan build, then its suite;
#   - the ThreadSanitizer build, then its suite;
#   - the unit suites of the normal build under memcheck.
# The builds and memcheck (work for the CPU alone) run at a lower
# priority (nice), so the suites that wait on clocks keep their turn;
# among them the two sanitizer builds come first (nice 5), as their
# suites wait on them, and memcheck last (15), which nothing waits for
# and which takes what CPU the others leave.
# Each pass writes its own log (build-test.log, build-test-asan.log,
# build-test-tsan.log, build-test-valgrind.log); they are printed whole, in
# that order, once all are done, and tests/summary.sh sums their closing
# lines into the last line, which CI reads. The exit status is non-zero
# when any pass failed or could not be built.
#
# Environment: MAKE (make), JOBS (the builds' -j: the number of CPUs),
# FANGFEI_TEST_JOBS (each suite's programs at a time: tests/run.sh).
set -u
cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# build NICENESS SANITIZER: the binaries a pass needs, at a lower
# priority.
build() {
	nice -n "$1" "$MAKE" -j"$JOBS" --no-print-directory \
	    SANITIZER="$2" test-bins
}

# pass NAME LOG COMMAND...: runs COMMAND (a function or a program) with
# its output in LOG, its exit status in $work/NAME.status.
pass() {
	name=$1 out=$2
	shift 2
	"$@" >>"$out" 2>&1
	echo $? >"$work/$name.status"
}

# sanitized NICENESS SANITIZER: a sanitizer's pass, its build, then its
# suite.
sanitized() {
	build "$1" "$2" && sh tests/run.sh "build-$2"
}

# memcheck's pass, at the lowest priority.
memcheck() {
	nice -n 15 "$MAKE" -j"$JOBS" --no-print-directory valgrind
}

logs="build-test.log build-test-asan.log build-test-tsan.log
    build-test-valgrind.log"
for l in $logs; do
	: >"$l"
done
if ! "$MAKE" -j"$JOBS" --no-print-directory test-bins >build-test.log 2>&1
then
	cat build-test.log
	echo "build: the normal build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
pass normal build-test.log sh tests/run.sh build &
pass asan build-test-asan.log sanitized 5 address &
pass tsan build-test-tsan.log sanitized 5 thread &
pass valgrind build-test-valgrind.log memcheck &
wait
rc=0
set -- normal build-test.log asan build-test-asan.log \
    tsan build-test-tsan.log valgrind build-test-valgrind.log
while [ $# -ge 2 ]; do
	st=$(cat "$work/$1.status" 2>/dev/null || echo 1)
	if [ "$st" != 0 ]; then
		rc=1
		# A pass that stopped before its closing line (its build
		# failed) counts as one failure.
		grep -q '^[^ ]*: [0-9]* passed, [0-9]* failed$' "$2" ||
			echo "$1: 0 passed, 1 failed (exit status $st)" >>"$2"
	fi
	shift 2
done
# shellcheck disable=SC2086
cat $logs
# What failed, again just above the closing line (where a reader of the
# output's tail is): each failed test with its program, and each failure
# of a pass or a program as a whole.
# shellcheck disable=SC2086
awk 'function say(what) { if (!seen[what]++) print "failed: " what }
    /^== / { prog = substr($0, 4) }
    /^\[  FAILED  \] [^0-9]/ { say(prog ": " substr($0, 14)) }
    /^\[  FAILED  \] 1 test\(s\): / { say(substr($0, 25)) }
    /^[^ ]*: 0 passed, 1 failed \(exit/ { say($0) }' $logs
# shellcheck disable=SC2086
sh tests/summary.sh $logs
exit "$rc"

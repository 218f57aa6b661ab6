#!/bin/sh
# Runs the unit tests, the end-to-end tests and the browser tests of one
# build directory and prints a closing "N passed, N failed" line, and
# before it the slowest programs (each one's seconds, wall clock, are on a
# "-- NAME: N s" line after its output).
#
# The programs on SQLite and the browser tests run FANGFEI_TEST_JOBS (2)
# at a time: most of their time goes in waiting (on a daemon, a fake
# platform, Kannel, a timer), each listens on ports the system picks and
# keeps its files in a directory of its own (mkdtemp); their output is
# shown whole, in the order they started, as each is done. The pass on
# PostgreSQL runs as many, each on a server of its own slot.
# The ThreadSanitizer build (build-thread) runs the end-to-end programs
# only, on SQLite: their daemon is where the threads are (the delivery
# thread, the long connections', the request pool).
# Usage: tests/run.sh BUILD
set -u
build=${1:-build}
thread=0
case "$build" in *-thread) thread=1 ;; esac
# A race ThreadSanitizer finds ends the program with status 66, so that
# the daemon's report fails its test.
export TSAN_OPTIONS="${TSAN_OPTIONS:-exitcode=66 second_deadlock_stack=1}"
export FANGFEI_BIN="$build/fangfei"
export FANGFEI_TEST_DATA=tests/data
log=$(mktemp)
status=$(mktemp)
rc=0
one=$(mktemp)
times=$(mktemp)
work=$(mktemp -d)
jobs=${FANGFEI_TEST_JOBS:-2}
# The wall clock in seconds, to the millisecond.
now() {
	date +%s.%N | cut -c1-14
}
# since T0: seconds from T0 to now, to a tenth.
since() {
	echo "$1 $(now)" | awk '{printf "%.1f", $2 - $1}'
}
# report NAME OUTPUT STATUS SECONDS: of a program whose output was shown,
# its time, its output to the log, and its verdict. An exit status other
# than 0 fails the run; when no test of the program failed (a crash after
# its tests, a sanitizer's report at exit) it counts as one failure.
report() {
	echo "-- $1: $4 s"
	echo "$4 $1" >>"$times"
	cat "$2" >>"$log"
	[ "$3" = 0 ] && return
	rc=1
	grep -q '^\[  FAILED  \]' "$2" ||
		echo "[  FAILED  ] 1 test(s): $1 exited with status $3" |
		    tee -a "$log"
}
# run NAME COMMAND...: runs it, its output to the screen as it comes.
run() {
	name=$1
	shift
	t0=$(now)
	{ "$@" 2>&1; echo $? >"$status"; } | tee "$one"
	report "$name" "$one" "$(cat "$status")" "$(since "$t0")"
}
# The free slots of the jobs below: a line each in a FIFO. A slot's line
# is empty on SQLite; on PostgreSQL it is the URL of a server of its own.
mkfifo "$work/slots"
exec 3<>"$work/slots"
i=0
while [ "$i" -lt "$jobs" ]; do
	echo >&3
	i=$((i + 1))
done
started=0
shown=0
# job NAME COMMAND...: runs it in the background once a slot is free,
# its output to $work/N.out; N.status, written last, says it is done.
# FANGFEI_TEST_PG is the slot's server, when it has one.
job() {
	read -r slot <&3
	started=$((started + 1))
	echo "$1" >"$work/$started.name"
	(
		t0=$(now)
		shift
		[ -n "$slot" ] && export FANGFEI_TEST_PG="$slot"
		"$@" >"$work/$started.out" 2>&1 3>&-
		st=$?
		since "$t0" >"$work/$started.secs"
		echo "$st" >"$work/$started.st"
		mv "$work/$started.st" "$work/$started.status"
		echo "$slot" >&3
	) &
	show
}
# show: the output of the jobs that are done, in the order they started
# (one still running holds back those after it).
show() {
	while [ "$shown" -lt "$started" ] &&
	    [ -e "$work/$((shown + 1)).status" ]; do
		shown=$((shown + 1))
		name=$(cat "$work/$shown.name")
		echo "== $name"
		cat "$work/$shown.out"
		report "$name" "$work/$shown.out" \
		    "$(cat "$work/$shown.status")" "$(cat "$work/$shown.secs")"
	done
}
# The console and the chat simulator in Chromium, against the same binary
# (puppeteer-core comes from make check into build/browser); first, as
# the longest.
if [ "$thread" = 1 ]; then
	:
elif command -v node >/dev/null 2>&1; then
	job tests/browser node tests/browser/run.mjs
else
	echo "== tests/browser"
	echo "[  FAILED  ] 1 test(s): node is missing (scripts/deps.sh test)" |
	    tee -a "$log"
	rc=1
fi
for t in "$build"/tests/test_* "$build"/tests/e2e "$build"/tests/e2e_*; do
	case "$t" in *.d|*.o) continue ;; esac
	# PostgreSQL only: it belongs to PG_TESTS below.
	case "$t" in */e2e_pg|*/e2e_twoinst|*/test_pgschema) continue ;; esac
	case "$thread$t" in 1*/test_*) continue ;; esac
	# The outage suite (its short run) waits out the daemon's 30 s
	# after a refused access token: in the normal build only. The
	# ten-minute run: E2E_OUTAGE_SECONDS=600 BUILD/tests/e2e_outage.
	case "$build:${t##*/}" in *-*:e2e_outage) continue ;; esac
	[ -x "$t" ] || continue
	job "$t" "$t"
done
wait
show
# The suites that run on either engine, again on PostgreSQL: throwaway
# servers of scripts/pgtest.sh, one for each slot (ownership there is
# advisory locks, shared by every schema of a database, so two programs
# on one server would take each other's), each store in a schema of its
# own, the servers stopped by their PIDs afterwards.
# In the sanitizer build, three suites that between them go through most
# of storage/db_pg.c; in the normal build, every unit suite that uses a
# store, and the end-to-end suites whose work is the database's (the
# whole suite must stay well inside CI's time), the longest first. Not
# here: the channels' own suites (their storage is the same calls), those
# about SQLite's own file (backup and restore, the key file beside it, a
# write lock held from outside the daemon), and the long connections',
# whose second daemon shares the first's file (ownership on PostgreSQL is
# test_locks').
case "$build" in
*-*)	PG_TESTS="test_storage test_outbox test_pgschema" ;;
*)	PG_TESTS="e2e_twoinst e2e_outbox test_storage e2e_remind e2e
	    test_remind e2e_staffsec e2e_websec e2e_pg e2e_trust
	    test_channels test_handlers test_ics test_import
	    test_keycheck test_ledger test_ledger_export test_letters test_locks
	    test_outbox test_patrols test_pgschema test_phones
	    test_scanq test_sessions test_staffsec test_trust
	    e2e_chansec e2e_config e2e_console e2e_ics e2e_leads
	    e2e_ledger e2e_ledger_api e2e_logs e2e_metrics
	    e2e_patrols e2e_registry_api e2e_stats" ;;
esac
pgdirs=
pgstop() {
	for d in $pgdirs; do
		sh scripts/pgtest.sh stop "$d"
	done
	pgdirs=
}
if [ "$thread" = 0 ]; then
	trap pgstop EXIT
	trap 'exit 130' INT TERM
	# Every slot is free: each gets a server instead of its empty line.
	i=0
	while [ "$i" -lt "$jobs" ]; do
		read -r _ <&3
		if pg=$(sh scripts/pgtest.sh start); then
			pgdirs="$pgdirs $(echo "$pg" | head -1)"
			echo "$pg" | tail -1 >&3
		else
			echo "[  FAILED  ] 1 test(s): no PostgreSQL for the" \
			    "second pass (scripts/pgtest.sh start)" | tee -a "$log"
			rc=1
			break
		fi
		i=$((i + 1))
	done
	if [ "$i" -eq "$jobs" ]; then
		for t in $PG_TESTS; do
			job "$t on PostgreSQL" "$build/tests/$t"
		done
		wait
		show
	fi
	pgstop
	trap - EXIT
fi
exec 3>&-
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
echo "$build: the slowest programs (seconds)"
sort -rn "$times" | head -12 | sed 's/^/  /'
awk '{s+=$1} END {printf "  %.1f in all\n", s}' "$times"
rm -f "$log" "$status" "$one" "$times"
rm -rf "$work"
echo "$build: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]

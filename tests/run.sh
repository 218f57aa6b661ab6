#!/bin/sh
# Runs the unit tests, the end-to-end tests and the browser tests of one
# build directory and prints a closing "N passed, N failed" line.
# Usage: tests/run.sh BUILD
set -u
build=${1:-build}
export FANGFEI_BIN="$build/fangfei"
export FANGFEI_TEST_DATA=tests/data
log=$(mktemp)
status=$(mktemp)
rc=0
one=$(mktemp)
# run NAME COMMAND...: its output to the screen and the log. An exit status
# other than 0 fails the run; when no test of the program failed (a crash
# after its tests, a sanitizer's report at exit) it counts as one failure.
run() {
	name=$1
	shift
	{ "$@" 2>&1; echo $? >"$status"; } | tee "$one"
	cat "$one" >>"$log"
	[ "$(cat "$status")" = 0 ] && return
	rc=1
	grep -q '^\[  FAILED  \]' "$one" ||
		echo "[  FAILED  ] 1 test(s): $name exited with status" \
		    "$(cat "$status")" | tee -a "$log"
}
for t in "$build"/tests/test_* "$build"/tests/e2e "$build"/tests/e2e_*; do
	case "$t" in *.d|*.o) continue ;; esac
	# PostgreSQL only: it belongs to PG_TESTS below.
	case "$t" in */e2e_pg|*/e2e_twoinst|*/test_pgschema) continue ;; esac
	# The outage suite (its short run) waits out the daemon's 30 s
	# after a refused access token: in the normal build only. The
	# ten-minute run: E2E_OUTAGE_SECONDS=600 BUILD/tests/e2e_outage.
	case "$build:${t##*/}" in *-*:e2e_outage) continue ;; esac
	[ -x "$t" ] || continue
	echo "== $t"
	run "$t" "$t"
done
# The suites that run on either engine, again on PostgreSQL: a throwaway
# server of scripts/pgtest.sh, each store in a schema of its own, the
# server stopped by its PID afterwards.
# In the sanitizer build, three suites that between them go through most
# of storage/db_pg.c; in the normal build, every unit suite that uses a
# store, and the end-to-end suites whose work is the database's (the
# whole suite must stay well inside CI's time). Not here: the channels'
# own suites (their storage is the same calls), those about SQLite's own
# file (backup and restore, the key file beside it, a write lock held
# from outside the daemon), and the long connections', whose second
# daemon shares the first's file (ownership on PostgreSQL is
# test_locks').
case "$build" in
*-*)	PG_TESTS="test_storage test_outbox test_pgschema" ;;
*)	PG_TESTS="test_channels test_handlers test_ics test_import
	    test_keycheck test_ledger test_ledger_export test_letters test_locks
	    test_outbox test_patrols test_pgschema test_phones test_remind
	    test_scanq test_sessions test_staffsec test_storage test_trust
	    e2e_pg e2e e2e_chansec e2e_config e2e_console e2e_ics e2e_leads
	    e2e_ledger e2e_ledger_api e2e_logs e2e_metrics e2e_outbox
	    e2e_patrols e2e_registry_api e2e_remind e2e_staffsec e2e_trust
	    e2e_twoinst e2e_websec" ;;
esac
if pg=$(sh scripts/pgtest.sh start); then
	pgdir=$(echo "$pg" | head -1)
	trap 'sh scripts/pgtest.sh stop "$pgdir"' EXIT
	trap 'exit 130' INT TERM
	export FANGFEI_TEST_PG="$(echo "$pg" | tail -1)"
	for t in $PG_TESTS; do
		echo "== $build/tests/$t on PostgreSQL"
		run "$t on PostgreSQL" "$build/tests/$t"
	done
	unset FANGFEI_TEST_PG
	sh scripts/pgtest.sh stop "$pgdir"
	trap - EXIT
else
	echo "[  FAILED  ] 1 test(s): no PostgreSQL for the second pass" \
	    "(scripts/pgtest.sh start)" | tee -a "$log"
	rc=1
fi
# The console and the chat simulator in Chromium, against the same binary
# (puppeteer-core comes from make check into build/browser).
echo "== tests/browser"
if command -v node >/dev/null 2>&1; then
	run tests/browser node tests/browser/run.mjs
else
	echo "[  FAILED  ] 1 test(s): node is missing (scripts/deps.sh test)" |
	    tee -a "$log"
	rc=1
fi
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
rm -f "$log" "$status" "$one"
echo "$build: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]

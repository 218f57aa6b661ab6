#!/bin/sh
# The suites at the instants where the calendar turns: the normal build's
# unit and end-to-end programs on SQLite, run under libfaketime with every
# process's clock (the test's, the daemon's, the CLI's) moved to a minute
# before each turn, so that the run crosses it. A test that reads "this
# month" or "today" in one process and the daemon in another fails here,
# where CI would fail only when it happens to run at such an instant.
#
#   sh tests/clocks.sh [BUILD [INSTANT ...]]     (make clocks)
#
# INSTANT: a UTC time `date -d` reads; the defaults (Shanghai, UTC+8):
#   2026-12-31 15:59:00   midnight, a month's and a year's end
#   2026-12-13 15:59:00   Monday 00:00, the week's turn
#   2026-12-11 09:59:00   Friday 18:00, the default patrol deadline
#   2026-12-10 13:59:00   22:00, the default quiet hours begin
# Every process gets the same offset (FAKETIME="+N" seconds), so that they
# agree; the monotonic clock is left alone (the tests' deadlines use it).
# Left out: the PostgreSQL suites (their servers would need the offset
# too) and the long connections' (libwebsockets misbehaves under
# libfaketime even with no offset), and e2e_outage (its clock is its own).
# Each program's output is in $TMPDIR/fangfei-clocks-*/INSTANT/NAME.log.
# Ends with "N passed, N failed" (programs); exit status 1 when any failed.
# Needs Debian's faketime (scripts/deps.sh test installs it).
set -u
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- "2026-12-31 15:59:00" "2026-12-13 15:59:00" \
    "2026-12-11 09:59:00" "2026-12-10 13:59:00"
lib=
for l in /usr/lib/*/faketime/libfaketimeMT.so.1; do
	[ -e "$l" ] && lib=$l
done
if [ -z "$lib" ]; then
	echo "clocks.sh: libfaketime missing: apt-get install -y faketime" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
export FANGFEI_BIN="$build/fangfei" FANGFEI_TEST_DATA=tests/data
progs=
for t in "$build"/tests/test_* "$build"/tests/e2e "$build"/tests/e2e_*; do
	case "${t##*/}" in
	*.d|*.o|e2e_pg|e2e_twoinst|test_pgschema|e2e_outage|e2e_fakews|\
	    e2e_stream_*)
		continue ;;
	esac
	[ -x "$t" ] && progs="$progs ${t##*/}"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/fangfei-clocks-XXXXXX")
passed=0 failed=0
for at in "$@"; do
	target=$(date -u -d "$at" +%s) || exit 1
	off=$((target - $(date -u +%s)))
	dir="$work/$(echo "$at" | tr ' :' '_-')"
	mkdir -p "$dir"
	echo "== $at UTC (offset $off s)"
	# shellcheck disable=SC2086,SC2016
	printf '%s\n' $progs |
	    LD_PRELOAD="$lib" FAKETIME=$(printf '%+d' "$off") \
	    FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_DONT_RESET=1 \
	    xargs -P 2 -I{} sh -c '"$0/tests/$1" >"$2/$1.log" 2>&1;
		echo "$1 $?" >>"$2/status"' "$build" {} "$dir"
	while read -r name st; do
		if [ "$st" = 0 ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "failed: $name at $at (status $st): $dir/$name.log"
		fi
	done <"$dir/status"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

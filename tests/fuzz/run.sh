#!/bin/sh
# Builds the libFuzzer harnesses in tests/fuzz/ with clang (ASan + UBSan,
# the project sources compiled in, not build/libfangfei.a) and runs each
# for FUZZ_SECONDS seconds (default 30) from its seed corpus.
#
# Usage: sh tests/fuzz/run.sh [HARNESS ...]     (default: all fuzz_*.c)
#   FUZZ_SECONDS=N   time per harness
#   FUZZ_RUNS=N      also stop a harness after N executions
#   CLANG=clang-14   the compiler
#   FUZZ_JOBS=N      parallel compiles (default: number of CPUs)
#
# Outputs go to build-fuzz/: objects, binaries, logs/<harness>.log, the
# grown corpus in corpus/<harness>/ (the seeds in tests/fuzz/corpus/ are
# only read) and crash inputs in artifacts/. Reproduce one with:
#   build-fuzz/fuzz_telegram build-fuzz/artifacts/fuzz_telegram-crash-…
# At the end a table gives, per harness, the executions (libFuzzer's
# stat::number_of_executed_units), executions per second, seconds run and
# what it found; the last line is "N passed, N failed"; the exit status is
# 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 1

CLANG=${CLANG:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_RUNS=${FUZZ_RUNS:-}
FUZZ_JOBS=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
OUT=build-fuzz
# The Makefile's PKGS, asked of make (the list spans several lines), so
# that a library added there is linked here.
# shellcheck disable=SC2016 # a make expression, for make
PKGS=$(printf 'fuzz-print-pkgs:\n\t@echo $(PKGS)\n' |
    make --no-print-directory -s -f Makefile -f - fuzz-print-pkgs 2>/dev/null)
[ -n "$PKGS" ] || PKGS="libmicrohttpd jansson sqlite3 libcrypto inih libprotobuf-c"

SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 $SAN -fno-omit-frame-pointer -std=c11 -D_DEFAULT_SOURCE -I."
# shellcheck disable=SC2086 # PKGS is a list
LIBS="$(pkg-config --libs $PKGS) -lcsv -lpthread"
# shellcheck disable=SC2086
CFLAGS="$CFLAGS $(pkg-config --cflags $PKGS)"

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz: $CLANG not found (make fuzz installs clang)" >&2
	exit 1
fi
if [ -n "$*" ]; then
	harnesses=$*
else
	harnesses=""
	for f in tests/fuzz/fuzz_*.c; do
		f=${f##*/}
		harnesses="$harnesses ${f%.c}"
	done
fi

mkdir -p "$OUT/obj" "$OUT/logs" "$OUT/artifacts" "$OUT/corpus"

# The project sources: the Makefile's LIB_SRCS, asked of make itself so
# that the list follows the Makefile (the fallback is what it said when
# this was written).
# shellcheck disable=SC2016 # a make expression, for make
srcs=$(printf 'fuzz-print-srcs:\n\t@echo $(LIB_SRCS)\n' |
    make --no-print-directory -s -f Makefile -f - fuzz-print-srcs 2>/dev/null)
if [ -z "$srcs" ]; then
	for f in messages/*.c storage/*.c handlers/*.c bot/*.c; do
		case $f in
		bot/main.c | bot/cli_*.c) ;;
		*) srcs="$srcs $f" ;;
		esac
	done
fi
# The migrations, embedded as the Makefile does: SQLite's, then PostgreSQL's.
{
	sh scripts/embed-schema.sh schema_steps storage/schema/*.sql &&
	    sh scripts/embed-schema.sh schema_steps_pg storage/schema/pg/*.sql
} >"$OUT/schema.c" || exit 1
srcs="$srcs $OUT/schema.c"
# The console's embedded files, as the Makefile embeds them.
sh scripts/embed-assets.sh web \
    /usr/share/javascript/chart.js/chart.min.js=vendor/chart.min.js \
    >"$OUT/assets.c" || exit 1
srcs="$srcs $OUT/assets.c"
# Feishu's frame, generated as the Makefile does (bot/pbframe.c includes it).
mkdir -p "$OUT/proto"
protoc-c --c_out="$OUT/proto" -Ibot/proto bot/proto/pbbp2.proto || exit 1
srcs="$srcs $OUT/proto/pbbp2.pb-c.c"
CFLAGS="$CFLAGS -I$OUT/proto"

# Compiles in batches of FUZZ_JOBS; each object's errors go to its log.
objs=""
pids=""
n=0
build_failed=0
wait_batch() {
	for p in $pids; do
		wait "$p" || build_failed=1
	done
	pids=""
	n=0
}
for f in $srcs; do
	o="$OUT/obj/$(echo "$f" | sed 's|^build-fuzz/||; s|/|_|g; s|\.c$|.o|')"
	objs="$objs $o"
	# shellcheck disable=SC2086
	$CLANG $CFLAGS -c "$f" -o "$o" 2>"$o.log" &
	pids="$pids $!"
	n=$((n + 1))
	[ "$n" -ge "$FUZZ_JOBS" ] && wait_batch
done
wait_batch
if [ "$build_failed" -ne 0 ]; then
	cat "$OUT"/obj/*.o.log >&2
	echo "fuzz: building the project sources failed" >&2
	# shellcheck disable=SC2086 # count the words
	set -- $harnesses
	echo "0 passed, $# failed"
	exit 1
fi

# What each harness found, from its log: "none", or the first report
# (a sanitizer's error, a leak, a timeout, running out of memory, or a
# signal such as FUZZ_ASSERT's abort).
finding() {
	if grep -q -E '^==[0-9]+==ERROR: LeakSanitizer' "$1"; then
		echo "leak"
	elif grep -q -E '^==[0-9]+==ERROR: libFuzzer: timeout' "$1"; then
		echo "timeout"
	elif grep -q -E '^==[0-9]+==ERROR: libFuzzer: out-of-memory' "$1"; then
		echo "out of memory"
	elif grep -q -E 'runtime error:' "$1"; then
		echo "undefined behaviour"
	elif grep -q -E '^==[0-9]+==ERROR: AddressSanitizer' "$1"; then
		sed -n 's/^==[0-9]*==ERROR: AddressSanitizer: \([^ ]*\).*/\1/p' \
		    "$1" | head -1
	elif grep -q -E 'libFuzzer: deadly signal' "$1"; then
		echo "crash (deadly signal)"
	else
		echo "failed"
	fi
}

# The summary, one row per harness: name, executions, executions per
# second, seconds run, findings (rows are tab-separated, spaced at the end).
summary=""
row() {
	summary="$summary$(printf '%s\t%s\t%s\t%s\t%s' "$@")
"
}

passed=0
failed=0
for h in $harnesses; do
	bin="$OUT/$h"
	log="$OUT/logs/$h.log"
	# shellcheck disable=SC2086
	if ! $CLANG $CFLAGS -Wall -Wextra -o "$bin" "tests/fuzz/$h.c" $objs \
	    $LIBS >"$log" 2>&1; then
		echo "FAIL $h: does not build (see $log)"
		sed 's/^/    /' "$log" | head -20
		failed=$((failed + 1))
		row "$h" - - - "does not build"
		continue
	fi
	seeds="tests/fuzz/corpus/$h"
	mkdir -p "$OUT/corpus/$h"
	dict=""
	[ -f "tests/fuzz/$h.dict" ] && dict="-dict=tests/fuzz/$h.dict"
	[ -d "$seeds" ] || seeds=""
	# The grown corpus comes first: libFuzzer writes only to the first
	# directory, so the committed seeds stay as they are.
	# shellcheck disable=SC2086
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    "$bin" -max_total_time="$FUZZ_SECONDS" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} \
	    -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$OUT/artifacts/$h-" $dict \
	    "$OUT/corpus/$h" $seeds >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	# Without the final stats (a crash), the last "#N" status line.
	[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' \
	    "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" |
	    tail -1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		echo "ok   $h: ${runs:-?} runs in ${secs:-$FUZZ_SECONDS}s, cov ${cov:-?}"
		passed=$((passed + 1))
		row "$h" "${runs:-?}" "${speed:-?}" "${secs:-$FUZZ_SECONDS}" none
	else
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		what=$(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log")
		echo "FAIL $h: exit $rc after ${runs:-?} runs: ${what:-see $log}"
		if [ -n "$art" ] && [ -f "$art" ]; then
			echo "    input: $art"
			# Again on its own with full stacks (the fast unwinder
			# stops at libc frames without frame pointers).
			ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			    "$bin" "$art" >"$OUT/logs/$h.repro.log" 2>&1
			echo "    stack: $OUT/logs/$h.repro.log"
		fi
		echo "    log: $log"
		failed=$((failed + 1))
		row "$h" "${runs:-?}" "${speed:-?}" "${secs:-?}" \
		    "$(finding "$log")${art:+: $art}"
	fi
done
echo
printf '%s' "$summary" | awk -F '\t' '
	BEGIN { printf "%-18s %12s %8s %6s  %s\n", "harness", "executions",
	    "exec/s", "secs", "findings" }
	{ printf "%-18s %12s %8s %6s  %s\n", $1, $2, $3, $4, $5 }'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# Where a check's work goes, in instructions: the daemon under valgrind's
# callgrind answering "查询 <USCC>" and "查询 <fragment>" Telegram updates
# (bench/hook.lua, one connection), on the bench registry of 10^6 rows.
#
#   sh bench/profile.sh [BUILD_DIR [REF_BUILD_DIR]]    (BUILD_DIR: build)
#   make profile                                       (the same on build)
#
# With REF_BUILD_DIR (another version's build, e.g. a worktree of an older
# commit built with make), that build is profiled the same way right
# after, and each kind ends with the ratio of the two totals.
#
# Instructions, unlike seconds, do not depend on what else the machine is
# doing: this is the figure to compare between builds on a shared machine.
# It counts user space only (no system calls, no kernel TCP; bench/run.sh's
# CPU per request has those), and it counts each byte of a "rep stosb" as
# one instruction: libmicrohttpd's clearing of a connection's 12 KB after
# each request shows as ~18k instructions of memset that take a fraction of
# a microsecond on the CPU. That line is printed apart.
#
# Needs the registry bench/run.sh imports (var/bench/registry.db, made by
# "make bench" once) and valgrind (scripts/deps.sh bench).
#
# Environment: PROFILE_SECONDS (seconds of load per kind, 15),
# PROFILE_KINDS ("uscc frag").
#
# The last lines are for bench/run.sh's table, one per kind:
#   RESULT work=profile kind=uscc requests=N instr=N parse=N json_load=N
#     dispatch=N lookup=N answer=N json_dump=N http=N memset=N
# each a mean per request, in instructions.
set -u

BUILD=${1:-build}
REF=${2:-}
cd "$(dirname "$0")/.." || exit 1
BENCH_NAME=profile
. bench/lib.sh
ROOT=$(pwd)
case $BUILD in
/*) ;;
*) BUILD=$ROOT/$BUILD ;;
esac
case $REF in
"" | /*) ;;
*) REF=$ROOT/$REF ;;
esac
VAR=$ROOT/var/bench
REG=$VAR
OUT=$VAR/profile
BB=$BUILD/bench
FANGFEI=$BUILD/fangfei
SECS=${PROFILE_SECONDS:-15}
KINDS=${PROFILE_KINDS:-uscc frag}
SECRET=benchsecret
DAEMON_PID=""

command -v valgrind >/dev/null 2>&1 ||
	die "valgrind not found (scripts/deps.sh bench installs it)"
command -v callgrind_annotate >/dev/null 2>&1 ||
	die "callgrind_annotate not found (it comes with valgrind)"
command -v wrk >/dev/null 2>&1 || die "wrk not found (scripts/deps.sh bench)"
[ -x "$FANGFEI" ] || die "$FANGFEI not built (make bench builds it)"
[ -z "$REF" ] || [ -x "$REF/fangfei" ] || die "$REF/fangfei not built"
if [ ! -x "$BB/probe" ]; then
	mkdir -p "$BB" && ${CC:-cc} -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra \
	    -o "$BB/probe" bench/probe.c || die "cannot build $BB/probe"
fi
[ -f "$REG/registry.db" ] && [ -s "$REG/uscc.txt" ] &&
    [ -s "$REG/frags.txt" ] ||
	die "no bench registry in $REG: run make bench once to import it"
mkdir -p "$OUT" || exit 1
trap 'stop_pid "$DAEMON_PID"' EXIT INT TERM

# inclusive FILE FUNCTION: the inclusive instructions of FUNCTION (its
# symbol name) in callgrind_annotate's listing. A function is listed once
# per source file its code came from (inlined headers apart) and once for
# all of them: the largest figure is the whole.
inclusive() {
	awk -v f="$2" '
	$1 ~ /^[0-9,]+$/ {
		n = $1; gsub(",", "", n)
		for (i = 2; i <= NF; i++)
			if ($i ~ ("[:]" f "$")) {
				if (n + 0 > s + 0) s = n
				break
			}
	}
	END { printf "%d", s }' "$1"
}

# profile KIND BINARY LABEL: a daemon under callgrind on a copy of the
# registry, warmed up with instrumentation off, then SECS seconds of load
# counted. Sets INSTR (the total per request).
profile() {
	kind=$1 bin=$2 label=$3 qf=$REG/uscc.txt
	[ "$kind" = frag ] && qf=$REG/frags.txt
	rm -f "$OUT/run.db" "$OUT/run.db-wal" "$OUT/run.db-shm" \
	    "$OUT/run.db.key" "$OUT"/cg.out*
	cp "$REG/registry.db" "$OUT/run.db" || exit 1
	if [ -f "$REG/registry.db.key" ]; then
		cp "$REG/registry.db.key" "$OUT/run.db.key" &&
		    chmod 600 "$OUT/run.db.key"
	fi
	port=$("$BB/probe" port) || die "no free port"
	check_ini "$OUT/fangfei.ini" "$port" "$OUT/run.db" "$SECRET" \
	    bench/profile.sh
	valgrind --tool=callgrind --instr-atstart=no \
	    --callgrind-out-file="$OUT/cg.out" "$bin" serve \
	    --config "$OUT/fangfei.ini" >"$OUT/fangfei-$kind.out" \
	    2>"$OUT/fangfei-$kind.err" &
	DAEMON_PID=$!
	i=0
	until "$BB/probe" get "$port" /healthz >/dev/null 2>&1; do
		kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 600 ] ||
			die "the daemon did not answer under valgrind in 60 s" \
			    "(see $OUT/fangfei-$kind.err)"
		sleep 0.1
		i=$((i + 1))
	done
	wrk -t1 -c1 -d3s -s bench/hook.lua "http://127.0.0.1:$port" -- \
	    "$qf" 1 "$SECRET" >/dev/null 2>&1
	callgrind_control -i on "$DAEMON_PID" >/dev/null ||
		die "callgrind_control could not reach the daemon"
	wrk -t1 -c1 -d"${SECS}s" -s bench/hook.lua "http://127.0.0.1:$port" \
	    -- "$qf" 50000000 "$SECRET" >"$OUT/wrk-$kind.txt" 2>&1
	callgrind_control -i off "$DAEMON_PID" >/dev/null
	callgrind_control -d "$DAEMON_PID" >/dev/null
	stop_pid "$DAEMON_PID"
	DAEMON_PID=""
	n=$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$OUT/wrk-$kind.txt")
	[ -n "$n" ] && [ "$n" -gt 0 ] ||
		die "no requests counted (see $OUT/wrk-$kind.txt)"
	dump=$(ls -t "$OUT"/cg.out.* 2>/dev/null | head -1)
	[ -n "$dump" ] || die "callgrind wrote no dump"
	callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$dump" \
	    >"$OUT/annotate-$kind.txt" 2>/dev/null ||
		die "callgrind_annotate failed on $dump"
	a=$OUT/annotate-$kind.txt
	total=$(awk '/PROGRAM TOTALS/ { n = $1; gsub(",", "", n); print n }' "$a")
	lookup=$(($(inclusive "$a" enterprises_check_uscc) + \
	    $(inclusive "$a" enterprises_check_name)))
	hook=$(inclusive "$a" server_hook)
	INSTR=$((total / n))
	LC_ALL=C awk -v n="$n" -v kind="$kind" -v label="$label" \
	    -v total="$total" \
	    -v parse="$(inclusive "$a" telegram_parse)" \
	    -v load="$(($(inclusive "$a" json_loadb) + \
	    $(inclusive "$a" yajl_parse) + \
	    $(inclusive "$a" yajl_complete_parse)))" \
	    -v disp="$(inclusive "$a" dispatch_inbound)" \
	    -v lookup="$lookup" \
	    -v answer="$(inclusive "$a" telegram_reply)" \
	    -v dump="$(($(inclusive "$a" json_dumpb) + \
	    $(inclusive "$a" yajl_gen_string)))" \
	    -v hook="$hook" \
	    -v memset="$(inclusive "$a" __memset_avx2_unaligned_erms)" '
	function k(x) { return sprintf("%7.1fk", x / n / 1000) }
	BEGIN {
		printf "== %s, %s: %d requests under callgrind; instructions " \
		    "per request\n", kind, label, n
		printf "  all user space       %s\n", k(total)
		printf "  webhook parse        %s  (of it the JSON parser, " \
		    "yajl or jansson, %s)\n",
		    k(parse), k(load)
		printf "  dispatch + command   %s  (of it the registry lookup %s)\n",
		    k(disp), k(lookup)
		printf "  webhook answer       %s  (of it the JSON encoder, " \
		    "yajl or jansson, %s)\n",
		    k(answer), k(dump)
		printf "  libmicrohttpd, rest  %s  (outside the route; of it " \
		    "memset %s, see above)\n", k(total - hook), k(memset)
		if (label != "this build")
			exit
		printf "RESULT work=profile kind=%s requests=%d instr=%d parse=%d" \
		    " json_load=%d dispatch=%d lookup=%d answer=%d json_dump=%d" \
		    " http=%d memset=%d\n", kind, n, total / n, parse / n,
		    load / n, disp / n, lookup / n, answer / n, dump / n,
		    (total - hook) / n, memset / n
	}'
}

say "== bench/profile.sh  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "valgrind: $(valgrind --version); $SECS s of load per kind, one connection"
for kind in $KINDS; do
	profile "$kind" "$FANGFEI" "this build"
	[ -n "$REF" ] || continue
	ours=$INSTR
	profile "$kind" "$REF/fangfei" "reference $REF"
	LC_ALL=C awk -v a="$ours" -v b="$INSTR" -v k="$kind" 'BEGIN {
		printf "  %s: this build %.1fk, the reference %.1fk per " \
		    "request: %.2fx\n", k, a / 1000, b / 1000, a / b }'
done

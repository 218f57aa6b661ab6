#!/bin/sh
# The broadcast bench: one broadcast to 10,000 WeCom robot groups, all
# pointing to a local sink, with rate limits off, beside the sink's own
# ceiling in the same run.
#
#   sh bench/broadcast.sh [BUILD_DIR]          (default: build)
#
# 1. Builds the helpers into BUILD/bench: broadcast_sink (libmicrohttpd,
#    epoll, thread pool; answers {"errcode":0,"errmsg":"ok"}),
#    broadcast_client (libcurl multi) and broadcast_setup (the storage
#    API, linked with BUILD/libfangfei.a).
# 2. A fresh database under var/bench/broadcast/: the demo areas, N robots
#    registered in one transaction (about a second: nothing to cache), an
#    office token.
# 3. Direct posting (the ceiling): broadcast_client posts the same N
#    bodies straight to the sink, 64 at a time, with the delivery thread's
#    libcurl options; once before and once after the broadcast, the faster
#    one counts.
# 4. The broadcast: POST /api/v1/broadcasts, then the time to the sink's
#    last request (and to the API showing every row delivered).
# 5. Prints the figures and the targets (time <= 2x the direct posting
#    time; N deliveries in under 5 s) as met / NOT met. Targets are never
#    the exit status: the machine is shared and noisy. The exit status is
#    non-zero only when the bench could not run or a group was not
#    delivered. The last line is for machines:
#    RESULT work=broadcast ours_ms= ref_ms= ratio= cpu_us=
#    (cpu_us: the daemon's user + system CPU per delivery, from
#    /proc/PID/stat before the POST and after the last delivery).
#
# Environment: BENCH_GROUPS (10000), BENCH_INFLIGHT (64: max_inflight and
# the direct client's concurrency), BENCH_SINK_THREADS (2), BENCH_WRAP (a
# command the daemon runs under, e.g. "valgrind --tool=callgrind
# --callgrind-out-file=/tmp/bc.cg" for instructions per delivery: the
# figures of such a run are not the bench's).
set -u

BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
case $BUILD in
/*) ;;
*) BUILD=$ROOT/$BUILD ;;
esac
VAR=$ROOT/var/bench/broadcast
LOGS=$VAR/logs
BB=$BUILD/bench
N=${BENCH_GROUPS:-10000}
CONC=${BENCH_INFLIGHT:-64}
SINK_THREADS=${BENCH_SINK_THREADS:-2}
WRAP=${BENCH_WRAP:-}
FANGFEI=$BUILD/fangfei
AREA=张店区/车站街道/华光路社区/第3网格/12号楼
TOP=张店区
TEXT='【警示通告】示例·鑫源财富 等 3 家企业涉嫌非法集资，请勿参与，如有线索请拨打 0533-12345 举报。'

T_RATIO=2	# broadcast time <= 2x direct posting
T_MS=5000	# N deliveries in under 5 s

SINK_PID=""
DAEMON_PID=""

BENCH_NAME=bench/broadcast
. bench/lib.sh
PKGS=$(make_pkgs) || die "cannot read the Makefile's PKGS"

cleanup() {
	stop_pid "$DAEMON_PID"
	stop_pid "$SINK_PID"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# cpu_ticks PID: user + system CPU of PID so far, in clock ticks (fields
# 14 and 15 of /proc/PID/stat; the command name before them may hold
# spaces, so fields are counted after its closing parenthesis).
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk '{ print $12 + $13 }'
}

# wait_line FILE PATTERN PID: waits up to 30 s for a line matching PATTERN
# (sed -n script printing the wanted part) in FILE while PID lives.
wait_line() {
	i=0
	while :; do
		v=$(sed -n "$2" "$1" 2>/dev/null | head -1)
		[ -n "$v" ] && { printf '%s\n' "$v"; return 0; }
		kill -0 "$3" 2>/dev/null || return 1
		[ $i -ge 600 ] && return 1
		sleep 0.05
		i=$((i + 1))
	done
}

mkdir -p "$VAR" "$LOGS" "$BB" || exit 1
[ -x "$FANGFEI" ] || die "$FANGFEI not built (make $FANGFEI)"
[ -f "$BUILD/libfangfei.a" ] || die "$BUILD/libfangfei.a not built"

# --- helpers --------------------------------------------------------------
CC=${CC:-cc}
# shellcheck disable=SC2046,SC2086
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$BB/broadcast_sink" \
    bench/broadcast_sink.c $(pkg-config --cflags --libs libmicrohttpd) \
    -lpthread &&
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$BB/broadcast_client" \
    bench/broadcast_client.c $(pkg-config --cflags --libs libcurl jansson) &&
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -I. \
    $(pkg-config --cflags $PKGS) -o "$BB/broadcast_setup" \
    bench/broadcast_setup.c "$BUILD/libfangfei.a" \
    $(pkg-config --libs $PKGS) -lcsv -lpthread ||
	die "cannot build the broadcast bench helpers"

say "== broadcast bench  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "machine:  $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(1/5/15 min, before the bench)"
say "settings: $N WeCom robots, rate_limits = off, max_inflight = $CONC;" \
    "sink: libmicrohttpd, $SINK_THREADS threads; libcurl" \
    "$(pkg-config --modversion libcurl)"

# --- sink -----------------------------------------------------------------
"$BB/broadcast_sink" "$SINK_THREADS" >"$LOGS/sink.out" 2>&1 &
SINK_PID=$!
SPORT=$(wait_line "$LOGS/sink.out" \
    's/^broadcast_sink: listening on \([0-9]*\)$/\1/p' "$SINK_PID") ||
	die "the sink did not start: $(cat "$LOGS/sink.out")"
PREFIX="http://127.0.0.1:$SPORT/cgi-bin/webhook/send?key=bench-"

# --- database -------------------------------------------------------------
t0=$(now)
DB=$VAR/run.db
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.key"
"$FANGFEI" import areas data/demo/areas.csv --db "$DB" >"$LOGS/setup.log" \
    2>&1 || die "import areas failed (see $LOGS/setup.log)"
"$BB/broadcast_setup" "$DB" "$N" "$PREFIX" "$AREA" "$DB.key" \
    >>"$LOGS/setup.log" 2>&1 ||
	die "registering $N robots failed (see $LOGS/setup.log)"
cat >"$VAR/fangfei.ini" <<EOF
# Generated by bench/broadcast.sh.
[server]
listen = 127.0.0.1:0
hotline = 0533-12345
log_level = warn
[storage]
path = $DB
[delivery]
rate_limits = off
allow_http = on
allow_private_targets = on
max_inflight = $CONC
EOF
TOKEN=$("$FANGFEI" token create --role office --area "$TOP" \
    --config "$VAR/fangfei.ini" 2>>"$LOGS/setup.log") ||
	die "token create failed (see $LOGS/setup.log)"
say "setup:    areas, $N robots and a token in $(elapsed "$t0" 2) s ($DB)"

# --- direct posting, before -------------------------------------------------
"$BB/broadcast_client" direct "$PREFIX" 1000 "$CONC" "$TEXT" \
    >"$LOGS/direct-warmup.txt" 2>&1
"$BB/broadcast_client" direct "$PREFIX" "$N" "$CONC" "$TEXT" \
    >"$LOGS/direct-1.txt" 2>&1 ||
	die "direct posting failed: $(cat "$LOGS/direct-1.txt")"
D1=$(grep '^DIRECT ' "$LOGS/direct-1.txt")
say "direct:   $(field "$D1" ms) ms, $(field "$D1" rps) req/s (before)"

# --- the daemon and the broadcast ------------------------------------------
# shellcheck disable=SC2086
$WRAP "$FANGFEI" serve --config "$VAR/fangfei.ini" >"$LOGS/fangfei.out" \
    2>"$LOGS/fangfei.err" &
DAEMON_PID=$!
DPORT=$(wait_line "$LOGS/fangfei.out" \
    's/^fangfei: listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' \
    "$DAEMON_PID") || {
	tail -5 "$LOGS/fangfei.err" >&2
	die "the daemon did not start (see $LOGS/fangfei.err)"
}
C0=$(cpu_ticks "$DAEMON_PID")
"$BB/broadcast_client" broadcast "http://127.0.0.1:$DPORT" "$TOKEN" "$TOP" \
    building "$TEXT" "$N" "$SPORT" >"$LOGS/broadcast.txt" 2>&1
rc=$?
C1=$(cpu_ticks "$DAEMON_PID")
B=$(grep '^BROADCAST ' "$LOGS/broadcast.txt")
[ -n "$B" ] || die "the broadcast failed: $(cat "$LOGS/broadcast.txt")"
FAILED=0
[ $rc -eq 0 ] || { say "FAILED: not every group was delivered:" \
    "$(cat "$LOGS/broadcast.txt")"; FAILED=1; }
RSS=$(awk '/^VmHWM:/ { printf "%.1f MiB", $2 / 1024 }' \
    "/proc/$DAEMON_PID/status" 2>/dev/null)
stop_pid "$DAEMON_PID"
DAEMON_PID=""
say "broadcast: POST answered in $(field "$B" post_ms) ms" \
    "($(field "$B" groups) groups); last delivery at $(field "$B" sink_ms) ms;" \
    "API showed all delivered at $(field "$B" api_ms) ms;" \
    "$(field "$B" rps) deliveries/s; $(field "$B" failed) failed;" \
    "daemon peak RSS ${RSS:-?}"

# --- direct posting, after --------------------------------------------------
"$BB/broadcast_client" direct "$PREFIX" "$N" "$CONC" "$TEXT" \
    >"$LOGS/direct-2.txt" 2>&1 ||
	die "direct posting failed: $(cat "$LOGS/direct-2.txt")"
D2=$(grep '^DIRECT ' "$LOGS/direct-2.txt")
say "direct:   $(field "$D2" ms) ms, $(field "$D2" rps) req/s (after)"
S=$("$BB/broadcast_client" stats "$SPORT")
say "sink:     $(field "$S" posts) POSTs, $(field "$S" bad) with another body" \
    "than the robot's text"
stop_pid "$SINK_PID"
SINK_PID=""

# --- summary --------------------------------------------------------------
awk -v n="$N" -v d1="$(field "$D1" ms)" -v d2="$(field "$D2" ms)" \
    -v b="$(field "$B" sink_ms)" -v api="$(field "$B" api_ms)" \
    -v tr="$T_RATIO" -v tms="$T_MS" -v c0="${C0:-0}" -v c1="${C1:-0}" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN {
	d = (d2 + 0 < d1 + 0) ? d2 : d1
	printf "\n== summary: broadcast to %d groups, rate limits off\n", n
	printf "  broadcast  %6.0f ms to the last delivery  %8.0f deliveries/s" \
	    "  (API: all delivered at %.0f ms)\n", b, (b > 0 ? n * 1000 / b : 0), api
	printf "  direct     %6.0f ms                       %8.0f req/s" \
	    "         (the faster of %.0f and %.0f ms)\n", d, (d > 0 ? n * 1000 / d : 0),
	    d1, d2
	r = d > 0 ? b / d : 0
	printf "  ratio      %.2fx the direct posting time\n", r
	printf "targets (reported, not enforced):\n"
	printf "  within %dx of direct posting: %.2fx  %s\n", tr, r,
	    (b > 0 && r <= tr) ? "met" : "NOT met"
	printf "  %d deliveries in under %d ms: %.0f ms  %s\n", n, tms, b,
	    (b > 0 && b < tms) ? "met" : "NOT met"
	cpu = (c1 - c0) * 1e6 / hz / n
	printf "  daemon CPU %.0f us per delivery (user + system)\n", cpu
	printf "RESULT work=broadcast ours_ms=%.0f ref_ms=%.0f ratio=%.2f" \
	    " cpu_us=%.0f\n", b, d, r, cpu
}' >"$VAR/summary.txt"
say ""
say "logs: $LOGS; summary: $VAR/summary.txt"
cat "$VAR/summary.txt"
exit $FAILED

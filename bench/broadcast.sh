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
# 2. Rounds (BENCH_ROUNDS, 3), alternating with direct posting so that
#    the machine's drift between runs seconds apart (2x seen) falls on
#    both sides alike: D B D B D B D, each B against the faster D beside
#    it.
#    D: broadcast_client posts the same N bodies straight to the sink (the
#       ceiling), 64 at a time, with the delivery thread's libcurl options.
#    B: a fresh database under var/bench/broadcast/ (the demo areas, N
#       robots registered in one transaction, an office token), a daemon
#       on it, POST /api/v1/broadcasts, then the time to the sink's last
#       request (and to the API showing every row delivered).
# 3. Prints each round, the medians over the rounds and the targets (time
#    <= 2x the direct posting time; N deliveries in under 5 s) as met /
#    NOT met. Targets are never the exit status: the machine is shared
#    and noisy. The exit status is non-zero only when the bench could not
#    run or a group was not delivered. The last line is for machines:
#    RESULT work=broadcast ours_ms= ref_ms= ratio= cpu_us=
#    (each the median of the rounds'; cpu_us: the daemon's user + system
#    CPU per delivery, from /proc/PID/stat before the POST and after the
#    last delivery).
#
# Environment: BENCH_GROUPS (10000), BENCH_ROUNDS (3), BENCH_INFLIGHT (64:
# max_inflight and the direct client's concurrency), BENCH_SINK_THREADS
# (2), BENCH_WRAP (a command the daemon runs under, e.g. "valgrind
# --tool=callgrind --callgrind-out-file=/tmp/bc.cg" with BENCH_ROUNDS=1
# for instructions per delivery: the figures of such a run are not the
# bench's).
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
ROUNDS=${BENCH_ROUNDS:-3}
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
# setup_db: a fresh database with the demo areas, N robots and a token
# (TOKEN); the outbox of each round starts empty.
DB=$VAR/run.db
setup_db() {
	t0=$(now)
	rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.key"
	"$FANGFEI" import areas data/demo/areas.csv --db "$DB" \
	    >"$LOGS/setup.log" 2>&1 ||
		die "import areas failed (see $LOGS/setup.log)"
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
	say "setup:    areas, $N robots and a token in $(elapsed "$t0" 2) s" \
	    "($DB)"
}

# direct_run NAME: posts the N bodies straight to the sink (says how it
# went) and sets D_MS to its milliseconds.
direct_run() {
	"$BB/broadcast_client" direct "$PREFIX" "$N" "$CONC" "$TEXT" \
	    >"$LOGS/direct-$1.txt" 2>&1 ||
		die "direct posting failed: $(cat "$LOGS/direct-$1.txt")"
	d=$(grep '^DIRECT ' "$LOGS/direct-$1.txt")
	D_MS=$(field "$d" ms)
	say "direct:   $D_MS ms, $(field "$d" rps) req/s ($1)"
}

# broadcast_run I: a daemon on the round's database, the broadcast, the
# daemon stopped; sets B_MS (to the sink's last request), B_API (to the
# API showing every row done) and B_TICKS (the daemon's CPU meanwhile).
broadcast_run() {
	# shellcheck disable=SC2086
	$WRAP "$FANGFEI" serve --config "$VAR/fangfei.ini" \
	    >"$LOGS/fangfei.out" 2>"$LOGS/fangfei.err" &
	DAEMON_PID=$!
	DPORT=$(wait_line "$LOGS/fangfei.out" \
	    's/^fangfei: listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' \
	    "$DAEMON_PID") || {
		tail -5 "$LOGS/fangfei.err" >&2
		die "the daemon did not start (see $LOGS/fangfei.err)"
	}
	c0=$(cpu_ticks "$DAEMON_PID")
	"$BB/broadcast_client" broadcast "http://127.0.0.1:$DPORT" "$TOKEN" \
	    "$TOP" building "$TEXT" "$N" "$SPORT" >"$LOGS/broadcast-$1.txt" 2>&1
	rc=$?
	c1=$(cpu_ticks "$DAEMON_PID")
	b=$(grep '^BROADCAST ' "$LOGS/broadcast-$1.txt")
	[ -n "$b" ] ||
		die "the broadcast failed: $(cat "$LOGS/broadcast-$1.txt")"
	[ $rc -eq 0 ] || { say "FAILED: not every group was delivered:" \
	    "$(cat "$LOGS/broadcast-$1.txt")"; FAILED=1; }
	rss=$(awk '/^VmHWM:/ { printf "%.1f MiB", $2 / 1024 }' \
	    "/proc/$DAEMON_PID/status" 2>/dev/null)
	stop_pid "$DAEMON_PID"
	DAEMON_PID=""
	B_MS=$(field "$b" sink_ms)
	B_API=$(field "$b" api_ms)
	B_TICKS=$((${c1:-0} - ${c0:-0}))
	say "broadcast: POST answered in $(field "$b" post_ms) ms" \
	    "($(field "$b" groups) groups); last delivery at $B_MS ms;" \
	    "API showed all delivered at $B_API ms;" \
	    "$(field "$b" rps) deliveries/s; $(field "$b" failed) failed;" \
	    "daemon peak RSS ${rss:-?}"
}

# --- the rounds -------------------------------------------------------------
# The machine's speed drifts (the direct posting alone has moved by 2x
# between runs seconds apart): direct posting and the broadcast alternate,
# D B D B D B D, and each broadcast is set against the faster of the two
# direct runs beside it. The figures are the medians of the rounds'.
"$BB/broadcast_client" direct "$PREFIX" 1000 "$CONC" "$TEXT" \
    >"$LOGS/direct-warmup.txt" 2>&1
FAILED=0
ROUNDS_LOG=$VAR/rounds.txt
: >"$ROUNDS_LOG"
direct_run 0
prev=$D_MS
round=1
while [ "$round" -le "$ROUNDS" ]; do
	say "-- round $round of $ROUNDS"
	setup_db
	broadcast_run "$round"
	direct_run "$round"
	echo "$round $B_MS $B_API $B_TICKS $prev $D_MS" >>"$ROUNDS_LOG"
	prev=$D_MS
	round=$((round + 1))
done
S=$("$BB/broadcast_client" stats "$SPORT")
say "sink:     $(field "$S" posts) POSTs, $(field "$S" bad) with another body" \
    "than the robot's text"
[ "$(field "$S" bad)" = 0 ] || FAILED=1
stop_pid "$SINK_PID"
SINK_PID=""

# --- summary --------------------------------------------------------------
# A line of rounds.txt: round, broadcast ms, API ms, CPU ticks, direct ms
# before and after.
awk -v n="$N" -v tr="$T_RATIO" -v tms="$T_MS" -v hz="$(getconf CLK_TCK)" '
function median(a, k,   i, j, t, c) {
	for (i = 1; i <= k; i++)
		c[i] = a[i]
	for (i = 1; i <= k; i++)
		for (j = i + 1; j <= k; j++)
			if (c[j] < c[i]) { t = c[i]; c[i] = c[j]; c[j] = t }
	return k % 2 ? c[(k + 1) / 2] : (c[k / 2] + c[k / 2 + 1]) / 2
}
{
	k++
	b[k] = $2; api[k] = $3; cpu[k] = $4 * 1e6 / hz / n
	d[k] = ($5 + 0 < $6 + 0) ? $5 : $6
	r[k] = d[k] > 0 ? $2 / d[k] : 0
	line[k] = sprintf("  round %d    broadcast %5.0f ms, direct %5.0f ms" \
	    " (the faster of %.0f and %.0f): %.2fx; %.0f us CPU a delivery",
	    $1, $2, d[k], $5, $6, r[k], cpu[k])
}
END {
	printf "\n== summary: broadcast to %d groups, rate limits off, %d" \
	    " rounds\n", n, k
	for (i = 1; i <= k; i++)
		print line[i]
	mb = median(b, k); md = median(d, k); mr = median(r, k)
	printf "  broadcast  %6.0f ms to the last delivery  %8.0f deliveries/s" \
	    "  (API: all delivered at %.0f ms)\n", mb,
	    (mb > 0 ? n * 1000 / mb : 0), median(api, k)
	printf "  direct     %6.0f ms                       %8.0f req/s\n", md,
	    (md > 0 ? n * 1000 / md : 0)
	printf "  ratio      %.2fx the direct posting time (each figure the" \
	    " median of the rounds)\n", mr
	printf "targets (reported, not enforced):\n"
	printf "  within %dx of direct posting: %.2fx  %s\n", tr, mr,
	    (mb > 0 && mr <= tr) ? "met" : "NOT met"
	printf "  %d deliveries in under %d ms: %.0f ms  %s\n", n, tms, mb,
	    (mb > 0 && mb < tms) ? "met" : "NOT met"
	printf "  daemon CPU %.0f us per delivery (user + system)\n",
	    median(cpu, k)
	printf "RESULT work=broadcast ours_ms=%.0f ref_ms=%.0f ratio=%.2f" \
	    " cpu_us=%.0f\n", mb, md, mr, median(cpu, k)
}' "$ROUNDS_LOG" >"$VAR/summary.txt"
say ""
say "logs: $LOGS; summary: $VAR/summary.txt"
cat "$VAR/summary.txt"
exit $FAILED

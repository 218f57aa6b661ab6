#!/bin/sh
# The PostgreSQL bench: two fangfei instances behind nginx on one
# PostgreSQL, beside one instance on SQLite, in the same run.
#
#   sh bench/pg.sh [BUILD_DIR]          (default: build; bench/run.sh runs it)
#
# 1. A throwaway PostgreSQL (scripts/pgtest.sh, stopped at exit) holding
#    the registry the SQLite bench uses (var/bench/registry.db, built by
#    bench/run.sh). "fangfei migrate --from-sqlite" takes minutes, so its
#    result is kept as a pg_dump -Fc in var/bench/pg-registry.dump, keyed
#    by registry.stamp and the PostgreSQL schema and copy code; later runs
#    pg_restore it (-j2).
# 2. "查询 <USCC>" (wrk, bench/hook.lua, the settings of bench/run.sh)
#    against one instance on var/bench/run.db (SQLite), then against two
#    instances on the PostgreSQL database behind nginx (one upstream
#    block, keepalive to both). One probe request's answer must be the
#    same byte for byte on both sides. Reports req/s, p50/p99, the ratio
#    pair / single, and the CPU per request of the fangfei processes and
#    of the postgres processes (/proc).
# 3. A broadcast to N WeCom robots (bench/broadcast.sh's sink, setup and
#    client): one instance on a fresh SQLite file, then two instances on a
#    fresh PostgreSQL database, both delivering (the outbox rows are
#    claimed by whichever instance gets them first). Reports the time to
#    the sink's last request on each side and how many rows each of the
#    two instances sent (from each one's /metrics:
#    fangfei_delivery_duration_seconds_count, one per send).
# 4. The last lines are for machines:
#    RESULT work=pg_uscc pg_rps= sqlite_rps= ratio= pg_p50_us= pg_p99_us=
#        sqlite_p99_us= fangfei_cpu_us= postgres_cpu_us= sqlite_cpu_us=
#    RESULT work=pg_broadcast pg_ms= sqlite_ms= ratio= split_a= split_b=
# Figures are never the exit status (the machine is shared and noisy);
# it is non-zero when the bench could not run, the answers differed, or a
# broadcast row was not delivered.
#
# Environment: BENCH_DURATION (10), BENCH_WARMUP (2), BENCH_THREADS (2),
# BENCH_PG_CONNS (64), BENCH_GROUPS (10000), BENCH_INFLIGHT (64),
# BENCH_PG_REBUILD=1 (migrate again instead of restoring the dump),
# BENCH_PG_ONLY=broadcast (only step 3: no registry needed), NGINX, WRK.
set -u

BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
case $BUILD in
/*) ;;
*) BUILD=$ROOT/$BUILD ;;
esac
REG=$ROOT/var/bench
VAR=$REG/pg
LOGS=$VAR/logs
BB=$BUILD/bench
DUR=${BENCH_DURATION:-10}
WARM=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_PG_CONNS:-64}
N=${BENCH_GROUPS:-10000}
ONLY=${BENCH_PG_ONLY:-}
CONC=${BENCH_INFLIGHT:-64}
WRK=${WRK:-wrk}
NGINX=${NGINX:-/usr/sbin/nginx}
[ -x "$NGINX" ] || NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PGBIN=/usr/lib/postgresql/15/bin
FANGFEI=$BUILD/fangfei
SECRET=benchsecret
DUMP=$REG/pg-registry.dump
AREA=张店区/车站街道/华光路社区/第3网格/12号楼
TOP=张店区
TEXT='【警示通告】示例·鑫源财富 等 3 家企业涉嫌非法集资，请勿参与，如有线索请拨打 0533-12345 举报。'

PGDIR=""
PIDS=""		# fangfei instances running now
NGINX_PID=""
SINK_PID=""
FAILED=0
RUNK=0		# wrk invocations so far; keeps update_ids unique

BENCH_NAME=bench/pg
. bench/lib.sh
PKGS=$(make_pkgs) || die "cannot read the Makefile's PKGS"

cleanup() {
	stop_all
	stop_pid "$NGINX_PID"
	stop_pid "$SINK_PID"
	[ -n "$PGDIR" ] && sh scripts/pgtest.sh stop "$PGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_all: stops every fangfei instance this script started.
stop_all() {
	for p in $PIDS; do
		stop_pid "$p"
	done
	PIDS=""
}

TICK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# cpu_ticks PID...: user+system CPU of the PIDs and of their children (the
# postmaster's backends) in clock ticks. "pid (comm) state ppid ...":
# utime and stime are fields 12 and 13 once "pid (comm) " is cut.
cpu_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v l="$*" '
	BEGIN { n = split(l, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
	{
		pid = $1; sub(/^.*\) /, "")
		if ((pid in want) || ($2 in want)) t += $12 + $13
	} END { print t + 0 }'
}

# us_per LINE T0 T1: CPU microseconds per request of wrk's BENCH LINE
# between tick counts T0 and T1.
us_per() {
	awk -v n="$(field "$1" requests)" -v t0="$2" -v t1="$3" -v hz="$TICK" \
	    'BEGIN { printf "%.1f", (n > 0 ? (t1 - t0) / hz * 1e6 / n : 0) }'
}

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# wait_port PORT PID: waits up to 30 s for GET /healthz while PID lives.
wait_port() {
	i=0
	until "$BB/probe" get "$1" /healthz >/dev/null 2>&1; do
		kill -0 "$2" 2>/dev/null && [ $i -lt 300 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# serve TAG INI PORT: starts "fangfei serve" and waits for it; appends its
# PID to PIDS and sets SERVED. Dies if it does not come up.
serve() {
	"$FANGFEI" serve --config "$2" --listen "127.0.0.1:$3" \
	    >"$LOGS/fangfei-$1.out" 2>"$LOGS/fangfei-$1.err" &
	SERVED=$!
	PIDS="$PIDS $SERVED"
	wait_port "$3" "$SERVED" || {
		tail -15 "$LOGS/fangfei-$1.err" >&2
		die "fangfei serve --config $2 did not answer GET /healthz" \
		    "(see $LOGS/fangfei-$1.err)"
	}
}

# wrk_run LABEL PORT CONNS SECONDS: sets LINE to wrk's BENCH line.
wrk_run() {
	RUNK=$((RUNK + 1))
	"$WRK" -t"$THREADS" -c"$3" -d"${4}s" --timeout 5s --latency \
	    -s bench/hook.lua "http://127.0.0.1:$2" -- "$REG/uscc.txt" \
	    "$((RUNK * 1000000000 + 500000000))" "$SECRET" \
	    >"$LOGS/wrk-$1.txt" 2>&1
	LINE=$(grep '^BENCH ' "$LOGS/wrk-$1.txt" | tail -1)
}

# probe_run TAG PORT: posts the probe update (the same on both sides) and
# keeps the answer in $LOGS/probe-TAG.txt.
probe_run() {
	"$BB/probe" post "$2" /hook/tg "$VAR/probe.json" \
	    "X-Telegram-Bot-Api-Secret-Token: $SECRET" \
	    >"$LOGS/probe-$1.txt" 2>&1 || {
		say "  FAILED: POST /hook/tg through $1 answered:"
		head -c 600 "$LOGS/probe-$1.txt" | sed 's/^/    /'
		FAILED=1
	}
}

# sent PORT: rows this instance sent so far (one delivery histogram count
# per send, every platform).
sent() {
	curl -s "http://127.0.0.1:$1/metrics" | awk '
	    /^fangfei_delivery_duration_seconds_count/ { n += $NF }
	    END { print n + 0 }'
}

# ini FILE STORAGE_LINES [LOG_LEVEL]: a daemon configuration.
ini() {
	cat >"$1" <<EOF
# Generated by bench/pg.sh.
[server]
hotline = 0533-12345
log_level = ${3:-info}
; wrk is one address (nginx too) with many connections and one sender:
; the per-address and per-sender limits would answer most of it
max_connections_per_ip = 4096
[limits]
checks_per_minute = 0
tips_per_hour = 0
[storage]
$2
[channel.tg]
type = telegram
secret_token = $SECRET
bot_username = FangfeiBot
[delivery]
rate_limits = off
allow_http = on
allow_private_targets = on
max_inflight = $CONC
EOF
}

mkdir -p "$VAR" "$LOGS" "$BB" "$VAR/nginx/tmp" || exit 1
[ -x "$FANGFEI" ] || die "$FANGFEI not built (make $FANGFEI)"
[ -f "$BUILD/libfangfei.a" ] || die "$BUILD/libfangfei.a not built"
[ -x "$PGBIN/pg_dump" ] || die "no $PGBIN/pg_dump (scripts/deps.sh test)"
command -v "$WRK" >/dev/null || die "wrk not found (scripts/deps.sh bench)"
[ -x "$NGINX" ] || die "nginx not found (scripts/deps.sh bench)"
command -v curl >/dev/null || die "curl not found"
[ "$ONLY" = broadcast ] || { [ -f "$REG/registry.db" ] &&
    [ -f "$REG/registry.stamp" ] && [ -f "$REG/registry.db.key" ] &&
    [ -s "$REG/uscc.txt" ]; } ||
	die "no registry in $REG: sh bench/run.sh builds it"

# --- helpers --------------------------------------------------------------
CC=${CC:-cc}
# shellcheck disable=SC2046,SC2086
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$BB/probe" \
    bench/probe.c &&
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$BB/broadcast_sink" \
    bench/broadcast_sink.c $(pkg-config --cflags --libs libmicrohttpd) \
    -lpthread &&
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$BB/broadcast_client" \
    bench/broadcast_client.c $(pkg-config --cflags --libs libcurl jansson) &&
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -I. \
    $(pkg-config --cflags $PKGS) -o "$BB/broadcast_setup" \
    bench/broadcast_setup.c "$BUILD/libfangfei.a" \
    $(pkg-config --libs $PKGS) -lcsv -lpthread ||
	die "cannot build the bench helpers"

say "== PostgreSQL bench  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "machine:  $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(1/5/15 min, before the bench)"
say "postgres: $("$PGBIN/postgres" --version)"
say "settings: $THREADS wrk threads, $CONNS connections, ${DUR} s per run" \
    "after ${WARM} s warm-up; broadcast to $N robots, max_inflight = $CONC"

# --- PostgreSQL and the registry --------------------------------------------
out=$(sh scripts/pgtest.sh start) || die "scripts/pgtest.sh start failed"
PGDIR=$(echo "$out" | head -1)
PGMASTER=$(head -1 "$PGDIR/data/postmaster.pid")
pgurl() { printf 'postgresql:///%s?host=%s&user=fangfei' "$1" "$PGDIR"; }
psql_do() {
	psql -X -q -v ON_ERROR_STOP=1 "$(pgurl postgres)" -c "$1" \
	    >>"$LOGS/psql.log" 2>&1 || die "psql: $1 (see $LOGS/psql.log)"
}
psql_do "CREATE DATABASE bcast"
if [ "$ONLY" = broadcast ]; then
	# The first command on the new database makes the key.
	rm -f "$VAR/fangfei.key"
else
psql_do "CREATE DATABASE registry"
# Every instance on one database uses the same key file: the registry's.
cp "$REG/registry.db.key" "$VAR/fangfei.key" && chmod 600 "$VAR/fangfei.key" ||
	exit 1
ini "$VAR/pg.ini" "url = $(pgurl registry)
key_file = $VAR/fangfei.key"

stamp="$(cat "$REG/registry.stamp") pg=$(cat storage/schema/pg/*.sql \
    storage/copy.c | cksum | cut -d' ' -f1)"
if [ "${BENCH_PG_REBUILD:-0}" != 1 ] && [ -s "$DUMP" ] &&
    [ "$(cat "$DUMP.stamp" 2>/dev/null)" = "$stamp" ]; then
	t0=$(now)
	"$PGBIN/pg_restore" -j2 --no-owner -d "$(pgurl registry)" "$DUMP" \
	    >"$LOGS/restore.log" 2>&1 ||
		die "pg_restore failed (see $LOGS/restore.log)"
	say "registry: restored $DUMP ($(du -m "$DUMP" | cut -f1) MiB) with" \
	    "pg_restore -j2 in $(elapsed "$t0") s"
else
	rm -f "$DUMP" "$DUMP.stamp"
	t0=$(now)
	"$FANGFEI" migrate --from-sqlite "$REG/registry.db" \
	    --config "$VAR/pg.ini" >"$LOGS/migrate.log" 2>&1 || {
		tail -20 "$LOGS/migrate.log" >&2
		die "fangfei migrate --from-sqlite failed (see $LOGS/migrate.log)"
	}
	say "registry: fangfei migrate --from-sqlite in $(elapsed "$t0") s"
	t0=$(now)
	"$PGBIN/pg_dump" -Fc -f "$DUMP.tmp" "$(pgurl registry)" \
	    >"$LOGS/dump.log" 2>&1 || die "pg_dump failed (see $LOGS/dump.log)"
	mv "$DUMP.tmp" "$DUMP" && printf '%s\n' "$stamp" >"$DUMP.stamp"
	say "registry: cached as $DUMP ($(du -m "$DUMP" | cut -f1) MiB," \
	    "pg_dump -Fc in $(elapsed "$t0") s)"
fi
# Fresh statistics, as a server's autovacuum would have them by now.
psql -X -q "$(pgurl registry)" -c "VACUUM ANALYZE" >>"$LOGS/psql.log" 2>&1

# The SQLite instance works on a copy, as in bench/run.sh.
rm -f "$REG/run.db" "$REG/run.db-wal" "$REG/run.db-shm" "$REG/run.db.key"
cp "$REG/registry.db" "$REG/run.db" && cp "$REG/registry.db.key" \
    "$REG/run.db.key" && chmod 600 "$REG/run.db.key" || exit 1
[ -f "$REG/registry.db-wal" ] && cp "$REG/registry.db-wal" "$REG/run.db-wal"
ini "$VAR/sqlite.ini" "path = $REG/run.db"

q=$(head -1 "$REG/uscc.txt")
printf '{"update_id":%s,"message":{"message_id":%s,"from":{"id":5927593490,"is_bot":false,"first_name":"小明"},"chat":{"id":5927593490,"type":"private","first_name":"小明"},"date":1763750000,"text":"查询 %s"}}' \
    1 1 "$q" >"$VAR/probe.json"

# --- 查询 <USCC>: one instance on SQLite ------------------------------------
say ""
say "== 查询 <USCC> at $CONNS connections"
P1=$("$BB/probe" port) || die "no free port"
serve sqlite "$VAR/sqlite.ini" "$P1"
cat "$REG/run.db" >/dev/null
probe_run sqlite "$P1"
wrk_run sqlite-warmup "$P1" "$CONNS" "$WARM"
t0=$(cpu_ticks $PIDS)
wrk_run sqlite "$P1" "$CONNS" "$DUR"
t1=$(cpu_ticks $PIDS)
SQ=$LINE
[ -n "$SQ" ] || { say "  FAILED: no result (see $LOGS/wrk-sqlite.txt)"; FAILED=1; }
SQ_CPU=$(us_per "$SQ" "$t0" "$t1")
stop_all

# --- 查询 <USCC>: two instances on PostgreSQL behind nginx ------------------
PA=$("$BB/probe" port) && PB=$("$BB/probe" port) && NP=$("$BB/probe" port) ||
	die "no free port"
serve pg-a "$VAR/pg.ini" "$PA"
PID_A=$SERVED
serve pg-b "$VAR/pg.ini" "$PB"
PID_B=$SERVED
NG=$VAR/nginx
temps="$(nginx_temps "$NGINX" "$NG/tmp")
"
cat >"$NG/nginx.conf" <<EOF
# Generated by bench/pg.sh: two fangfei instances on one PostgreSQL.
worker_processes auto;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
worker_rlimit_nofile 8192;
events {
    worker_connections 4096;
}
http {
    access_log off;
$temps    keepalive_requests 10000000;
    upstream fangfei {
        server 127.0.0.1:$PA;
        server 127.0.0.1:$PB;
        keepalive 64;
        keepalive_requests 10000000;
    }
    server {
        listen 127.0.0.1:$NP;
        location / {
            proxy_pass http://fangfei;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
}
EOF
"$NGINX" -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" \
    >"$LOGS/nginx.out" 2>&1 &
NGINX_PID=$!
wait_port "$NP" "$NGINX_PID" || {
	cat "$LOGS/nginx.out" "$NG/error.log" >&2 2>/dev/null
	die "nginx did not start"
}
probe_run pg "$NP"
if cmp -s "$LOGS/probe-sqlite.txt" "$LOGS/probe-pg.txt"; then
	say "  check \"查询 $q\": the same answer on both ($(wc -c \
	    <"$LOGS/probe-pg.txt") bytes): $(head -c 200 "$LOGS/probe-pg.txt" |
	    tr '\n' ' ' | LC_ALL=C sed 's/[\xc0-\xff][\x80-\xbf]*$//') ..."
else
	say "  FAILED: \"查询 $q\" answered differently:"
	diff "$LOGS/probe-sqlite.txt" "$LOGS/probe-pg.txt" | head -20 |
	    sed 's/^/    /'
	FAILED=1
fi
cat "$PGDIR/data/base"/*/* >/dev/null 2>&1
wrk_run pg-warmup "$NP" "$CONNS" "$WARM"
f0=$(cpu_ticks "$PID_A" "$PID_B") p0=$(cpu_ticks "$PGMASTER")
n0=$(cpu_ticks "$NGINX_PID")
wrk_run pg "$NP" "$CONNS" "$DUR"
f1=$(cpu_ticks "$PID_A" "$PID_B") p1=$(cpu_ticks "$PGMASTER")
n1=$(cpu_ticks "$NGINX_PID")
PG=$LINE
[ -n "$PG" ] || { say "  FAILED: no result (see $LOGS/wrk-pg.txt)"; FAILED=1; }
PG_FCPU=$(us_per "$PG" "$f0" "$f1")
PG_PCPU=$(us_per "$PG" "$p0" "$p1")
PG_NCPU=$(us_per "$PG" "$n0" "$n1")
stop_pid "$NGINX_PID"
NGINX_PID=""
stop_all

errs() {
	awk -v a="$(field "$1" connect)" -v b="$(field "$1" read)" \
	    -v c="$(field "$1" write)" -v d="$(field "$1" timeout)" \
	    -v e="$(field "$1" status)" 'BEGIN { print a + b + c + d + e }'
}
for side in sqlite pg; do
	if [ $side = sqlite ]; then
		l=$SQ name="SQLite, 1 instance"
		cpu="fangfei $SQ_CPU us/req"
	else
		l=$PG name="PostgreSQL, 2 + nginx"
		cpu="fangfei $PG_FCPU + postgres $PG_PCPU us/req (nginx $PG_NCPU)"
	fi
	[ -n "$l" ] || { say "  $name: no result"; continue; }
	printf '  %-22s %8s req/s   p50 %6s ms   p99 %7s ms   errors %s   %s\n' \
	    "$name" "$(field "$l" rps)" "$(ms "$(field "$l" p50_us)")" \
	    "$(ms "$(field "$l" p99_us)")" "$(errs "$l")" "$cpu"
done
USCC_RATIO=$(awk -v a="$(field "$PG" rps)" -v b="$(field "$SQ" rps)" \
    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
say "  ratio: PostgreSQL pair / SQLite single = $USCC_RATIO"
fi

# --- broadcast --------------------------------------------------------------
say ""
say "== broadcast to $N robots"
rm -f "$LOGS/sink.out"
"$BB/broadcast_sink" 2 >"$LOGS/sink.out" 2>&1 &
SINK_PID=$!
i=0
until SPORT=$(sed -n 's/^broadcast_sink: listening on \([0-9]*\)$/\1/p' \
    "$LOGS/sink.out" 2>/dev/null) && [ -n "$SPORT" ]; do
	kill -0 "$SINK_PID" 2>/dev/null && [ $i -lt 300 ] ||
		die "the sink did not start: $(cat "$LOGS/sink.out")"
	sleep 0.1
	i=$((i + 1))
done
PREFIX="http://127.0.0.1:$SPORT/cgi-bin/webhook/send?key=bench-"

# bsetup INI DB KEYFILE: areas, N robots and an office token; sets TOKEN.
bsetup() {
	"$FANGFEI" import areas data/demo/areas.csv --config "$1" \
	    >>"$LOGS/setup.log" 2>&1 &&
	"$BB/broadcast_setup" "$2" "$N" "$PREFIX" "$AREA" "$3" \
	    >>"$LOGS/setup.log" 2>&1 &&
	TOKEN=$("$FANGFEI" token create --role office --area "$TOP" \
	    --config "$1" 2>>"$LOGS/setup.log") ||
		die "broadcast setup failed (see $LOGS/setup.log)"
}

# bcast TAG PORT: the broadcast through PORT; sets B (its BROADCAST line).
bcast() {
	"$BB/broadcast_client" broadcast "http://127.0.0.1:$2" "$TOKEN" "$TOP" \
	    building "$TEXT" "$N" "$SPORT" >"$LOGS/broadcast-$1.txt" 2>&1 || {
		say "  FAILED: not every group was delivered ($1):" \
		    "$(cat "$LOGS/broadcast-$1.txt")"
		FAILED=1
	}
	B=$(grep '^BROADCAST ' "$LOGS/broadcast-$1.txt")
}

BDB=$VAR/bcast.db
rm -f "$BDB" "$BDB-wal" "$BDB-shm" "$BDB.key"
ini "$VAR/bcast-sqlite.ini" "path = $BDB" warn
bsetup "$VAR/bcast-sqlite.ini" "$BDB" "$BDB.key"
P1=$("$BB/probe" port) || die "no free port"
serve bcast-sqlite "$VAR/bcast-sqlite.ini" "$P1"
bcast sqlite "$P1"
BS=$B
stop_all

ini "$VAR/bcast-pg.ini" "url = $(pgurl bcast)
key_file = $VAR/fangfei.key" warn
bsetup "$VAR/bcast-pg.ini" "$(pgurl bcast)" "$VAR/fangfei.key"
PA=$("$BB/probe" port) && PB=$("$BB/probe" port) || die "no free port"
serve bcast-pg-a "$VAR/bcast-pg.ini" "$PA"
serve bcast-pg-b "$VAR/bcast-pg.ini" "$PB"
bcast pg "$PA"
BP=$B
SPLIT_A=$(sent "$PA") SPLIT_B=$(sent "$PB")
stop_all
S=$("$BB/broadcast_client" stats "$SPORT")
stop_pid "$SINK_PID"
SINK_PID=""

for side in sqlite pg; do
	if [ $side = sqlite ]; then
		l=$BS name="SQLite, 1 instance"
	else
		l=$BP name="PostgreSQL, 2"
	fi
	[ -n "$l" ] || { say "  $name: no result"; continue; }
	printf '  %-22s last delivery at %6s ms   %6s deliveries/s   API all' \
	    "$name" "$(field "$l" sink_ms)" "$(field "$l" rps)"
	printf ' done at %s ms   %s failed\n' "$(field "$l" api_ms)" \
	    "$(field "$l" failed)"
done
say "  split: instance A (took the POST) sent $SPLIT_A rows, instance B" \
    "$SPLIT_B (of $N; from each one's /metrics)"
say "  sink: $(field "$S" posts) POSTs in all, $(field "$S" bad) with another" \
    "body than the robot's text"
BC_RATIO=$(awk -v a="$(field "$BP" sink_ms)" -v b="$(field "$BS" sink_ms)" \
    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
say "  ratio: PostgreSQL pair time / SQLite single time = $BC_RATIO"
say ""
say "logs: $LOGS"
[ "$ONLY" = broadcast ] ||
say "RESULT work=pg_uscc pg_rps=$(field "$PG" rps) sqlite_rps=$(field "$SQ" rps)" \
    "ratio=$USCC_RATIO pg_p50_us=$(field "$PG" p50_us)" \
    "pg_p99_us=$(field "$PG" p99_us) sqlite_p99_us=$(field "$SQ" p99_us)" \
    "fangfei_cpu_us=$PG_FCPU postgres_cpu_us=$PG_PCPU sqlite_cpu_us=$SQ_CPU"
say "RESULT work=pg_broadcast pg_ms=$(field "$BP" sink_ms)" \
    "sqlite_ms=$(field "$BS" sink_ms) ratio=$BC_RATIO split_a=$SPLIT_A" \
    "split_b=$SPLIT_B"
exit $FAILED

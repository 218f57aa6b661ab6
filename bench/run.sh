#!/bin/sh
# make bench: fangfei's company check against nginx on this machine.
#
#   sh bench/run.sh [BUILD_DIR]        (make bench runs it with "build")
#
# 1. Builds the helpers (bench/gen.c, bench/probe.c, bench/lookup.c).
# 2. Loads a synthetic registry of 1,000,000 enterprises (bench/gen.c),
#    imported once with "fangfei import enterprises" and cached in
#    var/bench/registry.db; rebuilt when the generator, the row count or the
#    storage code that builds the index changes.
# 3. Times lookups in process (bench/lookup.c, the storage API, no HTTP).
# 4. At each connection count: nginx's static 200 on loopback (the ceiling),
#    then the Telegram webhook with "查询 <USCC>" and with "查询 <fragment>"
#    (wrk, bench/hook.lua), each against a freshly started daemon whose peak
#    RSS (VmHWM) is read before it is stopped.
# 5. Prints a table and whether each target was met. Targets are reported,
#    never turned into the exit status: the machine is shared and noisy.
#    The exit status is non-zero only when the bench could not run.
#
# Environment: BENCH_DURATION (seconds per run, 10), BENCH_WARMUP (2),
# BENCH_CONNS ("64 256"), BENCH_THREADS (wrk threads, 2), BENCH_ROUNDS
# (3: step 4 this many times; the tables give each figure's median over
# the rounds, and each ratio's median of the rounds' own ratios), BENCH_ROWS
# (1000000), BENCH_REBUILD=1 (regenerate and re-import the registry),
# NGINX (/usr/sbin/nginx), WRK (wrk).
set -u

BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
case $BUILD in
/*) ;;
*) BUILD=$ROOT/$BUILD ;;
esac
VAR=$ROOT/var/bench
LOGS=$VAR/logs
BB=$BUILD/bench
DUR=${BENCH_DURATION:-10}
WARM=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNS:-64 256}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
ROWS=${BENCH_ROWS:-1000000}
# The cached registry and its query lists; other sizes keep their own.
REG=$VAR
[ "$ROWS" = 1000000 ] || REG=$VAR/rows-$ROWS
WRK=${WRK:-wrk}
NGINX=${NGINX:-/usr/sbin/nginx}
[ -x "$NGINX" ] || NGINX=$(command -v nginx || echo /usr/sbin/nginx)
FANGFEI=$BUILD/fangfei
SECRET=benchsecret

# Targets, from the issue.
T_USCC=30	# % of nginx's static req/s
T_FRAG=15
T_P99=10	# ms
T_RSS=32	# MiB

NGINX_PID=""
DAEMON_PID=""
MON_PID=""
FAILED=0
RUNK=0		# wrk invocations so far; keeps update_ids unique

BENCH_NAME=bench
. bench/lib.sh
PKGS=$(make_pkgs) || die "cannot read the Makefile's PKGS"

cleanup() {
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null
	stop_pid "$DAEMON_PID"
	stop_pid "$NGINX_PID"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# cpu_ticks PID: user+system CPU of PID and its children (nginx's workers)
# in clock ticks. "pid (comm) state ppid ...": utime and stime are fields
# 14 and 15, i.e. 12 and 13 once "pid (comm) " is cut.
cpu_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{
		pid = $1; sub(/^.*\) /, "")
		if (pid == p || $2 == p) t += $12 + $13
	} END { print t + 0 }'
}
TICK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# child_secs FILE: children's user+system seconds in the output of "times"
# (which must run in this shell, not in a $(...) subshell).
child_secs() {
	awk 'NR == 2 { t = 0
		for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] }
		print t }' "$1"
}

# with_cpu PID TICKS_BEFORE: appends to LINE cpu_us (the server's CPU per
# request), cores (CPUs the server kept busy), wrk_cores, and others (CPUs
# busy with anything else: other people's work on a shared machine).
with_cpu() {
	[ -n "$LINE" ] || return 0
	LINE="$LINE $(awk -v t0="$2" -v t1="$(cpu_ticks "$1")" -v hz="$TICK" \
	    -v n="$(field "$LINE" requests)" -v d="$(field "$LINE" duration_us)" \
	    -v b0="$BUSY0" -v b1="$BUSY1" -v w0="$(child_secs "$VAR/.times0")" \
	    -v w1="$(child_secs "$VAR/.times1")" -v wall="$WALL" \
	    'BEGIN { s = (t1 - t0) / hz; w = w1 - w0; b = (b1 - b0) / hz
		o = wall > 0 ? (b - s - w) / wall : 0
		printf("cpu_us=%.1f cores=%.2f wrk_cores=%.2f others=%.2f",
		    (n > 0 ? s * 1e6 / n : 0), (d > 0 ? s * 1e6 / d : 0),
		    (wall > 0 ? w / wall : 0), (o > 0 ? o : 0)) }')"
}

mkdir -p "$VAR" "$REG" "$LOGS" "$BB" || exit 1
[ -x "$FANGFEI" ] || die "$FANGFEI not built (make bench builds it)"
[ -f "$BUILD/libfangfei.a" ] || die "$BUILD/libfangfei.a not built"
command -v "$WRK" >/dev/null || die "wrk not found (scripts/deps.sh bench)"
[ -x "$NGINX" ] || die "nginx not found (scripts/deps.sh bench)"

# --- helpers --------------------------------------------------------------
CC=${CC:-cc}
# shellcheck disable=SC2046,SC2086
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$BB/gen" bench/gen.c &&
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -o "$BB/probe" \
    bench/probe.c &&
$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -I. \
    $(pkg-config --cflags $PKGS) -o "$BB/lookup" bench/lookup.c \
    "$BUILD/libfangfei.a" $(pkg-config --libs $PKGS) -lcsv -lpthread ||
	die "cannot build the bench helpers"

# --- machine --------------------------------------------------------------
say "== fangfei bench  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "machine:  $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' \
    /proc/cpuinfo | head -1), $(awk '/^MemTotal/ { printf "%d MiB", $2 / 1024 }' \
    /proc/meminfo) RAM, Linux $(uname -r)"
say "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the bench)"
b0=$(busy_ticks)
sleep 1
say "idle:     $(awk -v b0="$b0" -v b1="$(busy_ticks)" -v hz="$TICK" \
    'BEGIN { printf "%.2f", (b1 - b0) / hz }') CPUs busy before the bench" \
    "(1 s sample; other work makes every figure below lower)"
say "wrk:      $("$WRK" -v 2>&1 | head -1)"
say "nginx:    $("$NGINX" -v 2>&1 | head -1)"
say "libs:     sqlite $(pkg-config --modversion sqlite3), libmicrohttpd" \
    "$(pkg-config --modversion libmicrohttpd)"
say "settings: $THREADS wrk threads, connections $CONNS, ${DUR} s per run" \
    "after ${WARM} s warm-up"

# --- registry -------------------------------------------------------------
src=$(cat storage/schema/*.sql storage/search.c storage/enterprises.c \
    messages/text.c 2>/dev/null | cksum | cut -d' ' -f1)
stamp="gen=$("$BB/gen" --version) rows=$ROWS src=$src"
if [ "${BENCH_REBUILD:-0}" != 1 ] && [ -f "$REG/registry.db" ] &&
    [ -f "$REG/registry.db.key" ] && [ -f "$REG/registry.stamp" ] &&
    [ "$(cat "$REG/registry.stamp")" = "$stamp" ] &&
    [ -s "$REG/uscc.txt" ] && [ -s "$REG/frags.txt" ]; then
	say "registry: cached $REG/registry.db ($stamp)"
else
	say "registry: generating $ROWS enterprises ..."
	rm -f "$REG/registry.stamp" "$REG/registry.db" "$REG/registry.db-wal" \
	    "$REG/registry.db-shm" "$REG/registry.db.key" "$REG"/import.db*
	t0=$(now)
	"$BB/gen" "$ROWS" "$REG" || die "generator failed"
	say "registry: generated $REG/registry.csv" \
	    "($(du -m "$REG/registry.csv" | cut -f1) MiB) in $(elapsed "$t0") s;" \
	    "importing ..."
	t0=$(now)
	if ! "$FANGFEI" import enterprises "$REG/registry.csv" \
	    --db "$REG/import.db" >"$LOGS/import.log" 2>&1; then
		tail -20 "$LOGS/import.log" >&2
		die "import failed: $FANGFEI import enterprises" \
		    "$REG/registry.csv --db $REG/import.db (log: $LOGS/import.log)"
	fi
	say "registry: imported in $(elapsed "$t0") s; the importer said:"
	tail -5 "$LOGS/import.log" | sed 's/^/    /'
	mv "$REG/import.db" "$REG/registry.db" || exit 1
	[ -f "$REG/import.db-wal" ] && mv "$REG/import.db-wal" \
	    "$REG/registry.db-wal"
	# The key goes with the database: a database whose check value
	# names a key is refused without it.
	mv "$REG/import.db.key" "$REG/registry.db.key" 2>/dev/null
	rm -f "$REG/import.db-shm" "$REG/registry.csv"
	printf '%s\n' "$stamp" >"$REG/registry.stamp"
fi
say "registry: $(du -m "$REG/registry.db" | cut -f1) MiB on disk;" \
    "queries: $(wc -l <"$REG/uscc.txt") codes, $(wc -l <"$REG/frags.txt")" \
    "fragments"

# The daemon writes (deduplication, chats): it works on a copy, so that
# the cached registry stays as imported.
rm -f "$VAR/run.db" "$VAR/run.db-wal" "$VAR/run.db-shm" "$VAR/run.db.key"
cp "$REG/registry.db" "$VAR/run.db" || exit 1
if [ -f "$REG/registry.db.key" ]; then
	cp "$REG/registry.db.key" "$VAR/run.db.key" && chmod 600 "$VAR/run.db.key"
fi
[ -f "$REG/registry.db-wal" ] && cp "$REG/registry.db-wal" "$VAR/run.db-wal"

# --- in-process lookups ---------------------------------------------------
say ""
say "== in-process lookups (bench/lookup.c: storage API, one thread, no HTTP)"
"$BB/lookup" "$VAR/run.db" "$REG/uscc.txt" "$REG/frags.txt" 5 \
    >"$LOGS/lookup.txt" 2>&1
rc=$?
LK_USCC=$(grep '^LOOKUP kind=uscc' "$LOGS/lookup.txt")
LK_FRAG=$(grep '^LOOKUP kind=frag' "$LOGS/lookup.txt")
if [ $rc -ne 0 ] || [ -z "$LK_USCC" ] || [ -z "$LK_FRAG" ]; then
	say "bench: lookup failed (exit $rc):"
	sed 's/^/    /' "$LOGS/lookup.txt"
	FAILED=1
fi
for l in "$LK_USCC" "$LK_FRAG"; do
	[ -n "$l" ] || continue
	printf '  %-9s p50 %8s us   p99 %8s us   mean %8s us   max %8s us' \
	    "$(field "$l" kind)" "$(field "$l" p50_us)" "$(field "$l" p99_us)" \
	    "$(field "$l" mean_us)" "$(field "$l" max_us)"
	printf '   %s lookups, %s/s, %s wrong answers\n' "$(field "$l" n)" \
	    "$(field "$l" per_s)" "$(field "$l" bad)"
done

# --- nginx ----------------------------------------------------------------
NG=$VAR/nginx
mkdir -p "$NG/tmp" || exit 1
NPORT=$("$BB/probe" port) || die "no free port"
temps="$(nginx_temps "$NGINX" "$NG/tmp")
"
cat >"$NG/nginx.conf" <<EOF
# Generated by bench/run.sh: the loopback ceiling.
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
    server {
        listen 127.0.0.1:$NPORT;
        location / {
            default_type text/plain;
            return 200 "ok\n";
        }
    }
}
EOF
"$NGINX" -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" \
    >"$LOGS/nginx.out" 2>&1 &
NGINX_PID=$!
i=0
until "$BB/probe" get "$NPORT" / >/dev/null 2>&1; do
	if ! kill -0 "$NGINX_PID" 2>/dev/null || [ $i -ge 100 ]; then
		cat "$LOGS/nginx.out" "$NG/error.log" >&2 2>/dev/null
		die "nginx did not start"
	fi
	sleep 0.1
	i=$((i + 1))
done

# wrk_run LABEL URL SCRIPT CONNS SECONDS [SCRIPT ARGS]: sets LINE to the
# BENCH line (not printed: a $(...) subshell would lose RUNK).
wrk_run() {
	label=$1 url=$2 script=$3 c=$4 d=$5
	shift 5
	RUNK=$((RUNK + 1))
	BUSY0=$(busy_ticks)
	T0=$(now)
	times >"$VAR/.times0"
	if [ $# -gt 0 ]; then
		"$WRK" -t"$THREADS" -c"$c" -d"${d}s" --timeout 5s --latency \
		    -s "$script" "$url" -- "$@" "$((RUNK * 1000000000))" \
		    "$SECRET" >"$LOGS/wrk-$label.txt" 2>&1
	else
		"$WRK" -t"$THREADS" -c"$c" -d"${d}s" --timeout 5s --latency \
		    -s "$script" "$url" >"$LOGS/wrk-$label.txt" 2>&1
	fi
	times >"$VAR/.times1"
	BUSY1=$(busy_ticks)
	WALL=$(awk -v a="$T0" -v b="$(now)" 'BEGIN { print b - a }')
	LINE=$(grep '^BENCH ' "$LOGS/wrk-$label.txt" | tail -1)
}

# One body for the probe: a private chat sending "查询 QUERY".
probe_body() {	# update_id query
	printf '{"update_id":%s,"message":{"message_id":%s,"from":{"id":5927593490,"is_bot":false,"first_name":"小明"},"chat":{"id":5927593490,"type":"private","first_name":"小明"},"date":1763750000,"text":"查询 %s"}}' \
	    "$1" "$1" "$2" >"$VAR/probe.json"
}

# daemon_run KIND CONNS QUERYFILE: starts the daemon on the run copy,
# checks one request, warms up, measures, reads peak RSS, stops it. Sets
# RES (the BENCH line) and RSS_KB; empty on failure.
daemon_run() {
	kind=$1 c=$2 qf=$3
	RES="" RSS_KB=""
	tag=$kind-$c
	port=$("$BB/probe" port) || { FAILED=1; return; }
	check_ini "$VAR/fangfei.ini" "$port" "$VAR/run.db" "$SECRET" bench/run.sh
	"$FANGFEI" serve --config "$VAR/fangfei.ini" \
	    >"$LOGS/fangfei-$tag.out" 2>"$LOGS/fangfei-$tag.err" &
	DAEMON_PID=$!
	i=0
	until "$BB/probe" get "$port" /healthz >/dev/null 2>&1; do
		if ! kill -0 "$DAEMON_PID" 2>/dev/null || [ $i -ge 300 ]; then
			say "  FAILED: $FANGFEI serve --config $VAR/fangfei.ini" \
			    "did not answer GET /healthz in 30 s"
			daemon_post_mortem "$tag"
			FAILED=1
			return
		fi
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "^fangfei: listening on http://127.0.0.1:$port" \
	    "$LOGS/fangfei-$tag.out" || say "  note: no \"fangfei: listening" \
	    "on http://127.0.0.1:$port\" line on stdout yet (unflushed?)"
	# The page cache here is reclaimed within tens of seconds: read the
	# database back in, so that every run starts as warm as the last.
	cat "$VAR/run.db" "$VAR/run.db-wal" >/dev/null 2>&1
	q=$(head -1 "$qf")
	probe_body "$((RUNK + 1))" "$q"
	RUNK=$((RUNK + 1))
	if ! "$BB/probe" post "$port" /hook/tg "$VAR/probe.json" \
	    "X-Telegram-Bot-Api-Secret-Token: $SECRET" \
	    >"$LOGS/probe-$tag.txt" 2>&1; then
		say "  FAILED: POST /hook/tg \"查询 $q\" answered:"
		head -c 600 "$LOGS/probe-$tag.txt" | sed 's/^/    /'
		say ""
		FAILED=1
	fi
	say "  check \"查询 $q\" -> $(head -c 300 "$LOGS/probe-$tag.txt" |
	    tr '\n' ' ' | LC_ALL=C sed 's/[\xc0-\xff][\x80-\xbf]*$//') ..."
	wrk_run "$tag-warmup" "http://127.0.0.1:$port" bench/hook.lua "$c" \
	    "$WARM" "$qf"
	warm_rps=$(field "$LINE" rps)
	monitor "$DAEMON_PID" "$port" >"$LOGS/monitor-$tag.txt" 2>&1 &
	MON_PID=$!
	t0=$(cpu_ticks "$DAEMON_PID")
	wrk_run "$tag" "http://127.0.0.1:$port" bench/hook.lua "$c" "$DUR" "$qf"
	with_cpu "$DAEMON_PID" "$t0"
	kill "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
	MON_PID=""
	RES=$LINE
	if [ -n "$RES" ] && [ -n "$warm_rps" ] && awk -v a="$(field "$RES" rps)" \
	    -v b="$warm_rps" 'BEGIN { exit !(a < b / 5) }'; then
		say "  STALL? $(field "$RES" rps) req/s after $warm_rps in the" \
		    "warm-up; the daemon's threads and connections, each second:" \
		    "$LOGS/monitor-$tag.txt"
	fi
	if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		say "  FAILED: the daemon died during the $kind run at $c" \
		    "connections"
		daemon_post_mortem "$tag"
		RES="" FAILED=1
		return
	fi
	RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$DAEMON_PID/status")
	say "  daemon: peak RSS (VmHWM) $RSS_KB kB; now" \
	    "$(awk '/^(RssAnon|RssFile|Threads):/ { printf "%s %s %s  ", $1, $2, $3 }' \
	    "/proc/$DAEMON_PID/status")"
	stop_pid "$DAEMON_PID"
	DAEMON_PID=""
	[ -n "$RES" ] || { say "  FAILED: no result from wrk" \
	    "(see $LOGS/wrk-$tag.txt)"; FAILED=1; }
}

# monitor PID PORT: once a second, the state, CPU ticks and wait channel of
# each of the daemon's threads and its established connections (for runs
# that stall: see $LOGS/monitor-*.txt).
monitor() {
	while kill -0 "$1" 2>/dev/null; do
		echo "== $(date +%T.%N)"
		for t in /proc/"$1"/task/*; do
			printf '%s %s %s\n' "$(cat "$t/comm")" \
			    "$(cut -d' ' -f3,14,15 "$t/stat")" \
			    "$(cat "$t/wchan" 2>/dev/null)"
		done
		command -v ss >/dev/null && echo "established:" \
		    "$(ss -Htn state established "( sport = :$2 )" | wc -l)"
		sleep 1
	done
}

daemon_post_mortem() {
	if [ -n "$DAEMON_PID" ]; then
		if kill -0 "$DAEMON_PID" 2>/dev/null; then
			stop_pid "$DAEMON_PID"
		else
			wait "$DAEMON_PID"
			say "  the daemon exited with status $?"
		fi
	fi
	DAEMON_PID=""
	say "  stdout ($LOGS/fangfei-$1.out), last lines:"
	tail -5 "$LOGS/fangfei-$1.out" | sed 's/^/    /'
	say "  stderr ($LOGS/fangfei-$1.err), last lines:"
	tail -15 "$LOGS/fangfei-$1.err" | sed 's/^/    /'
}

# show LABEL BENCH_LINE: one line of progress.
show() {
	if [ -z "$2" ]; then
		say "  $1: no result"
		return
	fi
	printf '  %-18s %10s req/s   p50 %7s ms   p99 %7s ms   errors %s' \
	    "$1" "$(field "$2" rps)" \
	    "$(awk -v u="$(field "$2" p50_us)" 'BEGIN { printf "%.2f", u / 1000 }')" \
	    "$(awk -v u="$(field "$2" p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')" \
	    "$(errors "$2")"
	printf '   server CPU %s us/req, %s cores; wrk %s cores; others %s\n' \
	    "$(field "$2" cpu_us)" "$(field "$2" cores)" \
	    "$(field "$2" wrk_cores)" "$(field "$2" others)"
}

errors() {	# BENCH line: socket errors + non-2xx responses
	awk -v a="$(field "$1" connect)" -v b="$(field "$1" read)" \
	    -v c="$(field "$1" write)" -v d="$(field "$1" timeout)" \
	    -v e="$(field "$1" status)" 'BEGIN { print a + b + c + d + e }'
}

# Every round runs nginx and both checks at each connection count, so a
# round's ratios come from runs a minute apart; the summary takes the
# median of the rounds (this machine's neighbours move single runs by a
# third).
TABLE=$VAR/table.txt
: >"$TABLE"
round=0
while [ "$round" -lt "$ROUNDS" ]; do
round=$((round + 1))
for c in $CONNS; do
	say ""
	say "== $c connections, round $round of $ROUNDS"
	wrk_run "nginx-$c-warmup" "http://127.0.0.1:$NPORT/" bench/static.lua \
	    "$c" 1
	t0=$(cpu_ticks "$NGINX_PID")
	wrk_run "nginx-$c" "http://127.0.0.1:$NPORT/" bench/static.lua "$c" "$DUR"
	with_cpu "$NGINX_PID" "$t0"
	NGX=$LINE
	show "nginx static 200" "$NGX"
	[ -n "$NGX" ] || FAILED=1
	printf 'nginx %s %s round=%s -\n' "$c" "${NGX:-none}" "$round" \
	    >>"$TABLE"

	daemon_run uscc "$c" "$REG/uscc.txt"
	show "fangfei USCC" "$RES"
	printf 'uscc %s %s round=%s %s\n' "$c" "${RES:-none}" "$round" \
	    "${RSS_KB:--}" >>"$TABLE"

	daemon_run frag "$c" "$REG/frags.txt"
	show "fangfei fragment" "$RES"
	printf 'frag %s %s round=%s %s\n' "$c" "${RES:-none}" "$round" \
	    "${RSS_KB:--}" >>"$TABLE"
done
done
stop_pid "$NGINX_PID"
NGINX_PID=""

# --- medians over the rounds -------------------------------------------------
# TABLE lines: KIND CONNS BENCH requests=... ... round=R RSS_KB (nginx: no
# RSS), one per run. MEDIAN: one line per KIND and CONNS in the same form,
# with each figure's median over the rounds; ratio= is the median of the
# rounds' ratios to nginx's req/s in the same round (rlo= and rhi= their
# range), errors are summed, others= and the RSS are the largest seen.
MEDIAN=$VAR/median.txt
awk "$AWK_VAL"'
# The median of the n values in a[1..n] (sorted in place).
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1 " " $2
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	r = val($0, "round")
	if ($3 == "none") next
	runs[k]++
	line[k, runs[k]] = $0
	rnd[k, runs[k]] = r
	rps[k, r] = val($0, "rps")
	if ($NF != "-" && $NF + 0 > rss[k]) rss[k] = $NF + 0
}
END {
	split("rps p50_us p99_us cpu_us cores wrk_cores", med, " ")
	split("connect read write timeout status", sum, " ")
	for (i = 1; i <= nk; i++) {
		k = order[i]
		n = runs[k]
		if (n == 0) { print k, "none", "-"; continue }
		split(k, kc, " ")
		out = k " BENCH rounds=" n
		for (f in med) {
			for (j = 1; j <= n; j++)
				v[j] = val(line[k, j], med[f])
			out = out " " med[f] "=" median(v, n)
		}
		for (f in sum) {
			t = 0
			for (j = 1; j <= n; j++)
				t += val(line[k, j], sum[f])
			out = out " " sum[f] "=" t
		}
		t = 0
		for (j = 1; j <= n; j++)
			if (val(line[k, j], "others") + 0 > t)
				t = val(line[k, j], "others") + 0
		out = out " others=" t
		m = 0
		ng = "nginx " kc[2]
		for (j = 1; j <= n; j++) {
			r = rnd[k, j]
			if (rps[ng, r] > 0)
				q[++m] = rps[k, r] / rps[ng, r]
		}
		if (m > 0 && kc[1] != "nginx") {
			out = out sprintf(" ratio=%.4f", median(q, m))
			out = out sprintf(" rlo=%.4f rhi=%.4f", q[1], q[m])
		}
		print out, (kc[1] == "nginx" || rss[k] == "") ? "-" : rss[k]
	}
}' "$TABLE" >"$MEDIAN"

# --- summary --------------------------------------------------------------
# MEDIAN lines: KIND CONNS BENCH ... RSS_KB (nginx: no RSS).
say ""
say "== summary: $ROWS enterprises, $THREADS wrk threads, ${DUR} s per run," \
    "loopback, $(nproc) CPUs, load now $(cut -d' ' -f1 /proc/loadavg)"
awk -v t_uscc="$T_USCC" -v t_frag="$T_FRAG" -v t_p99="$T_P99" \
    -v t_rss="$T_RSS" -v lk_uscc="$LK_USCC" -v lk_frag="$LK_FRAG" "$AWK_VAL"'
function verdict(ok) { return ok ? "met" : "NOT met" }
{
	kind = $1; c = $2; rss = $NF
	line = $0
	if ($3 == "none") { rps[kind, c] = ""; next }
	rps[kind, c] = val(line, "rps")
	p50[kind, c] = val(line, "p50_us") / 1000
	p99[kind, c] = val(line, "p99_us") / 1000
	err[kind, c] = val(line, "connect") + val(line, "read") + \
	    val(line, "write") + val(line, "timeout") + val(line, "status")
	mem[kind, c] = rss
	cpu[kind, c] = val(line, "cpu_us")
	oth[kind, c] = val(line, "others")
	rat[kind, c] = val(line, "ratio")
	rlo[kind, c] = val(line, "rlo")
	rhi[kind, c] = val(line, "rhi")
	rounds = val(line, "rounds")
	if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
}
END {
	name["nginx"] = "nginx static 200"
	name["uscc"] = "fangfei USCC"
	name["frag"] = "fangfei fragment"
	printf "%-6s %-18s %10s %8s %8s %9s %10s %7s %8s %7s\n", "conns",
	    "target", "req/s", "p50 ms", "p99 ms", "vs nginx", "peak RSS",
	    "errors", "CPU/req", "others"
	for (k = 1; k <= nc; k++) {
		c = order[k]
		split("nginx uscc frag", kinds, " ")
		for (j = 1; j <= 3; j++) {
			kd = kinds[j]
			if (rps[kd, c] == "") {
				printf "%-6s %-18s %10s\n", c, name[kd], "failed"
				continue
			}
			ratio = rat[kd, c] != "" ? \
			    sprintf("%.1f%%", 100 * rat[kd, c]) : "-"
			rs = (mem[kd, c] == "-" || mem[kd, c] == "") ? "-" : \
			    sprintf("%.1f MiB", mem[kd, c] / 1024)
			printf "%-6s %-18s %10.0f %8.2f %8.2f %9s %10s %7d %5.1f us %7.2f\n",
			    c, name[kd], rps[kd, c], p50[kd, c], p99[kd, c],
			    ratio, rs, err[kd, c], cpu[kd, c], oth[kd, c]
			if (oth[kd, c] > 0.1)
				disturbed = 1
		}
	}
	printf "each figure: the median of %d rounds; vs nginx: the median of" \
	    " the rounds\047 own ratios. ", rounds
	printf "errors: socket errors + non-2xx answers. CPU/req: the server" \
	    " user+system CPU per request (nginx: with its workers), steadier" \
	    " than req/s on a shared machine. others: CPUs kept busy by other" \
	    " processes than the server and wrk during the run.\n"
	if (disturbed)
		printf "WARNING: other processes used more than 0.1 CPU during" \
		    " some runs: their figures are low; run again on a quiet" \
		    " machine.\n"
	printf "\nin-process lookups (one thread, storage API):\n"
	if (lk_uscc != "")
		printf "  USCC      p50 %s us, p99 %s us (%s/s)\n",
		    val(lk_uscc, "p50_us"), val(lk_uscc, "p99_us"),
		    val(lk_uscc, "per_s")
	if (lk_frag != "")
		printf "  fragment  p50 %s us, p99 %s us (%s/s)\n",
		    val(lk_frag, "p50_us"), val(lk_frag, "p99_us"),
		    val(lk_frag, "per_s")
	printf "\ntargets (reported, not enforced):\n"
	for (k = 1; k <= nc; k++) {
		c = order[k]
		if (rps["nginx", c] == "") {
			printf "  %s connections: no nginx figure\n", c
			continue
		}
		for (j = 2; j <= 3; j++) {
			kd = kinds[j]
			t = (kd == "uscc") ? t_uscc : t_frag
			if (rps[kd, c] == "" || rat[kd, c] == "") {
				printf "  %-16s @%-3s  no figure (run failed)\n",
				    name[kd], c
				continue
			}
			r = 100 * rat[kd, c]
			printf "  %-16s @%-3s  throughput %5.1f%% of nginx " \
			    "(%.1f-%.1f) (>= %d%%) %-7s" \
			    "  p99 %.2f ms (< %d) %-7s  RSS %.1f MiB (< %d) %s\n",
			    name[kd], c, r, 100 * rlo[kd, c], 100 * rhi[kd, c], t,
			    verdict(r >= t), p99[kd, c], t_p99,
			    verdict(p99[kd, c] < t_p99), mem[kd, c] / 1024, t_rss,
			    verdict(mem[kd, c] / 1024 < t_rss)
			if (err[kd, c] > 0)
				printf "  %-16s @%-3s  note: %d errors or non-2xx " \
				    "responses\n", name[kd], c, err[kd, c]
		}
	}
}' "$MEDIAN" | tee "$VAR/summary.txt"
say ""
say "logs: $LOGS (wrk output, daemon stdout/stderr); summary: $VAR/summary.txt"

# The other benchmarks: broadcast delivery, QR generation, letter pages,
# the cost of platform crypto and XML, long connections, SMS through
# Kannel, two instances on PostgreSQL beside one on SQLite, and where a
# check's instructions go (callgrind).
# Each ends with a RESULT line (work=... and its figures), gathered below.
RESULTS=$VAR/results.txt
: >"$RESULTS"
for extra in broadcast qr letters crypto stream sms pg profile; do
	if [ -f "bench/$extra.sh" ] && [ "${BENCH_ONLY:-}" = "" ]; then
		say ""
		say "== bench/$extra.sh"
		settle
		sh "bench/$extra.sh" "$BUILD" >"$LOGS/$extra.txt" 2>&1 || FAILED=1
		cat "$LOGS/$extra.txt"
		grep '^RESULT ' "$LOGS/$extra.txt" >>"$RESULTS"
	fi
done

# --- every target in one table ----------------------------------------------
say ""
say "== targets: every figure beside its target and its CPU cost, this run" \
    "($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
LC_ALL=C awk -v t_uscc="$T_USCC" -v t_frag="$T_FRAG" -v t_p99="$T_P99" \
    -v t_rss="$T_RSS" -v results="$RESULTS" "$AWK_VAL"'
# Pads to w columns: a Chinese character is three bytes and two columns.
function pad(str, w,    t, n) {
	t = str
	n = gsub(/[\340-\357]/, "", t)
	return sprintf("%-" (w + n) "s", str)
}
function row(work, now, target, cpu, ok) {
	printf "%s %-26s %-12s %-16s %s\n", pad(work, 34), now, target, cpu,
	    ok == "" ? "no figure" : ok == "-" ? "no target" : \
	    (ok ? "met" : "NOT met")
}
$3 != "none" {
	kind = $1; c = $2
	rps[kind, c] = val($0, "rps"); p99[kind, c] = val($0, "p99_us") / 1000
	cpu[kind, c] = val($0, "cpu_us"); rat[kind, c] = val($0, "ratio")
	if (kind != "nginx" && $NF + 0 > rss) rss = $NF + 0
	if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
}
END {
	printf "%-34s %-26s %-12s %-16s %s\n", "work", "now", "target",
	    "CPU", "verdict"
	for (k = 1; k <= nc; k++) {
		c = order[k]
		for (j = 1; j <= 2; j++) {
			kd = j == 1 ? "uscc" : "frag"
			t = j == 1 ? t_uscc : t_frag
			w = sprintf("查询 <%s> @%s", j == 1 ? "USCC" : "fragment", c)
			if (rat[kd, c] == "") {
				row(w, "-", "", "", "")
				continue
			}
			r = 100 * rat[kd, c]
			row(w " req/s", sprintf("%.1f%% of nginx", r),
			    ">= " t "%", sprintf("%.1f us/req", cpu[kd, c]),
			    r >= t)
			row(w " p99", sprintf("%.2f ms", p99[kd, c]),
			    "< " t_p99 " ms", "", p99[kd, c] < t_p99)
		}
		printf "%-34s %-26s %-12s %-16s\n", "  (nginx static 200 @" c ")",
		    sprintf("%.0f req/s, p99 %.2f ms", rps["nginx", c],
		    p99["nginx", c]), "", sprintf("%.1f us/req", cpu["nginx", c])
	}
	while ((getline l < results) > 0) {
		w = val(l, "work")
		if (w == "letters")
			row("letter page view (records a scan)",
			    sprintf("%.1f%% of nginx", 100 * val(l, "ratio")),
			    ">= 30%", sprintf("%s us/view", val(l, "cpu_us")),
			    val(l, "ratio") + 0 >= 0.30)
		else if (w == "broadcast")
			row("broadcast to 10,000 robots",
			    sprintf("%.2fx direct posting", val(l, "ratio")),
			    "<= 2x", sprintf("%s us/delivery", val(l, "cpu_us")),
			    val(l, "ratio") + 0 <= 2)
		else if (w == "pg_uscc")
			row("查询 <USCC> PG pair / SQLite one",
			    sprintf("%.2fx (%.0f req/s)", val(l, "ratio"),
			    val(l, "pg_rps")), "-",
			    sprintf("%s+%s us", val(l, "fangfei_cpu_us"),
			    val(l, "postgres_cpu_us")), "-")
		else if (w == "pg_broadcast")
			row("broadcast PG pair / SQLite one",
			    sprintf("%.2fx (%s ms)", val(l, "ratio"), val(l, "pg_ms")),
			    "-", sprintf("split %s/%s", val(l, "split_a"),
			    val(l, "split_b")), "-")
		else if (w == "profile")
			row(sprintf("查询 <%s> instructions (callgrind)",
			    val(l, "kind") == "uscc" ? "USCC" : "fragment"),
			    sprintf("%.1fk per request", val(l, "instr") / 1000),
			    "-", sprintf("json %.0fk+%.0fk",
			    val(l, "json_load") / 1000, val(l, "json_dump") / 1000),
			    "-")
		else if (w == "crypto") {
			row("WeCom app (AES + XML) / plain",
			    sprintf("%.1f%% of Telegram", 100 * val(l, "wecom_ratio")),
			    ">= 70%", sprintf("%s us/req", val(l, "wecom_cpu_us")),
			    val(l, "wecom_ratio") + 0 >= 0.70)
			row("WeChat safe mode / plain",
			    sprintf("%.1f%% of Telegram", 100 * val(l, "mp_ratio")),
			    ">= 70%", sprintf("%s us/req", val(l, "mp_cpu_us")),
			    val(l, "mp_ratio") + 0 >= 0.70)
		} else if (w == "qr")
			row("10,000 poster QR PNGs",
			    sprintf("%.1fx faster than qrencode", val(l, "speedup")),
			    ">= 20x", sprintf("%.0f us/PNG", 1e6 * val(l, "ours_s") / 10000),
			    val(l, "speedup") + 0 >= 20)
	}
	row("peak RSS under load, 10^6 rows", rss > 0 ? sprintf("%.1f MiB",
	    rss / 1024) : "-", "< " t_rss " MiB", "", rss > 0 ? rss / 1024 < t_rss : "")
}' "$MEDIAN" | tee "$VAR/targets.txt"
say "(reported, never the exit status; a busy machine gives low figures:" \
    "compare the CPU columns between runs)"
exit $FAILED

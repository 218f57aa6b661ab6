#!/bin/sh
# The cost of crypto and XML: "查询 <name>" through the WeCom app callback
# (AES-256-CBC, signed XML) and a WeChat Official Account in safe mode,
# beside the plain Telegram webhook in the same run, on the demo registry.
# Usage: sh bench/crypto.sh [BUILD]   (BENCH_DURATION seconds, default 10;
# BENCH_CONNS, default 64; BENCH_ROUNDS, default 3). Runs plain, WeCom,
# WeChat, plain, ... in rounds, each encrypted rate against the faster
# plain run beside it; prints each round, the medians with the daemon's
# CPU a request, and their ratio to Telegram's (target: encrypted >= 70%
# of plain). The last line is for bench/run.sh's table:
#   RESULT work=crypto wecom_ratio=... mp_ratio=... tg_cpu_us=...
#       wecom_cpu_us=... mp_cpu_us=...
set -eu
BENCH_NAME=crypto
. bench/lib.sh
build=${1:-build}
dur=${BENCH_DURATION:-10}
conns=${BENCH_CONNS:-64}
dir=var/bench/crypto
command -v wrk >/dev/null || die "wrk not found (scripts/deps.sh bench)"
rm -rf "$dir"
mkdir -p "$dir/req"
${CC:-cc} -O2 -std=c11 -D_DEFAULT_SOURCE -I. -o "$dir/cryptoreq" \
    bench/cryptoreq.c "$build/libfangfei.a" \
    $(pkg-config --libs libcrypto expat jansson) ||
    die "cannot build bench/cryptoreq.c"
cat > "$dir/fangfei.ini" <<INI
[server]
listen = 127.0.0.1:0
log_level = error
max_connections_per_ip = 4096
[storage]
path = $PWD/$dir/x.db
[limits]
checks_per_minute = 0
[channel.tg]
type = telegram
secret_token = benchsecret
bot_username = BenchBot
[channel.wc]
type = wecom
corp_id = wwbench0000000001
corp_secret = bench
agent_id = 1000002
token = benchtoken
encoding_aes_key = abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
[channel.mp]
type = wechat_mp
app_id = wxbench000000001
app_secret = bench
token = benchtoken
encrypt_mode = safe
encoding_aes_key = abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
INI
export FANGFEI_CONFIG="$dir/fangfei.ini"
"$build/fangfei" import areas data/demo/areas.csv >/dev/null
"$build/fangfei" import enterprises data/demo/enterprises.csv >/dev/null
"$build/fangfei" serve > "$dir/serve.out" 2> "$dir/serve.err" &
pid=$!
trap 'stop_pid $pid' EXIT
i=0
while ! grep -q "listening on" "$dir/serve.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 500 ] && die "fangfei did not start: $(cat "$dir/serve.err")"
	sleep 0.02
done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$dir/serve.out")
base="http://127.0.0.1:$port"

# run NAME TYPE [HEADER VALUE]: sets RPS, P99 (ms) and CPU (the daemon's
# user + system time a request, us) of NAME's request, after checking that
# one answer is a real one.
run() {
	"$dir/cryptoreq" "$dir/req" 鑫源财富 || die "cannot make requests"
	code=$(curl -s -o "$dir/$1.answer" -w '%{http_code}' \
	    -H "Content-Type: $2" ${3:+-H "$3: $4"} \
	    --data-binary @"$dir/req/$1.body" "$base$(cat "$dir/req/$1.path")")
	[ "$code" = 200 ] && [ -s "$dir/$1.answer" ] ||
	    die "$1: answer $code: $(cat "$dir/$1.answer")"
	# A 2 s warm-up first, so that the order of the runs matters less.
	wrk -t2 -c"$conns" -d2s -s bench/fixed.lua "$base" -- \
	    "$dir/req/$1.path" "$dir/req/$1.body" "$2" ${3:+"$3"} \
	    ${4:+"$4"} >/dev/null 2>&1
	t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
	line=$(wrk -t2 -c"$conns" -d"${dur}s" --latency -s bench/fixed.lua \
	    "$base" -- "$dir/req/$1.path" "$dir/req/$1.body" "$2" ${3:+"$3"} \
	    ${4:+"$4"} 2>&1 | grep '^BENCH ')
	t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
	RPS=$(field "$line" rps)
	P99=$(awk -v u="$(field "$line" p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')
	CPU=$(awk -v t="$((t1 - t0))" -v n="$(field "$line" requests)" \
	    -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", 1e6 * t / hz / n }')
	[ "$(field "$line" status)" = 0 ] || die "$1: non-2xx answers: $line"
}
tg_run() { run tg application/json X-Telegram-Bot-Api-Secret-Token benchsecret; }

# Rounds T W M T W M ... T: each encrypted run is measured against the
# faster of the plain runs on either side of it, as single runs on this
# machine move by a third from one minute to the next; the medians of the
# rounds are reported.
rounds=${BENCH_ROUNDS:-3}
say "crypto and XML: 查询 over three channels, $conns connections, ${dur} s" \
    "each, $rounds rounds (plain, WeCom, WeChat, ..., plain)"
: >"$dir/rounds.txt"
tg_run
prev=$RPS prev99=$P99 prevcpu=$CPU
i=1
while [ $i -le "$rounds" ]; do
	run wecom text/xml
	wc=$RPS wc99=$P99 wccpu=$CPU
	run mp text/xml
	mp=$RPS mp99=$P99 mpcpu=$CPU
	tg_run
	awk -v i=$i -v a="$prev" -v b="$RPS" -v wc="$wc" -v mp="$mp" \
	    -v tc="$prevcpu" -v wcc="$wccpu" -v mpc="$mpcpu" \
	    -v t99="$prev99" -v w99="$wc99" -v m99="$mp99" 'BEGIN {
		t = a > b ? a : b
		printf "round %d tg=%s tg_before=%s tg_after=%s wecom=%s " \
		    "mp=%s wecom_ratio=%.3f mp_ratio=%.3f tg_cpu=%s " \
		    "wecom_cpu=%s mp_cpu=%s tg_p99=%s wecom_p99=%s " \
		    "mp_p99=%s\n", i, t, a, b, wc, mp, wc / t, mp / t, tc,
		    wcc, mpc, t99, w99, m99 }' \
	    >>"$dir/rounds.txt"
	prev=$RPS prev99=$P99 prevcpu=$CPU
	i=$((i + 1))
done
sed 's/^/  /' "$dir/rounds.txt"
# med KEY: the median of KEY over the rounds.
med() {
	tr ' ' '\n' <"$dir/rounds.txt" | sed -n "s/^$1=//p" | sort -g |
	    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
wr=$(med wecom_ratio) mr=$(med mp_ratio)
# line LABEL RATIO RPS P99 CPU: one encrypted line beside the plain rate.
line() {
	awk -v n="$1" -v r="$2" -v a="$3" -v p="$4" -v c="$5" 'BEGIN {
		printf "  %-23s %10s req/s  p99 %s ms  %s us/req  %.0f%% of " \
		    "plain (target >= 70%%): %s\n", n, a, p, c, 100 * r,
		    (r >= 0.70) ? "met" : "NOT met" }'
}
say "medians of the rounds:"
printf '  %-23s %10s req/s  p99 %s ms  %s us/req\n' "telegram (plain JSON)" \
    "$(med tg)" "$(med tg_p99)" "$(med tg_cpu)"
line "wecom (AES + XML)" "$wr" "$(med wecom)" "$(med wecom_p99)" \
    "$(med wecom_cpu)"
line "wechat_mp safe mode" "$mr" "$(med mp)" "$(med mp_p99)" "$(med mp_cpu)"
echo "RESULT work=crypto wecom_ratio=$wr mp_ratio=$mr" \
    "tg_cpu_us=$(med tg_cpu) wecom_cpu_us=$(med wecom_cpu)" \
    "mp_cpu_us=$(med mp_cpu)"

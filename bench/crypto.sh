#!/bin/sh
# The cost of crypto and XML: "查询 <name>" through the WeCom app callback
# (AES-256-CBC, signed XML) and a WeChat Official Account in safe mode,
# beside the plain Telegram webhook in the same run, on the demo registry.
# Usage: sh bench/crypto.sh [BUILD]   (BENCH_DURATION seconds, default 10;
# BENCH_CONNS, default 64). Prints each rate and its ratio to Telegram's
# (target: encrypted >= 70% of plain).
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

# run NAME TYPE [HEADER VALUE]: sets RPS and P99 (ms) of NAME's request,
# after checking that one answer is a real one.
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
	line=$(wrk -t2 -c"$conns" -d"${dur}s" --latency -s bench/fixed.lua \
	    "$base" -- "$dir/req/$1.path" "$dir/req/$1.body" "$2" ${3:+"$3"} \
	    ${4:+"$4"} 2>&1 | grep '^BENCH ')
	RPS=$(field "$line" rps)
	P99=$(awk -v u="$(field "$line" p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')
	[ "$(field "$line" status)" = 0 ] || die "$1: non-2xx answers: $line"
}

say "crypto and XML: 查询 over three channels, $conns connections, ${dur} s each"
run tg application/json X-Telegram-Bot-Api-Secret-Token benchsecret
tg=$RPS tg99=$P99
run wecom text/xml
wc=$RPS wc99=$P99
run mp text/xml
mp=$RPS mp99=$P99
# ratio LABEL RPS P99: one encrypted line beside the plain rate.
ratio() {
	awk -v n="$1" -v a="$2" -v b="$tg" -v p="$3" 'BEGIN { r = 100 * a / b;
		printf "  %-23s %10s req/s  p99 %s ms  %.0f%% of plain " \
		    "(target >= 70%%): %s\n", n, a, p, r,
		    (r >= 70) ? "met" : "NOT met" }'
}
printf '  %-23s %10s req/s  p99 %s ms\n' "telegram (plain JSON)" "$tg" "$tg99"
ratio "wecom (AES + XML)" "$wc" "$wc99"
ratio "wechat_mp safe mode" "$mp" "$mp99"

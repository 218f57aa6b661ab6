#!/bin/sh
# Letter page views (/l/CODE, each recorded as a scan) per second beside
# nginx serving a static page of the same size on this machine.
# Usage: sh bench/letters.sh [BUILD]   (BENCH_DURATION seconds, default 10)
# The last line is for bench/run.sh's table:
#   RESULT work=letters ours_rps=... ref_rps=... ratio=... cpu_us=...
set -eu
build=${1:-build}
dur=${BENCH_DURATION:-10}
dir=var/bench/letters
rm -rf "$dir"
mkdir -p "$dir/nginx"
cat > "$dir/fangfei.ini" <<INI
[server]
listen = 127.0.0.1:0
public_base_url = http://127.0.0.1:8080
log_level = error
; wrk is one address with 64 connections
max_connections_per_ip = 4096
[limits]
page_views_per_minute = 0
[storage]
path = $PWD/$dir/x.db
INI
export FANGFEI_CONFIG="$dir/fangfei.ini"
"$build/fangfei" import areas data/demo/areas.csv >/dev/null
"$build/fangfei" letter add --title "致广大居民的一封公开信" --issuer 示例 \
    --date 2026-06-15 --area 张店区 data/demo/letter.md >/dev/null
"$build/fangfei" letter codes --id 1 --area 张店区 >/dev/null
code=$(sqlite3 "$dir/x.db" "SELECT code FROM letter_codes LIMIT 1")

"$build/fangfei" serve > "$dir/serve.out" 2> "$dir/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null; [ -f "$dir/nginx/pid" ] && kill "$(cat "$dir/nginx/pid")" 2>/dev/null; true' EXIT
i=0
while ! grep -q "listening on" "$dir/serve.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 500 ] && { echo "fangfei did not start"; exit 1; }
	sleep 0.02
done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$dir/serve.out")
curl -s -A "Mozilla/5.0 (iPhone) MicroMessenger/8.0" \
    "http://127.0.0.1:$port/l/$code" > "$dir/nginx/page.html"

# nginx on the first free port above fangfei's: a port just past an
# ephemeral one may still be held by a closing connection.
nport=$port
until [ -f "$dir/nginx/pid" ]; do
	nport=$((nport + 1))
	[ $nport -gt $((port + 20)) ] && { echo "nginx did not start"; exit 1; }
	cat > "$dir/nginx/nginx.conf" <<NGX
worker_processes 2;
pid $PWD/$dir/nginx/pid;
error_log /dev/null;
events { worker_connections 4096; }
http {
	access_log off;
	server {
		listen 127.0.0.1:$nport;
		root $PWD/$dir/nginx;
		location / { try_files /page.html =404; }
	}
}
NGX
	/usr/sbin/nginx -c "$PWD/$dir/nginx/nginx.conf" 2>/dev/null || true
done
sleep 0.3

ua="Mozilla/5.0 (iPhone) MicroMessenger/8.0"
run() {
	wrk -t2 -c64 -d"${dur}s" --latency -H "User-Agent: $ua" \
	    -H "Cookie: ffd=0123456789abcdef" "$1" 2>/dev/null |
	    awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} END {print r, p}'
}
set -- $(run "http://127.0.0.1:$nport/l/$code")
ngx=$1 ngx99=$2
cpu0=$(awk '{print $14 + $15}' /proc/$pid/stat)
set -- $(run "http://127.0.0.1:$port/l/$code")
ff=$1 ff99=$2
cpu1=$(awk '{print $14 + $15}' /proc/$pid/stat)
rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
scans=$(sqlite3 "$dir/x.db" "SELECT count(*) FROM scans")
echo "letter page views, 64 connections, ${dur}s, page $(wc -c < "$dir/nginx/page.html") bytes"
printf '  nginx static   %10s req/s  p99 %s\n' "$ngx" "$ngx99"
printf '  fangfei /l/    %10s req/s  p99 %s  (%s scans recorded, peak RSS %s kB)\n' \
    "$ff" "$ff99" "$scans" "$rss"
awk -v a="$ff" -v b="$ngx" 'BEGIN { r = 100 * a / b;
	printf "  ratio %.1f%% of nginx (target >= 30%%): %s\n", r,
	    (r >= 30) ? "met" : "NOT met" }'
# One line for bench/run.sh's table; cpu_us is fangfei's own CPU time
# (user and system) per view served.
awk -v a="$ff" -v b="$ngx" -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" \
    -v d="$dur" 'BEGIN { printf "RESULT work=letters ours_rps=%.0f " \
	"ref_rps=%.0f ratio=%.3f cpu_us=%.1f\n", a, b, a / b,
	1e6 * t / hz / (a * d) }'

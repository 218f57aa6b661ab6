#!/bin/sh
# Installs the Debian packages fangfei needs to build, test and run.
# As root it runs apt-get; otherwise it prints the exact command to type.
# Usage: scripts/deps.sh [build|test|bench]
set -eu
need="build-essential pkg-config libmicrohttpd-dev libcurl4-openssl-dev
libjansson-dev libyajl-dev libsqlite3-dev libpq-dev libssl-dev libinih-dev libcsv-dev
libqrencode-dev libpng-dev zlib1g-dev libexpat1-dev sqlite3 libjs-chart.js
libwebsockets-dev libprotobuf-c-dev protobuf-c-compiler libical-dev libcmark-dev
tzdata"
case "${1:-build}" in
test)	need="$need libcmocka-dev curl zbar-tools librsvg2-bin chromium
	    fonts-noto-cjk kannel kannel-extras prometheus postgresql-15 valgrind
	    faketime"
	# The browser tests' node and npm: one already on PATH will do,
	# otherwise Debian's.
	command -v node >/dev/null 2>&1 || need="$need nodejs npm" ;;
bench)	need="$need wrk nginx-light qrencode kannel valgrind" ;;
fuzz)	need="$need clang" ;;
esac
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "fangfei: missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "fangfei: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2

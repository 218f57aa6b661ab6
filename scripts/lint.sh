#!/bin/sh
# make lint: banned unbounded or unchecked calls, SQL outside storage/,
# HTTP outside bot/. (clang-format is advisory: see .clang-format.)
set -u
srcs=$(git ls-files 'bot/*.c' 'handlers/*.c' 'messages/*.c' 'storage/*.c' '*.h')
rc=0
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol)\s*\(' $srcs; then
	echo "lint: use snprintf, strtol and capped buffers" >&2
	rc=1
fi
if grep -lE '\bsqlite3_(prepare|exec|step)' $(echo "$srcs" | grep -v '^storage/'); then
	echo "lint: SQL belongs in storage/" >&2
	rc=1
fi
if grep -lE 'microhttpd\.h|curl/curl\.h' $(echo "$srcs" | grep -E '^(handlers|storage|messages)/'); then
	echo "lint: HTTP belongs in bot/" >&2
	rc=1
fi
if command -v clang-format >/dev/null 2>&1; then
	n=$(for f in $srcs; do clang-format --dry-run "$f" 2>&1; done | grep -c warning)
	echo "lint: clang-format would change $n places (advisory)"
fi
[ $rc -eq 0 ] && echo "lint: ok"
exit $rc

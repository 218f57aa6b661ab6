#!/bin/sh
# Turns the console's static files into a C table, embedded in the binary:
# every file under DIR is served at /assets/<its path under DIR>, and each
# EXTRA=URLPATH pair (a library vendored from a Debian package) at
# /assets/URLPATH. Each gets its type and an ETag of its SHA-256.
# Usage: scripts/embed-assets.sh DIR [FILE=URLPATH ...] > assets.c
set -eu
dir=$1
shift
type_of() {
	case "$1" in
	*.html) echo "text/html; charset=utf-8" ;;
	*.js|*.mjs) echo "text/javascript; charset=utf-8" ;;
	*.css) echo "text/css; charset=utf-8" ;;
	*.svg) echo "image/svg+xml" ;;
	*.png) echo "image/png" ;;
	*.json) echo "application/json; charset=utf-8" ;;
	*.txt|*.csv) echo "text/plain; charset=utf-8" ;;
	*) echo "application/octet-stream" ;;
	esac
}
list=$(mktemp)
trap 'rm -f "$list"' EXIT
(cd "$dir" && find . -type f ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort) |
while read -r rel; do
	printf '%s\t%s\n' "$dir/$rel" "$rel"
done > "$list"
for pair in "$@"; do
	file=${pair%%=*}
	[ -f "$file" ] || { echo "embed-assets: $file is missing (scripts/deps.sh build installs it)" >&2; exit 1; }
	printf '%s\t%s\n' "$file" "${pair#*=}" >> "$list"
done
echo '/* Generated from web/ and vendored libraries by scripts/embed-assets.sh. */'
echo '#include "bot/assets.h"'
i=0
while IFS='	' read -r file rel; do
	printf 'static const unsigned char a%d[] = {\n' "$i"
	od -An -v -tx1 "$file" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/\t/'
	printf '\t0\n};\n'
	i=$((i + 1))
done < "$list"
echo 'const struct asset assets_table[] = {'
i=0
while IFS='	' read -r file rel; do
	etag=$(sha256sum "$file" | cut -c1-20)
	printf '\t{ "/assets/%s", "%s", a%d, sizeof a%d - 1, "\\"%s\\"" },\n' \
	    "$rel" "$(type_of "$rel")" "$i" "$i" "$etag"
	i=$((i + 1))
done < "$list"
printf '\t{ NULL, NULL, NULL, 0, NULL }\n};\n'

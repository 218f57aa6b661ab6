#!/bin/sh
# Turns storage/schema/NNN_name.sql files into a C table of migrations
# named ARRAY (schema_steps: SQLite's; schema_steps_pg: PostgreSQL's).
# Usage: scripts/embed-schema.sh ARRAY FILE.sql ... >> schema.c
set -eu
array=$1
shift
echo "/* Generated from SQL files by scripts/embed-schema.sh. */"
echo '#include "storage/store_int.h"'
echo "const struct schema_step $array[] = {"
for f in "$@"; do
	base=$(basename "$f" .sql)
	ver=$(echo "$base" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
	printf '\t{ %s, "%s",\n' "$ver" "$base"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t  "/' -e 's/$/\\n"/' "$f"
	printf '\t},\n'
done
printf '\t{ 0, NULL, NULL }\n'
echo '};'

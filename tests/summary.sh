#!/bin/sh
# Sums the per-build lines of tests/run.sh into the closing line CI reads.
set -u
sed -n 's/^[^ ]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$@" |
    awk '{p+=$1; f+=$2; n++} END {
	if (n == 0) { print "0 passed, 1 failed"; exit }
	print p " passed, " f " failed" }'

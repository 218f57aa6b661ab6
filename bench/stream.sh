#!/bin/sh
# The long-connection bench: "查询 <name>" through a DingTalk Stream
# connection to the fake gateway of the end-to-end tests, each message
# stored, acknowledged and answered, beside the same command through the
# DingTalk HTTP callback against the same daemon in the same run
# (bench/stream_bench.c).
# Usage: sh bench/stream.sh [BUILD]   (BENCH_STREAM_N messages each way,
# default 1000; BENCH_STREAM_WINDOW unacknowledged at most, default 64).
# Prints both rates and their ratio; no target is the exit status.
set -eu
BENCH_NAME=stream
. bench/lib.sh
build=${1:-build}
n=${BENCH_STREAM_N:-1000}
window=${BENCH_STREAM_WINDOW:-64}
dir=var/bench/stream
rm -rf "$dir"
mkdir -p "$dir"
# The Makefile's libraries: the fake gateways and the daemon's library
# need what the daemon links (libpq for e2e_util.c, yajl, ...).
PKGS=$(make_pkgs) || die "cannot read the Makefile's PKGS"
# shellcheck disable=SC2046,SC2086
${CC:-cc} -O2 -std=c11 -D_DEFAULT_SOURCE -I. -I"$build/proto" \
    $(pkg-config --cflags $PKGS) \
    -o "$dir/stream_bench" bench/stream_bench.c tests/e2e/fakeplat.c \
    tests/e2e/fakews.c tests/e2e/fakews_api.c tests/e2e/fakews_plat.c \
    tests/e2e/e2e_util.c "$build/libfangfei.a" \
    $(pkg-config --libs $PKGS) -lcsv -lpthread ||
    die "cannot build bench/stream_bench.c"
line=$("$dir/stream_bench" "$build/fangfei" "$n" "$window") ||
    die "the bench did not finish"
say "$line"
say "stream: stored and acknowledged $(field "$line" stream_ack_rate) msg/s" \
    "over DingTalk Stream, $(field "$line" webhook_ack_rate) msg/s over the" \
    "HTTP callback (ratio $(field "$line" ack_ratio)); answered" \
    "$(field "$line" stream_answered_rate) and" \
    "$(field "$line" webhook_answered_rate) msg/s (DingTalk's 20 sends/s;" \
    "ratio $(field "$line" answered_ratio)); ACK latency p50" \
    "$(field "$line" ack_p50_ms) ms, p99 $(field "$line" ack_p99_ms) ms"

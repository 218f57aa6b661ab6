#!/bin/sh
# A throwaway PostgreSQL for the tests: initdb in a new temporary
# directory, the server listening only on a Unix socket in that directory
# (no TCP), stopped afterwards by its PID.
#
#   scripts/pgtest.sh start     prints DIR, then URL on a second line
#   scripts/pgtest.sh stop DIR  stops that server and removes DIR
#
# As root the cluster belongs to an unprivileged user (PostgreSQL refuses
# to run as root): nobody, or FANGFEI_PG_USER. The database superuser is
# "fangfei", trusted on the socket only; fsync is off (the cluster is
# thrown away, and a crash of the machine is not what the tests test).
# With PGTEST_WAL_TMPDIR set, the write-ahead log is in a directory of its
# own made there (initdb --waldir), on another filesystem than the data if
# the caller wants one (a test that fills the data's disk); stop removes it.
# Needs Debian's postgresql-15 (scripts/deps.sh test).
set -eu

pgbin() {
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	echo "pgtest.sh: no PostgreSQL server (apt-get install postgresql-15)" >&2
	return 1
}

# as CMD...: runs CMD as the cluster's owner.
as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "${FANGFEI_PG_USER:-nobody}" -- "$@"
	else
		"$@"
	fi
}

case "${1:-}" in
start)
	bin=$(pgbin)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/fangfei-pg-XXXXXX")
	chmod 755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown "${FANGFEI_PG_USER:-nobody}" "$dir"
	wal=""
	if [ -n "${PGTEST_WAL_TMPDIR:-}" ]; then
		wal=$(mktemp -d "$PGTEST_WAL_TMPDIR/fangfei-pgwal-XXXXXX")
		[ "$(id -u)" -eq 0 ] && chown "${FANGFEI_PG_USER:-nobody}" "$wal"
	fi
	as "$bin/initdb" -D "$dir/data" ${wal:+--waldir="$wal"} -U fangfei \
	    -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
	    >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	    -o "-k $dir -c listen_addresses= -c fsync=off \
	    -c synchronous_commit=off -c full_page_writes=off \
	    -c max_connections=300" start >/dev/null || {
		cat "$dir/server.log" >&2
		exit 1
	}
	echo "$dir"
	echo "postgresql:///postgres?host=$dir&user=fangfei"
	;;
stop)
	dir=${2:?usage: pgtest.sh stop DIR}
	wal=""
	[ -L "$dir/data/pg_wal" ] && wal=$(readlink "$dir/data/pg_wal")
	[ -f "$dir/data/postmaster.pid" ] || {
		rm -rf "$dir" ${wal:+"$wal"}
		exit 0
	}
	pid=$(head -1 "$dir/data/postmaster.pid")
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	rm -rf "$dir" ${wal:+"$wal"}
	;;
*)
	echo "usage: scripts/pgtest.sh start | stop DIR" >&2
	exit 2
	;;
esac

# Helpers shared by the benchmark scripts (sourced, not run).
# The sourcing script sets BENCH_NAME for messages.

say() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "${BENCH_NAME:-bench}" "$*" >&2; exit 1; }

# stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL. Only for processes
# the script started itself.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		say "${BENCH_NAME:-bench}: pid $1 ignored SIGTERM for 10 s;" \
		    "killing it" >&2
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

now() { date +%s.%N; }
# elapsed START [DECIMALS]: seconds since START.
elapsed() {
	awk -v a="$1" -v b="$(now)" -v d="${2:-1}" \
	    'BEGIN { printf "%.*f", d, b - a }'
}
# field LINE NAME: the value of NAME=value in a BENCH or LOOKUP line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# nginx_temps NGINX DIR: the *_temp_path lines of an nginx.conf's http
# block, one per module the binary has, each under DIR (Debian's
# nginx-light lacks some), with a newline after each.
nginx_temps() {
	for m in client_body proxy fastcgi uwsgi scgi; do
		case $m in
		client_body) ;;
		*) "$1" -V 2>&1 | grep -q -- "--without-http_${m}_module" &&
			continue ;;
		esac
		printf '    %s_temp_path %s/%s;\n' "$m" "$2" "$m"
	done
}

# The Makefile's PKGS (the libraries libfangfei.a needs), asked of make so
# that a library added there is linked here too.
make_pkgs() {
	# shellcheck disable=SC2016 # a make expression, for make
	printf 'bench-print-pkgs:\n\t@echo $(PKGS)\n' |
	    make --no-print-directory -s -f Makefile -f - bench-print-pkgs
}

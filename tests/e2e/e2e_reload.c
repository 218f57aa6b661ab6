/*
 * End-to-end tests of the log as JSON and of SIGHUP: with log_format =
 * json every line the daemon writes is one JSON object with its time,
 * level, event and message, and holds no secret or sender; a reload
 * serves a new webhook channel, a changed secret and new limits and
 * texts from the next request, logs what needs a restart, and a broken
 * config changes nothing; a SIGHUP while the daemon starts waits for it;
 * SIGTERM still lets a request in flight finish; systemd hears READY=1,
 * RELOADING=1 and STOPPING=1 on $NOTIFY_SOCKET.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "e2e.h"

#define OLD_SECRET	"s3cr3t_Token-01"
#define NEW_SECRET	"n3w_Tok3n-02"

static struct daemon d;
static char logpath[600];

/* Starts a daemon that logs JSON at the info level to logpath. */
static void
start(void)
{
	e2e_prepare(&d, "[server]\nlog_format = json\nlog_level = info\n");
	(void)snprintf(logpath, sizeof logpath, "%s/serve.log", d.dir);
	e2e_start_log(&d, logpath);
}

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	curl_global_cleanup();
	return 0;
}

/* POSTs one generic message to channel and returns the answer. */
static struct http_result
say(const char *channel, const char *sender, const char *text,
    const char *msgid)
{
	return e2e_say(&d, channel, sender, sender, NULL, text, msgid);
}

/* The status of one Telegram update sent with secret. */
static long
tg(const char *secret, long update)
{
	char			 hdr[128], body[512];
	const char *const	 hdrs[] = { "Content-Type: application/json",
	    hdr, NULL };
	struct http_result	 r;
	long			 status;

	(void)snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s",
	    secret);
	(void)snprintf(body, sizeof body, "{\"update_id\":%ld,\"message\":{"
	    "\"message_id\":%ld,\"from\":{\"id\":7731,\"first_name\":\"七\"},"
	    "\"chat\":{\"id\":7731,\"type\":\"private\"},\"date\":1763750000,"
	    "\"text\":\"帮助\"}}", update, update);
	r = e2e_request(&d, "POST", "/hook/tg", hdrs, body, strlen(body));
	status = r.status;
	e2e_result_free(&r);
	return status;
}

/* The status of a generic message (its answer dropped). */
static long
say_status(const char *channel, const char *msgid)
{
	struct http_result	 r = say(channel, "u-1", "查询 鑫源", msgid);
	long			 status = r.status;

	e2e_result_free(&r);
	return status;
}

/* Reads the whole log (caller frees). */
static char *
read_log(void)
{
	FILE	*f = fopen(logpath, "r");
	char	*buf;
	long	 n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Waits (up to 10 s) until the log holds s. */
static void
wait_log(const char *s)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	char		*log;
	int		 i;

	for (i = 0; i < 500; i++) {
		log = read_log();
		if (strstr(log, s) != NULL) {
			free(log);
			return;
		}
		free(log);
		nanosleep(&ts, NULL);
	}
	log = read_log();
	fail_msg("the log never held \"%s\":\n%s", s, log);
}

/* Checks that every line of the log is a JSON object with time, level,
 * event and msg; returns the number of lines. */
static int
check_json_lines(const char *log)
{
	const char	*p, *e;
	json_error_t	 err;
	json_t		*o;
	int		 n = 0;

	for (p = log; *p != '\0'; p = e + 1) {
		assert_non_null(e = strchr(p, '\n'));
		if ((o = json_loadb(p, (size_t)(e - p), 0, &err)) == NULL)
			fail_msg("not JSON (%s): %.*s", err.text,
			    (int)(e - p), p);
		if (!json_is_string(json_object_get(o, "time")) ||
		    !json_is_string(json_object_get(o, "level")) ||
		    !json_is_string(json_object_get(o, "event")) ||
		    !json_is_string(json_object_get(o, "msg")))
			fail_msg("a line without time, level, event or msg: "
			    "%.*s", (int)(e - p), p);
		json_decref(o);
		n++;
	}
	return n;
}

/* Writes the daemon's config anew: what e2e_prepare() writes, with text
 * in place of its channels and limits. */
static void
write_config(const char *text)
{
	char	 path[600];
	FILE	*f;

	(void)snprintf(path, sizeof path, "%s/fangfei.ini", d.dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "[server]\nlisten = 127.0.0.1:0\nhotline = 0533-12345\n"
	    "public_base_url = http://127.0.0.1:8080\n"
	    "max_body_bytes = 4096\nthreads = 2\nlog_level = info\n"
	    "log_format = json\n"
	    "[storage]\npath = %s/fangfei.db\n%s", d.dir, text);
	fclose(f);
}

/* Requests that succeed and fail: every line is JSON, the refusals are
 * "http" events with their status, and nothing secret is in the log. */
static void
test_json_log(void **state)
{
	static const char *const never[] = {
		OLD_SECRET, "k3y", "u-1", "7731", "鑫源",
	};
	struct http_result	 r;
	char			*log;
	size_t			 i;

	(void)state;
	start();
	assert_int_equal(say_status("demo", "j1"), 200);
	assert_int_equal(tg(OLD_SECRET, 1), 200);
	assert_int_equal(tg("wrong", 2), 401);
	assert_int_equal(say_status("signed", "j2"), 401);
	assert_int_equal(say_status("nosuch", "j3"), 404);
	r = e2e_request(&d, "GET", "/api/v1/tips", NULL, NULL, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	log = read_log();
	assert_true(check_json_lines(log) >= 6);
	assert_non_null(strstr(log, "\"event\":\"start\""));
	assert_non_null(strstr(log, "\"event\":\"stop\",\"msg\":\"stopped\""));
	assert_non_null(strstr(log, "\"event\":\"http\""));
	assert_non_null(strstr(log, "\"status\":401,\"path\":\"/hook/tg\""));
	assert_non_null(strstr(log, "\"status\":404,\"path\":"
	    "\"/hook/nosuch\""));
	assert_non_null(strstr(log, "\"status\":401,\"path\":"
	    "\"/api/v1/tips\""));
	for (i = 0; i < sizeof never / sizeof never[0]; i++)
		if (strstr(log, never[i]) != NULL)
			fail_msg("the log holds \"%s\":\n%s", never[i], log);
	free(log);
	e2e_cleanup(&d);
}

/* fangfei_config_last_reload_successful from /metrics, -1 without it. */
static int
reload_metric(void)
{
	static const char	 name[] = "\nfangfei_config_last_reload_successful ";
	struct http_result	 r = e2e_request(&d, "GET", "/metrics", NULL,
	    NULL, 0);
	const char		*p;
	int			 v = -1;

	if (r.status == 200 && r.body != NULL &&
	    (p = strstr(r.body, name)) != NULL)
		v = atoi(p + strlen(name));
	e2e_result_free(&r);
	return v;
}

/* SIGHUP: a new channel, a new secret, a new limit and hotline; then a
 * broken config, which changes nothing. */
static void
test_reload(void **state)
{
	struct http_result	 r;
	char			*log;
	int			 i;

	(void)state;
	start();
	assert_int_equal(say_status("b", "r0"), 404);
	assert_int_equal(tg(OLD_SECRET, 10), 200);
	assert_int_equal(tg(NEW_SECRET, 11), 401);
	/* The default limit: 20 checks a minute. */
	for (i = 0; i < 2; i++) {
		char id[16];

		(void)snprintf(id, sizeof id, "c%d", i);
		r = say("demo", "u-chk", "查询 鑫源", id);
		assert_null(strstr(r.body, "太频繁"));
		e2e_result_free(&r);
	}

	write_config("[server]\nlisten = 127.0.0.1:1\nhotline = 0533-99999\n"
	    "[limits]\nchecks_per_minute = 1\n"
	    "[channel.demo]\ntype = generic\narea = 华光路社区\n"
	    "allow_unsigned = on\n"
	    "[channel.signed]\ntype = generic\nsecret = k3y\n"
	    "[channel.tg]\ntype = telegram\nsecret_token = " NEW_SECRET "\n"
	    "bot_username = MyNotifyBot\n"
	    "[channel.b]\ntype = generic\nallow_unsigned = on\n");
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	wait_log("config applied");
	/* The new channel answers; the removed one (en) does not. */
	assert_int_equal(say_status("b", "r1"), 200);
	assert_int_equal(say_status("en", "r2"), 404);
	assert_int_equal(tg(OLD_SECRET, 12), 401);
	assert_int_equal(tg(NEW_SECRET, 13), 200);
	/* One check a minute, with the new hotline in the answer. */
	r = say("demo", "u-new", "查询 鑫源", "n1");
	assert_null(strstr(r.body, "太频繁"));
	e2e_result_free(&r);
	r = say("demo", "u-new", "查询 鑫源", "n2");
	assert_non_null(strstr(r.body, "太频繁"));
	assert_non_null(strstr(r.body, "0533-99999"));
	e2e_result_free(&r);
	/* The listen address needs a restart: logged, still served. */
	log = read_log();
	assert_non_null(strstr(log, "\"msg\":\"needs a restart: not applied\","
	    "\"setting\":\"[server] listen\""));
	assert_non_null(strstr(log, "\"msg\":\"channel added: its webhook is "
	    "served; it sends nothing until a restart\",\"channel\":\"b\""));
	free(log);

	/* A config that does not check: logged, the last good one serves. */
	assert_int_equal(reload_metric(), 1);
	write_config("[channel.tg]\ntype = nosuch\n");
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	wait_log("config refused");
	/* What an alert reads: the last reload was refused. */
	assert_int_equal(reload_metric(), 0);
	assert_int_equal(say_status("b", "r3"), 200);
	assert_int_equal(tg(NEW_SECRET, 14), 200);
	assert_int_equal(tg(OLD_SECRET, 15), 401);
	/* And one that does not parse. */
	write_config("[limits\n");
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	wait_log("syntax error");
	assert_int_equal(say_status("b", "r4"), 200);

	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	log = read_log();
	assert_non_null(strstr(log, "\"level\":\"error\",\"event\":\"reload\","
	    "\"msg\":\"config refused: still serving the last good one\","
	    "\"why\":"));
	assert_non_null(strstr(log, "unknown type"));
	(void)check_json_lines(log);
	if (strstr(log, NEW_SECRET) != NULL || strstr(log, OLD_SECRET) != NULL)
		fail_msg("the log holds a secret:\n%s", log);
	free(log);
	e2e_cleanup(&d);
}

/*
 * A request whose body is still coming when SIGTERM arrives is answered
 * before the daemon exits 0. In flight means past its headers: the
 * request asks for "100 Continue" and SIGTERM comes once the daemon has
 * said it (a connection the daemon has not read yet is not in flight,
 * and is closed with the listening socket).
 */
static void
test_term_in_flight(void **state)
{
	static const char body[] = "{\"chat_id\":\"u-t\",\"sender_id\":"
	    "\"u-t\",\"text\":\"查询 鑫源\",\"message_id\":\"t1\"}";
	struct sockaddr_in	 sa;
	struct timeval		 tmo = { 20, 0 };
	char			 head[256], answer[4096] = "";
	size_t			 got = 0;
	ssize_t			 n;
	int			 fd, st;

	(void)state;
	start();
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)d.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	/* A daemon that never answers fails the test, not hangs it. */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo,
	    sizeof tmo), 0);
	(void)snprintf(head, sizeof head, "POST /hook/demo HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nExpect: 100-continue\r\n"
	    "Connection: close\r\n\r\n", strlen(body));
	assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL),
	    (ssize_t)strlen(head));
	/* Past the headers: the request is in flight. */
	while (strstr(answer, "\r\n\r\n") == NULL && got < sizeof answer - 1 &&
	    (n = read(fd, answer + got, sizeof answer - 1 - got)) > 0) {
		got += (size_t)n;
		answer[got] = '\0';
	}
	if (strncmp(answer, "HTTP/1.1 100", 12) != 0)
		fail_msg("no 100 Continue: %s", answer);
	got = 0;
	assert_int_equal(send(fd, body, 10, MSG_NOSIGNAL), 10);
	assert_int_equal(kill(d.pid, SIGTERM), 0);
	wait_log("finishing requests in flight");
	assert_int_equal(send(fd, body + 10, strlen(body) - 10, MSG_NOSIGNAL),
	    (ssize_t)(strlen(body) - 10));
	while (got < sizeof answer - 1 &&
	    (n = read(fd, answer + got, sizeof answer - 1 - got)) > 0)
		got += (size_t)n;
	answer[got] = '\0';
	close(fd);
	assert_non_null(strstr(answer, "HTTP/1.1 200"));
	assert_non_null(strstr(answer, "鑫源"));
	st = e2e_stop(&d, 0);
	assert_int_equal(st, 0);
	e2e_cleanup(&d);
}

/* The database another process holds while the daemon starts. */
static sqlite3	*held;

/*
 * Whether pid runs the daemon's program and holds SIGHUP blocked, as
 * "fangfei serve" does from its first line: before that (the exec, the
 * dynamic loader, a sanitizer's start, which on a busy machine take
 * longer than any fixed wait) SIGHUP's default still ends any process.
 */
static int
hup_blocked(pid_t pid)
{
	char		 path[64], line[256];
	unsigned long long mask;
	int		 named = 0, blocked = 0;
	FILE		*f;

	(void)snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strcmp(line, "Name:\tfangfei\n") == 0)
			named = 1;
		else if (sscanf(line, "SigBlk: %llx", &mask) == 1)
			blocked = (mask & (1ULL << (SIGHUP - 1))) != 0;
	}
	fclose(f);
	return named && blocked;
}

/* A reload asked for while the daemon waits for its database, then the
 * database let go. */
static void *
hup_while_starting(void *arg)
{
	struct timespec	 t = { 0, 300 * 1000 * 1000 }, tick = { 0, 10000000 };
	pid_t		 pid;
	int		 i;

	(void)arg;
	/* The main thread stores it when it forks the daemon. */
	while ((pid = __atomic_load_n(&d.pid, __ATOMIC_ACQUIRE)) <= 0)
		nanosleep(&tick, NULL);
	for (i = 0; i < 6000 && !hup_blocked(pid); i++)
		nanosleep(&tick, NULL);
	nanosleep(&t, NULL);	/* on to its wait for the database */
	(void)kill(pid, SIGHUP);
	nanosleep(&t, NULL);
	assert_int_equal(sqlite3_exec(held, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	return NULL;
}

/*
 * SIGHUP before the daemon serves (here it waits for a lock to migrate)
 * must not end it: systemd would not count that as a failure to restart
 * it. It comes up, serves and stops cleanly.
 */
static void
test_hup_at_start(void **state)
{
	struct http_result	 r;
	pthread_t		 t;
	char			 db[600];
	int			 i;

	(void)state;
	e2e_prepare(&d, "");
	/* A new database, which the daemon must migrate, and so wait for. */
	(void)snprintf(db, sizeof db, "%s/fangfei.db", d.dir);
	for (i = 0; i < 4; i++) {
		static const char *const tail[] = { "", "-wal", "-shm", ".key" };
		char	 p[640];

		(void)snprintf(p, sizeof p, "%s%s", db, tail[i]);
		(void)unlink(p);
	}
	assert_int_equal(sqlite3_open(db, &held), SQLITE_OK);
	assert_int_equal(sqlite3_exec(held, "PRAGMA journal_mode = WAL;"
	    "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(pthread_create(&t, NULL, hup_while_starting, NULL),
	    0);
	(void)snprintf(logpath, sizeof logpath, "%s/serve.log", d.dir);
	e2e_start_log(&d, logpath);	/* exits the test if it died */
	pthread_join(t, NULL);
	sqlite3_close(held);
	r = e2e_request(&d, "GET", "/healthz", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	e2e_cleanup(&d);
}

/* A datagram socket bound at path ("@name": abstract), as systemd's. */
static int
notify_socket(const char *path)
{
	struct sockaddr_un	 sun;
	struct timeval		 tmo = { 30, 0 };
	socklen_t		 len;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof sun.sun_path);
	memcpy(sun.sun_path, path, strlen(path));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo,
	    sizeof tmo), 0);
	return fd;
}

/* The next datagram the daemon sent (fails the test after 30 s). */
static void
notify_next(int fd, char *buf, size_t size)
{
	ssize_t	 n = recv(fd, buf, size - 1, 0);

	if (n < 0)
		fail_msg("no notification from the daemon");
	buf[n] = '\0';
}

/*
 * systemd's notify protocol (the unit is Type=notify): READY=1 once the
 * daemon listens; RELOADING=1 with the monotonic time, then READY=1,
 * around a reload; STOPPING=1 when SIGTERM comes. An abstract socket
 * too; a NOTIFY_SOCKET it cannot use is logged and the daemon serves.
 */
static void
test_notify(void **state)
{
	struct http_result	 r;
	struct timespec		 now;
	unsigned long long	 usec, mono;
	char			 path[640], buf[256], ini[640], good[640], *log;
	int			 fd;

	(void)state;
	e2e_prepare(&d, "[server]\nlog_format = json\nlog_level = info\n");
	(void)snprintf(path, sizeof path, "%s/notify", d.dir);
	fd = notify_socket(path);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	(void)snprintf(logpath, sizeof logpath, "%s/serve.log", d.dir);
	e2e_start_log(&d, logpath);
	notify_next(fd, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=服务中 serving");
	/* Ready means serving. */
	r = e2e_request(&d, "GET", "/healthz", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);

	assert_int_equal(kill(d.pid, SIGHUP), 0);
	notify_next(fd, buf, sizeof buf);
	assert_int_equal(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec),
	    1);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	mono = (unsigned long long)now.tv_sec * 1000000ULL +
	    (unsigned long long)now.tv_nsec / 1000ULL;
	assert_true(usec <= mono && mono - usec < 30ULL * 1000000ULL);
	notify_next(fd, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=服务中 serving; "
	    "已重新读取配置 config reloaded");
	/* READY=1 came after the reload was done. */
	log = read_log();
	assert_non_null(strstr(log, "config applied"));
	free(log);
	/* A config refused: still ready, and the status line says so
	 * (systemctl reload succeeds either way). */
	(void)snprintf(ini, sizeof ini, "%s/fangfei.ini", d.dir);
	(void)snprintf(good, sizeof good, "%s/fangfei.ini.good", d.dir);
	assert_int_equal(rename(ini, good), 0);
	write_config("[limits\n");
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	notify_next(fd, buf, sizeof buf);
	assert_non_null(strstr(buf, "RELOADING=1"));
	notify_next(fd, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=服务中 serving; "
	    "新配置未生效，见日志 config refused, see the log");
	assert_int_equal(rename(good, ini), 0);

	assert_int_equal(kill(d.pid, SIGTERM), 0);
	notify_next(fd, buf, sizeof buf);
	assert_string_equal(buf, "STOPPING=1");
	assert_int_equal(e2e_stop(&d, 0), 0);
	close(fd);

	/* An abstract name. */
	(void)snprintf(path, sizeof path, "@fangfei-notify-%ld", (long)getpid());
	fd = notify_socket(path);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	e2e_start_log(&d, logpath);
	notify_next(fd, buf, sizeof buf);
	assert_non_null(strstr(buf, "READY=1\n"));
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	close(fd);

	/* One it cannot use: said in the log, and it serves. */
	assert_int_equal(setenv("NOTIFY_SOCKET", "relative/notify", 1), 0);
	e2e_start_log(&d, logpath);
	r = e2e_request(&d, "GET", "/healthz", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
	log = read_log();
	/* Once, though it had READY=1 and STOPPING=1 to say. */
	assert_non_null(strstr(log, "NOTIFY_SOCKET: not a socket path"));
	assert_null(strstr(strstr(log, "NOTIFY_SOCKET: not a socket path") + 1,
	    "NOTIFY_SOCKET: not a socket path"));
	free(log);
	e2e_cleanup(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_log),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_term_in_flight),
		cmocka_unit_test(test_hup_at_start),
		cmocka_unit_test(test_notify),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

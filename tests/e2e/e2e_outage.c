/*
 * End-to-end tests of platform outages: the real binary, its API to
 * register robots and broadcast, and the fake platform (fakeplat.c).
 *
 * test_platform_down: Feishu is down. Its custom bots' webhooks answer
 * 500, then take longer than the send timeout; its OpenAPI's token
 * endpoint refuses, so the app channel's answer to a tip cannot go. The
 * outbox backs off and loses nothing, /metrics shows the backlog and its
 * growing age, the tip is acknowledged once across Feishu's retry of the
 * event; once the platform is back every row reaches it exactly once,
 * within the bots' rate limit, and the answer goes with a new token.
 * The outage lasts E2E_OUTAGE_SECONDS (12 by default, with a retry base
 * of 1 s so that it sees several attempts; from 60 s on, the daemon's
 * own retry base, as in production: E2E_OUTAGE_SECONDS=600 is the
 * ten-minute run).
 *
 * test_ten_minutes: the same kind of outage, ten minutes of the daemon's
 * clock under its default settings, in a few seconds: the daemon is
 * stopped and started again with FANGFEI_NOW at the next retry it
 * scheduled, and so on, until ten minutes have passed; no row may die.
 * The drain afterwards, all rows due at once, keeps WeCom's 20 messages
 * per robot and minute. E2E_OUTAGE_SIM_SECONDS makes the simulated
 * outage longer (or shorter); E2E_OUTAGE_RETRY_BASE sets
 * retry_base_seconds for both tests.
 *
 * Every wait polls a condition with a deadline; the outage's length is
 * the scenario, not an assertion.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "e2e.h"
#include "fakeplat.h"

#define WAIT_MS		30000	/* longest wait for a condition */
#define AREA_TOP	"张店区"
#define AREA_BUILDING	"张店区/车站街道/华光路社区/第3网格/12号楼"
#define VT		"v0Tok3nOUTAGE"
#define FS_SECRET	"fs-Outage/9x+Yz="
#define TOKEN_PATH	"/open-apis/auth/v3/tenant_access_token/internal"
#define SEND_PATH	"/open-apis/im/v1/messages"
#define HOOK_PATH	"/open-apis/bot/v2/hook/"
#define TOKEN_RETRY	30	/* bot/delivery.c: after a refused token */
#define FS_ROBOTS	2
#define FS_ROWS		8	/* per robot: more than a second's 5 */
#define FS_PER_SECOND	5	/* bot/channel_feishu.c, per bot */
#define FS_PER_MINUTE	100
#define WC_BIG		30	/* rows to one WeCom robot: two minutes */
#define WC_SMALL	3
#define WC_PER_MINUTE	20	/* bot/channel_wecom.c, per robot */

static struct fakeplat	*fp;

/* One test's daemon and its API client. */
struct tenv {
	struct daemon	 d;
	char		 auth[320];
	struct e2e_api	 api;		/* kept alive between API calls */
};

/* --- small helpers ------------------------------------------------------ */

/* An environment number, or def. */
static long
env_long(const char *name, long def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : def;
}

/* Calls the API (path below /api/v1) with a JSON body (consumed) and
 * returns the parsed answer; *status gets the HTTP status. */
static json_t *
api(struct tenv *e, const char *method, const char *path, json_t *in,
    long *status)
{
	json_t	*out = e2e_api(&e->api, &e->d, method, path, in, status);

	if (out == NULL)
		fail_msg("%s %s: no JSON answer", method, path);
	return out;
}

/* Registers a robot of kind whose webhook is the fake's path. */
static void
add_robot(struct tenv *e, const char *name, const char *kind,
    const char *robot, const char *path, const char *secret)
{
	char	 hook[512];
	json_t	*in, *out;
	long	 status;

	(void)snprintf(hook, sizeof hook, "%s%s", fakeplat_base(fp), path);
	in = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "area",
	    AREA_BUILDING, "kind", kind, "robot", robot, "webhook", hook);
	if (secret != NULL)
		json_object_set_new(in, "secret", json_string(secret));
	out = api(e, "POST", "/groups", in, &status);
	if (status != 201)
		fail_msg("POST /groups %s: %ld %s", name, status,
		    json_string_value(json_object_get(out, "message")));
	json_decref(out);
}

/* Broadcasts text to the robots of kind; checks the number reached. */
static void
broadcast(struct tenv *e, const char *kind, const char *text, long groups)
{
	json_t	*in, *out;
	long	 status;

	in = json_pack("{s:s, s:[s], s:s}", "area", AREA_TOP, "kinds", kind,
	    "text", text);
	out = api(e, "POST", "/broadcasts", in, &status);
	if (status != 201)
		fail_msg("POST /broadcasts: %ld %s", status,
		    json_string_value(json_object_get(out, "message")));
	assert_int_equal(json_integer_value(json_object_get(out, "groups")),
	    groups);
	json_decref(out);
}

/* Creates an office token for the district with the CLI. */
static void
make_token(struct tenv *e)
{
	const char *const	 args[] = { "token", "create", "--role",
	    "office", "--area", AREA_TOP, NULL };
	char			 out[256];

	assert_int_equal(e2e_cli(&e->d, args, out, sizeof out), 0);
	out[strcspn(out, "\r\n")] = '\0';
	assert_true(strlen(out) >= 16);
	(void)snprintf(e->auth, sizeof e->auth, "Authorization: Bearer %s",
	    out);
}

/* Connects the API client to a started daemon. */
static void
env_connect(struct tenv *e)
{
	e2e_api_open(&e->api, e->auth);
}

/* Prepares a daemon with extra configuration; starts it unless told. */
static struct tenv *
env_new(const char *extra)
{
	struct tenv	*e = calloc(1, sizeof *e);
	char		 conf[2048], base[64] = "";
	long		 rb = env_long("E2E_OUTAGE_RETRY_BASE", 0);

	assert_non_null(e);
	fakeplat_reset(fp);
	if (rb > 0)
		(void)snprintf(base, sizeof base, "retry_base_seconds = %ld\n",
		    rb);
	/* Delivery warnings (every failed attempt) are the point here. */
	(void)snprintf(conf, sizeof conf, "[server]\nlog_level = %s\n"
	    "[delivery]\nallow_http = on\nallow_private_targets = on\n%s%s",
	    getenv("E2E_VERBOSE") ? "info" : "error", base, extra);
	e2e_prepare(&e->d, conf);
	make_token(e);
	return e;
}

static int
env_teardown(void **state)
{
	struct tenv	*e = *state;
	int		 rc = 0, st;

	if (e == NULL)
		return 0;
	e2e_api_close(&e->api);
	fakeplat_stall(fp, 0);
	fakeplat_script_cancel(fp, NULL);
	unsetenv("FANGFEI_NOW");
	if (e->d.pid > 0 && (st = e2e_stop(&e->d, SIGTERM)) != 0) {
		fprintf(stderr, "e2e_outage: the daemon exited with %d on "
		    "SIGTERM\n", st);
		rc = -1;
	}
	e2e_cleanup(&e->d);
	free(e);
	return rc;
}

/* A number from the database. */
static long
sql_long(struct tenv *e, const char *fmt, ...)
{
	char	 sql[1024];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return e2e_sql_long(&e->d, sql);
}

/* The page of /metrics (caller frees). */
static char *
scrape(struct tenv *e)
{
	struct http_result	 r = e2e_request(&e->d, "GET", "/metrics", NULL,
	    NULL, 0);

	if (r.status != 200)
		fail_msg("/metrics: %ld (the daemon stopped answering?)",
		    r.status);
	return r.body;
}

/* The value of the series written exactly as series; fails if absent. */
static double
value(const char *page, const char *series)
{
	const char	*p = page;
	size_t		 n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == page || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	fail_msg("/metrics has no %s", series);
	return -1;
}

/* What /metrics says of the outbox. */
struct backlog {
	double	 pending, sending, sent, dead, age;
};

static struct backlog
backlog(struct tenv *e)
{
	struct backlog	 b;
	char		*page = scrape(e);

	b.pending = value(page, "fangfei_outbox_rows{state=\"pending\"}");
	b.sending = value(page, "fangfei_outbox_rows{state=\"sending\"}");
	b.sent = value(page, "fangfei_outbox_rows{state=\"sent\"}");
	b.dead = value(page, "fangfei_outbox_rows{state=\"dead\"}");
	b.age = value(page, "fangfei_outbox_oldest_waiting_age_seconds");
	free(page);
	return b;
}

/* The requests of the fake whose path starts with prefix and whose body
 * holds mark: how many, and how many were answered 200; *last200 says
 * whether the one answered 200 was the last. */
static size_t
requests_of(const struct fakeplat_record *r, size_t n, const char *prefix,
    const char *mark, size_t *ok, int *last200)
{
	size_t	 i, k = 0;

	*ok = 0;
	*last200 = 0;
	for (i = 0; i < n; i++) {
		if (strncmp(r[i].path, prefix, strlen(prefix)) != 0 ||
		    strstr(r[i].body, mark) == NULL)
			continue;
		k++;
		*last200 = r[i].status == 200;
		if (r[i].status == 200)
			(*ok)++;
	}
	return k;
}

/* --- the Feishu outage, in real time ------------------------------------ */

/* A Feishu 2.0 text event from a resident in a private chat; caller
 * frees. */
static char *
fs_event(const char *event_id, const char *text)
{
	json_t	*c, *ev;
	char	*content, *s;

	c = json_pack("{s:s}", "text", text);
	content = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	ev = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:{s:{s:{s:s}, s:s},"
	    " s:{s:s, s:s, s:s, s:s, s:s}}}",
	    "schema", "2.0",
	    "header", "event_id", event_id, "token", VT, "event_type",
	    "im.message.receive_v1", "create_time", "1763750000123",
	    "event", "sender", "sender_id", "open_id", "ou_outage_resident",
	    "sender_type", "user",
	    "message", "message_id", "om_outage", "chat_id", "oc_outage_p2p",
	    "chat_type", "p2p", "message_type", "text", "content", content);
	assert_non_null(ev);
	s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	free(content);
	return s;
}

/* Sends the tip event (again, for Feishu's retry): acknowledged with {}
 * as Feishu wants, the answer left to the outbox. */
static void
fs_tip(struct tenv *e)
{
	static const char *const hdr[] = { "Content-Type: application/json",
	    NULL };
	struct http_result	 r;
	char			*body = fs_event("ev-outage-0001",
	    "举报 停电期间的线索 某财富公司 保本高息");

	r = e2e_request(&e->d, "POST", "/hook/fsplain", hdr, body,
	    strlen(body));
	free(body);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{}");
	e2e_result_free(&r);
}

/* The outbox rows of the app channel's chat: its answers. */
static long
fs_answers(struct tenv *e, const char *state)
{
	return sql_long(e, "SELECT count(*) FROM outbox o JOIN groups g ON "
	    "g.id = o.group_id WHERE g.channel = 'fsplain'%s%s%s",
	    state ? " AND o.state = '" : "", state ? state : "",
	    state ? "'" : "");
}

/* Checks the backlog during the outage: every row waits, none is sent or
 * dead, and the oldest's age is at least since_created (the seconds since
 * the rows were all queued, read before the scrape). Returns the age. */
static double
outage_check(struct tenv *e, double rows, long since_created)
{
	struct backlog	 b = backlog(e);

	if (b.pending + b.sending != rows || b.sent != 0 || b.dead != 0)
		fail_msg("during the outage: %g pending, %g sending, %g sent, "
		    "%g dead; want %g waiting", b.pending, b.sending, b.sent,
		    b.dead, rows);
	if (b.pending < rows - b.sending)
		fail_msg("pending %g under the backlog %g", b.pending, rows);
	if (b.age < (double)since_created)
		fail_msg("oldest waiting %g s, but the rows were queued %ld s "
		    "ago", b.age, since_created);
	assert_int_equal(sql_long(e, "SELECT count(*) FROM outbox WHERE "
	    "state = 'dead'"), 0);
	return b.age;
}

/* Each robot's requests, by the second of their signed timestamp (the
 * daemon's clock when it sent them): at most 5 in a second, 100 in a
 * minute. */
static void
check_fs_rates(const struct fakeplat_record *r, size_t n, const char *prefix)
{
	long long	 ts[4096];
	size_t		 i, j, k = 0, insec, inmin;
	json_t		*j0;

	for (i = 0; i < n && k < 4096; i++) {
		if (strncmp(r[i].path, prefix, strlen(prefix)) != 0)
			continue;
		assert_non_null(j0 = json_loadb(r[i].body, r[i].len, 0, NULL));
		ts[k++] = strtoll(json_string_value(json_object_get(j0,
		    "timestamp")), NULL, 10);
		json_decref(j0);
	}
	assert_true(k > 0);
	for (i = 0; i < k; i++) {
		for (j = 0, insec = 0, inmin = 0; j < k; j++) {
			insec += ts[j] == ts[i];
			inmin += ts[j] / 60 == ts[i] / 60;
		}
		if (insec > FS_PER_SECOND || inmin > FS_PER_MINUTE)
			fail_msg("%s: %zu requests in second %lld, %zu in its "
			    "minute (limits %d and %d)", prefix, insec, ts[i],
			    inmin, FS_PER_SECOND, FS_PER_MINUTE);
	}
}

static int
setup_platform_down(void **state)
{
	struct tenv	*e;
	char		 extra[1024];
	long		 secs = env_long("E2E_OUTAGE_SECONDS", 12);

	/* A short outage sees several attempts only with a short base;
	 * a long one runs with the daemon's own (unless told). */
	(void)snprintf(extra, sizeof extra, "timeout_seconds = 3\n%s"
	    "[channel.fsplain]\ntype = feishu\napp_id = cli_outage\n"
	    "app_secret = APP_SECRET_OUTAGE\nverification_token = " VT "\n"
	    "api_base = %s\n", secs < 60 &&
	    env_long("E2E_OUTAGE_RETRY_BASE", 0) == 0 ?
	    "retry_base_seconds = 1\n" : "", fakeplat_base(fp));
	e = env_new(extra);
	e2e_start(&e->d);
	env_connect(e);
	*state = e;
	return 0;
}

/*
 * Feishu down for E2E_OUTAGE_SECONDS: its bots' webhooks answer 500 for
 * the first half and hang past the send timeout for the second; its
 * token endpoint refuses. Meanwhile nothing is lost or dead and /metrics
 * shows the backlog; afterwards every row arrives exactly once (one 200
 * each, nothing after it), the bots' rate limits hold, and the answer to
 * the tip goes once, with a token fetched after the refused one.
 */
static void
test_platform_down(void **state)
{
	struct tenv		*e = *state;
	struct fakeplat_record	*r;
	long			 secs = env_long("E2E_OUTAGE_SECONDS", 12);
	long			 rows = FS_ROBOTS * FS_ROWS + 1, left;
	int64_t			 t0, half, end;
	time_t			 created;
	double			 age0 = -1, age = 0;
	size_t			 n, i, k, ok, total;
	int			 last200, stalled = 0;
	char			 name[32], path[96], text[96], mark[16];
	struct backlog		 b;

	fakeplat_set_ok(fp, "{\"code\":0,\"msg\":\"ok\",\"tenant_access_token\""
	    ":\"t-after-outage\",\"expire\":7200,\"data\":{\"message_id\":"
	    "\"om_x\"}}");
	for (k = 0; k < FS_ROBOTS; k++) {
		(void)snprintf(name, sizeof name, "fs-bot-%zu", k);
		(void)snprintf(path, sizeof path, HOOK_PATH "bot%zu", k);
		add_robot(e, name, "building", "feishu", path, FS_SECRET);
	}
	/* Down: everything the platform serves answers 500. */
	fakeplat_script(fp, NULL, 1 << 30, 500, "<html>500 Internal Server "
	    "Error</html>");
	t0 = e2e_wall_ms();
	for (i = 0; i < FS_ROWS; i++) {
		(void)snprintf(text, sizeof text, "【停电通知】编号 N%02zu：请勿"
		    "相信“保本高息”。", i);
		broadcast(e, "building", text, FS_ROBOTS);
	}
	fs_tip(e);
	created = time(NULL);
	assert_int_equal(sql_long(e, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%%停电期间的线索%%'"), 1);
	assert_int_equal(fs_answers(e, NULL), 1);

	half = t0 + secs * 500;
	end = t0 + secs * 1000;
	while (e2e_wall_ms() < end) {
		if (!stalled && e2e_wall_ms() >= half) {
			/* The second half: the platform takes requests and
			 * never answers (the daemon's timeout is 3 s). */
			fakeplat_script_cancel(fp, NULL);
			fakeplat_stall(fp, 1);
			stalled = 1;
			/* Feishu sends the event again (as it does when an
			 * answer is slow): the same {}, no second tip, no
			 * second answer queued. */
			fs_tip(e);
		}
		age = outage_check(e, (double)rows, (long)(time(NULL) -
		    created));
		if (age0 < 0)
			age0 = age;
		/* The answer waits for a token; no attempt is counted. */
		assert_int_equal(fs_answers(e, "pending"), 1);
		assert_int_equal(sql_long(e, "SELECT max(o.attempts) FROM outbox "
		    "o JOIN groups g ON g.id = o.group_id WHERE g.channel = "
		    "'fsplain'"), 0);
		/* A look every quarter second or so, for as long as it
		 * lasts. */
		for (i = 0; i < 5; i++)
			e2e_sleep_ms(50);
	}
	if (secs >= 3 && age <= age0)
		fail_msg("the oldest row's age did not grow: %g s, then %g s",
		    age0, age);
	assert_int_equal(fakeplat_count(fp, SEND_PATH), 0);
	assert_true(fakeplat_count(fp, TOKEN_PATH) >= 1);
	/* The bots were tried and tried again, each row at least twice. */
	r = fakeplat_records(fp, HOOK_PATH, &n);
	for (k = 0; k < FS_ROBOTS; k++)
		for (i = 0; i < FS_ROWS; i++) {
			(void)snprintf(path, sizeof path, HOOK_PATH "bot%zu", k);
			(void)snprintf(mark, sizeof mark, "编号 N%02zu", i);
			if (requests_of(r, n, path, mark, &ok, &last200) < 2 ||
			    ok != 0)
				fail_msg("%s %s: %zu requests during the outage, "
				    "%zu accepted", path, mark, requests_of(r, n,
				    path, mark, &ok, &last200), ok);
		}
	fakeplat_free(r, n);

	/* Back: the stalled requests get their late 504, the rest OK. The
	 * next retry may be a backoff away, the token a refusal away. */
	fakeplat_stall(fp, 0);
	end = e2e_wall_ms() + WAIT_MS + TOKEN_RETRY * 1000 + 1000 * (sql_long(e,
	    "SELECT coalesce(max(next_at), 0) FROM outbox WHERE state = "
	    "'pending'") - (long)time(NULL));
	while ((left = sql_long(e, "SELECT count(*) FROM outbox WHERE state "
	    "<> 'sent'")) != 0) {
		if (e2e_wall_ms() > end)
			fail_msg("after the outage: %ld row(s) not sent", left);
		e2e_sleep_ms(50);
	}
	b = backlog(e);
	if (b.pending != 0 || b.sending != 0 || b.dead != 0 || b.age != 0 ||
	    b.sent != (double)rows)
		fail_msg("after the drain: %g pending, %g sending, %g dead, %g "
		    "sent, oldest %g s", b.pending, b.sending, b.dead, b.sent,
		    b.age);

	/* Exactly once: one 200 per row, the last of its requests, and as
	 * many requests as the outbox counted attempts. */
	r = fakeplat_records(fp, HOOK_PATH, &n);
	for (i = 0, k = 0; i < n; i++)
		k += r[i].status == 504;
	if (k == 0)
		fail_msg("no request timed out during the outage's second half");
	for (k = 0, total = 0; k < FS_ROBOTS; k++) {
		(void)snprintf(path, sizeof path, HOOK_PATH "bot%zu", k);
		for (i = 0; i < FS_ROWS; i++) {
			(void)snprintf(mark, sizeof mark, "编号 N%02zu", i);
			total += requests_of(r, n, path, mark, &ok, &last200);
			if (ok != 1 || !last200)
				fail_msg("%s %s: accepted %zu times", path, mark,
				    ok);
		}
		check_fs_rates(r, n, path);
	}
	assert_int_equal(total, n);
	assert_int_equal(sql_long(e, "SELECT sum(o.attempts) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.title LIKE "
	    "'fs-bot-%%'"), (long)n);
	fakeplat_free(r, n);

	/* The answer: once, with the token that came after the outage, and
	 * it names the one tip. */
	r = fakeplat_records(fp, SEND_PATH, &n);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].status, 200);
	assert_non_null(strstr(r[0].path, "receive_id_type=chat_id"));
	assert_non_null(strstr(r[0].headers, "Bearer t-after-outage"));
	assert_non_null(strstr(r[0].body, "oc_outage_p2p"));
	assert_non_null(strstr(r[0].body, "JB-"));
	fakeplat_free(r, n);
	r = fakeplat_records(fp, TOKEN_PATH, &n);
	assert_true(n >= 2);
	assert_true(r[0].status != 200);
	assert_int_equal(r[n - 1].status, 200);
	fakeplat_free(r, n);
	assert_int_equal(fs_answers(e, NULL), 1);
	assert_int_equal(sql_long(e, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%%停电期间的线索%%'"), 1);
}

/* --- ten minutes of the daemon's clock, in a few seconds ---------------- */

/* Restarts the daemon with its clock at t (FANGFEI_NOW). */
static void
restart_at(struct tenv *e, time_t t)
{
	struct tm	 tm;
	char		 iso[32];
	int		 st;

	if ((st = e2e_stop(&e->d, SIGTERM)) != 0)
		fail_msg("the daemon exited with %d on SIGTERM", st);
	(void)gmtime_r(&t, &tm);
	(void)strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_int_equal(setenv("FANGFEI_NOW", iso, 1), 0);
	e2e_start(&e->d);
}

/* Waits until the daemon started at clock t has tried every row that was
 * due then (sent it, or scheduled it later) and has nothing in flight. */
static void
settle(struct tenv *e, time_t t)
{
	int64_t	 t0;

	for (t0 = e2e_wall_ms();; e2e_sleep_ms(50)) {
		if (sql_long(e, "SELECT count(*) FROM outbox WHERE state = "
		    "'sending' OR (state = 'pending' AND next_at <= %lld)",
		    (long long)t) == 0)
			return;
		if (e2e_wall_ms() - t0 > WAIT_MS)
			fail_msg("the rows due at %lld were not tried",
			    (long long)t);
	}
}

static int
setup_ten_minutes(void **state)
{
	struct tenv	*e = env_new("");

	e2e_start(&e->d);
	env_connect(e);
	*state = e;
	return 0;
}

/*
 * WeCom's robots answer 500 for ten minutes of the daemon's clock, under
 * its default retry settings: each time the daemon has tried what was
 * due, it is stopped and started again at the earliest retry it
 * scheduled. No row is dead after the ten minutes, every row waits, and
 * /metrics says since when. Then the platform is back and the clock goes
 * to where every row is due at once: the big robot's thirty go twenty in
 * the first minute and the rest in the next, each once.
 */
static void
test_ten_minutes(void **state)
{
	struct tenv		*e = *state;
	struct fakeplat_record	*r;
	struct backlog		 b;
	time_t			 t0, created, at, next, first, started;
	double			 age = -1;
	size_t			 n, i, ok, before;
	long			 rows = WC_BIG + WC_SMALL, tries, runs = 0, bound, w;
	long			 minute, most, minutes;
	long			 sim = env_long("E2E_OUTAGE_SIM_SECONDS", 600);
	int			 last200;
	char			 text[96], mark[16];

	add_robot(e, "wc-big", "building", "wecom",
	    "/wc/big/cgi-bin/webhook/send?key=big", NULL);
	add_robot(e, "wc-small", "police", "wecom",
	    "/wc/small/cgi-bin/webhook/send?key=small", NULL);
	fakeplat_script(fp, "/wc/", 1 << 30, 500, "<html>500</html>");
	t0 = time(NULL);
	for (i = 0; i < (size_t)rows; i++) {
		(void)snprintf(text, sizeof text, "【停电通知】编号 N%02zu", i);
		broadcast(e, i < WC_BIG ? "building" : "police", text, 1);
	}
	created = time(NULL);

	for (at = created;;) {
		settle(e, at);
		b = backlog(e);
		if (b.pending + b.sending != (double)rows || b.dead != 0 ||
		    b.sent != 0)
			fail_msg("at +%lld s: %g pending, %g sending, %g dead, "
			    "%g sent", (long long)(at - t0), b.pending,
			    b.sending, b.dead, b.sent);
		if (b.age < age || b.age < (double)(at - created))
			fail_msg("at +%lld s the oldest waits %g s (before: %g)",
			    (long long)(at - t0), b.age, age);
		age = b.age;
		assert_int_equal(sql_long(e, "SELECT count(*) FROM outbox WHERE "
		    "state = 'dead'"), 0);
		next = sql_long(e, "SELECT min(next_at) FROM outbox WHERE "
		    "state = 'pending'");
		assert_true(next > at);
		if (next >= t0 + sim)
			break;
		restart_at(e, at = next);
		if (++runs > 1000)
			fail_msg("more than 1000 restarts");
	}
	/* Ten minutes on: all there, none dead, the age says so. */
	if (getenv("E2E_VERBOSE") != NULL)
		fprintf(stderr, "e2e_outage: %ld restarts in %ld s of the "
		    "daemon's clock\n", runs, sim);
	restart_at(e, at = t0 + sim);
	settle(e, at);
	b = backlog(e);
	if (b.pending + b.sending != (double)rows || b.dead != 0 ||
	    b.age < (double)(t0 + sim - created))
		fail_msg("after ten minutes: %g pending, %g sending, %g dead, "
		    "oldest %g s", b.pending, b.sending, b.dead, b.age);
	/* It backed off: the small robot (never rate limited) was tried a
	 * few times, not once a second: waits that double from the base
	 * fit about log2(sim / base) tries in sim seconds. Rows live on past
	 * ten tries (bot/delivery.c gives up by age, give_up_hours). */
	tries = sql_long(e, "SELECT max(o.attempts) FROM outbox o JOIN groups g "
	    "ON g.id = o.group_id WHERE g.title = 'wc-small'");
	for (bound = 2, w = env_long("E2E_OUTAGE_RETRY_BASE", 5); w <= sim;
	    w *= 2)
		bound++;
	if (tries < 4 || tries > bound)
		fail_msg("%ld attempts in %ld s (at most %ld backing off)",
		    tries, sim, bound);
	/* Each wait twice the last (bot/delivery.c: from the base, at most
	 * 30 min), counted from the answer, a moment after the claim. */
	assert_int_equal(sql_long(e, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.title = 'wc-small'"
	    " AND o.next_at - o.claimed_at NOT BETWEEN min(%ld << (o.attempts -"
	    " 1), 1800) AND min(%ld << (o.attempts - 1), 1800) + 5",
	    env_long("E2E_OUTAGE_RETRY_BASE", 5), env_long(
	    "E2E_OUTAGE_RETRY_BASE", 5)), 0);

	/* Back, and every row due at once, at a minute's start. Each run
	 * of the daemon is one minute of its clock: what the platform got
	 * in a run is what it got in that minute. */
	fakeplat_script_cancel(fp, "/wc/");
	next = sql_long(e, "SELECT max(next_at) FROM outbox WHERE state = "
	    "'pending'");
	first = (next + 59) / 60 * 60;
	for (minutes = 0; sql_long(e, "SELECT count(*) FROM outbox WHERE "
	    "state <> 'sent'") > 0; minutes++) {
		if (minutes > 5)
			fail_msg("still %ld rows after %ld minutes", sql_long(e,
			    "SELECT count(*) FROM outbox WHERE state <> 'sent'"),
			    minutes);
		at = minutes == 0 ? first : (next + 59) / 60 * 60;
		before = fakeplat_count(fp, "/wc/big/");
		restart_at(e, at);
		started = time(NULL);
		settle(e, at);
		next = sql_long(e, "SELECT min(next_at) FROM outbox WHERE state "
		    "= 'pending'");
		if (fakeplat_count(fp, "/wc/big/") - before > WC_PER_MINUTE)
			fail_msg("%zu requests to one robot in one minute",
			    fakeplat_count(fp, "/wc/big/") - before);
		if (time(NULL) - started >= 55)
			fail_msg("a run of the drain outlasted its minute");
	}
	assert_int_equal(minutes, (WC_BIG + WC_PER_MINUTE - 1) / WC_PER_MINUTE);
	/* The daemon's view: the sends it claimed, per minute. */
	for (minute = first / 60; minute <= at / 60; minute++) {
		most = sql_long(e, "SELECT count(*) FROM outbox o JOIN groups g ON "
		    "g.id = o.group_id WHERE g.webhook LIKE '%%/wc/big/%%' AND "
		    "o.claimed_at / 60 = %ld", minute);
		if (most > WC_PER_MINUTE)
			fail_msg("%ld sends to one robot in minute %ld", most,
			    minute);
	}
	b = backlog(e);
	if (b.pending != 0 || b.dead != 0 || b.sent != (double)rows ||
	    b.age != 0)
		fail_msg("after the drain: %g pending, %g dead, %g sent, oldest "
		    "%g s", b.pending, b.dead, b.sent, b.age);
	/* Exactly once each, after as many tries as the outbox counted. */
	r = fakeplat_records(fp, "/wc/", &n);
	for (i = 0; i < (size_t)rows; i++) {
		(void)snprintf(mark, sizeof mark, "编号 N%02zu", i);
		tries = (long)requests_of(r, n, "/wc/", mark, &ok, &last200);
		if (ok != 1 || !last200)
			fail_msg("%s: accepted %zu times", mark, ok);
		/* A broadcast's row to a robot reads its text from the
		 * broadcast. */
		assert_int_equal(sql_long(e, "SELECT o.attempts FROM outbox o "
		    "LEFT JOIN broadcasts b ON b.id = o.broadcast_id WHERE "
		    "coalesce(nullif(o.body, ''), b.body) LIKE '%%%s%%'", mark),
		    tries);
	}
	fakeplat_free(r, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_platform_down,
		    setup_platform_down, env_teardown),
		cmocka_unit_test_setup_teardown(test_ten_minutes,
		    setup_ten_minutes, env_teardown),
	};
	int	 rc;

	curl_global_init(CURL_GLOBAL_ALL);
	if ((fp = fakeplat_start()) == NULL) {
		fprintf(stderr, "e2e_outage: cannot start the fake platform\n");
		return 1;
	}
	rc = cmocka_run_group_tests_name("e2e_outage", tests, NULL, NULL);
	fakeplat_stop(fp);
	curl_global_cleanup();
	return rc;
}

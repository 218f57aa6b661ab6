/*
 * End-to-end test of /metrics: after webhooks on two channels, refused
 * requests, the API and a broadcast to two robots of a fake platform (one
 * sent, one refused with a platform code) and a tip, the page holds exactly those
 * counts, its histograms are whole, it names no chat, sender, phone
 * number or secret, and promtool finds nothing to say of it.
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

#include "e2e.h"
#include "fakeplat.h"

#define WAIT_MS		20000
#define AREA_TOP	"张店区"
#define AREA_COMMUNITY	"张店区/车站街道/华光路社区"
#define ROBOT_KEY	"ROBOT-KEY-4471"

static struct daemon	 d;
static struct fakeplat	*fp;
static char		 auth[320];

/* Creates an office token with the CLI into auth. */
static void
make_token(void)
{
	const char *const	 args[] = { "token", "create", "--role",
	    "office", "--area", AREA_TOP, NULL };
	char			 out[256];

	assert_int_equal(e2e_cli(&d, args, out, sizeof out), 0);
	out[strcspn(out, "\r\n")] = '\0';
	assert_true(strlen(out) >= 16);
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", out);
}

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	assert_non_null(fp = fakeplat_start());
	e2e_prepare(&d, "[server]\nlog_level = error\n"
	    "[delivery]\nallow_http = on\nallow_private_targets = on\n"
	    "retry_base_seconds = 1\n");
	make_token();
	e2e_start(&d);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	fakeplat_stop(fp);
	curl_global_cleanup();
	return 0;
}

/* One request with a JSON body (or none); returns the status. */
static long
call(const char *method, const char *path, const char *hdr, const char *body)
{
	const char *const	 hdrs[] = { "Content-Type: application/json",
	    hdr, NULL };
	struct http_result	 r;
	long			 status;

	r = e2e_request(&d, method, path, hdrs, body, body ? strlen(body) : 0);
	status = r.status;
	e2e_result_free(&r);
	return status;
}

/* The page (caller frees). */
static char *
scrape(void)
{
	struct http_result	 r = e2e_request(&d, "GET", "/metrics", NULL,
	    NULL, 0);

	assert_int_equal(r.status, 200);
	assert_non_null(r.body);
	return r.body;
}

/* The value of the series written exactly as series, or -1. */
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
	return -1;
}

/* Waits until the series reaches v. */
static void
wait_value(const char *series, double v)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	char		*page;
	double		 got = -1;
	int		 i;

	for (i = 0; i < WAIT_MS / 20; i++) {
		page = scrape();
		got = value(page, series);
		free(page);
		if (got == v)
			return;
		nanosleep(&ts, NULL);
	}
	fail_msg("%s is %g, not %g", series, got, v);
}

/* Every histogram: buckets never fall, +Inf equals _count. */
static void
check_histograms(const char *page)
{
	char	 prev[512] = "", head[512], inf[600];
	const char *line, *le, *end;
	double	 last = 0, v, count;
	int	 n = 0;

	for (line = page; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if (*line == '#' || (le = strstr(line, ",le=\"")) == NULL ||
		    le > end)
			continue;
		(void)snprintf(head, sizeof head, "%.*s", (int)(le - line),
		    line);
		v = strtod(strchr(le, ' ') + 1, NULL);
		if (strcmp(head, prev) == 0 && v < last)
			fail_msg("bucket falls: %.*s", (int)(end - line), line);
		(void)snprintf(prev, sizeof prev, "%s", head);
		last = v;
		if (strncmp(le, ",le=\"+Inf\"}", 11) != 0)
			continue;
		/* name_bucket{labels → name_count{labels} */
		(void)snprintf(inf, sizeof inf, "%.*s_count%s}",
		    (int)(strstr(head, "_bucket{") - head), head,
		    strstr(head, "_bucket{") + 7);
		count = value(page, inf);
		if (count != v)
			fail_msg("%s is %g, +Inf is %g", inf, count, v);
		n++;
	}
	assert_true(n >= 5);
}

/* promtool check metrics reads the page and must print nothing. */
static void
check_promtool(const char *page)
{
	char	 path[600], cmd[800], out[4096];
	FILE	*f, *p;
	size_t	 n;
	int	 st;

	(void)snprintf(path, sizeof path, "%s/metrics.txt", d.dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(page, f) >= 0, 1);
	fclose(f);
	(void)snprintf(cmd, sizeof cmd, "promtool check metrics < '%s' 2>&1",
	    path);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (st != 0 || n != 0)
		fail_msg("promtool (exit %d; installed? scripts/deps.sh "
		    "test):\n%s", st, out);
}

static void
test_metrics(void **state)
{
	static const char *const never[] = {
		"CHAT-5511", "SENDER-5511", "13800138000", ROBOT_KEY, "k3y",
		"s3cr3t_Token-01", auth + 22,
	};
	char	 body[1024], *page;
	size_t	 i;

	(void)state;
	/* Three checks on demo (one names a phone number), help on en. */
	for (i = 0; i < 3; i++) {
		(void)snprintf(body, sizeof body, "{\"chat_id\":\"CHAT-5511\","
		    "\"sender_id\":\"SENDER-5511\",\"text\":\"查询 %s\","
		    "\"message_id\":\"m%zu\"}", i == 2 ? "13800138000" :
		    "鑫源财富", i);
		assert_int_equal(call("POST", "/hook/demo", NULL, body), 200);
	}
	assert_int_equal(call("POST", "/hook/en", NULL, "{\"chat_id\":"
	    "\"CHAT-5511\",\"sender_id\":\"SENDER-5511\",\"text\":\"help\","
	    "\"message_id\":\"e1\"}"), 200);
	assert_int_equal(call("POST", "/hook/en", NULL, "{\"chat_id\":"
	    "\"CHAT-5511\",\"sender_id\":\"SENDER-5511\",\"text\":\"report "
	    "high returns promised, call 13800138000\",\"message_id\":\"e2\"}"),
	    200);
	/* Refused: an unsigned message, an unknown channel. */
	assert_int_equal(call("POST", "/hook/signed", NULL, "{\"chat_id\":"
	    "\"CHAT-5511\",\"sender_id\":\"SENDER-5511\",\"text\":\"x\"}"), 401);
	assert_int_equal(call("POST", "/hook/CHAT-5511", NULL, "{}"), 404);
	assert_int_equal(call("GET", "/healthz", NULL, NULL), 200);

	/* Two robots; the fake refuses the first send with a code. */
	fakeplat_script(fp, "/r/1", 1, 200, "{\"errcode\":310000,"
	    "\"errmsg\":\"keywords not in content\"}");
	for (i = 1; i <= 2; i++) {
		(void)snprintf(body, sizeof body, "{\"name\":\"楼栋%zu\","
		    "\"area\":\"%s\",\"kind\":\"building\",\"robot\":"
		    "\"dingtalk\",\"webhook\":\"%s/r/%zu?access_token=%s\"}", i,
		    AREA_COMMUNITY, fakeplat_base(fp), i, ROBOT_KEY);
		assert_int_equal(call("POST", "/api/v1/groups", auth, body),
		    201);
	}
	(void)snprintf(body, sizeof body, "{\"area\":\"%s\",\"kinds\":"
	    "[\"building\"],\"text\":\"【警示】保本高息是骗局\"}", AREA_TOP);
	assert_int_equal(call("POST", "/api/v1/broadcasts", auth, body), 201);
	wait_value("fangfei_outbox_rows{state=\"sent\"}", 1);
	wait_value("fangfei_outbox_rows{state=\"dead\"}", 1);
	assert_int_equal(fakeplat_count(fp, "/r/"), 2);

	page = scrape();
	if (getenv("E2E_VERBOSE") != NULL)
		fputs(page, stderr);
	assert_true(value(page, "fangfei_http_request_duration_seconds_count"
	    "{route=\"hook\",channel=\"demo\"}") == 3);
	assert_true(value(page, "fangfei_http_request_duration_seconds_count"
	    "{route=\"hook\",channel=\"en\"}") == 2);
	assert_true(value(page, "fangfei_http_request_duration_seconds_count"
	    "{route=\"hook\",channel=\"signed\"}") == 1);
	assert_true(value(page, "fangfei_http_request_duration_seconds_count"
	    "{route=\"hook\",channel=\"-\"}") == 1);
	assert_true(value(page, "fangfei_http_request_duration_seconds_count"
	    "{route=\"api\",channel=\"-\"}") == 3);
	assert_true(value(page, "fangfei_http_request_duration_seconds_count"
	    "{route=\"healthz\",channel=\"-\"}") == 1);
	assert_true(value(page, "fangfei_http_responses_total{route=\"hook\","
	    "code=\"2xx\"}") == 5);
	assert_true(value(page, "fangfei_http_responses_total{route=\"hook\","
	    "code=\"4xx\"}") == 2);
	assert_true(value(page, "fangfei_http_responses_total{route=\"api\","
	    "code=\"2xx\"}") == 3);
	assert_true(value(page, "fangfei_messages_received_total"
	    "{channel=\"demo\"}") == 3);
	assert_true(value(page, "fangfei_messages_received_total"
	    "{channel=\"en\"}") == 2);
	assert_true(value(page, "fangfei_messages_received_total"
	    "{channel=\"signed\"}") == 0);
	assert_true(value(page, "fangfei_commands_total{channel=\"demo\","
	    "command=\"check\"}") == 3);
	assert_true(value(page, "fangfei_commands_total{channel=\"en\","
	    "command=\"help\"}") == 1);
	assert_true(value(page, "fangfei_commands_total{channel=\"en\","
	    "command=\"report\"}") == 1);
	assert_true(value(page, "fangfei_tips{state=\"received\"}") == 1);
	assert_true(value(page, "fangfei_delivery_duration_seconds_count"
	    "{platform=\"dingtalk\"}") == 2);
	assert_true(value(page, "fangfei_delivery_failures_total"
	    "{platform=\"dingtalk\",code=\"310000\"}") == 1);
	assert_true(value(page, "fangfei_outbox_oldest_waiting_age_seconds")
	    == 0);
	assert_true(value(page, "fangfei_process_resident_memory_bytes") >
	    1000000);
	assert_true(value(page, "fangfei_process_start_time_seconds") >
	    1700000000);
	assert_true(value(page, "fangfei_http_open_connections") >= 1);
	assert_true(value(page, "fangfei_sqlite_busy_waits_total") >= 0);
	/* No reload yet: the config of the start serves. */
	assert_true(value(page, "fangfei_config_last_reload_successful") ==
	    1);
	assert_true(value(page,
	    "fangfei_config_last_reload_success_timestamp_seconds") ==
	    value(page, "fangfei_process_start_time_seconds"));
	/* The checkpointer's: this little writing copies nothing yet. */
	assert_true(value(page, "fangfei_sqlite_checkpoints_total"
	    "{by=\"thread\"}") == 0);
	assert_true(value(page, "fangfei_sqlite_checkpoints_total"
	    "{by=\"commit\"}") == 0);
	assert_true(value(page, "fangfei_sqlite_checkpoint_failures_total")
	    == 0);
	/* PostgreSQL has no SQLite log. */
	if (getenv("FANGFEI_TEST_PG") == NULL ||
	    *getenv("FANGFEI_TEST_PG") == '\0')
		assert_true(value(page, "fangfei_sqlite_wal_pages") > 0);
	else
		assert_true(value(page, "fangfei_sqlite_wal_pages") == 0);
	check_histograms(page);
	for (i = 0; i < sizeof never / sizeof never[0]; i++)
		if (strstr(page, never[i]) != NULL)
			fail_msg("/metrics holds \"%s\"", never[i]);
	check_promtool(page);
	free(page);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

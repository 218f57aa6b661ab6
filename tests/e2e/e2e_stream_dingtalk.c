/*
 * End-to-end tests of DingTalk Stream mode (bot/stream.c,
 * bot/stream_dingtalk.c) against a fake gateway on loopback (fakews.c):
 * messages stored and then acknowledged on their connection, answered
 * through the sessionWebhook (a fakeplat); a disconnect in the middle of
 * a burst (the replacement opens before the old connection closes, no
 * message lost or doubled); redelivery of an unacknowledged message after
 * a reconnect, and after a SIGKILL between commit and ACK (answered once);
 * two daemons on one credential (one connection; the second takes over
 * when the first dies); a connection that stays silent while it answers
 * pings (replaced by the rotation); refused credentials (slow retries,
 * /healthz down); SIGTERM closing cleanly. Tips are counted exactly once
 * in every case.
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
#include "e2e_stream.h"
#include "fakeplat.h"
#include "fakews.h"

#define APP_KEY	"dingstream01"
#define SECRET	"e2e_DingTalk-stream_secret_0123456789"
#define P_SESS	"/robot/sendBySession"
#define ACKS	"fangfei_stream_acks_total{channel=\"ding\"} "

static struct daemon	 d;
static struct fakeplat	*fp;
static struct fakews	*fw;

/* The config of a stream channel on the fakes (secret, extra keys). */
static void
prepare(struct daemon *dd, const char *secret, const char *keys)
{
	char	 extra[2048];

	(void)snprintf(extra, sizeof extra, "[channel.ding]\ntype = dingtalk\n"
	    "mode = stream\narea = 华光路社区\napp_key = " APP_KEY "\n"
	    "app_secret = %s\napi_base = %s\nconnect_base = %s\n"
	    "session_host = 127.0.0.1:%d\nping_seconds = 1\n"
	    "dead_seconds = 4\n%s"
	    "[delivery]\nallow_http = on\nretry_base_seconds = 1\n"
	    "[limits]\ntips_per_hour = 0\nchecks_per_minute = 0\n",
	    secret, fakeplat_base(fp), fakews_base(fw), fakeplat_port(fp),
	    keys ? keys : "");
	e2e_prepare(dd, extra);
}

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	fp = fakeplat_start();
	assert_non_null(fp);
	fw = fakews_start(FAKEWS_DINGTALK, APP_KEY, SECRET);
	assert_non_null(fw);
	fakews_ping_ms(fw, 500);	/* SYSTEM pings, echoed at once */
	prepare(&d, SECRET, NULL);
	e2e_start(&d);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	fakews_stop(fw);
	fakeplat_stop(fp);
	curl_global_cleanup();
	return 0;
}

static size_t
wait_count(const char *prefix, size_t n)
{
	int64_t	 end = now_ms() + WAIT_MS;
	size_t	 got;

	while ((got = fakeplat_count(fp, prefix)) < n && now_ms() < end)
		sleep_ms(20);
	return got;
}

/* Pushes text from a single chat of its own (tips are counted by
 * sender). */
static void
push(const char *id, const char *text)
{
	char	 chat[64], sender[64], hook[256];

	(void)snprintf(chat, sizeof chat, "cid-%s", id);
	(void)snprintf(sender, sizeof sender, "staff-%s", id);
	(void)snprintf(hook, sizeof hook, "%s" P_SESS "?session=s-%s",
	    fakeplat_base(fp), id);
	fakews_push(fw, id, chat, sender, 0, text, hook, 1);
}

/* The outbox rows that answer message id. */
static long
answers_of(const struct daemon *dd, const char *id)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE "
	    "idem_key LIKE '%%:%s:%%'", id);
	return e2e_sql_long(dd, sql);
}

/* A tip and a check arrive, are stored, acknowledged and answered. */
static void
test_messages(void **state)
{
	size_t	 sess = fakeplat_count(fp, P_SESS);
	char	 hook[256];
	int64_t	 end;

	(void)state;
	push("dm-1", "举报 流式线索甲 承诺月息5%");
	assert_int_equal(fakews_wait_acks(fw, "dm-1", 1, WAIT_MS), 0);
	/* The ACK came after the commit. */
	assert_int_equal(tips_like(&d, "流式线索甲"), 1);
	assert_true(wait_count(P_SESS, sess + 1) >= sess + 1);
	(void)snprintf(hook, sizeof hook, "%s" P_SESS "?session=s-dm-2",
	    fakeplat_base(fp));
	fakews_push(fw, "dm-2", "cid-group-1", "staff-g1", 1,
	    "查询 91110000000000000X", hook, 1);
	assert_int_equal(fakews_wait_acks(fw, "dm-2", 1, WAIT_MS), 0);
	assert_int_equal(answers_of(&d, "dm-2"), 1);
	assert_int_equal(fakews_live(fw), 1);
	assert_int_equal(fakews_max_live(fw), 1);
	/* The SYSTEM pings of the gateway are echoed (every 500 ms). */
	end = now_ms() + WAIT_MS;
	while (fakews_pings(fw) < 2 && now_ms() < end)
		sleep_ms(20);
	assert_true(fakews_pings(fw) >= 2);
	assert_int_equal(fakews_ping_misses(fw), 0);
}

/* /metrics shows the connection and its counters; /healthz is ok. */
static void
test_metrics(void **state)
{
	struct http_result	 r;

	(void)state;
	r = e2e_request(&d, "GET", "/metrics", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body,
	    "fangfei_stream_connected{channel=\"ding\"} 1\n"));
	assert_non_null(strstr(r.body,
	    "fangfei_stream_messages_total{channel=\"ding\"} 2\n"));
	assert_non_null(strstr(r.body,
	    "fangfei_stream_acks_total{channel=\"ding\"} 2\n"));
	assert_non_null(strstr(r.body,
	    "fangfei_stream_last_frame_seconds{channel=\"ding\"} "));
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/healthz", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "ok\n", 3);
	e2e_result_free(&r);
	/* No webhooks on a stream channel. */
	r = e2e_request(&d, "POST", "/hook/ding", NULL, "{}", 2);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
}

/*
 * A disconnect in the middle of a burst: the replacement is dialled at
 * once and is live before the old connection closes; every message is
 * acknowledged and stored exactly once.
 */
static void
test_disconnect_burst(void **state)
{
	char	 id[32], text[96];
	int	 i, connects = fakews_connects(fw);

	(void)state;
	for (i = 0; i < 20; i++) {
		(void)snprintf(id, sizeof id, "burst-%d", i);
		(void)snprintf(text, sizeof text, "举报 连发线索%02d 高息揽储", i);
		push(id, text);
		if (i == 9)
			fakews_disconnect(fw, 3000);
	}
	for (i = 0; i < 20; i++) {
		(void)snprintf(id, sizeof id, "burst-%d", i);
		assert_int_equal(fakews_wait_acks(fw, id, 1, WAIT_MS), 0);
	}
	assert_int_equal(wait_tips(&d, "连发线索", 20), 20);
	for (i = 0; i < 20; i++) {
		(void)snprintf(text, sizeof text, "连发线索%02d", i);
		assert_int_equal(tips_like(&d, text), 1);
	}
	assert_true(fakews_connects(fw) > connects);
	/* Make before break: two were live at once, never more. */
	assert_int_equal(fakews_max_live(fw), 2);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
}

/* An ACK lost, then a reconnect: the message comes again on the new
 * connection and is answered from the dedupe record, once. */
static void
test_redeliver_after_reconnect(void **state)
{
	long	 acks;

	(void)state;
	acks = metric(&d, ACKS);
	fakews_drop_acks(fw, 1);
	push("lost-1", "举报 丢失确认线索 养老项目集资");
	assert_int_equal(wait_tips(&d, "丢失确认线索", 1), 1);
	/* The ACK is written (and the fake drops it). */
	assert_true(wait_metric(&d, ACKS, acks + 1) > acks);
	assert_int_equal(answers_of(&d, "lost-1"), 1);
	assert_int_equal(fakews_acks(fw, "lost-1"), 0);
	fakews_drop_acks(fw, 0);
	fakews_disconnect(fw, 200);
	assert_int_equal(fakews_wait_acks(fw, "lost-1", 1, WAIT_MS), 0);
	assert_true(fakews_pushes(fw, "lost-1") >= 2);
	assert_int_equal(tips_like(&d, "丢失确认线索"), 1);
	assert_int_equal(answers_of(&d, "lost-1"), 1);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
}

/* SIGKILL between the commit and the ACK: the message comes again to the
 * restarted daemon and is answered once. */
static void
test_kill_before_ack(void **state)
{
	int	 connects = fakews_connects(fw);

	(void)state;
	fakews_drop_acks(fw, 1);
	push("kill-1", "举报 断电线索 虚拟币返利");
	assert_int_equal(wait_tips(&d, "断电线索", 1), 1);
	assert_int_equal(e2e_stop(&d, SIGKILL), 128 + SIGKILL);
	assert_int_equal(fakews_acks(fw, "kill-1"), 0);
	fakews_drop_acks(fw, 0);
	e2e_start(&d);
	assert_int_equal(fakews_wait_connects(fw, connects, WAIT_MS), 0);
	assert_int_equal(fakews_wait_acks(fw, "kill-1", 1, WAIT_MS), 0);
	assert_int_equal(tips_like(&d, "断电线索"), 1);
	assert_int_equal(answers_of(&d, "kill-1"), 1);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
}

/* Two daemons on one credential: one connection; the second stands by
 * and takes over when the first is killed. */
static void
test_two_daemons(void **state)
{
	struct daemon		 d2;
	struct http_result	 r;
	char			 db[512];
	int			 connects;

	(void)state;
	prepare(&d2, SECRET, NULL);
	(void)snprintf(db, sizeof db, "%s/fangfei.db", d.dir);
	setenv("FANGFEI_DB", db, 1);
	e2e_start(&d2);
	unsetenv("FANGFEI_DB");
	/* It found the lock held, and stands by, healthy. */
	assert_int_equal(wait_health(&d2, "stream ding: standby"), 0);
	r = e2e_request(&d2, "GET", "/healthz", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(fakews_live(fw), 1);
	connects = fakews_connects(fw);
	assert_int_equal(e2e_stop(&d, SIGKILL), 128 + SIGKILL);
	assert_int_equal(fakews_wait_connects(fw, connects, WAIT_MS), 0);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
	push("two-1", "举报 接管线索 私募股权");
	assert_int_equal(fakews_wait_acks(fw, "two-1", 1, WAIT_MS), 0);
	/* Both work on the first one's database. */
	assert_int_equal(tips_like(&d, "接管线索"), 1);
	/* Back to one daemon for the tests after this one. */
	assert_int_equal(e2e_stop(&d2, SIGTERM), 0);
	e2e_cleanup(&d2);
	e2e_start(&d);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
}

/* SIGTERM: exits 0 after closing its connection. */
static void
test_sigterm(void **state)
{
	(void)state;
	push("term-1", "举报 停机线索 消费返利");
	assert_int_equal(fakews_wait_acks(fw, "term-1", 1, WAIT_MS), 0);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	assert_int_equal(fakews_wait_live(fw, 0, 5000), 0);
	assert_int_equal(tips_like(&d, "停机线索"), 1);
}

/*
 * A connection that goes silent while it still answers WebSocket pings
 * cannot be told from a quiet one: it is bounded by the rotation
 * (rotate_seconds), and what was pushed meanwhile arrives on the next
 * connection, once.
 */
static void
test_silent_rotation(void **state)
{
	struct daemon	 d3;
	int		 connects;

	(void)state;
	prepare(&d3, SECRET, "rotate_seconds = 4\n");
	e2e_start(&d3);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
	connects = fakews_connects(fw);
	fakews_silence(fw, 1);
	push("quiet-1", "举报 静默线索 以房养老");
	/* Nothing goes to the silent connection; the rotation replaces it. */
	assert_int_equal(fakews_wait_connects(fw, connects, WAIT_MS), 0);
	assert_int_equal(fakews_wait_acks(fw, "quiet-1", 1, WAIT_MS), 0);
	assert_int_equal(tips_like(&d3, "静默线索"), 1);
	fakews_silence(fw, 0);
	assert_int_equal(e2e_stop(&d3, SIGTERM), 0);
	e2e_cleanup(&d3);
}

/* Wrong credentials: no tight loop, and /healthz says the connection is
 * down and why, to a monitor with [server] metrics_token; without it,
 * only that it is down (and /metrics is refused). */
static void
test_refused(void **state)
{
	static const char *const mon[] = {
		"Authorization: Bearer mon-0123456789abcdef", NULL };
	static const char *const wrong[] = {
		"Authorization: Bearer mon-0123456789abcdeX", NULL };
	struct daemon		 d4;
	struct http_result	 r;
	int64_t			 end;
	int			 boots = fakews_bootstraps(fw);

	(void)state;
	prepare(&d4, "not-the-secret", "[server]\n"
	    "metrics_token = mon-0123456789abcdef\n");
	e2e_start(&d4);
	end = now_ms() + WAIT_MS;
	for (;;) {
		r = e2e_request(&d4, "GET", "/healthz", mon, NULL, 0);
		if (r.status == 503 || now_ms() > end)
			break;
		e2e_result_free(&r);
		sleep_ms(250);
	}
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "stream ding: down for "));
	assert_non_null(strstr(r.body, "http 401"));
	e2e_result_free(&r);
	r = e2e_request(&d4, "GET", "/healthz", wrong, NULL, 0);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "down\n");
	e2e_result_free(&r);
	r = e2e_request(&d4, "GET", "/metrics", NULL, NULL, 0);
	assert_int_equal(r.status, 401);
	assert_null(strstr(r.body, "fangfei_"));
	e2e_result_free(&r);
	r = e2e_request(&d4, "GET", "/metrics", wrong, NULL, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = e2e_request(&d4, "GET", "/metrics", mon, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "fangfei_stream_connected"));
	e2e_result_free(&r);
	/* Minutes between tries after a refusal, not seconds. */
	assert_true(fakews_bootstraps(fw) - boots <= 2);
	assert_int_equal(e2e_stop(&d4, SIGTERM), 0);
	e2e_cleanup(&d4);
}

/* Nothing the client sent broke the platform's protocol. */
static void
test_no_violations(void **state)
{
	char	 first[512] = "";
	int	 n;

	(void)state;
	n = fakews_violations(fw, first, sizeof first);
	if (n != 0)
		fprintf(stderr, "first violation: %s\n", first);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_disconnect_burst),
		cmocka_unit_test(test_redeliver_after_reconnect),
		cmocka_unit_test(test_kill_before_ack),
		cmocka_unit_test(test_two_daemons),
		cmocka_unit_test(test_sigterm),
		cmocka_unit_test(test_silent_rotation),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_no_violations),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

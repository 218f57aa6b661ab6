/*
 * End-to-end tests of Feishu's long connection (bot/stream.c,
 * bot/stream_feishu.c) against a fake gateway speaking pbbp2 frames
 * (fakews.c): events stored, then answered {"code":200} on their
 * connection, replies through im/v1/messages (a fakeplat); an event in
 * three parts out of order; the ClientConfig's PingInterval used as given;
 * a connection whose pongs stop (replaced, and what was pushed meanwhile
 * arrives once); an answer lost (redelivered, answered from the dedupe
 * record); a SIGKILL between commit and answer.
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

#define APP_ID		"cli_stream0001"
#define SECRET		"e2e-feishu-stream-secret"
#define WAIT_MS		20000
#define SEND_PATH	"/open-apis/im/v1/messages"
#define ACKS		"fangfei_stream_acks_total{channel=\"fs\"} "

static struct daemon	 d;
static struct fakeplat	*fp;
static struct fakews	*fw;

static int
group_setup(void **state)
{
	char	 extra[2048];

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	fp = fakeplat_start();
	assert_non_null(fp);
	fakeplat_set_ok(fp, "{\"code\":0,\"msg\":\"ok\",\"tenant_access_token\":"
	    "\"t-e2e-1\",\"expire\":7200,\"data\":{\"message_id\":\"om_x\"}}");
	fw = fakews_start(FAKEWS_FEISHU, APP_ID, SECRET);
	assert_non_null(fw);
	/* Pings every second, and quick reconnects, as the platform says. */
	fakews_client_config(fw, 1, 1, 1);
	(void)snprintf(extra, sizeof extra, "[channel.fs]\ntype = feishu\n"
	    "mode = websocket\narea = 华光路社区\napp_id = " APP_ID "\n"
	    "app_secret = " SECRET "\napi_base = %s\nconnect_base = %s\n"
	    "dead_seconds = 2\n"
	    "[delivery]\nallow_http = on\nretry_base_seconds = 1\n"
	    "[limits]\ntips_per_hour = 0\nchecks_per_minute = 0\n",
	    fakeplat_base(fp), fakews_base(fw));
	e2e_prepare(&d, extra);
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

static long
answers_of(const char *id)
{
	char	 sql[256];

	/* Rows are keyed by chat and event id; the chat is oc_<id>. */
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE "
	    "idem_key LIKE '%%:oc_%s:%%'", id);
	return e2e_sql_long(&d, sql);
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

static void
push(const char *id, const char *text, int parts)
{
	char	 chat[64], sender[64];

	(void)snprintf(chat, sizeof chat, "oc_%s", id);
	(void)snprintf(sender, sizeof sender, "ou_%s", id);
	fakews_push(fw, id, chat, sender, 0, text, NULL, parts);
}

/* An event is stored, answered on its connection, and replied to. */
static void
test_event(void **state)
{
	size_t	 sent = fakeplat_count(fp, SEND_PATH);

	(void)state;
	push("om_1", "举报 飞书长连接线索 承诺保本高息", 1);
	assert_int_equal(fakews_wait_acks(fw, "om_1", 1, WAIT_MS), 0);
	assert_int_equal(tips_like(&d, "飞书长连接线索"), 1);
	assert_true(wait_count(SEND_PATH, sent + 1) >= sent + 1);
	assert_int_equal(fakews_max_live(fw), 1);
}

/* Three parts out of order make one event. */
static void
test_parts(void **state)
{
	(void)state;
	push("om_2", "举报 分片线索 网络借贷 高额回报 每月分红 拉人头奖励", 3);
	assert_int_equal(fakews_wait_acks(fw, "om_2", 1, WAIT_MS), 0);
	assert_int_equal(tips_like(&d, "分片线索"), 1);
	assert_int_equal(fakews_acks(fw, "om_2"), 1);
}

/* PingInterval 1 s from the ClientConfig, used as given: pings keep
 * coming (with the default 120 s there would be none in the wait). */
static void
test_ping_interval(void **state)
{
	int	 pings = fakews_pings(fw);
	int64_t	 end = now_ms() + WAIT_MS;

	(void)state;
	while (fakews_pings(fw) - pings < 3 && now_ms() < end)
		sleep_ms(20);
	assert_true(fakews_pings(fw) - pings >= 3);
}

/* Pongs stop: the connection is replaced; an event pushed meanwhile
 * comes on the new one, once. */
static void
test_silent(void **state)
{
	int	 connects = fakews_connects(fw);

	(void)state;
	fakews_silence(fw, 1);
	push("om_3", "举报 失联线索 养老公寓预售", 1);
	assert_int_equal(fakews_wait_connects(fw, connects, WAIT_MS), 0);
	assert_int_equal(fakews_wait_acks(fw, "om_3", 1, WAIT_MS), 0);
	assert_int_equal(tips_like(&d, "失联线索"), 1);
	fakews_silence(fw, 0);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
}

/* The answer is lost: the platform sends the event again and it is
 * answered from the dedupe record; then a SIGKILL between commit and
 * answer. */
static void
test_redelivery_and_kill(void **state)
{
	int64_t	 end;
	int	 connects;
	long	 acks;

	(void)state;
	acks = metric(&d, ACKS);
	fakews_drop_acks(fw, 1);
	push("om_4", "举报 重推线索 虚拟货币", 1);
	end = now_ms() + WAIT_MS;
	while (tips_like(&d, "重推线索") < 1 && now_ms() < end)
		sleep_ms(20);
	assert_int_equal(tips_like(&d, "重推线索"), 1);
	/* The answer is written (and the fake drops it). */
	assert_true(wait_metric(&d, ACKS, acks + 1) > acks);
	fakews_drop_acks(fw, 0);
	assert_int_equal(fakews_wait_acks(fw, "om_4", 1, WAIT_MS), 0);
	assert_true(fakews_pushes(fw, "om_4") >= 2);
	assert_int_equal(tips_like(&d, "重推线索"), 1);
	assert_int_equal(answers_of("om_4"), 1);

	fakews_drop_acks(fw, 1);
	push("om_5", "举报 飞书断电线索 原始股", 1);
	end = now_ms() + WAIT_MS;
	while (tips_like(&d, "飞书断电线索") < 1 && now_ms() < end)
		sleep_ms(20);
	connects = fakews_connects(fw);
	assert_int_equal(e2e_stop(&d, SIGKILL), 128 + SIGKILL);
	fakews_drop_acks(fw, 0);
	e2e_start(&d);
	assert_int_equal(fakews_wait_connects(fw, connects, WAIT_MS), 0);
	assert_int_equal(fakews_wait_acks(fw, "om_5", 1, WAIT_MS), 0);
	assert_int_equal(tips_like(&d, "飞书断电线索"), 1);
	assert_int_equal(answers_of("om_5"), 1);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	assert_int_equal(fakews_wait_live(fw, 0, 5000), 0);
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
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_ping_interval),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_redelivery_and_kill),
		cmocka_unit_test(test_no_violations),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * End-to-end tests of the WeCom AI bot's long connection (bot/stream.c,
 * bot/stream_wecom.c, bot/channel_wecom_bot.c) against a fake gateway
 * (fakews.c): subscribe, messages stored once and answered by an
 * aibot_respond_msg frame with the message's req_id, sent from the outbox;
 * an answer the platform can no longer take in place (846608) sent again
 * as aibot_send_msg; a connection whose ping answers stop (replaced); a
 * second daemon on the credential (stands by: the platform would kick the
 * older connection); SIGTERM.
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
#include "wsclient.h"

#define BOT_ID	"aibE2Estream01"
#define SECRET	"e2e-wecom-bot-secret-0123"

static struct daemon	 d;
static struct fakews	*fw;

static void
prepare(struct daemon *dd)
{
	char	 extra[2048];

	(void)snprintf(extra, sizeof extra, "[channel.wb]\ntype = wecom_bot\n"
	    "mode = websocket\narea = 华光路社区\nbot_id = " BOT_ID "\n"
	    "secret = " SECRET "\nws_url = %s\nping_seconds = 1\n"
	    "dead_seconds = 3\n"
	    "[delivery]\nallow_http = on\nallow_private_targets = on\n"
	    "retry_base_seconds = 1\n"
	    "[limits]\ntips_per_hour = 0\nchecks_per_minute = 0\n",
	    fakews_ws_url(fw));
	e2e_prepare(dd, extra);
}

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	fw = fakews_start(FAKEWS_WECOM, BOT_ID, SECRET);
	assert_non_null(fw);
	prepare(&d);
	e2e_start(&d);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (d.pid > 0)
		(void)kill(d.pid, SIGCONT);	/* a failed test_standby_* */
	e2e_cleanup(&d);
	fakews_stop(fw);
	curl_global_cleanup();
	return 0;
}

/* Waits until the fake received n reply frames with cmd. */
static int
wait_replies(const char *cmd, int n)
{
	int64_t	 end = now_ms() + WAIT_MS;
	int	 got;

	while ((got = fakews_replies(fw, cmd)) < n && now_ms() < end)
		sleep_ms(20);
	return got;
}

/* The state of the outbox row answering message id (by its chat). */
static void
row_state(const char *chat, char *out, size_t size)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT state FROM outbox WHERE "
	    "idem_key LIKE '%%:%s:%%' ORDER BY id DESC LIMIT 1", chat);
	if (e2e_sql_text(&d, sql, out, size) != 0)
		out[0] = '\0';
}

/*
 * Waits until the daemon's new connection carries the traffic: it says it
 * is connected (subscribed) and the fake has one connection live (the
 * replaced one is gone: a message the fake pushed to it would be lost,
 * as WeCom loses them). 0 or -1.
 */
static int
wait_ready(void)
{
	struct http_result	 r;
	int64_t			 end = now_ms() + WAIT_MS;
	int			 ok;

	for (;;) {
		r = e2e_request(&d, "GET", "/metrics", NULL, NULL, 0);
		ok = r.body != NULL && strstr(r.body,
		    "fangfei_stream_connected{channel=\"wb\"} 1\n") != NULL;
		e2e_result_free(&r);
		if (ok && fakews_live(fw) == 1)
			return 0;
		if (now_ms() > end)
			return -1;
		sleep_ms(20);
	}
}

/* A tip in a single chat: stored, answered in place with its req_id. */
static void
test_message(void **state)
{
	char	 frame[8192], st[32] = "";
	int	 n = fakews_replies(fw, "aibot_respond_msg");
	int64_t	 end;

	(void)state;
	fakews_push(fw, "wmsg-1", "", "zhangsan", 0,
	    "举报 企微长连接线索 高息理财", NULL, 1);
	assert_true(wait_replies("aibot_respond_msg", n + 1) >= n + 1);
	assert_int_equal(tips_like(&d, "企微长连接线索"), 1);
	assert_int_equal(fakews_reply_text(fw, "aibot_respond_msg", n, frame,
	    sizeof frame), 0);
	assert_non_null(strstr(frame, "\"finish\":true"));
	end = now_ms() + WAIT_MS;
	while (strcmp(st, "sent") != 0 && now_ms() < end) {
		sleep_ms(20);
		row_state("zhangsan", st, sizeof st);
	}
	assert_string_equal(st, "sent");
	assert_int_equal(fakews_max_live(fw), 1);
}

/* 846608 (the reply came too late to answer in place): sent again as a
 * message to the group. */
static void
test_resend(void **state)
{
	char	 frame[8192];
	int	 n = fakews_replies(fw, "aibot_send_msg");

	(void)state;
	fakews_reply_errcode(fw, 1, 846608);
	fakews_push(fw, "wmsg-2", "wrkGroup01", "lisi", 1,
	    "@防非助手 查询 91110000000000000X", NULL, 1);
	assert_true(wait_replies("aibot_send_msg", n + 1) >= n + 1);
	assert_int_equal(fakews_reply_text(fw, "aibot_send_msg", n, frame,
	    sizeof frame), 0);
	assert_non_null(strstr(frame, "\"chatid\":\"wrkGroup01\""));
}

/* Ping answers stop: the connection is replaced and subscribes again. */
static void
test_silent(void **state)
{
	int	 connects = fakews_connects(fw);
	int	 n = fakews_replies(fw, "aibot_respond_msg");
	int64_t	 end;

	(void)state;
	fakews_silence(fw, 1);
	assert_int_equal(fakews_wait_connects(fw, connects, WAIT_MS), 0);
	fakews_silence(fw, 0);
	assert_int_equal(wait_ready(), 0);
	fakews_push(fw, "wmsg-3", "", "wangwu", 0, "举报 重连后线索 投资返利",
	    NULL, 1);
	/* Answered in place on the new connection. */
	assert_true(wait_replies("aibot_respond_msg", n + 1) >= n + 1);
	end = now_ms() + WAIT_MS;
	while (tips_like(&d, "重连后线索") < 1 && now_ms() < end)
		sleep_ms(20);
	assert_int_equal(tips_like(&d, "重连后线索"), 1);
}

/*
 * Another client subscribes with the same bot (another machine, an old
 * deployment): the platform kicks the daemon's connection with
 * disconnected_event, and the daemon does not subscribe again at once —
 * the two would kick each other forever. /metrics shows it down.
 */
static void
test_takeover(void **state)
{
	struct wsc		*t;
	struct http_result	 r;
	json_t			*sub, *ans;
	int			 connects;

	(void)state;
	assert_int_equal(wsc_init(), 0);
	t = wsc_open(fakews_ws_url(fw));
	sub = json_pack("{s:s, s:{s:s}, s:{s:s, s:s}}", "cmd",
	    "aibot_subscribe", "headers", "req_id", "aibot_subscribe_other",
	    "body", "bot_id", BOT_ID, "secret", SECRET);
	wsc_send_json(t, sub);		/* takes sub */
	ans = wsc_next_json(t);
	assert_non_null(ans);
	assert_int_equal(json_integer_value(json_object_get(ans, "errcode")),
	    0);
	json_decref(ans);
	connects = fakews_connects(fw);
	/* That nothing happens takes waiting: three seconds without a
	 * subscribe (a fight would resubscribe within one). */
	sleep_ms(3000);
	assert_int_equal(fakews_connects(fw), connects);
	r = e2e_request(&d, "GET", "/metrics", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body,
	    "fangfei_stream_connected{channel=\"wb\"} 0\n"));
	e2e_result_free(&r);
	wsc_free(t);
	wsc_done();
	/* The other client is gone: a restart connects at once. */
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	e2e_start(&d);
	assert_int_equal(fakews_wait_live(fw, 1, WAIT_MS), 0);
}

/* A second daemon on the credential stands by: no second subscribe, so
 * the platform never kicks the first. SIGTERM then closes it. */
static void
test_second_daemon(void **state)
{
	struct daemon	 d2;
	char		 db[512];
	int		 connects = fakews_connects(fw);

	(void)state;
	prepare(&d2);
	(void)snprintf(db, sizeof db, "%s/fangfei.db", d.dir);
	setenv("FANGFEI_DB", db, 1);
	e2e_start(&d2);
	unsetenv("FANGFEI_DB");
	assert_int_equal(wait_health(&d2, "stream wb: standby"), 0);
	assert_int_equal(fakews_connects(fw), connects);
	assert_int_equal(fakews_live(fw), 1);
	assert_int_equal(e2e_stop(&d2, SIGTERM), 0);
	e2e_cleanup(&d2);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	assert_int_equal(fakews_wait_live(fw, 0, 5000), 0);
}

/*
 * A row for the connection while the owner cannot send (stopped) and a
 * second daemon stands by: the one standing by leaves it alone (no claim,
 * no attempt counted: it would only hold it and put it back), and the
 * owner, going on, sends it on its first attempt. A robot's row, due at
 * the same moment, shows when the second daemon has read them both.
 */
static void
test_standby_leaves_rows(void **state)
{
	struct daemon	 d2;
	struct fakeplat	*fp;
	char		 db[512], sql[1024], st[32], standby_state[32];
	time_t		 now = time(NULL);
	int64_t		 end;
	long		 standby_attempts, sent_attempts;
	size_t		 robot;
	int		 stopped;

	(void)state;
	assert_non_null(fp = fakeplat_start());
	prepare(&d2);
	(void)snprintf(db, sizeof db, "%s/fangfei.db", d.dir);
	setenv("FANGFEI_DB", db, 1);
	e2e_start(&d2);
	unsetenv("FANGFEI_DB");
	assert_int_equal(wait_health(&d2, "stream wb: standby"), 0);
	assert_int_equal(kill(d.pid, SIGSTOP), 0);
	/* One transaction: the daemon reads both rows or neither. */
	(void)snprintf(sql, sizeof sql, "BEGIN IMMEDIATE;"
	    " INSERT INTO groups (channel, chat_id,"
	    " title, first_seen) VALUES ('wb', 'wrkGroup09', '九号群', %lld);"
	    " INSERT INTO groups (channel, chat_id, title, first_seen, webhook)"
	    " VALUES ('wecom', 'standby-robot', '机器人', %lld,"
	    " '%s/sb/send?key=r1');"
	    " INSERT INTO outbox (group_id, body, idem_key, next_at,"
	    " created_at) SELECT id, '同时到期', 'standby-2', %lld, %lld"
	    " FROM groups WHERE chat_id = 'standby-robot';"
	    " INSERT INTO outbox (group_id, channel, body, idem_key, next_at,"
	    " created_at) SELECT id, 'wb', '备用实例不应认领', 'standby-1', %lld,"
	    " %lld FROM groups WHERE chat_id = 'wrkGroup09'; COMMIT",
	    (long long)now, (long long)now, fakeplat_base(fp), (long long)now, (long long)now,
	    (long long)now, (long long)now);
	assert_int_equal(e2e_sql_exec(&d, sql), 0);
	/* The robot's row is sent by the daemon standing by (the owner is
	 * stopped), in the same batch of due rows as the other. What is
	 * seen is kept and asserted once both daemons go on or stop, so
	 * that a failure leaves nothing stopped behind. */
	end = now_ms() + WAIT_MS;
	while ((robot = fakeplat_count(fp, "/sb/")) < 1 && now_ms() < end)
		sleep_ms(20);
	standby_attempts = e2e_sql_long(&d, "SELECT attempts FROM outbox"
	    " WHERE idem_key = 'standby-1'");
	if (e2e_sql_text(&d, "SELECT state FROM outbox WHERE"
	    " idem_key = 'standby-1'", standby_state, sizeof standby_state) != 0)
		standby_state[0] = '\0';
	(void)kill(d.pid, SIGCONT);
	(void)snprintf(st, sizeof st, "pending");
	end = now_ms() + WAIT_MS;
	while (strcmp(st, "pending") == 0 && now_ms() < end) {
		sleep_ms(20);
		if (e2e_sql_text(&d, "SELECT state FROM outbox WHERE"
		    " idem_key = 'standby-1'", st, sizeof st) != 0)
			st[0] = '\0';
	}
	sent_attempts = e2e_sql_long(&d, "SELECT attempts FROM outbox WHERE"
	    " idem_key = 'standby-1'");
	stopped = e2e_stop(&d2, SIGTERM);
	e2e_cleanup(&d2);
	fakeplat_stop(fp);
	assert_int_equal(robot, 1);
	assert_int_equal(standby_attempts, 0);
	assert_string_equal(standby_state, "pending");
	assert_string_not_equal(st, "pending");
	assert_int_equal(sent_attempts, 1);
	assert_int_equal(stopped, 0);
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
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_resend),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_takeover),
		cmocka_unit_test(test_standby_leaves_rows),
		cmocka_unit_test(test_second_daemon),
		cmocka_unit_test(test_no_violations),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * End-to-end tests of what the chat channels promise a resident: a
 * message is known by what its platform guarantees unique (another user's
 * reused message id is another message), tips and checks are limited per
 * sender (one polite answer, then quiet), a group chat takes no tips nor
 * their status, and tip references give nothing away. The real binary on
 * loopback, one daemon for the file with small limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

#define TIPS_PER_HOUR		2
#define CHECKS_PER_MINUTE	3

static struct daemon d;

/* Starts the daemon with small flood limits. */
static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, "[limits]\ntips_per_hour = 2\nchecks_per_minute = 3\n");
	e2e_start(&d);
	return 0;
}

/* Stops it and removes its directory. */
static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/* POSTs one generic message (chat ids starting with "g-" are groups). */
static struct http_result
say(const char *channel, const char *chat, const char *sender,
    const char *text, const char *msgid)
{
	return e2e_say(&d, channel, chat, sender, NULL, text, msgid);
}

/* POSTs one Telegram update from user to a private chat of the same id. */
static struct http_result
tg_say(long update, long user, long msgid, const char *text)
{
	static const char *const hdr[] = {
		"Content-Type: application/json",
		"X-Telegram-Bot-Api-Secret-Token: s3cr3t_Token-01", NULL
	};
	char	 body[2048];

	(void)snprintf(body, sizeof body, "{\"update_id\":%ld,\"message\":{"
	    "\"message_id\":%ld,\"from\":{\"id\":%ld,\"first_name\":\"居民\"},"
	    "\"chat\":{\"id\":%ld,\"type\":\"private\"},\"text\":\"%s\"}}",
	    update, msgid, user, user, text);
	return e2e_request(&d, "POST", "/hook/tg", hdr, body, strlen(body));
}

/* Copies the tip reference of an answer into ref (NUL when none). */
static void
ref_of(const char *body, char ref[32])
{
	const char	*p = strstr(body, "JB-");
	size_t		 n = 0;

	if (p != NULL)
		n = strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");
	if (n >= 32)
		n = 0;
	memcpy(ref, p != NULL ? p : "", n);
	ref[n] = '\0';
}

/* The number of tips whose body holds the text. */
static long
tips_like(const char *text)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%%%s%%'", text);
	return e2e_sql_long(&d, sql);
}

/* Generic ids are the integrator's: two users in different chats, and two
 * senders in the same chat, reusing one message id each get their own
 * answer, and every tip is stored; a true retry is still recognised. */
static void
test_dedupe_generic(void **state)
{
	struct http_result	 a, b, c, again;
	char			 ra[32], rb[32], rc[32], rr[32];

	(void)state;
	a = say("demo", "u-chat-a", "u-alice", "举报 甲的线索", "reused-1");
	b = say("demo", "u-chat-b", "u-bob", "举报 乙的线索", "reused-1");
	c = say("demo", "u-chat-a", "u-carol", "举报 丙的线索", "reused-1");
	assert_int_equal(a.status, 200);
	assert_int_equal(b.status, 200);
	assert_int_equal(c.status, 200);
	ref_of(a.body, ra);
	ref_of(b.body, rb);
	ref_of(c.body, rc);
	assert_int_equal(strlen(ra), 18);
	assert_int_equal(strlen(rb), 18);
	assert_int_equal(strlen(rc), 18);
	/* Nobody is shown someone else's reference. */
	assert_string_not_equal(ra, rb);
	assert_string_not_equal(ra, rc);
	assert_string_not_equal(rb, rc);
	assert_int_equal(tips_like("甲的线索"), 1);
	assert_int_equal(tips_like("乙的线索"), 1);
	assert_int_equal(tips_like("丙的线索"), 1);
	/* Alice's platform retries: the same answer, no second tip. */
	again = say("demo", "u-chat-a", "u-alice", "举报 甲的线索", "reused-1");
	ref_of(again.body, rr);
	assert_string_equal(rr, ra);
	assert_int_equal(tips_like("甲的线索"), 1);
	e2e_result_free(&a);
	e2e_result_free(&b);
	e2e_result_free(&c);
	e2e_result_free(&again);
}

/* Telegram: the same update id in two chats is two messages. */
static void
test_dedupe_telegram(void **state)
{
	struct http_result	 a, b, again;
	char			 ra[32], rb[32], rr[32];

	(void)state;
	a = tg_say(777001, 5001, 11, "举报 电报甲");
	b = tg_say(777001, 5002, 11, "举报 电报乙");
	assert_int_equal(a.status, 200);
	assert_int_equal(b.status, 200);
	ref_of(a.body, ra);
	ref_of(b.body, rb);
	assert_int_equal(strlen(ra), 18);
	assert_int_equal(strlen(rb), 18);
	assert_string_not_equal(ra, rb);
	assert_int_equal(tips_like("电报甲"), 1);
	assert_int_equal(tips_like("电报乙"), 1);
	again = tg_say(777001, 5001, 11, "举报 电报甲");
	ref_of(again.body, rr);
	assert_string_equal(rr, ra);
	assert_int_equal(tips_like("电报甲"), 1);
	e2e_result_free(&a);
	e2e_result_free(&b);
	e2e_result_free(&again);
}

/* Tips per sender and hour: the limit passes, then one polite answer
 * with the hotline, then silence; retries of answered tips do not count;
 * another sender is not affected. */
static void
test_flood_tips(void **state)
{
	struct http_result	 r;
	char			 text[64], id[32], ref[32], first[32];
	int			 i;

	(void)state;
	for (i = 0; i < TIPS_PER_HOUR; i++) {
		(void)snprintf(text, sizeof text, "举报 刷屏测试%d", i);
		(void)snprintf(id, sizeof id, "flood-%d", i);
		r = say("demo", "u-flood", "u-flood", text, id);
		ref_of(r.body, ref);
		assert_int_equal(strlen(ref), 18);
		if (i == 0)
			memcpy(first, ref, sizeof first);
		e2e_result_free(&r);
	}
	/* Retrying the first is answered from the record, uncounted. */
	r = say("demo", "u-flood", "u-flood", "举报 刷屏测试0", "flood-0");
	ref_of(r.body, ref);
	assert_string_equal(ref, first);
	e2e_result_free(&r);
	r = say("demo", "u-flood", "u-flood", "举报 刷屏测试X", "flood-x");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "分钟后再提交"));
	assert_non_null(strstr(r.body, "0533-12345"));
	assert_null(strstr(r.body, "JB-"));
	e2e_result_free(&r);
	r = say("demo", "u-flood", "u-flood", "举报 刷屏测试Y", "flood-y");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"replies\":[]}");
	e2e_result_free(&r);
	assert_int_equal(tips_like("刷屏测试"), TIPS_PER_HOUR);
	/* Someone else is still heard. */
	r = say("demo", "u-calm", "u-calm", "举报 另一位居民", "calm-1");
	ref_of(r.body, ref);
	assert_int_equal(strlen(ref), 18);
	e2e_result_free(&r);
}

/* Checks per sender and minute: the same pattern. */
static void
test_flood_checks(void **state)
{
	struct http_result	 r;
	char			 id[32];
	int			 i;

	(void)state;
	for (i = 0; i < CHECKS_PER_MINUTE; i++) {
		(void)snprintf(id, sizeof id, "chk-%d", i);
		r = say("demo", "u-checker", "u-checker", "查询 鑫源", id);
		assert_non_null(strstr(r.body, "鑫源"));
		assert_null(strstr(r.body, "太频繁"));
		e2e_result_free(&r);
	}
	r = say("demo", "u-checker", "u-checker", "查询 鑫源", "chk-x");
	assert_non_null(strstr(r.body, "您查询得太频繁了"));
	assert_non_null(strstr(r.body, "0533-12345"));
	e2e_result_free(&r);
	r = say("demo", "u-checker", "u-checker", "查询 鑫源", "chk-y");
	assert_string_equal(r.body, "{\"replies\":[]}");
	e2e_result_free(&r);
	r = say("en", "u-checker", "u-checker", "check xinyuan", "chk-en");
	assert_null(strstr(r.body, "too often"));	/* another channel */
	e2e_result_free(&r);
}

/* In a group, 进度 is answered with the way to a private chat and looks
 * nothing up; in private it takes the reference in any case. */
static void
test_status_group_and_case(void **state)
{
	struct http_result	 r;
	char			 ref[32], text[96];
	size_t			 i;
	long			 seen;

	(void)state;
	r = say("demo", "u-status", "u-status", "举报 进度大小写测试", "st-1");
	ref_of(r.body, ref);
	assert_int_equal(strlen(ref), 18);
	e2e_result_free(&r);
	for (i = 0; ref[i] != '\0'; i++)
		if (ref[i] >= 'A' && ref[i] <= 'Z')
			ref[i] = (char)(ref[i] - 'A' + 'a');
	(void)snprintf(text, sizeof text, "进度 %s", ref);
	r = say("demo", "u-status", "u-status", text, "st-2");
	assert_non_null(strstr(r.body, "已受理"));
	e2e_result_free(&r);
	seen = e2e_sql_long(&d, "SELECT count(*) FROM inbound_seen");
	r = say("demo", "g-status", "u-status", text, "st-3");
	assert_non_null(strstr(r.body, "请私聊本机器人"));
	assert_null(strstr(r.body, "已受理"));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM inbound_seen"),
	    seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedupe_generic),
		cmocka_unit_test(test_dedupe_telegram),
		cmocka_unit_test(test_flood_tips),
		cmocka_unit_test(test_flood_checks),
		cmocka_unit_test(test_status_group_and_case),
	};

	return cmocka_run_group_tests_name("e2e_chansec", tests, group_setup,
	    group_teardown);
}

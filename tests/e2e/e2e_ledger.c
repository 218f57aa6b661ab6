/*
 * End-to-end test of the staff's ledger commands through the real daemon
 * and the generic channel: a resident's tip reaches the bound grid
 * worker, who lists it, checks it and asks its reporter a question; the
 * reporter answers; the chief disposes of it and the office closes it.
 * Refused moves are answered clearly, a worker of another area is told
 * no such tip exists, and a resident's 线索 <内容> is still a tip.
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

static struct daemon d;

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	e2e_start(&d);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/* POSTs one message of sender in chat (g-…: a group) to the demo channel;
 * returns the answer's body, which the caller frees. */
static char *
say(const char *chat, const char *sender, const char *text)
{
	struct http_result	 r = e2e_say(&d, NULL, chat, sender, NULL, text,
	    NULL);

	assert_int_equal(r.status, 200);
	return r.body;
}

/* Says text and checks that the answer holds want. */
static void
expect(const char *chat, const char *sender, const char *text,
    const char *want)
{
	char	*body = say(chat, sender, text);

	if (strstr(body, want) == NULL)
		fail_msg("%s: %s\nanswer: %s\nwanted: %s", sender, text, body,
		    want);
	free(body);
}

/* The same with a formatted text. */
static void
expectf(const char *chat, const char *sender, const char *want,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
expectf(const char *chat, const char *sender, const char *want,
    const char *fmt, ...)
{
	char	 text[1024];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	expect(chat, sender, text, want);
}

/* Pulls the tip reference out of an answer. */
static void
ref_of(const char *body, char ref[32])
{
	const char	*p = strstr(body, "JB-");
	size_t		 n;

	assert_non_null(p);
	n = strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");
	assert_int_equal(n, 18);
	memcpy(ref, p, n);
	ref[n] = '\0';
}

/* Adds a staff member with the CLI and binds chat u-<user> to them. */
static void
bind_staff(const char *name, const char *role, const char *area,
    const char *user)
{
	assert_true(e2e_bind_staff(&d, NULL, NULL, user, name, role, area) >
	    0);
}

/* Rows queued to a staff member's private chat u-<user> that hold s. */
static long
to_staff(const char *user, const char *s)
{
	char	 sql[512];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'u-%s' AND "
	    "instr(o.body, '%s') > 0", user, s);
	return e2e_sql_long(&d, sql);
}

/* Rows queued to the reporter of ref (through their seal) that hold s. */
static long
to_reporter(const char *ref, const char *s)
{
	char	 sql[512];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN "
	    "tips t ON t.reporter_id = o.reporter_id WHERE t.ref = '%s' AND "
	    "o.channel = 'demo' AND instr(o.body, '%s') > 0", ref, s);
	return e2e_sql_long(&d, sql);
}

/* The whole life of one tip through chat. */
static void
test_ledger_flow(void **state)
{
	char	*body, *p, ref[32], sql[256], other[32];

	(void)state;
	bind_staff("王丹", "grid_worker", "华光路社区", "wang");
	bind_staff("李强", "grid_chief", "华光路社区", "li");
	bind_staff("周敏", "office", "张店区", "zhou");
	bind_staff("孙丽", "grid_worker", "柳泉社区", "sun");

	/* A resident reports; the grid worker of the chat's area is told. */
	body = say("u-res", "res", "举报 有人在华光路小区门口推销保本理财");
	ref_of(body, ref);
	free(body);
	assert_int_equal(to_staff("wang", ref), 1);
	assert_int_equal(to_staff("sun", ref), 0);
	assert_int_equal(to_staff("wang", "res"), 0);

	/* The worker's list has it; a resident's 线索 alone is no list. */
	expect("u-wang", "wang", "线索", ref);
	expect("u-wang", "wang", "线索", "已分派");
	expect("u-res", "res", "/tips", "请在");
	/* Not in a group, where the tip's text would show. */
	expect("g-b12", "wang", "线索", "私聊");

	/* Another area's worker: the tip does not exist for them. */
	expectf("u-sun", "sun", "没有找到线索", "线索 %s", ref);
	expectf("u-sun", "sun", "没有找到线索", "核查 %s 属实", ref);
	/* The same answer, word for word, as for a tip that does not exist. */
	body = say("u-sun", "sun", "核查 JB-20200101-AAAAAA 属实");
	(void)snprintf(sql, sizeof sql, "核查 %s 属实", ref);
	p = say("u-sun", "sun", sql);
	assert_non_null(strstr(body, "JB-20200101-AAAAAA"));
	assert_non_null(strstr(p, ref));
	assert_int_equal(strstr(body, "JB-20200101-AAAAAA") - body,
	    strstr(p, ref) - p);
	assert_string_equal(strstr(body, "JB-20200101-AAAAAA") + 18,
	    strstr(p, ref) + 18);
	free(body);
	free(p);

	/* The check begins with the reference alone; the reporter hears it
	 * was accepted. Said again, it records nothing; a note of how it
	 * goes is recorded. */
	expectf("u-wang", "wang", "当前状态「核查中」", "核查 %s", ref);
	assert_int_equal(to_reporter(ref, "已受理"), 1);
	assert_int_equal(to_reporter(ref, "王丹"), 0);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tip_events e "
	    "JOIN tips t ON t.id = e.tip_id WHERE t.ref = '%s' AND e.kind = "
	    "'verifying'", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	expectf("u-wang", "wang", "当前状态「核查中」", "核查 %s", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	expectf("u-wang", "wang", "当前状态「核查中」", "核查 %s 已安排走访", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 2);
	assert_int_equal(to_reporter(ref, "已受理"), 1);

	/* A question to the reporter, and the reporter's answer. */
	expectf("u-wang", "wang", "追问已发送", "追问 %s 推销的人穿什么衣服", ref);
	assert_int_equal(to_reporter(ref, "推销的人穿什么衣服"), 1);
	assert_int_equal(to_reporter(ref, "王丹"), 0);
	expectf("u-x", "someone", "没有找到您举报的编号", "补充 %s 我也看到了",
	    ref);
	expectf("u-res", "res", "已收到您对线索", "补充 %s 穿红色马甲，在3号楼",
	    ref);
	assert_int_equal(to_staff("wang", "穿红色马甲"), 1);
	(void)snprintf(sql, sizeof sql, "线索 %s", ref);
	body = say("u-wang", "wang", sql);
	assert_non_null(strstr(body, "推销的人穿什么衣服"));
	assert_non_null(strstr(body, "穿红色马甲，在3号楼"));
	assert_non_null(strstr(body, "举报人补充"));
	assert_non_null(strstr(body, "王丹"));
	assert_null(strstr(body, "someone"));
	assert_null(strstr(body, "u-res"));
	assert_non_null(strstr(body, "收到举报｜举报人"));
	free(body);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'tip read' AND detail = '%s'", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 1);

	/* Confirmed; what the worker may not do is refused with why. */
	expectf("u-wang", "wang", "当前状态「属实待处置」", "核查 %s 属实 确有此事",
	    ref);
	assert_int_equal(to_reporter(ref, "经核查属实"), 1);
	/* The move is in the audit log, which nobody can edit, too. */
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'tip move' AND detail = '%s verifying -> confirmed'", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	expectf("u-wang", "wang", "需要网格长及以上角色", "处置 %s 约谈", ref);
	expectf("u-wang", "wang", "不能销号", "销号 %s", ref);
	expectf("u-wang", "wang", "下一步：网格长及以上发送“处置", "销号 %s",
	    ref);
	expectf("u-li", "li", "无法识别措施", "处置 %s 没收", ref);

	/* The chief disposes of it against a registry enterprise. */
	expectf("u-li", "li", "当前状态「处置中」", "处置 %s 约谈 "
	    "示例·淄博鑫源财富投资管理有限公司", ref);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips t JOIN "
	    "enterprises e ON e.id = t.enterprise_id WHERE t.ref = '%s' AND "
	    "t.measure = 'admonished' AND e.uscc = '91370303MA3C01001E'", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	expectf("u-li", "li", "需要处非办及以上角色", "销号 %s", ref);

	/* The office closes it; the reporter is told; closing again is
	 * refused by state. */
	expectf("u-zhou", "zhou", "当前状态「已销号」", "销号 %s", ref);
	assert_int_equal(to_reporter(ref, "已办结"), 1);
	expectf("u-zhou", "zhou", "当前状态为「已销号」", "销号 %s", ref);
	/* Three notices, none naming staff. */
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN "
	    "tips t ON t.reporter_id = o.reporter_id WHERE t.ref = '%s' AND "
	    "(instr(o.body, '王丹') > 0 OR instr(o.body, '李强') > 0 OR "
	    "instr(o.body, '周敏') > 0)", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 0);
	/* 补充 on a closed tip is refused. */
	expectf("u-res", "res", "已办结，无法再补充", "补充 %s 还有", ref);

	/* A resident's 线索 <内容> is still a tip; the worker is told. */
	body = say("u-res2", "res2", "线索 有人推销理财");
	assert_non_null(strstr(body, "JB-"));
	ref_of(body, other);
	free(body);
	assert_int_equal(to_staff("wang", other), 1);
	/* So is a staff member's, and its 退回 and 指派 work. */
	expectf("u-wang", "wang", "当前状态「待分派」", "退回 %s 不是我的网格",
	    other);
	expectf("u-wang", "wang", "需要网格长及以上角色", "指派 %s 王丹", other);
	expectf("u-li", "li", "找不到工作人员", "指派 %s 孙丽", other);
	expectf("u-li", "li", "已指派给 王丹", "指派 %s 王丹", other);
	assert_int_equal(to_staff("wang", other), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ledger_flow),
	};

	return cmocka_run_group_tests_name("e2e_ledger", tests, group_setup,
	    group_teardown);
}

/* Unit tests: command parsing, the help table and message rendering. */
#include "testutil.h"

#include "handlers/handlers.h"
#include "messages/texts.h"
#include "messages/xmalloc.h"

/* Checks that text parses to the handler name with the given args. */
static void
expect_cmd(const char *text, const char *name, const char *args)
{
	const struct handler	*h;
	const char		*a = NULL;

	h = handler_parse(text, &a);
	if (name == NULL) {
		assert_null(h);
		return;
	}
	assert_non_null(h);
	assert_string_equal(h->name, name);
	assert_string_equal(a, args);
}

/* Chinese and English forms, with and without separators. */
static void
test_parse(void **state)
{
	(void)state;
	expect_cmd("/check 鑫源", "check", "鑫源");
	expect_cmd("/CHECK 鑫源", "check", "鑫源");
	expect_cmd("check 鑫源", "check", "鑫源");
	expect_cmd("查询 鑫源", "check", "鑫源");
	expect_cmd("查询鑫源财富", "check", "鑫源财富");
	expect_cmd("查询：鑫源", "check", "鑫源");
	expect_cmd("查询\xe3\x80\x80鑫源", "check", "鑫源");
	expect_cmd("举报 有人推销理财", "report", "有人推销理财");
	expect_cmd("举报", "report", "");
	expect_cmd("进度 JB-20261121-0042", "status", "JB-20261121-0042");
	expect_cmd("查询进度 JB-1", "status", "JB-1");	/* longest alias */
	expect_cmd("/help", "help", "");
	expect_cmd("帮助", "help", "");
	expect_cmd("/start", "help", "");
	expect_cmd("联系", "contact", "");
	expect_cmd("/lang en", "lang", "en");
	expect_cmd("checked in", NULL, NULL);	/* not a whole word */
	expect_cmd("/checkout", NULL, NULL);
	expect_cmd("你好", NULL, NULL);
	expect_cmd("", NULL, NULL);
}

/* Every text exists in both languages and renders every placeholder. */
static void
test_texts_complete(void **state)
{
	int	 k;

	(void)state;
	for (k = 0; k < MSG__COUNT; k++) {
		assert_true(strlen(msg_template(LOCALE_ZH, k)) > 0);
		assert_true(strlen(msg_template(LOCALE_EN, k)) > 0);
		assert_string_not_equal(msg_template(LOCALE_ZH, k),
		    msg_template(LOCALE_EN, k));
	}
}

/* Placeholders are replaced; unknown ones stay visible. */
static void
test_render(void **state)
{
	struct msg_var	 vars[] = {
		{ "ref", "JB-20261121-0042" }, { NULL, NULL }
	};
	char		*s;
	struct buf	 b;

	(void)state;
	s = msg_format(LOCALE_ZH, MSG_REPORT_OK, vars);
	assert_non_null(strstr(s, "编号 JB-20261121-0042"));
	assert_null(strstr(s, "{ref}"));
	free(s);
	s = msg_format(LOCALE_EN, MSG_REPORT_OK, vars);
	assert_non_null(strstr(s, "recorded as JB-20261121-0042"));
	free(s);
	s = msg_format(LOCALE_EN, MSG_REPORT_OK, NULL);
	assert_non_null(strstr(s, "{ref}"));
	free(s);
	buf_init(&b, 10);
	assert_int_equal(msg_render(&b, LOCALE_ZH, MSG_REPORT_OK, vars), -1);
	buf_free(&b);
}

/* Help lists each command of the table once, in the chat's language. */
static void
test_help(void **state)
{
	struct handler_env	 env = { .hotline = "0533-12345",
	    .utc_offset = 8 * 3600 };
	struct handler_ctx	 ctx;
	struct reply		 r = { 0 };
	const struct handler *const *h;

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	ctx.env = &env;
	ctx.locale = LOCALE_EN;
	handler_help(&ctx, &r);
	assert_int_equal(r.ntexts, 1);
	/* A resident sees the resident commands only, and in a chat not
	 * the SMS ones (退订, 订阅). */
	for (h = handler_table; *h != NULL; h++) {
		if ((*h)->min_role == ROLE_RESIDENT &&
		    !((*h)->flags & HANDLER_SMS))
			assert_non_null(strstr(r.texts[0],
			    msg_template(LOCALE_EN, (*h)->usage)));
		else
			assert_null(strstr(r.texts[0],
			    msg_template(LOCALE_EN, (*h)->usage)));
	}
	assert_non_null(strstr(r.texts[0], "0533-12345"));
	reply_clear(&r);
	/* By SMS they are listed too. */
	ctx.phone = "+8613800000001";
	handler_help(&ctx, &r);
	assert_non_null(strstr(r.texts[0], msg_template(LOCALE_EN,
	    MSG_USAGE_OPTOUT)));
	assert_non_null(strstr(r.texts[0], msg_template(LOCALE_EN,
	    MSG_USAGE_OPTIN)));
	reply_clear(&r);
	/* Staff see everything their role allows. */
	ctx.role = ROLE_ADMIN;
	handler_help(&ctx, &r);
	for (h = handler_table; *h != NULL; h++)
		assert_non_null(strstr(r.texts[0],
		    msg_template(LOCALE_EN, (*h)->usage)));
	reply_clear(&r);
}

/* Local dates follow the configured offset, not the machine's zone. */
static void
test_date(void **state)
{
	struct handler_env	 env = { .hotline = "x", .utc_offset = 8 * 3600 };
	struct handler_ctx	 ctx;
	char			 d[16];

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	ctx.env = &env;
	/* 2026-11-21 23:00 UTC is already the 22nd in China. */
	handler_date(&ctx, 1795302000, 1, d);	
	assert_string_equal(d, "20261122");
	handler_date(&ctx, 1795302000, 0, d);
	assert_string_equal(d, "2026-11-22");
}

/* Replies past the text slots are joined, not dropped. */
static void
test_reply_overflow(void **state)
{
	struct reply	 r = { 0 };
	int		 i;

	(void)state;
	for (i = 0; i < REPLY_TEXTS_MAX + 2; i++)
		reply_add(&r, "x");
	assert_int_equal(r.ntexts, REPLY_TEXTS_MAX);
	assert_string_equal(r.texts[REPLY_TEXTS_MAX - 1], "x\n\nx\n\nx");
	reply_clear(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_texts_complete),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_reply_overflow),
	};

	return cmocka_run_group_tests_name("handlers", tests, NULL, NULL);
}

/*
 * End-to-end tests of leads from group chatter: a group message with a
 * risk phrase becomes a lead of the group's area, its grid worker is told
 * (an outbox row to their private chat, without the sender), and the group
 * gets one warning a window that quotes neither the message nor its
 * sender; chatter without one is not answered and stores nothing.
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

static struct daemon	 d;

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, "[leads]\nwarn_minutes = 60\n");
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

/* Posts text from sender in chat (a group when it starts with "g-"). */
static struct http_result
say(const char *chat, const char *sender, const char *name, const char *text,
    const char *msgid)
{
	return e2e_say(&d, NULL, chat, sender, name, text, msgid);
}

/* A worker of the building's grid, bound, and the group attached. */
static void
test_setup_group(void **state)
{
	static const char *const add[] = { "staff", "add", "--name", "刘网格",
	    "--role", "grid_worker", "--area", "华光路社区/第3网格", NULL };
	struct http_result	 r;
	char			 out[1024], text[128], *p;

	(void)state;
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_non_null(p = strstr(out, "bind code: "));
	(void)snprintf(text, sizeof text, "绑定 %.12s", p + 11);
	r = say("u-liu", "u-liu", "刘网格", text, "l-1");
	assert_non_null(strstr(r.body, "绑定成功"));
	e2e_result_free(&r);
	r = say("g-b12", "u-liu", "刘网格", "绑定群 华光路社区/第3网格/12号楼 楼宇群",
	    "l-2");
	assert_non_null(strstr(r.body, "本群已关联"));
	e2e_result_free(&r);
}

/* Plain chatter: no answer, nothing stored. */
static void
test_chatter_ignored(void **state)
{
	struct http_result	 r;

	(void)state;
	r = say("g-b12", "u-zhang", "张大妈", "今天菜市场的白菜很便宜", "l-3");
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "温馨提示"));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM leads"), 0);
}

/* A risk phrase: a lead, the worker told, the group warned once. */
static void
test_lead(void **state)
{
	struct http_result	 r;
	char			 body[4096];

	(void)state;
	r = say("g-b12", "u-zhang", "张大妈", "有个养老项目保本保息，年化18%，大家"
	    "一起投", "l-4");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "温馨提示"));
	assert_null(strstr(r.body, "张大妈"));
	assert_null(strstr(r.body, "年化18%"));
	e2e_result_free(&r);
	/* A retry of the same message: one lead, no second warning. */
	r = say("g-b12", "u-zhang", "张大妈", "有个养老项目保本保息，年化18%，大家"
	    "一起投", "l-4");
	assert_null(strstr(r.body, "温馨提示"));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM leads l JOIN "
	    "areas a ON a.id = l.area_id WHERE a.path LIKE '%/12号楼'"), 1);
	/* The worker's notice names the group and the phrase, not who. */
	assert_int_equal(e2e_sql_text(&d, "SELECT o.body FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'u-liu' AND "
	    "o.body LIKE '%群聊风险提示%'", body, sizeof body), 0);
	assert_non_null(strstr(body, "12号楼"));
	assert_null(strstr(body, "张大妈"));
	assert_null(strstr(body, "u-zhang"));
	/* Another message within the window: a lead, no warning. */
	r = say("g-b12", "u-wang", "王大爷", "听说那个原始股稳赚不赔", "l-5");
	assert_null(strstr(r.body, "温馨提示"));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM leads"), 2);
	/* Nowhere is the sender kept. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM leads WHERE "
	    "body LIKE '%张大妈%' OR msg_key LIKE '%u-zhang%'"), 0);
}

/* The API lists the leads of a token's area only, and closes them. */
static void
test_api(void **state)
{
	static const char *const mine[] = { "token", "create", "--role",
	    "office", "--area", "车站街道", NULL };
	static const char *const other[] = { "token", "create", "--role",
	    "office", "--area", "科苑街道", NULL };
	struct http_result	 r;
	char			 tok[128], auth[160], path[64];
	const char		*hdr[] = { auth, "Content-Type: application/json",
				    NULL };
	long			 id;

	(void)state;
	assert_int_equal(e2e_cli(&d, other, tok, sizeof tok), 0);
	tok[strcspn(tok, "\n")] = '\0';
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
	r = e2e_request(&d, "GET", "/api/v1/leads", hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"items\":[]"));
	e2e_result_free(&r);
	id = e2e_sql_long(&d, "SELECT min(id) FROM leads");
	(void)snprintf(path, sizeof path, "/api/v1/leads/%ld/close", id);
	r = e2e_request(&d, "POST", path, hdr, "{}", 2);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);

	assert_int_equal(e2e_cli(&d, mine, tok, sizeof tok), 0);
	tok[strcspn(tok, "\n")] = '\0';
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
	r = e2e_request(&d, "GET", "/api/v1/leads", hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "保本保息"));
	assert_non_null(strstr(r.body, "g-b12"));
	assert_null(strstr(r.body, "张大妈"));
	e2e_result_free(&r);
	r = e2e_request(&d, "POST", path, hdr, "{}", 2);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/api/v1/leads", hdr, NULL, 0);
	assert_null(strstr(r.body, "保本保息"));
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/api/v1/leads?state=all", hdr, NULL, 0);
	assert_non_null(strstr(r.body, "\"closed\""));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'lead close' AND area_id IS NOT NULL"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_group),
		cmocka_unit_test(test_chatter_ignored),
		cmocka_unit_test(test_lead),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

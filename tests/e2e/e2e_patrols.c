/*
 * End-to-end tests of weekly patrols through the daemon, its clock moved
 * with FANGFEI_NOW: a grid worker's 巡查 and 巡查记录 in a private chat,
 * the coverage over the API (JSON and CSV) and the CLI, and the grid
 * chief told once after Friday 18:00, not again after a restart.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "e2e.h"
#include "e2e_stream.h"

static struct daemon	 d;
static char		 token[256], token_other[256];

/* Posts a private (or group) message from sender; returns the reply. */
static char *
say(const char *sender, const char *text, int group)
{
	struct http_result	 r = e2e_say(&d, NULL, group ? "g-1" : sender,
	    sender, NULL, text, NULL);

	assert_int_equal(r.status, 200);
	return r.body;
}

/* Adds a staff member bound from the private chat of user. */
static int
bind_staff(const char *name, const char *role, const char *area,
    const char *user)
{
	return e2e_bind_staff(&d, NULL, user, user, name, role, area) > 0 ?
	    0 : -1;
}

/* Makes an office token of area into out. */
static int
make_token(const char *area, char *out, size_t size)
{
	const char *const args[] = { "token", "create", "--role", "office",
	    "--area", area, NULL };
	char	 buf[256];

	if (e2e_cli(&d, args, buf, sizeof buf) != 0 ||
	    strncmp(buf, "ff_", 3) != 0)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	(void)snprintf(out, size, "%s", buf);
	return 0;
}

/* Grid workers 张网格 on 第3网格 (12号楼, 13号楼) and "=SUM(1)" on
 * 第4网格 (1号楼), the grid chief 王组长 of 华光路社区; Wednesday of
 * 2026-W24. */
static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	(void)setenv("FANGFEI_NOW", "2026-06-10T10:00:00+08:00", 1);
	e2e_prepare(&d, NULL);
	e2e_start(&d);
	if (bind_staff("张网格", "grid_worker", "华光路社区/第3网格",
	    "u-zhang") == -1 ||
	    bind_staff("=SUM(1)", "grid_worker", "华光路社区/第4网格",
	    "u-formula") == -1 ||
	    bind_staff("王组长", "grid_chief", "华光路社区", "u-wang") == -1 ||
	    make_token("张店区", token, sizeof token) == -1 ||
	    make_token("柳泉社区", token_other, sizeof token_other) == -1)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_stop(&d, SIGTERM);
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/* Messages queued to the private chat of user holding text. */
static long
to_chat(const char *user, const char *text)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = '%s' AND "
	    "o.body LIKE '%%%s%%'", user, text);
	return e2e_sql_long(&d, sql);
}

/* Waits until the SQL count reaches n; returns it. */
static long
wait_count(const char *sql, long n)
{
	int64_t	 end = now_ms() + WAIT_MS;
	long	 got;

	while ((got = e2e_sql_long(&d, sql)) < n && now_ms() < end)
		sleep_ms(50);
	return got;
}

/* 巡查 in a private chat; refused in a group, outside the worker's area,
 * for an area that is not a building, without a finding. */
static void
test_patrol(void **state)
{
	char	*r;

	(void)state;
	r = say("u-zhang", "巡查 12号楼 楼道张贴防非宣传海报，未发现异常", 0);
	assert_non_null(strstr(r, "已记录"));
	assert_non_null(strstr(r, "2026-W24"));
	assert_non_null(strstr(r, "2 栋楼已巡查 1 栋"));
	free(r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM patrols WHERE "
	    "week = '2026-W24' AND finding LIKE '楼道张贴%'"), 1);

	r = say("u-zhang", "巡查 12号楼 群里发的", 1);
	assert_non_null(strstr(r, "私聊"));
	free(r);
	r = say("u-zhang", "巡查 5号楼 不是我的楼", 0);
	assert_non_null(strstr(r, "不在您负责的区域"));
	free(r);
	r = say("u-zhang", "巡查 第3网格 网格不是楼栋", 0);
	assert_non_null(strstr(r, "不是楼栋"));
	free(r);
	r = say("u-zhang", "巡查 13号楼", 0);
	assert_non_null(strstr(r, "用法"));
	free(r);
	/* Only the one patrol was stored. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM patrols"), 1);

	r = say("u-zhang", "/patrols", 0);
	assert_non_null(strstr(r, "12号楼"));
	assert_non_null(strstr(r, "楼道张贴防非宣传海报"));
	assert_non_null(strstr(r, "尚未巡查的楼栋（1 栋，共 2 栋）：13号楼"));
	/* Every placeholder filled. */
	assert_null(strstr(r, "{when}"));
	assert_null(strstr(r, "{area}"));
	assert_null(strstr(r, "{n}"));
	free(r);
	r = say("u-formula", "巡查记录", 0);
	assert_non_null(strstr(r, "还没有巡查记录"));
	assert_non_null(strstr(r, "1号楼"));
	free(r);
}

/* The coverage over the API, as JSON and as CSV, and from the CLI. */
static void
test_coverage(void **state)
{
	const char *const list[] = { "patrol", "list", "--week", "2026-W24",
	    "--area", "华光路社区", NULL };
	const char *const bad[] = { "patrol", "list", "--week", "2027-W53",
	    NULL };
	char		 auth[320], out[4096];
	const char	*hdr[] = { auth, NULL };
	struct http_result r;
	json_t		*j, *g;

	(void)state;
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	r = e2e_request(&d, "GET", "/api/v1/patrols?week=2026-W24&area="
	    "%E5%8D%8E%E5%85%89%E8%B7%AF%E7%A4%BE%E5%8C%BA", hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(j = json_loadb(r.body, r.len, 0, NULL));
	e2e_result_free(&r);
	assert_string_equal(json_string_value(json_object_get(j, "week")),
	    "2026-W24");
	assert_int_equal(json_array_size(json_object_get(j, "grids")), 2);
	g = json_array_get(json_object_get(j, "grids"), 0);
	assert_string_equal(json_string_value(json_object_get(g, "grid")),
	    "张店区/车站街道/华光路社区/第3网格");
	assert_int_equal(json_integer_value(json_object_get(g, "buildings")),
	    2);
	assert_int_equal(json_integer_value(json_object_get(g, "patrolled")),
	    1);
	assert_int_equal(json_integer_value(json_object_get(g, "workers")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(g,
	    "missing"), 0)), "张店区/车站街道/华光路社区/第3网格/13号楼");
	assert_int_equal(json_array_size(json_object_get(g, "idle_workers")),
	    0);
	g = json_array_get(json_object_get(j, "grids"), 1);
	assert_int_equal(json_integer_value(json_object_get(g, "patrolled")),
	    0);
	assert_int_equal(json_array_size(json_object_get(g, "idle_workers")),
	    1);
	json_decref(j);

	/* The week before: nothing patrolled. */
	r = e2e_request(&d, "GET", "/api/v1/patrols?week=2026-W23", hdr, NULL,
	    0);
	assert_int_equal(r.status, 200);
	assert_non_null(j = json_loadb(r.body, r.len, 0, NULL));
	e2e_result_free(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "patrolled")),
	    0);
	assert_int_equal(json_array_size(json_object_get(j, "grids")), 5);
	json_decref(j);

	r = e2e_request(&d, "GET", "/api/v1/patrols?week=2026-W24&format=csv",
	    hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 3 && memcmp(r.body, "\xef\xbb\xbf", 3) == 0);
	assert_non_null(strstr(r.body, "\r\n2026-W24,张店区/车站街道/华光路社区/"
	    "第3网格,2,1,1,1,张店区/车站街道/华光路社区/第3网格/13号楼,\r\n"));
	/* A name a spreadsheet would run as a formula is neutralised. */
	assert_non_null(strstr(r.body, ",'=SUM(1)\r\n"));
	assert_null(strstr(r.body, ",=SUM"));
	e2e_result_free(&r);

	/* Bad week, an area outside the token's, another token's scope. */
	r = e2e_request(&d, "GET", "/api/v1/patrols?week=2026-24", hdr, NULL,
	    0);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s",
	    token_other);
	r = e2e_request(&d, "GET", "/api/v1/patrols?week=2026-W24&area="
	    "%E5%8D%8E%E5%85%89%E8%B7%AF%E7%A4%BE%E5%8C%BA", hdr, NULL, 0);
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/api/v1/patrols?week=2026-W24", hdr, NULL,
	    0);
	assert_int_equal(r.status, 200);
	assert_non_null(j = json_loadb(r.body, r.len, 0, NULL));
	e2e_result_free(&r);
	assert_int_equal(json_array_size(json_object_get(j, "grids")), 2);
	assert_null(strstr(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "grids"), 0), "grid")), "华光路"));
	json_decref(j);
	r = e2e_request(&d, "GET", "/api/v1/patrols", NULL, NULL, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);

	assert_int_equal(e2e_cli(&d, list, out, sizeof out), 0);
	assert_non_null(strstr(out, "张店区/车站街道/华光路社区/第3网格\t2\t1\t1\t"
	    "张店区/车站街道/华光路社区/第3网格/13号楼\t-\n"));
	assert_null(strstr(out, "柳泉"));
	assert_int_equal(e2e_cli(&d, bad, out, sizeof out), 2);
}

/* After Friday 18:00 the chief is told once; a restart tells nobody
 * again. */
static void
test_deadline(void **state)
{
	const char	*import[] = { "import", "areas", NULL, NULL };
	char		 path[512], out[1024];
	FILE		*f;

	(void)state;
	/* Nothing yet on Wednesday. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM "
	    "patrol_checks"), 0);
	e2e_stop(&d, SIGTERM);
	(void)setenv("FANGFEI_NOW", "2026-06-12T18:05:00+08:00", 1);
	e2e_start(&d);
	assert_int_equal(wait_count("SELECT count(*) FROM patrol_checks WHERE "
	    "week = '2026-W24'", 5), 5);
	assert_int_equal(to_chat("u-wang", "巡查提醒"), 1);
	assert_int_equal(to_chat("u-wang", "13号楼"), 1);
	assert_int_equal(to_chat("u-wang", "第4网格"), 1);
	assert_int_equal(to_chat("u-wang", "=SUM(1)"), 1);
	assert_int_equal(to_chat("u-zhang", "巡查提醒"), 0);
	e2e_stop(&d, SIGTERM);

	/* A new grid, so that the restarted daemon's check shows it ran. */
	(void)snprintf(path, sizeof path, "%s/more.csv", d.dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("path,households,liaison,phone\n"
	    "张店区/车站街道/华光路社区/第9网格/9号楼,10,,\n", f);
	fclose(f);
	import[2] = path;
	assert_int_equal(e2e_cli(&d, import, out, sizeof out), 0);
	(void)setenv("FANGFEI_NOW", "2026-06-13T09:00:00+08:00", 1);
	e2e_start(&d);
	assert_int_equal(wait_count("SELECT count(*) FROM patrol_checks WHERE "
	    "week = '2026-W24'", 6), 6);
	assert_int_equal(to_chat("u-wang", "巡查提醒"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patrol),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_deadline),
	};

	return cmocka_run_group_tests_name("e2e_patrols", tests, group_setup,
	    group_teardown);
}

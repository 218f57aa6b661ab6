/*
 * End-to-end tests of 统计 / /stats through the daemon, its clock moved
 * with FANGFEI_NOW to a Wednesday of 2026-W24: the figures of a grid
 * chief's community, of the district's office (with the tips of no known
 * area), of another street's office (none of them) and of a grid within
 * the community, the month's tips by state, the open and overdue ones, the
 * week's patrols, the month's warning and what became of it, and a
 * letter's reach; refused in a group, to a resident, outside the sender's
 * area; in English on the English channel; listed in the staff's help.
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

/* Posts a message on channel (a private chat of sender, or the group
 * g-1); returns the reply's texts, one string. */
static char *
say(const char *channel, const char *sender, const char *text, int group)
{
	struct http_result	 r = e2e_say(&d, channel, group ? "g-1" : sender,
	    sender, NULL, text, NULL);

	assert_int_equal(r.status, 200);
	return r.body;
}

/* Adds a staff member bound from the private chat of user on channel. */
static int
bind_staff(const char *name, const char *role, const char *area,
    const char *channel, const char *user)
{
	return e2e_bind_staff(&d, channel, user, user, name, role, area) > 0 ?
	    0 : -1;
}

/* Runs sql on the daemon's database. */
static void
sql(const char *q)
{
	assert_int_equal(e2e_sql_exec(&d, q), 0);
}

/* Waits until the count of q reaches n; returns it. */
static long
wait_count(const char *q, long n)
{
	int64_t	 end = now_ms() + WAIT_MS;
	long	 got;

	while ((got = e2e_sql_long(&d, q)) < n && now_ms() < end)
		sleep_ms(50);
	return got;
}

/* Asserts that reply holds want, printing the reply when it does not. */
static void
holds(const char *reply, const char *want)
{
	if (strstr(reply, want) == NULL)
		fail_msg("\"%s\" not in the reply:\n%s", want, reply);
}

/* Asserts that reply does not hold what. */
static void
lacks(const char *reply, const char *what)
{
	if (strstr(reply, what) != NULL)
		fail_msg("\"%s\" in the reply:\n%s", what, reply);
}

/* The overdue tip's count of escalations. */
static long
escalations(void)
{
	return e2e_sql_long(&d, "SELECT escalations FROM tips WHERE body "
	    "LIKE '丙%'");
}

/*
 * Asks for the figures (say() in a private chat) with last month's tip
 * past its deadline. The daemon's minute job escalates it, which moves
 * its deadline on, a minute of real time after the daemon started: a run
 * slow enough (a sanitizer's, on a loaded machine) crosses it. Its
 * deadline is put back first, and when an escalation came while asking,
 * the figures are asked for again: the next one is a minute away.
 */
static char *
ask(const char *channel, const char *sender, const char *text)
{
	long	 before;
	char	*r;
	int	 i;

	for (i = 0;; i++) {
		before = escalations();
		sql("UPDATE tips SET due_at = 1 WHERE body LIKE '丙%'");
		r = say(channel, sender, text, 0);
		if (escalations() == before || i == 1)
			return r;
		free(r);
	}
}

/* Says which step of the set-up failed; returns -1. */
static int
setup_failed(const char *what)
{
	fprintf(stderr, "e2e_stats: set-up: %s\n", what);
	return -1;
}

/*
 * The district's office 李主任 (on the English channel), 王组长 the grid
 * chief of 华光路社区, 张网格 on its 第3网格 (12号楼, 13号楼), 孙主任 the
 * office of 科苑街道; four tips: two of this month in 华光路社区 (one
 * received, one being verified), one of last month there being disposed
 * and past its deadline, and one of no known area. A patrol of 12号楼, a
 * warning to 华光路社区 (its one group, on a channel with no outbound
 * URL: it fails), and a letter with one scan in 12号楼.
 */
static int
group_setup(void **state)
{
	static const char *const add[] = { "letter", "add", "--title",
	    "致广大居民的一封公开信", "--issuer", "张店区处非办", "--date",
	    "2026-06-01", "--area", "张店区", "data/demo/letter.md", NULL };
	static const char *const codes[] = { "letter", "codes", "--id", "1",
	    "--area", "车站街道", "--place", "电梯厅", NULL };
	static const char *const ua[] = {
		"User-Agent: Mozilla/5.0 (iPhone) MicroMessenger/8.0.50",
		"Cookie: ffd=0123456789abcdef", NULL
	};
	struct http_result	 r;
	char			 out[4096], code[32], path[64], *p;

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	(void)setenv("FANGFEI_NOW", "2026-06-10T10:00:10+08:00", 1);
	e2e_prepare(&d, NULL);
	e2e_start(&d);
	if (bind_staff("李主任", "office", "张店区", "en", "u-li") == -1 ||
	    bind_staff("王组长", "grid_chief", "华光路社区", "demo",
	    "u-wang") == -1 ||
	    bind_staff("张网格", "grid_worker", "华光路社区/第3网格", "demo",
	    "u-zhang") == -1 ||
	    bind_staff("孙主任", "office", "科苑街道", "demo", "u-sun") == -1)
		return setup_failed("binding the staff");
	free(say("demo", "u-r1", "举报 甲 小区门口推销保本理财", 0));
	free(say("demo", "u-r2", "举报 乙 有人拉群讲高息项目", 0));
	free(say("demo", "u-r3", "举报 丙 上月的线索", 0));
	free(say("en", "u-r4", "report 丁 no area known here", 0));
	if (e2e_sql_long(&d, "SELECT count(*) FROM tips") != 4)
		return setup_failed("four tips");
	sql("UPDATE tips SET state = 'received', due_at = NULL WHERE body "
	    "LIKE '乙%' OR body LIKE '丁%'");
	sql("UPDATE tips SET state = 'verifying', due_at = NULL WHERE body "
	    "LIKE '甲%'");
	/* Last month's, overdue (ask() keeps it so). */
	sql("UPDATE tips SET state = 'disposing', due_at = 1, created_at = "
	    "created_at - 40 * 86400 WHERE body LIKE '丙%'");

	p = say("demo", "u-zhang", "巡查 12号楼 张贴海报，未发现异常", 0);
	holds(p, "已记录");
	free(p);
	p = say("demo", "u-wang", "绑定群 华光路社区/第3网格/12号楼 楼宇群", 1);
	holds(p, "本群已关联到");
	free(p);
	p = say("demo", "u-wang", "预警 华光路社区 谨防高息理财", 0);
	holds(p, "将发送至 1 个群");
	free(p);
	/* The demo channel has no outbound_url: the row fails. */
	if (wait_count("SELECT count(*) FROM outbox o JOIN groups g ON g.id ="
	    " o.group_id WHERE g.chat_id = 'g-1' AND o.state = 'dead'", 1) != 1)
		return setup_failed("the warning's failed row");

	if (e2e_cli(&d, add, out, sizeof out) != 0 ||
	    e2e_cli(&d, codes, out, sizeof out) != 0 ||
	    e2e_sql_text(&d, "SELECT code FROM letter_codes WHERE label = "
	    "'华光路社区 12号楼 电梯厅'", code, sizeof code) != 0)
		return setup_failed("the letter and its codes");
	(void)snprintf(path, sizeof path, "/l/%s", code);
	r = e2e_request(&d, "GET", path, ua, NULL, 0);
	e2e_result_free(&r);
	if (r.status != 200)
		return setup_failed("the scan's page");
	if (wait_count("SELECT count(*) FROM scans", 1) != 1)
		return setup_failed("the scan's row");
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

/* The grid chief's community: this month's two, the three open, the
 * overdue one; the grid's patrol; the failed warning; the scan. */
static void
test_community(void **state)
{
	char	*r;

	(void)state;
	r = ask("demo", "u-wang", "统计");
	holds(r, "张店区/车站街道/华光路社区 2026-06 统计：");
	holds(r, "本月新线索 2 条：待分派 1，核查中 1");
	holds(r, "在办线索 3 条，其中逾期 1 条。");
	holds(r, "本周（2026-W24）巡查 1/");
	holds(r, "本月预警 1 次：送达 0，待发 0，失败 1。");
	holds(r, "公开信《致广大居民的一封公开信》：1 台设备扫码 1 次，覆盖 ");
	holds(r, " 户中的 0.");
	holds(r, "工作台");
	/* The tip of no known area is the district office's alone. */
	lacks(r, "待分派 2");
	free(r);
	/* The same with the area typed, and a grid within it. */
	r = ask("demo", "u-wang", "统计 华光路社区");
	holds(r, "本月新线索 2 条：待分派 1，核查中 1");
	free(r);
	r = ask("demo", "u-wang", "统计 第3网格");
	holds(r, "张店区/车站街道/华光路社区/第3网格 2026-06 统计：");
	holds(r, "本月暂无新线索。");
	holds(r, "在办线索 0 条，其中逾期 0 条。");
	holds(r, "本周（2026-W24）巡查 1/2 栋楼（50%）。");
	/* The warning went to 华光路社区, above the grid. */
	holds(r, "本月没有发布预警。");
	holds(r, "1 台设备扫码 1 次");
	free(r);
}

/* The district office, in English: the tip of no known area counts. */
static void
test_district(void **state)
{
	char	*r;

	(void)state;
	r = ask("en", "u-li", "/stats");
	holds(r, "张店区, 2026-06:");
	holds(r, "New tips this month: 3 (2 received, 1 verifying)");
	holds(r, "Open tips: 4, of which 1 overdue.");
	holds(r, "Warnings this month: 1; delivered 0, waiting 0, failed 1.");
	holds(r, "Letter “致广大居民的一封公开信”: devices 1, scans 1, "
	    "households ");
	lacks(r, "统计");
	free(r);
}

/* Another street's office sees none of it; the letter has no code there. */
static void
test_other_street(void **state)
{
	char	*r;

	(void)state;
	r = ask("demo", "u-sun", "统计");
	holds(r, "张店区/科苑街道 2026-06 统计：");
	holds(r, "本月暂无新线索。");
	holds(r, "在办线索 0 条，其中逾期 0 条。");
	holds(r, "本月没有发布预警。");
	holds(r, "在本区域没有二维码");
	lacks(r, "扫码");
	free(r);
	/* Nor may it ask for the community. */
	r = say("demo", "u-sun", "统计 华光路社区", 0);
	holds(r, "不在您负责的区域");
	lacks(r, "本月新线索");
	free(r);
}

/* Refused in a group and to a resident; in the staff's help only. */
static void
test_refused(void **state)
{
	char	*r;

	(void)state;
	r = say("demo", "u-wang", "统计", 1);
	holds(r, "私聊");
	lacks(r, "本月新线索");
	free(r);
	r = say("demo", "u-r1", "统计", 0);
	holds(r, "仅限已绑定的工作人员");
	lacks(r, "本月新线索");
	free(r);
	r = say("demo", "u-wang", "统计 没有这个地方", 0);
	lacks(r, "本月新线索");
	free(r);
	r = say("demo", "u-wang", "帮助", 0);
	holds(r, "统计 [区域]");
	free(r);
	r = say("demo", "u-r1", "帮助", 0);
	lacks(r, "统计 [区域]");
	free(r);
}

/*
 * An area with more children than a screen's table: 70 communities under
 * 科苑街道, and 乙 moved to the last of them by path. The figures count
 * every tip under the area, not only those of the first children.
 * Last: the tips of the other tests' figures move.
 */
static void
test_many_children(void **state)
{
	char	*r;

	(void)state;
	sql("WITH RECURSIVE c(x) AS (SELECT 101 UNION ALL SELECT x + 1 FROM c"
	    " WHERE x < 170) INSERT INTO areas (parent_id, name, level, path)"
	    " SELECT r.id, '楼' || c.x, 3, r.path || '/楼' || c.x FROM areas r,"
	    " c WHERE r.path = '张店区/科苑街道'");
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM areas a JOIN "
	    "areas r ON r.id = a.parent_id WHERE r.path = '张店区/科苑街道'"),
	    71);
	sql("UPDATE tips SET area_id = (SELECT id FROM areas WHERE path = "
	    "'张店区/科苑街道/楼170') WHERE body LIKE '乙%'");
	r = ask("demo", "u-sun", "统计");
	holds(r, "本月新线索 1 条：待分派 1");
	holds(r, "在办线索 1 条，其中逾期 0 条。");
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_community),
		cmocka_unit_test(test_district),
		cmocka_unit_test(test_other_street),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_many_children),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * End-to-end tests of reminders by the daemon's clock: FANGFEI_NOW starts
 * it just before a reminder's time, the reminder reaches the staff of its
 * audience through the outbox once; killed with SIGKILL in the due minute
 * at various moments and started again, it still goes out exactly once;
 * quiet hours hold one until morning.
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

#include "e2e.h"
#include "e2e_stream.h"

static struct daemon	 d;

static int
group_setup(void **state)
{
	static const char *const add[] = { "staff", "add", "--name", "刘网格",
	    "--role", "grid_worker", "--area", "华光路社区/第3网格", NULL };
	static const char *const hdr[] = {
		"Content-Type: application/json", NULL
	};
	struct http_result	 r;
	char			 out[1024], body[512], *p;

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	e2e_start(&d);
	/* A grid worker, bound from a private chat. */
	if (e2e_cli(&d, add, out, sizeof out) != 0 ||
	    (p = strstr(out, "bind code: ")) == NULL)
		return -1;
	(void)snprintf(body, sizeof body, "{\"chat_id\":\"u-liu\",\"chat_type\":"
	    "\"private\",\"sender_id\":\"u-liu\",\"text\":\"绑定 %.12s\","
	    "\"message_id\":\"b-1\"}", p + 11);
	r = e2e_request(&d, "POST", "/hook/demo", hdr, body, strlen(body));
	if (r.body == NULL || strstr(r.body, "绑定成功") == NULL)
		return -1;
	e2e_result_free(&r);
	e2e_stop(&d, SIGTERM);
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

/* Outbox rows to the worker's chat holding text. */
static long
to_worker(const char *text)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'u-liu' AND "
	    "o.body LIKE '%%%s%%'", text);
	return e2e_sql_long(&d, sql);
}

/* Waits until the worker has n rows holding text; returns the count. */
static long
wait_worker(const char *text, long n)
{
	int64_t	 end = now_ms() + WAIT_MS;
	long	 got;

	while ((got = to_worker(text)) < n && now_ms() < end)
		sleep_ms(50);
	return got;
}

/* A reminder added "at" 08:59:50 for 09:00 daily fires once, by the
 * daemon's moved clock. */
static void
test_fires(void **state)
{
	static const char *const add[] = { "reminder", "add", "--area",
	    "华光路社区", "--roles", "grid_worker", "--rrule",
	    "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0", "--title", "晨报",
	    "晨间提醒：请查看今日线索。", NULL };
	char	 out[512];

	(void)state;
	(void)setenv("FANGFEI_NOW", "2026-06-15T08:59:57+08:00", 1);
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_non_null(strstr(out, "2026-06-15 09:00"));
	e2e_start(&d);
	assert_int_equal(wait_worker("晨间提醒", 1), 1);
	/* Stopped, it can add nothing more: the count is final. */
	e2e_stop(&d, SIGTERM);
	assert_int_equal(to_worker("晨间提醒"), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM "
	    "reminder_firings WHERE state = 'sent'"), 1);
}

/* Killed in the due minute, at different moments, and started again:
 * each day's reminder is sent exactly once. */
static void
test_kill(void **state)
{
	static const char *const delays[] = { "0", "30", "150", "600" };
	char	 now[64], text[64];
	int	 day, i;

	(void)state;
	for (day = 16, i = 0; i < 4; day++, i++) {
		(void)snprintf(now, sizeof now, "2026-06-%02dT09:00:05+08:00",
		    day);
		(void)setenv("FANGFEI_NOW", now, 1);
		e2e_start(&d);
		/* The kill lands before, during or after the firing: each
		 * moment must end the same. */
		sleep_ms(atoi(delays[i]));
		assert_int_equal(e2e_stop(&d, SIGKILL), 128 + SIGKILL);
		(void)snprintf(now, sizeof now, "2026-06-%02dT09:00:20+08:00",
		    day);
		(void)setenv("FANGFEI_NOW", now, 1);
		e2e_start(&d);
		(void)snprintf(text, sizeof text, "晨间提醒");
		assert_int_equal(wait_worker(text, 2 + i), 2 + i);
		e2e_stop(&d, SIGTERM);
		assert_int_equal(to_worker(text), 2 + i);
	}
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM "
	    "reminder_firings WHERE state = 'sent'"), 5);
}

/* Down for two days: the missed days are skipped (logged), today's is
 * sent once within its catch-up age. */
static void
test_catch_up(void **state)
{
	(void)state;
	(void)setenv("FANGFEI_NOW", "2026-06-22T10:00:00+08:00", 1);
	e2e_start(&d);
	assert_int_equal(wait_worker("晨间提醒", 6), 6);
	e2e_stop(&d, SIGTERM);
	assert_int_equal(to_worker("晨间提醒"), 6);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM "
	    "reminder_firings WHERE state = 'skipped'"), 2);
	(void)unsetenv("FANGFEI_NOW");
}

/* The publicity calendar installs once, its days in the zone's local
 * time, and stays editable (paused like any other). */
static void
test_calendar(void **state)
{
	static const char *const inst[] = { "reminder", "calendar", "install",
	    "--area", "车站街道", NULL };
	char	 out[4096], id[32];
	const char *pause[] = { "reminder", "pause", "--id", id, NULL };

	(void)state;
	(void)setenv("FANGFEI_NOW", "2026-06-01T00:00:00+08:00", 1);
	assert_int_equal(e2e_cli(&d, inst, out, sizeof out), 0);
	assert_non_null(strstr(out, "防范非法集资集中宣传日\t下次 next 2026-06-15 "
	    "09:00"));
	assert_non_null(strstr(out, "防范非法集资宣传月\t下次 next 2026-06-01 "
	    "09:00"));
	assert_non_null(strstr(out, "每周巡查提醒\t下次 next 2026-06-01 08:30"));
	assert_non_null(strstr(out, "8 条新提醒"));
	assert_int_equal(e2e_cli(&d, inst, out, sizeof out), 0);
	assert_non_null(strstr(out, "0 条新提醒"));
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM reminders "
	    "WHERE calendar = 'publicity'"), 7);
	(void)snprintf(id, sizeof id, "%ld", e2e_sql_long(&d, "SELECT id FROM "
	    "reminders WHERE calendar = 'patrol'"));
	assert_int_equal(e2e_cli(&d, pause, out, sizeof out), 0);
	assert_non_null(strstr(out, "已暂停"));
	(void)unsetenv("FANGFEI_NOW");
}

/* An area's own quiet hours; a time that is none is refused. */
static void
test_quiet_cli(void **state)
{
	static const char *const set[] = { "reminder", "quiet", "--area",
	    "华光路社区", "--from", "21:30", "--to", "07:00", NULL };
	static const char *const bad[] = { "reminder", "quiet", "--area",
	    "华光路社区", "--from", "24:10", "--to", "07:00", NULL };
	char	 out[512];

	(void)state;
	assert_int_equal(e2e_cli(&d, set, out, sizeof out), 0);
	assert_int_equal(e2e_sql_long(&d, "SELECT start_minute * 10000 + "
	    "end_minute FROM quiet_hours q JOIN areas a ON a.id = q.area_id "
	    "WHERE a.path LIKE '%华光路社区'"), 1290 * 10000 + 420);
	assert_int_equal(e2e_cli(&d, bad, out, sizeof out), 2);
}

/* A text of messages/ instead of one's own; a name that is none. */
static void
test_template(void **state)
{
	static const char *const add[] = { "reminder", "add", "--area",
	    "车站街道", "--kinds", "building", "--rrule",
	    "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15;BYHOUR=10", "--template",
	    "publicity_day", NULL };
	static const char *const bad[] = { "reminder", "add", "--area",
	    "车站街道", "--kinds", "building", "--rrule", "FREQ=DAILY",
	    "--template", "holiday", NULL };
	char	 out[512], body[2048];

	(void)state;
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_int_equal(e2e_sql_text(&d, "SELECT title || '|' || body FROM "
	    "reminders ORDER BY id DESC LIMIT 1", body, sizeof body), 0);
	assert_non_null(strstr(body, "防范非法集资集中宣传日|"));
	assert_non_null(strstr(body, "0533-12345"));	/* the hotline */
	assert_int_equal(e2e_cli(&d, bad, out, sizeof out), 2);
}

/*
 * A reminder the CLI adds while the daemon sleeps its longest (nothing
 * due within the minute) fires at its time: the scheduler looks at the
 * next due time every few seconds, not only at its minute's turn.
 */
static void
test_added_while_running(void **state)
{
	static const char *const add[] = { "reminder", "add", "--area",
	    "华光路社区", "--roles", "grid_worker", "--rrule",
	    "FREQ=DAILY;BYHOUR=12;BYMINUTE=0;BYSECOND=0", "--title", "午报",
	    "午间提醒：请完成今日巡查。", NULL };
	char	 out[512];
	int64_t	 t0;

	(void)state;
	(void)setenv("FANGFEI_NOW", "2026-06-24T11:59:55+08:00", 1);
	e2e_start(&d);
	/* The daemon's clock and the CLI's agree to a second. */
	(void)setenv("FANGFEI_NOW", "2026-06-24T11:59:56+08:00", 1);
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_non_null(strstr(out, "2026-06-24 12:00"));
	t0 = now_ms();
	/* Due in about 4 s; the next turn would have been 60 s away. */
	if (wait_worker("午间提醒", 1) != 1)
		fail_msg("a reminder due 4 s after it was added did not fire "
		    "within %d ms", WAIT_MS);
	print_message("fired %lld ms after it was added\n",
	    (long long)(now_ms() - t0));
	e2e_stop(&d, SIGTERM);
	assert_int_equal(to_worker("午间提醒"), 1);
	(void)unsetenv("FANGFEI_NOW");
}

/*
 * A lunar reminder whose next time an older fangfei stored on ICU's day
 * (the 2027 Spring Festival on 7 February) is mended when the daemon
 * starts, and fires on the Chinese calendar's day, the 6th, once.
 */
static void
test_lunar_upgrade(void **state)
{
	static const char *const add[] = { "reminder", "add", "--area",
	    "华光路社区", "--roles", "grid_worker", "--rrule",
	    "FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;BYMONTHDAY=1;BYHOUR=9;"
	    "BYMINUTE=0;BYSECOND=0", "--title", "春节",
	    "春节期间谨防非法集资。", NULL };
	char	 out[512];

	(void)state;
	(void)setenv("FANGFEI_NOW", "2027-02-06T08:59:57+08:00", 1);
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_non_null(strstr(out, "2027-02-06 09:00"));
	/* 2027-02-07 09:00 in Beijing, as the older one reckoned it. */
	assert_int_equal(e2e_sql_exec(&d, "UPDATE reminders SET next_at = "
	    "1801962000 WHERE title = '春节'"), 0);
	e2e_start(&d);
	assert_int_equal(wait_worker("谨防非法集资", 1), 1);
	e2e_stop(&d, SIGTERM);
	assert_int_equal(to_worker("谨防非法集资"), 1);
	/* 2027-02-06 09:00 there. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM "
	    "reminder_firings f JOIN reminders r ON r.id = f.reminder_id "
	    "WHERE r.title = '春节' AND f.state = 'sent' AND f.due_at = "
	    "1801875600"), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT next_at FROM reminders "
	    "WHERE title = '春节'"), 1801875600 + 354 * 86400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fires),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_catch_up),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_quiet_cli),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_added_while_running),
		cmocka_unit_test(test_lunar_upgrade),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * Calendar feeds: a staff member's feed parsed back with libical holds
 * the reminders of their audience and the publicity calendar of their
 * area (and nothing else), each with its RRULE and its DTSTART in
 * Asia/Shanghai, a VTIMEZONE that libical can count times with, and the
 * same times the daemon fires at; feed secrets are checked by hash and
 * stay revoked.
 */
#include "testutil.h"
#include "teststore.h"
#include <libical/ical.h>

#include "bot/ics.h"
#include "bot/remind.h"
#include "bot/rrule.h"
#include "storage/areas.h"
#include "storage/icsfeeds.h"
#include "storage/reminders.h"
#include "storage/staff.h"

static const uint8_t key[STORE_KEY_LEN] = { 9, 9, 9 };

struct fixture {
	struct store	*s;
	char		*dir;
	int64_t		 worker;	/* grid worker of 华光路社区/第3网格 */
};

/* The instant of a Shanghai wall-clock time. */
static time_t
sh(int y, int mo, int d, int h, int mi)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm) - 8 * 3600;
}

/* Runs one SQL statement on the test's database, either engine. */
static void
exec_sql(struct fixture *fx, const char *sql)
{
	teststore_exec(fx->s, sql);
}

/* The first column of the first row of a query, either engine. */
static long
count_sql(struct fixture *fx, const char *sql)
{
	return (long)teststore_int(fx->s, sql);
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);
	int64_t		 grid;

	fx->s = teststore_open(key, &fx->dir);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格", &grid),
	    STORE_OK);
	assert_int_equal(staff_add(fx->s, "刘网格", "grid_worker", grid, NULL,
	    sh(2026, 1, 1, 9, 0), &fx->worker), STORE_OK);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Adds a reminder of area (a path) for roles and kinds; returns its id. */
static int64_t
add(struct fixture *fx, const char *title, const char *area,
    const char *roles, const char *kinds, const char *rule,
    const char *calendar)
{
	struct reminder	 r;
	int64_t		 id;

	memset(&r, 0, sizeof r);
	r.title = (char *)(uintptr_t)title;
	r.body = (char *)(uintptr_t)"请按时完成：楼栋巡查，记录情况。";
	assert_int_equal(areas_find(fx->s, area, &r.area_id), STORE_OK);
	(void)snprintf(r.roles, sizeof r.roles, "%s", roles);
	(void)snprintf(r.kinds, sizeof r.kinds, "%s", kinds);
	(void)snprintf(r.rrule, sizeof r.rrule, "%s", rule);
	(void)snprintf(r.tz, sizeof r.tz, "%s", RRULE_TZ);
	(void)snprintf(r.calendar, sizeof r.calendar, "%s", calendar);
	(void)snprintf(r.created_by, sizeof r.created_by, "test");
	r.dtstart = sh(2026, 1, 5, 9, 0);
	r.catchup_seconds = 6 * 3600;
	r.next_at = remind_next(&r, r.dtstart - 1);
	assert_true(r.next_at != 0);
	assert_int_equal(reminders_add(fx->s, &r, r.dtstart, &id), STORE_OK);
	return id;
}

/* The feed of the worker, parsed back; the caller frees it. */
static icalcomponent *
feed(struct fixture *fx, char **text)
{
	enum store_status	 st;
	icalcomponent		*cal;

	*text = ics_feed(fx->s, fx->worker, sh(2026, 3, 1, 10, 0),
	    "ff.example.org", &st);
	assert_non_null(*text);
	assert_int_equal(st, STORE_OK);
	cal = icalparser_parse_string(*text);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
	return cal;
}

/* The VEVENT of a title, NULL when the feed has none. */
static icalcomponent *
event(icalcomponent *cal, const char *title)
{
	icalcomponent	*ev;

	for (ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (strcmp(icalcomponent_get_summary(ev), title) == 0)
			return ev;
	return NULL;
}

/* The feed holds the audience's reminders and the publicity calendar of
 * the area, not the others. */
static void
test_audience(void **state)
{
	struct fixture	*fx = *state;
	icalcomponent	*cal;
	char		*text, uid[64];
	int64_t		 above, paused, gone;
	int		 n = 0;

	above = add(fx, "社区周一巡查", "华光路社区", "grid_worker", "",
	    "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "");
	(void)add(fx, "楼栋月检", "华光路社区/第3网格/12号楼",
	    "grid_chief,grid_worker", "", "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;"
	    "BYMINUTE=0", "");
	(void)add(fx, "网格长例会", "华光路社区", "grid_chief", "",
	    "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0", "");
	(void)add(fx, "共青团路巡查", "共青团路社区", "grid_worker", "",
	    "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "");
	(void)add(fx, "宣传日", "张店区", "", "building",
	    "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0",
	    "publicity");
	(void)add(fx, "柳泉宣传日", "柳泉社区", "", "building",
	    "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0",
	    "publicity");
	(void)add(fx, "群里的通知", "张店区", "", "building",
	    "FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0", "");
	paused = add(fx, "已暂停", "华光路社区", "grid_worker", "",
	    "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "");
	assert_int_equal(reminders_pause(fx->s, paused, 0, 1, 0), STORE_OK);
	gone = add(fx, "已删除", "华光路社区", "grid_worker", "",
	    "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "");
	assert_int_equal(reminders_delete(fx->s, gone, 0, 1), STORE_OK);

	cal = feed(fx, &text);
	assert_non_null(strstr(text, "BEGIN:VCALENDAR"));
	assert_non_null(strstr(text, "VERSION:2.0"));
	assert_non_null(strstr(text, "X-WR-CALNAME:防非提醒 Fangfei "
	    "reminders"));
	for (icalcomponent *ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		n++;
	assert_int_equal(n, 3);
	assert_non_null(event(cal, "社区周一巡查"));
	assert_non_null(event(cal, "楼栋月检"));
	assert_non_null(event(cal, "宣传日"));
	assert_null(event(cal, "网格长例会"));
	assert_null(event(cal, "柳泉宣传日"));
	assert_null(event(cal, "群里的通知"));
	assert_null(event(cal, "已暂停"));
	assert_null(event(cal, "已删除"));
	/* UID stable per reminder: the same in the next feed. */
	(void)snprintf(uid, sizeof uid, "reminder-%lld@ff.example.org",
	    (long long)above);
	assert_string_equal(icalcomponent_get_uid(event(cal, "社区周一巡查")),
	    uid);
	assert_string_equal(icalcomponent_get_description(event(cal,
	    "社区周一巡查")), "请按时完成：楼栋巡查，记录情况。");
	assert_non_null(icalcomponent_get_first_property(event(cal, "宣传日"),
	    ICAL_DTSTAMP_PROPERTY));
	icalcomponent_free(cal);
	free(text);
	cal = feed(fx, &text);
	assert_string_equal(icalcomponent_get_uid(event(cal, "社区周一巡查")),
	    uid);
	icalcomponent_free(cal);
	free(text);
}

/*
 * An event's DTSTART is its first time in Asia/Shanghai, named by a TZID whose
 * VTIMEZONE is in the feed; its RRULE reads back as written, month ends
 * (BYMONTHDAY=-1) too; and libical counting the feed's own rule in the
 * feed's own zone finds the times the daemon fires at.
 */
static void
test_round_trip(void **state)
{
	static const char rule[] =
	    "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=30";
	struct fixture			*fx = *state;
	struct reminder			 r;
	struct icalrecurrencetype	 rr;
	struct icaltimetype		 start, t;
	icalcomponent			*cal, *ev, *vtz;
	icalproperty			*p;
	icalparameter			*tzid;
	icalrecur_iterator		*it;
	icaltimezone			*zone;
	time_t				 want[14];
	char				*text;
	int64_t				 id;
	int				 i, n;

	id = add(fx, "月底汇总", "华光路社区/第3网格", "grid_worker", "",
	    rule, "");
	cal = feed(fx, &text);
	assert_non_null(strstr(text, "TZID=Asia/Shanghai"));
	vtz = icalcomponent_get_first_component(cal,
	    ICAL_VTIMEZONE_COMPONENT);
	assert_non_null(vtz);
	assert_string_equal(icalproperty_get_tzid(
	    icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)),
	    "Asia/Shanghai");
	assert_null(icalcomponent_get_next_component(cal,
	    ICAL_VTIMEZONE_COMPONENT));
	ev = event(cal, "月底汇总");
	assert_non_null(ev);
	p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
	tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	assert_non_null(tzid);
	assert_string_equal(icalparameter_get_tzid(tzid), "Asia/Shanghai");
	start = icalproperty_get_dtstart(p);
	assert_int_equal(start.year, 2026);
	/* The first time it fires, not the start it was given (5 January,
	 * 09:00), which the rule does not produce. */
	assert_int_equal(start.month, 1);
	assert_int_equal(start.day, 31);
	assert_int_equal(start.hour, 18);
	assert_int_equal(start.minute, 30);
	assert_false(icaltime_is_utc(start));

	p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
	assert_non_null(p);
	rr = icalproperty_get_rrule(p);
	assert_int_equal(rr.freq, ICAL_MONTHLY_RECURRENCE);
	assert_int_equal(rr.by_month_day[0], -1);
	assert_int_equal(rr.by_month_day[1], ICAL_RECURRENCE_ARRAY_MAX);
	assert_int_equal(rr.by_hour[0], 18);
	assert_int_equal(rr.by_minute[0], 30);

	/* The zone as the feed describes it, not libical's built-in one. */
	zone = icalcomponent_get_timezone(cal, "Asia/Shanghai");
	assert_non_null(zone);
	assert_int_equal(reminders_get(fx->s, id, 0, &r), STORE_OK);
	n = rrule_next(r.rrule, r.tz, r.dtstart, r.dtstart - 1, want, 14);
	assert_int_equal(n, 14);
	it = icalrecur_iterator_new(rr, start);
	assert_non_null(it);
	for (i = 0; i < n; i++) {
		t = icalrecur_iterator_next(it);
		assert_false(icaltime_is_null_time(t));
		assert_int_equal((long long)icaltime_as_timet_with_zone(t,
		    zone), (long long)want[i]);
	}
	icalrecur_iterator_free(it);
	/* Month ends: 31 Jan, 28 Feb 2026, 29 Feb 2028 at 18:30 there. */
	assert_int_equal((long long)want[0], (long long)sh(2026, 1, 31, 18,
	    30));
	assert_int_equal((long long)want[1], (long long)sh(2026, 2, 28, 18,
	    30));
	assert_int_equal((long long)want[13], (long long)sh(2027, 2, 28, 18,
	    30));
	reminder_clear(&r);
	icalcomponent_free(cal);
	free(text);
}

/* The events of a title. */
static int
events_of(icalcomponent *cal, const char *title)
{
	icalcomponent	*ev;
	int		 n = 0;

	for (ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		n += strcmp(icalcomponent_get_summary(ev), title) == 0;
	return n;
}

/*
 * A lunar reminder (RSCALE=CHINESE) is its dates, which every calendar
 * shows right: one event a time, from a month before the feed to three
 * years ahead (24 at most), on the Chinese calendar's days (the 2027
 * Spring Festival on 6 February), without a rule a calendar would read
 * as Gregorian months. RSCALE=GREGORIAN stays a rule.
 */
static void
test_lunar(void **state)
{
	static const int	 spring[][3] = {
		{ 2026, 2, 17 }, { 2027, 2, 6 }, { 2028, 1, 26 },
		{ 2029, 2, 13 },
	};
	struct fixture		*fx = *state;
	struct icaltimetype	 start;
	icalcomponent		*cal, *ev;
	icalproperty		*p;
	char			*text, uid[80];
	int64_t			 id;
	int			 i;

	id = add(fx, "春节宣传", "华光路社区", "grid_worker", "",
	    "FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;BYMONTHDAY=1;BYHOUR=9;"
	    "BYMINUTE=0", "");
	(void)add(fx, "初一提醒", "华光路社区", "grid_worker", "",
	    "FREQ=MONTHLY;RSCALE=CHINESE;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
	    "");
	(void)add(fx, "公历元旦", "华光路社区", "grid_worker", "",
	    "FREQ=YEARLY;RSCALE=GREGORIAN;BYMONTH=1;BYMONTHDAY=1;BYHOUR=9;"
	    "BYMINUTE=0", "");
	cal = feed(fx, &text);		/* on 1 March 2026 */
	assert_null(strstr(text, "RSCALE=CHINESE"));
	assert_int_equal(events_of(cal, "春节宣传"), 4);
	for (i = 0; i < 4; i++) {
		(void)snprintf(uid, sizeof uid, "reminder-%lld-%04d%02d%02d@"
		    "ff.example.org", (long long)id, spring[i][0],
		    spring[i][1], spring[i][2]);
		for (ev = icalcomponent_get_first_component(cal,
		    ICAL_VEVENT_COMPONENT); ev != NULL &&
		    strcmp(icalcomponent_get_uid(ev), uid) != 0;
		    ev = icalcomponent_get_next_component(cal,
		    ICAL_VEVENT_COMPONENT))
			;
		assert_non_null(ev);
		assert_null(icalcomponent_get_first_property(ev,
		    ICAL_RRULE_PROPERTY));
		p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
		assert_string_equal(icalparameter_get_tzid(
		    icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)),
		    "Asia/Shanghai");
		start = icalproperty_get_dtstart(p);
		assert_int_equal(start.year, spring[i][0]);
		assert_int_equal(start.month, spring[i][1]);
		assert_int_equal(start.day, spring[i][2]);
		assert_int_equal(start.hour, 9);
		assert_int_equal(start.minute, 0);
	}
	/* Monthly: 24 at most, though three years hold more. */
	assert_int_equal(events_of(cal, "初一提醒"), 24);
	ev = event(cal, "公历元旦");
	assert_non_null(ev);
	assert_int_equal(events_of(cal, "公历元旦"), 1);
	assert_non_null(icalcomponent_get_first_property(ev,
	    ICAL_RRULE_PROPERTY));
	icalcomponent_free(cal);
	free(text);
}

/* A feed without reminders is still a calendar with its zone. */
static void
test_empty(void **state)
{
	struct fixture	*fx = *state;
	icalcomponent	*cal;
	char		*text;

	cal = feed(fx, &text);
	assert_null(icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT));
	assert_non_null(icalcomponent_get_first_component(cal,
	    ICAL_VTIMEZONE_COMPONENT));
	icalcomponent_free(cal);
	free(text);
}

/* Secrets: checked by hash, one live feed per staff member, revoked
 * ones stay revoked, a staff member who left has none. */
static void
test_secrets(void **state)
{
	struct fixture	*fx = *state;
	char		 a[ICSFEED_SECRET_LEN + 1], b[ICSFEED_SECRET_LEN + 1];
	char		 sql[256], bad[ICSFEED_SECRET_LEN + 1];
	int64_t		 who = 0;

	assert_int_equal(icsfeeds_create(fx->s, fx->worker, 10, a), STORE_OK);
	assert_int_equal(strlen(a), ICSFEED_SECRET_LEN);
	assert_int_equal(icsfeeds_check(fx->s, a, &who), STORE_OK);
	assert_int_equal(who, fx->worker);
	/* Only the hash is stored: 32 bytes, not the secret's text. */
	if (teststore_pg())
		(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM ics_feeds"
		    " WHERE length(hash) = 32 AND hash <> convert_to('%s',"
		    " 'UTF8')", a);
	else
		(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM ics_feeds"
		    " WHERE length(hash) = 32 AND hash <> CAST('%s' AS BLOB)",
		    a);
	assert_int_equal(count_sql(fx, sql), 1);
	if (teststore_pg())
		(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM ics_feeds"
		    " WHERE strpos(encode(hash, 'hex'), '%.16s') > 0", a);
	else
		(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM ics_feeds"
		    " WHERE instr(lower(hex(hash)), '%.16s') > 0", a);
	assert_int_equal(count_sql(fx, sql), 0);

	/* One character off, upper case, too short: unknown alike. */
	memcpy(bad, a, sizeof bad);
	bad[0] = bad[0] == 'a' ? 'b' : 'a';
	assert_int_equal(icsfeeds_check(fx->s, bad, &who), STORE_NOT_FOUND);
	memcpy(bad, a, sizeof bad);
	bad[10] = 'G';
	assert_int_equal(icsfeeds_check(fx->s, bad, &who), STORE_NOT_FOUND);
	assert_int_equal(icsfeeds_check(fx->s, "abc", &who), STORE_NOT_FOUND);

	/* A new feed replaces the old. */
	assert_int_equal(icsfeeds_create(fx->s, fx->worker, 20, b), STORE_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(icsfeeds_check(fx->s, a, &who), STORE_NOT_FOUND);
	assert_int_equal(icsfeeds_check(fx->s, b, &who), STORE_OK);
	assert_int_equal(icsfeeds_revoke(fx->s, fx->worker, 30), STORE_OK);
	assert_int_equal(icsfeeds_check(fx->s, b, &who), STORE_NOT_FOUND);
	assert_int_equal(icsfeeds_revoke(fx->s, fx->worker, 40),
	    STORE_NOT_FOUND);

	/* A staff member who left: no feed, and no new one. */
	assert_int_equal(icsfeeds_create(fx->s, fx->worker, 50, a), STORE_OK);
	(void)snprintf(sql, sizeof sql, "UPDATE staff SET active = 0 WHERE "
	    "id = %lld", (long long)fx->worker);
	exec_sql(fx, sql);
	assert_int_equal(icsfeeds_check(fx->s, a, &who), STORE_NOT_FOUND);
	assert_int_equal(icsfeeds_create(fx->s, fx->worker, 60, b),
	    STORE_NOT_FOUND);
	assert_int_equal(icsfeeds_create(fx->s, 999, 60, b), STORE_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_audience, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lunar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

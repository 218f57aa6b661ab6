/*
 * Recurring times in Asia/Shanghai on a host whose clock zone is UTC: a
 * year and more of rules across month ends and leap days, checked against
 * instants computed apart (timegm of the local time less eight hours).
 */
#include "testutil.h"

#include "bot/rrule.h"
#include "messages/text.h"

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

/* The 31st only in the months that have one. */
static void
test_month_ends(void **state)
{
	static const int	 months[] = { 1, 3, 5, 7, 8, 10, 12, 1 };
	time_t			 t[8];
	int			 i, n;

	(void)state;
	n = rrule_next("FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9;BYMINUTE=0;"
	    "BYSECOND=0", NULL, sh(2026, 1, 1, 9, 0), 0, t, 8);
	assert_int_equal(n, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(t[i], sh(i < 7 ? 2026 : 2027, months[i], 31, 9,
		    0));
	/* The last day of each month: 28 February, 29 in a leap year. */
	n = rrule_next("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=0;"
	    "BYSECOND=0", NULL, sh(2027, 12, 1, 0, 0), 0, t, 3);
	assert_int_equal(n, 3);
	assert_int_equal(t[0], sh(2027, 12, 31, 18, 0));
	assert_int_equal(t[1], sh(2028, 1, 31, 18, 0));
	assert_int_equal(t[2], sh(2028, 2, 29, 18, 0));
}

/* 29 February comes in leap years only. */
static void
test_leap_day(void **state)
{
	time_t	 t[3];

	(void)state;
	assert_int_equal(rrule_next("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;"
	    "BYHOUR=10;BYMINUTE=0;BYSECOND=0", NULL, sh(2026, 1, 1, 0, 0), 0,
	    t, 3), 3);
	assert_int_equal(t[0], sh(2028, 2, 29, 10, 0));
	assert_int_equal(t[1], sh(2032, 2, 29, 10, 0));
	assert_int_equal(t[2], sh(2036, 2, 29, 10, 0));
}

/* Every Monday at 09:00 in Shanghai is Monday 01:00 UTC, a whole year of
 * them, and `after` skips what has passed. */
static void
test_weekly_year(void **state)
{
	time_t	 t[60];
	int	 n, i;

	(void)state;
	n = rrule_next("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
	    NULL, sh(2026, 1, 1, 0, 0), sh(2026, 1, 1, 0, 0), t, 60);
	assert_int_equal(n, 60);
	assert_int_equal(t[0], sh(2026, 1, 5, 9, 0));
	for (i = 1; i < n; i++)
		assert_int_equal(t[i] - t[i - 1], 7 * 86400);
	assert_int_equal(rrule_next("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0;"
	    "BYSECOND=0", NULL, sh(2026, 1, 1, 0, 0), sh(2026, 6, 15, 9, 0), t,
	    1), 1);
	assert_int_equal(t[0], sh(2026, 6, 22, 9, 0));
}

/* Rules that are not, or that would flood. */
static void
test_check(void **state)
{
	char	 why[256];

	(void)state;
	assert_int_equal(rrule_check("FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15", NULL,
	    why, sizeof why), 0);
	assert_int_equal(rrule_check("FREQ=MINUTELY", NULL, why, sizeof why),
	    -1);
	assert_non_null(strstr(why, "每天"));
	assert_int_equal(rrule_check("EVERY MONDAY", NULL, why, sizeof why),
	    -1);
	/* Daily, but at several hours: more than once a day, refused. */
	assert_int_equal(rrule_check("FREQ=DAILY;BYHOUR=8,20", NULL, why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "一天多次"));
	assert_int_equal(rrule_check("FREQ=DAILY;BYHOUR=9;BYMINUTE=0,30",
	    NULL, why, sizeof why), -1);
	assert_int_equal(rrule_check("FREQ=WEEKLY;BYDAY=MO,TU;BYHOUR=9", NULL,
	    why, sizeof why), 0);
	assert_int_equal(rrule_check("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18",
	    NULL, why, sizeof why), 0);
	assert_int_equal(rrule_check("FREQ=DAILY", "Mars/Olympus", why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "Mars/Olympus"));
	/* A long name is cut on a character, and the reason stays UTF-8. */
	assert_int_equal(rrule_check("FREQ=DAILY", "区区区区区区区区区区区区区区"
	    "区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区"
	    "区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区区"
	    "区区", why, sizeof why), -1);
	assert_true(utf8_valid(why, strlen(why)));
	assert_non_null(strstr(why, "\"区"));
	assert_int_equal(rrule_next("nonsense", NULL, 0, 0, NULL, 0), -1);
	/* An empty value or list item: libical reads it as 0, and then gives
	 * each February twice (BYHOUR=,) or days out of order. */
	assert_int_equal(rrule_check("FREQ=MONTHLY;BYHOUR=,;BYMONTH=2",
	    "America/New_York", why, sizeof why), -1);
	assert_non_null(strstr(why, "RRULE"));
	assert_int_equal(rrule_check("FREQ=WEEKLY;BYDAY=MO,,TU", NULL, why,
	    sizeof why), -1);
	assert_int_equal(rrule_check("FREQ=WEEKLY;BYDAY=MO,", NULL, why,
	    sizeof why), -1);
	assert_int_equal(rrule_check("FREQ=DAILY;BYHOUR=", NULL, why,
	    sizeof why), -1);
	assert_int_equal(rrule_check("FREQ=DAILY;BYHOUR=9;", NULL, why,
	    sizeof why), 0);
}

/* What rrule_next() gives is strictly increasing even from a rule that
 * rrule_check() refuses (a row written before the check existed). */
static void
test_increasing(void **state)
{
	time_t	 t[8];
	int	 n, i;

	(void)state;
	n = rrule_next("FREQ=MONTHLY;BYHOUR=,;BYMONTH=2", NULL,
	    sh(2026, 1, 1, 0, 0), 0, t, 8);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++)
		assert_int_equal(t[i], sh(2026 + i, 2, 1, 0, 0));
}

/*
 * Lunar dates (RSCALE=CHINESE) on the days the Chinese calendar has them,
 * also where ICU (under libical) starts a month a day off, as the 2027
 * Spring Festival (ICU: 7 February) and the 2030 one (ICU: 2 February):
 * the Spring Festival, New Year's Eve (the last day of the twelfth month)
 * and the Lantern Festival of 2026-2035, as published, also from a rule
 * that takes its lunar date from its start. A 30th the
 * calendar does not have is not given; weekdays of a lunar rule do not
 * move. A calendar libical does not know is refused. libical hands the
 * rule's RSCALE over as a copy of ours to free (make valgrind sees a
 * leak if it is not).
 */
static void
test_lunar_festivals(void **state)
{
	static const int spring[][2] = {
		{ 2, 17 }, { 2, 6 }, { 1, 26 }, { 2, 13 }, { 2, 3 },
		{ 1, 23 }, { 2, 11 }, { 1, 31 }, { 2, 19 }, { 2, 8 },
	};
	time_t		 t[10], eve[10], lantern[10], mondays[8];
	int		 i;

	(void)state;
	assert_int_equal(rrule_next("FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;"
	    "BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0", NULL,
	    sh(2026, 1, 1, 0, 0), 0, t, 10), 10);
	assert_int_equal(rrule_next("FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=12;"
	    "BYMONTHDAY=-1;BYHOUR=9;BYMINUTE=0;BYSECOND=0", NULL,
	    sh(2026, 1, 1, 0, 0), 0, eve, 10), 10);
	assert_int_equal(rrule_next("FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;"
	    "BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0;BYSECOND=0", NULL,
	    sh(2026, 1, 1, 0, 0), 0, lantern, 10), 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(t[i], sh(2026 + i, spring[i][0],
		    spring[i][1], 9, 0));
		assert_int_equal(eve[i], t[i] - 86400);
		assert_int_equal(lantern[i], t[i] + 14 * 86400);
	}
	/* The twelfth month of 2026's year has 29 days (ICU: 30). */
	assert_int_equal(rrule_next("FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=12;"
	    "BYMONTHDAY=30;BYHOUR=9;BYMINUTE=0;BYSECOND=0", NULL,
	    sh(2026, 12, 1, 0, 0), 0, t, 1), 1);
	assert_true(t[0] > sh(2027, 12, 31, 0, 0));
	/* Nor the first month of 2030's a 30th from the last (ICU: 2
	 * February, the twelfth month's last day). */
	assert_int_equal(rrule_next("FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;"
	    "BYMONTHDAY=-30;BYHOUR=9;BYMINUTE=0;BYSECOND=0", NULL,
	    sh(2030, 1, 1, 0, 0), 0, t, 1), 1);
	assert_true(t[0] > sh(2030, 12, 31, 0, 0));
	/* Each month's first day around the 2030 one, which ICU starts
	 * early: the fourth is the Spring Festival. */
	assert_int_equal(rrule_next("FREQ=MONTHLY;RSCALE=CHINESE;BYMONTHDAY=1;"
	    "BYHOUR=9;BYMINUTE=0;BYSECOND=0", NULL, sh(2029, 11, 1, 0, 0), 0,
	    t, 5), 5);
	assert_int_equal(t[3], sh(2030, 2, 3, 9, 0));
	assert_int_equal(t[4], sh(2030, 3, 4, 9, 0));
	assert_true(t[2] < sh(2030, 2, 2, 0, 0));
	/* A rule that takes its lunar date from its start: the 2027 Spring
	 * Festival (ICU's 30th of the twelfth month) every year. */
	assert_int_equal(rrule_next("FREQ=YEARLY;RSCALE=CHINESE", NULL,
	    sh(2027, 2, 6, 9, 0), sh(2027, 2, 6, 9, 0) - 1, t, 4), 4);
	assert_int_equal(t[0], sh(2027, 2, 6, 9, 0));
	assert_int_equal(t[1], sh(2028, 1, 26, 9, 0));
	assert_int_equal(t[3], sh(2030, 2, 3, 9, 0));
	/* A start past the day leaves it out. */
	assert_int_equal(rrule_next("FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;"
	    "BYMONTHDAY=1", NULL, sh(2027, 2, 7, 9, 0), 0, t, 1), 1);
	assert_int_equal(t[0], sh(2028, 1, 26, 9, 0));
	/* Weekdays are weekdays in any calendar (a weekly lunar rule stored
	 * before rrule_check() refused them still runs). */
	assert_int_equal(rrule_next("FREQ=WEEKLY;RSCALE=CHINESE;BYDAY=MO;"
	    "BYHOUR=9;BYMINUTE=0;BYSECOND=0", NULL, sh(2027, 1, 25, 0, 0), 0,
	    mondays, 8), 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(mondays[i], sh(2027, 1, 25, 9, 0) +
		    (time_t)i * 7 * 86400);
}

/* A lunar rule is read and checked like any other. */
static void
test_lunar(void **state)
{
	const char	*rule = "FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;"
	    "BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0";
	char		 why[256];
	time_t		 t[1];

	(void)state;
	assert_int_equal(rrule_check(rule, NULL, why, sizeof why), 0);
	assert_int_equal(rrule_next(rule, NULL, sh(2026, 1, 1, 0, 0), 0, t, 1),
	    1);
	assert_int_equal(t[0], sh(2026, 2, 17, 9, 0));
	assert_int_equal(rrule_next("FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=x",
	    NULL, 0, 0, t, 1), -1);
	/* Daily or weekly in another calendar is refused: a rule that
	 * rarely matches (a leap first month, next in 2148) would cost ICU
	 * a conversion a day, a minute and a half of it here. Monthly and
	 * yearly say every lunar day. */
	assert_int_equal(rrule_check("FREQ=DAILY;RSCALE=CHINESE;BYMONTH=1L;"
	    "BYMONTHDAY=1", NULL, why, sizeof why), -1);
	assert_non_null(strstr(why, "FREQ=MONTHLY or FREQ=YEARLY"));
	assert_int_equal(rrule_check("FREQ=WEEKLY;RSCALE=CHINESE;BYDAY=MO",
	    NULL, why, sizeof why), -1);
	assert_int_equal(rrule_check("FREQ=MONTHLY;RSCALE=CHINESE;BYMONTH=1L;"
	    "BYMONTHDAY=1;BYHOUR=9", NULL, why, sizeof why), 0);
	assert_int_equal(rrule_check("FREQ=DAILY;RSCALE=GREGORIAN;BYHOUR=9",
	    NULL, why, sizeof why), 0);
	/* A calendar libical does not know reads, but does not run. */
	assert_int_equal(rrule_check("FREQ=MONTHLY;RSCALE=MARS;BYHOUR=17", NULL,
	    why, sizeof why), -1);
	assert_non_null(strstr(why, "RRULE"));
}

/*
 * The start a reminder takes when given none: now in whole minutes, or
 * the next top of the local hour when the rule names hours and no
 * minutes, so that BYHOUR=9 is 09:00 (in a zone half an hour off UTC
 * too), and nothing before now comes of it.
 */
static void
test_default_start(void **state)
{
	time_t	 now = sh(2026, 3, 1, 9, 40) + 17, t[1];

	(void)state;
	assert_int_equal(rrule_start("FREQ=DAILY;BYHOUR=9", NULL, now),
	    sh(2026, 3, 1, 10, 0));
	assert_int_equal(rrule_start("FREQ=DAILY;BYHOUR=9", NULL,
	    sh(2026, 3, 1, 9, 0) + 30), sh(2026, 3, 1, 9, 0));
	assert_int_equal(rrule_start("FREQ=DAILY;BYHOUR=9;BYMINUTE=15", NULL,
	    now), sh(2026, 3, 1, 9, 40));
	assert_int_equal(rrule_start("FREQ=WEEKLY;BYDAY=MO", NULL, now),
	    sh(2026, 3, 1, 9, 40));
	/* 09:40 in Shanghai is 07:10 in Kolkata (UTC+05:30): 08:00 there. */
	assert_int_equal(rrule_start("FREQ=DAILY;BYHOUR=9", "Asia/Kolkata",
	    now), sh(2026, 3, 1, 10, 30));
	/* What a reminder added then fires at: 09:00 the next day. */
	assert_int_equal(rrule_next("FREQ=DAILY;BYHOUR=9", NULL,
	    rrule_start("FREQ=DAILY;BYHOUR=9", NULL, now), now, t, 1), 1);
	assert_int_equal(t[0], sh(2026, 3, 2, 9, 0));
	assert_int_equal(rrule_start("not a rule", NULL, now),
	    sh(2026, 3, 1, 9, 40));
}

/* Minutes of the local day, and the next instant at one. */
static void
test_minutes(void **state)
{
	(void)state;
	assert_int_equal(rrule_minute(sh(2026, 3, 1, 22, 30), NULL), 22 * 60 +
	    30);
	/* Quiet hours ending at 08:00: from 23:10 that is the next morning,
	 * across a month end. */
	assert_int_equal(rrule_at_minute(sh(2026, 2, 28, 23, 10), NULL, 480),
	    sh(2026, 3, 1, 8, 0));
	assert_int_equal(rrule_at_minute(sh(2026, 3, 1, 6, 0), NULL, 480),
	    sh(2026, 3, 1, 8, 0));
	assert_int_equal(rrule_at_minute(sh(2026, 3, 1, 8, 0), NULL, 480),
	    sh(2026, 3, 1, 8, 0));
	assert_int_equal(rrule_minute(0, "Nowhere/Land"), -1);
}

static void
test_local(void **state)
{
	char	 out[20];

	(void)state;
	rrule_local(sh(2026, 6, 15, 9, 30), NULL, out);
	assert_string_equal(out, "2026-06-15 09:30");
	rrule_local(0, "Nowhere/Land", out);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_ends),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_weekly_year),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_increasing),
		cmocka_unit_test(test_lunar),
		cmocka_unit_test(test_lunar_festivals),
		cmocka_unit_test(test_default_start),
		cmocka_unit_test(test_minutes),
		cmocka_unit_test(test_local),
	};

	/* The host's clock zone must not matter. */
	(void)setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("rrule", tests, NULL, NULL);
}

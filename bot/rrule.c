/* Recurring times through libical. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "messages/text.h"
#include "rrule.h"

/* Upper bound of iterations when looking for occurrences after a time:
 * a daily rule over thirty years. */
#define RRULE_STEPS	11000
/* Occurrences looked at to tell a rule that fires more than daily. */
#define RRULE_PROBE	32

/* Frees what icalrecurrencetype_from_string() allocated in r: its RSCALE
 * (RSCALE=CHINESE for a lunar date), a copy that libical 3.0 leaves to the
 * caller and that an iterator made from r only borrows. */
static void
rrule_free(struct icalrecurrencetype *r)
{
	free(r->rscale);
	r->rscale = NULL;
}

/*
 * The first days of the lunar months whose new moon falls within 30
 * minutes of midnight in Beijing, 2024-2050. The Chinese calendar starts
 * a month on the day of the new moon in UTC+8 (GB/T 33661-2017); ICU,
 * which libical asks for RSCALE=CHINESE, finds new moons to a few minutes
 * only, so it may put such a month's first day a day off: ICU 72 puts the
 * 2027 Spring Festival on 7 February and the 2030 one on 2 February. The
 * dates and new moons (UTC) are astronomical (PyEphem 4.1, VSOP87 and
 * ELP: scripts/lunar-edges.py prints this table), each at least 4 minutes
 * from midnight. What ICU says of each is asked at the first lunar rule,
 * so a fixed ICU changes nothing here.
 */
static const int rrule_lunar_edge[] = {
	20261010,	/* new moon 2026-10-10 15:50:01 */
	20270206,	/* 2027-02-06 15:56:02, the Spring Festival */
	20290711,	/* 2029-07-11 15:50:55 */
	20300203,	/* 2030-02-02 16:07:23, the Spring Festival */
	20310221,	/* 2031-02-21 15:48:42 */
	20320312,	/* 2032-03-11 16:24:30 */
	20340913,	/* 2034-09-12 16:13:36 */
	20361217,	/* 2036-12-17 15:34:14 */
	20370416,	/* 2037-04-15 16:07:28 */
	20410302,	/* 2041-03-02 15:38:58 */
	20410827,	/* 2041-08-26 16:15:47 */
	20491027,	/* 2049-10-26 16:14:34 */
};
#define RRULE_NEDGE	(sizeof rrule_lunar_edge / sizeof rrule_lunar_edge[0])

/* A month ICU starts a day off: the first day of the month before it
 * (where both agree), its first day in ICU's calendar and in the Chinese
 * one, and the next month's (where both agree). */
struct rrule_shift {
	int	 prev, icu, first, next;
};
static struct rrule_shift rrule_shifts[RRULE_NEDGE];
static size_t		  rrule_nshifts;
static pthread_once_t	  rrule_shifts_once = PTHREAD_ONCE_INIT;

/* A date as YYYYMMDD. */
static int
rrule_ymd(struct icaltimetype t)
{
	return t.year * 10000 + t.month * 100 + t.day;
}

/* A YYYYMMDD date, moved by days. */
static int
rrule_ymd_add(int ymd, int days)
{
	struct icaltimetype	 t = icaltime_null_time();

	t.year = ymd / 10000;
	t.month = ymd / 100 % 100;
	t.day = ymd % 100;
	t.is_date = 1;
	icaltime_adjust(&t, days, 0, 0, 0);
	return rrule_ymd(t);
}

/* Asks libical where it starts the lunar months of rrule_lunar_edge and
 * the months around them. */
static void
rrule_shifts_find(void)
{
	struct icalrecurrencetype	 r;
	struct icaltimetype		 t, starts[3];
	struct rrule_shift		*sh;
	icalrecur_iterator		*it;
	size_t				 i, k;
	int				 first, icu;

	for (i = 0; i < RRULE_NEDGE; i++) {
		first = rrule_lunar_edge[i];
		r = icalrecurrencetype_from_string("FREQ=MONTHLY;"
		    "RSCALE=CHINESE;BYMONTHDAY=1");
		/* From 33 days before: the month before's start (28 to 31
		 * days before), then the edge month's and the next. */
		t = icaltime_null_time();
		t.year = first / 10000;
		t.month = first / 100 % 100;
		t.day = first % 100;
		t.hour = 12;
		icaltime_adjust(&t, -33, 0, 0, 0);
		if ((it = icalrecur_iterator_new(r, t)) == NULL) {
			icalerror_clear_errno();
			rrule_free(&r);
			return;		/* no RSCALE: nothing to shift */
		}
		for (k = 0; k < 3; k++)
			starts[k] = icalrecur_iterator_next(it);
		icalrecur_iterator_free(it);
		rrule_free(&r);
		if (icaltime_is_null_time(starts[2]))
			continue;
		icu = rrule_ymd(starts[1]);
		/* A day off, or nothing to mend. */
		if (icu != rrule_ymd_add(first, -1) &&
		    icu != rrule_ymd_add(first, 1))
			continue;
		sh = &rrule_shifts[rrule_nshifts++];
		sh->prev = rrule_ymd(starts[0]);
		sh->icu = icu;
		sh->first = first;
		sh->next = rrule_ymd(starts[2]);
	}
}

/* How a lunar rule names its days: RRULE_LUNAR_FROM_FIRST (BYMONTHDAY=1
 * and on, or the start's day in a monthly or yearly rule),
 * RRULE_LUNAR_FROM_LAST (BYMONTHDAY=-1 and back, as New Year's Eve), or
 * 0: not a lunar rule, or one of weekdays or weeks, which no lunar month
 * moves. A rule of both kinds of days is taken as counted from the first:
 * which of its days libical gave is not told. */
#define RRULE_LUNAR_FROM_FIRST	1
#define RRULE_LUNAR_FROM_LAST	2

static int
rrule_lunar_days(const struct icalrecurrencetype *r)
{
	int	 i, neg = 0, pos = 0;

	if (r->rscale == NULL || strcasecmp(r->rscale, "CHINESE") != 0)
		return 0;
	if (r->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX)
		return 0;
	for (i = 0; i < ICAL_BY_MONTHDAY_SIZE &&
	    r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		if (r->by_month_day[i] < 0)
			neg++;
		else
			pos++;
	}
	if (neg > 0 && pos == 0)
		return RRULE_LUNAR_FROM_LAST;
	if (pos > 0 || r->freq == ICAL_MONTHLY_RECURRENCE ||
	    r->freq == ICAL_YEARLY_RECURRENCE)
		return RRULE_LUNAR_FROM_FIRST;
	return 0;
}

/*
 * Moves an occurrence of a lunar rule from ICU's day to the Chinese
 * calendar's. Days counted from the first: those of a month ICU starts a
 * day late or early move by that day. Days counted from the last: those
 * of the month before it. Returns -1 for a day the calendar does not
 * have (the 30th, or the 30th from the last, of a month ICU makes 30 days
 * long and the calendar 29).
 * A day the calendar has and ICU does not (the 30th the other way round)
 * stays missing.
 */
static int
rrule_lunar_fix(struct icaltimetype *t, int how)
{
	const struct rrule_shift	*sh;
	size_t				 i;
	int				 ymd = rrule_ymd(*t), late;

	for (i = 0; i < rrule_nshifts; i++) {
		sh = &rrule_shifts[i];
		late = sh->first < sh->icu;
		if (how == RRULE_LUNAR_FROM_FIRST) {
			if (ymd >= sh->icu && ymd < sh->next) {
				icaltime_adjust(t, late ? -1 : 1, 0, 0, 0);
				return rrule_ymd(*t) < sh->next ? 0 : -1;
			}
			if (late && ymd == sh->first)
				return -1;
		} else {
			if (ymd >= sh->prev && ymd < sh->icu) {
				icaltime_adjust(t, late ? -1 : 1, 0, 0, 0);
				return rrule_ymd(*t) >= sh->prev ? 0 : -1;
			}
			if (!late && ymd == sh->icu)
				return -1;
		}
	}
	return 0;
}

/*
 * The other way: a day of the Chinese calendar as ICU names it, for the
 * start of a rule counted from the first days, from which libical takes
 * what the rule does not name (FREQ=YEARLY alone: the start's lunar month
 * and day, which ICU must read as the calendar does).
 */
static void
rrule_lunar_unfix(struct icaltimetype *t)
{
	const struct rrule_shift	*sh;
	size_t				 i;
	int				 ymd = rrule_ymd(*t);

	for (i = 0; i < rrule_nshifts; i++) {
		sh = &rrule_shifts[i];
		if (ymd >= sh->first && ymd < sh->next) {
			icaltime_adjust(t, sh->first < sh->icu ? 1 : -1, 0, 0,
			    0);
			return;
		}
	}
}

/* The zone of a name, NULL when unknown. */
static icaltimezone *
rrule_zone(const char *tz)
{
	return icaltimezone_get_builtin_timezone(tz != NULL && *tz != '\0' ?
	    tz : RRULE_TZ);
}

/* Whether two of the rule's first occurrences from a fixed start are less
 * than 23 hours apart: 1, 0, or -1 when libical reads the rule but cannot
 * run it (an RSCALE calendar it does not know). */
static int
rrule_too_often(const char *rule, const char *tz)
{
	time_t	 t[RRULE_PROBE];
	int	 n, i;

	/* 2026-01-01 00:00 UTC: any start shows what a rule's BY parts do. */
	if ((n = rrule_next(rule, tz, 1767225600, 0, t, RRULE_PROBE)) == -1)
		return -1;
	for (i = 1; i < n; i++)
		if (t[i] - t[i - 1] < 23 * 3600)
			return 1;
	return 0;
}

/* Whether a part of the rule has an empty value or list item
 * ("BYHOUR=", "BYHOUR=,", "BYDAY=MO,,TU"): libical reads an empty item as
 * 0 and its iterator then gives times out of order or twice. */
static int
rrule_empty_item(const char *rule)
{
	const char	*p;

	for (p = rule; (p = strchr(p, '=')) != NULL; ) {
		p++;
		for (;;) {
			if (*p == '\0' || *p == ';' || *p == ',')
				return 1;
			p += strcspn(p, ",;");
			if (*p != ',')
				break;
			p++;
		}
	}
	return 0;
}

/* Checks a rule. */
int
rrule_check(const char *rule, const char *tz, char *why, size_t size)
{
	struct icalrecurrencetype	 r;
	int				 often, lunar;

	if (rule == NULL || *rule == '\0' || strlen(rule) >= RRULE_MAX) {
		(void)snprintf(why, size, "重复规则为空或过长 the rule is empty or "
		    "longer than %d bytes", RRULE_MAX - 1);
		return -1;
	}
	/* The name is the caller's: at most 64 bytes of it, in whole
	 * characters, so that the reason is not cut inside one (the API
	 * sends it as a JSON string, which must be UTF-8). */
	if (rrule_zone(tz) == NULL) {
		(void)snprintf(why, size, "未知时区 unknown time zone \"%.*s\"",
		    (int)utf8_fit(tz, strlen(tz), 64), tz);
		return -1;
	}
	if (rrule_empty_item(rule))
		goto unreadable;
	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(rule);
	lunar = r.rscale != NULL && strcasecmp(r.rscale, "GREGORIAN") != 0;
	rrule_free(&r);
	if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
		icalerror_clear_errno();
		goto unreadable;
	}
	if (r.freq == ICAL_SECONDLY_RECURRENCE ||
	    r.freq == ICAL_MINUTELY_RECURRENCE ||
	    r.freq == ICAL_HOURLY_RECURRENCE) {
		(void)snprintf(why, size, "提醒最多每天一次 reminders repeat "
		    "daily at most (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)");
		return -1;
	}
	/* A calendar of its own costs ICU a conversion a day: a daily or
	 * weekly lunar rule that rarely matches (BYMONTH=1L, a leap first
	 * month, next in 2148) would keep a thread for a minute and more.
	 * Its days are months' days: monthly or yearly says them all. */
	if (lunar && r.freq != ICAL_MONTHLY_RECURRENCE &&
	    r.freq != ICAL_YEARLY_RECURRENCE) {
		(void)snprintf(why, size, "农历等其他历法的规则只能按月或按年重复"
		    "（FREQ=MONTHLY 或 YEARLY）a rule in another calendar "
		    "(RSCALE) repeats monthly or yearly: FREQ=MONTHLY or "
		    "FREQ=YEARLY");
		return -1;
	}
	/* A daily rule with several hours or minutes (BYHOUR=8,9,10…) fires
	 * more often than that: two occurrences closer than 23 hours (a day
	 * that loses an hour to summer time is 23) are refused too. A rule
	 * libical reads but cannot run (RSCALE=X, a calendar it does not
	 * know) would be a reminder that never comes: refused as unreadable. */
	if ((often = rrule_too_often(rule, tz)) == -1)
		goto unreadable;
	if (often) {
		(void)snprintf(why, size, "提醒最多每天一次（此规则一天多次）"
		    "reminders repeat daily at most: this rule fires more than "
		    "once a day");
		return -1;
	}
	return 0;

unreadable:
	(void)snprintf(why, size, "无法解析重复规则（RRULE）the rule is not an "
	    "RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9");
	return -1;
}

/* Lists the next occurrences. */
int
rrule_next(const char *rule, const char *tz, time_t dtstart, time_t after,
    time_t *out, size_t n)
{
	icaltimezone			*z = rrule_zone(tz);
	struct icalrecurrencetype	 r;
	struct icaltimetype		 start, t;
	icalrecur_iterator		*it;
	time_t				 at;
	size_t				 got = 0, steps;
	int				 lunar;

	if (z == NULL || rule == NULL)
		return -1;
	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(rule);
	if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
		icalerror_clear_errno();
		rrule_free(&r);
		return -1;
	}
	start = icaltime_from_timet_with_zone(dtstart, 0, z);
	if ((lunar = rrule_lunar_days(&r)) != 0)
		(void)pthread_once(&rrule_shifts_once, rrule_shifts_find);
	if (lunar == RRULE_LUNAR_FROM_FIRST)
		rrule_lunar_unfix(&start);
	if ((it = icalrecur_iterator_new(r, start)) == NULL) {
		icalerror_clear_errno();
		rrule_free(&r);
		return -1;
	}
	for (steps = 0; got < n && steps < RRULE_STEPS; steps++) {
		t = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(t))
			break;
		if (lunar != 0 && rrule_lunar_fix(&t, lunar) == -1)
			continue;
		at = icaltime_as_timet_with_zone(t, z);
		/* Strictly later than the last: two local times can be one
		 * instant (a summer-time gap), and the caller relies on the
		 * order. */
		if (at > after && (got == 0 || at > out[got - 1]))
			out[got++] = at;
	}
	icalrecur_iterator_free(it);
	rrule_free(&r);
	return (int)got;
}

/* The start of a rule given none. */
time_t
rrule_start(const char *rule, const char *tz, time_t now)
{
	struct icalrecurrencetype	 r;
	int				 hours, minute;

	now -= now % 60;
	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(rule != NULL ? rule : "");
	hours = icalerrno == ICAL_NO_ERROR &&
	    r.by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX &&
	    r.by_minute[0] == ICAL_RECURRENCE_ARRAY_MAX;
	icalerror_clear_errno();
	rrule_free(&r);
	/* The next top of the hour: nothing before now comes of it. */
	if (hours && (minute = rrule_minute(now, tz)) != -1 &&
	    minute % 60 != 0)
		now += (time_t)(60 - minute % 60) * 60;
	return now;
}

/* Minutes after local midnight. */
int
rrule_minute(time_t t, const char *tz)
{
	icaltimezone		*z = rrule_zone(tz);
	struct icaltimetype	 lt;

	if (z == NULL)
		return -1;
	lt = icaltime_from_timet_with_zone(t, 0, z);
	return lt.hour * 60 + lt.minute;
}

/* The next instant at a local minute of the day. */
time_t
rrule_at_minute(time_t t, const char *tz, int minute)
{
	icaltimezone		*z = rrule_zone(tz);
	struct icaltimetype	 lt;
	time_t			 at;

	if (z == NULL)
		return t;
	lt = icaltime_from_timet_with_zone(t, 0, z);
	lt.hour = minute / 60;
	lt.minute = minute % 60;
	lt.second = 0;
	if ((at = icaltime_as_timet_with_zone(lt, z)) < t) {
		icaltime_adjust(&lt, 1, 0, 0, 0);
		at = icaltime_as_timet_with_zone(lt, z);
	}
	return at;
}

/* Formats a local time. */
void
rrule_local(time_t t, const char *tz, char out[20])
{
	icaltimezone		*z = rrule_zone(tz);
	struct icaltimetype	 lt;

	out[0] = '\0';
	if (z == NULL)
		return;
	lt = icaltime_from_timet_with_zone(t, 0, z);
	(void)snprintf(out, 20, "%04u-%02u-%02u %02u:%02u",
	    (unsigned)lt.year % 10000, (unsigned)lt.month % 100,
	    (unsigned)lt.day % 100, (unsigned)lt.hour % 100,
	    (unsigned)lt.minute % 100);
}

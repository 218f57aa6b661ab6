/* Recurring times through libical. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int				 often;

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
	if ((it = icalrecur_iterator_new(r, start)) == NULL) {
		icalerror_clear_errno();
		rrule_free(&r);
		return -1;
	}
	for (steps = 0; got < n && steps < RRULE_STEPS; steps++) {
		t = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(t))
			break;
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

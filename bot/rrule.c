/* Recurring times through libical. */
#include <stdio.h>
#include <string.h>

#include <libical/ical.h>

#include "rrule.h"

/* Upper bound of iterations when looking for occurrences after a time:
 * a daily rule over thirty years. */
#define RRULE_STEPS	11000

/* The zone of a name, NULL when unknown. */
static icaltimezone *
rrule_zone(const char *tz)
{
	return icaltimezone_get_builtin_timezone(tz != NULL ? tz : RRULE_TZ);
}

/* Checks a rule. */
int
rrule_check(const char *rule, const char *tz, char *why, size_t size)
{
	struct icalrecurrencetype	 r;

	if (rule == NULL || *rule == '\0' || strlen(rule) >= RRULE_MAX) {
		(void)snprintf(why, size, "重复规则为空或过长 the rule is empty or "
		    "longer than %d bytes", RRULE_MAX - 1);
		return -1;
	}
	if (rrule_zone(tz) == NULL) {
		(void)snprintf(why, size, "未知时区 unknown time zone \"%s\"",
		    tz);
		return -1;
	}
	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(rule);
	if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
		icalerror_clear_errno();
		(void)snprintf(why, size, "无法解析重复规则（RRULE）the rule is "
		    "not an RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9");
		return -1;
	}
	if (r.freq == ICAL_SECONDLY_RECURRENCE ||
	    r.freq == ICAL_MINUTELY_RECURRENCE ||
	    r.freq == ICAL_HOURLY_RECURRENCE) {
		(void)snprintf(why, size, "提醒最多每天一次 reminders repeat "
		    "daily at most (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)");
		return -1;
	}
	return 0;
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
		return -1;
	}
	start = icaltime_from_timet_with_zone(dtstart, 0, z);
	if ((it = icalrecur_iterator_new(r, start)) == NULL) {
		icalerror_clear_errno();
		return -1;
	}
	for (steps = 0; got < n && steps < RRULE_STEPS; steps++) {
		t = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(t))
			break;
		at = icaltime_as_timet_with_zone(t, z);
		if (at > after)
			out[got++] = at;
	}
	icalrecur_iterator_free(it);
	return (int)got;
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

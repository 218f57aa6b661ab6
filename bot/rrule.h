/*
 * Recurring times: an iCalendar RRULE (RFC 5545, read by libical) from a
 * start, in a time zone (Asia/Shanghai by default). Times are instants
 * (time_t); the rule's days and hours are those of the zone, so "every 15
 * June at 09:00" stays 09:00 there whatever the host's clock zone is.
 */
#ifndef FANGFEI_RRULE_H
#define FANGFEI_RRULE_H

#include <stddef.h>
#include <time.h>

#define RRULE_MAX	512	/* bytes of a rule */
#define RRULE_TZ	"Asia/Shanghai"

/* Checks a rule and a zone name: 0, or -1 with a reason (Chinese, then
 * English) in why. A rule that never ends must have a FREQ of DAILY or
 * slower: a reminder every minute would flood chats. */
int	 rrule_check(const char *rule, const char *tz, char *why, size_t size);

/*
 * Writes into out the first n (at most) occurrences of rule from dtstart
 * (itself the first when the rule allows it) that fall after `after`
 * (strictly), in zone tz (NULL or "": RRULE_TZ); returns how many, or -1 when
 * the rule or the zone cannot be read.
 */
int	 rrule_next(const char *rule, const char *tz, time_t dtstart,
	    time_t after, time_t *out, size_t n);

/*
 * The start a reminder takes when it is given none: now, in whole minutes
 * (a rule without BYSECOND fires at the start's second), or the next top
 * of the hour in tz when the rule names hours but no minutes ("BYHOUR=9"
 * is 09:00, not 09 and now's minutes, which RFC 5545 would take from the
 * start).
 */
time_t	 rrule_start(const char *rule, const char *tz, time_t now);

/* Minutes after local midnight of t in zone tz (NULL: RRULE_TZ); -1 for
 * a zone that is not known. */
int	 rrule_minute(time_t t, const char *tz);
/* The first instant at or after t whose local time in tz is minute
 * minutes after midnight (today's, else tomorrow's); t itself for a zone
 * that is not known. */
time_t	 rrule_at_minute(time_t t, const char *tz, int minute);

/* The local date and time of t in zone tz as "YYYY-MM-DD HH:MM" (17 bytes
 * and the NUL); "" for a zone that is not known. */
void	 rrule_local(time_t t, const char *tz, char out[20]);

#endif

/*
 * A new reminder as the office asks for it, from the command line (bot/
 * cli_reminder.c) or the API (bot/api_reminders.c): one set of checks and
 * one way of filling struct reminder, so both refuse and accept alike.
 */
#ifndef FANGFEI_REMINDER_IN_H
#define FANGFEI_REMINDER_IN_H

#include <stddef.h>
#include <time.h>

#include "storage/reminders.h"

#define REMINDER_TEXT_MAX	1000	/* characters of a reminder's text */
#define REMINDER_TITLE_MAX	60	/* characters of its title */
#define REMINDER_CATCHUP_MAX	(24 * 30)	/* hours */

struct reminder_in {
	const char	*title;
	const char	*text;
	const char	*kinds;		/* comma-separated, or NULL */
	const char	*roles;		/* comma-separated, or NULL */
	const char	*rrule;
	const char	*start;		/* ISO 8601, NULL: now */
	const char	*tz;		/* NULL: RRULE_TZ */
	long		 catchup_hours;
	int		 urgent;
	const char	*created_by;
};

/*
 * Checks in and fills r from it (all but the area), due first at the
 * rule's first time after now (or from its start): 0, or -1 with why
 * (Chinese, then English). A start without an offset is the district's
 * local time (utc_offset seconds east of UTC). r's title and body point
 * into in's strings: r is not to be reminder_clear()ed.
 */
int	 reminder_in_fill(const struct reminder_in *in, int utc_offset,
	    time_t now, struct reminder *r, char *why, size_t size);

/* Checks a comma-separated list of kinds (valid is broadcast_kind_valid)
 * or roles (staff_role_valid): 0, or -1 with why naming the first one
 * that is not known. */
int	 reminder_in_list(const char *list, int (*valid)(const char *),
	    const char *what, char *why, size_t size);

/*
 * The texts of messages/ a reminder may take instead of its own: the
 * publicity calendar's and the weekly patrol's, by name (publicity_month,
 * publicity_day, march_15, may_15, september, october, constitution_week,
 * patrol). Fills *title and *text with new strings in Chinese (caller
 * frees), the hotline filled in; -1 for a name that is none, with the
 * names in why.
 */
int	 reminder_template(const char *name, const char *hotline, char **title,
	    char **text, char *why, size_t size);

#endif

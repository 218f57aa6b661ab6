/*
 * Firing reminders: what is due at a given instant (the clock is the
 * caller's, so that a year of schedules runs in a test in seconds).
 *
 * For each reminder whose next time has come, its occurrences up to now
 * are taken in order. The last of them is sent, unless it is older than
 * the reminder's catch-up age: then it is skipped, and so is every earlier
 * one (missed while the daemon was down: one message, not a pile). A
 * non-urgent occurrence in its area's quiet hours is held until they end,
 * across a restart too. Each occurrence's firing row is written in the
 * transaction that queues its messages, so it goes out once whatever
 * stops the process.
 */
#ifndef FANGFEI_REMIND_H
#define FANGFEI_REMIND_H

#include <time.h>

#include "handlers/handlers.h"
#include "storage/reminders.h"

struct remind_stats {
	long	 sent;		/* occurrences sent */
	long	 held;		/* put off until quiet hours end */
	long	 skipped;	/* past their catch-up age, or superseded */
	long	 failed;	/* reminders that could not be read */
};

/* Fires what is due at now. -1 when the store failed (what was committed
 * stays). */
int	 remind_run(struct store *, const struct handler_env *, time_t now,
	    struct remind_stats *);

/* The first occurrence of r after `after`, 0 when none is left. */
time_t	 remind_next(const struct reminder *r, time_t after);

/*
 * Lunar reminders (RSCALE=CHINESE) whose next time an older fangfei
 * reckoned on ICU's day where it starts a month a day off (rrule.c): each
 * next time that is no occurrence of the rule moves to the rule's first
 * occurrence after the last that came due (or after the reminder was
 * added), which is the one it stood for, a day either side. Run at start
 * (the scheduler's first turn); afterwards there is nothing to mend.
 * Returns how many moved, or -1 when the store failed.
 */
int	 remind_mend(struct store *);

/* The earliest time anything is due (a reminder or a held firing), 0 when
 * nothing is. */
time_t	 remind_wake_at(struct store *);

#endif

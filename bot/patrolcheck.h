/*
 * The weekly patrol deadline ([patrols] deadline, Friday 18:00 by
 * default). Once it has passed, every grid (level 4 area) is checked once
 * for the week it closes (the week of the instant before it: MO 00:00
 * closes the week just ended): a grid with grid workers and a building
 * nobody patrolled is reported to its grid chief (the nearest up the tree,
 * else its liaison), one message per chief naming their grids, the
 * buildings and the workers with no patrol. Each check is recorded with the
 * messages in one transaction, so a restart tells nobody twice, and a
 * daemon that was down at the deadline tells them late, when it is back.
 * The clock is the caller's, so tests run weeks in seconds.
 */
#ifndef FANGFEI_PATROLCHECK_H
#define FANGFEI_PATROLCHECK_H

#include <time.h>

#include "storage/store.h"

struct patrolcheck_stats {
	long	 grids;		/* checked this run */
	long	 missing;	/* of them with buildings left */
	long	 told;		/* messages queued to chiefs */
	long	 nobody;	/* grids left whose chief nobody is */
};

/* The latest deadline at or before now, the deadline being ISO weekday
 * day (1 Monday … 7 Sunday) at minute after local midnight. */
time_t	 patrolcheck_last_deadline(time_t now, int utc_offset, int day,
	    int minute);

/* Checks what the deadline last passed at now asks for. Deadlines that
 * passed before the check first ran on this database are not looked at.
 * 0, or -1 when the store failed (nothing of that run is kept). */
int	 patrolcheck_run(struct store *, int utc_offset, int day, int minute,
	    time_t now, struct patrolcheck_stats *);

/* patrolcheck_run() for the scheduler's turn: logs what it did or why
 * it failed; returns the number of messages queued. */
long	 patrolcheck_turn(struct store *, int utc_offset, int day, int minute,
	    time_t now);

#endif

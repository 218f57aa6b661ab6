/*
 * The one clock everything that depends on the time of day reads: the
 * ledger's deadlines, reminders and patrols, the outbox's due times.
 * FANGFEI_NOW=<ISO 8601 time> (a testing aid) starts it at that instant,
 * running forward from there, for the daemon and the CLI alike; without
 * it, it is the system's clock. Signatures of platforms are checked
 * against the system's clock whatever this says.
 */
#ifndef FANGFEI_CLOCK_H
#define FANGFEI_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * Reads an ISO 8601 time: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (or a space
 * for the T), with Z or ±HH:MM / ±HHMM; a time without a zone is in the
 * district's (utc_offset seconds east of UTC). 0, or -1.
 */
int	 clock_parse(const char *iso, int utc_offset, time_t *out);

/* Sets the clock from FANGFEI_NOW when it is set and not empty: 0, or -1
 * with *cause (caller frees) when it cannot be read. Call once at start,
 * before any thread. */
int	 clock_setup(int utc_offset, char **cause);

/* Whether FANGFEI_NOW moved the clock. */
int	 clock_moved(void);
time_t	 clock_now(void);
int64_t	 clock_now_ms(void);
/* This clock's second at the system clock's second system (what
 * clock_now() said then). */
time_t	 clock_at(time_t system);

#endif

/*
 * Phone numbers: the SMS lists broadcasts reach (a building's registered
 * numbers) and every number's opt-out. A number is given in E.164 form
 * (messages/sms.h phone_normalise()); the store keeps it sealed and finds
 * it through a keyed hash, so nothing here writes a number in clear.
 */
#ifndef FANGFEI_PHONES_H
#define FANGFEI_PHONES_H

#include <stdint.h>
#include <time.h>

#include "store.h"

enum phone_put {
	PHONE_ADDED,		/* a new number */
	PHONE_MOVED,		/* known, now in this area (or renamed) */
	PHONE_SAME,		/* known, in this area already */
};

/*
 * Registers e164 in area (a building, usually) with an optional name, or
 * moves a known number there; its opt-out state is kept. The caller holds
 * a transaction. *what (may be NULL) says which.
 */
enum store_status phones_put(struct store *, const char *e164, int64_t area,
		    const char *name, time_t now, enum phone_put *what);

/*
 * Opts e164 out of (out set) or back into broadcasts, recording a number
 * never seen before (with no area) so that its choice is kept. *changed
 * (may be NULL) is 0 when it was in that state already. The caller holds
 * a transaction.
 */
enum store_status phones_set_opt_out(struct store *, const char *e164,
		    int out, time_t now, int *changed);
/* Whether e164 opted out (0 for a number not known). */
enum store_status phones_opted_out(struct store *, const char *e164,
		    int *out);

struct phone_counts {
	long	 numbers;	/* in the subtree, opted out or not */
	long	 opted_out;
};
/* Counts the numbers registered in the subtree of area. */
enum store_status phones_count(struct store *, int64_t area,
		    struct phone_counts *);

#endif

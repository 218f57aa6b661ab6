/*
 * Calendar feeds (/ics/<secret>.ics): a staff member's secret address of
 * their reminders. The secret is shown once and stored only as its
 * SHA-256, like an API token; a staff member has at most one live feed
 * (a new one revokes the old), and a revoked feed stays revoked.
 */
#ifndef FANGFEI_ICSFEEDS_H
#define FANGFEI_ICSFEEDS_H

#include <stdint.h>
#include <time.h>

#include "store.h"

#define ICSFEED_SECRET_LEN	64	/* hex digits of 32 random bytes */

/* Makes a new feed for active staff member staff, revoking their live
 * one; secret gets its text. STORE_NOT_FOUND when there is no such
 * active staff member. The caller holds a transaction. */
enum store_status icsfeeds_create(struct store *, int64_t staff, time_t now,
		    char secret[ICSFEED_SECRET_LEN + 1]);
/* Revokes the live feed of staff; STORE_NOT_FOUND when there is none. */
enum store_status icsfeeds_revoke(struct store *, int64_t staff, time_t now);
/* The staff member of a live feed: STORE_NOT_FOUND alike for a secret
 * that is malformed, unknown, revoked, or whose staff member left. */
enum store_status icsfeeds_check(struct store *, const char *secret,
		    int64_t *staff);

#endif

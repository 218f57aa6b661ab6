/*
 * Revealing a reporter takes two people: an officer asks with a reason, a
 * custodian (staff.custodian, a duty apart from the roles) approves or
 * refuses, and the requester is shown the sealed identity once, after
 * which the request is spent. This file keeps those requests, the
 * custodian duty, and the forgetting of reporters of long-closed tips.
 * Who may do what is decided by the callers (handlers/reveal.c); nothing
 * here opens a seal.
 */
#ifndef FANGFEI_REVEALS_H
#define FANGFEI_REVEALS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define REVEAL_REASON_MAX	200	/* characters */

struct reveal_row {
	int64_t		 id;
	int64_t		 tip_id;
	int64_t		 requested_by;	/* staff id */
	int64_t		 decided_by;	/* 0: undecided */
	char		 reason[4 * REVEAL_REASON_MAX + 1];
	char		 decision[16];	/* "", "approved", "refused" */
	time_t		 requested_at, decided_at, shown_at;	/* 0: not */
};

/* Stores a request by staff for tip's reporter; *id gets its number. */
enum store_status reveals_request(struct store *, int64_t tip, int64_t staff,
		    const char *reason, time_t now, int64_t *id);
enum store_status reveals_get(struct store *, int64_t id, struct reveal_row *);
/* Records a custodian's decision; STORE_NOT_FOUND when the request was
 * decided already (two custodians at once). */
enum store_status reveals_decide(struct store *, int64_t id, int64_t staff,
		    int approve, time_t now);
/* Marks an approved request shown; STORE_NOT_FOUND when it was shown
 * already or is not approved: the identity is shown at most once. */
enum store_status reveals_spend(struct store *, int64_t id, time_t now);

/* 1 when staff holds the custodian duty, 0 when not (or no such staff),
 * -1 on error. */
int		 staff_is_custodian(struct store *, int64_t staff);
/* The active custodians whose area holds area (itself or one above;
 * area 0: custodians of a top area only), other than staff `but`, at
 * most n. */
enum store_status staff_custodians(struct store *, int64_t area, int64_t but,
		    int64_t *staff, size_t n, size_t *count);
/* Gives or takes the duty; STORE_NOT_FOUND for no such staff. */
enum store_status staff_set_custodian(struct store *, int64_t staff, int on);

/*
 * Forgets the reporter of every tip closed more than days ago at now
 * (days 0: never): the tip's reporter_id becomes NULL with a "forgotten"
 * event, and the reporter row (the sealed identity) is deleted with the
 * sent outbox rows that named it once no other tip needs it. A tip whose
 * reporter has a message still on its way is left for a later run.
 * Opens its own transactions, a batch at a time; *n gets how many tips
 * forgot.
 */
enum store_status tips_forget(struct store *, int days, time_t now, long *n);

#endif

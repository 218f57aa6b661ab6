/*
 * What happens to a tip after it is stored, in one place for the chat
 * commands and the HTTP API: the moves of the ledger with their scope and
 * role checks (storage/ledger.h tip_move_check()), deadlines, assignment
 * and escalation, and who hears about it. Staff are told in their bound
 * private chats; the reporter on the channel they used, through an outbox
 * row opened from their seal, never with a staff name. Nothing here is
 * told which platform anything runs on.
 */
#ifndef FANGFEI_TIPFLOW_H
#define FANGFEI_TIPFLOW_H

#include <stdint.h>
#include <time.h>

#include "handlers.h"
#include "storage/ledger.h"

/* Who acts, and where. */
struct tipflow {
	struct store			*store;
	const struct handler_env	*env;
	enum locale			 locale;
	time_t				 now;
	char				 actor[32];	/* "staff:N", "token:N",
							   "system" */
	int64_t				 staff_id;	/* 0: not a person */
	int				 rank;		/* staff_role_rank() */
	int64_t				 scope;		/* area subtree */
};

enum tipflow_result {
	TIPFLOW_OK = 0,
	TIPFLOW_NOT_FOUND,	/* no such tip, or outside the actor's area */
	TIPFLOW_BAD_STATE,	/* not from the tip's state */
	TIPFLOW_BAD_ROLE,	/* not by this role, or not assigned */
	TIPFLOW_BAD_ARGS,	/* a measure or a person that is not one */
	TIPFLOW_RACE,		/* someone moved it meanwhile: try again */
	TIPFLOW_FAILED,		/* storage failed: roll back */
};

/* Fills tf for what fangfei does by itself (intake, escalation): actor
 * "system", any area, the top rank. */
void		 tipflow_system(struct tipflow *, struct store *,
		    const struct handler_env *, enum locale, time_t now);

/* The tip ref if the actor may see it (in their area subtree; a tip of no
 * known area only from the office up). The caller clears *t. */
enum tipflow_result tipflow_get(struct tipflow *, const char *ref,
		    struct tip_row *t);

/*
 * Makes move on tip ref with note (the conclusion, the reason; may be
 * NULL), for dispose with measure (a stored name or 约谈, 警示, 行政处罚,
 * 刑事立案, 注吊销, 关门 …) and the enterprise (0: the one the tip names).
 * Sets the deadline of the new state, and tells the reporter when the tip
 * is accepted (verifying for the first time), confirmed or closed. *t
 * (may be NULL) gets the tip after. The caller holds a transaction.
 */
enum tipflow_result tipflow_move(struct tipflow *, const char *ref,
		    enum tip_move move, const char *note, const char *measure,
		    int64_t enterprise, struct tip_row *t);

/* Assigns tip ref to staff (active, of its area's subtree, grid workers
 * and up), replacing who had it, and tells them. The caller holds a
 * transaction. */
enum tipflow_result tipflow_assign(struct tipflow *, const char *ref,
		    const int64_t *staff, size_t n);

/*
 * A tip just stored (tip id, in area, 0 unknown): linked to the
 * enterprise its text names, if one, within the link window (first
 * report or not); assigned to the grid workers of its area, else its
 * liaisons, else its office; they are told (without anything that names
 * the reporter). The caller holds the transaction of the tip.
 */
enum tipflow_result tipflow_intake(struct tipflow *, int64_t tip);

/* Escalates every open tip past its deadline one level up (grid worker ->
 * grid chief -> liaison -> office -> admin), recorded in its history and
 * told to whom it went; *n gets how many. Opens its own transactions. */
enum tipflow_result tipflow_escalate(struct tipflow *, long *n);

/* Queues text for the reporter of tip (id) on their own channel, once per
 * key (a retry of the same cause queues nothing twice). */
enum tipflow_result tipflow_tell_reporter(struct tipflow *, int64_t tip,
		    const char *key, const char *text);
/* Queues text for a staff member's bound private chats. */
enum tipflow_result tipflow_tell_staff(struct tipflow *, int64_t staff,
		    const char *text);

/* A stored measure name for what people type (约谈, admonished, …), or
 * NULL. */
const char	*tipflow_measure(const char *word);

#endif

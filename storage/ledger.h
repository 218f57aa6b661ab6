/*
 * The tip ledger (台账): each tip's state, who works on it, its deadline,
 * the enterprise it names and its history. A tip moves
 *
 *   received -> assigned -> verifying -> rejected | confirmed
 *                                        confirmed -> disposing -> closed
 *                                        rejected -> closed
 *
 * and back one step (退回) with a reason. Which moves a role may make is
 * tip_move_check(), a pure function; the functions below only record.
 * Nothing here returns or writes who reported a tip (storage/tips.h keeps
 * that sealed).
 */
#ifndef FANGFEI_LEDGER_H
#define FANGFEI_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"
#include "tips.h"

enum tip_state {
	TIP_RECEIVED = 0,
	TIP_ASSIGNED,
	TIP_VERIFYING,
	TIP_REJECTED,
	TIP_CONFIRMED,
	TIP_DISPOSING,
	TIP_CLOSED,
};
#define TIP_STATES	7
/* Bits of states, for filters: 1 << state. */
#define TIP_OPEN_STATES	((1u << TIP_RECEIVED) | (1u << TIP_ASSIGNED) |	\
			 (1u << TIP_VERIFYING) | (1u << TIP_CONFIRMED) |	\
			 (1u << TIP_DISPOSING))

/* The stored name of a state ("received", …), and back; -1 if unknown. */
const char	*tip_state_name(enum tip_state);
int		 tip_state_parse(const char *, enum tip_state *);

enum tip_move {
	TIP_MOVE_ASSIGN,	/* to assigned (also reassigning) */
	TIP_MOVE_VERIFY,	/* to verifying: the check has begun */
	TIP_MOVE_CONFIRM,	/* verified: true */
	TIP_MOVE_REJECT,	/* verified: not true */
	TIP_MOVE_DISPOSE,	/* to disposing, with a measure */
	TIP_MOVE_CLOSE,		/* 销号 */
	TIP_MOVE_RETURN,	/* one step back, with a reason */
};

enum tip_verdict {
	TIP_MOVE_OK = 0,
	TIP_MOVE_BAD_STATE,	/* not from this state */
	TIP_MOVE_BAD_ROLE,	/* not by this role (or not assigned) */
};

/*
 * Whether a staff member of role rank (staff_role_rank(): grid_worker 1,
 * grid_chief 2, liaison 3, office 4, admin 5), assigned to the tip or not,
 * may make move from state from; *to gets the state it leads to.
 *
 *   assign   received, assigned              grid chief and up
 *   verify   assigned, verifying             its assignee, or chief and up
 *   confirm  assigned, verifying             the same
 *   reject   assigned, verifying             the same
 *   dispose  confirmed, disposing            grid chief and up
 *   close    disposing, rejected             office and up
 *   return   assigned -> received            its assignee, or chief and up
 *            verifying -> assigned           chief and up
 *            rejected, confirmed -> verifying  chief and up
 *            disposing -> confirmed          liaison and up
 *            closed -> disposing             office and up
 */
enum tip_verdict tip_move_check(enum tip_state from, enum tip_move, int rank,
		    int assigned, enum tip_state *to);

/* A tip as the ledger shows it: never its reporter. */
struct tip_row {
	int64_t		 id;
	char		 ref[TIP_REF_MAX];
	char		*body;
	enum tip_state	 state;
	int64_t		 area_id;	/* 0: unknown */
	char		 area_path[512];
	int64_t		 enterprise_id;	/* 0: none */
	char		 enterprise[256];
	char		 first_ref[TIP_REF_MAX]; /* the first report about the
					   same enterprise; "" if this is it */
	int		 first;		/* 首报: names an enterprise, first */
	char		 measure[16];	/* "" until disposed */
	char		 channel[64];	/* instance it came through */
	time_t		 due_at;	/* 0: no deadline */
	int		 escalations;
	int		 anonymous;
	time_t		 created_at;
	time_t		 updated_at;
	time_t		 closed_at;
};
void		 tip_row_clear(struct tip_row *);

/* One tip by reference (a reference is matched in any case). */
enum store_status tips_get(struct store *, const char *ref, struct tip_row *);
enum store_status tips_get_id(struct store *, int64_t id, struct tip_row *);

struct tip_filter {
	int64_t		 scope;		/* area subtree; 0: all, and tips of
					   no known area too */
	unsigned	 states;	/* bits 1 << state; 0: all */
	int64_t		 assignee;	/* staff id; 0: anyone's */
	time_t		 since, until;	/* created in [since, until); 0: open */
	int64_t		 before;	/* ids below this (paging); 0: none */
	int		 unplaced;	/* with a scope: tips of no known area
					   too (the office sees those) */
};
/* Lists tips newest first; *count gets how many (at most n). */
enum store_status tips_list(struct store *, const struct tip_filter *,
		    struct tip_row *, size_t n, size_t *count);

struct tip_event {
	int64_t		 id;
	time_t		 at;
	char		 kind[24];
	char		 actor[32];	/* "staff:N", "reporter", "system" */
	char		 state[16];	/* after it; "" when it moved none */
	char		*note;		/* may be NULL */
};
void		 tip_event_clear(struct tip_event *);
/* The history of tip, oldest first, events after `after`. */
enum store_status tips_events(struct store *, int64_t tip, int64_t after,
		    struct tip_event *, size_t n, size_t *count);

/*
 * Moves tip from state from to state to (refused with STORE_NOT_FOUND when
 * it is no longer in from: two people moved it at once), records event
 * kind by actor with note, and sets its deadline (0: none). The caller
 * holds a transaction and checked the move (tip_move_check()).
 */
enum store_status tips_move(struct store *, int64_t tip, enum tip_state from,
		    enum tip_state to, const char *kind, const char *actor,
		    const char *note, time_t due_at, time_t now);
/* Appends an event that moves nothing (a question, an answer, a read). */
enum store_status tips_note(struct store *, int64_t tip, const char *kind,
		    const char *actor, const char *note, time_t now);

/* Replaces who works on a tip. */
enum store_status tips_assign(struct store *, int64_t tip,
		    const int64_t *staff, size_t n, time_t now);
/* Adds one (escalation). */
enum store_status tips_assign_add(struct store *, int64_t tip, int64_t staff,
		    time_t now);
/* Who works on a tip. */
enum store_status tips_assignees(struct store *, int64_t tip, int64_t *staff,
		    size_t n, size_t *count);
int		 tips_is_assignee(struct store *, int64_t tip, int64_t staff);

/* Records the disposal's measure ("admonished", …) and the enterprise. */
enum store_status tips_set_measure(struct store *, int64_t tip,
		    const char *measure, int64_t enterprise, time_t now);

/*
 * Links tip to enterprise: the first tip naming it within window seconds
 * before now stays the first report (首报); this one points to it, or is
 * itself the first. *first_ref (may be NULL) gets the first's reference,
 * "" when this tip is the first.
 */
enum store_status tips_link(struct store *, int64_t tip, int64_t enterprise,
		    int window, time_t now, char *first_ref, size_t size);

/*
 * Staff to assign a tip of area to, or to escalate to: the members of role
 * on the nearest area up the tree from area (itself first) that has any,
 * at most n. None: *count is 0.
 */
enum store_status staff_for_area(struct store *, int64_t area,
		    const char *role, int64_t *staff, size_t n, size_t *count);

/* Open tips whose deadline passed at now, at most n, oldest deadline
 * first; *count gets how many. */
enum store_status tips_overdue(struct store *, time_t now, int64_t *tips,
		    size_t n, size_t *count);
/* Counts an escalation and sets the next deadline. */
enum store_status tips_escalated(struct store *, int64_t tip, time_t due_at,
		    time_t now);

#endif

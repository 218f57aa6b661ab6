/*
 * What the staff's ledger commands (线索 核查 处置 销号 退回 指派 追问) share:
 * the struct tipflow of the sender, reading a tip reference, and the
 * answers to a move, refused or made. The moves themselves are
 * handlers/tipflow.h's.
 */
#ifndef FANGFEI_TIPCMD_H
#define FANGFEI_TIPCMD_H

#include "handlers.h"
#include "tipflow.h"

/* Longest note (a conclusion, a reason, a question), in characters. */
#define TIPCMD_NOTE_CHARS	1000

/* Fills tf for the staff member who sent ctx's message. */
void		 tipcmd_flow(const struct handler_ctx *, struct tipflow *);

/* Whether the word s is a tip reference (JB-YYYYMMDD-XXXXXX, any case). */
int		 tipcmd_is_ref(const char *s);

/*
 * Reads the reference at the start of args into ref (upper case) and
 * returns the rest; NULL, with ref holding what was there, when args does
 * not start with a reference.
 */
const char	*tipcmd_ref(const char *args, char ref[TIP_REF_MAX]);

/*
 * Refuses ledger work in a group chat, where a tip's text would reach
 * everyone: returns 1 with r filled there, else 0.
 */
int		 tipcmd_group(const struct handler_ctx *, struct reply *);

/* Answers the usage of h (wrong arguments). */
enum handler_ret tipcmd_usage(const struct handler_ctx *, enum msg_key usage,
		    struct reply *);

/* Refuses a note longer than TIPCMD_NOTE_CHARS: 1 with r filled. */
int		 tipcmd_too_long(const struct handler_ctx *, const char *note,
		    struct reply *);

/*
 * Answers the outcome fr of move on tip ref: for a refusal the reason
 * (not found and outside the sender's area alike, the state it is in and
 * what it allows, the role it needs, not assigned, a race), for success
 * (t filled) its new state and the next step. Returns HANDLER_FAILED for
 * TIPFLOW_FAILED, else HANDLER_OK.
 */
enum handler_ret tipcmd_answer(const struct handler_ctx *, struct tipflow *,
		    enum tipflow_result fr, const char *ref, enum tip_move move,
		    const struct tip_row *t, struct reply *);

/*
 * tipflow_move() with the tip after it read into *t (cleared by the
 * caller). tipflow_move()'s own out-parameter is not used: it reads the
 * tip back by an id its row was cleared of, and so fails every move it is
 * given for (handlers/tipflow.c); the tip is read again here instead.
 */
enum tipflow_result tipcmd_move(struct tipflow *, const char *ref,
		    enum tip_move, const char *note, const char *measure,
		    int64_t enterprise, struct tip_row *t);

/* The staff's name of a state, in ctx's language. */
const char	*tipcmd_state(const struct handler_ctx *, enum tip_state);

/* A local time "YYYY-MM-DD HH:MM" of t. */
void		 tipcmd_when(const struct handler_ctx *, time_t t,
		    char out[24]);

#endif

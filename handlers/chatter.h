/*
 * Group chatter that is no command: where a platform lets the bot read a
 * group's messages, one with a risk phrase becomes a lead for the area's
 * grid workers (storage/leads.h), and the group gets a short warning at
 * most once a window, never quoting the message or naming who wrote it.
 */
#ifndef FANGFEI_CHATTER_H
#define FANGFEI_CHATTER_H

#include "handlers.h"

/* The phrases looked for when [leads] phrases is not set. */
extern const char *const chatter_default_phrases[];

/* The first phrase of env->lead_phrases in text (as folded), or NULL:
 * cheap, no store, for every group message. */
const char	*chatter_match(const struct handler_env *, const char *text);

/*
 * Records the lead of ctx->in (phrase found in it), tells the area's grid
 * workers (else its liaisons), and puts the group's warning in r when the
 * group was not warned within the window. Returns HANDLER_OK (r may stay
 * empty) or HANDLER_FAILED. The caller holds a write transaction.
 */
enum handler_ret chatter_lead(struct handler_ctx *, const char *phrase,
		    struct reply *r);

/* Splits [leads] phrases ("a,b，c") into a NULL-ended list of new
 * strings, NULL when list is NULL (the built-in list then applies); frees
 * one. */
char		**chatter_phrases(const char *list);
void		 chatter_phrases_free(char **);

#endif

/*
 * From a parsed inbound message to a reply: find the command, load what
 * is known of the chat, run the handler, and for handlers that change
 * state, do it exactly once per platform message id.
 */
#ifndef FANGFEI_DISPATCH_H
#define FANGFEI_DISPATCH_H

#include <time.h>

#include "channel.h"
#include "handlers/handlers.h"
#include "storage/store.h"

enum dispatch_result {
	DISPATCH_IGNORED = 0,	/* not for us: no reply */
	DISPATCH_REPLIED,	/* reply filled */
	DISPATCH_REPEATED,	/* a retry: the stored reply was given again */
	DISPATCH_FAILED,	/* storage failed; reply holds an apology */
};

/* Handles one message; the reply is the caller's to clear. name receives
 * the command's name (or "-") for the log. */
enum dispatch_result dispatch_inbound(struct store *, const struct channel *,
		    const struct handler_env *, struct inbound *, time_t now,
		    struct reply *, const char **name);

/*
 * Queues r through the outbox as the answer to in, for backends whose
 * replies go through the outbox (reply_outbox) and for answers that missed
 * the platform's deadline (reply_deadline_ms): every part that fits ch,
 * each keyed by the message (a platform's retry, answered again from the
 * dedupe record, queues nothing twice) and carrying in->reply_meta, in a
 * write transaction of its own; then clears r, so that the webhook's
 * answer only acknowledges. Returns 0, or -1 (logged; r is kept).
 */
int	 dispatch_queue_reply(struct store *, const struct channel *,
	    const struct handler_env *, const struct inbound *, time_t now,
	    struct reply *);

#endif

/* 发布情况 / /broadcast <id>: delivered, waiting and failed counts. */
#include <stdio.h>
#include <stdlib.h>

#include "handlers.h"
#include "storage/outbox.h"
#include "storage/staff.h"

static const char *const cmd_broadcast_aliases[] = {
	"/broadcast", "broadcast", "发布情况", "送达情况", NULL
};

/* Answers with the counts of a broadcast in the sender's area. */
static enum handler_ret
cmd_broadcast_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct broadcast_counts	 c;
	char			 id[24], sent[24], pending[24], sending[24];
	char			 dead[24], accepted[24], *end;
	long long		 bid;
	int64_t			 area;
	enum store_status	 st;
	struct msg_var		 vars[] = {
		{ "id", id }, { "sent", sent }, { "pending", pending },
		{ "sending", sending }, { "dead", dead },
		{ "accepted", accepted },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_BROADCAST) },
		{ NULL, NULL }
	};

	bid = strtoll(args, &end, 10);
	if (*args == '\0' || *end != '\0' || bid <= 0) {
		handler_say(ctx, r, MSG_NEED_ARGS, vars);
		return HANDLER_USAGE;
	}
	(void)snprintf(id, sizeof id, "%lld", bid);
	st = broadcasts_get(ctx->store, bid, &area);
	if (st == STORE_NOT_FOUND || (st == STORE_OK &&
	    !areas_within(ctx->store, area, ctx->staff_area))) {
		handler_say(ctx, r, MSG_BROADCAST_UNKNOWN, vars);
		return HANDLER_OK;
	}
	if (st != STORE_OK || broadcasts_counts(ctx->store, bid, &c) != STORE_OK)
		return HANDLER_FAILED;
	(void)snprintf(sent, sizeof sent, "%ld", c.sent);
	(void)snprintf(pending, sizeof pending, "%ld", c.pending);
	(void)snprintf(sending, sizeof sending, "%ld", c.sending);
	(void)snprintf(dead, sizeof dead, "%ld", c.dead);
	(void)snprintf(accepted, sizeof accepted, "%ld", c.accepted);
	handler_say(ctx, r, MSG_BROADCAST_STATUS, vars);
	return HANDLER_OK;
}

const struct handler cmd_broadcast_entry = {
	.name = "broadcast",
	.aliases = cmd_broadcast_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_BROADCAST,
	.exec = cmd_broadcast_exec,
};

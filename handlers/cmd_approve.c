/* 批准 <申请号>: a custodian approves a request to see a reporter. */
#include "reveal.h"

static const char *const cmd_approve_aliases[] = {
	"/approve", "approve", "批准", NULL
};

/* Approves a reveal request. */
static enum handler_ret
cmd_approve_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	return reveal_decide(ctx, args, r, 1);
}

const struct handler cmd_approve_entry = {
	.name = "approve",
	.aliases = cmd_approve_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_APPROVE,
	.flags = HANDLER_WRITES,
	.exec = cmd_approve_exec,
};

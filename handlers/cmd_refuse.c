/* 拒绝 <申请号>: a custodian refuses a request to see a reporter. */
#include "reveal.h"

static const char *const cmd_refuse_aliases[] = {
	"/refuse", "refuse", "拒绝", NULL
};

/* Refuses a reveal request. */
static enum handler_ret
cmd_refuse_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	return reveal_decide(ctx, args, r, 0);
}

const struct handler cmd_refuse_entry = {
	.name = "refuse",
	.aliases = cmd_refuse_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_REFUSE,
	.flags = HANDLER_WRITES,
	.exec = cmd_refuse_exec,
};

/*
 * 退订 / TD / STOP: an SMS number opts out of broadcast SMS. The answer
 * is the last broadcast-free message it gets; a number that opted out
 * already gets no answer at all (an auto-responder repeating STOP is not
 * answered back). Reporting and checking go on working.
 */
#include "handlers.h"
#include "storage/phones.h"

static const char *const cmd_optout_aliases[] = {
	"退订", "TD", "STOP", "/stop", "unsubscribe", "取消订阅", NULL
};

/* Records the opt-out and confirms it once. */
static enum handler_ret
cmd_optout_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	int	 changed;

	(void)args;
	if (phones_set_opt_out(ctx->store, ctx->phone, 1, ctx->now,
	    &changed) != STORE_OK)
		return HANDLER_FAILED;
	if (changed)
		handler_say(ctx, r, MSG_OPTOUT_OK, NULL);
	return HANDLER_OK;
}

const struct handler cmd_optout_entry = {
	.name = "optout",
	.aliases = cmd_optout_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_OPTOUT,
	.flags = HANDLER_WRITES | HANDLER_SMS,
	.exec = cmd_optout_exec,
};

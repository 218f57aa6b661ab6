/* 订阅 / START: an SMS number that opted out takes broadcasts again. */
#include "handlers.h"
#include "storage/phones.h"

static const char *const cmd_optin_aliases[] = {
	"订阅", "START", "/subscribe", "subscribe", "重新订阅", NULL
};

/* Records the opt-in and confirms it. */
static enum handler_ret
cmd_optin_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	int	 changed;

	(void)args;
	if (phones_set_opt_out(ctx->store, ctx->phone, 0, ctx->now,
	    &changed) != STORE_OK)
		return HANDLER_FAILED;
	handler_say(ctx, r, changed ? MSG_OPTIN_OK : MSG_OPTIN_ALREADY, NULL);
	return HANDLER_OK;
}

const struct handler cmd_optin_entry = {
	.name = "optin",
	.aliases = cmd_optin_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_OPTIN,
	.flags = HANDLER_WRITES | HANDLER_SMS,
	.exec = cmd_optin_exec,
};

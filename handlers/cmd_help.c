/* 帮助 / /help: the commands this person may use, from the table. */
#include "handlers.h"

static const char *const cmd_help_aliases[] = {
	"/help", "/start", "help", "帮助", "菜单", "?", "？", NULL
};

/* Answers with the generated help text. */
static enum handler_ret
cmd_help_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	(void)args;
	handler_help(ctx, r);
	return HANDLER_OK;
}

const struct handler cmd_help_entry = {
	.name = "help",
	.aliases = cmd_help_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_HELP,
	.flags = HANDLER_WHO | HANDLER_PRACTICE,
	.exec = cmd_help_exec,
};

/*
 * 绑定 / /bind <code>: a staff member links the chat account they write
 * from, with the one-time code the office gave them (6 digits, 24 hours).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "storage/staff.h"

static const char *const cmd_bind_aliases[] = {
	"/bind", "bind", "绑定", NULL
};

/* Returns the text key of a stored role. */
static enum msg_key
cmd_bind_role_key(const char *role)
{
	switch (role_parse(role)) {
	case ROLE_GRID_CHIEF:
		return MSG_ROLE_GRID_CHIEF;
	case ROLE_LIAISON:
		return MSG_ROLE_LIAISON;
	case ROLE_OFFICE:
		return MSG_ROLE_OFFICE;
	case ROLE_ADMIN:
		return MSG_ROLE_ADMIN;
	default:
		return MSG_ROLE_GRID_WORKER;
	}
}

/* Spends the code and confirms who the account now is. */
static enum handler_ret
cmd_bind_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct staff_info	 who;
	enum store_status	 st;
	char			 code[BIND_CODE_LEN + 1];
	size_t			 i;
	struct msg_var		 vars[] = {
		{ "name", who.name }, { "role", NULL }, { "area", who.area_path },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_BIND) },
		{ NULL, NULL }
	};

	for (i = 0; i < BIND_CODE_LEN && isdigit((unsigned char)args[i]); i++)
		code[i] = args[i];
	code[i] = '\0';
	if (i != BIND_CODE_LEN || args[i] != '\0') {
		handler_say(ctx, r, MSG_NEED_ARGS, vars);
		return HANDLER_USAGE;
	}
	st = staff_bind(ctx->store, code, ctx->in->channel, ctx->in->sender_id,
	    ctx->now, &who);
	if (st == STORE_NOT_FOUND) {
		handler_say(ctx, r, MSG_BIND_BAD, NULL);
		return HANDLER_OK;
	}
	if (st != STORE_OK)
		return HANDLER_FAILED;
	vars[1].value = msg_template(ctx->locale, cmd_bind_role_key(who.role));
	handler_say(ctx, r, MSG_BIND_OK, vars);
	return HANDLER_OK;
}

const struct handler cmd_bind_entry = {
	.name = "bind",
	.aliases = cmd_bind_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_BIND,
	.flags = HANDLER_WRITES,
	.exec = cmd_bind_exec,
};

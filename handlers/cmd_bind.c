/*
 * 绑定 / /bind <code>: a staff member links the chat account they write
 * from, in a private chat, with the one-time code the office gave them
 * (XXXX-XXXX-XX, 24 hours). Failed attempts are counted in the database
 * per sender and per channel; past the limit binds pause for the
 * cool-down. Every bind and failure goes to the audit log (never the code
 * itself), and the member's other bound accounts are told of a new one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Writes t as "YYYY-MM-DD HH:MM" in the deployment's local time. */
static void
cmd_bind_time(const struct handler_ctx *ctx, time_t t, char out[32])
{
	struct tm	 tm;
	time_t		 local = t + ctx->env->utc_offset;

	gmtime_r(&local, &tm);
	(void)strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* Counts and audits a failed attempt; answers that the code is bad. */
static enum handler_ret
cmd_bind_failed(struct handler_ctx *ctx, const char *actor, struct reply *r)
{
	int	 window = ctx->env->bind_cooldown_minutes * 60;

	if (staff_bind_failed(ctx->store, ctx->in->channel, ctx->in->sender_id,
	    ctx->now, window > 0 ? window : 3600) != STORE_OK ||
	    audit_add(ctx->store, actor, "bind failed", "unknown, used or "
	    "expired code", ctx->now) != STORE_OK)
		return HANDLER_FAILED;
	handler_say(ctx, r, MSG_BIND_BAD, NULL);
	return HANDLER_OK;
}

/* Tells the member's other accounts that this one bound as them: by its
 * display name (which its owner chooses) and its platform user id. */
static enum handler_ret
cmd_bind_notify(struct handler_ctx *ctx, const struct staff_info *who)
{
	char		*body, name[INBOUND_NAME_MAX + INBOUND_ID_MAX + 4];
	long		 n;
	struct msg_var	 vars[] = {
		{ "who", name }, { "channel", ctx->in->channel }, { NULL, NULL }
	};

	if (ctx->in->sender_name[0] != '\0')
		(void)snprintf(name, sizeof name, "%s, id %s",
		    ctx->in->sender_name, ctx->in->sender_id);
	else
		(void)snprintf(name, sizeof name, "id %s", ctx->in->sender_id);
	body = msg_format(ctx->locale, MSG_BIND_NOTICE, vars);
	if (staff_notify_identities(ctx->store, who->id, ctx->in->channel,
	    ctx->in->sender_id, body, ctx->now, &n) != STORE_OK) {
		free(body);
		return HANDLER_FAILED;
	}
	free(body);
	if (n > 0)
		ctx->outbox_written = 1;
	return HANDLER_OK;
}

/* Spends the code and confirms who the account now is. */
static enum handler_ret
cmd_bind_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	const struct handler_env *env = ctx->env;
	struct staff_info	 who;
	enum store_status	 st;
	time_t			 until;
	char			 actor[2 * INBOUND_ID_MAX + 2], when[32];
	char			 detail[192];
	int			 locked;
	struct msg_var		 vars[] = {
		{ "name", who.name }, { "role", NULL }, { "area", who.area_path },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_BIND) },
		{ "time", when }, { NULL, NULL }
	};

	memset(&who, 0, sizeof who);
	if (*args == '\0') {
		handler_say(ctx, r, MSG_NEED_ARGS, vars);
		return HANDLER_USAGE;
	}
	if (ctx->in->chat_kind != CHAT_PRIVATE) {
		handler_say(ctx, r, MSG_BIND_IN_GROUP, NULL);
		return HANDLER_OK;
	}
	(void)snprintf(actor, sizeof actor, "%s:%s", ctx->in->channel,
	    ctx->in->sender_id);
	locked = staff_bind_locked(ctx->store, ctx->in->channel,
	    ctx->in->sender_id, ctx->now, env->bind_cooldown_minutes * 60,
	    env->bind_failures_per_sender, env->bind_failures_per_channel,
	    &until);
	if (locked == -1)
		return HANDLER_FAILED;
	if (locked) {
		cmd_bind_time(ctx, until, when);
		handler_say(ctx, r, MSG_BIND_LOCKED, vars);
		return HANDLER_OK;
	}
	st = staff_bind(ctx->store, args, ctx->in->channel, ctx->in->sender_id,
	    ctx->in->chat_id, ctx->now, &who);
	if (st == STORE_NOT_FOUND)
		return cmd_bind_failed(ctx, actor, r);
	if (st != STORE_OK)
		return HANDLER_FAILED;
	(void)snprintf(detail, sizeof detail, "staff %lld (%s)",
	    (long long)who.id, who.name);
	if (audit_add_area(ctx->store, actor, "bind", detail, who.area_id,
	    ctx->now) != STORE_OK || cmd_bind_notify(ctx, &who) != HANDLER_OK)
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

/*
 * 登录 / /login: a staff member's one-time link to the web console, sent
 * in their bound private chat only (in a group, anyone could use it). The
 * link lives ten minutes, works once and is stored only as its hash. It
 * is answered like any text — also on channels whose answers go through
 * the outbox (DingTalk, Feishu, WeCom apps), where offices work — so there
 * the outbox row holds it until it is spent or expired, after which it
 * opens nothing; the dedupe record keeps no copy (HANDLER_NO_REPLAY).
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "handlers.h"
#include "storage/sessions.h"
#include "storage/staff.h"

static const char *const cmd_login_aliases[] = {
	"/login", "login", "登录", "登陆", NULL
};

/* Makes the link and answers with it. */
static enum handler_ret
cmd_login_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	char			 secret[SESSION_SECRET_LEN + 1], link[1024];
	struct msg_var		 vars[] = { { "link", link }, { NULL, NULL } };
	enum store_status	 st;
	char			 who[32];

	(void)args;
	if (ctx->in->chat_kind == CHAT_GROUP) {
		handler_say(ctx, r, MSG_LOGIN_PRIVATE, NULL);
		return HANDLER_OK;
	}
	if (ctx->env->console_base == NULL) {
		handler_say(ctx, r, MSG_LOGIN_NONE, NULL);
		return HANDLER_OK;
	}
	if ((st = login_links_create(ctx->store, ctx->staff_id, ctx->now,
	    secret)) != STORE_OK)
		return HANDLER_FAILED;
	(void)snprintf(link, sizeof link, "%s/admin/login?t=%s",
	    ctx->env->console_base, secret);
	OPENSSL_cleanse(secret, sizeof secret);
	(void)snprintf(who, sizeof who, "staff:%lld", (long long)ctx->staff_id);
	if (audit_add_area(ctx->store, who, "console link", "by chat",
	    ctx->staff_area, ctx->now) != STORE_OK) {
		OPENSSL_cleanse(link, sizeof link);
		return HANDLER_FAILED;
	}
	handler_say(ctx, r, MSG_LOGIN_LINK, vars);
	OPENSSL_cleanse(link, sizeof link);
	return HANDLER_OK;
}

const struct handler cmd_login_entry = {
	.name = "login",
	.aliases = cmd_login_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_LOGIN,
	.flags = HANDLER_WRITES | HANDLER_NO_REPLAY,
	.exec = cmd_login_exec,
};

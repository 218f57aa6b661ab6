/*
 * Dispatching one inbound message. Read-only commands just run. Commands
 * that change state run inside one IMMEDIATE transaction together with the
 * dedupe record (channel, message id, reply): a platform's retry finds the
 * record and gets the same reply; the work is not done twice. The commit
 * happens before the reply leaves, so an acknowledged tip is on disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "log.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/chats.h"
#include "storage/staff.h"

#define REPLY_SEP	'\x1e'

/* Joins reply texts with RS for the dedupe record. */
static char *
dispatch_join(const struct reply *r)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, REPLY_TEXTS_MAX * (REPLY_TEXT_MAX + 1));
	for (i = 0; i < r->ntexts; i++) {
		if (i > 0)
			(void)buf_add(&b, "\x1e", 1);
		(void)buf_adds(&b, r->texts[i]);
	}
	return buf_steal(&b);
}

/* Splits a stored record back into texts. */
static void
dispatch_split(const char *s, struct reply *r)
{
	const char	*sep;

	while ((sep = strchr(s, REPLY_SEP)) != NULL) {
		reply_add_owned(r, xstrndup(s, (size_t)(sep - s)));
		s = sep + 1;
	}
	if (*s != '\0')
		reply_add(r, s);
}

/* Replaces the reply with the apology. */
static void
dispatch_apology(const struct handler_ctx *ctx, struct reply *r)
{
	struct msg_var	 vars[] = {
		{ "hotline", ctx->env->hotline }, { NULL, NULL }
	};

	reply_clear(r);
	handler_say(ctx, r, MSG_INTERNAL_ERROR, vars);
}

/* Runs a state-changing handler exactly once per message id. */
static enum dispatch_result
dispatch_once(struct handler_ctx *ctx, const struct handler *h,
    const char *args, struct reply *r)
{
	const struct inbound	*in = ctx->in;
	enum store_status	 st;
	enum handler_ret	 hr;
	char			*stored = NULL;

	if ((st = store_begin(ctx->store)) != STORE_OK)
		goto fail;
	st = inbound_seen_get(ctx->store, in->channel, in->message_id, &stored);
	if (st == STORE_OK) {
		store_rollback(ctx->store);
		dispatch_split(stored, r);
		free(stored);
		return DISPATCH_REPEATED;
	}
	if (st != STORE_NOT_FOUND)
		goto fail;
	hr = h->exec(ctx, args, r);
	if (hr == HANDLER_FAILED)
		goto fail;
	stored = dispatch_join(r);
	st = inbound_seen_put(ctx->store, in->channel, in->message_id, ctx->now,
	    stored);
	free(stored);
	if (st != STORE_OK || (st = store_commit(ctx->store)) != STORE_OK)
		goto fail;
	if (ctx->outbox_written && ctx->env->outbox_wake != NULL)
		ctx->env->outbox_wake(ctx->env->wake_arg);
	return DISPATCH_REPLIED;
fail:
	log_error("%s: %s: %s", in->channel, h->name,
	    store_errmsg(ctx->store));
	store_rollback(ctx->store);
	dispatch_apology(ctx, r);
	return DISPATCH_FAILED;
}

/* Handles one message. */
enum dispatch_result
dispatch_inbound(struct store *s, const struct channel *ch,
    const struct handler_env *env, struct inbound *in, time_t now,
    struct reply *r, const char **name)
{
	const struct handler	*h;
	struct handler_ctx	 ctx;
	struct chat_info	 ci;
	struct staff_info	 who;
	const char		*args = NULL;
	char			 shown[96];	/* 20 characters of up to 4 bytes */
	enum store_status	 st;
	enum handler_ret	 hr;

	*name = "-";
	if (in->ignore || in->text == NULL)
		return DISPATCH_IGNORED;
	text_trim(in->text);
	h = handler_parse(in->text, &args);
	/* In a group only commands get an answer; chatter is not ours. */
	if (h == NULL && in->chat_kind == CHAT_GROUP && !in->explicit_cmd)
		return DISPATCH_IGNORED;

	memset(&ctx, 0, sizeof ctx);
	ctx.store = s;
	ctx.in = in;
	ctx.env = env;
	ctx.locale = ch->locale;
	ctx.role = ROLE_RESIDENT;
	ctx.area_id = ch->area_id;
	ctx.now = now;
	st = groups_seen(s, ch->name, in->chat_id, in->chat_title,
	    in->chat_kind == CHAT_GROUP, now, &ci);
	if (st == STORE_OK) {
		if (ci.area_id != 0)
			ctx.area_id = ci.area_id;
		if (ci.locale[0] != '\0')
			(void)locale_parse(ci.locale, &ctx.locale);
	} else if (st != STORE_NOT_FOUND)
		log_warn("%s: chat lookup: %s", ch->name, store_errmsg(s));
	if (h != NULL && (h->min_role > ROLE_RESIDENT ||
	    (h->flags & HANDLER_WHO)) &&
	    staff_by_identity(s, ch->name, in->sender_id, &who) == STORE_OK) {
		ctx.role = role_parse(who.role);
		ctx.staff_id = who.id;
		ctx.staff_area = who.area_id;
		(void)snprintf(ctx.staff_name, sizeof ctx.staff_name, "%s",
		    who.name);
	}

	if (h == NULL) {
		/* Quote at most 20 characters of what was not understood. */
		(void)snprintf(shown, sizeof shown, "%.*s",
		    (int)utf8_prefix(in->text, 20), in->text);
		struct msg_var vars[] = { { "text", shown }, { NULL, NULL } };
		handler_say(&ctx, r, MSG_UNKNOWN_COMMAND, vars);
		return DISPATCH_REPLIED;
	}
	*name = h->name;
	if (h->min_role > ctx.role) {
		handler_say(&ctx, r, MSG_STAFF_ONLY, NULL);
		return DISPATCH_REPLIED;
	}
	if (h->flags & HANDLER_WRITES)
		return dispatch_once(&ctx, h, args, r);
	/* Read-only: one snapshot for all the handler's statements. */
	if (store_begin_read(s) != STORE_OK) {
		log_error("%s: %s: %s", ch->name, h->name, store_errmsg(s));
		dispatch_apology(&ctx, r);
		return DISPATCH_FAILED;
	}
	hr = h->exec(&ctx, args, r);
	store_end_read(s);
	if (hr == HANDLER_FAILED) {
		log_error("%s: %s: %s", ch->name, h->name, store_errmsg(s));
		dispatch_apology(&ctx, r);
		return DISPATCH_FAILED;
	}
	return DISPATCH_REPLIED;
}

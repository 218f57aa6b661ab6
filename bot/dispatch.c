/*
 * Dispatching one inbound message. Read-only commands just run. Commands
 * that change state run inside one IMMEDIATE transaction together with the
 * dedupe record (channel, the message id with the chat and sender where
 * the backend's ids need them, reply): a platform's retry finds the
 * record and gets the same reply; the work is not done twice. The commit
 * happens before the reply leaves, so an acknowledged tip is on disk.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "log.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "handlers/chatter.h"
#include "storage/chats.h"
#include "storage/staff.h"

#define REPLY_SEP	'\x1e'

/*
 * What the dispatcher itself enforces for some commands, by name (the
 * handlers stay unaware of it): commands that would tie a person to a tip
 * are refused in group chats before anything is stored, and commands that
 * cost a write or a search are limited per sender (messages/limit.h), one
 * polite answer and then silence for the rest of the window.
 */
struct dispatch_policy {
	const char	*name;		/* handler name */
	int		 private_only;
	const char	*kind;		/* limiter kind, or NULL */
	size_t		 max_offset;	/* int in struct handler_env */
	int		 window;	/* seconds */
	enum msg_key	 flood;		/* the one polite answer */
};

static const struct dispatch_policy dispatch_policies[] = {
	{ "report", 1, "tip", offsetof(struct handler_env, tips_per_hour),
	  3600, MSG_FLOOD_TIPS },
	{ "status", 1, NULL, 0, 0, MSG__COUNT },
	/* The two-person reveal: never in a group, where the identity (or
	 * that a reveal is under way) would be read by everyone. */
	{ "reveal", 1, NULL, 0, 0, MSG__COUNT },
	{ "approve", 1, NULL, 0, 0, MSG__COUNT },
	{ "refuse", 1, NULL, 0, 0, MSG__COUNT },
	{ "reporter", 1, NULL, 0, 0, MSG__COUNT },
	/* A reporter's 补充 tells the assignees: counted as tips are. */
	{ "supplement", 1, "tip", offsetof(struct handler_env, tips_per_hour),
	  3600, MSG_FLOOD_TIPS },
	{ "check", 0, "check", offsetof(struct handler_env, checks_per_minute),
	  60, MSG_FLOOD_CHECKS },
};

/* Returns the policy of handler h, or NULL. */
static const struct dispatch_policy *
dispatch_policy(const struct handler *h)
{
	size_t	 i;

	for (i = 0; i < sizeof dispatch_policies / sizeof dispatch_policies[0];
	    i++)
		if (strcmp(dispatch_policies[i].name, h->name) == 0)
			return &dispatch_policies[i];
	return NULL;
}

/*
 * Counts one use of p's command by the sender (channel, sender_id).
 * Returns LIMIT_PASS to go on; LIMIT_WARN with r holding the polite
 * answer; LIMIT_QUIET with r empty.
 */
static enum limit_verdict
dispatch_limit(const struct handler_ctx *ctx, const struct dispatch_policy *p,
    struct reply *r)
{
	const struct handler_env	*env = ctx->env;
	enum limit_verdict		 v;
	char				 key[2 * INBOUND_ID_MAX + 2], mins[16];
	int				 max, wait;
	struct msg_var			 vars[] = {
		{ "minutes", mins }, { "hotline", env->hotline },
		{ NULL, NULL }
	};

	if (p == NULL || p->kind == NULL || env->limits == NULL)
		return LIMIT_PASS;
	max = *(const int *)(const void *)((const char *)env + p->max_offset);
	if (max <= 0)
		return LIMIT_PASS;	/* off */
	(void)snprintf(key, sizeof key, "%s\x1f%s", ctx->in->channel,
	    ctx->in->sender_id);
	v = limiter_hit(env->limits, p->kind, key, max, p->window, ctx->now);
	if (v == LIMIT_WARN) {
		wait = limiter_wait(env->limits, p->kind, key, ctx->now);
		(void)snprintf(mins, sizeof mins, "%d",
		    wait <= 60 ? 1 : (wait + 59) / 60);
		handler_say(ctx, r, p->flood, vars);
	}
	return v;
}

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

/*
 * Queues text (what is left of an answer) for in's chat in parts that fit
 * ch, numbered from k, each keyed by the message and its number so that a
 * platform's retry queues nothing twice, with in->reply_meta, due a second
 * after now so that they follow what went before. With only set, queues
 * the first part alone. The caller holds a write transaction. Returns
 * STORE_OK or the error; *written says a row may have been added.
 */
static enum store_status
dispatch_queue_parts(struct store *s, const struct channel *ch,
    const struct inbound *in, const char *p, int k, int only, time_t now,
    int *written)
{
	enum store_status	 st = STORE_OK;
	char			*part, idem[4 * INBOUND_ID_MAX + 32];
	size_t			 n;

	for (; *p != '\0' && st == STORE_OK; k++) {
		while (*p == '\n')
			p++;
		if (*p == '\0')
			break;
		n = channel_part(ch, p);
		part = xstrndup(p, n);
		(void)snprintf(idem, sizeof idem, "part:%s:%s:%s:%s:%d",
		    in->channel, in->chat_id, in->sender_id, in->message_id, k);
		st = chats_queue_text(s, ch->name, in->chat_id,
		    in->chat_kind == CHAT_GROUP ? "group" : "private", part,
		    idem, in->reply_meta, now + 1, now);
		free(part);
		p += n;
		*written = 1;
		if (only)
			break;
	}
	return st;
}

/*
 * Queues the parts of r after the first when r is too long for one
 * message on ch (channel_part()): the webhook's answer carries the first,
 * the delivery thread sends the rest. Without a way to send (no bot token)
 * the rest is lost and logged. Backends whose replies all go through the
 * outbox are left to dispatch_queue_reply(). The caller holds a write
 * transaction. Returns STORE_OK or the error.
 */
static enum store_status
dispatch_overflow(struct handler_ctx *ctx, const struct channel *ch,
    const struct reply *r)
{
	const struct inbound	*in = ctx->in;
	enum store_status	 st;
	char			*text;
	const char		*p;

	if (ch->backend == NULL || ch->backend->fit == NULL ||
	    ch->backend->reply_outbox || r->ntexts == 0)
		return STORE_OK;
	text = channel_reply_text(r);
	p = text + channel_part(ch, text);
	if (*p != '\0' && (ch->backend->sends == NULL ||
	    !ch->backend->sends(ch))) {
		/* No chat id in the log: in a private chat it names the
		 * person (maybe a reporter). */
		log_warn("%s: an answer was cut at %zu of %zu bytes: no token "
		    "to send the rest", ch->name, (size_t)(p - text),
		    strlen(text));
		*(char *)(uintptr_t)p = '\0';
	}
	st = dispatch_queue_parts(ctx->store, ch, in, p, 2, 0, ctx->now,
	    &ctx->outbox_written);
	free(text);
	return st;
}

/* Queues the whole answer through the outbox (see dispatch.h). */
int
dispatch_queue_reply(struct store *s, const struct channel *ch,
    const struct handler_env *env, const struct inbound *in, time_t now,
    struct reply *r)
{
	char	*text;
	int	 written = 0, only;

	if (r->ntexts == 0)
		return 0;
	text = channel_reply_text(r);
	/* A webhook answer that missed its deadline: its later parts were
	 * queued already (dispatch_overflow()). */
	only = ch->backend->fit != NULL && !ch->backend->reply_outbox;
	if (store_begin(s) != STORE_OK ||
	    dispatch_queue_parts(s, ch, in, text, 1, only, now,
	    &written) != STORE_OK ||
	    store_commit(s) != STORE_OK) {
		log_error("%s: queueing an answer: %s", ch->name,
		    store_errmsg(s));
		store_rollback(s);
		free(text);
		return -1;
	}
	free(text);
	reply_clear(r);
	if (written && env->outbox_wake != NULL)
		env->outbox_wake(env->wake_arg);
	return 0;
}

/* Fills the dedupe key of in: the message id, and the chat and sender
 * where the channel's backend says its ids are unique only within them
 * (no backend: the web form, whose ids are server nonces). */
static void
dispatch_key(const struct channel *ch, const struct inbound *in,
    struct inbound_key *k)
{
	int	 scope = ch->backend != NULL ? ch->backend->dedupe : 0;

	k->channel = in->channel;
	k->chat_id = (scope & CHANNEL_DEDUPE_CHAT) ? in->chat_id : "";
	k->sender_id = (scope & CHANNEL_DEDUPE_SENDER) ? in->sender_id : "";
	k->message_id = in->message_id;
}

/*
 * Runs a state-changing handler exactly once per message. The flood limit
 * is counted only for a message not seen before: a platform's retry of an
 * answered message gets the stored answer and costs the sender nothing.
 * A refused message leaves no record (its retry is refused quietly).
 */
static enum dispatch_result
dispatch_once(struct handler_ctx *ctx, const struct channel *ch,
    const struct handler *h, const struct dispatch_policy *pol,
    const char *args, struct reply *r)
{
	const struct inbound	*in = ctx->in;
	struct inbound_key	 key;
	enum store_status	 st;
	enum handler_ret	 hr;
	char			*stored = NULL;

	dispatch_key(ch, in, &key);
	if ((st = store_begin(ctx->store)) != STORE_OK)
		goto fail;
	st = inbound_seen_get(ctx->store, &key, &stored);
	if (st == STORE_OK) {
		store_rollback(ctx->store);
		dispatch_split(stored, r);
		free(stored);
		return DISPATCH_REPEATED;
	}
	if (st != STORE_NOT_FOUND)
		goto fail;
	switch (dispatch_limit(ctx, pol, r)) {
	case LIMIT_PASS:
		break;
	case LIMIT_WARN:
		store_rollback(ctx->store);
		return DISPATCH_REPLIED;
	case LIMIT_QUIET:
		store_rollback(ctx->store);
		return DISPATCH_IGNORED;
	}
	hr = h->exec(ctx, args, r);
	/* A secret goes in the webhook's answer only: never a later part
	 * through the outbox, where it would be written down. */
	if (h->flags & HANDLER_SECRET)
		r->secret = 1;
	if (hr == HANDLER_FAILED || (!r->secret &&
	    dispatch_overflow(ctx, ch, r) != STORE_OK))
		goto fail;
	/* A secret shown once is never kept for a retry (HANDLER_SECRET,
	 * HANDLER_NO_REPLAY). */
	stored = (h->flags & (HANDLER_SECRET | HANDLER_NO_REPLAY)) ?
	    xstrdup("") : dispatch_join(r);
	st = inbound_seen_put(ctx->store, &key, ctx->now, stored);
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

/* After a read-only handler: queues the later parts of a long answer in a
 * transaction of their own. The first part goes out whatever happens. */
static enum dispatch_result
dispatch_rest(struct handler_ctx *ctx, const struct channel *ch,
    struct reply *r)
{
	char	*text;
	int	 longer;

	if (ch->backend == NULL || ch->backend->fit == NULL || r->ntexts == 0)
		return DISPATCH_REPLIED;
	text = channel_reply_text(r);
	longer = text[channel_part(ch, text)] != '\0';
	free(text);
	if (!longer)
		return DISPATCH_REPLIED;
	if (store_begin(ctx->store) != STORE_OK ||
	    dispatch_overflow(ctx, ch, r) != STORE_OK ||
	    store_commit(ctx->store) != STORE_OK) {
		log_error("%s: queueing the rest of an answer: %s", ch->name,
		    store_errmsg(ctx->store));
		store_rollback(ctx->store);
		return DISPATCH_REPLIED;
	}
	if (ctx->outbox_written && ctx->env->outbox_wake != NULL)
		ctx->env->outbox_wake(ctx->env->wake_arg);
	return DISPATCH_REPLIED;
}

/*
 * Group chatter with a risk phrase: a lead and, once a window, the
 * group's warning (handlers/chatter.h), in one transaction. Chatter
 * without one costs no query.
 */
static enum dispatch_result
dispatch_chatter(struct store *s, const struct channel *ch,
    const struct handler_env *env, const struct inbound *in, time_t now,
    struct reply *r)
{
	struct handler_ctx	 ctx;
	struct chat_info	 ci;
	const char		*phrase;

	if ((phrase = chatter_match(env, in->text)) == NULL)
		return DISPATCH_IGNORED;
	memset(&ctx, 0, sizeof ctx);
	ctx.store = s;
	ctx.in = in;
	ctx.env = env;
	ctx.locale = ch->locale;
	ctx.area_id = ch->area_id;
	ctx.now = now;
	if (store_begin(s) != STORE_OK)
		goto fail;
	if (groups_seen(s, ch->name, in->chat_id, in->chat_title, 1, now,
	    &ci) == STORE_OK) {
		if (ci.area_id != 0)
			ctx.area_id = ci.area_id;
		if (ci.locale[0] != '\0')
			(void)locale_parse(ci.locale, &ctx.locale);
	}
	if (chatter_lead(&ctx, phrase, r) != HANDLER_OK ||
	    store_commit(s) != STORE_OK)
		goto fail;
	if (ctx.outbox_written && env->outbox_wake != NULL)
		env->outbox_wake(env->wake_arg);
	return r->ntexts > 0 ? DISPATCH_REPLIED : DISPATCH_IGNORED;
fail:
	log_error("%s: a lead: %s", ch->name, store_errmsg(s));
	store_rollback(s);
	reply_clear(r);
	return DISPATCH_IGNORED;
}

/*
 * An SMS that is no command gets the help, at most once a window per
 * number: two auto-responders (a phone's "I am driving" and ours) must not
 * keep answering each other, each answer costing an SMS.
 */
static enum dispatch_result
dispatch_sms_help(const struct handler_ctx *ctx, struct reply *r)
{
	const struct handler_env	*env = ctx->env;
	char				 key[2 * INBOUND_ID_MAX + 2];

	if (env->limits != NULL && env->sms_help_minutes > 0) {
		(void)snprintf(key, sizeof key, "%s\x1f%s", ctx->in->channel,
		    ctx->in->sender_id);
		if (limiter_hit(env->limits, "sms-help", key, 1,
		    env->sms_help_minutes * 60, ctx->now) != LIMIT_PASS)
			return DISPATCH_IGNORED;
	}
	handler_help(ctx, r);
	return DISPATCH_REPLIED;
}

/* Handles one message. */
enum dispatch_result
dispatch_inbound(struct store *s, const struct channel *ch,
    const struct handler_env *env, struct inbound *in, time_t now,
    struct reply *r, const char **name)
{
	const struct handler	*h;
	const struct dispatch_policy *pol;
	struct handler_ctx	 ctx;
	struct chat_info	 ci;
	struct staff_info	 who;
	const char		*args = NULL;
	enum msg_key		 key;
	enum limit_verdict	 verdict;
	char			 shown[96];	/* 20 characters of up to 4 bytes */
	enum store_status	 st;
	enum handler_ret	 hr;
	int			 sms, practice, record, reading;

	*name = "-";
	if (in->ignore || in->text == NULL)
		return DISPATCH_IGNORED;
	text_trim(in->text);
	sms = ch->backend != NULL && ch->backend->sms;
	practice = ch->backend != NULL && ch->backend->practice;
	h = handler_parse(in->text, &args);
	if (h != NULL && (h->flags & HANDLER_SMS) && !sms)
		h = NULL;
	/* In a group only commands get an answer; chatter is not ours,
	 * unless it carries a risk phrase (a lead). A practice group's
	 * chatter makes no lead: leads are real work for real staff. */
	if (h == NULL && in->chat_kind == CHAT_GROUP && !in->explicit_cmd)
		return practice ? DISPATCH_IGNORED :
		    dispatch_chatter(s, ch, env, in, now, r);

	memset(&ctx, 0, sizeof ctx);
	ctx.store = s;
	ctx.in = in;
	ctx.env = env;
	ctx.locale = ch->locale;
	ctx.role = ROLE_RESIDENT;
	ctx.area_id = ch->area_id;
	ctx.now = now;
	ctx.phone = sms ? in->sender_id : NULL;
	ctx.practice = practice;
	/* A practice group is not recorded: no 绑定群 can then give it an
	 * area, and no real warning can ever be queued for it. */
	record = in->chat_kind == CHAT_GROUP && !practice;
	/*
	 * A command that only reads (a check, the help) takes one snapshot
	 * for everything it looks up: the chat, the sender and the handler's
	 * own statements. Each transaction costs a lock and an unlock of the
	 * WAL index, a system call each; this is the hot path.
	 */
	reading = !record && h != NULL && !(h->flags & HANDLER_WRITES);
	if (reading && store_begin_read(s) != STORE_OK) {
		log_error("%s: %s: %s", ch->name, h->name, store_errmsg(s));
		dispatch_apology(&ctx, r);
		return DISPATCH_FAILED;
	}
	st = groups_seen(s, ch->name, in->chat_id, in->chat_title, record,
	    now, &ci);
	if (st == STORE_OK) {
		if (ci.area_id != 0)
			ctx.area_id = ci.area_id;
		if (ci.locale[0] != '\0')
			(void)locale_parse(ci.locale, &ctx.locale);
	} else if (st != STORE_NOT_FOUND)
		log_warn("%s: chat lookup: %s", ch->name, store_errmsg(s));
	if (practice) {
		/* The persona the visitor chose, never above a grid worker,
		 * standing for no staff member (staff_id 0), over the
		 * channel's area. */
		ctx.role = in->persona_role == ROLE_GRID_WORKER ?
		    ROLE_GRID_WORKER : ROLE_RESIDENT;
		ctx.staff_area = ch->area_id;
	} else if (h != NULL && (h->min_role > ROLE_RESIDENT ||
	    (h->flags & HANDLER_WHO)) &&
	    staff_by_identity(s, ch->name, in->sender_id, &who) == STORE_OK) {
		ctx.role = role_parse(who.role);
		ctx.staff_id = who.id;
		ctx.staff_area = who.area_id;
		(void)snprintf(ctx.staff_name, sizeof ctx.staff_name, "%s",
		    who.name);
	}

	/* A word with two meanings picks its handler by who sent it (see
	 * struct handler's resolve): the policy, the role check and the
	 * transaction below are those of the handler it picks. */
	if (h != NULL && h->resolve != NULL)
		h = h->resolve(&ctx, args);
	/* What comes next writes, or answers without the database. */
	if (reading && (h == NULL || (h->flags & HANDLER_WRITES))) {
		store_end_read(s);
		reading = 0;
	}

	if (h == NULL && sms)
		return dispatch_sms_help(&ctx, r);
	if (h == NULL) {
		/* Quote at most 20 characters of what was not understood. */
		(void)snprintf(shown, sizeof shown, "%.*s",
		    (int)utf8_prefix(in->text, 20), in->text);
		struct msg_var vars[] = { { "text", shown }, { NULL, NULL } };
		handler_say(&ctx, r, MSG_UNKNOWN_COMMAND, vars);
		return DISPATCH_REPLIED;
	}
	*name = h->name;
	pol = dispatch_policy(h);
	if (h->min_role > ctx.role)
		key = MSG_STAFF_ONLY;
	else if (practice && !(h->flags & HANDLER_PRACTICE))
		key = MSG_PRACTICE_UNAVAILABLE;
	else if (pol != NULL && pol->private_only &&
	    in->chat_kind == CHAT_GROUP)
		/* Nothing is stored: no tip, no reporter, no dedupe row. */
		key = MSG_GROUP_PRIVATE_ONLY;
	else if ((h->flags & HANDLER_SECRET) && ch->backend != NULL &&
	    (ch->backend->reply_outbox || (ch->backend->streams != NULL &&
	    ch->backend->streams(ch))))
		/* Where every answer goes through the outbox (or a long
		 * connection), a secret would be written down: not shown
		 * there. */
		key = MSG_SECRET_CHANNEL;
	else
		key = MSG__COUNT;
	if (key != MSG__COUNT) {
		struct msg_var gv[] = {
			{ "hotline", env->hotline }, { NULL, NULL }
		};

		if (reading)
			store_end_read(s);
		handler_say(&ctx, r, key, key == MSG_GROUP_PRIVATE_ONLY ? gv :
		    NULL);
		return DISPATCH_REPLIED;
	}
	if (h->flags & HANDLER_WRITES)
		return dispatch_once(&ctx, ch, h, pol, args, r);
	if ((verdict = dispatch_limit(&ctx, pol, r)) != LIMIT_PASS) {
		if (reading)
			store_end_read(s);
		return verdict == LIMIT_WARN ? DISPATCH_REPLIED :
		    DISPATCH_IGNORED;
	}
	/* Read-only: one snapshot for all the handler's statements (begun
	 * above, unless the chat had to be recorded first). */
	if (!reading && store_begin_read(s) != STORE_OK) {
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
	return dispatch_rest(&ctx, ch, r);
}

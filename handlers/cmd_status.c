/*
 * 进度 / /status: the status of a tip, told only to the identity that
 * filed it; anyone else hears that no such tip of theirs exists. With a
 * receipt (sixteen digits) instead of a reference it is told to whoever
 * holds the receipt, from any chat or by SMS, with the tip's questions
 * and answers; guessing is throttled per sender, and a wrong receipt is
 * answered exactly like one that never existed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "storage/ledger.h"
#include "storage/receipts.h"
#include "storage/tips.h"

/* Receipt look-ups one sender may make in an hour: an honest holder
 * needs a few; a guesser at 10^16 gets nowhere at this pace. */
#define STATUS_RECEIPT_TRIES	10
#define STATUS_EVENTS_MAX	64	/* history read for the conversation */
#define STATUS_TALK_MAX		10	/* questions and answers shown */

static const char *const cmd_status_aliases[] = {
	"/status", "status", "进度", "查询进度", "查进度", NULL
};

/* Maps a stored status to its text. */
static enum msg_key
cmd_status_key(const char *s)
{
	if (strcmp(s, "verifying") == 0)
		return MSG_TIP_VERIFYING;
	if (strcmp(s, "disposing") == 0)
		return MSG_TIP_DISPOSING;
	if (strcmp(s, "closed") == 0)
		return MSG_TIP_CLOSED;
	if (strcmp(s, "rejected") == 0)
		return MSG_TIP_REJECTED;
	if (strcmp(s, "confirmed") == 0)
		return MSG_TIP_CONFIRMED;
	return MSG_TIP_RECEIVED;	/* received, assigned */
}

/*
 * Counts one receipt look-up by the sender: 0 to go on, -1 when over the
 * limit, with r holding the one polite answer (or nothing after it).
 */
static int
cmd_status_throttle(struct handler_ctx *ctx, struct reply *r)
{
	const struct handler_env	*env = ctx->env;
	char				 key[2 * INBOUND_ID_MAX + 2], mins[16];
	int				 wait;
	enum limit_verdict		 v;
	struct msg_var			 vars[] = {
		{ "minutes", mins }, { NULL, NULL }
	};

	if (env->limits == NULL)
		return 0;
	(void)snprintf(key, sizeof key, "%s\x1f%s", ctx->in->channel,
	    ctx->in->sender_id);
	v = limiter_hit(env->limits, "receipt", key, STATUS_RECEIPT_TRIES,
	    3600, ctx->now);
	if (v == LIMIT_PASS)
		return 0;
	if (v == LIMIT_WARN) {
		wait = limiter_wait(env->limits, "receipt", key, ctx->now);
		(void)snprintf(mins, sizeof mins, "%d",
		    wait <= 60 ? 1 : (wait + 59) / 60);
		handler_say(ctx, r, MSG_RECEIPT_SLOW, vars);
	}
	return -1;
}

/* Answers with the status and conversation of the tip of a receipt. */
static enum handler_ret
cmd_status_receipt(struct handler_ctx *ctx, const char *digits,
    struct reply *r)
{
	struct tip_row		 t;
	struct tip_event	 ev[STATUS_EVENTS_MAX];
	struct buf		 b;
	enum store_status	 st;
	int64_t			 tip;
	size_t			 n = 0, i, talk = 0, first;
	char			 date[16], updated[16];
	enum handler_ret	 rc = HANDLER_FAILED;
	struct msg_var		 vars[] = {
		{ "ref", t.ref }, { "date", date }, { "updated", updated },
		{ "status", NULL }, { NULL, NULL }
	};
	struct msg_var		 tv[] = { { "text", NULL }, { NULL, NULL } };

	memset(&t, 0, sizeof t);
	if (cmd_status_throttle(ctx, r) == -1)
		return HANDLER_OK;
	if ((st = receipts_find(ctx->store, digits, &tip)) == STORE_NOT_FOUND) {
		handler_say(ctx, r, MSG_RECEIPT_UNKNOWN, NULL);
		return HANDLER_OK;
	}
	if (st != STORE_OK || tips_get_id(ctx->store, tip, &t) != STORE_OK ||
	    tips_events(ctx->store, tip, 0, ev, STATUS_EVENTS_MAX, &n) !=
	    STORE_OK)
		goto out;
	handler_date(ctx, t.created_at, 0, date);
	handler_date(ctx, t.updated_at, 0, updated);
	vars[3].value = msg_template(ctx->locale,
	    cmd_status_key(tip_state_name(t.state)));
	buf_init(&b, REPLY_TEXT_MAX);
	(void)msg_render(&b, ctx->locale, MSG_RECEIPT_STATUS, vars);
	/* The latest questions and answers; never who asked. */
	for (i = 0; i < n; i++)
		if (strcmp(ev[i].kind, "question") == 0 ||
		    strcmp(ev[i].kind, "answer") == 0)
			talk++;
	first = talk > STATUS_TALK_MAX ? talk - STATUS_TALK_MAX : 0;
	for (i = 0, talk = 0; i < n; i++) {
		if (ev[i].note == NULL || (strcmp(ev[i].kind, "question") != 0 &&
		    strcmp(ev[i].kind, "answer") != 0) || talk++ < first)
			continue;
		tv[0].value = ev[i].note;
		(void)buf_adds(&b, "\n");
		(void)msg_render(&b, ctx->locale, strcmp(ev[i].kind,
		    "question") == 0 ? MSG_RECEIPT_QUESTION :
		    MSG_RECEIPT_ANSWER, tv);
	}
	reply_add_owned(r, buf_steal(&b));
	rc = HANDLER_OK;
out:
	for (i = 0; i < n; i++)
		tip_event_clear(&ev[i]);
	tip_row_clear(&t);
	return rc;
}

/* Answers with the status of the caller's own tip. */
static enum handler_ret
cmd_status_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tip_status	 ts;
	enum store_status	 st;
	char			 ref[TIP_REF_MAX], date[16], updated[16];
	char			 digits[RECEIPT_DIGITS + 1];
	size_t			 i;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "date", date }, { "updated", updated },
		{ "status", NULL },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_STATUS) },
		{ NULL, NULL }
	};

	if (receipt_parse(args, digits) == 0)
		return cmd_status_receipt(ctx, digits, r);
	if (text_fold(args, ref, sizeof ref) == -1 || *ref == '\0') {
		handler_say(ctx, r, MSG_NEED_ARGS, vars);
		return HANDLER_USAGE;
	}
	for (i = 0; ref[i] != '\0'; i++)
		ref[i] = (char)toupper((unsigned char)ref[i]);
	st = tips_status(ctx->store, ref, ctx->in->channel, ctx->in->sender_id,
	    &ts);
	if (st == STORE_NOT_FOUND) {
		handler_say(ctx, r, MSG_STATUS_NOT_YOURS, vars);
		return HANDLER_OK;
	}
	if (st != STORE_OK)
		return HANDLER_FAILED;
	handler_date(ctx, ts.created_at, 0, date);
	handler_date(ctx, ts.updated_at, 0, updated);
	vars[3].value = msg_template(ctx->locale, cmd_status_key(ts.status));
	handler_say(ctx, r, MSG_STATUS_OK, vars);
	return HANDLER_OK;
}

const struct handler cmd_status_entry = {
	.name = "status",
	.aliases = cmd_status_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_STATUS,
	/* Reads only: the same in practice. */
	.flags = HANDLER_PRACTICE,
	.exec = cmd_status_exec,
};

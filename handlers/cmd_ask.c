/*
 * 追问 / /ask <编号> <问题>: staff ask a tip's reporter a question. It goes
 * to the reporter's own chat through their seal (handlers/tipflow.c
 * tipflow_tell_reporter()) with no staff name, and is kept in the tip's
 * history as a question; the reporter answers with 补充 (cmd_supplement.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tipcmd.h"
#include "storage/tips.h"

#define ASK_PAGE	32

static const char *const cmd_ask_aliases[] = {
	"/ask", "ask", "追问", NULL
};

/* The id of tip's newest event (0 if none), for the question's key. */
static enum store_status
cmd_ask_last(struct store *s, int64_t tip, int64_t *last)
{
	struct tip_event	 ev[ASK_PAGE];
	size_t			 n, i;
	enum store_status	 st;

	*last = 0;
	do {
		memset(ev, 0, sizeof ev);
		if ((st = tips_events(s, tip, *last, ev, ASK_PAGE, &n)) !=
		    STORE_OK)
			return st;
		for (i = 0; i < n; i++) {
			*last = ev[i].id;
			tip_event_clear(&ev[i]);
		}
	} while (n == ASK_PAGE);
	return STORE_OK;
}

/* Sends the question and records it. */
static enum handler_ret
cmd_ask_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tipflow		 tf;
	struct tip_row		 t;
	char			 ref[TIP_REF_MAX], key[32], *text = NULL;
	const char		*question;
	int64_t			 reporter = 0, last;
	enum tipflow_result	 fr;
	enum store_status	 st;
	enum handler_ret	 hr = HANDLER_OK;
	enum locale		 loc = LOCALE_ZH;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "question", NULL }, { "move", NULL },
		{ NULL, NULL }
	};

	if (tipcmd_group(ctx, r))
		return HANDLER_USAGE;
	if ((question = tipcmd_ref(args, ref)) == NULL || *question == '\0')
		return tipcmd_usage(ctx, MSG_USAGE_ASK, r);
	if (tipcmd_too_long(ctx, question, r))
		return HANDLER_USAGE;
	tipcmd_flow(ctx, &tf);
	memset(&t, 0, sizeof t);
	if ((fr = tipflow_get(&tf, ref, &t)) != TIPFLOW_OK)
		return tipcmd_answer(ctx, &tf, fr, ref, TIP_MOVE_VERIFY, NULL,
		    r);
	/* Those who may check a tip may ask about it (its assignees, and
	 * chiefs and up), until it is closed. */
	if (t.state == TIP_CLOSED) {
		handler_say(ctx, r, MSG_ASK_CLOSED, vars);
		goto out;
	}
	if (tf.rank < ROLE_GRID_CHIEF && !tips_is_assignee(ctx->store, t.id,
	    tf.staff_id)) {
		vars[2].value = msg_template(ctx->locale, MSG_LEDGER_MOVE_ASK);
		handler_say(ctx, r, MSG_LEDGER_NOT_ASSIGNED, vars);
		goto out;
	}
	st = tips_reporter(ctx->store, t.ref, &reporter);
	if (st != STORE_OK && st != STORE_NOT_FOUND) {
		hr = HANDLER_FAILED;
		goto out;
	}
	if (reporter == 0) {
		handler_say(ctx, r, MSG_ASK_NO_REPORTER, vars);
		goto out;
	}
	if (tips_note(ctx->store, t.id, "question", tf.actor, question,
	    ctx->now) != STORE_OK || cmd_ask_last(ctx->store, t.id, &last) !=
	    STORE_OK) {
		hr = HANDLER_FAILED;
		goto out;
	}
	/* In the reporter's language; keyed by the question's event, so
	 * that each question is sent once. */
	if (ctx->env->channel_locale != NULL)
		loc = ctx->env->channel_locale(ctx->env, t.channel);
	vars[1].value = question;
	text = msg_format(loc, MSG_ASK_BODY, vars);
	(void)snprintf(key, sizeof key, "question:%lld", (long long)last);
	if (tipflow_tell_reporter(&tf, t.id, key, text) != TIPFLOW_OK) {
		hr = HANDLER_FAILED;
		goto out;
	}
	ctx->outbox_written = 1;
	handler_say(ctx, r, MSG_ASK_SENT, vars);
out:
	free(text);
	tip_row_clear(&t);
	return hr;
}

const struct handler cmd_ask_entry = {
	.name = "ask",
	.aliases = cmd_ask_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_ASK,
	.flags = HANDLER_WRITES,
	.exec = cmd_ask_exec,
};

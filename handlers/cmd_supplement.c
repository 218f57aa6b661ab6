/*
 * 补充 / /add <编号> <内容>: a reporter adds to their own tip (an answer to
 * a 追问, or anything new). Only the identity that filed it may: anyone
 * else hears that no such tip of theirs exists, as with 进度. The text is
 * kept in the history as the reporter's answer and told to who works on
 * the tip, never with who sent it.
 */
#include <stdlib.h>
#include <string.h>

#include "tipcmd.h"
#include "messages/text.h"
#include "storage/tips.h"

#define SUPPLEMENT_PEOPLE	16

static const char *const cmd_supplement_aliases[] = {
	"/add", "add", "补充", "补充线索", NULL
};

/* Records the reporter's words and tells the assignees. */
static enum handler_ret
cmd_supplement_exec(struct handler_ctx *ctx, const char *args,
    struct reply *r)
{
	struct tipflow		 tf;
	struct tip_status	 ts;
	struct tip_row		 t;
	int64_t			 people[SUPPLEMENT_PEOPLE];
	char			 ref[TIP_REF_MAX], *text = NULL;
	const char		*body;
	size_t			 n = 0, i;
	enum store_status	 st;
	enum handler_ret	 hr = HANDLER_OK;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "text", NULL },
		{ "hotline", ctx->env->hotline }, { NULL, NULL }
	};

	/* In a group the answer would name its sender as the reporter:
	 * nothing is read or stored there. */
	if (ctx->in->chat_kind == CHAT_GROUP) {
		handler_say(ctx, r, MSG_GROUP_PRIVATE_ONLY, vars);
		return HANDLER_USAGE;
	}
	if ((body = tipcmd_ref(args, ref)) == NULL || *body == '\0')
		return tipcmd_usage(ctx, MSG_USAGE_SUPPLEMENT, r);
	if (tipcmd_too_long(ctx, body, r))
		return HANDLER_USAGE;
	st = tips_status(ctx->store, ref, ctx->in->channel, ctx->in->sender_id,
	    &ts);
	if (st == STORE_NOT_FOUND) {
		handler_say(ctx, r, MSG_SUPPLEMENT_NOT_YOURS, vars);
		return HANDLER_OK;
	}
	if (st != STORE_OK)
		return HANDLER_FAILED;
	memset(&t, 0, sizeof t);
	if (tips_get(ctx->store, ref, &t) != STORE_OK)
		return HANDLER_FAILED;
	if (t.state == TIP_CLOSED) {
		handler_say(ctx, r, MSG_SUPPLEMENT_CLOSED, vars);
		goto out;
	}
	tipflow_system(&tf, ctx->store, ctx->env, ctx->locale, ctx->now);
	if (tips_note(ctx->store, t.id, "answer", "reporter", body,
	    ctx->now) != STORE_OK ||
	    tips_assignees(ctx->store, t.id, people, SUPPLEMENT_PEOPLE, &n) !=
	    STORE_OK) {
		hr = HANDLER_FAILED;
		goto out;
	}
	/* In the chat's language, as tipflow tells staff of new tips. */
	vars[1].value = body;
	text = msg_format(ctx->locale, MSG_SUPPLEMENT_TELL, vars);
	for (i = 0; i < n; i++)
		if (tipflow_tell_staff(&tf, people[i], text) != TIPFLOW_OK) {
			hr = HANDLER_FAILED;
			goto out;
		}
	if (n > 0)
		ctx->outbox_written = 1;
	handler_say(ctx, r, MSG_SUPPLEMENT_OK, vars);
out:
	free(text);
	tip_row_clear(&t);
	return hr;
}

const struct handler cmd_supplement_entry = {
	.name = "supplement",
	.aliases = cmd_supplement_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_SUPPLEMENT,
	.flags = HANDLER_WRITES,
	.exec = cmd_supplement_exec,
};

/*
 * 进度 / /status: the status of a tip, told only to the identity that
 * filed it; anyone else hears that no such tip of theirs exists.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "messages/text.h"
#include "storage/tips.h"

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

/* Answers with the status of the caller's own tip. */
static enum handler_ret
cmd_status_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tip_status	 ts;
	enum store_status	 st;
	char			 ref[TIP_REF_MAX], date[16], updated[16];
	size_t			 i;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "date", date }, { "updated", updated },
		{ "status", NULL },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_STATUS) },
		{ NULL, NULL }
	};

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
	.exec = cmd_status_exec,
};

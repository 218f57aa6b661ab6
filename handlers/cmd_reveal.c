/*
 * 查看举报人 <编号> <理由>: an officer (office and up) asks to see who
 * reported a tip of their area. The request is numbered, recorded in the
 * tip's history and the audit log, and waits for a custodian (批准 /
 * 拒绝). Grid workers, chiefs and liaisons are refused, and that is
 * audited too.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reveal.h"
#include "messages/text.h"
#include "storage/reveals.h"

#define CUSTODIANS_TOLD	16	/* the nearest, when there are more */

static const char *const cmd_reveal_aliases[] = {
	"/reveal", "reveal", "查看举报人", NULL
};

/* Tells the custodians over the tip's area of a new request (not the
 * requester, who may hold the duty too); -1 when storage failed. */
static int
cmd_reveal_tell(struct handler_ctx *ctx, struct tipflow *tf,
    const struct tip_row *t, const char *num, const char *why)
{
	int64_t		 who[CUSTODIANS_TOLD];
	size_t		 n, i;
	char		*text;
	int		 rc = 0;
	struct msg_var	 vars[] = {
		{ "name", ctx->staff_name }, { "ref", t->ref }, { "id", num },
		{ "reason", why }, { NULL, NULL }
	};

	if (staff_custodians(ctx->store, t->area_id, ctx->staff_id, who,
	    CUSTODIANS_TOLD, &n) != STORE_OK)
		return -1;
	text = msg_format(ctx->locale, MSG_REVEAL_ASK_CUSTODIAN, vars);
	for (i = 0; i < n && rc == 0; i++)
		if (tipflow_tell_staff(tf, who[i], text) != TIPFLOW_OK)
			rc = -1;
	free(text);
	if (n > 0)
		ctx->outbox_written = 1;
	return rc;
}

/* Files a request to reveal a tip's reporter. */
static enum handler_ret
cmd_reveal_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tipflow		 tf;
	struct tip_row		 t;
	const char		*reason;
	char			 ref[TIP_REF_MAX], num[24] = "", why[1024];
	int64_t			 id;
	size_t			 i;
	enum handler_ret	 rc = HANDLER_FAILED;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "id", num }, { NULL, NULL }
	};

	memset(&t, 0, sizeof t);
	reason = handler_word(args, ref, sizeof ref);
	for (i = 0; ref[i] != '\0'; i++)
		ref[i] = (char)toupper((unsigned char)ref[i]);
	if (ctx->role < ROLE_OFFICE) {
		if (reveal_audit(ctx, "reveal refused", ctx->staff_area,
		    "tip %.32s: asked by a role below office", ref) !=
		    STORE_OK)
			goto out;
		handler_say(ctx, r, MSG_REVEAL_ROLE, vars);
		rc = HANDLER_OK;
		goto out;
	}
	if (*ref == '\0' || *reason == '\0') {
		handler_say(ctx, r, MSG_REVEAL_NEED_REASON, NULL);
		rc = HANDLER_USAGE;
		goto out;
	}
	reveal_flow(ctx, &tf);
	switch (tipflow_get(&tf, ref, &t)) {
	case TIPFLOW_OK:
		break;
	case TIPFLOW_NOT_FOUND:
		if (reveal_audit(ctx, "reveal refused", ctx->staff_area,
		    "tip %.32s: not in their area", ref) != STORE_OK)
			goto out;
		handler_say(ctx, r, MSG_REVEAL_NO_TIP, vars);
		rc = HANDLER_OK;
		goto out;
	default:
		goto out;
	}
	/* The reason is kept whole up to its cap, never half a character. */
	(void)snprintf(why, sizeof why, "%.*s",
	    (int)utf8_prefix(reason, REVEAL_REASON_MAX), reason);
	if (reveals_request(ctx->store, t.id, ctx->staff_id, why, ctx->now,
	    &id) != STORE_OK)
		goto out;
	(void)snprintf(num, sizeof num, "%lld", (long long)id);
	if (tips_note(ctx->store, t.id, "reveal_requested", tf.actor, why,
	    ctx->now) != STORE_OK ||
	    reveal_audit(ctx, "reveal requested", t.area_id,
	    "tip %s, request %s", t.ref, num) != STORE_OK)
		goto out;
	if (cmd_reveal_tell(ctx, &tf, &t, num, why) == -1)
		goto out;
	handler_say(ctx, r, MSG_REVEAL_REQUESTED, vars);
	rc = HANDLER_OK;
out:
	tip_row_clear(&t);
	return rc;
}

const struct handler cmd_reveal_entry = {
	.name = "reveal",
	.aliases = cmd_reveal_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_REVEAL,
	.flags = HANDLER_WRITES,
	.exec = cmd_reveal_exec,
};

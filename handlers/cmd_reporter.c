/*
 * 举报人 <申请号>: the officer whose request a custodian approved sees
 * the reporter's sealed identity (channel, user id, name, chat), once;
 * then the request is spent. The answer is marked HANDLER_SECRET, so that
 * the dispatcher keeps no copy of it for retries. Every attempt, shown or
 * refused, is audited.
 */
#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reveal.h"
#include "storage/reveals.h"

/*
 * 举报人 only with a space after it: a resident's "举报人民路一家公司…"
 * or "举报人：…" is a tip (举报), and the longest alias would otherwise
 * take it from them.
 */
static const char *const cmd_reporter_aliases[] = {
	"/reporter", "举报人 ", "举报人\xe3\x80\x80", NULL
};

/* Splits a "channel\nsender\nname\nchat" seal into its four fields in
 * place; a missing field is "". */
static void
cmd_reporter_split(char *plain, const char *f[4])
{
	char	*p = plain, *nl;
	int	 i;

	for (i = 0; i < 4; i++) {
		f[i] = p;
		if ((nl = strchr(p, '\n')) != NULL) {
			*nl = '\0';
			p = nl + 1;
		} else
			p += strlen(p);
	}
}

/* Shows the reporter of an approved request, once. */
static enum handler_ret
cmd_reporter_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct reveal_row	 rv;
	struct tipflow		 tf;
	struct tip_row		 t;
	enum store_status	 st;
	int64_t			 id, rep = 0;
	size_t			 plen = 0;
	char			 num[24], ref[TIP_REF_MAX] = "", *plain = NULL;
	const char		*f[4] = { "", "", "", "" };
	enum handler_ret	 rc = HANDLER_FAILED;
	struct msg_var		 vars[] = {
		{ "id", num }, { "ref", ref }, { "channel", NULL },
		{ "sender", NULL }, { "name", NULL }, { "chat", NULL },
		{ NULL, NULL }
	};

	memset(&t, 0, sizeof t);
	if (reveal_number(args, &id) == -1) {
		handler_say(ctx, r, MSG_USAGE_REPORTER, NULL);
		return HANDLER_USAGE;
	}
	(void)snprintf(num, sizeof num, "%lld", (long long)id);
	if (ctx->role < ROLE_OFFICE) {
		if (reveal_audit(ctx, "reveal refused", ctx->staff_area,
		    "request %s: asked by a role below office", num) !=
		    STORE_OK)
			goto out;
		handler_say(ctx, r, MSG_REVEAL_ROLE, vars);
		rc = HANDLER_OK;
		goto out;
	}
	if ((st = reveals_get(ctx->store, id, &rv)) != STORE_OK &&
	    st != STORE_NOT_FOUND)
		goto out;
	if (st == STORE_NOT_FOUND || rv.requested_by != ctx->staff_id ||
	    strcmp(rv.decision, "approved") != 0 || rv.shown_at != 0)
		goto refused;
	reveal_flow(ctx, &tf);
	if (tips_get_id(ctx->store, rv.tip_id, &t) != STORE_OK)
		goto out;
	(void)snprintf(ref, sizeof ref, "%s", t.ref);
	tip_row_clear(&t);
	switch (tipflow_get(&tf, ref, &t)) {
	case TIPFLOW_OK:
		break;
	case TIPFLOW_NOT_FOUND:
		goto refused;	/* they moved out of the tip's area */
	default:
		goto out;
	}
	if ((st = reveals_spend(ctx->store, id, ctx->now)) == STORE_NOT_FOUND)
		goto refused;	/* shown meanwhile, from a second chat */
	if (st != STORE_OK || tips_reporter(ctx->store, ref, &rep) != STORE_OK)
		goto out;
	if (tips_note(ctx->store, t.id, "revealed", tf.actor, num,
	    ctx->now) != STORE_OK ||
	    reveal_audit(ctx, "reveal shown", t.area_id, "tip %s, request %s%s",
	    ref, num, rep == 0 ? ": reporter forgotten" : "") != STORE_OK)
		goto out;
	if (rep == 0) {
		handler_say(ctx, r, MSG_REVEAL_FORGOTTEN, vars);
		rc = HANDLER_OK;
		goto out;
	}
	if (reporters_open(ctx->store, rep, &plain) != STORE_OK)
		goto out;
	plen = strlen(plain);
	cmd_reporter_split(plain, f);
	vars[2].value = f[0];
	vars[3].value = f[1];
	vars[4].value = f[2];
	vars[5].value = f[3];
	handler_say(ctx, r, MSG_REVEAL_SHOWN, vars);
	rc = HANDLER_OK;
	goto out;
refused:
	if (reveal_audit(ctx, "reveal refused", 0, "request %s: not theirs, "
	    "not approved or shown already", num) != STORE_OK)
		goto out;
	handler_say(ctx, r, MSG_REVEAL_NOT_READY, vars);
	rc = HANDLER_OK;
out:
	if (plain != NULL) {
		OPENSSL_cleanse(plain, plen);
		free(plain);
	}
	tip_row_clear(&t);
	return rc;
}

const struct handler cmd_reporter_entry = {
	.name = "reporter",
	.aliases = cmd_reporter_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_REPORTER,
	.flags = HANDLER_WRITES | HANDLER_SECRET,
	.exec = cmd_reporter_exec,
};

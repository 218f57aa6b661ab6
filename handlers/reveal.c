/* The two-person reveal's shared steps, and the custodian's decision. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reveal.h"
#include "storage/reveals.h"
#include "storage/staff.h"

/* Fills tf for the sender. */
void
reveal_flow(struct handler_ctx *ctx, struct tipflow *tf)
{
	memset(tf, 0, sizeof *tf);
	tf->store = ctx->store;
	tf->env = ctx->env;
	tf->locale = ctx->locale;
	tf->now = ctx->now;
	(void)snprintf(tf->actor, sizeof tf->actor, "staff:%lld",
	    (long long)ctx->staff_id);
	tf->staff_id = ctx->staff_id;
	tf->rank = (int)ctx->role;	/* enum role follows the ranks */
	tf->scope = ctx->staff_area;
}

/* Reads a request number. */
int
reveal_number(const char *args, int64_t *id)
{
	char		*end;
	long long	 v;

	if (*args == '#' || *args == 'R' || *args == 'r')
		args++;
	if (*args < '0' || *args > '9')
		return -1;
	v = strtoll(args, &end, 10);
	end += strspn(end, " \t\n");
	if (v <= 0 || *end != '\0')
		return -1;
	*id = v;
	return 0;
}

/* Appends an audit entry by the sender. */
enum store_status
reveal_audit(struct handler_ctx *ctx, const char *action, int64_t area,
    const char *fmt, ...)
{
	char	 actor[32], detail[256];
	va_list	 ap;

	(void)snprintf(actor, sizeof actor, "staff:%lld",
	    (long long)ctx->staff_id);
	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	return audit_add_area(ctx->store, actor, action, detail, area,
	    ctx->now);
}

/* A custodian approves or refuses a request. */
enum handler_ret
reveal_decide(struct handler_ctx *ctx, const char *args, struct reply *r,
    int approve)
{
	struct reveal_row	 rv;
	struct tipflow		 tf;
	struct tip_row		 t;
	enum store_status	 st;
	int64_t			 id;
	char			 num[24], ref[TIP_REF_MAX] = "", *text;
	int			 c;
	enum handler_ret	 rc = HANDLER_FAILED;
	struct msg_var		 vars[] = {
		{ "id", num }, { "ref", ref }, { NULL, NULL }
	};

	memset(&t, 0, sizeof t);
	if (reveal_number(args, &id) == -1) {
		handler_say(ctx, r, approve ? MSG_USAGE_APPROVE :
		    MSG_USAGE_REFUSE, NULL);
		return HANDLER_USAGE;
	}
	(void)snprintf(num, sizeof num, "%lld", (long long)id);
	if ((c = staff_is_custodian(ctx->store, ctx->staff_id)) == -1)
		goto out;
	if (!c) {
		if (reveal_audit(ctx, "reveal decision refused", 0,
		    "request %s: not a custodian", num) != STORE_OK)
			goto out;
		handler_say(ctx, r, MSG_REVEAL_NOT_CUSTODIAN, vars);
		rc = HANDLER_OK;
		goto out;
	}
	if ((st = reveals_get(ctx->store, id, &rv)) == STORE_NOT_FOUND)
		goto none;
	if (st != STORE_OK)
		goto out;
	if (rv.requested_by == ctx->staff_id) {
		/* Two people, not one person twice. */
		if (reveal_audit(ctx, "reveal decision refused", 0,
		    "request %s: their own request", num) != STORE_OK)
			goto out;
		handler_say(ctx, r, MSG_REVEAL_SELF, vars);
		rc = HANDLER_OK;
		goto out;
	}
	reveal_flow(ctx, &tf);
	if (tips_get_id(ctx->store, rv.tip_id, &t) != STORE_OK)
		goto out;
	(void)snprintf(ref, sizeof ref, "%s", t.ref);
	tip_row_clear(&t);
	switch (tipflow_get(&tf, ref, &t)) {
	case TIPFLOW_OK:
		break;
	case TIPFLOW_NOT_FOUND:
		goto none;	/* outside the custodian's area */
	default:
		goto out;
	}
	if (rv.decision[0] != '\0')
		goto none;
	st = reveals_decide(ctx->store, id, ctx->staff_id, approve, ctx->now);
	if (st == STORE_NOT_FOUND)
		goto none;
	if (st != STORE_OK ||
	    tips_note(ctx->store, t.id, approve ? "reveal_approved" :
	    "reveal_refused", tf.actor, num, ctx->now) != STORE_OK ||
	    reveal_audit(ctx, approve ? "reveal approved" : "reveal refused",
	    t.area_id, "tip %s, request %s", ref, num) != STORE_OK)
		goto out;
	text = msg_format(ctx->locale, approve ? MSG_REVEAL_TOLD_APPROVED :
	    MSG_REVEAL_TOLD_REFUSED, vars);
	if (tipflow_tell_staff(&tf, rv.requested_by, text) != TIPFLOW_OK) {
		free(text);
		goto out;
	}
	free(text);
	ctx->outbox_written = 1;
	handler_say(ctx, r, approve ? MSG_REVEAL_APPROVED : MSG_REVEAL_REFUSED,
	    vars);
	rc = HANDLER_OK;
	goto out;
none:
	if (reveal_audit(ctx, "reveal decision refused", 0,
	    "request %s: none pending", num) != STORE_OK)
		goto out;
	handler_say(ctx, r, MSG_REVEAL_NO_REQUEST, vars);
	rc = HANDLER_OK;
out:
	tip_row_clear(&t);
	return rc;
}

/* /api/v1: asking to see a reporter, and a custodian's decision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_reveals.h"
#include "handlers/handlers.h"
#include "messages/message.h"
#include "messages/xmalloc.h"
#include "storage/ledger.h"
#include "storage/reveal_list.h"
#include "storage/staff.h"

#define REVEALS_LIST_MAX	50

/* Fills ctx as the chat's dispatcher would for the signed-in staff
 * member; answers and returns -1 when the caller cannot take part. */
static int
reveals_ctx(struct store *s, const struct api_env *env,
    const struct token_info *tok, struct handler_ctx *ctx,
    struct http_response *resp)
{
	struct staff_info	 st;

	if (tok->staff_id == 0) {
		api_error(resp, 403, "staff_only", "查看举报人须由本人登录办理 "
		    "a reveal is asked and decided by a signed-in staff member, "
		    "not a token");
		return -1;
	}
	if (env->handlers == NULL) {
		api_error(resp, 503, "unavailable", "reveals are not available "
		    "here");
		return -1;
	}
	if (staff_get(s, tok->staff_id, &st) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return -1;
	}
	memset(ctx, 0, sizeof *ctx);
	ctx->store = s;
	ctx->env = env->handlers;
	ctx->locale = LOCALE_ZH;
	/* enum role follows the ranks of storage/staff.h. */
	ctx->role = (enum role)staff_role_rank(tok->role);
	ctx->area_id = tok->area_id;
	ctx->now = env->now;
	ctx->staff_id = tok->staff_id;
	ctx->staff_area = tok->area_id;
	(void)snprintf(ctx->staff_name, sizeof ctx->staff_name, "%s", st.name);
	return 0;
}

/* Runs the chat command name with args in one transaction, kept when
 * the handler succeeded; r gets its reply. */
static enum handler_ret
reveals_run(struct store *s, struct api_env *env, struct handler_ctx *ctx,
    const char *name, const char *args, struct reply *r)
{
	const struct handler	*hd = handler_find(name);
	enum handler_ret	 ret;

	if (hd == NULL || store_begin(s) != STORE_OK)
		return HANDLER_FAILED;
	ret = hd->exec(ctx, args, r);
	if (ret == HANDLER_FAILED || store_commit(s) != STORE_OK) {
		store_rollback(s);
		return HANDLER_FAILED;
	}
	if (ctx->outbox_written)
		env->wrote_outbox = 1;
	return ret;
}

/* The reply's first text, for the answer's message. */
static const char *
reveals_said(const struct reply *r)
{
	return r->ntexts > 0 ? r->texts[0] : "";
}

/* POST /tips/REF/reveal {reason} */
static void
reveals_ask(struct store *s, struct api_env *env, const char *ref, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	const char		*reason = json_string_value(json_object_get(in,
				    "reason"));
	struct handler_ctx	 ctx;
	struct tip_row		 t;
	struct reply		 r;
	enum handler_ret	 ret;
	int64_t			 before = 0, after = 0, tip = 0;
	char			*args;

	if (reason == NULL || *reason == '\0' || strchr(reason, '\n') != NULL) {
		api_error(resp, 400, "bad_request", "须写明理由 reason (one line) "
		    "is required");
		return;
	}
	if (reveals_ctx(s, env, tok, &ctx, resp) == -1)
		return;
	if (tips_get(s, ref, &t) == STORE_OK) {
		tip = t.id;
		tip_row_clear(&t);
		(void)reveals_last(s, tip, tok->staff_id, &before);
	}
	memset(&r, 0, sizeof r);
	args = xasprintf("%s %s", ref, reason);
	ret = reveals_run(s, env, &ctx, "reveal", args, &r);
	free(args);
	if (ret == HANDLER_FAILED)
		api_error(resp, 500, "internal", "database error");
	else if (tip != 0 && reveals_last(s, tip, tok->staff_id, &after) ==
	    STORE_OK && after > before)
		api_json(resp, 201, json_pack("{s:I, s:s}", "id",
		    (json_int_t)after, "message", reveals_said(&r)));
	else if (staff_role_rank(tok->role) < staff_role_rank("office"))
		api_error(resp, 403, "forbidden_role", reveals_said(&r));
	else
		api_error(resp, ret == HANDLER_USAGE ? 400 : 404, ret ==
		    HANDLER_USAGE ? "bad_request" : "not_found",
		    reveals_said(&r));
	reply_clear(&r);
}

/* GET /reveals: a custodian's pending requests in their area. */
static void
reveals_list(struct store *s, const struct token_info *tok,
    struct http_response *resp)
{
	struct reveal_pending	*p = NULL;
	json_t			*items = json_array();
	size_t			 n = 0, i;
	int			 c;

	if (tok->staff_id == 0 || (c = staff_is_custodian(s,
	    tok->staff_id)) == 0) {
		api_json(resp, 200, json_pack("{s:b, s:o}", "custodian", 0,
		    "items", items));
		return;
	}
	p = xcalloc(REVEALS_LIST_MAX, sizeof *p);
	if (c == -1 || reveals_pending(s, tok->area_id,
	    strchr(tok->area_path, '/') == NULL, p, REVEALS_LIST_MAX, &n) !=
	    STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:I, s:s, s:I, s:s, "
		    "s:s, s:I, s:b}", "id", (json_int_t)p[i].id, "ref",
		    p[i].ref, "requested_by", (json_int_t)p[i].requested_by,
		    "requested_by_name", p[i].requested_by_name, "reason",
		    p[i].reason, "requested_at", (json_int_t)p[i].requested_at,
		    "own", p[i].requested_by == tok->staff_id));
	api_json(resp, 200, json_pack("{s:b, s:o}", "custodian", 1, "items",
	    items));
out:
	free(p);
}

/* POST /reveals/ID/approve and /reveals/ID/refuse */
static void
reveals_decision(struct store *s, struct api_env *env, long long id,
    int approve, const struct token_info *tok, struct http_response *resp)
{
	struct handler_ctx	 ctx;
	struct reveal_row	 rv;
	struct reply		 r;
	enum handler_ret	 ret;
	char			 args[32];

	if (reveals_ctx(s, env, tok, &ctx, resp) == -1)
		return;
	memset(&r, 0, sizeof r);
	(void)snprintf(args, sizeof args, "%lld", id);
	ret = reveals_run(s, env, &ctx, approve ? "approve" : "refuse", args,
	    &r);
	if (ret == HANDLER_FAILED)
		api_error(resp, 500, "internal", "database error");
	else if (reveals_get(s, id, &rv) == STORE_OK &&
	    rv.decided_by == tok->staff_id && rv.decided_at == env->now)
		api_json(resp, 200, json_pack("{s:I, s:s, s:s}", "id",
		    (json_int_t)id, "decision", rv.decision, "message",
		    reveals_said(&r)));
	else if (staff_is_custodian(s, tok->staff_id) != 1)
		api_error(resp, 403, "not_custodian", reveals_said(&r));
	else
		api_error(resp, 409, "not_decided", reveals_said(&r));
	reply_clear(&r);
}

/* Routes the reveal's endpoints. */
int
api_reveals(struct store *s, struct api_env *env, const char *path,
    json_t *in, const struct token_info *tok, struct http_response *resp)
{
	char		 ref[TIP_REF_MAX];
	const char	*slash;
	char		*end;
	long long	 id;
	size_t		 len;

	if (strcmp(path, "/reveals") == 0 && in == NULL) {
		reveals_list(s, tok, resp);
		return 1;
	}
	if (strncmp(path, "/reveals/", 9) == 0 && in != NULL &&
	    (id = strtoll(path + 9, &end, 10)) > 0 &&
	    (strcmp(end, "/approve") == 0 || strcmp(end, "/refuse") == 0)) {
		reveals_decision(s, env, id, strcmp(end, "/approve") == 0, tok,
		    resp);
		return 1;
	}
	if (strncmp(path, "/tips/", 6) != 0 || in == NULL ||
	    (slash = strchr(path + 6, '/')) == NULL ||
	    strcmp(slash, "/reveal") != 0)
		return 0;
	len = (size_t)(slash - (path + 6));
	if (len == 0 || len >= sizeof ref || strspn(path + 6,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") <
	    len) {
		api_error(resp, 404, "not_found", "no such tip");
		return 1;
	}
	memcpy(ref, path + 6, len);
	ref[len] = '\0';
	reveals_ask(s, env, ref, in, tok, resp);
	return 1;
}

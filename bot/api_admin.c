/* /api/v1/letters and /api/v1/tokens: the console's lists of letters and
 * of API tokens, each kept to the caller's area; and disabling or
 * enabling a staff member there (/api/v1/staff/ID/disable|enable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_admin.h"
#include "messages/xmalloc.h"
#include "storage/letters.h"

#define ADMIN_LIST_MAX	100

/* GET /letters: a page of letters by id, those that do not concern the
 * caller left out (a page may then be short; next_after still goes on). */
static void
admin_letters(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct letter	*l = xcalloc(ADMIN_LIST_MAX, sizeof *l);
	json_t		*items = json_array();
	char		 path[512];
	long		 limit;
	long long	 after;
	size_t		 n = 0, i;

	api_page(req, &limit, &after);
	if (letters_list(s, after, l, (size_t)limit, &n) != STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!areas_within(s, l[i].area_id, tok->area_id) &&
		    !areas_within(s, tok->area_id, l[i].area_id))
			continue;
		if (areas_path(s, l[i].area_id, path, sizeof path) != STORE_OK)
			path[0] = '\0';
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s}", "id", (json_int_t)l[i].id, "title", l[i].title,
		    "issuer", l[i].issuer, "date", l[i].issued_on, "area",
		    path));
	}
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_after", n == (size_t)limit ? json_integer(l[n - 1].id) :
	    json_null()));
out:
	for (i = 0; i < n; i++)
		letter_clear(&l[i]);
	free(l);
}

/* A time as JSON: null for 0. */
static json_t *
admin_time(time_t t)
{
	return t != 0 ? json_integer((json_int_t)t) : json_null();
}

/* GET /tokens: those of the caller's subtree. */
static void
admin_tokens(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct token_info	*t = xcalloc(ADMIN_LIST_MAX, sizeof *t);
	json_t			*items = json_array();
	long			 limit;
	long long		 after;
	size_t			 n, i;

	api_page(req, &limit, &after);
	if (tokens_list(s, after, t, (size_t)limit, &n) != STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (areas_within(s, t[i].area_id, tok->area_id))
			json_array_append_new(items, json_pack("{s:I, s:s, s:s, "
			    "s:s, s:I, s:o, s:o}", "id", (json_int_t)t[i].id,
			    "label", t[i].label, "role", t[i].role, "area",
			    t[i].area_path, "created_at",
			    (json_int_t)t[i].created_at, "expires_at",
			    admin_time(t[i].expires_at), "revoked_at",
			    admin_time(t[i].revoked_at)));
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_after", n == (size_t)limit ? json_integer(t[n - 1].id) :
	    json_null()));
out:
	free(t);
}

/* Whether tok may disable or enable who; answers the refusal when not:
 * 404 outside the caller's subtree (as if there were no such member),
 * 403 for the caller themselves or a member of a higher role. */
static int
admin_may_touch(struct store *s, const struct token_info *tok,
    const struct staff_info *who, struct http_response *resp)
{
	if (!areas_within(s, who->area_id, tok->area_id)) {
		api_error(resp, 404, "not_found", "此区域没有该工作人员 no "
		    "such staff member in this area");
		return 0;
	}
	if (tok->staff_id == who->id) {
		api_error(resp, 403, "self", "不能停用或启用自己 "
		    "you cannot disable or enable yourself");
		return 0;
	}
	if (staff_role_rank(who->role) > staff_role_rank(tok->role)) {
		api_error(resp, 403, "role_too_high", "不能更改角色高于你的"
		    "工作人员 this member's role is above yours");
		return 0;
	}
	return 1;
}

/* POST /staff/ID/disable (on 0) or /enable (on 1): like fangfei staff
 * disable|enable, with the audit entry in the same transaction. */
static void
admin_staff_active(struct store *s, const struct api_env *env, int64_t id,
    int on, const struct token_info *tok, struct http_response *resp)
{
	struct staff_info	 who;
	struct staff_cutoff	 cut;
	char			 detail[256];
	enum store_status	 st;

	if (store_begin(s) != STORE_OK)
		goto fail;
	if ((st = staff_get(s, id, &who)) == STORE_NOT_FOUND) {
		store_rollback(s);
		api_error(resp, 404, "not_found", "此区域没有该工作人员 no "
		    "such staff member in this area");
		return;
	}
	if (st != STORE_OK)
		goto fail;
	if (!admin_may_touch(s, tok, &who, resp)) {
		store_rollback(s);
		return;
	}
	if (on) {
		(void)snprintf(detail, sizeof detail, "staff %lld (%.64s)",
		    (long long)id, who.name);
		if (!who.active && (staff_enable(s, id) != STORE_OK ||
		    audit_add_area(s, tok->actor, "staff enable", detail,
		    who.area_id, env->now) != STORE_OK))
			goto fail;
		if (store_commit(s) != STORE_OK)
			goto fail;
		api_json(resp, 200, json_pack("{s:I, s:s, s:b, s:b}", "id",
		    (json_int_t)id, "name", who.name, "active", 1, "was_active",
		    who.active));
		return;
	}
	if (staff_disable(s, id, env->now, &cut) != STORE_OK)
		goto fail;
	staff_cutoff_detail(&cut, id, who.name, detail, sizeof detail);
	if (audit_add_area(s, tok->actor, "staff disable", detail, who.area_id,
	    env->now) != STORE_OK || store_commit(s) != STORE_OK)
		goto fail;
	api_json(resp, 200, json_pack("{s:I, s:s, s:b, s:b, s:i, s:i, s:i, "
	    "s:i, s:i}", "id", (json_int_t)id, "name", who.name, "active", 0,
	    "was_active", who.active, "identities_unbound",
	    (int)cut.identities, "sessions_ended", (int)cut.sessions,
	    "codes_voided", (int)cut.codes, "links_voided", (int)cut.links,
	    "feeds_revoked", (int)cut.feeds));
	return;
fail:
	store_rollback(s);
	api_error(resp, 500, "internal", "database error");
}

/* Routes GET /letters, GET /tokens and POST /staff/ID/disable|enable. */
int
api_admin(struct store *s, const struct api_env *env,
    const struct http_request *req, const char *path,
    const struct token_info *tok, struct http_response *resp)
{
	char		*end;
	long long	 id;

	if (strcmp(req->method, "POST") == 0 &&
	    strncmp(path, "/staff/", 7) == 0 &&
	    (id = strtoll(path + 7, &end, 10)) > 0 &&
	    (strcmp(end, "/disable") == 0 || strcmp(end, "/enable") == 0)) {
		admin_staff_active(s, env, (int64_t)id, end[1] == 'e', tok,
		    resp);
		return 1;
	}
	if (strcmp(req->method, "GET") != 0)
		return 0;
	if (strcmp(path, "/letters") == 0)
		admin_letters(s, req, tok, resp);
	else if (strcmp(path, "/tokens") == 0)
		admin_tokens(s, req, tok, resp);
	else
		return 0;
	return 1;
}

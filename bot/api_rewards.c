/* /api/v1/rewards: list, totals and changes of rewards, scoped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_rewards.h"
#include "handlers/handlers.h"
#include "storage/areas.h"
#include "storage/ledger.h"
#include "storage/rewards.h"

#define API_REWARDS_MAX	100

/* Reads ?year= and ?area= (within the token's area: *scope); answers
 * and returns -1 when they are bad. */
static int
api_rewards_filter(struct store *s, const struct http_request *req,
    const struct token_info *tok, int *year, int64_t *scope,
    struct http_response *resp)
{
	const char	*v;
	char		*end;
	long		 y;

	*year = 0;
	*scope = tok->area_id;
	if (req->arg != NULL && (v = req->arg(req, "year")) != NULL) {
		y = strtol(v, &end, 10);
		if (*end != '\0' || y < 1970 || y > 9999) {
			api_error(resp, 400, "bad_year", "year is a "
			    "number like 2026");
			return -1;
		}
		*year = (int)y;
	}
	if (req->arg != NULL && (v = req->arg(req, "area")) != NULL) {
		if (areas_find(s, v, scope) != STORE_OK) {
			api_error(resp, 400, "bad_area",
			    "no single area matches");
			return -1;
		}
		if (!areas_within(s, *scope, tok->area_id)) {
			api_error(resp, 403, "outside_area",
			    "the area is outside this token's area");
			return -1;
		}
	}
	return 0;
}

/* Seconds east of UTC that years are counted in, as the CLI counts them
 * (utc_offset_minutes of the config); UTC without the handlers' settings. */
static int
api_rewards_offset(const struct api_env *env)
{
	return env->handlers != NULL ? env->handlers->utc_offset : 0;
}

/* A stage's yuan, or null. */
static json_t *
api_rewards_yuan(long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

/* GET /rewards */
static void
api_rewards_list(struct store *s, const struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	static __thread struct reward_row	 rows[API_REWARDS_MAX];
	json_t					*items;
	const char				*v;
	long					 limit = 50;
	long long				 after = 0;
	int64_t					 scope;
	int					 year;
	size_t					 n, i;

	if (api_rewards_filter(s, req, tok, &year, &scope, resp) == -1)
		return;
	if (req->arg != NULL && (v = req->arg(req, "limit")) != NULL)
		limit = strtol(v, NULL, 10);
	limit = limit < 1 ? 1 : limit > API_REWARDS_MAX ? API_REWARDS_MAX :
	    limit;
	if (req->arg != NULL && (v = req->arg(req, "after")) != NULL)
		after = strtoll(v, NULL, 10);
	if (rewards_list(s, year, scope, api_rewards_offset(env), after, rows,
	    (size_t)limit,
	    &n) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:b, "
		    "s:s, s:o, s:o, s:b}", "tip_id", (json_int_t)rows[i].tip_id,
		    "tip", rows[i].ref, "area", rows[i].area_path, "eligible",
		    rows[i].eligible, "reason", rows[i].reason, "stage1_yuan",
		    api_rewards_yuan(rows[i].stage1_yuan), "stage2_yuan",
		    api_rewards_yuan(rows[i].stage2_yuan), "paid",
		    rows[i].paid_at != 0));
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_after", n == (size_t)limit ?
	    json_integer(rows[n - 1].tip_id) : json_null()));
}

/* GET /rewards/stats */
static void
api_rewards_stats(struct store *s, const struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	static __thread struct reward_total	 rows[500];
	json_t					*items;
	int64_t					 scope;
	int					 year;
	size_t					 n, i;
	int					 more;

	if (api_rewards_filter(s, req, tok, &year, &scope, resp) == -1)
		return;
	if (rewards_stats(s, year, scope, api_rewards_offset(env), rows,
	    sizeof rows / sizeof rows[0], &n, &more) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:i, s:s, s:I, s:I, "
		    "s:I, s:I, s:I}", "year", rows[i].year, "area",
		    rows[i].area_path, "tips", (json_int_t)rows[i].tips,
		    "eligible", (json_int_t)rows[i].eligible, "paid",
		    (json_int_t)rows[i].paid, "yuan",
		    (json_int_t)rows[i].yuan, "yuan_paid",
		    (json_int_t)rows[i].yuan_paid));
	/* more: the rows stop at the table's size; ask by year or area. */
	api_json(resp, 200, json_pack("{s:o, s:b}", "items", items, "more",
	    more));
}

/* POST /rewards */
static void
api_rewards_change(struct store *s, json_t *in, const struct token_info *tok,
    time_t now, struct http_response *resp)
{
	const char		*ref = json_string_value(json_object_get(in,
				    "tip"));
	const char		*action = json_string_value(json_object_get(in,
				    "action"));
	const char		*reason = json_string_value(json_object_get(in,
				    "reason"));
	json_t			*el = json_object_get(in, "eligible");
	json_t			*stage = json_object_get(in, "stage");
	json_t			*yuan = json_object_get(in, "yuan");
	struct tip_row		 t;
	enum store_status	 st;
	enum reward_verdict	 v = REWARD_OK;
	char			 actor[32];

	memset(&t, 0, sizeof t);
	if (ref == NULL || action == NULL || strlen(ref) >= TIP_REF_MAX ||
	    (strcmp(action, "set") == 0 && !json_is_boolean(el)) ||
	    (strcmp(action, "stage") == 0 && (!json_is_integer(stage) ||
	    !json_is_integer(yuan))) || (strcmp(action, "set") != 0 &&
	    strcmp(action, "stage") != 0 && strcmp(action, "paid") != 0)) {
		api_error(resp, 400, "bad_request", "tip and action "
		    "(set with eligible, stage with stage and yuan, paid) are "
		    "required");
		return;
	}
	if (tips_get(s, ref, &t) != STORE_OK || t.area_id == 0 ||
	    !areas_within(s, t.area_id, tok->area_id)) {
		tip_row_clear(&t);
		api_error(resp, 404, "not_found", "no such tip in this "
		    "token's area");
		return;
	}
	(void)snprintf(actor, sizeof actor, "%s", tok->actor);
	if (store_begin(s) != STORE_OK)
		goto fail;
	if (strcmp(action, "set") == 0)
		st = rewards_set(s, t.id, json_is_true(el), reason, actor, now,
		    &v);
	else if (strcmp(action, "stage") == 0) {
		if (json_integer_value(stage) < 1 ||
		    json_integer_value(stage) > 2 ||
		    json_integer_value(yuan) < 0 ||
		    json_integer_value(yuan) > REWARD_YUAN_MAX)
			v = REWARD_BAD_AMOUNT, st = STORE_OK;
		else
			st = rewards_stage(s, t.id,
			    (int)json_integer_value(stage),
			    (long)json_integer_value(yuan), actor, now, &v);
	} else
		st = rewards_paid(s, t.id, actor, now, &v);
	if (st == STORE_INVALID) {
		store_rollback(s);
		tip_row_clear(&t);
		api_error(resp, 400, "bad_reason", "the reason is too "
		    "long");
		return;
	}
	if (st != STORE_OK || store_commit(s) != STORE_OK)
		goto fail;
	if (v != REWARD_OK)
		api_error(resp, 409, "refused", reward_strerror(v));
	else
		api_json(resp, 200, json_pack("{s:s, s:s}", "tip",
		    t.ref, "action", action));
	tip_row_clear(&t);
	return;
fail:
	store_rollback(s);
	tip_row_clear(&t);
	api_error(resp, 500, "internal", "database error");
}

/* Routes /rewards… */
void
api_rewards(struct store *s, struct api_env *env,
    const struct http_request *req, const char *path, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	int	 post = strcmp(req->method, "POST") == 0;

	if (staff_role_rank(tok->role) < staff_role_rank("office")) {
		api_error(resp, 403, "forbidden", "rewards are for "
		    "office tokens");
		return;
	}
	if (strcmp(path, "/rewards") == 0 && post)
		api_rewards_change(s, in, tok, env->now, resp);
	else if (strcmp(path, "/rewards") == 0)
		api_rewards_list(s, env, req, tok, resp);
	else if (strcmp(path, "/rewards/stats") == 0 && !post)
		api_rewards_stats(s, env, req, tok, resp);
	else if (strcmp(path, "/rewards/stats") == 0)
		api_error(resp, 405, "method_not_allowed",
		    "wrong method");
	else
		api_error(resp, 404, "not_found", "no such endpoint");
}

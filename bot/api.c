/* /api/v1: staff, robot groups and broadcasts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "api_admin.h"
#include "api_overview.h"
#include "api_reveals.h"
#include "api_registry.h"
#include "api_tips.h"
#include "api_patrols.h"
#include "api_reminders.h"
#include "api_rewards.h"
#include "console.h"
#include "reach.h"
#include "target.h"
#include "web.h"
#include "storage/letters.h"
#include "messages/sms.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/leads.h"
#include "storage/outbox.h"
#include "storage/staff.h"

#define API_LIST_MAX	100

/* Sets a JSON answer (the object is consumed). */
void
api_json(struct http_response *resp, int status, json_t *obj)
{
	resp->status = status;
	resp->content_type = "application/json; charset=utf-8";
	resp->body = json_dumps(obj, JSON_COMPACT);
	resp->len = resp->body ? strlen(resp->body) : 0;
	json_decref(obj);
}

/* Sets an error answer. */
void
api_error(struct http_response *resp, int status, const char *code,
    const char *message)
{
	api_json(resp, status, json_pack("{s:s, s:s}", "error", code,
	    "message", message));
}

/* Reads ?limit= (1..100, default 50) and ?after= (default 0). */
void
api_page(const struct http_request *req, long *limit, long long *after)
{
	const char	*v;

	*limit = 50;
	*after = 0;
	if (req->arg == NULL)
		return;
	if ((v = req->arg(req, "limit")) != NULL)
		*limit = strtol(v, NULL, 10);
	if (*limit < 1 || *limit > API_LIST_MAX)
		*limit = *limit < 1 ? 1 : API_LIST_MAX;
	if ((v = req->arg(req, "after")) != NULL)
		*after = strtoll(v, NULL, 10);
}

/* Resolves an area path within the token's subtree; answers on failure. */
int
api_area(struct store *s, const struct token_info *tok, const char *path,
    int64_t *area, struct http_response *resp)
{
	if (path == NULL || areas_find(s, path, area) != STORE_OK) {
		api_error(resp, 400, "bad_area", "no single area matches");
		return -1;
	}
	if (!areas_within(s, *area, tok->area_id)) {
		api_error(resp, 403, "outside_area",
		    "the area is outside this token's area");
		return -1;
	}
	return 0;
}

/* GET /staff */
static void
api_staff_list(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct staff_info	 list[API_LIST_MAX];
	json_t			*items = json_array();
	long			 limit;
	long long		 after;
	size_t			 n, i;

	api_page(req, &limit, &after);
	if (staff_list(s, after, list, (size_t)limit, &n) != STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	for (i = 0; i < n; i++)
		if (areas_within(s, list[i].area_id, tok->area_id))
			json_array_append_new(items, json_pack("{s:I, s:s, s:s, "
			    "s:s, s:b}", "id", (json_int_t)list[i].id, "name",
			    list[i].name, "role", list[i].role, "area",
			    list[i].area_path, "active", list[i].active));
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_after", n == (size_t)limit ?
	    json_integer(list[n - 1].id) : json_null()));
}

/* POST /staff */
static void
api_staff_add(struct store *s, struct api_env *env, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	const char	*name = json_string_value(json_object_get(in, "name"));
	const char	*role = json_string_value(json_object_get(in, "role"));
	const char	*phone = json_string_value(json_object_get(in, "phone"));
	char		 code[BIND_CODE_TEXT_LEN + 1], by[32], detail[192];
	int64_t		 area, id;

	if (name == NULL || *name == '\0' || !staff_role_valid(role)) {
		api_error(resp, 400, "bad_request", "name and role (grid_worker, "
		    "grid_chief, liaison, office, admin) are required");
		return;
	}
	/* Nobody makes staff above their own role (an office token no
	 * admin), nor outside their area (api_area). */
	if (staff_role_rank(role) > staff_role_rank(tok->role)) {
		api_error(resp, 403, "role_too_high", "this token cannot create "
		    "staff with a role above its own");
		return;
	}
	if (api_area(s, tok, json_string_value(json_object_get(in, "area")),
	    &area, resp) == -1)
		return;
	(void)snprintf(by, sizeof by, "%s", tok->actor);
	if (store_begin(s) != STORE_OK ||
	    staff_add(s, name, role, area, phone, env->now, &id) != STORE_OK ||
	    staff_bind_code(s, id, env->now, code) != STORE_OK)
		goto fail;
	(void)snprintf(detail, sizeof detail, "staff %lld (%.64s, %s)",
	    (long long)id, name, role);
	if (audit_add_area(s, by, "staff add", detail, area, env->now) !=
	    STORE_OK || store_commit(s) != STORE_OK)
		goto fail;
	api_json(resp, 201, json_pack("{s:I, s:s, s:i}", "id", (json_int_t)id,
	    "bind_code", code, "expires_in", BIND_CODE_TTL));
	return;
fail:
	store_rollback(s);
	api_error(resp, 500, "internal", "database error");
}

/* POST /groups: an outbound robot. */
static void
api_group_add(struct store *s, struct api_env *env, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	const char	*name = json_string_value(json_object_get(in, "name"));
	const char	*kind = json_string_value(json_object_get(in, "kind"));
	const char	*robot = json_string_value(json_object_get(in, "robot"));
	const char	*hook = json_string_value(json_object_get(in, "webhook"));
	const char	*secret = json_string_value(json_object_get(in, "secret"));
	const struct channel_backend *b;
	char		 why[256], by[32], detail[192];
	int64_t		 area, id;

	if (name == NULL || !group_kind_valid(kind) || robot == NULL ||
	    (b = robot_backend_lookup(robot)) == NULL ||
	    hook == NULL) {
		api_error(resp, 400, "bad_request", "name, kind (building, "
		    "community, grid_worker, police), robot (dingtalk, wecom, "
		    "feishu) and webhook are required");
		return;
	}
	if (api_area(s, tok, json_string_value(json_object_get(in, "area")),
	    &area, resp) == -1)
		return;
	if (target_check_url(hook, env->allow_http, env->allow_private_targets,
	    why, sizeof why) == -1) {
		api_error(resp, 400, "bad_webhook", why);
		return;
	}
	(void)snprintf(by, sizeof by, "%s", tok->actor);
	(void)snprintf(detail, sizeof detail, "%s robot %.64s (%s)", robot,
	    name, kind);
	if (store_begin(s) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	switch (groups_add_robot(s, robot, name, area, kind, hook, secret,
	    env->now, &id)) {
	case STORE_OK:
		if (audit_add_area(s, by, "group add", detail, area,
		    env->now) != STORE_OK || store_commit(s) != STORE_OK)
			break;
		api_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
		return;
	case STORE_INVALID:
		store_rollback(s);
		api_error(resp, 400, "bad_request", "webhook must be an http(s) "
		    "URL");
		return;
	default:
		break;
	}
	store_rollback(s);
	api_error(resp, 500, "internal", "database error");
}

/* GET /groups: the groups warnings reach in the token's area. */
static void
api_group_list(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct group_entry	*g = xcalloc(API_LIST_MAX, sizeof *g);
	json_t			*items = json_array();
	long			 limit;
	long long		 after;
	size_t			 n, i;

	api_page(req, &limit, &after);
	if (groups_list(s, tok->area_id, after, g, (size_t)limit, &n) !=
	    STORE_OK) {
		free(g);
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s, s:s?}", "id", (json_int_t)g[i].id, "area",
		    g[i].area_path, "kind", g[i].kind, "channel", g[i].channel,
		    "name", g[i].name, "host", g[i].host[0] ? g[i].host : NULL));
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_after", n == (size_t)limit ? json_integer(g[n - 1].id) :
	    json_null()));
	free(g);
}

/* GET /audit[?action=A&since=EPOCH&before=ID&limit=N]: newest first, in
 * the token's area (entries without an area only for a top-level one). */
static void
api_audit_list(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct audit_entry	*e = xcalloc(API_LIST_MAX, sizeof *e);
	struct audit_filter	 f;
	json_t			*items = json_array();
	const char		*v;
	long			 limit;
	long long		 after;
	size_t			 n, i;

	api_page(req, &limit, &after);
	memset(&f, 0, sizeof f);
	f.scope = tok->area_id;
	if (req->arg != NULL) {
		f.action = req->arg(req, "action");
		if ((v = req->arg(req, "since")) != NULL)
			f.since = (time_t)strtoll(v, NULL, 10);
		if ((v = req->arg(req, "before")) != NULL)
			f.before = strtoll(v, NULL, 10);
	}
	if (audit_list(s, &f, e, (size_t)limit, &n) != STORE_OK) {
		free(e);
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s, "
		    "s:s, s:s?}", "id", (json_int_t)e[i].id, "at",
		    (json_int_t)e[i].at, "actor", e[i].actor, "action",
		    e[i].action, "detail", e[i].detail, "area",
		    e[i].area_path[0] ? e[i].area_path : NULL));
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_before", n == (size_t)limit ? json_integer(e[n - 1].id) :
	    json_null()));
	free(e);
}

/* A signed-in member's broadcasts count against their limit of warnings
 * a day, as their 预警 in a chat does (handlers/cmd_warn.c); API tokens
 * belong to no member. */
static enum store_status
api_day_limit(struct store *s, const struct api_env *env, const char *by)
{
	long	 n;

	if (env->handlers == NULL || strncmp(by, "staff:", 6) != 0)
		return STORE_OK;
	return broadcasts_day_limit(s, by, env->handlers->warnings_per_day,
	    env->now, &n);
}

/* POST /broadcasts: {area, text, kinds?, sms_text?, preview?} */
static void
api_broadcast_add(struct store *s, struct api_env *env, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	const char	*text = json_string_value(json_object_get(in, "text"));
	const char	*smstext;
	json_t		*kinds = json_object_get(in, "kinds"), *k;
	json_t		*jsms = json_object_get(in, "sms_text");
	char		 list[128] = "", by[32], msg[320];
	int64_t		 area, id = 0;
	enum store_status st = STORE_OK;
	int		 preview = json_is_true(json_object_get(in, "preview"));
	int		 sms = 0, parts = 0, cut = 0;
	size_t		 i;
	struct broadcast_new	 b;
	struct broadcast_reach	 r;

	if (text == NULL || *text == '\0' || utf8_count(text) > 2000) {
		api_error(resp, 400, "bad_request", "text (1..2000 characters) "
		    "is required");
		return;
	}
	smstext = json_string_value(jsms);
	if (jsms != NULL && (smstext == NULL || *smstext == '\0' ||
	    utf8_count(smstext) > 2000)) {
		api_error(resp, 400, "bad_request", "sms_text must be 1..2000 "
		    "characters");
		return;
	}
	if (kinds == NULL)
		(void)snprintf(list, sizeof list, "building,community");
	else if (!json_is_array(kinds) || json_array_size(kinds) == 0) {
		api_error(resp, 400, "bad_request", "kinds must be a list");
		return;
	}
	json_array_foreach(kinds, i, k) {
		if (!broadcast_kind_valid(json_string_value(k))) {
			api_error(resp, 400, "bad_request", "unknown kind (building, "
			    "community, grid_worker, police, sms)");
			return;
		}
		if (strcmp(json_string_value(k), BROADCAST_SMS) == 0)
			sms = 1;
		if (strstr(list, json_string_value(k)) == NULL)
			(void)snprintf(list + strlen(list), sizeof list -
			    strlen(list), "%s%s", *list ? "," : "",
			    json_string_value(k));
	}
	if (sms && env->sms_channel == NULL) {
		api_error(resp, 409, "no_sms_channel", "no channel can send SMS "
		    "(a kannel channel with sendsms_url, or twilio)");
		return;
	}
	if (api_area(s, tok, json_string_value(json_object_get(in, "area")),
	    &area, resp) == -1)
		return;
	memset(&b, 0, sizeof b);
	b.area = area;
	b.kinds = list;
	b.text = text;
	b.sms_text = smstext;
	if (sms) {
		b.sms_channel = env->sms_channel;
		parts = sms_cost(smstext != NULL ? smstext : text,
		    env->sms_max_parts, &cut);
	}
	(void)snprintf(by, sizeof by, "%s", tok->actor);
	b.by = by;
	if (preview) {
		if (broadcasts_preview(s, &b, &r) != STORE_OK) {
			api_error(resp, 500, "internal", "database error");
			return;
		}
	} else if (store_begin(s) != STORE_OK ||
	    (st = api_day_limit(s, env, by)) == STORE_ERROR ||
	    (st == STORE_OK && (broadcasts_create(s, &b, env->now, &id, &r) !=
	    STORE_OK || audit_add(s, by, "broadcast", list, env->now) !=
	    STORE_OK)) || store_commit(s) != STORE_OK) {
		store_rollback(s);
		api_error(resp, 500, "internal", "database error");
		return;
	} else if (st == STORE_INVALID) {
		/* Committed: the refusal's audit entry. */
		(void)snprintf(msg, sizeof msg, "已达每人每日预警上限 %d 条，"
		    "本条未发出，请联系区防非办公室发布 %d warnings in 24 hours "
		    "is one member's limit ([limits] warnings_per_day): this "
		    "one was not sent; ask the district office to post it",
		    env->handlers->warnings_per_day,
		    env->handlers->warnings_per_day);
		api_error(resp, 429, "warn_limit", msg);
		return;
	}
	env->wrote_outbox = !preview && (r.groups > 0 || r.numbers > 0);
	api_json(resp, preview ? 200 : 201, json_pack("{s:o, s:I, s:I, s:{s:i, "
	    "s:I, s:b}}", "id", preview ? json_null() : json_integer(id),
	    "groups", (json_int_t)r.groups, "numbers", (json_int_t)r.numbers,
	    "sms", "parts_per_number", parts, "parts_total",
	    (json_int_t)(r.numbers * parts), "cut", cut));
}

/* GET /broadcasts/ID */
static void
api_broadcast_get(struct store *s, const struct http_request *req,
    long long id, const struct token_info *tok, struct http_response *resp)
{
	struct outbox_group_state	 g[API_LIST_MAX];
	struct broadcast_counts		 c;
	json_t				*groups = json_array();
	int64_t				 area;
	long				 limit;
	long long			 after;
	size_t				 n, i;

	if (broadcasts_get(s, id, &area) != STORE_OK ||
	    !areas_within(s, area, tok->area_id)) {
		json_decref(groups);
		api_error(resp, 404, "not_found", "no such broadcast in this "
		    "token's area");
		return;
	}
	api_page(req, &limit, &after);
	/* One snapshot: the counts and the list agree with each other. */
	if (store_begin_read(s) != STORE_OK ||
	    broadcasts_counts(s, id, &c) != STORE_OK ||
	    broadcasts_groups(s, id, after, g, (size_t)limit, &n) != STORE_OK) {
		store_end_read(s);
		json_decref(groups);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	store_end_read(s);
	/* A number is shown masked, and has no group id. */
	for (i = 0; i < n; i++)
		json_array_append_new(groups, json_pack("{s:o, s:s, s:s, s:s, "
		    "s:s, s:i, s:s?}", "id", g[i].sms ? json_null() :
		    json_integer(g[i].group_id), "kind", g[i].sms ? "sms" :
		    "group", "name", g[i].name, "channel", g[i].channel,
		    "state", g[i].state, "attempts", g[i].attempts, "error",
		    g[i].error[0] ? g[i].error : NULL));
	api_json(resp, 200, json_pack("{s:I, s:{s:i, s:i, s:i, s:i, s:i}, "
	    "s:o, s:o}", "id", (json_int_t)id, "counts", "delivered",
	    (int)c.sent, "awaiting_report", (int)c.accepted, "pending",
	    (int)c.pending, "sending", (int)c.sending, "failed", (int)c.dead,
	    "groups", groups, "next_after", n == (size_t)limit ?
	    json_integer(g[n - 1].row) : json_null()));
}

/* POST /letters */
static void
api_letter_add(struct store *s, struct api_env *env, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	const char	*title = json_string_value(json_object_get(in, "title"));
	const char	*body = json_string_value(json_object_get(in, "body"));
	const char	*issuer = json_string_value(json_object_get(in, "issuer"));
	const char	*date = json_string_value(json_object_get(in, "date"));
	int64_t		 area, id;

	if (title == NULL || body == NULL || issuer == NULL || date == NULL ||
	    *title == '\0' || *body == '\0') {
		api_error(resp, 400, "bad_request", "title, body, issuer, date "
		    "and area are required");
		return;
	}
	if (api_area(s, tok, json_string_value(json_object_get(in, "area")),
	    &area, resp) == -1)
		return;
	if (letters_add(s, title, body, issuer, date, area, env->now, &id) !=
	    STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	api_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/*
 * Checks that a letter concerns the token: its area lies within the
 * token's subtree, or the token's area within the letter's (a district's
 * letter, seen by a street: the street then only reaches its own codes,
 * figures and print sheets). *area gets the letter's area.
 */
static int
api_letter_scope(struct store *s, long long id, const struct token_info *tok,
    int64_t *area, struct http_response *resp)
{
	struct letter	 l;
	int		 ok;

	if (letters_get(s, id, &l) != STORE_OK) {
		api_error(resp, 404, "not_found", "no such letter");
		return -1;
	}
	ok = areas_within(s, l.area_id, tok->area_id) ||
	    areas_within(s, tok->area_id, l.area_id);
	*area = l.area_id;
	letter_clear(&l);
	if (!ok) {
		api_error(resp, 404, "not_found", "no such letter in this "
		    "token's area");
		return -1;
	}
	return 0;
}

/* Resolves the area of a letter's codes or print sheet: within the
 * token's subtree and within the letter's area; answers on failure. */
static int
api_letter_area(struct store *s, const struct token_info *tok, json_t *in,
    int64_t letter_area, int64_t *area, struct http_response *resp)
{
	if (api_area(s, tok, json_string_value(json_object_get(in, "area")),
	    area, resp) == -1)
		return -1;
	if (!areas_within(s, *area, letter_area)) {
		api_error(resp, 400, "bad_area", "the area is outside the "
		    "letter's area");
		return -1;
	}
	return 0;
}

/* POST /letters/ID/codes {area, per, count, place} */
static void
api_letter_codes(struct store *s, struct api_env *env, long long id,
    json_t *in, const struct token_info *tok, struct http_response *resp)
{
	const char	*per = json_string_value(json_object_get(in, "per"));
	const char	*place = json_string_value(json_object_get(in, "place"));
	json_int_t	 count = json_integer_value(json_object_get(in, "count"));
	int64_t		 area, larea;
	long		 made;
	int		 level = per == NULL || strcmp(per, "building") == 0 ? 5 :
			    strcmp(per, "grid") == 0 ? 4 :
			    strcmp(per, "community") == 0 ? 3 : -1;

	if (api_letter_scope(s, id, tok, &larea, resp) == -1)
		return;
	if (level == -1 || count < 0 || count > 100) {
		api_error(resp, 400, "bad_request", "per is building, grid or "
		    "community; count 1..100");
		return;
	}
	if (api_letter_area(s, tok, in, larea, &area, resp) == -1)
		return;
	if (store_begin(s) != STORE_OK || letters_make_codes(s, id, area,
	    level, count > 0 ? (int)count : 1, place, env->now, NULL, NULL,
	    &made) != STORE_OK || store_commit(s) != STORE_OK) {
		store_rollback(s);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	api_json(resp, 201, json_pack("{s:i}", "made", (int)made));
}

/* POST /letters/ID/print-link {area, hours}: a signed link to the print
 * sheet of the letter's codes under area, valid for hours (default
 * [server] print_link_hours). */
static void
api_letter_print_link(struct store *s, struct api_env *env, long long id,
    json_t *in, const struct token_info *tok, struct http_response *resp)
{
	json_t		*h = json_object_get(in, "hours");
	json_int_t	 hours = h == NULL ? (env->print_link_hours > 0 ?
	    env->print_link_hours : 12) : json_integer_value(h);
	int64_t		 area, larea;
	time_t		 expires;
	char		*url, by[32];

	if (api_letter_scope(s, id, tok, &larea, resp) == -1)
		return;
	if ((h != NULL && !json_is_integer(h)) || hours < 1 ||
	    hours > WEB_PRINT_HOURS_MAX) {
		api_error(resp, 400, "bad_request", "hours is 1..168");
		return;
	}
	if (api_letter_area(s, tok, in, larea, &area, resp) == -1)
		return;
	if ((url = web_print_link(s, env->public_base_url ?
	    env->public_base_url : "", id, area, env->now, (int)hours,
	    &expires)) == NULL) {
		api_error(resp, 500, "internal", "the store has no key");
		return;
	}
	(void)snprintf(by, sizeof by, "%s", tok->actor);
	(void)audit_add(s, by, "letter print-link",
	    json_string_value(json_object_get(in, "area")), env->now);
	api_json(resp, 201, json_pack("{s:s, s:I}", "url", url, "expires_at",
	    (json_int_t)expires));
	free(url);
}

/* GET /letters/ID/stats[?format=csv]: a token below the letter's area
 * gets its own subtree's figures and codes only. */
static void
api_letter_stats(struct store *s, const struct http_request *req,
    long long id, const struct token_info *tok, struct http_response *resp)
{
	const char		*fmt = req->arg ? req->arg(req, "format") : NULL;
	enum store_status	 st;
	int			 csv = fmt != NULL && strcmp(fmt, "csv") == 0;
	int64_t			 larea;
	char			*out;

	if (api_letter_scope(s, id, tok, &larea, resp) == -1)
		return;
	out = csv ? reach_csv(s, id, tok->area_id, &st) :
	    reach_json(s, id, tok->area_id, &st);
	if (out == NULL) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	resp->status = 200;
	resp->content_type = csv ? "text/csv; charset=utf-8" :
	    "application/json; charset=utf-8";
	resp->body = out;
	resp->len = strlen(out);
}

/* GET /leads?state=open|all&area=PATH&before=ID&limit=N: group messages
 * with risk phrases in the token's area, newest first (never a sender). */
static void
api_leads_list(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct lead_row	 list[API_LIST_MAX];
	json_t		*items = json_array();
	const char	*v, *area = req->arg ? req->arg(req, "area") : NULL;
	long		 limit;
	long long	 before = 0;
	int64_t		 scope = tok->area_id, last;
	int		 open_only = 1;
	size_t		 n, i;

	api_page(req, &limit, &before);
	before = 0;
	if (req->arg != NULL && (v = req->arg(req, "before")) != NULL)
		before = strtoll(v, NULL, 10);
	if (req->arg != NULL && (v = req->arg(req, "state")) != NULL)
		open_only = strcmp(v, "all") != 0;
	if (area != NULL && api_area(s, tok, area, &scope, resp) == -1) {
		json_decref(items);
		return;
	}
	if (leads_list(s, scope, open_only, before, list, (size_t)limit, &n) !=
	    STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	last = n > 0 ? list[n - 1].id : 0;
	for (i = 0; i < n; i++) {
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s, s:s, s:I}", "id", (json_int_t)list[i].id, "area",
		    list[i].area_path, "group", list[i].group, "phrase",
		    list[i].phrase, "text", list[i].body ? list[i].body : "",
		    "state", list[i].state, "created_at",
		    (json_int_t)list[i].created_at));
		lead_row_clear(&list[i]);
	}
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_before", n == (size_t)limit ? json_integer(last) :
	    json_null()));
}

/* POST /leads/ID/close */
static void
api_lead_close(struct store *s, struct api_env *env, long long id,
    const struct token_info *tok, struct http_response *resp)
{
	char	 by[32], what[32];
	int64_t	 area;

	(void)snprintf(by, sizeof by, "%s", tok->actor);
	(void)snprintf(what, sizeof what, "lead %lld", id);
	if (store_begin(s) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	switch (leads_close(s, id, tok->area_id, &area)) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		store_rollback(s);
		api_error(resp, 404, "not_found", "no such lead in this token's "
		    "area");
		return;
	default:
		store_rollback(s);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	if (audit_add_area(s, by, "lead close", what, area, env->now) !=
	    STORE_OK ||
	    store_commit(s) != STORE_OK) {
		store_rollback(s);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	api_json(resp, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id,
	    "state", "closed"));
}

/*
 * The least role that may call each endpoint, the one table of it: a
 * token's role or a signed-in staff member's, checked before the
 * endpoint runs; each endpoint then keeps to the caller's area, and the
 * ledger's moves keep to tipflow's rules (handlers/tipflow.h). The first
 * matching row wins; a path ending in '*' is a prefix. Endpoints not
 * listed are open to every staff role.
 */
static const struct api_rule {
	const char	*method;	/* "GET", "POST", NULL: both */
	const char	*path;
	const char	*role;		/* least role (storage/staff.h) */
} api_rules[] = {
	{ "POST", "/staff*", "office" },	/* and /staff/ID/disable */
	{ "GET", "/audit", "liaison" },
	{ "POST", "/letters*", "office" },
	{ NULL, "/rewards*", "office" },
	{ "POST", "/reminders*", "office" },
	{ "GET", "/ledger/export", "grid_chief" },
	{ "GET", "/tokens*", "office" },
	{ "POST", "/tokens*", "office" },
	{ "POST", "/enterprises*", "office" },
	{ "POST", "/notices*", "office" },
	{ NULL, NULL, NULL }
};

/* Returns 1 if a caller of role may call method path. */
int
api_allowed(const char *role, const char *method, const char *path)
{
	const struct api_rule	*r;
	size_t			 n;

	for (r = api_rules; r->path != NULL; r++) {
		if (r->method != NULL && strcmp(r->method, method) != 0)
			continue;
		n = strlen(r->path);
		if (r->path[n - 1] == '*' ? strncmp(path, r->path, n - 1) != 0 :
		    strcmp(path, r->path) != 0)
			continue;
		return staff_role_rank(role) >= staff_role_rank(r->role);
	}
	return staff_role_rank(role) > 0;
}

/* GET /session: who is calling, and a session's CSRF token. */
static void
api_session(struct store *s, const struct token_info *tok,
    const struct session_info *si, const struct api_env *env,
    struct http_response *resp)
{
	struct staff_info	 st;
	json_t			*o;

	o = json_pack("{s:s, s:s, s:s}", "role", tok->role, "area",
	    tok->area_path, "actor", tok->actor);
	if (tok->staff_id != 0 && staff_get(s, tok->staff_id, &st) == STORE_OK) {
		json_object_set_new(o, "staff_id", json_integer(tok->staff_id));
		json_object_set_new(o, "name", json_string(st.name));
		json_object_set_new(o, "csrf", json_string(si->csrf));
		json_object_set_new(o, "idle_seconds", json_integer(
		    env->console != NULL ?
		    env->console->cfg->session_idle_minutes * 60 : 0));
	}
	api_json(resp, 200, o);
}

/* Finds the caller: a bearer token, else a console session. 0; -1 for a
 * session's change without its CSRF token; -2 when the store failed; -3
 * for nobody. */
static int
api_caller(struct store *s, struct api_env *env,
    const struct http_request *req, int post, struct token_info *tok,
    struct session_info *si)
{
	const char	*auth = req->header(req, "Authorization");

	memset(si, 0, sizeof *si);
	if (auth != NULL) {
		if (strncmp(auth, "Bearer ", 7) == 0 &&
		    tokens_check_at(s, auth + 7, env->now, tok) == STORE_OK)
			return 0;
	} else if (env->console != NULL) {
		switch (console_principal(s, env->console, req, env->now, tok,
		    si)) {
		case 1:
			return post && !console_csrf_ok(req, si) ? -1 : 0;
		case -1:
			return -2;
		default:
			break;
		}
	}
	return -3;
}

/* Routes one API request. */
void
api_handle(struct store *s, struct api_env *env, const struct http_request *req,
    const char *path, struct http_response *resp)
{
	struct token_info	 tok;
	struct session_info	 si;
	json_t			*in = NULL;
	json_error_t		 err;
	int			 post = strcmp(req->method, "POST") == 0;
	char			*end;
	long long		 id;

	if (!post && strcmp(req->method, "GET") != 0) {
		api_error(resp, 405, "method_not_allowed", "use GET or POST");
		return;
	}
	switch (api_caller(s, env, req, post, &tok, &si)) {
	case 0:
		break;
	case -1:
		api_error(resp, 403, "csrf", "此操作需要本会话的校验码 (X-CSRF-Token) "
		    "this change needs the session's CSRF token");
		return;
	case -2:
		api_error(resp, 503, "unavailable", "database unavailable");
		return;
	default:
		api_error(resp, 401, "unauthorized", "请先登录工作台，或使用 API 令牌 "
		    "sign in to the console, or send a bearer token "
		    "(fangfei token create)");
		return;
	}
	if (!api_allowed(tok.role, req->method, path)) {
		api_error(resp, 403, "forbidden_role", "你的角色不能执行此操作 "
		    "your role may not do this");
		return;
	}
	if (strcmp(path, "/session") == 0 && !post) {
		api_session(s, &tok, &si, env, resp);
		return;
	}
	/* These read CSV bodies, or lists of their own. */
	if (api_registry(s, env, req, path, &tok, resp) ||
	    api_admin(s, env, req, path, &tok, resp))
		return;
	if (post) {
		if (!utf8_valid(req->body, req->body_len) ||
		    (in = json_loadb(req->body, req->body_len,
		    JSON_REJECT_DUPLICATES, &err)) == NULL || !json_is_object(in)) {
			json_decref(in);
			api_error(resp, 400, "bad_json", "the body must be a JSON "
			    "object in UTF-8");
			return;
		}
	}
	if (api_reveals(s, env, path, in, &tok, resp)) {
		json_decref(in);
		return;
	}
	if (strcmp(path, "/staff") == 0) {
		if (post)
			api_staff_add(s, env, in, &tok, resp);
		else
			api_staff_list(s, req, &tok, resp);
	} else if (strcmp(path, "/groups") == 0 && post)
		api_group_add(s, env, in, &tok, resp);
	else if (strcmp(path, "/groups") == 0)
		api_group_list(s, req, &tok, resp);
	else if (strcmp(path, "/audit") == 0 && !post)
		api_audit_list(s, req, &tok, resp);
	else if (strcmp(path, "/leads") == 0 && !post)
		api_leads_list(s, req, &tok, resp);
	else if (strncmp(path, "/leads/", 7) == 0 && post &&
	    (id = strtoll(path + 7, &end, 10)) > 0 &&
	    strcmp(end, "/close") == 0)
		api_lead_close(s, env, id, &tok, resp);
	else if (strcmp(path, "/broadcasts") == 0 && post)
		api_broadcast_add(s, env, in, &tok, resp);
	else if (strncmp(path, "/broadcasts/", 12) == 0 && !post &&
	    (id = strtoll(path + 12, &end, 10)) > 0 && *end == '\0')
		api_broadcast_get(s, req, id, &tok, resp);
	else if (strcmp(path, "/letters") == 0 && post)
		api_letter_add(s, env, in, &tok, resp);
	else if (strncmp(path, "/letters/", 9) == 0 &&
	    (id = strtoll(path + 9, &end, 10)) > 0 &&
	    strcmp(end, "/codes") == 0 && post)
		api_letter_codes(s, env, id, in, &tok, resp);
	else if (strncmp(path, "/letters/", 9) == 0 &&
	    (id = strtoll(path + 9, &end, 10)) > 0 &&
	    strcmp(end, "/stats") == 0 && !post)
		api_letter_stats(s, req, id, &tok, resp);
	else if (strncmp(path, "/letters/", 9) == 0 &&
	    (id = strtoll(path + 9, &end, 10)) > 0 &&
	    strcmp(end, "/print-link") == 0 && post)
		api_letter_print_link(s, env, id, in, &tok, resp);
	else if (strncmp(path, "/tips", 5) == 0 && (path[5] == '\0' ||
	    path[5] == '/'))
		api_tips_handle(s, env, req, path, in, &tok, resp);
	else if (strncmp(path, "/ledger/", 8) == 0)
		api_tips_handle(s, env, req, path, in, &tok, resp);
	else if (strncmp(path, "/reminders", 10) == 0 &&
	    (path[10] == '\0' || path[10] == '/'))
		api_reminders(s, env, req, path, in, &tok, resp);
	else if (strncmp(path, "/rewards", 8) == 0 &&
	    (path[8] == '\0' || path[8] == '/'))
		api_rewards(s, env, req, path, in, &tok, resp);
	else if (strcmp(path, "/patrols") == 0 && !post)
		api_patrols(s, env, req, &tok, resp);
	else if (strcmp(path, "/overview") == 0 && !post)
		api_overview(s, env, req, &tok, resp);
	else if (strcmp(path, "/staff") == 0 || strcmp(path, "/groups") == 0 ||
	    strcmp(path, "/broadcasts") == 0 || strcmp(path, "/audit") == 0 ||
	    strcmp(path, "/leads") == 0 ||
	    strncmp(path, "/broadcasts/", 12) == 0)
		api_error(resp, 405, "method_not_allowed", "wrong method");
	else
		api_error(resp, 404, "not_found", "no such endpoint");
	json_decref(in);
}

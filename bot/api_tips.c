/* /api/v1/tips… and /api/v1/ledger…: the ledger over HTTP. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_tips.h"
#include "ledger_out.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/enterprises.h"
#include "storage/ledger_stats.h"

#define TIPS_LIST_MAX		100
#define TIPS_NOTE_MAX		1000	/* characters of a move's note */
#define TIPS_PEOPLE_MAX		16	/* assignees of one move */
#define EXPORT_PAGE		1000	/* rows of an export page by default */
#define EXPORT_PAGE_MAX		5000
/* An export page stops at the row that passes this many bytes, and the
 * next page goes on from there; the hard cap is never reached by a page
 * of tips, each far below the difference. */
#define EXPORT_PAGE_BYTES	(8 * 1024 * 1024)
#define EXPORT_BYTES_MAX	(16 * 1024 * 1024)

/* Whether the token's area is a top-level one (a district). */
static int
tips_top(const struct token_info *tok)
{
	return strchr(tok->area_path, '/') == NULL;
}

/* Whether the token may see a tip of area (0: unknown). */
static int
tips_visible(struct store *s, const struct token_info *tok, int64_t area)
{
	if (area == 0)
		return tips_top(tok);
	return areas_within(s, area, tok->area_id);
}

/* The seconds east of UTC that local days are counted in. */
static int
tips_utc(const struct api_env *env)
{
	return env->handlers != NULL ? env->handlers->utc_offset : 8 * 3600;
}

/* Fills the actor of the API's moves: the token, with its role's rank,
 * in its area. */
static void
tips_flow(struct tipflow *tf, struct store *s, const struct api_env *env,
    const struct token_info *tok)
{
	memset(tf, 0, sizeof *tf);
	tf->store = s;
	tf->env = env->handlers;
	tf->locale = LOCALE_ZH;
	tf->now = env->now;
	(void)snprintf(tf->actor, sizeof tf->actor, "%s", tok->actor);
	tf->staff_id = tok->staff_id;
	tf->rank = staff_role_rank(tok->role);
	tf->scope = tok->area_id;
}

/* The HTTP answer of a tipflow result. */
int
api_tips_status(enum tipflow_result r, const char **code)
{
	switch (r) {
	case TIPFLOW_OK:
		*code = NULL;
		return 200;
	case TIPFLOW_NOT_FOUND:
		*code = "not_found";
		return 404;
	case TIPFLOW_BAD_STATE:
		*code = "wrong_state";
		return 409;
	case TIPFLOW_BAD_ROLE:
		*code = "forbidden_role";
		return 403;
	case TIPFLOW_BAD_ARGS:
		*code = "bad_request";
		return 400;
	case TIPFLOW_RACE:
		*code = "conflict";
		return 409;
	case TIPFLOW_FAILED:
		break;
	}
	*code = "internal";
	return 500;
}

/* Answers a refused move or read. */
static void
tips_refused(struct http_response *resp, enum tipflow_result r,
    enum tip_state state)
{
	const char	*code;
	char		 msg[256];
	int		 status = api_tips_status(r, &code);

	switch (r) {
	case TIPFLOW_NOT_FOUND:
		api_error(resp, status, code, "没有这条线索，或不在本令牌的区域内 "
		    "no such tip in this token's area");
		return;
	case TIPFLOW_BAD_STATE:
		(void)snprintf(msg, sizeof msg, "线索处于「%s」，不能这样办理 the "
		    "tip is %s: this move is not made from there",
		    ledger_state_zh(state), tip_state_name(state));
		api_json(resp, status, json_pack("{s:s, s:s, s:s}", "error",
		    code, "message", msg, "state", tip_state_name(state)));
		return;
	case TIPFLOW_BAD_ROLE:
		api_error(resp, status, code, "本令牌的角色不能办理这一步 this "
		    "token's role cannot make this move");
		return;
	case TIPFLOW_BAD_ARGS:
		api_error(resp, status, code, "处置措施或承办人无效 the measure or "
		    "a person named is not one (or outside the tip's area)");
		return;
	case TIPFLOW_RACE:
		api_error(resp, status, code, "线索刚被他人办理，请刷新后重试 the "
		    "tip was moved meanwhile: read it again and retry");
		return;
	default:
		api_error(resp, 500, "internal", "database error");
		return;
	}
}

/* A tip as JSON, with who works on it. */
static json_t *
tips_tip_json(struct store *s, const struct tip_row *t)
{
	struct ledger_person	 p[LEDGER_PEOPLE_MAX];
	json_t			*people = json_array(), *o;
	size_t			 n = 0, i;

	if (ledger_people(s, t->id, p, LEDGER_PEOPLE_MAX, &n) != STORE_OK) {
		json_decref(people);
		return NULL;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(people, json_pack("{s:I, s:s}", "id",
		    (json_int_t)p[i].id, "name", p[i].name));
	o = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:I, s:I, s:o, s:i, "
	    "s:b, s:o, s:b, s:s?, s:s?, s:s?, s:o, s:o}",
	    "id", (json_int_t)t->id, "ref", t->ref,
	    "state", tip_state_name(t->state), "state_zh",
	    ledger_state_zh(t->state), "area", t->area_id != 0 ?
	    t->area_path : NULL, "text", t->body != NULL ? t->body : "",
	    "created_at", (json_int_t)t->created_at, "updated_at",
	    (json_int_t)t->updated_at, "due_at", t->due_at != 0 ?
	    json_integer((json_int_t)t->due_at) : json_null(),
	    "escalations", t->escalations, "anonymous", t->anonymous,
	    "enterprise", t->enterprise_id != 0 ? json_pack("{s:I, s:s}",
	    "id", (json_int_t)t->enterprise_id, "name", t->enterprise) :
	    json_null(), "first", t->first, "first_ref", t->first_ref[0] ?
	    t->first_ref : NULL, "measure", t->measure[0] ? t->measure : NULL,
	    "measure_zh", t->measure[0] ? ledger_measure_zh(t->measure) : NULL,
	    "assignees", people, "closed_at", t->closed_at != 0 ?
	    json_integer((json_int_t)t->closed_at) : json_null());
	return o;
}

/* Resolves ?area= within the token's subtree (absent: the token's own
 * area); answers on failure. */
static int
tips_area(struct store *s, const struct http_request *req,
    const struct token_info *tok, int64_t *area, struct http_response *resp)
{
	const char	*v = req->arg != NULL ? req->arg(req, "area") : NULL;

	*area = tok->area_id;
	if (v == NULL)
		return 0;
	if (strlen(v) > 500 || areas_find(s, v, area) != STORE_OK) {
		api_error(resp, 400, "bad_area", "没有唯一匹配的区域 no single "
		    "area matches");
		return -1;
	}
	if (!areas_within(s, *area, tok->area_id)) {
		api_error(resp, 403, "outside_area", "该区域不在本令牌的区域内 "
		    "the area is outside this token's area");
		return -1;
	}
	return 0;
}

/* The filters shared by the list and the export. */
struct tips_args {
	int64_t		 area;
	int		 unknown;	/* tips of no known area too */
	unsigned	 states;
	time_t		 since, until;
	int64_t		 before;
};

/* Reads ?area, ?state, ?since, ?until (a day, inclusive) and ?before;
 * answers on failure. */
static int
tips_args(struct store *s, const struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct tips_args *a, struct http_response *resp)
{
	const char	*v;
	char		*end;

	memset(a, 0, sizeof *a);
	if (tips_area(s, req, tok, &a->area, resp) == -1)
		return -1;
	/* A tip of no known area is in no area below the top one. */
	a->unknown = tips_top(tok) && a->area == tok->area_id;
	if (req->arg == NULL)
		return 0;
	if ((v = req->arg(req, "state")) != NULL &&
	    ledger_parse_states(v, &a->states) == -1) {
		api_error(resp, 400, "bad_state", "state 是以逗号分隔的状态 is a "
		    "list of received, assigned, verifying, rejected, confirmed, "
		    "disposing, closed");
		return -1;
	}
	if (((v = req->arg(req, "since")) != NULL &&
	    (a->since = ledger_parse_day(v, tips_utc(env))) == -1) ||
	    ((v = req->arg(req, "until")) != NULL &&
	    (a->until = ledger_parse_day(v, tips_utc(env))) == -1)) {
		api_error(resp, 400, "bad_date", "日期格式为 dates are "
		    "YYYY-MM-DD");
		return -1;
	}
	if (a->until != 0)
		a->until += 86400;
	if ((v = req->arg(req, "before")) != NULL &&
	    ((a->before = strtoll(v, &end, 10)) <= 0 || *end != '\0')) {
		api_error(resp, 400, "bad_request", "before is a tip id");
		return -1;
	}
	return 0;
}

/* Reads ?name= as a number in 1..max (default def); -1 if it is not. */
static long
tips_number(const struct http_request *req, const char *name, long def,
    long max)
{
	const char	*v = req->arg != NULL ? req->arg(req, name) : NULL;
	char		*end;
	long		 n;

	if (v == NULL)
		return def;
	n = strtol(v, &end, 10);
	return *end != '\0' || n < 1 || n > max ? -1 : n;
}

/* GET /tips */
static void
tips_list_get(struct store *s, const struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	struct tip_row		*rows = NULL;
	struct tip_filter	 f;
	struct tips_args	 a;
	json_t			*items = NULL, *o;
	long			 limit, assignee;
	size_t			 n = 0, i;

	if (tips_args(s, env, req, tok, &a, resp) == -1)
		goto out;
	if ((limit = tips_number(req, "limit", 50, TIPS_LIST_MAX)) == -1 ||
	    (assignee = tips_number(req, "assignee", 0, LONG_MAX)) == -1) {
		api_error(resp, 400, "bad_request", "limit is 1..100, assignee "
		    "a staff id");
		goto out;
	}
	memset(&f, 0, sizeof f);
	/* Scope 0 also lists tips of no known area; those of other top-level
	 * areas are then dropped below (a page may come back short, its
	 * cursor still right). */
	f.scope = a.unknown ? 0 : a.area;
	f.states = a.states;
	f.assignee = assignee;
	f.since = a.since;
	f.until = a.until;
	f.before = a.before;
	rows = xcalloc((size_t)limit, sizeof *rows);
	if (tips_list(s, &f, rows, (size_t)limit, &n) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	items = json_array();
	for (i = 0; i < n; i++) {
		if (!tips_visible(s, tok, rows[i].area_id))
			continue;
		if ((o = tips_tip_json(s, &rows[i])) == NULL) {
			api_error(resp, 500, "internal", "database error");
			goto out;
		}
		json_array_append_new(items, o);
	}
	api_json(resp, 200, json_pack("{s:O, s:o}", "items", items,
	    "next_before", n == (size_t)limit ?
	    json_integer((json_int_t)rows[n - 1].id) : json_null()));
out:
	json_decref(items);
	if (rows != NULL)
		for (i = 0; i < n; i++)
			tip_row_clear(&rows[i]);
	free(rows);
}

/* Whether a path segment can be a tip reference. */
static int
tips_ref_valid(const char *ref, size_t len)
{
	size_t	 i;

	if (len == 0 || len >= TIP_REF_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-", ref[i]) == NULL)
			return 0;
	return 1;
}

/* Gets tip ref as the token may see it and writes the audit entry of the
 * read; answers on failure. */
static int
tips_read(struct store *s, const struct api_env *env,
    const struct token_info *tok, const char *ref, const char *what,
    struct tip_row *t, struct http_response *resp)
{
	struct tipflow		 tf;
	enum tipflow_result	 r;
	char			 detail[96];

	tips_flow(&tf, s, env, tok);
	if ((r = tipflow_get(&tf, ref, t)) == TIPFLOW_OK &&
	    !tips_visible(s, tok, t->area_id)) {
		tip_row_clear(t);
		r = TIPFLOW_NOT_FOUND;
	}
	if (r != TIPFLOW_OK) {
		tips_refused(resp, r, TIP_RECEIVED);
		return -1;
	}
	(void)snprintf(detail, sizeof detail, "%s%s", t->ref, what);
	if (audit_add_area(s, tf.actor, "tip read", detail, t->area_id,
	    env->now) != STORE_OK) {
		tip_row_clear(t);
		api_error(resp, 500, "internal", "database error");
		return -1;
	}
	return 0;
}

/* GET /tips/REF */
static void
tips_one_get(struct store *s, const struct api_env *env,
    const struct token_info *tok, const char *ref, struct http_response *resp)
{
	struct tip_row	 t;
	json_t		*o;

	if (tips_read(s, env, tok, ref, "", &t, resp) == -1)
		return;
	if ((o = tips_tip_json(s, &t)) == NULL)
		api_error(resp, 500, "internal", "database error");
	else
		api_json(resp, 200, o);
	tip_row_clear(&t);
}

/* GET /tips/REF/events: the history, oldest first. The notes of the
 * reveal steps are not shown here: they concern the reporter. */
static void
tips_events_get(struct store *s, const struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    const char *ref, struct http_response *resp)
{
	struct tip_event	*e = NULL;
	struct tip_row		 t;
	json_t			*items;
	const char		*v = req->arg != NULL ? req->arg(req, "after") :
				    NULL;
	long long		 after = v != NULL ? strtoll(v, NULL, 10) : 0;
	long			 limit;
	size_t			 n = 0, i;

	if ((limit = tips_number(req, "limit", 100, TIPS_LIST_MAX)) == -1) {
		api_error(resp, 400, "bad_request", "limit is 1..100");
		return;
	}
	if (tips_read(s, env, tok, ref, " events", &t, resp) == -1)
		return;
	e = xcalloc((size_t)limit, sizeof *e);
	if (tips_events(s, t.id, after > 0 ? after : 0, e, (size_t)limit,
	    &n) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s, "
		    "s:s?, s:s?}", "id", (json_int_t)e[i].id, "at",
		    (json_int_t)e[i].at, "kind", e[i].kind, "actor", e[i].actor,
		    "state", e[i].state[0] ? e[i].state : NULL, "note",
		    strncmp(e[i].kind, "reveal", 6) == 0 ? NULL : e[i].note));
	api_json(resp, 200, json_pack("{s:s, s:o, s:o}", "ref", t.ref,
	    "items", items, "next_after", n == (size_t)limit ?
	    json_integer((json_int_t)e[n - 1].id) : json_null()));
out:
	for (i = 0; i < n; i++)
		tip_event_clear(&e[i]);
	free(e);
	tip_row_clear(&t);
}

static const struct {
	const char	*name;
	enum tip_move	 move;
} tips_moves[] = {
	{ "assign", TIP_MOVE_ASSIGN },
	{ "verify", TIP_MOVE_VERIFY },
	{ "confirm", TIP_MOVE_CONFIRM },
	{ "reject", TIP_MOVE_REJECT },
	{ "dispose", TIP_MOVE_DISPOSE },
	{ "close", TIP_MOVE_CLOSE },
	{ "return", TIP_MOVE_RETURN },
};

/* The move a name stands for; -1 if none. */
static int
tips_move_parse(const char *name, enum tip_move *m)
{
	size_t	 i;

	for (i = 0; name != NULL && i < sizeof tips_moves /
	    sizeof tips_moves[0]; i++)
		if (strcmp(name, tips_moves[i].name) == 0) {
			*m = tips_moves[i].move;
			return 0;
		}
	return -1;
}

/* Reads "assignees": a list of 1..16 staff ids; -1 if it is not one. */
static int
tips_people(json_t *list, int64_t *ids, size_t *n)
{
	json_t	*v;
	size_t	 i;

	*n = 0;
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > TIPS_PEOPLE_MAX)
		return -1;
	json_array_foreach(list, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return -1;
		ids[(*n)++] = (int64_t)json_integer_value(v);
	}
	return 0;
}

/* Finds the enterprise a move names by its USCC; answers on failure. */
static int
tips_enterprise(struct store *s, json_t *v, int64_t *id,
    struct http_response *resp)
{
	struct check_result	 cr;
	const char		*uscc = json_string_value(v);
	enum store_status	 st;

	*id = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (uscc == NULL || strlen(uscc) != 18) {
		api_error(resp, 400, "bad_request", "enterprise 是统一社会信用代码"
		    " is an 18-character USCC");
		return -1;
	}
	memset(&cr, 0, sizeof cr);
	st = enterprises_check_uscc(s, uscc, &cr);
	if (st == STORE_OK && cr.n == 1)
		*id = cr.m[0].id;
	check_result_clear(&cr);
	if (st != STORE_OK && st != STORE_NOT_FOUND) {
		api_error(resp, 500, "internal", "database error");
		return -1;
	}
	if (*id == 0) {
		api_error(resp, 400, "unknown_enterprise", "企业名录中没有这个代码"
		    " no enterprise in the registry has this USCC");
		return -1;
	}
	return 0;
}

/* POST /tips/REF/moves {move, note, measure, enterprise, assignees} */
static void
tips_move_post(struct store *s, struct api_env *env, json_t *in,
    const struct token_info *tok, const char *ref, struct http_response *resp)
{
	struct tipflow		 tf;
	struct tip_row		 t, after;
	enum tip_move		 m;
	enum tipflow_result	 r;
	json_t			*jnote = json_object_get(in, "note");
	json_t			*jmeasure = json_object_get(in, "measure");
	const char		*note = json_string_value(jnote);
	const char		*measure = json_string_value(jmeasure);
	json_t			*o;
	int64_t			 people[TIPS_PEOPLE_MAX], ent = 0;
	size_t			 n = 0;

	memset(&t, 0, sizeof t);
	memset(&after, 0, sizeof after);
	if (tips_move_parse(json_string_value(json_object_get(in, "move")),
	    &m) == -1) {
		api_error(resp, 400, "bad_request", "move 为 is one of verify, "
		    "confirm, reject, dispose, close, return, assign");
		return;
	}
	if ((jnote != NULL && (note == NULL || utf8_count(note) >
	    TIPS_NOTE_MAX)) || (jmeasure != NULL && measure == NULL)) {
		api_error(resp, 400, "bad_request", "note (up to 1000 "
		    "characters) and measure are texts");
		return;
	}
	if (m == TIP_MOVE_RETURN && (note == NULL || *note == '\0')) {
		api_error(resp, 400, "bad_request", "退回须写明理由 a return "
		    "needs a note with the reason");
		return;
	}
	if (m == TIP_MOVE_DISPOSE && tipflow_measure(measure) == NULL) {
		api_error(resp, 400, "bad_measure", "measure 为 is 约谈 "
		    "admonished, 警示 warned, 行政处罚 penalty, 刑事立案 criminal, "
		    "注吊销 deregistered or 关门 shut");
		return;
	}
	if (m == TIP_MOVE_ASSIGN && tips_people(json_object_get(in,
	    "assignees"), people, &n) == -1) {
		api_error(resp, 400, "bad_request", "assign needs assignees: a "
		    "list of 1..16 staff ids");
		return;
	}
	if (m == TIP_MOVE_DISPOSE && tips_enterprise(s, json_object_get(in,
	    "enterprise"), &ent, resp) == -1)
		return;
	/* Deadlines and notices need the handlers' settings. */
	if (env->handlers == NULL) {
		api_error(resp, 503, "unavailable", "moves are not available "
		    "here");
		return;
	}
	tips_flow(&tf, s, env, tok);
	if (store_begin(s) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	/* The scope of the API (tips of no known area for the top only)
	 * is narrower than tipflow's. */
	if ((r = tipflow_get(&tf, ref, &t)) == TIPFLOW_OK &&
	    !tips_visible(s, tok, t.area_id))
		r = TIPFLOW_NOT_FOUND;
	if (r == TIPFLOW_OK)
		r = m == TIP_MOVE_ASSIGN ? tipflow_assign(&tf, ref, people, n) :
		    tipflow_move(&tf, ref, m, note, measure, ent, NULL);
	if (r == TIPFLOW_OK && tips_get_id(s, t.id, &after) != STORE_OK)
		r = TIPFLOW_FAILED;
	if (r != TIPFLOW_OK || store_commit(s) != STORE_OK) {
		store_rollback(s);
		tips_refused(resp, r == TIPFLOW_OK ? TIPFLOW_FAILED : r,
		    t.state);
		goto out;
	}
	/* A move may have queued notices to staff and the reporter. */
	env->wrote_outbox = 1;
	if ((o = tips_tip_json(s, &after)) == NULL)
		api_error(resp, 500, "internal", "database error");
	else
		api_json(resp, 200, o);
out:
	tip_row_clear(&t);
	tip_row_clear(&after);
}

/* What an export page is written into. */
struct tips_page {
	struct buf	 b;
	json_t		*items;		/* JSON; NULL for CSV */
	size_t		 bytes;		/* JSON: about what it holds */
	int		 utc_offset;
};

/* Adds one exported row to the page; stops it when it is full. */
static int
tips_page_row(const struct ledger_export_row *r, void *arg)
{
	struct tips_page	*p = arg;

	if (p->items != NULL) {
		json_array_append_new(p->items, ledger_json_row(r,
		    p->utc_offset));
		/* A page holds what a CSV page would: the text and room for
		 * the other fields, escaped. */
		p->bytes += (r->body != NULL ? 2 * strlen(r->body) : 0) + 1024;
		return p->bytes >= EXPORT_PAGE_BYTES ? 1 : 0;
	}
	ledger_csv_row(&p->b, r, p->utc_offset);
	return p->b.len >= EXPORT_PAGE_BYTES ? 1 : 0;
}

/* GET /ledger/export: one page of the ledger, newest first; the cursor of
 * the next page is X-Next-Before (and next_before in JSON). */
static void
tips_export_get(struct store *s, const struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	/* The header's value must outlive this call until the server sends
	 * the answer, in this thread. */
	static _Thread_local char next[32];
	struct tips_page	 p;
	struct ledger_query	 q;
	struct tips_args	 a;
	const char		*fmt = req->arg != NULL ? req->arg(req, "format") :
				    NULL;
	char			 detail[256], by[32];
	long			 limit;
	int64_t			 last = 0;
	size_t			 n = 0;
	int			 csv = fmt == NULL || strcmp(fmt, "csv") == 0;
	enum store_status	 st;

	memset(&p, 0, sizeof p);
	buf_init(&p.b, EXPORT_BYTES_MAX);
	if (!csv && strcmp(fmt, "json") != 0) {
		api_error(resp, 400, "bad_format", "format is csv or json");
		goto out;
	}
	if (tips_args(s, env, req, tok, &a, resp) == -1)
		goto out;
	if ((limit = tips_number(req, "limit", EXPORT_PAGE,
	    EXPORT_PAGE_MAX)) == -1) {
		api_error(resp, 400, "bad_request", "limit is 1..5000");
		goto out;
	}
	memset(&q, 0, sizeof q);
	q.scope = a.area;
	q.unknown = a.unknown;
	q.states = a.states;
	q.since = a.since;
	q.until = a.until;
	q.before = a.before;
	q.limit = (size_t)limit;
	p.utc_offset = tips_utc(env);
	if (csv)
		ledger_csv_header(&p.b);
	else
		p.items = json_array();
	/* One snapshot for the page. */
	if ((st = store_begin_read(s)) == STORE_OK) {
		st = ledger_export(s, &q, tips_page_row, &p, &n, &last);
		store_end_read(s);
	}
	if (st != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	(void)snprintf(by, sizeof by, "%s", tok->actor);
	(void)snprintf(detail, sizeof detail, "%s rows %zu%s%.64s%s%s",
	    csv ? "csv" : "json", n, a.states ? " state " : "",
	    a.states ? req->arg(req, "state") : "",
	    a.since || a.until ? " dated" : "", a.before ? " page" : "");
	if (audit_add_area(s, by, "ledger export", detail, a.area, env->now) !=
	    STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	/* A full page may have more behind it. */
	if (n == (size_t)limit || p.b.len >= EXPORT_PAGE_BYTES ||
	    p.bytes >= EXPORT_PAGE_BYTES) {
		(void)snprintf(next, sizeof next, "%lld", (long long)last);
		resp->header_name = "X-Next-Before";
		resp->header_value = next;
	} else
		last = 0;
	if (!csv) {
		api_json(resp, 200, json_pack("{s:O, s:o}", "items", p.items,
		    "next_before", last != 0 ? json_integer((json_int_t)last) :
		    json_null()));
		goto out;
	}
	resp->status = 200;
	resp->content_type = "text/csv; charset=utf-8";
	resp->len = p.b.len;
	resp->body = buf_steal(&p.b);
out:
	json_decref(p.items);
	buf_free(&p.b);
}

/* GET /ledger/stats?year=Y&area=PATH[&format=csv] */
static void
tips_stats_get(struct store *s, const struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	struct ledger_stats	 st;
	struct buf		 b;
	struct tm		 tm;
	time_t			 bounds[LEDGER_MONTHS + 1];
	time_t			 local = env->now + tips_utc(env);
	const char		*fmt = req->arg != NULL ? req->arg(req, "format") :
				    NULL;
	long			 year;
	int64_t			 base;

	gmtime_r(&local, &tm);
	if ((year = tips_number(req, "year", tm.tm_year + 1900, 2999)) == -1 ||
	    ledger_year_bounds((int)year, tips_utc(env), bounds) == -1) {
		api_error(resp, 400, "bad_year", "year is 2000..2999");
		return;
	}
	if (tips_area(s, req, tok, &base, resp) == -1)
		return;
	if (ledger_stats(s, base, tips_top(tok) && base == tok->area_id,
	    bounds, &st) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	if (fmt != NULL && strcmp(fmt, "csv") == 0) {
		buf_init(&b, EXPORT_BYTES_MAX);
		ledger_stats_csv(&b, &st, (int)year);
		resp->status = 200;
		resp->content_type = "text/csv; charset=utf-8";
		resp->len = b.len;
		resp->body = buf_steal(&b);
	} else
		api_json(resp, 200, ledger_stats_json(&st, (int)year));
	ledger_stats_free(&st);
}

/* Routes /tips… and /ledger…. */
void
api_tips_handle(struct store *s, struct api_env *env,
    const struct http_request *req, const char *path, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	char		 ref[TIP_REF_MAX];
	const char	*rest, *slash;
	size_t		 len;
	int		 post = in != NULL;

	if (strcmp(path, "/ledger/export") == 0 && !post)
		tips_export_get(s, env, req, tok, resp);
	else if (strcmp(path, "/ledger/stats") == 0 && !post)
		tips_stats_get(s, env, req, tok, resp);
	else if (strcmp(path, "/tips") == 0 && !post)
		tips_list_get(s, env, req, tok, resp);
	else if (strncmp(path, "/tips/", 6) == 0) {
		rest = path + 6;
		slash = strchr(rest, '/');
		len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
		if (!tips_ref_valid(rest, len)) {
			api_error(resp, 404, "not_found", "no such tip");
			return;
		}
		memcpy(ref, rest, len);
		ref[len] = '\0';
		if (slash == NULL && !post)
			tips_one_get(s, env, tok, ref, resp);
		else if (slash != NULL && strcmp(slash, "/events") == 0 && !post)
			tips_events_get(s, env, req, tok, ref, resp);
		else if (slash != NULL && strcmp(slash, "/moves") == 0 && post)
			tips_move_post(s, env, in, tok, ref, resp);
		else if (slash == NULL || strcmp(slash, "/events") == 0 ||
		    strcmp(slash, "/moves") == 0)
			api_error(resp, 405, "method_not_allowed",
			    "wrong method");
		else
			api_error(resp, 404, "not_found", "no such endpoint");
	} else if (strcmp(path, "/tips") == 0 ||
	    strncmp(path, "/ledger/", 8) == 0)
		api_error(resp, strcmp(path, "/tips") == 0 ? 405 : 404,
		    strcmp(path, "/tips") == 0 ? "method_not_allowed" :
		    "not_found", strcmp(path, "/tips") == 0 ? "wrong method" :
		    "no such endpoint");
	else
		api_error(resp, 404, "not_found", "no such endpoint");
}

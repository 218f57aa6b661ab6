/* /api/v1/reminders: list, read, create, pause, resume, delete, preview. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_reminders.h"
#include "remind.h"
#include "reminder_in.h"
#include "rrule.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/reminders.h"

#define REM_LIST_MAX		100
#define REM_SHOW_TIMES		10	/* next times of GET /reminders/ID */
#define REM_PREVIEW_MAX		100
#define REM_LIST_TEXT		(sizeof ((struct reminder *)0)->kinds)

/*
 * An instant as ISO 8601 in zone tz with its offset there
 * (2026-06-15T09:00:00+08:00); null for 0 or a zone that is not known.
 */
static json_t *
rem_time(time_t t, const char *tz)
{
	struct tm	 tm;
	char		 local[20], out[64];
	long		 off;
	int		 y, mo, d, h, mi;

	if (t == 0)
		return json_null();
	rrule_local(t, tz, local);
	if (sscanf(local, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi) != 5)
		return json_null();
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	/* The zone's offset at t: its wall clock less the instant, both
	 * in whole minutes. */
	off = (long)(timegm(&tm) - (t - t % 60)) / 60;
	(void)snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d"
	    "%c%02ld:%02ld", y, mo, d, h, mi, (int)(t % 60), off < 0 ? '-' : '+',
	    labs(off) / 60, labs(off) % 60);
	return json_string(out);
}

/* A comma-separated list as a JSON array. */
static json_t *
rem_array(const char *list)
{
	json_t	*a = json_array();
	char	*copy = xstrdup(list), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	free(copy);
	return a;
}

/*
 * Joins a JSON array of strings into out as a comma-separated list: 0
 * (also when a is missing: out is then NULL), or -1 when a is not an array
 * of strings without commas or does not fit.
 */
static int
rem_join(json_t *a, char *buf, size_t size, const char **out)
{
	json_t		*v;
	const char	*t;
	size_t		 i, len = 0;

	*out = NULL;
	*buf = '\0';
	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, v) {
		if ((t = json_string_value(v)) == NULL || *t == '\0' ||
		    strchr(t, ',') != NULL)
			return -1;
		if (len + strlen(t) + 2 > size)
			return -1;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len > 0 ? "," : "", t);
	}
	*out = json_array_size(a) > 0 ? buf : NULL;
	return 0;
}

/* The next count times of r after `after`, as a JSON array. */
static json_t *
rem_times(const struct reminder *r, time_t after, long count)
{
	time_t	 t[REM_PREVIEW_MAX];
	json_t	*a = json_array();
	int	 n, i;

	n = rrule_next(r->rrule, r->tz, r->dtstart, after, t, (size_t)count);
	for (i = 0; i < n; i++)
		json_array_append_new(a, rem_time(t[i], r->tz));
	return a;
}

/* One reminder as JSON. */
static json_t *
rem_json(const struct reminder *r)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:b, "
	    "s:i, s:b, s:o, s:s?, s:s, s:I}", "id", (json_int_t)r->id,
	    "title", r->title ? r->title : "", "text", r->body ? r->body : "",
	    "area", r->area_path, "kinds", rem_array(r->kinds),
	    "roles", rem_array(r->roles), "rrule", r->rrule,
	    "start", rem_time(r->dtstart, r->tz), "tz", r->tz,
	    "urgent", r->urgent, "catchup_hours", r->catchup_seconds / 3600,
	    "paused", r->paused, "next", r->paused ? json_null() :
	    rem_time(r->next_at, r->tz), "calendar", r->calendar[0] ?
	    r->calendar : NULL, "created_by", r->created_by, "created_at",
	    (json_int_t)r->created_at);
}

/* GET /reminders */
static void
rem_list(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct reminder	*list = xcalloc(REM_LIST_MAX, sizeof *list);
	json_t		*items = json_array();
	long		 limit;
	long long	 after;
	size_t		 n, i;

	api_page(req, &limit, &after);
	if (reminders_list(s, tok->area_id, after, list, (size_t)limit, &n) !=
	    STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(items, rem_json(&list[i]));
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_after", n == (size_t)limit ? json_integer(list[n - 1].id) :
	    json_null()));
out:
	for (i = 0; i < REM_LIST_MAX; i++)
		reminder_clear(&list[i]);
	free(list);
}

/* POST /reminders */
static void
rem_add(struct store *s, struct api_env *env, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	struct reminder_in	 ri;
	struct reminder		 r;
	json_t			*v, *hours;
	char			*ttitle = NULL, *ttext = NULL;
	char			 kinds[REM_LIST_TEXT], roles[REM_LIST_TEXT];
	char			 why[256], by[32], detail[128];
	int64_t			 area, id;

	memset(&ri, 0, sizeof ri);
	ri.title = json_string_value(json_object_get(in, "title"));
	ri.text = json_string_value(json_object_get(in, "text"));
	/* A template of messages/ instead of a text (and, unless given, its
	 * title). */
	if ((v = json_object_get(in, "template")) != NULL) {
		if (ri.text != NULL || reminder_template(json_string_value(v),
		    env->handlers != NULL ? env->handlers->hotline : NULL,
		    &ttitle, &ttext, why, sizeof why) == -1) {
			api_error(resp, 400, "bad_request", ri.text != NULL ?
			    "give a text or a template, not both" : why);
			goto out;
		}
		ri.text = ttext;
		if (ri.title == NULL)
			ri.title = ttitle;
	}
	ri.rrule = json_string_value(json_object_get(in, "rrule"));
	ri.catchup_hours = 6;
	if (rem_join(json_object_get(in, "kinds"), kinds, sizeof kinds,
	    &ri.kinds) == -1 || rem_join(json_object_get(in, "roles"), roles,
	    sizeof roles, &ri.roles) == -1) {
		api_error(resp, 400, "bad_request", "kinds and roles are lists "
		    "of names");
		goto out;
	}
	hours = json_object_get(in, "catchup_hours");
	if (((v = json_object_get(in, "start")) != NULL &&
	    (ri.start = json_string_value(v)) == NULL) ||
	    ((v = json_object_get(in, "tz")) != NULL &&
	    (ri.tz = json_string_value(v)) == NULL) ||
	    ((v = json_object_get(in, "urgent")) != NULL &&
	    !json_is_boolean(v)) ||
	    (hours != NULL && !json_is_integer(hours))) {
		api_error(resp, 400, "bad_request", "start and tz are strings, "
		    "urgent a boolean, catchup_hours a number");
		goto out;
	}
	ri.urgent = json_is_true(json_object_get(in, "urgent"));
	/* Out of range either way: reminder_in_fill() says so. */
	if (hours != NULL)
		ri.catchup_hours = json_integer_value(hours) < 0 ||
		    json_integer_value(hours) > REMINDER_CATCHUP_MAX ? -1 :
		    (long)json_integer_value(hours);
	(void)snprintf(by, sizeof by, "%s", tok->actor);
	ri.created_by = by;
	if (reminder_in_fill(&ri, env->handlers != NULL ?
	    env->handlers->utc_offset : 8 * 3600, env->now, &r, why,
	    sizeof why) == -1) {
		api_error(resp, 400, "bad_request", why);
		goto out;
	}
	if (api_area(s, tok, json_string_value(json_object_get(in, "area")),
	    &area, resp) == -1)
		goto out;
	r.area_id = area;
	(void)snprintf(detail, sizeof detail, "%.100s", ri.title);
	if (store_begin(s) != STORE_OK || reminders_add(s, &r, env->now,
	    &id) != STORE_OK || audit_add_area(s, by, "reminder add", detail,
	    area, env->now) != STORE_OK || store_commit(s) != STORE_OK) {
		store_rollback(s);
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	api_json(resp, 201, json_pack("{s:I, s:o}", "id", (json_int_t)id,
	    "next", rem_time(r.next_at, r.tz)));
out:
	free(ttitle);
	free(ttext);
}

/* Reads ?count= (1..100, default 10); -1 when it is not a number. */
static long
rem_count(const struct http_request *req)
{
	const char	*v = req->arg != NULL ? req->arg(req, "count") : NULL;
	char		*end;
	long		 n;

	if (v == NULL)
		return REM_SHOW_TIMES;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 1 || n > REM_PREVIEW_MAX)
		return -1;
	return n;
}

/* POST /reminders/ID/pause|resume|delete on r (of the token's area). */
static void
rem_change(struct store *s, struct api_env *env, const struct reminder *r,
    const char *verb, const struct token_info *tok,
    struct http_response *resp)
{
	enum store_status	 st;
	char			 by[32], action[32], detail[128];
	int			 del = strcmp(verb, "delete") == 0;

	(void)snprintf(by, sizeof by, "%s", tok->actor);
	(void)snprintf(action, sizeof action, "reminder %s", verb);
	(void)snprintf(detail, sizeof detail, "%lld %.100s", (long long)r->id,
	    r->title);
	if (store_begin(s) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	st = del ? reminders_delete(s, r->id, tok->area_id, env->now) :
	    reminders_pause(s, r->id, tok->area_id, strcmp(verb, "pause") == 0,
	    remind_next(r, env->now));
	if (st == STORE_NOT_FOUND) {
		store_rollback(s);
		api_error(resp, 404, "not_found", "no such reminder in this "
		    "token's area");
		return;
	}
	if (st != STORE_OK || audit_add_area(s, by, action, detail,
	    r->area_id, env->now) != STORE_OK || store_commit(s) != STORE_OK) {
		store_rollback(s);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	api_json(resp, 200, json_pack("{s:I, s:s}", "id", (json_int_t)r->id,
	    "state", del ? "deleted" : strcmp(verb, "pause") == 0 ? "paused" :
	    "active"));
}

/* Routes /reminders… */
void
api_reminders(struct store *s, struct api_env *env,
    const struct http_request *req, const char *path, json_t *in,
    const struct token_info *tok, struct http_response *resp)
{
	struct reminder		 r;
	enum store_status	 st;
	const char		*rest;
	char			*end;
	long long		 id;
	long			 count;
	int			 post = in != NULL, change;
	json_t			*o;

	path += strlen("/reminders");
	if (*path == '\0') {
		if (post)
			rem_add(s, env, in, tok, resp);
		else
			rem_list(s, req, tok, resp);
		return;
	}
	if (*path != '/' || (id = strtoll(path + 1, &end, 10)) <= 0 ||
	    end == path + 1) {
		api_error(resp, 404, "not_found", "no such endpoint");
		return;
	}
	rest = end;
	/* GET /ID and /ID/preview; POST /ID/pause, /resume, /delete. */
	change = strcmp(rest, "/pause") == 0 || strcmp(rest, "/resume") == 0 ||
	    strcmp(rest, "/delete") == 0;
	if (!change && *rest != '\0' && strcmp(rest, "/preview") != 0) {
		api_error(resp, 404, "not_found", "no such endpoint");
		return;
	}
	if (post != change) {
		api_error(resp, 405, "method_not_allowed", "wrong method");
		return;
	}
	if ((st = reminders_get(s, id, tok->area_id, &r)) == STORE_NOT_FOUND) {
		api_error(resp, 404, "not_found", "no such reminder in this "
		    "token's area");
		return;
	}
	if (st != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	if (post)
		rem_change(s, env, &r, rest + 1, tok, resp);
	else if (*rest == '\0') {
		o = rem_json(&r);
		json_object_set_new(o, "next_times", r.paused ? json_array() :
		    rem_times(&r, env->now, REM_SHOW_TIMES));
		api_json(resp, 200, o);
	} else if ((count = rem_count(req)) == -1)
		api_error(resp, 400, "bad_request", "count is 1..100");
	else
		api_json(resp, 200, json_pack("{s:I, s:s, s:o}", "id",
		    (json_int_t)r.id, "tz", r.tz, "times", rem_times(&r,
		    env->now, count)));
	reminder_clear(&r);
}

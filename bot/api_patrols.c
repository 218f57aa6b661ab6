/* /api/v1/patrols: patrol coverage per grid and week, JSON or CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_patrols.h"
#include "ledger_out.h"
#include "handlers/handlers.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/patrols.h"

#define COVERAGE_PAGE		256	/* grids read at a time */
#define COVERAGE_GRIDS_MAX	10000	/* grids in one answer */
#define COVERAGE_NAMED		1000	/* buildings, workers per grid */
#define COVERAGE_CSV_MAX	(16 * 1024 * 1024)

/* One grid as JSON, with what is left; NULL when the store failed. */
static json_t *
patrols_grid_json(struct store *s, const struct patrol_grid *g,
    const char *week, struct patrol_area *left, struct patrol_worker *idle)
{
	json_t		*missing, *workers;
	size_t		 n, i;
	long		 nleft, nidle;

	if (patrols_unpatrolled(s, g->id, week, left, COVERAGE_NAMED, &n,
	    &nleft) != STORE_OK)
		return NULL;
	missing = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(missing, json_string(left[i].path));
	if (patrols_idle_workers(s, g->id, week, idle, COVERAGE_NAMED, &n,
	    &nidle) != STORE_OK) {
		json_decref(missing);
		return NULL;
	}
	workers = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(workers, json_pack("{s:I, s:s}", "id",
		    (json_int_t)idle[i].id, "name", idle[i].name));
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:I, s:o}", "grid",
	    g->path, "buildings", (json_int_t)g->buildings, "patrolled",
	    (json_int_t)g->patrolled, "missing_count", (json_int_t)nleft,
	    "workers", (json_int_t)g->workers, "missing", missing,
	    "idle_count", (json_int_t)nidle, "idle_workers", workers);
}

/* The coverage of a week as JSON. */
json_t *
patrols_coverage(struct store *s, int64_t scope, const char *week)
{
	struct patrol_grid	*grids;
	struct patrol_area	*left;
	struct patrol_worker	*idle;
	json_t			*out = NULL, *items, *one;
	size_t			 n, i, total = 0;
	int64_t			 after = 0;
	long			 b = 0, p = 0;
	int			 truncated = 0;

	grids = xcalloc(COVERAGE_PAGE, sizeof *grids);
	left = xcalloc(COVERAGE_NAMED, sizeof *left);
	idle = xcalloc(COVERAGE_NAMED, sizeof *idle);
	items = json_array();
	if (store_begin_read(s) != STORE_OK)
		goto out;
	for (;;) {
		if (patrols_grids(s, scope, week, after, grids, COVERAGE_PAGE,
		    &n) != STORE_OK)
			goto fail;
		for (i = 0; i < n; i++) {
			if (total == COVERAGE_GRIDS_MAX) {
				truncated = 1;
				break;
			}
			if ((one = patrols_grid_json(s, &grids[i], week, left,
			    idle)) == NULL)
				goto fail;
			json_array_append_new(items, one);
			b += grids[i].buildings;
			p += grids[i].patrolled;
			total++;
			after = grids[i].id;
		}
		if (n < COVERAGE_PAGE || truncated)
			break;
	}
	store_end_read(s);
	out = json_pack("{s:s, s:I, s:I, s:I, s:b, s:O}", "week", week,
	    "grids_count", (json_int_t)total, "buildings", (json_int_t)b,
	    "patrolled", (json_int_t)p, "truncated", truncated, "grids", items);
	goto out;
fail:
	store_end_read(s);
out:
	json_decref(items);
	free(grids);
	free(left);
	free(idle);
	return out;
}

/* Appends a cell and a separator (a comma, or CRLF at the line's end). */
static void
patrols_csv_next(struct buf *b, const char *s, int last)
{
	ledger_csv_cell(b, s);
	(void)buf_adds(b, last ? "\r\n" : ",");
}

/* Joins the strings (or the key of objects) of an array with 、. */
static void
patrols_csv_join(struct buf *b, const json_t *arr, const char *key)
{
	struct buf	 j;
	const json_t	*v;
	const char	*t;
	size_t		 i;

	buf_init(&j, COVERAGE_CSV_MAX);
	json_array_foreach(arr, i, v) {
		if (i > 0)
			(void)buf_adds(&j, "、");
		t = json_string_value(key != NULL ? json_object_get(v, key) :
		    v);
		(void)buf_adds(&j, t != NULL ? t : "");
	}
	ledger_csv_cell(b, j.data != NULL ? j.data : "");
	buf_free(&j);
}

/* The coverage as CSV. */
void
patrols_coverage_csv(struct buf *b, const json_t *cov)
{
	const json_t	*g;
	const char	*week = json_string_value(json_object_get(cov, "week"));
	char		 n[4][24];
	size_t		 i;

	(void)buf_adds(b, "\xef\xbb\xbf" "周 week,网格 grid,楼栋数 buildings,"
	    "已巡查 patrolled,未巡查 missing,网格员 workers,"
	    "未巡查楼栋 missing_buildings,未巡查网格员 idle_workers\r\n");
	json_array_foreach(json_object_get(cov, "grids"), i, g) {
		(void)snprintf(n[0], sizeof n[0], "%lld", (long long)
		    json_integer_value(json_object_get(g, "buildings")));
		(void)snprintf(n[1], sizeof n[1], "%lld", (long long)
		    json_integer_value(json_object_get(g, "patrolled")));
		(void)snprintf(n[2], sizeof n[2], "%lld", (long long)
		    json_integer_value(json_object_get(g, "missing_count")));
		(void)snprintf(n[3], sizeof n[3], "%lld", (long long)
		    json_integer_value(json_object_get(g, "workers")));
		patrols_csv_next(b, week != NULL ? week : "", 0);
		patrols_csv_next(b, json_string_value(json_object_get(g,
		    "grid")), 0);
		patrols_csv_next(b, n[0], 0);
		patrols_csv_next(b, n[1], 0);
		patrols_csv_next(b, n[2], 0);
		patrols_csv_next(b, n[3], 0);
		patrols_csv_join(b, json_object_get(g, "missing"), NULL);
		(void)buf_adds(b, ",");
		patrols_csv_join(b, json_object_get(g, "idle_workers"),
		    "name");
		(void)buf_adds(b, "\r\n");
	}
}

/* GET /patrols?week=&area=&format= */
void
api_patrols(struct store *s, struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	const char	*week = req->arg != NULL ? req->arg(req, "week") : NULL;
	const char	*area = req->arg != NULL ? req->arg(req, "area") : NULL;
	const char	*fmt = req->arg != NULL ? req->arg(req, "format") : NULL;
	char		 now[PATROL_WEEK_LEN];
	int64_t		 scope = tok->area_id;
	time_t		 start;
	json_t		*cov;
	struct buf	 b;
	int		 utc = env->handlers != NULL ?
			    env->handlers->utc_offset : 8 * 3600;

	if (fmt != NULL && strcmp(fmt, "csv") != 0 &&
	    strcmp(fmt, "json") != 0) {
		api_error(resp, 400, "bad_format",
		    "format is json or csv");
		return;
	}
	if (week == NULL) {
		patrol_week(env->now, utc, now);
		week = now;
	} else if (patrol_week_start(week, utc, &start) == -1) {
		api_error(resp, 400, "bad_week", "周应写作 2026-W24 "
		    "week is an ISO week such as 2026-W24");
		return;
	}
	if (area != NULL) {
		if (areas_find(s, area, &scope) != STORE_OK) {
			api_error(resp, 400, "bad_area",
			    "no single area matches");
			return;
		}
		if (!areas_within(s, scope, tok->area_id)) {
			api_error(resp, 403, "outside_area",
			    "the area is outside this token's area");
			return;
		}
	}
	if ((cov = patrols_coverage(s, scope, week)) == NULL) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	if (fmt == NULL || strcmp(fmt, "json") == 0) {
		api_json(resp, 200, cov);
		return;
	}
	buf_init(&b, COVERAGE_CSV_MAX);
	patrols_coverage_csv(&b, cov);
	json_decref(cov);
	resp->status = 200;
	resp->content_type = "text/csv; charset=utf-8";
	resp->len = b.len;
	resp->body = buf_steal(&b);
}

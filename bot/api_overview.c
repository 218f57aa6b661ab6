/* /api/v1/overview: the month at a glance for the caller's area. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api_overview.h"
#include "handlers/handlers.h"
#include "ledger_out.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/ledger_stats.h"
#include "storage/letters.h"
#include "storage/outbox.h"
#include "storage/overview.h"
#include "storage/patrols.h"
#include "storage/staff.h"

#define OVERVIEW_LINES		64	/* areas of the tips table */
#define OVERVIEW_BROADCASTS	20	/* the month's newest */
#define OVERVIEW_LEVEL_COMMUNITY 3

/* The seconds east of UTC that local months are counted in. */
static int
overview_utc(const struct api_env *env)
{
	return env->handlers != NULL ? env->handlers->utc_offset : 8 * 3600;
}

/* Reads ?month=YYYY-MM into the month's bounds and its name; -1 when it
 * is not a month of 2000..2999. */
static int
overview_month(const struct api_env *env, const struct http_request *req,
    time_t *since, time_t *until, char name[24])
{
	time_t		 bounds[LEDGER_MONTHS + 1];
	time_t		 local = env->now + overview_utc(env);
	const char	*v = req->arg != NULL ? req->arg(req, "month") : NULL;
	struct tm	 tm;
	char		*end;
	long		 year, month;

	gmtime_r(&local, &tm);
	year = tm.tm_year + 1900;
	month = tm.tm_mon + 1;
	if (v != NULL) {
		if (strlen(v) != 7 || v[4] != '-')
			return -1;
		year = strtol(v, &end, 10);
		if (end != v + 4)
			return -1;
		month = strtol(v + 5, &end, 10);
		if (*end != '\0' || month < 1 || month > 12)
			return -1;
	}
	if (ledger_year_bounds((int)year, overview_utc(env), bounds) == -1)
		return -1;
	*since = bounds[month - 1];
	*until = bounds[month];
	(void)snprintf(name, 24, "%04d-%02d", (int)year, (int)month);
	return 0;
}

/* The tips figures: one object per line, with the same numbers the
 * page's chart draws. */
static json_t *
overview_tips_json(struct store *s, const struct token_info *tok,
    time_t since, time_t until)
{
	struct overview_line	*l = xcalloc(OVERVIEW_LINES, sizeof *l);
	json_t			*areas = NULL, *states, *zh, *counts, *o = NULL;
	long			 total[TIP_STATES], sum;
	size_t			 n, i, left_out;
	int			 k, unknown;

	/* Tips of no known area belong to a top-level caller only. The
	 * totals are the whole area's: a table of OVERVIEW_LINES lines
	 * leaves out the last children of an area that has more, and says
	 * how many (areas_left_out). */
	unknown = strchr(tok->area_path, '/') == NULL;
	if (overview_tips(s, tok->area_id, unknown, since, until, l,
	    OVERVIEW_LINES, &n, &left_out) != STORE_OK ||
	    overview_states(s, tok->area_id, unknown, since, until, total) !=
	    STORE_OK)
		goto out;
	areas = json_array();
	for (i = 0; i < n; i++) {
		counts = json_object();
		for (sum = 0, k = 0; k < TIP_STATES; k++) {
			json_object_set_new(counts, tip_state_name(k),
			    json_integer(l[i].n[k]));
			sum += l[i].n[k];
		}
		json_array_append_new(areas, json_pack("{s:s?, s:b, s:o, s:I}",
		    "area", l[i].id != 0 ? l[i].path : NULL, "own", l[i].own,
		    "counts", counts, "total", (json_int_t)sum));
	}
	states = json_array();
	zh = json_array();
	counts = json_object();
	for (sum = 0, k = 0; k < TIP_STATES; k++) {
		json_array_append_new(states, json_string(tip_state_name(k)));
		json_array_append_new(zh, json_string(ledger_state_zh(k)));
		json_object_set_new(counts, tip_state_name(k),
		    json_integer(total[k]));
		sum += total[k];
	}
	o = json_pack("{s:o, s:o, s:O, s:I, s:o, s:I}", "states", states,
	    "states_zh", zh, "areas", areas, "areas_left_out",
	    (json_int_t)left_out, "counts", counts, "total", (json_int_t)sum);
out:
	json_decref(areas);
	free(l);
	return o;
}

/* The month's newest broadcasts with delivered, waiting and failed each,
 * and the month's count and totals (of them all). */
static json_t *
overview_broadcasts_json(struct store *s, const struct token_info *tok,
    time_t since, time_t until)
{
	struct overview_broadcast	*b = xcalloc(OVERVIEW_BROADCASTS,
					    sizeof *b);
	struct broadcast_counts		 c;
	json_t				*items = NULL, *o = NULL;
	long				 count;
	size_t				 n, i;

	if (overview_broadcasts(s, tok->area_id, since, until, b,
	    OVERVIEW_BROADCASTS, &n) != STORE_OK)
		goto out;
	items = json_array();
	for (i = 0; i < n; i++) {
		if (broadcasts_counts(s, b[i].id, &c) != STORE_OK)
			goto out;
		json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s, "
		    "s:s, s:i, s:i, s:i}", "id", (json_int_t)b[i].id,
		    "created_at", (json_int_t)b[i].created_at, "area",
		    b[i].area_path, "kinds", b[i].kinds, "excerpt",
		    b[i].excerpt, "delivered", (int)c.sent, "waiting",
		    (int)(c.pending + c.sending + c.accepted), "failed",
		    (int)c.dead));
	}
	if (broadcasts_counts_under(s, tok->area_id, since, until, &count,
	    &c) != STORE_OK)
		goto out;
	o = json_pack("{s:O, s:I, s:I, s:I, s:I}", "items", items, "count",
	    (json_int_t)count, "delivered", (json_int_t)c.sent, "waiting",
	    (json_int_t)(c.pending + c.sending + c.accepted), "failed",
	    (json_int_t)c.dead);
out:
	json_decref(items);
	free(b);
	return o;
}

/* Collects the communities of a letter's reach (letters_reach's fn). */
static void
overview_reach_row(const struct reach_row *r, void *arg)
{
	json_t	*list = arg;

	if (r->level != OVERVIEW_LEVEL_COMMUNITY)
		return;
	json_array_append_new(list, json_pack("{s:s, s:i, s:i, s:i, s:o}",
	    "area", r->path, "households", (int)r->households, "devices",
	    (int)r->devices, "scans", (int)r->scans, "reach_rate",
	    r->households > 0 ? json_real((double)r->devices /
	    (double)r->households) : json_null()));
}

/* The newest letter's reach per community; JSON null when there is no
 * letter; NULL when the store failed. */
static json_t *
overview_reach_json(struct store *s, const struct token_info *tok)
{
	json_t			*list;
	char			 title[256];
	int64_t			 id;
	enum store_status	 st;

	st = overview_letter(s, tok->area_id, &id, title, sizeof title);
	if (st == STORE_NOT_FOUND)
		return json_null();
	if (st != STORE_OK)
		return NULL;
	list = json_array();
	if (letters_reach(s, id, tok->area_id, overview_reach_row, list) !=
	    STORE_OK) {
		json_decref(list);
		return NULL;
	}
	return json_pack("{s:I, s:s, s:o}", "letter", (json_int_t)id, "title",
	    title, "communities", list);
}

/* GET /overview */
void
api_overview(struct store *s, const struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	json_t	*tips = NULL, *bc = NULL, *reach = NULL;
	char	 month[24], week[PATROL_WEEK_LEN];
	time_t	 since, until;
	long	 buildings, patrolled;

	if (overview_month(env, req, &since, &until, month) == -1) {
		api_error(resp, 400, "bad_month", "month 格式为 is YYYY-MM");
		return;
	}
	patrol_week(env->now, overview_utc(env), week);
	/* One snapshot: the page's figures agree with each other. */
	if (store_begin_read(s) != STORE_OK)
		goto fail;
	if ((tips = overview_tips_json(s, tok, since, until)) == NULL ||
	    (bc = overview_broadcasts_json(s, tok, since, until)) == NULL ||
	    (reach = overview_reach_json(s, tok)) == NULL ||
	    patrols_tally(s, tok->area_id, week, &buildings, &patrolled) !=
	    STORE_OK) {
		store_end_read(s);
		goto fail;
	}
	store_end_read(s);
	api_json(resp, 200, json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, "
	    "s:I, s:I}}", "month", month, "area", tok->area_path, "tips", tips,
	    "broadcasts", bc, "reach", reach, "patrols", "week", week,
	    "buildings", (json_int_t)buildings, "patrolled",
	    (json_int_t)patrolled));
	return;
fail:
	json_decref(tips);
	json_decref(bc);
	json_decref(reach);
	api_error(resp, 500, "internal", "database error");
}

/* The ledger's export rows and its monthly figures per area. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_stats.h"
#include "messages/xmalloc.h"
#include "store_int.h"

/* Whether tip t (areas a) lies in the subtree of area ?1 (areas r), or
 * has no known area and ?2 asks for those too. */
#define LEDGER_SCOPE							\
    " (?1 = 0 OR (a.id IS NOT NULL AND" SQL_AREA_WITHIN("a", "r") ")"	\
    " OR (?2 <> 0 AND t.area_id IS NULL))"

/* ?1 scope, ?2 unknown too, ?3 state bits (0: all), ?4 since, ?5 until,
 * ?6 before, ?7 limit (INT64_MAX: all; PostgreSQL takes no negative
 * limit for none). */
static const char *const sql_export =
    "SELECT t.id, t.ref, t.created_at, coalesce(a.path, ''), t.state,"
    " coalesce(e.name, ''), coalesce(e.uscc, ''), t.enterprise_id IS NOT NULL"
    " AND t.first_id IS NULL, coalesce(f.ref, ''), coalesce(t.measure, ''),"
    " coalesce(t.due_at, 0), coalesce(t.closed_at, 0), w.tip_id IS NOT NULL,"
    " coalesce(w.eligible, 0), coalesce(w.stage1_yuan, -1),"
    " coalesce(w.stage2_yuan, -1), coalesce(w.paid_at, 0), t.body"
    " FROM tips t LEFT JOIN areas a ON a.id = t.area_id"
    " LEFT JOIN enterprises e ON e.id = t.enterprise_id"
    " LEFT JOIN tips f ON f.id = t.first_id"
    " LEFT JOIN rewards w ON w.tip_id = t.id"
    " LEFT JOIN areas r ON r.id = ?1"
    " WHERE t.practice = 0 AND" LEDGER_SCOPE
    " AND (CAST(?3 AS bigint) = 0 OR ((CAST(?3 AS bigint) >> (CASE t.state"
    " WHEN 'received' THEN 0 WHEN 'assigned' THEN 1 WHEN 'verifying' THEN 2"
    " WHEN 'rejected' THEN 3 WHEN 'confirmed' THEN 4 WHEN 'disposing' THEN 5"
    " ELSE 6 END)) & 1) = 1)"
    " AND (?4 = 0 OR t.created_at >= ?4) AND (?5 = 0 OR t.created_at < ?5)"
    " AND (?6 = 0 OR t.id < ?6) ORDER BY t.id DESC LIMIT ?7";
static const char *const sql_people =
    "SELECT s.id, s.name FROM tip_assignees x JOIN staff s"
    " ON s.id = x.staff_id WHERE x.tip_id = ?1 ORDER BY s.id LIMIT ?2";

/*
 * The figures. ?1 the base area, ?2..?14 the bounds of the twelve
 * months, ?15 whether tips of no known area count. A tip's line is the
 * child of the base it lies under, the base itself (?1), or 0.
 */
#define STATS_LINE							\
    "coalesce((SELECT c.id FROM areas c WHERE c.parent_id = ?1 AND"	\
    SQL_AREA_WITHIN("a", "c") "), CASE WHEN a.id = ?1 THEN ?1 ELSE 0 END)"
#define STATS_MONTH(x)							\
    "CASE WHEN " x " < ?3 THEN 0 WHEN " x " < ?4 THEN 1 WHEN " x " < ?5"\
    " THEN 2 WHEN " x " < ?6 THEN 3 WHEN " x " < ?7 THEN 4 WHEN " x	\
    " < ?8 THEN 5 WHEN " x " < ?9 THEN 6 WHEN " x " < ?10 THEN 7 WHEN "\
    x " < ?11 THEN 8 WHEN " x " < ?12 THEN 9 WHEN " x " < ?13 THEN 10"	\
    " ELSE 11 END"
#define STATS_FROM							\
    " LEFT JOIN areas a ON a.id = t.area_id JOIN areas r ON r.id = ?1"
#define STATS_SCOPE							\
    " ((a.id IS NOT NULL AND" SQL_AREA_WITHIN("a", "r") ")"		\
    " OR (?15 <> 0 AND t.area_id IS NULL))"
/* Practice tips (the chat simulator's) count nowhere. */
#define STATS_WHEN(x)	" t.practice = 0 AND " x " >= ?2 AND " x " < ?14 AND"

enum stats_kind {
	STATS_RECEIVED,
	STATS_VERIFIED,
	STATS_DISPOSED,
	STATS_CLOSED,
	STATS_PAID,
};
#define STATS_KINDS	5

/* Each answers (line, month, count, sum). */
static const char *const sql_stats[STATS_KINDS] = {
	"SELECT " STATS_LINE ", " STATS_MONTH("t.created_at") ", count(*), 0"
	" FROM tips t" STATS_FROM " WHERE" STATS_WHEN("t.created_at")
	STATS_SCOPE " GROUP BY 1, 2",

	"SELECT " STATS_LINE ", " STATS_MONTH("v.at") ", count(DISTINCT t.id),"
	" 0 FROM tip_events v JOIN tips t ON t.id = v.tip_id" STATS_FROM
	" WHERE v.kind IN ('confirmed', 'rejected') AND" STATS_WHEN("v.at")
	STATS_SCOPE " GROUP BY 1, 2",

	"SELECT " STATS_LINE ", " STATS_MONTH("v.at") ", count(DISTINCT t.id),"
	" 0 FROM tip_events v JOIN tips t ON t.id = v.tip_id" STATS_FROM
	" WHERE v.kind = 'disposing' AND" STATS_WHEN("v.at") STATS_SCOPE
	" GROUP BY 1, 2",

	"SELECT " STATS_LINE ", " STATS_MONTH("t.closed_at") ", count(*),"
	" sum(t.closed_at - t.created_at) FROM tips t" STATS_FROM
	" WHERE t.state = 'closed' AND" STATS_WHEN("t.closed_at") STATS_SCOPE
	" GROUP BY 1, 2",

	"SELECT " STATS_LINE ", " STATS_MONTH("w.paid_at") ", count(*),"
	" sum(coalesce(w.stage1_yuan, 0) + coalesce(w.stage2_yuan, 0))"
	" FROM rewards w JOIN tips t ON t.id = w.tip_id" STATS_FROM
	" WHERE w.paid_at IS NOT NULL AND" STATS_WHEN("w.paid_at") STATS_SCOPE
	" GROUP BY 1, 2",
};
/* The only top-level area, when there is one. */
static const char *const sql_top_area =
    "SELECT id FROM areas WHERE parent_id IS NULL LIMIT 2";
/* The lines: the base's children by path, then the base. */
static const char *const sql_stats_lines =
    "SELECT id, path, 0 FROM areas WHERE parent_id = ?1"
    " UNION ALL SELECT id, path, 1 FROM areas WHERE id = ?1 ORDER BY 3, 2";

static const char *const state_zh[TIP_STATES] = {
	"待分派", "已分派", "核查中", "不属实", "属实待处置", "处置中", "已销号",
};

static const struct {
	const char	*name;
	const char	*zh;
} measure_zh[] = {
	{ "admonished", "约谈" },
	{ "warned", "警示" },
	{ "penalty", "行政处罚" },
	{ "criminal", "刑事立案" },
	{ "deregistered", "注吊销" },
	{ "shut", "关门" },
};

/* The Chinese name of a state. */
const char *
ledger_state_zh(enum tip_state s)
{
	return (unsigned)s < TIP_STATES ? state_zh[s] : "";
}

/* The Chinese name of a stored measure. */
const char *
ledger_measure_zh(const char *measure)
{
	size_t	 i;

	for (i = 0; i < sizeof measure_zh / sizeof measure_zh[0]; i++)
		if (strcmp(measure, measure_zh[i].name) == 0)
			return measure_zh[i].zh;
	return "";
}

/* Copies a text column into a fixed field. */
static void
stats_text(struct db_stmt *st, int col, char *out, size_t size)
{
	const unsigned char	*v = db_column_text(st, col);

	(void)snprintf(out, size, "%s", v != NULL ? (const char *)v : "");
}

/* Who works on a tip. */
enum store_status
ledger_people(struct store *s, int64_t tip, struct ledger_person *out,
    size_t n, size_t *count)
{
	struct db_stmt	*st;
	int		 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_people)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		out[*count].id = db_column_int64(st, 0);
		stats_text(st, 1, out[*count].name, sizeof out[*count].name);
		(*count)++;
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "ledger_people");
}

/* Reads the current export row. */
static void
export_row(struct db_stmt *st, struct ledger_export_row *r)
{
	char	 state[16];

	memset(r, 0, sizeof *r);
	r->id = db_column_int64(st, 0);
	stats_text(st, 1, r->ref, sizeof r->ref);
	r->created_at = (time_t)db_column_int64(st, 2);
	stats_text(st, 3, r->area_path, sizeof r->area_path);
	stats_text(st, 4, state, sizeof state);
	(void)tip_state_parse(state, &r->state);
	stats_text(st, 5, r->enterprise, sizeof r->enterprise);
	stats_text(st, 6, r->uscc, sizeof r->uscc);
	r->first = db_column_int(st, 7);
	stats_text(st, 8, r->first_ref, sizeof r->first_ref);
	stats_text(st, 9, r->measure, sizeof r->measure);
	r->due_at = (time_t)db_column_int64(st, 10);
	r->closed_at = (time_t)db_column_int64(st, 11);
	r->reward = db_column_int(st, 12);
	r->eligible = db_column_int(st, 13);
	r->stage1_yuan = (long)db_column_int64(st, 14);
	r->stage2_yuan = (long)db_column_int64(st, 15);
	r->paid_at = (time_t)db_column_int64(st, 16);
	r->body = (const char *)db_column_text(st, 17);
	if (r->body == NULL)
		r->body = "";
}

/*
 * Steps the export. The statement stays open across the callbacks (one
 * row in memory); the assignees come from a second statement per row,
 * which SQLite runs beside the first on the same connection.
 */
enum store_status
ledger_export(struct store *s, const struct ledger_query *q,
    ledger_export_fn fn, void *arg, size_t *count, int64_t *last)
{
	struct ledger_export_row	*r = xcalloc(1, sizeof *r);
	struct db_stmt			*st;
	enum store_status		 ret = STORE_ERROR;
	int				 rc, more = 0;

	*count = 0;
	*last = 0;
	if ((st = store_stmt(s, sql_export)) == NULL)
		goto out;
	db_bind_int64(st, 1, q->scope);
	db_bind_int(st, 2, q->unknown != 0);
	db_bind_int64(st, 3, (int64_t)q->states);
	db_bind_int64(st, 4, (int64_t)q->since);
	db_bind_int64(st, 5, (int64_t)q->until);
	db_bind_int64(st, 6, q->before);
	db_bind_int64(st, 7, q->limit > 0 ? (int64_t)q->limit : INT64_MAX);
	while ((rc = db_step(st)) == DB_ROW) {
		export_row(st, r);
		if (ledger_people(s, r->id, r->people, LEDGER_PEOPLE_MAX,
		    &r->npeople) != STORE_OK)
			goto out;
		if ((more = fn(r, arg)) == -1)
			goto out;
		(*count)++;
		*last = r->id;
		if (more == 1)
			break;
	}
	if (more != 1 && rc != DB_DONE) {
		ret = store_fail(s, "ledger_export");
		goto out;
	}
	ret = STORE_OK;
out:
	if (st != NULL)
		db_reset(st);
	free(r);
	return ret;
}

/* The top-level area. Prepared each time, as the figures' statements
 * are (see stats_run()). */
enum store_status
ledger_top_area(struct store *s, int64_t *id)
{
	struct db_stmt		*st = NULL;
	enum store_status	 ret = STORE_NOT_FOUND;
	int			 rc, n = 0;

	*id = 0;
	if ((st = store_prepare(s, sql_top_area)) == NULL)
		return store_fail(s, "ledger_top_area");
	while ((rc = db_step(st)) == DB_ROW) {
		*id = db_column_int64(st, 0);
		n++;
	}
	if (rc != DB_DONE)
		ret = store_fail(s, "ledger_top_area");
	else if (n == 1)
		ret = STORE_OK;
	else
		*id = 0;
	db_finalize(st);
	return ret;
}

/* Average days to close. */
double
ledger_stat_days(const struct ledger_stat *c)
{
	if (c->closed <= 0)
		return -1.0;
	return (double)c->close_seconds / (double)c->closed / 86400.0;
}

/* Adds one figure to a cell. */
static void
stats_add(struct ledger_stat *c, enum stats_kind k, long n, long long sum)
{
	switch (k) {
	case STATS_RECEIVED:
		c->received += n;
		break;
	case STATS_VERIFIED:
		c->verified += n;
		break;
	case STATS_DISPOSED:
		c->disposed += n;
		break;
	case STATS_CLOSED:
		c->closed += n;
		c->close_seconds += sum;
		break;
	case STATS_PAID:
		c->paid += n;
		c->paid_yuan += sum;
		break;
	}
}

/* The line of area id, or NULL. */
static struct ledger_stats_area *
stats_line(struct ledger_stats *st, int64_t id)
{
	size_t	 i;

	for (i = 0; i < st->nareas; i++)
		if (st->areas[i].id == id)
			return &st->areas[i];
	return NULL;
}

/*
 * Runs one figure over the months of b (the year's total instead, in
 * the cell LEDGER_YEAR, when year is set: every month's bound is then
 * the year's end, so that every row falls in month 0). These statements
 * run a few times a year: they are prepared each time rather than kept
 * in the store's cache, which holds the request paths' statements.
 */
static enum store_status
stats_run(struct store *s, enum stats_kind k, int64_t base, int unknown,
    const time_t b[LEDGER_MONTHS + 1], int year, struct ledger_stats *out)
{
	struct ledger_stats_area	*line;
	struct db_stmt			*st = NULL;
	enum store_status		 ret = STORE_ERROR;
	int				 i, rc, month;

	if ((st = store_prepare(s, sql_stats[k])) == NULL) {
		ret = store_fail(s, "ledger_stats");
		goto out;
	}
	db_bind_int64(st, 1, base);
	db_bind_int64(st, 2, (int64_t)b[0]);
	for (i = 1; i <= LEDGER_MONTHS; i++)
		db_bind_int64(st, 2 + i, (int64_t)(year ?
		    b[LEDGER_MONTHS] : b[i]));
	db_bind_int(st, 15, unknown != 0);
	while ((rc = db_step(st)) == DB_ROW) {
		month = year ? LEDGER_YEAR : db_column_int(st, 1);
		if (month < 0 || month > LEDGER_YEAR)
			continue;
		if ((line = stats_line(out, db_column_int64(st, 0))) ==
		    NULL)
			continue;
		stats_add(&line->m[month], k, (long)db_column_int64(st, 2),
		    (long long)db_column_int64(st, 3));
		stats_add(&out->total[month], k,
		    (long)db_column_int64(st, 2),
		    (long long)db_column_int64(st, 3));
	}
	ret = rc == DB_DONE ? STORE_OK : store_fail(s, "ledger_stats");
out:
	db_finalize(st);
	return ret;
}

/* Reads the lines: the children of base, base, and maybe no area. */
static enum store_status
stats_lines(struct store *s, int64_t base, int unknown,
    struct ledger_stats *out)
{
	struct db_stmt	*st = NULL;
	size_t		 cap = 16;
	int		 rc;
	enum store_status ret = STORE_ERROR;

	out->areas = xcalloc(cap, sizeof *out->areas);
	if ((st = store_prepare(s, sql_stats_lines)) == NULL) {
		ret = store_fail(s, "ledger_stats");
		goto out;
	}
	db_bind_int64(st, 1, base);
	while ((rc = db_step(st)) == DB_ROW) {
		if (out->nareas + 1 >= cap) {
			out->areas = xrealloc(out->areas, cap * 2 *
			    sizeof *out->areas);
			memset(out->areas + cap, 0, cap * sizeof *out->areas);
			cap *= 2;
		}
		out->areas[out->nareas].id = db_column_int64(st, 0);
		stats_text(st, 1, out->areas[out->nareas].path,
		    sizeof out->areas[out->nareas].path);
		out->areas[out->nareas].own = db_column_int(st, 2);
		out->nareas++;
	}
	if (rc != DB_DONE) {
		ret = store_fail(s, "ledger_stats");
		goto out;
	}
	if (out->nareas == 0) {
		ret = STORE_NOT_FOUND;
		goto out;
	}
	/* The loop keeps one free line for this one. */
	if (unknown)
		out->areas[out->nareas++].id = 0;
	ret = STORE_OK;
out:
	db_finalize(st);
	return ret;
}

/* The figures of a year. */
enum store_status
ledger_stats(struct store *s, int64_t base, int unknown,
    const time_t bounds[LEDGER_MONTHS + 1], struct ledger_stats *out)
{
	enum store_status	 ret;
	int			 k;

	memset(out, 0, sizeof *out);
	/* One snapshot: the figures agree with each other. */
	if ((ret = store_begin_read(s)) != STORE_OK)
		return ret;
	if ((ret = stats_lines(s, base, unknown, out)) != STORE_OK)
		goto out;
	for (k = 0; k < STATS_KINDS; k++)
		if ((ret = stats_run(s, (enum stats_kind)k, base, unknown,
		    bounds, 0, out)) != STORE_OK ||
		    (ret = stats_run(s, (enum stats_kind)k, base, unknown,
		    bounds, 1, out)) != STORE_OK)
			goto out;
out:
	store_end_read(s);
	if (ret != STORE_OK)
		ledger_stats_free(out);
	return ret;
}

/* Frees the figures. */
void
ledger_stats_free(struct ledger_stats *st)
{
	free(st->areas);
	memset(st, 0, sizeof *st);
}

/* Weekly patrols, grid coverage and the deadline check's record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patrols.h"
#include "store_int.h"

#define DAY	86400

static const char *const sql_add =
    "INSERT INTO patrols (staff_id, area_id, finding, at, week)"
    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id";
static const char *const sql_list =
    "SELECT p.id, p.staff_id, s.name, p.area_id, a.path, p.finding, p.at"
    " FROM patrols p JOIN staff s ON s.id = p.staff_id"
    " JOIN areas a ON a.id = p.area_id WHERE p.week = ?1"
    " AND (?2 = 0 OR p.staff_id = ?2) AND (?3 = 0 OR EXISTS (SELECT 1"
    " FROM areas r WHERE r.id = ?3 AND" SQL_AREA_WITHIN("a", "r") "))"
    " ORDER BY p.at, p.id LIMIT ?4";
static const char *const sql_tally =
    "SELECT count(*), coalesce(sum(CASE WHEN EXISTS (SELECT 1 FROM patrols p"
    " WHERE p.area_id = b.id AND p.week = ?2) THEN 1 ELSE 0 END), 0)"
    " FROM areas b, areas r"
    " WHERE r.id = ?1 AND b.level = 5 AND" SQL_AREA_WITHIN("b", "r");
static const char *const sql_unpatrolled =
    "SELECT b.id, b.path FROM areas b, areas r WHERE r.id = ?1"
    " AND b.level = 5 AND" SQL_AREA_WITHIN("b", "r") " AND NOT EXISTS (SELECT 1"
    " FROM patrols p WHERE p.area_id = b.id AND p.week = ?2)"
    " ORDER BY b.path";
static const char *const sql_idle =
    "SELECT s.id, s.name FROM staff s JOIN areas a ON a.id = s.area_id,"
    " areas r WHERE r.id = ?1 AND s.role = 'grid_worker' AND s.active = 1"
    " AND" SQL_AREA_WITHIN("a", "r") " AND NOT EXISTS (SELECT 1 FROM patrols p"
    " WHERE p.staff_id = s.id AND p.week = ?2) ORDER BY s.id";
static const char *const sql_grids =
    "SELECT g.id, g.path,"
    " (SELECT count(*) FROM areas b WHERE b.level = 5 AND" SQL_AREA_WITHIN("b", "g")
    "),"
    " (SELECT count(*) FROM areas b WHERE b.level = 5 AND" SQL_AREA_WITHIN("b", "g")
    " AND EXISTS (SELECT 1 FROM patrols p WHERE p.area_id = b.id"
    " AND p.week = ?2)),"
    " (SELECT count(*) FROM staff s JOIN areas a ON a.id = s.area_id"
    " WHERE s.role = 'grid_worker' AND s.active = 1 AND" SQL_AREA_WITHIN("a", "g") ")"
    " FROM areas g WHERE g.level = 4 AND g.id > ?3 AND (?1 = 0 OR"
    " EXISTS (SELECT 1 FROM areas r WHERE r.id = ?1 AND" SQL_AREA_WITHIN("g", "r")
    "))"
    " ORDER BY g.id LIMIT ?4";
static const char *const sql_since_get =
    "SELECT at FROM patrol_check_since WHERE id = 1";
static const char *const sql_since_put =
    "INSERT INTO patrol_check_since (id, at) VALUES (1, ?1)"
    " ON CONFLICT (id) DO NOTHING";
static const char *const sql_unchecked =
    "SELECT g.id FROM areas g WHERE g.level = 4 AND g.id > ?2"
    " AND NOT EXISTS (SELECT 1 FROM patrol_checks c WHERE c.grid_id = g.id"
    " AND c.week = ?1) ORDER BY g.id LIMIT ?3";
static const char *const sql_checked =
    "INSERT INTO patrol_checks (grid_id, week, buildings, missing, told, at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (grid_id, week)"
    " DO NOTHING";

/* Days since 1970-01-01 of a local time, rounded down. */
static long long
patrol_day(time_t t, int utc_offset)
{
	long long	 s = (long long)t + utc_offset;

	return s >= 0 ? s / DAY : -((-s + DAY - 1) / DAY);
}

/* The ISO weekday (Monday 1 … Sunday 7) of a day number: day 0 was a
 * Thursday. */
static int
patrol_wday(long long day)
{
	long long	 m = (day + 3) % 7;

	return (int)(m < 0 ? m + 7 : m) + 1;
}

/* The ISO year and week of a day number. */
static void
patrol_iso(long long day, int *year, int *week)
{
	long long	 thursday = day - patrol_wday(day) + 4;
	time_t		 t = (time_t)(thursday * DAY);
	struct tm	 tm;

	/* The week belongs to the year of its Thursday, and is the number
	 * of Thursdays of that year up to this one. */
	(void)gmtime_r(&t, &tm);
	*year = tm.tm_year + 1900;
	*week = tm.tm_yday / 7 + 1;
}

/* The ISO week of t. */
void
patrol_week(time_t t, int utc_offset, char out[PATROL_WEEK_LEN])
{
	int	 y, w;

	patrol_iso(patrol_day(t, utc_offset), &y, &w);
	if (y < 0 || y > 9999)
		y = 0;
	(void)snprintf(out, PATROL_WEEK_LEN, "%04d-W%02d", y, w);
}

/* The day number of a calendar date. */
static long long
patrol_civil(int year, int month, int mday)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = mday;
	return (long long)timegm(&tm) / DAY;
}

/* The start of an ISO week. */
int
patrol_week_start(const char *week, int utc_offset, time_t *start)
{
	long long	 jan4, monday;
	int		 y, w, i, last, ly;

	if (week == NULL || strlen(week) != PATROL_WEEK_LEN - 1 ||
	    week[4] != '-' || week[5] != 'W')
		return -1;
	for (i = 0; i < PATROL_WEEK_LEN - 1; i++)
		if (i != 4 && i != 5 && (week[i] < '0' || week[i] > '9'))
			return -1;
	y = (week[0] - '0') * 1000 + (week[1] - '0') * 100 +
	    (week[2] - '0') * 10 + (week[3] - '0');
	w = (week[6] - '0') * 10 + (week[7] - '0');
	if (y < 1971 || y > 9998)
		return -1;
	/* 28 December is always in the year's last week. */
	patrol_iso(patrol_civil(y, 12, 28), &ly, &last);
	if (w < 1 || w > last)
		return -1;
	/* 4 January is always in week 1. */
	jan4 = patrol_civil(y, 1, 4);
	monday = jan4 - patrol_wday(jan4) + 1 + (long long)(w - 1) * 7;
	*start = (time_t)(monday * DAY - utc_offset);
	return 0;
}

/* A path relative to base. */
const char *
patrol_relative(const char *path, const char *base)
{
	size_t	 n = strlen(base);

	if (n > 0 && strncmp(path, base, n) == 0 && path[n] == '/' &&
	    path[n + 1] != '\0')
		return path + n + 1;
	return path;
}

/* Stores a patrol. */
enum store_status
patrols_add(struct store *s, int64_t staff, int64_t area, const char *finding,
    time_t at, const char *week, int64_t *id)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_add)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_int64(st, 2, area);
	db_bind_text(st, 3, finding, -1, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)at);
	db_bind_text(st, 5, week, -1, DB_STATIC);
	if ((rc = db_step(st)) == DB_ROW)
		*id = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? STORE_OK : store_fail(s, "patrols_add");
}

/* Copies text column i into out, cut to size. */
static void
patrol_text(struct db_stmt *st, int i, char *out, size_t size)
{
	const unsigned char	*v = db_column_text(st, i);

	(void)snprintf(out, size, "%s", v != NULL ? (const char *)v : "");
}

/* Lists a week's patrols. */
enum store_status
patrols_list(struct store *s, int64_t staff, int64_t scope, const char *week,
    struct patrol_row *rows, size_t n, size_t *count)
{
	struct db_stmt		*st;
	struct patrol_row	*p;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_list)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, week, -1, DB_STATIC);
	db_bind_int64(st, 2, staff);
	db_bind_int64(st, 3, scope);
	db_bind_int64(st, 4, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		p = &rows[(*count)++];
		memset(p, 0, sizeof *p);
		p->id = db_column_int64(st, 0);
		p->staff_id = db_column_int64(st, 1);
		patrol_text(st, 2, p->staff_name, sizeof p->staff_name);
		p->area_id = db_column_int64(st, 3);
		patrol_text(st, 4, p->area_path, sizeof p->area_path);
		patrol_text(st, 5, p->finding, sizeof p->finding);
		p->at = (time_t)db_column_int64(st, 6);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "patrols_list");
}

/* Counts buildings and patrolled ones. */
enum store_status
patrols_tally(struct store *s, int64_t area, const char *week,
    long *buildings, long *patrolled)
{
	struct db_stmt	*st;
	int		 rc;

	*buildings = *patrolled = 0;
	if ((st = store_stmt(s, sql_tally)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	db_bind_text(st, 2, week, -1, DB_STATIC);
	if ((rc = db_step(st)) == DB_ROW) {
		*buildings = (long)db_column_int64(st, 0);
		*patrolled = (long)db_column_int64(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW ? STORE_OK : store_fail(s, "patrols_tally");
}

/* Buildings without a patrol. */
enum store_status
patrols_unpatrolled(struct store *s, int64_t area, const char *week,
    struct patrol_area *out, size_t n, size_t *count, long *total)
{
	struct db_stmt	*st;
	int		 rc;

	*count = 0;
	*total = 0;
	if ((st = store_stmt(s, sql_unpatrolled)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	db_bind_text(st, 2, week, -1, DB_STATIC);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*count < n) {
			out[*count].id = db_column_int64(st, 0);
			patrol_text(st, 1, out[*count].path,
			    sizeof out[*count].path);
			(*count)++;
		}
		(*total)++;
	}
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : store_fail(s,
	    "patrols_unpatrolled");
}

/* Grid workers without a patrol. */
enum store_status
patrols_idle_workers(struct store *s, int64_t area, const char *week,
    struct patrol_worker *out, size_t n, size_t *count, long *total)
{
	struct db_stmt	*st;
	int		 rc;

	*count = 0;
	*total = 0;
	if ((st = store_stmt(s, sql_idle)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	db_bind_text(st, 2, week, -1, DB_STATIC);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*count < n) {
			out[*count].id = db_column_int64(st, 0);
			patrol_text(st, 1, out[*count].name,
			    sizeof out[*count].name);
			(*count)++;
		}
		(*total)++;
	}
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : store_fail(s,
	    "patrols_idle_workers");
}

/* Grids with their counts. */
enum store_status
patrols_grids(struct store *s, int64_t scope, const char *week, int64_t after,
    struct patrol_grid *out, size_t n, size_t *count)
{
	struct db_stmt		*st;
	struct patrol_grid	*g;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_grids)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, scope);
	db_bind_text(st, 2, week, -1, DB_STATIC);
	db_bind_int64(st, 3, after);
	db_bind_int64(st, 4, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		g = &out[(*count)++];
		memset(g, 0, sizeof *g);
		g->id = db_column_int64(st, 0);
		patrol_text(st, 1, g->path, sizeof g->path);
		g->buildings = (long)db_column_int64(st, 2);
		g->patrolled = (long)db_column_int64(st, 3);
		g->workers = (long)db_column_int64(st, 4);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "patrols_grids");
}

/* When the check first ran. */
enum store_status
patrols_check_since(struct store *s, time_t now, time_t *since)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_since_put)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "patrols_check_since");
	if ((st = store_stmt(s, sql_since_get)) == NULL)
		return STORE_ERROR;
	if ((rc = db_step(st)) == DB_ROW)
		*since = (time_t)db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? STORE_OK : store_fail(s,
	    "patrols_check_since");
}

/* When the check first ran, read only. */
enum store_status
patrols_check_since_get(struct store *s, time_t *since)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_since_get)) == NULL)
		return STORE_ERROR;
	if ((rc = db_step(st)) == DB_ROW)
		*since = (time_t)db_column_int64(st, 0);
	db_reset(st);
	if (rc == DB_DONE)
		return STORE_NOT_FOUND;
	return rc == DB_ROW ? STORE_OK : store_fail(s,
	    "patrols_check_since_get");
}

/* Grids not yet checked for a week. */
enum store_status
patrols_unchecked(struct store *s, const char *week, int64_t after,
    int64_t *grids, size_t n, size_t *count)
{
	struct db_stmt	*st;
	int		 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_unchecked)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, week, -1, DB_STATIC);
	db_bind_int64(st, 2, after);
	db_bind_int64(st, 3, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW)
		grids[(*count)++] = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "patrols_unchecked");
}

/* Records a grid's check. */
enum store_status
patrols_checked(struct store *s, int64_t grid, const char *week,
    long buildings, long missing, long told, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_checked)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, grid);
	db_bind_text(st, 2, week, -1, DB_STATIC);
	db_bind_int64(st, 3, buildings);
	db_bind_int64(st, 4, missing);
	db_bind_int64(st, 5, told);
	db_bind_int64(st, 6, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "patrols_checked");
	return STORE_OK;
}

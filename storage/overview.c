/* The overview's figures: tips per area and state, broadcasts, letters. */
#include <stdio.h>
#include <string.h>

#include "overview.h"
#include "messages/text.h"
#include "store_int.h"

#define OVERVIEW_EXCERPT	60	/* characters of a broadcast's text */

/* The lines: the base's children by path, then the base. */
static const char *const sql_ov_lines =
    "SELECT id, path, 0 FROM areas WHERE parent_id = ?1"
    " UNION ALL SELECT id, path, 1 FROM areas WHERE id = ?1 ORDER BY 3, 2";
/* (line, state, count) of the tips created in [?2, ?3) under ?1, and of
 * no known area when ?4; a tip's line is the child of the base it lies
 * under, the base itself, or 0. */
static const char *const sql_ov_tips =
    "SELECT coalesce((SELECT c.id FROM areas c WHERE c.parent_id = ?1 AND"
    SQL_AREA_WITHIN("a", "c") "), CASE WHEN a.id = ?1 THEN ?1 ELSE 0 END),"
    " t.state,"
    " count(*) FROM tips t LEFT JOIN areas a ON a.id = t.area_id"
    " JOIN areas r ON r.id = ?1"
    " WHERE t.practice = 0 AND t.created_at >= ?2 AND t.created_at < ?3"
    " AND ((a.id IS NOT NULL AND" SQL_AREA_WITHIN("a", "r") ")"
    " OR (?4 <> 0 AND t.area_id IS NULL)) GROUP BY 1, 2";
/* (state, count) of the tips created in [?2, ?3) under ?1, and of no
 * known area when ?4. */
static const char *const sql_ov_states =
    "SELECT t.state, count(*) FROM tips t LEFT JOIN areas a ON a.id ="
    " t.area_id JOIN areas r ON r.id = ?1"
    " WHERE t.practice = 0 AND t.created_at >= ?2 AND t.created_at < ?3"
    " AND ((a.id IS NOT NULL AND" SQL_AREA_WITHIN("a", "r") ")"
    " OR (?4 <> 0 AND t.area_id IS NULL)) GROUP BY 1";
static const char *const sql_ov_broadcasts =
    "SELECT b.id, b.created_at, a.path, b.kinds, b.body FROM broadcasts b"
    " JOIN areas a ON a.id = b.area_id JOIN areas r ON r.id = ?1"
    " WHERE" SQL_AREA_WITHIN("a", "r")
    " AND b.created_at >= ?2 AND b.created_at < ?3"
    " ORDER BY b.id DESC LIMIT ?4";
/* The open tips under ?1 (and of no known area when ?2), and how many of
 * them are past their deadline at ?3. */
static const char *const sql_ov_open =
    "SELECT count(*), coalesce(sum(CASE WHEN t.due_at IS NOT NULL AND"
    " t.due_at <= ?3 THEN 1 ELSE 0 END), 0)"
    " FROM tips t LEFT JOIN areas a ON a.id = t.area_id"
    " JOIN areas r ON r.id = ?1"
    " WHERE t.practice = 0 AND t.state IN ('received', 'assigned',"
    " 'verifying', 'confirmed', 'disposing')"
    " AND ((a.id IS NOT NULL AND" SQL_AREA_WITHIN("a", "r") ")"
    " OR (?2 <> 0 AND t.area_id IS NULL))";
static const char *const sql_ov_letter =
    "SELECT l.id, l.title FROM letters l JOIN areas a ON a.id = l.area_id"
    " JOIN areas r ON r.id = ?1"
    " WHERE" SQL_AREA_WITHIN("a", "r") " OR" SQL_AREA_WITHIN("r", "a")
    " ORDER BY l.id DESC LIMIT 1";

/* Copies column i of st into out (len bytes), "" for NULL. */
static void
overview_text(struct db_stmt *st, int i, char *out, size_t len)
{
	const char	*v = (const char *)db_column_text(st, i);

	(void)snprintf(out, len, "%s", v != NULL ? v : "");
}

/* Prepares sql, a query of the tips created in [since, until) under base
 * (and of no known area when unknown), with those bound. */
static struct db_stmt *
overview_month(struct store *s, const char *sql, int64_t base, int unknown,
    time_t since, time_t until)
{
	struct db_stmt	*st;

	if ((st = store_stmt_span(s, sql, base, since, until)) != NULL)
		db_bind_int(st, 4, unknown);
	return st;
}

/* Reads the tips figures. */
enum store_status
overview_tips(struct store *s, int64_t base, int unknown, time_t since,
    time_t until, struct overview_line *lines, size_t n, size_t *count,
    size_t *left_out)
{
	struct db_stmt	*st;
	enum tip_state	 state;
	int64_t		 line;
	size_t		 i, k = 0;
	int		 rc;

	*count = *left_out = 0;
	if (n < 2 || (st = store_stmt(s, sql_ov_lines)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, base);
	/* Room is kept for the base's own line and the unknown one. */
	while (db_step(st) == DB_ROW) {
		if (db_column_int(st, 2) == 0 && k >= n - 2) {
			(*left_out)++;
			continue;
		}
		memset(&lines[k], 0, sizeof lines[k]);
		lines[k].id = db_column_int64(st, 0);
		overview_text(st, 1, lines[k].path, sizeof lines[k].path);
		lines[k].own = db_column_int(st, 2);
		k++;
	}
	db_reset(st);
	if (unknown) {
		memset(&lines[k], 0, sizeof lines[k]);
		k++;
	}
	if ((st = overview_month(s, sql_ov_tips, base, unknown, since,
	    until)) == NULL)
		return STORE_ERROR;
	while ((rc = db_step(st)) == DB_ROW) {
		line = db_column_int64(st, 0);
		if (tip_state_parse((const char *)db_column_text(st, 1),
		    &state) == -1)
			continue;
		for (i = 0; i < k; i++)
			if (lines[i].id == line) {
				lines[i].n[state] += (long)db_column_int64(st,
				    2);
				break;
			}
	}
	db_reset(st);
	if (rc != DB_DONE)
		return store_fail(s, "overview_tips");
	*count = k;
	return STORE_OK;
}

/* Counts the tips by state, however many areas they lie in. */
enum store_status
overview_states(struct store *s, int64_t base, int unknown, time_t since,
    time_t until, long n[TIP_STATES])
{
	struct db_stmt	*st;
	enum tip_state	 state;
	int		 rc;

	memset(n, 0, TIP_STATES * sizeof n[0]);
	if ((st = overview_month(s, sql_ov_states, base, unknown, since,
	    until)) == NULL)
		return STORE_ERROR;
	while ((rc = db_step(st)) == DB_ROW)
		if (tip_state_parse((const char *)db_column_text(st, 0),
		    &state) == 0)
			n[state] += (long)db_column_int64(st, 1);
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : store_fail(s, "overview_states");
}

/* Counts the open tips and the overdue ones. */
enum store_status
overview_open(struct store *s, int64_t base, int unknown, time_t now,
    long *open, long *overdue)
{
	struct db_stmt	*st;
	int		 rc;

	*open = *overdue = 0;
	if ((st = store_stmt(s, sql_ov_open)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, base);
	db_bind_int(st, 2, unknown);
	db_bind_int64(st, 3, (int64_t)now);
	if ((rc = db_step(st)) == DB_ROW) {
		*open = (long)db_column_int64(st, 0);
		*overdue = (long)db_column_int64(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW ? STORE_OK : store_fail(s, "overview_open");
}

/* Reads the month's broadcasts. */
enum store_status
overview_broadcasts(struct store *s, int64_t base, time_t since, time_t until,
    struct overview_broadcast *b, size_t n, size_t *count)
{
	struct db_stmt	*st;
	const char	*body;
	int		 rc;

	*count = 0;
	if ((st = store_stmt(s, sql_ov_broadcasts)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, base);
	db_bind_int64(st, 2, (int64_t)since);
	db_bind_int64(st, 3, (int64_t)until);
	db_bind_int64(st, 4, (int64_t)n);
	while ((rc = db_step(st)) == DB_ROW) {
		memset(&b[*count], 0, sizeof b[*count]);
		b[*count].id = db_column_int64(st, 0);
		b[*count].created_at = (time_t)db_column_int64(st, 1);
		overview_text(st, 2, b[*count].area_path,
		    sizeof b[*count].area_path);
		overview_text(st, 3, b[*count].kinds, sizeof b[*count].kinds);
		body = (const char *)db_column_text(st, 4);
		if (body != NULL)
			(void)snprintf(b[*count].excerpt,
			    sizeof b[*count].excerpt, "%.*s",
			    (int)utf8_prefix(body, OVERVIEW_EXCERPT), body);
		(*count)++;
	}
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : store_fail(s,
	    "overview_broadcasts");
}

/* Finds the newest letter concerning base. */
enum store_status
overview_letter(struct store *s, int64_t base, int64_t *id, char *title,
    size_t len)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;
	int			 r;

	if ((st = store_stmt(s, sql_ov_letter)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, base);
	if ((r = db_step(st)) == DB_ROW) {
		*id = db_column_int64(st, 0);
		overview_text(st, 1, title, len);
		rc = STORE_OK;
	} else if (r != DB_DONE)
		rc = store_fail(s, "overview_letter");
	db_reset(st);
	return rc;
}

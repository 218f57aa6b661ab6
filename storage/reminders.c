/* Reminders, their firings and quiet hours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reminders.h"
#include "store_int.h"

#define REMINDER_COLUMNS						\
    "r.id, r.title, r.body, r.area_id, a.path, r.kinds, r.roles, r.rrule,"\
    " r.dtstart, r.tz, r.urgent, r.catchup_seconds, r.paused,"		\
    " coalesce(r.next_at, 0), coalesce(r.calendar, ''), r.created_by,"	\
    " r.created_at"
/* ?S is the scope: 0, or an area whose subtree holds the reminder's. */
#define REMINDER_SCOPE(n)						\
    " (?" #n " = 0 OR EXISTS (SELECT 1 FROM areas s WHERE s.id = ?" #n	\
    " AND" SQL_AREA_WITHIN("a", "s") "))"

static const char *const sql_rem_add =
    "INSERT INTO reminders (title, body, area_id, kinds, roles, rrule,"
    " dtstart, tz, urgent, catchup_seconds, next_at, calendar, created_by,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
    " ?13, ?14) RETURNING id";
static const char *const sql_rem_get =
    "SELECT " REMINDER_COLUMNS " FROM reminders r JOIN areas a"
    " ON a.id = r.area_id WHERE r.id = ?1 AND r.deleted_at IS NULL AND"
    REMINDER_SCOPE(2);
static const char *const sql_rem_list =
    "SELECT " REMINDER_COLUMNS " FROM reminders r JOIN areas a"
    " ON a.id = r.area_id WHERE r.id > ?2 AND r.deleted_at IS NULL AND"
    REMINDER_SCOPE(1) " ORDER BY r.id LIMIT ?3";
static const char *const sql_rem_pause =
    "UPDATE reminders SET paused = CAST(?3 AS bigint),"
    " next_at = CASE WHEN CAST(?3 AS bigint) = 0"
    " THEN CAST(?4 AS bigint) ELSE next_at END WHERE id = ?1"
    " AND deleted_at IS NULL"
    " AND (?2 = 0 OR EXISTS (SELECT 1 FROM areas a, areas s"
    " WHERE a.id = reminders.area_id AND s.id = ?2 AND"
    SQL_AREA_WITHIN("a", "s") "))";
static const char *const sql_rem_delete =
    "UPDATE reminders SET deleted_at = ?3, next_at = NULL WHERE id = ?1"
    " AND deleted_at IS NULL AND (?2 = 0 OR EXISTS (SELECT 1 FROM areas a,"
    " areas s WHERE a.id = reminders.area_id AND s.id = ?2 AND"
    SQL_AREA_WITHIN("a", "s") "))";
static const char *const sql_rem_due =
    "SELECT id FROM reminders WHERE next_at IS NOT NULL AND next_at <= ?1"
    " AND paused = 0 AND deleted_at IS NULL ORDER BY next_at, id LIMIT ?2";
static const char *const sql_rem_next_due =
    "SELECT min(next_at) FROM reminders WHERE paused = 0"
    " AND deleted_at IS NULL";
static const char *const sql_rem_set_next =
    "UPDATE reminders SET next_at = ?2 WHERE id = ?1";
static const char *const sql_fire_get =
    "SELECT state, coalesce(held_until, 0) FROM reminder_firings"
    " WHERE reminder_id = ?1 AND due_at = ?2";
static const char *const sql_fire_last =
    "SELECT coalesce(max(due_at), 0) FROM reminder_firings"
    " WHERE reminder_id = ?1";
static const char *const sql_fire_put =
    "INSERT INTO reminder_firings (reminder_id, due_at, state, held_until,"
    " broadcast_id, staff_told, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (reminder_id, due_at) DO UPDATE SET state = ?3,"
    " held_until = ?4, broadcast_id = ?5, staff_told = ?6, at = ?7"
    " WHERE reminder_firings.state = 'held'";
/*
 * Claims an occurrence for sending: the row is new, or held and its hold
 * is over. The key (reminder_id, due_at) decides between instances: the
 * one whose INSERT conflicts with a row it may not take changes nothing.
 */
static const char *const sql_fire_claim =
    "INSERT INTO reminder_firings (reminder_id, due_at, state, at)"
    " VALUES (?1, ?2, 'sent', ?3) ON CONFLICT (reminder_id, due_at)"
    " DO UPDATE SET state = 'sent', held_until = NULL, at = ?3"
    " WHERE reminder_firings.state = 'held'"
    " AND reminder_firings.held_until <= ?3";
static const char *const sql_fire_sent =
    "UPDATE reminder_firings SET broadcast_id = ?3, staff_told = ?4"
    " WHERE reminder_id = ?1 AND due_at = ?2 AND state = 'sent'";
static const char *const sql_fire_held =
    "SELECT reminder_id, due_at FROM reminder_firings WHERE state = 'held'"
    " AND held_until <= ?1 ORDER BY held_until LIMIT ?2";
/* The quiet hours of the deepest area on the way up that has them. */
static const char *const sql_quiet_get =
    "SELECT q.start_minute, q.end_minute FROM quiet_hours q"
    " JOIN areas qa ON qa.id = q.area_id, areas t WHERE t.id = ?1"
    " AND" SQL_AREA_WITHIN("t", "qa") " ORDER BY length(qa.path) DESC"
    " LIMIT 1";
static const char *const sql_quiet_set =
    "INSERT INTO quiet_hours (area_id, start_minute, end_minute)"
    " VALUES (?1, ?2, ?3) ON CONFLICT (area_id) DO UPDATE SET"
    " start_minute = ?2, end_minute = ?3";

static const char *const sql_rem_staff =
    "SELECT s.id FROM staff s JOIN areas a ON a.id = s.area_id, areas r"
    " WHERE r.id = ?1 AND s.active = 1 AND" SQL_AREA_WITHIN("a", "r")
    " AND instr(',' || CAST(?2 AS text) || ',', ',' || s.role || ',') > 0"
    " AND s.id > ?3 ORDER BY s.id LIMIT ?4";

static const char *const sql_fire_next_held =
    "SELECT min(held_until) FROM reminder_firings WHERE state = 'held'";

static const char *const firing_names[] = { "", "held", "sent", "skipped" };

/* Frees a reminder's texts. */
void
reminder_clear(struct reminder *r)
{
	free(r->title);
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* Copies a text column into a fixed field. */
static void
rem_text(struct db_stmt *st, int col, char *out, size_t size)
{
	const unsigned char	*v = db_column_text(st, col);

	(void)snprintf(out, size, "%s", v != NULL ? (const char *)v : "");
}

/* Reads the REMINDER_COLUMNS of the current row. */
static void
rem_row(struct db_stmt *st, struct reminder *r)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int64(st, 0);
	r->title = store_column_dup(st, 1);
	r->body = store_column_dup(st, 2);
	r->area_id = db_column_int64(st, 3);
	rem_text(st, 4, r->area_path, sizeof r->area_path);
	rem_text(st, 5, r->kinds, sizeof r->kinds);
	rem_text(st, 6, r->roles, sizeof r->roles);
	rem_text(st, 7, r->rrule, sizeof r->rrule);
	r->dtstart = (time_t)db_column_int64(st, 8);
	rem_text(st, 9, r->tz, sizeof r->tz);
	r->urgent = db_column_int(st, 10);
	r->catchup_seconds = db_column_int(st, 11);
	r->paused = db_column_int(st, 12);
	r->next_at = (time_t)db_column_int64(st, 13);
	rem_text(st, 14, r->calendar, sizeof r->calendar);
	rem_text(st, 15, r->created_by, sizeof r->created_by);
	r->created_at = (time_t)db_column_int64(st, 16);
}

/* Stores a reminder. */
enum store_status
reminders_add(struct store *s, const struct reminder *r, time_t now,
    int64_t *id)
{
	struct db_stmt	*st;

	if (r->title == NULL || *r->title == '\0' || r->body == NULL ||
	    *r->body == '\0' || (r->kinds[0] == '\0' && r->roles[0] == '\0'))
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_rem_add)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, r->title, -1, DB_STATIC);
	db_bind_text(st, 2, r->body, -1, DB_STATIC);
	db_bind_int64(st, 3, r->area_id);
	db_bind_text(st, 4, r->kinds, -1, DB_STATIC);
	db_bind_text(st, 5, r->roles, -1, DB_STATIC);
	db_bind_text(st, 6, r->rrule, -1, DB_STATIC);
	db_bind_int64(st, 7, (int64_t)r->dtstart);
	db_bind_text(st, 8, r->tz[0] ? r->tz : "Asia/Shanghai", -1,
	    DB_STATIC);
	db_bind_int(st, 9, r->urgent != 0);
	db_bind_int(st, 10, r->catchup_seconds);
	if (r->next_at != 0)
		db_bind_int64(st, 11, (int64_t)r->next_at);
	store_bind_text(st, 12, r->calendar);
	db_bind_text(st, 13, r->created_by, -1, DB_STATIC);
	db_bind_int64(st, 14, (int64_t)now);
	if (db_step(st) != DB_ROW)
		return store_fail(s, "reminders_add");
	*id = db_column_int64(st, 0);
	db_reset(st);
	return STORE_OK;
}

/* One reminder. */
enum store_status
reminders_get(struct store *s, int64_t id, int64_t scope, struct reminder *r)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_rem_get)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, scope);
	rc = db_step(st);
	if (rc == DB_ROW)
		rem_row(st, r);
	db_reset(st);
	if (rc == DB_ROW)
		return STORE_OK;
	return rc == DB_DONE ? STORE_NOT_FOUND :
	    store_fail(s, "reminders_get");
}

/* Lists reminders. */
enum store_status
reminders_list(struct store *s, int64_t scope, int64_t after,
    struct reminder *out, size_t n, size_t *count)
{
	struct db_stmt	*st;
	int		 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_rem_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, scope);
	db_bind_int64(st, 2, after);
	db_bind_int64(st, 3, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW)
		rem_row(st, &out[(*count)++]);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "reminders_list");
}

/* Runs an id-and-scope update; STORE_NOT_FOUND when it changed none. */
static enum store_status
rem_update(struct store *s, struct db_stmt *st, const char *what)
{
	if (db_step(st) != DB_DONE)
		return store_fail(s, what);
	return store_changes(s) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

/* Pauses or resumes. */
enum store_status
reminders_pause(struct store *s, int64_t id, int64_t scope, int paused,
    time_t next_at)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_rem_pause)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, scope);
	db_bind_int(st, 3, paused != 0);
	if (next_at != 0)
		db_bind_int64(st, 4, (int64_t)next_at);
	return rem_update(s, st, "reminders_pause");
}

/* Deletes one. */
enum store_status
reminders_delete(struct store *s, int64_t id, int64_t scope, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_rem_delete)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, scope);
	db_bind_int64(st, 3, (int64_t)now);
	return rem_update(s, st, "reminders_delete");
}

/* Ids due at now. */
enum store_status
reminders_due(struct store *s, time_t now, int64_t *ids, size_t n,
    size_t *count)
{
	struct db_stmt	*st;

	*count = 0;
	if ((st = store_stmt(s, sql_rem_due)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)now);
	return store_ids(s, st, 2, ids, n, count, "reminders_due");
}

/* The earliest due time. */
enum store_status
reminders_next_due(struct store *s, time_t *when)
{
	return store_time(s, sql_rem_next_due, when);
}

/* Sets the next due time (0: none left). */
enum store_status
reminders_set_next(struct store *s, int64_t id, time_t next_at)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_rem_set_next)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (next_at != 0)
		db_bind_int64(st, 2, (int64_t)next_at);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "reminders_set_next");
	return STORE_OK;
}

/* The firing of one occurrence. */
enum store_status
firings_get(struct store *s, int64_t reminder, time_t due_at,
    enum firing_state *state, time_t *held_until)
{
	struct db_stmt	*st;
	const char	*v;
	int		 rc, i;

	*state = FIRING_NONE;
	*held_until = 0;
	if ((st = store_stmt(s, sql_fire_get)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, reminder);
	db_bind_int64(st, 2, (int64_t)due_at);
	if ((rc = db_step(st)) == DB_ROW) {
		v = (const char *)db_column_text(st, 0);
		for (i = 1; i <= FIRING_SKIPPED; i++)
			if (v != NULL && strcmp(v, firing_names[i]) == 0)
				*state = (enum firing_state)i;
		*held_until = (time_t)db_column_int64(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "firings_get");
}

/* The latest occurrence that came due. */
enum store_status
firings_last(struct store *s, int64_t reminder, time_t *due_at)
{
	struct db_stmt	*st;
	int		 rc;

	*due_at = 0;
	if ((st = store_stmt(s, sql_fire_last)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, reminder);
	if ((rc = db_step(st)) == DB_ROW)
		*due_at = (time_t)db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW ? STORE_OK : store_fail(s, "firings_last");
}

/* Records a firing. */
enum store_status
firings_put(struct store *s, int64_t reminder, time_t due_at,
    enum firing_state state, time_t held_until, int64_t broadcast,
    long staff_told, time_t now)
{
	struct db_stmt	*st;

	if (state == FIRING_NONE)
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_fire_put)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, reminder);
	db_bind_int64(st, 2, (int64_t)due_at);
	db_bind_text(st, 3, firing_names[state], -1, DB_STATIC);
	if (held_until != 0)
		db_bind_int64(st, 4, (int64_t)held_until);
	if (broadcast != 0)
		db_bind_int64(st, 5, broadcast);
	db_bind_int64(st, 6, staff_told);
	db_bind_int64(st, 7, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "firings_put");
	return STORE_OK;
}

/* Claims an occurrence for sending; see reminders.h. */
enum store_status
firings_claim(struct store *s, int64_t reminder, time_t due_at, time_t now,
    int *claimed)
{
	struct db_stmt	*st;

	*claimed = 0;
	if ((st = store_stmt(s, sql_fire_claim)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, reminder);
	db_bind_int64(st, 2, (int64_t)due_at);
	db_bind_int64(st, 3, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "firings_claim");
	*claimed = store_changes(s) == 1;
	return STORE_OK;
}

/* Records what a claimed occurrence sent. */
enum store_status
firings_sent(struct store *s, int64_t reminder, time_t due_at,
    int64_t broadcast, long staff_told)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_fire_sent)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, reminder);
	db_bind_int64(st, 2, (int64_t)due_at);
	if (broadcast != 0)
		db_bind_int64(st, 3, broadcast);
	db_bind_int64(st, 4, staff_told);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "firings_sent");
	return store_changes(s) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

/* Held firings whose quiet hours ended. */
enum store_status
firings_held_due(struct store *s, time_t now, int64_t *reminders, time_t *due,
    size_t n, size_t *count)
{
	struct db_stmt	*st;
	int		 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_fire_held)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)now);
	db_bind_int64(st, 2, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		reminders[*count] = db_column_int64(st, 0);
		due[(*count)++] = (time_t)db_column_int64(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "firings_held_due");
}

/* The earliest end of a hold. */
enum store_status
firings_next_held(struct store *s, time_t *when)
{
	return store_time(s, sql_fire_next_held, when);
}

/* A reminder's staff audience. */
enum store_status
reminders_staff(struct store *s, int64_t area, const char *roles,
    int64_t after, int64_t *staff, size_t n, size_t *count)
{
	struct db_stmt	*st;

	*count = 0;
	if ((st = store_stmt(s, sql_rem_staff)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	db_bind_text(st, 2, roles, -1, DB_STATIC);
	db_bind_int64(st, 3, after);
	return store_ids(s, st, 4, staff, n, count, "reminders_staff");
}

/* The quiet hours of an area. */
enum store_status
quiet_hours_get(struct store *s, int64_t area, int *start, int *end)
{
	struct db_stmt	*st;
	int		 rc;

	*start = REMINDER_QUIET_START;
	*end = REMINDER_QUIET_END;
	if ((st = store_stmt(s, sql_quiet_get)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	if ((rc = db_step(st)) == DB_ROW) {
		*start = db_column_int(st, 0);
		*end = db_column_int(st, 1);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "quiet_hours_get");
}

/* Sets an area's quiet hours. */
enum store_status
quiet_hours_set(struct store *s, int64_t area, int start, int end)
{
	struct db_stmt	*st;

	if (start < 0 || start > 1439 || end < 0 || end > 1439)
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_quiet_set)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	db_bind_int(st, 2, start);
	db_bind_int(st, 3, end);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "quiet_hours_set");
	return STORE_OK;
}

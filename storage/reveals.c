/* The two-person reveal's requests, the custodian duty, and forgetting. */
#include <stdio.h>
#include <string.h>

#include "reveals.h"
#include "store_int.h"

#define FORGET_BATCH	100

static const char *const sql_rv_insert =
    "INSERT INTO reveals (tip_id, requested_by, reason, requested_at)"
    " VALUES (?1, ?2, ?3, ?4) RETURNING id";
static const char *const sql_rv_get =
    "SELECT id, tip_id, requested_by, coalesce(decided_by, 0), reason,"
    " coalesce(decision, ''), requested_at, coalesce(decided_at, 0),"
    " coalesce(shown_at, 0) FROM reveals WHERE id = ?1";
static const char *const sql_rv_decide =
    "UPDATE reveals SET decided_by = ?2, decision = ?3, decided_at = ?4"
    " WHERE id = ?1 AND decision IS NULL";
static const char *const sql_rv_spend =
    "UPDATE reveals SET shown_at = ?2 WHERE id = ?1"
    " AND decision = 'approved' AND shown_at IS NULL";
static const char *const sql_custodian_get =
    "SELECT custodian FROM staff WHERE id = ?1";
static const char *const sql_custodians =
    "SELECT s.id FROM staff s JOIN areas c ON c.id = s.area_id"
    " WHERE s.custodian = 1 AND s.active = 1 AND s.id != ?2"
    " AND (CASE WHEN ?1 = 0"
    " THEN c.parent_id IS NULL ELSE EXISTS (SELECT 1 FROM areas a"
    " WHERE a.id = ?1 AND" SQL_AREA_WITHIN("a", "c") ") END)"
    " ORDER BY s.id LIMIT ?3";
static const char *const sql_custodian_set =
    "UPDATE staff SET custodian = ?2 WHERE id = ?1";
/* A tip whose reporter has a message on its way waits for it: that
 * message is opened from the seal when it is sent. */
static const char *const sql_forget_due =
    "SELECT id, reporter_id FROM tips WHERE state = 'closed'"
    " AND closed_at < ?1 AND reporter_id IS NOT NULL AND NOT EXISTS"
    " (SELECT 1 FROM outbox o WHERE o.reporter_id = tips.reporter_id"
    " AND o.state IN ('pending', 'sending')) ORDER BY id LIMIT ?2";
static const char *const sql_forget_tip =
    "UPDATE tips SET reporter_id = NULL WHERE id = ?1";
static const char *const sql_forget_event =
    "INSERT INTO tip_events (tip_id, at, kind, actor, state)"
    " SELECT id, ?2, 'forgotten', 'system', state FROM tips WHERE id = ?1";
static const char *const sql_forget_needed =
    "SELECT EXISTS (SELECT 1 FROM tips WHERE reporter_id = ?1)";
static const char *const sql_forget_outbox =
    "DELETE FROM outbox WHERE reporter_id = ?1";
static const char *const sql_forget_reporter =
    "DELETE FROM reporters WHERE id = ?1";

/* Stores a request. */
enum store_status
reveals_request(struct store *s, int64_t tip, int64_t staff,
    const char *reason, time_t now, int64_t *id)
{
	struct db_stmt	*st;

	if (reason == NULL || *reason == '\0')
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_rv_insert)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, staff);
	db_bind_text(st, 3, reason, -1, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)now);
	if (db_step(st) != DB_ROW)
		return store_fail(s, "reveals_request");
	*id = db_column_int64(st, 0);
	db_reset(st);
	return STORE_OK;
}

/* Reads a request. */
enum store_status
reveals_get(struct store *s, int64_t id, struct reveal_row *r)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	memset(r, 0, sizeof *r);
	if ((st = store_stmt(s, sql_rv_get)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	switch (db_step(st)) {
	case DB_ROW:
		r->id = db_column_int64(st, 0);
		r->tip_id = db_column_int64(st, 1);
		r->requested_by = db_column_int64(st, 2);
		r->decided_by = db_column_int64(st, 3);
		(void)snprintf(r->reason, sizeof r->reason, "%s",
		    (const char *)db_column_text(st, 4));
		(void)snprintf(r->decision, sizeof r->decision, "%s",
		    (const char *)db_column_text(st, 5));
		r->requested_at = (time_t)db_column_int64(st, 6);
		r->decided_at = (time_t)db_column_int64(st, 7);
		r->shown_at = (time_t)db_column_int64(st, 8);
		rc = STORE_OK;
		break;
	case DB_DONE:
		break;
	default:
		rc = store_fail(s, "reveals_get");
	}
	db_reset(st);
	return rc;
}

/* Runs an UPDATE that must change exactly one row. */
static enum store_status
reveals_one(struct store *s, struct db_stmt *st, const char *what)
{
	int	 rc = db_step(st);

	db_reset(st);
	if (rc != DB_DONE)
		return store_fail(s, what);
	return store_changes(s) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

/* Records a decision. */
enum store_status
reveals_decide(struct store *s, int64_t id, int64_t staff, int approve,
    time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_rv_decide)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, staff);
	db_bind_text(st, 3, approve ? "approved" : "refused", -1,
	    DB_STATIC);
	db_bind_int64(st, 4, (int64_t)now);
	return reveals_one(s, st, "reveals_decide");
}

/* Spends an approved request. */
enum store_status
reveals_spend(struct store *s, int64_t id, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_rv_spend)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, (int64_t)now);
	return reveals_one(s, st, "reveals_spend");
}

/* Whether staff is a custodian. */
int
staff_is_custodian(struct store *s, int64_t staff)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_custodian_get)) == NULL)
		return -1;
	db_bind_int64(st, 1, staff);
	switch (db_step(st)) {
	case DB_ROW:
		rc = db_column_int(st, 0) != 0;
		break;
	case DB_DONE:
		rc = 0;
		break;
	default:
		(void)store_fail(s, "staff_is_custodian");
		rc = -1;
	}
	db_reset(st);
	return rc;
}

/* Lists the custodians over an area. */
enum store_status
staff_custodians(struct store *s, int64_t area, int64_t but, int64_t *staff,
    size_t n, size_t *count)
{
	struct db_stmt	*st;
	int		 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_custodians)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	db_bind_int64(st, 2, but);
	db_bind_int64(st, 3, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW)
		staff[(*count)++] = db_column_int64(st, 0);
	db_reset(st);
	if (*count < n && rc != DB_DONE)
		return store_fail(s, "staff_custodians");
	return STORE_OK;
}

/* Gives or takes the custodian duty. */
enum store_status
staff_set_custodian(struct store *s, int64_t staff, int on)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_custodian_set)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_int(st, 2, on != 0);
	return reveals_one(s, st, "staff_set_custodian");
}

/* Runs a statement bound to one id (and a time at ?2 unless now is 0)
 * to its end. */
static enum store_status
forget_run(struct store *s, const char *sql, int64_t id, time_t now)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (now != 0)
		db_bind_int64(st, 2, (int64_t)now);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : store_fail(s, "tips_forget");
}

/* Deletes reporter row rep when nothing needs it any more. */
static enum store_status
forget_reporter(struct store *s, int64_t rep)
{
	struct db_stmt		*st;
	enum store_status	 rc;
	int			 needed;

	if ((st = store_stmt(s, sql_forget_needed)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, rep);
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		return store_fail(s, "tips_forget");
	}
	needed = db_column_int(st, 0);
	db_reset(st);
	if (needed)
		return STORE_OK;	/* another tip: forgotten with the last */
	/* A sent message to the reporter names their row; it tells nothing
	 * once they are forgotten, and would keep the seal alive. */
	if ((rc = forget_run(s, sql_forget_outbox, rep, 0)) != STORE_OK)
		return rc;
	return forget_run(s, sql_forget_reporter, rep, 0);
}

/* Forgets the reporters of long-closed tips. */
enum store_status
tips_forget(struct store *s, int days, time_t now, long *n)
{
	int64_t			 tip[FORGET_BATCH], rep[FORGET_BATCH];
	struct db_stmt		*st;
	enum store_status	 rc = STORE_OK;
	size_t			 k, i;

	*n = 0;
	if (days <= 0)
		return STORE_OK;
	do {
		if ((rc = store_begin(s)) != STORE_OK)
			return rc;
		if ((st = store_stmt(s, sql_forget_due)) == NULL) {
			rc = STORE_ERROR;
			goto fail;
		}
		db_bind_int64(st, 1, (int64_t)(now -
		    (time_t)days * 86400));
		db_bind_int(st, 2, FORGET_BATCH);
		for (k = 0; k < FORGET_BATCH && db_step(st) == DB_ROW;
		    k++) {
			tip[k] = db_column_int64(st, 0);
			rep[k] = db_column_int64(st, 1);
		}
		db_reset(st);
		for (i = 0; i < k && rc == STORE_OK; i++) {
			if ((rc = forget_run(s, sql_forget_tip, tip[i],
			    0)) == STORE_OK &&
			    (rc = forget_run(s, sql_forget_event, tip[i],
			    now)) == STORE_OK)
				rc = forget_reporter(s, rep[i]);
		}
		if (rc != STORE_OK || (rc = store_commit(s)) != STORE_OK)
			goto fail;
		*n += (long)k;
	} while (k == FORGET_BATCH);
	return STORE_OK;
fail:
	store_rollback(s);
	return rc;
}

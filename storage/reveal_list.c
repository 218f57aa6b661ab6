/* The requests to see a reporter that wait for a decision. */
#include <stdio.h>
#include <string.h>

#include "reveal_list.h"
#include "store_int.h"

static const char *const sql_rv_pending =
    "SELECT v.id, t.ref, v.requested_by, coalesce(s.name, ''), v.reason,"
    " v.requested_at FROM reveals v JOIN tips t ON t.id = v.tip_id"
    " LEFT JOIN staff s ON s.id = v.requested_by"
    " LEFT JOIN areas a ON a.id = t.area_id JOIN areas r ON r.id = ?1"
    " WHERE v.decision IS NULL AND ((a.id IS NOT NULL AND"
    SQL_AREA_WITHIN("a", "r") ") OR (?2 <> 0 AND t.area_id IS NULL))"
    " ORDER BY v.id LIMIT ?3";
static const char *const sql_rv_last =
    "SELECT max(id) FROM reveals WHERE tip_id = ?1 AND requested_by = ?2";

/* Copies column i of st into out (len bytes). */
static void
reveal_list_text(struct db_stmt *st, int i, char *out, size_t len)
{
	const char	*v = (const char *)db_column_text(st, i);

	(void)snprintf(out, len, "%s", v != NULL ? v : "");
}

/* Lists the undecided requests. */
enum store_status
reveals_pending(struct store *s, int64_t scope, int unknown,
    struct reveal_pending *p, size_t n, size_t *count)
{
	struct db_stmt	*st;
	int		 rc;

	*count = 0;
	if ((st = store_stmt(s, sql_rv_pending)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, scope);
	db_bind_int(st, 2, unknown);
	db_bind_int64(st, 3, (int64_t)n);
	while ((rc = db_step(st)) == DB_ROW) {
		memset(&p[*count], 0, sizeof p[*count]);
		p[*count].id = db_column_int64(st, 0);
		reveal_list_text(st, 1, p[*count].ref, sizeof p[*count].ref);
		p[*count].requested_by = db_column_int64(st, 2);
		reveal_list_text(st, 3, p[*count].requested_by_name,
		    sizeof p[*count].requested_by_name);
		reveal_list_text(st, 4, p[*count].reason,
		    sizeof p[*count].reason);
		p[*count].requested_at = (time_t)db_column_int64(st, 5);
		(*count)++;
	}
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : store_fail(s, "reveals_pending");
}

/* Finds the newest request by staff for tip. */
enum store_status
reveals_last(struct store *s, int64_t tip, int64_t staff, int64_t *id)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_rv_last)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, staff);
	if (db_step(st) == DB_ROW &&
	    db_column_type(st, 0) != DB_NULL) {
		*id = db_column_int64(st, 0);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

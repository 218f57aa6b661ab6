/* Leads from group chatter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leads.h"
#include "store_int.h"

static const char *const sql_lead_add =
    "INSERT INTO leads (area_id, group_id, msg_key, phrase, body, created_at)"
    " VALUES (?1, (SELECT id FROM groups WHERE channel = ?2 AND chat_id = ?3),"
    " ?2 || ?8 || ?3 || ?8 || ?4, ?5, ?6, ?7)"
    " ON CONFLICT (msg_key) DO NOTHING RETURNING id";
static const char *const sql_lead_warn =
    "UPDATE groups SET warned_at = ?3 WHERE channel = ?1 AND chat_id = ?2"
    " AND (warned_at IS NULL OR warned_at <= ?4)";
static const char *const sql_lead_list =
    "SELECT l.id, coalesce(a.path, ''), coalesce(g.title, g.chat_id, ''),"
    " l.phrase, l.body, l.state, l.created_at FROM leads l"
    " LEFT JOIN areas a ON a.id = l.area_id"
    " LEFT JOIN groups g ON g.id = l.group_id"
    " WHERE (?1 = 0 OR EXISTS (SELECT 1 FROM areas r WHERE r.id = ?1"
    " AND" SQL_AREA_WITHIN("a", "r") ")) AND (?2 = 0 OR l.state = 'open')"
    " AND (?3 = 0 OR l.id < ?3) ORDER BY l.id DESC LIMIT ?4";
static const char *const sql_lead_close =
    "UPDATE leads SET state = 'closed' WHERE id = ?1 AND (?2 = 0 OR"
    " EXISTS (SELECT 1 FROM areas a, areas r WHERE a.id = leads.area_id"
    " AND r.id = ?2 AND" SQL_AREA_WITHIN("a", "r") "))"
    " RETURNING coalesce(area_id, 0)";

/* Stores a lead. */
enum store_status
leads_add(struct store *s, const struct lead_new *l, time_t now, int64_t *id)
{
	struct db_stmt	*st;
	int		 rc;

	*id = 0;
	if ((st = store_stmt(s, sql_lead_add)) == NULL)
		return STORE_ERROR;
	if (l->area_id != 0)
		db_bind_int64(st, 1, l->area_id);
	db_bind_text(st, 2, l->channel, -1, DB_STATIC);
	db_bind_text(st, 3, l->chat_id, -1, DB_STATIC);
	db_bind_text(st, 4, l->message_id, -1, DB_STATIC);
	db_bind_text(st, 5, l->phrase, -1, DB_STATIC);
	db_bind_text(st, 6, l->body, -1, DB_STATIC);
	db_bind_int64(st, 7, (int64_t)now);
	/* The key's separator, US (0x1f): bound, as the engines spell the
	 * character differently. */
	db_bind_text(st, 8, "\x1f", 1, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "leads_add");
}

/* Counts a group's warning if its window passed. */
int
leads_may_warn(struct store *s, const char *channel, const char *chat_id,
    int window, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_lead_warn)) == NULL)
		return -1;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, chat_id, -1, DB_STATIC);
	db_bind_int64(st, 3, (int64_t)now);
	db_bind_int64(st, 4, (int64_t)(now - window));
	if (db_step(st) != DB_DONE) {
		(void)store_fail(s, "leads_may_warn");
		return -1;
	}
	return store_changes(s) == 1;
}

/* Frees a lead's text. */
void
lead_row_clear(struct lead_row *l)
{
	free(l->body);
	memset(l, 0, sizeof *l);
}

/* Lists leads. */
enum store_status
leads_list(struct store *s, int64_t scope, int open_only, int64_t before,
    struct lead_row *out, size_t n, size_t *count)
{
	struct db_stmt	*st;
	struct lead_row	*l;
	int		 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_lead_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, scope);
	db_bind_int(st, 2, open_only);
	db_bind_int64(st, 3, before);
	db_bind_int64(st, 4, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		l = &out[(*count)++];
		memset(l, 0, sizeof *l);
		l->id = db_column_int64(st, 0);
		(void)snprintf(l->area_path, sizeof l->area_path, "%s",
		    (const char *)db_column_text(st, 1));
		(void)snprintf(l->group, sizeof l->group, "%s",
		    (const char *)db_column_text(st, 2));
		(void)snprintf(l->phrase, sizeof l->phrase, "%s",
		    (const char *)db_column_text(st, 3));
		l->body = store_column_dup(st, 4);
		(void)snprintf(l->state, sizeof l->state, "%s",
		    (const char *)db_column_text(st, 5));
		l->created_at = (time_t)db_column_int64(st, 6);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "leads_list");
}

/* Closes a lead. */
enum store_status
leads_close(struct store *s, int64_t id, int64_t scope, int64_t *area)
{
	struct db_stmt	*st;
	int		 rc;

	*area = 0;
	if ((st = store_stmt(s, sql_lead_close)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, scope);
	rc = db_step(st);
	if (rc == DB_ROW)
		*area = db_column_int64(st, 0);
	db_reset(st);
	if (rc == DB_ROW)
		return STORE_OK;
	return rc == DB_DONE ? STORE_NOT_FOUND : store_fail(s,
	    "leads_close");
}

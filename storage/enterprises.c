/* The enterprise registry and warning notices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enterprises.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "store_int.h"

static const char *const sql_ent_upsert_code =
    "INSERT INTO enterprises (uscc, name, name_key, address, area_id,"
    " risk_level, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, 'none'), ?7, ?7)"
    " ON CONFLICT (uscc) DO UPDATE SET name = excluded.name,"
    " name_key = excluded.name_key,"
    " address = coalesce(?4, enterprises.address),"
    " area_id = coalesce(?5, enterprises.area_id),"
    " risk_level = coalesce(?6, enterprises.risk_level), updated_at = ?7"
    " RETURNING id";
static const char *const sql_ent_by_name =
    "SELECT id FROM enterprises WHERE name = ?1 AND uscc IS NULL";
static const char *const sql_ent_insert_name =
    "INSERT INTO enterprises (name, name_key, address, area_id, risk_level,"
    " created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, coalesce(?5, 'none'), ?6, ?6) RETURNING id";
static const char *const sql_ent_update =
    "UPDATE enterprises SET address = coalesce(?2, address),"
    " area_id = coalesce(?3, area_id), risk_level = coalesce(?4, risk_level),"
    " updated_at = ?5 WHERE id = ?1";
static const char *const sql_notice_upsert =
    "INSERT INTO notices (issue, title, published_on, created_at, published_at)"
    " VALUES (?1, ?2, ?3, ?4, CASE WHEN CAST(?5 AS bigint) <> 0"
    " THEN CAST(?4 AS bigint) END)"
    " ON CONFLICT (issue) DO UPDATE SET title = coalesce(?2, notices.title),"
    " published_on = ?3, published_at = coalesce(notices.published_at,"
    " CASE WHEN CAST(?5 AS bigint) <> 0 THEN CAST(?4 AS bigint) END)"
    " RETURNING id";
static const char *const sql_notice_publish =
    "UPDATE notices SET published_at = coalesce(published_at, ?2)"
    " WHERE issue = ?1 RETURNING id";
static const char *const sql_notice_members =
    "SELECT enterprise_id FROM notice_enterprises WHERE notice_id = ?1";
static const char *const sql_notice_get =
    "SELECT id, coalesce(title, ''), published_on, coalesce(published_at, 0)"
    " FROM notices WHERE issue = ?1";
static const char *const sql_notice_list =
    "SELECT n.id, n.issue, coalesce(n.title, ''), n.published_on,"
    " coalesce(n.published_at, 0), (SELECT count(*) FROM notice_enterprises"
    " ne WHERE ne.notice_id = n.id) FROM notices n"
    " WHERE ?1 = 0 OR n.issue < ?1 ORDER BY n.issue DESC LIMIT ?2";
/* Names in the order of their bytes, as SQLite's BINARY collation sorts
 * them; PostgreSQL's is the database's locale unless told "C". */
#define SQL_NOTICE_ENTRIES \
    "SELECT e.name, e.uscc, ne.measure FROM notice_enterprises ne" \
    " JOIN enterprises e ON e.id = ne.enterprise_id WHERE ne.notice_id = ?1"
static const char *const sql_notice_entries =
    SQL_NOTICE_ENTRIES " ORDER BY e.name LIMIT 500";
static const char *const sql_pg_notice_entries =
    SQL_NOTICE_ENTRIES " ORDER BY e.name COLLATE \"C\" LIMIT 500";
static const char *const sql_notice_link =
    "INSERT INTO notice_enterprises (notice_id, enterprise_id, measure)"
    " VALUES (?1, ?2, ?3)"
    " ON CONFLICT (notice_id, enterprise_id) DO UPDATE SET measure = ?3";

/* Runs a prepared upsert ending in RETURNING id. */
static enum store_status
enterprises_returning(struct store *s, struct db_stmt *st, const char *what,
    int64_t *id)
{
	if (db_step(st) != DB_ROW)
		return store_fail(s, what);
	*id = db_column_int64(st, 0);
	db_reset(st);
	return STORE_OK;
}

/* Binds an area id, or NULL for none. */
static void
enterprises_bind_area(struct db_stmt *st, int i, int64_t area)
{
	if (area != 0)
		db_bind_int64(st, i, area);
	else
		db_bind_null(st, i);
}

/* Inserts or updates one enterprise and its index row. */
enum store_status
enterprises_put(struct store *s, const struct enterprise_in *e, time_t now,
    int64_t *id)
{
	char			 fold[NAME_MAX_BYTES], key[NAME_MAX_BYTES];
	struct db_stmt		*st;
	enum store_status	 rc;

	if (e->name == NULL || name_forms(e->name, fold, key, sizeof fold) == -1
	    || *fold == '\0')
		return STORE_INVALID;
	if (e->uscc != NULL && *e->uscc != '\0') {
		if ((st = store_stmt(s, sql_ent_upsert_code)) == NULL)
			return STORE_ERROR;
		db_bind_text(st, 1, e->uscc, -1, DB_STATIC);
		db_bind_text(st, 2, e->name, -1, DB_STATIC);
		db_bind_text(st, 3, key, -1, DB_STATIC);
		store_bind_text(st, 4, e->address);
		enterprises_bind_area(st, 5, e->area_id);
		store_bind_text(st, 6, e->risk_level);
		db_bind_int64(st, 7, (int64_t)now);
		rc = enterprises_returning(s, st, "enterprises_put", id);
	} else {
		if ((st = store_stmt(s, sql_ent_by_name)) == NULL)
			return STORE_ERROR;
		db_bind_text(st, 1, e->name, -1, DB_STATIC);
		if (db_step(st) == DB_ROW) {
			*id = db_column_int64(st, 0);
			db_reset(st);
			if ((st = store_stmt(s, sql_ent_update)) == NULL)
				return STORE_ERROR;
			db_bind_int64(st, 1, *id);
			store_bind_text(st, 2, e->address);
			if (e->area_id != 0)
				db_bind_int64(st, 3, e->area_id);
			store_bind_text(st, 4, e->risk_level);
			db_bind_int64(st, 5, (int64_t)now);
			if (db_step(st) != DB_DONE)
				return store_fail(s, "enterprises_put");
			rc = STORE_OK;
		} else {
			db_reset(st);
			if ((st = store_stmt(s, sql_ent_insert_name)) == NULL)
				return STORE_ERROR;
			db_bind_text(st, 1, e->name, -1, DB_STATIC);
			db_bind_text(st, 2, key, -1, DB_STATIC);
			store_bind_text(st, 3, e->address);
			enterprises_bind_area(st, 4, e->area_id);
			store_bind_text(st, 5, e->risk_level);
			db_bind_int64(st, 6, (int64_t)now);
			rc = enterprises_returning(s, st, "enterprises_put", id);
		}
	}
	if (rc != STORE_OK)
		return rc;
	return search_reindex(s, *id);
}

/* Creates or updates a notice. */
enum store_status
notices_put(struct store *s, int issue, const char *date, const char *title,
    int publish, time_t now, int64_t *id)
{
	struct db_stmt	*st;

	if (issue <= 0 || date == NULL || *date == '\0')
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_notice_upsert)) == NULL)
		return STORE_ERROR;
	db_bind_int(st, 1, issue);
	store_bind_text(st, 2, title);
	db_bind_text(st, 3, date, -1, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)now);
	db_bind_int(st, 5, publish);
	return enterprises_returning(s, st, "notices_put", id);
}

/* Lists an enterprise on a notice and flags it in the index. */
enum store_status
notices_link(struct store *s, int64_t notice, int64_t enterprise,
    const char *measure)
{
	static const char *const measures[] = { "admonished", "warned",
	    "penalty", "criminal", "deregistered", "shut", "listed", NULL };
	const char *const *m;
	struct db_stmt *st;

	for (m = measures; *m != NULL; m++)
		if (measure != NULL && strcmp(*m, measure) == 0)
			break;
	if (*m == NULL)
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_notice_link)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, notice);
	db_bind_int64(st, 2, enterprise);
	db_bind_text(st, 3, measure, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "notices_link");
	return search_reindex(s, enterprise);
}

/* Publishes a notice and flags its enterprises in the index. */
enum store_status
notices_publish(struct store *s, int issue, time_t now, int64_t *id)
{
	struct db_stmt		*st;
	int64_t			 ids[500];
	size_t			 n = 0, i;
	enum store_status	 rc;
	int			 r;

	if ((st = store_stmt(s, sql_notice_publish)) == NULL)
		return STORE_ERROR;
	db_bind_int(st, 1, issue);
	db_bind_int64(st, 2, (int64_t)now);
	r = db_step(st);
	if (r != DB_ROW) {
		db_reset(st);
		return r == DB_DONE ? STORE_NOT_FOUND :
		    store_fail(s, "notices_publish");
	}
	*id = db_column_int64(st, 0);
	db_reset(st);
	if ((st = store_stmt(s, sql_notice_members)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, *id);
	while (n < sizeof ids / sizeof ids[0] && db_step(st) == DB_ROW)
		ids[n++] = db_column_int64(st, 0);
	db_reset(st);
	for (i = 0; i < n; i++)
		if ((rc = search_reindex(s, ids[i])) != STORE_OK)
			return rc;
	return STORE_OK;
}

/* Reads a notice and its enterprises. */
enum store_status
notices_get(struct store *s, int issue, struct notice_info *out)
{
	struct db_stmt	*st;
	int64_t		 id;
	size_t		 cap = 0;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, sql_notice_get)) == NULL)
		return STORE_ERROR;
	db_bind_int(st, 1, issue);
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		return STORE_NOT_FOUND;
	}
	id = db_column_int64(st, 0);
	out->issue = issue;
	out->title = store_column_dup(st, 1);
	out->date = store_column_dup(st, 2);
	out->published_at = (time_t)db_column_int64(st, 3);
	db_reset(st);
	if ((st = store_stmt(s, s->pg != NULL ? sql_pg_notice_entries :
	    sql_notice_entries)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	while (db_step(st) == DB_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->entries = xrealloc(out->entries,
			    cap * sizeof *out->entries);
		}
		out->entries[out->n].name = store_column_dup(st, 0);
		out->entries[out->n].uscc = store_column_dup(st, 1);
		out->entries[out->n].measure = store_column_dup(st, 2);
		out->n++;
	}
	db_reset(st);
	return STORE_OK;
}

/* Frees a notice's strings. */
void
notice_info_clear(struct notice_info *n)
{
	size_t	 i;

	for (i = 0; i < n->n; i++) {
		free(n->entries[i].name);
		free(n->entries[i].uscc);
		free(n->entries[i].measure);
	}
	free(n->entries);
	free(n->title);
	free(n->date);
	memset(n, 0, sizeof *n);
}

/* Lists notices, newest issue first. */
enum store_status
notices_list(struct store *s, int before, struct notice_row *out, size_t n,
    size_t *count)
{
	struct notice_row	*r;
	struct db_stmt		*st;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_notice_list)) == NULL)
		return STORE_ERROR;
	db_bind_int(st, 1, before);
	db_bind_int64(st, 2, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		r = &out[(*count)++];
		memset(r, 0, sizeof *r);
		r->id = db_column_int64(st, 0);
		r->issue = db_column_int(st, 1);
		(void)snprintf(r->title, sizeof r->title, "%s",
		    (const char *)db_column_text(st, 2));
		(void)snprintf(r->date, sizeof r->date, "%s",
		    (const char *)db_column_text(st, 3));
		r->published_at = (time_t)db_column_int64(st, 4);
		r->enterprises = (long)db_column_int64(st, 5);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "notices_list");
}

/* The area tree: creating paths, finding them, and contacts up the tree. */
#include <stdlib.h>
#include <string.h>

#include "areas.h"
#include "messages/xmalloc.h"
#include "store_int.h"

static const char *const sql_area_get =
    "SELECT id FROM areas WHERE path = ?1";
static const char *const sql_area_insert =
    "INSERT INTO areas (parent_id, name, level, path) VALUES (?1, ?2, ?3, ?4)"
    " RETURNING id";
static const char *const sql_area_update =
    "UPDATE areas SET households = coalesce(?2, households),"
    " liaison = coalesce(?3, liaison), phone = coalesce(?4, phone)"
    " WHERE id = ?1";
static const char *const sql_area_suffix =
    "SELECT id FROM areas WHERE path = ?1 OR path LIKE ?2 ESCAPE '\\' LIMIT 2";
static const char *const sql_area_row =
    "SELECT path, liaison, phone, parent_id FROM areas WHERE id = ?1";

/* Looks up one exact path. */
static enum store_status
areas_get(struct store *s, const char *path, int64_t *id)
{
	struct db_stmt	*st = store_stmt(s, sql_area_get);
	int		 rc;

	if (st == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, path, -1, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_column_int64(st, 0);
		db_reset(st);
		return STORE_OK;
	}
	if (rc == DB_DONE)
		return STORE_NOT_FOUND;
	return store_fail(s, "areas_get");
}

/* Creates path (and parents) or updates its data. */
enum store_status
areas_put(struct store *s, const char *path, long households,
    const char *liaison, const char *phone, int64_t *id)
{
	char			 prefix[AREA_PATH_MAX];
	const char		*p = path, *slash, *name;
	int64_t			 parent = 0, cur = 0;
	int			 level = 0;
	struct db_stmt		*st;
	enum store_status	 rc;

	if (*path == '\0' || strlen(path) >= sizeof prefix || *path == '/')
		return STORE_INVALID;
	for (;;) {
		slash = strchr(p, '/');
		if (slash == p || ++level > AREA_LEVEL_MAX)
			return STORE_INVALID;
		name = p;
		memcpy(prefix, path, (size_t)((slash ? slash : p + strlen(p)) - path));
		prefix[(slash ? slash : p + strlen(p)) - path] = '\0';
		rc = areas_get(s, prefix, &cur);
		if (rc == STORE_NOT_FOUND) {
			if ((st = store_stmt(s, sql_area_insert)) == NULL)
				return STORE_ERROR;
			if (parent)
				db_bind_int64(st, 1, parent);
			db_bind_text(st, 2, name, slash ? (int)(slash - name) :
			    -1, DB_TRANSIENT);
			db_bind_int(st, 3, level);
			db_bind_text(st, 4, prefix, -1, DB_TRANSIENT);
			if (db_step(st) != DB_ROW)
				return store_fail(s, "areas_put");
			cur = db_column_int64(st, 0);
			db_reset(st);
		} else if (rc != STORE_OK)
			return rc;
		parent = cur;
		if (slash == NULL)
			break;
		p = slash + 1;
		if (*p == '\0')
			return STORE_INVALID;
	}
	if ((st = store_stmt(s, sql_area_update)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, cur);
	if (households >= 0)
		db_bind_int64(st, 2, households);
	store_bind_text(st, 3, liaison);
	store_bind_text(st, 4, phone);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "areas_put");
	*id = cur;
	return STORE_OK;
}

/* Finds a path, or a unique path ending in it. */
enum store_status
areas_find(struct store *s, const char *path, int64_t *id)
{
	struct db_stmt	*st;
	char		*like;
	const char	*p;
	size_t		 o = 0;
	int		 rows = 0;

	if (areas_get(s, path, id) == STORE_OK)
		return STORE_OK;
	like = xmalloc(strlen(path) * 2 + 3);
	like[o++] = '%';
	like[o++] = '/';
	for (p = path; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			like[o++] = '\\';
		like[o++] = *p;
	}
	like[o] = '\0';
	if ((st = store_stmt(s, sql_area_suffix)) == NULL) {
		free(like);
		return STORE_ERROR;
	}
	db_bind_text(st, 1, path, -1, DB_STATIC);
	db_bind_text(st, 2, like, -1, DB_STATIC);
	while (db_step(st) == DB_ROW) {
		*id = db_column_int64(st, 0);
		rows++;
	}
	db_reset(st);
	free(like);
	return rows == 1 ? STORE_OK : STORE_NOT_FOUND;
}

/* Walks up from id to the nearest liaison. */
enum store_status
areas_contact(struct store *s, int64_t id, struct area_contact *c)
{
	struct db_stmt	*st;
	int		 depth;

	memset(c, 0, sizeof *c);
	for (depth = 0; id != 0 && depth < AREA_LEVEL_MAX; depth++) {
		if ((st = store_stmt(s, sql_area_row)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, id);
		if (db_step(st) != DB_ROW) {
			db_reset(st);
			break;
		}
		if (c->path == NULL)
			c->path = store_column_dup(st, 0);
		if (db_column_type(st, 1) != DB_NULL) {
			c->liaison = store_column_dup(st, 1);
			c->phone = store_column_dup(st, 2);
			db_reset(st);
			return STORE_OK;
		}
		id = db_column_int64(st, 3);
		db_reset(st);
	}
	return c->path != NULL ? STORE_OK : STORE_NOT_FOUND;
}

/* Frees a contact's strings. */
void
area_contact_clear(struct area_contact *c)
{
	free(c->path);
	free(c->liaison);
	free(c->phone);
	memset(c, 0, sizeof *c);
}

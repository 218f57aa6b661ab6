/*
 * fangfei migrate --from-sqlite: a district's SQLite database copied into
 * an empty PostgreSQL database at the same schema version.
 *
 * The tables come from SQLite's own catalogue (sqlite_master), not from a
 * list kept here, and are matched one for one, column for column, against
 * PostgreSQL's: a table added to the schema later is copied, or the copy
 * stops naming it, but is never silently left behind. The one exception
 * is SQLite's full-text index (a virtual table and its shadow tables),
 * which PostgreSQL does not have in that form: it is rebuilt on the
 * target through search_reindex(), as an import would.
 *
 * Everything happens in one write transaction on the target: rows keep
 * their ids (identity columns take them with OVERRIDING SYSTEM VALUE),
 * tables go in the order of their foreign keys, every identity sequence
 * is set past the highest id, the row counts of both sides are compared,
 * and the reporter key is checked against the copied check value before
 * the commit. Any failure rolls the whole back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "copy.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "store_int.h"

struct copy_table {
	char		*name;
	char		**cols;
	int		 ncols;
	int		*bytea;		/* per column: bytea on PostgreSQL */
	char		**refs;		/* tables its foreign keys name */
	int		 nrefs;
	int		 done;
	long		 rows;
};

struct copy {
	struct store		*src, *dst;
	struct copy_table	*t;
	size_t			 n;
	char			*cause;
};

/* Records the first failure (the message is taken). Returns -1. */
static int
copy_fail(struct copy *c, char *msg)
{
	if (c->cause == NULL)
		c->cause = msg;
	else
		free(msg);
	return -1;
}

/* Frees the table list. */
static void
copy_tables_free(struct copy *c)
{
	size_t	 i;
	int	 j;

	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->t[i].ncols; j++)
			free(c->t[i].cols[j]);
		for (j = 0; j < c->t[i].nrefs; j++)
			free(c->t[i].refs[j]);
		free(c->t[i].cols);
		free(c->t[i].bytea);
		free(c->t[i].refs);
		free(c->t[i].name);
	}
	free(c->t);
	c->t = NULL;
	c->n = 0;
}

/* Finds a table of the list by name. */
static struct copy_table *
copy_find(struct copy *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->t[i].name, name) == 0)
			return &c->t[i];
	return NULL;
}

/* Reads the text column i of a SQLite row as a new string. */
static char *
copy_lite_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return xstrdup(v != NULL ? (const char *)v : "");
}

/*
 * Whether name belongs to a full-text index: one of the virtual tables
 * in virt (n of them) or a shadow table of one (NAME_data, NAME_idx…).
 */
static int
copy_is_index(char **virt, size_t n, const char *name)
{
	size_t	 i, len;

	for (i = 0; i < n; i++) {
		len = strlen(virt[i]);
		if (strcmp(name, virt[i]) == 0 || (strncmp(name, virt[i],
		    len) == 0 && name[len] == '_'))
			return 1;
	}
	return 0;
}

/* Reads one PRAGMA's column col of every row into *out (*n of them). */
static int
copy_lite_pragma(struct copy *c, const char *pragma, const char *table,
    int col, char ***out, int *n)
{
	sqlite3_stmt	*st = NULL;
	char		*sql;
	int		 rc;

	sql = xasprintf("PRAGMA %s(\"%s\")", pragma, table);
	rc = sqlite3_prepare_v2(c->src->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return copy_fail(c, xasprintf("%s %s: %s", pragma, table,
		    sqlite3_errmsg(c->src->db)));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
		(*out)[(*n)++] = copy_lite_text(st, col);
	}
	if (rc != SQLITE_DONE) {
		copy_fail(c, xasprintf("%s %s: %s", pragma, table,
		    sqlite3_errmsg(c->src->db)));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* The tables of the SQLite schema, with their columns and references. */
static int
copy_lite_tables(struct copy *c)
{
	sqlite3_stmt	*st = NULL;
	char		**names = NULL, **virt = NULL, *sql;
	size_t		 nnames = 0, nvirt = 0, i;
	int		 rc = -1, step;

	if (sqlite3_prepare_v2(c->src->db, "SELECT name, sql FROM"
	    " sqlite_master WHERE type = 'table' AND name NOT LIKE"
	    " 'sqlite\\_%' ESCAPE '\\' ORDER BY name", -1, &st, NULL) !=
	    SQLITE_OK) {
		copy_fail(c, xasprintf("sqlite_master: %s",
		    sqlite3_errmsg(c->src->db)));
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sql = copy_lite_text(st, 1);
		if (strncmp(sql, "CREATE VIRTUAL TABLE", 20) == 0) {
			virt = xrealloc(virt, (nvirt + 1) * sizeof *virt);
			virt[nvirt++] = copy_lite_text(st, 0);
		} else {
			names = xrealloc(names, (nnames + 1) * sizeof *names);
			names[nnames++] = copy_lite_text(st, 0);
		}
		free(sql);
	}
	if (step != SQLITE_DONE) {
		copy_fail(c, xasprintf("sqlite_master: %s",
		    sqlite3_errmsg(c->src->db)));
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		struct copy_table	*t;

		if (copy_is_index(virt, nvirt, names[i]))
			continue;
		if (strchr(names[i], '"') != NULL) {
			copy_fail(c, xasprintf("table name %s: a quote",
			    names[i]));
			goto out;
		}
		c->t = xrealloc(c->t, (c->n + 1) * sizeof *c->t);
		t = &c->t[c->n++];
		memset(t, 0, sizeof *t);
		t->name = xstrdup(names[i]);
		if (copy_lite_pragma(c, "table_info", t->name, 1, &t->cols,
		    &t->ncols) == -1 || copy_lite_pragma(c,
		    "foreign_key_list", t->name, 2, &t->refs, &t->nrefs) == -1)
			goto out;
		t->bytea = xcalloc((size_t)t->ncols + 1, sizeof *t->bytea);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	for (i = 0; i < nvirt; i++)
		free(virt[i]);
	free(names);
	free(virt);
	return rc;
}

/* Runs a query on the target with up to one text parameter; NULL after
 * recording why. */
static PGresult *
copy_pg_query(struct copy *c, const char *sql, const char *param)
{
	PGresult	*res;

	res = PQexecParams(c->dst->pg, sql, param != NULL ? 1 : 0, NULL,
	    param != NULL ? &param : NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		copy_fail(c, xasprintf("%s", PQresultErrorMessage(res)));
		c->cause[strcspn(c->cause, "\n")] = '\0';
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * Matches the list against PostgreSQL's tables and columns, both ways,
 * and notes which columns are bytea there.
 */
static int
copy_match(struct copy *c)
{
	PGresult		*res = NULL;
	struct copy_table	*t;
	size_t			 i;
	int			 r, j, found, rc = -1;

	/* The schema version and the name search's own tables (storage/
	 * search.c: rebuilt from the registry below) have no source. */
	if ((res = copy_pg_query(c, "SELECT table_name FROM"
	    " information_schema.tables WHERE table_schema = current_schema()"
	    " AND table_type = 'BASE TABLE' AND table_name NOT IN"
	    " ('fangfei_schema', 'enterprise_grams', 'enterprise_folds')",
	    NULL)) == NULL)
		goto out;
	for (r = 0; r < PQntuples(res); r++)
		if (copy_find(c, PQgetvalue(res, r, 0)) == NULL) {
			copy_fail(c, xasprintf("目标表 %s 在源库中没有 the "
			    "target's table %s is not in the source",
			    PQgetvalue(res, r, 0), PQgetvalue(res, r, 0)));
			goto out;
		}
	if ((size_t)PQntuples(res) != c->n) {
		for (i = 0; i < c->n; i++) {
			for (found = 0, r = 0; r < PQntuples(res); r++)
				found |= strcmp(c->t[i].name,
				    PQgetvalue(res, r, 0)) == 0;
			if (!found) {
				copy_fail(c, xasprintf("源表 %s 在目标库中没有 "
				    "the source's table %s is not in the "
				    "target", c->t[i].name, c->t[i].name));
				goto out;
			}
		}
	}
	PQclear(res);
	res = NULL;
	for (i = 0; i < c->n; i++) {
		t = &c->t[i];
		if ((res = copy_pg_query(c, "SELECT column_name, data_type"
		    " FROM information_schema.columns WHERE table_schema ="
		    " current_schema() AND table_name = $1", t->name)) == NULL)
			goto out;
		if (PQntuples(res) != t->ncols) {
			copy_fail(c, xasprintf("%s: 列数不同 %d columns in the "
			    "source, %d in the target", t->name, t->ncols,
			    PQntuples(res)));
			goto out;
		}
		for (j = 0; j < t->ncols; j++) {
			for (found = 0, r = 0; r < PQntuples(res); r++)
				if (strcmp(PQgetvalue(res, r, 0),
				    t->cols[j]) == 0) {
					found = 1;
					t->bytea[j] = strcmp(PQgetvalue(res, r,
					    1), "bytea") == 0;
				}
			if (!found) {
				copy_fail(c, xasprintf("%s.%s: 目标库没有此列 "
				    "not in the target", t->name, t->cols[j]));
				goto out;
			}
		}
		PQclear(res);
		res = NULL;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/*
 * Tables whose rows the migrations themselves put in (a counter's one
 * row): a new target has them, and the source's take their place.
 */
static const char *const copy_seeded[] = { "search_flags_generation", NULL };

/* Whether the migrations seed table name. */
static int
copy_is_seeded(const char *name)
{
	size_t	 i;

	for (i = 0; copy_seeded[i] != NULL; i++)
		if (strcmp(copy_seeded[i], name) == 0)
			return 1;
	return 0;
}

/* Refuses a target that holds any row but the seeded ones, and clears
 * those. */
static int
copy_empty(struct copy *c)
{
	PGresult	*res;
	char		*sql;
	size_t		 i;
	int		 rows;

	for (i = 0; i < c->n; i++) {
		if (copy_is_seeded(c->t[i].name)) {
			sql = xasprintf("DELETE FROM \"%s\"", c->t[i].name);
			res = copy_pg_query(c, sql, NULL);
			free(sql);
			if (res == NULL)
				return -1;
			PQclear(res);
			continue;
		}
		sql = xasprintf("SELECT 1 FROM \"%s\" LIMIT 1", c->t[i].name);
		res = copy_pg_query(c, sql, NULL);
		free(sql);
		if (res == NULL)
			return -1;
		rows = PQntuples(res);
		PQclear(res);
		if (rows > 0)
			return copy_fail(c, xasprintf("目标库不是空的（表 %s 已有"
			    "数据）the target is not empty: %s has rows",
			    c->t[i].name, c->t[i].name));
	}
	return 0;
}

/* The next table whose referenced tables are all copied, or NULL. */
static struct copy_table *
copy_next(struct copy *c)
{
	struct copy_table	*t, *ref;
	size_t			 i;
	int			 j, ready;

	for (i = 0; i < c->n; i++) {
		t = &c->t[i];
		if (t->done)
			continue;
		for (ready = 1, j = 0; j < t->nrefs && ready; j++) {
			ref = copy_find(c, t->refs[j]);
			ready = ref == NULL || ref == t || ref->done;
		}
		if (ready)
			return t;
	}
	return NULL;
}

/*
 * Copies one table's rows, in SQLite's order (a table that names itself,
 * such as areas, has its parents first: they were made first). Integers
 * and texts travel as text, reals with every digit, blobs and the values
 * of bytea columns in binary.
 */
static int
copy_rows(struct copy *c, struct copy_table *t)
{
	struct buf	 sel, ins;
	sqlite3_stmt	*st = NULL;
	PGresult	*res = NULL;
	const char	**vals = NULL;
	char		**owned = NULL;
	int		*lens = NULL, *fmts = NULL, j, rc = -1, step;

	/* Far above any table's column list. */
	buf_init(&sel, 64 * 1024);
	buf_init(&ins, 64 * 1024);
	(void)buf_addf(&sel, "SELECT ");
	(void)buf_addf(&ins, "INSERT INTO \"%s\" (", t->name);
	for (j = 0; j < t->ncols; j++) {
		(void)buf_addf(&sel, "%s\"%s\"", j ? ", " : "", t->cols[j]);
		(void)buf_addf(&ins, "%s\"%s\"", j ? ", " : "", t->cols[j]);
	}
	(void)buf_addf(&sel, " FROM \"%s\"", t->name);
	(void)buf_addf(&ins, ") OVERRIDING SYSTEM VALUE VALUES (");
	for (j = 0; j < t->ncols; j++)
		(void)buf_addf(&ins, "%s$%d", j ? ", " : "", j + 1);
	(void)buf_addf(&ins, ")");
	if (sqlite3_prepare_v2(c->src->db, sel.data, -1, &st, NULL) !=
	    SQLITE_OK) {
		copy_fail(c, xasprintf("%s: %s", t->name,
		    sqlite3_errmsg(c->src->db)));
		goto out;
	}
	res = PQprepare(c->dst->pg, "fangfei_copy", ins.data, t->ncols, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		copy_fail(c, xasprintf("%s: %s", t->name,
		    PQresultErrorMessage(res)));
		goto out;
	}
	PQclear(res);
	res = NULL;
	vals = xcalloc((size_t)t->ncols, sizeof *vals);
	owned = xcalloc((size_t)t->ncols, sizeof *owned);
	lens = xcalloc((size_t)t->ncols, sizeof *lens);
	fmts = xcalloc((size_t)t->ncols, sizeof *fmts);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (j = 0; j < t->ncols; j++) {
			free(owned[j]);
			owned[j] = NULL;
			vals[j] = NULL;
			lens[j] = 0;
			fmts[j] = 0;
			switch (sqlite3_column_type(st, j)) {
			case SQLITE_NULL:
				continue;
			case SQLITE_FLOAT:
				owned[j] = xasprintf("%.17g",
				    sqlite3_column_double(st, j));
				vals[j] = owned[j];
				continue;
			case SQLITE_BLOB:
				vals[j] = sqlite3_column_blob(st, j);
				lens[j] = sqlite3_column_bytes(st, j);
				fmts[j] = 1;
				if (vals[j] == NULL)
					vals[j] = "";
				continue;
			default:
				vals[j] = (const char *)sqlite3_column_text(st,
				    j);
				lens[j] = sqlite3_column_bytes(st, j);
				fmts[j] = t->bytea[j];
			}
		}
		res = PQexecPrepared(c->dst->pg, "fangfei_copy", t->ncols,
		    vals, lens, fmts, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			copy_fail(c, xasprintf("%s: %s", t->name,
			    PQresultErrorMessage(res)));
			c->cause[strcspn(c->cause, "\n")] = '\0';
			goto out;
		}
		PQclear(res);
		res = NULL;
		t->rows++;
	}
	if (step != SQLITE_DONE) {
		copy_fail(c, xasprintf("%s: %s", t->name,
		    sqlite3_errmsg(c->src->db)));
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	res = PQexec(c->dst->pg, "DEALLOCATE fangfei_copy");
	PQclear(res);
	sqlite3_finalize(st);
	for (j = 0; owned != NULL && j < t->ncols; j++)
		free(owned[j]);
	free(owned);
	free(vals);
	free(lens);
	free(fmts);
	buf_free(&sel);
	buf_free(&ins);
	return rc;
}

/* The number of rows of a table on the target, or -1 after recording
 * why. */
static long
copy_pg_count(struct copy *c, const char *table)
{
	PGresult	*res;
	char		*sql = xasprintf("SELECT count(*) FROM \"%s\"", table);
	long		 n = -1;

	if ((res = copy_pg_query(c, sql, NULL)) != NULL) {
		n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	free(sql);
	return n;
}

/* The number of rows of a table in the source, or -1 after recording
 * why. */
static long
copy_lite_count(struct copy *c, const char *table)
{
	sqlite3_stmt	*st = NULL;
	char		*sql = xasprintf("SELECT count(*) FROM \"%s\"", table);
	long		 n = -1;

	if (sqlite3_prepare_v2(c->src->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else
		copy_fail(c, xasprintf("%s: %s", table,
		    sqlite3_errmsg(c->src->db)));
	sqlite3_finalize(st);
	free(sql);
	return n;
}

/* Sets every identity sequence of the target past its table's highest
 * id, so the next row made there takes a new one. */
static int
copy_sequences(struct copy *c)
{
	PGresult	*res, *set;
	char		*sql;
	int		 r, rc = 0;

	if ((res = copy_pg_query(c, "SELECT table_name, column_name FROM"
	    " information_schema.columns WHERE table_schema = current_schema()"
	    " AND is_identity = 'YES'", NULL)) == NULL)
		return -1;
	for (r = 0; r < PQntuples(res) && rc == 0; r++) {
		sql = xasprintf("SELECT setval(pg_get_serial_sequence('\"%s\"',"
		    " '%s'), coalesce(max(\"%s\"), 0) + 1, false) FROM \"%s\"",
		    PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
		    PQgetvalue(res, r, 1), PQgetvalue(res, r, 0));
		if ((set = copy_pg_query(c, sql, NULL)) == NULL)
			rc = -1;
		PQclear(set);
		free(sql);
	}
	PQclear(res);
	return rc;
}

/* Rebuilds the target's search index from the copied registry. */
static int
copy_reindex(struct copy *c, long *n)
{
	struct db_stmt		*st;
	enum store_status	 rs;
	int64_t			*ids = NULL;
	size_t			 nids = 0, i;
	int			 rc = -1, step;

	*n = 0;
	if ((st = store_prepare(c->dst, "SELECT id FROM enterprises"
	    " ORDER BY id")) == NULL)
		return copy_fail(c, xasprintf("enterprises: %s",
		    store_errmsg(c->dst)));
	while ((step = db_step(st)) == DB_ROW) {
		ids = xrealloc(ids, (nids + 1) * sizeof *ids);
		ids[nids++] = db_column_int64(st, 0);
	}
	db_finalize(st);
	/* A failed read is no empty registry: the index would be left
	 * without the copied enterprises. */
	if (step != DB_DONE) {
		rs = store_fail(c->dst, "enterprises");
		copy_fail(c, xasprintf("search index: %s (%s)",
		    store_strerror(rs), store_errmsg(c->dst)));
		goto out;
	}
	for (i = 0; i < nids; i++)
		if ((rs = search_reindex(c->dst, ids[i])) != STORE_OK) {
			copy_fail(c, xasprintf("search index, enterprise %lld: "
			    "%s (%s)", (long long)ids[i], store_strerror(rs),
			    store_errmsg(c->dst)));
			goto out;
		}
	*n = (long)nids;
	rc = 0;
out:
	free(ids);
	return rc;
}

/* Copies every table, then checks and prints the counts. */
static int
copy_all(struct copy *c, FILE *out)
{
	struct copy_table	*t;
	size_t			 i;
	long			 src, dst, indexed;

	if (copy_empty(c) == -1)
		return -1;
	while ((t = copy_next(c)) != NULL) {
		if (copy_rows(c, t) == -1)
			return -1;
		t->done = 1;
	}
	for (i = 0; i < c->n; i++)
		if (!c->t[i].done)
			return copy_fail(c, xasprintf("%s: 外键成环 its foreign "
			    "keys go round in a circle", c->t[i].name));
	if (copy_sequences(c) == -1 || copy_reindex(c, &indexed) == -1)
		return -1;
	fprintf(out, "  %-28s %10s %10s\n", "表 table", "源 source",
	    "目标 target");
	for (i = 0; i < c->n; i++) {
		t = &c->t[i];
		src = copy_lite_count(c, t->name);
		dst = copy_pg_count(c, t->name);
		if (src < 0 || dst < 0 || src != dst || src != t->rows) {
			fprintf(out, "  %-28s %10ld %10ld  不一致 MISMATCH\n",
			    t->name, src, dst);
			return copy_fail(c, xasprintf("%s: %ld 行 rows in the "
			    "source, %ld in the target", t->name, src, dst));
		}
		fprintf(out, "  %-28s %10ld %10ld  一致 match\n", t->name, src,
		    dst);
	}
	fprintf(out, "  搜索索引 search index: %ld 家企业 enterprises\n",
	    indexed);
	return 0;
}

/* Copies file into url (see copy.h). */
int
copy_from_sqlite(const char *file, const char *url,
    const uint8_t key[STORE_KEY_LEN], FILE *out, char **cause)
{
	struct copy		 c;
	enum keycheck_result	 kr;
	char			*err = NULL, *shown, *url_shown;
	long			 sealed = 0;
	int			 rc = -1, began = 0;

	memset(&c, 0, sizeof c);
	/* Either may be a URL typed in the other's place, password and all. */
	shown = store_shown(file);
	url_shown = store_shown(url);
	if (store_is_pg_url(file)) {
		copy_fail(&c, xasprintf("%s: 源库须是 SQLite 文件 the source "
		    "must be a SQLite file", shown));
		goto out;
	}
	if (!store_is_pg_url(url)) {
		copy_fail(&c, xasprintf("%s: 目标须是 PostgreSQL the target "
		    "must be a postgresql:// URL ([storage] url)", url_shown));
		goto out;
	}
	/* store_open() would make a new, empty file. */
	if (access(file, R_OK) == -1) {
		copy_fail(&c, xasprintf("%s: 源库不存在或不可读 cannot be read",
		    shown));
		goto out;
	}
	/* Without STORE_MIGRATE the source must be at this program's
	 * version already: its copy is then at the target's. */
	if ((c.src = store_open(file, key, 0, &err)) == NULL) {
		copy_fail(&c, xasprintf("源库 source: %s; 源库须先升级 "
		    "upgrade the file first: fangfei migrate --db %s", err,
		    shown));
		goto out;
	}
	kr = store_key_verify(c.src, 0, &sealed);
	if (kr != KEYCHECK_OK) {
		copy_fail(&c, xasprintf("举报人密钥打不开源库中的 %ld 条加密信息 "
		    "the reporter key does not open the source's %ld sealed "
		    "identities (%s)", sealed, sealed, kr == KEYCHECK_ERROR ?
		    store_errmsg(c.src) : "another key"));
		goto out;
	}
	if ((c.dst = store_open(url, key, STORE_MIGRATE, &err)) == NULL) {
		copy_fail(&c, xasprintf("目标库 target: %s", err));
		goto out;
	}
	if (store_version(c.src) != store_version(c.dst)) {
		copy_fail(&c, xasprintf("源库版本 %d 与目标库 %d 不同 the source "
		    "is at schema %d, the target at %d", store_version(c.src),
		    store_version(c.dst), store_version(c.src),
		    store_version(c.dst)));
		goto out;
	}
	if (copy_lite_tables(&c) == -1 || copy_match(&c) == -1)
		goto out;
	/* The rows go through libpq directly: the BEGIN first. */
	if (store_begin(c.dst) != STORE_OK || (pg_begun(c.dst) != DB_OK &&
	    store_fail(c.dst, "begin") != STORE_OK)) {
		copy_fail(&c, xasprintf("begin: %s", store_errmsg(c.dst)));
		goto out;
	}
	began = 1;
	if (copy_all(&c, out) == -1)
		goto out;
	/* The check value came with the rows: the key must match it there
	 * too before anything is kept. */
	if ((kr = store_key_verify(c.dst, 0, &sealed)) != KEYCHECK_OK) {
		copy_fail(&c, xasprintf("目标库的密钥检查失败 the key check on "
		    "the target failed (%s)", kr == KEYCHECK_ERROR ?
		    store_errmsg(c.dst) : "another key"));
		goto out;
	}
	if (store_commit(c.dst) != STORE_OK) {
		began = 0;
		copy_fail(&c, xasprintf("commit: %s", store_errmsg(c.dst)));
		goto out;
	}
	began = 0;
	rc = 0;
out:
	if (began)
		store_rollback(c.dst);
	if (rc == -1)
		*cause = c.cause;
	else
		free(c.cause);
	free(err);
	free(shown);
	free(url_shown);
	copy_tables_free(&c);
	store_close(c.src);
	store_close(c.dst);
	return rc;
}

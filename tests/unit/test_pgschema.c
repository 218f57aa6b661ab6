/*
 * The two schemas cannot drift apart: a database migrated on SQLite and
 * one migrated on PostgreSQL are described the same way, line by line,
 * and the descriptions must be equal. Described: every table, its columns
 * in order with their type (SQLite's INTEGER, TEXT and BLOB are bigint,
 * text and bytea) and NOT NULL, the primary key, each set of columns kept
 * unique, each foreign key, each other index by name with its columns,
 * the number of CHECK constraints of each table, and the triggers. Left
 * out: the name search's own tables (FTS5 on SQLite, storage/search.c's
 * tables on PostgreSQL) and PostgreSQL's version table.
 *
 * Runs in tests/run.sh's PostgreSQL pass (FANGFEI_TEST_PG); without a
 * server it fails, saying so, rather than pass having compared nothing.
 */
#include <ctype.h>
#include <stdarg.h>

#include "teststore.h"

#include "messages/xmalloc.h"

static const uint8_t key[STORE_KEY_LEN] = { 9, 8, 7 };

static char *desc_line(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/* One line of a description. */
static char *
desc_line(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* A description: lines, sorted before comparing. */
struct desc {
	char	**line;
	size_t	  n, cap;
};

static void
desc_add(struct desc *d, char *line)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->line = realloc(d->line, d->cap * sizeof *d->line);
		assert_non_null(d->line);
	}
	d->line[d->n++] = line;
}

static int
desc_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
desc_free(struct desc *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++)
		free(d->line[i]);
	free(d->line);
}

/* Whether a table is one engine's own and not compared. */
static int
skipped(const char *table)
{
	return strncmp(table, "enterprise_search", 17) == 0 ||
	    strcmp(table, "enterprise_grams") == 0 ||
	    strcmp(table, "enterprise_folds") == 0 ||
	    strcmp(table, "fangfei_schema") == 0 ||
	    strncmp(table, "sqlite_", 7) == 0;
}

/* SQLite's declared type in PostgreSQL's words. */
static const char *
lite_type(const char *t)
{
	if (strcasecmp(t, "INTEGER") == 0)
		return "bigint";
	if (strcasecmp(t, "TEXT") == 0)
		return "text";
	if (strcasecmp(t, "BLOB") == 0)
		return "bytea";
	return t;
}

/* Occurrences of the word CHECK (the schema writes it in capitals) in a
 * CREATE TABLE text. */
static int
checks_in(const char *sql)
{
	const char	*p = sql;
	int		 n = 0;

	while ((p = strstr(p, "CHECK")) != NULL) {
		if ((p == sql || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[5]) && p[5] != '_')
			n++;
		p += 5;
	}
	return n;
}

/* Runs a query on SQLite; the statement, stepped to its first row. */
static sqlite3_stmt *
lite_query(sqlite3 *db, const char *sql, const char *table)
{
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (table != NULL)
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	return st;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* The columns of an SQLite index, comma-separated, into buf. */
static void
lite_index_cols(sqlite3 *db, const char *index, char *buf, size_t size)
{
	sqlite3_stmt	*st = lite_query(db,
			    "SELECT name FROM pragma_index_info(?1) ORDER BY seqno",
			    index);
	size_t		 o = 0;

	buf[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? "," : "",
		    col(st, 0));
	sqlite3_finalize(st);
}

static void
describe_lite(const char *path, struct desc *d)
{
	sqlite3		*db;
	sqlite3_stmt	*t, *st;
	char		 pk[256], cols[256], *table;
	size_t		 o;
	int		 pos;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	t = lite_query(db, "SELECT name, sql FROM sqlite_master WHERE"
	    " type = 'table' ORDER BY name", NULL);
	while (sqlite3_step(t) == SQLITE_ROW) {
		if (skipped(col(t, 0)))
			continue;
		table = strdup(col(t, 0));
		desc_add(d, desc_line("table %s", table));
		desc_add(d, desc_line("checks %s %d", table,
		    checks_in(col(t, 1))));
		st = lite_query(db, "SELECT cid, name, type, \"notnull\", pk"
		    " FROM pragma_table_info(?1) ORDER BY cid", table);
		pk[0] = '\0';
		o = 0;
		for (pos = 1; sqlite3_step(st) == SQLITE_ROW; pos++) {
			/* A key column is never NULL on PostgreSQL; SQLite
			 * says so only when it is declared. */
			desc_add(d, desc_line("column %s %02d %s %s%s",
			    table, pos, col(st, 1), lite_type(col(st, 2)),
			    sqlite3_column_int(st, 3) ||
			    sqlite3_column_int(st, 4) ? " not null" : ""));
		}
		sqlite3_finalize(st);
		st = lite_query(db, "SELECT name FROM pragma_table_info(?1)"
		    " WHERE pk > 0 ORDER BY pk", table);
		while (sqlite3_step(st) == SQLITE_ROW)
			o += (size_t)snprintf(pk + o, sizeof pk - o, "%s%s",
			    o ? "," : "", col(st, 0));
		sqlite3_finalize(st);
		if (o > 0)
			desc_add(d, desc_line("primary key %s (%s)",
			    table, pk));
		st = lite_query(db, "SELECT name, \"unique\", origin, partial"
		    " FROM pragma_index_list(?1)", table);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (strcmp(col(st, 2), "pk") == 0)
				continue;
			lite_index_cols(db, col(st, 0), cols, sizeof cols);
			if (sqlite3_column_int(st, 1))
				desc_add(d, desc_line("unique %s (%s)%s",
				    table, cols, sqlite3_column_int(st, 3) ?
				    " partial" : ""));
			else
				desc_add(d, desc_line("index %s %s (%s)%s",
				    table, col(st, 0), cols,
				    sqlite3_column_int(st, 3) ? " partial" : ""));
		}
		sqlite3_finalize(st);
		st = lite_query(db, "SELECT id, \"from\", \"table\", \"to\""
		    " FROM pragma_foreign_key_list(?1) ORDER BY id, seq", table);
		while (sqlite3_step(st) == SQLITE_ROW)
			desc_add(d, desc_line("foreign key %s (%s) -> "
			    "%s (%s)", table, col(st, 1), col(st, 2),
			    col(st, 3)));
		sqlite3_finalize(st);
		free(table);
	}
	sqlite3_finalize(t);
	st = lite_query(db, "SELECT name FROM sqlite_master WHERE"
	    " type = 'trigger'", NULL);
	while (sqlite3_step(st) == SQLITE_ROW)
		desc_add(d, desc_line("trigger %s", col(st, 0)));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Runs a query on PostgreSQL; it must succeed. */
static PGresult *
pg_query(PGconn *c, const char *sql)
{
	PGresult	*res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "%s: %s\n", sql, PQresultErrorMessage(res));
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	return res;
}

/* The columns of a key or an index, in order, as one text. */
#define PG_COLS(rel, keys) \
	"array_to_string(ARRAY(SELECT a.attname FROM unnest(" keys ")" \
	" WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = " rel \
	" AND a.attnum = k.n ORDER BY k.o), ',')"

static void
describe_pg(PGconn *c, struct desc *d)
{
	PGresult	*res;
	const char	*t;
	int		 r, pos = 0;
	char		 last[128] = "";

	res = pg_query(c, "SELECT table_name FROM information_schema.tables"
	    " WHERE table_schema = current_schema()"
	    " AND table_type = 'BASE TABLE'");
	for (r = 0; r < PQntuples(res); r++)
		if (!skipped(PQgetvalue(res, r, 0)))
			desc_add(d, desc_line("table %s",
			    PQgetvalue(res, r, 0)));
	PQclear(res);
	res = pg_query(c, "SELECT cl.relname, count(con.oid) FROM pg_class cl"
	    " JOIN pg_namespace n ON n.oid = cl.relnamespace"
	    " LEFT JOIN pg_constraint con ON con.conrelid = cl.oid"
	    " AND con.contype = 'c'"
	    " WHERE n.nspname = current_schema() AND cl.relkind = 'r'"
	    " GROUP BY cl.relname");
	for (r = 0; r < PQntuples(res); r++)
		if (!skipped(PQgetvalue(res, r, 0)))
			desc_add(d, desc_line("checks %s %s",
			    PQgetvalue(res, r, 0), PQgetvalue(res, r, 1)));
	PQclear(res);
	res = pg_query(c, "SELECT table_name, column_name, data_type,"
	    " is_nullable FROM information_schema.columns"
	    " WHERE table_schema = current_schema()"
	    " ORDER BY table_name, ordinal_position");
	for (r = 0; r < PQntuples(res); r++) {
		t = PQgetvalue(res, r, 0);
		if (skipped(t))
			continue;
		if (strcmp(t, last) != 0) {
			(void)snprintf(last, sizeof last, "%s", t);
			pos = 0;
		}
		desc_add(d, desc_line("column %s %02d %s %s%s", t,
		    ++pos, PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
		    strcmp(PQgetvalue(res, r, 3), "NO") == 0 ? " not null" :
		    ""));
	}
	PQclear(res);
	res = pg_query(c, "SELECT tc.relname, ic.relname, i.indisprimary,"
	    " i.indisunique, i.indpred IS NOT NULL, " PG_COLS("i.indrelid",
	    "i.indkey") " FROM pg_index i"
	    " JOIN pg_class tc ON tc.oid = i.indrelid"
	    " JOIN pg_class ic ON ic.oid = i.indexrelid"
	    " JOIN pg_namespace n ON n.oid = tc.relnamespace"
	    " WHERE n.nspname = current_schema()");
	for (r = 0; r < PQntuples(res); r++) {
		t = PQgetvalue(res, r, 0);
		if (skipped(t))
			continue;
		if (*PQgetvalue(res, r, 2) == 't')
			desc_add(d, desc_line("primary key %s (%s)", t,
			    PQgetvalue(res, r, 5)));
		else if (*PQgetvalue(res, r, 3) == 't')
			desc_add(d, desc_line("unique %s (%s)%s", t,
			    PQgetvalue(res, r, 5), *PQgetvalue(res, r, 4) ==
			    't' ? " partial" : ""));
		else
			desc_add(d, desc_line("index %s %s (%s)%s", t,
			    PQgetvalue(res, r, 1), PQgetvalue(res, r, 5),
			    *PQgetvalue(res, r, 4) == 't' ? " partial" : ""));
	}
	PQclear(res);
	res = pg_query(c, "SELECT cl.relname, " PG_COLS("con.conrelid",
	    "con.conkey") ", fc.relname, " PG_COLS("con.confrelid",
	    "con.confkey") " FROM pg_constraint con"
	    " JOIN pg_class cl ON cl.oid = con.conrelid"
	    " JOIN pg_class fc ON fc.oid = con.confrelid"
	    " JOIN pg_namespace n ON n.oid = cl.relnamespace"
	    " WHERE con.contype = 'f' AND n.nspname = current_schema()");
	for (r = 0; r < PQntuples(res); r++)
		if (!skipped(PQgetvalue(res, r, 0)))
			desc_add(d, desc_line("foreign key %s (%s) -> "
			    "%s (%s)", PQgetvalue(res, r, 0),
			    PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
			    PQgetvalue(res, r, 3)));
	PQclear(res);
	res = pg_query(c, "SELECT DISTINCT trigger_name FROM"
	    " information_schema.triggers"
	    " WHERE trigger_schema = current_schema()");
	for (r = 0; r < PQntuples(res); r++)
		desc_add(d, desc_line("trigger %s",
		    PQgetvalue(res, r, 0)));
	PQclear(res);
}

/* Prints what one side has and the other lacks; returns how many. */
static size_t
desc_diff(const struct desc *a, const char *an, const struct desc *b)
{
	size_t	 i, j = 0, n = 0;

	for (i = 0; i < a->n; i++) {
		while (j < b->n && strcmp(b->line[j], a->line[i]) < 0)
			j++;
		if (j < b->n && strcmp(b->line[j], a->line[i]) == 0)
			continue;
		fprintf(stderr, "only on %s: %s\n", an, a->line[i]);
		n++;
	}
	return n;
}

/* Both engines' newest migration is the same step. */
static void
test_versions(void **state)
{
	const struct schema_step	*step;
	int				 lite = 0, pg = 0;

	(void)state;
	for (step = schema_steps; step->sql != NULL; step++)
		lite = step->version;
	for (step = schema_steps_pg; step->sql != NULL; step++)
		pg = step->version;
	assert_true(lite > 0);
	assert_int_equal(pg, lite);
}

/* The described schemas are equal, line for line. */
static void
test_same_schema(void **state)
{
	struct desc	 lite = { 0 }, pg = { 0 };
	struct store	*ls, *ps;
	char		*dir, path[512], loc[512], *cause = NULL;
	size_t		 diffs;

	(void)state;
	if (!teststore_pg())
		fail_msg("FANGFEI_TEST_PG is not set: this test compares "
		    "with PostgreSQL (tests/run.sh runs it in its PostgreSQL "
		    "pass)");
	dir = testutil_tmpdir();
	(void)snprintf(path, sizeof path, "%s/t.db", dir);
	ls = store_open(path, key, STORE_MIGRATE, &cause);
	assert_non_null(ls);
	store_close(ls);
	teststore_location(dir, loc, sizeof loc);
	ps = store_open(loc, key, STORE_MIGRATE, &cause);
	if (ps == NULL)
		fprintf(stderr, "%s\n", cause);
	assert_non_null(ps);

	describe_lite(path, &lite);
	describe_pg(ps->pg, &pg);
	qsort(lite.line, lite.n, sizeof *lite.line, desc_cmp);
	qsort(pg.line, pg.n, sizeof *pg.line, desc_cmp);
	assert_true(lite.n > 300);	/* 40-odd tables, described */
	diffs = desc_diff(&lite, "SQLite", &pg) +
	    desc_diff(&pg, "PostgreSQL", &lite);
	assert_int_equal(diffs, 0);

	store_close(ps);
	desc_free(&lite);
	desc_free(&pg);
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_same_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

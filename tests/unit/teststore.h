/* Helpers for the unit tests that use a real database file. */
#ifndef FANGFEI_TESTSTORE_H
#define FANGFEI_TESTSTORE_H

#include <unistd.h>

#include <libpq-fe.h>

#include "testutil.h"
#include "tests/pgholds.h"

#include "bot/import.h"
#include "storage/store.h"
#include "storage/store_int.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"

/* Imports a CSV text; the import itself must succeed. */
static inline struct import_stats
teststore_import(struct store *s, enum import_kind kind, const char *csv)
{
	struct import_stats	 st;
	char			*cause = NULL;
	FILE			*f = fmemopen((void *)(uintptr_t)csv,
				    strlen(csv), "r");
	FILE			*errs = fopen("/dev/null", "w");

	assert_non_null(f);
	assert_non_null(errs);
	assert_int_equal(import_csv(s, kind, f, "test.csv", errs, 1000, NULL,
	    NULL, &st, &cause), 0);
	fclose(f);
	fclose(errs);
	return st;
}

/* Imports one of the demo files in data/demo; returns the rows kept. */
static inline long
teststore_demo(struct store *s, enum import_kind kind, const char *file)
{
	char			 name[128];
	char			*csv;
	struct import_stats	 st;

	(void)snprintf(name, sizeof name, "../../data/demo/%s", file);
	csv = testutil_read(name, NULL);
	st = teststore_import(s, kind, csv);
	free(csv);
	assert_int_equal(st.rejected, 0);
	return st.imported;
}

/* The location teststore_location() gave last: the test's database. */
static char teststore_last[512];

/*
 * Returns the path of a SQLite database with every schema step applied
 * and nothing in it, made at the first call (tests/template.h). The file
 * holds no key check (store_open() records none), so a copy opens as a
 * new database would, with any key.
 */
static inline const char *
teststore_template(void)
{
	static char	 path[96];
	struct store	*s;
	const char	*dir;
	char		*cause = NULL;

	if (path[0] != '\0')
		return path;
	if ((dir = template_dir()) == NULL)
		fail_msg("template directory: %s", strerror(errno));
	(void)snprintf(path, sizeof path, "%s/t.db", dir);
	s = store_open(path, NULL, STORE_MIGRATE, &cause);
	if (s == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(s);
	store_close(s);
	return path;
}

/*
 * Where a fresh database goes: a file in dir, or, when FANGFEI_TEST_PG
 * names a PostgreSQL database (tests/run.sh's second pass, on the server
 * of scripts/pgtest.sh), a new schema of its own in that database. The
 * file is a copy of teststore_template(), when dir has none yet: the
 * test's store_open(..., STORE_MIGRATE, ...) finds every step applied.
 */
static inline void
teststore_location(const char *dir, char *loc, size_t size)
{
	static int	 n;
	const char	*pg = getenv("FANGFEI_TEST_PG");
	char		 name[64], sql[96];
	PGconn		*c;
	PGresult	*res;

	if (pg == NULL || *pg == '\0') {
		(void)snprintf(loc, size, "%s/t.db", dir);
		(void)snprintf(teststore_last, sizeof teststore_last, "%s", loc);
		if (template_wanted() && access(loc, F_OK) == -1)
			testutil_copy(teststore_template(), loc);
		return;
	}
	(void)snprintf(name, sizeof name, "t%ld_%d", (long)getpid(), ++n);
	(void)snprintf(sql, sizeof sql, "CREATE SCHEMA %s", name);
	c = PQconnectdb(pg);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(c);
	(void)snprintf(loc, size, "%s%coptions=-csearch_path%%3D%s", pg,
	    strchr(pg, '?') ? '&' : '?', name);
	(void)snprintf(teststore_last, sizeof teststore_last, "%s", loc);
}

/* Opens the test's database again (a restart), on either engine. */
static inline struct store *
teststore_reopen(const uint8_t *key)
{
	struct store	*s;
	char		*cause = NULL;

	s = store_open(teststore_last, key, STORE_MIGRATE, &cause);
	if (s == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(s);
	return s;
}

/*
 * Runs sql on the test's database through a connection of its own (so
 * that it sees what was committed, nothing more) and returns the first
 * column of each row, joined by sep, as a new string ("" for none).
 * NULL columns are empty. sep 0: the first row only.
 */
static inline char *
teststore_rows(const char *sql, char sep)
{
	struct store		*s = teststore_reopen(NULL);
	struct db_stmt		*st = store_prepare(s, sql);
	const unsigned char	*t;
	struct buf		 b;
	char			*out;
	int			 rows = 0;

	if (st == NULL)
		fprintf(stderr, "%s: %s\n", sql, store_errmsg(s));
	assert_non_null(st);
	buf_init(&b, 1 << 20);
	while (db_step(st) == DB_ROW) {
		if (rows++ > 0 && sep != 0)
			(void)buf_add(&b, &sep, 1);
		if ((t = db_column_text(st, 0)) != NULL)
			(void)buf_adds(&b, (const char *)t);
		if (sep == 0)
			break;
	}
	db_finalize(st);
	store_close(s);
	out = buf_steal(&b);
	return out != NULL ? out : xstrdup("");
}

/* PostgreSQL: whether any row of the test's database holds needle
 * (tests/pgholds.h); it must be readable. */
static inline int
teststore_holds(const char *needle)
{
	int	 found = pgholds(teststore_last, needle);

	assert_int_not_equal(found, -1);
	return found;
}

/* Runs SQL on the test's store, either engine; it must succeed. */
static inline void
teststore_exec(struct store *s, const char *sql)
{
	enum store_status	 rc = store_exec_sql(s, sql);

	if (rc != STORE_OK)
		fprintf(stderr, "teststore_exec: %s: %s\n", sql,
		    store_errmsg(s));
	assert_int_equal(rc, STORE_OK);
}

/* The first column of the first row of sql as a number (0 without one). */
static inline int64_t
teststore_int(struct store *s, const char *sql)
{
	struct db_stmt	*st = store_prepare(s, sql);
	int64_t		 v = 0;

	assert_non_null(st);
	if (db_step(st) == DB_ROW)
		v = db_column_int64(st, 0);
	db_finalize(st);
	return v;
}

/* Whether the tests run on PostgreSQL (tests/run.sh's second pass). */
static inline int
teststore_pg(void)
{
	const char	*pg = getenv("FANGFEI_TEST_PG");

	return pg != NULL && *pg != '\0';
}

/* Opens a fresh database in a new temporary directory (*dir, which the
 * caller removes with testutil_rmdir()) with the demo areas. */
static inline struct store *
teststore_open(const uint8_t *key, char **dir)
{
	struct store	*s;
	char		 path[512], *cause = NULL;

	*dir = testutil_tmpdir();
	teststore_location(*dir, path, sizeof path);
	s = store_open(path, key, STORE_MIGRATE, &cause);
	if (s == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(s);
	assert_int_equal(teststore_demo(s, IMPORT_AREAS, "areas.csv"), 10);
	return s;
}

#endif

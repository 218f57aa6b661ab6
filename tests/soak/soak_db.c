/* Every row of a query, from SQLite's file or PostgreSQL. */
#include <stdio.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "soak_db.h"

/* Reads the rows of sql and hands each to fn. */
long
soak_db_rows(const struct daemon *d, const char *sql,
    void (*fn)(void *, const char *, const char *), void *arg)
{
	char		 path[600];
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	PGconn		*c;
	PGresult	*res;
	const char	*a, *b;
	long		 n = 0;
	int		 i, rc;

	if (d->db_url != NULL) {
		c = PQconnectdb(d->db_url);
		res = PQexec(c, sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "soak: %s: %s", sql, PQerrorMessage(c));
			n = -1;
		} else
			for (i = 0; i < PQntuples(res); i++, n++)
				fn(arg, PQgetvalue(res, i, 0),
				    PQgetvalue(res, i, 1));
		PQclear(res);
		PQfinish(c);
		return n;
	}
	(void)snprintf(path, sizeof path, "%s/fangfei.db", d->dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "soak: %s: %s\n", sql, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a = (const char *)sqlite3_column_text(st, 0);
		b = (const char *)sqlite3_column_text(st, 1);
		fn(arg, a ? a : "", b ? b : "");
		n++;
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "soak: %s: %s\n", sql, sqlite3_errmsg(db));
		n = -1;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

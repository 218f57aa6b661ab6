/*
 * For the tests on PostgreSQL, what a search of the database file is on
 * SQLite: whether any row of any table of the connection's schema holds
 * needle, every column read as text (bytea in its escape form, where
 * printable ASCII stays as it is and every other byte becomes \nnn, so
 * the needle is looked for in that form too). Used by the unit tests
 * (tests/unit/teststore.h) and the end-to-end tests (tests/e2e).
 */
#ifndef FANGFEI_TESTS_PGHOLDS_H
#define FANGFEI_TESTS_PGHOLDS_H

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

/* 1 found, 0 not, -1 when the database could not be read. */
static inline int
pgholds(const char *url, const char *needle)
{
	char		 esc[256], sql[4096];
	size_t		 o = 0, i;
	PGconn		*c = PQconnectdb(url);
	PGresult	*tables = NULL, *rows;
	int		 t, r, found = -1;

	for (i = 0; needle[i] != '\0' && o + 5 < sizeof esc; i++) {
		if ((unsigned char)needle[i] < 0x80)
			esc[o++] = needle[i];
		else
			o += (size_t)snprintf(esc + o, sizeof esc - o,
			    "\\%03o", (unsigned char)needle[i]);
	}
	esc[o] = '\0';
	if (PQstatus(c) != CONNECTION_OK)
		goto out;
	tables = PQexec(c, "SELECT table_name, string_agg(CASE WHEN"
	    " data_type = 'bytea' THEN 'encode(' || quote_ident(column_name)"
	    " || ', ''escape'')' ELSE quote_ident(column_name) || '::text'"
	    " END, ', ') FROM information_schema.columns WHERE table_schema"
	    " = current_schema() GROUP BY table_name");
	if (PQresultStatus(tables) != PGRES_TUPLES_OK)
		goto out;
	found = 0;
	for (t = 0; t < PQntuples(tables) && found == 0; t++) {
		(void)snprintf(sql, sizeof sql, "SELECT concat_ws(' ', %s)"
		    " FROM %s", PQgetvalue(tables, t, 1),
		    PQgetvalue(tables, t, 0));
		rows = PQexec(c, sql);
		if (PQresultStatus(rows) != PGRES_TUPLES_OK)
			found = -1;
		for (r = 0; found == 0 && r < PQntuples(rows); r++)
			if (strstr(PQgetvalue(rows, r, 0), needle) != NULL ||
			    strstr(PQgetvalue(rows, r, 0), esc) != NULL)
				found = 1;
		PQclear(rows);
	}
out:
	PQclear(tables);
	PQfinish(c);
	return found;
}

#endif

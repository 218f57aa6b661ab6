/* Reading every row of a query from a daemon's database, either engine
 * (tests/e2e/e2e_util.c reads one value only). */
#ifndef FANGFEI_SOAK_DB_H
#define FANGFEI_SOAK_DB_H

#include "tests/e2e/e2e.h"

/* Calls fn(arg, first column, second column) for each row of sql (two
 * text columns; NULL reads as ""). Returns the rows, or -1 after saying
 * why. */
long	 soak_db_rows(const struct daemon *, const char *sql,
	    void (*fn)(void *, const char *, const char *), void *arg);

#endif

/*
 * Moving a district from its SQLite file to PostgreSQL: every table of
 * the schema, rows and ids as they are, in one transaction on the target
 * (storage/copy.c).
 */
#ifndef FANGFEI_COPY_H
#define FANGFEI_COPY_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

/*
 * Copies the SQLite database at file into the PostgreSQL database at url,
 * which must be empty (it is migrated to the newest schema first) while
 * file must already be at that version. key must open file's sealed rows.
 * Prints each table's row count on both sides to out. Returns 0, or -1
 * with *cause (caller frees) and nothing kept on the target.
 */
int		 copy_from_sqlite(const char *file, const char *url,
		    const uint8_t key[STORE_KEY_LEN], FILE *out, char **cause);

#endif

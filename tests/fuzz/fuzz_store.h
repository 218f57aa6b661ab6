/*
 * An in-memory store for the harnesses that reach the database: opened and
 * filled once per process, then put back byte for byte after every
 * iteration (sqlite3_serialize/deserialize), so that each input meets the
 * same database whatever the previous ones wrote or updated.
 */
#ifndef FANGFEI_FUZZ_STORE_H
#define FANGFEI_FUZZ_STORE_H

#include <stdio.h>

#include "bot/import.h"
#include "fuzz_common.h"
#include "storage/store.h"
#include "storage/store_int.h"

static struct store	*fuzz_store;
static unsigned char	*fuzz_snap;
static sqlite3_int64	 fuzz_snap_len;
static unsigned int	 fuzz_snap_version;

/* The pager's counter of changes to the database: it moves on every
 * commit, so an iteration that kept nothing leaves it as it was. */
static unsigned int
fuzz_store_version(void)
{
	unsigned int	 v = 0;

	FUZZ_ASSERT(sqlite3_file_control(fuzz_store->db, "main",
	    SQLITE_FCNTL_DATA_VERSION, &v) == SQLITE_OK);
	return v;
}

static void
fuzz_store_open(void)
{
	static const uint8_t	 key[STORE_KEY_LEN] =
	    "fangfei-fuzz-key-32-bytes-long!";
	char			*cause = NULL;

	fuzz_store = store_open(":memory:", key, STORE_MIGRATE, &cause);
	if (fuzz_store == NULL) {
		fprintf(stderr, "fuzz: store_open: %s\n", cause);
		abort();
	}
}

/* Imports a CSV text during the set-up; every row must be kept. */
static void
fuzz_store_import(enum import_kind kind, const char *text)
{
	struct import_stats	 stats;
	char			*cause = NULL;
	FILE			*f, *errs;

	f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	errs = fopen("/dev/null", "w");
	FUZZ_ASSERT(f != NULL && errs != NULL);
	if (import_csv(fuzz_store, kind, f, "base.csv", errs, 1763750000,
	    NULL, NULL, &stats, &cause) != 0 || stats.rejected != 0) {
		fprintf(stderr, "fuzz: set-up import failed: %s\n",
		    cause ? cause : "rows rejected");
		abort();
	}
	fclose(f);
	fclose(errs);
}

/* Takes the copy the store is put back to. */
static void
fuzz_store_snapshot(void)
{
	fuzz_snap = sqlite3_serialize(fuzz_store->db, "main", &fuzz_snap_len,
	    0);
	FUZZ_ASSERT(fuzz_snap != NULL);
	fuzz_snap_version = fuzz_store_version();
}

/* Puts the store back as it was at fuzz_store_snapshot(). */
static void
fuzz_store_restore(void)
{
	unsigned char	*copy;
	size_t		 i;
	int		 rc;

	/* A statement left mid-step holds a read transaction. */
	for (i = 0; i < fuzz_store->nstmts; i++)
		db_reset(&fuzz_store->stmts[i].stmt);
	if (!sqlite3_get_autocommit(fuzz_store->db)) {
		fprintf(stderr, "fuzz: a transaction was left open\n");
		abort();
	}
	if (fuzz_store_version() == fuzz_snap_version)
		return;
	copy = sqlite3_malloc64((sqlite3_uint64)fuzz_snap_len);
	FUZZ_ASSERT(copy != NULL);
	memcpy(copy, fuzz_snap, (size_t)fuzz_snap_len);
	rc = sqlite3_deserialize(fuzz_store->db, "main", copy, fuzz_snap_len,
	    fuzz_snap_len, SQLITE_DESERIALIZE_FREEONCLOSE |
	    SQLITE_DESERIALIZE_RESIZEABLE);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "fuzz: restore: %s\n",
		    sqlite3_errmsg(fuzz_store->db));
		abort();
	}
	fuzz_snap_version = fuzz_store_version();
}

#endif

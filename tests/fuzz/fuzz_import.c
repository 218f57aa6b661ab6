/*
 * Fuzzes the CSV imports (bot/import.c, through libcsv and the store). The
 * first byte picks the kind (even: enterprises, odd: areas); the rest is
 * the file. One in-memory store per process holds a few areas for the
 * enterprise rows to point at; everything an iteration imported is deleted
 * after it, so each input meets the same database.
 */
#include <stdio.h>

#include "bot/import.h"
#include "fuzz_common.h"
#include "storage/store.h"
#include "storage/store_int.h"

static const char base_areas[] =
    "path,households,liaison,phone\n"
    "张店区,0,张店区处非办,0533-2180000\n"
    "张店区/车站街道,0,车站街道处非专班 李明,0533-2180001\n"
    "张店区/车站街道/华光路社区,0,华光路社区 王丹（示例）,0533-2180002\n"
    "张店区/车站街道/华光路社区/第3网格/12号楼,96,,\n";

static struct store	*store;
static FILE		*devnull;

/* Imports text as the kind, for the set-up. */
static void
fuzz_import_text(enum import_kind kind, const char *text)
{
	struct import_stats	 stats;
	char			*cause = NULL;
	FILE			*f;

	f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	FUZZ_ASSERT(f != NULL);
	if (import_csv(store, kind, f, "base.csv", devnull, 1763750000,
	    &stats, &cause) != 0 || stats.rejected != 0) {
		fprintf(stderr, "fuzz_import: set-up failed: %s\n",
		    cause ? cause : "rows rejected");
		abort();
	}
	fclose(f);
}

static void
fuzz_setup(void)
{
	static const uint8_t	 key[STORE_KEY_LEN] = "fangfei-fuzz-key-32-bytes-long!";
	char			*cause = NULL;

	devnull = fopen("/dev/null", "w");
	FUZZ_ASSERT(devnull != NULL);
	store = store_open(":memory:", key, STORE_MIGRATE, &cause);
	if (store == NULL) {
		fprintf(stderr, "fuzz_import: %s\n", cause);
		abort();
	}
	fuzz_import_text(IMPORT_AREAS, base_areas);
}

/* Puts the database back as fuzz_setup() left it. */
static void
fuzz_reset(int areas_changed)
{
	char	*err = NULL;

	if (sqlite3_exec(store->db,
	    "DELETE FROM notice_enterprises;"
	    "DELETE FROM notices;"
	    "DELETE FROM enterprise_search;"
	    "DELETE FROM enterprises;", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	if (areas_changed) {
		if (sqlite3_exec(store->db, "DELETE FROM areas;", NULL, NULL,
		    &err) != SQLITE_OK)
			goto fail;
		fuzz_import_text(IMPORT_AREAS, base_areas);
	}
	return;
fail:
	fprintf(stderr, "fuzz_import: reset: %s\n", err);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_stats	 stats;
	enum import_kind	 kind;
	char			*cause = NULL;
	FILE			*f;
	int			 rc;

	if (store == NULL)
		fuzz_setup();
	if (size == 0)
		return 0;
	kind = (data[0] & 1) ? IMPORT_AREAS : IMPORT_ENTERPRISES;
	data++;
	size--;
	if (size > 0)
		f = fmemopen((void *)(uintptr_t)data, size, "r");
	else
		f = fopen("/dev/null", "r");
	FUZZ_ASSERT(f != NULL);
	rc = import_csv(store, kind, f, "fuzz.csv", devnull, 1763750000, &stats,
	    &cause);
	fclose(f);
	if (rc == 0) {
		FUZZ_ASSERT(cause == NULL);
		/*
		 * Every data row is either kept or reported. (Not an equality:
		 * a row rejected as not UTF-8 is reported without being
		 * counted in rows.)
		 */
		FUZZ_ASSERT(stats.imported <= stats.rows);
		FUZZ_ASSERT(stats.rows <= stats.imported + stats.rejected);
		FUZZ_ASSERT(stats.flagged <= stats.imported);
	} else
		FUZZ_ASSERT(cause != NULL);
	free(cause);
	fuzz_reset(kind == IMPORT_AREAS);
	return 0;
}

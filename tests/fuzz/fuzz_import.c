/*
 * Fuzzes the CSV imports (bot/import.c, through libcsv and the store). The
 * first byte picks the kind (bit 2 set: phones; else bit 0 clear:
 * enterprises, set: areas) and, for enterprises, whether the rows go on a
 * draft notice (bit 1, as `fangfei notice add` does); the rest is the
 * file. The store (fuzz_store.h) holds a few areas for the enterprise and
 * phone rows to point at and is put back after each input. What a phones
 * import writes to its error stream must hold no number: no run of seven
 * digits (a mobile has eleven; its masked form shows four).
 */
#include "fuzz_store.h"

static const char base_areas[] =
    "path,households,liaison,phone\n"
    "张店区,0,张店区处非办,0533-2180000\n"
    "张店区/车站街道,0,车站街道处非专班 李明,0533-2180001\n"
    "张店区/车站街道/华光路社区,0,华光路社区 王丹（示例）,0533-2180002\n"
    "张店区/车站街道/华光路社区/第3网格/12号楼,96,,\n";

static FILE	*devnull;

/* Whether text has a run of seven ASCII digits or more. */
static int
fuzz_digit_run(const char *text, size_t len)
{
	size_t	 i, run = 0;

	for (i = 0; i < len; i++) {
		run = (text[i] >= '0' && text[i] <= '9') ? run + 1 : 0;
		if (run >= 7)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct import_notice draft = { 7, "2026-06-20",
	    "第7期 风险警示通告" };
	struct import_stats	 stats;
	enum import_kind	 kind;
	const struct import_notice *notice;
	char			*cause = NULL, *errs = NULL;
	size_t			 errs_len = 0;
	FILE			*f, *e;
	int			 rc;

	if (fuzz_store == NULL) {
		devnull = fopen("/dev/null", "w");
		FUZZ_ASSERT(devnull != NULL);
		fuzz_store_open();
		fuzz_store_import(IMPORT_AREAS, base_areas);
		fuzz_store_snapshot();
	}
	if (size == 0)
		return 0;
	if (data[0] & 4)
		kind = IMPORT_PHONES;
	else
		kind = (data[0] & 1) ? IMPORT_AREAS : IMPORT_ENTERPRISES;
	notice = kind == IMPORT_ENTERPRISES && (data[0] & 2) ? &draft : NULL;
	data++;
	size--;
	if (size > 0)
		f = fmemopen((void *)(uintptr_t)data, size, "r");
	else
		f = fopen("/dev/null", "r");
	FUZZ_ASSERT(f != NULL);
	/* The phones import's messages are read back; the others' go to
	 * /dev/null as before. */
	if (kind == IMPORT_PHONES) {
		e = open_memstream(&errs, &errs_len);
		FUZZ_ASSERT(e != NULL);
	} else
		e = devnull;
	rc = import_csv(fuzz_store, kind, f, "fuzz.csv", e, 1763750000,
	    notice, "fuzz", &stats, &cause);
	fclose(f);
	if (kind == IMPORT_PHONES) {
		fclose(e);
		FUZZ_ASSERT(!fuzz_digit_run(errs, errs_len));
		FUZZ_ASSERT(cause == NULL ||
		    !fuzz_digit_run(cause, strlen(cause)));
		free(errs);
	}
	if (rc == 0) {
		FUZZ_ASSERT(cause == NULL);
		/*
		 * Every data row is either kept or reported. (Not an equality:
		 * a row rejected as not UTF-8 is reported without being
		 * counted in rows.)
		 */
		FUZZ_ASSERT(stats.imported <= stats.rows);
		FUZZ_ASSERT(stats.rows <= stats.imported + stats.rejected +
		    stats.duplicates);
		FUZZ_ASSERT(stats.flagged <= stats.imported);
		/* Phones: each number once, counted by what it did; a row
		 * overridden by a later one is warned about. */
		if (kind == IMPORT_PHONES) {
			FUZZ_ASSERT(stats.imported == stats.added +
			    stats.moved + stats.unchanged);
			FUZZ_ASSERT(stats.duplicates <= stats.warnings);
			FUZZ_ASSERT(stats.flagged == 0);
		} else
			FUZZ_ASSERT(stats.duplicates == 0 &&
			    stats.added + stats.moved + stats.unchanged == 0);
	} else
		FUZZ_ASSERT(cause != NULL);
	free(cause);
	fuzz_store_restore();
	return 0;
}

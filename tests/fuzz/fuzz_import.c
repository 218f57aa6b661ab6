/*
 * Fuzzes the CSV imports (bot/import.c, through libcsv and the store). The
 * first byte picks the kind (bit 0 clear: enterprises, set: areas) and,
 * for enterprises, whether the rows go on a draft notice (bit 1, as
 * `fangfei notice add` does); the rest is the file. The store
 * (fuzz_store.h) holds a few areas for the enterprise rows to point at and
 * is put back after each input.
 */
#include "fuzz_store.h"

static const char base_areas[] =
    "path,households,liaison,phone\n"
    "张店区,0,张店区处非办,0533-2180000\n"
    "张店区/车站街道,0,车站街道处非专班 李明,0533-2180001\n"
    "张店区/车站街道/华光路社区,0,华光路社区 王丹（示例）,0533-2180002\n"
    "张店区/车站街道/华光路社区/第3网格/12号楼,96,,\n";

static FILE	*devnull;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct import_notice draft = { 7, "2026-06-20",
	    "第7期 风险警示通告" };
	struct import_stats	 stats;
	enum import_kind	 kind;
	const struct import_notice *notice;
	char			*cause = NULL;
	FILE			*f;
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
	kind = (data[0] & 1) ? IMPORT_AREAS : IMPORT_ENTERPRISES;
	notice = kind == IMPORT_ENTERPRISES && (data[0] & 2) ? &draft : NULL;
	data++;
	size--;
	if (size > 0)
		f = fmemopen((void *)(uintptr_t)data, size, "r");
	else
		f = fopen("/dev/null", "r");
	FUZZ_ASSERT(f != NULL);
	rc = import_csv(fuzz_store, kind, f, "fuzz.csv", devnull, 1763750000,
	    notice, &stats, &cause);
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
	fuzz_store_restore();
	return 0;
}

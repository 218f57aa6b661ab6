/*
 * The reach report of a letter: per street, community, grid and building,
 * the scans, unique devices, households and reach rate (devices ÷
 * households), and the codes never scanned; as JSON or as CSV (UTF-8 with
 * a BOM, so that Excel and WPS open it as UTF-8).
 */
#ifndef FANGFEI_REACH_H
#define FANGFEI_REACH_H

#include <stdint.h>

#include "storage/store.h"

/* Returns the report of letter as seen from root (0: the letter's area;
 * an area below it: that subtree only) — the caller frees it — or NULL
 * when the letter does not exist or the database failed (*status says
 * which). */
char	*reach_json(struct store *, int64_t letter, int64_t root,
	    enum store_status *status);
/* The same as CSV; a cell that a spreadsheet would read as a formula
 * (starting with =, +, -, @, tab or CR) gets a leading '. */
char	*reach_csv(struct store *, int64_t letter, int64_t root,
	    enum store_status *status);
/* Appends one CSV cell to b, quoted when it must be and neutralised
 * when it would start a formula. */
struct buf;
void	 reach_csv_cell(struct buf *b, const char *s);

#endif

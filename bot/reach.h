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

/* Returns the report (the caller frees it), or NULL when the letter does
 * not exist or the database failed (*status says which). */
char	*reach_json(struct store *, int64_t letter, enum store_status *status);
char	*reach_csv(struct store *, int64_t letter, enum store_status *status);

#endif

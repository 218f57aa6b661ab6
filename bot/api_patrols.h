/*
 * Patrol coverage per grid and ISO week: over HTTP (GET /api/v1/patrols
 * ?week=2026-W24&area=PATH&format=json|csv, scoped to the token's area)
 * and for `fangfei patrol list|export` (bot/cli_patrol.c). For each grid
 * (level 4 area) of the area: its buildings, how many were patrolled,
 * its grid workers, and the buildings and workers with no patrol.
 */
#ifndef FANGFEI_API_PATROLS_H
#define FANGFEI_API_PATROLS_H

#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "storage/staff.h"

struct buf;

/* The coverage of week for the grids related to scope (0: all) as JSON
 * (the caller owns it), or NULL when the store failed. */
json_t	*patrols_coverage(struct store *, int64_t scope, const char *week);
/* The same as CSV: a BOM, one CRLF line per grid, cells formula-safe. */
void	 patrols_coverage_csv(struct buf *, const json_t *coverage);

/* Answers GET /patrols. */
void	 api_patrols(struct store *, struct api_env *,
	    const struct http_request *, const struct token_info *,
	    struct http_response *);

#endif

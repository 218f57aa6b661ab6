/*
 * The ledger over HTTP, below /api/v1 (bot/api.c hands these paths on
 * once the bearer token is checked):
 *
 *   GET  /tips?state=a,b&area=PATH&assignee=ID&since=DAY&until=DAY
 *             &before=ID&limit=N      tips, newest first
 *   GET  /tips/REF                    one tip (audited: "tip read")
 *   GET  /tips/REF/events?after=ID    its history (audited)
 *   POST /tips/REF/moves              {"move", "note", "measure",
 *                                     "enterprise", "assignees"}
 *   GET  /ledger/export?format=csv|json&area&state&since&until&before
 *                                     the ledger, a page at a time
 *                                     (audited: "ledger export")
 *   GET  /ledger/stats?year=Y&area=PATH   monthly figures per area
 *
 * Everything is scoped to the token's area subtree; tips of no known area
 * only to a token of a top-level area. A tip outside the scope answers
 * 404 as a tip that does not exist would. Moves go through
 * handlers/tipflow.h as "token:ID"; nothing here ever reads a reporter.
 */
#ifndef FANGFEI_API_TIPS_H
#define FANGFEI_API_TIPS_H

#include <jansson.h>

#include "api.h"
#include "handlers/tipflow.h"
#include "storage/staff.h"

/* Answers one /tips… or /ledger… request; in is the POST body (NULL for
 * GET). Answers 404 for a path it does not know. */
void		 api_tips_handle(struct store *, struct api_env *,
		    const struct http_request *, const char *path, json_t *in,
		    const struct token_info *, struct http_response *);

/* The HTTP status and error code of a refused move (200 and NULL for
 * TIPFLOW_OK). */
int		 api_tips_status(enum tipflow_result, const char **code);

#endif

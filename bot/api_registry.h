/*
 * The risk-enterprise registry and its warning notices over HTTP, for the
 * console's 警示通告 and 企业名录 pages:
 *
 *   GET  /api/v1/enterprises?q=TEXT    a check as the chat's 查询 makes it
 *   POST /api/v1/enterprises/import    a CSV body (bot/import.h)
 *   GET  /api/v1/notices               the notices, newest issue first
 *   POST /api/v1/notices?issue=N&date=YYYY-MM-DD[&title=T]
 *                                      a CSV body: a draft notice
 *   GET  /api/v1/notices/N             notice issue N with its enterprises
 *   POST /api/v1/notices/N/publish     flags them in checks
 *
 * The registry is the whole instance's (a resident's check looks at all of
 * it), so it belongs to the top of the area tree: reads are open to every
 * staff role, changes to an office or admin caller whose area is a
 * top-level one (a street's office reads the registry but does not write
 * the district's notices).
 */
#ifndef FANGFEI_API_REGISTRY_H
#define FANGFEI_API_REGISTRY_H

#include "api.h"
#include "storage/staff.h"

/* Answers path when it is one of the above and returns 1; returns 0 for
 * any other path, untouched. Called before the router reads a JSON body,
 * since these bodies are CSV. */
int	 api_registry(struct store *, struct api_env *,
	    const struct http_request *, const char *path,
	    const struct token_info *, struct http_response *);

#endif

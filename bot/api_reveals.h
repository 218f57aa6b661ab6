/* /api/v1/tips/REF/reveal and /api/v1/reveals: the two-person reveal. */
#ifndef FANGFEI_API_REVEALS_H
#define FANGFEI_API_REVEALS_H

#include <jansson.h>

#include "api.h"

struct token_info;

/*
 * Answers POST /tips/REF/reveal {reason}, GET /reveals and POST
 * /reveals/ID/approve|refuse when path is one of them and returns 1;
 * returns 0 for any other path. The steps are the chat's (查看举报人,
 * 批准, 拒绝), run by the same handlers: the same rules, audit entries,
 * history notes and messages to custodians. Only a signed-in staff
 * member takes part; the identity is never shown here.
 */
int	 api_reveals(struct store *, struct api_env *, const char *path,
	    json_t *in, const struct token_info *, struct http_response *);

#endif

/* GET /api/v1/overview: the console's first page in figures. */
#ifndef FANGFEI_API_OVERVIEW_H
#define FANGFEI_API_OVERVIEW_H

#include "api.h"

struct token_info;

/* GET /overview?month=YYYY-MM (default: this month, local time): the
 * month's tips by area and state, its broadcasts and their delivery, the
 * reach of the newest letter per community and this week's patrol
 * coverage, all within the caller's area. Practice tips never count. */
void	 api_overview(struct store *, const struct api_env *,
	    const struct http_request *, const struct token_info *,
	    struct http_response *);

#endif

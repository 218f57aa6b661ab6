/* /api/v1/rewards: the rewards of tips, for office tokens (bot/api.c). */
#ifndef FANGFEI_API_REWARDS_H
#define FANGFEI_API_REWARDS_H

#include <jansson.h>

#include "api.h"
#include "storage/staff.h"

/*
 * Answers path (below /api/v1, starting "/rewards") for token tok:
 *   GET  /rewards?year=Y&area=PATH&after=TIP_ID&limit=N   list
 *   GET  /rewards/stats?year=Y&area=PATH                  totals
 *   POST /rewards {"tip": REF, "action": "set", "eligible": true|false,
 *        "reason": TEXT} | {"tip", "action": "stage", "stage": 1|2,
 *        "yuan": N} | {"tip", "action": "paid"}
 * Office role and up; tips and areas within the token's area. A change a
 * rule refuses is 409 {"error": "refused", "message": why}. in is the
 * POST body (NULL for GET), still the caller's.
 */
void	 api_rewards(struct store *, struct api_env *,
	    const struct http_request *, const char *path, json_t *in,
	    const struct token_info *tok, struct http_response *);

#endif

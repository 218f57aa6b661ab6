/*
 * Lists for the console that the office's other endpoints lacked:
 *
 *   GET /api/v1/letters   the open letters that concern the caller (of its
 *                         subtree, or above it: a district's letter is a
 *                         street's too, which then sees its own codes)
 *   GET /api/v1/tokens    the API tokens of the caller's subtree (office
 *                         and admin only, api_rules[]): label, role, area
 *                         and dates, never a token's text or hash
 *
 * Both page with ?after=ID&limit=N.
 *
 *   POST /api/v1/staff/ID/disable   fangfei staff disable: unbinds the
 *                         member's chat accounts, ends their console
 *                         sessions, voids their unused bind codes and
 *                         sign-in links, revokes their calendar feed;
 *                         answers what it cut off
 *   POST /api/v1/staff/ID/enable    marks them active again (nothing else)
 *
 * Both are the office's (api_rules[]) and keep to the caller's subtree (a
 * member outside it answers 404); nobody disables or enables themselves
 * or a member of a higher role (403). Each writes its audit entry.
 */
#ifndef FANGFEI_API_ADMIN_H
#define FANGFEI_API_ADMIN_H

#include "api.h"
#include "storage/staff.h"

/* Answers GET /letters, GET /tokens and POST /staff/ID/disable|enable
 * and returns 1; returns 0 for any other request, untouched. */
int	 api_admin(struct store *, const struct api_env *,
	    const struct http_request *, const char *path,
	    const struct token_info *, struct http_response *);

#endif

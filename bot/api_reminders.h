/*
 * /api/v1/reminders: the office's scheduled reminders over HTTP (bot/api.c
 * hands these paths on once the bearer token is checked):
 *
 *   GET  /reminders?after=ID&limit=N   the reminders of the token's area
 *   POST /reminders                    {"title", "text", "area", "kinds":
 *        [...], "roles": [...], "rrule", "start" (ISO 8601), "tz",
 *        "urgent", "catchup_hours"}: checked as `fangfei reminder add`
 *        checks (bot/reminder_in.h); 201 {"id", "next"}
 *   GET  /reminders/ID                 one, with its next 10 times
 *   GET  /reminders/ID/preview?count=N its next N times (1..100, 10)
 *   POST /reminders/ID/pause | /resume | /delete
 *
 * Everything is scoped to the token's area subtree: a reminder outside it
 * answers 404 as one that does not exist would. Changes are audited with
 * the reminder's area, as "token:ID".
 */
#ifndef FANGFEI_API_REMINDERS_H
#define FANGFEI_API_REMINDERS_H

#include <jansson.h>

#include "api.h"
#include "storage/staff.h"

/* Answers one /reminders… request; in is the POST body (NULL for GET),
 * still the caller's. */
void	 api_reminders(struct store *, struct api_env *,
	    const struct http_request *, const char *path, json_t *in,
	    const struct token_info *, struct http_response *);

#endif

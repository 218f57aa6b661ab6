/*
 * Calendar feeds: GET /ics/<secret>.ics answers a staff member's
 * reminders as an iCalendar VCALENDAR (RFC 5545, written by libical) that
 * a phone calendar subscribes to. The secret comes from `fangfei staff ics
 * --id N` (storage/icsfeeds.h). The feed holds the reminders whose
 * audience includes the staff member, and the publicity calendar's
 * reminders of their area; never anything about tips or reporters.
 */
#ifndef FANGFEI_ICS_H
#define FANGFEI_ICS_H

#include <stdint.h>
#include <time.h>

#include "channel.h"
#include "storage/store.h"

#define ICS_EVENTS_MAX	500	/* reminders in one feed */

/*
 * Returns the feed of staff member staff at now as iCalendar text (the
 * caller frees it): one VEVENT per reminder (UID stable per reminder and
 * host, SUMMARY its title, DESCRIPTION its text, DTSTART in its zone and
 * its RRULE), one VTIMEZONE per zone used, Asia/Shanghai always. host
 * names the deployment in UIDs ("" or NULL: "fangfei"). NULL with *st set
 * when the store fails or there is no such staff member.
 */
char	*ics_feed(struct store *, int64_t staff, time_t now, const char *host,
	    enum store_status *st);

/*
 * Answers GET /ics/NAME (name is what follows /ics/): 200 with the feed
 * (text/calendar, not to be cached) for the secret of a live feed, 404
 * alike for a malformed, unknown or revoked one, 503 when the store
 * fails. base is the public URL whose host goes into UIDs.
 */
void	 ics_handle(struct store *, const struct http_request *,
	    const char *name, const char *base, struct http_response *);

#endif

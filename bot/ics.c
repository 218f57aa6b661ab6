/* Calendar feeds: a staff member's reminders as iCalendar, by libical. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "ics.h"
#include "rrule.h"
#include "log.h"
#include "messages/texts.h"
#include "messages/xmalloc.h"
#include "storage/icsfeeds.h"
#include "storage/reminders.h"
#include "storage/staff.h"

#define ICS_PAGE	50	/* reminders read at a time */
#define ICS_ZONES_MAX	8	/* distinct zones of one feed */
#define ICS_PUBLICITY	"publicity"	/* reminders.calendar of the preset */
#define ICS_LUNAR_MAX	24	/* dated events of one lunar reminder */
#define ICS_LUNAR_YEARS	3	/* and how far ahead they go */

/* The zones a feed has written a VTIMEZONE for. */
struct ics_zones {
	char	 name[ICS_ZONES_MAX][64];
	size_t	 n;
};

/* Whether the comma-separated list holds word. */
static int
ics_listed(const char *list, const char *word)
{
	size_t		 len = strlen(word);
	const char	*p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ',') &&
		    (p[len] == '\0' || p[len] == ','))
			return 1;
		p += len;
	}
	return 0;
}

/*
 * Whether staff member who is in a reminder's audience: their role is
 * listed and their area lies in the reminder's subtree or above it (a
 * street's officer sees a grid's reminder); or it is the publicity
 * calendar of their area, whatever their role.
 */
static int
ics_concerns(struct store *s, const struct staff_info *who,
    const struct reminder *r)
{
	int	 near;

	if (r->paused)
		return 0;	/* it sends nothing: nothing to show */
	near = areas_within(s, who->area_id, r->area_id) ||
	    areas_within(s, r->area_id, who->area_id);
	if (!near)
		return 0;
	return ics_listed(r->roles, who->role) ||
	    strcmp(r->calendar, ICS_PUBLICITY) == 0;
}

/*
 * Adds the VTIMEZONE of zone tz to cal unless it is there: libical's own
 * description of the zone, under the plain name (Asia/Shanghai) that
 * DTSTART's TZID uses, which phone calendars know. 0, or -1 for a zone
 * that is not known or one zone too many.
 */
static int
ics_zone(icalcomponent *cal, struct ics_zones *zones, const char *tz)
{
	icaltimezone	*z;
	icalcomponent	*vtz;
	icalproperty	*p;
	size_t		 i;

	for (i = 0; i < zones->n; i++)
		if (strcmp(zones->name[i], tz) == 0)
			return 0;
	if (zones->n == ICS_ZONES_MAX ||
	    (z = icaltimezone_get_builtin_timezone(tz)) == NULL ||
	    (vtz = icaltimezone_get_component(z)) == NULL)
		return -1;
	vtz = icalcomponent_new_clone(vtz);
	if ((p = icalcomponent_get_first_property(vtz,
	    ICAL_TZID_PROPERTY)) != NULL)
		icalproperty_set_tzid(p, tz);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
	icalcomponent_add_component(cal, vtz);
	(void)snprintf(zones->name[zones->n++], sizeof zones->name[0], "%s",
	    tz);
	return 0;
}

/* A VEVENT of reminder r at `first`, local wall-clock time with the
 * zone's name (the rule's days and hours are the zone's, as the daemon
 * counts them: bot/rrule.h), recurring by rule when it is not NULL. */
static void
ics_vevent(icalcomponent *cal, const struct reminder *r, const char *uid,
    time_t first, icaltimezone *z, const char *tz, time_t now,
    const struct icalrecurrencetype *rule)
{
	icalcomponent		*ev;
	icalproperty		*p;
	struct icaltimetype	 start;

	ev = icalcomponent_new_vevent();
	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(
	    icaltime_from_timet_with_zone(now, 0,
	    icaltimezone_get_utc_timezone())));
	start = icaltime_from_timet_with_zone(first, 0, z);
	start.zone = NULL;
	p = icalproperty_new_dtstart(start);
	icalproperty_add_parameter(p, icalparameter_new_tzid(tz));
	icalcomponent_add_property(ev, p);
	if (rule != NULL)
		icalcomponent_add_property(ev, icalproperty_new_rrule(*rule));
	icalcomponent_add_property(ev, icalproperty_new_summary(r->title));
	icalcomponent_add_property(ev, icalproperty_new_description(r->body));
	icalcomponent_add_property(ev, icalproperty_new_transp(
	    ICAL_TRANSP_TRANSPARENT));
	icalcomponent_add_component(cal, ev);
}

/*
 * A lunar reminder (RSCALE=CHINESE) as its dates: a calendar that does not
 * know RSCALE (RFC 7529), as most do not, would read the rule's months and
 * days as Gregorian ones and show the Spring Festival on 1 January. Its
 * times from a month ago, ICS_LUNAR_YEARS ahead and ICS_LUNAR_MAX at most,
 * each an event of its own (reminder-ID-YYYYMMDD@host), on the days the
 * daemon sends it.
 */
static void
ics_dated(icalcomponent *cal, const struct reminder *r, const char *host,
    icaltimezone *z, const char *tz, time_t now)
{
	time_t			 at[ICS_LUNAR_MAX], from = now - 31 * 86400;
	struct icaltimetype	 lt;
	char			 uid[160];
	int			 n, i;

	if (from < r->dtstart - 1)
		from = r->dtstart - 1;
	n = rrule_next(r->rrule, tz, r->dtstart, from, at, ICS_LUNAR_MAX);
	for (i = 0; i < n && at[i] <= now + ICS_LUNAR_YEARS * 366 * 86400;
	    i++) {
		lt = icaltime_from_timet_with_zone(at[i], 0, z);
		(void)snprintf(uid, sizeof uid, "reminder-%lld-%04d%02d%02d@%s",
		    (long long)r->id, lt.year, lt.month, lt.day, host);
		ics_vevent(cal, r, uid, at[i], z, tz, now, NULL);
	}
}

/* Adds the VEVENT of one reminder (its zone's VTIMEZONE first); a
 * reminder whose rule or zone cannot be read is left out. */
static void
ics_event(icalcomponent *cal, struct ics_zones *zones,
    const struct reminder *r, time_t now, const char *host)
{
	const char			*tz = r->tz[0] ? r->tz : RRULE_TZ;
	icaltimezone			*z;
	struct icalrecurrencetype	 rule;
	time_t				 first;
	char				 uid[160];

	icalerror_clear_errno();
	rule = icalrecurrencetype_from_string(r->rrule);
	if (rule.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR ||
	    (z = icaltimezone_get_builtin_timezone(tz)) == NULL ||
	    ics_zone(cal, zones, tz) == -1) {
		icalerror_clear_errno();
		free(rule.rscale);
		log_warn("ics: reminder %lld left out of a feed: its rule or "
		    "zone cannot be read", (long long)r->id);
		return;
	}
	if (rule.rscale != NULL && strcasecmp(rule.rscale, "GREGORIAN") != 0) {
		free(rule.rscale);
		ics_dated(cal, r, host, z, tz, now);
		return;
	}
	(void)snprintf(uid, sizeof uid, "reminder-%lld@%s", (long long)r->id,
	    host);
	/*
	 * DTSTART is the first time the reminder fires, not the start it was
	 * given: RFC 5545 leaves a DTSTART the rule does not produce
	 * undefined, and calendars show it as one more time.
	 */
	if (rrule_next(r->rrule, tz, r->dtstart, r->dtstart - 1, &first,
	    1) != 1)
		first = r->dtstart;
	ics_vevent(cal, r, uid, first, z, tz, now, &rule);
	free(rule.rscale);	/* the property holds a copy of the rest */
}

/* Builds the feed of one staff member. */
char *
ics_feed(struct store *s, int64_t staff, time_t now, const char *host,
    enum store_status *st)
{
	struct staff_info	 who;
	struct reminder		*page = NULL;
	struct ics_zones	 zones;
	icalcomponent		*cal = NULL;
	icalproperty		*p;
	char			*text = NULL, name[128];
	int64_t			 after = 0;
	size_t			 n, i, events = 0;

	if (host == NULL || *host == '\0')
		host = "fangfei";
	if ((*st = staff_get(s, staff, &who)) != STORE_OK)
		goto out;
	memset(&zones, 0, sizeof zones);
	cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid(
	    "-//fangfei//reminders//ZH"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(
	    ICAL_METHOD_PUBLISH));
	/* One name for every reader: Chinese, then English. */
	(void)snprintf(name, sizeof name, "%s %s", msg_template(LOCALE_ZH,
	    MSG_ICS_CALNAME), msg_template(LOCALE_EN, MSG_ICS_CALNAME));
	p = icalproperty_new_x(name);
	icalproperty_set_x_name(p, "X-WR-CALNAME");
	icalcomponent_add_property(cal, p);
	p = icalproperty_new_x(RRULE_TZ);
	icalproperty_set_x_name(p, "X-WR-TIMEZONE");
	icalcomponent_add_property(cal, p);
	/* The district's zone, always: a calendar shows the times there. */
	(void)ics_zone(cal, &zones, RRULE_TZ);
	page = xcalloc(ICS_PAGE, sizeof *page);
	/* All reminders, a page at a time: the audience reaches up the tree
	 * as well as down, so no one subtree holds them. */
	do {
		if ((*st = reminders_list(s, 0, after, page, ICS_PAGE, &n)) !=
		    STORE_OK)
			goto out;
		for (i = 0; i < n; i++) {
			after = page[i].id;
			if (events < ICS_EVENTS_MAX &&
			    ics_concerns(s, &who, &page[i])) {
				ics_event(cal, &zones, &page[i], now, host);
				events++;
			}
			reminder_clear(&page[i]);
		}
	} while (n == ICS_PAGE && events < ICS_EVENTS_MAX);
	if (events == ICS_EVENTS_MAX)
		log_warn("ics: the feed of staff %lld stops at %d reminders",
		    (long long)staff, ICS_EVENTS_MAX);
	text = icalcomponent_as_ical_string_r(cal);
	*st = STORE_OK;
out:
	if (page != NULL) {
		for (i = 0; i < ICS_PAGE; i++)
			reminder_clear(&page[i]);
		free(page);
	}
	if (cal != NULL)
		icalcomponent_free(cal);
	return text;
}

/* The host of a public URL into out ("" when it names none). */
static void
ics_host(const char *base, char *out, size_t size)
{
	const char	*p;
	size_t		 len;

	*out = '\0';
	if (base == NULL || (p = strstr(base, "://")) == NULL)
		return;
	p += 3;
	len = strcspn(p, "/:?#");
	if (len > 0 && len < size)
		(void)snprintf(out, size, "%.*s", (int)len, p);
}

/* Answers a plain-text error. */
static void
ics_plain(struct http_response *resp, int status, const char *text)
{
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	resp->cache = "no-store";
	resp->body = xstrdup(text);
	resp->len = strlen(resp->body);
}

/* Answers /ics/NAME. */
void
ics_handle(struct store *s, const struct http_request *req, const char *name,
    const char *base, struct http_response *resp)
{
	char			 secret[ICSFEED_SECRET_LEN + 1], host[128];
	char			*text;
	int64_t			 staff;
	enum store_status	 st;

	/* <64 hex digits>.ics and nothing else; anything wrong is the same
	 * 404 as an unknown or revoked secret. */
	if (strlen(name) != ICSFEED_SECRET_LEN + 4 ||
	    strcmp(name + ICSFEED_SECRET_LEN, ".ics") != 0) {
		ics_plain(resp, 404, "404: not found\n");
		return;
	}
	memcpy(secret, name, ICSFEED_SECRET_LEN);
	secret[ICSFEED_SECRET_LEN] = '\0';
	st = icsfeeds_check(s, secret, &staff);
	memset(secret, 0, sizeof secret);
	if (st == STORE_NOT_FOUND) {
		ics_plain(resp, 404, "404: not found\n");
		return;
	}
	ics_host(base, host, sizeof host);
	if (st != STORE_OK ||
	    (text = ics_feed(s, staff, req->now, host, &st)) == NULL) {
		ics_plain(resp, 503, "503: try again later\n");
		return;
	}
	resp->status = 200;
	resp->content_type = "text/calendar; charset=utf-8";
	resp->cache = "no-store";
	resp->body = text;
	resp->len = strlen(text);
}

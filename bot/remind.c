/* Firing reminders at a given instant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "remind.h"
#include "rrule.h"
#include "storage/outbox.h"
#include "storage/staff.h"

#define REMIND_BATCH	64	/* reminders per turn */
#define REMIND_STAFF	512	/* a reminder's staff, read this many at a time */
#define REMIND_BACKLOG	400	/* occurrences looked at after downtime */

/* The first occurrence after `after`. */
time_t
remind_next(const struct reminder *r, time_t after)
{
	time_t	 t;

	if (rrule_next(r->rrule, r->tz, r->dtstart, after, &t, 1) != 1)
		return 0;
	return t;
}

/* Whether now falls in [start, end) minutes of the local day, a window
 * that may wrap midnight (22:00-08:00). */
static int
remind_quiet(int minute, int start, int end)
{
	if (start == end)
		return 0;
	if (start < end)
		return minute >= start && minute < end;
	return minute >= start || minute < end;
}

/*
 * Claims one occurrence, then queues its messages, in the caller's
 * transaction. *sent is 0 when another instance of the daemon has the
 * occurrence (its firing row is theirs): then nothing is queued here.
 */
static enum store_status
remind_send(struct store *s, const struct handler_env *env,
    const struct reminder *r, time_t due, time_t now, int *sent)
{
	struct broadcast_new	 b;
	struct broadcast_reach	 reach;
	int64_t			 bid = 0, staff[REMIND_STAFF];
	char			 by[32];
	size_t			 n = 0, i;
	long			 told = 0, k;
	enum store_status	 st;

	if ((st = firings_claim(s, r->id, due, now, sent)) != STORE_OK ||
	    !*sent)
		return st;
	(void)snprintf(by, sizeof by, "reminder:%lld", (long long)r->id);
	if (r->kinds[0] != '\0') {
		memset(&b, 0, sizeof b);
		b.area = r->area_id;
		b.kinds = r->kinds;
		b.text = r->body;
		b.by = by;
		b.sms_channel = env->sms_channel;
		if ((st = broadcasts_create(s, &b, now, &bid, &reach)) !=
		    STORE_OK)
			return st;
	}
	/* Every one of them, a page at a time (a district has more grid
	 * workers than a page). */
	if (r->roles[0] != '\0')
		do {
			if ((st = reminders_staff(s, r->area_id, r->roles,
			    n > 0 ? staff[n - 1] : 0, staff, REMIND_STAFF,
			    &n)) != STORE_OK)
				return st;
			for (i = 0; i < n; i++) {
				if ((st = staff_notify_identities(s, staff[i],
				    "", "", r->body, now, &k)) != STORE_OK)
					return st;
				told += k;
			}
		} while (n == REMIND_STAFF);
	return firings_sent(s, r->id, due, bid, told);
}

/*
 * Fires or holds one occurrence of r due at due. *held is set when it is
 * put off until the end of its area's quiet hours, *sent when its
 * messages were queued here.
 */
static enum store_status
remind_occurrence(struct store *s, const struct handler_env *env,
    const struct reminder *r, time_t due, time_t now, int *held, int *sent)
{
	enum firing_state	 fs;
	time_t			 until;
	int			 start, end, minute;
	enum store_status	 st;

	*held = 0;
	*sent = 0;
	if ((st = firings_get(s, r->id, due, &fs, &until)) != STORE_OK)
		return st;
	if (fs == FIRING_SENT || fs == FIRING_SKIPPED)
		return STORE_OK;	/* done before a stop */
	if (fs == FIRING_HELD && until > now) {
		*held = 1;
		return STORE_OK;
	}
	if (!r->urgent && fs != FIRING_HELD) {
		if ((st = quiet_hours_get(s, r->area_id, &start, &end)) !=
		    STORE_OK)
			return st;
		minute = rrule_minute(now, r->tz);
		if (minute >= 0 && remind_quiet(minute, start, end)) {
			*held = 1;
			return firings_put(s, r->id, due, FIRING_HELD,
			    rrule_at_minute(now, r->tz, end), 0, 0, now);
		}
	}
	return remind_send(s, env, r, due, now, sent);
}

/* Handles one due reminder: its occurrences up to now. */
static int
remind_one(struct store *s, const struct handler_env *env, int64_t id,
    time_t now, struct remind_stats *stats)
{
	struct reminder		 r;
	time_t			 occ[REMIND_BACKLOG], next;
	char			 when[20];
	int			 n, i, held, sent;
	enum store_status	 st;

	if (store_begin(s) != STORE_OK)
		return -1;
	if ((st = reminders_get(s, id, 0, &r)) != STORE_OK) {
		store_rollback(s);
		return st == STORE_NOT_FOUND ? 0 : -1;
	}
	/* The occurrences from next_at (itself one) up to now. */
	n = rrule_next(r.rrule, r.tz, r.dtstart, r.next_at - 1, occ,
	    REMIND_BACKLOG);
	if (n < 0) {
		log_warn("reminder %lld: its rule cannot be read: paused",
		    (long long)r.id);
		(void)reminders_pause(s, r.id, 0, 1, 0);
		stats->failed++;
		goto next;
	}
	while (n > 0 && occ[n - 1] > now)
		n--;
	st = STORE_OK;
	for (i = 0; i < n && st == STORE_OK; i++) {
		rrule_local(occ[i], r.tz, when);
		if (i < n - 1 || now - occ[i] > r.catchup_seconds) {
			/* Missed while down: the log says which. */
			log_warn("reminder %lld: the %s occurrence is %s; "
			    "skipped", (long long)r.id, when, i < n - 1 ?
			    "superseded by a later one" : "older than its "
			    "catch-up age");
			st = firings_put(s, r.id, occ[i], FIRING_SKIPPED, 0, 0,
			    0, now);
			stats->skipped++;
			continue;
		}
		st = remind_occurrence(s, env, &r, occ[i], now, &held, &sent);
		if (held)
			stats->held++;
		else if (st == STORE_OK && sent)
			stats->sent++;
	}
	if (st != STORE_OK)
		goto fail;
next:
	next = remind_next(&r, n > 0 ? occ[n - 1] : now);
	if (n == 0 && next == 0)
		next = remind_next(&r, r.next_at);
	if (reminders_set_next(s, r.id, next) != STORE_OK ||
	    store_commit(s) != STORE_OK)
		goto fail;
	reminder_clear(&r);
	return 0;
fail:
	store_rollback(s);
	reminder_clear(&r);
	return -1;
}

/* Sends the held firings whose quiet hours are over. */
static int
remind_held(struct store *s, const struct handler_env *env, time_t now,
    struct remind_stats *stats)
{
	int64_t		 ids[REMIND_BATCH];
	time_t		 due[REMIND_BATCH];
	struct reminder	 r;
	size_t		 n = 0, i;
	int		 held, sent;

	if (firings_held_due(s, now, ids, due, REMIND_BATCH, &n) != STORE_OK)
		return -1;
	for (i = 0; i < n; i++) {
		if (store_begin(s) != STORE_OK)
			return -1;
		if (reminders_get(s, ids[i], 0, &r) != STORE_OK) {
			/* Deleted meanwhile: the hold ends unsent. */
			(void)firings_put(s, ids[i], due[i], FIRING_SKIPPED, 0,
			    0, 0, now);
			(void)store_commit(s);
			stats->skipped++;
			continue;
		}
		if (remind_occurrence(s, env, &r, due[i], now, &held,
		    &sent) != STORE_OK || store_commit(s) != STORE_OK) {
			store_rollback(s);
			reminder_clear(&r);
			return -1;
		}
		if (sent)
			stats->sent++;
		reminder_clear(&r);
	}
	return 0;
}

/* Fires what is due. */
int
remind_run(struct store *s, const struct handler_env *env, time_t now,
    struct remind_stats *stats)
{
	int64_t		 ids[REMIND_BATCH];
	size_t		 n = 0, i;

	memset(stats, 0, sizeof *stats);
	if (remind_held(s, env, now, stats) == -1)
		return -1;
	if (reminders_due(s, now, ids, REMIND_BATCH, &n) != STORE_OK)
		return -1;
	for (i = 0; i < n; i++)
		if (remind_one(s, env, ids[i], now, stats) == -1)
			return -1;
	return 0;
}

/* Whether a rule names a calendar of its own (RSCALE=), in any case. */
static int
remind_rscale(const char *rule)
{
	const char	*p;

	for (p = rule; *p != '\0'; p++)
		if (strncasecmp(p, "RSCALE=", 7) == 0)
			return 1;
	return 0;
}

/* One lunar reminder's next time, mended if it is no occurrence of its
 * rule: 1 when moved, 0 when right, -1 when the store failed. */
static int
remind_mend_one(struct store *s, const struct reminder *r)
{
	time_t			 to, from;
	char			 was[20], now_at[20];

	if (remind_next(r, r->next_at - 1) == r->next_at)
		return 0;
	/* The first occurrence after the last one that came due (or after
	 * the reminder was added): the one the stored time stood for, a
	 * day either side, unless the rule itself read differently. */
	if (firings_last(s, r->id, &from) != STORE_OK)
		return -1;
	if (from < r->dtstart - 1)
		from = r->dtstart - 1;
	if (from < r->created_at)
		from = r->created_at;
	to = remind_next(r, from);
	if (reminders_set_next(s, r->id, to) != STORE_OK)
		return -1;
	rrule_local(r->next_at, r->tz, was);
	rrule_local(to, r->tz, now_at);
	log_info("reminder %lld: its next time moves from %s to %s, the "
	    "Chinese calendar's day", (long long)r->id, was, to != 0 ?
	    now_at : "none");
	return 1;
}

/* Mends the next times of lunar reminders (see remind.h). */
int
remind_mend(struct store *s)
{
	struct reminder	 page[REMIND_BATCH];
	int64_t		 after = 0;
	size_t		 n = 0, i;
	int		 mended = 0, rc = 0;

	do {
		if (reminders_list(s, 0, after, page, REMIND_BATCH, &n) !=
		    STORE_OK)
			return -1;
		for (i = 0; i < n; i++) {
			after = page[i].id;
			if (rc != -1 && !page[i].paused &&
			    page[i].next_at != 0 && remind_rscale(page[i].rrule))
				if ((rc = remind_mend_one(s, &page[i])) == 1)
					mended++;
			reminder_clear(&page[i]);
		}
	} while (rc != -1 && n == REMIND_BATCH);
	return rc == -1 ? -1 : mended;
}

/* The earliest time anything is due. */
time_t
remind_wake_at(struct store *s)
{
	time_t	 a = 0, b = 0;

	(void)reminders_next_due(s, &a);
	(void)firings_next_held(s, &b);
	if (a == 0 || (b != 0 && b < a))
		return b;
	return a;
}

/*
 * Reminders and their firings, quiet hours. A reminder knows its rule, its
 * audience and the next time it is due (next_at, computed by the caller
 * from the rule: storage/ knows no calendar); each occurrence that came
 * due has one firing row, so that it is sent at most once.
 */
#ifndef FANGFEI_REMINDERS_H
#define FANGFEI_REMINDERS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define REMINDER_QUIET_START	(22 * 60)	/* default quiet hours */
#define REMINDER_QUIET_END	(8 * 60)

struct reminder {
	int64_t	 id;
	char	*title;
	char	*body;
	int64_t	 area_id;
	char	 area_path[512];
	char	 kinds[128];	/* group kinds and "sms", comma-separated */
	char	 roles[96];	/* staff roles, comma-separated */
	char	 rrule[512];
	time_t	 dtstart;
	char	 tz[64];
	int	 urgent;	/* ignores quiet hours */
	int	 catchup_seconds;	/* older occurrences are skipped */
	int	 paused;
	time_t	 next_at;	/* 0: none left */
	char	 calendar[32];	/* the preset it came from, "" if none */
	char	 created_by[32];
	time_t	 created_at;
};
void		 reminder_clear(struct reminder *);

/* Stores a new reminder (title, body, area, kinds or roles, rule, start,
 * zone, urgent, catch-up, calendar and created_by as in r) due first at
 * next_at; *id gets it. */
enum store_status reminders_add(struct store *, const struct reminder *r,
		    time_t now, int64_t *id);
/* One reminder of the subtree of scope (0: any); STORE_NOT_FOUND for a
 * deleted one or one outside. */
enum store_status reminders_get(struct store *, int64_t id, int64_t scope,
		    struct reminder *);
/* Lists the reminders of the subtree of scope, ids after `after`. */
enum store_status reminders_list(struct store *, int64_t scope, int64_t after,
		    struct reminder *, size_t n, size_t *count);
/* Pauses or resumes one (with the next time it is due when resumed). */
enum store_status reminders_pause(struct store *, int64_t id, int64_t scope,
		    int paused, time_t next_at);
/* Deletes one: kept for its firings' history, never due again. */
enum store_status reminders_delete(struct store *, int64_t id, int64_t scope,
		    time_t now);
/* Ids of reminders due at now, earliest first. */
enum store_status reminders_due(struct store *, time_t now, int64_t *ids,
		    size_t n, size_t *count);
/* The earliest next_at of a live reminder, 0 when none. */
enum store_status reminders_next_due(struct store *, time_t *when);
enum store_status reminders_set_next(struct store *, int64_t id,
		    time_t next_at);

enum firing_state {
	FIRING_NONE = 0,	/* no row: never came due */
	FIRING_HELD,		/* waiting for quiet hours to end */
	FIRING_SENT,
	FIRING_SKIPPED,		/* past its catch-up age */
};
/* The firing of one occurrence. */
enum store_status firings_get(struct store *, int64_t reminder, time_t due_at,
		    enum firing_state *, time_t *held_until);
/* The due time of the latest occurrence of reminder that has a firing
 * row (sent, held or skipped), 0 when none has. */
enum store_status firings_last(struct store *, int64_t reminder,
		    time_t *due_at);
/* Records it (a held firing later sent updates its row). */
enum store_status firings_put(struct store *, int64_t reminder, time_t due_at,
		    enum firing_state, time_t held_until, int64_t broadcast,
		    long staff_told, time_t now);
/*
 * Claims the occurrence of reminder due at due_at for sending, at now: its
 * firing row is created as sent, or a held one whose hold is over becomes
 * sent. *claimed is 1 when this connection took it, 0 when the row
 * belongs to someone else (another instance sent, skipped or holds it):
 * then the caller sends nothing. Send in the same transaction, then
 * record what went with firings_sent().
 */
enum store_status firings_claim(struct store *, int64_t reminder,
		    time_t due_at, time_t now, int *claimed);
/* Records the broadcast (0: none) and staff told of a claimed firing. */
enum store_status firings_sent(struct store *, int64_t reminder,
		    time_t due_at, int64_t broadcast, long staff_told);
/* Firings held past their quiet hours at now: reminder and due time. */
enum store_status firings_held_due(struct store *, time_t now,
		    int64_t *reminders, time_t *due, size_t n, size_t *count);

/* The earliest held_until of a held firing, 0 when none. */
enum store_status firings_next_held(struct store *, time_t *when);

/* Active staff of the roles (comma-separated) in the subtree of area: a
 * reminder's staff audience, by id, the first n of those after id after
 * (0: from the start). */
enum store_status reminders_staff(struct store *, int64_t area,
		    const char *roles, int64_t after, int64_t *staff, size_t n,
		    size_t *count);

/* The quiet hours of an area (its own, the nearest ancestor's, or the
 * default), in minutes after local midnight. */
enum store_status quiet_hours_get(struct store *, int64_t area, int *start,
		    int *end);
enum store_status quiet_hours_set(struct store *, int64_t area, int start,
		    int end);

#endif

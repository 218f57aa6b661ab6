/*
 * Broadcasts and the outbox. A broadcast fans out into one outbox row per
 * group, written in the caller's transaction; the delivery thread claims
 * due rows, sends them and records each answer. Robot groups (outbound
 * only) are registered here too.
 */
#ifndef FANGFEI_OUTBOX_H
#define FANGFEI_OUTBOX_H

#include <stdint.h>
#include <time.h>

#include "store.h"

/* Group kinds, as stored. */
int		 group_kind_valid(const char *kind);

/* Registers an outbound robot group (type dingtalk, wecom or feishu), or
 * updates the robot of that type and name in the same area; robots of
 * other areas are never touched. The webhook must be http(s); the caller
 * checks where it points (bot/target.h). The webhook and the secret are
 * stored sealed under the reporter key (STORE_ERROR without one), with
 * the webhook's host in clear. */
enum store_status groups_add_robot(struct store *, const char *type,
		    const char *name, int64_t area, const char *kind,
		    const char *webhook, const char *secret, time_t now,
		    int64_t *id);

/* Seals the robots' webhooks and secrets still stored in clear (rows
 * from before 021_robot_sealed), in one transaction; *sealed says how
 * many. Needs the reporter key. */
enum store_status groups_seal_clear(struct store *, long *sealed);

/* A group warnings reach, as listed: never its webhook's key or secret. */
struct group_entry {
	int64_t	 id;
	char	 area_path[512];
	char	 kind[16];
	char	 channel[64];	/* channel instance, or robot type */
	char	 name[128];	/* title or robot name */
	char	 host[256];	/* the webhook's host[:port]; "" for chats */
};
/* Lists the groups attached to an area in the subtree of scope (0: all),
 * ids after `after`, at most n. */
enum store_status groups_list(struct store *, int64_t scope, int64_t after,
		    struct group_entry *, size_t n, size_t *count);

/* The broadcast kind of SMS lists: the numbers registered under an area
 * (storage/phones.h), beside the group kinds. */
#define BROADCAST_SMS	"sms"
int		 broadcast_kind_valid(const char *kind);

struct broadcast_new {
	int64_t		 area;
	const char	*kinds;		/* comma-separated group kinds, "sms" */
	const char	*text;
	const char	*by;		/* "staff:N", "token:N", "cli" */
	int64_t		 notice;	/* the notice it publishes, or 0 */
	const char	*sms_text;	/* what numbers get, NULL: text */
	/* The SMS channel instance that sends to numbers; NULL: none
	 * configured, and "sms" reaches nobody. */
	const char	*sms_channel;
};

struct broadcast_reach {
	long	 groups;
	long	 numbers;		/* not opted out */
};

/*
 * Creates a broadcast of b->text to the groups of b->kinds in the subtree
 * of b->area and, with "sms", to every number registered there that has
 * not opted out: one outbox row each, due now. The caller holds a
 * transaction.
 */
enum store_status broadcasts_create(struct store *,
		    const struct broadcast_new *, time_t now, int64_t *id,
		    struct broadcast_reach *);
/* Counts whom broadcasts_create() would reach now, writing nothing. */
enum store_status broadcasts_preview(struct store *,
		    const struct broadcast_new *, struct broadcast_reach *);

/*
 * A member's limit of warnings in 24 hours ([limits] warnings_per_day;
 * per_day 0: none), counted from the broadcasts `by` created, in the
 * caller's write transaction (which holds the write lock on either
 * engine), so every channel, the console and every instance see one
 * count. STORE_OK under the limit; STORE_INVALID at it, *count filled in
 * and the refusal audited ("warn refused"); STORE_ERROR.
 */
enum store_status broadcasts_day_limit(struct store *, const char *by,
		    int per_day, time_t now, long *count);

struct broadcast_counts {
	long	 pending;	/* includes rows waiting to retry */
	long	 sending;
	long	 sent;		/* groups sent, SMS delivered */
	long	 accepted;	/* SMS taken by the gateway, not yet reported */
	long	 dead;		/* given up, or reported failed */
};
enum store_status broadcasts_counts(struct store *, int64_t id,
		    struct broadcast_counts *);
/* The broadcasts to base's subtree created in [since, until): how many
 * (*count), and their rows by state, added up. */
enum store_status broadcasts_counts_under(struct store *, int64_t base,
		    time_t since, time_t until, long *count,
		    struct broadcast_counts *);
/* The area (for scope checks) and creator of a broadcast. */
enum store_status broadcasts_get(struct store *, int64_t id, int64_t *area);

struct outbox_group_state {
	int64_t	 row;		/* outbox id: the list's order */
	int64_t	 group_id;	/* 0 for a number */
	int	 sms;		/* a number: name is masked */
	char	 name[128];	/* title, robot name or "138****0001" */
	char	 channel[64];
	char	 state[12];
	int	 attempts;
	char	 error[256];
};
/* Lists per-target states of a broadcast, outbox rows after `after`. */
enum store_status broadcasts_groups(struct store *, int64_t id, int64_t after,
		    struct outbox_group_state *, size_t n, size_t *count);

/* A row claimed for delivery, with what the adapter needs. */
struct outbox_row {
	int64_t	 id;
	int64_t	 group_id;
	int	 attempts;	/* including this one */
	char	*idem_key;
	char	*body;
	char	*channel;	/* channel instance, or robot type */
	char	*chat_id;
	char	*webhook;
	char	*secret;
	char	*meta;		/* how to answer the message, or NULL */
	int64_t	 phone_id;	/* a row to a number: chat_id is the number,
				   opened from its seal (0: a group) */
	int	 opted_out;	/* the number opted out since it was queued */
	int	 unopened;	/* a robot whose sealed webhook did not open */
	int64_t	 reporter_id;	/* a row to a reporter: chat_id opened from
				   the reporter's seal (NULL if it did not) */
	time_t	 created_at;	/* when it was queued */
};
void		 outbox_row_clear(struct outbox_row *);

/*
 * Queues text to a reporter (storage/tips.h), sent through the channel
 * instance they used to the chat in their seal: nothing about them is
 * written in clear. A row with the same idem_key is left alone. The
 * caller holds a transaction.
 */
enum store_status outbox_queue_reporter(struct store *, int64_t reporter,
		    const char *channel, const char *text, const char *idem_key,
		    time_t now);

/* At start: rows left 'sending' by a stopped process become due again
 * (on PostgreSQL, where other instances share the outbox, those
 * outbox_reclaim() takes). */
enum store_status outbox_recover(struct store *, time_t now, long *n);
/*
 * Rows whose claim's lease ran out (their sender was killed, or hangs)
 * become due again; on PostgreSQL also those whose claimer is gone (its
 * claimer lock, locks.h, held by nobody) at this look and at an earlier
 * one a few seconds before: a sender that reconnects keeps its rows. Run
 * every few seconds; *n gets how many.
 */
enum store_status outbox_reclaim(struct store *, time_t now, long *n);
/* Reads up to n due rows (not yet claimed), oldest first. */
enum store_status outbox_due(struct store *, time_t now,
		    struct outbox_row *, size_t n, size_t *count);
/*
 * Marks rows as being sent until lease (when another sender may take
 * them over), in the caller's transaction if one is open (which must
 * commit before any of their requests leaves), else in one of its own.
 * won[i] is 1 when ids[i] was still pending and is now the caller's, 0
 * when another sender claimed it first: only won rows may be sent. On
 * PostgreSQL one statement claims them all, skipping rows another sender
 * holds locked, under the store's claimer id (locks.h). On failure
 * nothing is won; a transaction of its own is rolled back, the caller's
 * is left to the caller (on PostgreSQL it cannot commit after a failed
 * statement).
 */
enum store_status outbox_claim(struct store *, const int64_t *ids, size_t n,
		    time_t now, time_t lease, int *won);

/* What the senders of an outbox claimed lately, for rate limits. */
struct outbox_recent {
	int	 target_minute;	/* the row's chat or number, this minute */
	int	 target_second;	/* ... this second */
	int	 channel_second; /* the row's channel, this second */
};
/*
 * Fills out for row r going out on channel at now: the rows every sender
 * claimed (other instances on PostgreSQL, and this one before a restart),
 * read in the caller's write transaction, so that senders count one
 * after another.
 */
enum store_status outbox_recent(struct store *, const struct outbox_row *r,
		    const char *channel, time_t now, struct outbox_recent *out);
/* Pushes a row's next attempt back without counting an attempt (rate
 * limit). */
enum store_status outbox_defer(struct store *, int64_t id, time_t next_at);
/* Records an answer: state "sent", "dead" or "pending" (retry at
 * next_at); STORE_INVALID for any other. */
enum store_status outbox_finish(struct store *, int64_t id, const char *state,
		    time_t next_at, const char *error, time_t now);
/* One answer, for outbox_finish_many(). */
struct outbox_answer {
	int64_t		 id;
	const char	*state;		/* as outbox_finish()'s */
	time_t		 next_at;
	char		*error;		/* or NULL */
};
/* Records n answers as outbox_finish() does, in the caller's transaction
 * (on PostgreSQL in one statement). STORE_INVALID for a bad state, and
 * then nothing is written. */
enum store_status outbox_finish_many(struct store *,
		    const struct outbox_answer *, size_t n, time_t now);
/*
 * Delivery reports. An SMS gateway is told where to report a message's
 * fate with a token naming its outbox row, signed with a key of the store
 * ("<id>.<32 hex digits>"), so that nobody else can mark a row delivered.
 */
#define OUTBOX_REPORT_TOKEN_MAX	64
int		 outbox_report_token(const struct store *, int64_t id,
		    char out[OUTBOX_REPORT_TOKEN_MAX]);
/* The row a token names, or -1 when it is not one of ours. */
int64_t		 outbox_report_id(const struct store *, const char *token);
/* Moves row id ("sending" or "sent", a row to a number) to state
 * "delivered" or "failed" with the platform's error and message id (each
 * may be NULL). STORE_OK also when it had been reported already;
 * STORE_NOT_FOUND when there is no such row. */
enum store_status outbox_report(struct store *, int64_t id, const char *state,
		    const char *error, const char *ref, time_t now);

/* The earliest next_at of a pending row, or 0 when none. */
enum store_status outbox_next_due(struct store *, time_t *when);

/* The rows of each state, for /metrics. */
#define OUTBOX_STATES	6
extern const char *const outbox_state_names[OUTBOX_STATES];
struct outbox_stats {
	int64_t	 rows[OUTBOX_STATES];	/* by outbox_state_names */
};
enum store_status outbox_stats(struct store *, struct outbox_stats *);
/* The created_at of the oldest pending or sending row, 0 when none. */
enum store_status outbox_oldest_waiting(struct store *, time_t *when);

#endif

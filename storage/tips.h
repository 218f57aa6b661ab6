/*
 * Tips (举报线索) and their reporters. A tip row never holds who reported
 * it: the identity is sealed in reporters (AES-256-GCM under the store's
 * key) and found again only through a keyed hash.
 */
#ifndef FANGFEI_TIPS_H
#define FANGFEI_TIPS_H

#include <stdint.h>
#include <time.h>

#include "store.h"

#define TIP_REF_MAX	32	/* "JB-20261121-7KQ3XZ" */
#define TIP_REF_RANDOM	6	/* random characters after the day */

struct reporter_identity {
	const char	*channel;	/* channel instance */
	const char	*sender_id;	/* platform user id */
	const char	*sender_name;
	const char	*chat_id;
};

struct tip_new {
	const char			*body;
	const char			*day;		/* YYYYMMDD, local */
	int64_t				 area_id;	/* 0: unknown */
	const char			*chat_kind;	/* "private" | "group" */
	int				 anonymous;	/* no way to reach them */
	int				 practice;	/* the chat simulator's:
							   in no figure or list */
	struct reporter_identity	 reporter;
};

/* Stores a tip, its reporter and its first event; the caller holds a
 * transaction. ref receives the new reference. */
enum store_status tips_create(struct store *, const struct tip_new *,
		    time_t now, char ref[TIP_REF_MAX]);

struct tip_status {
	char	 status[16];	/* received verifying disposing closed rejected */
	time_t	 created_at;
	time_t	 updated_at;
};
/* The status of tip ref if it was filed by (channel, sender_id);
 * STORE_NOT_FOUND both when there is no such tip and when it is someone
 * else's, so that the answer reveals nothing. */
enum store_status tips_status(struct store *, const char *ref,
		    const char *channel, const char *sender_id,
		    struct tip_status *);

/* Opens the sealed identity of reporter id into a newly allocated
 * "channel\nsender_id\nsender_name\nchat_id" (caller frees). */
enum store_status reporters_open(struct store *, int64_t id, char **plain);
/* The reporter row of a tip (0 when none). */
enum store_status tips_reporter(struct store *, const char *ref, int64_t *id);
/* Calls each(arg, state, n) for every state that tips outside practice
 * are in, for /metrics. */
enum store_status tips_count_states(struct store *,
		    void (*each)(void *, const char *state, long n), void *arg);

#endif

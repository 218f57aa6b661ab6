/*
 * The delivery thread's state, shared by bot/delivery.c (the loop),
 * bot/delivery_limit.c (rate limits) and bot/delivery_token.c (platform
 * access tokens). Nothing outside the delivery thread includes this.
 */
#ifndef FANGFEI_DELIVERY_INT_H
#define FANGFEI_DELIVERY_INT_H

#include <sys/queue.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "channel.h"
#include "config.h"
#include "messages/buf.h"
#include "storage/outbox.h"

#define DELIVERY_BATCH		256
#define DELIVERY_IDLE_MAX	256	/* easy handles kept for reuse */
#define DELIVERY_TOKEN_RETRY	30	/* seconds after a refused token */
#define DELIVERY_TOKEN_LEASE	30	/* another instance's fetch: its time */
#define DELIVERY_TOKEN_PEER	2	/* ... and how often to look for it */
#define DELIVERY_BODY_MAX	(64 * 1024)
#define LIMIT_SLOTS		65536	/* a power of two */
#define LIMIT_PROBES		32

/* A transfer in flight. */
struct job {
	LIST_ENTRY(job)			 entry;
	CURL				*easy;
	int64_t				 row;
	int64_t				 group;
	int				 attempts;
	time_t				 created;	/* the row's queueing */
	const struct channel_backend	*backend;
	const struct channel		*channel;
	struct http_call		 call;
	struct curl_slist		*headers;
	struct buf			 answer;
	int				 retry_after;	/* from the header */
	int				 check_target;	/* a robot's URL */
	int				 refused;	/* its address was */
	int				 token_fetch;	/* fetches the channel's
							   access token, no row */
	/* A row for the channel's long connection: handed to it once the
	 * turn's claim commits (stream_submit()), with copies of its text. */
	int				 socket;
	struct outbound			 out;
	int64_t				 started_ns;	/* at launch, monotonic */
};

/* Fixed-window counters of one chat (robot), for the rate limits. */
struct limit_slot {
	int64_t	 group;
	time_t	 second;
	int	 in_second;
	time_t	 minute;
	int	 in_minute;
	uint64_t turn;		/* of delivery_fill(), when last counted */
};

struct delivery {
	const struct config	*cfg;
	uint8_t			 key[32];
	pthread_t		 thread;
	atomic_int		 stop;
	CURLM			*multi;
	struct store		*store;
	int			 inflight;
	LIST_HEAD(, job)	 jobs;
	int			 txn;		/* the turn's, open */
	/* Answers of finished sends not committed yet: written in the
	 * turn's transaction and kept until it commits. */
	struct outbox_answer	*answers;
	size_t			 nanswers, answers_cap;
	time_t			 reclaim_at;	/* next look for lapsed claims */
	struct job		*ready[DELIVERY_BATCH];	/* claimed, to
							   launch */
	size_t			 nready;
	CURL			*idle[DELIVERY_IDLE_MAX];	/* reset */
	size_t			 nidle;
	struct limit_slot	 slots[LIMIT_SLOTS];
	struct {
		const struct channel		*channel;
		time_t				 second;
		int				 count;
		uint64_t			 turn;
	}			 global[CONFIG_CHANNELS_MAX + 8];
	uint64_t		 turn;		/* delivery_fill()s so far */
	struct channel		 robots[8];	/* outbound-only backends */
};

/* Frees a job; launches one on the multi handle (delivery.c). */
void		 delivery_job_free(struct job *);
void		 delivery_launch(struct delivery *, struct job *);

/*
 * Applies the rate limits to one send of row r on ch at now: 0 (and
 * counted) when it may go, else the time when it may (delivery_limit.c).
 */
time_t		 delivery_limit(struct delivery *, const struct channel *,
		    const struct outbox_row *, time_t now);

/*
 * Access tokens of platform APIs (delivery_token.c): starts a fetch of
 * ch's token unless one runs, failed lately or another instance has it;
 * the seconds rows of ch wait after a refused fetch; the answer of a
 * fetch stored.
 */
void		 delivery_token_start(struct delivery *, const struct channel *,
		    time_t now);
int		 delivery_token_wait(const struct channel *, time_t now);
void		 delivery_token_done(struct delivery *, struct job *,
		    long status, time_t now);

#endif

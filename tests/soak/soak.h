/*
 * The kill soak (make soak): tips on every inbound channel while the
 * daemon is killed with SIGKILL at random moments. soak_chan.c plays the
 * platforms (each channel's request, signed or sealed as its platform
 * does, and its answer read back); soak.c runs the clients, the killer
 * and the checks.
 */
#ifndef FANGFEI_SOAK_H
#define FANGFEI_SOAK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/e2e/e2e.h"

#define SOAK_SENDERS	4	/* reporters per channel */
#define SOAK_INFLIGHT	4	/* [delivery] max_inflight */
#define SOAK_DRAIN_MS	240000	/* longest wait for the outbox to empty */
#define SOAK_FOLLOW_ID	5000000	/* message numbers of the follow-ups */
#define BC_MARK		"鑫源财富"	/* in the broadcast's text */
#define RM_MARK		"晨间提醒"	/* in the reminder's */

struct fakeplat;

/* One answer of the daemon as the platform reads it. */
struct soak_reply {
	long	 status;	/* HTTP status; 0: no answer (connection lost) */
	char	*text;		/* the answer's text (sealed answers opened) */
	int	 error;		/* libcurl's CURLcode; 0 when answered */
};

/* One tip as its client saw it. */
struct soak_tip {
	char	 ref[32];	/* the acknowledged reference, or "" */
	int	 acked;		/* 200 with the acknowledgement */
	int	 refused;	/* 200 without it (what it said is printed) */
	int	 attempts;
	int	 stored;	/* rows holding its token */
	char	 stored_ref[32];
	int	 followed;
};

/* One channel's client: its tips, appended by its thread only. */
struct soak_client {
	size_t			 ch;	/* index in soak_channels */
	pthread_t		 thread;
	struct soak_tip		*tips;
	size_t			 ntips, cap;
	size_t			 failed_requests;	/* retried */
	size_t			 lost_requests;	/* of which cut by a kill */
	size_t			 redelivered, redelivered_bad;
};

/* What the checks look at: the first daemon (its database), the fake
 * platforms, the clients, and the moments of the kills. */
struct soak_world {
	const struct daemon	*db;
	struct fakeplat		*robots;	/* the broadcast's robots */
	struct fakeplat		*api;		/* the channels' APIs */
	struct soak_client	*clients;	/* soak_nchannels of them */
	const int64_t		*kill_at;	/* CLOCK_REALTIME ms, sorted */
	unsigned		 nkills;
};

/* One inbound channel as its platform reaches it. */
struct soak_channel {
	const char	*name;		/* the [channel.NAME] of the config */
	/* Whether the answer comes through the outbox (the webhook's own
	 * answer is an empty acknowledgement). */
	int		 async;
	/*
	 * Sends text as message number id from reporter sender (below
	 * SOAK_SENDERS) to the daemon d; every call signs afresh, as a
	 * platform's retry does. The reply's text is the caller's to free.
	 */
	void		(*say)(const struct daemon *d, int sender,
			    unsigned long id, const char *text,
			    struct soak_reply *);
};

extern const struct soak_channel soak_channels[];
extern const size_t soak_nchannels;

/* The config of every channel: the fake platform API at api_base (the
 * OpenAPIs and sessionWebhook hosts), api_port its port. Caller frees. */
char	*soak_chan_config(const char *api_base, int api_port);
/* The answer body that every API call of the channels accepts. */
extern const char soak_api_ok[];
/* Frees a reply's text. */
void	 soak_reply_free(struct soak_reply *);

/* soak.c: the milliseconds of CLOCK_MONOTONIC. */
int64_t	 soak_ms(void);
/* Counts one check and prints how it went (detail may be NULL). */
void	 soak_check(int ok, const char *what, const char *detail);
/* Copies the tip reference in s into ref ("" when none). */
void	 soak_ref_of(const char *s, char ref[32]);
/* Whether a 200 answer's text is an acknowledgement without the answer
 * (which comes through the outbox). */
int	 soak_late_ack(const char *text);
/* Sends one message of cl's channel until the daemon answers it (not a
 * lost connection or a 5xx), as platforms retry; returns the attempts;
 * the reply's text is the caller's. */
int	 soak_deliver(struct soak_client *cl, int sender, unsigned long id,
	    const char *text, struct soak_reply *);
/* Waits until sql counts n (or more: at_least) on the first daemon's
 * database; 0, or -1 after ms. */
int	 soak_wait_sql(const char *sql, long n, int at_least, int ms);

/* soak_verify.c: every check after the kills. */
void	 soak_verify(const struct soak_world *, unsigned ngroups,
	    int64_t loop_ms);

#endif

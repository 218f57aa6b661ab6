/*
 * The long-connection supervisor's own structures, for bot/stream.c (the
 * connections and their thread), bot/stream_msg.c (messages in, replies
 * out) and bot/stream_admin.c (the credential's lock, the bootstrap call,
 * /metrics and /healthz). The platform parts see only stream_int.h.
 */
#ifndef FANGFEI_STREAM_SUP_H
#define FANGFEI_STREAM_SUP_H

#include <sys/queue.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "channel.h"
#include "config.h"
#include "stream_int.h"
#include "handlers/handlers.h"
#include "messages/buf.h"

#define STREAM_TICK_MS		250
#define STREAM_HTTP_TIMEOUT	10	/* s: bootstrap call */
#define STREAM_HTTP_MAX		(64 * 1024)
#define STREAM_DIAL_MS		15000	/* handshake and subscribe */
#define STREAM_DRAIN_MS		15000	/* a replaced connection, at most */
#define STREAM_HEALTHY_MS	60000	/* then the backoff starts over */
#define STREAM_BACKOFF_MAX_MS	60000
#define STREAM_FATAL_MS		(5 * 60 * 1000)
#define STREAM_TAKEOVER_MS	60000
#define STREAM_SUSPEND_MS	10000	/* wall clock jumped: host slept */
#define STREAM_LOCK_MS		1000	/* standby: try the lock again */
#define STREAM_LOCK_CHECK_MS	5000	/* owner: is the lock still ours? */
#define STREAM_DOWN_GRACE_MS	10000
#define STREAM_JOB_MS		5000	/* a reply frame's answer */
#define STREAM_JOB_HOLD_MS	30000	/* no ready connection: give back */
#define STREAM_STOP_MS		2000
#define STREAM_MESSAGE_MAX	(4 * 1024 * 1024)	/* = PBFRAME_MAX */
#define STREAM_MAX		CONFIG_CHANNELS_MAX
#define STREAM_CA_BUNDLE	"/etc/ssl/certs/ca-certificates.crt"

/* A frame waiting to be written, with lws's head room before it. */
struct sframe {
	TAILQ_ENTRY(sframe)	 entry;
	int			 flags;
	size_t			 len;
	unsigned char		 data[];
};
TAILQ_HEAD(sframes, sframe);

enum sconn_state {
	SCONN_DIALING,		/* handshake, or waiting for the subscribe */
	SCONN_READY,		/* primary */
	SCONN_DRAINING,
	SCONN_GONE,		/* closed; freed at WSI_DESTROY */
};

struct sconn {
	struct stream		*st;
	struct lws		*wsi;
	uint64_t		 id;
	enum sconn_state	 state;
	char			*url;
	char			 label[96];
	struct sframes		 ctl, data;
	struct buf		 rx;
	int			 rx_over;
	int			 ping_due;
	int			 closing;	/* write what is queued, then
						   close */
	int			 going_away;	/* replace me */
	int64_t			 born_ms, ready_ms, last_rx_ms, drain_until;
	void			*proto;
	int			 in_connect;	/* inside lws_client_connect */
	int			 destroyed;
};

/* An outbox row to send over the connection (WeCom). */
struct sjob {
	TAILQ_ENTRY(sjob)	 entry;
	int64_t			 row;
	int			 attempts;
	time_t			 created;	/* the row's queueing */
	int			 resent;
	char			*meta, *text, *idem;
	char			*req_id;
	int64_t			 queued_ms, deadline_ms;
};
TAILQ_HEAD(sjobs, sjob);

struct stream {
	const struct channel		*ch;
	const struct stream_ops		*ops;
	const struct config		*cfg;
	struct handler_env_source	 env;	/* the server's newest */
	struct delivery			*dl;
	struct store			*store;
	struct lws_context		*ctx;
	pthread_t			 thread;
	int				 started;
	atomic_int			 stop;
	int				 closing;
	int64_t				 stop_deadline;

	char				*lock_name;	/* storage/locks.h */
	struct store_lock		*lock;
	int				 locked;
	int64_t				 lock_next;

	struct sconn			*primary, *dialing, *draining;
	uint64_t			 next_id;
	struct stream_timing		 timing;
	int				 failures;
	int				 dropped;	/* a drop since the
							   last ready */
	int64_t				 retry_at;
	int64_t				 last_mono, last_wall;
	int64_t				 ping_at;
	lws_sorted_usec_list_t		 sul;

	pthread_mutex_t			 mu;
	struct sjobs			 incoming;	/* under mu */
	struct sjobs			 jobs;		/* thread only */
	char				 reason[160];	/* under mu */

	atomic_int			 connected;
	atomic_int			 standby;
	atomic_llong			 down_since;	/* wall ms, 0: up */
	atomic_llong			 last_frame;	/* wall ms */
	atomic_long			 n_reconnects, n_received, n_acks,
					 n_duplicates, n_replies;
};

struct stream_set {
	struct stream	*streams[STREAM_MAX];
	size_t		 n;
};

/* The set stream_submit() looks channels up in (the delivery thread
 * calls it); the mutex keeps a stopping set from being freed under it. */
extern struct stream_set	*stream_live;
extern pthread_mutex_t		 stream_live_mu;

/* stream.c */
void	 stream_reason(struct stream *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 stream_retry_later(struct stream *, enum stream_open);
void	 stream_down(struct stream *);
void	 sconn_kill(struct sconn *, const char *);

/* stream_msg.c: replies handed over by stream_submit(), sent when the
 * connection is ready, their answers recorded in the outbox. */
void	 stream_jobs(struct stream *, int64_t now);
void	 sjob_free(struct sjob *);

/* stream_admin.c */
char	*stream_lock_name(const char *type, const char *id);
int	 stream_lock(struct stream *);
int	 stream_lock_kept(struct stream *);
void	 stream_unlock(struct stream *);
long	 stream_http(struct stream *, struct http_call *, struct buf *,
	    char *err, size_t errsz);

#endif

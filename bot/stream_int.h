/*
 * What the platform parts of the long-connection supervisor
 * (stream_dingtalk.c, stream_feishu.c, stream_wecom.c) and bot/stream.c
 * share. Everything here runs on the supervisor's thread.
 */
#ifndef FANGFEI_STREAM_INT_H
#define FANGFEI_STREAM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"

struct stream;
struct sconn;

/* What a bootstrap answer or a refused subscribe means. */
enum stream_open {
	STREAM_OPEN_OK = 0,
	STREAM_OPEN_RETRY,	/* transient: backoff */
	STREAM_OPEN_FATAL,	/* credentials, disabled app, connection
				   limit: retry slowly, alert */
};

/* The timings of one platform, in ms. */
struct stream_timing {
	int	ping_ms;	/* heartbeat period */
	int	dead_ms;	/* no counted frame for this long: dead */
	int	rotate_ms;	/* replace a healthy connection after (0: never) */
	int	first_retry_ms;	/* Feishu's ReconnectNonce: the first attempt
				   after a drop waits 0…this (0: backoff) */
	int	retry_ms;	/* Feishu's ReconnectInterval (0: backoff) */
	int	pong_wait_ms;	/* >0: dead_ms follows ping_ms, this much
				   later (a ping unanswered for this long) */
};

struct stream_ops {
	const char	*name;		/* for logs: "dingtalk stream" */
	int		 binary;	/* frames are binary (Feishu) */
	/* Liveness counts only application frames (the platform answers an
	 * application heartbeat), not WebSocket PONGs. */
	int		 app_heartbeat;
	/* Defaults; the channel's ping_seconds / dead_seconds /
	 * rotate_seconds override them where the backend takes those keys. */
	struct stream_timing timing;
	/*
	 * The bootstrap call that yields the WebSocket URL (NULL: the URL is
	 * fixed, fixed_url()). open_result reads its answer into *url
	 * (owned) and may set timing; returns STREAM_OPEN_* with err set.
	 */
	int		(*open_prepare)(struct stream *, struct http_call *,
			    const char **why);
	enum stream_open (*open_result)(struct stream *, long status,
			    const char *body, size_t len, char **url,
			    char *err, size_t errsz);
	const char	*(*fixed_url)(struct stream *);
	/* The connection is up (after the 101): send what comes first
	 * (WeCom's subscribe, Feishu's first ping); then stream_ready(),
	 * now or when the platform answers. NULL: ready at once. */
	void		(*hello)(struct stream *, struct sconn *);
	/* Sends the heartbeat (NULL: a WebSocket PING). */
	void		(*ping)(struct stream *, struct sconn *);
	/* One complete message from the server. */
	void		(*frame)(struct stream *, struct sconn *,
			    const unsigned char *, size_t);
	/*
	 * Replies over the connection (NULL: replies go over HTTP): the
	 * frame for one outbox row (wecombot_reply_frame()), and what the
	 * platform's answer to it means (wecombot_answer()).
	 */
	char		*(*reply_frame)(const char *meta, const char *text,
			    const char *idem_key, uint64_t conn, int64_t now_ms,
			    int force_send, const char *fresh_req_id,
			    char **req_id_out, const char **why);
	enum send_status (*reply_answer)(long errcode, const char *errmsg,
			    int *resend, int *retry_after, char *err,
			    size_t errsz);
	/* Per-connection state of the platform part (NULL: none). */
	void		*(*conn_new)(struct stream *, struct sconn *);
	void		 (*conn_free)(void *);
};

extern const struct stream_ops stream_dingtalk_ops;
extern const struct stream_ops stream_feishu_ops;
extern const struct stream_ops stream_wecom_ops;

/* The instance. */
const struct channel	*stream_channel(const struct stream *);
/* Monotonic and wall clocks, ms. */
int64_t			 stream_mono_ms(void);
int64_t			 stream_wall_ms(void);

/* The connection's number (1, 2, … in this process), its platform data,
 * and a label for the log (the platform's connection id). */
uint64_t		 sconn_id(const struct sconn *);
void			*sconn_proto(const struct sconn *);
void			 sconn_set_label(struct sconn *, const char *);
/* The URL the connection was dialled with. */
const char		*sconn_url(const struct sconn *);

/*
 * Queues a frame on c (copied). Control frames (heartbeats, their
 * answers) go before every queued data frame.
 */
#define STREAM_CONTROL	0x1
#define STREAM_ACK	0x2	/* counted as an ACK when written */
void			 stream_send(struct sconn *, const void *, size_t,
			    int flags);
/* c is usable: it becomes the primary connection (the one it replaces
 * drains). */
void			 stream_ready(struct stream *, struct sconn *);
/* The platform will close c soon: open its replacement now, then drain
 * c (DingTalk disconnect). */
void			 stream_rotate(struct stream *, struct sconn *,
			    const char *reason);
/* Another connection of the credential took over (WeCom
 * disconnected_event): close c and wait long before trying again. */
void			 stream_takeover(struct stream *, struct sconn *);
/* The platform refused c (a subscribe answered with an error). */
void			 stream_refused(struct stream *, struct sconn *,
			    enum stream_open, const char *why);
/* The platform's timings changed (Feishu ClientConfig in a pong). */
void			 stream_set_timing(struct stream *, struct sconn *,
			    const struct stream_timing *);

/*
 * Hands one message body (what the backend's parse() takes, with
 * trusted set) to the dispatcher: parse, dispatch, and queue the answer
 * through the outbox. Returns 0 when it is durable (or not for us, or
 * unreadable: it would only come back): acknowledge it; -1 when storage
 * failed: do not, and the platform sends it again.
 */
int			 stream_deliver(struct stream *, struct sconn *,
			    const char *body, size_t len);

/* An answer (WeCom) to a frame sent for an outbox row, by req_id.
 * Returns 0, or -1 when no row waits for req_id. */
int			 stream_answer(struct stream *, const char *req_id,
			    long errcode, const char *errmsg);
/* A fresh id: prefix "_" ms "_" 8 hex digits (WeCom req_id). */
void			 stream_req_id(const char *prefix, char *out,
			    size_t size);

#endif

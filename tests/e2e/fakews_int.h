/*
 * Inside the fake gateway: the state that fakews.c (the libwebsockets
 * server, its service thread and the cron), fakews_api.c (the functions
 * of fakews.h) and fakews_plat.c (what each platform says: bootstrap
 * answers, frames pushed, frames received) share. Everything here is
 * guarded by fw->lock, and every fw_* function below but the first five
 * runs on the service thread with the lock held: only that thread may
 * queue frames or touch a wsi.
 */
#ifndef FANGFEI_FAKEWS_INT_H
#define FANGFEI_FAKEWS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "fakews.h"

#define FW_FRAME_MAX	(4 * 1024 * 1024)	/* one inbound message */
#define FW_BODY_MAX	(64 * 1024)		/* one bootstrap body */
#define FW_SUBSCRIBE_MS	10000			/* WeCom: subscribe within */
#define FW_REDELIVER_MS	3000
#define FW_TICKET_MS	90000
#define FW_PING_MS	5000			/* DingTalk SYSTEM ping */
#define FW_TICK_MS	20			/* the cron's period */

/* One frame waiting to be written, LWS_PRE bytes of headroom first. */
struct fw_frame {
	struct fw_frame	*next;
	int		 binary;
	size_t		 len;
	unsigned char	 buf[];
};

/* One WebSocket connection, from its upgrade to its close. */
struct fw_conn {
	struct fw_conn	*next;		/* newer first */
	struct lws	*wsi;		/* NULL until established */
	uint64_t	 serial;	/* never reused */
	char		 uuid[40];	/* DingTalk connectionId, Feishu
					   device_id */
	int		 open;		/* past the handshake */
	int		 live;		/* counted in fakews_live() */
	int		 subscribed;	/* WeCom */
	int		 silent;
	int		 draining;	/* DingTalk: disconnect sent */
	int		 closing;	/* close once the queue is empty */
	int64_t		 opened_ms;
	int64_t		 close_at_ms;	/* 0: no close planned */
	char		 ping_id[64];	/* DingTalk: the SYSTEM ping out */
	char		 ping_data[80];
	char		 ping_late[64];	/* the one before, unanswered */
	int		 ping_out;
	char		 disc_id[64];	/* DingTalk: the disconnect sent */
	int64_t		 next_ping_ms;
	struct fw_frame	*outq, **outtail;
	unsigned char	*rx;		/* the message being reassembled */
	size_t		 rxlen, rxcap;
	int		 rx_too_big;
};

/* One message the test pushed. */
struct fw_msg {
	char		*msgid, *chat, *sender, *text, *webhook;
	int		 group, parts;
	char		 event_id[40];	/* Feishu: kept by redeliveries */
	int64_t		 created_ms;	/* wall clock */
	int		 pushes, acks;
	int		 done;		/* ACKed (or WeCom: pushed) */
	uint64_t	 conn;		/* where it went last; 0: waiting */
	int64_t		 due_ms;	/* redelivery time */
};

/* One push: the id it carried (DingTalk messageId, Feishu message_id
 * header, WeCom req_id), of which message, on which connection. */
struct fw_push {
	char		 id[64];
	size_t		 msg;
	uint64_t	 conn;
};

/* A DingTalk or Feishu connection ticket. */
struct fw_ticket {
	char		 id[40];
	char		 device[24];	/* Feishu device_id */
	int64_t		 ms;
	int		 used;
};

struct fw_reply {
	char		 cmd[32];
	char		*text;
};

struct fakews {
	enum fakews_kind	 kind;
	char			*id, *secret;
	struct lws_context	*ctx;
	struct lws_protocols	 protocols[2];
	lws_sorted_usec_list_t	 sul;
	pthread_t		 thread;
	atomic_int		 stopping;
	int			 port;
	char			 base[64], ws_url[64];
	int			 service_id;	/* Feishu */

	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct fw_conn		*conns;
	uint64_t		 serial;
	uint64_t		 seq;		/* frame and id counter */
	int			 live, max_live, connects, bootstraps;
	int			 pings, ping_misses;
	int			 disconnects;	/* asked for, not yet sent */
	int			 disconnect_ms;
	struct fw_msg		*msgs;
	size_t			 nmsgs, capmsgs;
	struct fw_push		*pushes;
	size_t			 npushes, cappushes;
	struct fw_ticket	*tickets;
	size_t			 ntickets, captickets;
	struct fw_reply		*replies;
	size_t			 nreplies, capreplies;
	int			 reply_err_n;
	long			 reply_err;
	int			 drop_acks;
	int			 redeliver_ms, ticket_ms, ping_ms;
	int			 cc_set, cc_ping, cc_reconnect, cc_nonce;
	int			 violations;
	char			 violation[256];	/* the first */
};

/* fakews.c: services for the platform code. */
int64_t		 fw_now_ms(void);	/* monotonic */
int64_t		 fw_wall_ms(void);
void		 fw_uuid(char out[37]);
char		*fw_strdup(const char *);
void		*fw_grow(void *, size_t *cap, size_t n, size_t size);
void		 fw_send(struct fw_conn *, int binary, const void *, size_t);
void		 fw_send_json(struct fw_conn *, json_t *);
void		 fw_close(struct fw_conn *);
void		 fw_set_live(struct fakews *, struct fw_conn *, int);
void		 fw_violation(struct fakews *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 fw_push_add(struct fakews *, const char *id, size_t msg,
		    uint64_t conn);
struct fw_push	*fw_push_find(struct fakews *, const char *id);
void		 fw_ack(struct fakews *, struct fw_conn *, const char *id);
struct fw_ticket *fw_ticket_new(struct fakews *);
int		 fw_ticket_take(struct fakews *, const char *id,
		    struct fw_ticket **);

/* fakews_plat.c: what each platform says. */
char		*fw_plat_bootstrap(struct fakews *, const char *path,
		    const char *body, size_t len, const char *accept,
		    int *status);
int		 fw_plat_upgrade(struct fakews *, const char *path,
		    const char *ticket, struct fw_conn *);
void		 fw_plat_open(struct fakews *, struct fw_conn *);
void		 fw_plat_push(struct fakews *, struct fw_conn *, size_t msg);
void		 fw_plat_rx(struct fakews *, struct fw_conn *,
		    const unsigned char *, size_t, int binary);
void		 fw_plat_ping(struct fakews *, struct fw_conn *);
void		 fw_plat_disconnect(struct fakews *, struct fw_conn *);

#endif

/*
 * The long-connection supervisor: one per channel instance that streams,
 * each on a thread of its own with its own libwebsockets context and its
 * own database connection. The platform parts (stream_dingtalk.c,
 * stream_feishu.c, stream_wecom.c) only read and build frames; everything
 * about connections — who owns the credential, when to dial, when a
 * connection is dead, what replaces it — is decided here, once.
 *
 * Connections of one instance: at most one primary (ready, carrying
 * traffic), one being dialled, and one draining (the primary a rotation
 * replaced, still read and acknowledged until the server closes it).
 */
#include <sys/file.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "delivery.h"
#include "dispatch.h"
#include "log.h"
#include "stream.h"
#include "stream_int.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "storage/outbox.h"
#include "storage/store.h"

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
	const struct handler_env	*env;
	struct delivery			*dl;
	struct store			*store;
	struct lws_context		*ctx;
	pthread_t			 thread;
	int				 started;
	atomic_int			 stop;
	int				 closing;
	int64_t				 stop_deadline;

	char				*lock_path;
	int				 lock_fd;
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

/* What each streaming backend type uses, and the key that names its
 * credential. */
static const struct {
	const char		*type;
	const struct stream_ops	*ops;
	const char		*cred;
} stream_types[] = {
	{ "dingtalk", &stream_dingtalk_ops, "app_key" },
	{ "feishu", &stream_feishu_ops, "app_id" },
	{ "wecom_bot", &stream_wecom_ops, "bot_id" },
};

/* For stream_submit(), which the delivery thread calls by channel; the
 * mutex keeps a stopping set from being freed under it. */
static struct stream_set	*stream_live;
static pthread_mutex_t		 stream_live_mu = PTHREAD_MUTEX_INITIALIZER;

static void	stream_tick(lws_sorted_usec_list_t *);
static void	sconn_kill(struct sconn *, const char *);

int64_t
stream_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
stream_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct channel *
stream_channel(const struct stream *st)
{
	return st->ch;
}

uint64_t
sconn_id(const struct sconn *c)
{
	return c->id;
}

void *
sconn_proto(const struct sconn *c)
{
	return c->proto;
}

const char *
sconn_url(const struct sconn *c)
{
	return c->url;
}

void
sconn_set_label(struct sconn *c, const char *label)
{
	(void)snprintf(c->label, sizeof c->label, "%s", label);
}

void
stream_req_id(const char *prefix, char *out, size_t size)
{
	unsigned char	r[4];

	if (RAND_bytes(r, sizeof r) != 1)
		memset(r, 0, sizeof r);
	(void)snprintf(out, size, "%s_%lld_%02x%02x%02x%02x", prefix,
	    (long long)stream_wall_ms(), r[0], r[1], r[2], r[3]);
}

/* Records why the instance is not connected (for /healthz). */
static void
stream_reason(struct stream *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
stream_reason(struct stream *st, const char *fmt, ...)
{
	va_list	ap;

	pthread_mutex_lock(&st->mu);
	va_start(ap, fmt);
	(void)vsnprintf(st->reason, sizeof st->reason, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&st->mu);
}

/* A delay of ms ± 20 %. */
static int64_t
stream_jitter(int64_t ms)
{
	uint32_t	r;

	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = 0;
	return ms * 8 / 10 + (int64_t)(r % (uint32_t)(ms * 4 / 10 + 1));
}

/* A uniform delay in 0…ms. */
static int64_t
stream_uniform(int64_t ms)
{
	uint32_t	r;

	if (ms <= 0 || RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		return 0;
	return (int64_t)(r % (uint32_t)(ms + 1));
}

/*
 * When to try again after a failure of kind open: credentials and
 * limits slowly, everything else 1 s, 2 s, 4 s … 60 s with jitter, or
 * the platform's own intervals where it hands them out (Feishu).
 */
static void
stream_retry_later(struct stream *st, enum stream_open kind)
{
	int64_t	now = stream_mono_ms(), delay;

	if (kind == STREAM_OPEN_FATAL)
		delay = stream_jitter(STREAM_FATAL_MS);
	else if (st->timing.retry_ms > 0 && st->failures > 0)
		delay = st->timing.retry_ms;
	else if (st->timing.first_retry_ms > 0)
		delay = stream_uniform(st->timing.first_retry_ms);
	else {
		delay = 1000LL << (st->failures < 6 ? st->failures : 6);
		if (delay > STREAM_BACKOFF_MAX_MS)
			delay = STREAM_BACKOFF_MAX_MS;
		delay = stream_jitter(delay);
	}
	st->failures++;
	st->retry_at = now + delay;
}

/* Marks the instance down (once) and counts the reconnect to come. */
static void
stream_down(struct stream *st)
{
	long long	zero = 0;

	atomic_store(&st->connected, 0);
	(void)atomic_compare_exchange_strong(&st->down_since, &zero,
	    (long long)stream_wall_ms());
}

/* ---- the credential's lock ---- */

/*
 * The lock file of a credential: next to the database, named after a
 * hash of the type and the credential's id (no id in the file name).
 */
static char *
stream_lock_path(const struct config *cfg, const char *type, const char *id)
{
	unsigned char	md[32];
	unsigned int	mdlen = 0;
	char		hex[17];
	EVP_MD_CTX	*x = EVP_MD_CTX_new();
	int		i;

	if (x == NULL || EVP_DigestInit_ex(x, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(x, type, strlen(type) + 1) != 1 ||
	    EVP_DigestUpdate(x, id, strlen(id)) != 1 ||
	    EVP_DigestFinal_ex(x, md, &mdlen) != 1)
		memset(md, 0, sizeof md);
	EVP_MD_CTX_free(x);
	for (i = 0; i < 8; i++)
		(void)snprintf(hex + i * 2, 3, "%02x", md[i]);
	return xasprintf("%s.stream-%s.lock", cfg->db_path, hex);
}

/* Takes the lock if nobody holds it. 1: held now; 0: another process
 * holds it. */
static int
stream_lock(struct stream *st)
{
	char	pid[32];
	int	n;

	if (st->locked)
		return 1;
	if (st->lock_fd == -1 && (st->lock_fd = open(st->lock_path,
	    O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		stream_reason(st, "cannot open the lock file: %s",
		    strerror(errno));
		return 0;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == -1)
		return 0;
	st->locked = 1;
	/* The owner's pid, for an operator who wonders who holds it. */
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(st->lock_fd, 0) == 0)
		(void)!write(st->lock_fd, pid, (size_t)n);
	return 1;
}

static void
stream_unlock(struct stream *st)
{
	if (st->lock_fd != -1) {
		if (st->locked)
			(void)flock(st->lock_fd, LOCK_UN);
		close(st->lock_fd);
	}
	st->lock_fd = -1;
	st->locked = 0;
}

/* ---- the bootstrap call ---- */

static size_t
stream_http_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (buf_add(b, p, size * n) == -1)
		return 0;	/* too large: fail the transfer */
	return size * n;
}

/*
 * Makes the bootstrap call, blocking this thread for at most
 * STREAM_HTTP_TIMEOUT seconds (nothing else waits on it: the other
 * connections of the instance are read again right after). Returns the
 * HTTP status (0: no answer) with the body in *b.
 */
static long
stream_http(struct stream *st, struct http_call *call, struct buf *b,
    char *err, size_t errsz)
{
	struct curl_slist	*hdrs = NULL;
	CURL			*e;
	CURLcode		 rc;
	long			 status = 0;
	size_t			 i;

	if ((e = curl_easy_init()) == NULL) {
		(void)snprintf(err, errsz, "curl_easy_init failed");
		return 0;
	}
	for (i = 0; i < HTTP_CALL_HEADERS && call->headers[i] != NULL; i++)
		hdrs = curl_slist_append(hdrs, call->headers[i]);
	if (call->content_type != NULL) {
		char	*ct = xasprintf("Content-Type: %s",
		    call->content_type);

		hdrs = curl_slist_append(hdrs, ct);
		free(ct);
	}
	curl_easy_setopt(e, CURLOPT_URL, call->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, st->cfg->allow_http ?
	    "http,https" : "https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)STREAM_HTTP_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)STREAM_HTTP_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "fangfei/1");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, stream_http_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	if (call->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)call->len);
	}
	if ((rc = curl_easy_perform(e)) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	else
		(void)snprintf(err, errsz, "%s", curl_easy_strerror(rc));
	curl_easy_cleanup(e);
	curl_slist_free_all(hdrs);
	return status;
}

/* ---- connections ---- */

static void
sframes_free(struct sframes *q)
{
	struct sframe	*f;

	while ((f = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, f, entry);
		free(f);
	}
}

void
stream_send(struct sconn *c, const void *p, size_t len, int flags)
{
	struct sframe	*f;

	if (c->state == SCONN_GONE || c->wsi == NULL)
		return;
	f = xmalloc(sizeof *f + LWS_PRE + len);
	f->flags = flags;
	f->len = len;
	memcpy(f->data + LWS_PRE, p, len);
	TAILQ_INSERT_TAIL((flags & STREAM_CONTROL) ? &c->ctl : &c->data, f,
	    entry);
	lws_callback_on_writable(c->wsi);
}

/* Takes c out of the instance's slots: it carries nothing any more. */
static void
sconn_detach(struct sconn *c, const char *why)
{
	struct stream	*st = c->st;
	int		 was_primary = st->primary == c;

	if (c->state == SCONN_GONE)
		return;
	if (st->primary == c)
		st->primary = NULL;
	if (st->dialing == c)
		st->dialing = NULL;
	if (st->draining == c)
		st->draining = NULL;
	if (c->state == SCONN_DIALING) {
		log_warn("%s: %s: connection %llu failed: %s", st->ch->name,
		    st->ops->name, (unsigned long long)c->id, why);
		stream_reason(st, "connect failed: %s", why);
		stream_retry_later(st, STREAM_OPEN_RETRY);
	} else if (was_primary && !st->closing) {
		log_warn("%s: %s: connection %llu %s closed: %s",
		    st->ch->name, st->ops->name, (unsigned long long)c->id,
		    c->label, why);
		stream_reason(st, "connection closed: %s", why);
		st->dropped = 1;
		stream_retry_later(st, STREAM_OPEN_RETRY);
	} else
		log_info("%s: %s: connection %llu %s closed", st->ch->name,
		    st->ops->name, (unsigned long long)c->id, c->label);
	if (st->primary == NULL)
		stream_down(st);
	c->state = SCONN_GONE;
	sframes_free(&c->ctl);
	sframes_free(&c->data);
	buf_free(&c->rx);
	if (c->proto != NULL && st->ops->conn_free != NULL)
		st->ops->conn_free(c->proto);
	c->proto = NULL;
	c->wsi = NULL;
}

static void
sconn_free(struct sconn *c)
{
	free(c->url);
	free(c);
}

/*
 * Closes c at once (no Close frame): it is dead or unwanted. c itself is
 * freed when lws destroys its connection (WSI_DESTROY), since this may run
 * inside one of c's own callbacks.
 */
static void
sconn_kill(struct sconn *c, const char *why)
{
	struct lws	*wsi = c->wsi;

	if (c->state == SCONN_GONE)
		return;
	sconn_detach(c, why);
	if (wsi != NULL)
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
}

/* Closes c after what is queued on it, with a Close frame. */
static void
sconn_close(struct sconn *c)
{
	if (c->state == SCONN_GONE || c->wsi == NULL)
		return;
	c->closing = 1;
	lws_callback_on_writable(c->wsi);
}

void
stream_ready(struct stream *st, struct sconn *c)
{
	int64_t	now = stream_mono_ms();

	if (c->state != SCONN_DIALING)
		return;
	if (st->dialing == c)
		st->dialing = NULL;
	c->state = SCONN_READY;
	c->ready_ms = now;
	c->last_rx_ms = now;
	if (st->primary != NULL) {
		/* Make before break: the old one is read until it closes. */
		if (st->draining != NULL)
			sconn_close(st->draining);
		st->draining = st->primary;
		st->draining->state = SCONN_DRAINING;
		st->draining->drain_until = now + STREAM_DRAIN_MS;
	}
	st->primary = c;
	st->dropped = 0;
	st->ping_at = now + st->timing.ping_ms;
	atomic_store(&st->connected, 1);
	atomic_store(&st->down_since, 0);
	stream_reason(st, "connected");
	log_info("%s: %s: connection %llu ready%s%s", st->ch->name,
	    st->ops->name, (unsigned long long)c->id, c->label[0] ? " " : "",
	    c->label);
}

/* A frame came: c is alive. */
static void
stream_alive(struct sconn *c)
{
	c->last_rx_ms = stream_mono_ms();
	atomic_store(&c->st->last_frame, (long long)stream_wall_ms());
}

void
stream_rotate(struct stream *st, struct sconn *c, const char *reason)
{
	if (c != st->primary || c->going_away)
		return;
	log_info("%s: %s: connection %llu to be closed by the platform "
	    "(%s): opening its replacement first", st->ch->name,
	    st->ops->name, (unsigned long long)c->id, reason);
	c->going_away = 1;
	st->retry_at = stream_mono_ms();	/* now, no backoff */
}

void
stream_takeover(struct stream *st, struct sconn *c)
{
	log_error("%s: %s: another connection of this credential took over "
	    "(another process or machine uses it): waiting about %d s "
	    "before connecting again", st->ch->name, st->ops->name,
	    STREAM_TAKEOVER_MS / 1000);
	stream_reason(st, "another client of this credential took over");
	sconn_kill(c, "taken over");
	st->retry_at = stream_mono_ms() + stream_jitter(STREAM_TAKEOVER_MS);
}

void
stream_refused(struct stream *st, struct sconn *c, enum stream_open kind,
    const char *why)
{
	log_error("%s: %s: refused: %s%s", st->ch->name, st->ops->name, why,
	    kind == STREAM_OPEN_FATAL ? " (check the credentials; trying "
	    "again in minutes)" : "");
	stream_reason(st, "refused: %s", why);
	sconn_kill(c, why);
	stream_retry_later(st, kind);
}

void
stream_set_timing(struct stream *st, struct sconn *c,
    const struct stream_timing *t)
{
	if (c != NULL && c != st->primary && c != st->dialing)
		return;		/* from a connection on its way out */
	if (t->ping_ms > 0 && t->ping_ms != st->timing.ping_ms) {
		log_info("%s: %s: ping every %d s (the platform's)",
		    st->ch->name, st->ops->name, t->ping_ms / 1000);
		st->timing.ping_ms = t->ping_ms;
		st->ping_at = stream_mono_ms() + t->ping_ms;
		if (st->timing.pong_wait_ms > 0)
			st->timing.dead_ms = t->ping_ms +
			    st->timing.pong_wait_ms;
	}
	if (t->first_retry_ms > 0)
		st->timing.first_retry_ms = t->first_retry_ms;
	if (t->retry_ms > 0)
		st->timing.retry_ms = t->retry_ms;
}

/* Splits url and dials it. */
static void
stream_dial(struct stream *st, char *url)
{
	struct lws_client_connect_info	 cc;
	struct sconn			*c;
	char				*copy = xstrdup(url), *path;
	const char			*prot, *ads, *p;
	int				 port, tls;

	if (lws_parse_uri(copy, &prot, &ads, &port, &p) != 0 ||
	    (strcmp(prot, "wss") != 0 && strcmp(prot, "ws") != 0)) {
		log_error("%s: %s: not a WebSocket address", st->ch->name,
		    st->ops->name);
		stream_reason(st, "the platform gave no WebSocket address");
		stream_retry_later(st, STREAM_OPEN_RETRY);
		free(copy);
		free(url);
		return;
	}
	tls = strcmp(prot, "wss") == 0;
	if (!tls && !st->cfg->allow_http) {
		log_error("%s: %s: refusing ws:// (set [delivery] allow_http "
		    "only for tests)", st->ch->name, st->ops->name);
		stream_reason(st, "refused a ws:// address");
		stream_retry_later(st, STREAM_OPEN_FATAL);
		free(copy);
		free(url);
		return;
	}
	path = xasprintf("/%s", p);
	c = xcalloc(1, sizeof *c);
	c->st = st;
	c->id = ++st->next_id;
	c->state = SCONN_DIALING;
	c->url = url;
	c->born_ms = stream_mono_ms();
	TAILQ_INIT(&c->ctl);
	TAILQ_INIT(&c->data);
	buf_init(&c->rx, STREAM_MESSAGE_MAX);
	st->dialing = c;
	memset(&cc, 0, sizeof cc);
	cc.context = st->ctx;
	cc.address = ads;
	cc.port = port;
	cc.path = path;
	cc.host = ads;
	cc.origin = ads;
	cc.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
	cc.local_protocol_name = "fangfei-stream";
	cc.pwsi = &c->wsi;
	cc.opaque_user_data = c;
	c->in_connect = 1;
	if (lws_client_connect_via_info(&cc) == NULL && !c->destroyed) {
		c->wsi = NULL;
		sconn_detach(c, "cannot start the connection");
		c->destroyed = 1;
	}
	c->in_connect = 0;
	if (c->destroyed)
		sconn_free(c);
	free(path);
	free(copy);
}

/* Bootstraps (or takes the fixed URL) and dials. */
static void
stream_connect(struct stream *st)
{
	struct http_call	 call;
	struct buf		 b;
	const char		*why = "cannot build the request";
	char			 err[256] = "", *url = NULL;
	enum stream_open	 r;
	long			 status;

	atomic_fetch_add(&st->n_reconnects, st->next_id > 0);
	if (st->ops->open_prepare == NULL) {
		stream_dial(st, xstrdup(st->ops->fixed_url(st)));
		return;
	}
	memset(&call, 0, sizeof call);
	if (st->ops->open_prepare(st, &call, &why) != 0) {
		log_error("%s: %s: %s", st->ch->name, st->ops->name, why);
		stream_retry_later(st, STREAM_OPEN_FATAL);
		http_call_clear(&call);
		return;
	}
	buf_init(&b, STREAM_HTTP_MAX);
	status = stream_http(st, &call, &b, err, sizeof err);
	http_call_clear(&call);
	if (status == 0)
		r = STREAM_OPEN_RETRY;
	else
		r = st->ops->open_result(st, status, b.data ? b.data : "",
		    b.len, &url, err, sizeof err);
	buf_free(&b);
	if (r != STREAM_OPEN_OK) {
		free(url);
		log_warn("%s: %s: cannot open a connection: %s", st->ch->name,
		    st->ops->name, err);
		stream_reason(st, "cannot open a connection: %s", err);
		stream_retry_later(st, r);
		return;
	}
	stream_dial(st, url);
}

/* ---- replies over the connection (WeCom) ---- */

static void
sjob_free(struct sjob *j)
{
	free(j->meta);
	free(j->text);
	free(j->idem);
	free(j->req_id);
	free(j);
}

/* Records a job's outcome in the outbox and frees it. */
static void
stream_job_done(struct stream *st, struct sjob *j, enum send_status s,
    int retry_after, const char *err)
{
	time_t		 now = time(NULL), next = now;
	const char	*state = "sent";
	char		 why[300];

	if (s == SEND_FAILED)
		state = "dead";
	else if (s == SEND_RETRY) {
		if (j->attempts >= DELIVERY_MAX_ATTEMPTS) {
			state = "dead";
			(void)snprintf(why, sizeof why, "gave up after %d "
			    "attempts: %.200s", j->attempts, err);
			err = why;
		} else {
			state = "pending";
			next = now + delivery_backoff(j->attempts,
			    retry_after, st->cfg->retry_base);
		}
	}
	if (outbox_finish(st->store, j->row, state, next,
	    s == SEND_OK ? NULL : err, now) != STORE_OK)
		log_error("%s: outbox: %s", st->ch->name,
		    store_errmsg(st->store));
	if (s == SEND_OK)
		atomic_fetch_add(&st->n_replies, 1);
	else
		log_warn("%s: row %lld: %s (%s)", st->ch->name,
		    (long long)j->row, state, err);
	sjob_free(j);
}

/* Sends one job on the primary connection. */
static void
stream_job_send(struct stream *st, struct sjob *j, int force_send)
{
	char		 fresh[96], *frame, *req = NULL;
	const char	*why = "cannot build the frame";

	stream_req_id("aibot_send_msg", fresh, sizeof fresh);
	frame = st->ops->reply_frame(j->meta, j->text, j->idem,
	    st->primary->id, stream_wall_ms(), force_send, fresh, &req, &why);
	if (frame == NULL) {
		stream_job_done(st, j, SEND_FAILED, 0, why);
		return;
	}
	free(j->req_id);
	j->req_id = req;
	j->deadline_ms = stream_mono_ms() + STREAM_JOB_MS;
	stream_send(st->primary, frame, strlen(frame), 0);
	free(frame);
	TAILQ_INSERT_TAIL(&st->jobs, j, entry);
}

int
stream_answer(struct stream *st, const char *req_id, long errcode,
    const char *errmsg)
{
	struct sjob		*j;
	enum send_status	 s;
	char			 err[256];
	int			 resend = 0, ra = 0;

	TAILQ_FOREACH(j, &st->jobs, entry)
		if (j->req_id != NULL && strcmp(j->req_id, req_id) == 0)
			break;
	if (j == NULL)
		return -1;
	TAILQ_REMOVE(&st->jobs, j, entry);
	s = st->ops->reply_answer(errcode, errmsg, &resend, &ra, err,
	    sizeof err);
	if (resend && !j->resent && st->primary != NULL) {
		/* The message can no longer be answered in place: a new
		 * message to its chat instead. */
		j->resent = 1;
		stream_job_send(st, j, 1);
		return 0;
	}
	stream_job_done(st, j, s, ra, err);
	return 0;
}

/* Moves handed-over rows to the connection and times out the ones
 * waiting. */
static void
stream_jobs(struct stream *st, int64_t now)
{
	struct sjobs	 in;
	struct sjob	*j, *next;

	TAILQ_INIT(&in);
	pthread_mutex_lock(&st->mu);
	TAILQ_CONCAT(&in, &st->incoming, entry);
	pthread_mutex_unlock(&st->mu);
	for (j = TAILQ_FIRST(&st->jobs); j != NULL; j = next) {
		next = TAILQ_NEXT(j, entry);
		if (now < j->deadline_ms)
			continue;
		TAILQ_REMOVE(&st->jobs, j, entry);
		stream_job_done(st, j, SEND_RETRY, 0,
		    "no answer over the long connection");
	}
	while ((j = TAILQ_FIRST(&in)) != NULL) {
		TAILQ_REMOVE(&in, j, entry);
		if (st->primary != NULL && !st->closing)
			stream_job_send(st, j, 0);
		else if (now - j->queued_ms > STREAM_JOB_HOLD_MS || st->closing)
			stream_job_done(st, j, SEND_RETRY, 0,
			    "the long connection is down");
		else {
			/* Held until the connection is ready (WeCom 846609:
			 * not subscribed yet). */
			pthread_mutex_lock(&st->mu);
			TAILQ_INSERT_TAIL(&st->incoming, j, entry);
			pthread_mutex_unlock(&st->mu);
		}
	}
}

int
stream_submit(const struct channel *ch, const struct outbound *m,
    int attempts)
{
	struct stream_set	*set;
	struct stream		*st = NULL;
	struct sjob		*j;
	size_t			 i;

	pthread_mutex_lock(&stream_live_mu);
	set = stream_live;
	for (i = 0; set != NULL && i < set->n; i++)
		if (set->streams[i]->ch == ch)
			st = set->streams[i];
	if (st == NULL || atomic_load(&st->stop) ||
	    st->ops->reply_frame == NULL) {
		pthread_mutex_unlock(&stream_live_mu);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->row = m->id;
	j->attempts = attempts;
	j->meta = xstrdup(m->meta != NULL ? m->meta : "{}");
	j->text = xstrdup(m->text != NULL ? m->text : "");
	j->idem = xstrdup(m->idem_key != NULL ? m->idem_key : "");
	j->queued_ms = stream_mono_ms();
	pthread_mutex_lock(&st->mu);
	TAILQ_INSERT_TAIL(&st->incoming, j, entry);
	pthread_mutex_unlock(&st->mu);
	lws_cancel_service(st->ctx);
	pthread_mutex_unlock(&stream_live_mu);
	return 0;
}

/* ---- messages ---- */

static const char *
stream_no_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* Adds the connection's number to a reply_meta (replies over the
 * connection use the message's req_id only on the connection it came
 * on). */
static void
stream_meta_conn(struct inbound *in, uint64_t id)
{
	json_t	*j;
	char	*s;

	if (in->reply_meta == NULL ||
	    (j = json_loads(in->reply_meta, 0, NULL)) == NULL)
		return;
	if (json_is_object(j) && json_object_set_new(j, "conn",
	    json_integer((json_int_t)id)) == 0 &&
	    (s = json_dumps(j, JSON_COMPACT)) != NULL) {
		free(in->reply_meta);
		in->reply_meta = s;
	}
	json_decref(j);
}

int
stream_deliver(struct stream *st, struct sconn *c, const char *body,
    size_t len)
{
	const struct channel	*ch = st->ch;
	struct http_request	 req;
	struct inbound		 in;
	struct reply		 reply = { 0, { NULL } };
	const char		*why = "", *cmd = "-";
	enum dispatch_result	 dr;
	char			*copy = xmalloc(len + 1);
	int			 rc = 0;

	memcpy(copy, body, len);
	copy[len] = '\0';
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "";
	req.body = copy;
	req.body_len = len;
	req.now = time(NULL);
	req.header = stream_no_header;
	req.trusted = 1;
	memset(&in, 0, sizeof in);
	if (ch->backend->parse(ch, &req, &in, &why) != 0) {
		/* It would only come back: acknowledged and dropped. */
		log_warn("%s: %s: unreadable message dropped: %s", ch->name,
		    st->ops->name, why);
		goto out;
	}
	atomic_fetch_add(&st->n_received, 1);
	dr = dispatch_inbound(st->store, ch, st->env, &in, req.now, &reply,
	    &cmd);
	if (dr == DISPATCH_FAILED) {
		log_error("%s: %s: not stored: not acknowledged, the platform "
		    "sends it again", ch->name, st->ops->name);
		rc = -1;
		goto out;
	}
	if (dr == DISPATCH_REPEATED)
		atomic_fetch_add(&st->n_duplicates, 1);
	if (dr != DISPATCH_IGNORED && reply.ntexts > 0) {
		if (ch->backend->over_socket != NULL &&
		    ch->backend->over_socket(ch))
			stream_meta_conn(&in, c->id);
		if (dispatch_queue_reply(st->store, ch, st->env, &in, req.now,
		    &reply) == -1) {
			rc = -1;
			goto out;
		}
	}
	log_debug("%s %s cmd=%s result=%d", ch->name,
	    in.chat_kind == CHAT_GROUP ? "group" : "private", cmd, (int)dr);
out:
	reply_clear(&reply);
	inbound_clear(&in);
	free(copy);
	return rc;
}

/* ---- libwebsockets ---- */

/* Writes the next queued frame of c; returns -1 to close it. */
static int
sconn_writeable(struct sconn *c)
{
	struct sframe	*f;
	struct sframes	*q;
	int		 kind;

	if (c->ping_due) {
		unsigned char	ping[LWS_PRE + 1];

		c->ping_due = 0;
		if (lws_write(c->wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0)
			return -1;
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	q = !TAILQ_EMPTY(&c->ctl) ? &c->ctl : &c->data;
	if ((f = TAILQ_FIRST(q)) == NULL) {
		if (c->closing) {
			lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL,
			    (unsigned char *)"bye", 3);
			return -1;
		}
		return 0;
	}
	TAILQ_REMOVE(q, f, entry);
	kind = c->st->ops->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT;
	if (lws_write(c->wsi, f->data + LWS_PRE, f->len, kind) <
	    (int)f->len) {
		free(f);
		return -1;
	}
	if (f->flags & STREAM_ACK)
		atomic_fetch_add(&c->st->n_acks, 1);
	free(f);
	if (!TAILQ_EMPTY(&c->ctl) || !TAILQ_EMPTY(&c->data) || c->closing)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* A piece of a message arrived; a whole one goes to the platform part. */
static void
sconn_receive(struct sconn *c, const void *in, size_t len)
{
	struct stream	*st = c->st;

	if (!c->rx_over && buf_add(&c->rx, in, len) == -1)
		c->rx_over = 1;
	if (!lws_is_final_fragment(c->wsi) ||
	    lws_remaining_packet_payload(c->wsi) != 0)
		return;
	stream_alive(c);
	if (c->rx_over)
		log_warn("%s: %s: a message over %d bytes dropped",
		    st->ch->name, st->ops->name, STREAM_MESSAGE_MAX);
	else if (c->rx.len > 0)
		st->ops->frame(st, c, (const unsigned char *)c->rx.data,
		    c->rx.len);
	c->rx_over = 0;
	if (c->state != SCONN_GONE)
		buf_reset(&c->rx);
}

static int
stream_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct sconn	*c = lws_get_opaque_user_data(wsi);
	struct stream	*st;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c != NULL)
			sconn_detach(c, in != NULL ? (const char *)in :
			    "connection error");
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (c == NULL)
			return -1;
		st = c->st;
		c->last_rx_ms = stream_mono_ms();
		if (st->ops->conn_new != NULL)
			c->proto = st->ops->conn_new(st, c);
		if (st->ops->hello != NULL)
			st->ops->hello(st, c);
		else
			stream_ready(st, c);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (c == NULL || c->state == SCONN_GONE)
			return -1;
		sconn_receive(c, in, len);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		if (c != NULL && !c->st->ops->app_heartbeat)
			stream_alive(c);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c == NULL || c->state == SCONN_GONE)
			return -1;
		return sconn_writeable(c);
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c != NULL)
			sconn_detach(c, "closed by the server");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c == NULL)
			break;
		lws_set_opaque_user_data(wsi, NULL);
		sconn_detach(c, "closed");
		if (c->in_connect)
			c->destroyed = 1;
		else
			sconn_free(c);
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* stream_submit() or stream_stop(): the tick looks. */
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols stream_protocols[] = {
	{ "fangfei-stream", stream_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Heartbeats, watchdogs and the connection's replacement. */
static void
stream_watch(struct stream *st, int64_t now)
{
	struct sconn	*c = st->primary;
	char		 why[96];

	if (st->draining != NULL && now >= st->draining->drain_until)
		sconn_close(st->draining);
	if (st->dialing != NULL && now - st->dialing->born_ms > STREAM_DIAL_MS)
		sconn_kill(st->dialing, "no answer to the handshake");
	if (c == NULL)
		return;
	if (now - c->last_rx_ms > st->timing.dead_ms) {
		(void)snprintf(why, sizeof why, "no frame for %lld s: the "
		    "connection is dead", (long long)(now - c->last_rx_ms) /
		    1000);
		log_warn("%s: %s: connection %llu: %s", st->ch->name,
		    st->ops->name, (unsigned long long)c->id, why);
		sconn_kill(c, why);
		st->retry_at = now;
		return;
	}
	if (st->timing.rotate_ms > 0 && now - c->ready_ms >
	    st->timing.rotate_ms)
		stream_rotate(st, c, "its time is up");
	if (now - c->ready_ms > STREAM_HEALTHY_MS)
		st->failures = 0;
	if (now >= st->ping_at) {
		st->ping_at = now + st->timing.ping_ms;
		if (st->ops->ping != NULL)
			st->ops->ping(st, c);
		else {
			c->ping_due = 1;
			lws_callback_on_writable(c->wsi);
		}
	}
}

/* The wall clock moved unlike the monotonic one: the host slept, and
 * every connection is likely dead without knowing it. */
static int
stream_suspended(struct stream *st, int64_t mono)
{
	int64_t	wall = stream_wall_ms(), skew;

	skew = (wall - st->last_wall) - (mono - st->last_mono);
	st->last_wall = wall;
	st->last_mono = mono;
	return skew > STREAM_SUSPEND_MS || skew < -STREAM_SUSPEND_MS;
}

static void
stream_closing(struct stream *st, int64_t now)
{
	if (!st->closing) {
		st->closing = 1;
		st->stop_deadline = now + STREAM_STOP_MS;
		if (st->dialing != NULL)
			sconn_kill(st->dialing, "stopping");
	}
	/* Replies in flight get their answers first. */
	if (TAILQ_EMPTY(&st->jobs) || now >= st->stop_deadline) {
		if (st->primary != NULL)
			sconn_close(st->primary);
		if (st->draining != NULL)
			sconn_close(st->draining);
	}
}

static void
stream_tick(lws_sorted_usec_list_t *sul)
{
	struct stream	*st = lws_container_of(sul, struct stream, sul);
	int64_t		 now = stream_mono_ms();

	if (atomic_load(&st->stop)) {
		stream_closing(st, now);
		stream_jobs(st, now);
		lws_sul_schedule(st->ctx, 0, &st->sul, stream_tick,
		    STREAM_TICK_MS * LWS_US_PER_MS);
		return;
	}
	if (!st->locked) {
		if (now < st->lock_next)
			goto out;
		st->lock_next = now + STREAM_LOCK_MS;
		if (!stream_lock(st)) {
			if (!atomic_load(&st->standby))
				log_warn("%s: %s: another process holds this "
				    "credential (%s): standing by",
				    st->ch->name, st->ops->name,
				    st->lock_path);
			atomic_store(&st->standby, 1);
			stream_reason(st, "standby: another process owns "
			    "the credential");
			goto out;
		}
		if (atomic_exchange(&st->standby, 0))
			log_info("%s: %s: the credential is free: taking "
			    "over", st->ch->name, st->ops->name);
		st->retry_at = now;
	}
	if (stream_suspended(st, now)) {
		log_warn("%s: %s: the clock jumped (the host slept?): "
		    "reconnecting", st->ch->name, st->ops->name);
		if (st->primary != NULL)
			sconn_kill(st->primary, "clock jump");
		st->retry_at = now;
	}
	stream_watch(st, now);
	if (st->dialing == NULL && now >= st->retry_at &&
	    (st->primary == NULL || st->primary->going_away))
		stream_connect(st);
	stream_jobs(st, stream_mono_ms());
out:
	lws_sul_schedule(st->ctx, 0, &st->sul, stream_tick,
	    STREAM_TICK_MS * LWS_US_PER_MS);
}

/* lws's own messages, at warning level and above, into the log. */
static void
stream_lws_log(int level, const char *line)
{
	size_t	n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (level & LLL_ERR)
		log_warn("websocket: %.*s", (int)n, line);
	else
		log_debug("websocket: %.*s", (int)n, line);
}

static void *
stream_main(void *arg)
{
	struct stream	*st = arg;

	st->last_mono = stream_mono_ms();
	st->last_wall = stream_wall_ms();
	lws_sul_schedule(st->ctx, 0, &st->sul, stream_tick, 1);
	for (;;) {
		if (atomic_load(&st->stop) && st->closing &&
		    st->primary == NULL && st->draining == NULL &&
		    st->dialing == NULL && TAILQ_EMPTY(&st->jobs))
			break;
		if (atomic_load(&st->stop) && st->closing &&
		    stream_mono_ms() > st->stop_deadline + STREAM_STOP_MS)
			break;
		if (lws_service(st->ctx, 0) < 0)
			break;
	}
	return NULL;
}

/* The instance's timings: the platform's defaults, the channel's keys. */
static void
stream_timing_init(struct stream *st)
{
	const char	*v;
	long		 n;
	char		*end;

	st->timing = st->ops->timing;
	if ((v = channel_get(st->ch, "ping_seconds")) != NULL &&
	    (n = strtol(v, &end, 10)) > 0 && *end == '\0')
		st->timing.ping_ms = (int)n * 1000;
	if ((v = channel_get(st->ch, "dead_seconds")) != NULL &&
	    (n = strtol(v, &end, 10)) > 0 && *end == '\0') {
		/* Where the platform answers pings, the wait for the answer. */
		if (st->timing.pong_wait_ms > 0)
			st->timing.pong_wait_ms = (int)n * 1000;
		else
			st->timing.dead_ms = (int)n * 1000;
	}
	if (st->timing.pong_wait_ms > 0)
		st->timing.dead_ms = st->timing.ping_ms +
		    st->timing.pong_wait_ms;
	if ((v = channel_get(st->ch, "rotate_seconds")) != NULL &&
	    (n = strtol(v, &end, 10)) >= 0 && *end == '\0')
		st->timing.rotate_ms = (int)(n > 86400 ? 86400 : n) * 1000;
}

static void
stream_free(struct stream *st)
{
	struct sjob	*j;

	if (st->ctx != NULL)
		lws_context_destroy(st->ctx);
	while ((j = TAILQ_FIRST(&st->jobs)) != NULL) {
		TAILQ_REMOVE(&st->jobs, j, entry);
		sjob_free(j);
	}
	while ((j = TAILQ_FIRST(&st->incoming)) != NULL) {
		TAILQ_REMOVE(&st->incoming, j, entry);
		sjob_free(j);
	}
	if (st->store != NULL)
		store_close(st->store);
	stream_unlock(st);
	free(st->lock_path);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

/* Makes the supervisor of ch. */
static struct stream *
stream_new(const struct config *cfg, const uint8_t *key,
    const struct handler_env *env, struct delivery *dl,
    const struct channel *ch, const struct stream_ops *ops, const char *cred,
    char **cause)
{
	struct lws_context_creation_info	 info;
	struct stream				*st = xcalloc(1, sizeof *st);

	st->ch = ch;
	st->ops = ops;
	st->cfg = cfg;
	st->env = env;
	st->dl = dl;
	st->lock_fd = -1;
	pthread_mutex_init(&st->mu, NULL);
	TAILQ_INIT(&st->incoming);
	TAILQ_INIT(&st->jobs);
	st->lock_path = stream_lock_path(cfg, ch->backend->type, cred);
	stream_timing_init(st);
	atomic_store(&st->down_since, (long long)stream_wall_ms());
	stream_reason(st, "starting");
	if ((st->store = store_open(cfg->db_path, key, 0, cause)) == NULL) {
		stream_free(st);
		return NULL;
	}
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = stream_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.fd_limit_per_thread = 16;
	/* The system's CAs (lws loads OpenSSL's default paths too; naming
	 * the bundle keeps it from looking in the directory it was built
	 * with, which Debian's build leaves wrong). */
	if (access(STREAM_CA_BUNDLE, R_OK) == 0)
		info.client_ssl_ca_filepath = STREAM_CA_BUNDLE;
	info.user = st;
	if ((st->ctx = lws_create_context(&info)) == NULL) {
		*cause = xasprintf("channel %s: cannot start libwebsockets",
		    ch->name);
		stream_free(st);
		return NULL;
	}
	return st;
}

struct stream_set *
stream_start(const struct config *cfg, const uint8_t *key,
    const struct handler_env *env, struct delivery *dl, char **cause)
{
	struct stream_set	*set = xcalloc(1, sizeof *set);
	const struct channel	*ch;
	const char		*cred;
	size_t			 i, k, t;

	lws_set_log_level(LLL_ERR | LLL_WARN, stream_lws_log);
	for (i = 0; i < cfg->nchannels; i++) {
		ch = &cfg->channels[i];
		if (ch->backend->streams == NULL || !ch->backend->streams(ch))
			continue;
		for (t = 0; t < sizeof stream_types / sizeof stream_types[0];
		    t++)
			if (strcmp(stream_types[t].type, ch->backend->type) == 0)
				break;
		if (t == sizeof stream_types / sizeof stream_types[0]) {
			*cause = xasprintf("channel %s: type %s has no long "
			    "connection", ch->name, ch->backend->type);
			goto fail;
		}
		cred = channel_get(ch, stream_types[t].cred);
		if (cred == NULL)
			cred = "";
		/* Two channels on one credential would steal each other's
		 * messages. */
		for (k = 0; k < set->n; k++)
			if (set->streams[k]->ops == stream_types[t].ops &&
			    strcmp(channel_get(set->streams[k]->ch,
			    stream_types[t].cred), cred) == 0) {
				*cause = xasprintf("channels %s and %s use the "
				    "same %s: one long connection per "
				    "credential", set->streams[k]->ch->name,
				    ch->name, stream_types[t].cred);
				goto fail;
			}
		if ((set->streams[set->n] = stream_new(cfg, key, env, dl, ch,
		    stream_types[t].ops, cred, cause)) == NULL)
			goto fail;
		set->n++;
	}
	for (i = 0; i < set->n; i++) {
		if (pthread_create(&set->streams[i]->thread, NULL, stream_main,
		    set->streams[i]) != 0) {
			*cause = xasprintf("cannot start the thread of "
			    "channel %s", set->streams[i]->ch->name);
			goto fail;
		}
		set->streams[i]->started = 1;
	}
	pthread_mutex_lock(&stream_live_mu);
	stream_live = set;
	pthread_mutex_unlock(&stream_live_mu);
	return set;
fail:
	stream_stop(set);
	return NULL;
}

void
stream_stop(struct stream_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	pthread_mutex_lock(&stream_live_mu);
	if (stream_live == set)
		stream_live = NULL;
	pthread_mutex_unlock(&stream_live_mu);
	for (i = 0; i < set->n; i++) {
		atomic_store(&set->streams[i]->stop, 1);
		lws_cancel_service(set->streams[i]->ctx);
	}
	for (i = 0; i < set->n; i++)
		if (set->streams[i]->started)
			pthread_join(set->streams[i]->thread, NULL);
	for (i = 0; i < set->n; i++)
		stream_free(set->streams[i]);
	free(set);
}

void
stream_metrics(struct stream_set *set, struct buf *b)
{
	struct stream	*st;
	int64_t		 now = stream_wall_ms(), last;
	size_t		 i;

	if (set == NULL || set->n == 0)
		return;
	(void)buf_adds(b, "# TYPE fangfei_stream_connected gauge\n"
	    "# TYPE fangfei_stream_standby gauge\n"
	    "# TYPE fangfei_stream_last_frame_seconds gauge\n"
	    "# TYPE fangfei_stream_reconnects_total counter\n"
	    "# TYPE fangfei_stream_messages_total counter\n"
	    "# TYPE fangfei_stream_duplicates_total counter\n"
	    "# TYPE fangfei_stream_acks_total counter\n"
	    "# TYPE fangfei_stream_replies_total counter\n");
	for (i = 0; i < set->n; i++) {
		st = set->streams[i];
		last = atomic_load(&st->last_frame);
		(void)buf_addf(b,
		    "fangfei_stream_connected{channel=\"%s\"} %d\n"
		    "fangfei_stream_standby{channel=\"%s\"} %d\n"
		    "fangfei_stream_last_frame_seconds{channel=\"%s\"} %lld\n"
		    "fangfei_stream_reconnects_total{channel=\"%s\"} %ld\n"
		    "fangfei_stream_messages_total{channel=\"%s\"} %ld\n"
		    "fangfei_stream_duplicates_total{channel=\"%s\"} %ld\n"
		    "fangfei_stream_acks_total{channel=\"%s\"} %ld\n"
		    "fangfei_stream_replies_total{channel=\"%s\"} %ld\n",
		    st->ch->name, atomic_load(&st->connected),
		    st->ch->name, atomic_load(&st->standby),
		    st->ch->name, last == 0 ? -1LL : (long long)(now - last) /
		    1000,
		    st->ch->name, atomic_load(&st->n_reconnects),
		    st->ch->name, atomic_load(&st->n_received),
		    st->ch->name, atomic_load(&st->n_duplicates),
		    st->ch->name, atomic_load(&st->n_acks),
		    st->ch->name, atomic_load(&st->n_replies));
	}
}

int
stream_health(struct stream_set *set, struct buf *b)
{
	struct stream	*st;
	int64_t		 now = stream_wall_ms(), since;
	size_t		 i;
	int		 down = 0;
	char		 reason[sizeof st->reason];

	for (i = 0; set != NULL && i < set->n; i++) {
		st = set->streams[i];
		since = atomic_load(&st->down_since);
		pthread_mutex_lock(&st->mu);
		memcpy(reason, st->reason, sizeof reason);
		pthread_mutex_unlock(&st->mu);
		if (atomic_load(&st->standby))
			(void)buf_addf(b, "stream %s: standby (another "
			    "process owns the credential)\n", st->ch->name);
		else if (since != 0 && now - since > STREAM_DOWN_GRACE_MS) {
			(void)buf_addf(b, "stream %s: down for %lld s: %s\n",
			    st->ch->name, (long long)(now - since) / 1000,
			    reason);
			down++;
		}
	}
	return down;
}

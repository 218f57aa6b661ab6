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
#include <sys/queue.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/rand.h>

#include "log.h"
#include "stream.h"
#include "stream_int.h"
#include "stream_sup.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "storage/locks.h"
#include "storage/outbox.h"
#include "storage/store.h"

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

struct stream_set	*stream_live;
pthread_mutex_t		 stream_live_mu = PTHREAD_MUTEX_INITIALIZER;

static void	stream_tick(lws_sorted_usec_list_t *);

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
void
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
void
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
void
stream_down(struct stream *st)
{
	long long	zero = 0;

	atomic_store(&st->connected, 0);
	(void)atomic_compare_exchange_strong(&st->down_since, &zero,
	    (long long)stream_wall_ms());
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
	char		 id[24];
	int		 was_primary = st->primary == c;

	if (c->state == SCONN_GONE)
		return;
	if (st->primary == c)
		st->primary = NULL;
	if (st->dialing == c)
		st->dialing = NULL;
	if (st->draining == c)
		st->draining = NULL;
	(void)snprintf(id, sizeof id, "%llu", (unsigned long long)c->id);
	if (c->state == SCONN_DIALING) {
		log_event(LOG_WARN, "stream", "connection failed", "channel",
		    st->ch->name, "platform", st->ops->name, "connection", id,
		    "why", why, (char *)NULL);
		stream_reason(st, "connect failed: %s", why);
		stream_retry_later(st, STREAM_OPEN_RETRY);
	} else if (was_primary && !st->closing) {
		log_event(LOG_WARN, "stream", "connection closed", "channel",
		    st->ch->name, "platform", st->ops->name, "connection", id,
		    "label", c->label, "why", why, (char *)NULL);
		stream_reason(st, "connection closed: %s", why);
		st->dropped = 1;
		stream_retry_later(st, STREAM_OPEN_RETRY);
	} else
		log_event(LOG_INFO, "stream", "connection closed", "channel",
		    st->ch->name, "platform", st->ops->name, "connection", id,
		    "label", c->label, (char *)NULL);
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
void
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
	char	id[24];

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
	(void)snprintf(id, sizeof id, "%llu", (unsigned long long)c->id);
	log_event(LOG_INFO, "stream", "connection ready", "channel",
	    st->ch->name, "platform", st->ops->name, "connection", id, "label",
	    c->label, (char *)NULL);
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
				    store_lock_where(st->lock));
			atomic_store(&st->standby, 1);
			stream_reason(st, "standby: another process owns "
			    "the credential");
			goto out;
		}
		if (atomic_exchange(&st->standby, 0))
			log_info("%s: %s: the credential is free: taking "
			    "over", st->ch->name, st->ops->name);
		st->retry_at = now;
		st->lock_next = now + STREAM_LOCK_CHECK_MS;
	} else if (now >= st->lock_next) {
		/* Another instance may own the credential now if the
		 * database lost our session: then let go of the platform. */
		st->lock_next = now + STREAM_LOCK_CHECK_MS;
		if (!stream_lock_kept(st)) {
			log_warn("%s: %s: lost the credential's lock (%s): "
			    "disconnecting", st->ch->name, st->ops->name,
			    store_lock_where(st->lock));
			if (st->dialing != NULL)
				sconn_kill(st->dialing, "lock lost");
			if (st->primary != NULL)
				sconn_kill(st->primary, "lock lost");
			if (st->draining != NULL)
				sconn_kill(st->draining, "lock lost");
			st->lock_next = now;
			goto out;
		}
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
	/* The lock lives on the store's connection: let go of it first. */
	stream_unlock(st);
	if (st->store != NULL)
		store_close(st->store);
	free(st->lock_name);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

/* Makes the supervisor of ch. */
static struct stream *
stream_new(const struct config *cfg, const uint8_t *key,
    struct handler_env_source env, struct delivery *dl,
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
	pthread_mutex_init(&st->mu, NULL);
	TAILQ_INIT(&st->incoming);
	TAILQ_INIT(&st->jobs);
	st->lock_name = stream_lock_name(ch->backend->type, cred);
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
    struct handler_env_source env, struct delivery *dl, char **cause)
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


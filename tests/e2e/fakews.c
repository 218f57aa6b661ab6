/*
 * The fake long-connection gateway: one libwebsockets context per
 * instance, serviced by a thread of its own, one vhost on 127.0.0.1 that
 * serves the bootstrap POSTs and the WebSocket upgrades alike. The test's
 * threads only change the state under fw->lock and wake the service
 * thread with lws_cancel_service(); the cron (fw_cron(), on that wake-up
 * and every FW_TICK_MS) then pushes, redelivers, pings and closes, since
 * lws lets no other thread write. What the platforms say is in
 * fakews_plat.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "fakews_int.h"

/* One bootstrap request being received (the lws per-session data). */
struct fw_http {
	char	 path[128];
	char	 accept[128];
	char	*body;
	size_t	 len;
	int	 too_big;
	char	*resp;
};

static void	 fw_cron(struct fakews *);

/* Milliseconds of the monotonic clock: timers and ticket ages. */
int64_t
fw_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds since the epoch: times the frames carry. */
int64_t
fw_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A random (version 4) UUID, as the platforms hand out. */
void
fw_uuid(char out[37])
{
	unsigned char	 b[16];

	if (RAND_bytes(b, sizeof b) != 1)
		abort();
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	(void)snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Makes room for n + 1 elements of an array; aborts when out of memory. */
void *
fw_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n + 1 <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	if ((p = realloc(p, *cap * size)) == NULL)
		abort();
	return p;
}

/* strdup() that aborts when out of memory; NULL stays NULL. */
char *
fw_strdup(const char *s)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

/* Queues a frame; the service thread writes it when the socket can take
 * it, one lws_write() per writeable callback. */
void
fw_send(struct fw_conn *c, int binary, const void *data, size_t len)
{
	struct fw_frame	*f;

	if (c->closing)
		return;
	if ((f = malloc(sizeof *f + LWS_PRE + len)) == NULL)
		abort();
	f->next = NULL;
	f->binary = binary;
	f->len = len;
	memcpy(f->buf + LWS_PRE, data, len);
	*c->outtail = f;
	c->outtail = &f->next;
	if (c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
}

/* Queues a JSON text frame and releases the value. */
void
fw_send_json(struct fw_conn *c, json_t *v)
{
	char	*s;

	if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
		abort();
	fw_send(c, 0, s, strlen(s));
	free(s);
	json_decref(v);
}

/* Closes the connection once what is queued has gone out. */
void
fw_close(struct fw_conn *c)
{
	c->closing = 1;
	if (c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
}

/* Counts c in or out of the live connections, and the maximum. */
void
fw_set_live(struct fakews *fw, struct fw_conn *c, int on)
{
	if (c->live == on)
		return;
	c->live = on;
	fw->live += on ? 1 : -1;
	if (fw->live > fw->max_live)
		fw->max_live = fw->live;
}

/* Records that the client broke the protocol; the first one's text is
 * kept for the test to print. */
void
fw_violation(struct fakews *fw, const char *fmt, ...)
{
	va_list	 ap;

	if (fw->violations++ > 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(fw->violation, sizeof fw->violation, fmt, ap);
	va_end(ap);
}

/* Records one push, whose id an ACK or reply must carry. */
void
fw_push_add(struct fakews *fw, const char *id, size_t msg, uint64_t conn)
{
	struct fw_push	*p;

	fw->pushes = fw_grow(fw->pushes, &fw->cappushes, fw->npushes,
	    sizeof *fw->pushes);
	p = &fw->pushes[fw->npushes++];
	(void)snprintf(p->id, sizeof p->id, "%s", id);
	p->msg = msg;
	p->conn = conn;
}

/* The push that carried id, or NULL. */
struct fw_push *
fw_push_find(struct fakews *fw, const char *id)
{
	size_t	 i;

	for (i = 0; i < fw->npushes; i++)
		if (strcmp(fw->pushes[i].id, id) == 0)
			return &fw->pushes[i];
	return NULL;
}

/* An ACK for the push with id arrived on c: it counts when that push went
 * out on c (DingTalk and Feishu honour no other), unless ACKs are being
 * dropped. */
void
fw_ack(struct fakews *fw, struct fw_conn *c, const char *id)
{
	struct fw_push	*p;
	struct fw_msg	*m;

	if ((p = fw_push_find(fw, id)) == NULL) {
		fw_violation(fw, "ACK of an id never pushed: %s", id);
		return;
	}
	if (p->conn != c->serial) {
		fw_violation(fw, "ACK of %s on another connection", id);
		return;
	}
	if (fw->drop_acks)
		return;
	m = &fw->msgs[p->msg];
	m->acks++;
	m->done = 1;
}

/* A fresh single-use ticket (and a Feishu device_id with it). */
struct fw_ticket *
fw_ticket_new(struct fakews *fw)
{
	struct fw_ticket	*t;

	fw->tickets = fw_grow(fw->tickets, &fw->captickets, fw->ntickets,
	    sizeof *fw->tickets);
	t = &fw->tickets[fw->ntickets++];
	memset(t, 0, sizeof *t);
	fw_uuid(t->id);
	(void)snprintf(t->device, sizeof t->device, "73%015llu",
	    (unsigned long long)(fw->seq++ * 7919 + 1000003));
	t->ms = fw_now_ms();
	return t;
}

/* Uses up a ticket: 0, or -1 when it is unknown, used or too old (a TTL of
 * 0 refuses every ticket). */
int
fw_ticket_take(struct fakews *fw, const char *id, struct fw_ticket **out)
{
	size_t	 i;

	for (i = 0; i < fw->ntickets; i++) {
		if (strcmp(fw->tickets[i].id, id) != 0)
			continue;
		if (fw->tickets[i].used ||
		    fw_now_ms() - fw->tickets[i].ms >= fw->ticket_ms)
			return -1;
		fw->tickets[i].used = 1;
		*out = &fw->tickets[i];
		return 0;
	}
	return -1;
}

/* Frees a connection and what is still queued on it. */
static void
fw_conn_free(struct fw_conn *c)
{
	struct fw_frame	*f;

	while ((f = c->outq) != NULL) {
		c->outq = f->next;
		free(f);
	}
	free(c->rx);
	free(c);
}

/* Takes c out of the list of connections. */
static void
fw_unlink(struct fakews *fw, struct fw_conn *c)
{
	struct fw_conn	**pp;

	for (pp = &fw->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

/* A connection is gone: what it carried and nobody ACKed goes out again on
 * the newest live connection, at once. */
static void
fw_gone(struct fakews *fw, struct fw_conn *c)
{
	size_t	 i;

	fw_set_live(fw, c, 0);
	fw_unlink(fw, c);
	for (i = 0; i < fw->nmsgs; i++)
		if (fw->msgs[i].conn == c->serial && !fw->msgs[i].done)
			fw->msgs[i].conn = 0;
	fw_conn_free(c);
}

/* Releases the lock, waking the waits: every change goes through here. */
static void
fw_unlock(struct fakews *fw)
{
	pthread_cond_broadcast(&fw->cond);
	pthread_mutex_unlock(&fw->lock);
}

/* Appends received bytes to the message being reassembled; returns 1 when
 * it is complete. */
static int
fw_rx_add(struct fw_conn *c, const void *in, size_t len, struct lws *wsi)
{
	if (!c->rx_too_big && c->rxlen + len > FW_FRAME_MAX)
		c->rx_too_big = 1;
	if (!c->rx_too_big && len > 0) {
		if (c->rxlen + len > c->rxcap) {
			c->rxcap = (c->rxlen + len) * 2;
			if ((c->rx = realloc(c->rx, c->rxcap)) == NULL)
				abort();
		}
		memcpy(c->rx + c->rxlen, in, len);
		c->rxlen += len;
	}
	return lws_is_final_fragment(wsi) &&
	    lws_remaining_packet_payload(wsi) == 0;
}

/* lws: the HTTP side, the bootstrap calls; returns what lws wants. */
static int
fw_http(struct fakews *fw, struct lws *wsi, enum lws_callback_reasons reason,
    struct fw_http *h, void *in, size_t len)
{
	unsigned char	 hdr[LWS_PRE + 1024], *start, *p, *end;
	unsigned char	*buf;
	int		 status = 404, n;
	size_t		 rlen;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		free(h->body);
		free(h->resp);
		memset(h, 0, sizeof *h);
		(void)snprintf(h->path, sizeof h->path, "%s", (char *)in);
		if (lws_hdr_copy(wsi, h->accept, sizeof h->accept,
		    WSI_TOKEN_HTTP_ACCEPT) < 0)
			h->accept[0] = '\0';
		if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
			return 0;	/* the body follows */
		if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	case LWS_CALLBACK_HTTP_BODY:
		if (h->len + len > FW_BODY_MAX) {
			h->too_big = 1;
			return 0;
		}
		if ((h->body = realloc(h->body, h->len + len + 1)) == NULL)
			abort();
		memcpy(h->body + h->len, in, len);
		h->len += len;
		h->body[h->len] = '\0';
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		pthread_mutex_lock(&fw->lock);
		if (!h->too_big)
			h->resp = fw_plat_bootstrap(fw, h->path,
			    h->body ? h->body : "", h->len, h->accept, &status);
		fw_unlock(fw);
		free(h->body);
		h->body = NULL;
		h->len = 0;
		if (h->resp == NULL) {
			status = h->too_big ? 413 : 404;
			h->resp = fw_strdup("{}");
		}
		start = p = hdr + LWS_PRE;
		end = hdr + sizeof hdr - 1;
		if (lws_add_http_common_headers(wsi, (unsigned int)status,
		    "application/json;charset=utf-8", strlen(h->resp), &p,
		    end) ||
		    lws_finalize_write_http_header(wsi, start, &p, end))
			return 1;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (h->resp == NULL)
			return 0;
		rlen = strlen(h->resp);
		if ((buf = malloc(LWS_PRE + rlen)) == NULL)
			abort();
		memcpy(buf + LWS_PRE, h->resp, rlen);
		n = lws_write(wsi, buf + LWS_PRE, rlen, LWS_WRITE_HTTP_FINAL);
		free(buf);
		free(h->resp);
		h->resp = NULL;
		if (n < (int)rlen)
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		free(h->body);
		free(h->resp);
		h->body = h->resp = NULL;
		return 0;
	default:
		return 0;
	}
}

/* lws: an upgrade to WebSocket; the platform code checks its path and
 * ticket, and a refusal is an HTTP 403. The connection's state starts
 * here, hung on the wsi. */
static int
fw_upgrade(struct fakews *fw, struct lws *wsi)
{
	struct fw_conn	*c;
	char		 path[256], tbuf[128];
	const char	*ticket;
	int		 rc;

	if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0)
		path[0] = '\0';
	ticket = lws_get_urlarg_by_name(wsi, "ticket=", tbuf, sizeof tbuf);
	if ((c = calloc(1, sizeof *c)) == NULL)
		abort();
	c->outtail = &c->outq;
	pthread_mutex_lock(&fw->lock);
	rc = fw_plat_upgrade(fw, path, ticket ? ticket : "", c);
	if (rc == 0) {
		c->serial = ++fw->serial;
		c->next = fw->conns;
		fw->conns = c;
	}
	fw_unlock(fw);
	if (rc != 0) {
		free(c);
		if (lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, NULL))
			return -1;
		return 1;
	}
	lws_set_opaque_user_data(wsi, c);
	return 0;
}

/* lws: the WebSocket side of one connection. */
static int
fw_ws(struct fakews *fw, struct lws *wsi, enum lws_callback_reasons reason,
    struct fw_conn *c, void *in, size_t len)
{
	struct fw_frame	*f;
	int		 n;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		pthread_mutex_lock(&fw->lock);
		c->wsi = wsi;
		c->open = 1;
		c->opened_ms = fw_now_ms();
		fw->connects++;
		fw_plat_open(fw, c);
		if (c->outq != NULL || c->closing)
			lws_callback_on_writable(wsi);
		fw_unlock(fw);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (!fw_rx_add(c, in, len, wsi))
			return 0;
		pthread_mutex_lock(&fw->lock);
		if (c->rx_too_big)
			fw_violation(fw, "a message over %d bytes",
			    FW_FRAME_MAX);
		else
			fw_plat_rx(fw, c, c->rx, c->rxlen,
			    lws_frame_is_binary(wsi));
		c->rxlen = 0;
		c->rx_too_big = 0;
		fw_unlock(fw);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		pthread_mutex_lock(&fw->lock);
		if ((f = c->outq) != NULL) {
			if ((c->outq = f->next) == NULL)
				c->outtail = &c->outq;
		}
		n = f == NULL && c->closing;
		fw_unlock(fw);
		if (n) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
			    (unsigned char *)"bye", 3);
			return -1;
		}
		if (f == NULL)
			return 0;
		n = lws_write(wsi, f->buf + LWS_PRE, f->len,
		    f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
		free(f);
		if (n < 0)
			return -1;
		pthread_mutex_lock(&fw->lock);
		if (c->outq != NULL || c->closing)
			lws_callback_on_writable(wsi);
		fw_unlock(fw);
		return 0;
	default:
		return 0;
	}
}

/*
 * The one lws callback, on the service thread (or, from
 * lws_context_destroy(), on the thread that stops the instance). It takes
 * fw->lock only for the reasons it handles: lws calls it from inside
 * lws_callback_on_writable() too (poll changes), with the lock held.
 */
static int
fw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct fakews	*fw = lws_context_user(lws_get_context(wsi));
	struct fw_conn	*c = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		fw_cron(fw);
		return 0;
	case LWS_CALLBACK_HTTP:
	case LWS_CALLBACK_HTTP_BODY:
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return fw_http(fw, wsi, reason, user, in, len);
	case LWS_CALLBACK_CLOSED_HTTP:
		(void)fw_http(fw, wsi, reason, user, in, len);
		if (c != NULL && c->wsi == NULL) {
			/* upgraded in name only: it never opened */
			pthread_mutex_lock(&fw->lock);
			fw_gone(fw, c);
			fw_unlock(fw);
			lws_set_opaque_user_data(wsi, NULL);
		}
		return 0;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		if (in == NULL || strcmp(in, "websocket") != 0)
			return -1;
		return fw_upgrade(fw, wsi);
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (c == NULL)
			return -1;
		return fw_ws(fw, wsi, reason, c, in, len);
	case LWS_CALLBACK_CLOSED:
		if (c == NULL)
			return 0;
		pthread_mutex_lock(&fw->lock);
		fw_gone(fw, c);
		fw_unlock(fw);
		lws_set_opaque_user_data(wsi, NULL);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* The connection a push goes to: the newest one open, neither silent nor
 * draining (for WeCom, subscribed); NULL when there is none. */
static struct fw_conn *
fw_target(struct fakews *fw)
{
	struct fw_conn	*c;

	for (c = fw->conns; c != NULL; c = c->next)
		if (c->live && !c->silent && !c->draining && !c->closing)
			return c;
	return NULL;
}

/* The cron's messages: redeliveries that are due, then every waiting
 * message onto the newest live connection. */
static void
fw_cron_msgs(struct fakews *fw, int64_t now)
{
	struct fw_conn	*t;
	struct fw_msg	*m;
	size_t		 i;

	for (i = 0; i < fw->nmsgs; i++) {
		m = &fw->msgs[i];
		if (!m->done && m->conn != 0 && now >= m->due_ms)
			m->conn = 0;
	}
	for (i = 0; i < fw->nmsgs; i++) {
		m = &fw->msgs[i];
		if (m->done || m->conn != 0 || (t = fw_target(fw)) == NULL)
			continue;
		fw_plat_push(fw, t, i);
		m->pushes++;
		m->conn = t->serial;
		m->due_ms = now + fw->redeliver_ms;
		if (fw->kind == FAKEWS_WECOM)
			m->done = 1;
	}
}

/*
 * The periodic jobs, on the service thread: a disconnect the test asked
 * for, WeCom's subscribe deadline, DingTalk's SYSTEM pings and planned
 * closes, then the messages.
 */
static void
fw_cron(struct fakews *fw)
{
	struct fw_conn	*c;
	int64_t		 now = fw_now_ms();

	if (atomic_load(&fw->stopping))
		return;
	pthread_mutex_lock(&fw->lock);
	for (; fw->disconnects > 0; fw->disconnects--) {
		for (c = fw->conns; c != NULL; c = c->next)
			if (c->open && !c->draining && !c->closing)
				break;
		if (c == NULL)
			break;
		if (fw->kind == FAKEWS_DINGTALK)
			fw_plat_disconnect(fw, c);
		c->draining = 1;
		c->close_at_ms = now + fw->disconnect_ms;
	}
	for (c = fw->conns; c != NULL; c = c->next) {
		if (!c->open || c->closing)
			continue;
		if (fw->kind == FAKEWS_WECOM && !c->subscribed &&
		    now - c->opened_ms >= FW_SUBSCRIBE_MS) {
			fw_violation(fw, "no aibot_subscribe within %d ms",
			    FW_SUBSCRIBE_MS);
			fw_close(c);
		}
		if (fw->kind == FAKEWS_DINGTALK && fw->ping_ms > 0 &&
		    !c->silent && !c->draining && now >= c->next_ping_ms) {
			if (c->ping_out)
				fw->ping_misses++;
			fw_plat_ping(fw, c);
			c->next_ping_ms = now + fw->ping_ms;
		}
		if (c->close_at_ms != 0 && now >= c->close_at_ms)
			fw_close(c);
	}
	fw_cron_msgs(fw, now);
	fw_unlock(fw);
}

/* lws timer: the cron, every FW_TICK_MS. */
static void
fw_tick(lws_sorted_usec_list_t *sul)
{
	struct fakews	*fw = lws_container_of(sul, struct fakews, sul);

	fw_cron(fw);
	lws_sul_schedule(fw->ctx, 0, &fw->sul, fw_tick,
	    FW_TICK_MS * LWS_US_PER_MS);
}

/* The service thread. */
static void *
fw_service(void *arg)
{
	struct fakews	*fw = arg;

	while (!atomic_load(&fw->stopping))
		if (lws_service(fw->ctx, 0) < 0)
			break;
	return NULL;
}

/* Frees the instance once its context is gone. */
static void
fw_free(struct fakews *fw)
{
	size_t	 i;

	for (i = 0; i < fw->nmsgs; i++) {
		free(fw->msgs[i].msgid);
		free(fw->msgs[i].chat);
		free(fw->msgs[i].sender);
		free(fw->msgs[i].text);
		free(fw->msgs[i].webhook);
	}
	for (i = 0; i < fw->nreplies; i++)
		free(fw->replies[i].text);
	while (fw->conns != NULL)
		fw_gone(fw, fw->conns);
	free(fw->msgs);
	free(fw->pushes);
	free(fw->tickets);
	free(fw->replies);
	free(fw->id);
	free(fw->secret);
	pthread_mutex_destroy(&fw->lock);
	pthread_cond_destroy(&fw->cond);
	free(fw);
}

struct fakews *
fakews_start(enum fakews_kind kind, const char *id, const char *secret)
{
	struct lws_context_creation_info	 info;
	struct lws_vhost			*vh;
	struct fakews				*fw;
	pthread_condattr_t			 ca;

	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);
	if ((fw = calloc(1, sizeof *fw)) == NULL)
		return NULL;
	fw->kind = kind;
	fw->id = fw_strdup(id);
	fw->secret = fw_strdup(secret);
	fw->redeliver_ms = FW_REDELIVER_MS;
	fw->ticket_ms = FW_TICKET_MS;
	fw->ping_ms = FW_PING_MS;
	fw->service_id = 4000 + (int)(fw_now_ms() % 1000);
	pthread_mutex_init(&fw->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fw->cond, &ca);
	pthread_condattr_destroy(&ca);

	fw->protocols[0].name = "fakews";
	fw->protocols[0].callback = fw_callback;
	fw->protocols[0].per_session_data_size = sizeof(struct fw_http);
	fw->protocols[0].rx_buffer_size = 64 * 1024;
	memset(&info, 0, sizeof info);
	info.port = 0;
	info.iface = "127.0.0.1";
	info.protocols = fw->protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.user = fw;
	if ((fw->ctx = lws_create_context(&info)) == NULL)
		goto fail;
	if ((vh = lws_get_vhost_by_name(fw->ctx, "default")) == NULL ||
	    (fw->port = lws_get_vhost_listen_port(vh)) <= 0)
		goto fail;
	(void)snprintf(fw->base, sizeof fw->base, "http://127.0.0.1:%d",
	    fw->port);
	(void)snprintf(fw->ws_url, sizeof fw->ws_url, "ws://127.0.0.1:%d/",
	    fw->port);
	lws_sul_schedule(fw->ctx, 0, &fw->sul, fw_tick,
	    FW_TICK_MS * LWS_US_PER_MS);
	if ((errno = pthread_create(&fw->thread, NULL, fw_service, fw)) != 0)
		goto fail;
	return fw;
fail:
	if (fw->ctx != NULL)
		lws_context_destroy(fw->ctx);
	fw_free(fw);
	return NULL;
}

void
fakews_stop(struct fakews *fw)
{
	if (fw == NULL)
		return;
	atomic_store(&fw->stopping, 1);
	lws_cancel_service(fw->ctx);
	pthread_join(fw->thread, NULL);
	lws_context_destroy(fw->ctx);
	fw_free(fw);
}

const char *
fakews_base(const struct fakews *fw)
{
	return fw->base;
}

const char *
fakews_ws_url(const struct fakews *fw)
{
	return fw->ws_url;
}

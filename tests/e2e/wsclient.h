/*
 * A small WebSocket and HTTP client for the end-to-end tests: libcurl
 * for the bootstrap calls, a libwebsockets client context serviced on
 * the test's own thread (WSC_WAIT runs it until a condition holds) for
 * the sockets. It plays the client side against the fake gateways
 * (fakews.h) in e2e_fakews, and can play a second process competing with
 * the daemon for a credential. Include after <cmocka.h>; one context per
 * program (wsc_init(), wsc_done()).
 */
#ifndef FANGFEI_WSCLIENT_H
#define FANGFEI_WSCLIENT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>

/* The longest wait of WSC_WAIT: long, for a slow run (a sanitizer's, a
 * loaded machine); a wait whose condition holds ends at once. */
#define WSC_WAIT_MS	20000
#define WSC_MSGS	64		/* messages one connection keeps */
#define WSC_PING	2		/* wsc_send(): a WebSocket PING */

/* One message the client received. */
struct wsc_msg {
	unsigned char	*data;
	size_t		 len;
	int		 binary;
};

struct wsc_out {
	struct wsc_out	*next;
	int		 binary;
	size_t		 len;
	unsigned char	 buf[];
};

/* One client connection. */
struct wsc {
	struct lws	*wsi;
	int		 established, closed, failed;
	int		 pongs;
	unsigned char	*rx;
	size_t		 rxlen;
	struct wsc_msg	 msgs[WSC_MSGS];
	size_t		 nmsgs, taken;
	struct wsc_out	*outq;
};

static struct lws_context	*wsc_ctx;
static lws_sorted_usec_list_t	 wsc_sul;

/* Milliseconds of the monotonic clock. */
static inline int64_t
wsc_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Services the client context until cond holds or WSC_WAIT_MS pass. */
#define WSC_WAIT(cond) do {					\
	int64_t dl_ = wsc_now_ms() + WSC_WAIT_MS;		\
	while (!(cond) && wsc_now_ms() < dl_)			\
		lws_service(wsc_ctx, 0);			\
	assert_true(cond);					\
} while (0)

/* lws timer: wakes lws_service() so that WSC_WAIT sees the clock. */
static inline void
wsc_tick(lws_sorted_usec_list_t *sul)
{
	lws_sul_schedule(wsc_ctx, 0, sul, wsc_tick, 5 * LWS_US_PER_MS);
}

/* lws: the client side; frames are reassembled and kept in order. */
static inline int
wsc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct wsc	*t = lws_get_opaque_user_data(wsi);
	struct wsc_out	*o;
	struct wsc_msg	*m;
	int		 n;

	if (t == NULL)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		t->established = 1;
		if (t->outq != NULL)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		t->failed = 1;
		t->wsi = NULL;
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		t->closed = 1;
		t->wsi = NULL;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		t->pongs++;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if ((t->rx = realloc(t->rx, t->rxlen + len + 1)) == NULL)
			abort();
		memcpy(t->rx + t->rxlen, in, len);
		t->rxlen += len;
		t->rx[t->rxlen] = '\0';
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi) > 0)
			return 0;
		assert_true(t->nmsgs < WSC_MSGS);
		m = &t->msgs[t->nmsgs++];
		m->data = t->rx;
		m->len = t->rxlen;
		m->binary = lws_frame_is_binary(wsi);
		t->rx = NULL;
		t->rxlen = 0;
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if ((o = t->outq) == NULL)
			return 0;
		t->outq = o->next;
		n = lws_write(wsi, o->buf + LWS_PRE, o->len,
		    o->binary == WSC_PING ? LWS_WRITE_PING :
		    o->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
		free(o);
		if (n < 0)
			return -1;
		if (t->outq != NULL)
			lws_callback_on_writable(wsi);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols wsc_protocols[] = {
	{ "tc", wsc_callback, 0, 64 * 1024, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Dials url (ws://127.0.0.1:PORT/path?query); the caller waits. */
static inline struct wsc *
wsc_dial(const char *url)
{
	struct lws_client_connect_info	 ci;
	struct wsc			*t;
	const char			*rest;
	char				 path[512];
	int				 port;

	assert_int_equal(strncmp(url, "ws://127.0.0.1:", 15), 0);
	port = (int)strtol(url + 15, NULL, 10);
	rest = strchr(url + 15, '/');
	(void)snprintf(path, sizeof path, "%s", rest ? rest : "/");
	if ((t = calloc(1, sizeof *t)) == NULL)
		abort();
	memset(&ci, 0, sizeof ci);
	ci.context = wsc_ctx;
	ci.address = "127.0.0.1";
	ci.port = port;
	ci.path = path;
	ci.host = "127.0.0.1";
	ci.origin = "127.0.0.1";
	ci.local_protocol_name = "tc";
	ci.opaque_user_data = t;
	ci.pwsi = &t->wsi;
	assert_non_null(lws_client_connect_via_info(&ci));
	return t;
}

/* Dials url and waits for the handshake. */
static inline struct wsc *
wsc_open(const char *url)
{
	struct wsc	*t = wsc_dial(url);

	WSC_WAIT(t->established || t->failed);
	assert_true(t->established);
	return t;
}

/* Queues a frame (binary 0 text, 1 binary, WSC_PING a PING); it goes out
 * while WSC_WAIT services the context. */
static inline void
wsc_send(struct wsc *t, int binary, const void *data, size_t len)
{
	struct wsc_out	*o, **pp;

	if ((o = malloc(sizeof *o + LWS_PRE + len)) == NULL)
		abort();
	o->next = NULL;
	o->binary = binary;
	o->len = len;
	memcpy(o->buf + LWS_PRE, data, len);
	for (pp = &t->outq; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = o;
	if (t->wsi != NULL)
		lws_callback_on_writable(t->wsi);
}

/* Sends a JSON text frame built by json_pack(). */
static inline void
wsc_send_json(struct wsc *t, json_t *v)
{
	char	*s = json_dumps(v, JSON_COMPACT);

	assert_non_null(s);
	wsc_send(t, 0, s, strlen(s));
	free(s);
	json_decref(v);
}

/* The next message received (it stays the client's). */
static inline struct wsc_msg *
wsc_next(struct wsc *t)
{
	WSC_WAIT(t->nmsgs > t->taken || t->closed);
	assert_true(t->nmsgs > t->taken);
	return &t->msgs[t->taken++];
}

/* The next message, as JSON (caller releases). */
static inline json_t *
wsc_next_json(struct wsc *t)
{
	struct wsc_msg	*m = wsc_next(t);
	json_t		*v;

	assert_false(m->binary);
	v = json_loadb((char *)m->data, m->len, 0, NULL);
	assert_non_null(v);
	return v;
}

/* Closes the client side and waits for it. */
static inline void
wsc_free(struct wsc *t)
{
	struct wsc_out	*o;
	size_t		 i;

	if (t->wsi != NULL && !t->closed) {
		lws_set_timeout(t->wsi, PENDING_TIMEOUT_CLOSE_SEND,
		    LWS_TO_KILL_ASYNC);
		WSC_WAIT(t->closed);
	}
	while ((o = t->outq) != NULL) {
		t->outq = o->next;
		free(o);
	}
	for (i = 0; i < t->nmsgs; i++)
		free(t->msgs[i].data);
	free(t->rx);
	free(t);
}

struct wsc_body {
	char	*s;
	size_t	 len;
};

/* curl: collects the answer. */
static inline size_t
wsc_on_data(char *p, size_t size, size_t n, void *arg)
{
	struct wsc_body	*b = arg;

	if ((b->s = realloc(b->s, b->len + size * n + 1)) == NULL)
		abort();
	memcpy(b->s + b->len, p, size * n);
	b->len += size * n;
	b->s[b->len] = '\0';
	return size * n;
}

/* A request with curl: POST body as JSON, or (body NULL) a WebSocket
 * upgrade that the fake should refuse. Returns the status; *out (NULL: not
 * wanted) gets the answer parsed. */
static inline long
wsc_http(const char *url, const char *body, json_t **out)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	struct wsc_body		 b = { NULL, 0 };
	long			 status = 0;

	assert_non_null(c);
	if (body != NULL) {
		h = curl_slist_append(h, "Content-Type: application/json");
		h = curl_slist_append(h, "Accept: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	} else {
		h = curl_slist_append(h, "Connection: Upgrade");
		h = curl_slist_append(h, "Upgrade: websocket");
		h = curl_slist_append(h, "Sec-WebSocket-Version: 13");
		h = curl_slist_append(h,
		    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wsc_on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)WSC_WAIT_MS);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (out != NULL) {
		*out = json_loads(b.s ? b.s : "", 0, NULL);
		assert_non_null(*out);
	}
	free(b.s);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* Creates the client context (and curl's globals); 0 or -1. */
static inline int
wsc_init(void)
{
	struct lws_context_creation_info	 info;

	curl_global_init(CURL_GLOBAL_ALL);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = wsc_protocols;
	if ((wsc_ctx = lws_create_context(&info)) == NULL)
		return -1;
	lws_sul_schedule(wsc_ctx, 0, &wsc_sul, wsc_tick, 5 * LWS_US_PER_MS);
	return 0;
}

/* Closes every client connection and frees the context. */
static inline void
wsc_done(void)
{
	lws_context_destroy(wsc_ctx);
	wsc_ctx = NULL;
	curl_global_cleanup();
}

#endif

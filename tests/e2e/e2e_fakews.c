/*
 * The fake long-connection gateways, tested against a small client of
 * their own (libcurl for the bootstrap calls, a libwebsockets client for
 * the sockets, serviced on the test's thread), so that the daemon's
 * tests can trust them: for each platform a bootstrap, a handshake, a
 * push, an ACK that counts and a missing one that brings the message
 * again, refused tickets, Feishu's ping, pong and parts, WeCom's
 * subscribe, its replies and the newer connection that takes over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "pbbp2.pb-c.h"

#include "fakews.h"
#include "wsclient.h"

#define BIG		(1024 * 1024)	/* a message of 1 MiB */

/* A string member of o, which must be there. */
static const char *
str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	assert_non_null(s);
	return s;
}

/* Whether the fake saw the client keep to the protocol (prints the first
 * breach). */
static int
no_violations(struct fakews *fw)
{
	char	 first[256];
	int	 n = fakews_violations(fw, first, sizeof first);

	if (n != 0)
		print_error("fake saw %d violations, first: %s\n", n, first);
	return n == 0;
}

/* ---- DingTalk ---- */

#define DT_OPEN		"/v1.0/gateway/connections/open"
#define DT_BODY(id, secret) "{\"clientId\":\"" id "\",\"clientSecret\":\"" \
	secret "\",\"subscriptions\":[{\"type\":\"CALLBACK\",\"topic\":" \
	"\"/v1.0/im/bot/messages/get\"}],\"ua\":\"e2e/1\"}"

/* Bootstraps and returns the URL to dial (endpoint?ticket=). */
static void
dt_ticket(struct fakews *fw, char *url, size_t size)
{
	char	 u[256];
	json_t	*a;

	(void)snprintf(u, sizeof u, "%s" DT_OPEN, fakews_base(fw));
	assert_int_equal(wsc_http(u, DT_BODY("dingid", "dingsecret"), &a), 200);
	(void)snprintf(url, size, "%s?ticket=%s", str(a, "endpoint"),
	    str(a, "ticket"));
	json_decref(a);
}

/* A CALLBACK frame's messageId, its data parsed into *data. */
static const char *
dt_callback(json_t *f, json_t **data)
{
	json_t	*h = json_object_get(f, "headers");

	assert_string_equal(str(f, "type"), "CALLBACK");
	assert_string_equal(str(h, "topic"), "/v1.0/im/bot/messages/get");
	assert_string_equal(str(h, "contentType"), "application/json");
	assert_non_null(json_object_get(h, "time"));
	assert_non_null(json_object_get(h, "connectionId"));
	*data = json_loads(str(f, "data"), 0, NULL);
	assert_non_null(*data);
	return str(h, "messageId");
}

/* Sends a DingTalk ACK for mid with data. */
static void
dt_ack(struct wsc *t, const char *mid, const char *data)
{
	wsc_send_json(t, json_pack("{s:i,s:{s:s,s:s},s:s,s:s}", "code", 200,
	    "headers", "contentType", "application/json", "messageId", mid,
	    "message", "OK", "data", data));
}

/* DingTalk connections/open: credentials, subscriptions, the answer. */
static void
test_dingtalk_bootstrap(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_DINGTALK, "dingid",
			    "dingsecret");
	char		 u[256];
	json_t		*a;

	(void)state;
	assert_non_null(fw);
	(void)snprintf(u, sizeof u, "%s" DT_OPEN, fakews_base(fw));
	assert_int_equal(wsc_http(u, DT_BODY("dingid", "wrong"), &a), 401);
	json_decref(a);
	assert_int_equal(wsc_http(u, "{\"clientId\":\"dingid\","
	    "\"clientSecret\":\"dingsecret\",\"subscriptions\":[]}", &a),
	    400);
	json_decref(a);
	assert_int_equal(wsc_http(u, DT_BODY("dingid", "dingsecret"), &a), 200);
	(void)snprintf(u, sizeof u, "ws%s/connect", fakews_base(fw) + 4);
	assert_string_equal(str(a, "endpoint"), u);
	assert_int_equal(strlen(str(a, "ticket")), 36);
	json_decref(a);
	assert_int_equal(fakews_bootstraps(fw), 3);
	(void)snprintf(u, sizeof u, "%s/nowhere", fakews_base(fw));
	assert_int_equal(wsc_http(u, "{}", NULL), 404);
	assert_true(no_violations(fw));
	fakews_stop(fw);
}

/* A ticket opens one connection; used, unknown and expired ones get 403. */
static void
test_dingtalk_tickets(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_DINGTALK, "dingid",
			    "dingsecret");
	struct wsc	*t;
	char		 url[256], hu[264];

	(void)state;
	dt_ticket(fw, url, sizeof url);
	t = wsc_open(url);
	assert_int_equal(fakews_wait_live(fw, 1, WSC_WAIT_MS), 0);
	/* the same ticket again, an unknown one, an expired one */
	(void)snprintf(hu, sizeof hu, "http%s", url + 2);
	assert_int_equal(wsc_http(hu, NULL, NULL), 403);
	(void)snprintf(hu, sizeof hu, "%s/connect?ticket=nonsense",
	    fakews_base(fw));
	assert_int_equal(wsc_http(hu, NULL, NULL), 403);
	fakews_ticket_ms(fw, 0);
	dt_ticket(fw, url, sizeof url);
	(void)snprintf(hu, sizeof hu, "http%s", url + 2);
	assert_int_equal(wsc_http(hu, NULL, NULL), 403);
	assert_int_equal(fakews_connects(fw), 1);
	assert_int_equal(fakews_live(fw), 1);
	wsc_free(t);
	assert_int_equal(fakews_wait_live(fw, 0, WSC_WAIT_MS), 0);
	assert_int_equal(fakews_max_live(fw), 1);
	fakews_stop(fw);
}

/* A push and its ACK; an unACKed push comes again with the same msgId;
 * dropped ACKs do not count. */
static void
test_dingtalk_push_ack_redeliver(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_DINGTALK, "dingid",
			    "dingsecret");
	struct wsc	*t;
	json_t		*f, *d, *f2, *d2;
	const char	*mid, *mid2;
	char		 url[256];

	(void)state;
	fakews_ping_ms(fw, 0);
	fakews_redeliver_ms(fw, 200);
	dt_ticket(fw, url, sizeof url);
	t = wsc_open(url);
	fakews_push(fw, "msgA", "cidA", "staffA", 0, "你好",
	    "http://127.0.0.1:1/s", 1);
	f = wsc_next_json(t);
	mid = dt_callback(f, &d);
	assert_string_equal(str(d, "msgId"), "msgA");
	assert_string_equal(str(d, "conversationId"), "cidA");
	assert_string_equal(str(d, "conversationType"), "1");
	assert_string_equal(str(d, "senderStaffId"), "staffA");
	assert_string_equal(str(d, "robotCode"), "dingid");
	assert_string_equal(str(json_object_get(d, "text"), "content"), "你好");
	assert_string_equal(str(d, "sessionWebhook"), "http://127.0.0.1:1/s");
	assert_true(json_integer_value(json_object_get(d,
	    "sessionWebhookExpiredTime")) > json_integer_value(
	    json_object_get(d, "createAt")));
	dt_ack(t, mid, "{\"response\":null}");
	WSC_WAIT(fakews_acks(fw, "msgA") == 1);
	json_decref(d);
	json_decref(f);

	/* a group message left unACKed comes again, a new messageId */
	fakews_push(fw, "msgB", "cidG", "staffB", 1, "群里", NULL, 1);
	f = wsc_next_json(t);
	mid = dt_callback(f, &d);
	assert_string_equal(str(d, "conversationType"), "2");
	assert_null(json_object_get(d, "sessionWebhook"));
	f2 = wsc_next_json(t);
	mid2 = dt_callback(f2, &d2);
	assert_string_equal(str(d2, "msgId"), "msgB");
	assert_string_not_equal(mid, mid2);
	assert_int_equal(fakews_pushes(fw, "msgB"), 2);
	dt_ack(t, mid2, "{\"response\":null}");
	WSC_WAIT(fakews_acks(fw, "msgB") == 1);
	/* the first ACK still counts once a second one came */
	assert_int_equal(fakews_pushes(fw, "msgA"), 1);
	assert_true(no_violations(fw));
	json_decref(d);
	json_decref(f);
	json_decref(d2);
	json_decref(f2);

	/* dropped ACKs are as if lost */
	fakews_drop_acks(fw, 1);
	fakews_push(fw, "msgC", "cidA", "staffA", 0, "再来", NULL, 1);
	f = wsc_next_json(t);
	mid = dt_callback(f, &d);
	dt_ack(t, mid, "{\"response\":null}");
	json_decref(d);
	json_decref(f);
	f = wsc_next_json(t);
	mid = dt_callback(f, &d);
	assert_string_equal(str(d, "msgId"), "msgC");
	assert_int_equal(fakews_acks(fw, "msgC"), 0);
	fakews_drop_acks(fw, 0);
	dt_ack(t, mid, "{\"response\":null}");
	WSC_WAIT(fakews_acks(fw, "msgC") == 1);
	json_decref(d);
	json_decref(f);
	wsc_free(t);
	fakews_stop(fw);
}

/* SYSTEM ping and its echo, a missed echo; disconnect, then the close, and
 * what waited goes to the next connection. */
static void
test_dingtalk_ping_disconnect(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_DINGTALK, "dingid",
			    "dingsecret");
	struct wsc	*t, *t2;
	json_t		*f, *h, *d;
	const char	*mid;
	char		 url[256];

	(void)state;
	fakews_ping_ms(fw, 100);
	dt_ticket(fw, url, sizeof url);
	t = wsc_open(url);
	f = wsc_next_json(t);
	h = json_object_get(f, "headers");
	assert_string_equal(str(f, "type"), "SYSTEM");
	assert_string_equal(str(h, "topic"), "ping");
	dt_ack(t, str(h, "messageId"), str(f, "data"));
	WSC_WAIT(fakews_pings(fw) == 1);
	json_decref(f);
	/* the next one is not echoed: a miss when the third is due */
	f = wsc_next_json(t);
	json_decref(f);
	f = wsc_next_json(t);
	json_decref(f);
	assert_true(fakews_ping_misses(fw) >= 1);
	fakews_ping_ms(fw, 0);

	/* disconnect: nothing more for the old connection */
	fakews_disconnect(fw, 300);
	for (;;) {
		f = wsc_next_json(t);
		h = json_object_get(f, "headers");
		if (strcmp(str(h, "topic"), "disconnect") == 0)
			break;
		json_decref(f);
	}
	assert_string_equal(str(f, "type"), "SYSTEM");
	d = json_loads(str(f, "data"), 0, NULL);
	assert_non_null(json_object_get(d, "reason"));
	json_decref(d);
	json_decref(f);
	fakews_push(fw, "msgD", "cidA", "staffA", 0, "换线", NULL, 1);
	WSC_WAIT(t->closed);
	assert_int_equal(t->nmsgs, t->taken);
	assert_int_equal(fakews_pushes(fw, "msgD"), 0);
	dt_ticket(fw, url, sizeof url);
	t2 = wsc_open(url);
	f = wsc_next_json(t2);
	mid = dt_callback(f, &d);
	assert_string_equal(str(d, "msgId"), "msgD");
	dt_ack(t2, mid, "{\"response\":null}");
	WSC_WAIT(fakews_acks(fw, "msgD") == 1);
	json_decref(d);
	json_decref(f);
	assert_int_equal(fakews_connects(fw), 2);
	wsc_free(t);
	wsc_free(t2);
	fakews_stop(fw);
}

/* A silent connection gets no SYSTEM ping and no push, but its WebSocket
 * PINGs are answered; the next connection is not silent and gets what
 * waited. */
static void
test_dingtalk_silence(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_DINGTALK, "dingid",
			    "dingsecret");
	struct wsc	*t, *t2;
	json_t		*f, *d;
	char		 url[256];

	(void)state;
	fakews_ping_ms(fw, 0);
	dt_ticket(fw, url, sizeof url);
	t = wsc_open(url);
	assert_int_equal(fakews_wait_live(fw, 1, WSC_WAIT_MS), 0);
	fakews_silence(fw, 1);
	fakews_ping_ms(fw, 20);
	fakews_push(fw, "msgS", "cidA", "staffA", 0, "静", NULL, 1);
	wsc_send(t, WSC_PING, "hb", 2);
	WSC_WAIT(t->pongs == 1);
	wsc_send(t, WSC_PING, "hb", 2);
	WSC_WAIT(t->pongs == 2);
	assert_int_equal(t->nmsgs, 0);
	assert_int_equal(fakews_pushes(fw, "msgS"), 0);
	dt_ticket(fw, url, sizeof url);
	t2 = wsc_open(url);
	for (;;) {
		f = wsc_next_json(t2);
		if (strcmp(str(f, "type"), "CALLBACK") == 0)
			break;
		json_decref(f);		/* a SYSTEM ping */
	}
	(void)dt_callback(f, &d);
	assert_string_equal(str(d, "msgId"), "msgS");
	json_decref(d);
	json_decref(f);
	assert_int_equal(t->nmsgs, 0);
	assert_int_equal(fakews_max_live(fw), 2);
	wsc_free(t);
	wsc_free(t2);
	fakews_stop(fw);
}

/* A message pushed on a connection that closes before its ACK goes out
 * again on the next one. */
static void
test_dingtalk_close_before_ack(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_DINGTALK, "dingid",
			    "dingsecret");
	struct wsc	*t, *t2;
	json_t		*f, *d;
	const char	*mid;
	char		 url[256], first[64];

	(void)state;
	fakews_ping_ms(fw, 0);
	fakews_redeliver_ms(fw, 60000);
	dt_ticket(fw, url, sizeof url);
	t = wsc_open(url);
	fakews_push(fw, "msgE", "cidA", "staffA", 0, "断了", NULL, 1);
	f = wsc_next_json(t);
	(void)snprintf(first, sizeof first, "%s", dt_callback(f, &d));
	json_decref(d);
	json_decref(f);
	wsc_free(t);
	assert_int_equal(fakews_wait_live(fw, 0, WSC_WAIT_MS), 0);
	dt_ticket(fw, url, sizeof url);
	t2 = wsc_open(url);
	f = wsc_next_json(t2);
	mid = dt_callback(f, &d);
	assert_string_equal(str(d, "msgId"), "msgE");
	assert_int_equal(fakews_pushes(fw, "msgE"), 2);
	/* the first push's messageId on the second connection: not honoured */
	dt_ack(t2, first, "{\"response\":null}");
	WSC_WAIT(fakews_violations(fw, NULL, 0) == 1);
	dt_ack(t2, mid, "{\"response\":null}");
	WSC_WAIT(fakews_acks(fw, "msgE") == 1);
	json_decref(d);
	json_decref(f);
	wsc_free(t2);
	fakews_stop(fw);
}

/* ---- Feishu ---- */

#define FS_OPEN		"/callback/ws/endpoint"

/* Packs a frame of the client's and sends it. */
static void
fs_send(struct wsc *t, Pbbp2__Frame *f)
{
	size_t	 n = pbbp2__frame__get_packed_size(f);
	uint8_t	*buf = malloc(n);

	assert_non_null(buf);
	(void)pbbp2__frame__pack(f, buf);
	wsc_send(t, 1, buf, n);
	free(buf);
}

/* The first value of a header of f, or NULL. */
static const char *
fs_header(const Pbbp2__Frame *f, const char *key)
{
	size_t	 i;

	for (i = 0; i < f->n_headers; i++)
		if (strcmp(f->headers[i]->key, key) == 0)
			return f->headers[i]->value;
	return NULL;
}

/* The next frame, decoded (caller frees it). */
static Pbbp2__Frame *
fs_next(struct wsc *t)
{
	struct wsc_msg	*m = wsc_next(t);
	Pbbp2__Frame	*f;

	assert_true(m->binary);
	f = pbbp2__frame__unpack(NULL, m->len, m->data);
	assert_non_null(f);
	return f;
}

/* Bootstraps: the URL to dial and the service_id in it. */
static int
fs_url(struct fakews *fw, char *url, size_t size, json_t **cc)
{
	char		 u[256];
	const char	*s;
	json_t		*a, *data;

	(void)snprintf(u, sizeof u, "%s" FS_OPEN, fakews_base(fw));
	assert_int_equal(wsc_http(u, "{\"AppID\":\"cli_fake\",\"AppSecret\":"
	    "\"fs-secret\"}", &a), 200);
	assert_int_equal(json_integer_value(json_object_get(a, "code")), 0);
	data = json_object_get(a, "data");
	(void)snprintf(url, size, "%s", str(data, "URL"));
	if (cc != NULL)
		*cc = json_incref(json_object_get(data, "ClientConfig"));
	json_decref(a);
	assert_non_null(strstr(url, "device_id="));
	assert_non_null(s = strstr(url, "service_id="));
	assert_non_null(strstr(url, "ticket="));
	return (int)strtol(s + 11, NULL, 10);
}

/* Sends f back as its response: its headers and biz_rt, payload
 * {"code":200}. */
static void
fs_ack(struct wsc *t, Pbbp2__Frame *f)
{
	static char	 key[] = "biz_rt", val[] = "3", ok[] = "{\"code\":200}";
	Pbbp2__Header	 rt = PBBP2__HEADER__INIT;
	Pbbp2__Header	**hs;
	Pbbp2__Frame	 r;
	size_t		 i;

	hs = calloc(f->n_headers + 1, sizeof *hs);
	assert_non_null(hs);
	for (i = 0; i < f->n_headers; i++)
		hs[i] = f->headers[i];
	rt.key = key;
	rt.value = val;
	hs[f->n_headers] = &rt;
	r = *f;
	r.n_headers = f->n_headers + 1;
	r.headers = hs;
	r.has_payload = 1;
	r.payload.data = (uint8_t *)ok;
	r.payload.len = strlen(ok);
	fs_send(t, &r);
	free(hs);
}

/* Feishu /callback/ws/endpoint, a used ticket, ping and pong with the
 * ClientConfig, silence, a wrong service. */
static void
test_feishu_bootstrap_ping(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_FEISHU, "cli_fake",
			    "fs-secret");
	static char	 type[] = "type", ping[] = "ping";
	Pbbp2__Frame	 p = PBBP2__FRAME__INIT, *f;
	Pbbp2__Header	 h = PBBP2__HEADER__INIT, *hp = &h;
	struct wsc	*t;
	char		 u[512], hu[520];
	json_t		*a, *cc;
	int		 service;

	(void)state;
	(void)snprintf(u, sizeof u, "%s" FS_OPEN, fakews_base(fw));
	assert_int_equal(wsc_http(u, "{\"AppID\":\"cli_fake\",\"AppSecret\":"
	    "\"wrong\"}", &a), 200);
	assert_int_not_equal(json_integer_value(json_object_get(a, "code")),
	    0);
	json_decref(a);
	service = fs_url(fw, u, sizeof u, &cc);
	assert_int_equal(json_integer_value(json_object_get(cc,
	    "PingInterval")), 120);
	json_decref(cc);
	t = wsc_open(u);
	assert_int_equal(fakews_wait_live(fw, 1, WSC_WAIT_MS), 0);
	(void)snprintf(hu, sizeof hu, "http%s", u + 2);
	assert_int_equal(wsc_http(hu, NULL, NULL), 403);	/* used */

	fakews_client_config(fw, 30, 10, 5);
	h.key = type;
	h.value = ping;
	p.service = service;
	p.n_headers = 1;
	p.headers = &hp;
	fs_send(t, &p);
	f = fs_next(t);
	assert_int_equal(f->method, 0);
	assert_int_equal(f->service, service);
	assert_string_equal(fs_header(f, "type"), "pong");
	assert_true(f->has_payload);
	a = json_loadb((char *)f->payload.data, f->payload.len, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(a,
	    "PingInterval")), 30);
	assert_int_equal(json_integer_value(json_object_get(a,
	    "ReconnectInterval")), 10);
	assert_int_equal(json_integer_value(json_object_get(a,
	    "ReconnectNonce")), 5);
	json_decref(a);
	pbbp2__frame__free_unpacked(f, NULL);
	assert_int_equal(fakews_pings(fw), 1);

	/* silent: pings go unanswered */
	fakews_silence(fw, 1);
	fs_send(t, &p);
	WSC_WAIT(fakews_pings(fw) == 2);
	fakews_silence(fw, 0);
	fs_send(t, &p);
	f = fs_next(t);
	assert_string_equal(fs_header(f, "type"), "pong");
	pbbp2__frame__free_unpacked(f, NULL);
	assert_int_equal(fakews_pings(fw), 3);

	/* a ping for another service is the client's mistake */
	p.service = service + 1;
	fs_send(t, &p);
	WSC_WAIT(fakews_violations(fw, NULL, 0) == 1);
	wsc_free(t);
	fakews_stop(fw);
}

/* Collects n parts of one push; returns the payload (caller frees) and
 * the frame that completed it in *last. */
static char *
fs_collect(struct wsc *t, int n, Pbbp2__Frame **last, int *in_order)
{
	Pbbp2__Frame	*f;
	char		*parts[8] = { 0 }, *all, mid[64] = "";
	size_t		 len = 0, k;
	int		 i, seq, prev = -1;

	assert_true(n <= 8);
	*in_order = 1;
	for (i = 0; i < n; i++) {
		f = fs_next(t);
		assert_int_equal(f->method, 1);
		assert_string_equal(fs_header(f, "type"), "event");
		assert_int_equal(strtol(fs_header(f, "sum"), NULL, 10), n);
		if (i == 0)
			(void)snprintf(mid, sizeof mid, "%s",
			    fs_header(f, "message_id"));
		assert_string_equal(fs_header(f, "message_id"), mid);
		assert_non_null(fs_header(f, "trace_id"));
		seq = (int)strtol(fs_header(f, "seq"), NULL, 10);
		assert_true(seq >= 0 && seq < n && parts[seq] == NULL);
		if (seq < prev)
			*in_order = 0;
		prev = seq;
		parts[seq] = strndup((char *)f->payload.data, f->payload.len);
		len += f->payload.len;
		if (i + 1 < n)
			pbbp2__frame__free_unpacked(f, NULL);
		else
			*last = f;
	}
	all = calloc(1, len + 1);
	assert_non_null(all);
	for (len = 0, k = 0; k < (size_t)n; k++) {
		memcpy(all + len, parts[k], strlen(parts[k]));
		len += strlen(parts[k]);
		free(parts[k]);
	}
	return all;
}

/* An event in three parts out of order, its ACK; an unACKed one again with
 * the same event_id. */
static void
test_feishu_push_parts_redeliver(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_FEISHU, "cli_fake",
			    "fs-secret");
	Pbbp2__Frame	*f, *f2;
	struct wsc	*t;
	char		 u[512], *ev, *ev2, mid[64];
	json_t		*e, *e2, *msg, *c;
	int		 in_order;

	(void)state;
	fakews_redeliver_ms(fw, 200);
	(void)fs_url(fw, u, sizeof u, NULL);
	t = wsc_open(u);
	fakews_push(fw, "om_1", "oc_group", "ou_sender", 1, "三段", NULL, 3);
	ev = fs_collect(t, 3, &f, &in_order);
	assert_false(in_order);
	e = json_loads(ev, 0, NULL);
	assert_non_null(e);
	assert_string_equal(str(e, "schema"), "2.0");
	assert_string_equal(str(json_object_get(e, "header"), "event_type"),
	    "im.message.receive_v1");
	assert_string_equal(str(json_object_get(e, "header"), "event_id"),
	    fs_header(f, "trace_id"));
	msg = json_object_get(json_object_get(e, "event"), "message");
	assert_string_equal(str(msg, "message_id"), "om_1");
	assert_string_equal(str(msg, "chat_id"), "oc_group");
	assert_string_equal(str(msg, "chat_type"), "group");
	c = json_loads(str(msg, "content"), 0, NULL);
	assert_string_equal(str(c, "text"), "三段");
	json_decref(c);
	assert_string_equal(str(json_object_get(json_object_get(
	    json_object_get(e, "event"), "sender"), "sender_id"), "open_id"),
	    "ou_sender");
	fs_ack(t, f);
	WSC_WAIT(fakews_acks(fw, "om_1") == 1);
	pbbp2__frame__free_unpacked(f, NULL);
	free(ev);

	/* unACKed: the same event again, a new frame message_id */
	fakews_push(fw, "om_2", "oc_p2p", "ou_sender", 0, "一段", NULL, 1);
	ev = fs_collect(t, 1, &f, &in_order);
	(void)snprintf(mid, sizeof mid, "%s", fs_header(f, "message_id"));
	ev2 = fs_collect(t, 1, &f2, &in_order);
	assert_string_not_equal(mid, fs_header(f2, "message_id"));
	e2 = json_loads(ev2, 0, NULL);
	json_decref(e);
	e = json_loads(ev, 0, NULL);
	assert_string_equal(str(json_object_get(e, "header"), "event_id"),
	    str(json_object_get(e2, "header"), "event_id"));
	msg = json_object_get(json_object_get(e2, "event"), "message");
	assert_string_equal(str(msg, "message_id"), "om_2");
	assert_string_equal(str(msg, "chat_type"), "p2p");
	assert_int_equal(fakews_pushes(fw, "om_2"), 2);
	fs_ack(t, f2);
	WSC_WAIT(fakews_acks(fw, "om_2") == 1);
	assert_true(no_violations(fw));
	pbbp2__frame__free_unpacked(f, NULL);
	pbbp2__frame__free_unpacked(f2, NULL);
	json_decref(e);
	json_decref(e2);
	free(ev);
	free(ev2);
	wsc_free(t);
	fakews_stop(fw);
}

/* ---- WeCom ---- */

/* Sends aibot_subscribe for the bot with secret. */
static void
wc_subscribe(struct wsc *t, const char *req_id, const char *secret)
{
	wsc_send_json(t, json_pack("{s:s,s:{s:s},s:{s:s,s:s}}", "cmd",
	    "aibot_subscribe", "headers", "req_id", req_id, "body",
	    "bot_id", "aibBOT", "secret", secret));
}

/* The next answer: its errcode; req_id is checked. */
static long
wc_answer(struct wsc *t, const char *req_id)
{
	json_t	*a = wsc_next_json(t);
	long	 code;

	assert_null(json_object_get(a, "cmd"));
	assert_string_equal(str(json_object_get(a, "headers"), "req_id"),
	    req_id);
	code = (long)json_integer_value(json_object_get(a, "errcode"));
	json_decref(a);
	return code;
}

/* aibot_subscribe with a wrong secret (93019, closed) and the right one;
 * pings, silent or not. */
static void
test_wecom_subscribe(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_WECOM, "aibBOT", "wc-secret");
	struct wsc	*t;

	(void)state;
	t = wsc_open(fakews_ws_url(fw));
	assert_int_equal(fakews_wait_connects(fw, 0, WSC_WAIT_MS), 0);
	assert_int_equal(fakews_live(fw), 0);
	wc_subscribe(t, "sub-1", "wrong");
	assert_int_equal(wc_answer(t, "sub-1"), 93019);
	WSC_WAIT(t->closed);
	wsc_free(t);
	/* anything before the subscribe: closed, the client's fault */
	t = wsc_open(fakews_ws_url(fw));
	wsc_send_json(t, json_pack("{s:s,s:{s:s}}", "cmd", "ping", "headers",
	    "req_id", "ping-0"));
	WSC_WAIT(t->closed);
	assert_int_equal(t->nmsgs, 0);
	assert_int_equal(fakews_violations(fw, NULL, 0), 1);
	wsc_free(t);

	t = wsc_open(fakews_ws_url(fw));
	wc_subscribe(t, "sub-2", "wc-secret");
	assert_int_equal(wc_answer(t, "sub-2"), 0);
	assert_int_equal(fakews_wait_live(fw, 1, WSC_WAIT_MS), 0);
	wsc_send_json(t, json_pack("{s:s,s:{s:s}}", "cmd", "ping", "headers",
	    "req_id", "ping-1"));
	assert_int_equal(wc_answer(t, "ping-1"), 0);
	assert_int_equal(fakews_pings(fw), 1);
	fakews_silence(fw, 1);
	wsc_send_json(t, json_pack("{s:s,s:{s:s}}", "cmd", "ping", "headers",
	    "req_id", "ping-2"));
	WSC_WAIT(fakews_pings(fw) == 2);
	fakews_silence(fw, 0);
	wsc_send_json(t, json_pack("{s:s,s:{s:s}}", "cmd", "ping", "headers",
	    "req_id", "ping-3"));
	assert_int_equal(wc_answer(t, "ping-3"), 0);	/* ping-2 unanswered */
	assert_int_equal(fakews_connects(fw), 3);
	wsc_free(t);
	fakews_stop(fw);
}

/* Pushes to a group and a single chat; replies answered, 846605, a
 * scripted code; 1 MiB both ways. */
static void
test_wecom_push_replies(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_WECOM, "aibBOT", "wc-secret");
	struct wsc	*t;
	json_t		*f, *b;
	char		 rid[64], text[256], *big;

	(void)state;
	t = wsc_open(fakews_ws_url(fw));
	wc_subscribe(t, "sub-1", "wc-secret");
	assert_int_equal(wc_answer(t, "sub-1"), 0);
	fakews_push(fw, "msg-1", "wrkCHAT", "zhangsan", 1, "帮我", NULL, 1);
	f = wsc_next_json(t);
	assert_string_equal(str(f, "cmd"), "aibot_msg_callback");
	(void)snprintf(rid, sizeof rid, "%s",
	    str(json_object_get(f, "headers"), "req_id"));
	b = json_object_get(f, "body");
	assert_string_equal(str(b, "msgid"), "msg-1");
	assert_string_equal(str(b, "chattype"), "group");
	assert_string_equal(str(b, "chatid"), "wrkCHAT");
	assert_string_equal(str(b, "msgtype"), "text");
	assert_string_equal(str(json_object_get(b, "from"), "userid"),
	    "zhangsan");
	assert_string_equal(str(json_object_get(b, "text"), "content"), "帮我");
	json_decref(f);
	fakews_push(fw, "msg-2", "ignored", "lisi", 0, "单聊", NULL, 1);
	f = wsc_next_json(t);
	b = json_object_get(f, "body");
	assert_string_equal(str(b, "chattype"), "single");
	assert_null(json_object_get(b, "chatid"));
	json_decref(f);

	wsc_send_json(t, json_pack("{s:s,s:{s:s},s:{s:s,s:{s:s,s:b,s:s}}}",
	    "cmd", "aibot_respond_msg", "headers", "req_id", rid, "body",
	    "msgtype", "stream", "stream", "id", "s1", "finish", 1,
	    "content", "好的"));
	assert_int_equal(wc_answer(t, rid), 0);
	wsc_send_json(t, json_pack("{s:s,s:{s:s},s:{s:s}}", "cmd",
	    "aibot_respond_msg", "headers", "req_id", "never-pushed", "body",
	    "msgtype", "stream"));
	assert_int_equal(wc_answer(t, "never-pushed"), 846605);
	fakews_reply_errcode(fw, 1, 6000);
	wsc_send_json(t, json_pack("{s:s,s:{s:s},s:{s:s}}", "cmd",
	    "aibot_send_msg", "headers", "req_id", "send-1", "body",
	    "chatid", "wrkCHAT"));
	assert_int_equal(wc_answer(t, "send-1"), 6000);
	/* 1 MiB in one frame, fragmented on the way */
	big = malloc(BIG + 1);
	assert_non_null(big);
	memset(big, 'x', BIG);
	big[BIG] = '\0';
	wsc_send_json(t, json_pack("{s:s,s:{s:s},s:{s:s,s:{s:s}}}", "cmd",
	    "aibot_send_msg", "headers", "req_id", "send-2", "body",
	    "chatid", "wrkCHAT", "markdown", "content", big));
	assert_int_equal(wc_answer(t, "send-2"), 0);
	fakews_push(fw, "msg-big", "c", "lisi", 0, big, NULL, 1);
	f = wsc_next_json(t);
	assert_int_equal(strlen(str(json_object_get(json_object_get(f,
	    "body"), "text"), "content")), BIG);
	json_decref(f);
	free(big);
	assert_int_equal(fakews_replies(fw, "aibot_respond_msg"), 2);
	assert_int_equal(fakews_replies(fw, "aibot_send_msg"), 2);
	assert_int_equal(fakews_reply_text(fw, "aibot_respond_msg", 0, text,
	    sizeof text), 0);
	assert_non_null(strstr(text, "\"content\":\"好的\""));
	assert_int_equal(fakews_reply_text(fw, "aibot_send_msg", 2, text,
	    sizeof text), -1);
	assert_int_equal(fakews_pushes(fw, "msg-1"), 1);
	assert_true(no_violations(fw));
	wsc_free(t);
	fakews_stop(fw);
}

/* A newer subscribe: the older connection hears disconnected_event and is
 * closed. */
static void
test_wecom_takeover(void **state)
{
	struct fakews	*fw = fakews_start(FAKEWS_WECOM, "aibBOT", "wc-secret");
	struct wsc	*t, *t2;
	json_t		*f, *b;

	(void)state;
	t = wsc_open(fakews_ws_url(fw));
	wc_subscribe(t, "sub-1", "wc-secret");
	assert_int_equal(wc_answer(t, "sub-1"), 0);
	t2 = wsc_open(fakews_ws_url(fw));
	wc_subscribe(t2, "sub-2", "wc-secret");
	assert_int_equal(wc_answer(t2, "sub-2"), 0);
	f = wsc_next_json(t);
	assert_string_equal(str(f, "cmd"), "aibot_event_callback");
	b = json_object_get(f, "body");
	assert_string_equal(str(json_object_get(b, "event"), "eventtype"),
	    "disconnected_event");
	json_decref(f);
	WSC_WAIT(t->closed);
	assert_int_equal(fakews_wait_live(fw, 1, WSC_WAIT_MS), 0);
	assert_int_equal(fakews_max_live(fw), 2);
	/* pushes go to the newer one */
	fakews_push(fw, "msg-3", "c", "wangwu", 0, "新的", NULL, 1);
	f = wsc_next_json(t2);
	assert_string_equal(str(json_object_get(f, "body"), "msgid"), "msg-3");
	json_decref(f);
	/* stopping closes what is still open */
	fakews_stop(fw);
	WSC_WAIT(t2->closed);
	wsc_free(t);
	wsc_free(t2);
}

/* The client's context for every test. */
static int
group_setup(void **state)
{
	(void)state;
	return wsc_init();
}

static int
group_teardown(void **state)
{
	(void)state;
	wsc_done();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dingtalk_bootstrap),
		cmocka_unit_test(test_dingtalk_tickets),
		cmocka_unit_test(test_dingtalk_push_ack_redeliver),
		cmocka_unit_test(test_dingtalk_ping_disconnect),
		cmocka_unit_test(test_dingtalk_silence),
		cmocka_unit_test(test_dingtalk_close_before_ack),
		cmocka_unit_test(test_feishu_bootstrap_ping),
		cmocka_unit_test(test_feishu_push_parts_redeliver),
		cmocka_unit_test(test_wecom_subscribe),
		cmocka_unit_test(test_wecom_push_replies),
		cmocka_unit_test(test_wecom_takeover),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * What the fake gateway says, platform by platform (STREAM.md §1
 * DingTalk Stream, §2 Feishu's long connection, §3 the WeCom AI bot):
 * bootstrap answers, upgrade checks, the frames it pushes and how it
 * answers the client's. Feishu frames are packed and unpacked with the
 * protobuf-c code generated from bot/proto/pbbp2.proto, not with the
 * daemon's bot/pbframe.c, so that the daemon's codec meets an independent
 * one. Every function runs on the service thread with fw->lock held.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbbp2.pb-c.h"

#include "fakews_int.h"

#define DT_TOPIC	"/v1.0/im/bot/messages/get"
#define DT_WEBHOOK_MS	(90 * 60 * 1000)	/* sessionWebhook lifetime */
#define FS_BAD_SECRET	10014	/* Feishu's code for a wrong app secret */
#define WC_BAD_SECRET	93019
#define WC_BAD_REQ_ID	846605

/* Sets o[key] to v, which it takes; aborts when out of memory. */
static json_t *
fw_obj(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		abort();
	return o;
}

/* A JSON answer as text (caller frees); releases v. */
static char *
fw_text(json_t *v)
{
	char	*s;

	if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
		abort();
	json_decref(v);
	return s;
}

/* A string member of o, "" when absent. */
static const char *
fw_str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* A DingTalk messageId, shaped like the platform's (8 hex, _, …). */
static void
dt_message_id(struct fakews *fw, char *out, size_t size)
{
	unsigned long long	 n = ++fw->seq;

	(void)snprintf(out, size, "%08llx_%x_%llx_%llx", n * 2654435761ULL &
	    0xffffffffULL, 974, (unsigned long long)fw_wall_ms(), n);
}

/* Whether subscriptions hold CALLBACK /v1.0/im/bot/messages/get. */
static int
dt_has_topic(json_t *subs)
{
	json_t	*s;
	size_t	 i;

	json_array_foreach(subs, i, s)
		if (strcmp(fw_str(s, "type"), "CALLBACK") == 0 &&
		    strcmp(fw_str(s, "topic"), DT_TOPIC) == 0)
			return 1;
	return 0;
}

/* POST /v1.0/gateway/connections/open (§1.2). */
static char *
dt_bootstrap(struct fakews *fw, json_t *req, const char *accept, int *status)
{
	struct fw_ticket	*t;
	char			 rid[37], url[96];

	fw_uuid(rid);
	if (strstr(accept, "application/json") == NULL)
		fw_violation(fw, "connections/open without Accept: "
		    "application/json");
	if (strcmp(fw_str(req, "clientId"), fw->id) != 0 ||
	    strcmp(fw_str(req, "clientSecret"), fw->secret) != 0) {
		*status = 401;
		return fw_text(json_pack("{s:s,s:s,s:s}", "requestid", rid,
		    "code", "InvalidAuthentication",
		    "message", "clientId or clientSecret is invalid"));
	}
	if (!dt_has_topic(json_object_get(req, "subscriptions"))) {
		*status = 400;
		return fw_text(json_pack("{s:s,s:s,s:s}", "requestid", rid,
		    "code", "invalidParameter",
		    "message", "subscriptions lack CALLBACK " DT_TOPIC));
	}
	t = fw_ticket_new(fw);
	(void)snprintf(url, sizeof url, "ws://127.0.0.1:%d/connect", fw->port);
	*status = 200;
	return fw_text(json_pack("{s:s,s:s}", "endpoint", url,
	    "ticket", t->id));
}

/* Feishu's ClientConfig object as set by fakews_client_config(), or the
 * SDKs' defaults. */
static json_t *
fs_client_config(struct fakews *fw)
{
	json_t	*cc = json_pack("{s:i}", "ReconnectCount", -1);

	if (!fw->cc_set)
		return fw_obj(fw_obj(fw_obj(cc, "ReconnectInterval",
		    json_integer(120)), "ReconnectNonce", json_integer(30)),
		    "PingInterval", json_integer(120));
	if (fw->cc_reconnect)
		fw_obj(cc, "ReconnectInterval", json_integer(fw->cc_reconnect));
	if (fw->cc_nonce)
		fw_obj(cc, "ReconnectNonce", json_integer(fw->cc_nonce));
	if (fw->cc_ping)
		fw_obj(cc, "PingInterval", json_integer(fw->cc_ping));
	return cc;
}

/* POST /callback/ws/endpoint (§2.2): a wrong secret is HTTP 200 with a
 * non-zero code, as the platform answers. */
static char *
fs_bootstrap(struct fakews *fw, json_t *req, int *status)
{
	struct fw_ticket	*t;
	char			 url[256];

	*status = 200;
	if (strcmp(fw_str(req, "AppID"), fw->id) != 0 ||
	    strcmp(fw_str(req, "AppSecret"), fw->secret) != 0)
		return fw_text(json_pack("{s:i,s:s,s:{}}", "code",
		    FS_BAD_SECRET, "msg", "app secret invalid", "data"));
	t = fw_ticket_new(fw);
	(void)snprintf(url, sizeof url, "ws://127.0.0.1:%d/ws/v2?fpid=493&"
	    "aid=552564&device_id=%s&access_key=fake&service_id=%d&ticket=%s",
	    fw->port, t->device, fw->service_id, t->id);
	return fw_text(json_pack("{s:i,s:s,s:{s:s,s:o}}", "code", 0,
	    "msg", "success", "data", "URL", url,
	    "ClientConfig", fs_client_config(fw)));
}

/*
 * A bootstrap POST: the answer (caller frees) and its *status, or NULL
 * when the path is not this platform's. Every answer counts as one
 * bootstrap.
 */
char *
fw_plat_bootstrap(struct fakews *fw, const char *path, const char *body,
    size_t len, const char *accept, int *status)
{
	json_t	*req;
	char	*ans;

	if ((fw->kind != FAKEWS_DINGTALK ||
	    strcmp(path, "/v1.0/gateway/connections/open") != 0) &&
	    (fw->kind != FAKEWS_FEISHU ||
	    strcmp(path, "/callback/ws/endpoint") != 0))
		return NULL;
	fw->bootstraps++;
	if ((req = json_loadb(body, len, 0, NULL)) == NULL ||
	    !json_is_object(req)) {
		json_decref(req);
		fw_violation(fw, "bootstrap body is not a JSON object");
		*status = 400;
		return fw_text(json_pack("{s:s,s:s}", "code", "invalidJSON",
		    "message", "body is not JSON"));
	}
	if (fw->kind == FAKEWS_DINGTALK)
		ans = dt_bootstrap(fw, req, accept, status);
	else
		ans = fs_bootstrap(fw, req, status);
	json_decref(req);
	return ans;
}

/* An upgrade request: 0 to accept it for c, -1 for HTTP 403. */
int
fw_plat_upgrade(struct fakews *fw, const char *path, const char *ticket,
    struct fw_conn *c)
{
	struct fw_ticket	*t;

	switch (fw->kind) {
	case FAKEWS_DINGTALK:
		if (strcmp(path, "/connect") != 0 ||
		    fw_ticket_take(fw, ticket, &t) != 0)
			return -1;
		fw_uuid(c->uuid);
		return 0;
	case FAKEWS_FEISHU:
		if (strcmp(path, "/ws/v2") != 0 ||
		    fw_ticket_take(fw, ticket, &t) != 0)
			return -1;
		(void)snprintf(c->uuid, sizeof c->uuid, "%s", t->device);
		return 0;
	case FAKEWS_WECOM:
		return strcmp(path, "/") == 0 ? 0 : -1;
	}
	return -1;
}

/* The handshake is done: DingTalk and Feishu connections are live at once,
 * WeCom's once subscribed. */
void
fw_plat_open(struct fakews *fw, struct fw_conn *c)
{
	if (fw->kind != FAKEWS_WECOM)
		fw_set_live(fw, c, 1);
}

/* DingTalk: {"specVersion":"1.0","type":T,"headers":{…},"data":D}. */
static json_t *
dt_frame(const char *type, json_t *headers, json_t *data)
{
	char	*d;
	json_t	*f;

	if ((d = json_dumps(data, JSON_COMPACT)) == NULL)
		abort();
	json_decref(data);
	f = json_pack("{s:s,s:s,s:o,s:s}", "specVersion", "1.0", "type", type,
	    "headers", headers, "data", d);
	free(d);
	return f;
}

/* DingTalk's robot message, the data of a CALLBACK (§1.11). */
static json_t *
dt_data(struct fakews *fw, struct fw_msg *m)
{
	json_t	*d;

	d = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:{s:s},s:s,"
	    "s:I,s:b}",
	    "msgId", m->msgid, "conversationId", m->chat,
	    "conversationType", m->group ? "2" : "1",
	    "senderStaffId", m->sender, "senderNick", m->sender,
	    "senderId", "$:LWCP_v1:$fake", "isAdmin", 0,
	    "chatbotCorpId", "dingfakecorp", "robotCode", fw->id,
	    "text", "content", m->text, "msgtype", "text",
	    "createAt", (json_int_t)m->created_ms, "isInAtList", 1);
	if (m->group)
		fw_obj(d, "conversationTitle", json_string("测试群"));
	if (m->webhook != NULL) {
		fw_obj(d, "sessionWebhook", json_string(m->webhook));
		fw_obj(d, "sessionWebhookExpiredTime",
		    json_integer(m->created_ms + DT_WEBHOOK_MS));
	}
	return d;
}

/* DingTalk: a CALLBACK frame with a fresh messageId (§1.4). */
static void
dt_push(struct fakews *fw, struct fw_conn *c, size_t i)
{
	char	 mid[64], now[24];
	json_t	*h;

	dt_message_id(fw, mid, sizeof mid);
	(void)snprintf(now, sizeof now, "%lld", (long long)fw_wall_ms());
	h = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "appId", "fake-app-id",
	    "connectionId", c->uuid, "contentType", "application/json",
	    "messageId", mid, "time", now, "topic", DT_TOPIC);
	fw_send_json(c, dt_frame("CALLBACK", h, dt_data(fw, &fw->msgs[i])));
	fw_push_add(fw, mid, i, c->serial);
}

/* Packs and queues one Feishu frame. */
static void
fs_send(struct fw_conn *c, Pbbp2__Frame *f)
{
	size_t		 n = pbbp2__frame__get_packed_size(f);
	uint8_t		*buf;

	if ((buf = malloc(n ? n : 1)) == NULL)
		abort();
	(void)pbbp2__frame__pack(f, buf);
	fw_send(c, 1, buf, n);
	free(buf);
}

/* One header of a frame being built; the strings stay the caller's. */
static void
fs_set(Pbbp2__Header *h, const char *key, char *value)
{
	h->key = (char *)(uintptr_t)key;
	h->value = value;
}

/* The im.message.receive_v1 event of §2.9, as text (caller frees). */
static char *
fs_event(struct fakews *fw, struct fw_msg *m)
{
	char	 ms[24], *content;
	json_t	*ev;

	(void)snprintf(ms, sizeof ms, "%lld", (long long)m->created_ms);
	content = fw_text(json_pack("{s:s}", "text", m->text));
	ev = json_pack("{s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s},"
	    "s:{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s},"
	    "s:{s:{s:s},s:s,s:s}}}",
	    "schema", "2.0",
	    "header", "event_id", m->event_id, "token", "", "create_time", ms,
	    "event_type", "im.message.receive_v1", "tenant_key", "fake-tenant",
	    "app_id", fw->id,
	    "event", "message", "message_id", m->msgid, "chat_id", m->chat,
	    "chat_type", m->group ? "group" : "p2p", "message_type", "text",
	    "content", content, "create_time", ms, "update_time", ms,
	    "sender", "sender_id", "open_id", m->sender,
	    "sender_type", "user", "tenant_key", "fake-tenant");
	free(content);
	return fw_text(ev);
}

/* Feishu: the event in m->parts data frames sharing a fresh message_id,
 * sent last part first (§2.7: parts may arrive out of order). */
static void
fs_push(struct fakews *fw, struct fw_conn *c, size_t i)
{
	Pbbp2__Frame	 f = PBBP2__FRAME__INIT;
	Pbbp2__Header	 h[6], *hp[6];
	struct fw_msg	*m = &fw->msgs[i];
	char		 mid[37], sum[24], seq[24], ts[24], *ev;
	size_t		 len, k, n, a, b;

	fw_uuid(mid);
	ev = fs_event(fw, m);
	len = strlen(ev);
	n = (size_t)m->parts > len ? len : (size_t)m->parts;
	(void)snprintf(sum, sizeof sum, "%zu", n);
	(void)snprintf(ts, sizeof ts, "%lld", (long long)fw_wall_ms());
	for (k = 0; k < 6; k++) {
		pbbp2__header__init(&h[k]);
		hp[k] = &h[k];
	}
	fs_set(&h[0], "type", "event");
	fs_set(&h[1], "message_id", mid);
	fs_set(&h[2], "sum", sum);
	fs_set(&h[3], "seq", seq);
	fs_set(&h[4], "trace_id", m->event_id);
	fs_set(&h[5], "timestamp", ts);
	f.service = fw->service_id;
	f.method = 1;
	f.n_headers = 6;
	f.headers = hp;
	f.has_payload = 1;
	for (k = n; k-- > 0;) {
		a = len * k / n;
		b = len * (k + 1) / n;
		(void)snprintf(seq, sizeof seq, "%zu", k);
		f.seqid = ++fw->seq;
		f.logid = f.seqid * 31;
		f.payload.data = (uint8_t *)ev + a;
		f.payload.len = b - a;
		fs_send(c, &f);
	}
	free(ev);
	fw_push_add(fw, mid, i, c->serial);
}

/* WeCom: aibot_msg_callback (§3.5); its req_id is what a respond_msg must
 * carry. */
static void
wc_push(struct fakews *fw, struct fw_conn *c, size_t i)
{
	struct fw_msg	*m = &fw->msgs[i];
	char		 rid[37];
	json_t		*body;

	fw_uuid(rid);
	body = json_pack("{s:s,s:s,s:s,s:{s:s},s:I,s:s,s:{s:s}}",
	    "msgid", m->msgid, "aibotid", fw->id,
	    "chattype", m->group ? "group" : "single",
	    "from", "userid", m->sender,
	    "create_time", (json_int_t)(m->created_ms / 1000),
	    "msgtype", "text", "text", "content", m->text);
	if (m->group)
		fw_obj(body, "chatid", json_string(m->chat));
	fw_send_json(c, json_pack("{s:s,s:{s:s},s:o}", "cmd",
	    "aibot_msg_callback", "headers", "req_id", rid, "body", body));
	fw_push_add(fw, rid, i, c->serial);
}

/* Pushes message i on c, recording the push's id. */
void
fw_plat_push(struct fakews *fw, struct fw_conn *c, size_t i)
{
	switch (fw->kind) {
	case FAKEWS_DINGTALK:
		dt_push(fw, c, i);
		break;
	case FAKEWS_FEISHU:
		fs_push(fw, c, i);
		break;
	case FAKEWS_WECOM:
		wc_push(fw, c, i);
		break;
	}
}

/* DingTalk: a SYSTEM ping (§1.6), whose echo is awaited. */
void
fw_plat_ping(struct fakews *fw, struct fw_conn *c)
{
	char	 opaque[37];
	json_t	*h;

	if (c->ping_out)
		(void)snprintf(c->ping_late, sizeof c->ping_late, "%s",
		    c->ping_id);
	dt_message_id(fw, c->ping_id, sizeof c->ping_id);
	fw_uuid(opaque);
	(void)snprintf(c->ping_data, sizeof c->ping_data,
	    "{\"opaque\":\"%s\"}", opaque);
	c->ping_out = 1;
	h = json_pack("{s:s,s:s,s:s}", "topic", "ping", "messageId",
	    c->ping_id, "contentType", "application/json");
	fw_send_json(c, json_pack("{s:s,s:o,s:s}", "type", "SYSTEM",
	    "headers", h, "data", c->ping_data));
}

/* DingTalk: SYSTEM disconnect (§1.6); the cron closes c later. */
void
fw_plat_disconnect(struct fakews *fw, struct fw_conn *c)
{
	char	 now[24];
	json_t	*h;

	dt_message_id(fw, c->disc_id, sizeof c->disc_id);
	(void)snprintf(now, sizeof now, "%lld", (long long)fw_wall_ms());
	h = json_pack("{s:s,s:s,s:s,s:s}", "contentType", "application/json",
	    "messageId", c->disc_id, "time", now, "topic", "disconnect");
	fw_send_json(c, dt_frame("SYSTEM", h, json_pack("{s:s}", "reason",
	    "connection is expired")));
}

/* DingTalk: the client's frames are ACKs (§1.5), of pushes or pings. */
static void
dt_rx(struct fakews *fw, struct fw_conn *c, json_t *f)
{
	json_t		*h = json_object_get(f, "headers");
	json_t		*code = json_object_get(f, "code");
	const char	*mid = fw_str(h, "messageId");

	if (!json_is_integer(code) || *mid == '\0') {
		fw_violation(fw, "DingTalk frame is not an ACK");
		return;
	}
	if (strcmp(fw_str(h, "contentType"), "application/json") != 0)
		fw_violation(fw, "ACK of %s without contentType", mid);
	if (c->ping_out && strcmp(mid, c->ping_id) == 0) {
		if (json_integer_value(code) != 200 ||
		    strcmp(fw_str(f, "data"), c->ping_data) != 0)
			fw_violation(fw, "SYSTEM ping echo with another data");
		c->ping_out = 0;
		fw->pings++;
		return;
	}
	if (strcmp(mid, c->disc_id) == 0 || strcmp(mid, c->ping_late) == 0)
		return;		/* the disconnect's ACK, a late echo */
	if (json_integer_value(code) == 200)
		fw_ack(fw, c, mid);
}

/* The first value of a Feishu header, "" if absent. */
static const char *
fs_header(const Pbbp2__Frame *f, const char *key)
{
	size_t	 i;

	for (i = 0; i < f->n_headers; i++)
		if (strcmp(f->headers[i]->key, key) == 0)
			return f->headers[i]->value;
	return "";
}

/* Feishu: the pong, with the ClientConfig when the test set one. */
static void
fs_pong(struct fakews *fw, struct fw_conn *c)
{
	Pbbp2__Frame	 f = PBBP2__FRAME__INIT;
	Pbbp2__Header	 h = PBBP2__HEADER__INIT, *hp = &h;
	char		*cc = NULL;

	h.key = "type";
	h.value = "pong";
	f.service = fw->service_id;
	f.method = 0;
	f.n_headers = 1;
	f.headers = &hp;
	if (fw->cc_set) {
		cc = fw_text(fs_client_config(fw));
		f.has_payload = 1;
		f.payload.data = (uint8_t *)cc;
		f.payload.len = strlen(cc);
	}
	fs_send(c, &f);
	free(cc);
}

/* Feishu: pings (method 0) and responses to data frames (method 1). */
static void
fs_rx(struct fakews *fw, struct fw_conn *c, const unsigned char *data,
    size_t len)
{
	Pbbp2__Frame	*f;
	const char	*type;
	json_t		*p;

	if ((f = pbbp2__frame__unpack(NULL, len, data)) == NULL) {
		fw_violation(fw, "Feishu frame does not decode");
		return;
	}
	type = fs_header(f, "type");
	if (f->service != fw->service_id)
		fw_violation(fw, "Feishu frame for service %d, not %d",
		    (int)f->service, fw->service_id);
	else if (f->method == 0 && strcmp(type, "ping") == 0) {
		fw->pings++;
		if (!c->silent)
			fs_pong(fw, c);
	} else if (f->method == 1 && strcmp(type, "event") == 0) {
		p = f->has_payload ? json_loadb((const char *)f->payload.data,
		    f->payload.len, 0, NULL) : NULL;
		if (json_integer_value(json_object_get(p, "code")) == 200)
			fw_ack(fw, c, fs_header(f, "message_id"));
		else
			fw_violation(fw, "Feishu response without code 200");
		json_decref(p);
	} else
		fw_violation(fw, "Feishu frame method %d type \"%s\"",
		    (int)f->method, type);
	pbbp2__frame__free_unpacked(f, NULL);
}

/* WeCom: {"headers":{"req_id":…},"errcode":N,"errmsg":…}. */
static void
wc_answer(struct fw_conn *c, const char *req_id, long errcode,
    const char *errmsg)
{
	fw_send_json(c, json_pack("{s:{s:s},s:I,s:s}", "headers", "req_id",
	    req_id, "errcode", (json_int_t)errcode, "errmsg", errmsg));
}

/* WeCom: a newer connection subscribed; the older ones hear
 * disconnected_event and are closed (§3.6, §3.10). */
static void
wc_kick_older(struct fakews *fw, struct fw_conn *newer)
{
	struct fw_conn	*c;
	char		 rid[37], mid[37];

	for (c = fw->conns; c != NULL; c = c->next) {
		if (c == newer || !c->subscribed || c->closing)
			continue;
		fw_uuid(rid);
		fw_uuid(mid);
		fw_send_json(c, json_pack("{s:s,s:{s:s},s:{s:s,s:I,s:s,s:s,"
		    "s:{s:s}}}", "cmd", "aibot_event_callback",
		    "headers", "req_id", rid,
		    "body", "msgid", mid,
		    "create_time", (json_int_t)(fw_wall_ms() / 1000),
		    "aibotid", fw->id, "msgtype", "event",
		    "event", "eventtype", "disconnected_event"));
		fw_close(c);
	}
}

/* WeCom: aibot_subscribe, the only frame a new connection may send. */
static void
wc_subscribe(struct fakews *fw, struct fw_conn *c, json_t *f,
    const char *req_id)
{
	json_t	*body = json_object_get(f, "body");

	if (strcmp(fw_str(body, "bot_id"), fw->id) != 0 ||
	    strcmp(fw_str(body, "secret"), fw->secret) != 0) {
		wc_answer(c, req_id, WC_BAD_SECRET, "invalid bot_id or secret");
		fw_close(c);
		return;
	}
	wc_answer(c, req_id, 0, "ok");
	if (!c->subscribed) {
		c->subscribed = 1;
		fw_set_live(fw, c, 1);
		wc_kick_older(fw, c);
	}
}

/* WeCom: a reply frame, recorded and answered (scripted code, or 846605
 * for a respond_msg whose req_id was not pushed on this connection). */
static void
wc_reply(struct fakews *fw, struct fw_conn *c, const char *cmd,
    const char *req_id, const unsigned char *data, size_t len)
{
	struct fw_reply	*r;
	struct fw_push	*p;
	long		 code = 0;

	fw->replies = fw_grow(fw->replies, &fw->capreplies, fw->nreplies,
	    sizeof *fw->replies);
	r = &fw->replies[fw->nreplies++];
	(void)snprintf(r->cmd, sizeof r->cmd, "%s", cmd);
	if ((r->text = malloc(len + 1)) == NULL)
		abort();
	memcpy(r->text, data, len);
	r->text[len] = '\0';
	p = fw_push_find(fw, req_id);
	if (strcmp(cmd, "aibot_respond_msg") == 0 &&
	    (p == NULL || p->conn != c->serial))
		code = WC_BAD_REQ_ID;
	else if (fw->reply_err_n > 0) {
		fw->reply_err_n--;
		code = fw->reply_err;
	}
	wc_answer(c, req_id, code, code == 0 ? "ok" :
	    code == WC_BAD_REQ_ID ? "invalid req_id" : "scripted error");
}

/* WeCom: the client's commands, by cmd (§3.2). */
static void
wc_rx(struct fakews *fw, struct fw_conn *c, json_t *f,
    const unsigned char *data, size_t len)
{
	json_t		*h = json_object_get(f, "headers");
	const char	*cmd = fw_str(f, "cmd"), *req_id = fw_str(h, "req_id");

	if (*req_id == '\0')
		fw_violation(fw, "WeCom frame %s without req_id", cmd);
	if (strcmp(cmd, "aibot_subscribe") == 0)
		wc_subscribe(fw, c, f, req_id);
	else if (!c->subscribed) {
		fw_violation(fw, "WeCom %s before aibot_subscribe", cmd);
		fw_close(c);
	} else if (strcmp(cmd, "ping") == 0) {
		fw->pings++;
		if (!c->silent)
			wc_answer(c, req_id, 0, "ok");
	} else if (strcmp(cmd, "aibot_respond_msg") == 0 ||
	    strcmp(cmd, "aibot_send_msg") == 0)
		wc_reply(fw, c, cmd, req_id, data, len);
	else
		wc_answer(c, req_id, 0, "ok");
}

/* One complete message from the client. */
void
fw_plat_rx(struct fakews *fw, struct fw_conn *c, const unsigned char *data,
    size_t len, int binary)
{
	json_t	*f;

	if (fw->kind == FAKEWS_FEISHU) {
		if (binary)
			fs_rx(fw, c, data, len);
		else
			fw_violation(fw, "Feishu text frame");
		return;
	}
	if (binary) {
		fw_violation(fw, "binary frame");
		return;
	}
	if ((f = json_loadb((const char *)data, len, 0, NULL)) == NULL ||
	    !json_is_object(f)) {
		fw_violation(fw, "frame is not a JSON object");
		json_decref(f);
		return;
	}
	if (fw->kind == FAKEWS_DINGTALK)
		dt_rx(fw, c, f);
	else
		wc_rx(fw, c, f, data, len);
	json_decref(f);
}

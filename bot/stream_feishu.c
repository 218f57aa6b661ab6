/*
 * Feishu's long connection (飞书长连接), the frames: the bootstrap call
 * POST /callback/ws/endpoint gives the URL and the ClientConfig, then
 * binary pbbp2.Frame messages (bot/pbframe.h). The client pings every
 * PingInterval seconds and the pong may carry a new ClientConfig; an
 * event may come in parts; each complete event is answered with its own
 * frame carrying {"code":200}, after it was stored. The event is the same
 * JSON as the webhook's, unencrypted, so channel_feishu_app.c parses it.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "log.h"
#include "pbframe.h"
#include "stream_int.h"
#include "messages/xmalloc.h"

#define FS_API_BASE	"https://open.feishu.cn"

struct fs_conn {
	int32_t		 service;
	struct pbparts	*parts;
};

static int
fs_open_prepare(struct stream *st, struct http_call *call, const char **why)
{
	const struct channel	*ch = stream_channel(st);
	const char		*base = channel_get(ch, "connect_base");
	json_t			*j;

	if (base == NULL || *base == '\0')
		base = channel_get(ch, "api_base");
	if (base == NULL || *base == '\0')
		base = FS_API_BASE;
	j = json_pack("{s:s?, s:s?}", "AppID", channel_get(ch, "app_id"),
	    "AppSecret", channel_get(ch, "app_secret"));
	if (j == NULL || (call->body = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		*why = "cannot build the endpoint request";
		return -1;
	}
	json_decref(j);
	call->len = strlen(call->body);
	call->url = xasprintf("%s/callback/ws/endpoint", base);
	call->content_type = "application/json";
	call->headers[0] = xstrdup("locale: zh");
	return 0;
}

/* Reads a ClientConfig (seconds) into t. */
static void
fs_client_config(json_t *cc, struct stream_timing *t)
{
	json_int_t	v;

	memset(t, 0, sizeof *t);
	if (!json_is_object(cc))
		return;
	if ((v = json_integer_value(json_object_get(cc, "PingInterval"))) > 0 &&
	    v <= 3600)
		t->ping_ms = (int)v * 1000;
	if ((v = json_integer_value(json_object_get(cc,
	    "ReconnectInterval"))) > 0 && v <= 3600)
		t->retry_ms = (int)v * 1000;
	if ((v = json_integer_value(json_object_get(cc,
	    "ReconnectNonce"))) > 0 && v <= 3600)
		t->first_retry_ms = (int)v * 1000;
}

static enum stream_open
fs_open_result(struct stream *st, long status, const char *body, size_t len,
    char **url, char *err, size_t errsz)
{
	json_t			*j = json_loadb(body, len, 0, NULL), *data;
	const char		*u, *msg;
	json_int_t		 code;
	struct stream_timing	 t;
	enum stream_open	 r = STREAM_OPEN_RETRY;

	code = json_integer_value(json_object_get(j, "code"));
	data = json_object_get(j, "data");
	u = json_string_value(json_object_get(data, "URL"));
	if (status == 200 && json_is_integer(json_object_get(j, "code")) &&
	    code == 0 && u != NULL && *u != '\0' && strlen(u) < 4096) {
		fs_client_config(json_object_get(data, "ClientConfig"), &t);
		stream_set_timing(st, NULL, &t);
		*url = xstrdup(u);
		json_decref(j);
		return STREAM_OPEN_OK;
	}
	msg = json_string_value(json_object_get(j, "msg"));
	(void)snprintf(err, errsz, "callback/ws/endpoint: http %ld code %lld"
	    "%s%.80s", status, (long long)code, msg ? ": " : "",
	    msg ? msg : "");
	/* Which codes mean bad credentials is not documented: only an
	 * HTTP refusal is taken as one; the rest is retried. */
	if (status == 401 || status == 403)
		r = STREAM_OPEN_FATAL;
	json_decref(j);
	return r;
}

/* The value of a query argument of url, copied into out; 0 or -1. */
static int
fs_query(const char *url, const char *name, char *out, size_t size)
{
	const char	*p = strchr(url, '?');
	size_t		 n = strlen(name), v;

	while (p != NULL) {
		p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			p += n + 1;
			v = strcspn(p, "&#");
			if (v >= size)
				return -1;
			memcpy(out, p, v);
			out[v] = '\0';
			return 0;
		}
		p = strchr(p, '&');
	}
	return -1;
}

static void *
fs_conn_new(struct stream *st, struct sconn *c)
{
	struct fs_conn	*fc = xcalloc(1, sizeof *fc);
	char		 v[64], label[96];
	char		*end;
	long		 n;

	if (fs_query(sconn_url(c), "service_id", v, sizeof v) == 0 &&
	    (n = strtol(v, &end, 10)) >= 0 && *end == '\0' && n < INT32_MAX)
		fc->service = (int32_t)n;
	else
		log_warn("%s: feishu: the URL names no service_id",
		    stream_channel(st)->name);
	if (fs_query(sconn_url(c), "device_id", v, sizeof v) == 0) {
		(void)snprintf(label, sizeof label, "device_id=%s", v);
		sconn_set_label(c, label);
	}
	fc->parts = pbparts_new();
	return fc;
}

static void
fs_conn_free(void *p)
{
	struct fs_conn	*fc = p;

	pbparts_free(fc->parts);
	free(fc);
}

static void
fs_ping(struct stream *st, struct sconn *c)
{
	struct fs_conn	*fc = sconn_proto(c);
	unsigned char	*out;
	size_t		 len;

	(void)st;
	if (pbframe_ping(fc->service, &out, &len) == 0) {
		stream_send(c, out, len, STREAM_CONTROL);
		free(out);
	}
}

/* There is nothing to wait for: ping at once (the server's pong may
 * carry its ClientConfig), and the connection is ready. */
static void
fs_hello(struct stream *st, struct sconn *c)
{
	fs_ping(st, c);
	stream_ready(st, c);
}

/* A pong: the ClientConfig it may carry replaces the current one. */
static void
fs_pong(struct stream *st, struct sconn *c, const struct pbframe *f)
{
	struct stream_timing	 t;
	json_t			*j;

	if (f->payload == NULL || f->payload_len == 0)
		return;
	if ((j = json_loadb((const char *)f->payload, f->payload_len, 0,
	    NULL)) == NULL)
		return;
	fs_client_config(j, &t);
	stream_set_timing(st, c, &t);
	json_decref(j);
}

static void
fs_event(struct stream *st, struct sconn *c, const struct pbframe *f)
{
	struct fs_conn	*fc = sconn_proto(c);
	unsigned char	*whole = NULL, *out;
	size_t		 len = 0, olen;
	const char	*why = "";
	int64_t		 t0 = stream_mono_ms();
	int		 rc;

	rc = pbparts_add(fc->parts, f, t0, &whole, &len, &why);
	if (rc == -1) {
		log_warn("%s: feishu: a part refused: %s",
		    stream_channel(st)->name, why);
		return;
	}
	if (rc == 0)
		return;		/* more parts to come */
	/* Stored (or a repeat), then answered; not stored: no answer, and
	 * Feishu pushes it again. */
	if (stream_deliver(st, c, (const char *)whole, len) == 0 &&
	    pbframe_response(f, 200, (long)(stream_mono_ms() - t0), &out,
	    &olen) == 0) {
		stream_send(c, out, olen, STREAM_ACK);
		free(out);
	}
	free(whole);
}

static void
fs_frame(struct stream *st, struct sconn *c, const unsigned char *p,
    size_t len)
{
	struct pbframe	 f;
	const char	*why = "", *type;

	if (pbframe_decode(p, len, &f, &why) != 0) {
		log_warn("%s: feishu: a frame dropped: %s",
		    stream_channel(st)->name, why);
		return;
	}
	type = pbframe_header(&f, "type");
	if (f.payload_encoding != NULL && *f.payload_encoding != '\0' &&
	    strcmp(f.payload_encoding, "none") != 0)
		log_warn("%s: feishu: payload_encoding %.16s is not known",
		    stream_channel(st)->name, f.payload_encoding);
	if (f.method == PBFRAME_CONTROL) {
		if (type != NULL && strcmp(type, "pong") == 0)
			fs_pong(st, c, &f);
	} else if (f.method == PBFRAME_DATA && type != NULL &&
	    strcmp(type, "event") == 0)
		fs_event(st, c, &f);
	/* Card frames are dropped unanswered, as the SDKs do. */
	pbframe_clear(&f);
}

const struct stream_ops stream_feishu_ops = {
	.name = "feishu websocket",
	.binary = 1,
	.app_heartbeat = 1,
	/* The SDKs' defaults until the platform's ClientConfig says
	 * otherwise; dead when nothing came 30 s after a ping. */
	.timing = { 120000, 150000, 0, 30000, 120000, 30000 },
	.open_prepare = fs_open_prepare,
	.open_result = fs_open_result,
	.hello = fs_hello,
	.ping = fs_ping,
	.frame = fs_frame,
	.conn_new = fs_conn_new,
	.conn_free = fs_conn_free,
};

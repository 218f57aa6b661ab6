/*
 * DingTalk Stream mode (钉钉 Stream 模式), the frames: the bootstrap call
 * POST /v1.0/gateway/connections/open, then JSON text frames {type,
 * headers, data} where data is JSON inside a string. The robot's messages
 * come as CALLBACK /v1.0/im/bot/messages/get with the same body as the
 * HTTP callback, so channel_dingtalk_app.c parses them; the server's
 * SYSTEM ping is echoed at once, its SYSTEM disconnect starts the
 * replacement connection before this one closes.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "channel.h"
#include "log.h"
#include "dtstream.h"
#include "stream_int.h"
#include "messages/xmalloc.h"

#define DT_API_BASE	"https://api.dingtalk.com"
#define DT_BOT_TOPIC	"/v1.0/im/bot/messages/get"

static int
dt_open_prepare(struct stream *st, struct http_call *call, const char **why)
{
	const struct channel	*ch = stream_channel(st);
	const char		*base = channel_get(ch, "connect_base");
	json_t			*j;

	if (base == NULL || *base == '\0')
		base = channel_get(ch, "api_base");
	if (base == NULL || *base == '\0')
		base = DT_API_BASE;
	j = json_pack("{s:s?, s:s?, s:[{s:s, s:s}], s:s}",
	    "clientId", channel_get(ch, "app_key"),
	    "clientSecret", channel_get(ch, "app_secret"),
	    "subscriptions", "type", "CALLBACK", "topic", DT_BOT_TOPIC,
	    "ua", "fangfei-c/1");
	if (j == NULL || (call->body = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		*why = "cannot build connections/open";
		return -1;
	}
	json_decref(j);
	call->len = strlen(call->body);
	call->url = xasprintf("%s/v1.0/gateway/connections/open", base);
	call->content_type = "application/json";
	/* Without it the answer comes as XML. */
	call->headers[0] = xstrdup("Accept: application/json");
	return 0;
}

static enum stream_open
dt_open_result(struct stream *st, long status, const char *body, size_t len,
    char **url, char *err, size_t errsz)
{
	json_t		*j = json_loadb(body, len, 0, NULL);
	const char	*endpoint, *ticket, *code, *msg;
	char		*t;
	enum stream_open r = STREAM_OPEN_RETRY;

	(void)st;
	endpoint = json_string_value(json_object_get(j, "endpoint"));
	ticket = json_string_value(json_object_get(j, "ticket"));
	if (status == 200 && endpoint != NULL && *endpoint != '\0' &&
	    ticket != NULL && *ticket != '\0' && strlen(ticket) < 512) {
		t = curl_easy_escape(NULL, ticket, 0);
		*url = xasprintf("%s%sticket=%s", endpoint,
		    strchr(endpoint, '?') != NULL ? "&" : "?", t ? t : "");
		curl_free(t);
		json_decref(j);
		return STREAM_OPEN_OK;
	}
	code = json_string_value(json_object_get(j, "code"));
	msg = json_string_value(json_object_get(j, "message"));
	(void)snprintf(err, errsz, "connections/open: http %ld%s%.40s%s%.80s",
	    status, code ? " " : "", code ? code : "", msg ? ": " : "",
	    msg ? msg : "");
	/* Wrong credentials or a disabled app do not heal by retrying. */
	if (status == 401 || status == 403)
		r = STREAM_OPEN_FATAL;
	json_decref(j);
	return r;
}

/*
 * Reads one frame: {"type", "headers":{"topic", "messageId",
 * "connectionId"}, "data": "<JSON in a string>"}. Pure (the fuzzer's
 * entry). Returns 0, or -1 with *why; f's strings point into *j (caller
 * decrefs).
 */
int
dtstream_parse(const char *p, size_t len, json_t **j, struct dtstream_frame *f,
    const char **why)
{
	json_t	*h;

	memset(f, 0, sizeof *f);
	if (len > DTSTREAM_FRAME_MAX) {
		*why = "frame too large";
		return -1;
	}
	if ((*j = json_loadb(p, len, 0, NULL)) == NULL || !json_is_object(*j)) {
		*why = "not a JSON object";
		return -1;
	}
	h = json_object_get(*j, "headers");
	f->type = json_string_value(json_object_get(*j, "type"));
	f->topic = json_string_value(json_object_get(h, "topic"));
	f->message_id = json_string_value(json_object_get(h, "messageId"));
	f->connection_id = json_string_value(json_object_get(h,
	    "connectionId"));
	f->data = json_string_value(json_object_get(*j, "data"));
	if (f->type == NULL || f->topic == NULL) {
		*why = "no type or topic";
		return -1;
	}
	if (f->message_id != NULL && strlen(f->message_id) > 256) {
		*why = "messageId too long";
		return -1;
	}
	if (strcmp(f->type, "SYSTEM") != 0 && f->message_id == NULL) {
		*why = "no messageId";
		return -1;
	}
	return 0;
}

/* The ACK {"code", "headers":{contentType, messageId}, "message",
 * "data"}; caller frees; NULL when it cannot be built. */
char *
dtstream_ack(int code, const char *message_id, const char *data)
{
	json_t	*j;
	char	*s = NULL;

	j = json_pack("{s:i, s:{s:s, s:s}, s:s, s:s}", "code", code,
	    "headers", "contentType", "application/json", "messageId",
	    message_id, "message", code == 200 ? "OK" : "not handled",
	    "data", data);
	if (j != NULL)
		s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static void
dt_ack(struct sconn *c, int code, const char *message_id, const char *data,
    int flags)
{
	char	*s;

	if ((s = dtstream_ack(code, message_id, data)) != NULL) {
		stream_send(c, s, strlen(s), flags);
		free(s);
	}
}

static void
dt_frame(struct stream *st, struct sconn *c, const unsigned char *p,
    size_t len)
{
	const struct channel	*ch = stream_channel(st);
	struct dtstream_frame	 f;
	json_t			*j = NULL;
	const char		*why = "";

	if (dtstream_parse((const char *)p, len, &j, &f, &why) != 0) {
		log_warn("%s: dingtalk stream: a frame dropped: %s", ch->name,
		    why);
		goto out;
	}
	if (strcmp(f.type, "SYSTEM") == 0) {
		/* ping: the same data back, at once; disconnect: the
		 * replacement now; anything else: alive. */
		if (strcmp(f.topic, "disconnect") == 0)
			stream_rotate(st, c, "disconnect");
		if (f.message_id != NULL)
			dt_ack(c, 200, f.message_id, strcmp(f.topic, "ping") ==
			    0 && f.data != NULL ? f.data : "{}",
			    STREAM_CONTROL);
		goto out;
	}
	if (strcmp(f.type, "CALLBACK") == 0 &&
	    strcmp(f.topic, DT_BOT_TOPIC) == 0) {
		if (f.connection_id != NULL && strlen(f.connection_id) < 64)
			sconn_set_label(c, f.connection_id);
		/* Stored (or a repeat), then acknowledged; not stored: no
		 * ACK, and DingTalk pushes it again. */
		if (f.data == NULL || stream_deliver(st, c, f.data,
		    strlen(f.data)) == 0)
			dt_ack(c, 200, f.message_id, "{\"response\":null}",
			    STREAM_ACK);
	} else if (strcmp(f.type, "EVENT") == 0)
		dt_ack(c, 200, f.message_id, "{\"status\":\"SUCCESS\","
		    "\"message\":\"success\"}", STREAM_ACK);
	else
		dt_ack(c, 404, f.message_id, "{}", STREAM_ACK);
out:
	json_decref(j);
}

const struct stream_ops stream_dingtalk_ops = {
	.name = "dingtalk stream",
	.binary = 0,
	.app_heartbeat = 0,
	/* A WebSocket PING every 20 s, dead after 45 s without any frame
	 * (PONGs count); a server that stopped routing to a connection
	 * whose PONGs still come is bounded by replacing every connection
	 * after 6 hours (the Java SDK's session TTL). */
	.timing = { 20000, 45000, 6 * 3600 * 1000, 0, 0 },
	.open_prepare = dt_open_prepare,
	.open_result = dt_open_result,
	.frame = dt_frame,
};

/*
 * DingTalk enterprise robot, HTTP callback mode (see shared PROTOCOLS.md
 * section 2(b)): channel type "dingtalk". (The outbound custom group robot
 * of the same platform is bot/channel_dingtalk.c, in the robot table.)
 *
 * verify: the "timestamp" header (ms, within an hour of req->now) and the
 * "sign" header, base64(HMAC-SHA256(app_secret, timestamp "\n"
 * app_secret)), through bot/dtsign.h. The sign does not cover the body: a
 * captured callback replays within the hour, so dedupe on msgId matters.
 * parse: text messages of single ("1") and group ("2") chats;
 * conversationId is the chat, senderStaffId (else senderId) the sender,
 * msgId the dedupe key (unique on its own). The text is trimmed and a
 * leading @mention dropped. reply_meta records how to answer: the
 * sessionWebhook (only on session_host: a signed callback still must not
 * make us post elsewhere) and its expiry, the conversation and the staff
 * id. reply: 200 with {}; answers go through the outbox.
 *
 * Outbound (the delivery thread): through the sessionWebhook while it has
 * at least DT_SESSION_MARGIN_MS left, else through the robot OpenAPI
 * (groupMessages/send, or oToMessages/batchSend for one person) with an
 * access token from /v1.0/oauth2/accessToken, cached in the state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "apitoken.h"
#include "channel.h"
#include "dtsign.h"
#include "log.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define DT_API_BASE		"https://api.dingtalk.com"
#define DT_SESSION_HOST		"oapi.dingtalk.com"
#define DT_TEXT_MAX		6000	/* characters; DingTalk takes ~20 KB */
#define DT_SESSION_MARGIN_MS	60000	/* a sessionWebhook this close to
					   its expiry is not used */
#define DT_URL_MAX		1024	/* bytes of a sessionWebhook */
#define DT_ERR_TOO_FAST		130101	/* sessionWebhook: over the limit */
#define DT_RETRY_TOO_FAST	60
#define DT_TOKEN_HEADER		"x-acs-dingtalk-access-token"

/* The instance's settings and token cache, made by dtapp_setup(). */
struct dtapp_state {
	const char	*app_key;
	const char	*app_secret;
	const char	*robot_code;	/* OpenAPI robotCode */
	const char	*api_base;
	const char	*session_host;	/* where sessionWebhooks may point */
	int		 stream;	/* mode = stream */
};

static const struct channel_key dtapp_keys[] = {
	{ "app_key", CHANNEL_KEY_REQUIRED,
	    "应用的 AppKey / the app's AppKey (Client ID)" },
	{ "app_secret", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "应用的 AppSecret（回调签名与取令牌）/ the AppSecret (callback "
	    "sign, access token)" },
	{ "robot_code", 0,
	    "机器人编码（默认 app_key）/ the robotCode for OpenAPI sends "
	    "(default: app_key)" },
	{ "api_base", 0,
	    "开放平台地址 / OpenAPI base URL (default "
	    "https://api.dingtalk.com)" },
	{ "session_host", 0,
	    "sessionWebhook 必须所在的主机 / the only host a sessionWebhook "
	    "may name (default oapi.dingtalk.com)" },
	{ "mode", 0,
	    "webhook（默认，HTTP 回调）或 stream（Stream 模式，无需公网地址）"
	    "/ webhook (default) or stream (no public address needed)" },
	CHANNEL_STREAM_KEYS,
	{ "connect_base", 0,
	    "长连接引导接口地址（默认同 api_base）/ base URL of the long "
	    "connection's bootstrap call (default: api_base)" },
	{ "rotate_seconds", 0,
	    "Stream 连接定期更换（秒，默认 21600，0 不换）/ replace a "
	    "healthy Stream connection after this many seconds (default "
	    "21600; 0: never)" },
	{ NULL, 0, NULL }
};

/* Reads the settings into the instance's state. */
static int
dtapp_setup(struct channel *ch, char **cause)
{
	struct dtapp_state	*st;
	const char		*secret = channel_get(ch, "app_secret");
	int			 stream;

	if (secret == NULL || strlen(secret) > DTSIGN_SECRET_MAX) {
		*cause = xasprintf("channel %s: app_secret is missing or "
		    "longer than %d bytes", ch->name, DTSIGN_SECRET_MAX);
		return -1;
	}
	if ((stream = channel_mode(ch, "stream", cause)) == -1)
		return -1;
	st = xcalloc(1, sizeof *st);
	st->stream = stream;
	st->app_key = channel_get(ch, "app_key");
	st->app_secret = channel_get(ch, "app_secret");
	if ((st->robot_code = channel_get(ch, "robot_code")) == NULL)
		st->robot_code = st->app_key;
	if ((st->api_base = channel_get(ch, "api_base")) == NULL)
		st->api_base = DT_API_BASE;
	if ((st->session_host = channel_get(ch, "session_host")) == NULL)
		st->session_host = DT_SESSION_HOST;
	ch->state = st;
	return 0;
}

/* Frees the state. */
static void
dtapp_cleanup(struct channel *ch)
{
	struct dtapp_state	*st = ch->state;

	if (st == NULL)
		return;
	free(st);
}

/* Whether the instance receives over DingTalk Stream (bot/stream.c). */
static int
dtapp_streams(const struct channel *ch)
{
	const struct dtapp_state	*st = ch->state;

	return st != NULL && st->stream;
}

/* Whether replies can be sent: always, through the OpenAPI if need be. */
static int
dtapp_sends(const struct channel *ch)
{
	return ch->state != NULL;
}

/* Checks the timestamp and sign headers (the body is not signed). */
static int
dtapp_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct dtapp_state	*st = ch->state;
	const char			*ts, *sign;
	enum dtsign_status		 ds;

	if (st == NULL) {
		*why = "channel not set up";	/* fail closed */
		return 401;
	}
	ts = req->header(req, "timestamp");
	sign = req->header(req, "sign");
	if (ts == NULL || sign == NULL) {
		*why = "missing timestamp or sign";
		return 401;
	}
	ds = dtsign_verify(st->app_secret, ts, sign, (int64_t)req->now * 1000);
	if (ds != DTSIGN_OK) {
		*why = dtsign_strerror(ds);
		return 401;
	}
	return 0;
}

/*
 * Whether url may be posted to: http(s)://<session_host>/…, with http
 * only when session_host is a loopback address (the tests), no space,
 * control character or quote, at most DT_URL_MAX bytes.
 */
static int
dtapp_session_ok(const struct dtapp_state *st, const char *url)
{
	const char	*h = st->session_host, *p;
	size_t		 n = strlen(h);

	if (strlen(url) > DT_URL_MAX)
		return 0;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '"' || *p == '\\')
			return 0;
	if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "http://", 7) == 0 &&
	    (strncmp(h, "127.0.0.1", 9) == 0 || strncmp(h, "localhost", 9) ==
	    0 || strncmp(h, "[::1]", 5) == 0))
		p = url + 7;
	else
		return 0;
	return strncasecmp(p, h, n) == 0 && p[n] == '/';
}

/* Copies string member key of j into field (size bytes), cut on a
 * character boundary to size / 4 characters; absent: left empty. */
static void
dtapp_name(json_t *j, const char *key, char *field, size_t size)
{
	const char	*v = json_string_value(json_object_get(j, key));
	char		*t;

	if (v == NULL || !utf8_valid_text(v, strlen(v)))
		return;
	t = xstrdup(v);
	t[utf8_prefix(t, size / 4)] = '\0';
	(void)inbound_set(field, size, t);
	free(t);
}

/*
 * Builds in->reply_meta from the callback: the sessionWebhook when it is
 * on session_host (else it is left out, and the answer goes through the
 * OpenAPI), its expiry, the conversation and the staff id.
 */
static void
dtapp_meta(const struct channel *ch, json_t *j, struct inbound *in)
{
	const struct dtapp_state	*st = ch->state;
	const char			*hook, *staff;
	json_t				*m, *exp;

	m = json_pack("{s:s, s:s}", "conversation_type",
	    in->chat_kind == CHAT_GROUP ? "2" : "1", "conversation_id",
	    in->chat_id);
	if (m == NULL)
		return;
	staff = json_string_value(json_object_get(j, "senderStaffId"));
	if (staff != NULL && *staff != '\0' && strlen(staff) < INBOUND_ID_MAX)
		json_object_set_new(m, "staff_id", json_string(staff));
	hook = json_string_value(json_object_get(j, "sessionWebhook"));
	exp = json_object_get(j, "sessionWebhookExpiredTime");
	if (hook != NULL && json_is_integer(exp)) {
		if (dtapp_session_ok(st, hook)) {
			json_object_set_new(m, "session_webhook",
			    json_string(hook));
			json_object_set_new(m, "expires_ms",
			    json_integer(json_integer_value(exp)));
		} else
			log_warn("%s: sessionWebhook not on %s: ignored",
			    ch->name, st->session_host);
	}
	in->reply_meta = json_dumps(m, JSON_COMPACT);
	json_decref(m);
}

/* Reads the text of a message into in->text; 0, or the HTTP status. */
static int
dtapp_text(json_t *j, struct inbound *in, const char **why)
{
	json_t		*text = json_object_get(json_object_get(j, "text"),
			    "content");

	if (!json_is_string(text)) {
		*why = "text.content missing";
		return 400;
	}
	if (json_string_length(text) > INBOUND_TEXT_MAX) {
		*why = "text too long";
		return 413;
	}
	if (!utf8_valid_text(json_string_value(text),
	    json_string_length(text))) {
		*why = "text holds control characters";
		return 400;
	}
	in->text = xstrdup(json_string_value(text));
	if (in->chat_kind == CHAT_GROUP)
		text_strip_mentions(in->text);
	else
		text_trim(in->text);
	return 0;
}

/* Copies the non-empty string member key into field; 0, or -1 when it is
 * absent, empty, not a string or too long. */
static int
dtapp_id(json_t *j, const char *key, char *field, size_t size)
{
	json_t	*v = json_object_get(j, key);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    channel_json_id(j, key, field, size) != 0)
		return -1;
	return 0;
}

/* Reads one callback. */
static int
dtapp_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	json_t		*j = NULL;
	const char	*type, *ctype;
	int		 rc;

	if ((rc = channel_json_body(req, &j, why)) != 0)
		return rc;
	rc = 400;
	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	if (dtapp_id(j, "msgId", in->message_id,
	    sizeof in->message_id) != 0) {
		*why = "msgId missing";
		goto out;
	}
	if (dtapp_id(j, "conversationId", in->chat_id,
	    sizeof in->chat_id) != 0) {
		*why = "conversationId missing";
		goto out;
	}
	rc = 0;
	in->ignore = 1;
	type = json_string_value(json_object_get(j, "msgtype"));
	ctype = json_string_value(json_object_get(j, "conversationType"));
	if (type == NULL || strcmp(type, "text") != 0 || ctype == NULL ||
	    (strcmp(ctype, "1") != 0 && strcmp(ctype, "2") != 0))
		goto out;	/* pictures, files, rich text, other chats */
	in->chat_kind = strcmp(ctype, "2") == 0 ? CHAT_GROUP : CHAT_PRIVATE;
	if (dtapp_id(j, "senderStaffId", in->sender_id,
	    sizeof in->sender_id) != 0 && dtapp_id(j, "senderId",
	    in->sender_id, sizeof in->sender_id) != 0) {
		*why = "senderStaffId and senderId missing";
		rc = 400;
		goto out;
	}
	dtapp_name(j, "senderNick", in->sender_name, sizeof in->sender_name);
	dtapp_name(j, "conversationTitle", in->chat_title,
	    sizeof in->chat_title);
	if ((rc = dtapp_text(j, in, why)) != 0)
		goto out;
	if (in->text[0] == '\0')
		goto out;	/* a bare @mention */
	if (in->chat_kind == CHAT_GROUP &&
	    json_is_true(json_object_get(j, "isInAtList")))
		in->explicit_cmd = 1;
	dtapp_meta(ch, j, in);
	in->ignore = 0;
out:
	json_decref(j);
	return rc;
}

/* Acknowledges the callback: the answer itself goes through the outbox. */
static void
dtapp_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	(void)ch;
	(void)in;
	(void)r;
	resp->status = 200;
	resp->content_type = "application/json";
	resp->body = xstrdup("{}");
	resp->len = 2;
}

/* The byte length of the longest prefix of s of at most max characters. */
static size_t
dtapp_fit(const char *s, size_t max)
{
	return utf8_prefix(s, max);
}

/* What send_prepare reads from an outbox row's meta. */
struct dtapp_meta {
	const char	*hook;		/* sessionWebhook, or NULL */
	json_int_t	 expires_ms;
	int		 single;	/* a one-to-one conversation */
	const char	*conversation;	/* or NULL: the row's chat_id */
	const char	*staff;
};

/* Fills *dm from the JSON object j (NULL: a broadcast to a group). */
static void
dtapp_meta_read(json_t *j, struct dtapp_meta *dm)
{
	const char	*type;

	memset(dm, 0, sizeof *dm);
	if (j == NULL)
		return;
	dm->hook = json_string_value(json_object_get(j, "session_webhook"));
	dm->expires_ms = json_integer_value(json_object_get(j, "expires_ms"));
	type = json_string_value(json_object_get(j, "conversation_type"));
	dm->single = type != NULL && strcmp(type, "1") == 0;
	dm->conversation = json_string_value(json_object_get(j,
	    "conversation_id"));
	dm->staff = json_string_value(json_object_get(j, "staff_id"));
}

/* Builds the OpenAPI body: a group send or a one-to-one batch send.
 * Returns the body (caller frees), or NULL with *why set. */
static char *
dtapp_openapi_body(const struct dtapp_state *st, const struct outbound *m,
    const struct dtapp_meta *dm, size_t textlen, const char **why)
{
	json_t	*param = NULL, *obj = NULL;
	char	*ps = NULL, *body = NULL;

	if ((param = json_pack("{s:s%}", "content", m->text, textlen)) ==
	    NULL || (ps = json_dumps(param, JSON_COMPACT)) == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if (dm->single) {
		if (dm->staff == NULL || *dm->staff == '\0') {
			*why = "no staff id for a one-to-one send";
			goto out;
		}
		obj = json_pack("{s:s, s:[s], s:s, s:s}", "robotCode",
		    st->robot_code, "userIds", dm->staff, "msgKey",
		    "sampleText", "msgParam", ps);
	} else {
		obj = json_pack("{s:s, s:s, s:s, s:s}", "msgParam", ps,
		    "msgKey", "sampleText", "openConversationId",
		    dm->conversation != NULL ? dm->conversation : m->chat_id,
		    "robotCode", st->robot_code);
	}
	if (obj == NULL || (body = json_dumps(obj, JSON_COMPACT)) == NULL)
		*why = "cannot encode JSON";
out:
	free(ps);
	json_decref(param);
	json_decref(obj);
	return body;
}

/* Builds the request for one message: the sessionWebhook while it is
 * good, else the OpenAPI with the cached access token. */
static int
dtapp_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	struct dtapp_state	*st = ch->state;
	struct dtapp_meta	 dm;
	json_t			*meta = NULL, *obj = NULL;
	char			*body = NULL, tok[APITOKEN_MAX];
	size_t			 textlen;
	int			 rc = -1;

	if (st == NULL) {
		*why = "channel not set up";
		goto out;
	}
	if (m->meta != NULL && (meta = json_loads(m->meta, 0, NULL)) == NULL) {
		*why = "reply meta is not JSON";
		goto out;
	}
	dtapp_meta_read(meta, &dm);
	if (dm.conversation == NULL && (m->chat_id == NULL ||
	    *m->chat_id == '\0')) {
		*why = "no conversation";
		goto out;
	}
	if (m->text == NULL || !utf8_valid(m->text, strlen(m->text))) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	textlen = dtapp_fit(m->text, DT_TEXT_MAX);
	if (dm.hook != NULL && dtapp_session_ok(st, dm.hook) &&
	    dm.expires_ms >= m->now_ms + DT_SESSION_MARGIN_MS) {
		obj = json_pack("{s:s, s:{s:s%}}", "msgtype", "text", "text",
		    "content", m->text, textlen);
		if (obj == NULL ||
		    (body = json_dumps(obj, JSON_COMPACT)) == NULL) {
			*why = "text is not valid UTF-8";
			goto out;
		}
		call->url = xstrdup(dm.hook);
	} else {
		if (apitoken_get(ch->token, (time_t)(m->now_ms / 1000), tok,
		    sizeof tok) == -1) {
			rc = CHANNEL_NEED_TOKEN;
			goto out;
		}
		if ((body = dtapp_openapi_body(st, m, &dm, textlen, why)) ==
		    NULL)
			goto out;
		call->url = xasprintf("%s/v1.0/robot/%s", st->api_base,
		    dm.single ? "oToMessages/batchSend" :
		    "groupMessages/send");
		call->headers[0] = xasprintf("%s: %s", DT_TOKEN_HEADER, tok);
	}
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json";
	body = NULL;
	rc = 0;
out:
	explicit_bzero(tok, sizeof tok);
	free(body);
	json_decref(obj);
	json_decref(meta);
	return rc;
}

/* What a sessionWebhook errcode means: 0 sent, 130101 throttled, the rest
 * permanent (the session is gone, the message refused). */
static enum send_status
dtapp_classify(json_int_t code, int *retry_after)
{
	if (code == 0)
		return SEND_OK;
	if (code == DT_ERR_TOO_FAST) {
		*retry_after = DT_RETRY_TOO_FAST;
		return SEND_RETRY;
	}
	return SEND_FAILED;
}

static const struct robot_answer dtapp_answer = {
	.platform = "dingtalk",
	.code_key = "errcode",
	.msg_key = "errmsg",
	.classify = dtapp_classify,
};

/* Writes "dingtalk code <code>: <message>" into err, cut on a character
 * boundary. */
static void
dtapp_err(char *err, size_t errsz, const char *code, const char *msg)
{
	char	 head[128];
	size_t	 hl, n = strlen(msg);

	if (errsz == 0)
		return;
	/* The code is the platform's text too: cut it on a character. */
	(void)snprintf(head, sizeof head, "dingtalk code %.*s%s",
	    (int)utf8_fit(code, strlen(code), 64), code, n > 0 ? ": " : "");
	hl = strlen(head);
	n = hl >= errsz ? 0 : utf8_fit(msg, n, errsz - 1 - hl);
	(void)snprintf(err, errsz, "%s%.*s", head, (int)n, msg);
}

/* Whether the OpenAPI code says the access token is bad or expired. */
static int
dtapp_token_code(const char *code)
{
	return strncmp(code, "InvalidAuthentication", 21) == 0 ||
	    strcmp(code, "invalidAccessToken") == 0 ||
	    strcmp(code, "Unauthorized") == 0;
}

/*
 * Classifies the platform's answer. A sessionWebhook answers {errcode,
 * errmsg} like the custom robot; the OpenAPI answers by HTTP status with
 * {code, message} (success: {"processQueryKey":…}).
 */
static enum send_status
dtapp_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	struct dtapp_state	*st = ch->state;
	enum send_status	 rs = SEND_FAILED;
	json_t			*j = NULL, *v;
	const char		*code, *msg;

	*retry_after = 0;
	if (body != NULL && len > 0)
		j = json_loadb(body, len, 0, NULL);
	if (status == 0 || json_object_get(j, "errcode") != NULL) {
		rs = channel_robot_result(&dtapp_answer, status, body, len,
		    retry_after, err, errsz);
		goto out;
	}
	code = json_string_value(json_object_get(j, "code"));
	if ((msg = json_string_value(json_object_get(j, "message"))) == NULL)
		msg = "";
	if (status >= 200 && status <= 299 && json_is_object(j) &&
	    code == NULL) {
		if (json_array_size(json_object_get(j,
		    "flowControlledStaffIdList")) > 0) {
			(void)snprintf(err, errsz, "dingtalk: flow controlled");
			rs = SEND_RETRY;
		} else if (json_array_size(v = json_object_get(j,
		    "invalidStaffIdList")) > 0)
			(void)snprintf(err, errsz, "dingtalk: invalid staff id");
		else
			rs = SEND_OK;
		goto out;
	}
	if (code == NULL)
		code = "";
	if (status == 401 || dtapp_token_code(code)) {
		if (st != NULL)
			apitoken_invalidate(ch->token);
		dtapp_err(err, errsz, *code ? code : "401", msg);
		rs = SEND_RETRY;
		goto out;
	}
	if (status == 429 || strncmp(code, "Throttling", 10) == 0 ||
	    status >= 500 || (status >= 200 && status <= 299)) {
		/* Throttled, DingTalk's trouble, or a 2xx we cannot read. */
		if (*code != '\0')
			dtapp_err(err, errsz, code, msg);
		else
			(void)snprintf(err, errsz, "dingtalk: http %ld",
			    status);
		rs = SEND_RETRY;
		goto out;
	}
	if (*code != '\0')
		dtapp_err(err, errsz, code, msg);
	else
		(void)snprintf(err, errsz, "dingtalk: http %ld", status);
out:
	json_decref(j);
	return rs;
}

/* Builds POST {api_base}/v1.0/oauth2/accessToken {"appKey","appSecret"}. */
static int
dtapp_token_prepare(const struct channel *ch, struct http_call *call,
    const char **why)
{
	const struct dtapp_state	*st = ch->state;
	json_t				*obj;
	char				*body;

	if (st == NULL) {
		*why = "channel not set up";
		return -1;
	}
	obj = json_pack("{s:s, s:s}", "appKey", st->app_key, "appSecret",
	    st->app_secret);
	body = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (body == NULL) {
		*why = "app_key or app_secret is not valid UTF-8";
		return -1;
	}
	call->url = xasprintf("%s/v1.0/oauth2/accessToken", st->api_base);
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json";
	return 0;
}

/* Reads {"accessToken":…,"expireIn":…}; a token is printable ASCII (it
 * goes into a header). */
static int
dtapp_token_result(const struct channel *ch, long status, const char *body,
    size_t len, char *out, size_t size, int *expires_in, char *err,
    size_t errsz)
{
	json_t		*j = NULL, *exp;
	const char	*tok, *code, *msg, *p;
	int		 rc = -1;

	(void)ch;
	if (body != NULL && len > 0)
		j = json_loadb(body, len, 0, NULL);
	tok = json_string_value(json_object_get(j, "accessToken"));
	exp = json_object_get(j, "expireIn");
	if (status < 200 || status > 299 || tok == NULL ||
	    !json_is_integer(exp)) {
		code = json_string_value(json_object_get(j, "code"));
		msg = json_string_value(json_object_get(j, "message"));
		if (code != NULL)
			dtapp_err(err, errsz, code, msg != NULL ? msg : "");
		else
			(void)snprintf(err, errsz, "dingtalk: token: http %ld",
			    status);
		goto out;
	}
	if (*tok == '\0' || strlen(tok) >= size) {
		(void)snprintf(err, errsz, "dingtalk: token of bad length");
		goto out;
	}
	for (p = tok; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			(void)snprintf(err, errsz, "dingtalk: token holds "
			    "bad bytes");
			goto out;
		}
	if (json_integer_value(exp) <= 0 ||
	    json_integer_value(exp) > 86400 * 30) {
		(void)snprintf(err, errsz, "dingtalk: token: bad expireIn");
		goto out;
	}
	memcpy(out, tok, strlen(tok) + 1);
	*expires_in = (int)json_integer_value(exp);
	rc = 0;
out:
	json_decref(j);
	return rc;
}

const struct channel_backend channel_dingtalk_app_backend = {
	.type = "dingtalk",
	.help = "钉钉企业机器人（HTTP 回调或 Stream 模式）DingTalk enterprise "
	    "robot, HTTP callback or Stream mode (the custom group robot is a "
	    "robot type)",
	.keys = dtapp_keys,
	.setup = dtapp_setup,
	.cleanup = dtapp_cleanup,
	.sends = dtapp_sends,
	.streams = dtapp_streams,
	.verify = dtapp_verify,
	.parse = dtapp_parse,
	.reply = dtapp_reply,
	.send_prepare = dtapp_send_prepare,
	.send_result = dtapp_send_result,
	.token = channel_token,
	.token_prepare = dtapp_token_prepare,
	.token_result = dtapp_token_result,
	.reply_outbox = 1,
	.dedupe = 0,			/* msgId is unique on its own */
	.fit = dtapp_fit,
	.max_text = DT_TEXT_MAX,
	/* Robot sends: 20 per minute per conversation. */
	.per_chat_minute = 20,
	.global_second = 20,
};

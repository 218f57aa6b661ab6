/*
 * The WeCom AI bot (企业微信智能机器人, see shared STREAM.md section 3 and
 * developer.work.weixin.qq.com documents 100719, 101033, 101138), channel
 * type "wecom_bot", in one of two modes (bot/wecombot.h):
 *
 * mode = websocket: bot/stream.c holds the long connection and hands each
 * aibot_msg_callback frame to parse() as a trusted body; POST /hook/NAME
 * is not ours (streams). Answers go through the outbox and back over the
 * connection (over_socket, wecombot_reply_frame()); send_prepare refuses.
 *
 * mode = callback: WeCom POSTs {"encrypt":…} with msg_signature,
 * timestamp and nonce in the query. verify: the timestamp window, then
 * msg_signature over encrypt, before anything is decrypted. parse:
 * decrypts (receiveid "": 101033 says so for a company's own bot; every
 * failure answered alike, no padding oracle) and reads the JSON message.
 * GET is the URL check (the signature over echostr, its plaintext
 * answered). reply acknowledges with an empty body ("回复空包"); the
 * answer goes through the outbox to the message's response_url, which
 * takes one POST within an hour (101138).
 *
 * Both modes read the same message body: text and voice (already speech
 * to text) are dispatched, a group's leading @mention dropped; images,
 * files, mixed messages and events are acknowledged and ignored. msgid is
 * the dedupe key ("本次回调的唯一性标志"). The reply meta keeps how to
 * answer: req_id, chattype, chatid (the target: the group, or the user of
 * a single chat), userid, at_ms and response_url.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "channel.h"
#include "log.h"
#include "target.h"
#include "wecombot.h"
#include "wxcrypt.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define WB_WINDOW		300	/* seconds a timestamp may be off */
#define WB_ID_MAX		128	/* bytes of bot_id */
#define WB_SECRET_MAX		256	/* bytes of secret */
#define WB_URL_MAX		1024	/* bytes of ws_url, response_url */
#define WB_RESPONSE_HOST	"qyapi.weixin.qq.com"
/* response_url is good for an hour; a row this close to it is not sent
 * (it would fail after the work of building it). */
#define WB_RESPONSE_TTL_MS	(3600 * 1000 - 60 * 1000)
/* A POST body: the encrypt field of a whole message and the JSON
 * around it. */
#define WB_BODY_MAX		(WXCRYPT_ENCRYPT_MAX + 1024)

/* errcodes of a response_url answer. */
#define WB_ERR_BUSY		-1
#define WB_ERR_FREQ		45009
#define WB_RETRY_FREQ		60

enum wb_mode {
	WB_WEBSOCKET = 0,
	WB_CALLBACK,
};

/* The instance's settings, made by wb_setup(). */
struct wb_state {
	enum wb_mode		 mode;
	const char		*bot_id;	/* websocket */
	const char		*secret;
	const char		*ws_url;
	const char		*token;		/* callback */
	const char		*response_host;
	struct wxcrypt_key	 key;
};

static const struct channel_key wb_keys[] = {
	{ "mode", 0,
	    "接入方式：websocket（长连接，默认）或 callback（URL 回调）/ how "
	    "messages arrive: websocket (long connection, default) or "
	    "callback (URL callback)" },
	{ "bot_id", 0,
	    "机器人的 BotID（websocket 模式必填）/ the bot's BotID "
	    "(required with mode = websocket)" },
	{ "secret", CHANNEL_KEY_SECRET,
	    "机器人的 Secret（websocket 模式必填）/ the bot's Secret "
	    "(required with mode = websocket)" },
	{ "ws_url", 0,
	    "长连接地址（默认 " WECOMBOT_WS_URL "）/ the long connection's "
	    "URL (default " WECOMBOT_WS_URL ")" },
	{ "token", CHANNEL_KEY_SECRET,
	    "接收消息的 Token（callback 模式必填）/ the callback Token "
	    "(required with mode = callback)" },
	{ "encoding_aes_key", CHANNEL_KEY_SECRET,
	    "接收消息的 EncodingAESKey，43 个字符（callback 模式必填）/ the "
	    "callback EncodingAESKey, 43 characters (required with mode = "
	    "callback)" },
	{ "response_host", 0,
	    "response_url 必须所在的主机（默认 " WB_RESPONSE_HOST "）/ the only "
	    "host a response_url may name (default " WB_RESPONSE_HOST ")" },
	CHANNEL_STREAM_KEYS,
	{ NULL, 0, NULL }
};

/* Whether host (of a URL, or a setting: up to its end, ':' or '/') is
 * loopback, where plain http and ws are allowed (the tests' servers). */
static int
wb_loopback(const char *host)
{
	static const char *const	 names[] = {
		"127.0.0.1", "localhost", "[::1]", NULL
	};
	size_t				 i, n;

	for (i = 0; names[i] != NULL; i++) {
		n = strlen(names[i]);
		if (strncasecmp(host, names[i], n) == 0 && (host[n] == '\0' ||
		    host[n] == ':' || host[n] == '/'))
			return 1;
	}
	return 0;
}

/* Whether s is printable ASCII without space, quote or backslash. */
static int
wb_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* Whether ws_url is wss://HOST…, or ws:// to loopback. */
static int
wb_ws_url_ok(const char *url)
{
	if (strlen(url) > WB_URL_MAX || !wb_plain(url))
		return 0;
	if (strncasecmp(url, "wss://", 6) == 0)
		return url[6] != '\0' && url[6] != '/';
	return strncasecmp(url, "ws://", 5) == 0 && wb_loopback(url + 5);
}

/* Frees a state made by wb_setup(), wiping the key. */
static void
wb_state_free(struct wb_state *st)
{
	if (st == NULL)
		return;
	OPENSSL_cleanse(&st->key, sizeof st->key);
	free(st);
}

/* Checks the keys of websocket mode. */
static int
wb_setup_websocket(struct channel *ch, struct wb_state *st, char **cause)
{
	st->bot_id = channel_get(ch, "bot_id");
	st->secret = channel_get(ch, "secret");
	if ((st->ws_url = channel_get(ch, "ws_url")) == NULL)
		st->ws_url = WECOMBOT_WS_URL;
	if (st->bot_id == NULL || *st->bot_id == '\0' ||
	    strlen(st->bot_id) > WB_ID_MAX || !wb_plain(st->bot_id)) {
		*cause = xasprintf("channel %s: mode = websocket needs bot_id, "
		    "the BotID of the bot's API settings (1..%d characters)",
		    ch->name, WB_ID_MAX);
		return -1;
	}
	if (st->secret == NULL || *st->secret == '\0' ||
	    strlen(st->secret) > WB_SECRET_MAX ||
	    !utf8_valid_text(st->secret, strlen(st->secret))) {
		*cause = xasprintf("channel %s: mode = websocket needs secret, "
		    "the bot's Secret (1..%d bytes)", ch->name, WB_SECRET_MAX);
		return -1;
	}
	if (!wb_ws_url_ok(st->ws_url)) {
		*cause = xasprintf("channel %s: ws_url must be a wss:// URL "
		    "(ws:// only to loopback) of at most %d bytes", ch->name,
		    WB_URL_MAX);
		return -1;
	}
	return 0;
}

/* Checks the keys of callback mode. */
static int
wb_setup_callback(struct channel *ch, struct wb_state *st, char **cause)
{
	const char	*key = channel_get(ch, "encoding_aes_key");

	st->token = channel_get(ch, "token");
	if (st->token == NULL || *st->token == '\0' ||
	    strlen(st->token) > WXCRYPT_PARAM_MAX) {
		*cause = xasprintf("channel %s: mode = callback needs token, "
		    "the callback Token (1..%d characters)", ch->name,
		    WXCRYPT_PARAM_MAX);
		return -1;
	}
	if (key == NULL || wxcrypt_key_parse(key, &st->key) != WXCRYPT_OK) {
		*cause = xasprintf("channel %s: mode = callback needs "
		    "encoding_aes_key, the 43 characters WeCom shows",
		    ch->name);
		return -1;
	}
	return 0;
}

/* Reads the mode and checks the keys it needs. */
static int
wb_setup(struct channel *ch, char **cause)
{
	struct wb_state	*st = xcalloc(1, sizeof *st);
	const char	*mode = channel_get(ch, "mode");
	int		 rc;

	if (mode == NULL || strcmp(mode, "websocket") == 0)
		st->mode = WB_WEBSOCKET;
	else if (strcmp(mode, "callback") == 0)
		st->mode = WB_CALLBACK;
	else {
		*cause = xasprintf("channel %s: mode must be websocket or "
		    "callback", ch->name);
		wb_state_free(st);
		return -1;
	}
	if ((st->response_host = channel_get(ch, "response_host")) == NULL)
		st->response_host = WB_RESPONSE_HOST;
	rc = st->mode == WB_WEBSOCKET ? wb_setup_websocket(ch, st, cause) :
	    wb_setup_callback(ch, st, cause);
	if (rc == 0 && (*st->response_host == '\0' ||
	    strlen(st->response_host) > 255 || !wb_plain(st->response_host) ||
	    strcspn(st->response_host, "/?#@") != strlen(st->response_host))) {
		*cause = xasprintf("channel %s: response_host must be a host "
		    "name (with :port at most)", ch->name);
		rc = -1;
	}
	if (rc == -1) {
		wb_state_free(st);
		return -1;
	}
	ch->state = st;
	return 0;
}

/* Frees the state. */
static void
wb_cleanup(struct channel *ch)
{
	wb_state_free(ch->state);
	ch->state = NULL;
}

/* The state of a wecom_bot instance, or NULL. */
static const struct wb_state *
wb_state(const struct channel *ch)
{
	if (ch == NULL || ch->backend != &wecom_bot_backend)
		return NULL;
	return ch->state;
}

/* The instance's BotID (websocket mode). */
const char *
wecombot_bot_id(const struct channel *ch)
{
	const struct wb_state	*st = wb_state(ch);

	return st != NULL ? st->bot_id : NULL;
}

/* The instance's Secret (websocket mode). */
const char *
wecombot_secret(const struct channel *ch)
{
	const struct wb_state	*st = wb_state(ch);

	return st != NULL ? st->secret : NULL;
}

/* The long connection's URL (websocket mode). */
const char *
wecombot_ws_url(const struct channel *ch)
{
	const struct wb_state	*st = wb_state(ch);

	return st != NULL ? st->ws_url : NULL;
}

/* Whether the instance holds a long connection: websocket mode. */
static int
wb_streams(const struct channel *ch)
{
	const struct wb_state	*st = ch->state;

	return st != NULL && st->mode == WB_WEBSOCKET;
}

/* Whether answers go over that connection: websocket mode too. */
static int
wb_over_socket(const struct channel *ch)
{
	return wb_streams(ch);
}

/* Whether answers can be sent: in both modes (response_url, socket). */
static int
wb_sends(const struct channel *ch)
{
	return ch->state != NULL;
}

/*
 * Reads the encrypt field of a POST body {"encrypt":…} into *enc (a new
 * string). Returns 0, or 413/400 with *why set.
 */
static int
wb_envelope(const struct http_request *req, char **enc, const char **why)
{
	json_t		*j = NULL, *e;
	int		 rc;

	*enc = NULL;
	if (req->body_len > WB_BODY_MAX) {
		*why = "body too large";
		return 413;
	}
	if ((rc = channel_json_body(req, &j, why)) != 0)
		return rc;
	e = json_object_get(j, "encrypt");
	if (!json_is_string(e) || json_string_length(e) == 0 ||
	    json_string_length(e) > WXCRYPT_ENCRYPT_MAX ||
	    strlen(json_string_value(e)) != json_string_length(e)) {
		*why = "body without encrypt";
		rc = 400;
	} else
		*enc = xstrdup(json_string_value(e));
	json_decref(j);
	return rc;
}

/* Checks the timestamp window and msg_signature over encrypt (callback
 * mode; a websocket instance takes no callbacks). */
static int
wb_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct wb_state	*st = ch->state;
	const char		*sig, *ts, *nonce;
	char			*enc = NULL;
	int			 rc;

	if (st == NULL || st->mode != WB_CALLBACK) {
		*why = "not a callback instance";	/* fail closed */
		return 401;
	}
	if ((rc = channel_wx_query(req, WB_WINDOW, &sig, &ts,
	    &nonce, why)) != 0)
		return rc;
	if ((rc = wb_envelope(req, &enc, why)) != 0)
		return rc;
	if (wxcrypt_verify(st->token, ts, nonce, enc, sig) != WXCRYPT_OK) {
		*why = "bad msg_signature";
		rc = 401;
	}
	free(enc);
	return rc;
}

/*
 * Copies the string member key of obj into field (size bytes). Returns 0;
 * else 400 with *why: what (missing, not a string, empty) or too long.
 */
static int
wb_field(json_t *obj, const char *key, char *field, size_t size,
    const char *what, const char **why)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_string(v) || json_string_length(v) == 0) {
		*why = what;
		return 400;
	}
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    inbound_set(field, size, json_string_value(v)) == -1) {
		*why = "an id is too long or holds a NUL";
		return 400;
	}
	return 0;
}

/* Reads text.content (or voice.content) of body into in->text. */
static int
wb_content(json_t *body, const char *type, struct inbound *in, const char **why)
{
	json_t	*c = json_object_get(json_object_get(body, type), "content");

	if (!json_is_string(c)) {
		*why = "message without content";
		return 400;
	}
	if (json_string_length(c) > INBOUND_TEXT_MAX) {
		*why = "text too long";
		return 413;
	}
	if (!utf8_valid_text(json_string_value(c), json_string_length(c))) {
		*why = "text holds control characters";
		return 400;
	}
	in->text = xstrdup(json_string_value(c));
	if (in->chat_kind == CHAT_GROUP)
		text_strip_mentions(in->text);
	else
		text_trim(in->text);
	return 0;
}

/* Whether url may be posted to: a URL target_check_url() takes (no DNS
 * here: the host is pinned) on exactly response_host; http only when
 * that is loopback. */
static int
wb_response_ok(const struct wb_state *st, const char *url)
{
	const char	*h = st->response_host, *p;
	char		 why[256];
	size_t		 n = strlen(h);
	int		 http = wb_loopback(h);

	if (strlen(url) > WB_URL_MAX || !wb_plain(url) ||
	    target_check_url(url, http, 1, why, sizeof why) == -1)
		return 0;
	if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		p = url + 7;	/* http://, allowed above */
	return strncasecmp(p, h, n) == 0 && p[n] == '/';
}

/*
 * Builds in->reply_meta: how to answer. The response_url is kept only
 * when it is on response_host: a signed callback still must not make us
 * post elsewhere.
 */
static int
wb_meta(const struct channel *ch, json_t *body, const char *req_id,
    time_t now, struct inbound *in, const char **why)
{
	const struct wb_state	*st = ch->state;
	const char		*url;
	json_t			*m;

	m = json_pack("{s:s, s:s, s:s, s:I}", "chattype", in->chat_kind ==
	    CHAT_GROUP ? "group" : "single", "chatid", in->chat_id, "userid",
	    in->sender_id, "at_ms", (json_int_t)now * 1000);
	if (m == NULL) {
		*why = "an id is not valid UTF-8";
		return 400;
	}
	if (*req_id != '\0')
		json_object_set_new(m, "req_id", json_string(req_id));
	url = json_string_value(json_object_get(body, "response_url"));
	if (url != NULL) {
		if (wb_response_ok(st, url))
			json_object_set_new(m, "response_url",
			    json_string(url));
		else
			log_warn("%s: response_url not on %s: ignored",
			    ch->name, st->response_host);
	}
	in->reply_meta = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	if (in->reply_meta == NULL) {
		*why = "cannot encode the reply meta";
		return 400;
	}
	return 0;
}

/*
 * Reads one message body (the frame's body, or the decrypted callback)
 * into in; req_id is the frame's ("" in callback mode).
 */
static int
wb_message(const struct channel *ch, json_t *body, const char *req_id,
    time_t now, struct inbound *in, const char **why)
{
	const char	*type, *ctype;
	int		 rc;

	if (!json_is_object(body)) {
		*why = "message without body";
		return 400;
	}
	type = json_string_value(json_object_get(body, "msgtype"));
	if (type != NULL && strcmp(type, "event") == 0) {
		in->ignore = 1;		/* enter_chat, card clicks, feedback */
		return 0;
	}
	if ((rc = wb_field(body, "msgid", in->message_id,
	    sizeof in->message_id, "message without msgid", why)) != 0)
		return rc;
	if ((rc = wb_field(json_object_get(body, "from"), "userid",
	    in->sender_id, sizeof in->sender_id, "message without "
	    "from.userid", why)) != 0)
		return rc;
	ctype = json_string_value(json_object_get(body, "chattype"));
	if (ctype != NULL && strcmp(ctype, "group") == 0) {
		in->chat_kind = CHAT_GROUP;
		if ((rc = wb_field(body, "chatid", in->chat_id,
		    sizeof in->chat_id, "group message without chatid",
		    why)) != 0)
			return rc;
	} else if (ctype != NULL && strcmp(ctype, "single") == 0) {
		in->chat_kind = CHAT_PRIVATE;
		(void)inbound_set(in->chat_id, sizeof in->chat_id,
		    in->sender_id);
	} else {
		*why = "message without chattype single or group";
		return 400;
	}
	in->ignore = 1;
	if (type == NULL || (strcmp(type, "text") != 0 &&
	    strcmp(type, "voice") != 0))
		return 0;	/* images, files, mixed, video, stream */
	if ((rc = wb_content(body, type, in, why)) != 0)
		return rc;
	if (in->text[0] == '\0')
		return 0;	/* a bare @mention */
	if ((rc = wb_meta(ch, body, req_id, now, in, why)) != 0)
		return rc;
	/* In a group WeCom delivers only what @-mentions the bot: every
	 * message is addressed to it, as every one in a single chat. */
	in->explicit_cmd = 1;
	in->ignore = 0;
	return 0;
}

/* Reads an aibot_msg_callback frame (websocket mode, trusted). */
static int
wb_parse_frame(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	json_t		*j = NULL;
	const char	*cmd;
	char		 req_id[sizeof ((struct wecombot_frame *)0)->req_id];
	int		 rc;

	if (req->body_len > WECOMBOT_FRAME_MAX) {
		*why = "frame too large";
		return 413;
	}
	if ((rc = channel_json_body(req, &j, why)) != 0)
		return rc;
	cmd = json_string_value(json_object_get(j, "cmd"));
	if (cmd == NULL || strcmp(cmd, "aibot_msg_callback") != 0) {
		in->ignore = 1;		/* events, answers: stream.c's */
		goto out;
	}
	if ((rc = wb_field(json_object_get(j, "headers"), "req_id", req_id,
	    sizeof req_id, "frame without req_id", why)) != 0)
		goto out;
	rc = wb_message(ch, json_object_get(j, "body"), req_id, req->now, in,
	    why);
out:
	json_decref(j);
	return rc;
}

/* Decrypts a verified callback and reads the message (callback mode). */
static int
wb_parse_callback(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	const struct wb_state	*st = ch->state;
	json_t			*j = NULL;
	char			*enc = NULL, *msg = NULL;
	size_t			 len = 0;
	int			 rc;

	if ((rc = wb_envelope(req, &enc, why)) != 0)
		return rc;
	if (wxcrypt_decrypt(&st->key, enc, "", &msg, &len) != WXCRYPT_OK) {
		/* One answer for every failure (the cause is not told). */
		*why = "cannot decrypt";
		rc = 400;
		goto out;
	}
	j = json_loadb(msg, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		*why = "decrypted message is not a JSON object";
		rc = 400;
		goto out;
	}
	rc = wb_message(ch, j, "", req->now, in, why);
out:
	json_decref(j);
	if (msg != NULL)
		OPENSSL_cleanse(msg, len);
	free(msg);
	free(enc);
	return rc;
}

/* Reads one message: a frame from the long connection or a callback. */
static int
wb_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	const struct wb_state	*st = ch->state;

	if (st == NULL) {
		*why = "channel not set up";
		return 400;
	}
	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	/* Each mode takes only its own source: a frame is never checked,
	 * so an untrusted body must not pass for one. */
	if (st->mode == WB_WEBSOCKET) {
		if (!req->trusted) {
			*why = "websocket instance: not from the connection";
			return 400;
		}
		return wb_parse_frame(ch, req, in, why);
	}
	if (req->trusted) {
		*why = "callback instance: no long connection";
		return 400;
	}
	return wb_parse_callback(ch, req, in, why);
}

/* Acknowledges: the answer itself goes through the outbox. */
static void
wb_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	(void)ch;
	(void)in;
	(void)r;
	resp->status = 200;
	resp->content_type = "text/plain";
	resp->body = NULL;
	resp->len = 0;
}

/* GET: the URL check (callback mode): the signature over echostr, then
 * its plaintext (the AI bot's receive id is empty). */
static void
wb_get(const struct channel *ch, const struct http_request *req,
    struct http_response *resp, const char **why)
{
	const struct wb_state	*st = ch->state;

	if (st == NULL || st->mode != WB_CALLBACK) {
		*why = "not a callback instance";
		resp->status = 404;
		return;
	}
	channel_wx_echo(req, WB_WINDOW, st->token, &st->key, "", resp, why);
}

/* Builds the POST of one answer to the message's response_url (callback
 * mode; over the long connection delivery never asks). */
static int
wb_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	const struct wb_state	*st = ch->state;
	json_t			*meta = NULL, *obj = NULL, *at;
	const char		*url;
	char			*body = NULL;
	int			 rc = -1;

	if (st == NULL) {
		*why = "channel not set up";
		goto out;
	}
	if (st->mode == WB_WEBSOCKET) {
		*why = "sent over the long connection";
		goto out;
	}
	if (m->meta == NULL || (meta = json_loads(m->meta, 0, NULL)) == NULL) {
		*why = "no response_url: the AI bot answers only a message "
		    "it was sent";
		goto out;
	}
	url = json_string_value(json_object_get(meta, "response_url"));
	if (url == NULL || !wb_response_ok(st, url)) {
		*why = "no response_url: the AI bot answers only a message "
		    "it was sent";
		goto out;
	}
	at = json_object_get(meta, "at_ms");
	if (json_is_integer(at) && m->now_ms - (int64_t)json_integer_value(at)
	    > WB_RESPONSE_TTL_MS) {
		*why = "response_url expired (it is good for an hour)";
		goto out;
	}
	obj = json_pack("{s:s, s:{s:s%}}", "msgtype", "markdown", "markdown",
	    "content", m->text, m->text == NULL ? 0 :
	    utf8_fit(m->text, strlen(m->text), WECOMBOT_CONTENT_MAX));
	if (obj == NULL || (body = json_dumps(obj, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	call->method = NULL;
	call->url = xstrdup(url);
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json";
	body = NULL;
	rc = 0;
out:
	free(body);
	json_decref(obj);
	json_decref(meta);
	return rc;
}

/* What an errcode of a response_url answer means. */
static enum send_status
wb_classify(json_int_t code, int *retry_after)
{
	switch (code) {
	case 0:
		return SEND_OK;
	case WB_ERR_FREQ:
		*retry_after = WB_RETRY_FREQ;
		return SEND_RETRY;
	case WB_ERR_BUSY:
		return SEND_RETRY;
	default:
		/* Used, expired, refused: the URL takes one answer. */
		return SEND_FAILED;
	}
}

static const struct robot_answer wb_answer = {
	.platform = "wecom_bot",
	.code_key = "errcode",
	.msg_key = "errmsg",
	.classify = wb_classify,
};

/* Classifies a response_url answer as a group robot's. */
static enum send_status
wb_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	(void)ch;
	return channel_robot_result(&wb_answer, status, body, len,
	    retry_after, err, errsz);
}

/* The byte length of the longest prefix of s of at most max bytes, never
 * splitting a character: content is measured in UTF-8 bytes. */
static size_t
wb_fit(const char *s, size_t max)
{
	return utf8_fit(s, strlen(s), max);
}

const struct channel_backend wecom_bot_backend = {
	.type = "wecom_bot",
	.help = "企业微信智能机器人（长连接或 URL 回调）/ WeCom AI bot "
	    "(long connection or URL callback)",
	.keys = wb_keys,
	.setup = wb_setup,
	.cleanup = wb_cleanup,
	.sends = wb_sends,
	.streams = wb_streams,
	.over_socket = wb_over_socket,
	.verify = wb_verify,
	.parse = wb_parse,
	.reply = wb_reply,
	.get = wb_get,
	.send_prepare = wb_send_prepare,
	.send_result = wb_send_result,
	.reply_outbox = 1,
	.dedupe = 0,			/* msgid is unique on its own */
	/* Measured in bytes (wb_fit): respond, send_msg and response_url
	 * all take 20480 bytes of Markdown. */
	.fit = wb_fit,
	.max_text = WECOMBOT_CONTENT_MAX,
};

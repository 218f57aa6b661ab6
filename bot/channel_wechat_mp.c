/*
 * WeChat Official Account (公众号) server callbacks (see shared
 * PROTOCOLS.md section 5).
 *
 * Every request, GET and POST, carries ?signature&timestamp&nonce with
 * signature = sha1(sort(token, timestamp, nonce)); verify checks it in
 * constant time and refuses timestamps more than WX_WINDOW seconds from
 * req->now. GET with echostr is the URL check: the echostr goes back
 * verbatim. In safe mode (encrypt_mode = safe) a POST also carries
 * encrypt_type=aes&msg_signature, the body is <xml><Encrypt>…</Encrypt>
 * </xml>, msg_signature is checked over the Encrypt text before anything
 * decrypts it, and the plaintext must end in the AppID; every decryption
 * failure is answered alike (no padding oracle).
 *
 * parse: the (decrypted) XML through bot/xmlmsg.h. A text message is
 * known by its MsgId within the sender's chat (WeChat's three retries
 * carry one MsgId and make one tip); a subscribe event, which has no
 * MsgId, is known by FromUserName + CreateTime and answered with the
 * help; other messages and events are acknowledged and ignored.
 *
 * reply: the passive text reply (encrypted in safe mode), or "success"
 * when there is nothing to say in time. Past reply_deadline_ms the answer
 * goes through the outbox as a customer-service message
 * (cgi-bin/message/custom/send with a stable access token), which WeChat
 * takes only within 48 hours of the user's last message (errcode 45015).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "apitoken.h"
#include "channel.h"
#include "log.h"
#include "wxcrypt.h"
#include "xmlmsg.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define WX_API_BASE		"https://api.weixin.qq.com"
#define WX_WINDOW		300	/* seconds a timestamp may be off */
#define WX_CONTENT_BYTES	2048	/* UTF-8 bytes of a reply's Content */
#define WX_ECHOSTR_MAX		128	/* bytes of a URL check's echostr */
#define WX_REPLY_DEADLINE_MS	4500	/* WeChat waits 5 s, then retries */
#define WX_RETRY_FREQ		60	/* seconds after 45009 */
#define WX_ERR_BUSY		-1	/* system busy */
#define WX_ERR_TOKEN_INVALID	40001	/* access_token invalid */
#define WX_ERR_TOKEN_BAD	40014	/* access_token malformed */
#define WX_ERR_TOKEN_EXPIRED	42001	/* access_token expired */
#define WX_ERR_FREQ		45009	/* API quota reached */
#define WX_ERR_WINDOW		45015	/* outside the 48-hour window */
#define WX_ERR_WINDOW_TEXT	"wechat errcode 45015: outside the 48-hour " \
				    "customer-service window"

/* The instance's settings and token cache, made by wechat_setup(). */
struct wechat_state {
	const char		*app_id;	/* AppID: the receiveid */
	const char		*app_secret;
	const char		*token;		/* the callback Token */
	const char		*api_base;
	int			 safe;		/* encrypt_mode = safe */
	struct wxcrypt_key	 key;		/* safe mode only */
};

static const struct channel_key wechat_keys[] = {
	{ "app_id", CHANNEL_KEY_REQUIRED,
	    "公众号 AppID / the Official Account's AppID (safe mode's "
	    "receiveid)" },
	{ "app_secret", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "AppSecret / the AppSecret, for the access token (customer-service "
	    "messages)" },
	{ "token", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "服务器配置的令牌 Token / the server configuration's Token "
	    "(signatures)" },
	{ "encoding_aes_key", CHANNEL_KEY_SECRET,
	    "消息加解密密钥 EncodingAESKey, 43 characters (required in safe "
	    "mode)" },
	{ "encrypt_mode", 0,
	    "消息加解密方式 plain (明文, default) or safe (安全模式)" },
	{ "api_base", 0,
	    "接口地址 API base URL (default https://api.weixin.qq.com)" },
	{ NULL, 0, NULL }
};

/* Frees st, its key wiped; NULL is a no-op. */
static void
wechat_state_free(struct wechat_state *st)
{
	if (st == NULL)
		return;
	OPENSSL_cleanse(&st->key, sizeof st->key);
	free(st);
}

/* Frees the instance's state. */
static void
wechat_cleanup(struct channel *ch)
{
	wechat_state_free(ch->state);
	ch->state = NULL;
}

/* Reads the settings into the instance's state; refuses an unknown
 * encrypt_mode and a missing or malformed key in safe mode. */
static int
wechat_setup(struct channel *ch, char **cause)
{
	struct wechat_state	*st = xcalloc(1, sizeof *st);
	const char		*mode = channel_get(ch, "encrypt_mode");
	const char		*aes = channel_get(ch, "encoding_aes_key");
	int			 rc = -1;

	st->app_id = channel_get(ch, "app_id");
	st->app_secret = channel_get(ch, "app_secret");
	st->token = channel_get(ch, "token");
	if ((st->api_base = channel_get(ch, "api_base")) == NULL)
		st->api_base = WX_API_BASE;
	if (mode == NULL || strcmp(mode, "plain") == 0)
		st->safe = 0;
	else if (strcmp(mode, "safe") == 0)
		st->safe = 1;
	else {
		*cause = xasprintf("channel %s: encrypt_mode must be plain or "
		    "safe", ch->name);
		goto out;
	}
	if (st->safe && (aes == NULL || *aes == '\0')) {
		*cause = xasprintf("channel %s: encoding_aes_key is required "
		    "when encrypt_mode = safe", ch->name);
		goto out;
	}
	if (aes != NULL && *aes != '\0' &&
	    wxcrypt_key_parse(aes, &st->key) != WXCRYPT_OK) {
		*cause = xasprintf("channel %s: encoding_aes_key is not a "
		    "43-character EncodingAESKey", ch->name);
		goto out;
	}
	if (st->app_id == NULL || strlen(st->app_id) >= WXCRYPT_ID_MAX) {
		*cause = xasprintf("channel %s: app_id is missing or too long",
		    ch->name);
		goto out;
	}
	ch->state = st;
	st = NULL;
	rc = 0;
out:
	wechat_state_free(st);
	return rc;
}

/* Whether replies can be sent: the AppSecret is set (it is required). */
static int
wechat_sends(const struct channel *ch)
{
	const struct wechat_state	*st = ch->state;

	return st != NULL && st->app_secret != NULL;
}

/* A query argument, or NULL (also when the server gives no arguments). */
static const char *
wechat_arg(const struct http_request *req, const char *name)
{
	return req->arg != NULL ? req->arg(req, name) : NULL;
}

/*
 * Checks the three-value signature of the query and the timestamp's
 * distance from req->now. Returns 0, or 401 with *why.
 */
static int
wechat_check_query(const struct wechat_state *st,
    const struct http_request *req, const char **why)
{
	const char	*sig = wechat_arg(req, "signature");
	const char	*ts = wechat_arg(req, "timestamp");
	const char	*nonce = wechat_arg(req, "nonce");
	char		*end;
	long long	 t;

	if (st == NULL || st->token == NULL) {
		*why = "channel not set up";	/* fail closed */
		return 401;
	}
	if (sig == NULL || ts == NULL || nonce == NULL) {
		*why = "missing signature, timestamp or nonce";
		return 401;
	}
	if (wxcrypt_verify_plain(st->token, ts, nonce, sig) != WXCRYPT_OK) {
		*why = "bad signature";
		return 401;
	}
	if (*ts < '0' || *ts > '9' || (t = strtoll(ts, &end, 10)) < 0 ||
	    *end != '\0' || t < (long long)req->now - WX_WINDOW ||
	    t > (long long)req->now + WX_WINDOW) {
		*why = "stale timestamp";
		return 401;
	}
	return 0;
}

/* Maps a refused XML document of len bytes to its HTTP status (413 for
 * size, 400 otherwise) and reason. */
static int
wechat_xml_status(enum xmlmsg_status xs, size_t len, const char **why)
{
	if (len == 0) {
		*why = "empty body";
		return 400;
	}
	if (xs == XMLMSG_TOO_LARGE || xs == XMLMSG_FIELD_TOO_LONG ||
	    xs == XMLMSG_TOO_MANY) {
		*why = "body too large";
		return 413;
	}
	*why = xmlmsg_strerror(xs);
	return 400;
}

/*
 * Checks the query signature of every POST and, in safe mode, that the
 * request says encrypt_type=aes and that msg_signature matches the
 * body's Encrypt text (the body parsed by the capped reader, nothing
 * decrypted).
 */
static int
wechat_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct wechat_state	*st = ch->state;
	struct xmlmsg			*x = NULL;
	const char			*type, *msig, *enc;
	enum xmlmsg_status		 xs;
	int				 rc;

	if ((rc = wechat_check_query(st, req, why)) != 0 || !st->safe)
		goto out;
	rc = 401;
	type = wechat_arg(req, "encrypt_type");
	msig = wechat_arg(req, "msg_signature");
	if (type == NULL || strcmp(type, "aes") != 0 || msig == NULL) {
		*why = "safe mode needs encrypt_type=aes and msg_signature";
		goto out;
	}
	x = xcalloc(1, sizeof *x);
	if ((xs = xmlmsg_parse(req->body, req->body_len, x)) != XMLMSG_OK) {
		rc = wechat_xml_status(xs, req->body_len, why);
		goto out;
	}
	if ((enc = xmlmsg_get(x, XMLMSG_ENCRYPT)) == NULL) {
		*why = "no Encrypt in a safe-mode body";
		goto out;
	}
	if (wxcrypt_verify(st->token, wechat_arg(req, "timestamp"),
	    wechat_arg(req, "nonce"), enc, msig) != WXCRYPT_OK) {
		*why = "bad msg_signature";
		goto out;
	}
	/* parse() decrypts the envelope read here. */
	http_keep_put(req, x, xmlmsg_free);
	x = NULL;
	rc = 0;
out:
	xmlmsg_free(x);
	return rc;
}

/*
 * Reads the message XML of the request into x: the body itself in plain
 * mode, the decrypted Encrypt in safe mode. Every decryption failure is
 * answered alike; the reason goes to the debug log only.
 */
static int
wechat_message(const struct wechat_state *st, const struct http_request *req,
    struct xmlmsg *x, const char **why)
{
	struct xmlmsg		 outer, *kept;
	enum xmlmsg_status	 xs;
	enum wxcrypt_status	 ws;
	const char		*enc;
	char			*msg = NULL;
	size_t			 msglen = 0;
	int			 rc = 400;

	memset(&outer, 0, sizeof outer);
	if (st->safe && (kept = http_keep_take(req, xmlmsg_free)) != NULL) {
		outer = *kept;		/* the envelope verify() read */
		free(kept);
	} else if ((xs = xmlmsg_parse(req->body, req->body_len,
	    st->safe ? &outer : x)) != XMLMSG_OK) {
		rc = wechat_xml_status(xs, req->body_len, why);
		goto out;
	}
	if (!st->safe) {
		if (xmlmsg_get(x, XMLMSG_MSG_TYPE) == NULL &&
		    xmlmsg_get(x, XMLMSG_ENCRYPT) != NULL) {
			*why = "encrypted body, but encrypt_mode is plain";
			goto out;
		}
		rc = 0;
		goto out;
	}
	if ((enc = xmlmsg_get(&outer, XMLMSG_ENCRYPT)) == NULL) {
		*why = "no Encrypt in a safe-mode body";
		goto out;
	}
	ws = wxcrypt_decrypt(&st->key, enc, st->app_id, &msg, &msglen);
	if (ws != WXCRYPT_OK) {
		log_debug("wechat: cannot decrypt: %s", wxcrypt_strerror(ws));
		*why = "cannot decrypt";
		goto out;
	}
	if ((xs = xmlmsg_parse(msg, msglen, x)) != XMLMSG_OK) {
		rc = wechat_xml_status(xs, msglen, why);
		goto out;
	}
	rc = 0;
out:
	xmlmsg_clear(&outer);
	free(msg);
	return rc;
}

/* Whether s is a usable id: 1..max-1 printable ASCII bytes, no space. */
static int
wechat_id_ok(const char *s, size_t max)
{
	size_t	 i;

	if (s == NULL || *s == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] <= ' ' || s[i] > '~' || i + 1 >= max)
			return 0;
	return 1;
}

/*
 * Keeps what the passive reply needs in in->reply_ctx: the account to
 * answer from, then the request's nonce and timestamp (safe mode signs
 * the reply with them), each ending in a NUL. The account is checked
 * (wechat_id_ok()); a nonce that is not a plain token of fewer than
 * INBOUND_ID_MAX bytes keeps nothing, and the message is answered
 * "success". A JSON object (reply_meta) cost a WeChat request ~24k
 * instructions packed, dumped and read again.
 */
static void
wechat_ctx(const struct http_request *req, const char *account,
    struct inbound *in)
{
	const char	*nonce = wechat_arg(req, "nonce");
	char		 now[24];
	size_t		 a = strlen(account), n, t;

	if (nonce == NULL)
		nonce = "";
	else if (!wechat_id_ok(nonce, INBOUND_ID_MAX))
		return;
	n = strlen(nonce);
	t = text_int64((int64_t)req->now, now);
	if (a + 1 + n + 1 + t + 1 > sizeof in->reply_ctx)
		return;
	memcpy(in->reply_ctx, account, a + 1);
	memcpy(in->reply_ctx + a + 1, nonce, n + 1);
	memcpy(in->reply_ctx + a + 1 + n + 1, now, t + 1);
}

/* Where the string after s begins in in->reply_ctx (the buffer's end
 * after the last), or NULL when s does not end within it. */
static const char *
wechat_ctx_next(const struct inbound *in, const char *s)
{
	const char	*end = in->reply_ctx + sizeof in->reply_ctx;
	const char	*nul;

	if (s >= end || (nul = memchr(s, '\0', (size_t)(end - s))) == NULL)
		return NULL;
	return nul + 1;
}

/* Reads one message or event. */
static int
wechat_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	const struct wechat_state	*st = ch->state;
	struct xmlmsg			 x;
	const char			*to, *from, *type, *ev, *ct, *id, *text;
	char				 key[INBOUND_ID_MAX];
	int				 rc;

	memset(&x, 0, sizeof x);
	if (st == NULL) {
		*why = "channel not set up";
		rc = 400;
		goto out;
	}
	if ((rc = wechat_message(st, req, &x, why)) != 0)
		goto out;
	rc = 400;
	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	to = xmlmsg_get(&x, XMLMSG_TO_USER_NAME);
	from = xmlmsg_get(&x, XMLMSG_FROM_USER_NAME);
	type = xmlmsg_get(&x, XMLMSG_MSG_TYPE);
	ct = xmlmsg_get(&x, XMLMSG_CREATE_TIME);
	if (!wechat_id_ok(to, INBOUND_ID_MAX) ||
	    !wechat_id_ok(from, INBOUND_ID_MAX) || type == NULL ||
	    !wechat_id_ok(ct, 21) || strspn(ct, "0123456789") != strlen(ct)) {
		*why = "message without ToUserName, FromUserName, MsgType "
		    "or CreateTime";
		goto out;
	}
	(void)inbound_set(in->chat_id, sizeof in->chat_id, from);
	(void)inbound_set(in->sender_id, sizeof in->sender_id, from);
	in->chat_kind = CHAT_PRIVATE;
	rc = 0;
	in->ignore = 1;
	if (strcmp(type, "event") == 0) {
		/* No MsgId: the sender and the second it happened. */
		ev = xmlmsg_get(&x, XMLMSG_EVENT);
		if (snprintf(key, sizeof key, "%s:%s", from, ct) >=
		    (int)sizeof key) {
			*why = "event key too long";
			rc = 400;
			goto out;
		}
		(void)inbound_set(in->message_id, sizeof in->message_id, key);
		if (ev == NULL || strcmp(ev, "subscribe") != 0)
			goto out;	/* unsubscribe, menu clicks, scans… */
		in->text = xstrdup("帮助");	/* a follower is shown the help */
		in->explicit_cmd = 1;
	} else if (strcmp(type, "text") == 0) {
		id = xmlmsg_get(&x, XMLMSG_MSG_ID);
		text = xmlmsg_get(&x, XMLMSG_CONTENT);
		if (!wechat_id_ok(id, INBOUND_ID_MAX) || text == NULL) {
			*why = "text message without MsgId or Content";
			rc = 400;
			goto out;
		}
		(void)inbound_set(in->message_id, sizeof in->message_id, id);
		if (x.len[XMLMSG_CONTENT] > INBOUND_TEXT_MAX) {
			*why = "text too long";
			rc = 413;
			goto out;
		}
		if (!utf8_valid_text(text, x.len[XMLMSG_CONTENT]) ||
		    strlen(text) != x.len[XMLMSG_CONTENT]) {
			*why = "text holds control characters";
			rc = 400;
			goto out;
		}
		in->text = xstrdup(text);
	} else {
		/* Images, voice, video, locations, links: no text to read;
		 * known by MsgId when they have one. */
		id = xmlmsg_get(&x, XMLMSG_MSG_ID);
		if (wechat_id_ok(id, INBOUND_ID_MAX))
			(void)inbound_set(in->message_id, sizeof in->message_id,
			    id);
		goto out;
	}
	wechat_ctx(req, to, in);
	in->ignore = 0;
out:
	xmlmsg_clear(&x);
	return rc;
}

/* The byte length of the longest prefix of s within max UTF-8 bytes, never
 * splitting a character: WeChat measures Content in bytes. */
static size_t
wechat_fit(const char *s, size_t max)
{
	return utf8_fit(s, strlen(s), max);
}

/* Answers "success": WeChat shows the user nothing and does not retry. */
static void
wechat_success(struct http_response *resp)
{
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = xstrdup("success");
	resp->len = strlen(resp->body);
}

/*
 * Renders the passive text reply for in (the first part of the answer,
 * cut on a character boundary within 2048 bytes), sealed in safe mode.
 * An empty reply, one that cannot be written, or a message parse() did
 * not keep the context for (wechat_ctx()) is answered "success".
 */
static void
wechat_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	const struct wechat_state	*st = ch->state;
	const char			*from, *nonce, *ts;
	char				*text = NULL, *xml = NULL, *sealed = NULL;
	char				*end;
	long long			 now;
	size_t				 n;

	if (st == NULL || r->ntexts == 0 || in->reply_ctx[0] == '\0')
		goto success;
	/* wechat_ctx()'s three strings, each ending within the buffer. */
	from = in->reply_ctx;
	if ((nonce = wechat_ctx_next(in, from)) == NULL ||
	    (ts = wechat_ctx_next(in, nonce)) == NULL ||
	    wechat_ctx_next(in, ts) == NULL)
		goto success;
	now = strtoll(ts, &end, 10);
	if (*ts == '\0' || *end != '\0' || now < 0)
		goto success;
	text = channel_reply_text(r);
	n = channel_part(ch, text);
	text[n] = '\0';
	if (xmlmsg_reply_text(in->chat_id, from, now, text,
	    &xml) != XMLMSG_OK) {
		log_warn("%s: answer cannot be written as XML", ch->name);
		goto success;
	}
	if (st->safe) {
		if (wxcrypt_seal(&st->key, NULL, st->token, ts, nonce, xml,
		    strlen(xml), st->app_id, &sealed) != WXCRYPT_OK) {
			log_warn("%s: answer cannot be encrypted", ch->name);
			goto success;
		}
		free(xml);
		xml = sealed;
	}
	resp->status = 200;
	resp->content_type = "application/xml; charset=utf-8";
	resp->body = xml;
	resp->len = strlen(xml);
	xml = NULL;
	goto out;
success:
	wechat_success(resp);
out:
	free(xml);
	free(text);
}

/* The URL check: a signed GET whose echostr goes back verbatim. */
static void
wechat_get(const struct channel *ch, const struct http_request *req,
    struct http_response *resp, const char **why)
{
	const struct wechat_state	*st = ch->state;
	const char			*echo = wechat_arg(req, "echostr");
	int				 rc;

	if ((rc = wechat_check_query(st, req, why)) != 0) {
		resp->status = rc;
		return;
	}
	if (!wechat_id_ok(echo, WX_ECHOSTR_MAX)) {
		*why = "missing or malformed echostr";
		resp->status = 400;
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = xstrdup(echo);
	resp->len = strlen(resp->body);
}

/*
 * Builds the stable_token call: unlike cgi-bin/token, a fetch elsewhere
 * (another server of the same account) does not invalidate ours.
 */
static int
wechat_token_prepare(const struct channel *ch, struct http_call *call,
    const char **why)
{
	const struct wechat_state	*st = ch->state;
	json_t				*obj = NULL;
	char				*body = NULL;
	int				 rc = -1;

	if (st == NULL || st->app_secret == NULL) {
		*why = "no app_secret";
		goto out;
	}
	obj = json_pack("{s:s, s:s, s:s}", "grant_type", "client_credential",
	    "appid", st->app_id, "secret", st->app_secret);
	if (obj == NULL || (body = json_dumps(obj, JSON_COMPACT)) == NULL) {
		*why = "app_id or app_secret is not valid UTF-8";
		goto out;
	}
	call->url = xasprintf("%s/cgi-bin/stable_token", st->api_base);
	call->len = strlen(body);
	call->body = body;
	call->content_type = "application/json";
	body = NULL;
	rc = 0;
out:
	if (body != NULL)
		OPENSSL_cleanse(body, strlen(body));
	free(body);
	json_decref(obj);
	return rc;
}

/* Writes "wechat errcode N: msg" into err, msg cut on a character. */
static void
wechat_err(char *err, size_t errsz, json_int_t code, const char *msg)
{
	char	 head[64];
	size_t	 hl, n = msg != NULL ? strlen(msg) : 0;

	if (errsz == 0)
		return;
	(void)snprintf(head, sizeof head, "wechat errcode %" JSON_INTEGER_FORMAT
	    "%s", code, n > 0 ? ": " : "");
	hl = strlen(head);
	n = hl >= errsz ? 0 : utf8_fit(msg != NULL ? msg : "", n,
	    errsz - 1 - hl);
	(void)snprintf(err, errsz, "%s%.*s", head, (int)n, msg != NULL ? msg :
	    "");
}

/* Reads the stable_token answer {"access_token","expires_in"}. */
static int
wechat_token_result(const struct channel *ch, long status, const char *body,
    size_t len, char *out, size_t size, int *expires_in, char *err,
    size_t errsz)
{
	json_t		*j = NULL, *code;
	const char	*tok;
	json_int_t	 exp;
	int		 rc = -1;

	(void)ch;
	if (status == 0) {
		(void)snprintf(err, errsz, "wechat: no answer");
		goto out;
	}
	if (body != NULL && len > 0)
		j = json_loadb(body, len, 0, NULL);
	if (json_is_integer(code = json_object_get(j, "errcode")) &&
	    json_integer_value(code) != 0) {
		wechat_err(err, errsz, json_integer_value(code),
		    json_string_value(json_object_get(j, "errmsg")));
		goto out;
	}
	tok = json_string_value(json_object_get(j, "access_token"));
	exp = json_integer_value(json_object_get(j, "expires_in"));
	if (status < 200 || status > 299 || tok == NULL || *tok == '\0' ||
	    exp <= 0) {
		(void)snprintf(err, errsz, "wechat: http %ld without "
		    "access_token", status);
		goto out;
	}
	/* The token goes into a URL: only unreserved characters. */
	if (strlen(tok) >= size || strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_.~") != strlen(tok)) {
		(void)snprintf(err, errsz, "wechat: unusable access_token");
		goto out;
	}
	memcpy(out, tok, strlen(tok) + 1);
	*expires_in = exp > 86400 * 30 ? 86400 * 30 : (int)exp;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* Builds the customer-service text message for one row. */
static int
wechat_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	struct wechat_state	*st = ch->state;
	json_t			*obj = NULL;
	char			*body = NULL, tok[APITOKEN_MAX];
	int			 rc = -1;

	if (st == NULL) {
		*why = "channel not set up";
		goto out;
	}
	if (!wechat_id_ok(m->chat_id, INBOUND_ID_MAX)) {
		*why = "no openid";
		goto out;
	}
	/* Over 2048 bytes WeChat refuses the text: send its head, cut on
	 * a character boundary, rather than nothing. */
	obj = json_pack("{s:s, s:s, s:{s:s%}}", "touser", m->chat_id,
	    "msgtype", "text", "text", "content", m->text,
	    wechat_fit(m->text, WX_CONTENT_BYTES));
	if (obj == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if ((body = json_dumps(obj, JSON_COMPACT)) == NULL) {
		*why = "cannot encode JSON";
		goto out;
	}
	if (apitoken_get(ch->token, (time_t)(m->now_ms / 1000), tok,
	    sizeof tok) == -1) {
		rc = CHANNEL_NEED_TOKEN;
		goto out;
	}
	call->url = xasprintf("%s/cgi-bin/message/custom/send?access_token=%s",
	    st->api_base, tok);
	OPENSSL_cleanse(tok, sizeof tok);
	call->len = strlen(body);
	call->body = body;
	call->content_type = "application/json";
	body = NULL;
	rc = 0;
out:
	free(body);
	json_decref(obj);
	return rc;
}

/* What an errcode of a 2xx answer means. */
static enum send_status
wechat_classify(json_int_t code, int *retry_after)
{
	switch (code) {
	case 0:
		return SEND_OK;
	case WX_ERR_BUSY:
		return SEND_RETRY;
	case WX_ERR_FREQ:
		*retry_after = WX_RETRY_FREQ;
		return SEND_RETRY;
	case WX_ERR_TOKEN_INVALID:
	case WX_ERR_TOKEN_BAD:
	case WX_ERR_TOKEN_EXPIRED:
		return SEND_RETRY;	/* after a new token */
	}
	return SEND_FAILED;
}

static const struct robot_answer wechat_answer = {
	.platform = "wechat",
	.code_key = "errcode",
	.msg_key = "errmsg",
	.classify = wechat_classify,
};

/*
 * Classifies the customer-service API's answer: the token codes forget
 * the token and retry at once, 45015 fails saying the window is closed.
 */
static enum send_status
wechat_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	struct wechat_state	*st = ch->state;
	enum send_status	 res;
	json_t			*j = NULL, *code;
	json_int_t		 c = 0;

	res = channel_robot_result(&wechat_answer, status, body, len,
	    retry_after, err, errsz);
	if (status < 200 || status > 299 || body == NULL || len == 0 ||
	    (j = json_loadb(body, len, 0, NULL)) == NULL ||
	    !json_is_integer(code = json_object_get(j, "errcode")))
		goto out;
	c = json_integer_value(code);
	if (c == WX_ERR_TOKEN_INVALID || c == WX_ERR_TOKEN_BAD ||
	    c == WX_ERR_TOKEN_EXPIRED) {
		if (st != NULL)
			apitoken_invalidate(ch->token);
		*retry_after = 0;
	} else if (c == WX_ERR_WINDOW) {
		(void)snprintf(err, errsz, "%s", WX_ERR_WINDOW_TEXT);
		log_warn("%s: an answer was not delivered: the user wrote more "
		    "than 48 hours ago (errcode 45015)", ch->name);
	}
out:
	json_decref(j);
	return res;
}

const struct channel_backend channel_wechat_mp_backend = {
	.type = "wechat_mp",
	.help = "微信公众号 a WeChat Official Account (server callbacks, plain "
	    "or safe mode)",
	.keys = wechat_keys,
	.setup = wechat_setup,
	.cleanup = wechat_cleanup,
	.sends = wechat_sends,
	.verify = wechat_verify,
	.parse = wechat_parse,
	.reply = wechat_reply,
	.get = wechat_get,
	.send_prepare = wechat_send_prepare,
	.send_result = wechat_send_result,
	.token = channel_token,
	.token_prepare = wechat_token_prepare,
	.token_result = wechat_token_result,
	/* MsgId is the account's, and retries come from the same openid:
	 * keyed within the chat, a retry is still one message. */
	.dedupe = CHANNEL_DEDUPE_CHAT,
	.fit = wechat_fit,
	.max_text = WX_CONTENT_BYTES,
	.reply_deadline_ms = WX_REPLY_DEADLINE_MS,
};

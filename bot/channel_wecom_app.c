/*
 * WeCom (企业微信) self-built app callbacks (see shared PROTOCOLS.md
 * section 4(b)), channel type "wecom". (The outbound group robot of the
 * same platform is bot/channel_wecom.c, a robot type.)
 *
 * GET /hook/NAME?msg_signature&timestamp&nonce&echostr: the URL check.
 * The signature covers echostr; echostr is decrypted (receiveid = CorpID)
 * and its plaintext answered as text/plain.
 *
 * POST /hook/NAME?msg_signature&timestamp&nonce with an XML envelope
 * (ToUserName, Encrypt, AgentID). verify: the timestamp within
 * WA_WINDOW seconds of now, then msg_signature over the Encrypt field,
 * before anything is decrypted. parse: decrypts (every failure answered
 * alike: no padding oracle), checks the receiveid, reads the inner
 * message. Text messages from a member are one-to-one chats with the app
 * (chat and sender are the member's userid); events (enter_agent,
 * subscribe, menu clicks) and other message types are acknowledged and
 * ignored: answering help each time a member opens the app would be
 * noise. Dedupe key: MsgId, per sender (WeCom documents no scope for it).
 *
 * reply: the encrypted passive reply (fresh random, timestamp and nonce,
 * signed), or an empty 200 body, which WeCom takes as "no reply" — also
 * what the server asks for when the answer missed reply_deadline_ms and
 * went to the outbox.
 *
 * Outbound (the delivery thread): send_prepare POSTs message/send with
 * the cached access_token; token_prepare GETs gettoken. Neither the
 * corp_secret nor an access token ever reaches an error text.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "apitoken.h"
#include "channel.h"
#include "log.h"
#include "wxcrypt.h"
#include "xmlmsg.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define WA_API_BASE		"https://qyapi.weixin.qq.com"
#define WA_WINDOW		300	/* seconds a timestamp may be off */
#define WA_CONTENT_BYTES	2048	/* UTF-8 bytes of text.content */
#define WA_NONCE_LEN		16	/* digits of our reply nonces */
#define WA_EXPIRES_DEFAULT	7200	/* gettoken's usual expires_in */
#define WA_URL_MAX		(8 * 1024)	/* bytes of an API URL */

/* errcodes of the API. */
#define WA_ERR_BUSY		-1	/* system busy */
#define WA_ERR_BAD_CREDENTIAL	40001	/* invalid credential (token) */
#define WA_ERR_BAD_TOKEN	40014	/* invalid access_token */
#define WA_ERR_NO_TOKEN		41001	/* access_token missing */
#define WA_ERR_TOKEN_EXPIRED	42001	/* access_token expired */
#define WA_ERR_FREQ		45009	/* api freq out of limit */
#define WA_RETRY_FREQ		60	/* seconds */

/* The instance's settings and caches, made by wecom_app_setup(). */
struct wecom_app_state {
	const char		*corp_id;	/* also the receiveid */
	const char		*corp_secret;
	const char		*token;		/* callback signing token */
	const char		*encoding_aes_key;
	const char		*api_base;
	json_int_t		 agent_id;
	struct wxcrypt_key	 key;
};

static const struct channel_key wecom_app_keys[] = {
	{ "corp_id", CHANNEL_KEY_REQUIRED,
	    "企业ID the CorpID (also the receiveid of callbacks)" },
	{ "corp_secret", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "应用Secret the app's Secret, to fetch access tokens" },
	{ "agent_id", CHANNEL_KEY_REQUIRED,
	    "应用AgentId the app's AgentId (a number)" },
	{ "token", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "接收消息 Token the callback Token (signatures)" },
	{ "encoding_aes_key", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "接收消息 EncodingAESKey the callback key (43 characters)" },
	{ "api_base", 0,
	    "接口地址 API base URL (default https://qyapi.weixin.qq.com)" },
	{ NULL, 0, NULL }
};

/* Frees a state made by wecom_app_setup(), wiping the key. */
static void
wecom_app_state_free(struct wecom_app_state *st)
{
	if (st == NULL)
		return;
	OPENSSL_cleanse(&st->key, sizeof st->key);
	free(st);
}

/* Reads and checks the settings into the instance's state. */
static int
wecom_app_setup(struct channel *ch, char **cause)
{
	struct wecom_app_state	*st = xcalloc(1, sizeof *st);
	const char		*agent;
	char			*end;
	long long		 n;
	int			 rc = -1;

	st->corp_id = channel_get(ch, "corp_id");
	st->corp_secret = channel_get(ch, "corp_secret");
	st->token = channel_get(ch, "token");
	st->encoding_aes_key = channel_get(ch, "encoding_aes_key");
	st->api_base = channel_get(ch, "api_base");
	if (st->api_base == NULL || *st->api_base == '\0')
		st->api_base = WA_API_BASE;
	agent = channel_get(ch, "agent_id");
	if (st->corp_id == NULL || *st->corp_id == '\0' ||
	    strlen(st->corp_id) > WXCRYPT_ID_MAX ||
	    strlen(st->corp_id) >= INBOUND_ID_MAX) {
		*cause = xasprintf("channel %s: corp_id must be 1..%d "
		    "characters", ch->name, INBOUND_ID_MAX - 1);
		goto out;
	}
	if (st->corp_secret == NULL || *st->corp_secret == '\0') {
		*cause = xasprintf("channel %s: corp_secret is empty",
		    ch->name);
		goto out;
	}
	if (st->token == NULL || *st->token == '\0' ||
	    strlen(st->token) > WXCRYPT_PARAM_MAX) {
		*cause = xasprintf("channel %s: token must be 1..%d "
		    "characters", ch->name, WXCRYPT_PARAM_MAX);
		goto out;
	}
	if (st->encoding_aes_key == NULL ||
	    wxcrypt_key_parse(st->encoding_aes_key, &st->key) != WXCRYPT_OK) {
		*cause = xasprintf("channel %s: encoding_aes_key must be the "
		    "43 characters WeCom shows", ch->name);
		goto out;
	}
	errno = 0;
	n = agent != NULL && isdigit((unsigned char)*agent) ?
	    strtoll(agent, &end, 10) : -1;
	if (n <= 0 || errno != 0 || *end != '\0') {
		*cause = xasprintf("channel %s: agent_id must be the app's "
		    "AgentId, a number", ch->name);
		goto out;
	}
	st->agent_id = (json_int_t)n;
	ch->state = st;
	st = NULL;
	rc = 0;
out:
	wecom_app_state_free(st);
	return rc;
}

/* Frees the state. */
static void
wecom_app_cleanup(struct channel *ch)
{
	wecom_app_state_free(ch->state);
	ch->state = NULL;
}

/* Whether replies can be sent: corp_secret is required, so always. */
static int
wecom_app_sends(const struct channel *ch)
{
	return ch->state != NULL;
}

/*
 * Reads the envelope of a POST into m. Returns 0, or 413/400 with *why
 * set; m holds nothing on failure.
 */
static int
wecom_app_envelope(const struct http_request *req, struct xmlmsg *m,
    const char **why)
{
	enum xmlmsg_status	 xs;

	if (req->body_len > XMLMSG_DOC_MAX) {
		*why = "body too large";
		return 413;
	}
	if ((xs = xmlmsg_parse(req->body, req->body_len, m)) != XMLMSG_OK) {
		*why = xs == XMLMSG_TOO_LARGE ? "body empty or too large" :
		    "body is not a WeCom envelope";
		return xs == XMLMSG_TOO_LARGE && req->body_len > 0 ? 413 : 400;
	}
	if (xmlmsg_get(m, XMLMSG_ENCRYPT) == NULL ||
	    m->len[XMLMSG_ENCRYPT] == 0 ||
	    m->len[XMLMSG_ENCRYPT] > WXCRYPT_ENCRYPT_MAX) {
		xmlmsg_clear(m);
		*why = "envelope without Encrypt";
		return 400;
	}
	return 0;
}

/* Checks the timestamp window and msg_signature over <Encrypt>. */
static int
wecom_app_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct wecom_app_state	*st = ch->state;
	struct xmlmsg			*m;
	const char			*sig, *ts, *nonce;
	int				 rc;

	if (st == NULL) {
		*why = "channel not set up";	/* fail closed */
		return 401;
	}
	if ((rc = channel_wx_query(req, WA_WINDOW, &sig, &ts,
	    &nonce, why)) != 0)
		return rc;
	m = xcalloc(1, sizeof *m);
	if ((rc = wecom_app_envelope(req, m, why)) != 0) {
		free(m);
		return rc;
	}
	if (wxcrypt_verify(st->token, ts, nonce, xmlmsg_get(m,
	    XMLMSG_ENCRYPT), sig) != WXCRYPT_OK) {
		*why = "bad msg_signature";
		xmlmsg_free(m);
		return 401;
	}
	/* parse() decrypts the envelope read here. */
	http_keep_put(req, m, xmlmsg_free);
	return 0;
}

/* Copies the value of field f of m into a fixed field; 0, or -1 when it
 * is missing, empty or too long. */
static int
wecom_app_field(const struct xmlmsg *m, enum xmlmsg_field f, char *out,
    size_t size)
{
	const char	*v = xmlmsg_get(m, f);

	if (v == NULL || *v == '\0' || strlen(v) != m->len[f])
		return -1;
	return inbound_set(out, size, v);
}

/* Reads the decrypted message into in. */
static int
wecom_app_inner(const struct wecom_app_state *st, const struct xmlmsg *m,
    struct inbound *in, const char **why)
{
	const char	*type = xmlmsg_get(m, XMLMSG_MSG_TYPE);
	const char	*to = xmlmsg_get(m, XMLMSG_TO_USER_NAME);
	const char	*text = xmlmsg_get(m, XMLMSG_CONTENT);
	const char	*created = xmlmsg_get(m, XMLMSG_CREATE_TIME);

	if (type == NULL || wecom_app_field(m, XMLMSG_FROM_USER_NAME,
	    in->sender_id, sizeof in->sender_id) != 0) {
		*why = "message without MsgType or FromUserName";
		return 400;
	}
	if (to != NULL && strcmp(to, st->corp_id) != 0) {
		*why = "message for another corp";
		return 400;
	}
	(void)inbound_set(in->chat_id, sizeof in->chat_id, in->sender_id);
	in->chat_kind = CHAT_PRIVATE;
	in->ignore = 1;
	if (strcmp(type, "text") != 0) {
		/* Events have no MsgId: FromUserName + CreateTime is their
		 * key, should one ever be dispatched. */
		if (created != NULL && strlen(created) < sizeof in->message_id
		    - 4 && strspn(created, "0123456789") == strlen(created))
			(void)snprintf(in->message_id, sizeof in->message_id,
			    "ev-%s", created);
		return 0;	/* events, images, voice, locations … */
	}
	if (wecom_app_field(m, XMLMSG_MSG_ID, in->message_id,
	    sizeof in->message_id) != 0) {
		*why = "text message without MsgId";
		return 400;
	}
	if (text == NULL) {
		*why = "text message without Content";
		return 400;
	}
	if (m->len[XMLMSG_CONTENT] > INBOUND_TEXT_MAX) {
		*why = "text too long";
		return 413;
	}
	if (strlen(text) != m->len[XMLMSG_CONTENT] ||
	    !utf8_valid_text(text, m->len[XMLMSG_CONTENT])) {
		*why = "text holds control characters";
		return 400;
	}
	in->text = xstrdup(text);
	in->ignore = 0;
	return 0;
}

/* Decrypts the verified envelope and reads the message inside. */
static int
wecom_app_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	const struct wecom_app_state	*st = ch->state;
	struct xmlmsg			 env, m, *kept;
	enum wxcrypt_status		 ws;
	char				*msg = NULL;
	size_t				 msglen = 0;
	int				 rc;

	memset(&env, 0, sizeof env);
	memset(&m, 0, sizeof m);
	if (st == NULL) {
		*why = "channel not set up";
		return 400;
	}
	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	if ((kept = http_keep_take(req, xmlmsg_free)) != NULL) {
		env = *kept;		/* the envelope verify() read */
		free(kept);
	} else if ((rc = wecom_app_envelope(req, &env, why)) != 0)
		return rc;
	ws = wxcrypt_decrypt(&st->key, xmlmsg_get(&env, XMLMSG_ENCRYPT),
	    st->corp_id, &msg, &msglen);
	if (ws != WXCRYPT_OK) {
		/* One answer for every failure (the cause is not told). */
		*why = "cannot decrypt";
		rc = 400;
		goto out;
	}
	if (xmlmsg_parse(msg, msglen, &m) != XMLMSG_OK) {
		*why = "decrypted message is not a WeCom message";
		rc = 400;
		goto out;
	}
	rc = wecom_app_inner(st, &m, in, why);
out:
	xmlmsg_clear(&m);
	xmlmsg_clear(&env);
	if (msg != NULL)
		OPENSSL_cleanse(msg, msglen);
	free(msg);
	return rc;
}

/* The byte length of the longest prefix of s of at most max bytes, never
 * splitting a character: WeCom counts text.content in UTF-8 bytes. */
static size_t
wecom_app_fit(const char *s, size_t max)
{
	return utf8_fit(s, strlen(s), max);
}

/* Writes n random decimal digits and a NUL into out. */
static void
wecom_app_nonce(char *out, size_t n)
{
	unsigned char	 r[WA_NONCE_LEN];
	size_t		 i;

	if (n > sizeof r)
		n = sizeof r;
	if (wxcrypt_random(r, n) == -1)
		memset(r, 0, sizeof r);	/* the nonce is no secret */
	for (i = 0; i < n; i++)
		out[i] = (char)('0' + r[i] % 10);
	out[n] = '\0';
	if (out[0] == '0')
		out[0] = '1';
}

/*
 * The passive reply: the first part of the answer (channel_part(); the
 * dispatcher has queued the rest in the outbox) as a text message to the member, sealed with fresh
 * random, timestamp and nonce. No texts: an empty body, "no reply".
 */
static void
wecom_app_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	const struct wecom_app_state	*st = ch->state;
	enum wxcrypt_status		 ws;
	enum xmlmsg_status		 xs;
	char				*text = NULL, *inner = NULL, *out = NULL;
	char				 ts[24], nonce[WA_NONCE_LEN + 1];
	time_t				 now = time(NULL);
	size_t				 n;

	resp->status = 200;
	resp->content_type = "text/plain";
	resp->body = NULL;
	resp->len = 0;
	if (r->ntexts == 0 || st == NULL || in->sender_id[0] == '\0')
		return;
	text = channel_reply_text(r);
	n = channel_part(ch, text);
	n = utf8_fit(text, n, WA_CONTENT_BYTES);
	text[n] = '\0';
	xs = xmlmsg_reply_text(in->sender_id, st->corp_id, (long long)now,
	    text, &inner);
	if (xs != XMLMSG_OK) {
		log_warn("%s: cannot write the reply: %s", ch->name,
		    xmlmsg_strerror(xs));
		goto out;
	}
	(void)snprintf(ts, sizeof ts, "%lld", (long long)now);
	wecom_app_nonce(nonce, WA_NONCE_LEN);
	ws = wxcrypt_seal(&st->key, NULL, st->token, ts, nonce, inner,
	    strlen(inner), st->corp_id, &out);
	if (ws != WXCRYPT_OK) {
		log_warn("%s: cannot seal the reply: %s", ch->name,
		    wxcrypt_strerror(ws));
		goto out;
	}
	resp->content_type = "application/xml";
	resp->body = out;
	resp->len = strlen(out);
	out = NULL;
out:
	free(out);
	free(inner);
	free(text);
}

/* GET: checks the signature over echostr, answers its plaintext. */
static void
wecom_app_get(const struct channel *ch, const struct http_request *req,
    struct http_response *resp, const char **why)
{
	const struct wecom_app_state	*st = ch->state;

	if (st == NULL) {
		resp->status = 401;
		*why = "channel not set up";
		return;
	}
	channel_wx_echo(req, WA_WINDOW, st->token, &st->key, st->corp_id,
	    resp, why);
}

/* Appends s percent-encoded (all but A-Z a-z 0-9 - _ . ~) to b; 0 or -1
 * past the buffer's cap. */
static int
wecom_app_urlenc(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;
	char			 e[3];
	int			 rc = 0;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~') {
			rc |= buf_add(b, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 0xf];
		rc |= buf_add(b, e, 3);
	}
	return rc;
}

/* A new URL (caller frees): api_base, path, then name=value pairs with
 * the values encoded (n2 NULL: one pair). NULL when it would be longer
 * than WA_URL_MAX. */
static char *
wecom_app_url(const struct wecom_app_state *st, const char *path,
    const char *n1, const char *v1, const char *n2, const char *v2)
{
	struct buf	 b;
	char		*url = NULL;
	int		 rc = 0;

	buf_init(&b, WA_URL_MAX);
	rc |= buf_addf(&b, "%s%s?%s=", st->api_base, path, n1);
	rc |= wecom_app_urlenc(&b, v1);
	if (n2 != NULL) {
		rc |= buf_addf(&b, "&%s=", n2);
		rc |= wecom_app_urlenc(&b, v2);
	}
	if (rc == 0)
		url = buf_steal(&b);
	buf_free(&b);
	return url;
}

/* Builds the message/send call for one message to one member. */
static int
wecom_app_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	struct wecom_app_state	*st = ch->state;
	json_t			*obj = NULL;
	char			*body = NULL, tok[APITOKEN_MAX];
	int			 rc = -1;

	tok[0] = '\0';
	if (st == NULL) {
		*why = "channel not set up";
		goto out;
	}
	/* One member: "@all" or "a|b" would reach people who never wrote. */
	if (m->chat_id == NULL || *m->chat_id == '\0' ||
	    strlen(m->chat_id) >= INBOUND_ID_MAX ||
	    strcmp(m->chat_id, "@all") == 0 || strchr(m->chat_id, '|')) {
		*why = "chat_id is not one member's userid";
		goto out;
	}
	obj = json_pack("{s:s, s:s, s:I, s:{s:s%}, s:i}", "touser",
	    m->chat_id, "msgtype", "text", "agentid", st->agent_id, "text",
	    "content", m->text, utf8_fit(m->text, strlen(m->text),
	    WA_CONTENT_BYTES), "safe", 0);
	if (obj == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if ((body = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		*why = "cannot encode JSON";
		goto out;
	}
	if (apitoken_get(ch->token, (time_t)(m->now_ms / 1000), tok,
	    sizeof tok) != 0) {
		rc = CHANNEL_NEED_TOKEN;
		goto out;
	}
	call->method = NULL;
	call->url = wecom_app_url(st, "/cgi-bin/message/send", "access_token",
	    tok, NULL, NULL);
	if (call->url == NULL) {
		*why = "api_base too long";
		goto out;
	}
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json";
	body = NULL;
	rc = 0;
out:
	OPENSSL_cleanse(tok, sizeof tok);
	free(body);
	json_decref(obj);
	return rc;
}

/*
 * Removes from err what must never reach the office or a log: the
 * configured secrets, and whatever follows "access_token=" or
 * "corpsecret=" (a platform message quoting a URL), each replaced by "*".
 */
static void
wecom_app_redact(const struct wecom_app_state *st, char *err)
{
	static const char *const	 marks[] = {
		"access_token=", "corpsecret=", NULL
	};
	const char			*secrets[3];
	char				*p, *q;
	size_t				 i, n;

	secrets[0] = st->corp_secret;
	secrets[1] = st->token;
	secrets[2] = st->encoding_aes_key;
	for (i = 0; i < 3; i++) {
		if (secrets[i] == NULL || (n = strlen(secrets[i])) == 0)
			continue;
		while ((p = strstr(err, secrets[i])) != NULL) {
			*p = '*';
			memmove(p + 1, p + n, strlen(p + n) + 1);
		}
	}
	for (i = 0; marks[i] != NULL; i++) {
		for (p = strstr(err, marks[i]); p != NULL;
		    p = strstr(p, marks[i])) {
			p += strlen(marks[i]);
			q = p + strcspn(p, "& \t\r\n,;\"'");
			if (q == p)
				continue;
			*p = '*';
			memmove(p + 1, q, strlen(q) + 1);
		}
	}
}

/* What an errcode of message/send means (token codes: see send_result). */
static enum send_status
wecom_app_classify(json_int_t code, int *retry_after)
{
	switch (code) {
	case 0:
		return SEND_OK;
	case WA_ERR_FREQ:
		*retry_after = WA_RETRY_FREQ;
		return SEND_RETRY;
	case WA_ERR_BUSY:
		return SEND_RETRY;
	default:
		return SEND_FAILED;
	}
}

static const struct robot_answer wecom_app_answer = {
	.platform = "wecom",
	.code_key = "errcode",
	.msg_key = "errmsg",
	.classify = wecom_app_classify,
};

/* Whether code says the access token is expired or invalid. */
static int
wecom_app_token_code(json_int_t code)
{
	return code == WA_ERR_BAD_TOKEN || code == WA_ERR_TOKEN_EXPIRED ||
	    code == WA_ERR_BAD_CREDENTIAL || code == WA_ERR_NO_TOKEN;
}

/*
 * Classifies message/send's answer: by HTTP status and errcode as a
 * robot's; a token code forgets the token and retries at once; errcode 0
 * naming the member in invaliduser failed (not in the app's visible
 * range).
 */
static enum send_status
wecom_app_send_result(const struct channel *ch, long status,
    const char *body, size_t len, int *retry_after, char *err, size_t errsz)
{
	struct wecom_app_state	*st = ch->state;
	enum send_status	 s;
	json_t			*j = NULL, *code;
	const char		*bad;

	s = channel_robot_result(&wecom_app_answer, status, body, len,
	    retry_after, err, errsz);
	if (status >= 200 && status <= 299 && body != NULL && len > 0)
		j = json_loadb(body, len, 0, NULL);
	code = json_object_get(j, "errcode");
	if (json_is_integer(code) &&
	    wecom_app_token_code(json_integer_value(code))) {
		if (st != NULL)
			apitoken_invalidate(ch->token);
		*retry_after = 0;
		s = SEND_RETRY;
	}
	bad = json_string_value(json_object_get(j, "invaliduser"));
	if (s == SEND_OK && bad != NULL && *bad != '\0') {
		(void)snprintf(err, errsz, "wecom: the member is not in the "
		    "app's visible range (invaliduser)");
		s = SEND_FAILED;
	}
	if (st != NULL && errsz > 0)
		wecom_app_redact(st, err);
	json_decref(j);
	return s;
}

/* Builds GET gettoken?corpid&corpsecret. */
static int
wecom_app_token_prepare(const struct channel *ch, struct http_call *call,
    const char **why)
{
	const struct wecom_app_state	*st = ch->state;

	if (st == NULL) {
		*why = "channel not set up";
		return -1;
	}
	call->method = "GET";
	call->url = wecom_app_url(st, "/cgi-bin/gettoken", "corpid",
	    st->corp_id, "corpsecret", st->corp_secret);
	if (call->url == NULL) {
		*why = "api_base too long";
		return -1;
	}
	call->body = NULL;
	call->len = 0;
	call->content_type = NULL;
	return 0;
}

/* Reads gettoken's {"errcode":0,"access_token":…,"expires_in":…}. */
static int
wecom_app_token_result(const struct channel *ch, long status,
    const char *body, size_t len, char *out, size_t size, int *expires_in,
    char *err, size_t errsz)
{
	const struct wecom_app_state	*st = ch->state;
	json_t				*j = NULL, *code, *v;
	const char			*tok, *msg;
	json_int_t			 e;
	int				 rc = -1;

	if (status < 200 || status > 299) {
		(void)snprintf(err, errsz, status == 0 ? "wecom gettoken: no "
		    "answer" : "wecom gettoken: http %ld", status);
		goto out;
	}
	if (body == NULL || len == 0 ||
	    (j = json_loadb(body, len, 0, NULL)) == NULL ||
	    !json_is_object(j)) {
		(void)snprintf(err, errsz, "wecom gettoken: not JSON");
		goto out;
	}
	code = json_object_get(j, "errcode");
	if (code != NULL && (!json_is_integer(code) ||
	    json_integer_value(code) != 0)) {
		msg = json_string_value(json_object_get(j, "errmsg"));
		if (msg == NULL)
			msg = "";
		(void)snprintf(err, errsz, "wecom errcode %" JSON_INTEGER_FORMAT
		    ": %.*s", json_integer_value(code),
		    (int)utf8_fit(msg, strlen(msg), 160), msg);
		goto out;
	}
	tok = json_string_value(json_object_get(j, "access_token"));
	if (tok == NULL || *tok == '\0' || strlen(tok) >= size ||
	    strlen(tok) >= APITOKEN_MAX ||
	    strcspn(tok, " \t\r\n&?#%") != strlen(tok)) {
		(void)snprintf(err, errsz, "wecom gettoken: no usable "
		    "access_token");
		goto out;
	}
	v = json_object_get(j, "expires_in");
	e = json_is_integer(v) ? json_integer_value(v) : WA_EXPIRES_DEFAULT;
	if (e <= 0 || e > 30 * 86400) {
		(void)snprintf(err, errsz, "wecom gettoken: bad expires_in");
		goto out;
	}
	memcpy(out, tok, strlen(tok) + 1);
	*expires_in = (int)e;
	rc = 0;
out:
	if (rc != 0 && st != NULL && errsz > 0)
		wecom_app_redact(st, err);
	json_decref(j);
	return rc;
}

const struct channel_backend channel_wecom_app_backend = {
	.type = "wecom",
	.help = "企业微信自建应用 WeCom self-built app (callback; group "
	    "robots: group add --robot wecom)",
	.keys = wecom_app_keys,
	.setup = wecom_app_setup,
	.cleanup = wecom_app_cleanup,
	.sends = wecom_app_sends,
	.verify = wecom_app_verify,
	.parse = wecom_app_parse,
	.reply = wecom_app_reply,
	.get = wecom_app_get,
	.send_prepare = wecom_app_send_prepare,
	.send_result = wecom_app_send_result,
	.token = channel_token,
	.token_prepare = wecom_app_token_prepare,
	.token_result = wecom_app_token_result,
	.dedupe = CHANNEL_DEDUPE_SENDER,
	/* WeCom gives up after 5 s and retries; keep a margin. */
	.reply_deadline_ms = 4500,
	/* Measured in bytes (wecom_app_fit): a longer answer is sent in
	 * parts, the first in the passive reply, the rest by message/send. */
	.fit = wecom_app_fit,
	.max_text = WA_CONTENT_BYTES,
	/* message/send: 30 per member and minute, more are dropped. */
	.per_chat_minute = 30,
};

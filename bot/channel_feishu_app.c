/*
 * Feishu / Lark app bot, event subscription 2.0 over HTTP (see shared
 * PROTOCOLS.md section 3(b) and "Outbound via OpenAPI"). Channel type
 * "feishu"; the outbound custom bot of the same platform is the robot
 * backend in bot/channel_feishu.c.
 *
 * verify: with an encrypt_key, X-Lark-Signature (SHA-256 hex over
 * timestamp, nonce, key and the raw body) in constant time, and the
 * timestamp within FS_WINDOW of the clock. A request without signature
 * headers passes only when it is a url_verification challenge carrying the
 * verification token (answering one stores nothing and tells nothing).
 * Without an encrypt_key only the verification token authenticates, and
 * parse checks it. parse: {"encrypt":…} is decrypted (bot/larkcrypt.c, all
 * failures answered alike); the url_verification challenge is checked and
 * put into in->reply_meta for reply() with in->ignore set, so that it
 * never touches the database; a 2.0 envelope's header.token is compared
 * in constant time; im.message.receive_v1 text messages become a struct
 * inbound (content is JSON inside a JSON string; "@_user_N" placeholders
 * of the bot are removed, others become "@name"); every other event is
 * acknowledged and ignored. Dedupe key: header.event_id, unique alone.
 *
 * reply: 200 {} (the challenge: {"challenge":…}); answers go through the
 * outbox. Outbound (the delivery thread): POST im/v1/messages with
 * receive_id_type=chat_id, a tenant_access_token and the row's idempotency
 * key as uuid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "apitoken.h"
#include "channel.h"
#include "larkcrypt.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define FS_API_BASE	"https://open.feishu.cn"
#define FS_TS_HEADER	"X-Lark-Request-Timestamp"
#define FS_NONCE_HEADER	"X-Lark-Request-Nonce"
#define FS_SIG_HEADER	"X-Lark-Signature"
/*
 * Seconds a signed request's timestamp may lie from the clock. Feishu
 * retries an unanswered event after 15 s, 5 min, 1 h and 6 h (about 7.1 h
 * in all) and PROTOCOLS.md names no window for events, so the window
 * covers the retry schedule; a replay inside it meets the event_id dedupe
 * record, which is kept for days.
 */
#define FS_WINDOW	(8 * 3600)
#define FS_CHALLENGE_MAX 512		/* bytes of a challenge */
#define FS_CONTENT_MAX	(64 * 1024)	/* bytes of message.content */
#define FS_TEXT_MAX	4000		/* characters we send in one message */
#define FS_UUID_MAX	50		/* bytes of the uuid the API takes */
#define FS_NAME_MAX	64		/* bytes of a mention's shown name */
#define FS_EXPIRE_MAX	86400		/* seconds; longer is nonsense */

/* The instance's settings and token cache, made by feishu_app_setup(). */
struct feishu_app_state {
	const char	*app_id;
	const char	*app_secret;
	const char	*verification_token;
	const char	*encrypt_key;	/* NULL: plain events */
	const char	*bot_open_id;	/* NULL: leading mentions are ours */
	const char	*api_base;
	int		 websocket;	/* mode = websocket */
};

static const struct channel_key feishu_app_keys[] = {
	{ "app_id", CHANNEL_KEY_REQUIRED,
	    "应用凭证 App ID the app's App ID (cli_…)" },
	{ "app_secret", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "应用凭证 App Secret the app's App Secret" },
	{ "verification_token", CHANNEL_KEY_SECRET,
	    "事件订阅 Verification Token the event subscription's token "
	    "(required unless mode = websocket)" },
	{ "encrypt_key", CHANNEL_KEY_SECRET,
	    "事件订阅 Encrypt Key (set: events are encrypted and signed)" },
	{ "bot_open_id", 0,
	    "机器人 open_id the bot's open_id (unset: a leading @mention in "
	    "a group is taken as the bot)" },
	{ "api_base", 0,
	    "接口地址 OpenAPI base URL (default https://open.feishu.cn)" },
	{ "mode", 0,
	    "webhook（默认，事件回调）或 websocket（长连接，无需公网地址）"
	    "/ webhook (default) or websocket (long connection: no public "
	    "address needed)" },
	CHANNEL_STREAM_KEYS,
	{ "connect_base", 0,
	    "长连接引导接口地址（默认同 api_base）/ base URL of the long "
	    "connection's bootstrap call (default: api_base)" },
	{ NULL, 0, NULL }
};

/* Reads the settings into the instance's state. */
static int
feishu_app_setup(struct channel *ch, char **cause)
{
	struct feishu_app_state	*st;
	int			 ws;

	if ((ws = channel_mode(ch, "websocket", cause)) == -1)
		return -1;
	if (!ws && channel_get(ch, "verification_token") == NULL) {
		*cause = xasprintf("channel %s: verification_token is required "
		    "(or mode = websocket)", ch->name);
		return -1;
	}
	st = xcalloc(1, sizeof *st);
	st->websocket = ws;
	st->app_id = channel_get(ch, "app_id");
	st->app_secret = channel_get(ch, "app_secret");
	st->verification_token = channel_get(ch, "verification_token");
	st->encrypt_key = channel_get(ch, "encrypt_key");
	if (st->encrypt_key != NULL && *st->encrypt_key == '\0')
		st->encrypt_key = NULL;
	st->bot_open_id = channel_get(ch, "bot_open_id");
	if (st->bot_open_id != NULL && *st->bot_open_id == '\0')
		st->bot_open_id = NULL;
	st->api_base = channel_get(ch, "api_base");
	if (st->api_base == NULL || *st->api_base == '\0')
		st->api_base = FS_API_BASE;
	ch->state = st;
	return 0;
}

/* Frees the state. */
static void
feishu_app_cleanup(struct channel *ch)
{
	struct feishu_app_state	*st = ch->state;

	if (st == NULL)
		return;
	free(st);
	ch->state = NULL;
}

/* Whether replies can be sent: app_id and app_secret are required. */
static int
feishu_app_sends(const struct channel *ch)
{
	return ch->state != NULL;
}

/* Whether the instance receives over the long connection (bot/stream.c). */
static int
feishu_app_streams(const struct channel *ch)
{
	const struct feishu_app_state	*st = ch->state;

	return st != NULL && st->websocket;
}

/* Whether got equals the verification token, in constant time. */
static int
feishu_app_token_ok(const struct feishu_app_state *st, const char *got)
{
	size_t	 n;

	if (st == NULL || st->verification_token == NULL || got == NULL)
		return 0;
	n = strlen(st->verification_token);
	return strlen(got) == n &&
	    CRYPTO_memcmp(got, st->verification_token, n) == 0;
}

/* Parses len bytes of s into a JSON object; 0, or 400 with *why. */
static int
feishu_app_json(const char *s, size_t len, json_t **out, const char **why)
{
	json_t	*j;

	*out = NULL;
	if (!utf8_valid(s, len)) {
		*why = "invalid UTF-8";
		return 400;
	}
	j = json_loadb(s, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		*why = j == NULL ? "malformed JSON" : "JSON body is not an object";
		return 400;
	}
	*out = j;
	return 0;
}

/*
 * Reads the event out of the body: the body itself, or, for
 * {"encrypt":…}, its decryption. Every decryption failure gets the same
 * answer (no padding oracle); the reason goes to debug only. Returns 0
 * with *ev set (caller decrefs), or an HTTP status with *why.
 */
static int
feishu_app_event(const struct feishu_app_state *st, const char *body,
    size_t len, json_t **ev, const char **why)
{
	json_t			*outer = NULL, *enc;
	char			*plain = NULL;
	size_t			 plen = 0;
	enum larkcrypt_status	 ls;
	int			 rc;

	*ev = NULL;
	if (len > LARKCRYPT_BODY_MAX) {
		*why = "body too large";
		return 413;
	}
	if ((rc = feishu_app_json(body, len, &outer, why)) != 0)
		goto out;
	enc = json_object_get(outer, "encrypt");
	if (enc == NULL) {
		*ev = outer;
		outer = NULL;
		goto out;
	}
	rc = 400;
	if (st->encrypt_key == NULL) {
		*why = "encrypted event but no encrypt_key set";
		goto out;
	}
	if (!json_is_string(enc)) {
		*why = "cannot decrypt the event";
		goto out;
	}
	ls = larkcrypt_decrypt(st->encrypt_key, json_string_value(enc), &plain,
	    &plen);
	if (ls != LARKCRYPT_OK) {
		*why = "cannot decrypt the event";
		goto out;
	}
	rc = feishu_app_json(plain, plen, ev, why);
out:
	json_decref(outer);
	free(plain);
	return rc;
}

/* Whether the body is a url_verification challenge with our token. */
static int
feishu_app_is_challenge(const struct feishu_app_state *st,
    const struct http_request *req)
{
	json_t		*ev = NULL;
	const char	*why, *type;
	int		 ok = 0;

	if (feishu_app_event(st, req->body, req->body_len, &ev, &why) != 0)
		return 0;
	type = json_string_value(json_object_get(ev, "type"));
	ok = type != NULL && strcmp(type, "url_verification") == 0 &&
	    feishu_app_token_ok(st, json_string_value(json_object_get(ev,
	    "token")));
	json_decref(ev);
	return ok;
}

/* Checks the request's timestamp against the clock; 0 or -1. */
static int
feishu_app_fresh(const char *ts, time_t now)
{
	long long	 t = 0;
	size_t		 i;

	for (i = 0; ts[i] != '\0'; i++) {
		if (ts[i] < '0' || ts[i] > '9' || i >= 12)
			return -1;
		t = t * 10 + (ts[i] - '0');
	}
	if (i == 0)
		return -1;
	return t < (long long)now - FS_WINDOW ||
	    t > (long long)now + FS_WINDOW ? -1 : 0;
}

/*
 * Checks X-Lark-Signature over the raw body when an encrypt_key is set.
 * Without signature headers only a challenge with our token passes; the
 * token of every other event is checked by parse.
 */
static int
feishu_app_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct feishu_app_state	*st = ch->state;
	const char			*ts, *nonce, *sig;

	if (st == NULL || st->verification_token == NULL) {
		*why = "channel not set up";	/* fail closed */
		return 401;
	}
	if (req->body_len > LARKCRYPT_BODY_MAX) {
		*why = "body too large";
		return 413;
	}
	if (st->encrypt_key == NULL)
		return 0;
	ts = req->header(req, FS_TS_HEADER);
	nonce = req->header(req, FS_NONCE_HEADER);
	sig = req->header(req, FS_SIG_HEADER);
	if (ts == NULL && nonce == NULL && sig == NULL) {
		if (feishu_app_is_challenge(st, req))
			return 0;
		*why = "missing X-Lark-Signature";
		return 401;
	}
	if (ts == NULL || nonce == NULL || sig == NULL) {
		*why = "incomplete signature headers";
		return 401;
	}
	if (feishu_app_fresh(ts, req->now) != 0) {
		*why = "timestamp outside the window";
		return 401;
	}
	if (larkcrypt_verify(ts, nonce, st->encrypt_key, req->body,
	    req->body_len, sig) != LARKCRYPT_OK) {
		*why = "bad X-Lark-Signature";
		return 401;
	}
	return 0;
}

/* Answers a url_verification: checks the token and keeps the challenge's
 * answer in in->reply_meta for reply(). */
static int
feishu_app_challenge(const struct feishu_app_state *st, json_t *ev,
    struct inbound *in, const char **why)
{
	json_t		*ans;
	const char	*c = json_string_value(json_object_get(ev, "challenge"));

	if (!feishu_app_token_ok(st, json_string_value(json_object_get(ev,
	    "token")))) {
		*why = "bad verification token";
		return 401;
	}
	if (c == NULL || strlen(c) > FS_CHALLENGE_MAX) {
		*why = "challenge missing or too long";
		return 400;
	}
	in->ignore = 1;
	if ((ans = json_pack("{s:s}", "challenge", c)) == NULL) {
		*why = "challenge is not valid UTF-8";
		return 400;
	}
	in->reply_meta = json_dumps(ans, JSON_COMPACT);
	json_decref(ans);
	return 0;
}

/* Finds the mention whose key ("@_user_N", "@_all") starts s, the
 * longest, so that @_user_1 never takes @_user_12; sets *keylen. NULL
 * when none. */
static json_t *
feishu_app_mention(json_t *mentions, const char *s, size_t *keylen)
{
	json_t		*m, *best = NULL;
	const char	*key;
	size_t		 i, n;

	*keylen = 0;
	json_array_foreach(mentions, i, m) {
		key = json_string_value(json_object_get(m, "key"));
		if (key == NULL || strncmp(key, "@_", 2) != 0 ||
		    (n = strlen(key)) <= *keylen)
			continue;
		if (strncmp(s, key, n) == 0) {
			best = m;
			*keylen = n;
		}
	}
	return best;
}

/* Whether mention m names the bot; without bot_open_id, a leading mention
 * does (in a group the default scope delivers only messages to the bot). */
static int
feishu_app_is_bot(const struct feishu_app_state *st, json_t *m, int leading)
{
	const char	*id;

	if (st->bot_open_id == NULL)
		return leading;
	id = json_string_value(json_object_get(json_object_get(m, "id"),
	    "open_id"));
	return id != NULL && strcmp(id, st->bot_open_id) == 0;
}

/*
 * Rewrites the placeholders of text into in->text: mentions of the bot
 * are removed (and make the message explicit), others become "@name".
 * Returns 0, or 413 when the text grows past its cap.
 */
static int
feishu_app_text(const struct feishu_app_state *st, const char *text,
    json_t *mentions, struct inbound *in)
{
	struct buf	 b;
	json_t		*m;
	const char	*p = text, *name;
	size_t		 klen, n;
	int		 leading = 1, rc = 413;

	buf_init(&b, INBOUND_TEXT_MAX);
	while (*p != '\0') {
		if (*p == '@' && (m = feishu_app_mention(mentions, p,
		    &klen)) != NULL) {
			p += klen;
			if (feishu_app_is_bot(st, m, leading)) {
				in->explicit_cmd = 1;
				continue;
			}
			name = json_string_value(json_object_get(m, "name"));
			if (name == NULL || !utf8_valid_text(name, strlen(name)))
				name = "";	/* shown as a bare "@" */
			n = utf8_fit(name, strlen(name), FS_NAME_MAX);
			if (buf_add(&b, "@", 1) != 0 ||
			    buf_add(&b, name, n) != 0)
				goto out;
			leading = 0;
			continue;
		}
		if (*p != ' ')
			leading = 0;
		if (buf_add(&b, p, 1) != 0)
			goto out;
		p++;
	}
	if (buf_add(&b, "", 0) != 0)
		goto out;
	in->text = b.data != NULL ? buf_steal(&b) : xstrdup("");
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* Copies a string member into a fixed field; 0, or -1 (missing, empty or
 * too long). */
static int
feishu_app_id(json_t *obj, const char *key, char *out, size_t size)
{
	const char	*v = json_string_value(json_object_get(obj, key));

	if (v == NULL || *v == '\0' || strlen(v) >= size)
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* Reads an im.message.receive_v1 event into in; 0, or a status. */
static int
feishu_app_message(const struct feishu_app_state *st, json_t *event,
    struct inbound *in, const char **why)
{
	json_t		*sender, *msg, *content = NULL, *meta;
	const char	*s, *text;
	int		 rc = 400;

	sender = json_object_get(event, "sender");
	msg = json_object_get(event, "message");
	if (!json_is_object(sender) || !json_is_object(msg)) {
		*why = "message event without sender or message";
		goto out;
	}
	s = json_string_value(json_object_get(sender, "sender_type"));
	if (s == NULL || strcmp(s, "user") != 0) {
		rc = 0;		/* apps and bots */
		goto out;
	}
	if (feishu_app_id(json_object_get(sender, "sender_id"), "open_id",
	    in->sender_id, sizeof in->sender_id) != 0 ||
	    feishu_app_id(msg, "chat_id", in->chat_id, sizeof in->chat_id) !=
	    0 || feishu_app_id(msg, "message_id", in->reply_to,
	    sizeof in->reply_to) != 0) {
		*why = "message without open_id, chat_id or message_id";
		goto out;
	}
	s = json_string_value(json_object_get(msg, "chat_type"));
	in->chat_kind = s != NULL && strcmp(s, "p2p") == 0 ? CHAT_PRIVATE :
	    CHAT_GROUP;
	s = json_string_value(json_object_get(msg, "message_type"));
	if (s == NULL || strcmp(s, "text") != 0) {
		rc = 0;		/* images, posts, files, stickers… */
		goto out;
	}
	s = json_string_value(json_object_get(msg, "content"));
	if (s == NULL) {
		*why = "text message without content";
		goto out;
	}
	if (strlen(s) > FS_CONTENT_MAX) {
		*why = "content too long";
		rc = 413;
		goto out;
	}
	if ((rc = feishu_app_json(s, strlen(s), &content, why)) != 0)
		goto out;
	rc = 400;
	if ((text = json_string_value(json_object_get(content, "text"))) ==
	    NULL) {
		*why = "content without text";
		goto out;
	}
	if (json_string_length(json_object_get(content, "text")) !=
	    strlen(text) || !utf8_valid_text(text, strlen(text))) {
		*why = "text holds control characters";
		goto out;
	}
	if ((rc = feishu_app_text(st, text, json_object_get(msg, "mentions"),
	    in)) != 0) {
		*why = "text too long";
		goto out;
	}
	if (!utf8_valid_text(in->text, strlen(in->text))) {
		*why = "text holds control characters";	/* never expected */
		rc = 400;
		goto out;
	}
	if (in->chat_kind != CHAT_GROUP)
		in->explicit_cmd = 0;
	meta = json_pack("{s:s}", "message_id", in->reply_to);
	in->reply_meta = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	in->ignore = 0;
	rc = 0;
out:
	json_decref(content);
	return rc;
}

/* Reads one event (or the URL check). */
static int
feishu_app_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	const struct feishu_app_state	*st = ch->state;
	json_t				*ev = NULL, *hdr;
	const char			*type;
	int				 rc, trusted;

	if (st == NULL) {
		*why = "channel not set up";
		return 401;
	}
	if ((rc = feishu_app_event(st, req->body, req->body_len, &ev,
	    why)) != 0)
		return rc;
	/* Over the long connection there is no token to check (the header's
	 * is empty there): the connection itself is authenticated. */
	trusted = req->trusted;
	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	in->ignore = 1;
	type = json_string_value(json_object_get(ev, "type"));
	if (type != NULL && strcmp(type, "url_verification") == 0) {
		rc = trusted ? 0 : feishu_app_challenge(st, ev, in, why);
		goto out;
	}
	rc = 401;
	hdr = json_object_get(ev, "header");
	if (!json_is_object(hdr)) {
		/* Schema 1.0 (a token at the top): authenticated, not ours. */
		if (trusted || feishu_app_token_ok(st, json_string_value(
		    json_object_get(ev, "token"))))
			rc = 0;
		else
			*why = "bad verification token";
		goto out;
	}
	if (!trusted && !feishu_app_token_ok(st, json_string_value(
	    json_object_get(hdr, "token")))) {
		*why = "bad verification token";
		goto out;
	}
	rc = 400;
	if (feishu_app_id(hdr, "event_id", in->message_id,
	    sizeof in->message_id) != 0) {
		*why = "event_id missing or too long";
		goto out;
	}
	rc = 0;
	type = json_string_value(json_object_get(hdr, "event_type"));
	if (type == NULL || strcmp(type, "im.message.receive_v1") != 0)
		goto out;	/* reactions, reads, members… */
	rc = feishu_app_message(st, json_object_get(ev, "event"), in, why);
out:
	json_decref(ev);
	return rc;
}

/*
 * Acknowledges with 200 {} (answers go through the outbox), or answers
 * the challenge that parse kept in in->reply_meta.
 */
static void
feishu_app_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	json_t	*meta = NULL;

	(void)ch;
	(void)r;
	resp->status = 200;
	resp->content_type = "application/json";
	if (in->ignore && in->reply_meta != NULL &&
	    (meta = json_loads(in->reply_meta, 0, NULL)) != NULL &&
	    json_is_string(json_object_get(meta, "challenge")))
		resp->body = xstrdup(in->reply_meta);
	else
		resp->body = xstrdup("{}");
	resp->len = strlen(resp->body);
	json_decref(meta);
}

/*
 * Writes the row's uuid into out: the idempotency key itself when it is
 * printable ASCII of at most FS_UUID_MAX bytes, else 48 hex digits of its
 * SHA-256 (the same row always gets the same uuid).
 */
static void
feishu_app_uuid(const char *key, char out[FS_UUID_MAX + 1])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	size_t		 n = strlen(key), j;
	int		 plain = n > 0 && n <= FS_UUID_MAX;

	for (j = 0; plain && j < n; j++)
		if (key[j] <= ' ' || key[j] > '~')
			plain = 0;
	if (plain) {
		memcpy(out, key, n + 1);
		return;
	}
	if (EVP_Digest(key, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		mdlen = 0;
	for (i = 0; i < mdlen && i < 24; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * i] = '\0';
}

/* Builds the im/v1/messages call for one message to its chat. */
static int
feishu_app_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	struct feishu_app_state	*st = ch->state;
	char			 tok[APITOKEN_MAX], uuid[FS_UUID_MAX + 1];
	char			*content = NULL, *body = NULL;
	json_t			*c = NULL, *obj = NULL;
	int			 rc = -1;

	if (st == NULL) {
		*why = "channel not set up";
		goto out;
	}
	if (m->chat_id == NULL || *m->chat_id == '\0') {
		*why = "no chat_id";
		goto out;
	}
	if ((c = json_pack("{s:s}", "text", m->text)) == NULL ||
	    (content = json_dumps(c, JSON_COMPACT)) == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if (apitoken_get(ch->token, (time_t)(m->now_ms / 1000), tok,
	    sizeof tok) != 0) {
		rc = CHANNEL_NEED_TOKEN;
		goto out;
	}
	feishu_app_uuid(m->idem_key != NULL ? m->idem_key : "", uuid);
	obj = json_pack("{s:s, s:s, s:s, s:s}", "receive_id", m->chat_id,
	    "msg_type", "text", "content", content, "uuid", uuid);
	if (obj == NULL || (body = json_dumps(obj, JSON_COMPACT)) == NULL) {
		*why = "cannot encode JSON";
		goto out;
	}
	call->url = xasprintf("%s/open-apis/im/v1/messages"
	    "?receive_id_type=chat_id", st->api_base);
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json; charset=utf-8";
	call->headers[0] = xasprintf("Authorization: Bearer %s", tok);
	body = NULL;
	rc = 0;
out:
	OPENSSL_cleanse(tok, sizeof tok);
	free(body);
	free(content);
	json_decref(obj);
	json_decref(c);
	return rc;
}

/* Builds the tenant_access_token/internal call. */
static int
feishu_app_token_prepare(const struct channel *ch, struct http_call *call,
    const char **why)
{
	const struct feishu_app_state	*st = ch->state;
	json_t				*obj;
	char				*body;

	if (st == NULL || st->app_id == NULL || st->app_secret == NULL) {
		*why = "no app_id or app_secret";
		return -1;
	}
	obj = json_pack("{s:s, s:s}", "app_id", st->app_id, "app_secret",
	    st->app_secret);
	body = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (body == NULL) {
		*why = "app_id or app_secret is not valid UTF-8";
		return -1;
	}
	call->url = xasprintf("%s/open-apis/auth/v3/tenant_access_token/"
	    "internal", st->api_base);
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json; charset=utf-8";
	return 0;
}

/* Writes "feishu code N: msg" into err, msg cut on a character boundary
 * (jansson checked its UTF-8). */
static void
feishu_app_err(char *err, size_t errsz, json_int_t code, const char *msg)
{
	char	 head[64];
	size_t	 hl, n;

	if (errsz == 0)
		return;
	if (msg == NULL)
		msg = "";
	(void)snprintf(head, sizeof head, "feishu code %" JSON_INTEGER_FORMAT
	    ": ", code);
	hl = strlen(head);
	n = hl >= errsz ? 0 : utf8_fit(msg, strlen(msg), errsz - 1 - hl);
	(void)snprintf(err, errsz, "%s%.*s", head, (int)n, msg);
}

/* Reads the platform's answer into a JSON object and its code; returns 1
 * when it has an integer "code", else 0 (*j may still be set). */
static int
feishu_app_answer(const char *body, size_t len, json_t **j, json_int_t *code)
{
	json_t	*v;

	*j = NULL;
	*code = 0;
	if (body == NULL || len == 0 ||
	    (*j = json_loadb(body, len, 0, NULL)) == NULL)
		return 0;
	if (!json_is_integer(v = json_object_get(*j, "code")))
		return 0;
	*code = json_integer_value(v);
	return 1;
}

/* Reads the token answer: {"code":0,"tenant_access_token","expire"}. */
static int
feishu_app_token_result(const struct channel *ch, long status,
    const char *body, size_t len, char *out, size_t size, int *expires_in,
    char *err, size_t errsz)
{
	json_t		*j = NULL;
	json_int_t	 code, exp;
	const char	*tok;
	int		 has, rc = -1;

	(void)ch;
	has = feishu_app_answer(body, len, &j, &code);
	if (status == 0) {
		(void)snprintf(err, errsz, "feishu: no answer");
		goto out;
	}
	if (!has) {
		(void)snprintf(err, errsz, "feishu: http %ld without code",
		    status);
		goto out;
	}
	if (code != 0 || status < 200 || status > 299) {
		feishu_app_err(err, errsz, code, json_string_value(
		    json_object_get(j, "msg")));
		goto out;
	}
	tok = json_string_value(json_object_get(j, "tenant_access_token"));
	exp = json_integer_value(json_object_get(j, "expire"));
	if (tok == NULL || *tok == '\0' || strlen(tok) >= size ||
	    strlen(tok) >= APITOKEN_MAX || exp <= 0) {
		(void)snprintf(err, errsz, "feishu: token answer without "
		    "tenant_access_token or expire");
		goto out;
	}
	memcpy(out, tok, strlen(tok) + 1);
	*expires_in = exp > FS_EXPIRE_MAX ? FS_EXPIRE_MAX : (int)exp;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* Classifies the answer to im/v1/messages. */
static enum send_status
feishu_app_send_result(const struct channel *ch, long status,
    const char *body, size_t len, int *retry_after, char *err, size_t errsz)
{
	struct feishu_app_state	*st = ch->state;
	enum send_status	 res = SEND_FAILED;
	json_t			*j = NULL;
	json_int_t		 code;
	const char		*msg;
	int			 has;

	*retry_after = 0;
	has = feishu_app_answer(body, len, &j, &code);
	msg = json_string_value(json_object_get(j, "msg"));
	if (status == 0) {
		(void)snprintf(err, errsz, "feishu: no answer");
		res = SEND_RETRY;
		goto out;
	}
	if (has && code == 0 && status >= 200 && status <= 299) {
		res = SEND_OK;
		goto out;
	}
	if (has)
		feishu_app_err(err, errsz, code, msg);
	else
		(void)snprintf(err, errsz, "feishu: http %ld", status);
	if (has && (code == 99991663 || code == 99991661 ||
	    code == 99991668)) {
		/* The tenant_access_token is invalid or expired. */
		if (st != NULL)
			apitoken_invalidate(ch->token);
		res = SEND_RETRY;
	} else if (status == 429 || status >= 500 ||
	    (has && (code == 230020 || code == 11232)))
		res = SEND_RETRY;	/* rate limits, Feishu's trouble */
	else if (!has && status >= 200 && status <= 299)
		res = SEND_RETRY;	/* a 2xx without a code: a proxy */
out:
	json_decref(j);
	return res;
}

const struct channel_backend channel_feishu_app_backend = {
	.type = "feishu",
	.help = "飞书应用机器人（事件回调或长连接）Feishu app bot (event "
	    "subscription 2.0 by webhook or long connection; the custom bot "
	    "is the feishu robot)",
	.keys = feishu_app_keys,
	.setup = feishu_app_setup,
	.cleanup = feishu_app_cleanup,
	.sends = feishu_app_sends,
	.streams = feishu_app_streams,
	.verify = feishu_app_verify,
	.parse = feishu_app_parse,
	.reply = feishu_app_reply,
	.send_prepare = feishu_app_send_prepare,
	.send_result = feishu_app_send_result,
	.token = channel_token,
	.token_prepare = feishu_app_token_prepare,
	.token_result = feishu_app_token_result,
	.reply_outbox = 1,
	.dedupe = 0,			/* event_id is unique alone */
	.max_text = FS_TEXT_MAX,
	/* 5 QPS per chat (shared by the bots in a group), 50/s overall. */
	.per_chat_second = 5,
	.global_second = 50,
};

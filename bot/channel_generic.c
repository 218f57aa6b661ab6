/*
 * The generic JSON webhook, for integrations and the demo.
 *
 * Request: POST /hook/NAME with {"chat_id", "chat_type": "group"|"private",
 * "sender_id", "sender_name", "text", "message_id"}; ids may be strings or
 * integers. When the channel has a secret (every channel must have one
 * unless the server listens on loopback only), two headers are required:
 * X-Fangfei-Timestamp: <Unix seconds>, within five minutes of the
 * server's clock, and X-Fangfei-Signature: sha256=<hex HMAC-SHA256(secret,
 * timestamp "." raw body)>. Response: {"replies": [{"text": …}, …]}.
 * Dedupe: message ids are the integrator's, so a message is known by
 * (chat_id, sender_id, message_id).
 *
 * Outbound: POST {"chat_id", "text", "idempotency_key"} to the channel's
 * outbound_url with the header Idempotency-Key (the same key on every
 * retry of a row) and, with a secret, X-Fangfei-Timestamp (the time of
 * this attempt) and X-Fangfei-Signature in the inbound scheme. Any 2xx
 * means delivered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "channel.h"
#include "messages/hmac.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define GENERIC_SIG_HEADER	"X-Fangfei-Signature"
#define GENERIC_TS_HEADER	"X-Fangfei-Timestamp"
#define GENERIC_IDEM_HEADER	"Idempotency-Key"
#define GENERIC_WINDOW		300	/* seconds either side of now */
#define GENERIC_SIG_LEN		(7 + 2 * 32)	/* "sha256=" + hex */

/*
 * Writes "sha256=<hex HMAC-SHA256(secret, ts "." body)>" into out (at
 * least GENERIC_SIG_LEN + 1 bytes).
 */
static void
generic_sign(const char *secret, const char *ts, const char *body,
    size_t len, char out[GENERIC_SIG_LEN + 1])
{
	unsigned char	 mac[HMAC_SHA256_LEN];
	unsigned int	 i;
	size_t		 tl = strlen(ts);
	char		*msg;

	/* One buffer: hmac_sha256() takes the message whole. */
	msg = xmalloc(tl + 1 + len + 1);
	memcpy(msg, ts, tl);
	msg[tl] = '.';
	memcpy(msg + tl + 1, body, len);
	hmac_sha256(secret, strlen(secret), msg, tl + 1 + len, mac);
	free(msg);
	memcpy(out, "sha256=", 7);
	for (i = 0; i < HMAC_SHA256_LEN; i++)
		(void)snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

/*
 * Parses a timestamp header: decimal Unix seconds, at most 12 digits, no
 * sign or space. Returns 0 with *t set, or -1.
 */
static int
generic_timestamp(const char *s, time_t *t)
{
	long long	 v = 0;
	size_t		 n;

	if ((n = strlen(s)) == 0 || n > 12 || strspn(s, "0123456789") != n)
		return -1;
	for (; *s != '\0'; s++)
		v = v * 10 + (*s - '0');
	*t = (time_t)v;
	return 0;
}

/* The instance's settings, made by generic_setup(); they point into the
 * channel's settings, which live as long as it. */
struct generic_state {
	const char	*secret;	/* HMAC key, or NULL (loopback only) */
	const char	*outbound_url;	/* where replies are POSTed, or NULL */
};

static const struct channel_key generic_keys[] = {
	{ "secret", CHANNEL_KEY_SECRET | CHANNEL_KEY_PUBLIC,
	    "签名密钥 HMAC-SHA256 key of X-Fangfei-Signature" },
	{ "allow_unsigned", 0,
	    "on：没有签名密钥也接受请求（仅演示与测试，且只监听本机时）/ on: "
	    "accept requests without the signing key (demos and tests, "
	    "loopback-only servers)" },
	{ "outbound_url", 0,
	    "发送地址 where outbound messages are POSTed (JSON)" },
	{ NULL, 0, NULL }
};

/* Reads the settings into the instance's state. */
static int
generic_setup(struct channel *ch, char **cause)
{
	struct generic_state	*st = xcalloc(1, sizeof *st);

	(void)cause;
	st->secret = channel_get(ch, "secret");
	st->outbound_url = channel_get(ch, "outbound_url");
	ch->state = st;
	return 0;
}

/* Frees the state. */
static void
generic_cleanup(struct channel *ch)
{
	free(ch->state);
}

/* Whether replies can be sent: an outbound_url is set. */
static int
generic_sends(const struct channel *ch)
{
	const struct generic_state	*st = ch->state;

	return st != NULL && st->outbound_url != NULL;
}

/*
 * Checks the timestamp and HMAC headers when the channel has a secret:
 * the signature covers the timestamp, and a timestamp more than
 * GENERIC_WINDOW seconds from req->now is refused, so that a captured
 * request cannot be replayed later. (config_check lets a channel go
 * without a secret only when the server listens on loopback.)
 */
static int
generic_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct generic_state	*st = ch->state;
	char				 want[GENERIC_SIG_LEN + 1];
	const char			*sig, *ts;
	time_t				 t;

	if (st == NULL) {
		*why = "channel not set up";	/* fail closed */
		return 401;
	}
	if (st->secret == NULL)
		return 0;
	if ((ts = req->header(req, GENERIC_TS_HEADER)) == NULL) {
		*why = "missing " GENERIC_TS_HEADER;
		return 401;
	}
	if (generic_timestamp(ts, &t) == -1) {
		*why = "malformed " GENERIC_TS_HEADER " (Unix seconds)";
		return 401;
	}
	if (t < req->now - GENERIC_WINDOW || t > req->now + GENERIC_WINDOW) {
		*why = GENERIC_TS_HEADER " outside five minutes of now";
		return 401;
	}
	if ((sig = req->header(req, GENERIC_SIG_HEADER)) == NULL) {
		*why = "missing signature";
		return 401;
	}
	generic_sign(st->secret, ts, req->body, req->body_len, want);
	if (strlen(sig) != GENERIC_SIG_LEN ||
	    CRYPTO_memcmp(sig, want, GENERIC_SIG_LEN) != 0) {
		*why = "bad signature";
		return 401;
	}
	return 0;
}

/* Reads the documented fields. */
static int
generic_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	json_t		*j = NULL, *v;
	const char	*type;
	int		 rc = 400;

	if ((rc = channel_json_body(req, &j, why)) != 0)
		return rc;
	rc = 400;
	if (inbound_set(in->channel, sizeof in->channel, ch->name) == -1) {
		*why = "channel name too long";
		goto out;
	}
	if (channel_json_id(j, "chat_id", in->chat_id, sizeof in->chat_id) ||
	    channel_json_id(j, "sender_id", in->sender_id,
	    sizeof in->sender_id) ||
	    channel_json_id(j, "message_id", in->message_id,
	    sizeof in->message_id) ||
	    *in->chat_id == '\0' || *in->sender_id == '\0' ||
	    *in->message_id == '\0') {
		*why = "chat_id, sender_id and message_id are required "
		    "(strings or integers, at most 63 bytes)";
		goto out;
	}
	if ((v = json_object_get(j, "sender_name")) != NULL &&
	    (!json_is_string(v) || inbound_set(in->sender_name,
	    sizeof in->sender_name, json_string_value(v)) == -1)) {
		*why = "sender_name must be a string of at most 255 bytes";
		goto out;
	}
	type = json_string_value(json_object_get(j, "chat_type"));
	if (type == NULL || strcmp(type, "private") == 0)
		in->chat_kind = CHAT_PRIVATE;
	else if (strcmp(type, "group") == 0)
		in->chat_kind = CHAT_GROUP;
	else {
		*why = "chat_type must be \"group\" or \"private\"";
		goto out;
	}
	v = json_object_get(j, "text");
	if (!json_is_string(v)) {
		*why = "text is required and must be a string";
		goto out;
	}
	if (json_string_length(v) > INBOUND_TEXT_MAX) {
		*why = "text too long";
		rc = 413;
		goto out;
	}
	if (!utf8_valid_text(json_string_value(v), json_string_length(v))) {
		*why = "text holds control characters";
		goto out;
	}
	in->text = xstrdup(json_string_value(v));
	(void)inbound_set(in->reply_to, sizeof in->reply_to, in->message_id);
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* Answers {"replies": [{"text": …}, …]}. */
static void
generic_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	(void)ch;
	(void)in;
	channel_json_replies(r, resp);
}

/* Returns 1 if s is fit for a header value: printable ASCII, no space. */
static int
generic_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

/* Builds the POST to outbound_url for one message. */
static int
generic_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	const struct generic_state	*st = ch->state;
	json_t				*obj = NULL;
	char				*body = NULL;
	char				 sig[GENERIC_SIG_LEN + 1], ts[24];
	int				 rc = -1;

	if (st == NULL || st->outbound_url == NULL) {
		*why = "no outbound_url";
		goto out;
	}
	if (m->chat_id == NULL || *m->chat_id == '\0') {
		*why = "no chat_id";
		goto out;
	}
	/* The key goes into a header: no CR/LF may smuggle in another. */
	if (m->idem_key == NULL || !generic_token(m->idem_key)) {
		*why = "idempotency key missing or not printable ASCII";
		goto out;
	}
	obj = json_pack("{s:s, s:s, s:s}", "chat_id", m->chat_id, "text",
	    m->text, "idempotency_key", m->idem_key);
	if (obj == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if ((body = json_dumps(obj, JSON_COMPACT)) == NULL) {
		*why = "cannot encode JSON";
		goto out;
	}
	(void)snprintf(ts, sizeof ts, "%lld", (long long)(m->now_ms / 1000));
	if (st->secret != NULL)
		generic_sign(st->secret, ts, body, strlen(body), sig);
	call->url = xstrdup(st->outbound_url);
	call->len = strlen(body);
	call->body = body;
	call->content_type = "application/json";
	call->headers[0] = xasprintf("%s: %s", GENERIC_IDEM_HEADER,
	    m->idem_key);
	if (st->secret != NULL) {
		call->headers[1] = xasprintf("%s: %s", GENERIC_TS_HEADER, ts);
		call->headers[2] = xasprintf("%s: %s", GENERIC_SIG_HEADER,
		    sig);
	}
	body = NULL;
	rc = 0;
out:
	free(body);
	json_decref(obj);
	return rc;
}

/* Classifies the receiver's answer by HTTP status alone. */
static enum send_status
generic_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	(void)ch;
	(void)body;
	(void)len;
	*retry_after = 0;
	if (status >= 200 && status <= 299)
		return SEND_OK;
	if (status == 0)
		(void)snprintf(err, errsz, "no answer");
	else
		(void)snprintf(err, errsz, "http %ld", status);
	if (status == 0 || status == 429 || status >= 500)
		return SEND_RETRY;
	return SEND_FAILED;
}

const struct channel_backend channel_generic_backend = {
	.type = "generic",
	.help = "通用 JSON 接口 a JSON webhook for integrations",
	.keys = generic_keys,
	.setup = generic_setup,
	.cleanup = generic_cleanup,
	.sends = generic_sends,
	.verify = generic_verify,
	.parse = generic_parse,
	.reply = generic_reply,
	.send_prepare = generic_send_prepare,
	.send_result = generic_send_result,
	.dedupe = CHANNEL_DEDUPE_CHAT | CHANNEL_DEDUPE_SENDER,
	.max_text = 4096,
};

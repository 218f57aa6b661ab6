/*
 * Fuzzes the WeCom AI bot (bot/channel_wecom_bot.c, bot/wecombot.c). The
 * first byte picks how the rest is used:
 *
 *   0  an inbound frame of the long connection: wecombot_classify();
 *   1  the same frame handed to parse() as stream.c does (trusted,
 *      websocket mode), then wecombot_reply_frame() on the meta it made;
 *   2  a decrypted callback message: sealed with receiveid "", signed,
 *      POSTed to a callback instance (verify, parse, reply), then
 *      send_prepare on the meta it made;
 *   3  a raw callback body, signed over whatever "encrypt" it holds
 *      (arbitrary ciphertexts reach the decryption checks), and the same
 *      as an echostr through GET;
 *   4  a reply meta for wecombot_reply_frame(), and an errcode for
 *      wecombot_answer().
 */
#include <stdint.h>
#include <stdio.h>
#include <strings.h>

#include <jansson.h>

#include "bot/wecombot.h"
#include "bot/wxcrypt.h"
#include "fuzz_channel.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define FZ_NOW		1763750000
#define FZ_TS		"1763750000"
#define FZ_NONCE	"1372623149"
#define FZ_TOKEN	"QDG6eK"
#define FZ_KEY		"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define FZ_TEXT		"**已登记** 谢谢 \xf0\x9f\x98\x80"

/* Query arguments of the fake request. */
struct fz_args {
	const char	*sig, *echostr;
};

/* The fake request's query lookup. */
static const char *
fz_arg(const struct http_request *req, const char *name)
{
	const struct fz_args	*a = req->impl;

	if (strcmp(name, "msg_signature") == 0)
		return a->sig;
	if (strcmp(name, "timestamp") == 0)
		return FZ_TS;
	if (strcmp(name, "nonce") == 0)
		return FZ_NONCE;
	if (strcmp(name, "echostr") == 0)
		return a->echostr;
	return NULL;
}

/* No header matters. */
static const char *
fz_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* Fills req for a POST of body. */
static void
fz_request(struct http_request *req, const char *body, size_t len,
    struct fz_args *a, int trusted)
{
	memset(req, 0, sizeof *req);
	req->method = "POST";
	req->path = "/hook/wb";
	req->body = body;
	req->body_len = len;
	req->now = FZ_NOW;
	req->header = fz_header;
	req->arg = fz_arg;
	req->impl = a;
	req->trusted = trusted;
}

/* Checks a frame wecombot_reply_frame() made: JSON, one of our two
 * commands, content within the cap and valid UTF-8. */
static void
fz_check_frame(const char *s, const char *rid)
{
	json_t		*j = json_loads(s, 0, NULL), *b, *c;
	const char	*cmd, *content;

	FUZZ_ASSERT(j != NULL && rid != NULL && *rid != '\0');
	cmd = json_string_value(json_object_get(j, "cmd"));
	FUZZ_ASSERT(cmd != NULL);
	FUZZ_ASSERT(strcmp(rid, json_string_value(json_object_get(
	    json_object_get(j, "headers"), "req_id"))) == 0);
	b = json_object_get(j, "body");
	if (strcmp(cmd, "aibot_respond_msg") == 0)
		c = json_object_get(json_object_get(b, "stream"), "content");
	else {
		FUZZ_ASSERT(strcmp(cmd, "aibot_send_msg") == 0);
		FUZZ_ASSERT(json_string_length(json_object_get(b,
		    "chatid")) > 0);
		c = json_object_get(json_object_get(b, "markdown"), "content");
	}
	content = json_string_value(c);
	FUZZ_ASSERT(content != NULL);
	FUZZ_ASSERT(json_string_length(c) <= WECOMBOT_CONTENT_MAX);
	FUZZ_ASSERT(utf8_valid(content, json_string_length(c)));
	json_decref(j);
}

/* Answers the message of meta (with "conn" added as stream.c does) both
 * ways, and with meta as it is. */
static void
fz_reply(const char *meta, const char *text, int64_t now_ms, int force)
{
	json_t		*m;
	const char	*why = NULL;
	char		*with = NULL, *s, *rid;

	if ((m = json_loads(meta, 0, NULL)) != NULL && json_is_object(m)) {
		json_object_set_new(m, "conn", json_integer(3));
		with = json_dumps(m, JSON_COMPACT);
	}
	json_decref(m);
	rid = NULL;
	s = wecombot_reply_frame(with != NULL ? with : meta, text, "ff-1-2",
	    3, now_ms, force, "aibot_send_msg_1_0a0b0c0d", &rid, &why);
	if (s != NULL)
		fz_check_frame(s, rid);
	else
		FUZZ_ASSERT(rid == NULL && why != NULL);
	free(s);
	free(rid);
	rid = NULL;
	s = wecombot_reply_frame(meta, text, NULL, 4, now_ms, force, NULL,
	    &rid, &why);
	if (s != NULL)
		fz_check_frame(s, rid);
	free(s);
	free(rid);
	free(with);
}

/* Checks what parse() made of an accepted message. */
static void
fz_check_inbound(const struct inbound *in)
{
	FUZZ_ASSERT(in->text == NULL ||
	    utf8_valid_text(in->text, strlen(in->text)));
	if (in->ignore)
		return;
	FUZZ_ASSERT(in->text != NULL && in->text[0] != '\0');
	FUZZ_ASSERT(in->message_id[0] != '\0' && in->chat_id[0] != '\0' &&
	    in->sender_id[0] != '\0' && in->reply_meta != NULL);
}

/* Mode 0: classify a frame. */
static void
fz_classify(const char *s, size_t n)
{
	struct wecombot_frame	 f;
	const char		*why = NULL;

	if (wecombot_classify(s, n, &f, &why) != 0) {
		FUZZ_ASSERT(why != NULL && f.kind == WECOMBOT_OTHER);
		FUZZ_ASSERT(f.req_id[0] == '\0' && f.msgid[0] == '\0');
		return;
	}
	FUZZ_ASSERT(memchr(f.req_id, '\0', sizeof f.req_id) != NULL);
	FUZZ_ASSERT(memchr(f.msgid, '\0', sizeof f.msgid) != NULL);
	FUZZ_ASSERT(utf8_valid_text(f.errmsg, strlen(f.errmsg)));
	if (f.kind == WECOMBOT_MESSAGE)
		FUZZ_ASSERT(f.req_id[0] != '\0' && f.msgid[0] != '\0');
	if (f.kind == WECOMBOT_EVENT)
		FUZZ_ASSERT(f.req_id[0] != '\0');
}

/* Mode 1: a frame through parse() on the websocket instance. */
static void
fz_frame(const struct channel *ch, const char *s, size_t n)
{
	struct http_request	 req;
	struct inbound		 in;
	struct fz_args		 a = { NULL, NULL };
	const char		*why = NULL;
	int			 rc;

	fz_request(&req, s, n, &a, 1);
	memset(&in, 0, sizeof in);
	rc = ch->backend->parse(ch, &req, &in, &why);
	if (rc == 0) {
		fz_check_inbound(&in);
		if (in.reply_meta != NULL) {
			fz_reply(in.reply_meta, in.text, (int64_t)FZ_NOW *
			    1000, 0);
			fz_reply(in.reply_meta, FZ_TEXT, (int64_t)FZ_NOW *
			    1000 + WECOMBOT_STREAM_TTL_MS, 0);
		}
	} else
		FUZZ_ASSERT(why != NULL && rc >= 400);
	inbound_clear(&in);
	/* Not from the connection: never taken. */
	fz_request(&req, s, n, &a, 0);
	memset(&in, 0, sizeof in);
	FUZZ_ASSERT(ch->backend->parse(ch, &req, &in, &why) == 400);
	inbound_clear(&in);
}

/* A POST of body to the callback instance: verify, parse, reply, and
 * send_prepare on the meta. */
static void
fz_post(const struct channel *ch, const char *body, size_t len,
    struct fz_args *a)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct http_call	 call;
	struct outbound		 m;
	struct inbound		 in;
	struct reply		 r;
	const char		*why = NULL;
	int			 rc;

	fz_request(&req, body, len, a, 0);
	if ((rc = ch->backend->verify(ch, &req, &why)) != 0) {
		FUZZ_ASSERT(why != NULL && rc >= 400);
		return;
	}
	memset(&in, 0, sizeof in);
	rc = ch->backend->parse(ch, &req, &in, &why);
	if (rc != 0) {
		FUZZ_ASSERT(why != NULL && rc >= 400);
		inbound_clear(&in);
		return;
	}
	fz_check_inbound(&in);
	memset(&r, 0, sizeof r);
	reply_add(&r, FZ_TEXT);
	memset(&resp, 0, sizeof resp);
	ch->backend->reply(ch, &in, &r, &resp);
	FUZZ_ASSERT(resp.status == 200 && resp.body == NULL);
	reply_clear(&r);
	if (in.reply_meta != NULL) {
		memset(&m, 0, sizeof m);
		memset(&call, 0, sizeof call);
		m.id = 1;
		m.idem_key = "ff-1-2";
		m.chat_id = in.chat_id;
		m.text = in.text;
		m.meta = in.reply_meta;
		m.now_ms = (int64_t)FZ_NOW * 1000;
		why = NULL;
		if (ch->backend->send_prepare(ch, &m, &call, &why) == 0) {
			FUZZ_ASSERT(call.url != NULL && strncasecmp(call.url,
			    "https://qyapi.weixin.qq.com/", 28) == 0);
			FUZZ_ASSERT(call.body != NULL &&
			    strlen(call.body) == call.len);
		} else
			FUZZ_ASSERT(why != NULL);
		http_call_clear(&call);
	}
	inbound_clear(&in);
}

/* The GET URL check with echostr. */
static void
fz_get(const struct channel *ch, struct fz_args *a)
{
	struct http_request	 req;
	struct http_response	 resp;
	const char		*why = NULL;

	fz_request(&req, "", 0, a, 0);
	req.method = "GET";
	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	ch->backend->get(ch, &req, &resp, &why);
	if (resp.status == 200)
		FUZZ_ASSERT(resp.body != NULL && strlen(resp.body) ==
		    resp.len);
	else
		FUZZ_ASSERT(resp.body == NULL && why != NULL);
	free(resp.body);
}

/* Mode 2: a decrypted message, sealed and signed. */
static void
fz_sealed(const struct channel *ch, const struct wxcrypt_key *key,
    const char *s, size_t n)
{
	static const unsigned char rnd[16] = "0123456789abcdef";
	struct fz_args		 a = { NULL, NULL };
	char			*enc = NULL, *body;
	char			 sig[WXCRYPT_SIG_LEN + 1];

	if (wxcrypt_encrypt(key, rnd, s, n, "", &enc) != WXCRYPT_OK)
		return;
	FUZZ_ASSERT(wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE, enc, sig) ==
	    WXCRYPT_OK);
	a.sig = sig;
	body = xasprintf("{\"encrypt\":\"%s\"}", enc);
	fz_post(ch, body, strlen(body), &a);
	free(body);
	free(enc);
}

/* Mode 3: a raw body, signed over its encrypt, and the GET check. */
static void
fz_raw(const struct channel *ch, const char *s, size_t n)
{
	struct fz_args		 a = {
		"477715d11cdb4164915debcba66cb864d751f3e6", NULL
	};
	json_t			*j;
	const char		*e;
	char			 sig[WXCRYPT_SIG_LEN + 1];

	j = json_loadb(s, n, 0, NULL);
	e = json_string_value(json_object_get(j, "encrypt"));
	if (e != NULL && wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE, e,
	    sig) == WXCRYPT_OK)
		a.sig = sig;
	fz_post(ch, s, n, &a);
	json_decref(j);
	a.echostr = s;
	if (wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE, s, sig) ==
	    WXCRYPT_OK)
		a.sig = sig;
	fz_get(ch, &a);
}

/* Mode 4: a meta of the fuzzer's, an errcode of its bytes. */
static void
fz_meta(const char *s, size_t n, const uint8_t *data, size_t size)
{
	char		 err[256];
	long		 code = 0;
	size_t		 i;
	int		 resend = -1, ra = -1;
	enum send_status st;

	fz_reply(s, FZ_TEXT, (int64_t)FZ_NOW * 1000, size & 1);
	for (i = 0; i < size && i < 4; i++)
		code = code << 8 | data[i];
	if (size & 2)
		code = -code;
	st = wecombot_answer(code, n > 0 ? s : NULL, &resend, &ra, err,
	    1 + (n > 0 ? data[0] : 0) % sizeof err);
	FUZZ_ASSERT(st == SEND_OK || st == SEND_RETRY || st == SEND_FAILED);
	FUZZ_ASSERT(ra >= 0 && (resend == 0 || resend == 1));
	FUZZ_ASSERT(memchr(err, '\0', sizeof err) != NULL);
	if (utf8_valid(s, n))
		FUZZ_ASSERT(utf8_valid(err, strlen(err)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 ws, cb;
	static struct wxcrypt_key key;
	char			*s;
	size_t			 n;

	if (ws.backend == NULL) {
		fuzz_channel(&ws, "wb", channel_backend_lookup("wecom_bot"),
		    "bot_id", "aibVGv7Ixxxxxxxx", "secret", "s3cret", NULL);
		fuzz_channel(&cb, "wc", channel_backend_lookup("wecom_bot"),
		    "mode", "callback", "token", FZ_TOKEN, "encoding_aes_key",
		    FZ_KEY, NULL);
		FUZZ_ASSERT(wxcrypt_key_parse(FZ_KEY, &key) == WXCRYPT_OK);
	}
	if (size == 0)
		return 0;
	s = fuzz_strdup(data + 1, size - 1);
	n = size - 1;
	switch (data[0] % 5) {
	case 0:
		fz_classify(s, n);
		break;
	case 1:
		fz_frame(&ws, s, n);
		break;
	case 2:
		fz_sealed(&cb, &key, s, n);
		break;
	case 3:
		fz_raw(&cb, s, n);
		break;
	case 4:
		fz_meta(s, n, data + 1, n);
		break;
	}
	free(s);
	return 0;
}

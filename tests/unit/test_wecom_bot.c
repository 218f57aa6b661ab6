/*
 * Unit tests of the WeCom AI bot (bot/channel_wecom_bot.c, bot/wecombot.c):
 * the mode-dependent keys, aibot_msg_callback frames through parse() as
 * the long connection hands them (single and group chats, what is
 * ignored, what is refused), the callback mode's verify, parse and GET
 * against a vector made with openssl enc outside the project (receiveid
 * ""), the response_url send, and the pure frame functions: classify,
 * subscribe, ping, the reply frame (respond or send) and what an
 * answer's errcode means.
 */
#include "testutil.h"

#include <jansson.h>

#include "bot/channel.h"
#include "bot/wecombot.h"
#include "bot/wxcrypt.h"
#include "messages/message.h"
#include "messages/xmalloc.h"
#include "testchan.h"

#define BOT_ID		"aibVGv7I0123456789"
#define BOT_SECRET	"botSECRET-s3cr3t-0123456789"
#define CB_TOKEN	"QDG6eK"
#define CB_KEY		"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define CB_TS		"1763750000"
#define CB_NONCE	"1372623149"
#define NOW		1763750000
#define NOW_MS		((int64_t)NOW * 1000)
#define ERRSZ		256

/*
 * A callback of document 100719's text example (our ids), encrypted
 * outside the project: random "0123456789abcdef", receiveid "", AES-256-
 * CBC by `openssl enc -nopad` after 32-byte PKCS#7, and msg_signature the
 * SHA-1 of the sorted token, timestamp, nonce and encrypt (Python).
 */
#define VEC_MSG \
	"{\"msgid\":\"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=\",\"aibotid\":" \
	"\"AIBOTID\",\"chatid\":\"wrkSFfCgAAxxxx\",\"chattype\":\"group\"," \
	"\"from\":{\"userid\":\"zhangsan\"},\"response_url\":\"https://" \
	"qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=" \
	"RESPONSE_CODE\",\"msgtype\":\"text\",\"text\":{\"content\":" \
	"\"@RobotA /check \xe9\x98\xb2\xe9\x9d\x9e\"}}"
#define VEC_ENCRYPT \
	"sKqRbbiSUnDhFHOvPjtUMUVaUzpuvGmzXPPXEbKu9UjF+6HJIq2WqrMvh1IkJ8GKIOx" \
	"ZYzePW0W84MLR3X3XjLphCsPUUDFiggC3TefTZQB2QCm7O9Ue5bvXNF/tR/alpwG2xj" \
	"VO3i1YtISFrQdHLtwZ5Z5pEIDS6bYMfXxbsKa3E6e3jkNN2+IPfEzvJr5jLriUUVKru" \
	"MSMJElqC3mVb3CMhwWnjXw9ZMyz/p1cctycf8c0ue7NCa7BnyzlZF42pQNjfyH3lFVZ" \
	"bDmUSDGXeAd2L2WQ9lmx8VBvK89fcR2cjCDvL9g3M63C3VnHeSsd9vfMxy5/0uMD666" \
	"+KFBod46aD18WA4ETeiCGHwzAeKummkJCHi+ryxxR8gDzctbMes6Yp/SRNPA20vS3f8" \
	"QEMoS3yVFtReRyuw/7uARBpQY="
#define VEC_SIG		"95441ebe236a3f6fcb7ad9b5064957f3f443c548"
/* The URL check: echostr "8305999631672647420", the same way. */
#define VEC_ECHOSTR \
	"sKqRbbiSUnDhFHOvPjtUMbwbzQaLqii5YI9Wro8qoRU6rVM1snVNLCgrFUeC7KDZGCc/" \
	"L0g2bfv9rDh0MkZwKA=="
#define VEC_ECHO_SIG	"9e5521bd62b838f9aa7d2d7016ebfc83ab0e2834"
#define VEC_ECHO_PLAIN	"8305999631672647420"
/* Two AES blocks of zeros: strict base64, no valid padding inside. */
#define GARBAGE		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/* Query arguments of a fake request. */
struct fake {
	const char	*names[6];
	const char	*values[6];
};

/* The fake request's query lookup. */
static const char *
fake_arg(const struct http_request *req, const char *name)
{
	const struct fake	*f = req->impl;
	size_t			 i;

	for (i = 0; i < 6 && f->names[i] != NULL; i++)
		if (strcmp(f->names[i], name) == 0)
			return f->values[i];
	return NULL;
}

/* No header matters. */
static const char *
fake_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* A websocket instance. */
static void
make_ws(struct channel *ch)
{
	testchan_make(ch, "wb", "wecom_bot", "bot_id", BOT_ID, "secret",
	    BOT_SECRET, NULL);
}

/* A callback instance. */
static void
make_cb(struct channel *ch)
{
	testchan_make(ch, "wb", "wecom_bot", "mode", "callback", "token",
	    CB_TOKEN, "encoding_aes_key", CB_KEY, NULL);
}

/* Fills req for body with the three query values (sig NULL: none). */
static void
request(struct http_request *req, struct fake *f, const char *method,
    const char *body, const char *sig, const char *ts, int trusted)
{
	memset(req, 0, sizeof *req);
	memset(f, 0, sizeof *f);
	f->names[0] = "msg_signature";
	f->values[0] = sig;
	f->names[1] = "timestamp";
	f->values[1] = ts;
	f->names[2] = "nonce";
	f->values[2] = CB_NONCE;
	req->method = method;
	req->path = "/hook/wb";
	req->body = body;
	req->body_len = strlen(body);
	req->now = NOW;
	req->header = fake_header;
	req->arg = fake_arg;
	req->impl = f;
	req->trusted = trusted;
}

/* Hands a frame to parse() as bot/stream.c does; returns its status. */
static int
frame(const struct channel *ch, const char *body, struct inbound *in,
    const char **why)
{
	struct http_request	 req;
	struct fake		 f;
	int			 rc;

	request(&req, &f, "POST", body, NULL, NULL, 1);
	memset(in, 0, sizeof *in);
	*why = NULL;
	rc = ch->backend->parse(ch, &req, in, why);
	if (rc != 0)
		assert_non_null(*why);
	return rc;
}

/* POSTs body through verify then parse; the first non-zero status. */
static int
post(const struct channel *ch, const char *body, const char *sig,
    const char *ts, struct inbound *in, const char **why)
{
	struct http_request	 req;
	struct fake		 f;
	int			 rc;

	request(&req, &f, "POST", body, sig, ts, 0);
	memset(in, 0, sizeof *in);
	*why = NULL;
	if ((rc = ch->backend->verify(ch, &req, why)) != 0) {
		assert_non_null(*why);
		return rc;
	}
	rc = ch->backend->parse(ch, &req, in, why);
	if (rc != 0)
		assert_non_null(*why);
	return rc;
}

/* Encrypts msg for receiveid, signs it and POSTs {"encrypt":…}. */
static int
post_sealed(const struct channel *ch, const char *msg, const char *receiveid,
    struct inbound *in, const char **why)
{
	struct wxcrypt_key	 k;
	char			*enc = NULL, *body, sig[WXCRYPT_SIG_LEN + 1];
	int			 rc;

	assert_int_equal(wxcrypt_key_parse(CB_KEY, &k), WXCRYPT_OK);
	assert_int_equal(wxcrypt_encrypt(&k, NULL, msg, strlen(msg),
	    receiveid, &enc), WXCRYPT_OK);
	assert_int_equal(wxcrypt_signature(CB_TOKEN, CB_TS, CB_NONCE, enc,
	    sig), WXCRYPT_OK);
	body = xasprintf("{\"encrypt\":\"%s\"}", enc);
	rc = post(ch, body, sig, CB_TS, in, why);
	free(body);
	free(enc);
	return rc;
}

/* A message frame with req_id and the body's members (a new string). */
static char *
msg_frame(const char *req_id, const char *members)
{
	return xasprintf("{\"cmd\":\"aibot_msg_callback\",\"headers\":"
	    "{\"req_id\":\"%s\"},\"body\":{%s}}", req_id, members);
}

/* Sets keys (NULL-ended pairs) on a fresh channel and returns
 * channel_setup's cause (caller frees), or NULL when it succeeded. */
static char *
setup_cause(const char *k, ...)
{
	struct channel	 ch;
	char		*cause = NULL, *warning = NULL;
	const char	*v;
	va_list		 ap;

	memset(&ch, 0, sizeof ch);
	ch.name = (char *)(uintptr_t)"wb";
	ch.backend = channel_backend_lookup("wecom_bot");
	assert_non_null(ch.backend);
	va_start(ap, k);
	for (; k != NULL; k = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		assert_int_equal(channel_set(&ch, k, v, &cause), 0);
	}
	va_end(ap);
	if (channel_setup(&ch, 1, &warning, &cause) == 0)
		cause = NULL;
	free(warning);
	channel_clear(&ch);
	return cause;
}

/* Asserts that the setup with these keys fails naming channel and key. */
#define REFUSED(key, ...) do {						\
	char	*c_ = setup_cause(__VA_ARGS__, NULL);			\
	assert_non_null(c_);						\
	assert_non_null(strstr(c_, "channel wb"));			\
	assert_non_null(strstr(c_, key));				\
	free(c_);							\
} while (0)

static void
test_setup_refusals(void **state)
{
	char	*c;

	(void)state;
	REFUSED("mode", "mode", "webhook", "bot_id", BOT_ID, "secret",
	    BOT_SECRET);
	REFUSED("bot_id", "secret", BOT_SECRET);
	REFUSED("bot_id", "mode", "websocket", "bot_id", "", "secret",
	    BOT_SECRET);
	REFUSED("bot_id", "bot_id", "aib with space", "secret", BOT_SECRET);
	REFUSED("secret", "bot_id", BOT_ID);
	REFUSED("secret", "bot_id", BOT_ID, "secret", "");
	/* Callback keys do not stand in for the websocket ones. */
	REFUSED("bot_id", "token", CB_TOKEN, "encoding_aes_key", CB_KEY);
	REFUSED("ws_url", "bot_id", BOT_ID, "secret", BOT_SECRET, "ws_url",
	    "https://openws.work.weixin.qq.com");
	REFUSED("ws_url", "bot_id", BOT_ID, "secret", BOT_SECRET, "ws_url",
	    "ws://openws.work.weixin.qq.com");
	REFUSED("ws_url", "bot_id", BOT_ID, "secret", BOT_SECRET, "ws_url",
	    "wss://");
	REFUSED("ws_url", "bot_id", BOT_ID, "secret", BOT_SECRET, "ws_url",
	    "ws://localhost.evil.example/");
	REFUSED("token", "mode", "callback", "encoding_aes_key", CB_KEY);
	REFUSED("token", "mode", "callback", "token", "", "encoding_aes_key",
	    CB_KEY);
	REFUSED("encoding_aes_key", "mode", "callback", "token", CB_TOKEN);
	REFUSED("encoding_aes_key", "mode", "callback", "token", CB_TOKEN,
	    "encoding_aes_key", "tooshort");
	/* And websocket keys not for the callback ones. */
	REFUSED("token", "mode", "callback", "bot_id", BOT_ID, "secret",
	    BOT_SECRET);
	REFUSED("response_host", "mode", "callback", "token", CB_TOKEN,
	    "encoding_aes_key", CB_KEY, "response_host", "evil.example/x");
	/* Test servers on loopback. */
	assert_null(setup_cause("bot_id", BOT_ID, "secret", BOT_SECRET,
	    "ws_url", "ws://127.0.0.1:9000/ws", NULL));
	assert_null(setup_cause("mode", "callback", "token", CB_TOKEN,
	    "encoding_aes_key", CB_KEY, "response_host", "127.0.0.1:8123",
	    NULL));
	c = setup_cause("mode", "callback", "token", CB_TOKEN,
	    "encoding_aes_key", CB_KEY, NULL);
	assert_null(c);
}

static void
test_modes_and_accessors(void **state)
{
	struct channel	 ws, cb, other;

	(void)state;
	make_ws(&ws);
	make_cb(&cb);
	testchan_make(&other, "wc", "wecom", "corp_id", "ww0123", "corp_secret",
	    "s", "agent_id", "1000002", "token", CB_TOKEN, "encoding_aes_key",
	    CB_KEY, NULL);
	assert_int_equal(ws.backend->streams(&ws), 1);
	assert_int_equal(ws.backend->over_socket(&ws), 1);
	assert_int_equal(ws.backend->sends(&ws), 1);
	assert_int_equal(cb.backend->streams(&cb), 0);
	assert_int_equal(cb.backend->over_socket(&cb), 0);
	assert_int_equal(cb.backend->sends(&cb), 1);
	assert_int_equal(ws.backend->reply_outbox, 1);
	assert_int_equal(ws.backend->max_text, WECOMBOT_CONTENT_MAX);
	assert_string_equal(wecombot_bot_id(&ws), BOT_ID);
	assert_string_equal(wecombot_secret(&ws), BOT_SECRET);
	assert_string_equal(wecombot_ws_url(&ws), WECOMBOT_WS_URL);
	assert_null(wecombot_bot_id(&cb));
	assert_null(wecombot_secret(&cb));
	assert_null(wecombot_bot_id(&other));
	assert_null(wecombot_ws_url(&other));
	assert_null(wecombot_bot_id(NULL));
	testchan_set(&ws, "ws_url", "wss://openws.example.cn/priv");
	assert_string_equal(wecombot_ws_url(&ws),
	    "wss://openws.example.cn/priv");
	testchan_free(&ws);
	testchan_free(&cb);
	testchan_free(&other);
}

/* Reads member key of the JSON object text (a new string, or NULL). */
static char *
meta_get(const char *text, const char *key)
{
	json_t	*j = json_loads(text, 0, NULL), *v;
	char	*s = NULL;

	assert_non_null(j);
	v = json_object_get(j, key);
	if (json_is_string(v))
		s = xstrdup(json_string_value(v));
	else if (json_is_integer(v))
		s = xasprintf("%lld", (long long)json_integer_value(v));
	json_decref(j);
	return s;
}

/* Asserts that member key of meta is want (NULL: absent). */
static void
meta_is(const char *meta, const char *key, const char *want)
{
	char	*v = meta_get(meta, key);

	if (want == NULL)
		assert_null(v);
	else {
		assert_non_null(v);
		assert_string_equal(v, want);
	}
	free(v);
}

static void
test_ws_single(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	const char	*why;
	char		*f;

	(void)state;
	make_ws(&ch);
	f = msg_frame("4b3c2a1f-0001", "\"msgid\":\"CAIQ1abc\",\"aibotid\":"
	    "\"" BOT_ID "\",\"chattype\":\"single\",\"from\":{\"userid\":"
	    "\"zhangsan\"},\"create_time\":1712345678,\"msgtype\":\"text\","
	    "\"text\":{\"content\":\"  /check 淄博防非科技有限公司 \"}");
	assert_int_equal(frame(&ch, f, &in, &why), 0);
	assert_int_equal(in.ignore, 0);
	assert_string_equal(in.channel, "wb");
	assert_string_equal(in.message_id, "CAIQ1abc");
	assert_string_equal(in.chat_id, "zhangsan");
	assert_string_equal(in.sender_id, "zhangsan");
	assert_int_equal(in.chat_kind, CHAT_PRIVATE);
	assert_string_equal(in.text, "/check 淄博防非科技有限公司");
	assert_int_equal(in.explicit_cmd, 1);
	assert_non_null(in.reply_meta);
	assert_string_equal(in.reply_meta, "{\"chattype\":\"single\","
	    "\"chatid\":\"zhangsan\",\"userid\":\"zhangsan\",\"at_ms\":"
	    "1763750000000,\"req_id\":\"4b3c2a1f-0001\"}");
	inbound_clear(&in);
	free(f);
	testchan_free(&ch);
}

static void
test_ws_group(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	const char	*why;
	char		*f;

	(void)state;
	make_ws(&ch);
	/* STREAM.md 3.5's frame, with a response_url as in webhook mode. */
	f = msg_frame("4b3c2a1f-xxxx", "\"msgid\":\"CAIQ1xxxx\",\"aibotid\":"
	    "\"aibVGv7Ixxxxxxxx\",\"chatid\":\"wrkSFfCgAAxxxx\",\"chattype\":"
	    "\"group\",\"from\":{\"userid\":\"zhangsan\"},\"create_time\":"
	    "1712345678,\"response_url\":\"https://qyapi.weixin.qq.com/cgi-bin/"
	    "aibot/response?response_code=abc\",\"msgtype\":\"text\",\"text\":"
	    "{\"content\":\"@MyBot 帮我总结一下\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 0);
	assert_int_equal(in.ignore, 0);
	assert_string_equal(in.message_id, "CAIQ1xxxx");
	assert_string_equal(in.chat_id, "wrkSFfCgAAxxxx");
	assert_string_equal(in.sender_id, "zhangsan");
	assert_int_equal(in.chat_kind, CHAT_GROUP);
	assert_string_equal(in.text, "帮我总结一下");
	assert_int_equal(in.explicit_cmd, 1);
	meta_is(in.reply_meta, "req_id", "4b3c2a1f-xxxx");
	meta_is(in.reply_meta, "chattype", "group");
	meta_is(in.reply_meta, "chatid", "wrkSFfCgAAxxxx");
	meta_is(in.reply_meta, "userid", "zhangsan");
	meta_is(in.reply_meta, "at_ms", "1763750000000");
	meta_is(in.reply_meta, "response_url", "https://qyapi.weixin.qq.com/"
	    "cgi-bin/aibot/response?response_code=abc");
	inbound_clear(&in);
	free(f);
	/* Several mentions, a full-width one, U+2005 and U+3000 after. */
	f = msg_frame("r2", "\"msgid\":\"m2\",\"chatid\":\"wrk2\",\"chattype\":"
	    "\"group\",\"from\":{\"userid\":\"lisi\"},\"msgtype\":\"text\","
	    "\"text\":{\"content\":\"@防非助手\xe2\x80\x85＠张三\xe3\x80\x80"
	    "/report 某公司 \"}");
	assert_int_equal(frame(&ch, f, &in, &why), 0);
	assert_string_equal(in.text, "/report 某公司");
	inbound_clear(&in);
	free(f);
	/* A response_url elsewhere is not kept. */
	f = msg_frame("r3", "\"msgid\":\"m3\",\"chatid\":\"wrk3\",\"chattype\":"
	    "\"group\",\"from\":{\"userid\":\"lisi\"},\"response_url\":"
	    "\"https://evil.example/cgi-bin/aibot/response\",\"msgtype\":"
	    "\"text\",\"text\":{\"content\":\"@bot 帮助\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 0);
	meta_is(in.reply_meta, "response_url", NULL);
	inbound_clear(&in);
	free(f);
	testchan_free(&ch);
}

static void
test_ws_ignored(void **state)
{
	static const char *const bodies[] = {
		/* An image (document 100719's shape). */
		"\"msgid\":\"i1\",\"chattype\":\"single\",\"from\":{\"userid\":"
		"\"u\"},\"msgtype\":\"image\",\"image\":{\"url\":\"https://"
		"x/y\",\"aeskey\":\"k\"}",
		"\"msgid\":\"i2\",\"chattype\":\"single\",\"from\":{\"userid\":"
		"\"u\"},\"msgtype\":\"mixed\",\"mixed\":{\"msg_item\":[]}",
		"\"msgid\":\"i3\",\"chattype\":\"single\",\"from\":{\"userid\":"
		"\"u\"},\"msgtype\":\"file\",\"file\":{\"url\":\"https://x\"}",
		/* A bare mention. */
		"\"msgid\":\"i4\",\"chatid\":\"g\",\"chattype\":\"group\","
		"\"from\":{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":"
		"{\"content\":\"@bot \"}",
		"\"msgid\":\"i5\",\"chattype\":\"single\",\"from\":{\"userid\":"
		"\"u\"},\"msgtype\":\"event\",\"event\":{\"eventtype\":"
		"\"enter_chat\"}",
		/* A msgtype of tomorrow. */
		"\"msgid\":\"i6\",\"chattype\":\"single\",\"from\":{\"userid\":"
		"\"u\"},\"msgtype\":\"sticker\"",
	};
	struct channel	 ch;
	struct inbound	 in;
	const char	*why;
	char		*f;
	size_t		 i;

	(void)state;
	make_ws(&ch);
	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		f = msg_frame("r", bodies[i]);
		assert_int_equal(frame(&ch, f, &in, &why), 0);
		assert_int_equal(in.ignore, 1);
		assert_null(in.reply_meta);
		inbound_clear(&in);
		free(f);
	}
	/* An event frame (STREAM.md 3.6) is stream.c's, not dispatched. */
	assert_int_equal(frame(&ch, "{\"cmd\":\"aibot_event_callback\","
	    "\"headers\":{\"req_id\":\"9a8b7c6d-xxxx\"},\"body\":{\"msgid\":"
	    "\"CAIQ2xxxx\",\"create_time\":1712345678,\"aibotid\":\"aib\","
	    "\"chattype\":\"single\",\"from\":{\"userid\":\"zhangsan\"},"
	    "\"msgtype\":\"event\",\"event\":{\"eventtype\":\"enter_chat\"}}}",
	    &in, &why), 0);
	assert_int_equal(in.ignore, 1);
	inbound_clear(&in);
	/* Voice arrives as text already. */
	f = msg_frame("rv", "\"msgid\":\"v1\",\"chattype\":\"single\",\"from\":"
	    "{\"userid\":\"u\"},\"msgtype\":\"voice\",\"voice\":{\"content\":"
	    "\"帮助\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 0);
	assert_int_equal(in.ignore, 0);
	assert_string_equal(in.text, "帮助");
	inbound_clear(&in);
	free(f);
	testchan_free(&ch);
}

/* A 'c' repeated n times (a new string). */
static char *
repeat(size_t n)
{
	char	*s = xmalloc(n + 1);

	memset(s, 'c', n);
	s[n] = '\0';
	return s;
}

static void
test_ws_refused(void **state)
{
	struct channel		 ch;
	struct inbound		 in;
	struct http_request	 req;
	struct fake		 fk;
	const char		*why;
	char			*f, *id64, *id128, *big, *b;

	(void)state;
	make_ws(&ch);
	id64 = repeat(INBOUND_ID_MAX);
	id128 = repeat(128);
	/* No msgid. */
	f = msg_frame("r", "\"chattype\":\"single\",\"from\":{\"userid\":"
	    "\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	assert_string_equal(why, "message without msgid");
	inbound_clear(&in);
	free(f);
	/* Ids one byte over their field. */
	b = xasprintf("\"msgid\":\"%s\",\"chattype\":\"single\",\"from\":"
	    "{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":"
	    "\"hi\"}", id64);
	f = msg_frame("r", b);
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	inbound_clear(&in);
	free(f);
	free(b);
	b = xasprintf("\"msgid\":\"m\",\"chattype\":\"single\",\"from\":"
	    "{\"userid\":\"%s\"},\"msgtype\":\"text\",\"text\":{\"content\":"
	    "\"hi\"}", id64);
	f = msg_frame("r", b);
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	inbound_clear(&in);
	free(f);
	free(b);
	b = xasprintf("\"msgid\":\"m\",\"chatid\":\"%s\",\"chattype\":"
	    "\"group\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"text\","
	    "\"text\":{\"content\":\"hi\"}", id64);
	f = msg_frame("r", b);
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	inbound_clear(&in);
	free(f);
	free(b);
	f = msg_frame(id128, "\"msgid\":\"m\",\"chattype\":\"single\",\"from\":"
	    "{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":"
	    "\"hi\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	inbound_clear(&in);
	free(f);
	/* The longest ids that fit are taken. */
	id64[INBOUND_ID_MAX - 1] = '\0';
	id128[127] = '\0';
	b = xasprintf("\"msgid\":\"%s\",\"chatid\":\"%s\",\"chattype\":"
	    "\"group\",\"from\":{\"userid\":\"%s\"},\"msgtype\":\"text\","
	    "\"text\":{\"content\":\"/help\"}", id64, id64, id64);
	f = msg_frame(id128, b);
	assert_int_equal(frame(&ch, f, &in, &why), 0);
	assert_int_equal(strlen(in.message_id), INBOUND_ID_MAX - 1);
	meta_is(in.reply_meta, "req_id", id128);
	inbound_clear(&in);
	free(f);
	free(b);
	/* No req_id, no chatid in a group, no chattype, no userid. */
	assert_int_equal(frame(&ch, "{\"cmd\":\"aibot_msg_callback\","
	    "\"headers\":{},\"body\":{\"msgid\":\"m\",\"chattype\":\"single\","
	    "\"from\":{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":"
	    "{\"content\":\"hi\"}}}", &in, &why), 400);
	inbound_clear(&in);
	f = msg_frame("r", "\"msgid\":\"m\",\"chattype\":\"group\",\"from\":"
	    "{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":"
	    "\"hi\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	inbound_clear(&in);
	free(f);
	f = msg_frame("r", "\"msgid\":\"m\",\"from\":{\"userid\":\"u\"},"
	    "\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	inbound_clear(&in);
	free(f);
	f = msg_frame("r", "\"msgid\":\"m\",\"chattype\":\"single\","
	    "\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	inbound_clear(&in);
	free(f);
	/* A text with a control character, a text past the cap. */
	f = msg_frame("r", "\"msgid\":\"m\",\"chattype\":\"single\",\"from\":"
	    "{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":"
	    "\"a\\u0000b\"}");
	assert_int_equal(frame(&ch, f, &in, &why), 400);
	inbound_clear(&in);
	free(f);
	big = repeat(INBOUND_TEXT_MAX + 1);
	b = xasprintf("\"msgid\":\"m\",\"chattype\":\"single\",\"from\":"
	    "{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":"
	    "\"%s\"}", big);
	f = msg_frame("r", b);
	assert_int_equal(frame(&ch, f, &in, &why), 413);
	inbound_clear(&in);
	free(f);
	free(b);
	free(big);
	/* Not JSON; duplicate keys. */
	assert_int_equal(frame(&ch, "{\"cmd\":", &in, &why), 400);
	inbound_clear(&in);
	assert_int_equal(frame(&ch, "{\"cmd\":\"aibot_msg_callback\",\"cmd\":"
	    "\"x\"}", &in, &why), 400);
	inbound_clear(&in);
	/* A frame that did not come over the connection. */
	f = msg_frame("r", "\"msgid\":\"m\",\"chattype\":\"single\",\"from\":"
	    "{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":"
	    "\"hi\"}");
	request(&req, &fk, "POST", f, NULL, NULL, 0);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &req, &in, &why), 400);
	assert_int_equal(ch.backend->verify(&ch, &req, &why), 401);
	inbound_clear(&in);
	free(f);
	free(id64);
	free(id128);
	testchan_free(&ch);
}

static void
test_cb_vector(void **state)
{
	struct channel		 ch;
	struct inbound		 in;
	struct wxcrypt_key	 k;
	static const unsigned char rnd[16] = "0123456789abcdef";
	const char		*why;
	char			*enc = NULL;

	(void)state;
	/* wxcrypt, given the same random, makes the same ciphertext. */
	assert_int_equal(wxcrypt_key_parse(CB_KEY, &k), WXCRYPT_OK);
	assert_int_equal(wxcrypt_encrypt(&k, rnd, VEC_MSG, strlen(VEC_MSG),
	    "", &enc), WXCRYPT_OK);
	assert_string_equal(enc, VEC_ENCRYPT);
	free(enc);
	make_cb(&ch);
	assert_int_equal(post(&ch, "{\"encrypt\":\"" VEC_ENCRYPT "\"}",
	    VEC_SIG, CB_TS, &in, &why), 0);
	assert_int_equal(in.ignore, 0);
	assert_string_equal(in.message_id, "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=");
	assert_string_equal(in.chat_id, "wrkSFfCgAAxxxx");
	assert_string_equal(in.sender_id, "zhangsan");
	assert_int_equal(in.chat_kind, CHAT_GROUP);
	assert_string_equal(in.text, "/check 防非");
	meta_is(in.reply_meta, "req_id", NULL);
	meta_is(in.reply_meta, "chatid", "wrkSFfCgAAxxxx");
	meta_is(in.reply_meta, "response_url", "https://qyapi.weixin.qq.com/"
	    "cgi-bin/aibot/response?response_code=RESPONSE_CODE");
	inbound_clear(&in);
	/* One changed digit of the signature; a timestamp of yesterday. */
	assert_int_equal(post(&ch, "{\"encrypt\":\"" VEC_ENCRYPT "\"}",
	    "95441ebe236a3f6fcb7ad9b5064957f3f443c549", CB_TS, &in, &why),
	    401);
	assert_string_equal(why, "bad msg_signature");
	assert_int_equal(post(&ch, "{\"encrypt\":\"" VEC_ENCRYPT "\"}",
	    VEC_SIG, "1763663600", &in, &why), 401);
	assert_int_equal(post(&ch, "{\"encrypt\":\"" VEC_ENCRYPT "\"}", NULL,
	    CB_TS, &in, &why), 401);
	/* The signature covers encrypt: another body fails it. */
	assert_int_equal(post(&ch, "{\"encrypt\":\"" VEC_ECHOSTR "\"}",
	    VEC_SIG, CB_TS, &in, &why), 401);
	testchan_free(&ch);
}

static void
test_cb_refused(void **state)
{
	struct channel		 ch;
	struct inbound		 in;
	struct http_request	 req;
	struct fake		 fk;
	const char		*why;
	char			 sig[WXCRYPT_SIG_LEN + 1];

	(void)state;
	make_cb(&ch);
	/* Encrypted for a corp id: the receiveid must be "". */
	assert_int_equal(post_sealed(&ch, VEC_MSG, "wx5823bf96d3bd56c7", &in,
	    &why), 400);
	assert_string_equal(why, "cannot decrypt");
	inbound_clear(&in);
	/* Signed garbage decrypts to nothing usable. */
	assert_int_equal(wxcrypt_signature(CB_TOKEN, CB_TS, CB_NONCE, GARBAGE,
	    sig), WXCRYPT_OK);
	assert_int_equal(post(&ch, "{\"encrypt\":\"" GARBAGE "\"}", sig, CB_TS,
	    &in, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	inbound_clear(&in);
	/* The plaintext is not JSON, or not an object. */
	assert_int_equal(post_sealed(&ch, "<xml></xml>", "", &in, &why), 400);
	inbound_clear(&in);
	assert_int_equal(post_sealed(&ch, "[1,2]", "", &in, &why), 400);
	inbound_clear(&in);
	/* A message without msgid, decrypted. */
	assert_int_equal(post_sealed(&ch, "{\"chattype\":\"single\",\"from\":"
	    "{\"userid\":\"u\"},\"msgtype\":\"text\",\"text\":{\"content\":"
	    "\"hi\"}}", "", &in, &why), 400);
	inbound_clear(&in);
	/* An image, decrypted: acknowledged, ignored. */
	assert_int_equal(post_sealed(&ch, "{\"msgid\":\"i\",\"chattype\":"
	    "\"single\",\"from\":{\"userid\":\"u\"},\"msgtype\":\"image\"}", "",
	    &in, &why), 0);
	assert_int_equal(in.ignore, 1);
	inbound_clear(&in);
	/* A single chat, decrypted. */
	assert_int_equal(post_sealed(&ch, "{\"msgid\":\"s1\",\"chattype\":"
	    "\"single\",\"from\":{\"userid\":\"wangwu\"},\"response_url\":"
	    "\"http://qyapi.weixin.qq.com/cgi-bin/aibot/response\",\"msgtype\":"
	    "\"text\",\"text\":{\"content\":\"帮助\"}}", "", &in, &why), 0);
	assert_string_equal(in.chat_id, "wangwu");
	assert_string_equal(in.text, "帮助");
	/* Plain http is not taken for response_url. */
	meta_is(in.reply_meta, "response_url", NULL);
	inbound_clear(&in);
	/* Bodies without encrypt, not JSON. */
	assert_int_equal(post(&ch, "{\"Encrypt\":\"x\"}", VEC_SIG, CB_TS, &in,
	    &why), 400);
	assert_int_equal(post(&ch, "encrypt=x", VEC_SIG, CB_TS, &in, &why),
	    400);
	assert_int_equal(post(&ch, "{\"encrypt\":\"\"}", VEC_SIG, CB_TS, &in,
	    &why), 400);
	/* A trusted body is no callback. */
	request(&req, &fk, "POST", "{\"encrypt\":\"" VEC_ENCRYPT "\"}",
	    VEC_SIG, CB_TS, 1);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &req, &in, &why), 400);
	inbound_clear(&in);
	testchan_free(&ch);
}

/* Runs GET; returns the status, the body in *body (caller frees). */
static int
get(const struct channel *ch, const char *sig, const char *ts,
    const char *echostr, char **body)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct fake		 f;
	const char		*why = NULL;

	request(&req, &f, "GET", "", sig, ts, 0);
	f.names[3] = "echostr";
	f.values[3] = echostr;
	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	ch->backend->get(ch, &req, &resp, &why);
	*body = resp.body;
	if (resp.status == 200) {
		assert_non_null(resp.body);
		assert_int_equal(strlen(resp.body), resp.len);
		assert_string_equal(resp.content_type, "text/plain");
	} else {
		assert_null(resp.body);
		assert_non_null(why);
	}
	return resp.status;
}

static void
test_cb_get(void **state)
{
	struct channel	 ch;
	char		*body = NULL, *sp;

	(void)state;
	make_cb(&ch);
	assert_int_equal(get(&ch, VEC_ECHO_SIG, CB_TS, VEC_ECHOSTR, &body),
	    200);
	assert_string_equal(body, VEC_ECHO_PLAIN);
	free(body);
	/* A '+' that reached us decoded as a space (the callback's
	 * ciphertext and signature serve as an echostr too). */
	sp = xstrdup(VEC_ENCRYPT);
	assert_non_null(strchr(sp, '+'));
	*strchr(sp, '+') = ' ';
	assert_int_equal(get(&ch, VEC_SIG, CB_TS, sp, &body), 200);
	assert_string_equal(body, VEC_MSG);
	free(body);
	free(sp);
	assert_int_equal(get(&ch, VEC_SIG, CB_TS, VEC_ECHOSTR, &body), 401);
	assert_int_equal(get(&ch, VEC_ECHO_SIG, "1763740000", VEC_ECHOSTR,
	    &body), 401);
	assert_int_equal(get(&ch, VEC_ECHO_SIG, CB_TS, NULL, &body), 400);
	testchan_free(&ch);
	make_ws(&ch);
	assert_int_equal(get(&ch, VEC_ECHO_SIG, CB_TS, VEC_ECHOSTR, &body),
	    404);
	testchan_free(&ch);
}

static void
test_reply_ack(void **state)
{
	struct channel		 ch;
	struct inbound		 in;
	struct reply		 r;
	struct http_response	 resp;

	(void)state;
	make_cb(&ch);
	memset(&in, 0, sizeof in);
	memset(&r, 0, sizeof r);
	reply_add(&r, "不会出现在这里 not here");
	memset(&resp, 0, sizeof resp);
	ch.backend->reply(&ch, &in, &r, &resp);
	assert_int_equal(resp.status, 200);
	assert_null(resp.body);
	assert_int_equal(resp.len, 0);
	reply_clear(&r);
	testchan_free(&ch);
}

/* Runs send_prepare for text with meta at now_ms into call. */
static int
prepare(const struct channel *ch, const char *meta, const char *text,
    int64_t now_ms, struct http_call *call, const char **why)
{
	struct outbound	 m;

	memset(&m, 0, sizeof m);
	memset(call, 0, sizeof *call);
	m.id = 7;
	m.idem_key = "ff-7-1763750000";
	m.chat_id = "wrkSFfCgAAxxxx";
	m.text = text;
	m.meta = meta;
	m.now_ms = now_ms;
	*why = NULL;
	return ch->backend->send_prepare(ch, &m, call, why);
}

#define CB_META	"{\"chattype\":\"group\",\"chatid\":\"wrkSFfCgAAxxxx\"," \
	"\"userid\":\"zhangsan\",\"at_ms\":1763750000000,\"response_url\":" \
	"\"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?" \
	"response_code=RC\"}"

static void
test_send_prepare(void **state)
{
	struct channel		 ch;
	struct http_call	 call;
	const char		*why;
	char			*big, *p;
	json_t			*j;
	size_t			 n;

	(void)state;
	make_cb(&ch);
	assert_int_equal(prepare(&ch, CB_META, "**已登记** 谢谢", NOW_MS + 5000,
	    &call, &why), 0);
	assert_null(call.method);
	assert_string_equal(call.url, "https://qyapi.weixin.qq.com/cgi-bin/"
	    "aibot/response?response_code=RC");
	assert_string_equal(call.body, "{\"msgtype\":\"markdown\",\"markdown\":"
	    "{\"content\":\"**已登记** 谢谢\"}}");
	assert_int_equal(call.len, strlen(call.body));
	assert_string_equal(call.content_type, "application/json");
	http_call_clear(&call);
	/* 20480 bytes at most, cut before a character. */
	big = xmalloc(3 * 7000 + 1);
	for (p = big, n = 0; n < 7000; n++, p += 3)
		memcpy(p, "防", 3);
	*p = '\0';
	assert_int_equal(prepare(&ch, CB_META, big, NOW_MS, &call, &why), 0);
	j = json_loads(call.body, 0, NULL);
	assert_non_null(j);
	p = (char *)(uintptr_t)json_string_value(json_object_get(
	    json_object_get(j, "markdown"), "content"));
	assert_int_equal(strlen(p), 20478);	/* 6826 characters */
	assert_memory_equal(p, big, 20478);
	json_decref(j);
	http_call_clear(&call);
	free(big);
	/* An hour later the response_url is gone. */
	assert_int_equal(prepare(&ch, CB_META, "x", NOW_MS + 3600 * 1000,
	    &call, &why), -1);
	assert_non_null(strstr(why, "expired"));
	/* No meta, no response_url, one elsewhere. */
	assert_int_equal(prepare(&ch, NULL, "x", NOW_MS, &call, &why), -1);
	assert_non_null(strstr(why, "response_url"));
	assert_int_equal(prepare(&ch, "{\"chatid\":\"g\"}", "x", NOW_MS, &call,
	    &why), -1);
	assert_non_null(strstr(why, "response_url"));
	assert_int_equal(prepare(&ch, "{\"response_url\":\"https://qyapi."
	    "weixin.qq.com.evil.example/cgi-bin/aibot/response\"}", "x",
	    NOW_MS, &call, &why), -1);
	assert_int_equal(prepare(&ch, "{\"response_url\":\"https://user@qyapi."
	    "weixin.qq.com/cgi-bin/aibot/response\"}", "x", NOW_MS, &call,
	    &why), -1);
	assert_int_equal(prepare(&ch, CB_META, "\xff", NOW_MS, &call, &why),
	    -1);
	/* A test server on loopback, when response_host says so. */
	testchan_set(&ch, "response_host", "127.0.0.1:8123");
	assert_int_equal(prepare(&ch, "{\"response_url\":\"http://127.0.0.1:"
	    "8123/cgi-bin/aibot/response?response_code=t\"}", "ok", NOW_MS,
	    &call, &why), 0);
	assert_string_equal(call.url, "http://127.0.0.1:8123/cgi-bin/aibot/"
	    "response?response_code=t");
	http_call_clear(&call);
	testchan_free(&ch);
	make_ws(&ch);
	assert_int_equal(prepare(&ch, CB_META, "x", NOW_MS, &call, &why), -1);
	assert_string_equal(why, "sent over the long connection");
	testchan_free(&ch);
}

static void
test_send_result(void **state)
{
	static const struct {
		long		 status;
		const char	*body;
		enum send_status st;
		int		 ra;
		const char	*err;
	} cases[] = {
		{ 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", SEND_OK, 0, NULL },
		{ 200, "{\"errcode\":45009,\"errmsg\":\"api freq out of "
		    "limit\"}", SEND_RETRY, 60, "wecom_bot errcode 45009: api "
		    "freq out of limit" },
		{ 200, "{\"errcode\":-1,\"errmsg\":\"system busy\"}",
		    SEND_RETRY, 0, NULL },
		{ 200, "{\"errcode\":40058,\"errmsg\":\"response_code "
		    "used\"}", SEND_FAILED, 0, "wecom_bot errcode 40058: "
		    "response_code used" },
		{ 500, "", SEND_RETRY, 0, NULL },
		{ 0, NULL, SEND_RETRY, 0, NULL },
		{ 404, "nope", SEND_FAILED, 0, NULL },
	};
	struct channel	 ch;
	char		 err[ERRSZ];
	size_t		 i;
	int		 ra;

	(void)state;
	make_cb(&ch);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ra = -1;
		err[0] = '\0';
		assert_int_equal(ch.backend->send_result(&ch, cases[i].status,
		    cases[i].body, cases[i].body ? strlen(cases[i].body) : 0,
		    &ra, err, sizeof err), cases[i].st);
		if (cases[i].st == SEND_RETRY)
			assert_int_equal(ra, cases[i].ra);
		if (cases[i].err != NULL)
			assert_string_equal(err, cases[i].err);
	}
	testchan_free(&ch);
}

/* Classifies the string s. */
static int
classify(const char *s, struct wecombot_frame *f, const char **why)
{
	*why = NULL;
	return wecombot_classify(s, strlen(s), f, why);
}

static void
test_classify(void **state)
{
	struct wecombot_frame	 f;
	const char		*why;
	char			*s, *id;

	(void)state;
	/* STREAM.md 3.5. */
	assert_int_equal(classify("{\"cmd\":\"aibot_msg_callback\",\"headers\":"
	    "{\"req_id\":\"4b3c2a1f-xxxx\"},\"body\":{\"msgid\":\"CAIQ1xxxx\","
	    "\"chattype\":\"group\",\"msgtype\":\"text\"}}", &f, &why), 0);
	assert_int_equal(f.kind, WECOMBOT_MESSAGE);
	assert_string_equal(f.req_id, "4b3c2a1f-xxxx");
	assert_string_equal(f.msgid, "CAIQ1xxxx");
	/* STREAM.md 3.6. */
	assert_int_equal(classify("{\"cmd\":\"aibot_event_callback\","
	    "\"headers\":{\"req_id\":\"9a8b7c6d-xxxx\"},\"body\":{\"msgid\":"
	    "\"CAIQ2xxxx\",\"msgtype\":\"event\",\"event\":{\"eventtype\":"
	    "\"enter_chat\"}}}", &f, &why), 0);
	assert_int_equal(f.kind, WECOMBOT_EVENT);
	assert_string_equal(f.req_id, "9a8b7c6d-xxxx");
	assert_string_equal(f.msgid, "CAIQ2xxxx");
	assert_int_equal(classify("{\"cmd\":\"aibot_event_callback\","
	    "\"headers\":{\"req_id\":\"d1\"},\"body\":{\"msgid\":\"x\","
	    "\"msgtype\":\"event\",\"event\":{\"eventtype\":"
	    "\"disconnected_event\"}}}", &f, &why), 0);
	assert_int_equal(f.kind, WECOMBOT_DISCONNECTED);
	/* A takeover counts without ids. */
	assert_int_equal(classify("{\"cmd\":\"aibot_event_callback\","
	    "\"body\":{\"event\":{\"eventtype\":\"disconnected_event\"}}}", &f,
	    &why), 0);
	assert_int_equal(f.kind, WECOMBOT_DISCONNECTED);
	assert_string_equal(f.req_id, "");
	/* Answers (STREAM.md 3.3, 3.11). */
	assert_int_equal(classify("{\"headers\":{\"req_id\":\"aibot_subscribe_"
	    "1712345678901_a1b2c3d4\"},\"errcode\":0,\"errmsg\":\"ok\"}", &f,
	    &why), 0);
	assert_int_equal(f.kind, WECOMBOT_ANSWER);
	assert_string_equal(f.req_id, "aibot_subscribe_1712345678901_a1b2c3d4");
	assert_int_equal(f.errcode, 0);
	assert_string_equal(f.errmsg, "ok");
	assert_int_equal(classify("{\"headers\":{\"req_id\":\"r9\"},"
	    "\"errcode\":846609,\"errmsg\":\"aibot websocket not "
	    "subscribed\\n\"}", &f, &why), 0);
	assert_int_equal(f.kind, WECOMBOT_ANSWER);
	assert_int_equal(f.errcode, 846609);
	assert_string_equal(f.errmsg, "aibot websocket not subscribed ");
	assert_int_equal(classify("{\"cmd\":null,\"headers\":{\"req_id\":"
	    "\"r\"},\"errcode\":-1}", &f, &why), 0);
	assert_int_equal(f.errcode, -1);
	assert_string_equal(f.errmsg, "");
	/* errmsg cut before a character. */
	s = xasprintf("{\"headers\":{\"req_id\":\"r\"},\"errcode\":93006,"
	    "\"errmsg\":\"%s\"}", "无效无效无效无效无效无效无效无效无效无效"
	    "无效无效无效无效无效无效无效无效无效无效无效无效无效");
	assert_int_equal(classify(s, &f, &why), 0);
	assert_int_equal(strlen(f.errmsg), 126);	/* 42 characters */
	free(s);
	assert_int_equal(classify("{\"cmd\":\"aibot_get_mcp_config\","
	    "\"headers\":{\"req_id\":\"o\"}}", &f, &why), 0);
	assert_int_equal(f.kind, WECOMBOT_OTHER);
	/* Refusals. */
	assert_int_equal(classify("not json", &f, &why), -1);
	assert_int_equal(f.kind, WECOMBOT_OTHER);
	assert_int_equal(classify("[1]", &f, &why), -1);
	assert_int_equal(classify("{\"headers\":{\"req_id\":\"r\"}}", &f, &why),
	    -1);
	assert_string_equal(why, "answer without errcode");
	assert_int_equal(classify("{\"headers\":{\"req_id\":\"r\"},\"errcode\":"
	    "\"0\"}", &f, &why), -1);
	assert_int_equal(classify("{\"cmd\":7}", &f, &why), -1);
	assert_int_equal(classify("{\"cmd\":\"aibot_msg_callback\",\"body\":"
	    "{\"msgid\":\"m\"}}", &f, &why), -1);
	assert_string_equal(why, "callback without req_id");
	assert_int_equal(classify("{\"cmd\":\"aibot_msg_callback\",\"headers\":"
	    "{\"req_id\":\"r\"},\"body\":{}}", &f, &why), -1);
	assert_string_equal(why, "message without msgid");
	assert_string_equal(f.req_id, "");
	assert_int_equal(classify("{\"cmd\":\"aibot_event_callback\","
	    "\"body\":{\"event\":{\"eventtype\":\"enter_chat\"}}}", &f, &why),
	    -1);
	assert_int_equal(classify("{\"cmd\":\"aibot_msg_callback\",\"headers\":"
	    "{\"req_id\":\"a\\u0001b\"},\"body\":{\"msgid\":\"m\"}}", &f, &why),
	    -1);
	id = repeat(sizeof f.req_id);
	s = xasprintf("{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":"
	    "\"%s\"},\"body\":{\"msgid\":\"m\"}}", id);
	assert_int_equal(classify(s, &f, &why), -1);
	free(s);
	id[sizeof f.req_id - 1] = '\0';
	s = xasprintf("{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":"
	    "\"%s\"},\"body\":{\"msgid\":\"%s\"}}", id, id);
	assert_int_equal(classify(s, &f, &why), 0);
	assert_string_equal(f.req_id, id);
	assert_string_equal(f.msgid, id);
	free(s);
	free(id);
	s = xmalloc(WECOMBOT_FRAME_MAX + 2);
	memset(s, ' ', WECOMBOT_FRAME_MAX + 1);
	s[0] = '{';
	s[WECOMBOT_FRAME_MAX] = '}';
	s[WECOMBOT_FRAME_MAX + 1] = '\0';
	assert_int_equal(classify(s, &f, &why), -1);
	assert_string_equal(why, "frame too large");
	s[WECOMBOT_FRAME_MAX - 1] = '}';
	s[WECOMBOT_FRAME_MAX] = '\0';
	assert_int_equal(classify(s, &f, &why), -1);	/* {} no errcode */
	assert_string_equal(why, "answer without errcode");
	free(s);
	assert_int_equal(wecombot_classify("", 0, &f, &why), -1);
}

static void
test_subscribe_ping(void **state)
{
	char	*s;

	(void)state;
	s = wecombot_subscribe("aibot_subscribe_1712345678901_a1b2c3d4",
	    "aibVGv7Ixxxxxxxx", "<secret>");
	assert_string_equal(s, "{\"cmd\":\"aibot_subscribe\",\"headers\":"
	    "{\"req_id\":\"aibot_subscribe_1712345678901_a1b2c3d4\"},\"body\":"
	    "{\"bot_id\":\"aibVGv7Ixxxxxxxx\",\"secret\":\"<secret>\"}}");
	free(s);
	s = wecombot_ping("ping_1712345708901_9f00e1c2");
	assert_string_equal(s, "{\"cmd\":\"ping\",\"headers\":{\"req_id\":"
	    "\"ping_1712345708901_9f00e1c2\"}}");
	free(s);
	assert_null(wecombot_subscribe("r", NULL, "s"));
	assert_null(wecombot_subscribe("r", "b", "\xff"));
	assert_null(wecombot_ping(NULL));
}

#define RESPOND_HEAD "{\"cmd\":\"aibot_respond_msg\",\"headers\":" \
	"{\"req_id\":\"4b3c2a1f-xxxx\"},\"body\":{\"msgtype\":\"stream\"," \
	"\"stream\":{\"id\":\"stream_"
#define WS_META	"{\"chattype\":\"group\",\"chatid\":\"wrkSFfCgAAxxxx\"," \
	"\"userid\":\"zhangsan\",\"at_ms\":1763750000000,\"req_id\":" \
	"\"4b3c2a1f-xxxx\",\"conn\":3}"

/* The members of frame s a test looks at. */
struct seen {
	char	*cmd, *req_id, *msgtype, *chatid, *content, *sid;
	int	 finish;
};

/* Reads frame s into *sn (strings owned by sn). */
static void
seen_read(const char *s, struct seen *sn)
{
	json_t	*j = json_loads(s, 0, NULL), *b, *st;

	assert_non_null(j);
	memset(sn, 0, sizeof *sn);
	b = json_object_get(j, "body");
	st = json_object_get(b, "stream");
#define DUP(v) (json_is_string(v) ? xstrdup(json_string_value(v)) : NULL)
	sn->cmd = DUP(json_object_get(j, "cmd"));
	sn->req_id = DUP(json_object_get(json_object_get(j, "headers"),
	    "req_id"));
	sn->msgtype = DUP(json_object_get(b, "msgtype"));
	sn->chatid = DUP(json_object_get(b, "chatid"));
	sn->sid = DUP(json_object_get(st, "id"));
	if (st != NULL) {
		sn->content = DUP(json_object_get(st, "content"));
		sn->finish = json_is_true(json_object_get(st, "finish"));
	} else
		sn->content = DUP(json_object_get(json_object_get(b,
		    "markdown"), "content"));
#undef DUP
	json_decref(j);
}

/* Frees what seen_read() made. */
static void
seen_free(struct seen *sn)
{
	free(sn->cmd);
	free(sn->req_id);
	free(sn->msgtype);
	free(sn->chatid);
	free(sn->content);
	free(sn->sid);
}

/* Builds the reply frame and reads it; returns the req_id it carries. */
static char *
reply(const char *meta, const char *text, const char *key, uint64_t conn,
    int64_t now_ms, int force, struct seen *sn)
{
	const char	*why = NULL;
	char		*rid = NULL, *s;

	s = wecombot_reply_frame(meta, text, key, conn, now_ms, force,
	    "aibot_send_msg_1763750000000_0a0b0c0d", &rid, &why);
	assert_non_null(s);
	assert_non_null(rid);
	seen_read(s, sn);
	free(s);
	return rid;
}

static void
test_reply_frame(void **state)
{
	struct seen	 sn, sn2;
	const char	*why;
	char		*rid, *s, *big, *p;
	size_t		 n;

	(void)state;
	/* Same connection, fresh: respond to the callback's req_id. */
	rid = reply(WS_META, "**已登记**", "ff-42-1", 3, NOW_MS + 1000, 0, &sn);
	assert_string_equal(rid, "4b3c2a1f-xxxx");
	assert_string_equal(sn.cmd, "aibot_respond_msg");
	assert_string_equal(sn.req_id, "4b3c2a1f-xxxx");
	assert_string_equal(sn.msgtype, "stream");
	assert_int_equal(sn.finish, 1);
	assert_string_equal(sn.content, "**已登记**");
	assert_int_equal(strncmp(sn.sid, "stream_", 7), 0);
	assert_int_equal(strlen(sn.sid), 7 + 32);
	assert_null(sn.chatid);
	free(rid);
	/* The same row again: the same bubble; another row: another. */
	rid = reply(WS_META, "again", "ff-42-1", 3, NOW_MS, 0, &sn2);
	assert_string_equal(sn.sid, sn2.sid);
	seen_free(&sn2);
	free(rid);
	rid = reply(WS_META, "again", "ff-43-1", 3, NOW_MS, 0, &sn2);
	assert_string_not_equal(sn.sid, sn2.sid);
	seen_free(&sn2);
	free(rid);
	seen_free(&sn);
	/* The exact frame. */
	s = wecombot_reply_frame(WS_META, "ok", "k", 3, NOW_MS, 0, "fresh",
	    &rid, &why);
	assert_non_null(s);
	n = strlen(RESPOND_HEAD);
	assert_int_equal(strncmp(s, RESPOND_HEAD, n), 0);
	assert_int_equal(strspn(s + n, "0123456789abcdef"), 32);
	assert_string_equal(s + n + 32, "\",\"finish\":true,\"content\":"
	    "\"ok\"}}}");
	free(s);
	free(rid);
	/* Another connection, too old, forced: send to the chat. */
	rid = reply(WS_META, "x", "k", 4, NOW_MS, 0, &sn);
	assert_string_equal(rid, "aibot_send_msg_1763750000000_0a0b0c0d");
	assert_string_equal(sn.cmd, "aibot_send_msg");
	assert_string_equal(sn.req_id, rid);
	assert_string_equal(sn.chatid, "wrkSFfCgAAxxxx");
	assert_string_equal(sn.msgtype, "markdown");
	assert_string_equal(sn.content, "x");
	seen_free(&sn);
	free(rid);
	rid = reply(WS_META, "x", "k", 3, NOW_MS + WECOMBOT_STREAM_TTL_MS, 0,
	    &sn);
	assert_string_equal(sn.cmd, "aibot_send_msg");
	seen_free(&sn);
	free(rid);
	rid = reply(WS_META, "x", "k", 3, NOW_MS + WECOMBOT_STREAM_TTL_MS - 1,
	    0, &sn);
	assert_string_equal(sn.cmd, "aibot_respond_msg");
	seen_free(&sn);
	free(rid);
	rid = reply(WS_META, "x", "k", 3, NOW_MS, 1, &sn);
	assert_string_equal(sn.cmd, "aibot_send_msg");
	seen_free(&sn);
	free(rid);
	/* No conn in the meta (stream.c did not add one): send. */
	rid = reply("{\"chattype\":\"single\",\"chatid\":\"lisi\",\"userid\":"
	    "\"lisi\",\"at_ms\":1763750000000,\"req_id\":\"r\"}", "x", "k", 0,
	    NOW_MS, 0, &sn);
	assert_string_equal(sn.cmd, "aibot_send_msg");
	assert_string_equal(sn.chatid, "lisi");
	seen_free(&sn);
	free(rid);
	/* A single chat's meta without chatid: the user. */
	rid = reply("{\"chattype\":\"single\",\"userid\":\"lisi\"}", "x", "k",
	    0, NOW_MS, 0, &sn);
	assert_string_equal(sn.chatid, "lisi");
	seen_free(&sn);
	free(rid);
	/* 20480 bytes of content at most, cut before a character. */
	big = xmalloc(4 * 6000 + 1);
	for (p = big, n = 0; n < 6000; n++, p += 4)
		memcpy(p, "\xf0\x9f\x98\x80", 4);
	*p = '\0';
	rid = reply(WS_META, big, "k", 3, NOW_MS, 0, &sn);
	assert_int_equal(strlen(sn.content), WECOMBOT_CONTENT_MAX);
	seen_free(&sn);
	free(rid);
	/* One byte before them: the last that fits ends 3 bytes short. */
	p = xasprintf("a%s", big);
	rid = reply(WS_META, p, "k", 4, NOW_MS, 0, &sn);
	free(p);
	assert_int_equal(strlen(sn.content), WECOMBOT_CONTENT_MAX - 3);
	seen_free(&sn);
	free(rid);
	free(big);
	/* Unusable. */
	rid = (char *)(uintptr_t)"untouched";
	assert_null(wecombot_reply_frame("not json", "x", "k", 3, NOW_MS, 0,
	    "f", &rid, &why));
	assert_null(rid);
	assert_null(wecombot_reply_frame(NULL, "x", "k", 3, NOW_MS, 0, "f",
	    &rid, &why));
	assert_null(wecombot_reply_frame("{\"req_id\":\"r\",\"conn\":3,"
	    "\"at_ms\":1763750000000}", "x", "k", 3, NOW_MS, 0, "f", &rid,
	    &why));
	assert_string_equal(why, "reply meta names no chat");
	assert_null(wecombot_reply_frame(WS_META, "x", "k", 4, NOW_MS, 0, NULL,
	    &rid, &why));
	assert_null(wecombot_reply_frame(WS_META, "\xc3", "k", 3, NOW_MS, 0,
	    "f", &rid, &why));
	assert_null(rid);
}

static void
test_answer(void **state)
{
	static const struct {
		long		 code;
		enum send_status st;
		int		 resend, ra;
	} cases[] = {
		{ 0, SEND_OK, 0, 0 },
		{ 846609, SEND_RETRY, 0, 5 },
		{ 846605, SEND_RETRY, 1, 0 },
		{ 846608, SEND_RETRY, 1, 0 },
		{ 93006, SEND_FAILED, 0, 0 },
		{ 45009, SEND_RETRY, 0, 60 },
		{ 6000, SEND_RETRY, 0, 1 },
		{ -1, SEND_RETRY, 0, 5 },
		{ 40008, SEND_FAILED, 0, 0 },
		{ 12345678, SEND_RETRY, 0, 30 },
	};
	char	 err[ERRSZ], small[26];
	size_t	 i;
	int	 resend, ra;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		resend = ra = -1;
		assert_int_equal(wecombot_answer(cases[i].code, "msg", &resend,
		    &ra, err, sizeof err), cases[i].st);
		assert_int_equal(resend, cases[i].resend);
		assert_int_equal(ra, cases[i].ra);
	}
	(void)wecombot_answer(93006, "invalid chatid", &resend, &ra, err,
	    sizeof err);
	assert_string_equal(err, "wecom_bot errcode 93006: invalid chatid");
	(void)wecombot_answer(-1, NULL, &resend, &ra, err, sizeof err);
	assert_string_equal(err, "wecom_bot errcode -1: ");
	/* A short buffer cuts the message before a character. */
	(void)wecombot_answer(45009, "频率超限", &resend, &ra, small,
	    sizeof small);
	assert_string_equal(small, "wecom_bot errcode 45009: ");
	(void)wecombot_answer(1, "频率超限", &resend, &ra, small, sizeof small);
	assert_string_equal(small, "wecom_bot errcode 1: 频");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_refusals),
		cmocka_unit_test(test_modes_and_accessors),
		cmocka_unit_test(test_ws_single),
		cmocka_unit_test(test_ws_group),
		cmocka_unit_test(test_ws_ignored),
		cmocka_unit_test(test_ws_refused),
		cmocka_unit_test(test_cb_vector),
		cmocka_unit_test(test_cb_refused),
		cmocka_unit_test(test_cb_get),
		cmocka_unit_test(test_reply_ack),
		cmocka_unit_test(test_send_prepare),
		cmocka_unit_test(test_send_result),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_subscribe_ping),
		cmocka_unit_test(test_reply_frame),
		cmocka_unit_test(test_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

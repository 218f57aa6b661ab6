/*
 * Unit tests of the WeChat Official Account channel
 * (bot/channel_wechat_mp.c): every wechat_mp vector of
 * tests/data/protocol-vectors.json (URL check signature, the plain text
 * message and its passive reply, the safe-mode message), and our own
 * cases: Chinese text and emoji, "]]>" in an answer, tampered signatures,
 * stale timestamps, truncated ciphertext, wrong padding, a wrong
 * receiveid, DOCTYPE and entities, oversized bodies, events, the setup's
 * refusals, and the customer-service and stable-token calls byte for
 * byte with every answer class.
 */
#include "testutil.h"

#include <jansson.h>
#include <openssl/evp.h>

#include "bot/apitoken.h"
#include "bot/channel.h"
#include "bot/platb64.h"
#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"
#include "messages/xmalloc.h"
#include "testchan.h"

#define MP_TOKEN	"weixin"
#define MP_AESKEY	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define MP_APPID	"wx5823bf96d3bd56c7"
#define MP_SECRET	"s3cret-App-Secret-0123456789abcd"
#define MP_ACCOUNT	"gh_a96a4a619366"
#define MP_OPENID	"oLPJZJSXUQPJOV0HLRUZKNZKC91E"
#define MP_TS		"1763750000"
#define MP_NONCE	"1743502518"
#define MP_NOW		1763750000

/* A request's query: "name=value" strings, NULL-ended. */
struct fake {
	const char	*args[8];
};

/* Looks a query argument up in the fake's list. */
static const char *
fake_arg(const struct http_request *req, const char *name)
{
	const struct fake	*f = req->impl;
	size_t			 i, n = strlen(name);

	for (i = 0; i < 8 && f->args[i] != NULL; i++)
		if (strncmp(f->args[i], name, n) == 0 && f->args[i][n] == '=')
			return f->args[i] + n + 1;
	return NULL;
}

/* No headers matter to WeChat. */
static const char *
fake_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* Fills req for body (may be NULL: a GET) with f's query at now. */
static void
fake_request(struct http_request *req, struct fake *f, const char *body,
    size_t len, time_t now)
{
	memset(req, 0, sizeof *req);
	req->method = body != NULL ? "POST" : "GET";
	req->path = "/hook/mp";
	req->body = body != NULL ? body : "";
	req->body_len = body != NULL ? len : 0;
	req->now = now;
	req->header = fake_header;
	req->arg = fake_arg;
	req->impl = f;
}

/* Loads the wechat_mp part of the vectors; the caller decrefs the root. */
static json_t *
vectors(json_t **root)
{
	json_error_t	 e;
	char		*s = testutil_read("protocol-vectors.json", NULL);

	*root = json_loads(s, 0, &e);
	if (*root == NULL)
		fail_msg("vectors: %s line %d", e.text, e.line);
	free(s);
	assert_non_null(json_object_get(*root, "wechat_mp"));
	return json_object_get(*root, "wechat_mp");
}

/* A string member of j. */
static const char *
vs(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	if (!json_is_string(v))
		fail_msg("vector string %s missing", key);
	return json_string_value(v);
}

/* Makes a plain-mode channel. */
static void
mp_plain(struct channel *ch)
{
	testchan_make(ch, "mp", "wechat_mp", "app_id", MP_APPID, "app_secret",
	    MP_SECRET, "token", MP_TOKEN, "api_base", "http://127.0.0.1:9",
	    NULL);
}

/* Makes a safe-mode channel. */
static void
mp_safe(struct channel *ch)
{
	testchan_make(ch, "mp", "wechat_mp", "app_id", MP_APPID, "app_secret",
	    MP_SECRET, "token", MP_TOKEN, "encoding_aes_key", MP_AESKEY,
	    "encrypt_mode", "safe", "api_base", "http://127.0.0.1:9", NULL);
}

/* A signed query for ts and nonce (safe: with msg_signature over enc);
 * the strings live in bufs. */
static void
signed_query(struct fake *f, char bufs[4][128], const char *ts,
    const char *nonce, const char *enc)
{
	char	 sig[WXCRYPT_SIG_LEN + 1];

	memset(f, 0, sizeof *f);
	assert_int_equal(wxcrypt_signature(MP_TOKEN, ts, nonce, NULL, sig),
	    WXCRYPT_OK);
	(void)snprintf(bufs[0], 128, "signature=%s", sig);
	(void)snprintf(bufs[1], 128, "timestamp=%s", ts);
	(void)snprintf(bufs[2], 128, "nonce=%s", nonce);
	f->args[0] = bufs[0];
	f->args[1] = bufs[1];
	f->args[2] = bufs[2];
	f->args[3] = "openid=" MP_OPENID;
	if (enc != NULL) {
		assert_int_equal(wxcrypt_signature(MP_TOKEN, ts, nonce, enc,
		    sig), WXCRYPT_OK);
		(void)snprintf(bufs[3], 128, "msg_signature=%s", sig);
		f->args[4] = "encrypt_type=aes";
		f->args[5] = bufs[3];
	}
}

/* The plain text message of the vectors with content and msgid. */
static char *
plain_body(const char *content, const char *msgid)
{
	return xasprintf("<xml><ToUserName><![CDATA[" MP_ACCOUNT "]]>"
	    "</ToUserName><FromUserName><![CDATA[" MP_OPENID "]]>"
	    "</FromUserName><CreateTime>" MP_TS "</CreateTime><MsgType>"
	    "<![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>"
	    "<MsgId>%s</MsgId></xml>", content, msgid);
}

/* The safe-mode envelope of enc. */
static char *
safe_body(const char *enc)
{
	return xasprintf("<xml><ToUserName><![CDATA[" MP_ACCOUNT "]]>"
	    "</ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", enc);
}

/*
 * Runs verify and parse as the server does, with a slot for what verify
 * reads (the safe-mode envelope, which parse must take); returns verify's
 * status, or parse's.
 */
static int
run(const struct channel *ch, struct http_request *req, struct inbound *in,
    const char **why)
{
	struct http_keep	 keep = { NULL, NULL };
	int			 rc;

	memset(in, 0, sizeof *in);
	*why = NULL;
	req->keep = &keep;
	if ((rc = ch->backend->verify(ch, req, why)) != 0) {
		assert_non_null(*why);
		assert_null(keep.data);
		goto out;
	}
	rc = ch->backend->parse(ch, req, in, why);
	if (rc != 0)
		assert_non_null(*why);
	assert_null(keep.data);
out:
	http_keep_clear(&keep);
	req->keep = NULL;
	return rc;
}

/* Renders a reply of one text for in into resp. */
static void
answer(const struct channel *ch, const struct inbound *in, const char *text,
    struct http_response *resp)
{
	struct reply	 r;

	memset(&r, 0, sizeof r);
	if (text != NULL)
		reply_add(&r, text);
	memset(resp, 0, sizeof *resp);
	ch->backend->reply(ch, in, &r, resp);
	reply_clear(&r);
	assert_int_equal(resp->status, 200);
	assert_non_null(resp->body);
	assert_int_equal(strlen(resp->body), resp->len);
}

/* The vector's URL check: the signature holds and echostr comes back
 * verbatim; a tampered signature, a stale timestamp and a missing
 * echostr are refused. */
static void
test_vector_url_check(void **state)
{
	json_t			*root, *mp, *c;
	struct channel		 ch;
	struct fake		 f;
	struct http_request	 req;
	struct http_response	 resp;
	const char		*why;
	char			 a[4][128], sig[WXCRYPT_SIG_LEN + 1];
	size_t			 i;
	long long		 ts;

	(void)state;
	mp = vectors(&root);
	json_array_foreach(json_object_get(mp, "signature_cases"), i, c) {
		testchan_make(&ch, "mp", "wechat_mp", "app_id", MP_APPID,
		    "app_secret", MP_SECRET, "token", vs(c, "token"), NULL);
		assert_int_equal(wxcrypt_signature(vs(c, "token"),
		    vs(c, "timestamp"), vs(c, "nonce"), NULL, sig), WXCRYPT_OK);
		assert_string_equal(sig, vs(c, "signature"));
		ts = strtoll(vs(c, "timestamp"), NULL, 10);
		memset(&f, 0, sizeof f);
		(void)snprintf(a[0], 128, "signature=%s", vs(c, "signature"));
		(void)snprintf(a[1], 128, "timestamp=%s", vs(c, "timestamp"));
		(void)snprintf(a[2], 128, "nonce=%s", vs(c, "nonce"));
		(void)snprintf(a[3], 128, "echostr=%s", vs(c, "echostr"));
		f.args[0] = a[0];
		f.args[1] = a[1];
		f.args[2] = a[2];
		f.args[3] = a[3];
		fake_request(&req, &f, NULL, 0, (time_t)ts + 5);
		memset(&resp, 0, sizeof resp);
		why = NULL;
		ch.backend->get(&ch, &req, &resp, &why);
		assert_int_equal(resp.status, 200);
		assert_non_null(resp.body);
		assert_int_equal(resp.len, strlen(vs(c, "echostr")));
		assert_memory_equal(resp.body, vs(c, "echostr"), resp.len);
		free(resp.body);

		/* Stale: ten minutes later. */
		fake_request(&req, &f, NULL, 0, (time_t)ts + 600);
		memset(&resp, 0, sizeof resp);
		ch.backend->get(&ch, &req, &resp, &why);
		assert_int_equal(resp.status, 401);
		assert_null(resp.body);

		/* No echostr. */
		f.args[3] = NULL;
		fake_request(&req, &f, NULL, 0, (time_t)ts);
		memset(&resp, 0, sizeof resp);
		ch.backend->get(&ch, &req, &resp, &why);
		assert_int_equal(resp.status, 400);
		assert_null(resp.body);

		/* One character of the signature changed. */
		f.args[3] = a[3];
		a[0][12] = a[0][12] == '0' ? '1' : '0';
		memset(&resp, 0, sizeof resp);
		ch.backend->get(&ch, &req, &resp, &why);
		assert_int_equal(resp.status, 401);
		assert_string_equal(why, "bad signature");
		assert_null(resp.body);

		/* The wrong token. */
		a[0][12] = vs(c, "signature")[2];
		testchan_set(&ch, "token", "weixin2");
		memset(&resp, 0, sizeof resp);
		ch.backend->get(&ch, &req, &resp, &why);
		assert_int_equal(resp.status, 401);
		testchan_free(&ch);
	}
	assert_true(i > 0);
	json_decref(root);
}

/* The vector's plain text message (with its own query) parses to the
 * expected fields, and its passive reply is the vector byte for byte. */
static void
test_vector_plain_message(void **state)
{
	json_t			*root, *mp, *v, *ex, *sc;
	struct channel		 ch;
	struct fake		 f;
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	const char		*why, *body;
	char			*q, *p, *save = NULL;
	size_t			 n = 0;

	(void)state;
	mp = vectors(&root);
	v = json_object_get(mp, "plaintext_inbound_text");
	ex = json_object_get(v, "expect");
	sc = json_array_get(json_object_get(mp, "signature_cases"), 0);
	testchan_make(&ch, "mp", "wechat_mp", "app_id", MP_APPID,
	    "app_secret", MP_SECRET, "token", vs(sc, "token"), NULL);
	memset(&f, 0, sizeof f);
	q = xstrdup(vs(v, "query_example"));
	for (p = strtok_r(q, "&", &save); p != NULL && n < 7;
	    p = strtok_r(NULL, "&", &save))
		f.args[n++] = p;
	body = vs(v, "body");
	fake_request(&req, &f, body, strlen(body),
	    (time_t)strtoll(vs(sc, "timestamp"), NULL, 10));
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	assert_false(in.ignore);
	assert_string_equal(in.channel, "mp");
	assert_string_equal(in.chat_id, vs(ex, "FromUserName"));
	assert_string_equal(in.sender_id, vs(ex, "FromUserName"));
	assert_int_equal(in.chat_kind, CHAT_PRIVATE);
	assert_string_equal(in.text, vs(ex, "Content"));
	assert_string_equal(in.message_id, vs(ex, "MsgId"));
	inbound_clear(&in);

	/* The passive reply one second after the message was sent. */
	fake_request(&req, &f, body, strlen(body),
	    (time_t)json_integer_value(json_object_get(ex, "CreateTime")) + 1);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &req, &in, &why), 0);
	answer(&ch, &in, "server01 正常", &resp);
	assert_string_equal(resp.body, vs(mp, "passive_reply_text"));
	assert_non_null(strstr(resp.content_type, "xml"));
	free(resp.body);
	inbound_clear(&in);
	free(q);
	testchan_free(&ch);
	json_decref(root);
}

/* Nothing to say is one of the vector's no-reply bodies ("success"). */
static void
test_vector_no_reply(void **state)
{
	json_t			*root, *mp, *b;
	struct channel		 ch;
	struct fake		 f;
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	const char		*why;
	char			 a[4][128], *body;
	size_t			 i;
	int			 found = 0;

	(void)state;
	mp = vectors(&root);
	mp_plain(&ch);
	body = plain_body("帮助", "1");
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	answer(&ch, &in, NULL, &resp);
	json_array_foreach(json_object_get(mp, "no_reply_bodies"), i, b)
		if (strcmp(json_string_value(b), resp.body) == 0)
			found = 1;
	assert_true(found);
	assert_string_equal(resp.body, "success");
	free(resp.body);
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);
	json_decref(root);
}

/*
 * What parse() keeps for the passive reply (in->reply_ctx): the reply is
 * addressed from the account and dated with the request's timestamp; a
 * nonce that is not a plain token keeps nothing, and neither a context
 * without its ends nor an empty one is read past: both are "success".
 */
static void
test_reply_context(void **state)
{
	struct channel		 ch;
	struct fake		 f;
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	const char		*why;
	char			 a[4][128], *body;

	(void)state;
	mp_plain(&ch);
	body = plain_body("帮助", "7");
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	assert_string_equal(in.reply_ctx, MP_ACCOUNT);
	answer(&ch, &in, "好的", &resp);
	assert_non_null(strstr(resp.body, "<FromUserName><![CDATA["
	    MP_ACCOUNT "]]></FromUserName>"));
	assert_non_null(strstr(resp.body, "<CreateTime>" MP_TS
	    "</CreateTime>"));
	free(resp.body);
	/* No NUL anywhere, then only the account's. */
	memset(in.reply_ctx, 'a', sizeof in.reply_ctx);
	answer(&ch, &in, "好的", &resp);
	assert_string_equal(resp.body, "success");
	free(resp.body);
	memset(in.reply_ctx, 'a', sizeof in.reply_ctx);
	in.reply_ctx[sizeof in.reply_ctx - 1] = '\0';
	answer(&ch, &in, "好的", &resp);
	assert_string_equal(resp.body, "success");
	free(resp.body);
	inbound_clear(&in);

	/* A nonce with a space in it is signed as sent, and kept not. */
	signed_query(&f, a, MP_TS, "17435 02518", NULL);
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	assert_string_equal(in.reply_ctx, "");
	answer(&ch, &in, "好的", &resp);
	assert_string_equal(resp.body, "success");
	free(resp.body);
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);
}

/* Reads a sealed reply: checks its MsgSignature and returns the plain
 * reply inside it (caller frees). */
static char *
unseal(const char *xml, const char *receiveid)
{
	struct xmlmsg		 x;
	struct wxcrypt_key	 key;
	char			*msg = NULL;
	size_t			 len;

	assert_int_equal(xmlmsg_parse(xml, strlen(xml), &x), XMLMSG_OK);
	assert_non_null(xmlmsg_get(&x, XMLMSG_ENCRYPT));
	assert_int_equal(wxcrypt_verify(MP_TOKEN, xmlmsg_get(&x,
	    XMLMSG_TIME_STAMP), xmlmsg_get(&x, XMLMSG_NONCE), xmlmsg_get(&x,
	    XMLMSG_ENCRYPT), xmlmsg_get(&x, XMLMSG_MSG_SIGNATURE)),
	    WXCRYPT_OK);
	assert_string_equal(xmlmsg_get(&x, XMLMSG_NONCE), MP_NONCE);
	assert_int_equal(wxcrypt_key_parse(MP_AESKEY, &key), WXCRYPT_OK);
	assert_int_equal(wxcrypt_decrypt(&key, xmlmsg_get(&x, XMLMSG_ENCRYPT),
	    receiveid, &msg, &len), WXCRYPT_OK);
	xmlmsg_clear(&x);
	return msg;
}

/* The vector's safe-mode message: the vector's random prefix reproduces
 * its Encrypt, its msg_signature holds, the message decrypts with the
 * AppID, and the answer is sealed for the AppID. */
static void
test_vector_safe_message(void **state)
{
	json_t			*root, *mp, *c;
	struct channel		 ch;
	struct fake		 f;
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct wxcrypt_key	 key;
	unsigned char		 rnd[16];
	const char		*why, *enc;
	char			 a[4][128], *body, *mine = NULL, *plain;
	char			 sig[WXCRYPT_SIG_LEN + 1];
	unsigned int		 b;
	size_t			 i;

	(void)state;
	mp = vectors(&root);
	c = json_object_get(mp, "safe_mode_case");
	assert_string_equal(vs(c, "token"), MP_TOKEN);
	assert_string_equal(vs(c, "encoding_aes_key"), MP_AESKEY);
	assert_string_equal(vs(c, "receive_id"), MP_APPID);
	enc = vs(c, "encrypt");
	for (i = 0; i < 16; i++) {
		assert_int_equal(sscanf(vs(c, "random_hex") + 2 * i, "%2x", &b),
		    1);
		rnd[i] = (unsigned char)b;
	}
	assert_int_equal(wxcrypt_key_parse(MP_AESKEY, &key), WXCRYPT_OK);
	assert_int_equal(wxcrypt_encrypt(&key, rnd, vs(c, "plaintext"),
	    strlen(vs(c, "plaintext")), MP_APPID, &mine), WXCRYPT_OK);
	assert_string_equal(mine, enc);
	free(mine);
	assert_int_equal(wxcrypt_signature(MP_TOKEN, vs(c, "timestamp"),
	    vs(c, "nonce"), enc, sig), WXCRYPT_OK);
	assert_string_equal(sig, vs(c, "msg_signature"));

	mp_safe(&ch);
	signed_query(&f, a, vs(c, "timestamp"), vs(c, "nonce"), enc);
	assert_string_equal(a[3] + strlen("msg_signature="),
	    vs(c, "msg_signature"));
	body = safe_body(enc);
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	assert_false(in.ignore);
	assert_string_equal(in.chat_id, MP_OPENID);
	assert_string_equal(in.text, "查询 server01");
	assert_string_equal(in.message_id, "24366712345678901234");
	answer(&ch, &in, "server01 正常", &resp);
	assert_null(strstr(resp.body, "server01"));
	plain = unseal(resp.body, MP_APPID);
	/* The same reply as in plain mode, at the request's time. */
	assert_string_equal(plain, "<xml><ToUserName><![CDATA[" MP_OPENID
	    "]]></ToUserName><FromUserName><![CDATA[" MP_ACCOUNT "]]>"
	    "</FromUserName><CreateTime>1763750000</CreateTime><MsgType>"
	    "<![CDATA[text]]></MsgType><Content><![CDATA[server01 正常]]>"
	    "</Content></xml>");
	free(plain);
	free(resp.body);
	inbound_clear(&in);

	/* Without a slot for the envelope (a caller other than the server)
	 * parse reads the body itself, to the same message. */
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_null(req.keep);
	assert_int_equal(ch.backend->verify(&ch, &req, &why), 0);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &req, &in, &why), 0);
	assert_string_equal(in.text, "查询 server01");
	inbound_clear(&in);
	/* Something else left in the slot is not taken for the envelope. */
	{
		struct http_keep	 other = { xstrdup("x"), free };

		req.keep = &other;
		memset(&in, 0, sizeof in);
		assert_int_equal(ch.backend->parse(&ch, &req, &in, &why), 0);
		assert_string_equal(in.text, "查询 server01");
		assert_non_null(other.data);
		http_keep_clear(&other);
		assert_null(other.data);
		req.keep = NULL;
		inbound_clear(&in);
	}

	/* Safe mode refuses a request without encrypt_type=aes. */
	f.args[4] = NULL;
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	/* And a plain body even when signed. */
	free(body);
	body = plain_body("举报 x", "5");
	signed_query(&f, a, MP_TS, MP_NONCE, "x");
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	free(body);
	testchan_free(&ch);
	json_decref(root);
}

/* Chinese, emoji and "]]>" come through both ways: the text as sent, and
 * an answer holding "]]>" reads back whole from its CDATA. */
static void
test_chinese_emoji(void **state)
{
	struct channel		 ch;
	struct fake		 f;
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct xmlmsg		 x;
	const char		*why;
	const char		*text = "举报 鑫源理财 😀 年化 20% 🙏\n地址：车站街道";
	const char		*ans = "已收到 👍 a]]>b ]]]]> 完";
	char			 a[4][128], *body;

	(void)state;
	mp_plain(&ch);
	body = plain_body(text, "24366712345678901235");
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	assert_string_equal(in.text, text);
	answer(&ch, &in, ans, &resp);
	assert_int_equal(xmlmsg_parse(resp.body, resp.len, &x), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&x, XMLMSG_CONTENT), ans);
	assert_string_equal(xmlmsg_get(&x, XMLMSG_TO_USER_NAME), MP_OPENID);
	assert_string_equal(xmlmsg_get(&x, XMLMSG_FROM_USER_NAME), MP_ACCOUNT);
	xmlmsg_clear(&x);
	free(resp.body);
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);
}

/* A long answer is cut within 2048 bytes on a character boundary. */
static void
test_reply_cut(void **state)
{
	struct channel		 ch;
	struct fake		 f;
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct xmlmsg		 x;
	struct buf		 b;
	const char		*why;
	char			 a[4][128], *body, *ans;
	size_t			 i;

	(void)state;
	mp_plain(&ch);
	body = plain_body("查询 x", "7");
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	buf_init(&b, 8192);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_adds(&b, "汉"), 0);	/* 3000 bytes */
	ans = buf_steal(&b);
	answer(&ch, &in, ans, &resp);
	assert_int_equal(xmlmsg_parse(resp.body, resp.len, &x), XMLMSG_OK);
	assert_int_equal(x.len[XMLMSG_CONTENT], 2046);	/* 682 characters */
	xmlmsg_clear(&x);
	free(resp.body);
	free(ans);
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);
}

/* Tampered signatures, a missing one, stale and future timestamps. */
static void
test_signatures_and_time(void **state)
{
	struct channel		 ch;
	struct fake		 f;
	struct http_request	 req;
	struct inbound		 in;
	const char		*why;
	char			 a[4][128], *body;

	(void)state;
	mp_plain(&ch);
	body = plain_body("举报 x", "8");
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	fake_request(&req, &f, body, strlen(body), MP_NOW + 300);
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	inbound_clear(&in);
	fake_request(&req, &f, body, strlen(body), MP_NOW - 300);
	assert_int_equal(run(&ch, &req, &in, &why), 0);
	inbound_clear(&in);
	fake_request(&req, &f, body, strlen(body), MP_NOW + 301);
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	assert_string_equal(why, "stale timestamp");
	fake_request(&req, &f, body, strlen(body), MP_NOW - 301);
	assert_int_equal(run(&ch, &req, &in, &why), 401);

	/* The nonce changed after signing. */
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	a[2][7] = '9';
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	assert_string_equal(why, "bad signature");
	/* Upper-case hex is not the signature. */
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	for (char *p = a[0] + 10; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	/* No signature at all. */
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	f.args[0] = "openid=x";
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	/* A non-numeric timestamp, correctly signed. */
	signed_query(&f, a, "17637500x0", MP_NONCE, NULL);
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	/* No query at all (a server without arguments). */
	req.arg = NULL;
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	free(body);
	testchan_free(&ch);
}

/* AES-256-CBC of n bytes (a multiple of 16) without padding, base64. */
static char *
raw_encrypt(const unsigned char *plain, size_t n)
{
	struct wxcrypt_key	 key;
	EVP_CIPHER_CTX		*ctx = EVP_CIPHER_CTX_new();
	unsigned char		 out[1024];
	int			 l1 = 0, l2 = 0;

	assert_true(n <= sizeof out && n % 16 == 0);
	assert_int_equal(wxcrypt_key_parse(MP_AESKEY, &key), WXCRYPT_OK);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
	    key.aes, key.aes), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_EncryptUpdate(ctx, out, &l1, plain, (int)n), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, out + l1, &l2), 1);
	EVP_CIPHER_CTX_free(ctx);
	return platb64_encode(out, (size_t)(l1 + l2));
}

/* Posts enc, correctly signed, to the safe channel; returns the status
 * and the reason in *why. */
static int
post_safe(const struct channel *ch, const char *enc, const char **why)
{
	struct fake		 f;
	struct http_request	 req;
	struct inbound		 in;
	char			 a[4][128], *body = safe_body(enc);
	int			 rc;

	signed_query(&f, a, MP_TS, MP_NONCE, enc);
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	rc = run(ch, &req, &in, why);
	inbound_clear(&in);
	free(body);
	return rc;
}

/* Every broken ciphertext, signed so that it reaches decryption, gets the
 * same 400 and the same reason: truncated, wrong padding, a lying
 * length, a wrong receiveid. A tampered msg_signature is a 401. */
static void
test_decrypt_failures(void **state)
{
	struct channel		 ch;
	struct wxcrypt_key	 key;
	struct fake		 f;
	struct http_request	 req;
	struct inbound		 in;
	unsigned char		 p[96];
	const char		*why, *msg = "<xml><MsgType>text</MsgType></xml>";
	char			*enc = NULL, *body, a[4][128];

	(void)state;
	mp_safe(&ch);
	assert_int_equal(wxcrypt_key_parse(MP_AESKEY, &key), WXCRYPT_OK);

	/* Truncated: the last block, then part of one. */
	assert_int_equal(wxcrypt_encrypt(&key, NULL, msg, strlen(msg),
	    MP_APPID, &enc), WXCRYPT_OK);
	enc[strlen(enc) - 24] = '\0';
	assert_int_equal(post_safe(&ch, enc, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	enc[strlen(enc) - 7] = '\0';
	assert_int_equal(post_safe(&ch, enc, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	free(enc);

	/* Wrong padding: pad value 0, then 33, then mixed pad bytes. */
	memset(p, 'A', sizeof p);
	p[16] = p[17] = p[18] = 0;
	p[19] = 10;
	p[95] = 0;
	enc = raw_encrypt(p, sizeof p);
	assert_int_equal(post_safe(&ch, enc, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	free(enc);
	p[95] = 33;
	enc = raw_encrypt(p, sizeof p);
	assert_int_equal(post_safe(&ch, enc, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	free(enc);
	memset(p + 64, 32, 32);
	p[70] = 31;
	enc = raw_encrypt(p, sizeof p);
	assert_int_equal(post_safe(&ch, enc, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	free(enc);
	/* A length field past the plaintext. */
	memset(p + 64, 32, 32);
	p[18] = 0x7f;
	enc = raw_encrypt(p, sizeof p);
	assert_int_equal(post_safe(&ch, enc, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	free(enc);

	/* Another account's AppID. */
	assert_int_equal(wxcrypt_encrypt(&key, NULL, msg, strlen(msg),
	    "wx0000000000000000", &enc), WXCRYPT_OK);
	assert_int_equal(post_safe(&ch, enc, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	free(enc);

	/* Not base64 at all. */
	assert_int_equal(post_safe(&ch, "!!!!", &why), 400);
	assert_string_equal(why, "cannot decrypt");

	/* A good ciphertext under a tampered msg_signature. */
	assert_int_equal(wxcrypt_encrypt(&key, NULL, msg, strlen(msg),
	    MP_APPID, &enc), WXCRYPT_OK);
	body = safe_body(enc);
	signed_query(&f, a, MP_TS, MP_NONCE, enc);
	a[3][20] = a[3][20] == 'a' ? 'b' : 'a';
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	assert_string_equal(why, "bad msg_signature");
	/* Signed for another body. */
	signed_query(&f, a, MP_TS, MP_NONCE, "AAAA");
	assert_int_equal(run(&ch, &req, &in, &why), 401);
	free(body);
	free(enc);
	testchan_free(&ch);
}

/* DOCTYPE, entities, a processing instruction, nesting and attributes
 * are refused, in the body and inside the ciphertext alike; oversized
 * bodies and fields are 413. */
static void
test_hostile_xml(void **state)
{
	static const char *const bad[] = {
		"<!DOCTYPE xml [<!ENTITY e \"x\">]><xml><MsgType>text"
		    "</MsgType><Content>&e;</Content></xml>",
		"<!DOCTYPE xml SYSTEM \"file:///etc/passwd\"><xml></xml>",
		"<xml><?php evil ?><MsgType>text</MsgType></xml>",
		"<xml><Content a=\"1\">x</Content></xml>",
		"<xml><Content><b>x</b></Content></xml>",
		"<xml><MsgType>text</MsgType><MsgType>text</MsgType></xml>",
		"<root></root>",
		"<xml><Content>unclosed",
		"",
	};
	struct channel		 ch, safe;
	struct wxcrypt_key	 key;
	struct fake		 f;
	struct http_request	 req;
	struct inbound		 in;
	struct buf		 b;
	const char		*why;
	char			 a[4][128], *big, *enc;
	size_t			 i;

	(void)state;
	mp_plain(&ch);
	mp_safe(&safe);
	assert_int_equal(wxcrypt_key_parse(MP_AESKEY, &key), WXCRYPT_OK);
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fake_request(&req, &f, bad[i], strlen(bad[i]), MP_NOW);
		assert_int_equal(run(&ch, &req, &in, &why), 400);
		assert_null(in.text);
		inbound_clear(&in);
		if (*bad[i] == '\0')
			continue;
		assert_int_equal(wxcrypt_encrypt(&key, NULL, bad[i],
		    strlen(bad[i]), MP_APPID, &enc), WXCRYPT_OK);
		assert_int_equal(post_safe(&safe, enc, &why), 400);
		free(enc);
	}
	/* The DOCTYPE of the outer envelope is refused before decrypting. */
	big = xasprintf("<!DOCTYPE x [<!ENTITY a \"b\">]><xml><Encrypt>&a;"
	    "</Encrypt></xml>");
	signed_query(&f, a, MP_TS, MP_NONCE, "b");
	fake_request(&req, &f, big, strlen(big), MP_NOW);
	assert_int_equal(run(&safe, &req, &in, &why), 400);
	free(big);

	/* A body past 256 KiB, then a Content past 16 KiB. */
	buf_init(&b, 1024 * 1024);
	assert_int_equal(buf_adds(&b, "<xml><Content><![CDATA["), 0);
	for (i = 0; i < 300 * 1024; i++)
		assert_int_equal(buf_add(&b, "x", 1), 0);
	assert_int_equal(buf_adds(&b, "]]></Content></xml>"), 0);
	big = buf_steal(&b);
	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	fake_request(&req, &f, big, strlen(big), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 413);
	free(big);
	buf_init(&b, 1024 * 1024);
	for (i = 0; i < 17 * 1024; i++)
		assert_int_equal(buf_add(&b, "x", 1), 0);
	enc = buf_steal(&b);
	big = plain_body(enc, "9");
	fake_request(&req, &f, big, strlen(big), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 413);
	assert_null(in.text);
	free(big);
	free(enc);
	/* Control characters in the text. */
	big = plain_body("举报 \x01\x02", "10");
	fake_request(&req, &f, big, strlen(big), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 400);
	assert_null(in.text);
	free(big);
	/* Plain mode given a safe-mode body. */
	big = safe_body("AAAA");
	fake_request(&req, &f, big, strlen(big), MP_NOW);
	assert_int_equal(run(&ch, &req, &in, &why), 400);
	free(big);
	testchan_free(&safe);
	testchan_free(&ch);
}

/* Posts body to the plain channel; fills *in. */
static int
post_plain(const struct channel *ch, const char *body, struct inbound *in)
{
	struct fake		 f;
	struct http_request	 req;
	const char		*why;
	char			 a[4][128];

	signed_query(&f, a, MP_TS, MP_NONCE, NULL);
	fake_request(&req, &f, body, strlen(body), MP_NOW);
	return run(ch, &req, in, &why);
}

/* Events: subscribe asks for the help and is known by FromUserName and
 * CreateTime; unsubscribe, menu clicks and images are acknowledged and
 * ignored; a text without MsgId, a message without FromUserName are
 * refused. */
static void
test_events(void **state)
{
	struct channel		 ch;
	struct inbound		 in;
	struct http_response	 resp;
	const char		*head = "<xml><ToUserName><![CDATA[" MP_ACCOUNT
	    "]]></ToUserName><FromUserName><![CDATA[" MP_OPENID "]]>"
	    "</FromUserName><CreateTime>1763750007</CreateTime>";
	char			*body;

	(void)state;
	mp_plain(&ch);
	body = xasprintf("%s<MsgType><![CDATA[event]]></MsgType><Event>"
	    "<![CDATA[subscribe]]></Event></xml>", head);
	assert_int_equal(post_plain(&ch, body, &in), 0);
	assert_false(in.ignore);
	assert_string_equal(in.text, "帮助");
	assert_true(in.explicit_cmd);
	assert_string_equal(in.message_id, MP_OPENID ":1763750007");
	inbound_clear(&in);
	free(body);

	body = xasprintf("%s<MsgType><![CDATA[event]]></MsgType><Event>"
	    "<![CDATA[unsubscribe]]></Event></xml>", head);
	assert_int_equal(post_plain(&ch, body, &in), 0);
	assert_true(in.ignore);
	assert_null(in.text);
	assert_string_equal(in.message_id, MP_OPENID ":1763750007");
	answer(&ch, &in, NULL, &resp);
	assert_string_equal(resp.body, "success");
	free(resp.body);
	inbound_clear(&in);
	free(body);

	body = xasprintf("%s<MsgType><![CDATA[image]]></MsgType><PicUrl>"
	    "<![CDATA[http://x/y.jpg]]></PicUrl><MediaId><![CDATA[m]]>"
	    "</MediaId><MsgId>24366712345678909999</MsgId></xml>", head);
	assert_int_equal(post_plain(&ch, body, &in), 0);
	assert_true(in.ignore);
	assert_null(in.text);
	inbound_clear(&in);
	free(body);

	body = xasprintf("%s<MsgType><![CDATA[text]]></MsgType><Content>"
	    "<![CDATA[举报 x]]></Content></xml>", head);
	assert_int_equal(post_plain(&ch, body, &in), 400);
	assert_null(in.text);
	inbound_clear(&in);
	free(body);

	body = xstrdup("<xml><ToUserName>gh</ToUserName><CreateTime>1"
	    "</CreateTime><MsgType>text</MsgType><Content>举报 x</Content>"
	    "<MsgId>1</MsgId></xml>");
	assert_int_equal(post_plain(&ch, body, &in), 400);
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);
}

/* setup refuses an unknown encrypt_mode, safe mode without a key, and a
 * malformed key, naming the key each time. */
static void
test_setup_refusals(void **state)
{
	static const char *const cases[][3] = {
		{ "aes", MP_AESKEY, "encrypt_mode" },
		{ "safe", NULL, "encoding_aes_key" },
		{ "safe", "", "encoding_aes_key" },
		{ "safe", "tooshort", "encoding_aes_key" },
		{ "plain", "not-a-key", "encoding_aes_key" },
	};
	struct channel	 ch;
	char		*cause, *warning;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&ch, 0, sizeof ch);
		ch.name = (char *)(uintptr_t)"mp";
		ch.backend = channel_backend_lookup("wechat_mp");
		assert_non_null(ch.backend);
		cause = warning = NULL;
		assert_int_equal(channel_set(&ch, "app_id", MP_APPID, &cause),
		    0);
		assert_int_equal(channel_set(&ch, "app_secret", MP_SECRET,
		    &cause), 0);
		assert_int_equal(channel_set(&ch, "token", MP_TOKEN, &cause),
		    0);
		assert_int_equal(channel_set(&ch, "encrypt_mode", cases[i][0],
		    &cause), 0);
		if (cases[i][1] != NULL)
			assert_int_equal(channel_set(&ch, "encoding_aes_key",
			    cases[i][1], &cause), 0);
		assert_int_equal(channel_setup(&ch, 1, &warning, &cause), -1);
		assert_non_null(cause);
		assert_non_null(strstr(cause, cases[i][2]));
		assert_non_null(strstr(cause, "mp"));
		assert_null(strstr(cause, MP_AESKEY));
		assert_null(ch.state);
		free(cause);
		free(warning);
		channel_clear(&ch);
	}
	/* The default mode is plain, and needs no key. */
	mp_plain(&ch);
	assert_non_null(ch.state);
	assert_true(ch.backend->sends(&ch));
	testchan_free(&ch);
}

/* The stable_token call and its answers. */
static void
test_token(void **state)
{
	struct channel		 ch;
	struct http_call	 call;
	const char		*why = NULL;
	char			 tok[APITOKEN_MAX], err[256];
	int			 exp = 0;
	const char		*ok = "{\"access_token\":\"ACCESS_TOKEN-1\","
	    "\"expires_in\":7200}";
	const char		*bad = "{\"errcode\":40125,\"errmsg\":"
	    "\"invalid appsecret\"}";

	(void)state;
	mp_plain(&ch);
	assert_non_null(ch.backend->token(&ch));
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->token_prepare(&ch, &call, &why), 0);
	assert_null(call.method);
	assert_string_equal(call.url,
	    "http://127.0.0.1:9/cgi-bin/stable_token");
	assert_string_equal(call.body, "{\"grant_type\":\"client_credential\","
	    "\"appid\":\"" MP_APPID "\",\"secret\":\"" MP_SECRET "\"}");
	assert_int_equal(call.len, strlen(call.body));
	assert_string_equal(call.content_type, "application/json");
	http_call_clear(&call);

	assert_int_equal(ch.backend->token_result(&ch, 200, ok, strlen(ok), tok,
	    sizeof tok, &exp, err, sizeof err), 0);
	assert_string_equal(tok, "ACCESS_TOKEN-1");
	assert_int_equal(exp, 7200);
	assert_int_equal(ch.backend->token_result(&ch, 200, bad, strlen(bad),
	    tok, sizeof tok, &exp, err, sizeof err), -1);
	assert_string_equal(err, "wechat errcode 40125: invalid appsecret");
	assert_int_equal(ch.backend->token_result(&ch, 0, NULL, 0, tok,
	    sizeof tok, &exp, err, sizeof err), -1);
	assert_int_equal(ch.backend->token_result(&ch, 502, "<html>", 6, tok,
	    sizeof tok, &exp, err, sizeof err), -1);
	assert_int_equal(ch.backend->token_result(&ch, 200,
	    "{\"access_token\":\"\",\"expires_in\":7200}", 38, tok, sizeof tok,
	    &exp, err, sizeof err), -1);
	assert_int_equal(ch.backend->token_result(&ch, 200,
	    "{\"access_token\":\"a b\",\"expires_in\":7200}", 40, tok,
	    sizeof tok, &exp, err, sizeof err), -1);
	/* A token that would change the send URL. */
	assert_int_equal(ch.backend->token_result(&ch, 200,
	    "{\"access_token\":\"a&touser=x\",\"expires_in\":7200}", 47,
	    tok, sizeof tok, &exp, err, sizeof err), -1);
	assert_null(strstr(err, MP_SECRET));
	testchan_free(&ch);
}

/* The customer-service send: NEED_TOKEN without a token, then the exact
 * call, the text cut within 2048 bytes. */
static void
test_send_prepare(void **state)
{
	struct channel		 ch;
	struct http_call	 call;
	struct outbound		 m;
	struct buf		 b;
	json_t			*j;
	const char		*why = NULL;
	char			*text;
	size_t			 i;

	(void)state;
	mp_plain(&ch);
	memset(&m, 0, sizeof m);
	m.chat_id = MP_OPENID;
	m.text = "您的举报已受理 JB-1 😀";
	m.idem_key = "k1";
	m.meta = "{\"from\":\"" MP_ACCOUNT "\",\"nonce\":\"1\",\"now\":1}";
	m.now_ms = (int64_t)MP_NOW * 1000;
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why),
	    CHANNEL_NEED_TOKEN);
	assert_null(call.url);
	apitoken_end(ch.backend->token(&ch), "TOKEN_1", 7200, MP_NOW, 0);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	assert_null(call.method);
	assert_string_equal(call.url, "http://127.0.0.1:9/cgi-bin/message/"
	    "custom/send?access_token=TOKEN_1");
	assert_string_equal(call.body, "{\"touser\":\"" MP_OPENID "\","
	    "\"msgtype\":\"text\",\"text\":{\"content\":\"您的举报已受理 JB-1 "
	    "😀\"}}");
	assert_int_equal(call.len, strlen(call.body));
	http_call_clear(&call);

	/* A broadcast row without meta is sent the same way. */
	m.meta = NULL;
	buf_init(&b, 8192);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_adds(&b, "汉"), 0);
	text = buf_steal(&b);
	m.text = text;
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	j = json_loads(call.body, 0, NULL);
	assert_non_null(j);
	assert_int_equal(strlen(json_string_value(json_object_get(
	    json_object_get(j, "text"), "content"))), 2046);
	json_decref(j);
	http_call_clear(&call);
	free(text);

	/* No openid, invalid UTF-8: the row cannot be sent. */
	m.text = "x";
	m.chat_id = "";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	assert_non_null(why);
	m.chat_id = MP_OPENID;
	m.text = "\xff\xfe";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	assert_null(call.url);
	/* Near its expiry the token is not used: fetch again. */
	m.text = "x";
	m.now_ms = (int64_t)(MP_NOW + 7200 - 100) * 1000;
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why),
	    CHANNEL_NEED_TOKEN);
	testchan_free(&ch);
}

/* Every answer class of the customer-service API. */
static void
test_send_result(void **state)
{
	static const struct {
		long		 status;
		const char	*body;
		enum send_status expect;
		int		 forgets;	/* the token is invalidated */
		const char	*err;		/* NULL: not checked */
	} cases[] = {
		{ 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", SEND_OK, 0, NULL },
		{ 200, "{\"errcode\":40001,\"errmsg\":\"invalid credential, "
		    "access_token is invalid or not latest\"}", SEND_RETRY, 1,
		    NULL },
		{ 200, "{\"errcode\":42001,\"errmsg\":\"access_token expired\"}",
		    SEND_RETRY, 1, "wechat errcode 42001: access_token expired" },
		{ 200, "{\"errcode\":40014,\"errmsg\":\"invalid access_token\"}",
		    SEND_RETRY, 1, NULL },
		{ 200, "{\"errcode\":-1,\"errmsg\":\"system error\"}",
		    SEND_RETRY, 0, "wechat errcode -1: system error" },
		{ 200, "{\"errcode\":45009,\"errmsg\":\"reach max api daily "
		    "quota limit\"}", SEND_RETRY, 0, NULL },
		{ 200, "{\"errcode\":45015,\"errmsg\":\"response out of time "
		    "limit or subscription is canceled\"}", SEND_FAILED, 0,
		    "wechat errcode 45015: outside the 48-hour "
		    "customer-service window" },
		{ 200, "{\"errcode\":40003,\"errmsg\":\"invalid openid\"}",
		    SEND_FAILED, 0, "wechat errcode 40003: invalid openid" },
		{ 0, NULL, SEND_RETRY, 0, "wechat: no answer" },
		{ 503, "busy", SEND_RETRY, 0, NULL },
		{ 200, "<html>proxy</html>", SEND_RETRY, 0, NULL },
		{ 403, "{}", SEND_FAILED, 0, NULL },
	};
	struct channel	 ch;
	struct apitoken	*t;
	char		 err[256], tok[APITOKEN_MAX];
	size_t		 i;
	int		 ra;

	(void)state;
	mp_plain(&ch);
	t = ch.backend->token(&ch);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		apitoken_end(t, "TOKEN_1", 7200, time(NULL), 0);
		ra = -5;
		err[0] = '\0';
		assert_int_equal(ch.backend->send_result(&ch, cases[i].status,
		    cases[i].body, cases[i].body ? strlen(cases[i].body) : 0,
		    &ra, err, sizeof err), cases[i].expect);
		assert_true(ra >= 0);
		if (cases[i].forgets)
			assert_int_equal(ra, 0);
		assert_int_equal(apitoken_get(t, time(NULL), tok, sizeof tok),
		    cases[i].forgets ? -1 : 0);
		if (cases[i].err != NULL)
			assert_string_equal(err, cases[i].err);
		if (cases[i].expect != SEND_OK)
			assert_true(err[0] != '\0');
		assert_null(strstr(err, "TOKEN_1"));
		assert_null(strstr(err, MP_SECRET));
	}
	testchan_free(&ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_url_check),
		cmocka_unit_test(test_vector_plain_message),
		cmocka_unit_test(test_vector_no_reply),
		cmocka_unit_test(test_reply_context),
		cmocka_unit_test(test_vector_safe_message),
		cmocka_unit_test(test_chinese_emoji),
		cmocka_unit_test(test_reply_cut),
		cmocka_unit_test(test_signatures_and_time),
		cmocka_unit_test(test_decrypt_failures),
		cmocka_unit_test(test_hostile_xml),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_setup_refusals),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_send_prepare),
		cmocka_unit_test(test_send_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

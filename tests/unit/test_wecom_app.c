/*
 * Unit tests of the WeCom self-built app channel (bot/channel_wecom_app.c):
 * every WeCom callback vector of tests/data/protocol-vectors.json through
 * the adapter's GET, verify, parse and reply, then our own cases (Chinese
 * and emoji, tampered signatures, stale timestamps, broken ciphertexts,
 * a wrong receiveid, DOCTYPE and entities, oversized bodies), and the
 * outbound calls (gettoken, message/send) against PROTOCOLS.md 4(b).
 */
#include "testutil.h"
#include "testvec.h"

#include <jansson.h>
#include <openssl/evp.h>

#include "bot/apitoken.h"
#include "bot/channel.h"
#include "bot/platb64.h"
#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"
#include "messages/message.h"
#include "messages/xmalloc.h"
#include "testchan.h"

#define OFF_TOKEN	"QDG6eK"
#define OFF_KEY		"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define OFF_CORP	"wx5823bf96d3bd56c7"
#define SECRET		"corpSECRET-s3cr3t-0123456789"
#define NOW		1763750000
#define ERRSZ		256

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

/* No headers matter to WeCom. */
static const char *
fake_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* Makes a wecom channel with the given token, key and corp. */
static void
make(struct channel *ch, const char *token, const char *key,
    const char *corp, const char *agent)
{
	testchan_make(ch, "wc", "wecom", "corp_id", corp, "corp_secret",
	    SECRET, "agent_id", agent, "token", token, "encoding_aes_key", key,
	    "api_base", "http://127.0.0.1:9", NULL);
}

/* Fills a request with body and the three signed query values. */
static void
request(struct http_request *req, struct fake *f, const char *method,
    const char *body, size_t len, const char *sig, const char *ts,
    const char *nonce, time_t now)
{
	memset(req, 0, sizeof *req);
	memset(f, 0, sizeof *f);
	f->names[0] = "msg_signature";
	f->values[0] = sig;
	f->names[1] = "timestamp";
	f->values[1] = ts;
	f->names[2] = "nonce";
	f->values[2] = nonce;
	req->method = method;
	req->path = "/hook/wc";
	req->body = body;
	req->body_len = len;
	req->now = now;
	req->header = fake_header;
	req->arg = fake_arg;
	req->impl = f;
}

/* The envelope WeCom POSTs around encrypt (a new string). */
static char *
envelope(const char *corp, const char *encrypt)
{
	char	*s;

	s = xasprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt>"
	    "<![CDATA[%s]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID>"
	    "</xml>", corp, encrypt);
	return s;
}

/*
 * Runs verify then parse as the server does, with a slot for the envelope
 * verify reads (parse must take it); returns the first non-zero status,
 * or 0. The same request is run again without the slot (parse then reads
 * the body itself) and must come to the same status and message.
 */
static int
post(const struct channel *ch, const char *body, const char *sig,
    const char *ts, const char *nonce, time_t now, struct inbound *in,
    const char **why)
{
	struct http_request	 req;
	struct http_keep	 keep = { NULL, NULL };
	struct inbound		 again;
	struct fake		 f;
	const char		*why2;
	int			 rc, rc2;

	request(&req, &f, "POST", body, strlen(body), sig, ts, nonce, now);
	memset(in, 0, sizeof *in);
	*why = NULL;
	req.keep = &keep;
	if ((rc = ch->backend->verify(ch, &req, why)) != 0) {
		assert_non_null(*why);
		assert_null(keep.data);
		return rc;
	}
	rc = ch->backend->parse(ch, &req, in, why);
	if (rc != 0)
		assert_non_null(*why);
	assert_null(keep.data);

	req.keep = NULL;
	memset(&again, 0, sizeof again);
	assert_int_equal(ch->backend->verify(ch, &req, &why2), 0);
	rc2 = ch->backend->parse(ch, &req, &again, &why2);
	assert_int_equal(rc2, rc);
	if (rc == 0) {
		assert_string_equal(again.message_id, in->message_id);
		assert_string_equal(again.chat_id, in->chat_id);
		assert_int_equal(again.ignore, in->ignore);
		if (in->text != NULL)
			assert_string_equal(again.text, in->text);
	}
	inbound_clear(&again);
	return rc;
}

/* Encrypts msg for receiveid with the official key, signs it, POSTs it
 * (timestamp NOW) and returns verify's or parse's status. */
static int
post_sealed(const struct channel *ch, const char *msg, const char *receiveid,
    struct inbound *in, const char **why)
{
	struct wxcrypt_key	 k;
	char			*enc = NULL, *body, sig[WXCRYPT_SIG_LEN + 1];
	int			 rc;

	assert_int_equal(wxcrypt_key_parse(OFF_KEY, &k), WXCRYPT_OK);
	assert_int_equal(wxcrypt_encrypt(&k, NULL, msg, strlen(msg),
	    receiveid, &enc), WXCRYPT_OK);
	assert_int_equal(wxcrypt_signature(OFF_TOKEN, "1763750000", "n0nce",
	    enc, sig), WXCRYPT_OK);
	body = envelope(OFF_CORP, enc);
	rc = post(ch, body, sig, "1763750000", "n0nce", NOW, in, why);
	free(body);
	free(enc);
	return rc;
}

/* Signs raw (already base64) ciphertext enc and POSTs it. */
static int
post_encrypt(const struct channel *ch, const char *enc, struct inbound *in,
    const char **why)
{
	char	*body, sig[WXCRYPT_SIG_LEN + 1];
	int	 rc;

	assert_int_equal(wxcrypt_signature(OFF_TOKEN, "1763750000", "n0nce",
	    enc, sig), WXCRYPT_OK);
	body = envelope(OFF_CORP, enc);
	rc = post(ch, body, sig, "1763750000", "n0nce", NOW, in, why);
	free(body);
	return rc;
}

/* A text message from user with content and id, as WeCom writes it
 * (a new string). */
static char *
text_msg(const char *user, const char *content, const char *id)
{
	char	*s;

	s = xasprintf("<xml><ToUserName><![CDATA[" OFF_CORP "]]>"
	    "</ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
	    "<CreateTime>1763750000</CreateTime><MsgType><![CDATA[text]]>"
	    "</MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId>"
	    "<AgentID>1000002</AgentID></xml>", user, content, id);
	return s;
}

/* Runs GET with echostr; returns the status, the body in *body. */
static int
get(const struct channel *ch, const char *sig, const char *ts,
    const char *nonce, const char *echostr, time_t now, char **body)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct fake		 f;
	const char		*why = NULL;

	request(&req, &f, "GET", "", 0, sig, ts, nonce, now);
	f.names[3] = "echostr";
	f.values[3] = echostr;
	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	ch->backend->get(ch, &req, &resp, &why);
	if (resp.status == 200) {
		assert_non_null(resp.body);
		assert_int_equal(strlen(resp.body), resp.len);
		assert_string_equal(resp.content_type, "text/plain");
	} else {
		assert_non_null(why);
		assert_null(resp.body);
	}
	*body = resp.body;
	return resp.status;
}

/* The official POST example: hello from mycreate. */
static void
test_vector_post_official(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	json_t		*v = vectors(), *o;
	const char	*why;
	char		*body;

	(void)state;
	o = json_object_get(json_object_get(v, "wecom"), "official_vectors");
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "218");
	body = envelope(OFF_CORP, vstr(o, "post_message", "encrypt", NULL));
	assert_int_equal(post(&ch, body, vstr(o, "post_message",
	    "msg_signature", NULL), "1409659813", "1372623149", 1409659813,
	    &in, &why), 0);
	assert_false(in.ignore);
	assert_string_equal(in.channel, "wc");
	assert_string_equal(in.text, "hello");
	assert_string_equal(in.sender_id, "mycreate");
	assert_string_equal(in.chat_id, "mycreate");
	assert_int_equal(in.chat_kind, CHAT_PRIVATE);
	assert_string_equal(in.message_id, "4561255354251345929");
	assert_false(in.explicit_cmd);
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);
	json_decref(v);
}

/* The official GET example, echostr decoded from its query form, and
 * with '+' turned into spaces by a decoder on the way. */
static void
test_vector_get_official(void **state)
{
	struct channel	 ch;
	json_t		*v = vectors(), *o;
	char		*body, *spaced, *p;
	const char	*echo;

	(void)state;
	o = json_object_get(json_object_get(json_object_get(v, "wecom"),
	    "official_vectors"), "get_url_verify");
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "218");
	echo = vstr(o, "echostr", NULL);
	assert_int_equal(get(&ch, vstr(o, "msg_signature", NULL),
	    "1409659589", "263014780", echo, 1409659589, &body), 200);
	assert_string_equal(body, vstr(o, "expected_response_body", NULL));
	free(body);
	spaced = strdup(echo);
	for (p = spaced; *p != '\0'; p++)
		if (*p == '+')
			*p = ' ';
	assert_string_not_equal(spaced, echo);
	assert_int_equal(get(&ch, vstr(o, "msg_signature", NULL),
	    "1409659589", "263014780", spaced, 1409659589, &body), 200);
	assert_string_equal(body, vstr(o, "expected_response_body", NULL));
	free(body);
	free(spaced);
	testchan_free(&ch);
	json_decref(v);
}

/* Every callback case: the POST one through verify and parse (with the
 * inbound_post_example body and query), the echostr one through GET. */
static void
test_vector_callback_cases(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	json_t		*v = vectors(), *w, *c;
	const char	*name, *why;
	char		*body;
	size_t		 i, seen = 0;

	(void)state;
	w = json_object_get(v, "wecom");
	json_array_foreach(json_object_get(w, "callback_cases"), i, c) {
		name = vstr(c, "name", NULL);
		make(&ch, vstr(c, "token", NULL), vstr(c, "encoding_aes_key",
		    NULL), vstr(c, "receive_id", NULL), "1000002");
		if (strcmp(name, "inbound_text_chinese") == 0) {
			assert_non_null(strstr(vstr(w, "inbound_post_example",
			    "query", NULL), vstr(c, "msg_signature", NULL)));
			assert_int_equal(post(&ch, vstr(w,
			    "inbound_post_example", "body", NULL),
			    vstr(c, "msg_signature", NULL), vstr(c,
			    "timestamp", NULL), vstr(c, "nonce", NULL), NOW,
			    &in, &why), 0);
			assert_false(in.ignore);
			assert_string_equal(in.text, "/check server01 状态");
			assert_string_equal(in.sender_id, "zhangsan");
			assert_string_equal(in.message_id,
			    "7419283746512345678");
			inbound_clear(&in);
			/* The case's own encrypt in our envelope. */
			body = envelope(vstr(c, "receive_id", NULL), vstr(c,
			    "encrypt", NULL));
			assert_int_equal(post(&ch, body, vstr(c,
			    "msg_signature", NULL), vstr(c, "timestamp",
			    NULL), vstr(c, "nonce", NULL), NOW, &in, &why), 0);
			assert_string_equal(in.text, "/check server01 状态");
			inbound_clear(&in);
			free(body);
		} else {
			assert_string_equal(name, "url_verify_echostr");
			assert_int_equal(get(&ch, vstr(c, "msg_signature",
			    NULL), vstr(c, "timestamp", NULL), vstr(c,
			    "nonce", NULL), vstr(c, "encrypt", NULL),
			    NOW + 100, &body), 200);
			assert_string_equal(body, vstr(c, "plaintext", NULL));
			free(body);
		}
		seen++;
		testchan_free(&ch);
	}
	assert_int_equal(seen, 2);
	json_decref(v);
}

/* Decrypts a passive reply after checking its signature; returns the
 * inner message (caller frees). */
static char *
open_reply(const char *token, const char *key, const char *corp,
    const char *xml, char ts[32], char nonce[64])
{
	struct xmlmsg		 m;
	struct wxcrypt_key	 k;
	char			*msg = NULL;
	size_t			 len;

	assert_int_equal(xmlmsg_parse(xml, strlen(xml), &m), XMLMSG_OK);
	assert_non_null(xmlmsg_get(&m, XMLMSG_TIME_STAMP));
	assert_non_null(xmlmsg_get(&m, XMLMSG_NONCE));
	assert_int_equal(wxcrypt_verify(token, xmlmsg_get(&m,
	    XMLMSG_TIME_STAMP), xmlmsg_get(&m, XMLMSG_NONCE), xmlmsg_get(&m,
	    XMLMSG_ENCRYPT), xmlmsg_get(&m, XMLMSG_MSG_SIGNATURE)),
	    WXCRYPT_OK);
	assert_int_equal(wxcrypt_key_parse(key, &k), WXCRYPT_OK);
	assert_int_equal(wxcrypt_decrypt(&k, xmlmsg_get(&m, XMLMSG_ENCRYPT),
	    corp, &msg, &len), WXCRYPT_OK);
	(void)snprintf(ts, 32, "%s", xmlmsg_get(&m, XMLMSG_TIME_STAMP));
	(void)snprintf(nonce, 64, "%s", xmlmsg_get(&m, XMLMSG_NONCE));
	xmlmsg_clear(&m);
	return msg;
}

/* Renders texts as the reply to a message from user. */
static struct http_response
render(const struct channel *ch, const char *user, const char *t1,
    const char *t2)
{
	struct inbound		 in;
	struct reply		 r;
	struct http_response	 resp;

	memset(&in, 0, sizeof in);
	memset(&r, 0, sizeof r);
	memset(&resp, 0, sizeof resp);
	(void)inbound_set(in.sender_id, sizeof in.sender_id, user);
	(void)inbound_set(in.chat_id, sizeof in.chat_id, user);
	if (t1 != NULL)
		reply_add(&r, t1);
	if (t2 != NULL)
		reply_add(&r, t2);
	ch->backend->reply(ch, &in, &r, &resp);
	reply_clear(&r);
	assert_int_equal(resp.status, 200);
	return resp;
}

/*
 * The passive reply: the vector's envelope decrypts to exactly what our
 * reply holds for the same text (but CreateTime, which is now), signed
 * with fresh timestamp and nonce; two replies never repeat them.
 */
static void
test_reply_passive(void **state)
{
	struct channel		 ch;
	struct http_response	 a, b;
	json_t			*v = vectors();
	char			*ours, *theirs, *ours2, ts[32], nonce[64];
	char			 ts2[32], nonce2[64], *p, *q;
	const char		*text = "已收到：server01 正常 ✅";

	(void)state;
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	theirs = open_reply(OFF_TOKEN, OFF_KEY, OFF_CORP, vstr(v, "wecom",
	    "passive_reply_envelope_example", NULL), ts, nonce);
	assert_string_equal(ts, "1763750200");
	a = render(&ch, "zhangsan", text, NULL);
	assert_non_null(a.body);
	assert_int_equal(strlen(a.body), a.len);
	assert_string_equal(a.content_type, "application/xml");
	assert_non_null(strstr(a.body, "<MsgSignature><![CDATA["));
	ours = open_reply(OFF_TOKEN, OFF_KEY, OFF_CORP, a.body, ts, nonce);
	assert_true(llabs(strtoll(ts, NULL, 10) - (long long)time(NULL)) < 5);
	/* Put the vector's CreateTime into ours, then compare. */
	p = strstr(ours, "<CreateTime>");
	q = strstr(theirs, "<CreateTime>");
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(strspn(p + 12, "0123456789"), 10);
	memcpy(p + 12, q + 12, 10);
	assert_string_equal(ours, theirs);
	b = render(&ch, "zhangsan", text, NULL);
	ours2 = open_reply(OFF_TOKEN, OFF_KEY, OFF_CORP, b.body, ts2, nonce2);
	assert_string_not_equal(nonce, nonce2);
	assert_string_not_equal(a.body, b.body);
	free(ours2);
	free(ours);
	free(theirs);
	free(a.body);
	free(b.body);
	testchan_free(&ch);
	json_decref(v);
}

/* No texts: an empty 200 ("no reply"), as after the deadline. Two texts
 * join; "]]>" cannot close the CDATA; a long answer fits 2048 bytes. */
static void
test_reply_shapes(void **state)
{
	struct channel		 ch;
	struct http_response	 r;
	struct xmlmsg		 m;
	char			*inner, ts[32], nonce[64], *big;
	size_t			 i;

	(void)state;
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	assert_int_equal(ch.backend->reply_deadline_ms, 4500);
	/* Parts are measured in UTF-8 bytes, as WeCom counts them. */
	assert_int_equal(ch.backend->max_text, 2048);
	assert_non_null(ch.backend->fit);
	assert_int_equal(ch.backend->fit("汉汉汉", 8), 6);
	assert_int_equal(channel_part(&ch, "short"), 5);
	r = render(&ch, "lisi", NULL, NULL);
	assert_null(r.body);
	assert_int_equal(r.len, 0);

	r = render(&ch, "lisi", "第一 ]]><x/>", "第二 😀");
	inner = open_reply(OFF_TOKEN, OFF_KEY, OFF_CORP, r.body, ts, nonce);
	assert_int_equal(xmlmsg_parse(inner, strlen(inner), &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_CONTENT),
	    "第一 ]]><x/>\n\n第二 😀");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_TO_USER_NAME), "lisi");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_FROM_USER_NAME), OFF_CORP);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_MSG_TYPE), "text");
	xmlmsg_clear(&m);
	free(inner);
	free(r.body);
	/* CR and CRLF become LF; "]]>" twice, once after a "]". */
	r = render(&ch, "lisi", "一\r\n二\r三 ]]]>]]>尾", NULL);
	inner = open_reply(OFF_TOKEN, OFF_KEY, OFF_CORP, r.body, ts, nonce);
	assert_int_equal(xmlmsg_parse(inner, strlen(inner), &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_CONTENT),
	    "一\n二\n三 ]]]>]]>尾");
	xmlmsg_clear(&m);
	free(inner);
	free(r.body);

	big = malloc(3 * 1000 + 1);
	for (i = 0; i < 1000; i++)
		memcpy(big + 3 * i, "汉", 3);
	big[3000] = '\0';
	r = render(&ch, "lisi", big, NULL);
	inner = open_reply(OFF_TOKEN, OFF_KEY, OFF_CORP, r.body, ts, nonce);
	assert_int_equal(xmlmsg_parse(inner, strlen(inner), &m), XMLMSG_OK);
	assert_true(m.len[XMLMSG_CONTENT] <= 2048);
	assert_true(m.len[XMLMSG_CONTENT] >= 3 * 512);
	assert_int_equal(m.len[XMLMSG_CONTENT] % 3, 0);
	xmlmsg_clear(&m);
	free(inner);
	free(r.body);
	free(big);
	testchan_free(&ch);
}

/* Chinese text with emoji and a long tip come through exactly. */
static void
test_chinese_emoji(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	const char	*why, *t = "举报 鑫源理财 高息揽储 年化20%😀🙏 <a&b>";
	char		*msg, *esc;

	(void)state;
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	esc = text_msg("wangwu", "举报 鑫源理财 高息揽储 年化20%😀🙏 <a&b>",
	    "1234567890123456789");
	assert_int_equal(post_sealed(&ch, esc, OFF_CORP, &in, &why), 0);
	assert_false(in.ignore);
	assert_string_equal(in.text, t);
	assert_string_equal(in.sender_id, "wangwu");
	assert_string_equal(in.message_id, "1234567890123456789");
	inbound_clear(&in);
	free(esc);
	/* Escaped rather than CDATA: the reader decodes &lt; &amp;. */
	msg = strdup("<xml><ToUserName>" OFF_CORP "</ToUserName><FromUserName>"
	    "wangwu</FromUserName><MsgType>text</MsgType><Content>查询 &lt;"
	    "鑫源&amp;&#x1F600;</Content><MsgId>5</MsgId></xml>");
	assert_int_equal(post_sealed(&ch, msg, OFF_CORP, &in, &why), 0);
	assert_string_equal(in.text, "查询 <鑫源&😀");
	inbound_clear(&in);
	free(msg);
	testchan_free(&ch);
}

/* Changes one character of s (a copy) at i. */
static char *
tamper(const char *s, size_t i)
{
	char	*t = strdup(s);

	t[i] = t[i] == 'a' ? 'b' : t[i] == 'A' ? 'B' : t[i] == '0' ? '1' :
	    'a';
	return t;
}

/* A changed signature, Encrypt, timestamp or nonce: 401, nothing read;
 * the same over GET. */
static void
test_tampered(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	json_t		*v = vectors(), *w, *c;
	const char	*sig, *enc, *why;
	char		*t, *body, *out;

	(void)state;
	w = json_object_get(v, "wecom");
	c = json_array_get(json_object_get(w, "callback_cases"), 0);
	sig = vstr(c, "msg_signature", NULL);
	enc = vstr(c, "encrypt", NULL);
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	t = tamper(sig, 7);
	body = envelope(OFF_CORP, enc);
	assert_int_equal(post(&ch, body, t, "1763750000", "1372623149", NOW,
	    &in, &why), 401);
	assert_null(in.text);
	free(t);
	/* Upper-case hex is not the signature either. */
	t = strdup(sig);
	for (size_t i = 0; t[i] != '\0'; i++)
		if (t[i] >= 'a' && t[i] <= 'f')
			t[i] = (char)(t[i] - 'a' + 'A');
	assert_int_equal(post(&ch, body, t, "1763750000", "1372623149", NOW,
	    &in, &why), 401);
	free(t);
	free(body);
	t = tamper(enc, 40);
	body = envelope(OFF_CORP, t);
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623149", NOW,
	    &in, &why), 401);
	free(body);
	free(t);
	body = envelope(OFF_CORP, enc);
	assert_int_equal(post(&ch, body, sig, "1763750001", "1372623149", NOW,
	    &in, &why), 401);
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623148", NOW,
	    &in, &why), 401);
	assert_int_equal(post(&ch, body, "", "1763750000", "1372623149", NOW,
	    &in, &why), 401);
	/* The right values pass (so the 401s above are the tampering). */
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623149", NOW,
	    &in, &why), 0);
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);

	/* Another token. */
	make(&ch, "QDG6eL", OFF_KEY, OFF_CORP, "1000002");
	body = envelope(OFF_CORP, enc);
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623149", NOW,
	    &in, &why), 401);
	free(body);
	testchan_free(&ch);

	c = json_array_get(json_object_get(w, "callback_cases"), 1);
	make(&ch, vstr(c, "token", NULL), vstr(c, "encoding_aes_key", NULL),
	    vstr(c, "receive_id", NULL), "1000002");
	t = tamper(vstr(c, "msg_signature", NULL), 0);
	assert_int_equal(get(&ch, t, vstr(c, "timestamp", NULL), vstr(c,
	    "nonce", NULL), vstr(c, "encrypt", NULL), NOW + 100, &out), 401);
	free(t);
	t = tamper(vstr(c, "encrypt", NULL), 3);
	assert_int_equal(get(&ch, vstr(c, "msg_signature", NULL), vstr(c,
	    "timestamp", NULL), vstr(c, "nonce", NULL), t, NOW + 100, &out),
	    401);
	free(t);
	assert_int_equal(get(&ch, vstr(c, "msg_signature", NULL), vstr(c,
	    "timestamp", NULL), vstr(c, "nonce", NULL), NULL, NOW + 100, &out),
	    400);
	testchan_free(&ch);
	json_decref(v);
}

/* Timestamps: 300 s either way pass, 301 s do not; digits only; the
 * query must be there at all. */
static void
test_timestamps(void **state)
{
	struct channel		 ch;
	struct inbound		 in;
	struct http_request	 req;
	struct fake		 f;
	json_t			*v = vectors(), *w;
	const char		*sig, *body, *why;
	char			*out;

	(void)state;
	w = json_object_get(v, "wecom");
	sig = vstr(json_array_get(json_object_get(w, "callback_cases"), 0),
	    "msg_signature", NULL);
	body = vstr(w, "inbound_post_example", "body", NULL);
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623149",
	    NOW + 300, &in, &why), 0);
	inbound_clear(&in);
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623149",
	    NOW - 300, &in, &why), 0);
	inbound_clear(&in);
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623149",
	    NOW + 301, &in, &why), 401);
	assert_string_equal(why, "timestamp outside the window");
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623149",
	    NOW - 301, &in, &why), 401);
	assert_int_equal(post(&ch, body, sig, "1763750000", "1372623149",
	    NOW + 86400 * 365, &in, &why), 401);
	assert_int_equal(post(&ch, body, sig, "+1763750000", "1372623149",
	    NOW, &in, &why), 401);
	assert_int_equal(post(&ch, body, sig, "99999999999999999999",
	    "1372623149", NOW, &in, &why), 401);
	assert_int_equal(post(&ch, body, sig, "1763750000", "",
	    NOW, &in, &why), 401);
	/* No query at all, and a server that passes no arg lookup. */
	request(&req, &f, "POST", body, strlen(body), NULL, NULL, NULL, NOW);
	assert_int_equal(ch.backend->verify(&ch, &req, &why), 401);
	req.arg = NULL;
	assert_int_equal(ch.backend->verify(&ch, &req, &why), 401);
	testchan_free(&ch);

	/* The GET check keeps the same window. */
	w = json_array_get(json_object_get(w, "callback_cases"), 1);
	make(&ch, vstr(w, "token", NULL), vstr(w, "encoding_aes_key", NULL),
	    vstr(w, "receive_id", NULL), "1000002");
	assert_int_equal(get(&ch, vstr(w, "msg_signature", NULL), vstr(w,
	    "timestamp", NULL), vstr(w, "nonce", NULL), vstr(w, "encrypt",
	    NULL), NOW + 100 + 301, &out), 401);
	testchan_free(&ch);
	json_decref(v);
}

/* Encrypts len bytes of plain (whole AES blocks) with no padding added,
 * as a broken sender would; returns the base64 (caller frees). */
static char *
raw_encrypt(const unsigned char *plain, size_t len)
{
	struct wxcrypt_key	 k;
	EVP_CIPHER_CTX		*ctx = EVP_CIPHER_CTX_new();
	unsigned char		*ct = malloc(len + 32);
	int			 n = 0, m = 0;
	char			*b;

	assert_int_equal(wxcrypt_key_parse(OFF_KEY, &k), WXCRYPT_OK);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
	    k.aes, k.aes), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_EncryptUpdate(ctx, ct, &n, plain, (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, ct + n, &m), 1);
	b = platb64_encode(ct, (size_t)(n + m));
	EVP_CIPHER_CTX_free(ctx);
	free(ct);
	return b;
}

/* Builds random | len | msg | receiveid | pad (pad bytes of value
 * padval, npad of them) into out; returns the length. */
static size_t
layout(unsigned char *out, const char *msg, const char *id, int padval,
    size_t npad, uint32_t lenfield)
{
	size_t	 n = 0, ml = strlen(msg);

	memset(out, 'r', 16);
	n = 16;
	out[n++] = (unsigned char)(lenfield >> 24);
	out[n++] = (unsigned char)(lenfield >> 16);
	out[n++] = (unsigned char)(lenfield >> 8);
	out[n++] = (unsigned char)lenfield;
	memcpy(out + n, msg, ml);
	n += ml;
	memcpy(out + n, id, strlen(id));
	n += strlen(id);
	memset(out + n, padval, npad);
	return n + npad;
}

/*
 * Signed but broken ciphertexts: truncated, not whole blocks, not base64,
 * padding 0 / 33 / mixed, a lying length field, a wrong receiveid. Each
 * is refused with the same answer, and none yields a message.
 */
static void
test_broken_ciphertexts(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	unsigned char	 plain[1024];
	const char	*why, *msg = "<xml><FromUserName>u</FromUserName>"
	    "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>";
	char		*enc, *cut;
	size_t		 n, base, npad;
	int		 i;

	(void)state;
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	base = 16 + 4 + strlen(msg) + strlen(OFF_CORP);
	npad = 32 - base % 32;
	/* The well-formed one passes: the layout helper is right. */
	n = layout(plain, msg, OFF_CORP, (int)npad, npad, (uint32_t)strlen(msg));
	enc = raw_encrypt(plain, n);
	assert_int_equal(post_encrypt(&ch, enc, &in, &why), 0);
	assert_string_equal(in.text, "x");
	inbound_clear(&in);
	/* Truncated by one block (base64 of 48 bytes less = 64 chars). */
	cut = strdup(enc);
	cut[strlen(cut) - 64] = '\0';
	assert_int_equal(post_encrypt(&ch, cut, &in, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	assert_null(in.text);
	/* Not whole blocks, and not base64 at all. */
	cut[strlen(cut) - 4] = '\0';
	assert_int_equal(post_encrypt(&ch, cut, &in, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	free(cut);
	assert_int_equal(post_encrypt(&ch, "!!!notbase64!!!=", &in, &why),
	    400);
	assert_string_equal(why, "cannot decrypt");
	free(enc);
	/* Padding values 0 and 33, and pad bytes that differ. */
	for (i = 0; i < 3; i++) {
		n = layout(plain, msg, OFF_CORP, i == 0 ? 0 : i == 1 ? 33 :
		    (int)npad, npad, (uint32_t)strlen(msg));
		if (i == 2)
			plain[n - 2] ^= 1;
		enc = raw_encrypt(plain, n);
		assert_int_equal(post_encrypt(&ch, enc, &in, &why), 400);
		assert_string_equal(why, "cannot decrypt");
		assert_null(in.text);
		free(enc);
	}
	/* A length field pointing past the plaintext. */
	n = layout(plain, msg, OFF_CORP, (int)npad, npad, 5000);
	enc = raw_encrypt(plain, n);
	assert_int_equal(post_encrypt(&ch, enc, &in, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	free(enc);
	/* Another corp's message, well formed. */
	assert_int_equal(post_sealed(&ch, msg, "wx5823bf96d3bd56c8", &in,
	    &why), 400);
	assert_string_equal(why, "cannot decrypt");
	assert_int_equal(post_sealed(&ch, msg, "", &in, &why), 400);
	assert_string_equal(why, "cannot decrypt");
	assert_null(in.text);
	testchan_free(&ch);
}

/* A DOCTYPE or entity, outside or inside the encryption, is refused. */
static void
test_doctype_entities(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	const char	*why;
	char		 sig[WXCRYPT_SIG_LEN + 1];
	const char	*outer = "<!DOCTYPE xml [<!ENTITY e \"x\">]><xml>"
	    "<ToUserName>" OFF_CORP "</ToUserName><Encrypt>&e;</Encrypt></xml>";
	const char	*inner[] = {
		"<!DOCTYPE xml [<!ENTITY big \"举报 x\">]><xml><FromUserName>"
		    "u</FromUserName><MsgType>text</MsgType><Content>&big;"
		    "</Content><MsgId>1</MsgId></xml>",
		"<!DOCTYPE xml SYSTEM \"file:///etc/passwd\"><xml><FromUserName>"
		    "u</FromUserName><MsgType>text</MsgType><Content>举报 x"
		    "</Content><MsgId>1</MsgId></xml>",
		"<?xml-stylesheet href=\"a\"?><xml><FromUserName>u"
		    "</FromUserName><MsgType>text</MsgType><Content>x</Content>"
		    "<MsgId>1</MsgId></xml>",
		"<xml><FromUserName a=\"1\">u</FromUserName></xml>",
		"举报 not xml",
	};
	size_t		 i;

	(void)state;
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	assert_int_equal(wxcrypt_signature(OFF_TOKEN, "1763750000", "n", "x",
	    sig), WXCRYPT_OK);
	assert_int_equal(post(&ch, outer, sig, "1763750000", "n", NOW, &in,
	    &why), 400);
	for (i = 0; i < sizeof inner / sizeof inner[0]; i++) {
		assert_int_equal(post_sealed(&ch, inner[i], OFF_CORP, &in,
		    &why), 400);
		assert_null(in.text);
		inbound_clear(&in);
	}
	testchan_free(&ch);
}

/* Oversized bodies and fields: 413 or 400, never a message. */
static void
test_oversized(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	const char	*why;
	char		*big, *msg, sig[WXCRYPT_SIG_LEN + 1];
	size_t		 n = XMLMSG_DOC_MAX + 10;
	int		 rc;

	(void)state;
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	big = malloc(n + 1);
	memset(big, 'A', n);
	memcpy(big, "<xml><Encrypt>", 14);
	memcpy(big + n - 16, "</Encrypt></xml>", 16);
	big[n] = '\0';
	assert_int_equal(wxcrypt_signature(OFF_TOKEN, "1763750000", "n", "A",
	    sig), WXCRYPT_OK);
	assert_int_equal(post(&ch, big, sig, "1763750000", "n", NOW, &in,
	    &why), 413);
	free(big);
	assert_int_equal(post(&ch, "", sig, "1763750000", "n", NOW, &in,
	    &why), 400);
	/* A Content past the text cap, inside a valid message. */
	big = malloc(INBOUND_TEXT_MAX + 2);
	memset(big, 'x', INBOUND_TEXT_MAX + 1);
	big[INBOUND_TEXT_MAX + 1] = '\0';
	msg = text_msg("u", big, "7");
	rc = post_sealed(&ch, msg, OFF_CORP, &in, &why);
	assert_true(rc == 413 || rc == 400);
	assert_null(in.text);
	free(msg);
	free(big);
	/* A userid past the id cap. */
	big = malloc(200);
	memset(big, 'u', 199);
	big[199] = '\0';
	msg = text_msg(big, "举报 x", "8");
	assert_int_equal(post_sealed(&ch, msg, OFF_CORP, &in, &why), 400);
	free(msg);
	free(big);
	testchan_free(&ch);
}

/* Events and other message types are acknowledged and ignored; text
 * without MsgId or Content, or with control characters, is refused. */
static void
test_events_and_refusals(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	const char	*why;
	const char	*ignored[] = {
		"<xml><ToUserName><![CDATA[" OFF_CORP "]]></ToUserName>"
		    "<FromUserName><![CDATA[zhangsan]]></FromUserName>"
		    "<CreateTime>1763750000</CreateTime><MsgType><![CDATA["
		    "event]]></MsgType><Event><![CDATA[enter_agent]]></Event>"
		    "<EventKey><![CDATA[]]></EventKey><AgentID>1000002"
		    "</AgentID></xml>",
		"<xml><FromUserName>zhangsan</FromUserName><CreateTime>1"
		    "</CreateTime><MsgType>event</MsgType><Event>subscribe"
		    "</Event></xml>",
		"<xml><FromUserName>zhangsan</FromUserName><MsgType>image"
		    "</MsgType><PicUrl>http://x/y.png</PicUrl><MediaId>m"
		    "</MediaId><MsgId>9</MsgId></xml>",
	};
	const char	*refused[] = {
		"<xml><FromUserName>u</FromUserName><MsgType>text</MsgType>"
		    "<Content>x</Content></xml>",
		"<xml><FromUserName>u</FromUserName><MsgType>text</MsgType>"
		    "<MsgId>1</MsgId></xml>",
		"<xml><MsgType>text</MsgType><Content>x</Content><MsgId>1"
		    "</MsgId></xml>",
		"<xml><FromUserName>u</FromUserName><Content>x</Content>"
		    "<MsgId>1</MsgId></xml>",
		"<xml><ToUserName>wwother</ToUserName><FromUserName>u"
		    "</FromUserName><MsgType>text</MsgType><Content>x</Content>"
		    "<MsgId>1</MsgId></xml>",
		"<xml><FromUserName>u</FromUserName><MsgType>text</MsgType>"
		    "<Content>a&#x7;b</Content><MsgId>1</MsgId></xml>",
	};
	size_t		 i;

	(void)state;
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	for (i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
		assert_int_equal(post_sealed(&ch, ignored[i], OFF_CORP, &in,
		    &why), 0);
		assert_true(in.ignore);
		assert_null(in.text);
		assert_string_equal(in.sender_id, "zhangsan");
		inbound_clear(&in);
	}
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		assert_int_not_equal(post_sealed(&ch, refused[i], OFF_CORP,
		    &in, &why), 0);
		assert_null(in.text);
		inbound_clear(&in);
	}
	testchan_free(&ch);
}

/* Settings: every key is required but api_base; the key must be 43
 * characters, agent_id a number; secrets are marked so. */
static void
test_setup(void **state)
{
	static const char *const	 keys[] = {
		"corp_id", "corp_secret", "agent_id", "token",
		"encoding_aes_key"
	};
	const char			*bad[][2] = {
		{ "encoding_aes_key", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2" },
		{ "encoding_aes_key", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2!" },
		{ "agent_id", "abc" },
		{ "agent_id", "-5" },
		{ "agent_id", "12x" },
		{ "corp_id", "" },
	};
	const struct channel_backend	*b = channel_backend_lookup("wecom");
	const struct channel_key	*k;
	struct channel			 ch;
	char				*cause = NULL, *warning = NULL;
	size_t				 i, j;

	(void)state;
	assert_non_null(b);
	assert_ptr_not_equal(b, robot_backend_lookup("wecom"));
	assert_non_null(b->get);
	assert_int_equal(b->dedupe, CHANNEL_DEDUPE_SENDER);
	for (i = 0; i < 5; i++) {
		k = channel_key_find(b, keys[i]);
		assert_non_null(k);
		assert_true(k->flags & CHANNEL_KEY_REQUIRED);
		assert_int_equal(!!(k->flags & CHANNEL_KEY_SECRET),
		    i == 1 || i == 3 || i == 4);
	}
	k = channel_key_find(b, "api_base");
	assert_non_null(k);
	assert_int_equal(k->flags, 0);
	for (i = 0; i < 5; i++) {
		memset(&ch, 0, sizeof ch);
		ch.name = (char *)(uintptr_t)"wc";
		ch.backend = b;
		for (j = 0; j < 5; j++)
			if (j != i)
				assert_int_equal(channel_set(&ch, keys[j],
				    j == 2 ? "5" : j == 4 ? OFF_KEY : "v",
				    &cause), 0);
		assert_int_equal(channel_setup(&ch, 1, &warning, &cause), -1);
		assert_non_null(strstr(cause, keys[i]));
		free(cause);
		free(warning);
		channel_clear(&ch);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&ch, 0, sizeof ch);
		ch.name = (char *)(uintptr_t)"wc";
		ch.backend = b;
		for (j = 0; j < 5; j++)
			assert_int_equal(channel_set(&ch, keys[j],
			    j == 2 ? "5" : j == 4 ? OFF_KEY : "v", &cause), 0);
		cause = NULL;
		if (channel_set(&ch, bad[i][0], bad[i][1], &cause) == 0)
			assert_int_equal(channel_setup(&ch, 1, &warning,
			    &cause), -1);
		assert_non_null(cause);
		assert_null(strstr(cause, OFF_KEY));
		free(cause);
		free(warning);
		warning = NULL;
		channel_clear(&ch);
	}
}

/* Stores tok in the channel's cache as a fetch would. */
static void
give_token(const struct channel *ch, const char *tok)
{
	struct apitoken	*t = ch->backend->token(ch);

	assert_non_null(t);
	assert_int_equal(apitoken_begin(t, NOW), 1);
	apitoken_end(t, tok, 7200, NOW, 0);
}

/* gettoken: the documented GET, the documented answer, and failures
 * that never show the secret. */
static void
test_token(void **state)
{
	struct channel		 ch;
	struct http_call	 call;
	json_t			*v = vectors(), *ex;
	const char		*why = NULL;
	char			 out[APITOKEN_MAX], err[ERRSZ], *want;
	const char		*ans;
	int			 exp = 0;

	(void)state;
	ex = json_object_get(json_object_get(v, "wecom"), "app_send_example");
	testchan_make(&ch, "wc", "wecom", "corp_id", "ID", "corp_secret",
	    "SECRET", "agent_id", "1000002", "token", OFF_TOKEN,
	    "encoding_aes_key", OFF_KEY, NULL);
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->token_prepare(&ch, &call, &why), 0);
	assert_string_equal(call.method, "GET");
	assert_null(call.body);
	/* "GET https://…" of the vector is the default api_base's URL. */
	want = strdup(vstr(ex, "token_request", NULL) + 4);
	assert_string_equal(call.url, want);
	free(want);
	http_call_clear(&call);
	testchan_free(&ch);

	make(&ch, OFF_TOKEN, OFF_KEY, "ww&corp=1", "1000002");
	assert_int_equal(ch.backend->token_prepare(&ch, &call, &why), 0);
	assert_string_equal(call.url, "http://127.0.0.1:9/cgi-bin/gettoken?"
	    "corpid=ww%26corp%3D1&corpsecret=corpSECRET-s3cr3t-0123456789");
	http_call_clear(&call);

	ans = vstr(ex, "token_response_example", NULL);
	assert_int_equal(ch.backend->token_result(&ch, 200, ans, strlen(ans),
	    out, sizeof out, &exp, err, sizeof err), 0);
	assert_string_equal(out, "accesstoken000001");
	assert_int_equal(exp, 7200);
	ans = "{\"errcode\":40013,\"errmsg\":\"invalid corpid\"}";
	assert_int_equal(ch.backend->token_result(&ch, 200, ans, strlen(ans),
	    out, sizeof out, &exp, err, sizeof err), -1);
	assert_string_equal(err, "wecom errcode 40013: invalid corpid");
	ans = "{\"errcode\":40001,\"errmsg\":\"invalid credential corpSECRET-"
	    "s3cr3t-0123456789, url gettoken?corpsecret=abc&x=1\"}";
	assert_int_equal(ch.backend->token_result(&ch, 200, ans, strlen(ans),
	    out, sizeof out, &exp, err, sizeof err), -1);
	assert_null(strstr(err, SECRET));
	assert_null(strstr(err, "abc"));
	assert_non_null(strstr(err, "wecom errcode 40001"));
	assert_int_equal(ch.backend->token_result(&ch, 500, "", 0, out,
	    sizeof out, &exp, err, sizeof err), -1);
	assert_string_equal(err, "wecom gettoken: http 500");
	assert_int_equal(ch.backend->token_result(&ch, 0, NULL, 0, out,
	    sizeof out, &exp, err, sizeof err), -1);
	ans = "{\"errcode\":0,\"access_token\":\"a b\",\"expires_in\":7200}";
	assert_int_equal(ch.backend->token_result(&ch, 200, ans, strlen(ans),
	    out, sizeof out, &exp, err, sizeof err), -1);
	ans = "{\"errcode\":0,\"access_token\":\"tok\",\"expires_in\":-1}";
	assert_int_equal(ch.backend->token_result(&ch, 200, ans, strlen(ans),
	    out, sizeof out, &exp, err, sizeof err), -1);
	ans = "<html>";
	assert_int_equal(ch.backend->token_result(&ch, 200, ans, strlen(ans),
	    out, sizeof out, &exp, err, sizeof err), -1);
	testchan_free(&ch);
	json_decref(v);
}

/* message/send: no token yet, then the documented request; one member
 * only. */
static void
test_send_prepare(void **state)
{
	struct channel		 ch;
	struct http_call	 call;
	struct outbound		 m;
	json_t			*v = vectors(), *ex, *got, *want;
	const char		*why = NULL;

	(void)state;
	ex = json_object_get(json_object_get(json_object_get(v, "wecom"),
	    "app_send_example"), "send_request");
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	memset(&m, 0, sizeof m);
	m.chat_id = "zhangsan";
	m.text = "告警：server01 CPU 95%";
	m.idem_key = "k1";
	m.now_ms = (int64_t)NOW * 1000;
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why),
	    CHANNEL_NEED_TOKEN);
	assert_null(call.url);
	give_token(&ch, "accesstoken000001");
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	assert_null(call.method);
	assert_string_equal(call.url, "http://127.0.0.1:9/cgi-bin/message/"
	    "send?access_token=accesstoken000001");
	assert_string_equal(call.content_type, "application/json");
	assert_int_equal(call.len, strlen(call.body));
	/* The vector's body, addressed to one member. */
	want = json_loads(vstr(ex, "body", NULL), 0, NULL);
	assert_non_null(want);
	json_object_set_new(want, "touser", json_string("zhangsan"));
	got = json_loads(call.body, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(got);
	assert_true(json_equal(got, want));
	assert_string_equal(call.body, "{\"touser\":\"zhangsan\",\"msgtype\":"
	    "\"text\",\"agentid\":1000002,\"text\":{\"content\":\"告警：server01 "
	    "CPU 95%\"},\"safe\":0}");
	json_decref(got);
	json_decref(want);
	http_call_clear(&call);
	/* Past the token's life less the margin: fetch again. */
	m.now_ms = (int64_t)(NOW + 7200 - APITOKEN_MARGIN + 1) * 1000;
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why),
	    CHANNEL_NEED_TOKEN);
	m.now_ms = (int64_t)NOW * 1000;
	m.chat_id = "zhangsan|lisi";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	m.chat_id = "@all";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	m.chat_id = "";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	m.chat_id = "lisi";
	m.text = "bad \xff utf-8";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	assert_null(call.url);
	testchan_free(&ch);
	json_decref(v);
}

/* message/send answers: sent, rate limits, token codes (invalidate and
 * retry at once), permanent errors with code and message, no secrets. */
static void
test_send_result(void **state)
{
	static const struct {
		long		 status;
		const char	*body;
		enum send_status st;
		int		 ra;
		int		 token_kept;
		const char	*err;
	} cases[] = {
		{ 200, "{\"errcode\":0,\"errmsg\":\"ok\",\"invaliduser\":\"\"}",
		    SEND_OK, 0, 1, NULL },
		{ 200, "{\"errcode\":45009,\"errmsg\":\"api freq out of "
		    "limit\"}", SEND_RETRY, 60, 1, NULL },
		{ 200, "{\"errcode\":-1,\"errmsg\":\"system busy\"}",
		    SEND_RETRY, 0, 1, NULL },
		{ 200, "{\"errcode\":42001,\"errmsg\":\"access_token expired, "
		    "hint: access_token=accesstoken000001\"}", SEND_RETRY, 0,
		    0, NULL },
		{ 200, "{\"errcode\":40014,\"errmsg\":\"invalid access_token"
		    "\"}", SEND_RETRY, 0, 0, NULL },
		{ 200, "{\"errcode\":40001,\"errmsg\":\"invalid credential\"}",
		    SEND_RETRY, 0, 0, NULL },
		{ 200, "{\"errcode\":41001,\"errmsg\":\"access_token missing"
		    "\"}", SEND_RETRY, 0, 0, NULL },
		{ 200, "{\"errcode\":60020,\"errmsg\":\"not allow to access "
		    "from your ip\"}", SEND_FAILED, 0, 1,
		    "wecom errcode 60020: not allow to access from your ip" },
		{ 200, "{\"errcode\":81013,\"errmsg\":\"user & party & tag all "
		    "invalid corpSECRET-s3cr3t-0123456789\"}", SEND_FAILED, 0,
		    1, NULL },
		{ 200, "{\"errcode\":0,\"errmsg\":\"ok\",\"invaliduser\":"
		    "\"zhangsan\"}", SEND_FAILED, 0, 1, NULL },
		{ 0, NULL, SEND_RETRY, 0, 1, "wecom: no answer" },
		{ 502, "<html>bad gateway</html>", SEND_RETRY, 0, 1, NULL },
		{ 200, "<html>proxy</html>", SEND_RETRY, 0, 1, NULL },
	};
	struct channel	 ch;
	char		 err[ERRSZ], out[APITOKEN_MAX];
	size_t		 i;
	int		 ra;

	(void)state;
	make(&ch, OFF_TOKEN, OFF_KEY, OFF_CORP, "1000002");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		give_token(&ch, "accesstoken000001");
		ra = -7;
		err[0] = '\0';
		assert_int_equal(ch.backend->send_result(&ch, cases[i].status,
		    cases[i].body, cases[i].body ? strlen(cases[i].body) : 0,
		    &ra, err, sizeof err), cases[i].st);
		if (cases[i].st == SEND_RETRY)
			assert_int_equal(ra, cases[i].ra);
		assert_int_equal(apitoken_get(ch.backend->token(&ch), NOW, out,
		    sizeof out) == 0, cases[i].token_kept);
		if (cases[i].err != NULL)
			assert_string_equal(err, cases[i].err);
		if (cases[i].st == SEND_FAILED)
			assert_non_null(strstr(err, "wecom"));
		assert_null(strstr(err, SECRET));
		assert_null(strstr(err, "accesstoken000001"));
		apitoken_invalidate(ch.backend->token(&ch));
	}
	testchan_free(&ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_post_official),
		cmocka_unit_test(test_vector_get_official),
		cmocka_unit_test(test_vector_callback_cases),
		cmocka_unit_test(test_reply_passive),
		cmocka_unit_test(test_reply_shapes),
		cmocka_unit_test(test_chinese_emoji),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_broken_ciphertexts),
		cmocka_unit_test(test_doctype_entities),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_events_and_refusals),
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_send_prepare),
		cmocka_unit_test(test_send_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * End-to-end tests of the WeChat Official Account channel: the real
 * binary on loopback with a plain-mode ([channel.mp]) and a safe-mode
 * ([channel.mps]) account, requests signed as WeChat signs them. The URL
 * check echoes echostr; a tip sent three times with one MsgId (WeChat's
 * retries) is stored once and every attempt gets the same reference; a
 * check is answered with the passive reply XML (sealed in safe mode);
 * bad signatures get 401 and broken ciphertexts 400, storing nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"
#include "e2e.h"
#include "messages/xmalloc.h"

#define MP_TOKEN	"wx_Token-e2e"
#define MP_AESKEY	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define MP_APPID	"wx5823bf96d3bd56c7"
#define MP_ACCOUNT	"gh_a96a4a619366"
#define MP_NONCE	"1743502518"

static struct daemon d;

/* Starts the daemon with both accounts. */
static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, "[channel.mp]\ntype = wechat_mp\narea = 华光路社区\n"
	    "app_id = " MP_APPID "\napp_secret = s3cret\ntoken = " MP_TOKEN
	    "\napi_base = http://127.0.0.1:9\n"
	    "[channel.mps]\ntype = wechat_mp\narea = 华光路社区\n"
	    "app_id = " MP_APPID "\napp_secret = s3cret\ntoken = " MP_TOKEN
	    "\nencoding_aes_key = " MP_AESKEY "\nencrypt_mode = safe\n"
	    "api_base = http://127.0.0.1:9\n");
	e2e_start(&d);
	return 0;
}

/* Stops it and removes its directory. */
static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/* Writes /hook/CHANNEL?signature…&timestamp=now&nonce… (with
 * encrypt_type and msg_signature over enc when enc is set) into path. */
static void
signed_path(char *path, size_t size, const char *channel, const char *enc,
    const char *extra)
{
	char	 ts[24], sig[WXCRYPT_SIG_LEN + 1], msig[WXCRYPT_SIG_LEN + 1];

	(void)snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	assert_int_equal(wxcrypt_signature(MP_TOKEN, ts, MP_NONCE, NULL, sig),
	    WXCRYPT_OK);
	if (enc != NULL)
		assert_int_equal(wxcrypt_signature(MP_TOKEN, ts, MP_NONCE, enc,
		    msig), WXCRYPT_OK);
	(void)snprintf(path, size, "/hook/%s?signature=%s&timestamp=%s&nonce="
	    MP_NONCE "&openid=o1%s%s%s", channel, sig, ts,
	    enc != NULL ? "&encrypt_type=aes&msg_signature=" : "",
	    enc != NULL ? msig : "", extra != NULL ? extra : "");
}

/* The plain message XML from openid. */
static char *
message(const char *openid, const char *text, const char *msgid)
{
	return xasprintf("<xml><ToUserName><![CDATA[" MP_ACCOUNT "]]>"
	    "</ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
	    "<CreateTime>%lld</CreateTime><MsgType><![CDATA[text]]></MsgType>"
	    "<Content><![CDATA[%s]]></Content><MsgId>%s</MsgId></xml>",
	    openid, (long long)time(NULL), text, msgid);
}

/* POSTs body to path. */
static struct http_result
post(const char *path, const char *body)
{
	static const char *const hdr[] = { "Content-Type: text/xml", NULL };

	return e2e_request(&d, "POST", path, hdr, body, strlen(body));
}

/* Sends a plain message, signed. */
static struct http_result
say_plain(const char *openid, const char *text, const char *msgid)
{
	char			 path[512], *body = message(openid, text, msgid);
	struct http_result	 r;

	signed_path(path, sizeof path, "mp", NULL, NULL);
	r = post(path, body);
	free(body);
	return r;
}

/* Sends a message encrypted and signed as safe mode does. */
static struct http_result
say_safe(const char *openid, const char *text, const char *msgid)
{
	struct wxcrypt_key	 key;
	struct http_result	 r;
	char			 path[512], *msg, *enc = NULL, *body = NULL;

	msg = message(openid, text, msgid);
	assert_int_equal(wxcrypt_key_parse(MP_AESKEY, &key), WXCRYPT_OK);
	assert_int_equal(wxcrypt_encrypt(&key, NULL, msg, strlen(msg),
	    MP_APPID, &enc), WXCRYPT_OK);
	body = xasprintf("<xml><ToUserName><![CDATA[" MP_ACCOUNT
	    "]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", enc);
	signed_path(path, sizeof path, "mps", enc, NULL);
	r = post(path, body);
	free(body);
	free(enc);
	free(msg);
	return r;
}

/* The Content of a plain passive reply (caller frees), checking that it
 * answers openid from the account. */
static char *
content_of(const char *xml, const char *openid)
{
	struct xmlmsg	 x;
	char		*s;

	assert_non_null(xml);
	assert_int_equal(xmlmsg_parse(xml, strlen(xml), &x), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&x, XMLMSG_TO_USER_NAME), openid);
	assert_string_equal(xmlmsg_get(&x, XMLMSG_FROM_USER_NAME), MP_ACCOUNT);
	assert_string_equal(xmlmsg_get(&x, XMLMSG_MSG_TYPE), "text");
	s = xstrdup(xmlmsg_get(&x, XMLMSG_CONTENT));
	xmlmsg_clear(&x);
	return s;
}

/* Checks and opens a sealed reply; returns its Content (caller frees). */
static char *
content_sealed(const char *xml, const char *openid)
{
	struct xmlmsg		 x;
	struct wxcrypt_key	 key;
	char			*msg = NULL, *s;
	size_t			 len;

	assert_non_null(xml);
	assert_int_equal(xmlmsg_parse(xml, strlen(xml), &x), XMLMSG_OK);
	assert_int_equal(wxcrypt_verify(MP_TOKEN, xmlmsg_get(&x,
	    XMLMSG_TIME_STAMP), xmlmsg_get(&x, XMLMSG_NONCE), xmlmsg_get(&x,
	    XMLMSG_ENCRYPT), xmlmsg_get(&x, XMLMSG_MSG_SIGNATURE)),
	    WXCRYPT_OK);
	assert_int_equal(wxcrypt_key_parse(MP_AESKEY, &key), WXCRYPT_OK);
	assert_int_equal(wxcrypt_decrypt(&key, xmlmsg_get(&x, XMLMSG_ENCRYPT),
	    MP_APPID, &msg, &len), WXCRYPT_OK);
	xmlmsg_clear(&x);
	s = content_of(msg, openid);
	free(msg);
	return s;
}

/* The number of tips whose body holds text. */
static long
tips_like(const char *text)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%%%s%%'", text);
	return e2e_sql_long(&d, sql);
}

/* What the channel recorded as seen. */
static long
seen(const char *channel)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM inbound_seen "
	    "WHERE channel = '%s'", channel);
	return e2e_sql_long(&d, sql);
}

/* Copies the tip reference in s into ref ("" when none). */
static void
ref_of(const char *s, char ref[32])
{
	const char	*p = strstr(s, "JB-");
	size_t		 n = 0;

	if (p != NULL)
		n = strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");
	if (n >= 32)
		n = 0;
	memcpy(ref, p != NULL ? p : "", n);
	ref[n] = '\0';
}

/* The URL check echoes echostr when signed, and is refused otherwise. */
static void
test_url_check(void **state)
{
	struct http_result	 r;
	char			 path[512];

	(void)state;
	signed_path(path, sizeof path, "mp", NULL, "&echostr=8305999631672647420");
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 19);
	assert_memory_equal(r.body, "8305999631672647420", 19);
	e2e_result_free(&r);
	/* The safe-mode account checks its URL the same way. */
	signed_path(path, sizeof path, "mps", NULL, "&echostr=42");
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "42", 2);
	e2e_result_free(&r);
	path[strlen("/hook/mp?signature=") + 3] ^= 1;
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 401);
	assert_null(strstr(r.body ? r.body : "", "42"));
	e2e_result_free(&r);
}

/* WeChat's three attempts of one tip (one MsgId) store one tip and get
 * the same reference each time. */
static void
test_tip_once(void **state)
{
	struct http_result	 r;
	char			 ref[3][32], *c;
	int			 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		r = say_plain("oPlainUser0000000000000001", "举报 公众号甲线索 "
		    "保本高息 😀", "24366712345678901001");
		assert_int_equal(r.status, 200);
		c = content_of(r.body, "oPlainUser0000000000000001");
		ref_of(c, ref[i]);
		assert_int_equal(strlen(ref[i]), 18);
		free(c);
		e2e_result_free(&r);
	}
	assert_string_equal(ref[0], ref[1]);
	assert_string_equal(ref[0], ref[2]);
	assert_int_equal(tips_like("公众号甲线索"), 1);
	/* Another message from the same user is another tip. */
	r = say_plain("oPlainUser0000000000000001", "举报 公众号乙线索",
	    "24366712345678901002");
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(tips_like("公众号乙线索"), 1);
}

/* A check is answered in the passive reply. */
static void
test_check(void **state)
{
	struct http_result	 r;
	char			*c;

	(void)state;
	r = say_plain("oPlainUser0000000000000002", "查询 鑫源财富",
	    "24366712345678902001");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<![CDATA["));
	c = content_of(r.body, "oPlainUser0000000000000002");
	assert_non_null(strstr(c, "第1期"));
	free(c);
	e2e_result_free(&r);
}

/* Safe mode: the tip is stored once across retries, the answer is
 * sealed for the AppID, a check is answered sealed too. */
static void
test_safe_mode(void **state)
{
	struct http_result	 r;
	char			 ref[2][32], *c;
	int			 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		r = say_safe("oSafeUser00000000000000001", "举报 安全模式丙线索",
		    "24366712345678903001");
		assert_int_equal(r.status, 200);
		assert_null(strstr(r.body, "JB-"));
		c = content_sealed(r.body, "oSafeUser00000000000000001");
		ref_of(c, ref[i]);
		assert_int_equal(strlen(ref[i]), 18);
		free(c);
		e2e_result_free(&r);
	}
	assert_string_equal(ref[0], ref[1]);
	assert_int_equal(tips_like("安全模式丙线索"), 1);
	r = say_safe("oSafeUser00000000000000001", "查询 鑫源财富",
	    "24366712345678903002");
	assert_int_equal(r.status, 200);
	c = content_sealed(r.body, "oSafeUser00000000000000001");
	assert_non_null(strstr(c, "第1期"));
	free(c);
	e2e_result_free(&r);
}

/* Bad signatures are 401, broken ciphertexts and DOCTYPEs 400; none of
 * them stores a tip or a seen message. */
static void
test_refused(void **state)
{
	struct http_result	 r;
	char			 path[512], *body;
	long			 mp0 = seen("mp"), mps0 = seen("mps");

	(void)state;
	body = message("oBadUser000000000000000001", "举报 伪造丁线索", "1");
	signed_path(path, sizeof path, "mp", NULL, NULL);
	path[strlen("/hook/mp?signature=") + 5] ^= 1;
	r = post(path, body);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	/* No query at all. */
	r = post("/hook/mp", body);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	/* A plain body to the safe account, though correctly signed. */
	signed_path(path, sizeof path, "mps", "x", NULL);
	r = post(path, body);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	free(body);
	/* Signed garbage ciphertext. */
	body = xstrdup("<xml><Encrypt><![CDATA[AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAA=]]></Encrypt></xml>");
	signed_path(path, sizeof path, "mps",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL);
	r = post(path, body);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	/* The same body under a msg_signature for another one. */
	signed_path(path, sizeof path, "mps", "BBBB", NULL);
	r = post(path, body);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	free(body);
	/* An entity-laden plain body, signed. */
	body = xstrdup("<!DOCTYPE xml [<!ENTITY x \"举报 实体戊线索\">]><xml>"
	    "<ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
	    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&x;"
	    "</Content><MsgId>2</MsgId></xml>");
	signed_path(path, sizeof path, "mp", NULL, NULL);
	r = post(path, body);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	free(body);
	assert_int_equal(tips_like("伪造丁线索"), 0);
	assert_int_equal(tips_like("实体戊线索"), 0);
	assert_int_equal(seen("mp"), mp0);
	assert_int_equal(seen("mps"), mps0);
}

/* A new follower is shown the help, each time WeChat sends the event;
 * unsubscribe is acknowledged with success. */
static void
test_subscribe(void **state)
{
	struct http_result	 r;
	char			 path[512], *body = NULL, *c;
	long			 n0 = seen("mp");
	int			 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		body = xstrdup("<xml><ToUserName><![CDATA["
		    MP_ACCOUNT "]]></ToUserName><FromUserName><![CDATA["
		    "oFollower000000000000000001]]></FromUserName><CreateTime>"
		    "1763750123</CreateTime><MsgType><![CDATA[event]]>"
		    "</MsgType><Event><![CDATA[subscribe]]></Event></xml>");
		signed_path(path, sizeof path, "mp", NULL, NULL);
		r = post(path, body);
		assert_int_equal(r.status, 200);
		c = content_of(r.body, "oFollower000000000000000001");
		assert_true(strlen(c) > 10);
		free(c);
		e2e_result_free(&r);
		free(body);
	}
	/* The help changes nothing, so nothing is recorded: a retry is
	 * answered again, harmlessly. */
	assert_int_equal(seen("mp"), n0);
	body = xstrdup("<xml><ToUserName><![CDATA[" MP_ACCOUNT
	    "]]></ToUserName><FromUserName><![CDATA[oFollower000000000000000001"
	    "]]></FromUserName><CreateTime>1763750999</CreateTime><MsgType>"
	    "<![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]>"
	    "</Event></xml>");
	signed_path(path, sizeof path, "mp", NULL, NULL);
	r = post(path, body);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 7);
	assert_memory_equal(r.body, "success", 7);
	e2e_result_free(&r);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_tip_once),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_safe_mode),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_subscribe),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

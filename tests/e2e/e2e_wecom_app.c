/*
 * End-to-end tests of the WeCom self-built app channel: the real binary on
 * loopback with a [channel.wc] of type wecom. A tip sent with WeCom's
 * signed and encrypted envelope is stored once across WeCom's retries of
 * the same MsgId; a check is answered with an encrypted passive reply
 * that decrypts and verifies; the URL check answers the echostr's
 * plaintext; bad signatures, stale timestamps and another corp's
 * ciphertext store nothing.
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

#define CORP	"ww0123456789abcdef"
#define TOKEN	"tok2EXAMPLE"
#define AESKEY	"ZtEsf/CbrTLYxM4hA6DvRTa+cAdvh3bB1ifOVaPxMv4"

static struct daemon	 d;
static struct wxcrypt_key key;

/* Starts the daemon with a wecom channel. */
static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	assert_int_equal(wxcrypt_key_parse(AESKEY, &key), WXCRYPT_OK);
	e2e_prepare(&d, "[channel.wc]\ntype = wecom\narea = 华光路社区\n"
	    "corp_id = " CORP "\ncorp_secret = s3cretCorp\n"
	    "agent_id = 1000002\ntoken = " TOKEN "\n"
	    "encoding_aes_key = " AESKEY "\napi_base = http://127.0.0.1:9\n");
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

/* POSTs inner (a decrypted message) encrypted for receiveid, signed at
 * time ts with nonce, the signature tampered when bad is set. */
static struct http_result
wc_post_raw(const char *inner, const char *receiveid, long long ts,
    const char *nonce, int bad)
{
	static const char *const hdr[] = { "Content-Type: text/xml", NULL };
	char	*enc = NULL, sig[WXCRYPT_SIG_LEN + 1], tss[24], path[256];
	char	 body[8192];
	struct http_result r;

	(void)snprintf(tss, sizeof tss, "%lld", ts);
	assert_int_equal(wxcrypt_encrypt(&key, NULL, inner, strlen(inner),
	    receiveid, &enc), WXCRYPT_OK);
	assert_int_equal(wxcrypt_signature(TOKEN, tss, nonce, enc, sig),
	    WXCRYPT_OK);
	if (bad)
		sig[5] = sig[5] == 'a' ? 'b' : 'a';
	(void)snprintf(body, sizeof body, "<xml><ToUserName><![CDATA[" CORP
	    "]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID>"
	    "<![CDATA[1000002]]></AgentID></xml>", enc);
	(void)snprintf(path, sizeof path, "/hook/wc?msg_signature=%s&"
	    "timestamp=%s&nonce=%s", sig, tss, nonce);
	r = e2e_request(&d, "POST", path, hdr, body, strlen(body));
	free(enc);
	return r;
}

/* A text message from user, MsgId id, as WeCom writes it. */
static struct http_result
wc_say(const char *user, const char *text, const char *id, const char *nonce)
{
	char	 inner[4096];

	(void)snprintf(inner, sizeof inner, "<xml><ToUserName><![CDATA[" CORP
	    "]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
	    "<CreateTime>%lld</CreateTime><MsgType><![CDATA[text]]></MsgType>"
	    "<Content><![CDATA[%s]]></Content><MsgId>%s</MsgId><AgentID>"
	    "1000002</AgentID></xml>", user, (long long)time(NULL), text, id);
	return wc_post_raw(inner, CORP, (long long)time(NULL), nonce, 0);
}

/*
 * Opens an encrypted passive reply: the signature must verify, the
 * ciphertext decrypt for our corp, and the message be a text to user.
 * Returns its Content (caller frees).
 */
static char *
wc_open(const struct http_result *r, const char *user)
{
	struct xmlmsg	 env, m;
	char		*msg = NULL, *content;
	size_t		 len;

	assert_int_equal(r->status, 200);
	assert_non_null(r->body);
	assert_int_equal(xmlmsg_parse(r->body, r->len, &env), XMLMSG_OK);
	assert_int_equal(wxcrypt_verify(TOKEN, xmlmsg_get(&env,
	    XMLMSG_TIME_STAMP), xmlmsg_get(&env, XMLMSG_NONCE), xmlmsg_get(&env,
	    XMLMSG_ENCRYPT), xmlmsg_get(&env, XMLMSG_MSG_SIGNATURE)),
	    WXCRYPT_OK);
	assert_int_equal(wxcrypt_decrypt(&key, xmlmsg_get(&env,
	    XMLMSG_ENCRYPT), CORP, &msg, &len), WXCRYPT_OK);
	assert_int_equal(xmlmsg_parse(msg, len, &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_TO_USER_NAME), user);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_FROM_USER_NAME), CORP);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_MSG_TYPE), "text");
	content = strdup(xmlmsg_get(&m, XMLMSG_CONTENT));
	xmlmsg_clear(&m);
	xmlmsg_clear(&env);
	free(msg);
	return content;
}

/* The tip reference in s, copied into ref (NUL when none). */
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

/* Tips whose body holds text. */
static long
tips_like(const char *text)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%%%s%%'", text);
	return e2e_sql_long(&d, sql);
}

/* A tip and WeCom's three retries of it (re-signed, one MsgId): one
 * tip, one reference, answered each time. */
static void
test_tip_once(void **state)
{
	struct http_result	 r;
	char			*c, ref[32], first[32];
	int			 i;

	(void)state;
	for (i = 0; i < 4; i++) {
		r = wc_say("zhangsan", "举报 企微线索 某理财公司 保本高息 💰",
		    "7419283746512345001", i == 0 ? "11111" : i == 1 ? "22222" :
		    i == 2 ? "33333" : "44444");
		c = wc_open(&r, "zhangsan");
		ref_of(c, ref);
		assert_int_equal(strlen(ref), 18);
		if (i == 0)
			memcpy(first, ref, sizeof first);
		else
			assert_string_equal(ref, first);
		free(c);
		e2e_result_free(&r);
	}
	assert_int_equal(tips_like("企微线索"), 1);
	/* Another member's message with the same MsgId is another tip. */
	r = wc_say("lisi", "举报 企微线索乙", "7419283746512345001", "55555");
	c = wc_open(&r, "lisi");
	ref_of(c, ref);
	assert_int_equal(strlen(ref), 18);
	assert_string_not_equal(ref, first);
	assert_int_equal(tips_like("企微线索乙"), 1);
	free(c);
	e2e_result_free(&r);
}

/* A check is answered in the passive reply. */
static void
test_check(void **state)
{
	struct http_result	 r;
	char			*c;

	(void)state;
	r = wc_say("wangwu", "查询 鑫源财富", "7419283746512345002", "66666");
	c = wc_open(&r, "wangwu");
	assert_non_null(strstr(c, "第1期"));
	free(c);
	e2e_result_free(&r);
}

/* Bad signatures and stale timestamps get 401, another corp's message
 * and DOCTYPEs 400; none stores a tip. Events get an empty 200. */
static void
test_refused(void **state)
{
	static const char *const hdr[] = { "Content-Type: text/xml", NULL };
	struct http_result	 r;
	char			 inner[1024];
	long			 before = e2e_sql_long(&d, "SELECT count(*) "
				    "FROM tips");
	const char		*doc = "<!DOCTYPE xml [<!ENTITY e \"x\">]><xml>"
	    "<Encrypt>&e;</Encrypt></xml>";

	(void)state;
	(void)snprintf(inner, sizeof inner, "<xml><ToUserName>" CORP
	    "</ToUserName><FromUserName>zhaoliu</FromUserName><CreateTime>1"
	    "</CreateTime><MsgType>text</MsgType><Content>举报 拒收线索"
	    "</Content><MsgId>99</MsgId></xml>");
	r = wc_post_raw(inner, CORP, (long long)time(NULL), "1", 1);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = wc_post_raw(inner, CORP, (long long)time(NULL) - 3600, "2", 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = wc_post_raw(inner, "wwsomeoneelse00000", (long long)time(NULL),
	    "3", 0);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	r = e2e_request(&d, "POST", "/hook/wc?msg_signature=0000000000000000"
	    "000000000000000000000000&timestamp=1&nonce=1", hdr, doc,
	    strlen(doc));
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = e2e_request(&d, "POST", "/hook/wc", hdr, doc, strlen(doc));
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	assert_int_equal(tips_like("拒收线索"), 0);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"),
	    before);

	(void)snprintf(inner, sizeof inner, "<xml><ToUserName>" CORP
	    "</ToUserName><FromUserName>zhaoliu</FromUserName><CreateTime>1"
	    "</CreateTime><MsgType>event</MsgType><Event>enter_agent</Event>"
	    "</xml>");
	r = wc_post_raw(inner, CORP, (long long)time(NULL), "4", 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	e2e_result_free(&r);
}

/* The URL check: the echostr of a callback case, percent-encoded as
 * WeCom sends it, answers its plaintext; a bad signature 401. */
static void
test_url_check(void **state)
{
	struct http_result	 r;
	char			 path[512], sig[WXCRYPT_SIG_LEN + 1], tss[24];
	char			*enc = NULL, *q;
	CURL			*c = curl_easy_init();

	(void)state;
	(void)snprintf(tss, sizeof tss, "%lld", (long long)time(NULL));
	assert_int_equal(wxcrypt_encrypt(&key, NULL, "8305999631672647420",
	    19, CORP, &enc), WXCRYPT_OK);
	assert_int_equal(wxcrypt_signature(TOKEN, tss, "xyzNONCE", enc, sig),
	    WXCRYPT_OK);
	q = curl_easy_escape(c, enc, 0);
	(void)snprintf(path, sizeof path, "/hook/wc?msg_signature=%s&"
	    "timestamp=%s&nonce=xyzNONCE&echostr=%s", sig, tss, q);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 19);
	assert_memory_equal(r.body, "8305999631672647420", 19);
	e2e_result_free(&r);
	sig[0] = sig[0] == 'a' ? 'b' : 'a';
	(void)snprintf(path, sizeof path, "/hook/wc?msg_signature=%s&"
	    "timestamp=%s&nonce=xyzNONCE&echostr=%s", sig, tss, q);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	curl_free(q);
	free(enc);
	enc = NULL;
	/* An echostr holding '+' sent without percent-encoding (the server
	 * may decode '+' as a space): still the plaintext. */
	do {
		free(enc);
		assert_int_equal(wxcrypt_encrypt(&key, NULL,
		    "8305999631672647420", 19, CORP, &enc), WXCRYPT_OK);
	} while (strchr(enc, '+') == NULL);
	assert_int_equal(wxcrypt_signature(TOKEN, tss, "xyzNONCE", enc, sig),
	    WXCRYPT_OK);
	(void)snprintf(path, sizeof path, "/hook/wc?msg_signature=%s&"
	    "timestamp=%s&nonce=xyzNONCE&echostr=%s", sig, tss, enc);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "8305999631672647420", 19);
	e2e_result_free(&r);
	curl_easy_cleanup(c);
	free(enc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tip_once),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_url_check),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

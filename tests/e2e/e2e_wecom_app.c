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
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>

#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"
#include "e2e.h"
#include "fakeplat.h"

#define CORP	"ww0123456789abcdef"
#define TOKEN	"tok2EXAMPLE"
#define AESKEY	"ZtEsf/CbrTLYxM4hA6DvRTa+cAdvh3bB1ifOVaPxMv4"

#define WAIT_MS	20000	/* longest wait for the fake to be called */

static struct daemon	 d;
static struct wxcrypt_key key;
static struct fakeplat	*fp;

/* Starts the daemon with a wecom channel. */
static int
group_setup(void **state)
{
	char	 extra[1024];

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	assert_int_equal(wxcrypt_key_parse(AESKEY, &key), WXCRYPT_OK);
	fp = fakeplat_start();
	assert_non_null(fp);
	(void)snprintf(extra, sizeof extra, "[channel.wc]\ntype = wecom\n"
	    "area = 华光路社区\ncorp_id = " CORP "\ncorp_secret = s3cretCorp\n"
	    "agent_id = 1000002\ntoken = " TOKEN "\n"
	    "encoding_aes_key = " AESKEY "\napi_base = %s\n",
	    fakeplat_base(fp));
	e2e_prepare(&d, extra);
	e2e_start(&d);
	return 0;
}

/* Stops it and removes its directory. */
static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	fakeplat_stop(fp);
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

/* Milliseconds of CLOCK_MONOTONIC. */
static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the fake has seen n requests under prefix. */
static void
wait_count(const char *prefix, size_t n)
{
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	int64_t		 end = mono_ms() + WAIT_MS;

	while (fakeplat_count(fp, prefix) < n) {
		if (mono_ms() > end)
			fail_msg("waited for %zu requests to %s, saw %zu", n,
			    prefix, fakeplat_count(fp, prefix));
		nanosleep(&tick, NULL);
	}
}

/* A write lock on the daemon's database, held for HOLD_MS. */
struct holder {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 held;
};

/*
 * Past reply_deadline_ms less the server's margin (4 s from the dispatch)
 * and within SQLite's busy timeout (5 s from the dispatch's first wait);
 * both start after the hold does, so 4.7 s ends before SQLite gives up,
 * and misses the deadline unless the request took over 0.7 s to reach the
 * dispatch.
 */
#define HOLD_MS	4700

/* Takes the write lock, says so, keeps it HOLD_MS, lets it go. */
static void *
hold_lock(void *arg)
{
	struct holder	*h = arg;
	struct timespec	 ts = { HOLD_MS / 1000, (HOLD_MS % 1000) * 1000000L };
	char		 path[512];
	sqlite3		*db = NULL;

	(void)snprintf(path, sizeof path, "%s/fangfei.db", d.dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		fprintf(stderr, "hold_lock: %s\n", sqlite3_errmsg(db));
		abort();
	}
	pthread_mutex_lock(&h->mu);
	h->held = 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	/* The point is the time the dispatcher spends waiting: this is the
	 * slow database, not a wait for readiness. */
	nanosleep(&ts, NULL);
	(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

/*
 * An answer that misses WeCom's deadline (the database is slow: another
 * writer holds it for HOLD_MS): the webhook answers an empty 200, "no
 * reply", at once after dispatching, and the answer goes out through
 * message/send with an access token fetched by gettoken; WeCom's "token
 * expired" in the middle of the send makes a second fetch and the answer
 * is sent again with the new token. The tip is stored once, also across
 * WeCom's retry; no error text holds the secret or a token.
 */
static void
test_late_answer_outbox(void **state)
{
	struct http_result	 r;
	struct fakeplat_record	*rec;
	struct holder		 h;
	pthread_t		 t;
	json_t			*j;
	const char		*content;
	struct timespec		 tick = { 0, 20 * 1000 * 1000 };
	int64_t			 end;
	char			*c, ref[32], sent[32];
	size_t			 n, i;

	(void)state;
	fakeplat_reset(fp);
	fakeplat_script(fp, "/cgi-bin/gettoken", 1, 200, "{\"errcode\":0,"
	    "\"errmsg\":\"ok\",\"access_token\":\"tokA\",\"expires_in\":7200}");
	fakeplat_script(fp, "/cgi-bin/message/send", 1, 200, "{\"errcode\":"
	    "42001,\"errmsg\":\"access_token expired\"}");
	fakeplat_script(fp, "/cgi-bin/gettoken", 1, 200, "{\"errcode\":0,"
	    "\"errmsg\":\"ok\",\"access_token\":\"tokB\",\"expires_in\":7200}");
	pthread_mutex_init(&h.mu, NULL);
	pthread_cond_init(&h.cv, NULL);
	h.held = 0;
	assert_int_equal(pthread_create(&t, NULL, hold_lock, &h), 0);
	pthread_mutex_lock(&h.mu);
	while (!h.held)
		pthread_cond_wait(&h.cv, &h.mu);
	pthread_mutex_unlock(&h.mu);
	r = wc_say("sunqi", "举报 迟到线索 慢库 😀", "7419283746512345003",
	    "77777");
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	e2e_result_free(&r);
	assert_int_equal(tips_like("迟到线索"), 1);

	wait_count("/cgi-bin/gettoken", 2);
	wait_count("/cgi-bin/message/send", 2);
	rec = fakeplat_records(fp, "/cgi-bin/gettoken", &n);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_string_equal(rec[i].method, "GET");
		assert_string_equal(rec[i].path, "/cgi-bin/gettoken?corpid="
		    CORP "&corpsecret=s3cretCorp");
	}
	fakeplat_free(rec, n);
	rec = fakeplat_records(fp, "/cgi-bin/message/send", &n);
	assert_int_equal(n, 2);
	assert_string_equal(rec[0].path, "/cgi-bin/message/send?"
	    "access_token=tokA");
	assert_string_equal(rec[1].path, "/cgi-bin/message/send?"
	    "access_token=tokB");
	assert_string_equal(rec[1].method, "POST");
	assert_string_equal(rec[0].body, rec[1].body);
	assert_null(strstr(rec[1].body, "s3cretCorp"));
	j = json_loads(rec[1].body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "touser")),
	    "sunqi");
	assert_string_equal(json_string_value(json_object_get(j, "msgtype")),
	    "text");
	assert_int_equal(json_integer_value(json_object_get(j, "agentid")),
	    1000002);
	content = json_string_value(json_object_get(json_object_get(j,
	    "text"), "content"));
	assert_non_null(content);
	assert_non_null(strstr(content, "JB-"));
	fakeplat_free(rec, n);
	/* The row is marked sent once the answer is read. */
	end = mono_ms() + WAIT_MS;
	while (e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE state = "
	    "'sent'") != 1) {
		if (mono_ms() > end)
			fail_msg("the outbox row was not marked sent");
		nanosleep(&tick, NULL);
	}
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE "
	    "last_error LIKE '%s3cretCorp%' OR last_error LIKE '%tok_%'"), 0);

	/* WeCom's retry of the message: answered, no second tip. */
	r = wc_say("sunqi", "举报 迟到线索 慢库 😀", "7419283746512345003",
	    "88888");
	c = wc_open(&r, "sunqi");
	ref_of(c, ref);
	ref_of(content, sent);
	assert_int_equal(strlen(ref), 18);
	assert_string_equal(ref, sent);
	free(c);
	e2e_result_free(&r);
	json_decref(j);
	assert_int_equal(tips_like("迟到线索"), 1);
	pthread_cond_destroy(&h.cv);
	pthread_mutex_destroy(&h.mu);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tip_once),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_late_answer_outbox),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

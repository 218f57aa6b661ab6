/*
 * End-to-end tests of the WeChat Official Account channel: the real
 * binary on loopback with a plain-mode ([channel.mp]) and a safe-mode
 * ([channel.mps]) account, requests signed as WeChat signs them. The URL
 * check echoes echostr; a tip sent three times with one MsgId (WeChat's
 * retries) is stored once and every attempt gets the same reference; a
 * check is answered with the passive reply XML (sealed in safe mode);
 * bad signatures get 401 and broken ciphertexts 400, storing nothing. An
 * answer that misses WeChat's deadline is acknowledged with "success"
 * and delivered to a fake WeChat API (fakeplat.c) as a customer-service
 * message, with a stable_token fetch and a refresh when the platform
 * says the token expired; errcode 45015 makes a dead row saying why.
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
#include "messages/xmalloc.h"

#define MP_TOKEN	"wx_Token-e2e"
#define MP_AESKEY	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define MP_APPID	"wx5823bf96d3bd56c7"
#define MP_ACCOUNT	"gh_a96a4a619366"
#define MP_NONCE	"1743502518"
#define WAIT_MS		20000	/* longest wait for a delivery */
/*
 * How long the test holds the database's write lock so that an answer
 * misses WeChat's deadline: the server queues answers that took over
 * 4.5 s less its 0.5 s margin, counted from its dispatch, and SQLite
 * gives up 5 s (of its sleeps, so never sooner) after the dispatch first
 * waited. Both start after the hold does, so 4.7 s always ends before
 * SQLite gives up, and misses the deadline unless the request took over
 * 0.7 s to reach the dispatch (4.4 s left 0.4 s for that).
 */
#define LATE_MS		4700

static struct daemon	 d;
static struct fakeplat	*fp;

/* Starts the fake WeChat API and the daemon with both accounts. */
static int
group_setup(void **state)
{
	char	*conf;

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	if ((fp = fakeplat_start()) == NULL)
		return -1;
	conf = xasprintf("[channel.mp]\ntype = wechat_mp\narea = 华光路社区\n"
	    "app_id = " MP_APPID "\napp_secret = s3cret\ntoken = " MP_TOKEN
	    "\napi_base = %s\n"
	    "[channel.mps]\ntype = wechat_mp\narea = 华光路社区\n"
	    "app_id = " MP_APPID "\napp_secret = s3cret\ntoken = " MP_TOKEN
	    "\nencoding_aes_key = " MP_AESKEY "\nencrypt_mode = safe\n"
	    "api_base = %s\n", fakeplat_base(fp), fakeplat_base(fp));
	e2e_prepare(&d, conf);
	free(conf);
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

/* Milliseconds of the monotonic clock. */
static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One message posted from another thread while the test holds the lock. */
struct late {
	const char		*openid, *text, *msgid;
	struct http_result	 r;
};

/* Thread body: posts the message. */
static void *
late_post(void *arg)
{
	struct late	*l = arg;

	l->r = say_plain(l->openid, l->text, l->msgid);
	return NULL;
}

/*
 * Posts a message whose answer takes longer than WeChat waits: the test
 * holds the database's write lock for LATE_MS while the daemon handles
 * it (the one place a test must let time pass: the delay is what is
 * tested). Returns the webhook's answer.
 */
static struct http_result
say_late(const char *openid, const char *text, const char *msgid)
{
	struct late	 l = { openid, text, msgid, { 0, NULL, 0, 0 } };
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	pthread_t	 t;
	sqlite3		*db;
	char		 path[512];
	int64_t		 t0;

	(void)snprintf(path, sizeof path, "%s/fangfei.db", d.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(pthread_create(&t, NULL, late_post, &l), 0);
	for (t0 = now_ms(); now_ms() - t0 < LATE_MS;)
		(void)nanosleep(&tick, NULL);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(pthread_join(t, NULL), 0);
	sqlite3_close(db);
	return l.r;
}

/* Waits until the fake has n requests under prefix; 0, or -1 on time. */
static int
wait_requests(const char *prefix, size_t n)
{
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	int64_t		 t0 = now_ms();

	while (fakeplat_count(fp, prefix) < n) {
		if (now_ms() - t0 > WAIT_MS)
			return -1;
		(void)nanosleep(&tick, NULL);
	}
	return 0;
}

/* Waits until sql counts n; 0, or -1 on time. */
static int
wait_sql(const char *sql, long n)
{
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	int64_t		 t0 = now_ms();

	while (e2e_sql_long(&d, sql) != n) {
		if (now_ms() - t0 > WAIT_MS)
			return -1;
		(void)nanosleep(&tick, NULL);
	}
	return 0;
}

#define SEND_PATH	"/cgi-bin/message/custom/send"
#define TOKEN_PATH	"/cgi-bin/stable_token"

/*
 * A tip whose answer misses the deadline: WeChat gets "success", the tip
 * is stored once, and the answer goes out as a customer-service message
 * after a stable_token fetch; the platform calls the token expired in
 * the middle, so a second token is fetched and the message sent again
 * with it. WeChat's retry of the message then gets the stored answer,
 * and no second message is sent.
 */
static void
test_late_reply(void **state)
{
	struct fakeplat_record	*rec;
	struct http_result	 r;
	json_t			*j;
	const char		*content;
	char			 ref[32], again[32], *c;
	size_t			 n;

	(void)state;
	fakeplat_reset(fp);
	fakeplat_script(fp, TOKEN_PATH, 1, 200,
	    "{\"access_token\":\"TOKEN_A\",\"expires_in\":7200}");
	fakeplat_script(fp, TOKEN_PATH, 1, 200,
	    "{\"access_token\":\"TOKEN_B\",\"expires_in\":7200}");
	fakeplat_script(fp, SEND_PATH, 1, 200,
	    "{\"errcode\":42001,\"errmsg\":\"access_token expired\"}");
	r = say_late("oLateUser00000000000000001", "举报 迟到己线索 高息",
	    "24366712345678904001");
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 7);
	assert_memory_equal(r.body, "success", 7);
	e2e_result_free(&r);
	assert_int_equal(tips_like("迟到己线索"), 1);

	assert_int_equal(wait_requests(SEND_PATH, 2), 0);
	/* The row carries no meta: the customer-service message needs none,
	 * and what the passive reply needed stayed with the request. */
	assert_int_equal(wait_sql("SELECT count(*) FROM outbox WHERE state = "
	    "'sent' AND meta IS NULL", 1), 0);
	rec = fakeplat_records(fp, TOKEN_PATH, &n);
	assert_int_equal(n, 2);
	assert_string_equal(rec[0].body, "{\"grant_type\":\"client_credential\","
	    "\"appid\":\"" MP_APPID "\",\"secret\":\"s3cret\"}");
	assert_string_equal(rec[0].method, "POST");
	fakeplat_free(rec, n);
	rec = fakeplat_records(fp, SEND_PATH, &n);
	assert_int_equal(n, 2);
	assert_string_equal(rec[0].path, SEND_PATH "?access_token=TOKEN_A");
	assert_string_equal(rec[1].path, SEND_PATH "?access_token=TOKEN_B");
	assert_string_equal(rec[0].body, rec[1].body);
	j = json_loads(rec[1].body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "touser")),
	    "oLateUser00000000000000001");
	assert_string_equal(json_string_value(json_object_get(j, "msgtype")),
	    "text");
	content = json_string_value(json_object_get(json_object_get(j,
	    "text"), "content"));
	assert_non_null(content);
	ref_of(content, ref);
	assert_int_equal(strlen(ref), 18);
	json_decref(j);
	fakeplat_free(rec, n);

	/* WeChat's retry: the stored answer, passively; nothing resent. */
	r = say_plain("oLateUser00000000000000001", "举报 迟到己线索 高息",
	    "24366712345678904001");
	assert_int_equal(r.status, 200);
	c = content_of(r.body, "oLateUser00000000000000001");
	ref_of(c, again);
	assert_string_equal(again, ref);
	free(c);
	e2e_result_free(&r);
	assert_int_equal(tips_like("迟到己线索"), 1);
	assert_int_equal(fakeplat_count(fp, SEND_PATH), 2);
	assert_int_equal(fakeplat_count(fp, TOKEN_PATH), 2);
}

/* Past the user's 48-hour window (errcode 45015) the late answer is a
 * dead row whose error says so. */
static void
test_late_window_closed(void **state)
{
	struct http_result	 r;
	char			 err[256];

	(void)state;
	fakeplat_reset(fp);
	fakeplat_script(fp, SEND_PATH, 1, 200, "{\"errcode\":45015,\"errmsg\":"
	    "\"response out of time limit or subscription is canceled\"}");
	r = say_late("oLateUser00000000000000002", "举报 窗口庚线索",
	    "24366712345678904002");
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "success", 7);
	e2e_result_free(&r);
	assert_int_equal(tips_like("窗口庚线索"), 1);
	assert_int_equal(wait_sql("SELECT count(*) FROM outbox WHERE state = "
	    "'dead' AND last_error LIKE '%45015%'", 1), 0);
	assert_int_equal(e2e_sql_text(&d, "SELECT last_error FROM outbox WHERE "
	    "state = 'dead' AND last_error LIKE '%45015%'", err, sizeof err),
	    0);
	assert_string_equal(err, "wechat errcode 45015: outside the 48-hour "
	    "customer-service window");
	/* The token of the test before is still good: no fetch. */
	assert_int_equal(fakeplat_count(fp, TOKEN_PATH), 0);
	assert_int_equal(fakeplat_count(fp, SEND_PATH), 1);
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
		cmocka_unit_test(test_late_reply),
		cmocka_unit_test(test_late_window_closed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

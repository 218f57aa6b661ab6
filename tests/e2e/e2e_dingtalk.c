/*
 * End-to-end tests of the DingTalk enterprise robot channel
 * (bot/channel_dingtalk_app.c) over loopback: callbacks signed as DingTalk
 * signs them (timestamp and sign headers, from the real clock), a tip
 * stored once across DingTalk's redeliveries of one msgId, checks
 * acknowledged with {} and answered through the outbox: the
 * sessionWebhook while it is valid, else the robot OpenAPI with an access
 * token fetched on demand and fetched again when the platform calls it
 * invalid; bad, stale and missing signatures answered 401 with nothing
 * stored. A fake platform (fakeplat.c) stands for the sessionWebhook host
 * and the OpenAPI. Waits poll the fake's records with a deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "bot/dtsign.h"
#include "e2e.h"
#include "fakeplat.h"

#define SECRET	"e2e_DingTalk-app_secret_0123456789"
#define WAIT_MS	20000	/* longest wait for any condition */
#define P_TOKEN	"/v1.0/oauth2/accessToken"
#define P_SESS	"/robot/sendBySession"
#define P_GROUP	"/v1.0/robot/groupMessages/send"
#define P_ONE	"/v1.0/robot/oToMessages/batchSend"

static struct daemon	 d;
static struct fakeplat	*fp;
static const char	*hook_base;	/* the sessionWebhook's; NULL: the fake */

/* The clock DingTalk signs with, in milliseconds. */
static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts the fake platform and the daemon with a dingtalk channel whose
 * OpenAPI and sessionWebhook host are the fake. */
static int
group_setup(void **state)
{
	char	 extra[1024];

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	fp = fakeplat_start();
	assert_non_null(fp);
	(void)snprintf(extra, sizeof extra, "[channel.ding]\ntype = dingtalk\n"
	    "area = 华光路社区\napp_key = dingkey01\napp_secret = " SECRET "\n"
	    "robot_code = dingrobot01\napi_base = %s\n"
	    "session_host = 127.0.0.1:%d\n[delivery]\nretry_base_seconds = 1\n",
	    fakeplat_base(fp),
	    fakeplat_port(fp));
	e2e_prepare(&d, extra);
	e2e_start(&d);
	return 0;
}

/* Stops both and removes the daemon's directory. */
static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	fakeplat_stop(fp);
	curl_global_cleanup();
	return 0;
}

/*
 * POSTs one callback of conversation ctype ("1", "2") with msgId id and
 * content text, signed at ts_ms with secret (sign NULL: computed; "":
 * no sign header), its sessionWebhook valid until expires_ms.
 */
static struct http_result
dt_post(const char *ctype, const char *id, const char *text, int64_t ts_ms,
    const char *sign, int64_t expires_ms)
{
	char		 ts[32], sig[DTSIGN_LEN + 1], hts[64], hsign[96];
	char		*body;
	size_t		 size = strlen(text) + 4096;
	struct http_result r;
	const char	*hdr[4] = { "Content-Type: application/json; "
			    "charset=utf-8", hts, hsign, NULL };

	(void)snprintf(ts, sizeof ts, "%lld", (long long)ts_ms);
	if (sign == NULL) {
		assert_int_equal(dtsign_sign(SECRET, ts, sig), DTSIGN_OK);
		sign = sig;
	}
	(void)snprintf(hts, sizeof hts, "timestamp: %s", ts);
	(void)snprintf(hsign, sizeof hsign, "sign: %s", sign);
	if (*sign == '\0')
		hdr[2] = NULL;
	body = malloc(size);
	assert_non_null(body);
	(void)snprintf(body, size, "{\"conversationId\":\"cid-%s\","
	    "\"atUsers\":[{\"dingtalkId\":\"$:LWCP_v1:$bot\"}],"
	    "\"chatbotCorpId\":\"dingcorp\",\"chatbotUserId\":\"$:LWCP_v1:$bot\","
	    "\"msgId\":\"%s\",\"senderNick\":\"居民甲\",\"isAdmin\":false,"
	    "\"senderStaffId\":\"staff-%s\",\"sessionWebhookExpiredTime\":%lld,"
	    "\"createAt\":%lld,\"senderCorpId\":\"dingcorp\","
	    "\"conversationType\":\"%s\",\"senderId\":\"$:LWCP_v1:$u\","
	    "\"conversationTitle\":\"华光路12号楼\",\"isInAtList\":true,"
	    "\"sessionWebhook\":\"%s/robot/sendBySession?session=s-%s\","
	    "\"text\":{\"content\":\" %s\"},\"robotCode\":\"dingrobot01\","
	    "\"msgtype\":\"text\"}", ctype, id, ctype, (long long)expires_ms,
	    (long long)ts_ms, ctype, hook_base != NULL ? hook_base :
	    fakeplat_base(fp), id, text);
	r = e2e_request(&d, "POST", "/hook/ding", hdr, body, strlen(body));
	free(body);
	return r;
}

/* The number of tips whose body holds the text. */
static long
tips_like(const char *text)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%%%s%%'", text);
	return e2e_sql_long(&d, sql);
}

/* A tip from a single chat is stored once, however often DingTalk
 * delivers its msgId (with fresh signatures, or the very same request). */
static void
test_tip_once(void **state)
{
	struct http_result	 r;
	int64_t			 t = now_ms();
	int			 i;

	(void)state;
	r = dt_post("1", "msg-tip-1", "举报 钉钉线索甲 承诺月息5% 🙏", t, NULL,
	    t + 5400000);
	assert_int_equal(r.status, 200);
	assert_non_null(r.body);
	assert_string_equal(r.body, "{}");
	e2e_result_free(&r);
	assert_int_equal(tips_like("钉钉线索甲"), 1);
	for (i = 0; i < 3; i++) {
		r = dt_post("1", "msg-tip-1", "举报 钉钉线索甲 承诺月息5% 🙏",
		    i == 0 ? t : t + 1000 * i, NULL, t + 5400000);
		assert_int_equal(r.status, 200);
		e2e_result_free(&r);
	}
	assert_int_equal(tips_like("钉钉线索甲"), 1);
	/* Another msgId is another tip. */
	r = dt_post("1", "msg-tip-2", "举报 钉钉线索甲 承诺月息5% 🙏", t, NULL,
	    t + 5400000);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(tips_like("钉钉线索甲"), 2);
}

/* Tampered, stale, future and missing signatures get 401; nothing is
 * stored, and a body too big is refused too. */
static void
test_refused(void **state)
{
	struct http_result	 r;
	int64_t			 t = now_ms();
	char			 ts[32], sig[DTSIGN_LEN + 1], *big;
	size_t			 n = 17000;

	(void)state;
	(void)snprintf(ts, sizeof ts, "%lld", (long long)t);
	assert_int_equal(dtsign_sign(SECRET, ts, sig), DTSIGN_OK);
	sig[3] = sig[3] == 'A' ? 'B' : 'A';
	r = dt_post("1", "msg-bad-1", "举报 伪造线索", t, sig, t + 5400000);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = dt_post("1", "msg-bad-2", "举报 伪造线索", t - 3700000, NULL,
	    t + 5400000);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = dt_post("1", "msg-bad-3", "举报 伪造线索", t + 3700000, NULL,
	    t + 5400000);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = dt_post("1", "msg-bad-4", "举报 伪造线索", t, "", t + 5400000);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	assert_int_equal(tips_like("伪造线索"), 0);

	/* Signed, but a text past the cap. */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	memcpy(big, "举报 超长线索", strlen("举报 超长线索"));
	big[n] = '\0';
	r = dt_post("1", "msg-big-1", big, t, NULL, t + 5400000);
	assert_int_equal(r.status, 413);
	e2e_result_free(&r);
	free(big);
	assert_int_equal(tips_like("超长线索"), 0);

	/* No URL verification on GET. */
	r = e2e_request(&d, "GET", "/hook/ding", NULL, NULL, 0);
	assert_int_equal(r.status, 405);
	e2e_result_free(&r);
}

/* A check in a group (the bot @-mentioned) is acknowledged with {}, and
 * so is a picture (ignored); neither stores a tip. */
static void
test_check_group(void **state)
{
	struct http_result	 r;
	int64_t			 t = now_ms();

	(void)state;
	r = dt_post("2", "msg-chk-1", "查询 鑫源财富", t, NULL, t + 5400000);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{}");
	e2e_result_free(&r);
	/* A group takes no tips. */
	r = dt_post("2", "msg-grp-tip", "举报 群里线索", t, NULL, t + 5400000);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(tips_like("群里线索"), 0);
	assert_true(e2e_sql_long(&d, "SELECT count(*) FROM inbound_seen "
	    "WHERE channel = 'ding'") >= 2);
}

/* Waits until the fake has n requests under prefix; returns how many. */
static size_t
wait_count(const char *prefix, size_t n)
{
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	int64_t		 end = now_ms() + WAIT_MS;
	size_t		 got;

	while ((got = fakeplat_count(fp, prefix)) < n && now_ms() < end)
		nanosleep(&tick, NULL);
	return got;
}

/* The k-th request (from 0) under prefix; its fields are copied into
 * body and headers (cut to their sizes). */
static void
record_of(const char *prefix, size_t k, char *body, size_t bsz,
    char *headers, size_t hsz)
{
	struct fakeplat_record	*r;
	size_t			 n;

	r = fakeplat_records(fp, prefix, &n);
	assert_true(k < n);
	(void)snprintf(body, bsz, "%s", r[k].body);
	(void)snprintf(headers, hsz, "%s", r[k].headers);
	fakeplat_free(r, n);
}

/* The number of outbox rows of the channel in a state. */
static long
rows_in(const char *state)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.channel = 'ding' AND "
	    "o.state = '%s'", state);
	return e2e_sql_long(&d, sql);
}

/* A check in a group while its sessionWebhook is valid: the answer is
 * posted there once (no token), however often DingTalk redelivers. */
static void
test_reply_session(void **state)
{
	struct http_result	 r;
	int64_t			 t = now_ms();
	char			 body[8192], hdrs[4096];
	int			 i;

	(void)state;
	fakeplat_reset(fp);
	for (i = 0; i < 3; i++) {
		r = dt_post("2", "msg-sess-1", "查询 鑫源财富", t + i, NULL,
		    t + 5400000);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, "{}");
		e2e_result_free(&r);
	}
	assert_int_equal(wait_count(P_SESS "?session=s-msg-sess-1", 1), 1);
	record_of(P_SESS "?session=s-msg-sess-1", 0, body, sizeof body, hdrs,
	    sizeof hdrs);
	assert_true(strncmp(body, "{\"msgtype\":\"text\",\"text\":"
	    "{\"content\":\"", 34) == 0);
	assert_non_null(strstr(body, "鑫源财富"));
	assert_null(strstr(hdrs, "x-acs-dingtalk-access-token"));
	assert_int_equal(fakeplat_count(fp, P_TOKEN), 0);
	assert_int_equal(fakeplat_count(fp, "/v1.0/robot/"), 0);
	/* The three deliveries queued one row. */
	assert_true(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE meta "
	    "LIKE '%s-msg-sess-1%'") == 1);
}

/*
 * A check in a single chat whose sessionWebhook is about to expire: a
 * token is fetched, then the answer goes to oToMessages/batchSend for the
 * sender's staff id with the token in its header.
 */
static void
test_reply_openapi(void **state)
{
	struct http_result	 r;
	int64_t			 t = now_ms();
	char			 body[8192], hdrs[4096];

	(void)state;
	fakeplat_reset(fp);
	fakeplat_script(fp, P_TOKEN, 1, 200, "{\"accessToken\":\"tok-A\","
	    "\"expireIn\":7200}");
	fakeplat_script(fp, P_ONE, 1, 200, "{\"processQueryKey\":\"pq1\"}");
	r = dt_post("1", "msg-one-1", "查询 鑫源财富", t, NULL, t + 30000);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(wait_count(P_ONE, 1), 1);
	assert_int_equal(fakeplat_count(fp, P_TOKEN), 1);
	record_of(P_TOKEN, 0, body, sizeof body, hdrs, sizeof hdrs);
	assert_string_equal(body, "{\"appKey\":\"dingkey01\",\"appSecret\":\""
	    SECRET "\"}");
	record_of(P_ONE, 0, body, sizeof body, hdrs, sizeof hdrs);
	assert_non_null(strstr(hdrs, "tok-A"));
	assert_true(strncasecmp(strstr(hdrs, "x-acs-dingtalk-access-token"),
	    "x-acs-dingtalk-access-token: tok-A", 34) == 0);
	assert_true(strncmp(body, "{\"robotCode\":\"dingrobot01\","
	    "\"userIds\":[\"staff-1\"],\"msgKey\":\"sampleText\","
	    "\"msgParam\":\"{\\\"content\\\":", 93) == 0);
	assert_non_null(strstr(body, "鑫源财富"));
	assert_int_equal(fakeplat_count(fp, P_SESS "?session=s-msg-one-1"), 0);
}

/*
 * The token goes bad in the middle of a send: the group send answers 401
 * InvalidAuthentication, the token is fetched again and the same answer
 * is sent once more with the new one, then the row is sent.
 */
static void
test_token_refresh(void **state)
{
	struct http_result	 r;
	int64_t			 t = now_ms(), end;
	char			 body[8192], hdrs[4096];
	struct timespec		 tick = { 0, 20 * 1000 * 1000 };

	(void)state;
	fakeplat_reset(fp);
	fakeplat_script(fp, P_GROUP, 1, 401, "{\"code\":"
	    "\"InvalidAuthentication\",\"message\":\"不合法的access_token\"}");
	fakeplat_script(fp, P_TOKEN, 1, 200, "{\"accessToken\":\"tok-B\","
	    "\"expireIn\":7200}");
	fakeplat_script(fp, P_GROUP, 1, 200, "{\"processQueryKey\":\"pq2\"}");
	r = dt_post("2", "msg-grp-1", "查询 汇金通", t, NULL, t - 1000);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(wait_count(P_GROUP, 2), 2);
	assert_int_equal(fakeplat_count(fp, P_TOKEN), 1);
	record_of(P_GROUP, 0, body, sizeof body, hdrs, sizeof hdrs);
	assert_non_null(strstr(hdrs, "tok-A"));	/* the cached one */
	assert_non_null(strstr(body, "\"openConversationId\":\"cid-2\""));
	assert_non_null(strstr(body, "\"robotCode\":\"dingrobot01\""));
	assert_non_null(strstr(body, "\"msgKey\":\"sampleText\""));
	record_of(P_GROUP, 1, body, sizeof body, hdrs, sizeof hdrs);
	assert_non_null(strstr(hdrs, "tok-B"));
	end = now_ms() + WAIT_MS;
	while (rows_in("pending") + rows_in("sending") > 0 && now_ms() < end)
		nanosleep(&tick, NULL);
	assert_int_equal(rows_in("dead"), 0);
	assert_int_equal(fakeplat_count(fp, P_SESS "?session=s-msg-grp-1"), 0);
}

/* A signed callback whose sessionWebhook names another host (here another
 * port) does not make fangfei post there: the answer takes the OpenAPI. */
static void
test_foreign_session(void **state)
{
	struct http_result	 r;
	int64_t			 t = now_ms();

	(void)state;
	fakeplat_reset(fp);
	fakeplat_set_ok(fp, "{\"processQueryKey\":\"pq3\"}");
	hook_base = "http://127.0.0.1:1";
	r = dt_post("2", "msg-foreign-1", "查询 鑫源财富", t, NULL,
	    t + 5400000);
	hook_base = NULL;
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(wait_count(P_GROUP, 1), 1);
	assert_int_equal(fakeplat_count(fp, P_TOKEN), 0);	/* cached */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE "
	    "meta LIKE '%127.0.0.1:1/%'"), 0);
	fakeplat_set_ok(fp, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tip_once),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_check_group),
		cmocka_unit_test(test_reply_session),
		cmocka_unit_test(test_reply_openapi),
		cmocka_unit_test(test_token_refresh),
		cmocka_unit_test(test_foreign_session),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * End-to-end tests of the Feishu app bot channel (type feishu): the real
 * binary on loopback with an encrypted and signed channel (fs) and a
 * plain one (fsplain). The URL challenge is answered at once; a tip sent
 * again by Feishu's retries (same event_id, a new signature each time) is
 * stored once; a check is acknowledged with {} as Feishu requires (the
 * answer goes through the outbox); bad signatures, stale timestamps and
 * wrong tokens get 401 and store nothing; the answers reach the fake
 * OpenAPI with a token fetched first, and again after "token expired".
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

#include "bot/larkcrypt.h"
#include "e2e.h"
#include "fakeplat.h"

#define VT	"v0Tok3nEXAMPLE"
#define EK	"kudryavka-EXAMPLE-encrypt-key"
#define WAIT_MS	20000	/* longest wait for the fake platform */
#define TOKEN_PATH	"/open-apis/auth/v3/tenant_access_token/internal"
#define SEND_PATH	"/open-apis/im/v1/messages"

static struct daemon	 d;
static struct fakeplat	*fp;

/* Starts the fake OpenAPI and the daemon with both channels. */
static int
group_setup(void **state)
{
	char	 conf[1024];

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	if ((fp = fakeplat_start()) == NULL)
		return -1;
	/* One answer serves both calls: the token and a sent message. */
	fakeplat_set_ok(fp, "{\"code\":0,\"msg\":\"ok\",\"tenant_access_token\":"
	    "\"t-e2e-1\",\"expire\":7200,\"data\":{\"message_id\":\"om_x\"}}");
	(void)snprintf(conf, sizeof conf,
	    "[channel.fs]\ntype = feishu\napp_id = cli_a1b2c3d4e5f6\n"
	    "app_secret = APP_SECRET\nverification_token = " VT "\n"
	    "encrypt_key = " EK "\napi_base = %s\narea = 华光路社区\n"
	    "[channel.fsplain]\ntype = feishu\napp_id = cli_plain\n"
	    "app_secret = APP_SECRET2\nverification_token = " VT "\n"
	    "api_base = %s\n", fakeplat_base(fp), fakeplat_base(fp));
	e2e_prepare(&d, conf);
	e2e_start(&d);
	return 0;
}

/* Stops both. */
static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	fakeplat_stop(fp);
	curl_global_cleanup();
	return 0;
}

/* A schema 2.0 text message from sender in chat, where @_user_1 is the
 * bot; caller frees. */
static char *
event(const char *token, const char *event_id, const char *sender,
    const char *chat, const char *chat_type, const char *text)
{
	json_t	*c, *ev;
	char	*content, *s;

	c = json_pack("{s:s}", "text", text);
	content = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	ev = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:{s:{s:{s:s}, s:s},"
	    " s:{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:{s:s}, s:s}]}}}",
	    "schema", "2.0",
	    "header", "event_id", event_id, "token", token, "event_type",
	    "im.message.receive_v1", "create_time", "1763750000123",
	    "event", "sender", "sender_id", "open_id", sender,
	    "sender_type", "user",
	    "message", "message_id", "om_e2e", "chat_id", chat, "chat_type",
	    chat_type, "message_type", "text", "content", content,
	    "mentions", "key", "@_user_1", "id", "open_id", "ou_bot", "name",
	    "防非助手");
	assert_non_null(ev);
	s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	free(content);
	return s;
}

/* {"encrypt":…} of plain; caller frees. */
static char *
seal(const char *plain)
{
	char	*enc = NULL, *body;
	size_t	 n;

	assert_int_equal(larkcrypt_encrypt(EK, NULL, plain, strlen(plain),
	    &enc), LARKCRYPT_OK);
	n = strlen(enc) + 16;
	body = malloc(n);
	assert_non_null(body);
	(void)snprintf(body, n, "{\"encrypt\":\"%s\"}", enc);
	free(enc);
	return body;
}

/*
 * POSTs body to /hook/NAME, signed at now + skew with nonce (NULL: no
 * signature headers; tamper: one character of the signature changed).
 */
static struct http_result
post(const char *name, const char *body, const char *nonce, long skew,
    int tamper)
{
	char		 path[64], ts[32], sig[LARKCRYPT_SIG_LEN + 1];
	char		 hts[64], hnonce[96], hsig[96];
	const char	*hdr[5] = { "Content-Type: application/json", NULL };

	(void)snprintf(path, sizeof path, "/hook/%s", name);
	if (nonce != NULL) {
		(void)snprintf(ts, sizeof ts, "%lld",
		    (long long)time(NULL) + skew);
		assert_int_equal(larkcrypt_signature(ts, nonce, EK, body,
		    strlen(body), sig), LARKCRYPT_OK);
		if (tamper)
			sig[10] = sig[10] == '0' ? '1' : '0';
		(void)snprintf(hts, sizeof hts, "X-Lark-Request-Timestamp: %s",
		    ts);
		(void)snprintf(hnonce, sizeof hnonce,
		    "X-Lark-Request-Nonce: %s", nonce);
		(void)snprintf(hsig, sizeof hsig, "X-Lark-Signature: %s", sig);
		hdr[1] = hts;
		hdr[2] = hnonce;
		hdr[3] = hsig;
	}
	return e2e_request(&d, "POST", path, hdr, body, strlen(body));
}

/* Milliseconds of CLOCK_MONOTONIC. */
static long long
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/* The URL check, encrypted (unsigned, then signed) and plain: answered
 * with the challenge; with a wrong token: 401. */
static void
test_challenge(void **state)
{
	const char		*plain = "{\"challenge\":\"e2e-挑战-42\",\"token\":"
	    "\"" VT "\",\"type\":\"url_verification\"}";
	struct http_result	 r;
	char			*body;

	(void)state;
	body = seal(plain);
	r = post("fs", body, NULL, 0, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"challenge\":\"e2e-挑战-42\"}");
	e2e_result_free(&r);
	r = post("fs", body, "n-chal", 0, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"challenge\":\"e2e-挑战-42\"}");
	e2e_result_free(&r);
	free(body);
	r = post("fsplain", plain, NULL, 0, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"challenge\":\"e2e-挑战-42\"}");
	e2e_result_free(&r);
	body = seal("{\"challenge\":\"x\",\"token\":\"wrong\",\"type\":"
	    "\"url_verification\"}");
	r = post("fs", body, NULL, 0, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	free(body);
	r = post("fsplain", "{\"challenge\":\"x\",\"token\":\"wrong\","
	    "\"type\":\"url_verification\"}", NULL, 0, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
}

/* A tip, delivered four times as Feishu's retries do (one event_id, a
 * fresh nonce and signature each time): 200 {} each time, one tip. */
static void
test_tip_once(void **state)
{
	struct http_result	 r;
	char			*ev, *body, nonce[32];
	long			 seen;
	int			 i;

	(void)state;
	seen = e2e_sql_long(&d, "SELECT count(*) FROM inbound_seen "
	    "WHERE channel = 'fs'");
	ev = event(VT, "ev-e2e-tip-1", "ou_resident1", "oc_p2p_1", "p2p",
	    "举报 飞书线索 某理财公司承诺保本高息 🔥");
	body = seal(ev);
	for (i = 0; i < 4; i++) {
		(void)snprintf(nonce, sizeof nonce, "retry-%d", i);
		r = post("fs", body, nonce, -i * 60, 0);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, "{}");
		e2e_result_free(&r);
		assert_int_equal(tips_like("飞书线索"), 1);
	}
	free(body);
	free(ev);
	/* One dedupe record (its key is a keyed hash, storage/chats.c). */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM inbound_seen "
	    "WHERE channel = 'fs'"), seen + 1);
	/* One answer queued for the chat, whatever the retries. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE "
	    "idem_key LIKE '%ev-e2e-tip-1%' AND meta LIKE '%om_e2e%'"), 1);
	/* The plain channel: the token authenticates; one tip as well. */
	ev = event(VT, "ev-e2e-tip-2", "ou_resident2", "oc_p2p_2", "p2p",
	    "举报 明文线索 某公司");
	for (i = 0; i < 2; i++) {
		r = post("fsplain", ev, NULL, 0, 0);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, "{}");
		e2e_result_free(&r);
	}
	assert_int_equal(tips_like("明文线索"), 1);
	free(ev);
}

/* A check (in a group, with the bot mentioned) is acknowledged with {}
 * at once: nothing but the acknowledgement is in the response. */
static void
test_check(void **state)
{
	struct http_result	 r;
	char			*ev, *body;
	json_t			*j;

	(void)state;
	ev = event(VT, "ev-e2e-check-1", "ou_resident3", "oc_group_1", "group",
	    "@_user_1 查询 鑫源");
	body = seal(ev);
	r = post("fs", body, "n-check", 0, 0);
	assert_int_equal(r.status, 200);
	j = json_loads(r.body, 0, NULL);
	assert_true(json_is_object(j));
	assert_int_equal(json_object_size(j), 0);
	json_decref(j);
	e2e_result_free(&r);
	free(body);
	free(ev);
}

/* Bad signatures, stale or future timestamps, no signature on an event,
 * wrong tokens: 401, and nothing stored. */
static void
test_refused(void **state)
{
	struct http_result	 r;
	char			*ev, *body;
	long			 seen;

	(void)state;
	seen = e2e_sql_long(&d, "SELECT count(*) FROM inbound_seen");
	ev = event(VT, "ev-e2e-bad-1", "ou_bad", "oc_p2p_bad", "p2p",
	    "举报 伪造线索");
	body = seal(ev);
	r = post("fs", body, "n-bad", 0, 1);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = post("fs", body, "n-stale", -9 * 3600, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = post("fs", body, "n-future", 9 * 3600, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = post("fs", body, NULL, 0, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	free(body);
	free(ev);
	ev = event("not-the-token", "ev-e2e-bad-2", "ou_bad", "oc_p2p_bad",
	    "p2p", "举报 伪造线索");
	body = seal(ev);
	r = post("fs", body, "n-tok", 0, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	free(body);
	r = post("fsplain", ev, NULL, 0, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	free(ev);
	r = post("fs", "{\"encrypt\":\"AAAA\"}", "n-short", 0, 0);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	assert_int_equal(tips_like("伪造线索"), 0);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM inbound_seen"),
	    seen);
}

/* How many requests under prefix have a body holding needle; *ok gets
 * how many of them were answered 200. */
static size_t
count_like(const char *prefix, const char *needle, size_t *ok)
{
	struct fakeplat_record	*rec;
	size_t			 n, i, c = 0;

	*ok = 0;
	rec = fakeplat_records(fp, prefix, &n);
	for (i = 0; i < n; i++)
		if (strstr(rec[i].body, needle) != NULL) {
			c++;
			*ok += rec[i].status == 200;
		}
	fakeplat_free(rec, n);
	return c;
}

/* Waits (polling, at most WAIT_MS) until a request under prefix holding
 * needle was answered 200. */
static void
wait_ok(const char *prefix, const char *needle)
{
	struct timespec	 step = { 0, 20 * 1000 * 1000 };
	long long	 end = mono_ms() + WAIT_MS;
	size_t		 ok = 0;

	for (;;) {
		(void)count_like(prefix, needle, &ok);
		if (ok > 0 || mono_ms() >= end)
			break;
		nanosleep(&step, NULL);
	}
	assert_true(ok > 0);
}

/*
 * The answer to a check reaches the chat through im/v1/messages: a
 * tenant_access_token is fetched first (with the app's credentials), the
 * message carries it, the chat id and a uuid; when Feishu says the token
 * expired in the middle, a new one is fetched and the same message (same
 * uuid) is sent again. Earlier tests' answers may still be on their way,
 * so only this chat's requests are looked at.
 */
static void
test_delivered(void **state)
{
	struct http_result	 r;
	struct fakeplat_record	*rec;
	json_t			*j, *first = NULL, *second = NULL;
	char			*ev, *body;
	const char		*content;
	size_t			 n, i, ok, before;

	(void)state;
	/* Let the earlier answers go out, then make the next send fail. */
	wait_ok(SEND_PATH, "oc_group_1");
	wait_ok(SEND_PATH, "oc_p2p_1");
	wait_ok(SEND_PATH, "oc_p2p_2");
	/* Each tip's answer went out once, its reference in it. */
	assert_int_equal(count_like(SEND_PATH, "oc_p2p_1", &ok), 1);
	assert_int_equal(count_like(SEND_PATH, "JB-", &ok), 2);
	before = count_like(TOKEN_PATH, "cli_a1b2c3d4e5f6", &ok);
	assert_true(before >= 1);
	fakeplat_script(fp, SEND_PATH, 1, 400, "{\"code\":99991663,\"msg\":"
	    "\"Invalid access token for authorization.\"}");
	ev = event(VT, "ev-e2e-deliver-1", "ou_resident4", "oc_p2p_deliver",
	    "p2p", "查询 鑫源");
	body = seal(ev);
	r = post("fs", body, "n-deliver", 0, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{}");
	e2e_result_free(&r);
	free(body);
	free(ev);
	wait_ok(SEND_PATH, "oc_p2p_deliver");
	/* One more token fetch, with the app's credentials. */
	assert_int_equal(count_like(TOKEN_PATH, "cli_a1b2c3d4e5f6", &ok),
	    before + 1);
	rec = fakeplat_records(fp, TOKEN_PATH, &n);
	j = json_loads(rec[n - 1].body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "app_secret")),
	    strstr(rec[n - 1].body, "cli_plain") ? "APP_SECRET2" :
	    "APP_SECRET");
	json_decref(j);
	fakeplat_free(rec, n);
	rec = fakeplat_records(fp, SEND_PATH, &n);
	for (i = 0; i < n; i++) {
		if (strstr(rec[i].body, "oc_p2p_deliver") == NULL)
			continue;
		assert_string_equal(rec[i].path, SEND_PATH
		    "?receive_id_type=chat_id");
		assert_non_null(strstr(rec[i].headers, "Bearer t-e2e-1"));
		j = json_loads(rec[i].body, 0, NULL);
		assert_non_null(j);
		if (first == NULL) {
			assert_int_equal(rec[i].status, 400);
			first = j;
		} else {
			assert_null(second);
			assert_int_equal(rec[i].status, 200);
			second = j;
		}
	}
	fakeplat_free(rec, n);
	assert_non_null(first);
	assert_non_null(second);
	assert_string_equal(json_string_value(json_object_get(first,
	    "receive_id")), "oc_p2p_deliver");
	assert_string_equal(json_string_value(json_object_get(first,
	    "msg_type")), "text");
	content = json_string_value(json_object_get(first, "content"));
	assert_non_null(content);
	assert_non_null(strstr(content, "鑫源"));
	assert_non_null(strstr(content, "{\"text\":"));
	assert_true(json_string_length(json_object_get(first, "uuid")) > 0);
	assert_true(json_string_length(json_object_get(first, "uuid")) <= 50);
	assert_true(json_equal(first, second));
	json_decref(first);
	json_decref(second);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_tip_once),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_delivered),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

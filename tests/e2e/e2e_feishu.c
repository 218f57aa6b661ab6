/*
 * End-to-end tests of the Feishu app bot channel (type feishu): the real
 * binary on loopback with an encrypted and signed channel (fs) and a
 * plain one (fsplain). The URL challenge is answered at once; a tip sent
 * again by Feishu's retries (same event_id, a new signature each time) is
 * stored once; a check is acknowledged with {} as Feishu requires (the
 * answer goes through the outbox); bad signatures, stale timestamps and
 * wrong tokens get 401 and store nothing.
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
	fakeplat_set_ok(fp, "{\"code\":0,\"msg\":\"success\",\"data\":{}}");
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

/* A schema 2.0 text message from sender in chat; caller frees. */
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
	    " s:{s:s, s:s, s:s, s:s, s:s}}}",
	    "schema", "2.0",
	    "header", "event_id", event_id, "token", token, "event_type",
	    "im.message.receive_v1", "create_time", "1763750000123",
	    "event", "sender", "sender_id", "open_id", sender,
	    "sender_type", "user",
	    "message", "message_id", "om_e2e", "chat_id", chat, "chat_type",
	    chat_type, "message_type", "text", "content", content);
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
	int			 i;

	(void)state;
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
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM inbound_seen "
	    "WHERE channel = 'fs' AND message_id = 'ev-e2e-tip-1'"), 1);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_tip_once),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

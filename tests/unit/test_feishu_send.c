/*
 * Unit tests of the Feishu app bot channel's OpenAPI side
 * (bot/channel_feishu_app.c): the tenant_access_token call and its
 * answer, im/v1/messages byte for byte against the request of
 * tests/data/protocol-vectors.json, the uuid, and how answers are
 * classified (token expired, rate limits, permanent errors).
 */
#include "testutil.h"
#include "testvec.h"

#include <jansson.h>

#include "bot/apitoken.h"
#include "testchan.h"

#define VT		"v0Tok3nEXAMPLE"
#define NOW		1763750004
#define ERRSZ		256

/* A channel with the vectors' token and encrypt key (NULL: plain). */
static void
mkchan(struct channel *ch, const char *ek)
{
	if (ek != NULL)
		testchan_make(ch, "fs", "feishu", "app_id", "cli_a1b2c3d4e5f6",
		    "app_secret", "APP_SECRET", "verification_token", VT,
		    "encrypt_key", ek, NULL);
	else
		testchan_make(ch, "fs", "feishu", "app_id", "cli_a1b2c3d4e5f6",
		    "app_secret", "APP_SECRET", "verification_token", VT, NULL);
}

/* ---- outbound ---- */

/* Stores tok in the channel's cache for 7200 s from now. */
static void
give_token(struct channel *ch, const char *tok, time_t now)
{
	struct apitoken	*t = ch->backend->token(ch);

	assert_non_null(t);
	assert_int_equal(apitoken_begin(t, now), 1);
	apitoken_end(t, tok, 7200, now, 0);
}

/* token_prepare: the vector's request exactly; token_result: the
 * vector's answer, and refusals. */
static void
test_token_calls(void **state)
{
	struct channel		 ch;
	struct http_call	 call;
	json_t			*v, *ex;
	char			 url[256], out[APITOKEN_MAX], err[ERRSZ];
	const char		*why = NULL, *r;
	int			 exp = 0;

	(void)state;
	v = vectors();
	ex = json_object_get(json_object_get(v, "feishu"),
	    "send_via_openapi_example");
	mkchan(&ch, NULL);
	testchan_set(&ch, "api_base", "http://127.0.0.1:9");
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->token_prepare(&ch, &call, &why), 0);
	assert_true(call.method == NULL ||
	    strcmp(call.method, "POST") == 0);
	assert_string_equal(call.url, "http://127.0.0.1:9/open-apis/auth/v3/"
	    "tenant_access_token/internal");
	assert_string_equal(call.body, vstr(ex, "token_request", "body",
	    NULL));
	assert_int_equal(call.len, strlen(call.body));
	assert_non_null(strstr(call.content_type, "application/json"));
	http_call_clear(&call);
	testchan_set(&ch, "api_base", NULL);
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->token_prepare(&ch, &call, &why), 0);
	(void)snprintf(url, sizeof url, "%s", vstr(ex, "token_request", "url",
	    NULL));
	assert_string_equal(call.url, url);
	http_call_clear(&call);

	r = vstr(ex, "token_response_example", NULL);
	assert_int_equal(ch.backend->token_result(&ch, 200, r, strlen(r), out,
	    sizeof out, &exp, err, sizeof err), 0);
	assert_string_equal(out, "t-g1044ghJRUIJJ5ELM...");
	assert_int_equal(exp, 7200);
	r = "{\"code\":10003,\"msg\":\"invalid param\"}";
	assert_int_equal(ch.backend->token_result(&ch, 400, r, strlen(r), out,
	    sizeof out, &exp, err, sizeof err), -1);
	assert_string_equal(err, "feishu code 10003: invalid param");
	r = "{\"code\":0,\"msg\":\"ok\",\"expire\":7200}";
	assert_int_equal(ch.backend->token_result(&ch, 200, r, strlen(r), out,
	    sizeof out, &exp, err, sizeof err), -1);
	r = "{\"code\":0,\"tenant_access_token\":\"t-1\",\"expire\":0}";
	assert_int_equal(ch.backend->token_result(&ch, 200, r, strlen(r), out,
	    sizeof out, &exp, err, sizeof err), -1);
	r = "<html>bad gateway</html>";
	assert_int_equal(ch.backend->token_result(&ch, 502, r, strlen(r), out,
	    sizeof out, &exp, err, sizeof err), -1);
	assert_int_equal(ch.backend->token_result(&ch, 0, "", 0, out,
	    sizeof out, &exp, err, sizeof err), -1);
	assert_string_equal(err, "feishu: no answer");
	testchan_free(&ch);
	json_decref(v);
}

/* send_prepare: no token yet → CHANNEL_NEED_TOKEN; then the vector's
 * request byte for byte; long or odd idempotency keys get a stable
 * 48-digit uuid; a row without chat is dead. */
static void
test_send_prepare(void **state)
{
	struct channel		 ch;
	struct http_call	 call, again;
	struct outbound		 m;
	json_t			*v, *ex, *b;
	const char		*why = NULL, *u;
	char			 key[128];

	(void)state;
	v = vectors();
	ex = json_object_get(json_object_get(v, "feishu"),
	    "send_via_openapi_example");
	mkchan(&ch, NULL);
	memset(&m, 0, sizeof m);
	m.chat_id = "oc_5ad11d72b830411d72b836c20";
	m.text = "已收到：server01 正常";
	m.idem_key = "dedupe-7f1c2a";
	m.meta = "{\"message_id\":\"om_5ce6d572455d361153b7cb51da133945\"}";
	m.now_ms = (int64_t)NOW * 1000;
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why),
	    CHANNEL_NEED_TOKEN);
	assert_null(call.url);
	give_token(&ch, "t-abc", NOW);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	assert_true(call.method == NULL);
	assert_string_equal(call.url, vstr(ex, "send_request", "url", NULL));
	assert_string_equal(call.body, vstr(ex, "send_request", "body", NULL));
	assert_int_equal(call.len, strlen(call.body));
	assert_string_equal(call.content_type, vstr(ex, "send_request",
	    "headers", "Content-Type", NULL));
	assert_string_equal(call.headers[0], "Authorization: Bearer t-abc");
	assert_null(call.headers[1]);
	http_call_clear(&call);

	/* A key past 50 bytes: hashed, the same every time. */
	memset(key, 'k', 80);
	key[80] = '\0';
	m.idem_key = key;
	m.text = "多行\n文本 🙂 \"引号\"";
	memset(&call, 0, sizeof call);
	memset(&again, 0, sizeof again);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &again, &why), 0);
	assert_string_equal(call.body, again.body);
	b = json_loads(call.body, 0, NULL);
	assert_non_null(b);
	u = json_string_value(json_object_get(b, "uuid"));
	assert_non_null(u);
	assert_int_equal(strlen(u), 48);
	assert_string_equal(json_string_value(json_object_get(b, "content")),
	    "{\"text\":\"多行\\n文本 🙂 \\\"引号\\\"\"}");
	json_decref(b);
	http_call_clear(&call);
	http_call_clear(&again);
	/* Exactly 50 bytes: kept. */
	key[50] = '\0';
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	assert_non_null(strstr(call.body, key));
	http_call_clear(&call);

	m.chat_id = "";
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	assert_string_equal(why, "no chat_id");
	m.chat_id = "oc_1";
	m.text = "\xff";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	/* The token near its expiry is not used. */
	m.text = "x";
	m.now_ms = (int64_t)(NOW + 7200 - 10) * 1000;
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why),
	    CHANNEL_NEED_TOKEN);
	testchan_free(&ch);
	json_decref(v);
}

/* send_result: sent; token codes invalidate and retry at once; rate
 * limits and Feishu's trouble retry; the rest fail with the code. */
static void
test_send_result(void **state)
{
	struct channel	 ch;
	struct outbound	 m;
	struct http_call call;
	char		 err[ERRSZ];
	const char	*why;
	int		 ra;
	static const long tok_codes[] = { 99991663, 99991661, 99991668 };
	char		 body[128];
	size_t		 i;

	(void)state;
	mkchan(&ch, NULL);
#define RES(st, b) (ra = -7, err[0] = '\0', ch.backend->send_result(&ch, \
	(st), (b), strlen(b), &ra, err, sizeof err))
	assert_int_equal(RES(200, "{\"code\":0,\"msg\":\"success\",\"data\":"
	    "{\"message_id\":\"om_x\"}}"), SEND_OK);
	memset(&m, 0, sizeof m);
	m.chat_id = "oc_1";
	m.text = "x";
	m.idem_key = "k";
	m.now_ms = (int64_t)NOW * 1000;
	for (i = 0; i < 3; i++) {
		give_token(&ch, "t-1", NOW);
		memset(&call, 0, sizeof call);
		assert_int_equal(ch.backend->send_prepare(&ch, &m, &call,
		    &why), 0);
		http_call_clear(&call);
		(void)snprintf(body, sizeof body, "{\"code\":%ld,\"msg\":"
		    "\"Invalid access token for authorization.\"}",
		    tok_codes[i]);
		assert_int_equal(RES(i == 0 ? 400 : 200, body), SEND_RETRY);
		assert_int_equal(ra, 0);
		assert_non_null(strstr(err, "feishu code 9999166"));
		assert_int_equal(ch.backend->send_prepare(&ch, &m, &call,
		    &why), CHANNEL_NEED_TOKEN);
	}
	assert_int_equal(RES(400, "{\"code\":230020,\"msg\":\"This operation "
	    "triggers the frequency limit.\"}"), SEND_RETRY);
	assert_string_equal(err, "feishu code 230020: This operation triggers "
	    "the frequency limit.");
	assert_int_equal(RES(200, "{\"code\":11232,\"msg\":\"frequency "
	    "limited\"}"), SEND_RETRY);
	assert_int_equal(RES(429, ""), SEND_RETRY);
	assert_string_equal(err, "feishu: http 429");
	assert_int_equal(RES(503, "<html></html>"), SEND_RETRY);
	assert_int_equal(RES(0, ""), SEND_RETRY);
	assert_string_equal(err, "feishu: no answer");
	assert_int_equal(RES(200, "<html>proxy</html>"), SEND_RETRY);
	assert_int_equal(RES(400, "{\"code\":230002,\"msg\":\"The bot can not "
	    "be outside the group.\"}"), SEND_FAILED);
	assert_string_equal(err, "feishu code 230002: The bot can not be "
	    "outside the group.");
	assert_int_equal(RES(200, "{\"code\":99992402,\"msg\":\"字段校验失败"
	    "\"}"), SEND_FAILED);
	assert_string_equal(err, "feishu code 99992402: 字段校验失败");
	assert_int_equal(RES(404, "not found"), SEND_FAILED);
	assert_string_equal(err, "feishu: http 404");
	/* A long message is cut on a character boundary. */
	err[0] = '\0';
	ra = -7;
	why = "{\"code\":1,\"msg\":\"错错错错错错错错错错\"}";
	assert_int_equal(ch.backend->send_result(&ch, 400, why, strlen(why),
	    &ra, err, 20), SEND_FAILED);
	assert_string_equal(err, "feishu code 1: 错");
#undef RES
	testchan_free(&ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_calls),
		cmocka_unit_test(test_send_prepare),
		cmocka_unit_test(test_send_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

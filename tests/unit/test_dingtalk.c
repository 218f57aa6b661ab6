/*
 * Unit tests of the DingTalk enterprise robot channel
 * (bot/channel_dingtalk_app.c): the dingtalk vectors of
 * tests/data/protocol-vectors.json, refused callbacks (tampered and
 * stale signatures, bad bodies), parsing of group and single chats, and
 * the outbound requests (sessionWebhook, OpenAPI, access token) byte for
 * byte against PROTOCOLS.md section 2(b).
 */
#include "testutil.h"

#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "bot/apitoken.h"
#include "bot/channel.h"
#include "bot/dtsign.h"
#include "testchan.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

extern const struct channel_backend channel_dingtalk_app_backend;

#define SECRET	"gxlW3aHb7hQ_example_appsecret_0123456789abcdef"
#define TS	"1763750000123"
#define NOW	((time_t)1763750000)
#define HOOK	"https://oapi.dingtalk.com/robot/sendBySession?session=abc"

struct fake_req {
	const char	*names[4];
	const char	*values[4];
};

/* Header lookup over a fixed list. */
static const char *
fake_header(const struct http_request *req, const char *name)
{
	const struct fake_req	*f = req->impl;
	int			 i;

	for (i = 0; i < 4 && f->names[i] != NULL; i++)
		if (strcasecmp(f->names[i], name) == 0)
			return f->values[i];
	return NULL;
}

static struct channel dt;

/* Makes the channel the tests share, with the vectors' app secret. */
static int
dt_setup(void **state)
{
	(void)state;
	testchan_make(&dt, "dt", "dingtalk", "app_key", "dingwjbmfyoxjs27qbwo",
	    "app_secret", SECRET, "robot_code", "dingrobot01", "api_base",
	    "http://127.0.0.1:9", NULL);
	return 0;
}

/* Releases it. */
static int
dt_teardown(void **state)
{
	(void)state;
	testchan_free(&dt);
	return 0;
}

/* Runs verify with timestamp and sign headers (NULL: left out) at now;
 * returns its status. */
static int
dt_verify(const char *ts, const char *sign, time_t now, const char *body)
{
	struct http_request	 req;
	struct fake_req		 f;
	const char		*why = NULL;
	int			 i = 0, rc;

	memset(&req, 0, sizeof req);
	memset(&f, 0, sizeof f);
	if (ts != NULL) {
		f.names[i] = "timestamp";
		f.values[i++] = ts;
	}
	if (sign != NULL) {
		f.names[i] = "sign";
		f.values[i++] = sign;
	}
	req.method = "POST";
	req.body = body;
	req.body_len = strlen(body);
	req.now = now;
	req.header = fake_header;
	req.impl = &f;
	rc = dt.backend->verify(&dt, &req, &why);
	if (rc != 0)
		assert_non_null(why);
	return rc;
}

/* Parses body into *in (zeroed first); returns parse's status. */
static int
dt_parse(const char *body, struct inbound *in)
{
	struct http_request	 req;
	struct fake_req		 f;
	const char		*why = NULL;
	int			 rc;

	memset(&req, 0, sizeof req);
	memset(&f, 0, sizeof f);
	memset(in, 0, sizeof *in);
	req.method = "POST";
	req.body = body;
	req.body_len = strlen(body);
	req.now = NOW;
	req.header = fake_header;
	req.impl = &f;
	rc = dt.backend->parse(&dt, &req, in, &why);
	if (rc != 0)
		assert_non_null(why);
	return rc;
}

/* A callback body of conversation type ctype with content and extra
 * members (", …" or ""); the caller frees it. */
static char *
dt_body(const char *ctype, const char *content, const char *extra)
{
	json_t	*c = json_string(content);
	char	*cs, *b;

	assert_non_null(c);
	cs = json_dumps(c, JSON_ENCODE_ANY);
	b = xasprintf("{\"msgtype\":\"text\",\"msgId\":\"msg01\","
	    "\"conversationType\":\"%s\",\"conversationId\":\"cid01\","
	    "\"senderStaffId\":\"staff01\",\"senderId\":\"$:LWCP_v1:$x\","
	    "\"senderNick\":\"王五\",\"sessionWebhook\":\"" HOOK "\","
	    "\"sessionWebhookExpiredTime\":1763755400123,"
	    "\"text\":{\"content\":%s}%s}", ctype, cs, extra);
	free(cs);
	json_decref(c);
	return b;
}

/* The dingtalk vectors: the inbound sign and body, the custom robot sign
 * formula, the sessionWebhook reply body and the answers' classes. */
static void
test_dingtalk_vectors(void **state)
{
	json_t		*v, *d, *c, *resp;
	struct inbound	 in;
	struct outbound	 m;
	struct http_call call;
	json_t		*meta, *want, *got;
	const char	*why = NULL;
	char		 sign[DTSIGN_LEN + 1], err[256];
	int		 ra;
	size_t		 i;

	(void)state;
	v = json_load_file("tests/data/protocol-vectors.json", 0, NULL);
	assert_non_null(v);
	d = json_object_get(v, "dingtalk");

	c = json_array_get(json_object_get(d, "outgoing_robot_inbound_sign"),
	    0);
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c,
	    "app_secret")), SECRET);
	assert_int_equal(dt_verify(json_string_value(json_object_get(c,
	    "header_timestamp")), json_string_value(json_object_get(c,
	    "expected_header_sign")), NOW, json_string_value(
	    json_object_get(c, "body"))), 0);
	assert_int_equal(dt_parse(json_string_value(json_object_get(c,
	    "body")), &in), 0);
	assert_int_equal(in.ignore, 0);
	assert_string_equal(in.channel, "dt");
	assert_string_equal(in.chat_id,
	    "cidw1M9XtXqUwbkQeXnFbDw2m/4PVEPTSsRBgvJjwby6dg=");
	assert_int_equal(in.chat_kind, CHAT_GROUP);
	assert_string_equal(in.chat_title, "机器人测试-TEST");
	assert_string_equal(in.sender_id, "user123");
	assert_string_equal(in.sender_name, "杨某");
	assert_string_equal(in.message_id, "msgAMVBzPulTJGBbGXvR5v4sQ0==");
	assert_string_equal(in.text, "/check server01 状态");
	assert_int_equal(in.explicit_cmd, 1);
	assert_non_null(in.reply_meta);
	meta = json_loads(in.reply_meta, 0, NULL);
	assert_non_null(meta);
	assert_string_equal(json_string_value(json_object_get(meta,
	    "session_webhook")), "https://oapi.dingtalk.com/robot/"
	    "sendBySession?session=f41dd76d7c81d3ab81be3617087ec47c");
	assert_int_equal(json_integer_value(json_object_get(meta,
	    "expires_ms")), 1763755400123LL);
	assert_string_equal(json_string_value(json_object_get(meta,
	    "conversation_type")), "2");
	assert_string_equal(json_string_value(json_object_get(meta,
	    "conversation_id")), in.chat_id);
	assert_string_equal(json_string_value(json_object_get(meta,
	    "staff_id")), "user123");
	json_decref(meta);

	/* The reply to that message, through its sessionWebhook. */
	want = json_loads(json_string_value(json_object_get(json_object_get(d,
	    "message_bodies"), "session_webhook_reply")), 0, NULL);
	assert_non_null(want);
	memset(&m, 0, sizeof m);
	memset(&call, 0, sizeof call);
	m.chat_id = in.chat_id;
	m.meta = in.reply_meta;
	m.text = json_string_value(json_object_get(json_object_get(want,
	    "text"), "content"));
	m.now_ms = 1763750001000LL;
	assert_int_equal(dt.backend->send_prepare(&dt, &m, &call, &why), 0);
	assert_string_equal(call.url, "https://oapi.dingtalk.com/robot/"
	    "sendBySession?session=f41dd76d7c81d3ab81be3617087ec47c");
	assert_null(call.headers[0]);
	assert_null(call.method);
	got = json_loads(call.body, 0, NULL);
	assert_non_null(got);
	assert_string_equal(json_string_value(json_object_get(got, "msgtype")),
	    json_string_value(json_object_get(want, "msgtype")));
	assert_string_equal(call.body, "{\"msgtype\":\"text\",\"text\":"
	    "{\"content\":\"收到，正在检查 server01\"}}");
	json_decref(got);
	json_decref(want);
	http_call_clear(&call);
	inbound_clear(&in);

	/* The custom robot's formula is the callback's: the same HMAC. */
	c = json_array_get(json_object_get(d, "custom_robot_sign"), 0);
	assert_int_equal(dtsign_sign(json_string_value(json_object_get(c,
	    "secret")), json_string_value(json_object_get(c, "timestamp_ms")),
	    sign), DTSIGN_OK);
	assert_string_equal(sign, json_string_value(json_object_get(c,
	    "sign_base64")));

	/* The answers of a sessionWebhook, on errcode only. */
	resp = json_object_get(d, "responses");
	{
		static const struct {
			const char		*key;
			enum send_status	 st;
			const char		*err;
		} want_st[] = {
			{ "ok", SEND_OK, NULL },
			{ "sign_mismatch", SEND_FAILED,
			    "dingtalk errcode 310000: sign not match" },
			{ "timestamp_invalid", SEND_FAILED,
			    "dingtalk errcode 310000: invalid timestamp" },
			{ "rate_limited", SEND_RETRY,
			    "dingtalk errcode 130101: send too fast" },
			{ "bad_token", SEND_FAILED,
			    "dingtalk errcode 300001: token is not exist" },
		};
		for (i = 0; i < sizeof want_st / sizeof want_st[0]; i++) {
			const char *b = json_string_value(json_object_get(resp,
			    want_st[i].key));

			assert_non_null(b);
			err[0] = '\0';
			ra = -1;
			assert_int_equal(dt.backend->send_result(&dt, 200, b,
			    strlen(b), &ra, err, sizeof err), want_st[i].st);
			if (want_st[i].err != NULL)
				assert_true(strncmp(err, want_st[i].err,
				    strlen(want_st[i].err)) == 0);
			if (want_st[i].st == SEND_RETRY)
				assert_true(ra > 0);
		}
	}
	json_decref(v);
}

/* Tampered, missing, stale, future and malformed signatures are 401. */
static void
test_dingtalk_verify_refused(void **state)
{
	char	 sign[DTSIGN_LEN + 1], bad[DTSIGN_LEN + 1], ts[32];
	char	*enc;

	(void)state;
	assert_int_equal(dtsign_sign(SECRET, TS, sign), DTSIGN_OK);
	assert_int_equal(dt_verify(TS, sign, NOW, "{}"), 0);
	/* One character changed, anywhere. */
	memcpy(bad, sign, sizeof bad);
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	assert_int_equal(dt_verify(TS, bad, NOW, "{}"), 401);
	memcpy(bad, sign, sizeof bad);
	bad[DTSIGN_LEN - 2] = bad[DTSIGN_LEN - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(dt_verify(TS, bad, NOW, "{}"), 401);
	/* Cut, empty, URL-encoded (the header is plain base64). */
	bad[0] = '\0';
	assert_int_equal(dt_verify(TS, bad, NOW, "{}"), 401);
	memcpy(bad, sign, DTSIGN_LEN - 1);
	bad[DTSIGN_LEN - 1] = '\0';
	assert_int_equal(dt_verify(TS, bad, NOW, "{}"), 401);
	enc = xasprintf("%.*s%%3D", DTSIGN_LEN - 1, sign);
	assert_int_equal(dt_verify(TS, enc, NOW, "{}"), 401);
	free(enc);
	/* Missing headers. */
	assert_int_equal(dt_verify(NULL, sign, NOW, "{}"), 401);
	assert_int_equal(dt_verify(TS, NULL, NOW, "{}"), 401);
	assert_int_equal(dt_verify(NULL, NULL, NOW, "{}"), 401);
	/* The right sign, an hour and a second later or earlier. */
	assert_int_equal(dt_verify(TS, sign, NOW + 3601, "{}"), 401);
	assert_int_equal(dt_verify(TS, sign, NOW - 3601, "{}"), 401);
	assert_int_equal(dt_verify(TS, sign, NOW + 3599, "{}"), 0);
	/* Seconds instead of milliseconds: stale by decades. */
	assert_int_equal(dtsign_sign(SECRET, "1763750000", sign), DTSIGN_OK);
	assert_int_equal(dt_verify("1763750000", sign, NOW, "{}"), 401);
	/* Not a number. */
	(void)snprintf(ts, sizeof ts, "%s", "17637500001x3");
	assert_int_equal(dtsign_sign(SECRET, TS, sign), DTSIGN_OK);
	assert_int_equal(dt_verify(ts, sign, NOW, "{}"), 401);
	assert_int_equal(dt_verify("-1763750000123", sign, NOW, "{}"), 401);
	/* Signed with another secret. */
	assert_int_equal(dtsign_sign("another-secret", TS, sign), DTSIGN_OK);
	assert_int_equal(dt_verify(TS, sign, NOW, "{}"), 401);
}

/* A required key left out is refused at start, naming it. */
static void
test_dingtalk_keys(void **state)
{
	struct channel	 ch;
	char		*cause = NULL, *warning = NULL;

	(void)state;
	memset(&ch, 0, sizeof ch);
	ch.name = (char *)(uintptr_t)"dt2";
	ch.backend = channel_backend_lookup("dingtalk");
	assert_ptr_equal(ch.backend, &channel_dingtalk_app_backend);
	assert_int_equal(channel_set(&ch, "app_key", "k", &cause), 0);
	assert_int_equal(channel_setup(&ch, 1, &warning, &cause), -1);
	assert_non_null(strstr(cause, "app_secret"));
	free(cause);
	cause = NULL;
	assert_int_equal(channel_set(&ch, "token", "x", &cause), -1);
	free(cause);
	cause = NULL;
	/* mode: webhook (the default) or stream, nothing else. */
	assert_int_equal(channel_set(&ch, "app_secret", "s", &cause), 0);
	assert_int_equal(channel_setup(&ch, 1, &warning, &cause), 0);
	assert_false(ch.backend->streams(&ch));
	channel_clear(&ch);
	memset(&ch, 0, sizeof ch);
	ch.name = (char *)(uintptr_t)"dt3";
	ch.backend = channel_backend_lookup("dingtalk");
	assert_int_equal(channel_set(&ch, "app_key", "k", &cause), 0);
	assert_int_equal(channel_set(&ch, "app_secret", "s", &cause), 0);
	assert_int_equal(channel_set(&ch, "mode", "websocket", &cause), 0);
	assert_int_equal(channel_setup(&ch, 1, &warning, &cause), -1);
	assert_non_null(strstr(cause, "want webhook or stream"));
	free(cause);
	cause = NULL;
	assert_int_equal(channel_set(&ch, "mode", "stream", &cause), 0);
	assert_int_equal(channel_setup(&ch, 1, &warning, &cause), 0);
	assert_true(ch.backend->streams(&ch));
	free(warning);
	channel_clear(&ch);
	/* The outbound custom robot keeps its own table and name. */
	assert_non_null(robot_backend_lookup("dingtalk"));
	assert_ptr_not_equal(robot_backend_lookup("dingtalk"),
	    channel_backend_lookup("dingtalk"));
}

/* Chinese text and emoji in a single chat; mentions stripped in groups;
 * what is not a text message is acknowledged and ignored. */
static void
test_dingtalk_parse(void **state)
{
	struct inbound	 in;
	char		*b;
	json_t		*meta;

	(void)state;
	b = dt_body("1", "  举报 鑫源理财 承诺年化20% 🙏😀\n", "");
	assert_int_equal(dt_parse(b, &in), 0);
	assert_int_equal(in.ignore, 0);
	assert_int_equal(in.chat_kind, CHAT_PRIVATE);
	assert_string_equal(in.text, "举报 鑫源理财 承诺年化20% 🙏😀");
	assert_string_equal(in.sender_id, "staff01");
	assert_string_equal(in.sender_name, "王五");
	assert_int_equal(in.explicit_cmd, 0);
	meta = json_loads(in.reply_meta, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(meta,
	    "conversation_type")), "1");
	json_decref(meta);
	inbound_clear(&in);
	free(b);

	/* A group: the leading mentions (and U+2005 after them) go. */
	b = dt_body("2", "@防非助手\xe2\x80\x85@张三 查询 鑫源\xe2\x80\x85",
	    ",\"isInAtList\":true");
	assert_int_equal(dt_parse(b, &in), 0);
	assert_int_equal(in.ignore, 0);
	assert_int_equal(in.chat_kind, CHAT_GROUP);
	assert_string_equal(in.text, "查询 鑫源");
	assert_int_equal(in.explicit_cmd, 1);
	inbound_clear(&in);
	free(b);

	/* Not in the @ list: not explicit. A bare mention: nothing. */
	b = dt_body("2", " 你好", "");
	assert_int_equal(dt_parse(b, &in), 0);
	assert_int_equal(in.explicit_cmd, 0);
	assert_string_equal(in.text, "你好");
	inbound_clear(&in);
	free(b);
	b = dt_body("2", "@防非助手 ", ",\"isInAtList\":true");
	assert_int_equal(dt_parse(b, &in), 0);
	assert_int_equal(in.ignore, 1);
	inbound_clear(&in);
	free(b);

	/* senderId when there is no staff id (external users). */
	assert_int_equal(dt_parse("{\"msgtype\":\"text\",\"msgId\":\"m2\","
	    "\"conversationType\":\"1\",\"conversationId\":\"c2\","
	    "\"senderId\":\"$:LWCP_v1:$ext\",\"senderStaffId\":\"\","
	    "\"text\":{\"content\":\"帮助\"}}", &in), 0);
	assert_string_equal(in.sender_id, "$:LWCP_v1:$ext");
	meta = json_loads(in.reply_meta, 0, NULL);
	assert_null(json_object_get(meta, "staff_id"));
	assert_null(json_object_get(meta, "session_webhook"));
	json_decref(meta);
	inbound_clear(&in);

	/* Pictures, files and unknown conversation types: ignored. */
	assert_int_equal(dt_parse("{\"msgtype\":\"picture\",\"msgId\":\"m3\","
	    "\"conversationType\":\"1\",\"conversationId\":\"c3\","
	    "\"senderStaffId\":\"s\",\"content\":{\"downloadCode\":\"x\"}}",
	    &in), 0);
	assert_int_equal(in.ignore, 1);
	assert_null(in.text);
	inbound_clear(&in);
	b = dt_body("3", "查询 x", "");
	assert_int_equal(dt_parse(b, &in), 0);
	assert_int_equal(in.ignore, 1);
	inbound_clear(&in);
	free(b);
}

/* Bodies that are refused: none yields a message. */
static void
test_dingtalk_parse_refused(void **state)
{
	struct inbound	 in;
	char		*big, *b;

	(void)state;
	assert_int_equal(dt_parse("", &in), 400);
	inbound_clear(&in);
	assert_int_equal(dt_parse("{\"msgtype\":\"text\"", &in), 400);
	inbound_clear(&in);
	assert_int_equal(dt_parse("[1,2]", &in), 400);
	inbound_clear(&in);
	assert_int_equal(dt_parse("{\"msgId\":\"\xff\xfe\"}", &in), 400);
	inbound_clear(&in);
	/* No msgId, an empty one, a number, or no conversation. */
	assert_int_equal(dt_parse("{\"msgtype\":\"text\",\"conversationId\":"
	    "\"c\",\"text\":{\"content\":\"x\"}}", &in), 400);
	inbound_clear(&in);
	assert_int_equal(dt_parse("{\"msgId\":\"\",\"conversationId\":\"c\"}",
	    &in), 400);
	inbound_clear(&in);
	assert_int_equal(dt_parse("{\"msgId\":5,\"conversationId\":\"c\"}",
	    &in), 400);
	inbound_clear(&in);
	assert_int_equal(dt_parse("{\"msgId\":\"m\"}", &in), 400);
	inbound_clear(&in);
	/* No sender at all. */
	assert_int_equal(dt_parse("{\"msgtype\":\"text\",\"msgId\":\"m\","
	    "\"conversationType\":\"1\",\"conversationId\":\"c\","
	    "\"text\":{\"content\":\"x\"}}", &in), 400);
	assert_null(in.text);
	inbound_clear(&in);
	/* text.content missing or not a string. */
	assert_int_equal(dt_parse("{\"msgtype\":\"text\",\"msgId\":\"m\","
	    "\"conversationType\":\"1\",\"conversationId\":\"c\","
	    "\"senderStaffId\":\"s\",\"text\":{\"content\":7}}", &in), 400);
	inbound_clear(&in);
	/* An id past its cap. */
	big = xcalloc(1, 200);
	memset(big, 'c', 199);
	b = xasprintf("{\"msgtype\":\"text\",\"msgId\":\"m\","
	    "\"conversationType\":\"1\",\"conversationId\":\"%s\","
	    "\"senderStaffId\":\"s\",\"text\":{\"content\":\"x\"}}", big);
	assert_int_equal(dt_parse(b, &in), 400);
	inbound_clear(&in);
	free(b);
	free(big);
	/* A text past INBOUND_TEXT_MAX: 413. Control characters: 400. */
	big = xcalloc(1, INBOUND_TEXT_MAX + 2);
	memset(big, 'x', INBOUND_TEXT_MAX + 1);
	b = dt_body("1", big, "");
	assert_int_equal(dt_parse(b, &in), 413);
	assert_null(in.text);
	inbound_clear(&in);
	free(b);
	free(big);
	b = dt_body("1", "举报\x01x", "");
	assert_int_equal(dt_parse(b, &in), 400);
	inbound_clear(&in);
	free(b);
	assert_int_equal(dt_parse("{\"msgtype\":\"text\",\"msgId\":\"m\","
	    "\"conversationType\":\"1\",\"conversationId\":\"c\","
	    "\"senderStaffId\":\"s\",\"text\":{\"content\":\"a\\u0000b\"}}",
	    &in), 400);
	inbound_clear(&in);
}

/* A sessionWebhook that is not on session_host is never kept. */
static void
test_dingtalk_session_host(void **state)
{
	static const char *const bad[] = {
		"https://evil.example/robot/sendBySession?session=1",
		"https://oapi.dingtalk.com.evil.example/x",
		"https://oapi.dingtalk.com@evil.example/x",
		"http://oapi.dingtalk.com/robot/sendBySession?session=1",
		"https://oapi.dingtalk.com",
		"https://oapi.dingtalk.com:8443/x",
		"https://oapi.dingtalk.com/x y",
		"file:///etc/passwd",
	};
	struct inbound	 in;
	json_t		*meta;
	char		*b, *extra;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		extra = xasprintf(",\"sessionWebhook\":\"%s\"", bad[i]);
		b = xasprintf("{\"msgtype\":\"text\",\"msgId\":\"m\","
		    "\"conversationType\":\"1\",\"conversationId\":\"c\","
		    "\"senderStaffId\":\"s\",\"sessionWebhookExpiredTime\":"
		    "1763755400123,\"text\":{\"content\":\"查询 x\"}%s}", extra);
		assert_int_equal(dt_parse(b, &in), 0);
		assert_int_equal(in.ignore, 0);
		meta = json_loads(in.reply_meta, 0, NULL);
		assert_non_null(meta);
		assert_null(json_object_get(meta, "session_webhook"));
		json_decref(meta);
		inbound_clear(&in);
		free(b);
		free(extra);
	}
	/* Upper case host: the same host. */
	b = xasprintf("{\"msgtype\":\"text\",\"msgId\":\"m\","
	    "\"conversationType\":\"1\",\"conversationId\":\"c\","
	    "\"senderStaffId\":\"s\",\"sessionWebhookExpiredTime\":1,"
	    "\"sessionWebhook\":\"https://OAPI.dingtalk.com/r\","
	    "\"text\":{\"content\":\"x\"}}");
	assert_int_equal(dt_parse(b, &in), 0);
	assert_non_null(strstr(in.reply_meta, "session_webhook"));
	inbound_clear(&in);
	free(b);
}

/* The webhook's answer is an empty JSON object, whatever the reply. */
static void
test_dingtalk_reply(void **state)
{
	struct inbound		 in;
	struct reply		 r = { 0 };
	struct http_response	 resp;

	(void)state;
	memset(&in, 0, sizeof in);
	memset(&resp, 0, sizeof resp);
	reply_add(&r, "查询结果 😀");
	dt.backend->reply(&dt, &in, &r, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/json");
	assert_string_equal(resp.body, "{}");
	assert_int_equal(resp.len, 2);
	free(resp.body);
	reply_clear(&r);
	assert_int_equal(dt.backend->reply_outbox, 1);
	assert_int_equal(dt.backend->dedupe, 0);
}

/* Fills the token cache as the delivery thread would. */
static void
dt_give_token(const char *tok)
{
	struct apitoken	*t = dt.backend->token(&dt);

	assert_non_null(t);
	assert_int_equal(apitoken_begin(t, NOW), 1);
	apitoken_end(t, tok, 7200, NOW, 0);
}

/* Prepares m; returns send_prepare's answer. */
static int
dt_prepare(const char *meta, const char *chat, const char *text,
    int64_t now_ms, struct http_call *call)
{
	struct outbound	 m;
	const char	*why = NULL;
	int		 rc;

	memset(&m, 0, sizeof m);
	memset(call, 0, sizeof *call);
	m.chat_id = chat;
	m.meta = meta;
	m.text = text;
	m.idem_key = "k1";
	m.now_ms = now_ms;
	rc = dt.backend->send_prepare(&dt, &m, call, &why);
	if (rc == -1)
		assert_non_null(why);
	return rc;
}

/* The sessionWebhook while it has a minute left; then the OpenAPI, with a
 * token, for a group or one person; broadcasts go to the group. */
static void
test_dingtalk_send(void **state)
{
	static const char group[] = "{\"session_webhook\":\"" HOOK "\","
	    "\"expires_ms\":1763755400123,\"conversation_type\":\"2\","
	    "\"conversation_id\":\"cidG\",\"staff_id\":\"u1\"}";
	static const char single[] = "{\"session_webhook\":\"" HOOK "\","
	    "\"expires_ms\":1763755400123,\"conversation_type\":\"1\","
	    "\"conversation_id\":\"cidS\",\"staff_id\":\"u1\"}";
	struct http_call call;
	char		*big;

	(void)state;
	assert_int_equal(dt_prepare(group, "cidG", "好的 😀", 1763750000000LL,
	    &call), 0);
	assert_string_equal(call.url, HOOK);
	assert_string_equal(call.body,
	    "{\"msgtype\":\"text\",\"text\":{\"content\":\"好的 😀\"}}");
	assert_string_equal(call.content_type, "application/json");
	assert_null(call.headers[0]);
	http_call_clear(&call);

	/* 59 s before expiry: not the session any more; no token yet. */
	assert_int_equal(dt_prepare(group, "cidG", "好的", 1763755400123LL -
	    59000, &call), CHANNEL_NEED_TOKEN);
	assert_null(call.url);
	http_call_clear(&call);
	assert_int_equal(dt_prepare(NULL, "cidG", "预警", 1763750000000LL,
	    &call), CHANNEL_NEED_TOKEN);
	http_call_clear(&call);

	dt_give_token("tok-1");
	assert_int_equal(dt_prepare(group, "cidG", "好的 \"引号\"",
	    1763755400123LL, &call), 0);
	assert_string_equal(call.url,
	    "http://127.0.0.1:9/v1.0/robot/groupMessages/send");
	assert_string_equal(call.headers[0],
	    "x-acs-dingtalk-access-token: tok-1");
	assert_null(call.method);
	assert_string_equal(call.body, "{\"msgParam\":\"{\\\"content\\\":"
	    "\\\"好的 \\\\\\\"引号\\\\\\\"\\\"}\",\"msgKey\":\"sampleText\","
	    "\"openConversationId\":\"cidG\",\"robotCode\":\"dingrobot01\"}");
	http_call_clear(&call);

	assert_int_equal(dt_prepare(single, "cidS", "您好", 1763755400123LL,
	    &call), 0);
	assert_string_equal(call.url,
	    "http://127.0.0.1:9/v1.0/robot/oToMessages/batchSend");
	assert_string_equal(call.body, "{\"robotCode\":\"dingrobot01\","
	    "\"userIds\":[\"u1\"],\"msgKey\":\"sampleText\",\"msgParam\":"
	    "\"{\\\"content\\\":\\\"您好\\\"}\"}");
	http_call_clear(&call);

	/* A broadcast: no meta, the chat is the group's conversation. */
	assert_int_equal(dt_prepare(NULL, "cidB", "预警", 1763750000000LL,
	    &call), 0);
	assert_string_equal(call.body, "{\"msgParam\":\"{\\\"content\\\":"
	    "\\\"预警\\\"}\",\"msgKey\":\"sampleText\",\"openConversationId\":"
	    "\"cidB\",\"robotCode\":\"dingrobot01\"}");
	http_call_clear(&call);

	/* A session URL off session_host in a stored row is not used. */
	assert_int_equal(dt_prepare("{\"session_webhook\":\"https://evil."
	    "example/x\",\"expires_ms\":1763755400123,\"conversation_type\":"
	    "\"2\",\"conversation_id\":\"cidG\"}", "cidG", "x",
	    1763750000000LL, &call), 0);
	assert_string_equal(call.url,
	    "http://127.0.0.1:9/v1.0/robot/groupMessages/send");
	http_call_clear(&call);

	/* Refused: one person without a staff id, bad meta, bad UTF-8. */
	assert_int_equal(dt_prepare("{\"conversation_type\":\"1\","
	    "\"conversation_id\":\"c\"}", "c", "x", 1763750000000LL, &call),
	    -1);
	http_call_clear(&call);
	assert_int_equal(dt_prepare("{not json", "c", "x", 1763750000000LL,
	    &call), -1);
	http_call_clear(&call);
	assert_int_equal(dt_prepare(group, "c", "\xff", 1763750000000LL,
	    &call), -1);
	http_call_clear(&call);
	assert_int_equal(dt_prepare(NULL, "", "x", 1763750000000LL, &call),
	    -1);
	http_call_clear(&call);

	/* A long text is cut at 6000 characters, not inside one. */
	big = xcalloc(1, 3 * 7000 + 1);
	for (size_t i = 0; i < 7000; i++)
		memcpy(big + 3 * i, "鑫", 3);
	assert_int_equal(dt_prepare(group, "cidG", big, 1763750000000LL,
	    &call), 0);
	assert_int_equal(call.len, strlen("{\"msgtype\":\"text\",\"text\":"
	    "{\"content\":\"\"}}") + 3 * 6000);
	http_call_clear(&call);
	free(big);
	assert_int_equal(dt.backend->fit("ab😀c", 3), strlen("ab😀"));
	assert_int_equal(dt.backend->max_text, 6000);
	apitoken_invalidate(dt.backend->token(&dt));
}

/* The access token request and its answers. */
static void
test_dingtalk_token(void **state)
{
	struct http_call call;
	const char	*why = NULL;
	char		 tok[APITOKEN_MAX], err[256];
	int		 exp = 0;
	static const char ok[] = "{\"accessToken\":\"fw8ef8we8f76e6f7s8df8s\","
	    "\"expireIn\":7200}";
	static const char bad[] = "{\"code\":\"invalidClientIdOrSecret\","
	    "\"requestid\":\"r1\",\"message\":\"无效的clientId或者clientSecret\"}";

	(void)state;
	memset(&call, 0, sizeof call);
	assert_int_equal(dt.backend->token_prepare(&dt, &call, &why), 0);
	assert_null(call.method);
	assert_string_equal(call.url,
	    "http://127.0.0.1:9/v1.0/oauth2/accessToken");
	assert_string_equal(call.body, "{\"appKey\":\"dingwjbmfyoxjs27qbwo\","
	    "\"appSecret\":\"" SECRET "\"}");
	assert_string_equal(call.content_type, "application/json");
	http_call_clear(&call);

	assert_int_equal(dt.backend->token_result(&dt, 200, ok, strlen(ok),
	    tok, sizeof tok, &exp, err, sizeof err), 0);
	assert_string_equal(tok, "fw8ef8we8f76e6f7s8df8s");
	assert_int_equal(exp, 7200);
	assert_int_equal(dt.backend->token_result(&dt, 400, bad, strlen(bad),
	    tok, sizeof tok, &exp, err, sizeof err), -1);
	assert_string_equal(err, "dingtalk code invalidClientIdOrSecret: "
	    "无效的clientId或者clientSecret");
	assert_int_equal(dt.backend->token_result(&dt, 0, NULL, 0, tok,
	    sizeof tok, &exp, err, sizeof err), -1);
	assert_int_equal(dt.backend->token_result(&dt, 502, "<html>", 6, tok,
	    sizeof tok, &exp, err, sizeof err), -1);
	assert_string_equal(err, "dingtalk: token: http 502");
	/* A token that would break the header, or no expiry. */
#define TOKEN_BAD(b) assert_int_equal(dt.backend->token_result(&dt, 200, (b), \
	    strlen(b), tok, sizeof tok, &exp, err, sizeof err), -1)
	TOKEN_BAD("{\"accessToken\":\"a\\r\\nX: y\",\"expireIn\":7200}");
	TOKEN_BAD("{\"accessToken\":\"abc\"}");
	TOKEN_BAD("{\"accessToken\":\"abc\",\"expireIn\":-5}");
	TOKEN_BAD("{\"accessToken\":\"\",\"expireIn\":7200}");
#undef TOKEN_BAD
	assert_int_equal(dt.backend->token_result(&dt, 200, ok, strlen(ok),
	    tok, 5, &exp, err, sizeof err), -1);
}

/* The OpenAPI's answers: a bad token is forgotten and retried. */
static void
test_dingtalk_send_result(void **state)
{
	struct apitoken	*t = dt.backend->token(&dt);
	char		 err[256], out[APITOKEN_MAX];
	int		 ra;
	static const char ok[] = "{\"processQueryKey\":\"pq1\"}";
	static const char ok1[] = "{\"processQueryKey\":\"pq2\","
	    "\"invalidStaffIdList\":[],\"flowControlledStaffIdList\":[]}";
	static const char flow[] = "{\"processQueryKey\":\"pq3\","
	    "\"flowControlledStaffIdList\":[\"u1\"]}";
	static const char invalid[] = "{\"processQueryKey\":\"pq4\","
	    "\"invalidStaffIdList\":[\"u1\"]}";
	static const char auth[] = "{\"code\":\"InvalidAuthentication\","
	    "\"requestid\":\"r\",\"message\":\"不合法的access_token\"}";
	static const char thr[] = "{\"code\":\"Throttling.Api\","
	    "\"message\":\"请求被流控\"}";
	static const char param[] = "{\"code\":\"invalidParameter.robotCode\","
	    "\"message\":\"robotCode 不存在\"}";

#define RESULT(s, b) dt.backend->send_result(&dt, (s), (b), strlen(b), &ra, \
	    err, sizeof err)
	(void)state;
	assert_int_equal(RESULT(200, ok), SEND_OK);
	assert_int_equal(RESULT(200, ok1), SEND_OK);
	assert_int_equal(RESULT(200, flow), SEND_RETRY);
	assert_int_equal(RESULT(200, invalid), SEND_FAILED);

	dt_give_token("tok-2");
	assert_int_equal(apitoken_get(t, NOW, out, sizeof out), 0);
	ra = -1;
	assert_int_equal(RESULT(401, auth), SEND_RETRY);
	assert_int_equal(ra, 0);
	assert_string_equal(err, "dingtalk code InvalidAuthentication: "
	    "不合法的access_token");
	assert_int_equal(apitoken_get(t, NOW, out, sizeof out), -1);
	/* The same code under another status still forgets the token. */
	dt_give_token("tok-3");
	assert_int_equal(RESULT(400, auth), SEND_RETRY);
	assert_int_equal(apitoken_get(t, NOW, out, sizeof out), -1);

	assert_int_equal(RESULT(429, thr), SEND_RETRY);
	assert_string_equal(err, "dingtalk code Throttling.Api: 请求被流控");
	/* A long code of Chinese characters is cut on a character, not
	 * in one (found by fuzz_send). */
	{
		static const char cjk[] = "{\"code\":\"Invalid_错误：错误：错误"
		    "：错误：错误：错误：错误：错误：\",\"message\":\"错\"}";

		assert_int_equal(RESULT(400, cjk), SEND_FAILED);
		assert_true(utf8_valid(err, strlen(err)));
	}
	assert_int_equal(RESULT(403, thr), SEND_RETRY);
	assert_int_equal(RESULT(503, "oops"), SEND_RETRY);
	assert_int_equal(RESULT(200, "<html>proxy</html>"), SEND_RETRY);
	assert_int_equal(RESULT(400, param), SEND_FAILED);
	assert_string_equal(err, "dingtalk code invalidParameter.robotCode: "
	    "robotCode 不存在");
	assert_int_equal(RESULT(404, ""), SEND_FAILED);
	assert_string_equal(err, "dingtalk: http 404");
	assert_int_equal(dt.backend->send_result(&dt, 0, NULL, 0, &ra, err,
	    sizeof err), SEND_RETRY);
	/* A message over the error buffer is cut on a character. */
	assert_int_equal(dt.backend->send_result(&dt, 400, param,
	    strlen(param), &ra, err, 50), SEND_FAILED);
	assert_true(strlen(err) < 50);
	assert_true(utf8_valid(err, strlen(err)));
#undef RESULT
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dingtalk_vectors),
		cmocka_unit_test(test_dingtalk_verify_refused),
		cmocka_unit_test(test_dingtalk_keys),
		cmocka_unit_test(test_dingtalk_parse),
		cmocka_unit_test(test_dingtalk_parse_refused),
		cmocka_unit_test(test_dingtalk_session_host),
		cmocka_unit_test(test_dingtalk_reply),
		cmocka_unit_test(test_dingtalk_send),
		cmocka_unit_test(test_dingtalk_token),
		cmocka_unit_test(test_dingtalk_send_result),
	};

	return cmocka_run_group_tests(tests, dt_setup, dt_teardown);
}

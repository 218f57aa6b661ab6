/* Unit tests: the Kannel SMS gateway backend (bot/channel_kannel.c). */
#include "testutil.h"

#include "bot/channel.h"
#include "testchan.h"

/* A request with query arguments (name, value, length) and a body. */
struct kreq {
	struct http_request	 req;
	const char		*names[8];
	const char		*values[8];
	size_t			 lens[8];
	size_t			 n;
	const char		*ctype;
};

static const char *
kreq_arg_n(const struct http_request *req, const char *name, size_t *len)
{
	const struct kreq	*k = req->impl;
	size_t			 i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->names[i], name) == 0) {
			*len = k->lens[i];
			return k->values[i];
		}
	return NULL;
}

static const char *
kreq_arg(const struct http_request *req, const char *name)
{
	size_t	 len;

	return kreq_arg_n(req, name, &len);
}

static const char *
kreq_header(const struct http_request *req, const char *name)
{
	const struct kreq	*k = req->impl;

	if (strcasecmp(name, "Content-Type") == 0)
		return k->ctype;
	return NULL;
}

static void
kreq_init(struct kreq *k, const char *method, const char *body)
{
	memset(k, 0, sizeof *k);
	k->req.method = method;
	k->req.path = "/hook/sms";
	k->req.body = body;
	k->req.body_len = strlen(body);
	k->req.now = 1700000000;
	k->req.header = kreq_header;
	k->req.arg = kreq_arg;
	k->req.arg_n = kreq_arg_n;
	k->req.impl = k;
}

static void
kreq_add(struct kreq *k, const char *name, const char *value, size_t len)
{
	k->names[k->n] = name;
	k->values[k->n] = value;
	k->lens[k->n++] = len;
}

static void
mkchan(struct channel *ch)
{
	testchan_make(ch, "sms", "kannel", "token", "t0ken-Kannel",
	    "sendsms_url", "http://127.0.0.1:13013/cgi-bin/sendsms",
	    "username", "gw", "password", "gwpw", "from", "10690001",
	    "max_parts", "2", NULL);
}

/* get-url with UTF-8 text (mo-recode = true): a private chat of the
 * normalised number, the text as sent. */
static void
test_kannel_get_utf8(void **state)
{
	struct channel	 ch;
	struct kreq	 k;
	struct inbound	 in;
	const char	*why = NULL;

	(void)state;
	mkchan(&ch);
	kreq_init(&k, "GET", "");
	kreq_add(&k, "token", "t0ken-Kannel", 12);
	kreq_add(&k, "p", "008613800000001", 15);
	kreq_add(&k, "b", "举报 高息揽储", strlen("举报 高息揽储"));
	kreq_add(&k, "C", "UTF-8", 5);
	kreq_add(&k, "I", "7e0f1c2a-uuid", 13);
	assert_int_equal(ch.backend->verify(&ch, &k.req, &why), 0);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &k.req, &in, &why), 0);
	assert_false(in.ignore);
	assert_string_equal(in.chat_id, "+8613800000001");
	assert_string_equal(in.sender_id, "+8613800000001");
	assert_string_equal(in.message_id, "7e0f1c2a-uuid");
	assert_string_equal(in.text, "举报 高息揽储");
	assert_int_equal(in.chat_kind, CHAT_PRIVATE);
	inbound_clear(&in);
	testchan_free(&ch);
}

/* A gateway that does not recode hands over UTF-16BE bytes (NULs
 * included): read through iconv. */
static void
test_kannel_get_utf16(void **state)
{
	static const char	 be[] = "\x67\xe5\x8b\xe2\x00\x20\x00\x41";
	struct channel		 ch;
	struct kreq		 k;
	struct inbound		 in;
	const char		*why = NULL;

	(void)state;
	mkchan(&ch);
	kreq_init(&k, "GET", "");
	kreq_add(&k, "token", "t0ken-Kannel", 12);
	kreq_add(&k, "p", "+8613800000002", 14);
	kreq_add(&k, "b", be, sizeof be - 1);
	kreq_add(&k, "C", "UTF-16BE", 8);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &k.req, &in, &why), 0);
	assert_string_equal(in.text, "查询 A");
	/* No %I: an id made from the sender, time and text. */
	assert_int_equal(strlen(in.message_id), 32);
	inbound_clear(&in);
	testchan_free(&ch);
}

/* post-url: the body is the text, its charset in Content-Type. */
static void
test_kannel_post(void **state)
{
	struct channel	 ch;
	struct kreq	 k;
	struct inbound	 in;
	const char	*why = NULL;

	(void)state;
	mkchan(&ch);
	kreq_init(&k, "POST", "帮助");
	k.ctype = "text/plain; charset=\"UTF-8\"";
	kreq_add(&k, "token", "t0ken-Kannel", 12);
	kreq_add(&k, "p", "13800000003", 11);
	kreq_add(&k, "I", "post-1", 6);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &k.req, &in, &why), 0);
	assert_string_equal(in.text, "帮助");
	assert_string_equal(in.chat_id, "+8613800000003");
	inbound_clear(&in);
	testchan_free(&ch);
}

/* Refusals: a wrong token 401; no sender, no text, bad UTF-8 400; a
 * number that is not a mainland mobile is ignored (no answer). */
static void
test_kannel_refused(void **state)
{
	struct channel	 ch;
	struct kreq	 k;
	struct inbound	 in;
	const char	*why = NULL;

	(void)state;
	mkchan(&ch);
	kreq_init(&k, "GET", "");
	kreq_add(&k, "token", "t0ken-Kannem", 12);
	assert_int_equal(ch.backend->verify(&ch, &k.req, &why), 401);
	kreq_init(&k, "GET", "");
	assert_int_equal(ch.backend->verify(&ch, &k.req, &why), 401);

	kreq_init(&k, "GET", "");
	kreq_add(&k, "b", "x", 1);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &k.req, &in, &why), 400);
	inbound_clear(&in);

	kreq_init(&k, "GET", "");
	kreq_add(&k, "p", "+8613800000001", 14);
	kreq_add(&k, "b", "\xff\xfe", 2);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &k.req, &in, &why), 400);
	inbound_clear(&in);

	kreq_init(&k, "GET", "");
	kreq_add(&k, "p", "+85291234567", 12);
	kreq_add(&k, "b", "hello", 5);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &k.req, &in, &why), 0);
	assert_true(in.ignore);
	inbound_clear(&in);
	testchan_free(&ch);
}

/* The answer: plain text, cut to max_parts (2 UCS-2 parts: 134 units),
 * X-Kannel-Coding 2 for Chinese, none for GSM-7; nothing: empty 200. */
static void
test_kannel_reply(void **state)
{
	struct channel		 ch;
	struct inbound		 in;
	struct reply		 r = { 0 };
	struct http_response	 resp;
	char			 long_zh[1024];
	size_t			 i;

	(void)state;
	mkchan(&ch);
	memset(&in, 0, sizeof in);
	memset(&resp, 0, sizeof resp);
	ch.backend->reply(&ch, &in, &r, &resp);
	assert_int_equal(resp.status, 200);
	assert_null(resp.body);

	reply_add(&r, "**查询结果**：未列入警示名单");
	memset(&resp, 0, sizeof resp);
	ch.backend->reply(&ch, &in, &r, &resp);
	assert_string_equal(resp.body, "查询结果：未列入警示名单");
	assert_string_equal(resp.header_name, "X-Kannel-Coding");
	assert_string_equal(resp.header_value, "2");
	free(resp.body);
	reply_clear(&r);

	reply_add(&r, "Thanks, ref T-0001");
	memset(&resp, 0, sizeof resp);
	ch.backend->reply(&ch, &in, &r, &resp);
	assert_string_equal(resp.body, "Thanks, ref T-0001");
	assert_null(resp.header_name);
	free(resp.body);
	reply_clear(&r);

	long_zh[0] = '\0';
	for (i = 0; i < 200; i++)
		strcat(long_zh, "防");
	reply_add(&r, long_zh);
	memset(&resp, 0, sizeof resp);
	ch.backend->reply(&ch, &in, &r, &resp);
	assert_int_equal(strlen(resp.body), 134 * 3);
	free(resp.body);
	reply_clear(&r);
	testchan_free(&ch);
}

/* sendsms: the URL exactly; the answers classified. */
static void
test_kannel_send(void **state)
{
	struct channel		 ch;
	struct outbound		 m;
	struct http_call	 call;
	const char		*why = NULL;
	char			 err[256];
	int			 ra;

	(void)state;
	mkchan(&ch);
	memset(&m, 0, sizeof m);
	m.chat_id = "+8613800000001";
	m.text = "警示：高息";
	memset(&call, 0, sizeof call);
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	assert_string_equal(call.method, "GET");
	assert_string_equal(call.url, "http://127.0.0.1:13013/cgi-bin/sendsms"
	    "?username=gw&password=gwpw&from=10690001&to=%2B8613800000001"
	    "&text=%E8%AD%A6%E7%A4%BA%EF%BC%9A%E9%AB%98%E6%81%AF"
	    "&charset=UTF-8&coding=2");
	http_call_clear(&call);
	assert_int_equal(ch.backend->send_result(&ch, 202,
	    "0: Accepted for delivery", 24, &ra, err, sizeof err), SEND_OK);
	assert_int_equal(ch.backend->send_result(&ch, 503, "", 0, &ra, err,
	    sizeof err), SEND_RETRY);
	assert_int_equal(ch.backend->send_result(&ch, 403,
	    "Authorization failed for sendsms", 32, &ra, err, sizeof err),
	    SEND_FAILED);
	assert_string_equal(err, "kannel: http 403: Authorization failed for "
	    "sendsms");
	testchan_free(&ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kannel_get_utf8),
		cmocka_unit_test(test_kannel_get_utf16),
		cmocka_unit_test(test_kannel_post),
		cmocka_unit_test(test_kannel_refused),
		cmocka_unit_test(test_kannel_reply),
		cmocka_unit_test(test_kannel_send),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of the Twilio SMS channel (bot/channel_twilio.c): every
 * Twilio signature vector of tests/data/protocol-vectors.json through
 * verify, the default-port variants and repeated names, parse of Chinese
 * bodies and of broken forms, the TwiML answers (escaping, several texts,
 * none) and the Messages REST call and its answers (PROTOCOLS.md 6).
 */
#include "testutil.h"
#include "testvec.h"

#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bot/channel.h"
#include "bot/platb64.h"
#include "messages/message.h"
#include "messages/xmalloc.h"
#include "testchan.h"

#define SID		"AC0123456789abcdef0123456789abcdef"
#define TOKEN		"auth_token_EXAMPLE_0123456789ab"
#define FROM		"+14155550100"
#define URL		"https://gw.example.com/hooks/twilio/sms"
#define STATUS_URL	"https://gw.example.com/hooks/twilio/status"
#define ERRSZ		256
#define HEAD		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

/* The one header a Twilio request carries that matters. */
static const char *fake_sig;

/* The fake request's header lookup. */
static const char *
fake_header(const struct http_request *req, const char *name)
{
	(void)req;
	if (strcasecmp(name, "X-Twilio-Signature") == 0)
		return fake_sig;
	if (strcasecmp(name, "Content-Type") == 0)
		return "application/x-www-form-urlencoded";
	return NULL;
}

/* Fills req with body and the signature header sig (NULL: none). */
static void
request(struct http_request *req, const char *body, const char *sig)
{
	memset(req, 0, sizeof *req);
	req->method = "POST";
	req->path = "/hook/sms";
	req->body = body;
	req->body_len = strlen(body);
	req->now = 1763750000;
	req->header = fake_header;
	fake_sig = sig;
}

/* Makes a twilio channel with token and public_url (NULL: unset). */
static void
make(struct channel *ch, const char *token, const char *url)
{
	testchan_make(ch, "sms", "twilio", "account_sid", SID, "auth_token",
	    token, "from", FROM, NULL);
	if (url != NULL)
		testchan_set(ch, "public_url", url);
}

/* Returns base64(HMAC-SHA1(token, data)) in out, computed here. */
static void
sign(const char *token, const char *data, char out[29])
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;
	char		*b;

	assert_non_null(HMAC(EVP_sha1(), token, (int)strlen(token),
	    (const unsigned char *)data, strlen(data), mac, &n));
	assert_int_equal(n, 20);
	b = platb64_encode(mac, n);
	assert_int_equal(strlen(b), 28);
	memcpy(out, b, 29);
	free(b);
}

/* verify's answer for body signed with sig on ch. */
static int
verify(const struct channel *ch, const char *body, const char *sig)
{
	struct http_request	 req;
	const char		*why = NULL;
	int			 rc;

	request(&req, body, sig);
	rc = ch->backend->verify(ch, &req, &why);
	if (rc != 0)
		assert_non_null(why);
	return rc;
}

/* parse's answer for body into in (zeroed here). */
static int
parse(const struct channel *ch, const char *body, struct inbound *in)
{
	struct http_request	 req;
	const char		*why = NULL;
	int			 rc;

	request(&req, body, NULL);
	memset(in, 0, sizeof *in);
	rc = ch->backend->parse(ch, &req, in, &why);
	if (rc != 0)
		assert_non_null(why);
	return rc;
}

/* Every signature case of the vectors: right, tampered, missing. */
static void
test_vector_signatures(void **state)
{
	json_t		*v = vectors(), *cases, *c;
	struct channel	 ch;
	char		 sig[29], bad[29], *body;
	size_t		 i;

	(void)state;
	cases = json_object_get(json_object_get(v, "twilio"),
	    "signature_cases");
	assert_true(json_array_size(cases) >= 2);
	json_array_foreach(cases, i, c) {
		make(&ch, vstr(c, "auth_token", NULL), vstr(c, "url", NULL));
		/* The string to sign gives the vector's signature here too. */
		sign(vstr(c, "auth_token", NULL),
		    vstr(c, "string_to_sign", NULL), sig);
		assert_string_equal(sig, vstr(c, "expected_signature", NULL));
		body = xstrdup(vstr(c, "raw_form_body", NULL));
		assert_int_equal(verify(&ch, body, sig), 0);
		memcpy(bad, sig, sizeof bad);
		bad[3] = bad[3] == 'A' ? 'B' : 'A';
		assert_int_equal(verify(&ch, body, bad), 401);
		assert_int_equal(verify(&ch, body, NULL), 401);
		assert_int_equal(verify(&ch, body, ""), 401);
		bad[27] = '\0';
		assert_int_equal(verify(&ch, body, bad), 401);
		/* One value changed: the To number's last digit. */
		body[strlen(body) - 1] ^= 1;
		assert_int_equal(verify(&ch, body, sig), 401);
		free(body);
		/* Another token. */
		testchan_set(&ch, "auth_token", "another_token");
		assert_int_equal(verify(&ch, vstr(c, "raw_form_body", NULL),
		    sig), 401);
		testchan_free(&ch);
	}
	json_decref(v);
}

/*
 * The documented vector with the URL signed as url (Twilio may add the
 * default port or leave it out) against the channel configured with conf;
 * the vector's query follows both.
 */
static int
port_case(const char *conf, const char *url)
{
	json_t		*v = vectors(), *c;
	struct channel	 ch;
	const char	*sts, *rest, *q = "?foo=1&bar=2";
	const char	*doc = "https://mycompany.com/myapp.php?foo=1&bar=2";
	char		 sig[29], *data, *full;
	int		 rc;

	c = json_array_get(json_object_get(json_object_get(v, "twilio"),
	    "signature_cases"), 0);
	sts = vstr(c, "string_to_sign", NULL);
	assert_memory_equal(sts, doc, strlen(doc));
	rest = sts + strlen(doc);
	data = xasprintf("%s%s%s", url, q, rest);
	sign("12345", data, sig);
	full = xasprintf("%s%s", conf, q);
	make(&ch, "12345", full);
	rc = verify(&ch, vstr(c, "raw_form_body", NULL), sig);
	testchan_free(&ch);
	free(full);
	free(data);
	json_decref(v);
	return rc;
}

/* With and without the default port, either way round; no other port. */
static void
test_port_variants(void **state)
{
	(void)state;
	assert_int_equal(port_case("https://mycompany.com/myapp.php",
	    "https://mycompany.com/myapp.php"), 0);
	assert_int_equal(port_case("https://mycompany.com/myapp.php",
	    "https://mycompany.com:443/myapp.php"), 0);
	assert_int_equal(port_case("https://mycompany.com:443/myapp.php",
	    "https://mycompany.com/myapp.php"), 0);
	assert_int_equal(port_case("https://mycompany.com:443/myapp.php",
	    "https://mycompany.com:443/myapp.php"), 0);
	assert_int_equal(port_case("http://mycompany.com/myapp.php",
	    "http://mycompany.com:80/myapp.php"), 0);
	assert_int_equal(port_case("http://mycompany.com:80/myapp.php",
	    "http://mycompany.com/myapp.php"), 0);
	/* Not the scheme's default port. */
	assert_int_equal(port_case("https://mycompany.com/myapp.php",
	    "https://mycompany.com:80/myapp.php"), 401);
	assert_int_equal(port_case("http://mycompany.com/myapp.php",
	    "http://mycompany.com:443/myapp.php"), 401);
	assert_int_equal(port_case("https://mycompany.com:8443/myapp.php",
	    "https://mycompany.com/myapp.php"), 401);
	assert_int_equal(port_case("https://mycompany.com:8443/myapp.php",
	    "https://mycompany.com:8443/myapp.php"), 0);
	assert_int_equal(port_case("https://mycompany.com/myapp.php",
	    "https://mycompany.com:4430/myapp.php"), 401);
	/* An IPv6 literal's colons are not a port. */
	assert_int_equal(port_case("https://[2001:db8::1]/myapp.php",
	    "https://[2001:db8::1]:443/myapp.php"), 0);
	assert_int_equal(port_case("https://[2001:db8::1]:443/myapp.php",
	    "https://[2001:db8::1]/myapp.php"), 0);
	/* Nor a path's or a query's: the host ends at the first / ? #. */
	assert_int_equal(port_case("https://mycompany.com?a=b:443",
	    "https://mycompany.com:443?a=b:443"), 0);
	/* A URL other than the configured one. */
	assert_int_equal(port_case("https://mycompany.com/myapp.php",
	    "https://mycompany.com/other.php"), 401);
}

/* Repeated names sign each value, values sorted; names sort bytewise. */
static void
test_repeated_and_order(void **state)
{
	struct channel	 ch;
	char		 sig[29];

	(void)state;
	make(&ch, TOKEN, URL);
	sign(TOKEN, URL "a0a1b2", sig);
	assert_int_equal(verify(&ch, "b=2&a=1&a=0", sig), 0);
	sign(TOKEN, URL "a1a0b2", sig);
	assert_int_equal(verify(&ch, "b=2&a=1&a=0", sig), 401);
	/* "B" < "a" < "ab" in byte order; "+" is a space, %XX a byte. */
	sign(TOKEN, URL "Bx ya+zab&", sig);
	assert_int_equal(verify(&ch, "ab=%26&a=%2bz&B=x+y", sig), 0);
	/* Empty fields are skipped, a name alone has an empty value. */
	sign(TOKEN, URL "ab1", sig);
	assert_int_equal(verify(&ch, "&a&&b=1&", sig), 0);
	/* No parameters: the URL alone. */
	sign(TOKEN, URL, sig);
	assert_int_equal(verify(&ch, "", sig), 0);
	/* An escape that is not one cannot be checked. */
	assert_int_equal(verify(&ch, "a=%G1", sig), 400);
	assert_int_equal(verify(&ch, "a=%4", sig), 400);
	testchan_free(&ch);
}

/* Without public_url (loopback only) nothing verifies; a body is capped. */
static void
test_verify_closed_and_cap(void **state)
{
	struct channel		 ch;
	struct http_request	 req;
	struct inbound		 in;
	const char		*why = NULL;
	char			 sig[29], *big;

	(void)state;
	make(&ch, TOKEN, NULL);
	sign(TOKEN, URL, sig);
	assert_int_equal(verify(&ch, "", sig), 401);
	testchan_free(&ch);

	make(&ch, TOKEN, URL);
	big = xmalloc(65538);
	memset(big, 'a', 65537);
	big[65537] = '\0';
	request(&req, big, sig);
	assert_int_equal(ch.backend->verify(&ch, &req, &why), 413);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &req, &in, &why), 413);
	inbound_clear(&in);
	free(big);
	testchan_free(&ch);
}

/* The vector's Chinese SMS and a report in Chinese. */
static void
test_parse_chinese(void **state)
{
	json_t		*v = vectors(), *c;
	struct channel	 ch;
	struct inbound	 in;

	(void)state;
	c = json_array_get(json_object_get(json_object_get(v, "twilio"),
	    "signature_cases"), 1);
	make(&ch, TOKEN, URL);
	assert_int_equal(parse(&ch, vstr(c, "raw_form_body", NULL), &in), 0);
	assert_string_equal(in.channel, "sms");
	assert_string_equal(in.message_id,
	    "SM0123456789abcdef0123456789abcdef");
	assert_string_equal(in.sender_id, "+8613800138000");
	assert_string_equal(in.chat_id, "+8613800138000");
	assert_int_equal(in.chat_kind, CHAT_PRIVATE);
	assert_string_equal(in.text, vstr(c, "params", "Body", NULL));
	assert_string_equal(in.text, "查询 server01 状态 & <ok>");
	assert_int_equal(in.explicit_cmd, 1);
	assert_int_equal(in.ignore, 0);
	assert_null(in.reply_meta);
	assert_string_equal(in.sender_name, "");
	inbound_clear(&in);

	assert_int_equal(parse(&ch, "ToCountry=US&Body=%E4%B8%BE%E6%8A%A5+"
	    "%E9%91%AB%E6%BA%90%E5%8C%96%E5%B7%A5+%E5%81%B7%E6%8E%92%0A%E4"
	    "%BA%8C%E8%A1%8C&MessageSid=SMabc&From=%2B8613900139000&To=%2B1"
	    "4155550100", &in), 0);
	assert_string_equal(in.text, "举报 鑫源化工 偷排\n二行");
	assert_string_equal(in.message_id, "SMabc");
	assert_string_equal(in.sender_id, "+8613900139000");
	assert_string_equal(in.chat_id, "+8613900139000");
	assert_int_equal(in.explicit_cmd, 1);
	assert_int_equal(in.ignore, 0);
	inbound_clear(&in);
	testchan_free(&ch);
	json_decref(v);
}

/* What parse refuses (400, 413) and what it ignores. */
static void
test_parse_refusals(void **state)
{
	struct channel	 ch;
	struct inbound	 in;
	char		*big;
	size_t		 i;
	static const char *const bad[] = {
		"From=%2B1&Body=hi",			/* no MessageSid */
		"MessageSid=&From=%2B1&Body=hi",	/* empty MessageSid */
		"MessageSid=SM1&Body=hi",		/* no From */
		"MessageSid=SM1&From=&Body=hi",
		"MessageSid=SM1&From=%2B1&Body=%C0%80",	/* overlong NUL */
		"MessageSid=SM1&From=%2B1&Body=%FF",
		"MessageSid=SM1&From=%2B1&Body=%E4%B8",	/* cut character */
		"MessageSid=SM1&From=%2B1&Body=%ED%A0%80",	/* surrogate */
		"MessageSid=SM1&From=%2B1&Body=a%00b",	/* NUL */
		"MessageSid=SM1&From=%2B1&Body=a%1Bb",	/* control */
		"MessageSid=SM1&From=%2B1&Body=hi&City=%FF",	/* any field */
		"MessageSid=SM1&From=%2B1&Body=hi&Ci%00ty=x",
		"MessageSid=SM1&From=%2B1&Body=hi%",	/* broken escape */
		"MessageSid=SM1&From=%2B1&Body=hi%2",
		"MessageSid=SM1&From=%2B1&Body=hi%zz",
		"MessageSid=SM%001&From=%2B1&Body=hi",
	};

	(void)state;
	make(&ch, TOKEN, URL);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(&ch, bad[i], &in), 400);
		assert_null(in.text);
		inbound_clear(&in);
	}
	/* An identifier longer than the field holds. */
	big = xasprintf("MessageSid=SM%070d&From=%%2B1&Body=hi", 0);
	assert_int_equal(parse(&ch, big, &in), 400);
	inbound_clear(&in);
	free(big);
	/* A text longer than INBOUND_TEXT_MAX. */
	big = xmalloc(INBOUND_TEXT_MAX + 64);
	(void)snprintf(big, INBOUND_TEXT_MAX + 64, "MessageSid=SM1&From=%%2B1"
	    "&Body=");
	i = strlen(big);
	memset(big + i, 'a', INBOUND_TEXT_MAX + 1);
	big[i + INBOUND_TEXT_MAX + 1] = '\0';
	assert_int_equal(parse(&ch, big, &in), 413);
	inbound_clear(&in);
	big[i + INBOUND_TEXT_MAX] = '\0';
	assert_int_equal(parse(&ch, big, &in), 0);
	assert_int_equal(strlen(in.text), INBOUND_TEXT_MAX);
	inbound_clear(&in);
	free(big);
	/* An MMS without text, an empty Body: acknowledged, ignored. */
	assert_int_equal(parse(&ch, "MessageSid=SM1&From=%2B1&NumMedia=1&"
	    "MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fx", &in), 0);
	assert_int_equal(in.ignore, 1);
	assert_null(in.text);
	assert_string_equal(in.message_id, "SM1");
	inbound_clear(&in);
	assert_int_equal(parse(&ch, "MessageSid=SM1&From=%2B1&Body=", &in), 0);
	assert_int_equal(in.ignore, 1);
	assert_null(in.text);
	inbound_clear(&in);
	/* Tab, CR, LF are text; the first of a repeated name counts. */
	assert_int_equal(parse(&ch, "MessageSid=SM1&From=%2B1&Body=a%09b%0D%0A"
	    "&Body=second", &in), 0);
	assert_string_equal(in.text, "a\tb\r\n");
	inbound_clear(&in);
	testchan_free(&ch);
}

/* Renders r on ch; returns the body (caller frees), checks the rest. */
static char *
render(const struct channel *ch, const struct reply *r)
{
	struct http_response	 resp;
	struct inbound		 in;

	memset(&in, 0, sizeof in);
	memset(&resp, 0, sizeof resp);
	ch->backend->reply(ch, &in, r, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "text/xml");
	assert_non_null(resp.body);
	assert_int_equal(strlen(resp.body), resp.len);
	return resp.body;
}

/* TwiML: the vectors, escaping, several texts, none, long texts. */
static void
test_reply_twiml(void **state)
{
	json_t		*v = vectors(), *tw;
	struct channel	 ch;
	struct reply	 r;
	char		*body, *want, *text;
	size_t		 i;

	(void)state;
	tw = json_object_get(json_object_get(v, "twilio"), "twiml");
	make(&ch, TOKEN, URL);
	memset(&r, 0, sizeof r);
	body = render(&ch, &r);
	assert_string_equal(body, vstr(tw, "empty_no_reply", NULL));
	free(body);

	reply_add(&r, "已收到：server01 正常 & <ok>");
	body = render(&ch, &r);
	assert_string_equal(body, vstr(tw, "reply_with_escaping", NULL));
	free(body);
	reply_clear(&r);

	/* Several texts are one SMS, in plain text (sms_text()). */
	reply_add(&r, "a & b < c > d \" e ' f");
	reply_add(&r, "第二条 **粗体** `code` [x](y)");
	body = render(&ch, &r);
	assert_string_equal(body, HEAD "<Response><Message>a &amp; b &lt; c "
	    "&gt; d &quot; e &apos; f\n\n第二条 粗体 code x y</Message>"
	    "</Response>");
	free(body);
	reply_clear(&r);

	/* What XML cannot hold is dropped; tab and line breaks stay. */
	reply_add(&r, "a\x01" "b\x1b\tc\r\nd\xff" "e");
	body = render(&ch, &r);
	assert_string_equal(body, HEAD "<Response><Message>ab\tc\r\nde"
	    "</Message></Response>");
	free(body);
	reply_clear(&r);

	/* Empty texts alone say nothing. */
	reply_add(&r, "");
	body = render(&ch, &r);
	assert_string_equal(body, vstr(tw, "empty_no_reply", NULL));
	free(body);
	reply_clear(&r);

	/* At most max_parts (3) UCS-2 parts: 201 characters of 1601; an
	 * emoji (two units) is not split. */
	text = xmalloc(1601 * 3 + 5);
	for (i = 0; i < 1601; i++)
		memcpy(text + 3 * i, "举", 3);
	text[1601 * 3] = '\0';
	reply_add(&r, text);
	body = render(&ch, &r);
	text[201 * 3] = '\0';
	want = xasprintf(HEAD "<Response><Message>%s</Message></Response>",
	    text);
	assert_string_equal(body, want);
	free(want);
	free(body);
	reply_clear(&r);
	for (i = 0; i < 1601; i++)
		memcpy(text + 3 * i, "举", 3);
	memcpy(text + 200 * 3, "\xf0\x9f\x98\x80", 5);
	reply_add(&r, text);
	body = render(&ch, &r);
	text[200 * 3] = '\0';
	want = xasprintf(HEAD "<Response><Message>%s</Message></Response>",
	    text);
	assert_string_equal(body, want);
	free(want);
	free(body);
	reply_clear(&r);
	free(text);
	testchan_free(&ch);
	json_decref(v);
}

/* The Messages.json call: the vector's URL, header and body exactly. */
static void
test_send_prepare(void **state)
{
	json_t		*v = vectors(), *o;
	struct channel	 ch;
	struct outbound	 m;
	struct http_call call;
	const char	*why = NULL;
	char		*want;

	(void)state;
	o = json_object_get(json_object_get(v, "twilio"), "outbound_send");
	make(&ch, TOKEN, URL);
	testchan_set(&ch, "status_url", STATUS_URL);
	assert_true(ch.backend->sends(&ch));
	memset(&m, 0, sizeof m);
	memset(&call, 0, sizeof call);
	m.id = 1;
	m.chat_id = "+8613800138000";
	m.text = "告警：server01 CPU 95% & 恢复";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	assert_null(call.method);
	assert_string_equal(call.url, vstr(o, "url", NULL));
	want = xasprintf("Authorization: %s", vstr(o, "authorization", NULL));
	assert_string_equal(call.headers[0], want);
	free(want);
	assert_null(call.headers[1]);
	assert_string_equal(call.content_type, vstr(o, "content_type", NULL));
	assert_string_equal(call.body, vstr(o, "body", NULL));
	assert_int_equal(call.len, strlen(vstr(o, "body", NULL)));
	http_call_clear(&call);

	/* Without status_url, another api_base. */
	testchan_set(&ch, "status_url", NULL);
	testchan_set(&ch, "api_base", "http://127.0.0.1:9");
	memset(&call, 0, sizeof call);
	m.text = "a+b=c&d/e ~_.-";
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	assert_string_equal(call.url, "http://127.0.0.1:9/2010-04-01/Accounts/"
	    SID "/Messages.json");
	assert_string_equal(call.body, "To=%2B8613800138000&From=%2B14155550100"
	    "&Body=a%2Bb%3Dc%26d%2Fe+~_.-");
	http_call_clear(&call);

	/* No destination: the row goes dead. */
	m.chat_id = "";
	why = NULL;
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	assert_string_equal(why, "no destination number");
	m.chat_id = NULL;
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), -1);
	assert_null(call.url);
	assert_null(call.body);
	testchan_free(&ch);
	json_decref(v);
}

/* A text over 1600 units is cut on a character boundary. */
static void
test_send_cut(void **state)
{
	struct channel	 ch;
	struct outbound	 m;
	struct http_call call;
	const char	*why = NULL;
	char		*text, *want;
	size_t		 i;

	(void)state;
	make(&ch, TOKEN, URL);
	text = xmalloc(1601 * 3 + 1);
	for (i = 0; i < 1601; i++)
		memcpy(text + 3 * i, "\xe4\xb8\xbe", 3);
	text[1601 * 3] = '\0';
	memset(&m, 0, sizeof m);
	memset(&call, 0, sizeof call);
	m.chat_id = "+8613800138000";
	m.text = text;
	assert_int_equal(ch.backend->send_prepare(&ch, &m, &call, &why), 0);
	/* Cut to max_parts (3) UCS-2 parts: 201 characters. */
	want = xmalloc(1600 * 9 + 128);
	(void)snprintf(want, 128, "To=%%2B8613800138000&From=%%2B14155550100"
	    "&Body=");
	for (i = 0; i < 201; i++)
		memcpy(want + strlen(want), "%E4%B8%BE", 10);
	assert_string_equal(call.body, want);
	free(want);
	free(text);
	http_call_clear(&call);
	testchan_free(&ch);
}

/* send_result of ch for status and body; err is checked by the caller. */
static enum send_status
result(const struct channel *ch, long status, const char *body, char *err,
    size_t errsz)
{
	int	 ra = -1;
	enum send_status st;

	err[0] = '\0';
	st = ch->backend->send_result(ch, status, body,
	    body ? strlen(body) : 0, &ra, err, errsz);
	assert_int_equal(ra, 0);
	return st;
}

/* Each class of answer. */
static void
test_send_result(void **state)
{
	json_t		*v = vectors();
	struct channel	 ch;
	char		 err[ERRSZ];

	(void)state;
	make(&ch, TOKEN, URL);
	assert_int_equal(result(&ch, 201, "{\"sid\":\"SM1\",\"status\":"
	    "\"queued\"}", err, sizeof err), SEND_OK);
	assert_int_equal(result(&ch, 200, "", err, sizeof err), SEND_OK);
	assert_int_equal(result(&ch, 0, NULL, err, sizeof err), SEND_RETRY);
	assert_string_equal(err, "twilio: no answer");
	assert_int_equal(result(&ch, 429, "{\"code\":20429,\"message\":\"Too "
	    "Many Requests\",\"status\":429}", err, sizeof err), SEND_RETRY);
	assert_string_equal(err, "twilio 20429: Too Many Requests");
	assert_int_equal(result(&ch, 500, "<html>oops</html>", err,
	    sizeof err), SEND_RETRY);
	assert_string_equal(err, "twilio: http 500");
	assert_int_equal(result(&ch, 503, NULL, err, sizeof err), SEND_RETRY);
	assert_string_equal(err, "twilio: http 503");
	assert_int_equal(result(&ch, 202, "", err, sizeof err), SEND_RETRY);
	assert_string_equal(err, "twilio: http 202");

	assert_int_equal(result(&ch, 400, vstr(v, "twilio", "outbound_send",
	    "error_example", NULL), err, sizeof err), SEND_FAILED);
	assert_string_equal(err, "twilio 21211: The 'To' number +86138 is not "
	    "a valid phone number.");
	assert_int_equal(result(&ch, 400, "{\"code\":21610,\"message\":"
	    "\"Attempt to send to unsubscribed recipient\",\"status\":400}",
	    err, sizeof err), SEND_FAILED);
	assert_string_equal(err, "twilio 21610: Attempt to send to "
	    "unsubscribed recipient");
	assert_int_equal(result(&ch, 400, "{\"code\":21614,\"message\":"
	    "\"'To' number is not a valid mobile number\"}", err, sizeof err),
	    SEND_FAILED);
	assert_string_equal(err, "twilio 21614: 'To' number is not a valid "
	    "mobile number");
	assert_int_equal(result(&ch, 400, "{\"code\":21211}", err, sizeof err),
	    SEND_FAILED);
	assert_string_equal(err, "twilio 21211");
	assert_int_equal(result(&ch, 400, "{\"message\":\"x\"}", err,
	    sizeof err), SEND_FAILED);
	assert_string_equal(err, "twilio: http 400");
	assert_int_equal(result(&ch, 401, "{\"code\":20003,\"message\":"
	    "\"Authenticate\",\"status\":401}", err, sizeof err), SEND_FAILED);
	assert_string_equal(err, "twilio 20003: Authenticate");
	assert_int_equal(result(&ch, 401, "", err, sizeof err), SEND_FAILED);
	assert_string_equal(err, "twilio: http 401 (credentials)");
	assert_int_equal(result(&ch, 404, "{\"code\":20404,\"message\":"
	    "\"Not Found\"}", err, sizeof err), SEND_FAILED);
	assert_string_equal(err, "twilio 20404: Not Found");

	/* The message is cut on a character boundary: "twilio 21211: "
	 * is 14 bytes, then 3 bytes a character in 21 bytes of room. */
	assert_int_equal(result(&ch, 400, "{\"code\":21211,\"message\":"
	    "\"号码无效号码无效\"}", err, 21 + 1), SEND_FAILED);
	assert_string_equal(err, "twilio 21211: 号码");
	assert_int_equal(result(&ch, 400, "{\"code\":21211,\"message\":"
	    "\"号码无效号码无效\"}", err, 14 + 3 + 1), SEND_FAILED);
	assert_string_equal(err, "twilio 21211: 号");
	assert_int_equal(result(&ch, 400, "{\"code\":21211,\"message\":"
	    "\"号码无效号码无效\"}", err, 14 + 2 + 1), SEND_FAILED);
	assert_string_equal(err, "twilio 21211: ");
	assert_int_equal(result(&ch, 400, "{\"code\":21211,\"message\":"
	    "\"号码\"}", err, 5), SEND_FAILED);
	assert_string_equal(err, "twil");
	testchan_free(&ch);
	json_decref(v);
}

/* channel_setup's answer for the instance with one key changed. */
static int
setup_with(const char *key, const char *value)
{
	struct channel	 ch;
	char		*cause = NULL, *warning = NULL;
	int		 rc;

	memset(&ch, 0, sizeof ch);
	ch.name = (char *)(uintptr_t)"sms";
	ch.backend = channel_backend_lookup("twilio");
	assert_non_null(ch.backend);
	assert_int_equal(channel_set(&ch, "account_sid", SID, &cause), 0);
	assert_int_equal(channel_set(&ch, "auth_token", TOKEN, &cause), 0);
	assert_int_equal(channel_set(&ch, "from", FROM, &cause), 0);
	assert_int_equal(channel_set(&ch, "public_url", URL, &cause), 0);
	assert_int_equal(channel_set(&ch, key, value, &cause), 0);
	rc = channel_setup(&ch, 0, &warning, &cause);
	if (rc != 0) {
		assert_non_null(cause);
		assert_non_null(strstr(cause, "channel sms: "));
	}
	free(cause);
	free(warning);
	channel_clear(&ch);
	return rc;
}

/* The keys: required ones, the checks of their forms. */
static void
test_setup(void **state)
{
	const struct channel_backend	*b = channel_backend_lookup("twilio");
	const struct channel_key	*k;

	(void)state;
	assert_non_null(b);
	assert_string_equal(b->type, "twilio");
	assert_int_equal(b->max_text, 1600);
	assert_null(b->fit);
	k = channel_key_find(b, "auth_token");
	assert_int_equal(k->flags, CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET);
	assert_int_equal(channel_key_find(b, "public_url")->flags,
	    CHANNEL_KEY_PUBLIC);
	assert_int_equal(channel_key_find(b, "account_sid")->flags,
	    CHANNEL_KEY_REQUIRED);
	assert_int_equal(channel_key_find(b, "from")->flags,
	    CHANNEL_KEY_REQUIRED);
	assert_int_equal(channel_key_find(b, "api_base")->flags, 0);
	assert_int_equal(channel_key_find(b, "status_url")->flags, 0);

	assert_int_equal(setup_with("status_url", STATUS_URL), 0);
	assert_int_equal(setup_with("from", "+8613800138000"), 0);
	assert_int_equal(setup_with("from", "14155550100"), -1);
	assert_int_equal(setup_with("from", "+1415555010012345"), -1);
	assert_int_equal(setup_with("from", "+1 415"), -1);
	assert_int_equal(setup_with("from", "+"), -1);
	assert_int_equal(setup_with("account_sid", "AC12/../x"), -1);
	assert_int_equal(setup_with("account_sid", ""), -1);
	assert_int_equal(setup_with("public_url", "gw.example.com/sms"), -1);
	assert_int_equal(setup_with("public_url", "ftp://gw.example.com/"),
	    -1);
	/* Not on loopback, public_url is required. */
	assert_int_equal(setup_with("public_url", NULL), -1);
	assert_int_equal(setup_with("auth_token", NULL), -1);
	assert_non_null(strstr(channel_types(), "twilio"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_signatures),
		cmocka_unit_test(test_port_variants),
		cmocka_unit_test(test_repeated_and_order),
		cmocka_unit_test(test_verify_closed_and_cap),
		cmocka_unit_test(test_parse_chinese),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_reply_twiml),
		cmocka_unit_test(test_send_prepare),
		cmocka_unit_test(test_send_cut),
		cmocka_unit_test(test_send_result),
		cmocka_unit_test(test_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

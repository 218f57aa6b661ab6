/*
 * End-to-end tests of the Twilio SMS channel (bot/channel_twilio.c) over
 * loopback: form webhooks signed as Twilio signs them (HMAC-SHA1 over the
 * configured public URL and the sorted parameters), answered with TwiML
 * in plain text; a tip stored once across Twilio's retries of one
 * MessageSid; bad and missing signatures refused with nothing stored; no
 * phone number in the log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"
#include "e2e_stream.h"
#include "fakeplat.h"

#define TOKEN	"e2e_twilio_auth_token_0123456789"
#define PUBLIC	"https://sms.example.gov.cn/hook/sms"
#define PHONE	"+8613800000001"

#define BUILDING "张店区/车站街道/华光路社区/第3网格/13号楼"

static struct daemon	 d;
static struct fakeplat	*api;
static char		 logpath[512];

static int
group_setup(void **state)
{
	char	 cfg[1024];

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	api = fakeplat_start();
	assert_non_null(api);
	fakeplat_set_ok(api, "{\"sid\":\"SMe2eout\",\"status\":\"queued\"}");
	(void)snprintf(cfg, sizeof cfg, "[channel.sms]\ntype = twilio\n"
	    "area = 华光路社区\n"
	    "account_sid = ACe2e00000000000000000000000000000\n"
	    "auth_token = " TOKEN "\nfrom = +8610690000\n"
	    "public_url = " PUBLIC "\napi_base = %s\nthroughput = 10\n"
	    "[delivery]\nallow_http = on\nallow_private_targets = on\n",
	    fakeplat_base(api));
	e2e_prepare(&d, cfg);
	(void)snprintf(logpath, sizeof logpath, "%s/serve.log", d.dir);
	e2e_start_log(&d, logpath);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	fakeplat_stop(api);
	curl_global_cleanup();
	return 0;
}

/* x-www-form-urlencoded value of s (caller frees). */
static char *
form_escape(const char *s)
{
	char	*e = curl_easy_escape(NULL, s, 0);
	char	*out;

	assert_non_null(e);
	out = strdup(e);
	curl_free(e);
	return out;
}

/*
 * POSTs an inbound SMS (MessageSid sid, Body text, From PHONE) signed
 * over PUBLIC with TOKEN; sign 0 sends no signature, 2 a wrong one.
 */
static struct http_result
sms_post(const char *sid, const char *text, int sign)
{
	static const char *const names[] = { "AccountSid", "Body", "From",
	    "MessageSid", "To", NULL };
	const char	*values[] = { "ACe2e00000000000000000000000000000", text,
			    PHONE, sid, "+8610690000", NULL };
	char		 body[4096], b64[64], hdr[128];
	char		*eb = form_escape(text), *ef = form_escape(PHONE);
	const char	*hdrs[3] = { "Content-Type: application/x-www-form-"
			    "urlencoded", hdr, NULL };
	struct http_result r;

	(void)snprintf(body, sizeof body, "AccountSid="
	    "ACe2e00000000000000000000000000000&Body=%s&From=%s&MessageSid=%s"
	    "&To=%%2B8610690000", eb, ef, sid);
	assert_int_equal(e2e_sign_twilio(TOKEN, PUBLIC, names, values, b64), 0);
	if (sign == 2)
		b64[3] = b64[3] == 'A' ? 'B' : 'A';
	(void)snprintf(hdr, sizeof hdr, "X-Twilio-Signature: %s", b64);
	if (sign == 0)
		hdrs[1] = NULL;
	r = e2e_request(&d, "POST", "/hook/sms", hdrs, body, strlen(body));
	free(eb);
	free(ef);
	return r;
}

/*
 * POSTs a form body (name=value pairs, already sorted by name, given as
 * names[] and values[]) to path, signed over url as Twilio signs it;
 * sign 0 sends no signature.
 */
static struct http_result
signed_post(const char *path, const char *url, const char *const *names,
    const char *const *values, int sign)
{
	char		 body[4096], b64[64], hdr[128], *e;
	const char	*hdrs[3] = { "Content-Type: application/x-www-form-"
			    "urlencoded", hdr, NULL };
	size_t		 i;

	body[0] = '\0';
	for (i = 0; names[i] != NULL; i++) {
		e = form_escape(values[i]);
		(void)snprintf(body + strlen(body), sizeof body - strlen(body),
		    "%s%s=%s", i > 0 ? "&" : "", names[i], e);
		free(e);
	}
	assert_int_equal(e2e_sign_twilio(TOKEN, url, names, values, b64), 0);
	(void)snprintf(hdr, sizeof hdr, "X-Twilio-Signature: %s", b64);
	if (sign == 0)
		hdrs[1] = NULL;
	return e2e_request(&d, "POST", path, hdrs, body, strlen(body));
}

/* The value of form field name in body, decoded, into out. */
static void
form_field(const char *body, const char *name, char *out, size_t size)
{
	const char	*p, *v;
	char		*dec, *q;
	int		 len;

	*out = '\0';
	for (p = body; p != NULL; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, name, strlen(name)) != 0 || p[strlen(name)] != '=')
			continue;
		v = p + strlen(name) + 1;
		(void)snprintf(out, size, "%.*s", (int)strcspn(v, "&"), v);
		for (q = out; *q != '\0'; q++)
			if (*q == '+')
				*q = ' ';
		dec = curl_easy_unescape(NULL, out, 0, &len);
		(void)snprintf(out, size, "%s", dec);
		curl_free(dec);
		return;
	}
}


/* A tip by SMS: answered in TwiML with its reference, stored once however
 * often Twilio sends the same MessageSid. */
static void
test_tip(void **state)
{
	struct http_result	 r;
	int			 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		r = sms_post("SMe2e0001", "举报 短信线索 保本高息 & <理财>", 1);
		assert_int_equal(r.status, 200);
		assert_non_null(r.body);
		assert_non_null(strstr(r.body, "<Response><Message>"));
		assert_non_null(strstr(r.body, "</Message></Response>"));
		e2e_result_free(&r);
	}
	assert_int_equal(tips_like(&d, "短信线索"), 1);
}

/* SMS answers are plain text: no Markdown markers. */
static void
test_plain(void **state)
{
	struct http_result	 r;

	(void)state;
	r = sms_post("SMe2e0002", "帮助", 1);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<Message>"));
	assert_null(strstr(r.body, "**"));
	assert_null(strstr(r.body, "]("));
	e2e_result_free(&r);
}

/* Missing and wrong signatures: 401, nothing stored. */
static void
test_refused(void **state)
{
	struct http_result	 r;

	(void)state;
	r = sms_post("SMe2e0003", "举报 伪造短信线索", 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = sms_post("SMe2e0004", "举报 伪造短信线索", 2);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	assert_int_equal(tips_like(&d, "伪造短信线索"), 0);
}

/* STOP opts the sender out, with one TwiML message. */
static void
test_optout(void **state)
{
	struct http_result	 r;

	(void)state;
	r = sms_post("SMe2e0010", "STOP", 1);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "您已退订"));
	e2e_result_free(&r);
	r = sms_post("SMe2e0011", "STOP", 1);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "<Message>"));
	e2e_result_free(&r);
}

/*
 * A broadcast to imported numbers goes out through the Messages API with
 * a StatusCallback naming its row; Twilio's signed status callback marks
 * it delivered; one with another row's token is refused even when its
 * Twilio signature is right, and an unsigned one too.
 */
static void
test_status_callback(void **state)
{
	const char		*imp[] = { "import", "phones", NULL, NULL };
	static const char *const bc[] = { "broadcast", "--area", BUILDING,
	    "--kinds", "sms", "防范非法集资：高息理财多为骗局", NULL };
	static const char *const names[] = { "AccountSid", "MessageSid",
	    "MessageStatus", NULL };
	const char		*values[] = {
	    "ACe2e00000000000000000000000000000", "SMe2eout", "delivered",
	    NULL };
	struct fakeplat_record	*rec;
	struct http_result	 r;
	char			 csv[512], out[1024], cb[512], to[64], path[512];
	char			 forged[512];
	const char		*q;
	size_t			 n;
	int64_t			 end;
	FILE			*f;

	(void)state;
	(void)snprintf(csv, sizeof csv, "%s/phones.csv", d.dir);
	assert_non_null(f = fopen(csv, "w"));
	/* The second is the number that sent STOP above. */
	fprintf(f, "phone,area\n13800000002,%s\n13800000001,%s\n", BUILDING,
	    BUILDING);
	fclose(f);
	imp[2] = csv;
	assert_int_equal(e2e_cli(&d, imp, out, sizeof out), 0);
	assert_int_equal(e2e_cli(&d, bc, out, sizeof out), 0);
	assert_non_null(strstr(out, "1 个手机号"));
	for (end = now_ms() + WAIT_MS; fakeplat_count(api, "/2010-04-01/") < 1 &&
	    now_ms() < end;)
		sleep_ms(20);
	rec = fakeplat_records(api, "/2010-04-01/", &n);
	assert_int_equal(n, 1);
	form_field(rec[0].body, "To", to, sizeof to);
	assert_string_equal(to, "+8613800000002");
	form_field(rec[0].body, "StatusCallback", cb, sizeof cb);
	fakeplat_free(rec, n);
	assert_int_equal(strncmp(cb, PUBLIC "?report=", strlen(PUBLIC) + 8), 0);
	q = strchr(cb, '?');
	for (end = now_ms() + WAIT_MS; e2e_sql_long(&d, "SELECT count(*) FROM "
	    "outbox WHERE phone_id IS NOT NULL AND state = 'sent'") < 1 &&
	    now_ms() < end;)
		sleep_ms(20);

	/* Another row's token, signed by Twilio's rules: ours refuses it. */
	(void)snprintf(path, sizeof path, "/hook/sms?report=%ld.%s",
	    strtol(q + 8, NULL, 10) + 1, strchr(q, '.') + 1);
	(void)snprintf(forged, sizeof forged, PUBLIC "?report=%ld.%s",
	    strtol(q + 8, NULL, 10) + 1, strchr(q, '.') + 1);
	r = signed_post(path, forged, names, values, 1);
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/hook/sms%s", q);
	r = signed_post(path, cb, names, values, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE "
	    "state = 'delivered'"), 0);
	/* "sent" changes nothing; "delivered" is recorded. */
	values[2] = "sent";
	r = signed_post(path, cb, names, values, 1);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE "
	    "state = 'delivered'"), 0);
	values[2] = "delivered";
	r = signed_post(path, cb, names, values, 1);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE "
	    "state = 'delivered' AND report_ref = 'SMe2eout'"), 1);
}

/* The sender's number is in no log line. */
static void
test_no_number_logged(void **state)
{
	char	 line[4096];
	FILE	*f;

	(void)state;
	assert_non_null(f = fopen(logpath, "r"));
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, "13800000001") != NULL)
			fail_msg("a phone number in the log: %s", line);
	fclose(f);
}

/* The number is stored sealed only: not in the dedupe records, the
 * chats or anywhere else in the database in clear. */
static void
test_no_number_stored(void **state)
{
	(void)state;
	assert_false(e2e_db_holds(&d, "13800000007"));
	assert_false(e2e_db_holds(&d, "13800000001"));
	assert_false(e2e_db_holds(&d, "13800000002"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tip),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_optout),
		cmocka_unit_test(test_status_callback),
		cmocka_unit_test(test_no_number_logged),
		cmocka_unit_test(test_no_number_stored),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

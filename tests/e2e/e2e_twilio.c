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
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "e2e.h"

#define TOKEN	"e2e_twilio_auth_token_0123456789"
#define PUBLIC	"https://sms.example.gov.cn/hook/sms"
#define PHONE	"+8613800000001"

static struct daemon	 d;
static char		 logpath[512];

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, "[channel.sms]\ntype = twilio\narea = 华光路社区\n"
	    "account_sid = ACe2e00000000000000000000000000000\n"
	    "auth_token = " TOKEN "\nfrom = +8610690000\n"
	    "public_url = " PUBLIC "\n");
	(void)snprintf(logpath, sizeof logpath, "%s/serve.log", d.dir);
	e2e_start_log(&d, logpath);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
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
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 data[4096], body[4096], b64[64], hdr[128];
	char		*eb = form_escape(text), *ef = form_escape(PHONE);
	const char	*hdrs[3] = { "Content-Type: application/x-www-form-"
			    "urlencoded", hdr, NULL };
	struct http_result r;

	/* Sorted by name: AccountSid, Body, From, MessageSid, To. */
	(void)snprintf(data, sizeof data, PUBLIC "AccountSid"
	    "ACe2e00000000000000000000000000000Body%sFrom" PHONE
	    "MessageSid%sTo+8610690000", text, sid);
	(void)snprintf(body, sizeof body, "AccountSid="
	    "ACe2e00000000000000000000000000000&Body=%s&From=%s&MessageSid=%s"
	    "&To=%%2B8610690000", eb, ef, sid);
	assert_non_null(HMAC(EVP_sha1(), TOKEN, (int)strlen(TOKEN),
	    (const unsigned char *)data, strlen(data), mac, &maclen));
	EVP_EncodeBlock((unsigned char *)b64, mac, (int)maclen);
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

static long
tips_like(const char *text)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%%%s%%'", text);
	return e2e_sql_long(&d, sql);
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
	assert_int_equal(tips_like("短信线索"), 1);
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
	assert_int_equal(tips_like("伪造短信线索"), 0);
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
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tip),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_no_number_logged),
		cmocka_unit_test(test_no_number_stored),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

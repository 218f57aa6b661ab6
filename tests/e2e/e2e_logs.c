/*
 * End-to-end test of what reaches the log: at the most detailed level,
 * after tips, checks, a long answer, bad requests and a bind, the log
 * holds no sender or chat id, no tip text, no secret and no bind code.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

static struct daemon d;
static char logpath[600];

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, "[server]\nlog_level = debug\n"
	    "[channel.tgl]\ntype = telegram\nsecret_token = Tl-secret-token-66\n"
	    "bot_username = LogBot\n");
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

/* POSTs body to path with one extra header (or none). */
static long
post(const char *path, const char *hdr, const char *body)
{
	const char *const	 hdrs[] = { "Content-Type: application/json",
	    hdr, NULL };
	struct http_result	 r;
	long			 status;

	r = e2e_request(&d, "POST", path, hdrs, body, strlen(body));
	status = r.status;
	e2e_result_free(&r);
	return status;
}

/* Reads the whole log (caller frees). */
static char *
read_log(void)
{
	FILE	*f = fopen(logpath, "r");
	char	*buf;
	long	 n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_log_holds_no_identity(void **state)
{
	static const char *const never[] = {
		"SENDER-7731", "CHAT-7731", "9137731", "保本高息七七三一",
		"Tl-secret-token-66", "k3y", "ZZQM2XPD9F",
	};
	char	*log, body[1024];
	size_t	 i;

	(void)state;
	assert_int_equal(post("/hook/demo", NULL, "{\"chat_id\":\"CHAT-7731\","
	    "\"sender_id\":\"SENDER-7731\",\"sender_name\":\"王七七\",\"text\":"
	    "\"举报 小区有人推销保本高息七七三一\",\"message_id\":\"l1\"}"), 200);
	assert_int_equal(post("/hook/demo", NULL, "{\"chat_id\":\"CHAT-7731\","
	    "\"sender_id\":\"SENDER-7731\",\"text\":\"查询 鑫源财富\","
	    "\"message_id\":\"l2\"}"), 200);
	assert_int_equal(post("/hook/demo", NULL, "{\"chat_id\":\"CHAT-7731\","
	    "\"sender_id\":\"SENDER-7731\",\"text\":\"绑定 ZZQM-2XPD-9F\","
	    "\"message_id\":\"l3\"}"), 200);
	/* A long answer on Telegram (help in a private chat), a tip there. */
	(void)snprintf(body, sizeof body, "{\"update_id\":9137731,\"message\":"
	    "{\"message_id\":5,\"from\":{\"id\":9137731,\"first_name\":\"七\"},"
	    "\"chat\":{\"id\":9137731,\"type\":\"private\"},\"date\":1763750000,"
	    "\"text\":\"举报 保本高息七七三一\"}}");
	assert_int_equal(post("/hook/tgl", "X-Telegram-Bot-Api-Secret-Token: "
	    "Tl-secret-token-66", body), 200);
	/* Refusals are logged: with their reason, not the caller's data. */
	assert_int_equal(post("/hook/tgl", "X-Telegram-Bot-Api-Secret-Token: "
	    "wrong", body), 401);
	assert_int_equal(post("/hook/signed", NULL, "{\"chat_id\":\"CHAT-7731\","
	    "\"sender_id\":\"SENDER-7731\",\"text\":\"x\",\"message_id\":\"l4\"}"),
	    401);
	assert_int_equal(post("/hook/demo", NULL, "{\"chat_id\":\"CHAT-7731\"}"),
	    400);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	log = read_log();
	assert_non_null(strstr(log, "401"));	/* the log was written */
	for (i = 0; i < sizeof never / sizeof never[0]; i++)
		if (strstr(log, never[i]) != NULL)
			fail_msg("the log holds \"%s\":\n%s", never[i], log);
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_holds_no_identity),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

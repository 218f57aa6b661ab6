/*
 * End-to-end tests of `fangfei config check` and `fangfei channel types`:
 * what a start would serve, with no secret in the output; every type with
 * the keys of its backend's table.
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

static struct daemon d;

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, "[channel.out]\ntype = generic\n"
	    "secret = Sx-generic-secret-91\n"
	    "outbound_url = https://hooks.example.com/in?key=QK-url-key-55\n"
	    "[channel.tgs]\ntype = telegram\nsecret_token = Tk-secret-token-37\n"
	    "bot_username = @SendBot\ntoken = 123456:BOT-token-value-82\n");
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

/* Every channel with its route and keys; secrets and URL keys hidden. */
static void
test_config_check(void **state)
{
	static const char *const args[] = { "config", "check", NULL };
	static const char *const secrets[] = {
		"Sx-generic-secret-91", "QK-url-key-55", "Tk-secret-token-37",
		"BOT-token-value-82", "s3cr3t_Token-01", "k3y\n",
	};
	char	 out[8192];
	size_t	 i;

	(void)state;
	assert_int_equal(e2e_cli(&d, args, out, sizeof out), 0);
	assert_non_null(strstr(out, "[channel.out] generic  POST /hook/out"));
	assert_non_null(strstr(out, "[channel.tgs] telegram  POST /hook/tgs"));
	assert_non_null(strstr(out, "https://hooks.example.com/…"));
	assert_non_null(strstr(out, "@SendBot"));
	assert_non_null(strstr(out, "the configuration is valid"));
	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (strstr(out, secrets[i]) != NULL)
			fail_msg("config check printed a secret: %s",
			    secrets[i]);
}

/* Every type and its keys, generated from the tables. */
static void
test_channel_types(void **state)
{
	static const char *const args[] = { "channel", "types", NULL };
	static const char *const want[] = {
		"generic —", "telegram —", "secret_token", "bot_username",
		"outbound_url", "api_base", "required beyond loopback",
		"dingtalk", "wecom", "feishu", "wecom_bot", "mode",
		"ping_seconds", "connect_base",
	};
	char	 out[32768];
	size_t	 i;

	(void)state;
	assert_int_equal(e2e_cli(&d, args, out, sizeof out), 0);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strstr(out, want[i]) == NULL)
			fail_msg("channel types lacks %s", want[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_channel_types),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* Unit tests of the configuration reader. */
#include "testutil.h"

#include "bot/config.h"

/* Writes text to a temporary file; returns its path (caller frees). */
static char *
write_ini(const char *text)
{
	char	*path = strdup("/tmp/fangfei-ini-XXXXXX");
	int	 fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* A good file sets what it names and keeps the defaults of the rest. */
static void
test_config_good(void **state)
{
	struct config	 cfg;
	char		*path, *cause = NULL;

	(void)state;
	path = write_ini("[server]\nlisten = 127.0.0.1:9000\nthreads = 3\n"
	    "[storage]\npath = /tmp/x.db\n[delivery]\nrate_limits = off\n"
	    "[channel.tg]\ntype = telegram\nsecret_token = s\n"
	    "bot_username = @Bot\nlocale = en\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, &cause), 0);
	assert_int_equal(config_check(&cfg, &cause), 0);
	assert_string_equal(cfg.listen, "127.0.0.1:9000");
	assert_int_equal(cfg.threads, 3);
	assert_int_equal(cfg.rate_limits, 0);
	assert_int_equal(cfg.max_body_bytes, 64 * 1024);
	assert_non_null(config_channel(&cfg, "tg"));
	assert_string_equal(channel_get(config_channel(&cfg, "tg"),
	    "bot_username"), "@Bot");
	assert_non_null(config_channel(&cfg, "tg")->state);
	assert_int_equal(config_channel(&cfg, "tg")->locale, LOCALE_EN);
	config_free(&cfg);
	unlink(path);
	free(path);
}

/* Loads text and runs the check; returns the cause of the first failure
 * (caller frees), or NULL when both passed. */
static char *
config_try(const char *text)
{
	struct config	 cfg;
	char		*path, *cause = NULL;

	path = write_ini(text);
	config_init(&cfg);
	if (config_load(&cfg, path, &cause) == 0)
		(void)config_check(&cfg, &cause);
	config_free(&cfg);
	unlink(path);
	free(path);
	return cause;
}

/* Each backend's key table decides: a key of another platform is refused
 * (with its line when the type came first), a required key must be there,
 * and every channel's own keys stay common. */
static void
test_config_backend_keys(void **state)
{
	char	*cause;

	(void)state;
	cause = config_try("[channel.tg]\ntype = telegram\nsecret = x\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, ":3: channel tg: type telegram takes "
	    "no key \"secret\""));
	assert_non_null(strstr(cause, "secret_token, bot_username"));
	free(cause);
	/* Before the type is known, the check at start refuses it. */
	cause = config_try("[channel.g]\nsecret_token = x\ntype = generic\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "channel g: type generic takes no key "
	    "\"secret_token\""));
	free(cause);
	cause = config_try("[channel.tg]\ntype = telegram\nsecret_token = s\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "channel tg: type telegram needs "
	    "bot_username"));
	free(cause);
	cause = config_try("[channel.x]\nlocale = en\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "channel x: no type"));
	free(cause);
	/* wecom is both a robot type and a channel type (the self-built
	 * app): as a channel it needs the app's keys. */
	cause = config_try("[channel.r]\ntype = wecom\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "channel r: type wecom needs corp_id"));
	free(cause);
	/* Beyond loopback a generic channel needs its secret. */
	cause = config_try("[server]\nlisten = 0.0.0.0:80\n"
	    "[channel.g]\ntype = generic\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "channel g: type generic needs secret "
	    "when the server listens beyond loopback"));
	free(cause);
	assert_null(config_try("[server]\nlisten = 0.0.0.0:80\n"
	    "[channel.g]\ntype = generic\nsecret = s\narea = 张店区\n"
	    "locale = en\noutbound_url = http://127.0.0.1:9/x\n"));
	/* On loopback too (a proxy on the same machine is loopback), only
	 * when going without is said in so many words. */
	cause = config_try("[channel.g]\ntype = generic\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "channel g: 缺少 secret"));
	assert_non_null(strstr(cause, "allow_unsigned = on"));
	free(cause);
	cause = config_try("[channel.k]\ntype = kannel\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "channel k: 缺少 token"));
	free(cause);
	cause = config_try("[channel.g]\ntype = generic\nallow_unsigned = yes\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "allow_unsigned = \"yes\": want on or "
	    "off"));
	free(cause);
	cause = config_try("[channel.g]\ntype = generic\nallow_unsigned = off\n");
	assert_non_null(cause);
	free(cause);
	assert_null(config_try("[channel.g]\ntype = generic\n"
	    "allow_unsigned = on\n"));
	assert_null(config_try("[channel.k]\ntype = kannel\n"
	    "allow_unsigned = on\n"));
	/* Beyond loopback it changes nothing. */
	cause = config_try("[server]\nlisten = 0.0.0.0:80\n"
	    "[channel.g]\ntype = generic\nallow_unsigned = on\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "when the server listens beyond "
	    "loopback"));
	free(cause);
}

/* The first error is reported with its own line; later ones are not
 * leaked (ASan checks) and do not replace it. */
static void
test_config_errors(void **state)
{
	struct config	 cfg;
	char		*path, *cause = NULL;

	(void)state;
	path = write_ini("[server]\nthreads = 0\nthreads = 0\nnope = 1\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, &cause), -1);
	assert_non_null(strstr(cause, ":2: [server] threads must be 1..64"));
	free(cause);
	config_free(&cfg);
	unlink(path);
	free(path);
	/* The monitoring token: long enough, a bearer token's characters. */
	cause = config_try("[server]\nmetrics_token = short\n");
	assert_non_null(cause);
	assert_non_null(strstr(cause, ":2: metrics_token 须为 16–256"));
	free(cause);
	cause = config_try("[server]\nmetrics_token = has a space in it ok\n");
	assert_non_null(cause);
	free(cause);
	assert_null(config_try("[server]\nmetrics_token = "
	    "mon-0123456789abcdef\n"));

	path = write_ini("[channel.tg]\ntype = telegram\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, &cause), 0);
	assert_int_equal(config_check(&cfg, &cause), -1);
	assert_non_null(strstr(cause, "secret_token"));
	free(cause);
	config_free(&cfg);
	unlink(path);
	free(path);

	/* dingtalk is a channel type (the enterprise robot) beside the
	 * robot type of that name. */
	path = write_ini("[channel.r]\ntype = dingtalk\n");
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, &cause), 0);
	assert_int_equal(config_check(&cfg, &cause), -1);
	assert_non_null(strstr(cause, "app_key"));
	free(cause);
	config_free(&cfg);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_backend_keys),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

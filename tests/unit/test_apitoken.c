/* Unit tests: access token caches (bot/apitoken.c). */
#include "testutil.h"

#include "bot/apitoken.h"

/* One fetch at a time; a token is used until APITOKEN_MARGIN before it
 * expires; a refused fetch waits before the next; invalidation forgets. */
static void
test_apitoken(void **state)
{
	struct apitoken	 t;
	char		 out[64];

	(void)state;
	apitoken_init(&t);
	assert_int_equal(apitoken_get(&t, 1000, out, sizeof out), -1);
	assert_int_equal(apitoken_begin(&t, 1000), 1);
	assert_int_equal(apitoken_begin(&t, 1000), 0);	/* in flight */
	apitoken_end(&t, NULL, 0, 1000, 30);		/* refused */
	assert_int_equal(apitoken_begin(&t, 1010), 0);	/* waits 30 s */
	assert_int_equal(apitoken_wait(&t, 1010), 20);
	assert_int_equal(apitoken_wait(&t, 1030), 0);
	assert_int_equal(apitoken_begin(&t, 1030), 1);
	apitoken_end(&t, "t-abc", 7200, 1030, 0);
	assert_int_equal(apitoken_get(&t, 1031, out, sizeof out), 0);
	assert_string_equal(out, "t-abc");
	/* Refreshed before it expires: not handed out in its last minutes. */
	assert_int_equal(apitoken_get(&t, 1030 + 7200 - APITOKEN_MARGIN + 1,
	    out, sizeof out), -1);
	assert_int_equal(apitoken_get(&t, 1030 + 7200 - APITOKEN_MARGIN - 1,
	    out, sizeof out), 0);
	/* Too small a buffer is no token. */
	assert_int_equal(apitoken_get(&t, 1031, out, 5), -1);
	apitoken_invalidate(&t);
	assert_int_equal(apitoken_get(&t, 1031, out, sizeof out), -1);
	assert_int_equal(t.fetches, 2);
	apitoken_destroy(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apitoken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: flood limits (messages/limit.c). */
#include "testutil.h"

#include "messages/limit.h"

/* max events pass, the next one warns once, later ones are quiet, and a
 * new window starts afresh. */
static void
test_limit_window(void **state)
{
	struct limiter	*l = limiter_new(64);
	int		 i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(limiter_hit(l, "tip", "u1", 3, 60, 1000),
		    LIMIT_PASS);
	assert_int_equal(limiter_hit(l, "tip", "u1", 3, 60, 1001), LIMIT_WARN);
	assert_int_equal(limiter_hit(l, "tip", "u1", 3, 60, 1002), LIMIT_QUIET);
	assert_int_equal(limiter_hit(l, "tip", "u1", 3, 60, 1059), LIMIT_QUIET);
	assert_int_equal(limiter_wait(l, "tip", "u1", 1010), 50);
	/* Another key and another kind have counters of their own. */
	assert_int_equal(limiter_hit(l, "tip", "u2", 3, 60, 1002), LIMIT_PASS);
	assert_int_equal(limiter_hit(l, "check", "u1", 3, 60, 1002),
	    LIMIT_PASS);
	/* The window ends: u1 passes again. */
	assert_int_equal(limiter_hit(l, "tip", "u1", 3, 60, 1060), LIMIT_PASS);
	/* A limit of 0 is off. */
	for (i = 0; i < 100; i++)
		assert_int_equal(limiter_hit(l, "view", "ip", 0, 60, 1000),
		    LIMIT_PASS);
	limiter_free(l);
	limiter_free(NULL);
}

/* A flood of fresh keys stays within the table and does not evict the
 * counter of a key that is over its limit right now more than the table's
 * associativity allows: the flooder's own counter is kept busy. */
static void
test_limit_flood(void **state)
{
	struct limiter	*l = limiter_new(4096);
	char		 key[32];
	int		 i, refused = 0;

	(void)state;
	for (i = 0; i < 5; i++)
		(void)limiter_hit(l, "tip", "attacker", 2, 3600, 100);
	for (i = 0; i < 100000; i++) {
		(void)snprintf(key, sizeof key, "k%d", i);
		(void)limiter_hit(l, "tip", key, 2, 3600, 100 + i / 1000);
		/* The attacker keeps trying and keeps being refused. */
		if (i % 100 == 0 && limiter_hit(l, "tip", "attacker", 2,
		    3600, 100 + i / 1000) != LIMIT_PASS)
			refused++;
	}
	assert_true(refused > 900);
	limiter_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_window),
		cmocka_unit_test(test_limit_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

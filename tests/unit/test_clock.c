/* ISO 8601 times for FANGFEI_NOW, and the moved clock. */
#include "testutil.h"

#include "bot/clock.h"

static void
test_parse(void **state)
{
	time_t	 t;

	(void)state;
	assert_int_equal(clock_parse("2026-06-15T09:00:00+08:00", 0, &t), 0);
	assert_int_equal(t, 1781485200);
	assert_int_equal(clock_parse("2026-06-15T01:00:00Z", 0, &t), 0);
	assert_int_equal(t, 1781485200);
	assert_int_equal(clock_parse("2026-06-15 09:00", 8 * 3600, &t), 0);
	assert_int_equal(t, 1781485200);
	assert_int_equal(clock_parse("2026-06-15T09:00+0800", 0, &t), 0);
	assert_int_equal(t, 1781485200);
	assert_int_equal(clock_parse("2026-06-15", 8 * 3600, &t), 0);
	assert_int_equal(t, 1781452800);
	assert_int_equal(clock_parse("2028-02-29T00:00:00Z", 0, &t), 0);
	assert_int_equal(t, 1835395200);
	assert_int_equal(clock_parse("2027-02-29", 0, &t), -1);
	assert_int_equal(clock_parse("2100-02-29", 0, &t), -1);
	assert_int_equal(clock_parse("2000-02-29", 0, &t), 0);
	assert_int_equal(clock_parse("2026-13-01", 0, &t), -1);
	assert_int_equal(clock_parse("2026-06-15T24:00", 0, &t), -1);
	assert_int_equal(clock_parse("2026-06-15T09:00Zx", 0, &t), -1);
	assert_int_equal(clock_parse("tomorrow", 0, &t), -1);
	assert_int_equal(clock_parse("", 0, &t), -1);
}

static void
test_moved(void **state)
{
	char	*cause = NULL;
	time_t	 now;

	(void)state;
	(void)setenv("FANGFEI_NOW", "2030-01-01T00:00:00Z", 1);
	assert_int_equal(clock_setup(0, &cause), 0);
	assert_true(clock_moved());
	now = clock_now();
	/* Running forward from that instant, not stopped at it. */
	assert_true(now >= 1893456000 && now < 1893456000 + 60);
	assert_true(clock_now_ms() / 1000 >= now);
	(void)setenv("FANGFEI_NOW", "soon", 1);
	assert_int_equal(clock_setup(0, &cause), -1);
	assert_non_null(strstr(cause, "ISO 8601"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_moved),
	};

	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}

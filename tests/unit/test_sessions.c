/*
 * The console's sign-in on a real database file: a link works once and
 * only within its ten minutes, and not after its staff member left; a
 * session ends when idle, at its age, at sign-out and when its staff
 * member leaves; malformed secrets are refused like unknown ones; and the
 * one table of who may call which API endpoint.
 */
#include "testutil.h"
#include "teststore.h"

#include "bot/api.h"
#include "storage/areas.h"
#include "storage/sessions.h"
#include "storage/staff.h"

#define T0	1780000000

static const uint8_t key[STORE_KEY_LEN] = { 4, 2 };

struct fixture {
	struct store	*s;
	char		*dir;
	int64_t		 office;
};

/* Runs one SQL statement on the test's database, either engine. */
static void
exec_sql(struct fixture *fx, const char *sql)
{
	teststore_exec(fx->s, sql);
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);
	int64_t		 area;

	fx->s = teststore_open(key, &fx->dir);
	assert_int_equal(areas_find(fx->s, "张店区", &area), STORE_OK);
	assert_int_equal(staff_add(fx->s, "李主任", "office", area, NULL, T0,
	    &fx->office), STORE_OK);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A link works once, within its time, for an active member only. */
static void
test_link_once(void **state)
{
	struct fixture	*fx = *state;
	char		 a[SESSION_SECRET_LEN + 1], b[SESSION_SECRET_LEN + 1];
	int64_t		 staff = 0;

	assert_int_equal(login_links_create(fx->s, fx->office, T0, a), STORE_OK);
	assert_int_equal(strlen(a), SESSION_SECRET_LEN);
	assert_int_equal(login_links_use(fx->s, a, T0 + 5, &staff), STORE_OK);
	assert_int_equal(staff, fx->office);
	/* Spent. */
	assert_int_equal(login_links_use(fx->s, a, T0 + 6, &staff),
	    STORE_NOT_FOUND);
	/* Expired: the last second of its life is not enough. */
	assert_int_equal(login_links_create(fx->s, fx->office, T0, b), STORE_OK);
	assert_int_equal(login_links_use(fx->s, b, T0 + LOGIN_LINK_TTL, &staff),
	    STORE_NOT_FOUND);
	assert_int_equal(login_links_create(fx->s, fx->office, T0, b), STORE_OK);
	assert_int_equal(login_links_use(fx->s, b, T0 + LOGIN_LINK_TTL - 1,
	    &staff), STORE_OK);
	/* Malformed or unknown: alike. */
	assert_int_equal(login_links_use(fx->s, "", T0, &staff),
	    STORE_NOT_FOUND);
	assert_int_equal(login_links_use(fx->s, "ABCDEF", T0, &staff),
	    STORE_NOT_FOUND);
	memset(a, 'f', SESSION_SECRET_LEN);
	assert_int_equal(login_links_use(fx->s, a, T0, &staff),
	    STORE_NOT_FOUND);
	/* Nobody: no link. */
	assert_int_equal(login_links_create(fx->s, 999, T0, a),
	    STORE_NOT_FOUND);
}

/* A session lives while used, up to its age; sign-out ends it. */
static void
test_session_life(void **state)
{
	struct fixture		*fx = *state;
	struct session_info	 si, got;
	char			 c[SESSION_SECRET_LEN + 1];

	assert_int_equal(sessions_create(fx->s, fx->office, T0, c, &si),
	    STORE_OK);
	assert_int_equal(strlen(si.csrf), SESSION_SECRET_LEN);
	assert_string_not_equal(si.csrf, c);
	/* Used every 20 minutes with a 30-minute idle time: alive for the
	 * whole 2 hours of its age, then ended. */
	assert_int_equal(sessions_check(fx->s, c, T0 + 1200, 1800, 7200, &got),
	    STORE_OK);
	assert_int_equal(got.id, si.id);
	assert_string_equal(got.csrf, si.csrf);
	assert_int_equal(sessions_check(fx->s, c, T0 + 2400, 1800, 7200, &got),
	    STORE_OK);
	assert_int_equal(sessions_check(fx->s, c, T0 + 3600, 1800, 7200, &got),
	    STORE_OK);
	assert_int_equal(sessions_check(fx->s, c, T0 + 4800, 1800, 7200, &got),
	    STORE_OK);
	assert_int_equal(sessions_check(fx->s, c, T0 + 7200, 1800, 7200, &got),
	    STORE_NOT_FOUND);
	/* Ended for good, even if asked with a longer age. */
	assert_int_equal(sessions_check(fx->s, c, T0 + 7201, 1800, 99999, &got),
	    STORE_NOT_FOUND);

	/* Idle. */
	assert_int_equal(sessions_create(fx->s, fx->office, T0, c, &si),
	    STORE_OK);
	assert_int_equal(sessions_check(fx->s, c, T0 + 1800, 1800, 7200, &got),
	    STORE_NOT_FOUND);

	/* Sign-out. */
	assert_int_equal(sessions_create(fx->s, fx->office, T0, c, &si),
	    STORE_OK);
	assert_int_equal(sessions_end(fx->s, si.id, T0 + 1), STORE_OK);
	assert_int_equal(sessions_end(fx->s, si.id, T0 + 2), STORE_NOT_FOUND);
	assert_int_equal(sessions_check(fx->s, c, T0 + 3, 1800, 7200, &got),
	    STORE_NOT_FOUND);
}

/* A member who leaves loses their session and their unspent links. */
static void
test_staff_leaves(void **state)
{
	struct fixture		*fx = *state;
	struct session_info	 si, got;
	char			 c[SESSION_SECRET_LEN + 1];
	char			 l[SESSION_SECRET_LEN + 1];
	char			 sql[96];
	int64_t			 staff;

	assert_int_equal(sessions_create(fx->s, fx->office, T0, c, &si),
	    STORE_OK);
	assert_int_equal(login_links_create(fx->s, fx->office, T0, l), STORE_OK);
	(void)snprintf(sql, sizeof sql, "UPDATE staff SET active = 0 WHERE "
	    "id = %lld", (long long)fx->office);
	exec_sql(fx, sql);
	assert_int_equal(sessions_check(fx->s, c, T0 + 1, 1800, 7200, &got),
	    STORE_NOT_FOUND);
	assert_int_equal(login_links_use(fx->s, l, T0 + 1, &staff),
	    STORE_NOT_FOUND);
	assert_int_equal(sessions_create(fx->s, fx->office, T0, c, &si),
	    STORE_NOT_FOUND);
}

/* Who may call what: the table's rows and its default. */
static void
test_api_allowed(void **state)
{
	static const struct {
		const char	*role, *method, *path;
		int		 ok;
	} cases[] = {
		{ "grid_worker", "GET", "/tips", 1 },
		{ "grid_worker", "POST", "/tips/3/moves", 1 },
		{ "grid_worker", "POST", "/broadcasts", 1 },
		{ "grid_worker", "GET", "/staff", 1 },
		{ "grid_worker", "POST", "/staff", 0 },
		{ "liaison", "POST", "/staff", 0 },
		{ "office", "POST", "/staff", 1 },
		{ "admin", "POST", "/staff", 1 },
		{ "liaison", "POST", "/staff/3/disable", 0 },
		{ "office", "POST", "/staff/3/disable", 1 },
		{ "grid_chief", "POST", "/staff/3/enable", 0 },
		{ "grid_worker", "GET", "/staff", 1 },
		{ "grid_chief", "GET", "/audit", 0 },
		{ "liaison", "GET", "/audit", 1 },
		{ "grid_worker", "GET", "/letters/1/stats", 1 },
		{ "liaison", "POST", "/letters", 0 },
		{ "liaison", "POST", "/letters/1/codes", 0 },
		{ "office", "POST", "/letters/1/codes", 1 },
		{ "liaison", "GET", "/rewards", 0 },
		{ "office", "GET", "/rewards/stats", 1 },
		{ "grid_worker", "GET", "/ledger/export", 0 },
		{ "grid_chief", "GET", "/ledger/export", 1 },
		{ "grid_worker", "GET", "/ledger/stats", 1 },
		{ "liaison", "GET", "/tokens", 0 },
		{ "office", "GET", "/tokens", 1 },
		{ "grid_chief", "POST", "/notices/2/publish", 0 },
		{ "resident", "GET", "/tips", 0 },
		{ "", "GET", "/session", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (api_allowed(cases[i].role, cases[i].method, cases[i].path) !=
		    cases[i].ok)
			fail_msg("%s %s %s: want %d", cases[i].role,
			    cases[i].method, cases[i].path, cases[i].ok);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_life, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_staff_leaves, setup,
		    teardown),
		cmocka_unit_test(test_api_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

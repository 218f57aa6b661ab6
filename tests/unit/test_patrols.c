/*
 * Weekly patrols: ISO weeks across year boundaries and time zones, the
 * coverage counts of grids, and the deadline check run at injected
 * instants (nothing before the deadline, once after it, nothing for a
 * grid whose buildings are all patrolled, nothing twice across a
 * reopened database, late when the deadline passed while it was down).
 */
#include "testutil.h"
#include "teststore.h"

#include "bot/config.h"
#include "bot/patrolcheck.h"
#include "storage/areas.h"
#include "storage/patrols.h"
#include "storage/staff.h"

static const uint8_t key[STORE_KEY_LEN] = { 9, 9, 9 };

#define SH	(8 * 3600)

struct fixture {
	struct store	*s;
	char		*dir;
	char		 loc[512];	/* the database, to open it again */
	int64_t		 grid3, grid4, b12, b13, b1, b5;
	int64_t		 worker, worker2, chief, other, liaison;
};

/* The instant of a Shanghai wall-clock time. */
static time_t
sh(int y, int mo, int d, int h, int mi)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm) - SH;
}

/* The week of a Shanghai time, as a string to compare. */
static const char *
week_of(time_t t, int utc_offset)
{
	static char	 w[PATROL_WEEK_LEN];

	patrol_week(t, utc_offset, w);
	return w;
}

/* Adds a staff member bound to the private chat "c-<user>". */
static int64_t
add_staff(struct fixture *fx, const char *name, const char *role,
    int64_t area, const char *user)
{
	struct staff_info	 who;
	char			 code[BIND_CODE_TEXT_LEN + 1], chat[64];
	int64_t			 id;
	time_t			 t0 = sh(2026, 6, 1, 9, 0);

	(void)snprintf(chat, sizeof chat, "c-%s", user);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(staff_add(fx->s, name, role, area, NULL, t0, &id),
	    STORE_OK);
	assert_int_equal(staff_bind_code(fx->s, id, t0, code), STORE_OK);
	assert_int_equal(staff_bind(fx->s, code, "demo", user, chat, t0, &who),
	    STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	return id;
}

/*
 * The demo areas; grid workers 张伟 and 刘洋 on 第3网格 (12号楼, 13号楼),
 * 陈静 on 第4网格 (1号楼) and 周杰 on 共青团路社区/第1网格 (5号楼); the
 * grid chief 王丹 of 华光路社区; no chief in 科苑街道, whose liaison is
 * told instead (柳泉社区/第1网格 has a worker, 吴敏).
 */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);
	int64_t		 a;

	fx->s = teststore_open(key, &fx->dir);
	(void)snprintf(fx->loc, sizeof fx->loc, "%s", teststore_last);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格", &fx->grid3),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区/第4网格", &fx->grid4),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "第3网格/12号楼", &fx->b12),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "第3网格/13号楼", &fx->b13),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "第4网格/1号楼", &fx->b1),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "5号楼", &fx->b5), STORE_OK);
	fx->worker = add_staff(fx, "张伟", "grid_worker", fx->grid3, "w1");
	fx->worker2 = add_staff(fx, "刘洋", "grid_worker", fx->grid3, "w2");
	(void)add_staff(fx, "陈静", "grid_worker", fx->grid4, "w3");
	assert_int_equal(areas_find(fx->s, "共青团路社区/第1网格", &a),
	    STORE_OK);
	fx->other = add_staff(fx, "周杰", "grid_worker", a, "w4");
	assert_int_equal(areas_find(fx->s, "柳泉社区/第1网格", &a), STORE_OK);
	(void)add_staff(fx, "吴敏", "grid_worker", a, "w5");
	assert_int_equal(areas_find(fx->s, "华光路社区", &a), STORE_OK);
	fx->chief = add_staff(fx, "王丹", "grid_chief", a, "chief");
	assert_int_equal(areas_find(fx->s, "科苑街道", &a), STORE_OK);
	fx->liaison = add_staff(fx, "孙丽", "liaison", a, "liaison");
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

/* One number from the database. */
static long
count(struct fixture *fx, const char *sql)
{
	return (long)teststore_int(fx->s, sql);
}

/* Messages queued to the private chat of user. */
static long
told(struct fixture *fx, const char *user)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'c-%s'", user);
	return count(fx, sql);
}

/* The body of the last message queued to user (the caller frees it). */
static char *
last_body(struct fixture *fx, const char *user)
{
	struct db_stmt	*st;
	char		*body = NULL;

	st = store_prepare(fx->s, "SELECT o.body FROM outbox o "
	    "JOIN groups g ON g.id = o.group_id WHERE g.chat_id = 'c-' || ?1 "
	    "ORDER BY o.id DESC LIMIT 1");
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, user, -1, DB_STATIC), DB_OK);
	if (db_step(st) == DB_ROW)
		body = strdup((const char *)db_column_text(st, 0));
	db_finalize(st);
	assert_non_null(body);
	return body;
}

/* Records a patrol of building by staff at t. */
static void
patrol(struct fixture *fx, int64_t staff, int64_t building, time_t t)
{
	int64_t	 id;

	assert_int_equal(patrols_add(fx->s, staff, building, "无异常", t,
	    week_of(t, SH), &id), STORE_OK);
}

/* ISO weeks: year boundaries, W53 years, the district's time zone. */
static void
test_iso_weeks(void **state)
{
	time_t	 t, start;
	char	 w[PATROL_WEEK_LEN];
	int	 d;

	(void)state;
	assert_string_equal(week_of(sh(2026, 6, 10, 12, 0), SH), "2026-W24");
	/* 2026 ends on a Thursday: it has a W53, into which 1-3 January
	 * 2027 fall. */
	assert_string_equal(week_of(sh(2026, 12, 31, 12, 0), SH), "2026-W53");
	assert_string_equal(week_of(sh(2027, 1, 1, 0, 0), SH), "2026-W53");
	assert_string_equal(week_of(sh(2027, 1, 3, 23, 59), SH), "2026-W53");
	assert_string_equal(week_of(sh(2027, 1, 4, 0, 0), SH), "2027-W01");
	/* 2020 ends on a Thursday too (a leap year starting on Wednesday). */
	assert_string_equal(week_of(sh(2020, 12, 31, 12, 0), SH), "2020-W53");
	assert_string_equal(week_of(sh(2021, 1, 3, 12, 0), SH), "2020-W53");
	assert_string_equal(week_of(sh(2021, 1, 4, 0, 0), SH), "2021-W01");
	/* Monday 30 December 2024 starts 2025-W01. */
	assert_string_equal(week_of(sh(2024, 12, 29, 23, 59), SH),
	    "2024-W52");
	assert_string_equal(week_of(sh(2024, 12, 30, 0, 0), SH), "2025-W01");
	/* Local time, not UTC: 00:30 on Monday in Shanghai is Sunday in
	 * UTC. */
	t = sh(2027, 1, 4, 0, 30);
	assert_string_equal(week_of(t, SH), "2027-W01");
	assert_string_equal(week_of(t, 0), "2026-W53");
	/* And west of UTC. */
	assert_string_equal(week_of(sh(2027, 1, 4, 10, 0), -5 * 3600),
	    "2026-W53");

	assert_int_equal(patrol_week_start("2026-W53", SH, &start), 0);
	assert_int_equal(start, sh(2026, 12, 28, 0, 0));
	assert_int_equal(patrol_week_start("2027-W01", SH, &start), 0);
	assert_int_equal(start, sh(2027, 1, 4, 0, 0));
	assert_int_equal(patrol_week_start("2020-W53", SH, &start), 0);
	assert_int_equal(start, sh(2020, 12, 28, 0, 0));
	assert_int_equal(patrol_week_start("2025-W01", SH, &start), 0);
	assert_int_equal(start, sh(2024, 12, 30, 0, 0));
	assert_int_equal(patrol_week_start("2027-W53", SH, &start), -1);
	assert_int_equal(patrol_week_start("2026-W00", SH, &start), -1);
	assert_int_equal(patrol_week_start("2026-W5", SH, &start), -1);
	assert_int_equal(patrol_week_start("2026W24", SH, &start), -1);
	assert_int_equal(patrol_week_start("2026-w24", SH, &start), -1);
	assert_int_equal(patrol_week_start("2026-W2x", SH, &start), -1);
	assert_int_equal(patrol_week_start("", SH, &start), -1);

	/* Every day of nine years, at noon: the week's start is the Monday
	 * at or before it, and the week after a Sunday is the next one. */
	for (d = 0; d < 9 * 366; d++) {
		t = sh(2019, 12, 1, 12, 0) + (time_t)d * 86400;
		patrol_week(t, SH, w);
		assert_int_equal(patrol_week_start(w, SH, &start), 0);
		assert_true(start <= t && t < start + 7 * 86400);
		assert_int_equal((start + SH) / 86400 % 7, 4);	/* a Monday */
	}
}

/* Buildings, patrolled ones, workers and who has done nothing. */
static void
test_coverage(void **state)
{
	struct fixture		*fx = *state;
	struct patrol_grid	 g[8];
	struct patrol_area	 left[8];
	struct patrol_worker	 idle[8];
	struct patrol_row	 rows[8];
	size_t			 n;
	long			 b, p, total;
	int64_t			 community;
	time_t			 t = sh(2026, 6, 10, 10, 0);

	patrol(fx, fx->worker, fx->b12, t);
	patrol(fx, fx->worker, fx->b12, t + 60);
	/* Last week's patrol does not count for this one. */
	patrol(fx, fx->worker2, fx->b13, sh(2026, 6, 7, 23, 0));

	assert_int_equal(patrols_tally(fx->s, fx->grid3, "2026-W24", &b, &p),
	    STORE_OK);
	assert_int_equal(b, 2);
	assert_int_equal(p, 1);
	assert_int_equal(patrols_tally(fx->s, fx->grid3, "2026-W23", &b, &p),
	    STORE_OK);
	assert_int_equal(p, 1);
	assert_int_equal(patrols_unpatrolled(fx->s, fx->grid3, "2026-W24",
	    left, 8, &n, &total), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_string_equal(patrol_relative(left[0].path,
	    "张店区/车站街道/华光路社区/第3网格"), "13号楼");
	assert_int_equal(patrols_idle_workers(fx->s, fx->grid3, "2026-W24",
	    idle, 8, &n, &total), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(idle[0].name, "刘洋");

	assert_int_equal(areas_find(fx->s, "华光路社区", &community), STORE_OK);
	assert_int_equal(patrols_grids(fx->s, community, "2026-W24", 0, g, 8,
	    &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(g[0].id, fx->grid3);
	assert_int_equal(g[0].buildings, 2);
	assert_int_equal(g[0].patrolled, 1);
	assert_int_equal(g[0].workers, 2);
	assert_int_equal(g[1].id, fx->grid4);
	assert_int_equal(g[1].buildings, 1);
	assert_int_equal(g[1].patrolled, 0);
	assert_int_equal(g[1].workers, 1);
	/* A building as scope: not its grid, which holds other buildings
	 * and workers the scope does not cover. */
	assert_int_equal(patrols_grids(fx->s, fx->b13, "2026-W24", 0, g, 8,
	    &n), STORE_OK);
	assert_int_equal(n, 0);
	/* All: five grids, paged by id. */
	assert_int_equal(patrols_grids(fx->s, 0, "2026-W24", 0, g, 8, &n),
	    STORE_OK);
	assert_int_equal(n, 5);
	assert_int_equal(patrols_grids(fx->s, 0, "2026-W24", g[2].id, g, 8,
	    &n), STORE_OK);
	assert_int_equal(n, 2);

	assert_int_equal(patrols_list(fx->s, fx->worker, 0, "2026-W24", rows,
	    8, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].at, t);
	assert_string_equal(rows[0].finding, "无异常");
	assert_string_equal(rows[0].staff_name, "张伟");
	assert_int_equal(patrols_list(fx->s, fx->worker2, 0, "2026-W24", rows,
	    8, &n), STORE_OK);
	assert_int_equal(n, 0);
}

/* The latest deadline at or before an instant. */
static void
test_last_deadline(void **state)
{
	(void)state;
	assert_int_equal(patrolcheck_last_deadline(sh(2026, 6, 12, 18, 0), SH,
	    5, 1080), sh(2026, 6, 12, 18, 0));
	assert_int_equal(patrolcheck_last_deadline(sh(2026, 6, 12, 17, 59), SH,
	    5, 1080), sh(2026, 6, 5, 18, 0));
	assert_int_equal(patrolcheck_last_deadline(sh(2026, 6, 15, 9, 0), SH,
	    5, 1080), sh(2026, 6, 12, 18, 0));
	/* Sunday 23:30, from the Monday after. */
	assert_int_equal(patrolcheck_last_deadline(sh(2027, 1, 4, 0, 0), SH,
	    7, 1410), sh(2027, 1, 3, 23, 30));
}

/* Runs the check at t with the default deadline. */
static struct patrolcheck_stats
check(struct fixture *fx, time_t t)
{
	struct patrolcheck_stats	 st;

	assert_int_equal(patrolcheck_run(fx->s, SH, 5, 18 * 60, t, &st), 0);
	return st;
}

/* Nothing before Friday 18:00, one message per chief after, naming the
 * grids, buildings and workers; never twice, also after a reopen. */
static void
test_deadline(void **state)
{
	struct fixture			*fx = *state;
	struct patrolcheck_stats	 st;
	char				*cause = NULL, *body;

	/* The check has been running since Monday. */
	st = check(fx, sh(2026, 6, 8, 8, 0));
	assert_int_equal(st.grids, 0);
	patrol(fx, fx->worker, fx->b12, sh(2026, 6, 9, 10, 0));
	patrol(fx, fx->other, fx->b5, sh(2026, 6, 9, 11, 0));

	st = check(fx, sh(2026, 6, 12, 17, 59));
	assert_int_equal(st.grids, 0);
	assert_int_equal(told(fx, "chief"), 0);

	st = check(fx, sh(2026, 6, 12, 18, 0));
	assert_int_equal(st.grids, 5);
	/* 第3网格 (13号楼) and 第4网格 (nobody), 柳泉社区/第1网格; not
	 * 共青团路社区/第1网格 (all patrolled) nor 第2网格 (no worker). */
	assert_int_equal(st.missing, 3);
	assert_int_equal(st.told, 2);
	assert_int_equal(told(fx, "chief"), 1);
	assert_int_equal(told(fx, "liaison"), 1);
	assert_int_equal(told(fx, "w1"), 0);
	body = last_body(fx, "chief");
	assert_non_null(strstr(body, "2026-W24"));
	assert_non_null(strstr(body, "第3网格"));
	assert_non_null(strstr(body, "13号楼"));
	assert_null(strstr(body, "12号楼"));
	assert_non_null(strstr(body, "刘洋"));
	assert_null(strstr(body, "张伟"));
	assert_non_null(strstr(body, "第4网格"));
	assert_non_null(strstr(body, "陈静"));
	assert_null(strstr(body, "共青团路"));
	assert_null(strstr(body, "{"));
	free(body);
	body = last_body(fx, "liaison");
	assert_non_null(strstr(body, "柳泉社区/第1网格"));
	assert_non_null(strstr(body, "2号楼"));
	assert_null(strstr(body, "8号楼"));
	free(body);
	assert_int_equal(count(fx, "SELECT count(*) FROM patrol_checks WHERE "
	    "week = '2026-W24'"), 5);

	/* Later that evening: nothing more. */
	st = check(fx, sh(2026, 6, 12, 18, 30));
	assert_int_equal(st.grids, 0);
	/* A restart: the same database opened again, Saturday. */
	store_close(fx->s);
	fx->s = store_open(fx->loc, key, STORE_MIGRATE, &cause);
	assert_non_null(fx->s);
	st = check(fx, sh(2026, 6, 13, 9, 0));
	assert_int_equal(st.grids, 0);
	assert_int_equal(told(fx, "chief"), 1);
	assert_int_equal(told(fx, "liaison"), 1);

	/* The next week, every building patrolled: no message. */
	patrol(fx, fx->worker, fx->b12, sh(2026, 6, 15, 9, 0));
	patrol(fx, fx->worker2, fx->b13, sh(2026, 6, 15, 9, 0));
	patrol(fx, fx->worker2, fx->b1, sh(2026, 6, 15, 9, 0));
	patrol(fx, fx->other, fx->b5, sh(2026, 6, 15, 9, 0));
	st = check(fx, sh(2026, 6, 19, 18, 1));
	assert_int_equal(st.grids, 5);
	assert_int_equal(told(fx, "chief"), 1);
	/* 柳泉社区/第1网格 still was not. */
	assert_int_equal(told(fx, "liaison"), 2);
}

/* Down over the deadline: told when it is back, about that week. */
static void
test_late(void **state)
{
	struct fixture			*fx = *state;
	struct patrolcheck_stats	 st;
	char				*body;

	st = check(fx, sh(2026, 6, 11, 9, 0));	/* Thursday */
	assert_int_equal(st.grids, 0);
	/* Back on Tuesday. */
	st = check(fx, sh(2026, 6, 16, 9, 0));
	assert_int_equal(st.grids, 5);
	assert_int_equal(told(fx, "chief"), 1);
	body = last_body(fx, "chief");
	assert_non_null(strstr(body, "2026-W24"));
	free(body);
	st = check(fx, sh(2026, 6, 16, 9, 1));
	assert_int_equal(st.grids, 0);
	assert_int_equal(told(fx, "chief"), 1);
}

/* A deadline that passed before the check ever ran is not reported. */
static void
test_new_install(void **state)
{
	struct fixture			*fx = *state;
	struct patrolcheck_stats	 st;

	st = check(fx, sh(2026, 6, 15, 9, 0));	/* first run, Monday */
	assert_int_equal(st.grids, 0);
	assert_int_equal(told(fx, "chief"), 0);
	st = check(fx, sh(2026, 6, 19, 18, 0));
	assert_int_equal(st.grids, 5);
	assert_int_equal(told(fx, "chief"), 1);
}

/* A deadline of Monday 00:00 closes the week that just ended. */
static void
test_monday_deadline(void **state)
{
	struct fixture			*fx = *state;
	struct patrolcheck_stats	 st;
	char				*body;

	assert_int_equal(patrolcheck_run(fx->s, SH, 1, 0, sh(2026, 6, 14,
	    12, 0), &st), 0);
	assert_int_equal(st.grids, 0);
	assert_int_equal(patrolcheck_run(fx->s, SH, 1, 0, sh(2026, 6, 14,
	    23, 59), &st), 0);
	assert_int_equal(st.grids, 0);
	assert_int_equal(patrolcheck_run(fx->s, SH, 1, 0, sh(2026, 6, 15,
	    0, 0), &st), 0);
	assert_int_equal(st.grids, 5);
	body = last_body(fx, "chief");
	assert_non_null(strstr(body, "2026-W24"));
	free(body);
	assert_int_equal(count(fx, "SELECT count(*) FROM patrol_checks WHERE "
	    "week = '2026-W25'"), 0);
}

/* [patrols] deadline in the config file. */
static void
test_config(void **state)
{
	struct config	 cfg;
	char		*dir = testutil_tmpdir(), path[256], *cause = NULL;
	FILE		*f;
	static const char *const bad[] = { "FR 25:00", "FR 18:60", "XX 18:00",
	    "FR", "FR18:00", "FR 18", "FR 18:00x", NULL };
	size_t		 i;

	(void)state;
	(void)snprintf(path, sizeof path, "%s/f.ini", dir);
	config_init(&cfg);
	assert_int_equal(cfg.patrol_day, 5);
	assert_int_equal(cfg.patrol_minute, 18 * 60);
	assert_non_null(f = fopen(path, "w"));
	fputs("[patrols]\ndeadline = sa 9:30\n", f);
	fclose(f);
	assert_int_equal(config_load(&cfg, path, &cause), 0);
	assert_int_equal(cfg.patrol_day, 6);
	assert_int_equal(cfg.patrol_minute, 9 * 60 + 30);
	config_free(&cfg);
	for (i = 0; bad[i] != NULL; i++) {
		config_init(&cfg);
		assert_non_null(f = fopen(path, "w"));
		fprintf(f, "[patrols]\ndeadline = %s\n", bad[i]);
		fclose(f);
		cause = NULL;
		assert_int_equal(config_load(&cfg, path, &cause), -1);
		assert_non_null(strstr(cause, "deadline"));
		free(cause);
		config_free(&cfg);
	}
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_weeks),
		cmocka_unit_test_setup_teardown(test_coverage, setup, teardown),
		cmocka_unit_test(test_last_deadline),
		cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_install, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_monday_deadline, setup,
		    teardown),
		cmocka_unit_test(test_config),
	};

	(void)setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("patrols", tests, NULL, NULL);
}

/*
 * Reminders fired at injected instants: a year of a weekly rule run in
 * hour steps in seconds, quiet hours that hold a reminder until morning,
 * the catch-up rule after downtime (the last occurrence sent once, the
 * older ones skipped and said so), an occurrence never sent twice
 * however often the same instant is run again, and two instances of the
 * daemon on one database sending each occurrence once between them.
 */
#include "testutil.h"
#include "teststore.h"

#include <pthread.h>

#include "bot/remind.h"
#include "bot/rrule.h"
#include "storage/areas.h"
#include "storage/chats.h"
#include "storage/outbox.h"
#include "storage/staff.h"

static const uint8_t key[STORE_KEY_LEN] = { 7, 7, 7 };

struct fixture {
	struct store	*s;
	char		*dir;
	char		 loc[512];	/* the database, for a second store */
	int64_t		 community;
	struct handler_env env;
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
	return timegm(&tm) - 8 * 3600;
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);

	fx->s = teststore_open(key, &fx->dir);
	(void)snprintf(fx->loc, sizeof fx->loc, "%s", teststore_last);
	assert_int_equal(areas_find(fx->s, "华光路社区", &fx->community),
	    STORE_OK);
	assert_int_equal(groups_set_area(fx->s, "tg", "-100", fx->community,
	    "building", 1), STORE_OK);
	fx->env.hotline = "0533-12345";
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

/* Adds a reminder to the community's building groups. */
static int64_t
add(struct fixture *fx, const char *rule, time_t start, int urgent,
    int catchup)
{
	struct reminder	 r;
	int64_t		 id;

	memset(&r, 0, sizeof r);
	r.title = (char *)(uintptr_t)"测试提醒";
	r.body = (char *)(uintptr_t)"本周请完成楼栋巡查。";
	r.area_id = fx->community;
	(void)snprintf(r.kinds, sizeof r.kinds, "building");
	(void)snprintf(r.rrule, sizeof r.rrule, "%s", rule);
	r.dtstart = start;
	r.urgent = urgent;
	r.catchup_seconds = catchup;
	(void)snprintf(r.created_by, sizeof r.created_by, "test");
	r.next_at = remind_next(&r, start - 1);
	assert_true(r.next_at != 0);
	assert_int_equal(reminders_add(fx->s, &r, start, &id), STORE_OK);
	return id;
}

/* One number from the database. */
static long
count(struct fixture *fx, const char *sql)
{
	return (long)teststore_int(fx->s, sql);
}

/* Every Monday at 09:00 for a year, run hour by hour: 52 messages, each
 * on its Monday at 09:00 local, none twice. */
static void
test_year(void **state)
{
	struct fixture		*fx = *state;
	struct remind_stats	 st;
	time_t			 t, end = sh(2027, 1, 1, 0, 0);
	long			 sent = 0;

	add(fx, "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
	    sh(2026, 1, 1, 0, 0), 0, 6 * 3600);
	for (t = sh(2026, 1, 1, 0, 0); t < end; t += 3600) {
		assert_int_equal(remind_run(fx->s, &fx->env, t, &st), 0);
		/* The same instant again: nothing more. */
		assert_int_equal(remind_run(fx->s, &fx->env, t, &st), 0);
		assert_int_equal(st.sent, 0);
	}
	sent = count(fx, "SELECT count(*) FROM reminder_firings WHERE state = "
	    "'sent'");
	assert_int_equal(sent, 52);	/* 2026 has 52 Mondays */
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox"), 52);
	assert_int_equal(count(fx, "SELECT count(*) FROM reminder_firings "
	    "WHERE state = 'sent' AND (due_at + 8 * 3600) % 86400 <> 9 * 3600"),
	    0);
}

/*
 * A lunar reminder stored with ICU's day for its next time (an older
 * fangfei's 2027 Spring Festival, 7 February) moves to the calendar's (6
 * February) and fires there, once; mending again moves nothing. One whose
 * mended day has fired moves on to the year after, and so does one that
 * takes its lunar date from its start, whose stale next time was years on.
 */
static void
test_lunar_mend(void **state)
{
	struct fixture		*fx = *state;
	struct remind_stats	 st;
	struct reminder		 r;
	int64_t			 id, fired, derived;
	char			 sql[160];

	id = add(fx, "FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;BYMONTHDAY=1;"
	    "BYHOUR=9;BYMINUTE=0;BYSECOND=0", sh(2026, 12, 1, 0, 0), 0,
	    6 * 3600);
	fired = add(fx, "FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;BYMONTHDAY=1;"
	    "BYHOUR=9;BYMINUTE=0;BYSECOND=0", sh(2026, 12, 1, 0, 0), 0,
	    6 * 3600);
	/* Every year on the lunar date of its start, the 2027 Spring
	 * Festival, which ICU read as the twelfth month's 30th: after it
	 * fired, an older fangfei's next was that 30th's next, in 2033. */
	derived = add(fx, "FREQ=YEARLY;RSCALE=CHINESE;BYHOUR=9;BYMINUTE=0;"
	    "BYSECOND=0", sh(2027, 2, 6, 9, 0), 0, 6 * 3600);
	assert_int_equal(firings_put(fx->s, derived, sh(2027, 2, 6, 9, 0),
	    FIRING_SENT, 0, 0, 0, sh(2027, 2, 6, 9, 0)), STORE_OK);
	assert_int_equal(reminders_set_next(fx->s, derived, sh(2033, 1, 30, 9,
	    0)), STORE_OK);
	(void)add(fx, "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
	    sh(2026, 12, 1, 0, 0), 0, 6 * 3600);
	assert_int_equal(reminders_get(fx->s, id, 0, &r), STORE_OK);
	assert_int_equal(r.next_at, sh(2027, 2, 6, 9, 0));
	reminder_clear(&r);
	/* As an older fangfei stored them. */
	assert_int_equal(reminders_set_next(fx->s, id, sh(2027, 2, 7, 9, 0)),
	    STORE_OK);
	assert_int_equal(reminders_set_next(fx->s, fired, sh(2027, 2, 7, 9,
	    0)), STORE_OK);
	assert_int_equal(firings_put(fx->s, fired, sh(2027, 2, 6, 9, 0),
	    FIRING_SENT, 0, 0, 0, sh(2026, 12, 1, 0, 0)), STORE_OK);

	assert_int_equal(remind_mend(fx->s), 3);
	assert_int_equal(reminders_get(fx->s, derived, 0, &r), STORE_OK);
	assert_int_equal(r.next_at, sh(2028, 1, 26, 9, 0));
	reminder_clear(&r);
	assert_int_equal(reminders_get(fx->s, id, 0, &r), STORE_OK);
	assert_int_equal(r.next_at, sh(2027, 2, 6, 9, 0));
	reminder_clear(&r);
	assert_int_equal(reminders_get(fx->s, fired, 0, &r), STORE_OK);
	assert_int_equal(r.next_at, sh(2028, 1, 26, 9, 0));
	reminder_clear(&r);
	assert_int_equal(remind_mend(fx->s), 0);

	/* The Chinese calendar's day, at 09:00 there: sent once. */
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2027, 2, 6, 9, 0),
	    &st), 0);
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2027, 2, 7, 9, 0),
	    &st), 0);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM "
	    "reminder_firings WHERE reminder_id = %lld AND state = 'sent'",
	    (long long)id);
	assert_int_equal(count(fx, sql), 1);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM "
	    "reminder_firings WHERE reminder_id = %lld AND due_at = %lld",
	    (long long)id, (long long)sh(2027, 2, 6, 9, 0));
	assert_int_equal(count(fx, sql), 1);
}

/* A daily 23:00 reminder is held to 08:00 the next morning, unless
 * urgent. */
static void
test_quiet(void **state)
{
	struct fixture		*fx = *state;
	struct remind_stats	 st;
	int64_t			 calm, urgent;
	char			 sql[256];

	calm = add(fx, "FREQ=DAILY;BYHOUR=23;BYMINUTE=0;BYSECOND=0",
	    sh(2026, 3, 1, 0, 0), 0, 12 * 3600);
	urgent = add(fx, "FREQ=DAILY;BYHOUR=23;BYMINUTE=0;BYSECOND=0",
	    sh(2026, 3, 1, 0, 0), 1, 12 * 3600);
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2026, 3, 1, 23, 0),
	    &st), 0);
	assert_int_equal(st.held, 1);
	assert_int_equal(st.sent, 1);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM reminder_firings "
	    "WHERE reminder_id = %lld AND state = 'held' AND held_until = %lld",
	    (long long)calm, (long long)sh(2026, 3, 2, 8, 0));
	assert_int_equal(count(fx, sql), 1);
	/* Still held at 07:59; sent at 08:00. */
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2026, 3, 2, 7, 59),
	    &st), 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2026, 3, 2, 8, 0),
	    &st), 0);
	assert_int_equal(st.sent, 1);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM reminder_firings "
	    "WHERE reminder_id IN (%lld, %lld) AND state = 'sent'",
	    (long long)calm, (long long)urgent);
	assert_int_equal(count(fx, sql), 2);
	/* Quiet hours of one's own area: none at all. */
	assert_int_equal(quiet_hours_set(fx->s, fx->community, 0, 0), STORE_OK);
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2026, 3, 2, 23, 0),
	    &st), 0);
	assert_int_equal(st.sent, 2);
}

/* Down for three days: the daily reminder's last occurrence within its
 * catch-up age is sent, the two before are skipped; with a shorter
 * catch-up even the last one is. */
static void
test_catch_up(void **state)
{
	struct fixture		*fx = *state;
	struct remind_stats	 st;
	int64_t			 a, b;
	char			 sql[256];

	a = add(fx, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
	    sh(2026, 5, 1, 0, 0), 0, 6 * 3600);
	b = add(fx, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
	    sh(2026, 5, 1, 0, 0), 0, 3600);
	/* Back at 12:00 on the third day. */
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2026, 5, 3, 12, 0),
	    &st), 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.skipped, 5);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM reminder_firings "
	    "WHERE reminder_id = %lld AND state = 'sent' AND due_at = %lld",
	    (long long)a, (long long)sh(2026, 5, 3, 9, 0));
	assert_int_equal(count(fx, sql), 1);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM reminder_firings "
	    "WHERE reminder_id = %lld AND state = 'skipped'", (long long)b);
	assert_int_equal(count(fx, sql), 3);
	/* Next due on the fourth day, once. */
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2026, 5, 4, 9, 0),
	    &st), 0);
	assert_int_equal(st.sent, 2);
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2026, 5, 4, 9, 30),
	    &st), 0);
	assert_int_equal(st.sent, 0);
}

/* A reminder to the grid workers of an area with more of them than
 * remind.c reads at a time (512; 600 here, a district has more): every
 * one is told, once. */
static void
test_many_staff(void **state)
{
	struct fixture		*fx = *state;
	struct remind_stats	 st;
	struct reminder		 r;
	int64_t			 id;
	char			 sql[1024];

	(void)snprintf(sql, sizeof sql, "WITH RECURSIVE c(x) AS (SELECT 1"
	    " UNION ALL SELECT x + 1 FROM c WHERE x < 600) INSERT INTO staff"
	    " (name, role, area_id, created_at) SELECT '网格员' || x,"
	    " 'grid_worker', %lld, 1 FROM c", (long long)fx->community);
	teststore_exec(fx->s, sql);
	/* One disabled: not told. */
	teststore_exec(fx->s, "UPDATE staff SET active = 0 WHERE name ="
	    " '网格员7'");
	teststore_exec(fx->s, "INSERT INTO identities (channel, user_id,"
	    " staff_id, bound_at, chat_id) SELECT 'tg', 'u' || id, id, 1, 'c'"
	    " || id FROM staff WHERE name LIKE '网格员%'");
	memset(&r, 0, sizeof r);
	r.title = (char *)(uintptr_t)"巡查提醒";
	r.body = (char *)(uintptr_t)"本周请完成楼栋巡查。";
	r.area_id = fx->community;
	(void)snprintf(r.roles, sizeof r.roles, "grid_worker");
	(void)snprintf(r.rrule, sizeof r.rrule,
	    "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0");
	r.dtstart = sh(2026, 3, 2, 0, 0);
	(void)snprintf(r.created_by, sizeof r.created_by, "test");
	r.next_at = remind_next(&r, r.dtstart - 1);
	assert_int_equal(reminders_add(fx->s, &r, r.dtstart, &id), STORE_OK);
	assert_int_equal(remind_run(fx->s, &fx->env, sh(2026, 3, 2, 9, 0),
	    &st), 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox o JOIN groups"
	    " g ON g.id = o.group_id WHERE g.kind = 'private' AND o.body ="
	    " '本周请完成楼栋巡查。'"), 599);
	assert_int_equal(count(fx, "SELECT count(DISTINCT o.group_id) FROM"
	    " outbox o JOIN groups g ON g.id = o.group_id WHERE g.chat_id ="
	    " 'c' || (SELECT id FROM staff WHERE name = '网格员600')"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox o JOIN groups"
	    " g ON g.id = o.group_id WHERE g.chat_id = 'c' || (SELECT id FROM"
	    " staff WHERE name = '网格员7')"), 0);
}

/* One instance's turn of the scheduler, on a thread of its own. */
struct instance {
	pthread_t		 thread;
	struct store		*s;
	const struct handler_env *env;
	time_t			 now;
	struct remind_stats	 st;
	int			 rc;
};

static void *
instance_run(void *arg)
{
	struct instance	*in = arg;

	in->rc = remind_run(in->s, in->env, in->now, &in->st);
	return NULL;
}

/*
 * Two instances on one database: the firing row's key gives an occurrence
 * to one of them only, and the two running the same instant at once queue
 * each reminder's broadcast once between them.
 */
static void
test_two_instances(void **state)
{
	struct fixture		*fx = *state;
	struct instance		 in[2];
	struct store		*other;
	char			*cause = NULL;
	int64_t			 first = 0, id;
	time_t			 t = sh(2026, 7, 6, 9, 0);
	int			 i, claimed;

	for (i = 0; i < 8; i++) {
		id = add(fx, "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
		    sh(2026, 7, 1, 0, 0), 0, 6 * 3600);
		if (first == 0)
			first = id;
	}
	other = store_open(fx->loc, key, 0, &cause);
	if (other == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(other);

	/* The claim itself: the first connection's, never the second's. */
	assert_int_equal(firings_claim(fx->s, first, t - 3 * 86400, t,
	    &claimed), STORE_OK);
	assert_int_equal(claimed, 1);
	assert_int_equal(firings_claim(other, first, t - 3 * 86400, t,
	    &claimed), STORE_OK);
	assert_int_equal(claimed, 0);

	/* Both at 09:00 on the sixth, at the same time. */
	memset(in, 0, sizeof in);
	in[0].s = fx->s;
	in[1].s = other;
	for (i = 0; i < 2; i++) {
		in[i].env = &fx->env;
		in[i].now = t;
		assert_int_equal(pthread_create(&in[i].thread, NULL,
		    instance_run, &in[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(in[i].thread, NULL), 0);
	assert_int_equal(in[0].rc, 0);
	assert_int_equal(in[1].rc, 0);
	assert_int_equal(in[0].st.sent + in[1].st.sent, 8);
	assert_int_equal(count(fx, "SELECT count(*) FROM broadcasts"), 8);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox"), 8);
	assert_int_equal(count(fx, "SELECT count(*) FROM reminder_firings "
	    "WHERE state = 'sent' AND broadcast_id IS NOT NULL"), 8);

	/* The same instant again on either: nothing more. */
	assert_int_equal(remind_run(other, &fx->env, t, &in[1].st), 0);
	assert_int_equal(in[1].st.sent, 0);
	assert_int_equal(remind_run(fx->s, &fx->env, t, &in[0].st), 0);
	assert_int_equal(in[0].st.sent, 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM broadcasts"), 8);
	store_close(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_year, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lunar_mend, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_catch_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_staff, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_instances, setup,
		    teardown),
	};

	(void)setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("remind", tests, NULL, NULL);
}

/*
 * End-to-end, two daemons on one PostgreSQL database (tests/run.sh runs
 * it in its PostgreSQL pass only, FANGFEI_TEST_PG naming the throwaway
 * server): a broadcast to 2,000 robots survives one daemon killed with
 * SIGKILL half-way, the other taking over its claims once their lease
 * runs out; a reminder due while both run is fired by one of them only.
 * (A tip made through one daemon and followed through the other is
 * e2e_pg's test_two_daemons.)
 *
 * Every wait polls a condition with a deadline that only guards against
 * a hang; nothing asserts on how long a step took.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "e2e.h"
#include "fakeplat.h"

#define TWO_WAIT_MS	20000	/* longest wait for a step without a lease */
#define TWO_LEASE_MS	90000	/* longest wait across a lease running out */
#define TWO_GROUPS	2000	/* robots of the broadcast */
#define TWO_INFLIGHT	16	/* [delivery] max_inflight of each daemon */
#define TWO_KILL_AT	500	/* sends received when A is killed */
#define TWO_REMIND	40	/* robots the reminder reaches */
#define TWO_TURN_GROUPS	300	/* robots of test_turn_aborted */
#define TWO_TURN_WAIT_MS 12000	/* its wait: shorter than the lease */
#define AREA_TOP	"张店区"
#define AREA_BUILDING	"张店区/车站街道/华光路社区/第3网格/12号楼"

static const char TEXT[] = "【预警】示例·鑫源财富涉嫌非法集资，请勿投资！";

/* The two daemons and their API clients, stopped and removed by the
 * teardown even when an assertion ends a test early. */
struct twoinst {
	struct daemon	 d;
	struct e2e_api	 api;		/* kept alive between API calls */
};

static struct twoinst	 ta, tb;
static struct fakeplat	*fp;
static char		 auth[320];

/* POSTs a JSON body (consumed) to the API (path below /api/v1) of one
 * daemon; returns the parsed answer, *status the HTTP status. */
static json_t *
two_post(struct twoinst *t, const char *path, json_t *in, long *status)
{
	json_t	*out = e2e_api(&t->api, &t->d, "POST", path, in, status);

	if (out == NULL)
		fail_msg("POST %s: no JSON answer", path);
	return out;
}

/* Registers a wecom robot of kind building whose webhook is the fake's
 * path. */
static void
two_robot(struct twoinst *t, const char *name, const char *path)
{
	char	 hook[512];
	json_t	*out;
	long	 status;

	(void)snprintf(hook, sizeof hook, "%s%s", fakeplat_base(fp), path);
	out = two_post(t, "/groups", json_pack("{s:s, s:s, s:s, s:s, s:s}",
	    "name", name, "area", AREA_BUILDING, "kind", "building", "robot",
	    "wecom", "webhook", hook), &status);
	if (status != 201)
		fail_msg("POST /groups %s: %ld %s", name, status,
		    json_string_value(json_object_get(out, "message")));
	json_decref(out);
}

/* The notice to the building robots of the district, through t's API,
 * reaching groups of them; its broadcast id. */
static long long
two_broadcast(struct twoinst *t, long groups)
{
	json_t		*out;
	long long	 id;
	long		 status;

	out = two_post(t, "/broadcasts", json_pack("{s:s, s:[s], s:s}",
	    "area", AREA_TOP, "kinds", "building", "text", TEXT), &status);
	if (status != 201)
		fail_msg("POST /broadcasts: %ld %s", status,
		    json_string_value(json_object_get(out, "message")));
	id = json_integer_value(json_object_get(out, "id"));
	assert_true(id > 0);
	assert_int_equal(json_integer_value(json_object_get(out, "groups")),
	    groups);
	json_decref(out);
	return id;
}

/* The number in ".../send?key=<prefix>NNNN" below max, or -1. */
static int
two_key(const char *path, const char *prefix, int max)
{
	const char	*k = strstr(path, "key=");
	char		*end;
	long		 v;
	size_t		 n = strlen(prefix);

	if (k == NULL || strncmp(k + 4, prefix, n) != 0)
		return -1;
	v = strtol(k + 4 + n, &end, 10);
	if (*end != '\0' || v < 0 || v >= max)
		return -1;
	return (int)v;
}

/* A token of the whole district, made with the CLI on the shared
 * database: it opens the API of either daemon. */
static void
two_token(const struct daemon *d)
{
	static const char *const args[] = { "token", "create", "--role",
	    "office", "--area", AREA_TOP, NULL };
	char	 out[256];

	if (e2e_cli(d, args, out, sizeof out) != 0)
		fail_msg("token create: %s", out);
	out[strcspn(out, "\r\n")] = '\0';
	assert_true(strlen(out) >= 16);
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", out);
}

static void
two_client(struct twoinst *t)
{
	e2e_api_open(&t->api, auth);
}

/*
 * Daemon A on a new schema, daemon B on the same one with A's key file,
 * both with the same [delivery]: a send times out after 2 s, so a claim's
 * lease (send timeout + 15 s) runs out 17 s after it was taken.
 */
static int
setup(void **state)
{
	char	 conf[512], key[600], cmd[1400];

	(void)state;
	fakeplat_reset(fp);
	(void)snprintf(conf, sizeof conf, "[server]\nlog_level = %s\n"
	    "[delivery]\ntimeout_seconds = 2\nmax_inflight = %d\n"
	    "rate_limits = off\nretry_base_seconds = 1\nallow_http = on\n"
	    "allow_private_targets = on\n",
	    getenv("E2E_VERBOSE") ? "info" : "error", TWO_INFLIGHT);
	e2e_prepare_on(&ta.d, conf, E2E_ENGINE_ENV, NULL, 0);
	if (ta.d.db_url == NULL)
		return -1;
	e2e_prepare_on(&tb.d, conf, E2E_ENGINE_URL, ta.d.db_url, 0);
	(void)snprintf(key, sizeof key, "%s/fangfei.key", ta.d.dir);
	(void)snprintf(cmd, sizeof cmd, "cp -p '%s' '%s/fangfei.key'", key,
	    tb.d.dir);
	if (system(cmd) != 0)
		return -1;
	two_token(&ta.d);
	e2e_start(&ta.d);
	e2e_start(&tb.d);
	two_client(&ta);
	two_client(&tb);
	return 0;
}

static void
two_close(struct twoinst *t)
{
	e2e_api_close(&t->api);
	if (t->d.dir != NULL)
		e2e_cleanup(&t->d);
}

static int
teardown(void **state)
{
	(void)state;
	fakeplat_hold(fp, 0);
	fakeplat_release(fp);
	two_close(&tb);
	two_close(&ta);
	(void)unsetenv("FANGFEI_NOW");
	return 0;
}

/* Outbox rows of the broadcast in state (NULL: in any other state than
 * 'sent'). */
static long
two_rows(long long id, const char *state)
{
	char	 sql[256];

	if (state == NULL)
		(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox "
		    "WHERE broadcast_id = %lld AND state <> 'sent'", id);
	else
		(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox "
		    "WHERE broadcast_id = %lld AND state = '%s'", id, state);
	return e2e_sql_long(&tb.d, sql);
}

/*
 * A broadcast to 2,000 robots made through A; A is killed with SIGKILL
 * when the platform has received 500 sends. B sends the rest, and once
 * the lease of A's claims runs out, what A had claimed: every robot gets
 * the notice, and only those A had in flight (at most its max_inflight)
 * may get it twice.
 */
static void
test_kill_mid_broadcast(void **state)
{
	static int		 seen[TWO_GROUPS];
	struct fakeplat_record	*r;
	size_t			 n, i, atkill, held, dups = 0;
	long long		 id;
	long			 left;
	int64_t			 t0;
	int			 k;
	char			 name[32], path[64];

	(void)state;
	memset(seen, 0, sizeof seen);
	for (k = 0; k < TWO_GROUPS; k++) {
		(void)snprintf(name, sizeof name, "k-g%04d", k);
		(void)snprintf(path, sizeof path, "/k/send?key=g%04d", k);
		two_robot(k % 2 ? &tb : &ta, name, path);
	}

	/*
	 * The platform holds every send until the loop below answers them,
	 * a few milliseconds later: a slow platform, so that the kill lands
	 * with sends of A in flight.
	 */
	fakeplat_hold(fp, 1);
	id = two_broadcast(&ta, TWO_GROUPS);
	for (t0 = e2e_wall_ms(); fakeplat_count(fp, "/k/") < TWO_KILL_AT;) {
		if (e2e_wall_ms() - t0 > TWO_WAIT_MS)
			fail_msg("the platform received %zu sends in %d ms, "
			    "want %d", fakeplat_count(fp, "/k/"), TWO_WAIT_MS,
			    TWO_KILL_AT);
		fakeplat_release(fp);
		e2e_sleep_ms(3);
	}
	assert_int_equal(e2e_stop(&ta.d, SIGKILL), 128 + SIGKILL);
	/* A sends nothing more: what it sent is among these. */
	atkill = fakeplat_count(fp, "/k/");
	held = fakeplat_held(fp);
	fakeplat_hold(fp, 0);
	fakeplat_release(fp);

	for (t0 = e2e_wall_ms(); (left = two_rows(id, NULL)) != 0;
	    e2e_sleep_ms(100)) {
		if (left < 0)
			fail_msg("the outbox cannot be read");
		if (two_rows(id, "dead") > 0 || two_rows(id, "failed") > 0)
			fail_msg("broadcast %lld: %ld dead, %ld failed rows",
			    id, two_rows(id, "dead"), two_rows(id, "failed"));
		if (e2e_wall_ms() - t0 > TWO_LEASE_MS)
			fail_msg("broadcast %lld: %ld of %d rows still not "
			    "sent (%ld pending, %ld sending) %d ms after the "
			    "kill",
			    id, left, TWO_GROUPS, two_rows(id, "pending"),
			    two_rows(id, "sending"), TWO_LEASE_MS);
	}
	assert_int_equal(two_rows(id, "sent"), TWO_GROUPS);

	r = fakeplat_records(fp, "/k/", &n);
	for (i = 0; i < n; i++) {
		if ((k = two_key(r[i].path, "g", TWO_GROUPS)) == -1)
			fail_msg("unexpected request %s", r[i].path);
		if (strstr(r[i].body, "鑫源财富") == NULL)
			fail_msg("g%04d: the notice is not in %.200s", k,
			    r[i].body);
		/* A second copy repeats one of A's sends, all made before
		 * the kill: it is B's, after it. */
		if (++seen[k] == 2 && i < atkill)
			fail_msg("g%04d: its second copy came before the kill",
			    k);
	}
	fakeplat_free(r, n);
	for (k = 0; k < TWO_GROUPS; k++) {
		if (seen[k] < 1)
			fail_msg("g%04d never received the notice", k);
		if (seen[k] > 2)
			fail_msg("g%04d received it %d times", k, seen[k]);
		if (seen[k] == 2)
			dups++;
	}
	fprintf(stderr, "e2e_twoinst: %zu sends received for %d robots, %zu "
	    "twice (%zu received at the kill, %zu held unanswered)\n", n,
	    TWO_GROUPS, dups, atkill, held);
	assert_int_equal(n, TWO_GROUPS + dups);
	if (dups > TWO_INFLIGHT)
		fail_msg("%zu robots received the notice twice; A had at most "
		    "%d sends in flight", dups, TWO_INFLIGHT);
	assert_int_equal(e2e_stop(&tb.d, SIGTERM), 0);
}

/*
 * A delivery turn whose transaction aborts (on PostgreSQL any failed
 * statement does: here a trigger refuses one claim, once, when 50 rows
 * are sent) keeps the answers it had taken: they are written again, so
 * those rows are not sent a second time when their lease runs out.
 * Every robot receives the notice exactly once.
 */
static void
test_turn_aborted(void **state)
{
	static int		 seen[TWO_TURN_GROUPS];
	struct fakeplat_record	*r;
	size_t			 n, i;
	long long		 id;
	int64_t			 t0;
	int			 k;
	char			 name[32], path[64];

	(void)state;
	assert_int_equal(e2e_stop(&tb.d, SIGTERM), 0);
	memset(seen, 0, sizeof seen);
	for (k = 0; k < TWO_TURN_GROUPS; k++) {
		(void)snprintf(name, sizeof name, "t-g%04d", k);
		(void)snprintf(path, sizeof path, "/t/send?key=g%04d", k);
		two_robot(&ta, name, path);
	}
	assert_int_equal(e2e_sql_long(&ta.d, "CREATE SEQUENCE poison_seq;"
	    " CREATE FUNCTION poison_claim() RETURNS trigger"
	    " LANGUAGE plpgsql AS $$ BEGIN"
	    " IF NEW.state = 'sending' AND OLD.state = 'pending' THEN"
	    " IF (SELECT count(*) FROM outbox WHERE state = 'sent') >= 50 THEN"
	    " IF nextval('poison_seq') = 1 THEN"
	    " RAISE EXCEPTION 'refused once'; END IF; END IF; END IF;"
	    " RETURN NEW; END $$;"
	    " CREATE TRIGGER poison BEFORE UPDATE ON outbox FOR EACH ROW"
	    " EXECUTE FUNCTION poison_claim(); SELECT 1"), 1);

	id = two_broadcast(&ta, TWO_TURN_GROUPS);
	/* Well inside the lease (17 s): rows whose answers were lost would
	 * still be 'sending'. */
	for (t0 = e2e_wall_ms(); two_rows(id, NULL) != 0; e2e_sleep_ms(50))
		if (e2e_wall_ms() - t0 > TWO_TURN_WAIT_MS)
			fail_msg("broadcast %lld: %ld rows not sent (%ld "
			    "sending) after %d ms", id, two_rows(id, NULL),
			    two_rows(id, "sending"), TWO_TURN_WAIT_MS);
	assert_int_equal(two_rows(id, "sent"), TWO_TURN_GROUPS);
	/* The trigger did refuse a claim: a turn was aborted. */
	assert_true(e2e_sql_long(&ta.d, "SELECT last_value FROM poison_seq")
	    >= 1);
	assert_int_equal(e2e_sql_long(&ta.d, "SELECT is_called::int FROM"
	    " poison_seq"), 1);
	r = fakeplat_records(fp, "/t/", &n);
	for (i = 0; i < n; i++) {
		if ((k = two_key(r[i].path, "g", TWO_TURN_GROUPS)) == -1)
			fail_msg("unexpected request %s", r[i].path);
		if (++seen[k] > 1)
			fail_msg("g%04d received the notice twice", k);
	}
	fakeplat_free(r, n);
	assert_int_equal(n, TWO_TURN_GROUPS);
	(void)e2e_sql_long(&ta.d, "DROP TRIGGER poison ON outbox; SELECT 1");
	assert_int_equal(e2e_stop(&ta.d, SIGTERM), 0);
}

/*
 * A daily 09:00 reminder to the building robots of 车站街道, added at
 * 08:59:55 (FANGFEI_NOW); both daemons start again at that time, so
 * both wake for it at 09:00: it has one firing and each robot receives
 * it once. (A reminder added with the CLI is seen by a running daemon at
 * its next look, up to a minute later; started after it, each daemon
 * waits for its time.)
 */
static void
test_reminder_once(void **state)
{
	static const char *const add[] = { "reminder", "add", "--area",
	    "车站街道", "--kinds", "building", "--rrule",
	    "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0", "--title", "晨报",
	    "晨间提醒：请查看今日线索。", NULL };
	static int		 seen[TWO_REMIND];
	struct fakeplat_record	*r;
	size_t			 n, i;
	int64_t			 t0;
	long			 due;
	int			 k;
	char			 name[32], path[64], out[512];

	(void)state;
	memset(seen, 0, sizeof seen);
	for (k = 0; k < TWO_REMIND; k++) {
		(void)snprintf(name, sizeof name, "r-g%02d", k);
		(void)snprintf(path, sizeof path, "/r/send?key=r%02d", k);
		two_robot(k % 2 ? &tb : &ta, name, path);
	}
	assert_int_equal(e2e_stop(&ta.d, SIGTERM), 0);
	assert_int_equal(e2e_stop(&tb.d, SIGTERM), 0);
	(void)setenv("FANGFEI_NOW", "2026-06-15T08:59:55+08:00", 1);
	assert_int_equal(e2e_cli(&ta.d, add, out, sizeof out), 0);
	assert_non_null(strstr(out, "2026-06-15 09:00"));
	due = e2e_sql_long(&ta.d, "SELECT next_at FROM reminders");
	assert_true(due > 0);
	e2e_start(&ta.d);
	e2e_start(&tb.d);

	/* Wait for every robot's copy and its row sent. */
	for (t0 = e2e_wall_ms(); fakeplat_count(fp, "/r/") < TWO_REMIND ||
	    e2e_sql_long(&ta.d, "SELECT count(*) FROM outbox WHERE state <> "
	    "'sent'") != 0; e2e_sleep_ms(50))
		if (e2e_wall_ms() - t0 > TWO_WAIT_MS + 10000)
			fail_msg("the reminder reached %zu of %d robots",
			    fakeplat_count(fp, "/r/"), TWO_REMIND);
	/*
	 * Both stopped, nothing more can be sent: the counts are final. The
	 * reminder's next time moved past 09:00, so neither daemon would
	 * have looked at this occurrence again.
	 */
	assert_int_equal(e2e_stop(&ta.d, SIGTERM), 0);
	assert_int_equal(e2e_stop(&tb.d, SIGTERM), 0);
	assert_true(e2e_sql_long(&ta.d, "SELECT next_at FROM reminders") >
	    due);
	assert_int_equal(e2e_sql_long(&ta.d, "SELECT count(*) FROM "
	    "reminder_firings"), 1);
	assert_int_equal(e2e_sql_long(&ta.d, "SELECT count(*) FROM "
	    "reminder_firings WHERE state = 'sent'"), 1);
	assert_int_equal(e2e_sql_long(&ta.d, "SELECT count(*) FROM outbox"),
	    TWO_REMIND);
	r = fakeplat_records(fp, "/r/", &n);
	for (i = 0; i < n; i++) {
		if ((k = two_key(r[i].path, "r", TWO_REMIND)) == -1)
			fail_msg("unexpected request %s", r[i].path);
		if (strstr(r[i].body, "晨间提醒") == NULL)
			fail_msg("r%02d: the reminder is not in %.200s", k,
			    r[i].body);
		seen[k]++;
	}
	fakeplat_free(r, n);
	for (k = 0; k < TWO_REMIND; k++)
		if (seen[k] != 1)
			fail_msg("r%02d received the reminder %d times", k,
			    seen[k]);
	assert_int_equal(n, TWO_REMIND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill_mid_broadcast, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reminder_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_turn_aborted, setup,
		    teardown),
	};
	const char	*pg = getenv("FANGFEI_TEST_PG");
	int		 rc;

	if (pg == NULL || *pg == '\0') {
		fprintf(stderr, "e2e_twoinst: FANGFEI_TEST_PG is not set: "
		    "these tests need a PostgreSQL database (tests/run.sh "
		    "starts one with scripts/pgtest.sh)\n");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	if ((fp = fakeplat_start()) == NULL) {
		fprintf(stderr, "e2e_twoinst: cannot start the fake "
		    "platform\n");
		return 1;
	}
	rc = cmocka_run_group_tests_name("e2e_twoinst", tests, NULL, NULL);
	fakeplat_stop(fp);
	curl_global_cleanup();
	return rc;
}

/*
 * Unit tests of the letter page's fast path: a batch of visits keeps the
 * repeat flags and address hashes of visits recorded one by one; the
 * queue, written to by several threads with a store each, loses none;
 * the kept top of a letter's page is dropped when the letter changes.
 */
#include "teststore.h"

#include <pthread.h>

#include "bot/scanq.h"
#include "bot/webcache.h"
#include "messages/buf.h"
#include "storage/areas.h"
#include "storage/letters.h"

#define T0		1780000000	/* the tests' "now" */
#define THREADS		4
#define PER_THREAD	300

static const uint8_t key[STORE_KEY_LEN] = { 1, 2, 3 };

struct fixture {
	char		*dir;
	char		 loc[512];	/* the database, for the writers */
	struct store	*s;
	int64_t		 code;		/* a letter code's id */
};

/* One writer thread: its own store, PER_THREAD visits by its device. */
struct writer {
	struct fixture	*fx;
	struct scanq	*q;
	int		 n;		/* which thread */
	int		 failed;
};

/* A letter with one code. */
static int
setup(void **state)
{
	struct fixture		*fx = calloc(1, sizeof *fx);
	struct letter_code	 lc;
	int64_t			 area, letter;

	fx->s = teststore_open(key, &fx->dir);
	(void)snprintf(fx->loc, sizeof fx->loc, "%s", teststore_last);
	assert_int_equal(areas_find(fx->s, "华光路社区", &area), STORE_OK);
	assert_int_equal(letters_add(fx->s, "公开信", "正文", "处非办",
	    "2026-06-15", area, T0, &letter), STORE_OK);
	assert_int_equal(letters_share_code(fx->s, letter, area, T0, &lc),
	    STORE_OK);
	fx->code = lc.id;
	*state = fx;
	return 0;
}

/* Closes and removes the database. */
static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/* The first column of the first row of sql, either engine. */
static long
count_sql(struct fixture *fx, const char *sql)
{
	return (long)teststore_int(fx->s, sql);
}

/* Fills a visit of the fixture's code. */
static void
visit(struct fixture *fx, struct scan_visit *v, const char *device,
    const char *day, const char *addr)
{
	memset(v, 0, sizeof *v);
	v->code_id = fx->code;
	v->at = T0;
	v->client = SCAN_WECHAT;
	(void)snprintf(v->device, sizeof v->device, "%s", device);
	(void)snprintf(v->day, sizeof v->day, "%s", day);
	(void)snprintf(v->addr, sizeof v->addr, "%s", addr);
}

/* In one batch: repeats in order, one hash per address and day, no hash
 * without an address, and never the address itself. */
static void
test_batch(void **state)
{
	struct fixture		*fx = *state;
	struct scan_visit	 v[4];

	visit(fx, &v[0], "aaaaaaaaaaaaaaaa", "20260615", "192.0.2.1");
	visit(fx, &v[1], "aaaaaaaaaaaaaaaa", "20260615", "192.0.2.1");
	visit(fx, &v[2], "bbbbbbbbbbbbbbbb", "20260615", "");
	visit(fx, &v[3], "aaaaaaaaaaaaaaaa", "20260615", "192.0.2.2");
	assert_int_equal(letters_scan_batch(fx->s, v, 4), STORE_OK);
	assert_int_equal(count_sql(fx, "SELECT count(*) FROM scans"), 4);
	/* The repeat flags in order, as digits: 0101. */
	assert_int_equal(count_sql(fx, teststore_pg() ?
	    "SELECT string_agg(CAST(repeat AS text), '' ORDER BY id) FROM scans" :
	    "SELECT group_concat(repeat, '') FROM "
	    "(SELECT repeat FROM scans ORDER BY id)"), 101);
	assert_int_equal(count_sql(fx, "SELECT count(*) FROM scans WHERE "
	    "ip_hash IS NULL"), 1);
	assert_int_equal(count_sql(fx, "SELECT count(DISTINCT ip_hash) FROM "
	    "scans WHERE length(ip_hash) = 16"), 2);
	assert_int_equal(count_sql(fx, teststore_pg() ?
	    "SELECT count(*) FROM scans WHERE position(CAST('192.0.2' AS bytea)"
	    " IN ip_hash) > 0 OR strpos(device, '192') > 0" :
	    "SELECT count(*) FROM scans WHERE "
	    "instr(ip_hash, '192.0.2') > 0 OR instr(device, '192') > 0"), 0);
	assert_int_equal(count_sql(fx, "SELECT count(*) FROM scan_salts WHERE "
	    "day = '20260615'"), 1);
}

/* Thread body: PER_THREAD visits through the queue. */
static void *
writer_run(void *arg)
{
	struct writer		*w = arg;
	struct scan_visit	 v;
	struct store		*s;
	char			 device[17], *cause = NULL;
	int			 i;

	if ((s = store_open(w->fx->loc, key, 0, &cause)) == NULL) {
		w->failed = 1;
		free(cause);
		return NULL;
	}
	(void)snprintf(device, sizeof device, "%016d", w->n);
	for (i = 0; i < PER_THREAD; i++) {
		visit(w->fx, &v, device, "20260615", "198.51.100.7");
		scanq_add(w->q, s, &v);
	}
	store_close(s);
	return NULL;
}

/* Several threads, a store each, one queue: every visit is recorded, and
 * each device's first visit alone is not a repeat. */
static void
test_queue_threads(void **state)
{
	struct fixture	*fx = *state;
	struct writer	 w[THREADS];
	pthread_t	 th[THREADS];
	struct scanq	*q = scanq_new();
	int		 i;

	for (i = 0; i < THREADS; i++) {
		w[i].fx = fx;
		w[i].q = q;
		w[i].n = i;
		w[i].failed = 0;
		assert_int_equal(pthread_create(&th[i], NULL, writer_run, &w[i]),
		    0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_false(w[i].failed);
	}
	/* What the last writer left is written by the flush, as at stop. */
	scanq_flush(q, fx->s);
	scanq_free(q);
	assert_int_equal(count_sql(fx, "SELECT count(*) FROM scans"),
	    THREADS * PER_THREAD);
	assert_int_equal(count_sql(fx, "SELECT count(*) FROM scans WHERE "
	    "repeat = 0"), THREADS);
	assert_int_equal(count_sql(fx, "SELECT count(DISTINCT ip_hash) FROM "
	    "scans"), 1);
}

/* The kept top: absent, kept, then gone once the letter changes or
 * another letter takes its slot. */
static void
test_page_cache(void **state)
{
	struct webcache	*c = webcache_new();
	struct letter	 l = { 7, "标题", "正文", "处非办", "2026-06-15", 1 };
	struct buf	 b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(webcache_get(c, &l, &b), -1);
	assert_int_equal(b.len, 0);
	webcache_put(c, &l, "<h1>标题</h1>", strlen("<h1>标题</h1>"));
	(void)buf_adds(&b, "x");
	assert_int_equal(webcache_get(c, &l, &b), 0);
	assert_string_equal(b.data, "x<h1>标题</h1>");
	buf_reset(&b);
	l.body = "改过的正文";
	assert_int_equal(webcache_get(c, &l, &b), -1);
	l.body = "正文";
	l.issued_on = "2026-06-16";
	assert_int_equal(webcache_get(c, &l, &b), -1);
	l.issued_on = "2026-06-15";
	assert_int_equal(webcache_get(c, &l, &b), 0);
	buf_reset(&b);
	l.id = 7 + WEBCACHE_LETTERS;
	assert_int_equal(webcache_get(c, &l, &b), -1);
	webcache_put(c, &l, "other", 5);
	l.id = 7;
	assert_int_equal(webcache_get(c, &l, &b), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	webcache_free(c);
	webcache_free(NULL);
	scanq_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_threads, setup,
		    teardown),
		cmocka_unit_test(test_page_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

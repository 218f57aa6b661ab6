/*
 * The checkpointer (storage/checkpoint.c): while it runs, commits on the
 * daemon's connections leave the write-ahead log to its thread, which
 * copies the log into the database file; stopped, or on another file, a
 * commit past 1000 pages checkpoints itself as SQLite's own would. Every
 * row written is there after a reopening.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "storage/checkpoint.h"
#include "storage/store.h"
#include "storage/store_int.h"

#define ROW_BYTES	16000	/* about 4 pages a row */

static const uint8_t key[STORE_KEY_LEN] = "checkpoint-test-key-0123456789a";

static off_t
file_size(const char *path)
{
	struct stat	 sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* A fresh database (migrated) at dir/name, and a table for bulk rows. */
static void
make_db(const char *dir, const char *name, char *path, size_t size)
{
	struct store	*s;
	char		*cause = NULL;

	(void)snprintf(path, size, "%s/%s", dir, name);
	s = store_open(path, key, STORE_MIGRATE, &cause);
	if (s == NULL)
		fail_msg("store_open: %s", cause);
	assert_int_equal(sqlite3_exec(s->db, "CREATE TABLE bulk (x BLOB)",
	    NULL, NULL, NULL), SQLITE_OK);
	store_close(s);
}

/* Commits n rows of ROW_BYTES, one a transaction, through s. */
static void
write_rows(struct store *s, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		assert_int_equal(sqlite3_exec(s->db, "INSERT INTO bulk VALUES"
		    " (randomblob(16000))", NULL, NULL, NULL), SQLITE_OK);
}

/* Waits up to 10 s for the thread's count to pass before. */
static int
wait_thread_run(uint64_t before)
{
	struct checkpoint_stats	 st;
	int			 i;

	for (i = 0; i < 1000; i++) {
		checkpoint_stats(&st);
		if (st.thread > before)
			return 1;
		usleep(10000);
	}
	return 0;
}

static long
count_rows(const char *path)
{
	struct store	*s;
	sqlite3_stmt	*st;
	char		*cause = NULL;
	long		 n = -1;

	assert_non_null(s = store_open(path, key, 0, &cause));
	assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT count(*) FROM bulk",
	    -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	store_close(s);
	return n;
}

static void
test_thread_copies_log(void **state)
{
	struct checkpoint_stats	 a, b;
	struct store		*s;
	char			*dir = testutil_tmpdir(), path[256];
	char			*cause = NULL;
	off_t			 before;

	(void)state;
	make_db(dir, "t.db", path, sizeof path);
	assert_int_equal(checkpointer_start(path, &cause), 0);
	/* One thread per process. */
	assert_int_equal(checkpointer_start(path, &cause), -1);
	assert_non_null(strstr(cause, "already running"));
	free(cause);
	cause = NULL;

	assert_non_null(s = store_open(path, key, 0, &cause));
	checkpoint_stats(&a);
	before = file_size(path);
	/* 300 rows: about 1200 pages of log, past 1000, short of 8000. */
	write_rows(s, 300);
	assert_true(wait_thread_run(a.thread));
	checkpoint_stats(&b);
	/* No commit checkpointed: the thread did, and the file grew by
	 * what it copied (the log alone holds the rows until then): the
	 * first 1000 pages at least, some 170 rows (each commit also logs
	 * the table's leaf again). */
	assert_int_equal(b.inline_, a.inline_);
	assert_int_equal(b.failed, a.failed);
	assert_true(b.seconds >= a.seconds);
	assert_true(file_size(path) >= before + 100L * ROW_BYTES);
	assert_true(b.log_pages > 0);

	/* Stopped: a commit past the mark checkpoints in place. */
	checkpointer_stop();
	checkpointer_stop();	/* twice: nothing */
	checkpoint_stats(&a);
	write_rows(s, 300);
	checkpoint_stats(&b);
	assert_true(b.inline_ > a.inline_);
	assert_int_equal(b.thread, a.thread);
	store_close(s);
	assert_int_equal(count_rows(path), 600);
	testutil_rmdir(dir);
}

/* A connection to another file keeps SQLite's own checkpoints, and a
 * PostgreSQL URL needs no thread. */
static void
test_other_file(void **state)
{
	struct checkpoint_stats	 a, b;
	struct store		*s;
	char			*dir = testutil_tmpdir(), one[256], two[256];
	char			*cause = NULL;
	off_t			 before;
	time_t			 started;

	(void)state;
	assert_int_equal(checkpointer_start("postgresql://nowhere/x", &cause),
	    0);
	checkpointer_stop();
	make_db(dir, "one.db", one, sizeof one);
	make_db(dir, "two.db", two, sizeof two);
	started = time(NULL);
	assert_int_equal(checkpointer_start(one, &cause), 0);
	assert_non_null(s = store_open(two, key, 0, &cause));
	checkpoint_stats(&a);
	before = file_size(two);
	write_rows(s, 300);
	checkpoint_stats(&b);
	/* SQLite's own checkpoint ran in a commit: not counted, no hook.
	 * The thread only looks at one.db once each CHECKPOINT_IDLE_S (30)
	 * seconds, which a starved run under memcheck can take. */
	assert_true(b.thread - a.thread <=
	    (uint64_t)((time(NULL) - started) / 30));
	assert_int_equal(b.inline_, a.inline_);
	assert_true(file_size(two) >= before + 100L * ROW_BYTES);
	store_close(s);
	checkpointer_stop();
	assert_int_equal(count_rows(two), 300);
	testutil_rmdir(dir);
}

/* A missing file: a clear error, nothing started. */
static void
test_missing_file(void **state)
{
	char	*cause = NULL;

	(void)state;
	assert_int_equal(checkpointer_start("/nonexistent/dir/x.db", &cause),
	    -1);
	assert_non_null(strstr(cause, "/nonexistent/dir/x.db"));
	free(cause);
	checkpointer_stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_copies_log),
		cmocka_unit_test(test_other_file),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

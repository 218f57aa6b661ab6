/*
 * Unit tests of storage/locks.c: two stores on one database contend for
 * an owner lock and exactly one gets it; the other gets it once the owner
 * lets go, closes its store or dies; a periodic job runs on one store at
 * a time; on PostgreSQL a lock lost with its connection is seen as lost,
 * and the connection is made again (statements and all) for the next
 * statement and for store_ping(); platform tokens are fetched by one
 * instance and reused by the others.
 */
#include <sys/wait.h>

#include <poll.h>

#include <signal.h>

#include "teststore.h"

#include "storage/areas.h"
#include "storage/locks.h"

static const uint8_t key[STORE_KEY_LEN] = { 7, 1, 5 };

#define LOCKS_POLL_MAX	3000	/* tries, 10 ms apart, for a dead owner */

struct fixture {
	char		*dir;
	char		 loc[512];
	char		 name[64];	/* a lock name no other test run uses */
	struct store	*a, *b;
};

/* Opens a second store on the database of the first. */
static struct store *
open_again(const char *loc)
{
	struct store	*s;
	char		*cause = NULL;

	if ((s = store_open(loc, key, 0, &cause)) == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(s);
	return s;
}

/* Two stores on one fresh database. */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);
	char		*cause = NULL;

	assert_non_null(fx);
	fx->dir = testutil_tmpdir();
	teststore_location(fx->dir, fx->loc, sizeof fx->loc);
	fx->a = store_open(fx->loc, key, STORE_MIGRATE, &cause);
	if (fx->a == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(fx->a);
	assert_int_equal(teststore_demo(fx->a, IMPORT_AREAS, "areas.csv"),
	    10);
	fx->b = open_again(fx->loc);
	/* Advisory locks are the whole server's, not one schema's. */
	(void)snprintf(fx->name, sizeof fx->name, "test-%ld",
	    (long)getpid());
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->a);
	store_close(fx->b);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Exactly one of two stores gets the lock; the other gets it on its next
 * try once the owner has let go and closed its store. */
static void
test_contend(void **state)
{
	struct fixture		*fx = *state;
	struct store_lock	*la = store_lock_new(fx->a, fx->name);
	struct store_lock	*lb = store_lock_new(fx->b, fx->name);

	assert_string_equal(store_lock_where(la), store_lock_where(lb));
	assert_int_equal(store_lock_try(la), 1);
	assert_int_equal(store_lock_try(lb), 0);
	assert_int_equal(store_lock_try(lb), 0);
	/* Asked again, the owner still has it, once. */
	assert_int_equal(store_lock_try(la), 1);
	assert_int_equal(store_lock_check(la), 1);
	assert_int_equal(store_lock_check(lb), 0);
	/* Another name is another lock. */
	{
		char			 other[80];
		struct store_lock	*lo;

		(void)snprintf(other, sizeof other, "%s-other", fx->name);
		lo = store_lock_new(fx->b, other);
		assert_int_equal(store_lock_try(lo), 1);
		store_lock_free(lo);
	}
	/* The owner goes: its lock, then its store. */
	store_lock_free(la);
	store_close(fx->a);
	fx->a = NULL;
	assert_int_equal(store_lock_try(lb), 1);
	assert_int_equal(store_lock_check(lb), 1);
	/* Released, it is free for a new holder at once. */
	store_lock_release(lb);
	assert_int_equal(store_lock_check(lb), 0);
	fx->a = open_again(fx->loc);
	la = store_lock_new(fx->a, fx->name);
	assert_int_equal(store_lock_try(la), 1);
	assert_int_equal(store_lock_try(lb), 0);
	store_lock_free(la);
	store_lock_free(lb);
}

/*
 * An owner that dies without letting go (a process killed): its lock
 * file's lock, or its connection and the advisory lock with it, goes with
 * the process, and the waiting store gets the lock on a later try.
 */
static void
test_owner_dies(void **state)
{
	struct fixture		*fx = *state;
	struct store_lock	*lb;
	int			 ready[2], go[2], status, tries, rc = 0;
	pid_t			 pid;
	char			 c = 0;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	if ((pid = fork()) == 0) {
		struct store		*s;
		struct store_lock	*l;
		char			*cause = NULL;

		/* The child uses nothing of the parent's stores. */
		close(ready[0]);
		close(go[1]);
		if ((s = store_open(fx->loc, key, 0, &cause)) == NULL)
			_exit(2);
		l = store_lock_new(s, fx->name);
		c = store_lock_try(l) == 1 ? 'y' : 'n';
		(void)!write(ready[1], &c, 1);
		(void)!read(go[0], &c, 1);
		raise(SIGKILL);	/* no release, no close: killed */
		_exit(3);
	}
	assert_true(pid > 0);
	lb = store_lock_new(fx->b, fx->name);
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(store_lock_try(lb), 0);
	(void)!write(go[1], &c, 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The server ends the dead session on its own time: wait for it. */
	for (tries = 0; tries < LOCKS_POLL_MAX; tries++) {
		if ((rc = store_lock_try(lb)) != 0)
			break;
		usleep(10000);
	}
	assert_int_equal(rc, 1);
	close(ready[0]);
	close(go[1]);
	store_lock_free(lb);
}

/* A periodic job runs on one store at a time on PostgreSQL; on SQLite
 * (one process per file) every store runs it, as before. */
static void
test_jobs(void **state)
{
	struct fixture	*fx = *state;

	assert_int_equal(store_job_begin(fx->a, fx->name), 1);
	assert_int_equal(store_job_begin(fx->b, fx->name),
	    teststore_pg() ? 0 : 1);
	if (!teststore_pg())
		store_job_end(fx->b, fx->name);
	store_job_end(fx->a, fx->name);
	assert_int_equal(store_job_begin(fx->b, fx->name), 1);
	store_job_end(fx->b, fx->name);
	assert_int_equal(store_job_begin(fx->a, fx->name), 1);
	store_job_end(fx->a, fx->name);
}

/* Ends store s's session from store other (as a server restart or a
 * lost network would), waiting until the session is gone. */
static void
kill_session(struct store *s, struct store *other)
{
	char	 sql[96];

	(void)snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld, 60000)",
	    (long long)teststore_int(s, "SELECT pg_backend_pid()"));
	assert_int_equal(teststore_int(other, sql), 1);
}

/* The database answers; on PostgreSQL a connection the server ended is
 * made again by the next ping, statements and all. */
static void
test_ping(void **state)
{
	struct fixture	*fx = *state;
	int64_t		 id = 0, again = 0, pid;

	assert_int_equal(store_ping(fx->a), STORE_OK);
	assert_int_equal(store_reconnect(fx->a), STORE_OK);
	assert_int_equal(areas_find(fx->a, "华光路社区", &id), STORE_OK);
	if (!teststore_pg())
		return;
	kill_session(fx->a, fx->b);
	/* The ping finds the session gone, connects again, answers. */
	assert_int_equal(store_ping(fx->a), STORE_OK);
	/* A cached statement is prepared again on the new session. */
	assert_int_equal(areas_find(fx->a, "华光路社区", &again), STORE_OK);
	assert_int_equal(again, id);
	/* A broken connection with no ping before: the statement that
	 * meets it fails, and the store connects again before the next
	 * statement outside a transaction (here the lookup's second one),
	 * on a new session. */
	pid = teststore_int(fx->a, "SELECT pg_backend_pid()");
	kill_session(fx->a, fx->b);
	(void)areas_find(fx->a, "华光路社区", &again);
	assert_int_equal(areas_find(fx->a, "华光路社区", &again), STORE_OK);
	assert_int_equal(again, id);
	assert_int_not_equal(teststore_int(fx->a, "SELECT pg_backend_pid()"),
	    pid);
}

/* PostgreSQL: a lock lost with its session is seen as lost; trying again
 * connects again and takes it back when nobody took it meanwhile. */
static void
test_lock_lost(void **state)
{
	struct fixture		*fx = *state;
	struct store_lock	*la, *lb;

	if (!teststore_pg()) {
		/* A file lock is not lost while the process lives. */
		skip();
	}
	la = store_lock_new(fx->a, fx->name);
	lb = store_lock_new(fx->b, fx->name);
	assert_int_equal(store_lock_try(la), 1);
	kill_session(fx->a, fx->b);
	assert_int_equal(store_lock_check(la), 0);
	assert_int_equal(store_lock_try(la), 1);
	assert_int_equal(store_lock_check(la), 1);
	assert_int_equal(store_lock_try(lb), 0);
	store_lock_free(la);
	assert_int_equal(store_lock_try(lb), 1);
	store_lock_free(lb);
}

/*
 * Platform tokens on PostgreSQL: one store fetches while the other waits,
 * the other then reuses what was fetched until it nears its expiry or is
 * the one it was told is stale; a lease left by a fetcher that never came
 * back runs out. On SQLite each instance fetches its own, as before.
 */
static void
test_tokens(void **state)
{
	struct fixture	*fx = *state;
	const time_t	 now = 1700000000;
	char		 v[64];
	time_t		 exp;

	assert_int_equal(store_token_take(fx->a, fx->name, now, 300, 30, NULL,
	    v, sizeof v, &exp), STORE_TOKEN_FETCH);
	if (!teststore_pg()) {
		store_token_put(fx->a, fx->name, "tok1", now + 7200);
		assert_int_equal(store_token_take(fx->b, fx->name, now, 300,
		    30, NULL, v, sizeof v, &exp), STORE_TOKEN_FETCH);
		return;
	}
	assert_int_equal(store_token_take(fx->b, fx->name, now + 1, 300, 30,
	    NULL, v, sizeof v, &exp), STORE_TOKEN_WAIT);
	store_token_put(fx->a, fx->name, "tok1", now + 7200);
	assert_int_equal(store_token_take(fx->b, fx->name, now + 2, 300, 30,
	    NULL, v, sizeof v, &exp), STORE_TOKEN_SHARED);
	assert_string_equal(v, "tok1");
	assert_int_equal(exp, now + 7200);
	/* Sealed: the token is not in the row in clear. */
	assert_int_equal(teststore_int(fx->a, "SELECT count(*) FROM store_meta"
	    " WHERE name LIKE 'platform-token:%'"), 1);
	assert_int_equal(teststore_int(fx->a, "SELECT count(*) FROM store_meta"
	    " WHERE position('tok1'::bytea in value) > 0"), 0);
	/* b was told tok1 is no longer valid: b fetches, a waits for it. */
	assert_int_equal(store_token_take(fx->b, fx->name, now + 3, 300, 30,
	    "tok1", v, sizeof v, &exp), STORE_TOKEN_FETCH);
	assert_int_equal(store_token_take(fx->a, fx->name, now + 4, 300, 30,
	    NULL, v, sizeof v, &exp), STORE_TOKEN_WAIT);
	store_token_put(fx->b, fx->name, "tok2", now + 600);
	assert_int_equal(store_token_take(fx->a, fx->name, now + 5, 300, 30,
	    "tok1", v, sizeof v, &exp), STORE_TOKEN_SHARED);
	assert_string_equal(v, "tok2");
	/* Within the margin of its expiry it is fetched again, once. */
	assert_int_equal(store_token_take(fx->a, fx->name, now + 300, 300, 30,
	    NULL, v, sizeof v, &exp), STORE_TOKEN_FETCH);
	assert_int_equal(store_token_take(fx->b, fx->name, now + 301, 300, 30,
	    NULL, v, sizeof v, &exp), STORE_TOKEN_WAIT);
	/* a never answers: its lease runs out and b takes over. */
	assert_int_equal(store_token_take(fx->b, fx->name, now + 331, 300, 30,
	    NULL, v, sizeof v, &exp), STORE_TOKEN_FETCH);
}

/* Polls store s's wake-up socket for up to about 5 s; how many wake-ups
 * came in the first read that had any. */
static int
wait_woken(struct store *s)
{
	struct pollfd	 p;
	int		 i, n;

	for (i = 0; i < 50; i++) {
		if ((n = store_woken(s)) > 0)
			return n;
		p.fd = store_wake_fd(s);
		p.events = POLLIN;
		assert_true(p.fd != -1);
		(void)poll(&p, 1, 100);
	}
	return store_woken(s);
}

/* PostgreSQL: a listener is woken when another store's transaction that
 * asked to wake the others commits, not when it rolls back; again after
 * its connection was made anew. SQLite: nothing to listen to. */
static void
test_wake(void **state)
{
	struct fixture	*fx = *state;

	assert_int_equal(store_listen(fx->a), 0);
	if (!teststore_pg()) {
		assert_int_equal(store_wake_fd(fx->a), -1);
		assert_int_equal(store_woken(fx->a), 0);
		store_wake_others(fx->b);
		return;
	}
	assert_true(store_wake_fd(fx->a) != -1);
	assert_int_equal(store_woken(fx->a), 0);
	/* Rolled back, then committed twice in one transaction: one
	 * wake-up (the server sends a transaction's in one message, after
	 * those of transactions committed before). */
	assert_int_equal(store_begin(fx->b), STORE_OK);
	store_wake_others(fx->b);
	store_rollback(fx->b);
	assert_int_equal(store_begin(fx->b), STORE_OK);
	store_wake_others(fx->b);
	store_wake_others(fx->b);
	assert_int_equal(store_commit(fx->b), STORE_OK);
	assert_int_equal(wait_woken(fx->a), 1);
	assert_int_equal(store_woken(fx->a), 0);	/* read once */
	/* A new session listens again. */
	kill_session(fx->a, fx->b);
	assert_int_equal(store_ping(fx->a), STORE_OK);
	store_wake_others(fx->b);
	assert_int_equal(wait_woken(fx->a), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_contend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_dies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_lost, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake, setup, teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("locks", tests, NULL, NULL);
}

/*
 * The checkpointer.
 *
 * SQLite's automatic checkpoint runs inside the commit that takes the
 * write-ahead log past 1000 pages: that webhook's answer, delivery turn
 * or long connection's frame waits for the copy and its two fsync()s
 * (10 to 15 ms on the disks measured). A broadcast to 10,000 robots
 * commits about 5 of them in its delivery thread; a request that writes
 * (a tip, a bind) meets them too.
 *
 * Here every read-write connection the daemon opens on its database has
 * a WAL hook instead (checkpoint_attach(), from store_open()). Past
 * CHECKPOINT_PAGES it wakes this thread, which checkpoints on its own
 * connection, PASSIVE: it waits for no reader or writer, and writers go
 * on appending to the log meanwhile. Should the thread fall behind (a
 * slow disk), a commit that takes the log past CHECKPOINT_BEHIND pages
 * checkpoints in place, as SQLite would have done: the log stays
 * bounded. Processes without the thread (the CLI) keep SQLite's own.
 *
 * Durability does not change: a commit is in the log, synced as its
 * connection's synchronous setting says, before and after the log is
 * copied. A kill -9 in the middle of a checkpoint leaves a log that the
 * next opening replays.
 *
 * The thread's state is the process's (one daemon, one database): cp,
 * guarded by cp.lock; the counters are atomics, read by /metrics.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "messages/xmalloc.h"
#include "checkpoint.h"
#include "checkpoint_int.h"

#define CHECKPOINT_GAP_MS	50	/* between two runs of the thread */
#define CHECKPOINT_IDLE_S	30	/* a look when nothing woke it */

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	pthread_t	 thread;
	sqlite3		*db;		/* the thread's connection */
	char		*path;		/* NULL: not running */
	int		 stop;
} cp = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL,
	NULL, 0 };

static atomic_int	 cp_running;	/* hooks read it without cp.lock */
static atomic_int	 cp_wanted;	/* a hook asked; the thread clears */
static atomic_int	 cp_log_pages;
static atomic_ulong	 cp_thread_runs, cp_inline_runs, cp_failed;
static atomic_ulong	 cp_usec;

/* Checkpoints db (PASSIVE) and counts it. */
static void
checkpoint_run(sqlite3 *db, const char *name, atomic_ulong *runs)
{
	struct timespec	 t0, t1;
	int		 rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	atomic_fetch_add_explicit(&cp_usec, (unsigned long)((t1.tv_sec -
	    t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000),
	    memory_order_relaxed);
	/* BUSY: another checkpoint is running (the thread's, or one in a
	 * commit): that one copies the log. */
	if (rc == SQLITE_OK)
		atomic_fetch_add_explicit(runs, 1, memory_order_relaxed);
	else if (rc != SQLITE_BUSY)
		atomic_fetch_add_explicit(&cp_failed, 1, memory_order_relaxed);
}

/* SQLite's WAL hook, called after each commit with the log's size. */
static int
checkpoint_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)arg;
	atomic_store_explicit(&cp_log_pages, pages, memory_order_relaxed);
	if (pages < CHECKPOINT_PAGES)
		return SQLITE_OK;
	if (atomic_load(&cp_running) && pages < CHECKPOINT_BEHIND) {
		if (atomic_exchange(&cp_wanted, 1) == 0) {
			pthread_mutex_lock(&cp.lock);
			pthread_cond_signal(&cp.cond);
			pthread_mutex_unlock(&cp.lock);
		}
		return SQLITE_OK;
	}
	checkpoint_run(db, name, &cp_inline_runs);
	return SQLITE_OK;
}

void
checkpoint_attach(sqlite3 *db, const char *path)
{
	int	 ours;

	pthread_mutex_lock(&cp.lock);
	ours = cp.path != NULL && strcmp(cp.path, path) == 0;
	pthread_mutex_unlock(&cp.lock);
	if (ours)
		(void)sqlite3_wal_hook(db, checkpoint_hook, NULL);
}

/* Adds ms milliseconds to the realtime clock's now. */
static struct timespec
checkpoint_deadline(long ms)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/*
 * The thread: a run whenever a hook asks (at most one each
 * CHECKPOINT_GAP_MS, so that a log a reader keeps from restarting does
 * not turn every commit into a run), and a look every CHECKPOINT_IDLE_S
 * seconds, which costs nothing when the log was copied already.
 */
static void *
checkpoint_main(void *arg)
{
	struct timespec	 until;

	(void)arg;
	pthread_mutex_lock(&cp.lock);
	while (!cp.stop) {
		until = checkpoint_deadline(CHECKPOINT_IDLE_S * 1000L);
		while (!cp.stop && !atomic_load(&cp_wanted) &&
		    pthread_cond_timedwait(&cp.cond, &cp.lock, &until) == 0)
			continue;
		if (cp.stop)
			break;
		atomic_store(&cp_wanted, 0);
		pthread_mutex_unlock(&cp.lock);
		checkpoint_run(cp.db, NULL, &cp_thread_runs);
		pthread_mutex_lock(&cp.lock);
		until = checkpoint_deadline(CHECKPOINT_GAP_MS);
		while (!cp.stop && pthread_cond_timedwait(&cp.cond, &cp.lock,
		    &until) == 0)
			continue;
	}
	pthread_mutex_unlock(&cp.lock);
	return NULL;
}

int
checkpointer_start(const char *path, char **cause)
{
	sqlite3	*db = NULL;

	if (strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0)
		return 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*cause = xasprintf("checkpointer: %s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return -1;
	}
	/* Its own checkpoints sync the log and the file. */
	(void)sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	pthread_mutex_lock(&cp.lock);
	if (cp.path != NULL) {
		pthread_mutex_unlock(&cp.lock);
		sqlite3_close(db);
		*cause = xasprintf("checkpointer: already running");
		return -1;
	}
	cp.db = db;
	cp.stop = 0;
	atomic_store(&cp_wanted, 0);	/* a wish left by a thread stopped */
	if (pthread_create(&cp.thread, NULL, checkpoint_main, NULL) != 0) {
		cp.db = NULL;
		pthread_mutex_unlock(&cp.lock);
		sqlite3_close(db);
		*cause = xasprintf("checkpointer: cannot start its thread");
		return -1;
	}
	cp.path = xstrdup(path);
	atomic_store(&cp_running, 1);
	pthread_mutex_unlock(&cp.lock);
	return 0;
}

void
checkpointer_stop(void)
{
	pthread_mutex_lock(&cp.lock);
	if (cp.path == NULL) {
		pthread_mutex_unlock(&cp.lock);
		return;
	}
	atomic_store(&cp_running, 0);
	cp.stop = 1;
	pthread_cond_signal(&cp.cond);
	pthread_mutex_unlock(&cp.lock);
	pthread_join(cp.thread, NULL);
	checkpoint_run(cp.db, NULL, &cp_thread_runs);
	sqlite3_close(cp.db);
	pthread_mutex_lock(&cp.lock);
	cp.db = NULL;
	free(cp.path);
	cp.path = NULL;
	pthread_mutex_unlock(&cp.lock);
}

void
checkpoint_stats(struct checkpoint_stats *st)
{
	st->thread = atomic_load(&cp_thread_runs);
	st->inline_ = atomic_load(&cp_inline_runs);
	st->failed = atomic_load(&cp_failed);
	st->seconds = (double)atomic_load(&cp_usec) / 1e6;
	st->log_pages = atomic_load(&cp_log_pages);
}

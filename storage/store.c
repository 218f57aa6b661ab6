/*
 * Opening the database, pragmas, migrations (PRAGMA user_version), the
 * per-connection statement cache and transactions.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages/xmalloc.h"
#include "store_int.h"

#define STORE_BUSY_MS	5000	/* longest wait for a lock */

/*
 * Process-wide settings, made once before the first connection opens.
 * Memory statistics are off: with them on, every allocation SQLite makes
 * takes one global mutex, which the request threads then queue on (and
 * nothing here reads the statistics).
 */
static void
store_global_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Records the connection's last error and maps it to a status. */
enum store_status
store_fail(struct store *s, const char *what)
{
	int	 code = sqlite3_extended_errcode(s->db);

	snprintf(s->err, sizeof s->err, "%s: %s (%d)", what,
	    sqlite3_errmsg(s->db), code);
	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_BUSY;
	case SQLITE_CONSTRAINT:
		return STORE_INVALID;
	default:
		return STORE_ERROR;
	}
}

/* Returns the last failure's text. */
const char *
store_errmsg(struct store *s)
{
	return s->err[0] ? s->err : "no error";
}

/* Returns the text of a status. */
const char *
store_strerror(enum store_status st)
{
	switch (st) {
	case STORE_OK:
		return "ok";
	case STORE_NOT_FOUND:
		return "not found";
	case STORE_INVALID:
		return "invalid data";
	case STORE_BUSY:
		return "database busy";
	case STORE_ERROR:
		break;
	}
	return "database error";
}

/* Runs one statement list; -1 with *cause set on failure. */
static int
store_exec(struct store *s, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xasprintf("%s", err ? err : sqlite3_errmsg(s->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Returns the schema version stored in the file. */
int
store_version(struct store *s)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Returns the newest version this build carries. */
int
store_latest_version(void)
{
	const struct schema_step	*step;
	int				 v = 0;

	for (step = schema_steps; step->sql != NULL; step++)
		v = step->version;
	return v;
}

/* Applies each pending migration in its own transaction. */
static int
store_migrate(struct store *s, char **cause)
{
	const struct schema_step	*step;
	char				*err = NULL, *sql;
	int				 v = store_version(s);

	if (v > store_latest_version()) {
		*cause = xasprintf("database schema %d is newer than this "
		    "program (%d)", v, store_latest_version());
		return -1;
	}
	for (step = schema_steps; step->sql != NULL; step++) {
		if (step->version <= v)
			continue;
		sql = xasprintf("BEGIN IMMEDIATE;\n%s\nPRAGMA user_version = %d;\n"
		    "COMMIT;", step->sql, step->version);
		if (store_exec(s, sql, &err) == -1) {
			*cause = xasprintf("migration %s: %s", step->name, err);
			free(err);
			free(sql);
			(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		free(sql);
	}
	return 0;
}

/* Waits on a lock, all connections together, for /metrics. */
static atomic_ulong store_busy_count;

/*
 * SQLite's busy handler: sleeps as sqlite3_busy_timeout(5000) would (the
 * same growing delays, 5 s in all) and counts each statement that had to
 * wait. n is the number of earlier calls for this wait; 0 ends it.
 */
static int
store_busy(void *arg, int n)
{
	static const int	 delays[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25,
	    50, 50, 100 };
	static const int	 totals[] = { 0, 1, 3, 8, 18, 33, 53, 78, 103,
	    128, 178, 228 };
	const int		 last = (int)(sizeof delays / sizeof delays[0]) -
	    1;
	int			 delay, prior;

	(void)arg;
	if (n == 0)
		atomic_fetch_add_explicit(&store_busy_count, 1,
		    memory_order_relaxed);
	if (n <= last) {
		delay = delays[n];
		prior = totals[n];
	} else {
		delay = delays[last];
		prior = totals[last] + delay * (n - last);
	}
	if (prior + delay > STORE_BUSY_MS) {
		delay = STORE_BUSY_MS - prior;
		if (delay <= 0)
			return 0;
	}
	(void)sqlite3_sleep(delay);
	return 1;
}

/* The waits counted so far. */
unsigned long
store_busy_waits(void)
{
	return atomic_load_explicit(&store_busy_count, memory_order_relaxed);
}

/* Opens the database and prepares the connection. */
struct store *
store_open(const char *path, const uint8_t *key, int flags, char **cause)
{
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;
	struct store		*s;
	int			 oflags;
	char			*err = NULL;

	(void)pthread_once(&once, store_global_setup);
	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	if (key != NULL) {
		memcpy(s->key, key, STORE_KEY_LEN);
		s->has_key = 1;
	}
	oflags = SQLITE_OPEN_NOMUTEX | ((flags & STORE_READONLY) ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_handler(s->db, store_busy, NULL);
	sqlite3_extended_result_codes(s->db, 1);
	/*
	 * WAL lets readers run beside the writer; synchronous = FULL makes a
	 * commit durable before the reply that acknowledges it goes out. The
	 * page cache is kept small: a district's registry is read through the
	 * OS cache, and each thread has its own connection. 3 MiB holds the
	 * inner pages of the registry's b-trees and index at 10^6 rows (a
	 * name check then reads about five leaves from the OS, against six
	 * with 2 MiB and 4.9 with 4 MiB), within the daemon's memory target.
	 */
	if (!(flags & STORE_READONLY) &&
	    store_exec(s, "PRAGMA journal_mode = WAL", &err) == -1)
		goto fail_err;
	if (store_exec(s, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA cache_size = -3072;"
	    "PRAGMA temp_store = MEMORY;", &err) == -1)
		goto fail_err;
	if ((flags & STORE_MIGRATE) && store_migrate(s, &err) == -1)
		goto fail_err;
	if (!(flags & STORE_MIGRATE) && store_version(s) != store_latest_version()) {
		*cause = xasprintf("%s: schema version %d, this program needs "
		    "%d (run: fangfei migrate)", path, store_version(s),
		    store_latest_version());
		goto fail;
	}
	return s;

fail_err:
	*cause = xasprintf("%s: %s", path, err);
	free(err);
fail:
	store_close(s);
	return NULL;
}

/* Finalizes the statements and closes the connection. */
void
store_close(struct store *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nstmts; i++)
		sqlite3_finalize(s->stmts[i].stmt);
	sqlite3_close(s->db);
	free(s->flags.ids);
	free(s->path);
	explicit_bzero(s->key, sizeof s->key);
	free(s);
}

/* Returns the cached statement for sql, ready to bind. */
sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	size_t		 i;

	for (i = 0; i < s->nstmts; i++) {
		if (s->stmts[i].sql == sql) {
			st = s->stmts[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		(void)store_fail(s, "prepare");
		return NULL;
	}
	/* The cache is sized for every statement storage/ has; a full one is
	 * a programming error, not an input error. */
	if (s->nstmts == STORE_STMTS_MAX) {
		fprintf(stderr, "fangfei: statement cache full\n");
		abort();
	}
	s->stmts[s->nstmts].sql = sql;
	s->stmts[s->nstmts].stmt = st;
	s->nstmts++;
	return st;
}

/* Binds text, or NULL for a NULL or empty string. */
int
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL || *v == '\0')
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Reads ids from a statement (see store_int.h). */
enum store_status
store_ids(struct store *s, sqlite3_stmt *st, int lim, int64_t *out, size_t n,
    size_t *count, const char *what)
{
	int	 rc = SQLITE_DONE;

	*count = 0;
	sqlite3_bind_int64(st, lim, (sqlite3_int64)n);
	while (*count < n && (rc = sqlite3_step(st)) == SQLITE_ROW)
		out[(*count)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    store_fail(s, what);
}

/* Reads a time from a one-row query (see store_int.h). */
enum store_status
store_time(struct store *s, const char *sql, time_t *when)
{
	sqlite3_stmt	*st;

	*when = 0;
	if ((st = store_stmt(s, sql)) == NULL)
		return STORE_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		*when = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return STORE_OK;
}

/* Copies a text column. */
char *
store_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

/* Starts a write transaction. */
enum store_status
store_begin(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, "BEGIN IMMEDIATE");

	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "begin");
	return STORE_OK;
}

/* Commits; the data is on disk when this returns STORE_OK. */
enum store_status
store_commit(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, "COMMIT");

	if (st == NULL || sqlite3_step(st) != SQLITE_DONE) {
		enum store_status rc = store_fail(s, "commit");
		store_rollback(s);
		return rc;
	}
	return STORE_OK;
}

/* Rolls back if a transaction is open. */
void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Opens the row savepoint. */
enum store_status
store_savepoint(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, "SAVEPOINT row");

	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "savepoint");
	return STORE_OK;
}

/* Keeps what was done since the savepoint. */
enum store_status
store_release(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, "RELEASE row");

	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "release");
	return STORE_OK;
}

/* Undoes what was done since the savepoint and closes it. */
void
store_rollback_to(struct store *s)
{
	(void)sqlite3_exec(s->db, "ROLLBACK TO row; RELEASE row", NULL, NULL,
	    NULL);
}

/* Starts a read transaction: the statements until store_end_read() see
 * one snapshot and share one WAL read lock. */
enum store_status
store_begin_read(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, "BEGIN");

	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "begin");
	return STORE_OK;
}

/* Ends a read transaction. */
void
store_end_read(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, "COMMIT");

	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		store_rollback(s);
}

/* Commits on this connection no longer wait for the disk (see header). */
enum store_status
store_relaxed(struct store *s)
{
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_fail(s, "synchronous");
	return STORE_OK;
}

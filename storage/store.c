/*
 * Opening the database, pragmas, migrations (PRAGMA user_version), the
 * per-connection statement cache and transactions.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "messages/xmalloc.h"
#include "checkpoint_int.h"
#include "locks.h"
#include "reporters_int.h"
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
	int	 code;

	if (s->pg != NULL) {
		(void)snprintf(s->err, sizeof s->err, "%.40s: %.200s", what,
		    s->pgerr[0] ? s->pgerr : PQerrorMessage(s->pg));
		code = s->pgcode;
		s->pgerr[0] = '\0';
		s->pgcode = DB_OK;
		return code == DB_BUSY ? STORE_BUSY : code == DB_CONSTRAINT ?
		    STORE_INVALID : STORE_ERROR;
	}
	code = sqlite3_extended_errcode(s->db);

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

	if (s->pg != NULL) {
		if (pg_exec(s, sql) != DB_OK) {
			*cause = xstrdup(s->pgerr);
			return -1;
		}
		return 0;
	}
	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xasprintf("%s", err ? err : sqlite3_errmsg(s->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Runs SQL text for tools and tests (see store_int.h). */
enum store_status
store_exec_sql(struct store *s, const char *sql)
{
	char	*err = NULL;

	if (store_exec(s, sql, &err) == -1) {
		(void)snprintf(s->err, sizeof s->err, "%.250s", err);
		free(err);
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* Returns the schema version stored in the file. */
int
store_version(struct store *s)
{
	sqlite3_stmt	*st;
	PGresult	*res;
	int		 v = -1;

	if (s->pg != NULL) {
		res = PQexec(s->pg, "SELECT coalesce(max(version), 0) FROM"
		    " fangfei_schema");
		if (PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) == 1)
			v = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
		else if (PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL &&
		    strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE),
		    "42P01") == 0)
			v = 0;	/* no such table: a new database */
		PQclear(res);
		return v;
	}
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

/*
 * PostgreSQL's migrations: each step in a transaction that holds the
 * write lock and reads the version again, so that instances starting
 * together apply each step once.
 */
static int
store_migrate_pg(struct store *s, char **cause)
{
	const struct schema_step	*step;
	char				*err = NULL, *sql;

	/* Under the lock: instances creating it at once would collide. */
	sql = xasprintf("BEGIN;\nSELECT pg_advisory_xact_lock(%lld);\n"
	    "CREATE TABLE IF NOT EXISTS fangfei_schema"
	    " (version integer NOT NULL);\nCOMMIT;",
	    (long long)STORE_PG_WRITE_LOCK);
	if (store_exec(s, sql, &err) == -1) {
		free(sql);
		goto fail;
	}
	free(sql);
	for (step = schema_steps_pg; step->sql != NULL; step++) {
		sql = xasprintf("BEGIN;\nSELECT pg_advisory_xact_lock(%lld);",
		    (long long)STORE_PG_WRITE_LOCK);
		if (store_exec(s, sql, &err) == -1) {
			free(sql);
			goto fail;
		}
		free(sql);
		if (store_version(s) >= step->version) {
			(void)store_exec(s, "COMMIT", &err);
			free(err);
			err = NULL;
			continue;
		}
		sql = xasprintf("%s\nDELETE FROM fangfei_schema;\n"
		    "INSERT INTO fangfei_schema (version) VALUES (%d);\n"
		    "COMMIT;", step->sql, step->version);
		if (store_exec(s, sql, &err) == -1) {
			free(sql);
			*cause = xasprintf("migration %s: %s", step->name, err);
			free(err);
			(void)pg_exec(s, "ROLLBACK");
			return -1;
		}
		free(sql);
	}
	return 0;
fail:
	*cause = xasprintf("migrations: %s", err);
	free(err);
	(void)pg_exec(s, "ROLLBACK");
	return -1;
}

/* Applies each pending migration in its own transaction. */
static int
store_migrate(struct store *s, char **cause)
{
	const struct schema_step	*step;
	char				*err = NULL, *sql;
	int				 v = store_version(s);

	/* Not read is not 0: every step would be run again on top. */
	if (v < 0) {
		*cause = xasprintf("schema version: %s", s->pg != NULL ?
		    PQerrorMessage(s->pg) : sqlite3_errmsg(s->db));
		(*cause)[strcspn(*cause, "\n")] = '\0';
		return -1;
	}
	if (v > store_latest_version()) {
		*cause = xasprintf("database schema %d is newer than this "
		    "program (%d)", v, store_latest_version());
		return -1;
	}
	if (s->pg != NULL)
		return store_migrate_pg(s, cause);
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

/*
 * fangfei_year(t): the calendar year (UTC) of t in seconds, as
 * PostgreSQL's schema defines it (storage/schema/pg/016_baseline.sql), so
 * that statements grouping by year are one text. NULL stays NULL.
 */
static void
store_fn_year(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct tm	 tm;
	time_t		 t;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	t = (time_t)sqlite3_value_int64(argv[0]);
	if (gmtime_r(&t, &tm) == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int64(ctx, (sqlite3_int64)tm.tm_year + 1900);
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

/* Whether path is a PostgreSQL connection URL. */
int
store_is_pg_url(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0;
}

/* The URL for messages: without a password ("user:secret@" is cut to
 * "user@") and without the query, which may hold one too. */
static char *
store_url_shown(const char *url)
{
	const char	*host = strstr(url, "://") + 3;
	/* Only the part before the path or query holds user:password@:
	 * an '@' further on (in a query's password) is not a separator. */
	size_t		 auth = strcspn(host, "/?#");
	const char	*at = memchr(host, '@', auth);
	const char	*colon;
	char		*shown;

	if (at != NULL && (colon = memchr(host, ':', (size_t)(at - host))) !=
	    NULL)
		shown = xasprintf("%.*s%s", (int)(colon - url), url, at);
	else
		shown = xstrdup(url);
	shown[strcspn(shown, "?#")] = '\0';
	return shown;
}

/* The database's location for messages and logs (see store.h). */
char *
store_shown(const char *location)
{
	return store_is_pg_url(location) ? store_url_shown(location) :
	    xstrdup(location);
}

/* A new session's settings: a lock waited on for longer than SQLite's
 * busy timeout fails as busy; notices stay out of the daemon's log. */
static int
store_pg_session(struct store *s, char **cause)
{
	char	*err = NULL;

	if (store_exec(s, "SET lock_timeout = '5s';"
	    "SET client_min_messages = warning;", &err) == -1) {
		*cause = xasprintf("%s: %s", s->path, err);
		free(err);
		return -1;
	}
	return 0;
}

/* Connects to PostgreSQL. */
static int
store_open_pg(struct store *s, const char *url, char **cause)
{
	PQconninfoOption	*opts;
	char			*perr = NULL;

	/* libpq's message for a URL it cannot parse repeats the bad part,
	 * which may be a password. */
	if ((opts = PQconninfoParse(url, &perr)) == NULL) {
		PQfreemem(perr);
		*cause = xasprintf("%s: invalid database URL", s->path);
		return -1;
	}
	PQconninfoFree(opts);
	s->pg = PQconnectdb(url);
	if (s->pg == NULL || PQstatus(s->pg) != CONNECTION_OK) {
		*cause = xasprintf("%s: %s", s->path, s->pg ?
		    PQerrorMessage(s->pg) : "cannot connect");
		(*cause)[strcspn(*cause, "\n")] = '\0';
		return -1;
	}
	return store_pg_session(s, cause);
}

/*
 * Connects again after PostgreSQL's connection broke (a restarted server,
 * a cut network). Only between transactions: a transaction that was open
 * is lost with its session, and its caller sees the failure. The cached
 * statements are prepared again on their next use.
 */
enum store_status
store_reconnect(struct store *s)
{
	char	*cause = NULL;
	size_t	 i;

	/* A connection left in pipeline mode (pg_exec_begun() on a broken
	 * one) is no better. */
	if (s->pg == NULL || (PQstatus(s->pg) != CONNECTION_BAD &&
	    PQpipelineStatus(s->pg) == PQ_PIPELINE_OFF))
		return STORE_OK;
	PQreset(s->pg);
	if (PQstatus(s->pg) != CONNECTION_OK) {
		(void)snprintf(s->pgerr, sizeof s->pgerr, "%s",
		    PQerrorMessage(s->pg));
		s->pgerr[strcspn(s->pgerr, "\n")] = '\0';
		s->pgcode = DB_ERROR;
		return store_fail(s, "reconnect");
	}
	for (i = 0; i < s->nstmts; i++)
		pg_stmt_forget(s->stmts[i].stmt.pg);
	s->txn = 0;
	s->pgbegin = PG_BEGIN_NONE;
	if (store_pg_session(s, &cause) == -1) {
		(void)snprintf(s->err, sizeof s->err, "reconnect: %.200s",
		    cause);
		free(cause);
		return STORE_ERROR;
	}
	/* Rows claimed before the outage are still this sender's: its
	 * claimer lock is taken again before anything else (locks.h). */
	if (s->claimer != 0 && store_claimer(s) == -1)
		return STORE_ERROR;
	if ((s->relaxed && store_relaxed(s) != STORE_OK) ||
	    (s->listening && store_listen(s) == -1))
		return STORE_ERROR;
	return STORE_OK;
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
	s->path = store_shown(path);
	if (key != NULL) {
		memcpy(s->key, key, STORE_KEY_LEN);
		s->has_key = 1;
		reporters_key_init(s);
	}
	if (store_is_pg_url(path)) {
		if (store_open_pg(s, path, cause) == -1)
			goto fail;
		goto schema;
	}
	oflags = SQLITE_OPEN_NOMUTEX | ((flags & STORE_READONLY) ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_handler(s->db, store_busy, NULL);
	if (sqlite3_create_function(s->db, "fangfei_year", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, store_fn_year, NULL, NULL) !=
	    SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
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
	/* The daemon's checkpoints are its checkpointer's (checkpoint.c). */
	if (!(flags & STORE_READONLY))
		checkpoint_attach(s->db, path);
schema:
	if ((flags & STORE_MIGRATE) && store_migrate(s, &err) == -1)
		goto fail_err;
	if (!(flags & STORE_MIGRATE) && store_version(s) != store_latest_version()) {
		*cause = xasprintf("%s: schema version %d, this program needs "
		    "%d (run: fangfei migrate)", s->path, store_version(s),
		    store_latest_version());
		goto fail;
	}
	return s;

fail_err:
	*cause = xasprintf("%s: %s", s->path, err);
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
	for (i = 0; i < s->nstmts; i++) {
		sqlite3_finalize(s->stmts[i].stmt.lite);
		pg_stmt_free(s->stmts[i].stmt.pg);
	}
	sqlite3_close(s->db);
	if (s->pg != NULL)
		PQfinish(s->pg);
	free(s->flags.ids);
	free(s->path);
	reporters_key_free(s);
	explicit_bzero(s->key, sizeof s->key);
	explicit_bzero(s->seal_key, sizeof s->seal_key);
	free(s);
}

/* Returns the cached statement for sql, ready to bind. */
struct db_stmt *
store_stmt(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	size_t		 i;

	if (s->pg != NULL && !s->txn && PQstatus(s->pg) == CONNECTION_BAD)
		(void)store_reconnect(s);
	for (i = 0; i < s->nstmts; i++) {
		if (s->stmts[i].sql == sql && s->pg != NULL) {
			pg_reset(s->stmts[i].stmt.pg);
			pg_clear(s->stmts[i].stmt.pg);
			return &s->stmts[i].stmt;
		}
		if (s->stmts[i].sql == sql) {
			st = s->stmts[i].stmt.lite;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return &s->stmts[i].stmt;
		}
	}
	/* The cache is sized for every statement storage/ has; a full one is
	 * a programming error, not an input error. */
	if (s->nstmts == STORE_STMTS_MAX) {
		fprintf(stderr, "fangfei: statement cache full\n");
		abort();
	}
	if (s->pg != NULL) {
		s->stmts[s->nstmts].stmt.lite = NULL;
		s->stmts[s->nstmts].stmt.pg = pg_stmt_new(s, sql);
	} else {
		if (sqlite3_prepare_v3(s->db, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			(void)store_fail(s, "prepare");
			return NULL;
		}
		s->stmts[s->nstmts].stmt.lite = st;
		s->stmts[s->nstmts].stmt.pg = NULL;
	}
	s->stmts[s->nstmts].sql = sql;
	return &s->stmts[s->nstmts++].stmt;
}

/* Prepares a statement outside the cache. */
struct db_stmt *
store_prepare(struct store *s, const char *sql)
{
	struct db_stmt	*st = xcalloc(1, sizeof *st);

	if (s->pg != NULL) {
		st->pg = pg_stmt_new(s, sql);
		return st;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st->lite, NULL) != SQLITE_OK) {
		(void)store_fail(s, "prepare");
		free(st);
		return NULL;
	}
	return st;
}

/* Frees a statement of store_prepare(); NULL is ignored. */
void
db_finalize(struct db_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->lite);
	pg_stmt_discard(st->pg);
	free(st);
}

/* Rows changed by the last INSERT, UPDATE or DELETE (a SELECT leaves
 * the count, on either engine). */
long
store_changes(struct store *s)
{
	if (s->pg != NULL)
		return s->changes;
	return (long)sqlite3_changes(s->db);
}

/* The last INSERT's id. */
int64_t
store_last_rowid(struct store *s)
{
	PGresult	*res;
	int64_t		 id = 0;

	if (s->pg != NULL) {
		(void)pg_begun(s);
		res = PQexec(s->pg, "SELECT lastval()");
		if (PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) == 1)
			id = (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		return id;
	}
	return (int64_t)sqlite3_last_insert_rowid(s->db);
}

/* Whether no transaction is open. */
int
store_autocommit(struct store *s)
{
	if (s->pg != NULL)
		return s->pgbegin == PG_BEGIN_NONE &&
		    PQtransactionStatus(s->pg) == PQTRANS_IDLE;
	return sqlite3_get_autocommit(s->db) != 0;
}

/* Binds text, or NULL for a NULL or empty string. */
int
store_bind_text(struct db_stmt *st, int i, const char *v)
{
	if (v == NULL || *v == '\0')
		return db_bind_null(st, i);
	return db_bind_text(st, i, v, -1, DB_TRANSIENT);
}

/* Prepares a statement over a subtree and a span of time (see
 * store_int.h). */
struct db_stmt *
store_stmt_span(struct store *s, const char *sql, int64_t area, time_t since,
    time_t until)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql)) != NULL) {
		db_bind_int64(st, 1, area);
		db_bind_int64(st, 2, (int64_t)since);
		db_bind_int64(st, 3, (int64_t)until);
	}
	return st;
}

/* Reads ids from a statement (see store_int.h). */
enum store_status
store_ids(struct store *s, struct db_stmt *st, int lim, int64_t *out, size_t n,
    size_t *count, const char *what)
{
	int	 rc = DB_DONE;

	*count = 0;
	db_bind_int64(st, lim, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW)
		out[(*count)++] = db_column_int64(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, what);
}

/* Reads a time from a one-row query (see store_int.h). */
enum store_status
store_time(struct store *s, const char *sql, time_t *when)
{
	struct db_stmt	*st;
	int		 rc;

	*when = 0;
	if ((st = store_stmt(s, sql)) == NULL)
		return STORE_ERROR;
	if ((rc = db_step(st)) == DB_ROW && db_column_type(st, 0) != DB_NULL)
		*when = (time_t)db_column_int64(st, 0);
	db_reset(st);
	/* A failed step is no "no time": the caller would act on 0. */
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK : store_fail(s,
	    "time");
}

/* Copies a text column. */
char *
store_column_dup(struct db_stmt *st, int i)
{
	const unsigned char	*t = db_column_text(st, i);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

/*
 * Starts a write transaction. On PostgreSQL the BEGIN, with the write
 * lock, goes with the first statement (pg_step()); a failure to begin is
 * then that statement's.
 */
enum store_status
store_begin(struct store *s)
{
	struct db_stmt	*st;

	if (s->pg != NULL) {
		if (store_reconnect(s) != STORE_OK)
			return STORE_ERROR;
		s->pgbegin = PG_BEGIN_WRITE;
		s->txn = 1;
		return STORE_OK;
	}
	st = store_stmt(s, "BEGIN IMMEDIATE");

	if (st == NULL || db_step(st) != DB_DONE)
		return store_fail(s, "begin");
	return STORE_OK;
}

/*
 * PostgreSQL's COMMIT of a transaction that failed earlier succeeds and
 * says ROLLBACK: that is a failure here.
 */
static enum store_status
store_commit_pg(struct store *s, const char *what)
{
	PGresult	*res;
	int		 ok;

	s->txn = 0;
	/* Begun and nothing done: there is nothing to send. */
	if (s->pgbegin != PG_BEGIN_NONE) {
		s->pgbegin = PG_BEGIN_NONE;
		return STORE_OK;
	}
	/* Nothing open: what it held was rolled back already (PostgreSQL
	 * would only warn). */
	if (PQtransactionStatus(s->pg) == PQTRANS_IDLE) {
		(void)snprintf(s->pgerr, sizeof s->pgerr,
		    "no transaction open: rolled back before");
		s->pgcode = DB_ERROR;
		return store_fail(s, what);
	}
	res = PQexec(s->pg, "COMMIT");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdStatus(res), "COMMIT") == 0;
	if (!ok) {
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			(void)snprintf(s->pgerr, sizeof s->pgerr,
			    "transaction aborted, rolled back");
		else
			(void)pg_fail_result(s, res);
	}
	PQclear(res);
	if (!ok) {
		enum store_status rc = store_fail(s, what);
		store_rollback(s);
		return rc;
	}
	return STORE_OK;
}

/* Commits; the data is on disk when this returns STORE_OK. */
enum store_status
store_commit(struct store *s)
{
	struct db_stmt	*st;

	if (s->pg != NULL)
		return store_commit_pg(s, "commit");
	st = store_stmt(s, "COMMIT");

	if (st == NULL || db_step(st) != DB_DONE) {
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
	if (s->pg != NULL) {
		s->txn = 0;
		s->pgbegin = PG_BEGIN_NONE;
		if (PQtransactionStatus(s->pg) != PQTRANS_IDLE)
			(void)pg_exec(s, "ROLLBACK");
		return;
	}
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Opens the row savepoint. */
enum store_status
store_savepoint(struct store *s)
{
	struct db_stmt	*st = store_stmt(s, "SAVEPOINT row");

	if (st == NULL || db_step(st) != DB_DONE)
		return store_fail(s, "savepoint");
	return STORE_OK;
}

/* Keeps what was done since the savepoint. */
enum store_status
store_release(struct store *s)
{
	struct db_stmt	*st = store_stmt(s, "RELEASE row");

	if (st == NULL || db_step(st) != DB_DONE)
		return store_fail(s, "release");
	return STORE_OK;
}

/* Undoes what was done since the savepoint and closes it. */
void
store_rollback_to(struct store *s)
{
	if (s->pg != NULL) {
		(void)pg_exec(s, "ROLLBACK TO row; RELEASE row");
		return;
	}
	(void)sqlite3_exec(s->db, "ROLLBACK TO row; RELEASE row", NULL, NULL,
	    NULL);
}

/* Starts a read transaction: the statements until store_end_read() see
 * one snapshot and share one WAL read lock. */
enum store_status
store_begin_read(struct store *s)
{
	struct db_stmt	*st;

	if (s->pg != NULL) {
		if (store_reconnect(s) != STORE_OK)
			return STORE_ERROR;
		s->pgbegin = PG_BEGIN_READ;	/* with the first statement */
		s->txn = 1;
		return STORE_OK;
	}
	st = store_stmt(s, "BEGIN");

	if (st == NULL || db_step(st) != DB_DONE)
		return store_fail(s, "begin");
	return STORE_OK;
}

/* Ends a read transaction. */
void
store_end_read(struct store *s)
{
	struct db_stmt	*st;

	if (s->pg != NULL) {
		if (store_commit_pg(s, "end read") != STORE_OK)
			store_rollback(s);
		return;
	}
	st = store_stmt(s, "COMMIT");

	if (st == NULL || db_step(st) != DB_DONE)
		store_rollback(s);
}

/* Commits on this connection no longer wait for the disk (see header). */
enum store_status
store_relaxed(struct store *s)
{
	s->relaxed = 1;
	if (s->pg != NULL)
		return pg_exec(s, "SET synchronous_commit = off") == DB_OK ?
		    STORE_OK : store_fail(s, "synchronous_commit");
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_fail(s, "synchronous");
	return STORE_OK;
}

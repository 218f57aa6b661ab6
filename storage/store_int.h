/*
 * Internals shared by the files of storage/: the connection struct, the
 * statement cache and error helpers. Nothing outside storage/ includes this.
 */
#ifndef FANGFEI_STORE_INT_H
#define FANGFEI_STORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "db.h"
#include "store.h"

struct schema_step {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct schema_step schema_steps[];	/* SQLite */
extern const struct schema_step schema_steps_pg[];	/* PostgreSQL */

#define STORE_STMTS_MAX	320

/*
 * SQL: area x (an alias of areas) is area r or one below it. Paths
 * compare as bytes on both engines (migration 024), so the areas below r
 * are one range of the path index: from r.path || '/' to below
 * r.path || '0', '0' being the byte after '/' (exactly the paths that
 * begin with r.path || '/').
 */
#define SQL_AREA_WITHIN(x, r)						\
    " (" x ".id = " r ".id OR (" x ".path >= " r ".path || '/' AND "	\
    x ".path < " r ".path || '0'))"
/* The same for a path column col and a path p (a parameter): col is p or
 * a path below it. */
#define SQL_PATH_WITHIN(col, p)						\
    " (" col " = " p " OR (" col " >= " p " || '/' AND " col " < " p	\
    " || '0'))"

/* A connection's copy of the enterprises on a published notice
 * (storage/search.c). */
struct search_flags {
	int64_t		*ids;		/* ascending */
	size_t		 n, cap;
	int64_t		 generation;	/* of the set when read */
	unsigned int	 data_version;	/* of the file when checked */
	int		 loaded;
};

#define STORE_GONE_MAX	16
/* The first key of claimer locks (locks.c): "ff" and 1. */
#define STORE_CLAIMER_NS	0x66660001

struct store {
	sqlite3		*db;		/* SQLite, or NULL */
	PGconn		*pg;		/* PostgreSQL, or NULL */
	char		*path;		/* file, or the URL without password */
	uint8_t		 key[STORE_KEY_LEN];
	uint8_t		 seal_key[32];	/* derived from key: reporters.c */
	/* AES-256-GCM under seal_key, key schedule done: each opening sets
	 * its nonce only (reporters.c). NULL: made per opening. */
	struct evp_cipher_ctx_st *open_ctx;
	int		 has_key;
	struct {
		const char	*sql;	/* static string: compared by address */
		struct db_stmt	 stmt;
	} stmts[STORE_STMTS_MAX];
	size_t		 nstmts;
	struct search_flags flags;
	char		 err[256];	/* last failure, for store_errmsg() */
	/* PostgreSQL: the last failure's message and DB_* code, rows
	 * changed by the last statement, statements named so far. */
	char		 pgerr[256];
	int		 pgcode;
	long		 changes;
	unsigned long	 pgstmts;
	int		 txn;		/* store_begin*() until commit/rollback */
	/* PostgreSQL: the BEGIN store_begin*() asked for and did not send
	 * yet (PG_BEGIN_*): it goes with the transaction's first statement,
	 * one round trip for both (db_pg.c). */
	int		 pgbegin;
	/* PostgreSQL: the id this connection claims outbox rows under, held
	 * as an advisory lock (locks.c) by the session claimer_backend; and
	 * the claimers outbox_reclaim() last saw gone, since when. */
	int64_t		 claimer;
	int		 claimer_backend;
	/* Session settings made again after a reconnection: relaxed commits
	 * (store_relaxed()), LISTEN for wake-ups (store_listen()). */
	int		 relaxed;
	int		 listening;
	struct {
		int64_t	 id;
		time_t	 since;
	}		 gone[STORE_GONE_MAX];
	size_t		 ngone;
};

/* PostgreSQL's statements and plain SQL (storage/db_pg.c). */
char		*pg_sql(const char *sql, int *nparams);
struct pg_stmt	*pg_stmt_new(struct store *, const char *sql);
void		 pg_stmt_free(struct pg_stmt *);
void		 pg_stmt_discard(struct pg_stmt *);
void		 pg_stmt_forget(struct pg_stmt *);
int		 pg_fail_result(struct store *, PGresult *);
void		 pg_clear(struct pg_stmt *);
int		 pg_exec(struct store *, const char *sql);
/*
 * PostgreSQL: every write transaction takes this advisory lock first, so
 * that writers follow one another as SQLite's IMMEDIATE transactions do,
 * across every instance on the database; readers never take it.
 */
#define STORE_PG_WRITE_LOCK	0x66616e6766656931LL	/* "fangfei1" */
/* What a transaction's BEGIN is, until it is sent (store->pgbegin). */
#define PG_BEGIN_NONE	0
#define PG_BEGIN_READ	1	/* a read: one snapshot */
#define PG_BEGIN_WRITE	2	/* a write: under the instances' write lock */
/* Sends a BEGIN not yet sent on its own; DB_OK, or the failure's code.
 * For every use of the connection other than a statement's step. */
int		 pg_begun(struct store *);
/* Whether path names a PostgreSQL database (a postgresql:// URL). */
int		 store_is_pg_url(const char *path);

/*
 * Returns the cached prepared statement for sql (a string literal; the
 * cache keys on its address), reset and with bindings cleared, or NULL
 * after logging SQLite's error.
 */
struct db_stmt	*store_stmt(struct store *, const char *sql);
/* A statement of its own, for SQL whose plan should follow the values
 * bound each time; db_finalize() frees it. NULL after logging. */
struct db_stmt	*store_prepare(struct store *, const char *sql);
void		 db_finalize(struct db_stmt *);
/* Rows changed by the connection's last INSERT, UPDATE or DELETE. */
long		 store_changes(struct store *);
/* The id the connection's last INSERT made (prefer RETURNING). */
int64_t		 store_last_rowid(struct store *);
/* 1 outside a transaction. */
int		 store_autocommit(struct store *);
/* Records SQLite's last error with a context word and maps its code. */
enum store_status store_fail(struct store *, const char *what);
/* Runs SQL text (statements separated by semicolons, nothing bound) on
 * either engine: for tests and tools. */
enum store_status store_exec_sql(struct store *, const char *sql);
/* Binds a text or NULL when s is NULL or empty. */
int		 store_bind_text(struct db_stmt *, int, const char *);
/* Returns a copy of column i (NULL stays NULL); the caller frees it. */
char		*store_column_dup(struct db_stmt *, int);

/* Prepares sql (store_stmt()) with ?1 an area, the top of a subtree, and
 * ?2, ?3 the span of time [since, until) bound; NULL when it fails. */
struct db_stmt	*store_stmt_span(struct store *, const char *sql, int64_t area,
		    time_t since, time_t until);
/*
 * Reads the first column of a prepared statement's rows as ids into out
 * (at most n; the limit is bound at parameter lim), then resets it; *count
 * gets how many, what names the caller in a failure.
 */
enum store_status store_ids(struct store *, struct db_stmt *, int lim,
		    int64_t *out, size_t n, size_t *count, const char *what);
/* The first column of a one-row query (an aggregate such as min()) as a
 * time, 0 when it is NULL. */
enum store_status store_time(struct store *, const char *sql, time_t *when);

/* Rewrites the search-index row of enterprise id from its name and
 * notices (storage/search.c). */
enum store_status search_reindex(struct store *, int64_t id);

#endif

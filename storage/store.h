/*
 * The store: one SQLite connection with its prepared statements. Each
 * thread opens its own (SQLite connections are not shared between
 * threads here). storage/ is the only part of fangfei that knows SQL;
 * every module API below reports an enum store_status.
 */
#ifndef FANGFEI_STORE_H
#define FANGFEI_STORE_H

#include <stddef.h>
#include <stdint.h>

enum store_status {
	STORE_OK = 0,
	STORE_NOT_FOUND,	/* no such row */
	STORE_INVALID,		/* the caller's data breaks a rule */
	STORE_BUSY,		/* the database stayed locked past the timeout */
	STORE_ERROR,		/* anything else: logged with SQLite's message */
};

#define STORE_KEY_LEN	32

struct store;

/* Flags of store_open(). */
#define STORE_MIGRATE	0x1	/* apply pending migrations */
#define STORE_READONLY	0x2

/*
 * Opens (creating if needed) the database at path with WAL, foreign keys
 * and a busy timeout. key protects reporters' identities (may be NULL for
 * tools that never touch them). Returns NULL with *cause set (caller frees)
 * on failure.
 */
struct store	*store_open(const char *path, const uint8_t *key, int flags,
		    char **cause);
/* Whether path names a PostgreSQL database (postgresql:// or
 * postgres://) rather than a file. */
int		 store_is_pg_url(const char *path);
/* The form of a database location (a file, or a URL) that messages and
 * logs show: a URL without its password and query. The caller frees it. */
char		*store_shown(const char *location);
void		 store_close(struct store *);
/* How many statements waited for a lock since the start (every
 * connection of the process). */
unsigned long	 store_busy_waits(void);
/* The message of the last failure on this connection, for the log. */
const char	*store_errmsg(struct store *);
const char	*store_strerror(enum store_status);
/* Current schema version and the newest one this build knows. */
int		 store_version(struct store *);
int		 store_latest_version(void);

/*
 * PostgreSQL: when the connection is broken (PQstatus() is
 * CONNECTION_BAD), connects again (PQreset()); the cached statements are
 * prepared again at their next use. Outside a transaction only: the
 * store does this itself before a transaction or a statement outside one. STORE_OK when the
 * connection is fine or made again; STORE_OK and nothing done on SQLite.
 */
enum store_status store_reconnect(struct store *);

/* Transactions: IMMEDIATE for writers, so two writers never deadlock. */
enum store_status store_begin(struct store *);
enum store_status store_commit(struct store *);
void		 store_rollback(struct store *);
/* A read transaction: one snapshot and one WAL read lock for several
 * statements. */
enum store_status store_begin_read(struct store *);
void		 store_end_read(struct store *);
/* Commits on this connection survive a killed process but not a power
 * cut (WAL, synchronous = NORMAL): for work whose loss only repeats it. */
enum store_status store_relaxed(struct store *);
/* A savepoint inside a transaction, so one bad row undoes only itself. */
enum store_status store_savepoint(struct store *);
enum store_status store_release(struct store *);
void		 store_rollback_to(struct store *);

/* What store_key_verify() found. */
enum keycheck_result {
	KEYCHECK_OK = 0,	/* the key matches (or was recorded just now) */
	KEYCHECK_MISMATCH,	/* the database was sealed under another key */
	KEYCHECK_MISSING,	/* a new key, but the database has a check
				   value or sealed rows: the old key is lost */
	KEYCHECK_ERROR,		/* no key, or the database failed */
};
/*
 * Checks the connection's reporter key against the check value kept in
 * the database, recording it when the database has none yet (a database
 * that predates check values is checked by opening one sealed row).
 * key_is_new says the key was made just now, for a missing key file:
 * then nothing is recorded, and KEYCHECK_OK means a new key may be
 * written (the caller writes the file, then calls again with 0).
 * *sealed gets the number of sealed identities, for the error message.
 */
enum keycheck_result store_key_verify(struct store *, int key_is_new,
		    long *sealed);

#endif

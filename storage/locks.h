/*
 * What several instances on one database agree on through it: who owns a
 * long-lived resource (a platform credential's long connection), which
 * instance runs a periodic job this turn, and whether the database is
 * there at all. The engine stays in storage/: on SQLite an owner lock is
 * a file next to the database (one machine), on PostgreSQL an advisory
 * lock of the store's connection (every instance on the database).
 */
#ifndef FANGFEI_LOCKS_H
#define FANGFEI_LOCKS_H

#include <stddef.h>
#include <time.h>

#include "store.h"

struct store_lock;

/*
 * A lock named name (letters, digits, '-' and '_': it is part of a file
 * name on SQLite) held through store s, which must outlive it; not taken
 * yet. On SQLite the lock is the file "<database>.<name>.lock", locked
 * with flock() and holding the owner's pid; on PostgreSQL a session-level
 * advisory lock whose key is a hash of name, held for as long as s's
 * connection lives (a dead owner's connection closes and PostgreSQL gives
 * the lock to the next one who asks).
 */
struct store_lock	*store_lock_new(struct store *s, const char *name);
/* Releases the lock if held, then frees it; NULL is a no-op. */
void		 store_lock_free(struct store_lock *);
/* Takes the lock if nobody holds it. 1: held now (or already); 0: another
 * holder has it; -1: could not ask (store_lock_errmsg says why). */
int		 store_lock_try(struct store_lock *);
/*
 * Whether a lock this holder took is still its own: on PostgreSQL it is
 * lost with its connection (the server going away, a reconnection), so
 * this asks the server (one round trip); on SQLite a file lock stays
 * until released. 1: held; 0: not held (lost, or never taken).
 */
int		 store_lock_check(struct store_lock *);
/* Gives the lock up (a no-op when not held). */
void		 store_lock_release(struct store_lock *);
/* Where the lock lives, for log lines: the file, or the advisory key. */
const char	*store_lock_where(const struct store_lock *);
/* The last failure of store_lock_try(). */
const char	*store_lock_errmsg(const struct store_lock *);

/*
 * Periodic jobs run by one instance at a time: store_job_begin() answers
 * 1 when this instance is to run job name now (and then the caller calls
 * store_job_end() after the run), 0 when another instance is running it
 * (skip this turn: that instance does the work), -1 when the database
 * could not be asked (store_errmsg). On SQLite, one process per database
 * file, it is always 1 and nothing is locked. Call both outside a
 * transaction.
 */
int		 store_job_begin(struct store *, const char *name);
void		 store_job_end(struct store *, const char *name);

/*
 * Checks that the database answers a trivial query; on PostgreSQL a
 * connection found broken is made again first (and once more when the
 * query finds it broken). Call only between statements: a reconnection
 * makes the prepared statements again, and loses the session-level
 * locks (see store_lock_check()). STORE_OK, or STORE_ERROR
 * with store_errmsg() saying why.
 */
enum store_status	 store_ping(struct store *);

/*
 * The id under which s claims outbox rows (storage/outbox.c) on
 * PostgreSQL: a random number held as a session advisory lock, so that
 * other instances can tell a live claimer (its lock is held) from a gone
 * one (its session ended: killed, or cut off). The id stays the same
 * across a reconnection, which takes its lock again at once, so rows
 * claimed before a brief outage remain this instance's. A new id is drawn
 * only when the old one is still held by the lost session. Returns the
 * id, 0 on SQLite (one sender per file), -1 when it could not be taken
 * (store_errmsg).
 */
int64_t		 store_claimer(struct store *);

/*
 * Wake-ups between instances on PostgreSQL (LISTEN/NOTIFY), so that an
 * idle sender starts on a broadcast another instance queued at once, not
 * at its next look. store_listen() subscribes s (again after each
 * reconnection); store_wake_fd() is the socket to poll for a wake-up, -1
 * on SQLite or without a connection; store_woken() reads what arrived
 * without waiting and answers how many wake-ups were among it.
 * store_wake_others(), in the writer's transaction, wakes every listener
 * when that commits. On SQLite all are no-ops (one process sends).
 */
int		 store_listen(struct store *);
int		 store_wake_fd(struct store *);
int		 store_woken(struct store *);
void		 store_wake_others(struct store *);

/*
 * Shared platform tokens. Some platforms revoke a credential's previous
 * access token when a new one is fetched, so instances on one PostgreSQL
 * database fetch each credential's token one at a time and reuse the one
 * fetched: it is kept in store_meta as "platform-token:<name>", sealed
 * under the store key. store_token_take(), called in a write transaction
 * (which orders the instances) when this instance has no token good for
 * margin more seconds, answers:
 *  - STORE_TOKEN_SHARED: value (NUL-terminated) holds a token another
 *    instance fetched, good until *expires (and not stale, the one this
 *    instance was told is no longer valid, when stale is not NULL);
 *  - STORE_TOKEN_WAIT: another instance is fetching it (its lease of
 *    lease seconds runs): look again in a few seconds;
 *  - STORE_TOKEN_FETCH: this instance is to fetch it now (and holds the
 *    lease); also on SQLite (one process per file), without a store key,
 *    and when the database cannot be read (a fetch then is as today).
 * store_token_put() stores what was fetched, valid until expires.
 */
enum store_token {
	STORE_TOKEN_FETCH,
	STORE_TOKEN_SHARED,
	STORE_TOKEN_WAIT,
};
enum store_token	 store_token_take(struct store *, const char *name,
			    time_t now, int margin, int lease,
			    const char *stale, char *value, size_t size,
			    time_t *expires);
void		 store_token_put(struct store *, const char *name,
		    const char *value, time_t expires);

#endif

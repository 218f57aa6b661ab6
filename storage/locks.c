/*
 * Owner locks, once-per-turn jobs and the database's health (locks.h).
 * SQLite serves one machine, so an owner lock is a file there; on
 * PostgreSQL several instances share the database and its advisory locks
 * are what they all see. Advisory keys are hashes of the lock's name, so
 * every instance computes the same key from the same name.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "locks.h"
#include "messages/xmalloc.h"
#include "reporters_int.h"
#include "store_int.h"

struct store_lock {
	struct store	*store;
	char		*name;
	char		*where;		/* the file, or "advisory lock N" */
	long long	 key;		/* PostgreSQL's advisory key */
	int		 fd;		/* SQLite: the open lock file, or -1 */
	int		 held;
	int		 backend;	/* PostgreSQL: the session that took it */
	char		 err[256];
};

/*
 * The advisory key of name: the first eight bytes of its SHA-256, with a
 * prefix so that no name's key is one of the fixed keys of storage/store.c
 * by design (a collision of 64-bit hashes is left to chance).
 */
static long long
locks_key(const char *name)
{
	static const char	 prefix[] = "fangfei-lock:";
	unsigned char		 md[32];
	unsigned int		 mdlen = 0;
	EVP_MD_CTX		*x = EVP_MD_CTX_new();
	unsigned long long	 k = 0;
	int			 i;

	if (x == NULL || EVP_DigestInit_ex(x, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(x, prefix, sizeof prefix - 1) != 1 ||
	    EVP_DigestUpdate(x, name, strlen(name)) != 1 ||
	    EVP_DigestFinal_ex(x, md, &mdlen) != 1)
		memset(md, 0, sizeof md);
	EVP_MD_CTX_free(x);
	for (i = 0; i < 8; i++)
		k = k << 8 | md[i];
	return (long long)k;
}

/* Records libpq's last message on s, on one line, after what. */
static void
locks_pg_err(struct store *s, const char *what)
{
	(void)snprintf(s->err, sizeof s->err, "%s: %.200s", what,
	    PQerrorMessage(s->pg));
	s->err[strcspn(s->err, "\n")] = '\0';
}

/*
 * Runs a one-row boolean query about advisory key on s: 1 for true, 0 for
 * false, -1 on failure (in s->err).
 */
static int
locks_pg_bool(struct store *s, const char *fn, long long key)
{
	PGresult	*res;
	char		 sql[96];
	int		 rc = -1;

	(void)snprintf(sql, sizeof sql, "SELECT %s(%lld)", fn, key);
	res = PQexec(s->pg, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    PQnfields(res) == 1)
		rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	else
		locks_pg_err(s, fn);
	PQclear(res);
	return rc;
}

struct store_lock *
store_lock_new(struct store *s, const char *name)
{
	struct store_lock	*l = xcalloc(1, sizeof *l);

	l->store = s;
	l->name = xstrdup(name);
	l->fd = -1;
	l->key = locks_key(name);
	if (s->pg != NULL)
		l->where = xasprintf("advisory lock %lld on %s", l->key,
		    s->path);
	else
		l->where = xasprintf("%s.%s.lock", s->path, name);
	return l;
}

void
store_lock_free(struct store_lock *l)
{
	if (l == NULL)
		return;
	store_lock_release(l);
	if (l->fd != -1)
		close(l->fd);
	free(l->name);
	free(l->where);
	free(l);
}

/* SQLite's side of store_lock_try(): flock() on the file, which writes
 * the owner's pid for an operator who wonders who holds it. */
static int
locks_file_try(struct store_lock *l)
{
	char	 pid[32];
	int	 n;

	if (l->fd == -1 && (l->fd = open(l->where,
	    O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		(void)snprintf(l->err, sizeof l->err, "cannot open the lock "
		    "file: %s", strerror(errno));
		return -1;
	}
	if (flock(l->fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			return 0;
		(void)snprintf(l->err, sizeof l->err, "cannot lock %s: %s",
		    l->where, strerror(errno));
		return -1;
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(l->fd, 0) == 0)
		(void)!write(l->fd, pid, (size_t)n);
	return 1;
}

int
store_lock_try(struct store_lock *l)
{
	struct store	*s = l->store;
	int		 rc;

	if (l->held)
		return 1;
	if (s->pg == NULL)
		rc = locks_file_try(l);
	else {
		/* A broken connection holds nothing: make it again, then
		 * ask. */
		if (store_reconnect(s) != STORE_OK) {
			(void)snprintf(l->err, sizeof l->err, "%s",
			    store_errmsg(s));
			return -1;
		}
		if ((rc = locks_pg_bool(s, "pg_try_advisory_lock",
		    l->key)) == -1)
			(void)snprintf(l->err, sizeof l->err, "%s",
			    store_errmsg(s));
		else
			l->backend = PQbackendPID(s->pg);
	}
	l->held = rc == 1;
	return rc;
}

int
store_lock_check(struct store_lock *l)
{
	struct store	*s = l->store;
	PGresult	*res;
	int		 ok;

	if (!l->held || s->pg == NULL)
		return l->held;
	/*
	 * The lock lives as long as the session that took it: the same
	 * backend, still answering. A query that fails leaves the
	 * connection CONNECTION_BAD and the lock is then presumed gone (the
	 * server ends a session it cannot reach).
	 */
	if (PQstatus(s->pg) == CONNECTION_OK &&
	    PQbackendPID(s->pg) == l->backend) {
		res = PQexec(s->pg, "SELECT 1");
		ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		PQclear(res);
		if (ok && PQbackendPID(s->pg) == l->backend)
			return 1;
	}
	l->held = 0;
	return 0;
}

void
store_lock_release(struct store_lock *l)
{
	struct store	*s;

	if (l == NULL || !l->held)
		return;
	s = l->store;
	if (s->pg == NULL)
		(void)flock(l->fd, LOCK_UN);
	else if (PQstatus(s->pg) == CONNECTION_OK &&
	    PQbackendPID(s->pg) == l->backend)
		(void)locks_pg_bool(s, "pg_advisory_unlock", l->key);
	l->held = 0;
}

const char *
store_lock_where(const struct store_lock *l)
{
	return l->where;
}

const char *
store_lock_errmsg(const struct store_lock *l)
{
	return l->err[0] ? l->err : "no error";
}

/*
 * A job's lock is session-level, not transaction-level: a job runs
 * several transactions of its own (and calls out between them), and the
 * lock must cover the whole run. It is released right after, so the next
 * instance to look takes its turn; the jobs' own writes (due times moved
 * on, rows marked done) keep that next turn from doing the work again.
 */
int
store_job_begin(struct store *s, const char *name)
{
	if (s->pg == NULL)
		return 1;
	if (store_reconnect(s) != STORE_OK)
		return -1;
	return locks_pg_bool(s, "pg_try_advisory_lock", locks_key(name));
}

void
store_job_end(struct store *s, const char *name)
{
	if (s->pg == NULL || PQstatus(s->pg) != CONNECTION_OK)
		return;	/* a lost connection took the lock with it */
	(void)locks_pg_bool(s, "pg_advisory_unlock", locks_key(name));
}

/*
 * Claimer locks use the two-key form, pg_advisory_lock(int, int), whose
 * locks pg_locks shows with objsubid 2: they never meet the one-key locks
 * above (objsubid 1). The first key is this namespace, the second the id.
 */
int64_t
store_claimer(struct store *s)
{
	PGresult	*res;
	unsigned char	 r[4];
	char		 sql[96];
	int64_t		 id;
	int		 tries, got;

	if (s->pg == NULL)
		return 0;
	if (s->claimer != 0 && s->claimer_backend == PQbackendPID(s->pg))
		return s->claimer;
	for (tries = 0; tries < 8; tries++) {
		if ((id = s->claimer) == 0 || tries > 0) {
			if (RAND_bytes(r, sizeof r) != 1) {
				(void)snprintf(s->err, sizeof s->err,
				    "claimer: no random bytes");
				return -1;
			}
			id = ((int64_t)(r[0] & 0x7f) << 24 | r[1] << 16 |
			    r[2] << 8 | r[3]);
			if (id == 0)
				continue;
		}
		(void)snprintf(sql, sizeof sql, "SELECT pg_try_advisory_lock("
		    "%d, %lld)", STORE_CLAIMER_NS, (long long)id);
		res = PQexec(s->pg, sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK ||
		    PQntuples(res) != 1) {
			PQclear(res);
			locks_pg_err(s, "claimer");
			return -1;
		}
		got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		if (got) {
			s->claimer = id;
			s->claimer_backend = PQbackendPID(s->pg);
			return id;
		}
	}
	(void)snprintf(s->err, sizeof s->err, "claimer: no free id");
	return -1;
}

int
store_listen(struct store *s)
{
	if (s->pg == NULL)
		return 0;
	s->listening = 1;
	if (pg_exec(s, "LISTEN fangfei_outbox") != DB_OK) {
		(void)store_fail(s, "listen");
		return -1;
	}
	return 0;
}

int
store_wake_fd(struct store *s)
{
	if (s->pg == NULL || !s->listening || PQstatus(s->pg) != CONNECTION_OK)
		return -1;
	return PQsocket(s->pg);
}

int
store_woken(struct store *s)
{
	PGnotify	*n;
	int		 woken = 0;

	if (s->pg == NULL || !s->listening || PQstatus(s->pg) != CONNECTION_OK)
		return 0;
	(void)PQconsumeInput(s->pg);	/* a broken one: the next query sees */
	while ((n = PQnotifies(s->pg)) != NULL) {
		woken++;
		PQfreemem(n);
	}
	return woken;
}

void
store_wake_others(struct store *s)
{
	if (s->pg != NULL)
		(void)pg_exec(s, "NOTIFY fangfei_outbox");
}

enum store_status
store_ping(struct store *s)
{
	struct db_stmt	*st;
	PGresult	*res;
	int		 tries, ok = 0;

	if (s->pg == NULL) {
		if ((st = store_prepare(s, "SELECT 1")) == NULL)
			return STORE_ERROR;
		if (db_step(st) == DB_ROW)
			ok = 1;
		else
			(void)store_fail(s, "ping");
		db_finalize(st);
		return ok ? STORE_OK : STORE_ERROR;
	}
	/* A server that went away is only seen by the query that fails:
	 * then connect again and ask once more. */
	for (tries = 0; tries < 2 && !ok; tries++) {
		if (store_reconnect(s) != STORE_OK)
			return STORE_ERROR;
		res = PQexec(s->pg, "SELECT 1");
		ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		if (!ok)
			locks_pg_err(s, "ping");
		PQclear(res);
	}
	return ok ? STORE_OK : STORE_ERROR;
}

/* ---- Shared platform tokens (see locks.h) ---- */

static const char sql_token_get[] =
    "SELECT value FROM store_meta WHERE name = ?1";
static const char sql_token_set[] =
    "INSERT INTO store_meta (name, value) VALUES (?1, ?2)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value";

/*
 * The row's state, sealed: "<expires> <lease until>\n<token>". Returns 0
 * with a new string in *plain (the caller wipes and frees it), or -1
 * without a row (or one that does not open).
 */
static int
locks_token_read(struct store *s, const char *row, char **plain)
{
	struct db_stmt	*st;
	int		 rc = -1;

	*plain = NULL;
	if ((st = store_stmt(s, sql_token_get)) == NULL ||
	    store_bind_text(st, 1, row) != DB_OK)
		return -1;
	if (db_step(st) == DB_ROW && db_column_type(st, 0) == DB_BLOB)
		rc = reporters_unseal(s, db_column_blob(st, 0),
		    (size_t)db_column_bytes(st, 0), plain);
	db_reset(st);
	return rc;
}

/* Writes the row's state (see locks_token_read()). */
static void
locks_token_write(struct store *s, const char *row, time_t expires,
    time_t lease, const char *value)
{
	struct db_stmt	*st;
	char		*plain;
	uint8_t		*sealed = NULL;
	size_t		 n = 0;

	plain = xasprintf("%lld %lld\n%s", (long long)expires,
	    (long long)lease, value);
	if (reporters_seal(s, plain, &sealed, &n) == -1)
		goto out;
	if ((st = store_stmt(s, sql_token_set)) == NULL)
		goto out;
	if (store_bind_text(st, 1, row) != DB_OK ||
	    db_bind_blob(st, 2, sealed, (int)n, DB_STATIC) != DB_OK ||
	    db_step(st) != DB_DONE)
		(void)store_fail(s, "platform token");
	db_reset(st);
out:
	explicit_bzero(plain, strlen(plain));
	free(plain);
	free(sealed);
}

enum store_token
store_token_take(struct store *s, const char *name, time_t now, int margin,
    int lease, const char *stale, char *value, size_t size, time_t *expires)
{
	enum store_token	 rc = STORE_TOKEN_FETCH;
	char			*row = NULL, *plain = NULL, *tok;
	long long		 exp = 0, until = 0;

	*expires = 0;
	if (s->pg == NULL || !s->has_key)
		return STORE_TOKEN_FETCH;
	row = xasprintf("platform-token:%s", name);
	if (locks_token_read(s, row, &plain) == 0 &&
	    sscanf(plain, "%lld %lld", &exp, &until) == 2 &&
	    (tok = strchr(plain, '\n')) != NULL) {
		tok++;
		if (*tok != '\0' && now + margin < exp && strlen(tok) < size &&
		    (stale == NULL || strcmp(tok, stale) != 0)) {
			memcpy(value, tok, strlen(tok) + 1);
			*expires = (time_t)exp;
			rc = STORE_TOKEN_SHARED;
			goto out;
		}
		if (now < until) {
			rc = STORE_TOKEN_WAIT;
			goto out;
		}
	}
	/* Ours to fetch: the lease tells the others to wait for it. */
	locks_token_write(s, row, 0, now + lease, "");
out:
	if (plain != NULL) {
		explicit_bzero(plain, strlen(plain));
		free(plain);
	}
	free(row);
	return rc;
}

void
store_token_put(struct store *s, const char *name, const char *value,
    time_t expires)
{
	char	*row;

	if (s->pg == NULL || !s->has_key)
		return;
	row = xasprintf("platform-token:%s", name);
	locks_token_write(s, row, expires, 0, value);
	free(row);
}

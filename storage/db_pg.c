/*
 * PostgreSQL under storage/db.h, through libpq. A statement is prepared
 * on the connection the first time it is stepped, with SQLite's ?N
 * parameters written as $N; binding copies each value (as text, blobs in
 * binary); the first step executes it and the rest walk the result, which
 * comes back as text. Errors keep PostgreSQL's SQLSTATE and message on
 * the store for store_fail(): class 23 (integrity) is DB_CONSTRAINT,
 * serialization failures, deadlocks and lock timeouts are DB_BUSY.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "store_int.h"

/* PostgreSQL's type oids of the columns told apart (pg_type.dat). */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_FLOAT4	700
#define OID_FLOAT8	701
#define OID_NUMERIC	1700

struct pg_stmt {
	struct store	*store;
	char		*sql;		/* with $N */
	char		 name[24];	/* of the prepared statement */
	int		 prepared;
	int		 nparams;	/* the highest $N */
	char		**vals;		/* [nparams], owned; NULL is NULL */
	int		*lens;
	int		*fmts;		/* 0 text, 1 binary */
	PGresult	*res;		/* after the first step */
	int		 row, nrows;
	unsigned char	**blobs;	/* decoded bytea of this row, by column,
					   with a NUL after the bytes */
	size_t		*bloblens;
	int		 nblobs;
};

/*
 * Rewrites SQLite's parameters for PostgreSQL: ?N becomes $N and a bare
 * ? the next number; quoted strings and identifiers are copied as they
 * are. *nparams gets the highest number.
 */
char *
pg_sql(const char *sql, int *nparams)
{
	struct buf	 b;
	const char	*p;
	char		 q = 0;
	int		 next = 0, n, max = 0;

	buf_init(&b, strlen(sql) * 2 + 16);
	for (p = sql; *p != '\0'; p++) {
		if (q != 0) {
			if (*p == q)
				q = 0;
			(void)buf_add(&b, p, 1);
			continue;
		}
		if (*p == '\'' || *p == '"') {
			q = *p;
			(void)buf_add(&b, p, 1);
			continue;
		}
		if (*p != '?') {
			(void)buf_add(&b, p, 1);
			continue;
		}
		if (p[1] >= '0' && p[1] <= '9') {
			for (n = 0; p[1] >= '0' && p[1] <= '9'; p++)
				n = n * 10 + (p[1] - '0');
		} else
			n = ++next;
		if (n > next)
			next = n;
		if (n > max)
			max = n;
		(void)buf_addf(&b, "$%d", n);
	}
	*nparams = max;
	return buf_steal(&b);
}

/* Records a failed result (or the connection's error) on the store;
 * returns its DB_* code. */
int
pg_fail_result(struct store *s, PGresult *res)
{
	const char	*state = res ? PQresultErrorField(res,
			    PG_DIAG_SQLSTATE) : NULL;
	const char	*msg = res ? PQresultErrorMessage(res) : "";
	size_t		 n;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(s->pg);
	(void)snprintf(s->pgerr, sizeof s->pgerr, "%s [%s]", msg,
	    state ? state : "-----");
	/* libpq's messages end in a newline. */
	n = strcspn(s->pgerr, "\n");
	if (s->pgerr[n] != '\0')
		(void)snprintf(s->pgerr + n, sizeof s->pgerr - n, " [%s]",
		    state ? state : "-----");
	if (state == NULL)
		s->pgcode = DB_ERROR;
	else if (strncmp(state, "23", 2) == 0)
		s->pgcode = DB_CONSTRAINT;
	else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		s->pgcode = DB_BUSY;
	else
		s->pgcode = DB_ERROR;
	return s->pgcode;
}

/* A new statement for sql on s (prepared at its first step). */
struct pg_stmt *
pg_stmt_new(struct store *s, const char *sql)
{
	struct pg_stmt	*ps = xcalloc(1, sizeof *ps);

	ps->store = s;
	ps->sql = pg_sql(sql, &ps->nparams);
	(void)snprintf(ps->name, sizeof ps->name, "f%lu", ++s->pgstmts);
	if (ps->nparams > 0) {
		ps->vals = xcalloc((size_t)ps->nparams, sizeof *ps->vals);
		ps->lens = xcalloc((size_t)ps->nparams, sizeof *ps->lens);
		ps->fmts = xcalloc((size_t)ps->nparams, sizeof *ps->fmts);
	}
	ps->row = -1;
	return ps;
}

/* Forgets the decoded blobs of the current row. */
static void
pg_blobs_clear(struct pg_stmt *ps)
{
	int	 i;

	for (i = 0; i < ps->nblobs; i++) {
		free(ps->blobs[i]);
		ps->blobs[i] = NULL;
	}
}

/* Drops the result; the bindings stay. */
void
pg_reset(struct pg_stmt *ps)
{
	pg_blobs_clear(ps);
	PQclear(ps->res);
	ps->res = NULL;
	ps->row = -1;
	ps->nrows = 0;
}

/* After a new session: the statement is prepared again at its next
 * step (the caller's pointer stays valid). */
void
pg_stmt_forget(struct pg_stmt *ps)
{
	pg_reset(ps);
	ps->prepared = 0;
}

/* Drops the bindings. */
void
pg_clear(struct pg_stmt *ps)
{
	int	 i;

	for (i = 0; i < ps->nparams; i++) {
		free(ps->vals[i]);
		ps->vals[i] = NULL;
		ps->lens[i] = 0;
		ps->fmts[i] = 0;
	}
}

/* Frees the statement (the server's copy goes with the connection). */
void
pg_stmt_free(struct pg_stmt *ps)
{
	if (ps == NULL)
		return;
	pg_reset(ps);
	pg_clear(ps);
	free(ps->blobs);
	free(ps->bloblens);
	free(ps->vals);
	free(ps->lens);
	free(ps->fmts);
	free(ps->sql);
	free(ps);
}

/*
 * Frees a statement of its own and drops the server's copy. The store's
 * error is left as it was: a caller discards the statement that failed
 * before it calls store_fail(), and a DEALLOCATE refused after that
 * failure (a transaction it aborted, a broken connection) must not take
 * the first error's place. The server's copy then stays until the session
 * ends; an aborted transaction accepts nothing but its rollback, so
 * DEALLOCATE is not even sent.
 */
void
pg_stmt_discard(struct pg_stmt *ps)
{
	PGconn		*conn;
	char		 sql[48];

	if (ps == NULL)
		return;
	conn = ps->store->pg;
	if (ps->prepared && PQstatus(conn) == CONNECTION_OK &&
	    PQtransactionStatus(conn) != PQTRANS_INERROR) {
		(void)snprintf(sql, sizeof sql, "DEALLOCATE %s", ps->name);
		PQclear(PQexec(conn, sql));
	}
	pg_stmt_free(ps);
}

/* Puts a copy of n bytes at parameter i (1-based). */
static int
pg_bind(struct pg_stmt *ps, int i, const void *v, size_t n, int fmt)
{
	char	*copy;

	if (i < 1 || i > ps->nparams)
		return DB_ERROR;
	copy = xmalloc(n + 1);
	memcpy(copy, v, n);
	copy[n] = '\0';
	free(ps->vals[i - 1]);
	ps->vals[i - 1] = copy;
	ps->lens[i - 1] = (int)n;
	ps->fmts[i - 1] = fmt;
	return DB_OK;
}

int
pg_bind_int64(struct pg_stmt *ps, int i, int64_t v)
{
	char	 t[24];
	int	 n = snprintf(t, sizeof t, "%" PRId64, v);

	return pg_bind(ps, i, t, (size_t)n, 0);
}

int
pg_bind_double(struct pg_stmt *ps, int i, double v)
{
	char	 t[40];
	int	 n = snprintf(t, sizeof t, "%.17g", v);

	return pg_bind(ps, i, t, (size_t)n, 0);
}

int
pg_bind_text(struct pg_stmt *ps, int i, const char *v, int n)
{
	if (v == NULL)
		return pg_bind_null(ps, i);
	return pg_bind(ps, i, v, n < 0 ? strlen(v) : (size_t)n, 0);
}

int
pg_bind_blob(struct pg_stmt *ps, int i, const void *v, int n)
{
	if (v == NULL)
		return pg_bind_null(ps, i);
	return pg_bind(ps, i, v, n < 0 ? 0 : (size_t)n, 1);
}

int
pg_bind_null(struct pg_stmt *ps, int i)
{
	if (i < 1 || i > ps->nparams)
		return DB_ERROR;
	free(ps->vals[i - 1]);
	ps->vals[i - 1] = NULL;
	ps->lens[i - 1] = 0;
	ps->fmts[i - 1] = 0;
	return DB_OK;
}

/* Prepares the statement on the server once per connection. */
static int
pg_prepare(struct pg_stmt *ps)
{
	struct store	*s = ps->store;
	PGresult	*res;
	int		 rc = DB_OK;

	if (ps->prepared)
		return DB_OK;
	res = PQprepare(s->pg, ps->name, ps->sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail_result(s, res);
	else
		ps->prepared = 1;
	PQclear(res);
	return rc;
}

/*
 * Notes the rows a result changed as store_changes() reports them: as
 * SQLite's sqlite3_changes(), only an INSERT, UPDATE or DELETE (with or
 * without RETURNING) sets the count; any other statement, a SELECT or a
 * COMMIT, leaves the last one.
 */
static void
pg_note_changes(struct store *s, PGresult *res)
{
	const char	*tag = PQcmdStatus(res);

	if (tag == NULL || (strncmp(tag, "INSERT ", 7) != 0 &&
	    strncmp(tag, "UPDATE ", 7) != 0 && strncmp(tag, "DELETE ", 7) != 0))
		return;
	s->changes = strtol(PQcmdTuples(res), NULL, 10);
}

/*
 * The statements of the BEGIN store_begin*() asked for, which takes the
 * pending one; their number.
 */
static int
pg_begin_sql(struct store *s, char (*q)[64])
{
	int	 kind = s->pgbegin;

	s->pgbegin = PG_BEGIN_NONE;
	switch (kind) {
	case PG_BEGIN_READ:
		(void)snprintf(q[0], sizeof q[0],
		    "BEGIN ISOLATION LEVEL REPEATABLE READ");
		return 1;
	case PG_BEGIN_WRITE:
		(void)snprintf(q[0], sizeof q[0], "BEGIN");
		(void)snprintf(q[1], sizeof q[1],
		    "SELECT pg_advisory_xact_lock(%lld)",
		    (long long)STORE_PG_WRITE_LOCK);
		return 2;
	}
	return 0;
}

/* Sends a pending BEGIN on its own. */
int
pg_begun(struct store *s)
{
	char	 q[2][64];
	int	 i, n, rc = DB_OK;

	n = pg_begin_sql(s, q);
	for (i = 0; i < n && rc == DB_OK; i++)
		rc = pg_exec(s, q[i]);
	return rc;
}

/*
 * Executes ps with the pending BEGIN before it in one pipeline: one
 * round trip where there were two (three for a write, whose BEGIN also
 * takes the write lock). Returns the statement's result; when the BEGIN
 * failed, the BEGIN's, and the statement, which PostgreSQL then skipped,
 * fails with it. NULL when the connection failed.
 */
static PGresult *
pg_exec_begun(struct pg_stmt *ps)
{
	struct store	*s = ps->store;
	PGconn		*conn = s->pg;
	PGresult	*res, *out = NULL, *bad = NULL;
	char		 q[2][64];
	int		 i, n, sync;

	if (PQenterPipelineMode(conn) != 1) {
		if (pg_begun(s) != DB_OK)
			return NULL;
		return PQexecPrepared(conn, ps->name, ps->nparams,
		    (const char *const *)ps->vals, ps->lens, ps->fmts, 0);
	}
	n = pg_begin_sql(s, q);
	sync = 1;
	for (i = 0; i < n && sync; i++)
		sync = PQsendQueryParams(conn, q[i], 0, NULL, NULL, NULL, NULL,
		    0);
	sync = sync && PQsendQueryPrepared(conn, ps->name, ps->nparams,
	    (const char *const *)ps->vals, ps->lens, ps->fmts, 0) &&
	    PQpipelineSync(conn);
	/* Each statement's result and the NULL that ends it, then the
	 * sync's result; on a broken connection a NULL comes early. */
	for (i = 0; sync && i <= n; i++) {
		if ((res = PQgetResult(conn)) == NULL)
			break;
		if (i == n)
			out = res;
		else if (bad == NULL &&
		    PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK)
			bad = res;
		else
			PQclear(res);
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
	}
	for (i = 0; sync && i < 4 && (res = PQgetResult(conn)) != NULL; i++) {
		sync = PQresultStatus(res) != PGRES_PIPELINE_SYNC;
		PQclear(res);
	}
	/* With results still queued (a broken connection) the connection
	 * stays in pipeline mode, and the next transaction's
	 * store_reconnect() connects again. */
	if (PQexitPipelineMode(conn) != 1 && bad == NULL && out != NULL &&
	    PQresultStatus(out) != PGRES_FATAL_ERROR) {
		PQclear(out);
		out = NULL;
	}
	if (bad != NULL) {
		PQclear(out);
		return bad;
	}
	return out;
}

/* Executes at the first step, then returns the rows one by one. */
int
pg_step(struct pg_stmt *ps)
{
	struct store	*s = ps->store;
	int		 rc;

	if (ps->res == NULL) {
		if ((rc = pg_prepare(ps)) != DB_OK)
			return rc;
		ps->res = s->pgbegin != PG_BEGIN_NONE ? pg_exec_begun(ps) :
		    PQexecPrepared(s->pg, ps->name, ps->nparams,
		    (const char *const *)ps->vals, ps->lens, ps->fmts, 0);
		switch (PQresultStatus(ps->res)) {
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			break;
		default:
			rc = pg_fail_result(s, ps->res);
			PQclear(ps->res);
			ps->res = NULL;
			return rc;
		}
		pg_note_changes(s, ps->res);
		ps->nrows = PQntuples(ps->res);
		ps->row = -1;
		if (ps->nblobs < PQnfields(ps->res)) {
			ps->blobs = xrealloc(ps->blobs,
			    (size_t)PQnfields(ps->res) * sizeof *ps->blobs);
			ps->bloblens = xrealloc(ps->bloblens,
			    (size_t)PQnfields(ps->res) * sizeof *ps->bloblens);
			memset(ps->blobs + ps->nblobs, 0,
			    (size_t)(PQnfields(ps->res) - ps->nblobs) *
			    sizeof *ps->blobs);
			ps->nblobs = PQnfields(ps->res);
		}
	}
	pg_blobs_clear(ps);
	if (ps->row + 1 >= ps->nrows) {
		ps->row = ps->nrows;
		return DB_DONE;
	}
	ps->row++;
	return DB_ROW;
}

/* Whether column c of the current row exists and is not NULL. */
static int
pg_has(struct pg_stmt *ps, int c)
{
	return ps->res != NULL && ps->row >= 0 && ps->row < ps->nrows &&
	    c >= 0 && c < PQnfields(ps->res) &&
	    !PQgetisnull(ps->res, ps->row, c);
}

int
pg_column_type(struct pg_stmt *ps, int c)
{
	if (!pg_has(ps, c))
		return DB_NULL;
	switch (PQftype(ps->res, c)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		return DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return DB_FLOAT;
	case OID_BYTEA:
		return DB_BLOB;
	}
	return DB_TEXT;
}

int64_t
pg_column_int64(struct pg_stmt *ps, int c)
{
	const char	*v;

	if (!pg_has(ps, c))
		return 0;
	v = PQgetvalue(ps->res, ps->row, c);
	if (PQftype(ps->res, c) == OID_BOOL)
		return v[0] == 't';
	if (PQftype(ps->res, c) == OID_NUMERIC ||
	    PQftype(ps->res, c) == OID_FLOAT8 ||
	    PQftype(ps->res, c) == OID_FLOAT4)
		return (int64_t)strtod(v, NULL);
	return (int64_t)strtoll(v, NULL, 10);
}

double
pg_column_double(struct pg_stmt *ps, int c)
{
	if (!pg_has(ps, c))
		return 0.0;
	return strtod(PQgetvalue(ps->res, ps->row, c), NULL);
}

/* A bytea column's text is its bytes, as SQLite gives a blob's (not
 * PostgreSQL's hex form). */
const unsigned char *
pg_column_text(struct pg_stmt *ps, int c)
{
	if (!pg_has(ps, c))
		return NULL;
	if (PQftype(ps->res, c) == OID_BYTEA)
		return pg_column_blob(ps, c);
	if (PQftype(ps->res, c) == OID_BOOL)
		return (const unsigned char *)(PQgetvalue(ps->res, ps->row,
		    c)[0] == 't' ? "1" : "0");
	return (const unsigned char *)PQgetvalue(ps->res, ps->row, c);
}

/* A bytea column decoded once per row, NUL-terminated so that it serves
 * pg_column_text() too; other columns as their text. */
const void *
pg_column_blob(struct pg_stmt *ps, int c)
{
	unsigned char	*raw;
	size_t		 n;

	if (!pg_has(ps, c))
		return NULL;
	if (PQftype(ps->res, c) != OID_BYTEA)
		return PQgetvalue(ps->res, ps->row, c);
	if (ps->blobs[c] == NULL) {
		raw = PQunescapeBytea((const unsigned char *)
		    PQgetvalue(ps->res, ps->row, c), &n);
		if (raw == NULL)
			return NULL;
		ps->blobs[c] = xmalloc(n + 1);
		memcpy(ps->blobs[c], raw, n);
		ps->blobs[c][n] = '\0';
		ps->bloblens[c] = n;
		PQfreemem(raw);
	}
	return ps->blobs[c];
}

int
pg_column_bytes(struct pg_stmt *ps, int c)
{
	if (!pg_has(ps, c))
		return 0;
	if (PQftype(ps->res, c) == OID_BYTEA) {
		if (pg_column_blob(ps, c) == NULL)
			return 0;
		return (int)ps->bloblens[c];
	}
	if (PQftype(ps->res, c) == OID_BOOL)
		return 1;
	return PQgetlength(ps->res, ps->row, c);
}

/* Runs SQL text (several statements) outside the statement cache; the
 * last statement's changed rows count as a stepped statement's do. */
int
pg_exec(struct store *s, const char *sql)
{
	PGresult	*res;
	int		 rc;

	if (s->pgbegin != PG_BEGIN_NONE && (rc = pg_begun(s)) != DB_OK)
		return rc;
	res = PQexec(s->pg, sql);
	rc = DB_OK;
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		pg_note_changes(s, res);
		break;
	default:
		rc = pg_fail_result(s, res);
	}
	PQclear(res);
	return rc;
}

/*
 * The statements of storage/, whatever the engine underneath: a prepared
 * statement is bound, stepped row by row, read column by column and
 * reset, with SQLite's names and result codes. On SQLite each call is
 * SQLite's own; on PostgreSQL (storage/db_pg.c) the statement is
 * prepared once per connection, the first step executes it with the
 * bound values and the following steps walk its result.
 *
 * Only storage/ includes this, through store_int.h.
 */
#ifndef FANGFEI_DB_H
#define FANGFEI_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* Result codes: SQLite's own values, so that SQLite's pass through. */
#define DB_OK		SQLITE_OK
#define DB_ERROR	SQLITE_ERROR
#define DB_BUSY		SQLITE_BUSY
#define DB_CONSTRAINT	SQLITE_CONSTRAINT
#define DB_ROW		SQLITE_ROW
#define DB_DONE		SQLITE_DONE

/* Column types. */
#define DB_INTEGER	SQLITE_INTEGER
#define DB_FLOAT	SQLITE_FLOAT
#define DB_TEXT		SQLITE_TEXT
#define DB_BLOB		SQLITE_BLOB
#define DB_NULL		SQLITE_NULL

/*
 * How long a bound text or blob stays valid: DB_STATIC until the next
 * step or reset (the caller keeps it), DB_TRANSIENT only during the call
 * (the statement copies it).
 */
#define DB_STATIC	0
#define DB_TRANSIENT	1

struct pg_stmt;

struct db_stmt {
	sqlite3_stmt	*lite;		/* SQLite, or NULL */
	struct pg_stmt	*pg;		/* PostgreSQL, or NULL */
};

/* PostgreSQL's side of each call (storage/db_pg.c). */
int		 pg_bind_int64(struct pg_stmt *, int, int64_t);
int		 pg_bind_double(struct pg_stmt *, int, double);
int		 pg_bind_text(struct pg_stmt *, int, const char *, int);
int		 pg_bind_blob(struct pg_stmt *, int, const void *, int);
int		 pg_bind_null(struct pg_stmt *, int);
int		 pg_step(struct pg_stmt *);
void		 pg_reset(struct pg_stmt *);
int		 pg_column_type(struct pg_stmt *, int);
int64_t		 pg_column_int64(struct pg_stmt *, int);
double		 pg_column_double(struct pg_stmt *, int);
const unsigned char *pg_column_text(struct pg_stmt *, int);
const void	*pg_column_blob(struct pg_stmt *, int);
int		 pg_column_bytes(struct pg_stmt *, int);

static inline int
db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	if (st->pg != NULL)
		return pg_bind_int64(st->pg, i, v);
	return sqlite3_bind_int64(st->lite, i, (sqlite3_int64)v);
}

static inline int
db_bind_int(struct db_stmt *st, int i, int v)
{
	return db_bind_int64(st, i, v);
}

static inline int
db_bind_double(struct db_stmt *st, int i, double v)
{
	if (st->pg != NULL)
		return pg_bind_double(st->pg, i, v);
	return sqlite3_bind_double(st->lite, i, v);
}

/* n < 0: up to the NUL. */
static inline int
db_bind_text(struct db_stmt *st, int i, const char *v, int n, int life)
{
	if (st->pg != NULL)
		return pg_bind_text(st->pg, i, v, n);
	return sqlite3_bind_text(st->lite, i, v, n,
	    life == DB_TRANSIENT ? SQLITE_TRANSIENT : SQLITE_STATIC);
}

static inline int
db_bind_blob(struct db_stmt *st, int i, const void *v, int n, int life)
{
	if (st->pg != NULL)
		return pg_bind_blob(st->pg, i, v, n);
	return sqlite3_bind_blob(st->lite, i, v, n,
	    life == DB_TRANSIENT ? SQLITE_TRANSIENT : SQLITE_STATIC);
}

static inline int
db_bind_null(struct db_stmt *st, int i)
{
	if (st->pg != NULL)
		return pg_bind_null(st->pg, i);
	return sqlite3_bind_null(st->lite, i);
}

/* DB_ROW, DB_DONE or an error code. */
static inline int
db_step(struct db_stmt *st)
{
	if (st->pg != NULL)
		return pg_step(st->pg);
	return sqlite3_step(st->lite);
}

/* Ready to step again; the bindings stay. */
static inline void
db_reset(struct db_stmt *st)
{
	if (st->pg != NULL)
		pg_reset(st->pg);
	else
		(void)sqlite3_reset(st->lite);
}

static inline int
db_column_type(struct db_stmt *st, int c)
{
	if (st->pg != NULL)
		return pg_column_type(st->pg, c);
	return sqlite3_column_type(st->lite, c);
}

static inline int64_t
db_column_int64(struct db_stmt *st, int c)
{
	if (st->pg != NULL)
		return pg_column_int64(st->pg, c);
	return sqlite3_column_int64(st->lite, c);
}

static inline int
db_column_int(struct db_stmt *st, int c)
{
	return (int)db_column_int64(st, c);
}

static inline double
db_column_double(struct db_stmt *st, int c)
{
	if (st->pg != NULL)
		return pg_column_double(st->pg, c);
	return sqlite3_column_double(st->lite, c);
}

/* Valid until the next step or reset; NULL for NULL. A blob's text is
 * its bytes with a NUL after them, on either engine. */
static inline const unsigned char *
db_column_text(struct db_stmt *st, int c)
{
	if (st->pg != NULL)
		return pg_column_text(st->pg, c);
	return sqlite3_column_text(st->lite, c);
}

static inline const void *
db_column_blob(struct db_stmt *st, int c)
{
	if (st->pg != NULL)
		return pg_column_blob(st->pg, c);
	return sqlite3_column_blob(st->lite, c);
}

/* Bytes of a text or blob column, after db_column_text or _blob. */
static inline int
db_column_bytes(struct db_stmt *st, int c)
{
	if (st->pg != NULL)
		return pg_column_bytes(st->pg, c);
	return sqlite3_column_bytes(st->lite, c);
}

#endif

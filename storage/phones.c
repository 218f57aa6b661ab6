/* Phone numbers of SMS lists and their opt-outs, sealed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "messages/hmac.h"
#include "phones.h"
#include "reporters_int.h"
#include "store_int.h"

#define PHONE_REF_LEN	32

static const char *const sql_ph_find =
    "SELECT id, area_id, opted_out_at IS NOT NULL FROM phones WHERE ref = ?1";
static const char *const sql_ph_add =
    "INSERT INTO phones (ref, sealed, name_sealed, area_id, opted_out_at,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char *const sql_ph_move =
    "UPDATE phones SET area_id = ?2, name_sealed = coalesce(?3, name_sealed),"
    " updated_at = ?4 WHERE id = ?1";
static const char *const sql_ph_opt =
    "UPDATE phones SET opted_out_at = ?2, updated_at = ?3 WHERE id = ?1";
static const char *const sql_ph_count =
    "SELECT count(*), count(p.opted_out_at) FROM phones p"
    " JOIN areas a ON a.id = p.area_id, areas r WHERE r.id = ?1"
    " AND" SQL_AREA_WITHIN("a", "r");

/* The keyed hash that finds a number's row. */
static int
phones_ref(const struct store *s, const char *e164, uint8_t out[PHONE_REF_LEN])
{
	uint8_t		 k[32];

	if (reporters_subkey(s, "fangfei phone ref", k) == -1)
		return -1;
	hmac_sha256(k, sizeof k, e164, strlen(e164), out);
	OPENSSL_cleanse(k, sizeof k);
	return 0;
}

/*
 * Looks e164 up: STORE_OK with its id, area (0: none) and opt-out, or
 * STORE_NOT_FOUND with ref filled for an insert.
 */
static enum store_status
phones_find(struct store *s, const char *e164, uint8_t ref[PHONE_REF_LEN],
    int64_t *id, int64_t *area, int *out)
{
	struct db_stmt	*st;
	int		 rc;

	if (phones_ref(s, e164, ref) == -1) {
		(void)snprintf(s->err, sizeof s->err, "phones: no store key");
		return STORE_ERROR;
	}
	if ((st = store_stmt(s, sql_ph_find)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, ref, PHONE_REF_LEN, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_DONE) {
		db_reset(st);
		return STORE_NOT_FOUND;
	}
	if (rc != DB_ROW)
		return store_fail(s, "phones_find");
	*id = db_column_int64(st, 0);
	*area = db_column_int64(st, 1);
	*out = db_column_int(st, 2);
	db_reset(st);
	return STORE_OK;
}

/* Inserts a new number, sealed, with its name sealed too. */
static enum store_status
phones_add(struct store *s, const uint8_t ref[PHONE_REF_LEN],
    const char *e164, int64_t area, const char *name, int out, time_t now)
{
	struct db_stmt		*st;
	uint8_t			*sealed = NULL, *nsealed = NULL;
	size_t			 slen = 0, nlen = 0;
	enum store_status	 rc = STORE_ERROR;

	if (reporters_seal(s, e164, &sealed, &slen) == -1 ||
	    (name != NULL && *name != '\0' &&
	    reporters_seal(s, name, &nsealed, &nlen) == -1)) {
		(void)snprintf(s->err, sizeof s->err, "phones: cannot seal");
		goto out;
	}
	if ((st = store_stmt(s, sql_ph_add)) == NULL)
		goto out;
	db_bind_blob(st, 1, ref, PHONE_REF_LEN, DB_STATIC);
	db_bind_blob(st, 2, sealed, (int)slen, DB_STATIC);
	if (nsealed != NULL)
		db_bind_blob(st, 3, nsealed, (int)nlen, DB_STATIC);
	if (area != 0)
		db_bind_int64(st, 4, area);
	if (out)
		db_bind_int64(st, 5, (int64_t)now);
	db_bind_int64(st, 6, (int64_t)now);
	if (db_step(st) != DB_DONE) {
		rc = store_fail(s, "phones_add");
		goto out;
	}
	db_reset(st);
	rc = STORE_OK;
out:
	free(sealed);
	free(nsealed);
	return rc;
}

/* Registers or moves a number. */
enum store_status
phones_put(struct store *s, const char *e164, int64_t area, const char *name,
    time_t now, enum phone_put *what)
{
	struct db_stmt		*st;
	uint8_t			 ref[PHONE_REF_LEN], *nsealed = NULL;
	size_t			 nlen = 0;
	int64_t			 id, old;
	int			 out;
	enum store_status	 rc;
	enum phone_put		 w;

	if (what == NULL)
		what = &w;
	rc = phones_find(s, e164, ref, &id, &old, &out);
	if (rc == STORE_NOT_FOUND) {
		*what = PHONE_ADDED;
		return phones_add(s, ref, e164, area, name, 0, now);
	}
	if (rc != STORE_OK)
		return rc;
	*what = PHONE_SAME;
	if (old == area && (name == NULL || *name == '\0'))
		return STORE_OK;
	if (name != NULL && *name != '\0' &&
	    reporters_seal(s, name, &nsealed, &nlen) == -1) {
		(void)snprintf(s->err, sizeof s->err, "phones: cannot seal");
		return STORE_ERROR;
	}
	rc = STORE_ERROR;
	if ((st = store_stmt(s, sql_ph_move)) == NULL)
		goto out;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, area);
	if (nsealed != NULL)
		db_bind_blob(st, 3, nsealed, (int)nlen, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)now);
	if (db_step(st) != DB_DONE) {
		rc = store_fail(s, "phones_put");
		goto out;
	}
	db_reset(st);
	/* A new name for the same place is not a move. */
	*what = old == area ? PHONE_SAME : PHONE_MOVED;
	rc = STORE_OK;
out:
	free(nsealed);
	return rc;
}

/* Opts a number out of broadcasts or back in. */
enum store_status
phones_set_opt_out(struct store *s, const char *e164, int out, time_t now,
    int *changed)
{
	struct db_stmt		*st;
	uint8_t			 ref[PHONE_REF_LEN];
	int64_t			 id, area;
	int			 was, c;
	enum store_status	 rc;

	if (changed == NULL)
		changed = &c;
	*changed = 0;
	rc = phones_find(s, e164, ref, &id, &area, &was);
	if (rc == STORE_NOT_FOUND) {
		/* Opting in a number never seen changes nothing. */
		if (!out)
			return STORE_OK;
		*changed = 1;
		return phones_add(s, ref, e164, 0, NULL, 1, now);
	}
	if (rc != STORE_OK || was == out)
		return rc;
	if ((st = store_stmt(s, sql_ph_opt)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (out)
		db_bind_int64(st, 2, (int64_t)now);
	db_bind_int64(st, 3, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "phones_set_opt_out");
	db_reset(st);
	*changed = 1;
	return STORE_OK;
}

/* Whether a number opted out. */
enum store_status
phones_opted_out(struct store *s, const char *e164, int *out)
{
	uint8_t			 ref[PHONE_REF_LEN];
	int64_t			 id, area;
	enum store_status	 rc;

	*out = 0;
	rc = phones_find(s, e164, ref, &id, &area, out);
	return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

/* Counts an area's numbers. */
enum store_status
phones_count(struct store *s, int64_t area, struct phone_counts *c)
{
	struct db_stmt	*st;

	memset(c, 0, sizeof *c);
	if ((st = store_stmt(s, sql_ph_count)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	if (db_step(st) != DB_ROW)
		return store_fail(s, "phones_count");
	c->numbers = db_column_int64(st, 0);
	c->opted_out = db_column_int64(st, 1);
	db_reset(st);
	return STORE_OK;
}

/*
 * The reporter key's check value. Sealed identities are readable only with
 * the key they were sealed under; a key file lost and silently replaced
 * would make every one of them unreadable for ever. So the database keeps
 * HMAC-SHA256(key, KEYCHECK_TEXT), and a start whose key does not match
 * (or that would make a new key while sealed rows exist) is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "messages/hmac.h"
#include "store_int.h"
#include "tips.h"

#define KEYCHECK_TEXT	"fangfei reporter key check v1"

static const char sql_meta_get[] =
    "SELECT value FROM store_meta WHERE name = 'key_check'";
static const char sql_meta_put[] =
    "INSERT INTO store_meta (name, value) VALUES ('key_check', ?1) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value";
static const char sql_sealed_count[] =
    "SELECT count(*), min(id) FROM reporters";

/* Computes the check value of the connection's key. */
static void
keycheck_value(const struct store *s, uint8_t out[32])
{
	hmac_sha256(s->key, STORE_KEY_LEN, KEYCHECK_TEXT,
	    strlen(KEYCHECK_TEXT), out);
}

/* Reads the stored check value: STORE_OK, STORE_NOT_FOUND or an error. */
static enum store_status
keycheck_get(struct store *s, uint8_t out[32])
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_meta_get)) == NULL)
		return STORE_ERROR;
	switch (db_step(st)) {
	case DB_ROW:
		if (db_column_bytes(st, 0) != 32) {
			rc = STORE_INVALID;
			break;
		}
		memcpy(out, db_column_blob(st, 0), 32);
		rc = STORE_OK;
		break;
	case DB_DONE:
		break;
	default:
		rc = store_fail(s, "key check");
	}
	db_reset(st);
	return rc;
}

/* Counts the sealed identities and finds the first one. */
static enum store_status
keycheck_sealed(struct store *s, long *n, int64_t *first)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_OK;

	if ((st = store_stmt(s, sql_sealed_count)) == NULL)
		return STORE_ERROR;
	if (db_step(st) == DB_ROW) {
		*n = (long)db_column_int64(st, 0);
		*first = db_column_int64(st, 1);
	} else
		rc = store_fail(s, "key check");
	db_reset(st);
	return rc;
}

/* Records the check value of the connection's key. */
static enum store_status
keycheck_put(struct store *s)
{
	struct db_stmt		*st;
	uint8_t			 v[32];
	enum store_status	 rc = STORE_OK;

	keycheck_value(s, v);
	if ((st = store_stmt(s, sql_meta_put)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, v, sizeof v, DB_TRANSIENT);
	if (db_step(st) != DB_DONE)
		rc = store_fail(s, "key check");
	db_reset(st);
	return rc;
}

/* Checks the connection's key against the database. */
enum keycheck_result
store_key_verify(struct store *s, int key_is_new, long *sealed)
{
	uint8_t		 want[32], have[32];
	char		*plain = NULL;
	int64_t		 first = 0;
	enum store_status rc;

	*sealed = 0;
	if (!s->has_key)
		return KEYCHECK_ERROR;
	if (keycheck_sealed(s, sealed, &first) != STORE_OK)
		return KEYCHECK_ERROR;
	rc = keycheck_get(s, want);
	if (rc == STORE_OK) {
		if (key_is_new)
			return KEYCHECK_MISSING;
		keycheck_value(s, have);
		return CRYPTO_memcmp(want, have, 32) == 0 ? KEYCHECK_OK :
		    KEYCHECK_MISMATCH;
	}
	if (rc != STORE_NOT_FOUND)
		return KEYCHECK_ERROR;
	/* A database from before check values: its sealed rows decide. */
	if (*sealed > 0) {
		if (key_is_new)
			return KEYCHECK_MISSING;
		if (reporters_open(s, first, &plain) != STORE_OK)
			return KEYCHECK_MISMATCH;
		explicit_bzero(plain, strlen(plain));
		free(plain);
	}
	/* A new key is recorded only once its file is safely written: the
	 * caller asks again with key_is_new = 0. */
	if (key_is_new)
		return KEYCHECK_OK;
	return keycheck_put(s) == STORE_OK ? KEYCHECK_OK : KEYCHECK_ERROR;
}

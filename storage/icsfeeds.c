/* Calendar feeds: their secrets' hashes, made, revoked and checked. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "icsfeeds.h"
#include "store_int.h"

static const char *const sql_feed_revoke =
    "UPDATE ics_feeds SET revoked_at = ?2 WHERE staff_id = ?1"
    " AND revoked_at IS NULL";
static const char *const sql_feed_add =
    "INSERT INTO ics_feeds (staff_id, hash, created_at)"
    " SELECT id, ?2, ?3 FROM staff WHERE id = ?1 AND active = 1";
static const char *const sql_feed_get =
    "SELECT f.staff_id, f.hash FROM ics_feeds f"
    " JOIN staff s ON s.id = f.staff_id"
    " WHERE f.hash = ?1 AND f.revoked_at IS NULL AND s.active = 1";

/* SHA-256 of a secret's text: 0, or -1. */
static int
icsfeeds_hash(const char *text, unsigned char out[32])
{
	unsigned int	 len = 32;

	return EVP_Digest(text, strlen(text), out, &len, EVP_sha256(), NULL) ?
	    0 : -1;
}

/* Makes a feed and returns its secret once. */
enum store_status
icsfeeds_create(struct store *s, int64_t staff, time_t now,
    char secret[ICSFEED_SECRET_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 raw[32], hash[32];
	struct db_stmt		*st;
	enum store_status	 rc = STORE_ERROR;
	size_t			 i;

	if (RAND_bytes(raw, sizeof raw) != 1)
		goto out;
	for (i = 0; i < sizeof raw; i++) {
		secret[2 * i] = hex[raw[i] >> 4];
		secret[2 * i + 1] = hex[raw[i] & 0xf];
	}
	secret[ICSFEED_SECRET_LEN] = '\0';
	if (icsfeeds_hash(secret, hash) == -1)
		goto out;
	if ((rc = icsfeeds_revoke(s, staff, now)) != STORE_OK &&
	    rc != STORE_NOT_FOUND)
		goto out;
	rc = STORE_ERROR;
	if ((st = store_stmt(s, sql_feed_add)) == NULL)
		goto out;
	db_bind_int64(st, 1, staff);
	db_bind_blob(st, 2, hash, sizeof hash, DB_TRANSIENT);
	db_bind_int64(st, 3, (int64_t)now);
	if (db_step(st) != DB_DONE) {
		rc = store_fail(s, "icsfeeds_create");
		goto out;
	}
	rc = store_changes(s) == 1 ? STORE_OK : STORE_NOT_FOUND;
out:
	OPENSSL_cleanse(raw, sizeof raw);
	if (rc != STORE_OK)
		OPENSSL_cleanse(secret, ICSFEED_SECRET_LEN + 1);
	return rc;
}

/* Revokes a staff member's live feed. */
enum store_status
icsfeeds_revoke(struct store *s, int64_t staff, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_feed_revoke)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_int64(st, 2, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "icsfeeds_revoke");
	return store_changes(s) > 0 ? STORE_OK : STORE_NOT_FOUND;
}

/* Checks a secret by its hash, comparing in constant time. */
enum store_status
icsfeeds_check(struct store *s, const char *secret, int64_t *staff)
{
	unsigned char		 hash[32];
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;
	size_t			 i;

	if (secret == NULL || strlen(secret) != ICSFEED_SECRET_LEN)
		return STORE_NOT_FOUND;
	for (i = 0; i < ICSFEED_SECRET_LEN; i++)
		if (strchr("0123456789abcdef", secret[i]) == NULL)
			return STORE_NOT_FOUND;
	if (icsfeeds_hash(secret, hash) == -1)
		return STORE_ERROR;
	if ((st = store_stmt(s, sql_feed_get)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, hash, sizeof hash, DB_STATIC);
	switch (db_step(st)) {
	case DB_ROW:
		if (db_column_bytes(st, 1) == 32 &&
		    CRYPTO_memcmp(db_column_blob(st, 1), hash, 32) == 0) {
			*staff = db_column_int64(st, 0);
			rc = STORE_OK;
		}
		break;
	case DB_DONE:
		break;
	default:
		rc = store_fail(s, "icsfeeds_check");
		break;
	}
	db_reset(st);
	return rc;
}

/*
 * Receipts: random digits, their slow hash, and the lookup by hash. The
 * salt is one per store (derived from the store key), not one per row,
 * so that finding a receipt's tip is one indexed query on the hash; it
 * is secret with the key, so the file alone gives nothing to guess on.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "receipts.h"
#include "reporters_int.h"
#include "store_int.h"

#define RECEIPT_HASH_LEN	32
/*
 * scrypt with N = 2^11, r = 8, p = 1: 2 MiB and about 4 ms on one core
 * of the machines fangfei runs on. Every lookup costs the daemon this,
 * and lookups are throttled per sender and per address, so it stays a
 * few ms of CPU per honest try; a guesser who took the database and its
 * key pays the same 4 ms for each of 10^16 receipts, in memory too, which
 * graphics cards do not shortcut as they would plain HMAC.
 */
#define RECEIPT_SCRYPT_N	(1u << 11)
#define RECEIPT_SCRYPT_R	8
#define RECEIPT_SCRYPT_P	1
#define RECEIPT_SCRYPT_MEM	(4u << 20)

static const char *const sql_receipt_insert =
    "INSERT INTO receipts (tip_id, hash, created_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT DO NOTHING";
static const char *const sql_receipt_find =
    "SELECT tip_id FROM receipts WHERE hash = ?1";
static const char *const sql_receipt_new_tip =
    "SELECT t.id, t.ref FROM tips t JOIN reporters r ON r.id = t.reporter_id"
    " WHERE r.ref = ?1 AND t.channel = ?2 AND t.created_at = ?3"
    " AND NOT EXISTS (SELECT 1 FROM receipts c WHERE c.tip_id = t.id)"
    " ORDER BY t.id DESC LIMIT 1";

/* Reads typed digits. */
int
receipt_parse(const char *in, char out[RECEIPT_DIGITS + 1])
{
	size_t	 n = 0, len;

	out[0] = '\0';
	if (in == NULL || (len = strlen(in)) == 0 || len > 80)
		return -1;
	while (*in != '\0') {
		if (*in >= '0' && *in <= '9') {
			if (n == RECEIPT_DIGITS)
				return out[0] = '\0', -1;
			out[n++] = *in++;
		} else if (*in == ' ' || *in == '-' || *in == '\t')
			in++;
		else if (strncmp(in, "\xe3\x80\x80", 3) == 0 ||	/* 　 */
		    strncmp(in, "\xef\xbc\x8d", 3) == 0)	/* － */
			in += 3;
		else if (strncmp(in, "\xef\xbc", 2) == 0 &&
		    (unsigned char)in[2] >= 0x90 &&
		    (unsigned char)in[2] <= 0x99) {
			/* Full-width digits, from a Chinese input method. */
			if (n == RECEIPT_DIGITS)
				return out[0] = '\0', -1;
			out[n++] = (char)('0' + ((unsigned char)in[2] - 0x90));
			in += 3;
		} else
			return out[0] = '\0', -1;
	}
	out[n] = '\0';
	if (n != RECEIPT_DIGITS)
		return out[0] = '\0', -1;
	return 0;
}

/* Groups digits 4-4-4-4. */
void
receipt_format(const char *digits, char out[RECEIPT_TEXT_MAX])
{
	(void)snprintf(out, RECEIPT_TEXT_MAX, "%.4s %.4s %.4s %.4s", digits,
	    digits + 4, digits + 8, digits + 12);
}

/* The slow hash of sixteen digits under the store's salt; -1 without a
 * key. */
static int
receipts_hash(const struct store *s, const char *digits,
    uint8_t out[RECEIPT_HASH_LEN])
{
	uint8_t	 salt[32];
	int	 rc;

	if (reporters_subkey(s, "fangfei receipt salt v1", salt) == -1)
		return -1;
	rc = EVP_PBE_scrypt(digits, RECEIPT_DIGITS, salt, sizeof salt,
	    RECEIPT_SCRYPT_N, RECEIPT_SCRYPT_R, RECEIPT_SCRYPT_P,
	    RECEIPT_SCRYPT_MEM, out, RECEIPT_HASH_LEN) == 1 ? 0 : -1;
	OPENSSL_cleanse(salt, sizeof salt);
	return rc;
}

/* Sixteen uniform random digits. */
static int
receipts_random(char digits[RECEIPT_DIGITS + 1])
{
	unsigned char	 rnd[32];
	size_t		 n = 0, i;

	while (n < RECEIPT_DIGITS) {
		if (RAND_bytes(rnd, sizeof rnd) != 1)
			return -1;
		/* Bytes from 250 up would favour the low digits. */
		for (i = 0; i < sizeof rnd && n < RECEIPT_DIGITS; i++)
			if (rnd[i] < 250)
				digits[n++] = (char)('0' + rnd[i] % 10);
	}
	digits[n] = '\0';
	OPENSSL_cleanse(rnd, sizeof rnd);
	return 0;
}

/* Gives a tip its receipt. */
enum store_status
receipts_issue(struct store *s, int64_t tip, time_t now,
    char digits[RECEIPT_DIGITS + 1])
{
	uint8_t		 h[RECEIPT_HASH_LEN];
	struct db_stmt	*st;
	int		 tries;

	/* Two receipts with one hash would open each other's tip; at 10^16
	 * that is a broken generator, but the UNIQUE index says so. */
	for (tries = 0; tries < 4; tries++) {
		if (receipts_random(digits) == -1)
			return store_fail(s, "receipts_issue: RAND_bytes");
		if (receipts_hash(s, digits, h) == -1)
			return store_fail(s, "receipts_issue: no key");
		if ((st = store_stmt(s, sql_receipt_insert)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, tip);
		db_bind_blob(st, 2, h, sizeof h, DB_STATIC);
		db_bind_int64(st, 3, (int64_t)now);
		if (db_step(st) != DB_DONE) {
			OPENSSL_cleanse(digits, RECEIPT_DIGITS);
			digits[0] = '\0';
			return store_fail(s, "receipts_issue");
		}
		db_reset(st);
		if (store_changes(s) == 1)
			return STORE_OK;
		if (receipts_find(s, digits, &(int64_t){ 0 }) != STORE_OK)
			break;	/* no clash on the hash: the tip had one */
	}
	OPENSSL_cleanse(digits, RECEIPT_DIGITS);
	digits[0] = '\0';
	return STORE_INVALID;
}

/* Gives a receipt to the tip a sender just made. */
enum store_status
receipts_issue_new(struct store *s, const char *channel, const char *sender,
    time_t now, char ref[TIP_REF_MAX], char digits[RECEIPT_DIGITS + 1])
{
	uint8_t			 who[REPORTER_REF_LEN];
	struct db_stmt		*st;
	int64_t			 tip = 0;

	digits[0] = '\0';
	ref[0] = '\0';
	if (reporters_ref(s, channel, sender, who) == -1)
		return store_fail(s, "receipts_issue_new: no key");
	if ((st = store_stmt(s, sql_receipt_new_tip)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, who, sizeof who, DB_STATIC);
	db_bind_text(st, 2, channel, -1, DB_STATIC);
	db_bind_int64(st, 3, (int64_t)now);
	if (db_step(st) == DB_ROW) {
		tip = db_column_int64(st, 0);
		(void)snprintf(ref, TIP_REF_MAX, "%s",
		    (const char *)db_column_text(st, 1));
	}
	db_reset(st);
	if (tip == 0)
		return STORE_NOT_FOUND;
	return receipts_issue(s, tip, now, digits);
}

/* Finds the tip of a receipt. */
enum store_status
receipts_find(struct store *s, const char *digits, int64_t *tip)
{
	uint8_t			 h[RECEIPT_HASH_LEN];
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if (digits == NULL || strlen(digits) != RECEIPT_DIGITS ||
	    strspn(digits, "0123456789") != RECEIPT_DIGITS)
		return STORE_NOT_FOUND;
	if (receipts_hash(s, digits, h) == -1)
		return store_fail(s, "receipts_find: no key");
	if ((st = store_stmt(s, sql_receipt_find)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, h, sizeof h, DB_STATIC);
	if (db_step(st) == DB_ROW) {
		*tip = db_column_int64(st, 0);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

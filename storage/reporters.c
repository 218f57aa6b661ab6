/*
 * Reporters' identities: sealed with AES-256-GCM, looked up by an
 * HMAC-SHA256 of (channel, sender). Both keys are derived from the store
 * key, so the database file alone reveals no reporter.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "messages/hmac.h"
#include "messages/xmalloc.h"
#include "reporters_int.h"
#include "store_int.h"

#define SEAL_PURPOSE	"fangfei reporter seal"
#define SEAL_NONCE	12
#define SEAL_TAG	16

static const char *const sql_rep_find =
    "SELECT id FROM reporters WHERE ref = ?1";
static const char *const sql_rep_insert =
    "INSERT INTO reporters (ref, sealed, created_at) VALUES (?1, ?2, ?3)"
    " RETURNING id";
static const char *const sql_rep_sealed =
    "SELECT sealed FROM reporters WHERE id = ?1";

/* Derives a purpose key from the store key. */
int
reporters_subkey(const struct store *s, const char *purpose,
    uint8_t out[32])
{
	if (!s->has_key)
		return -1;
	hmac_sha256(s->key, STORE_KEY_LEN, purpose, strlen(purpose), out);
	return 0;
}

/*
 * Derives the seal key once, when the store gets its key: every delivery
 * to a robot opens a seal, and the derivation cost twice the opening.
 * The cipher context that opens seals is keyed here too (the AES key
 * schedule and GCM's table were 2.4k of an opening's 5.5k instructions);
 * a store belongs to one thread, and so does its context.
 */
void
reporters_key_init(struct store *s)
{
	if (!s->has_key)
		return;
	hmac_sha256(s->key, STORE_KEY_LEN, SEAL_PURPOSE,
	    sizeof SEAL_PURPOSE - 1, s->seal_key);
	if ((s->open_ctx = EVP_CIPHER_CTX_new()) != NULL &&
	    !EVP_DecryptInit_ex(s->open_ctx, crypto_aes_256_gcm(), NULL,
	    s->seal_key, NULL)) {
		EVP_CIPHER_CTX_free(s->open_ctx);
		s->open_ctx = NULL;
	}
}

/* Frees the keyed context (store_close()). */
void
reporters_key_free(struct store *s)
{
	EVP_CIPHER_CTX_free(s->open_ctx);
	s->open_ctx = NULL;
}

/* Computes the lookup hash of an identity: HMAC over channel NUL sender. */
int
reporters_ref(const struct store *s, const char *channel, const char *sender,
    uint8_t out[REPORTER_REF_LEN])
{
	uint8_t		 k[32];
	char		*msg;
	size_t		 clen = strlen(channel), slen = strlen(sender);

	if (reporters_subkey(s, "fangfei reporter ref", k) == -1)
		return -1;
	msg = xmalloc(clen + 1 + slen);
	memcpy(msg, channel, clen + 1);
	memcpy(msg + clen + 1, sender, slen);
	hmac_sha256(k, sizeof k, msg, clen + 1 + slen, out);
	free(msg);
	OPENSSL_cleanse(k, sizeof k);
	return 0;
}

/* Seals plain into nonce || ciphertext || tag (caller frees *out). */
int
reporters_seal(const struct store *s, const char *plain, uint8_t **out,
    size_t *outlen)
{
	uint8_t		*buf = NULL;
	EVP_CIPHER_CTX	*c = NULL;
	size_t		 n = strlen(plain);
	int		 len, rc = -1;

	if (!s->has_key)
		return -1;
	buf = xmalloc(SEAL_NONCE + n + SEAL_TAG);
	if (RAND_bytes(buf, SEAL_NONCE) != 1 ||
	    (c = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_EncryptInit_ex(c, crypto_aes_256_gcm(), NULL, s->seal_key,
	    buf) ||
	    !EVP_EncryptUpdate(c, buf + SEAL_NONCE, &len,
	    (const unsigned char *)plain, (int)n) ||
	    !EVP_EncryptFinal_ex(c, buf + SEAL_NONCE + len, &len) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
	    buf + SEAL_NONCE + n))
		goto out;
	*out = buf;
	*outlen = SEAL_NONCE + n + SEAL_TAG;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	EVP_CIPHER_CTX_free(c);
	return rc;
}

/* Opens a sealed blob; -1 if it was tampered with. */
int
reporters_unseal(const struct store *s, const uint8_t *in, size_t n,
    char **plain)
{
	EVP_CIPHER_CTX	*own = NULL, *c;
	char		*buf = NULL;
	size_t		 clen;
	int		 len, rc = -1;

	if (n < SEAL_NONCE + SEAL_TAG || !s->has_key)
		return -1;
	clen = n - SEAL_NONCE - SEAL_TAG;
	buf = xmalloc(clen + 1);
	/* The store's keyed context takes the nonce alone. */
	if ((c = s->open_ctx) != NULL) {
		if (!EVP_DecryptInit_ex(c, NULL, NULL, NULL, in))
			goto out;
	} else if ((c = own = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_DecryptInit_ex(c, crypto_aes_256_gcm(), NULL, s->seal_key,
	    in))
		goto out;
	if (!EVP_DecryptUpdate(c, (unsigned char *)buf, &len, in + SEAL_NONCE,
	    (int)clen) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
	    (void *)(uintptr_t)(in + SEAL_NONCE + clen)) ||
	    EVP_DecryptFinal_ex(c, (unsigned char *)buf + len, &len) != 1)
		goto out;
	buf[clen] = '\0';
	*plain = buf;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL)
		explicit_bzero(buf, clen + 1);
	free(buf);
	EVP_CIPHER_CTX_free(own);
	return rc;
}

/* Finds or creates the reporter row of an identity. */
enum store_status
reporters_put(struct store *s, const struct reporter_identity *who,
    time_t now, int64_t *id)
{
	uint8_t			 ref[REPORTER_REF_LEN], *sealed = NULL;
	size_t			 sealedlen;
	char			*plain = NULL;
	struct db_stmt		*st;
	enum store_status	 rc = STORE_ERROR;

	if (reporters_ref(s, who->channel, who->sender_id, ref) == -1)
		return STORE_ERROR;
	if ((st = store_stmt(s, sql_rep_find)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, ref, sizeof ref, DB_STATIC);
	if (db_step(st) == DB_ROW) {
		*id = db_column_int64(st, 0);
		db_reset(st);
		return STORE_OK;
	}
	db_reset(st);
	plain = xasprintf("%s\n%s\n%s\n%s", who->channel, who->sender_id,
	    who->sender_name ? who->sender_name : "",
	    who->chat_id ? who->chat_id : "");
	if (reporters_seal(s, plain, &sealed, &sealedlen) == -1)
		goto out;
	if ((st = store_stmt(s, sql_rep_insert)) == NULL)
		goto out;
	db_bind_blob(st, 1, ref, sizeof ref, DB_STATIC);
	db_bind_blob(st, 2, sealed, (int)sealedlen, DB_STATIC);
	db_bind_int64(st, 3, (int64_t)now);
	if (db_step(st) != DB_ROW) {
		rc = store_fail(s, "reporters_put");
		goto out;
	}
	*id = db_column_int64(st, 0);
	db_reset(st);
	rc = STORE_OK;
out:
	if (plain != NULL) {
		OPENSSL_cleanse(plain, strlen(plain));
		free(plain);
	}
	free(sealed);
	return rc;
}

/* Opens a reporter's identity. */
enum store_status
reporters_open(struct store *s, int64_t id, char **plain)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_rep_sealed)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (db_step(st) == DB_ROW)
		rc = reporters_unseal(s, db_column_blob(st, 0),
		    (size_t)db_column_bytes(st, 0), plain) == 0 ?
		    STORE_OK : STORE_INVALID;
	db_reset(st);
	return rc;
}

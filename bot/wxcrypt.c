/*
 * WXBizMsgCrypt for WeCom and WeChat Official Accounts (see wxcrypt.h).
 * All AES and SHA-1 through OpenSSL EVP, with OpenSSL's own padding off:
 * the scheme pads to 32-byte blocks, which this file adds and checks.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "wxcrypt.h"
#include "platb64.h"
#include "xmlmsg.h"
#include "messages/hmac.h"
#include "messages/xmalloc.h"

#define WXCRYPT_HEAD	(WXCRYPT_RANDOM_LEN + 4)	/* random + length */

/* Texts of enum wxcrypt_status, for log lines. */
const char *
wxcrypt_strerror(enum wxcrypt_status s)
{
	switch (s) {
	case WXCRYPT_OK:
		return "ok";
	case WXCRYPT_BAD_KEY:
		return "EncodingAESKey is not 43 base64 characters";
	case WXCRYPT_TOO_LONG:
		return "input too long";
	case WXCRYPT_BAD_BASE64:
		return "ciphertext is not base64";
	case WXCRYPT_BAD_LENGTH:
		return "ciphertext is not whole AES blocks";
	case WXCRYPT_BAD_PADDING:
		return "bad PKCS#7 padding";
	case WXCRYPT_BAD_MSG_LEN:
		return "message length field out of bounds";
	case WXCRYPT_BAD_RECEIVEID:
		return "receiveid does not match";
	case WXCRYPT_BAD_SIGNATURE:
		return "signature does not match";
	case WXCRYPT_BAD_PARAM:
		return "timestamp or nonce unfit for the reply";
	case WXCRYPT_CRYPTO:
		return "OpenSSL failure";
	}
	return "unknown wxcrypt status";
}

/* Decodes the EncodingAESKey (43 characters plus the missing "="). */
enum wxcrypt_status
wxcrypt_key_parse(const char *encoding_aes_key, struct wxcrypt_key *k)
{
	enum wxcrypt_status	 rc = WXCRYPT_BAD_KEY;
	char			 b64[WXCRYPT_AESKEY_LEN + 2];
	unsigned char		*raw = NULL;
	size_t			 n;

	memset(k, 0, sizeof *k);
	if (encoding_aes_key == NULL ||
	    strlen(encoding_aes_key) != WXCRYPT_AESKEY_LEN)
		goto out;
	memcpy(b64, encoding_aes_key, WXCRYPT_AESKEY_LEN);
	b64[WXCRYPT_AESKEY_LEN] = '=';
	b64[WXCRYPT_AESKEY_LEN + 1] = '\0';
	if (platb64_decode(b64, WXCRYPT_AESKEY_LEN + 1, sizeof b64, &raw,
	    &n) == -1 || n != sizeof k->aes)
		goto out;
	memcpy(k->aes, raw, sizeof k->aes);
	rc = WXCRYPT_OK;
out:
	if (raw != NULL) {
		OPENSSL_cleanse(raw, n);
		free(raw);
	}
	OPENSSL_cleanse(b64, sizeof b64);
	return rc;
}

/* Orders two strings for qsort, byte-wise (strcmp), as the platforms do. */
static int
wxcrypt_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Computes the sorted-concatenation SHA-1 (see wxcrypt.h). */
enum wxcrypt_status
wxcrypt_signature(const char *token, const char *timestamp, const char *nonce,
    const char *encrypt, char out[WXCRYPT_SIG_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	enum wxcrypt_status	 rc = WXCRYPT_TOO_LONG;
	const char		*v[4];
	EVP_MD_CTX		*md = NULL;
	unsigned char		 dig[EVP_MAX_MD_SIZE];
	unsigned int		 dlen = 0, i;
	size_t			 n = 3;

	out[0] = '\0';
	if (token == NULL || timestamp == NULL || nonce == NULL ||
	    strlen(token) > WXCRYPT_PARAM_MAX ||
	    strlen(timestamp) > WXCRYPT_PARAM_MAX ||
	    strlen(nonce) > WXCRYPT_PARAM_MAX)
		goto out;
	v[0] = token;
	v[1] = timestamp;
	v[2] = nonce;
	if (encrypt != NULL) {
		if (strlen(encrypt) > WXCRYPT_ENCRYPT_MAX)
			goto out;
		v[n++] = encrypt;
	}
	qsort(v, n, sizeof v[0], wxcrypt_cmp);
	rc = WXCRYPT_CRYPTO;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, crypto_sha1(), NULL) != 1)
		goto out;
	for (i = 0; i < n; i++)
		if (EVP_DigestUpdate(md, v[i], strlen(v[i])) != 1)
			goto out;
	if (EVP_DigestFinal_ex(md, dig, &dlen) != 1 ||
	    dlen * 2 != WXCRYPT_SIG_LEN)
		goto out;
	for (i = 0; i < dlen; i++) {
		out[2 * i] = hex[dig[i] >> 4];
		out[2 * i + 1] = hex[dig[i] & 0xf];
	}
	out[WXCRYPT_SIG_LEN] = '\0';
	rc = WXCRYPT_OK;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

/* Checks a signature in constant time (see wxcrypt.h). */
enum wxcrypt_status
wxcrypt_verify(const char *token, const char *timestamp, const char *nonce,
    const char *encrypt, const char *signature)
{
	enum wxcrypt_status	 rc;
	char			 want[WXCRYPT_SIG_LEN + 1];

	rc = wxcrypt_signature(token, timestamp, nonce, encrypt, want);
	if (rc != WXCRYPT_OK)
		return rc;
	if (signature == NULL || strlen(signature) != WXCRYPT_SIG_LEN ||
	    CRYPTO_memcmp(signature, want, WXCRYPT_SIG_LEN) != 0)
		return WXCRYPT_BAD_SIGNATURE;
	return WXCRYPT_OK;
}

/* The Official Account's plain-mode signature check. */
enum wxcrypt_status
wxcrypt_verify_plain(const char *token, const char *timestamp,
    const char *nonce, const char *signature)
{
	return wxcrypt_verify(token, timestamp, nonce, NULL, signature);
}

/*
 * What a thread keeps between messages: an AES context for each
 * direction with the key it was set up with (OpenSSL's setting up was
 * 4.5k instructions a message each way; the IV alone is set again), and
 * random bytes drawn ahead for public values (one RAND_bytes() call was
 * 6.6k instructions, and a WeCom answer made two). Made at a thread's
 * first message, freed, the key and the bytes wiped, when it ends.
 */
struct wxcrypt_thread {
	EVP_CIPHER_CTX	*ctx[2];		/* [enc] */
	unsigned char	 ctxkey[2][32];		/* set up for, if ready */
	int		 ready[2];
	unsigned char	 pool[512];
	size_t		 left;			/* unused bytes at the end */
};

static pthread_key_t	wxcrypt_tkey;
static pthread_once_t	wxcrypt_tkey_once = PTHREAD_ONCE_INIT;
static int		wxcrypt_tkey_ok;

static void
wxcrypt_thread_free(void *arg)
{
	struct wxcrypt_thread	*t = arg;

	EVP_CIPHER_CTX_free(t->ctx[0]);
	EVP_CIPHER_CTX_free(t->ctx[1]);
	OPENSSL_cleanse(t, sizeof *t);
	free(t);
}

static void
wxcrypt_tkey_make(void)
{
	wxcrypt_tkey_ok = pthread_key_create(&wxcrypt_tkey,
	    wxcrypt_thread_free) == 0;
}

/* This thread's state, or NULL when it cannot keep one. */
static struct wxcrypt_thread *
wxcrypt_thread(void)
{
	struct wxcrypt_thread	*t;

	if (pthread_once(&wxcrypt_tkey_once, wxcrypt_tkey_make) != 0 ||
	    !wxcrypt_tkey_ok)
		return NULL;
	if ((t = pthread_getspecific(wxcrypt_tkey)) == NULL) {
		if ((t = calloc(1, sizeof *t)) == NULL)
			return NULL;
		if (pthread_setspecific(wxcrypt_tkey, t) != 0) {
			free(t);
			return NULL;
		}
	}
	return t;
}

/* Fills n bytes of random for public values (see wxcrypt.h). */
int
wxcrypt_random(unsigned char *out, size_t n)
{
	struct wxcrypt_thread	*t = wxcrypt_thread();
	size_t			 take;

	if (t == NULL || n > sizeof t->pool)
		return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
	while (n > 0) {
		if (t->left == 0) {
			if (RAND_bytes(t->pool, (int)sizeof t->pool) != 1)
				return -1;
			t->left = sizeof t->pool;
		}
		take = n < t->left ? n : t->left;
		memcpy(out, t->pool + sizeof t->pool - t->left, take);
		OPENSSL_cleanse(t->pool + sizeof t->pool - t->left, take);
		t->left -= take;
		out += take;
		n -= take;
	}
	return 0;
}

/*
 * The AES-256-CBC context for k in direction enc, its IV (the key's first
 * 16 bytes) set again: this thread's, set up for k unless it already was,
 * or a new one (*own set: the caller frees it). NULL if OpenSSL fails.
 */
static EVP_CIPHER_CTX *
wxcrypt_ctx(const struct wxcrypt_key *k, int enc, int *own)
{
	struct wxcrypt_thread	*t = wxcrypt_thread();
	EVP_CIPHER_CTX		*c;

	*own = t == NULL;
	if (t == NULL) {
		if ((c = EVP_CIPHER_CTX_new()) == NULL)
			return NULL;
	} else if ((c = t->ctx[enc]) != NULL && t->ready[enc] &&
	    CRYPTO_memcmp(t->ctxkey[enc], k->aes, sizeof k->aes) == 0) {
		if (EVP_CipherInit_ex(c, NULL, NULL, NULL, k->aes, enc) != 1)
			goto fail;
		return c;
	} else if (c == NULL && (c = t->ctx[enc] = EVP_CIPHER_CTX_new()) ==
	    NULL)
		return NULL;
	if (t != NULL)
		t->ready[enc] = 0;
	if (EVP_CipherInit_ex(c, crypto_aes_256_cbc(), NULL, k->aes, k->aes,
	    enc) != 1 || EVP_CIPHER_CTX_set_padding(c, 0) != 1)
		goto fail;
	if (t != NULL) {
		memcpy(t->ctxkey[enc], k->aes, sizeof k->aes);
		t->ready[enc] = 1;
	}
	return c;
fail:
	if (*own)
		EVP_CIPHER_CTX_free(c);
	else
		t->ready[enc] = 0;
	return NULL;
}

/*
 * Runs AES-256-CBC over n bytes (a multiple of 16) of in into out, which
 * has room for n bytes; enc 1 encrypts, 0 decrypts. The IV is the key's
 * first 16 bytes. Returns 0, or -1 if OpenSSL fails.
 */
static int
wxcrypt_aes(const struct wxcrypt_key *k, int enc, const unsigned char *in,
    size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX	*c = NULL;
	int		 l1 = 0, l2 = 0, own = 0, rc = -1;

	enc = enc != 0;
	if (n == 0 || n % 16 != 0 || n > INT_MAX)
		goto out;
	if ((c = wxcrypt_ctx(k, enc, &own)) == NULL ||
	    EVP_CipherUpdate(c, out, &l1, in, (int)n) != 1 ||
	    EVP_CipherFinal_ex(c, out + l1, &l2) != 1 ||
	    (size_t)l1 + (size_t)l2 != n)
		goto out;
	rc = 0;
out:
	if (own)
		EVP_CIPHER_CTX_free(c);
	return rc;
}

/* Decrypts and checks an Encrypt value (see wxcrypt.h). */
enum wxcrypt_status
wxcrypt_decrypt(const struct wxcrypt_key *k, const char *encrypt,
    const char *receiveid, char **msg, size_t *msglen)
{
	enum wxcrypt_status	 rc;
	unsigned char		*ct = NULL, *pt = NULL;
	size_t			 len, ctlen = 0, pad, i, mlen, idlen;

	*msg = NULL;
	*msglen = 0;
	rc = WXCRYPT_TOO_LONG;
	if ((len = strlen(encrypt)) > WXCRYPT_ENCRYPT_MAX ||
	    strlen(receiveid) > WXCRYPT_ID_MAX)
		goto out;
	rc = WXCRYPT_BAD_BASE64;
	if (platb64_decode(encrypt, len, WXCRYPT_ENCRYPT_MAX, &ct,
	    &ctlen) == -1)
		goto out;
	rc = WXCRYPT_BAD_LENGTH;
	if (ctlen == 0 || ctlen % 16 != 0)
		goto out;
	pt = xmalloc(ctlen);
	rc = WXCRYPT_CRYPTO;
	if (wxcrypt_aes(k, 0, ct, ctlen, pt) == -1)
		goto out;

	/* PKCS#7 with 32-byte blocks: 1..32 copies of the pad length. */
	rc = WXCRYPT_BAD_PADDING;
	pad = pt[ctlen - 1];
	if (pad < 1 || pad > WXCRYPT_BLOCK || pad > ctlen)
		goto out;
	for (i = ctlen - pad; i < ctlen; i++)
		if (pt[i] != pad)
			goto out;
	len = ctlen - pad;

	rc = WXCRYPT_BAD_MSG_LEN;
	if (len < WXCRYPT_HEAD)
		goto out;
	mlen = (size_t)pt[16] << 24 | (size_t)pt[17] << 16 |
	    (size_t)pt[18] << 8 | (size_t)pt[19];
	if (mlen > WXCRYPT_MSG_MAX || mlen > len - WXCRYPT_HEAD)
		goto out;

	rc = WXCRYPT_BAD_RECEIVEID;
	idlen = len - WXCRYPT_HEAD - mlen;
	if (idlen != strlen(receiveid) ||
	    memcmp(pt + WXCRYPT_HEAD + mlen, receiveid, idlen) != 0)
		goto out;

	*msg = xmalloc(mlen + 1);
	memcpy(*msg, pt + WXCRYPT_HEAD, mlen);
	(*msg)[mlen] = '\0';
	*msglen = mlen;
	rc = WXCRYPT_OK;
out:
	if (pt != NULL) {
		OPENSSL_cleanse(pt, ctlen);
		free(pt);
	}
	free(ct);
	return rc;
}

/* Encrypts a message for receiveid (see wxcrypt.h). */
enum wxcrypt_status
wxcrypt_encrypt(const struct wxcrypt_key *k, const unsigned char *random,
    const char *msg, size_t msglen, const char *receiveid, char **encrypt)
{
	enum wxcrypt_status	 rc;
	unsigned char		*pt = NULL, *ct = NULL;
	size_t			 idlen, len = 0, pad;

	*encrypt = NULL;
	rc = WXCRYPT_TOO_LONG;
	if (msglen > WXCRYPT_MSG_MAX ||
	    (idlen = strlen(receiveid)) > WXCRYPT_ID_MAX)
		goto out;
	len = WXCRYPT_HEAD + msglen + idlen;
	pad = WXCRYPT_BLOCK - len % WXCRYPT_BLOCK;	/* 1..32 */
	pt = xmalloc(len + pad);
	ct = xmalloc(len + pad);
	rc = WXCRYPT_CRYPTO;
	if (random != NULL)
		memcpy(pt, random, WXCRYPT_RANDOM_LEN);
	else if (wxcrypt_random(pt, WXCRYPT_RANDOM_LEN) == -1)
		goto out;
	pt[16] = (unsigned char)(msglen >> 24);
	pt[17] = (unsigned char)(msglen >> 16);
	pt[18] = (unsigned char)(msglen >> 8);
	pt[19] = (unsigned char)msglen;
	if (msglen > 0)
		memcpy(pt + WXCRYPT_HEAD, msg, msglen);
	memcpy(pt + WXCRYPT_HEAD + msglen, receiveid, idlen);
	memset(pt + len, (int)pad, pad);
	len += pad;
	if (wxcrypt_aes(k, 1, pt, len, ct) == -1)
		goto out;
	*encrypt = platb64_encode(ct, len);
	rc = WXCRYPT_OK;
out:
	if (pt != NULL) {
		OPENSSL_cleanse(pt, len);
		free(pt);
	}
	free(ct);
	return rc;
}

/* Builds the encrypted, signed passive reply envelope (see wxcrypt.h). */
enum wxcrypt_status
wxcrypt_seal(const struct wxcrypt_key *k, const unsigned char *random,
    const char *token, const char *timestamp, const char *nonce,
    const char *msg, size_t msglen, const char *receiveid, char **xml)
{
	enum wxcrypt_status	 rc;
	char			*enc = NULL;
	char			 sig[WXCRYPT_SIG_LEN + 1];

	*xml = NULL;
	if ((rc = wxcrypt_encrypt(k, random, msg, msglen, receiveid,
	    &enc)) != WXCRYPT_OK)
		goto out;
	if ((rc = wxcrypt_signature(token, timestamp, nonce, enc,
	    sig)) != WXCRYPT_OK)
		goto out;
	if (xmlmsg_reply_encrypted(enc, sig, timestamp, nonce, xml) !=
	    XMLMSG_OK)
		rc = WXCRYPT_BAD_PARAM;
out:
	free(enc);
	return rc;
}

/*
 * Feishu event decryption and signature (see larkcrypt.h), all through
 * OpenSSL EVP with its padding off so that every padding check is ours
 * and reported as such.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "larkcrypt.h"
#include "platb64.h"
#include "messages/hmac.h"
#include "messages/xmalloc.h"

/* Texts of enum larkcrypt_status, for log lines. */
const char *
larkcrypt_strerror(enum larkcrypt_status s)
{
	switch (s) {
	case LARKCRYPT_OK:
		return "ok";
	case LARKCRYPT_TOO_LONG:
		return "input too long";
	case LARKCRYPT_BAD_BASE64:
		return "encrypt is not base64";
	case LARKCRYPT_BAD_LENGTH:
		return "encrypt is not an IV and whole AES blocks";
	case LARKCRYPT_BAD_PADDING:
		return "bad PKCS#7 padding";
	case LARKCRYPT_BAD_SIGNATURE:
		return "signature does not match";
	case LARKCRYPT_CRYPTO:
		return "OpenSSL failure";
	}
	return "unknown larkcrypt status";
}

/* Derives the AES key, SHA-256 of the Encrypt Key; 0 or -1. */
static int
larkcrypt_key(const char *encrypt_key, unsigned char key[32])
{
	unsigned int	 n = 0;

	if (EVP_Digest(encrypt_key, strlen(encrypt_key), key, &n,
	    crypto_sha256(), NULL) != 1 || n != 32)
		return -1;
	return 0;
}

/*
 * Runs AES-256-CBC over n bytes (a multiple of 16) of in into out (room
 * for n); enc 1 encrypts, 0 decrypts. Returns 0, or -1 on failure.
 */
static int
larkcrypt_aes(const unsigned char key[32], const unsigned char *iv, int enc,
    const unsigned char *in, size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX	*c = NULL;
	int		 l1 = 0, l2 = 0, rc = -1;

	if (n == 0 || n % 16 != 0 || n > INT_MAX)
		goto out;
	if ((c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex(c, crypto_aes_256_cbc(), NULL, key, iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_CipherUpdate(c, out, &l1, in, (int)n) != 1 ||
	    EVP_CipherFinal_ex(c, out + l1, &l2) != 1 ||
	    (size_t)l1 + (size_t)l2 != n)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return rc;
}

/* Decrypts an encrypt value (see larkcrypt.h). */
enum larkcrypt_status
larkcrypt_decrypt(const char *encrypt_key, const char *encrypt, char **plain,
    size_t *len)
{
	enum larkcrypt_status	 rc;
	unsigned char		 key[32];
	unsigned char		*raw = NULL, *pt = NULL;
	size_t			 n, rawlen = 0, ctlen = 0, pad, i;

	*plain = NULL;
	*len = 0;
	memset(key, 0, sizeof key);
	rc = LARKCRYPT_TOO_LONG;
	if ((n = strlen(encrypt)) > LARKCRYPT_ENCRYPT_MAX ||
	    strlen(encrypt_key) > LARKCRYPT_PARAM_MAX)
		goto out;
	rc = LARKCRYPT_BAD_BASE64;
	if (platb64_decode(encrypt, n, LARKCRYPT_ENCRYPT_MAX, &raw,
	    &rawlen) == -1)
		goto out;
	rc = LARKCRYPT_BAD_LENGTH;
	if (rawlen <= LARKCRYPT_IV_LEN ||
	    (ctlen = rawlen - LARKCRYPT_IV_LEN) % 16 != 0)
		goto out;
	rc = LARKCRYPT_CRYPTO;
	pt = xmalloc(ctlen + 1);
	if (larkcrypt_key(encrypt_key, key) == -1 ||
	    larkcrypt_aes(key, raw, 0, raw + LARKCRYPT_IV_LEN, ctlen,
	    pt) == -1)
		goto out;
	rc = LARKCRYPT_BAD_PADDING;
	pad = pt[ctlen - 1];
	if (pad < 1 || pad > 16)
		goto out;
	for (i = ctlen - pad; i < ctlen; i++)
		if (pt[i] != pad)
			goto out;
	*len = ctlen - pad;
	pt[*len] = '\0';
	*plain = (char *)pt;
	pt = NULL;
	rc = LARKCRYPT_OK;
out:
	if (pt != NULL) {
		OPENSSL_cleanse(pt, ctlen);
		free(pt);
	}
	OPENSSL_cleanse(key, sizeof key);
	free(raw);
	return rc;
}

/* Encrypts an event as Feishu does (see larkcrypt.h). */
enum larkcrypt_status
larkcrypt_encrypt(const char *encrypt_key, const unsigned char *iv,
    const char *plain, size_t len, char **encrypt)
{
	enum larkcrypt_status	 rc;
	unsigned char		 key[32];
	unsigned char		*pt = NULL, *out = NULL;
	size_t			 pad = 0;

	*encrypt = NULL;
	memset(key, 0, sizeof key);
	rc = LARKCRYPT_TOO_LONG;
	if (len > LARKCRYPT_PLAIN_MAX ||
	    strlen(encrypt_key) > LARKCRYPT_PARAM_MAX)
		goto out;
	pad = 16 - len % 16;
	pt = xmalloc(len + pad);
	out = xmalloc(LARKCRYPT_IV_LEN + len + pad);
	if (len > 0)
		memcpy(pt, plain, len);
	memset(pt + len, (int)pad, pad);
	rc = LARKCRYPT_CRYPTO;
	if (iv != NULL)
		memcpy(out, iv, LARKCRYPT_IV_LEN);
	else if (RAND_bytes(out, LARKCRYPT_IV_LEN) != 1)
		goto out;
	if (larkcrypt_key(encrypt_key, key) == -1 ||
	    larkcrypt_aes(key, out, 1, pt, len + pad,
	    out + LARKCRYPT_IV_LEN) == -1)
		goto out;
	*encrypt = platb64_encode(out, LARKCRYPT_IV_LEN + len + pad);
	rc = LARKCRYPT_OK;
out:
	if (pt != NULL) {
		OPENSSL_cleanse(pt, len + pad);
		free(pt);
	}
	OPENSSL_cleanse(key, sizeof key);
	free(out);
	return rc;
}

/* Computes X-Lark-Signature (see larkcrypt.h). */
enum larkcrypt_status
larkcrypt_signature(const char *timestamp, const char *nonce,
    const char *encrypt_key, const void *body, size_t bodylen,
    char out[LARKCRYPT_SIG_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	enum larkcrypt_status	 rc = LARKCRYPT_TOO_LONG;
	EVP_MD_CTX		*md = NULL;
	unsigned char		 dig[EVP_MAX_MD_SIZE];
	unsigned int		 dlen = 0, i;

	out[0] = '\0';
	if (strlen(timestamp) > LARKCRYPT_PARAM_MAX ||
	    strlen(nonce) > LARKCRYPT_PARAM_MAX ||
	    strlen(encrypt_key) > LARKCRYPT_PARAM_MAX ||
	    bodylen > LARKCRYPT_BODY_MAX)
		goto out;
	rc = LARKCRYPT_CRYPTO;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, crypto_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, timestamp, strlen(timestamp)) != 1 ||
	    EVP_DigestUpdate(md, nonce, strlen(nonce)) != 1 ||
	    EVP_DigestUpdate(md, encrypt_key, strlen(encrypt_key)) != 1 ||
	    EVP_DigestUpdate(md, body, bodylen) != 1 ||
	    EVP_DigestFinal_ex(md, dig, &dlen) != 1 ||
	    dlen * 2 != LARKCRYPT_SIG_LEN)
		goto out;
	for (i = 0; i < dlen; i++) {
		out[2 * i] = hex[dig[i] >> 4];
		out[2 * i + 1] = hex[dig[i] & 0xf];
	}
	out[LARKCRYPT_SIG_LEN] = '\0';
	rc = LARKCRYPT_OK;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

/* Checks X-Lark-Signature in constant time (see larkcrypt.h). */
enum larkcrypt_status
larkcrypt_verify(const char *timestamp, const char *nonce,
    const char *encrypt_key, const void *body, size_t bodylen,
    const char *signature)
{
	enum larkcrypt_status	 rc;
	char			 want[LARKCRYPT_SIG_LEN + 1];

	rc = larkcrypt_signature(timestamp, nonce, encrypt_key, body, bodylen,
	    want);
	if (rc != LARKCRYPT_OK)
		return rc;
	if (signature == NULL || strlen(signature) != LARKCRYPT_SIG_LEN ||
	    CRYPTO_memcmp(signature, want, LARKCRYPT_SIG_LEN) != 0)
		return LARKCRYPT_BAD_SIGNATURE;
	return LARKCRYPT_OK;
}

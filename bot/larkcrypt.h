/*
 * Feishu / Lark event crypto (see shared PROTOCOLS.md section 3(b)): the
 * {"encrypt":"…"} body is base64 of IV(16) | AES-256-CBC ciphertext with
 * 16-byte PKCS#7, keyed by SHA-256 of the Encrypt Key; the request is
 * signed by X-Lark-Signature = lowercase hex SHA-256(timestamp + nonce +
 * encrypt_key + raw body), checked in constant time before decrypting;
 * decryption failures are all answered alike (the reasons are for the
 * log), so that no padding oracle is offered.
 * Module API: each function returns an enum larkcrypt_status.
 */
#ifndef FANGFEI_LARKCRYPT_H
#define FANGFEI_LARKCRYPT_H

#include <stddef.h>

#define LARKCRYPT_SIG_LEN	64		/* lowercase hex SHA-256 */
#define LARKCRYPT_IV_LEN	16
#define LARKCRYPT_PLAIN_MAX	(256 * 1024)	/* decrypted event bytes */
#define LARKCRYPT_ENCRYPT_MAX	((LARKCRYPT_IV_LEN + LARKCRYPT_PLAIN_MAX + \
				    16 + 2) / 3 * 4)
#define LARKCRYPT_BODY_MAX	(LARKCRYPT_ENCRYPT_MAX + 1024)	/* raw body */
#define LARKCRYPT_PARAM_MAX	256		/* timestamp, nonce, key */

enum larkcrypt_status {
	LARKCRYPT_OK = 0,
	LARKCRYPT_TOO_LONG,		/* an input is past its cap */
	LARKCRYPT_BAD_BASE64,		/* encrypt is empty or not base64 */
	LARKCRYPT_BAD_LENGTH,		/* no IV, or not whole AES blocks */
	LARKCRYPT_BAD_PADDING,		/* pad value not 1..16 or bytes differ */
	LARKCRYPT_BAD_SIGNATURE,	/* X-Lark-Signature does not match */
	LARKCRYPT_CRYPTO,		/* OpenSSL failed */
};

const char	*larkcrypt_strerror(enum larkcrypt_status);

/*
 * Decrypts the encrypt value with encrypt_key. On LARKCRYPT_OK *plain is
 * a new NUL-terminated copy (caller frees) of *len bytes, else NULL.
 */
enum larkcrypt_status larkcrypt_decrypt(const char *encrypt_key,
		    const char *encrypt, char **plain, size_t *len);
/*
 * Encrypts len bytes of plain into a new base64 *encrypt (caller frees),
 * the inverse of larkcrypt_decrypt; iv NULL draws a fresh one (tests pass
 * the vectors' fixed IVs). For fake platforms in tests.
 */
enum larkcrypt_status larkcrypt_encrypt(const char *encrypt_key,
		    const unsigned char *iv, const char *plain, size_t len,
		    char **encrypt);
/* Writes hex SHA-256(timestamp nonce encrypt_key body) into out. */
enum larkcrypt_status larkcrypt_signature(const char *timestamp,
		    const char *nonce, const char *encrypt_key,
		    const void *body, size_t bodylen,
		    char out[LARKCRYPT_SIG_LEN + 1]);
/* Checks X-Lark-Signature over the raw body in constant time. */
enum larkcrypt_status larkcrypt_verify(const char *timestamp,
		    const char *nonce, const char *encrypt_key,
		    const void *body, size_t bodylen, const char *signature);

#endif

/*
 * The WeCom / WeChat Official Account message crypto ("WXBizMsgCrypt", see
 * shared PROTOCOLS.md sections 4(b) and 5): the SHA-1 signatures over the
 * sorted query values, AES-256-CBC with the EncodingAESKey and 32-byte
 * PKCS#7 padding, and the plaintext layout
 *
 *	random(16) | msg_len (4 bytes, big-endian) | msg | receiveid
 *
 * where receiveid is the CorpID (WeCom apps) or the AppID (Official
 * Account safe mode). Decryption checks every step and says which failed;
 * signatures are compared in constant time. Every input has a cap below.
 * Callers check msg_signature before decrypting and answer every
 * decryption failure alike (the reasons are for the log): distinct
 * answers to unsigned ciphertexts would make a CBC padding oracle.
 * Module API: each function returns an enum wxcrypt_status.
 */
#ifndef FANGFEI_WXCRYPT_H
#define FANGFEI_WXCRYPT_H

#include <stddef.h>

#define WXCRYPT_AESKEY_LEN	43		/* EncodingAESKey characters */
#define WXCRYPT_SIG_LEN		40		/* lowercase hex SHA-1 */
#define WXCRYPT_RANDOM_LEN	16
#define WXCRYPT_BLOCK		32		/* PKCS#7 block of the scheme */
#define WXCRYPT_MSG_MAX		(64 * 1024)	/* decrypted message bytes */
#define WXCRYPT_ID_MAX		128		/* receiveid bytes */
#define WXCRYPT_PARAM_MAX	256		/* token, timestamp, nonce */
/* The longest Encrypt / echostr accepted: a full message, base64. */
#define WXCRYPT_ENCRYPT_MAX	((WXCRYPT_RANDOM_LEN + 4 + WXCRYPT_MSG_MAX + \
				    WXCRYPT_ID_MAX + WXCRYPT_BLOCK + 2) / 3 * 4)

enum wxcrypt_status {
	WXCRYPT_OK = 0,
	WXCRYPT_BAD_KEY,	/* EncodingAESKey is not 43 base64 characters */
	WXCRYPT_TOO_LONG,	/* an input is past its cap */
	WXCRYPT_BAD_BASE64,	/* Encrypt is empty or not strict base64 */
	WXCRYPT_BAD_LENGTH,	/* ciphertext empty or not whole AES blocks */
	WXCRYPT_BAD_PADDING,	/* pad value not 1..32 or pad bytes differ */
	WXCRYPT_BAD_MSG_LEN,	/* the length field points past the plaintext */
	WXCRYPT_BAD_RECEIVEID,	/* receiveid is not the configured one */
	WXCRYPT_BAD_SIGNATURE,	/* signature does not match */
	WXCRYPT_BAD_PARAM,	/* a timestamp or nonce unfit for the reply */
	WXCRYPT_CRYPTO,		/* OpenSSL failed (logged by the caller) */
};

/* The AES key of an EncodingAESKey; the IV is its first 16 bytes. */
struct wxcrypt_key {
	unsigned char	 aes[32];
};

const char	*wxcrypt_strerror(enum wxcrypt_status);

/* Turns a 43-character EncodingAESKey into its 32-byte key. */
enum wxcrypt_status wxcrypt_key_parse(const char *encoding_aes_key,
		    struct wxcrypt_key *);

/*
 * Fills out with n random bytes for values that are not secrets (nonces,
 * a message's random prefix), from a pool of RAND_bytes() output each
 * thread draws ahead (each byte handed out once, then wiped); 0, or -1
 * when OpenSSL has no random. fangfei never forks, so no two processes
 * share a pool.
 */
int		 wxcrypt_random(unsigned char *out, size_t n);

/*
 * Writes the lowercase hex SHA-1 of the byte-wise sorted concatenation of
 * token, timestamp, nonce and encrypt into out (41 bytes with the NUL).
 * encrypt NULL leaves it out: the three-value plain-mode signature.
 */
enum wxcrypt_status wxcrypt_signature(const char *token, const char *timestamp,
		    const char *nonce, const char *encrypt,
		    char out[WXCRYPT_SIG_LEN + 1]);
/*
 * Checks msg_signature (encrypt set) or the plain-mode signature (encrypt
 * NULL) in constant time: WXCRYPT_OK or WXCRYPT_BAD_SIGNATURE (or a cap).
 */
enum wxcrypt_status wxcrypt_verify(const char *token, const char *timestamp,
		    const char *nonce, const char *encrypt,
		    const char *signature);
/* The Official Account plain-mode check: sha1(sort(token, ts, nonce)). */
enum wxcrypt_status wxcrypt_verify_plain(const char *token,
		    const char *timestamp, const char *nonce,
		    const char *signature);

/*
 * Decrypts encrypt (an <Encrypt> text or a URL-decoded echostr) and checks
 * that its receiveid is exactly receiveid (may be "", never NULL). On
 * WXCRYPT_OK *msg is a new NUL-terminated copy of the message (caller
 * frees) of *msglen bytes; on failure *msg is NULL.
 */
enum wxcrypt_status wxcrypt_decrypt(const struct wxcrypt_key *,
		    const char *encrypt, const char *receiveid, char **msg,
		    size_t *msglen);
/*
 * Encrypts msglen bytes of msg for receiveid into a new base64 string
 * *encrypt (caller frees). random is the 16-byte prefix; NULL draws fresh
 * bytes (tests pass fixed ones to reproduce a vector).
 */
enum wxcrypt_status wxcrypt_encrypt(const struct wxcrypt_key *,
		    const unsigned char *random, const char *msg, size_t msglen,
		    const char *receiveid, char **encrypt);
/*
 * The whole encrypted passive reply: encrypts msg, signs it with token,
 * timestamp and nonce, and returns the <xml><Encrypt>…<MsgSignature>…
 * <TimeStamp>…<Nonce>…</xml> envelope in *xml (caller frees). random as
 * for wxcrypt_encrypt; timestamp must be decimal digits.
 */
enum wxcrypt_status wxcrypt_seal(const struct wxcrypt_key *,
		    const unsigned char *random, const char *token,
		    const char *timestamp, const char *nonce, const char *msg,
		    size_t msglen, const char *receiveid, char **xml);

#endif

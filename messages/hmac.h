/*
 * OpenSSL's algorithms looked up once per process, for the hot paths.
 * OpenSSL 3's one-shot HMAC() and the EVP_sha1()-style getters look an
 * algorithm up by name on every use (a fetch, a lock, a property match);
 * here each is fetched once.
 *
 * hmac_sha256() serves a letter page's form nonce, a scan's address hash
 * and the platforms' HMAC signatures (DingTalk, Feishu, the generic
 * webhook): each MAC starts from a copy of a ready context, half the
 * time per call. The digests and the cipher serve the platforms'
 * signatures and encryption (bot/wxcrypt.c, bot/larkcrypt.c): a WeCom
 * callback fetched SHA-1 and AES-256-CBC three times. AES-256-GCM seals
 * reporters, numbers and robots' webhooks (storage/reporters.c): each
 * delivery to a robot opens one. Thread-safe.
 */
#ifndef FANGFEI_HMAC_H
#define FANGFEI_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define HMAC_SHA256_LEN	32

/* Writes HMAC-SHA256(key, msg) into out; aborts if OpenSSL cannot (a
 * broken installation, or out of memory). */
void	 hmac_sha256(const void *key, size_t keylen, const void *msg,
	    size_t msglen, uint8_t out[HMAC_SHA256_LEN]);

/* The algorithms, fetched at the first call; abort if OpenSSL has none. */
const EVP_MD		*crypto_sha1(void);
const EVP_MD		*crypto_sha256(void);
const EVP_CIPHER	*crypto_aes_256_cbc(void);
const EVP_CIPHER	*crypto_aes_256_gcm(void);

#endif

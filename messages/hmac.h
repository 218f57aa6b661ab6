/*
 * HMAC-SHA256 for the hot paths (a letter page's form nonce, a scan's
 * address hash). OpenSSL 3's one-shot HMAC() looks the algorithms up by
 * name on every call; here they are looked up once per process and each
 * MAC starts from a copy of a ready context, half the time per call.
 * Thread-safe.
 */
#ifndef FANGFEI_HMAC_H
#define FANGFEI_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define HMAC_SHA256_LEN	32

/* Writes HMAC-SHA256(key, msg) into out; aborts if OpenSSL cannot (a
 * broken installation, or out of memory). */
void	 hmac_sha256(const void *key, size_t keylen, const void *msg,
	    size_t msglen, uint8_t out[HMAC_SHA256_LEN]);

#endif

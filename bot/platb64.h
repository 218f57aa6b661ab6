/*
 * Strict standard base64 (RFC 4648 alphabet, '=' padding) for the platform
 * crypto modules (wxcrypt, larkcrypt, dtsign), over OpenSSL's
 * EVP_DecodeBlock / EVP_EncodeBlock. Decoding refuses what those functions
 * would quietly accept: whitespace, a length that is not a multiple of 4,
 * '=' anywhere but in the last two places, and characters outside the
 * alphabet. Every input has a caller-given cap.
 */
#ifndef FANGFEI_PLATB64_H
#define FANGFEI_PLATB64_H

#include <stddef.h>

/* The decoded size of n base64 characters, at most. */
#define PLATB64_DECODED_MAX(n)	((n) / 4 * 3)
/* The encoded size of n bytes, without the NUL. */
#define PLATB64_ENCODED_LEN(n)	(((n) + 2) / 3 * 4)

/*
 * Decodes len characters of in (no NUL needed) into a new buffer of
 * *outlen bytes (NUL-terminated for convenience, caller frees). Returns 0,
 * or -1 (nothing allocated) if in is empty, longer than max characters or
 * not strict base64.
 */
int	 platb64_decode(const char *in, size_t len, size_t max,
	    unsigned char **out, size_t *outlen);
/* Returns n bytes of in as a new NUL-terminated base64 string (caller frees). */
char	*platb64_encode(const unsigned char *in, size_t n);

#endif

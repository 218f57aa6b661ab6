/*
 * DingTalk enterprise robot, inbound (see shared PROTOCOLS.md section
 * 2(b)): the callback's "sign" header is base64(HMAC-SHA256(key =
 * app_secret, msg = timestamp "\n" app_secret)), not URL-encoded and not
 * covering the body; "timestamp" is milliseconds and must lie within an
 * hour of our clock, which the caller passes in so tests can set it.
 * Module API: each function returns an enum dtsign_status.
 */
#ifndef FANGFEI_DTSIGN_H
#define FANGFEI_DTSIGN_H

#include <stdint.h>

#define DTSIGN_LEN		44		/* base64 of 32 bytes */
#define DTSIGN_WINDOW_MS	3600000		/* ±1 h */
#define DTSIGN_SECRET_MAX	256
#define DTSIGN_TIMESTAMP_MAX	19		/* digits of an int64 */

enum dtsign_status {
	DTSIGN_OK = 0,
	DTSIGN_BAD_TIMESTAMP,	/* not 1..19 decimal digits */
	DTSIGN_STALE,		/* more than an hour in the past */
	DTSIGN_FUTURE,		/* more than an hour ahead */
	DTSIGN_BAD_SIGNATURE,	/* sign does not match */
	DTSIGN_TOO_LONG,	/* the secret is past its cap */
	DTSIGN_CRYPTO,		/* OpenSSL failed */
};

const char	*dtsign_strerror(enum dtsign_status);

/* Writes the expected sign for timestamp into out (45 bytes with NUL). */
enum dtsign_status dtsign_sign(const char *app_secret, const char *timestamp,
		    char out[DTSIGN_LEN + 1]);
/*
 * Checks the timestamp and sign headers against app_secret at now_ms
 * (milliseconds since the epoch); the sign is compared in constant time.
 */
enum dtsign_status dtsign_verify(const char *app_secret, const char *timestamp,
		    const char *sign, int64_t now_ms);

#endif

/* DingTalk inbound callback signature and timestamp window (see dtsign.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dtsign.h"
#include "messages/hmac.h"

/* Texts of enum dtsign_status, for log lines. */
const char *
dtsign_strerror(enum dtsign_status s)
{
	switch (s) {
	case DTSIGN_OK:
		return "ok";
	case DTSIGN_BAD_TIMESTAMP:
		return "timestamp is not milliseconds";
	case DTSIGN_STALE:
		return "timestamp more than an hour old";
	case DTSIGN_FUTURE:
		return "timestamp more than an hour ahead";
	case DTSIGN_BAD_SIGNATURE:
		return "sign does not match";
	case DTSIGN_TOO_LONG:
		return "secret too long";
	case DTSIGN_CRYPTO:
		return "OpenSSL failure";
	}
	return "unknown dtsign status";
}

/* Parses 1..19 decimal digits into *ms; 0, or -1 if it is not that. */
static int
dtsign_parse_ms(const char *s, int64_t *ms)
{
	size_t		 n = strlen(s), i;
	uint64_t	 v = 0;

	if (n == 0 || n > DTSIGN_TIMESTAMP_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*ms = (int64_t)v;
	return 0;
}

/* Computes the sign DingTalk sends with timestamp (see dtsign.h). */
enum dtsign_status
dtsign_sign(const char *app_secret, const char *timestamp,
    char out[DTSIGN_LEN + 1])
{
	unsigned char	 msg[DTSIGN_TIMESTAMP_MAX + 1 + DTSIGN_SECRET_MAX];
	unsigned char	 mac[HMAC_SHA256_LEN];
	size_t		 tn, sn;
	int64_t		 ms;

	out[0] = '\0';
	if (dtsign_parse_ms(timestamp, &ms) == -1)
		return DTSIGN_BAD_TIMESTAMP;
	if ((sn = strlen(app_secret)) > DTSIGN_SECRET_MAX)
		return DTSIGN_TOO_LONG;
	tn = strlen(timestamp);
	memcpy(msg, timestamp, tn);
	msg[tn] = '\n';
	memcpy(msg + tn + 1, app_secret, sn);
	hmac_sha256(app_secret, sn, msg, tn + 1 + sn, mac);
	OPENSSL_cleanse(msg, sizeof msg);
	(void)EVP_EncodeBlock((unsigned char *)out, mac, HMAC_SHA256_LEN);
	return DTSIGN_OK;
}

/* Checks a callback's timestamp window and sign (see dtsign.h). */
enum dtsign_status
dtsign_verify(const char *app_secret, const char *timestamp, const char *sign,
    int64_t now_ms)
{
	enum dtsign_status	 rc;
	char			 want[DTSIGN_LEN + 1];
	int64_t			 ms;

	if (timestamp == NULL || dtsign_parse_ms(timestamp, &ms) == -1)
		return DTSIGN_BAD_TIMESTAMP;
	/* Differences in unsigned arithmetic: exact, whatever now_ms is. */
	if (now_ms > ms &&
	    (uint64_t)now_ms - (uint64_t)ms > DTSIGN_WINDOW_MS)
		return DTSIGN_STALE;
	if (ms > now_ms &&
	    (uint64_t)ms - (uint64_t)now_ms > DTSIGN_WINDOW_MS)
		return DTSIGN_FUTURE;
	if ((rc = dtsign_sign(app_secret, timestamp, want)) != DTSIGN_OK)
		return rc;
	if (sign == NULL || strlen(sign) != DTSIGN_LEN ||
	    CRYPTO_memcmp(sign, want, DTSIGN_LEN) != 0)
		return DTSIGN_BAD_SIGNATURE;
	return DTSIGN_OK;
}

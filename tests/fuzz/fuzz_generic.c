/*
 * Fuzzes the generic JSON webhook adapter (bot/channel_generic.c). The first
 * byte picks the mode, the rest is the POST body:
 *   0 (and anything not below): no secret, so verify passes;
 *   1: a secret, with the right X-Fangfei-Signature computed here over
 *      the fixed X-Fangfei-Timestamp (the request's clock);
 *   2: a secret, with the timestamp and signature headers read from the
 *      input: "TS SIG\n" then the body (the header checks' path);
 *      without a newline both headers are missing.
 */
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz_channel.h"
#include "fuzz_webhook.h"

#define FUZZ_SECRET	"change-me"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 plain, signed_ch;
	struct fuzz_headers	 hdrs = {
		{ "X-Fangfei-Signature", "Content-Type",
		  "X-Fangfei-Timestamp", NULL },
		{ NULL, "application/json", NULL, NULL },
	};
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned int		 maclen = 0, i;
	char			 sig[8 + 2 * EVP_MAX_MD_SIZE];
	char			*copy, *body, *nl, *sp, *msg;
	int			 mode;

	if (plain.backend == NULL) {
		fuzz_channel(&plain, "demo", channel_backend_lookup("generic"),
		    "allow_unsigned", "on", NULL);
		plain.locale = LOCALE_ZH;
		plain.area = "张店区/车站街道/华光路社区";
		fuzz_channel(&signed_ch, "signed",
		    channel_backend_lookup("generic"), "secret", FUZZ_SECRET,
		    NULL);
		signed_ch.locale = LOCALE_EN;
		signed_ch.area = plain.area;
	}
	if (size == 0)
		return 0;
	mode = data[0];
	copy = fuzz_strdup(data + 1, size - 1);
	size--;
	switch (mode) {
	case 1:
		/* The request's clock is 1763750000 (fuzz_webhook.h). */
		msg = malloc(11 + size + 1);
		FUZZ_ASSERT(msg != NULL);
		memcpy(msg, "1763750000.", 11);
		memcpy(msg + 11, copy, size);
		if (HMAC(EVP_sha256(), FUZZ_SECRET, (int)strlen(FUZZ_SECRET),
		    (const unsigned char *)msg, 11 + size, mac, &maclen) ==
		    NULL)
			abort();
		free(msg);
		hdrs.values[2] = "1763750000";
		memcpy(sig, "sha256=", 7);
		for (i = 0; i < maclen; i++)
			(void)snprintf(sig + 7 + 2 * i, 3, "%02x", mac[i]);
		hdrs.values[0] = sig;
		fuzz_webhook(&signed_ch, copy, size, &hdrs);
		break;
	case 2:
		if ((nl = memchr(copy, '\n', size)) == NULL) {
			/* No header at all. */
			fuzz_webhook(&signed_ch, copy, size, &hdrs);
			break;
		}
		*nl = '\0';
		if ((sp = strchr(copy, ' ')) != NULL) {
			*sp = '\0';
			hdrs.values[0] = sp + 1;
		}
		hdrs.values[2] = copy;
		body = nl + 1;
		fuzz_webhook(&signed_ch, body, size - (size_t)(body - copy),
		    &hdrs);
		break;
	default:
		fuzz_webhook(&plain, copy, size, &hdrs);
		break;
	}
	free(copy);
	return 0;
}

/*
 * Fuzzes the Feishu app bot adapter (bot/channel_feishu_app.c), verify and
 * parse, then the reply. Byte 0 picks the mode:
 *   0  plain channel (no encrypt_key): the rest is the raw body;
 *   1  encrypted channel: the rest is the event plaintext, encrypted with
 *      a fixed IV and signed right, so that decryption and parsing are
 *      reached with every shape of event;
 *   2  encrypted channel: the rest is "timestamp\nnonce\nsignature\nbody"
 *      (missing lines: absent headers), for the signature and
 *      challenge-without-signature paths;
 *   3  the token and send answers: byte 1 picks the HTTP status, the
 *      rest is the platform's answer (token_result and send_result).
 */
#include "bot/apitoken.h"
#include "bot/larkcrypt.h"
#include "fuzz_channel.h"
#include "fuzz_webhook.h"

#define FZ_TS	"1763750000"
#define FZ_EK	"kudryavka-EXAMPLE-encrypt-key"

/* Mode 1: encrypts and signs plain, then runs it. */
static void
fuzz_sealed(const struct channel *ch, const char *plain, size_t len)
{
	static const unsigned char iv[16] = "0123456789abcdef";
	struct fuzz_headers	 hdrs = {
		{ "X-Lark-Request-Timestamp", "X-Lark-Request-Nonce",
		    "X-Lark-Signature", NULL },
		{ FZ_TS, "nonce", NULL, NULL },
	};
	char			 sig[LARKCRYPT_SIG_LEN + 1], *enc = NULL, *body;
	size_t			 n;

	if (larkcrypt_encrypt(FZ_EK, iv, plain, len, &enc) != LARKCRYPT_OK)
		return;
	n = strlen(enc) + 16;
	body = malloc(n);
	FUZZ_ASSERT(body != NULL);
	(void)snprintf(body, n, "{\"encrypt\":\"%s\"}", enc);
	free(enc);
	FUZZ_ASSERT(larkcrypt_signature(FZ_TS, "nonce", FZ_EK, body,
	    strlen(body), sig) == LARKCRYPT_OK);
	hdrs.values[2] = sig;
	fuzz_webhook(ch, body, strlen(body), &hdrs);
	free(body);
}

/* Mode 2: splits off up to three header lines, then runs the body. */
static void
fuzz_headed(const struct channel *ch, char *s, size_t len)
{
	struct fuzz_headers	 hdrs = { { NULL }, { NULL } };
	char			*p = s, *nl;
	size_t			 i, k = 0;
	static const char *const names[3] = { "X-Lark-Request-Timestamp",
	    "X-Lark-Request-Nonce", "X-Lark-Signature" };

	for (i = 0; i < 3; i++) {
		if ((nl = memchr(p, '\n', len - (size_t)(p - s))) == NULL)
			break;
		*nl = '\0';
		if (*p != '\0') {
			hdrs.names[k] = names[i];
			hdrs.values[k++] = p;
		}
		p = nl + 1;
	}
	fuzz_webhook(ch, p, len - (size_t)(p - s), &hdrs);
}

/* Mode 3: the OpenAPI answers. */
static void
fuzz_answers(const struct channel *ch, const char *s, size_t len)
{
	static const long statuses[] = { 0, 200, 400, 429, 500, 503 };
	char		 out[APITOKEN_MAX], err[128];
	int		 exp = -1, ra = -1;
	long		 status;

	if (len == 0)
		return;
	status = statuses[(unsigned char)s[0] % 6];
	if (ch->backend->token_result(ch, status, s + 1, len - 1, out,
	    sizeof out, &exp, err, sizeof err) == 0)
		FUZZ_ASSERT(exp > 0 && out[0] != '\0');
	err[0] = '\0';
	(void)ch->backend->send_result(ch, status, s + 1, len - 1, &ra, err,
	    sizeof err);
	FUZZ_ASSERT(ra >= 0 && strlen(err) < sizeof err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 plain, sealed;
	struct fuzz_headers	 none = { { NULL }, { NULL } };
	char			*s;

	if (plain.backend == NULL) {
		fuzz_channel(&plain, "fs", channel_backend_lookup("feishu"),
		    "app_id", "cli_a1b2c3d4e5f6", "app_secret", "APP_SECRET",
		    "verification_token", "v0Tok3nEXAMPLE", NULL);
		fuzz_channel(&sealed, "fse", channel_backend_lookup("feishu"),
		    "app_id", "cli_a1b2c3d4e5f6", "app_secret", "APP_SECRET",
		    "verification_token", "v0Tok3nEXAMPLE", "encrypt_key",
		    FZ_EK, NULL);
	}
	if (size == 0)
		return 0;
	s = fuzz_strdup(data + 1, size - 1);
	switch (data[0] & 3) {
	case 0:
		fuzz_webhook(&plain, s, size - 1, &none);
		break;
	case 1:
		fuzz_sealed(&sealed, s, size - 1);
		break;
	case 2:
		fuzz_headed(&sealed, s, size - 1);
		break;
	default:
		fuzz_answers(&sealed, s, size - 1);
		break;
	}
	free(s);
	return 0;
}

/*
 * Fuzzes the platform crypto and XML primitives that see inbound bodies:
 * bot/xmlmsg.c, bot/wxcrypt.c, bot/larkcrypt.c, bot/dtsign.c and
 * bot/platb64.c. The first byte picks the target, the rest is its input:
 *   0: xmlmsg_parse; what it accepts is written back with the reply writer
 *      and must parse again to the same values;
 *   1: wxcrypt_decrypt of the input as an Encrypt text;
 *   2: the input as a WeCom message: encrypt, then decrypt to the same;
 *   3: larkcrypt_decrypt of the input as an encrypt text;
 *   4: the input as a Feishu event: encrypt, then decrypt to the same;
 *   5: DingTalk "timestamp\nsign" at a fixed clock;
 *   6: "token\ntimestamp\nnonce\nencrypt\nsignature" for the WeCom and
 *      Feishu signature checks;
 *   7: platb64_decode; what it accepts must encode and decode back;
 *   8: the input as WeCom ciphertext bytes (base64-encoded here);
 *   9: the input as a WeCom plaintext layout (random, length, message,
 *      receiveid, padding: zero-filled to whole blocks and encrypted here
 *      with raw AES), so the checks after the padding are reached;
 *  10: the same for a Feishu plaintext (padding bytes included).
 * Anything decrypted must come with the length it claims.
 */
#include <openssl/evp.h>

#include "fuzz_common.h"
#include "bot/dtsign.h"
#include "bot/larkcrypt.h"
#include "bot/platb64.h"
#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"

#define FUZZ_AESKEY	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define FUZZ_ID		"wx5823bf96d3bd56c7"
#define FUZZ_LARKKEY	"kudryavka-EXAMPLE-encrypt-key"
#define FUZZ_DTSECRET	"gxlW3aHb7hQ_example_appsecret_0123456789abcdef"
#define FUZZ_NOW_MS	INT64_C(1763750000123)

/* Raw AES-256-CBC encryption of n bytes (whole blocks), padding off. */
static void
fuzz_aes(const unsigned char *key, const unsigned char *iv,
    const unsigned char *in, size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX	*c = EVP_CIPHER_CTX_new();
	int		 l1 = 0, l2 = 0;

	FUZZ_ASSERT(c != NULL);
	FUZZ_ASSERT(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, key,
	    iv) == 1);
	FUZZ_ASSERT(EVP_CIPHER_CTX_set_padding(c, 0) == 1);
	FUZZ_ASSERT(EVP_EncryptUpdate(c, out, &l1, in, (int)n) == 1);
	FUZZ_ASSERT(EVP_EncryptFinal_ex(c, out + l1, &l2) == 1);
	FUZZ_ASSERT((size_t)(l1 + l2) == n);
	EVP_CIPHER_CTX_free(c);
}

/* Returns 1 if the value has a CR (the writer sends it as LF). */
static int
fuzz_has_cr(const char *s)
{
	return strchr(s, '\r') != NULL;
}

/* Mode 0: parse, write back every kept field, parse again. */
static void
fuzz_xml(const char *doc, size_t len)
{
	struct xmlmsg		 m, again;
	struct xmlmsg_writer	 w;
	enum xmlmsg_status	 rc;
	char			*out;
	int			 f, cr = 0;

	if (xmlmsg_parse(doc, len, &m) != XMLMSG_OK)
		return;
	xmlmsg_writer_init(&w);
	for (f = 0; f < XMLMSG_NFIELDS; f++) {
		if (m.value[f] == NULL)
			continue;
		FUZZ_ASSERT(strlen(m.value[f]) == m.len[f]);
		cr |= fuzz_has_cr(m.value[f]);
		xmlmsg_writer_cdata(&w,
		    xmlmsg_field_name((enum xmlmsg_field)f), m.value[f]);
	}
	/* Only the cap ("]]>" grows when split) may refuse what was read. */
	if ((rc = xmlmsg_writer_finish(&w, &out)) != XMLMSG_OK) {
		FUZZ_ASSERT(rc == XMLMSG_TOO_LARGE && out == NULL);
		xmlmsg_clear(&m);
		return;
	}
	FUZZ_ASSERT(xmlmsg_parse(out, strlen(out), &again) == XMLMSG_OK);
	for (f = 0; f < XMLMSG_NFIELDS && !cr; f++) {
		if (m.value[f] == NULL) {
			FUZZ_ASSERT(again.value[f] == NULL);
			continue;
		}
		FUZZ_ASSERT(again.value[f] != NULL);
		FUZZ_ASSERT(strcmp(m.value[f], again.value[f]) == 0);
	}
	xmlmsg_clear(&again);
	xmlmsg_clear(&m);
	free(out);
}

/* Modes 1, 8, 9: WeCom decryption of an Encrypt text. */
static void
fuzz_wx_decrypt(const struct wxcrypt_key *k, const char *enc)
{
	char	*msg;
	size_t	 len;

	if (wxcrypt_decrypt(k, enc, FUZZ_ID, &msg, &len) != WXCRYPT_OK) {
		FUZZ_ASSERT(msg == NULL);
		return;
	}
	FUZZ_ASSERT(msg != NULL && msg[len] == '\0');
	free(msg);
}

/* Modes 3, 10: Feishu decryption of an encrypt text. */
static void
fuzz_lark_decrypt(const char *enc)
{
	char	*plain;
	size_t	 len;

	if (larkcrypt_decrypt(FUZZ_LARKKEY, enc, &plain, &len) !=
	    LARKCRYPT_OK) {
		FUZZ_ASSERT(plain == NULL);
		return;
	}
	FUZZ_ASSERT(plain != NULL && plain[len] == '\0');
	free(plain);
}

/* Mode 2: a WeCom message survives encryption and decryption. */
static void
fuzz_wx_roundtrip(const struct wxcrypt_key *k, const char *msg, size_t len)
{
	char	*enc, *back;
	size_t	 blen;

	if (wxcrypt_encrypt(k, NULL, msg, len, FUZZ_ID, &enc) != WXCRYPT_OK)
		abort();
	FUZZ_ASSERT(wxcrypt_decrypt(k, enc, FUZZ_ID, &back, &blen) ==
	    WXCRYPT_OK);
	FUZZ_ASSERT(blen == len && memcmp(back, msg, len) == 0);
	free(back);
	free(enc);
}

/* Mode 4: a Feishu event survives encryption and decryption. */
static void
fuzz_lark_roundtrip(const char *plain, size_t len)
{
	char	*enc, *back;
	size_t	 blen;

	if (larkcrypt_encrypt(FUZZ_LARKKEY, NULL, plain, len, &enc) !=
	    LARKCRYPT_OK)
		abort();
	FUZZ_ASSERT(larkcrypt_decrypt(FUZZ_LARKKEY, enc, &back, &blen) ==
	    LARKCRYPT_OK);
	FUZZ_ASSERT(blen == len && memcmp(back, plain, len) == 0);
	free(back);
	free(enc);
}

/* Splits s at its first newline in place; returns what follows or "". */
static char *
fuzz_next(char *s)
{
	char	*nl = strchr(s, '\n');

	if (nl == NULL)
		return s + strlen(s);
	*nl = '\0';
	return nl + 1;
}

/* Mode 6: the signature checks over newline-separated fields. */
static void
fuzz_signatures(char *s)
{
	char	*token = s, *ts, *nonce, *enc, *sig;

	ts = fuzz_next(token);
	nonce = fuzz_next(ts);
	enc = fuzz_next(nonce);
	sig = fuzz_next(enc);
	(void)wxcrypt_verify(token, ts, nonce, enc, sig);
	(void)wxcrypt_verify_plain(token, ts, nonce, sig);
	(void)larkcrypt_verify(ts, nonce, token, enc, strlen(enc), sig);
}

/* Mode 7: strict base64 decodes only what encodes back to the same bytes. */
static void
fuzz_b64(const char *s, size_t len)
{
	unsigned char	*raw, *again;
	size_t		 n, n2;
	char		*enc;

	if (platb64_decode(s, len, len + 1, &raw, &n) == -1)
		return;
	FUZZ_ASSERT(len % 4 == 0 && n <= len / 4 * 3);
	enc = platb64_encode(raw, n);
	FUZZ_ASSERT(strlen(enc) == len);
	FUZZ_ASSERT(platb64_decode(enc, len, len, &again, &n2) == 0);
	FUZZ_ASSERT(n2 == n && memcmp(again, raw, n) == 0);
	free(again);
	free(enc);
	free(raw);
}

/* Modes 9 and 10: encrypts a chosen plaintext with raw AES, then base64. */
static char *
fuzz_seal_raw(const unsigned char *key, const unsigned char *iv,
    const uint8_t *data, size_t size, int with_iv)
{
	size_t		 n = (size + 15) / 16 * 16, off = with_iv ? 16 : 0;
	unsigned char	*pt, *out;
	char		*s;

	if (n == 0)
		n = 16;
	pt = calloc(1, n);
	out = malloc(off + n);
	FUZZ_ASSERT(pt != NULL && out != NULL);
	if (size > 0)
		memcpy(pt, data, size);
	if (with_iv)
		memcpy(out, iv, 16);
	fuzz_aes(key, iv, pt, n, out + off);
	s = platb64_encode(out, off + n);
	free(out);
	free(pt);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wxcrypt_key	 k;
	static unsigned char		 larkkey[32];
	static int			 ready;
	unsigned char			 iv[16];
	unsigned int			 n;
	char				*s, *enc;
	int				 mode;

	if (!ready) {
		FUZZ_ASSERT(wxcrypt_key_parse(FUZZ_AESKEY, &k) == WXCRYPT_OK);
		FUZZ_ASSERT(EVP_Digest(FUZZ_LARKKEY, strlen(FUZZ_LARKKEY),
		    larkkey, &n, EVP_sha256(), NULL) == 1);
		ready = 1;
	}
	if (size == 0 || size > 2 * XMLMSG_DOC_MAX)
		return 0;
	mode = data[0];
	data++;
	size--;
	s = fuzz_strdup(data, size);
	switch (mode) {
	case 0:
		fuzz_xml(s, size);
		break;
	case 1:
		fuzz_wx_decrypt(&k, s);
		break;
	case 2:
		if (size <= WXCRYPT_MSG_MAX)
			fuzz_wx_roundtrip(&k, s, size);
		break;
	case 3:
		fuzz_lark_decrypt(s);
		break;
	case 4:
		if (size <= LARKCRYPT_PLAIN_MAX)
			fuzz_lark_roundtrip(s, size);
		break;
	case 5:
		enc = fuzz_next(s);
		(void)dtsign_verify(FUZZ_DTSECRET, s, enc, FUZZ_NOW_MS);
		break;
	case 6:
		fuzz_signatures(s);
		break;
	case 7:
		fuzz_b64(s, strlen(s));
		break;
	case 8:
		enc = platb64_encode(data, size);
		fuzz_wx_decrypt(&k, enc);
		free(enc);
		break;
	case 9:
		enc = fuzz_seal_raw(k.aes, k.aes, data, size, 0);
		fuzz_wx_decrypt(&k, enc);
		free(enc);
		break;
	case 10:
		memset(iv, 0x11, sizeof iv);
		enc = fuzz_seal_raw(larkkey, iv, data, size, 1);
		fuzz_lark_decrypt(enc);
		free(enc);
		break;
	default:
		break;
	}
	free(s);
	return 0;
}

/*
 * Unit tests of the platform crypto and XML primitives the inbound
 * adapters use: bot/dtsign.c (DingTalk), bot/larkcrypt.c (Feishu),
 * bot/wxcrypt.c (WeCom, WeChat Official Account) and bot/xmlmsg.c. Every
 * DingTalk, Feishu, WeCom and WeChat vector of
 * tests/data/protocol-vectors.json (computed by the platforms' own
 * libraries) must come out exactly, encryption included; our own cases
 * build broken ciphertexts with raw EVP here (padding 0, 33, mixed pad
 * bytes, lying length fields) so that each check is reached on purpose.
 */
#include "testutil.h"
#include "testvec.h"

#include <pthread.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "bot/dtsign.h"
#include "bot/larkcrypt.h"
#include "bot/platb64.h"
#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"

#define TS_MS	INT64_C(1763750000123)

/* Returns an integer member of j. */
static long long
vint(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	if (!json_is_integer(v))
		fail_msg("vector integer %s missing", key);
	return (long long)json_integer_value(v);
}

/* Decodes a hex string into out (room for n bytes); returns the length. */
static size_t
unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t		 len = strlen(hex), i;
	unsigned int	 b;

	assert_true(len % 2 == 0 && len / 2 <= n);
	for (i = 0; i < len / 2; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (unsigned char)b;
	}
	return len / 2;
}

/* Returns s with the character at i replaced by another (caller frees). */
static char *
tamper(const char *s, size_t i)
{
	char	*t = strdup(s);

	assert_non_null(t);
	assert_true(i < strlen(t));
	t[i] = t[i] == 'a' ? 'b' : 'a';
	return t;
}

/*
 * AES-256-CBC of n bytes (a multiple of 16) with OpenSSL's padding off:
 * the tests' way to build ciphertexts the modules would never produce.
 */
static void
raw_aes(const unsigned char *key, const unsigned char *iv, int enc,
    const unsigned char *in, size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX	*c = EVP_CIPHER_CTX_new();
	int		 l1 = 0, l2 = 0;

	assert_non_null(c);
	assert_int_equal(EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, key,
	    iv, enc), 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(c, 0), 1);
	assert_int_equal(EVP_CipherUpdate(c, out, &l1, in, (int)n), 1);
	assert_int_equal(EVP_CipherFinal_ex(c, out + l1, &l2), 1);
	assert_int_equal(l1 + l2, (int)n);
	EVP_CIPHER_CTX_free(c);
}

/* ---- DingTalk ---- */

/*
 * Every DingTalk vector: the inbound header sign, and the custom robot
 * signs (the same HMAC over timestamp "\n" secret) in their base64 form.
 */
static void
test_dingtalk_vectors(void **state)
{
	json_t		*v, *c, *dt;
	size_t		 i;
	char		 out[DTSIGN_LEN + 1];
	int64_t		 now;
	const char	*ts;

	(void)state;
	v = vectors();
	dt = json_object_get(v, "dingtalk");
	json_array_foreach(json_object_get(dt, "outgoing_robot_inbound_sign"),
	    i, c) {
		ts = vstr(c, "header_timestamp", NULL);
		now = (int64_t)strtoll(ts, NULL, 10);
		assert_int_equal(dtsign_sign(vstr(c, "app_secret", NULL), ts,
		    out), DTSIGN_OK);
		assert_string_equal(out, vstr(c, "expected_header_sign", NULL));
		assert_int_equal(dtsign_verify(vstr(c, "app_secret", NULL), ts,
		    vstr(c, "expected_header_sign", NULL), now + 5000),
		    DTSIGN_OK);
		/* The header is plain base64: the URL-encoded form fails. */
		assert_int_equal(dtsign_verify(vstr(c, "app_secret", NULL), ts,
		    "hWA9wrAT0Xq4G%2FnBHWMhepKEyaTc%2BQj%2FSbQPUqRRAPQ%3D",
		    now), DTSIGN_BAD_SIGNATURE);
	}
	assert_true(i > 0);
	json_array_foreach(json_object_get(dt, "custom_robot_sign"), i, c) {
		ts = vstr(c, "timestamp_ms", NULL);
		assert_int_equal(dtsign_sign(vstr(c, "secret", NULL), ts, out),
		    DTSIGN_OK);
		assert_string_equal(out, vstr(c, "sign_base64", NULL));
		assert_int_equal(dtsign_verify(vstr(c, "secret", NULL), ts,
		    vstr(c, "sign_base64", NULL),
		    (int64_t)strtoll(ts, NULL, 10)), DTSIGN_OK);
	}
	assert_true(i > 0);
	json_decref(v);
}

/* The ±1 h window at its edges, tampered signs and broken timestamps. */
static void
test_dingtalk_cases(void **state)
{
	const char	*sec = "gxlW3aHb7hQ_example_appsecret_0123456789abcdef";
	const char	*ts = "1763750000123";
	const char	*sign = "hWA9wrAT0Xq4G/nBHWMhepKEyaTc+Qj/SbQPUqRRAPQ=";
	char		*t, big[DTSIGN_SECRET_MAX + 2];
	size_t		 i;

	(void)state;
	assert_int_equal(dtsign_verify(sec, ts, sign, TS_MS), DTSIGN_OK);
	assert_int_equal(dtsign_verify(sec, ts, sign, TS_MS + 3600000),
	    DTSIGN_OK);
	assert_int_equal(dtsign_verify(sec, ts, sign, TS_MS - 3600000),
	    DTSIGN_OK);
	assert_int_equal(dtsign_verify(sec, ts, sign, TS_MS + 3600001),
	    DTSIGN_STALE);
	assert_int_equal(dtsign_verify(sec, ts, sign, TS_MS - 3600001),
	    DTSIGN_FUTURE);
	assert_int_equal(dtsign_verify(sec, ts, sign, INT64_MIN),
	    DTSIGN_FUTURE);
	assert_int_equal(dtsign_verify(sec, ts, sign, INT64_MAX),
	    DTSIGN_STALE);
	/* Seconds instead of milliseconds: decades stale. */
	assert_int_equal(dtsign_verify(sec, "1763750000", sign, TS_MS),
	    DTSIGN_STALE);

	/* Every single-character change of the sign fails. */
	for (i = 0; i < strlen(sign); i++) {
		t = tamper(sign, i);
		assert_int_equal(dtsign_verify(sec, ts, t, TS_MS),
		    DTSIGN_BAD_SIGNATURE);
		free(t);
	}
	assert_int_equal(dtsign_verify(sec, ts, "", TS_MS),
	    DTSIGN_BAD_SIGNATURE);
	assert_int_equal(dtsign_verify(sec, ts, NULL, TS_MS),
	    DTSIGN_BAD_SIGNATURE);
	assert_int_equal(dtsign_verify(sec, ts,
	    "hWA9wrAT0Xq4G/nBHWMhepKEyaTc+Qj/SbQPUqRRAPQ", TS_MS),
	    DTSIGN_BAD_SIGNATURE);
	assert_int_equal(dtsign_verify(sec, ts,
	    "hWA9wrAT0Xq4G/nBHWMhepKEyaTc+Qj/SbQPUqRRAPQ==", TS_MS),
	    DTSIGN_BAD_SIGNATURE);
	assert_int_equal(dtsign_verify("other secret", ts, sign, TS_MS),
	    DTSIGN_BAD_SIGNATURE);
	/* Another timestamp inside the window does not reuse the sign. */
	assert_int_equal(dtsign_verify(sec, "1763750000124", sign, TS_MS),
	    DTSIGN_BAD_SIGNATURE);

	assert_int_equal(dtsign_verify(sec, "", sign, TS_MS),
	    DTSIGN_BAD_TIMESTAMP);
	assert_int_equal(dtsign_verify(sec, NULL, sign, TS_MS),
	    DTSIGN_BAD_TIMESTAMP);
	assert_int_equal(dtsign_verify(sec, "-1763750000123", sign, TS_MS),
	    DTSIGN_BAD_TIMESTAMP);
	assert_int_equal(dtsign_verify(sec, " 1763750000123", sign, TS_MS),
	    DTSIGN_BAD_TIMESTAMP);
	assert_int_equal(dtsign_verify(sec, "1763750000123x", sign, TS_MS),
	    DTSIGN_BAD_TIMESTAMP);
	assert_int_equal(dtsign_verify(sec, "17637500001.3", sign, TS_MS),
	    DTSIGN_BAD_TIMESTAMP);
	assert_int_equal(dtsign_verify(sec, "99999999999999999999", sign,
	    TS_MS), DTSIGN_BAD_TIMESTAMP);
	assert_int_equal(dtsign_verify(sec, "9999999999999999999", sign,
	    TS_MS), DTSIGN_BAD_TIMESTAMP);	/* > INT64_MAX */

	memset(big, 's', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(dtsign_verify(big, ts, sign, TS_MS),
	    DTSIGN_TOO_LONG);
	big[DTSIGN_SECRET_MAX] = '\0';
	assert_int_equal(dtsign_verify(big, ts, sign, TS_MS),
	    DTSIGN_BAD_SIGNATURE);
	assert_string_equal(dtsign_strerror(DTSIGN_STALE),
	    "timestamp more than an hour old");
}

/* ---- Feishu ---- */

/* The SDK's documented vector: "test key" decrypts to "hello world". */
static void
test_feishu_official(void **state)
{
	json_t	*v, *o;
	char	*plain;
	size_t	 len;

	(void)state;
	v = vectors();
	o = json_object_get(json_object_get(v, "feishu"),
	    "official_decrypt_vector");
	assert_int_equal(larkcrypt_decrypt(vstr(o, "encrypt_key", NULL),
	    vstr(o, "encrypt", NULL), &plain, &len), LARKCRYPT_OK);
	assert_string_equal(plain, vstr(o, "decrypted", NULL));
	assert_int_equal(len, strlen(vstr(o, "decrypted", NULL)));
	free(plain);
	json_decref(v);
}

/*
 * Every Feishu event: the signature over the raw body, one-character
 * tampering rejected, and for encrypted ones the decryption, the key and
 * IV, and the ciphertext reproduced from the vector's IV.
 */
static void
test_feishu_events(void **state)
{
	json_t		*v, *c, *body;
	size_t		 i, len, rawlen, klen;
	const char	*raw, *key, *ts, *nonce, *sig, *enc;
	char		*t, *plain, *again;
	unsigned char	*dec, want[32], got[32], iv[16];
	unsigned int	 n;

	(void)state;
	v = vectors();
	json_array_foreach(json_object_get(json_object_get(v, "feishu"),
	    "events"), i, c) {
		raw = vstr(c, "raw_body", NULL);
		key = vstr(c, "encrypt_key", NULL);
		ts = vstr(c, "headers", "x-lark-request-timestamp", NULL);
		nonce = vstr(c, "headers", "x-lark-request-nonce", NULL);
		sig = vstr(c, "headers", "x-lark-signature", NULL);
		assert_int_equal(larkcrypt_verify(ts, nonce, key, raw,
		    strlen(raw), sig), LARKCRYPT_OK);
		t = tamper(sig, 7);
		assert_int_equal(larkcrypt_verify(ts, nonce, key, raw,
		    strlen(raw), t), LARKCRYPT_BAD_SIGNATURE);
		free(t);
		t = tamper(raw, strlen(raw) / 2);
		assert_int_equal(larkcrypt_verify(ts, nonce, key, t,
		    strlen(t), sig), LARKCRYPT_BAD_SIGNATURE);
		free(t);
		assert_int_equal(larkcrypt_verify(ts, nonce, key, raw,
		    strlen(raw) - 1, sig), LARKCRYPT_BAD_SIGNATURE);
		assert_int_equal(larkcrypt_verify(nonce, ts, key, raw,
		    strlen(raw), sig), LARKCRYPT_BAD_SIGNATURE);
		t = strdup(sig);
		for (len = 0; t[len] != '\0'; len++)
			if (t[len] >= 'a' && t[len] <= 'f')
				t[len] = (char)(t[len] - 'a' + 'A');
		assert_int_equal(larkcrypt_verify(ts, nonce, key, raw,
		    strlen(raw), t), LARKCRYPT_BAD_SIGNATURE);
		free(t);
		if (!json_is_true(json_object_get(c, "encrypted")))
			continue;

		body = json_loads(raw, 0, NULL);
		assert_non_null(body);
		enc = vstr(body, "encrypt", NULL);
		assert_int_equal(larkcrypt_decrypt(key, enc, &plain, &len),
		    LARKCRYPT_OK);
		assert_string_equal(plain, vstr(c, "plaintext", NULL));
		assert_int_equal(len, strlen(plain));
		assert_non_null(strstr(plain, vstr(c, "expect", "text",
		    NULL)));
		assert_non_null(strstr(plain, vstr(c, "expect", "event_id",
		    NULL)));

		/* Key = SHA-256(Encrypt Key), IV = the first 16 bytes. */
		klen = unhex(vstr(c, "aes_key_sha256_hex", NULL), want, 32);
		assert_int_equal(EVP_Digest(key, strlen(key), got, &n,
		    EVP_sha256(), NULL), 1);
		assert_int_equal(n, klen);
		assert_memory_equal(got, want, 32);
		assert_int_equal(unhex(vstr(c, "iv_hex", NULL), iv, 16), 16);
		assert_int_equal(platb64_decode(enc, strlen(enc), strlen(enc),
		    &dec, &rawlen), 0);
		assert_memory_equal(dec, iv, 16);
		free(dec);

		assert_int_equal(larkcrypt_encrypt(key, iv, plain, len,
		    &again), LARKCRYPT_OK);
		assert_string_equal(again, enc);
		free(again);
		free(plain);
		json_decref(body);
	}
	assert_true(i >= 2);
	json_decref(v);
}

/*
 * Builds a Feishu ciphertext of n plaintext bytes (padding included, as
 * given) under "k" with a zero IV; the caller frees the base64.
 */
static char *
lark_raw(const unsigned char *pt, size_t n)
{
	unsigned char	 key[32], iv[16], out[16 + 256];
	unsigned int	 kn;

	assert_true(n <= 256 && n % 16 == 0);
	assert_int_equal(EVP_Digest("k", 1, key, &kn, EVP_sha256(), NULL), 1);
	memset(iv, 0, sizeof iv);
	memcpy(out, iv, 16);
	raw_aes(key, iv, 1, pt, n, out + 16);
	return platb64_encode(out, 16 + n);
}

/* Feishu refusals: base64, lengths, every kind of bad padding; UTF-8. */
static void
test_feishu_cases(void **state)
{
	const char	*text = "告警 ✅ 🚨 server01 正常 \xf0\x9f\x91\x8d";
	unsigned char	 pt[64];
	char		*enc, *plain, *big;
	size_t		 len;

	(void)state;
	/* Chinese and emoji both ways, random IV. */
	assert_int_equal(larkcrypt_encrypt("k", NULL, text, strlen(text),
	    &enc), LARKCRYPT_OK);
	assert_int_equal(larkcrypt_decrypt("k", enc, &plain, &len),
	    LARKCRYPT_OK);
	assert_string_equal(plain, text);
	free(plain);
	free(enc);
	/* An empty event still gets a whole block of padding. */
	assert_int_equal(larkcrypt_encrypt("k", NULL, "", 0, &enc),
	    LARKCRYPT_OK);
	assert_int_equal(strlen(enc), 44);
	assert_int_equal(larkcrypt_decrypt("k", enc, &plain, &len),
	    LARKCRYPT_OK);
	assert_int_equal(len, 0);
	free(plain);
	free(enc);

	assert_int_equal(larkcrypt_decrypt("k", "", &plain, &len),
	    LARKCRYPT_BAD_BASE64);
	assert_null(plain);
	assert_int_equal(larkcrypt_decrypt("k", "P37w+VZImNgPEO1RBhJ6Rt",
	    &plain, &len), LARKCRYPT_BAD_BASE64);
	assert_int_equal(larkcrypt_decrypt("k", "P37w VZImNgPEO1RBhJ6RtKl",
	    &plain, &len), LARKCRYPT_BAD_BASE64);
	assert_int_equal(larkcrypt_decrypt("k", "P37w=VZImNgPEO1RBhJ6RtKl",
	    &plain, &len), LARKCRYPT_BAD_BASE64);
	assert_int_equal(larkcrypt_decrypt("k", "P37w-VZImNgPEO1RBhJ6RtKl",
	    &plain, &len), LARKCRYPT_BAD_BASE64);
	/* Only an IV; an IV and 15 bytes; an IV and 18 bytes. */
	assert_int_equal(larkcrypt_decrypt("k", "AAAAAAAAAAAAAAAAAAAAAA==",
	    &plain, &len), LARKCRYPT_BAD_LENGTH);
	assert_int_equal(larkcrypt_decrypt("k",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", &plain, &len),
	    LARKCRYPT_BAD_LENGTH);
	assert_int_equal(larkcrypt_decrypt("k",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", &plain, &len),
	    LARKCRYPT_BAD_LENGTH);
	/* The official vector cut by one block is no longer a whole event. */
	assert_int_equal(larkcrypt_decrypt("test key",
	    "P37w+VZImNgPEO1RBhJ6Rg==", &plain, &len), LARKCRYPT_BAD_LENGTH);

	/* Padding: value 0, value 17, bytes that differ, then a good one. */
	memset(pt, 'x', sizeof pt);
	pt[31] = 0;
	enc = lark_raw(pt, 32);
	assert_int_equal(larkcrypt_decrypt("k", enc, &plain, &len),
	    LARKCRYPT_BAD_PADDING);
	free(enc);
	pt[31] = 17;
	enc = lark_raw(pt, 32);
	assert_int_equal(larkcrypt_decrypt("k", enc, &plain, &len),
	    LARKCRYPT_BAD_PADDING);
	free(enc);
	memset(pt + 28, 4, 4);
	pt[29] = 3;
	enc = lark_raw(pt, 32);
	assert_int_equal(larkcrypt_decrypt("k", enc, &plain, &len),
	    LARKCRYPT_BAD_PADDING);
	free(enc);
	memset(pt + 16, 16, 16);
	enc = lark_raw(pt, 32);
	assert_int_equal(larkcrypt_decrypt("k", enc, &plain, &len),
	    LARKCRYPT_OK);
	assert_int_equal(len, 16);
	free(plain);
	free(enc);

	/* Past the caps. */
	big = malloc(LARKCRYPT_ENCRYPT_MAX + 5);
	memset(big, 'A', LARKCRYPT_ENCRYPT_MAX + 4);
	big[LARKCRYPT_ENCRYPT_MAX + 4] = '\0';
	assert_int_equal(larkcrypt_decrypt("k", big, &plain, &len),
	    LARKCRYPT_TOO_LONG);
	assert_int_equal(larkcrypt_encrypt("k", NULL, big,
	    LARKCRYPT_PLAIN_MAX + 1, &enc), LARKCRYPT_TOO_LONG);
	assert_null(enc);
	free(big);
}

/* ---- WeCom and WeChat ---- */

/* Decrypts enc and checks it is msg for id, then re-encrypts it. */
static void
wx_roundtrip(const char *aeskey, const char *enc, const char *id,
    const char *msg, const char *random_hex)
{
	struct wxcrypt_key	 k;
	unsigned char		 random[16];
	char			*got, *again;
	size_t			 len;

	assert_int_equal(wxcrypt_key_parse(aeskey, &k), WXCRYPT_OK);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &got, &len),
	    WXCRYPT_OK);
	assert_string_equal(got, msg);
	assert_int_equal(len, strlen(msg));
	free(got);
	assert_int_equal(unhex(random_hex, random, 16), 16);
	assert_int_equal(wxcrypt_encrypt(&k, random, msg, strlen(msg), id,
	    &again), WXCRYPT_OK);
	assert_string_equal(again, enc);
	free(again);
}

/* WeCom's documented examples: the POST message and the GET URL check. */
static void
test_wecom_official(void **state)
{
	json_t			*v, *o;
	struct wxcrypt_key	 k;
	char			 sig[WXCRYPT_SIG_LEN + 1], *msg;
	size_t			 len;

	(void)state;
	v = vectors();
	o = json_object_get(json_object_get(json_object_get(v, "wecom"),
	    "official_vectors"), "post_message");
	assert_int_equal(wxcrypt_signature(vstr(o, "token", NULL),
	    vstr(o, "timestamp", NULL), vstr(o, "nonce", NULL),
	    vstr(o, "encrypt", NULL), sig), WXCRYPT_OK);
	assert_string_equal(sig, vstr(o, "msg_signature", NULL));
	assert_int_equal(wxcrypt_verify(vstr(o, "token", NULL),
	    vstr(o, "timestamp", NULL), vstr(o, "nonce", NULL),
	    vstr(o, "encrypt", NULL), vstr(o, "msg_signature", NULL)),
	    WXCRYPT_OK);
	assert_string_equal(vstr(o, "decrypted_receive_id", NULL),
	    vstr(o, "receive_id", NULL));
	wx_roundtrip(vstr(o, "encoding_aes_key", NULL),
	    vstr(o, "encrypt", NULL), vstr(o, "receive_id", NULL),
	    vstr(o, "decrypted_message", NULL), vstr(o, "random_hex", NULL));

	o = json_object_get(json_object_get(json_object_get(v, "wecom"),
	    "official_vectors"), "get_url_verify");
	assert_int_equal(wxcrypt_verify(vstr(o, "token", NULL),
	    vstr(o, "timestamp", NULL), vstr(o, "nonce", NULL),
	    vstr(o, "echostr", NULL), vstr(o, "msg_signature", NULL)),
	    WXCRYPT_OK);
	assert_int_equal(wxcrypt_key_parse(vstr(o, "encoding_aes_key", NULL),
	    &k), WXCRYPT_OK);
	assert_int_equal(wxcrypt_decrypt(&k, vstr(o, "echostr", NULL),
	    vstr(o, "decrypted_receive_id", NULL), &msg, &len), WXCRYPT_OK);
	assert_string_equal(msg, vstr(o, "expected_response_body", NULL));
	free(msg);
	/* The echostr as it sits in the query, not URL-decoded, fails. */
	assert_int_equal(wxcrypt_decrypt(&k, "P9nAzCzyDtyTWESHep1vC5X9xho%2Fq",
	    vstr(o, "receive_id", NULL), &msg, &len), WXCRYPT_BAD_BASE64);
	json_decref(v);
}

/* Checks one callback case (WeCom callback_cases, MP safe_mode_case). */
static void
wx_case(json_t *c)
{
	struct wxcrypt_key	 k;
	unsigned char		 key[32], *ct, *pt;
	char			 sig[WXCRYPT_SIG_LEN + 1];
	const char		*enc = vstr(c, "encrypt", NULL);
	size_t			 n;

	assert_int_equal(wxcrypt_key_parse(vstr(c, "encoding_aes_key", NULL),
	    &k), WXCRYPT_OK);
	assert_int_equal(unhex(vstr(c, "aes_key_hex", NULL), key, 32), 32);
	assert_memory_equal(k.aes, key, 32);
	assert_int_equal(unhex(vstr(c, "iv_hex", NULL), key, 16), 16);
	assert_memory_equal(k.aes, key, 16);

	assert_int_equal(wxcrypt_signature(vstr(c, "token", NULL),
	    vstr(c, "timestamp", NULL), vstr(c, "nonce", NULL), enc, sig),
	    WXCRYPT_OK);
	assert_string_equal(sig, vstr(c, "msg_signature", NULL));
	assert_int_equal(wxcrypt_verify(vstr(c, "token", NULL),
	    vstr(c, "timestamp", NULL), vstr(c, "nonce", NULL), enc,
	    vstr(c, "msg_signature", NULL)), WXCRYPT_OK);
	wx_roundtrip(vstr(c, "encoding_aes_key", NULL), enc,
	    vstr(c, "receive_id", NULL), vstr(c, "plaintext", NULL),
	    vstr(c, "random_hex", NULL));

	/* The layout the vector spells out: padded length, pad, msg_len. */
	assert_int_equal(platb64_decode(enc, strlen(enc), strlen(enc), &ct,
	    &n), 0);
	assert_int_equal(n, vint(c, "padded_plaintext_len"));
	pt = malloc(n);
	raw_aes(k.aes, k.aes, 0, ct, n, pt);
	assert_int_equal(pt[n - 1], vint(c, "pkcs7_pad_byte"));
	assert_int_equal((long long)pt[16] << 24 | pt[17] << 16 |
	    pt[18] << 8 | pt[19], vint(c, "msg_len"));
	free(pt);
	free(ct);
}

/* Every WeCom callback case and the Official Account safe-mode case. */
static void
test_wecom_cases(void **state)
{
	json_t	*v, *c;
	size_t	 i;

	(void)state;
	v = vectors();
	json_array_foreach(json_object_get(json_object_get(v, "wecom"),
	    "callback_cases"), i, c)
		wx_case(c);
	assert_true(i >= 2);
	wx_case(json_object_get(json_object_get(v, "wechat_mp"),
	    "safe_mode_case"));
	json_decref(v);
}

/* One callback case's round trip without cmocka's asserts (for other
 * threads): 1 when the decryption and the encryption both match. */
static int
wx_same(json_t *c)
{
	struct wxcrypt_key	 k;
	unsigned char		 random[16];
	char			*got = NULL, *again = NULL;
	size_t			 len;
	int			 ok;

	ok = wxcrypt_key_parse(vstr(c, "encoding_aes_key", NULL), &k) ==
	    WXCRYPT_OK && wxcrypt_decrypt(&k, vstr(c, "encrypt", NULL),
	    vstr(c, "receive_id", NULL), &got, &len) == WXCRYPT_OK &&
	    strcmp(got, vstr(c, "plaintext", NULL)) == 0 &&
	    unhex(vstr(c, "random_hex", NULL), random, 16) == 16 &&
	    wxcrypt_encrypt(&k, random, got, len, vstr(c, "receive_id", NULL),
	    &again) == WXCRYPT_OK && strcmp(again, vstr(c, "encrypt", NULL)) ==
	    0;
	free(got);
	free(again);
	return ok;
}

/* A thread of test_wx_thread_state: the two cases in turn; the rounds
 * that did not match, in *arg's miss. */
struct wx_turns {
	json_t	*a, *b;
	int	 miss;
};

static void *
wx_turns(void *arg)
{
	struct wx_turns	*t = arg;
	int		 i;

	for (i = 0; i < 200; i++)
		t->miss += !wx_same(i % 2 ? t->b : t->a);
	return NULL;
}

/*
 * What wxcrypt keeps per thread: the AES contexts are set up again when
 * the key changes (two WeCom cases of different keys in turn, and the
 * first key's ciphertext then refused under the second), start afresh
 * after a refusal, and are each thread's own (two threads, each with
 * both keys in turn); the random pool gives out each byte once, across
 * its refills, and more than a pool's worth at once.
 */
static void
test_wx_thread_state(void **state)
{
	json_t			*v, *a, *b;
	struct wxcrypt_key	 ka, kb;
	struct wx_turns		 t[2];
	pthread_t		 th[2];
	unsigned char		 r[64][16], big[1500], zero[1500];
	char			*msg;
	size_t			 len;
	int			 i, j;

	(void)state;
	v = vectors();
	a = json_array_get(json_object_get(json_object_get(v, "wecom"),
	    "callback_cases"), 0);
	b = json_array_get(json_object_get(json_object_get(v, "wecom"),
	    "callback_cases"), 1);
	assert_string_not_equal(vstr(a, "encoding_aes_key", NULL),
	    vstr(b, "encoding_aes_key", NULL));
	assert_int_equal(wxcrypt_key_parse(vstr(a, "encoding_aes_key", NULL),
	    &ka), WXCRYPT_OK);
	assert_int_equal(wxcrypt_key_parse(vstr(b, "encoding_aes_key", NULL),
	    &kb), WXCRYPT_OK);
	for (i = 0; i < 4; i++) {
		assert_true(wx_same(a));
		assert_true(wx_same(b));
	}
	assert_int_not_equal(wxcrypt_decrypt(&kb, vstr(a, "encrypt", NULL),
	    vstr(a, "receive_id", NULL), &msg, &len), WXCRYPT_OK);
	assert_null(msg);
	assert_int_equal(wxcrypt_decrypt(&ka, vstr(a, "encrypt", NULL),
	    vstr(a, "receive_id", NULL), &msg, &len), WXCRYPT_OK);
	assert_string_equal(msg, vstr(a, "plaintext", NULL));
	free(msg);

	for (i = 0; i < 2; i++) {
		t[i].a = i ? b : a;
		t[i].b = i ? a : b;
		t[i].miss = 0;
		assert_int_equal(pthread_create(&th[i], NULL, wx_turns, &t[i]),
		    0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].miss, 0);
	}

	/* 64 x 16 bytes cross the 512-byte pool's refills: all differ. */
	for (i = 0; i < 64; i++)
		assert_int_equal(wxcrypt_random(r[i], sizeof r[i]), 0);
	for (i = 0; i < 64; i++)
		for (j = i + 1; j < 64; j++)
			assert_memory_not_equal(r[i], r[j], sizeof r[i]);
	memset(big, 0, sizeof big);
	memset(zero, 0, sizeof zero);
	assert_int_equal(wxcrypt_random(big, sizeof big), 0);
	assert_memory_not_equal(big, zero, 64);
	assert_memory_not_equal(big + sizeof big - 64, zero, 64);
	json_decref(v);
}

/* The Official Account plain-mode signature and its URL check. */
static void
test_wechat_signature(void **state)
{
	json_t		*v, *c, *s;
	size_t		 i, j;
	char		 sig[WXCRYPT_SIG_LEN + 1], cat[256], *t;
	unsigned char	 dig[20];
	unsigned int	 n;

	(void)state;
	v = vectors();
	json_array_foreach(json_object_get(json_object_get(v, "wechat_mp"),
	    "signature_cases"), i, c) {
		assert_int_equal(wxcrypt_signature(vstr(c, "token", NULL),
		    vstr(c, "timestamp", NULL), vstr(c, "nonce", NULL), NULL,
		    sig), WXCRYPT_OK);
		assert_string_equal(sig, vstr(c, "signature", NULL));
		assert_int_equal(wxcrypt_verify_plain(vstr(c, "token", NULL),
		    vstr(c, "timestamp", NULL), vstr(c, "nonce", NULL),
		    vstr(c, "signature", NULL)), WXCRYPT_OK);
		/* The vector's sorted list, hashed here, says the same. */
		cat[0] = '\0';
		json_array_foreach(json_object_get(c, "sorted"), j, s)
			(void)strncat(cat, json_string_value(s),
			    sizeof cat - strlen(cat) - 1);
		assert_int_equal(EVP_Digest(cat, strlen(cat), dig, &n,
		    EVP_sha1(), NULL), 1);
		for (j = 0; j < 20; j++)
			(void)snprintf(cat + 2 * j, 3, "%02x", dig[j]);
		assert_string_equal(cat, sig);
		for (j = 0; j < WXCRYPT_SIG_LEN; j += 13) {
			t = tamper(sig, j);
			assert_int_equal(wxcrypt_verify_plain(vstr(c, "token",
			    NULL), vstr(c, "timestamp", NULL), vstr(c, "nonce",
			    NULL), t), WXCRYPT_BAD_SIGNATURE);
			free(t);
		}
		/* The echostr does not enter the plain-mode signature. */
		assert_int_equal(wxcrypt_verify(vstr(c, "token", NULL),
		    vstr(c, "timestamp", NULL), vstr(c, "nonce", NULL),
		    vstr(c, "echostr", NULL), sig), WXCRYPT_BAD_SIGNATURE);
	}
	assert_true(i > 0);
	json_decref(v);
}

/*
 * The encrypted passive reply envelope of the vectors, rebuilt: its
 * plaintext is our plain text reply, its random prefix is read back with
 * raw AES, and sealing them again gives the envelope byte for byte.
 */
static void
test_wecom_envelope(void **state)
{
	json_t			*v;
	struct wxcrypt_key	 k;
	struct xmlmsg		 m;
	const char		*env, *id = "wx5823bf96d3bd56c7";
	unsigned char		*ct, first[16];
	char			*inner, *msg, *xml;
	size_t			 n, len;

	(void)state;
	v = vectors();
	env = vstr(v, "wecom", "passive_reply_envelope_example", NULL);
	assert_int_equal(xmlmsg_parse(env, strlen(env), &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_TIME_STAMP), "1763750200");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_NONCE), "abc123");
	assert_int_equal(wxcrypt_verify("QDG6eK", "1763750200", "abc123",
	    xmlmsg_get(&m, XMLMSG_ENCRYPT), xmlmsg_get(&m,
	    XMLMSG_MSG_SIGNATURE)), WXCRYPT_OK);
	assert_int_equal(wxcrypt_key_parse(
	    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", &k), WXCRYPT_OK);
	assert_int_equal(wxcrypt_decrypt(&k, xmlmsg_get(&m, XMLMSG_ENCRYPT),
	    id, &msg, &len), WXCRYPT_OK);
	assert_int_equal(xmlmsg_reply_text("zhangsan", id, 1763750200,
	    "已收到：server01 正常 ✅", &inner), XMLMSG_OK);
	assert_string_equal(inner, msg);

	assert_int_equal(platb64_decode(xmlmsg_get(&m, XMLMSG_ENCRYPT),
	    m.len[XMLMSG_ENCRYPT], XMLMSG_ENCRYPT_MAX, &ct, &n), 0);
	raw_aes(k.aes, k.aes, 0, ct, 16, first);
	assert_int_equal(wxcrypt_seal(&k, first, "QDG6eK", "1763750200",
	    "abc123", inner, strlen(inner), id, &xml), WXCRYPT_OK);
	assert_string_equal(xml, env);
	free(xml);
	assert_int_equal(wxcrypt_seal(&k, first, "QDG6eK", "17637502x0",
	    "abc123", inner, strlen(inner), id, &xml), WXCRYPT_BAD_PARAM);
	assert_null(xml);
	/* Fresh random bytes: another ciphertext, still ours to open. */
	assert_int_equal(wxcrypt_seal(&k, NULL, "QDG6eK", "1763750200",
	    "abc123", inner, strlen(inner), id, &xml), WXCRYPT_OK);
	assert_string_not_equal(xml, env);
	free(xml);
	free(ct);
	free(inner);
	free(msg);
	xmlmsg_clear(&m);
	json_decref(v);
}

/*
 * Encrypts n bytes of pt (layout and padding as given) under the vector
 * key with raw AES; the caller frees the base64.
 */
static char *
wx_raw(const struct wxcrypt_key *k, const unsigned char *pt, size_t n)
{
	unsigned char	*ct = malloc(n);
	char		*s;

	raw_aes(k->aes, k->aes, 1, pt, n, ct);
	s = platb64_encode(ct, n);
	free(ct);
	return s;
}

/* Lays out random | len | msg | id | pad bytes of value pad into pt. */
static size_t
wx_layout(unsigned char *pt, uint32_t lenfield, const char *msg,
    const char *id, size_t padn, unsigned char pad)
{
	size_t	 n = 0;

	memset(pt, 0x5a, 16);
	n = 16;
	pt[n++] = (unsigned char)(lenfield >> 24);
	pt[n++] = (unsigned char)(lenfield >> 16);
	pt[n++] = (unsigned char)(lenfield >> 8);
	pt[n++] = (unsigned char)lenfield;
	memcpy(pt + n, msg, strlen(msg));
	n += strlen(msg);
	memcpy(pt + n, id, strlen(id));
	n += strlen(id);
	memset(pt + n, pad, padn);
	return n + padn;
}

/* WeCom refusals, each reached on purpose, and the full 32-byte pad. */
static void
test_wecom_refusals(void **state)
{
	struct wxcrypt_key	 k;
	const char		*id = "wx5823bf96d3bd56c7";	/* 18 bytes */
	const char		*text = "查询 server01 🚨✅ \xf0\x9f\x91\x8d";
	unsigned char		 pt[256];
	char			*enc, *msg, *big, m26[27];
	char			 sig[WXCRYPT_SIG_LEN + 1];
	char			 nonce[WXCRYPT_PARAM_MAX + 2];
	size_t			 len, n;

	(void)state;
	assert_int_equal(wxcrypt_key_parse(
	    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", &k), WXCRYPT_OK);

	/* Chinese and emoji both ways; a different receiveid fails. */
	assert_int_equal(wxcrypt_encrypt(&k, NULL, text, strlen(text), id,
	    &enc), WXCRYPT_OK);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_OK);
	assert_string_equal(msg, text);
	free(msg);
	assert_int_equal(wxcrypt_decrypt(&k, enc, "wx5823bf96d3bd56c8", &msg,
	    &len), WXCRYPT_BAD_RECEIVEID);
	assert_null(msg);
	assert_int_equal(wxcrypt_decrypt(&k, enc, "wx5823bf96d3bd56c", &msg,
	    &len), WXCRYPT_BAD_RECEIVEID);
	assert_int_equal(wxcrypt_decrypt(&k, enc, "wx5823bf96d3bd56c77", &msg,
	    &len), WXCRYPT_BAD_RECEIVEID);
	assert_int_equal(wxcrypt_decrypt(&k, enc, "WX5823BF96D3BD56C7", &msg,
	    &len), WXCRYPT_BAD_RECEIVEID);
	assert_int_equal(wxcrypt_decrypt(&k, enc, "", &msg, &len),
	    WXCRYPT_BAD_RECEIVEID);
	/* Truncated: a base64 cut mid-quantum, then one AES block less. */
	enc[strlen(enc) - 3] = '\0';
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_BASE64);
	free(enc);

	/* 16 + 4 + 26 + 18 = 64: a whole extra block of 32 x 0x20. */
	memset(m26, 'm', 26);
	m26[26] = '\0';
	assert_int_equal(wxcrypt_encrypt(&k, NULL, m26, 26, id, &enc),
	    WXCRYPT_OK);
	assert_int_equal(strlen(enc), PLATB64_ENCODED_LEN(96));
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_OK);
	assert_string_equal(msg, m26);
	free(msg);
	free(enc);
	n = wx_layout(pt, 26, m26, id, 32, 32);
	enc = wx_raw(&k, pt, n);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_OK);
	free(msg);
	free(enc);
	/* The last AES block cut off: the pad bytes are gone. */
	enc = wx_raw(&k, pt, n - 16);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_PADDING);
	free(enc);
	/* 16-byte padding as OpenSSL's default would write it is refused. */
	n = wx_layout(pt, 10, "0123456789", id, 0, 0);	/* 48 */
	memset(pt + n, 16, 16);
	enc = wx_raw(&k, pt, n + 16);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_OK);	/* 16 is a valid pad value of 32-byte blocks */
	free(msg);
	free(enc);

	/* Pad value 0, 33, and pad bytes that disagree. */
	n = wx_layout(pt, 26, m26, id, 32, 0);
	enc = wx_raw(&k, pt, n);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_PADDING);
	free(enc);
	n = wx_layout(pt, 26, m26, id, 32, 33);
	enc = wx_raw(&k, pt, n);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_PADDING);
	free(enc);
	n = wx_layout(pt, 26, m26, id, 32, 32);
	pt[n - 20] = 31;
	enc = wx_raw(&k, pt, n);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_PADDING);
	free(enc);
	/* A pad longer than the plaintext: 32 bytes all 0x20 is fine ... */
	memset(pt, 32, 32);
	enc = wx_raw(&k, pt, 32);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_MSG_LEN);	/* ... but leaves no header */
	free(enc);
	/* One 16-byte block padded with 0x20 claims more than it has. */
	memset(pt, 32, 16);
	enc = wx_raw(&k, pt, 16);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_PADDING);
	free(enc);

	/* Length fields: one past the plaintext, huge, and short. */
	n = wx_layout(pt, 26 + 18 + 1, m26, id, 32, 32);
	enc = wx_raw(&k, pt, n);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_MSG_LEN);
	free(enc);
	n = wx_layout(pt, 0xffffffffu, m26, id, 32, 32);
	enc = wx_raw(&k, pt, n);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_MSG_LEN);
	free(enc);
	n = wx_layout(pt, 25, m26, id, 32, 32);	/* the id gains an 'm' */
	enc = wx_raw(&k, pt, n);
	assert_int_equal(wxcrypt_decrypt(&k, enc, id, &msg, &len),
	    WXCRYPT_BAD_RECEIVEID);
	free(enc);
	n = wx_layout(pt, 44, m26, id, 32, 32);	/* the id becomes message */
	enc = wx_raw(&k, pt, n);
	assert_int_equal(wxcrypt_decrypt(&k, enc, "", &msg, &len),
	    WXCRYPT_OK);
	assert_int_equal(len, 44);
	free(msg);
	free(enc);

	/* Lengths and base64. */
	assert_int_equal(wxcrypt_decrypt(&k, "", id, &msg, &len),
	    WXCRYPT_BAD_BASE64);
	assert_int_equal(wxcrypt_decrypt(&k, "AAAAAAAAAAAAAAAAAAAA", id, &msg,
	    &len), WXCRYPT_BAD_LENGTH);	/* 15 bytes */
	assert_int_equal(wxcrypt_decrypt(&k, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
	    id, &msg, &len), WXCRYPT_BAD_LENGTH);	/* 34 bytes */
	assert_int_equal(wxcrypt_decrypt(&k, "AAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    id, &msg, &len), WXCRYPT_BAD_BASE64);
	assert_int_equal(wxcrypt_decrypt(&k, "AAA=AAAA", id, &msg, &len),
	    WXCRYPT_BAD_BASE64);
	assert_int_equal(wxcrypt_decrypt(&k, "A===", id, &msg, &len),
	    WXCRYPT_BAD_BASE64);
	assert_int_equal(wxcrypt_decrypt(&k, "AA_A", id, &msg, &len),
	    WXCRYPT_BAD_BASE64);
	big = malloc(WXCRYPT_ENCRYPT_MAX + 5);
	memset(big, 'A', WXCRYPT_ENCRYPT_MAX + 4);
	big[WXCRYPT_ENCRYPT_MAX + 4] = '\0';
	assert_int_equal(wxcrypt_decrypt(&k, big, id, &msg, &len),
	    WXCRYPT_TOO_LONG);
	assert_int_equal(wxcrypt_signature("t", "1", "n", big, sig),
	    WXCRYPT_TOO_LONG);
	assert_int_equal(wxcrypt_encrypt(&k, NULL, big, WXCRYPT_MSG_MAX + 1,
	    id, &enc), WXCRYPT_TOO_LONG);
	assert_null(enc);
	/* The largest message there is fits the largest Encrypt. */
	memset(big, 'x', WXCRYPT_MSG_MAX);
	memset(pt, 'i', WXCRYPT_ID_MAX);
	pt[WXCRYPT_ID_MAX] = '\0';
	assert_int_equal(wxcrypt_encrypt(&k, NULL, big, WXCRYPT_MSG_MAX,
	    (char *)pt, &enc), WXCRYPT_OK);
	assert_true(strlen(enc) <= WXCRYPT_ENCRYPT_MAX);
	assert_true(strlen(enc) <= XMLMSG_ENCRYPT_MAX);
	assert_int_equal(wxcrypt_decrypt(&k, enc, (char *)pt, &msg, &len),
	    WXCRYPT_OK);
	assert_int_equal(len, WXCRYPT_MSG_MAX);
	free(msg);
	free(enc);
	free(big);

	/* EncodingAESKey: 42, 44 characters, a bad character. */
	assert_int_equal(wxcrypt_key_parse(
	    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2", &k), WXCRYPT_BAD_KEY);
	assert_int_equal(wxcrypt_key_parse(
	    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C=", &k),
	    WXCRYPT_BAD_KEY);
	assert_int_equal(wxcrypt_key_parse(
	    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2*", &k),
	    WXCRYPT_BAD_KEY);
	assert_int_equal(wxcrypt_key_parse(NULL, &k), WXCRYPT_BAD_KEY);

	/* Signatures: tampered, upper case, cut, NULL, a cap. */
	assert_int_equal(wxcrypt_verify("QDG6eK", "1409659813", "1372623149",
	    "x", "477715d11cdb4164915debcba66cb864d751f3e6"),
	    WXCRYPT_BAD_SIGNATURE);
	assert_int_equal(wxcrypt_verify_plain("weixin", "1681989320",
	    "1743502518", "BF9A3055856F662F325998D966E74CDEBE71BE4A"),
	    WXCRYPT_BAD_SIGNATURE);
	assert_int_equal(wxcrypt_verify_plain("weixin", "1681989320",
	    "1743502518", "bf9a3055856f662f325998d966e74cdebe71be4"),
	    WXCRYPT_BAD_SIGNATURE);
	assert_int_equal(wxcrypt_verify_plain("weixin", "1681989320",
	    "1743502518", NULL), WXCRYPT_BAD_SIGNATURE);
	assert_int_equal(wxcrypt_verify_plain("weixin", "1681989321",
	    "1743502518", "bf9a3055856f662f325998d966e74cdebe71be4a"),
	    WXCRYPT_BAD_SIGNATURE);
	memset(nonce, 'n', WXCRYPT_PARAM_MAX + 1);
	nonce[WXCRYPT_PARAM_MAX + 1] = '\0';
	assert_int_equal(wxcrypt_verify_plain("weixin", "1681989320",
	    nonce, "bf9a3055856f662f325998d966e74cdebe71be4a"),
	    WXCRYPT_TOO_LONG);
	assert_string_equal(wxcrypt_strerror(WXCRYPT_BAD_RECEIVEID),
	    "receiveid does not match");
}

/* ---- XML ---- */

/* The vectors' XML bodies: plain inbound text, the encrypted POST. */
static void
test_xml_vectors(void **state)
{
	json_t		*v, *e;
	struct xmlmsg	 m;
	const char	*b;
	char		*out;

	(void)state;
	v = vectors();
	b = vstr(v, "wechat_mp", "plaintext_inbound_text", "body", NULL);
	e = json_object_get(json_object_get(json_object_get(v, "wechat_mp"),
	    "plaintext_inbound_text"), "expect");
	assert_int_equal(xmlmsg_parse(b, strlen(b), &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_TO_USER_NAME),
	    vstr(e, "ToUserName", NULL));
	assert_string_equal(xmlmsg_get(&m, XMLMSG_FROM_USER_NAME),
	    vstr(e, "FromUserName", NULL));
	assert_int_equal(strtoll(xmlmsg_get(&m, XMLMSG_CREATE_TIME), NULL,
	    10), vint(e, "CreateTime"));
	assert_string_equal(xmlmsg_get(&m, XMLMSG_MSG_TYPE),
	    vstr(e, "MsgType", NULL));
	assert_string_equal(xmlmsg_get(&m, XMLMSG_CONTENT),
	    vstr(e, "Content", NULL));
	assert_string_equal(xmlmsg_get(&m, XMLMSG_MSG_ID),
	    vstr(e, "MsgId", NULL));
	assert_null(xmlmsg_get(&m, XMLMSG_ENCRYPT));
	assert_null(xmlmsg_get(&m, XMLMSG_AGENT_ID));
	xmlmsg_clear(&m);
	xmlmsg_clear(&m);

	/* The passive reply: the inbound names swapped, byte for byte. */
	assert_int_equal(xmlmsg_reply_text("oLPJZJSXUQPJOV0HLRUZKNZKC91E",
	    "gh_a96a4a619366", 1763750001, "server01 正常", &out), XMLMSG_OK);
	assert_string_equal(out, vstr(v, "wechat_mp", "passive_reply_text",
	    NULL));
	free(out);

	/* The WeCom POST body carries the callback case's Encrypt. */
	b = vstr(v, "wecom", "inbound_post_example", "body", NULL);
	assert_int_equal(xmlmsg_parse(b, strlen(b), &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_TO_USER_NAME),
	    "wx5823bf96d3bd56c7");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_AGENT_ID), "1000002");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_ENCRYPT),
	    vstr(json_array_get(json_object_get(json_object_get(v, "wecom"),
	    "callback_cases"), 0), "encrypt", NULL));
	assert_int_equal(wxcrypt_verify("QDG6eK", "1763750000", "1372623149",
	    xmlmsg_get(&m, XMLMSG_ENCRYPT),
	    "1130dc2c41a6e15d18e60eac00cc271e3e05dd25"), WXCRYPT_OK);
	xmlmsg_clear(&m);

	/* The decrypted official message, with newlines between fields. */
	b = vstr(v, "wecom", "official_vectors", "post_message",
	    "decrypted_message", NULL);
	assert_int_equal(xmlmsg_parse(b, strlen(b), &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_CONTENT), "hello");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_MSG_ID),
	    "4561255354251345929");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_AGENT_ID), "218");
	xmlmsg_clear(&m);
	json_decref(v);
}

/* Parses s and returns the status, freeing whatever it kept. */
static enum xmlmsg_status
xml_status(const char *s)
{
	struct xmlmsg		 m;
	enum xmlmsg_status	 rc;
	int			 f;

	rc = xmlmsg_parse(s, strlen(s), &m);
	if (rc != XMLMSG_OK)
		for (f = 0; f < XMLMSG_NFIELDS; f++)
			assert_null(m.value[f]);
	xmlmsg_clear(&m);
	return rc;
}

/* Parses <xml><name><![CDATA[n x "x"]]></name></xml>; returns the status. */
static enum xmlmsg_status
xml_field(const char *name, size_t n)
{
	enum xmlmsg_status	 rc;
	size_t			 sz = n + 2 * strlen(name) + 64;
	char			*s = malloc(sz), *p;

	assert_non_null(s);
	(void)snprintf(s, sz, "<xml><%s><![CDATA[", name);
	p = s + strlen(s);
	memset(p, 'x', n);
	(void)snprintf(p + n, sz - (size_t)(p + n - s), "]]></%s></xml>",
	    name);
	rc = xml_status(s);
	free(s);
	return rc;
}

/* Everything the flat layout refuses, each with its own reason. */
static void
test_xml_refusals(void **state)
{
	char		*big, *p;
	size_t		 n;
	int		 i;

	(void)state;
	assert_int_equal(xml_status("<!DOCTYPE xml><xml></xml>"),
	    XMLMSG_DOCTYPE);
	assert_int_equal(xml_status("<?xml version=\"1.0\"?>"
	    "<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
	    "<xml><Content>&xxe;</Content></xml>"), XMLMSG_DOCTYPE);
	assert_int_equal(xml_status("<!DOCTYPE xml [<!ENTITY a \"aaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><xml>&b;</xml>"),
	    XMLMSG_DOCTYPE);
	assert_int_equal(xml_status("<!DOCTYPE xml SYSTEM "
	    "\"http://example.com/x.dtd\"><xml></xml>"), XMLMSG_DOCTYPE);
	/* An entity without a DTD is undefined: expat refuses it. */
	assert_int_equal(xml_status("<xml><Content>&xxe;</Content></xml>"),
	    XMLMSG_MALFORMED);
	assert_int_equal(xml_status("<xml><?php echo 1; ?></xml>"),
	    XMLMSG_PI);
	assert_int_equal(xml_status("<?xml-stylesheet href=\"a\"?><xml/>"),
	    XMLMSG_PI);
	assert_int_equal(xml_status("<?xml version=\"1.0\" "
	    "encoding=\"GBK\"?><xml/>"), XMLMSG_BAD_UTF8);
	assert_int_equal(xml_status("<?xml version=\"1.0\" "
	    "encoding=\"utf-8\"?><xml/>"), XMLMSG_OK);
	assert_int_equal(xml_status("<xml><Content><b>x</b></Content></xml>"),
	    XMLMSG_NESTED);
	assert_int_equal(xml_status("<xml><Other><b/></Other></xml>"),
	    XMLMSG_NESTED);
	assert_int_equal(xml_status("<xml><Content a=\"1\">x</Content></xml>"),
	    XMLMSG_ATTRIBUTE);
	assert_int_equal(xml_status("<xml xmlns=\"urn:x\"></xml>"),
	    XMLMSG_ATTRIBUTE);
	assert_int_equal(xml_status("<root><Content>x</Content></root>"),
	    XMLMSG_NOT_XML);
	assert_int_equal(xml_status("<xml>hello<Content>x</Content></xml>"),
	    XMLMSG_MIXED);
	assert_int_equal(xml_status("<xml><![CDATA[x]]></xml>"),
	    XMLMSG_MIXED);
	assert_int_equal(xml_status("<xml><MsgId>1</MsgId><MsgId>2</MsgId>"
	    "</xml>"), XMLMSG_DUPLICATE);
	assert_int_equal(xml_status("<xml><Content>x</Content>"),
	    XMLMSG_MALFORMED);
	assert_int_equal(xml_status("<xml><Content>x</xml>"),
	    XMLMSG_MALFORMED);
	assert_int_equal(xml_status("<xml></xml><xml></xml>"),
	    XMLMSG_MALFORMED);
	assert_int_equal(xml_status("plain text"), XMLMSG_MALFORMED);
	assert_int_equal(xml_status(""), XMLMSG_TOO_LARGE);
	/* Invalid UTF-8: a stray byte, an overlong '/', a surrogate. */
	assert_int_equal(xml_status("<xml><Content>\xff</Content></xml>"),
	    XMLMSG_BAD_UTF8);
	assert_int_equal(xml_status("<xml><Content>\xc0\xaf</Content></xml>"),
	    XMLMSG_BAD_UTF8);
	assert_int_equal(xml_status("<xml><Content>\xed\xa0\x80</Content>"
	    "</xml>"), XMLMSG_BAD_UTF8);
	assert_int_equal(xml_status("<xml><Content>\xe6\x9f</Content></xml>"),
	    XMLMSG_BAD_UTF8);
	/* Valid UTF-8 but not XML characters. */
	assert_int_equal(xml_status("<xml><Content>\x01</Content></xml>"),
	    XMLMSG_MALFORMED);
	assert_int_equal(xml_status("<xml><Content>&#0;</Content></xml>"),
	    XMLMSG_MALFORMED);

	/* Fields one byte past their caps, and exactly at them. */
	assert_int_equal(xml_field("Content", XMLMSG_VALUE_MAX + 1),
	    XMLMSG_FIELD_TOO_LONG);
	assert_int_equal(xml_field("Content", XMLMSG_VALUE_MAX), XMLMSG_OK);
	assert_int_equal(xml_field("Unknown", XMLMSG_VALUE_MAX + 1),
	    XMLMSG_FIELD_TOO_LONG);
	assert_int_equal(xml_field("Unknown", XMLMSG_VALUE_MAX), XMLMSG_OK);
	assert_int_equal(xml_field("Encrypt", XMLMSG_ENCRYPT_MAX + 1),
	    XMLMSG_FIELD_TOO_LONG);
	assert_int_equal(xml_field("Encrypt", XMLMSG_ENCRYPT_MAX), XMLMSG_OK);

	/* A whole document one byte past its cap, and exactly at it. */
	big = malloc(XMLMSG_DOC_MAX + 2);
	memset(big, ' ', XMLMSG_DOC_MAX + 1);
	memcpy(big, "<xml>", 5);
	memcpy(big + XMLMSG_DOC_MAX + 1 - 6, "</xml>", 6);
	big[XMLMSG_DOC_MAX + 1] = '\0';
	assert_int_equal(xml_status(big), XMLMSG_TOO_LARGE);
	memcpy(big + 1, "<xml>", 5);
	assert_int_equal(xml_status(big + 1), XMLMSG_OK);
	free(big);

	/* More children than allowed, and as many as allowed. */
	n = 8 * (XMLMSG_ELEMENTS_MAX + 1) + 16;
	big = malloc(n);
	(void)snprintf(big, n, "<xml>");
	for (i = 0; i <= XMLMSG_ELEMENTS_MAX; i++) {
		p = big + strlen(big);
		(void)snprintf(p, n - (size_t)(p - big), "<a>1</a>");
	}
	p = big + strlen(big);
	(void)snprintf(p, n - (size_t)(p - big), "</xml>");
	assert_int_equal(xml_status(big), XMLMSG_TOO_MANY);
	memmove(big + 5, big + 13, strlen(big + 13) + 1);
	assert_int_equal(xml_status(big), XMLMSG_OK);
	free(big);
	assert_string_equal(xmlmsg_strerror(XMLMSG_DOCTYPE),
	    "XML DOCTYPE refused");
}

/* What the reader accepts: entities, comments, mixed CDATA, empties. */
static void
test_xml_values(void **state)
{
	struct xmlmsg	 m;
	const char	*s;

	(void)state;
	s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n"
	    "<!-- a comment -->\n<ToUserName>a&amp;b&lt;c&#x4e2d;</ToUserName>"
	    "<Content>x<![CDATA[ <y> & ]]>z</Content><Event/>"
	    "<Unknown>skipped</Unknown><MsgType><![CDATA[]]></MsgType>"
	    "<EventKey>\xf0\x9f\x9a\xa8 告警</EventKey></xml>\n";
	assert_int_equal(xmlmsg_parse(s, strlen(s), &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_TO_USER_NAME), "a&b<c中");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_CONTENT), "x <y> & z");
	assert_int_equal(m.len[XMLMSG_CONTENT], 9);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_EVENT), "");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_MSG_TYPE), "");
	assert_string_equal(xmlmsg_get(&m, XMLMSG_EVENT_KEY),
	    "\xf0\x9f\x9a\xa8 告警");
	assert_null(xmlmsg_get(&m, XMLMSG_FROM_USER_NAME));
	assert_null(xmlmsg_get(&m, (enum xmlmsg_field)XMLMSG_NFIELDS));
	xmlmsg_clear(&m);
	assert_string_equal(xmlmsg_field_name(XMLMSG_AGENT_ID), "AgentID");
	assert_null(xmlmsg_field_name(XMLMSG_NFIELDS));
}

/* Writes a text reply with content and reads the Content back. */
static void
xml_reply_back(const char *content, const char *want_xml_part)
{
	struct xmlmsg	 m;
	char		*out;

	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, content, &out),
	    XMLMSG_OK);
	if (want_xml_part != NULL)
		assert_non_null(strstr(out, want_xml_part));
	assert_int_equal(xmlmsg_parse(out, strlen(out), &m), XMLMSG_OK);
	assert_string_equal(xmlmsg_get(&m, XMLMSG_CONTENT), content);
	xmlmsg_clear(&m);
	free(out);
}

/* The writer: "]]>" split, values XML cannot carry refused. */
/* Writes a reply whose 40-byte text is 'A's with ins at offset at, and
 * checks the writer's verdict. */
static void
xml_value_at(const char *ins, size_t at, enum xmlmsg_status want)
{
	char	 v[41], *out;

	memset(v, 'A', 40);
	memcpy(v + at, ins, strlen(ins));
	v[40] = '\0';
	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, v, &out), want);
	if (want != XMLMSG_OK)
		assert_null(out);
	free(out);
}

static void
test_xml_writer(void **state)
{
	struct xmlmsg_writer	 w;
	char			*out, *big;

	(void)state;
	xml_reply_back("a]]>b",
	    "<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>");
	xml_reply_back("]]>", "<Content><![CDATA[]]]]><![CDATA[>]]></Content>");
	xml_reply_back("]]]>]]>>", NULL);
	xml_reply_back("x]]", NULL);
	xml_reply_back("<![CDATA[ ]]> </Content></xml>", NULL);
	xml_reply_back("服务 ✅ \xf0\x9f\x9a\xa8 & <b>\n\t", NULL);
	/* Line ends go out as LF, what any XML reader would make of them. */
	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, "a\r\nb\rc\r", &out),
	    XMLMSG_OK);
	assert_non_null(strstr(out, "<![CDATA[a\nb\nc\n]]>"));
	free(out);
	xml_reply_back("", "<Content><![CDATA[]]></Content>");

	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, "bell\a", &out),
	    XMLMSG_BAD_VALUE);
	assert_null(out);
	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, "\xff", &out),
	    XMLMSG_BAD_VALUE);
	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, "\xef\xbf\xbe",
	    &out), XMLMSG_BAD_VALUE);
	/* U+FFFF, an overlong form, an encoded surrogate: refused; U+FFFD
	 * and a C1 control (U+0085) are XML characters. */
	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, "a\xef\xbf\xbf",
	    &out), XMLMSG_BAD_VALUE);
	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, "\xc0\xaf", &out),
	    XMLMSG_BAD_VALUE);
	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, "\xed\xa0\x80",
	    &out), XMLMSG_BAD_VALUE);
	xml_reply_back("\xef\xbf\xbd \xc2\x85 end", NULL);
	/* Values are checked eight bytes at a time while they hold nothing
	 * to look at: a control, U+FFFE or U+FFFF at every offset of a long
	 * value is refused, and fullwidth punctuation (EF BC 8C), U+FFFD, a
	 * tab and a space at every offset are kept. */
	{
		static const char *const bad[] = { "\x01", "\x1f",
		    "\xef\xbf\xbe", "\xef\xbf\xbf" };
		static const char *const good[] = { "\t", "\xef\xbc\x8c",
		    "\xef\xbf\xbd", " " };
		size_t	 at, k;

		for (k = 0; k < 4; k++)
			for (at = 0; at + 3 <= 40; at++) {
				xml_value_at(bad[k], at, XMLMSG_BAD_VALUE);
				xml_value_at(good[k], at, XMLMSG_OK);
			}
	}
	assert_int_equal(xmlmsg_reply_text("u", "gh", -1, "x", &out),
	    XMLMSG_BAD_VALUE);
	assert_int_equal(xmlmsg_reply_encrypted("e", "s", "1 2", "n", &out),
	    XMLMSG_BAD_VALUE);
	assert_int_equal(xmlmsg_reply_encrypted("e", "s", "", "n", &out),
	    XMLMSG_BAD_VALUE);

	/* A sticky failure; names must be plain. */
	xmlmsg_writer_init(&w);
	xmlmsg_writer_cdata(&w, "a b", "x");
	xmlmsg_writer_cdata(&w, "Content", "fine");
	assert_int_equal(xmlmsg_writer_finish(&w, &out), XMLMSG_BAD_VALUE);
	assert_null(out);
	xmlmsg_writer_init(&w);
	xmlmsg_writer_number(&w, "CreateTime", "123456789012345678901");
	assert_int_equal(xmlmsg_writer_finish(&w, &out), XMLMSG_BAD_VALUE);

	/* Past the document cap. */
	big = malloc(XMLMSG_DOC_MAX + 1);
	memset(big, 'x', XMLMSG_DOC_MAX);
	big[XMLMSG_DOC_MAX] = '\0';
	assert_int_equal(xmlmsg_reply_text("u", "gh", 1, big, &out),
	    XMLMSG_TOO_LARGE);
	assert_null(out);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dingtalk_vectors),
		cmocka_unit_test(test_dingtalk_cases),
		cmocka_unit_test(test_feishu_official),
		cmocka_unit_test(test_feishu_events),
		cmocka_unit_test(test_feishu_cases),
		cmocka_unit_test(test_wecom_official),
		cmocka_unit_test(test_wecom_cases),
		cmocka_unit_test(test_wechat_signature),
		cmocka_unit_test(test_wecom_envelope),
		cmocka_unit_test(test_wecom_refusals),
		cmocka_unit_test(test_xml_vectors),
		cmocka_unit_test(test_wx_thread_state),
		cmocka_unit_test(test_xml_refusals),
		cmocka_unit_test(test_xml_values),
		cmocka_unit_test(test_xml_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

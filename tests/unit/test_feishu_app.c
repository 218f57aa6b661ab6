/*
 * Unit tests of the Feishu app bot channel (bot/channel_feishu_app.c):
 * every Feishu event of tests/data/protocol-vectors.json through verify
 * and parse as the server runs them, the challenge answered from parse
 * alone, our own refusals (tampered signatures, stale timestamps, bad
 * tokens, truncated and badly padded ciphertexts, oversized bodies), the
 * mention rules (the OpenAPI calls are in test_feishu_send.c).
 */
#include "testutil.h"
#include "testvec.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <strings.h>

#include "bot/larkcrypt.h"
#include "bot/platb64.h"
#include "messages/text.h"
#include "testchan.h"

#define VT		"v0Tok3nEXAMPLE"
#define EK		"kudryavka-EXAMPLE-encrypt-key"
#define NOW		1763750004
#define ERRSZ		256

/* A fake request: up to four headers. */
struct fakereq {
	struct http_request	 req;
	const char		*names[4];
	const char		*values[4];
};

/* Header lookup of a fakereq. */
static const char *
fake_header(const struct http_request *req, const char *name)
{
	const struct fakereq	*f = req->impl;
	size_t			 i;

	for (i = 0; i < 4 && f->names[i] != NULL; i++)
		if (strcasecmp(f->names[i], name) == 0)
			return f->values[i];
	return NULL;
}

/* Makes a POST of body with the three signature headers (NULL: absent). */
static void
fake_make(struct fakereq *f, const char *body, const char *ts,
    const char *nonce, const char *sig)
{
	size_t	 n = 0;

	memset(f, 0, sizeof *f);
	f->req.method = "POST";
	f->req.path = "/hook/fs";
	f->req.body = body;
	f->req.body_len = strlen(body);
	f->req.now = NOW;
	f->req.header = fake_header;
	f->req.impl = f;
	if (ts != NULL) {
		f->names[n] = "X-Lark-Request-Timestamp";
		f->values[n++] = ts;
	}
	if (nonce != NULL) {
		f->names[n] = "X-Lark-Request-Nonce";
		f->values[n++] = nonce;
	}
	if (sig != NULL) {
		f->names[n] = "X-Lark-Signature";
		f->values[n++] = sig;
	}
}

/* A channel with the vectors' token and encrypt key (NULL: plain). */
static void
mkchan(struct channel *ch, const char *ek)
{
	if (ek != NULL)
		testchan_make(ch, "fs", "feishu", "app_id", "cli_a1b2c3d4e5f6",
		    "app_secret", "APP_SECRET", "verification_token", VT,
		    "encrypt_key", ek, NULL);
	else
		testchan_make(ch, "fs", "feishu", "app_id", "cli_a1b2c3d4e5f6",
		    "app_secret", "APP_SECRET", "verification_token", VT, NULL);
}

/* Runs verify then parse; returns the first non-zero status (0: both
 * passed). *in is zeroed first; the caller clears it. */
static int
run(const struct channel *ch, struct fakereq *f, struct inbound *in,
    const char **why)
{
	int	 rc;

	memset(in, 0, sizeof *in);
	*why = NULL;
	if ((rc = ch->backend->verify(ch, &f->req, why)) != 0) {
		assert_non_null(*why);
		return rc;
	}
	rc = ch->backend->parse(ch, &f->req, in, why);
	if (rc != 0)
		assert_non_null(*why);
	return rc;
}

/* The body reply() renders for in with an empty reply; caller frees. */
static char *
reply_body(const struct channel *ch, const struct inbound *in)
{
	struct http_response	 resp;
	struct reply		 r;

	memset(&resp, 0, sizeof resp);
	memset(&r, 0, sizeof r);
	ch->backend->reply(ch, in, &r, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/json");
	assert_non_null(resp.body);
	assert_int_equal(resp.len, strlen(resp.body));
	return resp.body;
}

/* A copy of s with the character at i changed. */
static char *
tamper(const char *s, size_t i)
{
	char	*t = strdup(s);

	assert_non_null(t);
	t[i] = t[i] == 'a' ? 'b' : 'a';
	return t;
}

/* A signed request of body at NOW with the channel's key. */
static void
signed_req(struct fakereq *f, const char *body,
    char sig[LARKCRYPT_SIG_LEN + 1])
{
	assert_int_equal(larkcrypt_signature("1763750004", "nonce-1", EK, body,
	    strlen(body), sig), LARKCRYPT_OK);
	fake_make(f, body, "1763750004", "nonce-1", sig);
}

/* {"encrypt":…} of plain under EK; caller frees. */
static char *
encrypted_body(const char *plain)
{
	char	*enc = NULL, *body;

	assert_int_equal(larkcrypt_encrypt(EK, NULL, plain, strlen(plain),
	    &enc), LARKCRYPT_OK);
	assert_non_null(body = malloc(strlen(enc) + 32));
	(void)snprintf(body, strlen(enc) + 32, "{\"encrypt\":\"%s\"}", enc);
	free(enc);
	return body;
}

/* A schema 2.0 text message event; caller frees. */
static char *
event(const char *token, const char *event_id, const char *chat_type,
    const char *msg_type, const char *sender_type, const char *content_text,
    const char *mentions)
{
	json_t	*c, *ev;
	char	*content, *s;

	c = json_pack("{s:s}", "text", content_text);
	content = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	ev = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:{s:{s:{s:s}, s:s},"
	    " s:{s:s, s:s, s:s, s:s, s:s, s:o}}}",
	    "schema", "2.0",
	    "header", "event_id", event_id, "token", token, "event_type",
	    "im.message.receive_v1", "app_id", "cli_a1b2c3d4e5f6",
	    "event", "sender", "sender_id", "open_id", "ou_sender1",
	    "sender_type", sender_type,
	    "message", "message_id", "om_msg1", "chat_id", "oc_chat1",
	    "chat_type", chat_type, "message_type", msg_type, "content",
	    content, "mentions", mentions != NULL ? json_loads(mentions, 0,
	    NULL) : json_array());
	assert_non_null(ev);
	s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	free(content);
	return s;
}

/* ---- the vectors ---- */

/* Every Feishu event vector: verified with its headers at its time,
 * parsed to what the SDK read; the challenge answered as expected. */
static void
test_vectors(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	json_t		*v, *c, *exp;
	const char	*why, *raw;
	char		*body, *t;
	size_t		 i, n = 0;

	(void)state;
	v = vectors();
	json_array_foreach(json_object_get(json_object_get(v, "feishu"),
	    "events"), i, c) {
		raw = vstr(c, "raw_body", NULL);
		assert_string_equal(vstr(c, "verification_token", NULL), VT);
		mkchan(&ch, vstr(c, "encrypt_key", NULL));
		fake_make(&f, raw, vstr(c, "headers",
		    "x-lark-request-timestamp", NULL), vstr(c, "headers",
		    "x-lark-request-nonce", NULL), vstr(c, "headers",
		    "x-lark-signature", NULL));
		f.req.now = strtol(vstr(c, "headers",
		    "x-lark-request-timestamp", NULL), NULL, 10);
		assert_int_equal(run(&ch, &f, &in, &why), 0);
		if (json_object_get(c, "expect_response_body") != NULL) {
			assert_true(in.ignore);
			body = reply_body(&ch, &in);
			assert_string_equal(body, vstr(c,
			    "expect_response_body", NULL));
			free(body);
		} else {
			exp = json_object_get(c, "expect");
			assert_false(in.ignore);
			assert_string_equal(in.channel, "fs");
			assert_string_equal(in.message_id, vstr(exp,
			    "event_id", NULL));
			assert_string_equal(in.chat_id, vstr(exp, "chat_id",
			    NULL));
			assert_int_equal(in.chat_kind, strcmp(vstr(exp,
			    "chat_type", NULL), "p2p") == 0 ? CHAT_PRIVATE :
			    CHAT_GROUP);
			assert_string_equal(in.text, vstr(exp, "text", NULL));
			assert_string_equal(in.sender_id, vstr(exp,
			    "sender_open_id", NULL));
			assert_false(in.explicit_cmd);
			assert_string_equal(in.reply_meta, "{\"message_id\":"
			    "\"om_5ce6d572455d361153b7cb51da133945\"}");
			body = reply_body(&ch, &in);
			assert_string_equal(body, "{}");
			free(body);
		}
		inbound_clear(&in);
		/* One changed character of the signature: refused. */
		t = tamper(vstr(c, "headers", "x-lark-signature", NULL), 5);
		f.values[2] = t;
		assert_int_equal(run(&ch, &f, &in, &why), 401);
		assert_string_equal(why, "bad X-Lark-Signature");
		inbound_clear(&in);
		free(t);
		testchan_free(&ch);
		n++;
	}
	assert_int_equal(n, 2);
	json_decref(v);
}

/* The SDK's decrypt vector goes through parse's decryption: "hello
 * world" is no JSON event, so it is refused, but not as undecryptable. */
static void
test_official_vector(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	json_t		*v, *o;
	char		 body[256];
	const char	*why;

	(void)state;
	v = vectors();
	o = json_object_get(json_object_get(v, "feishu"),
	    "official_decrypt_vector");
	testchan_make(&ch, "fs", "feishu", "app_id", "a", "app_secret", "s",
	    "verification_token", VT, "encrypt_key", vstr(o, "encrypt_key",
	    NULL), NULL);
	(void)snprintf(body, sizeof body, "{\"encrypt\":\"%s\"}", vstr(o,
	    "encrypt", NULL));
	fake_make(&f, body, NULL, NULL, NULL);
	memset(&in, 0, sizeof in);
	assert_int_equal(ch.backend->parse(&ch, &f.req, &in, &why), 400);
	assert_string_equal(why, "malformed JSON");
	inbound_clear(&in);
	testchan_free(&ch);
	json_decref(v);
}

/* ---- verification ---- */

/* Timestamps outside the window, in either direction, and malformed
 * ones are refused although the signature is right. */
static void
test_stale(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	char		 sig[LARKCRYPT_SIG_LEN + 1], *body;
	const char	*why;

	(void)state;
	mkchan(&ch, EK);
	body = event(VT, "ev-stale", "p2p", "text", "user", "帮助", NULL);
	signed_req(&f, body, sig);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	inbound_clear(&in);
	f.req.now = NOW + 8 * 3600 + 1;
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	assert_string_equal(why, "timestamp outside the window");
	f.req.now = NOW - 8 * 3600 - 1;
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	f.req.now = NOW + 8 * 3600;
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	inbound_clear(&in);
	f.req.now = NOW;
	f.values[0] = "1763750004x";
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	f.values[0] = "";
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	f.values[0] = "-1763750004";
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	free(body);
	testchan_free(&ch);
}

/* With an encrypt key: no signature, a partial set of headers, a body
 * changed after signing, a signature over another nonce: all 401. */
static void
test_tampered(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	char		 sig[LARKCRYPT_SIG_LEN + 1], *body, *enc, *t;
	const char	*why;

	(void)state;
	mkchan(&ch, EK);
	body = event(VT, "ev-t", "p2p", "text", "user", "举报 某公司", NULL);
	enc = encrypted_body(body);
	signed_req(&f, enc, sig);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_string_equal(in.text, "举报 某公司");
	inbound_clear(&in);
	fake_make(&f, enc, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	assert_string_equal(why, "missing X-Lark-Signature");
	fake_make(&f, enc, "1763750004", NULL, sig);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	fake_make(&f, enc, "1763750004", "nonce-2", sig);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	t = tamper(enc, 20);
	fake_make(&f, t, "1763750004", "nonce-1", sig);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	free(t);
	/* Uppercase hex is not what Feishu sends. */
	t = strdup(sig);
	for (size_t i = 0; t[i] != '\0'; i++)
		if (t[i] >= 'a' && t[i] <= 'f')
			t[i] = (char)(t[i] - 'a' + 'A');
	fake_make(&f, enc, "1763750004", "nonce-1", t);
	if (strcmp(t, sig) != 0)
		assert_int_equal(run(&ch, &f, &in, &why), 401);
	free(t);
	/* A plain event, signed: accepted (the signature is keyed). */
	signed_req(&f, body, sig);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_false(in.ignore);
	inbound_clear(&in);
	free(enc);
	free(body);
	testchan_free(&ch);
}

/* The verification token: wrong, missing, or a prefix of the right one
 * (plain mode, where it is all that authenticates), and in schema 1.0. */
static void
test_token(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	char		*body;
	const char	*why;
	static const char *const bad[] = {
		"v0Tok3nEXAMPLF", "v0Tok3nEXAMPL", "v0Tok3nEXAMPLEE", "",
	};
	size_t		 i;

	(void)state;
	mkchan(&ch, NULL);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		body = event(bad[i], "ev-tok", "p2p", "text", "user", "举报 x",
		    NULL);
		fake_make(&f, body, NULL, NULL, NULL);
		assert_int_equal(run(&ch, &f, &in, &why), 401);
		assert_string_equal(why, "bad verification token");
		inbound_clear(&in);
		free(body);
	}
	fake_make(&f, "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e\","
	    "\"event_type\":\"im.message.receive_v1\"},\"event\":{}}", NULL,
	    NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	inbound_clear(&in);
	fake_make(&f, "{\"uuid\":\"u1\",\"token\":\"" VT "\",\"type\":"
	    "\"event_callback\",\"event\":{\"type\":\"message\"}}", NULL, NULL,
	    NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_true(in.ignore);
	inbound_clear(&in);
	fake_make(&f, "{\"uuid\":\"u1\",\"token\":\"nope\",\"type\":"
	    "\"event_callback\"}", NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	inbound_clear(&in);
	testchan_free(&ch);
}

/* ---- the challenge ---- */

/* Plain and encrypted challenges are answered from parse alone (ignore
 * set, nothing to dispatch), with or without signature headers; a wrong
 * token is refused; an unsigned request that is no challenge is not. */
static void
test_challenge(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	const char	*plain = "{\"challenge\":\"挑战-🙂-1\",\"token\":\"" VT
	    "\",\"type\":\"url_verification\"}";
	char		*enc, *body, sig[LARKCRYPT_SIG_LEN + 1];
	const char	*why;

	(void)state;
	mkchan(&ch, EK);
	enc = encrypted_body(plain);
	fake_make(&f, enc, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_true(in.ignore);
	assert_null(in.text);
	body = reply_body(&ch, &in);
	assert_string_equal(body, "{\"challenge\":\"挑战-🙂-1\"}");
	free(body);
	inbound_clear(&in);
	signed_req(&f, enc, sig);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	body = reply_body(&ch, &in);
	assert_string_equal(body, "{\"challenge\":\"挑战-🙂-1\"}");
	free(body);
	inbound_clear(&in);
	free(enc);
	/* Unsigned with the wrong token: 401 from verify already. */
	enc = encrypted_body("{\"challenge\":\"c\",\"token\":\"nope\","
	    "\"type\":\"url_verification\"}");
	fake_make(&f, enc, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	inbound_clear(&in);
	/* Signed with the wrong token: parse refuses it. */
	signed_req(&f, enc, sig);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	assert_string_equal(why, "bad verification token");
	inbound_clear(&in);
	free(enc);
	testchan_free(&ch);

	/* Plain mode. */
	mkchan(&ch, NULL);
	fake_make(&f, plain, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_true(in.ignore);
	body = reply_body(&ch, &in);
	assert_string_equal(body, "{\"challenge\":\"挑战-🙂-1\"}");
	free(body);
	inbound_clear(&in);
	fake_make(&f, "{\"challenge\":\"c\",\"token\":\"x\",\"type\":"
	    "\"url_verification\"}", NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 401);
	inbound_clear(&in);
	fake_make(&f, "{\"token\":\"" VT "\",\"type\":\"url_verification\"}",
	    NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	inbound_clear(&in);
	/* An encrypted body without an encrypt_key cannot be read. */
	enc = encrypted_body(plain);
	fake_make(&f, enc, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	inbound_clear(&in);
	free(enc);
	testchan_free(&ch);
}

/* ---- decryption failures ---- */

/* Encrypts raw blocks (no padding added) under EK with a zero IV and
 * returns the base64 of IV | ciphertext; caller frees. */
static char *
raw_encrypt(const unsigned char *in, size_t len)
{
	unsigned char	 key[32], buf[16 + 256];
	unsigned int	 klen;
	EVP_CIPHER_CTX	*c = EVP_CIPHER_CTX_new();
	int		 n = 0, m = 0;
	char		*b64;

	assert_true(len % 16 == 0 && len <= 256);
	assert_int_equal(EVP_Digest(EK, strlen(EK), key, &klen, EVP_sha256(),
	    NULL), 1);
	memset(buf, 0, 16);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, key,
	    buf), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, buf + 16, &n, in, (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, buf + 16 + n, &m), 1);
	EVP_CIPHER_CTX_free(c);
	assert_non_null(b64 = platb64_encode(buf, 16 + len));
	return b64;
}

/* {"encrypt":"<enc>"}; caller frees. */
static char *
wrap(const char *enc)
{
	size_t	 n = strlen(enc) + 32;
	char	*b = malloc(n);

	assert_non_null(b);
	(void)snprintf(b, n, "{\"encrypt\":\"%s\"}", enc);
	return b;
}

/* Truncated ciphertexts, wrong padding, bad base64, a non-string
 * encrypt: all answered with one and the same 400, signed or not. */
static void
test_decrypt_failures(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	unsigned char	 blk[32];
	char		*enc, *cut, *body, sig[LARKCRYPT_SIG_LEN + 1];
	char		*bodies[6];
	const char	*why;
	size_t		 i;

	(void)state;
	mkchan(&ch, EK);
	enc = encrypted_body("{\"schema\":\"2.0\"}");
	/* Cut the base64 by one quartet: not whole AES blocks. */
	cut = strdup(enc);
	memcpy(cut + strlen(cut) - 6, "\"}", 3);
	bodies[0] = cut;
	memset(blk, 'x', sizeof blk);
	blk[31] = 0;			/* pad 0 */
	body = raw_encrypt(blk, 32);
	bodies[1] = wrap(body);
	free(body);
	blk[31] = 17;			/* pad past a block */
	body = raw_encrypt(blk, 32);
	bodies[2] = wrap(body);
	free(body);
	blk[31] = 3;			/* 3, but the bytes before differ */
	blk[30] = 3;
	blk[29] = 9;
	body = raw_encrypt(blk, 32);
	bodies[3] = wrap(body);
	free(body);
	bodies[4] = strdup("{\"encrypt\":\"not base64!!\"}");
	bodies[5] = strdup("{\"encrypt\":42}");
	for (i = 0; i < 6; i++) {
		signed_req(&f, bodies[i], sig);
		assert_int_equal(run(&ch, &f, &in, &why), 400);
		assert_string_equal(why, "cannot decrypt the event");
		assert_null(in.text);
		inbound_clear(&in);
		/* Unsigned, it is not even decrypted for the answer. */
		fake_make(&f, bodies[i], NULL, NULL, NULL);
		assert_int_equal(run(&ch, &f, &in, &why), 401);
		assert_string_equal(why, "missing X-Lark-Signature");
		inbound_clear(&in);
		free(bodies[i]);
	}
	free(enc);
	testchan_free(&ch);
}

/* Bodies past the cap are refused before any hashing: 413. Malformed
 * JSON and invalid UTF-8 are 400. */
static void
test_oversized(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	size_t		 n = LARKCRYPT_BODY_MAX + 1;
	char		*big = malloc(n + 1), *body, *text;
	const char	*why;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	mkchan(&ch, EK);
	fake_make(&f, big, "1763750004", "n", "00");
	assert_int_equal(run(&ch, &f, &in, &why), 413);
	testchan_free(&ch);
	mkchan(&ch, NULL);
	fake_make(&f, big, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 413);
	free(big);
	fake_make(&f, "{\"schema\":", NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	fake_make(&f, "{\"a\":\"\xff\"}", NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	fake_make(&f, "[1]", NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	/* A text past INBOUND_TEXT_MAX: 413, nothing kept. */
	text = malloc(INBOUND_TEXT_MAX + 10);
	memset(text, 'a', INBOUND_TEXT_MAX + 9);
	text[INBOUND_TEXT_MAX + 9] = '\0';
	body = event(VT, "ev-big", "p2p", "text", "user", text, NULL);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 413);
	assert_null(in.text);
	inbound_clear(&in);
	free(body);
	free(text);
	testchan_free(&ch);
}

/* ---- parsing ---- */

/* Chinese text and emoji come through whole; a NUL or control
 * character inside the text is refused. */
static void
test_text(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	char		*body;
	const char	*why;

	(void)state;
	mkchan(&ch, NULL);
	body = event(VT, "ev-zh", "p2p", "text", "user",
	    "举报 鑫源理财 承诺年化20%🔥👍🏽，地址：张店区", NULL);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_false(in.ignore);
	assert_string_equal(in.text, "举报 鑫源理财 承诺年化20%🔥👍🏽，地址：张店区");
	assert_string_equal(in.message_id, "ev-zh");
	assert_string_equal(in.reply_to, "om_msg1");
	assert_string_equal(in.sender_id, "ou_sender1");
	assert_int_equal(in.chat_kind, CHAT_PRIVATE);
	inbound_clear(&in);
	free(body);
	body = event(VT, "ev-nul", "p2p", "text", "user", "举报\x01x", NULL);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	inbound_clear(&in);
	free(body);
	fake_make(&f, "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e1\","
	    "\"token\":\"" VT "\",\"event_type\":\"im.message.receive_v1\"},"
	    "\"event\":{\"sender\":{\"sender_id\":{\"open_id\":\"ou_1\"},"
	    "\"sender_type\":\"user\"},\"message\":{\"message_id\":\"om_1\","
	    "\"chat_id\":\"oc_1\",\"chat_type\":\"p2p\",\"message_type\":"
	    "\"text\",\"content\":\"{\\\"text\\\":\\\"a\\\\u0000b\\\"}\"}}}",
	    NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	inbound_clear(&in);
	/* content that is not JSON, or JSON without text. */
	fake_make(&f, "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e1\","
	    "\"token\":\"" VT "\",\"event_type\":\"im.message.receive_v1\"},"
	    "\"event\":{\"sender\":{\"sender_id\":{\"open_id\":\"ou_1\"},"
	    "\"sender_type\":\"user\"},\"message\":{\"message_id\":\"om_1\","
	    "\"chat_id\":\"oc_1\",\"chat_type\":\"p2p\",\"message_type\":"
	    "\"text\",\"content\":\"{\\\"text\\\":\"}}}", NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	inbound_clear(&in);
	testchan_free(&ch);
}

/* Other events, other message types, apps as senders: acknowledged and
 * ignored; a message without ids is 400. */
static void
test_ignored(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	char		*body, *out;
	const char	*why;

	(void)state;
	mkchan(&ch, NULL);
	body = event(VT, "ev-img", "p2p", "image", "user", "x", NULL);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_true(in.ignore);
	out = reply_body(&ch, &in);
	assert_string_equal(out, "{}");
	free(out);
	inbound_clear(&in);
	free(body);
	body = event(VT, "ev-app", "group", "text", "app", "查询 x", NULL);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_true(in.ignore);
	inbound_clear(&in);
	free(body);
	fake_make(&f, "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e2\","
	    "\"token\":\"" VT "\",\"event_type\":"
	    "\"im.message.message_read_v1\"},\"event\":{}}", NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_true(in.ignore);
	assert_string_equal(in.message_id, "e2");
	inbound_clear(&in);
	fake_make(&f, "{\"schema\":\"2.0\",\"header\":{\"token\":\"" VT "\","
	    "\"event_type\":\"im.message.receive_v1\"},\"event\":{}}", NULL,
	    NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	inbound_clear(&in);
	fake_make(&f, "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"e3\","
	    "\"token\":\"" VT "\",\"event_type\":\"im.message.receive_v1\"},"
	    "\"event\":{\"sender\":{\"sender_type\":\"user\"},\"message\":{}}}",
	    NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 400);
	inbound_clear(&in);
	testchan_free(&ch);
}

/* Mentions: the bot's leading @_user_N is removed and makes a group
 * message explicit; others become @name; with bot_open_id only that
 * open_id is the bot, wherever it stands; @_user_1 never takes
 * @_user_12. */
static void
test_mentions(void **state)
{
	struct channel	 ch;
	struct fakereq	 f;
	struct inbound	 in;
	char		*body;
	const char	*why;
	const char	*ments = "[{\"key\":\"@_user_1\",\"id\":{\"open_id\":"
	    "\"ou_bot\"},\"name\":\"防非助手\"},{\"key\":\"@_user_12\","
	    "\"id\":{\"open_id\":\"ou_zhang\"},\"name\":\"张三\"}]";

	(void)state;
	mkchan(&ch, NULL);
	body = event(VT, "ev-m1", "group", "text", "user",
	    "@_user_1 查询 鑫源", ments);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_int_equal(in.chat_kind, CHAT_GROUP);
	assert_true(in.explicit_cmd);
	assert_string_equal(in.text, " 查询 鑫源");
	inbound_clear(&in);
	free(body);
	body = event(VT, "ev-m2", "group", "text", "user",
	    "举报 @_user_12 拉我投资", ments);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_false(in.explicit_cmd);
	assert_string_equal(in.text, "举报 @张三 拉我投资");
	inbound_clear(&in);
	free(body);
	/* In a private chat a mention does not make anything explicit. */
	body = event(VT, "ev-m3", "p2p", "text", "user", "@_user_1 帮助", ments);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_false(in.explicit_cmd);
	assert_string_equal(in.text, " 帮助");
	inbound_clear(&in);
	free(body);
	/* An unknown placeholder stays as it is. */
	body = event(VT, "ev-m4", "group", "text", "user", "@_user_9 hi",
	    ments);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_false(in.explicit_cmd);
	assert_string_equal(in.text, "@_user_9 hi");
	inbound_clear(&in);
	free(body);
	/* A key that is no placeholder ("@") is not one; a name holding a
	 * control character is not shown (found by fuzz_feishu). */
	body = event(VT, "ev-m7", "group", "text", "user",
	    "a@b @_user_3 查询", "[{\"key\":\"@\",\"id\":{\"open_id\":"
	    "\"ou_x\"},\"name\":\"x\"},{\"key\":\"@_user_3\",\"id\":{"
	    "\"open_id\":\"ou_y\"},\"name\":\"**\\u007f张三\"}]");
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_string_equal(in.text, "a@b @ 查询");
	assert_true(utf8_valid_text(in.text, strlen(in.text)));
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);

	testchan_make(&ch, "fs", "feishu", "app_id", "a", "app_secret", "s",
	    "verification_token", VT, "bot_open_id", "ou_bot", NULL);
	body = event(VT, "ev-m5", "group", "text", "user",
	    "@_user_12 查询 鑫源", ments);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_false(in.explicit_cmd);
	assert_string_equal(in.text, "@张三 查询 鑫源");
	inbound_clear(&in);
	free(body);
	body = event(VT, "ev-m6", "group", "text", "user",
	    "查询 鑫源 @_user_1", ments);
	fake_make(&f, body, NULL, NULL, NULL);
	assert_int_equal(run(&ch, &f, &in, &why), 0);
	assert_true(in.explicit_cmd);
	assert_string_equal(in.text, "查询 鑫源 ");
	inbound_clear(&in);
	free(body);
	testchan_free(&ch);
}

/* Over the long connection the event's token is empty and nothing is
 * checked (the connection is authenticated); the same body on a webhook
 * is refused. */
static void
test_trusted(void **state)
{
	struct channel	 ws;
	struct fakereq	 f;
	struct inbound	 in;
	char		*body;
	const char	*why = NULL;

	(void)state;
	testchan_make(&ws, "fsws", "feishu", "app_id", "cli_ws",
	    "app_secret", "APP_SECRET", "mode", "websocket", NULL);
	body = event("", "ev-ws-1", "p2p", "text", "user", "举报 长连接", NULL);
	fake_make(&f, body, NULL, NULL, NULL);
	f.req.trusted = 1;
	memset(&in, 0, sizeof in);
	assert_int_equal(ws.backend->parse(&ws, &f.req, &in, &why), 0);
	assert_false(in.ignore);
	assert_string_equal(in.message_id, "ev-ws-1");
	assert_non_null(strstr(in.text, "长连接"));
	inbound_clear(&in);
	/* Untrusted, the websocket channel has no token to match. */
	f.req.trusted = 0;
	memset(&in, 0, sizeof in);
	assert_int_equal(ws.backend->parse(&ws, &f.req, &in, &why), 401);
	inbound_clear(&in);
	free(body);
	testchan_free(&ws);
}

/* ---- keys ---- */

/* The required keys are refused when missing; the secrets are marked. */
static void
test_keys(void **state)
{
	const struct channel_backend	*b = channel_backend_lookup("feishu");
	const struct channel_key	*k;
	struct channel			 ch;
	char				*cause = NULL, *warning = NULL;

	(void)state;
	assert_non_null(b);
	assert_non_null(robot_backend_lookup("feishu"));
	assert_ptr_not_equal(b, robot_backend_lookup("feishu"));
	assert_true(b->reply_outbox);
	assert_int_equal(b->dedupe, 0);
	assert_non_null(k = channel_key_find(b, "app_secret"));
	assert_int_equal(k->flags, CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET);
	/* Required in webhook mode only: setup() checks it. */
	assert_non_null(k = channel_key_find(b, "verification_token"));
	assert_int_equal(k->flags, CHANNEL_KEY_SECRET);
	assert_non_null(k = channel_key_find(b, "encrypt_key"));
	assert_int_equal(k->flags, CHANNEL_KEY_SECRET);
	assert_non_null(k = channel_key_find(b, "app_id"));
	assert_int_equal(k->flags, CHANNEL_KEY_REQUIRED);
	assert_non_null(channel_key_find(b, "api_base"));
	memset(&ch, 0, sizeof ch);
	ch.name = "fs";
	ch.backend = b;
	assert_int_equal(channel_set(&ch, "app_id", "a", &cause), 0);
	assert_int_equal(channel_set(&ch, "app_secret", "s", &cause), 0);
	assert_int_equal(channel_setup(&ch, 1, &warning, &cause), -1);
	assert_non_null(strstr(cause, "verification_token"));
	free(cause);
	cause = NULL;
	assert_int_equal(channel_set(&ch, "secret_token", "x", &cause), -1);
	free(cause);
	cause = NULL;
	/* A mode that is neither webhook nor websocket is refused. */
	assert_int_equal(channel_set(&ch, "mode", "stream", &cause), 0);
	assert_int_equal(channel_setup(&ch, 1, &warning, &cause), -1);
	assert_non_null(strstr(cause, "want webhook or websocket"));
	free(cause);
	cause = NULL;
	/* Over the long connection no token is needed. */
	assert_int_equal(channel_set(&ch, "mode", "websocket", &cause), 0);
	assert_int_equal(channel_setup(&ch, 1, &warning, &cause), 0);
	assert_non_null(b->streams);
	assert_true(b->streams(&ch));
	channel_clear(&ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_official_vector),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_decrypt_failures),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_ignored),
		cmocka_unit_test(test_mentions),
		cmocka_unit_test(test_trusted),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

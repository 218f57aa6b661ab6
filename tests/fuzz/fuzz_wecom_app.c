/*
 * Fuzzes the WeCom app channel (bot/channel_wecom_app.c): verify, parse and
 * reply of POSTs, and the GET URL check. The first byte picks how the rest
 * is used, so that the fuzzer reaches past the signature:
 *
 *   0  the raw POST body, signed over whatever <Encrypt> it holds
 *      (arbitrary ciphertext reaches the decryption checks);
 *   1  the decrypted message: encrypted for the corp, signed, enveloped
 *      (the inner XML reader and the passive reply);
 *   2  "sig\nts\nnonce\nechostr\nbody": everything unsigned, GET and POST;
 *   3  an echostr, signed, through GET.
 */
#include <stdint.h>
#include <stdio.h>

#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"
#include "fuzz_channel.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define FZ_TS		"1763750000"
#define FZ_NONCE	"1372623149"
#define FZ_CORP		"wx5823bf96d3bd56c7"
#define FZ_TOKEN	"QDG6eK"
#define FZ_KEY		"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

/* Query arguments of the fake request. */
struct fz_args {
	const char	*sig, *ts, *nonce, *echostr;
};

/* The fake request's query lookup. */
static const char *
fz_arg(const struct http_request *req, const char *name)
{
	const struct fz_args	*a = req->impl;

	if (strcmp(name, "msg_signature") == 0)
		return a->sig;
	if (strcmp(name, "timestamp") == 0)
		return a->ts;
	if (strcmp(name, "nonce") == 0)
		return a->nonce;
	if (strcmp(name, "echostr") == 0)
		return a->echostr;
	return NULL;
}

/* No header matters. */
static const char *
fz_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* One POST through verify, parse and reply. */
static void
fz_post(const struct channel *ch, const char *body, size_t len,
    struct fz_args *a)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct reply		 r;
	struct http_keep	 keep = { NULL, NULL };
	const char		*why = NULL;
	int			 rc;

	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "/hook/wc";
	req.body = body;
	req.body_len = len;
	req.now = 1763750000;
	req.header = fz_header;
	req.arg = fz_arg;
	req.impl = a;
	/* The server's slot for the envelope verify reads, on inputs of
	 * even length; parse then reads the body itself on the others. */
	req.keep = len & 1 ? NULL : &keep;
	memset(&in, 0, sizeof in);
	if ((rc = ch->backend->verify(ch, &req, &why)) != 0) {
		FUZZ_ASSERT(why != NULL && rc >= 400 && keep.data == NULL);
		return;
	}
	rc = ch->backend->parse(ch, &req, &in, &why);
	/* parse takes what verify left, whatever it makes of it. */
	FUZZ_ASSERT(keep.data == NULL);
	if (rc == 0) {
		FUZZ_ASSERT(in.text == NULL ||
		    utf8_valid_text(in.text, strlen(in.text)));
		FUZZ_ASSERT(in.ignore || (in.text != NULL &&
		    in.sender_id[0] != '\0' && in.message_id[0] != '\0'));
		memset(&r, 0, sizeof r);
		reply_add(&r, in.text != NULL ? in.text : "好的 ok");
		if (len & 1)
			reply_add(&r, "第二条 ]]> \xf0\x9f\x98\x80");
		memset(&resp, 0, sizeof resp);
		ch->backend->reply(ch, &in, &r, &resp);
		FUZZ_ASSERT(resp.status == 200);
		FUZZ_ASSERT(resp.body == NULL || strlen(resp.body) == resp.len);
		free(resp.body);
		reply_clear(&r);
	} else
		FUZZ_ASSERT(why != NULL && rc >= 400);
	inbound_clear(&in);
}

/* One GET URL check. */
static void
fz_get(const struct channel *ch, struct fz_args *a)
{
	struct http_request	 req;
	struct http_response	 resp;
	const char		*why = NULL;

	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.path = "/hook/wc";
	req.body = "";
	req.now = 1763750000;
	req.header = fz_header;
	req.arg = fz_arg;
	req.impl = a;
	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	ch->backend->get(ch, &req, &resp, &why);
	if (resp.status == 200)
		FUZZ_ASSERT(resp.body != NULL &&
		    strlen(resp.body) == resp.len);
	else
		FUZZ_ASSERT(resp.body == NULL && why != NULL);
	free(resp.body);
}

/* Splits s at the next '\n' (or its end); returns the rest. */
static char *
fz_field(char *s)
{
	char	*nl = strchr(s, '\n');

	if (nl == NULL)
		return s + strlen(s);
	*nl = '\0';
	return nl + 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 ch;
	static struct wxcrypt_key key;
	static const unsigned char rnd[16] = "0123456789abcdef";
	struct fz_args		 a = { NULL, FZ_TS, FZ_NONCE, NULL };
	struct xmlmsg		 m;
	char			*s, *p, *enc = NULL, *body;
	char			 sig[WXCRYPT_SIG_LEN + 1];
	size_t			 n;

	if (ch.backend == NULL) {
		fuzz_channel(&ch, "wc", channel_backend_lookup("wecom"),
		    "corp_id", FZ_CORP, "corp_secret", "s3cret", "agent_id",
		    "1000002", "token", FZ_TOKEN, "encoding_aes_key", FZ_KEY,
		    "api_base", "http://127.0.0.1:9", NULL);
		ch.locale = LOCALE_ZH;
		FUZZ_ASSERT(wxcrypt_key_parse(FZ_KEY, &key) == WXCRYPT_OK);
	}
	if (size == 0)
		return 0;
	s = fuzz_strdup(data + 1, size - 1);
	n = size - 1;
	switch (data[0] & 3) {
	case 0:
		memset(&m, 0, sizeof m);
		if (xmlmsg_parse(s, n, &m) == XMLMSG_OK &&
		    xmlmsg_get(&m, XMLMSG_ENCRYPT) != NULL &&
		    wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE, xmlmsg_get(&m,
		    XMLMSG_ENCRYPT), sig) == WXCRYPT_OK)
			a.sig = sig;
		else
			a.sig = "477715d11cdb4164915debcba66cb864d751f3e6";
		xmlmsg_clear(&m);
		fz_post(&ch, s, n, &a);
		break;
	case 1:
		if (wxcrypt_encrypt(&key, rnd, s, n, FZ_CORP, &enc) !=
		    WXCRYPT_OK)
			break;
		FUZZ_ASSERT(wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE, enc,
		    sig) == WXCRYPT_OK);
		a.sig = sig;
		body = xasprintf("<xml><ToUserName><![CDATA[" FZ_CORP "]]>"
		    "</ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>",
		    enc);
		fz_post(&ch, body, strlen(body), &a);
		free(body);
		break;
	case 2:
		a.sig = s;
		a.ts = fz_field(s);
		a.nonce = fz_field((char *)(uintptr_t)a.ts);
		a.echostr = fz_field((char *)(uintptr_t)a.nonce);
		p = fz_field((char *)(uintptr_t)a.echostr);
		fz_get(&ch, &a);
		fz_post(&ch, p, strlen(p), &a);
		break;
	case 3:
		a.echostr = s;
		if (wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE, s, sig) ==
		    WXCRYPT_OK)
			a.sig = sig;
		else
			a.sig = "x";
		fz_get(&ch, &a);
		break;
	}
	free(enc);
	free(s);
	return 0;
}

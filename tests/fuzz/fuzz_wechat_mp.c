/*
 * Fuzzes the WeChat Official Account adapter (bot/channel_wechat_mp.c):
 * verify, parse and reply, and the URL check (get). Byte 0 picks the
 * mode (low 2 bits), the rest is the input:
 *
 *   0  a plain-mode POST body, correctly signed (reaches the XML parser);
 *   1  a safe-mode POST body, its Encrypt (when the reader finds one)
 *      signed with msg_signature (reaches decryption);
 *   2  the message inside a safe-mode body: encrypted for the AppID and
 *      signed (reaches the inner XML parser through decryption);
 *   3  "signature\ntimestamp\nnonce\nmsg_signature\necho\nbody": every
 *      query value the fuzzer's, to both accounts and to get.
 *
 * Bit 2 of byte 0 drops encrypt_type from the query.
 */
#include <stdio.h>

#include "bot/channel.h"
#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "fuzz_channel.h"

#define FZ_TOKEN	"weixin"
#define FZ_AESKEY	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define FZ_APPID	"wx5823bf96d3bd56c7"
#define FZ_TS		"1763750000"
#define FZ_NONCE	"1743502518"

/* The query of one fake request. */
struct fz_query {
	const char	*signature, *timestamp, *nonce, *msg_signature;
	const char	*encrypt_type, *echostr;
};

/* Query lookup over the fake's values. */
static const char *
fz_arg(const struct http_request *req, const char *name)
{
	const struct fz_query	*q = req->impl;

	if (strcmp(name, "signature") == 0)
		return q->signature;
	if (strcmp(name, "timestamp") == 0)
		return q->timestamp;
	if (strcmp(name, "nonce") == 0)
		return q->nonce;
	if (strcmp(name, "msg_signature") == 0)
		return q->msg_signature;
	if (strcmp(name, "encrypt_type") == 0)
		return q->encrypt_type;
	if (strcmp(name, "echostr") == 0)
		return q->echostr;
	return NULL;
}

/* WeChat sends no header that matters. */
static const char *
fz_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* Runs one request through ch: verify, parse, reply; get for GETs. */
static void
fz_run(const struct channel *ch, struct fz_query *q, const char *body,
    size_t len, int get)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct reply		 r;
	struct http_keep	 keep = { NULL, NULL };
	const char		*why = NULL;
	int			 rc;

	memset(&req, 0, sizeof req);
	req.method = get ? "GET" : "POST";
	req.path = "/hook/fuzz";
	req.body = body;
	req.body_len = len;
	req.now = 1763750000;
	req.header = fz_header;
	req.arg = fz_arg;
	req.impl = q;
	/* The server's slot for the envelope verify reads, on inputs of
	 * even length; parse then reads the body itself on the others. */
	req.keep = len & 1 ? NULL : &keep;
	memset(&resp, 0, sizeof resp);
	if (get) {
		ch->backend->get(ch, &req, &resp, &why);
		FUZZ_ASSERT(resp.status == 200 ? resp.body != NULL &&
		    strlen(resp.body) == resp.len : resp.body == NULL &&
		    why != NULL);
		free(resp.body);
		return;
	}
	memset(&in, 0, sizeof in);
	if (ch->backend->verify(ch, &req, &why) != 0) {
		FUZZ_ASSERT(why != NULL && keep.data == NULL);
		return;
	}
	rc = ch->backend->parse(ch, &req, &in, &why);
	/* parse takes what verify left, whatever it makes of it. */
	FUZZ_ASSERT(keep.data == NULL);
	if (rc == 0) {
		FUZZ_ASSERT(in.text == NULL ||
		    utf8_valid_text(in.text, strlen(in.text)));
		FUZZ_ASSERT(in.ignore || in.message_id[0] != '\0');
		memset(&r, 0, sizeof r);
		reply_add(&r, in.text != NULL ? in.text : "好的 ]]> ok");
		if (len & 1)
			reply_add(&r, "第二条 second \xf0\x9f\x98\x80");
		ch->backend->reply(ch, &in, &r, &resp);
		FUZZ_ASSERT(resp.status == 200 && resp.body != NULL &&
		    strlen(resp.body) == resp.len);
		free(resp.body);
		reply_clear(&r);
	} else
		FUZZ_ASSERT(why != NULL);
	inbound_clear(&in);
}

/* Splits s at the next newline: returns s, moves *rest past it. */
static char *
fz_field(char **rest)
{
	char	*s = *rest, *nl;

	if (s == NULL)
		return NULL;
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		*rest = nl + 1;
	} else
		*rest = NULL;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 plain, safe;
	static struct wxcrypt_key key;
	static const unsigned char rnd[16] = "0123456789abcdef";
	struct fz_query		 q;
	struct xmlmsg		 x;
	char			 sig[WXCRYPT_SIG_LEN + 1];
	char			 msig[WXCRYPT_SIG_LEN + 1];
	char			*in, *rest, *body = NULL, *enc = NULL;
	unsigned		 mode;

	if (plain.backend == NULL) {
		fuzz_channel(&plain, "mp", channel_backend_lookup("wechat_mp"),
		    "app_id", FZ_APPID, "app_secret", "s", "token", FZ_TOKEN,
		    NULL);
		fuzz_channel(&safe, "mps", channel_backend_lookup("wechat_mp"),
		    "app_id", FZ_APPID, "app_secret", "s", "token", FZ_TOKEN,
		    "encoding_aes_key", FZ_AESKEY, "encrypt_mode", "safe",
		    NULL);
		FUZZ_ASSERT(wxcrypt_key_parse(FZ_AESKEY, &key) == WXCRYPT_OK);
	}
	if (size == 0)
		return 0;
	mode = data[0];
	in = fuzz_strdup(data + 1, size - 1);
	size--;
	FUZZ_ASSERT(wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE, NULL, sig) ==
	    WXCRYPT_OK);
	memset(&q, 0, sizeof q);
	q.signature = sig;
	q.timestamp = FZ_TS;
	q.nonce = FZ_NONCE;
	q.encrypt_type = (mode & 4) ? NULL : "aes";
	switch (mode & 3) {
	case 0:
		fz_run(&plain, &q, in, size, 0);
		break;
	case 1:
		memset(&x, 0, sizeof x);
		if (xmlmsg_parse(in, size, &x) == XMLMSG_OK &&
		    xmlmsg_get(&x, XMLMSG_ENCRYPT) != NULL &&
		    wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE,
		    xmlmsg_get(&x, XMLMSG_ENCRYPT), msig) == WXCRYPT_OK)
			q.msg_signature = msig;
		xmlmsg_clear(&x);
		fz_run(&safe, &q, in, size, 0);
		break;
	case 2:
		if (wxcrypt_encrypt(&key, rnd, in, size, FZ_APPID, &enc) !=
		    WXCRYPT_OK)
			break;
		FUZZ_ASSERT(wxcrypt_signature(FZ_TOKEN, FZ_TS, FZ_NONCE, enc,
		    msig) == WXCRYPT_OK);
		q.msg_signature = msig;
		body = xasprintf("<xml><ToUserName><![CDATA[gh_1]]></ToUserName>"
		    "<Encrypt><![CDATA[%s]]></Encrypt></xml>", enc);
		fz_run(&safe, &q, body, strlen(body), 0);
		break;
	case 3:
		rest = in;
		q.signature = fz_field(&rest);
		q.timestamp = fz_field(&rest);
		q.nonce = fz_field(&rest);
		q.msg_signature = fz_field(&rest);
		q.echostr = fz_field(&rest);
		body = xstrdup(rest != NULL ? rest : "");
		fz_run(&plain, &q, body, strlen(body), 0);
		fz_run(&safe, &q, body, strlen(body), 0);
		fz_run(&plain, &q, NULL, 0, 1);
		break;
	}
	free(body);
	free(enc);
	free(in);
	return 0;
}

/*
 * Fuzzes the Kannel SMS backend (bot/channel_kannel.c). Byte 0 picks the
 * request: bit 0 POST (the rest is the body, its charset from bit 1: UTF-8
 * or UTF-16BE) or GET (the rest is %b, binary-safe, with the charset of
 * bit 1); bit 2 a sender that is not a mainland mobile. What parses is
 * answered with reply() on its own text: the answer must be valid UTF-8.
 * Bit 3 makes it a delivery report instead: the rest is its type (%d),
 * after a NUL the operator's answer (%A); report() must take it or say
 * 400, its error valid UTF-8.
 */
#include <strings.h>

#include "fuzz_common.h"
#include "fuzz_channel.h"
#include "messages/text.h"

static struct channel	 ch;
static int		 ready;

struct fk {
	const char	*b, *charset, *from;
	size_t		 blen;
	const char	*ctype;
	const char	*type, *answer;	/* a delivery report's */
};

static const char *
fk_arg_n(const struct http_request *req, const char *name, size_t *len)
{
	const struct fk	*f = req->impl;

	if (strcmp(name, "b") == 0 && f->b != NULL) {
		*len = f->blen;
		return f->b;
	}
	if (strcmp(name, "C") == 0) {
		*len = strlen(f->charset);
		return f->charset;
	}
	if (strcmp(name, "p") == 0) {
		*len = strlen(f->from);
		return f->from;
	}
	if (strcmp(name, "token") == 0) {
		*len = 5;
		return "fuzzT";
	}
	if (f->type != NULL && strcmp(name, "report") == 0) {
		*len = 3;
		return "1.x";
	}
	if (f->type != NULL && strcmp(name, "type") == 0) {
		*len = strlen(f->type);
		return f->type;
	}
	if (f->answer != NULL && strcmp(name, "answer") == 0) {
		*len = strlen(f->answer);
		return f->answer;
	}
	return NULL;
}

static const char *
fk_arg(const struct http_request *req, const char *name)
{
	size_t	 len;

	return fk_arg_n(req, name, &len);
}

static const char *
fk_header(const struct http_request *req, const char *name)
{
	const struct fk	*f = req->impl;

	return strcasecmp(name, "Content-Type") == 0 ? f->ctype : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct reply		 r = { 0 };
	struct fk		 f;
	const char		*why = "";
	char			*body;

	if (!ready) {
		fuzz_channel(&ch, "sms", channel_backend_lookup("kannel"),
		    "token", "fuzzT", "max_parts", "2", NULL);
		ready = 1;
	}
	if (size == 0)
		return 0;
	body = fuzz_strdup(data + 1, size - 1);
	memset(&f, 0, sizeof f);
	f.charset = (data[0] & 2) ? "UTF-16BE" : "UTF-8";
	f.ctype = (data[0] & 2) ? "text/plain; charset=\"UTF-16BE\"" :
	    "text/plain; charset=UTF-8";
	f.from = (data[0] & 4) ? "+85291234567" : "+8613800000001";
	memset(&req, 0, sizeof req);
	req.method = (data[0] & 1) ? "POST" : "GET";
	req.path = "/hook/sms";
	req.body = (data[0] & 1) ? body : "";
	req.body_len = (data[0] & 1) ? size - 1 : 0;
	if (!(data[0] & 1)) {
		f.b = body;
		f.blen = size - 1;
	}
	req.now = 1700000000;
	req.header = fk_header;
	req.arg = fk_arg;
	req.arg_n = fk_arg_n;
	req.impl = &f;
	memset(&in, 0, sizeof in);
	if (data[0] & 8) {
		struct delivery_report	 rep;
		int			 rc;

		f.type = body;
		f.answer = memchr(body, '\0', size - 1) != NULL &&
		    strlen(body) + 1 < size - 1 ? body + strlen(body) + 1 : NULL;
		FUZZ_ASSERT(ch.backend->verify(&ch, &req, &why) == 0);
		rc = ch.backend->report(&ch, &req, &rep, &why);
		FUZZ_ASSERT(rc == 1 || rc == 400);
		if (rc == 1) {
			FUZZ_ASSERT(strcmp(rep.token, "1.x") == 0);
			FUZZ_ASSERT(utf8_valid(rep.error, strlen(rep.error)));
		}
		free(body);
		return 0;
	}
	FUZZ_ASSERT(ch.backend->verify(&ch, &req, &why) == 0);
	if (ch.backend->parse(&ch, &req, &in, &why) == 0 && !in.ignore) {
		FUZZ_ASSERT(in.text != NULL);
		FUZZ_ASSERT(utf8_valid(in.text, strlen(in.text)));
		reply_add(&r, in.text);
		memset(&resp, 0, sizeof resp);
		ch.backend->reply(&ch, &in, &r, &resp);
		FUZZ_ASSERT(resp.status == 200);
		if (resp.body != NULL)
			FUZZ_ASSERT(utf8_valid(resp.body, resp.len));
		free(resp.body);
		reply_clear(&r);
	}
	inbound_clear(&in);
	free(body);
	return 0;
}

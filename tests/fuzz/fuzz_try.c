/*
 * Fuzzes the chat simulator's channel (bot/channel_web.c): POST /try/say
 * bodies through verify and parse, with the visitor cookie and the
 * Content-Type taken from the input's first byte, then the reply rendered.
 * A parsed message must be valid UTF-8 within the cap, carry a persona
 * role no higher than a grid worker's, and ids of the visitor's own.
 */
#include <stdio.h>

#include "bot/try.h"
#include "fuzz_channel.h"
#include "handlers/handlers.h"
#include "messages/text.h"

static const char	*visitor;
static const char	*ctype;

static const char *
fz_header(const struct http_request *req, const char *name)
{
	(void)req;
	if (strcasecmp(name, "Content-Type") == 0)
		return ctype;
	return NULL;
}

static const char *
fz_cookie(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return visitor;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 ch;
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct reply		 r;
	const char		*why = NULL;
	char			*body;
	int			 mode, rc;

	if (ch.backend == NULL) {
		fuzz_channel(&ch, "try", channel_backend_lookup("web"), NULL);
		ch.locale = LOCALE_ZH;
		ch.area = "张店区/车站街道/华光路社区";
	}
	if (size == 0)
		return 0;
	mode = data[0];
	body = fuzz_strdup(data + 1, size - 1);
	visitor = (mode & 1) ? "0123456789abcdef0123456789abcdef" :
	    (mode & 2) ? "not-hex" : NULL;
	ctype = (mode & 4) ? "application/json" : (mode & 8) ?
	    "application/json; charset=utf-8" : "text/plain";
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = (mode & 16) ? "/hook/try" : "/try/say";
	req.body = body;
	req.body_len = size - 1;
	req.now = 1763750000;
	req.header = fz_header;
	req.cookie = fz_cookie;
	req.client_ip = "127.0.0.1";
	memset(&in, 0, sizeof in);
	if ((rc = ch.backend->verify(&ch, &req, &why)) != 0) {
		FUZZ_ASSERT(why != NULL);
		goto out;
	}
	if ((rc = ch.backend->parse(&ch, &req, &in, &why)) != 0) {
		FUZZ_ASSERT(why != NULL);
		goto out;
	}
	FUZZ_ASSERT(in.text == NULL || (utf8_valid_text(in.text,
	    strlen(in.text)) && strlen(in.text) <= TRY_TEXT_MAX));
	FUZZ_ASSERT(in.persona_role <= ROLE_GRID_WORKER);
	FUZZ_ASSERT(strstr(in.sender_id, "0123456789abcdef0123456789abcdef") !=
	    NULL);
	memset(&r, 0, sizeof r);
	reply_add(&r, in.text != NULL ? in.text : "好的 ok");
	memset(&resp, 0, sizeof resp);
	ch.backend->reply(&ch, &in, &r, &resp);
	FUZZ_ASSERT(resp.body == NULL || strlen(resp.body) == resp.len);
	free(resp.body);
	reply_clear(&r);
out:
	inbound_clear(&in);
	free(body);
	return 0;
}

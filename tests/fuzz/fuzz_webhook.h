/*
 * The webhook round trip both channel harnesses share: verify, parse into a
 * zeroed struct inbound and, when parsing succeeded, render a reply.
 */
#ifndef FANGFEI_FUZZ_WEBHOOK_H
#define FANGFEI_FUZZ_WEBHOOK_H

#include <strings.h>

#include <jansson.h>

#include "bot/channel.h"
#include "messages/text.h"
#include "fuzz_common.h"

/* Header values the fake request answers with. */
struct fuzz_headers {
	const char	*names[4];
	const char	*values[4];
};

static const char *
fuzz_header(const struct http_request *req, const char *name)
{
	const struct fuzz_headers	*h = req->impl;
	size_t				 i;

	for (i = 0; i < 4 && h->names[i] != NULL; i++)
		if (strcasecmp(h->names[i], name) == 0)
			return h->values[i];
	return NULL;
}

/* Runs body (NUL-terminated, len bytes) through ch's backend. */
static inline void
fuzz_webhook(const struct channel *ch, const char *body, size_t len,
    struct fuzz_headers *hdrs)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct reply		 r;
	const char		*why = NULL;
	int			 rc;

	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "/hook/fuzz";
	req.body = body;
	req.body_len = len;
	req.now = 1763750000;
	req.header = fuzz_header;
	req.impl = hdrs;

	memset(&in, 0, sizeof in);
	rc = ch->backend->verify(ch, &req, &why);
	if (rc != 0) {
		FUZZ_ASSERT(why != NULL);
		return;
	}
	rc = ch->backend->parse(ch, &req, &in, &why);
	if (rc == 0) {
		/* What a handler may do with what the adapter produced. */
		FUZZ_ASSERT(in.text == NULL ||
		    utf8_valid_text(in.text, strlen(in.text)));
		memset(&r, 0, sizeof r);
		reply_add(&r, in.text != NULL ? in.text : "好的 ok");
		if (in.text != NULL && (len & 1))
			reply_add(&r, "第二条 second \xf0\x9f\x98\x80");
		memset(&resp, 0, sizeof resp);
		ch->backend->reply(ch, &in, &r, &resp);
		FUZZ_ASSERT(resp.body == NULL || strlen(resp.body) == resp.len);
		/* An answer that says it is JSON is JSON, whatever the
		 * message held (Telegram's frame is printed around a dumped
		 * text: bot/channel_telegram.c). */
		if (resp.body != NULL && resp.content_type != NULL &&
		    strstr(resp.content_type, "json") != NULL) {
			json_t *j = json_loadb(resp.body, resp.len, 0, NULL);

			FUZZ_ASSERT(j != NULL);
			json_decref(j);
		}
		free(resp.body);
		reply_clear(&r);
	} else
		FUZZ_ASSERT(why != NULL);
	inbound_clear(&in);
}

#endif

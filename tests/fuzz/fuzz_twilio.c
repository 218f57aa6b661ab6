/*
 * Fuzzes the Twilio SMS adapter (bot/channel_twilio.c). Byte 0 is the
 * mode: bit 0 set feeds the rest to send_result as the REST API's answer
 * (byte 1 picks the HTTP status); clear, the rest is "signature\nbody":
 * verify checks the signature over the form body, then parse and reply
 * run on the body whatever verify said (a parser must hold against any
 * body, signed or not).
 */
#include "fuzz_channel.h"
#include "fuzz_webhook.h"

/* The statuses the REST API answers with, and some it does not. */
static const long fuzz_statuses[] = {
	0, 200, 201, 202, 204, 301, 400, 401, 403, 404, 429, 500, 503, 599,
};

/* Runs the answer through send_result with every size of err. */
static void
fuzz_result(const struct channel *ch, const uint8_t *data, size_t size)
{
	char	 err[256], *body;
	int	 ra = -1;
	long	 status;
	size_t	 errsz;

	if (size == 0)
		return;
	status = fuzz_statuses[data[0] % (sizeof fuzz_statuses /
	    sizeof fuzz_statuses[0])];
	errsz = (size_t)(data[0] >> 4) * 16;
	body = fuzz_strdup(data + 1, size - 1);
	memset(err, 'x', sizeof err);
	err[sizeof err - 1] = '\0';
	(void)ch->backend->send_result(ch, status, body, size - 1, &ra, err,
	    errsz == 0 ? sizeof err : errsz);
	FUZZ_ASSERT(ra == 0);
	FUZZ_ASSERT(utf8_valid(err, strlen(err)));
	free(body);
}

/* Parses body as a verified request would be, and renders the reply. */
static void
fuzz_parse(const struct channel *ch, struct http_request *req)
{
	struct http_response	 resp;
	struct inbound		 in;
	struct reply		 r;
	const char		*why = NULL;

	memset(&in, 0, sizeof in);
	if (ch->backend->parse(ch, req, &in, &why) != 0) {
		FUZZ_ASSERT(why != NULL);
		inbound_clear(&in);
		return;
	}
	FUZZ_ASSERT(in.message_id[0] != '\0' && in.chat_id[0] != '\0');
	FUZZ_ASSERT(in.text == NULL ||
	    utf8_valid_text(in.text, strlen(in.text)));
	memset(&r, 0, sizeof r);
	if (in.text != NULL) {
		reply_add(&r, in.text);
		if (req->body_len & 1)
			reply_add(&r, "第二条 & <second> \xf0\x9f\x98\x80");
	}
	memset(&resp, 0, sizeof resp);
	ch->backend->reply(ch, &in, &r, &resp);
	FUZZ_ASSERT(resp.status == 200 && resp.body != NULL);
	FUZZ_ASSERT(strlen(resp.body) == resp.len);
	FUZZ_ASSERT(utf8_valid(resp.body, resp.len));
	free(resp.body);
	reply_clear(&r);
	inbound_clear(&in);
}

/* A status callback's query: report=1.x. */
static const char *
fuzz_report_arg(const struct http_request *req, const char *name)
{
	(void)req;
	return strcmp(name, "report") == 0 ? "1.x" : NULL;
}

/* Reads the body as a status callback: delivered, failed or nothing. */
static void
fuzz_report(const struct channel *ch, struct http_request *req)
{
	struct delivery_report	 rep;
	const char		*why = NULL;
	int			 rc;

	req->arg = fuzz_report_arg;
	rc = ch->backend->report(ch, req, &rep, &why);
	FUZZ_ASSERT(rc == 1 || (rc == 400 && why != NULL));
	if (rc == 1) {
		FUZZ_ASSERT(rep.state == NULL ||
		    strcmp(rep.state, "delivered") == 0 ||
		    strcmp(rep.state, "failed") == 0);
		FUZZ_ASSERT(utf8_valid(rep.error, strlen(rep.error)));
		FUZZ_ASSERT(utf8_valid(rep.ref, strlen(rep.ref)));
	}
	req->arg = NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 ch;
	struct fuzz_headers	 hdrs = {
		{ "X-Twilio-Signature", "Content-Type", NULL },
		{ NULL, "application/x-www-form-urlencoded", NULL },
	};
	struct http_request	 req;
	const char		*why = NULL, *nl;
	char			*all, *body;
	int			 rc;

	if (ch.backend == NULL)
		fuzz_channel(&ch, "sms", channel_backend_lookup("twilio"),
		    "account_sid", "AC0123456789abcdef0123456789abcdef",
		    "auth_token", "auth_token_EXAMPLE_0123456789ab",
		    "from", "+14155550100",
		    "public_url", "https://gw.example.com/hooks/twilio/sms",
		    NULL);
	if (size == 0)
		return 0;
	if (data[0] & 1) {
		fuzz_result(&ch, data + 1, size - 1);
		return 0;
	}
	all = fuzz_strdup(data + 1, size - 1);
	if ((nl = memchr(all, '\n', size - 1)) != NULL) {
		all[nl - all] = '\0';
		hdrs.values[0] = all;
		body = all + (nl - all) + 1;
	} else
		body = all;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "/hook/sms";
	req.body = body;
	req.body_len = size - 1 - (size_t)(body - all);
	req.now = 1763750000;
	req.header = fuzz_header;
	req.impl = &hdrs;
	rc = ch.backend->verify(&ch, &req, &why);
	FUZZ_ASSERT(rc == 0 || why != NULL);
	if (data[0] & 2)
		fuzz_report(&ch, &req);
	else
		fuzz_parse(&ch, &req);
	free(all);
	return 0;
}

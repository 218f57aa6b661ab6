/*
 * Fuzzes the DingTalk enterprise robot channel
 * (bot/channel_dingtalk_app.c). An input starting with '!' is
 * "!timestamp\nsign\nbody": arbitrary headers for verify. Any other input
 * is a callback body sent with the vector's valid timestamp and sign, so
 * that it reaches the parser; what parse yields is then rendered (reply)
 * and its reply_meta fed to send_prepare, as the delivery thread would.
 */
#include "fuzz_channel.h"
#include "fuzz_webhook.h"

#include "bot/apitoken.h"

#define DT_SECRET	"gxlW3aHb7hQ_example_appsecret_0123456789abcdef"

/* Sends what parse made of the body through send_prepare (with and
 * without a token) and checks the request it builds. */
static void
fuzz_dingtalk_send(const struct channel *ch, const struct inbound *in)
{
	struct outbound	 m;
	struct http_call call;
	const char	*why = NULL;
	int		 rc, pass;

	for (pass = 0; pass < 2; pass++) {
		memset(&m, 0, sizeof m);
		memset(&call, 0, sizeof call);
		m.chat_id = in->chat_id;
		m.meta = in->reply_meta;
		m.text = in->text;
		m.idem_key = "k";
		m.now_ms = pass == 0 ? 1763750000000LL : 1763760000000LL;
		rc = ch->backend->send_prepare(ch, &m, &call, &why);
		FUZZ_ASSERT(rc == 0 || rc == CHANNEL_NEED_TOKEN || rc == -1);
		if (rc == -1)
			FUZZ_ASSERT(why != NULL);
		if (rc == 0) {
			FUZZ_ASSERT(call.url != NULL && call.body != NULL);
			FUZZ_ASSERT(strlen(call.body) == call.len);
			/* Only the configured hosts are ever posted to. */
			FUZZ_ASSERT(strncasecmp(call.url,
			    "https://oapi.dingtalk.com/", 26) == 0 ||
			    strncmp(call.url, "http://127.0.0.1:9/v1.0/robot/",
			    30) == 0);
		}
		http_call_clear(&call);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 ch;
	struct fuzz_headers	 hdrs = {
		{ "timestamp", "sign", "Content-Type", NULL },
		{ "1763750000123", "hWA9wrAT0Xq4G/nBHWMhepKEyaTc+Qj/SbQPUqRRAPQ=",
		    "application/json", NULL },
	};
	struct http_request	 req;
	struct inbound		 in;
	char			*buf, *body, *nl;
	const char		*why = NULL;
	size_t			 len;

	if (ch.backend == NULL) {
		fuzz_channel(&ch, "dt", channel_backend_lookup("dingtalk"),
		    "app_key", "dingwjbmfyoxjs27qbwo", "app_secret", DT_SECRET,
		    "api_base", "http://127.0.0.1:9", NULL);
		ch.locale = LOCALE_ZH;
		ch.area = "张店区/车站街道";
		ch.area_id = 2;
		/* A token, so that the OpenAPI path is built too. */
		FUZZ_ASSERT(apitoken_begin(ch.backend->token(&ch),
		    1763750000) == 1);
		apitoken_end(ch.backend->token(&ch), "tok", 7200 * 24,
		    1763750000, 0);
	}
	buf = fuzz_strdup(data, size);
	body = buf;
	len = size;
	if (size > 0 && buf[0] == '!' &&
	    (nl = memchr(buf, '\n', size)) != NULL) {
		*nl = '\0';
		hdrs.values[0] = buf + 1;
		hdrs.values[1] = nl + 1;
		if ((nl = memchr(nl + 1, '\n', size - (size_t)(nl + 1 - buf)))
		    != NULL) {
			*nl = '\0';
			body = nl + 1;
		} else
			body = buf + size;
		len = size - (size_t)(body - buf);
	}
	fuzz_webhook(&ch, body, len, &hdrs);

	/* Again for the outbound side of what parse made of it. */
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.body = body;
	req.body_len = len;
	req.now = 1763750000;
	req.header = fuzz_header;
	req.impl = &hdrs;
	memset(&in, 0, sizeof in);
	if (ch.backend->verify(&ch, &req, &why) == 0 &&
	    ch.backend->parse(&ch, &req, &in, &why) == 0 && !in.ignore) {
		FUZZ_ASSERT(in.text != NULL && in.text[0] != '\0');
		FUZZ_ASSERT(in.message_id[0] != '\0' && in.chat_id[0] != '\0');
		fuzz_dingtalk_send(&ch, &in);
	}
	inbound_clear(&in);
	free(buf);
	return 0;
}

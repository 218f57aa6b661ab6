/*
 * Fuzzes the outbound side of every channel backend (bot/channel_*.c):
 * send_result, which reads the platform's answer to a send (outside input
 * from the network), and send_prepare, which builds the request for a text
 * staff wrote. The first byte picks the backend (low 3 bits modulo their
 * number, in the order of channel_types(): generic, telegram, dingtalk,
 * wecom, feishu) and the mode (bit 3: send_prepare, else send_result);
 * for send_result the next two bytes pick the HTTP status and the rest is
 * the answer's body; for send_prepare the rest is the message text.
 */
#include <jansson.h>

#include "bot/apitoken.h"
#include "bot/channel.h"
#include "fuzz_channel.h"
#include "fuzz_common.h"
#include "messages/text.h"

#define ERR_SIZE	256	/* as bot/delivery.c */

static const struct channel_backend	*backends[16];
static size_t				 nbackends;

static struct channel			 channels[16];

/* One channel of every backend in both tables, with every key it takes. */
static void
fuzz_setup(void)
{
	const struct channel_backend *const	*tables[] = {
		channel_backends, robot_backends
	};
	size_t					 t, i;

	for (t = 0; t < 2; t++)
		for (i = 0; tables[t][i] != NULL && nbackends < 16; i++) {
			backends[nbackends] = tables[t][i];
			fuzz_channel(&channels[nbackends], "out",
			    tables[t][i], "secret", "change-me",
			    "secret_token", "s3cr3t_Token-01",
			    "bot_username", "FangfeiBot",
			    "token", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
			    "api_base", "https://api.telegram.org",
			    "outbound_url",
			    "https://example.com/fangfei/outbound",
			    "app_key", "dingfuzzappkey", "bot_id", "aibfuzz0000000001",
			    "sendsms_url", "http://127.0.0.1:13013/cgi-bin/sendsms",
			    "username", "gw", "password", "gwpw",
			    "from", "+14155550100", "account_sid",
			    "ACfuzz0000000001", "auth_token", "fuzz-token",
			    "app_secret", "fuzz-secret",
			    "app_id", "wxfuzz0000000001",
			    "verification_token", "fuzz-vtoken",
			    "corp_id", "wwfuzz0000000001", "corp_secret", "fuzz",
			    "agent_id", "1000002",
			    "encoding_aes_key",
			    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", NULL);
			channels[nbackends].locale = LOCALE_ZH;
			/* A token, so that the sends themselves are reached
			 * (m.now_ms below is within its life). */
			if (channels[nbackends].token != NULL) {
				FUZZ_ASSERT(apitoken_begin(
				    channels[nbackends].token, 1763750000));
				apitoken_end(channels[nbackends].token,
				    "fuzz-access-token", 7200, 1763750000, 0);
			}
			nbackends++;
		}
	FUZZ_ASSERT(nbackends >= 2);
}

static void
fuzz_result(const struct channel *ch, const uint8_t *data, size_t size)
{
	static const long	 statuses[] = {
		0, 200, 201, 204, 301, 400, 401, 403, 404, 413, 429, 500,
		502, 503, 504,
	};
	long			 status;
	int			 retry_after = -1;
	char			*body, *err;
	enum send_status	 st;

	if (size < 2)
		return;
	status = data[0] < 2 * sizeof statuses / sizeof statuses[0] ?
	    statuses[data[0] % (sizeof statuses / sizeof statuses[0])] :
	    (long)(data[0] << 8 | data[1]) % 1000;
	data += 2;
	size -= 2;
	/* The delivery thread hands a NUL-terminated copy with its length. */
	body = fuzz_strdup(data, size);
	err = malloc(ERR_SIZE);
	FUZZ_ASSERT(err != NULL);
	err[0] = '\0';
	st = ch->backend->send_result(ch, status, body, size, &retry_after,
	    err, ERR_SIZE);
	FUZZ_ASSERT(st == SEND_OK || st == SEND_RETRY || st == SEND_FAILED);
	FUZZ_ASSERT(retry_after >= 0);
	FUZZ_ASSERT(memchr(err, '\0', ERR_SIZE) != NULL);
	/* The error is stored and shown to the office (JSON): a cut must not
	 * split a character of the platform's message. */
	if (utf8_valid(body, size))
		FUZZ_ASSERT(utf8_valid(err, strlen(err)));
	free(err);
	free(body);
}

static void
fuzz_prepare(const struct channel *ch, const uint8_t *data, size_t size)
{
	struct outbound		 m;
	struct http_call	 call;
	const char		*why = NULL;
	char			*text;
	size_t			 i;
	int			 rc;

	/* Texts come from handlers: valid UTF-8 without control bytes. */
	if (!utf8_valid_text((const char *)data, size))
		return;
	text = fuzz_strdup(data, size);
	memset(&m, 0, sizeof m);
	m.id = 42;
	m.idem_key = "ff-42-1763750000";
	m.chat_id = "-863152528";
	m.webhook = "https://oapi.example.com/robot/send?access_token=fuzz";
	m.secret = (size & 1) ? "SECfuzz" : NULL;
	m.text = text;
	m.now_ms = 1763750000123LL;
	memset(&call, 0, sizeof call);
	rc = ch->backend->send_prepare(ch, &m, &call, &why);
	if (rc == CHANNEL_NEED_TOKEN)
		FUZZ_ASSERT(call.url == NULL);	/* nothing built */
	else if (rc == 0) {
		/* A GET (Kannel's sendsms) carries no body. */
		FUZZ_ASSERT(call.url != NULL);
		FUZZ_ASSERT(call.body != NULL || (call.method != NULL &&
		    strcmp(call.method, "GET") == 0));
		FUZZ_ASSERT(call.body == NULL || strlen(call.body) == call.len);
		for (i = 0; i < HTTP_CALL_HEADERS && call.headers[i]; i++)
			FUZZ_ASSERT(strchr(call.headers[i], '\n') == NULL);
		FUZZ_ASSERT(strpbrk(call.url, " \r\n") == NULL);
	} else
		FUZZ_ASSERT(why != NULL);
	http_call_clear(&call);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct channel	*ch;

	if (nbackends == 0)
		fuzz_setup();
	if (size == 0)
		return 0;
	ch = &channels[(data[0] & 15) % nbackends];
	if (data[0] & 16) {
		if (ch->backend->send_prepare != NULL)
			fuzz_prepare(ch, data + 1, size - 1);
	} else if (ch->backend->send_result != NULL)
		fuzz_result(ch, data + 1, size - 1);
	return 0;
}

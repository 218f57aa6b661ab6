/*
 * Fuzzes DingTalk Stream mode's downstream frames (bot/stream_dingtalk.c):
 * dtstream_parse() on any bytes; for a frame it takes, the ACK built from
 * its messageId and data must be JSON that names the same messageId, and
 * the robot message inside data goes through the dingtalk backend's
 * parse() as the long connection hands it over (trusted, no signature).
 */
#include <jansson.h>

#include "fuzz_common.h"
#include "fuzz_channel.h"
#include "bot/dtstream.h"

static struct channel	 ch;
static int		 ready;

static const char *
no_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* The robot message as stream.c hands it to the backend. */
static void
parse_message(const char *body)
{
	struct http_request	 req;
	struct inbound		 in;
	const char		*why = "";

	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "";
	req.body = body;
	req.body_len = strlen(body);
	req.now = 1700000000;
	req.header = no_header;
	req.trusted = 1;
	memset(&in, 0, sizeof in);
	if (ch.backend->parse(&ch, &req, &in, &why) != 0)
		FUZZ_ASSERT(why != NULL && *why != '\0');
	else if (!in.ignore)
		FUZZ_ASSERT(in.message_id[0] != '\0');
	inbound_clear(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dtstream_frame	 f;
	json_t			*j = NULL, *ack;
	const char		*why = "";
	char			*s;

	if (!ready) {
		fuzz_channel(&ch, "ding", channel_backend_lookup("dingtalk"),
		    "app_key", "dingfuzz", "app_secret", "fuzz-secret",
		    "mode", "stream", NULL);
		ready = 1;
	}
	if (dtstream_parse((const char *)data, size, &j, &f, &why) == 0) {
		FUZZ_ASSERT(f.type != NULL && f.topic != NULL);
		if (f.message_id != NULL) {
			s = dtstream_ack(200, f.message_id, f.data != NULL ?
			    f.data : "{}");
			FUZZ_ASSERT(s != NULL);
			ack = json_loads(s, 0, NULL);
			FUZZ_ASSERT(ack != NULL);
			FUZZ_ASSERT(strcmp(json_string_value(json_object_get(
			    json_object_get(ack, "headers"), "messageId")),
			    f.message_id) == 0);
			json_decref(ack);
			free(s);
		}
		if (f.data != NULL)
			parse_message(f.data);
	} else
		FUZZ_ASSERT(why != NULL && *why != '\0');
	json_decref(j);
	return 0;
}

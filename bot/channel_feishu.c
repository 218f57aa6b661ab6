/*
 * Feishu / Lark custom bot (see shared PROTOCOLS.md section 3(a)),
 * outbound only: a bot is registered per group with its webhook URL
 * (…/open-apis/bot/v2/hook/<id>) and, when it uses signing, its secret.
 * There is no inbound side, so verify, parse and reply stay NULL.
 *
 * send_prepare: POST {"timestamp":"<s>","sign":…,"msg_type":"text",
 * "content":{"text":…}}. The signature is the reverse of DingTalk's: the
 * HMAC key is timestamp "\n" secret and the message is empty; timestamp
 * (seconds, as a string) and sign (plain base64) go into the body, and
 * are computed afresh for every request. send_result: decides on code.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channel.h"
#include "messages/xmalloc.h"

/* 4096 characters are at most 16 KB of UTF-8: under the 20 KB body cap. */
#define FS_TEXT_MAX		4096
#define FS_RATE_LIMITED		11232
#define FS_TOO_MANY		9499

/*
 * Computes the signature for now_ms into b64 (45 bytes). Returns 0, or
 * -1 if HMAC fails. *ts (the caller frees it) gets the timestamp string.
 */
static int
feishu_sign(const struct outbound *m, char **ts, char *b64, size_t b64sz)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		*key = NULL;
	int		 rc = -1;

	*ts = xasprintf("%" PRId64, m->now_ms / 1000);
	key = xasprintf("%s\n%s", *ts, m->secret);
	if (HMAC(EVP_sha256(), key, (int)strlen(key),
	    (const unsigned char *)"", 0, mac, &maclen) == NULL)
		goto out;
	if (b64sz < 4 * ((maclen + 2) / 3) + 1)
		goto out;
	(void)EVP_EncodeBlock((unsigned char *)b64, mac, (int)maclen);
	rc = 0;
out:
	free(key);
	return rc;
}

/* Builds the bot request for one message. */
static int
feishu_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	json_t	*obj = NULL;
	char	*ts = NULL, *body = NULL;
	char	 sign[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	int	 rc = -1;

	(void)ch;
	if (m->webhook == NULL || *m->webhook == '\0') {
		*why = "no webhook";
		goto out;
	}
	if (m->secret != NULL && *m->secret != '\0') {
		if (feishu_sign(m, &ts, sign, sizeof sign) == -1) {
			*why = "cannot compute signature";
			goto out;
		}
		obj = json_pack("{s:s, s:s, s:s, s:{s:s}}", "timestamp", ts,
		    "sign", sign, "msg_type", "text", "content", "text",
		    m->text);
	} else
		obj = json_pack("{s:s, s:{s:s}}", "msg_type", "text",
		    "content", "text", m->text);
	if (obj == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if ((body = json_dumps(obj, JSON_COMPACT)) == NULL) {
		*why = "cannot encode JSON";
		goto out;
	}
	call->url = xstrdup(m->webhook);
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json";
	body = NULL;
	rc = 0;
out:
	free(ts);
	free(body);
	json_decref(obj);
	return rc;
}

/*
 * Writes "feishu code N: msg" into err, cutting msg on a character
 * boundary (jansson has checked that it is valid UTF-8).
 */
static void
feishu_err(char *err, size_t errsz, json_int_t code, const char *msg)
{
	char	 head[64];
	size_t	 hl, n = strlen(msg);

	if (errsz == 0)
		return;
	(void)snprintf(head, sizeof head, "feishu code %" JSON_INTEGER_FORMAT
	    ": ", code);
	hl = strlen(head);
	if (hl >= errsz)
		n = 0;
	else if (n > errsz - 1 - hl) {
		n = errsz - 1 - hl;
		while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
	}
	(void)snprintf(err, errsz, "%s%.*s", head, (int)n, msg);
}

/*
 * Finds the answer's code: "code"/"msg", or "StatusCode"/"StatusMessage"
 * which older answers of the v2 hook carried instead (UNCONFIRMED that
 * any still do). Returns NULL when the body has neither.
 */
static json_t *
feishu_code(json_t *j, const char **msg)
{
	json_t	*code;

	if (json_is_integer(code = json_object_get(j, "code")))
		*msg = json_string_value(json_object_get(j, "msg"));
	else if (json_is_integer(code = json_object_get(j, "StatusCode")))
		*msg = json_string_value(json_object_get(j, "StatusMessage"));
	else
		return NULL;
	if (*msg == NULL)
		*msg = "";
	return code;
}

/* Classifies the bot's answer by HTTP status, then by code. */
static enum send_status
feishu_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	enum send_status	 st = SEND_FAILED;
	json_t			*j = NULL, *code = NULL;
	const char		*msg = NULL;

	(void)ch;
	*retry_after = 0;
	if (body != NULL && len > 0 &&
	    (j = json_loadb(body, len, 0, NULL)) != NULL)
		code = feishu_code(j, &msg);
	if (status == 0) {
		(void)snprintf(err, errsz, "feishu: no answer");
		st = SEND_RETRY;
		goto out;
	}
	if (status == 429 || status >= 500) {
		(void)snprintf(err, errsz, "feishu: http %ld", status);
		st = SEND_RETRY;
		goto out;
	}
	if (status < 200 || status > 299) {
		if (code != NULL)
			feishu_err(err, errsz, json_integer_value(code), msg);
		else
			(void)snprintf(err, errsz, "feishu: http %ld", status);
		goto out;
	}
	/* A 2xx without a code is most likely a proxy's page: try again. */
	if (code == NULL) {
		(void)snprintf(err, errsz, "feishu: http %ld without code",
		    status);
		st = SEND_RETRY;
		goto out;
	}
	feishu_err(err, errsz, json_integer_value(code), msg);
	switch (json_integer_value(code)) {
	case 0:
		st = SEND_OK;
		break;
	case FS_RATE_LIMITED:
	case FS_TOO_MANY:
		st = SEND_RETRY;	/* Feishu names no delay */
		break;
	default:
		/* 19021 (sign or timestamp), 19024 (keyword), …: permanent. */
		st = SEND_FAILED;
		break;
	}
out:
	json_decref(j);
	return st;
}

const struct channel_backend channel_feishu_backend = {
	.type = "feishu",
	.send_prepare = feishu_send_prepare,
	.send_result = feishu_send_result,
	.max_text = FS_TEXT_MAX,
	.per_chat_second = 5,		/* per bot */
	.per_chat_minute = 100,
};

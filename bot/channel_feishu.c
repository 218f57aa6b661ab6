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

#include "channel.h"
#include "messages/hmac.h"
#include "messages/xmalloc.h"

/* 4096 characters are at most 16 KB of UTF-8: under the 20 KB body cap. */
#define FS_TEXT_MAX		4096
#define FS_RATE_LIMITED		11232
#define FS_TOO_MANY		9499

/*
 * Computes the signature for now_ms into b64 (45 bytes). Returns 0, or
 * -1 if b64 is shorter. *ts (the caller frees it) gets the timestamp
 * string.
 */
static int
feishu_sign(const struct outbound *m, char **ts, char *b64, size_t b64sz)
{
	unsigned char	 mac[HMAC_SHA256_LEN];
	char		*key = NULL;
	int		 rc = -1;

	*ts = xasprintf("%" PRId64, m->now_ms / 1000);
	key = xasprintf("%s\n%s", *ts, m->secret);
	hmac_sha256(key, strlen(key), "", 0, mac);
	if (b64sz < 4 * ((HMAC_SHA256_LEN + 2) / 3) + 1)
		goto out;
	(void)EVP_EncodeBlock((unsigned char *)b64, mac, HMAC_SHA256_LEN);
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

/* What a code means: 0 sent, 11232 and 9499 rate limited (Feishu names
 * no delay), the rest permanent: 19021 (sign or timestamp), 19024
 * (keyword), …. */
static enum send_status
feishu_classify(json_int_t code, int *retry_after)
{
	(void)retry_after;
	if (code == 0)
		return SEND_OK;
	if (code == FS_RATE_LIMITED || code == FS_TOO_MANY)
		return SEND_RETRY;
	return SEND_FAILED;
}

/* Older answers of the v2 hook carried "StatusCode"/"StatusMessage"
 * instead of "code"/"msg" (UNCONFIRMED that any server still does). */
static const struct robot_answer feishu_answer = {
	.platform = "feishu",
	.code_key = "code",
	.msg_key = "msg",
	.old_code_key = "StatusCode",
	.old_msg_key = "StatusMessage",
	.classify = feishu_classify,
	.ok_body = "{\"code\":0,\"data\":{},\"msg\":\"success\"}",
	.ok_msg = "success",
};

/* Classifies the bot's answer by HTTP status, then by code. */
static enum send_status
feishu_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	(void)ch;
	return channel_robot_result(&feishu_answer, status, body, len,
	    retry_after, err, errsz);
}

const struct channel_backend channel_feishu_backend = {
	.type = "feishu",
	.help = "飞书自定义机器人 Feishu custom bot (webhook, sign secret)",
	.send_prepare = feishu_send_prepare,
	.send_result = feishu_send_result,
	.max_text = FS_TEXT_MAX,
	.per_chat_second = 5,		/* per bot */
	.per_chat_minute = 100,
};

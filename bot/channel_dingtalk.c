/*
 * DingTalk custom group robot (see shared PROTOCOLS.md section 2(a)),
 * outbound only: a robot is registered per group with its webhook URL
 * (…/robot/send?access_token=…) and, when the robot uses signing, its SEC…
 * secret. There is no inbound side, so verify, parse and reply stay NULL.
 *
 * send_prepare: POST {"msgtype":"text","text":{"content":…}}; with a
 * secret the URL gains &timestamp=<ms>&sign=<urlenc(b64(HMAC-SHA256(
 * secret, timestamp "\n" secret)))>, computed afresh for every request
 * (a signature older than an hour is refused as "invalid timestamp").
 * send_result: decides on errcode, never on errmsg.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "channel.h"
#include "messages/buf.h"
#include "messages/hmac.h"
#include "messages/xmalloc.h"

#define DT_TEXT_MAX		4096	/* characters; our choice, see below */
#define DT_URL_MAX		8192
#define DT_ERR_TOO_FAST		130101	/* 20 per minute exceeded */
#define DT_RETRY_TOO_FAST	600	/* over the limit, DingTalk throttles the robot for 10 minutes */

/*
 * Appends s to b percent-encoded: only A-Z a-z 0-9 - _ . ~ stay literal.
 * Returns 0, or -1 past the buffer's maximum.
 */
static int
dingtalk_urlenc(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;
	char			 pct[3];

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			if (buf_add(b, s, 1) == -1)
				return -1;
			continue;
		}
		pct[0] = '%';
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 0xf];
		if (buf_add(b, pct, 3) == -1)
			return -1;
	}
	return 0;
}

/* Returns 1 if the URL's query already names parameter p ("sign="). */
static int
dingtalk_has_param(const char *url, const char *p)
{
	const char	*q = strchr(url, '?');
	size_t		 n = strlen(p);

	while (q != NULL) {
		if (strncmp(q + 1, p, n) == 0)
			return 1;
		q = strchr(q + 1, '&');
	}
	return 0;
}

/*
 * Builds the webhook URL for one request: the configured URL, plus the
 * timestamp and signature when the robot has a secret. Returns the URL
 * (the caller frees it), or NULL with *why set.
 */
static char *
dingtalk_url(const struct outbound *m, const char **why)
{
	unsigned char	 mac[HMAC_SHA256_LEN];
	unsigned char	 b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	char		*tosign = NULL, *url = NULL;
	struct buf	 b;

	buf_init(&b, DT_URL_MAX);
	if (m->secret == NULL || *m->secret == '\0') {
		url = xstrdup(m->webhook);
		goto out;
	}
	/*
	 * The parameters go on exactly once: a webhook pasted with a stale
	 * timestamp and sign would be refused by DingTalk on every send.
	 */
	if (dingtalk_has_param(m->webhook, "timestamp=") ||
	    dingtalk_has_param(m->webhook, "sign=")) {
		*why = "webhook URL already holds timestamp or sign";
		goto out;
	}
	tosign = xasprintf("%" PRId64 "\n%s", m->now_ms, m->secret);
	hmac_sha256(m->secret, strlen(m->secret), tosign, strlen(tosign), mac);
	(void)EVP_EncodeBlock(b64, mac, HMAC_SHA256_LEN);
	if (buf_adds(&b, m->webhook) == -1 ||
	    buf_addf(&b, "%ctimestamp=%" PRId64 "&sign=",
	    strchr(m->webhook, '?') != NULL ? '&' : '?', m->now_ms) == -1 ||
	    dingtalk_urlenc(&b, (const char *)b64) == -1) {
		*why = "webhook URL too long";
		goto out;
	}
	url = buf_steal(&b);
out:
	free(tosign);
	buf_free(&b);
	return url;
}

/* Builds the robot request for one message. */
static int
dingtalk_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	json_t	*obj = NULL;
	char	*url = NULL, *body = NULL;
	int	 rc = -1;

	(void)ch;
	if (m->webhook == NULL || *m->webhook == '\0') {
		*why = "no webhook";
		goto out;
	}
	obj = json_pack("{s:s, s:{s:s}}", "msgtype", "text", "text",
	    "content", m->text);
	if (obj == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if ((url = dingtalk_url(m, why)) == NULL)
		goto out;
	if ((body = json_dumps(obj, JSON_COMPACT)) == NULL) {
		*why = "cannot encode JSON";
		goto out;
	}
	call->url = url;
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json";
	url = body = NULL;
	rc = 0;
out:
	free(url);
	free(body);
	json_decref(obj);
	return rc;
}

/* What an errcode means: 0 sent, 130101 throttled (DingTalk blocks the
 * robot for 10 minutes), the rest permanent: 310000 (sign, timestamp,
 * keyword, IP), 300001 (no such token), 300005 and anything unknown. */
static enum send_status
dingtalk_classify(json_int_t code, int *retry_after)
{
	if (code == 0)
		return SEND_OK;
	if (code == DT_ERR_TOO_FAST) {
		*retry_after = DT_RETRY_TOO_FAST;
		return SEND_RETRY;
	}
	return SEND_FAILED;
}

static const struct robot_answer dingtalk_answer = {
	.platform = "dingtalk",
	.code_key = "errcode",
	.msg_key = "errmsg",
	.classify = dingtalk_classify,
	.ok_body = "{\"errcode\":0,\"errmsg\":\"ok\"}",
	.ok_msg = "ok",
};

/* Classifies the robot's answer by HTTP status, then by errcode. */
static enum send_status
dingtalk_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	(void)ch;
	return channel_robot_result(&dingtalk_answer, status, body, len,
	    retry_after, err, errsz);
}

const struct channel_backend channel_dingtalk_backend = {
	.type = "dingtalk",
	.help = "钉钉自定义机器人 DingTalk custom group robot (webhook, sign secret)",
	.send_prepare = dingtalk_send_prepare,
	.send_result = dingtalk_send_result,
	/*
	 * PROTOCOLS.md names no text limit; 4096 characters (at most 16 KB
	 * of UTF-8) stays well inside what DingTalk is reported to accept.
	 */
	.max_text = DT_TEXT_MAX,
	.per_chat_minute = 20,		/* per robot; more throttles it */
};

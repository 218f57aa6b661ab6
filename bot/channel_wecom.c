/*
 * WeCom (企业微信) group robot (see shared PROTOCOLS.md section 4(a)),
 * outbound only: a robot is registered per group with its webhook URL
 * (…/cgi-bin/webhook/send?key=…); the key in the URL is the only
 * credential, so there is no signing. verify, parse and reply stay NULL.
 *
 * send_prepare: POST {"msgtype":"text","text":{"content":…}} with the
 * content cut to 2048 bytes. send_result: decides on errcode.
 *
 * A broadcast sends one text to thousands of robots in a row, so the
 * last body built is kept and copied while the text stays the same: the
 * body holds nothing but the text.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define WC_CONTENT_BYTES	2048	/* UTF-8 bytes of text.content */
#define WC_ERR_BUSY		-1	/* "system busy" */
#define WC_ERR_FREQ		45009	/* 20 per minute exceeded */
#define WC_RETRY_FREQ		60	/* seconds */

/* The last text and its body (kept for the process's life). */
static pthread_mutex_t	 wecom_last_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*wecom_last_text;
static char		*wecom_last_body;

/* A copy of the body of text if it is the last one built, else NULL. */
static char *
wecom_body_again(const char *text)
{
	char	*body = NULL;

	pthread_mutex_lock(&wecom_last_lock);
	if (wecom_last_text != NULL && strcmp(wecom_last_text, text) == 0)
		body = xstrdup(wecom_last_body);
	pthread_mutex_unlock(&wecom_last_lock);
	return body;
}

/* Keeps text and its body as the last one built. */
static void
wecom_body_keep(const char *text, const char *body)
{
	pthread_mutex_lock(&wecom_last_lock);
	free(wecom_last_text);
	free(wecom_last_body);
	wecom_last_text = xstrdup(text);
	wecom_last_body = xstrdup(body);
	pthread_mutex_unlock(&wecom_last_lock);
}

/* Builds the robot request for one message. */
static int
wecom_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	json_t	*obj = NULL;
	char	*body = NULL;
	int	 rc = -1;

	(void)ch;
	if (m->webhook == NULL || *m->webhook == '\0') {
		*why = "no webhook";
		goto out;
	}
	if ((body = wecom_body_again(m->text)) != NULL)
		goto done;
	/*
	 * WeCom refuses content over 2048 bytes of UTF-8. max_text keeps our
	 * texts under it; should one still be longer, send its first 2048
	 * bytes cut on a character boundary (a split character would make
	 * the body invalid UTF-8) rather than lose the whole message.
	 */
	obj = json_pack("{s:s, s:{s:s%}}", "msgtype", "text", "text",
	    "content", m->text, utf8_fit(m->text, strlen(m->text),
	    WC_CONTENT_BYTES));
	if (obj == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if ((body = json_dumps(obj, JSON_COMPACT)) == NULL) {
		*why = "cannot encode JSON";
		goto out;
	}
	wecom_body_keep(m->text, body);
done:
	call->url = xstrdup(m->webhook);
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json";
	body = NULL;
	rc = 0;
out:
	free(body);
	json_decref(obj);
	return rc;
}

/* What an errcode means: 0 sent, 45009 over the limit (retry in a
 * minute), -1 system busy (retry), the rest permanent (93000 invalid
 * webhook, …). */
static enum send_status
wecom_classify(json_int_t code, int *retry_after)
{
	switch (code) {
	case 0:
		return SEND_OK;
	case WC_ERR_FREQ:
		*retry_after = WC_RETRY_FREQ;
		return SEND_RETRY;
	case WC_ERR_BUSY:
		return SEND_RETRY;	/* no delay named */
	default:
		return SEND_FAILED;
	}
}

static const struct robot_answer wecom_answer = {
	.platform = "wecom",
	.code_key = "errcode",
	.msg_key = "errmsg",
	.classify = wecom_classify,
	.ok_body = "{\"errcode\":0,\"errmsg\":\"ok\"}",
	.ok_msg = "ok",
};

/* Classifies the robot's answer by HTTP status, then by errcode. */
static enum send_status
wecom_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	(void)ch;
	return channel_robot_result(&wecom_answer, status, body, len,
	    retry_after, err, errsz);
}

const struct channel_backend channel_wecom_backend = {
	.type = "wecom",
	.help = "企业微信群机器人 WeCom group robot (webhook with key)",
	.send_prepare = wecom_send_prepare,
	.send_result = wecom_send_result,
	/*
	 * 2048 bytes hold at least 512 characters of up to four bytes each,
	 * so a text split at max_text is never cut by wecom_send_prepare.
	 */
	.max_text = WC_CONTENT_BYTES / 4,
	.per_chat_minute = 20,		/* per robot; more gives 45009 */
};

/*
 * WeCom (企业微信) group robot (see shared PROTOCOLS.md section 4(a)),
 * outbound only: a robot is registered per group with its webhook URL
 * (…/cgi-bin/webhook/send?key=…); the key in the URL is the only
 * credential, so there is no signing. verify, parse and reply stay NULL.
 *
 * send_prepare: POST {"msgtype":"text","text":{"content":…}} with the
 * content cut to 2048 bytes. send_result: decides on errcode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "messages/xmalloc.h"

#define WC_CONTENT_BYTES	2048	/* UTF-8 bytes of text.content */
#define WC_ERR_BUSY		-1	/* "system busy" */
#define WC_ERR_FREQ		45009	/* 20 per minute exceeded */
#define WC_RETRY_FREQ		60	/* seconds */

/*
 * Returns the length of the longest prefix of s (valid UTF-8) that fits
 * in max bytes without splitting a character: if the byte after the cut
 * is a continuation byte (10xxxxxx), step back to the character's start.
 */
static size_t
wecom_cut(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
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
	/*
	 * WeCom refuses content over 2048 bytes of UTF-8. max_text keeps our
	 * texts under it; should one still be longer, send its first 2048
	 * bytes cut on a character boundary (a split character would make
	 * the body invalid UTF-8) rather than lose the whole message.
	 */
	obj = json_pack("{s:s, s:{s:s%}}", "msgtype", "text", "text",
	    "content", m->text, wecom_cut(m->text, WC_CONTENT_BYTES));
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
	free(body);
	json_decref(obj);
	return rc;
}

/*
 * Writes "wecom errcode N: errmsg" into err, cutting errmsg on a
 * character boundary (jansson has checked that it is valid UTF-8).
 */
static void
wecom_err(char *err, size_t errsz, json_int_t code, const char *msg)
{
	char	 head[64];
	size_t	 hl;

	if (errsz == 0)
		return;
	(void)snprintf(head, sizeof head, "wecom errcode %" JSON_INTEGER_FORMAT
	    ": ", code);
	hl = strlen(head);
	(void)snprintf(err, errsz, "%s%.*s", head,
	    hl >= errsz ? 0 : (int)wecom_cut(msg, errsz - 1 - hl), msg);
}

/* Returns the answer's errcode (NULL if it has none), its errmsg in *msg. */
static json_t *
wecom_code(json_t *j, const char **msg)
{
	json_t	*code = json_object_get(j, "errcode");

	if (!json_is_integer(code))
		return NULL;
	if ((*msg = json_string_value(json_object_get(j, "errmsg"))) == NULL)
		*msg = "";
	return code;
}

/* Classifies the robot's answer by HTTP status, then by errcode. */
static enum send_status
wecom_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	enum send_status	 st = SEND_FAILED;
	json_t			*j = NULL, *code = NULL;
	const char		*msg = NULL;

	(void)ch;
	*retry_after = 0;
	if (body != NULL && len > 0 &&
	    (j = json_loadb(body, len, 0, NULL)) != NULL)
		code = wecom_code(j, &msg);
	if (status == 0) {
		(void)snprintf(err, errsz, "wecom: no answer");
		st = SEND_RETRY;
		goto out;
	}
	if (status == 429 || status >= 500) {
		(void)snprintf(err, errsz, "wecom: http %ld", status);
		st = SEND_RETRY;
		goto out;
	}
	if (status < 200 || status > 299) {
		if (code != NULL)
			wecom_err(err, errsz, json_integer_value(code), msg);
		else
			(void)snprintf(err, errsz, "wecom: http %ld", status);
		goto out;
	}
	/* A 2xx without errcode is most likely a proxy's page: try again. */
	if (code == NULL) {
		(void)snprintf(err, errsz, "wecom: http %ld without errcode",
		    status);
		st = SEND_RETRY;
		goto out;
	}
	wecom_err(err, errsz, json_integer_value(code), msg);
	switch (json_integer_value(code)) {
	case 0:
		st = SEND_OK;
		break;
	case WC_ERR_FREQ:
		*retry_after = WC_RETRY_FREQ;
		st = SEND_RETRY;
		break;
	case WC_ERR_BUSY:
		st = SEND_RETRY;	/* no delay named */
		break;
	default:
		st = SEND_FAILED;	/* bad key, bad body, …: permanent */
		break;
	}
out:
	json_decref(j);
	return st;
}

const struct channel_backend channel_wecom_backend = {
	.type = "wecom",
	.send_prepare = wecom_send_prepare,
	.send_result = wecom_send_result,
	/*
	 * 2048 bytes hold at least 512 characters of up to four bytes each,
	 * so a text split at max_text is never cut by wecom_send_prepare.
	 */
	.max_text = WC_CONTENT_BYTES / 4,
	.per_chat_minute = 20,		/* per robot; more gives 45009 */
};

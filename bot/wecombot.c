/*
 * The JSON frames of the WeCom AI bot's long connection (see shared
 * STREAM.md section 3): what an inbound frame is, the frames we send
 * (subscribe, ping, the answer to a message) and what the errcode of an
 * answer means for an outbox row. Pure functions over jansson: bot/
 * stream.c owns the socket, the clock and the req_id generator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "wecombot.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define WB_STREAM_HEX		32	/* hex digits of a derived stream.id */

/* errcodes of answers (STREAM.md 3.11, and WeCom's global codes). */
#define WB_ERR_BUSY		-1	/* system busy */
#define WB_ERR_CONFLICT		6000	/* command conflict (AstrBot) */
#define WB_ERR_BAD_MSGTYPE	40008	/* invalid message type */
#define WB_ERR_BAD_PARAM	40058	/* invalid parameter */
#define WB_ERR_EMPTY		44004	/* empty content */
#define WB_ERR_TOO_BIG		45002	/* content too large */
#define WB_ERR_FREQ		45009	/* api freq out of limit */
#define WB_ERR_BAD_CHATID	93006	/* invalid chatid */
#define WB_ERR_BAD_BOT		93019	/* invalid bot_id */
#define WB_ERR_BAD_REQ_ID	846605	/* req_id cannot be answered */
#define WB_ERR_STREAM_EXPIRED	846608	/* stream older than 6 minutes */
#define WB_ERR_NOT_SUBSCRIBED	846609	/* right after a reconnect */
#define WB_ERR_BAD_SECRET	853000	/* signature (secret) is wrong */

/* Seconds to wait before a row is tried again, by the cause. */
#define WB_RETRY_BUSY		5
#define WB_RETRY_CONFLICT	1
#define WB_RETRY_FREQ		60
#define WB_RETRY_SUBSCRIBE	5	/* the subscribe answer is due */
#define WB_RETRY_UNKNOWN	30

/*
 * Copies the string v into out (size bytes). Returns 0; -1 when v is not
 * a non-empty string; -2 when it is too long or holds a NUL or another
 * control character (ids go into frames, rows and log lines).
 */
static int
wb_id(json_t *v, char *out, size_t size)
{
	const char	*s = json_string_value(v);
	size_t		 n, i;

	if (s == NULL || (n = json_string_length(v)) == 0)
		return -1;
	if (n >= size)
		return -2;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -2;
	memcpy(out, s, n + 1);
	return 0;
}

/* Copies the platform's message s into out (size bytes), cut on a
 * character boundary, control characters shown as spaces. */
static void
wb_text(const char *s, char *out, size_t size)
{
	size_t	 n, i;

	if (size == 0)
		return;
	if (s == NULL)
		s = "";
	n = utf8_fit(s, strlen(s), size - 1);
	memcpy(out, s, n);
	out[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
}

/* Reads an answer (a frame without cmd): its errcode and errmsg. */
static int
wb_answer_frame(json_t *j, struct wecombot_frame *f, const char **why)
{
	json_t		*code = json_object_get(j, "errcode");
	json_int_t	 c;

	if (!json_is_integer(code)) {
		*why = "answer without errcode";
		return -1;
	}
	c = json_integer_value(code);
	if (c < -2147483647 || c > 2147483647) {
		*why = "errcode out of range";
		return -1;
	}
	f->kind = WECOMBOT_ANSWER;
	f->errcode = (long)c;
	wb_text(json_string_value(json_object_get(j, "errmsg")), f->errmsg,
	    sizeof f->errmsg);
	return 0;
}

/* Reads a callback of cmd (aibot_msg_callback or aibot_event_callback). */
static int
wb_callback_frame(json_t *j, const char *cmd, struct wecombot_frame *f,
    const char **why)
{
	json_t		*body = json_object_get(j, "body");
	const char	*ev;
	int		 rc;

	ev = json_string_value(json_object_get(json_object_get(body,
	    "event"), "eventtype"));
	rc = wb_id(json_object_get(body, "msgid"), f->msgid,
	    sizeof f->msgid);
	if (rc == -2) {
		*why = "msgid too long or not text";
		return -1;
	}
	if (strcmp(cmd, "aibot_event_callback") == 0) {
		/* A takeover must be seen whatever else the frame lacks:
		 * missing it would make two owners kick each other. */
		if (ev != NULL && strcmp(ev, "disconnected_event") == 0) {
			f->kind = WECOMBOT_DISCONNECTED;
			return 0;
		}
		f->kind = WECOMBOT_EVENT;
	} else
		f->kind = WECOMBOT_MESSAGE;
	if (f->req_id[0] == '\0') {
		*why = "callback without req_id";
		return -1;
	}
	if (f->kind == WECOMBOT_MESSAGE && rc != 0) {
		*why = "message without msgid";
		return -1;
	}
	return 0;
}

/* Classifies one inbound text frame. */
int
wecombot_classify(const char *data, size_t len, struct wecombot_frame *f,
    const char **why)
{
	json_t		*j = NULL, *cmd;
	const char	*c;
	int		 rc = -1;

	memset(f, 0, sizeof *f);
	f->kind = WECOMBOT_OTHER;
	if (data == NULL || len == 0) {
		*why = "empty frame";
		return -1;
	}
	if (len > WECOMBOT_FRAME_MAX) {
		*why = "frame too large";
		return -1;
	}
	if ((j = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL) {
		*why = "frame is not JSON";
		return -1;
	}
	if (!json_is_object(j)) {
		*why = "frame is not a JSON object";
		goto out;
	}
	if (wb_id(json_object_get(json_object_get(j, "headers"), "req_id"),
	    f->req_id, sizeof f->req_id) == -2) {
		*why = "req_id too long or not text";
		goto out;
	}
	cmd = json_object_get(j, "cmd");
	if (cmd == NULL || json_is_null(cmd)) {
		rc = wb_answer_frame(j, f, why);
		goto out;
	}
	if ((c = json_string_value(cmd)) == NULL) {
		*why = "cmd is not a string";
		goto out;
	}
	if (strcmp(c, "aibot_msg_callback") == 0 ||
	    strcmp(c, "aibot_event_callback") == 0)
		rc = wb_callback_frame(j, c, f, why);
	else {
		f->kind = WECOMBOT_OTHER;
		rc = 0;
	}
out:
	if (rc != 0) {
		f->kind = WECOMBOT_OTHER;
		f->req_id[0] = f->msgid[0] = '\0';
	}
	json_decref(j);
	return rc;
}

/* Encodes a frame built by json_pack (NULL: a string was NULL or not
 * UTF-8) into a new compact string, or NULL. */
static char *
wb_dump(json_t *frame)
{
	char	*s;

	if (frame == NULL)
		return NULL;
	s = json_dumps(frame, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(frame);
	return s;
}

/* The subscribe frame. */
char *
wecombot_subscribe(const char *req_id, const char *bot_id,
    const char *secret)
{
	if (req_id == NULL || bot_id == NULL || secret == NULL)
		return NULL;
	return wb_dump(json_pack("{s:s, s:{s:s}, s:{s:s, s:s}}", "cmd",
	    "aibot_subscribe", "headers", "req_id", req_id, "body", "bot_id",
	    bot_id, "secret", secret));
}

/* The heartbeat frame. */
char *
wecombot_ping(const char *req_id)
{
	if (req_id == NULL)
		return NULL;
	return wb_dump(json_pack("{s:s, s:{s:s}}", "cmd", "ping", "headers",
	    "req_id", req_id));
}

/*
 * Writes the stream.id of the answer to a row into out: "stream_" and
 * the first WB_STREAM_HEX hex digits of SHA-256(idem_key), so that a row
 * sent again updates the same bubble instead of opening a second one
 * (key NULL: the req_id stands in).
 */
static void
wb_stream_id(const char *key, char out[8 + WB_STREAM_HEX])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	memcpy(out, "stream_", 7);
	if (EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) !=
	    1 || mdlen * 2 < WB_STREAM_HEX)
		memset(md, 0, sizeof md);	/* unique enough per req_id */
	for (i = 0; i < WB_STREAM_HEX / 2; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 0xf];
	}
	out[7 + WB_STREAM_HEX] = '\0';
}

/*
 * Whether the message of meta m may still be answered with a respond
 * frame on connection conn at now_ms: it came on that connection (req_ids
 * may not outlive it) less than WECOMBOT_STREAM_TTL_MS ago.
 */
static int
wb_can_respond(json_t *m, uint64_t conn, int64_t now_ms)
{
	json_t	*c = json_object_get(m, "conn"), *at = json_object_get(m,
		    "at_ms");

	if (!json_is_integer(c) || json_integer_value(c) < 0 ||
	    (uint64_t)json_integer_value(c) != conn)
		return 0;
	if (!json_is_integer(at) || json_integer_value(at) <= 0)
		return 0;
	return now_ms - (int64_t)json_integer_value(at) <
	    WECOMBOT_STREAM_TTL_MS;
}

/* The answer to the message of meta. */
char *
wecombot_reply_frame(const char *meta, const char *text,
    const char *idem_key, uint64_t conn, int64_t now_ms, int force_send,
    const char *fresh_req_id, char **req_id_out, const char **why)
{
	json_t		*m = NULL;
	const char	*req_id, *chat, *used;
	char		 sid[8 + WB_STREAM_HEX], *out = NULL;
	size_t		 n;

	*req_id_out = NULL;
	if (meta == NULL || (m = json_loads(meta, 0, NULL)) == NULL ||
	    !json_is_object(m)) {
		*why = "reply meta is not a JSON object";
		goto out;
	}
	if (text == NULL || !utf8_valid(text, strlen(text))) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	n = utf8_fit(text, strlen(text), WECOMBOT_CONTENT_MAX);
	req_id = json_string_value(json_object_get(m, "req_id"));
	chat = json_string_value(json_object_get(m, "chatid"));
	if (chat == NULL || *chat == '\0')
		chat = json_string_value(json_object_get(m, "userid"));
	if (chat == NULL || *chat == '\0') {
		*why = "reply meta names no chat";
		goto out;
	}
	if (!force_send && req_id != NULL && *req_id != '\0' &&
	    wb_can_respond(m, conn, now_ms)) {
		wb_stream_id(idem_key != NULL ? idem_key : req_id, sid);
		out = wb_dump(json_pack("{s:s, s:{s:s}, s:{s:s, s:{s:s, s:b, "
		    "s:s%}}}", "cmd", "aibot_respond_msg", "headers", "req_id",
		    req_id, "body", "msgtype", "stream", "stream", "id", sid,
		    "finish", 1, "content", text, n));
		used = req_id;
	} else {
		if (fresh_req_id == NULL || *fresh_req_id == '\0') {
			*why = "no req_id for aibot_send_msg";
			goto out;
		}
		out = wb_dump(json_pack("{s:s, s:{s:s}, s:{s:s, s:s, "
		    "s:{s:s%}}}", "cmd", "aibot_send_msg", "headers", "req_id",
		    fresh_req_id, "body", "chatid", chat, "msgtype", "markdown",
		    "markdown", "content", text, n));
		used = fresh_req_id;
	}
	if (out == NULL) {
		*why = "cannot encode the frame";
		goto out;
	}
	*req_id_out = xstrdup(used);
out:
	json_decref(m);
	return out;
}

/* Writes "wecom_bot errcode N: <errmsg>" into err, cut on a character. */
static void
wb_err(long errcode, const char *errmsg, char *err, size_t errsz)
{
	char	 head[64];
	size_t	 hl, n;

	if (errsz == 0)
		return;
	if (errmsg == NULL)
		errmsg = "";
	(void)snprintf(head, sizeof head, "wecom_bot errcode %ld: ", errcode);
	hl = strlen(head);
	n = hl >= errsz ? 0 : utf8_fit(errmsg, strlen(errmsg), errsz - 1 - hl);
	(void)snprintf(err, errsz, "%s%.*s", head, (int)n, errmsg);
}

/* What an answer's errcode means for the row. */
enum send_status
wecombot_answer(long errcode, const char *errmsg, int *resend,
    int *retry_after, char *err, size_t errsz)
{
	*resend = 0;
	*retry_after = 0;
	wb_err(errcode, errmsg, err, errsz);
	switch (errcode) {
	case 0:
		return SEND_OK;
	case WB_ERR_BAD_REQ_ID:
	case WB_ERR_STREAM_EXPIRED:
		/* The message can no longer be answered in its bubble: a
		 * fresh aibot_send_msg to the chat still can. */
		*resend = 1;
		return SEND_RETRY;
	case WB_ERR_NOT_SUBSCRIBED:
		*retry_after = WB_RETRY_SUBSCRIBE;
		return SEND_RETRY;
	case WB_ERR_CONFLICT:
		*retry_after = WB_RETRY_CONFLICT;
		return SEND_RETRY;
	case WB_ERR_FREQ:
		*retry_after = WB_RETRY_FREQ;
		return SEND_RETRY;
	case WB_ERR_BUSY:
		*retry_after = WB_RETRY_BUSY;
		return SEND_RETRY;
	case WB_ERR_BAD_CHATID:
	case WB_ERR_BAD_MSGTYPE:
	case WB_ERR_BAD_PARAM:
	case WB_ERR_EMPTY:
	case WB_ERR_TOO_BIG:
	case WB_ERR_BAD_BOT:
	case WB_ERR_BAD_SECRET:
		return SEND_FAILED;
	default:
		/* A code nobody has documented: the platform's trouble
		 * until shown otherwise, and the retries are counted. */
		*retry_after = WB_RETRY_UNKNOWN;
		return SEND_RETRY;
	}
}

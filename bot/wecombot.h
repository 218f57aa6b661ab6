/*
 * The WeCom AI bot (企业微信智能机器人), channel type wecom_bot: its
 * backend (channel_wecom_bot.c) in either mode, and the JSON frames of its
 * long connection (wecombot.c), which bot/stream.c drives.
 *
 *   mode = websocket (default)  the daemon dials ws_url and subscribes with
 *                               bot_id and secret; messages arrive as
 *                               aibot_msg_callback frames; replies are
 *                               aibot_respond_msg frames (or
 *                               aibot_send_msg), sent by the stream thread.
 *   mode = callback             WeCom posts encrypted JSON to /hook/NAME
 *                               (token, encoding_aes_key; the wxcrypt
 *                               scheme with an empty receive id, as
 *                               document 101033 says); replies go to the
 *                               message's response_url (one POST within
 *                               an hour, on response_host).
 *
 * The reply meta parse() stores (in->reply_meta) is a JSON object:
 * "chattype" (single|group), "chatid" (the target: the group's chatid, or
 * the user of a single chat), "userid" (the sender), "at_ms" (when the
 * message came, ms), "req_id" (websocket mode) and "response_url" (when
 * the message carried one on response_host). bot/stream.c adds "conn".
 *
 * Frame functions are pure; strings they return are the caller's to free.
 */
#ifndef FANGFEI_WECOMBOT_H
#define FANGFEI_WECOMBOT_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"

#define WECOMBOT_WS_URL		"wss://openws.work.weixin.qq.com"
#define WECOMBOT_FRAME_MAX	(1024 * 1024)	/* one inbound frame */
#define WECOMBOT_CONTENT_MAX	20480		/* bytes of one reply */
#define WECOMBOT_STREAM_TTL_MS	(5 * 60 * 1000)	/* respond within, else send */

extern const struct channel_backend wecom_bot_backend;

/* The instance's settings (NULL for a channel of another type, or not
 * set up, or in callback mode; ws_url defaults to WECOMBOT_WS_URL). */
const char	*wecombot_bot_id(const struct channel *);
const char	*wecombot_secret(const struct channel *);
const char	*wecombot_ws_url(const struct channel *);

enum wecombot_kind {
	WECOMBOT_MESSAGE,	/* aibot_msg_callback: dispatch it */
	WECOMBOT_EVENT,		/* aibot_event_callback other than the next */
	WECOMBOT_DISCONNECTED,	/* disconnected_event: a newer connection
				   of the same bot took over */
	WECOMBOT_ANSWER,	/* no cmd: the answer to one of ours */
	WECOMBOT_OTHER,		/* a cmd we do not know: ignored */
};

/* What one inbound text frame is. */
struct wecombot_frame {
	enum wecombot_kind	 kind;
	char			 req_id[128];	/* headers.req_id ("" if none) */
	char			 msgid[128];	/* body.msgid (messages) */
	long			 errcode;	/* answers */
	char			 errmsg[128];	/* answers, cut */
};

/*
 * Classifies a frame. Returns 0, or -1 with *why (not JSON, not an
 * object, too large, an answer without an integer errcode, a req_id or
 * msgid too long or holding control characters, a callback without
 * req_id, a message without msgid); on -1 *frame is WECOMBOT_OTHER with
 * empty ids. A disconnected_event is WECOMBOT_DISCONNECTED whatever ids
 * it lacks: missing a takeover would make two owners kick each other.
 * errmsg is cut on a character boundary, control characters as spaces.
 */
int	 wecombot_classify(const char *data, size_t len,
	    struct wecombot_frame *, const char **why);

/* {"cmd":"aibot_subscribe","headers":{"req_id":…},"body":{"bot_id":…,
 * "secret":…}} */
char	*wecombot_subscribe(const char *req_id, const char *bot_id,
	    const char *secret);
/* {"cmd":"ping","headers":{"req_id":…}} */
char	*wecombot_ping(const char *req_id);
/*
 * The frame that sends text (Markdown, cut to WECOMBOT_CONTENT_MAX bytes
 * on a character boundary) as the answer to the message whose reply_meta
 * is meta (what parse() stored: req_id, chatid, chattype, userid,
 * at_ms, and "conn", the number of the connection it came on, which
 * bot/stream.c adds). When the message came on connection conn and less
 * than WECOMBOT_STREAM_TTL_MS ago (now_ms), and force_send is 0: an
 * aibot_respond_msg with the message's req_id and a finished stream
 * (stream.id "stream_" and 32 hex digits of SHA-256(idem_key), so that
 * the same row sent again updates the same bubble); otherwise an
 * aibot_send_msg with fresh_req_id to the chat (meta's chatid, else its
 * userid). *req_id_out (caller frees) gets the req_id the answer will
 * carry. Returns NULL with *why when meta is unusable or names no chat,
 * text is not UTF-8, or a send is due and fresh_req_id is NULL or "".
 */
char	*wecombot_reply_frame(const char *meta, const char *text,
	    const char *idem_key, uint64_t conn, int64_t now_ms,
	    int force_send, const char *fresh_req_id, char **req_id_out,
	    const char **why);
/*
 * What an answer's errcode means for the row: SEND_OK (0); SEND_RETRY
 * with *retry_after seconds (846609 not subscribed yet: 5, 6000: 1,
 * 45009: 60, system busy -1: 5, anything unknown: 30); SEND_FAILED
 * (93006 invalid chatid; 40008, 40058, 44004, 45002: the message itself
 * is refused; 93019, 853000: the credentials). 846605/846608 (the req_id
 * can no longer be answered) set *resend and answer SEND_RETRY with
 * *retry_after 0: send again at once with force_send. err gets
 * "wecom_bot errcode N: <errmsg>", errmsg (may be NULL) cut on a
 * character boundary.
 */
enum send_status wecombot_answer(long errcode, const char *errmsg,
	    int *resend, int *retry_after, char *err, size_t errsz);

#endif

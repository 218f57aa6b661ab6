/*
 * The WeCom AI bot (企业微信智能机器人), channel type wecom_bot: its
 * backend (channel_wecom_bot.c) in either mode, and the JSON frames of its
 * long connection, which bot/stream.c drives.
 *
 *   mode = websocket (default)  the daemon dials ws_url and subscribes with
 *                               bot_id and secret; messages arrive as
 *                               aibot_msg_callback frames; replies are
 *                               aibot_respond_msg frames (or
 *                               aibot_send_msg), sent by the stream thread.
 *   mode = callback             WeCom posts encrypted JSON to /hook/NAME
 *                               (token, encoding_aes_key; the wxcrypt
 *                               scheme with an empty receive id); replies
 *                               go to the message's response_url.
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

/* The instance's settings (NULL for a channel of another type). */
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

/* Classifies a frame. Returns 0, or -1 with *why (not JSON, not an
 * object, too large, a callback without req_id or msgid). */
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
 * (stream.id derived from idem_key); otherwise an aibot_send_msg with the
 * fresh req_id to the chat (group chatid, or the user in a single chat).
 * *req_id_out (caller frees) gets the req_id the answer will carry.
 * Returns NULL with *why when meta is unusable or names no chat.
 */
char	*wecombot_reply_frame(const char *meta, const char *text,
	    const char *idem_key, uint64_t conn, int64_t now_ms,
	    int force_send, const char *fresh_req_id, char **req_id_out,
	    const char **why);
/*
 * What an answer's errcode means for the row: SEND_OK (0); SEND_RETRY
 * (846609 not subscribed yet, 6000, 45009, system busy -1, anything
 * unknown) with *retry_after seconds; SEND_FAILED (93006 invalid chatid,
 * and other permanent codes). *resend is set for 846605/846608 (the
 * req_id can no longer be answered): send again at once with force_send.
 * err gets "wecom_bot errcode N: <errmsg>".
 */
enum send_status wecombot_answer(long errcode, const char *errmsg,
	    int *resend, int *retry_after, char *err, size_t errsz);

#endif

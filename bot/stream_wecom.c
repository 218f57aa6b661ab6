/*
 * The WeCom AI bot's long connection (企业微信智能机器人长连接), the
 * frames: a fixed URL, aibot_subscribe as the first frame (the connection
 * is ready when it is answered errcode 0), a ping command every 30 s, and
 * JSON frames {cmd, headers.req_id, body}. Messages need no ACK; replies
 * are frames of their own (stream.c sends outbox rows with the frame
 * wecombot_reply_frame() builds and matches the answers by req_id). A
 * disconnected_event means a newer connection of the same bot took over.
 */
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "log.h"
#include "stream_int.h"
#include "wecombot.h"
#include "messages/xmalloc.h"

struct wb_conn {
	char	subscribe[96];	/* the subscribe's req_id */
};

static const char *
wb_fixed_url(struct stream *st)
{
	return wecombot_ws_url(stream_channel(st));
}

static void *
wb_conn_new(struct stream *st, struct sconn *c)
{
	(void)st;
	(void)c;
	return xcalloc(1, sizeof(struct wb_conn));
}

static void
wb_conn_free(void *p)
{
	free(p);
}

static void
wb_hello(struct stream *st, struct sconn *c)
{
	const struct channel	*ch = stream_channel(st);
	struct wb_conn		*wc = sconn_proto(c);
	char			*s;

	stream_req_id("aibot_subscribe", wc->subscribe, sizeof wc->subscribe);
	sconn_set_label(c, wc->subscribe);
	s = wecombot_subscribe(wc->subscribe, wecombot_bot_id(ch),
	    wecombot_secret(ch));
	if (s != NULL) {
		stream_send(c, s, strlen(s), STREAM_CONTROL);
		free(s);
	}
}

static void
wb_ping(struct stream *st, struct sconn *c)
{
	char	 id[96], *s;

	(void)st;
	stream_req_id("ping", id, sizeof id);
	if ((s = wecombot_ping(id)) != NULL) {
		stream_send(c, s, strlen(s), STREAM_CONTROL);
		free(s);
	}
}

static void
wb_frame(struct stream *st, struct sconn *c, const unsigned char *p,
    size_t len)
{
	const struct channel	*ch = stream_channel(st);
	struct wb_conn		*wc = sconn_proto(c);
	struct wecombot_frame	 f;
	const char		*why = "";
	char			 err[192];

	if (wecombot_classify((const char *)p, len, &f, &why) != 0) {
		log_warn("%s: wecom_bot: a frame dropped: %s", ch->name, why);
		return;
	}
	switch (f.kind) {
	case WECOMBOT_MESSAGE:
		(void)stream_deliver(st, c, (const char *)p, len);
		break;
	case WECOMBOT_DISCONNECTED:
		stream_takeover(st, c);
		break;
	case WECOMBOT_ANSWER:
		if (strcmp(f.req_id, wc->subscribe) == 0) {
			if (f.errcode == 0) {
				stream_ready(st, c);
				break;
			}
			(void)snprintf(err, sizeof err, "aibot_subscribe "
			    "errcode %ld: %s", f.errcode, f.errmsg);
			/* Wrong bot id or secret, or 45009 after too many
			 * subscribes: minutes, not seconds. */
			stream_refused(st, c, STREAM_OPEN_FATAL, err);
			break;
		}
		if (strncmp(f.req_id, "ping_", 5) == 0)
			break;
		if (stream_answer(st, f.req_id, f.errcode, f.errmsg) == -1)
			log_debug("%s: wecom_bot: an answer nobody waits for",
			    ch->name);
		break;
	case WECOMBOT_EVENT:
	case WECOMBOT_OTHER:
		break;
	}
}

const struct stream_ops stream_wecom_ops = {
	.name = "wecom_bot websocket",
	.binary = 0,
	.app_heartbeat = 1,
	/* ping every 30 s; two unanswered: dead. */
	.timing = { 30000, 65000, 0, 0, 0, 0 },
	.fixed_url = wb_fixed_url,
	.hello = wb_hello,
	.ping = wb_ping,
	.frame = wb_frame,
	.reply_frame = wecombot_reply_frame,
	.reply_answer = wecombot_answer,
	.conn_new = wb_conn_new,
	.conn_free = wb_conn_free,
};

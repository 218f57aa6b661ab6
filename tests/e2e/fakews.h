/*
 * A fake long-connection gateway for the end-to-end tests, one of the
 * three platforms per instance: a libwebsockets server on 127.0.0.1 (one
 * service thread of its own) that answers the platform's bootstrap call
 * over HTTP and its WebSocket, speaks its frames, and lets the test push
 * messages and misbehave the way the real gateways do:
 *
 *   DINGTALK  POST /v1.0/gateway/connections/open (clientId/clientSecret
 *             checked) → {"endpoint":"ws://127.0.0.1:P/connect",
 *             "ticket":<fresh UUID>}; GET /connect?ticket=T (single use,
 *             90 s; another ticket gets HTTP 403); JSON text frames;
 *             CALLBACK pushes on topic /v1.0/im/bot/messages/get, ACKs by
 *             headers.messageId; SYSTEM ping now and then (answered);
 *             SYSTEM disconnect on request, then closes after a delay.
 *   FEISHU    POST /callback/ws/endpoint ({"AppID","AppSecret"}) →
 *             {"code":0,"data":{"URL":"ws://127.0.0.1:P/ws/v2?device_id=
 *             D&service_id=S&ticket=T","ClientConfig":{…}}}; binary
 *             pbbp2.Frame (encoded here with protobuf-c directly); answers
 *             the client's ping with a pong (optionally carrying a
 *             ClientConfig); pushes im.message.receive_v1 events, split
 *             into parts on request; takes the response frame {"code":200}
 *             as the ACK.
 *   WECOM     GET / (the fixed URL): the first frame must be
 *             aibot_subscribe with the right bot_id/secret, answered
 *             errcode 0 (else 93019 and close); ping answered; pushes
 *             aibot_msg_callback; records aibot_respond_msg/aibot_send_msg
 *             frames and answers them errcode 0 (or a scripted code); a
 *             newer subscribe for the same bot sends disconnected_event to
 *             the older connection and closes it.
 *
 * The bootstraps: DingTalk answers a wrong clientId/clientSecret with HTTP
 * 401 and a body without CALLBACK /v1.0/im/bot/messages/get in its
 * subscriptions with 400; Feishu answers a wrong AppID/AppSecret with HTTP
 * 200 and code 10014 (the OpenAPI's "app secret invalid"; the gateway's
 * own code is not documented). A refused handshake (unknown, used or
 * expired ticket; another path) is HTTP 403. WeCom closes a connection
 * that has not subscribed within 10 s.
 *
 * Redelivery, as the platforms do it: a pushed message that is not ACKed
 * (DingTalk, Feishu) within the redelivery delay, or whose connection
 * closed before its ACK, is pushed again on the newest live connection.
 * WeCom does not redeliver.
 *
 * Every function is safe from any thread. Waits sleep on a condition
 * variable that every change signals, up to a deadline, and return -1 on
 * timeout.
 */
#ifndef FANGFEI_FAKEWS_H
#define FANGFEI_FAKEWS_H

#include <stddef.h>

enum fakews_kind {
	FAKEWS_DINGTALK,
	FAKEWS_FEISHU,
	FAKEWS_WECOM,
};

struct fakews;

/* Starts the gateway on a free loopback port, accepting the credential
 * id/secret (DingTalk clientId/clientSecret, Feishu AppID/AppSecret, WeCom
 * bot_id/secret). NULL on failure. */
struct fakews	*fakews_start(enum fakews_kind, const char *id,
		    const char *secret);
/* Closes every connection and stops. */
void		 fakews_stop(struct fakews *);
/* "http://127.0.0.1:PORT": the api_base of DingTalk and Feishu. */
const char	*fakews_base(const struct fakews *);
/* "ws://127.0.0.1:PORT/": the ws_url of the WeCom AI bot. */
const char	*fakews_ws_url(const struct fakews *);

/* Connections open now (past the handshake; for WeCom, subscribed). */
int		 fakews_live(struct fakews *);
/* The most connections that were ever open at the same time. */
int		 fakews_max_live(struct fakews *);
/* Handshakes accepted, and bootstrap calls answered, since the start. */
int		 fakews_connects(struct fakews *);
int		 fakews_bootstraps(struct fakews *);
/* Waits until exactly n connections are live; 0 or -1. */
int		 fakews_wait_live(struct fakews *, int n, int timeout_ms);
/* Waits until more than n handshakes were accepted; 0 or -1. */
int		 fakews_wait_connects(struct fakews *, int n, int timeout_ms);

/*
 * Pushes a text message on the newest live connection (queued until one
 * is live): message id msgid (DingTalk msgId, Feishu message_id and a
 * fresh event_id, WeCom msgid), from sender, in chat (group when group is
 * set: DingTalk conversationType 2, Feishu chat_type group, WeCom chatid).
 * For DingTalk the sessionWebhook is session_webhook (NULL: none).
 * Feishu splits the event into parts frames when parts > 1 (sent out of
 * order); others ignore parts.
 */
void		 fakews_push(struct fakews *, const char *msgid,
		    const char *chat, const char *sender, int group,
		    const char *text, const char *session_webhook, int parts);
/* Times a message was pushed (first push and redeliveries). */
int		 fakews_pushes(struct fakews *, const char *msgid);
/* ACKs received for msgid (DingTalk, Feishu), counting repeats. */
int		 fakews_acks(struct fakews *, const char *msgid);
/* Waits until msgid has at least n ACKs; 0 or -1. */
int		 fakews_wait_acks(struct fakews *, const char *msgid, int n,
		    int timeout_ms);

/* DingTalk: sends SYSTEM disconnect on the newest connection, stops
 * pushing to it at once, and closes it close_ms later. Feishu and WeCom,
 * which send no such warning: the same without the frame, a plain close
 * by the server. */
void		 fakews_disconnect(struct fakews *, int close_ms);
/* Silence (on = 1; 0 lifts it) on the connections open now: nothing more
 * is pushed to them and application heartbeats go unanswered (Feishu
 * pong, WeCom ping answer, DingTalk SYSTEM ping not sent), but WebSocket
 * PINGs are still answered with PONGs and the TCP connection stays up.
 * New connections are not silent. */
void		 fakews_silence(struct fakews *, int on);
/* ACKs are read but not counted as received (on = 1): as if lost; the
 * messages stay unACKed and are redelivered. */
void		 fakews_drop_acks(struct fakews *, int on);
/* Delay before an unACKed message is pushed again (default 3000 ms). */
void		 fakews_redeliver_ms(struct fakews *, int ms);
/* Feishu: the ClientConfig of the next bootstrap answers and pongs
 * (PingInterval etc. in seconds; 0 leaves a field out). */
void		 fakews_client_config(struct fakews *, int ping_interval,
		    int reconnect_interval, int reconnect_nonce);
/* Application heartbeats received: DingTalk, echoes of its SYSTEM pings
 * (libwebsockets 4.1 answers a client's WebSocket PING inside the library
 * and tells the server nothing, so those cannot be counted); Feishu, ping
 * frames; WeCom, ping commands. */
int		 fakews_pings(struct fakews *);
/* DingTalk: SYSTEM pings still unechoed when the next one was due. */
int		 fakews_ping_misses(struct fakews *);
/* DingTalk: the period of SYSTEM pings on connections that are neither
 * silent nor draining (default 5000 ms; 0: none). */
void		 fakews_ping_ms(struct fakews *, int ms);
/* DingTalk, Feishu: how long a ticket may wait for its handshake (default
 * 90000 ms; 0 refuses every ticket, as if it had expired). */
void		 fakews_ticket_ms(struct fakews *, int ms);
/* Frames or calls that broke the protocol (not an ACK, an ACK of an id
 * never pushed or pushed on another connection, a Feishu frame for
 * another service, WeCom frames before the subscribe, DingTalk's
 * bootstrap without Accept: application/json …): their number, and the
 * text of the first copied into first. */
int		 fakews_violations(struct fakews *, char *first, size_t size);

/* WeCom: reply frames received with cmd (aibot_respond_msg,
 * aibot_send_msg); the i-th one's (from 0) whole JSON text, copied into
 * out (cut at size); 0, or -1 when there are not that many. */
int		 fakews_replies(struct fakews *, const char *cmd);
int		 fakews_reply_text(struct fakews *, const char *cmd, int i,
		    char *out, size_t size);
/* WeCom: the next n reply frames are answered with errcode (then 0). */
void		 fakews_reply_errcode(struct fakews *, int n, long errcode);

#endif

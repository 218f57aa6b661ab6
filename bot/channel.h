/*
 * Channel adapters. Each platform is one bot/channel_<type>.c exporting one
 * const struct channel_backend; bot/channel.c holds the table. A channel
 * instance ([channel.NAME] in the config) pairs a backend with its secrets
 * and receives webhooks at POST /hook/NAME.
 */
#ifndef FANGFEI_CHANNEL_H
#define FANGFEI_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "messages/message.h"

/*
 * What verify() read of a body that parse() would read again: an XML
 * channel's envelope. verify() leaves it with http_keep_put(), parse()
 * takes it with http_keep_take() (or reads the body itself when nothing
 * was left), and the server frees what is left once parse() is done.
 */
struct http_keep {
	void	*data;
	void	(*free)(void *);	/* also what the data is */
};

/* A webhook request as adapters see it: raw body, headers by name. */
struct http_request {
	const char	*method;
	const char	*path;
	const char	*body;		/* raw bytes, NUL-terminated copy */
	size_t		 body_len;
	time_t		 now;
	/* Returns the value of header name (case-insensitive), or NULL. */
	const char	*(*header)(const struct http_request *, const char *);
	/* Returns the value of query argument name, or NULL (may be NULL). */
	const char	*(*arg)(const struct http_request *, const char *);
	/* The same with the decoded value's length: it may hold NUL bytes
	 * (UTF-16 text in a query). May be NULL. */
	const char	*(*arg_n)(const struct http_request *, const char *,
			    size_t *);
	/* Returns the value of cookie name, or NULL (may be NULL). */
	const char	*(*cookie)(const struct http_request *, const char *);
	void		*impl;		/* the server's connection */
	const char	*client_ip;	/* peer address, for hashing only */
	/* The body came over the instance's own long connection (bot/
	 * stream.c), which the platform authenticated: there is no signature,
	 * token or encryption to check, and verify() is not called. */
	int		 trusted;
	struct http_keep *keep;		/* see struct http_keep; may be NULL */
};

/* What goes back to the platform in the webhook's HTTP response. */
struct http_response {
	int		 status;
	const char	*content_type;
	char		*body;		/* owned; NULL for an empty body */
	size_t		 len;
	char		*cookie;	/* owned Set-Cookie value, or NULL */
	const char	*cache;		/* Cache-Control value, or NULL */
	/* One more header of the backend's own (Kannel's X-Kannel-Coding),
	 * or NULL. */
	const char	*header_name;
	const char	*header_value;
	/* The console's pages (bot/console.c): a Content-Security-Policy
	 * (sent with no-referrer and no framing), an ETag, a Location. */
	const char	*csp;
	const char	*etag;
	const char	*location;
};

struct channel;
struct apitoken;

/*
 * A configuration key a backend takes in its [channel.NAME] section, beside
 * the keys every channel has (type, locale, area). The backend's table of
 * these is the only place a platform's keys are named: the config parser
 * stores what it reads, channel_setup() checks it against the table, and
 * `fangfei channel types` prints the table.
 */
#define CHANNEL_KEY_REQUIRED	0x1	/* refused at start when missing */
#define CHANNEL_KEY_SECRET	0x2	/* never printed or logged */
#define CHANNEL_KEY_PUBLIC	0x4	/* required unless the server
					   listens on loopback only (then a
					   warning at start) */
struct channel_key {
	const char	*name;
	int		 flags;
	const char	*help;		/* one line: 中文 / English */
};

#define CHANNEL_SETTINGS_MAX	16

/* The timing keys of the backends with a long connection (bot/stream.c
 * reads them); the platform's own values apply when they are unset. */
#define CHANNEL_STREAM_KEYS						\
	{ "ping_seconds", 0,						\
	    "长连接心跳间隔（秒）/ heartbeat period of the long "		\
	    "connection, seconds (default: the platform's)" },		\
	{ "dead_seconds", 0,						\
	    "多久收不到帧即重连（秒）/ seconds without a frame (or "	\
	    "without the answer to a ping) before reconnecting" }

/* One key = value of a channel's section, as read. */
struct channel_setting {
	char	*key;
	char	*value;
};

/* One outbox row as the delivery thread hands it to an adapter. */
struct outbound {
	int64_t		 id;		/* outbox row */
	const char	*idem_key;	/* unique per row; sent where the
					   platform takes one */
	const char	*chat_id;	/* platform chat (telegram, generic) */
	const char	*webhook;	/* robot webhook URL (robots) */
	const char	*secret;	/* robot signing secret, or NULL */
	const char	*text;
	/* What the inbound message that this row answers said about how to
	 * answer it (in->reply_meta: a JSON object of the backend's own, such
	 * as DingTalk's sessionWebhook and its expiry, Feishu's message_id),
	 * or NULL for broadcasts and staff notices. */
	const char	*meta;
	int64_t		 now_ms;	/* clock for signatures */
	/* The signed token the platform's delivery report must carry back
	 * (storage/outbox.h), for backends with a report hook; NULL when
	 * none is wanted. */
	const char	*report_token;
};

/* A delivery report, as a backend reads it (report()). */
struct delivery_report {
	const char	*token;		/* the signed token, as it came */
	const char	*state;		/* "delivered", "failed", or NULL for
					   a report of no consequence (queued,
					   sent to the operator) */
	char		 error[128];	/* the platform's code, for failed */
	char		 ref[64];	/* the platform's message id, or "" */
};

#define HTTP_CALL_HEADERS	4

/* The HTTP request an adapter builds for one outbound message. */
struct http_call {
	const char	*method;	/* NULL: POST (GET takes no body) */
	char		*url;		/* owned */
	char		*body;		/* owned */
	size_t		 len;
	const char	*content_type;
	char		*headers[HTTP_CALL_HEADERS];	/* owned "Name: value" */
};
void	http_call_clear(struct http_call *);

/* send_prepare's answer when the instance has no valid access token yet:
 * the delivery thread fetches one (token_prepare/token_result) and sends
 * the row again once it is there. */
#define CHANNEL_NEED_TOKEN	1

enum send_status {
	SEND_OK = 0,		/* delivered: never send this row again */
	SEND_RETRY,		/* temporary: try again later */
	SEND_FAILED,		/* permanent: dead letter with the error */
};

#define CHANNEL_DEDUPE_CHAT	0x1
#define CHANNEL_DEDUPE_SENDER	0x2

struct channel_backend {
	const char	*type;		/* "generic", "telegram", … */
	/*
	 * Checks the request's authenticity over the raw body before anything
	 * parses it (signatures, shared-secret headers, timestamp windows),
	 * comparing in constant time. Returns 0, or the HTTP status to answer
	 * (401) with *why set to a short static reason for the log.
	 */
	int		(*verify)(const struct channel *,
			    const struct http_request *, const char **why);
	/*
	 * Turns the verified body into *in (which the caller zeroed and later
	 * clears). Sets in->ignore for updates that are valid but not for us.
	 * Returns 0, or the HTTP status to answer (400, 413) with *why set.
	 */
	int		(*parse)(const struct channel *,
			    const struct http_request *, struct inbound *,
			    const char **why);
	/*
	 * Renders the reply (possibly empty) into the webhook's response for
	 * in. Always succeeds; the status is 200 unless it says otherwise.
	 */
	void		(*reply)(const struct channel *, const struct inbound *,
			    const struct reply *, struct http_response *);
	/*
	 * Outbound (NULL for inbound-only backends). send_prepare builds the
	 * request for one message (signatures computed fresh from m->now_ms);
	 * returns 0, CHANNEL_NEED_TOKEN when the instance's access token is
	 * missing or about to expire (apitoken_get() failed), or -1 with *why
	 * set when the message cannot be sent at all (no webhook configured):
	 * the row goes dead.
	 */
	int		(*send_prepare)(const struct channel *,
			    const struct outbound *, struct http_call *,
			    const char **why);
	/*
	 * Classifies the platform's answer: status is the HTTP status (0 when
	 * the request failed below HTTP: timeout, refused). Sets *retry_after
	 * (seconds, 0 when the platform named none) for SEND_RETRY, and err to
	 * a short text for the office (the platform's code and message).
	 */
	enum send_status (*send_result)(const struct channel *, long status,
			    const char *body, size_t len, int *retry_after,
			    char *err, size_t errsz);
	/*
	 * What the platform guarantees unique besides the message id, for
	 * the dedupe record: CHANNEL_DEDUPE_CHAT (ids are unique within a
	 * chat), CHANNEL_DEDUPE_SENDER (and per sender). 0: the id alone.
	 */
	int		 dedupe;
	/*
	 * How the platform measures max_text (NULL: characters): the byte
	 * length of the longest prefix of s holding at most max of its units,
	 * never splitting a character. A longer answer is sent in parts
	 * (channel_part()). A unit is never less than a byte: a text of at
	 * most max bytes always fits, unmeasured.
	 */
	size_t		(*fit)(const char *s, size_t max);
	/*
	 * Access tokens (NULL for platforms without them). token returns
	 * the instance's cache (bot/apitoken.h; channel_token(), the one
	 * struct channel owns); token_prepare builds the
	 * request that fetches one (0, or -1 with *why); token_result reads
	 * the platform's answer into out (size bytes) and *expires_in
	 * (seconds), returning 0, or -1 with err set. send_result calls
	 * apitoken_invalidate() on the platform's "token expired" codes and
	 * answers SEND_RETRY with *retry_after 0. Called on the delivery
	 * thread only.
	 */
	struct apitoken	*(*token)(const struct channel *);
	int		(*token_prepare)(const struct channel *,
			    struct http_call *, const char **why);
	int		(*token_result)(const struct channel *, long status,
			    const char *body, size_t len, char *out,
			    size_t size, int *expires_in, char *err,
			    size_t errsz);
	/*
	 * GET /hook/NAME, for platforms that verify the callback URL (WeCom,
	 * WeChat: check the signature of the query, answer the echo). Fills
	 * resp (an owned body) with 200, or sets resp->status to 401/400 and
	 * *why. NULL: GET is answered 405.
	 */
	void		(*get)(const struct channel *, const struct http_request *,
			    struct http_response *, const char **why);
	/*
	 * How long the platform waits for the webhook's answer, in ms (0: no
	 * limit that matters). When dispatching took longer than this less a
	 * margin, the answer is queued through the outbox instead (as with
	 * reply_outbox) and reply() is called with an empty reply, so that it
	 * only acknowledges.
	 */
	int		 reply_deadline_ms;
	/*
	 * Replies go through the outbox, not the webhook's response (the
	 * platform takes no answer there, or only within a deadline the work
	 * may miss): the dispatcher queues each reply text as an outbox row
	 * for (channel, in->chat_id) with in->reply_meta, exactly once per
	 * inbound message, and reply() renders only the acknowledgement.
	 */
	int		 reply_outbox;
	/*
	 * GET /hook/NAME carries a message as its query (Kannel's get-url):
	 * it goes through verify, parse, dispatch and reply like a POST.
	 */
	int		 get_messages;
	/*
	 * Whether this instance receives over a long connection it opens
	 * itself (bot/stream.c: DingTalk Stream, Feishu's, the WeCom AI bot's)
	 * instead of webhooks; then POST /hook/NAME is answered 404. NULL:
	 * never.
	 */
	int		(*streams)(const struct channel *);
	/*
	 * Whether this instance's outbound messages go over that connection
	 * (the WeCom AI bot's respond frame) instead of HTTP: the delivery
	 * thread then hands each claimed row to stream_submit() and never
	 * calls send_prepare. NULL: never.
	 */
	int		(*over_socket)(const struct channel *);
	/*
	 * SMS: the instance's sender ids are phone numbers in E.164 form.
	 * Broadcasts reach SMS lists through it, residents can opt out
	 * (退订), and an unknown text gets the help at most once a window
	 * (two auto-responders must not keep answering each other).
	 */
	int		 sms;
	/*
	 * Tells a delivery report (Kannel's dlr-url, Twilio's status
	 * callback) from a message, after verify(): returns 1 with *rep
	 * filled, 0 when the request is a message, or an HTTP status (400)
	 * with *why. The caller checks rep->token and answers 200 (or 403
	 * for a token not signed by us). NULL: the platform sends none.
	 */
	int		(*report)(const struct channel *,
			    const struct http_request *,
			    struct delivery_report *, const char **why);
	/*
	 * The chat simulator (/try, bot/try.h): every message of this
	 * backend is practice. The sender's role is the inbound's
	 * persona_role, never a staff member's; tips are marked practice and
	 * kept out of every figure; nothing reaches a real group, phone or
	 * staff member (commands that would are answered with a preview or
	 * refused: HANDLER_PRACTICE).
	 */
	int		 practice;
	/* The keys this backend takes ({ NULL } ended; NULL: none). */
	const struct channel_key *keys;
	const char	*help;		/* one line on the type: 中文 / English */
	/*
	 * Builds the instance's own state (ch->state) from its settings
	 * (channel_get()), once at start, after channel_setup() checked them
	 * against keys. Returns 0, or -1 with *cause (caller frees) naming
	 * the channel and key. NULL: the backend keeps no state.
	 */
	int		(*setup)(struct channel *, char **cause);
	/* Frees ch->state; NULL when setup is. */
	void		(*cleanup)(struct channel *);
	/* Whether this instance can send outbound messages (a bot token, an
	 * outbound URL is configured). NULL: never. */
	int		(*sends)(const struct channel *);
	/* Per-platform data. */
	size_t		 max_text;	/* characters one message may hold */
	int		 per_chat_minute;	/* sends per chat (robot) per
						   minute; 0: no limit */
	int		 per_chat_second;
	int		 global_second;		/* sends per second overall */
};

/* A channel instance: [channel.NAME] of the config. */
struct channel {
	char				*name;
	const struct channel_backend	*backend;
	enum locale			 locale;
	char				*area;		/* default area path */
	int64_t				 area_id;	/* resolved at start */
	struct channel_setting		 settings[CHANNEL_SETTINGS_MAX];
	size_t				 nsettings;
	void				*state;		/* the backend's */
	/* Sends per second this instance may make (a gateway's configured
	 * throughput), set by the backend's setup; 0: the backend's
	 * global_second. */
	int				 per_second;
	/* The access token cache of a backend that fetches tokens
	 * (token_prepare): made by channel_setup(), freed by
	 * channel_clear(); NULL otherwise. */
	struct apitoken			*token;
};

/* Joins a reply's texts with blank lines into one new string (caller
 * frees), the way a one-message platform shows them. */
char				*channel_reply_text(const struct reply *);
/*
 * The byte length of the next part of s to send on ch: all of s when it
 * fits the backend's max_text (or the backend has no fit), else the
 * longest prefix that fits, cut after a line break when one lies in its
 * second half. Never 0 for a non-empty s.
 */
size_t				 channel_part(const struct channel *,
				    const char *s);

/* Finds an inbound channel backend by type name. */
const struct channel_backend	*channel_backend_lookup(const char *type);
/* Finds an outbound group robot backend (dingtalk, wecom, feishu). */
const struct channel_backend	*robot_backend_lookup(const char *type);
/* Lists the known types, space-separated, for error messages. */
const char			*channel_types(void);
/* The backend tables, NULL-ended, for `fangfei channel types`. */
extern const struct channel_backend *const channel_backends[];
extern const struct channel_backend *const robot_backends[];

/*
 * Records key = value for the instance (replacing an earlier value; a
 * NULL value removes the key).
 * When the backend is known, a key it does not take is refused at once;
 * otherwise channel_setup() refuses it. Returns 0, or -1 with *cause.
 */
int		 channel_set(struct channel *, const char *key,
		    const char *value, char **cause);
/* The value of key, or NULL when the section does not set it. */
const char	*channel_get(const struct channel *, const char *key);
/* The declaration of key in the backend's table, or NULL. */
const struct channel_key *channel_key_find(const struct channel_backend *,
		    const char *key);
/*
 * Checks the instance's settings against its backend's keys (unknown
 * keys, required keys; CHANNEL_KEY_PUBLIC keys are required unless
 * loopback says the server listens on loopback only, and *warning then
 * names what is missing) and runs the backend's setup(). Returns 0, or -1
 * with *cause (caller frees).
 */
int		 channel_setup(struct channel *, int loopback, char **warning,
		    char **cause);
/* SMS instances (kannel, twilio): max_parts, the parts one text may take,
 * CHANNEL_SMS_PARTS when unset. */
#define CHANNEL_SMS_PARTS	3
#define CHANNEL_SMS_PARTS_MAX	10
int		 channel_sms_parts(const struct channel *);
/*
 * The value of the integer key (def when unset) in min…max; -1 with *cause
 * naming the channel and key for anything else.
 */
int		 channel_int(const struct channel *, const char *key, int def,
		    int min, int max, char **cause);
/*
 * Reads the instance's mode key: 0 when it is unset or webhook, 1 when it
 * is stream_name (the backend's long connection: "stream", "websocket");
 * -1 with *cause for any other value.
 */
int		 channel_mode(const struct channel *, const char *stream_name,
		    char **cause);
/* The instance's access token cache: the .token of every backend that
 * fetches tokens. */
struct apitoken	*channel_token(const struct channel *);
/*
 * Leaves data, freed by fr, for parse() (see struct http_keep); frees it
 * at once when the request has no room for it.
 */
void		 http_keep_put(const struct http_request *, void *data,
		    void (*fr)(void *));
/* Takes what verify() left, if it is of fr's kind: the caller frees it
 * with fr. NULL when nothing was left. */
void		*http_keep_take(const struct http_request *, void (*fr)(void *));
/* Frees what is left in k. */
void		 http_keep_clear(struct http_keep *k);
/* Frees the instance's state and settings (not the struct). */
void		 channel_clear(struct channel *);
/*
 * The msg_signature, timestamp and nonce of a WeCom-signed query (the
 * self-built app, the AI bot): present, well formed, the timestamp (at
 * most 12 digits) within window seconds of req->now. Returns 0, or 401
 * with *why set; the signature itself is the caller's to check.
 */
int				 channel_wx_query(const struct http_request *,
				    long window, const char **sig,
				    const char **ts, const char **nonce,
				    const char **why);
/*
 * Answers a WeCom URL check (GET with msg_signature, timestamp, nonce and
 * echostr; the self-built app, the AI bot in callback mode): fills resp
 * with 200 and the decrypted echostr, or sets resp->status (401, 400) and
 * *why.
 */
struct wxcrypt_key;
void				 channel_wx_echo(const struct http_request *,
				    long window, const char *token,
				    const struct wxcrypt_key *,
				    const char *receive_id,
				    struct http_response *, const char **why);
/* Answers {"replies": [{"text": …}, …]} with the reply's texts (the
 * generic webhook's and the chat simulator's answer). */
void				 channel_json_replies(const struct reply *,
				    struct http_response *);
/* Parses a JSON body into a jansson object; 0 or 400 with *why set
 * (malformed JSON, invalid UTF-8, not an object). */
struct json_t;
int				 channel_json_body(const struct http_request *,
				    struct json_t **, const char **why);
/* An id member's value into out (size bytes): a string copied whole, an
 * integer in decimal; 0, or -2 when it does not fit (or a string holds a
 * NUL). Shared by the jansson readers and Telegram's event reader. */
int				 channel_id_str(const char *, size_t, char *,
				    size_t);
int				 channel_id_int(int64_t, char *, size_t);
/* Copies a JSON string or integer member into a fixed field; 0, -1 if
 * missing or of another type, -2 if too long. */
int				 channel_json_id(struct json_t *, const char *,
				    char *, size_t);

/*
 * How a group robot (DingTalk, WeCom, Feishu) answers: a JSON object with
 * a numeric code and a message behind the HTTP status.
 */
struct robot_answer {
	const char	*platform;		/* "dingtalk" */
	const char	*code_key;		/* "errcode" */
	const char	*msg_key;		/* "errmsg" */
	const char	*old_code_key;		/* an older form, or NULL */
	const char	*old_msg_key;
	/* What a code in a 2xx answer means; sets *retry_after (seconds,
	 * 0: the platform names no delay). */
	enum send_status (*classify)(json_int_t code, int *retry_after);
	/* The platform's answer to a send that went, byte for byte as it
	 * documents it, with code 0 and message ok_msg; or NULL. */
	const char	*ok_body;
	const char	*ok_msg;
};
/*
 * The send_result of a robot: no answer, 429 and 5xx retry; another
 * non-2xx fails (with the platform's code when it gave one); a 2xx without
 * a code retries (most likely a proxy's page); otherwise ra->classify()
 * decides. err gets "<platform> <code_key> <code>: <message>", the message
 * cut on a character boundary, or "<platform>: http <status>". A 2xx with
 * ra->ok_body exactly is read as the parser reads it, without the parser.
 */
enum send_status channel_robot_result(const struct robot_answer *,
				    long status, const char *body, size_t len,
				    int *retry_after, char *err, size_t errsz);

#endif

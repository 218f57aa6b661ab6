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
	/* Returns the value of cookie name, or NULL (may be NULL). */
	const char	*(*cookie)(const struct http_request *, const char *);
	void		*impl;		/* the server's connection */
	const char	*client_ip;	/* peer address, for hashing only */
};

/* What goes back to the platform in the webhook's HTTP response. */
struct http_response {
	int		 status;
	const char	*content_type;
	char		*body;		/* owned; NULL for an empty body */
	size_t		 len;
	char		*cookie;	/* owned Set-Cookie value, or NULL */
	const char	*cache;		/* Cache-Control value, or NULL */
};

struct channel;

/* One outbox row as the delivery thread hands it to an adapter. */
struct outbound {
	int64_t		 id;		/* outbox row */
	const char	*idem_key;	/* unique per row; sent where the
					   platform takes one */
	const char	*chat_id;	/* platform chat (telegram, generic) */
	const char	*webhook;	/* robot webhook URL (robots) */
	const char	*secret;	/* robot signing secret, or NULL */
	const char	*text;
	int64_t		 now_ms;	/* clock for signatures */
};

#define HTTP_CALL_HEADERS	4

/* The HTTP request an adapter builds for one outbound message. */
struct http_call {
	char		*url;		/* owned */
	char		*body;		/* owned */
	size_t		 len;
	const char	*content_type;
	char		*headers[HTTP_CALL_HEADERS];	/* owned "Name: value" */
};
void	http_call_clear(struct http_call *);

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
	 * returns 0, or -1 with *why set when the message cannot be sent at
	 * all (no webhook configured): the row goes dead.
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
	 * (channel_part()).
	 */
	size_t		(*fit)(const char *s, size_t max);
	/* Per-platform data. */
	size_t		 max_text;	/* characters one message may hold */
	int		 per_chat_minute;	/* sends per chat (robot) per
						   minute; 0: no limit */
	int		 per_chat_second;
	int		 global_second;		/* sends per second overall */
};

struct channel {
	char				*name;
	const struct channel_backend	*backend;
	enum locale			 locale;
	char				*area;		/* default area path */
	int64_t				 area_id;	/* resolved at start */
	char				*secret;	/* generic: HMAC key */
	char				*secret_token;	/* telegram */
	char				*bot_username;	/* telegram */
	char				*token;		/* telegram bot token */
	char				*api_base;	/* telegram API base URL */
	char				*outbound_url;	/* generic: where to POST */
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

/* Finds a backend by type name. */
const struct channel_backend	*channel_backend_lookup(const char *type);
/* Lists the known types, space-separated, for error messages. */
const char			*channel_types(void);
/* Parses a JSON body into a jansson object; 0 or 400 with *why set
 * (malformed JSON, invalid UTF-8, not an object). */
struct json_t;
int				 channel_json_body(const struct http_request *,
				    struct json_t **, const char **why);
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
};
/*
 * The send_result of a robot: no answer, 429 and 5xx retry; another
 * non-2xx fails (with the platform's code when it gave one); a 2xx without
 * a code retries (most likely a proxy's page); otherwise ra->classify()
 * decides. err gets "<platform> <code_key> <code>: <message>", the message
 * cut on a character boundary, or "<platform>: http <status>".
 */
enum send_status channel_robot_result(const struct robot_answer *,
				    long status, const char *body, size_t len,
				    int *retry_after, char *err, size_t errsz);

#endif

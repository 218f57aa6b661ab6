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
	void		*impl;		/* the server's connection */
};

/* What goes back to the platform in the webhook's HTTP response. */
struct http_response {
	int		 status;
	const char	*content_type;
	char		*body;		/* owned; NULL for an empty body */
	size_t		 len;
};

struct channel;

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
	/* Per-platform data. */
	size_t		 max_text;	/* characters one message may hold */
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
};

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

#endif

/*
 * The office's HTTP API under /api/v1: JSON in and out, bearer tokens
 * (fangfei token create), every object scoped to the token's area subtree,
 * list endpoints paginated with ?after=ID&limit=N, errors as
 * {"error": code, "message": text}.
 */
#ifndef FANGFEI_API_H
#define FANGFEI_API_H

#include <jansson.h>

#include "channel.h"
#include "storage/store.h"

struct handler_env;
struct console_env;

struct api_env {
	time_t	 now;
	int	 wrote_outbox;		/* set when a broadcast was queued */
	/* [delivery] settings for robot webhooks (bot/target.h). */
	int	 allow_http;
	int	 allow_private_targets;
	/* Signed print links: their lifetime and the public address. */
	int		 print_link_hours;
	const char	*public_base_url;
	/* The SMS channel broadcasts reach numbers through (NULL: none) and
	 * the parts one number may get. */
	const char	*sms_channel;
	int		 sms_max_parts;
	/* The handlers' settings (deadlines, local time) that the ledger's
	 * moves go by (bot/api_tips.c); NULL: moves are refused. */
	const struct handler_env *handlers;
	/* Console sessions (bot/console.h) as callers; NULL: tokens only. */
	const struct console_env *console;
};

struct token_info;

/* For the files of the API (api_*.c): a JSON answer with status (obj is
 * consumed), and an error answer {"error": code, "message": message}. */
void	 api_json(struct http_response *, int status, json_t *obj);
void	 api_error(struct http_response *, int status, const char *code,
	    const char *message);

/* Returns 1 if a caller of role (a token's, or a signed-in staff
 * member's) may call method path (below /api/v1): the one table of who may
 * call what. */
int	 api_allowed(const char *role, const char *method, const char *path);

/* Answers one API request (path below /api/v1). */
void	 api_handle(struct store *, struct api_env *,
	    const struct http_request *, const char *path,
	    struct http_response *);

/* For the files of the API too: reads ?limit= (1..100, default 50) and
 * ?after= (default 0). */
void	 api_page(const struct http_request *, long *limit, long long *after);
/* Resolves an area path within the token's subtree: 0, or -1 after
 * answering 400 (no single area) or 403 (outside the token's). */
int	 api_area(struct store *, const struct token_info *, const char *path,
	    int64_t *area, struct http_response *);

#endif

/*
 * The chat simulator at /try: a phone-shaped page where a visitor plays a
 * resident in a building group, a resident in a private chat or a grid
 * worker, and talks to fangfei through the same dispatcher as every
 * platform (the "web" channel, bot/channel_web.c). It is enabled by a
 * [channel.NAME] type = web; with open = loopback (the demo) anyone
 * connecting from this machine may use it, otherwise only staff signed in
 * to the console, whose session's CSRF token every POST must carry.
 *
 * Routes: GET /try (the page), GET /try/session (gives the visitor their
 * random id in an HttpOnly cookie and the token to send), POST /try/say.
 */
#ifndef FANGFEI_TRY_H
#define FANGFEI_TRY_H

#include <stdint.h>

#include "channel.h"
#include "config.h"
#include "handlers/handlers.h"
#include "storage/store.h"

#define TRY_COOKIE	"ff_try"
#define TRY_VISITOR_LEN	32		/* hex digits of 16 random bytes */
#define TRY_SAY_PATH	"/try/say"
#define TRY_TEXT_MAX	2000		/* bytes of one message */
#define TRY_BODY_MAX	8192		/* bytes of a /try/say body */
#define TRY_PER_MINUTE	30		/* messages of one visitor */

struct try_env {
	const struct config		*cfg;
	const uint8_t			*key;	/* store key: signs tokens */
	const struct handler_env	*henv;
};

/* Returns 1 if path is the simulator's (/try, /try/…). */
int		 try_route(const char *path);
/* Answers the page, the session or a message. */
void		 try_handle(struct store *, const struct try_env *,
		    const struct http_request *, struct http_response *);
/* The visitor id in the request's cookie (TRY_VISITOR_LEN lower-case hex
 * digits), or NULL when there is none of that form. */
const char	*try_visitor(const struct http_request *);

#endif

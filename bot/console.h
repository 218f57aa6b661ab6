/*
 * The office's web console at /admin: one-time sign-in links
 * (/admin/login?t=SECRET, used by a POST so that a chat's link preview
 * cannot spend them), server-side sessions behind an HttpOnly,
 * SameSite=Strict cookie (Secure under https) that end when idle, sign-out,
 * and the embedded static files under /assets/. The pages are a client of
 * /api/v1: a session is one more way to call it (console_principal), with
 * exactly its staff member's role and area, and every change needs the
 * session's CSRF token in X-CSRF-Token. Sign-ins and sign-outs are audited.
 */
#ifndef FANGFEI_CONSOLE_H
#define FANGFEI_CONSOLE_H

#include <time.h>

#include "channel.h"
#include "config.h"
#include "storage/sessions.h"
#include "storage/staff.h"
#include "storage/store.h"

#define CONSOLE_COOKIE	"ff_session"
#define CONSOLE_CSRF_HEADER "X-CSRF-Token"
/* The pages' policy: nothing inline, nothing from elsewhere. */
#define CONSOLE_CSP	"default-src 'self'; script-src 'self'; " \
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
	"font-src 'self'; object-src 'none'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'"

struct console_env {
	const struct config	*cfg;
};

/* Returns 1 if path is the console's (/admin…, /assets/…). */
int	 console_route(const char *path);
/* Answers a console page, sign-in or sign-out, or a static file. body is
 * the request's raw body (forms: t=…, csrf=…). */
void	 console_handle(struct store *, const struct console_env *,
	    const struct http_request *, struct http_response *);

/*
 * The caller behind a session cookie, as an API caller: *tok gets the
 * staff member's role and area (id: the session's; staff_id; actor
 * staff:N) and *si the session (its CSRF token). 1 when signed in, 0
 * when not (no cookie, or one that is unknown, ended or idle), -1 when
 * the store failed.
 */
int	 console_principal(struct store *, const struct console_env *,
	    const struct http_request *, time_t now, struct token_info *,
	    struct session_info *);
/* Returns 1 if the request carries the session's CSRF token (header
 * X-CSRF-Token, compared in constant time). */
int	 console_csrf_ok(const struct http_request *,
	    const struct session_info *);
/* Where sign-in links point: [server] public_base_url without a final
 * slash, else http:// and the address served on. */
void	 console_base(const struct config *, char *out, size_t size);
/* A sign-in link for staff: base (the public URL, or "" for a path) then
 * /admin/login?t=SECRET, valid LOGIN_LINK_TTL seconds. The caller holds
 * a transaction and frees the text; NULL with *st set when it failed
 * (STORE_NOT_FOUND: no such active staff member). */
char	*console_login_link(struct store *, const char *base, int64_t staff,
	    time_t now, enum store_status *st);

#endif

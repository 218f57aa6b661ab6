/*
 * Public pages: the letter page behind each poster's QR code (/l/CODE,
 * with a company check and a tip form backed by the chat handlers), the
 * QR images (/qr/CODE.png, /qr/CODE.svg) and the office's print sheet
 * (/letters/ID/print, behind a signed, short-lived link); staff members'
 * calendar feeds (/ics/SECRET.ics) are answered by bot/ics.h. Visits of
 * /l/CODE are recorded as scans: client class, repeat visit (a
 * first-party cookie), bots apart, and no raw IP address (an HMAC under
 * a random salt that is deleted after its day). Page views, checks and
 * tips are limited per address; the tip form's nonce is issued and
 * signed by the server.
 */
#ifndef FANGFEI_WEB_H
#define FANGFEI_WEB_H

#include <stdint.h>
#include <time.h>

#include "channel.h"
#include "config.h"
#include "handlers/handlers.h"
#include "storage/store.h"

#define WEB_FORM_MAX	8192	/* bytes of a posted form field */
#define WEB_PRINT_HOURS_MAX 168	/* the longest a print link may live */

struct scanq;
struct webcache;

struct web_env {
	const struct config		*cfg;
	const uint8_t			*key;	/* store key: signs form nonces */
	const struct handler_env	*henv;
	/* The server's (bot/scanq.h, bot/webcache.h); NULL for a caller of
	 * one thread: each scan is written at once, each page rendered. */
	struct scanq			*scans;
	struct webcache			*pages;
};

/* Fields of a posted tip form (decoded by the server's post processor). */
struct web_form {
	char	*text;
	char	*nonce;
};

/* Returns 1 if path is one of the public pages. */
int	 web_route(const char *path);
/*
 * Answers a public page; resp->status says how: 200, 400 (a bad form or
 * a nonce the server did not issue), 401 (a print sheet without a signed
 * link), 403 (a bad or expired print link), 404, 405, 429 (over a flood
 * limit: a short page the first time in a window, then an empty body).
 * The visitor's address is the peer's, or behind a proxy on the same
 * host the last X-Forwarded-For entry.
 */
void	 web_handle(struct store *, const struct web_env *,
	    const struct http_request *, const struct web_form *,
	    struct http_response *);

/*
 * Returns a print link — base (the public URL, or "" for a path) then
 * /letters/ID/print?area=A&expires=T&sig=S — for the codes of letter
 * under area, valid for hours (1..WEB_PRINT_HOURS_MAX) from now; sets
 * *expires. The caller frees it. NULL when hours is out of range or the
 * store has no key.
 */
char	*web_print_link(struct store *, const char *base, int64_t letter,
	    int64_t area, time_t now, int hours, time_t *expires);

/* The class of a User-Agent; HEAD requests and known previewers and
 * crawlers are SCAN_BOT (enum scan_client in storage/letters.h). */
int	 web_client_class(const char *method, const char *user_agent);

#endif

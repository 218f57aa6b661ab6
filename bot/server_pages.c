/*
 * The server's pages: the letter pages, the console, the chat simulator,
 * /healthz and /metrics. Each fills a request of its own kind and hands it
 * to its module (bot/web.h, bot/console.h, bot/try.h).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "clock.h"
#include "console.h"
#include "log.h"
#include "metrics.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "server_int.h"
#include "stream.h"
#include "try.h"
#include "storage/locks.h"
#include "web.h"

/* Fills the request of a page (letters, the console, /try): the body as
 * read, the one clock (no platform signs pages), headers, query, cookies. */
static void
server_page_request(struct http_request *req, struct MHD_Connection *c,
    const char *method, const char *url, const struct request *r)
{
	memset(req, 0, sizeof *req);
	req->method = method;
	req->path = url;
	req->body = r->body.data ? r->body.data : "";
	req->body_len = r->body.len;
	req->now = clock_now();
	req->header = server_header;
	req->arg = server_arg;
	req->cookie = server_cookie;
	req->impl = c;
}

/*
 * Answers a page of kind: the letter pages (bot/web.h), the console
 * (bot/console.h) or the chat simulator (bot/try.h). The log shows the
 * path without its query (a print link's signature, a sign-in link's
 * secret) and never a calendar feed's path (its secret).
 */
enum MHD_Result
server_page(struct server *srv, struct MHD_Connection *c,
    enum server_page_kind kind, const char *method, const char *url,
    struct request *r)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct web_form		 form = { r->text.data, r->nonce.data };
	const struct server_conf *sc = r->conf;
	struct web_env		 wenv = { sc->cfg, srv->key, &sc->env,
				    srv->scans, srv->pages };
	struct console_env	 cenv = { sc->cfg };
	struct try_env		 tenv = { sc->cfg, srv->key, &sc->env };
	struct store		*s;
	const char		*shown;
	char			 ip[64];

	if (r->too_big)
		return server_error(srv, c, 413, url, "body too large");
	if ((s = server_store(srv)) == NULL)
		return server_error(srv, c, 503, url, "database unavailable");
	server_client_ip(c, ip, sizeof ip);
	memset(&resp, 0, sizeof resp);
	server_page_request(&req, c, method, url, r);
	req.client_ip = ip;
	switch (kind) {
	case SERVER_PAGE_WEB:
		web_handle(s, &wenv, &req, &form, &resp);
		break;
	case SERVER_PAGE_CONSOLE:
		console_handle(s, &cenv, &req, &resp);
		break;
	case SERVER_PAGE_TRY:
		try_handle(s, &tenv, &req, &resp);
		break;
	}
	if (resp.status >= 400) {
		shown = server_log_url(url);
		log_warn("%d %s %.*s", resp.status, method,
		    (int)strcspn(shown, "?"), shown);
	}
	return server_send(c, &resp);
}

/*
 * ok, or 503 when the database does not answer on this thread's
 * connection (made again first if it was found broken) or a long
 * connection is down (which, and why).
 */
enum MHD_Result
server_health(struct server *srv, struct MHD_Connection *c, int full)
{
	struct buf	 lines;
	struct store	*s;
	char		*body;
	int		 down = 0;
	size_t		 len;

	buf_init(&lines, 16384);
	if ((s = server_store(srv)) == NULL) {
		(void)buf_addf(&lines, "database: cannot connect (see the "
		    "log)\n");
		down++;
	} else if (store_ping(s) != STORE_OK) {
		(void)buf_addf(&lines, "database: not reachable: %s\n",
		    store_errmsg(s));
		down++;
	}
	pthread_mutex_lock(&srv->streams_mu);
	down += stream_health(srv->streams, &lines);
	pthread_mutex_unlock(&srv->streams_mu);
	/* Without the monitoring token only the verdict: the lines name
	 * channels and carry the database's error text. */
	body = xasprintf("%s\n%s", down > 0 ? "down" : "ok",
	    full && lines.data != NULL ? lines.data : "");
	buf_free(&lines);
	len = strlen(body);
	return server_respond(c, down > 0 ? 503 : 200, "text/plain", body,
	    len);
}

/* Whether the caller may read /metrics and the whole of /healthz: always
 * without [server] metrics_token, else with "Authorization: Bearer" and
 * the token (compared in constant time). */
int
server_monitor_ok(const struct server *srv, struct MHD_Connection *c)
{
	const char	*want = srv->cfg->metrics_token, *h;
	size_t		 len;

	if (want == NULL)
		return 1;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	len = strlen(want);
	return strlen(h) == len && CRYPTO_memcmp(h, want, len) == 0;
}

/* /metrics: the families of bot/metrics.c, then the long connections'. */
enum MHD_Result
server_metrics(struct server *srv, struct MHD_Connection *c)
{
	struct metrics_scrape		 sc;
	const union MHD_DaemonInfo	*info;
	struct buf			 b;
	char				*body;

	memset(&sc, 0, sizeof sc);
	sc.cfg = srv->cfg;
	sc.store = server_store(srv);
	sc.now = clock_now();
	info = MHD_get_daemon_info(srv->mhd,
	    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	sc.connections = info != NULL ? info->num_connections : 0;
	buf_init(&b, 1024 * 1024);
	metrics_render(&b, &sc);
	pthread_mutex_lock(&srv->streams_mu);
	stream_metrics(srv->streams, &b);
	pthread_mutex_unlock(&srv->streams_mu);
	body = buf_steal(&b);
	return server_respond(c, 200, "text/plain; version=0.0.4; "
	    "charset=utf-8", body, strlen(body));
}

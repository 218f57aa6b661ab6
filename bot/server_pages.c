/*
 * The server's pages: the letter pages, the console, the chat simulator,
 * /healthz and /metrics. Each fills a request of its own kind and hands it
 * to its module (bot/web.h, bot/console.h, bot/try.h).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "clock.h"
#include "console.h"
#include "log.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "server_int.h"
#include "stream.h"
#include "try.h"
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
	struct web_env		 wenv = { srv->cfg, srv->key, &srv->env,
				    srv->scans, srv->pages };
	struct console_env	 cenv = { srv->cfg };
	struct try_env		 tenv = { srv->cfg, srv->key, &srv->env };
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

/* ok, or 503 when a long connection is down (which, and why). */
enum MHD_Result
server_health(struct server *srv, struct MHD_Connection *c)
{
	struct buf	 lines;
	char		*body;
	int		 down;
	size_t		 len;

	buf_init(&lines, 16384);
	down = stream_health(atomic_load(&srv->streams), &lines);
	body = xasprintf("%s\n%s", down > 0 ? "down" : "ok",
	    lines.data != NULL ? lines.data : "");
	buf_free(&lines);
	len = strlen(body);
	return server_respond(c, down > 0 ? 503 : 200, "text/plain", body,
	    len);
}

/* Prometheus-style counters. */
enum MHD_Result
server_metrics(struct server *srv, struct MHD_Connection *c)
{
	struct buf	 b;
	char		*body;

	buf_init(&b, 256 * 1024);
	body = xasprintf(
	    "# TYPE fangfei_requests_total counter\n"
	    "fangfei_requests_total %ld\n"
	    "# TYPE fangfei_responses_4xx_total counter\n"
	    "fangfei_responses_4xx_total %ld\n"
	    "# TYPE fangfei_responses_5xx_total counter\n"
	    "fangfei_responses_5xx_total %ld\n"
	    "# TYPE fangfei_messages_total counter\n"
	    "fangfei_messages_total %ld\n"
	    "# TYPE fangfei_retries_answered_total counter\n"
	    "fangfei_retries_answered_total %ld\n"
	    "# TYPE fangfei_delivery_reports_total counter\n"
	    "fangfei_delivery_reports_total %ld\n"
	    "# TYPE fangfei_delivery_reports_forged_total counter\n"
	    "fangfei_delivery_reports_forged_total %ld\n",
	    atomic_load(&srv->n_requests), atomic_load(&srv->n_4xx),
	    atomic_load(&srv->n_5xx), atomic_load(&srv->n_commands),
	    atomic_load(&srv->n_repeated), atomic_load(&srv->n_reports),
	    atomic_load(&srv->n_forged_reports));
	(void)buf_adds(&b, body);
	free(body);
	stream_metrics(atomic_load(&srv->streams), &b);
	body = buf_steal(&b);
	return server_respond(c, 200, "text/plain; version=0.0.4", body,
	    strlen(body));
}

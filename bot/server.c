/*
 * libmicrohttpd front: request bodies are accumulated into capped buffers
 * (413 past max_body_bytes, early when Content-Length says so), routed,
 * and webhooks go verify -> parse -> dispatch -> reply. Each pool thread
 * lazily opens its own store; all of them are closed at stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "api.h"
#include "delivery.h"
#include "dispatch.h"
#include "log.h"
#include "metrics.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "server.h"
#include "stream.h"
#include "storage/areas.h"
#include "storage/locks.h"
#include "storage/outbox.h"
#include "storage/reveals.h"
#include "handlers/chatter.h"
#include "cron.h"
#include "web.h"
#include "scanq.h"
#include "webcache.h"
#include "console.h"
#include "try.h"
#include "server_int.h"

/* Time kept back from a platform's reply deadline for sending the answer. */
#define SERVER_REPLY_MARGIN_MS	500

/* Notes the status of the answer on c, for server_completed(). */
static void
server_note_status(struct MHD_Connection *c, int status)
{
	const union MHD_ConnectionInfo	*ci;
	struct conn			*cn;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL && (cn = ci->socket_context) != NULL)
		cn->status = status;
}

/* Nanoseconds of the monotonic clock. */
static int64_t
server_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static _Thread_local struct store *server_tls_store;

/* Returns this thread's store, opening it on first use. */
struct store *
server_store(struct server *srv)
{
	struct store	*s;
	char		*cause = NULL;

	if (server_tls_store != NULL)
		return server_tls_store;
	if ((s = store_open(srv->cfg->db_path, srv->key, 0, &cause)) == NULL) {
		log_error("store: %s", cause);
		free(cause);
		return NULL;
	}
	pthread_mutex_lock(&srv->lock);
	if (srv->nstores == SERVER_STORES_MAX) {
		pthread_mutex_unlock(&srv->lock);
		store_close(s);
		log_error("store: too many threads");
		return NULL;
	}
	srv->stores[srv->nstores++] = s;
	pthread_mutex_unlock(&srv->lock);
	server_tls_store = s;
	return s;
}

/* Queues a response; takes the body and cookie it owns. */
enum MHD_Result
server_send(struct MHD_Connection *c, struct http_response *r)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;

	resp = MHD_create_response_from_buffer(r->len, r->body ? r->body :
	    (void *)"", r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(r->body);
		free(r->cookie);
		return MHD_NO;
	}
	if (r->content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    r->content_type);
	if (r->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
	/* A refused body is not read on: the connection ends here. */
	if (r->status == 413 || r->status == 408)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	if (r->cookie != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE,
		    r->cookie);
	if (r->cache != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    r->cache);
	if (r->header_name != NULL && r->header_value != NULL)
		MHD_add_response_header(resp, r->header_name, r->header_value);
	if (r->csp != NULL) {
		MHD_add_response_header(resp, "Content-Security-Policy",
		    r->csp);
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	}
	if (r->etag != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
	if (r->location != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
		    r->location);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	server_note_status(c, r->status);
	rc = MHD_queue_response(c, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	free(r->cookie);
	return rc;
}

/* Queues a response with an owned body (may be NULL). */
enum MHD_Result
server_respond(struct MHD_Connection *c, int status, const char *type,
    char *body, size_t len)
{
	struct http_response	 r;

	memset(&r, 0, sizeof r);
	r.status = status;
	r.content_type = type;
	r.body = body;
	r.len = len;
	return server_send(c, &r);
}

/* The path as the log may show it: a calendar feed's is its secret. */
const char *
server_log_url(const char *url)
{
	return strncmp(url, "/ics/", 5) == 0 ? "/ics/…" : url;
}

/* Logs a refused or failed request: event "http" with its status, the
 * path as the log may show it (no query: it may hold a secret) and the
 * method when known (NULL: not shown). */
static void
server_log_status(int status, const char *method, const char *url,
    const char *why)
{
	char		 code[16];
	const char	*shown = server_log_url(url);
	char		 path[512];

	(void)snprintf(code, sizeof code, "%d", status);
	(void)snprintf(path, sizeof path, "%.*s", (int)strcspn(shown, "?"),
	    shown);
	log_event(status >= 500 ? LOG_ERROR : LOG_WARN, "http", why,
	    "status", code, "path", path, method != NULL ? "method" : NULL,
	    method, (char *)NULL);
}

/* Answers an error with a JSON body and one log line. */
enum MHD_Result
server_error(struct server *srv, struct MHD_Connection *c, int status,
    const char *url, const char *why)
{
	(void)srv;
	server_log_status(status, NULL, url, why);
	return server_respond(c, status, "application/json",
	    xasprintf("{\"error\":\"%s\"}", why), strlen(why) + 12);
}

/* 401 for /metrics without its token. */
static enum MHD_Result
server_monitor_refused(struct MHD_Connection *c, const char *url)
{
	struct http_response	 r;
	static const char	 why[] = "metrics_token required";

	server_log_status(401, NULL, url, why);
	memset(&r, 0, sizeof r);
	r.status = 401;
	r.content_type = "application/json";
	r.body = xasprintf("{\"error\":\"%s\"}", why);
	r.len = strlen(r.body);
	r.header_name = MHD_HTTP_HEADER_WWW_AUTHENTICATE;
	r.header_value = "Bearer realm=\"fangfei\"";
	return server_send(c, &r);
}

/* Header lookup for adapters. */
const char *
server_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->impl, MHD_HEADER_KIND, name);
}

/* Query argument lookup. */
const char *
server_arg(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->impl, MHD_GET_ARGUMENT_KIND,
	    name);
}

/* The same with the decoded value's length (it may hold NUL bytes). */
static const char *
server_arg_n(const struct http_request *req, const char *name, size_t *len)
{
	const char	*v = NULL;

	if (MHD_lookup_connection_value_n(req->impl, MHD_GET_ARGUMENT_KIND,
	    name, strlen(name), &v, len) != MHD_YES)
		return NULL;
	return v;
}

/* Answers /api/v1/... */
static enum MHD_Result
server_api(struct server *srv, struct MHD_Connection *c, const char *method,
    const char *url, struct request *r)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct api_env		 env = { .now = 0 };
	struct console_env	 cenv = { r->conf->cfg };
	struct store		*s;

	if (r->too_big)
		return server_error(srv, c, 413, url, "body too large");
	if ((s = server_store(srv)) == NULL)
		return server_error(srv, c, 503, url, "database unavailable");
	env.now = clock_now();
	env.allow_http = srv->cfg->allow_http;
	env.allow_private_targets = srv->cfg->allow_private_targets;
	env.print_link_hours = srv->cfg->print_link_hours;
	env.public_base_url = srv->cfg->public_base_url;
	env.sms_channel = r->conf->env.sms_channel;
	env.sms_max_parts = r->conf->env.sms_max_parts;
	env.handlers = &r->conf->env;
	memset(&resp, 0, sizeof resp);
	resp.status = 500;
	memset(&req, 0, sizeof req);
	req.method = method;
	req.path = url;
	req.body = r->body.data ? r->body.data : "";
	req.body_len = r->body.len;
	req.now = env.now;
	req.header = server_header;
	req.arg = server_arg;
	req.cookie = server_cookie;
	req.impl = c;
	env.console = &cenv;
	api_handle(s, &env, &req, url + 7, &resp);
	if (env.wrote_outbox)
		delivery_wake(srv->delivery);
	if (resp.status >= 400)
		server_log_status(resp.status, method, url, "refused");
	/* With its one extra header (an export page's cursor). */
	return server_send(c, &resp);
}

/*
 * Records a delivery report (Kannel's dlr-url, Twilio's status callback):
 * only one whose token fangfei signed for that outbox row, so that nobody
 * can mark an SMS delivered; a forged one is refused and logged. A report
 * of a row that no longer exists is acknowledged (the platform would only
 * send it again).
 */
static enum MHD_Result
server_report(struct server *srv, struct MHD_Connection *c,
    const struct channel *ch, const char *url,
    const struct delivery_report *rep)
{
	struct store		*s;
	int64_t			 id;
	enum store_status	 st;

	if ((s = server_store(srv)) == NULL)
		return server_error(srv, c, 503, url, "database unavailable");
	if ((id = outbox_report_id(s, rep->token)) == -1) {
		metrics_report(1);
		return server_error(srv, c, 403, url, "a delivery report not "
		    "signed by fangfei: refused");
	}
	if (rep->state != NULL) {
		st = store_begin(s);
		if (st == STORE_OK)
			st = outbox_report(s, id, rep->state, rep->error[0] ?
			    rep->error : NULL, rep->ref[0] ? rep->ref : NULL,
			    clock_now());
		if (st == STORE_OK || st == STORE_NOT_FOUND)
			st = store_commit(s);
		if (st != STORE_OK) {
			store_rollback(s);
			log_error("%s: delivery report of row %lld: %s",
			    ch->name, (long long)id, store_errmsg(s));
			return server_error(srv, c, 503, url, "database "
			    "unavailable");
		}
		log_debug("%s: row %lld %s%s%s", ch->name, (long long)id,
		    rep->state, rep->error[0] ? ": " : "", rep->error);
	}
	metrics_report(0);
	return server_respond(c, 200, "text/plain; charset=UTF-8",
	    xstrdup(""), 0);
}

/* Runs one webhook through its channel. */
static enum MHD_Result
server_hook(struct server *srv, struct MHD_Connection *c,
    const struct channel *ch, const char *method, const char *url,
    struct request *r)
{
	struct http_request	 req;
	struct http_response	 resp;
	struct inbound		 in;
	struct reply		 reply = { 0 };
	struct http_keep	 keep = { NULL, NULL };
	struct delivery_report	 rep;
	struct store		*s;
	const char		*why = "", *cmd = "-";
	enum dispatch_result	 dr;
	struct timespec		 t0, t1;
	long			 ms;
	int			 status;

	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	memset(&req, 0, sizeof req);
	req.method = method;
	req.path = url;
	req.body = r->body.data ? r->body.data : "";
	req.body_len = r->body.len;
	req.now = time(NULL);
	req.header = server_header;
	req.arg = server_arg;
	req.arg_n = server_arg_n;
	req.impl = c;
	req.keep = &keep;
	/* verify() answers 0 or an HTTP status; report() also 1, a
	 * delivery report. */
	if ((status = ch->backend->verify(ch, &req, &why)) == 0 &&
	    ch->backend->report != NULL)
		status = ch->backend->report(ch, &req, &rep, &why);
	if (status != 0) {
		http_keep_clear(&keep);
		return status == 1 ? server_report(srv, c, ch, url, &rep) :
		    server_error(srv, c, status, url, why);
	}
	memset(&in, 0, sizeof in);
	status = ch->backend->parse(ch, &req, &in, &why);
	http_keep_clear(&keep);
	if (status != 0) {
		inbound_clear(&in);
		return server_error(srv, c, status, url, why);
	}
	metrics_message(metrics_channel(ch));
	if ((s = server_store(srv)) == NULL) {
		inbound_clear(&in);
		return server_error(srv, c, 503, url, "database unavailable");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Signatures were checked against the system's clock (req.now);
	 * what the message does reads the one clock. */
	dr = dispatch_inbound(s, ch, &r->conf->env, &in, clock_now(), &reply,
	    &cmd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	/* Answers the platform takes only through its API, or that missed
	 * the time it waits for the webhook's answer, go through the outbox;
	 * the response then only acknowledges. */
	if (dr != DISPATCH_IGNORED && reply.ntexts > 0 && !reply.secret &&
	    (ch->backend->reply_outbox || (ch->backend->reply_deadline_ms > 0 &&
	    ms > ch->backend->reply_deadline_ms - SERVER_REPLY_MARGIN_MS))) {
		if (!ch->backend->reply_outbox)
			log_warn("%s: an answer took %ld ms: sent through the "
			    "outbox", ch->name, ms);
		(void)dispatch_queue_reply(s, ch, &r->conf->env, &in, req.now,
		    &reply);
	}
	if (dr == DISPATCH_REPEATED)
		metrics_retry_answered();
	if (dr != DISPATCH_IGNORED)
		metrics_command(metrics_channel(ch), cmd);
	/* No chat or sender id: in a private chat they name the person. */
	log_debug("%s %s cmd=%s result=%d", ch->name,
	    in.chat_kind == CHAT_GROUP ? "group" : "private", cmd, (int)dr);
	ch->backend->reply(ch, &in, &reply, &resp);
	reply_clear(&reply);
	inbound_clear(&in);
	return server_send(c, &resp);
}

/* Answers a platform's check of the callback URL (GET /hook/NAME). */
static enum MHD_Result
server_hook_get(struct server *srv, struct MHD_Connection *c,
    const struct channel *ch, const char *url)
{
	struct http_request	 req;
	struct http_response	 resp;
	const char		*why = "bad request";

	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.path = url;
	req.body = "";
	req.now = time(NULL);
	req.header = server_header;
	req.arg = server_arg;
	req.impl = c;
	ch->backend->get(ch, &req, &resp, &why);
	if (resp.status != 200) {
		free(resp.body);
		return server_error(srv, c, resp.status, url, why);
	}
	return server_send(c, &resp);
}

/* Cookie lookup. */
const char *
server_cookie(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->impl, MHD_COOKIE_KIND, name);
}

/* Writes the peer's address as text. */
void
server_client_ip(struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo	*ci;
	const struct sockaddr		*sa;

	*out = '\0';
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		(void)inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, out, (socklen_t)size);
}

/* libmicrohttpd's form decoder: collects the tip form's fields, capped. */
static enum MHD_Result
server_form_field(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *type, const char *enc,
    const char *data, uint64_t off, size_t size)
{
	struct request	*r = arg;
	struct buf	*b;

	(void)kind;
	(void)filename;
	(void)type;
	(void)enc;
	(void)off;
	if (strcmp(key, "text") == 0)
		b = &r->text;
	else if (strcmp(key, "n") == 0)
		b = &r->nonce;
	else
		return MHD_YES;
	if (size > 0 && buf_add(b, data, size) == -1)
		r->too_big = 1;
	else if (b->data == NULL)
		(void)buf_add(b, "", 0);
	return MHD_YES;
}


/*
 * Applies the whole-request deadline to c, whose headers are in (the
 * sweeper of bot/server_conn.c leaves it alone from now on): returns -1
 * when it has passed, else shortens the connection's timeout to what is
 * left of it (never beyond the idle timeout), so that a client trickling
 * its body cannot keep one request open longer than request_deadline
 * seconds.
 */
static int
server_deadline(struct server *srv, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*ci;
	struct conn			*cn;
	int64_t				 left;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (cn = ci->socket_context) == NULL)
		return 0;
	atomic_store(&cn->in_request, 1);
	left = atomic_load(&cn->started_ms) +
	    (int64_t)srv->cfg->request_deadline * 1000 - server_now_ms();
	if (left <= 0)
		return -1;
	/* In whole seconds, rounded up. */
	left = (left + 999) / 1000;
	if (left > srv->cfg->idle_timeout)
		left = srv->cfg->idle_timeout;
	(void)MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
	    (unsigned int)left);
	return 0;
}

/*
 * The access handler. libmicrohttpd calls it first with *con_cls NULL
 * (headers only), then once per body chunk, then with a zero-sized chunk
 * when the body is complete; the response is queued on that last call
 * (or at once for routes that take no body and for early errors).
 */
static enum MHD_Result
server_access(void *arg, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **con_cls)
{
	struct server		*srv = arg;
	struct request		*r = *con_cls;
	const struct channel	*ch = NULL;
	const char		*clen;
	int			 is_get;

	(void)version;
	if (server_deadline(srv, c) == -1) {
		/* Past the whole-request deadline: drop the connection. */
		server_log_status(408, NULL, url, "request deadline passed");
		server_note_status(c, 408);
		return MHD_NO;
	}
	if (r == NULL) {
		r = xcalloc(1, sizeof *r);
		r->conf = atomic_load(&srv->conf);
		buf_init(&r->body, srv->cfg->max_body_bytes);
		r->counted = 1;
		r->started_ns = server_ns();
		r->route = metrics_route(url);
		r->channel = METRICS_NO_CHANNEL;
		atomic_fetch_add(&srv->inflight, 1);
		*con_cls = r;
		if ((strncmp(url, "/hook/", 6) == 0 ||
		    strncmp(url, "/api/v1/", 8) == 0 ||
		    strncmp(url, "/admin/", 7) == 0 || try_route(url)) &&
		    strcmp(method, "POST") == 0 &&
		    (clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH)) != NULL &&
		    strtoull(clen, NULL, 10) > srv->cfg->max_body_bytes)
			return server_error(srv, c, 413, url, "body too large");
		if (strcmp(method, "POST") == 0 && strncmp(url, "/l/", 3) == 0) {
			buf_init(&r->text, WEB_FORM_MAX);
			buf_init(&r->nonce, 128);
			r->pp = MHD_create_post_processor(c, 16384,
			    server_form_field, r);
		}
		/*
		 * Answered on the next call, for a GET too: libmicrohttpd
		 * 0.9 closes the connection after a response queued on this
		 * first one, so every page would cost a new TCP connection.
		 */
		return MHD_YES;
	}
	if (*size != 0) {
		if (!r->too_big && buf_add(&r->body, data, *size) == -1)
			r->too_big = 1;
		if (!r->too_big && r->pp != NULL &&
		    MHD_post_process(r->pp, data, *size) != MHD_YES)
			r->too_big = 1;
		*size = 0;
		/* Past the cap: close now rather than read the rest.
		 * (libmicrohttpd takes no response in the middle of a body;
		 * a declared Content-Length over the cap gets its 413 and
		 * the close above, before any of the body is read.) */
		if (r->too_big) {
			server_log_status(413, NULL, url,
			    "body too large, closing");
			server_note_status(c, 413);
			return MHD_NO;
		}
		return MHD_YES;
	}

	is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (strcmp(url, "/healthz") == 0) {
		if (!is_get)
			return server_error(srv, c, 405, url, "use GET");
		return server_health(srv, c, server_monitor_ok(srv, c));
	}
	if (strcmp(url, "/metrics") == 0) {
		if (!is_get)
			return server_error(srv, c, 405, url, "use GET");
		if (!server_monitor_ok(srv, c))
			return server_monitor_refused(c, url);
		return server_metrics(srv, c);
	}
	if (strncmp(url, "/api/v1/", 8) == 0)
		return server_api(srv, c, method, url, r);
	if (web_route(url))
		return server_page(srv, c, SERVER_PAGE_WEB, method, url, r);
	if (console_route(url))
		return server_page(srv, c, SERVER_PAGE_CONSOLE, method, url,
		    r);
	if (try_route(url))
		return server_page(srv, c, SERVER_PAGE_TRY, method, url, r);
	if (strncmp(url, "/hook/", 6) != 0 ||
	    (ch = config_channel(r->conf->cfg, url + 6)) == NULL)
		return server_error(srv, c, 404, url, "no such route");
	r->channel = metrics_channel(ch);
	/* The simulator's channel answers at /try only, behind its access
	 * checks: never as a webhook. */
	if (ch->backend->practice)
		return server_error(srv, c, 404, url, "this channel answers at "
		    "/try");
	/* A channel on its long connection takes no webhooks (and checks no
	 * signature for them). */
	if (ch->backend->streams != NULL && ch->backend->streams(ch))
		return server_error(srv, c, 404, url, "this channel receives "
		    "over its long connection");
	if (strcmp(method, "GET") == 0 && ch->backend->get_messages)
		return server_hook(srv, c, ch, method, url, r);
	if (strcmp(method, "GET") == 0 && ch->backend->get != NULL)
		return server_hook_get(srv, c, ch, url);
	if (strcmp(method, "POST") != 0)
		return server_error(srv, c, 405, url, "use POST");
	if (r->too_big)
		return server_error(srv, c, 413, url, "body too large");
	return server_hook(srv, c, ch, method, url, r);
}

/* Frees a request's state when libmicrohttpd is done with it. */
static void
server_completed(void *arg, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode code)
{
	struct server			*srv = arg;
	struct request			*r = *con_cls;
	const union MHD_ConnectionInfo	*ci;
	struct conn			*cn = NULL;

	(void)code;
	/* The next request on this connection has a deadline of its own. */
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL && (cn = ci->socket_context) != NULL) {
		if (r != NULL)
			metrics_http(r->route, r->channel, cn->status,
			    server_ns() - r->started_ns);
		cn->status = 0;
		atomic_store(&cn->started_ms, server_now_ms());
		atomic_store(&cn->in_request, 0);
		(void)MHD_set_connection_option(c,
		    MHD_CONNECTION_OPTION_TIMEOUT,
		    (unsigned int)srv->cfg->idle_timeout);
	}
	if (r == NULL)
		return;
	if (r->counted)
		atomic_fetch_sub(&srv->inflight, 1);
	if (r->pp != NULL)
		MHD_destroy_post_processor(r->pp);
	buf_free(&r->text);
	buf_free(&r->nonce);
	buf_free(&r->body);
	free(r);
	*con_cls = NULL;
}

/* Resolves each channel's default area path once, at start. */
static int
server_resolve_areas(struct server *srv, struct config *cfg, char **cause)
{
	struct store	*s;
	size_t		 i;

	if ((s = server_store(srv)) == NULL) {
		char	*shown = store_shown(cfg->db_path);

		*cause = xasprintf("%s: cannot open the database", shown);
		free(shown);
		return -1;
	}
	for (i = 0; i < cfg->nchannels; i++) {
		if (cfg->channels[i].area == NULL)
			continue;
		if (areas_find(s, cfg->channels[i].area,
		    &cfg->channels[i].area_id) != STORE_OK)
			log_warn("channel %s: area \"%s\" not found; its chats "
			    "have no area until one is attached",
			    cfg->channels[i].name, cfg->channels[i].area);
	}
	return 0;
}

/* Handler hook: new outbox rows are committed. */
static void
server_wake(void *arg)
{
	delivery_wake(arg);
}

/* The language of a channel instance's chats (handler_env). */
static enum locale
server_channel_locale(const struct handler_env *env, const char *name)
{
	const struct channel	*ch = config_channel(env->channels, name);

	return ch != NULL ? ch->locale : LOCALE_ZH;
}

/*
 * Builds what requests read from cfg: the handlers' environment (texts,
 * flood limits, leads, the ledger's deadlines) with the server's one
 * limiter, so that counts go on across a reload. owned: cfg is freed with
 * it at stop.
 */
static struct server_conf *
server_conf_new(struct server *srv, struct config *cfg, int owned)
{
	struct server_conf	*sc = xcalloc(1, sizeof *sc);
	struct handler_env	*env = &sc->env;
	const struct channel	*ch;

	sc->cfg = cfg;
	sc->owned = owned;
	env->hotline = cfg->hotline;
	console_base(cfg, sc->console_base, sizeof sc->console_base);
	env->console_base = sc->console_base;
	env->utc_offset = cfg->utc_offset;
	env->outbox_wake = server_wake;
	env->wake_arg = srv->delivery;
	env->limits = srv->limits;
	env->tips_per_hour = cfg->tips_per_hour;
	env->checks_per_minute = cfg->checks_per_minute;
	env->warnings_per_day = cfg->warnings_per_day;
	env->bind_failures_per_sender = cfg->bind_failures_per_sender;
	env->bind_failures_per_channel = cfg->bind_failures_per_channel;
	env->bind_cooldown_minutes = cfg->bind_cooldown_minutes;
	env->sms_help_minutes = cfg->sms_help_minutes;
	memcpy(env->tip_due_hours, cfg->tip_due_hours,
	    sizeof env->tip_due_hours);
	env->tip_link_days = cfg->tip_link_days;
	env->channel_locale = server_channel_locale;
	env->channels = cfg;
	if (cfg->leads) {
		sc->phrases = chatter_phrases(cfg->lead_phrases);
		env->lead_phrases = sc->phrases != NULL ?
		    (const char *const *)sc->phrases : chatter_default_phrases;
		env->lead_warn_minutes = cfg->lead_warn_minutes;
	}
	if (cfg->sms_channel != NULL &&
	    (ch = config_channel(cfg, cfg->sms_channel)) != NULL) {
		env->sms_channel = ch->name;
		env->sms_max_parts = channel_sms_parts(ch);
	}
	return sc;
}

/* Starts the daemon. */
struct server *
server_start(struct config *cfg, const uint8_t *key, struct delivery *dl,
    char **cause)
{
	struct server		*srv;
	struct sockaddr_in	 sa;
	struct MHD_OptionItem	 pool[] = {
		{ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->threads, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (server_parse_listen(cfg->listen, &sa) == -1) {
		*cause = xasprintf("listen \"%s\": want IPv4-ADDRESS:PORT",
		    cfg->listen);
		return NULL;
	}
	srv = xcalloc(1, sizeof *srv);
	srv->lfd = -1;
	metrics_start();
	srv->cfg = cfg;
	memcpy(srv->key, key, STORE_KEY_LEN);
	srv->limits = limiter_new(65536);
	srv->scans = scanq_new();
	srv->pages = webcache_new();
	srv->delivery = dl;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->streams_mu, NULL);
	pthread_mutex_init(&srv->conns_mu, NULL);
	/* The channels' area ids are filled in here, before any thread
	 * reads them. */
	if (server_resolve_areas(srv, cfg, cause) == -1)
		goto fail;
	srv->boot = server_conf_new(srv, cfg, 0);
	atomic_store(&srv->conf, srv->boot);
	if (server_listen(srv, &sa) == -1) {
		*cause = xasprintf("cannot listen on %s: %s", cfg->listen,
		    strerror(errno));
		goto fail;
	}
	/*
	 * The pool gets its connections from server_accept_start()'s
	 * thread, not from a socket of its own. A pool's threads wait in
	 * epoll; a lone thread (threads = 1, the default on one CPU) in
	 * poll(). libmicrohttpd's epoll loop (0.9.75 and later) drains the
	 * kernel 128 events a call and, after a full 128, waits again with
	 * the loop's whole timeout: a lone thread whose 128 connections
	 * all had a request waiting slept until some other event, up to a
	 * connection's timeout, with those requests unanswered (128 clients
	 * in a closed loop on /healthz: 1,787 answers in 3 s, against
	 * 311,062 with poll()). poll() reads every connection's state each
	 * turn, which a pool's threads, each with a share of many idle
	 * connections, are spared; pools did not stall in the same test
	 * (256 and 512 clients over two threads).
	 */
	if (cfg->threads == 1)	/* no pool (libmicrohttpd warns of one) */
		pool[0].option = MHD_OPTION_END;
	srv->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    (cfg->threads > 1 ? MHD_USE_EPOLL : MHD_USE_POLL) |
	    MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    server_access, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log, srv,
	    MHD_OPTION_ARRAY, pool,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)cfg->max_connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(cfg->idle_timeout <
	    cfg->request_deadline ? cfg->idle_timeout : cfg->request_deadline),
	    MHD_OPTION_NOTIFY_CONNECTION, server_connection, srv,
	    MHD_OPTION_NOTIFY_COMPLETED, server_completed, srv,
	    /* A connection's buffer for the request line, headers and body
	     * chunks, zeroed by libmicrohttpd after every request: 12 KB
	     * holds any platform's or browser's headers (bodies go to
	     * server_access in chunks), and costs well under half the
	     * default's clearing and memory. */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVER_CONN_MEMORY,
	    MHD_OPTION_END);
	if (srv->mhd == NULL) {
		*cause = xasprintf("cannot serve on %s: %s", cfg->listen,
		    errno ? strerror(errno) : "libmicrohttpd failed to start");
		goto fail;
	}
	if (server_sweep_start(srv) == -1 || server_accept_start(srv) == -1) {
		*cause = xasprintf("cannot start a thread: %s",
		    strerror(errno));
		goto fail;
	}
	return srv;
fail:
	server_stop(srv, 0);
	return NULL;
}

/* The newest environment: a reload's applies to the long connections
 * and the scheduler from their next message or turn. */
static const struct handler_env *
server_env_newest(const void *arg)
{
	const struct server	*srv = arg;

	return &atomic_load(&srv->conf)->env;
}

struct handler_env_source
server_env(const struct server *srv)
{
	struct handler_env_source	 src = { server_env_newest, srv };

	return src;
}

/* Serves cfg from the next request on. */
int
server_reload(struct server *srv, struct config *cfg, char **cause)
{
	struct server_conf	*sc;

	/* On the main thread, between requests of the pool's: new
	 * channels' areas are resolved before any request sees them. */
	if (server_resolve_areas(srv, cfg, cause) == -1)
		return -1;
	sc = server_conf_new(srv, cfg, 1);
	sc->older = atomic_load(&srv->conf);
	atomic_store(&srv->conf, sc);
	return 0;
}

void
server_set_streams(struct server *srv, struct stream_set *set)
{
	pthread_mutex_lock(&srv->streams_mu);
	srv->streams = set;
	pthread_mutex_unlock(&srv->streams_mu);
}

/* Returns the bound port. */
unsigned int
server_port(const struct server *srv)
{
	return srv->port;
}

/* Drains and stops. */
void
server_stop(struct server *srv, int grace_ms)
{
	struct timespec		 ts = { 0, 10 * 1000 * 1000 };
	struct server_conf	*sc, *older;
	struct store		*s;
	int			 waited = 0;
	size_t			 i;

	if (srv == NULL)
		return;
	/* Stop accepting; requests already received run to the end. */
	server_accept_stop(srv);
	if (srv->mhd != NULL) {
		while (atomic_load(&srv->inflight) > 0 && waited < grace_ms) {
			nanosleep(&ts, NULL);
			waited += 10;
		}
		MHD_stop_daemon(srv->mhd);
		server_sweep_stop(srv);
		/* No view comes any more: the visits still queued are
		 * written. */
		if ((s = server_store(srv)) != NULL)
			scanq_flush(srv->scans, s);
	}
	for (i = 0; i < srv->nstores; i++)
		store_close(srv->stores[i]);
	server_tls_store = NULL;
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->streams_mu);
	pthread_mutex_destroy(&srv->conns_mu);
	for (sc = atomic_load(&srv->conf); sc != NULL; sc = older) {
		older = sc->older;
		chatter_phrases_free(sc->phrases);
		if (sc->owned) {
			config_free(sc->cfg);
			free(sc->cfg);
		}
		free(sc);
	}
	limiter_free(srv->limits);
	scanq_free(srv->scans);
	webcache_free(srv->pages);
	explicit_bzero(srv->key, sizeof srv->key);
	free(srv);
}

/*
 * The periodic jobs (bot/cron.h), on the main thread's connection: with
 * several instances on one database, by one of them at a time (the others
 * skip the minute). The scans queued here are this instance's own and
 * are always flushed, and so is the count of libmicrohttpd's repeated
 * messages.
 */
void
server_cron(struct server *srv, time_t now)
{
	struct store		*s = server_store(srv);
	const struct server_conf *sc = atomic_load(&srv->conf);
	int			 mine;

	server_mhd_log_flush();
	if (s == NULL)
		return;
	if ((mine = store_job_begin(s, "job-cron")) == -1)
		log_warn("cron: %s", store_errmsg(s));
	else if (mine) {
		cron_run(s, sc->cfg, &sc->env, srv->delivery, now);
		store_job_end(s, "job-cron");
	}
	scanq_flush(srv->scans, s);
}

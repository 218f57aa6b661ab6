/*
 * The server's parts shared by bot/server.c (the daemon, routes, webhooks,
 * the API) and bot/server_pages.c (the pages: letters, the console, /try,
 * /healthz, /metrics).
 */
#ifndef FANGFEI_SERVER_INT_H
#define FANGFEI_SERVER_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#include <netinet/in.h>

#include <microhttpd.h>

#include "channel.h"
#include "config.h"
#include "handlers/handlers.h"
#include "messages/buf.h"
#include "storage/store.h"

#define SERVER_STORES_MAX	128
/* libmicrohttpd's memory per connection (bot/server.c). */
#define SERVER_CONN_MEMORY	(12 * 1024)
/* Clients waiting to be accepted (listen(2)). */
#define SERVER_BACKLOG		1024

struct delivery;
struct stream_set;

/*
 * Per-connection state (libmicrohttpd's socket context), from accept to
 * close (bot/server_conn.c), in the server's list: when the request now
 * on the connection began, for the whole-request deadline. It starts at
 * accept and again after each completed request.
 */
struct conn {
	_Atomic int64_t		 started_ms;	/* server_now_ms() */
	atomic_int		 in_request;	/* its headers are in: the
						   access handler has it */
	int			 status;	/* of the answer queued, for
						   /metrics */
	int			 fd;		/* its socket, or -1 */
	int			 swept;		/* shut down by the sweeper */
	struct conn		*prev, *next;	/* under conns_mu */
};

/*
 * A configuration as requests read it: the config and the handlers'
 * environment built from it. A reload (SIGHUP) puts a new one in place;
 * each request reads the pointer once, at its start, and uses that one to
 * its end. Replaced ones are kept, never freed before the server stops: a
 * reload is rare and small, and no request can then hold a freed one.
 */
struct server_conf {
	struct config		*cfg;
	struct handler_env	 env;
	char			**phrases;	/* [leads] phrases, split */
	char			 console_base[512];	/* sign-in links */
	int			 owned;		/* cfg is freed with it */
	struct server_conf	*older;		/* the one it replaced */
};

struct server {
	/* The configuration the server started with: what only a restart
	 * changes (the database, connection limits, the public URL). */
	struct config		*cfg;
	_Atomic(struct server_conf *) conf;	/* the newest */
	struct server_conf	*boot;		/* the first, for the long
						   connections' dispatch */
	struct MHD_Daemon	*mhd;
	uint8_t			 key[STORE_KEY_LEN];
	struct delivery		*delivery;	/* woken after API broadcasts */
	unsigned int		 port;
	pthread_mutex_t		 lock;		/* guards stores */
	struct store		*stores[SERVER_STORES_MAX];
	size_t			 nstores;
	atomic_long		 inflight;
	struct limiter		*limits;	/* shared by every conf */
	struct scanq		*scans;		/* letter page views */
	struct webcache		*pages;		/* letter page tops */
	/* The long connections (bot/stream.h), set after start and cleared
	 * before they stop: readers hold streams_mu while they use them, so
	 * that a set is never freed under a /metrics or /healthz request. */
	pthread_mutex_t		 streams_mu;
	struct stream_set	*streams;
	/* Every connection open (struct conn), and the thread that cuts
	 * off those whose headers come too slowly (bot/server_conn.c). */
	pthread_mutex_t		 conns_mu;
	struct conn		*conns;
	pthread_t		 sweeper;
	pthread_cond_t		 sweep_cv;	/* wakes it to stop */
	int			 sweeping;	/* it runs */
	int			 sweep_stop;	/* under conns_mu */
	/* The listening socket and the thread that accepts on it
	 * (bot/server_accept.c). */
	int			 lfd;		/* -1: closed */
	pthread_t		 acceptor;
	int			 accept_wake[2];	/* a byte stops it */
	int			 accepting;	/* it runs */
	time_t			 accept_logged;	/* its last failure line */
	unsigned long		 accept_held;	/* failures not logged */
};


/* Per-request state, from the first call of the access handler to the
 * completion callback. */
struct request {
	const struct server_conf *conf;	/* read once, at the start */
	struct buf		 body;
	int			 too_big;
	int			 counted;
	int64_t			 started_ns;	/* at its headers */
	int			 route;		/* enum metrics_route */
	int			 channel;	/* metrics_channel() */
	struct MHD_PostProcessor *pp;	/* web forms */
	struct buf		 text;
	struct buf		 nonce;
};

/* This thread's store, opened on first use; NULL (logged) on failure. */
struct store	*server_store(struct server *);
/* Queues a response; takes the body and cookie it owns. */
enum MHD_Result	 server_send(struct MHD_Connection *, struct http_response *);
/* Queues a response with an owned body (may be NULL). */
enum MHD_Result	 server_respond(struct MHD_Connection *, int status,
		    const char *type, char *body, size_t len);
/* Answers an error with a JSON body and one log line. */
enum MHD_Result	 server_error(struct server *, struct MHD_Connection *,
		    int status, const char *url, const char *why);
/* The path as the log may show it (a calendar feed's is its secret). */
const char	*server_log_url(const char *url);
/* Header, query argument and cookie lookups for struct http_request. */
const char	*server_header(const struct http_request *, const char *);
const char	*server_arg(const struct http_request *, const char *);
const char	*server_cookie(const struct http_request *, const char *);
/* The peer's address as text ("" when unknown). */
void		 server_client_ip(struct MHD_Connection *, char *, size_t);

/* Milliseconds of the monotonic clock (bot/server_conn.c). */
int64_t		 server_now_ms(void);
/* The connections (bot/server_conn.c). libmicrohttpd's connection hook
 * (MHD_OPTION_NOTIFY_CONNECTION, with the server): each one's struct conn
 * in the list. */
void		 server_connection(void *, struct MHD_Connection *,
		    void **socket_context, enum MHD_ConnectionNotificationCode);
/* Starts the thread that closes connections whose request headers are
 * not complete within request_deadline; 0, or -1 with errno set. */
int		 server_sweep_start(struct server *);
/* Stops it (a no-op when it does not run). */
void		 server_sweep_stop(struct server *);
/* Parses HOST:PORT ("localhost" is 127.0.0.1) into an IPv4 address
 * (bot/server_accept.c); 0, or -1. */
int		 server_parse_listen(const char *, struct sockaddr_in *);
/* The listening socket (bot/server_accept.c): opened, bound and
 * listening on the address, srv->port set from it; 0, or -1 with errno
 * set. */
int		 server_listen(struct server *, const struct sockaddr_in *);
/* Starts the thread that accepts on it and hands each connection to
 * libmicrohttpd's pool, spread by descriptor; 0, or -1 with errno set. */
int		 server_accept_start(struct server *);
/* Stops the thread and closes the socket (either may be absent). */
void		 server_accept_stop(struct server *);
/* libmicrohttpd's logger (MHD_OPTION_EXTERNAL_LOGGER): a message that
 * repeats the last one within a minute is counted, not logged again. */
void		 server_mhd_log(void *, const char *fmt, va_list);
/* Logs the count of those held back a minute or more (from the cron). */
void		 server_mhd_log_flush(void);

/* The pages (bot/server_pages.c). */
enum server_page_kind {
	SERVER_PAGE_WEB,	/* letters, QR codes, print sheets, feeds */
	SERVER_PAGE_CONSOLE,	/* /admin, /assets */
	SERVER_PAGE_TRY,	/* the chat simulator */
};
enum MHD_Result	 server_page(struct server *, struct MHD_Connection *,
		    enum server_page_kind, const char *method, const char *url,
		    struct request *);
enum MHD_Result	 server_health(struct server *, struct MHD_Connection *,
		    int full);
int		 server_monitor_ok(const struct server *,
		    struct MHD_Connection *);
enum MHD_Result	 server_metrics(struct server *, struct MHD_Connection *);

#endif

/*
 * The server's connections as a whole (bot/server_int.h): each one's
 * state from accept to close, kept in one list so that a thread can cut
 * off a client that sends its request's headers too slowly (libmicrohttpd
 * calls fangfei only once they are complete), and libmicrohttpd's own
 * messages routed to the log, a repeated one counted rather than written
 * again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "log.h"
#include "messages/xmalloc.h"
#include "server_int.h"

/* How often the sweeper looks at the connections, in seconds. */
#define SERVER_SWEEP_EVERY	1

/*
 * libmicrohttpd writes one line for every connection it closes at a
 * limit ("Server reached connection limit"), so that one address opening
 * 10,000 connections would write 10,000 lines. A text that repeats the
 * last one within SERVER_MHD_QUIET seconds of its line is counted
 * instead; the count is logged when another text comes, or by
 * server_mhd_log_flush() once the quiet time has passed (then a minute's
 * repeats are counted again).
 */
#define SERVER_MHD_QUIET	60

static struct {
	pthread_mutex_t	 mu;
	char		 text[512];	/* the last text logged */
	int64_t		 at;		/* when: seconds, monotonic */
	unsigned long	 held;		/* its repeats since, not logged */
} server_mhd_quiet = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Milliseconds of the monotonic clock. */
int64_t
server_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Logs how many repeats of text were held back, if any. */
static void
server_mhd_log_held(const char *text, unsigned long held)
{
	if (held > 0)
		log_warn("http: %s (%lu more times)", text, held);
}

/* libmicrohttpd's logger: its message to the log, unless it repeats the
 * last one within the quiet time (above). */
void
server_mhd_log(void *arg, const char *fmt, va_list ap)
{
	char		 line[512], prev[512];
	size_t		 n;
	int64_t		 now = server_now_ms() / 1000;
	unsigned long	 held;

	(void)arg;
	(void)vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	pthread_mutex_lock(&server_mhd_quiet.mu);
	if (strcmp(line, server_mhd_quiet.text) == 0 &&
	    now - server_mhd_quiet.at < SERVER_MHD_QUIET) {
		server_mhd_quiet.held++;
		pthread_mutex_unlock(&server_mhd_quiet.mu);
		return;
	}
	memcpy(prev, server_mhd_quiet.text, sizeof prev);
	held = server_mhd_quiet.held;
	memcpy(server_mhd_quiet.text, line, sizeof line);
	server_mhd_quiet.at = now;
	server_mhd_quiet.held = 0;
	pthread_mutex_unlock(&server_mhd_quiet.mu);
	server_mhd_log_held(prev, held);
	log_warn("http: %s", line);
}

/* Logs the repeats of libmicrohttpd's last message held back for the
 * quiet time or longer. */
void
server_mhd_log_flush(void)
{
	char		 text[512] = "";
	int64_t		 now = server_now_ms() / 1000;
	unsigned long	 held = 0;

	pthread_mutex_lock(&server_mhd_quiet.mu);
	if (server_mhd_quiet.held > 0 &&
	    now - server_mhd_quiet.at >= SERVER_MHD_QUIET) {
		memcpy(text, server_mhd_quiet.text, sizeof text);
		held = server_mhd_quiet.held;
		server_mhd_quiet.held = 0;
		server_mhd_quiet.at = now;
	}
	pthread_mutex_unlock(&server_mhd_quiet.mu);
	server_mhd_log_held(text, held);
}

/*
 * libmicrohttpd's connection hook: gives each connection its state at
 * accept, in the server's list, and takes it out and frees it at close.
 * libmicrohttpd calls the close before it closes the socket, so that a
 * connection in the list always has its own socket (the sweeper may shut
 * it down). A connection refused before it started is closed with a NULL
 * state.
 */
void
server_connection(void *arg, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct server			*srv = arg;
	const union MHD_ConnectionInfo	*ci;
	struct conn			*cn;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		cn = xcalloc(1, sizeof *cn);
		atomic_store(&cn->started_ms, server_now_ms());
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->fd = ci != NULL ? ci->connect_fd : -1;
		pthread_mutex_lock(&srv->conns_mu);
		cn->next = srv->conns;
		if (srv->conns != NULL)
			srv->conns->prev = cn;
		srv->conns = cn;
		pthread_mutex_unlock(&srv->conns_mu);
		*socket_context = cn;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED &&
	    (cn = *socket_context) != NULL) {
		pthread_mutex_lock(&srv->conns_mu);
		if (cn->prev != NULL)
			cn->prev->next = cn->next;
		else
			srv->conns = cn->next;
		if (cn->next != NULL)
			cn->next->prev = cn->prev;
		pthread_mutex_unlock(&srv->conns_mu);
		free(cn);
		*socket_context = NULL;
	}
}

/*
 * The sweeper's thread: once a second, shuts down the socket of every
 * connection whose request began (at accept, or when the one before it
 * was answered) request_deadline seconds ago or more and has not yet
 * reached the access handler: its headers are still coming. libmicrohttpd
 * then reads the end of the stream and closes the connection. Without
 * this, a client sending a header byte now and then, never the idle
 * timeout apart, would hold its connection for as long as the header
 * buffer lasts (12 KB: days at a byte every 14 s). What follows the
 * headers server_deadline() (bot/server.c) cuts off. A connection kept
 * alive that waits for its next request longer than the deadline is
 * closed too, when idle_timeout_seconds is the longer of the two (by
 * default the idle timeout closes it first).
 */
static void *
server_sweep(void *arg)
{
	struct server	*srv = arg;
	struct timespec	 ts;
	struct conn	*cn;
	int64_t		 now, deadline = (int64_t)srv->cfg->request_deadline *
	    1000;
	int		 n;
	char		 count[16];

	pthread_mutex_lock(&srv->conns_mu);
	while (!srv->sweep_stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += SERVER_SWEEP_EVERY;
		(void)pthread_cond_timedwait(&srv->sweep_cv, &srv->conns_mu,
		    &ts);
		now = server_now_ms();
		n = 0;
		for (cn = srv->conns; cn != NULL; cn = cn->next) {
			if (cn->swept || cn->fd == -1 ||
			    atomic_load(&cn->in_request) ||
			    now - atomic_load(&cn->started_ms) < deadline)
				continue;
			cn->swept = 1;
			(void)shutdown(cn->fd, SHUT_RDWR);
			n++;
		}
		if (n > 0) {
			pthread_mutex_unlock(&srv->conns_mu);
			(void)snprintf(count, sizeof count, "%d", n);
			log_event(LOG_WARN, "http", "request headers not "
			    "complete within the deadline: closed",
			    "connections", count, (char *)NULL);
			pthread_mutex_lock(&srv->conns_mu);
		}
	}
	pthread_mutex_unlock(&srv->conns_mu);
	return NULL;
}

/* Starts the sweeper; 0, or -1 with errno set. */
int
server_sweep_start(struct server *srv)
{
	pthread_condattr_t	 ca;
	int			 rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->sweep_cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&srv->sweeper, NULL, server_sweep, srv)) !=
	    0) {
		errno = rc;
		return -1;
	}
	srv->sweeping = 1;
	return 0;
}

/* Stops the sweeper, if it runs. */
void
server_sweep_stop(struct server *srv)
{
	if (!srv->sweeping)
		return;
	pthread_mutex_lock(&srv->conns_mu);
	srv->sweep_stop = 1;
	pthread_cond_signal(&srv->sweep_cv);
	pthread_mutex_unlock(&srv->conns_mu);
	(void)pthread_join(srv->sweeper, NULL);
	pthread_cond_destroy(&srv->sweep_cv);
	srv->sweeping = 0;
}

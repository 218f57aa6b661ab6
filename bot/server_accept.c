/*
 * The server's listening socket and the thread that accepts on it
 * (bot/server_int.h).
 *
 * libmicrohttpd's own accepting lets each worker of the pool take up to
 * ten connections a turn from the shared socket: a burst of clients
 * (a load balancer's pool, a benchmark's 256 connections) lands on
 * whichever worker woke first, one worker served 218 connections and the
 * other 42, and the busy one's clients waited five times as long.
 * Here one thread accepts and hands each connection over with
 * MHD_add_connection(), which spreads them over the pool by descriptor
 * (libmicrohttpd's daemon.c); limits per address and in all are still
 * libmicrohttpd's.
 */
/* accept4() and pipe2(): one call for a socket and its flags. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"
#include "server_int.h"

/* How long the thread waits after accept() fails for want of
 * descriptors or memory, in milliseconds, so that it does not spin. */
#define SERVER_ACCEPT_PAUSE	100

/* Parses HOST:PORT into an IPv4 address (server_int.h). */
int
server_parse_listen(const char *s, struct sockaddr_in *sa)
{
	char		 host[64];
	const char	*colon = strrchr(s, ':');
	char		*end;
	unsigned long	 port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, strcmp(host, "localhost") == 0 ?
	    "127.0.0.1" : host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* Opens, binds and listens on sa; sets srv->lfd and srv->port. Returns
 * 0, or -1 with errno set. */
int
server_listen(struct server *srv, const struct sockaddr_in *sa)
{
	struct sockaddr_in	 got;
	socklen_t		 len = sizeof got;
	int			 fd, on = 1, saved;

	srv->lfd = -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(fd, (const struct sockaddr *)sa, sizeof *sa) == -1 ||
	    listen(fd, SERVER_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&got, &len) == -1) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return -1;
	}
	srv->lfd = fd;
	srv->port = ntohs(got.sin_port);
	return 0;
}

/* Logs a failed accept() at most once a minute; the count of those not
 * logged goes with the next line. */
static void
server_accept_failed(struct server *srv, int err)
{
	time_t	 now = time(NULL);

	if (now - srv->accept_logged < 60) {
		srv->accept_held++;
		return;
	}
	log_warn("server: accept: %s (%lu more since the last line)",
	    strerror(err), srv->accept_held);
	srv->accept_logged = now;
	srv->accept_held = 0;
}

/* The thread: accepts until told to stop by a byte on the wake pipe. */
static void *
server_accept_main(void *arg)
{
	struct server		*srv = arg;
	struct pollfd		 pfd[2];
	struct sockaddr_storage	 addr;
	socklen_t		 len;
	int			 fd, timeout = -1;

	pfd[0].fd = srv->lfd;
	pfd[1].fd = srv->accept_wake[0];
	for (;;) {
		pfd[0].events = timeout == -1 ? POLLIN : 0;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, timeout) == -1 && errno != EINTR) {
			log_error("server: poll: %s; no new connections are "
			    "accepted", strerror(errno));
			break;
		}
		if (pfd[1].revents != 0)
			break;
		timeout = -1;
		for (;;) {
			len = sizeof addr;
			fd = accept4(srv->lfd, (struct sockaddr *)&addr, &len,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd == -1)
				break;
			/* libmicrohttpd closes the socket should it refuse
			 * it (a limit, out of memory), and logs why. */
			(void)MHD_add_connection(srv->mhd, fd,
			    (const struct sockaddr *)&addr, len);
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			break;
		default:
			/* EMFILE, ENFILE, ENOBUFS, ENOMEM: the clients wait
			 * in the backlog until descriptors are free. */
			server_accept_failed(srv, errno);
			timeout = SERVER_ACCEPT_PAUSE;
		}
	}
	return NULL;
}

/* Starts the thread; 0, or -1 with errno set. */
int
server_accept_start(struct server *srv)
{
	int	 rc;

	if (pipe2(srv->accept_wake, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	if ((rc = pthread_create(&srv->acceptor, NULL, server_accept_main,
	    srv)) != 0) {
		(void)close(srv->accept_wake[0]);
		(void)close(srv->accept_wake[1]);
		srv->accept_wake[0] = srv->accept_wake[1] = -1;
		errno = rc;
		return -1;
	}
	srv->accepting = 1;
	return 0;
}

/* Stops accepting: joins the thread and closes the listening socket, so
 * that new clients are refused while the requests received run to their
 * end. A no-op when neither is there. */
void
server_accept_stop(struct server *srv)
{
	if (srv->accepting) {
		while (write(srv->accept_wake[1], "x", 1) == -1 &&
		    errno == EINTR)
			;
		(void)pthread_join(srv->acceptor, NULL);
		(void)close(srv->accept_wake[0]);
		(void)close(srv->accept_wake[1]);
		srv->accepting = 0;
	}
	if (srv->lfd != -1) {
		(void)close(srv->lfd);
		srv->lfd = -1;
	}
}

/*
 * End-to-end test of a daemon with one request thread (threads = 1, the
 * default on a machine with one CPU), over raw loopback sockets: 128
 * clients in a closed loop, each sending its next request as soon as its
 * answer is in, are all answered, turn after turn.
 *
 * libmicrohttpd's epoll loop takes the kernel's events 128 a call and,
 * after a full 128, waits again with the loop's whole timeout: a lone
 * thread whose 128 connections all had a request waiting slept until some
 * other event came, with every one of those requests unanswered (1,787
 * answers in 3 s before bot/server.c gave a lone thread poll(), 311,062
 * after). The test counts turns, not time: each client must get its
 * ROUNDS answers before the deadline, which only a stalled server misses.
 */
/* strcasestr() */
#define _GNU_SOURCE
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "e2e.h"

#define CLIENTS		128	/* libmicrohttpd's events a call */
#define ROUNDS		100
#define DEADLINE_MS	60000	/* a loaded machine under valgrind */

static struct daemon d;

static const char get[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/* One client: its socket and what it has read of the current answer. */
struct client {
	int	 fd;
	int	 answers;
	size_t	 got;
	char	 buf[2048];
};

static int
group_setup(void **state)
{
	(void)state;
	/* Idle and request timeouts far beyond the test: a stall is not cut
	 * short by a connection timing out. */
	e2e_prepare(&d, "[server]\nthreads = 1\n"
	    "max_connections_per_ip = 1024\nidle_timeout_seconds = 300\n"
	    "request_deadline_seconds = 300\n");
	e2e_start(&d);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	return 0;
}

static void
client_send(struct client *c)
{
	assert_int_equal(send(c->fd, get, sizeof get - 1, MSG_NOSIGNAL),
	    (ssize_t)(sizeof get - 1));
}

/*
 * Reads what c's socket has; for each whole answer (headers, then the
 * body of its Content-Length), counts it and sends the next request.
 * Fails the test on a close or an answer other than 200.
 */
static void
client_read(struct client *c)
{
	ssize_t		 n;
	char		*end, *cl;
	size_t		 head, body;

	n = recv(c->fd, c->buf + c->got, sizeof c->buf - 1 - c->got, 0);
	assert_true(n > 0);
	c->got += (size_t)n;
	c->buf[c->got] = '\0';
	while ((end = strstr(c->buf, "\r\n\r\n")) != NULL) {
		assert_memory_equal(c->buf, "HTTP/1.1 200", 12);
		head = (size_t)(end - c->buf) + 4;
		cl = strcasestr(c->buf, "\r\nContent-Length:");
		assert_non_null(cl);
		assert_true(cl < end);
		body = strtoul(cl + 17, NULL, 10);
		if (c->got < head + body)
			return;
		memmove(c->buf, c->buf + head + body, c->got - head - body);
		c->got -= head + body;
		c->buf[c->got] = '\0';
		if (++c->answers < ROUNDS)
			client_send(c);
	}
	assert_true(c->got < sizeof c->buf - 1);
}

/* 128 clients in a closed loop: every one gets its ROUNDS answers. */
static void
test_closed_loop(void **state)
{
	struct client	*cl;
	struct pollfd	 pfd[CLIENTS];
	int64_t		 end;
	int		 i, n, done = 0, least;

	(void)state;
	cl = calloc(CLIENTS, sizeof *cl);
	assert_non_null(cl);
	for (i = 0; i < CLIENTS; i++) {
		cl[i].fd = e2e_connect(&d, 0);
		pfd[i].fd = cl[i].fd;
		pfd[i].events = POLLIN;
	}
	for (i = 0; i < CLIENTS; i++)
		client_send(&cl[i]);
	end = e2e_wall_ms() + DEADLINE_MS;
	while (done < CLIENTS && e2e_wall_ms() < end) {
		if ((n = poll(pfd, CLIENTS, 100)) <= 0)
			continue;
		for (i = 0; i < CLIENTS; i++) {
			if (pfd[i].revents == 0 || cl[i].answers == ROUNDS)
				continue;
			client_read(&cl[i]);
			if (cl[i].answers == ROUNDS) {
				done++;
				pfd[i].fd = -1;
			}
		}
	}
	least = ROUNDS;
	for (i = 0; i < CLIENTS; i++) {
		if (cl[i].answers < least)
			least = cl[i].answers;
		close(cl[i].fd);
	}
	if (done < CLIENTS)
		fprintf(stderr, "%d of %d clients done, the least answered "
		    "%d times\n", done, CLIENTS, least);
	assert_int_equal(done, CLIENTS);
	free(cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_loop),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

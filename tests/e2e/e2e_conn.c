/*
 * End-to-end tests of the connection limits, over raw loopback sockets:
 * connections per address, the whole-request deadline against a client
 * that trickles its body or its headers, and a body over the limit
 * answered 413 at once with the connection closed instead of being read
 * to its end, and a burst of connections spread over the request threads.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dirent.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

#define PER_IP	4

static struct daemon d;

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, "[server]\nmax_connections_per_ip = 4\n"
	    "request_deadline_seconds = 2\nidle_timeout_seconds = 30\n"
	    "threads = 2\n");
	e2e_start(&d);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/*
 * Before each test: waits until the daemon has noticed every connection
 * the tests before closed (it does on its own time), so that a test
 * starts with all of its address's PER_IP connections: /metrics's open
 * connections are the one asking.
 */
static int
settle(void **state)
{
	struct http_result	 r;
	const char		*p;
	long			 open = -1;
	int			 i;

	(void)state;
	for (i = 0; i < 500 && open != 1; i++) {
		if (i > 0)
			e2e_sleep_ms(20);
		r = e2e_request(&d, "GET", "/metrics", NULL, NULL, 0);
		p = strstr(r.body, "\nfangfei_http_open_connections ");
		open = r.status == 200 && p != NULL ? strtol(p + 31, NULL,
		    10) : -1;
		e2e_result_free(&r);
	}
	if (open != 1)
		fprintf(stderr, "e2e_conn: %ld connections still open\n", open);
	return open == 1 ? 0 : -1;
}

/* Opens a TCP connection to the daemon, from 127.0.0.x when x > 0. */
static int
conn_open_from(int x)
{
	return e2e_connect(&d, x);
}

/* The same from the system's choice of address. */
static int
conn_open(void)
{
	return e2e_connect(&d, 0);
}

/* Fills n[] with the number of descriptors in each of the daemon's epoll
 * sets (libmicrohttpd's request threads), in descriptor order; returns
 * how many sets. */
static int
epoll_sets(int n[], int max)
{
	char		 path[320], link[64], line[256];
	struct dirent	*e;
	DIR		*dir;
	FILE		*f;
	ssize_t		 len;
	int		 sets = 0;

	(void)snprintf(path, sizeof path, "/proc/%ld/fd", (long)d.pid);
	assert_non_null(dir = opendir(path));
	while ((e = readdir(dir)) != NULL && sets < max) {
		(void)snprintf(path, sizeof path, "/proc/%ld/fd/%s",
		    (long)d.pid, e->d_name);
		if ((len = readlink(path, link, sizeof link - 1)) <= 0)
			continue;
		link[len] = '\0';
		if (strstr(link, "eventpoll") == NULL)
			continue;
		(void)snprintf(path, sizeof path, "/proc/%ld/fdinfo/%s",
		    (long)d.pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n[sets] = 0;
		while (fgets(line, sizeof line, f) != NULL)
			if (strncmp(line, "tfd:", 4) == 0)
				n[sets]++;
		fclose(f);
		sets++;
	}
	closedir(dir);
	return sets;
}

/* Writes all of s. */
static void
conn_send(int fd, const char *s, size_t n)
{
	assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/*
 * Reads what the server sends until it closes, or until ms milliseconds
 * pass with nothing arriving. Returns 1 if the server closed, 0 if it is
 * still open; out gets the start of what was read.
 */
static int
conn_drain(int fd, int ms, char *out, size_t size)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	size_t		 got = 0;
	ssize_t		 n;
	char		 tmp[4096];

	out[0] = '\0';
	for (;;) {
		if (poll(&p, 1, ms) <= 0)
			return 0;
		if ((n = recv(fd, tmp, sizeof tmp, 0)) <= 0)
			return 1;
		if (got + 1 < size) {
			size_t k = (size_t)n < size - 1 - got ?
			    (size_t)n : size - 1 - got;
			memcpy(out + got, tmp, k);
			got += k;
			out[got] = '\0';
		}
	}
}

/* One address holds at most PER_IP connections at once: the next is
 * closed unanswered, and once one is given back a new one is served. */
static void
test_per_address_limit(void **state)
{
	int		 fds[PER_IP], fd, i;
	char		 buf[1024];
	const char	*get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	int64_t		 end;

	(void)state;
	for (i = 0; i < PER_IP; i++) {
		fds[i] = conn_open();	/* held open, idle */
		assert_int_equal(conn_drain(fds[i], 50, buf, sizeof buf), 0);
	}
	fd = conn_open();
	(void)send(fd, get, strlen(get), MSG_NOSIGNAL);
	assert_int_equal(conn_drain(fd, 5000, buf, sizeof buf), 1);
	assert_null(strstr(buf, "200 OK"));
	close(fd);
	close(fds[0]);
	/* The server notices the close on its own time (a loaded
	 * machine's: seconds, while a refusal takes a fraction of a
	 * millisecond, so a count of tries is no bound): poll for it. */
	end = e2e_wall_ms() + 20000;
	do {
		fd = conn_open();
		(void)send(fd, get, strlen(get), MSG_NOSIGNAL);
		(void)conn_drain(fd, 2000, buf, sizeof buf);
		close(fd);
		if (strstr(buf, "200 OK") != NULL)
			break;
		nanosleep(&ts, NULL);
	} while (e2e_wall_ms() < end);
	assert_non_null(strstr(buf, "200 OK"));
	for (i = 1; i < PER_IP; i++)
		close(fds[i]);
}

/*
 * 40 connections opened at once, 4 from each of 10 addresses, are spread
 * over the two request threads, 20 each give or take 2. libmicrohttpd's
 * own accepting let the first thread to wake take up to ten a turn.
 */
static void
test_burst_spread(void **state)
{
	int		 fds[40], before[8], after[8], i, same, tries;
	char		 buf[256];
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	int64_t		 end;

	(void)state;
	/* The connections before (the start's, settle()'s) are closed on
	 * the server's time: the sets are counted once ten looks in a row,
	 * 200 ms, agree. */
	assert_int_equal(epoll_sets(before, 8), 2);
	for (tries = 0, same = 0; tries < 500 && same < 10; tries++) {
		nanosleep(&ts, NULL);
		assert_int_equal(epoll_sets(after, 8), 2);
		if (after[0] == before[0] && after[1] == before[1])
			same++;
		else
			same = 0;
		before[0] = after[0];
		before[1] = after[1];
	}
	for (i = 0; i < 40; i++)
		fds[i] = conn_open_from(2 + i / 4);
	/* Each is handed over on the accepting thread's time (a loaded
	 * machine's: up to 20 s). */
	end = e2e_wall_ms() + 20000;
	do {
		assert_int_equal(epoll_sets(after, 8), 2);
		if (after[0] - before[0] + after[1] - before[1] >= 40)
			break;
		(void)conn_drain(fds[0], 10, buf, sizeof buf);
	} while (e2e_wall_ms() < end);
	assert_int_equal(after[0] - before[0] + after[1] - before[1], 40);
	assert_in_range(after[0] - before[0], 18, 22);
	assert_in_range(after[1] - before[1], 18, 22);
	for (i = 0; i < 40; i++)
		close(fds[i]);
}

/* A body trickled a byte at a time is cut off by the deadline (2 s) long
 * before it is complete, though no gap reaches the idle timeout (30 s). */
static void
test_request_deadline(void **state)
{
	char		 head[256], buf[1024];
	int		 fd, i, closed = 0;

	(void)state;
	fd = conn_open();
	(void)snprintf(head, sizeof head, "POST /hook/demo HTTP/1.1\r\n"
	    "Host: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: 200\r\n\r\n{");
	conn_send(fd, head, strlen(head));
	/* 199 more bytes, one every 100 ms: 20 s in all if never cut. */
	for (i = 0; i < 199 && !closed; i++) {
		if (send(fd, " ", 1, MSG_NOSIGNAL) != 1)
			closed = 1;
		else
			closed = conn_drain(fd, 100, buf, sizeof buf);
	}
	assert_true(closed);
	assert_true(i < 100);	/* cut within 10 s, not after 20 */
	close(fd);
}

/* Headers trickled a byte at a time are cut off by the same deadline,
 * though fangfei sees a request only once its headers are complete. */
static void
test_header_deadline(void **state)
{
	char		 buf[1024];
	const char	*head = "POST /hook/demo HTTP/1.1\r\nHost: x\r\n"
	    "X-Slow: ";
	int		 fd, i, closed = 0;

	(void)state;
	fd = conn_open();
	conn_send(fd, head, strlen(head));
	/* 199 more header bytes, one every 100 ms: 20 s in all. */
	for (i = 0; i < 199 && !closed; i++) {
		if (send(fd, "a", 1, MSG_NOSIGNAL) != 1)
			closed = 1;
		else
			closed = conn_drain(fd, 100, buf, sizeof buf);
	}
	assert_true(closed);
	assert_true(i < 100);	/* cut within 10 s, not after 20 */
	close(fd);
}

/* A declared body past max_body_bytes (4096): 413 at once and the
 * connection closed, with none of the body read. */
static void
test_413_closes(void **state)
{
	char		 buf[2048];
	const char	*head = "POST /hook/demo HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 1000000\r\n\r\n{";
	int		 fd;

	(void)state;
	fd = conn_open();
	conn_send(fd, head, strlen(head));
	assert_int_equal(conn_drain(fd, 5000, buf, sizeof buf), 1);
	assert_non_null(strstr(buf, "413"));
	assert_non_null(strstr(buf, "Connection: close"));
	close(fd);
}

/* A chunked body that grows past max_body_bytes: the connection is closed
 * as soon as it does (libmicrohttpd cannot answer in the middle of a
 * body), while the client still has most of its body to send. */
static void
test_chunked_overflow_closes(void **state)
{
	char		 chunk[1100], buf[2048];
	const char	*head = "POST /hook/demo HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	int		 fd, i, closed = 0;

	(void)state;
	fd = conn_open();
	conn_send(fd, head, strlen(head));
	memcpy(chunk, "400\r\n", 5);
	memset(chunk + 5, 'a', 1024);
	memcpy(chunk + 5 + 1024, "\r\n", 2);
	/* Up to 1 MiB of a body that never ends: cut after about 4 KiB. */
	for (i = 0; i < 1024 && !closed; i++) {
		if (send(fd, chunk, 1031, MSG_NOSIGNAL) != 1031)
			closed = 1;
		else
			closed = conn_drain(fd, 20, buf, sizeof buf);
	}
	assert_true(closed);
	assert_true(i < 512);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst_spread, settle),
		cmocka_unit_test_setup(test_per_address_limit, settle),
		cmocka_unit_test_setup(test_request_deadline, settle),
		cmocka_unit_test_setup(test_header_deadline, settle),
		cmocka_unit_test_setup(test_413_closes, settle),
		cmocka_unit_test_setup(test_chunked_overflow_closes, settle),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

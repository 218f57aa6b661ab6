/*
 * End-to-end test of the connection limits under load, from three
 * loopback addresses at once: 127.0.0.2 opens 10,000 connections and
 * sends nothing on them, 127.0.0.3 trickles a request body a byte at a
 * time, and meanwhile residents' checks (查询) from 127.0.0.1 must all be
 * answered, and right. Their latencies are printed (p50, p99, the
 * slowest), never asserted: the machine is shared.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

#define FLOOD_ADDR	"127.0.0.2"	/* the idle connections */
#define SLOW_ADDR	"127.0.0.3"	/* the trickled body */
#define CHECK_ADDR	"127.0.0.1"	/* the residents */
#define FLOOD_CONNS	10000
#define PER_IP		32		/* max_connections_per_ip's default */
#define DEADLINE	5		/* request_deadline_seconds here */
#define CHECKS		500
/* The checks start with the flood and go on over the slow client's life:
 * one begins every CHECK_GAP_MS (when the one before is done). */
#define CHECK_GAP_MS	10
#define CHECK_TIMEOUT_MS 10000L		/* a check's whole time, at most */
/* Under the body cap (max_body_bytes = 4096), so that it is read, not
 * refused at once: at a byte every 200 ms, 800 s if never cut off. */
#define SLOW_BODY	4000
#define SLOW_GAP_MS	200
/* How long the slow client keeps going before it gives up on being cut
 * off: four deadlines. */
#define SLOW_GIVE_UP_MS	(4 * DEADLINE * 1000)

static struct daemon d;
static char log_path[512];

/* The idle connections of FLOOD_ADDR and what became of them. */
struct flood {
	pthread_t	 thread;
	int		 fds[FLOOD_CONNS];
	int		 epfd;
	atomic_int	 stop;
	atomic_int	 opened;	/* connect() issued, all of them: 1 */
	double		 open_ms;	/* how long issuing them took */
	atomic_int	 connected;	/* the handshake completed */
	atomic_int	 closed;	/* then closed by the daemon */
	atomic_int	 failed;	/* connect failed (refused, reset) */
	int		 cause;		/* errno of a socket that could not
					   be made, or 0 */
};

/* The client of SLOW_ADDR and when the daemon cut it off. */
struct slow {
	pthread_t	 thread;
	atomic_int	 closed;	/* by the daemon, before giving up */
	size_t		 sent;		/* body bytes sent */
	long		 ms;		/* from its first byte to the close */
	char		 answer[256];	/* what the daemon sent, if anything */
};

static struct flood flood;

/* Milliseconds of the monotonic clock. */
static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Raises this process's file limit to what FLOOD_CONNS needs (the daemon,
 * started after, inherits it); -1 when the hard limit is too low. */
static int
raise_nofile(void)
{
	struct rlimit	 rl;
	rlim_t		 want = FLOOD_CONNS + 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want) {
		rl.rlim_max = want;	/* as root */
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			return -1;
		return 0;
	}
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* A TCP socket bound to the source address src (no port yet: the kernel
 * picks one at connect, for this destination); -1 on failure. */
static int
sock_from(const char *src, int flags)
{
	struct sockaddr_in	 sa;
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | flags, 0)) == -1)
		return -1;
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	(void)inet_pton(AF_INET, src, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The daemon's address. */
static void
daemon_addr(struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)d.port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* Notes what happened on flood connection i (an epoll event): its
 * handshake done, or the daemon closing it. */
static void
flood_event(struct flood *f, int i, uint32_t ev)
{
	char		 c;
	int		 err = 0;
	socklen_t	 len = sizeof err;
	ssize_t		 n;

	if (f->fds[i] == -1)
		return;
	if (ev & EPOLLOUT) {
		(void)getsockopt(f->fds[i], SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			atomic_fetch_add(&f->failed, 1);
			goto gone;
		}
		atomic_fetch_add(&f->connected, 1);
		{
			struct epoll_event	 e = { 0 };

			e.events = EPOLLIN | EPOLLRDHUP;
			e.data.u32 = (uint32_t)i;
			(void)epoll_ctl(f->epfd, EPOLL_CTL_MOD, f->fds[i], &e);
		}
		if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
			return;
	}
	n = recv(f->fds[i], &c, 1, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	atomic_fetch_add(&f->closed, 1);
gone:
	(void)epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->fds[i], NULL);
	close(f->fds[i]);
	f->fds[i] = -1;
}

/*
 * The flood's thread: issues FLOOD_CONNS non-blocking connects from
 * FLOOD_ADDR as fast as it can, then watches them until told to stop. It
 * never sends a byte, and never opens again what the daemon closes.
 */
static void *
flood_run(void *arg)
{
	struct flood		*f = arg;
	struct sockaddr_in	 sa;
	struct epoll_event	 e, evs[256];
	double			 t0 = now_ms();
	int			 i, n;

	daemon_addr(&sa);
	for (i = 0; i < FLOOD_CONNS; i++) {
		if ((f->fds[i] = sock_from(FLOOD_ADDR, SOCK_NONBLOCK)) == -1) {
			f->cause = errno;
			break;
		}
		if (connect(f->fds[i], (struct sockaddr *)&sa, sizeof sa) ==
		    -1 && errno != EINPROGRESS) {
			atomic_fetch_add(&f->failed, 1);
			close(f->fds[i]);
			f->fds[i] = -1;
			continue;
		}
		memset(&e, 0, sizeof e);
		e.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
		e.data.u32 = (uint32_t)i;
		(void)epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->fds[i], &e);
		/* Now and then, what has already happened. */
		if (i % 512 == 511 && (n = epoll_wait(f->epfd, evs, 256, 0)) > 0)
			while (n-- > 0)
				flood_event(f, (int)evs[n].data.u32,
				    evs[n].events);
	}
	for (; i < FLOOD_CONNS; i++)
		f->fds[i] = -1;
	f->open_ms = now_ms() - t0;
	atomic_store(&f->opened, 1);
	while (!atomic_load(&f->stop))
		if ((n = epoll_wait(f->epfd, evs, 256, 50)) > 0)
			while (n-- > 0)
				flood_event(f, (int)evs[n].data.u32,
				    evs[n].events);
	return NULL;
}

/* Starts the flood's thread. */
static void
flood_start(struct flood *f)
{
	memset(f, 0, sizeof *f);
	f->epfd = epoll_create1(0);
	assert_true(f->epfd >= 0);
	assert_int_equal(pthread_create(&f->thread, NULL, flood_run, f), 0);
}

/* Stops it and closes what is left open. */
static void
flood_stop(struct flood *f)
{
	int	 i;

	atomic_store(&f->stop, 1);
	(void)pthread_join(f->thread, NULL);
	for (i = 0; i < FLOOD_CONNS; i++)
		if (f->fds[i] != -1)
			close(f->fds[i]);
	close(f->epfd);
}

/*
 * The slow client's thread: from SLOW_ADDR, the head of a webhook POST
 * whose Content-Length promises SLOW_BODY bytes, then one byte every
 * SLOW_GAP_MS, until the daemon closes the connection or SLOW_GIVE_UP_MS
 * pass.
 */
static void *
slow_run(void *arg)
{
	struct slow		*s = arg;
	struct sockaddr_in	 sa;
	struct pollfd		 p;
	char			 head[256];
	double			 t0;
	size_t			 got = 0;
	ssize_t			 n;
	int			 fd;

	daemon_addr(&sa);
	if ((fd = sock_from(SLOW_ADDR, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		(void)snprintf(s->answer, sizeof s->answer, "connect: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	(void)snprintf(head, sizeof head, "POST /hook/demo HTTP/1.1\r\n"
	    "Host: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: %d\r\n\r\n{", SLOW_BODY);
	t0 = now_ms();
	if (send(fd, head, strlen(head), MSG_NOSIGNAL) != (ssize_t)strlen(head))
		goto closed;
	s->sent = 1;
	p.fd = fd;
	p.events = POLLIN;
	while (s->sent < SLOW_BODY && now_ms() - t0 < SLOW_GIVE_UP_MS) {
		p.revents = 0;
		if (poll(&p, 1, SLOW_GAP_MS) > 0) {
			n = recv(fd, s->answer + got, sizeof s->answer - 1 -
			    got, 0);
			if (n <= 0)
				goto closed;
			got += (size_t)n;
			s->answer[got] = '\0';
			if (got + 1 >= sizeof s->answer)
				got = 0;
			continue;
		}
		if (send(fd, " ", 1, MSG_NOSIGNAL) != 1)
			goto closed;
		s->sent++;
	}
	close(fd);
	return NULL;
closed:
	s->ms = (long)(now_ms() - t0);
	atomic_store(&s->closed, 1);
	close(fd);
	return NULL;
}

/* Whether a check's answer names the enterprise's notice. */
static int
check_ok(long status, const char *body)
{
	return status == 200 && body != NULL && strstr(body, "第1期") != NULL;
}

/* libcurl write callback into a capped buffer. */
static size_t
check_write(char *p, size_t size, size_t n, void *arg)
{
	char	*buf = arg;
	size_t	 len = strlen(buf), add = size * n;

	if (add > 4095 - len)
		add = 4095 - len;
	memcpy(buf + len, p, add);
	buf[len + add] = '\0';
	return size * n;
}

/*
 * Sends check number i from CHECK_ADDR on a connection of its own, by
 * name or by USCC in turn, each from a sender of its own (the flood limit
 * counts per sender); fills status and body, returns milliseconds.
 */
static double
check_one(int i, long *status, char *body)
{
	static const char *const hdr = "Content-Type: application/json";
	struct curl_slist	*hl = NULL;
	char			 url[128], json[512];
	double			 t0;
	CURL			*c = curl_easy_init();

	(void)snprintf(url, sizeof url, "%s/hook/demo", d.base);
	(void)snprintf(json, sizeof json, "{\"chat_id\":\"u-flood-%d\","
	    "\"chat_type\":\"private\",\"sender_id\":\"u-flood-%d\","
	    "\"text\":\"查询 %s\",\"message_id\":\"flood-%d\"}", i, i,
	    i % 2 ? "91370303MA3C01001E" : "鑫源财富", i);
	hl = curl_slist_append(hl, hdr);
	hl = curl_slist_append(hl, "Expect:");
	body[0] = '\0';
	*status = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_INTERFACE, "host!" CHECK_ADDR);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, check_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, CHECK_TIMEOUT_MS);
	t0 = now_ms();
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	t0 = now_ms() - t0;
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return t0;
}

/* qsort's order of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The value of a gauge in /metrics (fetched from CHECK_ADDR), or -1. */
static long
metric(const char *name)
{
	struct http_result	 r;
	const char		*p;
	long			 v = -1;

	r = e2e_request(&d, "GET", "/metrics", NULL, NULL, 0);
	/* The sample's line, not its # HELP. */
	if (r.status == 200 && (p = strstr(r.body, name)) != NULL)
		v = strtol(p + strlen(name), NULL, 10);
	e2e_result_free(&r);
	return v;
}

/* Lines of the daemon's log that hold s. */
static int
log_lines(const char *s)
{
	char	 line[1024];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen(log_path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(f);
	return n;
}

static int
group_setup(void **state)
{
	char	 extra[128];

	(void)state;
	if (raise_nofile() == -1) {
		fprintf(stderr, "e2e_flood: cannot raise RLIMIT_NOFILE to %d: "
		    "%s\n", FLOOD_CONNS + 1024, strerror(errno));
		return -1;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	/* The default connection limits; a short whole-request deadline so
	 * that the slow client's end comes soon (the idle timeout applied
	 * is then the same 5 s). */
	(void)snprintf(extra, sizeof extra, "[server]\n"
	    "request_deadline_seconds = %d\n", DEADLINE);
	e2e_prepare(&d, extra);
	(void)snprintf(log_path, sizeof log_path, "%s/daemon.log", d.dir);
	e2e_start_log(&d, log_path);
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
 * While 127.0.0.2 holds (or tries to hold) 10,000 idle connections and
 * 127.0.0.3 trickles a body, every check from 127.0.0.1 is answered 200
 * with the notice, within the client's 10 s; the daemon keeps no more
 * than its per-address limit of the flood's, cuts the slow client off at
 * its deadline, does not write a log line per refused connection, and is
 * alive and healthy afterwards, and stops cleanly.
 */
static void
test_third_address_answered(void **state)
{
	static char	 body[4096];
	struct slow	 slow;
	struct timespec	 gap = { 0, 0 };
	double		 ms[CHECKS], t0, late;
	long		 status, open_conns = -1, v;
	int		 i, bad = 0, st, during_open = 0, during_slow = 0;
	int		 limit_lines;
	struct http_result r;

	(void)state;
	memset(&slow, 0, sizeof slow);
	flood_start(&flood);
	assert_int_equal(pthread_create(&slow.thread, NULL, slow_run, &slow),
	    0);
	t0 = now_ms();
	for (i = 0; i < CHECKS; i++) {
		if (!atomic_load(&flood.opened))
			during_open++;
		if (!atomic_load(&slow.closed))
			during_slow++;
		/* Now and then, how many connections the daemon holds. */
		if (i % 20 == 0 && (v = metric("\nfangfei_http_open_"
		    "connections ")) > open_conns)
			open_conns = v;
		ms[i] = check_one(i, &status, body);
		if (!check_ok(status, body)) {
			if (bad++ < 5)
				fprintf(stderr, "check %d: status %ld after "
				    "%.0f ms: %.200s\n", i, status, ms[i],
				    body);
		}
		late = t0 + (double)(i + 1) * CHECK_GAP_MS - now_ms();
		if (late > 0) {
			gap.tv_nsec = (long)(late * 1e6);
			(void)nanosleep(&gap, NULL);
		}
	}
	t0 = now_ms() - t0;
	(void)pthread_join(slow.thread, NULL);
	printf("flood from %s: %d connects in %.0f ms, %d completed, %d "
	    "closed by the daemon, %d refused%s%s\n", FLOOD_ADDR, FLOOD_CONNS,
	    flood.open_ms,
	    atomic_load(&flood.connected), atomic_load(&flood.closed),
	    atomic_load(&flood.failed), flood.cause ? "; stopped: " : "",
	    flood.cause ? strerror(flood.cause) : "");
	printf("open connections at the daemon, the most seen: %ld\n",
	    open_conns);
	qsort(ms, CHECKS, sizeof ms[0], cmp_double);
	printf("%d checks from %s in %.1f s (%d while the flood was being "
	    "opened, %d while the slow client was): p50 %.1f ms, p99 %.1f "
	    "ms, slowest %.1f ms\n", CHECKS, CHECK_ADDR, t0 / 1000.0,
	    during_open, during_slow, ms[CHECKS / 2],
	    ms[(CHECKS * 99 + 99) / 100 - 1], ms[CHECKS - 1]);
	printf("slow client from %s: %s after %.1f s, %zu of %d body bytes "
	    "sent\n", SLOW_ADDR, slow.closed ? "cut off" : "never cut off",
	    (double)slow.ms / 1000.0, slow.sent, SLOW_BODY);
	limit_lines = log_lines("connection limit");
	printf("daemon log lines about the connection limit: %d\n",
	    limit_lines);
	flood_stop(&flood);

	assert_int_equal(flood.cause, 0);
	assert_int_equal(bad, 0);
	/* No more of the flood's than its address may hold, the slow
	 * client, the request that asked, and a few checks' connections
	 * whose close the daemon has not seen yet. */
	assert_true(open_conns >= 0);
	assert_true(open_conns <= PER_IP + 1 + 1 + 4);
	assert_true(slow.closed);
	assert_true(slow.sent < SLOW_BODY);
	/* libmicrohttpd's line for each connection closed at the limit is
	 * written once, then counted: a line and its count, not 9,968. */
	assert_true(limit_lines >= 1);
	assert_true(limit_lines <= 4);
	/* Alive, and healthy. */
	assert_int_equal(waitpid(d.pid, &st, WNOHANG), 0);
	r = e2e_request(&d, "GET", "/healthz", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	/* And it stops cleanly (under ThreadSanitizer, a race found in all
	 * this would make it 66). */
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_third_address_answered),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

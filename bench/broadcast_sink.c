/*
 * The broadcast bench's sink: a small HTTP server on 127.0.0.1 that
 * answers every POST with WeCom's {"errcode":0,"errmsg":"ok"} and counts
 * them. libmicrohttpd, epoll, a thread pool.
 *
 *   broadcast_sink [THREADS]
 *
 * Binds a free port and prints "broadcast_sink: listening on PORT".
 * GET /stats answers {"posts":N,"first_ms":T,"last_ms":T,"bad":N}: POSTs
 * answered so far and the wall-clock times (ms) of the first and the
 * latest; "bad" counts POST bodies that were not the robot's text JSON.
 * Runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define SINK_OK		"{\"errcode\":0,\"errmsg\":\"ok\"}"
#define SINK_PREFIX	"{\"msgtype\":\"text\",\"text\":{\"content\":"

static atomic_long	 posts, bad;
static atomic_llong	 first_ms, last_ms;
static struct MHD_Response *ok;

struct req {
	size_t	 len;
	int	 prefix_ok;	/* the first bytes are SINK_PREFIX */
	char	 head[sizeof SINK_PREFIX];
};

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static enum MHD_Result
stats(struct MHD_Connection *c)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rc;
	char			 buf[160];
	int			 n;

	n = snprintf(buf, sizeof buf, "{\"posts\":%ld,\"first_ms\":%lld,"
	    "\"last_ms\":%lld,\"bad\":%ld}\n", atomic_load(&posts),
	    atomic_load(&first_ms), atomic_load(&last_ms), atomic_load(&bad));
	r = MHD_create_response_from_buffer((size_t)n, buf,
	    MHD_RESPMEM_MUST_COPY);
	(void)MHD_add_response_header(r, "Content-Type", "application/json");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct req	*r = *con_cls;
	long long	 t, z = 0;
	size_t		 k;

	(void)cls;
	(void)version;
	if (strcmp(method, "POST") != 0)
		return strcmp(url, "/stats") == 0 ? stats(c) :
		    MHD_queue_response(c, MHD_HTTP_NOT_FOUND, ok);
	if (r == NULL) {
		if ((r = calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (r->len < sizeof SINK_PREFIX - 1) {
			k = sizeof SINK_PREFIX - 1 - r->len;
			if (k > *upload_size)
				k = *upload_size;
			memcpy(r->head + r->len, upload, k);
		}
		r->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->len < sizeof SINK_PREFIX - 1 ||
	    memcmp(r->head, SINK_PREFIX, sizeof SINK_PREFIX - 1) != 0)
		atomic_fetch_add(&bad, 1);
	t = now_ms();
	(void)atomic_compare_exchange_strong(&first_ms, &z, t);
	atomic_store(&last_ms, t);	/* the pool's clocks agree to the ms */
	atomic_fetch_add(&posts, 1);
	return MHD_queue_response(c, MHD_HTTP_OK, ok);
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon		*d;
	struct sockaddr_in		 sa;
	const union MHD_DaemonInfo	*info;
	sigset_t			 set;
	int				 sig;
	unsigned int			 threads = 2;

	if (argc > 1)
		threads = (unsigned int)strtoul(argv[1], NULL, 10);
	if (threads < 1 || threads > 64)
		threads = 2;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	ok = MHD_create_response_from_buffer(strlen(SINK_OK), (void *)
	    (uintptr_t)SINK_OK, MHD_RESPMEM_PERSISTENT);
	(void)MHD_add_response_header(ok, "Content-Type",
	    "application/json; charset=utf-8");
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ITC, 0, NULL, NULL, handler, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL || (info = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_BIND_PORT)) == NULL) {
		fprintf(stderr, "broadcast_sink: cannot listen\n");
		return 1;
	}
	printf("broadcast_sink: listening on %u\n", (unsigned int)info->port);
	fflush(stdout);
	while ((sig = sigwaitinfo(&set, NULL)) == -1)
		;
	MHD_stop_daemon(d);
	MHD_destroy_response(ok);
	return 0;
}

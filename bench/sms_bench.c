/*
 * The SMS bench's fake phones (bench/sms.sh): both ends of a real Kannel
 * on loopback. Phones send MO messages into Kannel's HTTP SMSC (the one
 * with system-type = kannel that stands for the operator), and the phone
 * network behind its send-url (bench/sms_phones.c) takes the MT
 * answers Kannel sends back, part by part. An answer is complete when all
 * the parts its UDH announces have arrived.
 *
 *   sms_bench ports K
 *	K distinct free loopback TCP ports, one a line.
 *   sms_bench wait URL SECONDS TEXT...
 *	GETs URL until it answers 200 with every TEXT in its body; exit 0,
 *	or 1 when SECONDS pass first.
 *   sms_bench run [-o FIRST] [-s PORT -f HOOK_URL] LABEL SMSC_PORT
 *       SINK_PORT N WINDOW
 *	One probe MO, waited for, then N MOs from N distinct numbers
 *	(+86138 and 8 digits, FIRST the probe's, 0 unless told), at most
 *	WINDOW of them unanswered at a time.
 *	With -s, also answers Kannel's get-url on PORT with the body that
 *	HOOK_URL (fangfei's /hook/NAME?token=…) gives for the same MO, the
 *	same every time: the static responder of the reference run.
 *	Prints an ANSWER line (the probe's answer) and a BENCH line: the rate
 *	of complete answers end to end, MO to last MT part latency (p50, p99,
 *	max), parts, failures.
 *
 * Exit status: 0 when every MO was answered, 1 when the run could not
 * finish (injection refused, no answer for a minute), 2 on bad usage.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "sms_bench.h"

#define SHORT_CODE	"10690001"
#define SMSC_USER	"up"		/* bench/sms.sh's smsc-username */
#define SMSC_PASS	"uppw"
#define SMSC_CONNS	4	/* connections to the SMSC at most */
#define N_MAX		1000000
#define WINDOW_MAX	1024
#define PORTS_MAX	16
#define STALL_MS	60000	/* no progress this long: the run failed */

/* A decimal argument in [lo, hi]; exits with 2 otherwise. */
static int
num_arg(const char *s, int lo, int hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "sms_bench: %s must be %d..%d, not %s\n", what,
		    lo, hi, s);
		exit(2);
	}
	return (int)v;
}

/* Prints k distinct free ports: all are bound at once, then let go (the
 * daemons bind them next). 0 or -1. */
static int
cmd_ports(int k)
{
	struct sockaddr_in	 sa;
	socklen_t		 len;
	int			 fds[PORTS_MAX], ports[PORTS_MAX], i, rc = -1;

	for (i = 0; i < k; i++)
		fds[i] = -1;
	for (i = 0; i < k; i++) {
		sa = loopback(0);
		len = sizeof sa;
		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    bind(fds[i], (struct sockaddr *)&sa, sizeof sa) == -1 ||
		    getsockname(fds[i], (struct sockaddr *)&sa, &len) == -1) {
			perror("sms_bench: ports");
			goto out;
		}
		ports[i] = ntohs(sa.sin_port);
	}
	for (i = 0; i < k; i++)
		printf("%d\n", ports[i]);
	rc = 0;
out:
	for (i = 0; i < k; i++)
		if (fds[i] != -1)
			close(fds[i]);
	return rc;
}

/* GET url into body; the status, or 0 when no answer came. */
static long
http_get(const char *url, struct capped *body)
{
	CURL	*e;
	long	 status = 0;

	memset(body, 0, sizeof *body);
	if ((e = curl_easy_init()) == NULL)
		return 0;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, capped_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	return status;
}

/* Polls url until it answers 200 with every text in the body. */
static int
cmd_wait(const char *url, int secs, char **texts, int ntexts)
{
	struct capped	*body = malloc(sizeof *body);
	int64_t		 end = now_ns() + (int64_t)secs * 1000000000;
	int		 i, rc = -1;

	if (body == NULL)
		return -1;
	while (now_ns() < end) {
		if (http_get(url, body) == 200) {
			for (i = 0; i < ntexts; i++)
				if (strstr(body->data, texts[i]) == NULL)
					break;
			if (i == ntexts) {
				rc = 0;
				break;
			}
		}
		sleep_ms(100);
	}
	free(body);
	return rc;
}

/* MO_TEXT as UTF-16BE, url-encoded: what a phone sends as UCS-2. The
 * caller frees it with curl_free. */
static char *
mo_escaped(void)
{
	const unsigned char	*p = (const unsigned char *)MO_TEXT;
	unsigned char		 be[256];
	uint32_t		 cp;
	size_t			 n = 0;

	while (*p != '\0' && n + 2 <= sizeof be) {
		if (*p < 0x80)
			cp = *p++;
		else if ((*p & 0xe0) == 0xc0) {
			cp = (uint32_t)(*p & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else {
			cp = (uint32_t)(*p & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		}
		be[n++] = (unsigned char)(cp >> 8);
		be[n++] = (unsigned char)cp;
	}
	return curl_easy_escape(NULL, (const char *)be, (int)n);
}

/* curl write callback that drops the SMSC's "Sent.". */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* A new easy handle: phone i (number first + i) sends MO_TEXT to the
 * short code. */
static CURL *
mo_easy(int smsc_port, const char *text, int first, int i)
{
	CURL	*e;
	char	 url[1024];

	if ((e = curl_easy_init()) == NULL)
		return NULL;
	(void)snprintf(url, sizeof url, "http://127.0.0.1:%d/sms?username="
	    SMSC_USER "&password=" SMSC_PASS "&from=%%2B86138%08d&to="
	    SHORT_CODE "&text=%s&coding=2", smsc_port, first + i, text);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)(intptr_t)i);
	return e;
}

/*
 * Sends the MOs of phones from..to-1, at most window unanswered, and
 * waits for all their answers. 0, or -1 when an MO was refused or
 * nothing moved for STALL_MS.
 */
static int
inject(struct run *r, int smsc_port, const char *text, int from, int to,
    int window)
{
	CURLMsg		*msg;
	CURL		*e;
	int		 next = from, resolved = 0, last = -1, running, left;
	int		 base, i, rc = -1;
	char		*priv;
	long		 status;
	int64_t		 moved = now_ns();
	CURLcode	 res;

	pthread_mutex_lock(&r->lock);
	base = r->done + r->failed;
	pthread_mutex_unlock(&r->lock);
	for (;;) {
		pthread_mutex_lock(&r->lock);
		resolved = r->done + r->failed - base;
		while (next < to && next - from - resolved < window) {
			if ((e = mo_easy(smsc_port, text, r->first, next)) == NULL)
				break;
			r->ph[next].state = PH_SENT;
			r->ph[next].sent_ns = now_ns();
			curl_multi_add_handle(r->multi, e);
			next++;
		}
		pthread_mutex_unlock(&r->lock);
		if (resolved == to - from)
			break;
		if (resolved != last) {
			last = resolved;
			moved = now_ns();
		} else if (now_ns() - moved > (int64_t)STALL_MS * 1000000) {
			fprintf(stderr, "sms_bench: %d of %d answered, nothing "
			    "for %d s\n", resolved, to - from, STALL_MS / 1000);
			goto out;
		}
		curl_multi_perform(r->multi, &running);
		while ((msg = curl_multi_info_read(r->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			e = msg->easy_handle;
			res = msg->data.result;
			status = 0;
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
			priv = NULL;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
			i = (int)(intptr_t)priv;
			if (res != CURLE_OK || status != 202) {
				fprintf(stderr, "sms_bench: the SMSC answered "
				    "MO %d with %ld (%s)\n", i, status,
				    curl_easy_strerror(res));
				pthread_mutex_lock(&r->lock);
				if (r->ph[i].state == PH_SENT) {
					r->ph[i].state = PH_FAILED;
					r->failed++;
				}
				pthread_mutex_unlock(&r->lock);
			}
			curl_multi_remove_handle(r->multi, e);
			curl_easy_cleanup(e);
		}
		curl_multi_poll(r->multi, NULL, 0, 100, NULL);
	}
	rc = r->failed > 0 ? -1 : 0;
out:
	return rc;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The probe's answer on one line (newlines as " / "). */
static void
print_answer(const struct run *r, int parts)
{
	const char	*p;
	int		 k;

	printf("ANSWER parts=%d coding=%d text=", parts, r->coding);
	for (k = 0; k < parts && k < PARTS_MAX; k++)
		for (p = r->sample[k]; *p != '\0'; p++)
			if (*p == '\n')
				fputs(" / ", stdout);
			else if (*p != '\r')
				putchar(*p);
	putchar('\n');
}

/* Prints the BENCH line of phones 1..n-1. */
static void
print_bench(const struct run *r, const char *label, int window)
{
	struct rusage	 ru;
	int64_t		*lat, t0 = INT64_MAX, t1 = 0;
	int		 i, k = 0, other = 0, parts = 0;
	double		 secs, cpu = 0;

	if ((lat = calloc((size_t)r->n, sizeof *lat)) == NULL)
		return;
	for (i = 1; i < r->n; i++) {
		if (r->ph[i].sent_ns != 0 && r->ph[i].sent_ns < t0)
			t0 = r->ph[i].sent_ns;
		if (r->ph[i].state != PH_DONE)
			continue;
		if (r->ph[i].done_ns > t1)
			t1 = r->ph[i].done_ns;
		lat[k++] = r->ph[i].done_ns - r->ph[i].sent_ns;
		parts += r->ph[i].parts;
		if (r->ph[i].total != r->ph[0].total)
			other++;
	}
	qsort(lat, (size_t)k, sizeof *lat, cmp64);
	/* This process's CPU (its servers' threads too), for bench/sms.sh
	 * to tell the machine's other work from the bench's. */
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	secs = k > 0 ? (double)(t1 - t0) / 1e9 : 0;
	printf("BENCH label=%s n=%d window=%d answered=%d failed=%d "
	    "secs=%.2f rate=%.1f parts=%d parts_rate=%.1f p50_ms=%.1f "
	    "p99_ms=%.1f max_ms=%.1f other_parts=%d stray=%d "
	    "client_cpu_s=%.3f\n", label,
	    r->n - 1, window, k, r->failed, secs, secs > 0 ? k / secs : 0,
	    parts, secs > 0 ? parts / secs : 0,
	    k > 0 ? lat[k / 2] / 1e6 : 0,
	    k > 0 ? lat[(size_t)k * 99 / 100] / 1e6 : 0,
	    k > 0 ? lat[k - 1] / 1e6 : 0, other, r->stray, cpu);
	free(lat);
}

static void
usage(void)
{
	fprintf(stderr, "usage: sms_bench ports K\n"
	    "       sms_bench wait URL SECONDS TEXT...\n"
	    "       sms_bench run [-o FIRST] [-s PORT -f HOOK_URL] LABEL "
	    "SMSC_PORT SINK_PORT N WINDOW\n");
	exit(2);
}

/* sms_bench run: see the comment at the top. */
static int
cmd_run(int argc, char **argv)
{
	struct run		 r;
	struct fixed		*f = NULL;
	struct MHD_Daemon	*phones = NULL, *fixd = NULL;
	const char		*hook = NULL, *label;
	char			*text = NULL;
	int			 static_port = 0, smsc, sink, n, window, c;
	int			 rc = 1;

	memset(&r, 0, sizeof r);
	pthread_mutex_init(&r.lock, NULL);
	optind = 1;
	while ((c = getopt(argc, argv, "o:s:f:")) != -1)
		switch (c) {
		case 'o':
			r.first = num_arg(optarg, 0, NUM_MAX - N_MAX - 1,
			    "FIRST");
			break;
		case 's':
			static_port = num_arg(optarg, 1, 65535, "PORT");
			break;
		case 'f':
			hook = optarg;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc != 5 || (static_port != 0) != (hook != NULL))
		usage();
	label = argv[0];
	smsc = num_arg(argv[1], 1, 65535, "SMSC_PORT");
	sink = num_arg(argv[2], 1, 65535, "SINK_PORT");
	n = num_arg(argv[3], 1, N_MAX, "N");
	window = num_arg(argv[4], 1, WINDOW_MAX, "WINDOW");
	r.n = n + 1;
	if ((r.ph = calloc((size_t)r.n, sizeof *r.ph)) == NULL ||
	    (r.multi = curl_multi_init()) == NULL ||
	    (text = mo_escaped()) == NULL)
		goto out;
	/* A few connections to the SMSC, kept: Kannel listens with a
	 * backlog of 10, and a burst of connects beyond it loses SYNs, each
	 * then retried a second later (a stall that is not Kannel's nor
	 * fangfei's). The MOs wait their turn in curl, a fraction of a
	 * millisecond each. */
	curl_multi_setopt(r.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)SMSC_CONNS);
	curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS, (long)SMSC_CONNS);
	if (static_port != 0) {
		if ((f = malloc(sizeof *f)) == NULL || fixed_fetch(hook, f) != 0)
			goto out;
		if ((fixd = static_serve(static_port, f)) == NULL) {
			fprintf(stderr, "sms_bench: cannot listen on %d\n",
			    static_port);
			goto out;
		}
	}
	if ((phones = phones_serve(sink, &r)) == NULL) {
		fprintf(stderr, "sms_bench: cannot listen on %d\n", sink);
		goto out;
	}
	/* The probe: the path works, and what one answer looks like. */
	if (inject(&r, smsc, text, 0, 1, 1) != 0)
		goto out;
	print_answer(&r, r.ph[0].total);
	fflush(stdout);
	if (inject(&r, smsc, text, 1, r.n, window) == 0)
		rc = 0;
	phones_drain(&r);
	/* Late or repeated parts still count as stray until here. */
	pthread_mutex_lock(&r.lock);
	print_bench(&r, label, window);
	pthread_mutex_unlock(&r.lock);
out:
	if (phones != NULL)
		MHD_stop_daemon(phones);
	if (fixd != NULL)
		MHD_stop_daemon(fixd);
	if (r.multi != NULL)
		curl_multi_cleanup(r.multi);
	curl_free(text);
	free(f);
	free(r.ph);
	pthread_mutex_destroy(&r.lock);
	return rc;
}

int
main(int argc, char **argv)
{
	int	 rc;

	if (argc < 2)
		usage();
	curl_global_init(CURL_GLOBAL_ALL);
	if (strcmp(argv[1], "ports") == 0 && argc == 3)
		rc = cmd_ports(num_arg(argv[2], 1, PORTS_MAX, "K")) == 0 ? 0 : 1;
	else if (strcmp(argv[1], "wait") == 0 && argc >= 5)
		rc = cmd_wait(argv[2], num_arg(argv[3], 1, 3600, "SECONDS"),
		    argv + 4, argc - 4) == 0 ? 0 : 1;
	else if (strcmp(argv[1], "run") == 0)
		rc = cmd_run(argc - 1, argv + 1);
	else
		usage();
	curl_global_cleanup();
	return rc;
}

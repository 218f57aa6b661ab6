/*
 * The SMS bench's servers (bench/sms_bench.c runs them): the phones'
 * network behind Kannel's send-url, which records each MT part (its UDH
 * says which part of how many; an answer is complete when all its parts
 * have come), and the static responder of the reference run, which gives
 * Kannel's get-url the same answer every time, fetched once from fangfei.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "sms_bench.h"

/* Monotonic nanoseconds. */
int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleeps ms milliseconds. */
void
sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* A loopback socket address for port. */
struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in	 sa;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	return sa;
}

/* curl write callback: appends to a struct capped; past the cap it
 * notes the overflow and drops the rest (the caller decides). */
size_t
capped_write(char *p, size_t size, size_t n, void *arg)
{
	struct capped	*c = arg;
	size_t		 len = size * n, room = sizeof c->data - 1 - c->len;

	if (len > room) {
		c->over = 1;
		len = room;
	}
	memcpy(c->data + c->len, p, len);
	c->len += len;
	c->data[c->len] = '\0';
	return size * n;
}

/*
 * The concatenation in a UDH (IEI 0 with an 8-bit reference, IEI 8 with
 * a 16-bit one): *total and *seq, 1 and 1 when there is none.
 */
static void
udh_concat(const unsigned char *u, size_t len, int *total, int *seq)
{
	size_t	 i, l, end;

	*total = 1;
	*seq = 1;
	if (len < 1 || (size_t)u[0] + 1 > len)
		return;
	end = (size_t)u[0] + 1;
	for (i = 1; i + 2 <= end; i += 2 + l) {
		l = u[i + 1];
		if (i + 2 + l > end)
			return;
		if (u[i] == 0x00 && l == 3) {
			*total = u[i + 3];
			*seq = u[i + 4];
		} else if (u[i] == 0x08 && l == 4) {
			*total = u[i + 4];
			*seq = u[i + 5];
		}
	}
}

/* Part text as UTF-8 into out (UTF-16BE when coding is 2). */
static void
part_utf8(const char *text, size_t len, int coding, char *out, size_t size)
{
	iconv_t	 cd;
	char	*in = (char *)(uintptr_t)text, *o = out;
	size_t	 left = len, room = size - 1;

	out[0] = '\0';
	if (coding != 2) {
		if (len > room)
			len = room;
		memcpy(out, text, len);
		out[len] = '\0';
		return;
	}
	if ((cd = iconv_open("UTF-8", "UTF-16BE")) == (iconv_t)-1)
		return;
	(void)iconv(cd, &in, &left, &o, &room);
	iconv_close(cd);
	*o = '\0';
}

/* The phone index of an MT's to=, or -1 when it is none of ours. */
static int
phone_index(const struct run *r, const char *to)
{
	char	*end;
	long	 v;

	if (to == NULL || strlen(to) != NUM_LEN ||
	    strncmp(to, NUM_PREFIX, strlen(NUM_PREFIX)) != 0)
		return -1;
	v = strtol(to + strlen(NUM_PREFIX), &end, 10) - r->first;
	if (*end != '\0' || v < 0 || v >= r->n)
		return -1;
	return (int)v;
}

/* Records one MT part (Kannel's send-url: to, text, coding, udh). */
static void
phones_record(struct run *r, struct MHD_Connection *c)
{
	const char	*to, *udh = NULL, *text = NULL, *coding;
	size_t		 ulen = 0, tlen = 0;
	int		 i, total, seq, wake = 0;
	struct phone	*p;

	to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
	coding = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "coding");
	(void)MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, "udh",
	    3, &udh, &ulen);
	(void)MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, "text",
	    4, &text, &tlen);
	udh_concat((const unsigned char *)udh, udh != NULL ? ulen : 0, &total,
	    &seq);
	pthread_mutex_lock(&r->lock);
	r->mt++;
	/* A part for no phone waiting, a repeated or impossible one: it
	 * does not complete an answer. */
	if ((i = phone_index(r, to)) == -1 || r->ph[i].state != PH_SENT ||
	    seq < 1 || seq > 32 || seq > total ||
	    (r->ph[i].seen & (UINT32_C(1) << (seq - 1))) != 0) {
		/* The first few on standard error, for bench/sms.sh's log. */
		if (r->stray++ < 10)
			fprintf(stderr, "sms_bench: stray part %d/%d for phone "
			    "%d (%s)\n", seq, total, i, i == -1 ? "not ours" :
			    r->ph[i].state == PH_DONE ? "already complete" :
			    r->ph[i].state == PH_SENT ? "part seen" :
			    "no MO sent");
		goto out;
	}
	p = &r->ph[i];
	p->seen |= UINT32_C(1) << (seq - 1);
	if (i == 0 && seq >= 1 && seq <= PARTS_MAX && text != NULL) {
		r->coding = coding != NULL && strcmp(coding, "2") == 0 ? 2 : 0;
		part_utf8(text, tlen, r->coding, r->sample[seq - 1], PART_MAX);
	}
	p->total = total;
	if (++p->parts >= p->total) {
		p->state = PH_DONE;
		p->done_ns = now_ns();
		r->done++;
		wake = 1;
	}
out:
	pthread_mutex_unlock(&r->lock);
	if (wake)
		curl_multi_wakeup(r->multi);
}

/* Queues a plain-text answer (with X-Kannel-Coding when coding is set). */
static enum MHD_Result
answer(struct MHD_Connection *c, unsigned int status, const char *body,
    size_t len, const char *coding)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(resp, "Content-Type",
	    "text/plain; charset=UTF-8");
	if (coding != NULL && *coding != '\0')
		(void)MHD_add_response_header(resp, "X-Kannel-Coding", coding);
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/*
 * The first part of both access handlers below. libmicrohttpd calls a
 * handler first with the headers (*ctx NULL: nothing to do yet), then with
 * each piece of a body (dropped: neither server reads one), then once more
 * to answer. Returns 1 when this call is the one to answer.
 */
static int
request_ready(size_t *upload_len, void **ctx)
{
	static int	 begun;

	if (*ctx == NULL) {
		*ctx = &begun;
		return 0;
	}
	if (*upload_len != 0) {
		*upload_len = 0;
		return 0;
	}
	return 1;
}

/* The phones' network (Kannel's send-url): records the MT part and says
 * "Sent." with a 202, as Kannel's own SMSC peer does. arg is the run. */
static enum MHD_Result
on_phone(void *arg, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **ctx)
{
	static const char	 sent[] = "Sent.";

	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	if (!request_ready(upload_len, ctx))
		return MHD_YES;
	phones_record(arg, c);
	return answer(c, MHD_HTTP_ACCEPTED, sent, strlen(sent), NULL);
}

/* The static responder (the reference's get-url): the same answer to
 * every request. arg is the struct fixed. */
static enum MHD_Result
on_static(void *arg, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **ctx)
{
	const struct fixed	*f = arg;

	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	if (!request_ready(upload_len, ctx))
		return MHD_YES;
	return answer(c, MHD_HTTP_OK, f->body, f->len, f->coding);
}

/* libmicrohttpd's completion hook of the phones' server: a request was
 * answered (or dropped). arg is the run. */
static void
on_phone_done(void *arg, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode code)
{
	struct run	*r = arg;

	(void)c;
	(void)ctx;
	if (code != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		return;
	pthread_mutex_lock(&r->lock);
	r->replied++;
	pthread_mutex_unlock(&r->lock);
}

/*
 * Waits (a second at most) until every MT part recorded has had its
 * "Sent.": stopping the server before would leave bearerbox without an
 * answer, and it would send the part again ten seconds later, into the
 * next run.
 */
void
phones_drain(struct run *r)
{
	int64_t	 end = now_ns() + 1000000000;
	int	 left;

	do {
		pthread_mutex_lock(&r->lock);
		left = r->mt - r->replied;
		pthread_mutex_unlock(&r->lock);
		if (left > 0)
			sleep_ms(1);
	} while (left > 0 && now_ns() < end);
}

/* Starts a server on 127.0.0.1:port with handler h (and completion hook
 * done, or NULL); NULL on failure. */
static struct MHD_Daemon *
serve(int port, MHD_AccessHandlerCallback h, MHD_RequestCompletedCallback done,
    void *arg)
{
	struct sockaddr_in	 sa = loopback(port);

	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_AUTO, (uint16_t)port, NULL, NULL, h, arg,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, done, arg,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_END);
}

/* The phones' network: see sms_bench.h. */
struct MHD_Daemon *
phones_serve(int port, struct run *r)
{
	return serve(port, on_phone, on_phone_done, r);
}

/* The static responder: see sms_bench.h. */
struct MHD_Daemon *
static_serve(int port, const struct fixed *f)
{
	return serve(port, on_static, NULL, (void *)(uintptr_t)f);
}

/* curl header callback: keeps X-Kannel-Coding's value in a struct fixed. */
static size_t
coding_header(char *p, size_t size, size_t n, void *arg)
{
	struct fixed	*f = arg;
	size_t		 len = size * n, k = strlen("X-Kannel-Coding:"), v;

	if (len > k && strncasecmp(p, "X-Kannel-Coding:", k) == 0) {
		p += k;
		len -= k;
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		for (v = 0; v < len && v + 1 < sizeof f->coding &&
		    p[v] >= '0' && p[v] <= '9'; v++)
			f->coding[v] = p[v];
		f->coding[v] = '\0';
	}
	return size * n;
}

/* Fetches fangfei's answer to MO_TEXT from hook (as Kannel's get-url
 * would, from a number no phone uses) into f. 0 or -1. */
int
fixed_fetch(const char *hook, struct fixed *f)
{
	struct capped	*body = calloc(1, sizeof *body);
	CURL		*e = curl_easy_init();
	char		*b = NULL, url[2048];
	long		 status = 0;
	int		 rc = -1;

	memset(f, 0, sizeof *f);
	if (body == NULL || e == NULL ||
	    (b = curl_easy_escape(e, MO_TEXT, 0)) == NULL)
		goto out;
	if ((size_t)snprintf(url, sizeof url, "%s&p=%%2B8613799999999&b=%s"
	    "&C=UTF-8&I=sms-bench-static", hook, b) >= sizeof url)
		goto out;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, capped_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, coding_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 || body->over || body->len == 0) {
		fprintf(stderr, "sms_bench: %s answered %ld (%zu bytes%s)\n",
		    hook, status, body->len, body->over ? ", too many" : "");
		goto out;
	}
	memcpy(f->body, body->data, body->len);
	f->len = body->len;
	rc = 0;
out:
	curl_free(b);
	curl_easy_cleanup(e);
	free(body);
	return rc;
}

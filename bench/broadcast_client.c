/*
 * The broadcast bench's client (libcurl, jansson).
 *
 *   broadcast_client direct URL_PREFIX N CONC TEXT
 *	Posts N WeCom text bodies to URL_PREFIX00000 … URL_PREFIX<N-1>, CONC
 *	at a time, the way bot/delivery.c does: one curl multi handle limited
 *	to CONC connections, a fresh easy handle per request with the same
 *	options. Prints "DIRECT n= ok= ms= rps=".
 *
 *   broadcast_client broadcast API_BASE TOKEN AREA KIND TEXT N SINK_PORT
 *	POSTs /api/v1/broadcasts, then polls the sink's /stats until it has
 *	N more POSTs, then GET /api/v1/broadcasts/ID until delivered + failed
 *	= N. Prints "BROADCAST n= groups= post_ms= sink_ms= api_ms= rps=
 *	failed=": post_ms the API call, sink_ms from the call to the sink's
 *	last request, api_ms until the API reported every row done.
 *
 *   broadcast_client stats SINK_PORT	prints the sink's /stats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#define WAIT_MS		(180 * 1000)

struct body {
	char	*s;
	size_t	 len;
};

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
nap(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct body	*b = arg;
	size_t		 len = size * n;

	if (b == NULL)
		return len;
	if ((b->s = realloc(b->s, b->len + len + 1)) == NULL)
		abort();
	memcpy(b->s + b->len, p, len);
	b->len += len;
	b->s[b->len] = '\0';
	return len;
}

/* One request with a reused handle; returns the parsed JSON answer. */
static json_t *
call(CURL *c, const char *url, const char *auth, const char *post,
    long *status)
{
	struct curl_slist	*hl = NULL;
	struct body		 b = { NULL, 0 };
	json_t			*j;

	hl = curl_slist_append(hl, "Expect:");
	hl = curl_slist_append(hl, "Content-Type: application/json");
	if (auth != NULL)
		hl = curl_slist_append(hl, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (post != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
	} else
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	*status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hl);
	j = json_loadb(b.s ? b.s : "", b.len, 0, NULL);
	if (j == NULL)
		fprintf(stderr, "broadcast_client: %s: %ld %.200s\n", url,
		    *status, b.s ? b.s : "");
	free(b.s);
	return j;
}

/* The sink's POST count and last POST time. */
static int
sink_stats(CURL *c, int port, long *posts, long long *last, long *bad)
{
	char	 url[64];
	long	 status;
	json_t	*j;

	(void)snprintf(url, sizeof url, "http://127.0.0.1:%d/stats", port);
	if ((j = call(c, url, NULL, NULL, &status)) == NULL || status != 200) {
		json_decref(j);
		return -1;
	}
	*posts = (long)json_integer_value(json_object_get(j, "posts"));
	*last = json_integer_value(json_object_get(j, "last_ms"));
	if (bad != NULL)
		*bad = (long)json_integer_value(json_object_get(j, "bad"));
	json_decref(j);
	return 0;
}

/* The body bot/channel_wecom.c sends. */
static char *
wecom_body(const char *text)
{
	json_t	*o = json_pack("{s:s, s:{s:s}}", "msgtype", "text", "text",
	    "content", text);
	char	*s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return s;
}

/* Adds request i: what delivery_launch() sets, minus what a fixed
 * header list changes nothing about. */
static void
add_one(CURLM *m, const char *prefix, long i, const char *body,
    struct curl_slist *hl, char (*urls)[256])
{
	CURL	*e = curl_easy_init();

	(void)snprintf(urls[i], sizeof urls[i], "%s%05ld", prefix, i);
	curl_easy_setopt(e, CURLOPT_URL, urls[i]);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 15L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "fangfei");
	curl_multi_add_handle(m, e);
}

static int
direct(const char *prefix, long n, long conc, const char *text)
{
	CURLM			*m = curl_multi_init();
	CURLMsg			*msg;
	struct curl_slist	*hl = NULL;
	char			*body = wecom_body(text);
	char			(*urls)[256] = calloc((size_t)n, sizeof *urls);
	long			 next = 0, done = 0, okn = 0, status, inflight = 0;
	int			 running, left;
	double			 t0, t;

	if (urls == NULL || body == NULL)
		return 1;
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "Expect:");
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, conc);
	t0 = now_s();
	while (done < n) {
		while (inflight < conc && next < n) {
			add_one(m, prefix, next++, body, hl, urls);
			inflight++;
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			status = 0;
			if (msg->data.result == CURLE_OK)
				curl_easy_getinfo(msg->easy_handle,
				    CURLINFO_RESPONSE_CODE, &status);
			if (status == 200)
				okn++;
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			inflight--;
			done++;
		}
		/* Freed slots are refilled before waiting. */
		if (done < n && !(inflight < conc && next < n))
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	t = now_s() - t0;
	printf("DIRECT n=%ld ok=%ld conc=%ld ms=%.0f rps=%.0f\n", n, okn, conc,
	    t * 1000, n / t);
	curl_slist_free_all(hl);
	curl_multi_cleanup(m);
	free(urls);
	free(body);
	return okn == n ? 0 : 1;
}

static int
broadcast(const char *base, const char *token, const char *area,
    const char *kind, const char *text, long n, int port)
{
	CURL		*c = curl_easy_init(), *s = curl_easy_init();
	json_t		*in, *out, *k;
	char		*post, url[512], path[512], auth[512];
	long		 status, posts0, posts, bad = 0, groups, sent = 0, dead = 0;
	long long	 last, id, t0, t1, tsink = 0, tapi;

	if (sink_stats(s, port, &posts0, &last, NULL) == -1) {
		fprintf(stderr, "broadcast_client: no sink on %d\n", port);
		return 1;
	}
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	in = json_pack("{s:s, s:[s], s:s}", "area", area, "kinds", kind,
	    "text", text);
	post = json_dumps(in, JSON_COMPACT);
	json_decref(in);
	(void)snprintf(url, sizeof url, "%s/api/v1/broadcasts", base);
	/* Warm the connection so that the timed call is only the API's. */
	json_decref(call(c, url, auth, NULL, &status));
	t0 = now_ms();
	out = call(c, url, auth, post, &status);
	t1 = now_ms();
	free(post);
	if (out == NULL || status != 201) {
		fprintf(stderr, "broadcast_client: POST %s: %ld\n", url, status);
		return 1;
	}
	id = json_integer_value(json_object_get(out, "id"));
	groups = (long)json_integer_value(json_object_get(out, "groups"));
	json_decref(out);
	for (;;) {
		if (sink_stats(s, port, &posts, &last, &bad) == 0 &&
		    posts - posts0 >= n) {
			tsink = last - t0;
			break;
		}
		if (now_ms() - t0 > WAIT_MS) {
			fprintf(stderr, "broadcast_client: the sink got %ld of "
			    "%ld in %d s\n", posts - posts0, n, WAIT_MS / 1000);
			break;
		}
		nap(2);
	}
	(void)snprintf(path, sizeof path, "%s/api/v1/broadcasts/%lld?limit=1",
	    base, id);
	for (;;) {
		if ((out = call(c, path, auth, NULL, &status)) != NULL) {
			k = json_object_get(out, "counts");
			sent = (long)json_integer_value(json_object_get(k,
			    "delivered"));
			dead = (long)json_integer_value(json_object_get(k,
			    "failed"));
			json_decref(out);
		}
		if (sent + dead >= groups || now_ms() - t0 > WAIT_MS)
			break;
		nap(5);
	}
	tapi = now_ms() - t0;
	printf("BROADCAST n=%ld groups=%ld delivered=%ld failed=%ld "
	    "sink_posts=%ld bad=%ld post_ms=%lld sink_ms=%lld api_ms=%lld "
	    "rps=%.0f\n", n, groups, sent, dead, posts - posts0, bad, t1 - t0,
	    tsink, tapi, tsink > 0 ? n * 1000.0 / tsink : 0.0);
	curl_easy_cleanup(c);
	curl_easy_cleanup(s);
	return sent == n && posts - posts0 == n ? 0 : 1;
}

int
main(int argc, char **argv)
{
	CURL		*c;
	long		 posts, bad;
	long long	 last;
	int		 rc = 2;

	curl_global_init(CURL_GLOBAL_ALL);
	if (argc == 6 && strcmp(argv[1], "direct") == 0)
		rc = direct(argv[2], strtol(argv[3], NULL, 10),
		    strtol(argv[4], NULL, 10), argv[5]);
	else if (argc == 9 && strcmp(argv[1], "broadcast") == 0)
		rc = broadcast(argv[2], argv[3], argv[4], argv[5], argv[6],
		    strtol(argv[7], NULL, 10), (int)strtol(argv[8], NULL, 10));
	else if (argc == 3 && strcmp(argv[1], "stats") == 0) {
		c = curl_easy_init();
		rc = sink_stats(c, (int)strtol(argv[2], NULL, 10), &posts, &last, &bad) == 0 ?
		    0 : 1;
		if (rc == 0)
			printf("posts=%ld bad=%ld last_ms=%lld\n", posts, bad,
			    last);
		curl_easy_cleanup(c);
	} else
		fprintf(stderr, "usage: broadcast_client direct URL_PREFIX N "
		    "CONC TEXT\n       broadcast_client broadcast API_BASE TOKEN "
		    "AREA KIND TEXT N SINK_PORT\n       broadcast_client stats "
		    "SINK_PORT\n");
	curl_global_cleanup();
	return rc;
}

/*
 * The long-connection bench: "查询 <name>" through a DingTalk Stream
 * connection to the fake gateway of the tests (tests/e2e/fakews.c), each
 * message stored, acknowledged and answered (its sessionWebhook post
 * reaching a fakeplat sink), beside the same command through the DingTalk
 * HTTP callback (signed, 64 requests in flight), answered the same way,
 * against the same daemon in the same run.
 *
 *   stream_bench FANGFEI_BINARY [N] [WINDOW]
 *
 * N messages each way (default 1000); WINDOW unacknowledged messages in
 * flight on the stream (default 64: the platform does not wait for one
 * ACK before it pushes the next). Prints one BENCH line: the rates at
 * which messages were stored and acknowledged (ACK frames; HTTP 200s),
 * the rates at which they were answered (the sink's last post: bounded by
 * DingTalk's 20 robot sends a second, which the outbox keeps to), both
 * ratios, and the stream's ACK latency (median, p99).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "bot/dtsign.h"
#include "tests/e2e/e2e.h"
#include "tests/e2e/fakeplat.h"
#include "tests/e2e/fakews.h"

#define APP_KEY		"dingbenchstream"
#define WEB_KEY		"dingbenchweb"
#define SECRET		"bench-DingTalk-secret-0123456789"
#define P_SESS		"/robot/sendBySession"
#define QUERY		"查询 华光"
#define WAIT_MS		120000

static int	 run_no;		/* message ids differ per run */

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Waits until the sink has n sessionWebhook posts; -1 on timeout. */
static int
wait_sink(struct fakeplat *fp, size_t n)
{
	int64_t	 end = mono_ms() + WAIT_MS;

	while (fakeplat_count(fp, P_SESS) < n)
		if (mono_ms() > end)
			return -1;
		else
			sleep_ms(2);
	return 0;
}

/* N messages over the stream, WINDOW unacknowledged at most; the ACK
 * latency of each into lat. Returns the elapsed ms, or -1. */
static int64_t
run_stream(struct fakews *fw, struct fakeplat *fp, int n, int window,
    int64_t *lat, int64_t *acked_ms)
{
	char		 id[32], chat[48], hook[256];
	int64_t		*sent = calloc((size_t)n, sizeof *sent), t0;
	size_t		 base = fakeplat_count(fp, P_SESS);
	int		 pushed = 0, acked = 0;
	int64_t		 end = mono_ms() + WAIT_MS;

	if (sent == NULL)
		return -1;
	t0 = mono_ms();
	while (acked < n) {
		while (pushed < n && pushed - acked < window) {
			(void)snprintf(id, sizeof id, "sb-%d", pushed);
			(void)snprintf(hook, sizeof hook, "%s" P_SESS
			    "?session=%s", fakeplat_base(fp), id);
			(void)snprintf(chat, sizeof chat, "cid-%s", id);
			sent[pushed] = mono_ms();
			fakews_push(fw, id, chat, "staff-bench", 0, QUERY,
			    hook, 1);
			pushed++;
		}
		(void)snprintf(id, sizeof id, "sb-%d", acked);
		if (fakews_acks(fw, id) > 0) {
			lat[acked] = mono_ms() - sent[acked];
			acked++;
			continue;
		}
		if (mono_ms() > end) {
			free(sent);
			return -1;
		}
		sleep_ms(0);
	}
	free(sent);
	*acked_ms = mono_ms() - t0;
	if (wait_sink(fp, base + (size_t)n) == -1)
		return -1;
	return mono_ms() - t0;
}

/* One signed callback for message i, to /hook/web. */
static CURL *
web_easy(const struct daemon *d, struct fakeplat *fp, int i,
    struct curl_slist **hdrs, char **body)
{
	CURL	*e;
	char	 ts[32], sig[DTSIGN_LEN + 1], h1[64], h2[96], url[128];
	int64_t	 now = wall_ms();

	(void)snprintf(ts, sizeof ts, "%lld", (long long)now);
	if (dtsign_sign(SECRET, ts, sig) != DTSIGN_OK ||
	    (e = curl_easy_init()) == NULL)
		return NULL;
	(void)snprintf(h1, sizeof h1, "timestamp: %s", ts);
	(void)snprintf(h2, sizeof h2, "sign: %s", sig);
	*hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	*hdrs = curl_slist_append(*hdrs, h1);
	*hdrs = curl_slist_append(*hdrs, h2);
	/* A chat of its own per message: DingTalk takes 20 answers a
	 * minute per conversation, and the outbox keeps to that. */
	if (asprintf(body, "{\"conversationId\":\"cid-web%d-%d\","
	    "\"msgId\":\"wb%d-%d\","
	    "\"senderStaffId\":\"staff-web\",\"senderNick\":\"x\","
	    "\"conversationType\":\"1\",\"createAt\":%lld,"
	    "\"sessionWebhook\":\"%s" P_SESS "?session=wb-%d\","
	    "\"sessionWebhookExpiredTime\":%lld,\"msgtype\":\"text\","
	    "\"text\":{\"content\":\"" QUERY "\"},\"robotCode\":\"" WEB_KEY
	    "\"}", run_no, i, run_no, i, (long long)now, fakeplat_base(fp), i,
	    (long long)now + 5400000) == -1) {
		curl_easy_cleanup(e);
		return NULL;
	}
	(void)snprintf(url, sizeof url, "%s/hook/web", d->base);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, *body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	return e;
}

/* N callbacks over HTTP, window in flight; the elapsed ms, or -1. */
static int64_t
run_web(const struct daemon *d, struct fakeplat *fp, int n, int window,
    int64_t *acked_ms)
{
	CURLM			*m = curl_multi_init();
	CURLMsg			*msg;
	CURL			*e;
	struct curl_slist	*hdrs[256];
	char			*bodies[256];
	size_t			 base = fakeplat_count(fp, P_SESS);
	int			 free_slots[256], nfree = 0;
	int			 started = 0, done = 0, running, left, bad = 0;
	int			 slot;
	int64_t			 t0 = mono_ms();
	long			 st;
	char			*p;

	if (window > 256)
		window = 256;
	run_no++;
	for (slot = window - 1; slot >= 0; slot--)
		free_slots[nfree++] = slot;
	while (done < n) {
		while (started < n && nfree > 0) {
			slot = free_slots[--nfree];
			if ((e = web_easy(d, fp, started, &hdrs[slot],
			    &bodies[slot])) == NULL)
				return -1;
			curl_easy_setopt(e, CURLOPT_PRIVATE,
			    (char *)bodies[slot]);
			curl_multi_add_handle(m, e);
			started++;
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			e = msg->easy_handle;
			st = 0;
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &st);
			if (st != 200)
				bad++;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, &p);
			for (slot = 0; slot < window; slot++)
				if (bodies[slot] == p)
					break;
			curl_multi_remove_handle(m, e);
			curl_easy_cleanup(e);
			curl_slist_free_all(hdrs[slot]);
			free(bodies[slot]);
			bodies[slot] = NULL;
			free_slots[nfree++] = slot;
			done++;
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 10, NULL);
	}
	curl_multi_cleanup(m);
	*acked_ms = mono_ms() - t0;
	if (bad > 0) {
		fprintf(stderr, "stream_bench: %d callbacks not answered 200\n",
		    bad);
		return -1;
	}
	if (wait_sink(fp, base + (size_t)n) == -1)
		return -1;
	return mono_ms() - t0;
}

int
main(int argc, char **argv)
{
	struct daemon	 d;
	struct fakeplat	*fp;
	struct fakews	*fw;
	char		 extra[2048];
	int		 n = argc > 2 ? atoi(argv[2]) : 1000;
	int		 window = argc > 3 ? atoi(argv[3]) : 64;
	int64_t		*lat, ms_stream, ms_web, ack_stream, ack_web;
	double		 r_stream, r_web, a_stream, a_web;

	if (argc < 2 || n <= 0 || window <= 0) {
		fprintf(stderr, "usage: stream_bench FANGFEI [N] [WINDOW]\n");
		return 2;
	}
	setenv("FANGFEI_BIN", argv[1], 1);
	curl_global_init(CURL_GLOBAL_ALL);
	if ((fp = fakeplat_start()) == NULL ||
	    (fw = fakews_start(FAKEWS_DINGTALK, APP_KEY, SECRET)) == NULL) {
		fprintf(stderr, "stream_bench: cannot start the fakes\n");
		return 1;
	}
	fakews_redeliver_ms(fw, 60000);
	(void)snprintf(extra, sizeof extra,
	    "[channel.stream]\ntype = dingtalk\nmode = stream\n"
	    "area = 华光路社区\napp_key = " APP_KEY "\napp_secret = " SECRET
	    "\napi_base = %s\nconnect_base = %s\nsession_host = 127.0.0.1:%d\n"
	    "[channel.web]\ntype = dingtalk\narea = 华光路社区\n"
	    "app_key = " WEB_KEY "\napp_secret = " SECRET "\napi_base = %s\n"
	    "session_host = 127.0.0.1:%d\n"
	    "[server]\nmax_connections_per_ip = 1024\nlog_level = error\n"
	    "[delivery]\nallow_http = on\nmax_inflight = 64\n"
	    "[limits]\ntips_per_hour = 0\nchecks_per_minute = 0\n",
	    fakeplat_base(fp), fakews_base(fw), fakeplat_port(fp),
	    fakeplat_base(fp), fakeplat_port(fp));
	e2e_prepare(&d, extra);
	e2e_start(&d);
	if (fakews_wait_live(fw, 1, 10000) == -1) {
		fprintf(stderr, "stream_bench: the daemon did not connect\n");
		e2e_cleanup(&d);
		return 1;
	}
	lat = calloc((size_t)n, sizeof *lat);
	/* Warm-up, then the two measured runs. */
	(void)run_web(&d, fp, 100, window, &ack_web);
	ms_web = run_web(&d, fp, n, window, &ack_web);
	ms_stream = run_stream(fw, fp, n, window, lat, &ack_stream);
	e2e_cleanup(&d);
	fakews_stop(fw);
	fakeplat_stop(fp);
	if (ms_stream <= 0 || ms_web <= 0 || lat == NULL) {
		fprintf(stderr, "stream_bench: a run did not finish\n");
		return 1;
	}
	qsort(lat, (size_t)n, sizeof *lat, cmp64);
	r_stream = n * 1000.0 / (double)ms_stream;
	r_web = n * 1000.0 / (double)ms_web;
	a_stream = n * 1000.0 / (double)(ack_stream > 0 ? ack_stream : 1);
	a_web = n * 1000.0 / (double)(ack_web > 0 ? ack_web : 1);
	printf("BENCH stream n=%d window=%d stream_ack_rate=%.0f "
	    "webhook_ack_rate=%.0f ack_ratio=%.2f stream_answered_rate=%.0f "
	    "webhook_answered_rate=%.0f answered_ratio=%.2f ack_p50_ms=%lld "
	    "ack_p99_ms=%lld\n", n, window, a_stream, a_web, a_stream / a_web,
	    r_stream, r_web, r_stream / r_web, (long long)lat[n / 2],
	    (long long)lat[n * 99 / 100]);
	free(lat);
	curl_global_cleanup();
	return 0;
}

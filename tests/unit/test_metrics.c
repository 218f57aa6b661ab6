/*
 * Unit tests of bot/metrics.c: the error codes a failure is labelled
 * with, that every rendered line carries exactly its family's labels, and
 * the cost of one request's observations (10^7 of them, timed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "bot/metrics.h"

#define OBSERVATIONS	10000000L

extern const struct channel_backend channel_dingtalk_backend;

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
test_error_code(void **state)
{
	char	 c[40];

	(void)state;
	metrics_error_code(200, "dingtalk errcode 310000: keywords not in "
	    "content", c, sizeof c);
	assert_string_equal(c, "310000");
	metrics_error_code(400, "telegram 400: Bad Request: chat not found", c,
	    sizeof c);
	assert_string_equal(c, "400");
	metrics_error_code(503, "wecom: http 503", c, sizeof c);
	assert_string_equal(c, "http_503");
	metrics_error_code(0, "Couldn't connect to server", c, sizeof c);
	assert_string_equal(c, "no_answer");
	/* Free text where the code should be: never a label. */
	metrics_error_code(200, "x errcode 13800138000 call me now please "
	    "right here: y", c, sizeof c);
	assert_string_equal(c, "other");
	metrics_error_code(200, "x code a\"b: y", c, sizeof c);
	assert_string_equal(c, "other");
	metrics_error_code(200, "x code 12345678901234567890123456789012345: y",
	    c, sizeof c);
	assert_string_equal(c, "other");
}

/* The label names of a line ("route,channel"), le aside. */
static void
line_labels(const char *line, char *out, size_t size)
{
	const char	*p = strchr(line, '{'), *eq;
	size_t		 n = 0;

	*out = '\0';
	if (p == NULL || p > strchr(line, ' '))
		return;
	for (p++; *p != '}' && (eq = strchr(p, '=')) != NULL; ) {
		if (strncmp(p, "le=", 3) != 0)
			n += (size_t)snprintf(out + n, size - n, "%s%.*s",
			    n ? "," : "", (int)(eq - p), p);
		p = strchr(eq + 2, '"') + 1;
		if (*p == ',')
			p++;
	}
}

static void
test_labels(void **state)
{
	static struct config	 cfg;
	struct metrics_scrape	 sc = { &cfg, NULL, 3, 0 };
	struct buf		 b;
	char			*page, *line, *save = NULL, fam[128];
	char			 want[128], got[128];
	const char		*l;
	size_t			 n;

	(void)state;
	cfg.nchannels = 2;
	cfg.channels[0].name = (char *)"demo";
	cfg.channels[1].name = (char *)"sms";
	metrics_http(METRICS_ROUTE_HOOK, 1, 200, 1500000);
	metrics_http(METRICS_ROUTE_API, METRICS_NO_CHANNEL, 404, 10);
	metrics_command(0, "check");
	metrics_command(1, NULL);
	metrics_message(0);
	metrics_delivery(&channel_dingtalk_backend, 20000000, 0, 200,
	    "dingtalk errcode 310000: no");
	buf_init(&b, 1 << 20);
	metrics_render(&b, &sc);
	page = buf_steal(&b);
	assert_non_null(strstr(page, "fangfei_commands_total{channel=\"sms\","
	    "command=\"-\"} 1\n"));
	assert_non_null(strstr(page, "fangfei_http_request_duration_seconds_"
	    "bucket{route=\"hook\",channel=\"sms\",le=\"0.001\"} 0\n"));
	assert_non_null(strstr(page, "fangfei_http_request_duration_seconds_"
	    "bucket{route=\"hook\",channel=\"sms\",le=\"0.0025\"} 1\n"));
	for (line = strtok_r(page, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		n = strcspn(line, "{ ");
		(void)snprintf(fam, sizeof fam, "%.*s", (int)n, line);
		if ((l = metrics_labels(fam)) == NULL) {
			/* a histogram's series: name_bucket, _sum, _count */
			*strrchr(fam, '_') = '\0';
			l = metrics_labels(fam);
		}
		if (l == NULL)
			fail_msg("no family for %s", line);
		(void)snprintf(want, sizeof want, "%s", l);
		line_labels(line, got, sizeof got);
		if (strcmp(want, got) != 0)
			fail_msg("%s: labels %s, not %s", line, got, want);
	}
	free(page);
}

/* One webhook's observations (latency, status class, message, command)
 * must cost well under a microsecond: no lock, no allocation. */
static void
test_cost(void **state)
{
	int64_t	 t0, ns;
	long	 i;

	(void)state;
	t0 = now_ns();
	for (i = 0; i < OBSERVATIONS; i++) {
		metrics_http(METRICS_ROUTE_HOOK, (int)(i & 3), 200,
		    (int64_t)(i & 0xffffff));
		metrics_message((int)(i & 3));
		metrics_command((int)(i & 3), "check");
	}
	ns = now_ns() - t0;
	fprintf(stderr, "metrics: %.1f ns per request (%ld requests)\n",
	    (double)ns / OBSERVATIONS, OBSERVATIONS);
	assert_true(ns / OBSERVATIONS < 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_code),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

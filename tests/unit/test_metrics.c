/*
 * Unit tests of bot/metrics.c: the error codes a failure is labelled
 * with, that every rendered line carries exactly its family's labels, and
 * that observations from several threads are all counted.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/metrics.h"

#define OBSERVATIONS	200000L

extern const struct channel_backend channel_dingtalk_backend;

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
	struct channel		 other = { 0 };
	struct buf		 b;
	char			*page, *line, *save = NULL, fam[128];
	char			 want[128], got[128];
	const char		*l;
	size_t			 n;

	(void)state;
	cfg.nchannels = 2;
	cfg.channels[0].name = (char *)"demo";
	cfg.channels[1].name = (char *)"sms";
	/* A name keeps its slot whatever its position (a reload may
	 * reorder the channels). */
	assert_int_equal(metrics_channel(&cfg.channels[0]), 0);
	assert_int_equal(metrics_channel(&cfg.channels[1]), 1);
	other.name = (char *)"sms";
	assert_int_equal(metrics_channel(&other), 1);
	assert_int_equal(metrics_channel(NULL), METRICS_NO_CHANNEL);
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

/* Observations from two threads at once: the counters are atomics, so
 * none is lost (the request threads never take a lock for them). */
static void *
observe(void *arg)
{
	int	 slot = *(int *)arg;
	long	 i;

	for (i = 0; i < OBSERVATIONS; i++) {
		metrics_http(METRICS_ROUTE_TRY, slot, 200,
		    (int64_t)(i & 0xffffff));
		metrics_message(slot);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct config		 cfg = { 0 };
	struct metrics_scrape	 sc = { &cfg, NULL, 0, 0 };
	struct buf		 b;
	pthread_t		 t[2];
	char			*page, want[160];
	int			 slot;

	(void)state;
	cfg.nchannels = 1;
	cfg.channels[0].name = (char *)"demo";
	slot = metrics_channel(&cfg.channels[0]);
	assert_int_equal(pthread_create(&t[0], NULL, observe, &slot), 0);
	assert_int_equal(pthread_create(&t[1], NULL, observe, &slot), 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	buf_init(&b, 1 << 20);
	metrics_render(&b, &sc);
	page = buf_steal(&b);
	(void)snprintf(want, sizeof want, "fangfei_http_request_duration_"
	    "seconds_count{route=\"try\",channel=\"demo\"} %ld\n",
	    2 * OBSERVATIONS);
	assert_non_null(strstr(page, want));
	(void)snprintf(want, sizeof want, "fangfei_http_request_duration_"
	    "seconds_bucket{route=\"try\",channel=\"demo\",le=\"+Inf\"} "
	    "%ld\n", 2 * OBSERVATIONS);
	assert_non_null(strstr(page, want));
	free(page);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_code),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * What the end-to-end tests of the long connections share (header only,
 * included after <cmocka.h>): clocks, polling waits on the daemon's
 * database, /metrics and /healthz.
 */
#ifndef FANGFEI_E2E_STREAM_H
#define FANGFEI_E2E_STREAM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "e2e.h"

#define WAIT_MS	20000	/* longest wait for any condition */

static inline int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One step of a polling loop: e2e.h's. */
static inline void
sleep_ms(int ms)
{
	e2e_sleep_ms(ms);
}

/* The tips whose body holds text. */
static inline long
tips_like(const struct daemon *dd, const char *text)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%%%s%%'", text);
	return e2e_sql_long(dd, sql);
}

/* Waits until the tips holding text number n; returns the count. */
static inline long
wait_tips(const struct daemon *dd, const char *text, long n)
{
	int64_t	 end = now_ms() + WAIT_MS;
	long	 got;

	while ((got = tips_like(dd, text)) < n && now_ms() < end)
		sleep_ms(20);
	return got;
}

/* The value of the /metrics line that starts with name (a counter with
 * its labels), or -1. */
static inline long
metric(const struct daemon *dd, const char *name)
{
	struct http_result	 r;
	const char		*p;
	long			 v = -1;

	r = e2e_request(dd, "GET", "/metrics", NULL, NULL, 0);
	if (r.body != NULL && (p = strstr(r.body, name)) != NULL)
		v = strtol(p + strlen(name), NULL, 10);
	e2e_result_free(&r);
	return v;
}

/* Waits until that value is at least n; returns it. */
static inline long
wait_metric(const struct daemon *dd, const char *name, long n)
{
	int64_t	 end = now_ms() + WAIT_MS;
	long	 v;

	while ((v = metric(dd, name)) < n && now_ms() < end)
		sleep_ms(20);
	return v;
}

/* Waits until /healthz says what; 0 or -1. */
static inline int
wait_health(const struct daemon *dd, const char *what)
{
	struct http_result	 r;
	int64_t			 end = now_ms() + WAIT_MS;
	int			 ok;

	for (;;) {
		r = e2e_request(dd, "GET", "/healthz", NULL, NULL, 0);
		ok = r.body != NULL && strstr(r.body, what) != NULL;
		e2e_result_free(&r);
		if (ok)
			return 0;
		if (now_ms() > end)
			return -1;
		sleep_ms(20);
	}
}

#endif

/*
 * What /metrics says, in Prometheus's text format (0.0.4). The families
 * are fixed (one table in bot/metrics.c); every label value comes from a
 * bounded set: the route enum, a configured channel's position, a
 * backend's type, a handler's name, a short error code of a platform.
 * Observations are relaxed atomic additions into static arrays: no lock,
 * no allocation, safe from any thread.
 */
#ifndef FANGFEI_METRICS_H
#define FANGFEI_METRICS_H

#include <stdint.h>
#include <time.h>

#include "channel.h"
#include "config.h"
#include "messages/buf.h"

/* The routes of bot/server.c, as the route label. */
enum metrics_route {
	METRICS_ROUTE_HOOK,
	METRICS_ROUTE_API,
	METRICS_ROUTE_ADMIN,
	METRICS_ROUTE_ASSETS,
	METRICS_ROUTE_TRY,
	METRICS_ROUTE_LETTERS,
	METRICS_ROUTE_HEALTHZ,
	METRICS_ROUTE_METRICS,
	METRICS_ROUTE_OTHER,
	METRICS_ROUTES
};

/* No channel: a route other than a webhook's, or an unknown one. */
#define METRICS_NO_CHANNEL	CONFIG_CHANNELS_MAX

/* The route a request's path belongs to. */
enum metrics_route metrics_route(const char *url);
/* The slot of ch's name (METRICS_NO_CHANNEL for none, or past
 * CONFIG_CHANNELS_MAX names). */
int	 metrics_channel(const struct channel *);

/* One HTTP request ended: its route, channel position, status and time
 * from its headers to its end, in nanoseconds. */
void	 metrics_http(enum metrics_route, int channel, int status,
	    int64_t ns);
/* A message came in on channel; a command was handled (name: a handler's
 * name from handler_table, or "-"). */
void	 metrics_message(int channel);
void	 metrics_command(int channel, const char *name);
/* An answer to a retried message; a delivery report taken or forged. */
void	 metrics_retry_answered(void);
void	 metrics_report(int forged);
/* A send of backend finished after ns nanoseconds; when it failed, with
 * the HTTP status and the error text of the backend's send_result (its
 * code becomes a label when it is a short token, else "other"). */
void	 metrics_delivery(const struct channel_backend *, int64_t ns, int ok,
	    long status, const char *err);
/* The scheduler's turn: reminders sent, held, skipped, failed. */
void	 metrics_reminders(long sent, long held, long skipped, long failed);

/* The error code metrics_delivery() labels a failure with, into out
 * (at most 32 bytes and the NUL): the platform's code, "http_STATUS",
 * "no_answer" or "other". */
void	 metrics_error_code(long status, const char *err, char *out,
	    size_t size);

/* What a scrape reads besides the counters. */
struct metrics_scrape {
	const struct config	*cfg;
	struct store		*store;		/* this thread's; NULL: none */
	unsigned int		 connections;	/* open HTTP connections */
	time_t			 now;
};

/* Marks the process's start (for its start time). */
void	 metrics_start(void);
/* A config reload (SIGHUP): applied, or refused (the last one serves). */
void	 metrics_reload(int applied);
/* Appends every family to b. */
void	 metrics_render(struct buf *, const struct metrics_scrape *);
/* The label names of a family ("route,channel"; "" for none), NULL when
 * there is no such family. */
const char *metrics_labels(const char *family);
/* Appends one line: name, {labels} (may be NULL or ""), value. */
void	 metrics_line(struct buf *, const char *name, const char *labels,
	    double value);
/* Appends the # HELP and # TYPE lines of a family. */
void	 metrics_head(struct buf *, const char *name, const char *type,
	    const char *help);

#endif

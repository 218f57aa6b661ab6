/*
 * The HTTP server: libmicrohttpd with its internal thread pool, one SQLite
 * connection per thread, and the routes (/hook/NAME, /healthz, /metrics).
 */
#ifndef FANGFEI_SERVER_H
#define FANGFEI_SERVER_H

#include <stdint.h>
#include <time.h>

#include "config.h"

struct server;
struct delivery;
struct handler_env;

/* Starts serving cfg (which must outlive the server; its channels' area
 * ids are resolved here) with the reporter key. Returns NULL with *cause set on failure (bad listen address, port
 * in use, database that cannot be opened). */
struct server	*server_start(struct config *, const uint8_t *key,
		    struct delivery *, char **cause);
/* The port actually bound (useful with port 0). */
unsigned int	 server_port(const struct server *);
/* The handlers' newest environment (flood limits, texts, wake-up), for
 * the long connections' dispatch and the scheduler. */
struct handler_env_source server_env(const struct server *);
/* Serves cfg (checked; the server owns it from now on) from the next
 * request on; requests already running finish with the one they began
 * with. Only settings that are safe to change while serving may differ
 * from the running ones (bot/reload.h). Returns 0, or -1 with *cause
 * (the running config stays; cfg is the caller's again). */
int		 server_reload(struct server *, struct config *, char **cause);
/* The long connections, for /healthz and /metrics. */
struct stream_set;
void		 server_set_streams(struct server *, struct stream_set *);
/* Runs the periodic jobs (call every few minutes from one thread). */
void		 server_cron(struct server *, time_t now);
/* Stops accepting, waits up to grace_ms for requests in flight to finish,
 * then stops and frees everything. */
void		 server_stop(struct server *, int grace_ms);

#endif

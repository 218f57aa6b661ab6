/*
 * Reading the configuration again on SIGHUP while serving: what is safe
 * to change takes effect from the next request, message over a long
 * connection or scheduler turn (channels' webhook
 * settings, new and removed webhook channels, [limits], [tips], [leads],
 * [console], texts such as the hotline, the log level and format); what
 * is not (listening, the database and key, threads and connection
 * limits, [delivery], long connections, what delivery sends with) keeps
 * its running value and is logged as needing a restart. A config that
 * does not load or check is logged and changes nothing.
 */
#ifndef FANGFEI_RELOAD_H
#define FANGFEI_RELOAD_H

#include "config.h"

struct server;

/*
 * Reads path (with the environment's overrides) into a new config and
 * checks it; then puts back every setting that needs a restart, from
 * running (the config the daemon started with), logging each one that
 * differed. Returns the new config (caller frees with config_free() and
 * free()), or NULL with *cause (caller frees).
 */
struct config	*reload_read(const struct config *running, const char *path,
		    char **cause);
/* Reads path again and serves what it says from the next request on;
 * logs the outcome: 0 applied, -1 refused (the running config stays).
 * path NULL: there is no file to read again. */
int		 reload_serve(struct server *, const struct config *running,
		    const char *path);

#endif

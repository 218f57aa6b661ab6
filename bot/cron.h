/*
 * The periodic jobs of the daemon, run every minute from the main thread
 * between signals (bot/main.c): pruning what has a natural lifetime,
 * escalating tips past their deadline, forgetting old reporters.
 */
#ifndef FANGFEI_CRON_H
#define FANGFEI_CRON_H

#include <time.h>

#include "config.h"
#include "delivery.h"
#include "handlers/handlers.h"
#include "storage/store.h"

/* Runs each job once at now on store s; failures are logged, the next
 * minute tries again. */
void	 cron_run(struct store *, const struct config *,
	    const struct handler_env *, struct delivery *, time_t now);

#endif

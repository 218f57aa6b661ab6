/*
 * The scheduler thread: fires reminders when they come due (bot/remind.h)
 * by the one clock (bot/clock.h), sleeping until the earliest due time or
 * a minute, whichever comes first (reminders added by the CLI in another
 * process are seen within that minute), and wakes the delivery thread
 * after it queued anything.
 */
#ifndef FANGFEI_SCHEDULER_H
#define FANGFEI_SCHEDULER_H

#include <stdint.h>

#include "config.h"
#include "delivery.h"
#include "handlers/handlers.h"

struct scheduler;

/* Starts it with its own database connection; each turn reads the newest
 * environment from env, whose environments must outlive it. */
struct scheduler *scheduler_start(const struct config *, const uint8_t *key,
		    struct handler_env_source, struct delivery *,
		    char **cause);
/* Makes it look again now (a reminder was added or resumed). */
void		  scheduler_wake(struct scheduler *);
/* Stops it after the turn in progress. */
void		  scheduler_stop(struct scheduler *);

#endif

/*
 * The delivery thread: drives the libcurl multi interface over the outbox.
 * Many sends are in flight at once; per-chat and per-platform rate limits
 * come from each backend's descriptor; temporary failures retry with
 * delivery_backoff(); permanent ones go dead with the platform's error.
 */
#ifndef FANGFEI_DELIVERY_H
#define FANGFEI_DELIVERY_H

#include <stdint.h>
#include <time.h>

#include "config.h"

#define DELIVERY_MAX_ATTEMPTS	10	/* at least, before giving up */

struct delivery;

/* Starts the thread (cfg must outlive it); rows left in flight by a
 * previous process are queued again first. NULL with *cause on failure. */
struct delivery	*delivery_start(const struct config *, const uint8_t *key,
		    char **cause);
/* Wakes the thread: new rows are due. Safe from any thread. */
void		 delivery_wake(struct delivery *);
/* Stops the thread: claims nothing more, lets the sends in flight finish
 * for up to the send timeout (10 s at most) and records their answers;
 * rows still in flight after that stay 'sending', to be sent again at the
 * next start. */
void		 delivery_stop(struct delivery *);

/*
 * Seconds to wait before attempt number `attempts` + 1, after a temporary
 * failure: the platform's retry_after when it gave one (clamped to an
 * hour), else base seconds doubling per attempt, at most 30 minutes. Pure.
 */
int		 delivery_backoff(int attempts, int retry_after, int base);
/*
 * Whether a row that failed again (temporarily) is given up: after at
 * least DELIVERY_MAX_ATTEMPTS attempts and once it is give_up_hours old
 * (queued at created), so that an outage of any length up to that loses
 * nothing. Pure.
 */
int		 delivery_give_up(int attempts, time_t created, time_t now,
		    int give_up_hours);

#endif

/*
 * Flood limits: how many times one key (a sender, an address) may do one
 * kind of thing within a window. A fixed-size table of counters, so that
 * memory stays bounded whatever arrives; keys are hashed with a random
 * seed, so an outsider cannot aim collisions at somebody else's counter.
 * The first refusal in a window is LIMIT_WARN (answer once, politely);
 * every later one in that window is LIMIT_QUIET (answer nothing). Safe
 * from any thread.
 */
#ifndef FANGFEI_LIMIT_H
#define FANGFEI_LIMIT_H

#include <stddef.h>
#include <time.h>

enum limit_verdict {
	LIMIT_PASS = 0,		/* within the limit: go on */
	LIMIT_WARN,		/* first refusal in this window */
	LIMIT_QUIET,		/* refused again: stay quiet */
};

struct limiter;

/* A table of at least slots counters (rounded up to a power of two). */
struct limiter		*limiter_new(size_t slots);
void			 limiter_free(struct limiter *);
/*
 * Counts one event of kind for key at now. max events per window seconds
 * pass; max <= 0 means no limit (always LIMIT_PASS, nothing counted).
 */
enum limit_verdict	 limiter_hit(struct limiter *, const char *kind,
			    const char *key, int max, int window, time_t now);
/* Seconds until key's window of kind ends (0 if it has no counter). */
int			 limiter_wait(struct limiter *, const char *kind,
			    const char *key, time_t now);

#endif

/*
 * Flood limits as a set-associative table of fixed-window counters. A key
 * maps to a set of LIMIT_WAYS slots; a hit takes the slot holding its hash,
 * else an expired one, else the one whose window started longest ago. So a
 * flood of new keys evicts the oldest counters, never grows memory, and a
 * key that is being counted right now keeps its counter.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "limit.h"
#include "xmalloc.h"

#define LIMIT_WAYS	8
#define LIMIT_LOCKS	16

struct limit_slot {
	uint64_t	 hash;		/* 0: empty */
	time_t		 start;		/* window start */
	int		 window;
	int		 count;
	int		 warned;
};

struct limiter {
	struct limit_slot	*slots;
	size_t			 mask;		/* sets - 1 */
	uint64_t		 seed;
	pthread_mutex_t		 locks[LIMIT_LOCKS];
};

/* Mixes 64 bits (splitmix64's finaliser). */
static uint64_t
limit_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Hashes kind and key under the table's seed; never 0. */
static uint64_t
limit_hash(const struct limiter *l, const char *kind, const char *key)
{
	uint64_t	 h = l->seed ^ 0xcbf29ce484222325ULL;
	const char	*p;

	for (p = kind; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;	/* kind/key boundary */
	for (p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = limit_mix(h ^ l->seed);
	return h == 0 ? 1 : h;
}

/* Makes a table. */
struct limiter *
limiter_new(size_t slots)
{
	struct limiter	*l = xcalloc(1, sizeof *l);
	size_t		 sets = 1, i;

	while (sets * LIMIT_WAYS < slots)
		sets <<= 1;
	l->slots = xcalloc(sets * LIMIT_WAYS, sizeof *l->slots);
	l->mask = sets - 1;
	if (RAND_bytes((unsigned char *)&l->seed, sizeof l->seed) != 1)
		l->seed = (uint64_t)(uintptr_t)l ^ (uint64_t)time(NULL);
	for (i = 0; i < LIMIT_LOCKS; i++)
		pthread_mutex_init(&l->locks[i], NULL);
	return l;
}

/* Frees a table; NULL is a no-op. */
void
limiter_free(struct limiter *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < LIMIT_LOCKS; i++)
		pthread_mutex_destroy(&l->locks[i]);
	free(l->slots);
	free(l);
}

/* Finds h's slot in its set (locked by the caller), or picks one to take
 * over: an empty or expired slot, else the oldest window. *fresh says the
 * slot is not h's yet. */
static struct limit_slot *
limit_find(struct limiter *l, uint64_t h, time_t now, int *fresh)
{
	struct limit_slot	*set = &l->slots[(h & l->mask) * LIMIT_WAYS];
	struct limit_slot	*take = NULL;
	int			 i;

	*fresh = 0;
	for (i = 0; i < LIMIT_WAYS; i++)
		if (set[i].hash == h)
			return &set[i];
	*fresh = 1;
	for (i = 0; i < LIMIT_WAYS; i++) {
		if (set[i].hash == 0 || now - set[i].start >= set[i].window)
			return &set[i];
		if (take == NULL || set[i].start < take->start)
			take = &set[i];
	}
	return take;
}

/* Counts one event. */
enum limit_verdict
limiter_hit(struct limiter *l, const char *kind, const char *key, int max,
    int window, time_t now)
{
	struct limit_slot	*s;
	enum limit_verdict	 v = LIMIT_PASS;
	uint64_t		 h;
	pthread_mutex_t		*lock;
	int			 fresh;

	if (l == NULL || max <= 0 || window <= 0)
		return LIMIT_PASS;
	h = limit_hash(l, kind, key);
	/* All slots of one set share the set's lock. */
	lock = &l->locks[(h & l->mask) % LIMIT_LOCKS];
	pthread_mutex_lock(lock);
	s = limit_find(l, h, now, &fresh);
	if (fresh || now - s->start >= s->window || now < s->start) {
		s->hash = h;
		s->start = now;
		s->window = window;
		s->count = 0;
		s->warned = 0;
	}
	if (++s->count > max) {
		s->count = max + 1;	/* no overflow under a flood */
		v = s->warned ? LIMIT_QUIET : LIMIT_WARN;
		s->warned = 1;
	}
	pthread_mutex_unlock(lock);
	return v;
}

/* Seconds left in key's window. */
int
limiter_wait(struct limiter *l, const char *kind, const char *key,
    time_t now)
{
	struct limit_slot	*s;
	uint64_t		 h;
	pthread_mutex_t		*lock;
	int			 fresh, left = 0;

	if (l == NULL)
		return 0;
	h = limit_hash(l, kind, key);
	lock = &l->locks[(h & l->mask) % LIMIT_LOCKS];
	pthread_mutex_lock(lock);
	s = limit_find(l, h, now, &fresh);
	if (!fresh && now - s->start < s->window)
		left = (int)(s->start + s->window - now);
	pthread_mutex_unlock(lock);
	return left;
}

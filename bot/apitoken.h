/*
 * Platform access tokens (DingTalk, Feishu, WeCom, WeChat): one cache per
 * credential, owned by the channel instance's state. Only the delivery
 * thread fetches tokens (through the backend's token_prepare/token_result,
 * on its libcurl multi handle, one fetch in flight per channel), so a
 * token is never fetched by two threads at once — on some platforms a
 * second fetch invalidates the first. A token is used until APITOKEN_MARGIN
 * seconds before it expires, then fetched again; a platform's
 * "token expired" answer invalidates it at once. Safe from any thread.
 */
#ifndef FANGFEI_APITOKEN_H
#define FANGFEI_APITOKEN_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#define APITOKEN_MAX		1024	/* bytes of a token */
#define APITOKEN_MARGIN		300	/* seconds before expiry: refresh */

struct apitoken {
	pthread_mutex_t	 lock;
	char		 value[APITOKEN_MAX];
	time_t		 expires;	/* 0: no token */
	time_t		 retry_at;	/* no fetch before (after a failure) */
	int		 fetching;	/* a fetch is in flight */
	unsigned long	 fetches;	/* how many were made, for tests */
	char		 stale[APITOKEN_MAX];	/* the last one invalidated */
};

void	 apitoken_init(struct apitoken *);
void	 apitoken_destroy(struct apitoken *);
/* Copies a token good for at least APITOKEN_MARGIN more seconds into out;
 * returns 0, or -1 when there is none (then the backend's send_prepare
 * answers CHANNEL_NEED_TOKEN). */
int	 apitoken_get(struct apitoken *, time_t now, char *out, size_t size);
/* Claims the fetch: 1 when the caller is to fetch now (none in flight,
 * none needed recently failed), else 0. */
int	 apitoken_begin(struct apitoken *, time_t now);
/* Ends a fetch: stores value valid for expires_in seconds, or, with value
 * NULL (a failure), waits retry seconds before the next fetch. */
void	 apitoken_end(struct apitoken *, const char *value, int expires_in,
	    time_t now, int retry);
/* Seconds until a new fetch may start after a refused one (0: now). */
int	 apitoken_wait(struct apitoken *, time_t now);
/* Forgets the token (the platform said it expired or is invalid). */
void	 apitoken_invalidate(struct apitoken *);
/* Copies the token last invalidated, until a new one is stored, into out
 * (so that another instance's copy of it is not taken for a fresh one):
 * 0, or -1 when there is none. */
int	 apitoken_stale(struct apitoken *, char *out, size_t size);

#endif

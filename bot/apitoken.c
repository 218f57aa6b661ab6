/* Access token caches: see apitoken.h. */
#include <string.h>

#include "apitoken.h"

/* Makes an empty cache. */
void
apitoken_init(struct apitoken *t)
{
	memset(t, 0, sizeof *t);
	pthread_mutex_init(&t->lock, NULL);
}

/* Frees the cache's lock and wipes the token. */
void
apitoken_destroy(struct apitoken *t)
{
	pthread_mutex_destroy(&t->lock);
	explicit_bzero(t->value, sizeof t->value);
	explicit_bzero(t->stale, sizeof t->stale);
}

/* Copies a fresh enough token. */
int
apitoken_get(struct apitoken *t, time_t now, char *out, size_t size)
{
	int	 rc = -1;

	pthread_mutex_lock(&t->lock);
	if (t->expires != 0 && now + APITOKEN_MARGIN < t->expires &&
	    strlen(t->value) < size) {
		memcpy(out, t->value, strlen(t->value) + 1);
		rc = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Claims the one fetch. */
int
apitoken_begin(struct apitoken *t, time_t now)
{
	int	 go = 0;

	pthread_mutex_lock(&t->lock);
	if (!t->fetching && now >= t->retry_at) {
		t->fetching = 1;
		t->fetches++;
		go = 1;
	}
	pthread_mutex_unlock(&t->lock);
	return go;
}

/* Ends the fetch with its result. */
void
apitoken_end(struct apitoken *t, const char *value, int expires_in,
    time_t now, int retry)
{
	pthread_mutex_lock(&t->lock);
	t->fetching = 0;
	if (value != NULL && strlen(value) < sizeof t->value &&
	    expires_in > 0) {
		memcpy(t->value, value, strlen(value) + 1);
		t->expires = now + expires_in;
		t->retry_at = 0;
		explicit_bzero(t->stale, sizeof t->stale);
	} else
		t->retry_at = now + (retry > 0 ? retry : 5);
	pthread_mutex_unlock(&t->lock);
}

/* Seconds before the next fetch may start. */
int
apitoken_wait(struct apitoken *t, time_t now)
{
	int	 w;

	pthread_mutex_lock(&t->lock);
	w = t->retry_at > now ? (int)(t->retry_at - now) : 0;
	pthread_mutex_unlock(&t->lock);
	return w;
}

/* Forgets the token. */
void
apitoken_invalidate(struct apitoken *t)
{
	pthread_mutex_lock(&t->lock);
	if (t->expires != 0)
		memcpy(t->stale, t->value, sizeof t->stale);
	t->expires = 0;
	explicit_bzero(t->value, sizeof t->value);
	pthread_mutex_unlock(&t->lock);
}

/* Copies the token last invalidated. */
int
apitoken_stale(struct apitoken *t, char *out, size_t size)
{
	int	 rc = -1;

	pthread_mutex_lock(&t->lock);
	if (t->stale[0] != '\0' && strlen(t->stale) < size) {
		memcpy(out, t->stale, strlen(t->stale) + 1);
		rc = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

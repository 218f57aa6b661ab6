/* The delivery thread's platform access tokens (delivery_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apitoken.h"
#include "delivery_int.h"
#include "log.h"
#include "messages/xmalloc.h"
#include "storage/locks.h"

/* The name of ch's token among the instances on one database
 * (storage/locks.h); the caller frees it. */
static char *
delivery_token_name(const struct channel *ch)
{
	return xasprintf("%s:%s", ch->backend->type, ch->name);
}

/*
 * Whether another instance on the database has fetched ch's token (then
 * it is taken into tok) or is fetching it (then this one waits a few
 * seconds): 1 when there is nothing to fetch here now. Called in the
 * turn's transaction, which orders the instances.
 */
static int
delivery_token_shared(struct delivery *d, const struct channel *ch,
    struct apitoken *tok, time_t now)
{
	char			 value[APITOKEN_MAX], stale[APITOKEN_MAX];
	char			*name = delivery_token_name(ch);
	time_t			 expires;
	enum store_token	 rc;

	rc = store_token_take(d->store, name, now, APITOKEN_MARGIN,
	    DELIVERY_TOKEN_LEASE, apitoken_stale(tok, stale, sizeof stale) ==
	    0 ? stale : NULL, value, sizeof value, &expires);
	free(name);
	explicit_bzero(stale, sizeof stale);
	switch (rc) {
	case STORE_TOKEN_SHARED:
		apitoken_end(tok, value, (int)(expires - now), now, 0);
		explicit_bzero(value, sizeof value);
		return 1;
	case STORE_TOKEN_WAIT:
		apitoken_end(tok, NULL, 0, now, DELIVERY_TOKEN_PEER);
		return 1;
	case STORE_TOKEN_FETCH:
		break;
	}
	return 0;
}

/*
 * Starts the fetch of ch's access token unless one is in flight or failed
 * recently (apitoken_begin()), or another instance has it: a job of its
 * own on the multi handle, whose answer delivery_token_done() stores.
 * Rows that need the token wait.
 */
void
delivery_token_start(struct delivery *d, const struct channel *ch,
    time_t now)
{
	struct apitoken	*tok;
	struct job	*j;
	const char	*why = "cannot build the token request";

	if (ch->backend->token == NULL || ch->backend->token_prepare == NULL ||
	    (tok = ch->backend->token(ch)) == NULL || !apitoken_begin(tok, now))
		return;
	if (delivery_token_shared(d, ch, tok, now))
		return;
	j = xcalloc(1, sizeof *j);
	if (ch->backend->token_prepare(ch, &j->call, &why) == -1) {
		log_error("delivery: %s: access token: %s", ch->name, why);
		apitoken_end(tok, NULL, 0, now, DELIVERY_TOKEN_RETRY);
		delivery_job_free(j);
		return;
	}
	j->token_fetch = 1;
	j->backend = ch->backend;
	j->channel = ch;
	buf_init(&j->answer, DELIVERY_BODY_MAX);
	delivery_launch(d, j);
}

/* Seconds rows of ch wait beyond the next second: after a refused token
 * fetch, until the next fetch may start (no row is tried in between). */
int
delivery_token_wait(const struct channel *ch, time_t now)
{
	struct apitoken	*tok;

	if (ch->backend->token == NULL || (tok = ch->backend->token(ch)) == NULL)
		return 0;
	return apitoken_wait(tok, now);
}

/* Stores the answer of a token fetch (or waits before the next one). */
void
delivery_token_done(struct delivery *d, struct job *j, long status,
    time_t now)
{
	struct apitoken	*tok = j->backend->token(j->channel);
	char		 value[APITOKEN_MAX], err[256], *name;
	int		 expires = 0;

	err[0] = '\0';
	if (j->backend->token_result(j->channel, status, j->answer.data ?
	    j->answer.data : "", j->answer.len, value, sizeof value, &expires,
	    err, sizeof err) == 0 && expires > 0) {
		apitoken_end(tok, value, expires, now, 0);
		name = delivery_token_name(j->channel);
		store_token_put(d->store, name, value, now + expires);
		free(name);
		log_info("delivery: %s: new access token, valid %d s",
		    j->channel->name, expires);
	} else {
		apitoken_end(tok, NULL, 0, now, DELIVERY_TOKEN_RETRY);
		log_error("delivery: %s: access token refused: %s (again in "
		    "%d s)", j->channel->name, err[0] ? err : "no answer",
		    DELIVERY_TOKEN_RETRY);
	}
	explicit_bzero(value, sizeof value);
}

/*
 * The long-connection supervisor's dealings with the world around it: the
 * credential's lock (one owner per credential on this machine), the
 * bootstrap call that yields a WebSocket URL, and what /metrics and
 * /healthz say of each long connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "log.h"
#include "metrics.h"
#include "stream.h"
#include "stream_sup.h"
#include "storage/locks.h"
#include "messages/xmalloc.h"

/* ---- the credential's lock ---- */

/*
 * The lock name of a credential: a hash of the type and the credential's
 * id (no id in the name, which becomes a file name on SQLite:
 * "<database>.stream-<hash>.lock", as before). Every instance computes
 * the same name, so on a shared database they all contend for one lock.
 * The caller frees it.
 */
char *
stream_lock_name(const char *type, const char *id)
{
	unsigned char	md[32];
	unsigned int	mdlen = 0;
	char		hex[17];
	EVP_MD_CTX	*x = EVP_MD_CTX_new();
	int		i;

	if (x == NULL || EVP_DigestInit_ex(x, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(x, type, strlen(type) + 1) != 1 ||
	    EVP_DigestUpdate(x, id, strlen(id)) != 1 ||
	    EVP_DigestFinal_ex(x, md, &mdlen) != 1)
		memset(md, 0, sizeof md);
	EVP_MD_CTX_free(x);
	for (i = 0; i < 8; i++)
		(void)snprintf(hex + i * 2, 3, "%02x", md[i]);
	return xasprintf("stream-%s", hex);
}

/*
 * Takes the credential's lock if nobody holds it, on the stream's own
 * store (whose connection, on PostgreSQL, holds it for as long as the
 * stream owns the credential). 1: held now; 0: another process holds it,
 * or the database could not be asked (then st's reason says why).
 */
int
stream_lock(struct stream *st)
{
	int	rc;

	if (st->locked)
		return 1;
	if (st->lock == NULL)
		st->lock = store_lock_new(st->store, st->lock_name);
	if ((rc = store_lock_try(st->lock)) == -1)
		stream_reason(st, "cannot take the credential's lock: %s",
		    store_lock_errmsg(st->lock));
	st->locked = rc == 1;
	return st->locked;
}

/*
 * Whether the stream still owns its credential: on PostgreSQL the lock
 * goes with the connection that took it, and a connection lost (the
 * database restarted, the network cut) may have let another instance in
 * meanwhile. Asks the database, so it is called every STREAM_LOCK_MS,
 * not every tick.
 */
int
stream_lock_kept(struct stream *st)
{
	if (!st->locked)
		return 0;
	if (store_lock_check(st->lock))
		return 1;
	st->locked = 0;
	return 0;
}

void
stream_unlock(struct stream *st)
{
	store_lock_free(st->lock);
	st->lock = NULL;
	st->locked = 0;
}

/* ---- the bootstrap call ---- */

static size_t
stream_http_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (buf_add(b, p, size * n) == -1)
		return 0;	/* too large: fail the transfer */
	return size * n;
}

/*
 * Makes the bootstrap call, blocking this thread for at most
 * STREAM_HTTP_TIMEOUT seconds (nothing else waits on it: the other
 * connections of the instance are read again right after). Returns the
 * HTTP status (0: no answer) with the body in *b.
 */
long
stream_http(struct stream *st, struct http_call *call, struct buf *b,
    char *err, size_t errsz)
{
	struct curl_slist	*hdrs = NULL;
	CURL			*e;
	CURLcode		 rc;
	long			 status = 0;
	size_t			 i;

	if ((e = curl_easy_init()) == NULL) {
		(void)snprintf(err, errsz, "curl_easy_init failed");
		return 0;
	}
	for (i = 0; i < HTTP_CALL_HEADERS && call->headers[i] != NULL; i++)
		hdrs = curl_slist_append(hdrs, call->headers[i]);
	if (call->content_type != NULL) {
		char	*ct = xasprintf("Content-Type: %s",
		    call->content_type);

		hdrs = curl_slist_append(hdrs, ct);
		free(ct);
	}
	curl_easy_setopt(e, CURLOPT_URL, call->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, st->cfg->allow_http ?
	    "http,https" : "https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)STREAM_HTTP_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)STREAM_HTTP_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "fangfei/1");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, stream_http_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	if (call->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)call->len);
	}
	if ((rc = curl_easy_perform(e)) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	else
		(void)snprintf(err, errsz, "%s", curl_easy_strerror(rc));
	curl_easy_cleanup(e);
	curl_slist_free_all(hdrs);
	return status;
}

/* The families of the long connections, each with its series of every
 * connection together (the text format wants a family in one piece). */
static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
} stream_families[] = {
	{ "fangfei_stream_connected", "gauge",
	    "1 while the long connection is up." },
	{ "fangfei_stream_standby", "gauge",
	    "1 while another process holds the credential." },
	{ "fangfei_stream_last_frame_seconds", "gauge",
	    "Age of the last frame received (absent before the first)." },
	{ "fangfei_stream_reconnects_total", "counter",
	    "Connections made again after a loss." },
	{ "fangfei_stream_messages_total", "counter",
	    "Messages received over the connection." },
	{ "fangfei_stream_duplicates_total", "counter",
	    "Messages received again and not run again." },
	{ "fangfei_stream_acks_total", "counter",
	    "Acknowledgements sent for messages." },
	{ "fangfei_stream_replies_total", "counter",
	    "Answers sent over the connection." },
};

/* The value of family i for st; 0 when it has none (no frame yet). */
static int
stream_value(struct stream *st, size_t i, int64_t now, double *v)
{
	int64_t	 last;

	switch (i) {
	case 0:
		*v = atomic_load(&st->connected);
		return 1;
	case 1:
		*v = atomic_load(&st->standby);
		return 1;
	case 2:
		if ((last = atomic_load(&st->last_frame)) == 0)
			return 0;
		*v = (double)(now > last ? now - last : 0) / 1000.0;
		return 1;
	case 3:
		*v = (double)atomic_load(&st->n_reconnects);
		return 1;
	case 4:
		*v = (double)atomic_load(&st->n_received);
		return 1;
	case 5:
		*v = (double)atomic_load(&st->n_duplicates);
		return 1;
	case 6:
		*v = (double)atomic_load(&st->n_acks);
		return 1;
	default:
		*v = (double)atomic_load(&st->n_replies);
		return 1;
	}
}

void
stream_metrics(struct stream_set *set, struct buf *b)
{
	struct stream	*st;
	int64_t		 now = stream_wall_ms();
	double		 v;
	char		 l[128];
	size_t		 i, k;

	if (set == NULL || set->n == 0)
		return;
	for (k = 0; k < sizeof stream_families / sizeof stream_families[0];
	    k++) {
		metrics_head(b, stream_families[k].name,
		    stream_families[k].type, stream_families[k].help);
		for (i = 0; i < set->n; i++) {
			st = set->streams[i];
			if (!stream_value(st, k, now, &v))
				continue;
			(void)snprintf(l, sizeof l, "channel=\"%s\"",
			    st->ch->name);
			metrics_line(b, stream_families[k].name, l, v);
		}
	}
}

int
stream_health(struct stream_set *set, struct buf *b)
{
	struct stream	*st;
	int64_t		 now = stream_wall_ms(), since;
	size_t		 i;
	int		 down = 0;
	char		 reason[sizeof st->reason];

	for (i = 0; set != NULL && i < set->n; i++) {
		st = set->streams[i];
		since = atomic_load(&st->down_since);
		pthread_mutex_lock(&st->mu);
		memcpy(reason, st->reason, sizeof reason);
		pthread_mutex_unlock(&st->mu);
		if (atomic_load(&st->standby))
			(void)buf_addf(b, "stream %s: standby (another "
			    "process owns the credential)\n", st->ch->name);
		else if (since != 0 && now - since > STREAM_DOWN_GRACE_MS) {
			(void)buf_addf(b, "stream %s: down for %lld s: %s\n",
			    st->ch->name, (long long)(now - since) / 1000,
			    reason);
			down++;
		}
	}
	return down;
}

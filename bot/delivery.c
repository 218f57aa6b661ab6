/*
 * Delivery: one thread, one libcurl multi handle, the outbox as its queue.
 *
 * Each turn of the loop: let libcurl run, record the answers of finished
 * transfers, fill the slots they freed with due rows (rate limits
 * permitting) and claim those, all in one transaction that commits
 * *before* any of the new requests leaves; then launch them, and sleep in
 * curl_multi_poll() only when nothing finished or started, until a
 * transfer moves, a row falls due or delivery_wake() is called.
 *
 * A row is marked sent only after its answer. What a kill -9 can do: rows
 * whose answers came but whose turn did not commit stay 'sending', as do
 * rows in flight, and outbox_recover() sends them again at the next start
 * (at most max_inflight rows: the one way a group may see a message
 * twice); rows claimed in a turn that did not commit are still 'pending'
 * and were never sent. No row is lost.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "delivery.h"
#include "stream.h"
#include "log.h"
#include "metrics.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "storage/locks.h"
#include "storage/outbox.h"
#include "apitoken.h"
#include "clock.h"
#include "target.h"

#define DELIVERY_BATCH		256
#define DELIVERY_IDLE_MAX	256	/* easy handles kept for reuse */
#define DELIVERY_TOKEN_RETRY	30	/* seconds after a refused token */
#define DELIVERY_TOKEN_LEASE	30	/* another instance's fetch: its time */
#define DELIVERY_TOKEN_PEER	2	/* ... and how often to look for it */
#define DELIVERY_BODY_MAX	(64 * 1024)
#define DELIVERY_LEASE_MARGIN	15	/* seconds past the send timeout */
#define DELIVERY_RECLAIM_EVERY	5	/* seconds between looks for them */
#define LIMIT_SLOTS		65536	/* a power of two */
#define LIMIT_PROBES		32

/* A transfer in flight. */
struct job {
	LIST_ENTRY(job)			 entry;
	CURL				*easy;
	int64_t				 row;
	int64_t				 group;
	int				 attempts;
	time_t				 created;	/* the row's queueing */
	const struct channel_backend	*backend;
	const struct channel		*channel;
	struct http_call		 call;
	struct curl_slist		*headers;
	struct buf			 answer;
	int				 retry_after;	/* from the header */
	int				 check_target;	/* a robot's URL */
	int				 refused;	/* its address was */
	int				 token_fetch;	/* fetches the channel's
							   access token, no row */
	/* A row for the channel's long connection: handed to it once the
	 * turn's claim commits (stream_submit()), with copies of its text. */
	int				 socket;
	struct outbound			 out;
	int64_t				 started_ns;	/* at launch, monotonic */
};

/* Fixed-window counters of one chat (robot), for the rate limits. */
struct limit_slot {
	int64_t	 group;
	time_t	 second;
	int	 in_second;
	time_t	 minute;
	int	 in_minute;
	uint64_t turn;		/* of delivery_fill(), when last counted */
};

struct delivery {
	const struct config	*cfg;
	uint8_t			 key[32];
	pthread_t		 thread;
	atomic_int		 stop;
	CURLM			*multi;
	struct store		*store;
	int			 inflight;
	LIST_HEAD(, job)	 jobs;
	int			 txn;		/* the turn's, open */
	/* Answers of finished sends not committed yet: written in the
	 * turn's transaction and kept until it commits. */
	struct outbox_answer	*answers;
	size_t			 nanswers, answers_cap;
	time_t			 reclaim_at;	/* next look for lapsed claims */
	struct job		*ready[DELIVERY_BATCH];	/* claimed, to
							   launch */
	size_t			 nready;
	CURL			*idle[DELIVERY_IDLE_MAX];	/* reset */
	size_t			 nidle;
	struct limit_slot	 slots[LIMIT_SLOTS];
	struct {
		const struct channel		*channel;
		time_t				 second;
		int				 count;
		uint64_t			 turn;
	}			 global[CONFIG_CHANNELS_MAX + 8];
	uint64_t		 turn;		/* delivery_fill()s so far */
	struct channel		 robots[8];	/* outbound-only backends */
};

/* Seconds before the next attempt. */
int
delivery_backoff(int attempts, int retry_after, int base)
{
	long	 d = base > 0 ? base : 1;

	if (retry_after > 0)
		return retry_after > 3600 ? 3600 : retry_after;
	while (--attempts > 0 && d < 1800)
		d *= 2;
	return d > 1800 ? 1800 : (int)d;
}

int
delivery_give_up(int attempts, time_t created, time_t now, int give_up_hours)
{
	return attempts >= DELIVERY_MAX_ATTEMPTS &&
	    now - created >= (time_t)give_up_hours * 3600;
}

/* Opens the turn's transaction unless it is open. Should BEGIN fail, each
 * write commits on its own: slower, just as safe. */
static void
delivery_txn(struct delivery *d)
{
	if (!d->txn && store_begin(d->store) == STORE_OK)
		d->txn = 1;
}

/* Commits the turn's transaction. Returns -1 when it failed: its claims
 * were rolled back, so nothing claimed in it may be sent. */
static int
delivery_commit(struct delivery *d)
{
	if (!d->txn)
		return 0;
	d->txn = 0;
	if (store_commit(d->store) != STORE_OK) {
		log_error("delivery: commit: %s", store_errmsg(d->store));
		return -1;
	}
	return 0;
}

/* Finds the channel that sends for a row: for a robot (a row with a
 * webhook) the robot backend of its type, else the configured instance.
 * A channel instance named like a robot type never takes robots' rows. */
static const struct channel *
delivery_channel(struct delivery *d, const char *name, int robot)
{
	const struct channel_backend	*b;
	size_t				 i;

	if (!robot)
		return config_channel(d->cfg, name);
	for (i = 0; i < sizeof d->robots / sizeof d->robots[0]; i++) {
		if (d->robots[i].backend == NULL) {
			if ((b = robot_backend_lookup(name)) == NULL)
				return NULL;
			d->robots[i].name = (char *)(uintptr_t)b->type;
			d->robots[i].backend = b;
			return &d->robots[i];
		}
		if (strcmp(d->robots[i].backend->type, name) == 0)
			return &d->robots[i];
	}
	return NULL;
}

/*
 * Finds the counters of group, or claims a slot that is free or whose
 * windows have expired (older than a minute): open addressing with linear
 * probing, so two groups never share counters. NULL when every probed slot
 * holds a live window.
 */
static struct limit_slot *
delivery_slot(struct delivery *d, int64_t group, time_t now)
{
	struct limit_slot	*sl, *spare = NULL;
	uint64_t		 h = (uint64_t)group * 0x9e3779b97f4a7c15ULL;
	size_t			 i;

	for (i = 0; i < LIMIT_PROBES; i++) {
		sl = &d->slots[(h + i) & (LIMIT_SLOTS - 1)];
		if (sl->group == group)
			return sl;
		if (spare == NULL && (sl->group == 0 ||
		    sl->minute < now / 60 - 1))
			spare = sl;
	}
	if (spare != NULL) {
		memset(spare, 0, sizeof *spare);
		spare->group = group;
	}
	return spare;
}

/* The key of a row's per-chat rate limits: the group, or a number or a
 * reporter in ranges of their own. */
static int64_t
delivery_target(const struct outbox_row *r)
{
	if (r->phone_id != 0)
		return -r->phone_id;
	if (r->reporter_id != 0)
		return -(r->reporter_id + ((int64_t)1 << 40));
	return r->group_id;
}

/*
 * Applies the limits to one send of row r at now: the channel's
 * throughput (a gateway's configured rate, else the platform's global
 * rate) and the platform's per-chat rates. Returns 0 and counts it if
 * allowed, else the time when it may go.
 *
 * With one sender the counters here are the whole truth. Where other
 * instances send from the same outbox, what every sender claimed in
 * earlier turns comes from the database (outbox_recent(), read under the
 * turn's write lock), and the counters here keep only this turn's,
 * whose claims are not written yet.
 */
static time_t
delivery_limit(struct delivery *d, const struct channel *ch,
    const struct outbox_row *r, time_t now)
{
	const struct channel_backend	*b = ch->backend;
	struct limit_slot		*sl;
	struct outbox_recent		 rec;
	int64_t				 target = delivery_target(r);
	size_t				 i;
	int				 rate;

	if (!d->cfg->rate_limits)
		return 0;
	if (outbox_recent(d->store, r, ch->name, now, &rec) != STORE_OK) {
		log_error("delivery: %s", store_errmsg(d->store));
		return now + 1;
	}
	rate = ch->per_second > 0 ? ch->per_second : b->global_second;
	for (i = 0; i < sizeof d->global / sizeof d->global[0]; i++)
		if (d->global[i].channel == ch || d->global[i].channel == NULL)
			break;
	if (i < sizeof d->global / sizeof d->global[0]) {
		d->global[i].channel = ch;
		if (d->global[i].second != now || (rec.shared &&
		    d->global[i].turn != d->turn)) {
			d->global[i].second = now;
			d->global[i].count = 0;
			d->global[i].turn = d->turn;
		}
		if (rate > 0 && d->global[i].count + rec.channel_second >= rate)
			return now + 1;
	}
	if ((sl = delivery_slot(d, target, now)) == NULL)
		return now + 1;		/* table full of live windows */
	if (sl->second != now || (rec.shared && sl->turn != d->turn)) {
		sl->second = now;
		sl->in_second = 0;
	}
	if (sl->minute != now / 60 || (rec.shared && sl->turn != d->turn)) {
		sl->minute = now / 60;
		sl->in_minute = 0;
	}
	sl->turn = d->turn;
	if (b->per_chat_second > 0 && sl->in_second + rec.target_second >=
	    b->per_chat_second)
		return now + 1;
	if (b->per_chat_minute > 0 && sl->in_minute + rec.target_minute >=
	    b->per_chat_minute)
		return (now / 60 + 1) * 60;
	sl->in_second++;
	sl->in_minute++;
	if (i < sizeof d->global / sizeof d->global[0])
		d->global[i].count++;
	return 0;
}

/* libcurl: collects the answer, capped. */
static size_t
delivery_write(char *p, size_t size, size_t n, void *arg)
{
	struct job	*j = arg;

	(void)buf_add(&j->answer, p, size * n);	/* past the cap: cut */
	return size * n;
}

/* libcurl: notes a Retry-After header (seconds form). */
static size_t
delivery_header(char *p, size_t size, size_t n, void *arg)
{
	struct job	*j = arg;
	size_t		 len = size * n;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
		j->retry_after = (int)strtol(p + 12, NULL, 10);
	return len;
}

/* Frees a job. */
static void
delivery_job_free(struct job *j)
{
	if (j->socket) {
		free((char *)(uintptr_t)j->out.idem_key);
		free((char *)(uintptr_t)j->out.text);
		free((char *)(uintptr_t)j->out.meta);
	}
	http_call_clear(&j->call);
	curl_slist_free_all(j->headers);
	buf_free(&j->answer);
	free(j);
}

/*
 * libcurl: opens the socket of a connection, after refusing (for a robot
 * webhook, unless allow_private_targets) an address that is loopback,
 * private or link-local: the row's host may have resolved to a public
 * address when it was registered and to an internal one now. A refused
 * job is marked so that its row goes dead with that reason.
 */
static curl_socket_t
delivery_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct job	*j = arg;

	if (purpose == CURLSOCKTYPE_IPCXN && j->check_target &&
	    target_addr_private(&a->addr)) {
		j->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/* Nanoseconds of the monotonic clock, for the send's duration. */
static int64_t
delivery_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Builds the easy handle of a job and hands it to the multi handle. */
static void
delivery_launch(struct delivery *d, struct job *j)
{
	CURL	*e;
	char	*ct;
	size_t	 i;

	/* A reset handle keeps nothing of its last send but its buffers;
	 * the connections stay in the multi handle's cache either way. */
	e = d->nidle > 0 ? d->idle[--d->nidle] : curl_easy_init();

	ct = xasprintf("Content-Type: %s", j->call.content_type ?
	    j->call.content_type : "application/json");
	j->headers = curl_slist_append(j->headers, ct);
	free(ct);
	j->headers = curl_slist_append(j->headers, "Expect:");
	for (i = 0; i < HTTP_CALL_HEADERS; i++)
		if (j->call.headers[i] != NULL)
			j->headers = curl_slist_append(j->headers,
			    j->call.headers[i]);
	curl_easy_setopt(e, CURLOPT_URL, j->call.url);
	if (j->call.method != NULL && strcmp(j->call.method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->call.body ?
		    j->call.body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)j->call.len);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)d->cfg->send_timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, delivery_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, delivery_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, delivery_opensocket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "fangfei");
	j->easy = e;
	LIST_INSERT_HEAD(&d->jobs, j, entry);
	j->started_ns = delivery_ns();
	curl_multi_add_handle(d->multi, e);
	d->inflight++;
}

/* Takes a finished job's handle off the multi handle and keeps it for
 * the next send, reset, or frees it when enough are kept. */
static void
delivery_retire(struct delivery *d, struct job *j)
{
	curl_multi_remove_handle(d->multi, j->easy);
	if (d->nidle < DELIVERY_IDLE_MAX) {
		curl_easy_reset(j->easy);
		d->idle[d->nidle++] = j->easy;
	} else
		curl_easy_cleanup(j->easy);
	j->easy = NULL;
	LIST_REMOVE(j, entry);
	delivery_job_free(j);
	d->inflight--;
}

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
static void
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
static int
delivery_token_wait(const struct channel *ch, time_t now)
{
	struct apitoken	*tok;

	if (ch->backend->token == NULL || (tok = ch->backend->token(ch)) == NULL)
		return 0;
	return apitoken_wait(tok, now);
}

/* Stores the answer of a token fetch (or waits before the next one). */
static void
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


/* Keeps the answer of a row for the turn's transaction (delivery_record()). */
static void
delivery_answer(struct delivery *d, int64_t row, const char *state,
    time_t next, const char *error)
{
	struct outbox_answer	*a;

	if (d->nanswers == d->answers_cap) {
		d->answers_cap = d->answers_cap ? d->answers_cap * 2 : 64;
		d->answers = xrealloc(d->answers, d->answers_cap *
		    sizeof *d->answers);
	}
	a = &d->answers[d->nanswers++];
	a->id = row;
	a->state = state;	/* a literal */
	a->next_at = next;
	a->error = error != NULL && *error != '\0' ? xstrdup(error) : NULL;
}

/* Forgets the answers kept. */
static void
delivery_answers_clear(struct delivery *d)
{
	size_t	 i;

	for (i = 0; i < d->nanswers; i++)
		free(d->answers[i].error);
	d->nanswers = 0;
}

/*
 * After a turn whose transaction did not commit (on PostgreSQL any failed
 * statement in it aborts it): its answers are written again, each on its
 * own, so that one that cannot be written does not hold the others. With
 * the database unreachable they are all kept for the next turn. An answer
 * that still fails is given up: its row stays 'sending' and goes out
 * again when its lease runs out.
 */
static void
delivery_answers_alone(struct delivery *d, time_t now)
{
	size_t	 i;

	if (d->nanswers == 0 || store_ping(d->store) != STORE_OK)
		return;
	for (i = 0; i < d->nanswers; i++)
		if (outbox_finish(d->store, d->answers[i].id,
		    d->answers[i].state, d->answers[i].next_at,
		    d->answers[i].error, now) != STORE_OK)
			log_error("delivery: row %lld: the answer could not be "
			    "recorded (it is sent again after its lease): %s",
			    (long long)d->answers[i].id,
			    store_errmsg(d->store));
	delivery_answers_clear(d);
}

/* Why a row to a number cannot go (it opted out since it was queued, its
 * seal does not open, the instance sends no SMS), or NULL. */
static const char *
delivery_number(const struct outbox_row *r, const struct channel *ch)
{
	if (!ch->backend->sms)
		return "not an SMS channel";
	if (r->opted_out)
		return "号码已退订 the number opted out";
	if (r->chat_id == NULL)
		return "the number's seal does not open (another reporter key?)";
	return NULL;
}

/*
 * Until when a claimed row is this sender's: the longest a transfer may
 * take, and time to record its answer. Past it, another instance on the
 * same database may send the row (this one was killed, or lost the
 * database).
 */
static time_t
delivery_lease(const struct delivery *d, time_t now)
{
	return now + d->cfg->send_timeout + DELIVERY_LEASE_MARGIN;
}

/* Now and then: rows a killed sender left claimed go back to the queue
 * once their lease ran out. */
static void
delivery_reclaim(struct delivery *d, time_t now)
{
	long	 n = 0;

	if (now < d->reclaim_at)
		return;
	d->reclaim_at = now + DELIVERY_RECLAIM_EVERY;
	if (outbox_reclaim(d->store, now, &n) != STORE_OK)
		log_error("delivery: reclaim: %s", store_errmsg(d->store));
	else if (n > 0)
		log_info("delivery: %ld message(s) claimed by a sender that "
		    "stopped; sending them again", n);
}

/*
 * Fills free slots with due rows: claims them in the turn's transaction
 * and queues their jobs in d->ready, which delivery_turn() launches once
 * that commits. Rows that cannot go are marked in the same transaction.
 * Returns the number queued.
 */
static int
delivery_fill(struct delivery *d, time_t now)
{
	struct outbox_row	 rows[DELIVERY_BATCH];
	struct job		*jobs[DELIVERY_BATCH];
	int64_t			 ids[DELIVERY_BATCH];
	int			 won[DELIVERY_BATCH];
	const struct channel	*ch;
	const char		*why;
	char			 whybuf[256], report[OUTBOX_REPORT_TOKEN_MAX];
	size_t			 n = 0, i, njobs = 0, want;
	time_t			 later;
	struct outbound		 m;
	struct timespec		 ts;

	if (d->inflight + (int)d->nready >= d->cfg->max_inflight)
		return 0;
	want = (size_t)(d->cfg->max_inflight - d->inflight - (int)d->nready);
	if (want > DELIVERY_BATCH)
		want = DELIVERY_BATCH;
	d->turn++;
	if (outbox_due(d->store, now, rows, want, &n) != STORE_OK) {
		log_error("delivery: %s", store_errmsg(d->store));
		return 0;
	}
	if (n == 0)
		return 0;
	delivery_txn(d);
	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < n; i++) {
		ch = delivery_channel(d, rows[i].channel,
		    rows[i].webhook != NULL);
		if (ch == NULL || ch->backend->send_prepare == NULL) {
			(void)outbox_finish(d->store, rows[i].id, "dead", now,
			    "no channel can send to this group", now);
			continue;
		}
		/* A robot registered before the target rules, or under other
		 * settings: its scheme is checked again (its address at
		 * connect time). */
		if (rows[i].webhook != NULL && target_check_url(rows[i].webhook,
		    d->cfg->allow_http, 1, whybuf, sizeof whybuf) == -1) {
			(void)outbox_finish(d->store, rows[i].id, "dead", now,
			    whybuf, now);
			continue;
		}
		if (rows[i].phone_id != 0 && (why = delivery_number(&rows[i],
		    ch)) != NULL) {
			(void)outbox_finish(d->store, rows[i].id, "dead", now,
			    why, now);
			continue;
		}
		if (rows[i].reporter_id != 0 && rows[i].chat_id == NULL) {
			(void)outbox_finish(d->store, rows[i].id, "dead", now,
			    "the reporter's seal does not open (forgotten, or "
			    "another reporter key)", now);
			continue;
		}
		if ((later = delivery_limit(d, ch, &rows[i], now)) != 0) {
			(void)outbox_defer(d->store, rows[i].id, later);
			continue;
		}
		memset(&m, 0, sizeof m);
		m.id = rows[i].id;
		m.idem_key = rows[i].idem_key;
		m.chat_id = rows[i].chat_id;
		m.webhook = rows[i].webhook;
		m.secret = rows[i].secret;
		m.text = rows[i].body;
		m.meta = rows[i].meta;
		m.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if ((rows[i].phone_id != 0 || (rows[i].reporter_id != 0 &&
		    ch->backend->sms)) && ch->backend->report != NULL &&
		    outbox_report_token(d->store, m.id, report) == 0)
			m.report_token = report;
		if (ch->backend->over_socket != NULL &&
		    ch->backend->over_socket(ch)) {
			/* Sent over the channel's long connection, which
			 * records the answer: claimed with the others, and
			 * handed over once the claim commits. Where another
			 * instance owns the connection, that one sends it:
			 * the row is left as it is, no attempt counted. */
			if (!stream_owns(ch))
				continue;
			jobs[njobs] = xcalloc(1, sizeof *jobs[njobs]);
			jobs[njobs]->socket = 1;
			jobs[njobs]->out.id = m.id;
			jobs[njobs]->out.idem_key = xstrdup(m.idem_key ?
			    m.idem_key : "");
			jobs[njobs]->out.text = xstrdup(m.text ? m.text : "");
			jobs[njobs]->out.meta = m.meta != NULL ?
			    xstrdup(m.meta) : NULL;
			jobs[njobs]->row = rows[i].id;
			jobs[njobs]->attempts = rows[i].attempts;
			jobs[njobs]->created = rows[i].created_at;
			jobs[njobs]->channel = ch;
			ids[njobs++] = rows[i].id;
			continue;
		}
		jobs[njobs] = xcalloc(1, sizeof *jobs[njobs]);
		why = "cannot build the request";
		switch (ch->backend->send_prepare(ch, &m, &jobs[njobs]->call,
		    &why)) {
		case 0:
			break;
		case CHANNEL_NEED_TOKEN:
			/* No access token yet: fetch one, and try the row
			 * again in a second (no attempt counted). */
			delivery_job_free(jobs[njobs]);
			delivery_token_start(d, ch, now);
			(void)outbox_defer(d->store, rows[i].id, now + 1 +
			    delivery_token_wait(ch, now));
			continue;
		default:
			(void)outbox_finish(d->store, rows[i].id, "dead", now,
			    why, now);
			delivery_job_free(jobs[njobs]);
			continue;
		}
		jobs[njobs]->row = rows[i].id;
		jobs[njobs]->group = rows[i].group_id;
		jobs[njobs]->attempts = rows[i].attempts;
		jobs[njobs]->created = rows[i].created_at;
		jobs[njobs]->backend = ch->backend;
		jobs[njobs]->channel = ch;
		jobs[njobs]->check_target = rows[i].webhook != NULL &&
		    !d->cfg->allow_private_targets;
		buf_init(&jobs[njobs]->answer, DELIVERY_BODY_MAX);
		ids[njobs] = rows[i].id;
		njobs++;
	}
	for (i = 0; i < n; i++)
		outbox_row_clear(&rows[i]);
	/* In the turn's transaction: nothing leaves before it commits. A
	 * row another instance claimed since it was read is left to it. */
	if (njobs > 0 && (delivery_txn(d), outbox_claim(d->store, ids,
	    njobs, now, delivery_lease(d, now), won)) != STORE_OK) {
		log_error("delivery: claim: %s", store_errmsg(d->store));
		for (i = 0; i < njobs; i++)
			delivery_job_free(jobs[i]);
		return 0;
	}
	for (i = 0, n = 0; i < njobs; i++) {
		if (won[i]) {
			d->ready[d->nready++] = jobs[i];
			n++;
		} else
			delivery_job_free(jobs[i]);
	}
	return (int)n;
}

/* Takes the answers of finished transfers, for the turn's transaction.
 * Returns how many finished. */
static int
delivery_collect(struct delivery *d, time_t now)
{
	CURLMsg			*msg;
	CURL			*easy;
	CURLcode		 result;
	struct job		*j;
	enum send_status	 st;
	long			 status;
	int			 left, ra;
	char			 err[256], why[256];
	const char		*state;
	time_t			 next;
	int			 done = 0;

	while ((msg = curl_multi_info_read(d->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg is curl's and dies with curl_multi_remove_handle():
		 * take what is needed from it now. */
		easy = msg->easy_handle;
		result = msg->data.result;
		msg = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&j);
		status = 0;
		if (result == CURLE_OK)
			curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		if (j->token_fetch) {
			delivery_token_done(d, j, status, now);
			delivery_retire(d, j);
			done++;
			continue;
		}
		err[0] = '\0';
		ra = 0;
		st = j->backend->send_result(j->channel, status,
		    j->answer.data ? j->answer.data : "", j->answer.len, &ra,
		    err, sizeof err);
		if (status == 0)
			(void)snprintf(err, sizeof err, "%s",
			    curl_easy_strerror(result));
		if (j->refused) {
			st = SEND_FAILED;
			(void)snprintf(err, sizeof err, "refused: the robot's "
			    "address is loopback, private or link-local "
			    "(allow_private_targets is off)");
		}
		if (ra == 0)
			ra = j->retry_after;
		metrics_delivery(j->backend, delivery_ns() - j->started_ns,
		    st == SEND_OK, status, err);
		next = now;
		switch (st) {
		case SEND_OK:
			state = "sent";
			err[0] = '\0';
			break;
		case SEND_FAILED:
			state = "dead";
			break;
		default:
			if (delivery_give_up(j->attempts, j->created, now,
			    d->cfg->give_up_hours)) {
				state = "dead";
				(void)snprintf(why, sizeof why, "gave up after "
				    "%d attempts in %lld h: %.180s", j->attempts,
				    (long long)(now - j->created) / 3600, err);
				(void)snprintf(err, sizeof err, "%s", why);
			} else {
				state = "pending";
				next = now + delivery_backoff(j->attempts, ra,
				    d->cfg->retry_base);
			}
		}
		delivery_answer(d, j->row, state, next, err);
		if (st != SEND_OK)
			log_warn("delivery: row %lld group %lld: %s (%s)",
			    (long long)j->row, (long long)j->group, state, err);
		delivery_retire(d, j);
		done++;
	}
	return done;
}

/* Hands a claimed row to its channel's long connection; one it cannot
 * take goes back to the queue. */
static void
delivery_submit(struct delivery *d, struct job *j, time_t now)
{
	if (stream_submit(j->channel, &j->out, j->attempts, j->created) == -1)
		delivery_answer(d, j->row, "pending", now + 5,
		    "the long connection is not running");
	delivery_job_free(j);
}

/*
 * One turn: takes the answers of finished transfers, claims due rows for
 * the freed slots, writes the answers and commits all at once, and only
 * then launches the claimed. Should the commit fail, the claimed rows are
 * still pending and are dropped here unsent, and the answers are written
 * again (delivery_answers_alone()). Returns the number of transfers
 * finished plus those launched.
 */
static int
delivery_turn(struct delivery *d, int fill)
{
	size_t	 i;
	time_t	 now;
	int	 done, started = 0, bad;

	now = clock_now();
	done = delivery_collect(d, now);
	if (fill)
		started = delivery_fill(d, clock_now());
	if (d->nanswers > 0) {
		delivery_txn(d);
		if (outbox_finish_many(d->store, d->answers, d->nanswers,
		    now) != STORE_OK)
			log_error("delivery: %s", store_errmsg(d->store));
	}
	bad = delivery_commit(d) == -1;
	if (!bad)
		delivery_answers_clear(d);
	else
		delivery_answers_alone(d, now);
	for (i = 0; i < d->nready; i++) {
		if (bad)
			delivery_job_free(d->ready[i]);
		else if (d->ready[i]->socket)
			delivery_submit(d, d->ready[i], now);
		else
			delivery_launch(d, d->ready[i]);
	}
	d->nready = 0;
	return done + (bad ? 0 : started);
}

/* The thread's loop. */
static void *
delivery_main(void *arg)
{
	struct delivery		*d = arg;
	struct curl_waitfd	 wfd;
	time_t			 now, next;
	int			 running, timeout, nfd;

	while (!atomic_load(&d->stop)) {
		now = clock_now();
		delivery_reclaim(d, now);
		curl_multi_perform(d->multi, &running);
		/* Freed slots are filled at once, and new transfers start
		 * at once, not after the next wait. */
		if (delivery_turn(d, 1) > 0)
			continue;
		if (d->inflight > 0)
			timeout = 1000;
		else {
			(void)outbox_next_due(d->store, &next);
			timeout = next == 0 ? 5000 : next <= now ? 0 :
			    (int)((next - now) * 1000);
			if (timeout > 5000)
				timeout = 5000;
		}
		/* Another instance queued a broadcast (PostgreSQL): look
		 * now, and wait for the next one with the transfers. */
		if (store_woken(d->store))
			continue;
		memset(&wfd, 0, sizeof wfd);
		if ((wfd.fd = store_wake_fd(d->store)) != -1)
			wfd.events = CURL_WAIT_POLLIN;
		nfd = wfd.fd != -1;
		if (timeout > 0 || d->inflight > 0)
			curl_multi_poll(d->multi, nfd ? &wfd : NULL,
			    (unsigned int)nfd, timeout, NULL);
	}
	return NULL;
}

/* Starts the thread. */
struct delivery *
delivery_start(const struct config *cfg, const uint8_t *key, char **cause)
{
	struct delivery	*d = xcalloc(1, sizeof *d);
	long		 n = 0;

	d->cfg = cfg;
	memcpy(d->key, key, sizeof d->key);
	if ((d->store = store_open(cfg->db_path, key, 0, cause)) == NULL) {
		free(d);
		return NULL;
	}
	/*
	 * The delivery connection commits without waiting for the disk: WAL
	 * with synchronous = NORMAL keeps every commit across a killed
	 * process, and what a power cut may lose here (a claim, a "sent"
	 * mark) only makes a row go out again, as a crash in flight does.
	 */
	if (store_relaxed(d->store) != STORE_OK ||
	    store_listen(d->store) == -1 ||
	    outbox_recover(d->store, clock_now(), &n) != STORE_OK) {
		*cause = xasprintf("outbox: %s", store_errmsg(d->store));
		store_close(d->store);
		free(d);
		return NULL;
	}
	if (n > 0)
		log_info("delivery: %ld message(s) were in flight at the last "
		    "stop; sending them again", n);
	LIST_INIT(&d->jobs);
	d->multi = curl_multi_init();
	curl_multi_setopt(d->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)cfg->max_inflight);
	if (pthread_create(&d->thread, NULL, delivery_main, d) != 0) {
		*cause = xasprintf("cannot start the delivery thread");
		curl_multi_cleanup(d->multi);
		store_close(d->store);
		free(d);
		return NULL;
	}
	return d;
}

/*
 * At stop: claims nothing more, but lets the sends in flight finish and
 * records their answers, for at most the send timeout (10 s at most), so
 * that a restart does not send them again. Runs on the stopping thread
 * after the delivery thread has ended.
 */
static void
delivery_drain(struct delivery *d)
{
	struct timespec	 t0, t;
	int		 running, limit = d->cfg->send_timeout < 10 ?
			    d->cfg->send_timeout : 10;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (d->inflight > 0) {
		curl_multi_perform(d->multi, &running);
		(void)delivery_turn(d, 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (d->inflight == 0 || t.tv_sec - t0.tv_sec >= limit)
			break;
		curl_multi_poll(d->multi, NULL, 0, 100, NULL);
	}
	if (d->inflight > 0)
		log_warn("delivery: %d send(s) still in flight at stop; they "
		    "will be sent again at the next start", d->inflight);
}

/* Interrupts the thread's wait. */
void
delivery_wake(struct delivery *d)
{
	if (d != NULL)
		curl_multi_wakeup(d->multi);
}

/* Stops the thread and frees everything. */
void
delivery_stop(struct delivery *d)
{
	struct job	*j;

	if (d == NULL)
		return;
	atomic_store(&d->stop, 1);
	curl_multi_wakeup(d->multi);
	pthread_join(d->thread, NULL);
	delivery_drain(d);
	while ((j = LIST_FIRST(&d->jobs)) != NULL) {
		LIST_REMOVE(j, entry);
		curl_multi_remove_handle(d->multi, j->easy);
		curl_easy_cleanup(j->easy);
		delivery_job_free(j);
	}
	while (d->nidle > 0)
		curl_easy_cleanup(d->idle[--d->nidle]);
	curl_multi_cleanup(d->multi);
	if (d->nanswers > 0)
		log_warn("delivery: %zu answer(s) not recorded at stop; those "
		    "messages will be sent again", d->nanswers);
	delivery_answers_clear(d);
	free(d->answers);
	store_close(d->store);
	free(d);
}

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
#include "delivery_int.h"
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

#define DELIVERY_LEASE_MARGIN	15	/* seconds past the send timeout */
#define DELIVERY_RECLAIM_EVERY	5	/* seconds between looks for them */

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
void
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
void
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
delivery_fill(struct delivery *d)
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
	time_t			 now;

	if (d->inflight + (int)d->nready >= d->cfg->max_inflight)
		return 0;
	want = (size_t)(d->cfg->max_inflight - d->inflight - (int)d->nready);
	if (want > DELIVERY_BATCH)
		want = DELIVERY_BATCH;
	d->turn++;
	/*
	 * One reading of the clock for the turn: the second the rate limits
	 * count these sends in is the one their signatures carry (read after
	 * the query and the write lock, a turn that began at the end of a
	 * second stamped its rows with the next one, which then held more
	 * than a platform allows by what its requests say).
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	now = clock_at(ts.tv_sec);
	if (outbox_due(d->store, now, rows, want, &n) != STORE_OK) {
		log_error("delivery: %s", store_errmsg(d->store));
		return 0;
	}
	if (n == 0)
		return 0;
	delivery_txn(d);
	for (i = 0; i < n; i++) {
		if (rows[i].unopened) {
			(void)outbox_finish(d->store, rows[i].id, "dead", now,
			    "the robot's sealed webhook does not open (another "
			    "reporter key)", now);
			continue;
		}
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
	int	 done, started = 0, bad, unwritten = 0;

	now = clock_now();
	done = delivery_collect(d, now);
	if (fill)
		started = delivery_fill(d);
	/* On SQLite a failed statement leaves the transaction to commit the
	 * rest: the answers are then written again on their own too. */
	if (d->nanswers > 0) {
		delivery_txn(d);
		if (outbox_finish_many(d->store, d->answers, d->nanswers,
		    now) != STORE_OK) {
			log_error("delivery: %s", store_errmsg(d->store));
			unwritten = 1;
		}
	}
	bad = delivery_commit(d) == -1;
	if (!bad && !unwritten)
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

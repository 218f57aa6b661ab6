/*
 * What goes through a long connection besides its frames: each message
 * handed to the dispatcher (stored, then acknowledged by the platform
 * part), and the outbox rows of backends that answer over the connection
 * (the WeCom AI bot), which the delivery thread hands over with
 * stream_submit() and this thread sends and records.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "clock.h"
#include "delivery.h"
#include "dispatch.h"
#include "log.h"
#include "metrics.h"
#include "stream.h"
#include "stream_sup.h"
#include "messages/xmalloc.h"
#include "storage/outbox.h"
#include "storage/store.h"

/* ---- replies over the connection (WeCom) ---- */

void
sjob_free(struct sjob *j)
{
	free(j->meta);
	free(j->text);
	free(j->idem);
	free(j->req_id);
	free(j);
}

/* Records a job's outcome in the outbox and frees it. */
static void
stream_job_done(struct stream *st, struct sjob *j, enum send_status s,
    int retry_after, const char *err)
{
	time_t		 now = clock_now(), next = now;
	const char	*state = "sent";
	char		 why[300];

	if (s == SEND_FAILED)
		state = "dead";
	else if (s == SEND_RETRY) {
		if (delivery_give_up(j->attempts, j->created, now,
		    st->cfg->give_up_hours)) {
			state = "dead";
			(void)snprintf(why, sizeof why, "gave up after %d "
			    "attempts: %.200s", j->attempts, err);
			err = why;
		} else {
			state = "pending";
			next = now + delivery_backoff(j->attempts,
			    retry_after, st->cfg->retry_base);
		}
	}
	if (outbox_finish(st->store, j->row, state, next,
	    s == SEND_OK ? NULL : err, now) != STORE_OK)
		log_error("%s: outbox: %s", st->ch->name,
		    store_errmsg(st->store));
	if (s == SEND_OK)
		atomic_fetch_add(&st->n_replies, 1);
	else
		log_warn("%s: row %lld: %s (%s)", st->ch->name,
		    (long long)j->row, state, err);
	sjob_free(j);
}

/* Sends one job on the primary connection. */
static void
stream_job_send(struct stream *st, struct sjob *j, int force_send)
{
	char		 fresh[96], *frame, *req = NULL;
	const char	*why = "cannot build the frame";

	stream_req_id("aibot_send_msg", fresh, sizeof fresh);
	frame = st->ops->reply_frame(j->meta, j->text, j->idem,
	    st->primary->id, stream_wall_ms(), force_send, fresh, &req, &why);
	if (frame == NULL) {
		stream_job_done(st, j, SEND_FAILED, 0, why);
		return;
	}
	free(j->req_id);
	j->req_id = req;
	j->deadline_ms = stream_mono_ms() + STREAM_JOB_MS;
	stream_send(st->primary, frame, strlen(frame), 0);
	free(frame);
	TAILQ_INSERT_TAIL(&st->jobs, j, entry);
}

int
stream_answer(struct stream *st, const char *req_id, long errcode,
    const char *errmsg)
{
	struct sjob		*j;
	enum send_status	 s;
	char			 err[256];
	int			 resend = 0, ra = 0;

	TAILQ_FOREACH(j, &st->jobs, entry)
		if (j->req_id != NULL && strcmp(j->req_id, req_id) == 0)
			break;
	if (j == NULL)
		return -1;
	TAILQ_REMOVE(&st->jobs, j, entry);
	s = st->ops->reply_answer(errcode, errmsg, &resend, &ra, err,
	    sizeof err);
	if (resend && !j->resent && st->primary != NULL) {
		/* The message can no longer be answered in place: a new
		 * message to its chat instead. */
		j->resent = 1;
		stream_job_send(st, j, 1);
		return 0;
	}
	stream_job_done(st, j, s, ra, err);
	return 0;
}

/* Moves handed-over rows to the connection and times out the ones
 * waiting. */
void
stream_jobs(struct stream *st, int64_t now)
{
	struct sjobs	 in;
	struct sjob	*j, *next;

	TAILQ_INIT(&in);
	pthread_mutex_lock(&st->mu);
	TAILQ_CONCAT(&in, &st->incoming, entry);
	pthread_mutex_unlock(&st->mu);
	for (j = TAILQ_FIRST(&st->jobs); j != NULL; j = next) {
		next = TAILQ_NEXT(j, entry);
		if (now < j->deadline_ms)
			continue;
		TAILQ_REMOVE(&st->jobs, j, entry);
		stream_job_done(st, j, SEND_RETRY, 0,
		    "no answer over the long connection");
	}
	while ((j = TAILQ_FIRST(&in)) != NULL) {
		TAILQ_REMOVE(&in, j, entry);
		if (st->primary != NULL && !st->closing)
			stream_job_send(st, j, 0);
		else if (now - j->queued_ms > STREAM_JOB_HOLD_MS || st->closing)
			stream_job_done(st, j, SEND_RETRY, 0,
			    "the long connection is down");
		else {
			/* Held until the connection is ready (WeCom 846609:
			 * not subscribed yet). */
			pthread_mutex_lock(&st->mu);
			TAILQ_INSERT_TAIL(&st->incoming, j, entry);
			pthread_mutex_unlock(&st->mu);
		}
	}
}

int
stream_owns(const struct channel *ch)
{
	struct stream_set	*set;
	size_t			 i;
	int			 owns = 1;	/* none: stream_submit() says */

	pthread_mutex_lock(&stream_live_mu);
	set = stream_live;
	for (i = 0; set != NULL && i < set->n; i++)
		if (set->streams[i]->ch == ch)
			owns = !atomic_load(&set->streams[i]->standby);
	pthread_mutex_unlock(&stream_live_mu);
	return owns;
}

int
stream_submit(const struct channel *ch, const struct outbound *m,
    int attempts, time_t created)
{
	struct stream_set	*set;
	struct stream		*st = NULL;
	struct sjob		*j;
	size_t			 i;

	pthread_mutex_lock(&stream_live_mu);
	set = stream_live;
	for (i = 0; set != NULL && i < set->n; i++)
		if (set->streams[i]->ch == ch)
			st = set->streams[i];
	if (st == NULL || atomic_load(&st->stop) ||
	    st->ops->reply_frame == NULL) {
		pthread_mutex_unlock(&stream_live_mu);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->row = m->id;
	j->attempts = attempts;
	j->created = created;
	j->meta = xstrdup(m->meta != NULL ? m->meta : "{}");
	j->text = xstrdup(m->text != NULL ? m->text : "");
	j->idem = xstrdup(m->idem_key != NULL ? m->idem_key : "");
	j->queued_ms = stream_mono_ms();
	pthread_mutex_lock(&st->mu);
	TAILQ_INSERT_TAIL(&st->incoming, j, entry);
	pthread_mutex_unlock(&st->mu);
	lws_cancel_service(st->ctx);
	pthread_mutex_unlock(&stream_live_mu);
	return 0;
}

/* ---- messages ---- */

static const char *
stream_no_header(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

/* Adds the connection's number to a reply_meta (replies over the
 * connection use the message's req_id only on the connection it came
 * on). */
static void
stream_meta_conn(struct inbound *in, uint64_t id)
{
	json_t	*j;
	char	*s;

	if (in->reply_meta == NULL ||
	    (j = json_loads(in->reply_meta, 0, NULL)) == NULL)
		return;
	if (json_is_object(j) && json_object_set_new(j, "conn",
	    json_integer((json_int_t)id)) == 0 &&
	    (s = json_dumps(j, JSON_COMPACT)) != NULL) {
		free(in->reply_meta);
		in->reply_meta = s;
	}
	json_decref(j);
}

int
stream_deliver(struct stream *st, struct sconn *c, const char *body,
    size_t len)
{
	const struct channel	*ch = st->ch;
	const struct handler_env *env;
	struct http_request	 req;
	struct inbound		 in;
	struct reply		 reply = { 0 };
	const char		*why = "", *cmd = "-";
	enum dispatch_result	 dr;
	char			*copy = xmalloc(len + 1);
	int			 rc = 0;

	memcpy(copy, body, len);
	copy[len] = '\0';
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.path = "";
	req.body = copy;
	req.body_len = len;
	req.now = time(NULL);
	req.header = stream_no_header;
	req.trusted = 1;
	memset(&in, 0, sizeof in);
	if (ch->backend->parse(ch, &req, &in, &why) != 0) {
		/* It would only come back: acknowledged and dropped. */
		log_warn("%s: %s: unreadable message dropped: %s", ch->name,
		    st->ops->name, why);
		goto out;
	}
	atomic_fetch_add(&st->n_received, 1);
	metrics_message(metrics_channel(ch));
	env = st->env.get(st->env.arg);
	dr = dispatch_inbound(st->store, ch, env, &in, clock_now(), &reply,
	    &cmd);
	if (dr != DISPATCH_IGNORED && dr != DISPATCH_FAILED)
		metrics_command(metrics_channel(ch), cmd);
	if (dr == DISPATCH_FAILED) {
		log_error("%s: %s: not stored: not acknowledged, the platform "
		    "sends it again", ch->name, st->ops->name);
		rc = -1;
		goto out;
	}
	if (dr == DISPATCH_REPEATED)
		atomic_fetch_add(&st->n_duplicates, 1);
	if (dr != DISPATCH_IGNORED && reply.ntexts > 0) {
		if (ch->backend->over_socket != NULL &&
		    ch->backend->over_socket(ch))
			stream_meta_conn(&in, c->id);
		if (dispatch_queue_reply(st->store, ch, env, &in, req.now,
		    &reply) == -1) {
			rc = -1;
			goto out;
		}
	}
	log_debug("%s %s cmd=%s result=%d", ch->name,
	    in.chat_kind == CHAT_GROUP ? "group" : "private", cmd, (int)dr);
out:
	reply_clear(&reply);
	inbound_clear(&in);
	free(copy);
	return rc;
}


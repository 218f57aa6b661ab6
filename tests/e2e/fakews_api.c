/*
 * The fake gateway's functions for the test: counters and waits, the
 * messages it is to push, and the misbehaviour it is to show. They only
 * change the state under fw->lock and wake the service thread with
 * lws_cancel_service(); the service thread does the rest (fakews.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fakews_int.h"

/* Reads one counter under the lock. */
static int
fw_get(struct fakews *fw, const int *field)
{
	int	 n;

	pthread_mutex_lock(&fw->lock);
	n = *field;
	pthread_mutex_unlock(&fw->lock);
	return n;
}

int
fakews_live(struct fakews *fw)
{
	return fw_get(fw, &fw->live);
}

int
fakews_max_live(struct fakews *fw)
{
	return fw_get(fw, &fw->max_live);
}

int
fakews_connects(struct fakews *fw)
{
	return fw_get(fw, &fw->connects);
}

int
fakews_bootstraps(struct fakews *fw)
{
	return fw_get(fw, &fw->bootstraps);
}

int
fakews_pings(struct fakews *fw)
{
	return fw_get(fw, &fw->pings);
}

int
fakews_ping_misses(struct fakews *fw)
{
	return fw_get(fw, &fw->ping_misses);
}

/* Sums a message's pushes (what = 0) or ACKs (1); the caller holds the
 * lock. */
static int
fw_count(struct fakews *fw, const char *msgid, int what)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < fw->nmsgs; i++)
		if (strcmp(fw->msgs[i].msgid, msgid) == 0)
			n += what ? fw->msgs[i].acks : fw->msgs[i].pushes;
	return n;
}

int
fakews_pushes(struct fakews *fw, const char *msgid)
{
	int	 n;

	pthread_mutex_lock(&fw->lock);
	n = fw_count(fw, msgid, 0);
	pthread_mutex_unlock(&fw->lock);
	return n;
}

int
fakews_acks(struct fakews *fw, const char *msgid)
{
	int	 n;

	pthread_mutex_lock(&fw->lock);
	n = fw_count(fw, msgid, 1);
	pthread_mutex_unlock(&fw->lock);
	return n;
}

enum fw_wait {
	FW_WAIT_LIVE,
	FW_WAIT_CONNECTS,
	FW_WAIT_ACKS,
};

/* Waits on fw->cond, which every change broadcasts, until the condition
 * holds or timeout_ms pass; 0 or -1. */
static int
fw_wait(struct fakews *fw, enum fw_wait what, const char *msgid, int n,
    int timeout_ms)
{
	struct timespec	 dl;
	int		 ok = 0;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&fw->lock);
	for (;;) {
		switch (what) {
		case FW_WAIT_LIVE:
			ok = fw->live == n;
			break;
		case FW_WAIT_CONNECTS:
			ok = fw->connects > n;
			break;
		case FW_WAIT_ACKS:
			ok = fw_count(fw, msgid, 1) >= n;
			break;
		}
		if (ok || pthread_cond_timedwait(&fw->cond, &fw->lock, &dl) ==
		    ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&fw->lock);
	return ok ? 0 : -1;
}

int
fakews_wait_live(struct fakews *fw, int n, int timeout_ms)
{
	return fw_wait(fw, FW_WAIT_LIVE, NULL, n, timeout_ms);
}

int
fakews_wait_connects(struct fakews *fw, int n, int timeout_ms)
{
	return fw_wait(fw, FW_WAIT_CONNECTS, NULL, n, timeout_ms);
}

int
fakews_wait_acks(struct fakews *fw, const char *msgid, int n, int timeout_ms)
{
	return fw_wait(fw, FW_WAIT_ACKS, msgid, n, timeout_ms);
}

void
fakews_push(struct fakews *fw, const char *msgid, const char *chat,
    const char *sender, int group, const char *text,
    const char *session_webhook, int parts)
{
	struct fw_msg	*m;

	pthread_mutex_lock(&fw->lock);
	fw->msgs = fw_grow(fw->msgs, &fw->capmsgs, fw->nmsgs, sizeof *fw->msgs);
	m = &fw->msgs[fw->nmsgs++];
	memset(m, 0, sizeof *m);
	m->msgid = fw_strdup(msgid);
	m->chat = fw_strdup(chat ? chat : "");
	m->sender = fw_strdup(sender ? sender : "");
	m->text = fw_strdup(text ? text : "");
	m->webhook = fw_strdup(session_webhook);
	m->group = group;
	m->parts = parts < 1 ? 1 : parts;
	m->created_ms = fw_wall_ms();
	fw_uuid(m->event_id);
	pthread_mutex_unlock(&fw->lock);
	lws_cancel_service(fw->ctx);
}

void
fakews_disconnect(struct fakews *fw, int close_ms)
{
	pthread_mutex_lock(&fw->lock);
	fw->disconnects++;
	fw->disconnect_ms = close_ms;
	pthread_mutex_unlock(&fw->lock);
	lws_cancel_service(fw->ctx);
}

void
fakews_silence(struct fakews *fw, int on)
{
	struct fw_conn	*c;

	pthread_mutex_lock(&fw->lock);
	for (c = fw->conns; c != NULL; c = c->next)
		c->silent = on;
	pthread_mutex_unlock(&fw->lock);
	lws_cancel_service(fw->ctx);
}

void
fakews_drop_acks(struct fakews *fw, int on)
{
	pthread_mutex_lock(&fw->lock);
	fw->drop_acks = on;
	pthread_mutex_unlock(&fw->lock);
}

void
fakews_redeliver_ms(struct fakews *fw, int ms)
{
	pthread_mutex_lock(&fw->lock);
	fw->redeliver_ms = ms;
	pthread_mutex_unlock(&fw->lock);
}

void
fakews_ticket_ms(struct fakews *fw, int ms)
{
	pthread_mutex_lock(&fw->lock);
	fw->ticket_ms = ms;
	pthread_mutex_unlock(&fw->lock);
}

void
fakews_ping_ms(struct fakews *fw, int ms)
{
	struct fw_conn	*c;

	pthread_mutex_lock(&fw->lock);
	fw->ping_ms = ms;
	for (c = fw->conns; c != NULL; c = c->next)
		c->next_ping_ms = 0;
	pthread_mutex_unlock(&fw->lock);
	lws_cancel_service(fw->ctx);
}

void
fakews_client_config(struct fakews *fw, int ping_interval,
    int reconnect_interval, int reconnect_nonce)
{
	pthread_mutex_lock(&fw->lock);
	fw->cc_set = 1;
	fw->cc_ping = ping_interval;
	fw->cc_reconnect = reconnect_interval;
	fw->cc_nonce = reconnect_nonce;
	pthread_mutex_unlock(&fw->lock);
}

int
fakews_replies(struct fakews *fw, const char *cmd)
{
	size_t	 i;
	int	 n = 0;

	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->nreplies; i++)
		if (strcmp(fw->replies[i].cmd, cmd) == 0)
			n++;
	pthread_mutex_unlock(&fw->lock);
	return n;
}

int
fakews_reply_text(struct fakews *fw, const char *cmd, int i, char *out,
    size_t size)
{
	size_t	 k;
	int	 n = 0, rc = -1;

	pthread_mutex_lock(&fw->lock);
	for (k = 0; k < fw->nreplies; k++) {
		if (strcmp(fw->replies[k].cmd, cmd) != 0 || n++ != i)
			continue;
		if (size > 0)
			(void)snprintf(out, size, "%s", fw->replies[k].text);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&fw->lock);
	return rc;
}

void
fakews_reply_errcode(struct fakews *fw, int n, long errcode)
{
	pthread_mutex_lock(&fw->lock);
	fw->reply_err_n = n;
	fw->reply_err = errcode;
	pthread_mutex_unlock(&fw->lock);
}

int
fakews_violations(struct fakews *fw, char *first, size_t size)
{
	int	 n;

	pthread_mutex_lock(&fw->lock);
	n = fw->violations;
	if (size > 0)
		(void)snprintf(first, size, "%s", fw->violation);
	pthread_mutex_unlock(&fw->lock);
	return n;
}

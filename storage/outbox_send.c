/*
 * The sender's side of the outbox: due rows read, claimed (each by one
 * sender at a time, across every instance on the database), the rate
 * counts of what was claimed, answers recorded, and rows given back when
 * a lease runs out or their claimer is gone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "locks.h"
#include "outbox.h"
#include "reporters_int.h"
#include "store_int.h"

/* A row back in the queue is due at once (its next_at was its lease). */
static const char *const sql_ob_recover =
    "UPDATE outbox SET state = 'pending', next_at = ?1"
    " WHERE state = 'sending'";

static const char *const sql_ob_reclaim =
    "UPDATE outbox SET state = 'pending', next_at = ?1"
    " WHERE state = 'sending' AND next_at <= ?1";

/* PostgreSQL: the claimers of rows in flight whose claimer lock
 * (locks.h) nobody holds in this database: their sessions are gone. */
static const char *const sql_ob_gone_pg =
    "SELECT DISTINCT claimer FROM outbox WHERE state = 'sending'"
    " AND claimer IS NOT NULL AND claimer NOT IN (SELECT objid::bigint"
    " FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
    " AND granted AND classid::bigint = CAST(?1 AS bigint) AND database ="
    " (SELECT oid FROM pg_database WHERE datname = current_database()))"
    " LIMIT ?2";

static const char *const sql_ob_takeover_pg =
    "UPDATE outbox SET state = 'pending', next_at = ?1"
    " WHERE state = 'sending' AND claimer = ?2";

static const char *const sql_ob_due =
    "SELECT o.id, coalesce(o.group_id, 0), o.attempts, o.idem_key,"
    " CASE WHEN o.body = '' THEN coalesce(b.body, '') ELSE o.body END,"
    " coalesce(o.channel, g.channel), g.chat_id, g.webhook, g.secret, o.meta,"
    " coalesce(o.phone_id, 0), p.sealed, p.opted_out_at IS NOT NULL,"
    " coalesce(o.reporter_id, 0), r.sealed, o.created_at,"
    " g.webhook_seal, g.secret_seal"
    " FROM outbox o LEFT JOIN groups g ON g.id = o.group_id"
    " LEFT JOIN phones p ON p.id = o.phone_id"
    " LEFT JOIN reporters r ON r.id = o.reporter_id"
    " LEFT JOIN broadcasts b ON b.id = o.broadcast_id AND o.body = ''"
    " WHERE o.state = 'pending' AND o.next_at <= ?1"
    " ORDER BY o.next_at, o.id LIMIT ?2";

/* A claimed row's next_at is its lease: when another may take it;
 * claimer, on PostgreSQL, the store's claimer id (locks.h). */
static const char *const sql_ob_claim =
    "UPDATE outbox SET state = 'sending', attempts = attempts + 1,"
    " next_at = ?2, claimer = ?3, claimed_at = ?4"
    " WHERE id = ?1 AND state = 'pending'";

/* PostgreSQL: the same for many ids in one round trip (?1 an array);
 * rows another sender holds locked are skipped, not waited for. */
static const char *const sql_ob_claim_pg =
    "UPDATE outbox SET state = 'sending', attempts = attempts + 1,"
    " next_at = ?2, claimer = ?3, claimed_at = ?4"
    " WHERE id IN (SELECT id FROM outbox WHERE id = ANY (CAST(?1 AS"
    " bigint[])) AND state = 'pending' FOR UPDATE SKIP LOCKED)"
    " RETURNING id";

/* What every sender claimed for a target in this minute (?5) and second
 * (?6), and for a channel in this second: each target kind's count from
 * its own index (step 20). */
static const char *const sql_ob_recent =
    "SELECT (SELECT count(*) FROM outbox WHERE group_id = ?1"
    " AND claimed_at >= ?5) + (SELECT count(*) FROM outbox"
    " WHERE phone_id = ?2 AND claimed_at >= ?5) + (SELECT count(*)"
    " FROM outbox WHERE reporter_id = ?3 AND claimed_at >= ?5),"
    " (SELECT count(*) FROM outbox WHERE group_id = ?1"
    " AND claimed_at >= ?6) + (SELECT count(*) FROM outbox"
    " WHERE phone_id = ?2 AND claimed_at >= ?6) + (SELECT count(*)"
    " FROM outbox WHERE reporter_id = ?3 AND claimed_at >= ?6),"
    " (SELECT count(*) FROM outbox o LEFT JOIN groups g"
    " ON g.id = o.group_id WHERE o.claimed_at >= ?6"
    " AND coalesce(o.channel, g.channel) = ?4)";

static const char *const sql_ob_defer =
    "UPDATE outbox SET next_at = ?2 WHERE id = ?1 AND state = 'pending'";

/* A delivery report may come before the answer of the send is recorded
 * (a gateway that reports at once): the send's "sent" does not undo it. */
static const char *const sql_ob_finish =
    "UPDATE outbox SET state = CASE WHEN state IN ('delivered', 'failed')"
    " THEN state ELSE ?2 END, next_at = ?3,"
    " last_error = CASE WHEN state IN ('delivered', 'failed')"
    " THEN last_error ELSE ?4 END,"
    " sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END"
    " WHERE id = ?1";

/* PostgreSQL: the same for many rows, from arrays of ids, states, next
 * times and errors. */
static const char *const sql_ob_finish_pg =
    "UPDATE outbox o SET state = CASE WHEN o.state IN ('delivered',"
    " 'failed') THEN o.state ELSE u.st END, next_at = u.nx,"
    " last_error = CASE WHEN o.state IN ('delivered', 'failed')"
    " THEN o.last_error ELSE u.er END,"
    " sent_at = CASE WHEN u.st = 'sent' THEN ?5 ELSE o.sent_at END"
    " FROM unnest(CAST(?1 AS bigint[]), CAST(?2 AS text[]),"
    " CAST(?3 AS bigint[]), CAST(?4 AS text[])) AS u(id, st, nx, er)"
    " WHERE o.id = u.id";

static const char *const sql_ob_next =
    "SELECT min(next_at) FROM outbox WHERE state = 'pending'";

/* Frees a claimed row's strings. */
void
outbox_row_clear(struct outbox_row *r)
{
	free(r->idem_key);
	free(r->body);
	free(r->channel);
	if (r->webhook != NULL)
		OPENSSL_cleanse(r->webhook, strlen(r->webhook));
	if (r->secret != NULL)
		OPENSSL_cleanse(r->secret, strlen(r->secret));
	free(r->webhook);
	free(r->secret);
	free(r->meta);
	if ((r->phone_id != 0 || r->reporter_id != 0) && r->chat_id != NULL)
		OPENSSL_cleanse(r->chat_id, strlen(r->chat_id));
	free(r->chat_id);
	memset(r, 0, sizeof *r);
}

/*
 * Returns rows left in flight to the queue. On SQLite one process owns
 * the file, so at its start every row marked 'sending' was left by one
 * that stopped. On PostgreSQL other instances may be sending theirs:
 * only rows whose lease ran out are taken.
 */
enum store_status
outbox_recover(struct store *s, time_t now, long *n)
{
	struct db_stmt	*st;

	if (s->pg != NULL)
		return outbox_reclaim(s, now, n);
	if ((st = store_stmt(s, sql_ob_recover)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "outbox_recover");
	*n = (long)store_changes(s);
	return STORE_OK;
}

/* Seconds a claimer must be seen gone before its rows are taken over:
 * longer than a live sender needs to notice a lost connection and take
 * its claimer lock again (it looks at least every second while it has
 * sends in flight), so a reconnection does not hand its rows to another
 * sender. */
#define OUTBOX_GONE_GRACE	4

/*
 * PostgreSQL: takes over the rows of claimers gone for OUTBOX_GONE_GRACE
 * seconds. A claimer seen gone is remembered (s->gone) and taken over at
 * a later look that still finds it gone.
 */
static enum store_status
outbox_takeover(struct store *s, time_t now, long *n)
{
	struct db_stmt	*st;
	int64_t		 ids[STORE_GONE_MAX];
	time_t		 since[STORE_GONE_MAX];
	size_t		 k = 0, i, j;
	int		 rc = DB_DONE;

	if ((st = store_stmt(s, sql_ob_gone_pg)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, STORE_CLAIMER_NS);
	db_bind_int64(st, 2, STORE_GONE_MAX);
	while (k < STORE_GONE_MAX && (rc = db_step(st)) == DB_ROW) {
		ids[k] = db_column_int64(st, 0);
		since[k] = now;
		for (j = 0; j < s->ngone; j++)
			if (s->gone[j].id == ids[k])
				since[k] = s->gone[j].since;
		k++;
	}
	if (k < STORE_GONE_MAX && rc != DB_DONE)
		return store_fail(s, "outbox_reclaim");
	db_reset(st);
	s->ngone = 0;
	for (i = 0; i < k; i++) {
		if (now - since[i] < OUTBOX_GONE_GRACE) {
			s->gone[s->ngone].id = ids[i];
			s->gone[s->ngone++].since = since[i];
			continue;
		}
		if ((st = store_stmt(s, sql_ob_takeover_pg)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, (int64_t)now);
		db_bind_int64(st, 2, ids[i]);
		if (db_step(st) != DB_DONE)
			return store_fail(s, "outbox_reclaim");
		*n += (long)store_changes(s);
	}
	return STORE_OK;
}

/* Returns rows whose claim's lease ran out to the queue (on PostgreSQL
 * also those of claimers gone for a while). */
enum store_status
outbox_reclaim(struct store *s, time_t now, long *n)
{
	struct db_stmt	*st;

	*n = 0;
	if ((st = store_stmt(s, sql_ob_reclaim)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "outbox_reclaim");
	*n = (long)store_changes(s);
	return s->pg != NULL ? outbox_takeover(s, now, n) : STORE_OK;
}

/* Opens a reporter's seal ("channel\nsender\nname\nchat") for the chat
 * to answer in, into a new string; NULL when it does not open. */
static char *
outbox_reporter_chat(struct store *s, struct db_stmt *st, int col)
{
	char	*plain = NULL, *p, *chat = NULL;
	int	 i;

	if (db_column_type(st, col) != DB_BLOB ||
	    reporters_unseal(s, db_column_blob(st, col),
	    (size_t)db_column_bytes(st, col), &plain) == -1)
		return NULL;
	for (p = plain, i = 0; i < 3 && p != NULL; i++)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p != NULL && *p != '\0')
		chat = xstrdup(p);
	OPENSSL_cleanse(plain, strlen(plain));
	free(plain);
	return chat;
}

/* Reads due rows. */
enum store_status
outbox_due(struct store *s, time_t now, struct outbox_row *out, size_t n,
    size_t *count)
{
	struct db_stmt		*st;
	struct outbox_row	*r;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_ob_due)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)now);
	db_bind_int64(st, 2, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		r = &out[(*count)++];
		r->id = db_column_int64(st, 0);
		r->group_id = db_column_int64(st, 1);
		r->attempts = db_column_int(st, 2) + 1;
		r->idem_key = store_column_dup(st, 3);
		r->body = store_column_dup(st, 4);
		r->channel = store_column_dup(st, 5);
		r->chat_id = store_column_dup(st, 6);
		/* A robot's webhook and secret, opened in memory only; a
		 * row from before 021_robot_sealed not yet sealed is read
		 * in clear. */
		r->webhook = r->secret = NULL;
		r->unopened = 0;
		if (db_column_type(st, 16) == DB_BLOB) {
			if (reporters_unseal(s, db_column_blob(st, 16),
			    (size_t)db_column_bytes(st, 16), &r->webhook) == -1)
				r->unopened = 1;
			if (db_column_type(st, 17) == DB_BLOB)
				(void)reporters_unseal(s, db_column_blob(st, 17),
				    (size_t)db_column_bytes(st, 17), &r->secret);
		} else {
			r->webhook = store_column_dup(st, 7);
			r->secret = store_column_dup(st, 8);
		}
		r->meta = store_column_dup(st, 9);
		r->phone_id = db_column_int64(st, 10);
		r->opted_out = db_column_int(st, 12);
		/* A row to a number: the number opened in memory only. */
		if (r->phone_id != 0 && (db_column_type(st, 11) !=
		    DB_BLOB || reporters_unseal(s,
		    db_column_blob(st, 11),
		    (size_t)db_column_bytes(st, 11), &r->chat_id) == -1))
			r->chat_id = NULL;
		r->reporter_id = db_column_int64(st, 13);
		r->created_at = (time_t)db_column_int64(st, 15);
		if (r->reporter_id != 0)
			r->chat_id = outbox_reporter_chat(s, st, 14);
	}
	if (*count < n && rc != DB_DONE) {
		while (*count > 0)
			outbox_row_clear(&out[--(*count)]);
		return store_fail(s, "outbox_due");
	}
	db_reset(st);
	return STORE_OK;
}

/* Runs one id-keyed update. */
static enum store_status
outbox_update(struct store *s, const char *sql, int64_t id, time_t t)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (sql == sql_ob_defer)
		db_bind_int64(st, 2, (int64_t)t);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "outbox");
	return STORE_OK;
}

/* Claims ids one statement each (SQLite: no round trips to save). */
static enum store_status
outbox_claim_each(struct store *s, const int64_t *ids, size_t n, time_t now,
    time_t lease, int *won)
{
	struct db_stmt	*st;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if ((st = store_stmt(s, sql_ob_claim)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, ids[i]);
		db_bind_int64(st, 2, (int64_t)lease);
		db_bind_int64(st, 4, (int64_t)now);
		if (db_step(st) != DB_DONE)
			return store_fail(s, "outbox_claim");
		won[i] = store_changes(s) == 1;
	}
	return STORE_OK;
}

/* PostgreSQL: claims every id in one statement, under this connection's
 * claimer id; won[i] from the ids it returns. */
static enum store_status
outbox_claim_pg(struct store *s, const int64_t *ids, size_t n, time_t now,
    time_t lease, int *won)
{
	struct db_stmt	*st;
	struct buf	 arr;
	int64_t		 claimer, id;
	size_t		 i;
	int		 rc;

	if ((claimer = store_claimer(s)) == -1)
		return STORE_ERROR;
	buf_init(&arr, (size_t)n * 21 + 2);	/* "{", ids and commas, "}" */
	(void)buf_adds(&arr, "{");
	for (i = 0; i < n; i++) {
		(void)buf_addf(&arr, "%s%lld", i > 0 ? "," : "",
		    (long long)ids[i]);
		won[i] = 0;
	}
	(void)buf_adds(&arr, "}");
	if ((st = store_stmt(s, sql_ob_claim_pg)) == NULL) {
		buf_free(&arr);
		return STORE_ERROR;
	}
	db_bind_text(st, 1, arr.data, (int)arr.len, DB_STATIC);
	db_bind_int64(st, 2, (int64_t)lease);
	db_bind_int64(st, 3, claimer);
	db_bind_int64(st, 4, (int64_t)now);
	while ((rc = db_step(st)) == DB_ROW) {
		id = db_column_int64(st, 0);
		for (i = 0; i < n; i++)
			if (ids[i] == id)
				won[i] = 1;
	}
	buf_free(&arr);
	if (rc != DB_DONE) {
		for (i = 0; i < n; i++)
			won[i] = 0;
		return store_fail(s, "outbox_claim");
	}
	db_reset(st);
	return STORE_OK;
}

/* Marks rows in flight until lease: in the caller's transaction if one
 * is open, else in one of its own; won[i] says whether ids[i] was still
 * pending, i.e. is this caller's to send. */
enum store_status
outbox_claim(struct store *s, const int64_t *ids, size_t n, time_t now,
    time_t lease, int *won)
{
	enum store_status	 rc;
	int			 own = store_autocommit(s);

	if (n == 0)
		return STORE_OK;
	if (own && (rc = store_begin(s)) != STORE_OK)
		return rc;
	rc = s->pg != NULL ? outbox_claim_pg(s, ids, n, now, lease, won) :
	    outbox_claim_each(s, ids, n, now, lease, won);
	if (!own)
		return rc;	/* the caller's transaction is the caller's */
	if (rc != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}

/* Counts what every sender claimed lately for r's target and channel
 * (see outbox.h). */
enum store_status
outbox_recent(struct store *s, const struct outbox_row *r,
    const char *channel, time_t now, struct outbox_recent *out)
{
	struct db_stmt	*st;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, sql_ob_recent)) == NULL)
		return STORE_ERROR;
	if (r->phone_id != 0)
		db_bind_int64(st, 2, r->phone_id);
	else if (r->reporter_id != 0)
		db_bind_int64(st, 3, r->reporter_id);
	else
		db_bind_int64(st, 1, r->group_id);
	store_bind_text(st, 4, channel);
	db_bind_int64(st, 5, (int64_t)(now / 60 * 60));
	db_bind_int64(st, 6, (int64_t)now);
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		return store_fail(s, "outbox_recent");
	}
	out->target_minute = (int)db_column_int64(st, 0);
	out->target_second = (int)db_column_int64(st, 1);
	out->channel_second = (int)db_column_int64(st, 2);
	db_reset(st);
	return STORE_OK;
}

/* Pushes a row back (rate limit). */
enum store_status
outbox_defer(struct store *s, int64_t id, time_t next_at)
{
	return outbox_update(s, sql_ob_defer, id, next_at);
}

/* Whether state is one an answer may record. */
static int
outbox_answer_state(const char *state)
{
	return strcmp(state, "sent") == 0 || strcmp(state, "dead") == 0 ||
	    strcmp(state, "pending") == 0;
}

/* Records the outcome of a send. */
enum store_status
outbox_finish(struct store *s, int64_t id, const char *state, time_t next_at,
    const char *error, time_t now)
{
	struct db_stmt	*st;

	if (!outbox_answer_state(state))
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_ob_finish)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, state, -1, DB_STATIC);
	db_bind_int64(st, 3, (int64_t)next_at);
	store_bind_text(st, 4, error);
	db_bind_int64(st, 5, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "outbox_finish");
	return STORE_OK;
}

/* Appends v to a PostgreSQL array literal as a quoted element (NULL
 * unquoted). */
static void
outbox_array_text(struct buf *b, const char *v)
{
	if (b->len > 1)
		(void)buf_adds(b, ",");
	if (v == NULL) {
		(void)buf_adds(b, "NULL");
		return;
	}
	(void)buf_adds(b, "\"");
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			(void)buf_adds(b, "\\");
		(void)buf_add(b, v, 1);
	}
	(void)buf_adds(b, "\"");
}

enum store_status
outbox_finish_many(struct store *s, const struct outbox_answer *a, size_t n,
    time_t now)
{
	struct db_stmt		*st;
	struct buf		 arr[4];
	enum store_status	 rc = STORE_OK;
	size_t			 i;
	int			 k;

	for (i = 0; i < n; i++)
		if (!outbox_answer_state(a[i].state))
			return STORE_INVALID;
	if (s->pg == NULL) {
		for (i = 0; i < n && rc == STORE_OK; i++)
			rc = outbox_finish(s, a[i].id, a[i].state, a[i].next_at,
			    a[i].error, now);
		return rc;
	}
	if (n == 0)
		return STORE_OK;
	for (k = 0; k < 4; k++) {
		buf_init(&arr[k], SIZE_MAX / 2);
		(void)buf_adds(&arr[k], "{");
	}
	for (i = 0; i < n; i++) {
		(void)buf_addf(&arr[0], "%s%lld", i > 0 ? "," : "",
		    (long long)a[i].id);
		outbox_array_text(&arr[1], a[i].state);
		(void)buf_addf(&arr[2], "%s%lld", i > 0 ? "," : "",
		    (long long)a[i].next_at);
		outbox_array_text(&arr[3], a[i].error);
	}
	for (k = 0; k < 4; k++)
		(void)buf_adds(&arr[k], "}");
	if ((st = store_stmt(s, sql_ob_finish_pg)) == NULL)
		rc = STORE_ERROR;
	else {
		for (k = 0; k < 4; k++)
			db_bind_text(st, k + 1, arr[k].data, (int)arr[k].len,
			    DB_STATIC);
		db_bind_int64(st, 5, (int64_t)now);
		if (db_step(st) != DB_DONE)
			rc = store_fail(s, "outbox_finish");
	}
	for (k = 0; k < 4; k++)
		buf_free(&arr[k]);
	return rc;
}

/* Returns the earliest due time of a pending row. */
enum store_status
outbox_next_due(struct store *s, time_t *when)
{
	return store_time(s, sql_ob_next, when);
}

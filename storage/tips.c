/* Tips: random references, creation with their reporter, and status by reporter. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "reporters_int.h"
#include "store_int.h"
#include "tips.h"

static const char *const sql_tip_states =
    "SELECT state, count(*) FROM tips WHERE practice = 0 GROUP BY state";
static const char *const sql_tip_ref_taken =
    "SELECT 1 FROM tips WHERE ref = ?1";
static const char *const sql_tip_insert =
    "INSERT INTO tips (ref, body, area_id, channel, chat_kind, reporter_id,"
    " created_at, updated_at, anonymous, practice) VALUES (?1, ?2, ?3, ?4,"
    " ?5, ?6, ?7, ?7, ?8, ?9)"
    " RETURNING id";
static const char *const sql_tip_event =
    "INSERT INTO tip_events (tip_id, at, kind, note) VALUES (?1, ?2, ?3, ?4)";
static const char *const sql_tip_status =
    "SELECT t.state, t.created_at, t.updated_at, r.ref FROM tips t"
    " JOIN reporters r ON r.id = t.reporter_id WHERE t.ref = ?1";
static const char *const sql_tip_reporter =
    "SELECT reporter_id FROM tips WHERE ref = ?1";

/*
 * Writes a new reference "JB-YYYYMMDD-XXXXXX" for day into ref: six
 * random characters from an alphabet without look-alikes (no 0/O, 1/I),
 * about 10^9 per day, so that a reference tells neither how many tips
 * came that day nor the reference of anyone else's. Tries again when the
 * reference is taken. Returns STORE_OK, or an error.
 */
static enum store_status
tips_new_ref(struct store *s, const char *day, char ref[TIP_REF_MAX])
{
	static const char	 abc[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	unsigned char		 rnd[TIP_REF_RANDOM];
	char			 tail[TIP_REF_RANDOM + 1];
	struct db_stmt		*st;
	int			 tries, i, rc;

	for (tries = 0; tries < 16; tries++) {
		if (RAND_bytes(rnd, sizeof rnd) != 1)
			return store_fail(s, "tips_new_ref: RAND_bytes");
		/* 32 letters: the low five bits of each byte are uniform. */
		for (i = 0; i < TIP_REF_RANDOM; i++)
			tail[i] = abc[rnd[i] & 31];
		tail[TIP_REF_RANDOM] = '\0';
		(void)snprintf(ref, TIP_REF_MAX, "JB-%s-%s", day, tail);
		if ((st = store_stmt(s, sql_tip_ref_taken)) == NULL)
			return STORE_ERROR;
		db_bind_text(st, 1, ref, -1, DB_STATIC);
		rc = db_step(st);
		db_reset(st);
		if (rc == DB_DONE)
			return STORE_OK;
		if (rc != DB_ROW)
			return store_fail(s, "tips_new_ref");
	}
	return store_fail(s, "tips_new_ref: no free reference");
}

/* Stores a new tip. */
enum store_status
tips_create(struct store *s, const struct tip_new *t, time_t now,
    char ref[TIP_REF_MAX])
{
	struct db_stmt		*st;
	int64_t			 reporter, tip;
	enum store_status	 rc;

	if (t->body == NULL || *t->body == '\0' || t->day == NULL ||
	    strlen(t->day) != 8)
		return STORE_INVALID;
	if (strspn(t->day, "0123456789") != 8)
		return STORE_INVALID;
	if ((rc = tips_new_ref(s, t->day, ref)) != STORE_OK)
		return rc;

	if ((rc = reporters_put(s, &t->reporter, now, &reporter)) != STORE_OK)
		return rc;
	if ((st = store_stmt(s, sql_tip_insert)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, ref, -1, DB_STATIC);
	db_bind_text(st, 2, t->body, -1, DB_STATIC);
	if (t->area_id != 0)
		db_bind_int64(st, 3, t->area_id);
	db_bind_text(st, 4, t->reporter.channel, -1, DB_STATIC);
	db_bind_text(st, 5, t->chat_kind, -1, DB_STATIC);
	db_bind_int64(st, 6, reporter);
	db_bind_int64(st, 7, (int64_t)now);
	db_bind_int(st, 8, t->anonymous != 0);
	db_bind_int(st, 9, t->practice != 0);
	if (db_step(st) != DB_ROW)
		return store_fail(s, "tips_create");
	tip = db_column_int64(st, 0);
	db_reset(st);

	if ((st = store_stmt(s, sql_tip_event)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, (int64_t)now);
	db_bind_text(st, 3, "received", -1, DB_STATIC);
	db_bind_text(st, 4, t->reporter.channel, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tips_create");
	return STORE_OK;
}

/* Returns a tip's status to its own reporter only. */
enum store_status
tips_status(struct store *s, const char *ref, const char *channel,
    const char *sender_id, struct tip_status *out)
{
	uint8_t			 mine[REPORTER_REF_LEN];
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if (reporters_ref(s, channel, sender_id, mine) == -1)
		return STORE_ERROR;
	if ((st = store_stmt(s, sql_tip_status)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, ref, -1, DB_STATIC);
	if (db_step(st) == DB_ROW &&
	    db_column_bytes(st, 3) == REPORTER_REF_LEN &&
	    CRYPTO_memcmp(db_column_blob(st, 3), mine,
	    REPORTER_REF_LEN) == 0) {
		(void)snprintf(out->status, sizeof out->status, "%s",
		    (const char *)db_column_text(st, 0));
		out->created_at = (time_t)db_column_int64(st, 1);
		out->updated_at = (time_t)db_column_int64(st, 2);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

/* Finds the reporter row of a tip. */
enum store_status
tips_reporter(struct store *s, const char *ref, int64_t *id)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_tip_reporter)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, ref, -1, DB_STATIC);
	if (db_step(st) == DB_ROW) {
		*id = db_column_int64(st, 0);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

/* Calls each with every state that has tips and their number. */
enum store_status
tips_count_states(struct store *s, void (*each)(void *, const char *, long),
    void *arg)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_tip_states)) == NULL)
		return STORE_ERROR;
	while ((rc = db_step(st)) == DB_ROW)
		if (db_column_type(st, 0) == DB_TEXT)
			each(arg, (const char *)db_column_text(st, 0),
			    (long)db_column_int64(st, 1));
	if (rc != DB_DONE)
		return store_fail(s, "tips_count_states");
	db_reset(st);
	return STORE_OK;
}

/*
 * Chat groups, the inbound dedupe record and the later parts of long
 * answers. The dedupe record names nobody: it is found by a keyed hash of
 * its key and its reply is sealed, both under keys derived from the store
 * key (storage/reporters.c), so the file alone does not link a chat or a
 * sender to the tip reference of the answer they were given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "chats.h"
#include "messages/hmac.h"
#include "messages/xmalloc.h"
#include "reporters_int.h"
#include "store_int.h"

#define INBOUND_REF_LEN	32

static const char *const sql_group_get =
    "SELECT area_id, locale FROM groups WHERE channel = ?1 AND chat_id = ?2";
static const char *const sql_group_record =
    "INSERT INTO groups (channel, chat_id, title, kind, first_seen)"
    " VALUES (?1, ?2, ?3, NULL, ?4) ON CONFLICT (channel, chat_id) DO NOTHING";
static const char *const sql_group_locale =
    "INSERT INTO groups (channel, chat_id, kind, locale, first_seen)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (channel, chat_id)"
    " DO UPDATE SET locale = ?4";
static const char *const sql_group_area =
    "INSERT INTO groups (channel, chat_id, kind, area_id, first_seen)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (channel, chat_id)"
    " DO UPDATE SET area_id = ?4, kind = coalesce(?3, groups.kind)";
static const char *const sql_seen_get =
    "SELECT reply FROM inbound_seen WHERE ref = ?1";
static const char *const sql_seen_put =
    "INSERT INTO inbound_seen (channel, ref, seen_at, reply)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char *const sql_chat_record =
    "INSERT INTO groups (channel, chat_id, kind, first_seen)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (channel, chat_id) DO NOTHING";
static const char *const sql_chat_id =
    "SELECT id FROM groups WHERE channel = ?1 AND chat_id = ?2";
static const char *const sql_chat_queue =
    "INSERT INTO outbox (group_id, body, idem_key, next_at, created_at,"
    " meta) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (idem_key) DO NOTHING";
static const char *const sql_seen_prune =
    "DELETE FROM inbound_seen WHERE seen_at < ?1";

/* Reads (and maybe records) a chat. */
enum store_status
groups_seen(struct store *s, const char *channel, const char *chat_id,
    const char *title, int record, time_t now, struct chat_info *ci)
{
	struct db_stmt	*st;
	int		 rc;

	memset(ci, 0, sizeof *ci);
	if ((st = store_stmt(s, sql_group_get)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, chat_id, -1, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW) {
		ci->area_id = db_column_int64(st, 0);
		if (db_column_type(st, 1) != DB_NULL)
			(void)snprintf(ci->locale, sizeof ci->locale, "%s",
			    (const char *)db_column_text(st, 1));
		db_reset(st);
		return STORE_OK;
	}
	db_reset(st);
	if (rc != DB_DONE)
		return store_fail(s, "groups_seen");
	if (!record)
		return STORE_NOT_FOUND;
	if ((st = store_stmt(s, sql_group_record)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, chat_id, -1, DB_STATIC);
	store_bind_text(st, 3, title);
	db_bind_int64(st, 4, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "groups_seen");
	return STORE_OK;
}

/* Upserts a chat's language. */
enum store_status
groups_set_locale(struct store *s, const char *channel, const char *chat_id,
    const char *kind, const char *locale, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_group_locale)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, chat_id, -1, DB_STATIC);
	store_bind_text(st, 3, kind);
	db_bind_text(st, 4, locale, -1, DB_STATIC);
	db_bind_int64(st, 5, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "groups_set_locale");
	return STORE_OK;
}

/* Upserts a chat's area. */
enum store_status
groups_set_area(struct store *s, const char *channel, const char *chat_id,
    int64_t area, const char *kind, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_group_area)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, chat_id, -1, DB_STATIC);
	store_bind_text(st, 3, kind);
	db_bind_int64(st, 4, area);
	db_bind_int64(st, 5, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "groups_set_area");
	return STORE_OK;
}

/*
 * The keyed hash that finds a message's dedupe row: HMAC-SHA256, under a
 * key of its own, over channel NUL chat NUL sender NUL message id (a
 * missing chat or sender is ""). -1 without a store key.
 */
static int
inbound_ref(struct store *s, const struct inbound_key *k,
    uint8_t out[INBOUND_REF_LEN])
{
	const char	*part[4];
	uint8_t		 key[32];
	size_t		 n = 0, o = 0, l, i;
	char		*msg;

	part[0] = k->channel;
	part[1] = k->chat_id != NULL ? k->chat_id : "";
	part[2] = k->sender_id != NULL ? k->sender_id : "";
	part[3] = k->message_id;
	if (reporters_subkey(s, "fangfei inbound ref", key) == -1) {
		(void)snprintf(s->err, sizeof s->err,
		    "inbound_seen: no store key");
		return -1;
	}
	for (i = 0; i < 4; i++)
		n += strlen(part[i]) + 1;
	msg = xmalloc(n);
	for (i = 0; i < 4; i++) {
		l = strlen(part[i]) + 1;
		memcpy(msg + o, part[i], l);
		o += l;
	}
	/* The last NUL is not part of the message. */
	hmac_sha256(key, sizeof key, msg, n - 1, out);
	OPENSSL_cleanse(msg, n);
	free(msg);
	OPENSSL_cleanse(key, sizeof key);
	return 0;
}

/* Returns the stored reply of a handled message, opened from its seal. */
enum store_status
inbound_seen_get(struct store *s, const struct inbound_key *k, char **reply)
{
	struct db_stmt		*st;
	uint8_t			 ref[INBOUND_REF_LEN];
	enum store_status	 rc = STORE_NOT_FOUND;
	int			 r;

	if (inbound_ref(s, k, ref) == -1)
		return STORE_ERROR;
	if ((st = store_stmt(s, sql_seen_get)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, ref, sizeof ref, DB_STATIC);
	r = db_step(st);
	if (r == DB_ROW) {
		if (db_column_type(st, 0) == DB_BLOB &&
		    reporters_unseal(s, db_column_blob(st, 0),
		    (size_t)db_column_bytes(st, 0), reply) == 0)
			rc = STORE_OK;
		else {
			(void)snprintf(s->err, sizeof s->err,
			    "inbound_seen_get: a reply that does not open");
			rc = STORE_ERROR;
		}
	} else if (r != DB_DONE)
		rc = store_fail(s, "inbound_seen_get");
	db_reset(st);
	return rc;
}

/* Records a handled message under its keyed hash, its reply sealed. */
enum store_status
inbound_seen_put(struct store *s, const struct inbound_key *k, time_t now,
    const char *reply)
{
	struct db_stmt		*st;
	uint8_t			 ref[INBOUND_REF_LEN], *sealed = NULL;
	size_t			 n;
	enum store_status	 rc = STORE_ERROR;

	if (inbound_ref(s, k, ref) == -1)
		return STORE_ERROR;
	if (reporters_seal(s, reply, &sealed, &n) == -1) {
		(void)snprintf(s->err, sizeof s->err,
		    "inbound_seen_put: cannot seal the reply");
		return STORE_ERROR;
	}
	if ((st = store_stmt(s, sql_seen_put)) == NULL)
		goto out;
	db_bind_text(st, 1, k->channel, -1, DB_STATIC);
	db_bind_blob(st, 2, ref, sizeof ref, DB_STATIC);
	db_bind_int64(st, 3, (int64_t)now);
	db_bind_blob(st, 4, sealed, (int)n, DB_STATIC);
	if (db_step(st) != DB_DONE) {
		rc = store_fail(s, "inbound_seen_put");
		goto out;
	}
	rc = STORE_OK;
out:
	free(sealed);
	return rc;
}

/* Queues one text for a chat. */
enum store_status
chats_queue_text(struct store *s, const char *channel, const char *chat_id,
    const char *kind, const char *text, const char *idem_key,
    const char *meta, time_t due, time_t now)
{
	struct db_stmt	*st;
	int64_t		 id;
	int		 rc;

	if ((st = store_stmt(s, sql_chat_record)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, chat_id, -1, DB_STATIC);
	db_bind_text(st, 3, kind, -1, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "chats_queue_text");
	if ((st = store_stmt(s, sql_chat_id)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, chat_id, -1, DB_STATIC);
	rc = db_step(st);
	id = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	db_reset(st);
	if (rc != DB_ROW)
		return store_fail(s, "chats_queue_text");
	if ((st = store_stmt(s, sql_chat_queue)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, text, -1, DB_STATIC);
	db_bind_text(st, 3, idem_key, -1, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)due);
	db_bind_int64(st, 5, (int64_t)now);
	if (meta != NULL)
		db_bind_text(st, 6, meta, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "chats_queue_text");
	return STORE_OK;
}

/* Deletes old dedupe rows. */
enum store_status
inbound_seen_prune(struct store *s, time_t before, long *n)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_seen_prune)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)before);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "inbound_seen_prune");
	*n = (long)store_changes(s);
	return STORE_OK;
}

/* Chat groups, the inbound dedupe record and the later parts of long
 * answers. */
#include <stdio.h>
#include <string.h>

#include "chats.h"
#include "store_int.h"

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
    "SELECT reply FROM inbound_seen WHERE channel = ?1 AND chat_id = ?2"
    " AND sender_id = ?3 AND message_id = ?4";
static const char *const sql_seen_put =
    "INSERT INTO inbound_seen (channel, chat_id, sender_id, message_id,"
    " seen_at, reply) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
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

/* Binds the four parts of a dedupe key to ?1..?4. */
static void
inbound_key_bind(struct db_stmt *st, const struct inbound_key *k)
{
	db_bind_text(st, 1, k->channel, -1, DB_STATIC);
	db_bind_text(st, 2, k->chat_id ? k->chat_id : "", -1,
	    DB_STATIC);
	db_bind_text(st, 3, k->sender_id ? k->sender_id : "", -1,
	    DB_STATIC);
	db_bind_text(st, 4, k->message_id, -1, DB_STATIC);
}

/* Returns the stored reply of a handled message. */
enum store_status
inbound_seen_get(struct store *s, const struct inbound_key *k, char **reply)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;
	int			 r;

	if ((st = store_stmt(s, sql_seen_get)) == NULL)
		return STORE_ERROR;
	inbound_key_bind(st, k);
	r = db_step(st);
	if (r == DB_ROW) {
		*reply = store_column_dup(st, 0);
		rc = STORE_OK;
	} else if (r != DB_DONE)
		rc = store_fail(s, "inbound_seen_get");
	db_reset(st);
	return rc;
}

/* Records a handled message and its reply. */
enum store_status
inbound_seen_put(struct store *s, const struct inbound_key *k, time_t now,
    const char *reply)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_seen_put)) == NULL)
		return STORE_ERROR;
	inbound_key_bind(st, k);
	db_bind_int64(st, 5, (int64_t)now);
	db_bind_text(st, 6, reply, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "inbound_seen_put");
	return STORE_OK;
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

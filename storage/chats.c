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
    " DO UPDATE SET area_id = ?4, kind = coalesce(?3, kind)";
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
	sqlite3_stmt	*st;
	int		 rc;

	memset(ci, 0, sizeof *ci);
	if ((st = store_stmt(s, sql_group_get)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, chat_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ci->area_id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			(void)snprintf(ci->locale, sizeof ci->locale, "%s",
			    (const char *)sqlite3_column_text(st, 1));
		sqlite3_reset(st);
		return STORE_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "groups_seen");
	if (!record)
		return STORE_NOT_FOUND;
	if ((st = store_stmt(s, sql_group_record)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, chat_id, -1, SQLITE_STATIC);
	store_bind_text(st, 3, title);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "groups_seen");
	return STORE_OK;
}

/* Upserts a chat's language. */
enum store_status
groups_set_locale(struct store *s, const char *channel, const char *chat_id,
    const char *kind, const char *locale, time_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql_group_locale)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, chat_id, -1, SQLITE_STATIC);
	store_bind_text(st, 3, kind);
	sqlite3_bind_text(st, 4, locale, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "groups_set_locale");
	return STORE_OK;
}

/* Upserts a chat's area. */
enum store_status
groups_set_area(struct store *s, const char *channel, const char *chat_id,
    int64_t area, const char *kind, time_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql_group_area)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, chat_id, -1, SQLITE_STATIC);
	store_bind_text(st, 3, kind);
	sqlite3_bind_int64(st, 4, area);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "groups_set_area");
	return STORE_OK;
}

/* Binds the four parts of a dedupe key to ?1..?4. */
static void
inbound_key_bind(sqlite3_stmt *st, const struct inbound_key *k)
{
	sqlite3_bind_text(st, 1, k->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->chat_id ? k->chat_id : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, k->sender_id ? k->sender_id : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 4, k->message_id, -1, SQLITE_STATIC);
}

/* Returns the stored reply of a handled message. */
enum store_status
inbound_seen_get(struct store *s, const struct inbound_key *k, char **reply)
{
	sqlite3_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;
	int			 r;

	if ((st = store_stmt(s, sql_seen_get)) == NULL)
		return STORE_ERROR;
	inbound_key_bind(st, k);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*reply = store_column_dup(st, 0);
		rc = STORE_OK;
	} else if (r != SQLITE_DONE)
		rc = store_fail(s, "inbound_seen_get");
	sqlite3_reset(st);
	return rc;
}

/* Records a handled message and its reply. */
enum store_status
inbound_seen_put(struct store *s, const struct inbound_key *k, time_t now,
    const char *reply)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql_seen_put)) == NULL)
		return STORE_ERROR;
	inbound_key_bind(st, k);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	sqlite3_bind_text(st, 6, reply, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "inbound_seen_put");
	return STORE_OK;
}

/* Queues one text for a chat. */
enum store_status
chats_queue_text(struct store *s, const char *channel, const char *chat_id,
    const char *kind, const char *text, const char *idem_key,
    const char *meta, time_t due, time_t now)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	if ((st = store_stmt(s, sql_chat_record)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, chat_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "chats_queue_text");
	if ((st = store_stmt(s, sql_chat_id)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, chat_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, "chats_queue_text");
	if ((st = store_stmt(s, sql_chat_queue)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, idem_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)due);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	if (meta != NULL)
		sqlite3_bind_text(st, 6, meta, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "chats_queue_text");
	return STORE_OK;
}

/* Deletes old dedupe rows. */
enum store_status
inbound_seen_prune(struct store *s, time_t before, long *n)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql_seen_prune)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "inbound_seen_prune");
	*n = (long)sqlite3_changes(s->db);
	return STORE_OK;
}

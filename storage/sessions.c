/* The console's sign-in links and sessions. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sessions.h"
#include "store_int.h"

static const char *const sql_link_add =
    "INSERT INTO login_links (staff_id, hash, created_at, expires_at)"
    " SELECT id, ?2, ?3, ?4 FROM staff WHERE id = ?1 AND active = 1";
/* One UPDATE: two requests racing for one link cannot both win. */
static const char *const sql_link_use =
    "UPDATE login_links SET used_at = ?2 WHERE hash = ?1"
    " AND used_at IS NULL AND expires_at > ?2"
    " AND staff_id IN (SELECT id FROM staff WHERE active = 1)"
    " RETURNING staff_id, hash";
static const char *const sql_session_add =
    "INSERT INTO web_sessions (staff_id, hash, csrf, created_at, seen_at)"
    " SELECT id, ?2, ?3, ?4, ?4 FROM staff WHERE id = ?1 AND active = 1";
static const char *const sql_session_get =
    "SELECT w.id, w.staff_id, w.csrf, w.created_at, w.seen_at, w.hash"
    " FROM web_sessions w JOIN staff s ON s.id = w.staff_id"
    " WHERE w.hash = ?1 AND w.ended_at IS NULL AND s.active = 1";
static const char *const sql_session_seen =
    "UPDATE web_sessions SET seen_at = ?2 WHERE id = ?1";
static const char *const sql_session_end_staff =
    "UPDATE web_sessions SET ended_at = ?2 WHERE staff_id = ?1"
    " AND ended_at IS NULL";
static const char *const sql_link_void =
    "UPDATE login_links SET expires_at = ?2 WHERE staff_id = ?1"
    " AND used_at IS NULL AND expires_at > ?2";
static const char *const sql_session_end =
    "UPDATE web_sessions SET ended_at = ?2 WHERE id = ?1"
    " AND ended_at IS NULL";

/* 32 random bytes as hex: 0, or -1. */
static int
sessions_random(char out[SESSION_SECRET_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 raw[32];
	size_t			 i;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return -1;
	for (i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[SESSION_SECRET_LEN] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	return 0;
}

/* SHA-256 of a well-formed secret: 0, or -1 (malformed, or failed). */
static int
sessions_hash(const char *text, unsigned char out[32])
{
	unsigned int	 len = 32;
	size_t		 i;

	if (text == NULL || strlen(text) != SESSION_SECRET_LEN)
		return -1;
	for (i = 0; i < SESSION_SECRET_LEN; i++)
		if (text[i] == '\0' || strchr("0123456789abcdef", text[i]) ==
		    NULL)
			return -1;
	return EVP_Digest(text, SESSION_SECRET_LEN, out, &len, EVP_sha256(),
	    NULL) ? 0 : -1;
}

/* Makes a sign-in link. */
enum store_status
login_links_create(struct store *s, int64_t staff, time_t now,
    char secret[SESSION_SECRET_LEN + 1])
{
	unsigned char	 hash[32];
	struct db_stmt	*st;

	if (sessions_random(secret) == -1 || sessions_hash(secret, hash) == -1 ||
	    (st = store_stmt(s, sql_link_add)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_blob(st, 2, hash, sizeof hash, DB_TRANSIENT);
	db_bind_int64(st, 3, (int64_t)now);
	db_bind_int64(st, 4, (int64_t)now + LOGIN_LINK_TTL);
	if (db_step(st) != DB_DONE) {
		OPENSSL_cleanse(secret, SESSION_SECRET_LEN + 1);
		return store_fail(s, "login_links_create");
	}
	if (store_changes(s) != 1) {
		OPENSSL_cleanse(secret, SESSION_SECRET_LEN + 1);
		return STORE_NOT_FOUND;
	}
	return STORE_OK;
}

/* Uses a sign-in link once. */
enum store_status
login_links_use(struct store *s, const char *secret, time_t now,
    int64_t *staff)
{
	unsigned char		 hash[32];
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if (sessions_hash(secret, hash) == -1)
		return STORE_NOT_FOUND;
	if ((st = store_stmt(s, sql_link_use)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, hash, sizeof hash, DB_STATIC);
	db_bind_int64(st, 2, (int64_t)now);
	switch (db_step(st)) {
	case DB_ROW:
		if (db_column_bytes(st, 1) == 32 &&
		    CRYPTO_memcmp(db_column_blob(st, 1), hash, 32) == 0) {
			*staff = db_column_int64(st, 0);
			rc = STORE_OK;
		}
		/* Steps to the end so that the UPDATE is complete. */
		while (db_step(st) == DB_ROW)
			;
		break;
	case DB_DONE:
		break;
	default:
		rc = store_fail(s, "login_links_use");
		break;
	}
	db_reset(st);
	return rc;
}

/* Opens a session. */
enum store_status
sessions_create(struct store *s, int64_t staff, time_t now,
    char secret[SESSION_SECRET_LEN + 1], struct session_info *out)
{
	unsigned char	 hash[32];
	struct db_stmt	*st;

	memset(out, 0, sizeof *out);
	if (sessions_random(secret) == -1 || sessions_random(out->csrf) == -1 ||
	    sessions_hash(secret, hash) == -1 ||
	    (st = store_stmt(s, sql_session_add)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_blob(st, 2, hash, sizeof hash, DB_TRANSIENT);
	db_bind_text(st, 3, out->csrf, -1, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "sessions_create");
	if (store_changes(s) != 1)
		return STORE_NOT_FOUND;
	out->id = store_last_rowid(s);
	out->staff_id = staff;
	out->created_at = out->seen_at = now;
	return STORE_OK;
}

/* Checks a session cookie. */
enum store_status
sessions_check(struct store *s, const char *secret, time_t now, int idle,
    int max_age, struct session_info *out)
{
	unsigned char		 hash[32];
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;
	const char		*csrf;

	memset(out, 0, sizeof *out);
	if (sessions_hash(secret, hash) == -1)
		return STORE_NOT_FOUND;
	if ((st = store_stmt(s, sql_session_get)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, hash, sizeof hash, DB_STATIC);
	switch (db_step(st)) {
	case DB_ROW:
		if (db_column_bytes(st, 5) != 32 ||
		    CRYPTO_memcmp(db_column_blob(st, 5), hash, 32) != 0)
			break;
		out->id = db_column_int64(st, 0);
		out->staff_id = db_column_int64(st, 1);
		if ((csrf = (const char *)db_column_text(st, 2)) != NULL)
			(void)strncpy(out->csrf, csrf, SESSION_SECRET_LEN);
		out->created_at = (time_t)db_column_int64(st, 3);
		out->seen_at = (time_t)db_column_int64(st, 4);
		rc = STORE_OK;
		break;
	case DB_DONE:
		break;
	default:
		rc = store_fail(s, "sessions_check");
		break;
	}
	db_reset(st);
	if (rc != STORE_OK)
		return rc;
	if (now - out->seen_at >= idle || now - out->created_at >= max_age) {
		(void)sessions_end(s, out->id, now);
		memset(out, 0, sizeof *out);
		return STORE_NOT_FOUND;
	}
	if (now - out->seen_at >= 60) {
		if ((st = store_stmt(s, sql_session_seen)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, out->id);
		db_bind_int64(st, 2, (int64_t)now);
		if (db_step(st) != DB_DONE)
			return store_fail(s, "sessions_check");
		out->seen_at = now;
	}
	return STORE_OK;
}

/* Ends a session. */
enum store_status
sessions_end(struct store *s, int64_t id, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_session_end)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "sessions_end");
	return store_changes(s) > 0 ? STORE_OK : STORE_NOT_FOUND;
}

/* Ends a staff member's sessions and voids their unused links. */
enum store_status
sessions_end_staff(struct store *s, int64_t staff, time_t now,
    long *sessions, long *links)
{
	struct db_stmt	*st;

	*sessions = *links = 0;
	if ((st = store_stmt(s, sql_session_end_staff)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_int64(st, 2, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "sessions_end_staff");
	*sessions = (long)store_changes(s);
	if ((st = store_stmt(s, sql_link_void)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_int64(st, 2, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "sessions_end_staff");
	*links = (long)store_changes(s);
	return STORE_OK;
}

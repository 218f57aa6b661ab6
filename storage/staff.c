/* Staff, bind codes, chat identities, API tokens and the audit log. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "staff.h"
#include "store_int.h"

static const char *const sql_staff_add =
    "INSERT INTO staff (name, role, area_id, phone, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id";
static const char *const sql_code_add =
    "INSERT INTO bind_codes (code, staff_id, expires_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (code) DO NOTHING";
static const char *const sql_code_use =
    "UPDATE bind_codes SET used_at = ?2 WHERE code = ?1 AND used_at IS NULL"
    " AND expires_at > ?2 RETURNING staff_id";
static const char *const sql_identity_put =
    "INSERT INTO identities (channel, user_id, staff_id, bound_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (channel, user_id)"
    " DO UPDATE SET staff_id = ?3, bound_at = ?4";
static const char *const sql_staff_by_identity =
    "SELECT s.id, s.name, s.role, s.area_id, a.path FROM identities i"
    " JOIN staff s ON s.id = i.staff_id JOIN areas a ON a.id = s.area_id"
    " WHERE i.channel = ?1 AND i.user_id = ?2 AND s.active";
static const char *const sql_staff_get =
    "SELECT s.id, s.name, s.role, s.area_id, a.path FROM staff s"
    " JOIN areas a ON a.id = s.area_id WHERE s.id = ?1";
static const char *const sql_staff_list =
    "SELECT s.id, s.name, s.role, s.area_id, a.path FROM staff s"
    " JOIN areas a ON a.id = s.area_id WHERE s.id > ?1 ORDER BY s.id"
    " LIMIT ?2";
static const char *const sql_token_add =
    "INSERT INTO api_tokens (hash, role, area_id, label, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char *const sql_token_get =
    "SELECT t.id, t.role, t.area_id, a.path, t.hash FROM api_tokens t"
    " JOIN areas a ON a.id = t.area_id WHERE t.hash = ?1"
    " AND t.revoked_at IS NULL";
static const char *const sql_area_path =
    "SELECT path FROM areas WHERE id = ?1";
static const char *const sql_area_within =
    "SELECT 1 FROM areas a, areas r WHERE a.id = ?1 AND r.id = ?2"
    " AND (a.id = r.id OR substr(a.path, 1, length(r.path) + 1) = r.path || '/')";
static const char *const sql_audit =
    "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)";

/* Staff roles, lowest first. */
int
staff_role_valid(const char *role)
{
	static const char *const roles[] = { "grid_worker", "grid_chief",
	    "liaison", "office", "admin", NULL };
	const char *const	*r;

	for (r = roles; *r != NULL; r++)
		if (role != NULL && strcmp(*r, role) == 0)
			return 1;
	return 0;
}

/* Creates a staff member. */
enum store_status
staff_add(struct store *s, const char *name, const char *role, int64_t area,
    const char *phone, time_t now, int64_t *id)
{
	sqlite3_stmt	*st;

	if (name == NULL || *name == '\0' || !staff_role_valid(role))
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_staff_add)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, area);
	store_bind_text(st, 4, phone);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(s, "staff_add");
	*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return STORE_OK;
}

/* Makes a fresh single-use code. */
enum store_status
staff_bind_code(struct store *s, int64_t staff, time_t now,
    char code[BIND_CODE_LEN + 1])
{
	sqlite3_stmt	*st;
	uint32_t	 r;
	int		 tries;

	for (tries = 0; tries < 20; tries++) {
		if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
			return STORE_ERROR;
		(void)snprintf(code, BIND_CODE_LEN + 1, "%06u", r % 1000000);
		if ((st = store_stmt(s, sql_code_add)) == NULL)
			return STORE_ERROR;
		sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, staff);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)(now + BIND_CODE_TTL));
		if (sqlite3_step(st) != SQLITE_DONE)
			return store_fail(s, "staff_bind_code");
		if (sqlite3_changes(s->db) == 1)
			return STORE_OK;
	}
	return STORE_BUSY;	/* a million codes in use: not plausible */
}

/* Fills a staff_info from a row of id, name, role, area, path. */
static void
staff_row(sqlite3_stmt *st, struct staff_info *out)
{
	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(st, 0);
	(void)snprintf(out->name, sizeof out->name, "%s",
	    (const char *)sqlite3_column_text(st, 1));
	(void)snprintf(out->role, sizeof out->role, "%s",
	    (const char *)sqlite3_column_text(st, 2));
	out->area_id = sqlite3_column_int64(st, 3);
	(void)snprintf(out->area_path, sizeof out->area_path, "%s",
	    (const char *)sqlite3_column_text(st, 4));
}

/* Runs a one-row staff query. */
static enum store_status
staff_one(struct store *s, sqlite3_stmt *st, struct staff_info *out)
{
	int	 rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		staff_row(st, out);
		sqlite3_reset(st);
		return STORE_OK;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : store_fail(s, "staff");
}

/* Spends a bind code. */
enum store_status
staff_bind(struct store *s, const char *code, const char *channel,
    const char *user, time_t now, struct staff_info *out)
{
	sqlite3_stmt	*st;
	int64_t		 staff;
	int		 rc;

	if ((st = store_stmt(s, sql_code_use)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? STORE_NOT_FOUND :
		    store_fail(s, "staff_bind");
	}
	staff = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if ((st = store_stmt(s, sql_identity_put)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, staff);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "staff_bind");
	return staff_get(s, staff, out);
}

/* Looks up the staff member of a chat identity. */
enum store_status
staff_by_identity(struct store *s, const char *channel, const char *user,
    struct staff_info *out)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql_staff_by_identity)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	return staff_one(s, st, out);
}

/* Looks up a staff member by id. */
enum store_status
staff_get(struct store *s, int64_t id, struct staff_info *out)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql_staff_get)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return staff_one(s, st, out);
}

/* Lists staff after an id. */
enum store_status
staff_list(struct store *s, int64_t after, struct staff_info *out, size_t n,
    size_t *count)
{
	sqlite3_stmt	*st;
	int		 rc;

	*count = 0;
	if ((st = store_stmt(s, sql_staff_list)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
	while (*count < n && (rc = sqlite3_step(st)) == SQLITE_ROW)
		staff_row(st, &out[(*count)++]);
	sqlite3_reset(st);
	return STORE_OK;
}

/* SHA-256 of a token's text. */
static int
tokens_hash(const char *text, unsigned char out[32])
{
	unsigned int	 len = 32;

	return EVP_Digest(text, strlen(text), out, &len, EVP_sha256(), NULL) ?
	    0 : -1;
}

/* Creates a token and returns its text once. */
enum store_status
tokens_create(struct store *s, const char *role, int64_t area,
    const char *label, time_t now, char text[TOKEN_TEXT_LEN + 1])
{
	unsigned char	 raw[32], hash[32];
	sqlite3_stmt	*st;
	int		 i;

	if (role == NULL || (strcmp(role, "office") != 0 &&
	    strcmp(role, "admin") != 0))
		return STORE_INVALID;
	if (RAND_bytes(raw, sizeof raw) != 1)
		return STORE_ERROR;
	memcpy(text, "ff_", 3);
	for (i = 0; i < 32; i++)
		(void)snprintf(text + 3 + 2 * i, 3, "%02x", raw[i]);
	if (tokens_hash(text, hash) == -1 ||
	    (st = store_stmt(s, sql_token_add)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, area);
	store_bind_text(st, 4, label);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	OPENSSL_cleanse(raw, sizeof raw);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "tokens_create");
	return STORE_OK;
}

/* Checks a token by its hash, comparing in constant time. */
enum store_status
tokens_check(struct store *s, const char *text, struct token_info *out)
{
	unsigned char		 hash[32];
	sqlite3_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if (strlen(text) != TOKEN_TEXT_LEN || tokens_hash(text, hash) == -1)
		return STORE_NOT_FOUND;
	if ((st = store_stmt(s, sql_token_get)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 4) == 32 &&
	    CRYPTO_memcmp(sqlite3_column_blob(st, 4), hash, 32) == 0) {
		memset(out, 0, sizeof *out);
		out->id = sqlite3_column_int64(st, 0);
		(void)snprintf(out->role, sizeof out->role, "%s",
		    (const char *)sqlite3_column_text(st, 1));
		out->area_id = sqlite3_column_int64(st, 2);
		(void)snprintf(out->area_path, sizeof out->area_path, "%s",
		    (const char *)sqlite3_column_text(st, 3));
		rc = STORE_OK;
	}
	sqlite3_reset(st);
	return rc;
}

/* Returns 1 if area is root or below it. */
int
areas_within(struct store *s, int64_t area, int64_t root)
{
	sqlite3_stmt	*st;
	int		 in;

	if ((st = store_stmt(s, sql_area_within)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, area);
	sqlite3_bind_int64(st, 2, root);
	in = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return in;
}

/* Writes an area's path. */
enum store_status
areas_path(struct store *s, int64_t id, char *out, size_t size)
{
	sqlite3_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_area_path)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		(void)snprintf(out, size, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		rc = STORE_OK;
	}
	sqlite3_reset(st);
	return rc;
}

/* Appends to the audit log. */
enum store_status
audit_add(struct store *s, const char *actor, const char *action,
    const char *detail, time_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql_audit)) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	store_bind_text(st, 4, detail);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "audit_add");
	return STORE_OK;
}

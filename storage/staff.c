/* Staff, bind codes, chat identities, API tokens and the audit log. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "icsfeeds.h"
#include "sessions.h"
#include "staff.h"
#include "store_int.h"

static const char *const sql_staff_add =
    "INSERT INTO staff (name, role, area_id, phone, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id";
static const char *const sql_code_cancel =
    "DELETE FROM bind_codes WHERE staff_id = ?1 AND used_at IS NULL";
static const char *const sql_code_add =
    "INSERT INTO bind_codes (code, staff_id, expires_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (code) DO NOTHING";
static const char *const sql_fail_add =
    "INSERT INTO bind_failures (channel, user_id, at) VALUES (?1, ?2, ?3)";
static const char *const sql_fail_prune =
    "DELETE FROM bind_failures WHERE at <= ?1";
static const char *const sql_fail_sender =
    "SELECT count(*), min(at) FROM bind_failures WHERE channel = ?1"
    " AND user_id = ?2 AND at > ?3";
static const char *const sql_fail_channel =
    "SELECT count(*), min(at) FROM bind_failures WHERE channel = ?1"
    " AND at > ?2";
static const char *const sql_notify_groups =
    "INSERT INTO groups (channel, chat_id, kind, first_seen)"
    " SELECT channel, chat_id, 'private', ?4 FROM identities"
    " WHERE staff_id = ?1 AND chat_id IS NOT NULL"
    " AND NOT (channel = ?2 AND user_id = ?3)"
    " ON CONFLICT (channel, chat_id) DO NOTHING";
static const char *const sql_notify_rows =
    "INSERT INTO outbox (group_id, body, idem_key, next_at, created_at)"
    " SELECT g.id, ?5, 'bind-' || ?6 || '-g' || g.id, ?4, ?4"
    " FROM identities i JOIN groups g ON g.channel = i.channel"
    " AND g.chat_id = i.chat_id WHERE i.staff_id = ?1"
    " AND i.chat_id IS NOT NULL AND NOT (i.channel = ?2 AND i.user_id = ?3)"
    " ON CONFLICT (idem_key) DO NOTHING";
static const char *const sql_code_use =
    "UPDATE bind_codes SET used_at = ?2 WHERE code = ?1 AND used_at IS NULL"
    " AND expires_at > ?2 AND staff_id IN (SELECT id FROM staff"
    " WHERE active = 1) RETURNING staff_id";
static const char *const sql_identity_put =
    "INSERT INTO identities (channel, user_id, staff_id, bound_at, chat_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (channel, user_id)"
    " DO UPDATE SET staff_id = ?3, bound_at = ?4, chat_id = ?5";
static const char *const sql_staff_by_identity =
    "SELECT s.id, s.name, s.role, s.area_id, a.path, s.active"
    " FROM identities i"
    " JOIN staff s ON s.id = i.staff_id JOIN areas a ON a.id = s.area_id"
    " WHERE i.channel = ?1 AND i.user_id = ?2 AND s.active = 1";
static const char *const sql_staff_get =
    "SELECT s.id, s.name, s.role, s.area_id, a.path, s.active FROM staff s"
    " JOIN areas a ON a.id = s.area_id WHERE s.id = ?1";
static const char *const sql_staff_list =
    "SELECT s.id, s.name, s.role, s.area_id, a.path, s.active FROM staff s"
    " JOIN areas a ON a.id = s.area_id WHERE s.id > ?1 ORDER BY s.id"
    " LIMIT ?2";
static const char *const sql_staff_active =
    "UPDATE staff SET active = ?2 WHERE id = ?1";
static const char *const sql_identity_drop =
    "DELETE FROM identities WHERE staff_id = ?1";
/* Voided codes stay, expired at the disable, like any other. */
static const char *const sql_code_void =
    "UPDATE bind_codes SET expires_at = ?2 WHERE staff_id = ?1"
    " AND used_at IS NULL AND expires_at > ?2";
static const char *const sql_token_add =
    "INSERT INTO api_tokens (hash, role, area_id, label, created_at,"
    " expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char *const sql_token_get =
    "SELECT t.id, t.role, t.area_id, a.path, t.hash FROM api_tokens t"
    " JOIN areas a ON a.id = t.area_id WHERE t.hash = ?1"
    " AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2)";
static const char *const sql_token_list =
    "SELECT t.id, t.role, t.area_id, a.path, coalesce(t.label, ''),"
    " t.created_at, coalesce(t.expires_at, 0), coalesce(t.revoked_at, 0)"
    " FROM api_tokens t JOIN areas a ON a.id = t.area_id WHERE t.id > ?1"
    " ORDER BY t.id LIMIT ?2";
static const char *const sql_token_revoke =
    "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1"
    " AND revoked_at IS NULL";
static const char *const sql_area_path =
    "SELECT path FROM areas WHERE id = ?1";
static const char *const sql_area_within =
    "SELECT 1 FROM areas a, areas r WHERE a.id = ?1 AND r.id = ?2"
    " AND" SQL_AREA_WITHIN("a", "r");
static const char *const sql_audit =
    "INSERT INTO audit_log (at, actor, action, detail, area_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char *const sql_audit_list =
    "SELECT l.id, l.at, l.actor, l.action, coalesce(l.detail, ''),"
    " coalesce(a.path, '') FROM audit_log l LEFT JOIN areas a"
    " ON a.id = l.area_id WHERE (CAST(?1 AS bigint) = 0 OR l.id < ?1)"
    " AND (CAST(?2 AS text) IS NULL OR l.action = ?2) AND l.at >= ?3"
    " AND (CAST(?4 AS bigint) = 0 OR EXISTS (SELECT 1 FROM areas r"
    " WHERE r.id = ?4 AND"
    " ((l.area_id IS NULL AND r.parent_id IS NULL) OR"
    SQL_AREA_WITHIN("a", "r") ")))"
    " ORDER BY l.id DESC LIMIT ?5";

/* The alphabet of bind codes: digits and capitals without 0 1 I O. */
static const char bind_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

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

/* The rank of a role, lowest 1. */
int
staff_role_rank(const char *role)
{
	static const char *const roles[] = { "grid_worker", "grid_chief",
	    "liaison", "office", "admin", NULL };
	int	 i;

	for (i = 0; role != NULL && roles[i] != NULL; i++)
		if (strcmp(roles[i], role) == 0)
			return i + 1;
	return 0;
}

/* Creates a staff member. */
enum store_status
staff_add(struct store *s, const char *name, const char *role, int64_t area,
    const char *phone, time_t now, int64_t *id)
{
	struct db_stmt	*st;

	if (name == NULL || *name == '\0' || !staff_role_valid(role))
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_staff_add)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, name, -1, DB_STATIC);
	db_bind_text(st, 2, role, -1, DB_STATIC);
	db_bind_int64(st, 3, area);
	store_bind_text(st, 4, phone);
	db_bind_int64(st, 5, (int64_t)now);
	if (db_step(st) != DB_ROW)
		return store_fail(s, "staff_add");
	*id = db_column_int64(st, 0);
	db_reset(st);
	return STORE_OK;
}

/* Writes the stored form of a normalised code: hex SHA-256. */
static int
staff_code_hash(const char *code, char out[65])
{
	unsigned char	 md[32];
	unsigned int	 len = sizeof md;
	int		 i;

	if (!EVP_Digest(code, strlen(code), md, &len, EVP_sha256(), NULL))
		return -1;
	for (i = 0; i < 32; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* Normalises a typed code. */
int
staff_code_parse(const char *typed, char out[BIND_CODE_LEN + 1])
{
	size_t	 n = 0;
	int	 c;

	for (; *typed != '\0'; typed++) {
		if (*typed == '-' || *typed == ' ')
			continue;
		c = toupper((unsigned char)*typed);
		if (n == BIND_CODE_LEN || c == '\0' ||
		    strchr(bind_alphabet, c) == NULL)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n == BIND_CODE_LEN ? 0 : -1;
}

/* Makes a fresh single-use code, cancelling the member's earlier ones. */
enum store_status
staff_bind_code(struct store *s, int64_t staff, time_t now,
    char code[BIND_CODE_TEXT_LEN + 1])
{
	unsigned char	 r[BIND_CODE_LEN];
	char		 raw[BIND_CODE_LEN + 1], hash[65];
	struct db_stmt	*st;
	size_t		 i, o;
	int		 tries;

	if ((st = store_stmt(s, sql_code_cancel)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_bind_code");
	for (tries = 0; tries < 20; tries++) {
		if (RAND_bytes(r, sizeof r) != 1)
			return STORE_ERROR;
		for (i = 0; i < BIND_CODE_LEN; i++)
			raw[i] = bind_alphabet[r[i] & 31];
		raw[BIND_CODE_LEN] = '\0';
		if (staff_code_hash(raw, hash) == -1 ||
		    (st = store_stmt(s, sql_code_add)) == NULL)
			return STORE_ERROR;
		db_bind_text(st, 1, hash, -1, DB_TRANSIENT);
		db_bind_int64(st, 2, staff);
		db_bind_int64(st, 3, (int64_t)(now + BIND_CODE_TTL));
		if (db_step(st) != DB_DONE)
			return store_fail(s, "staff_bind_code");
		if (store_changes(s) == 1)
			break;
	}
	if (tries == 20)
		return STORE_BUSY;	/* 2^50 codes: not plausible */
	for (i = 0, o = 0; i < BIND_CODE_LEN; i++) {
		if (i == 4 || i == 8)
			code[o++] = '-';
		code[o++] = raw[i];
	}
	code[o] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	OPENSSL_cleanse(r, sizeof r);
	return STORE_OK;
}

/* Fills a staff_info from a row of id, name, role, area, path, active. */
static void
staff_row(struct db_stmt *st, struct staff_info *out)
{
	memset(out, 0, sizeof *out);
	out->id = db_column_int64(st, 0);
	(void)snprintf(out->name, sizeof out->name, "%s",
	    (const char *)db_column_text(st, 1));
	(void)snprintf(out->role, sizeof out->role, "%s",
	    (const char *)db_column_text(st, 2));
	out->area_id = db_column_int64(st, 3);
	(void)snprintf(out->area_path, sizeof out->area_path, "%s",
	    (const char *)db_column_text(st, 4));
	out->active = db_column_int64(st, 5) != 0;
}

/* Runs a one-row staff query. */
static enum store_status
staff_one(struct store *s, struct db_stmt *st, struct staff_info *out)
{
	int	 rc = db_step(st);

	if (rc == DB_ROW) {
		staff_row(st, out);
		db_reset(st);
		return STORE_OK;
	}
	db_reset(st);
	return rc == DB_DONE ? STORE_NOT_FOUND : store_fail(s, "staff");
}

/* Spends a bind code. */
enum store_status
staff_bind(struct store *s, const char *typed, const char *channel,
    const char *user, const char *chat_id, time_t now,
    struct staff_info *out)
{
	struct db_stmt	*st;
	char		 code[BIND_CODE_LEN + 1], hash[65];
	int64_t		 staff;
	int		 rc;

	if (staff_code_parse(typed, code) == -1)
		return STORE_NOT_FOUND;
	if (staff_code_hash(code, hash) == -1 ||
	    (st = store_stmt(s, sql_code_use)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, hash, -1, DB_TRANSIENT);
	db_bind_int64(st, 2, (int64_t)now);
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_reset(st);
		return rc == DB_DONE ? STORE_NOT_FOUND :
		    store_fail(s, "staff_bind");
	}
	staff = db_column_int64(st, 0);
	db_reset(st);
	if ((st = store_stmt(s, sql_identity_put)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, user, -1, DB_STATIC);
	db_bind_int64(st, 3, staff);
	db_bind_int64(st, 4, (int64_t)now);
	store_bind_text(st, 5, chat_id);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_bind");
	return staff_get(s, staff, out);
}

/* Counts a failed bind attempt. */
enum store_status
staff_bind_failed(struct store *s, const char *channel, const char *user,
    time_t now, int window)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_fail_prune)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)(now - window));
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_bind_failed");
	if ((st = store_stmt(s, sql_fail_add)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, user, -1, DB_STATIC);
	db_bind_int64(st, 3, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_bind_failed");
	return STORE_OK;
}

/* Runs a count(*), min(at) query; returns the count or -1. */
static long
staff_fail_count(struct store *s, struct db_stmt *st, time_t *oldest)
{
	long	 n = -1;

	if (db_step(st) == DB_ROW) {
		n = (long)db_column_int64(st, 0);
		*oldest = (time_t)db_column_int64(st, 1);
	} else
		(void)store_fail(s, "staff_bind_locked");
	db_reset(st);
	return n;
}

/* Tells whether binds from a sender are refused for now. */
int
staff_bind_locked(struct store *s, const char *channel, const char *user,
    time_t now, int window, int per_sender, int per_channel, time_t *until)
{
	struct db_stmt	*st;
	time_t		 oldest = 0;
	long		 n;

	*until = 0;
	if (per_sender > 0) {
		if ((st = store_stmt(s, sql_fail_sender)) == NULL)
			return -1;
		db_bind_text(st, 1, channel, -1, DB_STATIC);
		db_bind_text(st, 2, user, -1, DB_STATIC);
		db_bind_int64(st, 3, (int64_t)(now - window));
		if ((n = staff_fail_count(s, st, &oldest)) == -1)
			return -1;
		if (n >= per_sender)
			*until = oldest + window;
	}
	if (per_channel > 0) {
		if ((st = store_stmt(s, sql_fail_channel)) == NULL)
			return -1;
		db_bind_text(st, 1, channel, -1, DB_STATIC);
		db_bind_int64(st, 2, (int64_t)(now - window));
		if ((n = staff_fail_count(s, st, &oldest)) == -1)
			return -1;
		if (n >= per_channel && oldest + window > *until)
			*until = oldest + window;
	}
	return *until != 0;
}

/* Queues a notice to a staff member's other identities. */
enum store_status
staff_notify_identities(struct store *s, int64_t staff, const char *channel,
    const char *user, const char *body, time_t now, long *n)
{
	unsigned char	 r[8];
	char		 nonce[17];
	struct db_stmt	*st;
	int		 i;

	*n = 0;
	if (RAND_bytes(r, sizeof r) != 1)
		return STORE_ERROR;
	for (i = 0; i < 8; i++)
		(void)snprintf(nonce + 2 * i, 3, "%02x", r[i]);
	if ((st = store_stmt(s, sql_notify_groups)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_text(st, 2, channel, -1, DB_STATIC);
	db_bind_text(st, 3, user, -1, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_notify_identities");
	if ((st = store_stmt(s, sql_notify_rows)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, staff);
	db_bind_text(st, 2, channel, -1, DB_STATIC);
	db_bind_text(st, 3, user, -1, DB_STATIC);
	db_bind_int64(st, 4, (int64_t)now);
	db_bind_text(st, 5, body, -1, DB_STATIC);
	db_bind_text(st, 6, nonce, -1, DB_TRANSIENT);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_notify_identities");
	*n = (long)store_changes(s);
	return STORE_OK;
}

/* Runs one statement on a staff id (and now, when now is not 0); *n
 * gets the rows it changed. */
static enum store_status
staff_sweep(struct store *s, const char *sql, int64_t id, time_t now,
    long *n)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (now != 0)
		db_bind_int64(st, 2, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_disable");
	*n = (long)store_changes(s);
	return STORE_OK;
}

/* Disables a staff member and cuts off everything that acts as them. */
enum store_status
staff_disable(struct store *s, int64_t id, time_t now,
    struct staff_cutoff *out)
{
	struct db_stmt		*st;
	enum store_status	 rc;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, sql_staff_active)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, 0);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_disable");
	if (store_changes(s) != 1)
		return STORE_NOT_FOUND;
	if ((rc = staff_sweep(s, sql_identity_drop, id, 0,
	    &out->identities)) != STORE_OK ||
	    (rc = staff_sweep(s, sql_code_void, id, now, &out->codes)) !=
	    STORE_OK ||
	    (rc = sessions_end_staff(s, id, now, &out->sessions,
	    &out->links)) != STORE_OK)
		return rc;
	switch ((rc = icsfeeds_revoke(s, id, now))) {
	case STORE_OK:
		out->feeds = 1;	/* at most one is live */
		return STORE_OK;
	case STORE_NOT_FOUND:
		return STORE_OK;
	default:
		return rc;
	}
}

/* Writes a disable's audit detail. */
void
staff_cutoff_detail(const struct staff_cutoff *c, int64_t id,
    const char *name, char *out, size_t size)
{
	(void)snprintf(out, size, "staff %lld (%.64s): %ld identities, %ld "
	    "sessions, %ld codes, %ld links, %ld feeds", (long long)id, name,
	    c->identities, c->sessions, c->codes, c->links, c->feeds);
}

/* Marks a staff member active again. */
enum store_status
staff_enable(struct store *s, int64_t id)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_staff_active)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, 1);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "staff_enable");
	return store_changes(s) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

/* Looks up the staff member of a chat identity. */
enum store_status
staff_by_identity(struct store *s, const char *channel, const char *user,
    struct staff_info *out)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_staff_by_identity)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, channel, -1, DB_STATIC);
	db_bind_text(st, 2, user, -1, DB_STATIC);
	return staff_one(s, st, out);
}

/* Looks up a staff member by id. */
enum store_status
staff_get(struct store *s, int64_t id, struct staff_info *out)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_staff_get)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	return staff_one(s, st, out);
}

/* Lists staff after an id. */
enum store_status
staff_list(struct store *s, int64_t after, struct staff_info *out, size_t n,
    size_t *count)
{
	struct db_stmt	*st;
	int		 rc;

	*count = 0;
	if ((st = store_stmt(s, sql_staff_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW)
		staff_row(st, &out[(*count)++]);
	db_reset(st);
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

/* Creates a token that never expires. */
enum store_status
tokens_create(struct store *s, const char *role, int64_t area,
    const char *label, time_t now, char text[TOKEN_TEXT_LEN + 1])
{
	return tokens_create_until(s, role, area, label, now, 0, text);
}

/* Creates a token and returns its text once. */
enum store_status
tokens_create_until(struct store *s, const char *role, int64_t area,
    const char *label, time_t now, time_t expires,
    char text[TOKEN_TEXT_LEN + 1])
{
	unsigned char	 raw[32], hash[32];
	struct db_stmt	*st;
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
	db_bind_blob(st, 1, hash, sizeof hash, DB_TRANSIENT);
	db_bind_text(st, 2, role, -1, DB_STATIC);
	db_bind_int64(st, 3, area);
	store_bind_text(st, 4, label);
	db_bind_int64(st, 5, (int64_t)now);
	if (expires != 0)
		db_bind_int64(st, 6, (int64_t)expires);
	OPENSSL_cleanse(raw, sizeof raw);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tokens_create");
	return STORE_OK;
}

/* Checks a token at the current time. */
enum store_status
tokens_check(struct store *s, const char *text, struct token_info *out)
{
	return tokens_check_at(s, text, time(NULL), out);
}

/* Checks a token by its hash, comparing in constant time. */
enum store_status
tokens_check_at(struct store *s, const char *text, time_t now,
    struct token_info *out)
{
	unsigned char		 hash[32];
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if (strlen(text) != TOKEN_TEXT_LEN || tokens_hash(text, hash) == -1)
		return STORE_NOT_FOUND;
	if ((st = store_stmt(s, sql_token_get)) == NULL)
		return STORE_ERROR;
	db_bind_blob(st, 1, hash, sizeof hash, DB_STATIC);
	db_bind_int64(st, 2, (int64_t)now);
	if (db_step(st) == DB_ROW &&
	    db_column_bytes(st, 4) == 32 &&
	    CRYPTO_memcmp(db_column_blob(st, 4), hash, 32) == 0) {
		memset(out, 0, sizeof *out);
		out->id = db_column_int64(st, 0);
		(void)snprintf(out->role, sizeof out->role, "%s",
		    (const char *)db_column_text(st, 1));
		out->area_id = db_column_int64(st, 2);
		(void)snprintf(out->area_path, sizeof out->area_path, "%s",
		    (const char *)db_column_text(st, 3));
		(void)snprintf(out->actor, sizeof out->actor, "token:%lld",
		    (long long)out->id);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

/* Lists tokens after an id. */
enum store_status
tokens_list(struct store *s, int64_t after, struct token_info *out, size_t n,
    size_t *count)
{
	struct token_info	*t;
	struct db_stmt		*st;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_token_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		t = &out[(*count)++];
		memset(t, 0, sizeof *t);
		t->id = db_column_int64(st, 0);
		(void)snprintf(t->role, sizeof t->role, "%s",
		    (const char *)db_column_text(st, 1));
		t->area_id = db_column_int64(st, 2);
		(void)snprintf(t->area_path, sizeof t->area_path, "%s",
		    (const char *)db_column_text(st, 3));
		(void)snprintf(t->label, sizeof t->label, "%s",
		    (const char *)db_column_text(st, 4));
		t->created_at = (time_t)db_column_int64(st, 5);
		t->expires_at = (time_t)db_column_int64(st, 6);
		t->revoked_at = (time_t)db_column_int64(st, 7);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "tokens_list");
}

/* Revokes a live token. */
enum store_status
tokens_revoke(struct store *s, int64_t id, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_token_revoke)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tokens_revoke");
	return store_changes(s) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

/* Returns 1 if area is root or below it. */
int
areas_within(struct store *s, int64_t area, int64_t root)
{
	struct db_stmt	*st;
	int		 in;

	if ((st = store_stmt(s, sql_area_within)) == NULL)
		return 0;
	db_bind_int64(st, 1, area);
	db_bind_int64(st, 2, root);
	in = db_step(st) == DB_ROW;
	db_reset(st);
	return in;
}

/* Writes an area's path. */
enum store_status
areas_path(struct store *s, int64_t id, char *out, size_t size)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_area_path)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (db_step(st) == DB_ROW) {
		(void)snprintf(out, size, "%s",
		    (const char *)db_column_text(st, 0));
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

/* Appends to the audit log, with no area. */
enum store_status
audit_add(struct store *s, const char *actor, const char *action,
    const char *detail, time_t now)
{
	return audit_add_area(s, actor, action, detail, 0, now);
}

/* Appends to the audit log. */
enum store_status
audit_add_area(struct store *s, const char *actor, const char *action,
    const char *detail, int64_t area, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_audit)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)now);
	db_bind_text(st, 2, actor, -1, DB_STATIC);
	db_bind_text(st, 3, action, -1, DB_STATIC);
	store_bind_text(st, 4, detail);
	if (area != 0)
		db_bind_int64(st, 5, area);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "audit_add");
	return STORE_OK;
}

/* Lists audit entries, newest first. */
enum store_status
audit_list(struct store *s, const struct audit_filter *f,
    struct audit_entry *out, size_t n, size_t *count)
{
	struct audit_entry	*e;
	struct db_stmt		*st;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_audit_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, f->before);
	store_bind_text(st, 2, f->action);
	db_bind_int64(st, 3, (int64_t)f->since);
	db_bind_int64(st, 4, f->scope);
	db_bind_int64(st, 5, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		e = &out[(*count)++];
		memset(e, 0, sizeof *e);
		e->id = db_column_int64(st, 0);
		e->at = (time_t)db_column_int64(st, 1);
		(void)snprintf(e->actor, sizeof e->actor, "%s",
		    (const char *)db_column_text(st, 2));
		(void)snprintf(e->action, sizeof e->action, "%s",
		    (const char *)db_column_text(st, 3));
		(void)snprintf(e->detail, sizeof e->detail, "%s",
		    (const char *)db_column_text(st, 4));
		(void)snprintf(e->area_path, sizeof e->area_path, "%s",
		    (const char *)db_column_text(st, 5));
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "audit_list");
}

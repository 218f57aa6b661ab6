/* Open letters, poster codes, scans and reach. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "letters.h"
#include "messages/hmac.h"
#include "staff.h"
#include "store_int.h"

/* Unambiguous lower-case letters and digits: 32 symbols, 5 bits each. */
static const char code_alphabet[] = "23456789abcdefghijkmnpqrstuvwxyz";

static const char *const sql_letter_add =
    "INSERT INTO letters (title, body, issuer, issued_on, area_id, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
static const char *const sql_letter_get =
    "SELECT id, title, body, issuer, issued_on, area_id FROM letters"
    " WHERE id = ?1";
static const char *const sql_letter_list =
    "SELECT id, title, body, issuer, issued_on, area_id FROM letters"
    " WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char *const sql_letter_targets =
    "SELECT a.id, a.path FROM areas a, areas r WHERE r.id = ?1"
    " AND a.level = ?2 AND" SQL_AREA_WITHIN("a", "r") " ORDER BY a.path";
static const char *const sql_code_add =
    "INSERT INTO letter_codes (letter_id, code, area_id, label, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (code) DO NOTHING";
static const char *const sql_code_get =
    "SELECT id, letter_id, code, label, area_id FROM letter_codes"
    " WHERE code = ?1";
static const char *const sql_code_letter =
    "SELECT c.id, c.letter_id, c.code, c.label, c.area_id, l.title, l.body,"
    " l.issuer, l.issued_on, l.area_id FROM letter_codes c"
    " JOIN letters l ON l.id = c.letter_id WHERE c.code = ?1";
static const char *const sql_code_list =
    "SELECT c.id, c.letter_id, c.code, c.label, c.area_id FROM letter_codes c"
    " JOIN areas a ON a.id = c.area_id, areas r"
    " WHERE c.letter_id = ?1 AND c.id > ?3 AND (?2 = 0 OR (r.id = ?2 AND"
    SQL_AREA_WITHIN("a", "r") "))"
    " GROUP BY c.id ORDER BY c.id LIMIT ?4";
static const char *const sql_share_get =
    "SELECT id, letter_id, code, label, area_id FROM letter_codes"
    " WHERE letter_id = ?1 AND area_id = ?2 AND label = ?3";
static const char *const sql_scan_seen =
    "SELECT 1 FROM scans WHERE code_id = ?1 AND device = ?2 LIMIT 1";
static const char *const sql_scan_add =
    "INSERT INTO scans (code_id, at, client, device, repeat, forwarded,"
    " ip_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char *const sql_reach_areas =
    "SELECT a.id, a.path, a.level, a.households FROM areas a, areas r"
    " WHERE r.id = ?1 AND" SQL_AREA_WITHIN("a", "r") " ORDER BY a.path";
static const char *const sql_reach_households =
    "SELECT coalesce(sum(households), 0) FROM areas WHERE level = 5 AND"
    SQL_PATH_WITHIN("path", "?1");
static const char *const sql_reach_counts =
    "SELECT count(DISTINCT c.id),"
    " count(DISTINCT CASE WHEN s.client <> 'bot' THEN c.id END),"
    " coalesce(sum(CASE WHEN s.client <> 'bot' THEN 1 ELSE 0 END), 0),"
    " coalesce(sum(CASE WHEN s.client <> 'bot' AND s.forwarded <> 0"
    " THEN 1 ELSE 0 END), 0),"
    " count(DISTINCT CASE WHEN s.client <> 'bot' THEN s.device END),"
    " coalesce(sum(CASE WHEN s.client = 'bot' THEN 1 ELSE 0 END), 0)"
    " FROM letter_codes c JOIN areas a ON a.id = c.area_id"
    " LEFT JOIN scans s ON s.code_id = c.id"
    " WHERE c.letter_id = ?1 AND" SQL_PATH_WITHIN("a.path", "?2");
static const char *const sql_reach_totals =
    "SELECT coalesce(sum(t.scans), 0), coalesce(sum(t.forwarded), 0),"
    " coalesce(sum(t.devices), 0), coalesce(sum(t.bots), 0),"
    " coalesce(sum(CASE WHEN t.scans > 0 AND NOT EXISTS (SELECT 1 FROM scans s"
    " WHERE s.code_id = c.id AND s.client <> 'bot') THEN 1 ELSE 0 END), 0)"
    " FROM letter_codes c JOIN areas a ON a.id = c.area_id"
    " JOIN scan_totals t ON t.code_id = c.id"
    " WHERE c.letter_id = ?1 AND" SQL_PATH_WITHIN("a.path", "?2");
static const char *const sql_unscanned =
    "SELECT c.id, c.letter_id, c.code, c.label, c.area_id FROM letter_codes c"
    " JOIN areas a ON a.id = c.area_id"
    " WHERE c.letter_id = ?1 AND (?2 = 0 OR" SQL_PATH_WITHIN("a.path", "?3")
    ")"
    " AND NOT EXISTS (SELECT 1 FROM scans s"
    " WHERE s.code_id = c.id AND s.client <> 'bot')"
    " AND NOT EXISTS (SELECT 1 FROM scan_totals t"
    " WHERE t.code_id = c.id AND t.scans > 0) ORDER BY c.label";
static const char *const sql_area_path_of =
    "SELECT path FROM areas WHERE id = ?1";
static const char *const sql_prune_rows =
    "INSERT INTO scan_totals (code_id)"
    " SELECT DISTINCT code_id FROM scans WHERE at < ?1"
    " ON CONFLICT (code_id) DO NOTHING";
/* A device counts towards a code's total when its last visit of that
 * code goes: visits it still has are counted from the rows kept. */
static const char *const sql_prune_fold =
    "UPDATE scan_totals SET"
    " scans = scans + (SELECT count(*) FROM scans s WHERE"
    "  s.code_id = scan_totals.code_id AND s.at < ?1 AND s.client <> 'bot'),"
    " forwarded = forwarded + (SELECT count(*) FROM scans s WHERE"
    "  s.code_id = scan_totals.code_id AND s.at < ?1 AND s.client <> 'bot'"
    "  AND s.forwarded <> 0),"
    " bots = bots + (SELECT count(*) FROM scans s WHERE"
    "  s.code_id = scan_totals.code_id AND s.at < ?1 AND s.client = 'bot'),"
    " devices = devices + (SELECT count(DISTINCT s.device) FROM scans s"
    "  WHERE s.code_id = scan_totals.code_id AND s.at < ?1"
    "  AND s.client <> 'bot' AND NOT EXISTS (SELECT 1 FROM scans k"
    "  WHERE k.code_id = s.code_id AND k.device = s.device AND k.at >= ?1"
    "  AND k.client <> 'bot'))"
    " WHERE code_id IN (SELECT code_id FROM scans WHERE at < ?1)";
static const char *const sql_prune_delete =
    "DELETE FROM scans WHERE at < ?1";
static const char *const sql_salt_get =
    "SELECT salt FROM scan_salts WHERE day = ?1";
static const char *const sql_salt_add =
    "INSERT INTO scan_salts (day, salt) VALUES (?1, ?2)"
    " ON CONFLICT (day) DO NOTHING";
static const char *const sql_salt_forget =
    "DELETE FROM scan_salts WHERE day < ?1";

/* Frees a letter's strings. */
void
letter_clear(struct letter *l)
{
	free(l->title);
	free(l->body);
	free(l->issuer);
	free(l->issued_on);
	memset(l, 0, sizeof *l);
}

/* Creates a letter. */
enum store_status
letters_add(struct store *s, const char *title, const char *body,
    const char *issuer, const char *date, int64_t area, time_t now,
    int64_t *id)
{
	struct db_stmt	*st;

	if (title == NULL || *title == '\0' || body == NULL || *body == '\0' ||
	    issuer == NULL || *issuer == '\0' || date == NULL)
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_letter_add)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, title, -1, DB_STATIC);
	db_bind_text(st, 2, body, -1, DB_STATIC);
	db_bind_text(st, 3, issuer, -1, DB_STATIC);
	db_bind_text(st, 4, date, -1, DB_STATIC);
	db_bind_int64(st, 5, area);
	db_bind_int64(st, 6, (int64_t)now);
	if (db_step(st) != DB_ROW)
		return store_fail(s, "letters_add");
	*id = db_column_int64(st, 0);
	db_reset(st);
	return STORE_OK;
}

/* Reads a letter. */
enum store_status
letters_get(struct store *s, int64_t id, struct letter *l)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	memset(l, 0, sizeof *l);
	if ((st = store_stmt(s, sql_letter_get)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (db_step(st) == DB_ROW) {
		l->id = db_column_int64(st, 0);
		l->title = store_column_dup(st, 1);
		l->body = store_column_dup(st, 2);
		l->issuer = store_column_dup(st, 3);
		l->issued_on = store_column_dup(st, 4);
		l->area_id = db_column_int64(st, 5);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

/* Lists letters by id. */
enum store_status
letters_list(struct store *s, int64_t after, struct letter *out, size_t n,
    size_t *count)
{
	struct letter	*l;
	struct db_stmt	*st;
	int		 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_letter_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		l = &out[(*count)++];
		l->id = db_column_int64(st, 0);
		l->title = store_column_dup(st, 1);
		l->body = store_column_dup(st, 2);
		l->issuer = store_column_dup(st, 3);
		l->issued_on = store_column_dup(st, 4);
		l->area_id = db_column_int64(st, 5);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "letters_list");
}

/* Makes a random code. */
static int
letters_random_code(char code[LETTER_CODE_LEN + 1])
{
	unsigned char	 r[LETTER_CODE_LEN];
	int		 i;

	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	for (i = 0; i < LETTER_CODE_LEN; i++)
		code[i] = code_alphabet[r[i] & 31];
	code[LETTER_CODE_LEN] = '\0';
	return 0;
}

/* Labels a code: "华光路社区 12号楼 电梯厅" for a building (its community
 * and itself), the last two parts of the path otherwise. */
static void
letters_label(const char *path, const char *place, int n, int per, char *out,
    size_t size)
{
	const char	*parts[5] = { NULL };
	size_t		 lens[5] = { 0 }, np = 0;
	const char	*p = path, *slash;
	char		 num[16] = "";

	while (np < 5) {
		slash = strchr(p, '/');
		parts[np] = p;
		lens[np++] = slash ? (size_t)(slash - p) : strlen(p);
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (per > 1)
		(void)snprintf(num, sizeof num, " #%d", n);
	if (np == 5)		/* district/street/community/grid/building */
		(void)snprintf(out, size, "%.*s %.*s", (int)lens[2], parts[2],
		    (int)lens[4], parts[4]);
	else if (np >= 2)
		(void)snprintf(out, size, "%.*s %.*s", (int)lens[np - 2],
		    parts[np - 2], (int)lens[np - 1], parts[np - 1]);
	else
		(void)snprintf(out, size, "%s", path);
	if (place != NULL && *place != '\0')
		(void)snprintf(out + strlen(out), size - strlen(out), " %s",
		    place);
	(void)snprintf(out + strlen(out), size - strlen(out), "%s", num);
}

/* Makes codes for every target area. */
enum store_status
letters_make_codes(struct store *s, int64_t id, int64_t area, int level,
    int per, const char *place, time_t now,
    void (*fn)(const struct letter_code *, void *), void *arg, long *made)
{
	struct letter_code	 lc;
	struct db_stmt	*st, *ins;
	char		 code[LETTER_CODE_LEN + 1], label[256];
	int64_t		 targets[4096];
	char		*paths[4096];
	size_t		 n = 0, i;
	int		 k, tries;
	enum store_status rc = STORE_OK;

	*made = 0;
	if (level < 1 || level > 5 || per < 1 || per > 100)
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_letter_targets)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	db_bind_int(st, 2, level);
	while (n < sizeof targets / sizeof targets[0] &&
	    db_step(st) == DB_ROW) {
		targets[n] = db_column_int64(st, 0);
		paths[n++] = store_column_dup(st, 1);
	}
	db_reset(st);
	for (i = 0; i < n && rc == STORE_OK; i++) {
		for (k = 1; k <= per && rc == STORE_OK; k++) {
			letters_label(paths[i], place, k, per, label,
			    sizeof label);
			for (tries = 0; tries < 10; tries++) {
				if (letters_random_code(code) == -1 ||
				    (ins = store_stmt(s, sql_code_add)) == NULL) {
					rc = STORE_ERROR;
					break;
				}
				db_bind_int64(ins, 1, id);
				db_bind_text(ins, 2, code, -1, DB_STATIC);
				db_bind_int64(ins, 3, targets[i]);
				db_bind_text(ins, 4, label, -1,
				    DB_STATIC);
				db_bind_int64(ins, 5, (int64_t)now);
				if (db_step(ins) != DB_DONE) {
					rc = store_fail(s, "letters_make_codes");
					break;
				}
				if (store_changes(s) == 1) {
					(*made)++;
					if (fn != NULL) {
						memset(&lc, 0, sizeof lc);
						lc.id = store_last_rowid(s);
						lc.letter_id = id;
						memcpy(lc.code, code,
						    sizeof lc.code);
						(void)snprintf(lc.label,
						    sizeof lc.label, "%s",
						    label);
						lc.area_id = targets[i];
						fn(&lc, arg);
					}
					break;
				}
			}
		}
	}
	for (i = 0; i < n; i++)
		free(paths[i]);
	return rc;
}

/* Fills a code from a row of id, letter, code, label, area. */
static void
letters_code_row(struct db_stmt *st, struct letter_code *c)
{
	memset(c, 0, sizeof *c);
	c->id = db_column_int64(st, 0);
	c->letter_id = db_column_int64(st, 1);
	(void)snprintf(c->code, sizeof c->code, "%s",
	    (const char *)db_column_text(st, 2));
	(void)snprintf(c->label, sizeof c->label, "%s",
	    (const char *)db_column_text(st, 3));
	c->area_id = db_column_int64(st, 4);
}

/* Finds a code. */
enum store_status
letters_code(struct store *s, const char *code, struct letter_code *c)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if (strlen(code) != LETTER_CODE_LEN ||
	    strspn(code, code_alphabet) != LETTER_CODE_LEN)
		return STORE_NOT_FOUND;
	if ((st = store_stmt(s, sql_code_get)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, code, -1, DB_STATIC);
	if (db_step(st) == DB_ROW) {
		letters_code_row(st, c);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

/* Finds a code and its letter in one statement. */
enum store_status
letters_code_letter(struct store *s, const char *code, struct letter_code *c,
    struct letter *l)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	memset(l, 0, sizeof *l);
	if (strlen(code) != LETTER_CODE_LEN ||
	    strspn(code, code_alphabet) != LETTER_CODE_LEN)
		return STORE_NOT_FOUND;
	if ((st = store_stmt(s, sql_code_letter)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, code, -1, DB_STATIC);
	if (db_step(st) == DB_ROW) {
		letters_code_row(st, c);
		l->id = c->letter_id;
		l->title = store_column_dup(st, 5);
		l->body = store_column_dup(st, 6);
		l->issuer = store_column_dup(st, 7);
		l->issued_on = store_column_dup(st, 8);
		l->area_id = db_column_int64(st, 9);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

/* Lists codes. */
enum store_status
letters_codes(struct store *s, int64_t letter, int64_t area, int64_t after,
    struct letter_code *out, size_t n, size_t *count)
{
	struct db_stmt	*st;

	*count = 0;
	if ((st = store_stmt(s, sql_code_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, letter);
	db_bind_int64(st, 2, area);
	db_bind_int64(st, 3, after);
	db_bind_int64(st, 4, (int64_t)n);
	while (*count < n && db_step(st) == DB_ROW)
		letters_code_row(st, &out[(*count)++]);
	db_reset(st);
	return STORE_OK;
}

/* Inserts the row of visit v with ip_hash (16 bytes, or NULL), a repeat
 * when its device has opened its code before. */
static enum store_status
letters_scan_row(struct store *s, const struct scan_visit *v,
    const uint8_t *ip_hash)
{
	static const char *const names[] = { "wechat", "alipay", "browser",
	    "bot" };
	struct db_stmt		*st;
	enum store_status	 rc;
	int			 repeat;

	if ((st = store_stmt(s, sql_scan_seen)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, v->code_id);
	db_bind_text(st, 2, v->device, -1, DB_STATIC);
	repeat = db_step(st) == DB_ROW;
	db_reset(st);
	if ((st = store_stmt(s, sql_scan_add)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, v->code_id);
	db_bind_int64(st, 2, (int64_t)v->at);
	db_bind_text(st, 3, names[v->client], -1, DB_STATIC);
	db_bind_text(st, 4, v->device, -1, DB_STATIC);
	db_bind_int(st, 5, repeat);
	db_bind_int(st, 6, v->forwarded);
	if (ip_hash != NULL)
		db_bind_blob(st, 7, ip_hash, 16, DB_STATIC);
	else
		db_bind_null(st, 7);
	rc = db_step(st) == DB_DONE ? STORE_OK :
	    store_fail(s, "letters_scan_batch");
	db_reset(st);
	return rc;
}

/*
 * Sets whether this connection's commits wait for the disk: SQLite's
 * synchronous pragma (NORMAL or FULL), PostgreSQL's synchronous_commit,
 * which is a setting of the session and not a statement to prepare.
 */
static enum store_status
letters_synchronous(struct store *s, int relaxed)
{
	struct db_stmt	*st;

	if (s->pg != NULL)
		return pg_exec(s, relaxed ? "SET synchronous_commit = off" :
		    "SET synchronous_commit = on") == DB_OK ? STORE_OK :
		    store_fail(s, "synchronous_commit");
	if ((st = store_stmt(s, relaxed ? "PRAGMA synchronous = NORMAL" :
	    "PRAGMA synchronous = FULL")) == NULL)
		return STORE_ERROR;
	(void)db_step(st);
	db_reset(st);
	return STORE_OK;
}

/* Records visits in one relaxed transaction; see letters.h. */
enum store_status
letters_scan_batch(struct store *s, const struct scan_visit *v, size_t n)
{
	uint8_t			 salt[SCAN_SALT_LEN], full[HMAC_SHA256_LEN];
	char			 day[sizeof v->day] = "";
	enum store_status	 rc = STORE_ERROR;
	size_t			 i;
	int			 salted = 0, hashed;

	/*
	 * A scan acknowledges nothing to anyone: it is committed without
	 * waiting for the disk (WAL with synchronous = NORMAL survives a
	 * killed process; only a power cut can lose the last few). Tips and
	 * outbox rows keep synchronous = FULL, set back below.
	 */
	if (letters_synchronous(s, 1) != STORE_OK)
		return STORE_ERROR;
	if ((rc = store_begin(s)) != STORE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].day, day) != 0) {
			(void)snprintf(day, sizeof day, "%s", v[i].day);
			salted = letters_day_salt(s, day, salt) == STORE_OK;
		}
		hashed = salted && v[i].addr[0] != '\0';
		if (hashed)
			hmac_sha256(salt, sizeof salt, v[i].addr,
			    strlen(v[i].addr), full);
		/* The first 16 bytes: enough to tell a day's addresses apart. */
		if ((rc = letters_scan_row(s, &v[i], hashed ? full : NULL)) !=
		    STORE_OK)
			break;
	}
	if (rc == STORE_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
out:
	explicit_bzero(salt, sizeof salt);
	if (letters_synchronous(s, 0) != STORE_OK)
		return STORE_ERROR;
	return rc;
}

/* Computes reach per area. */
enum store_status
letters_reach(struct store *s, int64_t letter, int64_t root,
    void (*fn)(const struct reach_row *, void *), void *arg)
{
	struct letter		 l;
	struct reach_row	*rows = NULL, *r;
	struct db_stmt		*st;
	size_t			 n = 0, cap = 0, i;
	enum store_status	 rc;

	if ((rc = letters_get(s, letter, &l)) != STORE_OK)
		return rc;
	/* A root above the letter sees the whole letter; one beside it,
	 * nothing; one below it, its own subtree only. */
	if (root == 0 || areas_within(s, l.area_id, root))
		root = l.area_id;
	else if (!areas_within(s, root, l.area_id)) {
		letter_clear(&l);
		return STORE_OK;
	}
	letter_clear(&l);
	if ((st = store_stmt(s, sql_reach_areas)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, root);
	while (db_step(st) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			rows = realloc(rows, cap * sizeof *rows);
			if (rows == NULL)
				abort();
		}
		r = &rows[n++];
		memset(r, 0, sizeof *r);
		r->area_id = db_column_int64(st, 0);
		(void)snprintf(r->path, sizeof r->path, "%s",
		    (const char *)db_column_text(st, 1));
		r->level = db_column_int(st, 2);
		r->households = (long)db_column_int64(st, 3);
	}
	db_reset(st);
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if ((st = store_stmt(s, sql_reach_households)) == NULL)
			goto fail;
		db_bind_text(st, 1, r->path, -1, DB_STATIC);
		if (db_step(st) == DB_ROW &&
		    (long)db_column_double(st, 0) > r->households)
			r->households = (long)db_column_double(st, 0);
		db_reset(st);
		if ((st = store_stmt(s, sql_reach_counts)) == NULL)
			goto fail;
		db_bind_int64(st, 1, letter);
		db_bind_text(st, 2, r->path, -1, DB_STATIC);
		if (db_step(st) == DB_ROW) {
			r->codes = (long)db_column_int64(st, 0);
			r->codes_unscanned = r->codes -
			    (long)db_column_int64(st, 1);
			r->scans = (long)db_column_double(st, 2);
			r->forwarded = (long)db_column_double(st, 3);
			r->devices = (long)db_column_int64(st, 4);
			r->bots = (long)db_column_double(st, 5);
		}
		db_reset(st);
		if ((st = store_stmt(s, sql_reach_totals)) == NULL)
			goto fail;
		db_bind_int64(st, 1, letter);
		db_bind_text(st, 2, r->path, -1, DB_STATIC);
		if (db_step(st) == DB_ROW) {
			r->scans += (long)db_column_double(st, 0);
			r->forwarded += (long)db_column_double(st, 1);
			r->devices += (long)db_column_double(st, 2);
			r->bots += (long)db_column_double(st, 3);
			r->codes_unscanned -= (long)db_column_double(st, 4);
		}
		db_reset(st);
		if (r->codes > 0)
			fn(r, arg);
	}
	free(rows);
	return STORE_OK;
fail:
	free(rows);
	return STORE_ERROR;
}

/* Lists never-scanned codes. */
enum store_status
letters_unscanned(struct store *s, int64_t letter, int64_t area,
    void (*fn)(const struct letter_code *, void *), void *arg)
{
	struct letter_code	 c;
	struct db_stmt		*st;
	char			 path[512] = "";

	if (area != 0) {
		if ((st = store_stmt(s, sql_area_path_of)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, area);
		if (db_step(st) == DB_ROW)
			(void)snprintf(path, sizeof path, "%s",
			    (const char *)db_column_text(st, 0));
		db_reset(st);
		if (*path == '\0')
			return STORE_NOT_FOUND;
	}
	if ((st = store_stmt(s, sql_unscanned)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, letter);
	db_bind_int64(st, 2, area);
	db_bind_text(st, 3, path, -1, DB_STATIC);
	while (db_step(st) == DB_ROW) {
		letters_code_row(st, &c);
		fn(&c, arg);
	}
	db_reset(st);
	return STORE_OK;
}

/* Finds or makes the shared-link code of a letter for an area. */
enum store_status
letters_share_code(struct store *s, int64_t letter, int64_t area, time_t now,
    struct letter_code *c)
{
	static const char	 label[] = "群内转发链接 shared link";
	struct db_stmt		*st;
	char			 code[LETTER_CODE_LEN + 1];
	int			 tries;

	for (tries = 0; tries < 10; tries++) {
		if ((st = store_stmt(s, sql_share_get)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, letter);
		db_bind_int64(st, 2, area);
		db_bind_text(st, 3, label, -1, DB_STATIC);
		if (db_step(st) == DB_ROW) {
			letters_code_row(st, c);
			db_reset(st);
			return STORE_OK;
		}
		db_reset(st);
		if (letters_random_code(code) == -1 ||
		    (st = store_stmt(s, sql_code_add)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, letter);
		db_bind_text(st, 2, code, -1, DB_STATIC);
		db_bind_int64(st, 3, area);
		db_bind_text(st, 4, label, -1, DB_STATIC);
		db_bind_int64(st, 5, (int64_t)now);
		if (db_step(st) != DB_DONE)
			return store_fail(s, "letters_share_code");
	}
	return STORE_ERROR;
}

/* Runs one pruning statement with the cut-off bound to ?1. */
static enum store_status
letters_prune_step(struct store *s, const char *sql, time_t before)
{
	struct db_stmt		*st;
	enum store_status	 rc;

	if ((st = store_stmt(s, sql)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)before);
	rc = db_step(st) == DB_DONE ? STORE_OK :
	    store_fail(s, "letters_prune_scans");
	db_reset(st);
	return rc;
}

/* Folds old scan rows into the per-code totals and deletes them. */
enum store_status
letters_prune_scans(struct store *s, time_t before, long *n)
{
	enum store_status	 rc;

	*n = 0;
	if ((rc = store_begin(s)) != STORE_OK)
		return rc;
	if ((rc = letters_prune_step(s, sql_prune_rows, before)) != STORE_OK ||
	    (rc = letters_prune_step(s, sql_prune_fold, before)) != STORE_OK ||
	    (rc = letters_prune_step(s, sql_prune_delete, before)) != STORE_OK)
		goto fail;
	*n = (long)store_changes(s);
	if ((rc = store_commit(s)) != STORE_OK)
		goto fail;
	return STORE_OK;
fail:
	store_rollback(s);
	*n = 0;
	return rc;
}

/* Reads the salt of day into salt; returns 1 if there was one. */
static int
letters_salt_read(struct store *s, const char *day, uint8_t *salt)
{
	struct db_stmt	*st;
	int		 found = 0;

	if ((st = store_stmt(s, sql_salt_get)) == NULL)
		return 0;
	db_bind_text(st, 1, day, -1, DB_STATIC);
	if (db_step(st) == DB_ROW &&
	    db_column_bytes(st, 0) == SCAN_SALT_LEN) {
		memcpy(salt, db_column_blob(st, 0), SCAN_SALT_LEN);
		found = 1;
	}
	db_reset(st);
	return found;
}

/* Finds or makes the day's salt, forgetting older days'. */
enum store_status
letters_day_salt(struct store *s, const char *day, uint8_t salt[SCAN_SALT_LEN])
{
	uint8_t		 fresh[SCAN_SALT_LEN];
	struct db_stmt	*st;

	if (letters_salt_read(s, day, salt))
		return STORE_OK;
	if (RAND_bytes(fresh, sizeof fresh) != 1)
		return STORE_ERROR;
	/* Two threads may race here: the first row wins, both read it. */
	if ((st = store_stmt(s, sql_salt_add)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, day, -1, DB_STATIC);
	db_bind_blob(st, 2, fresh, sizeof fresh, DB_STATIC);
	if (db_step(st) != DB_DONE) {
		db_reset(st);
		return store_fail(s, "letters_day_salt");
	}
	db_reset(st);
	explicit_bzero(fresh, sizeof fresh);
	if ((st = store_stmt(s, sql_salt_forget)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, day, -1, DB_STATIC);
	(void)db_step(st);
	db_reset(st);
	return letters_salt_read(s, day, salt) ? STORE_OK : STORE_ERROR;
}

/* Computes the MAC of a print link into mac (32 bytes); -1 without key. */
static int
letters_print_mac(struct store *s, int64_t letter, int64_t area,
    time_t expires, uint8_t mac[32])
{
	static const char	 label[] = "fangfei print link v1";
	uint8_t			 k[HMAC_SHA256_LEN];
	char			 msg[96];

	if (!s->has_key)
		return -1;
	hmac_sha256(s->key, STORE_KEY_LEN, label, sizeof label - 1, k);
	(void)snprintf(msg, sizeof msg, "%lld/%lld/%lld", (long long)letter,
	    (long long)area, (long long)expires);
	hmac_sha256(k, sizeof k, msg, strlen(msg), mac);
	explicit_bzero(k, sizeof k);
	return 0;
}

/* Signs a print link. */
enum store_status
letters_print_sign(struct store *s, int64_t letter, int64_t area,
    time_t expires, char sig[LETTER_SIG_LEN + 1])
{
	uint8_t		 mac[32];
	size_t		 i;

	if (letters_print_mac(s, letter, area, expires, mac) == -1)
		return STORE_INVALID;
	for (i = 0; i < LETTER_SIG_LEN; i++)
		sig[i] = "0123456789abcdef"[(mac[i / 2] >> (i & 1 ? 0 : 4)) &
		    15];
	sig[LETTER_SIG_LEN] = '\0';
	return STORE_OK;
}

/* Checks a print link's signature and expiry. */
int
letters_print_valid(struct store *s, int64_t letter, int64_t area,
    time_t expires, const char *sig, time_t now)
{
	char	 want[LETTER_SIG_LEN + 1];

	if (sig == NULL || strlen(sig) != LETTER_SIG_LEN || now >= expires ||
	    letters_print_sign(s, letter, area, expires, want) != STORE_OK)
		return 0;
	return CRYPTO_memcmp(want, sig, LETTER_SIG_LEN) == 0;
}

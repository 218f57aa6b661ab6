/* Robot groups, broadcasts and outbox rows. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "messages/hmac.h"
#include "messages/sms.h"
#include "messages/xmalloc.h"
#include "locks.h"
#include "outbox.h"
#include "reporters_int.h"
#include "staff.h"
#include "store_int.h"

#define REPORT_MAC_HEX	32	/* hex digits of the report token's MAC */

/* A robot's chat_id is "<area id>:<name>": names are unique per (type,
 * area), and re-registering one changes only that area's robot. */
static const char *const sql_robot_add =
    "INSERT INTO groups (channel, chat_id, title, kind, area_id,"
    " webhook_seal, secret_seal, webhook_host, first_seen)"
    " VALUES (?1, CAST(CAST(?4 AS bigint) AS text) || ':'"
    " || ?2, ?2, ?3, CAST(?4 AS bigint), ?5, ?6, ?8, ?7)"
    " ON CONFLICT (channel, chat_id) DO UPDATE SET kind = ?3,"
    " webhook_seal = ?5, secret_seal = ?6, webhook_host = ?8,"
    " webhook = NULL, secret = NULL"
    " WHERE groups.area_id = CAST(?4 AS bigint)"
    " RETURNING id";
/* The robots still in clear (written before 021_robot_sealed). */
static const char *const sql_robot_any =
    "SELECT count(*) FROM (SELECT 1 FROM groups WHERE webhook IS NOT NULL"
    " LIMIT 1) AS x";
static const char *const sql_robot_clear =
    "SELECT id, webhook, secret FROM groups WHERE webhook IS NOT NULL"
    " AND id > ?1 ORDER BY id LIMIT 64";
static const char *const sql_robot_seal =
    "UPDATE groups SET webhook_seal = ?2, secret_seal = ?3,"
    " webhook_host = ?4, webhook = NULL, secret = NULL"
    " WHERE id = ?1 AND webhook IS NOT NULL";
static const char *const sql_groups_list =
    "SELECT g.id, a.path, g.kind, g.channel, coalesce(g.title, g.chat_id),"
    " coalesce(g.webhook, ''), g.webhook_host"
    " FROM groups g JOIN areas a ON a.id = g.area_id"
    " WHERE g.id > ?1 AND g.kind IN ('building', 'community', 'grid_worker',"
    " 'police') AND (CAST(?2 AS bigint) = 0 OR EXISTS (SELECT 1 FROM areas r"
    " WHERE r.id = CAST(?2 AS bigint)"
    " AND" SQL_AREA_WITHIN("a", "r") ")) ORDER BY g.id LIMIT ?3";
static const char *const sql_bc_insert =
    "INSERT INTO broadcasts (area_id, kinds, body, notice_id, created_by,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
static const char *const sql_bc_count_by =
    "SELECT count(*) FROM broadcasts WHERE created_by = ?1"
    " AND created_at > ?2";
/*
 * A robot's row has an empty body: the text is the broadcast's, written
 * once and read with the row when it is sent (outbox_due()).
 *
 * The area and those below it are a range of the areas' path index
 * (SQL_AREA_WITHIN), and their groups are read through groups_area: a
 * broadcast to one building reads that building's groups, not every
 * group of the district with its path compared.
 */
static const char *const sql_bc_fanout =
    "INSERT INTO outbox (broadcast_id, group_id, body, idem_key, next_at,"
    " created_at)"
    " SELECT CAST(?1 AS bigint), g.id, '',"
    " 'b' || CAST(?1 AS bigint) || '-g' || g.id, CAST(?2 AS bigint),"
    " CAST(?2 AS bigint)"
    " FROM areas r JOIN areas a ON" SQL_AREA_WITHIN("a", "r")
    " JOIN groups g ON g.area_id = a.id"
    " WHERE r.id = ?3"
    " AND instr(',' || CAST(?4 AS text) || ',', ',' || g.kind || ',') > 0";
/* One row per number: a number has one row in phones and one area, so it
 * is reached at most once per broadcast (and idem_key says so again). */
static const char *const sql_bc_fanout_sms =
    "INSERT INTO outbox (broadcast_id, phone_id, channel, body, idem_key,"
    " next_at, created_at)"
    " SELECT CAST(?1 AS bigint), p.id, CAST(?5 AS text), CAST(?2 AS text),"
    " 'b' || CAST(?1 AS bigint) || '-p' || p.id, CAST(?3 AS bigint),"
    " CAST(?3 AS bigint)"
    " FROM areas r JOIN areas a ON" SQL_AREA_WITHIN("a", "r")
    " JOIN phones p ON p.area_id = a.id"
    " WHERE r.id = ?4 AND p.opted_out_at IS NULL";
static const char *const sql_bc_reach =
    "SELECT (SELECT count(*) FROM areas a JOIN groups g ON g.area_id = a.id"
    " WHERE" SQL_AREA_WITHIN("a", "r")
    " AND instr(',' || CAST(?2 AS text) || ',', ',' || g.kind || ',') > 0),"
    " (SELECT count(*) FROM areas a JOIN phones p ON p.area_id = a.id"
    " WHERE" SQL_AREA_WITHIN("a", "r") " AND p.opted_out_at IS NULL)"
    " FROM areas r WHERE r.id = ?1";
static const char *const sql_bc_counts =
    "SELECT state, phone_id IS NOT NULL, count(*) FROM outbox"
    " WHERE broadcast_id = ?1 GROUP BY 1, 2";
/* The same for the broadcasts to the subtree of ?1 created in [?2, ?3);
 * and how many those are. */
static const char *const sql_bc_counts_under =
    "SELECT o.state, o.phone_id IS NOT NULL, count(*) FROM broadcasts b"
    " JOIN areas a ON a.id = b.area_id JOIN areas r ON r.id = ?1"
    " JOIN outbox o ON o.broadcast_id = b.id"
    " WHERE" SQL_AREA_WITHIN("a", "r")
    " AND b.created_at >= ?2 AND b.created_at < ?3 GROUP BY 1, 2";
static const char *const sql_bc_count_under =
    "SELECT count(*) FROM broadcasts b"
    " JOIN areas a ON a.id = b.area_id JOIN areas r ON r.id = ?1"
    " WHERE" SQL_AREA_WITHIN("a", "r")
    " AND b.created_at >= ?2 AND b.created_at < ?3";
static const char *const sql_bc_get =
    "SELECT area_id FROM broadcasts WHERE id = ?1";
static const char *const sql_bc_groups =
    "SELECT o.id, coalesce(o.group_id, 0), coalesce(g.title, g.chat_id, ''),"
    " coalesce(o.channel, g.channel), o.state, o.attempts,"
    " coalesce(o.last_error, ''), p.sealed FROM outbox o"
    " LEFT JOIN groups g ON g.id = o.group_id"
    " LEFT JOIN phones p ON p.id = o.phone_id WHERE o.broadcast_id = ?1"
    " AND o.id > ?2 ORDER BY o.id LIMIT ?3";
/* A report moves a row the gateway took (or is taking) to its end; a
 * second report of the same row changes nothing. */
static const char *const sql_ob_report =
    "UPDATE outbox SET state = ?2, last_error = ?3, report_ref = ?4,"
    " reported_at = ?5 WHERE id = ?1 AND (phone_id IS NOT NULL"
    " OR reporter_id IS NOT NULL)"
    " AND state IN ('sending', 'sent') RETURNING id";
static const char *const sql_ob_reporter =
    "INSERT INTO outbox (reporter_id, channel, body, idem_key, next_at,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
    " ON CONFLICT (idem_key) DO NOTHING";
static const char *const sql_ob_exists =
    "SELECT state FROM outbox WHERE id = ?1 AND (phone_id IS NOT NULL"
    " OR reporter_id IS NOT NULL)";
static const char *const sql_ob_states =
    "SELECT state, count(*) FROM outbox GROUP BY state";
static const char *const sql_ob_oldest =
    "SELECT min(created_at) FROM outbox WHERE state IN ('pending', 'sending')";

/* The states of the schema's CHECK, in the order of outbox_stats. */
const char *const outbox_state_names[OUTBOX_STATES] = {
	"pending", "sending", "sent", "dead", "delivered", "failed"
};

/* The kinds a group can have. */
int
group_kind_valid(const char *kind)
{
	static const char *const kinds[] = { "building", "community",
	    "grid_worker", "police", NULL };
	const char *const	*k;

	for (k = kinds; *k != NULL; k++)
		if (kind != NULL && strcmp(*k, kind) == 0)
			return 1;
	return 0;
}

static void	 groups_url_host(const char *, char *, size_t);

/* A robot's webhook and secret, sealed, and the webhook's host. */
struct robot_seals {
	uint8_t	*webhook;
	size_t	 webhook_len;
	uint8_t	*secret;	/* NULL: no secret */
	size_t	 secret_len;
	char	 host[256];
};

static void
robot_seals_free(struct robot_seals *rs)
{
	free(rs->webhook);
	free(rs->secret);
	memset(rs, 0, sizeof *rs);
}

/* Frees a webhook or secret read in clear, zeroed first. */
static void
robot_clear_free(char *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, strlen(p));
	free(p);
}

/* Seals webhook and secret (NULL or "": none) into rs; -1 without a key
 * (rs is then empty). */
static int
robot_seal(const struct store *s, const char *webhook, const char *secret,
    struct robot_seals *rs)
{
	memset(rs, 0, sizeof *rs);
	if (reporters_seal(s, webhook, &rs->webhook, &rs->webhook_len) == -1 ||
	    (secret != NULL && *secret != '\0' && reporters_seal(s, secret,
	    &rs->secret, &rs->secret_len) == -1)) {
		robot_seals_free(rs);
		return -1;
	}
	groups_url_host(webhook, rs->host, sizeof rs->host);
	return 0;
}

/* Registers a robot group. */
enum store_status
groups_add_robot(struct store *s, const char *type, const char *name,
    int64_t area, const char *kind, const char *webhook, const char *secret,
    time_t now, int64_t *id)
{
	struct db_stmt		*st;
	struct robot_seals	 rs;
	enum store_status	 rc;

	if (name == NULL || *name == '\0' || !group_kind_valid(kind) ||
	    webhook == NULL || (strncmp(webhook, "https://", 8) != 0 &&
	    strncmp(webhook, "http://", 7) != 0))
		return STORE_INVALID;
	if (robot_seal(s, webhook, secret, &rs) == -1) {
		(void)snprintf(s->err, sizeof s->err, "groups_add_robot: "
		    "the webhook cannot be sealed (no reporter key)");
		return STORE_ERROR;
	}
	if ((st = store_stmt(s, sql_robot_add)) == NULL) {
		robot_seals_free(&rs);
		return STORE_ERROR;
	}
	db_bind_text(st, 1, type, -1, DB_STATIC);
	db_bind_text(st, 2, name, -1, DB_STATIC);
	db_bind_text(st, 3, kind, -1, DB_STATIC);
	db_bind_int64(st, 4, area);
	db_bind_blob(st, 5, rs.webhook, (int)rs.webhook_len, DB_STATIC);
	if (rs.secret != NULL)
		db_bind_blob(st, 6, rs.secret, (int)rs.secret_len, DB_STATIC);
	else	/* a cached statement keeps its last bindings */
		db_bind_null(st, 6);
	db_bind_int64(st, 7, (int64_t)now);
	db_bind_text(st, 8, rs.host, -1, DB_STATIC);
	switch (db_step(st)) {
	case DB_ROW:
		*id = db_column_int64(st, 0);
		db_reset(st);
		rc = STORE_OK;
		break;
	case DB_DONE:	/* the key's row is another area's: broken */
		db_reset(st);
		rc = STORE_INVALID;
		break;
	default:
		rc = store_fail(s, "groups_add_robot");
		break;
	}
	robot_seals_free(&rs);
	return rc;
}

enum store_status
groups_seal_clear(struct store *s, long *sealed)
{
	struct db_stmt		*st;
	struct robot_seals	 rs;
	int64_t			 after = 0, ids[64];
	char			*hooks[64], *secrets[64];
	size_t			 done, i, n;
	int			 nokey = 0, rc;

	*sealed = 0;
	/* Nearly always none: then no write lock is taken. */
	if ((st = store_stmt(s, sql_robot_any)) == NULL)
		return STORE_ERROR;
	if (db_step(st) != DB_ROW)
		return store_fail(s, "groups_seal_clear");
	n = (size_t)db_column_int64(st, 0);
	db_reset(st);
	if (n == 0)
		return STORE_OK;
	if (store_begin(s) != STORE_OK)
		return STORE_ERROR;
	for (;;) {
		if ((st = store_stmt(s, sql_robot_clear)) == NULL)
			goto fail;
		db_bind_int64(st, 1, after);
		n = 0;
		while (n < 64 && (rc = db_step(st)) == DB_ROW) {
			ids[n] = db_column_int64(st, 0);
			hooks[n] = store_column_dup(st, 1);
			secrets[n] = store_column_dup(st, 2);
			n++;
		}
		db_reset(st);
		for (i = 0; i < n; i++) {
			after = ids[i];
			if (robot_seal(s, hooks[i], secrets[i], &rs) == -1) {
				nokey = 1;
				break;
			}
			if ((st = store_stmt(s, sql_robot_seal)) == NULL) {
				robot_seals_free(&rs);
				break;
			}
			db_bind_int64(st, 1, ids[i]);
			db_bind_blob(st, 2, rs.webhook, (int)rs.webhook_len,
			    DB_STATIC);
			if (rs.secret != NULL)
				db_bind_blob(st, 3, rs.secret,
				    (int)rs.secret_len, DB_STATIC);
			else
				db_bind_null(st, 3);
			db_bind_text(st, 4, rs.host, -1, DB_STATIC);
			rc = db_step(st);
			db_reset(st);
			robot_seals_free(&rs);
			if (rc != DB_DONE)
				break;
			(*sealed)++;
		}
		done = i;
		for (i = 0; i < n; i++) {
			robot_clear_free(hooks[i]);
			robot_clear_free(secrets[i]);
		}
		if (done < n)
			goto fail;
		if (n < 64)
			break;
	}
	if (store_commit(s) != STORE_OK)
		goto fail;
	return STORE_OK;
fail:
	if (nokey)
		(void)snprintf(s->err, sizeof s->err, "groups_seal_clear: "
		    "cannot seal (no reporter key)");
	else
		(void)store_fail(s, "groups_seal_clear");
	store_rollback(s);
	*sealed = 0;
	return STORE_ERROR;
}

/* Copies the host (and port) of a URL, without user, path or query. */
static void
groups_url_host(const char *url, char *out, size_t size)
{
	const char	*p = strstr(url, "://"), *end, *at;
	size_t		 n;

	*out = '\0';
	if (p == NULL)
		return;
	p += 3;
	end = p + strcspn(p, "/?#");
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	n = (size_t)(end - p);
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Lists groups warnings can reach. */
enum store_status
groups_list(struct store *s, int64_t scope, int64_t after,
    struct group_entry *out, size_t n, size_t *count)
{
	struct group_entry	*g;
	struct db_stmt		*st;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_groups_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, scope);
	db_bind_int64(st, 3, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		g = &out[(*count)++];
		memset(g, 0, sizeof *g);
		g->id = db_column_int64(st, 0);
		(void)snprintf(g->area_path, sizeof g->area_path, "%s",
		    (const char *)db_column_text(st, 1));
		(void)snprintf(g->kind, sizeof g->kind, "%s",
		    (const char *)db_column_text(st, 2));
		(void)snprintf(g->channel, sizeof g->channel, "%s",
		    (const char *)db_column_text(st, 3));
		(void)snprintf(g->name, sizeof g->name, "%s",
		    (const char *)db_column_text(st, 4));
		if (db_column_type(st, 6) == DB_TEXT)
			(void)snprintf(g->host, sizeof g->host, "%s",
			    (const char *)db_column_text(st, 6));
		else
			groups_url_host((const char *)db_column_text(st, 5),
			    g->host, sizeof g->host);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "groups_list");
}

/* The kinds a broadcast can reach: the group kinds and "sms". */
int
broadcast_kind_valid(const char *kind)
{
	return group_kind_valid(kind) || (kind != NULL &&
	    strcmp(kind, BROADCAST_SMS) == 0);
}

/* Whether a comma-separated list of kinds names kind. */
static int
broadcast_has_kind(const char *kinds, const char *kind)
{
	size_t		 n = strlen(kind);
	const char	*p;

	for (p = kinds; (p = strstr(p, kind)) != NULL; p += n)
		if ((p == kinds || p[-1] == ',') &&
		    (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Counts whom a broadcast would reach. */
enum store_status
broadcasts_preview(struct store *s, const struct broadcast_new *b,
    struct broadcast_reach *r)
{
	struct db_stmt	*st;

	memset(r, 0, sizeof *r);
	if (b->kinds == NULL || *b->kinds == '\0')
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_bc_reach)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, b->area);
	db_bind_text(st, 2, b->kinds, -1, DB_STATIC);
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		return STORE_NOT_FOUND;
	}
	r->groups = (long)db_column_int64(st, 0);
	if (broadcast_has_kind(b->kinds, BROADCAST_SMS) &&
	    b->sms_channel != NULL)
		r->numbers = (long)db_column_int64(st, 1);
	db_reset(st);
	return STORE_OK;
}

/* Creates a broadcast and its outbox rows. */
enum store_status
broadcasts_create(struct store *s, const struct broadcast_new *b, time_t now,
    int64_t *id, struct broadcast_reach *r)
{
	struct db_stmt	*st;

	memset(r, 0, sizeof *r);
	if (b->text == NULL || *b->text == '\0' || b->kinds == NULL ||
	    *b->kinds == '\0')
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_bc_insert)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, b->area);
	db_bind_text(st, 2, b->kinds, -1, DB_STATIC);
	db_bind_text(st, 3, b->text, -1, DB_STATIC);
	if (b->notice != 0)
		db_bind_int64(st, 4, b->notice);
	db_bind_text(st, 5, b->by, -1, DB_STATIC);
	db_bind_int64(st, 6, (int64_t)now);
	if (db_step(st) != DB_ROW)
		return store_fail(s, "broadcasts_create");
	*id = db_column_int64(st, 0);
	db_reset(st);
	if ((st = store_stmt(s, sql_bc_fanout)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, *id);
	db_bind_int64(st, 2, (int64_t)now);
	db_bind_int64(st, 3, b->area);
	db_bind_text(st, 4, b->kinds, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "broadcasts_create");
	r->groups = (long)store_changes(s);
	/* Other instances on the database help send it (locks.h). */
	store_wake_others(s);
	if (!broadcast_has_kind(b->kinds, BROADCAST_SMS) ||
	    b->sms_channel == NULL)
		return STORE_OK;
	if ((st = store_stmt(s, sql_bc_fanout_sms)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, *id);
	db_bind_text(st, 2, b->sms_text != NULL ? b->sms_text : b->text,
	    -1, DB_STATIC);
	db_bind_int64(st, 3, (int64_t)now);
	db_bind_int64(st, 4, b->area);
	db_bind_text(st, 5, b->sms_channel, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "broadcasts_create");
	r->numbers = (long)store_changes(s);
	return STORE_OK;
}

/* Adds a (state, is SMS, count) row of the outbox to c. */
static void
broadcasts_counts_row(struct db_stmt *st, struct broadcast_counts *c)
{
	const char	*state = (const char *)db_column_text(st, 0);
	int		 sms = db_column_int(st, 1);
	long		 n = (long)db_column_int64(st, 2);

	if (state == NULL)
		return;
	if (strcmp(state, "pending") == 0)
		c->pending += n;
	else if (strcmp(state, "sending") == 0)
		c->sending += n;
	else if (strcmp(state, "sent") == 0 && sms)
		c->accepted += n;
	else if (strcmp(state, "sent") == 0 ||
	    strcmp(state, "delivered") == 0)
		c->sent += n;
	else
		c->dead += n;
}

/* Counts a broadcast's rows by state. */
enum store_status
broadcasts_counts(struct store *s, int64_t id, struct broadcast_counts *c)
{
	struct db_stmt	*st;
	int		 rc;

	memset(c, 0, sizeof *c);
	if ((st = store_stmt(s, sql_bc_counts)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW)
		broadcasts_counts_row(st, c);
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : store_fail(s, "broadcasts_counts");
}

/* Counts the broadcasts to base's subtree in [since, until) and adds up
 * their rows. */
enum store_status
broadcasts_counts_under(struct store *s, int64_t base, time_t since,
    time_t until, long *count, struct broadcast_counts *c)
{
	struct db_stmt	*st;
	int		 rc;

	memset(c, 0, sizeof *c);
	*count = 0;
	if ((st = store_stmt_span(s, sql_bc_count_under, base, since,
	    until)) == NULL)
		return STORE_ERROR;
	if ((rc = db_step(st)) == DB_ROW)
		*count = (long)db_column_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return store_fail(s, "broadcasts_counts_under");
	if ((st = store_stmt_span(s, sql_bc_counts_under, base, since,
	    until)) == NULL)
		return STORE_ERROR;
	while ((rc = db_step(st)) == DB_ROW)
		broadcasts_counts_row(st, c);
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : store_fail(s,
	    "broadcasts_counts_under");
}

enum store_status
broadcasts_day_limit(struct store *s, const char *by, int per_day,
    time_t now, long *count)
{
	struct db_stmt	*st;

	*count = 0;
	if (per_day <= 0)
		return STORE_OK;
	if ((st = store_stmt(s, sql_bc_count_by)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, by, -1, DB_STATIC);
	db_bind_int64(st, 2, (int64_t)now - 24 * 3600);
	if (db_step(st) != DB_ROW)
		return store_fail(s, "broadcasts_day_limit");
	*count = (long)db_column_int64(st, 0);
	db_reset(st);
	if (*count < per_day)
		return STORE_OK;
	if (audit_add(s, by, "warn refused", "warnings_per_day", now) !=
	    STORE_OK)
		return STORE_ERROR;
	return STORE_INVALID;
}

/* Reads a broadcast's area. */
enum store_status
broadcasts_get(struct store *s, int64_t id, int64_t *area)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_bc_get)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (db_step(st) == DB_ROW) {
		*area = db_column_int64(st, 0);
		rc = STORE_OK;
	}
	db_reset(st);
	return rc;
}

/* Writes the masked form of a sealed number ("138****0001"). */
static void
outbox_masked(struct store *s, struct db_stmt *st, int col, char *out,
    size_t size)
{
	char	*plain = NULL;

	if (reporters_unseal(s, db_column_blob(st, col),
	    (size_t)db_column_bytes(st, col), &plain) == -1) {
		(void)snprintf(out, size, "***");
		return;
	}
	phone_mask(plain, out, size);
	OPENSSL_cleanse(plain, strlen(plain));
	free(plain);
}

/* Lists per-target states. */
enum store_status
broadcasts_groups(struct store *s, int64_t id, int64_t after,
    struct outbox_group_state *out, size_t n, size_t *count)
{
	struct db_stmt			*st;
	struct outbox_group_state	*g;

	*count = 0;
	if ((st = store_stmt(s, sql_bc_groups)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, after);
	db_bind_int64(st, 3, (int64_t)n);
	while (*count < n && db_step(st) == DB_ROW) {
		g = &out[(*count)++];
		memset(g, 0, sizeof *g);
		g->row = db_column_int64(st, 0);
		g->group_id = db_column_int64(st, 1);
		if (db_column_type(st, 7) == DB_BLOB) {
			g->sms = 1;
			outbox_masked(s, st, 7, g->name, sizeof g->name);
		} else
			(void)snprintf(g->name, sizeof g->name, "%s",
			    (const char *)db_column_text(st, 2));
		(void)snprintf(g->channel, sizeof g->channel, "%s",
		    (const char *)db_column_text(st, 3));
		(void)snprintf(g->state, sizeof g->state, "%s",
		    (const char *)db_column_text(st, 4));
		g->attempts = db_column_int(st, 5);
		(void)snprintf(g->error, sizeof g->error, "%s",
		    (const char *)db_column_text(st, 6));
	}
	db_reset(st);
	return STORE_OK;
}

/* Queues text to a reporter, in the caller's transaction. */
enum store_status
outbox_queue_reporter(struct store *s, int64_t reporter, const char *channel,
    const char *text, const char *idem_key, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_ob_reporter)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, reporter);
	db_bind_text(st, 2, channel, -1, DB_STATIC);
	db_bind_text(st, 3, text, -1, DB_STATIC);
	db_bind_text(st, 4, idem_key, -1, DB_STATIC);
	db_bind_int64(st, 5, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "outbox_queue_reporter");
	return STORE_OK;
}

/* Counts the rows of each state (an index-only scan of outbox_due). */
enum store_status
outbox_stats(struct store *s, struct outbox_stats *os)
{
	struct db_stmt	*st;
	const char	*state;
	size_t		 i;
	int		 rc;

	memset(os, 0, sizeof *os);
	if ((st = store_stmt(s, sql_ob_states)) == NULL)
		return STORE_ERROR;
	while ((rc = db_step(st)) == DB_ROW) {
		state = (const char *)db_column_text(st, 0);
		for (i = 0; i < OUTBOX_STATES && state != NULL; i++)
			if (strcmp(state, outbox_state_names[i]) == 0)
				os->rows[i] = db_column_int64(st, 1);
	}
	if (rc != DB_DONE)
		return store_fail(s, "outbox_stats");
	db_reset(st);
	return STORE_OK;
}

/* The creation time of the oldest row still to send, 0 when none. */
enum store_status
outbox_oldest_waiting(struct store *s, time_t *when)
{
	return store_time(s, sql_ob_oldest, when);
}

/* The MAC of a report token: HMAC-SHA256 under a key of its own, as hex. */
static int
outbox_report_mac(const struct store *s, int64_t id,
    char hex[REPORT_MAC_HEX + 1])
{
	uint8_t		 k[32], mac[HMAC_SHA256_LEN];
	char		 msg[24];
	int		 i;

	if (reporters_subkey(s, "fangfei delivery report", k) == -1)
		return -1;
	(void)snprintf(msg, sizeof msg, "%lld", (long long)id);
	hmac_sha256(k, sizeof k, msg, strlen(msg), mac);
	OPENSSL_cleanse(k, sizeof k);
	for (i = 0; i < REPORT_MAC_HEX; i++)
		hex[i] = "0123456789abcdef"[(mac[i / 2] >> (i & 1 ? 0 : 4)) &
		    15];
	hex[REPORT_MAC_HEX] = '\0';
	return 0;
}

/* Writes the signed token of a row's delivery report. */
int
outbox_report_token(const struct store *s, int64_t id,
    char out[OUTBOX_REPORT_TOKEN_MAX])
{
	char	 hex[REPORT_MAC_HEX + 1];

	if (outbox_report_mac(s, id, hex) == -1)
		return -1;
	(void)snprintf(out, OUTBOX_REPORT_TOKEN_MAX, "%lld.%s", (long long)id,
	    hex);
	return 0;
}

/* Reads a report token: the row id if its MAC is ours, else -1. */
int64_t
outbox_report_id(const struct store *s, const char *token)
{
	char		 hex[REPORT_MAC_HEX + 1], *end;
	long long	 id;

	if (token == NULL || *token < '1' || *token > '9')
		return -1;
	errno = 0;
	id = strtoll(token, &end, 10);
	if (errno != 0 || id <= 0 || *end != '.' ||
	    strlen(end + 1) != REPORT_MAC_HEX ||
	    outbox_report_mac(s, id, hex) == -1 ||
	    CRYPTO_memcmp(hex, end + 1, REPORT_MAC_HEX) != 0)
		return -1;
	return id;
}

/* Records a delivery report. */
enum store_status
outbox_report(struct store *s, int64_t id, const char *state,
    const char *error, const char *ref, time_t now)
{
	struct db_stmt	*st;
	int		 rc;

	if (strcmp(state, "delivered") != 0 && strcmp(state, "failed") != 0)
		return STORE_INVALID;
	if ((st = store_stmt(s, sql_ob_report)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, state, -1, DB_STATIC);
	store_bind_text(st, 3, error);
	store_bind_text(st, 4, ref);
	db_bind_int64(st, 5, (int64_t)now);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return STORE_OK;
	if (rc != DB_DONE)
		return store_fail(s, "outbox_report");
	/* Nothing changed: a report again, or of no row of ours. */
	if ((st = store_stmt(s, sql_ob_exists)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_reset(st);
	return rc == DB_ROW ? STORE_OK : STORE_NOT_FOUND;
}

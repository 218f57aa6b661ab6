/*
 * The company check over the name index. On SQLite the index is the FTS5
 * table enterprise_search; on PostgreSQL it is two plain tables,
 * enterprise_grams and enterprise_folds (the end of
 * storage/schema/pg/016_baseline.sql). The statements that differ stand
 * side by side below, chosen by engine.
 *
 * Names are indexed as their character trigrams followed by their last two
 * characters, with a two-character prefix index. A query of three or more
 * characters is the phrase of its trigrams; a query of two is the prefix
 * "ab*", which meets every trigram starting with them and the final pair.
 * Either way it matches exactly the names that contain the query: Chinese
 * is searched as typed, without a word segmenter. Trigrams rather than
 * bigrams keep the terms rare, so phrases that hold a common word (科技,
 * 文化) still seek through short lists.
 *
 * PostgreSQL has no phrase query: there a query of three or more characters
 * walks the list of its rarest trigram and keeps the names whose fold
 * contains the query (position()), which is the phrase's answer; a query
 * of two reads the terms whose first two characters are the query, by an
 * index on left(gram, 2). Both engines return the matches in id order
 * (FTS5 returns rowid order), so the LIMITs keep the same rows.
 *
 * A check reads the index once: the first CHECK_COUNT_CAP matches are
 * counted in one pass, which also keeps the first few and those on a
 * notice, found in the connection's copy of enterprise_flags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enterprises.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "store_int.h"

#define GRAMS_MAX	(NAME_MAX_BYTES * 3)

static const char *const sql_idx_src =
    "SELECT name, EXISTS (SELECT 1 FROM notice_enterprises ne"
    " JOIN notices n ON n.id = ne.notice_id WHERE ne.enterprise_id = ?1"
    " AND n.published_at IS NOT NULL) FROM enterprises WHERE id = ?1";
static const char *const sql_idx_delete =
    "DELETE FROM enterprise_search WHERE rowid = ?1";
static const char *const sql_idx_insert =
    "INSERT INTO enterprise_search (rowid, grams, tags) VALUES (?1, ?2, ?3)";
/*
 * A credit code's enterprise and its notices in one statement, the
 * columns of sql_detail and the id after them. On SQLite it reads the
 * index on (uscc, name), which holds every column the check needs of the
 * enterprise: a check seeks that index alone, not the table's row too, a
 * page read from the OS cache less (bench/lookup.c on the bench's 10^6
 * rows, alternating runs: p50 11.0-11.4 us before, 8.0-8.7 after).
 */
#define SQL_BY_USCC(from) \
    "SELECT e.name, e.uscc, n.issue, n.published_on, ne.measure, e.id" \
    " FROM " from \
    " LEFT JOIN notice_enterprises ne ON ne.enterprise_id = e.id" \
    " LEFT JOIN notices n ON n.id = ne.notice_id" \
    " AND n.published_at IS NOT NULL" \
    " WHERE e.uscc = ?1"
static const char *const sql_by_uscc =
    SQL_BY_USCC("enterprises e INDEXED BY enterprises_uscc_name");
static const char *const sql_pg_by_uscc = SQL_BY_USCC("enterprises e");
static const char *const sql_by_key =
    "SELECT id FROM enterprises WHERE name_key = ?1 ORDER BY id LIMIT 3";
static const char *const sql_match =
    "SELECT rowid FROM enterprise_search WHERE enterprise_search MATCH ?1"
    " LIMIT 6";
static const char *const sql_scan =
    "SELECT rowid FROM enterprise_search WHERE enterprise_search MATCH ?1"
    " LIMIT 1000";
static const char *const sql_flag_set =
    "INSERT INTO enterprise_flags (enterprise_id) VALUES (?1)"
    " ON CONFLICT DO NOTHING";

/* PostgreSQL's index: the terms and the fold of each name. */
static const char *const sql_pg_idx_delete =
    "DELETE FROM enterprise_grams WHERE enterprise_id = ?1";
static const char *const sql_pg_idx_insert =
    "INSERT INTO enterprise_grams (gram, enterprise_id)"
    " SELECT DISTINCT t.gram, CAST(?1 AS bigint)"
    " FROM unnest(string_to_array(CAST(?2 AS text), ' ')) t(gram)";
static const char *const sql_pg_fold =
    "INSERT INTO enterprise_folds (enterprise_id, fold) VALUES (?1, ?2)"
    " ON CONFLICT (enterprise_id) DO UPDATE SET fold = excluded.fold";
/*
 * A query of three or more characters (?1, its trigrams ?2): the list of
 * the rarest trigram, each list counted no further than the scan reads,
 * then the names that contain the query.
 */
#define SQL_PG_TRIGRAMS \
    "WITH q AS (SELECT DISTINCT t.gram" \
    " FROM unnest(string_to_array(CAST(?2 AS text), ' ')) t(gram))," \
    " d AS (SELECT q.gram FROM q ORDER BY (SELECT count(*) FROM" \
    " (SELECT 1 FROM enterprise_grams c WHERE c.gram = q.gram LIMIT 1000)" \
    " n), q.gram LIMIT 1)" \
    " SELECT g.enterprise_id FROM d" \
    " JOIN enterprise_grams g ON g.gram = d.gram" \
    " JOIN enterprise_folds f ON f.enterprise_id = g.enterprise_id" \
    " WHERE position(CAST(?1 AS text) IN f.fold) > 0"
static const char *const sql_pg_tri_scan =
    SQL_PG_TRIGRAMS " ORDER BY g.enterprise_id LIMIT 1000";
static const char *const sql_pg_tri_match =
    SQL_PG_TRIGRAMS " AND EXISTS (SELECT 1 FROM enterprise_flags x"
    " WHERE x.enterprise_id = g.enterprise_id)"
    " ORDER BY g.enterprise_id LIMIT 6";
/* A query of two characters (?1): every term that begins with it. */
#define SQL_PG_PAIR \
    "SELECT DISTINCT g.enterprise_id FROM enterprise_grams g" \
    " WHERE left(g.gram, 2) = CAST(?1 AS text)"
static const char *const sql_pg_pair_scan =
    SQL_PG_PAIR " ORDER BY g.enterprise_id LIMIT 1000";
static const char *const sql_pg_pair_match =
    SQL_PG_PAIR " AND EXISTS (SELECT 1 FROM enterprise_flags x"
    " WHERE x.enterprise_id = g.enterprise_id)"
    " ORDER BY g.enterprise_id LIMIT 6";

static const char *const sql_flag_clear =
    "DELETE FROM enterprise_flags WHERE enterprise_id = ?1";
static const char *const sql_flags_bump =
    "UPDATE search_flags_generation SET generation = generation + 1";
static const char *const sql_flags_generation =
    "SELECT generation FROM search_flags_generation";
static const char *const sql_flags =
    "SELECT enterprise_id FROM enterprise_flags ORDER BY enterprise_id";
static const char *const sql_detail =
    "SELECT e.name, e.uscc, n.issue, n.published_on, ne.measure"
    " FROM enterprises e"
    " LEFT JOIN notice_enterprises ne ON ne.enterprise_id = e.id"
    " LEFT JOIN notices n ON n.id = ne.notice_id"
    " AND n.published_at IS NOT NULL"
    " WHERE e.id = ?1";

/* The index tokens of a folded name: trigrams, then the last pair (or
 * the only character). */
static int
search_tokens(const char *fold, char *out, size_t outsz)
{
	size_t	 o, tail;

	if (name_ngrams(fold, 3, out, outsz) == -1)
		return -1;
	o = strlen(out);
	tail = strlen(fold) - (utf8_count(fold) >= 2 ?
	    utf8_prefix(fold, utf8_count(fold) - 2) : 0);
	if (o + 1 + tail + 1 > outsz)
		return -1;
	if (o > 0)
		out[o++] = ' ';
	memcpy(out + o, fold + strlen(fold) - tail, tail + 1);
	return 0;
}

/* Writes the FTS5 row of one enterprise: its terms and its tag. */
static enum store_status
search_index_lite(struct store *s, int64_t id, const char *grams,
    int flagged)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_idx_delete)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "search_reindex");
	if ((st = store_stmt(s, sql_idx_insert)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, grams, -1, DB_STATIC);
	db_bind_text(st, 3, flagged ? "flagged" : "", -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "search_reindex");
	return STORE_OK;
}

/* Writes PostgreSQL's index rows of one enterprise: its terms and its
 * fold (the tag is enterprise_flags alone). */
static enum store_status
search_index_pg(struct store *s, int64_t id, const char *fold,
    const char *grams)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_pg_idx_delete)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "search_reindex");
	if ((st = store_stmt(s, sql_pg_idx_insert)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, grams, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "search_reindex");
	if ((st = store_stmt(s, sql_pg_fold)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, fold, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "search_reindex");
	return STORE_OK;
}

/* Rebuilds the index row of one enterprise. */
enum store_status
search_reindex(struct store *s, int64_t id)
{
	char			 fold[NAME_MAX_BYTES], key[NAME_MAX_BYTES];
	char			 grams[GRAMS_MAX];
	struct db_stmt		*st;
	enum store_status	 rc;
	int			 flagged;

	if ((st = store_stmt(s, sql_idx_src)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		return STORE_NOT_FOUND;
	}
	if (name_forms((const char *)db_column_text(st, 0), fold, key,
	    sizeof fold) == -1 || search_tokens(fold, grams, sizeof grams) == -1) {
		db_reset(st);
		return STORE_INVALID;
	}
	flagged = db_column_int(st, 1);
	db_reset(st);
	if (s->pg != NULL)
		rc = search_index_pg(s, id, fold, grams);
	else
		rc = search_index_lite(s, id, grams, flagged);
	if (rc != STORE_OK)
		return rc;
	/* The same tag in the plain table; a change of the set bumps its
	 * generation (an import of unflagged rows changes nothing). */
	if ((st = store_stmt(s, flagged ? sql_flag_set : sql_flag_clear)) ==
	    NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "search_reindex");
	if (store_changes(s) > 0) {
		if ((st = store_stmt(s, sql_flags_bump)) == NULL)
			return STORE_ERROR;
		if (db_step(st) != DB_DONE)
			return store_fail(s, "search_reindex");
	}
	return STORE_OK;
}

/*
 * Makes the connection's copy of the flagged set current, within the
 * caller's read transaction. On SQLite the pager's data version moves with
 * every commit to the file, by any connection: while it stands still,
 * nothing is read at all; when it moves, the generation says whether the
 * set did. PostgreSQL has no such version: the generation is read every
 * time, one row by its key.
 */
static enum store_status
search_flags(struct store *s)
{
	struct search_flags	*f = &s->flags;
	struct db_stmt		*st;
	unsigned int		 dv = 0;
	int64_t			 gen;
	int			 rc;

	if (s->pg == NULL) {
		if (sqlite3_file_control(s->db, "main",
		    SQLITE_FCNTL_DATA_VERSION, &dv) != SQLITE_OK)
			f->loaded = 0;
		else if (f->loaded && dv == f->data_version)
			return STORE_OK;
	}
	if ((st = store_stmt(s, sql_flags_generation)) == NULL)
		return STORE_ERROR;
	if (db_step(st) != DB_ROW) {
		db_reset(st);
		return store_fail(s, "check");
	}
	gen = db_column_int64(st, 0);
	db_reset(st);
	if (!f->loaded || gen != f->generation) {
		if ((st = store_stmt(s, sql_flags)) == NULL)
			return STORE_ERROR;
		f->n = 0;
		while ((rc = db_step(st)) == DB_ROW) {
			if (f->n == f->cap) {
				f->cap = f->cap ? f->cap * 2 : 256;
				f->ids = xrealloc(f->ids, f->cap *
				    sizeof *f->ids);
			}
			f->ids[f->n++] = db_column_int64(st, 0);
		}
		db_reset(st);
		if (rc != DB_DONE) {
			f->loaded = 0;
			return store_fail(s, "check");
		}
		f->generation = gen;
	}
	f->data_version = dv;
	f->loaded = 1;
	return STORE_OK;
}

/* Whether id is in the flagged set (sorted ascending). */
static int
search_flagged(const struct search_flags *f, int64_t id)
{
	size_t	 lo = 0, hi = f->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->ids[mid] == id)
			return 1;
		if (f->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Adds id to the result unless it is there already or the result is full. */
static void
search_add_id(struct check_result *r, int64_t id)
{
	size_t	 i;

	if (r->n == CHECK_SHOWN)
		return;
	for (i = 0; i < r->n; i++)
		if (r->m[i].id == id)
			return;
	r->m[r->n++].id = id;
}

/* Collects the ids a bound statement returns, then resets it. */
static enum store_status
search_collect_stmt(struct store *s, struct db_stmt *st,
    struct check_result *r)
{
	int	 rc;

	while ((rc = db_step(st)) == DB_ROW)
		search_add_id(r, db_column_int64(st, 0));
	db_reset(st);
	if (rc != DB_DONE)
		return store_fail(s, "check");
	return STORE_OK;
}

/* Collects the ids a statement with one text parameter returns. */
static enum store_status
search_collect(struct store *s, const char *sql, const char *arg,
    struct check_result *r)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, arg, -1, DB_STATIC);
	return search_collect_stmt(s, st, r);
}

/*
 * The bound statement of the name matches, in id order: all of them up to
 * CHECK_COUNT_CAP (scan), or the first six on a notice. q is the folded
 * query, tri its trigrams (NULL for a two-character query); match is room
 * for FTS5's query text, which must outlive the statement's steps.
 */
static struct db_stmt *
search_matches(struct store *s, int scan, const char *q, const char *tri,
    char *match, size_t matchsz)
{
	struct db_stmt	*st;

	if (s->pg != NULL) {
		if (tri != NULL)
			st = store_stmt(s, scan ? sql_pg_tri_scan :
			    sql_pg_tri_match);
		else
			st = store_stmt(s, scan ? sql_pg_pair_scan :
			    sql_pg_pair_match);
		if (st == NULL)
			return NULL;
		db_bind_text(st, 1, q, -1, DB_STATIC);
		if (tri != NULL)
			db_bind_text(st, 2, tri, -1, DB_STATIC);
		return st;
	}
	if (tri != NULL)
		(void)snprintf(match, matchsz, "grams : \"%s\"%s", tri,
		    scan ? "" : " AND tags : flagged");
	else
		(void)snprintf(match, matchsz, "grams : \"%s\" *%s", q,
		    scan ? "" : " AND tags : flagged");
	if ((st = store_stmt(s, scan ? sql_scan : sql_match)) == NULL)
		return NULL;
	db_bind_text(st, 1, match, -1, DB_STATIC);
	return st;
}

/*
 * Whether the notice in row st is later than the one kept in m: by date,
 * then issue. Rows of unpublished notices carry no issue and never are.
 */
static int
search_later(struct db_stmt *st, const struct check_match *m)
{
	int	 c;

	if (db_column_type(st, 2) == DB_NULL)
		return 0;
	if (!m->flagged)
		return 1;
	c = strcmp((const char *)db_column_text(st, 3), m->date);
	return c > 0 || (c == 0 && db_column_int(st, 2) > m->issue);
}

/*
 * Folds one row of sql_detail (or sql_by_uscc) into m: the name and code
 * from the first, the latest notice from any. The rows of an enterprise's
 * notices are few: the latest is picked here, which spares SQLite a
 * temporary b-tree (an ORDER BY) for every match shown.
 */
static void
search_detail_row(struct db_stmt *st, struct check_match *m)
{
	if (m->name == NULL) {
		m->name = store_column_dup(st, 0);
		m->uscc = store_column_dup(st, 1);
	}
	if (!search_later(st, m))
		return;
	free(m->date);
	free(m->measure);
	m->flagged = 1;
	m->issue = db_column_int(st, 2);
	m->date = store_column_dup(st, 3);
	m->measure = store_column_dup(st, 4);
}

/* Fills name, code and latest notice of each collected id. */
static enum store_status
search_details(struct store *s, struct check_result *r)
{
	struct db_stmt		*st;
	struct check_match	*m;
	size_t			 i;
	int			 rc;

	for (i = 0; i < r->n; i++) {
		m = &r->m[i];
		if ((st = store_stmt(s, sql_detail)) == NULL)
			return STORE_ERROR;
		db_bind_int64(st, 1, m->id);
		while ((rc = db_step(st)) == DB_ROW)
			search_detail_row(st, m);
		db_reset(st);
		if (rc != DB_DONE || m->name == NULL)
			return store_fail(s, "check");
	}
	return STORE_OK;
}

/* Checks an exact credit code: one enterprise at most (uscc is unique),
 * a row for each of its notices. */
static enum store_status
search_uscc(struct store *s, const char *uscc, struct check_result *r)
{
	struct db_stmt	*st;
	int		 rc;

	memset(r, 0, sizeof *r);
	if ((st = store_stmt(s, s->pg != NULL ? sql_pg_by_uscc :
	    sql_by_uscc)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, uscc, -1, DB_STATIC);
	while ((rc = db_step(st)) == DB_ROW) {
		if (r->n == 0)
			r->m[r->n++].id = db_column_int64(st, 5);
		search_detail_row(st, &r->m[0]);
	}
	db_reset(st);
	if (rc != DB_DONE || (r->n > 0 && r->m[0].name == NULL))
		return store_fail(s, "check");
	r->total = (long)r->n;
	return STORE_OK;
}

/* Checks a name or fragment. */
static enum store_status
search_name(struct store *s, const char *query, struct check_result *r)
{
	char			 fold[NAME_MAX_BYTES], key[NAME_MAX_BYTES];
	char			 tri[GRAMS_MAX - 2], match[GRAMS_MAX + 64];
	const char		*q, *t = NULL;
	struct db_stmt		*st;
	int64_t			 id, first[6], flagged[6];
	size_t			 i, nfirst = 0, nflagged = 0;
	enum store_status	 rc;
	int			 step;

	memset(r, 0, sizeof *r);
	if (name_forms(query, fold, key, sizeof fold) == -1)
		return STORE_INVALID;
	q = utf8_count(key) >= 2 ? key : fold;
	if (utf8_count(q) < 2)
		return STORE_INVALID;
	if (utf8_count(q) > 2) {
		if (name_ngrams(q, 3, tri, sizeof tri) == -1)
			return STORE_INVALID;
		t = tri;
	}

	if ((rc = search_collect(s, sql_by_key, key, r)) != STORE_OK)
		return rc;
	/*
	 * One pass over the first CHECK_COUNT_CAP matches counts them and
	 * keeps the first six, and the first six on a notice, which are
	 * listed before the others. Past the cap a notice's match may lie
	 * beyond the pass: then the index is asked for those directly.
	 */
	if ((rc = search_flags(s)) != STORE_OK)
		return rc;
	if ((st = search_matches(s, 1, q, t, match, sizeof match)) == NULL)
		return STORE_ERROR;
	while ((step = db_step(st)) == DB_ROW) {
		id = db_column_int64(st, 0);
		if (nfirst < 6)
			first[nfirst++] = id;
		if (nflagged < 6 && search_flagged(&s->flags, id))
			flagged[nflagged++] = id;
		r->total++;
	}
	db_reset(st);
	if (step != DB_DONE)
		return store_fail(s, "check");
	if (r->total >= CHECK_COUNT_CAP) {
		if ((st = search_matches(s, 0, q, t, match, sizeof match)) ==
		    NULL)
			return STORE_ERROR;
		if ((rc = search_collect_stmt(s, st, r)) != STORE_OK)
			return rc;
	} else
		for (i = 0; i < nflagged; i++)
			search_add_id(r, flagged[i]);
	for (i = 0; i < nfirst; i++)
		search_add_id(r, first[i]);
	if (r->total < (long)r->n)
		r->total = (long)r->n;
	r->capped = r->total >= CHECK_COUNT_CAP;
	return search_details(s, r);
}

/*
 * A check reads one snapshot: the flagged set's version, the index and
 * the details must agree. The chat's checks run inside the dispatcher's
 * read transaction; a caller without one (the API, the CLI) gets its own.
 */
static enum store_status
search_snapshot(struct store *s, const char *q, struct check_result *r,
    enum store_status (*check)(struct store *, const char *,
    struct check_result *))
{
	enum store_status	 rc;
	int			 own = store_autocommit(s);

	if (own && (rc = store_begin_read(s)) != STORE_OK) {
		memset(r, 0, sizeof *r);
		return rc;
	}
	rc = check(s, q, r);
	if (own)
		store_end_read(s);
	return rc;
}

enum store_status
enterprises_check_uscc(struct store *s, const char *uscc,
    struct check_result *r)
{
	return search_snapshot(s, uscc, r, search_uscc);
}

enum store_status
enterprises_check_name(struct store *s, const char *query,
    struct check_result *r)
{
	return search_snapshot(s, query, r, search_name);
}

/* Frees the strings of a result. */
void
check_result_clear(struct check_result *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++) {
		free(r->m[i].name);
		free(r->m[i].uscc);
		free(r->m[i].date);
		free(r->m[i].measure);
	}
	memset(r, 0, sizeof *r);
}

/*
 * Merges the index into one segment: after a bulk import, lookups then
 * read one b-tree per term instead of one per segment. PostgreSQL's
 * b-trees need no merging; its planner's statistics of the index tables
 * are refreshed instead, which an import's many new rows leave stale.
 */
enum store_status
enterprises_optimize(struct store *s)
{
	if (s->pg != NULL)
		return store_exec_sql(s, "ANALYZE enterprise_grams;"
		    " ANALYZE enterprise_folds");
	if (sqlite3_exec(s->db, "INSERT INTO enterprise_search (enterprise_search)"
	    " VALUES ('optimize')", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, "optimize");
	return STORE_OK;
}

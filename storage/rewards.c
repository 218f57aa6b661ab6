/* Rewards: the eligibility rules, the two stages, payment and totals. */
#include <stdio.h>
#include <string.h>

#include "messages/text.h"
#include "rewards.h"
#include "staff.h"
#include "store_int.h"

static const char *const sql_rw_tip =
    "SELECT t.state, t.anonymous, t.reporter_id IS NOT NULL,"
    " (SELECT count(*) FROM tips e WHERE e.reporter_id = t.reporter_id"
    "  AND e.enterprise_id = t.enterprise_id AND e.id < t.id),"
    " t.ref, coalesce(t.area_id, 0) FROM tips t WHERE t.id = ?1"
    " AND t.practice = 0";
static const char *const sql_rw_get =
    "SELECT eligible, stage1_yuan, stage2_yuan, paid_at FROM rewards"
    " WHERE tip_id = ?1";
static const char *const sql_rw_set =
    "INSERT INTO rewards (tip_id, eligible, reason, updated_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tip_id) DO UPDATE SET"
    " eligible = excluded.eligible, reason = excluded.reason,"
    " updated_at = excluded.updated_at";
static const char *const sql_rw_stage1 =
    "UPDATE rewards SET stage1_yuan = ?2, stage1_at = ?3, updated_at = ?3"
    " WHERE tip_id = ?1";
static const char *const sql_rw_stage2 =
    "UPDATE rewards SET stage2_yuan = ?2, stage2_at = ?3, updated_at = ?3"
    " WHERE tip_id = ?1";
static const char *const sql_rw_paid =
    "UPDATE rewards SET paid_at = ?2, paid_by = ?3, updated_at = ?2"
    " WHERE tip_id = ?1";
static const char *const sql_rw_event =
    "INSERT INTO tip_events (tip_id, at, kind, actor, note)"
    " VALUES (?1, ?2, 'reward', ?3, ?4)";
/* ?1 year (0: any), ?2 scope (0: all), ?3 utc offset, ?4 after, ?5 n */
#define RW_FILTER							\
    " FROM rewards w JOIN tips t ON t.id = w.tip_id"			\
    " LEFT JOIN areas a ON a.id = t.area_id"				\
    " WHERE t.practice = 0 AND (CAST(?1 AS bigint) = 0 OR"		\
    " fangfei_year(t.created_at + CAST(?3 AS bigint)) = ?1)"		\
    " AND (CAST(?2 AS bigint) = 0 OR EXISTS (SELECT 1 FROM areas r"	\
    " WHERE r.id = ?2 AND" SQL_AREA_WITHIN("a", "r") "))"
static const char *const sql_rw_list =
    "SELECT w.tip_id, t.ref, coalesce(a.path, ''), w.eligible,"
    " coalesce(w.reason, ''), coalesce(w.stage1_yuan, -1),"
    " coalesce(w.stage2_yuan, -1), coalesce(w.stage1_at, 0),"
    " coalesce(w.stage2_at, 0), coalesce(w.paid_at, 0), t.created_at,"
    " w.updated_at" RW_FILTER " AND w.tip_id > ?4 ORDER BY w.tip_id"
    " LIMIT ?5";
static const char *const sql_rw_stats =
    "SELECT fangfei_year(t.created_at + CAST(?3 AS bigint))"
    " AS y, coalesce(a.path, '') AS p, count(*), sum(w.eligible),"
    " sum(CASE WHEN w.paid_at IS NOT NULL THEN 1 ELSE 0 END),"
    " sum(CASE WHEN w.eligible <> 0 THEN"
    " coalesce(w.stage1_yuan, 0) + coalesce(w.stage2_yuan, 0) ELSE 0 END),"
    " sum(CASE WHEN w.paid_at IS NOT NULL THEN coalesce(w.stage1_yuan, 0) +"
    " coalesce(w.stage2_yuan, 0) ELSE 0 END)" RW_FILTER
    " AND CAST(?4 AS bigint) = 0 GROUP BY y, p ORDER BY y, p LIMIT ?5";

/* Names a verdict. */
const char *
reward_strerror(enum reward_verdict v)
{
	switch (v) {
	case REWARD_OK:
		return "可以 ok";
	case REWARD_ANONYMOUS:
		return "匿名举报，不予奖励 anonymous tip: marked not eligible";
	case REWARD_NO_CONTACT:
		return "无法联系举报人 the reporter cannot be contacted";
	case REWARD_KNOWN:
		return "举报人此前已举报过该企业 the reporter named this "
		    "enterprise in an earlier tip";
	case REWARD_NOT_CONFIRMED:
		return "线索尚未查实 the tip is not confirmed";
	case REWARD_NOT_ELIGIBLE:
		return "未认定为可奖励 not recorded as eligible";
	case REWARD_NOT_DISPOSED:
		return "线索尚未处置 the tip is not in disposal yet";
	case REWARD_BAD_AMOUNT:
		return "阶段应为 1 或 2，金额 0 至 10000000 元 stage 1 or 2, "
		    "0 to 10000000 yuan";
	case REWARD_PAID:
		return "奖励已发放 the reward was paid already";
	case REWARD_NOTHING:
		return "尚无奖励金额 no amount recorded";
	}
	return "?";
}

struct rw_tip {
	char	 state[16];
	char	 ref[TIP_REF_MAX];
	int	 anonymous, reporter, known;
	int64_t	 area;
};

/* Reads what the rules look at. */
static enum store_status
rewards_tip(struct store *s, int64_t tip, struct rw_tip *t)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_rw_tip)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	switch (db_step(st)) {
	case DB_ROW:
		(void)snprintf(t->state, sizeof t->state, "%s",
		    (const char *)db_column_text(st, 0));
		t->anonymous = db_column_int(st, 1);
		t->reporter = db_column_int(st, 2);
		t->known = db_column_int(st, 3) > 0;
		(void)snprintf(t->ref, sizeof t->ref, "%s",
		    (const char *)db_column_text(st, 4));
		t->area = db_column_int64(st, 5);
		rc = STORE_OK;
		break;
	case DB_DONE:
		break;
	default:
		rc = store_fail(s, "rewards_tip");
	}
	db_reset(st);
	return rc;
}

/* Returns 1 when the tip was confirmed (and may be further on). */
static int
rewards_confirmed(const struct rw_tip *t)
{
	return strcmp(t->state, "confirmed") == 0 ||
	    strcmp(t->state, "disposing") == 0 ||
	    strcmp(t->state, "closed") == 0;
}

/* The rules, on a tip already read. */
static enum reward_verdict
rewards_rules(const struct rw_tip *t)
{
	if (t->anonymous)
		return REWARD_ANONYMOUS;
	if (!t->reporter)
		return REWARD_NO_CONTACT;
	if (t->known)
		return REWARD_KNOWN;
	if (!rewards_confirmed(t))
		return REWARD_NOT_CONFIRMED;
	return REWARD_OK;
}

/* Checks the rules. */
enum store_status
rewards_check(struct store *s, int64_t tip, enum reward_verdict *v)
{
	struct rw_tip		 t;
	enum store_status	 rc;

	if ((rc = rewards_tip(s, tip, &t)) != STORE_OK)
		return rc;
	*v = rewards_rules(&t);
	return STORE_OK;
}

/* The reward row of tip: eligible, amounts (-1 unset), paid. */
static enum store_status
rewards_row(struct store *s, int64_t tip, int *eligible, long *y1, long *y2,
    int *paid)
{
	struct db_stmt		*st;
	enum store_status	 rc = STORE_NOT_FOUND;

	if ((st = store_stmt(s, sql_rw_get)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	switch (db_step(st)) {
	case DB_ROW:
		*eligible = db_column_int(st, 0);
		*y1 = db_column_type(st, 1) == DB_NULL ? -1 :
		    (long)db_column_int64(st, 1);
		*y2 = db_column_type(st, 2) == DB_NULL ? -1 :
		    (long)db_column_int64(st, 2);
		*paid = db_column_type(st, 3) != DB_NULL;
		rc = STORE_OK;
		break;
	case DB_DONE:
		break;
	default:
		rc = store_fail(s, "rewards_row");
	}
	db_reset(st);
	return rc;
}

/* Writes the tip event and the audit entry of one change. */
static enum store_status
rewards_record(struct store *s, const struct rw_tip *t, int64_t tip,
    const char *actor, const char *note, time_t now)
{
	struct db_stmt	*st;
	char		 detail[512];

	if ((st = store_stmt(s, sql_rw_event)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, (int64_t)now);
	db_bind_text(st, 3, actor, -1, DB_STATIC);
	db_bind_text(st, 4, note, -1, DB_STATIC);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "rewards_record");
	(void)snprintf(detail, sizeof detail, "tip %s: %s", t->ref, note);
	return audit_add_area(s, actor, "reward", detail, t->area, now);
}

/* Runs one UPDATE of a reward by tip with an integer and a time. */
static enum store_status
rewards_update(struct store *s, const char *sql, int64_t tip, long long v,
    const char *text, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	if (text != NULL) {
		db_bind_int64(st, 2, (int64_t)now);
		db_bind_text(st, 3, text, -1, DB_STATIC);
	} else {
		db_bind_int64(st, 2, v);
		db_bind_int64(st, 3, (int64_t)now);
	}
	if (db_step(st) != DB_DONE)
		return store_fail(s, "rewards_update");
	return STORE_OK;
}

/* Records eligibility. */
enum store_status
rewards_set(struct store *s, int64_t tip, int eligible, const char *reason,
    const char *actor, time_t now, enum reward_verdict *v)
{
	struct rw_tip		 t;
	struct db_stmt		*st;
	enum store_status	 rc;
	char			 note[4 * REWARD_REASON_MAX + 64];
	char			 why[4 * REWARD_REASON_MAX + 1];
	long			 y1, y2;
	int			 was, paid;

	*v = REWARD_OK;
	if (reason != NULL && utf8_count(reason) > REWARD_REASON_MAX)
		return STORE_INVALID;
	(void)snprintf(why, sizeof why, "%s", reason != NULL ? reason : "");
	if ((rc = rewards_tip(s, tip, &t)) != STORE_OK)
		return rc;
	rc = rewards_row(s, tip, &was, &y1, &y2, &paid);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND)
		return rc;
	if (rc == STORE_OK && paid) {
		*v = REWARD_PAID;
		return STORE_OK;
	}
	if (eligible && (*v = rewards_rules(&t)) != REWARD_OK) {
		if (*v != REWARD_ANONYMOUS)
			return STORE_OK;
		/* An anonymous tip is taken, only never rewarded: say so
		 * in its record, as a rule and not as anyone's choice. */
		eligible = 0;
		(void)snprintf(why, sizeof why, "anonymous");
	}
	if ((st = store_stmt(s, sql_rw_set)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int(st, 2, eligible);
	(void)store_bind_text(st, 3, why);
	db_bind_int64(st, 4, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "rewards_set");
	(void)snprintf(note, sizeof note, "eligible %s%s%s", eligible ? "yes" :
	    "no", *why != '\0' ? ": " : "", why);
	return rewards_record(s, &t, tip, actor, note, now);
}

/* Records a stage's amount. */
enum store_status
rewards_stage(struct store *s, int64_t tip, int stage, long yuan,
    const char *actor, time_t now, enum reward_verdict *v)
{
	struct rw_tip		 t;
	enum store_status	 rc;
	char			 note[64];
	long			 y1, y2;
	int			 eligible, paid;

	*v = REWARD_OK;
	if ((stage != 1 && stage != 2) || yuan < 0 || yuan > REWARD_YUAN_MAX) {
		*v = REWARD_BAD_AMOUNT;
		return STORE_OK;
	}
	if ((rc = rewards_tip(s, tip, &t)) != STORE_OK)
		return rc;
	rc = rewards_row(s, tip, &eligible, &y1, &y2, &paid);
	if (rc == STORE_NOT_FOUND || (rc == STORE_OK && !eligible)) {
		*v = REWARD_NOT_ELIGIBLE;
		return STORE_OK;
	}
	if (rc != STORE_OK)
		return rc;
	if (paid)
		*v = REWARD_PAID;
	else if (!rewards_confirmed(&t))
		*v = REWARD_NOT_CONFIRMED;
	else if (stage == 2 && strcmp(t.state, "confirmed") == 0)
		*v = REWARD_NOT_DISPOSED;
	if (*v != REWARD_OK)
		return STORE_OK;
	if ((rc = rewards_update(s, stage == 1 ? sql_rw_stage1 : sql_rw_stage2,
	    tip, yuan, NULL, now)) != STORE_OK)
		return rc;
	(void)snprintf(note, sizeof note, "stage %d: %ld yuan", stage, yuan);
	return rewards_record(s, &t, tip, actor, note, now);
}

/* Records a payment. */
enum store_status
rewards_paid(struct store *s, int64_t tip, const char *actor, time_t now,
    enum reward_verdict *v)
{
	struct rw_tip		 t;
	enum store_status	 rc;
	char			 note[64];
	long			 y1, y2;
	int			 eligible, paid;

	*v = REWARD_OK;
	if ((rc = rewards_tip(s, tip, &t)) != STORE_OK)
		return rc;
	rc = rewards_row(s, tip, &eligible, &y1, &y2, &paid);
	if (rc == STORE_NOT_FOUND || (rc == STORE_OK && !eligible)) {
		*v = REWARD_NOT_ELIGIBLE;
		return STORE_OK;
	}
	if (rc != STORE_OK)
		return rc;
	if (paid)
		*v = REWARD_PAID;
	else if (y1 <= 0 && y2 <= 0)
		*v = REWARD_NOTHING;
	if (*v != REWARD_OK)
		return STORE_OK;
	if ((rc = rewards_update(s, sql_rw_paid, tip, 0, actor, now)) !=
	    STORE_OK)
		return rc;
	(void)snprintf(note, sizeof note, "paid: %ld yuan",
	    (y1 > 0 ? y1 : 0) + (y2 > 0 ? y2 : 0));
	return rewards_record(s, &t, tip, actor, note, now);
}

/* Binds the shared filter. */
static void
rewards_bind(struct db_stmt *st, int year, int64_t scope, int utc_offset,
    int64_t after, size_t n)
{
	db_bind_int(st, 1, year);
	db_bind_int64(st, 2, scope);
	db_bind_int(st, 3, utc_offset);
	db_bind_int64(st, 4, after);
	db_bind_int64(st, 5, (int64_t)n);
}

/* Lists rewards. */
enum store_status
rewards_list(struct store *s, int year, int64_t scope, int utc_offset,
    int64_t after, struct reward_row *out, size_t n, size_t *count)
{
	struct db_stmt		*st;
	struct reward_row	*r;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_rw_list)) == NULL)
		return STORE_ERROR;
	rewards_bind(st, year, scope, utc_offset, after, n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		r = &out[(*count)++];
		memset(r, 0, sizeof *r);
		r->tip_id = db_column_int64(st, 0);
		(void)snprintf(r->ref, sizeof r->ref, "%s",
		    (const char *)db_column_text(st, 1));
		(void)snprintf(r->area_path, sizeof r->area_path, "%s",
		    (const char *)db_column_text(st, 2));
		r->eligible = db_column_int(st, 3);
		(void)snprintf(r->reason, sizeof r->reason, "%s",
		    (const char *)db_column_text(st, 4));
		r->stage1_yuan = (long)db_column_int64(st, 5);
		r->stage2_yuan = (long)db_column_int64(st, 6);
		r->stage1_at = (time_t)db_column_int64(st, 7);
		r->stage2_at = (time_t)db_column_int64(st, 8);
		r->paid_at = (time_t)db_column_int64(st, 9);
		r->tip_created_at = (time_t)db_column_int64(st, 10);
		r->updated_at = (time_t)db_column_int64(st, 11);
	}
	if (*count < n && rc != DB_DONE) {
		db_reset(st);
		return store_fail(s, "rewards_list");
	}
	db_reset(st);
	return STORE_OK;
}

/* Totals per year and area. */
enum store_status
rewards_stats(struct store *s, int year, int64_t scope, int utc_offset,
    struct reward_total *out, size_t n, size_t *count, int *more)
{
	struct db_stmt		*st;
	struct reward_total	*r;
	int			 rc = DB_DONE;

	*count = 0;
	*more = 0;
	if ((st = store_stmt(s, sql_rw_stats)) == NULL)
		return STORE_ERROR;
	/* One row past n says whether there are more. */
	rewards_bind(st, year, scope, utc_offset, 0, n + 1);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		r = &out[(*count)++];
		memset(r, 0, sizeof *r);
		r->year = db_column_int(st, 0);
		(void)snprintf(r->area_path, sizeof r->area_path, "%s",
		    (const char *)db_column_text(st, 1));
		r->tips = (long)db_column_int64(st, 2);
		r->eligible = (long)db_column_int64(st, 3);
		r->paid = (long)db_column_int64(st, 4);
		r->yuan = db_column_int64(st, 5);
		r->yuan_paid = db_column_int64(st, 6);
	}
	if (*count == n)	/* n read: one more step says if there are more */
		rc = db_step(st);
	if (rc == DB_ROW)
		*more = 1;
	else if (rc != DB_DONE) {
		db_reset(st);
		return store_fail(s, "rewards_stats");
	}
	db_reset(st);
	return STORE_OK;
}

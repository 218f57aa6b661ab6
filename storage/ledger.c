/* The tip ledger: states and their moves, assignees, links, deadlines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "messages/xmalloc.h"
#include "store_int.h"

static const char *const state_names[TIP_STATES] = {
	"received", "assigned", "verifying", "rejected", "confirmed",
	"disposing", "closed",
};

#define TIP_COLUMNS							\
    "t.id, t.ref, t.body, t.state, coalesce(t.area_id, 0),"		\
    " coalesce(a.path, ''), coalesce(t.enterprise_id, 0),"		\
    " coalesce(e.name, ''), coalesce(f.ref, ''), coalesce(t.measure, ''),"\
    " t.channel, coalesce(t.due_at, 0), t.escalations, t.anonymous,"	\
    " t.created_at, t.updated_at, coalesce(t.closed_at, 0)"
#define TIP_JOINS							\
    " FROM tips t LEFT JOIN areas a ON a.id = t.area_id"		\
    " LEFT JOIN enterprises e ON e.id = t.enterprise_id"		\
    " LEFT JOIN tips f ON f.id = t.first_id"

/* A practice tip (the chat simulator's) is no tip of the ledger: found by
 * no reference, so that nobody can move it, tell staff or reward it. */
static const char *const sql_tip_get =
    "SELECT " TIP_COLUMNS TIP_JOINS " WHERE t.ref = upper(?1)"
    " AND t.practice = 0";
static const char *const sql_tip_get_id =
    "SELECT " TIP_COLUMNS TIP_JOINS " WHERE t.id = ?1 AND t.practice = 0";
/* ?1 scope (0: all), ?2 state bits (0: all), ?3 assignee, ?4 since,
 * ?5 until, ?6 before, ?7 limit, ?8 unplaced tips too. Practice tips (the
 * chat simulator's) are never listed. */
static const char *const sql_tip_list =
    "SELECT " TIP_COLUMNS TIP_JOINS
    " WHERE t.practice = 0 AND (?1 = 0 OR EXISTS (SELECT 1 FROM areas r"
    " WHERE r.id = ?1 AND" SQL_AREA_WITHIN("a", "r") ")"
    " OR (?8 <> 0 AND t.area_id IS NULL))"
    " AND (CAST(?2 AS bigint) = 0 OR ((CAST(?2 AS bigint) >> (CASE t.state"
    " WHEN 'received' THEN 0 WHEN 'assigned' THEN 1 WHEN 'verifying' THEN 2"
    " WHEN 'rejected' THEN 3 WHEN 'confirmed' THEN 4 WHEN 'disposing' THEN 5"
    " ELSE 6 END)) & 1) = 1)"
    " AND (?3 = 0 OR EXISTS (SELECT 1 FROM tip_assignees x"
    " WHERE x.tip_id = t.id AND x.staff_id = ?3))"
    " AND (?4 = 0 OR t.created_at >= ?4) AND (?5 = 0 OR t.created_at < ?5)"
    " AND (?6 = 0 OR t.id < ?6) ORDER BY t.id DESC LIMIT ?7";
static const char *const sql_tip_events =
    "SELECT id, at, kind, coalesce(actor, ''), coalesce(state, ''), note"
    " FROM tip_events WHERE tip_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
static const char *const sql_tip_move =
    "UPDATE tips SET state = ?3, due_at = ?4, updated_at = ?5,"
    " closed_at = CASE WHEN ?3 = 'closed' THEN CAST(?5 AS bigint)"
    " ELSE NULL END WHERE id = ?1 AND state = ?2";
static const char *const sql_tip_event_add =
    "INSERT INTO tip_events (tip_id, at, kind, note, actor, state)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char *const sql_assign_clear =
    "DELETE FROM tip_assignees WHERE tip_id = ?1";
static const char *const sql_assign_add =
    "INSERT INTO tip_assignees (tip_id, staff_id, assigned_at)"
    " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char *const sql_assignees =
    "SELECT staff_id FROM tip_assignees WHERE tip_id = ?1 ORDER BY staff_id"
    " LIMIT ?2";
static const char *const sql_is_assignee =
    "SELECT 1 FROM tip_assignees WHERE tip_id = ?1 AND staff_id = ?2";
static const char *const sql_tip_measure =
    "UPDATE tips SET measure = ?2, enterprise_id = coalesce(?3,"
    " enterprise_id), updated_at = ?4 WHERE id = ?1";
/* The earliest tip naming the enterprise within the window, other than
 * this one, that is itself a first report. */
static const char *const sql_tip_first =
    "SELECT id, ref FROM tips WHERE enterprise_id = ?1 AND id <> ?2"
    " AND first_id IS NULL AND practice = 0 AND created_at >= ?3"
    " ORDER BY created_at, id"
    " LIMIT 1";
static const char *const sql_tip_link =
    "UPDATE tips SET enterprise_id = ?2, first_id = ?3 WHERE id = ?1";
/* Staff of a role on the nearest area up the tree that has any: areas
 * are ancestors when their path is a prefix of the tip's at a '/'. */
static const char *const sql_staff_for_area =
    "SELECT s.id FROM staff s JOIN areas sa ON sa.id = s.area_id, areas t"
    " WHERE t.id = ?1 AND s.role = ?2 AND s.active = 1"
    " AND" SQL_AREA_WITHIN("t", "sa")
    " AND length(sa.path) = (SELECT max(length(a2.path)) FROM staff s2"
    " JOIN areas a2 ON a2.id = s2.area_id WHERE s2.role = ?2"
    " AND s2.active = 1 AND" SQL_AREA_WITHIN("t", "a2") ")"
    " ORDER BY s.id LIMIT ?3";
static const char *const sql_tip_overdue =
    "SELECT id FROM tips WHERE due_at IS NOT NULL AND due_at <= ?1"
    " AND practice = 0"
    " AND state IN ('received', 'assigned', 'verifying', 'confirmed',"
    " 'disposing') ORDER BY due_at, id LIMIT ?2";
static const char *const sql_tip_escalated =
    "UPDATE tips SET escalations = escalations + 1, due_at = ?2,"
    " updated_at = ?3 WHERE id = ?1";

/* The name of a state. */
const char *
tip_state_name(enum tip_state s)
{
	return (unsigned)s < TIP_STATES ? state_names[s] : "received";
}

/* Parses a stored state name. */
int
tip_state_parse(const char *name, enum tip_state *out)
{
	int	 i;

	for (i = 0; i < TIP_STATES; i++)
		if (name != NULL && strcmp(name, state_names[i]) == 0) {
			*out = (enum tip_state)i;
			return 0;
		}
	return -1;
}

/* Ranks (staff_role_rank()). */
#define RANK_WORKER	1
#define RANK_CHIEF	2
#define RANK_LIAISON	3
#define RANK_OFFICE	4

/* Checks one move (see ledger.h). */
enum tip_verdict
tip_move_check(enum tip_state from, enum tip_move m, int rank, int assigned,
    enum tip_state *to)
{
	int	 worker = assigned || rank >= RANK_CHIEF;

	if (rank < RANK_WORKER)
		return TIP_MOVE_BAD_ROLE;
	switch (m) {
	case TIP_MOVE_ASSIGN:
		*to = TIP_ASSIGNED;
		if (from != TIP_RECEIVED && from != TIP_ASSIGNED)
			return TIP_MOVE_BAD_STATE;
		return rank >= RANK_CHIEF ? TIP_MOVE_OK : TIP_MOVE_BAD_ROLE;
	case TIP_MOVE_VERIFY:
	case TIP_MOVE_CONFIRM:
	case TIP_MOVE_REJECT:
		*to = m == TIP_MOVE_VERIFY ? TIP_VERIFYING : m ==
		    TIP_MOVE_CONFIRM ? TIP_CONFIRMED : TIP_REJECTED;
		if (from != TIP_ASSIGNED && from != TIP_VERIFYING)
			return TIP_MOVE_BAD_STATE;
		return worker ? TIP_MOVE_OK : TIP_MOVE_BAD_ROLE;
	case TIP_MOVE_DISPOSE:
		*to = TIP_DISPOSING;
		if (from != TIP_CONFIRMED && from != TIP_DISPOSING)
			return TIP_MOVE_BAD_STATE;
		return rank >= RANK_CHIEF ? TIP_MOVE_OK : TIP_MOVE_BAD_ROLE;
	case TIP_MOVE_CLOSE:
		*to = TIP_CLOSED;
		if (from != TIP_DISPOSING && from != TIP_REJECTED)
			return TIP_MOVE_BAD_STATE;
		return rank >= RANK_OFFICE ? TIP_MOVE_OK : TIP_MOVE_BAD_ROLE;
	case TIP_MOVE_RETURN:
		switch (from) {
		case TIP_ASSIGNED:
			*to = TIP_RECEIVED;
			return worker ? TIP_MOVE_OK : TIP_MOVE_BAD_ROLE;
		case TIP_VERIFYING:
			*to = TIP_ASSIGNED;
			return rank >= RANK_CHIEF ? TIP_MOVE_OK :
			    TIP_MOVE_BAD_ROLE;
		case TIP_REJECTED:
		case TIP_CONFIRMED:
			*to = TIP_VERIFYING;
			return rank >= RANK_CHIEF ? TIP_MOVE_OK :
			    TIP_MOVE_BAD_ROLE;
		case TIP_DISPOSING:
			*to = TIP_CONFIRMED;
			return rank >= RANK_LIAISON ? TIP_MOVE_OK :
			    TIP_MOVE_BAD_ROLE;
		case TIP_CLOSED:
			*to = TIP_DISPOSING;
			return rank >= RANK_OFFICE ? TIP_MOVE_OK :
			    TIP_MOVE_BAD_ROLE;
		default:
			*to = from;
			return TIP_MOVE_BAD_STATE;
		}
	}
	*to = from;
	return TIP_MOVE_BAD_STATE;
}

/* Frees a row's body. */
void
tip_row_clear(struct tip_row *t)
{
	free(t->body);
	memset(t, 0, sizeof *t);
}

/* Copies a text column into a fixed field. */
static void
ledger_text(struct db_stmt *st, int col, char *out, size_t size)
{
	const unsigned char	*v = db_column_text(st, col);

	(void)snprintf(out, size, "%s", v != NULL ? (const char *)v : "");
}

/* Reads the TIP_COLUMNS of the current row. */
static void
ledger_row(struct db_stmt *st, struct tip_row *t)
{
	char	 state[16];

	memset(t, 0, sizeof *t);
	t->id = db_column_int64(st, 0);
	ledger_text(st, 1, t->ref, sizeof t->ref);
	t->body = store_column_dup(st, 2);
	ledger_text(st, 3, state, sizeof state);
	(void)tip_state_parse(state, &t->state);
	t->area_id = db_column_int64(st, 4);
	ledger_text(st, 5, t->area_path, sizeof t->area_path);
	t->enterprise_id = db_column_int64(st, 6);
	ledger_text(st, 7, t->enterprise, sizeof t->enterprise);
	ledger_text(st, 8, t->first_ref, sizeof t->first_ref);
	t->first = t->enterprise_id != 0 && t->first_ref[0] == '\0';
	ledger_text(st, 9, t->measure, sizeof t->measure);
	ledger_text(st, 10, t->channel, sizeof t->channel);
	t->due_at = (time_t)db_column_int64(st, 11);
	t->escalations = db_column_int(st, 12);
	t->anonymous = db_column_int(st, 13);
	t->created_at = (time_t)db_column_int64(st, 14);
	t->updated_at = (time_t)db_column_int64(st, 15);
	t->closed_at = (time_t)db_column_int64(st, 16);
}

/* Runs a one-row tip query. */
static enum store_status
ledger_one(struct store *s, struct db_stmt *st, struct tip_row *t)
{
	int	 rc = db_step(st);

	if (rc == DB_ROW) {
		ledger_row(st, t);
		db_reset(st);
		return STORE_OK;
	}
	db_reset(st);
	memset(t, 0, sizeof *t);
	return rc == DB_DONE ? STORE_NOT_FOUND : store_fail(s, "tips_get");
}

/* One tip by reference. */
enum store_status
tips_get(struct store *s, const char *ref, struct tip_row *t)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_tip_get)) == NULL)
		return STORE_ERROR;
	db_bind_text(st, 1, ref, -1, DB_STATIC);
	return ledger_one(s, st, t);
}

/* One tip by id. */
enum store_status
tips_get_id(struct store *s, int64_t id, struct tip_row *t)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_tip_get_id)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, id);
	return ledger_one(s, st, t);
}

/* Lists tips. */
enum store_status
tips_list(struct store *s, const struct tip_filter *f, struct tip_row *out,
    size_t n, size_t *count)
{
	struct db_stmt	*st;
	int		 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_tip_list)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, f->scope);
	db_bind_int64(st, 2, (int64_t)f->states);
	db_bind_int64(st, 3, f->assignee);
	db_bind_int64(st, 4, (int64_t)f->since);
	db_bind_int64(st, 5, (int64_t)f->until);
	db_bind_int64(st, 6, f->before);
	db_bind_int64(st, 7, (int64_t)n);
	db_bind_int(st, 8, f->unplaced != 0);
	while (*count < n && (rc = db_step(st)) == DB_ROW)
		ledger_row(st, &out[(*count)++]);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "tips_list");
}

/* Frees an event's note. */
void
tip_event_clear(struct tip_event *e)
{
	free(e->note);
	memset(e, 0, sizeof *e);
}

/* Reads a tip's history. */
enum store_status
tips_events(struct store *s, int64_t tip, int64_t after,
    struct tip_event *out, size_t n, size_t *count)
{
	struct db_stmt		*st;
	struct tip_event	*e;
	int			 rc = DB_DONE;

	*count = 0;
	if ((st = store_stmt(s, sql_tip_events)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, after);
	db_bind_int64(st, 3, (int64_t)n);
	while (*count < n && (rc = db_step(st)) == DB_ROW) {
		e = &out[(*count)++];
		memset(e, 0, sizeof *e);
		e->id = db_column_int64(st, 0);
		e->at = (time_t)db_column_int64(st, 1);
		ledger_text(st, 2, e->kind, sizeof e->kind);
		ledger_text(st, 3, e->actor, sizeof e->actor);
		ledger_text(st, 4, e->state, sizeof e->state);
		e->note = store_column_dup(st, 5);
	}
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? STORE_OK :
	    store_fail(s, "tips_events");
}

/* Appends one event. */
static enum store_status
ledger_event(struct store *s, int64_t tip, const char *kind,
    const char *actor, const char *note, const char *state, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_tip_event_add)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, (int64_t)now);
	db_bind_text(st, 3, kind, -1, DB_STATIC);
	store_bind_text(st, 4, note);
	store_bind_text(st, 5, actor);
	store_bind_text(st, 6, state);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tips_event");
	return STORE_OK;
}

/* Moves a tip and records the event. */
enum store_status
tips_move(struct store *s, int64_t tip, enum tip_state from,
    enum tip_state to, const char *kind, const char *actor, const char *note,
    time_t due_at, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_tip_move)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_text(st, 2, tip_state_name(from), -1, DB_STATIC);
	db_bind_text(st, 3, tip_state_name(to), -1, DB_STATIC);
	if (due_at != 0)
		db_bind_int64(st, 4, (int64_t)due_at);
	db_bind_int64(st, 5, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tips_move");
	if (store_changes(s) != 1)
		return STORE_NOT_FOUND;
	return ledger_event(s, tip, kind, actor, note, tip_state_name(to), now);
}

/* Appends an event that moves nothing. */
enum store_status
tips_note(struct store *s, int64_t tip, const char *kind, const char *actor,
    const char *note, time_t now)
{
	return ledger_event(s, tip, kind, actor, note, NULL, now);
}

/* Adds one assignee. */
enum store_status
tips_assign_add(struct store *s, int64_t tip, int64_t staff, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_assign_add)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, staff);
	db_bind_int64(st, 3, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tips_assign");
	return STORE_OK;
}

/* Replaces the assignees. */
enum store_status
tips_assign(struct store *s, int64_t tip, const int64_t *staff, size_t n,
    time_t now)
{
	struct db_stmt		*st;
	enum store_status	 rc;
	size_t			 i;

	if ((st = store_stmt(s, sql_assign_clear)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tips_assign");
	for (i = 0; i < n; i++)
		if ((rc = tips_assign_add(s, tip, staff[i], now)) != STORE_OK)
			return rc;
	return STORE_OK;
}

/* Who works on a tip. */
enum store_status
tips_assignees(struct store *s, int64_t tip, int64_t *staff, size_t n,
    size_t *count)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_assignees)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	return store_ids(s, st, 2, staff, n, count, "tips_assignees");
}

/* Whether staff works on tip. */
int
tips_is_assignee(struct store *s, int64_t tip, int64_t staff)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_is_assignee)) == NULL)
		return 0;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, staff);
	rc = db_step(st) == DB_ROW;
	db_reset(st);
	return rc;
}

/* Records a disposal's measure. */
enum store_status
tips_set_measure(struct store *s, int64_t tip, const char *measure,
    int64_t enterprise, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_tip_measure)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_text(st, 2, measure, -1, DB_STATIC);
	if (enterprise != 0)
		db_bind_int64(st, 3, enterprise);
	db_bind_int64(st, 4, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tips_set_measure");
	return STORE_OK;
}

/* Links a tip to the enterprise it names and its first report. */
enum store_status
tips_link(struct store *s, int64_t tip, int64_t enterprise, int window,
    time_t now, char *first_ref, size_t size)
{
	struct db_stmt	*st;
	int64_t		 first = 0;
	int		 rc;

	if (first_ref != NULL && size > 0)
		first_ref[0] = '\0';
	if ((st = store_stmt(s, sql_tip_first)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, enterprise);
	db_bind_int64(st, 2, tip);
	db_bind_int64(st, 3, (int64_t)(now - window));
	rc = db_step(st);
	if (rc == DB_ROW) {
		first = db_column_int64(st, 0);
		if (first_ref != NULL)
			ledger_text(st, 1, first_ref, size);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(s, "tips_link");
	if ((st = store_stmt(s, sql_tip_link)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	db_bind_int64(st, 2, enterprise);
	if (first != 0)
		db_bind_int64(st, 3, first);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tips_link");
	return STORE_OK;
}

/* Staff of a role nearest up the tree. */
enum store_status
staff_for_area(struct store *s, int64_t area, const char *role,
    int64_t *staff, size_t n, size_t *count)
{
	struct db_stmt	*st;

	*count = 0;
	if (area == 0)
		return STORE_OK;
	if ((st = store_stmt(s, sql_staff_for_area)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, area);
	db_bind_text(st, 2, role, -1, DB_STATIC);
	return store_ids(s, st, 3, staff, n, count, "staff_for_area");
}

/* Open tips past their deadline. */
enum store_status
tips_overdue(struct store *s, time_t now, int64_t *tips, size_t n,
    size_t *count)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_tip_overdue)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, (int64_t)now);
	return store_ids(s, st, 2, tips, n, count, "tips_overdue");
}

/* Counts an escalation. */
enum store_status
tips_escalated(struct store *s, int64_t tip, time_t due_at, time_t now)
{
	struct db_stmt	*st;

	if ((st = store_stmt(s, sql_tip_escalated)) == NULL)
		return STORE_ERROR;
	db_bind_int64(st, 1, tip);
	if (due_at != 0)
		db_bind_int64(st, 2, (int64_t)due_at);
	db_bind_int64(st, 3, (int64_t)now);
	if (db_step(st) != DB_DONE)
		return store_fail(s, "tips_escalated");
	return STORE_OK;
}

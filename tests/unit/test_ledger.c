/*
 * Unit tests of the tip ledger: tip_move_check() against the rules its
 * header documents, for every state, move, rank and assignment; and the
 * tip's life through handlers/tipflow.h on a real SQLite file (intake and
 * assignment, escalation with an injected clock, first-report links, the
 * reporter told on their own channel, a move that lost a race); and which
 * command 线索 is for whom.
 */
#include "teststore.h"

#include "handlers/handlers.h"
#include "handlers/tipcmd.h"
#include "handlers/tipflow.h"
#include "storage/areas.h"
#include "storage/ledger.h"
#include "storage/outbox.h"
#include "storage/staff.h"
#include "storage/tips.h"

static const uint8_t key[STORE_KEY_LEN] = { 7, 7, 7, 1 };

#define T0	1795000000	/* 2026-11-18, the fixture's "now" */
#define HOUR	3600

/*
 * The rules of storage/ledger.h, written out again: the state a move is
 * allowed from, where it leads, the least rank that may make it, and
 * whether an assignee of any rank may too. A (move, state) pair not here
 * is refused by state.
 */
static const struct rule {
	enum tip_move	 move;
	enum tip_state	 from, to;
	int		 rank;
	int		 assignee;
} rules[] = {
	{ TIP_MOVE_ASSIGN, TIP_RECEIVED, TIP_ASSIGNED, 2, 0 },
	{ TIP_MOVE_ASSIGN, TIP_ASSIGNED, TIP_ASSIGNED, 2, 0 },
	{ TIP_MOVE_VERIFY, TIP_ASSIGNED, TIP_VERIFYING, 2, 1 },
	{ TIP_MOVE_VERIFY, TIP_VERIFYING, TIP_VERIFYING, 2, 1 },
	{ TIP_MOVE_CONFIRM, TIP_ASSIGNED, TIP_CONFIRMED, 2, 1 },
	{ TIP_MOVE_CONFIRM, TIP_VERIFYING, TIP_CONFIRMED, 2, 1 },
	{ TIP_MOVE_REJECT, TIP_ASSIGNED, TIP_REJECTED, 2, 1 },
	{ TIP_MOVE_REJECT, TIP_VERIFYING, TIP_REJECTED, 2, 1 },
	{ TIP_MOVE_DISPOSE, TIP_CONFIRMED, TIP_DISPOSING, 2, 0 },
	{ TIP_MOVE_DISPOSE, TIP_DISPOSING, TIP_DISPOSING, 2, 0 },
	{ TIP_MOVE_CLOSE, TIP_DISPOSING, TIP_CLOSED, 4, 0 },
	{ TIP_MOVE_CLOSE, TIP_REJECTED, TIP_CLOSED, 4, 0 },
	{ TIP_MOVE_RETURN, TIP_ASSIGNED, TIP_RECEIVED, 2, 1 },
	{ TIP_MOVE_RETURN, TIP_VERIFYING, TIP_ASSIGNED, 2, 0 },
	{ TIP_MOVE_RETURN, TIP_REJECTED, TIP_VERIFYING, 2, 0 },
	{ TIP_MOVE_RETURN, TIP_CONFIRMED, TIP_VERIFYING, 2, 0 },
	{ TIP_MOVE_RETURN, TIP_DISPOSING, TIP_CONFIRMED, 3, 0 },
	{ TIP_MOVE_RETURN, TIP_CLOSED, TIP_DISPOSING, 4, 0 },
};

/* Every (state, move, rank 1..5, assigned 0/1) against the table. */
static void
test_move_check_table(void **state)
{
	const struct rule	*rule;
	enum tip_state		 to;
	enum tip_verdict	 v, want;
	int			 from, m, rank, assigned, seen[3] = { 0 };
	size_t			 i;

	(void)state;
	for (from = 0; from < TIP_STATES; from++)
	for (m = TIP_MOVE_ASSIGN; m <= TIP_MOVE_RETURN; m++)
	for (rank = 1; rank <= 5; rank++)
	for (assigned = 0; assigned <= 1; assigned++) {
		rule = NULL;
		for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
			if ((int)rules[i].move == m &&
			    (int)rules[i].from == from)
				rule = &rules[i];
		if (rule == NULL)
			want = TIP_MOVE_BAD_STATE;
		else if (rank >= rule->rank || (rule->assignee && assigned))
			want = TIP_MOVE_OK;
		else
			want = TIP_MOVE_BAD_ROLE;
		v = tip_move_check((enum tip_state)from, (enum tip_move)m,
		    rank, assigned, &to);
		if (v != want)
			fail_msg("state %d move %d rank %d assigned %d: %d, "
			    "want %d", from, m, rank, assigned, v, want);
		if (v == TIP_MOVE_OK && to != rule->to)
			fail_msg("state %d move %d leads to %d, want %d",
			    from, m, to, rule->to);
		seen[v]++;
	}
	/* 7 states x 7 moves x 5 ranks x 2. */
	assert_int_equal(seen[0] + seen[1] + seen[2], 490);
	assert_true(seen[TIP_MOVE_OK] > 0 && seen[TIP_MOVE_BAD_ROLE] > 0 &&
	    seen[TIP_MOVE_BAD_STATE] > 0);
}

struct fixture {
	char			*dir;
	struct store		*s;
	struct handler_env	 env;
	int64_t			 grid, building, youth, kp;
	int64_t			 worker, chief, liaison, office;
};

/* Adds a staff member bound to the private chat "c-<user>". */
static int64_t
add_staff(struct fixture *fx, const char *name, const char *role,
    int64_t area, const char *user)
{
	struct staff_info	 who;
	char			 code[BIND_CODE_TEXT_LEN + 1], chat[64];
	int64_t			 id;

	(void)snprintf(chat, sizeof chat, "c-%s", user);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(staff_add(fx->s, name, role, area, NULL, T0 - 100,
	    &id), STORE_OK);
	assert_int_equal(staff_bind_code(fx->s, id, T0 - 100, code), STORE_OK);
	assert_int_equal(staff_bind(fx->s, code, "demo", user, chat, T0 - 90,
	    &who), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	return id;
}

/* A database with the demo areas and enterprises, a grid worker on 第3网格,
 * a chief on 华光路社区, a liaison on 车站街道 and the office of 张店区. */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);
	int64_t		 community, street, district;
	int		 i;

	fx->s = teststore_open(key, &fx->dir);
	(void)teststore_demo(fx->s, IMPORT_ENTERPRISES, "enterprises.csv");
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格", &fx->grid),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格/12号楼",
	    &fx->building), STORE_OK);
	assert_int_equal(areas_find(fx->s, "共青团路社区/第1网格/5号楼",
	    &fx->youth), STORE_OK);
	assert_int_equal(areas_find(fx->s, "柳泉社区/第1网格/2号楼", &fx->kp),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区", &community), STORE_OK);
	assert_int_equal(areas_find(fx->s, "车站街道", &street), STORE_OK);
	assert_int_equal(areas_find(fx->s, "张店区", &district), STORE_OK);
	fx->worker = add_staff(fx, "王丹", "grid_worker", fx->grid, "wang");
	fx->chief = add_staff(fx, "李强", "grid_chief", community, "li");
	fx->liaison = add_staff(fx, "陈明", "liaison", street, "chen");
	fx->office = add_staff(fx, "周敏", "office", district, "zhou");
	fx->env.hotline = "0533-12345";
	fx->env.utc_offset = 8 * HOUR;
	for (i = 0; i < TIP_STATES; i++)
		fx->env.tip_due_hours[i] = 24;
	fx->env.tip_link_days = 30;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Files a tip as cmd_report does (stored, then taken in) at now; returns
 * its id, its reference in ref. */
static int64_t
file_tip(struct fixture *fx, int64_t area, const char *body,
    const char *sender, time_t now, char ref[TIP_REF_MAX])
{
	struct tip_new	 t;
	struct tip_row	 row;
	struct tipflow	 tf;
	char		 chat[64];
	int64_t		 id;

	(void)snprintf(chat, sizeof chat, "c-%s", sender);
	memset(&t, 0, sizeof t);
	t.body = body;
	t.day = "20261118";
	t.area_id = area;
	t.chat_kind = "private";
	t.reporter.channel = "demo";
	t.reporter.sender_id = sender;
	t.reporter.sender_name = "居民";
	t.reporter.chat_id = chat;
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(tips_create(fx->s, &t, now, ref), STORE_OK);
	assert_int_equal(tips_get(fx->s, ref, &row), STORE_OK);
	id = row.id;
	tip_row_clear(&row);
	tipflow_system(&tf, fx->s, &fx->env, LOCALE_ZH, now);
	assert_int_equal(tipflow_intake(&tf, id), TIPFLOW_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	return id;
}

/* How many queued rows go to chat, with needle in their text (NULL: any);
 * reporter: only rows to a reporter's seal, or only the others. */
static size_t
queued(struct fixture *fx, const char *chat, const char *needle,
    int reporter)
{
	struct outbox_row	 rows[64];
	size_t			 n = 0, i, k = 0;

	assert_int_equal(outbox_due(fx->s, T0 + 1000 * 86400, rows, 64, &n),
	    STORE_OK);
	assert_true(n < 64);
	for (i = 0; i < n; i++) {
		if (rows[i].chat_id != NULL && strcmp(rows[i].chat_id,
		    chat) == 0 && (reporter ? rows[i].reporter_id != 0 :
		    rows[i].reporter_id == 0) && (needle == NULL ||
		    strstr(rows[i].body, needle) != NULL))
			k++;
		outbox_row_clear(&rows[i]);
	}
	return k;
}

/* The assignees of tip, in *ids; returns how many. */
static size_t
assignees(struct fixture *fx, int64_t tip, int64_t ids[16])
{
	size_t	 n = 0;

	assert_int_equal(tips_assignees(fx->s, tip, ids, 16, &n), STORE_OK);
	return n;
}

/* Whether tip's history has an event of kind whose note holds needle. */
static int
has_event(struct fixture *fx, int64_t tip, const char *kind,
    const char *actor, const char *needle)
{
	struct tip_event	 ev[64];
	size_t			 n = 0, i;
	int			 found = 0;

	memset(ev, 0, sizeof ev);
	assert_int_equal(tips_events(fx->s, tip, 0, ev, 64, &n), STORE_OK);
	for (i = 0; i < n; i++) {
		if (strcmp(ev[i].kind, kind) == 0 && (actor == NULL ||
		    strcmp(ev[i].actor, actor) == 0) && (needle == NULL ||
		    (ev[i].note != NULL && strstr(ev[i].note, needle) != NULL)))
			found = 1;
		tip_event_clear(&ev[i]);
	}
	return found;
}

/* Intake assigns to the area's grid worker, else its liaison, else its
 * office, and tells them in their private chat, naming nobody. */
static void
test_intake(void **state)
{
	struct fixture	*fx = *state;
	struct tip_row	 row;
	int64_t		 ids[16], tip;
	char		 ref[TIP_REF_MAX];

	tip = file_tip(fx, fx->building, "有人在楼下推销保本理财", "r1", T0,
	    ref);
	assert_int_equal(assignees(fx, tip, ids), 1);
	assert_int_equal(ids[0], fx->worker);
	assert_int_equal(tips_get_id(fx->s, tip, &row), STORE_OK);
	assert_int_equal(row.state, TIP_ASSIGNED);
	assert_int_equal(row.due_at, T0 + 24 * HOUR);
	tip_row_clear(&row);
	assert_int_equal(queued(fx, "c-wang", ref, 0), 1);
	assert_int_equal(queued(fx, "c-wang", "居民", 0), 0);
	assert_int_equal(queued(fx, "c-li", ref, 0), 0);
	assert_true(has_event(fx, tip, "assigned", "system", NULL));

	/* 共青团路社区 has no grid worker: the liaison of 车站街道. */
	tip = file_tip(fx, fx->youth, "共青团路有人拉人头", "r2", T0, ref);
	assert_int_equal(assignees(fx, tip, ids), 1);
	assert_int_equal(ids[0], fx->liaison);
	assert_int_equal(queued(fx, "c-chen", ref, 0), 1);

	/* 科苑街道 has neither: the office of 张店区. */
	tip = file_tip(fx, fx->kp, "柳泉社区有养老项目集资", "r3", T0, ref);
	assert_int_equal(assignees(fx, tip, ids), 1);
	assert_int_equal(ids[0], fx->office);
	assert_int_equal(queued(fx, "c-zhou", ref, 0), 1);
}

/* A tip left alone past its deadline goes one level up each time, in its
 * history and to the new person's chat. */
static void
test_escalation(void **state)
{
	struct fixture	*fx = *state;
	struct tipflow	 tf;
	int64_t		 ids[16], tip;
	char		 ref[TIP_REF_MAX];
	long		 n;

	tip = file_tip(fx, fx->building, "小区有人发高息传单", "r1", T0, ref);
	/* Not yet due. */
	tipflow_system(&tf, fx->s, &fx->env, LOCALE_ZH, T0 + 24 * HOUR - 1);
	assert_int_equal(tipflow_escalate(&tf, &n), TIPFLOW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(assignees(fx, tip, ids), 1);

	/* At its deadline: the chief is added, and told. */
	tipflow_system(&tf, fx->s, &fx->env, LOCALE_ZH, T0 + 24 * HOUR);
	assert_int_equal(tipflow_escalate(&tf, &n), TIPFLOW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(assignees(fx, tip, ids), 2);
	assert_true(ids[0] == fx->chief || ids[1] == fx->chief);
	assert_true(has_event(fx, tip, "escalated", "system", "李强"));
	assert_int_equal(queued(fx, "c-li", ref, 0), 1);
	assert_int_equal(queued(fx, "c-chen", ref, 0), 0);

	/* Once is enough until the next deadline. */
	assert_int_equal(tipflow_escalate(&tf, &n), TIPFLOW_OK);
	assert_int_equal(n, 0);

	/* A day later still nothing: the liaison. */
	tipflow_system(&tf, fx->s, &fx->env, LOCALE_ZH, T0 + 48 * HOUR);
	assert_int_equal(tipflow_escalate(&tf, &n), TIPFLOW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(assignees(fx, tip, ids), 3);
	assert_true(has_event(fx, tip, "escalated", "system", "陈明"));
	assert_int_equal(queued(fx, "c-chen", ref, 0), 1);
}

/* Two tips naming one credit code within the window: the second points to
 * the first (首报); outside it, a tip is a first report again. */
static void
test_first_report(void **state)
{
	struct fixture	*fx = *state;
	struct tip_row	 a, b, c;
	char		 r1[TIP_REF_MAX], r2[TIP_REF_MAX], r3[TIP_REF_MAX];

	(void)file_tip(fx, fx->building, "91370303MA3C01001E 在小区推销理财",
	    "r1", T0, r1);
	(void)file_tip(fx, fx->building, "又是 91370303MA3C01001E 在发传单",
	    "r2", T0 + 86400, r2);
	(void)file_tip(fx, fx->building, "91370303MA3C01001E 又来了",
	    "r3", T0 + 40 * 86400, r3);
	assert_int_equal(tips_get(fx->s, r1, &a), STORE_OK);
	assert_int_equal(tips_get(fx->s, r2, &b), STORE_OK);
	assert_int_equal(tips_get(fx->s, r3, &c), STORE_OK);
	assert_true(a.enterprise_id != 0);
	assert_int_equal(b.enterprise_id, a.enterprise_id);
	assert_int_equal(c.enterprise_id, a.enterprise_id);
	assert_true(a.first);
	assert_string_equal(a.first_ref, "");
	assert_false(b.first);
	assert_string_equal(b.first_ref, r1);
	assert_true(c.first);
	assert_string_equal(c.first_ref, "");
	tip_row_clear(&a);
	tip_row_clear(&b);
	tip_row_clear(&c);
}

/* Fills tf for a staff member of rank over scope at now. */
static void
staff_flow(struct fixture *fx, struct tipflow *tf, int64_t staff, int rank,
    int64_t scope, time_t now)
{
	memset(tf, 0, sizeof *tf);
	tf->store = fx->s;
	tf->env = &fx->env;
	tf->locale = LOCALE_ZH;
	tf->now = now;
	(void)snprintf(tf->actor, sizeof tf->actor, "staff:%lld",
	    (long long)staff);
	tf->staff_id = staff;
	tf->rank = rank;
	tf->scope = scope;
}

/* Makes one move in its own transaction. */
static enum tipflow_result
move(struct fixture *fx, struct tipflow *tf, const char *ref,
    enum tip_move m, const char *note, const char *measure)
{
	enum tipflow_result	 r;

	assert_int_equal(store_begin(fx->s), STORE_OK);
	r = tipflow_move(tf, ref, m, note, measure, 0, NULL);
	if (r == TIPFLOW_OK)
		assert_int_equal(store_commit(fx->s), STORE_OK);
	else
		store_rollback(fx->s);
	return r;
}

/* A disabled member is not assigned a tip, by intake or by hand: intake
 * passes over the grid worker as if there were none (to the liaison), and
 * the office cannot hand it to them. */
static void
test_assign_disabled(void **state)
{
	struct fixture		*fx = *state;
	struct staff_cutoff	 cut;
	struct tipflow		 o;
	int64_t			 ids[16], tip;
	char			 ref[TIP_REF_MAX];

	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(staff_disable(fx->s, fx->worker, T0, &cut), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	tip = file_tip(fx, fx->building, "楼里有人推销养老公寓", "r7", T0, ref);
	assert_int_equal(assignees(fx, tip, ids), 1);
	assert_int_equal(ids[0], fx->liaison);
	assert_int_equal(queued(fx, "c-wang", ref, 0), 0);
	staff_flow(fx, &o, fx->office, 4, 0, T0 + 60);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(tipflow_assign(&o, ref, &fx->worker, 1),
	    TIPFLOW_BAD_ARGS);
	store_rollback(fx->s);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(tipflow_assign(&o, ref, &fx->chief, 1), TIPFLOW_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(assignees(fx, tip, ids), 1);
	assert_int_equal(ids[0], fx->chief);
}

/* The reporter hears, on their own chat and without any staff name, that
 * the tip was accepted, confirmed and closed; nothing else is told. */
static void
test_reporter_told(void **state)
{
	struct fixture	*fx = *state;
	struct tipflow	 w, c, o, other;
	struct tip_row	 row;
	int64_t		 tip, community;
	char		 ref[TIP_REF_MAX];

	assert_int_equal(areas_find(fx->s, "华光路社区", &community), STORE_OK);
	tip = file_tip(fx, fx->building, "楼下有人推销原始股", "r9", T0, ref);
	staff_flow(fx, &w, fx->worker, 1, fx->grid, T0 + 60);
	staff_flow(fx, &c, fx->chief, 2, community, T0 + 120);
	staff_flow(fx, &o, fx->office, 4, 0, T0 + 180);
	assert_int_equal(queued(fx, "c-r9", NULL, 1), 0);

	/* A worker of another grid does not see it; the worker here may not
	 * dispose of it or close it. */
	staff_flow(fx, &other, fx->worker, 1, fx->kp, T0 + 60);
	assert_int_equal(move(fx, &other, ref, TIP_MOVE_VERIFY, "x", NULL),
	    TIPFLOW_NOT_FOUND);
	assert_int_equal(move(fx, &w, ref, TIP_MOVE_VERIFY, "开始核查", NULL),
	    TIPFLOW_OK);
	assert_int_equal(queued(fx, "c-r9", ref, 1), 1);
	assert_int_equal(queued(fx, "c-r9", "已受理", 1), 1);
	assert_int_equal(move(fx, &w, ref, TIP_MOVE_VERIFY, "走访了两户",
	    NULL), TIPFLOW_OK);
	assert_int_equal(queued(fx, "c-r9", NULL, 1), 1);	/* once */
	assert_int_equal(move(fx, &w, ref, TIP_MOVE_CONFIRM, "属实", NULL),
	    TIPFLOW_OK);
	assert_int_equal(queued(fx, "c-r9", "属实", 1), 1);
	assert_int_equal(move(fx, &w, ref, TIP_MOVE_DISPOSE, NULL, "约谈"),
	    TIPFLOW_BAD_ROLE);
	assert_int_equal(move(fx, &c, ref, TIP_MOVE_DISPOSE, NULL, "扣押"),
	    TIPFLOW_BAD_ARGS);
	assert_int_equal(move(fx, &c, ref, TIP_MOVE_DISPOSE, NULL, "约谈"),
	    TIPFLOW_OK);
	assert_int_equal(move(fx, &c, ref, TIP_MOVE_CLOSE, NULL, NULL),
	    TIPFLOW_BAD_ROLE);
	assert_int_equal(queued(fx, "c-r9", NULL, 1), 2);	/* not told */
	assert_int_equal(move(fx, &o, ref, TIP_MOVE_CLOSE, NULL, NULL),
	    TIPFLOW_OK);
	assert_int_equal(move(fx, &o, ref, TIP_MOVE_CLOSE, NULL, NULL),
	    TIPFLOW_BAD_STATE);
	assert_int_equal(queued(fx, "c-r9", NULL, 1), 3);
	assert_int_equal(queued(fx, "c-r9", "已办结", 1), 1);
	/* No staff name in anything the reporter got. */
	assert_int_equal(queued(fx, "c-r9", "王丹", 1), 0);
	assert_int_equal(queued(fx, "c-r9", "李强", 1), 0);
	assert_int_equal(queued(fx, "c-r9", "周敏", 1), 0);
	assert_int_equal(tips_get_id(fx->s, tip, &row), STORE_OK);
	assert_int_equal(row.state, TIP_CLOSED);
	assert_string_equal(row.measure, "admonished");
	assert_true(row.closed_at == T0 + 180);
	tip_row_clear(&row);
	assert_true(has_event(fx, tip, "confirmed", w.actor, "属实"));
	assert_true(has_event(fx, tip, "notified", "system", "closed"));
}

/* tips_move refuses a tip no longer in the state the caller read. */
static void
test_move_race(void **state)
{
	struct fixture	*fx = *state;
	struct tip_row	 row;
	int64_t		 tip;
	char		 ref[TIP_REF_MAX];

	tip = file_tip(fx, fx->building, "有人推销理财", "r1", T0, ref);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	/* Someone took it from received to assigned meanwhile (intake). */
	assert_int_equal(tips_move(fx->s, tip, TIP_RECEIVED, TIP_ASSIGNED,
	    "assigned", "staff:9", NULL, 0, T0 + 1), STORE_NOT_FOUND);
	assert_int_equal(tips_move(fx->s, tip, TIP_ASSIGNED, TIP_VERIFYING,
	    "verifying", "staff:1", "go", 0, T0 + 1), STORE_OK);
	assert_int_equal(tips_move(fx->s, tip, TIP_ASSIGNED, TIP_VERIFYING,
	    "verifying", "staff:1", "again", 0, T0 + 2), STORE_NOT_FOUND);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(tips_get_id(fx->s, tip, &row), STORE_OK);
	assert_int_equal(row.state, TIP_VERIFYING);
	tip_row_clear(&row);
	assert_false(has_event(fx, tip, "verifying", NULL, "again"));
}

/* 线索 with content is a tip for everyone; alone or with a reference it
 * is the ledger for staff, and still a tip for residents. */
static void
test_tips_word(void **state)
{
	struct handler_ctx	 ctx;
	const struct handler	*h;
	const char		*args;

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	h = handler_parse("线索 有人推销理财", &args);
	assert_non_null(h);
	assert_non_null(h->resolve);
	ctx.role = ROLE_RESIDENT;
	assert_string_equal(h->resolve(&ctx, args)->name, "report");
	ctx.role = ROLE_GRID_WORKER;
	assert_string_equal(h->resolve(&ctx, args)->name, "report");
	h = handler_parse("线索 jb-20261118-7KQ3XZ", &args);
	assert_string_equal(h->resolve(&ctx, args)->name, "tips");
	h = handler_parse("线索", &args);
	assert_string_equal(h->resolve(&ctx, args)->name, "tips");
	ctx.role = ROLE_RESIDENT;
	assert_string_equal(h->resolve(&ctx, args)->name, "report");
	/* A reference that is not one (too short) is a tip's text. */
	ctx.role = ROLE_OFFICE;
	h = handler_parse("线索 JB-2026-1", &args);
	assert_string_equal(h->resolve(&ctx, args)->name, "report");
	h = handler_parse("举报 有人推销理财", &args);
	assert_string_equal(h->name, "report");
	assert_null(h->resolve);
}

/* A reference is read in any case, and whatever separates it from the
 * rest, full-width marks too; a longer word is no reference. */
static void
test_ref_words(void **state)
{
	char		 ref[TIP_REF_MAX];
	const char	*rest;

	(void)state;
	rest = tipcmd_ref("jb-20261118-7kq3xz 属实 走访两户", ref);
	assert_non_null(rest);
	assert_string_equal(ref, "JB-20261118-7KQ3XZ");
	assert_string_equal(rest, "属实 走访两户");
	rest = tipcmd_ref("JB-20261118-7KQ3XZ：属实", ref);
	assert_non_null(rest);
	assert_string_equal(rest, "属实");
	rest = tipcmd_ref("JB-20261118-7KQ3XZ\xe3\x80\x80属实", ref);
	assert_non_null(rest);
	assert_string_equal(rest, "属实");
	rest = tipcmd_ref("JB-20261118-7KQ3XZ", ref);
	assert_non_null(rest);
	assert_string_equal(rest, "");
	assert_null(tipcmd_ref("JB-20261118-7KQ3XZZ 属实", ref));
	assert_null(tipcmd_ref("JB-2026111-7KQ3XZ 属实", ref));
	assert_null(tipcmd_ref("属实", ref));
	assert_null(tipcmd_ref("", ref));
	assert_true(tipcmd_is_ref("JB-20261118-7KQ3XZ"));
	assert_false(tipcmd_is_ref("JB-20261118-7KQ3X"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_check_table),
		cmocka_unit_test_setup_teardown(test_intake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_first_report, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reporter_told, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_move_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_assign_disabled, setup,
		    teardown),
		cmocka_unit_test(test_tips_word),
		cmocka_unit_test(test_ref_words),
	};

	return cmocka_run_group_tests_name("ledger", tests, NULL, NULL);
}

/*
 * Unit tests of what keeps reporters' trust: receipts (right, wrong,
 * throttled, never in the database file in clear), the reward rules, the
 * two-person reveal through the dispatcher (refused without approval, not
 * by the requester themself, shown once then spent, audited either way,
 * never kept for a retry) and forgetting the reporters of closed tips.
 */
#include <sqlite3.h>

#include "teststore.h"

#include "bot/dispatch.h"
#include "messages/buf.h"
#include "messages/limit.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/chats.h"
#include "storage/ledger.h"
#include "storage/outbox.h"
#include "storage/receipts.h"
#include "storage/reveals.h"
#include "storage/rewards.h"
#include "storage/staff.h"
#include "storage/tips.h"

static const uint8_t key[STORE_KEY_LEN] = { 9, 8, 7 };

#define T0	1780000000	/* 2026-05-28 */

struct fixture {
	char			*dir;
	struct store		*s;
	struct limiter		*lim;
	struct handler_env	 env;
	struct channel		 ch;
	int64_t			 community, worker, office_a, office_b;
	int			 msg;
};

/* Runs sql on the database through a connection of its own and returns
 * the first column of the first row as a new string ("" for none). dir
 * is the test's directory (teststore.h knows where its database is). */
static char *
sql_text(const char *dir, const char *sql)
{
	(void)dir;
	return teststore_rows(sql, 0);
}

/* The same as a number. */
static long
sql_long(const char *dir, const char *sql)
{
	char	*s = sql_text(dir, sql);
	long	 v = strtol(s, NULL, 10);

	free(s);
	return v;
}

/* Checks that the first column of the first row of sql is want. */
static void
expect_sql(const char *dir, const char *sql, const char *want)
{
	char	*s = sql_text(dir, sql);

	assert_string_equal(s, want);
	free(s);
}

/* Runs a statement that changes rows. */
static void
sql_exec(const char *dir, const char *sql)
{
	struct store	*s = teststore_reopen(NULL);

	(void)dir;
	teststore_exec(s, sql);
	store_close(s);
}

/* Whether the database file or its WAL holds the bytes of s (on
 * PostgreSQL: any row of any table, see teststore_holds()). */
static int
db_holds(const char *dir, const char *s)
{
	static const char *const files[] = { "t.db", "t.db-wal" };
	char		 path[256], *data;
	size_t		 len, i, k, n = strlen(s);
	long		 size;
	int		 found = 0;
	FILE		*f;

	if (teststore_pg())
		return teststore_holds(s);
	for (i = 0; i < 2 && !found; i++) {
		(void)snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		size = ftell(f);
		rewind(f);
		data = xmalloc((size_t)size + 1);
		len = fread(data, 1, (size_t)size, f);
		fclose(f);
		assert_true(len > 0);
		for (k = 0; k + n <= len && !found; k++)
			found = memcmp(data + k, s, n) == 0;
		free(data);
	}
	return found;
}

/* Binds a new staff member's chat account (channel "tg", user). */
static int64_t
add_staff(struct fixture *fx, const char *name, const char *role,
    const char *user)
{
	struct staff_info	 who;
	char			 code[BIND_CODE_TEXT_LEN + 1];
	int64_t			 id;

	assert_int_equal(staff_add(fx->s, name, role, fx->community, NULL, T0,
	    &id), STORE_OK);
	assert_int_equal(staff_bind_code(fx->s, id, T0, code), STORE_OK);
	assert_int_equal(staff_bind(fx->s, code, "tg", user, user, T0 + 1,
	    &who), STORE_OK);
	return id;
}

/* A database with the demo areas and registry, a grid worker and two
 * office members, all bound on "tg". */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);

	fx->s = teststore_open(key, &fx->dir);
	(void)teststore_demo(fx->s, IMPORT_ENTERPRISES, "enterprises.csv");
	assert_int_equal(areas_find(fx->s, "华光路社区", &fx->community),
	    STORE_OK);
	fx->worker = add_staff(fx, "王丹", "grid_worker", "u-worker");
	fx->office_a = add_staff(fx, "李明", "office", "u-a");
	fx->office_b = add_staff(fx, "赵强", "office", "u-b");
	fx->lim = limiter_new(1024);
	fx->env.hotline = "0533-12345";
	fx->env.utc_offset = 8 * 3600;
	fx->env.limits = fx->lim;
	memset(&fx->ch, 0, sizeof fx->ch);
	fx->ch.name = (char *)(uintptr_t)"tg";
	*state = fx;
	return 0;
}

/* Removes the database. */
static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	limiter_free(fx->lim);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Sends text from user in a private chat (msgid NULL: a fresh one) and
 * returns the answer's texts joined (caller frees; "" for none). */
static char *
say(struct fixture *fx, const char *user, const char *text,
    const char *msgid, time_t now)
{
	struct inbound	 in;
	struct reply	 r = { 0 };
	struct buf	 b;
	const char	*name;
	char		 id[32];
	size_t		 i;

	memset(&in, 0, sizeof in);
	(void)inbound_set(in.channel, sizeof in.channel, "tg");
	(void)inbound_set(in.chat_id, sizeof in.chat_id, user);
	(void)inbound_set(in.sender_id, sizeof in.sender_id, user);
	(void)snprintf(id, sizeof id, "m%d", ++fx->msg);
	(void)inbound_set(in.message_id, sizeof in.message_id,
	    msgid != NULL ? msgid : id);
	in.text = xstrdup(text);
	(void)dispatch_inbound(fx->s, &fx->ch, &fx->env, &in, now, &r, &name);
	buf_init(&b, 1 << 16);
	(void)buf_adds(&b, "");
	for (i = 0; i < r.ntexts; i++)
		(void)buf_adds(&b, r.texts[i]);
	reply_clear(&r);
	inbound_clear(&in);
	return buf_steal(&b);
}

/* The same in a group chat. */
static char *
say_group(struct fixture *fx, const char *user, const char *text, time_t now)
{
	struct inbound	 in;
	struct reply	 r = { 0 };
	struct buf	 b;
	const char	*name;
	char		 id[32];
	size_t		 i;

	memset(&in, 0, sizeof in);
	(void)inbound_set(in.channel, sizeof in.channel, "tg");
	(void)inbound_set(in.chat_id, sizeof in.chat_id, "-100group");
	(void)inbound_set(in.sender_id, sizeof in.sender_id, user);
	(void)snprintf(id, sizeof id, "g%d", ++fx->msg);
	(void)inbound_set(in.message_id, sizeof in.message_id, id);
	in.chat_kind = CHAT_GROUP;
	in.explicit_cmd = 1;
	in.text = xstrdup(text);
	(void)dispatch_inbound(fx->s, &fx->ch, &fx->env, &in, now, &r, &name);
	buf_init(&b, 1 << 16);
	(void)buf_adds(&b, "");
	for (i = 0; i < r.ntexts; i++)
		(void)buf_adds(&b, r.texts[i]);
	reply_clear(&r);
	inbound_clear(&in);
	return buf_steal(&b);
}

/* Stores a tip from (channel, sender) and returns its id. */
static int64_t
make_tip(struct fixture *fx, const char *channel, const char *sender,
    const char *body, time_t now, char ref[TIP_REF_MAX])
{
	struct tip_new	 t;
	struct tip_row	 row;
	int64_t		 id;

	memset(&t, 0, sizeof t);
	t.body = body;
	t.day = "20260528";
	t.area_id = fx->community;
	t.chat_kind = "private";
	t.reporter.channel = channel;
	t.reporter.sender_id = sender;
	t.reporter.sender_name = "居民甲";
	t.reporter.chat_id = sender;
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(tips_create(fx->s, &t, now, ref), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(tips_get(fx->s, ref, &row), STORE_OK);
	id = row.id;
	tip_row_clear(&row);
	return id;
}

/* Moves a tip straight from one state to another (the rules are
 * tested elsewhere). */
static void
move(struct fixture *fx, int64_t tip, enum tip_state from, enum tip_state to,
    time_t now)
{
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(tips_move(fx->s, tip, from, to, tip_state_name(to),
	    "system", NULL, 0, now), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
}

/* 举报人 <申请号> is the reveal; a resident's tip that begins with 举报人
 * stays a tip. */
static void
test_parse(void **state)
{
	const struct handler	*h;
	const char		*args;

	(void)state;
	assert_non_null(h = handler_parse("举报人 12", &args));
	assert_string_equal(h->name, "reporter");
	assert_string_equal(args, "12");
	assert_non_null(h = handler_parse("举报人\xe3\x80\x80" "12", &args));
	assert_string_equal(h->name, "reporter");
	assert_non_null(h = handler_parse("举报人民路一家公司高息揽储", &args));
	assert_string_equal(h->name, "report");
	assert_string_equal(args, "人民路一家公司高息揽储");
	assert_non_null(h = handler_parse("举报人：张三", &args));
	assert_string_equal(h->name, "report");
	assert_non_null(h = handler_parse("查看举报人 JB-1 理由", &args));
	assert_string_equal(h->name, "reveal");
	assert_non_null(h = handler_parse("批准 3", &args));
	assert_string_equal(h->name, "approve");
	assert_non_null(h = handler_parse("拒绝 3", &args));
	assert_string_equal(h->name, "refuse");
}

/* What people type is read as sixteen digits, or not at all. */
static void
test_receipt_parse(void **state)
{
	char	 d[RECEIPT_DIGITS + 1], g[RECEIPT_TEXT_MAX];

	(void)state;
	assert_int_equal(receipt_parse("1234 5678-9012 3456", d), 0);
	assert_string_equal(d, "1234567890123456");
	assert_int_equal(receipt_parse("1234567890123456", d), 0);
	/* Full-width digits and an ideographic space. */
	assert_int_equal(receipt_parse("\xef\xbc\x91" "234\xe3\x80\x80"
	    "567890123456", d), 0);
	assert_string_equal(d, "1234567890123456");
	assert_int_equal(receipt_parse("123456789012345", d), -1);
	assert_string_equal(d, "");
	assert_int_equal(receipt_parse("12345678901234567", d), -1);
	assert_int_equal(receipt_parse("JB-20261121-7KQ3XZ", d), -1);
	assert_int_equal(receipt_parse("1234 5678 9012 345x", d), -1);
	assert_int_equal(receipt_parse("", d), -1);
	receipt_format("1234567890123456", g);
	assert_string_equal(g, "1234 5678 9012 3456");
}

/* A receipt opens its tip's status and conversation from any chat; a
 * wrong one is answered like an unknown one; the digits are not in the
 * database file; guessing is throttled. */
static void
test_receipt_status(void **state)
{
	struct fixture	*fx = *state;
	char		 ref[TIP_REF_MAX], ref2[TIP_REF_MAX];
	char		 digits[RECEIPT_DIGITS + 1], grouped[RECEIPT_TEXT_MAX];
	char		 wrong[RECEIPT_DIGITS + 1], text[96], *a, *b;
	int64_t		 tip, found;
	int		 i;

	tip = make_tip(fx, "web", "browser-1", "有人推销保本高息理财", T0, ref);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	/* Only the tip made at that moment by that sender gets one. */
	assert_int_equal(receipts_issue_new(fx->s, "web", "browser-2", T0,
	    ref2, digits), STORE_NOT_FOUND);
	assert_int_equal(receipts_issue_new(fx->s, "web", "browser-1", T0 + 1,
	    ref2, digits), STORE_NOT_FOUND);
	assert_int_equal(receipts_issue_new(fx->s, "web", "browser-1", T0,
	    ref2, digits), STORE_OK);
	assert_string_equal(ref2, ref);
	assert_int_equal(strlen(digits), RECEIPT_DIGITS);
	/* Shown once: a second receipt is refused. */
	assert_int_equal(receipts_issue_new(fx->s, "web", "browser-1", T0,
	    ref2, wrong), STORE_NOT_FOUND);
	assert_int_equal(receipts_issue(fx->s, tip, T0, wrong),
	    STORE_INVALID);
	assert_int_equal(tips_note(fx->s, tip, "question", "staff:2",
	    "资金是转到哪个账户的？", T0 + 60), STORE_OK);
	assert_int_equal(tips_note(fx->s, tip, "answer", "reporter",
	    "转到了一个个人账户", T0 + 120), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(receipts_find(fx->s, digits, &found), STORE_OK);
	assert_int_equal(found, tip);

	receipt_format(digits, grouped);
	(void)snprintf(text, sizeof text, "进度 %s", grouped);
	a = say(fx, "someone-else", text, NULL, T0 + 200);
	assert_non_null(strstr(a, ref));
	assert_non_null(strstr(a, "问：资金是转到哪个账户的？"));
	assert_non_null(strstr(a, "答：转到了一个个人账户"));
	assert_null(strstr(a, "staff"));
	assert_null(strstr(a, "李明"));
	free(a);

	/* One digit off, and a receipt nobody was given: the same answer. */
	(void)snprintf(wrong, sizeof wrong, "%s", digits);
	wrong[15] = wrong[15] == '9' ? '0' : (char)(wrong[15] + 1);
	(void)snprintf(text, sizeof text, "进度 %s", wrong);
	a = say(fx, "guesser-0", text, NULL, T0 + 200);
	assert_non_null(strstr(a, "没有找到与该回执号对应的线索"));
	assert_null(strstr(a, ref));
	b = say(fx, "guesser-1", "进度 0000-0000-0000-0001", NULL, T0 + 200);
	assert_string_equal(a, b);
	free(a);
	free(b);

	/* Neither the digits nor their grouping are in the file. */
	assert_false(db_holds(fx->dir, digits));
	assert_false(db_holds(fx->dir, grouped));
	assert_int_equal(sql_long(fx->dir, "SELECT length(hash) FROM receipts"),
	    32);

	/* Ten tries an hour; then one polite answer, then silence, even
	 * for the right receipt. */
	for (i = 0; i < 10; i++) {
		a = say(fx, "guesser-2", text, NULL, T0 + 300 + i);
		assert_non_null(strstr(a, "没有找到与该回执号对应的线索"));
		free(a);
	}
	(void)snprintf(text, sizeof text, "进度 %s", digits);
	a = say(fx, "guesser-2", text, NULL, T0 + 400);
	assert_non_null(strstr(a, "回执号查询过于频繁"));
	assert_null(strstr(a, ref));
	free(a);
	a = say(fx, "guesser-2", text, NULL, T0 + 401);
	assert_string_equal(a, "");
	free(a);
	/* An hour on, the right receipt opens the tip again. */
	a = say(fx, "guesser-2", text, NULL, T0 + 400 + 3600);
	assert_non_null(strstr(a, ref));
	free(a);
}

/* The rules: contactable, not known before, confirmed; anonymous tips
 * are marked not eligible; each change an event and an audit entry. */
static void
test_rewards(void **state)
{
	struct fixture		*fx = *state;
	struct reward_total	 tot[8];
	struct reward_row	 rows[8];
	enum reward_verdict	 v;
	char			 r1[TIP_REF_MAX], r2[TIP_REF_MAX];
	char			 r3[TIP_REF_MAX], r4[TIP_REF_MAX], sql[256];
	int64_t			 t1, t2, t3, t4;
	int			 more;
	size_t			 n;

	t1 = make_tip(fx, "tg", "res-1", "鑫源财富 高息揽储", T0, r1);
	t2 = make_tip(fx, "tg", "res-1", "鑫源财富 又来了", T0 + 10, r2);
	t3 = make_tip(fx, "web", "res-3", "匿名：有人拉人头", T0 + 20, r3);
	t4 = make_tip(fx, "tg", "res-4", "某公司返利", T0 + 30, r4);
	(void)snprintf(sql, sizeof sql, "UPDATE tips SET enterprise_id = (SELECT"
	    " min(id) FROM enterprises) WHERE id IN (%lld, %lld);"
	    "UPDATE tips SET anonymous = 1 WHERE id = %lld;"
	    "UPDATE tips SET reporter_id = NULL WHERE id = %lld;",
	    (long long)t1, (long long)t2, (long long)t3, (long long)t4);
	sql_exec(fx->dir, sql);

	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(rewards_set(fx->s, t1, 1, NULL, "cli", T0 + 100, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_NOT_CONFIRMED);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM rewards"), 0);

	move(fx, t1, TIP_RECEIVED, TIP_CONFIRMED, T0 + 200);
	move(fx, t2, TIP_RECEIVED, TIP_CONFIRMED, T0 + 200);
	move(fx, t3, TIP_RECEIVED, TIP_CONFIRMED, T0 + 200);
	move(fx, t4, TIP_RECEIVED, TIP_CONFIRMED, T0 + 200);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(rewards_set(fx->s, t1, 1, "首次举报", "cli", T0 + 300,
	    &v), STORE_OK);
	assert_int_equal(v, REWARD_OK);
	/* The same reporter about the same enterprise: known already. */
	assert_int_equal(rewards_set(fx->s, t2, 1, NULL, "cli", T0 + 300, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_KNOWN);
	assert_int_equal(rewards_set(fx->s, t3, 1, NULL, "cli", T0 + 300, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_ANONYMOUS);
	assert_int_equal(rewards_set(fx->s, t4, 1, NULL, "cli", T0 + 300, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_NO_CONTACT);
	/* Not eligible may always be recorded, with a reason. */
	assert_int_equal(rewards_set(fx->s, t2, 0, "重复举报", "cli", T0 + 300,
	    &v), STORE_OK);
	assert_int_equal(v, REWARD_OK);
	/* Stages: 2 only in disposal; then payment, then nothing more. */
	assert_int_equal(rewards_stage(fx->s, t1, 2, 500, "cli", T0 + 400, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_NOT_DISPOSED);
	assert_int_equal(rewards_stage(fx->s, t2, 1, 500, "cli", T0 + 400, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_NOT_ELIGIBLE);
	assert_int_equal(rewards_paid(fx->s, t1, "cli", T0 + 400, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_NOTHING);
	assert_int_equal(rewards_stage(fx->s, t1, 1, 300, "cli", T0 + 400, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	move(fx, t1, TIP_CONFIRMED, TIP_DISPOSING, T0 + 500);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(rewards_stage(fx->s, t1, 2, 700, "cli", T0 + 600, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_OK);
	assert_int_equal(rewards_paid(fx->s, t1, "cli", T0 + 700, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_OK);
	assert_int_equal(rewards_paid(fx->s, t1, "cli", T0 + 800, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_PAID);
	assert_int_equal(rewards_set(fx->s, t1, 0, NULL, "cli", T0 + 800, &v),
	    STORE_OK);
	assert_int_equal(v, REWARD_PAID);
	assert_int_equal(store_commit(fx->s), STORE_OK);

	(void)snprintf(sql, sizeof sql, "SELECT eligible || ':' || reason FROM "
	    "rewards WHERE tip_id = %lld", (long long)t3);
	expect_sql(fx->dir, sql, "0:anonymous");
	/* t1: set, stage 1, stage 2, paid; t2: no; t3: marked. */
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tip_events WHERE "
	    "kind = 'reward' AND tip_id = %lld", (long long)t1);
	assert_int_equal(sql_long(fx->dir, sql), 4);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM tip_events "
	    "WHERE kind = 'reward'"), 6);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'reward'"), 6);

	assert_int_equal(rewards_list(fx->s, 2026, 0, 8 * 3600, 0, rows, 8,
	    &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].stage1_yuan, 300);
	assert_int_equal(rows[0].stage2_yuan, 700);
	assert_true(rows[0].paid_at != 0);
	assert_int_equal(rows[1].stage1_yuan, -1);
	assert_int_equal(rewards_stats(fx->s, 2026, fx->community, 8 * 3600,
	    tot, 8, &n, &more), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(more, 0);
	assert_int_equal(tot[0].year, 2026);
	assert_int_equal(tot[0].tips, 3);
	assert_int_equal(tot[0].eligible, 1);
	assert_int_equal(tot[0].paid, 1);
	assert_int_equal(tot[0].yuan, 1000);
	assert_int_equal(tot[0].yuan_paid, 1000);
	/* A table too small for the rows says so. */
	assert_int_equal(rewards_stats(fx->s, 2026, fx->community, 8 * 3600,
	    tot, 0, &n, &more), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(more, 1);
	assert_int_equal(rewards_stats(fx->s, 2025, 0, 8 * 3600, tot, 8, &n,
	    &more), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(more, 0);
}

/* The two-person reveal through chat commands. */
static void
test_reveal(void **state)
{
	struct fixture	*fx = *state;
	char		 ref[TIP_REF_MAX], text[128], sql[256], *a;
	int64_t		 tip;

	tip = make_tip(fx, "tg", "resident-77", "有人推销原始股", T0, ref);

	/* A grid worker asking is refused, and that is audited. */
	(void)snprintf(text, sizeof text, "查看举报人 %s 想知道是谁", ref);
	a = say(fx, "u-worker", text, NULL, T0 + 10);
	assert_non_null(strstr(a, "无权查看举报人"));
	free(a);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE "
	    "actor = 'staff:%lld' AND action = 'reveal refused'",
	    (long long)fx->worker);
	assert_int_equal(sql_long(fx->dir, sql), 1);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM reveals"), 0);
	a = say(fx, "u-worker", "举报人 1", NULL, T0 + 11);
	assert_non_null(strstr(a, "无权查看举报人"));
	free(a);
	assert_int_equal(sql_long(fx->dir, sql), 2);

	/* An officer asks: a numbered request, an event, an audit entry. */
	(void)snprintf(text, sizeof text, "查看举报人 %s", ref);
	a = say(fx, "u-a", text, NULL, T0 + 20);
	assert_non_null(strstr(a, "请写明编号和理由"));
	free(a);
	(void)snprintf(text, sizeof text, "查看举报人 %s 需当面核实受骗金额", ref);
	a = say(fx, "u-a", text, NULL, T0 + 21);
	assert_non_null(strstr(a, "申请号 1"));
	free(a);
	(void)snprintf(sql, sizeof sql, "SELECT note FROM tip_events WHERE "
	    "tip_id = %lld AND kind = 'reveal_requested'", (long long)tip);
	expect_sql(fx->dir, sql, "需当面核实受骗金额");

	/* Not before approval. */
	a = say(fx, "u-a", "举报人 1", NULL, T0 + 30);
	assert_non_null(strstr(a, "不能查看"));
	assert_null(strstr(a, "resident-77"));
	free(a);
	/* Not by someone who is no custodian. */
	a = say(fx, "u-b", "批准 1", NULL, T0 + 31);
	assert_non_null(strstr(a, "只有保管人"));
	free(a);
	/* Not by the requester, custodian or not. */
	assert_int_equal(staff_set_custodian(fx->s, fx->office_a, 1), STORE_OK);
	a = say(fx, "u-a", "批准 1", NULL, T0 + 32);
	assert_non_null(strstr(a, "不能处理自己提出的申请"));
	free(a);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM reveals WHERE "
	    "decision IS NOT NULL"), 0);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'reveal decision refused'"), 2);

	/* Another custodian approves; the requester is told. */
	assert_int_equal(staff_set_custodian(fx->s, fx->office_b, 1), STORE_OK);
	a = say(fx, "u-b", "批准 1", NULL, T0 + 40);
	assert_non_null(strstr(a, "已批准申请 1"));
	free(a);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'u-a' AND o.body "
	    "LIKE '%举报人 1%'"), 1);
	a = say(fx, "u-b", "拒绝 1", NULL, T0 + 41);	/* decided already */
	assert_non_null(strstr(a, "没有待处理的申请 1"));
	free(a);

	/* Never in a group, where everyone would read it; nothing spent. */
	a = say_group(fx, "u-a", "举报人 1", T0 + 44);
	assert_non_null(strstr(a, "群聊"));
	assert_null(strstr(a, "resident-77"));
	free(a);
	a = say_group(fx, "u-b", "批准 1", T0 + 44);
	assert_null(strstr(a, "已批准"));
	free(a);

	/* Not where answers go through the outbox, which keeps them: and
	 * the request is not spent by asking there. */
	{
		static const struct channel_backend queued = {
			.type = "queued", .reply_outbox = 1,
		};

		fx->ch.backend = &queued;
		a = say(fx, "u-a", "举报人 1", NULL, T0 + 45);
		fx->ch.backend = NULL;
		assert_non_null(strstr(a, "为保护举报人"));
		assert_null(strstr(a, "resident-77"));
		free(a);
		assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM "
		    "reveals WHERE shown_at IS NOT NULL"), 0);
	}

	/* Shown once, to the requester only. */
	a = say(fx, "u-b", "举报人 1", NULL, T0 + 50);
	assert_non_null(strstr(a, "不能查看"));
	free(a);
	a = say(fx, "u-a", "举报人 1", "show-1", T0 + 51);
	assert_non_null(strstr(a, "resident-77"));
	assert_non_null(strstr(a, "居民甲"));
	free(a);
	/* A platform's retry gets no second copy; none is kept. */
	a = say(fx, "u-a", "举报人 1", "show-1", T0 + 52);
	assert_string_equal(a, "");
	free(a);
	{
		struct inbound_key	 k = { "tg", "", "", "show-1" };
		char			*kept = NULL;

		assert_int_equal(inbound_seen_get(fx->s, &k, &kept), STORE_OK);
		assert_string_equal(kept, "");
		free(kept);
	}
	a = say(fx, "u-a", "举报人 1", NULL, T0 + 53);
	assert_non_null(strstr(a, "不能查看"));
	assert_null(strstr(a, "resident-77"));
	free(a);
	(void)snprintf(sql, sizeof sql, "SELECT kind FROM tip_events WHERE"
	    " tip_id = %lld AND kind LIKE 'reveal%%' ORDER BY id",
	    (long long)tip);
	a = teststore_rows(sql, ',');
	assert_string_equal(a, "reveal_requested,reveal_approved,revealed");
	free(a);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM audit_log "
	    "WHERE action IN ('reveal requested', 'reveal approved', "
	    "'reveal shown')"), 3);
	assert_false(db_holds(fx->dir, "resident-77"));

	/* A refusal: the request can never be shown. */
	(void)snprintf(text, sizeof text, "查看举报人 %s 再次核实", ref);
	a = say(fx, "u-a", text, NULL, T0 + 60);
	assert_non_null(strstr(a, "申请号 2"));
	free(a);
	/* The custodians are told, with the reason; not the requester. */
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'u-b' AND o.body "
	    "LIKE '%申请号 2%再次核实%批准 2%'"), 1);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'u-a' AND o.body "
	    "LIKE '%申请号 2%'"), 0);
	a = say(fx, "u-b", "拒绝 2", NULL, T0 + 61);
	assert_non_null(strstr(a, "已拒绝申请 2"));
	free(a);
	a = say(fx, "u-a", "举报人 2", NULL, T0 + 62);
	assert_non_null(strstr(a, "不能查看"));
	free(a);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tip_events WHERE "
	    "tip_id = %lld AND kind = 'reveal_refused'", (long long)tip);
	assert_int_equal(sql_long(fx->dir, sql), 1);
}

/* Closed tips past the keeping period lose their reporter; a reporter
 * another tip still needs is kept. */
static void
test_forget(void **state)
{
	struct fixture	*fx = *state;
	char		 r1[TIP_REF_MAX], r2[TIP_REF_MAX], r3[TIP_REF_MAX];
	char		 sql[256];
	int64_t		 t1, t2, t3, rep;
	long		 n;

	t1 = make_tip(fx, "tg", "old-1", "很久以前的线索", T0, r1);
	t2 = make_tip(fx, "tg", "old-2", "另一条旧线索", T0, r2);
	t3 = make_tip(fx, "tg", "old-2", "同一人的新线索", T0 + 100, r3);
	move(fx, t1, TIP_RECEIVED, TIP_CLOSED, T0 + 1000);
	move(fx, t2, TIP_RECEIVED, TIP_CLOSED, T0 + 1000);
	(void)t3;
	assert_int_equal(tips_reporter(fx->s, r1, &rep), STORE_OK);
	assert_true(rep != 0);

	/* 0: never; within the period: nothing. */
	assert_int_equal(tips_forget(fx->s, 0, T0 + 1000 + 400 * 86400, &n),
	    STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(tips_forget(fx->s, 30, T0 + 1000 + 29 * 86400, &n),
	    STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(tips_forget(fx->s, 30, T0 + 1000 + 31 * 86400, &n),
	    STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(tips_reporter(fx->s, r1, &rep), STORE_OK);
	assert_int_equal(rep, 0);
	assert_int_equal(tips_reporter(fx->s, r2, &rep), STORE_OK);
	assert_int_equal(rep, 0);
	/* old-1's row is gone; old-2's stays for the open tip. */
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM reporters"), 1);
	assert_int_equal(tips_reporter(fx->s, r3, &rep), STORE_OK);
	assert_true(rep != 0);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tip_events WHERE "
	    "kind = 'forgotten' AND tip_id IN (%lld, %lld)", (long long)t1,
	    (long long)t2);
	assert_int_equal(sql_long(fx->dir, sql), 2);
	/* Done once. */
	assert_int_equal(tips_forget(fx->s, 30, T0 + 1000 + 60 * 86400, &n),
	    STORE_OK);
	assert_int_equal(n, 0);

	/* A message still on its way to the reporter: the tip waits for it,
	 * then forgets, and the sent row goes with the seal. */
	t1 = make_tip(fx, "tg", "old-3", "还有一条", T0, r1);
	move(fx, t1, TIP_RECEIVED, TIP_CLOSED, T0 + 1000);
	assert_int_equal(tips_reporter(fx->s, r1, &rep), STORE_OK);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(outbox_queue_reporter(fx->s, rep, "tg", "已办结",
	    "closed:old-3", T0 + 1000), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(tips_forget(fx->s, 30, T0 + 1000 + 60 * 86400, &n),
	    STORE_OK);
	assert_int_equal(n, 0);
	sql_exec(fx->dir, "UPDATE outbox SET state = 'sent'");
	assert_int_equal(tips_forget(fx->s, 30, T0 + 1000 + 60 * 86400, &n),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM outbox WHERE "
	    "reporter_id IS NOT NULL"), 0);
	assert_int_equal(sql_long(fx->dir, "SELECT count(*) FROM reporters"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_receipt_parse),
		cmocka_unit_test_setup_teardown(test_receipt_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rewards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reveal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

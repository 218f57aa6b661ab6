/*
 * Unit tests of the phone store (storage/phones.c) and of SMS broadcasts
 * through the outbox (storage/outbox.c): registration and moves, opt-outs,
 * counts, the fan-out to numbers, delivery report tokens and states, on a
 * real SQLite file whose bytes are searched for numbers in clear.
 */
#include "teststore.h"

#include "storage/areas.h"
#include "storage/outbox.h"
#include "storage/phones.h"

static const uint8_t key[STORE_KEY_LEN] = { 7, 1, 3 };

/* Numbers of the fixture; "in"/"out": in or out of 华光路社区's subtree. */
#define NUM_B12		"+8613800000001"	/* 12号楼, in */
#define NUM_B13		"+8613800000002"	/* 13号楼, in */
#define NUM_GRID4	"+8613800000003"	/* 第4网格/1号楼, in */
#define NUM_GQT		"+8613800000004"	/* 共青团路社区, out */
#define NUM_KY		"+8613800000005"	/* 科苑街道, out */
#define NUM_B12_OUT	"+8613800000006"	/* 12号楼, opted out */
#define NUM_STRANGER	"+8613800000007"	/* opted out, no area */

struct fixture {
	char		*dir;
	struct store	*s;
	int64_t		 street, community, b12, b13, grid4, gqt, ky;
};

/* A database with the demo areas. */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);

	assert_non_null(fx);
	fx->s = teststore_open(key, &fx->dir);
	assert_int_equal(areas_find(fx->s, "车站街道", &fx->street), STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区", &fx->community),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格/12号楼",
	    &fx->b12), STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格/13号楼",
	    &fx->b13), STORE_OK);
	assert_int_equal(areas_find(fx->s, "第4网格/1号楼", &fx->grid4),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "共青团路社区/第1网格/5号楼",
	    &fx->gqt), STORE_OK);
	assert_int_equal(areas_find(fx->s, "柳泉社区/第1网格/2号楼", &fx->ky),
	    STORE_OK);
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

/* phones_put in a transaction of its own; returns what it did. */
static enum phone_put
put(struct fixture *fx, const char *e164, int64_t area, const char *name)
{
	enum phone_put	 what = PHONE_SAME;

	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(phones_put(fx->s, e164, area, name, 1000, &what),
	    STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	return what;
}

/* phones_set_opt_out in a transaction of its own; returns *changed. */
static int
opt(struct fixture *fx, const char *e164, int out)
{
	int	 changed = -1;

	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(phones_set_opt_out(fx->s, e164, out, 1100, &changed),
	    STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	return changed;
}

/* Whether e164 opted out. */
static int
opted_out(struct fixture *fx, const char *e164)
{
	int	 out = -1;

	assert_int_equal(phones_opted_out(fx->s, e164, &out), STORE_OK);
	return out;
}

/* The fixture's lists: three numbers under 华光路社区, one opted out
 * there, two elsewhere and a stranger who only ever opted out. */
static void
fill(struct fixture *fx)
{
	assert_int_equal(put(fx, NUM_B12, fx->b12, "张三"), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_B13, fx->b13, NULL), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_GRID4, fx->grid4, ""), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_GQT, fx->gqt, NULL), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_KY, fx->ky, NULL), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_B12_OUT, fx->b12, NULL), PHONE_ADDED);
	assert_int_equal(opt(fx, NUM_B12_OUT, 1), 1);
	assert_int_equal(opt(fx, NUM_STRANGER, 1), 1);
}

/* A number is added once, moved when its area changes, and a new name in
 * the same place is no move; its opt-out survives a move. */
static void
test_put(void **state)
{
	struct fixture		*fx = *state;
	struct phone_counts	 c;

	assert_int_equal(put(fx, NUM_B12, fx->b12, "张三"), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_B12, fx->b12, NULL), PHONE_SAME);
	assert_int_equal(put(fx, NUM_B12, fx->b12, "张三丰"), PHONE_SAME);
	assert_int_equal(put(fx, NUM_B12, fx->b13, NULL), PHONE_MOVED);
	assert_int_equal(put(fx, NUM_B12, fx->b13, ""), PHONE_SAME);
	assert_int_equal(phones_count(fx->s, fx->b12, &c), STORE_OK);
	assert_int_equal(c.numbers, 0);
	assert_int_equal(phones_count(fx->s, fx->b13, &c), STORE_OK);
	assert_int_equal(c.numbers, 1);

	assert_int_equal(opt(fx, NUM_B12, 1), 1);
	assert_int_equal(put(fx, NUM_B12, fx->b12, NULL), PHONE_MOVED);
	assert_int_equal(opted_out(fx, NUM_B12), 1);
}

/* Neither the database file nor its WAL holds a number or a name in
 * clear, in any of the forms a number is written in, after numbers were
 * registered, opted out and broadcast to. */
static void
test_sealed_on_disk(void **state)
{
	static const char *const needles[] = {
		"13800000001", "8613800000001", "13800000006", "13800000007",
		"张三", NULL
	};
	struct fixture		*fx = *state;
	struct broadcast_new	 b;
	struct broadcast_reach	 r;
	char			 db[512], wal[512], *cause = NULL;
	const char *const	*n;
	int64_t			 bid;

	fill(fx);
	memset(&b, 0, sizeof b);
	b.area = fx->community;
	b.kinds = "sms";
	b.text = "注意防范";
	b.by = "cli";
	b.sms_channel = "sms";
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(broadcasts_create(fx->s, &b, 2000, &bid, &r),
	    STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(r.numbers, 3);

	if (teststore_pg()) {
		/* No row of any table holds them; the search itself works. */
		assert_int_equal(teststore_holds("注意防范"), 1);
		for (n = needles; *n != NULL; n++)
			assert_int_equal(teststore_holds(*n), 0);
		assert_int_equal(opted_out(fx, NUM_B12_OUT), 1);
		return;
	}
	(void)snprintf(db, sizeof db, "%s/t.db", fx->dir);
	(void)snprintf(wal, sizeof wal, "%s/t.db-wal", fx->dir);
	/* The search itself works: the text broadcast is there. */
	assert_int_equal(testutil_file_holds(db, "注意防范") == 1 ||
	    testutil_file_holds(wal, "注意防范") == 1, 1);
	for (n = needles; *n != NULL; n++) {
		assert_int_equal(testutil_file_holds(db, *n), 0);
		assert_int_not_equal(testutil_file_holds(wal, *n), 1);
	}
	/* And after a checkpoint moved the WAL into the file. */
	store_close(fx->s);
	fx->s = store_open(db, key, STORE_MIGRATE, &cause);
	assert_non_null(fx->s);
	for (n = needles; *n != NULL; n++) {
		assert_int_equal(testutil_file_holds(db, *n), 0);
		assert_int_not_equal(testutil_file_holds(wal, *n), 1);
	}
	assert_int_equal(opted_out(fx, NUM_B12_OUT), 1);
}

/* Opting out a known number and one never seen, and back in. */
static void
test_opt_out(void **state)
{
	struct fixture		*fx = *state;
	struct phone_counts	 c;

	assert_int_equal(put(fx, NUM_B12, fx->b12, NULL), PHONE_ADDED);
	assert_int_equal(opted_out(fx, NUM_B12), 0);
	assert_int_equal(opt(fx, NUM_B12, 1), 1);
	assert_int_equal(opt(fx, NUM_B12, 1), 0);	/* already */
	assert_int_equal(opted_out(fx, NUM_B12), 1);
	assert_int_equal(phones_count(fx->s, fx->b12, &c), STORE_OK);
	assert_int_equal(c.numbers, 1);
	assert_int_equal(c.opted_out, 1);

	/* A number never seen is recorded, with no area, to keep its
	 * choice; a later registration keeps it too. */
	assert_int_equal(opted_out(fx, NUM_STRANGER), 0);
	assert_int_equal(opt(fx, NUM_STRANGER, 0), 0);	/* in: nothing */
	assert_int_equal(opt(fx, NUM_STRANGER, 1), 1);
	assert_int_equal(opted_out(fx, NUM_STRANGER), 1);
	assert_int_equal(phones_count(fx->s, fx->b13, &c), STORE_OK);
	assert_int_equal(c.numbers, 0);
	assert_int_equal(put(fx, NUM_STRANGER, fx->b13, NULL), PHONE_MOVED);
	assert_int_equal(opted_out(fx, NUM_STRANGER), 1);

	/* Back in. */
	assert_int_equal(opt(fx, NUM_B12, 0), 1);
	assert_int_equal(opt(fx, NUM_B12, 0), 0);
	assert_int_equal(opted_out(fx, NUM_B12), 0);
	assert_int_equal(phones_count(fx->s, fx->b12, &c), STORE_OK);
	assert_int_equal(c.opted_out, 0);
}

/* Counts cover an area's subtree, opted-out numbers apart. */
static void
test_count(void **state)
{
	struct fixture		*fx = *state;
	struct phone_counts	 c;

	fill(fx);
	assert_int_equal(phones_count(fx->s, fx->b12, &c), STORE_OK);
	assert_int_equal(c.numbers, 2);
	assert_int_equal(c.opted_out, 1);
	assert_int_equal(phones_count(fx->s, fx->community, &c), STORE_OK);
	assert_int_equal(c.numbers, 4);
	assert_int_equal(c.opted_out, 1);
	assert_int_equal(phones_count(fx->s, fx->street, &c), STORE_OK);
	assert_int_equal(c.numbers, 5);		/* not 科苑街道's */
	assert_int_equal(phones_count(fx->s, fx->ky, &c), STORE_OK);
	assert_int_equal(c.numbers, 1);
	assert_int_equal(c.opted_out, 0);
}

/* Creates a broadcast to 华光路社区 of kinds with channel sms_channel. */
static int64_t
broadcast(struct fixture *fx, const char *kinds, const char *sms_channel,
    struct broadcast_reach *preview, struct broadcast_reach *r)
{
	struct broadcast_new	 b;
	int64_t			 bid = 0;

	memset(&b, 0, sizeof b);
	b.area = fx->community;
	b.kinds = kinds;
	b.text = "**注意** 防范非法集资";
	b.sms_text = "注意 防范非法集资";
	b.by = "cli";
	b.sms_channel = sms_channel;
	assert_int_equal(broadcasts_preview(fx->s, &b, preview), STORE_OK);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(broadcasts_create(fx->s, &b, 2000, &bid, r),
	    STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	return bid;
}

/* Reads every due row; returns how many went to numbers, with their ids
 * in ids (n at most). */
static size_t
due_numbers(struct fixture *fx, struct outbox_row *rows, size_t n,
    size_t *groups)
{
	size_t	 count, i, k = 0;

	assert_int_equal(outbox_due(fx->s, 2000, rows, n, &count), STORE_OK);
	*groups = 0;
	for (i = 0; i < count; i++) {
		if (rows[i].phone_id == 0) {
			(*groups)++;
			outbox_row_clear(&rows[i]);
			continue;
		}
		if (k != i) {
			rows[k] = rows[i];
			memset(&rows[i], 0, sizeof rows[i]);
		}
		k++;
	}
	return k;
}

/* An SMS broadcast reaches each number of the subtree once, not the
 * opted-out ones nor those of other areas; groups as before. */
static void
test_broadcast_sms(void **state)
{
	struct fixture		*fx = *state;
	struct broadcast_reach	 pre, r;
	struct outbox_row	 rows[16];
	const char		*want[] = { NUM_B12, NUM_B13, NUM_GRID4 };
	int			 seen[3] = { 0, 0, 0 };
	size_t			 n, groups, i, k;
	int64_t			 g;

	fill(fx);
	assert_int_equal(groups_add_robot(fx->s, "wecom", "b12", fx->b12,
	    "building", "http://127.0.0.1:1/a", NULL, 1, &g), STORE_OK);
	assert_int_equal(groups_add_robot(fx->s, "wecom", "gqt", fx->gqt,
	    "building", "http://127.0.0.1:1/b", NULL, 1, &g), STORE_OK);

	(void)broadcast(fx, "building,community,sms", "sms", &pre, &r);
	assert_int_equal(r.groups, 1);
	assert_int_equal(r.numbers, 3);
	assert_int_equal(pre.groups, r.groups);
	assert_int_equal(pre.numbers, r.numbers);

	n = due_numbers(fx, rows, 16, &groups);
	assert_int_equal(groups, 1);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_non_null(rows[i].chat_id);
		assert_non_null(rows[i].channel);
		assert_string_equal(rows[i].channel, "sms");
		assert_string_equal(rows[i].body, "注意 防范非法集资");
		assert_int_equal(rows[i].opted_out, 0);
		for (k = 0; k < 3; k++)
			if (strcmp(rows[i].chat_id, want[k]) == 0)
				seen[k]++;
		outbox_row_clear(&rows[i]);
	}
	for (k = 0; k < 3; k++)
		assert_int_equal(seen[k], 1);
}

/* Without an SMS channel, "sms" reaches nobody: no row to a number is
 * written, and the preview says so too. */
static void
test_broadcast_no_channel(void **state)
{
	struct fixture		*fx = *state;
	struct broadcast_reach	 pre, r;
	struct outbox_row	 rows[16];
	size_t			 n, groups;
	int64_t			 g;

	fill(fx);
	assert_int_equal(groups_add_robot(fx->s, "wecom", "b12", fx->b12,
	    "building", "http://127.0.0.1:1/a", NULL, 1, &g), STORE_OK);
	(void)broadcast(fx, "building,community,sms", NULL, &pre, &r);
	assert_int_equal(r.groups, 1);
	assert_int_equal(r.numbers, 0);
	assert_int_equal(pre.numbers, 0);
	assert_int_equal(pre.groups, 1);
	n = due_numbers(fx, rows, 16, &groups);
	assert_int_equal(n, 0);
	assert_int_equal(groups, 1);

	/* Nor does a broadcast without "sms" in its kinds. */
	(void)broadcast(fx, "building", "sms", &pre, &r);
	assert_int_equal(r.numbers, 0);
	assert_int_equal(pre.numbers, 0);
}

/* A row to a number carries the number opened from its seal, and says
 * when the number opted out after the row was queued. */
static void
test_due_opted_out(void **state)
{
	struct fixture		*fx = *state;
	struct broadcast_reach	 pre, r;
	struct outbox_row	 rows[16];
	size_t			 n, groups, i;
	int64_t			 b12_row = 0;

	assert_int_equal(put(fx, NUM_B12, fx->b12, NULL), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_B13, fx->b13, NULL), PHONE_ADDED);
	(void)broadcast(fx, "sms", "sms", &pre, &r);
	assert_int_equal(r.numbers, 2);
	assert_int_equal(opt(fx, NUM_B12, 1), 1);

	n = due_numbers(fx, rows, 16, &groups);
	assert_int_equal(n, 2);
	assert_int_equal(groups, 0);
	for (i = 0; i < n; i++) {
		assert_int_not_equal(rows[i].phone_id, 0);
		assert_int_equal(rows[i].group_id, 0);
		if (strcmp(rows[i].chat_id, NUM_B12) == 0) {
			b12_row = rows[i].id;
			assert_int_equal(rows[i].opted_out, 1);
		} else {
			assert_string_equal(rows[i].chat_id, NUM_B13);
			assert_int_equal(rows[i].opted_out, 0);
		}
		outbox_row_clear(&rows[i]);
	}
	assert_int_not_equal(b12_row, 0);
}

/* A report token names its row; a changed digit, or one row's MAC on
 * another row's id, is refused. */
static void
test_report_token(void **state)
{
	struct fixture	*fx = *state;
	char		 t1[OUTBOX_REPORT_TOKEN_MAX], t2[OUTBOX_REPORT_TOKEN_MAX];
	char		 forged[OUTBOX_REPORT_TOKEN_MAX], *dot;
	size_t		 i;

	assert_int_equal(outbox_report_token(fx->s, 41, t1), 0);
	assert_int_equal(outbox_report_token(fx->s, 42, t2), 0);
	assert_int_equal(strncmp(t1, "41.", 3), 0);
	assert_int_equal(outbox_report_id(fx->s, t1), 41);
	assert_int_equal(outbox_report_id(fx->s, t2), 42);
	assert_string_not_equal(strchr(t1, '.'), strchr(t2, '.'));

	/* Every digit of the MAC matters. */
	dot = strchr(t1, '.');
	for (i = 1; dot[i] != '\0'; i++) {
		(void)snprintf(forged, sizeof forged, "%s", t1);
		forged[dot - t1 + i] = forged[dot - t1 + i] == '0' ? '1' : '0';
		assert_int_equal(outbox_report_id(fx->s, forged), -1);
	}
	/* Row 41's MAC on row 42's id. */
	(void)snprintf(forged, sizeof forged, "42%s", dot);
	assert_int_equal(outbox_report_id(fx->s, forged), -1);
	/* Malformed. */
	assert_int_equal(outbox_report_id(fx->s, ""), -1);
	assert_int_equal(outbox_report_id(fx->s, "41"), -1);
	assert_int_equal(outbox_report_id(fx->s, "041.x"), -1);
	/* A digit too many (the token is far shorter than its buffer). */
	assert_true(strlen(t1) + 2 <= sizeof forged);
	memcpy(forged, t1, strlen(t1));
	memcpy(forged + strlen(t1), "a", 2);
	assert_int_equal(outbox_report_id(fx->s, forged), -1);
	assert_int_equal(outbox_report_id(fx->s, NULL), -1);
}

/* The state of outbox row id of broadcast bid. */
static void
row_state(struct fixture *fx, int64_t bid, int64_t id, char *out, size_t size)
{
	struct outbox_group_state	 g[16];
	size_t				 n, i;

	assert_int_equal(broadcasts_groups(fx->s, bid, 0, g, 16, &n),
	    STORE_OK);
	for (i = 0; i < n; i++)
		if (g[i].row == id) {
			assert_int_equal(g[i].sms, 1);
			/* Listed masked. */
			assert_non_null(strstr(g[i].name, "****"));
			(void)snprintf(out, size, "%s", g[i].state);
			return;
		}
	fail_msg("row %lld not listed", (long long)id);
}

/* Reports move sent rows to delivered or failed, once; a report that
 * comes before the send's answer sticks; counts keep SMS the gateway
 * took (accepted) apart from delivered ones. */
static void
test_report(void **state)
{
	struct fixture		*fx = *state;
	struct broadcast_reach	 pre, r;
	struct broadcast_counts	 c;
	struct outbox_row	 rows[16];
	char			 st[16];
	int64_t			 bid, ids[3], g;
	int			 won[3];
	size_t			 n, groups, i;

	assert_int_equal(put(fx, NUM_B12, fx->b12, NULL), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_B13, fx->b13, NULL), PHONE_ADDED);
	assert_int_equal(put(fx, NUM_GRID4, fx->grid4, NULL), PHONE_ADDED);
	assert_int_equal(groups_add_robot(fx->s, "wecom", "b12", fx->b12,
	    "building", "http://127.0.0.1:1/a", NULL, 1, &g), STORE_OK);
	bid = broadcast(fx, "building,sms", "sms", &pre, &r);
	assert_int_equal(r.numbers, 3);
	n = due_numbers(fx, rows, 16, &groups);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		ids[i] = rows[i].id;
		outbox_row_clear(&rows[i]);
	}
	assert_int_equal(outbox_claim(fx->s, ids, 3, 2000, 2100, won), STORE_OK);
	assert_true(won[0] && won[1] && won[2]);

	/* Row 0: sent, then delivered; a second report changes nothing. */
	assert_int_equal(outbox_finish(fx->s, ids[0], "sent", 0, NULL, 2001),
	    STORE_OK);
	row_state(fx, bid, ids[0], st, sizeof st);
	assert_string_equal(st, "sent");
	/* Row 1: sent, not reported yet. */
	assert_int_equal(outbox_finish(fx->s, ids[1], "sent", 0, NULL, 2001),
	    STORE_OK);
	assert_int_equal(broadcasts_counts(fx->s, bid, &c), STORE_OK);
	assert_int_equal(c.accepted, 2);
	assert_int_equal(c.sent, 0);
	assert_int_equal(c.sending, 1);
	assert_int_equal(c.pending, 1);		/* the group */

	assert_int_equal(outbox_report(fx->s, ids[0], "delivered", NULL,
	    "ref-1", 2002), STORE_OK);
	row_state(fx, bid, ids[0], st, sizeof st);
	assert_string_equal(st, "delivered");
	assert_int_equal(outbox_report(fx->s, ids[0], "failed", "late",
	    "ref-1", 2003), STORE_OK);
	row_state(fx, bid, ids[0], st, sizeof st);
	assert_string_equal(st, "delivered");

	/* Row 2: reported while 'sending'; the send's answer comes later
	 * and does not undo it. */
	assert_int_equal(outbox_report(fx->s, ids[2], "delivered", NULL, NULL,
	    2002), STORE_OK);
	row_state(fx, bid, ids[2], st, sizeof st);
	assert_string_equal(st, "delivered");
	assert_int_equal(outbox_finish(fx->s, ids[2], "sent", 0, NULL, 2004),
	    STORE_OK);
	row_state(fx, bid, ids[2], st, sizeof st);
	assert_string_equal(st, "delivered");

	assert_int_equal(broadcasts_counts(fx->s, bid, &c), STORE_OK);
	assert_int_equal(c.sent, 2);		/* delivered */
	assert_int_equal(c.accepted, 1);	/* row 1 */
	assert_int_equal(c.sending, 0);
	assert_int_equal(c.dead, 0);

	/* Row 1 fails: counted dead. */
	assert_int_equal(outbox_report(fx->s, ids[1], "failed", "no such "
	    "subscriber", NULL, 2005), STORE_OK);
	assert_int_equal(broadcasts_counts(fx->s, bid, &c), STORE_OK);
	assert_int_equal(c.accepted, 0);
	assert_int_equal(c.dead, 1);
	assert_int_equal(c.sent, 2);

	/* Not a state a report may set; no such row. */
	assert_int_equal(outbox_report(fx->s, ids[1], "sent", NULL, NULL,
	    2006), STORE_INVALID);
	assert_int_equal(outbox_report(fx->s, ids[2] + 1000, "delivered",
	    NULL, NULL, 2006), STORE_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_on_disk, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_opt_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_sms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_no_channel,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_due_opted_out, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report_token, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
	};

	return cmocka_run_group_tests_name("phones", tests, NULL, NULL);
}

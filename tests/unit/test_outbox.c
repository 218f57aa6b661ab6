/*
 * Unit tests of staff, bind codes, tokens, area scoping, broadcasts and
 * the outbox state machine, on a real SQLite file; and the backoff.
 */
#include <pthread.h>
#include <unistd.h>

#include "teststore.h"

#include "bot/delivery.h"
#include "storage/areas.h"
#include "storage/chats.h"
#include "storage/locks.h"
#include "storage/outbox.h"
#include "storage/phones.h"
#include "storage/staff.h"

static const uint8_t key[STORE_KEY_LEN] = { 9, 9, 9 };

struct fixture {
	char		*dir;
	struct store	*s;
	int64_t		 street, community, building, other;
};

/* A database with the demo areas. */
static int
setup(void **state)
{
	struct fixture		*fx = calloc(1, sizeof *fx);

	fx->s = teststore_open(key, &fx->dir);
	assert_int_equal(areas_find(fx->s, "车站街道", &fx->street), STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区", &fx->community),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格/12号楼",
	    &fx->building), STORE_OK);
	assert_int_equal(areas_find(fx->s, "科苑街道", &fx->other), STORE_OK);
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

/* A bind code works once, for 24 hours, and names its staff member. */
static void
test_bind_codes(void **state)
{
	struct fixture		*fx = *state;
	struct staff_info	 who;
	char			 code[BIND_CODE_TEXT_LEN + 1];
	int64_t			 id;

	assert_int_equal(staff_add(fx->s, "王丹", "grid_worker", fx->community,
	    NULL, 1000, &id), STORE_OK);
	assert_int_equal(staff_add(fx->s, "x", "mayor", fx->community, NULL,
	    1000, &id), STORE_INVALID);
	assert_int_equal(staff_bind_code(fx->s, 1, 1000, code), STORE_OK);
	assert_int_equal(strlen(code), BIND_CODE_TEXT_LEN);
	/* Expired. */
	assert_int_equal(staff_bind(fx->s, code, "tg", "u1", NULL,
	    1000 + BIND_CODE_TTL, &who), STORE_NOT_FOUND);
	assert_int_equal(staff_bind(fx->s, code, "tg", "u1", NULL, 2000, &who),
	    STORE_OK);
	assert_string_equal(who.name, "王丹");
	assert_string_equal(who.area_path, "张店区/车站街道/华光路社区");
	/* Used. */
	assert_int_equal(staff_bind(fx->s, code, "tg", "u2", NULL, 2001, &who),
	    STORE_NOT_FOUND);
	assert_int_equal(staff_by_identity(fx->s, "tg", "u1", &who), STORE_OK);
	assert_int_equal(staff_by_identity(fx->s, "demo", "u1", &who),
	    STORE_NOT_FOUND);
}

/* Tokens are checked by hash; a wrong or short one is refused. */
static void
test_tokens(void **state)
{
	struct fixture		*fx = *state;
	struct token_info	 t;
	char			 text[TOKEN_TEXT_LEN + 1];

	assert_int_equal(tokens_create(fx->s, "office", fx->street, "t", 1,
	    text), STORE_OK);
	assert_int_equal(strncmp(text, "ff_", 3), 0);
	assert_int_equal(tokens_check(fx->s, text, &t), STORE_OK);
	assert_int_equal(t.area_id, fx->street);
	text[10] = text[10] == 'a' ? 'b' : 'a';
	assert_int_equal(tokens_check(fx->s, text, &t), STORE_NOT_FOUND);
	assert_int_equal(tokens_check(fx->s, "ff_short", &t), STORE_NOT_FOUND);
	assert_int_equal(tokens_create(fx->s, "grid_worker", fx->street, NULL,
	    1, text), STORE_INVALID);
}

/* Subtrees: a street holds its communities, not its sibling street. */
static void
test_scope(void **state)
{
	struct fixture	*fx = *state;

	assert_true(areas_within(fx->s, fx->building, fx->street));
	assert_true(areas_within(fx->s, fx->street, fx->street));
	assert_false(areas_within(fx->s, fx->street, fx->building));
	assert_false(areas_within(fx->s, fx->other, fx->street));
	/* Paths that only begin like the street's are not below it; one
	 * past a '/' is, however deep. */
	{
		static const char *const near[] = { "张店区/车站街道0",
		    "张店区/车站街道-北", "张店区/车站街道二", "张店区/车站" };
		int64_t	 a;
		size_t	 i;

		for (i = 0; i < sizeof near / sizeof near[0]; i++) {
			assert_int_equal(areas_put(fx->s, near[i], 0, NULL,
			    NULL, &a), STORE_OK);
			assert_false(areas_within(fx->s, a, fx->street));
			assert_false(areas_within(fx->s, fx->street, a));
		}
		assert_int_equal(areas_put(fx->s, "张店区/车站街道/0/0", 0,
		    NULL, NULL, &a), STORE_OK);
		assert_true(areas_within(fx->s, a, fx->street));
	}
}

/* A broadcast reaches the groups of its kinds under its area only; rows
 * move pending -> sending -> sent or back; in-flight rows recover. */
static void
test_broadcast_outbox(void **state)
{
	struct fixture		*fx = *state;
	struct outbox_row	 rows[8];
	struct broadcast_counts	 c;
	int64_t			 g, bid, ids[8];
	int			 won[8];
	size_t			 n, i;
	long			 rec;
	struct broadcast_reach	 reach;
	time_t			 when;

	assert_int_equal(groups_add_robot(fx->s, "wecom", "b12", fx->building,
	    "building", "http://127.0.0.1:1/a", NULL, 1, &g), STORE_OK);
	assert_int_equal(groups_add_robot(fx->s, "dingtalk", "c", fx->community,
	    "community", "http://127.0.0.1:1/b", "SEC1", 1, &g), STORE_OK);
	assert_int_equal(groups_add_robot(fx->s, "wecom", "police", fx->community,
	    "police", "http://127.0.0.1:1/c", NULL, 1, &g), STORE_OK);
	assert_int_equal(groups_add_robot(fx->s, "wecom", "kx", fx->other,
	    "building", "http://127.0.0.1:1/d", NULL, 1, &g), STORE_OK);
	assert_int_equal(groups_add_robot(fx->s, "wecom", "bad", fx->other,
	    "building", "ftp://x", NULL, 1, &g), STORE_INVALID);
	assert_int_equal(groups_set_area(fx->s, "tg", "-100", fx->community,
	    "community", 1), STORE_OK);

	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(broadcasts_create(fx->s, &(struct broadcast_new){
	    .area = fx->street, .kinds = "building,community",
	    .text = "注意防范", .by = "test" }, 100, &bid, &reach), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(reach.groups, 3);	/* not the police group, not 科苑 */
	assert_int_equal(reach.numbers, 0);

	assert_int_equal(outbox_due(fx->s, 99, rows, 8, &n), STORE_OK);
	assert_int_equal(n, 0);		/* not yet due */
	assert_int_equal(outbox_due(fx->s, 100, rows, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (i = 0, g = 0; i < n; i++) {
		ids[i] = rows[i].id;
		assert_int_equal(rows[i].attempts, 1);
		assert_string_equal(rows[i].body, "注意防范");
		if (rows[i].secret != NULL) {
			assert_string_equal(rows[i].secret, "SEC1");
			assert_string_equal(rows[i].channel, "dingtalk");
			g++;
		}
	}
	assert_int_equal(g, 1);
	for (i = 0; i < n; i++)
		outbox_row_clear(&rows[i]);
	assert_int_equal(outbox_claim(fx->s, ids, 3, 100, 120, won), STORE_OK);
	assert_true(won[0] && won[1] && won[2]);
	assert_int_equal(outbox_due(fx->s, 100, rows, 8, &n), STORE_OK);
	assert_int_equal(n, 0);		/* claimed rows are not due */
	assert_int_equal(outbox_finish(fx->s, ids[0], "sent", 100, NULL, 101),
	    STORE_OK);
	assert_int_equal(outbox_finish(fx->s, ids[1], "pending", 150, "http 500",
	    101), STORE_OK);
	assert_int_equal(broadcasts_counts(fx->s, bid, &c), STORE_OK);
	assert_int_equal(c.sent, 1);
	assert_int_equal(c.pending, 1);
	assert_int_equal(c.sending, 1);
	assert_int_equal(outbox_next_due(fx->s, &when), STORE_OK);
	assert_int_equal(when, 150);
	/* A restart finds the one left in flight. */
	assert_int_equal(outbox_recover(fx->s, 149, &rec), STORE_OK);
	assert_int_equal(rec, 1);
	assert_int_equal(outbox_due(fx->s, 149, rows, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, ids[2]);
	assert_int_equal(rows[0].attempts, 2);
	outbox_row_clear(&rows[0]);
}

/*
 * A broadcast to a street reaches the groups of the street and of the
 * areas below it, and none of the areas whose paths only begin like the
 * street's: names that go on with a byte below '/', with '0', with a
 * byte above it, or with a Chinese character.
 */
static void
test_broadcast_siblings(void **state)
{
	static const char *const near[] = { "张店区/车站街道-北",
	    "张店区/车站街道 东", "张店区/车站街道0", "张店区/车站街道0号",
	    "张店区/车站街道二", "张店区/车站街道.5", "张店区/车站" };
	static const char *const below[] = { "张店区/车站街道",
	    "张店区/车站街道/新区", "张店区/车站街道/新区/0网格" };
	struct fixture		*fx = *state;
	struct broadcast_reach	 reach;
	struct broadcast_new	 b = { .area = 0, .kinds = "building,sms",
				    .text = "注意防范", .by = "test",
				    .sms_channel = "sms" };
	struct outbox_row	 rows[16];
	enum phone_put		 what;
	char			 name[16], e164[20];
	int64_t			 area, g, bid;
	size_t			 i, n, sms;

	for (i = 0; i < sizeof near / sizeof near[0] +
	    sizeof below / sizeof below[0]; i++) {
		int	 in = i >= sizeof near / sizeof near[0];

		assert_int_equal(areas_put(fx->s, in ? below[i -
		    sizeof near / sizeof near[0]] : near[i], 0, NULL, NULL,
		    &area), STORE_OK);
		(void)snprintf(name, sizeof name, "%s%zu", in ? "below" :
		    "near", i);
		assert_int_equal(groups_add_robot(fx->s, "wecom", name, area,
		    "building", "http://127.0.0.1:1/n", NULL, 1, &g), STORE_OK);
		(void)snprintf(e164, sizeof e164, "+86138000000%02zu", i);
		assert_int_equal(store_begin(fx->s), STORE_OK);
		assert_int_equal(phones_put(fx->s, e164, area, NULL, 90,
		    &what), STORE_OK);
		assert_int_equal(store_commit(fx->s), STORE_OK);
	}
	/* And the fixture's building, below the street too. */
	assert_int_equal(groups_add_robot(fx->s, "wecom", "below-b",
	    fx->building, "building", "http://127.0.0.1:1/b", NULL, 1, &g),
	    STORE_OK);
	b.area = fx->street;
	/* The reach shown before sending counts what the broadcast makes. */
	assert_int_equal(broadcasts_preview(fx->s, &b, &reach), STORE_OK);
	assert_int_equal(reach.groups, 4);
	assert_int_equal(reach.numbers, 3);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(broadcasts_create(fx->s, &b, 100, &bid, &reach),
	    STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(reach.groups, 4);
	assert_int_equal(reach.numbers, 3);
	assert_int_equal(outbox_due(fx->s, 100, rows, 16, &n), STORE_OK);
	assert_int_equal(n, 7);
	for (i = 0, sms = 0; i < n; i++) {
		assert_string_equal(rows[i].body, "注意防范");
		if (rows[i].phone_id != 0)
			sms++;
		outbox_row_clear(&rows[i]);
	}
	assert_int_equal(sms, 3);
}

/* Three wecom robots in the building (names PREFIX0..2) and a broadcast
 * to them at 100; its id. */
static int64_t
three_robots(struct fixture *fx, const char *prefix)
{
	struct broadcast_reach	 reach;
	int64_t			 g, bid;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		char	 name[8], url[64];

		(void)snprintf(name, sizeof name, "%s%zu", prefix, i);
		(void)snprintf(url, sizeof url, "http://127.0.0.1:1/%s%zu",
		    prefix, i);
		assert_int_equal(groups_add_robot(fx->s, "wecom", name,
		    fx->building, "building", url, NULL, 1, &g), STORE_OK);
	}
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(broadcasts_create(fx->s, &(struct broadcast_new){
	    .area = fx->building, .kinds = "building", .text = "注意",
	    .by = "test" }, 100, &bid, &reach), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(reach.groups, 3);
	return bid;
}

/*
 * The delivery connection: claims and answers share the caller's
 * transaction, so a turn that never commits (a kill -9) leaves its claims
 * pending and its answers unrecorded (the rows stay 'sending', to be sent
 * again); with CHECKs skipped, outbox_finish() still refuses a state the
 * schema does not know.
 */
/* Whether the database (on SQLite its file and WAL) holds needle. */
static int
holds(const char *needle)
{
	char	 path[600];

	if (teststore_pg())
		return teststore_holds(needle);
	(void)snprintf(path, sizeof path, "%s", teststore_last);
	if (testutil_file_holds(path, needle) == 1)
		return 1;
	(void)snprintf(path, sizeof path, "%s-wal", teststore_last);
	return testutil_file_holds(path, needle) == 1;
}

/* The two robots' rows of test_robot_sealed, due, with their webhooks and
 * secrets open. */
static void
robots_open(struct store *s)
{
	struct outbox_row	 rows[4];
	size_t			 i, n;
	int			 ding;

	assert_int_equal(outbox_due(s, 100, rows, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		ding = strcmp(rows[i].channel, "dingtalk") == 0;
		assert_string_equal(rows[i].webhook, ding ? "https://oapi."
		    "example.cn/robot/send?access_token=TOKA" :
		    "https://qyapi.example.cn/send?key=OLDK");
		assert_string_equal(rows[i].secret, ding ? "SECA" : "OLDS");
		outbox_row_clear(&rows[i]);
	}
}

/*
 * A robot's webhook and secret are stored sealed, with the host in clear,
 * and opened again for delivery; a robot stored in clear before
 * 021_robot_sealed is still delivered, and groups_seal_clear() seals it;
 * without the key a robot cannot be added.
 */
static void
test_robot_sealed(void **state)
{
	struct fixture		*fx = *state;
	struct group_entry	 ge[4];
	struct broadcast_reach	 reach;
	struct store		*nokey;
	int64_t			 g, bid;
	size_t			 n;
	long			 sealed;
	char			*v;

	assert_int_equal(groups_add_robot(fx->s, "dingtalk", "b12", fx->building,
	    "building", "https://oapi.example.cn/robot/send?access_token=TOKA",
	    "SECA", 1, &g), STORE_OK);
	v = teststore_rows("SELECT coalesce(webhook, '-') || coalesce(secret,"
	    " '-') || webhook_host || length(webhook_seal) FROM groups", 0);
	assert_string_equal(v, "--oapi.example.cn" "80");	/* 12 + 52 + 16 */
	free(v);
	assert_false(holds("TOKA"));
	assert_false(holds("SECA"));
	/* One from before the migration, in clear. */
	teststore_exec(fx->s, "INSERT INTO groups (channel, chat_id, title,"
	    " kind, area_id, webhook, secret, first_seen) SELECT 'wecom',"
	    " id || ':old', 'old', 'building', id,"
	    " 'https://qyapi.example.cn/send?key=OLDK', 'OLDS', 1"
	    " FROM areas WHERE path LIKE '%/12号楼'");
	assert_int_equal(groups_list(fx->s, 0, 0, ge, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ge[0].host, "oapi.example.cn");
	assert_string_equal(ge[1].host, "qyapi.example.cn");
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(broadcasts_create(fx->s, &(struct broadcast_new){
	    .area = fx->building, .kinds = "building", .text = "注意",
	    .by = "test" }, 100, &bid, &reach), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(reach.groups, 2);
	robots_open(fx->s);
	/* Sealed once, then nothing is left to seal. */
	assert_int_equal(groups_seal_clear(fx->s, &sealed), STORE_OK);
	assert_int_equal(sealed, 1);
	assert_int_equal(groups_seal_clear(fx->s, &sealed), STORE_OK);
	assert_int_equal(sealed, 0);
	v = teststore_rows("SELECT coalesce(webhook, '-') || coalesce(secret,"
	    " '-') || webhook_host FROM groups WHERE title = 'old'", 0);
	assert_string_equal(v, "--qyapi.example.cn");
	free(v);
	robots_open(fx->s);
	/* Without the key: refused, and nothing is sealed. */
	nokey = teststore_reopen(NULL);
	assert_int_equal(groups_add_robot(nokey, "wecom", "k", fx->building,
	    "building", "https://qyapi.example.cn/send?key=NEW", NULL, 1, &g),
	    STORE_ERROR);
	assert_non_null(strstr(store_errmsg(nokey), "no reporter key"));
	store_close(nokey);
}

static void
test_delivery_turn(void **state)
{
	struct fixture		*fx = *state;
	struct outbox_row	 rows[8];
	struct broadcast_counts	 c;
	int64_t			 bid, ids[8];
	int			 won[8];
	size_t			 n, i;

	bid = three_robots(fx, "r");
	assert_int_equal(outbox_due(fx->s, 100, rows, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		ids[i] = rows[i].id;
		outbox_row_clear(&rows[i]);
	}
	/* One turn: two claimed, never committed. */
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(outbox_claim(fx->s, ids, 2, 100, 200, won), STORE_OK);
	store_rollback(fx->s);
	assert_int_equal(broadcasts_counts(fx->s, bid, &c), STORE_OK);
	assert_int_equal(c.pending, 3);
	assert_int_equal(c.sending, 0);
	/* The next turn commits its claims; the one after, answers. */
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(outbox_claim(fx->s, ids, 3, 100, 200, won), STORE_OK);
	assert_true(won[0] && won[1] && won[2]);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(outbox_finish(fx->s, ids[0], "sent", 100, NULL, 101),
	    STORE_OK);
	assert_int_equal(outbox_finish(fx->s, ids[1], "sending", 100, NULL,
	    101), STORE_INVALID);
	assert_int_equal(outbox_finish(fx->s, ids[1], "bogus", 100, NULL, 101),
	    STORE_INVALID);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	/* A turn whose answers do not commit: that row stays in flight. */
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(outbox_finish(fx->s, ids[1], "dead", 100, "x", 101),
	    STORE_OK);
	store_rollback(fx->s);
	assert_int_equal(broadcasts_counts(fx->s, bid, &c), STORE_OK);
	assert_int_equal(c.sent, 1);
	assert_int_equal(c.sending, 2);
	assert_int_equal(c.dead, 0);
}

/* A sender of test_two_senders: its own store claims due rows in turns
 * until none is left, counting what it won in wins[] (by row id). */
struct sender {
	struct store	*s;
	int		*wins;		/* [TWO_ROWS_MAX] */
	int64_t		 base;		/* the first row's id */
	int		 won;
};

#define TWO_ROWS	40
#define TWO_ROWS_MAX	64

static void *
sender_run(void *arg)
{
	struct sender		*sd = arg;
	struct outbox_row	 rows[7];
	int64_t			 ids[7];
	int			 won[7];
	size_t			 n, i;

	for (;;) {
		assert_int_equal(store_begin(sd->s), STORE_OK);
		assert_int_equal(outbox_due(sd->s, 100, rows, 7, &n), STORE_OK);
		if (n == 0) {
			store_rollback(sd->s);
			break;
		}
		for (i = 0; i < n; i++) {
			ids[i] = rows[i].id;
			outbox_row_clear(&rows[i]);
		}
		assert_int_equal(outbox_claim(sd->s, ids, n, 100, 500, won),
		    STORE_OK);
		assert_int_equal(store_commit(sd->s), STORE_OK);
		for (i = 0; i < n; i++) {
			if (!won[i])
				continue;
			assert_true(ids[i] - sd->base < TWO_ROWS_MAX);
			sd->wins[ids[i] - sd->base]++;
			sd->won++;
		}
	}
	return NULL;
}

/*
 * Two senders on one database (two connections, as two instances have):
 * a row both read as due is sent by the one that claims it first; run
 * together, every row is claimed exactly once; a claimed row goes back
 * to the queue only when its lease runs out.
 */
static void
test_two_senders(void **state)
{
	struct fixture		*fx = *state;
	struct broadcast_reach	 reach;
	struct outbox_row	 ra[1], rb[1];
	struct sender		 sa, sb;
	pthread_t		 ta, tb;
	struct store		*b;
	int			 wins[TWO_ROWS_MAX] = { 0 };
	int			 wb[TWO_ROWS_MAX] = { 0 }, won, i;
	int64_t			 g, bid, id;
	size_t			 n;
	long			 rec;

	for (i = 0; i < TWO_ROWS; i++) {
		char	 name[16], url[64];

		(void)snprintf(name, sizeof name, "r%d", i);
		(void)snprintf(url, sizeof url, "http://127.0.0.1:1/%d", i);
		assert_int_equal(groups_add_robot(fx->s, "wecom", name,
		    fx->building, "building", url, NULL, 1, &g), STORE_OK);
	}
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(broadcasts_create(fx->s, &(struct broadcast_new){
	    .area = fx->building, .kinds = "building", .text = "注意",
	    .by = "test" }, 100, &bid, &reach), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(reach.groups, TWO_ROWS);
	b = teststore_reopen(key);

	/* Both read the same first row; the first claim wins it. */
	assert_int_equal(outbox_due(fx->s, 100, ra, 1, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(outbox_due(b, 100, rb, 1, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ra[0].id, rb[0].id);
	id = ra[0].id;
	outbox_row_clear(&ra[0]);
	outbox_row_clear(&rb[0]);
	assert_int_equal(outbox_claim(fx->s, &id, 1, 100, 500, &won), STORE_OK);
	assert_int_equal(won, 1);
	assert_int_equal(outbox_claim(b, &id, 1, 100, 500, &won), STORE_OK);
	assert_int_equal(won, 0);

	/* The rest, by both at once. */
	sa = (struct sender){ fx->s, wins, id, 0 };
	sb = (struct sender){ b, wb, id, 0 };
	assert_int_equal(pthread_create(&ta, NULL, sender_run, &sa), 0);
	assert_int_equal(pthread_create(&tb, NULL, sender_run, &sb), 0);
	assert_int_equal(pthread_join(ta, NULL), 0);
	assert_int_equal(pthread_join(tb, NULL), 0);
	for (i = 0; i < TWO_ROWS_MAX; i++)
		wins[i] += wb[i];
	assert_int_equal(sa.won + sb.won, TWO_ROWS - 1);
	assert_int_equal(wins[0], 0);	/* the first, claimed above */
	for (i = 1; i < TWO_ROWS; i++)
		assert_int_equal(wins[i], 1);

	/* What both claimed counts for the rate limits of either (on SQLite
	 * too: a sender that restarts counts what it claimed before): the
	 * first robot's one send, the channel's 40. */
	{
		struct outbox_row	 row = { 0 };
		struct outbox_recent	 rr;

		row.group_id = id;
		assert_int_equal(outbox_recent(b, &row, "wecom", 100, &rr),
		    STORE_OK);
		assert_int_equal(rr.target_minute, 1);
		assert_int_equal(rr.target_second, 1);
		assert_int_equal(rr.channel_second, TWO_ROWS);
		assert_int_equal(outbox_recent(b, &row, "wecom", 101, &rr),
		    STORE_OK);
		assert_int_equal(rr.target_minute, 1);
		assert_int_equal(rr.target_second, 0);
		assert_int_equal(rr.channel_second, 0);
		/* The next minute starts afresh. */
		assert_int_equal(outbox_recent(b, &row, "wecom", 160, &rr),
		    STORE_OK);
		assert_int_equal(rr.target_minute, 0);
	}
	/* Every row is claimed until 500: nothing comes back before. */
	assert_int_equal(outbox_reclaim(b, 499, &rec), STORE_OK);
	assert_int_equal(rec, 0);
	assert_int_equal(outbox_due(b, 499, ra, 1, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(outbox_reclaim(b, 500, &rec), STORE_OK);
	assert_int_equal(rec, TWO_ROWS);
	assert_int_equal(outbox_due(b, 500, ra, 1, &n), STORE_OK);
	assert_int_equal(n, 1);
	outbox_row_clear(&ra[0]);
	store_close(b);
}

/* Ends store s's session from store other, as a restarted server or a
 * cut network would, waiting until it is gone. */
static void
kill_session(struct store *s, struct store *other)
{
	char	 sql[96];

	(void)snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld, "
	    "60000)", (long long)teststore_int(s, "SELECT pg_backend_pid()"));
	assert_int_equal(teststore_int(other, sql), 1);
}

/*
 * A sender that loses its connection and makes it again keeps the rows
 * it claimed; another sender takes them over only when their claimer is
 * gone for good (its store closed, as a killed instance's is), seen gone
 * at two looks at least four seconds apart, or when the lease runs out.
 */
static void
test_claimer_gone(void **state)
{
	struct fixture		*fx = *state;
	struct outbox_row	 rows[4];
	struct store		*a, *b;
	int64_t			 ids[4], lockid;
	char			 sql[160];
	size_t			 n, i;
	int			 won[4], tries;
	long			 rec;

	(void)three_robots(fx, "g");
	a = teststore_reopen(key);
	b = teststore_reopen(key);
	assert_int_equal(outbox_due(a, 100, rows, 4, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		ids[i] = rows[i].id;
		outbox_row_clear(&rows[i]);
	}
	assert_int_equal(outbox_claim(a, ids, 3, 100, 500, won), STORE_OK);
	assert_true(won[0] && won[1] && won[2]);

	if (teststore_pg()) {
		lockid = teststore_int(a, "SELECT objid FROM pg_locks WHERE"
		    " locktype = 'advisory' AND objsubid = 2"
		    " AND pid = pg_backend_pid()");
		assert_true(lockid > 0);
		/* a is cut off; b sees its claimer gone, takes nothing yet. */
		kill_session(a, b);
		assert_int_equal(outbox_reclaim(b, 101, &rec), STORE_OK);
		assert_int_equal(rec, 0);
		/* a connects again, under the same claimer: b's later looks
		 * find it alive and leave its rows. */
		assert_int_equal(store_ping(a), STORE_OK);
		assert_int_equal(teststore_int(a, "SELECT objid FROM pg_locks"
		    " WHERE locktype = 'advisory' AND objsubid = 2"
		    " AND pid = pg_backend_pid()"), lockid);
		assert_int_equal(outbox_reclaim(b, 110, &rec), STORE_OK);
		assert_int_equal(rec, 0);
		assert_int_equal(outbox_reclaim(b, 120, &rec), STORE_OK);
		assert_int_equal(rec, 0);
		assert_int_equal(outbox_due(b, 120, rows, 4, &n), STORE_OK);
		assert_int_equal(n, 0);
		/* a stops: once the server has ended its session, the first
		 * look sees it gone, one four seconds later takes its rows. */
		store_close(a);
		a = NULL;
		(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_locks"
		    " WHERE locktype = 'advisory' AND objsubid = 2"
		    " AND objid = %lld", (long long)lockid);
		for (tries = 0; tries < 500 && teststore_int(b, sql) != 0;
		    tries++)
			(void)usleep(10000);
		assert_int_equal(teststore_int(b, sql), 0);
		assert_int_equal(outbox_reclaim(b, 130, &rec), STORE_OK);
		assert_int_equal(rec, 0);
		assert_int_equal(outbox_reclaim(b, 133, &rec), STORE_OK);
		assert_int_equal(rec, 0);
		assert_int_equal(outbox_reclaim(b, 134, &rec), STORE_OK);
		assert_int_equal(rec, 3);
		assert_int_equal(outbox_due(b, 134, rows, 4, &n), STORE_OK);
		assert_int_equal(n, 3);
		for (i = 0; i < n; i++)
			outbox_row_clear(&rows[i]);
	} else {
		/* One sender per file: only the lease gives rows back. */
		assert_int_equal(outbox_reclaim(b, 499, &rec), STORE_OK);
		assert_int_equal(rec, 0);
		assert_int_equal(outbox_reclaim(b, 500, &rec), STORE_OK);
		assert_int_equal(rec, 3);
	}
	store_close(a);
	store_close(b);
}

/* A row that keeps failing is given up only after ten attempts and once
 * it is give_up_hours old: a ten-minute outage at the smallest base (1 s,
 * ten attempts within 511 s) loses nothing. */
static void
test_give_up(void **state)
{
	(void)state;
	assert_false(delivery_give_up(10, 1000, 1000 + 511, 24));
	assert_false(delivery_give_up(40, 1000, 1000 + 24 * 3600 - 1, 24));
	assert_true(delivery_give_up(10, 1000, 1000 + 24 * 3600, 24));
	assert_false(delivery_give_up(9, 1000, 1000 + 48 * 3600, 24));
	assert_true(delivery_give_up(11, 0, 3600, 1));
}

/* The backoff doubles from the base to half an hour; a platform's
 * retry_after wins, capped at an hour. */
static void
test_backoff(void **state)
{
	(void)state;
	assert_int_equal(delivery_backoff(1, 0, 5), 5);
	assert_int_equal(delivery_backoff(2, 0, 5), 10);
	assert_int_equal(delivery_backoff(3, 0, 5), 20);
	assert_int_equal(delivery_backoff(10, 0, 5), 1800);
	assert_int_equal(delivery_backoff(40, 0, 5), 1800);
	assert_int_equal(delivery_backoff(2, 35, 5), 35);
	assert_int_equal(delivery_backoff(2, 99999, 5), 3600);
	assert_int_equal(delivery_backoff(1, 0, 1), 1);
	assert_int_equal(delivery_backoff(3, 0, 1), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robot_sealed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_siblings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_outbox, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_delivery_turn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_senders, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claimer_gone, setup,
		    teardown),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_give_up),
	};

	return cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
}

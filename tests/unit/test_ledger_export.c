/* Unit tests of the ledger's export: CSV cells (quoting, formulas
 * neutralised), whole lines, the export's scope and paging over a real
 * store, the parsers of its filters and the API's answer to each refusal
 * of a move. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "teststore.h"

#include "bot/api_tips.h"
#include "bot/ledger_out.h"
#include "messages/buf.h"
#include "storage/areas.h"
#include "storage/ledger_stats.h"
#include "storage/tips.h"

static const uint8_t key[STORE_KEY_LEN] = { 4, 4, 3, 3, 2, 2, 1, 1 };

/* One cell as ledger_csv_cell() writes it, in out. */
static void
cell(const char *in, char *out, size_t size)
{
	struct buf	 b;

	buf_init(&b, 4096);
	ledger_csv_cell(&b, in);
	(void)snprintf(out, size, "%s", b.data != NULL ? b.data : "");
	buf_free(&b);
}

static void
test_cells(void **state)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "", "" },
		{ "平常的线索", "平常的线索" },
		{ "a,b", "\"a,b\"" },
		{ "他说\"稳赚\"", "\"他说\"\"稳赚\"\"\"" },
		{ "一行\n两行", "\"一行\n两行\"" },
		{ "回车\r", "\"回车\r\"" },
		{ "=1+2", "'=1+2" },
		{ "+86 电话", "'+86 电话" },
		{ "-5%", "'-5%" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\t缩进", "'\t缩进" },
		{ "\r开头", "\"'\r开头\"" },
		{ "=HYPERLINK(\"http://x\",\"点\")",
		  "\"'=HYPERLINK(\"\"http://x\"\",\"\"点\"\")\"" },
		{ "a=b", "a=b" },
		{ "'已有", "'已有" },
	};
	char	 out[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cell(cases[i].in, out, sizeof out);
		assert_string_equal(out, cases[i].out);
	}
}

/* A whole line: every column, the Chinese names, CRLF. */
static void
test_row(void **state)
{
	struct ledger_export_row	 r;
	struct buf			 b;

	(void)state;
	memset(&r, 0, sizeof r);
	(void)snprintf(r.ref, sizeof r.ref, "JB-20260301-AAAAAA");
	r.created_at = 1772294400;	/* 2026-03-01 00:00 +08:00 */
	(void)snprintf(r.area_path, sizeof r.area_path, "张店区/车站街道");
	r.state = TIP_CLOSED;
	(void)snprintf(r.enterprise, sizeof r.enterprise, "某公司");
	(void)snprintf(r.uscc, sizeof r.uscc, "91370303MA3C01001E");
	r.first = 1;
	(void)snprintf(r.measure, sizeof r.measure, "penalty");
	r.npeople = 2;
	(void)snprintf(r.people[0].name, sizeof r.people[0].name, "甲");
	(void)snprintf(r.people[1].name, sizeof r.people[1].name, "乙");
	r.closed_at = r.created_at + 3 * 86400 + 43200;
	r.reward = 1;
	r.eligible = 1;
	r.stage1_yuan = 500;
	r.stage2_yuan = -1;
	r.body = "=cmd|' /C calc'!A0";
	buf_init(&b, 4096);
	ledger_csv_row(&b, &r, 8 * 3600);
	assert_string_equal(b.data, "JB-20260301-AAAAAA,2026-03-01,"
	    "张店区/车站街道,已销号,某公司,91370303MA3C01001E,是,行政处罚,甲、乙,,"
	    "2026-03-04,3.5,是,500,,,'=cmd|' /C calc'!A0\r\n");
	buf_reset(&b);
	/* Not the first report: the first's reference; no reward row. */
	r.first = 0;
	(void)snprintf(r.first_ref, sizeof r.first_ref, "JB-20260201-BBBBBB");
	r.state = TIP_CONFIRMED;
	r.closed_at = 0;
	r.reward = 0;
	r.measure[0] = '\0';
	r.npeople = 0;
	r.body = "x";
	ledger_csv_row(&b, &r, 8 * 3600);
	assert_string_equal(b.data, "JB-20260301-AAAAAA,2026-03-01,"
	    "张店区/车站街道,属实待处置,某公司,91370303MA3C01001E,"
	    "JB-20260201-BBBBBB,,,,,,,,,,x\r\n");
	buf_free(&b);
	/* The header opens with the BOM and ends with CRLF. */
	buf_init(&b, 4096);
	ledger_csv_header(&b);
	assert_memory_equal(b.data, "\xef\xbb\xbf", 3);
	assert_string_equal(b.data + b.len - 2, "\r\n");
	buf_free(&b);
}

/* Counts rows, remembering the texts. */
struct seen {
	size_t	 n;
	size_t	 stop_at;	/* 0: never */
	char	 texts[8][64];
};

static int
seen_row(const struct ledger_export_row *r, void *arg)
{
	struct seen	*s = arg;

	if (s->n < 8)
		(void)snprintf(s->texts[s->n], sizeof s->texts[0], "%s",
		    r->body);
	s->n++;
	return s->stop_at != 0 && s->n == s->stop_at ? 1 : 0;
}

/* Stores a tip in area (0: none) at time now; returns its id. */
static int64_t
add_tip(struct store *s, const char *body, int64_t area, time_t now)
{
	struct tip_new	 t;
	struct tip_row	 row;
	char		 ref[TIP_REF_MAX];
	int64_t		 id;

	memset(&t, 0, sizeof t);
	t.body = body;
	t.day = "20260301";
	t.area_id = area;
	t.chat_kind = "private";
	t.reporter.channel = "demo";
	t.reporter.sender_id = "u-secret";
	t.reporter.sender_name = "某居民";
	t.reporter.chat_id = "u-secret";
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(tips_create(s, &t, now, ref), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(tips_get(s, ref, &row), STORE_OK);
	id = row.id;
	tip_row_clear(&row);
	return id;
}

/* Moves a tip at a time. */
static void
move_at(struct store *s, int64_t tip, enum tip_state from, enum tip_state to,
    time_t at)
{
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(tips_move(s, tip, from, to, tip_state_name(to),
	    "staff:1", NULL, 0, at), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
}

/* The line of area path (NULL: no known area). */
static const struct ledger_stats_area *
line_of(const struct ledger_stats *st, const char *path)
{
	size_t	 i;

	for (i = 0; i < st->nareas; i++)
		if (path == NULL ? st->areas[i].id == 0 :
		    st->areas[i].id != 0 && strcmp(st->areas[i].path,
		    path) == 0)
			return &st->areas[i];
	fail_msg("no line %s", path ? path : "(none)");
	return NULL;
}

/* The figures of a known set spread over months. */
static void
test_stats(void **state)
{
	struct ledger_stats		 st;
	const struct ledger_stats_area	*l;
	struct store			*s;
	time_t				 b[LEDGER_MONTHS + 1];
	char				*dir, sql[256];
	int64_t				 street, other, top, a;

	(void)state;
	s = teststore_open(key, &dir);
	assert_int_equal(areas_find(s, "华光路社区", &street), STORE_OK);
	assert_int_equal(areas_find(s, "柳泉社区", &other), STORE_OK);
	assert_int_equal(areas_find(s, "张店区", &top), STORE_OK);
	assert_int_equal(ledger_year_bounds(2026, 8 * 3600, b), 0);
	/* March: three in the street, one elsewhere, one of no area; the
	 * first is verified, disposed and closed in April. */
	a = add_tip(s, "一", street, b[2]);
	(void)add_tip(s, "二", other, b[2] + 100);
	(void)add_tip(s, "三", 0, b[2] + 200);
	(void)add_tip(s, "四", street, b[2] + 86400);
	(void)add_tip(s, "去年", street, b[0] - 1);
	move_at(s, a, TIP_RECEIVED, TIP_VERIFYING, b[2] + 3600);
	move_at(s, a, TIP_VERIFYING, TIP_CONFIRMED, b[3] + 3600);
	move_at(s, a, TIP_CONFIRMED, TIP_DISPOSING, b[3] + 86400);
	move_at(s, a, TIP_DISPOSING, TIP_CLOSED, b[2] + 33 * 86400);
	(void)snprintf(sql, sizeof sql, "INSERT INTO rewards (tip_id, eligible,"
	    " stage1_yuan, stage2_yuan, paid_at, updated_at) VALUES (%lld, 1,"
	    " 100, 250, %lld, 0)", (long long)a, (long long)b[4] + 10);
	/* No storage function writes rewards yet: plain SQL. */
	teststore_exec(s, sql);
	assert_int_equal(ledger_stats(s, top, 1, b, &st), STORE_OK);
	l = line_of(&st, "张店区/车站街道");
	assert_int_equal(l->m[2].received, 2);
	assert_int_equal(l->m[LEDGER_YEAR].received, 2);
	assert_int_equal(l->m[0].received, 0);
	assert_int_equal(l->m[2].verified, 0);
	assert_int_equal(l->m[3].verified, 1);
	assert_int_equal(l->m[3].disposed, 1);
	assert_int_equal(l->m[3].closed, 1);
	assert_true(ledger_stat_days(&l->m[3]) > 32.99 &&
	    ledger_stat_days(&l->m[3]) < 33.01);
	assert_true(ledger_stat_days(&l->m[2]) < 0);
	assert_int_equal(l->m[4].paid, 1);
	assert_int_equal(l->m[4].paid_yuan, 350);
	assert_int_equal(l->m[LEDGER_YEAR].paid_yuan, 350);
	l = line_of(&st, "张店区/科苑街道");
	assert_int_equal(l->m[2].received, 1);
	assert_int_equal(l->m[LEDGER_YEAR].verified, 0);
	l = line_of(&st, NULL);
	assert_int_equal(l->m[2].received, 1);
	assert_int_equal(st.total[2].received, 4);
	assert_int_equal(st.total[LEDGER_YEAR].received, 4);
	assert_int_equal(st.total[LEDGER_YEAR].closed, 1);
	ledger_stats_free(&st);
	/* From the street: its communities and itself, no unknown line. */
	assert_int_equal(areas_find(s, "车站街道", &top), STORE_OK);
	assert_int_equal(ledger_stats(s, top, 0, b, &st), STORE_OK);
	l = line_of(&st, "张店区/车站街道/华光路社区");
	assert_int_equal(l->m[LEDGER_YEAR].received, 2);
	assert_int_equal(st.total[LEDGER_YEAR].received, 2);
	assert_true(st.areas[st.nareas - 1].own);
	ledger_stats_free(&st);
	store_close(s);
	testutil_rmdir(dir);
}

/* The export's scope, tips of no known area, paging and stopping. */
static void
test_export_scope(void **state)
{
	struct ledger_query	 q;
	struct seen		 seen;
	struct store		*s;
	char			*dir;
	int64_t			 street, other, top, last;
	size_t			 n;

	(void)state;
	s = teststore_open(key, &dir);
	assert_int_equal(areas_find(s, "华光路社区", &street), STORE_OK);
	assert_int_equal(areas_find(s, "柳泉社区", &other), STORE_OK);
	assert_int_equal(areas_find(s, "张店区", &top), STORE_OK);
	add_tip(s, "一", street, 1772294400);
	add_tip(s, "二", other, 1772294500);
	add_tip(s, "三", 0, 1772294600);
	add_tip(s, "四", street, 1772380800);
	memset(&q, 0, sizeof q);
	q.scope = street;
	memset(&seen, 0, sizeof seen);
	assert_int_equal(ledger_export(s, &q, seen_row, &seen, &n, &last),
	    STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(seen.texts[0], "四");
	assert_string_equal(seen.texts[1], "一");
	/* The district, with and without the tips of no known area. */
	q.scope = top;
	memset(&seen, 0, sizeof seen);
	assert_int_equal(ledger_export(s, &q, seen_row, &seen, &n, &last),
	    STORE_OK);
	assert_int_equal(n, 3);
	q.unknown = 1;
	memset(&seen, 0, sizeof seen);
	assert_int_equal(ledger_export(s, &q, seen_row, &seen, &n, &last),
	    STORE_OK);
	assert_int_equal(n, 4);
	/* Pages of two, from the cursor. */
	q.limit = 2;
	memset(&seen, 0, sizeof seen);
	assert_int_equal(ledger_export(s, &q, seen_row, &seen, &n, &last),
	    STORE_OK);
	assert_int_equal(n, 2);
	q.before = last;
	memset(&seen, 0, sizeof seen);
	assert_int_equal(ledger_export(s, &q, seen_row, &seen, &n, &last),
	    STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(seen.texts[1], "一");
	/* Dates and states. */
	memset(&q, 0, sizeof q);
	q.scope = top;
	q.since = 1772380800;
	memset(&seen, 0, sizeof seen);
	assert_int_equal(ledger_export(s, &q, seen_row, &seen, &n, &last),
	    STORE_OK);
	assert_int_equal(n, 1);
	q.since = 0;
	q.states = 1u << TIP_CLOSED;
	assert_int_equal(ledger_export(s, &q, seen_row, &seen, &n, &last),
	    STORE_OK);
	assert_int_equal(n, 0);
	/* A callback that stops after a row: a short page, not a failure. */
	memset(&q, 0, sizeof q);
	memset(&seen, 0, sizeof seen);
	seen.stop_at = 1;
	assert_int_equal(ledger_export(s, &q, seen_row, &seen, &n, &last),
	    STORE_OK);
	assert_int_equal(n, 1);
	store_close(s);
	testutil_rmdir(dir);
}

static void
test_parsers(void **state)
{
	time_t		 b[LEDGER_MONTHS + 1];
	unsigned	 bits;

	(void)state;
	assert_int_equal(ledger_parse_states("closed", &bits), 0);
	assert_int_equal(bits, 1u << TIP_CLOSED);
	assert_int_equal(ledger_parse_states("received,disposing", &bits), 0);
	assert_int_equal(bits, (1u << TIP_RECEIVED) | (1u << TIP_DISPOSING));
	assert_int_equal(ledger_parse_states("", &bits), -1);
	assert_int_equal(ledger_parse_states("closed,", &bits), -1);
	assert_int_equal(ledger_parse_states("closed,,received", &bits), -1);
	assert_int_equal(ledger_parse_states("lost", &bits), -1);
	assert_int_equal(ledger_parse_day("2026-03-01", 8 * 3600), 1772294400);
	assert_int_equal(ledger_parse_day("2026-3-1x", 8 * 3600), -1);
	assert_int_equal(ledger_parse_day("yesterday", 8 * 3600), -1);
	assert_int_equal(ledger_year_bounds(2026, 8 * 3600, b), 0);
	assert_int_equal(b[0], 1767196800);	/* 2026-01-01 +08:00 */
	assert_int_equal(b[2], 1772294400);	/* 2026-03-01 */
	assert_int_equal(b[LEDGER_MONTHS], 1798732800);	/* 2027-01-01 */
	assert_int_equal(ledger_year_bounds(99, 0, b), -1);
	assert_string_equal(ledger_state_zh(TIP_RECEIVED), "待分派");
	assert_string_equal(ledger_state_zh(TIP_DISPOSING), "处置中");
	assert_string_equal(ledger_measure_zh("deregistered"), "注吊销");
	assert_string_equal(ledger_measure_zh("nonsense"), "");
}

/* Each refusal of a move has its own answer. */
static void
test_statuses(void **state)
{
	const char	*code;

	(void)state;
	assert_int_equal(api_tips_status(TIPFLOW_OK, &code), 200);
	assert_null(code);
	assert_int_equal(api_tips_status(TIPFLOW_NOT_FOUND, &code), 404);
	assert_string_equal(code, "not_found");
	assert_int_equal(api_tips_status(TIPFLOW_BAD_STATE, &code), 409);
	assert_string_equal(code, "wrong_state");
	assert_int_equal(api_tips_status(TIPFLOW_BAD_ROLE, &code), 403);
	assert_string_equal(code, "forbidden_role");
	assert_int_equal(api_tips_status(TIPFLOW_BAD_ARGS, &code), 400);
	assert_int_equal(api_tips_status(TIPFLOW_RACE, &code), 409);
	assert_string_equal(code, "conflict");
	assert_int_equal(api_tips_status(TIPFLOW_FAILED, &code), 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_export_scope),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_statuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

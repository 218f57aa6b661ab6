/*
 * Unit tests of `fangfei import phones` (bot/import.c): headers, number
 * forms, rejected rows with their line numbers, a number given twice, the
 * counts; and that neither its messages nor the command's output ever
 * hold a number in clear.
 */
#include <sys/wait.h>

#include "teststore.h"

#include "storage/areas.h"
#include "storage/phones.h"
#include "storage/staff.h"

static const uint8_t key[STORE_KEY_LEN] = { 5, 4, 3 };

struct fixture {
	char		*dir;
	struct store	*s;
	int64_t		 b12, b13;
};

/* A database with the demo areas. */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);

	assert_non_null(fx);
	fx->s = teststore_open(key, &fx->dir);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格/12号楼",
	    &fx->b12), STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格/13号楼",
	    &fx->b13), STORE_OK);
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

/* Imports csv as phones; returns import_csv's result, with what it wrote
 * to its error stream in *errs (caller frees) and *cause freed. */
static int
import(struct fixture *fx, const char *csv, struct import_stats *st,
    char **errs)
{
	FILE	*f, *e;
	char	*cause = NULL;
	size_t	 len = 0;
	int	 rc;

	f = fmemopen((void *)(uintptr_t)csv, strlen(csv), "r");
	assert_non_null(f);
	*errs = NULL;
	assert_non_null(e = open_memstream(errs, &len));
	rc = import_csv(fx->s, IMPORT_PHONES, f, "test.csv", e, 1000, NULL,
	    "test", st, &cause);
	fclose(f);
	fclose(e);
	if (rc == -1) {
		assert_non_null(cause);
		/* The cause goes to the terminal too. */
		assert_null(strstr(cause, "1380000"));
	}
	free(cause);
	return rc;
}

/* How many numbers area holds. */
static long
count(struct fixture *fx, int64_t area)
{
	struct phone_counts	 c;

	assert_int_equal(phones_count(fx->s, area, &c), STORE_OK);
	return c.numbers;
}

/* Whether text has a run of more than four digits (a number's). */
static int
has_digit_run(const char *text)
{
	int	 run = 0;

	for (; *text != '\0'; text++) {
		run = (*text >= '0' && *text <= '9') ? run + 1 : 0;
		if (run > 4)
			return 1;
	}
	return 0;
}

/* Chinese headers after a BOM, the forms people write numbers in, and a
 * second import that finds them all in place, then one that moves one. */
static void
test_headers_forms(void **state)
{
	struct fixture		*fx = *state;
	struct import_stats	 st;
	char			*errs;
	int			 out;
	static const char	 csv[] =
	    "\xef\xbb\xbf手机号,楼栋,姓名\n"
	    "138 0000 0001,华光路社区/第3网格/12号楼,张三\n"
	    "+86 138-0000-0002,13号楼,\n"
	    "0086 (138) 0000 0003,张店区/车站街道/华光路社区/第3网格/12号楼,李四\n"
	    "\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98" "00000004,13号楼,王五\n";

	assert_int_equal(import(fx, csv, &st, &errs), 0);
	assert_string_equal(errs, "");
	free(errs);
	assert_int_equal(st.rows, 4);
	assert_int_equal(st.imported, 4);
	assert_int_equal(st.added, 4);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(count(fx, fx->b12), 2);
	assert_int_equal(count(fx, fx->b13), 2);
	assert_int_equal(phones_opted_out(fx->s, "+8613800000004", &out),
	    STORE_OK);

	assert_int_equal(import(fx, csv, &st, &errs), 0);
	free(errs);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.unchanged, 4);

	assert_int_equal(import(fx, "phone,area\n13800000001,13号楼\n", &st,
	    &errs), 0);
	free(errs);
	assert_int_equal(st.moved, 1);
	assert_int_equal(st.imported, 1);
	assert_int_equal(count(fx, fx->b12), 1);
	assert_int_equal(count(fx, fx->b13), 3);
}

/* English headers in any order and case, and a file with none (a number
 * in the first cell), by position. */
static void
test_header_order(void **state)
{
	struct fixture		*fx = *state;
	struct import_stats	 st;
	char			*errs;

	assert_int_equal(import(fx, "Name,Area,Mobile\n张三,12号楼,"
	    "13800000001\n", &st, &errs), 0);
	free(errs);
	assert_int_equal(st.added, 1);
	assert_int_equal(count(fx, fx->b12), 1);

	assert_int_equal(import(fx, "13800000002,13号楼,李四\n"
	    "13800000003,13号楼\n", &st, &errs), 0);
	free(errs);
	assert_int_equal(st.rows, 2);
	assert_int_equal(st.added, 2);
	assert_int_equal(count(fx, fx->b13), 2);
}

/* A header without a phone column stops the import, echoing no cell;
 * nothing is kept. An empty file too. */
static void
test_bad_header(void **state)
{
	struct fixture		*fx = *state;
	struct import_stats	 st;
	char			*errs;

	assert_int_equal(import(fx, "tel,area\n13800000001,12号楼\n", &st,
	    &errs), -1);
	free(errs);
	assert_int_equal(count(fx, fx->b12), 0);
	/* A first row whose number is bad is no header either. */
	assert_int_equal(import(fx, "1380000000,12号楼\n13800000001,12号楼\n",
	    &st, &errs), -1);
	free(errs);
	assert_int_equal(count(fx, fx->b12), 0);
	/* Nor a header with no area column. */
	assert_int_equal(import(fx, "手机号,姓名\n13800000001,张三\n", &st,
	    &errs), -1);
	free(errs);
	assert_int_equal(count(fx, fx->b12), 0);
	assert_int_equal(import(fx, "\n\n", &st, &errs), -1);
	free(errs);
}

/* An import is audited in its own transaction, with counts and never a
 * number; one that keeps nothing leaves no entry. */
static void
test_audited(void **state)
{
	struct fixture		*fx = *state;
	struct audit_filter	 af = { "phones import", 0, 0, 0 };
	struct audit_entry	 e[4];
	struct import_stats	 st;
	size_t			 n;
	char			*errs;

	assert_int_equal(import(fx, "手机号,区域\n13800000001,12号楼\n"
	    "12345,12号楼\n", &st, &errs), 0);
	free(errs);
	assert_int_equal(audit_list(fx->s, &af, e, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].actor, "test");
	assert_string_equal(e[0].detail, "2 rows, 1 imported, 1 rejected "
	    "(test.csv)");
	assert_null(strstr(e[0].detail, "13800000001"));
	assert_int_equal(import(fx, "tel,area\n13800000001,12号楼\n", &st,
	    &errs), -1);
	free(errs);
	assert_int_equal(audit_list(fx->s, &af, e, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
}

/* Bad rows are reported with their line numbers and the reason, never
 * with the number; good rows are kept; of a number given twice the later
 * row wins, and the warning names both lines. */
static void
test_rows(void **state)
{
	struct fixture		*fx = *state;
	struct import_stats	 st;
	char			*errs;
	static const char	 csv[] =
	    "手机号码,区域,名字\n"			/* 1 */
	    "13800000001,12号楼,张三\n"			/* 2 kept, then overridden */
	    "1380000000,12号楼\n"			/* 3 too short */
	    ",12号楼\n"					/* 4 empty */
	    "05332180000,12号楼\n"			/* 5 a landline */
	    "13800000002,没有这个楼\n"			/* 6 no such area */
	    "13800000003,13800000009\n"			/* 7 a number as area */
	    "13800000004,\n"				/* 8 no area */
	    "+86 13800000001,13号楼,张三\n"		/* 9 the later row */
	    "13800000005,第3网格\n"			/* 10 kept */
	    "13800000006,12号楼\xff\n";			/* 11 not UTF-8 */

	assert_int_equal(import(fx, csv, &st, &errs), 0);
	assert_int_equal(st.rows, 10);
	assert_int_equal(st.rejected, 7);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.warnings, 1);
	assert_int_equal(st.imported, 2);
	assert_int_equal(st.added, 2);
	assert_true(st.rows <= st.imported + st.rejected + st.duplicates);

	assert_non_null(strstr(errs, "test.csv:3: 手机号无效"));
	assert_non_null(strstr(errs, "号码位数不对"));
	assert_non_null(strstr(errs, "test.csv:4: 手机号无效"));
	assert_non_null(strstr(errs, "号码为空"));
	assert_non_null(strstr(errs, "test.csv:5: 手机号无效"));
	assert_non_null(strstr(errs, "test.csv:6: 区域“没有这个楼”不存在"));
	assert_non_null(strstr(errs, "test.csv:7: 区域不存在"));
	assert_non_null(strstr(errs, "test.csv:8: 区域为空"));
	assert_non_null(strstr(errs, "test.csv:9: 注意 (warning): 号码 "
	    "138****0001 与第 2 行重复"));
	assert_non_null(strstr(errs, "test.csv:11: 不是 UTF-8"));
	assert_null(strstr(errs, "test.csv:2:"));
	assert_null(strstr(errs, "test.csv:10:"));
	/* No number, whole or in part, beyond the masked form. */
	assert_int_equal(has_digit_run(errs), 0);
	assert_null(strstr(errs, "张三"));
	free(errs);

	/* The later row won: the number is in 13号楼 only. */
	assert_int_equal(count(fx, fx->b12), 0);
	assert_int_equal(count(fx, fx->b13), 1);
}

/* Blanks every occurrence of what in text (a temporary directory's
 * random name may hold digits). */
static void
blank(char *text, const char *what)
{
	char	*p;

	while ((p = strstr(text, what)) != NULL)
		memset(p, '_', strlen(what));
}

/* The command: a bad row and a good one; exit 1, the counts Chinese
 * first, and no digit of either number in what it prints. */
static void
test_cli_no_number(void **state)
{
	char	*dir = testutil_tmpdir(), db[512], csv[512], out[8192];
	FILE	*f;
	const char *areas[] = { "import", "areas", "data/demo/areas.csv",
	    "--db", db, NULL };
	const char *phones[] = { "import", "phones", csv, "--db", db, NULL };

	(void)state;
	(void)snprintf(db, sizeof db, "%s/t.db", dir);
	(void)snprintf(csv, sizeof csv, "%s/p.csv", dir);
	assert_non_null(f = fopen(csv, "w"));
	fputs("phone,area,name\n"
	    "1391234567,12号楼,张三\n"
	    "139 1234 5678,12号楼,李四\n"
	    "13987654321,13987654321\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(testutil_run(areas, out, sizeof out), 0);
	assert_int_equal(testutil_run(phones, out, sizeof out), 1);
	blank(out, dir);
	assert_non_null(strstr(out, ":2: 手机号无效"));
	assert_non_null(strstr(out, ":4: 区域不存在"));
	assert_non_null(strstr(out, "已导入号码 imported numbers: 新增 added 1"));
	assert_non_null(strstr(out, "拒绝 rejected 2"));
	assert_null(strstr(out, "1391234567"));
	assert_null(strstr(out, "1234"));
	assert_null(strstr(out, "5678"));
	assert_null(strstr(out, "98765"));
	assert_null(strstr(out, "54321"));
	assert_null(strstr(out, "张三"));
	assert_null(strstr(out, "李四"));
	/* Again: unchanged, still no number. */
	assert_int_equal(testutil_run(phones, out, sizeof out), 1);
	blank(out, dir);
	assert_non_null(strstr(out, "未变 unchanged 1"));
	assert_null(strstr(out, "1234"));
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_headers_forms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_header_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_header, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audited, setup, teardown),
		cmocka_unit_test(test_cli_no_number),
	};

	return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}

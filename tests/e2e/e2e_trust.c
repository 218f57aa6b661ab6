/*
 * End-to-end tests of what keeps reporters' trust, through the daemon: a
 * grid worker's chat asking to see a reporter (refused, audited); the
 * two-person reveal through chat commands, shown once; the identity in
 * neither the database files nor the log in clear afterwards, nor a
 * reporter's chat and sender beside their tip's reference; a receipt
 * from the letter page opening its tip's status by chat and on the page;
 * rewards from the CLI and the API.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

#define REPORTER_ID	"res-e2e-4711"
#define REPORTER_NAME	"王阿姨E2E"

static struct daemon d;
static char log_path[512];

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	(void)snprintf(log_path, sizeof log_path, "%s/daemon.log", d.dir);
	e2e_start_log(&d, log_path);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/* POSTs a private message to the generic channel "demo". */
static struct http_result
say(const char *sender, const char *name, const char *text, const char *msgid)
{
	char	 chat[64];

	(void)snprintf(chat, sizeof chat, "u-%s", sender);
	return e2e_say(&d, NULL, chat, sender, name, text, msgid);
}

/* Says text and checks the answer holds want (NULL: anything). */
static void
say_expect(const char *sender, const char *text, const char *msgid,
    const char *want)
{
	struct http_result	 r = say(sender, sender, text, msgid);

	assert_int_equal(r.status, 200);
	if (want != NULL && strstr(r.body, want) == NULL)
		fail_msg("\"%s\": wanted \"%s\" in %s", text, want, r.body);
	e2e_result_free(&r);
}

/* Pulls the tip reference out of an answer. */
static void
ref_of(const char *body, char ref[32])
{
	const char	*p = strstr(body, "JB-");
	size_t		 n;

	assert_non_null(p);
	n = strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");
	assert_int_equal(n, 18);
	memcpy(ref, p, n);
	ref[n] = '\0';
}

/* Adds a staff member with the CLI and binds sender's chat to them;
 * returns their id. */
static long
bind_staff(const char *name, const char *role, const char *area,
    const char *sender)
{
	long	 id = e2e_bind_staff(&d, NULL, NULL, sender, name, role, area);

	assert_true(id > 0);
	return id;
}

/* Whether the daemon's log holds s. */
static int
log_holds(const char *s)
{
	FILE	*f = fopen(log_path, "r");
	char	 line[4096];
	int	 found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

/* A grid worker is refused and audited; two officers and a custodian
 * reveal a reporter once; nothing of them is left in clear. */
static void
test_reveal(void **state)
{
	static const char *const cust[] = { "staff", "custodian", "--id",
	    NULL, "on", NULL };
	const char		*args[6];
	struct http_result	 r;
	char			 ref[32], text[256], sql[256], id[24];
	long			 worker, b;

	(void)state;
	worker = bind_staff("网格员甲", "grid_worker", "华光路社区", "w1");
	(void)bind_staff("处非办乙", "office", "张店区", "oa");
	b = bind_staff("处非办丙", "office", "张店区", "ob");

	r = say(REPORTER_ID, REPORTER_NAME, "举报 有人在小区推销保本高息理财",
	    "tip-1");
	assert_int_equal(r.status, 200);
	ref_of(r.body, ref);
	e2e_result_free(&r);

	/* The grid worker: refused, and the attempt is in the audit log. */
	(void)snprintf(text, sizeof text, "查看举报人 %s 想联系一下", ref);
	say_expect("w1", text, "w1-1", "无权查看举报人");
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE "
	    "actor = 'staff:%ld' AND action = 'reveal refused'", worker);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM reveals"), 0);

	/* The officer asks; nothing is shown before a custodian approves. */
	(void)snprintf(text, sizeof text, "查看举报人 %s 需当面核实损失", ref);
	say_expect("oa", text, "oa-1", "申请号");
	(void)snprintf(id, sizeof id, "%ld",
	    e2e_sql_long(&d, "SELECT max(id) FROM reveals"));
	(void)snprintf(text, sizeof text, "举报人 %s", id);
	say_expect("oa", text, "oa-2", "不能查看");
	(void)snprintf(text, sizeof text, "批准 %s", id);
	say_expect("ob", text, "ob-1", "只有保管人");
	(void)snprintf(sql, sizeof sql, "%ld", b);
	memcpy(args, cust, sizeof cust);
	args[3] = sql;
	assert_int_equal(e2e_cli(&d, args, text, sizeof text), 0);
	(void)snprintf(text, sizeof text, "批准 %s", id);
	say_expect("ob", text, "ob-2", "已批准");

	/* Shown once; the retry of that message gets no copy. */
	(void)snprintf(text, sizeof text, "举报人 %s", id);
	r = say("oa", "oa", text, "oa-3");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, REPORTER_ID));
	assert_non_null(strstr(r.body, REPORTER_NAME));
	e2e_result_free(&r);
	r = say("oa", "oa", text, "oa-3");
	assert_null(strstr(r.body, REPORTER_NAME));
	e2e_result_free(&r);
	r = say("oa", "oa", text, "oa-4");
	assert_non_null(strstr(r.body, "不能查看"));
	assert_null(strstr(r.body, REPORTER_NAME));
	e2e_result_free(&r);

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tip_events e JOIN "
	    "tips t ON t.id = e.tip_id WHERE t.ref = '%s' AND e.kind IN "
	    "('reveal_requested', 'reveal_approved', 'revealed')", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 3);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE action IN ('reveal requested', 'reveal approved', "
	    "'reveal shown')"), 3);
	/* The name was only ever in the seal; the shown answer is kept
	 * nowhere; the log names no reporter. */
	assert_false(e2e_db_holds(&d, REPORTER_NAME));
	assert_false(e2e_db_holds(&d, REPORTER_ID));
	/* A refused request is logged: the log is there and being written. */
	r = e2e_request(&d, "POST", "/hook/demo", NULL, "{}", 2);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	assert_true(log_holds("400"));
	assert_false(log_holds(REPORTER_NAME));
	assert_false(log_holds(REPORTER_ID));
}

/*
 * A tip through the generic channel, its webhook retried: the retry gets
 * the same answer and makes no second tip; afterwards neither the
 * reporter's chat id, sender id or name nor the answer that carried the
 * tip's reference is in the database in clear (the dedupe record is a
 * keyed hash and a seal, storage/chats.c), so the file alone does not
 * link the reporter to the tip.
 */
static void
test_tip_sealed(void **state)
{
	struct http_result	 r, again;
	char			 ref[32], said[64], sql[128];

	(void)state;
	r = say("seal-8123", "居民乙E2E", "举报 上门推销高息养老项目",
	    "tip-seal-1");
	assert_int_equal(r.status, 200);
	ref_of(r.body, ref);
	again = say("seal-8123", "居民乙E2E", "举报 上门推销高息养老项目",
	    "tip-seal-1");
	assert_int_equal(again.status, 200);
	assert_string_equal(again.body, r.body);
	e2e_result_free(&again);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE "
	    "body LIKE '%高息养老项目%'"), 1);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips WHERE "
	    "ref = '%s'", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	/* The same message id from another sender is another message. */
	r = say("seal-8124", "居民丙E2E", "举报 另一条养老项目线索",
	    "tip-seal-1");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "JB-"));
	assert_null(strstr(r.body, ref));
	e2e_result_free(&r);

	assert_false(e2e_db_holds(&d, "u-seal-8123"));
	assert_false(e2e_db_holds(&d, "seal-8123"));
	assert_false(e2e_db_holds(&d, "居民乙E2E"));
	(void)snprintf(said, sizeof said, "编号 %s", ref);
	assert_false(e2e_db_holds(&d, said));
	assert_false(log_holds("seal-8123"));
}

/* Makes a letter with its codes once; code gets one of them. */
static void
letter_code(char code[32])
{
	static const char *const add[] = { "letter", "add", "--title",
	    "致广大居民的一封公开信", "--issuer", "张店区处非办", "--date",
	    "2026-06-15", "--area", "张店区", "data/demo/letter.md", NULL };
	static const char *const codes[] = { "letter", "codes", "--id", "1",
	    "--area", "车站街道", "--place", "电梯厅", NULL };
	char	 out[4096];

	if (e2e_sql_long(&d, "SELECT count(*) FROM letters") == 0) {
		assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
		assert_int_equal(e2e_cli(&d, codes, out, sizeof out), 0);
	}
	assert_int_equal(e2e_sql_text(&d, "SELECT code FROM letter_codes "
	    "ORDER BY id LIMIT 1", code, 32), 0);
}

/* A tip from the letter page gets its receipt once; the receipt opens
 * the tip by chat and on the page; it is not in the files in clear. */
static void
test_receipt(void **state)
{
	static const char *const form[] = {
	    "Content-Type: application/x-www-form-urlencoded", NULL };
	struct http_result	 r;
	char			 code[32], path[128], body[512], nonce[80];
	char			 grouped[32], digits[20], ref[32], text[96];
	const char		*p;
	size_t			 i, k;

	(void)state;
	letter_code(code);
	(void)snprintf(path, sizeof path, "/l/%s", code);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "/receipt\""));
	assert_non_null(p = strstr(r.body, "name=\"n\" value=\""));
	p += strlen("name=\"n\" value=\"");
	(void)snprintf(nonce, sizeof nonce, "%.*s", (int)strcspn(p, "\""), p);
	e2e_result_free(&r);

	(void)snprintf(path, sizeof path, "/l/%s/report", code);
	(void)snprintf(body, sizeof body, "text=%%E6%%9C%%89%%E4%%BA%%BA%%E6"
	    "%%8E%%A8%%E9%%94%%80%%E5%%8E%%9F%%E5%%A7%%8B%%E8%%82%%A1&n=%s",
	    nonce);	/* 有人推销原始股 */
	r = e2e_request(&d, "POST", path, form, body, strlen(body));
	assert_int_equal(r.status, 200);
	ref_of(r.body, ref);
	assert_non_null(p = strstr(r.body, "您的回执号："));
	p += strlen("您的回执号：");
	(void)snprintf(grouped, sizeof grouped, "%.19s", p);
	for (i = 0, k = 0; grouped[i] != '\0'; i++)
		if (grouped[i] >= '0' && grouped[i] <= '9')
			digits[k++] = grouped[i];
	digits[k] = '\0';
	assert_int_equal(k, 16);
	assert_int_equal(grouped[4], ' ');
	e2e_result_free(&r);
	/* The same form again: the same tip, and no second receipt. */
	r = e2e_request(&d, "POST", path, form, body, strlen(body));
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "回执号："));
	assert_null(strstr(r.body, digits));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM receipts"), 1);

	/* From a chat that never saw the tip. */
	(void)snprintf(text, sizeof text, "进度 %s", grouped);
	say_expect("stranger", text, "st-1", ref);
	(void)snprintf(text, sizeof text, "进度 %.15s%c", digits,
	    digits[15] == '9' ? '0' : digits[15] + 1);
	say_expect("stranger", text, "st-2", "没有找到与该回执号对应的线索");
	/* On the letter page. */
	(void)snprintf(path, sizeof path, "/l/%s/receipt", code);
	(void)snprintf(body, sizeof body, "text=%s", digits);
	r = e2e_request(&d, "POST", path, form, body, strlen(body));
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, ref));
	e2e_result_free(&r);

	assert_false(e2e_db_holds(&d, digits));
	assert_false(e2e_db_holds(&d, grouped));
	assert_false(log_holds(digits));
	assert_false(log_holds(grouped));
}

/*
 * More (year, area) rows than the CLI's table: it lists 1,000 and prints
 * no grand total, which would read as the whole. 1,001 new streets, each
 * with a copy of tip ref (the same year) and a reward of 100 yuan.
 */
static void
stats_cut(const char *ref)
{
	static const char *const all[] = { "reward", "stats", "--year",
	    "2026", NULL };
	static char		 out[128 * 1024];
	char			 sql[640];
	const char		*p;
	long			 lines = 0;

	assert_int_equal(e2e_sql_exec(&d, "WITH RECURSIVE n(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM n WHERE i < 1001) INSERT INTO areas "
	    "(parent_id, name, level, path) SELECT a.id, 'CUT-' || i, 2, "
	    "a.path || '/CUT-' || i FROM areas a, n WHERE a.level = 1"), 0);
	(void)snprintf(sql, sizeof sql, "INSERT INTO tips (ref, body, "
	    "area_id, channel, chat_kind, created_at, updated_at, state) "
	    "SELECT 'CUT-' || a.id, t.body, a.id, t.channel, t.chat_kind, "
	    "t.created_at, t.updated_at, t.state FROM tips t, areas a WHERE "
	    "t.ref = '%s' AND a.name LIKE 'CUT-%%'", ref);
	assert_int_equal(e2e_sql_exec(&d, sql), 0);
	assert_int_equal(e2e_sql_exec(&d, "INSERT INTO rewards (tip_id, "
	    "eligible, stage1_yuan, updated_at) SELECT id, 1, 100, 0 FROM "
	    "tips WHERE ref LIKE 'CUT-%'"), 0);
	assert_int_equal(e2e_cli(&d, all, out, sizeof out), 0);
	for (p = out; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 1 + 1000);	/* the header and the rows */
	assert_null(strstr(out, "合计"));
	assert_non_null(strstr(out, "/CUT-1\t1\t1\t0\t100\t0\n"));
}

/* Rewards: the CLI refuses what the rules refuse; the API lists. */
static void
test_rewards(void **state)
{
	const char		*set[] = { "reward", "set", "--tip", NULL,
	    "--eligible", "yes", NULL };
	static const char *const tok[] = { "token", "create", "--role",
	    "office", "--area", "张店区", NULL };
	static const char *const stats[] = { "reward", "stats", "--year",
	    "2026", NULL };
	char			 ref[32], out[1024], token[128], auth[160];
	const char		*hdr[] = { auth, NULL };
	struct http_result	 r;

	(void)state;
	r = say("res-reward", "res", "举报 某公司承诺稳赚不赔", "rw-1");
	ref_of(r.body, ref);
	e2e_result_free(&r);
	set[3] = ref;
	assert_int_equal(e2e_cli(&d, set, out, sizeof out), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM rewards"), 0);
	assert_int_equal(e2e_cli(&d, stats, out, sizeof out), 0);
	assert_non_null(strstr(out, "year\tarea"));

	assert_int_equal(e2e_cli(&d, tok, token, sizeof token), 0);
	token[strcspn(token, "\n")] = '\0';
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	r = e2e_request(&d, "GET", "/api/v1/rewards?year=2026", hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"items\""));
	e2e_result_free(&r);
	/* The totals say whether they are all there. */
	r = e2e_request(&d, "GET", "/api/v1/rewards/stats?year=2026", hdr,
	    NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"more\":false"));
	e2e_result_free(&r);
	(void)snprintf(out, sizeof out, "{\"tip\":\"%s\",\"action\":\"set\","
	    "\"eligible\":true}", ref);
	r = e2e_request(&d, "POST", "/api/v1/rewards", hdr, out, strlen(out));
	assert_int_equal(r.status, 409);
	assert_non_null(strstr(r.body, "not confirmed"));
	e2e_result_free(&r);
	stats_cut(ref);
}


/* The daemon stops cleanly, with nothing of the reporter in its last
 * lines either (and, in the sanitizer build, no report). */
static void
test_stop(void **state)
{
	(void)state;
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	assert_false(log_holds(REPORTER_NAME));
	assert_false(log_holds("runtime error"));
	assert_false(log_holds("Sanitizer"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reveal),
		cmocka_unit_test(test_tip_sealed),
		cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_rewards),
		cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

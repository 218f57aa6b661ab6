/*
 * End-to-end tests: the real binary on a free loopback port, a temporary
 * database with the demo data, libcurl as the platform. Webhook cases are
 * data files in tests/data/hooks, one NNN-name.case each (request, expected status, text
 * that must and must not appear in the answer).
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

#define CASE_DIR	"tests/data/hooks"

static struct daemon d;

/* Starts one daemon for the group. */
static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	e2e_start(&d);
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

/* POSTs a generic-channel message and returns the answer. */
static struct http_result
say(const char *channel, const char *chat, const char *sender,
    const char *text, const char *msgid)
{
	return e2e_say(&d, channel, chat, sender, NULL, text, msgid);
}

/* Pulls the tip reference out of an answer. */
static void
ref_of(const char *body, char ref[32])
{
	const char	*p = strstr(body, "JB-");
	size_t		 n;

	assert_non_null(p);
	n = strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");
	assert_int_equal(n, 18);	/* JB-YYYYMMDD-XXXXXX */
	memcpy(ref, p, n);
	ref[n] = '\0';
}

/* Runs one case file. */
static void
run_case(const char *file)
{
	char			 path[512], line[4096], *body = NULL;
	const char		*headers[8] = { NULL };
	char			*hstore[8] = { NULL };
	char			*contains[8] = { NULL }, *absent[8] = { NULL };
	char			 method[64] = "POST", url[4096] = "";
	char			 sign[128] = "";
	long			 skew = 0;
	size_t			 nh = 0, nc = 0, na = 0, blen = 0, i;
	long			 status = 200;
	struct http_result	 r;
	FILE			*f;

	(void)snprintf(path, sizeof path, "%s/%s", CASE_DIR, file);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "method: ", 8) == 0)
			(void)snprintf(method, sizeof method, "%.60s", line + 8);
		else if (strncmp(line, "path: ", 6) == 0)
			(void)snprintf(url, sizeof url, "%s", line + 6);
		else if (strncmp(line, "header: ", 8) == 0 && nh < 7)
			headers[nh] = hstore[nh] = strdup(line + 8), nh++;
		else if (strncmp(line, "sign: ", 6) == 0) {
			/* "sign: SECRET [SKEW]": X-Fangfei-Timestamp (now +
			 * SKEW seconds) and its signature, made at run time. */
			if (sscanf(line + 6, "%127s %ld", sign, &skew) < 1)
				fail_msg("%s: bad sign line", file);
		} else if (strncmp(line, "status: ", 8) == 0)
			status = strtol(line + 8, NULL, 10);
		else if (strncmp(line, "contains: ", 10) == 0 && nc < 8)
			contains[nc++] = strdup(line + 10);
		else if (strncmp(line, "absent: ", 8) == 0 && na < 8)
			absent[na++] = strdup(line + 8);
		else if (strcmp(line, "body:") == 0) {
			/* The rest of the file, byte for byte, is the body;
			 * one trailing newline is dropped. */
			body = malloc(65536 + 1);
			blen = fread(body, 1, 65536, f);
			if (blen > 0 && body[blen - 1] == '\n')
				blen--;
			body[blen] = '\0';
			break;
		} else
			fail_msg("%s: cannot read \"%s\"", file, line);
	}
	fclose(f);
	if (*sign != '\0' && nh < 6) {
		char ts[24], sig[80];

		(void)snprintf(ts, sizeof ts, "%lld",
		    (long long)time(NULL) + skew);
		assert_int_equal(e2e_sign_generic(sign, ts, body ? body : "",
		    blen, sig), 0);
		headers[nh] = hstore[nh] = malloc(128);
		(void)snprintf(hstore[nh], 128, "X-Fangfei-Timestamp: %s", ts);
		nh++;
		headers[nh] = hstore[nh] = malloc(128);
		(void)snprintf(hstore[nh], 128, "X-Fangfei-Signature: %s", sig);
		nh++;
	}
	r = e2e_request(&d, method, url, headers, body, blen);
	if (r.status != status)
		fail_msg("%s: status %ld, want %ld; body %s", file, r.status,
		    status, r.body);
	for (i = 0; i < nc; i++)
		if (strstr(r.body, contains[i]) == NULL)
			fail_msg("%s: answer lacks \"%s\": %s", file,
			    contains[i], r.body);
	for (i = 0; i < na; i++)
		if (strstr(r.body, absent[i]) != NULL)
			fail_msg("%s: answer has \"%s\": %s", file, absent[i],
			    r.body);
	e2e_result_free(&r);
	for (i = 0; i < nh; i++)
		free(hstore[i]);
	for (i = 0; i < nc; i++)
		free(contains[i]);
	for (i = 0; i < na; i++)
		free(absent[i]);
	free(body);
}

/* Compares names for qsort. */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every case file, in name order; the daemon must survive them all. */
static void
test_cases(void **state)
{
	DIR		*dir;
	struct dirent	*e;
	char		*names[256];
	size_t		 n = 0, i;
	size_t		 len;
	struct http_result r;

	(void)state;
	if ((dir = opendir(CASE_DIR)) == NULL)
		fail_msg("no %s", CASE_DIR);
	while ((e = readdir(dir)) != NULL && n < 256) {
		len = strlen(e->d_name);
		if (len > 5 && strcmp(e->d_name + len - 5, ".case") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(dir);
	assert_true(n >= 10);
	qsort(names, n, sizeof names[0], cmp_names);
	for (i = 0; i < n; i++) {
		run_case(names[i]);
		free(names[i]);
	}
	r = e2e_request(&d, "GET", "/healthz", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	/* Nothing those bad requests sent was stored. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE "
	    "body LIKE '%不应保存%'"), 0);
}

/* A retried delivery is answered again; the tip is stored once. */
static void
test_dedupe(void **state)
{
	struct http_result	 a, b;
	char			 ra[32], rb[32];
	long			 before = e2e_sql_long(&d,
				    "SELECT count(*) FROM tips");

	(void)state;
	a = say("demo", "u-dedupe", "u-dedupe", "举报 重复投递测试", "dup-1");
	b = say("demo", "u-dedupe", "u-dedupe", "举报 重复投递测试", "dup-1");
	assert_int_equal(a.status, 200);
	assert_int_equal(b.status, 200);
	ref_of(a.body, ra);
	ref_of(b.body, rb);
	assert_string_equal(ra, rb);
	assert_string_equal(a.body, b.body);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"),
	    before + 1);
	e2e_result_free(&a);
	e2e_result_free(&b);
	/* The same id on another channel is another message. */
	a = say("en", "u-dedupe", "u-dedupe", "/report same id elsewhere",
	    "dup-1");
	assert_non_null(strstr(a.body, "recorded as JB-"));
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"),
	    before + 2);
	e2e_result_free(&a);
}

/* Status is for the reporter only; the tip keeps the channel's area; a group
 * chat takes no tips. */
static void
test_status_and_area(void **state)
{
	struct http_result	 r;
	char			 ref[32], text[128], sql[256];

	(void)state;
	long			 reporters = e2e_sql_long(&d,
				    "SELECT count(*) FROM reporters");

	/* In a group a tip would expose the reporter: it is refused with
	 * the way to a private chat, and nothing is stored. */
	r = say("demo", "g-building-12", "resident-1", "举报 有人在电梯厅发保本"
	    "高息传单", "area-0");
	assert_non_null(strstr(r.body, "请私聊本机器人"));
	assert_null(strstr(r.body, "JB-"));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE "
	    "body LIKE '%电梯厅%'"), 0);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM reporters"),
	    reporters);
	r = say("demo", "u-resident-1", "resident-1", "举报 有人在电梯厅发保本"
	    "高息传单", "area-1");
	ref_of(r.body, ref);
	e2e_result_free(&r);
	(void)snprintf(sql, sizeof sql, "SELECT a.level FROM tips t JOIN areas "
	    "a ON a.id = t.area_id WHERE t.ref = '%s'", ref);
	assert_int_equal(e2e_sql_long(&d, sql), 3);	/* the community */
	/* Nothing in the tips table names the reporter. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE "
	    "body LIKE '%resident-1%' OR channel LIKE '%resident-1%'"), 0);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM reporters WHERE "
	    "instr(sealed, 'resident-1') > 0"), 0);

	(void)snprintf(text, sizeof text, "进度 %s", ref);
	r = say("demo", "u-resident-1", "resident-1", text, "st-1");
	assert_non_null(strstr(r.body, "已受理"));
	e2e_result_free(&r);
	(void)snprintf(text, sizeof text, "/status %s", ref);
	r = say("demo", "u-other", "someone-else", text, "st-2");
	assert_non_null(strstr(r.body, "没有找到您举报的"));
	assert_null(strstr(r.body, "已受理"));
	e2e_result_free(&r);
}

/* Many reports at once: each gets its own reference. */
static void
test_concurrent_reports(void **state)
{
	CURLM		*m = curl_multi_init();
	CURL		*c[16];
	char		 body[16][256], url[128];
	struct curl_slist *hl = curl_slist_append(NULL,
	    "Content-Type: application/json");
	long		 before = e2e_sql_long(&d, "SELECT count(*) FROM tips");
	FILE		*null = fopen("/dev/null", "w");
	int		 i, running = 1;

	(void)state;
	(void)snprintf(url, sizeof url, "%s/hook/demo", d.base);
	for (i = 0; i < 16; i++) {
		(void)snprintf(body[i], sizeof body[i], "{\"chat_id\":\"c%d\","
		    "\"sender_id\":\"s%d\",\"text\":\"举报 并发%d\","
		    "\"message_id\":\"conc-%d\"}", i, i, i, i);
		c[i] = curl_easy_init();
		curl_easy_setopt(c[i], CURLOPT_URL, url);
		curl_easy_setopt(c[i], CURLOPT_POSTFIELDS, body[i]);
		curl_easy_setopt(c[i], CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(c[i], CURLOPT_WRITEFUNCTION, fwrite);
		curl_easy_setopt(c[i], CURLOPT_WRITEDATA, null);
		curl_multi_add_handle(m, c[i]);
	}
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	for (i = 0; i < 16; i++) {
		long st = 0;
		curl_easy_getinfo(c[i], CURLINFO_RESPONSE_CODE, &st);
		assert_int_equal(st, 200);
		curl_multi_remove_handle(m, c[i]);
		curl_easy_cleanup(c[i]);
	}
	fclose(null);
	curl_slist_free_all(hl);
	curl_multi_cleanup(m);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"),
	    before + 16);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(DISTINCT ref) FROM "
	    "tips"), e2e_sql_long(&d, "SELECT count(*) FROM tips"));
}

/* A group set to English answers in English. */
static void
test_group_language(void **state)
{
	struct http_result	 r;

	(void)state;
	r = say("demo", "g-lang", "u1", "语言 English", "lang-1");
	assert_non_null(strstr(r.body, "Language set to English"));
	e2e_result_free(&r);
	r = say("demo", "g-lang", "u1", "查询 鑫源财富", "lang-2");
	assert_non_null(strstr(r.body, "warning notice no. 1"));
	e2e_result_free(&r);
	r = say("demo", "g-other", "u1", "查询 鑫源财富", "lang-3");
	assert_non_null(strstr(r.body, "第1期"));
	e2e_result_free(&r);
}

/* Whether the daemon's core-file limit is 0, soft and hard (a core file
 * would hold the reporter key). */
static int
core_off(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	int	 off = 0;

	(void)snprintf(path, sizeof path, "/proc/%ld/limits", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "Max core file size", 18) == 0)
			off = strncmp(line + 26, "0                    0 ",
			    23) == 0;
	fclose(f);
	return off;
}

/* An acknowledged tip survives kill -9 (which leaves no core file);
 * SIGTERM exits 0. */
static void
test_crash_and_stop(void **state)
{
	struct http_result	 r;
	char			 ref[32], text[128];

	(void)state;
	assert_true(core_off(d.pid));
	r = say("demo", "u-crash", "u-crash", "举报 断电前提交的线索", "crash-1");
	assert_int_equal(r.status, 200);
	ref_of(r.body, ref);
	e2e_result_free(&r);
	assert_int_equal(e2e_stop(&d, SIGKILL), 128 + SIGKILL);
	e2e_start(&d);
	(void)snprintf(text, sizeof text, "进度 %s", ref);
	r = say("demo", "u-crash", "u-crash", text, "crash-2");
	assert_non_null(strstr(r.body, "已受理"));
	e2e_result_free(&r);
	/* The retry of the acknowledged message is still recognised. */
	r = say("demo", "u-crash", "u-crash", "举报 断电前提交的线索", "crash-1");
	assert_non_null(strstr(r.body, ref));
	e2e_result_free(&r);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	e2e_start(&d);		/* for the teardown and any later test */
}

/* Staff: a code from the CLI binds a chat account; the worker attaches a
 * group and warns their area, not another; residents cannot. */
static void
test_staff_chat_flow(void **state)
{
	static const char *const add[] = { "staff", "add", "--name", "王丹",
	    "--role", "grid_worker", "--area", "华光路社区", NULL };
	struct http_result	 r;
	char			 out[1024], text[128], *p;

	(void)state;
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_non_null(p = strstr(out, "bind code: "));
	(void)snprintf(text, sizeof text, "绑定 %.12s", p + 11);
	r = say("demo", "u-wang", "wang", "预警 华光路社区 有人推销理财", "sf-0");
	assert_non_null(strstr(r.body, "仅限已绑定的工作人员"));
	e2e_result_free(&r);
	r = say("demo", "u-wang", "wang", text, "sf-1");
	assert_non_null(strstr(r.body, "绑定成功：王丹（网格员）"));
	e2e_result_free(&r);
	r = say("demo", "u-x", "someone", text, "sf-2");	/* used */
	assert_non_null(strstr(r.body, "绑定码无效"));
	e2e_result_free(&r);
	r = say("demo", "g-b12", "wang", "绑定群 华光路社区/第3网格/12号楼 楼宇群",
	    "sf-3");
	assert_non_null(strstr(r.body, "本群已关联到 张店区/车站街道/华光路社区/"
	    "第3网格/12号楼（楼宇群）"));
	e2e_result_free(&r);
	r = say("demo", "u-wang", "wang", "预警 科苑街道 越权", "sf-4");
	assert_non_null(strstr(r.body, "不在您负责的区域"));
	e2e_result_free(&r);
	r = say("demo", "u-wang", "wang", "预警 华光路社区 近期有人冒充银行推销"
	    "高息理财", "sf-5");
	assert_non_null(strstr(r.body, "将发送至 1 个群"));
	e2e_result_free(&r);
	/* The demo channel has no outbound_url: the row is dead with why. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'g-b12'"), 1);
	/* The resident's help has no staff commands; the worker's has. */
	r = say("demo", "u-res", "resident", "帮助", "sf-6");
	assert_null(strstr(r.body, "预警 <区域>"));
	e2e_result_free(&r);
	r = say("demo", "u-wang", "wang", "帮助", "sf-7");
	assert_non_null(strstr(r.body, "预警 <区域>"));
	e2e_result_free(&r);
}

/*
 * [limits] warnings_per_day (10 by default): the worker of the test above,
 * with one warning sent, sends nine more; the eleventh is refused and
 * audited, on the member's second account too, and the platform's retry
 * gets the same refusal; a day later the count starts again.
 */
static void
test_warn_limit(void **state)
{
	static const char *const code[] = { "staff", "code", "--id", NULL,
	    NULL };
	const char		*args[5];
	struct http_result	 r;
	char			 id[24], out[1024], text[128], msgid[16], *p;
	int			 i;

	(void)state;
	(void)snprintf(id, sizeof id, "%ld", e2e_sql_long(&d,
	    "SELECT id FROM staff WHERE name = '王丹'"));
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM broadcasts"
	    " WHERE created_by = 'staff:' || (SELECT id FROM staff"
	    " WHERE name = '王丹')"), 1);
	for (i = 0; i < 9; i++) {
		(void)snprintf(msgid, sizeof msgid, "wl-%d", i);
		r = say("demo", "u-wang", "wang", "预警 华光路社区 谨防高息理财",
		    msgid);
		assert_non_null(strstr(r.body, "将发送至 1 个群"));
		e2e_result_free(&r);
	}
	r = say("demo", "u-wang", "wang", "预警 华光路社区 第十一条", "wl-x");
	assert_non_null(strstr(r.body, "已发布 10 条预警"));
	assert_non_null(strstr(r.body, "上限 10 条"));
	e2e_result_free(&r);
	r = say("demo", "u-wang", "wang", "预警 华光路社区 第十一条", "wl-x");
	assert_non_null(strstr(r.body, "上限 10 条"));
	e2e_result_free(&r);
	/* The member's second account counts with the first. */
	memcpy(args, code, sizeof args);
	args[3] = id;
	assert_int_equal(e2e_cli(&d, args, out, sizeof out), 0);
	assert_non_null(p = strstr(out, "王丹: "));
	(void)snprintf(text, sizeof text, "绑定 %.12s", p + strlen("王丹: "));
	r = say("demo", "u-wang2", "wang", text, "wl-b");
	assert_non_null(strstr(r.body, "绑定成功"));
	e2e_result_free(&r);
	r = say("demo", "u-wang2", "wang", "预警 华光路社区 换个账号", "wl-y");
	assert_non_null(strstr(r.body, "上限 10 条"));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM broadcasts"
	    " WHERE created_by = 'staff:' || (SELECT id FROM staff"
	    " WHERE name = '王丹')"), 10);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'warn refused'"), 2);
	/* A day later. */
	assert_int_equal(e2e_sql_exec(&d, "UPDATE broadcasts"
	    " SET created_at = created_at - 86400"), 0);
	r = say("demo", "u-wang2", "wang", "预警 华光路社区 次日再发", "wl-z");
	assert_non_null(strstr(r.body, "将发送至 1 个群"));
	e2e_result_free(&r);
}

/* The API: bearer tokens, scope, errors. */
static void
test_api(void **state)
{
	static const char *const mk[] = { "token", "create", "--role",
	    "office", "--area", "车站街道", NULL };
	struct http_result	 r;
	char			 tok[128], auth[160];
	const char		*hdr[] = { auth, NULL };
	const char		*body;

	(void)state;
	assert_int_equal(e2e_cli(&d, mk, tok, sizeof tok), 0);
	tok[strcspn(tok, "\n")] = '\0';
	r = e2e_request(&d, "GET", "/api/v1/staff", NULL, NULL, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %sx", tok);
	r = e2e_request(&d, "GET", "/api/v1/staff", hdr, NULL, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
	body = "{\"name\":\"李四\",\"role\":\"grid_chief\",\"area\":"
	    "\"共青团路社区\"}";
	r = e2e_request(&d, "POST", "/api/v1/staff", hdr, body, strlen(body));
	assert_int_equal(r.status, 201);
	assert_non_null(strstr(r.body, "\"bind_code\":\""));
	e2e_result_free(&r);
	body = "{\"name\":\"越权\",\"role\":\"grid_chief\",\"area\":"
	    "\"科苑街道\"}";
	r = e2e_request(&d, "POST", "/api/v1/staff", hdr, body, strlen(body));
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
	r = e2e_request(&d, "POST", "/api/v1/staff", hdr, "{bad", 4);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/api/v1/staff?limit=1", hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"next_after\":"));
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/api/v1/broadcasts/999999", hdr, NULL, 0);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
	r = e2e_request(&d, "DELETE", "/api/v1/staff", hdr, NULL, 0);
	assert_int_equal(r.status, 405);
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/api/v1/nothing", hdr, NULL, 0);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
}

/* Makes a letter with codes for 车站街道's buildings; returns the code of
 * 华光路社区 12号楼 (96 households) and an office token. */
static void
letter_setup(char code[32], char token[128])
{
	static const char *const add[] = { "letter", "add", "--title",
	    "致广大居民的一封公开信", "--issuer", "张店区处非办", "--date",
	    "2026-06-15", "--area", "张店区", "data/demo/letter.md", NULL };
	static const char *const codes[] = { "letter", "codes", "--id", "1",
	    "--area", "车站街道", "--place", "电梯厅", NULL };
	static const char *const tok[] = { "token", "create", "--role",
	    "office", "--area", "张店区", NULL };
	char	 out[4096];

	if (e2e_sql_long(&d, "SELECT count(*) FROM letters") == 0) {
		assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
		assert_int_equal(e2e_cli(&d, codes, out, sizeof out), 0);
		assert_non_null(strstr(out, "made 4"));
	}
	assert_int_equal(e2e_cli(&d, tok, token, 128), 0);
	token[strcspn(token, "\n")] = '\0';
	assert_int_equal(e2e_sql_text(&d, "SELECT code FROM letter_codes "
	    "WHERE label = '华光路社区 12号楼 电梯厅'", code, 32), 0);
}

/* GETs /l/CODE with a User-Agent and cookie; returns the status and
 * copies a Set-Cookie device id into dev when one is given. */
static long
visit(const char *method, const char *path, const char *ua,
    const char *cookie, char dev[32])
{
	char			 h1[256], h2[128];
	const char		*hdr[3] = { h1, NULL, NULL };
	struct http_result	 r;
	long			 st;

	(void)snprintf(h1, sizeof h1, "User-Agent: %s", ua);
	if (cookie != NULL) {
		(void)snprintf(h2, sizeof h2, "Cookie: ffd=%s", cookie);
		hdr[1] = h2;
	}
	r = e2e_request(&d, method, path, hdr, NULL, 0);
	st = r.status;
	if (dev != NULL)
		dev[0] = '\0';
	e2e_result_free(&r);
	return st;
}

/* Scans: client classes, repeat visits by cookie, bots and HEAD apart,
 * forwarded links counted apart, and the reach arithmetic. */
static void
test_letter_scans(void **state)
{
	struct http_result	 r;
	char			 code[32], token[128], path[128], auth[200];
	const char		*hdr[] = { auth, NULL };
	const char		*wx = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";
	const char		*ali = "Mozilla/5.0 (Android) AlipayClient/10.5";
	const char		*p;

	(void)state;
	letter_setup(code, token);
	(void)snprintf(path, sizeof path, "/l/%s", code);
	assert_int_equal(visit("GET", path, wx, "0123456789abcdef", NULL), 200);
	assert_int_equal(visit("GET", path, wx, "0123456789abcdef", NULL), 200);
	assert_int_equal(visit("GET", path, ali, "fedcba9876543210", NULL), 200);
	assert_int_equal(visit("GET", path, "facebookexternalhit/1.1", NULL,
	    NULL), 200);
	assert_int_equal(visit("HEAD", path, wx, NULL, NULL), 200);
	(void)snprintf(path, sizeof path, "/l/%s?from=group", code);
	assert_int_equal(visit("GET", path, "Mozilla/5.0 Safari/605", 
	    "00000000000000aa", NULL), 200);
	assert_int_equal(visit("GET", "/l/zzzzzzzzzz", wx, NULL, NULL), 404);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM scans WHERE "
	    "client = 'wechat' AND repeat = 1"), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM scans WHERE "
	    "client = 'bot'"), 2);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM scans WHERE "
	    "client = 'alipay'"), 1);
	/* No raw address: a 16-byte hash only. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM scans WHERE "
	    "length(ip_hash) <> 16 OR instr(ip_hash, '127.0.0.1') > 0"), 0);

	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	r = e2e_request(&d, "GET", "/api/v1/letters/1/stats", hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	/* 12号楼: 4 people's scans (2 wechat, 1 alipay, 1 forwarded), 3
	 * devices, 96 households: reach 3/96 = 0.03125; 2 bot visits. */
	p = strstr(r.body, "\"area\":\"张店区/车站街道/华光路社区/第3网格/12号楼\"");
	assert_non_null(p);
	assert_non_null(strstr(p, "\"scans\":4,\"scans_forwarded\":1,"
	    "\"unique_devices\":3,\"households\":96,\"bot_visits\":2,"
	    "\"reach_rate\":0.03125"));
	/* 13号楼 was never scanned. */
	assert_non_null(strstr(r.body, "华光路社区 13号楼 电梯厅"));
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/api/v1/letters/1/stats?format=csv", hdr,
	    NULL, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(memcmp(r.body, "\xef\xbb\xbf", 3), 0);
	assert_non_null(strstr(r.body, "张店区/车站街道/华光路社区/第3网格/12号楼,"
	    "building,1,0,4,1,3,96,0.0312,2"));
	e2e_result_free(&r);
}

/* The letter page's forms run the chat handlers; a resubmitted form
 * files one tip. */
static void
test_letter_forms(void **state)
{
	struct http_result	 r;
	char			 code[32], token[128], path[160], body[256];
	char			 nonce[80];
	static const char *const form[] = {
	    "Content-Type: application/x-www-form-urlencoded", NULL };
	const char		*p;
	long			 before;

	(void)state;
	letter_setup(code, token);
	(void)snprintf(path, sizeof path, "/l/%s/check?q=%%E6%%B1%%87%%E9%%87%%91"
	    "%%E9%%80%%9A", code);	/* 汇金通 */
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "示例·山东汇金通理财咨询有限公司"));
	e2e_result_free(&r);
	before = e2e_sql_long(&d, "SELECT count(*) FROM tips");
	/* The form's nonce is the one the letter page issued. */
	(void)snprintf(path, sizeof path, "/l/%s", code);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(p = strstr(r.body, "name=\"n\" value=\""));
	p += strlen("name=\"n\" value=\"");
	(void)snprintf(nonce, sizeof nonce, "%.*s", (int)strcspn(p, "\""), p);
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/l/%s/report", code);
	(void)snprintf(body, sizeof body, "text=%%E6%%9C%%89%%E4%%BA%%BA%%E5%%8F"
	    "%%91%%E4%%BC%%A0%%E5%%8D%%95&n=%s", nonce);
	r = e2e_request(&d, "POST", path, form, body, strlen(body));
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "已收到您的举报线索"));
	e2e_result_free(&r);
	r = e2e_request(&d, "POST", path, form, body, strlen(body));
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"),
	    before + 1);
	/* The tip belongs to the poster's building. */
	assert_int_equal(e2e_sql_long(&d, "SELECT a.level FROM tips t JOIN "
	    "areas a ON a.id = t.area_id ORDER BY t.id DESC LIMIT 1"), 5);
	r = e2e_request(&d, "POST", path, form, "text=x&n=short", 14);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
}

/* QR images decode to the letter's URL with a real decoder. */
static void
test_letter_qr(void **state)
{
	struct http_result	 r;
	char			 code[32], token[128], path[128], file[256];
	char			 cmd[600], out[256], want[256];
	static const char *const levels[] = { "L", "M", "Q", "H" };
	FILE			*f;
	size_t			 i;

	(void)state;
	letter_setup(code, token);
	(void)snprintf(want, sizeof want, "http://127.0.0.1:8080/l/%s", code);
	for (i = 0; i < 4; i++) {
		(void)snprintf(path, sizeof path, "/qr/%s.png?size=400&ec=%s",
		    code, levels[i]);
		r = e2e_request(&d, "GET", path, NULL, NULL, 0);
		assert_int_equal(r.status, 200);
		(void)snprintf(file, sizeof file, "%s/qr.png", d.dir);
		f = fopen(file, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(r.body, 1, r.len, f), r.len);
		fclose(f);
		e2e_result_free(&r);
		(void)snprintf(cmd, sizeof cmd, "zbarimg --nodbus --raw -q '%s' 2>/dev/null",
		    file);
		if ((f = popen(cmd, "r")) == NULL)
			fail_msg("zbarimg (Debian zbar-tools) is needed");
		out[0] = '\0';
		if (fgets(out, sizeof out, f) == NULL)
			fail_msg("zbarimg decoded nothing (is zbar-tools installed?)");
		pclose(f);
		out[strcspn(out, "\n")] = '\0';
		assert_string_equal(out, want);
	}
	(void)snprintf(path, sizeof path, "/qr/%s.svg", code);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<svg"));
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/qr/zzzzzzzzzz.png", NULL, NULL, 0);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
}

/* A phone-sized headless Chromium shows the letter and the hotline link:
 * the DOM it rendered has the letter and a tel: link to the hotline, and
 * its screenshot is a phone-sized PNG. */
static void
test_letter_browser(void **state)
{
	char	 code[32], token[128], cmd[1400], file[256];
	char	*dom;
	size_t	 len;
	FILE	*f;
	int	 w, h;
	unsigned char	 ihdr[24];

	(void)state;
	letter_setup(code, token);
	(void)snprintf(cmd, sizeof cmd, "chromium --headless --no-sandbox "
	    "--disable-gpu --disable-quic --no-first-run "
	    "--disable-background-networking --disable-component-update "
	    "--disable-sync --user-data-dir='%s/chromium' "
	    "--window-size=390,844 --hide-scrollbars --user-agent='Mozilla/5.0 "
	    "(iPhone) MicroMessenger/8.0' --screenshot='%s/phone.png' "
	    "'%s/l/%s' >/dev/null 2>&1 && chromium --headless --no-sandbox "
	    "--disable-gpu --disable-quic --no-first-run "
	    "--disable-background-networking --disable-component-update "
	    "--disable-sync --user-data-dir='%s/chromium' "
	    "--window-size=390,844 --dump-dom '%s/l/%s' > '%s/dom' 2>/dev/null",
	    d.dir, d.dir, d.base, code, d.dir, d.base, code, d.dir);
	if (system(cmd) != 0)
		fail_msg("chromium failed (Debian package chromium)");
	(void)snprintf(file, sizeof file, "%s/dom", d.dir);
	assert_non_null(f = fopen(file, "r"));
	dom = calloc(1, 1 << 20);
	len = fread(dom, 1, (1 << 20) - 1, f);
	fclose(f);
	assert_true(len > 0);
	assert_non_null(strstr(dom, "<article id=\"letter\">"));
	assert_non_null(strstr(dom, "不法分子"));
	assert_non_null(strstr(dom, "href=\"tel:0533-12345\""));
	assert_non_null(strstr(dom, "name=\"viewport\""));
	free(dom);
	(void)snprintf(file, sizeof file, "%s/phone.png", d.dir);
	assert_non_null(f = fopen(file, "rb"));
	assert_int_equal(fread(ihdr, 1, sizeof ihdr, f), sizeof ihdr);
	fclose(f);
	assert_int_equal(memcmp(ihdr, "\x89PNG", 4), 0);
	w = ihdr[16] << 24 | ihdr[17] << 16 | ihdr[18] << 8 | ihdr[19];
	h = ihdr[20] << 24 | ihdr[21] << 16 | ihdr[22] << 8 | ihdr[23];
	assert_int_equal(w, 390);
	assert_int_equal(h, 844);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_status_and_area),
		cmocka_unit_test(test_concurrent_reports),
		cmocka_unit_test(test_group_language),
		cmocka_unit_test(test_staff_chat_flow),
		cmocka_unit_test(test_warn_limit),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_letter_scans),
		cmocka_unit_test(test_letter_forms),
		cmocka_unit_test(test_letter_qr),
		cmocka_unit_test(test_letter_browser),
		cmocka_unit_test(test_crash_and_stop),
	};

	return cmocka_run_group_tests_name("e2e", tests, group_setup,
	    group_teardown);
}

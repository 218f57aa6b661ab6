/*
 * End-to-end tests of the public pages' and the letter API's defences:
 * signed print links instead of a token in the query, print sheets and
 * stats scoped to the token's area, server-issued tip form nonces, a
 * reporter cookie apart from the scans' device cookie, flood limits per
 * address, Secure cookies behind https, daily salts that are forgotten,
 * `letter codes` listing what it made, the demo's private token file, and
 * a letter's Markdown without raw HTML or script links.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "e2e.h"

static struct daemon	 d;	/* defaults */
static struct daemon	 lim;	/* https public URL, small limits */
static char		 office[128];	/* token of 张店区 */
static char		 lim_codes[4096];	/* what `letter codes` printed */

/* A response with its Set-Cookie value. */
struct full {
	long	 status;
	char	*body;
	size_t	 len;
	char	 cookie[256];
};

/* libcurl's body callback: appends to the response. */
static size_t
full_body(char *p, size_t size, size_t n, void *arg)
{
	struct full	*f = arg;
	char		*nb = realloc(f->body, f->len + size * n + 1);

	assert_non_null(nb);
	f->body = nb;
	memcpy(f->body + f->len, p, size * n);
	f->len += size * n;
	f->body[f->len] = '\0';
	return size * n;
}

/* libcurl's header callback: keeps the Set-Cookie value. */
static size_t
full_header(char *p, size_t size, size_t n, void *arg)
{
	struct full	*f = arg;

	if (size * n > 12 && strncasecmp(p, "Set-Cookie: ", 12) == 0)
		(void)snprintf(f->cookie, sizeof f->cookie, "%.*s",
		    (int)(size * n - 12 - 2), p + 12);
	return size * n;
}

static const char	*extra_header;	/* one more request header, or NULL */

/* One request to daemon dm keeping the Set-Cookie header. */
static struct full
full_request(const struct daemon *dm, const char *method, const char *path,
    const char *cookie, const char *body)
{
	struct full		 f;
	struct curl_slist	*hl = NULL;
	CURL			*c = curl_easy_init();
	char			 url[1024], ck[256];

	memset(&f, 0, sizeof f);
	assert_non_null(c);
	(void)snprintf(url, sizeof url, "%s%s", dm->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	hl = curl_slist_append(hl, "User-Agent: Mozilla/5.0 MicroMessenger/8");
	if (cookie != NULL) {
		(void)snprintf(ck, sizeof ck, "Cookie: %s", cookie);
		hl = curl_slist_append(hl, ck);
	}
	if (extra_header != NULL)
		hl = curl_slist_append(hl, extra_header);
	if (body != NULL) {
		hl = curl_slist_append(hl, "Content-Type: "
		    "application/x-www-form-urlencoded");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, full_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, full_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &f);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f.status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	if (f.body == NULL)
		f.body = calloc(1, 1);
	return f;
}

/* Runs a statement that changes the daemon's database. */
static void
sql_write(const struct daemon *dm, const char *sql)
{
	assert_int_equal(e2e_sql_exec(dm, sql), 0);
}

/* Adds letter 1 (张店区) with codes for 车站街道's buildings; out gets
 * what `letter codes` printed. */
static void
letter_make(const struct daemon *dm, char *out, size_t size)
{
	static const char *const add[] = { "letter", "add", "--title",
	    "致广大居民的一封公开信", "--issuer", "张店区处非办", "--date",
	    "2026-06-15", "--area", "张店区", "data/demo/letter.md", NULL };
	static const char *const codes[] = { "letter", "codes", "--id", "1",
	    "--area", "车站街道", "--place", "电梯厅", NULL };
	char	 tmp[256];

	assert_int_equal(e2e_cli(dm, add, tmp, sizeof tmp), 0);
	assert_int_equal(e2e_cli(dm, codes, out, size), 0);
}

/* Makes a token of role office for area. */
static void
token_make(const struct daemon *dm, const char *area, char out[128])
{
	const char *const args[] = { "token", "create", "--role", "office",
	    "--area", area, NULL };

	assert_int_equal(e2e_cli(dm, args, out, 128), 0);
	out[strcspn(out, "\n")] = '\0';
	assert_true(strlen(out) > 10);
}

/* Two daemons: d with defaults and letter 1, lim behind an https URL
 * with small limits and an old salt left in its database. */
static int
group_setup(void **state)
{
	char	 out[4096];

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	letter_make(&d, out, sizeof out);
	token_make(&d, "张店区", office);
	e2e_start(&d);
	e2e_prepare(&lim, "[server]\npublic_base_url = https://ff.example\n"
	    "[limits]\npage_views_per_minute = 3\nchecks_per_minute = 2\n"
	    "tips_per_hour = 2\n");
	letter_make(&lim, lim_codes, sizeof lim_codes);
	/* Before the first visit: a salt left from long ago. */
	sql_write(&lim, lim.db_url != NULL ? "INSERT INTO scan_salts (day,"
	    " salt) VALUES ('20000101', decode(repeat('00', 32), 'hex'))" :
	    "INSERT INTO scan_salts (day, salt) VALUES "
	    "('20000101', zeroblob(32))");
	e2e_start(&lim);
	return 0;
}

/* Stops both daemons. */
static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	e2e_cleanup(&lim);
	curl_global_cleanup();
	return 0;
}

/* The code of 12号楼's poster in dm. */
static void
code_of(const struct daemon *dm, char code[32])
{
	assert_int_equal(e2e_sql_text(dm, "SELECT code FROM letter_codes "
	    "WHERE label = '华光路社区 12号楼 电梯厅'", code, 32), 0);
}

/* `letter codes` prints each code it made with its label and URL. */
static void
test_codes_listed(void **state)
{
	char	 sql[160], code[32], label[256], line[512];
	int	 i;

	(void)state;
	assert_non_null(strstr(lim_codes, "made 4"));
	for (i = 0; i < 4; i++) {
		(void)snprintf(sql, sizeof sql, "SELECT code FROM letter_codes "
		    "ORDER BY id LIMIT 1 OFFSET %d", i);
		assert_int_equal(e2e_sql_text(&lim, sql, code, sizeof code), 0);
		(void)snprintf(sql, sizeof sql, "SELECT label FROM letter_codes "
		    "ORDER BY id LIMIT 1 OFFSET %d", i);
		assert_int_equal(e2e_sql_text(&lim, sql, label, sizeof label),
		    0);
		(void)snprintf(line, sizeof line, "%s\t%s\t"
		    "https://ff.example/l/%s\n", code, label, code);
		assert_non_null(strstr(lim_codes, line));
	}
}

/* Calls the API of dm with token tok as a bearer. */
static struct http_result
api(const struct daemon *dm, const char *tok, const char *method,
    const char *path, const char *json)
{
	char		 auth[200], url[256];
	const char	*hdr[] = { auth, "Content-Type: application/json", NULL };

	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
	(void)snprintf(url, sizeof url, "/api/v1%s", path);
	return e2e_request(dm, method, url, hdr, json, json ? strlen(json) : 0);
}

/* The print sheet refuses a query token; a signed link from the CLI
 * or the API opens the posters of its area only. */
static void
test_print_links(void **state)
{
	static const char *const cli_street[] = { "letter", "print-link",
	    "--id", "1", "--area", "车站街道", "--hours", "2", NULL };
	static const char *const cli_comm[] = { "letter", "print-link",
	    "--id", "1", "--area", "华光路社区", NULL };
	static const char *const cli_bad[] = { "letter", "print-link",
	    "--id", "1", "--area", "车站街道", "--hours", "500", NULL };
	struct http_result	 r;
	char			 out[1024], path[512], other[128];
	const char		*p;
	long			 now = (long)time(NULL), exp;

	(void)state;
	(void)snprintf(path, sizeof path, "/letters/1/print?area=%s&token=%s",
	    "%E8%BD%A6%E7%AB%99%E8%A1%97%E9%81%93", office);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 401);
	assert_non_null(strstr(r.body, "print-link"));
	assert_null(strstr(r.body, "12号楼"));
	e2e_result_free(&r);

	assert_int_equal(e2e_cli(&d, cli_street, out, sizeof out), 0);
	assert_int_equal(strncmp(out, "http://127.0.0.1:8080/letters/1/print?",
	    38), 0);
	out[strcspn(out, "\n")] = '\0';
	r = e2e_request(&d, "GET", out + 21, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "12号楼"));
	assert_non_null(strstr(r.body, "5号楼"));
	assert_non_null(strstr(r.body, "no-referrer"));
	e2e_result_free(&r);
	assert_int_equal(e2e_cli(&d, cli_bad, out, sizeof out), 2);

	assert_int_equal(e2e_cli(&d, cli_comm, out, sizeof out), 0);
	out[strcspn(out, "\n")] = '\0';
	r = e2e_request(&d, "GET", out + 21, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "12号楼"));
	assert_null(strstr(r.body, "5号楼"));
	e2e_result_free(&r);

	/* The API: a link valid 12 hours by default. */
	r = api(&d, office, "POST", "/letters/1/print-link",
	    "{\"area\":\"华光路社区\"}");
	assert_int_equal(r.status, 201);
	assert_non_null(p = strstr(r.body, "\"expires_at\":"));
	exp = strtol(p + 13, NULL, 10);
	assert_true(exp >= now + 12 * 3600 - 5 && exp <= now + 12 * 3600 + 5);
	/* A whole URL under public_base_url, for the office to open. */
	assert_non_null(p = strstr(r.body, "\"url\":\"http://127.0.0.1:8080/"));
	p += 7 + strlen("http://127.0.0.1:8080");
	(void)snprintf(path, sizeof path, "%.*s", (int)strcspn(p, "\""), p);
	e2e_result_free(&r);
	assert_int_equal(strncmp(path, "/letters/1/print?", 17), 0);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "5号楼"));
	e2e_result_free(&r);
	/* Tampered: another area under the same signature. */
	p = strstr(path, "area=") + 5;
	path[p - path] = path[p - path] == '9' ? '8' : '9';
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
	r = api(&d, office, "POST", "/letters/1/print-link",
	    "{\"area\":\"华光路社区\",\"hours\":0}");
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	/* A token of another community: not its area. */
	token_make(&d, "共青团路社区", other);
	r = api(&d, other, "POST", "/letters/1/print-link",
	    "{\"area\":\"华光路社区\"}");
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
	r = api(&d, other, "POST", "/letters/1/codes",
	    "{\"area\":\"华光路社区\"}");
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
}

/* A letter whose opening is 4-byte characters prints (the excerpt once
 * overflowed its stack buffer here: the ASan run catches it). */
static void
test_print_emoji(void **state)
{
	char			 file[512], out[4096], id[32];
	const char		*add[] = { "letter", "add", "--title", "表情",
	    "--issuer", "处非办", "--date", "2026-06-15", "--area",
	    "华光路社区", file, NULL };
	const char		*codes[] = { "letter", "codes", "--id", id,
	    "--area", "华光路社区", NULL };
	const char		*link[] = { "letter", "print-link", "--id", id,
	    "--area", "华光路社区", NULL };
	const char		*outside[] = { "letter", "codes", "--id", id,
	    "--area", "共青团路社区", NULL };
	const char		*wider[] = { "letter", "print-link", "--id", id,
	    "--area", "车站街道", NULL };
	struct http_result	 r;
	FILE			*f;
	int			 i;

	(void)state;
	(void)snprintf(file, sizeof file, "%s/emoji.md", d.dir);
	assert_non_null(f = fopen(file, "w"));
	fputs("# 表情\n\n", f);
	for (i = 0; i < 400; i++)
		fputs(i % 2 ? "\xf0\x9f\x98\x80" : "\xf0\xa0\x80\x80", f);
	fputs("\n\n第二段。\n", f);
	fclose(f);
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_int_equal(e2e_sql_text(&d, "SELECT max(id) FROM letters", id,
	    sizeof id), 0);
	assert_int_equal(e2e_cli(&d, codes, out, sizeof out), 0);
	/* Codes and print sheets stay within the letter's area. */
	assert_int_equal(e2e_cli(&d, outside, out, sizeof out), 1);
	assert_int_equal(e2e_cli(&d, wider, out, sizeof out), 1);
	assert_int_equal(e2e_cli(&d, link, out, sizeof out), 0);
	out[strcspn(out, "\n")] = '\0';
	r = e2e_request(&d, "GET", out + 21, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\xf0\xa0\x80\x80\xf0\x9f\x98\x80"));
	assert_non_null(strstr(r.body, "12号楼"));
	e2e_result_free(&r);
}

/* A letter's Markdown on its page and its posters: bold, a numbered list
 * and a link pass; raw HTML and a javascript: link do not. */
static void
test_letter_markdown(void **state)
{
	char			 file[512], out[4096], id[32], sql[160], code[32];
	const char		*add[] = { "letter", "add", "--title", "提示",
	    "--issuer", "处非办", "--date", "2026-06-15", "--area",
	    "华光路社区", file, NULL };
	const char		*codes[] = { "letter", "codes", "--id", id,
	    "--area", "华光路社区", NULL };
	const char		*link[] = { "letter", "print-link", "--id", id,
	    "--area", "华光路社区", NULL };
	struct http_result	 r;
	FILE			*f;

	(void)state;
	(void)snprintf(file, sizeof file, "%s/markdown.md", d.dir);
	assert_non_null(f = fopen(file, "w"));
	fputs("# 提示\n\n请**牢记**：\n\n1. 不信高息\n2. 不拉人头\n\n"
	    "[处非办](https://example.cn/fangfei)\n\n"
	    "<script>alert(1)</script>\n\n[点我](javascript:alert(2))\n", f);
	fclose(f);
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_int_equal(e2e_sql_text(&d, "SELECT max(id) FROM letters", id,
	    sizeof id), 0);
	assert_int_equal(e2e_cli(&d, codes, out, sizeof out), 0);
	(void)snprintf(sql, sizeof sql, "SELECT min(code) FROM letter_codes "
	    "WHERE letter_id = %s", id);
	assert_int_equal(e2e_sql_text(&d, sql, code, sizeof code), 0);
	(void)snprintf(sql, sizeof sql, "/l/%s", code);
	r = e2e_request(&d, "GET", sql, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<strong>牢记</strong>"));
	assert_non_null(strstr(r.body, "<ol>\n<li>不信高息</li>"));
	assert_non_null(strstr(r.body,
	    "<a href=\"https://example.cn/fangfei\">处非办</a>"));
	assert_null(strstr(r.body, "<script>alert"));
	assert_null(strstr(r.body, "javascript:"));
	assert_non_null(strstr(r.body, "点我"));
	e2e_result_free(&r);
	/* The poster's excerpt is the text alone. */
	assert_int_equal(e2e_cli(&d, link, out, sizeof out), 0);
	out[strcspn(out, "\n")] = '\0';
	r = e2e_request(&d, "GET", out + 21, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<p>请牢记：不信高息不拉人头处非办点我……</p>"));
	assert_null(strstr(r.body, "alert"));
	e2e_result_free(&r);
}

/* A token below the letter's area gets its own subtree's figures and
 * never-scanned codes, in JSON and CSV. */
static void
test_stats_subtree(void **state)
{
	struct http_result	 r;
	char			 tok[128];

	(void)state;
	token_make(&d, "华光路社区", tok);
	r = api(&d, tok, "GET", "/letters/1/stats", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "华光路社区 12号楼 电梯厅"));
	assert_null(strstr(r.body, "共青团路社区"));
	assert_null(strstr(r.body, "\"area\":\"张店区/车站街道\""));
	e2e_result_free(&r);
	r = api(&d, tok, "GET", "/letters/1/stats?format=csv", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "华光路社区 12号楼 电梯厅"));
	assert_null(strstr(r.body, "共青团路社区"));
	e2e_result_free(&r);
	/* The district's token sees the whole letter. */
	r = api(&d, office, "GET", "/letters/1/stats", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "共青团路社区"));
	e2e_result_free(&r);
}

/* Copies the tip form's nonce out of a letter page. */
static void
nonce_of(const char *page, char *out, size_t size)
{
	const char	*p = strstr(page, "name=\"n\" value=\"");

	assert_non_null(p);
	p += strlen("name=\"n\" value=\"");
	(void)snprintf(out, size, "%.*s", (int)strcspn(p, "\""), p);
}

/* The tip form needs a nonce the server issued; the tipster is known by
 * a reporter cookie of its own, never the device id of the scan rows. */
static void
test_tip_form(void **state)
{
	struct full	 f;
	char		 code[32], path[64], nonce[96], body[256], ck[160];
	char		 rep[64], sql[200];
	long		 tips;

	(void)state;
	code_of(&d, code);
	(void)snprintf(path, sizeof path, "/l/%s", code);
	f = full_request(&d, "GET", path, "ffd=0123456789abcdef", NULL);
	assert_int_equal(f.status, 200);
	nonce_of(f.body, nonce, sizeof nonce);
	free(f.body);
	(void)snprintf(path, sizeof path, "/l/%s/report", code);
	tips = e2e_sql_long(&d, "SELECT count(*) FROM tips");
	f = full_request(&d, "POST", path, "ffd=0123456789abcdef",
	    "text=%E6%9C%89%E4%BA%BA&n=0123456789abcdef0123456789abcdef");
	assert_int_equal(f.status, 400);
	assert_non_null(strstr(f.body, "表单已过期或无效"));
	assert_non_null(strstr(f.body, "has expired or is not valid"));
	free(f.body);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"), tips);

	(void)snprintf(body, sizeof body, "text=%%E6%%9C%%89%%E4%%BA%%BA%%E5"
	    "%%8F%%91%%E4%%BC%%A0%%E5%%8D%%95&n=%s", nonce);
	f = full_request(&d, "POST", path, "ffd=0123456789abcdef", body);
	assert_int_equal(f.status, 200);
	assert_non_null(strstr(f.body, "已收到您的举报线索"));
	assert_int_equal(strncmp(f.cookie, "ffr=", 4), 0);
	assert_non_null(strstr(f.cookie, "HttpOnly"));
	assert_null(strstr(f.cookie, "Secure"));	/* http here */
	(void)snprintf(rep, sizeof rep, "%.*s", (int)strcspn(f.cookie + 4,
	    ";"), f.cookie + 4);
	free(f.body);
	assert_int_equal(strlen(rep), 32);
	assert_int_equal(strspn(rep, "0123456789abcdef"), 32);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM scans WHERE "
	    "device = '%s'", rep);
	assert_int_equal(e2e_sql_long(&d, sql), 0);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"),
	    tips + 1);
	/* The same form again, now with the reporter cookie: one tip. */
	(void)snprintf(ck, sizeof ck, "ffd=0123456789abcdef; ffr=%s", rep);
	f = full_request(&d, "POST", path, ck, body);
	assert_int_equal(f.status, 200);
	free(f.body);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"),
	    tips + 1);
}

/* Behind an https URL the cookies are Secure; page views over the
 * limit are served but not counted; checks and tips over it get one
 * polite 429, then empty ones. */
static void
test_limits(void **state)
{
	struct full	 f;
	char		 code[32], path[96];
	int		 i;

	(void)state;
	code_of(&lim, code);
	(void)snprintf(path, sizeof path, "/l/%s", code);
	for (i = 0; i < 5; i++) {
		f = full_request(&lim, "GET", path, NULL, NULL);
		assert_int_equal(f.status, 200);
		assert_non_null(strstr(f.body, "name=\"n\""));
		assert_non_null(strstr(f.cookie, "; Secure"));
		assert_non_null(strstr(f.cookie, "HttpOnly"));
		free(f.body);
	}
	assert_int_equal(e2e_sql_long(&lim, "SELECT count(*) FROM scans"), 3);
	/* Today's salt only: the old one is gone. */
	assert_int_equal(e2e_sql_long(&lim, "SELECT count(*) FROM scan_salts"),
	    1);
	assert_int_equal(e2e_sql_long(&lim, "SELECT count(*) FROM scan_salts "
	    "WHERE day = '20000101'"), 0);

	(void)snprintf(path, sizeof path, "/l/%s/check?q=%%E6%%B1%%87%%E9%%87"
	    "%%91%%E9%%80%%9A", code);
	for (i = 0; i < 2; i++) {
		f = full_request(&lim, "GET", path, NULL, NULL);
		assert_int_equal(f.status, 200);
		free(f.body);
	}
	f = full_request(&lim, "GET", path, NULL, NULL);
	assert_int_equal(f.status, 429);
	assert_non_null(strstr(f.body, "太频繁"));
	free(f.body);
	f = full_request(&lim, "GET", path, NULL, NULL);
	assert_int_equal(f.status, 429);
	assert_int_equal(f.len, 0);
	free(f.body);

}

/* Tips over the per-address limit: one polite 429, then empty ones. */
static void
test_tip_limit(void **state)
{
	struct full	 f;
	char		 code[32], path[96], nonce[96], body[256];
	int		 i;

	(void)state;
	code_of(&lim, code);
	for (i = 0; i < 4; i++) {
		(void)snprintf(path, sizeof path, "/l/%s", code);
		f = full_request(&lim, "GET", path, NULL, NULL);
		assert_int_equal(f.status, 200);
		nonce_of(f.body, nonce, sizeof nonce);
		free(f.body);
		(void)snprintf(path, sizeof path, "/l/%s/report", code);
		(void)snprintf(body, sizeof body, "text=tip%%20%d%%20"
		    "%%E6%%9C%%89%%E4%%BA%%BA%%E6%%8E%%A8%%E9%%94%%80&n=%s", i,
		    nonce);
		f = full_request(&lim, "POST", path, NULL, body);
		if (i < 2) {
			assert_int_equal(f.status, 200);
			assert_non_null(strstr(f.cookie, "ffr="));
			assert_non_null(strstr(f.cookie, "; Secure"));
		} else if (i == 2) {
			assert_int_equal(f.status, 429);
			assert_non_null(strstr(f.body, "稍后再试"));
		} else {
			assert_int_equal(f.status, 429);
			assert_int_equal(f.len, 0);
		}
		free(f.body);
	}
	assert_int_equal(e2e_sql_long(&lim, "SELECT count(*) FROM tips"), 2);
}

/* Behind a proxy on the same host, the address that counts is the last
 * X-Forwarded-For entry: the one the proxy appended. */
static void
test_proxy_address(void **state)
{
	static const struct {
		const char	*xff;
		long		 status;
	} cases[] = {
		{ "X-Forwarded-For: 198.51.100.1", 200 },
		{ "X-Forwarded-For: 198.51.100.1", 200 },
		{ "X-Forwarded-For: 198.51.100.1", 429 },
		/* A client's own entry in front changes nothing. */
		{ "X-Forwarded-For: 198.51.100.2, 198.51.100.1", 429 },
		{ "X-Forwarded-For: 198.51.100.1, 198.51.100.2", 200 },
		/* One household's IPv6 /64 is one address. */
		{ "X-Forwarded-For: 2001:db8:1:2::a", 200 },
		{ "X-Forwarded-For: 2001:db8:1:2::b", 200 },
		{ "X-Forwarded-For: 2001:db8:1:2:ffff::c", 429 },
	};
	struct full	 f;
	char		 code[32], path[128];
	size_t		 i;

	(void)state;
	code_of(&lim, code);
	(void)snprintf(path, sizeof path, "/l/%s/check?q=%%E6%%B1%%87%%E9%%87"
	    "%%91%%E9%%80%%9A", code);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		extra_header = cases[i].xff;
		f = full_request(&lim, "GET", path, NULL, NULL);
		extra_header = NULL;
		if (f.status != cases[i].status)
			fprintf(stderr, "case %zu: %s\n", i, cases[i].xff);
		assert_int_equal(f.status, cases[i].status);
		free(f.body);
	}
}

/* The demo writes its API token readable by its owner only. */
static void
test_demo_token_mode(void **state)
{
	char		 dir[] = "/tmp/fangfei-demo-XXXXXX", cmd[1024];
	char		 path[256], cwd[512];
	struct stat	 st;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof path, "%s/fake", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* A stand-in binary: prints a token, serves nothing. */
	fputs("#!/bin/sh\ncase \"$1 $2\" in\n\"token create\") "
	    "echo 0123456789abcdef ;;\n*) : ;;\nesac\nexit 0\n", f);
	fclose(f);
	(void)snprintf(cmd, sizeof cmd, "chmod 755 '%s/fake' && mkdir -p "
	    "'%s/etc' && touch '%s/etc/fangfei.example.ini' && cd '%s' && "
	    "umask 022 && sh '%s/scripts/run-demo.sh' ./fake >/dev/null 2>&1",
	    dir, dir, dir, dir, getcwd(cwd, sizeof cwd));
	assert_int_equal(system(cmd), 0);
	(void)snprintf(path, sizeof path, "%s/var/demo-token", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_links),
		cmocka_unit_test(test_print_emoji),
		cmocka_unit_test(test_letter_markdown),
		cmocka_unit_test(test_stats_subtree),
		cmocka_unit_test(test_tip_form),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_tip_limit),
		cmocka_unit_test(test_proxy_address),
		cmocka_unit_test(test_codes_listed),
		cmocka_unit_test(test_demo_token_mode),
	};

	return cmocka_run_group_tests_name("e2e_websec", tests, group_setup,
	    group_teardown);
}

/*
 * End-to-end tests of the console's registry and list endpoints: the
 * company check as the chat's 查询 makes it (GET /enterprises), CSV
 * imports with their row errors, a draft warning notice made from a CSV
 * body and published (/notices), and the lists of letters and tokens;
 * each with tokens of the district, of a street and of another street,
 * and with a grid worker's console session for the roles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "e2e.h"

#define USCC_FLAGGED	"91370303MA3C01001E"	/* demo, notice 1 */
#define USCC_NEW_A	"91370303MA3C07001R"
#define USCC_NEW_B	"91370303MA3C07002W"

static struct daemon	 d;
static char		 tok_top[80], tok_street[80], tok_other[80];
static char		 worker_cookie[65], worker_csrf[65];

/* Makes an office token and returns its text in out. */
static void
make_token(const char *area, char *out, size_t size)
{
	const char *const args[] = { "token", "create", "--role", "office",
	    "--area", area, NULL };
	char	 buf[256];

	assert_int_equal(e2e_cli(&d, args, buf, sizeof buf), 0);
	buf[strcspn(buf, "\r\n")] = '\0';
	assert_true(strncmp(buf, "ff_", 3) == 0 && strlen(buf) < size);
	memcpy(out, buf, strlen(buf) + 1);
}

/* One call with a token (or, token NULL, the worker's session); the
 * status must be want; the parsed answer (NULL for a non-JSON one). */
static json_t *
call(const char *method, const char *path, const char *token,
    const char *type, const char *body, long want)
{
	struct http_result	 r;
	char			 auth[128], ctype[96], cookie[96], csrf[96];
	const char		*hdr[4] = { NULL, NULL, NULL, NULL };
	json_t			*j;

	if (token != NULL) {
		(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s",
		    token);
		hdr[0] = auth;
	} else {
		(void)snprintf(cookie, sizeof cookie, "Cookie: ff_session=%s",
		    worker_cookie);
		(void)snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s",
		    worker_csrf);
		hdr[0] = cookie;
		hdr[2] = csrf;
	}
	(void)snprintf(ctype, sizeof ctype, "Content-Type: %s", type ? type :
	    "application/json");
	hdr[1] = ctype;
	r = e2e_request(&d, method, path, hdr, body, body ? strlen(body) : 0);
	if (r.status != want)
		fprintf(stderr, "%s %s: %ld %.*s\n", method, path, r.status,
		    (int)r.len, r.body);
	assert_int_equal(r.status, want);
	j = json_loadb(r.body, r.len, 0, NULL);
	e2e_result_free(&r);
	return j;
}

/* Keeps the session cookie's value of a Set-Cookie header. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	char	*c = arg, *v;
	size_t	 len = size * n;

	if (len > 24 && strncasecmp(p, "Set-Cookie: ff_session=", 23) == 0 &&
	    (v = p + 23) != NULL && len - 23 >= 64) {
		memcpy(c, v, 64);
		c[64] = '\0';
	}
	return len;
}

/* Drops an answer's body. */
static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Adds a grid worker of 华光路社区 and signs them in with a link from the
 * CLI: their session cookie and CSRF token. */
static void
worker_sign_in(void)
{
	const char *const add[] = { "staff", "add", "--name", "刘网格", "--role",
	    "grid_worker", "--area", "华光路社区", NULL };
	const char	*link[] = { "staff", "login-link", "--id", NULL, NULL };
	char		 out[1024], num[16], body[128], url[128], *p;
	CURL		*c;
	json_t		*j;

	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_non_null(p = strstr(out, "staff "));
	(void)snprintf(num, sizeof num, "%ld", strtol(p + 6, NULL, 10));
	link[3] = num;
	assert_int_equal(e2e_cli(&d, link, out, sizeof out), 0);
	assert_non_null(p = strstr(out, "/admin/login?t="));
	(void)snprintf(body, sizeof body, "t=%.64s", p + 15);
	(void)snprintf(url, sizeof url, "%s/admin/login", d.base);
	assert_non_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, worker_cookie);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	assert_int_equal(strlen(worker_cookie), 64);
	j = call("GET", "/api/v1/session", NULL, NULL, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "role")),
	    "grid_worker");
	(void)snprintf(worker_csrf, sizeof worker_csrf, "%s",
	    json_string_value(json_object_get(j, "csrf")));
	json_decref(j);
}

static int
registry_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	e2e_start(&d);
	make_token("张店区", tok_top, sizeof tok_top);
	make_token("车站街道", tok_street, sizeof tok_street);
	make_token("科苑街道", tok_other, sizeof tok_other);
	worker_sign_in();
	return 0;
}

static int
registry_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/* A check's first match, flagged or not; the answer is released. */
static int
flagged(const char *query, const char *token)
{
	char	 path[256], *q;
	json_t	*j;
	int	 f;

	q = curl_easy_escape(NULL, query, 0);
	(void)snprintf(path, sizeof path, "/api/v1/enterprises?q=%s", q);
	curl_free(q);
	j = call("GET", path, token, NULL, NULL, 200);
	assert_true(json_array_size(json_object_get(j, "items")) >= 1);
	f = json_is_true(json_object_get(json_array_get(json_object_get(j,
	    "items"), 0), "flagged"));
	json_decref(j);
	return f;
}

/* The check: a code, a bad check digit, a name, a query too short; open
 * to a grid worker, as 查询 is to anyone. */
static void
test_check(void **state)
{
	json_t	*j;

	(void)state;
	assert_true(flagged(USCC_FLAGGED, tok_street));
	j = call("GET", "/api/v1/enterprises?q=91370303MA3C01001F", tok_top,
	    NULL, NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j,
	    "code_error")), "bad_check");
	assert_string_equal(json_string_value(json_object_get(j,
	    "expected_check")), "E");
	json_decref(j);
	assert_true(flagged("鑫源财富", NULL));
	json_decref(call("GET", "/api/v1/enterprises?q=x", tok_top, NULL, NULL,
	    400));
	json_decref(call("GET", "/api/v1/enterprises", tok_top, NULL, NULL,
	    400));
}

/* A draft from a CSV body: its row errors listed, its companies in the
 * registry but not flagged until published; a street's office may not
 * write the district's notices, a worker not at all. */
static void
test_notice(void **state)
{
	static const char csv[] = "\xef\xbb\xbfuscc,name,measure\r\n"
	    USCC_NEW_A ",示例·淄博聚宝盆投资有限公司,warned\r\n"
	    USCC_NEW_B ",示例·淄博金满仓理财有限公司,行政处罚\r\n"
	    "91370303MA3C07003X,示例·坏代码公司,warned\r\n";
	json_t	*j, *e;
	long	 n;

	(void)state;
	json_decref(call("POST", "/api/v1/notices?issue=7&date=2026-07-01",
	    tok_street, "text/csv", csv, 403));
	json_decref(call("POST", "/api/v1/notices?issue=7&date=2026-07-01",
	    NULL, "text/csv", csv, 403));
	json_decref(call("POST", "/api/v1/notices?issue=7&date=7/1",
	    tok_top, "text/csv", csv, 400));
	j = call("POST", "/api/v1/notices?issue=7&date=2026-07-01&title="
	    "%E7%AC%AC%E4%B8%83%E6%9C%9F", tok_top, "text/csv", csv, 201);
	assert_int_equal(json_integer_value(json_object_get(j, "flagged")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "rejected")), 1);
	e = json_object_get(j, "errors");
	assert_int_equal(json_array_size(e), 1);
	assert_non_null(strstr(json_string_value(json_array_get(e, 0)), "4"));
	json_decref(j);
	assert_false(flagged("聚宝盆投资", tok_top));

	j = call("GET", "/api/v1/notices/7", NULL, NULL, NULL, 200);
	assert_false(json_is_true(json_object_get(j, "published")));
	assert_string_equal(json_string_value(json_object_get(j, "title")),
	    "第七期");
	assert_int_equal(json_array_size(json_object_get(j, "enterprises")),
	    2);
	json_decref(j);

	json_decref(call("POST", "/api/v1/notices/7/publish", tok_street,
	    NULL, "{}", 403));
	json_decref(call("POST", "/api/v1/notices/8/publish", tok_top, NULL,
	    "{}", 404));
	j = call("POST", "/api/v1/notices/7/publish", tok_top, NULL, "{}",
	    200);
	json_decref(j);
	assert_true(flagged("聚宝盆投资", NULL));
	assert_true(flagged(USCC_NEW_B, tok_other));
	/* A published issue takes no more rows without review. */
	json_decref(call("POST", "/api/v1/notices?issue=7&date=2026-07-01",
	    tok_top, "text/csv", csv, 409));

	j = call("GET", "/api/v1/notices", tok_other, NULL, NULL, 200);
	e = json_array_get(json_object_get(j, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(e, "issue")), 7);
	assert_true(json_is_true(json_object_get(e, "published")));
	assert_int_equal(json_integer_value(json_object_get(e, "enterprises")),
	    2);
	json_decref(j);
	n = e2e_sql_long(&d, "SELECT count(*) FROM audit_log WHERE actor LIKE "
	    "'token:%' AND action IN ('notice add', 'notice publish')");
	assert_int_equal(n, 2);
}

/* The registry's import: counts and row errors; an empty body refused. */
static void
test_import(void **state)
{
	static const char csv[] = "统一社会信用代码,企业名称,地址\n"
	    "91370303MA3C080011,示例·淄博新华便民有限公司,张店区新华路1号\n"
	    "91370303MA3C08002X,示例·坏码公司,张店区\n";
	json_t	*j;

	(void)state;
	json_decref(call("POST", "/api/v1/enterprises/import", tok_street,
	    "text/csv", csv, 403));
	json_decref(call("POST", "/api/v1/enterprises/import", tok_top,
	    "text/csv", "", 400));
	json_decref(call("POST", "/api/v1/enterprises/import", tok_top,
	    "text/csv", "nonsense\n", 400));
	j = call("POST", "/api/v1/enterprises/import", tok_top, "text/csv",
	    csv, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "imported")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "rejected")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "errors")), 1);
	json_decref(j);
	assert_false(flagged("新华便民", tok_top));
	/* Audited once, in the import's transaction: the refused bodies
	 * kept nothing and left no entry. The set-up's `fangfei import` is
	 * audited as the command line. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE actor LIKE 'token:%' AND action = 'enterprise import'"), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE actor LIKE 'token:%' AND action = 'enterprise import' AND "
	    "detail = '2 rows, 1 imported, 1 rejected (csv)'"), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE actor = 'cli' AND action = 'enterprise import'"), 1);
}

/* Whether a list holds an item whose key has the text value. */
static int
holds(const json_t *list, const char *key, const char *value)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(json_object_get(list, "items"), i, v)
		if (strcmp(json_string_value(json_object_get(v, key)), value) ==
		    0)
			return 1;
	return 0;
}

/* Letters: a district's letter is a street's too; a street's is not its
 * neighbour's. */
static void
test_letters(void **state)
{
	json_t	*j;

	(void)state;
	json_decref(call("POST", "/api/v1/letters", tok_top, NULL,
	    "{\"title\":\"区公开信\",\"body\":\"正文\",\"issuer\":\"区处非办\","
	    "\"date\":\"2026-06-15\",\"area\":\"张店区\"}", 201));
	json_decref(call("POST", "/api/v1/letters", tok_other, NULL,
	    "{\"title\":\"科苑公开信\",\"body\":\"正文\",\"issuer\":\"科苑街道\","
	    "\"date\":\"2026-06-15\",\"area\":\"科苑街道\"}", 201));
	j = call("GET", "/api/v1/letters", tok_street, NULL, NULL, 200);
	assert_true(holds(j, "title", "区公开信"));
	assert_false(holds(j, "title", "科苑公开信"));
	json_decref(j);
	j = call("GET", "/api/v1/letters", NULL, NULL, NULL, 200);
	assert_true(holds(j, "title", "区公开信"));
	assert_false(holds(j, "title", "科苑公开信"));
	json_decref(j);
	j = call("GET", "/api/v1/letters", tok_top, NULL, NULL, 200);
	assert_true(holds(j, "title", "科苑公开信"));
	json_decref(j);
}

/* Tokens: office only, of the caller's subtree, never a token's text. */
static void
test_tokens(void **state)
{
	struct http_result	 r;
	char			 auth[128];
	const char		*hdr[] = { auth, NULL };
	json_t			*j;

	(void)state;
	json_decref(call("GET", "/api/v1/tokens", NULL, NULL, NULL, 403));
	j = call("GET", "/api/v1/tokens", tok_street, NULL, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_true(holds(j, "area", "张店区/车站街道"));
	json_decref(j);
	j = call("GET", "/api/v1/tokens", tok_top, NULL, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
	json_decref(j);
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok_top);
	r = e2e_request(&d, "GET", "/api/v1/tokens", hdr, NULL, 0);
	assert_null(strstr(r.body, "ff_"));
	assert_null(strstr(r.body, "hash"));
	e2e_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_notice),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_letters),
		cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, registry_setup,
	    registry_teardown);
}

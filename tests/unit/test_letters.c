/*
 * Unit tests of the letters' security: print sheets behind signed links
 * (and the excerpt on them, with 4-byte characters), server-issued form
 * nonces, reach scoped to a subtree, scan pruning that keeps the figures,
 * daily salts that are forgotten, CSV cells that cannot start a formula.
 * The public pages run in process, with the clock in the request.
 */
#include "teststore.h"

#include "bot/config.h"
#include "bot/reach.h"
#include "bot/web.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "storage/areas.h"
#include "storage/letters.h"

static const uint8_t key[STORE_KEY_LEN] = { 9, 8, 7, 6, 5, 4, 3, 2 };

#define T0	1780000000	/* the tests' "now" */

struct fixture {
	char		*dir;
	struct store	*s;
	struct config	 cfg;
	int64_t		 letter, district, street, community;
};

/* A fake request: a path, query arguments and cookies as name=value. */
struct fake {
	const char	*args[8];
	const char	*cookies[4];
};

/* Looks name up in a NULL-terminated list of "name=value". */
static const char *
fake_lookup(const char *const *list, const char *name)
{
	size_t	 n = strlen(name);

	for (; *list != NULL; list++)
		if (strncmp(*list, name, n) == 0 && (*list)[n] == '=')
			return *list + n + 1;
	return NULL;
}

/* The fake request's query argument. */
static const char *
fake_arg(const struct http_request *req, const char *name)
{
	return fake_lookup(((const struct fake *)req->impl)->args, name);
}

/* The fake request's cookie. */
static const char *
fake_cookie(const struct http_request *req, const char *name)
{
	return fake_lookup(((const struct fake *)req->impl)->cookies, name);
}

/* The fake request's headers: a phone's User-Agent only. */
static const char *
fake_header(const struct http_request *req, const char *name)
{
	(void)req;
	return strcasecmp(name, "User-Agent") == 0 ?
	    "Mozilla/5.0 MicroMessenger/8.0" : NULL;
}

/* Runs one public request; the caller frees resp->body and cookie. */
static void
fake_run(struct fixture *fx, const char *method, const char *path,
    struct fake *f, const struct web_form *form, time_t now,
    struct http_response *resp)
{
	struct http_request	 req;
	struct web_env		 env = { &fx->cfg, key, NULL, NULL, NULL };

	memset(&req, 0, sizeof req);
	memset(resp, 0, sizeof *resp);
	req.method = method;
	req.path = path;
	req.now = now;
	req.header = fake_header;
	req.arg = fake_arg;
	req.cookie = fake_cookie;
	req.impl = f;
	req.client_ip = "192.0.2.7";
	web_handle(fx->s, &env, &req, form, resp);
}

/* Frees what a response owns. */
static void
fake_free(struct http_response *resp)
{
	free(resp->body);
	free(resp->cookie);
}

/* A letter whose first paragraph is 300 characters of four bytes each
 * (emoji and CJK Extension B), with codes for 车站街道's buildings. */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);
	struct buf	 body;
	long		 made;
	int		 i;

	fx->s = teststore_open(key, &fx->dir);
	config_init(&fx->cfg);
	assert_int_equal(areas_find(fx->s, "张店区", &fx->district), STORE_OK);
	assert_int_equal(areas_find(fx->s, "车站街道", &fx->street), STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区", &fx->community),
	    STORE_OK);
	buf_init(&body, 64 * 1024);
	(void)buf_adds(&body, "# 公开信\n");
	for (i = 0; i < 150; i++)
		(void)buf_adds(&body, "\xf0\x9f\x98\x80\xf0\xa0\x80\x80");
	(void)buf_adds(&body, "\n\n第二段。\n");
	assert_int_equal(letters_add(fx->s, "公开信", body.data, "处非办",
	    "2026-06-15", fx->district, T0, &fx->letter), STORE_OK);
	buf_free(&body);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(letters_make_codes(fx->s, fx->letter, fx->street, 5,
	    1, "电梯厅", T0, NULL, NULL, &made), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(made, 4);
	*state = fx;
	return 0;
}

/* Closes and removes the fixture's database. */
static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	config_free(&fx->cfg);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Splits a print link's path and query into a fake request. */
static void
link_split(char *url, char **path, struct fake *f)
{
	char	*q = strchr(url, '?'), *save = NULL, *a;
	size_t	 n = 0;

	assert_non_null(q);
	*q++ = '\0';
	*path = url;
	memset(f, 0, sizeof *f);
	for (a = strtok_r(q, "&", &save); a != NULL && n < 7;
	    a = strtok_r(NULL, "&", &save))
		f->args[n++] = a;
}

/* The print sheet of a letter full of 4-byte characters: the excerpt
 * fits its buffer (ASan watches) and is cut on a character. */
static void
test_print_excerpt(void **state)
{
	struct fixture		*fx = *state;
	struct http_response	 resp;
	struct fake		 f;
	char			*url, *path;
	const char		*p, *e;
	time_t			 exp;

	url = web_print_link(fx->s, "", fx->letter, fx->street, T0, 12, &exp);
	assert_non_null(url);
	assert_int_equal(exp, T0 + 12 * 3600);
	link_split(url, &path, &f);
	fake_run(fx, "GET", path, &f, NULL, T0 + 60, &resp);
	assert_int_equal(resp.status, 200);
	assert_true(utf8_valid(resp.body, resp.len));
	/* Four posters, each with the opening: 150 characters at most. */
	p = strstr(resp.body, "</h1><p>");
	assert_non_null(p);
	p += 8;
	e = strstr(p, "……</p>");
	assert_non_null(e);
	assert_true(e > p);
	assert_true((size_t)(e - p) <= 150 * 4);
	assert_int_equal((e - p) % 4, 0);
	assert_int_equal(memcmp(p, "\xf0\x9f\x98\x80", 4), 0);
	fake_free(&resp);
	free(url);
}

/* A print link is good for its letter, area and hours only; a token in
 * the query is refused with a text that says what to do instead. */
static void
test_print_link(void **state)
{
	struct fixture		*fx = *state;
	struct http_response	 resp;
	struct fake		 f;
	char			*url, *path, bad[256], *sig;
	time_t			 exp;

	url = web_print_link(fx->s, "https://x.example", fx->letter,
	    fx->community, T0, 2, &exp);
	assert_non_null(url);
	assert_int_equal(strncmp(url, "https://x.example/letters/", 26), 0);
	free(url);
	assert_null(web_print_link(fx->s, "", fx->letter, fx->street, T0, 0,
	    &exp));
	assert_null(web_print_link(fx->s, "", fx->letter, fx->street, T0, 169,
	    &exp));

	url = web_print_link(fx->s, "", fx->letter, fx->community, T0, 2, &exp);
	link_split(url, &path, &f);
	fake_run(fx, "GET", path, &f, NULL, T0, &resp);
	assert_int_equal(resp.status, 200);
	/* Only the community's three buildings, not 共青团路社区's. */
	assert_non_null(strstr(resp.body, "12号楼"));
	assert_null(strstr(resp.body, "5号楼"));
	fake_free(&resp);
	/* Expired. */
	fake_run(fx, "GET", path, &f, NULL, exp, &resp);
	assert_int_equal(resp.status, 403);
	fake_free(&resp);
	/* Another area under the same signature. */
	(void)snprintf(bad, sizeof bad, "area=%lld", (long long)fx->street);
	f.args[0] = bad;
	fake_run(fx, "GET", path, &f, NULL, T0, &resp);
	assert_int_equal(resp.status, 403);
	fake_free(&resp);
	free(url);
	/* A later expiry under the same signature. */
	url = web_print_link(fx->s, "", fx->letter, fx->community, T0, 2, &exp);
	link_split(url, &path, &f);
	(void)snprintf(bad, sizeof bad, "expires=%lld", (long long)exp + 3600);
	f.args[1] = bad;
	fake_run(fx, "GET", path, &f, NULL, T0, &resp);
	assert_int_equal(resp.status, 403);
	fake_free(&resp);
	free(url);
	/* A forged signature. */
	url = web_print_link(fx->s, "", fx->letter, fx->community, T0, 2, &exp);
	sig = strstr(url, "sig=") + 4;
	sig[0] = sig[0] == 'a' ? 'b' : 'a';
	link_split(url, &path, &f);
	fake_run(fx, "GET", path, &f, NULL, T0, &resp);
	assert_int_equal(resp.status, 403);
	fake_free(&resp);
	/* The old query token. */
	memset(&f, 0, sizeof f);
	f.args[0] = "token=0123456789abcdef";
	fake_run(fx, "GET", path, &f, NULL, T0, &resp);
	assert_int_equal(resp.status, 401);
	assert_non_null(strstr(resp.body, "print-link"));
	fake_free(&resp);
	free(url);
}

/* Copies the nonce of a letter page's tip form into out. */
static void
page_nonce(struct fixture *fx, const char *code, time_t now, char *out,
    size_t size)
{
	struct http_response	 resp;
	struct fake		 f;
	char			 path[64];
	const char		*p;

	memset(&f, 0, sizeof f);
	(void)snprintf(path, sizeof path, "/l/%s", code);
	fake_run(fx, "GET", path, &f, NULL, now, &resp);
	assert_int_equal(resp.status, 200);
	p = strstr(resp.body, "name=\"n\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"n\" value=\"");
	(void)snprintf(out, size, "%.*s", (int)strcspn(p, "\""), p);
	fake_free(&resp);
}

/* The tip form takes only a nonce the server issued, within hours. */
static void
test_form_nonce(void **state)
{
	struct fixture		*fx = *state;
	struct letter_code	 lc;
	struct http_response	 resp;
	struct web_form		 form;
	struct fake		 f;
	char			 nonce[96], path[64], forged[96];
	size_t			 n;
	static const char *const bad[] = {
		"0123456789abcdef0123456789abcdef",	/* the old form */
		"", "x", "0123456789abcdef.1780000000.",
		"0123456789abcdef.1780000000.000000000000000000000000",
		NULL
	};
	size_t			 i;

	assert_int_equal(letters_codes(fx->s, fx->letter, 0, 0, &lc, 1, &n),
	    STORE_OK);
	page_nonce(fx, lc.code, T0, nonce, sizeof nonce);
	assert_int_equal(strlen(nonce), 16 + 1 + 10 + 1 + 24);
	(void)snprintf(path, sizeof path, "/l/%s/report", lc.code);
	memset(&f, 0, sizeof f);
	form.text = (char *)(uintptr_t)"有人发传单";
	for (i = 0; bad[i] != NULL; i++) {
		form.nonce = (char *)(uintptr_t)bad[i];
		fake_run(fx, "POST", path, &f, &form, T0, &resp);
		assert_int_equal(resp.status, 400);
		assert_non_null(strstr(resp.body, "表单已过期或无效"));
		fake_free(&resp);
	}
	/* A genuine nonce with its time moved on. */
	(void)snprintf(forged, sizeof forged, "%s", nonce);
	forged[17] = forged[17] == '1' ? '2' : '1';
	form.nonce = forged;
	fake_run(fx, "POST", path, &f, &form, T0, &resp);
	assert_int_equal(resp.status, 400);
	fake_free(&resp);
	/* The genuine nonce, seven hours on. */
	form.nonce = nonce;
	fake_run(fx, "POST", path, &f, &form, T0 + 7 * 3600, &resp);
	assert_int_equal(resp.status, 400);
	fake_free(&resp);
}

/* Collects a reach row as a "path scans devices unscanned forwarded
 * bots" line. */
static void
collect_row(const struct reach_row *r, void *arg)
{
	(void)buf_addf(arg, "%s %ld %ld %ld %ld %ld\n", r->path, r->scans,
	    r->devices, r->codes_unscanned, r->forwarded, r->bots);
}

/* Collects a never-scanned code as a "never LABEL" line. */
static void
collect_code(const struct letter_code *c, void *arg)
{
	(void)buf_addf(arg, "never %s\n", c->label);
}

/* The whole report of the letter from root, as text. */
static char *
report(struct fixture *fx, int64_t root)
{
	struct buf	 b;

	buf_init(&b, 1024 * 1024);
	(void)buf_adds(&b, "");
	assert_int_equal(letters_reach(fx->s, fx->letter, root, collect_row,
	    &b), STORE_OK);
	assert_int_equal(letters_unscanned(fx->s, fx->letter, root,
	    collect_code, &b), STORE_OK);
	return buf_steal(&b);
}

/* A root below the letter's area sees its own subtree only. */
static void
test_reach_subtree(void **state)
{
	struct fixture	*fx = *state;
	char		*all, *sub;
	int64_t		 other;

	all = report(fx, 0);
	sub = report(fx, fx->community);
	assert_non_null(strstr(all, "共青团路社区"));
	assert_null(strstr(sub, "共青团路社区"));
	assert_null(strstr(sub, "张店区 "));
	assert_null(strstr(sub, "车站街道 "));
	assert_non_null(strstr(sub, "华光路社区 12号楼"));
	assert_non_null(strstr(sub, "never 华光路社区 12号楼 电梯厅"));
	free(sub);
	/* A root above the letter's sees all of it. */
	sub = report(fx, fx->district);
	assert_string_equal(sub, all);
	free(sub);
	free(all);
	/* A root beside it sees nothing. */
	assert_int_equal(areas_find(fx->s, "共青团路社区", &other), STORE_OK);
	sub = report(fx, other);
	assert_null(strstr(sub, "华光路社区"));
	free(sub);
}

/* Pruning folds old scans into totals: the figures stay as they were,
 * the rows (device ids, address hashes) go. */
/* Fills a visit without an address by device dddd… (16 times d). */
static void
visit(struct scan_visit *v, int64_t code, time_t at, enum scan_client client,
    int forwarded, char d)
{
	memset(v, 0, sizeof *v);
	v->code_id = code;
	v->at = at;
	v->client = client;
	v->forwarded = forwarded;
	memset(v->device, d, 16);
}

static void
test_prune_scans(void **state)
{
	struct fixture		*fx = *state;
	struct letter_code	 lc[4];
	struct scan_visit	 v[5];
	char			*before, *after;
	size_t			 n;
	long			 gone;

	assert_int_equal(letters_codes(fx->s, fx->letter, 0, 0, lc, 4, &n),
	    STORE_OK);
	assert_int_equal(n, 4);
	/* Code 0: device a old and new, b old only, a bot; code 1: d old,
	 * forwarded. */
	visit(&v[0], lc[0].id, T0 - 100 * 86400, SCAN_WECHAT, 0, 'a');
	visit(&v[1], lc[0].id, T0 - 99 * 86400, SCAN_BROWSER, 0, 'b');
	visit(&v[2], lc[0].id, T0 - 98 * 86400, SCAN_BOT, 0, 'c');
	visit(&v[3], lc[0].id, T0 - 86400, SCAN_WECHAT, 0, 'a');
	visit(&v[4], lc[1].id, T0 - 100 * 86400, SCAN_ALIPAY, 1, 'd');
	assert_int_equal(letters_scan_batch(fx->s, v, 5), STORE_OK);
	before = report(fx, 0);
	assert_int_equal(letters_prune_scans(fx->s, T0 - 90 * 86400, &gone),
	    STORE_OK);
	assert_int_equal(gone, 4);
	after = report(fx, 0);
	assert_string_equal(after, before);
	free(after);
	/* Again: nothing left to fold, nothing changes. */
	assert_int_equal(letters_prune_scans(fx->s, T0 - 90 * 86400, &gone),
	    STORE_OK);
	assert_int_equal(gone, 0);
	after = report(fx, 0);
	assert_string_equal(after, before);
	free(after);
	/* And the last row too: a's later visit now counts from totals. */
	assert_int_equal(letters_prune_scans(fx->s, T0, &gone), STORE_OK);
	assert_int_equal(gone, 1);
	after = report(fx, 0);
	assert_string_equal(after, before);
	free(after);
	free(before);
}

/* Each day has its own random salt; asking for a day forgets older ones. */
static void
test_day_salt(void **state)
{
	struct fixture	*fx = *state;
	uint8_t		 a[SCAN_SALT_LEN], b[SCAN_SALT_LEN], c[SCAN_SALT_LEN];
	static const uint8_t zero[SCAN_SALT_LEN];

	assert_int_equal(letters_day_salt(fx->s, "20260601", a), STORE_OK);
	assert_int_equal(letters_day_salt(fx->s, "20260601", b), STORE_OK);
	assert_memory_equal(a, b, sizeof a);
	assert_memory_not_equal(a, zero, sizeof a);
	assert_int_equal(letters_day_salt(fx->s, "20260602", c), STORE_OK);
	assert_memory_not_equal(a, c, sizeof a);
	/* The 1st's salt is gone: asking again makes a new one. */
	assert_int_equal(letters_day_salt(fx->s, "20260601", b), STORE_OK);
	assert_memory_not_equal(a, b, sizeof a);
}

/* CSV cells that a spreadsheet would run as formulas get a quote. */
static void
test_csv_cells(void **state)
{
	static const char *const cases[][2] = {
		{ "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"" },
		{ "+1", "'+1" }, { "-1", "'-1" }, { "@SUM(A1)", "'@SUM(A1)" },
		{ "\tx", "'\tx" }, { "\rx", "\"'\rx\"" },
		{ "华光路社区 12号楼", "华光路社区 12号楼" }, { "", "" },
		{ "a,b", "\"a,b\"" },
	};
	struct buf	 b;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_init(&b, 1024);
		(void)buf_adds(&b, "");
		reach_csv_cell(&b, cases[i][0]);
		assert_string_equal(b.data, cases[i][1]);
		buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_print_excerpt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_print_link, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_form_nonce, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reach_subtree, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune_scans, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_day_salt, setup,
		    teardown),
		cmocka_unit_test(test_csv_cells),
	};

	return cmocka_run_group_tests_name("letters", tests, NULL, NULL);
}

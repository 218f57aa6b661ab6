/*
 * End-to-end tests of the chat simulator (/try): open to this machine in
 * the demo (open = loopback), with a visitor cookie and a CSRF token; size
 * caps and clear errors; refused without a console session when it is not
 * open, and usable with one; a resident's 举报 makes a practice tip that no
 * figure, list or export shows and that tells nobody; a practice grid
 * worker's 预警 is only previewed and reaches no robot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "e2e.h"
#include "fakeplat.h"

#define AREA	"张店区/车站街道/华光路社区"

static struct daemon	 d_open, d_staff;
static struct fakeplat	*fp;
static char		 token[80];

/* A response body collected by curl. */
struct body {
	char	*s;
	size_t	 len;
};

/* curl's write callback: appends to a struct body. */
static size_t
body_write(char *p, size_t size, size_t n, void *arg)
{
	struct body	*b = arg;
	char		*s = realloc(b->s, b->len + size * n + 1);

	assert_non_null(s);
	memcpy(s + b->len, p, size * n);
	b->s = s;
	b->len += size * n;
	b->s[b->len] = '\0';
	return size * n;
}

/* A browser of the simulator: one curl handle with its cookie jar. */
struct visitor {
	CURL	*c;
	char	 csrf[80];
	char	 cookie[160];	/* extra Cookie: header, or "" */
};

/*
 * One request as v: status, and the body parsed as JSON into *out when
 * out is not NULL (the raw body in raw, up to size, when raw is not NULL).
 * extra is one more header or NULL.
 */
static long
req(struct visitor *v, const struct daemon *d, const char *method,
    const char *path, const char *body, const char *extra, json_t **out,
    char *raw, size_t size)
{
	struct curl_slist	*hl = NULL;
	struct body		 b = { NULL, 0 };
	char			 url[512], h[160];
	long			 status = 0;

	(void)snprintf(url, sizeof url, "%s%s", d->base, path);
	/* The handle is not reset (its cookie jar, turned on in visit(),
	 * would be): what one request set that another must not carry is
	 * set again here. */
	curl_easy_setopt(v->c, CURLOPT_URL, url);
	curl_easy_setopt(v->c, CURLOPT_HTTPGET, 1L);	/* no body but body */
	curl_easy_setopt(v->c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(v->c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(v->c, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(body));
		if (extra == NULL || strncmp(extra, "Content-Type:", 13) != 0)
			hl = curl_slist_append(hl,
			    "Content-Type: application/json");
	}
	if (v->csrf[0] != '\0') {
		(void)snprintf(h, sizeof h, "X-CSRF-Token: %s", v->csrf);
		hl = curl_slist_append(hl, h);
	}
	curl_easy_setopt(v->c, CURLOPT_COOKIE, v->cookie[0] != '\0' ?
	    v->cookie : NULL);
	if (extra != NULL)
		hl = curl_slist_append(hl, extra);
	curl_easy_setopt(v->c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(v->c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(v->c, CURLOPT_WRITEDATA, &b);
	assert_int_equal(curl_easy_perform(v->c), CURLE_OK);
	curl_easy_getinfo(v->c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	if (raw != NULL)
		(void)snprintf(raw, size, "%s", b.s != NULL ? b.s : "");
	if (out != NULL) {
		*out = json_loadb(b.s != NULL ? b.s : "", b.len, 0, NULL);
		if (*out == NULL)
			fail_msg("%s %s: %ld, not JSON: %.300s", method, path,
			    status, b.s != NULL ? b.s : "");
	}
	free(b.s);
	return status;
}

/* A new visitor of d that has opened the page (cookie and token). */
static void
visit(struct visitor *v, const struct daemon *d, long want)
{
	json_t	*j;

	memset(v, 0, sizeof *v);
	assert_non_null(v->c = curl_easy_init());
	curl_easy_setopt(v->c, CURLOPT_COOKIEFILE, "");
	assert_int_equal(req(v, d, "GET", "/try/session", NULL, NULL, &j,
	    NULL, 0), want);
	if (want == 200)
		(void)snprintf(v->csrf, sizeof v->csrf, "%s",
		    json_string_value(json_object_get(j, "csrf")));
	json_decref(j);
}

/* Says text as persona; returns the status and the replies joined into
 * out (or the error). */
static long
say(struct visitor *v, const struct daemon *d, const char *persona,
    const char *text, char *out, size_t size)
{
	static int	 n;
	json_t		*body, *j, *list;
	char		*s, id[32];
	size_t		 i, used = 0;
	long		 status;

	(void)snprintf(id, sizeof id, "m%d", ++n);
	body = json_pack("{s:s, s:s, s:s}", "persona", persona, "text", text,
	    "id", id);
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	status = req(v, d, "POST", "/try/say", s, NULL, &j, NULL, 0);
	free(s);
	out[0] = '\0';
	if ((list = json_object_get(j, "replies")) != NULL) {
		for (i = 0; i < json_array_size(list); i++)
			used += (size_t)snprintf(out + used, size - used, "%s\n",
			    json_string_value(json_object_get(json_array_get(
			    list, i), "text")));
	} else
		(void)snprintf(out, size, "%s", json_string_value(
		    json_object_get(j, "error")));
	json_decref(j);
	return status;
}

static void
leave(struct visitor *v)
{
	curl_easy_cleanup(v->c);
}

static int
group_setup(void **state)
{
	const char *const args[] = { "token", "create", "--role", "office",
	    "--area", "张店区", NULL };

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	assert_non_null(fp = fakeplat_start());
	e2e_prepare(&d_open, "[delivery]\nallow_http = on\n"
	    "allow_private_targets = on\n[channel.try]\ntype = web\n"
	    "area = 华光路社区\nopen = loopback\n");
	e2e_start(&d_open);
	assert_int_equal(e2e_cli(&d_open, args, token, sizeof token), 0);
	token[strcspn(token, "\r\n")] = '\0';
	e2e_prepare(&d_staff, "[channel.try]\ntype = web\narea = 华光路社区\n");
	e2e_start(&d_staff);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	assert_int_equal(e2e_stop(&d_open, 15), 0);
	assert_int_equal(e2e_stop(&d_staff, 15), 0);
	e2e_cleanup(&d_open);
	e2e_cleanup(&d_staff);
	fakeplat_stop(fp);
	curl_global_cleanup();
	return 0;
}

/* The demo: the page, a visitor's cookie and token, answers, refusals. */
static void
test_open(void **state)
{
	struct visitor	 v, w;
	char		 out[8192], big[2100], *body;
	json_t		*j;

	(void)state;
	visit(&v, &d_open, 200);
	assert_int_equal(req(&v, &d_open, "GET", "/try", NULL, NULL, NULL,
	    out, sizeof out), 200);
	assert_non_null(strstr(out, "/assets/try/try.js"));
	assert_null(strstr(out, "<script>"));
	assert_int_equal(say(&v, &d_open, "private", "帮助", out, sizeof out),
	    200);
	assert_non_null(strstr(out, "举报"));
	assert_int_equal(say(&v, &d_open, "group", "查询 鑫源", out,
	    sizeof out), 200);
	assert_non_null(strstr(out, "鑫源"));
	/* Size caps and errors, Chinese first. */
	memset(big, 'a', 2001);
	big[2001] = '\0';
	assert_int_equal(say(&v, &d_open, "private", big, out, sizeof out),
	    413);
	assert_non_null(strstr(out, "文字过长"));
	assert_int_equal(say(&v, &d_open, "boss", "帮助", out, sizeof out),
	    400);
	assert_non_null(strstr(out, "身份"));
	body = "{\"persona\":\"private\",\"text\":\"帮助\",\"id\":\"x\"}";
	assert_int_equal(req(&v, &d_open, "POST", "/try/say", body,
	    "Content-Type: text/plain", &j, NULL, 0), 415);
	json_decref(j);
	/* Without the token, or with another visitor's. */
	memset(&w, 0, sizeof w);
	visit(&w, &d_open, 200);
	(void)snprintf(w.csrf, sizeof w.csrf, "%s", v.csrf);
	assert_int_equal(say(&w, &d_open, "private", "帮助", out, sizeof out),
	    403);
	w.csrf[0] = '\0';
	assert_int_equal(say(&w, &d_open, "private", "帮助", out, sizeof out),
	    403);
	leave(&w);
	/* Behind a proxy nobody is local. */
	assert_int_equal(req(&v, &d_open, "GET", "/try/session", NULL,
	    "X-Forwarded-For: 203.0.113.9", &j, NULL, 0), 403);
	json_decref(j);
	/* Never as a webhook. */
	assert_int_equal(req(&v, &d_open, "POST", "/hook/try", body, NULL, &j,
	    NULL, 0), 404);
	json_decref(j);
	leave(&v);
}

/* Not open: a session is needed, and its CSRF token. */
static void
test_staff_only(void **state)
{
	const char *const add[] = { "staff", "add", "--name", "王主任",
	    "--role", "office", "--area", "张店区", NULL };
	static const char secret[] = "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";
	static const char csrf[] = "fedcba9876543210fedcba9876543210"
	    "fedcba9876543210fedcba9876543210";
	struct visitor	 v;
	unsigned char	 hash[32];
	unsigned int	 hl = 32;
	char		 out[4096], path[512];
	sqlite3		*db;
	sqlite3_stmt	*st;
	json_t		*j;
	long		 staff;

	(void)state;
	visit(&v, &d_staff, 403);
	assert_int_equal(say(&v, &d_staff, "private", "帮助", out, sizeof out),
	    403);
	assert_non_null(strstr(out, "请先登录"));
	leave(&v);
	/* A session, as a sign-in opens one (its secret's SHA-256). */
	assert_int_equal(e2e_cli(&d_staff, add, out, sizeof out), 0);
	staff = e2e_sql_long(&d_staff, "SELECT max(id) FROM staff");
	assert_true(staff > 0);
	assert_int_equal(EVP_Digest(secret, 64, hash, &hl, EVP_sha256(),
	    NULL), 1);
	(void)snprintf(path, sizeof path, "%s/fangfei.db", d_staff.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO web_sessions "
	    "(staff_id, hash, csrf, created_at, seen_at) VALUES (?1, ?2, ?3, "
	    "?4, ?4)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, staff);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);

	memset(&v, 0, sizeof v);
	assert_non_null(v.c = curl_easy_init());
	curl_easy_setopt(v.c, CURLOPT_COOKIEFILE, "");
	(void)snprintf(v.cookie, sizeof v.cookie, "ff_session=%s", secret);
	assert_int_equal(req(&v, &d_staff, "GET", "/try/session", NULL, NULL,
	    &j, NULL, 0), 200);
	assert_string_equal(json_string_value(json_object_get(j, "mode")),
	    "staff");
	assert_string_equal(json_string_value(json_object_get(j, "csrf")),
	    csrf);
	json_decref(j);
	/* The session's cookie is sent by hand: the visitor's comes from
	 * the jar, which CURLOPT_COOKIE adds to. */
	assert_int_equal(say(&v, &d_staff, "private", "帮助", out, sizeof out),
	    403);
	(void)snprintf(v.csrf, sizeof v.csrf, "%s", csrf);
	assert_int_equal(say(&v, &d_staff, "private", "帮助", out, sizeof out),
	    200);
	assert_non_null(strstr(out, "举报"));
	leave(&v);
}

/* A practice tip: stored as practice, in no figure, list or export, and
 * nobody told. */
static void
test_practice_tip(void **state)
{
	struct visitor		 v;
	struct http_result	 r;
	char			 out[4096], ref[32], path[128], sql[160];
	const char		*p, *hdr[] = { NULL, NULL };
	char			 auth[128];
	time_t			 now = time(NULL);
	struct tm		 tm;

	(void)state;
	visit(&v, &d_open, 200);
	assert_int_equal(say(&v, &d_open, "group", "举报 群里有人推销高息理财", out,
	    sizeof out), 200);
	assert_non_null(strstr(out, "私聊"));
	assert_int_equal(say(&v, &d_open, "private", "举报 小区门口有人推销保本高息理财",
	    out, sizeof out), 200);
	assert_non_null(p = strstr(out, "JB-"));
	(void)snprintf(ref, sizeof ref, "%.18s", p);
	(void)snprintf(sql, sizeof sql, "SELECT practice FROM tips WHERE "
	    "ref = '%s'", ref);
	assert_int_equal(e2e_sql_long(&d_open, sql), 1);
	assert_int_equal(e2e_sql_long(&d_open, "SELECT count(*) FROM tips"), 1);
	assert_int_equal(e2e_sql_long(&d_open, "SELECT count(*) FROM outbox"),
	    0);
	assert_int_equal(e2e_sql_long(&d_open,
	    "SELECT count(*) FROM tip_assignees"), 0);
	/* Its progress, for its reporter only. */
	(void)snprintf(path, sizeof path, "进度 %s", ref);
	assert_int_equal(say(&v, &d_open, "private", path, out, sizeof out),
	    200);
	assert_non_null(strstr(out, ref));
	leave(&v);

	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	hdr[0] = auth;
	gmtime_r(&now, &tm);
	(void)snprintf(path, sizeof path, "/api/v1/ledger/stats?year=%d",
	    tm.tm_year + 1900);
	r = e2e_request(&d_open, "GET", path, hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"received\":0"));
	assert_null(strstr(r.body, "\"received\":1"));
	e2e_result_free(&r);
	r = e2e_request(&d_open, "GET", "/api/v1/ledger/export?format=json",
	    hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, ref));
	e2e_result_free(&r);
	r = e2e_request(&d_open, "GET", "/api/v1/ledger/export?format=csv",
	    hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, ref));
	e2e_result_free(&r);
	r = e2e_request(&d_open, "GET", "/api/v1/tips", hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, ref));
	e2e_result_free(&r);
	/* Nor is it a tip of the ledger by its reference: it cannot be read,
	 * moved (which would tell real staff) or rewarded. */
	(void)snprintf(path, sizeof path, "/api/v1/tips/%s", ref);
	r = e2e_request(&d_open, "GET", path, hdr, NULL, 0);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
	{
		const char *const post[] = { auth,
		    "Content-Type: application/json", NULL };
		static const char body[] = "{\"move\":\"verify\"}";

		(void)snprintf(path, sizeof path, "/api/v1/tips/%s/moves", ref);
		r = e2e_request(&d_open, "POST", path, post, body,
		    strlen(body));
		assert_int_equal(r.status, 404);
		e2e_result_free(&r);
	}
	assert_int_equal(e2e_sql_long(&d_open, "SELECT count(*) FROM outbox"),
	    0);
}

/* A practice warning: previewed, never queued, no robot called. */
static void
test_practice_warn(void **state)
{
	struct visitor		 v;
	struct http_result	 r;
	struct fakeplat_record	*rec;
	struct timespec		 tick = { 0, 20 * 1000 * 1000 };
	char			 out[4096], body[512], auth[128];
	const char		*hdr[] = { NULL, "Content-Type: application/json",
				    NULL };
	size_t			 n;
	int			 waited;

	(void)state;
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	hdr[0] = auth;
	(void)snprintf(body, sizeof body, "{\"name\":\"12号楼\",\"area\":\""
	    AREA "\",\"kind\":\"building\",\"robot\":\"wecom\",\"webhook\":"
	    "\"%s/cgi-bin/webhook/send?key=k1\"}", fakeplat_base(fp));
	r = e2e_request(&d_open, "POST", "/api/v1/groups", hdr, body,
	    strlen(body));
	assert_int_equal(r.status, 201);
	e2e_result_free(&r);

	visit(&v, &d_open, 200);
	/* A resident may not. */
	assert_int_equal(say(&v, &d_open, "private", "预警 华光路社区 小心高息理财",
	    out, sizeof out), 200);
	assert_non_null(strstr(out, "仅限"));
	assert_int_equal(say(&v, &d_open, "worker", "预警 华光路社区 小心高息理财",
	    out, sizeof out), 200);
	assert_non_null(strstr(out, "练习：未发送 practice: not sent"));
	assert_non_null(strstr(out, "小心高息理财"));
	/* What would touch the real ledger is refused. */
	assert_int_equal(say(&v, &d_open, "worker", "线索", out, sizeof out),
	    200);
	assert_non_null(strstr(out, "练习中不能使用"));
	assert_int_equal(say(&v, &d_open, "private", "绑定 ABCDEF123456", out,
	    sizeof out), 200);
	assert_non_null(strstr(out, "练习中不能使用"));
	leave(&v);
	assert_int_equal(e2e_sql_long(&d_open,
	    "SELECT count(*) FROM broadcasts"), 0);
	assert_int_equal(e2e_sql_long(&d_open, "SELECT count(*) FROM outbox"),
	    0);
	assert_int_equal(e2e_sql_long(&d_open,
	    "SELECT count(*) FROM groups WHERE channel = 'try'"), 0);
	/* A real warning after it, to the same group, is the only request
	 * the robot sees: had the practice one been queued, it would have
	 * gone first. */
	(void)snprintf(body, sizeof body, "{\"area\":\"" AREA "\",\"kinds\":"
	    "[\"building\"],\"text\":\"真实预警\"}");
	r = e2e_request(&d_open, "POST", "/api/v1/broadcasts", hdr, body,
	    strlen(body));
	assert_int_equal(r.status, 201);
	e2e_result_free(&r);
	/* Polls the fake robot (up to ten seconds) for that one. */
	for (waited = 0; fakeplat_count(fp, NULL) < 1 && waited < 500;
	    waited++)
		nanosleep(&tick, NULL);
	rec = fakeplat_records(fp, NULL, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(rec[0].body, "真实预警"));
	fakeplat_free(rec, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_staff_only),
		cmocka_unit_test(test_practice_tip),
		cmocka_unit_test(test_practice_warn),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * End-to-end tests of the console's sign-in over real HTTP: a one-time
 * link from the CLI and from 登录 in a bound private chat (never in a
 * group, never for a resident) opens a session once; a used or expired
 * link is refused; the session calls /api/v1 with exactly its staff
 * member's role and area; a change without the session's CSRF token is
 * refused; sign-out ends it; sign-ins and sign-outs are audited; no
 * secret reaches the log; pages carry a strict Content-Security-Policy.
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

#include "e2e.h"

static struct daemon	 d;
static char		 logpath[512];

/* What a request answered, with the headers that matter here. */
struct answer {
	long	 status;
	char	 cookie[256];	/* Set-Cookie, whole */
	char	 location[128];
	char	 csp[512];
	char	 body[16384];
	size_t	 len;
};

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;
	size_t		 len = size * n, v;
	char		*dst = NULL;
	size_t		 cap = 0;

	if (len > 12 && strncasecmp(p, "Set-Cookie: ", 12) == 0) {
		dst = a->cookie;
		cap = sizeof a->cookie;
		v = 12;
	} else if (len > 10 && strncasecmp(p, "Location: ", 10) == 0) {
		dst = a->location;
		cap = sizeof a->location;
		v = 10;
	} else if (len > 25 && strncasecmp(p,
	    "Content-Security-Policy: ", 25) == 0) {
		dst = a->csp;
		cap = sizeof a->csp;
		v = 25;
	}
	if (dst != NULL)
		(void)snprintf(dst, cap, "%.*s", (int)(len - v -
		    (len >= 2 && p[len - 2] == '\r' ? 2 : 1)), p + v);
	return len;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;
	size_t		 len = size * n, room = sizeof a->body - 1 - a->len;

	memcpy(a->body + a->len, p, len < room ? len : room);
	a->len += len < room ? len : room;
	a->body[a->len] = '\0';
	return len;
}

/* One request with an optional session cookie, CSRF token, type and one
 * more header. */
static void
call_with(struct answer *a, const char *method, const char *path,
    const char *session, const char *csrf, const char *type,
    const char *body, const char *extra)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	char			 url[512], line[256];

	memset(a, 0, sizeof *a);
	(void)snprintf(url, sizeof url, "%s%s", d.base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (session != NULL) {
		(void)snprintf(line, sizeof line, "Cookie: ff_session=%s",
		    session);
		h = curl_slist_append(h, line);
	}
	if (csrf != NULL) {
		(void)snprintf(line, sizeof line, "X-CSRF-Token: %s", csrf);
		h = curl_slist_append(h, line);
	}
	if (type != NULL) {
		(void)snprintf(line, sizeof line, "Content-Type: %s", type);
		h = curl_slist_append(h, line);
	}
	if (extra != NULL)
		h = curl_slist_append(h, extra);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* One request with an optional session cookie and CSRF token. */
static void
call(struct answer *a, const char *method, const char *path,
    const char *session, const char *csrf, const char *type,
    const char *body)
{
	call_with(a, method, path, session, csrf, type, body, NULL);
}

/* A sign-in POST of body with one more header. */
static void
call_hdr(struct answer *a, const char *path, const char *header,
    const char *body)
{
	call_with(a, "POST", path, NULL, NULL, NULL, body, header);
}

/* The secret of a link (…/admin/login?t=SECRET…) into t[65]. */
static void
secret_of(const char *text, char t[65])
{
	const char	*p = strstr(text, "/admin/login?t=");

	assert_non_null(p);
	p += 15;
	assert_true(strspn(p, "0123456789abcdef") >= 64);
	memcpy(t, p, 64);
	t[64] = '\0';
}

/* A link from the CLI for staff id. */
static void
cli_link(long id, char t[65])
{
	char		 num[16], out[512];
	const char	*args[] = { "staff", "login-link", "--id", num, NULL };

	(void)snprintf(num, sizeof num, "%ld", id);
	assert_int_equal(e2e_cli(&d, args, out, sizeof out), 0);
	secret_of(out, t);
}

/* Signs in with a link: the session cookie's value into c[65]. */
static void
sign_in(const char *t, char c[65])
{
	struct answer	 a;
	char		 body[128];
	const char	*p;

	(void)snprintf(body, sizeof body, "t=%s", t);
	call(&a, "POST", "/admin/login", NULL, NULL,
	    "application/x-www-form-urlencoded", body);
	assert_int_equal(a.status, 303);
	assert_string_equal(a.location, "/admin");
	assert_non_null(strstr(a.cookie, "HttpOnly"));
	assert_non_null(strstr(a.cookie, "SameSite=Strict"));
	assert_non_null(p = strstr(a.cookie, "ff_session="));
	memcpy(c, p + 11, 64);
	c[64] = '\0';
}

/* The session's CSRF token and role from /api/v1/session. */
static void
whoami(const char *c, char csrf[65], char *role, size_t size)
{
	struct answer	 a;
	json_t		*j;

	call(&a, "GET", "/api/v1/session", c, NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(j = json_loads(a.body, 0, NULL));
	(void)snprintf(csrf, 65, "%s", json_string_value(json_object_get(j,
	    "csrf")));
	(void)snprintf(role, size, "%s", json_string_value(json_object_get(j,
	    "role")));
	json_decref(j);
}

/* A message on the demo channel; the answer's body into out. */
static void
say(const char *chat, const char *sender, const char *text, char *out,
    size_t size)
{
	struct http_result	 r = e2e_say(&d, NULL, chat, sender, NULL, text,
	    NULL);

	assert_int_equal(r.status, 200);
	(void)snprintf(out, size, "%.*s", (int)r.len, r.body);
	e2e_result_free(&r);
}

/* Adds and binds a staff member on chat u-<user>; returns their id. */
static long
bind_staff(const char *name, const char *role, const char *area,
    const char *user)
{
	long	 id = e2e_bind_staff(&d, NULL, NULL, user, name, role, area);

	assert_true(id > 0);
	return id;
}

static long office, worker;

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	(void)snprintf(logpath, sizeof logpath, "%s/serve.log", d.dir);
	e2e_start_log(&d, logpath);
	office = bind_staff("李主任", "office", "张店区", "office");
	worker = bind_staff("刘网格", "grid_worker", "华光路社区", "worker");
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

/* Whether the daemon's log holds s. */
static int
log_holds(const char *s)
{
	FILE	*f = fopen(logpath, "r");
	char	 line[4096];
	int	 found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

/* A CLI link opens one session; the page asks for a POST first. */
static void
test_cli_link_once(void **state)
{
	struct answer	 a;
	char		 t[65], c[65], csrf[65], role[16], path[128];
	char		 body[128];

	(void)state;
	cli_link(office, t);
	(void)snprintf(path, sizeof path, "/admin/login?t=%s", t);
	call(&a, "GET", path, NULL, NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "method=\"post\""));
	assert_non_null(strstr(a.csp, "script-src 'self'"));
	assert_non_null(strstr(a.csp, "frame-ancestors 'none'"));
	assert_string_equal(a.cookie, "");	/* a GET spends nothing */
	sign_in(t, c);
	whoami(c, csrf, role, sizeof role);
	assert_string_equal(role, "office");
	/* The same link again. */
	(void)snprintf(body, sizeof body, "t=%s", t);
	call(&a, "POST", "/admin/login", NULL, NULL,
	    "application/x-www-form-urlencoded", body);
	assert_int_equal(a.status, 403);
	assert_non_null(strstr(a.body, "已使用或已过期"));
	assert_string_equal(a.cookie, "");
	/* A link posted from another site's page is refused, even a live
	 * one, which stays unspent. */
	{
		char	 t2[65];

		cli_link(office, t2);
		(void)snprintf(body, sizeof body, "t=%s", t2);
		call_hdr(&a, "/admin/login", "Origin: http://evil.example", body);
		assert_int_equal(a.status, 403);
		assert_string_equal(a.cookie, "");
		call_hdr(&a, "/admin/login", "Sec-Fetch-Site: cross-site", body);
		assert_int_equal(a.status, 403);
		(void)snprintf(path, sizeof path, "Origin: %s", d.base);
		call_hdr(&a, "/admin/login", path, body);
		assert_int_equal(a.status, 303);
	}
	/* A made-up one. */
	memset(body + 2, 'a', 64);
	call(&a, "POST", "/admin/login", NULL, NULL,
	    "application/x-www-form-urlencoded", body);
	assert_int_equal(a.status, 403);
	/* Neither the link nor the cookie is in the log. */
	assert_false(log_holds(t));
	assert_false(log_holds(c));
	assert_true(e2e_sql_long(&d, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'console sign-in'") >= 1);
	/* Stored only as hashes. */
	assert_false(e2e_db_holds(&d, t));
	assert_false(e2e_db_holds(&d, c));
}

/* A link made eleven minutes ago is refused. */
static void
test_expired_link(void **state)
{
	struct answer	 a;
	char		 t[65], body[128], when[32];
	time_t		 then = time(NULL) - 11 * 60;
	struct tm	 tm;

	(void)state;
	gmtime_r(&then, &tm);
	(void)strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_int_equal(setenv("FANGFEI_NOW", when, 1), 0);
	cli_link(office, t);
	assert_int_equal(unsetenv("FANGFEI_NOW"), 0);
	(void)snprintf(body, sizeof body, "t=%s", t);
	call(&a, "POST", "/admin/login", NULL, NULL,
	    "application/x-www-form-urlencoded", body);
	assert_int_equal(a.status, 403);
	assert_string_equal(a.cookie, "");
}

/* 登录 in a private chat answers with a link; in a group, and for a
 * resident, with none. */
static void
test_chat_login(void **state)
{
	char	 out[4096], t[65], c[65], csrf[65], role[16];

	(void)state;
	say("u-worker", "worker", "登录", out, sizeof out);
	secret_of(out, t);
	assert_non_null(strstr(out, "十分钟"));
	sign_in(t, c);
	whoami(c, csrf, role, sizeof role);
	assert_string_equal(role, "grid_worker");
	/* The answer is kept nowhere: the retry record holds no copy. */
	assert_false(e2e_db_holds(&d, t));
	say("g-building", "worker", "/login", out, sizeof out);
	assert_null(strstr(out, "/admin/login"));
	assert_non_null(strstr(out, "私聊"));
	say("u-resident", "resident", "登录", out, sizeof out);
	assert_null(strstr(out, "/admin/login"));
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM login_links "
	    "WHERE staff_id = (SELECT id FROM staff WHERE name = '刘网格')"),
	    1);
}

/* Changes need the session's CSRF token; a cookie alone changes
 * nothing. */
static void
test_csrf(void **state)
{
	struct answer	 a;
	char		 t[65], c[65], csrf[65], role[16], wrong[65];
	static const char staff[] = "{\"name\":\"王新\",\"role\":\"grid_worker\","
	    "\"area\":\"华光路社区\"}";

	(void)state;
	cli_link(office, t);
	sign_in(t, c);
	whoami(c, csrf, role, sizeof role);
	call(&a, "POST", "/api/v1/staff", c, NULL, "application/json", staff);
	assert_int_equal(a.status, 403);
	assert_non_null(strstr(a.body, "csrf"));
	memcpy(wrong, csrf, sizeof wrong);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	call(&a, "POST", "/api/v1/staff", c, wrong, "application/json", staff);
	assert_int_equal(a.status, 403);
	/* Another session's token is not this one's. */
	call(&a, "POST", "/api/v1/staff", c, c, "application/json", staff);
	assert_int_equal(a.status, 403);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM staff WHERE "
	    "name = '王新'"), 0);
	call(&a, "POST", "/api/v1/staff", c, csrf, "application/json", staff);
	assert_int_equal(a.status, 201);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'staff add' AND actor LIKE 'staff:%'"), 1);
}

/* A grid worker's session sees their area and does what their role
 * may: another area, staff and the audit log are refused. */
static void
test_worker_scope(void **state)
{
	struct answer	 a;
	char		 t[65], c[65], csrf[65], role[16];

	(void)state;
	cli_link(worker, t);
	sign_in(t, c);
	whoami(c, csrf, role, sizeof role);
	call(&a, "GET", "/api/v1/tips?area=%E7%A7%91%E8%8B%91%E8%A1%97%E9%81%93",
	    c, NULL, NULL, NULL);
	assert_int_equal(a.status, 403);
	call(&a, "GET", "/api/v1/tips", c, NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	call(&a, "POST", "/api/v1/staff", c, csrf, "application/json",
	    "{\"name\":\"x\",\"role\":\"grid_worker\",\"area\":\"华光路社区\"}");
	assert_int_equal(a.status, 403);
	assert_non_null(strstr(a.body, "forbidden_role"));
	call(&a, "GET", "/api/v1/audit", c, NULL, NULL, NULL);
	assert_int_equal(a.status, 403);
	/* Robot groups outside the worker's area are refused too. */
	call(&a, "POST", "/api/v1/groups", c, csrf, "application/json",
	    "{\"name\":\"科苑1号楼\",\"kind\":\"building\",\"robot\":"
	    "\"dingtalk\",\"area\":\"科苑街道\",\"webhook\":"
	    "\"https://oapi.dingtalk.com/robot/send?access_token=x\"}");
	assert_int_equal(a.status, 403);
}

/* A member's broadcasts from the console count against their warnings a
 * day ([limits] warnings_per_day, 10) with their 预警 in a chat: past
 * the limit both are refused, and each refusal is audited. */
static void
test_warn_limit(void **state)
{
	struct answer	 a;
	char		 t[65], c[65], csrf[65], role[16], out[1024];
	int		 i;

	(void)state;
	cli_link(worker, t);
	sign_in(t, c);
	whoami(c, csrf, role, sizeof role);
	for (i = 0; i < 10; i++) {
		call(&a, "POST", "/api/v1/broadcasts", c, csrf,
		    "application/json", "{\"area\":\"华光路社区\","
		    "\"text\":\"谨防高息理财\"}");
		assert_int_equal(a.status, 201);
	}
	call(&a, "POST", "/api/v1/broadcasts", c, csrf, "application/json",
	    "{\"area\":\"华光路社区\",\"text\":\"第十一条\"}");
	assert_int_equal(a.status, 429);
	assert_non_null(strstr(a.body, "warn_limit"));
	assert_non_null(strstr(a.body, "每人每日预警上限 10 条"));
	say("u-worker", "worker", "预警 华光路社区 聊天里再发", out, sizeof out);
	assert_non_null(strstr(out, "上限 10 条"));
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM broadcasts"),
	    10);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log"
	    " WHERE action = 'warn refused'"), 2);
}

/* Sign-out ends the session, audited; the old cookie opens nothing. */
static void
test_sign_out(void **state)
{
	struct answer	 a;
	char		 t[65], c[65], csrf[65], role[16];

	(void)state;
	cli_link(office, t);
	sign_in(t, c);
	whoami(c, csrf, role, sizeof role);
	/* Without the token: refused. */
	call(&a, "POST", "/admin/logout", c, NULL,
	    "application/x-www-form-urlencoded", "");
	assert_int_equal(a.status, 403);
	call(&a, "GET", "/api/v1/session", c, NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	{
		char	 body[96];

		(void)snprintf(body, sizeof body, "csrf=%s", csrf);
		call(&a, "POST", "/admin/logout", c, NULL,
		    "application/x-www-form-urlencoded", body);
	}
	assert_int_equal(a.status, 303);
	assert_non_null(strstr(a.cookie, "Max-Age=0"));
	call(&a, "GET", "/api/v1/session", c, NULL, NULL, NULL);
	assert_int_equal(a.status, 401);
	assert_true(e2e_sql_long(&d, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'console sign-out'") >= 1);
	/* The console's page and files. */
	call(&a, "GET", "/admin/tips", NULL, NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "/assets/console/app.js"));
	call(&a, "GET", "/assets/vendor/chart.min.js", NULL, NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "Chart.js v3"));
	call(&a, "GET", "/assets/nothing.js", NULL, NULL, NULL, NULL);
	assert_int_equal(a.status, 404);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_link_once),
		cmocka_unit_test(test_expired_link),
		cmocka_unit_test(test_chat_login),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_worker_scope),
		cmocka_unit_test(test_warn_limit),
		cmocka_unit_test(test_sign_out),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

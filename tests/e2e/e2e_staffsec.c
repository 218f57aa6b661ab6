/*
 * End-to-end tests of the staff security rules: bind codes from the CLI
 * (long, case-insensitive, one live per member), the failure limit
 * across a restart, the notice to a member's other account, the audit log
 * (CLI and API, by area), tokens that expire and are revoked, staff roles
 * no higher than the token's, robot groups keyed by area and checked for
 * internal targets at registration and at send time, the group list, and
 * disabling a member (CLI and API): their chat account, console session,
 * sign-in link and calendar feed stop working at once, and enabling them
 * binds nothing back.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "e2e.h"

#define WAIT_MS		20000

static struct daemon d;
static char tok_street[128], tok_other[128];

/* Runs a CLI command; fails the test on a non-zero status. */
static void
cli_ok(const char *const *args, char *out, size_t size)
{
	int	 rc = e2e_cli(&d, args, out, size);

	if (rc != 0)
		fail_msg("fangfei %s %s: exit %d: %s", args[0], args[1], rc,
		    out);
}

/* Makes an office token for an area. */
static void
make_token(const char *area, char out[128])
{
	const char *const args[] = { "token", "create", "--role", "office",
	    "--area", area, "--label", area, NULL };

	cli_ok(args, out, 128);
	out[strcspn(out, "\n")] = '\0';
	assert_int_equal(strncmp(out, "ff_", 3), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, "[delivery]\nallow_http = on\n"
	    "[limits]\nbind_failures_per_sender = 3\n"
	    "bind_failures_per_channel = 1000\nbind_cooldown_minutes = 30\n");
	e2e_start(&d);
	make_token("车站街道", tok_street);
	make_token("科苑街道", tok_other);
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

/* Writes to the daemon's database (what an older version left there). */
static void
sql_exec(const char *sql)
{
	if (e2e_sql_exec(&d, sql) != 0)
		fail_msg("%s: failed", sql);
}

/* POSTs a generic-channel message and returns the answer. */
static struct http_result
say(const char *chat, const char *sender, const char *text,
    const char *msgid)
{
	return e2e_say(&d, NULL, chat, sender, sender, text, msgid);
}

/* Says text and checks the answer holds want. */
static void
say_expect(const char *chat, const char *sender, const char *text,
    const char *msgid, const char *want)
{
	struct http_result	 r = say(chat, sender, text, msgid);

	assert_int_equal(r.status, 200);
	if (strstr(r.body, want) == NULL)
		fail_msg("%s: want \"%s\" in %s", text, want, r.body);
	e2e_result_free(&r);
}

/* Adds a staff member from the CLI; returns the id and the bind code. */
static long
new_staff(const char *name, const char *role, const char *area,
    char code[16])
{
	const char *const args[] = { "staff", "add", "--name", name, "--role",
	    role, "--area", area, NULL };
	char		 out[1024], *p;
	long		 id;

	cli_ok(args, out, sizeof out);
	assert_int_equal(sscanf(out, "工作人员 staff %ld:", &id), 1);
	assert_non_null(p = strstr(out, "bind code: "));
	memcpy(code, p + 11, 12);
	code[12] = '\0';
	return id;
}

/* A new code from the CLI for staff id. */
static void
new_code(long id, char code[16])
{
	char		 ids[16], out[512], *p;
	const char *const args[] = { "staff", "code", "--id", ids, NULL };

	(void)snprintf(ids, sizeof ids, "%ld", id);
	cli_ok(args, out, sizeof out);
	assert_non_null(p = strstr(out, ": "));
	memcpy(code, p + 2, 12);
	code[12] = '\0';
}

/* Codes look like K7QM-2XPD-9F and bind typed in lower case without
 * dashes; a second code cancels the first; binding a second account
 * queues a notice to the first account's private chat. */
static void
test_bind_codes(void **state)
{
	char	 code[16], old[16], typed[32], text[64];
	long	 id;
	size_t	 i, j;

	(void)state;
	id = new_staff("赵敏", "grid_worker", "华光路社区", code);
	assert_int_equal(code[4], '-');
	assert_int_equal(code[9], '-');
	for (i = 0, j = 0; code[i] != '\0'; i++)
		if (code[i] != '-')
			typed[j++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ?
			    code[i] + 32 : code[i]);
	typed[j] = '\0';
	(void)snprintf(text, sizeof text, "绑定 %s", typed);
	say_expect("u-zm1", "zm1", text, "bc-1", "绑定成功：赵敏");
	memcpy(old, code, sizeof old);
	new_code(id, old);
	new_code(id, code);
	assert_string_not_equal(old, code);
	(void)snprintf(text, sizeof text, "绑定 %s", old);
	say_expect("u-zm2", "zm2", text, "bc-2", "绑定码无效");
	(void)snprintf(text, sizeof text, "绑定 %s", code);
	say_expect("u-zm2", "zm2", text, "bc-3", "绑定成功：赵敏");
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.channel = 'demo' AND "
	    "g.chat_id = 'u-zm1' AND o.body LIKE '%zm2%如非本人操作%'"), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.chat_id = 'u-zm2'"), 0);
	/* The code itself is stored nowhere in clear. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM bind_codes "
	    "WHERE code LIKE '%-%' OR length(code) != 64"), 0);
}

/* Three failures lock a sender out, across a restart, even with the
 * right code; the failures are in the audit log by channel and user id,
 * without the codes tried. */
static void
test_bind_limit(void **state)
{
	static const char *const audit[] = { "audit", "list", "--action",
	    "bind failed", NULL };
	char	 code[16], text[64], out[4096];

	(void)state;
	(void)new_staff("钱多", "grid_worker", "华光路社区", code);
	say_expect("u-guess", "guess", "绑定 2222-3333-44", "bl-1", "绑定码无效");
	say_expect("u-guess", "guess", "绑定 2222-3333-45", "bl-2", "绑定码无效");
	say_expect("u-guess", "guess", "绑定 2222-3333-46", "bl-3", "绑定码无效");
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	e2e_start(&d);
	(void)snprintf(text, sizeof text, "绑定 %s", code);
	say_expect("u-guess", "guess", text, "bl-4", "绑定失败次数过多");
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM identities "
	    "WHERE user_id = 'guess'"), 0);
	/* Another sender is not locked. */
	say_expect("u-qd", "qd", text, "bl-5", "绑定成功：钱多");
	cli_ok(audit, out, sizeof out);
	assert_non_null(strstr(out, "demo:guess\tbind failed"));
	assert_null(strstr(out, "2222"));
	assert_null(strstr(out, code));
}

/* A group attached by one area's staff cannot be re-attached by staff of
 * another area. */
static void
test_bindgroup_scope(void **state)
{
	char	 a[16], b[16], text[64];

	(void)state;
	(void)new_staff("孙甲", "grid_worker", "华光路社区", a);
	(void)new_staff("李乙", "grid_chief", "科苑街道", b);
	(void)snprintf(text, sizeof text, "绑定 %s", a);
	say_expect("u-sj", "sj", text, "bg-1", "绑定成功");
	(void)snprintf(text, sizeof text, "绑定 %s", b);
	say_expect("u-ly", "ly", text, "bg-2", "绑定成功");
	say_expect("g-shared", "sj", "绑定群 华光路社区 社区群", "bg-3",
	    "本群已关联到");
	say_expect("g-shared", "ly", "绑定群 科苑街道 社区群", "bg-4",
	    "不能更改");
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM groups g JOIN "
	    "areas a ON a.id = g.area_id WHERE g.chat_id = 'g-shared' AND "
	    "a.name = '华光路社区'"), 1);
}

/* One API call with a token; body may be NULL. */
static struct http_result
api(const char *tok, const char *method, const char *path, const char *body)
{
	char		 auth[192];
	const char	*hdr[] = { auth, "Content-Type: application/json", NULL };

	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
	return e2e_request(&d, method, path, hdr, body, body ? strlen(body) : 0);
}

/* Calls the API and checks the status. */
static void
api_expect(const char *tok, const char *method, const char *path,
    const char *body, long status)
{
	struct http_result	 r = api(tok, method, path, body);

	if (r.status != status)
		fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status,
		    status, r.body);
	e2e_result_free(&r);
}

/* An office token cannot make admin staff; it can make office staff. */
static void
test_api_roles(void **state)
{
	(void)state;
	api_expect(tok_street, "POST", "/api/v1/staff", "{\"name\":\"管理员\","
	    "\"role\":\"admin\",\"area\":\"华光路社区\"}", 403);
	api_expect(tok_street, "POST", "/api/v1/staff", "{\"name\":\"办公室\","
	    "\"role\":\"office\",\"area\":\"华光路社区\"}", 201);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM staff WHERE "
	    "role = 'admin'"), 0);
}

/* Robot groups: the same name in two areas makes two groups; a token
 * cannot register outside its area; internal targets are refused; the
 * list shows hosts only, in the token's area. */
static void
test_api_groups(void **state)
{
	struct http_result	 r;
	char			 hook[64];

	(void)state;
	api_expect(tok_street, "POST", "/api/v1/groups", "{\"name\":\"同名楼群\","
	    "\"area\":\"华光路社区\",\"kind\":\"building\",\"robot\":\"wecom\","
	    "\"webhook\":\"https://8.8.8.8/send?key=KEYA\"}", 201);
	api_expect(tok_other, "POST", "/api/v1/groups", "{\"name\":\"同名楼群\","
	    "\"area\":\"科苑街道\",\"kind\":\"building\",\"robot\":\"wecom\","
	    "\"webhook\":\"https://8.8.4.4/send?key=KEYB\"}", 201);
	api_expect(tok_other, "POST", "/api/v1/groups", "{\"name\":\"同名楼群\","
	    "\"area\":\"华光路社区\",\"kind\":\"building\",\"robot\":\"wecom\","
	    "\"webhook\":\"https://8.8.4.4/send?key=KEYB\"}", 403);
	/* Each area keeps its own robot; the webhooks are sealed, with
	 * only their hosts in clear. */
	assert_int_equal(e2e_sql_text(&d, "SELECT webhook_host FROM groups g"
	    " JOIN areas a ON a.id = g.area_id WHERE g.title = '同名楼群' AND "
	    "a.name = '华光路社区' AND g.webhook IS NULL AND"
	    " g.webhook_seal IS NOT NULL", hook, sizeof hook), 0);
	assert_string_equal(hook, "8.8.8.8");
	assert_false(e2e_db_holds(&d, "key=KEYA"));
	assert_false(e2e_db_holds(&d, "key=KEYB"));
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM groups WHERE "
	    "title = '同名楼群'"), 2);
	api_expect(tok_street, "POST", "/api/v1/groups", "{\"name\":\"内网\","
	    "\"area\":\"华光路社区\",\"kind\":\"building\",\"robot\":\"wecom\","
	    "\"webhook\":\"https://169.254.169.254/latest\"}", 400);
	api_expect(tok_street, "POST", "/api/v1/groups", "{\"name\":\"内网\","
	    "\"area\":\"华光路社区\",\"kind\":\"building\",\"robot\":\"wecom\","
	    "\"webhook\":\"http://localhost:8080/x\"}", 400);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM groups WHERE "
	    "title = '内网'"), 0);
	r = api(tok_street, "GET", "/api/v1/groups", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"host\":\"8.8.8.8\""));
	assert_null(strstr(r.body, "KEYA"));
	assert_null(strstr(r.body, "8.8.4.4"));
	e2e_result_free(&r);
}

/* The audit log over the API: a street sees its own area's entries, not
 * another street's. */
static void
test_api_audit(void **state)
{
	struct http_result	 r;

	(void)state;
	api_expect(tok_other, "POST", "/api/v1/staff", "{\"name\":\"科苑员\","
	    "\"role\":\"grid_worker\",\"area\":\"科苑街道\"}", 201);
	r = api(tok_street, "GET", "/api/v1/audit?action=staff%20add", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"action\":\"staff add\""));
	assert_null(strstr(r.body, "科苑"));
	e2e_result_free(&r);
	r = api(tok_other, "GET", "/api/v1/audit", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "科苑员"));
	assert_null(strstr(r.body, "华光路社区"));
	e2e_result_free(&r);
}

/* Tokens: listed without their text; revoked and expired ones refused. */
static void
test_tokens(void **state)
{
	static const char *const list[] = { "token", "list", NULL };
	char		 tok[128], out[8192], ids[16], sql[256];
	const char *const revoke[] = { "token", "revoke", "--id", ids, NULL };
	const char *const expiring[] = { "token", "create", "--role", "office",
	    "--area", "车站街道", "--expires-days", "1", NULL };
	const char *const past[] = { "token", "create", "--role", "office",
	    "--area", "车站街道", "--expires", "2000-01-01", NULL };
	const char *const dated[] = { "token", "create", "--role", "office",
	    "--area", "车站街道", "--expires", "2999-01-01", NULL };
	long		 id;

	(void)state;
	make_token("华光路社区", tok);
	api_expect(tok, "GET", "/api/v1/staff", NULL, 200);
	cli_ok(list, out, sizeof out);
	assert_non_null(strstr(out, "华光路社区"));
	assert_null(strstr(out, tok));
	assert_null(strstr(out, "ff_"));
	id = e2e_sql_long(&d, "SELECT max(id) FROM api_tokens");
	(void)snprintf(ids, sizeof ids, "%ld", id);
	cli_ok(revoke, out, sizeof out);
	api_expect(tok, "GET", "/api/v1/staff", NULL, 401);
	cli_ok(list, out, sizeof out);
	assert_non_null(strstr(out, "\trevoked 2"));	/* a date, not "-" */
	cli_ok(expiring, tok, sizeof tok);
	tok[strcspn(tok, "\n")] = '\0';
	api_expect(tok, "GET", "/api/v1/staff", NULL, 200);
	(void)snprintf(sql, sizeof sql, "UPDATE api_tokens SET expires_at = %lld"
	    " WHERE id = (SELECT max(id) FROM api_tokens)",
	    (long long)time(NULL) - 1);
	sql_exec(sql);
	api_expect(tok, "GET", "/api/v1/staff", NULL, 401);
	assert_int_equal(e2e_cli(&d, past, out, sizeof out), 2);
	cli_ok(dated, out, sizeof out);
	cli_ok(list, out, sizeof out);
	assert_non_null(strstr(out, "\texpires 2999-01-01 00:00\t"));
}

/* The CLI: group add refuses internal targets; group list shows where
 * warnings go, with the webhook's host only. */
static void
test_group_cli(void **state)
{
	static const char *const bad[] = { "group", "add", "--name", "回环",
	    "--area", "华光路社区", "--kind", "community", "--robot",
	    "dingtalk", "--webhook", "https://127.0.0.1/robot/send", NULL };
	static const char *const good[] = { "group", "add", "--name", "钉钉群",
	    "--area", "华光路社区", "--kind", "community", "--robot",
	    "dingtalk", "--webhook",
	    "https://1.1.1.1/robot/send?access_token=TOKSECRET", NULL };
	static const char *const list[] = { "group", "list", NULL };
	static const char *const other[] = { "group", "list", "--area",
	    "科苑街道", NULL };
	char	 out[8192];

	(void)state;
	assert_int_equal(e2e_cli(&d, bad, out, sizeof out), 1);
	cli_ok(good, out, sizeof out);
	cli_ok(list, out, sizeof out);
	assert_non_null(strstr(out, "community\tdingtalk\t钉钉群\t1.1.1.1\n"));
	assert_null(strstr(out, "TOKSECRET"));
	assert_null(strstr(out, "robot/send"));
	cli_ok(other, out, sizeof out);
	assert_null(strstr(out, "钉钉群"));
	assert_non_null(strstr(out, "8.8.4.4"));
}

/* A robot whose host now resolves to loopback (registered before these
 * rules, or its DNS changed) is refused at connect time: its row goes
 * dead with the reason instead of being sent or retried. */
static void
test_send_time_target(void **state)
{
	struct http_result	 r;
	char			 err[256] = "";
	long			 state_dead = 0;
	int			 ms;
	struct timespec		 ts = { 0, 20 * 1000 * 1000 };

	(void)state;
	sql_exec("INSERT INTO groups (channel, chat_id, title, kind, area_id,"
	    " webhook, first_seen) SELECT 'wecom', a.id || ':旧机器人', '旧机器人',"
	    " 'police', a.id, 'http://localhost:1/cgi-bin/webhook/send?key=old',"
	    " 0 FROM areas a WHERE a.name = '华光路社区'");
	r = api(tok_street, "POST", "/api/v1/broadcasts", "{\"area\":"
	    "\"华光路社区\",\"kinds\":[\"police\"],\"text\":\"测试\"}");
	assert_int_equal(r.status, 201);
	e2e_result_free(&r);
	for (ms = 0; ms < WAIT_MS; ms += 20) {
		state_dead = e2e_sql_long(&d, "SELECT count(*) FROM outbox o "
		    "JOIN groups g ON g.id = o.group_id WHERE g.title = "
		    "'旧机器人' AND o.state = 'dead'");
		if (state_dead == 1)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(state_dead, 1);
	assert_int_equal(e2e_sql_text(&d, "SELECT last_error FROM outbox o JOIN "
	    "groups g ON g.id = o.group_id WHERE g.title = '旧机器人'", err,
	    sizeof err), 0);
	assert_non_null(strstr(err, "allow_private_targets"));
	/* That robot was stored in clear, as before schema 21: the next
	 * start seals it, and its host is still listed. */
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	e2e_start(&d);
	assert_int_equal(e2e_sql_text(&d, "SELECT webhook_host FROM groups"
	    " WHERE title = '旧机器人' AND webhook IS NULL AND secret IS NULL"
	    " AND webhook_seal IS NOT NULL", err, sizeof err), 0);
	assert_string_equal(err, "localhost:1");
}

/* Collects a Set-Cookie header's value. */
static size_t
on_cookie(char *p, size_t size, size_t n, void *arg)
{
	char	*cookie = arg;
	size_t	 len = size * n;

	if (len > 12 && strncasecmp(p, "Set-Cookie: ", 12) == 0)
		(void)snprintf(cookie, 256, "%.*s", (int)(len - 12), p + 12);
	return len;
}

/* Signs staff id in to the console with a link from the CLI: the session
 * cookie's value into c[65], its CSRF token into csrf[65]. */
static void
sign_in(long id, char c[65], char csrf[65])
{
	char			 ids[16], link[512], body[128], url[128];
	char			 cookie[256] = "", hdr[128];
	const char *const	 args[] = { "staff", "login-link", "--id", ids,
	    NULL };
	const char		*p, *hdrs[] = { hdr, NULL };
	struct http_result	 r;
	CURL			*curl = curl_easy_init();
	long			 status = 0;

	(void)snprintf(ids, sizeof ids, "%ld", id);
	cli_ok(args, link, sizeof link);
	assert_non_null(p = strstr(link, "/admin/login?t="));
	(void)snprintf(body, sizeof body, "t=%.64s", p + 15);
	(void)snprintf(url, sizeof url, "%s/admin/login", d.base);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_cookie);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, cookie);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	assert_int_equal(curl_easy_perform(curl), CURLE_OK);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	assert_int_equal(status, 303);
	assert_non_null(p = strstr(cookie, "ff_session="));
	(void)snprintf(c, 65, "%.64s", p + 11);
	(void)snprintf(hdr, sizeof hdr, "Cookie: ff_session=%s", c);
	r = e2e_request(&d, "GET", "/api/v1/session", hdrs, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(p = strstr(r.body, "\"csrf\":\""));
	(void)snprintf(csrf, 65, "%.64s", p + 8);
	e2e_result_free(&r);
}

/* The status of signing in with the link the CLI printed in out. */
static long
login_status(const char *out)
{
	static const char *const hdr[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL
	};
	struct http_result	 r;
	const char		*p = strstr(out, "/admin/login?t=");
	char			 body[128];
	long			 status;

	assert_non_null(p);
	(void)snprintf(body, sizeof body, "t=%.64s", p + 15);
	r = e2e_request(&d, "POST", "/admin/login", hdr, body, strlen(body));
	status = r.status;
	e2e_result_free(&r);
	return status;
}

/* One API call as a console session (with its CSRF token when csrf is
 * not NULL); the answer's status. */
static long
as_session(const char *c, const char *csrf, const char *method,
    const char *path)
{
	char			 cookie[128], token[128];
	const char		*hdr[] = { cookie, csrf ? token : NULL, NULL };
	struct http_result	 r;
	long			 status;

	(void)snprintf(cookie, sizeof cookie, "Cookie: ff_session=%s", c);
	(void)snprintf(token, sizeof token, "X-CSRF-Token: %s", csrf);
	r = e2e_request(&d, method, path, hdr, "", 0);
	status = r.status;
	e2e_result_free(&r);
	return status;
}

/* A calendar feed address of staff id from the CLI, as a path. */
static void
new_feed(long id, char *path, size_t size)
{
	char		 ids[16], out[1024], *p;
	const char *const args[] = { "staff", "ics", "--id", ids, NULL };

	(void)snprintf(ids, sizeof ids, "%ld", id);
	cli_ok(args, out, sizeof out);
	assert_non_null(p = strstr(out, "/ics/"));
	(void)snprintf(path, size, "%.*s", (int)strcspn(p, "\n"), p);
}

/* The status of a GET without credentials. */
static long
get_status(const char *path)
{
	struct http_result	 r;
	long			 status;

	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	status = r.status;
	e2e_result_free(&r);
	return status;
}

/* Says text and checks the answer lacks bad. */
static void
say_lacks(const char *chat, const char *sender, const char *text,
    const char *msgid, const char *bad)
{
	struct http_result	 r = say(chat, sender, text, msgid);

	assert_int_equal(r.status, 200);
	if (strstr(r.body, bad) != NULL)
		fail_msg("%s: \"%s\" in %s", text, bad, r.body);
	e2e_result_free(&r);
}

/* Runs `fangfei staff disable|enable --id id` into out. */
static void
staff_active(const char *verb, long id, char *out, size_t size)
{
	char		 ids[16];
	const char *const args[] = { "staff", verb, "--id", ids, NULL };

	(void)snprintf(ids, sizeof ids, "%ld", id);
	cli_ok(args, out, size);
}

/* fangfei staff disable: from that moment the member's bound account is
 * a resident's, their console cookie answers 401 and their unused
 * sign-in link nothing, their calendar feed 404; the member, their
 * patrol and the audit trail stay. Enabling them marks them active only:
 * the account stays unbound, the cookie and feed dead, until a new code
 * binds it again. */
static void
test_disable_cli(void **state)
{
	static const char	 staff_only[] = "仅限已绑定的工作人员";
	char			 code[16], text[64], out[2048], c[65], csrf[65];
	char			 feed[128], sql[256], ids[16], unused[512];
	const char *const	 link[] = { "staff", "login-link", "--id", ids,
	    NULL };
	long			 id;

	(void)state;
	id = new_staff("周停", "grid_worker", "华光路社区", code);
	(void)snprintf(ids, sizeof ids, "%ld", id);
	(void)snprintf(text, sizeof text, "绑定 %s", code);
	say_expect("u-zt", "zt", text, "dc-1", "绑定成功：周停");
	say_expect("u-zt", "zt", "巡查 12号楼 正常", "dc-2", "已记录");
	say_lacks("u-zt", "zt", "巡查记录", "dc-3", staff_only);
	sign_in(id, c, csrf);
	new_feed(id, feed, sizeof feed);
	assert_int_equal(get_status(feed), 200);
	cli_ok(link, unused, sizeof unused);	/* one left unused */

	staff_active("disable", id, out, sizeof out);
	if (strstr(out, "已停用 周停：解绑 1 个账号，结束 1 个会话，"
	    "作废 0 个绑定码和 1 个登录链接，吊销 1 个日历订阅") == NULL ||
	    strstr(out, "disabled 周停: 1 chat accounts unbound, 1 console "
	    "sessions ended") == NULL)
		fail_msg("staff disable said: %s", out);
	assert_true(strstr(out, "已停用") < strstr(out, "disabled"));
	say_expect("u-zt", "zt", "巡查记录", "dc-4", staff_only);
	say_expect("u-zt", "zt", "巡查 12号楼 正常", "dc-5", staff_only);
	assert_int_equal(as_session(c, NULL, "GET", "/api/v1/session"), 401);
	assert_int_equal(as_session(c, csrf, "POST", "/api/v1/staff/1/enable"),
	    401);
	assert_int_equal(get_status(feed), 404);
	assert_int_equal(login_status(unused), 403);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE "
	    "actor = 'cli' AND action = 'staff disable' AND detail LIKE "
	    "'staff %ld (周停): 1 identities, 1 sessions, 0 codes, 1 links, "
	    "1 feeds'", id);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM identities WHERE "
	    "staff_id = %ld", id);
	assert_int_equal(e2e_sql_long(&d, sql), 0);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM patrols WHERE "
	    "staff_id = %ld", id);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	/* No new way in while disabled. */
	assert_int_not_equal(e2e_cli(&d, link, out, sizeof out), 0);

	staff_active("enable", id, out, sizeof out);
	assert_non_null(strstr(out, "已恢复启用 周停"));
	assert_non_null(strstr(out, "new code"));
	say_expect("u-zt", "zt", "巡查记录", "dc-6", staff_only);
	assert_int_equal(as_session(c, NULL, "GET", "/api/v1/session"), 401);
	assert_int_equal(get_status(feed), 404);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'staff enable' AND detail = 'staff %ld (周停)'", id);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	new_code(id, code);
	(void)snprintf(text, sizeof text, "绑定 %s", code);
	say_expect("u-zt", "zt", text, "dc-7", "绑定成功：周停");
	say_lacks("u-zt", "zt", "巡查记录", "dc-8", staff_only);
}

/* POST /api/v1/staff/ID/disable: kept to the caller's subtree (another
 * street's token gets 404), never oneself (403) nor a higher role (403),
 * below office refused by role; what it cut off is in the answer and the
 * audit log under the caller. A console session taken before its own
 * member was disabled is refused at its next call. */
static void
test_disable_api(void **state)
{
	char			 code[16], text[64], path[64], c[65], csrf[65];
	char			 lc[65], lcsrf[65], out[2048], sql[256];
	struct http_result	 r;
	long			 worker, office, admin, liaison;

	(void)state;
	worker = new_staff("吴用", "grid_worker", "华光路社区", code);
	(void)snprintf(text, sizeof text, "绑定 %s", code);
	say_expect("u-wy", "wy", text, "da-1", "绑定成功：吴用");
	office = new_staff("郑办", "office", "华光路社区", code);
	admin = new_staff("冯管", "admin", "华光路社区", code);
	liaison = new_staff("陈联", "liaison", "华光路社区", code);
	sign_in(office, c, csrf);
	sign_in(liaison, lc, lcsrf);

	(void)snprintf(path, sizeof path, "/api/v1/staff/%ld/disable", worker);
	api_expect(tok_other, "POST", path, NULL, 404);
	assert_int_equal(as_session(lc, lcsrf, "POST", path), 403);
	assert_int_equal(as_session(c, NULL, "POST", path), 403);  /* CSRF */
	(void)snprintf(path, sizeof path, "/api/v1/staff/%ld/disable", office);
	assert_int_equal(as_session(c, csrf, "POST", path), 403);
	(void)snprintf(path, sizeof path, "/api/v1/staff/%ld/disable", admin);
	assert_int_equal(as_session(c, csrf, "POST", path), 403);
	api_expect(tok_street, "POST", path, NULL, 403);
	api_expect(tok_street, "POST", "/api/v1/staff/999999/disable", NULL,
	    404);
	say_lacks("u-wy", "wy", "巡查记录", "da-2", "仅限已绑定");

	(void)snprintf(path, sizeof path, "/api/v1/staff/%ld/disable", worker);
	assert_int_equal(as_session(c, csrf, "POST", path), 200);
	say_expect("u-wy", "wy", "巡查记录", "da-3", "仅限已绑定");
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE "
	    "actor = 'staff:%ld' AND action = 'staff disable' AND detail LIKE "
	    "'staff %ld (吴用): 1 identities%%'", office, worker);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	r = api(tok_street, "GET", "/api/v1/staff?limit=100", NULL);
	assert_int_equal(r.status, 200);
	(void)snprintf(text, sizeof text, "\"name\":\"吴用\"");
	assert_non_null(strstr(r.body, text));
	assert_non_null(strstr(strstr(r.body, text), "\"active\":false"));
	e2e_result_free(&r);
	/* The token's answer says what it cut off: nothing, the second time. */
	r = api(tok_street, "POST", path, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"identities_unbound\":0"));
	assert_non_null(strstr(r.body, "\"was_active\":false"));
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/staff/%ld/enable", worker);
	api_expect(tok_street, "POST", path, NULL, 200);
	say_expect("u-wy", "wy", "巡查记录", "da-4", "仅限已绑定");

	/* The office's own session, once it is disabled, is refused. */
	assert_int_equal(as_session(c, NULL, "GET", "/api/v1/session"), 200);
	staff_active("disable", office, out, sizeof out);
	assert_non_null(strstr(out, "结束 1 个会话"));
	assert_int_equal(as_session(c, NULL, "GET", "/api/v1/session"), 401);
	assert_int_equal(as_session(c, csrf, "POST", path), 401);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_codes),
		cmocka_unit_test(test_bind_limit),
		cmocka_unit_test(test_bindgroup_scope),
		cmocka_unit_test(test_api_roles),
		cmocka_unit_test(test_api_groups),
		cmocka_unit_test(test_api_audit),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_group_cli),
		cmocka_unit_test(test_send_time_target),
		cmocka_unit_test(test_disable_cli),
		cmocka_unit_test(test_disable_api),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * End-to-end tests of calendar feeds and of /api/v1/reminders with the
 * real daemon: a feed address from `fangfei staff ics` answers the staff
 * member's reminders as text/calendar over HTTP, not to be cached; a
 * revoked, a replaced, a wrong and a malformed one answer the same 404.
 * Over the API a street's token creates, lists, previews, pauses,
 * resumes and deletes a reminder; another street's token sees none of
 * it and gets 404 for it.
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

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

static struct daemon	 d;
static long		 worker;	/* staff id of the grid worker */

/* The headers of an answer, for the feed's Content-Type and caching. */
struct heads {
	char	 text[4096];
	size_t	 len;
};

/* Collects header lines (curl's callback: returns what it took). */
static size_t
heads_add(char *data, size_t size, size_t n, void *arg)
{
	struct heads	*h = arg;
	size_t		 len = size * n;

	if (h->len + len < sizeof h->text) {
		memcpy(h->text + h->len, data, len);
		h->len += len;
		h->text[h->len] = '\0';
	}
	return len;
}

/* Discards a body. */
static size_t
body_skip(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

/* GET path's status and headers (lower-cased into h). */
static long
get_heads(const char *path, struct heads *h)
{
	char	 url[1024];
	CURL	*c = curl_easy_init();
	long	 status = 0;
	size_t	 i;

	memset(h, 0, sizeof *h);
	(void)snprintf(url, sizeof url, "%s%s", d.base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, heads_add);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_skip);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	for (i = 0; i < h->len; i++)
		if (h->text[i] >= 'A' && h->text[i] <= 'Z')
			h->text[i] = (char)(h->text[i] - 'A' + 'a');
	return status;
}

static int
group_setup(void **state)
{
	static const char *const add[] = { "staff", "add", "--name", "刘网格",
	    "--role", "grid_worker", "--area", "华光路社区/第3网格", NULL };
	char	 out[1024], *p;

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	e2e_start(&d);
	if (e2e_cli(&d, add, out, sizeof out) != 0 ||
	    (p = strstr(out, "staff ")) == NULL ||
	    (worker = strtol(p + 6, NULL, 10)) <= 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_stop(&d, SIGTERM);
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/* Runs `fangfei staff ics --id <worker>` (with --revoke when revoke)
 * and writes the path of the address it prints into path ("" for
 * none); returns the exit status. */
static int
feed_cli(int revoke, char *path, size_t size)
{
	char		 id[24], out[1024], *p;
	const char	*args[] = { "staff", "ics", "--id", id, NULL, NULL };
	int		 rc;

	(void)snprintf(id, sizeof id, "%ld", worker);
	if (revoke)
		args[4] = "--revoke";
	rc = e2e_cli(&d, args, out, sizeof out);
	*path = '\0';
	if ((p = strstr(out, "/ics/")) != NULL)
		(void)snprintf(path, size, "%.*s", (int)strcspn(p, "\n"), p);
	return rc;
}

/* A feed address works over HTTP; revoked, replaced, wrong and
 * malformed ones answer one and the same 404. */
static void
test_feed(void **state)
{
	static const char *const rem[] = { "reminder", "add", "--area",
	    "华光路社区", "--roles", "grid_worker", "--rrule",
	    "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
	    "--start=2030-01-07T09:00", "--title=周一楼栋巡查",
	    "本周请巡查所有楼栋。", NULL };
	static const char *const chief[] = { "reminder", "add", "--area",
	    "华光路社区", "--roles", "grid_chief", "--rrule",
	    "FREQ=WEEKLY;BYDAY=FR;BYHOUR=18;BYMINUTE=0", "--title",
	    "网格长周报", "汇总本周巡查。", NULL };
	static const char *const cal[] = { "reminder", "calendar", "install",
	    "--area", "车站街道", NULL };
	struct http_result	 r, missing;
	struct heads		 h;
	char			 path[256], old[256], wrong[256], out[512];
	size_t			 at;

	(void)state;
	assert_int_equal(e2e_cli(&d, rem, out, sizeof out), 0);
	assert_int_equal(e2e_cli(&d, chief, out, sizeof out), 0);
	assert_int_equal(e2e_cli(&d, cal, out, sizeof out), 0);
	assert_int_equal(feed_cli(0, path, sizeof path), 0);
	/* /ics/ + 64 hex digits + .ics, printed once under the public
	 * address. */
	assert_int_equal(strlen(path), 5 + 64 + 4);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM ics_feeds "
	    "WHERE revoked_at IS NULL"), 1);

	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(strncmp(r.body, "BEGIN:VCALENDAR", 15), 0);
	assert_non_null(strstr(r.body, "SUMMARY:周一楼栋巡查"));
	assert_non_null(strstr(r.body, "DESCRIPTION:本周请巡查所有楼栋。"));
	assert_non_null(strstr(r.body, "RRULE:FREQ=WEEKLY;"));
	assert_non_null(strstr(r.body, "DTSTART;TZID=Asia/Shanghai:"
	    "20300107T090000"));
	assert_non_null(strstr(r.body, "BEGIN:VTIMEZONE"));
	/* Not the grid chiefs'. */
	assert_null(strstr(r.body, "网格长周报"));
	/* The street's publicity calendar, from its first time on (15 June,
	 * 09:00), and the Monday patrol of grid workers. */
	assert_non_null(strstr(r.body, "SUMMARY:防范非法集资集中宣传日\r\n"));
	assert_non_null(strstr(r.body, "0615T090000\r\nRRULE:FREQ=YEARLY;"));
	assert_non_null(strstr(r.body, "SUMMARY:防范非法集资宣传月\r\n"));
	assert_non_null(strstr(r.body, "SUMMARY:每周巡查提醒\r\n"));
	e2e_result_free(&r);
	assert_int_equal(get_heads(path, &h), 200);
	assert_non_null(strstr(h.text, "content-type: text/calendar; "
	    "charset=utf-8"));
	assert_non_null(strstr(h.text, "cache-control: no-store"));

	/* A wrong secret: one digit changed. */
	(void)snprintf(wrong, sizeof wrong, "%s", path);
	at = 5 + 10;
	wrong[at] = wrong[at] == '0' ? '1' : '0';
	missing = e2e_request(&d, "GET", wrong, NULL, NULL, 0);
	assert_int_equal(missing.status, 404);
	r = e2e_request(&d, "GET", "/ics/abc.ics", NULL, NULL, 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, missing.body);
	e2e_result_free(&r);
	r = e2e_request(&d, "POST", path, NULL, "x", 1);
	assert_int_equal(r.status, 405);
	e2e_result_free(&r);

	/* A new address replaces the old. */
	(void)snprintf(old, sizeof old, "%s", path);
	assert_int_equal(feed_cli(0, path, sizeof path), 0);
	assert_string_not_equal(old, path);
	r = e2e_request(&d, "GET", old, NULL, NULL, 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, missing.body);
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);

	/* Revoked: the same 404 as an unknown one. */
	assert_int_equal(feed_cli(1, out, sizeof out), 0);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, missing.body);
	e2e_result_free(&r);
	assert_int_not_equal(feed_cli(1, out, sizeof out), 0);
	e2e_result_free(&missing);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE action IN ('ics create', 'ics revoke')"), 3);
}

/* Makes an office token of area; writes its Authorization header. */
static void
token(const char *area, char *auth, size_t size)
{
	const char	*mk[] = { "token", "create", "--role", "office",
			    "--area", area, NULL };
	char		 tok[128];

	assert_int_equal(e2e_cli(&d, mk, tok, sizeof tok), 0);
	tok[strcspn(tok, "\n")] = '\0';
	(void)snprintf(auth, size, "Authorization: Bearer %s", tok);
}

/* POSTs body to path with the header auth; returns the answer. */
static struct http_result
post(const char *auth, const char *path, const char *body)
{
	const char	*hdr[] = { auth, "Content-Type: application/json",
			    NULL };

	return e2e_request(&d, "POST", path, hdr, body, strlen(body));
}

/* GETs path with the header auth. */
static struct http_result
get(const char *auth, const char *path)
{
	const char	*hdr[] = { auth, NULL };

	return e2e_request(&d, "GET", path, hdr, NULL, 0);
}

/* The API's reminders, scoped to the token's street. */
static void
test_api(void **state)
{
	static const char good[] = "{\"title\":\"月底汇总\",\"text\":"
	    "\"请汇总本月巡查记录。\",\"area\":\"华光路社区\",\"roles\":"
	    "[\"grid_worker\"],\"kinds\":[\"building\"],\"rrule\":"
	    "\"FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=30\",\"start\":"
	    "\"2030-01-01T00:00\",\"catchup_hours\":2}";
	static const char *const bad[] = {
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"roles\":[\"grid_worker\"],\"rrule\":\"FREQ=HOURLY\"}",
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"roles\":[\"grid_worker\"],\"rrule\":\"EVERY=MONDAY\"}",
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"kinds\":[\"spaceship\"],\"rrule\":\"FREQ=DAILY\"}",
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"roles\":[\"mayor\"],\"rrule\":\"FREQ=DAILY\"}",
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"rrule\":\"FREQ=DAILY\"}",
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"roles\":[\"grid_worker\"],\"rrule\":\"FREQ=DAILY\","
		    "\"catchup_hours\":1000}",
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"roles\":[\"grid_worker\"],\"rrule\":\"FREQ=DAILY\","
		    "\"start\":\"yesterday\"}",
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"roles\":\"grid_worker\",\"rrule\":\"FREQ=DAILY\"}",
		"{\"title\":\"x\",\"text\":\"y\",\"area\":\"华光路社区\","
		    "\"roles\":[\"grid_worker\"],\"rrule\":\"FREQ=DAILY\","
		    "\"tz\":\"Mars/Olympus\"}",
	};
	struct http_result	 r;
	char			 mine[200], other[200], path[128], sql[160];
	long			 id;
	size_t			 i;

	(void)state;
	token("车站街道", mine, sizeof mine);
	token("科苑街道", other, sizeof other);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = post(mine, "/api/v1/reminders", bad[i]);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "\"error\":\"bad_request\""));
		e2e_result_free(&r);
	}
	/* Another street's area is not this token's. */
	r = post(other, "/api/v1/reminders", good);
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM reminders "
	    "WHERE title = '月底汇总'"), 0);

	r = post(mine, "/api/v1/reminders", good);
	assert_int_equal(r.status, 201);
	assert_non_null(strstr(r.body, "\"next\":\"2030-01-31T18:30:00"
	    "+08:00\""));
	id = strtol(strstr(r.body, "\"id\":") + 5, NULL, 10);
	assert_true(id > 0);
	e2e_result_free(&r);
	(void)snprintf(sql, sizeof sql, "SELECT catchup_seconds FROM reminders "
	    "WHERE id = %ld", id);
	assert_int_equal(e2e_sql_long(&d, sql), 7200);

	/* A template of messages/ instead of a text: its title and text;
	 * not both a text and a template, nor a template that is none. */
	r = post(mine, "/api/v1/reminders", "{\"area\":\"车站街道\",\"kinds\":"
	    "[\"building\"],\"rrule\":\"FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=1;"
	    "BYHOUR=9\",\"template\":\"october\"}");
	assert_int_equal(r.status, 201);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM reminders "
	    "WHERE title = '敬老月' AND body LIKE '%养老%' AND calendar IS NULL"),
	    1);
	r = post(mine, "/api/v1/reminders", "{\"area\":\"车站街道\",\"kinds\":"
	    "[\"building\"],\"rrule\":\"FREQ=DAILY\",\"template\":"
	    "\"october\",\"text\":\"x\"}");
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);
	r = post(mine, "/api/v1/reminders", "{\"area\":\"车站街道\",\"kinds\":"
	    "[\"building\"],\"rrule\":\"FREQ=DAILY\",\"template\":"
	    "\"holiday\"}");
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);

	r = get(mine, "/api/v1/reminders");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "月底汇总"));
	assert_non_null(strstr(r.body, "\"roles\":[\"grid_worker\"]"));
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld", id);
	r = get(mine, path);
	assert_int_equal(r.status, 200);
	/* Its next 10 times: month ends, February's 28th too. */
	assert_non_null(strstr(r.body, "\"next_times\":[\"2030-01-31T18:30:00"
	    "+08:00\",\"2030-02-28T18:30:00+08:00\""));
	assert_non_null(strstr(r.body, "\"2030-10-31T18:30:00+08:00\"]"));
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/preview?"
	    "count=3", id);
	r = get(mine, path);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"times\":[\"2030-01-31T18:30:00"
	    "+08:00\",\"2030-02-28T18:30:00+08:00\",\"2030-03-31T18:30:00"
	    "+08:00\"]"));
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/preview?"
	    "count=0", id);
	r = get(mine, path);
	assert_int_equal(r.status, 400);
	e2e_result_free(&r);

	/* Another street's token: none listed, 404 for this one. */
	r = get(other, "/api/v1/reminders");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"items\":[]"));
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld", id);
	r = get(other, path);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/preview", id);
	r = get(other, path);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/pause", id);
	r = post(other, path, "{}");
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/delete", id);
	r = post(other, path, "{}");
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM reminders WHERE "
	    "id = %ld AND paused = 0 AND deleted_at IS NULL", id);
	assert_int_equal(e2e_sql_long(&d, sql), 1);

	/* Pause, resume, delete. */
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/pause", id);
	r = post(mine, path, "{}");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"paused\""));
	e2e_result_free(&r);
	(void)snprintf(sql, sizeof sql, "SELECT paused FROM reminders WHERE "
	    "id = %ld", id);
	assert_int_equal(e2e_sql_long(&d, sql), 1);
	r = get(mine, "/api/v1/reminders");
	assert_non_null(strstr(r.body, "\"paused\":true"));
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/resume", id);
	r = post(mine, path, "{}");
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, sql), 0);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/pause", id);
	r = get(mine, path);
	assert_int_equal(r.status, 405);
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld/delete", id);
	r = post(mine, path, "{}");
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/api/v1/reminders/%ld", id);
	r = get(mine, path);
	assert_int_equal(r.status, 404);
	e2e_result_free(&r);
	r = get(mine, "/api/v1/reminders");
	assert_null(strstr(r.body, "月底汇总"));
	e2e_result_free(&r);
	/* Audited with the reminder's area, by the token. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log l "
	    "JOIN areas a ON a.id = l.area_id WHERE a.path LIKE '%华光路社区' "
	    "AND l.actor LIKE 'token:%' AND l.action IN ('reminder add', "
	    "'reminder pause', 'reminder resume', 'reminder delete')"), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

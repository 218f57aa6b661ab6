/*
 * End-to-end tests of the ledger over HTTP and on the command line:
 * tips made in chat on the demo channel (华光路社区, under 车站街道) and
 * on one without an area, read and moved through /api/v1/tips with
 * tokens of the street, of another street and of the district; the
 * audit entries of reads and exports; the CSV export opening cleanly
 * (BOM, CRLF, quoting, formula cells neutralised), the JSON export, and
 * the yearly figures of a known set.
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
#include <sqlite3.h>

#include "e2e.h"

#define USCC_A	"91370303MA3C01001E"

static struct daemon	 d;
static char		 tok_street[80], tok_other[80], tok_top[80];
static long		 id_street;
static char		 ref_a[32], ref_b[32], ref_c[32], ref_x[32], ref_none[32];
static long		 worker, other_worker;
static int		 year, month;	/* local, now */

/*
 * The daemon's clock and the CLI's, moved with FANGFEI_NOW to the middle
 * of a month: the figures of "this year" and "this month" do not change
 * under a run that crosses midnight of a month's last day.
 */
#define LEDGER_NOW	"2026-06-17T10:00:00+08:00"
#define LEDGER_NOW_T	1781661600	/* the same instant */
static time_t		 started;	/* the system's time then */

/* The daemon's time now. */
static time_t
ledger_now(void)
{
	return LEDGER_NOW_T + (time(NULL) - started);
}

/* Makes a token and returns its text in out. */
static void
make_token(const char *area, char *out, size_t size)
{
	const char *const args[] = { "token", "create", "--role", "office",
	    "--area", area, NULL };
	char	 buf[256];

	assert_int_equal(e2e_cli(&d, args, buf, sizeof buf), 0);
	assert_true(strncmp(buf, "ff_", 3) == 0);
	buf[strcspn(buf, "\r\n")] = '\0';
	assert_true(strlen(buf) < size);
	memcpy(out, buf, strlen(buf) + 1);
}

/* Adds a staff member and returns their id. */
static long
make_staff(const char *name, const char *role, const char *area)
{
	const char *const args[] = { "staff", "add", "--name", name, "--role",
	    role, "--area", area, NULL };
	char	 buf[512], *p;

	assert_int_equal(e2e_cli(&d, args, buf, sizeof buf), 0);
	assert_non_null(p = strstr(buf, "staff "));
	return strtol(p + 6, NULL, 10);
}

/* Posts a private message on channel. */
static void
say(const char *channel, const char *sender, const char *text,
    const char *msgid)
{
	struct http_result	 r = e2e_say(&d, channel, sender, sender,
	    "张居民", text, msgid);

	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
}

/* One API call with a token. */
static struct http_result
api(const char *method, const char *path, const char *token,
    const char *body)
{
	char		 auth[128];
	const char	*hdr[] = { auth, "Content-Type: application/json",
			    NULL };

	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	return e2e_request(&d, method, path, hdr, body, body ? strlen(body) :
	    0);
}

/* A GET answered with JSON: the parsed body; status must be want. */
static json_t *
api_json(const char *path, const char *token, long want)
{
	struct http_result	 r = api("GET", path, token, NULL);
	json_t			*j;

	assert_int_equal(r.status, want);
	j = json_loadb(r.body, r.len, 0, NULL);
	assert_non_null(j);
	e2e_result_free(&r);
	return j;
}

/* Makes a move; returns the status and, in state (may be NULL), the
 * "state" of the answer. */
static long
move(const char *ref, const char *token, const char *body, char *state,
    size_t size)
{
	struct http_result	 r;
	json_t			*j;
	char			 path[96];
	long			 status;

	(void)snprintf(path, sizeof path, "/api/v1/tips/%s/moves", ref);
	r = api("POST", path, token, body);
	status = r.status;
	j = json_loadb(r.body, r.len, 0, NULL);
	assert_non_null(j);
	if (state != NULL)
		(void)snprintf(state, size, "%s", json_string_value(
		    json_object_get(j, "state")) ? json_string_value(
		    json_object_get(j, "state")) : "");
	json_decref(j);
	e2e_result_free(&r);
	return status;
}

/* The reference of the tip whose text contains like (a LIKE pattern). */
static void
ref_of(const char *like, char *out, size_t size)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT ref FROM tips WHERE body LIKE "
	    "'%s'", like);
	assert_int_equal(e2e_sql_text(&d, sql, out, size), 0);
}

/* Runs a statement on the daemon's database (what no endpoint writes
 * yet: a rewards row). */
static void
sql_exec(const char *sql)
{
	assert_int_equal(e2e_sql_exec(&d, sql), 0);
}

static int
ledger_setup(void **state)
{
	struct tm	 tm;
	time_t		 local = LEDGER_NOW_T + 8 * 3600;
	char		 sql[64];

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	(void)setenv("FANGFEI_NOW", LEDGER_NOW, 1);
	started = time(NULL);
	e2e_prepare(&d, NULL);
	e2e_start(&d);
	gmtime_r(&local, &tm);
	year = tm.tm_year + 1900;
	month = tm.tm_mon + 1;
	make_token("车站街道", tok_street, sizeof tok_street);
	make_token("科苑街道", tok_other, sizeof tok_other);
	make_token("张店区", tok_top, sizeof tok_top);
	id_street = e2e_sql_long(&d, "SELECT min(id) FROM api_tokens");
	(void)sql;
	/* The community's worker gets its tips at intake. */
	worker = make_staff("刘网格", "grid_worker", "华光路社区");
	other_worker = make_staff("孙网格", "grid_worker", "柳泉社区");
	say("demo", "u-r1", "举报 " USCC_A " 承诺保本保息，年化20%", "t-1");
	say("demo", "u-r2", "举报 他说\"稳赚不赔\"，还要拉人头,快投\n"
	    "第二行", "t-2");
	say("demo", "u-r3", "举报 =HYPERLINK(1)", "t-3");
	say("demo", "u-r4", "举报 又是 " USCC_A " 在小区发传单", "t-4");
	say("en", "u-r5", "report no area known here", "t-5");
	ref_of("%年化20%%", ref_a, sizeof ref_a);
	ref_of("%稳赚不赔%", ref_b, sizeof ref_b);
	ref_of("=HYPERLINK%", ref_c, sizeof ref_c);
	ref_of("%在小区发传单%", ref_x, sizeof ref_x);
	ref_of("no area known%", ref_none, sizeof ref_none);
	return 0;
}

static int
ledger_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	(void)unsetenv("FANGFEI_NOW");
	curl_global_cleanup();
	return 0;
}

/* Intake: the community's tips are assigned to its worker; the one of no
 * known area waits. */
static void
test_intake(void **state)
{
	(void)state;
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE "
	    "state = 'assigned'"), 4);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE "
	    "state = 'received' AND area_id IS NULL"), 1);
}

/* Counts the items of a list answer whose ref is ref. */
static int
has_ref(json_t *list, const char *ref)
{
	json_t	*v;
	size_t	 i;
	int	 n = 0;

	json_array_foreach(json_object_get(list, "items"), i, v)
		n += strcmp(json_string_value(json_object_get(v, "ref")),
		    ref) == 0;
	return n;
}

/* The list, scoped to the token's area, with its filters. */
static void
test_list_scope(void **state)
{
	json_t	*j;
	char	 path[160];

	(void)state;
	j = api_json("/api/v1/tips", tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
	assert_int_equal(has_ref(j, ref_a) + has_ref(j, ref_b) +
	    has_ref(j, ref_c) + has_ref(j, ref_x), 4);
	assert_int_equal(has_ref(j, ref_none), 0);
	json_decref(j);
	/* Another street sees none of them. */
	j = api_json("/api/v1/tips", tok_other, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	/* The district sees those of no known area too. */
	j = api_json("/api/v1/tips", tok_top, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
	assert_int_equal(has_ref(j, ref_none), 1);
	json_decref(j);
	/* A page of one, and the next from its cursor. */
	j = api_json("/api/v1/tips?limit=1", tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_int_equal(has_ref(j, ref_x), 1);
	(void)snprintf(path, sizeof path, "/api/v1/tips?limit=1&before=%lld",
	    (long long)json_integer_value(json_object_get(j, "next_before")));
	json_decref(j);
	j = api_json(path, tok_street, 200);
	assert_int_equal(has_ref(j, ref_c), 1);
	json_decref(j);
	/* By state, assignee, dates and area. */
	j = api_json("/api/v1/tips?state=assigned,verifying", tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
	json_decref(j);
	j = api_json("/api/v1/tips?state=closed", tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	(void)snprintf(path, sizeof path, "/api/v1/tips?assignee=%ld",
	    other_worker);
	j = api_json(path, tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	(void)snprintf(path, sizeof path, "/api/v1/tips?assignee=%ld", worker);
	j = api_json(path, tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
	json_decref(j);
	(void)snprintf(path, sizeof path, "/api/v1/tips?since=%04d-01-01&"
	    "until=%04d-12-31", year, year);
	j = api_json(path, tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
	json_decref(j);
	(void)snprintf(path, sizeof path, "/api/v1/tips?since=%04d-01-01",
	    year + 1);
	j = api_json(path, tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = api_json("/api/v1/tips?area=华光路社区", tok_top, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
	json_decref(j);
	json_decref(api_json("/api/v1/tips?area=柳泉社区", tok_street, 403));
	json_decref(api_json("/api/v1/tips?state=lost", tok_street, 400));
	json_decref(api_json("/api/v1/tips?since=yesterday", tok_street, 400));
}

/* One tip and its history; outside the area the same 404 as none. */
static void
test_one_tip(void **state)
{
	struct http_result	 r;
	json_t			*j, *a;
	char			 path[256];
	long			 reads;

	(void)state;
	reads = e2e_sql_long(&d, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'tip read'");
	(void)snprintf(path, sizeof path, "/api/v1/tips/%s", ref_a);
	r = api("GET", path, tok_street, NULL);
	assert_int_equal(r.status, 200);
	/* Never the reporter: not their id, not their name. */
	assert_null(strstr(r.body, "u-r1"));
	assert_null(strstr(r.body, "张居民"));
	j = json_loadb(r.body, r.len, 0, NULL);
	e2e_result_free(&r);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "state")),
	    "assigned");
	assert_string_equal(json_string_value(json_object_get(j, "area")),
	    "张店区/车站街道/华光路社区");
	assert_true(json_is_true(json_object_get(j, "first")));
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(j, "enterprise"), "name")), "鑫源财富"));
	a = json_array_get(json_object_get(j, "assignees"), 0);
	assert_int_equal(json_integer_value(json_object_get(a, "id")), worker);
	assert_string_equal(json_string_value(json_object_get(a, "name")),
	    "刘网格");
	assert_true(json_is_integer(json_object_get(j, "due_at")));
	json_decref(j);
	/* The second about the same enterprise names the first. */
	(void)snprintf(path, sizeof path, "/api/v1/tips/%s", ref_x);
	j = api_json(path, tok_street, 200);
	assert_true(json_is_false(json_object_get(j, "first")));
	assert_string_equal(json_string_value(json_object_get(j, "first_ref")),
	    ref_a);
	json_decref(j);
	/* Its history. */
	(void)snprintf(path, sizeof path, "/api/v1/tips/%s/events", ref_a);
	r = api("GET", path, tok_street, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"kind\":\"received\""));
	assert_non_null(strstr(r.body, "\"kind\":\"assigned\""));
	assert_null(strstr(r.body, "u-r1"));
	e2e_result_free(&r);
	/* Another street: the same answer as a tip that does not exist. */
	(void)snprintf(path, sizeof path, "/api/v1/tips/%s", ref_a);
	json_decref(api_json(path, tok_other, 404));
	(void)snprintf(path, sizeof path, "/api/v1/tips/%s/events", ref_a);
	json_decref(api_json(path, tok_other, 404));
	json_decref(api_json("/api/v1/tips/JB-20000101-NONE00", tok_street,
	    404));
	/* A tip of no known area: the district only. */
	(void)snprintf(path, sizeof path, "/api/v1/tips/%s", ref_none);
	json_decref(api_json(path, tok_street, 404));
	json_decref(api_json(path, tok_top, 200));
	/* Every read written down (the refused ones are not reads). */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'tip read'"), reads + 4);
	(void)snprintf(path, sizeof path, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'tip read' AND actor = 'token:%ld' AND detail = "
	    "'%s'", id_street, ref_a);
	assert_int_equal(e2e_sql_long(&d, path), 1);
}

/* Moves allowed and refused, each answer its own status. */
static void
test_moves(void **state)
{
	char	 st[32], body[256], sql[256];

	(void)state;
	/* A: verified true, disposed with a measure, closed. */
	assert_int_equal(move(ref_a, tok_street, "{\"move\":\"verify\"}", st,
	    sizeof st), 200);
	assert_string_equal(st, "verifying");
	assert_int_equal(move(ref_a, tok_street, "{\"move\":\"confirm\","
	    "\"note\":\"属实\"}", st, sizeof st), 200);
	assert_string_equal(st, "confirmed");
	assert_int_equal(move(ref_a, tok_street, "{\"move\":\"dispose\","
	    "\"measure\":\"我不知道\"}", st, sizeof st), 400);
	assert_int_equal(move(ref_a, tok_street, "{\"move\":\"dispose\","
	    "\"measure\":\"约谈\",\"enterprise\":\"91370303MA3C01999X\"}", st,
	    sizeof st), 400);
	assert_int_equal(move(ref_a, tok_street, "{\"move\":\"dispose\","
	    "\"measure\":\"约谈\",\"enterprise\":\"" USCC_A "\"}", st,
	    sizeof st), 200);
	assert_string_equal(st, "disposing");
	assert_int_equal(move(ref_a, tok_street, "{\"move\":\"close\"}", st,
	    sizeof st), 200);
	assert_string_equal(st, "closed");
	/* Closed: not closed again; the answer says where it is. */
	assert_int_equal(move(ref_a, tok_street, "{\"move\":\"close\"}", st,
	    sizeof st), 409);
	assert_string_equal(st, "closed");
	/* B: closing from assigned is refused, rejecting is not. */
	assert_int_equal(move(ref_b, tok_street, "{\"move\":\"close\"}", st,
	    sizeof st), 409);
	assert_string_equal(st, "assigned");
	assert_int_equal(move(ref_b, tok_street, "{\"move\":\"reject\","
	    "\"note\":\"查无此事\"}", st, sizeof st), 200);
	assert_string_equal(st, "rejected");
	assert_int_equal(move(ref_b, tok_street, "{\"move\":\"close\"}", st,
	    sizeof st), 200);
	/* C: handed back needs a reason; reassigned within the area only. */
	assert_int_equal(move(ref_c, tok_street, "{\"move\":\"return\"}", st,
	    sizeof st), 400);
	assert_int_equal(move(ref_c, tok_street, "{\"move\":\"return\","
	    "\"note\":\"不归本网格\"}", st, sizeof st), 200);
	assert_string_equal(st, "received");
	(void)snprintf(body, sizeof body, "{\"move\":\"assign\","
	    "\"assignees\":[%ld]}", other_worker);
	assert_int_equal(move(ref_c, tok_street, body, st, sizeof st), 400);
	assert_int_equal(move(ref_c, tok_street, "{\"move\":\"assign\"}", st,
	    sizeof st), 400);
	(void)snprintf(body, sizeof body, "{\"move\":\"assign\","
	    "\"assignees\":[%ld]}", worker);
	assert_int_equal(move(ref_c, tok_street, body, st, sizeof st), 200);
	assert_string_equal(st, "assigned");
	/* Not a move, not JSON, not in the area. */
	assert_int_equal(move(ref_c, tok_street, "{\"move\":\"fly\"}", st,
	    sizeof st), 400);
	assert_int_equal(move(ref_c, tok_other, "{\"move\":\"verify\"}", st,
	    sizeof st), 404);
	assert_int_equal(move(ref_none, tok_street, "{\"move\":\"verify\"}", st,
	    sizeof st), 404);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE "
	    "state = 'assigned' AND area_id IS NOT NULL"), 2);
	/* Every move in the tip's history, by the token. */
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tip_events e "
	    "JOIN tips t ON t.id = e.tip_id WHERE t.ref = '%s' AND e.actor = "
	    "'token:%ld' AND e.kind IN ('verifying', 'confirmed', "
	    "'disposing', 'closed')", ref_a, id_street);
	assert_int_equal(e2e_sql_long(&d, sql), 4);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE "
	    "measure = 'admonished'"), 1);
	/* A reward of A, paid now: 200 + 300 yuan. */
	(void)snprintf(sql, sizeof sql, "INSERT INTO rewards (tip_id, eligible, "
	    "stage1_yuan, stage2_yuan, paid_at, updated_at) SELECT id, 1, 200, "
	    "300, %lld, %lld FROM tips WHERE ref = '%s'", (long long)ledger_now(),
	    (long long)ledger_now(), ref_a);
	sql_exec(sql);
}

/* The first line of s that starts with prefix, copied into out. */
static int
line_with(const char *s, const char *prefix, char *out, size_t size)
{
	const char	*p = s, *e;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			e = strstr(p, "\r\n");
			(void)snprintf(out, size, "%.*s", e ? (int)(e - p) :
			    (int)strlen(p), p);
			return 0;
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return -1;
}

/* The CSV opens cleanly: BOM, CRLF, quoting, formulas neutralised. */
static void
check_csv(const char *csv, size_t len)
{
	char		 line[1024], want[256], when[16];
	const char	*p;
	size_t		 i;

	assert_true(len > 3 && memcmp(csv, "\xef\xbb\xbf" "编号", 9) == 0);
	/* Every LF ends a CRLF line but the one inside B's quoted text. */
	for (i = 0, p = csv; (p = strchr(p, '\n')) != NULL; p++)
		if (p == csv || p[-1] != '\r')
			i++;
	assert_int_equal(i, 1);
	assert_non_null(strstr(csv, ",\"他说\"\"稳赚不赔\"\"，还要拉人头,快投\n"
	    "第二行\"\r\n"));
	assert_non_null(strstr(csv, ",'=HYPERLINK(1)\r\n"));
	assert_null(strstr(csv, ",=HYPERLINK"));
	/* A: closed, its measure and enterprise, 首报, the reward. */
	assert_int_equal(line_with(csv, ref_a, line, sizeof line), 0);
	assert_non_null(strstr(line, ",张店区/车站街道/华光路社区,已销号,"
	    "示例·淄博鑫源财富投资管理有限公司," USCC_A ",是,约谈,刘网格,"));
	(void)snprintf(when, sizeof when, "%04d-%02d-", year, month);
	(void)snprintf(want, sizeof want, ",是,200,300,%s", when);
	assert_non_null(strstr(line, want));
	/* X: not the first; its first's reference instead. */
	assert_int_equal(line_with(csv, ref_x, line, sizeof line), 0);
	(void)snprintf(want, sizeof want, "," USCC_A ",%s,", ref_a);
	assert_non_null(strstr(line, want));
	assert_int_equal(line_with(csv, ref_b, line, sizeof line), 0);
	assert_non_null(strstr(line, ",已销号,"));
	/* Never the reporter. */
	assert_null(strstr(csv, "u-r"));
	assert_null(strstr(csv, "张居民"));
}

/* The export through the API: CSV, JSON, paged, audited. */
static void
test_export(void **state)
{
	struct http_result	 r;
	json_t			*j, *v;
	size_t			 i;
	char			 path[128];
	long			 exports;

	(void)state;
	exports = e2e_sql_long(&d, "SELECT count(*) FROM audit_log WHERE "
	    "action = 'ledger export'");
	r = api("GET", "/api/v1/ledger/export?format=csv", tok_street, NULL);
	assert_int_equal(r.status, 200);
	check_csv(r.body, r.len);
	assert_null(strstr(r.body, "no area known"));
	e2e_result_free(&r);
	j = api_json("/api/v1/ledger/export?format=json", tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
	assert_true(json_is_null(json_object_get(j, "next_before")));
	json_array_foreach(json_object_get(j, "items"), i, v) {
		assert_non_null(json_object_get(v, "text"));
		assert_null(json_object_get(v, "reporter"));
	}
	json_decref(j);
	/* Filtered by state, by dates, paged. */
	j = api_json("/api/v1/ledger/export?format=json&state=closed",
	    tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	json_decref(j);
	(void)snprintf(path, sizeof path, "/api/v1/ledger/export?format=json&"
	    "until=%04d-12-31", year - 1);
	j = api_json(path, tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = api_json("/api/v1/ledger/export?format=json&limit=3", tok_street,
	    200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
	(void)snprintf(path, sizeof path, "/api/v1/ledger/export?format=json&"
	    "limit=3&before=%lld", (long long)json_integer_value(
	    json_object_get(j, "next_before")));
	json_decref(j);
	j = api_json(path, tok_street, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "items"), 0), "ref")), ref_a);
	json_decref(j);
	/* Another street's export is empty; the district's has all five. */
	j = api_json("/api/v1/ledger/export?format=json", tok_other, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = api_json("/api/v1/ledger/export?format=json", tok_top, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
	json_decref(j);
	json_decref(api_json("/api/v1/ledger/export?format=xls", tok_street,
	    400));
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'ledger export'"), exports + 8);
}

/* The same export from the command line, to a file. */
static void
test_cli_export(void **state)
{
	char		 out[512], file[512], buf[16384];
	const char	*args[] = { "ledger", "export", "--area", "车站街道",
			    "--out", file, NULL };
	FILE		*f;
	size_t		 n;

	(void)state;
	(void)snprintf(file, sizeof file, "%s/ledger.csv", d.dir);
	assert_int_equal(e2e_cli(&d, args, out, sizeof out), 0);
	assert_non_null(f = fopen(file, "r"));
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	check_csv(buf, n);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM audit_log "
	    "WHERE action = 'ledger export' AND actor = 'cli'"), 1);
}

/* The figure of one area's line in one month ("year" for the total). */
static long
stat_of(json_t *j, const char *area, int m, const char *key)
{
	json_t	*v, *line = NULL;
	size_t	 i;

	json_array_foreach(json_object_get(j, "areas"), i, v)
		if (json_string_value(json_object_get(v, "area")) != NULL &&
		    strcmp(json_string_value(json_object_get(v, "area")),
		    area) == 0)
			line = v;
	assert_non_null(line);
	v = m == 0 ? json_object_get(line, "year") :
	    json_array_get(json_object_get(line, "months"), (size_t)m - 1);
	return (long)json_integer_value(json_object_get(v, key));
}

/* The figures of the known set. */
static void
test_stats(void **state)
{
	json_t		*j, *total;
	char		 path[96], out[16384], want[160], y[8];
	const char	*args[] = { "ledger", "stats", "--year", y, "--area",
			    "车站街道", "--csv", NULL };
	static const char *const h = "张店区/车站街道/华光路社区";

	(void)state;
	(void)snprintf(path, sizeof path, "/api/v1/ledger/stats?year=%d", year);
	j = api_json(path, tok_street, 200);
	assert_int_equal(stat_of(j, h, month, "received"), 4);
	assert_int_equal(stat_of(j, h, month, "verified"), 2);
	assert_int_equal(stat_of(j, h, month, "disposed"), 1);
	assert_int_equal(stat_of(j, h, month, "closed"), 2);
	assert_int_equal(stat_of(j, h, month, "rewards_paid"), 1);
	assert_int_equal(stat_of(j, h, month, "rewards_yuan"), 500);
	assert_int_equal(stat_of(j, h, 0, "received"), 4);
	assert_int_equal(stat_of(j, h, 0, "closed"), 2);
	assert_int_equal(stat_of(j, "张店区/车站街道/共青团路社区", 0,
	    "received"), 0);
	if (month > 1)
		assert_int_equal(stat_of(j, h, month - 1, "received"), 0);
	total = json_object_get(json_object_get(j, "total"), "year");
	assert_int_equal(json_integer_value(json_object_get(total,
	    "received")), 4);
	assert_true(json_is_real(json_object_get(total, "avg_days_to_close")));
	json_decref(j);
	/* The district's figures count the tip of no known area. */
	(void)snprintf(path, sizeof path, "/api/v1/ledger/stats?year=%d", year);
	j = api_json(path, tok_top, 200);
	total = json_object_get(json_object_get(j, "total"), "year");
	assert_int_equal(json_integer_value(json_object_get(total,
	    "received")), 5);
	assert_int_equal(stat_of(j, "张店区/车站街道", 0, "received"), 4);
	json_decref(j);
	/* Another street: nothing. */
	j = api_json(path, tok_other, 200);
	total = json_object_get(json_object_get(j, "total"), "year");
	assert_int_equal(json_integer_value(json_object_get(total,
	    "received")), 0);
	json_decref(j);
	json_decref(api_json("/api/v1/ledger/stats?year=99", tok_street, 400));
	/* The command line's CSV says the same. */
	(void)snprintf(y, sizeof y, "%d", year);
	assert_int_equal(e2e_cli(&d, args, out, sizeof out), 0);
	(void)snprintf(want, sizeof want, "%s,%04d-%02d,4,2,1,2,0.0,1,500\r\n",
	    h, year, month);
	assert_non_null(strstr(out, want));
	(void)snprintf(want, sizeof want, "%s,%04d,4,2,1,2,0.0,1,500\r\n", h,
	    year);
	assert_non_null(strstr(out, want));
}

/*
 * The overview's totals are the whole area's and the whole month's: 70
 * more communities under 科苑街道 (its table holds the first 62 lines)
 * with a tip in the last by path, and 23 warnings there this month (its
 * table lists the newest 20), the oldest with a delivered row and a
 * failed one. The warnings are of the tip's time, and the overview is
 * asked for the tip's month: the run may cross into the next one. Last:
 * it moves a tip.
 */
static void
test_overview_totals(void **state)
{
	json_t		*j, *tips, *bc, *counts, *v;
	const char	*k;
	char		 sql[1024], path[64];
	long		 now = (long)ledger_now(), sum = 0, made, listed = 0;
	size_t		 i;
	time_t		 local;
	struct tm	 tm;

	(void)state;
	(void)snprintf(sql, sizeof sql, "SELECT created_at FROM tips WHERE ref ="
	    " '%s'", ref_c);
	made = e2e_sql_long(&d, sql);
	local = (time_t)made + 8 * 3600;
	gmtime_r(&local, &tm);
	(void)snprintf(path, sizeof path, "/api/v1/overview?month=%04d-%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1);
	sql_exec("WITH RECURSIVE c(x) AS (SELECT 101 UNION ALL SELECT x + 1"
	    " FROM c WHERE x < 170) INSERT INTO areas (parent_id, name, level,"
	    " path) SELECT r.id, '楼' || c.x, 3, r.path || '/楼' || c.x FROM"
	    " areas r, c WHERE r.path = '张店区/科苑街道'");
	(void)snprintf(sql, sizeof sql, "UPDATE tips SET area_id = (SELECT id"
	    " FROM areas WHERE path = '张店区/科苑街道/楼170') WHERE ref ="
	    " '%s'", ref_c);
	sql_exec(sql);
	(void)snprintf(sql, sizeof sql, "WITH RECURSIVE c(x) AS (SELECT 1"
	    " UNION ALL SELECT x + 1 FROM c WHERE x < 23) INSERT INTO"
	    " broadcasts (area_id, kinds, body, created_by, created_at) SELECT"
	    " a.id, 'community', '预警' || c.x, 'test', %ld + c.x FROM areas a,"
	    " c WHERE a.path = '张店区/科苑街道'", made);
	sql_exec(sql);
	sql_exec("INSERT INTO groups (channel, chat_id, title, kind, area_id,"
	    " first_seen) SELECT 'demo', 'g-kexin', '科苑群', 'community', id,"
	    " 1 FROM areas WHERE path = '张店区/科苑街道'");
	(void)snprintf(sql, sizeof sql, "INSERT INTO outbox (broadcast_id,"
	    " group_id, body, idem_key, state, next_at, created_at) SELECT b.id,"
	    " g.id, b.body, 'ov-' || s.st, s.st, %ld, %ld FROM broadcasts b,"
	    " groups g, (SELECT 'sent' AS st UNION ALL SELECT 'dead') s WHERE"
	    " b.body = '预警1' AND g.chat_id = 'g-kexin'", now, now);
	sql_exec(sql);

	j = api_json(path, tok_other, 200);
	tips = json_object_get(j, "tips");
	assert_int_equal(json_integer_value(json_object_get(tips, "total")),
	    1);
	counts = json_object_get(tips, "counts");
	json_object_foreach(counts, k, v)
		sum += (long)json_integer_value(v);
	assert_int_equal(sum, 1);
	/* The table: the first lines only, and how many more there are
	 * (of the street's communities and the 70 buildings). */
	assert_true(json_array_size(json_object_get(tips, "areas")) <= 64);
	json_array_foreach(json_object_get(tips, "areas"), i, v)
		if (!json_is_true(json_object_get(v, "own")))
			listed++;
	assert_true(json_integer_value(json_object_get(tips,
	    "areas_left_out")) >= 8);
	assert_int_equal(listed + json_integer_value(json_object_get(tips,
	    "areas_left_out")), e2e_sql_long(&d, "SELECT count(*) FROM areas"
	    " WHERE parent_id = (SELECT id FROM areas WHERE path ="
	    " '张店区/科苑街道')"));
	bc = json_object_get(j, "broadcasts");
	assert_int_equal(json_integer_value(json_object_get(bc, "count")), 23);
	assert_int_equal(json_array_size(json_object_get(bc, "items")), 20);
	assert_int_equal(json_integer_value(json_object_get(bc, "delivered")),
	    1);
	assert_int_equal(json_integer_value(json_object_get(bc, "failed")), 1);
	assert_int_equal(json_integer_value(json_object_get(bc, "waiting")),
	    0);
	json_decref(j);
	/* Another street's warnings are not these. */
	j = api_json(path, tok_street, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "broadcasts"), "count")), 0);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intake),
		cmocka_unit_test(test_list_scope),
		cmocka_unit_test(test_one_tip),
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_cli_export),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_overview_totals),
	};

	return cmocka_run_group_tests(tests, ledger_setup, ledger_teardown);
}

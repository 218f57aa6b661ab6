/* /api/v1/enterprises and /api/v1/notices: the registry's checks, CSV
 * imports and warning notices. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_registry.h"
#include "import.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/enterprises.h"

#define REG_QUERY_MAX	100	/* characters, as the chat's 查询 */
#define REG_TITLE_MAX	100	/* characters of a notice's title */
#define REG_ERRORS_MAX	200	/* row errors returned of one import */
#define REG_NOTICES_MAX	100

/* Returns 1 if the caller may change the registry: a top-level area. */
static int
reg_writer(const struct token_info *tok, struct http_response *resp)
{
	if (strchr(tok->area_path, '/') == NULL)
		return 1;
	api_error(resp, 403, "outside_area", "名录和警示通告由区级维护 "
	    "the registry and its notices are kept at the top-level area");
	return 0;
}

/* One match of a check as JSON. */
static json_t *
reg_match_json(const struct check_match *m)
{
	return json_pack("{s:I, s:s, s:s?, s:b, s:o, s:s?, s:s?}", "id",
	    (json_int_t)m->id, "name", m->name, "uscc", m->uscc, "flagged",
	    m->flagged, "issue", m->flagged ? json_integer(m->issue) :
	    json_null(), "date", m->flagged ? m->date : NULL, "measure",
	    m->flagged ? m->measure : NULL);
}

/* GET /enterprises?q=: a code with its check digit checked (a bad one is
 * said, then looked up anyway), else a name or fragment. */
static void
reg_check(struct store *s, const struct http_request *req,
    struct http_response *resp)
{
	const char		*q = req->arg != NULL ? req->arg(req, "q") : NULL;
	struct check_result	 res;
	enum store_status	 st;
	enum uscc_status	 us;
	char			 code[USCC_LEN + 1], expect[2] = { 0, 0 };
	json_t			*items;
	size_t			 i;

	if (q == NULL || *q == '\0' || !utf8_valid(q, strlen(q)) ||
	    utf8_count(q) > REG_QUERY_MAX) {
		api_error(resp, 400, "bad_query", "q (1..100 characters) is "
		    "required");
		return;
	}
	memset(&res, 0, sizeof res);
	us = uscc_check(q, code, &expect[0]);
	st = us != USCC_NOT_CODE ? enterprises_check_uscc(s, code, &res) :
	    enterprises_check_name(s, q, &res);
	if (st == STORE_INVALID) {
		api_error(resp, 400, "too_short", "名称至少两个字 a name needs "
		    "two characters or more");
		return;
	}
	if (st != STORE_OK) {
		check_result_clear(&res);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	items = json_array();
	for (i = 0; i < res.n; i++)
		json_array_append_new(items, reg_match_json(&res.m[i]));
	api_json(resp, 200, json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:I, s:b}",
	    "query", us != USCC_NOT_CODE ? code : q, "kind", us ==
	    USCC_NOT_CODE ? "name" : "uscc", "code_error", us ==
	    USCC_BAD_CHECK ? "bad_check" : us == USCC_BAD_CHAR ? "bad_char" :
	    NULL, "expected_check", us == USCC_BAD_CHECK && expect[0] ?
	    expect : NULL, "items", items, "total", (json_int_t)res.total,
	    "capped", res.capped));
	check_result_clear(&res);
}

/* Splits the row errors an import wrote into a JSON array of lines. */
static json_t *
reg_error_lines(const char *text, int *truncated)
{
	json_t		*a = json_array();
	const char	*p = text, *nl;

	*truncated = 0;
	while (p != NULL && *p != '\0') {
		if (json_array_size(a) == REG_ERRORS_MAX) {
			*truncated = 1;
			break;
		}
		nl = strchr(p, '\n');
		json_array_append_new(a, json_stringn(p, nl != NULL ?
		    (size_t)(nl - p) : strlen(p)));
		p = nl != NULL ? nl + 1 : NULL;
	}
	return a;
}

/*
 * Imports the request's CSV body as enterprises, onto notice when it is
 * not NULL. Answers with the counts and the row errors, or 400 when the
 * file could not be read at all (then nothing was kept). The audit entry,
 * in tok's name, is written in the import's transaction. 0 when it was
 * imported, -1 after answering an error.
 */
static int
reg_import(struct store *s, struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    const struct import_notice *notice, struct http_response *resp,
    struct import_stats *st)
{
	FILE		*f = NULL, *errs = NULL;
	char		*errtext = NULL, *cause = NULL;
	size_t		 errlen = 0;
	int		 rc = -1, truncated;
	json_t		*lines;

	if (req->body_len == 0 || !utf8_valid(req->body, req->body_len)) {
		api_error(resp, 400, "bad_csv", "正文应为 UTF-8 的 CSV 文件 the "
		    "body must be a CSV file in UTF-8");
		return -1;
	}
	if ((f = fmemopen((void *)(uintptr_t)req->body, req->body_len,
	    "r")) == NULL || (errs = open_memstream(&errtext, &errlen)) ==
	    NULL) {
		api_error(resp, 500, "internal", "out of memory");
		goto out;
	}
	if (import_csv(s, IMPORT_ENTERPRISES, f, "csv", errs, env->now,
	    notice, tok->actor, st, &cause) == -1) {
		api_error(resp, 400, "bad_csv", cause);
		goto out;
	}
	(void)fflush(errs);
	lines = reg_error_lines(errtext, &truncated);
	api_json(resp, notice != NULL ? 201 : 200, json_pack("{s:I, s:I, s:I, "
	    "s:I, s:I, s:o, s:b}", "rows", (json_int_t)st->rows, "imported",
	    (json_int_t)st->imported, "rejected", (json_int_t)st->rejected,
	    "warnings", (json_int_t)st->warnings, "flagged",
	    (json_int_t)st->flagged, "errors", lines, "errors_truncated",
	    truncated));
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	if (errs != NULL)
		fclose(errs);
	free(errtext);
	free(cause);
	return rc;
}

/* POST /enterprises/import */
static void
reg_import_registry(struct store *s, struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	struct import_stats	 st;

	if (reg_writer(tok, resp))
		(void)reg_import(s, env, req, tok, NULL, resp, &st);
}

/* Reads a positive issue number; -1 if s is not one. */
static int
reg_issue(const char *v)
{
	char	*end;
	long	 n;

	if (v == NULL || *v == '\0')
		return -1;
	n = strtol(v, &end, 10);
	return *end == '\0' && n > 0 && n < 100000 ? (int)n : -1;
}

/* Returns 1 if d is a date written YYYY-MM-DD. */
static int
reg_date_ok(const char *d)
{
	int	 y, m, day, n = 0;

	return d != NULL && strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%n", &y,
	    &m, &day, &n) == 3 && n == 10 && y >= 1990 && m >= 1 && m <= 12 &&
	    day >= 1 && day <= 31;
}

/* POST /notices?issue=&date=&title=: the CSV body as a draft notice. An
 * issue already published is refused: rows added to it would be flagged
 * without review. */
static void
reg_notice_add(struct store *s, struct api_env *env,
    const struct http_request *req, const struct token_info *tok,
    struct http_response *resp)
{
	const char		*issue = req->arg ? req->arg(req, "issue") : NULL;
	const char		*date = req->arg ? req->arg(req, "date") : NULL;
	const char		*title = req->arg ? req->arg(req, "title") : NULL;
	struct import_notice	 in;
	struct import_stats	 st;
	struct notice_info	 ni;
	enum store_status	 rc;
	int			 published = 0;

	if (!reg_writer(tok, resp))
		return;
	if ((in.issue = reg_issue(issue)) == -1 || !reg_date_ok(date) ||
	    (title != NULL && (!utf8_valid(title, strlen(title)) ||
	    utf8_count(title) > REG_TITLE_MAX))) {
		api_error(resp, 400, "bad_request", "issue (a number), date "
		    "(YYYY-MM-DD) and an optional title (up to 100 characters) "
		    "go in the query string");
		return;
	}
	if ((rc = notices_get(s, in.issue, &ni)) == STORE_OK)
		published = ni.published_at != 0;
	notice_info_clear(&ni);
	if (published) {
		api_error(resp, 409, "published", "该期通告已发布 this issue is "
		    "already published");
		return;
	}
	if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	in.date = date;
	in.title = title != NULL && *title != '\0' ? title : NULL;
	(void)reg_import(s, env, req, tok, &in, resp, &st);
}

/* GET /notices[?before=ISSUE&limit=N] */
static void
reg_notice_list(struct store *s, const struct http_request *req,
    struct http_response *resp)
{
	struct notice_row	*list = xcalloc(REG_NOTICES_MAX, sizeof *list);
	const char		*v = req->arg ? req->arg(req, "before") : NULL;
	json_t			*items = json_array();
	long			 limit;
	long long		 after;
	size_t			 n, i;

	api_page(req, &limit, &after);
	if (notices_list(s, v != NULL ? reg_issue(v) : 0, list, (size_t)limit,
	    &n) != STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:i, s:s, s:s, s:b, "
		    "s:o, s:I}", "issue", list[i].issue, "title",
		    list[i].title, "date", list[i].date, "published",
		    list[i].published_at != 0, "published_at",
		    list[i].published_at ? json_integer(list[i].published_at) :
		    json_null(), "enterprises", (json_int_t)list[i].enterprises));
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_before", n == (size_t)limit ?
	    json_integer(list[n - 1].issue) : json_null()));
out:
	free(list);
}

/* GET /notices/N */
static void
reg_notice_get(struct store *s, int issue, struct http_response *resp)
{
	struct notice_info	 ni;
	enum store_status	 rc;
	json_t			*items;
	size_t			 i;

	if ((rc = notices_get(s, issue, &ni)) == STORE_NOT_FOUND) {
		api_error(resp, 404, "not_found", "no such notice");
		return;
	}
	if (rc != STORE_OK) {
		notice_info_clear(&ni);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	items = json_array();
	for (i = 0; i < ni.n; i++)
		json_array_append_new(items, json_pack("{s:s, s:s?, s:s}",
		    "name", ni.entries[i].name, "uscc", ni.entries[i].uscc,
		    "measure", ni.entries[i].measure));
	api_json(resp, 200, json_pack("{s:i, s:s, s:s, s:b, s:o, s:o}",
	    "issue", ni.issue, "title", ni.title ? ni.title : "", "date",
	    ni.date ? ni.date : "", "published", ni.published_at != 0,
	    "published_at", ni.published_at ? json_integer(ni.published_at) :
	    json_null(), "enterprises", items));
	notice_info_clear(&ni);
}

/* POST /notices/N/publish */
static void
reg_notice_publish(struct store *s, struct api_env *env, int issue,
    const struct token_info *tok, struct http_response *resp)
{
	char	 detail[32];
	int64_t	 id;

	if (!reg_writer(tok, resp))
		return;
	(void)snprintf(detail, sizeof detail, "issue %d", issue);
	if (store_begin(s) != STORE_OK) {
		api_error(resp, 500, "internal", "database error");
		return;
	}
	switch (notices_publish(s, issue, env->now, &id)) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		store_rollback(s);
		api_error(resp, 404, "not_found", "no such notice");
		return;
	default:
		store_rollback(s);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	if (audit_add(s, tok->actor, "notice publish", detail, env->now) !=
	    STORE_OK || store_commit(s) != STORE_OK) {
		store_rollback(s);
		api_error(resp, 500, "internal", "database error");
		return;
	}
	api_json(resp, 200, json_pack("{s:i, s:b}", "issue", issue,
	    "published", 1));
}

/* Routes /enterprises… and /notices…. */
int
api_registry(struct store *s, struct api_env *env,
    const struct http_request *req, const char *path,
    const struct token_info *tok, struct http_response *resp)
{
	int	 post = strcmp(req->method, "POST") == 0, issue;
	char	*end;

	if (strcmp(path, "/enterprises") == 0 && !post)
		reg_check(s, req, resp);
	else if (strcmp(path, "/enterprises/import") == 0 && post)
		reg_import_registry(s, env, req, tok, resp);
	else if (strcmp(path, "/notices") == 0)
		if (post)
			reg_notice_add(s, env, req, tok, resp);
		else
			reg_notice_list(s, req, resp);
	else if (strncmp(path, "/notices/", 9) == 0 &&
	    (issue = (int)strtol(path + 9, &end, 10)) > 0 && end != path + 9 &&
	    *end == '\0' && !post)
		reg_notice_get(s, issue, resp);
	else if (strncmp(path, "/notices/", 9) == 0 &&
	    (issue = (int)strtol(path + 9, &end, 10)) > 0 && end != path + 9 &&
	    strcmp(end, "/publish") == 0 && post)
		reg_notice_publish(s, env, issue, tok, resp);
	else if (strncmp(path, "/enterprises", 12) == 0 ||
	    strncmp(path, "/notices", 8) == 0)
		api_error(resp, 404, "not_found", "no such endpoint or method");
	else
		return 0;
	return 1;
}

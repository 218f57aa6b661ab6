/* /api/v1/letters and /api/v1/tokens: the console's lists of letters and
 * of API tokens, each kept to the caller's area. */
#include <stdlib.h>
#include <string.h>

#include "api_admin.h"
#include "messages/xmalloc.h"
#include "storage/letters.h"

#define ADMIN_LIST_MAX	100

/* GET /letters: a page of letters by id, those that do not concern the
 * caller left out (a page may then be short; next_after still goes on). */
static void
admin_letters(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct letter	*l = xcalloc(ADMIN_LIST_MAX, sizeof *l);
	json_t		*items = json_array();
	char		 path[512];
	long		 limit;
	long long	 after;
	size_t		 n = 0, i;

	api_page(req, &limit, &after);
	if (letters_list(s, after, l, (size_t)limit, &n) != STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!areas_within(s, l[i].area_id, tok->area_id) &&
		    !areas_within(s, tok->area_id, l[i].area_id))
			continue;
		if (areas_path(s, l[i].area_id, path, sizeof path) != STORE_OK)
			path[0] = '\0';
		json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s}", "id", (json_int_t)l[i].id, "title", l[i].title,
		    "issuer", l[i].issuer, "date", l[i].issued_on, "area",
		    path));
	}
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_after", n == (size_t)limit ? json_integer(l[n - 1].id) :
	    json_null()));
out:
	for (i = 0; i < n; i++)
		letter_clear(&l[i]);
	free(l);
}

/* A time as JSON: null for 0. */
static json_t *
admin_time(time_t t)
{
	return t != 0 ? json_integer((json_int_t)t) : json_null();
}

/* GET /tokens: those of the caller's subtree. */
static void
admin_tokens(struct store *s, const struct http_request *req,
    const struct token_info *tok, struct http_response *resp)
{
	struct token_info	*t = xcalloc(ADMIN_LIST_MAX, sizeof *t);
	json_t			*items = json_array();
	long			 limit;
	long long		 after;
	size_t			 n, i;

	api_page(req, &limit, &after);
	if (tokens_list(s, after, t, (size_t)limit, &n) != STORE_OK) {
		json_decref(items);
		api_error(resp, 500, "internal", "database error");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (areas_within(s, t[i].area_id, tok->area_id))
			json_array_append_new(items, json_pack("{s:I, s:s, s:s, "
			    "s:s, s:I, s:o, s:o}", "id", (json_int_t)t[i].id,
			    "label", t[i].label, "role", t[i].role, "area",
			    t[i].area_path, "created_at",
			    (json_int_t)t[i].created_at, "expires_at",
			    admin_time(t[i].expires_at), "revoked_at",
			    admin_time(t[i].revoked_at)));
	api_json(resp, 200, json_pack("{s:o, s:o}", "items", items,
	    "next_after", n == (size_t)limit ? json_integer(t[n - 1].id) :
	    json_null()));
out:
	free(t);
}

/* Routes GET /letters and GET /tokens. */
int
api_admin(struct store *s, const struct http_request *req, const char *path,
    const struct token_info *tok, struct http_response *resp)
{
	if (strcmp(req->method, "GET") != 0)
		return 0;
	if (strcmp(path, "/letters") == 0)
		admin_letters(s, req, tok, resp);
	else if (strcmp(path, "/tokens") == 0)
		admin_tokens(s, req, tok, resp);
	else
		return 0;
	return 1;
}

/*
 * Fuzzes the public pages and the HTTP API: web_handle() (letter pages,
 * their check and tip forms, QR routes, print sheets) and api_handle(),
 * with the path, query arguments, cookie, User-Agent and body taken from
 * the input. Every answer must be a known status with a body that fits.
 */
#include <stdio.h>

#include "bot/api.h"
#include "bot/web.h"
#include "fuzz_store.h"
#include "storage/areas.h"
#include "storage/letters.h"
#include "storage/staff.h"

#define FIELDS	6	/* path, arg value, cookie, user agent, body, token? */

static char			*fields[FIELDS];
static char			 token[TOKEN_TEXT_LEN + 1];
static char			 code[LETTER_CODE_LEN + 1];
static struct config		 cfg;
static struct handler_env	 henv = { .hotline = "0533-12345",
				    .utc_offset = 8 * 3600 };

/* Header lookup: a User-Agent and, when asked, the valid token. */
static const char *
fz_header(const struct http_request *req, const char *name)
{
	static char	 auth[TOKEN_TEXT_LEN + 16];

	(void)req;
	if (strcasecmp(name, "User-Agent") == 0)
		return fields[3];
	if (strcasecmp(name, "Authorization") == 0) {
		if (fields[5][0] == 't') {
			(void)snprintf(auth, sizeof auth, "Bearer %s", token);
			return auth;
		}
		return fields[5];
	}
	return NULL;
}

/* Every query argument has the same fuzzed value ("" means absent). */
static const char *
fz_arg(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return fields[1][0] ? fields[1] : NULL;
}

/* The device cookie. */
static const char *
fz_cookie(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	return fields[2][0] ? fields[2] : NULL;
}

/* A database with areas, a letter with codes and a token. */
static void
fz_setup(void)
{
	struct letter_code	 lc;
	int64_t			 area, id;
	long			 made;
	size_t			 n;

	fuzz_store_open();
	fuzz_store_import(IMPORT_AREAS, "path,households\n张店区/车站街道/华光路"
	    "社区/第3网格/12号楼,96\n张店区/车站街道/华光路社区/第3网格/13号楼,"
	    "88\n");
	FUZZ_ASSERT(areas_find(fuzz_store, "张店区", &area) == STORE_OK);
	FUZZ_ASSERT(letters_add(fuzz_store, "公开信", "# 标题\n正文\n- 一\n",
	    "处非办", "2026-06-15", area, 1, &id) == STORE_OK);
	FUZZ_ASSERT(letters_make_codes(fuzz_store, id, area, 5, 1, "电梯厅", 1,
	    NULL, NULL, &made) == STORE_OK && made == 2);
	FUZZ_ASSERT(letters_codes(fuzz_store, id, 0, 0, &lc, 1, &n) ==
	    STORE_OK && n == 1);
	memcpy(code, lc.code, sizeof code);
	FUZZ_ASSERT(tokens_create(fuzz_store, "office", area, NULL, 1, token) ==
	    STORE_OK);
	fuzz_store_snapshot();
	config_init(&cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	struct http_request	 req;
	struct http_response	 resp;
	struct web_env		 env;
	struct api_env		 aenv = { 1763750000, 0 };
	struct web_form		 form;
	char			*copy, *p, path[256];
	size_t			 i;
	int			 mode;

	if (!ready) {
		fz_setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	mode = data[0];
	copy = fuzz_strdup(data + 1, size - 1);
	/* Fields are separated by NUL bytes in the input. */
	for (i = 0, p = copy; i < FIELDS; i++) {
		fields[i] = p;
		p += strlen(p) + 1;
		if (p > copy + size - 1)
			p = copy + size - 1;	/* the final NUL: "" */
	}
	/* A path of the fuzzer's, or one built on the real code. */
	if (mode & 1)
		(void)snprintf(path, sizeof path, "/l/%s%s", code, fields[0]);
	else
		(void)snprintf(path, sizeof path, "%s", fields[0]);
	memset(&req, 0, sizeof req);
	req.method = (mode & 6) == 0 ? "GET" : (mode & 6) == 2 ? "POST" :
	    (mode & 6) == 4 ? "HEAD" : "PUT";
	req.path = path;
	req.body = fields[4];
	req.body_len = strlen(fields[4]);
	req.now = 1763750000;
	req.header = fz_header;
	req.arg = fz_arg;
	req.cookie = fz_cookie;
	req.client_ip = "127.0.0.1";
	memset(&resp, 0, sizeof resp);
	if (mode & 8) {
		api_handle(fuzz_store, &aenv, &req, path, &resp);
	} else if (web_route(path)) {
		memset(&env, 0, sizeof env);
		env.cfg = &cfg;
		env.key = (const uint8_t *)"fangfei-fuzz-key-32-bytes-long!";
		env.henv = &henv;
		form.text = fields[4][0] ? fields[4] : NULL;
		form.nonce = fields[1][0] ? fields[1] : NULL;
		web_handle(fuzz_store, &env, &req, &form, &resp);
	} else
		resp.status = 404;
	FUZZ_ASSERT(resp.status >= 200 && resp.status < 600);
	FUZZ_ASSERT(resp.body == NULL || resp.len == strlen(resp.body) ||
	    (resp.content_type != NULL &&
	    strncmp(resp.content_type, "image/png", 9) == 0));
	free(resp.body);
	free(resp.cookie);
	free(copy);
	fuzz_store_restore();
	return 0;
}

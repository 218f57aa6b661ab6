/*
 * Fuzzes the console: console_handle() (sign-in pages and forms, sign-out,
 * static files) and api_handle() called by a session, with the path, the
 * query's t, the session cookie, the CSRF header and the form or JSON body
 * taken from the input; a mode bit puts in a live session's cookie or CSRF
 * token, so that the signed-in paths are reached too. Every answer must be
 * a known status with a body that fits; a link is spent at most once.
 */
#include <stdio.h>

#include "bot/api.h"
#include "bot/console.h"
#include "fuzz_store.h"
#include "storage/areas.h"
#include "storage/sessions.h"
#include "storage/staff.h"

#define FIELDS	5	/* path, query t, cookie, csrf, body */

static char		*fields[FIELDS];
static char		 cookie[SESSION_SECRET_LEN + 1];
static char		 csrf[SESSION_SECRET_LEN + 1];
static char		 link[SESSION_SECRET_LEN + 1];
static int		 mode;
static struct config	 cfg;

static const char *
fz_header(const struct http_request *req, const char *name)
{
	(void)req;
	if (strcasecmp(name, CONSOLE_CSRF_HEADER) == 0)
		return (mode & 16) ? csrf : fields[3][0] ? fields[3] : NULL;
	if (strcasecmp(name, "If-None-Match") == 0)
		return fields[3][0] ? fields[3] : NULL;
	return NULL;
}

static const char *
fz_arg(const struct http_request *req, const char *name)
{
	(void)req;
	if (strcmp(name, "t") == 0 && (mode & 64))
		return link;
	return fields[1][0] ? fields[1] : NULL;
}

static const char *
fz_cookie(const struct http_request *req, const char *name)
{
	(void)req;
	(void)name;
	if (mode & 8)
		return cookie;
	return fields[2][0] ? fields[2] : NULL;
}

/* A database with areas, an office member with a session and an unspent
 * link. */
static void
fz_setup(void)
{
	struct session_info	 si;
	int64_t			 area, staff;

	fuzz_store_open();
	fuzz_store_import(IMPORT_AREAS, "path,households\n张店区/车站街道/华光路"
	    "社区/第3网格/12号楼,96\n");
	FUZZ_ASSERT(areas_find(fuzz_store, "张店区", &area) == STORE_OK);
	FUZZ_ASSERT(staff_add(fuzz_store, "李主任", "office", area, NULL,
	    1763750000, &staff) == STORE_OK);
	FUZZ_ASSERT(sessions_create(fuzz_store, staff, 1763750000, cookie,
	    &si) == STORE_OK);
	memcpy(csrf, si.csrf, sizeof csrf);
	FUZZ_ASSERT(login_links_create(fuzz_store, staff, 1763750000, link) ==
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
	struct console_env	 cenv;
	struct api_env		 aenv = { 1763750060, 0 };
	char			*copy, *p, path[256], body[512];
	size_t			 i;

	if (!ready) {
		fz_setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	mode = data[0];
	copy = fuzz_strdup(data + 1, size - 1);
	for (i = 0, p = copy; i < FIELDS; i++) {
		fields[i] = p;
		p += strlen(p) + 1;
		if (p > copy + size - 1)
			p = copy + size - 1;
	}
	cenv.cfg = &cfg;
	aenv.console = &cenv;
	(void)snprintf(path, sizeof path, "%s%s", (mode & 32) ? "/admin/" :
	    "", fields[0]);
	memset(&req, 0, sizeof req);
	req.method = (mode & 6) == 0 ? "GET" : (mode & 6) == 2 ? "POST" :
	    (mode & 6) == 4 ? "HEAD" : "DELETE";
	req.path = path;
	/* A form that names the real link, or the fuzzer's body. */
	if ((mode & 128) && strcmp(req.method, "POST") == 0) {
		(void)snprintf(body, sizeof body, "%s&t=%s", fields[4], link);
		req.body = body;
	} else
		req.body = fields[4];
	req.body_len = strlen(req.body);
	req.now = 1763750060;
	req.header = fz_header;
	req.arg = fz_arg;
	req.cookie = fz_cookie;
	req.client_ip = "127.0.0.1";
	memset(&resp, 0, sizeof resp);
	if (mode & 1)
		api_handle(fuzz_store, &aenv, &req, path, &resp);
	else if (console_route(path))
		console_handle(fuzz_store, &cenv, &req, &resp);
	else
		resp.status = 404;
	FUZZ_ASSERT(resp.status >= 200 && resp.status < 600);
	FUZZ_ASSERT(resp.body == NULL || resp.len == strlen(resp.body) ||
	    (resp.content_type != NULL &&
	    strncmp(resp.content_type, "image/", 6) == 0));
	/* A change without the session's token never passes. */
	if ((mode & 1) && (mode & 8) && !(mode & 16) &&
	    strcmp(req.method, "POST") == 0 && fields[3][0] == '\0')
		FUZZ_ASSERT(resp.status == 403);
	free(resp.body);
	free(resp.cookie);
	free(copy);
	fuzz_store_restore();
	return 0;
}

/* The console's sign-in, sessions and static files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "assets.h"
#include "console.h"
#include "log.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"

#define CONSOLE_PAGE_MAX	(64 * 1024)

/* Returns 1 if path is the console's. */
int
console_route(const char *path)
{
	return strcmp(path, "/admin") == 0 || strncmp(path, "/admin/", 7) == 0 ||
	    strncmp(path, "/assets/", 8) == 0;
}

/* The asset at path. */
const struct asset *
assets_find(const char *path)
{
	const struct asset	*a;
	size_t			 n = strcspn(path, "?#");

	for (a = assets_table; a->path != NULL; a++)
		if (strlen(a->path) == n && strncmp(a->path, path, n) == 0)
			return a;
	return NULL;
}

/* The Secure attribute under https (the public URL, or a proxy's word). */
static const char *
console_secure(const struct console_env *env, const struct http_request *req)
{
	const char	*proto = req->header(req, "X-Forwarded-Proto");

	if (strncasecmp(env->cfg->public_base_url != NULL ?
	    env->cfg->public_base_url : "", "https://", 8) == 0 ||
	    (proto != NULL && strcasecmp(proto, "https") == 0))
		return "; Secure";
	return "";
}

/* A short page of the console's, in Chinese then English. */
static void
console_page(struct http_response *resp, int status, const char *title,
    const char *zh, const char *en, const char *form)
{
	struct buf	 b;

	buf_init(&b, CONSOLE_PAGE_MAX);
	(void)buf_addf(&b, "<!doctype html><html lang=\"zh-CN\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\""
	    "width=device-width,initial-scale=1\"><title>%s</title>"
	    "<link rel=\"stylesheet\" href=\"/assets/console/style.css\">"
	    "</head><body class=\"signin\"><main class=\"card\"><h1>%s</h1>"
	    "<p>%s</p><p lang=\"en\">%s</p>%s</main></body></html>",
	    title, title, zh, en, form != NULL ? form : "");
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	resp->cache = "no-store";
	resp->csp = CONSOLE_CSP;
	resp->len = b.len;
	resp->body = buf_steal(&b);
}

/* Returns 1 if s is a secret's form (64 lower-case hex digits). */
static int
console_is_secret(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len != SESSION_SECRET_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

/* The value of name in a form body (name=value&…), copied into out when
 * it has exactly SESSION_SECRET_LEN characters; 0, or -1. */
static int
console_form_secret(const struct http_request *req, const char *name,
    char out[SESSION_SECRET_LEN + 1])
{
	const char	*p = req->body, *end = req->body + req->body_len, *v;
	size_t		 nlen = strlen(name), vlen;

	while (p < end) {
		v = memchr(p, '&', (size_t)(end - p));
		vlen = (size_t)((v != NULL ? v : end) - p);
		if (vlen > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=' &&
		    console_is_secret(p + nlen + 1, vlen - nlen - 1)) {
			memcpy(out, p + nlen + 1, SESSION_SECRET_LEN);
			out[SESSION_SECRET_LEN] = '\0';
			return 0;
		}
		p += vlen + 1;
	}
	return -1;
}

/* Fills tok from a staff member: their role and area, as an API caller. */
static int
console_fill(struct store *s, int64_t staff, int64_t session,
    struct token_info *tok)
{
	struct staff_info	 si;

	memset(tok, 0, sizeof *tok);
	if (staff_get(s, staff, &si) != STORE_OK)
		return -1;
	tok->id = session;
	(void)snprintf(tok->role, sizeof tok->role, "%s", si.role);
	tok->area_id = si.area_id;
	(void)snprintf(tok->area_path, sizeof tok->area_path, "%s",
	    si.area_path);
	tok->staff_id = staff;
	(void)snprintf(tok->actor, sizeof tok->actor, "staff:%lld",
	    (long long)staff);
	return 0;
}

/* The caller behind a session cookie. */
int
console_principal(struct store *s, const struct console_env *env,
    const struct http_request *req, time_t now, struct token_info *tok,
    struct session_info *si)
{
	const char		*cookie;
	enum store_status	 st;

	memset(si, 0, sizeof *si);
	if (req->cookie == NULL ||
	    (cookie = req->cookie(req, CONSOLE_COOKIE)) == NULL ||
	    !console_is_secret(cookie, strlen(cookie)))
		return 0;
	st = sessions_check(s, cookie, now, env->cfg->session_idle_minutes * 60,
	    env->cfg->session_max_hours * 3600, si);
	if (st == STORE_NOT_FOUND)
		return 0;
	if (st != STORE_OK)
		return -1;
	if (console_fill(s, si->staff_id, si->id, tok) == -1) {
		memset(si, 0, sizeof *si);
		return 0;
	}
	return 1;
}

/* Whether the request carries the session's CSRF token. */
int
console_csrf_ok(const struct http_request *req, const struct session_info *si)
{
	const char	*v = req->header(req, CONSOLE_CSRF_HEADER);

	if (v == NULL || si->csrf[0] == '\0' || strlen(v) != SESSION_SECRET_LEN)
		return 0;
	return CRYPTO_memcmp(v, si->csrf, SESSION_SECRET_LEN) == 0;
}

/* Where sign-in links point. */
void
console_base(const struct config *cfg, char *out, size_t size)
{
	size_t	 n;

	/* The built-in public URL names the built-in address: a daemon told
	 * to listen elsewhere without a public URL is reached there. */
	if (cfg->public_base_url != NULL && cfg->public_base_url[0] != '\0' &&
	    (strcmp(cfg->public_base_url, "http://127.0.0.1:8080") != 0 ||
	    cfg->listen == NULL || strcmp(cfg->listen, "127.0.0.1:8080") == 0))
		(void)snprintf(out, size, "%s", cfg->public_base_url);
	else
		(void)snprintf(out, size, "http://%s", cfg->listen != NULL ?
		    cfg->listen : "127.0.0.1:8080");
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
}

/* A sign-in link. */
char *
console_login_link(struct store *s, const char *base, int64_t staff,
    time_t now, enum store_status *st)
{
	char	 secret[SESSION_SECRET_LEN + 1], *link;

	if ((*st = login_links_create(s, staff, now, secret)) != STORE_OK)
		return NULL;
	link = xasprintf("%s/admin/login?t=%s", base != NULL ? base : "",
	    secret);
	OPENSSL_cleanse(secret, sizeof secret);
	return link;
}

/* Records a sign-in or sign-out in the audit log, with the staff
 * member's area. */
static enum store_status
console_audit(struct store *s, const struct token_info *tok,
    const char *action, time_t now)
{
	char	 detail[64];

	(void)snprintf(detail, sizeof detail, "session %lld",
	    (long long)tok->id);
	return audit_add_area(s, tok->actor, action, detail, tok->area_id, now);
}

/* GET /admin/login?t=…: a button that signs in (a GET spends nothing). */
static void
console_login_page(const struct http_request *req, struct http_response *resp)
{
	const char	*t = req->arg != NULL ? req->arg(req, "t") : NULL;
	char		 form[256];

	if (t == NULL || !console_is_secret(t, strlen(t))) {
		console_page(resp, 400, "防非工作台 fangfei console",
		    "登录链接不完整。请在已绑定的聊天中发送「登录」获取新链接。",
		    "This sign-in link is incomplete. Send /login in your "
		    "bound chat for a new one.", NULL);
		return;
	}
	(void)snprintf(form, sizeof form, "<form method=\"post\" "
	    "action=\"/admin/login\"><input type=\"hidden\" name=\"t\" "
	    "value=\"%s\"><button id=\"signin\" type=\"submit\">登录 Sign in"
	    "</button></form>", t);
	console_page(resp, 200, "登录防非工作台 Sign in",
	    "此链接只能使用一次，十分钟内有效。",
	    "This link works once, within ten minutes.", form);
}

/* Whether a POST comes from a page of this server: the browser's
 * Sec-Fetch-Site, else its Origin against the Host it asked (a client
 * that sends neither, like curl, is no browser another site can drive). */
static int
console_same_origin(const struct http_request *req)
{
	const char	*site = req->header(req, "Sec-Fetch-Site");
	const char	*origin = req->header(req, "Origin");
	const char	*host = req->header(req, "Host"), *p;

	if (site != NULL)
		return strcmp(site, "same-origin") == 0 ||
		    strcmp(site, "none") == 0;
	if (origin == NULL || strcmp(origin, "null") == 0)
		return origin == NULL;
	if ((p = strstr(origin, "://")) == NULL || host == NULL)
		return 0;
	return strcasecmp(p + 3, host) == 0;
}

/* POST /admin/login: spends the link and opens a session. */
static void
console_login(struct store *s, const struct console_env *env,
    const struct http_request *req, struct http_response *resp)
{
	struct token_info	 tok;
	struct session_info	 si;
	char			 t[SESSION_SECRET_LEN + 1];
	char			 cookie[SESSION_SECRET_LEN + 1];
	int64_t			 staff;
	enum store_status	 st;

	/* Only from the console's own page: another site posting its own
	 * link would sign the visitor in as someone else. */
	if (!console_same_origin(req)) {
		log_warn("console: a sign-in posted from another site");
		console_page(resp, 403, "登录失败 Sign-in failed",
		    "请从登录链接打开的页面登录。", "Sign in from the page the link "
		    "opens.", NULL);
		return;
	}
	if (console_form_secret(req, "t", t) == -1) {
		console_page(resp, 400, "登录失败 Sign-in failed",
		    "登录链接不完整。", "The sign-in link is incomplete.", NULL);
		return;
	}
	if ((st = store_begin(s)) != STORE_OK)
		goto fail;
	st = login_links_use(s, t, req->now, &staff);
	OPENSSL_cleanse(t, sizeof t);
	if (st == STORE_NOT_FOUND) {
		store_rollback(s);
		log_warn("console: a sign-in link that was used, expired or "
		    "never issued");
		console_page(resp, 403, "登录失败 Sign-in failed",
		    "此登录链接已使用或已过期。请在已绑定的聊天中发送「登录」获取新链接。",
		    "This sign-in link was used or has expired. Send /login "
		    "in your bound chat for a new one.", NULL);
		return;
	}
	if (st != STORE_OK ||
	    (st = sessions_create(s, staff, req->now, cookie, &si)) !=
	    STORE_OK || console_fill(s, staff, si.id, &tok) == -1 ||
	    (st = console_audit(s, &tok, "console sign-in", req->now)) !=
	    STORE_OK || (st = store_commit(s)) != STORE_OK) {
		store_rollback(s);
		goto fail;
	}
	log_info("console: staff %lld signed in (session %lld)",
	    (long long)staff, (long long)si.id);
	resp->cookie = xasprintf(CONSOLE_COOKIE "=%s; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=%d%s", cookie,
	    env->cfg->session_max_hours * 3600, console_secure(env, req));
	OPENSSL_cleanse(cookie, sizeof cookie);
	resp->status = 303;
	resp->location = "/admin";
	resp->cache = "no-store";
	resp->content_type = "text/plain; charset=utf-8";
	return;
fail:
	console_page(resp, 503, "登录失败 Sign-in failed", "数据库暂不可用，请稍后再试。",
	    "The database is unavailable; try again shortly.", NULL);
}

/* POST /admin/logout: ends the session (with its CSRF token). */
static void
console_logout(struct store *s, const struct console_env *env,
    const struct http_request *req, struct http_response *resp)
{
	struct token_info	 tok;
	struct session_info	 si;
	char			 csrf[SESSION_SECRET_LEN + 1];
	int			 in;

	in = console_principal(s, env, req, req->now, &tok, &si);
	if (in == 1 && !console_csrf_ok(req, &si) &&
	    (console_form_secret(req, "csrf", csrf) == -1 ||
	    CRYPTO_memcmp(csrf, si.csrf, SESSION_SECRET_LEN) != 0)) {
		console_page(resp, 403, "退出失败 Sign-out refused",
		    "请求缺少有效的校验码。", "The request lacks a valid CSRF "
		    "token.", NULL);
		return;
	}
	if (in == 1) {
		if (store_begin(s) != STORE_OK ||
		    sessions_end(s, si.id, req->now) != STORE_OK ||
		    console_audit(s, &tok, "console sign-out", req->now) !=
		    STORE_OK || store_commit(s) != STORE_OK) {
			store_rollback(s);
			console_page(resp, 503, "退出失败 Sign-out failed",
			    "数据库暂不可用，请稍后再试。", "The database is "
			    "unavailable; try again shortly.", NULL);
			return;
		}
		log_info("console: staff %lld signed out (session %lld)",
		    (long long)tok.staff_id, (long long)si.id);
	}
	resp->cookie = xasprintf(CONSOLE_COOKIE "=; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=0%s", console_secure(env, req));
	resp->status = 303;
	resp->location = "/admin";
	resp->cache = "no-store";
	resp->content_type = "text/plain; charset=utf-8";
}

/* A static file; with etag, 304 when the browser has it. */
static void
console_asset(const struct http_request *req, const struct asset *a,
    int etag, struct http_response *resp)
{
	const char	*inm = req->header(req, "If-None-Match");

	resp->cache = etag ? "no-cache" : "no-store";
	resp->csp = CONSOLE_CSP;
	if (etag) {
		resp->etag = a->etag;
		if (inm != NULL && strcmp(inm, a->etag) == 0) {
			resp->status = 304;
			return;
		}
	}
	resp->status = 200;
	resp->content_type = a->type;
	/* A copy the server frees, NUL-terminated like every other body. */
	resp->body = xmalloc(a->len + 1);
	memcpy(resp->body, a->data, a->len);
	resp->body[a->len] = '\0';
	resp->len = a->len;
}

/* Answers the console. */
void
console_handle(struct store *s, const struct console_env *env,
    const struct http_request *req, struct http_response *resp)
{
	const struct asset	*a;
	const char		*path = req->path;
	int			 get = strcmp(req->method, "GET") == 0 ||
				    strcmp(req->method, "HEAD") == 0;
	int			 post = strcmp(req->method, "POST") == 0;

	if (strcmp(path, "/admin/login") == 0 && get) {
		console_login_page(req, resp);
		return;
	}
	if (strcmp(path, "/admin/login") == 0 && post) {
		console_login(s, env, req, resp);
		return;
	}
	if (strcmp(path, "/admin/logout") == 0 && post) {
		console_logout(s, env, req, resp);
		return;
	}
	if (!get) {
		console_page(resp, 405, "防非工作台 fangfei console",
		    "不支持此请求方法。", "Method not allowed.", NULL);
		return;
	}
	if (strncmp(path, "/assets/", 8) == 0) {
		if ((a = assets_find(path)) == NULL) {
			console_page(resp, 404, "防非工作台 fangfei console",
			    "没有这个文件。", "No such file.", NULL);
			return;
		}
		console_asset(req, a, 1, resp);
		return;
	}
	/* Every other /admin path is the console's one page: its script
	 * reads the path and asks /api/v1 who is signed in. */
	if ((a = assets_find("/assets/console/index.html")) == NULL) {
		console_page(resp, 404, "防非工作台 fangfei console",
		    "工作台未编入此版本。", "The console is not built in.", NULL);
		return;
	}
	console_asset(req, a, 0, resp);
}

/* The chat simulator's routes: who may use it, the visitor's id, and one
 * message through the web channel and the dispatcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "assets.h"
#include "console.h"
#include "dispatch.h"
#include "log.h"
#include "try.h"
#include "messages/xmalloc.h"

#define TRY_CSRF_LEN	64		/* hex of an HMAC-SHA256 */

/* How the caller may use the simulator. */
enum try_access {
	TRY_REFUSED = 0,
	TRY_OPEN,		/* open = loopback, from this machine */
	TRY_STAFF,		/* a console session */
	TRY_STORE_FAILED,
};

/* Returns 1 if path is the simulator's. */
int
try_route(const char *path)
{
	return strcmp(path, "/try") == 0 || strncmp(path, "/try/", 5) == 0;
}

/* The first channel of type web, or NULL when the simulator is off. */
static const struct channel *
try_channel(const struct config *cfg)
{
	size_t	 i;

	for (i = 0; i < cfg->nchannels; i++)
		if (cfg->channels[i].backend != NULL &&
		    cfg->channels[i].backend->practice)
			return &cfg->channels[i];
	return NULL;
}

/* The visitor id in the cookie. */
const char *
try_visitor(const struct http_request *req)
{
	const char	*v;

	if (req->cookie == NULL || (v = req->cookie(req, TRY_COOKIE)) == NULL ||
	    strlen(v) != TRY_VISITOR_LEN ||
	    strspn(v, "0123456789abcdef") != TRY_VISITOR_LEN)
		return NULL;
	return v;
}

/*
 * Whether the peer is this machine and no proxy stands between: a
 * reverse proxy on loopback would make every visitor from anywhere look
 * local, so a forwarding header means "not local".
 */
static int
try_local(const struct http_request *req)
{
	const char	*ip = req->client_ip;

	if (req->header(req, "X-Forwarded-For") != NULL ||
	    req->header(req, "Forwarded") != NULL ||
	    req->header(req, "X-Real-IP") != NULL || ip == NULL)
		return 0;
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	    strncmp(ip, "::ffff:127.", 11) == 0;
}

/* Who the caller is: open (the demo, locally), a signed-in staff member
 * (si filled), or refused. */
static enum try_access
try_access(struct store *s, const struct try_env *env,
    const struct channel *ch, const struct http_request *req,
    struct session_info *si)
{
	struct console_env	 cenv = { env->cfg };
	struct token_info	 tok;
	const char		*open = channel_get(ch, "open");

	memset(si, 0, sizeof *si);
	if (open != NULL && strcmp(open, "loopback") == 0 && try_local(req))
		return TRY_OPEN;
	switch (console_principal(s, &cenv, req, req->now, &tok, si)) {
	case 1:
		return TRY_STAFF;
	case 0:
		return TRY_REFUSED;
	default:
		return TRY_STORE_FAILED;
	}
}

/* The open mode's CSRF token of a visitor: HMAC(key, visitor) in hex.
 * Only a page of this origin can read it (from /try/session). */
static void
try_csrf(const struct try_env *env, const char *visitor,
    char out[TRY_CSRF_LEN + 1])
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 len = 0, i;
	char		 msg[64];

	(void)snprintf(msg, sizeof msg, "try-csrf:%s", visitor);
	(void)HMAC(EVP_sha256(), env->key, STORE_KEY_LEN,
	    (const unsigned char *)msg, strlen(msg), mac, &len);
	for (i = 0; i < 32; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", i < len ? mac[i] : 0);
	out[TRY_CSRF_LEN] = '\0';
}

/* Whether the POST carries the token of its mode. */
static int
try_csrf_ok(const struct try_env *env, const struct http_request *req,
    enum try_access a, const struct session_info *si, const char *visitor)
{
	char		 want[TRY_CSRF_LEN + 1];
	const char	*v;

	if (a == TRY_STAFF)
		return console_csrf_ok(req, si);
	v = req->header(req, CONSOLE_CSRF_HEADER);
	if (v == NULL || visitor == NULL || strlen(v) != TRY_CSRF_LEN)
		return 0;
	try_csrf(env, visitor, want);
	return CRYPTO_memcmp(v, want, TRY_CSRF_LEN) == 0;
}

/* Answers {"error": why} (why: Chinese, then English). */
static void
try_error(struct http_response *resp, int status, const char *why)
{
	json_t	*obj = json_pack("{s:s}", "error", why);

	resp->status = status;
	resp->content_type = "application/json; charset=utf-8";
	resp->cache = "no-store";
	resp->body = json_dumps(obj, JSON_COMPACT);
	resp->len = resp->body != NULL ? strlen(resp->body) : 0;
	json_decref(obj);
}

/* GET /try: the page (its script asks /try/session for the rest). */
static void
try_page(struct http_response *resp)
{
	const struct asset	*a = assets_find("/assets/try/index.html");

	if (a == NULL) {
		try_error(resp, 404, "练习页面未编入此版本 the simulator is not "
		    "built in");
		return;
	}
	resp->status = 200;
	resp->content_type = a->type;
	resp->cache = "no-store";
	resp->csp = CONSOLE_CSP;
	resp->body = xmalloc(a->len + 1);
	memcpy(resp->body, a->data, a->len);
	resp->body[a->len] = '\0';
	resp->len = a->len;
}

/*
 * GET /try/session: the visitor's id (a new one, set as an HttpOnly,
 * SameSite=Strict cookie, when the request has none) and the CSRF token
 * its POSTs must carry: the session's for staff, else one made from the
 * visitor's id.
 */
static void
try_session(const struct try_env *env, const struct http_request *req,
    enum try_access a, const struct session_info *si,
    struct http_response *resp)
{
	unsigned char	 raw[TRY_VISITOR_LEN / 2];
	char		 fresh[TRY_VISITOR_LEN + 1], csrf[TRY_CSRF_LEN + 1];
	const char	*visitor = try_visitor(req);
	json_t		*obj;
	size_t		 i;

	if (visitor == NULL) {
		if (RAND_bytes(raw, sizeof raw) != 1) {
			try_error(resp, 503, "暂时无法开始练习 cannot start a "
			    "practice chat now");
			return;
		}
		for (i = 0; i < sizeof raw; i++)
			(void)snprintf(fresh + 2 * i, 3, "%02x", raw[i]);
		visitor = fresh;
		resp->cookie = xasprintf(TRY_COOKIE "=%s; Path=/try; HttpOnly; "
		    "SameSite=Strict", visitor);
	}
	if (a == TRY_STAFF)
		(void)snprintf(csrf, sizeof csrf, "%s", si->csrf);
	else
		try_csrf(env, visitor, csrf);
	obj = json_pack("{s:s, s:s}", "mode", a == TRY_STAFF ? "staff" :
	    "open", "csrf", csrf);
	OPENSSL_cleanse(csrf, sizeof csrf);
	resp->status = 200;
	resp->content_type = "application/json; charset=utf-8";
	resp->cache = "no-store";
	resp->body = json_dumps(obj, JSON_COMPACT);
	resp->len = resp->body != NULL ? strlen(resp->body) : 0;
	json_decref(obj);
}

/* POST /try/say: one message through the channel and the dispatcher,
 * as server_hook() runs a webhook. */
static void
try_say(struct store *s, const struct try_env *env, const struct channel *ch,
    const struct http_request *req, const char *who,
    struct http_response *resp)
{
	struct inbound		 in;
	struct reply		 reply = { 0 };
	const char		*why = "", *cmd = "-";
	enum dispatch_result	 dr;
	int			 status;

	if (req->body_len > TRY_BODY_MAX) {
		try_error(resp, 413, "内容过长 the message is too long");
		return;
	}
	if ((status = ch->backend->verify(ch, req, &why)) != 0) {
		try_error(resp, status, why);
		return;
	}
	/* One counter per person behind the visitor: the cookie is the
	 * client's to choose, so the count is the signed-in staff member's,
	 * or (open on loopback) the address's. */
	if (env->henv->limits != NULL && limiter_hit(env->henv->limits, "try",
	    who, TRY_PER_MINUTE, 60, req->now) != LIMIT_PASS) {
		try_error(resp, 429, "发送太快，请一分钟后再试 too many messages; "
		    "wait a minute");
		return;
	}
	memset(&in, 0, sizeof in);
	if ((status = ch->backend->parse(ch, req, &in, &why)) != 0) {
		inbound_clear(&in);
		try_error(resp, status, why);
		return;
	}
	dr = dispatch_inbound(s, ch, env->henv, &in, req->now, &reply, &cmd);
	log_debug("%s %s cmd=%s result=%d", ch->name,
	    in.chat_kind == CHAT_GROUP ? "group" : "private", cmd, (int)dr);
	ch->backend->reply(ch, &in, &reply, resp);
	reply_clear(&reply);
	inbound_clear(&in);
}

/* Answers the simulator. */
void
try_handle(struct store *s, const struct try_env *env,
    const struct http_request *req, struct http_response *resp)
{
	const struct channel	*ch = try_channel(env->cfg);
	struct session_info	 si;
	enum try_access		 a;
	char			 who[80];
	int			 get = strcmp(req->method, "GET") == 0 ||
				    strcmp(req->method, "HEAD") == 0;

	if (ch == NULL) {
		try_error(resp, 404, "未启用练习聊天 the chat simulator is "
		    "not enabled");
		return;
	}
	if (get && (strcmp(req->path, "/try") == 0 ||
	    strcmp(req->path, "/try/") == 0)) {
		try_page(resp);
		return;
	}
	a = try_access(s, env, ch, req, &si);
	if (a == TRY_STORE_FAILED) {
		try_error(resp, 503, "数据库暂不可用 the database is unavailable");
		goto out;
	}
	if (a == TRY_REFUSED) {
		try_error(resp, 403, "请先登录工作台 sign in to the console "
		    "first (/admin)");
		goto out;
	}
	if (get && strcmp(req->path, "/try/session") == 0)
		try_session(env, req, a, &si, resp);
	else if (strcmp(req->method, "POST") == 0 &&
	    strcmp(req->path, TRY_SAY_PATH) == 0) {
		if (try_visitor(req) == NULL)
			try_error(resp, 400, "请刷新页面后再试 reload the page "
			    "(no visitor cookie)");
		else if (!try_csrf_ok(env, req, a, &si, try_visitor(req)))
			try_error(resp, 403, "校验码无效，请刷新页面 invalid CSRF "
			    "token; reload the page");
		else {
			if (a == TRY_STAFF)
				(void)snprintf(who, sizeof who, "staff:%lld",
				    (long long)si.staff_id);
			else
				(void)snprintf(who, sizeof who, "ip:%s",
				    req->client_ip != NULL ? req->client_ip :
				    "");
			try_say(s, env, ch, req, who, resp);
		}
	} else
		try_error(resp, 404, "没有这个地址 no such page");
out:
	OPENSSL_cleanse(&si, sizeof si);
}

/* The letter pages, QR images and print sheets. */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "clock.h"
#include "dispatch.h"
#include "ics.h"
#include "log.h"
#include "markdown.h"
#include "messages/buf.h"
#include "messages/hmac.h"
#include "messages/limit.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "qr.h"
#include "scanq.h"
#include "storage/letters.h"
#include "storage/receipts.h"
#include "storage/areas.h"
#include "storage/staff.h"
#include "web.h"
#include "webcache.h"

#define WEB_PAGE_MAX	(512 * 1024)
#define WEB_PRINT_MAX	(4 * 1024 * 1024)
#define WEB_DEVICE_LEN	16
#define WEB_COOKIE	"ffd"		/* device: counts scans */
#define WEB_REPORTER	"ffr"		/* reporter: never in a scan row */
#define WEB_REPORTER_LEN 32
#define WEB_EXCERPT	150		/* characters of a poster's opening */
#define WEB_RECEIPT_TRIES 10	/* receipt look-ups per address an hour */
#define WEB_NONCE_TTL	(6 * 3600)	/* a tip form stays good this long */
#define WEB_NONCE_SKEW	300		/* clocks may differ this much */
#define WEB_NONCE_RAND	16		/* hex digits: random part */
#define WEB_NONCE_MAC	24		/* hex digits: signature */

static void	 web_random_hex(char *, size_t);

/* Substrings of User-Agents that preview links or crawl, lower case. */
static const char *const bot_agents[] = {
	"bot", "spider", "crawl", "preview", "facebookexternalhit", "slurp",
	"whatsapp", "headlesschrome", "python-requests", "curl/", "wget/",
	"go-http-client", "okhttp", "java/", "bingpreview", "feishu-link",
	"lark-link", "wechatshare", NULL
};

static const char page_css[] =
    "body{margin:0;font:16px/1.7 -apple-system,'PingFang SC','Noto Sans CJK SC',"
    "'Microsoft YaHei',sans-serif;color:#222;background:#f6f6f6}"
    "main{max-width:40rem;margin:0 auto;padding:1rem 1.1rem 3rem;background:#fff}"
    "h1{font-size:1.35rem;line-height:1.4;margin:.4rem 0 .2rem;color:#b00}"
    "h2{font-size:1.1rem;margin:1.2rem 0 .3rem}"
    ".meta{color:#666;font-size:.9rem;margin-bottom:1rem}"
    ".hotline{display:block;margin:1.2rem 0;padding:.8rem;text-align:center;"
    "background:#b00;color:#fff;border-radius:.5rem;text-decoration:none;"
    "font-size:1.15rem}"
    "form{margin:1rem 0;padding:.8rem;border:1px solid #ddd;border-radius:.5rem}"
    "label{display:block;margin-bottom:.4rem;font-weight:600}"
    "input,textarea{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;"
    "border:1px solid #bbb;border-radius:.3rem}"
    "button{margin-top:.5rem;width:100%;padding:.6rem;font:inherit;border:0;"
    "border-radius:.3rem;background:#333;color:#fff}"
    ".reply{white-space:pre-wrap;padding:.8rem;background:#fff8e1;"
    "border-radius:.5rem}";

/* Appends s with HTML's special characters escaped, plain runs at once. */
static void
web_esc(struct buf *b, const char *s)
{
	size_t	 n;

	for (;;) {
		n = strcspn(s, "<>&\"'");
		(void)buf_add(b, s, n);
		s += n;
		switch (*s) {
		case '\0': return;
		case '<': (void)buf_adds(b, "&lt;"); break;
		case '>': (void)buf_adds(b, "&gt;"); break;
		case '&': (void)buf_adds(b, "&amp;"); break;
		case '"': (void)buf_adds(b, "&quot;"); break;
		case '\'': (void)buf_adds(b, "&#39;"); break;
		}
		s++;
	}
}

/* Appends a rendered message, escaped. */
static void
web_msg(struct buf *b, const struct web_env *env, enum msg_key key,
    const struct msg_var *vars)
{
	char	*s = msg_format(LOCALE_ZH, key, vars);

	(void)env;
	web_esc(b, s);
	free(s);
}

/* Opens a page. */
static void
web_head(struct buf *b, const char *title)
{
	(void)buf_adds(b, "<!doctype html><html lang=\"zh-CN\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\""
	    "width=device-width,initial-scale=1\"><title>");
	web_esc(b, title);
	(void)buf_addf(b, "</title><style>%s</style></head><body><main>",
	    page_css);
}

/* Closes a page into the response. */
static void
web_page(struct buf *b, int status, struct http_response *resp)
{
	(void)buf_adds(b, "</main></body></html>");
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	resp->cache = "no-store";
	/* No script at all, the page's own style, images from here only (a
	 * letter's Markdown may name one elsewhere: it is not fetched, so no
	 * reader's address reaches another server). */
	resp->csp = "default-src 'none'; style-src 'unsafe-inline'; "
	    "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
	    "frame-ancestors 'none'";
	resp->len = b->len;
	resp->body = buf_steal(b);
}

/* A short page with one message. */
static void
web_notice(const struct web_env *env, int status, enum msg_key key,
    struct http_response *resp)
{
	struct buf	 b;
	struct msg_var	 vars[] = {
		{ "hotline", env->cfg->hotline }, { NULL, NULL }
	};

	buf_init(&b, WEB_PAGE_MAX);
	web_head(&b, "防非");
	(void)buf_adds(&b, "<p>");
	web_msg(&b, env, key, vars);
	(void)buf_adds(&b, "</p>");
	web_page(&b, status, resp);
}

/* A short page with one message in Chinese, then in English. */
static void
web_notice2(const struct web_env *env, int status, enum msg_key key,
    struct http_response *resp)
{
	struct buf	 b;
	struct msg_var	 vars[] = {
		{ "hotline", env->cfg->hotline }, { NULL, NULL }
	};
	char		*s;

	buf_init(&b, WEB_PAGE_MAX);
	web_head(&b, "防非");
	(void)buf_adds(&b, "<p>");
	web_msg(&b, env, key, vars);
	(void)buf_adds(&b, "</p><p lang=\"en\">");
	s = msg_format(LOCALE_EN, key, vars);
	web_esc(&b, s);
	free(s);
	(void)buf_adds(&b, "</p>");
	web_page(&b, status, resp);
}

/* An empty refusal: the flood limit's quiet answer. */
static void
web_quiet(int status, struct http_response *resp)
{
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	resp->cache = "no-store";
	resp->body = NULL;
	resp->len = 0;
}

/* Classifies a visitor. */
int
web_client_class(const char *method, const char *ua)
{
	const char *const	*p;
	char			 low[512];
	size_t			 i;

	if (strcmp(method, "HEAD") == 0 || ua == NULL || *ua == '\0')
		return SCAN_BOT;
	for (i = 0; ua[i] != '\0' && i < sizeof low - 1; i++)
		low[i] = (ua[i] >= 'A' && ua[i] <= 'Z') ? ua[i] + 32 : ua[i];
	low[i] = '\0';
	for (p = bot_agents; *p != NULL; p++)
		if (strstr(low, *p) != NULL)
			return SCAN_BOT;
	if (strstr(low, "micromessenger") != NULL)
		return SCAN_WECHAT;
	if (strstr(low, "alipayclient") != NULL)
		return SCAN_ALIPAY;
	return SCAN_BROWSER;
}

/* Computes HMAC-SHA256(HMAC-SHA256(store key, label), msg) into mac. */
static void
web_mac(const struct web_env *env, const char *label, const char *msg,
    uint8_t mac[32])
{
	static const uint8_t	 none[32];
	uint8_t			 k[HMAC_SHA256_LEN];

	hmac_sha256(env->key != NULL ? env->key : none, 32, label,
	    strlen(label), k);
	hmac_sha256(k, sizeof k, msg, strlen(msg), mac);
	explicit_bzero(k, sizeof k);
}

/* Writes the first nhex hex digits of bytes into out (nhex + 1 bytes). */
static void
web_hex(const uint8_t *bytes, size_t nhex, char *out)
{
	size_t	 i;

	for (i = 0; i < nhex; i++)
		out[i] = "0123456789abcdef"[(bytes[i / 2] >> (i & 1 ? 0 : 4)) &
		    15];
	out[nhex] = '\0';
}

/* Returns 1 if s is exactly n lower-case hex digits. */
static int
web_is_hex(const char *s, size_t n)
{
	return s != NULL && strlen(s) == n &&
	    strspn(s, "0123456789abcdef") == n;
}

/*
 * The key a visitor's address counts under for flood limits: an IPv4
 * address as it is, an IPv6 address by its /64 (one household's
 * router hands out a whole /64).
 */
static void
web_addr_key(const char *ip, char *out, size_t size)
{
	struct in6_addr	 a;
	char		 hex[17];

	if (ip == NULL || strchr(ip, ':') == NULL ||
	    inet_pton(AF_INET6, ip, &a) != 1) {
		(void)snprintf(out, size, "%s", ip != NULL ? ip : "");
		return;
	}
	web_hex(a.s6_addr, 16, hex);
	(void)snprintf(out, size, "%s::/64", hex);
}

/*
 * Writes the visitor's address. Behind a reverse proxy on the same host
 * (the peer is a loopback address) that is the last X-Forwarded-For
 * entry, the one the proxy itself appended; earlier entries come from
 * the client and are ignored. From any other peer the header is not
 * believed. Without this every visitor would share the proxy's address
 * and one flood limit.
 */
static void
web_client_addr(const struct http_request *req, char *out, size_t size)
{
	const char	*peer = req->client_ip != NULL ? req->client_ip : "";
	const char	*xff, *last;
	unsigned char	 a[16];
	char		 cand[64];
	size_t		 n;

	(void)snprintf(out, size, "%s", peer);
	if (strncmp(peer, "127.", 4) != 0 && strcmp(peer, "::1") != 0 &&
	    strncmp(peer, "::ffff:127.", 11) != 0)
		return;
	if (req->header == NULL ||
	    (xff = req->header(req, "X-Forwarded-For")) == NULL)
		return;
	last = strrchr(xff, ',');
	last = last != NULL ? last + 1 : xff;
	last += strspn(last, " \t");
	n = strcspn(last, " \t");
	if (n == 0 || n >= sizeof cand)
		return;
	memcpy(cand, last, n);
	cand[n] = '\0';
	if (inet_pton(AF_INET, cand, a) == 1 ||
	    inet_pton(AF_INET6, cand, a) == 1)
		(void)snprintf(out, size, "%s", cand);
}

/* Counts one event of kind for the visitor's address; LIMIT_PASS when
 * the server runs no limiter. */
static enum limit_verdict
web_limit(const struct web_env *env, const struct http_request *req,
    const char *kind, int max, int window)
{
	char	 addr[64], key[64];

	if (env->henv == NULL || env->henv->limits == NULL)
		return LIMIT_PASS;
	web_client_addr(req, addr, sizeof addr);
	web_addr_key(addr, key, sizeof key);
	return limiter_hit(env->henv->limits, kind, key, max, window,
	    req->now);
}

/*
 * Issues a tip form's nonce: RANDOM.TIME.MAC, the MAC over the first two
 * under a key derived from the store key. The server keeps nothing: a
 * nonce it did not issue, or one older than WEB_NONCE_TTL, is refused.
 */
static void
web_nonce_make(const struct web_env *env, time_t now, char *out, size_t size)
{
	char	 head[WEB_NONCE_RAND + 32], mac_hex[WEB_NONCE_MAC + 1];
	uint8_t	 mac[32];

	web_random_hex(head, WEB_NONCE_RAND);
	(void)snprintf(head + WEB_NONCE_RAND, sizeof head - WEB_NONCE_RAND,
	    ".%lld", (long long)now);
	web_mac(env, "fangfei form nonce v1", head, mac);
	web_hex(mac, WEB_NONCE_MAC, mac_hex);
	(void)snprintf(out, size, "%s.%s", head, mac_hex);
}

/* Returns 1 if nonce is one web_nonce_make() issued and still good. */
static int
web_nonce_valid(const struct web_env *env, const char *nonce, time_t now)
{
	char		 head[WEB_NONCE_RAND + 32], want[WEB_NONCE_MAC + 1];
	const char	*dot;
	char		*end;
	uint8_t		 mac[32];
	long long	 t;
	size_t		 hl;

	if (nonce == NULL || strlen(nonce) > 64 ||
	    strspn(nonce, "0123456789abcdef") != WEB_NONCE_RAND ||
	    nonce[WEB_NONCE_RAND] != '.' ||
	    (dot = strchr(nonce + WEB_NONCE_RAND + 1, '.')) == NULL ||
	    (size_t)(dot - nonce) >= sizeof head)
		return 0;
	t = strtoll(nonce + WEB_NONCE_RAND + 1, &end, 10);
	if (end != dot || end == nonce + WEB_NONCE_RAND + 1 ||
	    !web_is_hex(dot + 1, WEB_NONCE_MAC) ||
	    t > (long long)now + WEB_NONCE_SKEW ||
	    (long long)now - t > WEB_NONCE_TTL)
		return 0;
	hl = (size_t)(dot - nonce);
	memcpy(head, nonce, hl);
	head[hl] = '\0';
	web_mac(env, "fangfei form nonce v1", head, mac);
	web_hex(mac, WEB_NONCE_MAC, want);
	return CRYPTO_memcmp(want, dot + 1, WEB_NONCE_MAC) == 0;
}

/* The Secure attribute when the public URL is https, else "". */
static const char *
web_secure(const struct web_env *env)
{
	return strncasecmp(env->cfg->public_base_url, "https://", 8) == 0 ?
	    "; Secure" : "";
}

/* Returns 1 if s is a device id we issued (16 lower-case hex digits). */
static int
web_device_valid(const char *s)
{
	return s != NULL && strlen(s) == WEB_DEVICE_LEN &&
	    strspn(s, "0123456789abcdef") == WEB_DEVICE_LEN;
}

/* Makes a random hex id. */
static void
web_random_hex(char *out, size_t nhex)
{
	unsigned char	 r[32];
	size_t		 i;

	if (nhex > 64 || RAND_bytes(r, (int)(nhex + 1) / 2) != 1)
		abort();	/* no randomness: a broken invariant */
	for (i = 0; i < nhex; i++)
		out[i] = "0123456789abcdef"[(r[i / 2] >> ((i & 1) * 4)) & 15];
	out[nhex] = '\0';
}

/*
 * Gives the tip a web visitor just made its receipt, written into
 * digits ("" when there is none: the form was refused, or a resubmission
 * was answered from the dedupe record, so that a receipt is shown once).
 */
static void
web_receipt(struct store *s, const char *sender, time_t now,
    char digits[RECEIPT_DIGITS + 1])
{
	char	 ref[TIP_REF_MAX];

	digits[0] = '\0';
	if (store_begin(s) != STORE_OK)
		goto fail;
	switch (receipts_issue_new(s, "web", sender, now, ref, digits)) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		store_rollback(s);
		return;
	default:
		goto fail;
	}
	if (store_commit(s) == STORE_OK)
		return;
fail:
	/* The tip is stored; only its receipt is missing. */
	log_warn("web: a tip's receipt: %s", store_errmsg(s));
	store_rollback(s);
	OPENSSL_cleanse(digits, RECEIPT_DIGITS);
	digits[0] = '\0';
}

/* Runs a chat command for a web visitor and renders its answer page;
 * with receipt set, a tip it made gets its receipt on that page. */
static void
web_command(struct store *s, const struct web_env *env,
    const struct letter_code *lc, const char *sender, const char *text,
    const char *msgid, int receipt, struct http_response *resp)
{
	char			 digits[RECEIPT_DIGITS + 1] = "";
	char			 grouped[RECEIPT_TEXT_MAX];
	struct msg_var		 rv[] = {
		{ "receipt", grouped }, { NULL, NULL }
	};
	enum dispatch_result	 dr;
	time_t			 now = clock_now();
	struct channel		 ch;
	struct inbound		 in;
	struct reply		 r = { 0 };
	struct buf		 b;
	const char		*name;
	size_t			 i;

	memset(&ch, 0, sizeof ch);
	ch.name = (char *)(uintptr_t)"web";
	ch.area_id = lc->area_id;	/* the poster's building */
	memset(&in, 0, sizeof in);
	(void)inbound_set(in.channel, sizeof in.channel, "web");
	(void)inbound_set(in.chat_id, sizeof in.chat_id, sender);
	(void)inbound_set(in.sender_id, sizeof in.sender_id, sender);
	(void)inbound_set(in.message_id, sizeof in.message_id, msgid);
	in.text = xstrdup(text);
	in.explicit_cmd = 1;
	in.anonymous = 1;	/* a browser: nobody to reach again */
	dr = dispatch_inbound(s, &ch, env->henv, &in, now, &r, &name);
	/* Never in the dispatcher's stored reply: the digits are kept only
	 * as their hash, and shown on this page alone. */
	if (receipt && dr == DISPATCH_REPLIED && strcmp(name, "report") == 0)
		web_receipt(s, sender, now, digits);
	buf_init(&b, WEB_PAGE_MAX);
	web_head(&b, "防非");
	for (i = 0; i < r.ntexts; i++) {
		(void)buf_adds(&b, "<div class=\"reply\">");
		web_esc(&b, r.texts[i]);
		(void)buf_adds(&b, "</div>");
	}
	if (digits[0] != '\0') {
		receipt_format(digits, grouped);
		(void)buf_adds(&b, "<div class=\"reply receipt\">");
		web_msg(&b, env, MSG_RECEIPT_SHOWN, rv);
		(void)buf_adds(&b, "</div>");
		OPENSSL_cleanse(digits, sizeof digits);
		OPENSSL_cleanse(grouped, sizeof grouped);
	}
	(void)buf_addf(&b, "<p><a href=\"/l/%s\">", lc->code);
	web_msg(&b, env, MSG_WEB_BACK, NULL);
	(void)buf_adds(&b, "</a></p>");
	web_page(&b, 200, resp);
	reply_clear(&r);
	inbound_clear(&in);
}

/* Appends the top of letter l's page: head, title, issuer, the body. */
static void
web_letter_top(struct buf *b, const struct web_env *env,
    const struct letter *l)
{
	struct msg_var	 vars[] = {
		{ "issuer", l->issuer }, { "date", l->issued_on }, { NULL, NULL }
	};

	web_head(b, l->title);
	(void)buf_adds(b, "<h1>");
	web_esc(b, l->title);
	(void)buf_adds(b, "</h1><div class=\"meta\">");
	web_msg(b, env, MSG_WEB_ISSUED, vars);
	(void)buf_adds(b, "</div><article id=\"letter\">");
	(void)markdown_html(b, l->body);
	(void)buf_adds(b, "</article>");
}

/*
 * Records the visit of a letter page: queued for the server's batches
 * (bot/scanq.h), or written at once without a queue. The address goes
 * along only to be hashed under its day's salt, never stored.
 */
static void
web_scan(struct store *s, const struct web_env *env,
    const struct http_request *req, const struct letter_code *lc,
    int client, const char *device)
{
	struct scan_visit	 v;
	time_t			 local = req->now + env->cfg->utc_offset;
	struct tm		 tm;

	memset(&v, 0, sizeof v);
	v.code_id = lc->id;
	v.at = req->now;
	v.client = (enum scan_client)client;
	v.forwarded = req->arg && req->arg(req, "from") != NULL;
	(void)snprintf(v.device, sizeof v.device, "%s", device);
	gmtime_r(&local, &tm);
	(void)strftime(v.day, sizeof v.day, "%Y%m%d", &tm);
	web_client_addr(req, v.addr, sizeof v.addr);
	/* A failed record must not cost the reader the letter. */
	if (env->scans != NULL)
		scanq_add(env->scans, s, &v);
	else
		(void)letters_scan_batch(s, &v, 1);
	explicit_bzero(v.addr, sizeof v.addr);
}

/* The page of letter l behind code lc, recording the visit. */
static void
web_letter(struct store *s, const struct web_env *env,
    const struct http_request *req, const struct letter_code *lc,
    const struct letter *l, struct http_response *resp)
{
	struct buf	 b;
	const char	*device = req->cookie ? req->cookie(req, WEB_COOKIE) :
			    NULL;
	char		 fresh[WEB_DEVICE_LEN + 1], nonce[80];
	int		 client;

	client = web_client_class(req->method, req->header(req, "User-Agent"));
	if (!web_device_valid(device)) {
		web_random_hex(fresh, WEB_DEVICE_LEN);
		device = fresh;
		if (client != SCAN_BOT)
			resp->cookie = xasprintf(WEB_COOKIE "=%s; Path=/; "
			    "Max-Age=31536000; HttpOnly; SameSite=Lax%s", fresh,
			    web_secure(env));
	}
	/*
	 * Over the page-view limit the letter is still served, only not
	 * counted: a whole housing estate may share one carrier address,
	 * and a resident must never be refused the warning. What the limit
	 * protects is the scans table and the disk, and a flood gets
	 * neither.
	 */
	if (web_limit(env, req, "web-view", env->cfg->page_views_per_minute,
	    60) == LIMIT_PASS)
		web_scan(s, env, req, lc, client, device);

	buf_init(&b, WEB_PAGE_MAX);
	if (env->pages == NULL || webcache_get(env->pages, l, &b) == -1) {
		web_letter_top(&b, env, l);
		if (env->pages != NULL)
			webcache_put(env->pages, l, b.data, b.len);
	}
	(void)buf_adds(&b, "<a class=\"hotline\" id=\"hotline\" "
	    "href=\"tel:");
	web_esc(&b, env->cfg->hotline);
	(void)buf_adds(&b, "\">");
	web_msg(&b, env, MSG_WEB_HOTLINE, NULL);
	(void)buf_adds(&b, " ");
	web_esc(&b, env->cfg->hotline);
	(void)buf_addf(&b, "</a><form method=\"get\" action=\"/l/%s/check\">"
	    "<label for=\"q\">", lc->code);
	web_msg(&b, env, MSG_WEB_CHECK_LABEL, NULL);
	(void)buf_adds(&b, "</label><input id=\"q\" name=\"q\" maxlength=\"100\" "
	    "required><button>");
	web_msg(&b, env, MSG_WEB_CHECK_BUTTON, NULL);
	web_nonce_make(env, req->now, nonce, sizeof nonce);
	(void)buf_addf(&b, "</button></form><form method=\"post\" "
	    "action=\"/l/%s/report\"><label for=\"t\">", lc->code);
	web_msg(&b, env, MSG_WEB_REPORT_LABEL, NULL);
	(void)buf_addf(&b, "</label><textarea id=\"t\" name=\"text\" rows=\"4\" "
	    "maxlength=\"2000\" required></textarea><input type=\"hidden\" "
	    "name=\"n\" value=\"%s\"><button>", nonce);
	web_msg(&b, env, MSG_WEB_REPORT_BUTTON, NULL);
	(void)buf_addf(&b, "</button></form><form method=\"post\" "
	    "action=\"/l/%s/receipt\"><label for=\"r\">", lc->code);
	web_msg(&b, env, MSG_WEB_RECEIPT_LABEL, NULL);
	(void)buf_adds(&b, "</label><input id=\"r\" name=\"text\" "
	    "inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"40\" "
	    "required><button>");
	web_msg(&b, env, MSG_WEB_RECEIPT_BUTTON, NULL);
	(void)buf_adds(&b, "</button></form><div class=\"meta\">");
	web_esc(&b, lc->label);
	(void)buf_adds(&b, "</div>");
	web_page(&b, 200, resp);
}

/* /qr/CODE.png and /qr/CODE.svg */
static void
web_qr(struct store *s, const struct web_env *env,
    const struct http_request *req, const char *rest, struct http_response *resp)
{
	struct letter_code	 lc;
	struct buf		 b;
	enum qr_level		 level = QR_LEVEL_M;
	const char		*dot = strrchr(rest, '.'), *v;
	char			 code[LETTER_CODE_LEN + 1], *url;
	int			 png, size = 600, rc;

	if (dot == NULL || (size_t)(dot - rest) != LETTER_CODE_LEN ||
	    (strcmp(dot, ".png") != 0 && strcmp(dot, ".svg") != 0)) {
		web_notice(env, 404, MSG_WEB_NO_CODE, resp);
		return;
	}
	png = strcmp(dot, ".png") == 0;
	memcpy(code, rest, LETTER_CODE_LEN);
	code[LETTER_CODE_LEN] = '\0';
	if (letters_code(s, code, &lc) != STORE_OK) {
		web_notice(env, 404, MSG_WEB_NO_CODE, resp);
		return;
	}
	if (req->arg != NULL && (v = req->arg(req, "ec")) != NULL &&
	    qr_level_parse(v, &level) == -1) {
		web_notice(env, 400, MSG_WEB_NO_CODE, resp);
		return;
	}
	if (req->arg != NULL && (v = req->arg(req, "size")) != NULL)
		size = (int)strtol(v, NULL, 10);
	url = xasprintf("%s/l/%s", env->cfg->public_base_url, code);
	buf_init(&b, 4 * 1024 * 1024);
	rc = png ? qr_png(url, level, size, &b) : qr_svg(url, level, &b);
	free(url);
	if (rc == -1) {
		buf_free(&b);
		web_notice(env, 400, MSG_WEB_NO_CODE, resp);
		return;
	}
	resp->status = 200;
	resp->content_type = png ? "image/png" : "image/svg+xml";
	resp->cache = "public, max-age=86400";
	resp->len = b.len;
	resp->body = buf_steal(&b);
}

/* Reads a query argument as a positive number; 0 when absent or not one. */
static long long
web_arg_num(const struct http_request *req, const char *name)
{
	const char	*v = req->arg != NULL ? req->arg(req, name) : NULL;
	char		*end;
	long long	 n;

	if (v == NULL || *v < '0' || *v > '9')
		return 0;
	n = strtoll(v, &end, 10);
	return *end == '\0' && n > 0 ? n : 0;
}

/* Makes a signed print link. */
char *
web_print_link(struct store *s, const char *base, int64_t letter,
    int64_t area, time_t now, int hours, time_t *expires)
{
	char	 sig[LETTER_SIG_LEN + 1];

	if (hours < 1 || hours > WEB_PRINT_HOURS_MAX)
		return NULL;
	*expires = now + (time_t)hours * 3600;
	if (letters_print_sign(s, letter, area, *expires, sig) != STORE_OK)
		return NULL;
	return xasprintf("%s/letters/%lld/print?area=%lld&expires=%lld&sig=%s",
	    base, (long long)letter, (long long)area, (long long)*expires, sig);
}

/*
 * /letters/ID/print?area=A&expires=T&sig=S: one A4 poster per code of
 * letter ID under area A, behind a link signed for that letter and area
 * until T (web_print_link). A token in the query is refused: it would
 * stay in browser history, proxy logs and the printed page's footer.
 */
static void
web_print(struct store *s, const struct web_env *env,
    const struct http_request *req, const char *rest, struct http_response *resp)
{
	struct letter		 l;
	struct letter_code	 codes[200];
	struct buf		 b;
	const char		*sig = req->arg ? req->arg(req, "sig") : NULL;
	char			*end, first[WEB_EXCERPT * 4 + 1];
	long long		 id = strtoll(rest, &end, 10);
	int64_t			 area, after = 0;
	time_t			 expires;
	size_t			 n, i;
	struct msg_var		 vars[] = {
		{ "title", NULL }, { NULL, NULL }
	};

	if (id <= 0 || strcmp(end, "/print") != 0) {
		web_notice(env, 404, MSG_WEB_NO_CODE, resp);
		return;
	}
	if (sig == NULL) {
		web_notice2(env, 401, MSG_WEB_PRINT_TOKEN_GONE, resp);
		return;
	}
	area = (int64_t)web_arg_num(req, "area");
	expires = (time_t)web_arg_num(req, "expires");
	if (area == 0 || !letters_print_valid(s, id, area, expires, sig,
	    req->now)) {
		web_notice2(env, 403, MSG_WEB_PRINT_LINK_BAD, resp);
		return;
	}
	if (letters_get(s, id, &l) != STORE_OK) {
		web_notice(env, 404, MSG_WEB_NO_CODE, resp);
		return;
	}
	markdown_excerpt(l.body, l.title, WEB_EXCERPT, first, sizeof first);
	vars[0].value = l.title;
	buf_init(&b, WEB_PRINT_MAX);
	web_head(&b, l.title);
	/* The signed link must not travel on in a Referer. */
	(void)buf_adds(&b, "<meta name=\"referrer\" content=\"no-referrer\">");
	(void)buf_adds(&b, "<style>@page{size:A4;margin:15mm}main{max-width:none;"
	    "padding:0}section{page-break-after:always;text-align:center;"
	    "padding-top:10mm}section img{width:110mm;height:110mm}"
	    "section p{font-size:14pt;text-align:left}</style>");
	do {
		if (letters_codes(s, id, area, after, codes, 200, &n) !=
		    STORE_OK)
			break;
		for (i = 0; i < n; i++) {
			(void)buf_adds(&b, "<section><h1>");
			web_esc(&b, l.title);
			(void)buf_adds(&b, "</h1><p>");
			web_esc(&b, first);
			(void)buf_adds(&b, "……</p><p>");
			web_msg(&b, env, MSG_WEB_SCAN_HINT, vars);
			(void)buf_addf(&b, "</p><img alt=\"QR\" src=\"/qr/%s.svg?"
			    "ec=Q\"><h2>", codes[i].code);
			web_esc(&b, codes[i].label);
			(void)buf_adds(&b, "</h2><p>");
			web_msg(&b, env, MSG_WEB_HOTLINE, NULL);
			(void)buf_adds(&b, " ");
			web_esc(&b, env->cfg->hotline);
			(void)buf_adds(&b, "</p></section>");
		}
		after = n > 0 ? codes[n - 1].id : after;
	} while (n == 200);
	letter_clear(&l);
	web_page(&b, 200, resp);
}

/* Returns 1 for a public page's path. */
int
web_route(const char *path)
{
	return strncmp(path, "/l/", 3) == 0 || strncmp(path, "/qr/", 4) == 0 ||
	    strncmp(path, "/letters/", 9) == 0 || strncmp(path, "/ics/", 5) == 0;
}

/* Answers a public page. */
void
web_handle(struct store *s, const struct web_env *env,
    const struct http_request *req, const struct web_form *form,
    struct http_response *resp)
{
	struct letter_code	 lc;
	struct letter		 l;
	const char		*path = req->path, *q, *device, *reporter;
	char			 code[LETTER_CODE_LEN + 1], *text;
	char			 msgid[INBOUND_ID_MAX], fresh[WEB_REPORTER_LEN + 1];
	char			 digits[RECEIPT_DIGITS + 1];
	uint8_t			 mac[32];
	enum limit_verdict	 v;
	int			 page, get = strcmp(req->method, "GET") == 0 ||
				    strcmp(req->method, "HEAD") == 0;

	if (strncmp(path, "/qr/", 4) == 0) {
		if (!get)
			goto method;
		web_qr(s, env, req, path + 4, resp);
		return;
	}
	if (strncmp(path, "/letters/", 9) == 0) {
		if (!get)
			goto method;
		web_print(s, env, req, path + 9, resp);
		return;
	}
	if (strncmp(path, "/ics/", 5) == 0) {
		if (!get)
			goto method;
		ics_handle(s, req, path + 5, env->cfg->public_base_url, resp);
		return;
	}
	(void)snprintf(code, sizeof code, "%.*s", LETTER_CODE_LEN, path + 3);
	/* The page itself, the hot path: its code and letter in one
	 * look-up. */
	page = strlen(path + 3) >= LETTER_CODE_LEN &&
	    (path[3 + LETTER_CODE_LEN] == '\0' ||
	    strcmp(path + 3 + LETTER_CODE_LEN, "/") == 0);
	if ((page ? letters_code_letter(s, code, &lc, &l) :
	    letters_code(s, code, &lc)) != STORE_OK) {
		web_notice(env, 404, MSG_WEB_NO_CODE, resp);
		return;
	}
	if (page) {
		if (get)
			web_letter(s, env, req, &lc, &l, resp);
		letter_clear(&l);
		if (!get)
			goto method;
		return;
	}
	path += 3 + LETTER_CODE_LEN;
	device = req->cookie ? req->cookie(req, WEB_COOKIE) : NULL;
	if (!web_device_valid(device))
		device = "anonymous";
	if (strcmp(path, "/check") == 0) {
		if (!get)
			goto method;
		q = req->arg ? req->arg(req, "q") : NULL;
		if (q == NULL || *q == '\0' || strlen(q) > 400 ||
		    !utf8_valid_text(q, strlen(q))) {
			web_notice(env, 400, MSG_CHECK_TOO_SHORT, resp);
			return;
		}
		if ((v = web_limit(env, req, "web-check",
		    env->cfg->checks_per_minute, 60)) != LIMIT_PASS) {
			if (v == LIMIT_WARN)
				web_notice2(env, 429, MSG_WEB_SLOW_DOWN, resp);
			else
				web_quiet(429, resp);
			return;
		}
		text = xasprintf("/check %s", q);
		web_command(s, env, &lc, device, text, "web-check", 0, resp);
		free(text);
	} else if (strcmp(path, "/report") == 0) {
		if (strcmp(req->method, "POST") != 0)
			goto method;
		if (form == NULL || form->text == NULL ||
		    !utf8_valid_text(form->text, strlen(form->text))) {
			web_notice(env, 400, MSG_REPORT_EMPTY, resp);
			return;
		}
		if (!web_nonce_valid(env, form->nonce, req->now)) {
			web_notice2(env, 400, MSG_WEB_FORM_EXPIRED, resp);
			return;
		}
		if ((v = web_limit(env, req, "web-tip", env->cfg->tips_per_hour,
		    3600)) != LIMIT_PASS) {
			if (v == LIMIT_WARN)
				web_notice2(env, 429, MSG_WEB_SLOW_DOWN, resp);
			else
				web_quiet(429, resp);
			return;
		}
		/*
		 * The tipster is a reporter cookie of its own, never the
		 * device id that scan rows carry, so a tip cannot be joined
		 * to the visits. Without one (a first tip, or cookies off)
		 * it is derived from the form's nonce: a resubmitted form
		 * is the same sender with the same message id, one tip.
		 * The same browser keeps its id from tip to tip, so its
		 * tips stay its own (进度) without naming the device.
		 */
		reporter = req->cookie ? req->cookie(req, WEB_REPORTER) : NULL;
		if (!web_is_hex(reporter, WEB_REPORTER_LEN)) {
			web_mac(env, "fangfei web reporter v1", form->nonce,
			    mac);
			web_hex(mac, WEB_REPORTER_LEN, fresh);
			reporter = fresh;
		}
		(void)snprintf(msgid, sizeof msgid, "web-%s", form->nonce);
		text = xasprintf("/report %s", form->text);
		web_command(s, env, &lc, reporter, text, msgid, 1, resp);
		free(text);
		if (reporter == fresh && resp->cookie == NULL)
			resp->cookie = xasprintf(WEB_REPORTER "=%s; Path=/l/; "
			    "Max-Age=31536000; HttpOnly; SameSite=Strict%s",
			    fresh, web_secure(env));
	} else if (strcmp(path, "/receipt") == 0) {
		/*
		 * A POST, so that the digits stay out of the address bar, the
		 * browser's history and any proxy's access log. Limited per
		 * address here and per browser by the command itself; a wrong
		 * receipt is answered like an unknown one.
		 */
		if (strcmp(req->method, "POST") != 0)
			goto method;
		if (form == NULL || form->text == NULL ||
		    strlen(form->text) > 80 ||
		    receipt_parse(form->text, digits) == -1) {
			web_notice(env, 400, MSG_RECEIPT_UNKNOWN, resp);
			return;
		}
		if ((v = web_limit(env, req, "web-receipt", WEB_RECEIPT_TRIES,
		    3600)) != LIMIT_PASS) {
			if (v == LIMIT_WARN)
				web_notice2(env, 429, MSG_WEB_SLOW_DOWN, resp);
			else
				web_quiet(429, resp);
			return;
		}
		text = xasprintf("/status %s", digits);
		web_command(s, env, &lc, device, text, "web-receipt", 0, resp);
		OPENSSL_cleanse(text, strlen(text));
		OPENSSL_cleanse(digits, sizeof digits);
		free(text);
	} else
		web_notice(env, 404, MSG_WEB_NO_CODE, resp);
	return;
method:
	resp->status = 405;
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = xstrdup("405: method not allowed\n");
	resp->len = strlen(resp->body);
}

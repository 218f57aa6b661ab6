/*
 * Kannel (the open-source SMS gateway, Debian's kannel), channel type
 * kannel. A resident's SMS (MO) comes from an sms-service's get-url (GET,
 * the text in the query as %b with its charset %C) or post-url (POST, the
 * text as the body), with a shared token in the URL; the answer is the
 * HTTP response, which Kannel sends back as an SMS: plain text, cut to
 * max_parts parts, in UCS-2 (X-Kannel-Coding: 2) when it is not GSM-7.
 * Outbound messages (MT) go through smsbox's cgi-bin/sendsms.
 *
 * The configuration this expects is in README.md ("SMS through Kannel"):
 * mo-recode = true makes Kannel hand over UTF-8, but UTF-16BE text (a
 * gateway not set to recode) is read too.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "channel.h"
#include "log.h"
#include "messages/buf.h"
#include "messages/sms.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define KN_TEXT_MAX	2048	/* bytes of one MO's text (concatenated) */
#define KN_THROUGHPUT	10	/* default SMS per second */
#define KN_THROUGHPUT_MAX 1000
/* Kannel's DLR types (%d): delivered to the phone, not delivered to it,
 * not delivered to the operator (SMSC reject); the mask asks for these
 * final ones only, not "queued" (4) or "delivered to the operator" (8). */
#define KN_DLR_DELIVERED	1
#define KN_DLR_FAILED		2
#define KN_DLR_REJECTED		16
#define KN_DLR_MASK	(KN_DLR_DELIVERED | KN_DLR_FAILED | KN_DLR_REJECTED)

struct kannel_state {
	const char	*token;
	const char	*sendsms_url;
	const char	*username;
	const char	*password;
	const char	*from;
	const char	*smsc;
	const char	*dlr_base;
	int		 max_parts;
};

static const struct channel_key kannel_keys[] = {
	{ "token", CHANNEL_KEY_PUBLIC | CHANNEL_KEY_SECRET,
	    "get-url / post-url 中的 token 参数 / the token=… argument of the "
	    "sms-service's get-url or post-url" },
	{ "allow_unsigned", 0,
	    "on：没有签名密钥也接受请求（仅演示与测试，且只监听本机时）/ on: "
	    "accept requests without the signing key (demos and tests, "
	    "loopback-only servers)" },
	{ "sendsms_url", 0,
	    "smsbox 的 sendsms 地址（发送短信用）/ smsbox's sendsms URL, "
	    "e.g. http://127.0.0.1:13013/cgi-bin/sendsms (needed to send)" },
	{ "username", 0, "sendsms-user 的 username / the sendsms user" },
	{ "password", CHANNEL_KEY_SECRET,
	    "sendsms-user 的 password / its password" },
	{ "from", 0, "发送号码（短号）/ the sender number (short code)" },
	{ "smsc", 0, "指定 smsc-id（可选）/ the smsc-id to send through" },
	{ "dlr_base", 0,
	    "smsbox 回报送达状态的地址（fangfei 的地址）/ where smsbox reaches "
	    "fangfei with delivery reports, e.g. http://127.0.0.1:8080 (unset: "
	    "no reports, an SMS stays \"sent\")" },
	{ "throughput", 0,
	    "每秒最多发送几条（网关的限速）/ SMS per second sent through "
	    "sendsms (default 10)" },
	{ "max_parts", 0,
	    "一条回复最多几段短信（默认 3）/ SMS parts one answer may take "
	    "(default 3, at most 10)" },
	{ NULL, 0, NULL }
};

static int
kannel_setup(struct channel *ch, char **cause)
{
	struct kannel_state	*st;
	int			 parts;

	if ((parts = channel_int(ch, "max_parts", CHANNEL_SMS_PARTS, 1,
	    CHANNEL_SMS_PARTS_MAX, cause)) == -1)
		return -1;
	st = xcalloc(1, sizeof *st);
	st->max_parts = parts;
	st->token = channel_get(ch, "token");
	st->sendsms_url = channel_get(ch, "sendsms_url");
	st->username = channel_get(ch, "username");
	st->password = channel_get(ch, "password");
	st->from = channel_get(ch, "from");
	st->smsc = channel_get(ch, "smsc");
	st->dlr_base = channel_get(ch, "dlr_base");
	if ((ch->per_second = channel_int(ch, "throughput", KN_THROUGHPUT, 1,
	    KN_THROUGHPUT_MAX, cause)) == -1) {
		free(st);
		return -1;
	}
	if (st->dlr_base != NULL && strncmp(st->dlr_base, "http://", 7) != 0 &&
	    strncmp(st->dlr_base, "https://", 8) != 0) {
		*cause = xasprintf("channel %s: dlr_base must be an http:// or "
		    "https:// address", ch->name);
		free(st);
		return -1;
	}
	if (st->sendsms_url != NULL && (st->username == NULL ||
	    st->password == NULL || st->from == NULL)) {
		*cause = xasprintf("channel %s: sendsms_url needs username, "
		    "password and from", ch->name);
		free(st);
		return -1;
	}
	ch->state = st;
	return 0;
}

static void
kannel_cleanup(struct channel *ch)
{
	free(ch->state);
	ch->state = NULL;
}

static int
kannel_sends(const struct channel *ch)
{
	const struct kannel_state	*st = ch->state;

	return st != NULL && st->sendsms_url != NULL;
}

/* The token argument, compared in constant time. A channel without a
 * token takes requests on a loopback-only server (setup warned). */
static int
kannel_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct kannel_state	*st = ch->state;
	const char			*got;

	if (st == NULL) {
		*why = "channel not set up";
		return 401;
	}
	if (req->body_len > KN_TEXT_MAX * 2) {
		*why = "body too large";
		return 413;
	}
	/* A delivery report carries a token signed for its outbox row
	 * instead (kannel_report(); checked by the server). */
	if (st->token == NULL || (req->arg != NULL &&
	    req->arg(req, "report") != NULL))
		return 0;
	got = req->arg != NULL ? req->arg(req, "token") : NULL;
	if (got == NULL || strlen(got) != strlen(st->token) ||
	    CRYPTO_memcmp(got, st->token, strlen(got)) != 0) {
		*why = "bad or missing token";
		return 401;
	}
	return 0;
}

/* The charset named by a Content-Type header ("text/plain;
 * charset=UTF-16BE"), copied into out; "" when it names none. */
static void
kannel_ct_charset(const char *ct, char *out, size_t size)
{
	const char	*p;
	size_t		 n;

	out[0] = '\0';
	if (ct == NULL)
		return;
	for (p = ct; *p != '\0' && strncasecmp(p, "charset=", 8) != 0; p++)
		continue;
	if (*p == '\0')
		return;
	p += 8;
	if (*p == '"')
		p++;
	n = strcspn(p, "\"; ");
	if (n < size) {
		memcpy(out, p, n);
		out[n] = '\0';
	}
}

/*
 * Turns len bytes of text in charset (UTF-8 when empty) into a new
 * UTF-8 string, with iconv for anything else (UTF-16BE from a gateway
 * that does not recode). NULL when it cannot be read.
 */
static char *
kannel_utf8(const char *text, size_t len, const char *charset)
{
	iconv_t	 cd;
	char	*out, *in = (char *)(uintptr_t)text, *o;
	size_t	 left = len, room = len * 2 + 4;

	if (charset[0] == '\0' || strcasecmp(charset, "UTF-8") == 0 ||
	    strcasecmp(charset, "utf8") == 0) {
		if (memchr(text, '\0', len) != NULL || !utf8_valid(text, len))
			return NULL;
		return xstrndup(text, len);
	}
	if ((cd = iconv_open("UTF-8", charset)) == (iconv_t)-1)
		return NULL;
	/* UTF-16 to UTF-8 takes at most 3 bytes for 2: room to spare for
	 * the NUL. */
	out = xmalloc(room);
	o = out;
	if (iconv(cd, &in, &left, &o, &room) == (size_t)-1 || room == 0) {
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*o = '\0';
	if (memchr(out, '\0', (size_t)(o - out)) != NULL ||
	    !utf8_valid(out, (size_t)(o - out))) {
		free(out);
		return NULL;
	}
	return out;
}

/* A message id when Kannel gave none (%I not in the URL): a hash of the
 * sender, the time and the text. */
static void
kannel_made_id(const char *from, const char *t, const char *text,
    char *out, size_t size)
{
	unsigned char	 md[32];
	unsigned int	 n = 0, i;
	EVP_MD_CTX	*x = EVP_MD_CTX_new();

	if (x == NULL || EVP_DigestInit_ex(x, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(x, from, strlen(from) + 1) != 1 ||
	    EVP_DigestUpdate(x, t, strlen(t) + 1) != 1 ||
	    EVP_DigestUpdate(x, text, strlen(text)) != 1 ||
	    EVP_DigestFinal_ex(x, md, &n) != 1)
		memset(md, 0, sizeof md);
	EVP_MD_CTX_free(x);
	for (i = 0; i < 16 && i * 2 + 2 < size; i++)
		(void)snprintf(out + i * 2, 3, "%02x", md[i]);
}

/*
 * One MO: from the query (get-url: p, b, C, I, T) or the POST body
 * (post-url: the text, its charset in Content-Type, the sender in the
 * query or X-Kannel-From).
 */
static int
kannel_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	const char	*from, *id, *t, *raw;
	char		 charset[32], e164[PHONE_E164_MAX], made[40];
	char		*text;
	size_t		 rawlen = 0;
	const char	*pwhy = "";

	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	from = req->arg != NULL ? req->arg(req, "p") : NULL;
	if (from == NULL && req->header != NULL)
		from = req->header(req, "X-Kannel-From");
	if (from == NULL || *from == '\0') {
		*why = "no sender (p=%p in the URL, or send-sender = true)";
		return 400;
	}
	if (strcmp(req->method, "GET") == 0) {
		raw = req->arg_n != NULL ? req->arg_n(req, "b", &rawlen) : NULL;
		if (raw == NULL && req->arg != NULL &&
		    (raw = req->arg(req, "b")) != NULL)
			rawlen = strlen(raw);
		t = req->arg(req, "C");
		(void)snprintf(charset, sizeof charset, "%s", t ? t : "");
	} else {
		raw = req->body;
		rawlen = req->body_len;
		kannel_ct_charset(req->header(req, "Content-Type"), charset,
		    sizeof charset);
		if (charset[0] == '\0' && req->arg != NULL &&
		    (t = req->arg(req, "C")) != NULL)
			(void)snprintf(charset, sizeof charset, "%s", t);
	}
	if (raw == NULL) {
		*why = "no text (b=%b in the get-url)";
		return 400;
	}
	if (rawlen > KN_TEXT_MAX * 2) {
		*why = "text too long";
		return 413;
	}
	if ((text = kannel_utf8(raw, rawlen, charset)) == NULL) {
		*why = "text not readable in its charset";
		return 400;
	}
	in->chat_kind = CHAT_PRIVATE;
	in->explicit_cmd = 1;
	if (phone_normalise(from, e164, &pwhy) != 0) {
		/* Not a mainland mobile: no answer (it would cost an SMS
		 * to a number we cannot serve). No number in the log. */
		log_warn("%s: an SMS from a number that is not a mainland "
		    "mobile: ignored (%s)", ch->name, pwhy);
		in->ignore = 1;
		free(text);
		return 0;
	}
	(void)inbound_set(in->chat_id, sizeof in->chat_id, e164);
	(void)inbound_set(in->sender_id, sizeof in->sender_id, e164);
	id = req->arg != NULL ? req->arg(req, "I") : NULL;
	if (id == NULL || *id == '\0') {
		t = req->arg != NULL ? req->arg(req, "T") : NULL;
		kannel_made_id(e164, t ? t : "", text, made, sizeof made);
		id = made;
	}
	if (inbound_set(in->message_id, sizeof in->message_id, id) == -1) {
		free(text);
		*why = "message id too long";
		return 400;
	}
	text_trim(text);
	if (*text == '\0') {
		in->ignore = 1;
		free(text);
		return 0;
	}
	in->text = text;
	return 0;
}

/* The HTTP answer Kannel sends back as an SMS; nothing: an empty 200
 * (with omit-empty = true, no SMS). */
static void
kannel_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	const struct kannel_state	*st = ch->state;
	char				*all;

	(void)in;
	resp->status = 200;
	resp->content_type = "text/plain; charset=UTF-8";
	if (st == NULL || r->ntexts == 0)
		return;
	all = channel_reply_text(r);
	resp->body = sms_text(all, st->max_parts);
	resp->len = strlen(resp->body);
	free(all);
	/* Chinese needs UCS-2; GSM-7 text goes as it is (160 a part). */
	if (sms_coding(resp->body) == SMS_UCS2) {
		resp->header_name = "X-Kannel-Coding";
		resp->header_value = "2";
	}
}

/* Appends &name=<value url-encoded> to b. */
static void
kannel_arg(struct buf *b, const char *name, const char *value)
{
	char	*e = curl_easy_escape(NULL, value, 0);

	(void)buf_addf(b, "%s%s=%s", b->len > 0 ? "&" : "", name,
	    e != NULL ? e : "");
	curl_free(e);
}

/* One MT through cgi-bin/sendsms (GET, UTF-8 text as UCS-2). */
static int
kannel_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	const struct kannel_state	*st = ch->state;
	struct buf			 q;
	char				*text, *dlr;
	size_t				 n;

	if (st == NULL || st->sendsms_url == NULL) {
		*why = "no sendsms_url configured";
		return -1;
	}
	if (m->chat_id == NULL || *m->chat_id == '\0') {
		*why = "no number to send to";
		return -1;
	}
	text = sms_text(m->text != NULL ? m->text : "", st->max_parts);
	buf_init(&q, 16384);
	kannel_arg(&q, "username", st->username);
	kannel_arg(&q, "password", st->password);
	kannel_arg(&q, "from", st->from);
	kannel_arg(&q, "to", m->chat_id);
	kannel_arg(&q, "text", text);
	kannel_arg(&q, "charset", "UTF-8");
	kannel_arg(&q, "coding", sms_coding(text) == SMS_UCS2 ? "2" : "0");
	if (st->smsc != NULL)
		kannel_arg(&q, "smsc", st->smsc);
	if (st->dlr_base != NULL && m->report_token != NULL) {
		/* smsbox fills in %d (the report's type) and %A (the
		 * operator's answer); the token is URL-safe as it is. */
		n = strlen(st->dlr_base);
		if (st->dlr_base[n - 1] == '/')
			n--;
		dlr = xasprintf("%.*s/hook/%s?report=%s&type=%%d&answer=%%A",
		    (int)n, st->dlr_base, ch->name, m->report_token);
		(void)buf_addf(&q, "&dlr-mask=%d", KN_DLR_MASK);
		kannel_arg(&q, "dlr-url", dlr);
		free(dlr);
	}
	free(text);
	call->method = "GET";
	call->url = xasprintf("%s%s%s", st->sendsms_url,
	    strchr(st->sendsms_url, '?') != NULL ? "&" : "?",
	    q.data != NULL ? q.data : "");
	buf_free(&q);
	return 0;
}

/* sendsms answers 202 "0: Accepted for delivery" or "3: Queued for later
 * delivery"; 403 is the credentials, 400 the message, 503 the gateway. */
static enum send_status
kannel_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	size_t	 n;

	(void)ch;
	*retry_after = 0;
	n = utf8_fit(body, len, 120);
	if (status == 202 || status == 200)
		return SEND_OK;
	(void)snprintf(err, errsz, "kannel: http %ld: %.*s", status, (int)n,
	    body);
	sms_mask_numbers(err);	/* the gateway may quote the number */
	if (status == 403 || status == 400 || status == 404)
		return SEND_FAILED;
	return SEND_RETRY;
}

/* A delivery report: GET /hook/NAME?report=TOKEN&type=%d&answer=%A. */
static int
kannel_report(const struct channel *ch, const struct http_request *req,
    struct delivery_report *rep, const char **why)
{
	const char	*type, *answer;
	char		*end;
	long		 t;
	size_t		 n;

	(void)ch;
	memset(rep, 0, sizeof *rep);
	if (req->arg == NULL || (rep->token = req->arg(req, "report")) == NULL)
		return 0;
	type = req->arg(req, "type");
	t = type != NULL ? strtol(type, &end, 10) : -1;
	if (type == NULL || *type == '\0' || *end != '\0' || t < 0) {
		*why = "a delivery report without its type (%d)";
		return 400;
	}
	if (t & KN_DLR_DELIVERED)
		rep->state = "delivered";
	else if (t & (KN_DLR_FAILED | KN_DLR_REJECTED)) {
		rep->state = "failed";
		answer = req->arg(req, "answer");
		if (answer == NULL)
			answer = "";
		/* The operator's answer as it came: kept only when readable. */
		if (!utf8_valid_text(answer, strlen(answer)))
			answer = "(unreadable)";
		n = utf8_fit(answer, strlen(answer), 80);
		(void)snprintf(rep->error, sizeof rep->error, "kannel: %s: "
		    "%.*s", t & KN_DLR_FAILED ? "not delivered" :
		    "refused by the operator", (int)n, answer);
		sms_mask_numbers(rep->error);
	}
	return 1;
}

const struct channel_backend channel_kannel_backend = {
	.type = "kannel",
	.help = "Kannel 短信网关（MO 经 sms-service get-url/post-url，MT 经 "
	    "sendsms）Kannel SMS gateway",
	.keys = kannel_keys,
	.setup = kannel_setup,
	.cleanup = kannel_cleanup,
	.sends = kannel_sends,
	.verify = kannel_verify,
	.parse = kannel_parse,
	.reply = kannel_reply,
	.send_prepare = kannel_send_prepare,
	.send_result = kannel_send_result,
	.report = kannel_report,
	.sms = 1,
	.get_messages = 1,
	.dedupe = 0,		/* %I is a UUID; no number in the record */
	.max_text = 1000000,
	.global_second = 10,
};

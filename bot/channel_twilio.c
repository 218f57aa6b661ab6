/*
 * Twilio Programmable Messaging: SMS in through the incoming message
 * webhook, out through the Messages REST API (shared PROTOCOLS.md
 * section 6).
 *
 * verify: X-Twilio-Signature is base64(HMAC-SHA1(auth_token, public_url
 * followed by every POST parameter's name and decoded value, sorted by
 * name)). Twilio signs the URL it called, which behind a proxy is not the
 * one we see: public_url is configured, and like Twilio's own helpers we
 * accept it with and without the scheme's default port. parse: the form's
 * MessageSid, From and Body; an SMS is a private chat addressed to us.
 * reply: TwiML, one <Message> per reply text. Dedupe key: MessageSid,
 * unique across the account.
 *
 * Outbound (the delivery thread): send_prepare POSTs To/From/Body to
 * <api_base>/2010-04-01/Accounts/<account_sid>/Messages.json with Basic
 * auth; send_result reads {"code":…,"message":…} of a refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channel.h"
#include "platb64.h"
#include "messages/buf.h"
#include "messages/sms.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define TW_SIG_HEADER	"X-Twilio-Signature"
#define TW_API_BASE	"https://api.twilio.com"
/* An inbound form is a few hundred bytes; an MMS with ten media URLs a
 * few kilobytes. */
#define TW_BODY_MAX	65536
#define TW_PARAMS_MAX	256
#define TW_SIG_LEN	PLATB64_ENCODED_LEN(20)	/* of an HMAC-SHA1 */
/* Body takes 1600 characters; Twilio counts UCS-2 units, so a character
 * beyond U+FFFF counts two. */
#define TW_TEXT_UNITS	1600
#define TW_TWIML_MAX	(REPLY_TEXTS_MAX * REPLY_TEXT_MAX * 6 + 4096)
#define TW_SEND_MAX	(TW_TEXT_UNITS * 4 * 3 + 4096)
#define TW_TWIML_HEAD	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

/* The instance's settings, made by twilio_setup(). */
struct twilio_state {
	const char	*account_sid;
	const char	*auth_token;
	const char	*from;		/* E.164 */
	const char	*public_url;	/* NULL: cannot verify (loopback) */
	char		*alt_url;	/* public_url with or without the
					   default port; NULL: none */
	const char	*api_base;
	const char	*status_url;	/* StatusCallback base: status_url,
					   else public_url; NULL: none */
	char		*status_alt;	/* with or without the default port */
	int		 status_set;	/* status_url was configured */
	int		 max_parts;	/* of one answer */
};

/* One decoded form parameter; name and value are NUL-terminated too. */
struct twilio_param {
	const char	*name;
	size_t		 nlen;
	const char	*value;
	size_t		 vlen;
};

/* A decoded form body: the parameters point into buf. */
struct twilio_form {
	char			*buf;
	struct twilio_param	 p[TW_PARAMS_MAX];
	size_t			 n;
};

static const struct channel_key twilio_keys[] = {
	{ "account_sid", CHANNEL_KEY_REQUIRED,
	    "账户 SID（AC 开头）/ the Account SID (AC…)" },
	{ "auth_token", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "账户 Auth Token（签名与发送）/ the Auth Token (signatures, "
	    "sending)" },
	{ "from", CHANNEL_KEY_REQUIRED,
	    "发信号码，E.164 格式（+1415…）/ the sending number, E.164 "
	    "(+1415…)" },
	{ "public_url", CHANNEL_KEY_PUBLIC,
	    "Twilio 调用的完整 https 地址（签名按它计算）/ the exact https "
	    "URL Twilio calls (the signature covers it)" },
	{ "api_base", 0,
	    "REST 接口地址 / REST API base URL (default "
	    "https://api.twilio.com)" },
	{ "status_url", 0,
	    "送达状态回调地址（默认 public_url）/ the StatusCallback URL "
	    "Twilio reports each SMS's status to (default: public_url)" },
	{ "throughput", 0,
	    "每秒最多发送几条（默认 1，长号码的速率）/ SMS per second "
	    "(default 1, a long code's rate)" },
	{ "max_parts", 0,
	    "一条回复最多几段短信（默认 3）/ SMS parts one answer may take "
	    "(default 3, at most 10)" },
	{ NULL, 0, NULL }
};

/*
 * Returns url with the scheme's default port added when it has none, or
 * removed when it has that one (caller frees); NULL when url names another
 * port or a scheme other than http and https.
 */
static char *
twilio_alt_url(const char *url)
{
	const char	*host, *end, *colon, *bracket, *port, *p;
	size_t		 plen;

	if (strncmp(url, "https://", 8) == 0) {
		host = url + 8;
		port = ":443";
	} else if (strncmp(url, "http://", 7) == 0) {
		host = url + 7;
		port = ":80";
	} else
		return NULL;
	plen = strlen(port);
	end = host + strcspn(host, "/?#");
	/* The last colon of the authority is a port's unless it lies inside
	 * an IPv6 literal ("[::1]"). */
	colon = NULL;
	bracket = NULL;
	for (p = host; p < end; p++) {
		if (*p == ':')
			colon = p;
		else if (*p == ']')
			bracket = p;
	}
	if (colon != NULL && bracket != NULL && colon < bracket)
		colon = NULL;
	if (colon == NULL)
		return xasprintf("%.*s%s%s", (int)(end - url), url, port, end);
	if ((size_t)(end - colon) == plen && memcmp(colon, port, plen) == 0)
		return xasprintf("%.*s%s", (int)(colon - url), url, end);
	return NULL;
}

/* Whether s is an E.164 number: "+" and 1 to 15 digits. */
static int
twilio_e164(const char *s)
{
	size_t	 n;

	if (*s++ != '+')
		return 0;
	n = strspn(s, "0123456789");
	return n >= 1 && n <= 15 && s[n] == '\0';
}

/* Whether s is a SID: letters and digits only, as it goes into the URL. */
static int
twilio_sid(const char *s)
{
	const char	*al = "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t		 n = strlen(s);

	return n > 0 && n <= 64 && strspn(s, al) == n;
}

/* Reads and checks the settings into the instance's state. */
static int
twilio_setup(struct channel *ch, char **cause)
{
	struct twilio_state	*st;
	const char		*sid = channel_get(ch, "account_sid");
	const char		*from = channel_get(ch, "from");
	const char		*url = channel_get(ch, "public_url");
	int			 parts;

	if (sid == NULL || !twilio_sid(sid)) {
		*cause = xasprintf("channel %s: account_sid must be letters "
		    "and digits (AC…)", ch->name);
		return -1;
	}
	if (from == NULL || !twilio_e164(from)) {
		*cause = xasprintf("channel %s: from must be an E.164 number "
		    "(+ and up to 15 digits)", ch->name);
		return -1;
	}
	if (url != NULL && strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0) {
		*cause = xasprintf("channel %s: public_url must be an http(s) "
		    "URL", ch->name);
		return -1;
	}
	if ((parts = channel_int(ch, "max_parts", CHANNEL_SMS_PARTS, 1,
	    CHANNEL_SMS_PARTS_MAX, cause)) == -1)
		return -1;
	st = xcalloc(1, sizeof *st);
	st->max_parts = parts;
	st->account_sid = sid;
	st->auth_token = channel_get(ch, "auth_token");
	st->from = from;
	st->public_url = url;
	st->alt_url = url != NULL ? twilio_alt_url(url) : NULL;
	st->api_base = channel_get(ch, "api_base");
	if (st->api_base == NULL)
		st->api_base = TW_API_BASE;
	st->status_url = channel_get(ch, "status_url");
	st->status_set = st->status_url != NULL;
	if (st->status_url == NULL)
		st->status_url = url;
	st->status_alt = st->status_url != NULL ?
	    twilio_alt_url(st->status_url) : NULL;
	if ((ch->per_second = channel_int(ch, "throughput", 1, 1, 1000,
	    cause)) == -1) {
		free(st->alt_url);
		free(st->status_alt);
		free(st);
		return -1;
	}
	ch->state = st;
	return 0;
}

/* Frees the state. */
static void
twilio_cleanup(struct channel *ch)
{
	struct twilio_state	*st = ch->state;

	if (st != NULL) {
		free(st->alt_url);
		free(st->status_alt);
	}
	free(st);
}

/* Whether messages can be sent: the required keys are all there. */
static int
twilio_sends(const struct channel *ch)
{
	const struct twilio_state	*st = ch->state;

	return st != NULL && st->auth_token != NULL;
}

/* The value of one hex digit, or -1. */
static int
twilio_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes n bytes of form-encoded s ("+" is a space, %XX a byte) to out,
 * NUL-terminated. Returns the decoded length, or -1 for a "%" without two
 * hex digits.
 */
static long
twilio_unescape(const char *s, size_t n, char *out)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] != '%')
			out[o++] = s[i];
		else {
			if (n - i < 3 || (hi = twilio_hex(s[i + 1])) < 0 ||
			    (lo = twilio_hex(s[i + 2])) < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	out[o] = '\0';
	return (long)o;
}

/*
 * Decodes the len-byte form body into f (twilio_form_free() releases it).
 * Empty fields ("a=1&&b=2") are skipped, a field without "=" has an empty
 * value. Returns 0, or -1 for a broken escape or too many fields.
 */
static int
twilio_form_read(const char *body, size_t len, struct twilio_form *f)
{
	const char	*p = body, *end = body + len, *amp, *eq;
	char		*o;
	long		 k;

	memset(f, 0, sizeof *f);
	/* Decoding never grows a field; each takes two NULs at most. */
	o = f->buf = xmalloc(len + 2 * (len / 2 + 1) + 1);
	for (; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;
		if (f->n == TW_PARAMS_MAX)
			return -1;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if ((k = twilio_unescape(p, (size_t)(eq - p), o)) < 0)
			return -1;
		f->p[f->n].name = o;
		f->p[f->n].nlen = (size_t)k;
		o += k + 1;
		if (eq == amp)
			k = twilio_unescape(eq, 0, o);
		else if ((k = twilio_unescape(eq + 1, (size_t)(amp - eq - 1),
		    o)) < 0)
			return -1;
		f->p[f->n].value = o;
		f->p[f->n].vlen = (size_t)k;
		o += k + 1;
		f->n++;
	}
	return 0;
}

/* Frees what twilio_form_read() made. */
static void
twilio_form_free(struct twilio_form *f)
{
	free(f->buf);
	f->buf = NULL;
}

/* Compares two byte strings as Twilio sorts them: bytewise, a prefix
 * first. */
static int
twilio_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int	 c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

/* qsort's order of parameters: by name, then (repeated names) value. */
static int
twilio_param_cmp(const void *va, const void *vb)
{
	const struct twilio_param	*a = va, *b = vb;
	int				 c;

	c = twilio_bytes_cmp(a->name, a->nlen, b->name, b->nlen);
	if (c != 0)
		return c;
	return twilio_bytes_cmp(a->value, a->vlen, b->value, b->vlen);
}

/*
 * Writes base64(HMAC-SHA1(token, url + the sorted names and values of f))
 * into out. Returns 0, or -1 if HMAC fails.
 */
static int
twilio_sign(const char *token, const char *url, const struct twilio_form *f,
    char out[TW_SIG_LEN + 1])
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	size_t		 i, n, ul = strlen(url);
	char		*data, *p, *b64;
	int		 ok;

	n = ul;
	for (i = 0; i < f->n; i++)
		n += f->p[i].nlen + f->p[i].vlen;
	/* One buffer for the one-shot HMAC(): OpenSSL 3 deprecates the
	 * incremental HMAC_CTX calls. */
	p = data = xmalloc(n + 1);
	memcpy(p, url, ul);
	p += ul;
	for (i = 0; i < f->n; i++) {
		memcpy(p, f->p[i].name, f->p[i].nlen);
		p += f->p[i].nlen;
		memcpy(p, f->p[i].value, f->p[i].vlen);
		p += f->p[i].vlen;
	}
	ok = HMAC(EVP_sha1(), token, (int)strlen(token),
	    (const unsigned char *)data, n, mac, &maclen) != NULL &&
	    maclen == 20;
	free(data);
	if (!ok)
		return -1;
	b64 = platb64_encode(mac, maclen);
	(void)snprintf(out, TW_SIG_LEN + 1, "%s", b64);
	free(b64);
	return 0;
}

/* Whether got equals the signature over url, compared in constant time. */
static int
twilio_sig_matches(const char *token, const char *url,
    const struct twilio_form *f, const char *got)
{
	char	 want[TW_SIG_LEN + 1];

	if (url == NULL || twilio_sign(token, url, f, want) != 0)
		return 0;
	return CRYPTO_memcmp(want, got, TW_SIG_LEN) == 0;
}

/* The StatusCallback URL of one message: base with report=TOKEN added to
 * its query (the token is URL-safe). Caller frees. */
static char *
twilio_report_url(const char *base, const char *token)
{
	return xasprintf("%s%creport=%s", base, strchr(base, '?') != NULL ?
	    '&' : '?', token);
}

/* Checks X-Twilio-Signature over public_url and the decoded form. */
static int
twilio_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct twilio_state	*st = ch->state;
	const char			*got = req->header(req, TW_SIG_HEADER);
	struct twilio_form		 f;
	const char			*rep;
	char				*url = NULL, *alt = NULL;
	int				 rc = 401, a, b;

	memset(&f, 0, sizeof f);
	if (st == NULL || st->public_url == NULL || st->auth_token == NULL) {
		*why = "no public_url to check signatures against";
		return 401;	/* fail closed */
	}
	if (req->body_len > TW_BODY_MAX) {
		*why = "body too large";
		return 413;
	}
	if (got == NULL || strlen(got) != TW_SIG_LEN) {
		*why = got == NULL ? "missing signature" : "bad signature";
		return 401;
	}
	if (twilio_form_read(req->body, req->body_len, &f) != 0) {
		*why = "malformed form body";
		rc = 400;
		goto out;
	}
	qsort(f.p, f.n, sizeof f.p[0], twilio_param_cmp);
	rep = req->arg != NULL ? req->arg(req, "report") : NULL;
	if (rep != NULL) {
		/* A status callback: signed over the StatusCallback URL we
		 * gave, the report's token in its query. */
		if (st->status_url == NULL || strlen(rep) >= 128) {
			*why = "an unexpected status callback";
			goto out;
		}
		url = twilio_report_url(st->status_url, rep);
		alt = st->status_alt != NULL ?
		    twilio_report_url(st->status_alt, rep) : NULL;
	} else {
		url = xstrdup(st->public_url);
		alt = st->alt_url != NULL ? xstrdup(st->alt_url) : NULL;
	}
	/* Both, always: which of the two matched is no one's business. */
	a = twilio_sig_matches(st->auth_token, url, &f, got);
	b = twilio_sig_matches(st->auth_token, alt, &f, got);
	if (!a && !b) {
		*why = "bad signature";
		goto out;
	}
	rc = 0;
out:
	free(url);
	free(alt);
	twilio_form_free(&f);
	return rc;
}

/* The first parameter called name, or NULL. */
static const struct twilio_param *
twilio_form_get(const struct twilio_form *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->p[i].name, name) == 0 &&
		    f->p[i].nlen == strlen(name))
			return &f->p[i];
	return NULL;
}

/* Whether every name and value is UTF-8 without a NUL. */
static int
twilio_form_valid(const struct twilio_form *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (strlen(f->p[i].name) != f->p[i].nlen ||
		    strlen(f->p[i].value) != f->p[i].vlen ||
		    !utf8_valid(f->p[i].name, f->p[i].nlen) ||
		    !utf8_valid(f->p[i].value, f->p[i].vlen))
			return 0;
	return 1;
}

/* Copies the value of parameter name, required and non-empty, into a
 * fixed field. Returns 0, or 400 with *why set. */
static int
twilio_id(const struct twilio_form *f, const char *name, char *field,
    size_t size, const char **why)
{
	const struct twilio_param	*p = twilio_form_get(f, name);

	if (p == NULL || p->vlen == 0) {
		*why = strcmp(name, "From") == 0 ? "From missing" :
		    "MessageSid missing";
		return 400;
	}
	if (inbound_set(field, size, p->value) != 0) {
		*why = "identifier too long";
		return 400;
	}
	return 0;
}

/*
 * Reads the incoming message form. The number is the sender and the chat
 * (an SMS conversation is private); it is never logged. An empty Body (an
 * MMS with only pictures) is acknowledged and ignored.
 */
static int
twilio_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	const struct twilio_param	*body;
	struct twilio_form		 f;
	int				 rc = 400;

	memset(&f, 0, sizeof f);
	if (req->body_len > TW_BODY_MAX) {
		*why = "body too large";
		return 413;
	}
	if (twilio_form_read(req->body, req->body_len, &f) != 0) {
		*why = "malformed form body";
		goto out;
	}
	if (!twilio_form_valid(&f)) {
		*why = "form holds invalid UTF-8 or NUL";
		goto out;
	}
	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	if ((rc = twilio_id(&f, "MessageSid", in->message_id,
	    sizeof in->message_id, why)) != 0 ||
	    (rc = twilio_id(&f, "From", in->sender_id, sizeof in->sender_id,
	    why)) != 0)
		goto out;
	(void)inbound_set(in->chat_id, sizeof in->chat_id, in->sender_id);
	in->chat_kind = CHAT_PRIVATE;
	in->explicit_cmd = 1;
	body = twilio_form_get(&f, "Body");
	if (body == NULL || body->vlen == 0) {
		in->ignore = 1;
		goto out;
	}
	if (body->vlen > INBOUND_TEXT_MAX) {
		*why = "text too long";
		rc = 413;
		goto out;
	}
	if (!utf8_valid_text(body->value, body->vlen)) {
		*why = "text holds control characters";
		rc = 400;
		goto out;
	}
	in->text = xstrdup(body->value);
out:
	twilio_form_free(&f);
	return rc;
}

/*
 * Returns the byte length of the longest prefix of s holding at most max
 * UCS-2 units (characters above U+FFFF count two), never splitting a
 * character; an invalid byte counts one unit and is left to the caller.
 */
static size_t
twilio_fit(const char *s, size_t max)
{
	size_t		 len = strlen(s), off = 0, n, units = 0;
	uint32_t	 cp;

	while (off < len) {
		if ((n = utf8_decode(s + off, len - off, &cp)) == 0) {
			n = 1;
			cp = 0;
		}
		units += cp > 0xffff ? 2 : 1;
		if (units > max)
			break;
		off += n;
	}
	return off;
}

/*
 * Appends n bytes of s to b escaped for XML text: & < > " ' as entities;
 * what XML 1.0 cannot hold (C0 controls but tab, CR, LF; invalid UTF-8)
 * is dropped, since Twilio would refuse the whole document for it.
 */
static int
twilio_xml_add(struct buf *b, const char *s, size_t n)
{
	size_t		 i = 0, k;
	uint32_t	 cp;
	const char	*ent;
	int		 rc = 0;

	while (i < n && rc == 0) {
		if ((k = utf8_decode(s + i, n - i, &cp)) == 0) {
			i++;
			continue;
		}
		switch (cp) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&apos;";
			break;
		default:
			ent = NULL;
			break;
		}
		if (ent != NULL)
			rc = buf_adds(b, ent);
		else if (cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r')
			rc = buf_add(b, s + i, k);
		i += k;
	}
	return rc;
}

/* Appends one text as <Message> elements of at most TW_TEXT_UNITS each. */
static int
twilio_xml_message(struct buf *b, const char *text)
{
	size_t	 n;

	while (*text != '\0') {
		n = twilio_fit(text, TW_TEXT_UNITS);
		if (buf_adds(b, "<Message>") != 0 ||
		    twilio_xml_add(b, text, n) != 0 ||
		    buf_adds(b, "</Message>") != 0)
			return -1;
		text += n;
	}
	return 0;
}

/*
 * Answers with TwiML: the reply as one SMS (plain text, at most
 * max_parts parts: sms_text()) in a <Message>, <Response/> for none.
 */
static void
twilio_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	const struct twilio_state	*st = ch->state;
	struct buf			 b;
	char				*all, *sms;
	int				 rc = 0;

	(void)in;
	resp->status = 200;
	resp->content_type = "text/xml";
	buf_init(&b, TW_TWIML_MAX);
	if (r->ntexts > 0 && st != NULL) {
		all = channel_reply_text(r);
		sms = sms_text(all, st->max_parts);
		rc = buf_adds(&b, TW_TWIML_HEAD "<Response>");
		rc = rc == 0 ? twilio_xml_message(&b, sms) : rc;
		free(sms);
		free(all);
	}
	if (rc == 0 && b.len > 0)
		rc = buf_adds(&b, "</Response>");
	if (rc != 0 || b.len == 0 || strcmp(b.data, TW_TWIML_HEAD
	    "<Response></Response>") == 0) {
		/* Nothing to say (or, past the cap, nothing sayable). */
		buf_reset(&b);
		(void)buf_adds(&b, TW_TWIML_HEAD "<Response/>");
	}
	resp->len = b.len;
	resp->body = buf_steal(&b);
}

/* Appends "&name=value" (no "&" when first) form-encoded, spaces as "+"
 * as Twilio's own libraries send them. */
static int
twilio_form_add(struct buf *b, const char *name, const char *value,
    size_t vlen, int first)
{
	char	*e, *p;
	int	 rc;

	if ((e = curl_easy_escape(NULL, value, (int)vlen)) == NULL)
		return -1;
	for (p = e; (p = strstr(p, "%20")) != NULL; p++) {
		*p = '+';
		memmove(p + 1, p + 3, strlen(p + 3) + 1);
	}
	rc = buf_addf(b, "%s%s=%s", first ? "" : "&", name, e);
	curl_free(e);
	return rc;
}

/* Builds the Messages.json call for one message to m->chat_id. */
static int
twilio_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	const struct twilio_state	*st = ch->state;
	struct buf			 b;
	char				*cred = NULL, *auth = NULL, *text = NULL;
	char				*cb = NULL;
	int				 rc = -1;

	buf_init(&b, TW_SEND_MAX);
	if (st == NULL || st->auth_token == NULL) {
		*why = "channel not set up";
		goto out;
	}
	if (m->chat_id == NULL || *m->chat_id == '\0') {
		*why = "no destination number";
		goto out;
	}
	/* Plain text in at most max_parts parts (and never past the 1600
	 * characters Twilio takes, 21617). */
	text = sms_text(m->text != NULL ? m->text : "", st->max_parts);
	/* A row that wants its delivery report names it; any other goes
	 * to a configured status_url as it is. */
	if (st->status_url != NULL && m->report_token != NULL)
		cb = twilio_report_url(st->status_url, m->report_token);
	else if (st->status_set)
		cb = xstrdup(st->status_url);
	if (twilio_form_add(&b, "To", m->chat_id, strlen(m->chat_id), 1) ||
	    twilio_form_add(&b, "From", st->from, strlen(st->from), 0) ||
	    twilio_form_add(&b, "Body", text, twilio_fit(text, TW_TEXT_UNITS),
	    0) ||
	    (cb != NULL && twilio_form_add(&b, "StatusCallback", cb,
	    strlen(cb), 0))) {
		*why = "message too long to encode";
		goto out;
	}
	cred = xasprintf("%s:%s", st->account_sid, st->auth_token);
	auth = platb64_encode((const unsigned char *)cred, strlen(cred));
	call->url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json",
	    st->api_base, st->account_sid);
	call->headers[0] = xasprintf("Authorization: Basic %s", auth);
	call->content_type = "application/x-www-form-urlencoded";
	call->len = b.len;
	call->body = buf_steal(&b);
	rc = 0;
out:
	if (cred != NULL)
		OPENSSL_cleanse(cred, strlen(cred));
	free(text);
	free(cb);
	free(cred);
	free(auth);
	buf_free(&b);
	return rc;
}

/*
 * Writes "twilio <code>: <message>" into err from a refusal's JSON, the
 * message cut on a character boundary (jansson checked its UTF-8), or
 * "twilio: http <status>" with what without a code.
 */
static void
twilio_err(char *err, size_t errsz, long status, const char *body,
    size_t len, const char *what)
{
	json_t		*j = NULL, *code;
	const char	*msg;
	char		 head[64];
	size_t		 hl, n;

	if (errsz == 0)
		return;
	if (body != NULL && len > 0)
		j = json_loadb(body, len, 0, NULL);
	code = json_object_get(j, "code");
	if (!json_is_integer(code)) {
		(void)snprintf(err, errsz, "twilio: http %ld%s", status, what);
		goto out;
	}
	if ((msg = json_string_value(json_object_get(j, "message"))) == NULL)
		msg = "";
	(void)snprintf(head, sizeof head, "twilio %" JSON_INTEGER_FORMAT "%s",
	    json_integer_value(code), *msg != '\0' ? ": " : "");
	hl = strlen(head);
	n = hl >= errsz ? 0 : utf8_fit(msg, strlen(msg), errsz - 1 - hl);
	(void)snprintf(err, errsz, "%s%.*s", head, (int)n, msg);
	/* Twilio's messages quote the number ("The 'To' number +86… is not
	 * a valid phone number"): never in a row's error or the log. */
	sms_mask_numbers(err);
out:
	json_decref(j);
}

/* Classifies the REST API's answer. */
static enum send_status
twilio_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	(void)ch;
	/* Twilio names no delay in its 429s that reaches us here. */
	*retry_after = 0;
	if (status == 0) {
		(void)snprintf(err, errsz, "twilio: no answer");
		return SEND_RETRY;
	}
	if (status == 200 || status == 201)
		return SEND_OK;
	if (status == 429 || status >= 500) {
		twilio_err(err, errsz, status, body, len, "");
		return SEND_RETRY;
	}
	if (status >= 200 && status <= 299) {
		/* Not Twilio's answer to a create (a proxy's): maybe unsent. */
		twilio_err(err, errsz, status, body, len, "");
		return SEND_RETRY;
	}
	/* 400 (21211 invalid To, 21610 unsubscribed, 21614 not a mobile,
	 * 21617 too long …), 401 (credentials), 404 (account): permanent. */
	twilio_err(err, errsz, status, body, len,
	    status == 401 ? " (credentials)" : "");
	return SEND_FAILED;
}

/*
 * A status callback (POST /hook/NAME?report=TOKEN, signed like any
 * webhook): MessageStatus delivered, or undelivered / failed with its
 * ErrorCode; queued, sending, sent and the like change nothing.
 */
static int
twilio_report(const struct channel *ch, const struct http_request *req,
    struct delivery_report *rep, const char **why)
{
	const struct twilio_param	*status, *code, *sid;
	struct twilio_form		 f;
	int				 rc = 1;

	(void)ch;
	memset(rep, 0, sizeof *rep);
	if (req->arg == NULL || (rep->token = req->arg(req, "report")) == NULL)
		return 0;
	memset(&f, 0, sizeof f);
	if (twilio_form_read(req->body, req->body_len, &f) != 0 ||
	    !twilio_form_valid(&f)) {
		*why = "malformed status callback";
		rc = 400;
		goto out;
	}
	if ((status = twilio_form_get(&f, "MessageStatus")) == NULL) {
		*why = "a status callback without MessageStatus";
		rc = 400;
		goto out;
	}
	if ((sid = twilio_form_get(&f, "MessageSid")) != NULL)
		(void)snprintf(rep->ref, sizeof rep->ref, "%.*s",
		    (int)utf8_fit(sid->value, sid->vlen, 60), sid->value);
	if (strcmp(status->value, "delivered") == 0 ||
	    strcmp(status->value, "read") == 0)
		rep->state = "delivered";
	else if (strcmp(status->value, "undelivered") == 0 ||
	    strcmp(status->value, "failed") == 0) {
		rep->state = "failed";
		code = twilio_form_get(&f, "ErrorCode");
		(void)snprintf(rep->error, sizeof rep->error, "twilio: %s%s%.*s",
		    status->value, code != NULL ? " " : "", code != NULL ?
		    (int)utf8_fit(code->value, code->vlen, 16) : 0,
		    code != NULL ? code->value : "");
	}
out:
	twilio_form_free(&f);
	return rc;
}

const struct channel_backend channel_twilio_backend = {
	.type = "twilio",
	.help = "Twilio 短信 SMS through Twilio (webhook, REST API)",
	.keys = twilio_keys,
	.setup = twilio_setup,
	.cleanup = twilio_cleanup,
	.sends = twilio_sends,
	.verify = twilio_verify,
	.parse = twilio_parse,
	.reply = twilio_reply,
	.send_prepare = twilio_send_prepare,
	.send_result = twilio_send_result,
	.report = twilio_report,
	.sms = 1,
	/* No fit: the dispatcher would then answer with the first part of
	 * the joined texts only; TwiML carries every part in one answer. */
	.max_text = TW_TEXT_UNITS,
	/* Twilio waits 15 s for the answer, then gives up (11205). */
	.reply_deadline_ms = 15000,
	/* A long code sends about one message a second; the rest queues. */
	.global_second = 1,
};

/*
 * The flat WeChat / WeCom XML reader (expat) and the passive reply writer
 * (see xmlmsg.h). expat is told the document is UTF-8 whatever it
 * declares, never reads external entities or parameter entities, and is
 * stopped by the first handler that meets something the layout refuses.
 * The DOCTYPE handler fires before any declaration inside it, so the
 * entity and notation handlers are a second lock on the same door.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>
#include <openssl/rand.h>

#include "xmlmsg.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

/* One parse in progress, shared by the expat handlers below. */
struct xmlmsg_state {
	XML_Parser		 p;
	struct xmlmsg		*m;
	enum xmlmsg_status	 err;
	int			 depth;		/* open elements */
	int			 children;	/* children of <xml> so far */
	int			 field;		/* open child's field, or -1 */
	struct buf		 val;		/* the open child's text */
};

static const char *const xmlmsg_names[XMLMSG_NFIELDS] = {
	[XMLMSG_TO_USER_NAME] = "ToUserName",
	[XMLMSG_FROM_USER_NAME] = "FromUserName",
	[XMLMSG_CREATE_TIME] = "CreateTime",
	[XMLMSG_MSG_TYPE] = "MsgType",
	[XMLMSG_CONTENT] = "Content",
	[XMLMSG_MSG_ID] = "MsgId",
	[XMLMSG_EVENT] = "Event",
	[XMLMSG_EVENT_KEY] = "EventKey",
	[XMLMSG_AGENT_ID] = "AgentID",
	[XMLMSG_ENCRYPT] = "Encrypt",
	[XMLMSG_MSG_SIGNATURE] = "MsgSignature",
	[XMLMSG_TIME_STAMP] = "TimeStamp",
	[XMLMSG_NONCE] = "Nonce",
	[XMLMSG_PIC_URL] = "PicUrl",
	[XMLMSG_MEDIA_ID] = "MediaId",
};

/* Texts of enum xmlmsg_status, for log lines. */
const char *
xmlmsg_strerror(enum xmlmsg_status s)
{
	switch (s) {
	case XMLMSG_OK:
		return "ok";
	case XMLMSG_TOO_LARGE:
		return "XML document empty or too large";
	case XMLMSG_FIELD_TOO_LONG:
		return "XML field too long";
	case XMLMSG_TOO_MANY:
		return "too many XML elements";
	case XMLMSG_BAD_UTF8:
		return "XML is not valid UTF-8";
	case XMLMSG_DOCTYPE:
		return "XML DOCTYPE refused";
	case XMLMSG_ENTITY:
		return "XML entity declaration refused";
	case XMLMSG_PI:
		return "XML processing instruction refused";
	case XMLMSG_NOT_XML:
		return "XML root element is not <xml>";
	case XMLMSG_NESTED:
		return "nested XML element refused";
	case XMLMSG_ATTRIBUTE:
		return "XML attribute refused";
	case XMLMSG_MIXED:
		return "text outside the XML fields";
	case XMLMSG_DUPLICATE:
		return "XML field repeated";
	case XMLMSG_MALFORMED:
		return "malformed XML";
	case XMLMSG_BAD_VALUE:
		return "value cannot go into XML";
	}
	return "unknown xmlmsg status";
}

/* The element name of a field, or NULL. */
const char *
xmlmsg_field_name(enum xmlmsg_field f)
{
	if ((int)f < 0 || f >= XMLMSG_NFIELDS)
		return NULL;
	return xmlmsg_names[f];
}

/* Records the first refusal and stops expat (later callbacks are no-ops). */
static void
xmlmsg_refuse(struct xmlmsg_state *st, enum xmlmsg_status why)
{
	if (st->err != XMLMSG_OK)
		return;
	st->err = why;
	(void)XML_StopParser(st->p, XML_FALSE);
}

/*
 * expat start-element callback: the root must be a bare <xml>; its
 * children may have no attributes and no children of their own. Opens
 * the value buffer with the field's cap.
 */
static void
xmlmsg_on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xmlmsg_state	*st = arg;
	int			 f;

	if (st->err != XMLMSG_OK)
		return;
	if (attrs[0] != NULL) {
		xmlmsg_refuse(st, XMLMSG_ATTRIBUTE);
		return;
	}
	if (st->depth == 0) {
		if (strcmp(name, "xml") != 0)
			xmlmsg_refuse(st, XMLMSG_NOT_XML);
		st->depth++;
		return;
	}
	if (st->depth >= 2) {
		xmlmsg_refuse(st, XMLMSG_NESTED);
		return;
	}
	if (++st->children > XMLMSG_ELEMENTS_MAX) {
		xmlmsg_refuse(st, XMLMSG_TOO_MANY);
		return;
	}
	/* The names are distinct: the first match is the field (the first
	 * byte compared first; every name was strcmp'd, ~4k instructions a
	 * WeCom request). */
	st->field = -1;
	for (f = 0; f < XMLMSG_NFIELDS; f++)
		if (name[0] == xmlmsg_names[f][0] &&
		    strcmp(name, xmlmsg_names[f]) == 0) {
			st->field = f;
			break;
		}
	if (st->field >= 0 && st->m->value[st->field] != NULL) {
		xmlmsg_refuse(st, XMLMSG_DUPLICATE);
		return;
	}
	buf_free(&st->val);
	buf_init(&st->val, st->field == XMLMSG_ENCRYPT ? XMLMSG_ENCRYPT_MAX :
	    XMLMSG_VALUE_MAX);
	st->depth++;
}

/* expat end-element callback: a closing child stores its value. */
static void
xmlmsg_on_end(void *arg, const XML_Char *name)
{
	struct xmlmsg_state	*st = arg;
	struct xmlmsg		*m = st->m;

	(void)name;
	if (st->err != XMLMSG_OK)
		return;
	if (--st->depth != 1)
		return;
	if (st->field >= 0) {
		m->len[st->field] = st->val.len;
		m->value[st->field] = st->val.data != NULL ?
		    buf_steal(&st->val) : xstrdup("");
	}
	st->field = -1;
	buf_free(&st->val);
}

/*
 * expat character-data callback (text and CDATA alike, in pieces): inside
 * a child it adds to the value, capped; directly inside <xml> only the
 * whitespace between children is allowed.
 */
static void
xmlmsg_on_text(void *arg, const XML_Char *s, int len)
{
	struct xmlmsg_state	*st = arg;
	int			 i;

	if (st->err != XMLMSG_OK || len <= 0)
		return;
	if (st->depth == 2) {
		if (buf_add(&st->val, s, (size_t)len) == -1)
			xmlmsg_refuse(st, XMLMSG_FIELD_TOO_LONG);
		return;
	}
	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r') {
			xmlmsg_refuse(st, XMLMSG_MIXED);
			return;
		}
}

/* expat XML-declaration callback: only UTF-8 (or no encoding) passes. */
static void
xmlmsg_on_decl(void *arg, const XML_Char *version, const XML_Char *encoding,
    int standalone)
{
	(void)version;
	(void)standalone;
	if (encoding != NULL && strcasecmp(encoding, "UTF-8") != 0)
		xmlmsg_refuse(arg, XMLMSG_BAD_UTF8);
}

/* expat DOCTYPE callback: always refused, before any internal subset. */
static void
xmlmsg_on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	xmlmsg_refuse(arg, XMLMSG_DOCTYPE);
}

/* expat entity-declaration callback: always refused. */
static void
xmlmsg_on_entity(void *arg, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	xmlmsg_refuse(arg, XMLMSG_ENTITY);
}

/* expat notation-declaration callback: always refused. */
static void
xmlmsg_on_notation(void *arg, const XML_Char *name, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid)
{
	(void)name;
	(void)base;
	(void)sysid;
	(void)pubid;
	xmlmsg_refuse(arg, XMLMSG_ENTITY);
}

/* expat processing-instruction callback (not the XML declaration). */
static void
xmlmsg_on_pi(void *arg, const XML_Char *target, const XML_Char *data)
{
	(void)target;
	(void)data;
	xmlmsg_refuse(arg, XMLMSG_PI);
}

/*
 * expat external-entity callback: never loads anything. Returning
 * XML_STATUS_ERROR makes expat fail the parse.
 */
static int
xmlmsg_on_external(XML_Parser p, const XML_Char *context,
    const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid)
{
	(void)p;
	(void)context;
	(void)base;
	(void)sysid;
	(void)pubid;
	return XML_STATUS_ERROR;
}

/*
 * Each thread keeps one parser between documents and resets it, with its
 * own random hash salt: XML_ParserCreate() and XML_ParserFree() for every
 * document were a sixth of expat's time, and expat drew a fresh salt
 * through getrandom() for each (three system calls a WeChat message).
 * The salt stays secret to the process, which is what keeps expat's hash
 * tables safe from chosen names. A parser that took a document larger
 * than XMLMSG_KEEP_MAX is freed after it, so that a thread holds no large
 * buffer.
 */
#define XMLMSG_KEEP_MAX		(16 * 1024)

struct xmlmsg_parser {
	XML_Parser	 p;
	unsigned long	 salt;
};

static pthread_key_t	xmlmsg_key;
static pthread_once_t	xmlmsg_key_once = PTHREAD_ONCE_INIT;
static int		xmlmsg_key_ok;

static void
xmlmsg_parser_free(void *arg)
{
	struct xmlmsg_parser	*xp = arg;

	if (xp->p != NULL)
		XML_ParserFree(xp->p);
	free(xp);
}

static void
xmlmsg_key_make(void)
{
	xmlmsg_key_ok = pthread_key_create(&xmlmsg_key,
	    xmlmsg_parser_free) == 0;
}

/*
 * Returns this thread's parser, reset for a new UTF-8 document with its
 * salt set, or one made for this document alone (*own set: the caller
 * frees it) when the thread cannot keep one. Aborts when out of memory,
 * as xmalloc would.
 */
static XML_Parser
xmlmsg_parser(int *own)
{
	struct xmlmsg_parser	*xp;
	XML_Parser		 p;

	*own = 0;
	if (pthread_once(&xmlmsg_key_once, xmlmsg_key_make) != 0 ||
	    !xmlmsg_key_ok)
		goto alone;
	if ((xp = pthread_getspecific(xmlmsg_key)) == NULL) {
		xp = xcalloc(1, sizeof *xp);
		if (RAND_bytes((unsigned char *)&xp->salt,
		    sizeof xp->salt) != 1 ||
		    pthread_setspecific(xmlmsg_key, xp) != 0) {
			free(xp);
			goto alone;
		}
	}
	if (xp->p == NULL) {
		if ((xp->p = XML_ParserCreate("UTF-8")) == NULL)
			abort();
	} else if (XML_ParserReset(xp->p, "UTF-8") != XML_TRUE)
		abort();	/* only a child parser refuses */
	(void)XML_SetHashSalt(xp->p, xp->salt);
	return xp->p;
alone:
	*own = 1;
	if ((p = XML_ParserCreate("UTF-8")) == NULL)
		abort();
	return p;
}

/* Done with a document's parser: frees it if it was the caller's own or
 * its document was large. */
static void
xmlmsg_parser_done(XML_Parser p, int own, size_t len)
{
	struct xmlmsg_parser	*xp;

	if (own) {
		XML_ParserFree(p);
		return;
	}
	if (len > XMLMSG_KEEP_MAX &&
	    (xp = pthread_getspecific(xmlmsg_key)) != NULL && xp->p == p) {
		XML_ParserFree(xp->p);
		xp->p = NULL;
	}
}

/* Parses a flat <xml> body (see xmlmsg.h). */
enum xmlmsg_status
xmlmsg_parse(const char *doc, size_t len, struct xmlmsg *m)
{
	struct xmlmsg_state	 st;
	int			 own = 0;

	memset(m, 0, sizeof *m);
	memset(&st, 0, sizeof st);
	st.m = m;
	st.field = -1;
	buf_init(&st.val, XMLMSG_VALUE_MAX);
	if (len == 0 || len > XMLMSG_DOC_MAX) {
		st.err = XMLMSG_TOO_LARGE;
		goto out;
	}
	if (!utf8_valid(doc, len)) {
		st.err = XMLMSG_BAD_UTF8;
		goto out;
	}
	st.p = xmlmsg_parser(&own);
	XML_SetUserData(st.p, &st);
	(void)XML_SetParamEntityParsing(st.p, XML_PARAM_ENTITY_PARSING_NEVER);
	XML_SetElementHandler(st.p, xmlmsg_on_start, xmlmsg_on_end);
	XML_SetCharacterDataHandler(st.p, xmlmsg_on_text);
	XML_SetXmlDeclHandler(st.p, xmlmsg_on_decl);
	XML_SetStartDoctypeDeclHandler(st.p, xmlmsg_on_doctype);
	XML_SetEntityDeclHandler(st.p, xmlmsg_on_entity);
	XML_SetNotationDeclHandler(st.p, xmlmsg_on_notation);
	XML_SetProcessingInstructionHandler(st.p, xmlmsg_on_pi);
	XML_SetExternalEntityRefHandler(st.p, xmlmsg_on_external);
	if (XML_Parse(st.p, doc, (int)len, XML_TRUE) != XML_STATUS_OK &&
	    st.err == XMLMSG_OK)
		st.err = XMLMSG_MALFORMED;
out:
	if (st.p != NULL)
		xmlmsg_parser_done(st.p, own, len);
	buf_free(&st.val);
	if (st.err != XMLMSG_OK)
		xmlmsg_clear(m);
	return st.err;
}

/* Returns a field's value or NULL. */
const char *
xmlmsg_get(const struct xmlmsg *m, enum xmlmsg_field f)
{
	if ((int)f < 0 || f >= XMLMSG_NFIELDS)
		return NULL;
	return m->value[f];
}

/* Frees every value of m. */
void
xmlmsg_clear(struct xmlmsg *m)
{
	int	 f;

	for (f = 0; f < XMLMSG_NFIELDS; f++) {
		free(m->value[f]);
		m->value[f] = NULL;
		m->len[f] = 0;
	}
}

/* Clears and frees m (see xmlmsg.h). */
void
xmlmsg_free(void *m)
{
	if (m == NULL)
		return;
	xmlmsg_clear(m);
	free(m);
}

/*
 * Returns 1 if s may stand in an XML document as it is: valid UTF-8, and
 * only characters of XML 1.0's Char production (no NUL, no C0 control but
 * tab, CR and LF, no U+FFFE or U+FFFF).
 */
static int
xmlmsg_value_ok(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	const uint64_t		 ones = 0x0101010101010101ULL;
	const uint64_t		 highs = 0x8080808080808080ULL;
	uint64_t		 w, lt, ef;
	size_t			 i;

	/*
	 * One pass over the bytes for the controls and the two noncharacters
	 * (in valid UTF-8, EF BF BE and EF BF BF are exactly U+FFFE and
	 * U+FFFF), then utf8_valid(): decoding each character cost ~35
	 * instructions, and an answer is mostly Chinese. Eight bytes at a
	 * time while none of them is below 0x20 or 0xEF (an encrypted
	 * reply's envelope is a kilobyte of base64): lt and ef have a high
	 * bit set where a byte may be one (the usual zero-byte test), and
	 * a word that may hold one is passed a byte at a time.
	 */
	for (i = 0; i < len; i++) {
		if (len - i >= 8) {
			memcpy(&w, u + i, 8);
			lt = (w - 0x20 * ones) & ~w & highs;
			ef = ((w ^ 0xef * ones) - ones) & ~(w ^ 0xef * ones) &
			    highs;
			if ((lt | ef) == 0) {
				i += 7;
				continue;
			}
		}
		if (u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\r')
			return 0;
		if (u[i] == 0xef && len - i > 2 && u[i + 1] == 0xbf &&
		    (u[i + 2] == 0xbe || u[i + 2] == 0xbf))
			return 0;
	}
	return utf8_valid(s, len);
}

/* Returns 1 if name is a plain element name (ASCII letters and digits). */
static int
xmlmsg_name_ok(const char *name)
{
	const char	*p;

	if (name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* Appends open, name and close (what buf_addf() did for a tag, without
 * formatting: sixteen tags a reply); 0, or -1 past the buffer's cap. */
static int
xmlmsg_tag(struct buf *b, const char *open, const char *name,
    const char *close)
{
	return buf_adds(b, open) == -1 || buf_adds(b, name) == -1 ||
	    buf_adds(b, close) == -1 ? -1 : 0;
}

/* Records the writer's first failure. */
static void
xmlmsg_writer_fail(struct xmlmsg_writer *w, enum xmlmsg_status why)
{
	if (w->err == XMLMSG_OK)
		w->err = why;
}

/* Opens a reply document. */
void
xmlmsg_writer_init(struct xmlmsg_writer *w)
{
	buf_init(&w->b, XMLMSG_DOC_MAX);
	w->err = XMLMSG_OK;
	if (buf_adds(&w->b, "<xml>") == -1)
		xmlmsg_writer_fail(w, XMLMSG_TOO_LARGE);
}

/*
 * Appends a CDATA child. Line ends become LF (an XML reader turns CR LF
 * and a lone CR into LF anyway), and every "]]>" is split across two
 * sections: "]]" ends one, ">" opens the next.
 */
void
xmlmsg_writer_cdata(struct xmlmsg_writer *w, const char *name,
    const char *value)
{
	size_t		 len, i, j;
	int		 rc = 0;

	if (w->err != XMLMSG_OK)
		return;
	len = strlen(value);
	if (!xmlmsg_name_ok(name) || !xmlmsg_value_ok(value, len)) {
		xmlmsg_writer_fail(w, XMLMSG_BAD_VALUE);
		return;
	}
	rc |= xmlmsg_tag(&w->b, "<", name, "><![CDATA[");
	/* Runs of plain bytes are copied whole (an encrypted reply's
	 * envelope is a kilobyte of base64); a CR, or CRLF, becomes LF, and
	 * "]]>" is split across two sections. */
	for (i = 0; i < len && rc == 0; i = j) {
		for (j = i; (j += strcspn(value + j, "\r]")) < len &&
		    value[j] != '\r' && strncmp(value + j, "]]>", 3) != 0; j++)
			;
		rc |= buf_add(&w->b, value + i, j - i);
		if (j == len)
			break;
		if (value[j] == '\r') {
			rc |= buf_add(&w->b, "\n", 1);
			j += j + 1 < len && value[j + 1] == '\n' ? 2 : 1;
		} else {
			rc |= buf_adds(&w->b, "]]]]><![CDATA[>");
			j += 3;
		}
	}
	rc |= xmlmsg_tag(&w->b, "]]></", name, ">");
	if (rc != 0)
		xmlmsg_writer_fail(w, XMLMSG_TOO_LARGE);
}

/* Appends a child holding decimal digits, unquoted. */
void
xmlmsg_writer_number(struct xmlmsg_writer *w, const char *name,
    const char *digits)
{
	size_t	 n = strlen(digits), i;

	if (w->err != XMLMSG_OK)
		return;
	if (!xmlmsg_name_ok(name) || n == 0 || n > 20) {
		xmlmsg_writer_fail(w, XMLMSG_BAD_VALUE);
		return;
	}
	for (i = 0; i < n; i++)
		if (digits[i] < '0' || digits[i] > '9') {
			xmlmsg_writer_fail(w, XMLMSG_BAD_VALUE);
			return;
		}
	if (xmlmsg_tag(&w->b, "<", name, ">") != 0 ||
	    buf_add(&w->b, digits, n) == -1 ||
	    xmlmsg_tag(&w->b, "</", name, ">") != 0)
		xmlmsg_writer_fail(w, XMLMSG_TOO_LARGE);
}

/* Closes the document and hands it over (see xmlmsg.h). */
enum xmlmsg_status
xmlmsg_writer_finish(struct xmlmsg_writer *w, char **out)
{
	enum xmlmsg_status	 rc;

	*out = NULL;
	if (w->err == XMLMSG_OK && buf_adds(&w->b, "</xml>") == -1)
		xmlmsg_writer_fail(w, XMLMSG_TOO_LARGE);
	if ((rc = w->err) == XMLMSG_OK)
		*out = buf_steal(&w->b);
	buf_free(&w->b);
	return rc;
}

/* Builds a plain passive text reply. */
enum xmlmsg_status
xmlmsg_reply_text(const char *to, const char *from, long long create_time,
    const char *content, char **out)
{
	struct xmlmsg_writer	 w;
	char			 ts[24];

	xmlmsg_writer_init(&w);
	if (create_time < 0)
		xmlmsg_writer_fail(&w, XMLMSG_BAD_VALUE);
	(void)snprintf(ts, sizeof ts, "%lld", create_time);
	xmlmsg_writer_cdata(&w, "ToUserName", to);
	xmlmsg_writer_cdata(&w, "FromUserName", from);
	xmlmsg_writer_number(&w, "CreateTime", ts);
	xmlmsg_writer_cdata(&w, "MsgType", "text");
	xmlmsg_writer_cdata(&w, "Content", content);
	return xmlmsg_writer_finish(&w, out);
}

/* Builds the encrypted reply envelope. */
enum xmlmsg_status
xmlmsg_reply_encrypted(const char *encrypt, const char *signature,
    const char *timestamp, const char *nonce, char **out)
{
	struct xmlmsg_writer	 w;

	xmlmsg_writer_init(&w);
	xmlmsg_writer_cdata(&w, "Encrypt", encrypt);
	xmlmsg_writer_cdata(&w, "MsgSignature", signature);
	xmlmsg_writer_number(&w, "TimeStamp", timestamp);
	xmlmsg_writer_cdata(&w, "Nonce", nonce);
	return xmlmsg_writer_finish(&w, out);
}

/*
 * The XML message bodies of WeChat Official Accounts and WeCom (see shared
 * PROTOCOLS.md sections 4(b) and 5): a flat <xml> whose children hold
 * text or CDATA. The reader (expat) keeps a fixed set of fields, each
 * capped, and refuses everything the flat layout has no use for: a
 * DOCTYPE, entity or notation declarations, processing instructions
 * (the XML declaration is allowed), attributes, nesting below the
 * children, text between the children, duplicates of a known field,
 * invalid UTF-8 and oversize documents or fields. Children it does not
 * know are skipped (still capped and counted). External entities are
 * never loaded.
 *
 * The writer builds passive replies: every value goes into CDATA with
 * "]]>" split as "]]]]><![CDATA[>", so nothing a user typed can close it;
 * line ends are written as LF, as an XML reader would read them.
 * Module API: each function returns an enum xmlmsg_status.
 */
#ifndef FANGFEI_XMLMSG_H
#define FANGFEI_XMLMSG_H

#include <stddef.h>

#include "messages/buf.h"

#define XMLMSG_DOC_MAX		(256 * 1024)	/* a whole body */
#define XMLMSG_VALUE_MAX	(16 * 1024)	/* one field */
#define XMLMSG_ENCRYPT_MAX	(128 * 1024)	/* the Encrypt field */
#define XMLMSG_ELEMENTS_MAX	64		/* children of <xml> */

enum xmlmsg_status {
	XMLMSG_OK = 0,
	XMLMSG_TOO_LARGE,	/* document empty or past XMLMSG_DOC_MAX */
	XMLMSG_FIELD_TOO_LONG,	/* a field past its cap */
	XMLMSG_TOO_MANY,	/* more than XMLMSG_ELEMENTS_MAX children */
	XMLMSG_BAD_UTF8,	/* invalid UTF-8, or another encoding declared */
	XMLMSG_DOCTYPE,		/* a DOCTYPE */
	XMLMSG_ENTITY,		/* an entity or notation declaration */
	XMLMSG_PI,		/* a processing instruction */
	XMLMSG_NOT_XML,		/* the root element is not <xml> */
	XMLMSG_NESTED,		/* an element inside a child */
	XMLMSG_ATTRIBUTE,	/* an attribute */
	XMLMSG_MIXED,		/* text directly inside <xml> */
	XMLMSG_DUPLICATE,	/* a known field twice */
	XMLMSG_MALFORMED,	/* not well-formed XML (expat's verdict) */
	XMLMSG_BAD_VALUE,	/* writer: a value XML cannot carry */
};

/* The fields kept; each element name is xmlmsg_field_name(). */
enum xmlmsg_field {
	XMLMSG_TO_USER_NAME = 0,
	XMLMSG_FROM_USER_NAME,
	XMLMSG_CREATE_TIME,
	XMLMSG_MSG_TYPE,
	XMLMSG_CONTENT,
	XMLMSG_MSG_ID,
	XMLMSG_EVENT,
	XMLMSG_EVENT_KEY,
	XMLMSG_AGENT_ID,
	XMLMSG_ENCRYPT,
	XMLMSG_MSG_SIGNATURE,
	XMLMSG_TIME_STAMP,
	XMLMSG_NONCE,
	XMLMSG_PIC_URL,
	XMLMSG_MEDIA_ID,
	XMLMSG_NFIELDS
};

/* A parsed body: value[f] is NULL when field f was absent. */
struct xmlmsg {
	char	*value[XMLMSG_NFIELDS];	/* NUL-terminated UTF-8 */
	size_t	 len[XMLMSG_NFIELDS];
};

const char	*xmlmsg_strerror(enum xmlmsg_status);
/* The element name of a field ("ToUserName"); NULL if out of range. */
const char	*xmlmsg_field_name(enum xmlmsg_field);

/*
 * Parses len bytes of doc into m (which it clears first; on failure m
 * holds nothing). The caller releases m with xmlmsg_clear().
 */
enum xmlmsg_status xmlmsg_parse(const char *doc, size_t len, struct xmlmsg *m);
/* The value of field f, or NULL if the body had none. */
const char	*xmlmsg_get(const struct xmlmsg *, enum xmlmsg_field);
/* Frees the values and empties m; a cleared m may be cleared again. */
void		 xmlmsg_clear(struct xmlmsg *);
/* Clears and frees a struct xmlmsg made with xcalloc() (a void * for
 * struct http_keep). */
void		 xmlmsg_free(void *);

/*
 * A reply being written: init opens <xml>, the add functions append
 * children, finish closes it. A failure sticks: later adds do nothing and
 * finish reports the first error.
 */
struct xmlmsg_writer {
	struct buf		 b;
	enum xmlmsg_status	 err;
};

void		 xmlmsg_writer_init(struct xmlmsg_writer *);
/*
 * Appends <name><![CDATA[value]]></name>: "]]>" split, CR LF and lone CR
 * written as LF. value must be valid UTF-8 of XML characters.
 */
void		 xmlmsg_writer_cdata(struct xmlmsg_writer *, const char *name,
		    const char *value);
/* Appends <name>digits</name>; digits must be 1..20 decimal digits. */
void		 xmlmsg_writer_number(struct xmlmsg_writer *, const char *name,
		    const char *digits);
/*
 * Closes </xml>; on XMLMSG_OK *out is the document (caller frees), else
 * NULL. Releases the writer either way.
 */
enum xmlmsg_status xmlmsg_writer_finish(struct xmlmsg_writer *, char **out);

/*
 * A plain passive text reply: ToUserName to, FromUserName from,
 * CreateTime create_time (seconds, >= 0), MsgType text, Content content.
 */
enum xmlmsg_status xmlmsg_reply_text(const char *to, const char *from,
		    long long create_time, const char *content, char **out);
/* The encrypted reply envelope (Encrypt, MsgSignature, TimeStamp, Nonce). */
enum xmlmsg_status xmlmsg_reply_encrypted(const char *encrypt,
		    const char *signature, const char *timestamp,
		    const char *nonce, char **out);

#endif

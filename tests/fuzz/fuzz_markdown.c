/*
 * Fuzzes a letter's Markdown (bot/markdown.c): markdown_html() for the
 * letter page and markdown_excerpt() for the poster. Input: byte 0 the
 * excerpt's characters, byte 1 its buffer (1 + 4 * byte bytes), byte 2 a
 * small maximum for the page's buffer (0: none); then the title up to the
 * first newline, then the body.
 *
 * The page's HTML must be valid UTF-8 made only of the tags cmark writes
 * (no h1: headings go one down), with quoted attributes that hold no raw
 * quote or angle bracket, text with no raw '>' or '"', every '&' an
 * entity, and no link or image target that a browser would run
 * (javascript:, vbscript:, file:, data: other than cmark's four image
 * types), read as a browser reads it: entities decoded, leading controls
 * and spaces dropped, tabs and newlines removed, any case. A buffer too
 * small for the page is left as it was. The excerpt must be valid UTF-8
 * within its characters and its buffer, and be the whole-character
 * prefix that fits of the excerpt a large buffer gets.
 */
#include <stdio.h>
#include <strings.h>

#include "bot/markdown.h"
#include "fuzz_common.h"
#include "messages/buf.h"
#include "messages/text.h"

#define FUZZ_HTML_MAX	(1u << 30)	/* the reference page: no limit */

/* The tags cmark's HTML renderer writes, and the attributes of each. */
static const struct {
	const char	*name;
	const char	*attrs;	/* space-separated, between spaces */
} tags[] = {
	{ "p", "" }, { "h2", "" }, { "h3", "" }, { "h4", "" }, { "h5", "" },
	{ "h6", "" }, { "em", "" }, { "strong", "" }, { "code", " class " },
	{ "pre", "" }, { "blockquote", "" }, { "ul", "" }, { "ol", " start " },
	{ "li", "" }, { "br", "" }, { "hr", "" }, { "a", " href title " },
	{ "img", " src alt title " },
};

/* The tag name at s (len bytes) among tags[]; its index, or -1. */
static int
fz_tag(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (strlen(tags[i].name) == len &&
		    memcmp(tags[i].name, s, len) == 0)
			return (int)i;
	return -1;
}

/* Length of the entity at s ("&amp;", "&#39;", "&#x27;"), or 0. */
static size_t
fz_entity(const char *s)
{
	size_t	 n = 1;

	if (s[n] == '#') {
		n++;
		if (s[n] == 'x' || s[n] == 'X') {
			n++;
			while (strchr("0123456789abcdefABCDEF", s[n]) != NULL &&
			    s[n] != '\0')
				n++;
		} else
			while (s[n] >= '0' && s[n] <= '9')
				n++;
	} else
		while ((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9'))
			n++;
	return n > 2 && s[n] == ';' ? n + 1 : 0;
}

/* Checks a link or image target (an attribute's raw value, len bytes) as
 * a browser would read it. */
static void
fz_url(const char *v, size_t len)
{
	char	 u[64];
	size_t	 i = 0, o = 0, e;

	while (i < len && o < sizeof u - 1) {
		if (v[i] == '&') {
			/* Entities: the renderer writes &amp; and &#x27;;
			 * a numeric one for a letter would hide a scheme. */
			e = fz_entity(v + i);
			FUZZ_ASSERT(e > 0);
			if (strncmp(v + i, "&amp;", 5) == 0)
				u[o++] = '&';
			else if (strncmp(v + i, "&#x27;", 6) == 0)
				u[o++] = '\'';
			else
				FUZZ_ASSERT(0);
			i += e;
			continue;
		}
		/* Leading controls and spaces go; tabs and newlines
		 * anywhere (the URL standard's parser). */
		if (!((o == 0 && (unsigned char)v[i] <= ' ') || v[i] == '\t' ||
		    v[i] == '\n' || v[i] == '\r'))
			u[o++] = v[i];
		i++;
	}
	u[o] = '\0';
	FUZZ_ASSERT(strncasecmp(u, "javascript:", 11) != 0);
	FUZZ_ASSERT(strncasecmp(u, "vbscript:", 9) != 0);
	FUZZ_ASSERT(strncasecmp(u, "file:", 5) != 0);
	if (strncasecmp(u, "data:", 5) == 0)
		FUZZ_ASSERT(strncasecmp(u + 5, "image/png", 9) == 0 ||
		    strncasecmp(u + 5, "image/gif", 9) == 0 ||
		    strncasecmp(u + 5, "image/jpeg", 10) == 0 ||
		    strncasecmp(u + 5, "image/webp", 10) == 0);
}

/* Reads the tag at s (just past its '<'); returns the byte after its '>'. */
static const char *
fz_read_tag(const char *s)
{
	static const char	 omitted[] = "!-- raw HTML omitted -->";
	const char		*p = s, *name, *val;
	char			 attr[16];
	size_t			 n;
	int			 t, closing = 0;

	if (strncmp(p, omitted, sizeof omitted - 1) == 0)
		return p + sizeof omitted - 1;
	if (*p == '/') {
		closing = 1;
		p++;
	}
	name = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
		p++;
	FUZZ_ASSERT((t = fz_tag(name, (size_t)(p - name))) >= 0);
	if (closing) {
		FUZZ_ASSERT(*p == '>');
		return p + 1;
	}
	/* Attributes: ` name="value"`, each allowed on the tag. */
	while (*p == ' ' && p[1] != '/') {
		name = ++p;
		while (*p >= 'a' && *p <= 'z')
			p++;
		n = (size_t)(p - name);
		FUZZ_ASSERT(n > 0 && n < sizeof attr - 2);
		attr[0] = ' ';
		memcpy(attr + 1, name, n);
		attr[n + 1] = ' ';
		attr[n + 2] = '\0';
		FUZZ_ASSERT(strstr(tags[t].attrs, attr) != NULL);
		FUZZ_ASSERT(p[0] == '=' && p[1] == '"');
		val = p += 2;
		while (*p != '"' && *p != '\0') {
			FUZZ_ASSERT(*p != '<' && *p != '>');
			if (*p == '&')
				FUZZ_ASSERT(fz_entity(p) > 0);
			p++;
		}
		FUZZ_ASSERT(*p == '"');
		if (strcmp(attr, " href ") == 0 || strcmp(attr, " src ") == 0)
			fz_url(val, (size_t)(p - val));
		p++;
	}
	if (p[0] == ' ' && p[1] == '/')
		p += 2;
	FUZZ_ASSERT(*p == '>');
	return p + 1;
}

/* Checks the page's HTML, tag by tag. */
static void
fz_check_html(const char *h, size_t len)
{
	const char	*p = h;

	FUZZ_ASSERT(strlen(h) == len);
	FUZZ_ASSERT(utf8_valid(h, len));
	while (*p != '\0') {
		if (*p == '<')
			p = fz_read_tag(p + 1);
		else {
			FUZZ_ASSERT(*p != '>' && *p != '"');
			if (*p == '&')
				FUZZ_ASSERT(fz_entity(p) > 0);
			p++;
		}
	}
}

/* Runs the excerpt into a buffer of exactly size bytes (ASan sees any
 * write past it); the caller frees the result. */
static char *
fz_excerpt(const char *body, const char *title, size_t chars, size_t size)
{
	char	*out = malloc(size);

	if (out == NULL)
		abort();
	markdown_excerpt(body, title, chars, out, size);
	FUZZ_ASSERT(memchr(out, '\0', size) != NULL);
	FUZZ_ASSERT(utf8_valid(out, strlen(out)));
	FUZZ_ASSERT(utf8_count(out) <= chars);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 b, small;
	char		*in, *title, *body, *nl, *ref, *ex;
	size_t		 chars, exsize, max, fit;
	int		 rc;

	if (size < 3)
		return 0;
	chars = data[0];
	exsize = 1 + 4 * (size_t)data[1];
	max = 64 * (size_t)data[2];
	in = fuzz_strdup(data + 3, size - 3);
	title = in;
	if ((nl = strchr(in, '\n')) != NULL) {
		*nl = '\0';
		body = nl + 1;
	} else
		body = in + strlen(in);

	/* The page. */
	buf_init(&b, FUZZ_HTML_MAX);
	FUZZ_ASSERT(markdown_html(&b, body) == 0);
	if (b.len > 0) {
		fz_check_html(b.data, b.len);
		FUZZ_ASSERT(strcasestr(b.data, "<script") == NULL);
		FUZZ_ASSERT(strstr(b.data, "<h1") == NULL);
	}
	if (max > 0) {
		buf_init(&small, max);
		rc = markdown_html(&small, body);
		if (b.len <= max) {
			FUZZ_ASSERT(rc == 0 && small.len == b.len);
			FUZZ_ASSERT(b.len == 0 ||
			    memcmp(small.data, b.data, b.len) == 0);
		} else
			FUZZ_ASSERT(rc == -1 && small.len == 0);
		buf_free(&small);
	}
	buf_free(&b);

	/* The excerpt: a text can be three times its source (an invalid
	 * byte becomes U+FFFD), so the reference's buffer always holds it. */
	ref = fz_excerpt(body, title, chars, 3 * strlen(body) + 16);
	ex = fz_excerpt(body, title, chars, exsize);
	fit = utf8_fit(ref, strlen(ref), exsize - 1);
	FUZZ_ASSERT(strlen(ex) == fit && memcmp(ex, ref, fit) == 0);
	free(ex);
	free(ref);
	free(in);
	return 0;
}

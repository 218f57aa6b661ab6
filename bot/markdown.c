/* A letter's Markdown, parsed by cmark, as safe HTML or as plain text. */
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "markdown.h"
#include "messages/buf.h"
#include "messages/text.h"

/*
 * cmark 0.30 is safe by default (CMARK_OPT_SAFE is kept for older ones):
 * raw HTML becomes a comment and dangerous link targets become empty.
 * Hard breaks: letters are written line by line in Chinese, where a soft
 * break shown as a space would split a sentence. cmark passes bytes that
 * are not UTF-8 through unless told to check them: a letter read from a
 * GBK file (`fangfei letters add` takes the file as it is) would give the
 * page, served as UTF-8, and the poster's excerpt broken text; each such
 * sequence becomes U+FFFD instead.
 */
#define MARKDOWN_OPTS	\
	(CMARK_OPT_SAFE | CMARK_OPT_HARDBREAKS | CMARK_OPT_VALIDATE_UTF8)

/* Parses body; the tree is the caller's to free with cmark_node_free(). */
static cmark_node *
markdown_parse(const char *body)
{
	cmark_node	*doc;

	if ((doc = cmark_parse_document(body, strlen(body), MARKDOWN_OPTS)) ==
	    NULL)
		abort();	/* cmark returns NULL only out of memory */
	return doc;
}

/* Appends body as HTML. */
int
markdown_html(struct buf *b, const char *body)
{
	cmark_node	*doc = markdown_parse(body), *n;
	cmark_iter	*it;
	char		*html;
	int		 rc, level;

	/* The page's h1 is the title: the letter's headings go one down. */
	it = cmark_iter_new(doc);
	while (cmark_iter_next(it) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if (cmark_iter_get_event_type(it) == CMARK_EVENT_ENTER &&
		    cmark_node_get_type(n) == CMARK_NODE_HEADING &&
		    (level = cmark_node_get_heading_level(n)) < 6)
			(void)cmark_node_set_heading_level(n, level + 1);
	}
	cmark_iter_free(it);
	html = cmark_render_html(doc, MARKDOWN_OPTS);
	rc = buf_adds(b, html);
	free(html);
	cmark_node_free(doc);
	return rc;
}

/* Appends s to out at *o, as much as fits in whole characters; returns
 * 0, or -1 when it did not all fit. */
static int
markdown_put(const char *s, char *out, size_t size, size_t *o)
{
	size_t	 len = strlen(s), n = utf8_fit(s, len, size - *o - 1);

	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return n == len ? 0 : -1;
}

/* The text of a paragraph or heading: its text and code spans, line
 * breaks dropped (Chinese lines join without a space). The caller frees
 * it. */
static char *
markdown_text(cmark_node *block)
{
	struct buf	 b;
	cmark_iter	*it = cmark_iter_new(block);
	cmark_node	*n;
	const char	*lit;

	buf_init(&b, 64 * 1024);
	while (cmark_iter_next(it) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if ((cmark_node_get_type(n) == CMARK_NODE_TEXT ||
		    cmark_node_get_type(n) == CMARK_NODE_CODE) &&
		    (lit = cmark_node_get_literal(n)) != NULL)
			(void)buf_adds(&b, lit);	/* past 64 KiB: cut */
	}
	cmark_iter_free(it);
	return buf_steal(&b);
}

/* Writes body's opening as plain text. */
void
markdown_excerpt(const char *body, const char *title, size_t chars,
    char *out, size_t size)
{
	cmark_node		*doc = markdown_parse(body), *n;
	cmark_iter		*it = cmark_iter_new(doc);
	cmark_node_type		 type;
	char			*text;
	size_t			 o = 0;
	int			 full = 0;

	*out = '\0';
	while (!full && cmark_iter_next(it) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		type = cmark_node_get_type(n);
		if (cmark_iter_get_event_type(it) != CMARK_EVENT_ENTER ||
		    (type != CMARK_NODE_PARAGRAPH && type != CMARK_NODE_HEADING))
			continue;
		text = markdown_text(n);
		text_trim(text);
		if (*text != '\0' && !(type == CMARK_NODE_HEADING &&
		    strcmp(text, title) == 0))
			full = markdown_put(text, out, size, &o) == -1;
		free(text);
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	out[utf8_prefix(out, chars)] = '\0';
}

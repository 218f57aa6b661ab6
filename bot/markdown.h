/*
 * A letter's Markdown (CommonMark, through cmark) as HTML for the letter
 * page and as plain text for a poster's excerpt. Raw HTML in a letter
 * never passes and links to javascript:, vbscript:, file: or data: lose
 * their target, so a letter cannot script the page its readers open.
 */
#ifndef FANGFEI_MARKDOWN_H
#define FANGFEI_MARKDOWN_H

#include <stddef.h>

struct buf;

/* Appends body rendered as HTML to b: headings one level down (the page's
 * h1 is the letter's title), each line break kept as <br>. Returns 0, or
 * -1 when b's maximum was reached (b then holds what fitted). */
int	 markdown_html(struct buf *b, const char *body);

/* Writes body's text, without markup, to out (size bytes, NUL-terminated):
 * blocks joined, a heading equal to title left out, cut at chars
 * characters and never inside a UTF-8 sequence. */
void	 markdown_excerpt(const char *body, const char *title, size_t chars,
	    char *out, size_t size);

#endif

/*
 * The top of each letter's page (/l/CODE) as rendered once: the head, the
 * title, the issuer line and the letter's Markdown as HTML, up to the end
 * of the <article>. Everything below it (the hotline from the config, the
 * code's forms, a fresh form nonce, the poster's label) is written per
 * view. An entry is good while the letter's title, body, issuer and date
 * are what they were when it was rendered, so a changed letter is
 * rendered anew on its next view. Thread-safe.
 */
#ifndef FANGFEI_WEBCACHE_H
#define FANGFEI_WEBCACHE_H

#include "messages/buf.h"
#include "storage/letters.h"

#define WEBCACHE_LETTERS 64	/* letters kept; a letter's slot: id % 64 */

struct webcache;

struct webcache	*webcache_new(void);
void		 webcache_free(struct webcache *);	/* NULL: nothing */
/* Appends the kept top of l's page to out; returns 0, or -1 (out
 * untouched) when none is kept for l as it is now, or out's cap is
 * passed. */
int		 webcache_get(struct webcache *, const struct letter *l,
		    struct buf *out);
/* Keeps html (len bytes) as the top of l's page, in place of what its
 * slot held. */
void		 webcache_put(struct webcache *, const struct letter *l,
		    const char *html, size_t len);

#endif

/* Helpers for struct inbound and struct reply. */
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "xmalloc.h"

/* Frees the owned text. */
void
inbound_clear(struct inbound *in)
{
	free(in->text);
	in->text = NULL;
	free(in->reply_meta);
	in->reply_meta = NULL;
}

/* Copies a bounded identifier. */
int
inbound_set(char *field, size_t size, const char *s)
{
	size_t	 n = strlen(s);

	if (n >= size)
		return -1;
	memcpy(field, s, n + 1);
	return 0;
}

/* Appends a text the reply now owns. */
void
reply_add_owned(struct reply *r, char *text)
{
	char	*joined;

	if (r->ntexts < REPLY_TEXTS_MAX) {
		r->texts[r->ntexts++] = text;
		return;
	}
	joined = xasprintf("%s\n\n%s", r->texts[r->ntexts - 1], text);
	free(r->texts[r->ntexts - 1]);
	free(text);
	r->texts[r->ntexts - 1] = joined;
}

/* Appends a copy of text. */
void
reply_add(struct reply *r, const char *text)
{
	reply_add_owned(r, xstrdup(text));
}

/* Frees every text. */
void
reply_clear(struct reply *r)
{
	size_t	 i;

	for (i = 0; i < r->ntexts; i++)
		free(r->texts[i]);
	r->ntexts = 0;
	r->secret = 0;
}

/* The top of each letter's page, rendered once per letter. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "messages/xmalloc.h"
#include "webcache.h"

/* One letter's page top and the fields it was rendered from. */
struct webcache_entry {
	int64_t	 id;		/* 0: empty */
	char	*title;
	char	*body;
	char	*issuer;
	char	*issued_on;
	char	*html;
	size_t	 len;
};

struct webcache {
	pthread_mutex_t		 lock;
	struct webcache_entry	 e[WEBCACHE_LETTERS];
};

/* Empties an entry. */
static void
webcache_clear(struct webcache_entry *e)
{
	free(e->title);
	free(e->body);
	free(e->issuer);
	free(e->issued_on);
	free(e->html);
	memset(e, 0, sizeof *e);
}

/* Returns 1 if e was rendered from l as it is now. */
static int
webcache_fresh(const struct webcache_entry *e, const struct letter *l)
{
	return e->id == l->id && strcmp(e->title, l->title) == 0 &&
	    strcmp(e->body, l->body) == 0 &&
	    strcmp(e->issuer, l->issuer) == 0 &&
	    strcmp(e->issued_on, l->issued_on) == 0;
}

/* Makes an empty cache. */
struct webcache *
webcache_new(void)
{
	struct webcache	*c = xcalloc(1, sizeof *c);

	pthread_mutex_init(&c->lock, NULL);
	return c;
}

/* Frees the cache. */
void
webcache_free(struct webcache *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < WEBCACHE_LETTERS; i++)
		webcache_clear(&c->e[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Appends the kept top of l's page; see webcache.h. */
int
webcache_get(struct webcache *c, const struct letter *l, struct buf *out)
{
	struct webcache_entry	*e = &c->e[(uint64_t)l->id % WEBCACHE_LETTERS];
	int			 rc = -1;

	pthread_mutex_lock(&c->lock);
	if (webcache_fresh(e, l))
		rc = buf_add(out, e->html, e->len);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Keeps the top of l's page; see webcache.h. */
void
webcache_put(struct webcache *c, const struct letter *l, const char *html,
    size_t len)
{
	struct webcache_entry	*e = &c->e[(uint64_t)l->id % WEBCACHE_LETTERS];

	pthread_mutex_lock(&c->lock);
	webcache_clear(e);
	e->id = l->id;
	e->title = xstrdup(l->title);
	e->body = xstrdup(l->body);
	e->issuer = xstrdup(l->issuer);
	e->issued_on = xstrdup(l->issued_on);
	e->html = xmalloc(len);
	memcpy(e->html, html, len);
	e->len = len;
	pthread_mutex_unlock(&c->lock);
}

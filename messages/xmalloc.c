/* Allocation wrappers: out-of-memory is a broken invariant, not an error. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* Reports the failed size and aborts. */
static void __attribute__((noreturn))
xmalloc_die(size_t size)
{
	fprintf(stderr, "fangfei: out of memory allocating %zu bytes\n", size);
	abort();
}

/* Allocates size bytes (at least one). */
void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		xmalloc_die(size);
	return p;
}

/* Allocates a zeroed array of n elements of size bytes. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		xmalloc_die(n * size);
	return p;
}

/* Resizes p to size bytes (at least one). */
void *
xrealloc(void *p, size_t size)
{
	void	*q;

	if ((q = realloc(p, size == 0 ? 1 : size)) == NULL)
		xmalloc_die(size);
	return q;
}

/* Returns a copy of s; the caller frees it. */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* Returns a NUL-terminated copy of the first n bytes of s. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Formats into a newly allocated string; the caller frees it. */
char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) == -1)
		xmalloc_die(strlen(fmt));
	return s;
}

/* Formats into a newly allocated string; the caller frees it. */
char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

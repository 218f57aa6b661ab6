/*
 * Allocation wrappers that abort on out-of-memory, so that callers never
 * branch on NULL (the tmux convention). Every other module allocates
 * through these.
 */
#ifndef FANGFEI_XMALLOC_H
#define FANGFEI_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Returns a newly allocated formatted string; the caller frees it. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

#endif

/*
 * A growable byte buffer with a mandatory maximum (curl's dynbuf): appending
 * past the maximum is an error reported to the caller, never a silent cut.
 * Every buffer that holds outside input or a rendered text is one of these.
 */
#ifndef FANGFEI_BUF_H
#define FANGFEI_BUF_H

#include <stddef.h>

struct buf {
	char	*data;	/* always NUL-terminated once anything was added */
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* hard cap on len */
};

void	 buf_init(struct buf *, size_t max);
/* Appends n bytes; returns 0, or -1 (buffer unchanged) past the maximum. */
int	 buf_add(struct buf *, const void *, size_t n);
int	 buf_adds(struct buf *, const char *);
int	 buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_reset(struct buf *);
/* Hands the data to the caller (who frees it) and empties the buffer. */
char	*buf_steal(struct buf *);
void	 buf_free(struct buf *);

#endif

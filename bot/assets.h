/*
 * The console's static files (web/ in the source tree, and libraries
 * vendored from Debian packages at build time), embedded in the binary by
 * scripts/embed-assets.sh: nothing is loaded from elsewhere.
 */
#ifndef FANGFEI_ASSETS_H
#define FANGFEI_ASSETS_H

#include <stddef.h>

struct asset {
	const char		*path;	/* /assets/console/app.js */
	const char		*type;	/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
	const char		*etag;	/* quoted, of the content */
};

/* NULL-ended, generated. */
extern const struct asset assets_table[];

/* The asset at path (its query ignored), or NULL. */
const struct asset	*assets_find(const char *path);

#endif

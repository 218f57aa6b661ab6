/* The protocol vectors (tests/data/protocol-vectors.json) for the unit
 * tests that check adapters and crypto against them. */
#ifndef FANGFEI_TESTVEC_H
#define FANGFEI_TESTVEC_H

#include <stdarg.h>

#include <jansson.h>

#include "testutil.h"

/* Loads the vectors file; the caller decrefs it. */
static inline json_t *
vectors(void)
{
	json_error_t	 e;
	json_t		*j;
	char		*s = testutil_read("protocol-vectors.json", NULL);

	j = json_loads(s, 0, &e);
	if (j == NULL)
		fail_msg("vectors: %s line %d", e.text, e.line);
	free(s);
	return j;
}

/* Returns a string member found by a path of keys ("a", "b", NULL). */
static inline const char *
vstr(json_t *j, ...)
{
	va_list		 ap;
	const char	*k;

	va_start(ap, j);
	while ((k = va_arg(ap, const char *)) != NULL)
		j = json_object_get(j, k);
	va_end(ap);
	if (!json_is_string(j))
		fail_msg("vector string missing");
	return json_string_value(j);
}

#endif

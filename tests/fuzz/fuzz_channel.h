/* Channel instances for the harnesses, set up as the config would. */
#ifndef FANGFEI_FUZZ_CHANNEL_H
#define FANGFEI_FUZZ_CHANNEL_H

#include <stdarg.h>
#include <stdlib.h>

#include "bot/channel.h"
#include "fuzz_common.h"

/* Makes ch a channel NAME of backend b with the key, value pairs that
 * follow (NULL-ended); keys b does not take are skipped, so one list can
 * serve every backend. Aborts when the setup fails. */
static inline void
fuzz_channel(struct channel *ch, const char *name,
    const struct channel_backend *b, ...)
{
	const char	*k, *v;
	char		*cause = NULL, *warning = NULL;
	va_list		 ap;

	FUZZ_ASSERT(b != NULL);
	memset(ch, 0, sizeof *ch);
	ch->name = (char *)(uintptr_t)name;
	ch->backend = b;
	va_start(ap, b);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (channel_key_find(b, k) != NULL)
			FUZZ_ASSERT(channel_set(ch, k, v, &cause) == 0);
	}
	va_end(ap);
	FUZZ_ASSERT(channel_setup(ch, 1, &warning, &cause) == 0);
	free(warning);
}

#endif

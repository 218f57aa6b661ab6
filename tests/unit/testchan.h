/* Channel instances for the unit tests, set up as the config would. */
#ifndef FANGFEI_TESTCHAN_H
#define FANGFEI_TESTCHAN_H

#include <stdarg.h>

#include "bot/channel.h"

/* Sets key to value (NULL: removes it) and builds the backend's state
 * again, as a start with that config would (the server on loopback). */
static inline void
testchan_set(struct channel *ch, const char *key, const char *value)
{
	char	*cause = NULL, *warning = NULL;

	if (ch->state != NULL && ch->backend->cleanup != NULL)
		ch->backend->cleanup(ch);
	ch->state = NULL;
	if (key != NULL && channel_set(ch, key, value, &cause) == -1)
		fail_msg("channel_set: %s", cause);
	if (channel_setup(ch, 1, &warning, &cause) == -1)
		fail_msg("channel_setup: %s", cause);
	free(warning);
}

/* Makes ch a channel NAME of type with the key, value pairs that follow
 * (NULL-ended). testchan_free() releases it. */
static inline void
testchan_make(struct channel *ch, const char *name, const char *type, ...)
{
	const char	*k, *v;
	char		*cause = NULL;
	va_list		 ap;

	memset(ch, 0, sizeof *ch);
	ch->name = (char *)(uintptr_t)name;
	ch->backend = channel_backend_lookup(type);
	if (ch->backend == NULL)
		ch->backend = robot_backend_lookup(type);
	assert_non_null(ch->backend);
	va_start(ap, type);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (channel_set(ch, k, v, &cause) == -1)
			fail_msg("channel_set: %s", cause);
	}
	va_end(ap);
	testchan_set(ch, NULL, NULL);
}

/* Releases what testchan_make() made (not the name). */
static inline void
testchan_free(struct channel *ch)
{
	channel_clear(ch);
}

#endif

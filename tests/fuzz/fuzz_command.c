/*
 * Fuzzes command parsing (handlers/handlers.c handler_parse): the input is
 * a message text as a user types it ("/check 鑫源", "查询：鑫源", "report …").
 */
#include "fuzz_common.h"
#include "handlers/handlers.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct handler	*h, *again;
	const char		*args = NULL, *args2 = NULL;
	char			*text = fuzz_strdup(data, size);
	size_t			 len = strlen(text);

	h = handler_parse(text, &args);
	if (h != NULL) {
		/* args points into text, and the handler is in the table. */
		FUZZ_ASSERT(args != NULL && args >= text && args <= text + len);
		FUZZ_ASSERT(handler_find(h->name) == h);
		FUZZ_ASSERT(h->exec != NULL);
		/* Parsing is a pure function of the text. */
		again = handler_parse(text, &args2);
		FUZZ_ASSERT(again == h && args2 == args);
	}
	free(text);
	return 0;
}

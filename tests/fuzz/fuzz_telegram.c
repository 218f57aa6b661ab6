/*
 * Fuzzes the Telegram webhook adapter (bot/channel_telegram.c): the input is
 * the raw POST body of an Update, sent with the right secret-token header
 * so that it reaches the parser. Every valid UTF-8 body is also read by
 * both Update readers, yajl's events (bot/tg_update.c) and jansson's tree
 * (tests/unit/tg_tree.h): they must accept, refuse and read alike.
 */
#include <stdio.h>

#include "fuzz_channel.h"
#include "fuzz_webhook.h"
#include "messages/text.h"
#include "tests/unit/tg_tree.h"

/* The two readers of body must agree; aborts when they do not. */
static void
fuzz_readers(const char *body, size_t size)
{
	struct tg_update	 a, b;
	enum tg_body		 ra, rb;
	const char		*what = "the result";

	if (!utf8_valid(body, size))
		return;
	ra = tg_update_read(body, size, &a);
	rb = tg_tree_read(body, size, &b);
	if (ra != rb || (ra == TG_BODY_OK && !tg_tree_same(&a, &b, &what))) {
		fprintf(stderr, "fuzz_telegram: the readers differ on %s "
		    "(events %d, jansson %d)\n", what, ra, rb);
		abort();
	}
	tg_update_free(&a);
	tg_update_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct channel	 ch;
	struct fuzz_headers	 hdrs = {
		{ "X-Telegram-Bot-Api-Secret-Token", "Content-Type", NULL },
		{ "s3cr3t_Token-01", "application/json", NULL },
	};
	char			*body;

	if (ch.backend == NULL) {
		fuzz_channel(&ch, "tg", channel_backend_lookup("telegram"),
		    "secret_token", "s3cr3t_Token-01", "bot_username",
		    "FangfeiBot", NULL);
		ch.locale = LOCALE_ZH;
		ch.area = "张店区/车站街道";
		ch.area_id = 2;
	}
	body = fuzz_strdup(data, size);
	fuzz_readers(body, size);
	fuzz_webhook(&ch, body, size, &hdrs);
	free(body);
	return 0;
}

/*
 * Fuzzes the Telegram webhook adapter (bot/channel_telegram.c): the input is
 * the raw POST body of an Update, sent with the right secret-token header
 * so that it reaches the parser.
 */
#include "fuzz_channel.h"
#include "fuzz_webhook.h"

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
	fuzz_webhook(&ch, body, size, &hdrs);
	free(body);
	return 0;
}

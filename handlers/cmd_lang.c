/* 语言 / /lang: sets the language of this chat (group or private). */
#include "handlers.h"
#include "storage/chats.h"

static const char *const cmd_lang_aliases[] = {
	"/lang", "/language", "lang", "语言", NULL
};

/* Stores the chat's language and confirms in it. */
static enum handler_ret
cmd_lang_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	enum locale	 loc;

	if (*args == '\0' || locale_parse(args, &loc) == -1) {
		handler_say(ctx, r, MSG_LANG_BAD, NULL);
		return HANDLER_USAGE;
	}
	if (groups_set_locale(ctx->store, ctx->in->channel, ctx->in->chat_id,
	    ctx->in->chat_kind == CHAT_GROUP ? NULL : "private",
	    locale_name(loc), ctx->now) != STORE_OK)
		return HANDLER_FAILED;
	ctx->locale = loc;
	handler_say(ctx, r, MSG_LANG_SET, NULL);
	return HANDLER_OK;
}

const struct handler cmd_lang_entry = {
	.name = "lang",
	.aliases = cmd_lang_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_LANG,
	.flags = HANDLER_WRITES,
	.exec = cmd_lang_exec,
};

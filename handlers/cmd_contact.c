/* 联系 / /contact: the liaison of the chat's area and the hotline. */
#include "handlers.h"
#include "storage/areas.h"

static const char *const cmd_contact_aliases[] = {
	"/contact", "contact", "联系", "联系方式", "热线", NULL
};

/* Answers with the nearest liaison up the area tree. */
static enum handler_ret
cmd_contact_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct area_contact	 c = { NULL, NULL, NULL };
	enum store_status	 st = STORE_NOT_FOUND;
	struct msg_var		 vars[] = {
		{ "hotline", ctx->env->hotline }, { "area", NULL },
		{ "liaison", NULL }, { "phone", NULL }, { NULL, NULL }
	};

	(void)args;
	if (ctx->area_id != 0 &&
	    (st = areas_contact(ctx->store, ctx->area_id, &c)) != STORE_OK &&
	    st != STORE_NOT_FOUND)
		return HANDLER_FAILED;
	if (st == STORE_OK && c.liaison != NULL) {
		vars[1].value = c.path;
		vars[2].value = c.liaison;
		vars[3].value = c.phone ? c.phone : ctx->env->hotline;
		handler_say(ctx, r, MSG_CONTACT_AREA, vars);
	} else
		handler_say(ctx, r, MSG_CONTACT_NONE, vars);
	area_contact_clear(&c);
	return HANDLER_OK;
}

const struct handler cmd_contact_entry = {
	.name = "contact",
	.aliases = cmd_contact_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_CONTACT,
	/* Reads only: the same in practice. */
	.flags = HANDLER_PRACTICE,
	.exec = cmd_contact_exec,
};

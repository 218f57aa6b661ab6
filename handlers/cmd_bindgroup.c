/*
 * 绑定群 / /bindgroup <area> <kind>: staff attach the group they write in to
 * an area of their own subtree, as a building, community, grid-worker or
 * police-assistant group; warnings then reach it. A group already attached
 * to an area outside the sender's subtree stays as it is.
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "storage/areas.h"
#include "storage/chats.h"
#include "storage/staff.h"

static const char *const cmd_bindgroup_aliases[] = {
	"/bindgroup", "bindgroup", "绑定群", "关联群", NULL
};

/* Words for each kind, in both languages. */
static const struct {
	const char	*word;
	const char	*kind;
	enum msg_key	 text;
} kinds[] = {
	{ "building", "building", MSG_KIND_BUILDING },
	{ "楼宇群", "building", MSG_KIND_BUILDING },
	{ "楼栋群", "building", MSG_KIND_BUILDING },
	{ "community", "community", MSG_KIND_COMMUNITY },
	{ "社区群", "community", MSG_KIND_COMMUNITY },
	{ "grid_worker", "grid_worker", MSG_KIND_GRID_WORKER },
	{ "网格员群", "grid_worker", MSG_KIND_GRID_WORKER },
	{ "网格员联络群", "grid_worker", MSG_KIND_GRID_WORKER },
	{ "police", "police", MSG_KIND_POLICE },
	{ "警务群", "police", MSG_KIND_POLICE },
	{ "警务助理工作群", "police", MSG_KIND_POLICE },
};

/* Attaches the current group. */
static enum handler_ret
cmd_bindgroup_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct chat_info ci;
	char		 area[512], word[64];
	int64_t		 id;
	size_t		 i;
	struct msg_var	 vars[] = {
		{ "area", area }, { "kind", NULL },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_BINDGROUP) },
		{ NULL, NULL }
	};

	if (ctx->in->chat_kind != CHAT_GROUP) {
		handler_say(ctx, r, MSG_BINDGROUP_PRIVATE, NULL);
		return HANDLER_USAGE;
	}
	if (groups_seen(ctx->store, ctx->in->channel, ctx->in->chat_id, NULL, 0,
	    ctx->now, &ci) == STORE_OK && ci.area_id != 0 &&
	    !areas_within(ctx->store, ci.area_id, ctx->staff_area)) {
		if (areas_path(ctx->store, ci.area_id, area, sizeof area) !=
		    STORE_OK)
			return HANDLER_FAILED;
		handler_say(ctx, r, MSG_BINDGROUP_TAKEN, vars);
		return HANDLER_USAGE;
	}
	(void)handler_word(handler_word(args, area, sizeof area), word,
	    sizeof word);
	if (area[0] == '\0' || word[0] == '\0') {
		handler_say(ctx, r, MSG_NEED_ARGS, vars);
		return HANDLER_USAGE;
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].word, word) == 0)
			break;
	if (i == sizeof kinds / sizeof kinds[0]) {
		handler_say(ctx, r, MSG_KIND_BAD, NULL);
		return HANDLER_USAGE;
	}
	if (handler_my_area(ctx, area, &id, r) == -1)
		return HANDLER_USAGE;
	if (groups_set_area(ctx->store, ctx->in->channel, ctx->in->chat_id, id,
	    kinds[i].kind, ctx->now) != STORE_OK ||
	    areas_path(ctx->store, id, area, sizeof area) != STORE_OK)
		return HANDLER_FAILED;
	vars[1].value = msg_template(ctx->locale, kinds[i].text);
	handler_say(ctx, r, MSG_BINDGROUP_OK, vars);
	return HANDLER_OK;
}

const struct handler cmd_bindgroup_entry = {
	.name = "bindgroup",
	.aliases = cmd_bindgroup_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_BINDGROUP,
	.flags = HANDLER_WRITES,
	.exec = cmd_bindgroup_exec,
};

/*
 * 巡查 / /patrol <楼栋> <情况>: a grid worker (or anyone above) records the
 * week's patrol of a building of their subtree with what they found. The
 * answer says how many of their buildings are patrolled this week. Only
 * in a private chat: findings name households and are not for a group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "messages/text.h"
#include "storage/areas.h"
#include "storage/patrols.h"
#include "storage/staff.h"

#define PATROL_FINDING_CHARS	500

static const char *const cmd_patrol_aliases[] = {
	"/patrol", "patrol", "巡查", NULL
};

/* The number of components of a path: its level in the tree. */
static int
cmd_patrol_level(const char *path)
{
	int	 level = 1;

	for (; *path != '\0'; path++)
		if (*path == '/')
			level++;
	return level;
}

/* Records the patrol and answers with the week's coverage. */
static enum handler_ret
cmd_patrol_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	char		 area[AREA_PATH_MAX], mine[AREA_PATH_MAX] = "";
	char		 week[PATROL_WEEK_LEN], when[24], by[32], len[24];
	char		 max[24], nb[24], np[24];
	const char	*finding;
	int64_t		 aid, id;
	long		 buildings, patrolled;
	time_t		 local;
	struct tm	 tm;
	struct msg_var	 vars[] = {
		{ "area", area }, { "mine", mine }, { "week", week },
		{ "when", when }, { "len", len }, { "max", max },
		{ "buildings", nb }, { "patrolled", np },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_PATROL) },
		{ NULL, NULL }
	};

	if (ctx->in->chat_kind == CHAT_GROUP) {
		handler_say(ctx, r, MSG_PATROL_PRIVATE, NULL);
		return HANDLER_OK;
	}
	finding = handler_word(args, area, sizeof area);
	if (area[0] == '\0' || *finding == '\0') {
		handler_say(ctx, r, MSG_NEED_ARGS, vars);
		return HANDLER_USAGE;
	}
	if (utf8_count(finding) > PATROL_FINDING_CHARS) {
		(void)snprintf(len, sizeof len, "%zu", utf8_count(finding));
		(void)snprintf(max, sizeof max, "%d", PATROL_FINDING_CHARS);
		handler_say(ctx, r, MSG_PATROL_TOO_LONG, vars);
		return HANDLER_USAGE;
	}
	if (handler_my_area(ctx, area, &aid, r) == -1)
		return HANDLER_USAGE;
	if (areas_path(ctx->store, aid, area, sizeof area) != STORE_OK ||
	    areas_path(ctx->store, ctx->staff_area, mine, sizeof mine) !=
	    STORE_OK)
		return HANDLER_FAILED;
	if (cmd_patrol_level(area) != PATROL_LEVEL_BUILDING) {
		handler_say(ctx, r, MSG_PATROL_NOT_BUILDING, vars);
		return HANDLER_USAGE;
	}
	patrol_week(ctx->now, ctx->env->utc_offset, week);
	(void)snprintf(by, sizeof by, "staff:%lld", (long long)ctx->staff_id);
	if (patrols_add(ctx->store, ctx->staff_id, aid, finding, ctx->now, week,
	    &id) != STORE_OK ||
	    audit_add_area(ctx->store, by, "patrol", area, aid, ctx->now) !=
	    STORE_OK ||
	    patrols_tally(ctx->store, ctx->staff_area, week, &buildings,
	    &patrolled) != STORE_OK)
		return HANDLER_FAILED;
	local = ctx->now + ctx->env->utc_offset;
	(void)gmtime_r(&local, &tm);
	(void)strftime(when, sizeof when, "%m-%d %H:%M", &tm);
	/* Shown as the worker knows it, below their own area. */
	memmove(area, patrol_relative(area, mine),
	    strlen(patrol_relative(area, mine)) + 1);
	(void)snprintf(nb, sizeof nb, "%ld", buildings);
	(void)snprintf(np, sizeof np, "%ld", patrolled);
	handler_say(ctx, r, buildings > 0 && patrolled >= buildings ?
	    MSG_PATROL_OK_ALL : MSG_PATROL_OK, vars);
	return HANDLER_OK;
}

const struct handler cmd_patrol_entry = {
	.name = "patrol",
	.aliases = cmd_patrol_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_PATROL,
	.flags = HANDLER_WRITES,
	.exec = cmd_patrol_exec,
};

/*
 * 巡查记录 / /patrols: a grid worker's patrols of this week (building, when,
 * finding) and the buildings of their area that nobody has patrolled yet.
 * Private chats only, as 巡查 itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/patrols.h"
#include "storage/staff.h"

#define PATROLS_LISTED		20	/* patrols shown */
#define PATROLS_MISSING		30	/* buildings named */
#define PATROLS_FINDING		60	/* characters of a finding shown */

static const char *const cmd_patrols_aliases[] = {
	"/patrols", "patrols", "巡查记录", NULL
};

/* Appends the sender's patrols of week to b. */
static enum handler_ret
cmd_patrols_mine(struct handler_ctx *ctx, const char *week, const char *mine,
    struct buf *b)
{
	struct patrol_row	*rows;
	size_t			 n = 0, i, cut;
	char			 when[24], count[24];
	char			 finding[PATROLS_FINDING * 4 + 8];
	time_t			 local;
	struct tm		 tm;
	struct msg_var		 vars[] = {
		{ "week", week }, { "n", count }, { "when", when },
		{ "area", NULL }, { "finding", finding }, { NULL, NULL }
	};

	rows = xcalloc(PATROLS_LISTED + 1, sizeof *rows);
	if (patrols_list(ctx->store, ctx->staff_id, 0, week, rows,
	    PATROLS_LISTED + 1, &n) != STORE_OK) {
		free(rows);
		return HANDLER_FAILED;
	}
	if (n == 0) {
		(void)msg_render(b, ctx->locale, MSG_PATROLS_NONE, vars);
		free(rows);
		return HANDLER_OK;
	}
	(void)snprintf(count, sizeof count, "%s%zu", n > PATROLS_LISTED ?
	    ">" : "", n > PATROLS_LISTED ? (size_t)PATROLS_LISTED : n);
	(void)msg_render(b, ctx->locale, MSG_PATROLS_HEAD, vars);
	for (i = 0; i < n && i < PATROLS_LISTED; i++) {
		local = rows[i].at + ctx->env->utc_offset;
		(void)gmtime_r(&local, &tm);
		(void)strftime(when, sizeof when, "%m-%d %H:%M", &tm);
		vars[3].value = patrol_relative(rows[i].area_path, mine);
		cut = utf8_prefix(rows[i].finding, PATROLS_FINDING);
		(void)snprintf(finding, sizeof finding, "%.*s%s", (int)cut,
		    rows[i].finding, rows[i].finding[cut] != '\0' ? "…" : "");
		(void)buf_adds(b, "\n");
		(void)msg_render(b, ctx->locale, MSG_PATROLS_LINE, vars);
	}
	free(rows);
	return HANDLER_OK;
}

/* Appends the buildings of the sender's area without a patrol to b. */
static enum handler_ret
cmd_patrols_missing(struct handler_ctx *ctx, const char *week,
    const char *mine, struct buf *b)
{
	struct patrol_area	*left;
	struct buf		 list;
	size_t			 n = 0, i;
	long			 total, buildings, patrolled;
	char			 count[24], nb[24], more[24], *s;
	struct msg_var		 vars[] = {
		{ "n", count }, { "buildings", nb }, { "list", NULL },
		{ NULL, NULL }
	};
	struct msg_var		 mvars[] = { { "n", more }, { NULL, NULL } };

	if (patrols_tally(ctx->store, ctx->staff_area, week, &buildings,
	    &patrolled) != STORE_OK)
		return HANDLER_FAILED;
	(void)snprintf(nb, sizeof nb, "%ld", buildings);
	(void)buf_adds(b, "\n");
	if (buildings == 0) {
		(void)msg_render(b, ctx->locale, MSG_PATROLS_NO_BUILDINGS, vars);
		return HANDLER_OK;
	}
	if (patrolled >= buildings) {
		(void)msg_render(b, ctx->locale, MSG_PATROLS_ALL_DONE, vars);
		return HANDLER_OK;
	}
	left = xcalloc(PATROLS_MISSING, sizeof *left);
	if (patrols_unpatrolled(ctx->store, ctx->staff_area, week, left,
	    PATROLS_MISSING, &n, &total) != STORE_OK) {
		free(left);
		return HANDLER_FAILED;
	}
	buf_init(&list, REPLY_TEXT_MAX / 4);
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)buf_adds(&list, "、");
		(void)buf_adds(&list, patrol_relative(left[i].path, mine));
	}
	if (total > (long)n) {
		(void)snprintf(more, sizeof more, "%ld", total - (long)n);
		s = msg_format(ctx->locale, MSG_PATROLS_MORE, mvars);
		(void)buf_adds(&list, " ");
		(void)buf_adds(&list, s);
		free(s);
	}
	(void)snprintf(count, sizeof count, "%ld", total);
	s = buf_steal(&list);
	vars[2].value = s != NULL ? s : "";
	(void)msg_render(b, ctx->locale, MSG_PATROLS_MISSING, vars);
	free(s);
	free(left);
	return HANDLER_OK;
}

/* Answers with the week's patrols and what is left. */
static enum handler_ret
cmd_patrols_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	char			 week[PATROL_WEEK_LEN], mine[AREA_PATH_MAX];
	struct buf		 b;
	enum handler_ret	 ret;

	(void)args;
	if (ctx->in->chat_kind == CHAT_GROUP) {
		handler_say(ctx, r, MSG_PATROL_PRIVATE, NULL);
		return HANDLER_OK;
	}
	if (areas_path(ctx->store, ctx->staff_area, mine, sizeof mine) !=
	    STORE_OK)
		return HANDLER_FAILED;
	patrol_week(ctx->now, ctx->env->utc_offset, week);
	buf_init(&b, REPLY_TEXT_MAX);
	if ((ret = cmd_patrols_mine(ctx, week, mine, &b)) == HANDLER_OK)
		ret = cmd_patrols_missing(ctx, week, mine, &b);
	if (ret != HANDLER_OK) {
		buf_free(&b);
		return ret;
	}
	reply_add_owned(r, buf_steal(&b));
	return HANDLER_OK;
}

const struct handler cmd_patrols_entry = {
	.name = "patrols",
	.aliases = cmd_patrols_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_PATROLS,
	.flags = 0,
	.exec = cmd_patrols_exec,
};

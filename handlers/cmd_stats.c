/*
 * 统计 / /stats [区域]: a staff member's figures of their area (or of an
 * area within it): this month's new tips by state, the open tips and how
 * many are overdue, this week's patrols, this month's warnings with their
 * delivery, and the reach of the newest letter. The same figures as the
 * console's overview (storage/overview.h), read in the dispatcher's one
 * snapshot. Private chats only: a group's residents do not see them.
 * Tips of no known area count for an office or admin at the top of the
 * tree, as on the overview; practice tips never count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tipcmd.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/letters.h"
#include "storage/outbox.h"
#include "storage/overview.h"
#include "storage/patrols.h"
#include "storage/staff.h"

static const char *const cmd_stats_aliases[] = {
	"/stats", "stats", "统计", "数据统计", NULL
};

/* The bounds of the local month holding now. */
static void
cmd_stats_month(const struct handler_ctx *ctx, time_t *since, time_t *until,
    char name[24])
{
	time_t		 local = ctx->now + ctx->env->utc_offset;
	struct tm	 tm, first;

	gmtime_r(&local, &tm);
	memset(&first, 0, sizeof first);
	first.tm_year = tm.tm_year;
	first.tm_mon = tm.tm_mon;
	first.tm_mday = 1;
	*since = timegm(&first) - ctx->env->utc_offset;
	first.tm_mon++;		/* timegm() carries December into January */
	*until = timegm(&first) - ctx->env->utc_offset;
	(void)snprintf(name, 24, "%04d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1);
}

/* part in whole as a percentage, to a tenth below 10 % ("0.3%", "50%");
 * "-" for an empty whole. */
static void
cmd_stats_rate(long part, long whole, char out[24])
{
	long	 permille;

	if (whole <= 0) {
		(void)snprintf(out, 24, "-");
		return;
	}
	permille = (part * 1000 + whole / 2) / whole;
	if (permille < 100)
		(void)snprintf(out, 24, "%ld.%ld%%", permille / 10,
		    permille % 10);
	else
		(void)snprintf(out, 24, "%ld%%", (part * 100 + whole / 2) /
		    whole);
}

/* This month's new tips by state, and the open and overdue ones. */
static enum handler_ret
cmd_stats_tips(struct handler_ctx *ctx, int64_t area, int unknown,
    time_t since, time_t until, struct buf *b)
{
	struct buf		 states;
	long			 total[TIP_STATES], sum = 0, open, overdue;
	int			 k;
	char			 count[24], nopen[24], nlate[24], *list;
	struct msg_var		 vars[] = {
		{ "n", count }, { "states", NULL }, { "state", NULL },
		{ "open", nopen }, { "overdue", nlate }, { NULL, NULL }
	};

	if (overview_states(ctx->store, area, unknown, since, until, total) !=
	    STORE_OK ||
	    overview_open(ctx->store, area, unknown, ctx->now, &open,
	    &overdue) != STORE_OK)
		return HANDLER_FAILED;
	for (k = 0; k < TIP_STATES; k++)
		sum += total[k];
	(void)buf_adds(b, "\n");
	if (sum == 0)
		(void)msg_render(b, ctx->locale, MSG_STATS_TIPS_NONE, vars);
	else {
		buf_init(&states, 256);
		for (k = 0; k < TIP_STATES; k++) {
			if (total[k] == 0)
				continue;
			if (states.len > 0)
				(void)msg_render(&states, ctx->locale,
				    MSG_STATS_SEP, NULL);
			(void)snprintf(count, sizeof count, "%ld", total[k]);
			vars[2].value = tipcmd_state(ctx, (enum tip_state)k);
			(void)msg_render(&states, ctx->locale, MSG_STATS_STATE,
			    vars);
		}
		list = buf_steal(&states);
		(void)snprintf(count, sizeof count, "%ld", sum);
		vars[1].value = list != NULL ? list : "";
		(void)msg_render(b, ctx->locale, MSG_STATS_TIPS, vars);
		free(list);
	}
	(void)snprintf(nopen, sizeof nopen, "%ld", open);
	(void)snprintf(nlate, sizeof nlate, "%ld", overdue);
	(void)buf_adds(b, "\n");
	(void)msg_render(b, ctx->locale, MSG_STATS_OPEN, vars);
	return HANDLER_OK;
}

/* This week's patrols: buildings patrolled of those in the area. */
static enum handler_ret
cmd_stats_patrols(struct handler_ctx *ctx, int64_t area, struct buf *b)
{
	char		 week[PATROL_WEEK_LEN], nb[24], np[24], rate[24];
	long		 buildings, patrolled;
	struct msg_var	 vars[] = {
		{ "week", week }, { "buildings", nb }, { "patrolled", np },
		{ "rate", rate }, { NULL, NULL }
	};

	patrol_week(ctx->now, ctx->env->utc_offset, week);
	if (patrols_tally(ctx->store, area, week, &buildings, &patrolled) !=
	    STORE_OK)
		return HANDLER_FAILED;
	(void)snprintf(nb, sizeof nb, "%ld", buildings);
	(void)snprintf(np, sizeof np, "%ld", patrolled);
	cmd_stats_rate(patrolled, buildings, rate);
	(void)buf_adds(b, "\n");
	(void)msg_render(b, ctx->locale, buildings > 0 ? MSG_STATS_PATROLS :
	    MSG_STATS_PATROLS_NONE, vars);
	return HANDLER_OK;
}

/* This month's warnings to the area's subtree and what became of them. */
static enum handler_ret
cmd_stats_warnings(struct handler_ctx *ctx, int64_t area, time_t since,
    time_t until, struct buf *b)
{
	struct broadcast_counts		 c;
	long				 n;
	char				 count[24], ns[24], nw[24], nd[24];
	struct msg_var			 vars[] = {
		{ "n", count }, { "sent", ns }, { "waiting", nw },
		{ "failed", nd }, { NULL, NULL }
	};

	if (broadcasts_counts_under(ctx->store, area, since, until, &n, &c) !=
	    STORE_OK)
		return HANDLER_FAILED;
	(void)snprintf(count, sizeof count, "%ld", n);
	(void)snprintf(ns, sizeof ns, "%ld", c.sent);
	(void)snprintf(nw, sizeof nw, "%ld", c.pending + c.sending +
	    c.accepted);
	(void)snprintf(nd, sizeof nd, "%ld", c.dead);
	(void)buf_adds(b, "\n");
	(void)msg_render(b, ctx->locale, n > 0 ? MSG_STATS_WARNINGS :
	    MSG_STATS_WARNINGS_NONE, vars);
	return HANDLER_OK;
}

/* The sum of a letter's reach over the topmost areas that hold its
 * codes: rows come in path order, and a row below the last top is
 * already in that top's figures. */
struct cmd_stats_reach {
	char	 top[AREA_PATH_MAX];
	long	 households, scans, devices;
	size_t	 rows;
};

/* letters_reach()'s fn: adds the rows that are not below the last top. */
static void
cmd_stats_reach_row(const struct reach_row *r, void *arg)
{
	struct cmd_stats_reach	*sum = arg;
	size_t			 n = strlen(sum->top);

	if (n > 0 && strncmp(r->path, sum->top, n) == 0 && r->path[n] == '/')
		return;
	(void)snprintf(sum->top, sizeof sum->top, "%s", r->path);
	sum->households += r->households;
	sum->scans += r->scans;
	sum->devices += r->devices;
	sum->rows++;
}

/* The newest letter that concerns the area, with its reach there. */
static enum handler_ret
cmd_stats_letter(struct handler_ctx *ctx, int64_t area, struct buf *b)
{
	struct cmd_stats_reach	*sum;
	enum store_status	 st;
	int64_t			 id;
	char			 title[256], nh[24], ns[24], nd[24], rate[24];
	struct msg_var		 vars[] = {
		{ "title", title }, { "households", nh }, { "scans", ns },
		{ "devices", nd }, { "rate", rate }, { NULL, NULL }
	};

	st = overview_letter(ctx->store, area, &id, title, sizeof title);
	if (st == STORE_NOT_FOUND)
		return HANDLER_OK;
	if (st != STORE_OK)
		return HANDLER_FAILED;
	sum = xcalloc(1, sizeof *sum);
	if (letters_reach(ctx->store, id, area, cmd_stats_reach_row, sum) !=
	    STORE_OK) {
		free(sum);
		return HANDLER_FAILED;
	}
	(void)snprintf(nh, sizeof nh, "%ld", sum->households);
	(void)snprintf(ns, sizeof ns, "%ld", sum->scans);
	(void)snprintf(nd, sizeof nd, "%ld", sum->devices);
	cmd_stats_rate(sum->devices, sum->households, rate);
	(void)buf_adds(b, "\n");
	(void)msg_render(b, ctx->locale, sum->rows > 0 ? MSG_STATS_LETTER :
	    MSG_STATS_LETTER_NONE, vars);
	free(sum);
	return HANDLER_OK;
}

/* Answers with the area's figures. */
static enum handler_ret
cmd_stats_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	char			 path[AREA_PATH_MAX], month[24];
	struct msg_var		 vars[] = {
		{ "area", path }, { "month", month }, { NULL, NULL }
	};
	struct buf		 b;
	enum handler_ret	 ret;
	time_t			 since, until;
	int64_t			 area = ctx->staff_area;
	int			 unknown;

	if (ctx->in->chat_kind == CHAT_GROUP) {
		handler_say(ctx, r, MSG_STATS_PRIVATE, NULL);
		return HANDLER_OK;
	}
	if (*args != '\0' && handler_my_area(ctx, args, &area, r) == -1)
		return HANDLER_OK;
	if (areas_path(ctx->store, area, path, sizeof path) != STORE_OK)
		return HANDLER_FAILED;
	/* The tips of no known area are the top's, as on the overview. */
	unknown = ctx->role >= ROLE_OFFICE && strchr(path, '/') == NULL;
	cmd_stats_month(ctx, &since, &until, month);
	buf_init(&b, REPLY_TEXT_MAX);
	(void)msg_render(&b, ctx->locale, MSG_STATS_HEAD, vars);
	if ((ret = cmd_stats_tips(ctx, area, unknown, since, until, &b)) ==
	    HANDLER_OK &&
	    (ret = cmd_stats_patrols(ctx, area, &b)) == HANDLER_OK &&
	    (ret = cmd_stats_warnings(ctx, area, since, until, &b)) ==
	    HANDLER_OK)
		ret = cmd_stats_letter(ctx, area, &b);
	if (ret != HANDLER_OK) {
		buf_free(&b);
		return ret;
	}
	(void)buf_adds(&b, "\n");
	(void)msg_render(&b, ctx->locale, MSG_STATS_FOOT, NULL);
	reply_add_owned(r, buf_steal(&b));
	return HANDLER_OK;
}

const struct handler cmd_stats_entry = {
	.name = "stats",
	.aliases = cmd_stats_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_STATS,
	/* Reads only, but the practice chat has no staff member. */
	.flags = 0,
	.exec = cmd_stats_exec,
};

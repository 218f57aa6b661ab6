/*
 * 预警 / /warn <area> <text>: staff post a warning to every building and
 * community group under an area of their own subtree. The outbox rows are
 * committed with the dedupe record; delivery happens on its own thread.
 * In practice (the chat simulator) it only shows what would be sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "messages/sms.h"
#include "messages/text.h"
#include "storage/areas.h"
#include "storage/outbox.h"
#include "storage/staff.h"

#define WARN_MAX_CHARS	1000

static const char *const cmd_warn_aliases[] = {
	"/warn", "warn", "预警", "发布预警", NULL
};

/* Queues the warning and says to how many groups. */
static enum handler_ret
cmd_warn_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	char		 area[256], by[64], idtext[24], n[24];
	char		 len[24], max[24], numbers[24], parts[24], total[24];
	char		*body, *smsbody = NULL;
	const char	*text;
	int64_t		 aid, bid;
	long		 count;
	int		 cost = 0;
	struct broadcast_new	 b;
	struct broadcast_reach	 reach;
	struct msg_var	 vars[] = {
		/* The text first: it is filled in below. */
		{ "text", NULL },
		{ "area", area }, { "id", idtext }, { "n", n },
		{ "len", len }, { "max", max },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_WARN) },
		{ "hotline", ctx->env->hotline },
		{ "numbers", numbers }, { "parts", parts }, { "total", total },
		{ NULL, NULL }
	};

	text = handler_word(args, area, sizeof area);
	if (area[0] == '\0' || *text == '\0') {
		handler_say(ctx, r, MSG_NEED_ARGS, vars);
		return HANDLER_USAGE;
	}
	if (utf8_count(text) > WARN_MAX_CHARS) {
		(void)snprintf(len, sizeof len, "%zu", utf8_count(text));
		(void)snprintf(max, sizeof max, "%d", WARN_MAX_CHARS);
		handler_say(ctx, r, MSG_WARN_TOO_LONG, vars);
		return HANDLER_USAGE;
	}
	if (handler_my_area(ctx, area, &aid, r) == -1)
		return HANDLER_USAGE;
	(void)areas_path(ctx->store, aid, area, sizeof area);
	vars[0].value = text;
	body = msg_format(ctx->locale, MSG_WARN_BODY, vars);
	if (ctx->practice) {
		/* The simulator's grid worker: what the groups would read,
		 * and nothing queued, audited or counted. */
		vars[0].name = "body";
		vars[0].value = body;
		handler_say(ctx, r, MSG_WARN_PRACTICE, vars);
		free(body);
		return HANDLER_OK;
	}
	(void)snprintf(by, sizeof by, "staff:%lld", (long long)ctx->staff_id);
	/* The member's warnings in 24 hours, on all their accounts. */
	switch (broadcasts_day_limit(ctx->store, by,
	    ctx->env->warnings_per_day, ctx->now, &count)) {
	case STORE_OK:
		break;
	case STORE_INVALID:
		free(body);
		(void)snprintf(n, sizeof n, "%ld", count);
		(void)snprintf(max, sizeof max, "%d",
		    ctx->env->warnings_per_day);
		handler_say(ctx, r, MSG_WARN_LIMIT, vars);
		return HANDLER_USAGE;
	default:
		free(body);
		return HANDLER_FAILED;
	}
	memset(&b, 0, sizeof b);
	b.area = aid;
	b.kinds = "building,community";
	b.text = body;
	b.by = by;
	if (ctx->env->sms_channel != NULL) {
		/* The building's registered numbers too, in an SMS's words. */
		smsbody = msg_format(ctx->locale, MSG_WARN_BODY_SMS, vars);
		b.kinds = "building,community," BROADCAST_SMS;
		b.sms_text = smsbody;
		b.sms_channel = ctx->env->sms_channel;
		cost = sms_cost(smsbody, ctx->env->sms_max_parts, NULL);
	}
	if (broadcasts_create(ctx->store, &b, ctx->now, &bid, &reach) !=
	    STORE_OK ||
	    audit_add(ctx->store, by, "warn", area, ctx->now) != STORE_OK) {
		free(body);
		free(smsbody);
		return HANDLER_FAILED;
	}
	free(body);
	free(smsbody);
	(void)snprintf(idtext, sizeof idtext, "%lld", (long long)bid);
	(void)snprintf(n, sizeof n, "%ld", reach.groups);
	(void)snprintf(numbers, sizeof numbers, "%ld", reach.numbers);
	(void)snprintf(parts, sizeof parts, "%d", cost);
	(void)snprintf(total, sizeof total, "%ld", reach.numbers * cost);
	if (reach.groups == 0 && reach.numbers == 0) {
		handler_say(ctx, r, MSG_WARN_NONE, vars);
		return HANDLER_OK;
	}
	ctx->outbox_written = 1;
	handler_say(ctx, r, reach.numbers > 0 ? MSG_WARN_SENT_SMS :
	    MSG_WARN_SENT, vars);
	return HANDLER_OK;
}

const struct handler cmd_warn_entry = {
	.name = "warn",
	.aliases = cmd_warn_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_WARN,
	.flags = HANDLER_WRITES | HANDLER_PRACTICE,
	.exec = cmd_warn_exec,
};

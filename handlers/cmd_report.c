/*
 * 举报 / /report: a resident's tip. It is committed before the answer
 * goes out (the dispatcher runs this inside a transaction), gets a
 * reference like JB-20261121-7KQ3XZ (random: it tells nothing of other
 * tips), is linked to the chat's area, and the reporter's identity is
 * sealed apart from the tip. Only private chats get here: in a group the
 * dispatcher answers that tips go in a private chat and stores nothing.
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "tipflow.h"
#include "messages/text.h"
#include "storage/tips.h"

#define REPORT_MAX_CHARS	2000

static const char *const cmd_report_aliases[] = {
	/* 线索 is cmd_tips', which hands a resident's tip back here. */
	"/report", "report", "举报", "反映", NULL
};

/* Stores the tip and answers with its reference. */
static enum handler_ret
cmd_report_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	const struct inbound	*in = ctx->in;
	char			 ref[TIP_REF_MAX], day[16], len[24], max[24];
	struct tip_new		 t;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "len", len }, { "max", max }, { NULL, NULL }
	};
	size_t			 n;
	struct tipflow		 tf;
	struct tip_row		 row;
	enum tipflow_result	 fr;

	if (in->chat_kind == CHAT_GROUP) {
		/* The dispatcher never sends a group's tip here; if it did,
		 * storing it would expose the reporter to the group. */
		handler_say(ctx, r, MSG_GROUP_PRIVATE_ONLY, NULL);
		return HANDLER_USAGE;
	}
	if (*args == '\0') {
		handler_say(ctx, r, MSG_REPORT_EMPTY, NULL);
		return HANDLER_USAGE;
	}
	if ((n = utf8_count(args)) > REPORT_MAX_CHARS) {
		(void)snprintf(len, sizeof len, "%zu", n);
		(void)snprintf(max, sizeof max, "%d", REPORT_MAX_CHARS);
		handler_say(ctx, r, MSG_REPORT_TOO_LONG, vars);
		return HANDLER_USAGE;
	}
	handler_date(ctx, ctx->now, 1, day);
	memset(&t, 0, sizeof t);
	t.body = args;
	t.day = day;
	t.area_id = ctx->area_id;
	t.chat_kind = in->chat_kind == CHAT_GROUP ? "group" : "private";
	t.anonymous = in->anonymous;
	t.reporter.channel = in->channel;
	t.reporter.sender_id = in->sender_id;
	t.reporter.sender_name = in->sender_name;
	t.reporter.chat_id = in->chat_id;
	t.practice = ctx->practice;
	if (tips_create(ctx->store, &t, ctx->now, ref) != STORE_OK)
		return HANDLER_FAILED;
	/* A practice tip is kept out of the ledger's work: not linked to a
	 * real one, assigned to nobody, told to nobody. */
	if (ctx->practice) {
		handler_say(ctx, r, MSG_REPORT_OK, vars);
		return HANDLER_OK;
	}
	/* Linked, assigned and its workers told, in the same transaction. */
	tipflow_system(&tf, ctx->store, ctx->env, ctx->locale, ctx->now);
	if (tips_get(ctx->store, ref, &row) != STORE_OK)
		return HANDLER_FAILED;
	fr = tipflow_intake(&tf, row.id);
	tip_row_clear(&row);
	if (fr != TIPFLOW_OK)
		return HANDLER_FAILED;
	ctx->outbox_written = 1;
	handler_say(ctx, r, MSG_REPORT_OK, vars);
	return HANDLER_OK;
}

const struct handler cmd_report_entry = {
	.name = "report",
	.aliases = cmd_report_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_REPORT,
	.flags = HANDLER_WRITES | HANDLER_PRACTICE,
	.exec = cmd_report_exec,
};

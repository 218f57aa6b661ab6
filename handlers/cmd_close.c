/*
 * 销号 / /close <编号> [说明]: the office closes a tip that was dealt with
 * or found untrue; its reporter is told (handlers/tipflow.c).
 */
#include <string.h>

#include "tipcmd.h"

static const char *const cmd_close_aliases[] = {
	"/close", "close", "销号", NULL
};

/* Closes a tip. */
static enum handler_ret
cmd_close_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tipflow		 tf;
	struct tip_row		 t;
	char			 ref[TIP_REF_MAX];
	const char		*note;
	enum tipflow_result	 fr;
	enum handler_ret	 hr;

	if (tipcmd_group(ctx, r))
		return HANDLER_USAGE;
	if ((note = tipcmd_ref(args, ref)) == NULL)
		return tipcmd_usage(ctx, MSG_USAGE_CLOSE, r);
	if (tipcmd_too_long(ctx, note, r))
		return HANDLER_USAGE;
	tipcmd_flow(ctx, &tf);
	memset(&t, 0, sizeof t);
	fr = tipcmd_move(&tf, ref, TIP_MOVE_CLOSE, *note != '\0' ? note :
	    NULL, NULL, 0, &t);
	if (fr == TIPFLOW_OK)
		ctx->outbox_written = 1;
	hr = tipcmd_answer(ctx, &tf, fr, ref, TIP_MOVE_CLOSE, &t, r);
	tip_row_clear(&t);
	return hr;
}

const struct handler cmd_close_entry = {
	.name = "close",
	.aliases = cmd_close_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_CLOSE,
	.flags = HANDLER_WRITES,
	.exec = cmd_close_exec,
};

/*
 * 退回 / /return <编号> <理由>: a tip goes one step back (an assignee hands
 * it back, a chief reopens a check, the office reopens a closed tip); the
 * reason is required and kept in the history.
 */
#include <string.h>

#include "tipcmd.h"

static const char *const cmd_return_aliases[] = {
	"/return", "return", "退回", NULL
};

/* Sends a tip one step back. */
static enum handler_ret
cmd_return_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tipflow		 tf;
	struct tip_row		 t;
	char			 ref[TIP_REF_MAX];
	const char		*note;
	enum tipflow_result	 fr;
	enum handler_ret	 hr;

	if (tipcmd_group(ctx, r))
		return HANDLER_USAGE;
	if ((note = tipcmd_ref(args, ref)) == NULL || *note == '\0')
		return tipcmd_usage(ctx, MSG_USAGE_RETURN, r);
	if (tipcmd_too_long(ctx, note, r))
		return HANDLER_USAGE;
	tipcmd_flow(ctx, &tf);
	memset(&t, 0, sizeof t);
	fr = tipcmd_move(&tf, ref, TIP_MOVE_RETURN, note, NULL, 0, &t);
	hr = tipcmd_answer(ctx, &tf, fr, ref, TIP_MOVE_RETURN, &t, r);
	tip_row_clear(&t);
	return hr;
}

const struct handler cmd_return_entry = {
	.name = "return",
	.aliases = cmd_return_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_RETURN,
	.flags = HANDLER_WRITES,
	.exec = cmd_return_exec,
};

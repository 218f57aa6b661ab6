/*
 * 核查 / /verify <编号> [结论]: the check of a tip. The reference alone
 * begins it (an assigned tip goes to verifying). A conclusion that
 * begins 属实 (true) confirms it, one that begins 不属实 (false) rejects
 * it, anything else records that the check began or how it goes; the
 * conclusion is the note of the event either way.
 */
#include <string.h>
#include <strings.h>

#include "tipcmd.h"

static const char *const cmd_verify_aliases[] = {
	"/verify", "verify", "核查", NULL
};

/* Beginnings of a conclusion, and the move each means. The rejections
 * come first: 不属实 must not be read as its tail 属实. */
static const struct {
	const char	*word;
	enum tip_move	 move;
} cmd_verify_words[] = {
	{ "不属实", TIP_MOVE_REJECT }, { "不实", TIP_MOVE_REJECT },
	{ "false", TIP_MOVE_REJECT }, { "rejected", TIP_MOVE_REJECT },
	{ "属实", TIP_MOVE_CONFIRM }, { "确认", TIP_MOVE_CONFIRM },
	{ "true", TIP_MOVE_CONFIRM }, { "confirmed", TIP_MOVE_CONFIRM },
};

/* The move a conclusion means. */
static enum tip_move
cmd_verify_move(const char *note)
{
	size_t	 i, n;

	for (i = 0; i < sizeof cmd_verify_words / sizeof cmd_verify_words[0];
	    i++) {
		n = strlen(cmd_verify_words[i].word);
		if (strncasecmp(note, cmd_verify_words[i].word, n) == 0)
			return cmd_verify_words[i].move;
	}
	return TIP_MOVE_VERIFY;
}

/* Records the check or its conclusion. */
static enum handler_ret
cmd_verify_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tipflow		 tf;
	struct tip_row		 t;
	char			 ref[TIP_REF_MAX];
	const char		*note;
	enum tip_move		 move;
	enum tipflow_result	 fr;
	enum handler_ret	 hr;

	if (tipcmd_group(ctx, r))
		return HANDLER_USAGE;
	if ((note = tipcmd_ref(args, ref)) == NULL)
		return tipcmd_usage(ctx, MSG_USAGE_VERIFY, r);
	if (tipcmd_too_long(ctx, note, r))
		return HANDLER_USAGE;
	move = *note == '\0' ? TIP_MOVE_VERIFY : cmd_verify_move(note);
	tipcmd_flow(ctx, &tf);
	memset(&t, 0, sizeof t);
	fr = tipcmd_move(&tf, ref, move, *note != '\0' ? note : NULL, NULL, 0,
	    &t);
	if (fr == TIPFLOW_OK)
		ctx->outbox_written = 1;
	hr = tipcmd_answer(ctx, &tf, fr, ref, move, &t, r);
	tip_row_clear(&t);
	return hr;
}

const struct handler cmd_verify_entry = {
	.name = "verify",
	.aliases = cmd_verify_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_VERIFY,
	.flags = HANDLER_WRITES,
	.exec = cmd_verify_exec,
};

/* Shared by the staff's ledger commands: the actor, references, answers. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tipcmd.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "storage/staff.h"

/* The staff roles by rank (staff_role_rank()), as texts. */
static const enum msg_key tipcmd_roles[] = {
	MSG__COUNT, MSG_ROLE_GRID_WORKER, MSG_ROLE_GRID_CHIEF,
	MSG_ROLE_LIAISON, MSG_ROLE_OFFICE, MSG_ROLE_ADMIN,
};
#define TIPCMD_TOP	5

/* The words of each move (enum tip_move order). */
static const enum msg_key tipcmd_moves[] = {
	MSG_LEDGER_MOVE_ASSIGN, MSG_LEDGER_MOVE_VERIFY,
	MSG_LEDGER_MOVE_CONFIRM, MSG_LEDGER_MOVE_REJECT,
	MSG_LEDGER_MOVE_DISPOSE, MSG_LEDGER_MOVE_CLOSE,
	MSG_LEDGER_MOVE_RETURN,
};
#define TIPCMD_MOVES	(sizeof tipcmd_moves / sizeof tipcmd_moves[0])

/* The next step after each state (enum tip_state order). */
static const enum msg_key tipcmd_next[TIP_STATES] = {
	MSG_LEDGER_NEXT_RECEIVED, MSG_LEDGER_NEXT_ASSIGNED,
	MSG_LEDGER_NEXT_VERIFYING, MSG_LEDGER_NEXT_REJECTED,
	MSG_LEDGER_NEXT_CONFIRMED, MSG_LEDGER_NEXT_DISPOSING,
	MSG_LEDGER_NEXT_CLOSED,
};

/* Fills the actor of a staff member's command. */
void
tipcmd_flow(const struct handler_ctx *ctx, struct tipflow *tf)
{
	memset(tf, 0, sizeof *tf);
	tf->store = ctx->store;
	tf->env = ctx->env;
	tf->locale = ctx->locale;
	tf->now = ctx->now;
	(void)snprintf(tf->actor, sizeof tf->actor, "staff:%lld",
	    (long long)ctx->staff_id);
	tf->staff_id = ctx->staff_id;
	tf->rank = (int)ctx->role;	/* enum role follows the ranks */
	tf->scope = ctx->staff_area;
}

/* The length of the reference s starts with (JB-YYYYMMDD-XXXXXX, then
 * the end or anything but a letter, digit or dash), or 0. */
static size_t
tipcmd_ref_len(const char *s)
{
	size_t	 i;

	if (strncasecmp(s, "JB-", 3) != 0)
		return 0;
	for (i = 3; i < 11; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	if (s[11] != '-')
		return 0;
	for (i = 12; i < 12 + TIP_REF_RANDOM; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	if (isalnum((unsigned char)s[i]) || s[i] == '-')
		return 0;
	return i;
}

/* Whether s is a reference, alone or followed by a separator. */
int
tipcmd_is_ref(const char *s)
{
	return tipcmd_ref_len(s) > 0;
}

/* Reads a reference off the front of args. */
const char *
tipcmd_ref(const char *args, char ref[TIP_REF_MAX])
{
	static const char *const seps[] = { " ", "\t", "\n", "\r", ":", ",",
	    "\xef\xbc\x9a" /* ： */, "\xef\xbc\x8c" /* ， */,
	    "\xe3\x80\x80" /* ideographic space */, NULL };
	const char *const	*sep;
	size_t			 n, i;

	args += strspn(args, " \t\n");
	if ((n = tipcmd_ref_len(args)) == 0) {
		(void)handler_word(args, ref, TIP_REF_MAX);
		return NULL;
	}
	for (i = 0; i < n; i++)
		ref[i] = (char)toupper((unsigned char)args[i]);
	ref[n] = '\0';
	/* Whatever separates the reference from the rest, full-width too. */
	for (args += n; *args != '\0'; args += strlen(*sep)) {
		for (sep = seps; *sep != NULL; sep++)
			if (strncmp(args, *sep, strlen(*sep)) == 0)
				break;
		if (*sep == NULL)
			break;
	}
	return args;
}

/* Refuses ledger work in a group. */
int
tipcmd_group(const struct handler_ctx *ctx, struct reply *r)
{
	if (ctx->in->chat_kind != CHAT_GROUP)
		return 0;
	handler_say(ctx, r, MSG_LEDGER_PRIVATE, NULL);
	return 1;
}

/* Answers with a command's usage. */
enum handler_ret
tipcmd_usage(const struct handler_ctx *ctx, enum msg_key usage,
    struct reply *r)
{
	struct msg_var	 vars[] = {
		{ "usage", msg_template(ctx->locale, usage) }, { NULL, NULL }
	};

	handler_say(ctx, r, MSG_NEED_ARGS, vars);
	return HANDLER_USAGE;
}

/* Refuses an overlong note. */
int
tipcmd_too_long(const struct handler_ctx *ctx, const char *note,
    struct reply *r)
{
	char		 len[24], max[24];
	struct msg_var	 vars[] = {
		{ "len", len }, { "max", max }, { NULL, NULL }
	};
	size_t		 n = utf8_count(note);

	if (n <= TIPCMD_NOTE_CHARS)
		return 0;
	(void)snprintf(len, sizeof len, "%zu", n);
	(void)snprintf(max, sizeof max, "%d", TIPCMD_NOTE_CHARS);
	handler_say(ctx, r, MSG_LEDGER_TOO_LONG, vars);
	return 1;
}

/* Makes a move and reads the tip after it. */
enum tipflow_result
tipcmd_move(struct tipflow *tf, const char *ref, enum tip_move move,
    const char *note, const char *measure, int64_t enterprise,
    struct tip_row *t)
{
	enum tipflow_result	 fr;

	fr = tipflow_move(tf, ref, move, note, measure, enterprise, NULL);
	if (fr == TIPFLOW_OK && tips_get(tf->store, ref, t) != STORE_OK)
		fr = TIPFLOW_FAILED;
	return fr;
}

/* The staff's name of a state. */
const char *
tipcmd_state(const struct handler_ctx *ctx, enum tip_state st)
{
	return msg_template(ctx->locale, msg_tip_state_key(
	    tip_state_name(st)));
}

/* Formats a local time. */
void
tipcmd_when(const struct handler_ctx *ctx, time_t t, char out[24])
{
	struct tm	 tm;
	time_t		 local = t + ctx->env->utc_offset;

	gmtime_r(&local, &tm);
	(void)strftime(out, 24, "%Y-%m-%d %H:%M", &tm);
}

/* Lists the moves rank may make from state into b ("核查、退回"). */
static void
tipcmd_possible(const struct handler_ctx *ctx, enum tip_state state,
    int rank, int assigned, struct buf *b)
{
	enum tip_state	 to;
	size_t		 m, n = 0;

	for (m = 0; m < TIPCMD_MOVES; m++) {
		if (tip_move_check(state, (enum tip_move)m, rank, assigned,
		    &to) != TIP_MOVE_OK)
			continue;
		(void)buf_addf(b, "%s%s", n++ > 0 ? (ctx->locale ==
		    LOCALE_EN ? ", " : "、") : "",
		    msg_template(ctx->locale, tipcmd_moves[m]));
	}
	if (n == 0)
		(void)buf_adds(b, msg_template(ctx->locale, MSG_LEDGER_NONE));
}

/*
 * Why move was refused by role on a tip in state: not assigned (an
 * assignee could), or the least rank that could.
 */
static void
tipcmd_refuse_role(const struct handler_ctx *ctx, struct tipflow *tf,
    const struct tip_row *t, enum tip_move move, struct reply *r)
{
	enum tip_state	 to;
	int		 need;
	struct msg_var	 vars[] = {
		{ "ref", t->ref },
		{ "move", msg_template(ctx->locale, tipcmd_moves[move]) },
		{ "need", NULL }, { "role", NULL }, { NULL, NULL }
	};

	if (tip_move_check(t->state, move, tf->rank, 1, &to) == TIP_MOVE_OK) {
		handler_say(ctx, r, MSG_LEDGER_NOT_ASSIGNED, vars);
		return;
	}
	for (need = tf->rank + 1; need < TIPCMD_TOP; need++)
		if (tip_move_check(t->state, move, need, 0, &to) ==
		    TIP_MOVE_OK)
			break;
	vars[2].value = msg_template(ctx->locale, tipcmd_roles[need]);
	vars[3].value = msg_template(ctx->locale,
	    tipcmd_roles[tf->rank >= 1 && tf->rank <= TIPCMD_TOP ? tf->rank :
	    1]);
	handler_say(ctx, r, MSG_LEDGER_BAD_ROLE, vars);
}

/* Answers a move's outcome. */
enum handler_ret
tipcmd_answer(const struct handler_ctx *ctx, struct tipflow *tf,
    enum tipflow_result fr, const char *ref, enum tip_move move,
    const struct tip_row *t, struct reply *r)
{
	struct tip_row	 now;
	struct buf	 moves;
	char		*next;
	struct msg_var	 vars[] = {
		{ "ref", ref },
		{ "move", msg_template(ctx->locale, tipcmd_moves[move]) },
		{ "state", NULL }, { "moves", NULL }, { "next", NULL },
		{ NULL, NULL }
	};

	switch (fr) {
	case TIPFLOW_OK:
		vars[2].value = tipcmd_state(ctx, t->state);
		next = msg_format(ctx->locale, tipcmd_next[t->state], vars);
		vars[4].value = next;
		handler_say(ctx, r, MSG_LEDGER_MOVED, vars);
		free(next);
		return HANDLER_OK;
	case TIPFLOW_NOT_FOUND:
		handler_say(ctx, r, MSG_LEDGER_NOT_FOUND, vars);
		return HANDLER_OK;
	case TIPFLOW_RACE:
		handler_say(ctx, r, MSG_LEDGER_RACE, vars);
		return HANDLER_OK;
	case TIPFLOW_BAD_STATE:
	case TIPFLOW_BAD_ROLE:
		/* The tip is visible (the scope check came first): read it
		 * again for its state. */
		memset(&now, 0, sizeof now);
		if (tipflow_get(tf, ref, &now) != TIPFLOW_OK)
			return HANDLER_FAILED;
		if (fr == TIPFLOW_BAD_ROLE)
			tipcmd_refuse_role(ctx, tf, &now, move, r);
		else {
			buf_init(&moves, 512);
			tipcmd_possible(ctx, now.state, tf->rank,
			    tf->staff_id != 0 && tips_is_assignee(tf->store,
			    now.id, tf->staff_id), &moves);
			/* And who takes it on from here. */
			next = msg_format(ctx->locale, tipcmd_next[now.state],
			    vars);
			vars[2].value = tipcmd_state(ctx, now.state);
			vars[3].value = moves.data;
			vars[4].value = next;
			handler_say(ctx, r, MSG_LEDGER_BAD_STATE, vars);
			buf_free(&moves);
			free(next);
		}
		tip_row_clear(&now);
		return HANDLER_OK;
	case TIPFLOW_BAD_ARGS:
		/* The callers check their arguments first; a person or
		 * measure tipflow refuses is answered by them. */
		handler_say(ctx, r, MSG_LEDGER_NOT_FOUND, vars);
		return HANDLER_OK;
	default:
		return HANDLER_FAILED;
	}
}

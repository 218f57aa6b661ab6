/*
 * 处置 / /dispose <编号> <措施> [企业名或信用代码]: a confirmed tip is dealt
 * with by a measure (约谈, 警示, 行政处罚, 刑事立案, 注吊销, 关门), against
 * the enterprise it names. A named enterprise is found in the registry by
 * its exact code or exact name, or added to it; an unknown code alone is
 * refused, since the registry needs a name for it.
 */
#include <string.h>

#include "tipcmd.h"
#include "messages/text.h"
#include "storage/enterprises.h"

#define DISPOSE_NAME_CHARS	100

static const char *const cmd_dispose_aliases[] = {
	"/dispose", "dispose", "处置", NULL
};

/* The registry's enterprise of exactly this code; 0 when none, -1 on a
 * storage failure. */
static int64_t
cmd_dispose_by_code(struct store *s, const char *code)
{
	struct check_result	 cr;
	int64_t			 id = 0;

	memset(&cr, 0, sizeof cr);
	if (enterprises_check_uscc(s, code, &cr) != STORE_OK)
		id = -1;
	else if (cr.n > 0)
		id = cr.m[0].id;
	check_result_clear(&cr);
	return id;
}

/* The registry's enterprise of exactly this name (as folded); 0 when
 * none, -1 on a storage failure. */
static int64_t
cmd_dispose_by_name(struct store *s, const char *name)
{
	struct check_result	 cr;
	char			 fold[NAME_MAX_BYTES], key[NAME_MAX_BYTES];
	char			 mfold[NAME_MAX_BYTES];
	char			 mkey[NAME_MAX_BYTES];
	enum store_status	 st;
	int64_t			 id = 0;
	size_t			 i;

	if (name_forms(name, fold, key, sizeof fold) == -1)
		return 0;
	memset(&cr, 0, sizeof cr);
	st = enterprises_check_name(s, name, &cr);
	if (st != STORE_OK && st != STORE_INVALID)
		id = -1;
	/* Exact names come first: the first that folds to ours is it. */
	for (i = 0; st == STORE_OK && i < cr.n && id == 0; i++)
		if (name_forms(cr.m[i].name, mfold, mkey, sizeof mfold) == 0 &&
		    strcmp(key, mkey) == 0)
			id = cr.m[i].id;
	check_result_clear(&cr);
	return id;
}

/*
 * The enterprise named by what follows the measure ("" for none: 0),
 * found or added to the registry with the tip's area; -1 on a storage
 * failure, -2 (r filled) for an unknown code without a name.
 */
static int64_t
cmd_dispose_enterprise(struct handler_ctx *ctx, const char *ref,
    const char *what, int64_t area, struct reply *r)
{
	struct enterprise_in	 e;
	char			 word[64], code[USCC_LEN + 1];
	const char		*name;
	int64_t			 id;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "code", code }, { NULL, NULL }
	};

	if (*what == '\0')
		return 0;
	memset(&e, 0, sizeof e);
	e.area_id = area;
	name = handler_word(what, word, sizeof word);
	if (uscc_check(word, code, NULL) == USCC_OK) {
		if ((id = cmd_dispose_by_code(ctx->store, code)) != 0)
			return id;
		if (*name == '\0') {
			handler_say(ctx, r, MSG_LEDGER_NEED_NAME, vars);
			return -2;
		}
		e.uscc = code;
		e.name = name;
	} else {
		if ((id = cmd_dispose_by_name(ctx->store, what)) != 0)
			return id;
		e.name = what;
	}
	if (enterprises_put(ctx->store, &e, ctx->now, &id) != STORE_OK)
		return -1;
	return id;
}

/* Records the disposal. */
static enum handler_ret
cmd_dispose_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tipflow		 tf;
	struct tip_row		 t;
	char			 ref[TIP_REF_MAX], word[64];
	const char		*rest, *measure;
	int64_t			 ent = 0;
	enum tip_state		 to;
	enum tipflow_result	 fr;
	enum handler_ret	 hr;
	struct msg_var		 vars[] = {
		{ "measure", word }, { NULL, NULL }
	};

	if (tipcmd_group(ctx, r))
		return HANDLER_USAGE;
	if ((rest = tipcmd_ref(args, ref)) == NULL || *rest == '\0')
		return tipcmd_usage(ctx, MSG_USAGE_DISPOSE, r);
	rest = handler_word(rest, word, sizeof word);
	if ((measure = tipflow_measure(word)) == NULL) {
		handler_say(ctx, r, MSG_LEDGER_BAD_MEASURE, vars);
		return HANDLER_USAGE;
	}
	if (utf8_count(rest) > DISPOSE_NAME_CHARS)
		return tipcmd_usage(ctx, MSG_USAGE_DISPOSE, r);
	tipcmd_flow(ctx, &tf);
	memset(&t, 0, sizeof t);
	/* Whether the sender may dispose of it is asked before anything
	 * is added to the registry: a refused move adds nothing. */
	if ((fr = tipflow_get(&tf, ref, &t)) != TIPFLOW_OK)
		return tipcmd_answer(ctx, &tf, fr, ref, TIP_MOVE_DISPOSE, NULL,
		    r);
	switch (tip_move_check(t.state, TIP_MOVE_DISPOSE, tf.rank, 0, &to)) {
	case TIP_MOVE_OK:
		break;
	case TIP_MOVE_BAD_STATE:
		tip_row_clear(&t);
		return tipcmd_answer(ctx, &tf, TIPFLOW_BAD_STATE, ref,
		    TIP_MOVE_DISPOSE, NULL, r);
	default:
		tip_row_clear(&t);
		return tipcmd_answer(ctx, &tf, TIPFLOW_BAD_ROLE, ref,
		    TIP_MOVE_DISPOSE, NULL, r);
	}
	ent = cmd_dispose_enterprise(ctx, ref, rest, t.area_id, r);
	tip_row_clear(&t);
	if (ent == -1)
		return HANDLER_FAILED;
	if (ent == -2)
		return HANDLER_USAGE;
	fr = tipcmd_move(&tf, ref, TIP_MOVE_DISPOSE, *rest != '\0' ? rest :
	    NULL, measure, ent, &t);
	hr = tipcmd_answer(ctx, &tf, fr, ref, TIP_MOVE_DISPOSE, &t, r);
	tip_row_clear(&t);
	return hr;
}

const struct handler cmd_dispose_entry = {
	.name = "dispose",
	.aliases = cmd_dispose_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_DISPOSE,
	.flags = HANDLER_WRITES,
	.exec = cmd_dispose_exec,
};

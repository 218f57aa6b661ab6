/*
 * 查询 / /check: is a company on the warning list? A code is checked
 * against GB 32100-2015 (a bad check digit is reported, then looked up
 * anyway); a name is matched as typed. A company that is not found is
 * never called safe.
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "storage/enterprises.h"

#define CHECK_QUERY_MAX	100	/* characters */

static const char *const cmd_check_aliases[] = {
	"/check", "check", "查询", "查", "核实", NULL
};

/* Words that mark the usual fronts of illegal fundraising. */
static const char *const caution_words[] = {
	"投资", "理财", "金融", "资产", "基金", "财富", "私募", "虚拟货币",
	"数字货币", "养老", "众筹", "融资", "担保", "借贷", "期货", "外汇",
	NULL
};

/* Returns the first caution word in q, or NULL. */
static const char *
cmd_check_caution(const char *q)
{
	const char *const	*w;

	for (w = caution_words; *w != NULL; w++)
		if (strstr(q, *w) != NULL)
			return *w;
	return NULL;
}

/* Renders the matches and the count of the rest. */
static void
cmd_check_found(struct handler_ctx *ctx, const char *query,
    const struct check_result *res, struct buf *b)
{
	const struct check_match	*m;
	char				 n[24], issue[16], more[24];
	size_t				 i;
	struct msg_var			 head[] = {
		{ "query", query }, { NULL, NULL }
	};

	(void)msg_render(b, ctx->locale, MSG_CHECK_FOUND, head);
	for (i = 0; i < res->n; i++) {
		m = &res->m[i];
		(void)snprintf(n, sizeof n, "%zu", i + 1);
		(void)snprintf(issue, sizeof issue, "%d", m->issue);
		struct msg_var vars[] = {
			{ "n", n }, { "name", m->name },
			{ "uscc", m->uscc ? m->uscc : "—" },
			{ "issue", issue }, { "date", m->date },
			{ "measure", msg_template(ctx->locale,
			    msg_measure_key(m->measure)) },
			{ NULL, NULL }
		};
		(void)buf_adds(b, "\n");
		(void)msg_render(b, ctx->locale, m->flagged ?
		    MSG_CHECK_ITEM_FLAGGED : MSG_CHECK_ITEM_REGISTRY, vars);
	}
	if (res->total > (long)res->n) {
		(void)snprintf(more, sizeof more, "%ld",
		    res->total - (long)res->n);
		struct msg_var vars[] = { { "more", more }, { NULL, NULL } };
		(void)buf_adds(b, "\n");
		(void)msg_render(b, ctx->locale, res->capped ?
		    MSG_CHECK_MORE_MANY : MSG_CHECK_MORE, vars);
	}
}

/* Looks up a code or a name and answers. */
static enum handler_ret
cmd_check_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct check_result	 res;
	struct buf		 b;
	enum store_status	 st;
	enum uscc_status	 us;
	const char		*word;
	char			 code[USCC_LEN + 1], expect[2] = { 0, 0 };
	size_t			 i;
	int			 flagged = 0;
	struct msg_var		 vars[] = {
		{ "query", args }, { "code", code }, { "expect", expect },
		{ "hotline", ctx->env->hotline }, { "word", NULL },
		{ "usage", msg_template(ctx->locale, MSG_USAGE_CHECK) },
		{ NULL, NULL }
	};

	memset(&res, 0, sizeof res);
	if (*args == '\0') {
		handler_say(ctx, r, MSG_NEED_ARGS, vars);
		return HANDLER_USAGE;
	}
	if (utf8_count(args) > CHECK_QUERY_MAX) {
		handler_say(ctx, r, MSG_CHECK_TOO_LONG, vars);
		return HANDLER_USAGE;
	}
	buf_init(&b, REPLY_TEXT_MAX);
	us = uscc_check(args, code, &expect[0]);
	if (us != USCC_NOT_CODE) {
		if (us != USCC_OK) {
			(void)msg_render(&b, ctx->locale, us == USCC_BAD_CHECK ?
			    MSG_CHECK_BAD_CHECK : MSG_CHECK_BAD_CHAR, vars);
			(void)buf_adds(&b, "\n");
		}
		st = enterprises_check_uscc(ctx->store, code, &res);
		vars[0].value = code;
	} else
		st = enterprises_check_name(ctx->store, args, &res);
	if (st == STORE_INVALID) {
		buf_free(&b);
		handler_say(ctx, r, MSG_CHECK_TOO_SHORT, vars);
		return HANDLER_USAGE;
	}
	if (st != STORE_OK) {
		buf_free(&b);
		check_result_clear(&res);
		return HANDLER_FAILED;
	}

	if (res.n > 0)
		cmd_check_found(ctx, vars[0].value, &res, &b);
	else
		(void)msg_render(&b, ctx->locale, MSG_CHECK_NOT_FOUND, vars);
	for (i = 0; i < res.n; i++)
		flagged |= res.m[i].flagged;
	if (!flagged) {
		(void)buf_adds(&b, "\n");
		(void)msg_render(&b, ctx->locale, MSG_CHECK_NOT_SAFE, vars);
		if ((word = cmd_check_caution(args)) != NULL) {
			vars[4].value = word;
			(void)buf_adds(&b, "\n");
			(void)msg_render(&b, ctx->locale, MSG_CHECK_CAUTION, vars);
		}
	}
	(void)buf_adds(&b, "\n");
	(void)msg_render(&b, ctx->locale, MSG_HOTLINE, vars);
	reply_add_owned(r, buf_steal(&b));
	check_result_clear(&res);
	return HANDLER_OK;
}

const struct handler cmd_check_entry = {
	.name = "check",
	.aliases = cmd_check_aliases,
	.min_role = ROLE_RESIDENT,
	.usage = MSG_USAGE_CHECK,
	/* Reads only: the same in practice. */
	.flags = HANDLER_PRACTICE,
	.exec = cmd_check_exec,
};

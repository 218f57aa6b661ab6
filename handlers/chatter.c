/* Leads from group chatter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatter.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/leads.h"
#include "storage/ledger.h"
#include "storage/staff.h"
#include "tipflow.h"

#define CHATTER_FOLD	(INBOUND_TEXT_MAX + 1)
#define CHATTER_EXCERPT	80

const char *const chatter_default_phrases[] = {
	"保本保息", "保本付息", "稳赚不赔", "零风险高收益", "高息", "高额回报",
	"拉人头", "发展下线", "养老项目", "养老公寓", "以房养老", "原始股",
	"返利", "静态收益", "动态收益", "内部认购", "消费返还", "虚拟货币投资",
	NULL
};

/* The first phrase found. */
const char *
chatter_match(const struct handler_env *env, const char *text)
{
	const char *const	*p;
	char			*fold, pf[256];
	const char		*found = NULL;

	if (env->lead_phrases == NULL || text == NULL)
		return NULL;
	fold = malloc(CHATTER_FOLD);
	if (fold == NULL || text_fold(text, fold, CHATTER_FOLD) == -1) {
		free(fold);
		return NULL;
	}
	for (p = env->lead_phrases; *p != NULL && found == NULL; p++)
		if (text_fold(*p, pf, sizeof pf) == 0 && pf[0] != '\0' &&
		    strstr(fold, pf) != NULL)
			found = *p;
	free(fold);
	return found;
}

/* Records the lead, tells the workers, warns the group once a window. */
enum handler_ret
chatter_lead(struct handler_ctx *ctx, const char *phrase, struct reply *r)
{
	static const char *const whom[] = { "grid_worker", "liaison", NULL };
	const struct inbound	*in = ctx->in;
	struct lead_new		 l;
	struct tipflow		 tf;
	int64_t			 id, people[16];
	size_t			 n = 0, i, cut;
	char			 excerpt[CHATTER_EXCERPT * 4 + 8], area[512] = "—";
	char			*text;
	int			 warn;
	struct msg_var		 vars[] = {
		{ "area", area }, { "group", in->chat_title[0] ?
		    in->chat_title : "—" }, { "phrase", phrase },
		{ "text", excerpt }, { "hotline", ctx->env->hotline },
		{ NULL, NULL }
	};

	memset(&l, 0, sizeof l);
	l.channel = in->channel;
	l.chat_id = in->chat_id;
	l.message_id = in->message_id;
	l.area_id = ctx->area_id;
	l.phrase = phrase;
	l.body = in->text;
	if (leads_add(ctx->store, &l, ctx->now, &id) != STORE_OK)
		return HANDLER_FAILED;
	if (id == 0)
		return HANDLER_OK;	/* a retry of a message seen */
	if (ctx->area_id != 0)
		(void)areas_path(ctx->store, ctx->area_id, area, sizeof area);
	cut = utf8_prefix(in->text, CHATTER_EXCERPT);
	(void)snprintf(excerpt, sizeof excerpt, "%.*s%s", (int)cut, in->text,
	    in->text[cut] != '\0' ? "…" : "");
	for (i = 0; whom[i] != NULL && n == 0; i++)
		if (staff_for_area(ctx->store, ctx->area_id, whom[i], people,
		    sizeof people / sizeof people[0], &n) != STORE_OK)
			return HANDLER_FAILED;
	tipflow_system(&tf, ctx->store, ctx->env, ctx->locale, ctx->now);
	text = msg_format(ctx->locale, MSG_LEAD_TELL, vars);
	for (i = 0; i < n; i++)
		if (tipflow_tell_staff(&tf, people[i], text) != TIPFLOW_OK) {
			free(text);
			return HANDLER_FAILED;
		}
	free(text);
	if (n > 0)
		ctx->outbox_written = 1;
	warn = leads_may_warn(ctx->store, in->channel, in->chat_id,
	    ctx->env->lead_warn_minutes * 60, ctx->now);
	if (warn == -1)
		return HANDLER_FAILED;
	if (warn == 1)
		handler_say(ctx, r, MSG_LEAD_GROUP_WARNING, vars);
	return HANDLER_OK;
}

/* Splits [leads] phrases ("a,b，c") into a NULL-ended list, NULL when
 * unset (the built-in list applies). */
char **
chatter_phrases(const char *list)
{
	char	**out, *copy, *p, *tok;
	size_t	 n = 0, room = 8;

	if (list == NULL)
		return NULL;
	out = xcalloc(room, sizeof *out);
	copy = xstrdup(list);
	/* A full-width comma (，) separates too. */
	while ((p = strstr(copy, "\xef\xbc\x8c")) != NULL) {
		*p = ',';
		memmove(p + 1, p + 3, strlen(p + 3) + 1);
	}
	for (p = copy; (tok = strsep(&p, ",")) != NULL;) {
		tok = text_trim(tok);
		if (*tok == '\0')
			continue;
		if (n + 1 >= room) {
			room *= 2;
			out = xrealloc(out, room * sizeof *out);
		}
		out[n++] = xstrdup(tok);
	}
	out[n] = NULL;
	free(copy);
	return out;
}

void
chatter_phrases_free(char **list)
{
	size_t	 i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

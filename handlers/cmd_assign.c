/*
 * 指派 / /assign <编号> <姓名或工号>[,…]: grid chiefs and up give a tip to
 * other staff (replacing who had it), who are told in their chats. A
 * person is named by their name or their staff number; of two with one
 * name, the one who may work on the tip's area is meant.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tipcmd.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "storage/staff.h"

#define ASSIGN_PEOPLE	8	/* named in one command */
#define ASSIGN_PAGE	64

static const char *const cmd_assign_aliases[] = {
	"/assign", "assign", "指派", "分派", NULL
};

/* Whether who is active and may work on a tip of area for an actor of
 * scope. */
static int
cmd_assign_fits(struct store *s, const struct staff_info *who, int64_t area,
    int64_t scope)
{
	if (!who->active)
		return 0;	/* disabled: fangfei staff disable */
	if (area == 0)
		return scope == 0 || areas_within(s, who->area_id, scope);
	return areas_within(s, area, who->area_id) ||
	    areas_within(s, who->area_id, scope);
}

/* The staff member named (a number or a name) who may work on a tip of
 * area: STORE_NOT_FOUND when there is none. */
static enum store_status
cmd_assign_find(struct handler_ctx *ctx, const char *name, int64_t area,
    struct staff_info *out)
{
	struct staff_info	*page;
	size_t			 n, i;
	int64_t			 after = 0;
	enum store_status	 st;
	char			*end;
	long long		 id;

	if (isdigit((unsigned char)name[0])) {
		id = strtoll(name, &end, 10);
		if (*end != '\0' || id <= 0)
			return STORE_NOT_FOUND;
		st = staff_get(ctx->store, (int64_t)id, out);
		if (st == STORE_OK && !cmd_assign_fits(ctx->store, out, area,
		    ctx->staff_area))
			st = STORE_NOT_FOUND;
		return st;
	}
	page = xcalloc(ASSIGN_PAGE, sizeof *page);
	st = STORE_NOT_FOUND;
	do {
		if (staff_list(ctx->store, after, page, ASSIGN_PAGE, &n) !=
		    STORE_OK) {
			st = STORE_ERROR;
			break;
		}
		for (i = 0; i < n && st == STORE_NOT_FOUND; i++)
			if (strcmp(page[i].name, name) == 0 &&
			    cmd_assign_fits(ctx->store, &page[i], area,
			    ctx->staff_area)) {
				*out = page[i];
				st = STORE_OK;
			}
		if (n > 0)
			after = page[n - 1].id;
	} while (st == STORE_NOT_FOUND && n == ASSIGN_PAGE);
	free(page);
	return st;
}

/* Splits the next name off list (at , ， 、 or a space) into out; returns
 * the rest, or NULL at the end. */
static const char *
cmd_assign_next(const char *list, char *out, size_t size)
{
	static const char *const seps[] = { ",", "，", "、", " ", NULL };
	const char	*end = list + strlen(list), *p;
	size_t		 i, n;

	while (*list != '\0') {
		for (i = 0; seps[i] != NULL; i++)
			if (strncmp(list, seps[i], strlen(seps[i])) == 0)
				break;
		if (seps[i] == NULL)
			break;
		list += strlen(seps[i]);
	}
	if (*list == '\0')
		return NULL;
	for (i = 0; seps[i] != NULL; i++)
		if ((p = strstr(list, seps[i])) != NULL && p < end)
			end = p;
	n = (size_t)(end - list);
	if (n >= size)
		n = size - 1;
	memcpy(out, list, n);
	out[n] = '\0';
	return end;
}

/* Assigns a tip. */
static enum handler_ret
cmd_assign_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	struct tipflow		 tf;
	struct tip_row		 t;
	struct staff_info	 who;
	struct buf		 names;
	int64_t			 people[ASSIGN_PEOPLE];
	char			 ref[TIP_REF_MAX], name[128], *next;
	const char		*list;
	size_t			 n = 0, i;
	enum tip_state		 to;
	enum tipflow_result	 fr;
	enum store_status	 st;
	enum handler_ret	 hr = HANDLER_OK;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "name", name }, { "people", NULL },
		{ "state", NULL }, { "next", NULL }, { NULL, NULL }
	};

	if (tipcmd_group(ctx, r))
		return HANDLER_USAGE;
	if ((list = tipcmd_ref(args, ref)) == NULL || *list == '\0')
		return tipcmd_usage(ctx, MSG_USAGE_ASSIGN, r);
	tipcmd_flow(ctx, &tf);
	memset(&t, 0, sizeof t);
	if ((fr = tipflow_get(&tf, ref, &t)) != TIPFLOW_OK)
		return tipcmd_answer(ctx, &tf, fr, ref, TIP_MOVE_ASSIGN, NULL,
		    r);
	switch (tip_move_check(t.state, TIP_MOVE_ASSIGN, tf.rank, 0, &to)) {
	case TIP_MOVE_OK:
		break;
	case TIP_MOVE_BAD_STATE:
		tip_row_clear(&t);
		return tipcmd_answer(ctx, &tf, TIPFLOW_BAD_STATE, ref,
		    TIP_MOVE_ASSIGN, NULL, r);
	default:
		tip_row_clear(&t);
		return tipcmd_answer(ctx, &tf, TIPFLOW_BAD_ROLE, ref,
		    TIP_MOVE_ASSIGN, NULL, r);
	}
	buf_init(&names, 2048);
	while ((list = cmd_assign_next(list, name, sizeof name)) != NULL) {
		if (n == ASSIGN_PEOPLE) {
			hr = tipcmd_usage(ctx, MSG_USAGE_ASSIGN, r);
			goto out;
		}
		st = cmd_assign_find(ctx, name, t.area_id, &who);
		if (st == STORE_NOT_FOUND) {
			handler_say(ctx, r, MSG_ASSIGN_UNKNOWN, vars);
			hr = HANDLER_USAGE;
			goto out;
		}
		if (st != STORE_OK) {
			hr = HANDLER_FAILED;
			goto out;
		}
		for (i = 0; i < n && people[i] != who.id; i++)
			;
		if (i < n)
			continue;	/* named twice */
		people[n++] = who.id;
		(void)buf_addf(&names, "%s%s", n > 1 ? "、" : "", who.name);
	}
	if (n == 0) {
		hr = tipcmd_usage(ctx, MSG_USAGE_ASSIGN, r);
		goto out;
	}
	fr = tipflow_assign(&tf, ref, people, n);
	if (fr == TIPFLOW_BAD_ARGS) {
		(void)snprintf(name, sizeof name, "%s", names.data);
		handler_say(ctx, r, MSG_ASSIGN_UNKNOWN, vars);
		hr = HANDLER_USAGE;
		goto out;
	}
	if (fr != TIPFLOW_OK) {
		hr = tipcmd_answer(ctx, &tf, fr, ref, TIP_MOVE_ASSIGN, NULL, r);
		goto out;
	}
	ctx->outbox_written = 1;
	vars[2].value = names.data;
	vars[3].value = tipcmd_state(ctx, TIP_ASSIGNED);
	next = msg_format(ctx->locale, MSG_LEDGER_NEXT_ASSIGNED, vars);
	vars[4].value = next;
	handler_say(ctx, r, MSG_ASSIGN_OK, vars);
	free(next);
out:
	buf_free(&names);
	tip_row_clear(&t);
	return hr;
}

const struct handler cmd_assign_entry = {
	.name = "assign",
	.aliases = cmd_assign_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_ASSIGN,
	.flags = HANDLER_WRITES,
	.exec = cmd_assign_exec,
};

/*
 * The command table, command parsing and the help text generated from
 * the table. Adding a command: one cmd_*.c file and one line here.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/staff.h"

extern const struct handler cmd_help_entry;
extern const struct handler cmd_check_entry;
extern const struct handler cmd_report_entry;
extern const struct handler cmd_status_entry;
extern const struct handler cmd_contact_entry;
extern const struct handler cmd_lang_entry;
extern const struct handler cmd_login_entry;
extern const struct handler cmd_bind_entry;
extern const struct handler cmd_bindgroup_entry;
extern const struct handler cmd_warn_entry;
extern const struct handler cmd_broadcast_entry;
extern const struct handler cmd_optout_entry;
extern const struct handler cmd_optin_entry;
extern const struct handler cmd_supplement_entry;
extern const struct handler cmd_tips_entry;
extern const struct handler cmd_verify_entry;
extern const struct handler cmd_dispose_entry;
extern const struct handler cmd_close_entry;
extern const struct handler cmd_return_entry;
extern const struct handler cmd_assign_entry;
extern const struct handler cmd_ask_entry;
extern const struct handler cmd_reveal_entry;
extern const struct handler cmd_approve_entry;
extern const struct handler cmd_refuse_entry;
extern const struct handler cmd_reporter_entry;
extern const struct handler cmd_patrol_entry;
extern const struct handler cmd_patrols_entry;
extern const struct handler cmd_stats_entry;

const struct handler *const handler_table[] = {
	&cmd_check_entry,
	&cmd_report_entry,
	&cmd_status_entry,
	&cmd_contact_entry,
	&cmd_lang_entry,
	&cmd_login_entry,
	&cmd_bind_entry,
	&cmd_bindgroup_entry,
	&cmd_warn_entry,
	&cmd_broadcast_entry,
	&cmd_optout_entry,
	&cmd_optin_entry,
	/* the tip ledger: the reporter's 补充, the staff's commands */
	&cmd_supplement_entry,
	&cmd_tips_entry,
	&cmd_verify_entry,
	&cmd_dispose_entry,
	&cmd_close_entry,
	&cmd_return_entry,
	&cmd_assign_entry,
	&cmd_ask_entry,
	&cmd_reveal_entry,
	&cmd_approve_entry,
	&cmd_refuse_entry,
	&cmd_reporter_entry,
	/* weekly patrols */
	&cmd_patrol_entry,
	&cmd_patrols_entry,
	/* the area's figures */
	&cmd_stats_entry,
	&cmd_help_entry,
	NULL
};

/* Parses a stored role name. */
enum role
role_parse(const char *s)
{
	static const char *const names[] = { "resident", "grid_worker",
	    "grid_chief", "liaison", "office", "admin" };
	size_t	 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (s != NULL && strcmp(s, names[i]) == 0)
			return (enum role)i;
	return ROLE_RESIDENT;
}

/* Finds a handler by its name. */
const struct handler *
handler_find(const char *name)
{
	const struct handler *const	*h;

	for (h = handler_table; *h != NULL; h++)
		if (strcmp((*h)->name, name) == 0)
			return *h;
	return NULL;
}

/* Length of the separator run (spaces, colons, commas) at p. */
static size_t
handler_skip_sep(const char *p)
{
	static const char *const seps[] = { " ", "\t", "\n", "\r", ":",
	    "\xef\xbc\x9a" /* ： */, "\xef\xbc\x8c" /* ， */, ",",
	    "\xe3\x80\x80" /* ideographic space */, NULL };
	const char *const	*s;
	size_t			 n = 0, k;

	for (;;) {
		for (s = seps; *s != NULL; s++) {
			k = strlen(*s);
			if (strncmp(p + n, *s, k) == 0)
				break;
		}
		if (*s == NULL)
			return n;
		n += k;
	}
}

/* Matches text against one alias; sets the end of the command word. */
static int
handler_match(const char *text, const char *alias, const char **rest)
{
	size_t		 n;
	unsigned char	 next;

	/* Most aliases differ in the first byte: this runs for every alias
	 * of every handler on every message. */
	if ((unsigned char)alias[0] < 0x80 ? tolower((unsigned char)*text) !=
	    tolower((unsigned char)alias[0]) : *text != alias[0])
		return 0;
	n = strlen(alias);
	if ((unsigned char)alias[0] < 0x80) {
		/* "/check" or "check": ASCII, any case, a whole word. */
		if (strncasecmp(text, alias, n) != 0)
			return 0;
		next = (unsigned char)text[n];
		if (next != '\0' && next < 0x80 && !isspace(next) &&
		    next != ':' && next != ',')
			return 0;
	} else if (strncmp(text, alias, n) != 0)
		return 0;
	*rest = text + n;
	return 1;
}

/* Splits a message into command and arguments. */
const struct handler *
handler_parse(const char *text, const char **args)
{
	const struct handler *const	*h;
	const char *const		*a;
	const char			*rest, *best_rest = NULL;
	const struct handler		*best = NULL;
	size_t				 best_len = 0;

	text += handler_skip_sep(text);
	for (h = handler_table; *h != NULL; h++) {
		for (a = (*h)->aliases; *a != NULL; a++) {
			/* The longest alias wins ("查询进度" over "查询"). */
			if (handler_match(text, *a, &rest) &&
			    strlen(*a) > best_len) {
				best = *h;
				best_rest = rest;
				best_len = strlen(*a);
			}
		}
	}
	if (best == NULL)
		return NULL;
	*args = best_rest + handler_skip_sep(best_rest);
	return best;
}

/* Copies the first word of args. */
const char *
handler_word(const char *args, char *out, size_t size)
{
	size_t	 n;

	args += strspn(args, " \t\n");
	n = strcspn(args, " \t\n");
	out[0] = '\0';
	if (size > 0) {
		/* Never half a character: the word is quoted back. */
		n = n < size ? n : utf8_fit(args, n, size - 1);
		memcpy(out, args, n);
		out[n] = '\0';
	}
	args += strcspn(args, " \t\n");
	return args + strspn(args, " \t\n");
}

/* Finds an area of the sender's subtree, or answers why not. */
int
handler_my_area(const struct handler_ctx *ctx, const char *typed,
    int64_t *id, struct reply *r)
{
	char		 mine[512] = "";
	struct msg_var	 vars[] = {
		{ "area", typed }, { "mine", mine }, { NULL, NULL }
	};

	if (areas_find(ctx->store, typed, id) != STORE_OK) {
		handler_say(ctx, r, MSG_AREA_UNKNOWN, vars);
		return -1;
	}
	if (!areas_within(ctx->store, *id, ctx->staff_area)) {
		(void)areas_path(ctx->store, ctx->staff_area, mine, sizeof mine);
		handler_say(ctx, r, MSG_AREA_OUTSIDE, vars);
		return -1;
	}
	return 0;
}

/* Renders one message into the reply. */
void
handler_say(const struct handler_ctx *ctx, struct reply *r, enum msg_key key,
    const struct msg_var *vars)
{
	reply_add_owned(r, msg_format(ctx->locale, key, vars));
}

/* Formats a local date. */
void
handler_date(const struct handler_ctx *ctx, time_t t, int compact,
    char out[16])
{
	struct tm	 tm;
	time_t		 local = t + ctx->env->utc_offset;

	gmtime_r(&local, &tm);
	(void)strftime(out, 16, compact ? "%Y%m%d" : "%Y-%m-%d", &tm);
}

/* Builds the help text from the table. */
void
handler_help(const struct handler_ctx *ctx, struct reply *r)
{
	const struct handler *const	*h;
	struct buf			 b;
	struct msg_var			 vars[] = {
		{ "hotline", ctx->env->hotline }, { NULL, NULL }
	};

	buf_init(&b, REPLY_TEXT_MAX);
	(void)msg_render(&b, ctx->locale, MSG_HELP_HEAD, NULL);
	for (h = handler_table; *h != NULL; h++) {
		if ((*h)->min_role > ctx->role ||
		    (((*h)->flags & HANDLER_SMS) && ctx->phone == NULL))
			continue;
		(void)buf_adds(&b, "\n• ");
		(void)msg_render(&b, ctx->locale, (*h)->usage, NULL);
	}
	(void)buf_adds(&b, "\n");
	(void)msg_render(&b, ctx->locale, MSG_HELP_FOOT, vars);
	reply_add_owned(r, buf_steal(&b));
}

/*
 * 线索 / /tips [编号]: the staff's view of the ledger. Alone, the open tips
 * of the sender (a grid worker: those assigned to them; chiefs and up:
 * those of their area subtree), newest first; with a reference, one tip
 * with its history, which is written to the audit log as a read. Who
 * reported a tip is never shown: the history says 举报人.
 *
 * 线索 was an alias of 举报 and a resident's 线索 <内容> still is a tip:
 * cmd_tips_resolve() hands everything but 线索 alone or 线索 <编号> from a
 * staff member to cmd_report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tipcmd.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/staff.h"

#define TIPS_LISTED	10	/* lines of the list */
#define TIPS_EXCERPT	20	/* characters of a tip in the list */
#define TIPS_EVENTS	64	/* history events shown */
#define TIPS_PEOPLE	16

extern const struct handler cmd_report_entry;
extern const struct handler cmd_tips_entry;

static const char *const cmd_tips_aliases[] = {
	"/tips", "tips", "线索", NULL
};

/* The history's words for event kinds; others show as stored. */
static const struct {
	const char	*kind;
	enum msg_key	 key;
} cmd_tips_kinds[] = {
	{ "received", MSG_LEDGER_KIND_RECEIVED },
	{ "assigned", MSG_LEDGER_KIND_ASSIGNED },
	{ "verifying", MSG_LEDGER_KIND_VERIFYING },
	{ "rejected", MSG_LEDGER_KIND_REJECTED },
	{ "confirmed", MSG_LEDGER_KIND_CONFIRMED },
	{ "disposing", MSG_LEDGER_KIND_DISPOSING },
	{ "closed", MSG_LEDGER_KIND_CLOSED },
	{ "returned", MSG_LEDGER_KIND_RETURNED },
	{ "escalated", MSG_LEDGER_KIND_ESCALATED },
	{ "question", MSG_LEDGER_KIND_QUESTION },
	{ "answer", MSG_LEDGER_KIND_ANSWER },
	{ "linked", MSG_LEDGER_KIND_LINKED },
	{ "notified", MSG_LEDGER_KIND_NOTIFIED },
	{ "unassigned", MSG_LEDGER_KIND_UNASSIGNED },
};

/*
 * Which command 线索 is: the staff's ledger for a staff member sending it
 * alone or with a tip reference; a tip (举报) for anything else, and for
 * residents always, as before 线索 was a staff command.
 */
static const struct handler *
cmd_tips_resolve(const struct handler_ctx *ctx, const char *args)
{
	if (ctx->role > ROLE_RESIDENT && (*args == '\0' ||
	    tipcmd_is_ref(args)))
		return &cmd_tips_entry;
	return &cmd_report_entry;
}

/* The first n characters of s, with … when cut, into out. */
static void
cmd_tips_excerpt(const char *s, size_t chars, char *out, size_t size)
{
	size_t	 n = utf8_prefix(s, chars);
	size_t	 i;

	(void)snprintf(out, size, "%.*s%s", (int)n, s, s[n] != '\0' ? "…" :
	    "");
	/* One line per tip. */
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = ' ';
}

/* The deadline of t, marked when past, into out. */
static void
cmd_tips_due(const struct handler_ctx *ctx, const struct tip_row *t,
    char *out, size_t size)
{
	char		 when[24], *s;
	struct msg_var	 vars[] = { { "when", when }, { NULL, NULL } };

	if (t->due_at == 0) {
		(void)snprintf(out, size, "%s", msg_template(ctx->locale,
		    MSG_LEDGER_NO_DUE));
		return;
	}
	tipcmd_when(ctx, t->due_at, when);
	s = msg_format(ctx->locale, t->due_at <= ctx->now ?
	    MSG_LEDGER_OVERDUE : MSG_LEDGER_DUE, vars);
	(void)snprintf(out, size, "%s", s);
	free(s);
}

/* Lists the sender's open tips. */
static enum handler_ret
cmd_tips_list(struct handler_ctx *ctx, struct reply *r)
{
	struct tip_filter	 f;
	struct tip_row		*rows;
	struct buf		 b;
	size_t			 n = 0, i;
	char			 count[16], due[96];
	char			 text[TIPS_EXCERPT * 4 + 8];
	struct msg_var		 vars[] = {
		{ "n", count }, { "ref", NULL }, { "state", NULL },
		{ "area", NULL }, { "due", due }, { "text", text },
		{ NULL, NULL }
	};

	memset(&f, 0, sizeof f);
	f.scope = ctx->staff_area;
	f.states = TIP_OPEN_STATES;
	/* The office also sees tips that came from no known area. */
	f.unplaced = ctx->role >= ROLE_OFFICE;
	if (ctx->role < ROLE_GRID_CHIEF)
		f.assignee = ctx->staff_id;
	/* One more than shown, to know whether there are more. */
	rows = xcalloc(TIPS_LISTED + 1, sizeof *rows);
	if (tips_list(ctx->store, &f, rows, TIPS_LISTED + 1, &n) != STORE_OK) {
		free(rows);
		return HANDLER_FAILED;
	}
	if (n == 0) {
		free(rows);
		handler_say(ctx, r, MSG_LEDGER_LIST_NONE, NULL);
		return HANDLER_OK;
	}
	buf_init(&b, REPLY_TEXT_MAX);
	(void)snprintf(count, sizeof count, "%s%zu", n > TIPS_LISTED ? ">" :
	    "", n > TIPS_LISTED ? TIPS_LISTED : n);
	(void)msg_render(&b, ctx->locale, MSG_LEDGER_LIST_HEAD, vars);
	for (i = 0; i < n && i < TIPS_LISTED; i++) {
		vars[1].value = rows[i].ref;
		vars[2].value = tipcmd_state(ctx, rows[i].state);
		vars[3].value = rows[i].area_path[0] != '\0' ?
		    rows[i].area_path : "—";
		cmd_tips_due(ctx, &rows[i], due, sizeof due);
		cmd_tips_excerpt(rows[i].body != NULL ? rows[i].body : "",
		    TIPS_EXCERPT, text, sizeof text);
		(void)buf_adds(&b, "\n");
		(void)msg_render(&b, ctx->locale, MSG_LEDGER_LIST_LINE, vars);
	}
	(void)snprintf(count, sizeof count, "%d", TIPS_LISTED);
	(void)buf_adds(&b, "\n");
	(void)msg_render(&b, ctx->locale, n > TIPS_LISTED ?
	    MSG_LEDGER_LIST_MORE : MSG_LEDGER_LIST_FOOT, vars);
	reply_add_owned(r, buf_steal(&b));
	for (i = 0; i < n; i++)
		tip_row_clear(&rows[i]);
	free(rows);
	return HANDLER_OK;
}

/* Who made an event, as staff may read it: a name, 系统, 举报人. */
static void
cmd_tips_who(struct handler_ctx *ctx, const char *actor, char *out,
    size_t size)
{
	struct staff_info	 who;
	enum msg_key		 key = MSG_LEDGER_WHO_UNKNOWN;
	long long		 id;

	if (strcmp(actor, "system") == 0)
		key = MSG_LEDGER_WHO_SYSTEM;
	else if (strcmp(actor, "reporter") == 0 || actor[0] == '\0')
		/* No actor: the received event tips_create() writes. */
		key = MSG_LEDGER_WHO_REPORTER;
	else if (strncmp(actor, "token:", 6) == 0)
		key = MSG_LEDGER_WHO_API;
	else if (sscanf(actor, "staff:%lld", &id) == 1 &&
	    staff_get(ctx->store, (int64_t)id, &who) == STORE_OK) {
		(void)snprintf(out, size, "%s", who.name);
		return;
	}
	(void)snprintf(out, size, "%s", msg_template(ctx->locale, key));
}

/* The history's word for an event kind. */
static const char *
cmd_tips_kind(const struct handler_ctx *ctx, const char *kind)
{
	size_t	 i;

	for (i = 0; i < sizeof cmd_tips_kinds / sizeof cmd_tips_kinds[0]; i++)
		if (strcmp(cmd_tips_kinds[i].kind, kind) == 0)
			return msg_template(ctx->locale, cmd_tips_kinds[i].key);
	return kind;
}

/* Appends tip's history to b. */
static enum store_status
cmd_tips_history(struct handler_ctx *ctx, const struct tip_row *t,
    struct buf *b)
{
	struct tip_event	*ev;
	size_t			 n = 0, i;
	char			 when[24], who[160], *note;
	enum store_status	 st;
	struct msg_var		 vars[] = {
		{ "when", when }, { "kind", NULL }, { "who", who },
		{ "note", NULL }, { NULL, NULL }
	};

	ev = xcalloc(TIPS_EVENTS, sizeof *ev);
	if ((st = tips_events(ctx->store, t->id, 0, ev, TIPS_EVENTS, &n)) !=
	    STORE_OK) {
		free(ev);
		return st;
	}
	for (i = 0; i < n; i++) {
		tipcmd_when(ctx, ev[i].at, when);
		vars[1].value = cmd_tips_kind(ctx, ev[i].kind);
		cmd_tips_who(ctx, ev[i].actor, who, sizeof who);
		note = NULL;
		/* A received event's note is the channel it came through, a
		 * notice's the key it was sent once by: neither says more. */
		/* A reveal's reason concerns the reporter: not for everyone
		 * who may read the tip (the custodians were told). */
		if (ev[i].note != NULL && ev[i].note[0] != '\0' &&
		    strcmp(ev[i].kind, "received") != 0 &&
		    strcmp(ev[i].kind, "notified") != 0 &&
		    strncmp(ev[i].kind, "reveal", 6) != 0)
			note = xasprintf("：%s", ev[i].note);
		vars[3].value = note != NULL ? note : "";
		(void)buf_adds(b, "\n");
		(void)msg_render(b, ctx->locale, MSG_LEDGER_EVENT, vars);
		free(note);
		tip_event_clear(&ev[i]);
	}
	free(ev);
	return STORE_OK;
}

/* Shows one tip with its history and audits the read. */
static enum handler_ret
cmd_tips_show(struct handler_ctx *ctx, const char *ref, struct reply *r)
{
	struct tipflow		 tf;
	struct tip_row		 t;
	struct staff_info	 who;
	struct buf		 b, people;
	int64_t			 ids[TIPS_PEOPLE];
	size_t			 n = 0, i;
	char			 due[96], when[24], *ent = NULL;
	enum tipflow_result	 fr;
	enum handler_ret	 hr = HANDLER_OK;
	struct msg_var		 vars[] = {
		{ "ref", ref }, { "state", NULL }, { "area", NULL },
		{ "enterprise", NULL }, { "measure", NULL }, { "people", NULL },
		{ "due", due }, { "when", when }, { "text", NULL },
		{ "name", NULL }, { "first", NULL }, { NULL, NULL }
	};

	tipcmd_flow(ctx, &tf);
	memset(&t, 0, sizeof t);
	if ((fr = tipflow_get(&tf, ref, &t)) != TIPFLOW_OK)
		return tipcmd_answer(ctx, &tf, fr, ref, TIP_MOVE_VERIFY, NULL,
		    r);
	buf_init(&people, 2048);
	buf_init(&b, REPLY_TEXTS_MAX * REPLY_TEXT_MAX);
	if (tips_assignees(ctx->store, t.id, ids, TIPS_PEOPLE, &n) !=
	    STORE_OK) {
		hr = HANDLER_FAILED;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (staff_get(ctx->store, ids[i], &who) == STORE_OK)
			(void)buf_addf(&people, "%s%s", people.data != NULL ?
			    "、" : "", who.name);
	if (t.enterprise[0] != '\0') {
		vars[9].value = t.enterprise;
		vars[10].value = t.first_ref;
		ent = msg_format(ctx->locale, t.first_ref[0] != '\0' ?
		    MSG_LEDGER_FIRST_OF : MSG_LEDGER_FIRST, vars);
	}
	vars[1].value = tipcmd_state(ctx, t.state);
	vars[2].value = t.area_path[0] != '\0' ? t.area_path : "—";
	vars[3].value = ent != NULL ? ent : "—";
	vars[4].value = t.measure[0] != '\0' ? msg_template(ctx->locale,
	    msg_measure_key(t.measure)) : "—";
	vars[5].value = people.data != NULL ? people.data : "—";
	cmd_tips_due(ctx, &t, due, sizeof due);
	tipcmd_when(ctx, t.created_at, when);
	vars[8].value = t.body != NULL ? t.body : "";
	(void)msg_render(&b, ctx->locale, MSG_LEDGER_SHOW, vars);
	if (cmd_tips_history(ctx, &t, &b) != STORE_OK ||
	    audit_add_area(ctx->store, tf.actor, "tip read", t.ref, t.area_id,
	    ctx->now) != STORE_OK) {
		hr = HANDLER_FAILED;
		goto out;
	}
	/* Long histories are cut by the channel into parts (bot/dispatch.c
	 * dispatch_overflow()). */
	reply_add_owned(r, buf_steal(&b));
out:
	free(ent);
	buf_free(&b);
	buf_free(&people);
	tip_row_clear(&t);
	return hr;
}

/* Lists or shows. */
static enum handler_ret
cmd_tips_exec(struct handler_ctx *ctx, const char *args, struct reply *r)
{
	char	 ref[TIP_REF_MAX];

	if (tipcmd_group(ctx, r))
		return HANDLER_USAGE;
	if (*args == '\0')
		return cmd_tips_list(ctx, r);
	if (tipcmd_ref(args, ref) == NULL)
		return tipcmd_usage(ctx, MSG_USAGE_TIPS, r);
	return cmd_tips_show(ctx, ref, r);
}

const struct handler cmd_tips_entry = {
	.name = "tips",
	.aliases = cmd_tips_aliases,
	.min_role = ROLE_GRID_WORKER,
	.usage = MSG_USAGE_TIPS,
	/* Reading a tip writes its audit entry. */
	.flags = HANDLER_WRITES,
	.exec = cmd_tips_exec,
	.resolve = cmd_tips_resolve,
};

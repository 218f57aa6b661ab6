/* The life of a tip after intake: moves, assignment, escalation, notices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/enterprises.h"
#include "storage/outbox.h"
#include "storage/staff.h"
#include "tipflow.h"

#define TIPFLOW_PEOPLE	16	/* assignees of one tip, at most */
#define TIPFLOW_BATCH	64	/* overdue tips per escalation turn */
#define EXCERPT_CHARS	60

/* Roles by rank, for the escalation ladder (staff_role_rank()). */
static const char *const ladder[] = {
	NULL, "grid_worker", "grid_chief", "liaison", "office", "admin",
};
#define LADDER_TOP	5

/* The stored measure of a typed word: a disposal's, not "listed". */
const char *
tipflow_measure(const char *word)
{
	const char	*m = measure_parse(word);

	return m != NULL && strcmp(m, "listed") != 0 ? m : NULL;
}

/* The locale the reporter of a tip that came through channel reads. */
static enum locale
tipflow_reporter_locale(const struct tipflow *tf, const char *channel)
{
	const struct handler_env	*env = tf->env;

	if (env->channel_locale != NULL)
		return env->channel_locale(env, channel);
	return LOCALE_ZH;
}

/* Hours a tip may stay in state before it is escalated (0: no limit). */
static time_t
tipflow_due(const struct tipflow *tf, enum tip_state state)
{
	int	 h = tf->env->tip_due_hours[state];

	return h > 0 ? tf->now + (time_t)h * 3600 : 0;
}

/* The actor of what fangfei does by itself. */
void
tipflow_system(struct tipflow *tf, struct store *s,
    const struct handler_env *env, enum locale locale, time_t now)
{
	memset(tf, 0, sizeof *tf);
	tf->store = s;
	tf->env = env;
	tf->locale = locale;
	tf->now = now;
	(void)snprintf(tf->actor, sizeof tf->actor, "system");
	tf->rank = LADDER_TOP;
}

/* Whether the actor may see a tip of area. */
static int
tipflow_visible(struct tipflow *tf, int64_t area)
{
	if (area == 0)
		return tf->rank >= 4;
	return tf->scope == 0 || areas_within(tf->store, area, tf->scope);
}

/* Gets a tip the actor may see. */
enum tipflow_result
tipflow_get(struct tipflow *tf, const char *ref, struct tip_row *t)
{
	switch (tips_get(tf->store, ref, t)) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		return TIPFLOW_NOT_FOUND;
	default:
		return TIPFLOW_FAILED;
	}
	if (!tipflow_visible(tf, t->area_id)) {
		tip_row_clear(t);
		return TIPFLOW_NOT_FOUND;
	}
	return TIPFLOW_OK;
}

/* Queues text to a staff member's private chats. */
enum tipflow_result
tipflow_tell_staff(struct tipflow *tf, int64_t staff, const char *text)
{
	long	 n;

	return staff_notify_identities(tf->store, staff, "", "", text, tf->now,
	    &n) == STORE_OK ? TIPFLOW_OK : TIPFLOW_FAILED;
}

/* Queues text to the reporter of a tip. */
enum tipflow_result
tipflow_tell_reporter(struct tipflow *tf, int64_t tip, const char *key,
    const char *text)
{
	struct tip_row	 t;
	int64_t		 reporter;
	char		 idem[96];
	enum store_status st;

	if (tips_get_id(tf->store, tip, &t) != STORE_OK)
		return TIPFLOW_FAILED;
	st = tips_reporter(tf->store, t.ref, &reporter);
	if (st == STORE_NOT_FOUND || (st == STORE_OK && reporter == 0)) {
		/* Forgotten, or made without a way back. */
		tip_row_clear(&t);
		return TIPFLOW_OK;
	}
	if (st != STORE_OK) {
		tip_row_clear(&t);
		return TIPFLOW_FAILED;
	}
	(void)snprintf(idem, sizeof idem, "tip:%lld:%s", (long long)tip, key);
	st = outbox_queue_reporter(tf->store, reporter, t.channel, text, idem,
	    tf->now);
	if (st == STORE_OK)
		st = tips_note(tf->store, tip, "notified", "system", key,
		    tf->now);
	tip_row_clear(&t);
	return st == STORE_OK ? TIPFLOW_OK : TIPFLOW_FAILED;
}

/* Tells the reporter of t what became of it, in their own language. */
static enum tipflow_result
tipflow_tell_state(struct tipflow *tf, const struct tip_row *t,
    enum msg_key key, const char *what)
{
	struct msg_var	 vars[] = {
		{ "ref", t->ref }, { "hotline", tf->env->hotline },
		{ NULL, NULL }
	};
	char		*text;
	enum tipflow_result r;

	text = msg_format(tipflow_reporter_locale(tf, t->channel), key, vars);
	r = tipflow_tell_reporter(tf, t->id, what, text);
	free(text);
	return r;
}

/* The first EXCERPT_CHARS characters of a tip's text. */
static void
tipflow_excerpt(const char *body, char *out, size_t size)
{
	size_t	 n = utf8_prefix(body, EXCERPT_CHARS);

	(void)snprintf(out, size, "%.*s%s", (int)n, body,
	    body[n] != '\0' ? "…" : "");
}

/* Tells each of staff[] about tip t with message key. */
static enum tipflow_result
tipflow_tell_people(struct tipflow *tf, const struct tip_row *t,
    const int64_t *staff, size_t n, enum msg_key key)
{
	char		 excerpt[EXCERPT_CHARS * 4 + 8], *text;
	struct msg_var	 vars[] = {
		{ "ref", t->ref }, { "area", t->area_path[0] ? t->area_path :
		    "—" }, { "text", excerpt }, { "state", NULL },
		{ NULL, NULL }
	};
	enum tipflow_result r = TIPFLOW_OK;
	size_t		 i;

	tipflow_excerpt(t->body != NULL ? t->body : "", excerpt,
	    sizeof excerpt);
	vars[3].value = msg_template(tf->locale, msg_tip_state_key(
	    tip_state_name(t->state)));
	text = msg_format(tf->locale, key, vars);
	for (i = 0; i < n && r == TIPFLOW_OK; i++)
		r = tipflow_tell_staff(tf, staff[i], text);
	free(text);
	return r;
}

/* Makes a move. */
enum tipflow_result
tipflow_move(struct tipflow *tf, const char *ref, enum tip_move move,
    const char *note, const char *measure, int64_t enterprise,
    struct tip_row *out)
{
	struct tip_row		 t;
	enum tip_state		 to;
	enum tipflow_result	 r;
	enum store_status	 st;
	const char		*code = NULL;
	char			 detail[TIP_REF_MAX + 48];
	int64_t			 id;
	int			 assigned, first_verify;

	if ((r = tipflow_get(tf, ref, &t)) != TIPFLOW_OK)
		return r;
	if (move == TIP_MOVE_DISPOSE &&
	    (code = tipflow_measure(measure)) == NULL) {
		tip_row_clear(&t);
		return TIPFLOW_BAD_ARGS;
	}
	assigned = tf->staff_id != 0 && tips_is_assignee(tf->store, t.id,
	    tf->staff_id);
	switch (tip_move_check(t.state, move, tf->rank, assigned, &to)) {
	case TIP_MOVE_OK:
		break;
	case TIP_MOVE_BAD_STATE:
		tip_row_clear(&t);
		return TIPFLOW_BAD_STATE;
	default:
		tip_row_clear(&t);
		return TIPFLOW_BAD_ROLE;
	}
	/* A move to where the tip is with nothing to record (核查 <编号>
	 * again while it is checked) writes nothing. */
	if (to == t.state && note == NULL && code == NULL) {
		id = t.id;
		tip_row_clear(&t);
		if (out != NULL && tips_get_id(tf->store, id, out) != STORE_OK)
			return TIPFLOW_FAILED;
		return TIPFLOW_OK;
	}
	first_verify = to == TIP_VERIFYING && t.state == TIP_ASSIGNED &&
	    move != TIP_MOVE_RETURN;
	st = tips_move(tf->store, t.id, t.state, to, move == TIP_MOVE_RETURN ?
	    "returned" : tip_state_name(to), tf->actor, note,
	    tipflow_due(tf, to), tf->now);
	if (st == STORE_OK && code != NULL)
		st = tips_set_measure(tf->store, t.id, code, enterprise,
		    tf->now);
	if (st == STORE_OK) {
		/* Every move is in the audit log too, which the office reads
		 * across tips. */
		(void)snprintf(detail, sizeof detail, "%s %s -> %s", t.ref,
		    tip_state_name(t.state), tip_state_name(to));
		st = audit_add_area(tf->store, tf->actor, "tip move", detail,
		    t.area_id, tf->now);
	}
	if (st == STORE_NOT_FOUND) {
		tip_row_clear(&t);
		return TIPFLOW_RACE;
	}
	if (st != STORE_OK) {
		tip_row_clear(&t);
		return TIPFLOW_FAILED;
	}
	/* An assignee who hands a tip back no longer has it. */
	if (move == TIP_MOVE_RETURN && to == TIP_RECEIVED &&
	    tips_assign(tf->store, t.id, NULL, 0, tf->now) != STORE_OK)
		r = TIPFLOW_FAILED;
	t.state = to;
	if (r == TIPFLOW_OK && first_verify)
		r = tipflow_tell_state(tf, &t, MSG_TIP_TELL_ACCEPTED,
		    "accepted");
	else if (r == TIPFLOW_OK && to == TIP_CONFIRMED &&
	    move != TIP_MOVE_RETURN)
		r = tipflow_tell_state(tf, &t, MSG_TIP_TELL_CONFIRMED,
		    "confirmed");
	else if (r == TIPFLOW_OK && to == TIP_CLOSED)
		r = tipflow_tell_state(tf, &t, MSG_TIP_TELL_CLOSED, "closed");
	id = t.id;
	tip_row_clear(&t);
	if (out != NULL && r == TIPFLOW_OK &&
	    tips_get_id(tf->store, id, out) != STORE_OK)
		r = TIPFLOW_FAILED;
	return r;
}

/* Assigns a tip to people. */
enum tipflow_result
tipflow_assign(struct tipflow *tf, const char *ref, const int64_t *staff,
    size_t n)
{
	struct tip_row		 t;
	struct staff_info	 who;
	struct buf		 names;
	enum tip_state		 to;
	enum tipflow_result	 r;
	enum store_status	 st;
	size_t			 i;

	if (n == 0 || n > TIPFLOW_PEOPLE)
		return TIPFLOW_BAD_ARGS;
	if ((r = tipflow_get(tf, ref, &t)) != TIPFLOW_OK)
		return r;
	if (tip_move_check(t.state, TIP_MOVE_ASSIGN, tf->rank, 0, &to) !=
	    TIP_MOVE_OK) {
		r = tip_move_check(t.state, TIP_MOVE_ASSIGN, tf->rank, 0,
		    &to) == TIP_MOVE_BAD_STATE ? TIPFLOW_BAD_STATE :
		    TIPFLOW_BAD_ROLE;
		tip_row_clear(&t);
		return r;
	}
	buf_init(&names, 2048);
	for (i = 0; i < n; i++) {
		/* Only active staff who may work on the tip's area; for a
		 * tip of no known area, staff of the actor's own subtree. */
		if (staff_get(tf->store, staff[i], &who) != STORE_OK ||
		    !who.active || (t.area_id != 0 &&
		    !areas_within(tf->store, t.area_id, who.area_id) &&
		    !areas_within(tf->store, who.area_id, tf->scope)) ||
		    (t.area_id == 0 && tf->scope != 0 &&
		    !areas_within(tf->store, who.area_id, tf->scope))) {
			buf_free(&names);
			tip_row_clear(&t);
			return TIPFLOW_BAD_ARGS;
		}
		(void)buf_addf(&names, "%s%s", i > 0 ? "、" : "", who.name);
	}
	st = tips_move(tf->store, t.id, t.state, TIP_ASSIGNED, "assigned",
	    tf->actor, names.data, tipflow_due(tf, TIP_ASSIGNED), tf->now);
	buf_free(&names);
	if (st == STORE_OK)
		st = tips_assign(tf->store, t.id, staff, n, tf->now);
	if (st == STORE_OK)
		st = audit_add_area(tf->store, tf->actor, "tip assign", t.ref,
		    t.area_id, tf->now);
	if (st != STORE_OK) {
		tip_row_clear(&t);
		return st == STORE_NOT_FOUND ? TIPFLOW_RACE : TIPFLOW_FAILED;
	}
	t.state = TIP_ASSIGNED;
	r = tipflow_tell_people(tf, &t, staff, n, MSG_TIP_TELL_ASSIGNED);
	tip_row_clear(&t);
	return r;
}

/*
 * Finds the enterprise a tip's text names: an 18-character code with a
 * right check digit, or a name ending in 公司 that matches one in the
 * registry exactly (as folded). 0 when none.
 */
static int64_t
tipflow_enterprise(struct tipflow *tf, const char *body)
{
	struct check_result	 cr;
	char			 code[USCC_LEN + 1], tok[64], name[256];
	char			 fold[NAME_MAX_BYTES], key[NAME_MAX_BYTES];
	char			 mfold[NAME_MAX_BYTES], mkey[NAME_MAX_BYTES];
	const char		*p, *q, *start;
	size_t			 n;
	int64_t			 id = 0;

	for (p = body; *p != '\0' && id == 0; p = q) {
		while (*p != '\0' && strchr(" \t\n,，。；：:", *p) != NULL)
			p++;
		q = p + strcspn(p, " \t\n,.;:");
		n = (size_t)(q - p);
		if (*q != '\0')
			q++;
		if (n < USCC_LEN || n >= sizeof tok)
			continue;
		memcpy(tok, p, n);
		tok[n] = '\0';
		if (uscc_check(tok, code, NULL) != USCC_OK)
			continue;
		memset(&cr, 0, sizeof cr);
		if (enterprises_check_uscc(tf->store, code, &cr) == STORE_OK &&
		    cr.n > 0)
			id = cr.m[0].id;
		check_result_clear(&cr);
	}
	for (p = body; id == 0 && (p = strstr(p, "公司")) != NULL; p += 6) {
		/* Back from 公司 over the name's characters, to a space or a
		 * punctuation mark, 40 characters at most. */
		for (start = p, n = 0; start > body && n < 40; n++) {
			q = start - 1;
			while (q > body && ((unsigned char)*q & 0xc0) == 0x80)
				q--;
			if (strchr(" \t\n,.;:!?\"'", *q) != NULL ||
			    strncmp(q, "，", 3) == 0 || strncmp(q, "。", 3) == 0 ||
			    strncmp(q, "：", 3) == 0 || strncmp(q, "、", 3) == 0 ||
			    strncmp(q, "“", 3) == 0 || strncmp(q, "”", 3) == 0)
				break;
			start = q;
		}
		n = (size_t)(p + 6 - start);
		if (n >= sizeof name || n < 9)
			continue;
		memcpy(name, start, n);
		name[n] = '\0';
		memset(&cr, 0, sizeof cr);
		if (name_forms(name, fold, key, sizeof fold) == 0 &&
		    enterprises_check_name(tf->store, name, &cr) == STORE_OK &&
		    cr.n > 0 && name_forms(cr.m[0].name, mfold, mkey,
		    sizeof mfold) == 0 && strcmp(key, mkey) == 0)
			id = cr.m[0].id;
		check_result_clear(&cr);
	}
	return id;
}

/* Links, assigns and tells about a new tip. */
enum tipflow_result
tipflow_intake(struct tipflow *tf, int64_t tip)
{
	static const char *const first[] = { "grid_worker", "liaison",
	    "office", NULL };
	struct tip_row		 t;
	int64_t			 people[TIPFLOW_PEOPLE], ent;
	size_t			 n = 0, i;
	char			 first_ref[TIP_REF_MAX];
	enum store_status	 st = STORE_OK;
	enum tipflow_result	 r = TIPFLOW_OK;

	if (tips_get_id(tf->store, tip, &t) != STORE_OK)
		return TIPFLOW_FAILED;
	if ((ent = tipflow_enterprise(tf, t.body)) != 0) {
		st = tips_link(tf->store, tip, ent, tf->env->tip_link_days *
		    86400, tf->now, first_ref, sizeof first_ref);
		if (st == STORE_OK)
			st = tips_note(tf->store, tip, "linked", "system",
			    first_ref[0] != '\0' ? first_ref : "首报 first",
			    tf->now);
	}
	for (i = 0; st == STORE_OK && first[i] != NULL && n == 0; i++)
		st = staff_for_area(tf->store, t.area_id, first[i], people,
		    TIPFLOW_PEOPLE, &n);
	if (st == STORE_OK && n > 0) {
		st = tips_move(tf->store, tip, TIP_RECEIVED, TIP_ASSIGNED,
		    "assigned", "system", NULL, tipflow_due(tf, TIP_ASSIGNED),
		    tf->now);
		if (st == STORE_OK)
			st = tips_assign(tf->store, tip, people, n, tf->now);
		t.state = TIP_ASSIGNED;
	} else if (st == STORE_OK)
		st = tips_move(tf->store, tip, TIP_RECEIVED, TIP_RECEIVED,
		    "unassigned", "system", "no staff for its area",
		    tipflow_due(tf, TIP_RECEIVED), tf->now);
	if (st != STORE_OK) {
		tip_row_clear(&t);
		return TIPFLOW_FAILED;
	}
	if (n > 0)
		r = tipflow_tell_people(tf, &t, people, n,
		    MSG_TIP_TELL_ASSIGNED);
	tip_row_clear(&t);
	return r;
}

/* The highest rank among a tip's assignees (0: none). */
static int
tipflow_level(struct tipflow *tf, int64_t tip)
{
	int64_t			 people[TIPFLOW_PEOPLE];
	struct staff_info	 who;
	size_t			 n = 0, i;
	int			 top = 0, r;

	if (tips_assignees(tf->store, tip, people, TIPFLOW_PEOPLE, &n) !=
	    STORE_OK)
		return 0;
	for (i = 0; i < n; i++)
		if (staff_get(tf->store, people[i], &who) == STORE_OK &&
		    (r = staff_role_rank(who.role)) > top)
			top = r;
	return top;
}

/* Escalates one overdue tip; the caller holds a transaction. */
static enum tipflow_result
tipflow_escalate_one(struct tipflow *tf, int64_t tip)
{
	struct tip_row		 t;
	struct staff_info	 who;
	int64_t			 people[TIPFLOW_PEOPLE];
	size_t			 n = 0, i;
	int			 level;
	enum store_status	 st = STORE_OK;
	enum tipflow_result	 r = TIPFLOW_OK;
	struct buf		 names;

	if (tips_get_id(tf->store, tip, &t) != STORE_OK)
		return TIPFLOW_FAILED;
	for (level = tipflow_level(tf, tip) + 1; level <= LADDER_TOP &&
	    n == 0 && st == STORE_OK; level++)
		st = staff_for_area(tf->store, t.area_id, ladder[level],
		    people, TIPFLOW_PEOPLE, &n);
	buf_init(&names, 2048);
	for (i = 0; st == STORE_OK && i < n; i++) {
		st = tips_assign_add(tf->store, tip, people[i], tf->now);
		if (st == STORE_OK && staff_get(tf->store, people[i], &who) ==
		    STORE_OK)
			(void)buf_addf(&names, "%s%s", i > 0 ? "、" : "",
			    who.name);
	}
	/* Nobody above: the deadline still moves on, so that the top is not
	 * told again every minute; the history says no one was found. */
	if (st == STORE_OK)
		st = tips_note(tf->store, tip, "escalated", "system", n > 0 ?
		    names.data : "no one above", tf->now);
	if (st == STORE_OK)
		st = tips_escalated(tf->store, tip, tipflow_due(tf, t.state),
		    tf->now);
	buf_free(&names);
	if (st != STORE_OK)
		r = TIPFLOW_FAILED;
	else if (n > 0)
		r = tipflow_tell_people(tf, &t, people, n,
		    MSG_TIP_TELL_ESCALATED);
	tip_row_clear(&t);
	return r;
}

/* Escalates the overdue tips, one transaction each. */
enum tipflow_result
tipflow_escalate(struct tipflow *tf, long *count)
{
	int64_t		 tips[TIPFLOW_BATCH];
	size_t		 n = 0, i;

	*count = 0;
	if (tips_overdue(tf->store, tf->now, tips, TIPFLOW_BATCH, &n) !=
	    STORE_OK)
		return TIPFLOW_FAILED;
	for (i = 0; i < n; i++) {
		if (store_begin(tf->store) != STORE_OK)
			return TIPFLOW_FAILED;
		if (tipflow_escalate_one(tf, tips[i]) != TIPFLOW_OK) {
			store_rollback(tf->store);
			return TIPFLOW_FAILED;
		}
		if (store_commit(tf->store) != STORE_OK)
			return TIPFLOW_FAILED;
		(*count)++;
	}
	return TIPFLOW_OK;
}

/*
 * The kill soak's checks, once the kills are over: every tip's rows in
 * the database against what its client was told, its reporter's
 * follow-up ("进度 <ref>" from the same sender), and the copies of the
 * broadcast and the reminder each robot received, against the moments
 * of the kills.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages/xmalloc.h"
#include "soak.h"
#include "soak_db.h"
#include "tests/e2e/fakeplat.h"

/* What soak_verify() was given, for the functions below it. */
static const struct soak_world	*w;

/* A follow-up thread: "进度 <ref>" for each acknowledged tip of the
 * channel, from its reporter. Answers that come through the outbox are
 * looked for on the fake API once the outbox is empty. */
static void *
soak_follow_run(void *arg)
{
	struct soak_client		*cl = arg;
	const struct soak_channel	*c = &soak_channels[cl->ch];
	struct soak_reply		 r;
	struct soak_tip			*t;
	char				 text[64];
	size_t				 i;

	for (i = 0; i < cl->ntips; i++) {
		t = &cl->tips[i];
		if (!t->acked || t->stored_ref[0] == '\0')
			continue;
		(void)snprintf(text, sizeof text, "进度 %s", t->stored_ref);
		(void)soak_deliver(cl, (int)(i % SOAK_SENDERS),
		    SOAK_FOLLOW_ID + i, text, &r);
		if (r.status == 200 && strstr(r.text, t->stored_ref) != NULL &&
		    strstr(r.text, "当前状态") != NULL)
			t->followed = 1;
		else if (r.status != 200 || !soak_late_ack(r.text))
			printf("  %s tip %zu (%s) followed: %ld %.200s\n",
			    c->name, i, t->stored_ref, r.status,
			    r.text ? r.text : "");
		soak_reply_free(&r);
	}
	return NULL;
}

/* soak_db_rows() callback over (ref, body) of the tips: counts the rows
 * of each soak tip by the token in its text (tips.body holds the text in
 * clear, as the e2e suites' tips_like() count on). */
static void
soak_tally(void *arg, const char *ref, const char *body)
{
	size_t		*foreign = arg, ch, n;
	const char	*p = strstr(body, "SOAK");
	struct soak_tip	*t;

	if (p == NULL || sscanf(p, "SOAK%zuN%zu", &ch, &n) != 2 ||
	    ch >= soak_nchannels || n >= w->clients[ch].ntips) {
		(*foreign)++;
		return;
	}
	t = &w->clients[ch].tips[n];
	if (t->stored++ == 0)
		(void)snprintf(t->stored_ref, sizeof t->stored_ref, "%s", ref);
}

/* qsort() and bsearch() over an array of strings. */
static int
soak_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The references named by answers holding mark that reached the fake
 * API (the outbox's answers), sorted, a reference once for each answer
 * naming it; *n their number. Caller frees the array and its strings. */
static char **
soak_api_refs(const char *mark, size_t *n)
{
	struct fakeplat_record	*r;
	size_t			 nr, i, cap = 0;
	char			**refs = NULL, ref[32];
	const char		*p;

	*n = 0;
	r = fakeplat_records(w->api, NULL, &nr);
	for (i = 0; i < nr; i++) {
		if (strstr(r[i].body, mark) == NULL)
			continue;
		/* The first reference of the answer: the text may name it
		 * again ("发送“进度 {ref}”"). */
		for (p = strstr(r[i].body, "JB-"); p != NULL;
		    p = strstr(p + 3, "JB-")) {
			soak_ref_of(p, ref);
			if (ref[0] != '\0')
				break;
		}
		if (p == NULL)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			refs = xrealloc(refs, cap * sizeof *refs);
		}
		refs[(*n)++] = xstrdup(ref);
	}
	fakeplat_free(r, nr);
	if (*n > 0)
		qsort(refs, *n, sizeof *refs, soak_strcmp);
	return refs;
}

/* Frees what soak_api_refs() returned. */
static void
soak_refs_free(char **refs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(refs[i]);
	free(refs);
}

/* The references named twice or more in a sorted list, counted once
 * for each extra copy. */
static size_t
soak_refs_repeated(char **refs, size_t n)
{
	size_t	 i, dups = 0;

	for (i = 1; i < n; i++)
		dups += strcmp(refs[i - 1], refs[i]) == 0;
	return dups;
}

/* The first kill at or after ms, or nkills when none. */
static unsigned
soak_kill_after(int64_t ms)
{
	unsigned	 lo = 0, hi = w->nkills, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (w->kill_at[mid] < ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Checks that every robot received mark, and that a second copy repeats
 * only a send in flight at a kill: it is charged to the first kill after
 * the robot's previous copy arrived (charged[k], nkills + 1 of them, the
 * last for copies no kill explains), and no kill may be charged more
 * than max_inflight copies (what the killed daemon had in flight). The
 * caller checks that again over both texts together.
 */
static void
soak_check_robots(const char *what, const char *mark, unsigned ngroups,
    unsigned *total)
{
	struct fakeplat_record	*r;
	unsigned	*counts = xcalloc(ngroups, sizeof *counts);
	unsigned	*charged = xcalloc(w->nkills + 1, sizeof *charged);
	int64_t		*last = xcalloc(ngroups, sizeof *last);
	unsigned	 k, missing = 0, dups = 0, most = 0, worst = 0;
	size_t		 nr, i, all = 0;
	const char	*key;
	unsigned long	 g;
	char		*end, msg[320];

	r = fakeplat_records(w->robots, "/b/", &nr);
	for (i = 0; i < nr; i++) {
		if (strstr(r[i].body, mark) == NULL ||
		    (key = strstr(r[i].path, "key=g")) == NULL)
			continue;
		g = strtoul(key + 5, &end, 10);
		if (*end != '\0' || g >= ngroups)
			continue;
		if (counts[g]++ > 0)
			charged[soak_kill_after(last[g])]++;
		last[g] = r[i].ms;
		all++;
	}
	fakeplat_free(r, nr);
	for (k = 0; k < ngroups; k++) {
		if (counts[k] == 0)
			missing++;
		else
			dups += counts[k] - 1;
		if (counts[k] > most)
			most = counts[k];
	}
	for (k = 0; k <= w->nkills; k++)
		total[k] += charged[k];
	for (k = 0; k < w->nkills; k++)
		if (charged[k] > worst)
			worst = charged[k];
	(void)snprintf(msg, sizeof msg, "%zu copies for %u robots, %u missing,"
	    " %u duplicates, at most %u after one kill (max_inflight %d), %u "
	    "with no kill after the copy they repeat; at most %u copies to one"
	    " robot", all, ngroups, missing, dups, worst, SOAK_INFLIGHT,
	    charged[w->nkills], most);
	printf("     %s: %s\n", what, msg);
	(void)snprintf(msg, sizeof msg, "%s reaches every robot", what);
	soak_check(missing == 0, msg, NULL);
	(void)snprintf(msg, sizeof msg, "%s sent twice only what was in flight"
	    " at a kill", what);
	soak_check(worst <= SOAK_INFLIGHT && charged[w->nkills] == 0, msg, NULL);
	free(last);
	free(charged);
	free(counts);
}

/* After the kills: every tip's rows, its reporter's follow-up, the
 * broadcast and the reminder. */
void
soak_verify(const struct soak_world *world, unsigned ngroups, int64_t loop_ms)
{
	size_t		 sent = 0, acked = 0, refused = 0, lost = 0, doubled = 0;
	size_t		 wrongref = 0, followed = 0, noref = 0, foreign = 0;
	size_t		 failreq = 0, lostreq = 0, redel = 0, redelbad = 0;
	size_t		 unacked_stored = 0, nrefs, ntell, told = 0, toldtwice;
	size_t		 untold = 0;
	size_t		 i, c;
	char		**refs, **tellrefs, *key, msg[512];
	struct soak_tip	*t;
	unsigned	*charged = xcalloc(world->nkills + 1, sizeof *charged);
	unsigned	 k, worst = 0;
	int		 drained;

	w = world;
	if (soak_db_rows(w->db, "SELECT ref, body FROM tips", soak_tally,
	    &foreign) < 0)
		soak_check(0, "the tips can be read", NULL);
	for (c = 0; c < soak_nchannels; c++) {
		failreq += w->clients[c].failed_requests;
		lostreq += w->clients[c].lost_requests;
		redel += w->clients[c].redelivered;
		redelbad += w->clients[c].redelivered_bad;
		for (i = 0; i < w->clients[c].ntips; i++) {
			t = &w->clients[c].tips[i];
			sent++;
			if (t->stored > 1) {
				doubled++;
				printf("  %s tip %zu stored %d times (%s)\n",
				    soak_channels[c].name, i, t->stored,
				    t->stored_ref);
			}
			if (!t->acked) {
				refused += t->refused;
				unacked_stored += t->stored > 0;
				continue;
			}
			acked++;
			if (t->stored == 0) {
				lost++;
				printf("  %s tip %zu acknowledged (%s) but not "
				    "stored\n", soak_channels[c].name, i,
				    t->ref[0] ? t->ref : "no reference");
			}
			if (t->ref[0] == '\0')
				noref++;
			else if (t->stored > 0 &&
			    strcmp(t->ref, t->stored_ref) != 0) {
				wrongref++;
				printf("  %s tip %zu acknowledged as %s, stored "
				    "as %s\n", soak_channels[c].name, i, t->ref,
				    t->stored_ref);
			}
		}
	}

	/* The reporters follow their tips; answers through the outbox are
	 * found on the fake API once the outbox is empty. */
	for (c = 0; c < soak_nchannels; c++)
		if (pthread_create(&w->clients[c].thread, NULL, soak_follow_run,
		    &w->clients[c]) != 0)
			exit(1);
	for (c = 0; c < soak_nchannels; c++)
		pthread_join(w->clients[c].thread, NULL);
	drained = soak_wait_sql("SELECT count(*) FROM outbox WHERE state IN "
	    "('pending', 'sending')", 0, 0, SOAK_DRAIN_MS) == 0;
	refs = soak_api_refs("当前状态", &nrefs);
	tellrefs = soak_api_refs("已收到您的举报线索", &ntell);
	for (c = 0; c < soak_nchannels; c++)
		for (i = 0; i < w->clients[c].ntips; i++) {
			t = &w->clients[c].tips[i];
			key = t->stored_ref;
			if (!t->acked || t->stored == 0)
				continue;
			if (!t->followed && bsearch(&key, refs, nrefs,
			    sizeof *refs, soak_strcmp) != NULL)
				t->followed = 1;
			if (!t->followed)
				printf("  %s tip %zu (%s): its reporter cannot "
				    "follow it\n", soak_channels[c].name, i,
				    t->stored_ref);
			followed += t->followed;
			/* Acknowledged without the reference: the reporter
			 * learns it from the outbox's answer. */
			if (t->ref[0] != '\0')
				continue;
			if (bsearch(&key, tellrefs, ntell, sizeof *tellrefs,
			    soak_strcmp) != NULL)
				told++;
			else if (++untold <= 20)
				printf("  %s tip %zu (%s): its reporter was "
				    "never told the reference\n",
				    soak_channels[c].name, i, t->stored_ref);
		}
	toldtwice = soak_refs_repeated(tellrefs, ntell);
	soak_refs_free(refs, nrefs);
	soak_refs_free(tellrefs, ntell);

	printf("     %u kills in %.1f s; tips sent %zu, acknowledged %zu (%zu "
	    "without a reference: answered through the outbox), answered "
	    "without acknowledgement %zu; stored: acknowledged and found %zu, "
	    "lost %zu, stored twice %zu, unacknowledged but stored %zu; "
	    "requests failed and retried %zu (%zu cut by a kill, the others "
	    "refused while the daemon was down); delivered again %zu (%zu "
	    "answered otherwise); followed %zu; told their reference through the "
	    "outbox %zu (%zu told twice)\n", w->nkills,
	    (double)loop_ms / 1000, sent, acked, noref, refused,
	    acked - lost, lost, doubled, unacked_stored, failreq, lostreq, redel,
	    redelbad, followed, told, toldtwice);
	soak_check(acked > 0 && acked == sent - refused,
	    "every tip is acknowledged once the daemon is back", NULL);
	soak_check(refused == 0, "no tip answered without its acknowledgement",
	    NULL);
	soak_check(lost == 0, "every acknowledged tip is in the database", NULL);
	soak_check(doubled == 0, "no tip is stored twice", NULL);
	soak_check(wrongref == 0, "each tip is stored under the reference its "
	    "reporter was given", NULL);
	soak_check(redelbad == 0, "a message delivered again gets the same "
	    "answer", NULL);
	soak_check(followed == acked - lost, "every reporter can follow their "
	    "tip", NULL);
	soak_check(untold == 0, "every reporter acknowledged without "
	    "the reference is told it through the outbox", NULL);
	soak_check(drained, "the outbox empties after the kills", NULL);
	(void)snprintf(msg, sizeof msg, "%ld dead",
	    e2e_sql_long(w->db, "SELECT count(*) FROM outbox WHERE state "
	    "NOT IN ('pending', 'sending', 'sent')"));
	soak_check(e2e_sql_long(w->db, "SELECT count(*) FROM outbox WHERE "
	    "state NOT IN ('pending', 'sending', 'sent')") == 0,
	    "no outbox row given up", msg);

	soak_check_robots("the broadcast", BC_MARK, ngroups, charged);
	(void)snprintf(msg, sizeof msg, "%ld firings",
	    e2e_sql_long(w->db, "SELECT count(*) FROM reminder_firings"));
	soak_check(e2e_sql_long(w->db, "SELECT count(*) FROM "
	    "reminder_firings") == 1 && e2e_sql_long(w->db, "SELECT count(*)"
	    " FROM reminder_firings WHERE state = 'sent'") == 1,
	    "the reminder fired once", msg);
	soak_check_robots("the reminder", RM_MARK, ngroups, charged);
	for (k = 0; k < w->nkills; k++)
		if (charged[k] > worst)
			worst = charged[k];
	(void)snprintf(msg, sizeof msg, "at most %u", worst);
	soak_check(worst <= SOAK_INFLIGHT, "broadcast and reminder together: "
	    "no more copies repeated after a kill than max_inflight", msg);
	free(charged);
}


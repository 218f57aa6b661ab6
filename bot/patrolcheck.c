/* The weekly patrol deadline: telling grid chiefs what is left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "patrolcheck.h"
#include "messages/buf.h"
#include "messages/texts.h"
#include "messages/xmalloc.h"
#include "storage/ledger.h"
#include "storage/patrols.h"
#include "storage/staff.h"

#define DAY			86400
#define PATROLCHECK_GRIDS	1024	/* grids checked in one run; more
					   wait for the next turn */
#define PATROLCHECK_CHIEFS	8	/* chiefs of one grid told */
#define PATROLCHECK_NAMED	20	/* buildings, workers named per grid */
#define PATROLCHECK_TEXT	6000	/* bytes of one chief's message */

/* A grid with buildings left, and whom to tell. */
struct patrolcheck_grid {
	struct patrol_grid	 g;
	int64_t			 chiefs[PATROLCHECK_CHIEFS];
	size_t			 nchiefs;
};

/* One (chief, grid) pair, sorted by chief to write one message each. */
struct patrolcheck_pair {
	int64_t		 chief;
	size_t		 grid;		/* index into the grids */
};

/* The latest deadline at or before now. */
time_t
patrolcheck_last_deadline(time_t now, int utc_offset, int day, int minute)
{
	char	 week[PATROL_WEEK_LEN];
	time_t	 start, d;

	patrol_week(now, utc_offset, week);
	if (patrol_week_start(week, utc_offset, &start) == -1)
		return 0;
	d = start + (time_t)(day - 1) * DAY + (time_t)minute * 60;
	return d <= now ? d : d - 7 * DAY;
}

/* Orders pairs by chief, then by grid. */
static int
patrolcheck_cmp(const void *a, const void *b)
{
	const struct patrolcheck_pair	*x = a, *y = b;

	if (x->chief != y->chief)
		return x->chief < y->chief ? -1 : 1;
	return x->grid < y->grid ? -1 : x->grid > y->grid;
}

/* Joins the buildings left in a grid (below its path) into b. */
static enum store_status
patrolcheck_buildings(struct store *s, const struct patrol_grid *g,
    const char *week, struct buf *b)
{
	struct patrol_area	 left[PATROLCHECK_NAMED];
	size_t			 n, i;
	long			 total;
	enum store_status	 st;

	if ((st = patrols_unpatrolled(s, g->id, week, left, PATROLCHECK_NAMED,
	    &n, &total)) != STORE_OK)
		return st;
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)buf_adds(b, "、");
		(void)buf_adds(b, patrol_relative(left[i].path, g->path));
	}
	if (total > (long)n)
		(void)buf_addf(b, "… (+%ld)", total - (long)n);
	return STORE_OK;
}

/* Joins the names of a grid's workers with no patrol into b. */
static enum store_status
patrolcheck_workers(struct store *s, const struct patrol_grid *g,
    const char *week, struct buf *b)
{
	struct patrol_worker	 idle[PATROLCHECK_NAMED];
	size_t			 n, i;
	long			 total;
	enum store_status	 st;

	if ((st = patrols_idle_workers(s, g->id, week, idle, PATROLCHECK_NAMED,
	    &n, &total)) != STORE_OK)
		return st;
	if (n == 0)
		(void)buf_adds(b, msg_template(LOCALE_ZH, MSG_PATROL_NOBODY));
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)buf_adds(b, "、");
		(void)buf_adds(b, idle[i].name);
	}
	if (total > (long)n)
		(void)buf_addf(b, "… (+%ld)", total - (long)n);
	return STORE_OK;
}

/*
 * Queues one message to chief about the grids of pairs[0..n), all of that
 * chief. A grid that no longer fits the message's cap is left out of it
 * (its row is still recorded: a cap of this size is never reached by the
 * grids one chief has).
 */
static enum store_status
patrolcheck_tell(struct store *s, const struct patrolcheck_grid *grids,
    const struct patrolcheck_pair *pairs, size_t n, const char *week,
    const char *deadline, time_t now, long *told)
{
	struct buf		 text, list, workers;
	char			 nb[24], nm[24], *body = NULL;
	size_t			 i;
	long			 k = 0;
	enum store_status	 st = STORE_OK;
	const struct patrol_grid *g;
	struct msg_var		 vars[] = {
		{ "week", week }, { "deadline", deadline }, { "grid", NULL },
		{ "n", nm }, { "buildings", nb }, { "list", NULL },
		{ "workers", NULL }, { NULL, NULL }
	};

	buf_init(&text, PATROLCHECK_TEXT);
	buf_init(&list, PATROLCHECK_TEXT);
	buf_init(&workers, PATROLCHECK_TEXT);
	(void)msg_render(&text, LOCALE_ZH, MSG_PATROL_CHIEF_HEAD, vars);
	for (i = 0; i < n; i++) {
		g = &grids[pairs[i].grid].g;
		buf_reset(&list);
		buf_reset(&workers);
		if ((st = patrolcheck_buildings(s, g, week, &list)) !=
		    STORE_OK ||
		    (st = patrolcheck_workers(s, g, week, &workers)) !=
		    STORE_OK)
			goto out;
		(void)snprintf(nb, sizeof nb, "%ld", g->buildings);
		(void)snprintf(nm, sizeof nm, "%ld", g->buildings -
		    g->patrolled);
		vars[2].value = g->path;
		vars[5].value = list.data != NULL ? list.data : "";
		vars[6].value = workers.data != NULL ? workers.data : "";
		if (buf_adds(&text, "\n") == -1 ||
		    msg_render(&text, LOCALE_ZH, MSG_PATROL_CHIEF_GRID,
		    vars) == -1)
			break;
	}
	(void)buf_adds(&text, "\n");
	(void)msg_render(&text, LOCALE_ZH, MSG_PATROL_CHIEF_FOOT, vars);
	body = buf_steal(&text);
	if ((st = staff_notify_identities(s, pairs[0].chief, "", "", body,
	    now, &k)) != STORE_OK)
		goto out;
	*told += k;
out:
	free(body);
	buf_free(&text);
	buf_free(&list);
	buf_free(&workers);
	return st;
}

/* Finds whom to tell of a grid: its grid chiefs, else its liaisons. */
static enum store_status
patrolcheck_chiefs(struct store *s, struct patrolcheck_grid *pg)
{
	enum store_status	 st;

	if ((st = staff_for_area(s, pg->g.id, "grid_chief", pg->chiefs,
	    PATROLCHECK_CHIEFS, &pg->nchiefs)) != STORE_OK)
		return st;
	if (pg->nchiefs > 0)
		return STORE_OK;
	return staff_for_area(s, pg->g.id, "liaison", pg->chiefs,
	    PATROLCHECK_CHIEFS, &pg->nchiefs);
}

/*
 * Checks the unchecked grids of week inside the caller's transaction:
 * records each, and queues one message per chief of those with buildings
 * left.
 */
static enum store_status
patrolcheck_week(struct store *s, const char *week, const char *deadline,
    time_t now, struct patrolcheck_stats *stats)
{
	int64_t			*ids = NULL;
	struct patrolcheck_grid	*grids = NULL;
	struct patrolcheck_pair	*pairs = NULL;
	struct patrolcheck_grid	*pg;
	size_t			 nids, ngrids = 0, npairs = 0, i, j, k, got;
	long			 told;
	enum store_status	 st;

	ids = xcalloc(PATROLCHECK_GRIDS, sizeof *ids);
	if ((st = patrols_unchecked(s, week, 0, ids, PATROLCHECK_GRIDS,
	    &nids)) != STORE_OK || nids == 0)
		goto out;
	grids = xcalloc(nids, sizeof *grids);
	pairs = xcalloc(nids * PATROLCHECK_CHIEFS, sizeof *pairs);
	for (i = 0; i < nids; i++) {
		pg = &grids[ngrids];
		memset(pg, 0, sizeof *pg);
		/* A grid as scope is its own only grid. */
		if ((st = patrols_grids(s, ids[i], week, 0, &pg->g, 1, &got)) !=
		    STORE_OK)
			goto out;
		stats->grids++;
		if (got == 0 || pg->g.workers == 0 ||
		    pg->g.patrolled >= pg->g.buildings) {
			if ((st = patrols_checked(s, ids[i], week, got ?
			    pg->g.buildings : 0, got ? pg->g.buildings -
			    pg->g.patrolled : 0, 0, now)) != STORE_OK)
				goto out;
			continue;
		}
		stats->missing++;
		if ((st = patrolcheck_chiefs(s, pg)) != STORE_OK)
			goto out;
		if (pg->nchiefs == 0) {
			stats->nobody++;
			log_warn("patrols: %s has buildings without a patrol "
			    "in %s and no grid chief or liaison to tell",
			    pg->g.path, week);
		}
		for (j = 0; j < pg->nchiefs; j++) {
			pairs[npairs].chief = pg->chiefs[j];
			pairs[npairs++].grid = ngrids;
		}
		ngrids++;
	}
	qsort(pairs, npairs, sizeof *pairs, patrolcheck_cmp);
	for (i = 0; i < npairs; i = k) {
		for (k = i; k < npairs && pairs[k].chief == pairs[i].chief; k++)
			continue;
		if ((st = patrolcheck_tell(s, grids, pairs + i, k - i, week,
		    deadline, now, &stats->told)) != STORE_OK)
			goto out;
	}
	/* The grids told, each with the messages its chiefs got. */
	for (i = 0; i < ngrids; i++) {
		told = (long)grids[i].nchiefs;
		if ((st = patrols_checked(s, grids[i].g.id, week,
		    grids[i].g.buildings, grids[i].g.buildings -
		    grids[i].g.patrolled, told, now)) != STORE_OK)
			goto out;
	}
out:
	free(ids);
	free(grids);
	free(pairs);
	return st;
}

/* Checks what the last deadline asks for. */
int
patrolcheck_run(struct store *s, int utc_offset, int day, int minute,
    time_t now, struct patrolcheck_stats *stats)
{
	char			 week[PATROL_WEEK_LEN], deadline[24];
	time_t			 since, d, local;
	struct tm		 tm;
	int64_t			 grid;
	size_t			 n;
	enum store_status	 st;

	memset(stats, 0, sizeof *stats);
	d = patrolcheck_last_deadline(now, utc_offset, day, minute);
	/* The week the deadline closes: the one of the instant before it,
	 * so that "MO 00:00" closes the week that just ended. */
	patrol_week(d - 1, utc_offset, week);
	/* Most turns have nothing to do: find that out without taking the
	 * write lock the request threads need. */
	if ((st = patrols_check_since_get(s, &since)) == STORE_OK) {
		if (d == 0 || d < since)
			return 0;
		if (patrols_unchecked(s, week, 0, &grid, 1, &n) != STORE_OK)
			return -1;
		if (n == 0)
			return 0;
	} else if (st != STORE_NOT_FOUND)
		return -1;
	if (store_begin(s) != STORE_OK)
		return -1;
	if (patrols_check_since(s, now, &since) != STORE_OK)
		goto fail;
	if (d == 0 || d < since)
		return store_commit(s) == STORE_OK ? 0 : -1;
	local = d + utc_offset;
	(void)gmtime_r(&local, &tm);
	(void)strftime(deadline, sizeof deadline, "%m-%d %H:%M", &tm);
	if (patrolcheck_week(s, week, deadline, now, stats) != STORE_OK ||
	    store_commit(s) != STORE_OK)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	memset(stats, 0, sizeof *stats);
	return -1;
}

/* One run from the scheduler. */
long
patrolcheck_turn(struct store *s, int utc_offset, int day, int minute,
    time_t now)
{
	struct patrolcheck_stats	 st;

	if (patrolcheck_run(s, utc_offset, day, minute, now, &st) == -1) {
		log_error("patrols: the deadline check failed: %s",
		    store_errmsg(s));
		return 0;
	}
	if (st.grids > 0)
		log_info("patrols: %ld grid(s) checked, %ld with buildings "
		    "left, %ld message(s) to chiefs", st.grids, st.missing,
		    st.told);
	return st.told;
}

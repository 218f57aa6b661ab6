/*
 * The ledger (台账) as the office hands it on: one row per tip for the
 * export, and the monthly figures of a year per area that the yearly
 * assessment asks for (tips received, verified, disposed, closed, average
 * days to close, rewards paid). Like storage/ledger.h, nothing here reads
 * or returns who reported a tip.
 */
#ifndef FANGFEI_LEDGER_STATS_H
#define FANGFEI_LEDGER_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ledger.h"

/* Which tips an export reads. */
struct ledger_query {
	int64_t		 scope;		/* area subtree; 0: every tip */
	int		 unknown;	/* tips of no known area too */
	unsigned	 states;	/* bits 1 << state; 0: all */
	time_t		 since, until;	/* created in [since, until); 0: open */
	int64_t		 before;	/* ids below this (paging); 0: none */
	size_t		 limit;		/* rows at most; 0: all */
};

#define LEDGER_PEOPLE_MAX	16	/* assignees shown per tip */

/* Someone who works on a tip. */
struct ledger_person {
	int64_t		 id;
	char		 name[128];
};

/* One row of the export: a tip, never its reporter. */
struct ledger_export_row {
	int64_t		 id;
	char		 ref[TIP_REF_MAX];
	time_t		 created_at;
	char		 area_path[512];	/* "" when unknown */
	enum tip_state	 state;
	char		 enterprise[256];	/* "" when it names none */
	char		 uscc[32];
	int		 first;			/* 首报 */
	char		 first_ref[TIP_REF_MAX];	/* the first report */
	char		 measure[16];		/* stored name, "" */
	struct ledger_person people[LEDGER_PEOPLE_MAX];
	size_t		 npeople;
	time_t		 due_at;		/* 0: none */
	time_t		 closed_at;		/* 0: not closed */
	/* The rewards row, when one exists (reward 1). */
	int		 reward;
	int		 eligible;
	long		 stage1_yuan, stage2_yuan;	/* -1: not set */
	time_t		 paid_at;		/* 0: not paid */
	const char	*body;			/* valid during the callback */
};

/*
 * Called once per exported tip, newest first; returns 0 to go on, 1 to
 * stop after this row (a page is full), -1 to give up (the export then
 * answers STORE_ERROR). The row and its body are only valid during the
 * call.
 */
typedef int	(*ledger_export_fn)(const struct ledger_export_row *, void *);

/*
 * Steps through the tips q selects, one row in memory at a time, and
 * calls fn for each. *count gets how many rows went out, *last the id of
 * the last one (the cursor of the next page: before = *last; 0 when none).
 */
enum store_status ledger_export(struct store *, const struct ledger_query *q,
		    ledger_export_fn fn, void *arg, size_t *count,
		    int64_t *last);

/* Who works on tip (id and name), at most n, by id. */
enum store_status ledger_people(struct store *, int64_t tip,
		    struct ledger_person *, size_t n, size_t *count);

/* The Chinese name of a state (待分派 …) and of a stored measure (约谈 …);
 * "" for an unknown measure. */
const char	*ledger_state_zh(enum tip_state);
const char	*ledger_measure_zh(const char *measure);

/* One cell of the figures: a month of an area, or a total. */
struct ledger_stat {
	long		 received;	/* created in the month */
	long		 verified;	/* confirmed or rejected in it */
	long		 disposed;	/* moved to disposing in it */
	long		 closed;	/* closed in it (and closed now) */
	long long	 close_seconds;	/* summed time to close of those */
	long		 paid;		/* rewards paid in it */
	long long	 paid_yuan;	/* stage 1 + stage 2 of those */
};
/* Average days to close of a cell; -1 when nothing closed. */
double		 ledger_stat_days(const struct ledger_stat *);

#define LEDGER_MONTHS	12
#define LEDGER_YEAR	LEDGER_MONTHS	/* index of the year's total */

/* One line of the figures: a child area of the base, the base's own
 * tips ("本级"), or the tips of no known area. */
struct ledger_stats_area {
	int64_t		 id;		/* 0: no known area */
	char		 path[512];
	int		 own;		/* the base area itself */
	struct ledger_stat m[LEDGER_MONTHS + 1];	/* [LEDGER_YEAR]: year */
};

struct ledger_stats {
	struct ledger_stats_area *areas;
	size_t		 nareas;
	struct ledger_stat total[LEDGER_MONTHS + 1];
};

/*
 * Fills st with the figures of the months whose starts are bounds[0..11]
 * (bounds[12] ends the year) for the children of area base, the base
 * itself, and, when unknown is set, the tips of no known area. A tip
 * verified in two months counts in each, and once in the year. The
 * caller frees st with ledger_stats_free().
 */
enum store_status ledger_stats(struct store *, int64_t base, int unknown,
		    const time_t bounds[LEDGER_MONTHS + 1], struct ledger_stats *st);
void		 ledger_stats_free(struct ledger_stats *);
/* The one top-level area (a district); STORE_NOT_FOUND when there is
 * none or more than one. */
enum store_status ledger_top_area(struct store *, int64_t *id);

#endif

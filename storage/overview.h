/*
 * The console's overview (概览) and the staff's 统计: a month's tips per
 * area and state, the open and overdue tips, the month's broadcasts, and
 * the newest letter that concerns an area. Tips
 * made by the chat simulator (tips.practice) are left out of every
 * figure. Nothing here reads who reported a tip.
 */
#ifndef FANGFEI_OVERVIEW_H
#define FANGFEI_OVERVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ledger.h"

/* One line of the tips figures: a child area of the base, the base's
 * own tips (own), or the tips of no known area (id 0). */
struct overview_line {
	int64_t		 id;
	char		 path[512];
	int		 own;
	long		 n[TIP_STATES];	/* tips by enum tip_state */
};

/*
 * Fills lines (at most n; *count gets how many) with the tips created in
 * [since, until) under base, by child area and state; with unknown set, a
 * last line holds the tips of no known area. A base with more children
 * than n - 2 loses the last ones by path (the table would not fit a
 * screen anyway): *left_out gets how many, for the reader to be told.
 */
enum store_status overview_tips(struct store *, int64_t base, int unknown,
		    time_t since, time_t until, struct overview_line *,
		    size_t n, size_t *count, size_t *left_out);

/* The same tips (those created in [since, until) under base, and of no
 * known area when unknown) by state into n, indexed by enum tip_state:
 * all of them, whatever the number of child areas. */
enum store_status overview_states(struct store *, int64_t base, int unknown,
		    time_t since, time_t until, long n[TIP_STATES]);

/* The open tips (received to disposing) under base, with those of no
 * known area when unknown, whenever made; *overdue gets how many of them
 * were due at now or before. */
enum store_status overview_open(struct store *, int64_t base, int unknown,
		    time_t now, long *open, long *overdue);

struct overview_broadcast {
	int64_t		 id;
	time_t		 created_at;
	char		 area_path[512];
	char		 kinds[128];
	char		 excerpt[256];	/* the text's start, whole characters */
};
/* The broadcasts to the subtree of base created in [since, until),
 * newest first, at most n. */
enum store_status overview_broadcasts(struct store *, int64_t base,
		    time_t since, time_t until, struct overview_broadcast *,
		    size_t n, size_t *count);

/* The newest letter whose area lies within base's subtree or holds base
 * (a district's letter seen from a street); STORE_NOT_FOUND for none. */
enum store_status overview_letter(struct store *, int64_t base, int64_t *id,
		    char *title, size_t len);

#endif

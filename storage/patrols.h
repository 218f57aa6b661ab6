/*
 * Weekly patrols (巡查): a grid worker's record of a building, with the
 * ISO week it falls in (local time, Monday-based), the coverage of grids
 * (level 4 areas) by patrols of their buildings (level 5 areas), and the
 * record of the weekly deadline check. The week is a pure computation,
 * kept here beside the column it fills.
 */
#ifndef FANGFEI_PATROLS_H
#define FANGFEI_PATROLS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define PATROL_WEEK_LEN		9	/* "2026-W24" and its NUL */
#define PATROL_LEVEL_GRID	4
#define PATROL_LEVEL_BUILDING	5

/* The ISO 8601 week of t in local time (utc_offset seconds east of UTC):
 * "YYYY-Www", the year being the one of that week's Thursday. */
void		 patrol_week(time_t t, int utc_offset,
		    char out[PATROL_WEEK_LEN]);
/* The start (Monday 00:00 local) of an ISO week written "YYYY-Www";
 * -1 for anything else, or a week the year does not have. */
int		 patrol_week_start(const char *week, int utc_offset,
		    time_t *start);

/* path below base ("华光路社区/一网格/1号楼" under "…/华光路社区" is
 * "一网格/1号楼"), or path itself when it is not below base. */
const char	*patrol_relative(const char *path, const char *base);

/* Stores a patrol of building area by staff at `at`, in ISO week `week`. */
enum store_status patrols_add(struct store *, int64_t staff, int64_t area,
		    const char *finding, time_t at, const char *week,
		    int64_t *id);

struct patrol_row {
	int64_t	 id;
	int64_t	 staff_id;
	char	 staff_name[128];
	int64_t	 area_id;
	char	 area_path[512];
	char	 finding[2048];	/* the handler caps findings far below */
	time_t	 at;
};
/* Patrols of week by staff (0: anyone) in the subtree of scope (0: all),
 * oldest first, at most n. */
enum store_status patrols_list(struct store *, int64_t staff, int64_t scope,
		    const char *week, struct patrol_row *, size_t n,
		    size_t *count);

/* How many buildings lie in the subtree of area (itself when it is one),
 * and how many of them were patrolled in week. */
enum store_status patrols_tally(struct store *, int64_t area,
		    const char *week, long *buildings, long *patrolled);

struct patrol_area {
	int64_t	 id;
	char	 path[512];
};
/* Buildings in the subtree of area without a patrol in week, by path, at
 * most n; *count gets how many were written, *total how many there are. */
enum store_status patrols_unpatrolled(struct store *, int64_t area,
		    const char *week, struct patrol_area *, size_t n,
		    size_t *count, long *total);

struct patrol_worker {
	int64_t	 id;
	char	 name[128];
};
/* Active grid workers of the subtree of area who recorded no patrol in
 * week, at most n; *count as above, *total how many there are. */
enum store_status patrols_idle_workers(struct store *, int64_t area,
		    const char *week, struct patrol_worker *, size_t n,
		    size_t *count, long *total);

struct patrol_grid {
	int64_t	 id;
	char	 path[512];
	long	 buildings;
	long	 patrolled;
	long	 workers;	/* active grid workers of its subtree */
};
/* The grids related to scope (in its subtree, or above it when scope is
 * a building; 0: all) with their counts for week, ids after `after`, at
 * most n, by id. */
enum store_status patrols_grids(struct store *, int64_t scope,
		    const char *week, int64_t after, struct patrol_grid *,
		    size_t n, size_t *count);

/* When the deadline check first ran; the first call records now. */
enum store_status patrols_check_since(struct store *, time_t now,
		    time_t *since);
/* The same without recording anything: STORE_NOT_FOUND before the first
 * run. */
enum store_status patrols_check_since_get(struct store *, time_t *since);
/* Grids not yet checked for week, ids after `after`, at most n. */
enum store_status patrols_unchecked(struct store *, const char *week,
		    int64_t after, int64_t *grids, size_t n, size_t *count);
/* Records that grid was checked for week. */
enum store_status patrols_checked(struct store *, int64_t grid,
		    const char *week, long buildings, long missing, long told,
		    time_t now);

#endif

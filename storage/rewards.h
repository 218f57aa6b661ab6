/*
 * Rewards (举报奖励): whether a tip's reporter may get one, two amounts
 * in yuan (on opening a case, on disposal) and the payment, with totals
 * per year and area. A reward may go only to a reporter who can be
 * contacted (the tip keeps a reporter and is not anonymous), was not
 * known before (no earlier tip of theirs about the same enterprise) and
 * whose tip was confirmed. Every change is an event in the tip's history
 * ("reward") and an audit entry, in the caller's transaction.
 */
#ifndef FANGFEI_REWARDS_H
#define FANGFEI_REWARDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"
#include "tips.h"

#define REWARD_YUAN_MAX		10000000	/* one stage, in yuan */
#define REWARD_REASON_MAX	200		/* characters of a reason */

enum reward_verdict {
	REWARD_OK = 0,
	REWARD_ANONYMOUS,	/* anonymous: marked not eligible */
	REWARD_NO_CONTACT,	/* the tip keeps no reporter */
	REWARD_KNOWN,		/* an earlier tip of theirs names the firm */
	REWARD_NOT_CONFIRMED,	/* not confirmed (yet) */
	REWARD_NOT_ELIGIBLE,	/* no eligibility recorded as yes */
	REWARD_NOT_DISPOSED,	/* stage 2 before disposal */
	REWARD_BAD_AMOUNT,	/* stage or yuan out of range */
	REWARD_PAID,		/* paid already: nothing changes after */
	REWARD_NOTHING,		/* no amount to pay */
};
/* "中文 English" for a verdict, for the office's tools. */
const char	*reward_strerror(enum reward_verdict);

/*
 * Checks the rules for a reward to tip (its id): *v gets REWARD_OK or the
 * first rule that fails. The tip's state, reporter and anonymity are read
 * now; nothing is written.
 */
enum store_status rewards_check(struct store *, int64_t tip,
		    enum reward_verdict *v);
/*
 * Records eligibility (yes: only when rewards_check() passes; no: always,
 * reason kept) by actor ("cli", "token:N"). An anonymous tip asked to be
 * eligible is recorded as not eligible and *v says REWARD_ANONYMOUS; any
 * other failed rule changes nothing. A paid reward changes no more.
 */
enum store_status rewards_set(struct store *, int64_t tip, int eligible,
		    const char *reason, const char *actor, time_t now,
		    enum reward_verdict *v);
/* Records the amount of stage 1 (the tip confirmed or later) or 2 (in
 * disposal or closed) of an eligible, unpaid reward. */
enum store_status rewards_stage(struct store *, int64_t tip, int stage,
		    long yuan, const char *actor, time_t now,
		    enum reward_verdict *v);
/* Records that an eligible reward with an amount was paid. */
enum store_status rewards_paid(struct store *, int64_t tip, const char *actor,
		    time_t now, enum reward_verdict *v);

struct reward_row {
	int64_t		 tip_id;
	char		 ref[TIP_REF_MAX];
	char		 area_path[512];	/* "" for no known area */
	int		 eligible;
	char		 reason[4 * REWARD_REASON_MAX + 1];
	long		 stage1_yuan, stage2_yuan;	/* -1: not set */
	time_t		 stage1_at, stage2_at, paid_at;	/* 0: not yet */
	time_t		 tip_created_at;
	time_t		 updated_at;
};
/*
 * Lists the rewards of tips made in year (local time at utc_offset; 0:
 * any) within area subtree scope (0: all, tips of no known area too),
 * tip ids above after, at most n, by tip id; *count gets how many.
 */
enum store_status rewards_list(struct store *, int year, int64_t scope,
		    int utc_offset, int64_t after, struct reward_row *,
		    size_t n, size_t *count);

struct reward_total {
	int		 year;
	char		 area_path[512];	/* "" for no known area */
	long		 tips;		/* with a reward row */
	long		 eligible;
	long		 paid;		/* rewards paid */
	long long	 yuan;		/* stage 1 + 2 of eligible rewards */
	long long	 yuan_paid;	/* of paid ones */
};
/* Totals per year (of the tip, local) and area of the tip, as
 * rewards_list() filters them, at most n rows; *more is set when there
 * are more than n, so that a reader is told the rows are not all. */
enum store_status rewards_stats(struct store *, int year, int64_t scope,
		    int utc_offset, struct reward_total *, size_t n,
		    size_t *count, int *more);

#endif

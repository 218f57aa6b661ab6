/*
 * The requests to see a reporter that wait for a custodian, as the
 * console lists them: the tip's reference and the requester's name,
 * never anything about the reporter.
 */
#ifndef FANGFEI_REVEAL_LIST_H
#define FANGFEI_REVEAL_LIST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "reveals.h"
#include "tips.h"

struct reveal_pending {
	int64_t		 id;
	char		 ref[TIP_REF_MAX];
	int64_t		 requested_by;
	char		 requested_by_name[128];
	char		 reason[4 * REVEAL_REASON_MAX + 1];
	time_t		 requested_at;
};

/* The undecided requests for tips in the subtree of scope (with unknown
 * set, tips of no known area too), oldest first, at most n. */
enum store_status reveals_pending(struct store *, int64_t scope, int unknown,
		    struct reveal_pending *, size_t n, size_t *count);
/* The newest request by staff for tip; STORE_NOT_FOUND for none. */
enum store_status reveals_last(struct store *, int64_t tip, int64_t staff,
		    int64_t *id);

#endif

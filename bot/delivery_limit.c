/* The delivery thread's rate limits (delivery_int.h). */
#include <string.h>
#include <time.h>

#include "delivery_int.h"
#include "log.h"
#include "storage/outbox.h"

/*
 * Finds the counters of group, or claims a slot that is free or whose
 * windows have expired (older than a minute): open addressing with linear
 * probing, so two groups never share counters. NULL when every probed slot
 * holds a live window.
 */
static struct limit_slot *
delivery_slot(struct delivery *d, int64_t group, time_t now)
{
	struct limit_slot	*sl, *spare = NULL;
	uint64_t		 h = (uint64_t)group * 0x9e3779b97f4a7c15ULL;
	size_t			 i;

	for (i = 0; i < LIMIT_PROBES; i++) {
		sl = &d->slots[(h + i) & (LIMIT_SLOTS - 1)];
		if (sl->group == group)
			return sl;
		if (spare == NULL && (sl->group == 0 ||
		    sl->minute < now / 60 - 1))
			spare = sl;
	}
	if (spare != NULL) {
		memset(spare, 0, sizeof *spare);
		spare->group = group;
	}
	return spare;
}

/* The key of a row's per-chat rate limits: the group, or a number or a
 * reporter in ranges of their own. */
static int64_t
delivery_target(const struct outbox_row *r)
{
	if (r->phone_id != 0)
		return -r->phone_id;
	if (r->reporter_id != 0)
		return -(r->reporter_id + ((int64_t)1 << 40));
	return r->group_id;
}

/*
 * Applies the limits to one send of row r at now: the channel's
 * throughput (a gateway's configured rate, else the platform's global
 * rate) and the platform's per-chat rates. Returns 0 and counts it if
 * allowed, else the time when it may go.
 *
 * What every sender claimed in earlier turns (other instances on
 * PostgreSQL, and this process before a restart) comes from the database
 * (outbox_recent(), read under the turn's write lock); the counters here
 * keep only this turn's, whose claims are not written yet.
 */
time_t
delivery_limit(struct delivery *d, const struct channel *ch,
    const struct outbox_row *r, time_t now)
{
	const struct channel_backend	*b = ch->backend;
	struct limit_slot		*sl;
	struct outbox_recent		 rec;
	int64_t				 target = delivery_target(r);
	size_t				 i;
	int				 rate;

	if (!d->cfg->rate_limits)
		return 0;
	if (outbox_recent(d->store, r, ch->name, now, &rec) != STORE_OK) {
		log_error("delivery: %s", store_errmsg(d->store));
		return now + 1;
	}
	rate = ch->per_second > 0 ? ch->per_second : b->global_second;
	for (i = 0; i < sizeof d->global / sizeof d->global[0]; i++)
		if (d->global[i].channel == ch || d->global[i].channel == NULL)
			break;
	if (i < sizeof d->global / sizeof d->global[0]) {
		d->global[i].channel = ch;
		if (d->global[i].second != now || d->global[i].turn != d->turn) {
			d->global[i].second = now;
			d->global[i].count = 0;
			d->global[i].turn = d->turn;
		}
		if (rate > 0 && d->global[i].count + rec.channel_second >= rate)
			return now + 1;
	}
	if ((sl = delivery_slot(d, target, now)) == NULL)
		return now + 1;		/* table full of live windows */
	if (sl->second != now || sl->turn != d->turn) {
		sl->second = now;
		sl->in_second = 0;
	}
	if (sl->minute != now / 60 || sl->turn != d->turn) {
		sl->minute = now / 60;
		sl->in_minute = 0;
	}
	sl->turn = d->turn;
	if (b->per_chat_second > 0 && sl->in_second + rec.target_second >=
	    b->per_chat_second)
		return now + 1;
	if (b->per_chat_minute > 0 && sl->in_minute + rec.target_minute >=
	    b->per_chat_minute)
		return (now / 60 + 1) * 60;
	sl->in_second++;
	sl->in_minute++;
	if (i < sizeof d->global / sizeof d->global[0])
		d->global[i].count++;
	return 0;
}

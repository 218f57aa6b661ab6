/* The scheduler thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "messages/xmalloc.h"
#include "metrics.h"
#include "patrolcheck.h"
#include "remind.h"
#include "scheduler.h"
#include "storage/locks.h"

#define SCHEDULER_POLL	60	/* seconds between turns at most */
#define SCHEDULER_PEEK	5	/* seconds between looks at the next due */
#define SCHEDULER_JOB	"job-scheduler"	/* its lock (storage/locks.h) */

struct scheduler {
	struct handler_env_source	 env;	/* the server's newest */
	struct delivery			*delivery;
	struct store			*store;
	int				 patrol_day;	/* [patrols] deadline */
	int				 patrol_minute;
	pthread_t			 thread;
	pthread_mutex_t			 lock;
	pthread_cond_t			 cond;
	int				 stop;
	int				 woken;
	int				 mended;	/* remind_mend() ran */
};

/*
 * One turn: fires what is due, says what it did. With several instances
 * on one database, one of them runs the turn at a time and the others
 * skip it (the one running sends what is due). What is fired is also
 * recorded in the transaction that reads it (a reminder's next time, the
 * patrol check's "checked since"), after the write lock: a turn that
 * follows another finds nothing left to do, so the lock saves work and
 * duplicate reads rather than being the only guard.
 */
static void
scheduler_turn(struct scheduler *sc)
{
	const struct handler_env	*env;
	struct remind_stats		 st;

	switch (store_job_begin(sc->store, SCHEDULER_JOB)) {
	case -1:
		log_error("scheduler: %s", store_errmsg(sc->store));
		return;
	case 0:
		return;		/* another instance is at it */
	}
	env = sc->env.get(sc->env.arg);
	if (!sc->mended) {
		if (remind_mend(sc->store) == -1)
			log_error("scheduler: %s", store_errmsg(sc->store));
		else
			sc->mended = 1;
	}
	if (remind_run(sc->store, env, clock_now(), &st) == -1)
		log_error("scheduler: %s", store_errmsg(sc->store));
	metrics_reminders(st.sent, st.held, st.skipped, st.failed);
	if (st.sent > 0 || st.held > 0 || st.skipped > 0)
		log_info("scheduler: %ld reminder(s) sent, %ld held for quiet "
		    "hours, %ld skipped", st.sent, st.held, st.skipped);
	if (st.sent > 0)
		delivery_wake(sc->delivery);
	if (patrolcheck_turn(sc->store, env->utc_offset, sc->patrol_day,
	    sc->patrol_minute, clock_now()) > 0)
		delivery_wake(sc->delivery);
	store_job_end(sc->store, SCHEDULER_JOB);
}

/* Seconds from now until next (0: nothing due), within 1 and
 * SCHEDULER_POLL. */
static time_t
scheduler_wait(time_t now, time_t next)
{
	if (next == 0 || next - now > SCHEDULER_POLL)
		return SCHEDULER_POLL;
	return next <= now ? 1 : next - now;
}

/*
 * The thread's loop: a turn, then a sleep until the next reminder is due
 * (a minute at most), cut short by scheduler_wake(). The sleep is taken
 * in slices of SCHEDULER_PEEK seconds, each followed by a look at when
 * the next one is due: a reminder another process added (the CLI, a
 * second instance) that falls due sooner ends it, so that it fires at its
 * time rather than at the next minute's turn. A look is two reads.
 * sc->lock guards stop and woken; the store is used without it.
 */
static void *
scheduler_main(void *arg)
{
	struct scheduler	*sc = arg;
	struct timespec		 until;
	time_t			 wait, slice, next;

	pthread_mutex_lock(&sc->lock);
	while (!sc->stop) {
		sc->woken = 0;
		pthread_mutex_unlock(&sc->lock);
		scheduler_turn(sc);
		wait = scheduler_wait(clock_now(), remind_wake_at(sc->store));
		pthread_mutex_lock(&sc->lock);
		while (!sc->stop && !sc->woken && wait > 0) {
			slice = wait < SCHEDULER_PEEK ? wait : SCHEDULER_PEEK;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += slice;
			while (!sc->stop && !sc->woken &&
			    pthread_cond_timedwait(&sc->cond, &sc->lock,
			    &until) == 0)
				continue;
			if ((wait -= slice) <= 0 || sc->stop || sc->woken)
				break;
			pthread_mutex_unlock(&sc->lock);
			next = remind_wake_at(sc->store);
			if (next != 0 && next - clock_now() < wait)
				wait = next <= clock_now() ? 0 :
				    next - clock_now();
			pthread_mutex_lock(&sc->lock);
		}
	}
	pthread_mutex_unlock(&sc->lock);
	return NULL;
}

/* Starts the thread. */
struct scheduler *
scheduler_start(const struct config *cfg, const uint8_t *key,
    struct handler_env_source env, struct delivery *dl, char **cause)
{
	struct scheduler	*sc = xcalloc(1, sizeof *sc);

	sc->env = env;
	sc->delivery = dl;
	sc->patrol_day = cfg->patrol_day;
	sc->patrol_minute = cfg->patrol_minute;
	if ((sc->store = store_open(cfg->db_path, key, 0, cause)) == NULL) {
		free(sc);
		return NULL;
	}
	pthread_mutex_init(&sc->lock, NULL);
	pthread_cond_init(&sc->cond, NULL);
	if (pthread_create(&sc->thread, NULL, scheduler_main, sc) != 0) {
		*cause = xasprintf("cannot start the scheduler thread");
		store_close(sc->store);
		free(sc);
		return NULL;
	}
	return sc;
}

/* Makes it look now. */
void
scheduler_wake(struct scheduler *sc)
{
	if (sc == NULL)
		return;
	pthread_mutex_lock(&sc->lock);
	sc->woken = 1;
	pthread_cond_signal(&sc->cond);
	pthread_mutex_unlock(&sc->lock);
}

/* Stops it. */
void
scheduler_stop(struct scheduler *sc)
{
	if (sc == NULL)
		return;
	pthread_mutex_lock(&sc->lock);
	sc->stop = 1;
	pthread_cond_signal(&sc->cond);
	pthread_mutex_unlock(&sc->lock);
	pthread_join(sc->thread, NULL);
	pthread_cond_destroy(&sc->cond);
	pthread_mutex_destroy(&sc->lock);
	store_close(sc->store);
	free(sc);
}

/* The scans of letter page views, queued and written in batches. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "messages/xmalloc.h"
#include "scanq.h"

struct scanq {
	pthread_mutex_t		 lock;
	struct scan_visit	*rows;		/* queued, n of them */
	struct scan_visit	*spare;		/* the batch being written */
	size_t			 n;
	int			 writing;	/* a thread owns spare */
};

/* Makes an empty queue. */
struct scanq *
scanq_new(void)
{
	struct scanq	*q = xcalloc(1, sizeof *q);

	pthread_mutex_init(&q->lock, NULL);
	q->rows = xcalloc(SCANQ_MAX, sizeof *q->rows);
	q->spare = xcalloc(SCANQ_MAX, sizeof *q->spare);
	return q;
}

/* Frees the queue. */
void
scanq_free(struct scanq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_destroy(&q->lock);
	/* The rows held addresses: wipe them before they go. */
	explicit_bzero(q->rows, SCANQ_MAX * sizeof *q->rows);
	explicit_bzero(q->spare, SCANQ_MAX * sizeof *q->spare);
	free(q->rows);
	free(q->spare);
	free(q);
}

/*
 * Writes one batch (what is queued now) unless another thread is
 * writing; called with the lock held, returns with it held. One batch,
 * not until the queue is empty: under steady load a thread that kept
 * draining would leave its own connections unanswered meanwhile.
 */
static void
scanq_write(struct scanq *q, struct store *s)
{
	struct scan_visit	*batch;
	size_t			 n;

	if (q->writing || q->n == 0)
		return;
	q->writing = 1;
	/* Swap: visits queued while this batch is written go to the other
	 * array, for the next writer. */
	batch = q->rows;
	n = q->n;
	q->rows = q->spare;
	q->spare = batch;
	q->n = 0;
	pthread_mutex_unlock(&q->lock);
	if (letters_scan_batch(s, batch, n) != STORE_OK)
		log_warn("scans: %zu visits not recorded: %s", n,
		    store_errmsg(s));
	explicit_bzero(batch, n * sizeof *batch);
	pthread_mutex_lock(&q->lock);
	q->writing = 0;
}

/* Queues a visit and writes a batch unless another thread does. */
void
scanq_add(struct scanq *q, struct store *s, const struct scan_visit *v)
{
	pthread_mutex_lock(&q->lock);
	if (q->n < SCANQ_MAX)
		q->rows[q->n++] = *v;
	scanq_write(q, s);
	pthread_mutex_unlock(&q->lock);
}

/* Writes what is queued: the minute's jobs, and the stop. */
void
scanq_flush(struct scanq *q, struct store *s)
{
	pthread_mutex_lock(&q->lock);
	while (q->n > 0 && !q->writing)
		scanq_write(q, s);
	pthread_mutex_unlock(&q->lock);
}

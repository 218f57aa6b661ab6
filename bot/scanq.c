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

/* Queues a visit and writes the queue unless another thread does. */
void
scanq_add(struct scanq *q, struct store *s, const struct scan_visit *v)
{
	struct scan_visit	*batch;
	size_t			 n;

	pthread_mutex_lock(&q->lock);
	if (q->n < SCANQ_MAX)
		q->rows[q->n++] = *v;
	if (q->writing) {
		pthread_mutex_unlock(&q->lock);
		return;
	}
	q->writing = 1;
	while (q->n > 0) {
		/* Swap: visits queued while this batch is written go to the
		 * other array, for the next turn of this loop. */
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
	}
	q->writing = 0;
	pthread_mutex_unlock(&q->lock);
}

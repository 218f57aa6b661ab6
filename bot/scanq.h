/*
 * The scans of letter page views (/l/CODE), written in batches: a view
 * queues its visit and, unless another thread is writing the queue
 * already, writes it, own visit and whatever others queued meanwhile,
 * one transaction per batch (letters_scan_batch). When the server is
 * quiet a batch is one visit, on disk before its page is answered; under
 * load one thread writes a batch while the others answer pages, instead
 * of every view waiting its turn for SQLite's write lock, and the next
 * view writes what came meanwhile. What no view follows is written by
 * the minute's jobs and at the stop (scanq_flush).
 *
 * A visit is never acknowledged to anyone, so what a crash or a failed
 * batch may cost is a few visits in a reach figure: the queue is in
 * memory, batches commit without waiting for the disk, and a full queue
 * drops the visit (the page is answered all the same). No other data
 * goes through here.
 */
#ifndef FANGFEI_SCANQ_H
#define FANGFEI_SCANQ_H

#include "storage/letters.h"

#define SCANQ_MAX	4096	/* visits queued at most */

struct scanq;

struct scanq	*scanq_new(void);
/* Frees q (NULL: nothing); call scanq_flush() first, or what is still
 * queued is lost. */
void		 scanq_free(struct scanq *q);
/*
 * Queues v and, when no other thread is writing, writes one batch (all
 * that is queued) with s (this thread's store, outside any transaction).
 * A failed batch is logged (how many visits, the store's error) and
 * dropped.
 */
void		 scanq_add(struct scanq *q, struct store *s,
		    const struct scan_visit *v);
/* Writes everything queued with s, unless another thread is writing. */
void		 scanq_flush(struct scanq *q, struct store *s);

#endif

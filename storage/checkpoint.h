/*
 * The checkpointer: a thread of the daemon that copies SQLite's
 * write-ahead log back into the database file, so that no commit waits
 * for it (checkpoint.c says why and how).
 */
#ifndef FANGFEI_CHECKPOINT_H
#define FANGFEI_CHECKPOINT_H

#include <stdint.h>

/* The log's size, in pages, past which the thread is woken (SQLite's own
 * automatic checkpoint's), and past which a commit checkpoints in place
 * because the thread did not keep up. */
#define CHECKPOINT_PAGES	1000
#define CHECKPOINT_BEHIND	8000

/* Starts the thread for the SQLite database at path (a PostgreSQL URL:
 * nothing to do, 0). Connections store_open() opens on path from then
 * on leave their checkpoints to it. Returns 0, or -1 with *cause. */
int	 checkpointer_start(const char *path, char **cause);
/* Stops it, after a last checkpoint; connections still open go back to
 * checkpointing in their commits. */
void	 checkpointer_stop(void);

/* Checkpoints done since the process started. */
struct checkpoint_stats {
	uint64_t	 thread;	/* by the thread */
	uint64_t	 inline_;	/* in a commit: the thread was behind */
	uint64_t	 failed;	/* an I/O or other error */
	double		 seconds;	/* time spent in them */
	int		 log_pages;	/* the log's size at the last commit */
};
void	 checkpoint_stats(struct checkpoint_stats *);

#endif

/* The checkpointer's side inside storage/ (checkpoint.c). */
#ifndef FANGFEI_CHECKPOINT_INT_H
#define FANGFEI_CHECKPOINT_INT_H

#include <sqlite3.h>

/* Leaves db's checkpoints to the thread when it runs for path. */
void	 checkpoint_attach(sqlite3 *db, const char *path);

#endif

/*
 * Copies of the database: an online copy made while the daemon writes,
 * the checks a copy must pass, and putting a copy in place of the live
 * database. Every function returns 0 on success or -1 with *cause set
 * (the caller frees it).
 */
#ifndef FANGFEI_BACKUP_H
#define FANGFEI_BACKUP_H

#include <stdint.h>
#include <sys/types.h>

/* What a copy holds, as backup_check() found it. */
struct backup_info {
	int64_t		 bytes;		/* the file's size */
	int		 version;	/* schema version (user_version) */
	long		 tips;
	long		 sealed;	/* sealed reporter identities */
	int		 steps;		/* backup_copy(): steps of the copy */
};

/*
 * Copies the database at src into the new file dest (which must not
 * exist) with SQLite's online backup API: one read snapshot of src, taken
 * in steps, so writers on src go on meanwhile and the copy is that
 * snapshot. dest is a single file (no WAL), mode 0600, owned by uid and
 * gid unless uid is (uid_t)-1, fsynced; on failure nothing is left at
 * dest. Refused in a directory others may write in without the sticky
 * bit, and when dest is replaced by another file while it is written.
 */
int	 backup_copy(const char *src, const char *dest, uid_t uid, gid_t gid,
	    struct backup_info *, char **cause);
/* Renames the finished copy tmp to dest (replacing it) and fsyncs the
 * directory, so the name points at the whole copy or at the old file. */
int	 backup_commit(const char *tmp, const char *dest, char **cause);
/*
 * Checks that path is a fangfei database this program can run: integrity
 * check, tables of its own, a schema version between 1 and the newest
 * this build knows; fills in what it holds.
 */
int	 backup_check(const char *path, struct backup_info *, char **cause);

struct backup_hold;
/*
 * Takes the database at path for a restore: refuses while any other
 * connection has it open (a daemon serving it), folds its WAL into the
 * main file and keeps an exclusive lock until backup_place() or
 * backup_release(). A file that is no SQLite database, or a damaged
 * one, is held without a lock (no daemon can serve it). *absent is set
 * when path does not exist (then the return value is NULL and no error).
 */
struct backup_hold *backup_hold(const char *path, int *absent, char **cause);
void	 backup_release(struct backup_hold *);
/*
 * Puts the checked copy tmp in place of target: removes target's stale
 * -wal and -shm, links target (when it exists) to old, which must not
 * exist, renames tmp over target and fsyncs the directory. Releases hold
 * (which may be NULL: target did not exist).
 */
int	 backup_place(struct backup_hold *, const char *tmp,
	    const char *target, const char *old, char **cause);
/* Removes path and the files SQLite keeps beside it. */
void	 backup_remove(const char *path);

#endif

/*
 * Online copies of the database and putting one back (see backup.h).
 *
 * The copy reads one snapshot: the source connection opens a read
 * transaction before the first backup step and keeps it to the last, so
 * the steps see the same pages whatever the daemon commits meanwhile (in
 * WAL mode a reader never blocks a writer, and a snapshot held by the
 * copying connection is not restarted as another process writes). The
 * price is that the daemon's WAL cannot be checkpointed past that
 * snapshot until the copy ends; it is folded in afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "messages/xmalloc.h"
#include "store_int.h"

/* Pages per backup step: 200 pages of 4 KiB, under a millisecond of
 * copying each; the pause between steps leaves the disk to the daemon's
 * commits, which wait on fsync. */
#define BACKUP_STEP_PAGES	200
#define BACKUP_PAUSE_NS		(2 * 1000 * 1000)
#define BACKUP_BUSY_NS		(20 * 1000 * 1000)
#define BACKUP_BUSY_TRIES	500	/* 10 s of a locked source */

struct backup_hold {
	sqlite3		*db;	/* NULL: the file was no database at all */
};

/* Sleeps ns nanoseconds. */
static void
backup_pause(long ns)
{
	struct timespec	 ts = { 0, ns };

	(void)nanosleep(&ts, NULL);
}

/* Opens path with flags; NULL with *cause set on failure. */
static sqlite3 *
backup_open(const char *path, int flags, char **cause)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, db ? sqlite3_errmsg(db) :
		    "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	return db;
}

/* Runs sql; -1 with *cause naming path on failure. */
static int
backup_exec(sqlite3 *db, const char *path, const char *sql, char **cause)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Runs a one-row query and returns its first column as a number, or -1
 * with *cause set. */
static int64_t
backup_long(sqlite3 *db, const char *path, const char *sql, char **cause)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

/* Fsyncs path (a file or a directory). */
static int
backup_fsync(const char *path, char **cause)
{
	int	 fd, rc = 0;

	if ((fd = open(path, O_RDONLY)) == -1 || fsync(fd) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	return rc;
}

/* Fsyncs the directory that holds path. */
static int
backup_fsync_dir(const char *path, char **cause)
{
	char	*copy = xstrdup(path);
	int	 rc;

	rc = backup_fsync(dirname(copy), cause);
	free(copy);
	return rc;
}

/* Makes path one file: folds its WAL in and leaves rollback-journal
 * mode, which a copy at rest needs (a -wal beside it would be lost by a
 * rename). The daemon turns WAL on again when it opens the file.
 * flags: more flags to open it with. */
static int
backup_single(const char *path, int flags, char **cause)
{
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if ((db = backup_open(path, SQLITE_OPEN_READWRITE | flags, cause)) ==
	    NULL)
		return -1;
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
	else if (strcmp((const char *)sqlite3_column_text(st, 0),
	    "delete") != 0)
		*cause = xasprintf("%s: cannot leave WAL mode", path);
	else
		rc = 0;
	sqlite3_finalize(st);
	if (sqlite3_close(db) != SQLITE_OK && rc == 0) {
		*cause = xasprintf("%s: close failed", path);
		rc = -1;
	}
	return rc == 0 ? backup_fsync(path, cause) : -1;
}

/* Steps the backup b to its end; returns SQLite's last code. */
static int
backup_steps(sqlite3_backup *b, struct backup_info *info)
{
	int	 rc, busy = 0;

	for (;;) {
		rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		info->steps++;
		if (rc == SQLITE_DONE)
			return rc;
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
			if (++busy == BACKUP_BUSY_TRIES)
				return rc;
			backup_pause(BACKUP_BUSY_NS);
			continue;
		}
		if (rc != SQLITE_OK)
			return rc;
		backup_pause(BACKUP_PAUSE_NS);
	}
}

/*
 * Refuses to write in the directory of path when others may rename or
 * remove names in it (group or world writable without the sticky bit):
 * they could put another file under the copy's name between two opens.
 * Returns path with its directory resolved (no symbolic link left, so
 * SQLite can open it with SQLITE_OPEN_NOFOLLOW; the caller frees it), or
 * NULL with *cause set.
 */
static char *
backup_dir_safe(const char *path, char **cause)
{
	struct stat	 sb;
	char		*copy = xstrdup(path), *base = xstrdup(path), *dir;
	char		*real = NULL, *rc = NULL;

	dir = dirname(copy);
	if ((real = realpath(dir, NULL)) == NULL || stat(real, &sb) == -1)
		*cause = xasprintf("%s: %s", dir, strerror(errno));
	else if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (sb.st_mode & S_ISVTX) == 0)
		*cause = xasprintf("目录 %s 对其他用户可写（权限 %04o，无粘滞位），"
		    "拒绝在其中写入; directory %s is writable by others (mode "
		    "%04o, no sticky bit): refused (chmod o-w,g-w %s)", dir,
		    (unsigned int)(sb.st_mode & 07777), dir,
		    (unsigned int)(sb.st_mode & 07777), dir);
	else
		rc = xasprintf("%s/%s", real, basename(base));
	free(real);
	free(base);
	free(copy);
	return rc;
}

/* Checks that the name path still is the file sb describes (the one
 * this program created), after SQLite opened it by that name. */
static int
backup_is_made(const char *path, const struct stat *made, char **cause)
{
	struct stat	 sb;

	if (lstat(path, &sb) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (sb.st_dev != made->st_dev || sb.st_ino != made->st_ino) {
		*cause = xasprintf("%s: 文件被替换 replaced by another file "
		    "while it was written", path);
		return -1;
	}
	return 0;
}

/* Copies src to the new file dest. */
int
backup_copy(const char *src, const char *dest, uid_t uid, gid_t gid,
    struct backup_info *info, char **cause)
{
	sqlite3		*sdb = NULL, *ddb = NULL;
	sqlite3_backup	*b;
	struct stat	 made;
	char		*real;
	int		 fd = -1, rc = -1, code;

	memset(info, 0, sizeof *info);
	if ((real = backup_dir_safe(dest, cause)) == NULL)
		return -1;
	/* O_EXCL: a file that appeared meanwhile is never overwritten, and
	 * the copy is the owner's alone from its first byte. The fd stays
	 * open so that each later open by name can be checked against it. */
	if ((fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		*cause = xasprintf("%s: %s", dest, strerror(errno));
		free(real);
		return -1;
	}
	if (fstat(fd, &made) == -1 || (uid != (uid_t)-1 &&
	    fchown(fd, uid, gid) == -1)) {
		*cause = xasprintf("%s: %s", dest, strerror(errno));
		goto out;
	}
	if ((sdb = backup_open(src, SQLITE_OPEN_READONLY, cause)) == NULL ||
	    (ddb = backup_open(real, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW, cause)) == NULL ||
	    backup_is_made(real, &made, cause) == -1)
		goto out;
	sqlite3_busy_timeout(sdb, 5000);
	/* The snapshot: see the top of this file. */
	if (backup_exec(sdb, src, "BEGIN", cause) == -1 ||
	    backup_long(sdb, src, "SELECT count(*) FROM sqlite_schema",
	    cause) == -1)
		goto out;
	if ((b = sqlite3_backup_init(ddb, "main", sdb, "main")) == NULL) {
		*cause = xasprintf("%s: %s", dest, sqlite3_errmsg(ddb));
		goto out;
	}
	code = backup_steps(b, info);
	(void)sqlite3_backup_finish(b);
	if (code != SQLITE_DONE) {
		*cause = xasprintf("%s: %s", src, sqlite3_errstr(code));
		goto out;
	}
	(void)sqlite3_exec(sdb, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(ddb);
	ddb = NULL;
	if (backup_single(real, SQLITE_OPEN_NOFOLLOW, cause) == -1 ||
	    backup_is_made(real, &made, cause) == -1 ||
	    backup_fsync_dir(dest, cause) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_close(ddb);
	sqlite3_close(sdb);
	close(fd);
	if (rc == -1)
		backup_remove(dest);
	free(real);
	return rc;
}

/* Renames tmp to dest, durably. */
int
backup_commit(const char *tmp, const char *dest, char **cause)
{
	if (rename(tmp, dest) == -1) {
		*cause = xasprintf("%s: %s", dest, strerror(errno));
		return -1;
	}
	return backup_fsync_dir(dest, cause);
}

/* Checks that path is a fangfei database this build can run. */
int
backup_check(const char *path, struct backup_info *info, char **cause)
{
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	struct stat	 sb;
	const char	*res;
	int		 rc = -1;

	info->bytes = 0;
	if (stat(path, &sb) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	info->bytes = (int64_t)sb.st_size;
	if ((db = backup_open(path, SQLITE_OPEN_READONLY, cause)) == NULL)
		return -1;
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	res = (const char *)sqlite3_column_text(st, 0);
	if (res == NULL || strcmp(res, "ok") != 0) {
		*cause = xasprintf("%s: integrity check failed: %.200s", path,
		    res ? res : "?");
		goto out;
	}
	if ((info->version = (int)backup_long(db, path, "PRAGMA user_version",
	    cause)) == -1)
		goto out;
	if (info->version < 1 || backup_long(db, path, "SELECT count(*) FROM "
	    "sqlite_schema WHERE type = 'table' AND name IN ('tips', "
	    "'reporters', 'enterprises')", cause) != 3) {
		free(*cause);
		*cause = xasprintf("%s: not a fangfei database", path);
		goto out;
	}
	if (info->version > store_latest_version()) {
		*cause = xasprintf("%s: schema version %d is newer than this "
		    "program's (%d)", path, info->version,
		    store_latest_version());
		goto out;
	}
	if ((info->tips = (long)backup_long(db, path,
	    "SELECT count(*) FROM tips", cause)) == -1 ||
	    (info->sealed = (long)backup_long(db, path,
	    "SELECT count(*) FROM reporters", cause)) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* Takes path for a restore (see backup.h). */
struct backup_hold *
backup_hold(const char *path, int *absent, char **cause)
{
	struct backup_hold	*h;
	struct stat		 sb;
	sqlite3			*db;
	sqlite3_stmt		*st = NULL;
	int			 ok;

	*absent = 0;
	if (stat(path, &sb) == -1) {
		if (errno == ENOENT) {
			*absent = 1;
			return NULL;
		}
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((db = backup_open(path, SQLITE_OPEN_READWRITE, cause)) == NULL)
		return NULL;
	/*
	 * Every connection to a WAL database keeps a shared lock on it for
	 * as long as it is open, idle or not, and the daemon keeps its
	 * connections open. Leaving WAL mode needs the exclusive lock, so it
	 * fails at once (no busy wait) while a daemon serves the file; once
	 * it succeeds, the exclusive locking mode keeps the lock, and a
	 * daemon starting meanwhile cannot open the file in WAL mode.
	 */
	sqlite3_busy_timeout(db, 0);
	ok = sqlite3_exec(db, "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL,
	    NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "delete") == 0;
	sqlite3_finalize(st);
	if (ok)
		ok = sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) ==
		    SQLITE_OK;
	if (!ok && (sqlite3_errcode(db) == SQLITE_BUSY ||
	    sqlite3_errcode(db) == SQLITE_LOCKED))
		*cause = xasprintf("%s 正在被其他进程使用（fangfei serve 仍在"
		    "运行？请先停止它）; in use by another process (is fangfei "
		    "serve running? stop it first): %s", path,
		    sqlite3_errmsg(db));
	else if (!ok && (sqlite3_errcode(db) == SQLITE_NOTADB ||
	    sqlite3_errcode(db) == SQLITE_CORRUPT)) {
		/* No daemon serves a file SQLite cannot read, and a damaged
		 * database is what a restore is for: it is put aside. */
		sqlite3_close(db);
		db = NULL;
		ok = 1;
	} else if (!ok)
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
	if (!ok) {
		sqlite3_close(db);
		return NULL;
	}
	h = xcalloc(1, sizeof *h);
	h->db = db;
	return h;
}

/* Ends a hold: the lock goes with the connection. */
void
backup_release(struct backup_hold *h)
{
	if (h == NULL)
		return;
	if (h->db != NULL)
		(void)sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h->db);
	free(h);
}

/* Removes a file, ignoring one that is not there. */
static int
backup_unlink(const char *path, char **cause)
{
	if (unlink(path) == -1 && errno != ENOENT) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Removes the -wal and -shm SQLite keeps beside path. */
static int
backup_unlink_side(const char *path, char **cause)
{
	char	*wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm",
	    path);
	int	 rc;

	rc = backup_unlink(wal, cause) == 0 && backup_unlink(shm, cause) == 0 ?
	    0 : -1;
	free(wal);
	free(shm);
	return rc;
}

/* Puts tmp in place of target (see backup.h). */
int
backup_place(struct backup_hold *h, const char *tmp, const char *target,
    const char *old, char **cause)
{
	int	 rc = -1;

	if (backup_single(tmp, 0, cause) == -1 ||
	    backup_unlink_side(target, cause) == -1)
		goto out;
	/* A link, not a rename: it fails on an existing old (a safety copy
	 * of an earlier restore is never replaced), and target names a
	 * whole database at every instant. */
	if (h != NULL && link(target, old) == -1) {
		*cause = xasprintf("%s: %s", old, strerror(errno));
		goto out;
	}
	if ((rc = backup_commit(tmp, target, cause)) == -1 && h != NULL)
		(void)unlink(old);
out:
	backup_release(h);
	return rc;
}

/* Removes path and its -wal, -shm and -journal. */
void
backup_remove(const char *path)
{
	char	*j = xasprintf("%s-journal", path), *cause = NULL;

	(void)unlink(path);
	(void)unlink(j);
	if (backup_unlink_side(path, &cause) == -1)
		free(cause);
	free(j);
}

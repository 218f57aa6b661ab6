/*
 * End-to-end test of a full disk: the daemon's SQLite database on a small
 * tmpfs of its own, filled to the last page by a file of zeros while the
 * daemon runs. A tip then gets the apology (MSG_INTERNAL_ERROR, in the
 * channel's Chinese, with the hotline), and no tip is ever acknowledged without its row; checks
 * (查询) are still answered; once the filler is gone the next tip, and
 * the platform's retry of the refused one, are acknowledged and stored
 * by the same process, without a restart.
 *
 * The same on PostgreSQL: a throwaway server of scripts/pgtest.sh whose
 * cluster is on a tmpfs of its own, filled while the daemon runs; the
 * server refuses to extend a table ("could not extend file … No space
 * left on device") and stays up, and the daemon must behave as on
 * SQLite. The cluster's write-ahead log is on /tmp, off the filled
 * tmpfs (PGTEST_WAL_TMPDIR): a log that cannot grow stops the server
 * (PANIC), which is an outage of the database rather than a full disk,
 * and whether the log crossed into a new 16 MB segment during the test
 * was a matter of chance.
 *
 * Mounting needs root (CI runs as root); without it the tests fail and
 * say so. The mount lives in a mount namespace of this program's own
 * (unshare), so that it goes with the program even when it is killed;
 * it is also unmounted at teardown and at exit.
 */
#define _GNU_SOURCE	/* unshare() */
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

#define ROOM		(1024 * 1024)	/* free bytes before the filler */
#define MAX_TIPS	200		/* tips sent into the full disk */
#define APOLOGY		"系统暂时无法处理您的请求"
#define HOTLINE		"0533-12345"	/* e2e_prepare()'s */

#define PG_ROOM_KB	(160 * 1024)	/* the cluster's tmpfs */

static struct daemon	 d;
static char		 mounted[512];	/* the mount point, while mounted */
static char		 pgdir[512];	/* the PostgreSQL server's, while up */
static char		 logpath[64];

/* Stops the PostgreSQL server if it is up (at teardown, at exit). */
static void
diskfull_pg_stop(void)
{
	char	 cmd[700];

	if (pgdir[0] == '\0')
		return;
	(void)snprintf(cmd, sizeof cmd, "sh scripts/pgtest.sh stop '%s'",
	    pgdir);
	if (system(cmd) != 0)
		fprintf(stderr, "e2e_diskfull: %s: failed\n", cmd);
	pgdir[0] = '\0';
}

/* Unmounts the tmpfs if it is mounted (at teardown, at exit), after the
 * server on it is stopped. */
static void
diskfull_unmount(void)
{
	diskfull_pg_stop();
	if (mounted[0] == '\0')
		return;
	if (umount2(mounted, MNT_DETACH) == -1)
		fprintf(stderr, "e2e_diskfull: umount %s: %s\n", mounted,
		    strerror(errno));
	else if (strncmp(mounted, "/tmp/fangfei-diskfull-pg-", 25) == 0)
		(void)rmdir(mounted);
	mounted[0] = '\0';
}

/* The size of the files in dir, in bytes. */
static long
dir_bytes(const char *dir)
{
	char	 cmd[600], out[64];
	FILE	*p;
	long	 kb = -1;

	(void)snprintf(cmd, sizeof cmd, "du -sk '%s'", dir);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(out, sizeof out, p) != NULL)
			kb = strtol(out, NULL, 10);
		(void)pclose(p);
	}
	return kb * 1024;
}

/* Runs a shell command; fails the test when it fails. */
static void
shell(const char *fmt, ...)
{
	char	 cmd[1200];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("%s: failed", cmd);
}

/*
 * Puts the daemon's directory (config, key, database) on a tmpfs with
 * ROOM bytes to spare: the files are copied aside, the tmpfs mounted over
 * the directory, and the files copied back.
 */
static void
move_to_tmpfs(struct daemon *dm)
{
	char	 aside[] = "/tmp/fangfei-diskfull-XXXXXX", opts[64];
	long	 need = dir_bytes(dm->dir);

	assert_true(need > 0);
	assert_non_null(mkdtemp(aside));
	shell("cp -a '%s/.' '%s/'", dm->dir, aside);
	(void)snprintf(opts, sizeof opts, "size=%ldk,mode=0700",
	    (need + ROOM) / 1024);
	if (mount("tmpfs", dm->dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) == -1)
		fail_msg("mount -t tmpfs -o %s tmpfs %s: %s", opts, dm->dir,
		    strerror(errno));
	(void)snprintf(mounted, sizeof mounted, "%s", dm->dir);
	shell("cp -a '%s/.' '%s/' && rm -rf '%s'", aside, dm->dir, aside);
}

/* Fails the test, saying why, when it cannot mount. */
static void
need_root(void)
{
	if (geteuid() != 0)
		fail_msg("e2e_diskfull must run as root to mount a tmpfs (CI "
		    "does); it cannot test a full disk otherwise");
}

/* Prepares the daemon on a tmpfs and starts it; in the test itself, so
 * that without root the test fails (and says why) rather than its
 * setup. */
static void
start_on_tmpfs(void)
{
	need_root();
	/* Delivery is idle here; errors of the full disk are expected, in
	 * a log of their own outside the tmpfs. */
	e2e_prepare_on(&d, "[server]\nlog_level = warn\n"
	    "[limits]\ntips_per_hour = 1000\n", E2E_ENGINE_SQLITE, NULL, 1);
	move_to_tmpfs(&d);
	(void)snprintf(logpath, sizeof logpath, "/tmp/fangfei-diskfull-%ld.log",
	    (long)getpid());
	e2e_start_log(&d, logpath);
}

/*
 * Starts a PostgreSQL server (scripts/pgtest.sh) whose cluster is on a
 * tmpfs of PG_ROOM_KB mounted for it, then the daemon on a schema of it
 * with the demo data. Returns the mount point, the directory to fill.
 */
static const char *
start_on_pg_tmpfs(void)
{
	char	 mnt[] = "/tmp/fangfei-diskfull-pg-XXXXXX", opts[64];
	char	 cmd[700], url[700];
	FILE	*p;
	size_t	 n;

	need_root();
	assert_non_null(mkdtemp(mnt));
	(void)snprintf(opts, sizeof opts, "size=%dk,mode=0755", PG_ROOM_KB);
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts) == -1)
		fail_msg("mount -t tmpfs -o %s tmpfs %s: %s", opts, mnt,
		    strerror(errno));
	(void)snprintf(mounted, sizeof mounted, "%s", mnt);
	/* Its first line is the server's directory, the second its URL. */
	(void)snprintf(cmd, sizeof cmd, "TMPDIR='%s' PGTEST_WAL_TMPDIR=/tmp "
	    "sh scripts/pgtest.sh start", mnt);
	if ((p = popen(cmd, "r")) == NULL)
		fail_msg("%s: %s", cmd, strerror(errno));
	if (fgets(pgdir, sizeof pgdir, p) == NULL ||
	    fgets(url, sizeof url, p) == NULL) {
		pgdir[0] = '\0';
		(void)pclose(p);
		fail_msg("%s: no server (is postgresql-15 installed? "
		    "scripts/deps.sh test installs it)", cmd);
	}
	if (pclose(p) != 0)
		fail_msg("%s: failed", cmd);
	pgdir[strcspn(pgdir, "\n")] = '\0';
	if ((n = strcspn(url, "\n")) == 0)
		fail_msg("%s: no URL", cmd);
	url[n] = '\0';
	/* A schema of its own in that database, migrated, with the demo
	 * areas and registry, as on any PostgreSQL of the suites. */
	if (setenv("FANGFEI_TEST_PG", url, 1) == -1)
		fail_msg("setenv: %s", strerror(errno));
	e2e_prepare_on(&d, "[server]\nlog_level = warn\n"
	    "[limits]\ntips_per_hour = 1000\n", E2E_ENGINE_ENV, NULL, 1);
	assert_non_null(d.db_url);
	(void)snprintf(logpath, sizeof logpath,
	    "/tmp/fangfei-diskfull-pg-%ld.log", (long)getpid());
	e2e_start_log(&d, logpath);
	return mounted;
}

static int
teardown(void **state)
{
	int	 st = 0;

	(void)state;
	if (d.pid > 0 && (st = e2e_stop(&d, SIGTERM)) != 0)
		fprintf(stderr, "e2e_diskfull: the daemon exited with %d on "
		    "SIGTERM\n", st);
	diskfull_unmount();
	if (d.dir != NULL)
		e2e_cleanup(&d);
	if (logpath[0] != '\0' && getenv("E2E_VERBOSE") == NULL)
		(void)unlink(logpath);
	logpath[0] = '\0';
	memset(&d, 0, sizeof d);
	(void)unsetenv("FANGFEI_TEST_PG");
	return st == 0 ? 0 : -1;
}

/* A private message to the demo channel; the answer's body (caller
 * frees). */
static char *
say(const char *sender, const char *text, const char *msgid)
{
	struct http_result	 r;
	char			 chat[64];

	(void)snprintf(chat, sizeof chat, "p-%s", sender);
	r = e2e_say(&d, NULL, chat, sender, NULL, text, msgid);
	if (r.status != 200)
		fail_msg("%s: %ld %s (the daemon is gone?)", text, r.status,
		    r.body);
	return r.body;
}

/* The tip reference in s into ref, or "" when there is none. */
static void
ref_of(const char *s, char ref[32])
{
	const char	*p = strstr(s, "JB-");
	size_t		 n = 0;

	if (p != NULL)
		n = strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");
	if (n != 18)
		n = 0;
	memcpy(ref, p != NULL ? p : "", n);
	ref[n] = '\0';
}

/* Rows of tips: with the reference ref, or whose body holds text. */
static long
tips_where(const char *col, const char *v)
{
	char	 sql[256];

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM tips WHERE %s "
	    "%s '%s%s%s'", col, strcmp(col, "ref") == 0 ? "=" : "LIKE",
	    strcmp(col, "ref") == 0 ? "" : "%", v,
	    strcmp(col, "ref") == 0 ? "" : "%");
	return e2e_sql_long(&d, sql);
}

/*
 * Sends tip i (marker 满盘线索-i) from its own sender: either it is
 * acknowledged and its row is there, or it gets the apology and there is
 * no row. Returns 1 for an acknowledgement, 0 for the apology.
 */
static int
tip(int i, const char *msgid)
{
	char	 sender[32], text[128], marker[32], ref[32], *a;
	int	 acked;

	(void)snprintf(sender, sizeof sender, "u-diskfull-%d", i);
	(void)snprintf(marker, sizeof marker, "满盘线索-%03d", i);
	(void)snprintf(text, sizeof text, "举报 %s 某理财公司 保本高息", marker);
	a = say(sender, text, msgid);
	ref_of(a, ref);
	acked = ref[0] != '\0';
	if (acked) {
		if (tips_where("ref", ref) != 1 || tips_where("body", marker) != 1)
			fail_msg("%s acknowledged as %s without its row", marker,
			    ref);
	} else {
		if (strstr(a, APOLOGY) == NULL || strstr(a, HOTLINE) == NULL)
			fail_msg("%s: neither acknowledged nor the apology: %s",
			    marker, a);
		if (tips_where("body", marker) != 0)
			fail_msg("%s: a row for a tip that got the apology",
			    marker);
	}
	free(a);
	return acked;
}

/* Fills the filesystem of dir with a file of zeros, to its last block. */
static void
fill(const char *dir)
{
	static char	 zeros[65536];
	char		 path[600];
	ssize_t		 n;
	size_t		 chunk = sizeof zeros;
	long		 total = 0;
	int		 fd;

	(void)snprintf(path, sizeof path, "%s/filler", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		fail_msg("%s: %s", path, strerror(errno));
	for (;;) {
		n = write(fd, zeros, chunk);
		if (n > 0) {
			total += n;
			continue;
		}
		if (n == -1 && errno != ENOSPC)
			fail_msg("%s: %s", path, strerror(errno));
		if (chunk == 1)
			break;
		chunk /= 2;	/* the last pages, one smaller write at a time */
	}
	(void)fsync(fd);
	close(fd);
	assert_true(total > 0);
}

/* Whether a file holds the bytes of s. */
static int
file_holds(const char *path, const char *s)
{
	char	 buf[1 << 16];
	size_t	 n, len = strlen(s);
	FILE	*f;
	int	 found = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	/* Log lines are short: a match may only be cut at a block's end,
	 * which the overlap of len bytes covers. */
	while (!found && (n = fread(buf, 1, sizeof buf - 1, f)) > 0) {
		buf[n] = '\0';
		found = memmem(buf, n, s, len) != NULL;
		if (n == sizeof buf - 1 && fseek(f, -(long)len, SEEK_CUR) == -1)
			break;
	}
	fclose(f);
	return found;
}

/*
 * The run of a full disk, once the daemon is up with dir on a tmpfs of
 * its own; the log must tell of it with says (the engine's words).
 */
static void
disk_full(const char *dir, const char *says)
{
	struct http_result	 r;
	char			 path[600], msgid[32], *a;
	pid_t			 pid;
	int			 i, refused = -1, acked_full = 0;

	pid = d.pid;
	/* Room to spare: acknowledged and stored. */
	assert_int_equal(tip(0, "m-before"), 1);

	fill(dir);
	/* Full. Whatever SQLite still finds room for (pages its WAL holds
	 * already) is acknowledged with its row; the first that finds none
	 * gets the apology. */
	for (i = 1; i <= MAX_TIPS && refused == -1; i++) {
		(void)snprintf(msgid, sizeof msgid, "m-full-%d", i);
		if (tip(i, msgid))
			acked_full++;
		else
			refused = i;
	}
	if (refused == -1)
		fail_msg("%d tips acknowledged on a full disk: it never filled",
		    MAX_TIPS);
	if (getenv("E2E_VERBOSE") != NULL)
		fprintf(stderr, "e2e_diskfull: %d tip(s) stored on the full "
		    "disk before the apology\n", acked_full);
	/* Still full: the next gets the apology too, and so does the
	 * platform's retry of the refused message. */
	assert_int_equal(tip(refused + 1, "m-full-next"), 0);
	(void)snprintf(msgid, sizeof msgid, "m-full-%d", refused);
	assert_int_equal(tip(refused, msgid), 0);

	/* The platform's retry of a tip acknowledged before: the same
	 * acknowledgement, read from its dedupe record. */
	assert_int_equal(tip(0, "m-before"), 1);
	/* Checks are still answered, from the registry. */
	a = say("u-diskfull-check", "查询 鑫源财富", "m-check-1");
	if (strstr(a, "第1期") == NULL || strstr(a, APOLOGY) != NULL)
		fail_msg("a check on a full disk: %s", a);
	free(a);
	r = e2e_request(&d, "GET", "/healthz", NULL, NULL, 0);
	if (r.status != 200 && r.status != 503)
		fail_msg("/healthz on a full disk: %ld", r.status);
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/metrics", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);

	/* Space again: the same process takes tips at once, and the retry
	 * of the refused one now gets its row, once. */
	(void)snprintf(path, sizeof path, "%s/filler", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(tip(refused + 2, "m-after"), 1);
	assert_int_equal(tip(refused, msgid), 1);
	assert_int_equal(tip(refused, msgid), 1);
	(void)snprintf(path, sizeof path, "满盘线索-%03d", refused);
	assert_int_equal(tips_where("body", path), 1);
	assert_int_equal(d.pid, pid);
	assert_int_equal(kill(pid, 0), 0);
	a = say("u-diskfull-check", "查询 鑫源财富", "m-check-2");
	assert_non_null(strstr(a, "第1期"));
	free(a);
	/* Every tip acknowledged on the full disk kept its row. */
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips WHERE body "
	    "LIKE '%满盘线索-%'"), 1 + acked_full + 2);

	/* The log tells of the full disk, and names no reporter. */
	if (!file_holds(logpath, says))
		fail_msg("the log (%s) says nothing of the full disk (\"%s\")",
		    logpath, says);
	if (file_holds(logpath, "u-diskfull"))
		fail_msg("the log names a reporter (%s)", logpath);
}

/* SQLite: the database, its WAL and the key on the full filesystem. */
static void
test_disk_full(void **state)
{
	(void)state;
	start_on_tmpfs();
	disk_full(d.dir, "full");
}

/* PostgreSQL: the server's cluster on the full filesystem. */
static void
test_disk_full_pg(void **state)
{
	const char	*dir;

	(void)state;
	dir = start_on_pg_tmpfs();
	disk_full(dir, "No space left on device");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_disk_full, teardown),
		cmocka_unit_test_teardown(test_disk_full_pg, teardown),
	};
	int	 rc;

	/* The tmpfs is this program's and its children's alone, and goes
	 * when they are gone, however they end. */
	if (geteuid() == 0 && (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)) {
		fprintf(stderr, "e2e_diskfull: a mount namespace of its own: "
		    "%s\n", strerror(errno));
		return 1;
	}
	atexit(diskfull_unmount);
	curl_global_init(CURL_GLOBAL_ALL);
	rc = cmocka_run_group_tests_name("e2e_diskfull", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}

/*
 * End-to-end tests of fangfei backup and restore: a copy made while the
 * daemon takes tips holds every tip acknowledged before it began, passes
 * the integrity check, and once restored with its key its reporters can
 * follow their tips. A wrong or missing key, a daemon serving the
 * target and an existing backup file are refused, and nothing is
 * replaced. A second restore keeps the first one's safety copies; a
 * failed one leaves the old key; run as root, the files go to the
 * database's owner; a backup never writes over the database's files nor
 * in a directory others may write in.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "e2e.h"

#define TIPS_MAX	4096
#define ENTERPRISES	6000

static struct daemon d, d2, d3;
static char copy[600], keypath[600], copy3[600], k3path[600];

/* The tips the writer thread had acknowledged, in order. */
static struct {
	pthread_mutex_t	 lock;
	int		 stop;
	int		 acked;
	int		 failed;
	char		 ref[TIPS_MAX][32];
} w = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, { { 0 } } };

/* Writes a registry of n enterprises, so that the database takes several
 * backup steps. */
static void
write_registry(const char *path, int n)
{
	FILE	*f = fopen(path, "w");
	int	 i;

	assert_non_null(f);
	fputs("uscc,name,address,area,risk_level\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, ",测试备份企业%05d投资咨询有限公司,张店区华光路%d号"
		    "附楼%d室（示例地址，用于填满数据库的页）,张店区/车站街道,"
		    "low\n", i, i, i % 97);
	fclose(f);
}

static int
group_setup(void **state)
{
	const char	*imp[] = { "import", "enterprises", NULL, NULL };
	char		 csv[600], out[4096];

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	e2e_prepare(&d2, NULL);
	e2e_prepare(&d3, NULL);
	(void)snprintf(csv, sizeof csv, "%s/registry.csv", d.dir);
	write_registry(csv, ENTERPRISES);
	imp[2] = csv;
	assert_int_equal(e2e_cli(&d, imp, out, sizeof out), 0);
	(void)snprintf(copy, sizeof copy, "%s/copy.db", d.dir);
	(void)snprintf(keypath, sizeof keypath, "%s/fangfei.db.key", d.dir);
	e2e_start(&d);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	e2e_cleanup(&d2);
	e2e_cleanup(&d3);
	curl_global_cleanup();
	return 0;
}

/* POSTs text of sender from its private chat u-<sender> to the demo
 * channel of daemon dd; returns the answer's body (the caller frees it)
 * or NULL when it was not a 200. */
static char *
say(const struct daemon *dd, const char *sender, const char *text)
{
	struct http_result	 r;
	char			 chat[64];

	(void)snprintf(chat, sizeof chat, "u-%s", sender);
	r = e2e_say(dd, NULL, chat, sender, NULL, text, NULL);
	if (r.status != 200) {
		e2e_result_free(&r);
		return NULL;
	}
	return r.body;
}

/* The writer: one tip after another, each from its own reporter, until
 * told to stop. No cmocka assertions here (they must not jump out of a
 * thread): a failure is counted. */
static void *
writer(void *arg)
{
	char		 sender[32], *body, *p;
	int		 i, stop;

	(void)arg;
	for (i = 0; i < TIPS_MAX; i++) {
		pthread_mutex_lock(&w.lock);
		stop = w.stop;
		pthread_mutex_unlock(&w.lock);
		if (stop)
			break;
		(void)snprintf(sender, sizeof sender, "rep%d", i);
		body = say(&d, sender, "举报 有人在小区门口推销保本高息理财");
		if (body == NULL || (p = strstr(body, "JB-")) == NULL ||
		    strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") != 18) {
			pthread_mutex_lock(&w.lock);
			w.failed++;
			pthread_mutex_unlock(&w.lock);
			free(body);
			continue;
		}
		pthread_mutex_lock(&w.lock);
		memcpy(w.ref[i], p, 18);
		w.ref[i][18] = '\0';
		w.acked = i + 1;
		pthread_mutex_unlock(&w.lock);
		free(body);
	}
	return NULL;
}

/* How many tips the writer has acknowledged so far. */
static int
acked(void)
{
	int	 n;

	pthread_mutex_lock(&w.lock);
	n = w.acked;
	pthread_mutex_unlock(&w.lock);
	return n;
}

/* Whether a tip of the writer's went unacknowledged. */
static int
writer_failed(void)
{
	int	 n;

	pthread_mutex_lock(&w.lock);
	n = w.failed;
	pthread_mutex_unlock(&w.lock);
	return n > 0;
}

/* Opens path and returns the first column of sql's first row with ?1
 * bound to arg (when not NULL), or -1. */
static long
sql_long(const char *path, const char *sql, const char *arg)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long		 v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) ==
	    SQLITE_OK) {
		if (arg != NULL)
			sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* The text of PRAGMA integrity_check on path. */
static void
integrity(const char *path, char *out, size_t size)
{
	sqlite3		*db;
	sqlite3_stmt	*st;

	(void)snprintf(out, size, "cannot open");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			(void)snprintf(out, size, "%s",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

/* Runs a CLI command of dd with the clock at iso (FANGFEI_NOW), which
 * names a restore's safety copies. */
static int
cli_at(const struct daemon *dd, const char *iso, const char **args,
    char *out, size_t size)
{
	int	 rc;

	assert_int_equal(setenv("FANGFEI_NOW", iso, 1), 0);
	rc = e2e_cli(dd, args, out, size);
	assert_int_equal(unsetenv("FANGFEI_NOW"), 0);
	return rc;
}

/* How many names in dir begin with prefix. */
static int
count_names(const char *dir, const char *prefix)
{
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(dp = opendir(dir));
	while ((de = readdir(dp)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dp);
	return n;
}

/* Reads the first line of path into out ("" when it cannot be read). */
static void
first_line(const char *path, char *out, size_t size)
{
	FILE	*f;

	out[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(out, (int)size, f) == NULL)
			out[0] = '\0';
		fclose(f);
	}
}

/* Copies the file from to the new file to, mode 0600. */
static void
copy_file(const char *from, const char *to)
{
	FILE	*in, *out;
	char	 buf[65536];
	size_t	 n;

	assert_non_null(in = fopen(from, "r"));
	assert_non_null(out = fopen(to, "w"));
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(to, 0600), 0);
}

/* Copies the daemon's database while tips arrive, restores the copy into
 * a second daemon's place and follows the tips there. */
static void
test_backup_while_writing(void **state)
{
	const char	*bk[] = { "backup", copy, NULL };
	const char	*rs[] = { "restore", copy, "--force", "--key", keypath,
	    "--db", NULL, NULL };
	char		 out[8192], db2[700], text[64], sender[32], ok[256];
	char		*body, *p;
	pthread_t	 t;
	struct stat	 sb;
	long		 n;
	int		 before, after, i, steps = 0;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, writer, NULL), 0);
	/* 20 acknowledged tips, or the writer's failure, within a minute. */
	for (i = 0; acked() < 20 && !writer_failed() && i < 60000; i++)
		usleep(1000);
	if (acked() < 20)
		fail_msg("the writer had %d tips acknowledged after %d ms%s",
		    acked(), i, writer_failed() ? ", then failed" : "");
	before = acked();
	assert_int_equal(e2e_cli(&d, bk, out, sizeof out), 0);
	after = acked();
	pthread_mutex_lock(&w.lock);
	w.stop = 1;
	pthread_mutex_unlock(&w.lock);
	pthread_join(t, NULL);
	assert_int_equal(w.failed, 0);
	print_message("backup: %d tips before, %d when it ended\n%s", before,
	    after, out);

	/* Several steps, a single file of mode 0600 that is sound. */
	assert_non_null(p = strstr(out, "("));
	steps = (int)strtol(p + 1, NULL, 10);
	assert_true(steps > 1);
	assert_non_null(strstr(out, "NOT in the copy"));
	assert_non_null(strstr(out, keypath));
	assert_int_equal(stat(copy, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	(void)snprintf(db2, sizeof db2, "%s-wal", copy);
	assert_int_equal(access(db2, F_OK), -1);
	integrity(copy, ok, sizeof ok);
	assert_string_equal(ok, "ok");
	/* One snapshot of a writer that waits for each answer: the first n
	 * tips, n at least those acknowledged before the copy began and at
	 * most one more than those acknowledged when it ended. */
	n = sql_long(copy, "SELECT count(*) FROM tips", NULL);
	assert_true(n >= before && n <= after + 1);
	for (i = 0; i < n && i < after; i++)
		if (sql_long(copy, "SELECT count(*) FROM tips WHERE ref = ?1",
		    w.ref[i]) != 1)
			fail_msg("tip %s (%d of %ld) is not in the copy",
			    w.ref[i], i, n);

	/* Restored over the second daemon's database, with the key. */
	(void)snprintf(db2, sizeof db2, "%s/fangfei.db", d2.dir);
	rs[6] = db2;
	assert_int_equal(cli_at(&d2, "2026-12-01T03:00:00Z", rs, out,
	    sizeof out), 0);
	assert_non_null(strstr(out,
	    "fangfei.db.before-restore-20261201T030000Z"));
	integrity(db2, ok, sizeof ok);
	assert_string_equal(ok, "ok");
	e2e_start(&d2);
	for (i = 0; i < before; i += before / 5) {
		(void)snprintf(sender, sizeof sender, "rep%d", i);
		(void)snprintf(text, sizeof text, "进度 %s", w.ref[i]);
		assert_non_null(body = say(&d2, sender, text));
		if (strstr(body, w.ref[i]) == NULL ||
		    strstr(body, "没有找到") != NULL)
			fail_msg("%s cannot follow %s: %s", sender, w.ref[i],
			    body);
		free(body);
	}
}

/* A restore onto the database a daemon serves is refused, and the
 * daemon goes on. */
static void
test_restore_while_serving(void **state)
{
	const char	*rs[] = { "restore", copy, "--force", "--key", keypath,
	    NULL };
	char		 out[4096], *body;
	int		 kept;

	(void)state;
	kept = count_names(d2.dir, "fangfei.db.before-restore");
	assert_int_equal(cli_at(&d2, "2026-12-01T04:00:00Z", rs, out,
	    sizeof out), 1);
	assert_int_equal(count_names(d2.dir, "fangfei.db.before-restore"),
	    kept);
	assert_non_null(body = say(&d2, "rep0", "进度 x"));
	free(body);
	assert_int_equal(e2e_stop(&d2, SIGTERM), 0);
	/* The daemon was all that stood in the way. */
	assert_int_equal(cli_at(&d2, "2026-12-01T04:00:00Z", rs, out,
	    sizeof out), 0);
	assert_int_equal(count_names(d2.dir, "fangfei.db.before-restore"),
	    kept + 1);
}

/* A wrong key, or none while the copy holds sealed identities, is
 * refused and replaces nothing. */
static void
test_restore_wrong_key(void **state)
{
	const char	*rs[] = { "restore", copy, "--force", "--key", NULL,
	    NULL };
	const char	*bare[] = { "restore", copy, "--db", NULL, NULL };
	char		 out[4096], wrong[600], db2[600], fresh[600], tmp[700];
	long		 tips;
	int		 kept;
	FILE		*f;

	(void)state;
	(void)snprintf(wrong, sizeof wrong, "%s/wrong.key", d.dir);
	assert_non_null(f = fopen(wrong, "w"));
	fputs("00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n", f);
	fclose(f);
	assert_int_equal(chmod(wrong, 0600), 0);
	(void)snprintf(db2, sizeof db2, "%s/fangfei.db", d2.dir);
	(void)snprintf(tmp, sizeof tmp, "%s.tmp", db2);
	kept = count_names(d2.dir, "fangfei.db.before-restore");
	/* The second database, told apart from the copy by one more tip. */
	e2e_start(&d2);
	free(say(&d2, "late", "举报 恢复之后的新线索"));
	assert_int_equal(e2e_stop(&d2, SIGTERM), 0);
	tips = sql_long(db2, "SELECT count(*) FROM tips", NULL);
	assert_true(tips > sql_long(copy, "SELECT count(*) FROM tips", NULL));

	rs[4] = wrong;
	assert_int_equal(e2e_cli(&d2, rs, out, sizeof out), 1);
	assert_int_equal(sql_long(db2, "SELECT count(*) FROM tips", NULL),
	    tips);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(count_names(d2.dir, "fangfei.db.before-restore"),
	    kept);

	(void)snprintf(fresh, sizeof fresh, "%s/fresh.db", d.dir);
	bare[3] = fresh;
	assert_int_equal(e2e_cli(&d, bare, out, sizeof out), 1);
	assert_int_equal(access(fresh, F_OK), -1);
	(void)snprintf(tmp, sizeof tmp, "%s.tmp", fresh);
	assert_int_equal(access(tmp, F_OK), -1);
}

/* An existing backup file is kept unless --force. */
static void
test_backup_exists(void **state)
{
	const char	*bk[] = { "backup", NULL, NULL, NULL };
	char		 out[4096], dest[600], buf[16] = "";
	FILE		*f;

	(void)state;
	(void)snprintf(dest, sizeof dest, "%s/exists.db", d.dir);
	assert_non_null(f = fopen(dest, "w"));
	fputs("keep", f);
	fclose(f);
	bk[1] = dest;
	assert_int_equal(e2e_cli(&d, bk, out, sizeof out), 1);
	assert_non_null(f = fopen(dest, "r"));
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_string_equal(buf, "keep");
	bk[2] = "--force";
	assert_int_equal(e2e_cli(&d, bk, out, sizeof out), 0);
	assert_true(sql_long(dest, "SELECT count(*) FROM tips", NULL) > 0);
}

/*
 * Restoring the wrong copy and then the right one keeps the first
 * restore's safety copies (the original database and its key): each
 * restore's are named by its time, and a name in use is refused.
 */
static void
test_restore_twice(void **state)
{
	const char	*bk[] = { "backup", NULL, NULL };
	const char	*wrongc[] = { "restore", copy, "--force", "--key",
	    keypath, NULL };
	const char	*right[] = { "restore", NULL, "--force", "--key", NULL,
	    NULL };
	char		 out[8192], db3[500], key3[620], k3[80];
	char		 old1[700], key1[800], old2[700], key2[800], line[80];
	long		 tips3;

	(void)state;
	(void)snprintf(db3, sizeof db3, "%s/fangfei.db", d3.dir);
	(void)snprintf(key3, sizeof key3, "%s.key", db3);
	(void)snprintf(copy3, sizeof copy3, "%s/copy3.db", d3.dir);
	(void)snprintf(k3path, sizeof k3path, "%s/k3.key", d3.dir);
	/* A database of its own key, with a sealed reporter. */
	e2e_start(&d3);
	free(say(&d3, "own", "举报 第三个库的线索"));
	assert_int_equal(e2e_stop(&d3, SIGTERM), 0);
	tips3 = sql_long(db3, "SELECT count(*) FROM tips", NULL);
	assert_true(tips3 > 0);
	first_line(key3, k3, sizeof k3);
	assert_int_equal(strlen(k3), 65);
	copy_file(key3, k3path);
	bk[1] = copy3;
	assert_int_equal(e2e_cli(&d3, bk, out, sizeof out), 0);

	(void)snprintf(old1, sizeof old1,
	    "%s.before-restore-20261201T050000Z", db3);
	(void)snprintf(key1, sizeof key1,
	    "%s.before-restore-20261201T050000Z", key3);
	(void)snprintf(old2, sizeof old2,
	    "%s.before-restore-20261201T050500Z", db3);
	(void)snprintf(key2, sizeof key2,
	    "%s.before-restore-20261201T050500Z", key3);
	assert_int_equal(cli_at(&d3, "2026-12-01T05:00:00Z", wrongc, out,
	    sizeof out), 0);
	assert_non_null(strstr(out, old1));
	assert_non_null(strstr(out, key1));
	right[1] = copy3;
	right[4] = key1;
	assert_int_equal(cli_at(&d3, "2026-12-01T05:05:00Z", right, out,
	    sizeof out), 0);
	assert_non_null(strstr(out, old2));
	assert_non_null(strstr(out, key2));
	/* The first restore's copies are the original, untouched. */
	assert_int_equal(sql_long(old1, "SELECT count(*) FROM tips", NULL),
	    tips3);
	first_line(key1, line, sizeof line);
	assert_string_equal(line, k3);
	first_line(key3, line, sizeof line);
	assert_string_equal(line, k3);
	assert_int_equal(sql_long(db3, "SELECT count(*) FROM tips", NULL),
	    tips3);

	/* A third restore whose names are taken is refused (unless the
	 * clock has passed to the next second meanwhile). */
	right[4] = key3;
	if (cli_at(&d3, "2026-12-01T05:05:00Z", right, out, sizeof out) == 0)
		assert_null(strstr(out, old2));
	assert_int_equal(sql_long(old2, "SELECT count(*) FROM tips", NULL),
	    sql_long(copy, "SELECT count(*) FROM tips", NULL));
	first_line(key2, line, sizeof line);
	first_line(keypath, k3, sizeof k3);
	assert_string_equal(line, k3);
}

/* A restore that fails while putting the database in place leaves the
 * old database with its old key. */
static void
test_restore_key_last(void **state)
{
	const char	*rs[] = { "restore", copy, "--force", "--key", keypath,
	    NULL };
	char		 out[4096], db3[500], key3[620], wal[700], ktmp[700];
	char		 before[80], line[80];
	long		 tips;

	(void)state;
	(void)snprintf(db3, sizeof db3, "%s/fangfei.db", d3.dir);
	(void)snprintf(key3, sizeof key3, "%s.key", db3);
	(void)snprintf(wal, sizeof wal, "%s-shm", db3);
	(void)snprintf(ktmp, sizeof ktmp, "%s.tmp", key3);
	first_line(key3, before, sizeof before);
	first_line(keypath, line, sizeof line);
	/* A copy whose key is not the one in place. */
	if (strcmp(line, before) == 0) {
		rs[1] = copy3;
		rs[4] = k3path;
	}
	tips = sql_long(db3, "SELECT count(*) FROM tips", NULL);
	/* A directory where the stale -shm is removed: the placing fails. */
	assert_int_equal(mkdir(wal, 0700), 0);
	assert_int_equal(cli_at(&d3, "2026-12-01T06:00:00Z", rs, out,
	    sizeof out), 1);
	assert_int_equal(rmdir(wal), 0);
	first_line(key3, line, sizeof line);
	assert_string_equal(line, before);
	assert_int_equal(sql_long(db3, "SELECT count(*) FROM tips", NULL),
	    tips);
	assert_int_equal(access(ktmp, F_OK), -1);
	assert_int_equal(count_names(d3.dir,
	    "fangfei.db.before-restore-20261201T0600"), 0);
}

/* Run as root, a restore and a backup give their files to the owner of
 * the database or of the backup's directory (the daemon's user). */
static void
test_owner(void **state)
{
	const char	*rs[] = { "restore", copy, "--force", "--key", keypath,
	    NULL };
	const char	*bk[] = { "backup", NULL, NULL };
	char		 out[8192], db3[500], key3[620], dir[600], dest[700];
	struct stat	 sb;

	(void)state;
	if (geteuid() != 0)
		skip();
	(void)snprintf(db3, sizeof db3, "%s/fangfei.db", d3.dir);
	(void)snprintf(key3, sizeof key3, "%s.key", db3);
	assert_int_equal(chown(d3.dir, 65534, 65534), 0);
	assert_int_equal(chown(db3, 65534, 65534), 0);
	assert_int_equal(chown(key3, 65534, 65534), 0);
	assert_int_equal(cli_at(&d3, "2026-12-01T07:00:00Z", rs, out,
	    sizeof out), 0);
	assert_int_equal(stat(db3, &sb), 0);
	assert_int_equal(sb.st_uid, 65534);
	assert_int_equal(sb.st_gid, 65534);
	assert_int_equal(stat(key3, &sb), 0);
	assert_int_equal(sb.st_uid, 65534);
	assert_int_equal(sb.st_mode & 0777, 0600);

	(void)snprintf(dir, sizeof dir, "%s/owned", d.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	(void)snprintf(dest, sizeof dest, "%s/x.db", dir);
	bk[1] = dest;
	assert_int_equal(e2e_cli(&d, bk, out, sizeof out), 0);
	assert_int_equal(stat(dest, &sb), 0);
	assert_int_equal(sb.st_uid, 65534);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

/*
 * Run as a user who is neither root nor the database's owner, a restore
 * is refused with a message that names the owner, and nothing changes.
 */
static void
test_owner_refused(void **state)
{
	const char	*bin = getenv("FANGFEI_BIN");
	char		 dir[600], db[700], src[700], conf[700], errp[700];
	char		 err[4096] = "";
	struct stat	 sb;
	FILE		*f;
	size_t		 n;
	pid_t		 pid;
	int		 st;

	(void)state;
	if (geteuid() != 0)
		skip();
	(void)snprintf(dir, sizeof dir, "%s/other", d.dir);
	(void)snprintf(db, sizeof db, "%s/fangfei.db", dir);
	(void)snprintf(src, sizeof src, "%s/src.db", dir);
	(void)snprintf(conf, sizeof conf, "%s/fangfei.ini", dir);
	(void)snprintf(errp, sizeof errp, "%s/err", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(d.dir, 0711), 0);
	copy_file(copy, db);
	copy_file(copy, src);
	assert_int_equal(chmod(src, 0644), 0);
	assert_non_null(f = fopen(conf, "w"));
	fprintf(f, "[storage]\npath = %s\n", db);
	fclose(f);
	assert_int_equal(chmod(conf, 0644), 0);
	assert_int_equal(chown(db, 65534, 65534), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	assert_int_equal(stat(db, &sb), 0);
	if ((pid = fork()) == 0) {
		if (freopen(errp, "w", stderr) == NULL ||
		    freopen("/dev/null", "w", stdout) == NULL ||
		    setgid(65533) == -1 || setuid(65533) == -1)
			_exit(127);
		execl(bin ? bin : "build/fangfei", "fangfei", "restore", src,
		    "--force", "--config", conf, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(chmod(d.dir, 0700), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_non_null(f = fopen(errp, "r"));
	n = fread(err, 1, sizeof err - 1, f);
	err[n] = '\0';
	fclose(f);
	assert_non_null(strstr(err, "belongs to"));
	assert_non_null(strstr(err, "sudo -u"));
	assert_int_equal(count_names(dir, "fangfei.db."), 0);
}

/* A backup whose DEST is the database, or whose DEST.tmp is, is refused
 * and the database stays. */
static void
test_backup_same_file(void **state)
{
	const char	*bk[] = { "backup", NULL, "--force", NULL };
	const char	*bk2[] = { "backup", NULL, "--db", NULL, NULL };
	char		 out[4096], db[600], alt[600], altdest[600];
	struct stat	 sb, sa;
	long		 tips;

	(void)state;
	(void)snprintf(db, sizeof db, "%s/fangfei.db", d.dir);
	assert_int_equal(stat(db, &sb), 0);
	tips = e2e_sql_long(&d, "SELECT count(*) FROM tips");
	bk[1] = db;
	assert_int_equal(e2e_cli(&d, bk, out, sizeof out), 1);
	assert_int_equal(stat(db, &sa), 0);
	assert_int_equal(sa.st_ino, sb.st_ino);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM tips"), tips);

	(void)snprintf(alt, sizeof alt, "%s/alt.db.tmp", d.dir);
	(void)snprintf(altdest, sizeof altdest, "%s/alt.db", d.dir);
	copy_file(copy, alt);
	bk2[1] = altdest;
	bk2[3] = alt;
	assert_int_equal(e2e_cli(&d, bk2, out, sizeof out), 1);
	assert_int_equal(sql_long(alt, "SELECT count(*) FROM tips", NULL),
	    sql_long(copy, "SELECT count(*) FROM tips", NULL));
	assert_int_equal(access(altdest, F_OK), -1);
}

/* A backup into a directory others may write in is refused, unless it
 * has the sticky bit. */
static void
test_backup_open_dir(void **state)
{
	const char	*bk[] = { "backup", NULL, NULL };
	char		 out[4096], dir[600], dest[700], tmp[800];

	(void)state;
	(void)snprintf(dir, sizeof dir, "%s/open", d.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	(void)snprintf(dest, sizeof dest, "%s/x.db", dir);
	(void)snprintf(tmp, sizeof tmp, "%s.tmp", dest);
	bk[1] = dest;
	assert_int_equal(e2e_cli(&d, bk, out, sizeof out), 1);
	assert_int_equal(access(dest, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(e2e_cli(&d, bk, out, sizeof out), 0);
	assert_true(sql_long(dest, "SELECT count(*) FROM tips", NULL) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_while_writing),
		cmocka_unit_test(test_restore_while_serving),
		cmocka_unit_test(test_restore_wrong_key),
		cmocka_unit_test(test_backup_exists),
		cmocka_unit_test(test_restore_twice),
		cmocka_unit_test(test_restore_key_last),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_owner_refused),
		cmocka_unit_test(test_backup_open_dir),
		cmocka_unit_test(test_backup_same_file),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

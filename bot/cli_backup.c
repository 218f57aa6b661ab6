/*
 * fangfei backup DEST and fangfei restore SRC: an online copy of the
 * database while the daemon serves, and putting a copy back in place
 * (storage/backup.c does the SQLite side). The reporter key is never
 * part of a copy: a stolen copy without its key keeps reporters sealed.
 *
 * The files written belong to the daemon's user: run as root, they are
 * given to the owner of the database (or of its directory), which is
 * the user the daemon runs as; run as another user, a restore for a
 * database of someone else is refused, as its files (mode 0600) would
 * be the caller's. Safety copies of a restore are never replaced: each
 * restore keeps its own, named by the time.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "messages/xmalloc.h"
#include "storage/backup.h"

static const char usage_backup[] =
"用法 usage: fangfei backup DEST [--force] [--config FILE] [--db PATH]\n"
"\n"
"在服务运行时复制数据库（SQLite 在线备份，一个一致的快照）到 DEST，\n"
"权限 600；DEST 已存在时拒绝，除非 --force。复制后做完整性检查。\n"
"Copies the database, while the daemon serves and writes, to DEST (mode\n"
"0600) as one consistent snapshot, through DEST.tmp and a rename; an\n"
"existing DEST is refused unless --force. The copy is checked (integrity,\n"
"schema version) and what it holds is printed.\n"
"举报人密钥不在备份中：请另外保存（不要与备份放在一起）。\n"
"The reporter key file (DB.key, or [storage] key_file) is NOT in the\n"
"copy: keep it, once, apart from the copies.\n"
"PostgreSQL ([storage] url): refused; use pg_dump (and keep the key file).\n";

static const char usage_restore[] =
"用法 usage: fangfei restore SRC [--key FILE] [--force] [--config FILE]\n"
"            [--db PATH]\n"
"\n"
"用备份 SRC 替换数据库（须先停止服务）。Puts the copy SRC in place of the\n"
"database (stop fangfei serve first: a database in use is refused).\n"
"SRC is checked (integrity, a fangfei database, schema version not newer\n"
"than this program; older ones are migrated) and so is the reporter key:\n"
"--key FILE, or the key file in place, must be the key of SRC's sealed\n"
"identities. --key FILE is installed as the database's key file (an\n"
"other key there is kept as KEY.before-restore-TIME). An existing\n"
"database is replaced only with --force and kept as\n"
"DB.before-restore-TIME (TIME in UTC: 20261201T031500Z); these are never\n"
"replaced. Run as root, the new files go to the database's owner.\n"
"原库与原密钥保存为 DB.before-restore-TIME 与 KEY.before-restore-TIME，\n"
"从不覆盖；请以服务的用户运行（sudo -u fangfei fangfei restore …）。\n";

struct backup_opts {
	const char	*db, *key;
	int		 force;
};

/* Parses the options of both commands; returns the first operand, or -1
 * after printing usage. */
static int
backup_options(struct cli *cli, int argc, char **argv, const char *usage,
    int with_key, struct backup_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli->config_path = optarg;
			break;
		case 'd':
			o->db = optarg;
			break;
		case 'k':
			if (!with_key)
				goto bad;
			o->key = optarg;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	if (optind != argc - 1)
		goto bad;
	if (cli_setup(cli, o->db) == -1)
		exit(1);
	return optind;
bad:
	fputs(usage, stderr);
	return -1;
}

/* The key file of the configured database; the caller frees it. */
static char *
backup_key_path(const struct cli *cli)
{
	return cli->cfg.key_file ? xstrdup(cli->cfg.key_file) :
	    xasprintf("%s.key", cli->cfg.db_path);
}

/*
 * A PostgreSQL database is copied and put back with PostgreSQL's own
 * tools, which take a consistent snapshot of a server in use; what this
 * file does is SQLite's. Returns -1 after saying so for a URL.
 */
static int
backup_refuse_url(const struct cli *cli, const char *what)
{
	if (!store_is_pg_url(cli->cfg.db_path))
		return 0;
	fprintf(stderr, "fangfei: %s: 数据库 %s 在 PostgreSQL 上，请用 pg_dump "
	    "备份、pg_restore 恢复，并把举报人密钥文件 %s 另外保存（不与备份放在"
	    "一起）。\n"
	    "fangfei: %s: the database %s is on PostgreSQL: use pg_dump "
	    "to copy it and pg_restore to put a copy back, and keep the "
	    "reporter key file %s with the dumps, apart from them.\n", what,
	    cli->db_shown, cli->cfg.key_file ? cli->cfg.key_file : "", what,
	    cli->db_shown, cli->cfg.key_file ? cli->cfg.key_file : "");
	return -1;
}

/* Whether a and b name one file, either of them through a symbolic
 * link or not. */
static int
backup_same(const char *a, const char *b)
{
	struct stat	 sa[2], sb[2];
	int		 ha[2], hb[2], i, j;

	ha[0] = lstat(a, &sa[0]) == 0;
	ha[1] = stat(a, &sa[1]) == 0;
	hb[0] = lstat(b, &sb[0]) == 0;
	hb[1] = stat(b, &sb[1]) == 0;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if (ha[i] && hb[j] && sa[i].st_dev == sb[j].st_dev &&
			    sa[i].st_ino == sb[j].st_ino)
				return 1;
	return 0;
}

/* Refuses a DEST whose writing (the rename onto DEST, the removal of
 * DEST.tmp and its side files) would replace or remove one of the
 * database's files. */
static int
backup_dest_safe(const char *db, const char *dest)
{
	static const char *const ours[] = { "", ".tmp", ".tmp-journal",
	    ".tmp-wal", ".tmp-shm" };
	static const char *const theirs[] = { "", "-wal", "-shm", "-journal" };
	char	*a, *b;
	size_t	 i, j;
	int	 same = 0;

	for (i = 0; i < sizeof ours / sizeof ours[0] && !same; i++) {
		a = xasprintf("%s%s", dest, ours[i]);
		for (j = 0; j < sizeof theirs / sizeof theirs[0] && !same;
		    j++) {
			b = xasprintf("%s%s", db, theirs[j]);
			if ((same = backup_same(a, b)))
				fprintf(stderr, "fangfei: 备份会替换或删除数据库的"
				    "文件 %s，拒绝\nfangfei: writing %s would "
				    "replace or remove %s, a file of the "
				    "database: refused\n", b, dest, b);
			free(b);
		}
		free(a);
	}
	return same ? -1 : 0;
}

/*
 * Finds whose the files written for path must be (see the top of this
 * file): the owner of path, or of its directory when path does not
 * exist (but not of a sticky directory such as /tmp, shared by all).
 * *uid and *gid get that owner when the caller is root and another
 * user, (uid_t)-1 when the caller's files will do. A caller who is
 * neither is refused with a message when strict, and makes its own
 * files otherwise.
 */
static int
backup_owner(const char *path, int strict, uid_t *uid, gid_t *gid)
{
	struct stat	 sb;
	struct passwd	*pw;
	char		*copy = xstrdup(path), *dir;
	uid_t		 me = geteuid();
	int		 rc = 0;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (stat(path, &sb) == -1) {
		dir = dirname(copy);
		if (stat(dir, &sb) == -1 || (sb.st_mode & S_ISVTX) != 0)
			goto out;
	}
	if (sb.st_uid == me)
		goto out;
	if (me == 0) {
		*uid = sb.st_uid;
		*gid = sb.st_gid;
		goto out;
	}
	if (strict) {
		pw = getpwuid(sb.st_uid);
		fprintf(stderr, "fangfei: %s 属于用户 %s（uid %u），服务以该用户"
		    "运行；以本用户（uid %u）写入的文件（权限 600）它无法打开，拒绝。"
		    "请以该用户运行（sudo -u %s fangfei …），或以 root 运行。\n"
		    "fangfei: %s belongs to %s (uid %u), the daemon's user; files "
		    "made by uid %u (mode 0600) could not be opened by it: "
		    "refused. Run as that user (sudo -u %s fangfei …), or as "
		    "root, which gives the files to it.\n", path,
		    pw ? pw->pw_name : "?", (unsigned int)sb.st_uid,
		    (unsigned int)me, pw ? pw->pw_name : "USER", path,
		    pw ? pw->pw_name : "?", (unsigned int)sb.st_uid,
		    (unsigned int)me, pw ? pw->pw_name : "USER");
		rc = -1;
	}
out:
	free(copy);
	return rc;
}

/* Prints what a copy holds. */
static void
backup_print(const char *path, const struct backup_info *info)
{
	printf("  文件 file: %s\n"
	    "  大小 size: %lld 字节 bytes; 结构版本 schema version: %d\n"
	    "  线索 tips: %ld; 加密的举报人 sealed reporters: %ld\n"
	    "  完整性检查 integrity check: ok\n", path,
	    (long long)info->bytes, info->version, info->tips, info->sealed);
}

/* fangfei backup DEST */
int
cli_backup(struct cli *cli, int argc, char **argv)
{
	struct backup_opts	 o;
	struct backup_info	 info, chk;
	struct stat		 sb;
	const char		*dest;
	char			*tmp = NULL, *key = NULL, *cause = NULL;
	uid_t			 uid;
	gid_t			 gid;
	int			 i, rc = 1;

	if ((i = backup_options(cli, argc, argv, usage_backup, 0, &o)) == -1)
		return 2;
	if (backup_refuse_url(cli, "backup") == -1)
		return 1;
	dest = argv[i];
	if (!o.force && lstat(dest, &sb) == 0) {
		fprintf(stderr, "fangfei: %s 已存在，未覆盖（要覆盖请加 --force）\n"
		    "fangfei: %s exists; not overwritten (use --force)\n", dest,
		    dest);
		return 1;
	}
	if (stat(cli->cfg.db_path, &sb) == -1) {
		fprintf(stderr, "fangfei: 数据库 database %s: %s\n",
		    cli->cfg.db_path, strerror(errno));
		return 1;
	}
	if (backup_dest_safe(cli->cfg.db_path, dest) == -1)
		return 1;
	(void)backup_owner(dest, 0, &uid, &gid);
	tmp = xasprintf("%s.tmp", dest);
	/* A DEST.tmp is ours: one left by an interrupted backup goes. */
	backup_remove(tmp);
	if (backup_copy(cli->cfg.db_path, tmp, uid, gid, &info, &cause) == -1 ||
	    backup_check(tmp, &chk, &cause) == -1)
		goto fail;
	if (chk.version != store_latest_version()) {
		cause = xasprintf("%s: schema version %d, this program's is %d "
		    "(run: fangfei migrate)", cli->cfg.db_path, chk.version,
		    store_latest_version());
		goto fail;
	}
	if (backup_commit(tmp, dest, &cause) == -1)
		goto fail;
	key = backup_key_path(cli);
	printf("备份完成 backup done: %s -> %s (%d 步 steps)\n",
	    cli->cfg.db_path, dest, info.steps);
	backup_print(dest, &chk);
	printf("警告 WARNING: 举报人密钥文件 %s 不在备份中。没有它，备份中的 %ld 条"
	    "举报人信息无法读取，恢复也会被拒绝。请把它另外保存一份，且不要与备份"
	    "放在同一处：拿到备份的人不应能读到密钥。\n"
	    "The reporter key file %s is NOT in the copy. Without it the %ld "
	    "sealed reporter identities in the copy cannot be read and a "
	    "restore is refused. Keep it with the copies, but apart from them, "
	    "in storage that someone holding a copy cannot read.\n",
	    key, chk.sealed, key, chk.sealed);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "fangfei: 备份失败 backup failed: %s\n", cause);
	backup_remove(tmp);
out:
	free(cause);
	free(tmp);
	free(key);
	return rc;
}

/* Checks key against the copy at path (migrating it), worded as
 * cli_check_key() words a refused start; key_new says no key file. */
static int
restore_check_key(const char *src, const char *path, const char *keypath,
    const uint8_t *key, int key_new)
{
	struct store		*s;
	enum keycheck_result	 kr;
	char			*cause = NULL;
	long			 sealed = 0;
	int			 rc = -1;

	if ((s = store_open(path, key, STORE_MIGRATE, &cause)) == NULL) {
		fprintf(stderr, "fangfei: 数据库 database: %s\n", cause);
		free(cause);
		return -1;
	}
	/* A new key is only checked: the daemon writes and records it at
	 * its first start, as for a new database. */
	kr = store_key_verify(s, key_new, &sealed);
	switch (kr) {
	case KEYCHECK_OK:
		rc = 0;
		break;
	case KEYCHECK_MISSING:
		fprintf(stderr, "fangfei: 举报人密钥文件 %s 不存在，但备份 %s 中有 "
		    "%ld 条加密的举报人信息（以及密钥校验值），拒绝恢复。请用 --key "
		    "指定该备份的密钥文件。\n"
		    "fangfei: the reporter key file %s is missing, but %s holds "
		    "%ld sealed reporter identities (and the key's check value); "
		    "not restored. Give the copy's key file with --key FILE.\n",
		    keypath, src, sealed, keypath, src, sealed);
		break;
	case KEYCHECK_MISMATCH:
		fprintf(stderr, "fangfei: 举报人密钥 %s 与备份 %s 不匹配（不是加密这些"
		    "举报人信息时所用的密钥），拒绝恢复。\n"
		    "fangfei: the reporter key %s does not match %s: it is not "
		    "the key its sealed identities were made with; not "
		    "restored.\n", keypath, src, keypath, src);
		break;
	default:
		fprintf(stderr, "fangfei: 数据库 database: key check: %s\n",
		    store_errmsg(s));
	}
	store_close(s);
	return rc;
}

/*
 * Writes key to tmp, for restore_key_commit() to put at path, unless
 * path holds it already; *replace says it was written and *kept that
 * another key is at path. The new file is given to uid and gid unless
 * uid is (uid_t)-1.
 */
static int
restore_key_prepare(const char *path, const char *tmp, const uint8_t *key,
    uid_t uid, gid_t gid, int *replace, int *kept)
{
	uint8_t	 have[STORE_KEY_LEN];
	char	*cause = NULL;
	int	 r, fd = -1, rc = -1;

	*replace = *kept = 0;
	if ((r = config_read_key(path, have, &cause)) == 0 &&
	    memcmp(have, key, STORE_KEY_LEN) == 0) {
		rc = 0;
		goto out;
	}
	if (r == -1)
		goto out;
	*kept = r == 0;
	/* A KEY.tmp is ours: one left by an interrupted restore goes. */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (config_write_key(tmp, key, &cause) == -1)
		goto out;
	*replace = 1;
	if (uid != (uid_t)-1 && ((fd = open(tmp, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fchown(fd, uid, gid) == -1)) {
		cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "fangfei: 举报人密钥 reporter key: %s\n", cause);
	if (fd != -1)
		close(fd);
	explicit_bzero(have, sizeof have);
	free(cause);
	return rc;
}

/* Puts the key written at tmp in place of path, linking the key there
 * to old first when old is not NULL (which fails on an existing old). */
static int
restore_key_commit(const char *path, const char *tmp, const char *old,
    char **cause)
{
	if (old != NULL && link(path, old) == -1) {
		*cause = xasprintf("%s: %s", old, strerror(errno));
		return -1;
	}
	if (backup_commit(tmp, path, cause) == -1) {
		if (old != NULL)
			(void)unlink(old);
		return -1;
	}
	return 0;
}

/* Undoes a restore whose database is in place but whose key could not
 * be: the old database goes back (or the new one away when there was
 * none), and the message says what is left where. */
static void
restore_undo(const char *target, const char *old, int absent,
    const char *keypath, const char *given, char *why)
{
	char	*cause = NULL;

	fprintf(stderr, "fangfei: 恢复失败 restore failed: 举报人密钥 reporter "
	    "key: %s\n", why);
	if (absent) {
		backup_remove(target);
		fprintf(stderr, "fangfei: 未恢复任何文件 nothing is restored: %s "
		    "is removed again\n", target);
	} else if (backup_commit(old, target, &cause) == 0)
		fprintf(stderr, "fangfei: 原数据库已放回 the old database is back "
		    "at %s, its key unchanged at %s\n", target, keypath);
	else {
		fprintf(stderr, "fangfei: %s 是恢复的数据库，但密钥未安装：请手动把 "
		    "%s 放到 %s；原数据库在 %s（%s）\n"
		    "fangfei: %s is the restored database but its key is not "
		    "installed: put %s at %s by hand; the old database is %s "
		    "(%s)\n", target, given, keypath, old, cause, target,
		    given, keypath, old, cause);
		free(cause);
	}
}

/* The stamp of this restore's safety copies, YYYYmmddTHHMMSSZ. */
static void
restore_stamp(char out[32])
{
	struct tm	 tm;
	time_t		 now = clock_now();

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(out, 32, "%Y%m%dT%H%M%SZ", &tm) == 0)
		(void)snprintf(out, 32, "%lld", (long long)now);
}

/* fangfei restore SRC */
int
cli_restore(struct cli *cli, int argc, char **argv)
{
	struct backup_opts	 o;
	struct backup_info	 info, after;
	struct backup_hold	*h = NULL;
	struct stat		 sb, ssb;
	const char		*src, *target;
	char			*tmp = NULL, *old = NULL, *keypath = NULL;
	char			*keytmp = NULL, *keyold = NULL, *cause = NULL;
	char			 stamp[32];
	uint8_t			 key[STORE_KEY_LEN];
	uid_t			 uid;
	gid_t			 gid;
	int			 i, absent, key_new, replace = 0, kept = 0;
	int			 rc = 1;

	if ((i = backup_options(cli, argc, argv, usage_restore, 1, &o)) == -1)
		return 2;
	if (backup_refuse_url(cli, "restore") == -1)
		return 1;
	src = argv[i];
	target = cli->cfg.db_path;
	restore_stamp(stamp);
	tmp = xasprintf("%s.tmp", target);
	old = xasprintf("%s.before-restore-%s", target, stamp);
	keypath = backup_key_path(cli);
	keytmp = xasprintf("%s.tmp", keypath);
	keyold = xasprintf("%s.before-restore-%s", keypath, stamp);
	if (backup_check(src, &info, &cause) == -1)
		goto fail;
	if (stat(target, &sb) == 0 && stat(src, &ssb) == 0 &&
	    sb.st_dev == ssb.st_dev && sb.st_ino == ssb.st_ino) {
		fprintf(stderr, "fangfei: %s 就是要替换的数据库 is the database "
		    "itself\n", src);
		goto out;
	}
	if (stat(target, &sb) == 0 && !o.force) {
		fprintf(stderr, "fangfei: 数据库 %s 已存在，未替换（要替换请加 "
		    "--force，原库保存为 %s）\n"
		    "fangfei: %s exists; not replaced (use --force; it is kept "
		    "as %s)\n", target, old, target, old);
		goto out;
	}
	if (lstat(old, &sb) == 0 || lstat(keyold, &sb) == 0) {
		fprintf(stderr, "fangfei: %s 或 %s 已存在，不覆盖；请稍后再试\n"
		    "fangfei: %s or %s exists and is never replaced; try again "
		    "in a second\n", old, keyold, old, keyold);
		goto out;
	}
	if (backup_owner(target, 1, &uid, &gid) == -1)
		goto out;
	/* The lock first: nothing is copied while a daemon serves. */
	if ((h = backup_hold(target, &absent, &cause)) == NULL && !absent)
		goto fail;
	if (cli_key_read(o.key ? o.key : keypath, o.key != NULL, key,
	    &key_new) == -1)
		goto out;
	backup_remove(tmp);
	if (backup_copy(src, tmp, uid, gid, &after, &cause) == -1)
		goto fail;
	if (restore_check_key(src, tmp, o.key ? o.key : keypath, key,
	    key_new) == -1)
		goto out;
	if (backup_check(tmp, &after, &cause) == -1)
		goto fail;
	/* The key is written beside its place before the database moves,
	 * and put in place last: a failure before that leaves the old
	 * database with its old key. */
	if (o.key != NULL && restore_key_prepare(keypath, keytmp, key, uid,
	    gid, &replace, &kept) == -1)
		goto out;
	if (backup_place(h, tmp, target, old, &cause) == -1) {
		h = NULL;
		fprintf(stderr, "fangfei: 恢复失败 restore failed: %s\n"
		    "fangfei: 数据库 %s 与密钥 %s 未改变 the database and its key "
		    "are unchanged\n", cause, target, keypath);
		goto out;
	}
	h = NULL;
	if (replace && restore_key_commit(keypath, keytmp, kept ? keyold :
	    NULL, &cause) == -1) {
		restore_undo(target, old, absent, keypath, o.key, cause);
		goto out;
	}
	printf("恢复完成 restored: %s -> %s\n", src, target);
	backup_print(target, &after);
	if (info.version != after.version)
		printf("  已升级 migrated: schema %d -> %d\n", info.version,
		    after.version);
	if (!absent)
		printf("  原数据库 the old database: %s\n", old);
	if (o.key != NULL)
		printf("  举报人密钥 reporter key: %s\n", keypath);
	if (kept)
		printf("  原密钥 the old key: %s\n", keyold);
	else if (key_new)
		printf("  举报人密钥 reporter key: %s 将在首次启动时生成 "
		    "is made at the first start\n", keypath);
	if (uid != (uid_t)-1)
		printf("  所有者 owner: uid %u gid %u\n", (unsigned int)uid,
		    (unsigned int)gid);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "fangfei: 恢复失败 restore failed: %s\n", cause);
out:
	if (rc != 0) {
		backup_remove(tmp);
		if (replace)
			(void)unlink(keytmp);
	}
	backup_release(h);
	explicit_bzero(key, sizeof key);
	free(cause);
	free(tmp);
	free(old);
	free(keypath);
	free(keytmp);
	free(keyold);
	return rc;
}

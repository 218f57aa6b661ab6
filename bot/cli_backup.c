/*
 * fangfei backup DEST and fangfei restore SRC: an online copy of the
 * database while the daemon serves, and putting a copy back in place
 * (storage/backup.c does the SQLite side). The reporter key is never
 * part of a copy: a stolen copy without its key keeps reporters sealed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
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
"copy: keep it, once, apart from the copies.\n";

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
"other key there is kept as KEY.before-restore). An existing database\n"
"is replaced only with --force and kept as DB.before-restore.\n";

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
	int			 i, rc = 1;

	if ((i = backup_options(cli, argc, argv, usage_backup, 0, &o)) == -1)
		return 2;
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
	tmp = xasprintf("%s.tmp", dest);
	/* A DEST.tmp is ours: one left by an interrupted backup goes. */
	backup_remove(tmp);
	if (backup_copy(cli->cfg.db_path, tmp, &info, &cause) == -1 ||
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

/* Makes key the key file at path, keeping another key there as
 * path.before-restore; *moved says it did. */
static int
restore_install_key(const char *path, const uint8_t *key, int *moved)
{
	uint8_t	 have[STORE_KEY_LEN];
	char	*cause = NULL, *old = NULL;
	int	 r, rc = -1;

	*moved = 0;
	if ((r = config_read_key(path, have, &cause)) == 0 &&
	    memcmp(have, key, STORE_KEY_LEN) == 0) {
		rc = 0;
		goto out;
	}
	if (r == 0) {
		old = xasprintf("%s.before-restore", path);
		if (rename(path, old) == -1) {
			cause = xasprintf("%s: %s", path, strerror(errno));
			goto out;
		}
		*moved = 1;
	} else if (r == -1)
		goto out;
	rc = config_write_key(path, key, &cause);
out:
	if (rc == -1)
		fprintf(stderr, "fangfei: 举报人密钥 reporter key: %s\n", cause);
	explicit_bzero(have, sizeof have);
	free(cause);
	free(old);
	return rc;
}

/* Reads the key to check: --key FILE (which must exist), or the key
 * file in place; *key_new says neither exists (key is then random). */
static int
restore_read_key(const char *path, int given, uint8_t key[STORE_KEY_LEN],
    int *key_new)
{
	char	*cause = NULL;
	int	 r;

	*key_new = 0;
	if ((r = config_read_key(path, key, &cause)) == 1) {
		if (given) {
			fprintf(stderr, "fangfei: 举报人密钥 reporter key: %s: "
			    "不存在 does not exist\n", path);
			return -1;
		}
		*key_new = 1;
		r = config_new_key(key, &cause);
	}
	if (r == -1) {
		fprintf(stderr, "fangfei: 举报人密钥 reporter key: %s\n", cause);
		free(cause);
	}
	return r;
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
	char			*cause = NULL;
	uint8_t			 key[STORE_KEY_LEN];
	int			 i, absent, key_new, moved = 0, rc = 1;

	if ((i = backup_options(cli, argc, argv, usage_restore, 1, &o)) == -1)
		return 2;
	src = argv[i];
	target = cli->cfg.db_path;
	tmp = xasprintf("%s.tmp", target);
	old = xasprintf("%s.before-restore", target);
	keypath = backup_key_path(cli);
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
	/* The lock first: nothing is copied while a daemon serves. */
	if ((h = backup_hold(target, &absent, &cause)) == NULL && !absent)
		goto fail;
	if (restore_read_key(o.key ? o.key : keypath, o.key != NULL, key,
	    &key_new) == -1)
		goto out;
	backup_remove(tmp);
	if (backup_copy(src, tmp, &after, &cause) == -1)
		goto fail;
	if (restore_check_key(src, tmp, o.key ? o.key : keypath, key,
	    key_new) == -1)
		goto out;
	if (backup_check(tmp, &after, &cause) == -1)
		goto fail;
	if (o.key != NULL && restore_install_key(keypath, key, &moved) == -1)
		goto out;
	if (backup_place(h, tmp, target, old, &cause) == -1) {
		h = NULL;
		goto fail;
	}
	h = NULL;
	printf("恢复完成 restored: %s -> %s\n", src, target);
	backup_print(target, &after);
	if (info.version != after.version)
		printf("  已升级 migrated: schema %d -> %d\n", info.version,
		    after.version);
	if (!absent)
		printf("  原数据库 the old database: %s\n", old);
	if (o.key != NULL)
		printf("  举报人密钥 reporter key: %s%s\n", keypath, moved ?
		    " (原密钥 the old key: .before-restore)" : "");
	else if (key_new)
		printf("  举报人密钥 reporter key: %s 将在首次启动时生成 "
		    "is made at the first start\n", keypath);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "fangfei: 恢复失败 restore failed: %s\n", cause);
out:
	if (rc != 0)
		backup_remove(tmp);
	backup_release(h);
	explicit_bzero(key, sizeof key);
	free(cause);
	free(tmp);
	free(old);
	free(keypath);
	return rc;
}

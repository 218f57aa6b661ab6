/*
 * The command line: fangfei serve | import | check | migrate | version.
 * Each subcommand has --help. Exit status: 0 success, 1 failure (or, for
 * import, rejected rows), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "config.h"
#include "delivery.h"
#include "dispatch.h"
#include "handlers/handlers.h"
#include "import.h"
#include "clock.h"
#include "scheduler.h"
#include "log.h"
#include "messages/xmalloc.h"
#include "metrics.h"
#include "notify.h"
#include "reload.h"
#include "server.h"
#include "stream.h"
#include "storage/checkpoint.h"
#include "storage/copy.h"
#include "storage/outbox.h"
#include "storage/store.h"

#define FANGFEI_VERSION	"0.1.0"

#include "cli.h"

static const char usage_main[] =
"用法 usage: fangfei <命令 command> [选项 options]\n"
"\n"
"  serve                      运行服务 run the daemon\n"
"  import enterprises FILE    导入企业名录和警示通告 import the registry (CSV)\n"
"  import areas FILE          导入区域（社区、网格、楼栋）import areas (CSV)\n"
"  import phones FILE         导入短信名单（手机号、楼栋）import SMS lists (CSV)\n"
"  check NAME|USCC            查询企业 check a company, as the chat would\n"
"  staff add|code|list|login-link  工作人员 staff, bind codes, console links\n"
"  staff disable|enable --id N  停用/启用 cut a member off, or restore them\n"
"  staff custodian --id N on|off  保管人 who approves seeing a reporter\n"
"  staff ics --id N [--revoke]  日历订阅 a staff member's calendar feed\n"
"  reward set|stage|paid|list|stats  举报奖励 rewards for tips\n"
"  tips forget                删除已销号旧线索的举报人 forget old reporters\n"
"  group add|list             群和群机器人 groups and group robots\n"
"  token create|list|revoke   API 令牌 API tokens\n"
"  audit list                 审计日志 the audit log (binds, staff, tokens)\n"
"  ledger export|stats        台账和年度统计 the tip ledger, its yearly figures\n"
"  broadcast AREA TEXT        发布预警 post a warning to an area's groups\n"
"  reminder add|list|show|pause|resume|delete|preview  定时提醒 reminders\n"
"  patrol list|export         每周巡查覆盖 weekly patrol coverage per grid\n"
"  notice add|publish         警示通告 warning notices: draft, publish\n"
"  letter add|codes|print-link|stats|broadcast  一封公开信 open letters, posters\n"
"  config check               检查配置 check the config, show what it serves\n"
"  channel types              渠道类型 every channel type and its keys\n"
"  backup DEST                在线备份数据库 copy the database while it serves\n"
"  restore SRC [--key FILE]   从备份恢复 put a copy back (daemon stopped)\n"
"  migrate [--from-sqlite FILE]  创建或升级数据库，或从 SQLite 迁到 PostgreSQL\n"
"                             create or upgrade the database, or move to PostgreSQL\n"
"  version                    显示版本 show the version\n"
"\n"
"每个命令都有 --help。Every command takes --help.\n"
"Common options: --config FILE (FANGFEI_CONFIG), --db PATH (FANGFEI_DB)\n";

static const char usage_serve[] =
"用法 usage: fangfei serve [--config FILE] [--listen HOST:PORT] [--db PATH]\n"
"\n"
"运行 webhook 服务。Serves webhooks at POST /hook/NAME for each\n"
"[channel.NAME] of the config, GET /healthz and GET /metrics.\n"
"Environment: FANGFEI_CONFIG, FANGFEI_LISTEN, FANGFEI_DB (flags win).\n"
"SIGTERM or SIGINT: finish the requests in flight, then exit 0.\n"
"SIGHUP: read the config file again; what needs a restart is logged and\n"
"kept, a config that does not check is logged and changes nothing.\n"
"NOTIFY_SOCKET (set by systemd for Type=notify): READY=1 once serving,\n"
"RELOADING=1 and READY=1 around a reload, STOPPING=1 at the end.\n";

static const char usage_import[] =
"用法 usage: fangfei import enterprises|areas|phones FILE.csv [--db PATH]\n"
"\n"
"enterprises: 表头 header uscc,name,address,area,risk_level,notice_issue,\n"
"  notice_date,measure  或 or 统一社会信用代码,企业名称,地址,所属区域,风险等级,\n"
"  通告期号,通告日期,处置措施. Rows without a notice are registry entries.\n"
"areas: path,households[,liaison,phone], path like\n"
"  张店区/车站街道/华光路社区/第3网格/12号楼 (parents are created).\n"
"phones: phone,area[,name]  或 or 手机号,区域[,姓名] (also 手机号码/手机/电话/\n"
"  号码, 所属区域/楼栋/楼宇/路径, 名字/户主): the numbers an SMS broadcast to\n"
"  the area reaches. Mainland mobiles only (138 0000 0001, +86, 0086);\n"
"  the area must exist (import areas first). Numbers are stored sealed and\n"
"  never printed but masked (138****0001); a number given twice: the\n"
"  later row wins. Opt-outs (退订) are kept.\n"
"UTF-8, with or without BOM. Bad rows are listed with their line numbers\n"
"and skipped; good rows are kept. Exit 1 when any row was rejected.\n";

static const char usage_check[] =
"用法 usage: fangfei check [--db PATH] [--lang zh|en] NAME|USCC\n"
"\n"
"查询企业，回复与聊天中相同。Prints the answer a chat user would get.\n";

static const char usage_simple[] =
"用法 usage: fangfei migrate|version [--config FILE] [--db PATH]\n";

static const char usage_migrate[] =
"用法 usage: fangfei migrate [--config FILE] [--db PATH|URL]\n"
"            fangfei migrate --from-sqlite FILE [--config FILE] [--db URL]\n"
"\n"
"创建或升级数据库（SQLite 文件或 PostgreSQL）。Creates or upgrades the\n"
"database: [storage] path (a SQLite file) or url (postgresql://…).\n"
"--from-sqlite FILE: 把区县的 SQLite 数据库整体复制到空的 PostgreSQL 库\n"
"  copies a district's SQLite database FILE (at this program's schema\n"
"  version: run fangfei migrate --db FILE first) into the configured\n"
"  PostgreSQL database, which must be empty, in one transaction, ids\n"
"  kept; then compares every table's row count. The reporter key\n"
"  ([storage] key_file) must be the key of FILE's sealed identities:\n"
"  the same key goes with the data.\n";

/* Loads the config (cli->config_path or FANGFEI_CONFIG), then the
 * environment, then db when given. */
int
cli_setup(struct cli *cli, const char *db)
{
	char	*cause = NULL;

	if (cli->config_path == NULL && getenv("FANGFEI_CONFIG") != NULL &&
	    *getenv("FANGFEI_CONFIG") != '\0')
		cli->config_path = getenv("FANGFEI_CONFIG");
	if (cli->config_path != NULL &&
	    config_load(&cli->cfg, cli->config_path, &cause) == -1) {
		fprintf(stderr, "fangfei: 配置错误 config: %s\n", cause);
		free(cause);
		return -1;
	}
	config_env(&cli->cfg);
	if (db != NULL)
		config_set(&cli->cfg.db_path, db);
	if (config_storage(&cli->cfg, &cause) == -1) {
		fprintf(stderr, "fangfei: 配置错误 config: %s\n", cause);
		free(cause);
		return -1;
	}
	free(cli->db_shown);
	cli->db_shown = store_shown(cli->cfg.db_path);
	/* The daemon and the CLI read the same clock. */
	if (clock_setup(cli->cfg.utc_offset, &cause) == -1) {
		fprintf(stderr, "fangfei: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Parses the options shared by subcommands; returns optind or -1. */
int
cli_options(struct cli *cli, int argc, char **argv, const char *usage,
    const char **listen, const char **lang)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "lang", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*db = NULL;
	int		 c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli->config_path = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'l':
			if (listen == NULL)
				goto bad;
			*listen = optarg;
			break;
		case 'L':
			if (lang == NULL)
				goto bad;
			*lang = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	if (cli_setup(cli, db) == -1)
		exit(1);
	if (listen != NULL && *listen != NULL)
		config_set(&cli->cfg.listen, *listen);
	return optind;
bad:
	fputs(usage, stderr);
	return -1;
}

/*
 * Reads the reporter key at path; when there is no such file, a new random
 * key (*key_new set) unless must_exist. Says what went wrong on stderr.
 */
int
cli_key_read(const char *path, int must_exist, uint8_t key[STORE_KEY_LEN],
    int *key_new)
{
	char	*cause = NULL;
	int	 rc;

	*key_new = 0;
	if ((rc = config_read_key(path, key, &cause)) == 1) {
		if (must_exist) {
			fprintf(stderr, "fangfei: 举报人密钥 reporter key: %s: "
			    "不存在 does not exist\n", path);
			return -1;
		}
		*key_new = 1;
		rc = config_new_key(key, &cause);
	}
	if (rc == -1) {
		fprintf(stderr, "fangfei: 举报人密钥 reporter key: %s\n", cause);
		free(cause);
	}
	return rc;
}

/* Loads the reporter key beside the database (or from key_file). */
int
cli_key(struct cli *cli, uint8_t key[STORE_KEY_LEN])
{
	free(cli->key_path);
	cli->key_path = cli->cfg.key_file ? xstrdup(cli->cfg.key_file) :
	    xasprintf("%s.key", cli->cfg.db_path);
	return cli_key_read(cli->key_path, 0, key, &cli->key_new);
}

/*
 * Checks the key against the database: refuses a key that does not match,
 * and a missing key file while the database holds sealed identities; a new
 * key is written (and then recorded) only when the database needs none.
 */
static int
cli_check_key(struct cli *cli, struct store *s)
{
	enum keycheck_result	 kr;
	char			*cause = NULL;
	long			 sealed = 0;

	kr = store_key_verify(s, cli->key_new, &sealed);
	if (kr == KEYCHECK_OK && cli->key_new) {
		if (config_write_key(cli->key_path, cli->key_buf,
		    &cause) == -1) {
			fprintf(stderr, "fangfei: 举报人密钥 reporter key: %s\n",
			    cause);
			free(cause);
			return -1;
		}
		cli->key_new = 0;
		kr = store_key_verify(s, 0, &sealed);
	}
	switch (kr) {
	case KEYCHECK_OK:
		return 0;
	case KEYCHECK_MISSING:
		fprintf(stderr, "fangfei: 举报人密钥文件 %s 不存在，但数据库 %s 中有 "
		    "%ld 条加密的举报人信息，拒绝生成新密钥（否则这些信息将永远无法读取）。"
		    "请从备份恢复该密钥文件（权限 600）后再启动。\n"
		    "fangfei: the reporter key file %s is missing, but %s holds "
		    "%ld sealed reporter identities (and the key's check value); "
		    "a new key would make them unreadable for ever, so none is "
		    "made. Restore the key file from your backup (mode 0600), or "
		    "point [storage] key_file at it.\n",
		    cli->key_path, cli->db_shown, sealed, cli->key_path,
		    cli->db_shown, sealed);
		return -1;
	case KEYCHECK_MISMATCH:
		fprintf(stderr, "fangfei: 举报人密钥 %s 与数据库 %s 不匹配（不是加密这些"
		    "举报人信息时所用的密钥）。请从备份恢复正确的密钥文件。\n"
		    "fangfei: the reporter key %s does not match %s: it is not "
		    "the key its sealed identities were made with. Restore the "
		    "right key file from your backup.\n", cli->key_path,
		    cli->db_shown, cli->key_path, cli->db_shown);
		return -1;
	default:
		fprintf(stderr, "fangfei: 数据库 database: key check: %s\n",
		    store_errmsg(s));
		return -1;
	}
}

/* Seals the robots' webhooks still in clear (storage/schema/
 * 021_robot_sealed.sql); 0, or -1 when that failed. */
static int
cli_seal_robots(struct store *s)
{
	long	 n;

	if (groups_seal_clear(s, &n) != STORE_OK) {
		fprintf(stderr, "fangfei: 数据库 database: 机器人地址加密失败 "
		    "sealing the robots' webhooks: %s\n", store_errmsg(s));
		return -1;
	}
	if (n > 0)
		log_info("sealed the webhooks and secrets of %ld robots", n);
	return 0;
}

/* Opens the store, applying migrations. */
struct store *
cli_store(struct cli *cli, const uint8_t *key)
{
	struct store	*s;
	char		*cause = NULL;

	if ((s = store_open(cli->cfg.db_path, key, STORE_MIGRATE,
	    &cause)) == NULL) {
		fprintf(stderr, "fangfei: 数据库 database: %s\n", cause);
		free(cause);
		return NULL;
	}
	if (key != NULL) {
		memcpy(cli->key_buf, key, STORE_KEY_LEN);
		if (cli_check_key(cli, s) == -1 || cli_seal_robots(s) == -1) {
			store_close(s);
			s = NULL;
		}
		explicit_bzero(cli->key_buf, sizeof cli->key_buf);
	}
	return s;
}

/* fangfei serve */
static int
cmd_serve(struct cli *cli, int argc, char **argv)
{
	struct server	*srv;
	struct delivery	*dl;
	struct stream_set *streams;
	struct scheduler *sched;
	struct store	*s;
	uint8_t		 key[STORE_KEY_LEN];
	const char	*listen = NULL;
	char		*cause = NULL, nch[16];
	enum log_level	 level;
	enum log_format	 format;
	sigset_t	 set;
	int		 sig = SIGTERM, applied;

	/* A reload asked for while the daemon starts (a migration can take
	 * a while) waits for the loop below: SIGHUP's default would end the
	 * process, which systemd does not count as a failure to restart. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (cli_options(cli, argc, argv, usage_serve, &listen, NULL) != argc)
		return 2;
	if (log_level_parse(cli->cfg.log_level, &level) == 0)
		log_set_level(level);
	if (log_format_parse(cli->cfg.log_format, &format) == 0)
		log_set_format(format);
	if (config_check(&cli->cfg, &cause) == -1) {
		fprintf(stderr, "fangfei: 配置错误 config: %s\n", cause);
		free(cause);
		return 1;
	}
	if (clock_moved())
		log_warn("FANGFEI_NOW: the clock starts at %s (a testing aid)",
		    getenv("FANGFEI_NOW"));
	/* A core file would hold the reporter key and whatever seals were
	 * open: none is written, whoever started the daemon. */
	if (setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) == -1)
		log_warn("cannot turn core dumps off: %s", strerror(errno));
	if (cli_key(cli, key) == -1 || (s = cli_store(cli, key)) == NULL)
		return 1;
	store_close(s);		/* migrated; each thread opens its own */

	/* Signals are taken by sigwait() below; the pool threads inherit
	 * the mask, so none of them is interrupted. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (checkpointer_start(cli->cfg.db_path, &cause) == -1) {
		fprintf(stderr, "fangfei: %s\n", cause);
		free(cause);
		return 1;
	}
	if ((dl = delivery_start(&cli->cfg, key, &cause)) == NULL) {
		fprintf(stderr, "fangfei: delivery: %s\n", cause);
		free(cause);
		checkpointer_stop();
		return 1;
	}
	if ((srv = server_start(&cli->cfg, key, dl, &cause)) == NULL) {
		fprintf(stderr, "fangfei: %s\n", cause);
		free(cause);
		delivery_stop(dl);
		checkpointer_stop();
		return 1;
	}
	if ((streams = stream_start(&cli->cfg, key, server_env(srv), dl,
	    &cause)) == NULL) {
		fprintf(stderr, "fangfei: %s\n", cause);
		free(cause);
		server_stop(srv, 0);
		delivery_stop(dl);
		checkpointer_stop();
		return 1;
	}
	server_set_streams(srv, streams);
	if ((sched = scheduler_start(&cli->cfg, key, server_env(srv), dl,
	    &cause)) == NULL) {
		fprintf(stderr, "fangfei: %s\n", cause);
		free(cause);
		server_set_streams(srv, NULL);
		stream_stop(streams);
		server_stop(srv, 0);
		delivery_stop(dl);
		checkpointer_stop();
		return 1;
	}
	(void)snprintf(nch, sizeof nch, "%zu", cli->cfg.nchannels);
	log_event(LOG_INFO, "start", "serving", "channels", nch, "database",
	    cli->db_shown, (char *)NULL);
	printf("fangfei: listening on http://%.*s:%u\n",
	    (int)strcspn(cli->cfg.listen, ":"), cli->cfg.listen,
	    server_port(srv));
	fflush(stdout);
	(void)notify_manager("READY=1\nSTATUS=服务中 serving");
	for (;;) {
		/* A minute: tips past their deadline are escalated within
		 * one. */
		struct timespec tick = { 60, 0 };

		server_cron(srv, clock_now());
		if ((sig = sigtimedwait(&set, NULL, &tick)) == SIGHUP) {
			(void)notify_reloading();
			applied = reload_serve(srv, &cli->cfg,
			    cli->config_path) == 0;
			metrics_reload(applied);
			/* systemctl reload succeeds either way: the status
			 * line (systemctl status) says which. */
			(void)notify_manager(applied ? "READY=1\nSTATUS=服务中 "
			    "serving; 已重新读取配置 config reloaded" :
			    "READY=1\nSTATUS=服务中 serving; 新配置未生效，见日志 "
			    "config refused, see the log");
			continue;
		}
		if (sig > 0)
			break;
		if (errno != EAGAIN && errno != EINTR) {
			sig = SIGTERM;
			break;
		}
	}
	(void)notify_manager("STOPPING=1");
	log_event(LOG_INFO, "stop", "finishing requests in flight", "signal",
	    strsignal(sig), (char *)NULL);
	/* The long connections first: what they stored is acknowledged,
	 * then they close. */
	scheduler_stop(sched);
	server_set_streams(srv, NULL);
	stream_stop(streams);
	server_stop(srv, 10000);
	delivery_stop(dl);
	checkpointer_stop();
	log_event(LOG_INFO, "stop", "stopped", (char *)NULL);
	return 0;
}

/* fangfei import enterprises|areas|phones FILE */
static int
cmd_import(struct cli *cli, int argc, char **argv)
{
	struct import_stats	 st;
	struct store		*s;
	enum import_kind	 kind;
	uint8_t			 key[STORE_KEY_LEN];
	char			*cause = NULL;
	FILE			*f;
	int			 i, rc = 1;

	if ((i = cli_options(cli, argc, argv, usage_import, NULL, NULL)) == -1)
		return 2;
	if (argc - i != 2) {
		fputs(usage_import, stderr);
		return 2;
	}
	if (strcmp(argv[i], "enterprises") == 0)
		kind = IMPORT_ENTERPRISES;
	else if (strcmp(argv[i], "areas") == 0)
		kind = IMPORT_AREAS;
	else if (strcmp(argv[i], "phones") == 0)
		kind = IMPORT_PHONES;
	else {
		fputs(usage_import, stderr);
		return 2;
	}
	if ((f = fopen(argv[i + 1], "r")) == NULL) {
		fprintf(stderr, "fangfei: %s: %s\n", argv[i + 1], strerror(errno));
		return 1;
	}
	if (cli_key(cli, key) == -1 || (s = cli_store(cli, key)) == NULL) {
		fclose(f);
		return 1;
	}
	if (import_csv(s, kind, f, argv[i + 1], stderr, clock_now(), NULL,
	    "cli", &st, &cause) == -1) {
		fprintf(stderr, "fangfei: 导入失败，未保存任何数据 import failed, "
		    "nothing kept: %s\n", cause);
		free(cause);
	} else if (kind == IMPORT_PHONES) {
		printf("已导入号码 imported numbers: 新增 added %ld，迁入新区域 "
		    "moved %ld，未变 unchanged %ld（%ld 行 rows）；拒绝 "
		    "rejected %ld，注意 warnings %ld\n", st.added, st.moved,
		    st.unchanged, st.rows, st.rejected, st.warnings);
		rc = st.rejected > 0 ? 1 : 0;
	} else {
		printf("已导入 imported %ld/%ld 行 rows", st.imported, st.rows);
		if (kind == IMPORT_ENTERPRISES)
			printf("，其中列入警示 of which on notices: %ld",
			    st.flagged);
		printf("；拒绝 rejected %ld，注意 warnings %ld\n", st.rejected,
		    st.warnings);
		rc = st.rejected > 0 ? 1 : 0;
	}
	store_close(s);
	fclose(f);
	return rc;
}

/* fangfei check NAME|USCC: the same handler the chats use. */
static int
cmd_check(struct cli *cli, int argc, char **argv)
{
	struct handler_env	 env;
	struct channel		 ch;
	struct inbound		 in;
	struct reply		 r = { 0 };
	struct store		*s;
	const char		*lang = NULL, *name;
	char			*text;
	size_t			 k;
	int			 i;

	if ((i = cli_options(cli, argc, argv, usage_check, NULL, &lang)) == -1)
		return 2;
	if (i >= argc) {
		fputs(usage_check, stderr);
		return 2;
	}
	if ((s = cli_store(cli, NULL)) == NULL)
		return 1;
	memset(&ch, 0, sizeof ch);
	ch.name = (char *)(uintptr_t)"cli";
	if (lang != NULL && locale_parse(lang, &ch.locale) == -1) {
		fputs(usage_check, stderr);
		store_close(s);
		return 2;
	}
	memset(&in, 0, sizeof in);
	(void)inbound_set(in.channel, sizeof in.channel, "cli");
	(void)inbound_set(in.chat_id, sizeof in.chat_id, "cli");
	(void)inbound_set(in.sender_id, sizeof in.sender_id, "cli");
	text = xstrdup("/check");
	for (; i < argc; i++) {
		char *t = xasprintf("%s %s", text, argv[i]);
		free(text);
		text = t;
	}
	in.text = text;
	env.hotline = cli->cfg.hotline;
	env.utc_offset = cli->cfg.utc_offset;
	(void)dispatch_inbound(s, &ch, &env, &in, clock_now(), &r, &name);
	for (k = 0; k < r.ntexts; k++)
		printf("%s\n", r.texts[k]);
	reply_clear(&r);
	inbound_clear(&in);
	store_close(s);
	return 0;
}

/*
 * fangfei migrate --from-sqlite FILE: the configured database must be
 * PostgreSQL, and its key file must exist (a new key would not open
 * FILE's sealed rows).
 */
static int
cmd_migrate_copy(struct cli *cli, const char *file)
{
	uint8_t	 key[STORE_KEY_LEN];
	char	*cause = NULL, *shown = NULL;
	int	 key_new, rc = 1;

	if (!store_is_pg_url(cli->cfg.db_path)) {
		fprintf(stderr, "fangfei: --from-sqlite: 目标须是 PostgreSQL，请在"
		    "配置中设置 [storage] url；the target must be PostgreSQL: set "
		    "[storage] url = postgresql://… (now: %s)\n", cli->db_shown);
		return 1;
	}
	if (cli_key_read(cli->cfg.key_file, 1, key, &key_new) == -1)
		return 1;
	/* FILE may be a URL given by mistake, with its password. */
	shown = store_shown(file);
	printf("复制 copying %s -> %s\n", shown, cli->db_shown);
	if (copy_from_sqlite(file, cli->cfg.db_path, key, stdout,
	    &cause) == -1) {
		fprintf(stderr, "fangfei: 复制失败，目标库未改变 copy failed, "
		    "nothing kept: %s\n", cause);
		free(cause);
		goto out;
	}
	printf("复制完成 copied: %s -> %s (schema %d)\n", shown, cli->db_shown,
	    store_latest_version());
	rc = 0;
out:
	free(shown);
	explicit_bzero(key, sizeof key);
	return rc;
}

/* fangfei migrate [--from-sqlite FILE] */
static int
cmd_migrate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "from-sqlite", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	const char	*db = NULL, *from = NULL;
	int		 c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli->config_path = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'h':
			fputs(usage_migrate, stdout);
			return 0;
		default:
			fputs(usage_migrate, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage_migrate, stderr);
		return 2;
	}
	if (cli_setup(cli, db) == -1)
		return 1;
	if (from != NULL)
		return cmd_migrate_copy(cli, from);
	if ((s = cli_store(cli, NULL)) == NULL)
		return 1;
	printf("%s: schema version %d\n", cli->db_shown, store_version(s));
	store_close(s);
	return 0;
}

/* Entry point. */
int
main(int argc, char **argv)
{
	struct cli	 cli;
	int		 rc;

	/* What fangfei creates (the database, its WAL, the key, exports)
	 * holds reporters' tips and staff phones: nobody else reads it. */
	(void)umask(077);
	memset(&cli, 0, sizeof cli);
	config_init(&cli.cfg);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		rc = argc < 2 ? 2 : 0;
	} else if (strcmp(argv[1], "serve") == 0)
		rc = cmd_serve(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "import") == 0)
		rc = cmd_import(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "check") == 0)
		rc = cmd_check(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "staff") == 0 && argc > 2 &&
	    strcmp(argv[2], "custodian") == 0)
		rc = cli_custodian(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "staff") == 0 && argc > 2 &&
	    strcmp(argv[2], "ics") == 0)
		rc = cli_staff_ics(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "staff") == 0)
		rc = cli_staff(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "reward") == 0)
		rc = cli_reward(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "tips") == 0 && argc > 2 &&
	    strcmp(argv[2], "forget") == 0)
		rc = cli_tips_forget(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "group") == 0)
		rc = cli_group(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "token") == 0)
		rc = cli_token(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "audit") == 0)
		rc = cli_audit(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "ledger") == 0)
		rc = cli_ledger(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "config") == 0)
		rc = cli_config(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "channel") == 0)
		rc = cli_channel(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "letter") == 0)
		rc = cli_letter(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "notice") == 0)
		rc = cli_notice(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "broadcast") == 0)
		rc = cli_broadcast(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "reminder") == 0)
		rc = cli_reminder(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "patrol") == 0)
		rc = cli_patrol(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "backup") == 0)
		rc = cli_backup(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "restore") == 0)
		rc = cli_restore(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "migrate") == 0)
		rc = cmd_migrate(&cli, argc - 1, argv + 1);
	else if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		if (argc > 2 && strcmp(argv[2], "--help") == 0)
			fputs(usage_simple, stdout);
		else
			printf("fangfei %s (schema %d)\n", FANGFEI_VERSION,
			    store_latest_version());
		rc = 0;
	} else {
		fprintf(stderr, "fangfei: 未知命令 unknown command \"%s\"\n\n%s",
		    argv[1], usage_main);
		rc = 2;
	}
	config_free(&cli.cfg);
	free(cli.key_path);
	free(cli.db_shown);
	return rc;
}

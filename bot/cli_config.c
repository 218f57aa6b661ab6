/*
 * fangfei config check: loads the configuration as `serve` would, checks
 * every channel against its backend's keys, and prints what it would serve,
 * secrets hidden. fangfei channel types: every type with its keys, from the
 * backend tables.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "log.h"
#include "messages/texts.h"
#include "messages/xmalloc.h"

static const char usage_config[] =
"用法 usage: fangfei config check [--config FILE] [--listen HOST:PORT] [--db PATH]\n"
"\n"
"检查配置并列出将提供的服务，密钥不显示。Loads the config as serve would,\n"
"checks every channel (missing or empty keys, keys of another type), and\n"
"prints what it would serve, with secrets hidden. Exit 1 on an error.\n";

static const char usage_channel[] =
"用法 usage: fangfei channel types\n"
"\n"
"列出所有渠道类型及其配置项。Lists every channel type with its keys.\n";

/* Prints a value that is not a secret; a URL only up to its host, since
 * its path or query may carry a key. */
static void
cli_config_value(const char *v)
{
	const char	*host = strstr(v, "://"), *end;

	if (host == NULL) {
		printf("%s", v);
		return;
	}
	host += 3;
	end = host + strcspn(host, "/?#");
	printf("%.*s%s", (int)(end - v), v, *end != '\0' ? "/…" : "");
}

/* Prints one channel instance. */
static void
cli_config_channel(const struct channel *ch)
{
	const struct channel_key	*k;
	const char			*v;

	printf("  [channel.%s] %s  %s/hook/%s  %s", ch->name,
	    ch->backend->type, ch->backend->get != NULL ? "GET|POST " :
	    "POST ", ch->name, locale_name(ch->locale));
	if (ch->area != NULL)
		printf("  area %s", ch->area);
	printf("\n");
	for (k = ch->backend->keys; k != NULL && k->name != NULL; k++) {
		v = channel_get(ch, k->name);
		printf("      %-20s ", k->name);
		if (v == NULL)
			printf("(未设置 not set)\n");
		else if (k->flags & CHANNEL_KEY_SECRET)
			printf("(已设置，不显示 set, hidden)\n");
		else {
			cli_config_value(v);
			printf("\n");
		}
	}
}

/* Says whether the reporter key file is there and private. */
static void
cli_config_key(struct cli *cli)
{
	char		*path;
	struct stat	 st;

	path = cli->cfg.key_file ? xstrdup(cli->cfg.key_file) :
	    xasprintf("%s.key", cli->cfg.db_path);
	if (stat(path, &st) == -1)
		printf("举报人密钥 reporter key: %s (不存在 missing: made at the "
		    "first start of a new database; restored from backup "
		    "otherwise)\n", path);
	else
		printf("举报人密钥 reporter key: %s (mode %04o%s)\n", path,
		    (unsigned int)(st.st_mode & 07777), (st.st_mode & 077) ?
		    ", 其他用户可读 readable by others: chmod 600" : "");
	free(path);
}

/* fangfei config check */
int
cli_config(struct cli *cli, int argc, char **argv)
{
	const char	*listen = NULL;
	char		*cause = NULL;
	size_t		 i;
	int		 first;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			fputs(usage_config, stdout);
			return 0;
		}
		fputs(usage_config, stderr);
		return 2;
	}
	first = cli_options(cli, argc - 1, argv + 1, usage_config, &listen,
	    NULL);
	if (first < 0 || first != argc - 1) {
		if (first >= 0)
			fputs(usage_config, stderr);
		return 2;
	}
	if (config_check(&cli->cfg, &cause) == -1) {
		fprintf(stderr, "fangfei: 配置错误 config: %s\n", cause);
		free(cause);
		return 1;
	}
	printf("配置 config: %s\n", cli->config_path ? cli->config_path :
	    "(默认值和环境变量 defaults and environment)");
	printf("监听 listen: %s\n", cli->cfg.listen);
	printf("公开地址 public_base_url: %s\n", cli->cfg.public_base_url);
	printf("数据库 database: %s\n", cli->db_shown);
	cli_config_key(cli);
	printf("渠道 channels: %zu\n", cli->cfg.nchannels);
	for (i = 0; i < cli->cfg.nchannels; i++)
		cli_config_channel(&cli->cfg.channels[i]);
	printf("配置正确 the configuration is valid\n");
	return 0;
}

/* Prints one backend and its keys. */
static void
cli_channel_type(const struct channel_backend *b)
{
	const struct channel_key	*k;
	const char			*need;

	printf("%s — %s\n", b->type, b->help ? b->help : "");
	for (k = b->keys; k != NULL && k->name != NULL; k++) {
		if (k->flags & CHANNEL_KEY_REQUIRED)
			need = "必填 required";
		else if (k->flags & CHANNEL_KEY_PUBLIC)
			need = "非本机监听时必填 required beyond loopback";
		else
			need = "可选 optional";
		printf("  %-20s %s%s\n  %-20s   %s\n", k->name, need,
		    (k->flags & CHANNEL_KEY_SECRET) ? ", 密钥 secret" : "", "",
		    k->help);
	}
}

/* fangfei channel types */
int
cli_channel(struct cli *cli, int argc, char **argv)
{
	size_t	 i;
	int	 first;

	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage_channel, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "types") != 0) {
		fputs(usage_channel, stderr);
		return 2;
	}
	first = cli_options(cli, argc - 1, argv + 1, usage_channel, NULL, NULL);
	if (first < 0 || first != argc - 1) {
		if (first >= 0)
			fputs(usage_channel, stderr);
		return 2;
	}
	printf("渠道类型 channel types ([channel.NAME] type = …; every channel "
	    "also takes locale = zh-CN|en and area = PATH):\n\n");
	for (i = 0; channel_backends[i] != NULL; i++) {
		cli_channel_type(channel_backends[i]);
		printf("\n");
	}
	printf("群机器人 group robots (fangfei group add --robot TYPE --webhook "
	    "URL [--secret S]; outbound only):\n");
	for (i = 0; robot_backends[i] != NULL; i++)
		printf("  %-10s %s\n", robot_backends[i]->type,
		    robot_backends[i]->help ? robot_backends[i]->help : "");
	return 0;
}

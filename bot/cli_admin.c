/*
 * Office commands of the CLI: staff (with bind codes), groups and group
 * robots, API tokens, broadcasts and the audit log. Each prints what it
 * made; secrets (tokens, bind codes) are shown once and never listed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "cli.h"
#include "console.h"
#include "import.h"
#include "messages/buf.h"
#include "messages/sms.h"
#include "messages/texts.h"
#include "delivery.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/enterprises.h"
#include "storage/outbox.h"
#include "storage/staff.h"
#include "target.h"

#define OPT_ACTION	1001
#define OPT_SINCE	1002
#define OPT_LIMIT	1003
#define OPT_EXPIRES	1004
#define OPT_EXPIRES_DAYS 1005
#define OPT_PREVIEW 1006

/* Parses the office options; returns the first operand or -1. */
int
admin_options(struct cli *cli, int argc, char **argv, const char *usage,
    struct admin_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "area", required_argument, NULL, 'a' },
		{ "phone", required_argument, NULL, 'p' },
		{ "kind", required_argument, NULL, 'k' },
		{ "kinds", required_argument, NULL, 'K' },
		{ "robot", required_argument, NULL, 'R' },
		{ "webhook", required_argument, NULL, 'w' },
		{ "secret", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'l' },
		{ "id", required_argument, NULL, 'i' },
		{ "issue", required_argument, NULL, 'i' },
		{ "date", required_argument, NULL, 'D' },
		{ "title", required_argument, NULL, 'n' },
		{ "issuer", required_argument, NULL, 'I' },
		{ "per", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'C' },
		{ "place", required_argument, NULL, 'L' },
		{ "csv", no_argument, NULL, 'V' },
		{ "preview", no_argument, NULL, OPT_PREVIEW },
		{ "action", required_argument, NULL, OPT_ACTION },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "expires", required_argument, NULL, OPT_EXPIRES },
		{ "expires-days", required_argument, NULL, OPT_EXPIRES_DAYS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli->config_path = optarg; break;
		case 'd': o->db = optarg; break;
		case 'n': o->name = optarg; break;
		case 'r': o->role = optarg; break;
		case 'a': o->area = optarg; break;
		case 'p': o->phone = optarg; break;
		case 'k': o->kind = optarg; break;
		case 'K': o->kinds = optarg; break;
		case 'R': o->robot = optarg; break;
		case 'w': o->webhook = optarg; break;
		case 's': o->secret = optarg; break;
		case 'l': o->label = optarg; break;
		case 'i': o->id = strtol(optarg, NULL, 10); break;
		case 'D': o->date = optarg; break;
		case 'I': o->issuer = optarg; break;
		case 'P': o->per = optarg; break;
		case 'C': o->count = strtol(optarg, NULL, 10); break;
		case 'L': o->place = optarg; break;
		case 'V': o->csv = 1; break;
		case OPT_PREVIEW: o->preview = 1; break;
		case OPT_ACTION: o->action = optarg; break;
		case OPT_SINCE: o->since = optarg; break;
		case OPT_LIMIT: o->limit = strtol(optarg, NULL, 10); break;
		case OPT_EXPIRES: o->expires = optarg; break;
		case OPT_EXPIRES_DAYS:
			o->expires_days = strtol(optarg, NULL, 10);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (cli_setup(cli, o->db) == -1)
		return -1;
	return optind;
}

/* Opens the store and resolves --area; prints errors. */
struct store *
admin_open(struct cli *cli, const struct admin_opts *o, int64_t *area)
{
	uint8_t		 key[STORE_KEY_LEN];
	struct store	*s;

	if (cli_key(cli, key) == -1 || (s = cli_store(cli, key)) == NULL)
		return NULL;
	if (area != NULL && (o->area == NULL ||
	    areas_find(s, o->area, area) != STORE_OK)) {
		fprintf(stderr, "fangfei: 区域不存在或不唯一 no single area "
		    "matches \"%s\" (fangfei import areas FILE)\n",
		    o->area ? o->area : "");
		store_close(s);
		return NULL;
	}
	return s;
}

static const char usage_staff[] =
"用法 usage: fangfei staff add --name NAME --role ROLE --area PATH [--phone P]\n"
"            fangfei staff code --id ID     新绑定码 a new bind code\n"
"            fangfei staff list\n"
"            fangfei staff login-link --id ID  工作台一次性登录链接 a one-time\n"
"                                    sign-in link to the console (10 minutes)\n"
"            fangfei staff disable --id ID  停用 cut a member off at once\n"
"            fangfei staff enable --id ID   恢复启用 active again\n"
"ROLE: grid_worker 网格员 | grid_chief 网格长 | liaison 联络员 | office 处非办 |\n"
"      admin. The bind code (XXXX-XXXX-XX, 24 hours, single use; a new code\n"
"      cancels the member's earlier one) is sent from the worker's own chat\n"
"      account, in a private chat with the bot: 绑定 <code> (or /bind <code>).\n"
"disable: 停用 in one transaction: unbinds their chat accounts (what they\n"
"      send is a resident's again), ends their console sessions, voids\n"
"      their unused bind codes and sign-in links, revokes their calendar\n"
"      feed; their tips, patrols and audit entries stay. API tokens are\n"
"      the office's, not a member's: revoke any they knew (fangfei token).\n"
"enable: 恢复启用 marks them active only; they bind again with a new code\n"
"      (fangfei staff code --id ID).\n"
"list: id, name, role, area, and 已停用 disabled for a disabled member.\n";

/* fangfei staff disable|enable --id ID: prints what it did, Chinese
 * first; the audit entry is in the same transaction. */
static int
cli_staff_active(struct cli *cli, const struct admin_opts *o, int on)
{
	struct staff_info	 who;
	struct staff_cutoff	 cut;
	struct store		*s;
	char			 detail[256];
	time_t			 now = clock_now();

	if (o->id <= 0) {
		fputs(usage_staff, stderr);
		return 2;
	}
	if ((s = admin_open(cli, o, NULL)) == NULL)
		return 1;
	if (store_begin(s) != STORE_OK)
		goto fail;
	if (staff_get(s, o->id, &who) != STORE_OK) {
		store_rollback(s);
		store_close(s);
		fprintf(stderr, "fangfei: 没有此工作人员 no staff "
		    "--id %ld\n", o->id);
		return 1;
	}
	if (on && who.active) {
		store_rollback(s);
		store_close(s);
		printf("%s 已是启用状态 %s is already enabled\n",
		    who.name, who.name);
		return 0;
	}
	if (on) {
		(void)snprintf(detail, sizeof detail, "staff %ld (%.64s)",
		    o->id, who.name);
		if (staff_enable(s, o->id) != STORE_OK ||
		    audit_add_area(s, "cli", "staff enable", detail,
		    who.area_id, now) != STORE_OK ||
		    store_commit(s) != STORE_OK)
			goto fail;
		printf("已恢复启用 %s：账号须用新绑定码重新绑定"
		    "（fangfei staff code --id %ld）\n", who.name, o->id);
		printf("enabled %s: their accounts bind again with a new "
		    "code (fangfei staff code --id %ld)\n", who.name, o->id);
		store_close(s);
		return 0;
	}
	if (staff_disable(s, o->id, now, &cut) != STORE_OK)
		goto fail;
	staff_cutoff_detail(&cut, o->id, who.name, detail, sizeof detail);
	if (audit_add_area(s, "cli", "staff disable", detail, who.area_id,
	    now) != STORE_OK || store_commit(s) != STORE_OK)
		goto fail;
	printf("已停用 %s：解绑 %ld 个账号，结束 %ld 个会话，"
	    "作废 %ld 个绑定码和 %ld 个登录链接，吊销 %ld 个日历订阅%s\n",
	    who.name, cut.identities, cut.sessions, cut.codes, cut.links,
	    cut.feeds, who.active ? "" : "（此前已停用）");
	printf("disabled %s: %ld chat accounts unbound, %ld console sessions "
	    "ended, %ld bind codes and %ld sign-in links voided, %ld calendar "
	    "feeds revoked%s\n", who.name, cut.identities, cut.sessions,
	    cut.codes, cut.links, cut.feeds,
	    who.active ? "" : " (was disabled already)");
	printf("API 令牌属于办公室而非个人：其知晓的令牌请吊销"
	    "（fangfei token list / revoke）\n");
	printf("API tokens are the office's, not a member's: revoke any "
	    "they knew (fangfei token list / revoke)\n");
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	store_rollback(s);
	store_close(s);
	return 1;
}

/* fangfei staff add|code|login-link|disable|enable|list */
int
cli_staff(struct cli *cli, int argc, char **argv)
{
	struct admin_opts	 o;
	struct staff_info	 list[100];
	struct store		*s = NULL;
	char			 code[BIND_CODE_TEXT_LEN + 1], detail[192];
	char			 base[512], *link = NULL;
	enum store_status	 st = STORE_OK;
	int64_t			 area = 0, id, after = 0;
	size_t			 n, i;
	int			 k, rc = 1;

	if ((k = admin_options(cli, argc, argv, usage_staff, &o)) == -1 ||
	    k >= argc) {
		fputs(usage_staff, stderr);
		return 2;
	}
	if (strcmp(argv[k], "add") == 0) {
		if (o.name == NULL || !staff_role_valid(o.role)) {
			fputs(usage_staff, stderr);
			return 2;
		}
		if ((s = admin_open(cli, &o, &area)) == NULL)
			return 1;
		if (store_begin(s) != STORE_OK ||
		    staff_add(s, o.name, o.role, area, o.phone, clock_now(),
		    &id) != STORE_OK ||
		    staff_bind_code(s, id, clock_now(), code) != STORE_OK)
			goto fail;
		(void)snprintf(detail, sizeof detail, "staff %lld (%.64s, %s)",
		    (long long)id, o.name, o.role);
		if (audit_add_area(s, "cli", "staff add", detail, area,
		    clock_now()) != STORE_OK || store_commit(s) != STORE_OK)
			goto fail;
		printf("工作人员 staff %lld: %s (%s)\n绑定码 bind code: %s "
		    "(24 小时内有效 valid 24 h; send: 绑定 %s)\n", (long long)id,
		    o.name, o.role, code, code);
	} else if (strcmp(argv[k], "code") == 0) {
		if ((s = admin_open(cli, &o, NULL)) == NULL)
			return 1;
		if (o.id <= 0 || staff_get(s, o.id, &list[0]) != STORE_OK) {
			fprintf(stderr, "fangfei: no staff --id %ld\n", o.id);
			store_close(s);
			return 1;
		}
		if (!list[0].active) {
			fprintf(stderr, "fangfei: %s 已停用 is disabled "
			    "(fangfei staff enable --id %ld)\n", list[0].name,
			    o.id);
			store_close(s);
			return 1;
		}
		(void)snprintf(detail, sizeof detail, "staff %ld (%.64s)", o.id,
		    list[0].name);
		if (store_begin(s) != STORE_OK ||
		    staff_bind_code(s, o.id, clock_now(), code) != STORE_OK ||
		    audit_add_area(s, "cli", "bind code", detail,
		    list[0].area_id, clock_now()) != STORE_OK ||
		    store_commit(s) != STORE_OK)
			goto fail;
		printf("绑定码 bind code for %s: %s (24 h; earlier codes are "
		    "cancelled)\n", list[0].name, code);
	} else if (strcmp(argv[k], "login-link") == 0) {
		if ((s = admin_open(cli, &o, NULL)) == NULL)
			return 1;
		if (o.id <= 0 || staff_get(s, o.id, &list[0]) != STORE_OK) {
			fprintf(stderr, "fangfei: no staff --id %ld\n", o.id);
			store_close(s);
			return 1;
		}
		console_base(&cli->cfg, base, sizeof base);
		(void)snprintf(detail, sizeof detail, "by cli for staff %ld", o.id);
		if (store_begin(s) != STORE_OK ||
		    (link = console_login_link(s, base, o.id, clock_now(),
		    &st)) == NULL || audit_add_area(s, "cli", "console link",
		    detail, list[0].area_id, clock_now()) != STORE_OK ||
		    store_commit(s) != STORE_OK) {
			free(link);
			if (st == STORE_NOT_FOUND) {
				fprintf(stderr, "fangfei: 工作人员已停用 "
				    "staff %ld is disabled\n", o.id);
				store_rollback(s);
				store_close(s);
				return 1;
			}
			goto fail;
		}
		/* Only the link on stdout, for scripts; it is a secret. */
		printf("%s\n", link);
		fprintf(stderr, "工作台登录链接 sign-in link for %s: one use, "
		    "%d minutes\n", list[0].name, LOGIN_LINK_TTL / 60);
		OPENSSL_cleanse(link, strlen(link));
		free(link);
	} else if (strcmp(argv[k], "disable") == 0 ||
	    strcmp(argv[k], "enable") == 0) {
		return cli_staff_active(cli, &o, argv[k][0] == 'e');
	} else if (strcmp(argv[k], "list") == 0) {
		if ((s = admin_open(cli, &o, NULL)) == NULL)
			return 1;
		do {
			if (staff_list(s, after, list, 100, &n) != STORE_OK)
				goto fail;
			for (i = 0; i < n; i++)
				printf("%lld\t%s\t%s\t%s%s\n",
				    (long long)list[i].id, list[i].name,
				    list[i].role, list[i].area_path,
				    list[i].active ? "" : "\t已停用 disabled");
			after = n > 0 ? list[n - 1].id : after;
		} while (n == 100);
	} else {
		fputs(usage_staff, stderr);
		return 2;
	}
	rc = 0;
	store_close(s);
	return rc;
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	store_rollback(s);
	store_close(s);
	return 1;
}

static const char usage_group[] =
"用法 usage: fangfei group add --name NAME --area PATH --kind KIND\n"
"                --robot dingtalk|wecom|feishu --webhook URL [--secret S]\n"
"            fangfei group list [--area PATH]\n"
"KIND: building 楼宇群 | community 社区群 | grid_worker 网格员群 | police 警务群\n"
"add: registers an outbound-only group robot (or updates the one of that\n"
"     type and name in that area); warnings to the area reach it. The\n"
"     webhook must be https (http with [delivery] allow_http = on) and not\n"
"     on a loopback, private or link-local address (allow_private_targets).\n"
"list: where warnings go: id, area, kind, channel or robot, webhook host.\n"
"Chat groups the bot is in are attached from the chat: 绑定群 <区域> <类型>.\n";

/* fangfei group list: the groups, never a webhook's key or secret. */
static int
cli_group_list(struct cli *cli, const struct admin_opts *o)
{
	struct group_entry	*g = xcalloc(100, sizeof *g);
	struct store		*s;
	int64_t			 area = 0, after = 0;
	size_t			 n, i;
	int			 rc = 1;

	if ((s = admin_open(cli, o, o->area != NULL ? &area : NULL)) == NULL) {
		free(g);
		return 1;
	}
	do {
		if (groups_list(s, area, after, g, 100, &n) != STORE_OK) {
			fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
			goto out;
		}
		for (i = 0; i < n; i++)
			printf("%lld\t%s\t%s\t%s\t%s\t%s\n",
			    (long long)g[i].id, g[i].area_path, g[i].kind,
			    g[i].channel, g[i].name,
			    g[i].host[0] ? g[i].host : "-");
		after = n > 0 ? g[n - 1].id : after;
	} while (n == 100);
	rc = 0;
out:
	store_close(s);
	free(g);
	return rc;
}

/* fangfei group add|list */
int
cli_group(struct cli *cli, int argc, char **argv)
{
	struct admin_opts	 o;
	const struct channel_backend *b;
	struct store		*s;
	char			 why[256], detail[192];
	int64_t			 area, id;
	int			 k;

	if ((k = admin_options(cli, argc, argv, usage_group, &o)) == -1 ||
	    k >= argc) {
		fputs(usage_group, stderr);
		return 2;
	}
	if (strcmp(argv[k], "list") == 0)
		return cli_group_list(cli, &o);
	if (strcmp(argv[k], "add") != 0 || o.name == NULL ||
	    !group_kind_valid(o.kind) || o.robot == NULL ||
	    (b = robot_backend_lookup(o.robot)) == NULL ||
	    o.webhook == NULL) {
		fputs(usage_group, stderr);
		return 2;
	}
	if (target_check_url(o.webhook, cli->cfg.allow_http,
	    cli->cfg.allow_private_targets, why, sizeof why) == -1) {
		fprintf(stderr, "fangfei: %s\n", why);
		return 1;
	}
	if ((s = admin_open(cli, &o, &area)) == NULL)
		return 1;
	(void)snprintf(detail, sizeof detail, "%s robot %.64s (%s)", o.robot,
	    o.name, o.kind);
	if (store_begin(s) != STORE_OK || groups_add_robot(s, o.robot, o.name,
	    area, o.kind, o.webhook, o.secret, clock_now(), &id) != STORE_OK ||
	    audit_add_area(s, "cli", "group add", detail, area, clock_now()) !=
	    STORE_OK || store_commit(s) != STORE_OK) {
		fprintf(stderr, "fangfei: %s (the webhook must be an http(s) "
		    "URL)\n", store_errmsg(s));
		store_rollback(s);
		store_close(s);
		return 1;
	}
	printf("群 group %lld: %s robot \"%s\" (%s) in %s\n", (long long)id,
	    o.robot, o.name, o.kind, o.area);
	store_close(s);
	return 0;
}

static const char usage_token[] =
"用法 usage: fangfei token create --role office|admin --area PATH [--label L]\n"
"                [--expires-days N | --expires YYYY-MM-DD]\n"
"            fangfei token list\n"
"            fangfei token revoke --id ID\n"
"create: prints a bearer token for the HTTP API (/api/v1/…); it is stored\n"
"        hashed and shown only this once. An expiring token stops working\n"
"        at that time (--expires: at the start of that day, local time).\n"
"list:   id, role, area, label, created, expires, revoked (never a token).\n";

/* Parses "YYYY-MM-DD" as the start of that day in local time (utc_offset
 * seconds east); -1 if malformed. */
static time_t
cli_parse_day(const char *s, int utc_offset)
{
	struct tm	 tm;
	int		 y, m, d;
	char		 extra;

	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
	    y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return timegm(&tm) - utc_offset;
}

/* Writes t as local "YYYY-MM-DD HH:MM", or "-" for 0. */
static void
cli_time(time_t t, int utc_offset, char out[32])
{
	struct tm	 tm;
	time_t		 local = t + utc_offset;

	if (t == 0) {
		(void)snprintf(out, 32, "-");
		return;
	}
	gmtime_r(&local, &tm);
	(void)strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* fangfei token list */
static int
cli_token_list(struct cli *cli, const struct admin_opts *o)
{
	struct token_info	*t = xcalloc(100, sizeof *t);
	struct store		*s;
	char			 c[32], e[32], r[32];
	int64_t			 after = 0;
	size_t			 n, i;
	int			 rc = 1;

	if ((s = admin_open(cli, o, NULL)) == NULL) {
		free(t);
		return 1;
	}
	do {
		if (tokens_list(s, after, t, 100, &n) != STORE_OK) {
			fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
			goto out;
		}
		for (i = 0; i < n; i++) {
			cli_time(t[i].created_at, cli->cfg.utc_offset, c);
			cli_time(t[i].expires_at, cli->cfg.utc_offset, e);
			cli_time(t[i].revoked_at, cli->cfg.utc_offset, r);
			printf("%lld\t%s\t%s\t%s\tcreated %s\texpires %s\t"
			    "revoked %s\n", (long long)t[i].id, t[i].role,
			    t[i].area_path, t[i].label[0] ? t[i].label : "-",
			    c, e, r);
		}
		after = n > 0 ? t[n - 1].id : after;
	} while (n == 100);
	rc = 0;
out:
	store_close(s);
	free(t);
	return rc;
}

/* fangfei token revoke --id N */
static int
cli_token_revoke(struct cli *cli, const struct admin_opts *o)
{
	struct store		*s;
	enum store_status	 st;
	char			 detail[32];

	if (o->id <= 0) {
		fputs(usage_token, stderr);
		return 2;
	}
	if ((s = admin_open(cli, o, NULL)) == NULL)
		return 1;
	(void)snprintf(detail, sizeof detail, "token %ld", o->id);
	if (store_begin(s) != STORE_OK)
		goto fail;
	if ((st = tokens_revoke(s, o->id, clock_now())) == STORE_NOT_FOUND) {
		store_rollback(s);
		store_close(s);
		fprintf(stderr, "fangfei: no live token --id %ld\n", o->id);
		return 1;
	}
	if (st != STORE_OK || audit_add(s, "cli", "token revoke", detail,
	    clock_now()) != STORE_OK || store_commit(s) != STORE_OK)
		goto fail;
	printf("令牌已吊销 token %ld revoked\n", o->id);
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	store_rollback(s);
	store_close(s);
	return 1;
}

/* fangfei token create|list|revoke */
int
cli_token(struct cli *cli, int argc, char **argv)
{
	struct admin_opts	 o;
	struct store		*s;
	char			 text[TOKEN_TEXT_LEN + 1], detail[192];
	int64_t			 area;
	time_t			 now = clock_now(), expires = 0;
	int			 k;

	if ((k = admin_options(cli, argc, argv, usage_token, &o)) == -1 ||
	    k >= argc) {
		fputs(usage_token, stderr);
		return 2;
	}
	if (strcmp(argv[k], "list") == 0)
		return cli_token_list(cli, &o);
	if (strcmp(argv[k], "revoke") == 0)
		return cli_token_revoke(cli, &o);
	if (strcmp(argv[k], "create") != 0 || o.role == NULL ||
	    (strcmp(o.role, "office") != 0 && strcmp(o.role, "admin") != 0) ||
	    o.expires_days < 0 || (o.expires != NULL && o.expires_days > 0)) {
		fputs(usage_token, stderr);
		return 2;
	}
	if (o.expires_days > 0)
		expires = now + (time_t)o.expires_days * 86400;
	else if (o.expires != NULL &&
	    ((expires = cli_parse_day(o.expires, cli->cfg.utc_offset)) == -1 ||
	    expires <= now)) {
		fprintf(stderr, "fangfei: --expires wants a future date "
		    "YYYY-MM-DD\n");
		return 2;
	}
	if ((s = admin_open(cli, &o, &area)) == NULL)
		return 1;
	(void)snprintf(detail, sizeof detail, "%s token %.64s", o.role,
	    o.label ? o.label : "");
	if (store_begin(s) != STORE_OK || tokens_create_until(s, o.role, area,
	    o.label, now, expires, text) != STORE_OK ||
	    audit_add_area(s, "cli", "token create", detail, area, now) !=
	    STORE_OK || store_commit(s) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		store_rollback(s);
		store_close(s);
		return 1;
	}
	printf("%s\n", text);
	store_close(s);
	return 0;
}

static const char usage_audit[] =
"用法 usage: fangfei audit list [--action A] [--since YYYY-MM-DD] [--limit N]\n"
"            [--area PATH]\n"
"审计日志 the audit log, newest first: binds and failed bind attempts (by\n"
"channel and user id; never a code), staff, groups, tokens, warnings.\n"
"--limit: at most N entries (default 50); --area: entries in that subtree.\n";

/* fangfei audit list */
int
cli_audit(struct cli *cli, int argc, char **argv)
{
	struct admin_opts	 o;
	struct audit_filter	 f;
	struct audit_entry	*e = NULL;
	struct store		*s;
	char			 when[32];
	int64_t			 area = 0;
	size_t			 n, i, want;
	int			 k;

	if ((k = admin_options(cli, argc, argv, usage_audit, &o)) == -1 ||
	    k + 1 != argc || strcmp(argv[k], "list") != 0 || o.limit < 0) {
		fputs(usage_audit, stderr);
		return 2;
	}
	memset(&f, 0, sizeof f);
	f.action = o.action;
	if (o.since != NULL &&
	    (f.since = cli_parse_day(o.since, cli->cfg.utc_offset)) == -1) {
		fputs(usage_audit, stderr);
		return 2;
	}
	want = o.limit > 0 ? (size_t)o.limit : 50;
	if (want > 100000)
		want = 100000;
	if ((s = admin_open(cli, &o, o.area != NULL ? &area : NULL)) == NULL)
		return 1;
	f.scope = area;
	e = xcalloc(want, sizeof *e);
	if (audit_list(s, &f, e, want, &n) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		store_close(s);
		free(e);
		return 1;
	}
	for (i = 0; i < n; i++) {
		cli_time(e[i].at, cli->cfg.utc_offset, when);
		printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)e[i].id,
		    when, e[i].actor, e[i].action,
		    e[i].area_path[0] ? e[i].area_path : "-",
		    e[i].detail[0] ? e[i].detail : "-");
	}
	store_close(s);
	free(e);
	return 0;
}

static const char usage_broadcast[] =
"用法 usage: fangfei broadcast --area PATH [--kinds building,community,sms]\n"
"                          [--preview] TEXT\n"
"Queues TEXT to every group of those kinds under the area and, with sms,\n"
"to every registered phone number there that has not opted out (fangfei\n"
"import phones); a running fangfei serve delivers it (within a few\n"
"seconds). --preview only says how many groups and numbers it would reach\n"
"and how many SMS parts it costs.\n";

/* Fills b's SMS fields when its kinds name sms (the channel that sends
 * them, from the config) and *parts with what text costs one number;
 * -1 after saying why it cannot. */
int
cli_broadcast_sms(struct cli *cli, struct broadcast_new *b, int *parts)
{
	const struct channel	*ch;
	char			*cause = NULL, *k, *tok, *save = NULL;
	int			 sms = 0;

	*parts = 0;
	k = xstrdup(b->kinds);
	for (tok = strtok_r(k, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!broadcast_kind_valid(tok)) {
			fprintf(stderr, "fangfei: 未知类型 unknown kind \"%s\" "
			    "(building, community, grid_worker, police, sms)\n",
			    tok);
			free(k);
			return -1;
		}
		if (strcmp(tok, BROADCAST_SMS) == 0)
			sms = 1;
	}
	free(k);
	if (!sms)
		return 0;
	if (config_check(&cli->cfg, &cause) == -1) {
		fprintf(stderr, "fangfei: %s\n", cause);
		free(cause);
		return -1;
	}
	if (cli->cfg.sms_channel == NULL ||
	    (ch = config_channel(&cli->cfg, cli->cfg.sms_channel)) == NULL) {
		fprintf(stderr, "fangfei: 没有能发送短信的通道 no channel can "
		    "send SMS (a [channel.NAME] of type kannel with sendsms_url, "
		    "or twilio)\n");
		return -1;
	}
	b->sms_channel = ch->name;
	*parts = sms_cost(b->sms_text != NULL ? b->sms_text : b->text,
	    channel_sms_parts(ch), NULL);
	return 0;
}

/* Prints whom a broadcast reaches and what its SMS cost. */
void
cli_print_reach(const struct broadcast_reach *r, int parts)
{
	printf("%ld 个群 groups", r->groups);
	if (parts > 0)
		printf("，%ld 个手机号 numbers（每号 %d 条短信 SMS parts each，"
		    "共 %ld 条 in all）", r->numbers, parts, r->numbers * parts);
}

/* fangfei broadcast --area PATH TEXT */
int
cli_broadcast(struct cli *cli, int argc, char **argv)
{
	struct admin_opts	 o;
	struct broadcast_new	 b;
	struct broadcast_reach	 r;
	struct store		*s;
	int64_t			 area, id;
	int			 k, parts;
	enum store_status	 st;

	if ((k = admin_options(cli, argc, argv, usage_broadcast, &o)) == -1 ||
	    k != argc - 1) {
		fputs(usage_broadcast, stderr);
		return 2;
	}
	memset(&b, 0, sizeof b);
	b.kinds = o.kinds ? o.kinds : "building,community";
	b.text = argv[k];
	b.by = "cli";
	if (cli_broadcast_sms(cli, &b, &parts) == -1)
		return 1;
	if ((s = admin_open(cli, &o, &area)) == NULL)
		return 1;
	b.area = area;
	if (o.preview) {
		if ((st = broadcasts_preview(s, &b, &r)) != STORE_OK) {
			fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
			store_close(s);
			return 1;
		}
		printf("预览 preview: ");
		cli_print_reach(&r, parts);
		printf("\n");
		store_close(s);
		return 0;
	}
	if (store_begin(s) != STORE_OK || broadcasts_create(s, &b, clock_now(),
	    &id, &r) != STORE_OK || store_commit(s) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		store_rollback(s);
		store_close(s);
		return 1;
	}
	printf("预警 broadcast %lld: ", (long long)id);
	cli_print_reach(&r, parts);
	printf("\n");
	store_close(s);
	return 0;
}

static const char usage_notice[] =
"用法 usage: fangfei notice add --issue N --date YYYY-MM-DD [--title T] FILE.csv\n"
"            fangfei notice publish --issue N [--area PATH [--kinds K,…]]\n"
"add: 通告草稿 a draft notice; FILE.csv has uscc,name,measure (or 统一社会\n"
"     信用代码,企业名称,处置措施); companies join the registry but are not\n"
"     flagged in checks until the notice is published.\n"
"publish: flags them in checks; with --area, also posts the formatted notice\n"
"     to that area's building and community groups.\n";

/* Formats a notice for the groups; the caller frees it. */
static char *
notice_text(const struct notice_info *ni, const char *hotline)
{
	struct buf	 b;
	char		 issue[16], n[24];
	size_t		 i;
	struct msg_var	 head[] = {
		{ "issue", issue }, { "title", ni->title }, { "date", ni->date },
		{ "hotline", hotline }, { NULL, NULL }
	};

	buf_init(&b, 4000);
	(void)snprintf(issue, sizeof issue, "%d", ni->issue);
	(void)msg_render(&b, LOCALE_ZH, MSG_NOTICE_HEAD, head);
	for (i = 0; i < ni->n; i++) {
		struct msg_var item[] = {
			{ "n", n }, { "name", ni->entries[i].name },
			{ "uscc", ni->entries[i].uscc ? ni->entries[i].uscc :
			    "—" },
			{ "measure", msg_template(LOCALE_ZH,
			    msg_measure_key(ni->entries[i].measure)) },
			{ NULL, NULL }
		};
		(void)snprintf(n, sizeof n, "%zu", i + 1);
		(void)buf_adds(&b, "\n");
		if (msg_render(&b, LOCALE_ZH, MSG_NOTICE_ITEM, item) == -1)
			break;	/* the rest is in the registry, by 查询 */
	}
	(void)buf_adds(&b, "\n");
	(void)msg_render(&b, LOCALE_ZH, MSG_NOTICE_FOOT, head);
	return buf_steal(&b);
}

/* fangfei notice add|publish */
int
cli_notice(struct cli *cli, int argc, char **argv)
{
	struct admin_opts	 o;
	struct import_notice	 in;
	struct import_stats	 st;
	struct notice_info	 ni;
	struct store		*s;
	char			*cause = NULL, *text;
	int64_t			 area = 0, nid, bid;
	struct broadcast_new	 b;
	struct broadcast_reach	 reach;
	FILE			*f;
	int			 k, rc = 1, parts = 0;

	if ((k = admin_options(cli, argc, argv, usage_notice, &o)) == -1 ||
	    k >= argc || o.id <= 0) {
		fputs(usage_notice, stderr);
		return 2;
	}
	if (strcmp(argv[k], "add") == 0) {
		if (k + 2 != argc || o.date == NULL) {
			fputs(usage_notice, stderr);
			return 2;
		}
		if ((f = fopen(argv[k + 1], "r")) == NULL) {
			perror(argv[k + 1]);
			return 1;
		}
		if ((s = admin_open(cli, &o, NULL)) == NULL) {
			fclose(f);
			return 1;
		}
		in.issue = (int)o.id;
		in.date = o.date;
		in.title = o.name;
		if (import_csv(s, IMPORT_ENTERPRISES, f, argv[k + 1], stderr,
		    clock_now(), &in, "cli", &st, &cause) == -1) {
			fprintf(stderr, "fangfei: %s\n", cause);
			free(cause);
		} else {
			printf("通告草稿 draft notice %ld: %ld 家企业 companies；"
			    "拒绝 rejected %ld (publish: fangfei notice publish "
			    "--issue %ld)\n", o.id, st.flagged, st.rejected, o.id);
			rc = st.rejected > 0 ? 1 : 0;
		}
		fclose(f);
		store_close(s);
		return rc;
	}
	if (strcmp(argv[k], "publish") != 0 || k + 1 != argc) {
		fputs(usage_notice, stderr);
		return 2;
	}
	if ((s = admin_open(cli, &o, o.area ? &area : NULL)) == NULL)
		return 1;
	if (store_begin(s) != STORE_OK)
		goto fail;
	switch (notices_publish(s, (int)o.id, clock_now(), &nid)) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		store_rollback(s);
		fprintf(stderr, "fangfei: 没有第 %ld 期通告 no notice %ld\n",
		    o.id, o.id);
		store_close(s);
		return 1;
	default:
		goto fail;
	}
	if (area != 0) {
		if (notices_get(s, (int)o.id, &ni) != STORE_OK)
			goto fail;
		text = notice_text(&ni, cli->cfg.hotline);
		notice_info_clear(&ni);
		memset(&b, 0, sizeof b);
		b.area = area;
		b.kinds = o.kinds ? o.kinds : "building,community";
		b.text = text;
		b.by = "cli";
		b.notice = nid;
		if (cli_broadcast_sms(cli, &b, &parts) == -1) {
			free(text);
			store_rollback(s);
			store_close(s);
			return 1;
		}
		if (broadcasts_create(s, &b, clock_now(), &bid, &reach) !=
		    STORE_OK) {
			free(text);
			goto fail;
		}
		free(text);
	}
	if (audit_add(s, "cli", "notice publish", argv[k], clock_now()) !=
	    STORE_OK || store_commit(s) != STORE_OK)
		goto fail;
	printf("第 %ld 期通告已发布 notice %ld published", o.id, o.id);
	if (area != 0) {
		printf("；预警 broadcast %lld: ", (long long)bid);
		cli_print_reach(&reach, parts);
	}
	printf("\n");
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	store_rollback(s);
	store_close(s);
	return 1;
}

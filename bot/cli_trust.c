/*
 * The office's commands for what keeps reporters' trust: rewards (fangfei
 * reward set|stage|paid|list|stats), the custodian duty of the
 * two-person reveal (fangfei staff custodian) and forgetting the
 * reporters of long-closed tips (fangfei tips forget). Every change is
 * an audit entry by "cli".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cli.h"
#include "storage/areas.h"
#include "storage/ledger.h"
#include "storage/reveals.h"
#include "storage/rewards.h"
#include "storage/staff.h"

#define CLI_REWARDS_PAGE	100

static const char usage_reward[] =
"用法 usage: fangfei reward set --tip REF --eligible yes|no [--reason TEXT]\n"
"            fangfei reward stage --tip REF --stage 1|2 --yuan N\n"
"            fangfei reward paid --tip REF\n"
"            fangfei reward list [--year Y] [--area PATH]\n"
"            fangfei reward stats --year Y [--area PATH]\n"
"\n"
"举报奖励。A reward needs a reporter who can be contacted (not anonymous),\n"
"was not known before (no earlier tip of theirs about the same enterprise)\n"
"and a confirmed tip; --eligible yes is refused with the rule that fails.\n"
"Stage 1 is paid on opening a case (confirmed), stage 2 on disposal.\n"
"Totals are per year of the tip and per area. Every change is a tip event\n"
"and an audit entry.\n";

static const char usage_custodian[] =
"用法 usage: fangfei staff custodian --id N on|off\n"
"\n"
"保管人 The custodian approves or refuses requests to see a reporter\n"
"(批准 / 拒绝 in chat); never their own request.\n";

static const char usage_forget[] =
"用法 usage: fangfei tips forget [--config FILE] [--db PATH]\n"
"\n"
"Closed tips older than [tips] forget_reporter_days lose their reporter\n"
"now (the daemon does it every minute); prints how many.\n";

struct trust_opts {
	const char	*tip, *eligible, *reason, *area, *db;
	long		 stage, yuan, year, id;
	int		 yuan_set;
};

/* Parses a whole decimal number into *v; -1 if it is not one. */
static int
trust_number(const char *s, long *v)
{
	char	*end;

	if (s == NULL || *s == '\0')
		return -1;
	*v = strtol(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/* Parses the options; returns the first operand or -1. */
static int
trust_options(struct cli *cli, int argc, char **argv, const char *usage,
    struct trust_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "tip", required_argument, NULL, 't' },
		{ "eligible", required_argument, NULL, 'e' },
		{ "reason", required_argument, NULL, 'r' },
		{ "stage", required_argument, NULL, 's' },
		{ "yuan", required_argument, NULL, 'y' },
		{ "year", required_argument, NULL, 'Y' },
		{ "area", required_argument, NULL, 'a' },
		{ "id", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 c, bad = 0;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli->config_path = optarg; break;
		case 'd': o->db = optarg; break;
		case 't': o->tip = optarg; break;
		case 'e': o->eligible = optarg; break;
		case 'r': o->reason = optarg; break;
		case 'a': o->area = optarg; break;
		case 's': bad |= trust_number(optarg, &o->stage); break;
		case 'y':
			bad |= trust_number(optarg, &o->yuan);
			o->yuan_set = 1;
			break;
		case 'Y': bad |= trust_number(optarg, &o->year); break;
		case 'i': bad |= trust_number(optarg, &o->id); break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			bad = 1;
		}
	}
	if (bad) {
		fputs(usage, stderr);
		return -1;
	}
	if (cli_setup(cli, o->db) == -1)
		exit(1);
	return optind;
}

/* Opens the store with the key (rewards read sealed reporters' rows). */
static struct store *
trust_open(struct cli *cli)
{
	uint8_t	 key[STORE_KEY_LEN];

	if (cli_key(cli, key) == -1)
		return NULL;
	return cli_store(cli, key);
}

/* Prints yuan, or "-" when not set. */
static void
trust_yuan(long v)
{
	if (v < 0)
		printf("\t-");
	else
		printf("\t%ld", v);
}

/* reward list: one line per reward. */
static int
trust_list(struct store *s, const struct trust_opts *o, int64_t area,
    int utc_offset)
{
	static struct reward_row	 rows[CLI_REWARDS_PAGE];
	int64_t				 after = 0;
	size_t				 n, i;

	printf("tip\tarea\teligible\tstage1_yuan\tstage2_yuan\tpaid\treason\n");
	do {
		if (rewards_list(s, (int)o->year, area, utc_offset, after, rows,
		    CLI_REWARDS_PAGE, &n) != STORE_OK)
			return -1;
		for (i = 0; i < n; i++) {
			printf("%s\t%s\t%s", rows[i].ref, rows[i].area_path,
			    rows[i].eligible ? "yes" : "no");
			trust_yuan(rows[i].stage1_yuan);
			trust_yuan(rows[i].stage2_yuan);
			printf("\t%s\t%s\n", rows[i].paid_at ? "yes" : "no",
			    rows[i].reason);
		}
		after = n > 0 ? rows[n - 1].tip_id : after;
	} while (n == CLI_REWARDS_PAGE);
	return 0;
}

/* reward stats: totals per year and area. */
static int
trust_stats(struct store *s, const struct trust_opts *o, int64_t area,
    int utc_offset)
{
	static struct reward_total	 rows[1000];
	size_t				 n, i;
	long long			 yuan = 0, paid = 0;
	int				 more;

	if (rewards_stats(s, (int)o->year, area, utc_offset, rows,
	    sizeof rows / sizeof rows[0], &n, &more) != STORE_OK)
		return -1;
	printf("year\tarea\ttips\teligible\tpaid\tyuan\tyuan_paid\n");
	for (i = 0; i < n; i++) {
		printf("%d\t%s\t%ld\t%ld\t%ld\t%lld\t%lld\n", rows[i].year,
		    rows[i].area_path[0] != '\0' ? rows[i].area_path : "-",
		    rows[i].tips, rows[i].eligible, rows[i].paid, rows[i].yuan,
		    rows[i].yuan_paid);
		yuan += rows[i].yuan;
		paid += rows[i].yuan_paid;
	}
	if (more) {
		/* A total of some rows would read as the whole. */
		fprintf(stderr, "fangfei: 只列出前 %zu 行，未计合计；请用 "
		    "--area 缩小范围 only the first %zu rows, so no total: "
		    "narrow it with --area\n", n, n);
		return 0;
	}
	printf("合计 total\t\t\t\t\t%lld\t%lld\n", yuan, paid);
	return 0;
}

/* reward set|stage|paid: one change in one transaction. */
static int
trust_change(struct store *s, const char *verb, const struct trust_opts *o)
{
	struct tip_row		 t;
	enum reward_verdict	 v = REWARD_OK;
	enum store_status	 st;
	int			 yes;

	memset(&t, 0, sizeof t);
	if (o->tip == NULL || tips_get(s, o->tip, &t) != STORE_OK) {
		fprintf(stderr, "fangfei: 没有这条线索 no tip \"%s\"\n",
		    o->tip != NULL ? o->tip : "");
		return 1;
	}
	if (store_begin(s) != STORE_OK)
		goto fail;
	if (strcmp(verb, "set") == 0) {
		yes = strcmp(o->eligible, "yes") == 0;
		st = rewards_set(s, t.id, yes, o->reason, "cli", clock_now(), &v);
	} else if (strcmp(verb, "stage") == 0)
		st = rewards_stage(s, t.id, (int)o->stage, o->yuan, "cli",
		    clock_now(), &v);
	else
		st = rewards_paid(s, t.id, "cli", clock_now(), &v);
	if (st == STORE_INVALID) {
		store_rollback(s);
		fprintf(stderr, "fangfei: 理由过长 the reason is over %d "
		    "characters\n", REWARD_REASON_MAX);
		tip_row_clear(&t);
		return 1;
	}
	if (st != STORE_OK || store_commit(s) != STORE_OK)
		goto fail;
	if (v != REWARD_OK) {
		/* An anonymous tip was marked not eligible meanwhile. */
		fprintf(stderr, "fangfei: 拒绝 refused: %s\n",
		    reward_strerror(v));
		tip_row_clear(&t);
		return 1;
	}
	printf("%s: reward %s ok\n", t.ref, verb);
	tip_row_clear(&t);
	return 0;
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	store_rollback(s);
	tip_row_clear(&t);
	return 1;
}

/* fangfei reward … */
int
cli_reward(struct cli *cli, int argc, char **argv)
{
	struct trust_opts	 o;
	struct store		*s;
	const char		*verb;
	int64_t			 area = 0;
	int			 k, rc;

	if ((k = trust_options(cli, argc, argv, usage_reward, &o)) == -1 ||
	    k != argc - 1) {
		fputs(usage_reward, stderr);
		return 2;
	}
	verb = argv[k];
	if ((strcmp(verb, "set") == 0 && (o.eligible == NULL ||
	    (strcmp(o.eligible, "yes") != 0 && strcmp(o.eligible, "no") != 0))) ||
	    (strcmp(verb, "stage") == 0 && ((o.stage != 1 && o.stage != 2) ||
	    !o.yuan_set)) || (strcmp(verb, "stats") == 0 && o.year <= 0) ||
	    (strcmp(verb, "set") != 0 && strcmp(verb, "stage") != 0 &&
	    strcmp(verb, "paid") != 0 && strcmp(verb, "list") != 0 &&
	    strcmp(verb, "stats") != 0)) {
		fputs(usage_reward, stderr);
		return 2;
	}
	if ((s = trust_open(cli)) == NULL)
		return 1;
	if (o.area != NULL && areas_find(s, o.area, &area) != STORE_OK) {
		fprintf(stderr, "fangfei: 区域不存在或不唯一 no single area "
		    "matches \"%s\"\n", o.area);
		store_close(s);
		return 1;
	}
	if (strcmp(verb, "list") == 0 || strcmp(verb, "stats") == 0) {
		rc = (strcmp(verb, "list") == 0 ? trust_list(s, &o, area,
		    cli->cfg.utc_offset) : trust_stats(s, &o, area,
		    cli->cfg.utc_offset)) == 0 ? 0 : 1;
		if (rc != 0)
			fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	} else
		rc = trust_change(s, verb, &o);
	store_close(s);
	return rc;
}

/* fangfei staff custodian --id N on|off */
int
cli_custodian(struct cli *cli, int argc, char **argv)
{
	struct trust_opts	 o;
	struct staff_info	 who;
	struct store		*s;
	char			 detail[192];
	int			 k, on;

	/* argv[1] is "custodian". */
	if ((k = trust_options(cli, argc - 1, argv + 1, usage_custodian,
	    &o)) == -1 || k != argc - 2 || o.id <= 0 ||
	    (strcmp(argv[k + 1], "on") != 0 && strcmp(argv[k + 1], "off") != 0)) {
		fputs(usage_custodian, stderr);
		return 2;
	}
	on = strcmp(argv[k + 1], "on") == 0;
	if ((s = trust_open(cli)) == NULL)
		return 1;
	if (staff_get(s, o.id, &who) != STORE_OK) {
		fprintf(stderr, "fangfei: no staff --id %ld\n", o.id);
		store_close(s);
		return 1;
	}
	(void)snprintf(detail, sizeof detail, "staff %ld (%.64s): %s", o.id,
	    who.name, on ? "on" : "off");
	if (store_begin(s) != STORE_OK ||
	    staff_set_custodian(s, o.id, on) != STORE_OK ||
	    audit_add_area(s, "cli", "custodian", detail, who.area_id,
	    clock_now()) != STORE_OK || store_commit(s) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		store_rollback(s);
		store_close(s);
		return 1;
	}
	printf("保管人 custodian %s: %s\n", who.name, on ? "on" : "off");
	store_close(s);
	return 0;
}

/* fangfei tips forget */
int
cli_tips_forget(struct cli *cli, int argc, char **argv)
{
	struct trust_opts	 o;
	struct store		*s;
	long			 n = 0;
	int			 k;

	if ((k = trust_options(cli, argc - 1, argv + 1, usage_forget,
	    &o)) == -1 || k != argc - 1) {
		fputs(usage_forget, stderr);
		return 2;
	}
	if ((s = trust_open(cli)) == NULL)
		return 1;
	if (tips_forget(s, cli->cfg.tip_forget_days, clock_now(), &n) !=
	    STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		store_close(s);
		return 1;
	}
	printf("%ld 条线索已删除举报人 tip(s) forgot their reporter\n", n);
	store_close(s);
	return 0;
}

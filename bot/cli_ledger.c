/* fangfei ledger export|stats: the ledger (台账) and its yearly figures. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cli.h"
#include "ledger_out.h"
#include "messages/buf.h"
#include "storage/areas.h"
#include "storage/ledger_stats.h"
#include "storage/staff.h"

/* A rendered line of the export stays below this (a tip's text is far
 * shorter); one that does not fit fails the export. */
#define LEDGER_LINE_MAX	(1024 * 1024)

static const char usage_ledger[] =
"用法 usage: fangfei ledger export [--area PATH] [--state S,S…]\n"
"                 [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
"                 [--format csv|json] [--out FILE]\n"
"            fangfei ledger stats [--year YYYY] [--area PATH] [--csv]\n"
"export: 台账 one row per tip, newest first (never who reported it): CSV\n"
"        (default; UTF-8 with a BOM, opens in Excel and WPS) or JSON, to\n"
"        FILE or standard output. --state: received, assigned, verifying,\n"
"        rejected, confirmed, disposing, closed; --since/--until: the days\n"
"        received (both included). Written to the audit log.\n"
"stats:  年度统计 per month and per area under --area (default: the\n"
"        district): received, verified, disposed, closed, average days to\n"
"        close, rewards paid (count and yuan); the year (default this one)\n"
"        and totals. Tab-separated, or CSV with --csv.\n";

struct ledger_opts {
	const char	*db, *area, *state, *since, *until, *format, *out;
	long		 year;
	int		 csv;
};

/* Parses the options; returns the first operand, or -1. */
static int
ledger_options(struct cli *cli, int argc, char **argv, struct ledger_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "area", required_argument, NULL, 'a' },
		{ "state", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "year", required_argument, NULL, 'y' },
		{ "csv", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	int	 c;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli->config_path = optarg; break;
		case 'd': o->db = optarg; break;
		case 'a': o->area = optarg; break;
		case 's': o->state = optarg; break;
		case 'S': o->since = optarg; break;
		case 'U': o->until = optarg; break;
		case 'f': o->format = optarg; break;
		case 'o': o->out = optarg; break;
		case 'y':
			o->year = strtol(optarg, &end, 10);
			if (*end != '\0')
				o->year = -1;
			break;
		case 'V': o->csv = 1; break;
		case 'h':
			fputs(usage_ledger, stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (cli_setup(cli, o->db) == -1)
		return -1;
	return optind;
}

/* Resolves --area (and whether it is a top-level one); prints why not. */
static int
ledger_area(struct store *s, const char *path, int64_t *area, int *top)
{
	char	 full[512];

	*area = 0;
	*top = 0;
	if (path == NULL)
		return 0;
	if (areas_find(s, path, area) != STORE_OK ||
	    areas_path(s, *area, full, sizeof full) != STORE_OK) {
		fprintf(stderr, "fangfei: 区域不存在或不唯一 no single area "
		    "matches \"%s\"\n", path);
		return -1;
	}
	*top = strchr(full, '/') == NULL;
	return 0;
}

/* Where the export's rows go. */
struct ledger_sink {
	FILE		*f;
	struct buf	 b;
	int		 json;
	int		 utc_offset;
	size_t		 n;
};

/* Writes one row and forgets it. */
static int
ledger_sink_row(const struct ledger_export_row *r, void *arg)
{
	struct ledger_sink	*k = arg;
	json_t			*o;
	char			*text;

	buf_reset(&k->b);
	if (k->json) {
		o = ledger_json_row(r, k->utc_offset);
		text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (text == NULL)
			return -1;
		(void)buf_addf(&k->b, "%s%s", k->n > 0 ? ",\n" : "", text);
		free(text);
	} else
		ledger_csv_row(&k->b, r, k->utc_offset);
	k->n++;
	if (k->b.len > 0 && fwrite(k->b.data, 1, k->b.len, k->f) != k->b.len)
		return -1;
	return 0;
}

/* fangfei ledger export */
static int
ledger_export_cmd(struct cli *cli, const struct ledger_opts *o)
{
	struct ledger_query	 q;
	struct ledger_sink	 k;
	struct store		*s = NULL;
	enum store_status	 st;
	char			 detail[256];
	int64_t			 last;
	size_t			 n = 0;
	int			 top, rc = 1;

	memset(&q, 0, sizeof q);
	memset(&k, 0, sizeof k);
	buf_init(&k.b, LEDGER_LINE_MAX);
	k.utc_offset = cli->cfg.utc_offset;
	k.json = o->format != NULL && strcmp(o->format, "json") == 0;
	if ((o->format != NULL && !k.json && strcmp(o->format, "csv") != 0) ||
	    (o->state != NULL && ledger_parse_states(o->state, &q.states) ==
	    -1) || (o->since != NULL && (q.since = ledger_parse_day(o->since,
	    k.utc_offset)) == -1) || (o->until != NULL && (q.until =
	    ledger_parse_day(o->until, k.utc_offset)) == -1)) {
		fputs(usage_ledger, stderr);
		rc = 2;
		goto out;
	}
	if (q.until != 0)
		q.until += 86400;
	/* Nothing here reads a reporter: no key is needed. */
	if ((s = cli_store(cli, NULL)) == NULL ||
	    ledger_area(s, o->area, &q.scope, &top) == -1)
		goto out;
	q.unknown = top;
	if (o->out != NULL && (k.f = fopen(o->out, "w")) == NULL) {
		perror(o->out);
		goto out;
	}
	if (k.f == NULL)
		k.f = stdout;
	if (k.json)
		fputs("[\n", k.f);
	else {
		ledger_csv_header(&k.b);
		(void)fwrite(k.b.data, 1, k.b.len, k.f);
	}
	if ((st = store_begin_read(s)) == STORE_OK) {
		st = ledger_export(s, &q, ledger_sink_row, &k, &n, &last);
		store_end_read(s);
	}
	if (st != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", st == STORE_ERROR &&
		    ferror(k.f) ? "cannot write the export" : store_errmsg(s));
		goto out;
	}
	if (k.json)
		fputs(k.n > 0 ? "\n]\n" : "]\n", k.f);
	if (fflush(k.f) != 0 || ferror(k.f)) {
		fprintf(stderr, "fangfei: cannot write the export\n");
		goto out;
	}
	(void)snprintf(detail, sizeof detail, "%s rows %zu%s%.64s%s%s",
	    k.json ? "json" : "csv", n, o->state ? " state " : "",
	    o->state ? o->state : "", o->since || o->until ? " dated" : "",
	    o->out ? " to a file" : "");
	if (audit_add_area(s, "cli", "ledger export", detail, q.scope,
	    clock_now()) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		goto out;
	}
	if (o->out != NULL)
		fprintf(stderr, "%zu 条线索 tips → %s\n", n, o->out);
	rc = 0;
out:
	if (k.f != NULL && k.f != stdout && fclose(k.f) != 0 && rc == 0) {
		perror(o->out);
		rc = 1;
	}
	buf_free(&k.b);
	if (s != NULL)
		store_close(s);
	return rc;
}

/* Prints one line of the figures, tab-separated. */
static void
ledger_stat_line(const char *area, const char *when,
    const struct ledger_stat *c)
{
	double	 d = ledger_stat_days(c);
	char	 days[32] = "-";

	if (d >= 0)
		(void)snprintf(days, sizeof days, "%.1f", d);
	printf("%s\t%s\t%ld\t%ld\t%ld\t%ld\t%s\t%ld\t%lld\n", area, when,
	    c->received, c->verified, c->disposed, c->closed, days, c->paid,
	    c->paid_yuan);
}

/* The figures as a table. */
static void
ledger_stats_print(const struct ledger_stats *st, int year)
{
	char	 name[600], when[32];
	size_t	 i;
	int	 m;

	printf("区域 area\t月份 month\t受理 received\t核查 verified\t"
	    "处置 disposed\t销号 closed\t平均办结天数 avg_days\t"
	    "奖励发放 rewards_paid\t奖励金额(元) yuan\n");
	for (i = 0; i <= st->nareas; i++) {
		if (i == st->nareas)
			(void)snprintf(name, sizeof name, "合计 total");
		else if (st->areas[i].id == 0)
			(void)snprintf(name, sizeof name, "（未知区域 unknown)");
		else
			(void)snprintf(name, sizeof name, "%s%s",
			    st->areas[i].path, st->areas[i].own ?
			    "（本级 own）" : "");
		for (m = 0; m <= LEDGER_MONTHS; m++) {
			if (m < LEDGER_MONTHS)
				(void)snprintf(when, sizeof when, "%04d-%02d",
				    year, m + 1);
			else
				(void)snprintf(when, sizeof when, "%04d", year);
			ledger_stat_line(name, when, i == st->nareas ?
			    &st->total[m] : &st->areas[i].m[m]);
		}
	}
}

/* fangfei ledger stats */
static int
ledger_stats_cmd(struct cli *cli, const struct ledger_opts *o)
{
	struct ledger_stats	 st;
	struct store		*s = NULL;
	struct buf		 b;
	struct tm		 tm;
	time_t			 bounds[LEDGER_MONTHS + 1];
	time_t			 local = clock_now() + cli->cfg.utc_offset;
	int64_t			 base;
	int			 top, rc = 1;
	long			 year = o->year;

	gmtime_r(&local, &tm);
	if (year == 0)
		year = tm.tm_year + 1900;
	if (ledger_year_bounds((int)year, cli->cfg.utc_offset, bounds) == -1) {
		fputs(usage_ledger, stderr);
		return 2;
	}
	if ((s = cli_store(cli, NULL)) == NULL ||
	    ledger_area(s, o->area, &base, &top) == -1)
		goto out;
	if (o->area == NULL) {
		if (ledger_top_area(s, &base) != STORE_OK) {
			fprintf(stderr, "fangfei: 请用 --area 指定区域 name the "
			    "area with --area (there is no single district)\n");
			goto out;
		}
		top = 1;
	}
	if (ledger_stats(s, base, top, bounds, &st) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		goto out;
	}
	if (o->csv) {
		buf_init(&b, 16 * 1024 * 1024);
		ledger_stats_csv(&b, &st, (int)year);
		(void)fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
	} else
		ledger_stats_print(&st, (int)year);
	ledger_stats_free(&st);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (s != NULL)
		store_close(s);
	return rc;
}

/* fangfei ledger export|stats */
int
cli_ledger(struct cli *cli, int argc, char **argv)
{
	struct ledger_opts	 o;
	int			 k;

	if ((k = ledger_options(cli, argc, argv, &o)) == -1 || k + 1 != argc ||
	    o.year < 0) {
		fputs(usage_ledger, stderr);
		return 2;
	}
	if (strcmp(argv[k], "export") == 0)
		return ledger_export_cmd(cli, &o);
	if (strcmp(argv[k], "stats") == 0)
		return ledger_stats_cmd(cli, &o);
	fputs(usage_ledger, stderr);
	return 2;
}

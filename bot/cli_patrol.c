/* fangfei patrol list|export: weekly patrol coverage per grid. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api_patrols.h"
#include "clock.h"
#include "cli.h"
#include "messages/buf.h"
#include "storage/areas.h"
#include "storage/patrols.h"
#include "storage/staff.h"

#define PATROL_CSV_MAX	(64 * 1024 * 1024)

static const char usage_patrol[] =
"用法 usage: fangfei patrol list [--week YYYY-Www] [--area PATH]\n"
"            fangfei patrol export [--week YYYY-Www] [--area PATH] [--out FILE]\n"
"list:   巡查覆盖 per grid (level 4 area) under --area (default: all) for\n"
"        the ISO week (default: this one, local time): buildings,\n"
"        patrolled, grid workers, and the buildings and workers with no\n"
"        patrol. Tab-separated.\n"
"export: the same as CSV (UTF-8 with a BOM, opens in Excel and WPS) to\n"
"        FILE or standard output. Written to the audit log.\n";

struct patrol_opts {
	const char	*db, *area, *week, *out;
};

/* Parses the options; returns the first operand, or -1. */
static int
patrol_options(struct cli *cli, int argc, char **argv, struct patrol_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "area", required_argument, NULL, 'a' },
		{ "week", required_argument, NULL, 'w' },
		{ "out", required_argument, NULL, 'o' },
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
		case 'a': o->area = optarg; break;
		case 'w': o->week = optarg; break;
		case 'o': o->out = optarg; break;
		case 'h':
			fputs(usage_patrol, stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (cli_setup(cli, o->db) == -1)
		return -1;
	return optind;
}

/* Joins an array's strings (or the key of its objects) with 、. */
static void
patrol_join(const json_t *arr, const char *key)
{
	const json_t	*v;
	const char	*t;
	size_t		 i;

	if (json_array_size(arr) == 0)
		fputs("-", stdout);
	json_array_foreach(arr, i, v) {
		t = json_string_value(key != NULL ? json_object_get(v, key) :
		    v);
		printf("%s%s", i > 0 ? "、" : "", t != NULL ? t : "");
	}
}

/* Prints the coverage as a table. */
static void
patrol_print(const json_t *cov)
{
	const json_t	*g;
	size_t		 i;

	printf("周 week: %s\n", json_string_value(json_object_get(cov,
	    "week")));
	printf("网格 grid\t楼栋数 buildings\t已巡查 patrolled\t网格员 workers\t"
	    "未巡查楼栋 missing\t未巡查网格员 idle\n");
	json_array_foreach(json_object_get(cov, "grids"), i, g) {
		printf("%s\t%lld\t%lld\t%lld\t",
		    json_string_value(json_object_get(g, "grid")),
		    (long long)json_integer_value(json_object_get(g,
		    "buildings")),
		    (long long)json_integer_value(json_object_get(g,
		    "patrolled")),
		    (long long)json_integer_value(json_object_get(g,
		    "workers")));
		patrol_join(json_object_get(g, "missing"), NULL);
		putchar('\t');
		patrol_join(json_object_get(g, "idle_workers"), "name");
		putchar('\n');
	}
	printf("合计 total\t%lld\t%lld\n",
	    (long long)json_integer_value(json_object_get(cov, "buildings")),
	    (long long)json_integer_value(json_object_get(cov, "patrolled")));
}

/* fangfei patrol list|export */
int
cli_patrol(struct cli *cli, int argc, char **argv)
{
	struct patrol_opts	 o;
	struct store		*s = NULL;
	struct buf		 b;
	json_t			*cov = NULL;
	FILE			*f = NULL;
	char			 week[PATROL_WEEK_LEN], detail[128];
	int64_t			 scope = 0;
	time_t			 start;
	int			 i, rc = 1, export;

	buf_init(&b, PATROL_CSV_MAX);
	if ((i = patrol_options(cli, argc, argv, &o)) == -1 || i >= argc ||
	    (strcmp(argv[i], "list") != 0 && strcmp(argv[i], "export") != 0) ||
	    (o.week != NULL && patrol_week_start(o.week, cli->cfg.utc_offset,
	    &start) == -1)) {
		fputs(usage_patrol, stderr);
		rc = 2;
		goto out;
	}
	export = strcmp(argv[i], "export") == 0;
	if (o.week != NULL)
		(void)snprintf(week, sizeof week, "%s", o.week);
	else
		patrol_week(clock_now(), cli->cfg.utc_offset, week);
	/* Nothing here reads a reporter: no key is needed. */
	if ((s = cli_store(cli, NULL)) == NULL)
		goto out;
	if (o.area != NULL && areas_find(s, o.area, &scope) != STORE_OK) {
		fprintf(stderr, "fangfei: 区域不存在或不唯一 no single area "
		    "matches \"%s\"\n", o.area);
		goto out;
	}
	if ((cov = patrols_coverage(s, scope, week)) == NULL) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		goto out;
	}
	if (!export) {
		patrol_print(cov);
		rc = fflush(stdout) == 0 ? 0 : 1;
		goto out;
	}
	patrols_coverage_csv(&b, cov);
	if (o.out != NULL && (f = fopen(o.out, "w")) == NULL) {
		perror(o.out);
		goto out;
	}
	if (fwrite(b.data, 1, b.len, f != NULL ? f : stdout) != b.len ||
	    fflush(f != NULL ? f : stdout) != 0) {
		fprintf(stderr, "fangfei: cannot write the export\n");
		goto out;
	}
	(void)snprintf(detail, sizeof detail, "csv week %s grids %zu%s", week,
	    json_array_size(json_object_get(cov, "grids")),
	    o.out != NULL ? " to a file" : "");
	if (audit_add_area(s, "cli", "patrol export", detail, scope,
	    clock_now()) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		goto out;
	}
	if (o.out != NULL)
		fprintf(stderr, "%zu 个网格 grids → %s\n",
		    json_array_size(json_object_get(cov, "grids")), o.out);
	rc = 0;
out:
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		perror(o.out);
		rc = 1;
	}
	json_decref(cov);
	buf_free(&b);
	if (s != NULL)
		store_close(s);
	return rc;
}

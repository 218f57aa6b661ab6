/*
 * fangfei letter add|codes|print-link|stats|broadcast: open letters, the
 * codes of their posters, their print sheets, their reach, and sending
 * their link to groups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cli.h"
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "reach.h"
#include "storage/letters.h"
#include "storage/outbox.h"
#include "storage/staff.h"
#include "web.h"

static const char usage_letter[] =
"用法 usage:\n"
"  fangfei letter add --title T --issuer ORG --date YYYY-MM-DD --area PATH FILE\n"
"      FILE: the letter, Markdown or plain text (UTF-8)\n"
"  fangfei letter codes --id N --area PATH [--per building|grid|community]\n"
"      [--count K] [--place 电梯厅]   K codes for each area of that level\n"
"  fangfei letter print-link --id N --area PATH [--hours H]\n"
"      a link to the posters of the codes under PATH, valid H hours\n"
"      (default: server.print_link_hours); open it, then print to PDF\n"
"  fangfei letter stats --id N [--csv]   reach per street/community/grid/building\n"
"  fangfei letter broadcast --id N --area PATH   send its link to the groups\n";

struct letter_made {
	struct buf	 out;
	const char	*base;
};

/* Notes one code made: code, label, URL, one line, tab-separated. */
static void
letter_note_code(const struct letter_code *c, void *arg)
{
	struct letter_made	*m = arg;

	(void)buf_addf(&m->out, "%s\t%s\t%s/l/%s\n", c->code, c->label,
	    m->base, c->code);
}

/*
 * Takes --hours H out of argv (admin_options does not know it); returns
 * H, 0 when absent, -1 when it is not a number. argc shrinks by two.
 */
static long
letter_hours(int *argc, char **argv)
{
	char	*end;
	long	 h = 0;
	int	 i, j;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--hours") != 0 &&
		    strncmp(argv[i], "--hours=", 8) != 0)
			continue;
		if (argv[i][7] == '=') {
			h = strtol(argv[i] + 8, &end, 10);
			j = 1;
		} else if (i + 1 < *argc) {
			h = strtol(argv[i + 1], &end, 10);
			j = 2;
		} else
			return -1;
		if (*end != '\0' || h < 1)
			return -1;
		for (; i + j < *argc; i++)
			argv[i] = argv[i + j];
		*argc -= j;
		argv[*argc] = NULL;
		return h;
	}
	return 0;
}

/* Reads a whole file of at most 256 KiB; the caller frees it. */
static char *
letter_read(const char *path)
{
	struct buf	 b;
	char		 chunk[4096];
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return NULL;
	}
	buf_init(&b, 256 * 1024);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf_add(&b, chunk, n) == -1) {
			fprintf(stderr, "fangfei: %s: over 256 KiB\n", path);
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	}
	fclose(f);
	return buf_steal(&b);
}

/* Maps --per to an area level. */
static int
letter_level(const char *per)
{
	if (per == NULL || strcmp(per, "building") == 0 ||
	    strcmp(per, "楼栋") == 0)
		return 5;
	if (strcmp(per, "grid") == 0 || strcmp(per, "网格") == 0)
		return 4;
	if (strcmp(per, "community") == 0 || strcmp(per, "社区") == 0)
		return 3;
	if (strcmp(per, "street") == 0 || strcmp(per, "街道") == 0)
		return 2;
	return -1;
}

/* Checks that letter id exists and area (named name) lies within its
 * area; says why not on stderr and returns -1. */
static int
letter_area_check(struct store *s, long id, int64_t area, const char *name)
{
	struct letter	 l;
	int		 in;

	if (letters_get(s, id, &l) != STORE_OK) {
		fprintf(stderr, "fangfei: no letter %ld\n", id);
		return -1;
	}
	in = areas_within(s, area, l.area_id);
	letter_clear(&l);
	if (!in) {
		fprintf(stderr, "fangfei: %s is outside the letter's area\n",
		    name);
		return -1;
	}
	return 0;
}

/* fangfei letter … */
int
cli_letter(struct cli *cli, int argc, char **argv)
{
	struct admin_opts	 o;
	struct store		*s = NULL;
	enum store_status	 st;
	char			*body, *out, *text;
	int64_t			 area = 0, id, bid;
	long			 made, hours;
	int			 k, level;
	const char		*cmd;
	time_t			 expires;
	struct letter_made	 m;

	if ((hours = letter_hours(&argc, argv)) == -1) {
		fputs(usage_letter, stderr);
		return 2;
	}
	if ((k = admin_options(cli, argc, argv, usage_letter, &o)) == -1 ||
	    k >= argc) {
		fputs(usage_letter, stderr);
		return 2;
	}
	cmd = argv[k];
	if (strcmp(cmd, "add") == 0) {
		if (k + 2 != argc || o.name == NULL || o.issuer == NULL ||
		    o.date == NULL) {
			fputs(usage_letter, stderr);
			return 2;
		}
		if ((body = letter_read(argv[k + 1])) == NULL)
			return 1;
		if ((s = admin_open(cli, &o, &area)) == NULL) {
			free(body);
			return 1;
		}
		st = letters_add(s, o.name, body, o.issuer, o.date, area,
		    clock_now(), &id);
		free(body);
		if (st != STORE_OK)
			goto fail;
		printf("公开信 letter %lld: %s\n", (long long)id, o.name);
	} else if (strcmp(cmd, "codes") == 0) {
		if ((level = letter_level(o.per)) == -1 || o.id <= 0) {
			fputs(usage_letter, stderr);
			return 2;
		}
		if ((s = admin_open(cli, &o, &area)) == NULL)
			return 1;
		if (letter_area_check(s, o.id, area, o.area) == -1) {
			store_close(s);
			return 1;
		}
		/* The codes are listed once they are committed. */
		buf_init(&m.out, 64 * 1024 * 1024);
		m.base = cli->cfg.public_base_url;
		if (store_begin(s) != STORE_OK || letters_make_codes(s, o.id,
		    area, level, o.count > 0 ? (int)o.count : 1, o.place,
		    clock_now(), letter_note_code, &m, &made) != STORE_OK ||
		    store_commit(s) != STORE_OK) {
			buf_free(&m.out);
			goto fail;
		}
		if (m.out.len > 0)
			fwrite(m.out.data, 1, m.out.len, stdout);
		buf_free(&m.out);
		printf("已生成 made %ld 个二维码 codes for letter %ld\n", made,
		    o.id);
	} else if (strcmp(cmd, "print-link") == 0) {
		if (o.id <= 0 || o.area == NULL || hours > WEB_PRINT_HOURS_MAX) {
			fputs(usage_letter, stderr);
			return 2;
		}
		if ((s = admin_open(cli, &o, &area)) == NULL)
			return 1;
		if (letter_area_check(s, o.id, area, o.area) == -1) {
			store_close(s);
			return 1;
		}
		if ((out = web_print_link(s, cli->cfg.public_base_url, o.id,
		    area, clock_now(), hours > 0 ? (int)hours :
		    cli->cfg.print_link_hours, &expires)) == NULL) {
			fprintf(stderr, "fangfei: cannot sign a print link\n");
			store_close(s);
			return 1;
		}
		(void)audit_add(s, "cli", "letter print-link", o.area,
		    clock_now());
		printf("%s\n", out);
		free(out);
	} else if (strcmp(cmd, "stats") == 0) {
		if ((s = admin_open(cli, &o, NULL)) == NULL)
			return 1;
		out = o.csv ? reach_csv(s, o.id, 0, &st) :
		    reach_json(s, o.id, 0, &st);
		if (out == NULL) {
			fprintf(stderr, "fangfei: no letter %ld\n", o.id);
			store_close(s);
			return 1;
		}
		fputs(out, stdout);
		if (!o.csv)
			fputc('\n', stdout);
		free(out);
	} else if (strcmp(cmd, "broadcast") == 0) {
		struct letter		 l;
		struct letter_code	 lc;
		struct broadcast_new	 b;
		struct broadcast_reach	 reach;
		int			 parts;

		if ((s = admin_open(cli, &o, &area)) == NULL)
			return 1;
		if (letters_get(s, o.id, &l) != STORE_OK) {
			fprintf(stderr, "fangfei: no letter %ld\n", o.id);
			store_close(s);
			return 1;
		}
		/* The shared link has a code of its own, labelled as such,
		 * and carries from=group so its scans count apart. */
		if (store_begin(s) != STORE_OK ||
		    (st = letters_share_code(s, o.id, area, clock_now(), &lc)) !=
		    STORE_OK) {
			letter_clear(&l);
			goto fail;
		}
		text = xasprintf("【%s】\n%s/l/%s?from=group", l.title,
		    cli->cfg.public_base_url, lc.code);
		letter_clear(&l);
		memset(&b, 0, sizeof b);
		b.area = area;
		b.kinds = o.kinds ? o.kinds : "building,community";
		b.text = text;
		b.by = "cli";
		if (cli_broadcast_sms(cli, &b, &parts) == -1) {
			free(text);
			store_rollback(s);
			store_close(s);
			return 1;
		}
		if (broadcasts_create(s, &b, clock_now(), &bid, &reach) !=
		    STORE_OK || store_commit(s) != STORE_OK) {
			free(text);
			goto fail;
		}
		free(text);
		printf("预警 broadcast %lld: ", (long long)bid);
		cli_print_reach(&reach, parts);
		printf("\n");
	} else {
		fputs(usage_letter, stderr);
		return 2;
	}
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	store_rollback(s);
	store_close(s);
	return 1;
}

/* CSV imports of enterprises (with notices) and areas, through libcsv. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "import.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/enterprises.h"

#define IMPORT_FIELDS_MAX	16
#define IMPORT_FIELD_MAX	2048	/* bytes in one cell */

enum ent_col {
	COL_USCC, COL_NAME, COL_ADDRESS, COL_AREA, COL_RISK, COL_ISSUE,
	COL_DATE, COL_MEASURE, COL__COUNT
};
enum area_col {
	ACOL_PATH, ACOL_HOUSEHOLDS, ACOL_LIAISON, ACOL_PHONE, ACOL__COUNT
};

/* Accepted header names of each column, English and Chinese. */
static const char *const ent_headers[COL__COUNT][4] = {
	[COL_USCC] = { "uscc", "统一社会信用代码", "信用代码", NULL },
	[COL_NAME] = { "name", "企业名称", "名称", NULL },
	[COL_ADDRESS] = { "address", "地址", "住所", NULL },
	[COL_AREA] = { "area", "所属区域", "区域", NULL },
	[COL_RISK] = { "risk_level", "风险等级", NULL, NULL },
	[COL_ISSUE] = { "notice_issue", "通告期号", "期号", NULL },
	[COL_DATE] = { "notice_date", "通告日期", "日期", NULL },
	[COL_MEASURE] = { "measure", "处置措施", "措施", NULL },
};
static const char *const area_headers[ACOL__COUNT][4] = {
	[ACOL_PATH] = { "path", "路径", "区域", NULL },
	[ACOL_HOUSEHOLDS] = { "households", "户数", NULL, NULL },
	[ACOL_LIAISON] = { "liaison", "联络员", "联系人", NULL },
	[ACOL_PHONE] = { "phone", "电话", "联系电话", NULL },
};

/* Accepted spellings of measures and risk levels. */
static const struct {
	const char	*word;
	const char	*code;
} measure_words[] = {
	{ "admonished", "admonished" }, { "约谈", "admonished" },
	{ "warned", "warned" }, { "警示", "warned" },
	{ "penalty", "penalty" }, { "行政处罚", "penalty" },
	{ "criminal", "criminal" }, { "刑事立案", "criminal" },
	{ "立案", "criminal" },
	{ "deregistered", "deregistered" }, { "注吊销", "deregistered" },
	{ "注销", "deregistered" }, { "吊销", "deregistered" },
	{ "shut", "shut" }, { "关门", "shut" }, { "关停", "shut" },
	{ "listed", "listed" }, { "列入", "listed" },
}, risk_words[] = {
	{ "none", "none" }, { "无", "none" }, { "low", "low" }, { "低", "low" },
	{ "medium", "medium" }, { "中", "medium" }, { "high", "high" },
	{ "高", "high" },
};

struct import {
	struct store		*store;
	enum import_kind	 kind;
	const char		*path;
	FILE			*errs;
	time_t			 now;
	struct import_stats	*stats;
	const struct import_notice *notice;
	long			 line;		/* line being fed */
	long			 rec_line;	/* line the record started on */
	int			 header_done;
	int			 map[IMPORT_FIELDS_MAX];	/* field -> column */
	char			*fields[IMPORT_FIELDS_MAX];
	size_t			 nfields;
	int			 overflow;	/* too many or too long cells */
	int			 fatal;
	char			*cause;
};

/* Reports a bad row. */
static void __attribute__((format(printf, 2, 3)))
import_reject(struct import *im, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(im->errs, "%s:%ld: ", im->path, im->rec_line);
	va_start(ap, fmt);
	vfprintf(im->errs, fmt, ap);
	va_end(ap);
	fputc('\n', im->errs);
	im->stats->rejected++;
}

/* Reports a row kept with a remark. */
static void __attribute__((format(printf, 2, 3)))
import_warn(struct import *im, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(im->errs, "%s:%ld: 注意 (warning): ", im->path, im->rec_line);
	va_start(ap, fmt);
	vfprintf(im->errs, fmt, ap);
	va_end(ap);
	fputc('\n', im->errs);
	im->stats->warnings++;
}

/* Returns cell col of the current row ("" when absent). */
static const char *
import_cell(struct import *im, int col)
{
	size_t	 i;

	for (i = 0; i < im->nfields; i++)
		if (im->map[i] == col && im->fields[i] != NULL)
			return im->fields[i];
	return "";
}

/* Maps header cells to columns; -1 if the required column is missing. */
static int
import_header(struct import *im)
{
	const char *const	(*names)[4] = im->kind == IMPORT_ENTERPRISES ?
	    ent_headers : area_headers;
	int			 ncols = im->kind == IMPORT_ENTERPRISES ?
	    COL__COUNT : ACOL__COUNT;
	int			 col, k, required = im->kind ==
	    IMPORT_ENTERPRISES ? COL_NAME : ACOL_PATH, seen = 0;
	size_t			 i;
	char			 low[64];

	for (i = 0; i < im->nfields; i++) {
		im->map[i] = -1;
		(void)snprintf(low, sizeof low, "%s", im->fields[i]);
		for (k = 0; low[k] != '\0'; k++)
			low[k] = (char)tolower((unsigned char)low[k]);
		for (col = 0; col < ncols; col++)
			for (k = 0; k < 4 && names[col][k] != NULL; k++)
				if (strcmp(low, names[col][k]) == 0)
					im->map[i] = col;
		if (im->map[i] == required)
			seen = 1;
	}
	if (im->kind == IMPORT_AREAS && !seen) {
		/* No header: path,households[,liaison,phone] by position. */
		for (i = 0; i < IMPORT_FIELDS_MAX; i++)
			im->map[i] = i < ACOL__COUNT ? (int)i : -1;
		return 1;	/* this row is data */
	}
	if (!seen) {
		im->cause = xasprintf("%s: 表头缺少“企业名称”列 (the header "
		    "row has no name column; expected uscc,name,address,area,"
		    "risk_level,notice_issue,notice_date,measure)", im->path);
		return -1;
	}
	return 0;
}

/* Normalizes a date (2026-06-15, 2026/6/15, 2026年6月15日) to ISO. */
static int
import_date(const char *in, char out[11])
{
	int	 y, m, d;
	char	 tail;

	if (sscanf(in, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 &&
	    sscanf(in, "%4d/%2d/%2d%c", &y, &m, &d, &tail) != 3 &&
	    sscanf(in, "%4d.%2d.%2d%c", &y, &m, &d, &tail) != 3 &&
	    sscanf(in, "%4d年%2d月%2d日%c", &y, &m, &d, &tail) != 3)
		return -1;
	if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	(void)snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return 0;
}

/* Reads the issue number out of "3", "第3期" or "第 3 期". */
static int
import_issue(const char *s)
{
	long	 v = 0;
	int	 digits = 0;

	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s)) {
			if (v > 100000)
				return -1;
			v = v * 10 + (*s - '0');
			digits++;
		} else if (digits > 0)
			break;
	}
	return digits > 0 && v > 0 ? (int)v : -1;
}

/* Maps a word through a table, case-insensitively for ASCII. */
static const char *
import_word(const char *w, const void *table, size_t n)
{
	const struct { const char *word, *code; } *t = table;
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcasecmp(w, t[i].word) == 0)
			return t[i].code;
	return NULL;
}

/* Imports one enterprise row. */
static void
import_enterprise(struct import *im)
{
	struct enterprise_in	 e;
	const char		*uscc = import_cell(im, COL_USCC);
	const char		*area = import_cell(im, COL_AREA);
	const char		*risk = import_cell(im, COL_RISK);
	const char		*issue_s = import_cell(im, COL_ISSUE);
	const char		*measure_s = import_cell(im, COL_MEASURE);
	const char		*measure = "listed";
	char			 code[USCC_LEN + 1], expect = 0, date[11];
	int64_t			 id, notice;
	int			 issue = 0;
	enum store_status	 st;

	memset(&e, 0, sizeof e);
	e.name = import_cell(im, COL_NAME);
	if (*e.name == '\0') {
		import_reject(im, "企业名称为空 (name is empty)");
		return;
	}
	if (*uscc != '\0') {
		switch (uscc_check(uscc, code, &expect)) {
		case USCC_OK:
			e.uscc = code;
			break;
		case USCC_BAD_CHECK:
			import_reject(im, "信用代码 %s 校验位错误，应为 %c "
			    "(bad check digit, expected %c)", code, expect,
			    expect);
			return;
		default:
			import_reject(im, "“%s”不是 18 位统一社会信用代码 (not "
			    "an 18-character credit code)", uscc);
			return;
		}
	}
	if (*risk != '\0' && (e.risk_level = import_word(risk, risk_words,
	    sizeof risk_words / sizeof risk_words[0])) == NULL) {
		import_reject(im, "风险等级“%s”无效，应为 高/中/低/无 (risk "
		    "level must be high, medium, low or none)", risk);
		return;
	}
	if (im->notice != NULL) {
		issue = im->notice->issue;
		(void)snprintf(date, sizeof date, "%s", im->notice->date);
		if (*measure_s != '\0' && (measure = import_word(measure_s,
		    measure_words, sizeof measure_words /
		    sizeof measure_words[0])) == NULL) {
			import_reject(im, "处置措施“%s”无效，应为 约谈/警示/"
			    "行政处罚/刑事立案/注吊销/关门 (unknown measure)",
			    measure_s);
			return;
		}
	} else if (*issue_s != '\0') {
		if ((issue = import_issue(issue_s)) == -1) {
			import_reject(im, "通告期号“%s”无效 (bad notice issue)",
			    issue_s);
			return;
		}
		if (import_date(import_cell(im, COL_DATE), date) == -1) {
			import_reject(im, "通告日期“%s”无效，应为 YYYY-MM-DD "
			    "(bad notice date)", import_cell(im, COL_DATE));
			return;
		}
		if (*measure_s != '\0' && (measure = import_word(measure_s,
		    measure_words, sizeof measure_words /
		    sizeof measure_words[0])) == NULL) {
			import_reject(im, "处置措施“%s”无效，应为 约谈/警示/"
			    "行政处罚/刑事立案/注吊销/关门 (unknown measure)",
			    measure_s);
			return;
		}
	}
	if (*area != '\0' && areas_find(im->store, area, &e.area_id) !=
	    STORE_OK)
		import_warn(im, "区域“%s”不存在，企业已导入但未关联区域 (area "
		    "not found; kept without area)", area);
	e.address = import_cell(im, COL_ADDRESS);

	if (store_savepoint(im->store) != STORE_OK)
		goto fatal;
	st = enterprises_put(im->store, &e, im->now, &id);
	if (st == STORE_OK && issue > 0 &&
	    (st = notices_put(im->store, issue, date, im->notice ?
	    im->notice->title : NULL, im->notice == NULL, im->now,
	    &notice)) == STORE_OK)
		st = notices_link(im->store, notice, id, measure);
	if (st == STORE_INVALID) {
		store_rollback_to(im->store);
		import_reject(im, "数据不合规 (rejected by the database: %s)",
		    store_errmsg(im->store));
		return;
	}
	if (st != STORE_OK || store_release(im->store) != STORE_OK)
		goto fatal;
	im->stats->imported++;
	if (issue > 0)
		im->stats->flagged++;
	return;
fatal:
	im->fatal = 1;
	im->cause = xasprintf("%s:%ld: %s", im->path, im->rec_line,
	    store_errmsg(im->store));
}

/* Imports one area row. */
static void
import_area(struct import *im)
{
	const char	*path = import_cell(im, ACOL_PATH);
	const char	*hh = import_cell(im, ACOL_HOUSEHOLDS);
	char		*end;
	long		 households = -1;
	int64_t		 id;

	if (*path == '\0') {
		import_reject(im, "路径为空 (path is empty)");
		return;
	}
	if (*hh != '\0') {
		households = strtol(hh, &end, 10);
		if (*end != '\0' || households < 0 || households > 10000000) {
			import_reject(im, "户数“%s”无效 (households must be a "
			    "whole number)", hh);
			return;
		}
	}
	switch (areas_put(im->store, path, households,
	    import_cell(im, ACOL_LIAISON), import_cell(im, ACOL_PHONE), &id)) {
	case STORE_OK:
		im->stats->imported++;
		return;
	case STORE_INVALID:
		import_reject(im, "路径“%s”无效：用 / 分隔，最多 5 级 (path "
		    "must be up to 5 levels separated by /)", path);
		return;
	default:
		im->fatal = 1;
		im->cause = xasprintf("%s:%ld: %s", im->path, im->rec_line,
		    store_errmsg(im->store));
	}
}

/* libcsv: one cell. */
static void
import_field(void *data, size_t len, void *arg)
{
	struct import	*im = arg;
	char		*cell;

	if (im->nfields == 0)
		im->rec_line = im->line;
	if (im->nfields == IMPORT_FIELDS_MAX || len > IMPORT_FIELD_MAX) {
		im->overflow = 1;
		return;
	}
	cell = xstrndup(data, len);
	im->fields[im->nfields++] = text_trim(cell);
}

/* libcsv: end of a record. */
static void
import_record(int c, void *arg)
{
	struct import	*im = arg;
	size_t		 i;
	int		 empty = 1, h;

	(void)c;
	if (im->fatal)
		goto out;
	for (i = 0; i < im->nfields; i++) {
		if (!utf8_valid(im->fields[i], strlen(im->fields[i]))) {
			if (im->header_done)
				im->stats->rows++;
			import_reject(im, "不是 UTF-8 编码，请另存为“CSV UTF-8” "
			    "(not UTF-8: save as CSV UTF-8)");
			goto out;
		}
		if (*im->fields[i] != '\0')
			empty = 0;
	}
	if (empty)
		goto out;
	if (!im->header_done) {
		im->header_done = 1;
		if ((h = import_header(im)) == -1) {
			im->fatal = 1;
			goto out;
		}
		if (h == 0)
			goto out;
	}
	im->stats->rows++;
	if (im->overflow)
		import_reject(im, "单元格过多或过长 (too many or too long "
		    "cells: at most %d cells of %d bytes)", IMPORT_FIELDS_MAX,
		    IMPORT_FIELD_MAX);
	else if (im->kind == IMPORT_ENTERPRISES)
		import_enterprise(im);
	else
		import_area(im);
out:
	for (i = 0; i < im->nfields; i++)
		free(im->fields[i]);
	im->nfields = 0;
	im->overflow = 0;
}

/* Imports a CSV stream in one transaction. */
int
import_csv(struct store *s, enum import_kind kind, FILE *f, const char *path,
    FILE *errs, time_t now, const struct import_notice *notice,
    struct import_stats *stats, char **cause)
{
	struct csv_parser	 p;
	struct import		 im;
	char			*line = NULL;
	size_t			 cap = 0;
	ssize_t			 n;
	int			 rc = -1;

	memset(stats, 0, sizeof *stats);
	memset(&im, 0, sizeof im);
	im.store = s;
	im.kind = kind;
	im.path = path;
	im.errs = errs;
	im.now = now;
	im.stats = stats;
	im.notice = notice;
	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		*cause = xasprintf("csv_init failed");
		return -1;
	}
	if (store_begin(s) != STORE_OK) {
		*cause = xasprintf("%s", store_errmsg(s));
		csv_free(&p);
		return -1;
	}
	while (!im.fatal && (n = getline(&line, &cap, f)) != -1) {
		char *start = line;

		im.line++;
		if (im.line == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			start += 3;	/* the BOM Excel and WPS write */
			n -= 3;
		}
		if (csv_parse(&p, start, (size_t)n, import_field, import_record,
		    &im) != (size_t)n) {
			im.fatal = 1;
			im.cause = xasprintf("%s:%ld: %s", path, im.line,
			    csv_strerror(csv_error(&p)));
		}
	}
	if (!im.fatal)
		csv_fini(&p, import_field, import_record, &im);
	if (!im.fatal && ferror(f)) {
		im.fatal = 1;
		im.cause = xasprintf("%s: read error", path);
	}
	if (!im.fatal && !im.header_done) {
		im.fatal = 1;
		im.cause = xasprintf("%s: 文件为空 (the file is empty)", path);
	}
	if (im.fatal) {
		store_rollback(s);
		*cause = im.cause ? im.cause : xasprintf("%s: import failed",
		    path);
		im.cause = NULL;
		goto out;
	}
	if (store_commit(s) != STORE_OK) {
		*cause = xasprintf("%s", store_errmsg(s));
		goto out;
	}
	if (kind == IMPORT_ENTERPRISES && stats->imported > 0 &&
	    enterprises_optimize(s) != STORE_OK)
		fprintf(errs, "%s: 索引整理失败 (index not compacted): %s\n",
		    path, store_errmsg(s));
	rc = 0;
out:
	free(im.cause);
	free(line);
	for (size_t i = 0; i < im.nfields; i++)	/* left by a fatal stop */
		free(im.fields[i]);
	csv_free(&p);
	return rc;
}

/*
 * CSV imports of enterprises (with notices), areas and the phone numbers of
 * SMS lists, through libcsv.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "import.h"
#include "messages/sms.h"
#include "messages/text.h"
#include "messages/texts.h"
#include "messages/xmalloc.h"
#include "storage/areas.h"
#include "storage/enterprises.h"
#include "storage/phones.h"
#include "storage/staff.h"

#define IMPORT_FIELDS_MAX	16
#define IMPORT_FIELD_MAX	2048	/* bytes in one cell */
#define IMPORT_NAMES		8	/* header spellings of one column */
/* A cell with more digits than this may be a phone number in the wrong
 * column: a phones import does not echo it. An area path has a few. */
#define IMPORT_ECHO_DIGITS	6

enum ent_col {
	COL_USCC, COL_NAME, COL_ADDRESS, COL_AREA, COL_RISK, COL_ISSUE,
	COL_DATE, COL_MEASURE, COL__COUNT
};
enum area_col {
	ACOL_PATH, ACOL_HOUSEHOLDS, ACOL_LIAISON, ACOL_PHONE, ACOL__COUNT
};
enum phone_col {
	PCOL_PHONE, PCOL_AREA, PCOL_NAME, PCOL__COUNT
};

/* Accepted header names of each column, English and Chinese. */
static const char *const ent_headers[COL__COUNT][IMPORT_NAMES] = {
	[COL_USCC] = { "uscc", "统一社会信用代码", "信用代码", NULL },
	[COL_NAME] = { "name", "企业名称", "名称", NULL },
	[COL_ADDRESS] = { "address", "地址", "住所", NULL },
	[COL_AREA] = { "area", "所属区域", "区域", NULL },
	[COL_RISK] = { "risk_level", "风险等级", NULL, NULL },
	[COL_ISSUE] = { "notice_issue", "通告期号", "期号", NULL },
	[COL_DATE] = { "notice_date", "通告日期", "日期", NULL },
	[COL_MEASURE] = { "measure", "处置措施", "措施", NULL },
};
static const char *const area_headers[ACOL__COUNT][IMPORT_NAMES] = {
	[ACOL_PATH] = { "path", "路径", "区域", NULL },
	[ACOL_HOUSEHOLDS] = { "households", "户数", NULL, NULL },
	[ACOL_LIAISON] = { "liaison", "联络员", "联系人", NULL },
	[ACOL_PHONE] = { "phone", "电话", "联系电话", NULL },
};
/* 地址 is not taken for the area: a street address names no area path. */
static const char *const phone_headers[PCOL__COUNT][IMPORT_NAMES] = {
	[PCOL_PHONE] = { "phone", "mobile", "手机号", "手机号码", "手机",
	    "电话", "号码", NULL },
	[PCOL_AREA] = { "area", "path", "区域", "所属区域", "楼栋", "楼宇",
	    "路径", NULL },
	[PCOL_NAME] = { "name", "姓名", "名字", "户主", NULL },
};

/* Accepted spellings of risk levels (measures: measure_parse()). */
static const struct {
	const char	*word;
	const char	*code;
} risk_words[] = {
	{ "none", "none" }, { "无", "none" }, { "low", "low" }, { "低", "low" },
	{ "medium", "medium" }, { "中", "medium" }, { "high", "high" },
	{ "高", "high" },
};

/* A number of a phones import, kept until the whole file is read so that
 * a number given twice is written once, as its last row says. */
struct import_phone {
	char	 e164[PHONE_E164_MAX];
	int64_t	 area;
	char	*name;		/* NULL: none given */
	long	 line;		/* the row that won */
};

/* The numbers of a phones import in file order, with an open-addressing
 * index (slot: entry + 1, 0 free) kept at most half full. */
struct import_phones {
	struct import_phone	*v;
	size_t			 n, cap;
	size_t			*slots;
	size_t			 nslots;
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
	struct import_phones	 phones;
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

/* Maps header cells to columns; -1 if the required column is missing, 1
 * when the row is data of a file without a header. */
static int
import_header(struct import *im)
{
	const char *const	(*names)[IMPORT_NAMES];
	int			 col, k, ncols, required, seen = 0, area = 0;
	size_t			 i;
	char			 low[64], e164[PHONE_E164_MAX];

	switch (im->kind) {
	case IMPORT_ENTERPRISES:
		names = ent_headers;
		ncols = COL__COUNT;
		required = COL_NAME;
		break;
	case IMPORT_AREAS:
		names = area_headers;
		ncols = ACOL__COUNT;
		required = ACOL_PATH;
		break;
	default:
		names = phone_headers;
		ncols = PCOL__COUNT;
		required = PCOL_PHONE;
		break;
	}
	for (i = 0; i < im->nfields; i++) {
		im->map[i] = -1;
		(void)snprintf(low, sizeof low, "%s", im->fields[i]);
		for (k = 0; low[k] != '\0'; k++)
			low[k] = (char)tolower((unsigned char)low[k]);
		for (col = 0; col < ncols; col++)
			for (k = 0; k < IMPORT_NAMES && names[col][k] != NULL;
			    k++)
				if (strcmp(low, names[col][k]) == 0)
					im->map[i] = col;
		if (im->map[i] == required)
			seen = 1;
		if (im->kind == IMPORT_PHONES && im->map[i] == PCOL_AREA)
			area = 1;
	}
	explicit_bzero(low, sizeof low);	/* it may have held a number */
	if (seen && im->kind == IMPORT_PHONES && !area) {
		im->cause = xasprintf("%s: 表头缺少“区域”列 (the header row "
		    "has no area column; expected phone,area[,name] or "
		    "手机号,区域[,姓名])", im->path);
		return -1;
	}
	if (seen)
		return 0;
	if (im->kind == IMPORT_AREAS) {
		/* No header: path,households[,liaison,phone] by position. */
		for (i = 0; i < IMPORT_FIELDS_MAX; i++)
			im->map[i] = i < ACOL__COUNT ? (int)i : -1;
		return 1;	/* this row is data */
	}
	if (im->kind == IMPORT_PHONES && im->nfields > 0 &&
	    phone_normalise(im->fields[0], e164, NULL) == 0) {
		/* No header: phone,area[,name] by position, told apart from
		 * a header by a number in the first cell. */
		explicit_bzero(e164, sizeof e164);
		for (i = 0; i < IMPORT_FIELDS_MAX; i++)
			im->map[i] = i < PCOL__COUNT ? (int)i : -1;
		return 1;
	}
	/* The cells are not echoed: in a phones file they may be numbers. */
	if (im->kind == IMPORT_PHONES)
		im->cause = xasprintf("%s: 表头缺少“手机号”列 (the header row "
		    "has no phone column; expected phone,area[,name] or "
		    "手机号,区域[,姓名])", im->path);
	else
		im->cause = xasprintf("%s: 表头缺少“企业名称”列 (the header "
		    "row has no name column; expected uscc,name,address,area,"
		    "risk_level,notice_issue,notice_date,measure)", im->path);
	return -1;
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
		if (*measure_s != '\0' &&
		    (measure = measure_parse(measure_s)) == NULL) {
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
		if (*measure_s != '\0' &&
		    (measure = measure_parse(measure_s)) == NULL) {
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

/* Whether a cell may be echoed in a phones import's messages: not when
 * it holds enough digits (ASCII or full-width) to be a number. */
static int
import_echo_ok(const char *cell)
{
	const unsigned char	*p = (const unsigned char *)cell;
	int			 digits = 0;

	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 &&
		    p[2] <= 0x99) {
			digits++;	/* U+FF10..U+FF19 */
			p += 2;
		}
	}
	return digits <= IMPORT_ECHO_DIGITS;
}

/* FNV-1a of a number, for the index of a phones import. */
static size_t
import_phones_hash(const char *e164)
{
	uint32_t	 h = 2166136261u;

	for (; *e164 != '\0'; e164++)
		h = (h ^ (unsigned char)*e164) * 16777619u;
	return h;
}

/* Returns the entry of e164, or NULL; *slot gets where it is or would go. */
static struct import_phone *
import_phones_find(struct import_phones *ph, const char *e164, size_t *slot)
{
	size_t	 i;

	*slot = 0;
	if (ph->nslots == 0)
		return NULL;
	for (i = import_phones_hash(e164) & (ph->nslots - 1);
	    ph->slots[i] != 0; i = (i + 1) & (ph->nslots - 1))
		if (strcmp(ph->v[ph->slots[i] - 1].e164, e164) == 0) {
			*slot = i;
			return &ph->v[ph->slots[i] - 1];
		}
	*slot = i;
	return NULL;
}

/* Appends a number not seen yet; the index grows to stay half empty. */
static void
import_phones_add(struct import_phones *ph, const char *e164, int64_t area,
    const char *name, long line)
{
	struct import_phone	*e;
	size_t			 i, slot;

	if (ph->n == ph->cap) {
		ph->cap = ph->cap ? ph->cap * 2 : 64;
		ph->v = xrealloc(ph->v, ph->cap * sizeof *ph->v);
	}
	if ((ph->n + 1) * 2 > ph->nslots) {
		free(ph->slots);
		ph->nslots = ph->nslots ? ph->nslots * 2 : 128;
		ph->slots = xcalloc(ph->nslots, sizeof *ph->slots);
		for (i = 0; i < ph->n; i++) {
			(void)import_phones_find(ph, ph->v[i].e164, &slot);
			ph->slots[slot] = i + 1;
		}
	}
	(void)import_phones_find(ph, e164, &slot);
	e = &ph->v[ph->n++];
	ph->slots[slot] = ph->n;
	(void)snprintf(e->e164, sizeof e->e164, "%s", e164);
	e->area = area;
	e->name = *name != '\0' ? xstrdup(name) : NULL;
	e->line = line;
}

/* Wipes and frees the numbers and names of a phones import. */
static void
import_phones_free(struct import_phones *ph)
{
	size_t	 i;

	for (i = 0; i < ph->n; i++) {
		if (ph->v[i].name != NULL) {
			explicit_bzero(ph->v[i].name, strlen(ph->v[i].name));
			free(ph->v[i].name);
		}
	}
	if (ph->v != NULL)
		explicit_bzero(ph->v, ph->cap * sizeof *ph->v);
	free(ph->v);
	free(ph->slots);
	memset(ph, 0, sizeof *ph);
}

/*
 * Reads one phones row: the number normalised, the area found. Nothing of
 * the number is printed but its masked form; the row is written by
 * import_phones_write() once the file has been read, so that of a number
 * given twice the later row wins.
 */
static void
import_phone(struct import *im)
{
	struct import_phone	*e;
	const char		*area = import_cell(im, PCOL_AREA);
	const char		*name = import_cell(im, PCOL_NAME);
	const char		*why = NULL;
	char			 e164[PHONE_E164_MAX], masked[16];
	int64_t			 id;
	size_t			 slot;

	if (phone_normalise(import_cell(im, PCOL_PHONE), e164, &why) == -1) {
		import_reject(im, "手机号无效 (bad phone number)：%s", why);
		return;
	}
	if (*area == '\0') {
		import_reject(im, "区域为空 (area is empty)");
		goto out;
	}
	switch (areas_find(im->store, area, &id)) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		if (import_echo_ok(area))
			import_reject(im, "区域“%s”不存在或不唯一，请写完整路径 "
			    "(area not found, or not unique: give its full "
			    "path)", area);
		else
			import_reject(im, "区域不存在或不唯一，请写完整路径 "
			    "(area not found, or not unique: give its full "
			    "path)");
		goto out;
	default:
		im->fatal = 1;
		im->cause = xasprintf("%s:%ld: %s", im->path, im->rec_line,
		    store_errmsg(im->store));
		goto out;
	}
	if ((e = import_phones_find(&im->phones, e164, &slot)) == NULL) {
		import_phones_add(&im->phones, e164, id, name, im->rec_line);
		goto out;
	}
	phone_mask(e164, masked, sizeof masked);
	import_warn(im, "号码 %s 与第 %ld 行重复，以本行为准 (the same number "
	    "as line %ld: this later row wins)", masked, e->line, e->line);
	im->stats->duplicates++;
	if (e->name != NULL) {
		explicit_bzero(e->name, strlen(e->name));
		free(e->name);
	}
	e->area = id;
	e->name = *name != '\0' ? xstrdup(name) : NULL;
	e->line = im->rec_line;
out:
	explicit_bzero(e164, sizeof e164);
}

/* Writes the numbers of a phones import, each once, counting what each
 * did; the caller holds the transaction. */
static void
import_phones_write(struct import *im)
{
	struct import_phone	*e;
	enum phone_put		 what;
	size_t			 i;

	for (i = 0; i < im->phones.n && !im->fatal; i++) {
		e = &im->phones.v[i];
		im->rec_line = e->line;
		switch (phones_put(im->store, e->e164, e->area, e->name,
		    im->now, &what)) {
		case STORE_OK:
			break;
		case STORE_INVALID:
			import_reject(im, "数据不合规 (rejected by the "
			    "database: %s)", store_errmsg(im->store));
			continue;
		default:
			im->fatal = 1;
			im->cause = xasprintf("%s:%ld: %s", im->path, e->line,
			    store_errmsg(im->store));
			continue;
		}
		im->stats->imported++;
		if (what == PHONE_ADDED)
			im->stats->added++;
		else if (what == PHONE_MOVED)
			im->stats->moved++;
		else
			im->stats->unchanged++;
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

/* Frees the cells of the current row; a phones file's are wiped first
 * (numbers and names). */
static void
import_cells_clear(struct import *im)
{
	size_t	 i;

	for (i = 0; i < im->nfields; i++) {
		if (im->kind == IMPORT_PHONES)
			explicit_bzero(im->fields[i], strlen(im->fields[i]));
		free(im->fields[i]);
	}
	im->nfields = 0;
	im->overflow = 0;
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
	else if (im->kind == IMPORT_AREAS)
		import_area(im);
	else
		import_phone(im);
out:
	import_cells_clear(im);
}

/* Writes the audit entry of an import, in its transaction. Only counts
 * and the file's name: a phones file's numbers never go in the log. */
static enum store_status
import_audit(struct import *im, const char *actor)
{
	static const char *const actions[] = {
		[IMPORT_ENTERPRISES] = "enterprise import",
		[IMPORT_AREAS] = "areas import",
		[IMPORT_PHONES] = "phones import",
	};
	const struct import_stats *st = im->stats;
	char		 detail[200];
	int		 path_len = (int)utf8_fit(im->path, strlen(im->path), 64);

	if (im->notice != NULL)
		(void)snprintf(detail, sizeof detail, "issue %d: %ld companies, "
		    "%ld rejected (%.*s)", im->notice->issue, st->flagged,
		    st->rejected, path_len, im->path);
	else
		(void)snprintf(detail, sizeof detail, "%ld rows, %ld imported, "
		    "%ld rejected (%.*s)", st->rows, st->imported, st->rejected,
		    path_len, im->path);
	return audit_add(im->store, actor, im->notice != NULL ? "notice add" :
	    actions[im->kind], detail, im->now);
}

/* Imports a CSV stream in one transaction. */
int
import_csv(struct store *s, enum import_kind kind, FILE *f, const char *path,
    FILE *errs, time_t now, const struct import_notice *notice,
    const char *actor, struct import_stats *stats, char **cause)
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
	if (!im.fatal && kind == IMPORT_PHONES)
		import_phones_write(&im);
	if (!im.fatal && actor != NULL &&
	    import_audit(&im, actor) != STORE_OK) {
		im.fatal = 1;
		im.cause = xasprintf("%s: 审计记录写入失败 (audit entry not "
		    "written): %s", path, store_errmsg(s));
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
	import_cells_clear(&im);	/* left by a fatal stop */
	if (kind == IMPORT_PHONES) {
		/* What was read of a phones file goes with its numbers. */
		if (line != NULL)
			explicit_bzero(line, cap);
		if (p.entry_buf != NULL)
			explicit_bzero(p.entry_buf, p.entry_size);
	}
	free(line);
	import_phones_free(&im.phones);
	csv_free(&p);
	return rc;
}

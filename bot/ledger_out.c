/* The ledger's export and figures as CSV and JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_out.h"
#include "messages/buf.h"
#include "reach.h"

#define LEDGER_BOM	"\xef\xbb\xbf"

/* Writes t as a local day (or day and time), "" for 0. */
static void
ledger_day(time_t t, int utc_offset, int with_time, char out[32])
{
	struct tm	 tm;
	time_t		 local = t + utc_offset;

	out[0] = '\0';
	if (t == 0)
		return;
	gmtime_r(&local, &tm);
	(void)strftime(out, 32, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d",
	    &tm);
}

/* Days from received to closed, "" when not closed. */
static void
ledger_close_days(const struct ledger_export_row *r, char out[32])
{
	out[0] = '\0';
	if (r->state == TIP_CLOSED && r->closed_at >= r->created_at)
		(void)snprintf(out, 32, "%.1f", (double)(r->closed_at -
		    r->created_at) / 86400.0);
}

/* Appends a cell by the rule of the reach report's cells, so that both
 * files a spreadsheet opens read alike. */
void
ledger_csv_cell(struct buf *b, const char *s)
{
	reach_csv_cell(b, s);
}

/* The header. */
void
ledger_csv_header(struct buf *b)
{
	(void)buf_adds(b, LEDGER_BOM "编号 ref,受理日期 received,区域 area,"
	    "状态 state,涉及企业 enterprise,统一社会信用代码 uscc,首报 first,"
	    "处置措施 measure,承办人 assignees,办理期限 due,销号日期 closed,"
	    "办结天数 days_to_close,奖励资格 reward_eligible,"
	    "首期奖励(元) stage1_yuan,二期奖励(元) stage2_yuan,"
	    "奖励发放日期 reward_paid,线索内容 text\r\n");
}

/* Appends a cell and a comma. */
static void
ledger_csv_next(struct buf *b, const char *s)
{
	ledger_csv_cell(b, s);
	(void)buf_add(b, ",", 1);
}

/* A whole number of yuan, "" when not set. */
static void
ledger_yuan(long v, char out[32])
{
	out[0] = '\0';
	if (v >= 0)
		(void)snprintf(out, 32, "%ld", v);
}

/* One line. */
void
ledger_csv_row(struct buf *b, const struct ledger_export_row *r,
    int utc_offset)
{
	struct buf	 people;
	char		 t[32];
	size_t		 i;

	ledger_csv_next(b, r->ref);
	ledger_day(r->created_at, utc_offset, 0, t);
	ledger_csv_next(b, t);
	ledger_csv_next(b, r->area_path);
	ledger_csv_next(b, ledger_state_zh(r->state));
	ledger_csv_next(b, r->enterprise);
	ledger_csv_next(b, r->uscc);
	/* 首报: yes, or the first report's reference; no when the tip names
	 * no enterprise. */
	ledger_csv_next(b, r->first ? "是" : r->first_ref[0] ? r->first_ref :
	    "否");
	ledger_csv_next(b, ledger_measure_zh(r->measure));
	buf_init(&people, sizeof r->people);
	for (i = 0; i < r->npeople; i++)
		(void)buf_addf(&people, "%s%s", i > 0 ? "、" : "",
		    r->people[i].name);
	ledger_csv_next(b, people.data != NULL ? people.data : "");
	buf_free(&people);
	ledger_day(r->due_at, utc_offset, 1, t);
	ledger_csv_next(b, t);
	ledger_day(r->closed_at, utc_offset, 0, t);
	ledger_csv_next(b, t);
	ledger_close_days(r, t);
	ledger_csv_next(b, t);
	ledger_csv_next(b, !r->reward ? "" : r->eligible ? "是" : "否");
	ledger_yuan(r->reward ? r->stage1_yuan : -1, t);
	ledger_csv_next(b, t);
	ledger_yuan(r->reward ? r->stage2_yuan : -1, t);
	ledger_csv_next(b, t);
	ledger_day(r->reward ? r->paid_at : 0, utc_offset, 0, t);
	ledger_csv_next(b, t);
	ledger_csv_cell(b, r->body);
	(void)buf_adds(b, "\r\n");
}

/* A time as JSON: the epoch, or null for 0. */
static json_t *
ledger_json_time(time_t t)
{
	return t != 0 ? json_integer((json_int_t)t) : json_null();
}

/* One tip as JSON. */
json_t *
ledger_json_row(const struct ledger_export_row *r, int utc_offset)
{
	json_t	*o, *people = json_array();
	char	 day[32], days[32];
	size_t	 i;

	for (i = 0; i < r->npeople; i++)
		json_array_append_new(people, json_pack("{s:I, s:s}", "id",
		    (json_int_t)r->people[i].id, "name", r->people[i].name));
	ledger_day(r->created_at, utc_offset, 0, day);
	ledger_close_days(r, days);
	o = json_pack("{s:s, s:I, s:s, s:s?, s:s, s:s, s:o, s:b, s:s?, s:s?, "
	    "s:s?, s:o, s:o, s:o, s:o, s:s}",
	    "ref", r->ref, "received_at", (json_int_t)r->created_at,
	    "received", day, "area", r->area_path[0] ? r->area_path : NULL,
	    "state", tip_state_name(r->state), "state_zh",
	    ledger_state_zh(r->state), "enterprise", r->enterprise[0] ?
	    json_pack("{s:s, s:s?}", "name", r->enterprise, "uscc",
	    r->uscc[0] ? r->uscc : NULL) : json_null(), "first", r->first,
	    "first_ref", r->first_ref[0] ? r->first_ref : NULL,
	    "measure", r->measure[0] ? r->measure : NULL,
	    "measure_zh", r->measure[0] ? ledger_measure_zh(r->measure) : NULL,
	    "assignees", people, "due_at", ledger_json_time(r->due_at),
	    "closed_at", ledger_json_time(r->closed_at), "days_to_close",
	    days[0] ? json_real(strtod(days, NULL)) : json_null(), "text",
	    r->body);
	json_object_set_new(o, "reward", !r->reward ? json_null() :
	    json_pack("{s:b, s:o, s:o, s:o}", "eligible", r->eligible,
	    "stage1_yuan", r->stage1_yuan >= 0 ?
	    json_integer(r->stage1_yuan) : json_null(), "stage2_yuan",
	    r->stage2_yuan >= 0 ? json_integer(r->stage2_yuan) : json_null(),
	    "paid_at", ledger_json_time(r->paid_at)));
	return o;
}

/* A cell of the figures as JSON. */
static json_t *
ledger_stat_json(const struct ledger_stat *c)
{
	double	 d = ledger_stat_days(c);

	return json_pack("{s:I, s:I, s:I, s:I, s:o, s:I, s:I}",
	    "received", (json_int_t)c->received, "verified",
	    (json_int_t)c->verified, "disposed", (json_int_t)c->disposed,
	    "closed", (json_int_t)c->closed, "avg_days_to_close", d < 0 ?
	    json_null() : json_real((double)(long)(d * 10.0 + 0.5) / 10.0),
	    "rewards_paid", (json_int_t)c->paid, "rewards_yuan",
	    (json_int_t)c->paid_yuan);
}

/* The months of one line as a JSON list. */
static json_t *
ledger_months_json(const struct ledger_stat *m)
{
	json_t	*a = json_array(), *o;
	int	 i;

	for (i = 0; i < LEDGER_MONTHS; i++) {
		o = ledger_stat_json(&m[i]);
		json_object_set_new(o, "month", json_integer(i + 1));
		json_array_append_new(a, o);
	}
	return a;
}

/* The figures as JSON. */
json_t *
ledger_stats_json(const struct ledger_stats *st, int year)
{
	json_t	*areas = json_array();
	size_t	 i;

	for (i = 0; i < st->nareas; i++)
		json_array_append_new(areas, json_pack("{s:s?, s:b, s:o, s:o}",
		    "area", st->areas[i].id != 0 ? st->areas[i].path : NULL,
		    "own", st->areas[i].own, "months",
		    ledger_months_json(st->areas[i].m), "year",
		    ledger_stat_json(&st->areas[i].m[LEDGER_YEAR])));
	return json_pack("{s:i, s:o, s:{s:o, s:o}}", "year", year, "areas",
	    areas, "total", "months", ledger_months_json(st->total), "year",
	    ledger_stat_json(&st->total[LEDGER_YEAR]));
}

/* One line of the figures' CSV. */
static void
ledger_stat_csv(struct buf *b, const char *area, const char *month,
    const struct ledger_stat *c)
{
	double	 d = ledger_stat_days(c);
	char	 days[32] = "";

	if (d >= 0)
		(void)snprintf(days, sizeof days, "%.1f", d);
	ledger_csv_next(b, area);
	(void)buf_addf(b, "%s,%ld,%ld,%ld,%ld,%s,%ld,%lld\r\n", month,
	    c->received, c->verified, c->disposed, c->closed, days, c->paid,
	    c->paid_yuan);
}

/* The name of a line: its path, marked when it is the base's own tips. */
static void
ledger_line_name(const struct ledger_stats_area *a, char *out, size_t size)
{
	if (a->id == 0)
		(void)snprintf(out, size, "（未知区域 unknown area）");
	else
		(void)snprintf(out, size, "%s%s", a->path, a->own ?
		    "（本级 own）" : "");
}

/* The figures as CSV. */
void
ledger_stats_csv(struct buf *b, const struct ledger_stats *st, int year)
{
	char	 name[600], month[32];
	size_t	 i;
	int	 m;

	(void)buf_adds(b, LEDGER_BOM "区域 area,月份 month,受理 received,"
	    "核查 verified,处置 disposed,销号 closed,"
	    "平均办结天数 avg_days_to_close,奖励发放 rewards_paid,"
	    "奖励金额(元) rewards_yuan\r\n");
	for (i = 0; i < st->nareas; i++) {
		ledger_line_name(&st->areas[i], name, sizeof name);
		for (m = 0; m < LEDGER_MONTHS; m++) {
			(void)snprintf(month, sizeof month, "%04d-%02d", year,
			    m + 1);
			ledger_stat_csv(b, name, month, &st->areas[i].m[m]);
		}
		(void)snprintf(month, sizeof month, "%04d", year);
		ledger_stat_csv(b, name, month, &st->areas[i].m[LEDGER_YEAR]);
	}
	for (m = 0; m < LEDGER_MONTHS; m++) {
		(void)snprintf(month, sizeof month, "%04d-%02d", year, m + 1);
		ledger_stat_csv(b, "合计 total", month, &st->total[m]);
	}
	(void)snprintf(month, sizeof month, "%04d", year);
	ledger_stat_csv(b, "合计 total", month, &st->total[LEDGER_YEAR]);
}

/* Parses a local day. */
time_t
ledger_parse_day(const char *s, int utc_offset)
{
	struct tm	 tm;
	int		 y, m, d;
	char		 extra;

	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
	    y < 1970 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return timegm(&tm) - utc_offset;
}

/* The starts of the months of a year. */
int
ledger_year_bounds(int year, int utc_offset, time_t b[LEDGER_MONTHS + 1])
{
	struct tm	 tm;
	int		 i;

	if (year < 2000 || year > 2999)
		return -1;
	for (i = 0; i <= LEDGER_MONTHS; i++) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = year - 1900 + (i == LEDGER_MONTHS);
		tm.tm_mon = i % LEDGER_MONTHS;
		tm.tm_mday = 1;
		b[i] = timegm(&tm) - utc_offset;
	}
	return 0;
}

/* Parses a list of states. */
int
ledger_parse_states(const char *list, unsigned *bits)
{
	enum tip_state	 st;
	char		 word[32];
	const char	*p = list, *end;
	size_t		 n;

	*bits = 0;
	while (*p != '\0') {
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 0 || n >= sizeof word)
			return -1;
		memcpy(word, p, n);
		word[n] = '\0';
		if (tip_state_parse(word, &st) == -1)
			return -1;
		*bits |= 1u << st;
		p += n + (end != NULL);
		if (end != NULL && *p == '\0')
			return -1;
	}
	return *bits != 0 ? 0 : -1;
}

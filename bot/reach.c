/* Reach reports as JSON (jansson) and CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "reach.h"
#include "storage/letters.h"

static const char *const level_names[] = { "", "district", "street",
    "community", "grid", "building" };

/* Reach as a ratio, or -1 when the area has no household count. */
static double
reach_rate(const struct reach_row *r)
{
	return r->households > 0 ? (double)r->devices / (double)r->households :
	    -1.0;
}

/* Adds one area to the JSON list. */
static void
reach_json_row(const struct reach_row *r, void *arg)
{
	json_t	*row = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
	    "area", r->path, "level", level_names[r->level],
	    "codes", (int)r->codes, "codes_never_scanned",
	    (int)r->codes_unscanned, "scans", (int)r->scans,
	    "scans_forwarded", (int)r->forwarded, "unique_devices",
	    (int)r->devices, "households", (int)r->households,
	    "bot_visits", (int)r->bots);

	json_object_set_new(row, "reach_rate", r->households > 0 ?
	    json_real(reach_rate(r)) : json_null());
	json_array_append_new(arg, row);
}

/* Adds one never-scanned code to the JSON list. */
static void
reach_json_code(const struct letter_code *c, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s}", "code", c->code,
	    "label", c->label));
}

/* The report as JSON. */
char *
reach_json(struct store *s, int64_t letter, int64_t root,
    enum store_status *status)
{
	json_t	*areas = json_array(), *never = json_array(), *obj;
	char	*out;

	if ((*status = letters_reach(s, letter, root, reach_json_row,
	    areas)) != STORE_OK || (*status = letters_unscanned(s, letter,
	    root, reach_json_code, never)) != STORE_OK) {
		json_decref(areas);
		json_decref(never);
		return NULL;
	}
	obj = json_pack("{s:I, s:o, s:o}", "letter", (json_int_t)letter,
	    "areas", areas, "never_scanned", never);
	out = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return out;
}

/* Appends a CSV cell: a leading ' for what Excel, WPS and LibreOffice
 * would take as a formula, quotes when the cell needs them. */
void
reach_csv_cell(struct buf *b, const char *s)
{
	const char	*p;
	int		 formula = *s != '\0' && strchr("=+-@\t\r", *s) != NULL;

	if (strpbrk(s, ",\"\n\r") == NULL) {
		if (formula)
			(void)buf_add(b, "'", 1);
		(void)buf_adds(b, s);
		return;
	}
	(void)buf_add(b, "\"", 1);
	if (formula)
		(void)buf_add(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			(void)buf_add(b, "\"", 1);
		(void)buf_add(b, p, 1);
	}
	(void)buf_add(b, "\"", 1);
}

/* Adds one area line. */
static void
reach_csv_row(const struct reach_row *r, void *arg)
{
	struct buf	*b = arg;
	char		 rate[32] = "";

	if (r->households > 0)
		(void)snprintf(rate, sizeof rate, "%.4f", reach_rate(r));
	reach_csv_cell(b, r->path);
	(void)buf_addf(b, ",%s,%ld,%ld,%ld,%ld,%ld,%ld,%s,%ld\r\n",
	    level_names[r->level], r->codes, r->codes_unscanned, r->scans,
	    r->forwarded, r->devices, r->households, rate, r->bots);
}

/* Adds one never-scanned code line. */
static void
reach_csv_code(const struct letter_code *c, void *arg)
{
	struct buf	*b = arg;

	(void)buf_adds(b, "never_scanned,");
	reach_csv_cell(b, c->code);
	(void)buf_add(b, ",", 1);
	reach_csv_cell(b, c->label);
	(void)buf_adds(b, "\r\n");
}

/* The report as CSV with a BOM. */
char *
reach_csv(struct store *s, int64_t letter, int64_t root,
    enum store_status *status)
{
	struct buf	 b;

	buf_init(&b, 16 * 1024 * 1024);
	(void)buf_adds(&b, "\xef\xbb\xbf" "区域 area,级别 level,二维码 codes,"
	    "未扫码 codes_never_scanned,扫码 scans,转发扫码 scans_forwarded,"
	    "设备 unique_devices,户数 households,触达率 reach_rate,"
	    "机器访问 bot_visits\r\n");
	if ((*status = letters_reach(s, letter, root, reach_csv_row, &b)) !=
	    STORE_OK)
		goto fail;
	(void)buf_adds(&b, "\r\n未扫码的二维码 never scanned,code,label\r\n");
	if ((*status = letters_unscanned(s, letter, root, reach_csv_code,
	    &b)) !=
	    STORE_OK)
		goto fail;
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

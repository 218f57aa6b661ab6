/*
 * The ledger (台账) as files: the export as CSV (UTF-8 with a BOM, CRLF,
 * RFC 4180 quoting, formula cells neutralised, so that Excel and WPS open
 * it cleanly) or JSON, one row at a time, and the yearly figures as JSON
 * or CSV. Used by the HTTP API (bot/api_tips.c) and `fangfei ledger`
 * (bot/cli_ledger.c). Dates are local days, utc_offset seconds east.
 */
#ifndef FANGFEI_LEDGER_OUT_H
#define FANGFEI_LEDGER_OUT_H

#include <time.h>

#include <jansson.h>

#include "storage/ledger_stats.h"

struct buf;

/* The BOM and the header line of the CSV export. */
void		 ledger_csv_header(struct buf *);
/* Appends one CSV cell: quoted when it holds a comma, a quote, CR or LF
 * (quotes doubled), and with a leading ' when it starts with =, +, -, @,
 * a tab or CR, which a spreadsheet would read as a formula. */
void		 ledger_csv_cell(struct buf *, const char *);
/* Appends one tip as a CSV line (CRLF). */
void		 ledger_csv_row(struct buf *, const struct ledger_export_row *,
		    int utc_offset);
/* One tip as a JSON object (the caller owns it). */
json_t		*ledger_json_row(const struct ledger_export_row *,
		    int utc_offset);

/* The figures of year as JSON (the caller owns it). */
json_t		*ledger_stats_json(const struct ledger_stats *, int year);
/* The same as CSV with a BOM: one line per area and month, then the
 * year's total per area, then the totals. */
void		 ledger_stats_csv(struct buf *, const struct ledger_stats *,
		    int year);

/* "YYYY-MM-DD" as the start of that local day; -1 if malformed. */
time_t		 ledger_parse_day(const char *, int utc_offset);
/* The starts of the months of year and of the next year, local time;
 * -1 for a year out of 2000..2999. */
int		 ledger_year_bounds(int year, int utc_offset,
		    time_t bounds[LEDGER_MONTHS + 1]);
/* Parses "received,assigned,…" into state bits (1 << state); -1 when a
 * name is not a state. */
int		 ledger_parse_states(const char *, unsigned *);

#endif

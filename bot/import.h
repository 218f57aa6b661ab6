/*
 * CSV imports (libcsv): the enterprise registry with its warning notices,
 * the area tree, and the phone numbers of SMS lists. UTF-8 with or without a BOM, as Excel and WPS save
 * it; headers in English or Chinese. Bad rows are reported with their line
 * numbers and skipped; good rows are kept.
 */
#ifndef FANGFEI_IMPORT_H
#define FANGFEI_IMPORT_H

#include <stdio.h>
#include <time.h>

#include "storage/store.h"

enum import_kind {
	IMPORT_ENTERPRISES,
	IMPORT_AREAS,
	IMPORT_PHONES,		/* phone,area[,name]: storage/phones.h */
};

struct import_stats {
	long	 rows;		/* data rows read */
	long	 imported;
	long	 rejected;
	long	 warnings;
	long	 flagged;	/* enterprises linked to a notice */
	/* Phones: each number is written once, as the last of its rows
	 * says; imported = added + moved + unchanged. */
	long	 added;
	long	 moved;		/* known, now in another area */
	long	 unchanged;
	long	 duplicates;	/* rows overridden by a later row */
};

/* For `fangfei notice add`: every row goes on this draft notice. */
struct import_notice {
	int		 issue;
	const char	*date;		/* YYYY-MM-DD */
	const char	*title;
};

/* Imports the CSV stream f (named path in messages), writing one line per
 * bad row to errs. With an actor, the audit log's entry for the import
 * ("enterprise import", "notice add", "areas import" or "phones import",
 * with the counts) is written in the import's own transaction: there is
 * no import without its entry. Enterprise rows with notice columns go on
 * published notices; with a struct import_notice, every row goes on that
 * draft notice instead (the measure column still applies). Phone rows are
 * normalised (messages/sms.h) and stored sealed; what goes to errs and
 * *cause never holds a number but in its masked form. Returns 0 if the
 * file could be read at all (bad rows included), -1 with *cause otherwise
 * (no header, unreadable, database failure); on -1 nothing is kept. */
int	 import_csv(struct store *, enum import_kind, FILE *f,
	    const char *path, FILE *errs, time_t now,
	    const struct import_notice *, const char *actor,
	    struct import_stats *, char **cause);

#endif

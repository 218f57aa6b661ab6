/*
 * Receipts (回执号): sixteen random digits that open one tip's status and
 * conversation for whoever holds them, from any chat, by SMS or on the
 * letter page. The digits are shown once, when the tip is made; the
 * store keeps only their slow hash (scrypt under a salt derived from the
 * store key), so that the database file alone opens no tip and a stolen
 * key still costs a guesser milliseconds per try.
 */
#ifndef FANGFEI_RECEIPTS_H
#define FANGFEI_RECEIPTS_H

#include <stdint.h>
#include <time.h>

#include "store.h"
#include "tips.h"

#define RECEIPT_DIGITS		16
#define RECEIPT_TEXT_MAX	20	/* "1234 5678 9012 3456" and NUL */

/*
 * Reads what a person typed — sixteen digits, with spaces or dashes
 * anywhere between them (ASCII or full-width) — into out. Returns 0, or
 * -1 when it is anything else (and then out holds "").
 */
int		 receipt_parse(const char *in, char out[RECEIPT_DIGITS + 1]);
/* Writes digits grouped 4-4-4-4 with spaces, to be read off a screen. */
void		 receipt_format(const char *digits, char out[RECEIPT_TEXT_MAX]);

/* Gives tip a new receipt, written into digits; STORE_INVALID when it
 * has one already (a receipt is shown once). The caller holds a
 * transaction. */
enum store_status receipts_issue(struct store *, int64_t tip, time_t now,
		    char digits[RECEIPT_DIGITS + 1]);
/*
 * Gives a receipt to the tip that (channel, sender) made at now, if it
 * has none yet: what the letter page calls after its form went through
 * the dispatcher. ref gets the tip's reference. STORE_NOT_FOUND when no
 * such tip was made at now (the form was refused, or was a resubmission
 * answered from the dedupe record). The caller holds a transaction.
 */
enum store_status receipts_issue_new(struct store *, const char *channel,
		    const char *sender, time_t now, char ref[TIP_REF_MAX],
		    char digits[RECEIPT_DIGITS + 1]);
/* The tip a receipt opens; STORE_NOT_FOUND for a wrong one and an
 * unknown one alike. */
enum store_status receipts_find(struct store *, const char *digits,
		    int64_t *tip);

#endif

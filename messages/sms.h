/*
 * What the SMS adapters (Kannel, Twilio) need to know about texts and
 * numbers, with no I/O: mainland China mobile numbers brought to E.164 and
 * masked for logs, and the segment arithmetic of 3GPP TS 23.038 / 23.040
 * (GSM 7-bit or UCS-2, how many parts a text takes, how much of it fits).
 * Pure functions; nothing here allocates.
 */
#ifndef FANGFEI_SMS_H
#define FANGFEI_SMS_H

#include <stddef.h>

/* "+" and the 15 digits E.164 allows, and the NUL. A mainland mobile takes
 * 14 bytes ("+8613800000001"); the room is that of any E.164 number so that
 * the buffers stay right when other forms are accepted. */
#define PHONE_E164_MAX	17

/*
 * Brings a mainland mobile number as people write it to E.164: 11 digits
 * 1[3-9]XXXXXXXXX, optionally after +86, 0086 or 86, with spaces, tabs,
 * dashes, dots and parentheses anywhere as separators, full-width forms
 * (０-９, ＋, （）, the ideographic space) as well. Returns 0 with
 * "+861XXXXXXXXXX" in out, or -1 with out empty and, if why is not NULL,
 * *why set to a short reason for the user, Chinese then English (empty,
 * unexpected characters, wrong number of digits, not a mobile number, or
 * only mainland mobiles for landlines and other countries' numbers).
 */
int	 phone_normalise(const char *in, char out[PHONE_E164_MAX],
	    const char **why);

/*
 * Writes the loggable form of a normalised number: "+8613800000001" becomes
 * "138****0001". Anything else becomes "***": the input is never echoed.
 * Truncates to size bytes (NUL included); writes nothing if size is 0.
 */
void	 phone_mask(const char *e164, char *out, size_t size);

#define SMS_GSM7_SINGLE	160	/* septets in a lone message */
#define SMS_GSM7_PART	153	/* septets in one part of a concatenated one */
#define SMS_UCS2_SINGLE	70	/* UTF-16 code units, lone */
#define SMS_UCS2_PART	67	/* UTF-16 code units, per part */

enum sms_coding {
	SMS_GSM7,		/* GSM 03.38 default alphabet and extension */
	SMS_UCS2,		/* anything else: UTF-16 */
};

/*
 * The coding a text is sent in: GSM-7 when every character is in the GSM
 * 03.38 default alphabet or its extension table, else UCS-2. The functions
 * below expect valid UTF-8; a byte that does not decode counts as one
 * character outside the GSM alphabet (as U+FFFD would), never more.
 */
enum sms_coding	 sms_coding(const char *utf8);

/*
 * How many parts the text takes: one if it fits a lone message (160
 * septets, 70 UTF-16 units), else the parts of 153 septets or 67 units a
 * concatenated message is cut into, where neither an extension character
 * (two septets: ESC and the character) nor a surrogate pair is split. An
 * empty text still takes one part. If units is not NULL, *units gets the
 * total in septets or UTF-16 code units.
 */
int		 sms_parts(const char *utf8, size_t *units);

/*
 * The byte length of the longest prefix of the text that takes at most
 * max_parts parts (0 if max_parts < 1): never in the middle of a UTF-8
 * character, a surrogate pair or an extension character. When the text
 * does not fit whole, the cut goes after the last line break, space or
 * Chinese punctuation mark (，。；！？、) if there is one in the last fifth
 * of the budget, so that a word or clause is not cut in two.
 */
size_t		 sms_fit(const char *utf8, int max_parts);

/*
 * Turns the Markdown the bot writes into plain text for SMS, in place:
 * "**x**" and "__x__" become x, "`x`" becomes x, "[text](url)" becomes
 * "text url" (only the url when the text is the url itself), and the "# "
 * heading and "> " quote marks at the start of a line go. A marker is only
 * taken as such when it is closed on the same line; everything else, list
 * bullets "- " included, stays as it is. The text never grows, and valid
 * UTF-8 stays valid (only ASCII bytes are dropped or replaced).
 */
void		 sms_plain(char *utf8);
/* An answer as one SMS text: a plain copy of utf8 (sms_plain), cut to
 * max_parts parts (sms_fit). Caller frees. */
char		*sms_text(const char *utf8, int max_parts);
/*
 * Masks in place every run of seven or more ASCII digits in s (a platform's
 * error text may quote the number it refused), all but its first three and
 * its last: "+8613800000001 is invalid" becomes "+861*********1 is
 * invalid". The length stays; nothing else changes.
 */
void		 sms_mask_numbers(char *s);
/* The parts the SMS of utf8 takes (that of sms_text(utf8, max_parts));
 * *cut (may be NULL) is set when the text had to be cut to fit. */
int		 sms_cost(const char *utf8, int max_parts, int *cut);

#endif

/*
 * Fuzzes the recurrence rules of reminders (bot/rrule.c, libical's RRULE
 * reader): the rule and time zone an API client or the command line
 * gives. Input: byte 0 picks the zone (low 2 bits: none, Asia/Shanghai,
 * America/New_York, or the text up to the first newline) and with byte 1
 * the start; then the rule. rrule_check() must answer 0, or -1 with a
 * reason that is valid UTF-8 when the zone's name is; a rule it accepts
 * must give at most the occurrences asked, strictly later than `after`
 * and in order, each with a local time "YYYY-MM-DD HH:MM"; the default
 * start of any rule is in whole minutes, within the hour ahead.
 */
#include <stdio.h>

#include "bot/rrule.h"
#include "fuzz_common.h"
#include "messages/text.h"

#define FUZZ_RRULE_N	8	/* occurrences asked */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*zones[] = { "", RRULE_TZ, "America/New_York" };
	time_t			 t[FUZZ_RRULE_N], start, after, when_start;
	char			*in, *rule, *tz, *nl, why[256], when[20];
	int			 n, i;

	if (size < 2)
		return 0;
	/* A start between 2026 and about 2031, at any second of the day. */
	start = 1767225600 + (time_t)data[1] * 7 * 86400 + (data[0] >> 2) * 1111;
	after = start - 1 + (data[0] & 0x80 ? 86400 : 0);
	in = fuzz_strdup(data + 2, size - 2);
	rule = in;
	tz = (char *)zones[(data[0] & 3) % 3];
	if ((data[0] & 3) == 3 && (nl = strchr(in, '\n')) != NULL) {
		*nl = '\0';
		tz = in;
		rule = nl + 1;
	}
	/* The default start: in whole minutes, within the hour ahead. */
	when_start = rrule_start(rule, tz, start);
	FUZZ_ASSERT(when_start % 60 == 0 && when_start > start - 60 &&
	    when_start < start + 3600);
	why[0] = '\0';
	if (rrule_check(rule, tz, why, sizeof why) == -1) {
		FUZZ_ASSERT(why[0] != '\0');
		if (utf8_valid(tz, strlen(tz)))
			FUZZ_ASSERT(utf8_valid(why, strlen(why)));
		goto out;
	}
	FUZZ_ASSERT(strlen(rule) < RRULE_MAX);
	n = rrule_next(rule, tz, start, after, t, FUZZ_RRULE_N);
	FUZZ_ASSERT(n >= 0 && n <= FUZZ_RRULE_N);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(t[i] > after);
		FUZZ_ASSERT(i == 0 || t[i] > t[i - 1]);
		rrule_local(t[i], tz, when);
		FUZZ_ASSERT(strlen(when) == 16 && when[4] == '-' &&
		    when[10] == ' ' && when[13] == ':');
	}
out:
	free(in);
	return 0;
}

/*
 * Fuzzes the SMS helpers (messages/sms.c). The input, up to its first NUL,
 * is a phone number and a text at once; byte 0 also picks the size of the
 * mask buffer. Output buffers are heap blocks of exactly the size passed,
 * so AddressSanitizer catches a write one byte past them.
 *
 * A number phone_normalise() accepts is "+861" and 10 digits and
 * normalises to itself; phone_mask() writes exactly the masked form of a
 * normalised number and "***" for anything else, cut to its size. On valid
 * UTF-8, sms_fit()'s prefix is valid, takes at most the parts asked and,
 * unless it ends at a break, is the longest that does; sms_plain() keeps
 * the text valid and never makes it longer.
 */
#include <stdio.h>

#include "fuzz_common.h"
#include "messages/sms.h"
#include "messages/text.h"

static char *
xmalloc_exact(size_t n)
{
	char	*p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		abort();
	return p;
}

/* True for "+861" and 10 digits, the third digit 3-9. */
static int
is_e164(const char *s)
{
	size_t	 i;

	if (strlen(s) != 14 || strncmp(s, "+861", 4) != 0 || s[4] < '3')
		return 0;
	for (i = 4; i < 14; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The mask of s cut to size bytes must be exactly what is expected. */
static void
check_mask(const char *s, int normalised, size_t size)
{
	char	*out = xmalloc_exact(size);
	char	 want[32];

	if (normalised)
		(void)snprintf(want, sizeof want, "%.3s****%s", s + 3, s + 10);
	else
		(void)snprintf(want, sizeof want, "***");
	phone_mask(s, out, size);
	if (size > 0) {
		FUZZ_ASSERT(memchr(out, '\0', size) != NULL);
		FUZZ_ASSERT(strncmp(out, want, size - 1) == 0);
		FUZZ_ASSERT(strlen(out) == (strlen(want) < size - 1 ?
		    strlen(want) : size - 1));
	}
	free(out);
}

static void
fuzz_phone(const char *s, size_t masksz)
{
	char		*out = xmalloc_exact(PHONE_E164_MAX);
	char		*again = xmalloc_exact(PHONE_E164_MAX);
	const char	*why = NULL;
	int		 self;

	if (phone_normalise(s, out, &why) == 0) {
		FUZZ_ASSERT(is_e164(out));
		FUZZ_ASSERT(phone_normalise(out, again, NULL) == 0);
		FUZZ_ASSERT(strcmp(out, again) == 0);
		check_mask(out, 1, masksz);
		check_mask(out, 1, PHONE_E164_MAX);
	} else {
		FUZZ_ASSERT(out[0] == '\0');
		FUZZ_ASSERT(why != NULL && strstr(why, " / ") != NULL);
	}
	/* The input itself is masked only if it is a normalised number. */
	self = phone_normalise(s, again, NULL) == 0 && strcmp(s, again) == 0;
	FUZZ_ASSERT(self == is_e164(s));
	check_mask(s, self, masksz);
	free(out);
	free(again);
}

/* A heap copy of the first n bytes of s, NUL-terminated. */
static char *
prefix(const char *s, size_t n)
{
	char	*p = xmalloc_exact(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* The byte length of the character at s (len > 0 bytes left). */
static size_t
char_len(const char *s, size_t len)
{
	uint32_t	 cp;
	size_t		 n = utf8_decode(s, len, &cp);

	return n == 0 ? 1 : n;
}

/* True if the character ending at s + n is one sms_fit() may cut after. */
static int
ends_at_break(const char *s, size_t n)
{
	static const char *const brk[] = {
		"\n", " ", "\xe3\x80\x80", "、", "。", "！", "，", "；", "？"
	};
	size_t	 i, k;

	for (i = 0; i < sizeof brk / sizeof brk[0]; i++) {
		k = strlen(brk[i]);
		if (n >= k && memcmp(s + n - k, brk[i], k) == 0)
			return 1;
	}
	return 0;
}

static void
fuzz_fit(const char *s, int max)
{
	size_t	 len = strlen(s), n = sms_fit(s, max);
	char	*p, *q;

	FUZZ_ASSERT(n <= len);
	p = prefix(s, n);
	FUZZ_ASSERT(utf8_valid(p, n));
	FUZZ_ASSERT(sms_parts(p, NULL) <= max);
	if (n < len) {
		FUZZ_ASSERT(sms_parts(s, NULL) > max);
		if (!ends_at_break(s, n)) {
			q = prefix(s, n + char_len(s + n, len - n));
			FUZZ_ASSERT(sms_parts(q, NULL) > max);
			free(q);
		}
	} else
		FUZZ_ASSERT(sms_parts(s, NULL) <= max);
	free(p);
}

static void
fuzz_text(const char *s)
{
	size_t		 len = strlen(s), units;
	int		 parts, max;
	enum sms_coding	 c;
	char		*t;

	c = sms_coding(s);
	parts = sms_parts(s, &units);
	FUZZ_ASSERT(parts >= 1);
	FUZZ_ASSERT((parts == 1) == (units <= (c == SMS_GSM7 ?
	    SMS_GSM7_SINGLE : SMS_UCS2_SINGLE)));
	FUZZ_ASSERT(units <= 2 * len);
	if (!utf8_valid(s, len)) {
		FUZZ_ASSERT(sms_fit(s, 1) <= len);
		return;
	}
	for (max = 1; max <= 4; max++)
		fuzz_fit(s, max);
	FUZZ_ASSERT(sms_fit(s, 0) == 0);
	t = prefix(s, len);
	sms_plain(t);
	FUZZ_ASSERT(strlen(t) <= len);
	FUZZ_ASSERT(utf8_valid(t, strlen(t)));
	free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = fuzz_strdup(data, size);

	fuzz_phone(s, size > 0 ? data[0] % 20 : 0);
	fuzz_text(s);
	free(s);
	return 0;
}

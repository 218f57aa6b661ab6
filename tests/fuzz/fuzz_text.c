/*
 * Fuzzes the text helpers (messages/text.c, messages/texts.c) that see user
 * input: company-name forms and n-grams, the USCC check, UTF-8 and UTF-16
 * offsets, trimming, folding and placeholder rendering. Output buffers are
 * heap blocks of exactly the size passed, so AddressSanitizer catches a
 * write or read one byte past them.
 */
#include "fuzz_common.h"
#include "messages/buf.h"
#include "messages/message.h"
#include "messages/text.h"
#include "messages/texts.h"

#define GRAMS_MAX	(NAME_MAX_BYTES * 3)	/* as storage/search.c */

static char *
xmalloc_exact(size_t n)
{
	char	*p = malloc(n);

	if (p == NULL)
		abort();
	return p;
}

/* The name forms as the store computes them, then their n-grams. */
static void
fuzz_names(const char *s, size_t small)
{
	char	*fold = xmalloc_exact(NAME_MAX_BYTES);
	char	*key = xmalloc_exact(NAME_MAX_BYTES);
	char	*grams = xmalloc_exact(GRAMS_MAX);
	char	*tiny = xmalloc_exact(small + 1);
	size_t	 n;

	if (name_forms(s, fold, key, NAME_MAX_BYTES) == 0) {
		FUZZ_ASSERT(strlen(fold) < NAME_MAX_BYTES);
		FUZZ_ASSERT(strlen(key) <= strlen(fold));
		FUZZ_ASSERT(utf8_valid(fold, strlen(fold)));
		FUZZ_ASSERT(utf8_valid(key, strlen(key)));
		for (n = 1; n <= 4; n++)
			if (name_ngrams(fold, n, grams, GRAMS_MAX) == 0)
				FUZZ_ASSERT(utf8_valid(grams, strlen(grams)));
		(void)name_ngrams(key, 2 + small % 2, tiny, small + 1);
	}
	/* Also straight on the input, as search.c does with a query. */
	(void)name_ngrams(s, 1 + small % 3, tiny, small + 1);
	free(fold);
	free(key);
	free(grams);
	free(tiny);
}

static void
fuzz_uscc(const char *s)
{
	char			*code = xmalloc_exact(USCC_LEN + 1);
	char			 expect = 0;
	enum uscc_status	 st;

	st = uscc_check(s, code, &expect);
	if (st == USCC_OK || st == USCC_BAD_CHECK) {
		FUZZ_ASSERT(strlen(code) == USCC_LEN);
		FUZZ_ASSERT(uscc_check_char(code) != 0);
		FUZZ_ASSERT(st == USCC_OK ?
		    uscc_check_char(code) == code[17] :
		    uscc_check_char(code) == expect && expect != code[17]);
	}
	free(code);
	if (strlen(s) >= 17)
		(void)uscc_check_char(s);
}

static void
fuzz_utf8(const uint8_t *data, size_t size, const char *s)
{
	const char	*raw = (const char *)data;
	size_t		 u16, i, n, len = strlen(s);
	long		 off;
	uint32_t	 cp;
	char		 enc[4];
	int		 valid;

	/* On the raw bytes: no NUL terminator to lean on. utf8_valid()
	 * checks byte ranges in place; it must say what decoding says. */
	(void)utf8_valid_text(raw, size);
	valid = 1;
	for (i = 0; i < size; i += n ? n : 1) {
		n = utf8_decode(raw + i, size - i, &cp);
		if (n != 0)
			FUZZ_ASSERT(utf8_encode(cp, enc) == n &&
			    memcmp(enc, raw + i, n) == 0);
		else
			valid = 0;
	}
	FUZZ_ASSERT(utf8_valid(raw, size) == valid);
	if (utf8_valid(s, len)) {
		FUZZ_ASSERT(utf8_count(s) <= len);
		u16 = size > 0 ? data[0] % 64 : 0;
		off = utf8_offset_utf16(s, len, u16);
		FUZZ_ASSERT(off >= -1 && off <= (long)len);
		off = utf8_offset_utf16(s, len, len);
		FUZZ_ASSERT(off >= -1 && off <= (long)len);
		FUZZ_ASSERT(utf8_prefix(s, u16) <= len);
	}
	(void)utf8_offset_utf16(raw, size, size > 1 ? data[1] : 0);
	(void)utf8_prefix(s, (size_t)-1);
}

static void
fuzz_trim_fold(const char *s, size_t outsz)
{
	char	*copy = strdup(s), *t, *out;

	FUZZ_ASSERT(copy != NULL);
	t = text_trim(copy);
	FUZZ_ASSERT(t == copy && strlen(t) <= strlen(s));
	free(copy);
	out = xmalloc_exact(outsz);
	if (text_fold(s, out, outsz) == 0)
		FUZZ_ASSERT(strlen(out) < outsz);
	free(out);
}

/* One text with the input as the value of each placeholder its template
 * names (found in the template, so new texts are covered as they come). */
static void
fuzz_render(const char *s, enum msg_key key, enum locale loc)
{
	const char	*t = msg_template(loc, key), *open, *close;
	char		 names[16][32];
	struct msg_var	 vars[16 + 1];
	struct buf	 b;
	char		*str;
	size_t		 n = 0, len;

	while (n < 16 && (open = strchr(t, '{')) != NULL &&
	    (close = strchr(open, '}')) != NULL) {
		len = (size_t)(close - open - 1);
		if (len < sizeof names[0]) {
			memcpy(names[n], open + 1, len);
			names[n][len] = '\0';
			vars[n].name = names[n];
			vars[n].value = s;
			n++;
		}
		t = close + 1;
	}
	vars[n].name = NULL;
	vars[n].value = NULL;
	buf_init(&b, REPLY_TEXT_MAX);
	(void)msg_render(&b, loc, key, vars);
	FUZZ_ASSERT(b.len <= REPLY_TEXT_MAX);
	FUZZ_ASSERT(b.data == NULL || strlen(b.data) == b.len);
	buf_free(&b);
	str = msg_format(loc, key, vars);
	FUZZ_ASSERT(str == NULL || strlen(str) <= REPLY_TEXT_MAX);
	/* Cut at the cap between pieces, never inside a character. */
	if (str != NULL && utf8_valid(s, strlen(s)))
		FUZZ_ASSERT(utf8_valid(str, strlen(str)));
	free(str);
	/* Without values: the placeholders stay as they are. */
	str = msg_format(loc, key, NULL);
	free(str);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = fuzz_strdup(data, size);
	size_t	 pick = size > 0 ? data[size - 1] : 0;

	fuzz_names(s, pick % 40);
	fuzz_uscc(s);
	fuzz_utf8(data, size, s);
	fuzz_trim_fold(s, 1 + pick * 4);
	fuzz_render(s, (enum msg_key)(pick % MSG__COUNT), (enum locale)(pick &
	    1));
	free(s);
	return 0;
}

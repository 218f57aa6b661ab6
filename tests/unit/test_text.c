/* Unit tests: UTF-8, UTF-16 offsets, folding, name forms, USCC. */
#include "testutil.h"

#include "messages/buf.h"
#include "messages/text.h"

/* Valid and invalid UTF-8, including overlongs and surrogates. */
static void
test_utf8(void **state)
{
	uint32_t	 cp;

	(void)state;
	assert_int_equal(utf8_decode("\xe4\xb8\xad", 3, &cp), 3);
	assert_int_equal(cp, 0x4e2d);
	assert_int_equal(utf8_decode("\xc0\xaf", 2, &cp), 0);	/* overlong */
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), 0); /* surrogate */
	assert_int_equal(utf8_decode("\xe4\xb8", 2, &cp), 0);	/* cut */
	assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
	assert_true(utf8_valid_text("查询 abc\n", strlen("查询 abc\n")));
	assert_false(utf8_valid_text("a\x01" "b", 3));
	assert_false(utf8_valid_text("a\0b", 3));
	assert_false(utf8_valid("\xff", 1));
	assert_int_equal(utf8_count("中文ab"), 4);
	assert_int_equal(utf8_prefix("中文ab", 1), 3);
}

/* UTF-16 offsets: an emoji counts two units, a CJK character one. */
/* utf8_valid() as utf8_decode() would have it: one code point at a time. */
static int
valid_by_decoding(const char *s, size_t len)
{
	uint32_t	 cp;
	size_t		 i = 0, n;

	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* b alone, after ten ASCII bytes, and between ten and ten (runs long
 * enough for the eight-byte path): utf8_valid() must agree with decoding
 * on each. */
static void
valid_agrees(const unsigned char *b, size_t n)
{
	char	 x[32];
	size_t	 k, len;

	for (k = 0; k < 3; k++) {
		len = 0;
		if (k > 0) {
			memcpy(x, "0123456789", 10);
			len = 10;
		}
		memcpy(x + len, b, n);
		len += n;
		if (k == 2) {
			memcpy(x + len, "abcdefghij", 10);
			len += 10;
		}
		if (utf8_valid(x, len) != valid_by_decoding(x, len))
			fail_msg("utf8_valid differs from decoding on %02x %02x "
			    "%02x %02x (%zu bytes, layout %zu)", b[0],
			    n > 1 ? b[1] : 0, n > 2 ? b[2] : 0, n > 3 ? b[3] : 0,
			    n, k);
	}
}

/* Every one- and two-byte sequence; three and four bytes with every
 * first two and the edges of the ranges after them. */
static void
test_utf8_valid(void **state)
{
	static const unsigned char edge[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f,
	    0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xff };
	unsigned char	 b[4];
	unsigned	 a, c, d, e;

	(void)state;
	for (a = 0; a < 256; a++) {
		b[0] = (unsigned char)a;
		valid_agrees(b, 1);
		for (c = 0; c < 256; c++) {
			b[1] = (unsigned char)c;
			valid_agrees(b, 2);
			if (a < 0xe0)
				continue;
			for (d = 0; d < sizeof edge; d++) {
				b[2] = edge[d];
				valid_agrees(b, 3);
				if (a < 0xf0)
					continue;
				for (e = 0; e < sizeof edge; e++) {
					b[3] = edge[e];
					valid_agrees(b, 4);
				}
			}
		}
	}
	assert_true(utf8_valid("查询 😀 abc", strlen("查询 😀 abc")));
	assert_false(utf8_valid("ok \xed\xa0\x80", 6));
}

static void
test_utf16_offsets(void **state)
{
	const char	*s = "\xf0\x9f\x98\x80/check@Bot x";	/* 😀/check… */

	(void)state;
	assert_int_equal(utf8_offset_utf16(s, strlen(s), 0), 0);
	assert_int_equal(utf8_offset_utf16(s, strlen(s), 2), 4);
	assert_int_equal(utf8_offset_utf16(s, strlen(s), 1), -1); /* mid-pair */
	assert_int_equal(utf8_offset_utf16("中文", 6, 2), 6);
	assert_int_equal(utf8_offset_utf16("中文", 6, 3), -1);	/* past end */
}

/* Full-width letters and the ideographic space fold; trimming. */
static void
test_fold_trim(void **state)
{
	char	 out[64], t[64];

	(void)state;
	assert_int_equal(text_fold("ＡＢＣ　１２３", out, sizeof out), 0);
	assert_string_equal(out, "abc 123");
	assert_int_equal(text_fold("abc", out, 3), -1);	/* no room */
	(void)snprintf(t, sizeof t, "%s", "\xe3\x80\x80 查询 \t\n");
	assert_string_equal(text_trim(t), "查询");
}

/* The forms of a company name that matching relies on. */
static void
test_name_forms(void **state)
{
	char	 fold[NAME_MAX_BYTES], key[NAME_MAX_BYTES];

	(void)state;
	assert_int_equal(name_forms("淄博鑫源财富投资管理有限公司", fold, key,
	    sizeof fold), 0);
	assert_string_equal(fold, "淄博鑫源财富投资管理");
	assert_string_equal(key, "鑫源财富投资管理");
	/* Province and city with their suffixes, full-width brackets. */
	assert_int_equal(name_forms("山东省淄博市鑫源财富投资管理有限责任公司",
	    fold, key, sizeof fold), 0);
	assert_string_equal(key, "鑫源财富投资管理");
	assert_int_equal(name_forms("鑫源财富投资管理（淄博）股份有限公司", fold,
	    key, sizeof fold), 0);
	assert_string_equal(fold, "鑫源财富投资管理");
	/* A bracket that is not a place stays. */
	assert_int_equal(name_forms("鑫源（集团）有限公司", fold, key,
	    sizeof fold), 0);
	assert_string_equal(fold, "鑫源集团");
	/* Full-width Latin, spaces and punctuation. */
	assert_int_equal(name_forms("ＡＢＣ 科技·有限公司", fold, key,
	    sizeof fold), 0);
	assert_string_equal(fold, "abc科技");
	/* A place alone is not stripped down to nothing. */
	assert_int_equal(name_forms("山东鑫", fold, key, sizeof fold), 0);
	assert_string_equal(key, "山东鑫");
	assert_int_equal(name_forms("\xff", fold, key, sizeof fold), -1);
}

/* N-grams: a phrase of them is a substring match. */
static void
test_ngrams(void **state)
{
	char	 out[64];

	(void)state;
	assert_int_equal(name_ngrams("鑫源财富", 3, out, sizeof out), 0);
	assert_string_equal(out, "鑫源财 源财富");
	assert_int_equal(name_ngrams("鑫源财富", 2, out, sizeof out), 0);
	assert_string_equal(out, "鑫源 源财 财富");
	assert_int_equal(name_ngrams("a1鑫", 3, out, sizeof out), 0);
	assert_string_equal(out, "a1鑫");
	assert_int_equal(name_ngrams("鑫源", 3, out, sizeof out), 0);
	assert_string_equal(out, "");
	assert_int_equal(name_ngrams("", 2, out, sizeof out), 0);
	assert_string_equal(out, "");
	assert_int_equal(name_ngrams("鑫源财富", 2, out, 8), -1);
	assert_int_equal(name_ngrams("\xff\xfe", 2, out, sizeof out), -1);
}

/* GB 32100-2015 check digits, bad characters and non-codes. */
/* GB 32100's check character, as the standard writes it: each of the 17
 * characters' place in the charset, weighted. 0 for a character outside
 * it. */
static char
uscc_check_by_hand(const char *code17)
{
	static const char	 set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int	 w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29,
				    25, 13, 8, 24, 10, 30, 28 };
	const char		*p;
	int			 i, sum = 0;

	for (i = 0; i < 17; i++) {
		if (code17[i] == '\0' || (p = strchr(set, code17[i])) == NULL)
			return 0;
		sum += (int)(p - set) * w[i];
	}
	return set[(31 - sum % 31) % 31];
}

/* Every byte at every place of a valid prefix: uscc_check_char() must
 * agree with the standard's arithmetic. */
static void
uscc_every_byte(void)
{
	char	 code[18];
	int	 pos, b;

	for (pos = 0; pos < 17; pos++)
		for (b = 1; b < 256; b++) {
			memcpy(code, "91370303MA3C01001", 18);
			code[pos] = (char)b;
			if (uscc_check_char(code) != uscc_check_by_hand(code))
				fail_msg("uscc_check_char differs at %d for "
				    "byte %02x", pos, b);
		}
}

static void
test_uscc(void **state)
{
	char	 code[USCC_LEN + 1], expect = 0;

	(void)state;
	/* A published code: 91350100M000100Y43 (Fujian). */
	assert_int_equal(uscc_check("91350100M000100Y43", code, &expect),
	    USCC_OK);
	assert_int_equal(uscc_check_char("91350100M000100Y4"), '3');
	assert_int_equal(uscc_check("91370303MA3C01001E", code, &expect),
	    USCC_OK);
	/* Lower case, full width, spaces and hyphens are folded. */
	assert_int_equal(uscc_check("９1370303-ma3c 01001e", code, &expect),
	    USCC_OK);
	assert_string_equal(code, "91370303MA3C01001E");
	assert_int_equal(uscc_check("91370303MA3C01001F", code, &expect),
	    USCC_BAD_CHECK);
	assert_int_equal(expect, 'E');
	assert_int_equal(uscc_check("91370303MA3C0100IE", code, &expect),
	    USCC_BAD_CHAR);
	assert_int_equal(uscc_check("鑫源财富", code, &expect), USCC_NOT_CODE);
	assert_int_equal(uscc_check("9137030", code, &expect), USCC_NOT_CODE);
	assert_int_equal(uscc_check("abcdefghijklmnopqr", code, &expect),
	    USCC_NOT_CODE);
	uscc_every_byte();
}

/* The capped buffer refuses to grow past its maximum. */
static void
test_buf_cap(void **state)
{
	struct buf	 b;
	char		*s;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345"), 0);
	assert_int_equal(buf_adds(&b, "6789"), -1);
	assert_string_equal(b.data, "12345");
	assert_int_equal(buf_addf(&b, "%d", 678), 0);
	assert_int_equal(b.len, 8);
	s = buf_steal(&b);
	assert_string_equal(s, "12345678");
	free(s);
	buf_free(&b);
}

/* text_int64 writes what snprintf's %lld does, the extremes included. */
static void
test_int64(void **state)
{
	static const int64_t vals[] = { 0, 1, -1, 9, 10, -10, 5927593490LL,
	    -1001234567890LL, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	char	 got[TEXT_INT64_MAX], want[32];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		(void)snprintf(want, sizeof want, "%lld", (long long)vals[i]);
		assert_int_equal(text_int64(vals[i], got), strlen(want));
		assert_string_equal(got, want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf16_offsets),
		cmocka_unit_test(test_fold_trim),
		cmocka_unit_test(test_name_forms),
		cmocka_unit_test(test_ngrams),
		cmocka_unit_test(test_uscc),
		cmocka_unit_test(test_buf_cap),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}

/* Unit tests: mainland mobile numbers, masking, SMS codings, parts, cuts
 * and Markdown to plain text (messages/sms.c). */
#include "testutil.h"

#include "messages/sms.h"
#include "messages/text.h"

#define EURO	"\xe2\x82\xac"		/* € : two septets */
#define GRIN	"\xf0\x9f\x98\x80"	/* 😀: two UTF-16 units */
#define ZH	"\xe4\xb8\xad"		/* 中 */

/* Writes n copies of unit after what buf already holds. */
static void
repeat(char *buf, size_t size, const char *unit, size_t n)
{
	size_t	 len = strlen(buf), u = strlen(unit);

	assert_true(len + n * u < size);
	while (n-- > 0) {
		memcpy(buf + len, unit, u);
		len += u;
	}
	buf[len] = '\0';
}

/* Forms people write a mainland mobile in: all give the same number. */
static void
test_phone_accepted(void **state)
{
	static const char *const forms[] = {
		"13800000001",
		"+8613800000001",
		"+86 138-0000-0001",
		"0086 13800000001",
		"008613800000001",
		"8613800000001",
		"86 138 0000 0001",
		"(+86)13800000001",
		"(+86) 138.0000.0001",
		"138 0000 0001",
		"138-0000-0001",
		"(138)00000001",
		" 13800000001\n",
		"１３８０００００００１",
		"＋８６ １３８０００００００１",
		"\xe3\x80\x80+86\t13800000001\xe3\x80\x80",
		"（＋８６）１３８－００００－０００１",
	};
	char		 out[PHONE_E164_MAX];
	const char	*why;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		why = NULL;
		assert_int_equal(phone_normalise(forms[i], out, &why), 0);
		assert_string_equal(out, "+8613800000001");
		assert_null(why);
	}
	/* Every mobile prefix 13-19; why may be NULL. */
	assert_int_equal(phone_normalise("19912345678", out, NULL), 0);
	assert_string_equal(out, "+8619912345678");
	assert_int_equal(phone_normalise("+86 166 1234 5678", out, NULL), 0);
	assert_string_equal(out, "+8616612345678");
	/* Its own output normalises to itself. */
	assert_int_equal(phone_normalise("+8616612345678", out, NULL), 0);
	assert_string_equal(out, "+8616612345678");
}

/* Refused forms, each with its reason (Chinese, then English). */
static void
test_phone_refused(void **state)
{
	static const struct {
		const char	*in;
		const char	*why;
	} cases[] = {
		{ "", "号码为空 / empty number" },
		{ "   ", "号码为空 / empty number" },
		{ "--()", "号码为空 / empty number" },
		{ "+", "号码位数不对 / wrong number of digits" },
		{ "+86", "号码位数不对 / wrong number of digits" },
		{ "1380000000", "号码位数不对 / wrong number of digits" },
		{ "138000000011", "号码位数不对 / wrong number of digits" },
		{ "+86 138 0000 00011", "号码位数不对 / wrong number of digits" },
		{ "12345678901", "不是中国大陆手机号 / not a mainland mobile number" },
		{ "+8611012345678",
		    "不是中国大陆手机号 / not a mainland mobile number" },
		{ "23456789", "不是中国大陆手机号 / not a mainland mobile number" },
		{ "010-65529988", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "0533 1234567", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "+86 10 6552 9988", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "+86 533 1234567", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "+852 6123 4567", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "+853 6612 3456", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "+886 912 345 678", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "00852 61234567", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "+1 415 555 0100", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "+44 7700 900123", "仅支持中国大陆手机号 / only mainland mobiles" },
		{ "138O0000001", "含有非法字符 / unexpected characters" },
		{ "138+00000001", "含有非法字符 / unexpected characters" },
		{ "++8613800000001", "含有非法字符 / unexpected characters" },
		{ "tel:13800000001", "含有非法字符 / unexpected characters" },
		{ "138\xff" "00000001", "含有非法字符 / unexpected characters" },
		{ "13800000001;", "含有非法字符 / unexpected characters" },
		{ "电话13800000001", "含有非法字符 / unexpected characters" },
	};
	char		 out[PHONE_E164_MAX], big[200];
	const char	*why;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		why = NULL;
		memcpy(out, "xxxxxxxxxxxxxxxx", PHONE_E164_MAX);
		assert_int_equal(phone_normalise(cases[i].in, out, &why), -1);
		assert_non_null(why);
		assert_string_equal(why, cases[i].why);
		assert_string_equal(out, "");
	}
	big[0] = '\0';
	repeat(big, sizeof big, "1", 150);
	assert_int_equal(phone_normalise(big, out, &why), -1);
	assert_string_equal(why, "号码太长 / number too long");
	assert_int_equal(phone_normalise("0", out, NULL), -1);
}

/* Masking shows 3 and 4 digits of a normalised number, nothing else. */
static void
test_phone_mask(void **state)
{
	char	 out[32];

	(void)state;
	phone_mask("+8613800000001", out, sizeof out);
	assert_string_equal(out, "138****0001");
	phone_mask("+8619912345678", out, sizeof out);
	assert_string_equal(out, "199****5678");
	phone_mask("13800000001", out, sizeof out);
	assert_string_equal(out, "***");
	phone_mask("+86 138-0000-0001", out, sizeof out);
	assert_string_equal(out, "***");
	phone_mask("+861380000000", out, sizeof out);
	assert_string_equal(out, "***");
	phone_mask("+86138000000012", out, sizeof out);
	assert_string_equal(out, "***");
	phone_mask("+8612800000001", out, sizeof out);
	assert_string_equal(out, "***");
	phone_mask("+85261234567", out, sizeof out);
	assert_string_equal(out, "***");
	phone_mask("+86138000a0001", out, sizeof out);
	assert_string_equal(out, "***");
	phone_mask("", out, sizeof out);
	assert_string_equal(out, "***");
	/* Truncated, still NUL-terminated; nothing written for size 0. */
	phone_mask("+8613800000001", out, 5);
	assert_string_equal(out, "138*");
	out[0] = 'x';
	phone_mask("+8613800000001", out, 0);
	assert_int_equal(out[0], 'x');
}

/* GSM-7 for the default alphabet and its extension, else UCS-2. */
static void
test_coding(void **state)
{
	(void)state;
	assert_int_equal(sms_coding(""), SMS_GSM7);
	assert_int_equal(sms_coding("Hello, world! 123 @$_\r\n"), SMS_GSM7);
	assert_int_equal(sms_coding("^{}\\[~]|" EURO "\f"), SMS_GSM7);
	assert_int_equal(sms_coding("£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"),
	    SMS_GSM7);
	assert_int_equal(sms_coding("`code`"), SMS_UCS2);
	assert_int_equal(sms_coding("a\tb"), SMS_UCS2);
	assert_int_equal(sms_coding("ç"), SMS_UCS2);	/* only Ç is in */
	assert_int_equal(sms_coding("á"), SMS_UCS2);
	assert_int_equal(sms_coding("防非 anti-fraud"), SMS_UCS2);
	assert_int_equal(sms_coding("ok " GRIN), SMS_UCS2);
	assert_int_equal(sms_coding("ok\xff"), SMS_UCS2);
}

/* Part counts exactly at the GSM-7 boundaries. */
static void
test_parts_gsm7(void **state)
{
	char	 t[1024];
	size_t	 units;

	(void)state;
	assert_int_equal(sms_parts("", &units), 1);
	assert_int_equal(units, 0);
	assert_int_equal(sms_parts("hi", NULL), 1);
	t[0] = '\0';
	repeat(t, sizeof t, "a", 160);
	assert_int_equal(sms_parts(t, &units), 1);
	assert_int_equal(units, 160);
	repeat(t, sizeof t, "a", 1);
	assert_int_equal(sms_parts(t, &units), 2);
	assert_int_equal(units, 161);
	t[0] = '\0';
	repeat(t, sizeof t, "a", 306);
	assert_int_equal(sms_parts(t, &units), 2);
	assert_int_equal(units, 306);
	repeat(t, sizeof t, "a", 1);
	assert_int_equal(sms_parts(t, &units), 3);
	assert_int_equal(units, 307);
	/* An extension character counts two: 158 + 2 fits, 159 + 2 not. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 158);
	repeat(t, sizeof t, EURO, 1);
	assert_int_equal(sms_parts(t, &units), 1);
	assert_int_equal(units, 160);
	t[0] = '\0';
	repeat(t, sizeof t, "a", 159);
	repeat(t, sizeof t, "{", 1);
	assert_int_equal(sms_parts(t, &units), 2);
	assert_int_equal(units, 161);
	/* 152 + € + 152 is 306 septets, but the ESC pair does not fit in
	 * the last septet of part 1: three parts. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 152);
	repeat(t, sizeof t, EURO, 1);
	repeat(t, sizeof t, "a", 152);
	assert_int_equal(sms_parts(t, &units), 3);
	assert_int_equal(units, 306);
	/* One fewer after it: part 2 is € and 151 a's, exactly 153. */
	t[strlen(t) - 1] = '\0';
	assert_int_equal(sms_parts(t, &units), 2);
	assert_int_equal(units, 305);
}

/* Part counts exactly at the UCS-2 boundaries. */
static void
test_parts_ucs2(void **state)
{
	char	 t[1024];
	size_t	 units;

	(void)state;
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 70);
	assert_int_equal(sms_parts(t, &units), 1);
	assert_int_equal(units, 70);
	repeat(t, sizeof t, ZH, 1);
	assert_int_equal(sms_parts(t, &units), 2);
	assert_int_equal(units, 71);
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 134);
	assert_int_equal(sms_parts(t, &units), 2);
	assert_int_equal(units, 134);
	repeat(t, sizeof t, ZH, 1);
	assert_int_equal(sms_parts(t, &units), 3);
	assert_int_equal(units, 135);
	/* ASCII with one Chinese character: all UCS-2, one unit each. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 69);
	repeat(t, sizeof t, ZH, 1);
	assert_int_equal(sms_parts(t, &units), 1);
	assert_int_equal(units, 70);
	/* An emoji is two units: 68 + 2 fits, 69 + 2 not. */
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 68);
	repeat(t, sizeof t, GRIN, 1);
	assert_int_equal(sms_parts(t, &units), 1);
	assert_int_equal(units, 70);
	repeat(t, sizeof t, ZH, 1);
	assert_int_equal(sms_parts(t, &units), 2);
	assert_int_equal(units, 71);
	/* 66 + emoji + 66 is 134 units, but the pair is not split across
	 * parts 1 and 2: three parts. */
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 66);
	repeat(t, sizeof t, GRIN, 1);
	repeat(t, sizeof t, ZH, 66);
	assert_int_equal(sms_parts(t, &units), 3);
	assert_int_equal(units, 134);
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 66);
	repeat(t, sizeof t, GRIN, 1);
	repeat(t, sizeof t, ZH, 65);
	assert_int_equal(sms_parts(t, &units), 2);
	assert_int_equal(units, 133);
}

/* sms_fit: whole texts, exact budgets, no split pairs, GSM-7 prefixes. */
static void
test_fit_budget(void **state)
{
	char	 t[2048], cut[2048];
	size_t	 n;

	(void)state;
	assert_int_equal(sms_fit("short", 1), 5);
	assert_int_equal(sms_fit("short", 0), 0);
	assert_int_equal(sms_fit("short", -1), 0);
	assert_int_equal(sms_fit("", 1), 0);
	t[0] = '\0';
	repeat(t, sizeof t, "a", 400);
	assert_int_equal(sms_fit(t, 1), 160);
	assert_int_equal(sms_fit(t, 2), 306);
	assert_int_equal(sms_fit(t, 3), 400);
	/* An ESC pair that would straddle the end stays out. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 159);
	repeat(t, sizeof t, EURO, 1);
	assert_int_equal(sms_fit(t, 1), 159);
	/* And across parts: part 1 ends at 152, € starts part 2. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 152);
	repeat(t, sizeof t, EURO, 1);
	repeat(t, sizeof t, "a", 200);
	n = sms_fit(t, 2);
	assert_int_equal(n, 152 + 3 + 151);
	memcpy(cut, t, n);
	cut[n] = '\0';
	assert_int_equal(sms_parts(cut, NULL), 2);
	/* A surrogate pair at the end of a lone UCS-2 message stays out. */
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 69);
	repeat(t, sizeof t, GRIN, 1);
	assert_int_equal(sms_fit(t, 1), 69 * 3);
	/* UCS-2 over two parts: 134 characters. */
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 200);
	assert_int_equal(sms_fit(t, 1), 70 * 3);
	assert_int_equal(sms_fit(t, 2), 134 * 3);
	/* A GSM-7 prefix fits more than the UCS-2 text it starts. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 150);
	repeat(t, sizeof t, ZH, 10);
	assert_int_equal(sms_fit(t, 1), 150);
	/* But when the UCS-2 budget gets past the first such character,
	 * the UCS-2 cut it is. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 10);
	repeat(t, sizeof t, ZH, 100);
	assert_int_equal(sms_fit(t, 1), 10 + 60 * 3);
	/* Invalid bytes count one unit each and are never exceeded. */
	t[0] = '\0';
	repeat(t, sizeof t, "\xff", 100);
	assert_int_equal(sms_fit(t, 1), 70);
}

/* sms_fit prefers a break in the last fifth of the budget. */
static void
test_fit_break(void **state)
{
	char	 t[2048];

	(void)state;
	/* A space at 140 septets (of 160): cut after it. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 139);
	repeat(t, sizeof t, " ", 1);
	repeat(t, sizeof t, "b", 100);
	assert_int_equal(sms_fit(t, 1), 140);
	/* A space at 100 of 160 is too early: the full budget. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 99);
	repeat(t, sizeof t, " ", 1);
	repeat(t, sizeof t, "b", 100);
	assert_int_equal(sms_fit(t, 1), 160);
	/* The last of several breaks; exactly at the fifth (128) counts. */
	t[0] = '\0';
	repeat(t, sizeof t, "a", 127);
	repeat(t, sizeof t, "\n", 1);
	repeat(t, sizeof t, "b", 100);
	assert_int_equal(sms_fit(t, 1), 128);
	t[0] = '\0';
	repeat(t, sizeof t, "a", 126);
	repeat(t, sizeof t, "\n", 1);
	repeat(t, sizeof t, "b", 100);
	assert_int_equal(sms_fit(t, 1), 160);
	t[0] = '\0';
	repeat(t, sizeof t, "a", 130);
	repeat(t, sizeof t, " ", 1);
	repeat(t, sizeof t, "b", 10);
	repeat(t, sizeof t, "\n", 1);
	repeat(t, sizeof t, "c", 100);
	assert_int_equal(sms_fit(t, 1), 142);
	/* Chinese punctuation: after the 。 at 60 units of 70. */
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 59);
	repeat(t, sizeof t, "。", 1);
	repeat(t, sizeof t, ZH, 40);
	assert_int_equal(sms_fit(t, 1), 60 * 3);
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 60);
	repeat(t, sizeof t, "，", 1);
	repeat(t, sizeof t, ZH, 3);
	repeat(t, sizeof t, "、", 1);
	repeat(t, sizeof t, ZH, 40);
	assert_int_equal(sms_fit(t, 1), 65 * 3);
	/* Over two parts: budget 134, a ！ at 120 (past 107.2). */
	t[0] = '\0';
	repeat(t, sizeof t, ZH, 119);
	repeat(t, sizeof t, "！", 1);
	repeat(t, sizeof t, ZH, 40);
	assert_int_equal(sms_fit(t, 2), 120 * 3);
	/* A text that fits whole is not cut at its last space. */
	assert_int_equal(sms_fit("hello world", 1), 11);
}

/* Markdown marks go; everything else stays. */
static void
test_plain(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "**鑫源财富**已被列入名单", "鑫源财富已被列入名单" },
		{ "__x__ and __y__", "x and y" },
		{ "查询 `/check 鑫源`", "查询 /check 鑫源" },
		{ "`**` stays", "** stays" },
		{ "详见[公告](https://example.org/n/1)。",
		    "详见公告 https://example.org/n/1。" },
		{ "[https://a.cn](https://a.cn)", "https://a.cn" },
		{ "**[名称](https://a.cn)**", "名称 https://a.cn" },
		{ "[**粗** `c`](u)", "粗 c u" },
		{ "# 标题\n## 小标题\n正文 # 不是", "标题\n小标题\n正文 # 不是" },
		{ "> 引用\n> > 两层\n>不是", "引用\n两层\n>不是" },
		{ "> # 引用的标题", "引用的标题" },
		{ "####### seven", "####### seven" },
		{ "#tag", "#tag" },
		{ "- 第一\n- 第二", "- 第一\n- 第二" },
		{ "* 星号 *斜体*", "* 星号 *斜体*" },
		{ "**未闭合\n**", "**未闭合\n**" },
		{ "a ** b", "a ** b" },
		{ "****", "****" },
		{ "`未闭合", "`未闭合" },
		{ "[文本](无 空格)", "[文本](无 空格)" },
		{ "[文本]()", "[文本]()" },
		{ "[文本] (u)", "[文本] (u)" },
		{ "防非 😀 12345 ，。", "防非 😀 12345 ，。" },
		{ "行一\n**行二**\n`行三`", "行一\n行二\n行三" },
		{ "", "" },
	};
	char	 buf[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		(void)snprintf(buf, sizeof buf, "%s", cases[i].in);
		sms_plain(buf);
		assert_string_equal(buf, cases[i].out);
		assert_true(utf8_valid(buf, strlen(buf)));
	}
}

/* Numbers in a platform's error text are masked; short numbers stay. */
static void
test_mask_numbers(void **state)
{
	char	 a[] = "twilio 21211: The 'To' number +8613800000001 is not valid";
	char	 b[] = "error 404 at 12:30, code 123456";
	char	 c[] = "8613800000001";

	(void)state;
	sms_mask_numbers(a);
	assert_string_equal(a, "twilio 21211: The 'To' number +861*********1 "
	    "is not valid");
	sms_mask_numbers(b);
	assert_string_equal(b, "error 404 at 12:30, code 123456");
	sms_mask_numbers(c);
	assert_string_equal(c, "861*********1");
	assert_null(strstr(a, "13800000001"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_numbers),
		cmocka_unit_test(test_phone_accepted),
		cmocka_unit_test(test_phone_refused),
		cmocka_unit_test(test_phone_mask),
		cmocka_unit_test(test_coding),
		cmocka_unit_test(test_parts_gsm7),
		cmocka_unit_test(test_parts_ucs2),
		cmocka_unit_test(test_fit_budget),
		cmocka_unit_test(test_fit_break),
		cmocka_unit_test(test_plain),
	};

	return cmocka_run_group_tests_name("sms", tests, NULL, NULL);
}

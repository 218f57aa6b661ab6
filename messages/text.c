/*
 * UTF-8, width folding, company-name forms and the USCC check digit.
 * Everything here works on caller-provided buffers with explicit sizes.
 */
#include <ctype.h>
#include <string.h>

#include "text.h"

/* Decodes one UTF-8 sequence; 0 on any malformation. */
size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 c;
	size_t			 n, i;

	if (len == 0)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		c = u[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	if (c >= 0xd800 && c <= 0xdfff)
		return 0;
	*cp = c;
	return n;
}

/* Formats a signed 64-bit integer: the ids of every inbound message and
 * of its answer, without snprintf's parsing of a format each time. */
size_t
text_int64(int64_t v, char *out)
{
	char		 tmp[TEXT_INT64_MAX];
	uint64_t	 u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t		 n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		out[len++] = '-';
	while (n > 0)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

/* Encodes one code point. */
size_t
utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Valid UTF-8, whatever the code points. */
int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint64_t		 w;
	size_t			 i = 0;
	unsigned char		 c, c1;

	/*
	 * The well-formed sequences of Unicode's table 3-7, byte ranges
	 * checked in place: utf8_decode() a code point at a time cost ~35
	 * instructions a Chinese character, and this runs over every webhook
	 * body and every answer. ASCII is taken eight bytes at a time.
	 */
	while (i < len) {
		if (len - i >= 8) {
			memcpy(&w, u + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		if ((c = u[i]) < 0x80) {
			i++;
			continue;
		}
		if (c < 0xc2 || c > 0xf4)
			return 0;	/* a continuation, overlong or past 4 bytes */
		if (c < 0xe0) {
			if (len - i < 2 || (u[i + 1] & 0xc0) != 0x80)
				return 0;
			i += 2;
			continue;
		}
		if (len - i < 3)
			return 0;
		c1 = u[i + 1];
		if (c < 0xf0) {
			if ((c1 & 0xc0) != 0x80 || (u[i + 2] & 0xc0) != 0x80 ||
			    (c == 0xe0 && c1 < 0xa0) ||	/* overlong */
			    (c == 0xed && c1 > 0x9f))	/* a surrogate */
				return 0;
			i += 3;
			continue;
		}
		if (len - i < 4 || (c1 & 0xc0) != 0x80 ||
		    (u[i + 2] & 0xc0) != 0x80 || (u[i + 3] & 0xc0) != 0x80 ||
		    (c == 0xf0 && c1 < 0x90) ||	/* overlong */
		    (c == 0xf4 && c1 > 0x8f))	/* past U+10FFFF */
			return 0;
		i += 4;
	}
	return 1;
}

/* Valid UTF-8 text: no NUL, no C0 controls but tab, CR and LF. */
int
utf8_valid_text(const char *s, size_t len)
{
	uint32_t	 cp;
	size_t		 n, i = 0;

	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return 0;
		if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
			return 0;
		if (cp == 0x7f)
			return 0;
		i += n;
	}
	return 1;
}

/* Counts code points; stops at the first invalid byte. */
size_t
utf8_count(const char *s)
{
	size_t		 len = strlen(s), i = 0, n, count = 0;
	uint32_t	 cp;

	while (i < len && (n = utf8_decode(s + i, len - i, &cp)) != 0) {
		i += n;
		count++;
	}
	return count;
}

/* Converts a UTF-16 code unit offset into a byte offset. */
long
utf8_offset_utf16(const char *s, size_t len, size_t u16)
{
	size_t		 i = 0, units = 0, n;
	uint32_t	 cp;

	while (units < u16) {
		if (i >= len || (n = utf8_decode(s + i, len - i, &cp)) == 0)
			return -1;
		units += cp >= 0x10000 ? 2 : 1;
		i += n;
	}
	if (units != u16)
		return -1;
	return (long)i;
}

/* Byte length of at most n leading code points. */
size_t
utf8_prefix(const char *s, size_t n)
{
	size_t		 len = strlen(s), i = 0, k;
	uint32_t	 cp;

	while (n > 0 && i < len && (k = utf8_decode(s + i, len - i, &cp)) != 0) {
		i += k;
		n--;
	}
	return i;
}

/* Bytes of the len-byte UTF-8 text s that fit in max without splitting a
 * character: if the byte after the cut continues a character (10xxxxxx),
 * the cut steps back to that character's start. */
size_t
utf8_fit(const char *s, size_t len, size_t max)
{
	size_t	 n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* True for ASCII white space and U+3000 at s; sets its length. */
static int
text_space_at(const char *s, size_t *n)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
		*n = 1;
		return 1;
	}
	if (strncmp(s, "\xe3\x80\x80", 3) == 0) {
		*n = 3;
		return 1;
	}
	return 0;
}

/* Trims white space, in place. */
char *
text_trim(char *s)
{
	size_t	 n, len;
	char	*p = s;

	while (*p != '\0' && text_space_at(p, &n))
		p += n;
	if (p != s)
		memmove(s, p, strlen(p) + 1);
	len = strlen(s);
	for (;;) {
		if (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
			len--;
		else if (len >= 3 && strncmp(s + len - 3, "\xe3\x80\x80", 3) == 0)
			len -= 3;
		else
			break;
	}
	s[len] = '\0';
	return s;
}

/* Maps one code point to its folded form. */
static uint32_t
text_fold_cp(uint32_t cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		cp -= 0xfee0;
	else if (cp == 0x3000)
		cp = ' ';
	if (cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	return cp;
}

/* Folds widths and case into out. */
int
text_fold(const char *in, char *out, size_t outsz)
{
	size_t		 len = strlen(in), i = 0, o = 0, n;
	uint32_t	 cp;
	char		 enc[4];

	while (i < len) {
		if ((n = utf8_decode(in + i, len - i, &cp)) == 0)
			return -1;
		i += n;
		n = utf8_encode(text_fold_cp(cp), enc);
		if (o + n >= outsz)
			return -1;
		memcpy(out + o, enc, n);
		o += n;
	}
	if (o >= outsz)
		return -1;
	out[o] = '\0';
	return 0;
}

/* True if a folded code point is kept in a name form: letters and digits
 * (ASCII, Latin and other scripts, CJK), not punctuation or symbols. */
static int
name_keep_cp(uint32_t cp)
{
	if (cp < 0x80)
		return isalnum((int)cp);
	if (cp < 0xc0 || cp == 0xd7 || cp == 0xf7)
		return 0;
	if (cp >= 0x2000 && cp <= 0x2bff)	/* punctuation, symbols */
		return 0;
	if (cp >= 0x3000 && cp <= 0x303f)	/* CJK punctuation */
		return 0;
	if (cp >= 0xfe10 && cp <= 0xfe6f)	/* vertical/small forms */
		return 0;
	if (cp >= 0xff00 && cp <= 0xffef)	/* rest of full-width forms */
		return 0;
	if (cp == 0x30fb || cp >= 0x1f000)	/* katakana dot, emoji */
		return 0;
	return 1;
}

/*
 * Place names that prefix company names: provinces, the cities of Shandong,
 * the districts of Zibo and Tianjin, and the provincial capitals. Each entry
 * is the full form; "short" is the bare name users also type.
 */
static const struct place {
	const char	*full;
	const char	*shortname;
} places[] = {
	{ "北京市", "北京" }, { "天津市", "天津" }, { "上海市", "上海" },
	{ "重庆市", "重庆" }, { "河北省", "河北" }, { "山西省", "山西" },
	{ "辽宁省", "辽宁" }, { "吉林省", "吉林" }, { "黑龙江省", "黑龙江" },
	{ "江苏省", "江苏" }, { "浙江省", "浙江" }, { "安徽省", "安徽" },
	{ "福建省", "福建" }, { "江西省", "江西" }, { "山东省", "山东" },
	{ "河南省", "河南" }, { "湖北省", "湖北" }, { "湖南省", "湖南" },
	{ "广东省", "广东" }, { "海南省", "海南" }, { "四川省", "四川" },
	{ "贵州省", "贵州" }, { "云南省", "云南" }, { "陕西省", "陕西" },
	{ "甘肃省", "甘肃" }, { "青海省", "青海" }, { "台湾省", "台湾" },
	{ "内蒙古自治区", "内蒙古" }, { "广西壮族自治区", "广西" },
	{ "西藏自治区", "西藏" }, { "宁夏回族自治区", "宁夏" },
	{ "新疆维吾尔自治区", "新疆" }, { "香港特别行政区", "香港" },
	{ "澳门特别行政区", "澳门" },
	{ "济南市", "济南" }, { "青岛市", "青岛" }, { "淄博市", "淄博" },
	{ "枣庄市", "枣庄" }, { "东营市", "东营" }, { "烟台市", "烟台" },
	{ "潍坊市", "潍坊" }, { "济宁市", "济宁" }, { "泰安市", "泰安" },
	{ "威海市", "威海" }, { "日照市", "日照" }, { "临沂市", "临沂" },
	{ "德州市", "德州" }, { "聊城市", "聊城" }, { "滨州市", "滨州" },
	{ "菏泽市", "菏泽" },
	{ "张店区", "张店" }, { "淄川区", "淄川" }, { "博山区", "博山" },
	{ "临淄区", "临淄" }, { "周村区", "周村" }, { "桓台县", "桓台" },
	{ "高青县", "高青" }, { "沂源县", "沂源" },
	{ "和平区", NULL }, { "河东区", NULL }, { "河西区", NULL },
	{ "南开区", "南开" }, { "河北区", NULL }, { "红桥区", "红桥" },
	{ "东丽区", "东丽" }, { "西青区", "西青" }, { "津南区", "津南" },
	{ "北辰区", "北辰" }, { "武清区", "武清" }, { "宝坻区", "宝坻" },
	{ "滨海新区", "滨海" }, { "宁河区", "宁河" }, { "静海区", "静海" },
	{ "蓟州区", "蓟州" },
	{ "石家庄市", "石家庄" }, { "太原市", "太原" }, { "沈阳市", "沈阳" },
	{ "长春市", "长春" }, { "哈尔滨市", "哈尔滨" }, { "南京市", "南京" },
	{ "杭州市", "杭州" }, { "合肥市", "合肥" }, { "福州市", "福州" },
	{ "南昌市", "南昌" }, { "郑州市", "郑州" }, { "武汉市", "武汉" },
	{ "长沙市", "长沙" }, { "广州市", "广州" }, { "深圳市", "深圳" },
	{ "海口市", "海口" }, { "成都市", "成都" }, { "贵阳市", "贵阳" },
	{ "昆明市", "昆明" }, { "西安市", "西安" }, { "兰州市", "兰州" },
	{ "西宁市", "西宁" }, { "呼和浩特市", "呼和浩特" },
	{ "南宁市", "南宁" }, { "拉萨市", "拉萨" }, { "银川市", "银川" },
	{ "乌鲁木齐市", "乌鲁木齐" },
};

/* Legal-form suffixes, longest first. */
static const char *const name_suffixes[] = {
	"股份有限公司", "有限责任公司", "股份公司", "有限公司", "公司", NULL
};

/* The length of p when s starts with it, else 0; it stops at the first
 * byte that differs (every check and every import asks this of each place
 * name). */
static size_t
name_starts(const char *s, const char *p)
{
	size_t	 n;

	for (n = 0; p[n] != '\0'; n++)
		if (s[n] != p[n])
			return 0;
	return n;
}

/* Length of the place name that s starts with, or 0. */
static size_t
name_place_prefix(const char *s)
{
	size_t	 i, n, best = 0;

	for (i = 0; i < sizeof places / sizeof places[0]; i++) {
		if ((n = name_starts(s, places[i].full)) > best)
			best = n;
		if (places[i].shortname != NULL &&
		    (n = name_starts(s, places[i].shortname)) > best)
			best = n;
	}
	return best;
}

/* True if the len bytes at s are exactly a place name. */
static int
name_is_place(const char *s, size_t len)
{
	return len > 0 && name_place_prefix(s) == len;
}

/* Builds the fold and key forms of a company name. */
int
name_forms(const char *name, char *fold, char *key, size_t sz)
{
	char		 tmp[NAME_MAX_BYTES * 2];
	size_t		 len, i = 0, o = 0, n, open = 0, k;
	uint32_t	 cp;
	int		 depth = 0;
	const char	*const *sfx;

	if (text_fold(name, tmp, sizeof tmp) == -1 || strlen(tmp) >= sz)
		return -1;
	len = strlen(tmp);
	/* Keep letters and digits; a bracketed place name "(淄博)" goes. */
	while (i < len) {
		n = utf8_decode(tmp + i, len - i, &cp);
		i += n;
		if (cp == '(' || cp == 0x3010 || cp == 0x3014) {
			if (depth++ == 0)
				open = o;
			continue;
		}
		if ((cp == ')' || cp == 0x3011 || cp == 0x3015) && depth > 0) {
			fold[o] = '\0';	/* name_starts() reads up to it */
			if (--depth == 0 && name_is_place(fold + open, o - open))
				o = open;
			continue;
		}
		if (!name_keep_cp(cp))
			continue;
		memcpy(fold + o, tmp + i - n, n);
		o += n;
	}
	fold[o] = '\0';
	for (sfx = name_suffixes; *sfx != NULL; sfx++) {
		k = strlen(*sfx);
		if (o > k && strcmp(fold + o - k, *sfx) == 0) {
			o -= k;
			fold[o] = '\0';
			break;
		}
	}
	/* The key drops up to three leading place names (省, 市, 区). */
	i = 0;
	for (k = 0; k < 3; k++) {
		n = name_place_prefix(fold + i);
		if (n == 0 || utf8_count(fold + i + n) < 2)
			break;
		i += n;
	}
	memmove(key, fold + i, o - i + 1);
	return 0;
}

/* Writes the space-separated overlapping n-grams of a folded name. */
int
name_ngrams(const char *fold, size_t n, char *out, size_t outsz)
{
	size_t		 len = strlen(fold), starts[NAME_MAX_BYTES + 1];
	size_t		 count = 0, i = 0, k, o = 0, a, b;
	uint32_t	 cp;

	if (outsz == 0 || n == 0 || len > NAME_MAX_BYTES)
		return -1;
	while (i < len) {
		if ((k = utf8_decode(fold + i, len - i, &cp)) == 0)
			return -1;
		starts[count++] = i;
		i += k;
	}
	starts[count] = len;
	out[0] = '\0';
	for (i = 0; i + n <= count; i++) {
		a = starts[i];
		b = starts[i + n];
		if (o + (o ? 1 : 0) + (b - a) + 1 > outsz)
			return -1;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, fold + a, b - a);
		o += b - a;
	}
	out[o] = '\0';
	return 0;
}

/* GB 32100-2015: the 31 characters of the code and the position weights. */
static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int uscc_weights[17] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

/*
 * The value of a code character, 0-30, or -1 for one outside the charset
 * (a table rather than strchr() over the charset: 35 lookups a check).
 */
static int
uscc_value(char ch)
{
	static const signed char value[128] = {
		['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
		['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
		['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
		['F'] = 16, ['G'] = 17, ['H'] = 18, ['J'] = 19, ['K'] = 20,
		['L'] = 21, ['M'] = 22, ['N'] = 23, ['P'] = 24, ['Q'] = 25,
		['R'] = 26, ['T'] = 27, ['U'] = 28, ['W'] = 29, ['X'] = 30,
		['Y'] = 31,
	};	/* value + 1, so that 0 is "not in the charset" */
	unsigned char	 u = (unsigned char)ch;

	return u < 128 ? value[u] - 1 : -1;
}

/* Computes the check character of a 17-character prefix. */
char
uscc_check_char(const char *code17)
{
	int		 i, sum = 0, c, v;

	for (i = 0; i < 17; i++) {
		if ((v = uscc_value(code17[i])) < 0)
			return 0;
		sum += v * uscc_weights[i];
	}
	c = 31 - sum % 31;
	return uscc_charset[c == 31 ? 0 : c];
}

/* Folds and checks a candidate USCC. */
enum uscc_status
uscc_check(const char *q, char code[USCC_LEN + 1], char *expect)
{
	size_t		 len = strlen(q), i = 0, n, o = 0;
	uint32_t	 cp;
	char		 c;

	while (i < len) {
		if ((n = utf8_decode(q + i, len - i, &cp)) == 0)
			return USCC_NOT_CODE;
		i += n;
		cp = text_fold_cp(cp);
		if (cp == ' ' || cp == '-')
			continue;
		if (cp >= 0x80 || !isalnum((int)cp) || o == USCC_LEN)
			return USCC_NOT_CODE;
		code[o++] = (char)toupper((int)cp);
	}
	code[o] = '\0';
	if (o != USCC_LEN)
		return USCC_NOT_CODE;
	/* Characters 3-8 are the division code: a code has digits in it. */
	for (i = 0, n = 0; i < USCC_LEN; i++)
		n += isdigit((unsigned char)code[i]) ? 1 : 0;
	if (n < 6)
		return USCC_NOT_CODE;
	for (i = 0; i < USCC_LEN; i++)
		if (uscc_value(code[i]) < 0)
			return USCC_BAD_CHAR;
	c = uscc_check_char(code);
	if (c != code[17]) {
		if (expect != NULL)
			*expect = c;
		return USCC_BAD_CHECK;
	}
	return USCC_OK;
}

/* The byte length of the space at p that ends a mention (0: none). */
static size_t
text_mention_space(const char *p)
{
	if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		return 1;
	if (strncmp(p, "\xe2\x80\x85", 3) == 0 ||
	    strncmp(p, "\xe3\x80\x80", 3) == 0)
		return 3;
	if (strncmp(p, "\xc2\xa0", 2) == 0)
		return 2;
	return 0;
}

void
text_strip_mentions(char *text)
{
	char	*p = text;
	size_t	 n;

	for (;;) {
		while (*p != '\0' && (n = text_mention_space(p)) != 0)
			p += n;
		if (*p != '@' && strncmp(p, "\xef\xbc\xa0", 3) != 0)
			break;
		while (*p != '\0' && text_mention_space(p) == 0)
			p++;
	}
	memmove(text, p, strlen(p) + 1);
	text_trim(text);
	n = strlen(text);
	while (n >= 3 && strcmp(text + n - 3, "\xe2\x80\x85") == 0)
		text[n -= 3] = '\0';
}

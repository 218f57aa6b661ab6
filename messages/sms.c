/*
 * Mainland mobile numbers, GSM-7/UCS-2 segment arithmetic and Markdown to
 * plain text, for the SMS adapters. Everything works on the caller's
 * strings and buffers; the UTF-8 and width folding come from text.c.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"
#include "xmalloc.h"
#include "text.h"

/* Folded input longer than this is not a phone number, however written. */
#define PHONE_INPUT_MAX	128

static const char phone_empty[] = "号码为空 / empty number";
static const char phone_bad_char[] = "含有非法字符 / unexpected characters";
static const char phone_too_long[] = "号码太长 / number too long";
static const char phone_bad_len[] = "号码位数不对 / wrong number of digits";
static const char phone_not_mobile[] =
    "不是中国大陆手机号 / not a mainland mobile number";
static const char phone_not_mainland[] =
    "仅支持中国大陆手机号 / only mainland mobiles";

/*
 * Folds in (full-width forms to ASCII) and keeps its digits in digits, the
 * separators dropped; *plus tells whether a "+" came before the first
 * digit. Returns NULL, or the reason the input cannot be a number.
 */
static const char *
phone_digits(const char *in, char digits[PHONE_INPUT_MAX], int *plus)
{
	char	 fold[PHONE_INPUT_MAX];
	size_t	 i, n = 0;

	*plus = 0;
	if (text_fold(in, fold, sizeof fold) == -1)
		return utf8_valid(in, strlen(in)) ? phone_too_long :
		    phone_bad_char;
	for (i = 0; fold[i] != '\0'; i++) {
		if (fold[i] >= '0' && fold[i] <= '9')
			digits[n++] = fold[i];
		else if (fold[i] == '+' && n == 0 && !*plus)
			*plus = 1;
		else if (strchr(" \t\r\n-.()", fold[i]) == NULL)
			return phone_bad_char;
	}
	digits[n] = '\0';
	if (n == 0)
		return *plus ? phone_bad_len : phone_empty;
	return NULL;
}

/*
 * Checks the national number n (what is left after the country code, or
 * the digits as written) and whether a country code came with it.
 * Returns NULL for a mobile number, else the reason.
 */
static const char *
phone_mobile(const char *n, int intl)
{
	size_t	 len = strlen(n);

	if (len == 0)
		return phone_bad_len;
	/* A landline: trunk 0 and an area code, or an area code right after
	 * +86 (all but Beijing's 10 start with 2-9). */
	if (n[0] == '0' || (intl && n[0] != '1') ||
	    (intl && n[1] == '0' && len == 10))
		return phone_not_mainland;
	if (n[0] != '1')
		return phone_not_mobile;
	if (len != 11)
		return phone_bad_len;
	if (n[1] < '3')
		return phone_not_mobile;
	return NULL;
}

/* Normalises a mainland mobile number to E.164. */
int
phone_normalise(const char *in, char out[PHONE_E164_MAX], const char **why)
{
	char		 digits[PHONE_INPUT_MAX];
	const char	*err, *cc, *n = digits;
	int		 plus, intl = 0;

	out[0] = '\0';
	if ((err = phone_digits(in, digits, &plus)) != NULL)
		goto out;
	/* "+" or the international prefix 00: a country code follows. */
	if (plus || strncmp(digits, "00", 2) == 0) {
		cc = plus ? digits : digits + 2;
		if (strncmp(cc, "86", 2) != 0) {
			err = phone_not_mainland;
			goto out;
		}
		n = cc + 2;
		intl = 1;
	} else if (strlen(digits) == 13 && strncmp(digits, "86", 2) == 0) {
		/* 86 without the "+": a mobile never starts with 8. */
		n = digits + 2;
		intl = 1;
	}
	if ((err = phone_mobile(n, intl)) != NULL)
		goto out;
	(void)snprintf(out, PHONE_E164_MAX, "+86%.11s", n);
out:
	if (err != NULL && why != NULL)
		*why = err;
	return err == NULL ? 0 : -1;
}

/* True if s is what phone_normalise() writes. */
static int
phone_is_e164(const char *s)
{
	size_t	 i;

	if (strlen(s) != 14 || strncmp(s, "+861", 4) != 0 ||
	    s[4] < '3' || s[4] > '9')
		return 0;
	for (i = 5; i < 14; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Masks a normalised number for logs. */
void
phone_mask(const char *e164, char *out, size_t size)
{
	if (size == 0)
		return;
	if (phone_is_e164(e164))
		(void)snprintf(out, size, "%.3s****%s", e164 + 3, e164 + 10);
	else
		(void)snprintf(out, size, "***");
}

/*
 * The characters of the GSM 03.38 default alphabet outside ASCII, sorted
 * for bsearch. Of ASCII it holds LF, CR and all printable characters but
 * the backtick and the extension table's ^{}\[~]|.
 */
static const uint16_t gsm_basic[] = {
	0x00a1, 0x00a3, 0x00a4, 0x00a5, 0x00a7, 0x00bf, 0x00c4, 0x00c5,
	0x00c6, 0x00c7, 0x00c9, 0x00d1, 0x00d6, 0x00d8, 0x00dc, 0x00df,
	0x00e0, 0x00e4, 0x00e5, 0x00e6, 0x00e8, 0x00e9, 0x00ec, 0x00f1,
	0x00f2, 0x00f6, 0x00f8, 0x00f9, 0x00fc, 0x0393, 0x0394, 0x0398,
	0x039b, 0x039e, 0x03a0, 0x03a3, 0x03a6, 0x03a8, 0x03a9,
};

/* bsearch comparison of two code points of gsm_basic. */
static int
gsm_cmp(const void *a, const void *b)
{
	const uint16_t	*x = a, *y = b;

	return (int)*x - (int)*y;
}

/* Septets cp takes in GSM-7: 1, 2 for the extension table (ESC and the
 * character; form feed is in it too), 0 if GSM-7 cannot carry it. */
static size_t
gsm_septets(uint32_t cp)
{
	uint16_t	 key;

	if (cp == 0x20ac || (cp != 0 && cp < 0x80 &&
	    strchr("^{}\\[~]|\f", (int)cp) != NULL))
		return 2;
	if (cp == '\n' || cp == '\r' || (cp >= 0x20 && cp < 0x7f))
		return cp == '`' ? 0 : 1;
	if (cp < 0xa1 || cp > 0xffff)
		return 0;
	key = (uint16_t)cp;
	return bsearch(&key, gsm_basic, sizeof gsm_basic / sizeof gsm_basic[0],
	    sizeof gsm_basic[0], gsm_cmp) != NULL ? 1 : 0;
}

/* Units cp takes in coding c: septets (0: not in GSM-7) or UTF-16 units. */
static size_t
sms_width(uint32_t cp, enum sms_coding c)
{
	if (c == SMS_GSM7)
		return gsm_septets(cp);
	return cp > 0xffff ? 2 : 1;
}

/* Decodes the character at s (len > 0 bytes left); a byte that does not
 * decode stands for U+FFFD, so that every byte is counted once. */
static size_t
sms_next(const char *s, size_t len, uint32_t *cp)
{
	size_t	 n;

	if ((n = utf8_decode(s, len, cp)) == 0) {
		*cp = 0xfffd;
		n = 1;
	}
	return n;
}

/* Picks the coding of a text. */
enum sms_coding
sms_coding(const char *utf8)
{
	size_t		 len = strlen(utf8), i = 0;
	uint32_t	 cp;

	while (i < len) {
		i += sms_next(utf8 + i, len - i, &cp);
		if (gsm_septets(cp) == 0)
			return SMS_UCS2;
	}
	return SMS_GSM7;
}

/* Parts filled in order, a character that does not fit in what is left of
 * one starting the next. */
struct sms_pack {
	size_t	 per;		/* units a part holds */
	size_t	 parts;		/* parts begun */
	size_t	 used;		/* units in the last of them */
	size_t	 total;
};

/* Starts packing into parts of per units. */
static void
sms_pack_init(struct sms_pack *pk, size_t per)
{
	pk->per = per;
	pk->parts = 1;
	pk->used = 0;
	pk->total = 0;
}

/* True if a character of w units needs another part. */
static int
sms_pack_full(const struct sms_pack *pk, size_t w)
{
	return pk->used + w > pk->per;
}

/* Adds a character of w units. */
static void
sms_pack_add(struct sms_pack *pk, size_t w)
{
	if (sms_pack_full(pk, w)) {
		pk->parts++;
		pk->used = 0;
	}
	pk->used += w;
	pk->total += w;
}

/* Counts the parts a text takes. */
int
sms_parts(const char *utf8, size_t *units)
{
	enum sms_coding	 c = sms_coding(utf8);
	struct sms_pack	 pk;
	size_t		 len = strlen(utf8), i = 0, single;
	uint32_t	 cp;

	single = c == SMS_GSM7 ? SMS_GSM7_SINGLE : SMS_UCS2_SINGLE;
	sms_pack_init(&pk, c == SMS_GSM7 ? SMS_GSM7_PART : SMS_UCS2_PART);
	while (i < len) {
		i += sms_next(utf8 + i, len - i, &cp);
		sms_pack_add(&pk, sms_width(cp, c));
	}
	if (units != NULL)
		*units = pk.total;
	if (pk.total <= single)
		return 1;
	return pk.parts > INT_MAX ? INT_MAX : (int)pk.parts;
}

/* True for the characters a cut may follow: line break, spaces and the
 * Chinese punctuation that ends a clause. */
static int
sms_break(uint32_t cp)
{
	switch (cp) {
	case '\n':
	case ' ':
	case 0x3000:	/* ideographic space */
	case 0x3001:	/* 、 */
	case 0x3002:	/* 。 */
	case 0xff01:	/* ！ */
	case 0xff0c:	/* ， */
	case 0xff1b:	/* ； */
	case 0xff1f:	/* ？ */
		return 1;
	default:
		return 0;
	}
}

/*
 * Scans the len-byte text as coding c into at most max parts (a lone
 * message's room when max is 1) and returns the byte offset where it
 * stops fitting, or where a character GSM-7 cannot carry comes; *brk gets
 * the offset just after the last break in the last fifth of the budget,
 * 0 if none.
 */
static size_t
sms_cut(const char *s, size_t len, enum sms_coding c, size_t max,
    size_t *brk)
{
	struct sms_pack	 pk;
	size_t		 i = 0, n, w, budget;
	uint32_t	 cp;

	if (max == 1)
		sms_pack_init(&pk, c == SMS_GSM7 ? SMS_GSM7_SINGLE :
		    SMS_UCS2_SINGLE);
	else
		sms_pack_init(&pk, c == SMS_GSM7 ? SMS_GSM7_PART :
		    SMS_UCS2_PART);
	budget = pk.per * max;
	*brk = 0;
	while (i < len) {
		n = sms_next(s + i, len - i, &cp);
		if ((w = sms_width(cp, c)) == 0 ||
		    (pk.parts == max && sms_pack_full(&pk, w)))
			break;
		sms_pack_add(&pk, w);
		i += n;
		if (sms_break(cp) &&
		    (pk.parts - 1) * pk.per + pk.used >= budget - budget / 5)
			*brk = i;
	}
	return i;
}

/*
 * Finds the longest prefix that fits. Up to the first character outside
 * GSM-7 a prefix is sent as GSM-7, beyond it as UCS-2; GSM-7 never takes
 * more parts than UCS-2 for the same characters, so the answer is the
 * UCS-2 cut if that gets past the first such character, else the GSM-7
 * cut (which stops there at the latest).
 */
size_t
sms_fit(const char *utf8, int max_parts)
{
	size_t	 len = strlen(utf8), g, u, gbrk, ubrk;

	if (max_parts < 1)
		return 0;
	/* Every part holds at least one character, one byte at least. */
	if ((size_t)max_parts >= len)
		return len;
	g = sms_cut(utf8, len, SMS_GSM7, (size_t)max_parts, &gbrk);
	u = sms_cut(utf8, len, SMS_UCS2, (size_t)max_parts, &ubrk);
	if (g == len || u == len)
		return len;
	if (u > g)
		return ubrk != 0 ? ubrk : u;
	return gbrk != 0 ? gbrk : g;
}

#define PLAIN_NONE	((size_t)-1)

/* sms_plain()'s state: it reads at r and writes at w <= r in the same
 * string, so what is ahead of r is still the input. */
struct plain {
	char	*s;
	size_t	 r, w;
	size_t	 eol;		/* the '\n' or NUL ending the line */
	size_t	 close[2];	/* where the open "**" and "__" close */
	size_t	 link;		/* the ']' of the link being read */
	size_t	 url, urlend;	/* its url, and the ')' after it */
};

static const char *const plain_emph[2] = { "**", "__" };

/* How far a search from r may go: the end of the line, or of the link
 * text being read. */
static size_t
plain_lim(const struct plain *p)
{
	return p->link != PLAIN_NONE && p->link < p->eol ? p->link : p->eol;
}

/* The first mark in [from, plain_lim()), PLAIN_NONE if none; with
 * code set, code spans are stepped over. */
static size_t
plain_find(const struct plain *p, size_t from, const char *mark, int code)
{
	size_t	 i, e, lim = plain_lim(p), n = strlen(mark);

	for (i = from; i + n <= lim; i++) {
		if (code && p->s[i] == '`' &&
		    (e = plain_find(p, i + 1, "`", 0)) != PLAIN_NONE) {
			i = e;
			continue;
		}
		if (strncmp(p->s + i, mark, n) == 0)
			return i;
	}
	return PLAIN_NONE;
}

/* Copies [a, b) of the input to the output. */
static void
plain_copy(struct plain *p, size_t a, size_t b)
{
	memmove(p->s + p->w, p->s + a, b - a);
	p->w += b - a;
}

/* At the start of a line: finds its end, drops "> " and "# " marks. */
static void
plain_line(struct plain *p)
{
	const char	*s = p->s;
	size_t		 n;

	p->eol = p->r + strcspn(s + p->r, "\n");
	p->close[0] = p->close[1] = p->link = PLAIN_NONE;
	for (;;) {
		if (strncmp(s + p->r, "> ", 2) == 0) {
			p->r += 2;
			continue;
		}
		for (n = 0; n < 6 && s[p->r + n] == '#'; n++)
			;
		if (n == 0 || s[p->r + n] != ' ')
			break;
		p->r += n + 1;
	}
}

/* At a '[': starts reading a link "[text](url)" if one is there, and
 * returns 1; a link whose text is its url becomes the url at once. */
static int
plain_link(struct plain *p)
{
	size_t	 b, c, r = p->r;

	if (p->link != PLAIN_NONE ||
	    (b = plain_find(p, r + 1, "]", 0)) == PLAIN_NONE ||
	    p->s[b + 1] != '(' ||
	    (c = plain_find(p, b + 2, ")", 0)) == PLAIN_NONE || c == b + 2 ||
	    memchr(p->s + b + 2, ' ', c - b - 2) != NULL)
		return 0;
	if (b - r - 1 == c - b - 2 &&
	    memcmp(p->s + r + 1, p->s + b + 2, c - b - 2) == 0) {
		plain_copy(p, b + 2, c);
		p->r = c + 1;
		return 1;
	}
	p->link = b;
	p->url = b + 2;
	p->urlend = c;
	p->r++;
	return 1;
}

/* Reads one character, or one mark, at r. */
static void
plain_step(struct plain *p)
{
	const char	*s = p->s;
	size_t		 r = p->r, e;
	int		 k;

	if (r == p->link) {
		p->s[p->w++] = ' ';
		plain_copy(p, p->url, p->urlend);
		p->r = p->urlend + 1;
		p->link = PLAIN_NONE;
		return;
	}
	for (k = 0; k < 2; k++) {
		if (r == p->close[k]) {
			p->close[k] = PLAIN_NONE;
			p->r += 2;
			return;
		}
		/* A close inside a url copied as it is: left there. */
		if (p->close[k] != PLAIN_NONE && p->close[k] < r)
			p->close[k] = PLAIN_NONE;
	}
	if (s[r] == '`' && (e = plain_find(p, r + 1, "`", 0)) != PLAIN_NONE) {
		plain_copy(p, r + 1, e);
		p->r = e + 1;
		return;
	}
	for (k = 0; k < 2; k++)
		if (strncmp(s + r, plain_emph[k], 2) == 0 &&
		    p->close[k] == PLAIN_NONE &&
		    (e = plain_find(p, r + 3, plain_emph[k], 1)) != PLAIN_NONE) {
			p->close[k] = e;
			p->r += 2;
			return;
		}
	if (s[r] == '[' && plain_link(p))
		return;
	p->s[p->w++] = s[r];
	p->r++;
}

/* Turns the bot's Markdown into plain text, in place. */
void
sms_plain(char *utf8)
{
	struct plain	 p = { .s = utf8 };

	plain_line(&p);
	while (utf8[p.r] != '\0') {
		/* Past the '\n' (what is behind r may be output already). */
		if (p.r > p.eol)
			plain_line(&p);
		if (utf8[p.r] != '\0')
			plain_step(&p);
	}
	utf8[p.w] = '\0';
}

char *
sms_text(const char *utf8, int max_parts)
{
	char	*s = xstrdup(utf8);

	sms_plain(s);
	s[sms_fit(s, max_parts)] = '\0';
	return s;
}

/* The parts one number gets of a broadcast. */
int
sms_cost(const char *utf8, int max_parts, int *cut)
{
	char	*s = xstrdup(utf8);
	size_t	 n;
	int	 parts;

	sms_plain(s);
	n = sms_fit(s, max_parts);
	if (cut != NULL)
		*cut = s[n] != '\0';
	s[n] = '\0';
	parts = sms_parts(s, NULL);
	free(s);
	return parts;
}

/* Masks the runs of digits that may be a phone number. */
void
sms_mask_numbers(char *s)
{
	char	*p, *q;
	size_t	 n;

	for (p = s; *p != '\0'; p = q) {
		for (q = p; *q >= '0' && *q <= '9'; q++)
			continue;
		/* All but its first three and its last digit. */
		if ((n = (size_t)(q - p)) >= 7)
			memset(p + 3, '*', n - 4);
		if (q == p)
			q++;
	}
}

/*
 * Text helpers every layer shares: UTF-8 decoding and validation, UTF-16
 * offset conversion (Telegram entities), full-width folding, the company
 * name forms used for matching, and the unified social credit code (USCC)
 * check of GB 32100-2015. Pure functions; no allocation unless stated.
 */
#ifndef FANGFEI_TEXT_H
#define FANGFEI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define USCC_LEN	18

/* Decodes one code point at s (len bytes left); returns its byte length,
 * or 0 if the bytes there are not valid UTF-8 (overlong, surrogate, cut). */
size_t	 utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Encodes cp into out (4 bytes room); returns the byte length. */
size_t	 utf8_encode(uint32_t cp, char *out);
/* Writes v in decimal (as "%" PRId64 would) with a NUL into out, which
 * holds TEXT_INT64_MAX bytes; returns the length. */
#define TEXT_INT64_MAX	21
size_t	 text_int64(int64_t v, char *out);
/* Returns 1 if the len bytes are valid UTF-8 (any code point), else 0. */
int	 utf8_valid(const char *s, size_t len);
/* Returns 1 if the len bytes are valid UTF-8 with no NUL and no C0
 * control other than tab, CR and LF; 0 otherwise. */
int	 utf8_valid_text(const char *s, size_t len);
/* Number of code points in a valid UTF-8 string. */
size_t	 utf8_count(const char *s);
/* Byte offset in s of the UTF-16 code unit offset u16; -1 if u16 falls
 * inside a surrogate pair or past the end. */
long	 utf8_offset_utf16(const char *s, size_t len, size_t u16);
/* Byte length of the longest prefix of s holding at most n code points. */
size_t	 utf8_prefix(const char *s, size_t n);
/* Byte length of the longest prefix of the len-byte UTF-8 text s that
 * fits in max bytes without splitting a character. */
size_t	 utf8_fit(const char *s, size_t len, size_t max);
/*
 * Drops the mentions a group message starts with ("@防非助手 查询 …", ＠
 * too: platforms leave the bot's own, or a space where it was, and the
 * @-ed users come first), the space around them (ASCII white space,
 * U+2005 which DingTalk writes after a mention, U+00A0, U+3000), and any
 * U+2005 left at the end; then trims. In place.
 */
void	 text_strip_mentions(char *);

/* Trims ASCII and ideographic white space at both ends, in place; returns s. */
char	*text_trim(char *s);
/* Copies in to out (outsz bytes) with full-width ASCII folded to half-width,
 * the ideographic space to a space and A-Z lowered. Returns 0, or -1 if it
 * does not fit or the input is not valid UTF-8. */
int	 text_fold(const char *in, char *out, size_t outsz);

/*
 * The two forms of a company name used for matching, both folded and with
 * punctuation, spaces and the legal-form suffix (有限公司, 有限责任公司,
 * 股份有限公司, …) removed:
 *  - fold: the name as a whole (indexed for substring search);
 *  - key:  fold with leading province/city names removed (山东省淄博市…),
 *          unless that would leave fewer than two characters (exact match).
 * Returns 0, or -1 if the input is not valid UTF-8 or too long.
 */
#define NAME_MAX_BYTES	512
int	 name_forms(const char *name, char *fold, char *key, size_t sz);
/* Writes the space-separated overlapping n-grams of a folded name (none
 * when it has fewer than n characters). Returns 0, or -1 if out is too
 * small or the name is not valid UTF-8. */
int	 name_ngrams(const char *fold, size_t n, char *out, size_t outsz);

enum uscc_status {
	USCC_OK = 0,
	USCC_NOT_CODE,		/* not 18 letters and digits: treat as a name */
	USCC_BAD_CHAR,		/* 18 characters, one outside the code's charset */
	USCC_BAD_CHECK,		/* charset fine, check digit wrong */
};
/* Folds q (full-width, lower case, spaces, hyphens) into code[19] and
 * checks it; on USCC_BAD_CHECK *expect holds the right check character. */
enum uscc_status uscc_check(const char *q, char code[USCC_LEN + 1],
	    char *expect);
/* Returns the check character for the first 17 characters, or 0 if one of
 * them is outside the charset. */
char	 uscc_check_char(const char *code17);

#endif

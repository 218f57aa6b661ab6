/* Line-oriented logging to standard error, safe from any thread. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* The longest message and field value taken before escaping. */
#define LOG_RAW_MAX	1024
#define LOG_FIELD_MAX	256
/* What a JSON line keeps back for its end ("}\n"). */
#define LOG_JSON_END	2

/* Set at start and on a reload (SIGHUP) while other threads log. */
static atomic_int log_threshold = LOG_INFO;
static atomic_int log_format = LOG_FORMAT_TEXT;
static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* A line being built: at most LOG_LINE_MAX bytes, never NUL-ended. */
struct log_line {
	char	 buf[LOG_LINE_MAX];
	size_t	 len;
};

/* Sets the most detailed level that is printed. */
void
log_set_level(enum log_level level)
{
	atomic_store(&log_threshold, (int)level);
}

/* Parses a level name. */
int
log_level_parse(const char *s, enum log_level *level)
{
	size_t	 i;

	for (i = 0; i < sizeof log_names / sizeof log_names[0]; i++) {
		if (strcasecmp(s, log_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Sets the format of the lines that follow. */
void
log_set_format(enum log_format format)
{
	atomic_store(&log_format, (int)format);
}

/* Parses "text" or "json". */
int
log_format_parse(const char *s, enum log_format *format)
{
	if (strcasecmp(s, "text") == 0)
		*format = LOG_FORMAT_TEXT;
	else if (strcasecmp(s, "json") == 0)
		*format = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

/*
 * Copies src into dst (size bytes, NUL-terminated) with every control
 * character written as \xNN, and a backslash as \\, so that no logged
 * field (a decoded path, a platform's error text) can start a line of its
 * own or forge one. UTF-8 passes through unchanged.
 */
static void
log_escape(char *dst, size_t size, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 o = 0;
	unsigned char		 c;

	for (; (c = (unsigned char)*src) != '\0'; src++) {
		if (c < 0x20 || c == 0x7f || c == '\\') {
			if (o + 4 >= size)
				break;
			dst[o++] = '\\';
			if (c == '\\')
				dst[o++] = '\\';
			else {
				dst[o++] = 'x';
				dst[o++] = hex[c >> 4];
				dst[o++] = hex[c & 15];
			}
			continue;
		}
		if (o + 1 >= size)
			break;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

/* Appends n bytes when they fit in what is left before keep; returns 0,
 * or -1 (nothing appended). */
static int
log_put(struct log_line *l, const char *s, size_t n, size_t keep)
{
	if (l->len + n + keep > sizeof l->buf)
		return -1;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	return 0;
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t
log_utf8_len(const unsigned char *s)
{
	size_t	 n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Appends s as a JSON string (RFC 8259): quotes, backslashes and every
 * control character escaped, DEL too, a byte that is not well-formed
 * UTF-8 replaced by U+FFFD. At most max bytes of output, and never into
 * the last keep bytes of the line: a string cut short ends on a whole
 * character and a whole escape, so the line stays valid JSON and UTF-8.
 */
static void
log_json_string(struct log_line *l, const char *src, size_t max, size_t keep)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s = (const unsigned char *)src;
	char			 esc[8];
	size_t			 n, end;

	if (l->len + 2 + keep > sizeof l->buf)
		return;
	end = sizeof l->buf - keep;
	if (max < end - l->len)
		end = l->len + max;
	l->buf[l->len++] = '"';
	end--;				/* room for the closing quote */
	for (; *s != '\0'; s += n) {
		n = 1;
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*s;
			if (log_put(l, esc, 2, sizeof l->buf - end) == -1)
				break;
		} else if (*s < 0x20 || *s == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 15];
			if (*s == '\n' || *s == '\r' || *s == '\t') {
				esc[1] = *s == '\n' ? 'n' : *s == '\r' ? 'r' :
				    't';
				if (log_put(l, esc, 2, sizeof l->buf -
				    end) == -1)
					break;
			} else if (log_put(l, esc, 6, sizeof l->buf -
			    end) == -1)
				break;
		} else if ((n = log_utf8_len(s)) == 0) {
			n = 1;
			if (log_put(l, "\xef\xbf\xbd", 3, sizeof l->buf -
			    end) == -1)
				break;
		} else if (log_put(l, (const char *)s, n, sizeof l->buf -
		    end) == -1)
			break;
	}
	l->buf[l->len++] = '"';
}

/* Appends ,"name":value: a number when value is 1 to 15 decimal digits,
 * else a string of at most LOG_FIELD_MAX bytes. A field that does not
 * fit whole is left out. */
static void
log_json_field(struct log_line *l, const char *name, const char *value)
{
	size_t	 len = l->len, n = strlen(value);

	if (log_put(l, ",", 1, LOG_JSON_END) == -1)
		return;
	log_json_string(l, name, 64, LOG_JSON_END);
	if (log_put(l, ":", 1, LOG_JSON_END) == -1)
		goto undo;
	if (n > 0 && n <= 15 && strspn(value, "0123456789") == n) {
		if (log_put(l, value, n, LOG_JSON_END) == -1)
			goto undo;
		return;
	}
	if (l->len + 2 + LOG_JSON_END > sizeof l->buf)
		goto undo;
	log_json_string(l, value, LOG_FIELD_MAX, LOG_JSON_END);
	return;
undo:
	l->len = len;
}

/* Starts a JSON line: time, level, event and message (which takes at
 * most half the line, leaving room for fields). */
static void
log_json_begin(struct log_line *l, enum log_level level, const char *event,
    const char *msg)
{
	char		 stamp[32], head[96];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(head, sizeof head, "{\"time\":\"%s.%03ldZ\",\"level\":"
	    "\"%s\",\"event\":", stamp, ts.tv_nsec / 1000000, log_names[level]);
	l->len = 0;
	(void)log_put(l, head, (size_t)n, 0);
	log_json_string(l, event, 64, LOG_JSON_END);
	(void)log_put(l, ",\"msg\":", 7, LOG_JSON_END);
	log_json_string(l, msg, sizeof l->buf / 2, LOG_JSON_END);
}

/* Ends a JSON line and writes it. */
static void
log_json_end(struct log_line *l)
{
	l->buf[l->len++] = '}';
	l->buf[l->len++] = '\n';
}

/* Writes the whole line with one call (or, cut by a signal, the rest). */
static void
log_write(const struct log_line *l)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < l->len) {
		n = write(fileno(stderr), l->buf + off, l->len - off);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* Starts a text line: time and level. */
static void
log_text_begin(struct log_line *l, enum log_level level)
{
	char		 stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(l->buf, sizeof l->buf, "%s.%03ldZ %s ", stamp,
	    ts.tv_nsec / 1000000, log_names[level]);
	l->len = n > 0 && (size_t)n < sizeof l->buf ? (size_t)n : 0;
}

/* Appends raw to a text line, escaped, and its line end. */
static void
log_text_end(struct log_line *l, const char *raw)
{
	log_escape(l->buf + l->len, sizeof l->buf - l->len - 1, raw);
	l->len += strlen(l->buf + l->len);
	l->buf[l->len++] = '\n';
}

/* Prints one line; the whole line is written by one call. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct log_line	 l;
	char		 raw[LOG_RAW_MAX], event[32], channel[64];
	const char	*msg = raw;
	va_list		 ap;
	size_t		 n;

	if ((int)level > atomic_load(&log_threshold))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	if (atomic_load(&log_format) == LOG_FORMAT_TEXT) {
		log_text_begin(&l, level);
		log_text_end(&l, raw);
		log_write(&l);
		return;
	}
	(void)snprintf(event, sizeof event, "log");
	*channel = '\0';
	n = strspn(fmt, "abcdefghijklmnopqrstuvwxyz_");
	if (n > 0 && n < sizeof event && fmt[n] == ':' && fmt[n + 1] == ' ') {
		memcpy(event, fmt, n);
		event[n] = '\0';
		msg = raw + n + 2;
	} else if (strncmp(fmt, "%s: ", 4) == 0 &&
	    (n = strcspn(raw, ":")) < sizeof channel && raw[n] == ':') {
		(void)snprintf(event, sizeof event, "channel");
		memcpy(channel, raw, n);
		channel[n] = '\0';
		msg = raw + n + (raw[n + 1] == ' ' ? 2 : 1);
	}
	log_json_begin(&l, level, event, msg);
	if (*channel != '\0')
		log_json_field(&l, "channel", channel);
	log_json_end(&l);
	log_write(&l);
}

/* Prints one line of an event with its fields. */
void
log_event(enum log_level level, const char *event, const char *msg, ...)
{
	struct log_line	 l;
	char		 raw[LOG_RAW_MAX];
	const char	*name, *value;
	va_list		 ap;
	int		 n;
	size_t		 len;

	if ((int)level > atomic_load(&log_threshold))
		return;
	va_start(ap, msg);
	if (atomic_load(&log_format) == LOG_FORMAT_JSON) {
		log_json_begin(&l, level, event, msg);
		while ((name = va_arg(ap, const char *)) != NULL &&
		    (value = va_arg(ap, const char *)) != NULL)
			log_json_field(&l, name, value);
		log_json_end(&l);
	} else {
		n = snprintf(raw, sizeof raw, "%s: %s", event, msg);
		len = n > 0 && (size_t)n < sizeof raw ? (size_t)n : 0;
		while ((name = va_arg(ap, const char *)) != NULL &&
		    (value = va_arg(ap, const char *)) != NULL &&
		    len < sizeof raw) {
			n = snprintf(raw + len, sizeof raw - len, " %s=%.*s",
			    name, LOG_FIELD_MAX, value);
			if (n < 0)
				break;
			len += (size_t)n;
		}
		log_text_begin(&l, level);
		log_text_end(&l, raw);
	}
	va_end(ap);
	log_write(&l);
}

/* Line-oriented logging to standard error, safe from any thread. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

static enum log_level log_threshold = LOG_INFO;
static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* Sets the most detailed level that is printed. */
void
log_set_level(enum log_level level)
{
	log_threshold = level;
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

/* Prints one line; the whole line is written by one call. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	char		 line[1024], stamp[32], raw[1024];
	struct timespec	 ts;
	struct tm	 tm;
	va_list		 ap;
	int		 n;

	if (level > log_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof line, "%s.%03ldZ %s ", stamp,
	    ts.tv_nsec / 1000000, log_names[level]);
	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof line)
		log_escape(line + n, sizeof line - (size_t)n, raw);
	fprintf(stderr, "%s\n", line);
}

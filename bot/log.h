/*
 * Logging: one line per event on standard error, with a level and an ISO
 * time, as text (the default) or as one JSON object a line for log
 * shippers. Lines never carry secrets, message texts or phone numbers.
 */
#ifndef FANGFEI_LOG_H
#define FANGFEI_LOG_H

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON,
};

/* The longest line written, its line end included: one write(2) of at
 * most PIPE_BUF bytes, so that lines of several threads never mix. */
#define LOG_LINE_MAX	4096

void	log_set_level(enum log_level);
int	log_level_parse(const char *, enum log_level *);
/* Sets the format of the lines that follow; log_format_parse() reads
 * "text" or "json" (0, or -1). */
void	log_set_format(enum log_format);
int	log_format_parse(const char *, enum log_format *);

/*
 * A free-form line. Its event, in JSON, is the leading "word: " of fmt
 * when fmt starts with a lower-case word ("delivery: …" is "delivery"),
 * "channel" with a "channel" field when fmt starts with "%s: " (every such
 * line names a channel instance), and "log" otherwise.
 */
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * A line operators alert on: an event name, a message and NULL-ended
 * pairs of field name and value (both strings; a value of decimal digits
 * is written as a JSON number). As text: "event: msg name=value …".
 */
void	log_event(enum log_level, const char *event, const char *msg, ...)
	    __attribute__((sentinel));

#define log_error(...)	log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

/* Unit tests: log lines (bot/log.c) escape control characters, so that a
 * logged field cannot forge a line of its own; JSON lines are one valid
 * JSON object each, with their event, however long or odd the fields. */
#include "testutil.h"

#include <jansson.h>

#include "bot/log.h"

static char	 log_path[512];
static char	*log_dir;
static int	 log_saved = -1;

/* Sends standard error to a file until log_end(). */
static void
log_begin(void)
{
	log_dir = testutil_tmpdir();
	(void)snprintf(log_path, sizeof log_path, "%s/log", log_dir);
	log_saved = dup(STDERR_FILENO);
	assert_non_null(freopen(log_path, "w", stderr));
}

/* Puts standard error back and returns what was logged. */
static void
log_end(char *out, size_t size)
{
	FILE	*f;
	size_t	 n;

	fflush(stderr);
	assert_true(dup2(log_saved, STDERR_FILENO) >= 0);
	close(log_saved);
	assert_non_null(f = fopen(log_path, "r"));
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	testutil_rmdir(log_dir);
}

/* Logs one line to a file in place of stderr and reads it back. */
static void
log_capture(const char *field, char *out, size_t size)
{
	log_begin();
	log_warn("404 %s: no such route", field);
	log_end(out, size);
}

/* A decoded path with a line break and an escape stays on one line. */
static void
test_log_escapes(void **state)
{
	char	 line[2048];

	(void)state;
	log_capture("/x\n2026-12-02T00:00:00.000Z error forged\r\x1b[31m\\",
	    line, sizeof line);
	assert_non_null(strstr(line, "/x\\x0a2026-12-02T00:00:00.000Z error "
	    "forged\\x0d\\x1b[31m\\\\: no such route\n"));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	/* UTF-8 passes unchanged. */
	log_capture("/l/举报", line, sizeof line);
	assert_non_null(strstr(line, "/l/举报: no such route"));
}

/* An event as text: "event: msg name=value". */
static void
test_log_event_text(void **state)
{
	char	 line[2048];

	(void)state;
	log_begin();
	log_event(LOG_WARN, "http", "no such route", "status", "404", "path",
	    "/x\ny", (char *)NULL);
	log_end(line, sizeof line);
	assert_non_null(strstr(line, " warn http: no such route status=404 "
	    "path=/x\\x0ay\n"));
}

/* Parses line (one line, its end included) as a JSON object; checks the
 * fields every line has and that no control character is left raw. */
static json_t *
log_parse(const char *line, size_t len, const char *level, const char *event)
{
	json_error_t	 err;
	json_t		*o;
	const char	*t;
	size_t		 i;

	assert_true(len > 2 && len <= LOG_LINE_MAX);
	assert_int_equal(line[len - 1], '\n');
	for (i = 0; i < len - 1; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			fail_msg("a raw control character at %zu: %.*s", i,
			    (int)len, line);
	/* json_loadb refuses what is not valid UTF-8. */
	if ((o = json_loadb(line, len - 1, 0, &err)) == NULL)
		fail_msg("not JSON (%s): %.*s", err.text, (int)len, line);
	assert_true(json_is_object(o));
	t = json_string_value(json_object_get(o, "time"));
	assert_non_null(t);
	/* 2026-12-02T15:04:05.123Z */
	assert_int_equal(strlen(t), 24);
	assert_int_equal(t[10], 'T');
	assert_int_equal(t[19], '.');
	assert_int_equal(t[23], 'Z');
	assert_string_equal(json_string_value(json_object_get(o, "level")),
	    level);
	assert_string_equal(json_string_value(json_object_get(o, "event")),
	    event);
	assert_non_null(json_string_value(json_object_get(o, "msg")));
	return o;
}

/* Splits buf into lines and returns the n-th (0-based), with its length. */
static const char *
log_nth(const char *buf, int n, size_t *len)
{
	const char	*p = buf, *e;

	for (; n > 0; n--) {
		assert_non_null(p = strchr(p, '\n'));
		p++;
	}
	assert_non_null(e = strchr(p, '\n'));
	*len = (size_t)(e - p) + 1;
	return p;
}

/* The event of a free-form line: its "word: ", a channel's name, or log. */
static void
test_log_json_events(void **state)
{
	char		 buf[4 * LOG_LINE_MAX];
	const char	*line;
	size_t		 len;
	json_t		*o;

	(void)state;
	log_set_format(LOG_FORMAT_JSON);
	log_begin();
	log_warn("delivery: row %lld group %lld: %s", 7LL, 9LL, "timeout");
	log_error("%s: queueing an answer: %s", "tg-1", "disk full");
	log_info("reminder %d: paused", 3);
	log_event(LOG_WARN, "http", "refused", "status", "404", "path", "/a",
	    "row", "12a", (char *)NULL);
	log_end(buf, sizeof buf);
	log_set_format(LOG_FORMAT_TEXT);

	line = log_nth(buf, 0, &len);
	o = log_parse(line, len, "warn", "delivery");
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "row 7 group 9: timeout");
	json_decref(o);

	line = log_nth(buf, 1, &len);
	o = log_parse(line, len, "error", "channel");
	assert_string_equal(json_string_value(json_object_get(o, "channel")),
	    "tg-1");
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "queueing an answer: disk full");
	json_decref(o);

	line = log_nth(buf, 2, &len);
	o = log_parse(line, len, "info", "log");
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    "reminder 3: paused");
	json_decref(o);

	/* Digits are a number; anything else a string. */
	line = log_nth(buf, 3, &len);
	o = log_parse(line, len, "warn", "http");
	assert_true(json_is_integer(json_object_get(o, "status")));
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 404);
	assert_string_equal(json_string_value(json_object_get(o, "row")),
	    "12a");
	json_decref(o);
	assert_null(strchr(log_nth(buf, 3, &len) + len, '\n'));
}

/* Control characters, quotes, UTF-8 and bytes that are not UTF-8. */
static void
test_log_json_escapes(void **state)
{
	static const char forged[] = "/x\n{\"time\":\"forged\"}\r\t\x1b[31m"
	    "\x7f\\\"";
	char		 buf[2 * LOG_LINE_MAX];
	const char	*line;
	size_t		 len;
	json_t		*o;

	(void)state;
	log_set_format(LOG_FORMAT_JSON);
	log_begin();
	log_event(LOG_WARN, "http", forged, "path", "/l/举报", "bad",
	    "a\xff" "b\xe4\xb8" "c", (char *)NULL);
	log_end(buf, sizeof buf);
	log_set_format(LOG_FORMAT_TEXT);

	line = log_nth(buf, 0, &len);
	assert_null(strchr(line + len, '\n'));	/* one line */
	o = log_parse(line, len, "warn", "http");
	/* What was logged reads back the same. */
	assert_string_equal(json_string_value(json_object_get(o, "msg")),
	    forged);
	assert_non_null(strstr(line, "\"path\":\"/l/举报\""));
	/* A byte that is no UTF-8 becomes U+FFFD. */
	assert_string_equal(json_string_value(json_object_get(o, "bad")),
	    "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c");
	json_decref(o);
}

/* A long message and long fields are cut to whole characters and whole
 * escapes: the line stays within LOG_LINE_MAX and valid. */
static void
test_log_json_long(void **state)
{
	char		 msg[6000], ctl[1200], wide[3000], name[16];
	char		 buf[2 * LOG_LINE_MAX];
	const char	*line, *m;
	size_t		 len, i;
	json_t		*o;

	(void)state;
	for (i = 0; i + 3 < sizeof msg; i += 3)
		memcpy(msg + i, "举", 3);
	msg[i] = '\0';
	memset(ctl, '\x01', sizeof ctl - 1);
	ctl[sizeof ctl - 1] = '\0';
	for (i = 0; i + 3 < sizeof wide; i += 3)
		memcpy(wide + i, "报", 3);
	wide[i] = '\0';
	log_set_format(LOG_FORMAT_JSON);
	log_begin();
	log_event(LOG_ERROR, "delivery", msg, "a", ctl, "b", wide, "c", wide,
	    "d", wide, "e", wide, "f", wide, "g", wide, "h", wide, "i", wide,
	    "j", wide, "k", wide, "l", wide, "m", wide, (char *)NULL);
	/* Through log_msg: cut at its own cap first, maybe mid-character. */
	log_warn("delivery: x%s", msg);
	log_end(buf, sizeof buf);
	log_set_format(LOG_FORMAT_TEXT);

	line = log_nth(buf, 0, &len);
	o = log_parse(line, len, "error", "delivery");
	m = json_string_value(json_object_get(o, "msg"));
	assert_true(strlen(m) > 1000 && strlen(m) < strlen(msg));
	assert_int_equal(strlen(m) % 3, 0);	/* whole characters */
	assert_int_equal(strspn(json_string_value(json_object_get(o, "a")),
	    "\x01"), strlen(json_string_value(json_object_get(o, "a"))));
	assert_true(strlen(json_string_value(json_object_get(o, "a"))) > 10);
	/* Fields that no longer fit are left out, never cut in two. */
	assert_null(json_object_get(o, "m"));
	for (i = 0; i < 13; i++) {
		json_t *v;

		(void)snprintf(name, sizeof name, "%c", (char)('a' + i));
		if ((v = json_object_get(o, name)) != NULL)
			assert_true(json_is_string(v));
	}
	json_decref(o);

	line = log_nth(buf, 1, &len);
	o = log_parse(line, len, "warn", "delivery");
	m = json_string_value(json_object_get(o, "msg"));
	assert_int_equal(m[0], 'x');
	assert_int_equal((strlen(m) - 1) % 3, 0);
	json_decref(o);
}

/* Below the level, nothing is written. */
static void
test_log_level(void **state)
{
	char	 buf[1024];

	(void)state;
	log_set_level(LOG_WARN);
	log_begin();
	log_info("delivery: quiet");
	log_event(LOG_DEBUG, "http", "quiet", (char *)NULL);
	log_warn("delivery: loud");
	log_end(buf, sizeof buf);
	log_set_level(LOG_INFO);
	assert_null(strstr(buf, "quiet"));
	assert_non_null(strstr(buf, "loud"));
}

/* log_format takes text and json only. */
static void
test_log_format_parse(void **state)
{
	enum log_format	 f;

	(void)state;
	assert_int_equal(log_format_parse("json", &f), 0);
	assert_int_equal(f, LOG_FORMAT_JSON);
	assert_int_equal(log_format_parse("text", &f), 0);
	assert_int_equal(f, LOG_FORMAT_TEXT);
	assert_int_equal(log_format_parse("yaml", &f), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_escapes),
		cmocka_unit_test(test_log_event_text),
		cmocka_unit_test(test_log_json_events),
		cmocka_unit_test(test_log_json_escapes),
		cmocka_unit_test(test_log_json_long),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_log_format_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

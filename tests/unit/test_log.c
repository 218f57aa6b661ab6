/* Unit tests: log lines (bot/log.c) escape control characters, so that a
 * logged field cannot forge a line of its own. */
#include "testutil.h"

#include "bot/log.h"

/* Logs one line to a file in place of stderr and reads it back. */
static void
log_capture(const char *field, char *out, size_t size)
{
	char	*dir = testutil_tmpdir(), path[512];
	FILE	*f;
	size_t	 n;
	int	 saved = dup(STDERR_FILENO);

	(void)snprintf(path, sizeof path, "%s/log", dir);
	assert_non_null(freopen(path, "w", stderr));
	log_warn("404 %s: no such route", field);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_non_null(f = fopen(path, "r"));
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	testutil_rmdir(dir);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Helpers shared by the cmocka unit tests. */
#ifndef FANGFEI_TESTUTIL_H
#define FANGFEI_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Reads a whole file from the test data folder; the caller frees it. */
static inline char *
testutil_read(const char *name, size_t *len)
{
	const char	*dir = getenv("FANGFEI_TEST_DATA");
	char		 path[1024];
	FILE		*f;
	char		*buf;
	long		 n;

	(void)snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data",
	    name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* Makes a fresh temporary directory; the caller removes it. */
static inline char *
testutil_tmpdir(void)
{
	char	*t = strdup("/tmp/fangfei-test-XXXXXX");

	assert_non_null(mkdtemp(t));
	return t;
}

/* Removes a temporary directory and its files. */
static inline void
testutil_rmdir(char *dir)
{
	char	 cmd[1100];

	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(dir);
}

#endif

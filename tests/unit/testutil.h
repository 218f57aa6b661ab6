/* Helpers shared by the cmocka unit tests. */
#ifndef FANGFEI_TESTUTIL_H
#define FANGFEI_TESTUTIL_H

#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/template.h"

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

/* Copies the file from to a new file to (mode 0600); it must work. */
static inline void
testutil_copy(const char *from, const char *to)
{
	if (copyfile(from, to) == -1)
		fail_msg("copy %s to %s: %s", from, to, strerror(errno));
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

/* Runs the binary (FANGFEI_BIN, else build/fangfei) with args (NULL-ended)
 * and without FANGFEI_CONFIG or FANGFEI_DB, its standard output and error
 * into out; returns its exit status (128 + the signal that ended it). */
static inline int
testutil_run(const char *const *args, char *out, size_t size)
{
	const char	*bin = getenv("FANGFEI_BIN");
	char		*argv[16];
	int		 fds[2], st, i = 0;
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;

	argv[i++] = (char *)(uintptr_t)(bin ? bin : "build/fangfei");
	for (; *args != NULL && i < 15; args++)
		argv[i++] = (char *)(uintptr_t)*args;
	argv[i] = NULL;
	assert_int_equal(pipe(fds), 0);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		(void)unsetenv("FANGFEI_CONFIG");
		(void)unsetenv("FANGFEI_DB");
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (len + 1 < size && (n = read(fds[0], out + len,
	    size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Whether needle occurs in the file at path; -1 when there is no file. */
static inline int
testutil_file_holds(const char *path, const char *needle)
{
	FILE	*f;
	char	*buf;
	size_t	 n = 0, cap = 0, got, k = strlen(needle), i;
	int	 found = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	buf = NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			assert_non_null(buf = realloc(buf, cap));
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	for (i = 0; i + k <= n && !found; i++)
		if (memcmp(buf + i, needle, k) == 0)
			found = 1;
	free(buf);
	return found;
}

#endif

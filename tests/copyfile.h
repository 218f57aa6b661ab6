/*
 * Copies a file to a new one, for the unit tests (tests/unit/testutil.h)
 * and the end-to-end tests (tests/e2e/e2e_util.c): both seed a test's
 * database with a copy of one their program migrated once.
 */
#ifndef FANGFEI_TESTS_COPYFILE_H
#define FANGFEI_TESTS_COPYFILE_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* Copies from to a new file to (mode 0600, which must not exist yet).
 * Returns 0, or -1 with errno set. */
static inline int
copyfile(const char *from, const char *to)
{
	char	 b[65536];
	ssize_t	 n, w;
	int	 in, out, saved;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		saved = errno;
		(void)close(in);
		errno = saved;
		return -1;
	}
	while ((n = read(in, b, sizeof b)) > 0)
		if ((w = write(out, b, (size_t)n)) != n) {
			if (w >= 0)
				errno = ENOSPC;	/* a short write */
			n = -1;
			break;
		}
	saved = errno;
	(void)close(in);
	if (close(out) == -1 && n == 0) {
		saved = errno;
		n = -1;
	}
	errno = saved;
	return n == 0 ? 0 : -1;
}

#endif

/*
 * The template database of a test program, for the unit tests
 * (tests/unit/teststore.h) and the end-to-end tests (tests/e2e/e2e_util.c):
 * both seed each test's new SQLite database with a copy of one their
 * program migrated once. Migrating a new file parses the whole schema
 * again at each ALTER TABLE, about 90 million instructions: most of a
 * unit test's time under memcheck, a quarter of a second for each daemon
 * under ASan. FANGFEI_TEST_MIGRATE=1 turns the copies off, so that each
 * test migrates its own new file.
 */
#ifndef FANGFEI_TESTS_TEMPLATE_H
#define FANGFEI_TESTS_TEMPLATE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether tests copy the template (FANGFEI_TEST_MIGRATE is not 1). */
static inline int
template_wanted(void)
{
	const char	*mig = getenv("FANGFEI_TEST_MIGRATE");

	return mig == NULL || strcmp(mig, "1") != 0;
}

/* The template's directory, and the process that made it. */
static char	template_dir_path[64];
static pid_t	template_dir_pid;

/* Removes the directory, in the process that made it only (a forked
 * child that exits must not take it from its parent). */
static inline void
template_dir_remove(void)
{
	char	 cmd[128];

	if (template_dir_path[0] == '\0' || getpid() != template_dir_pid)
		return;
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", template_dir_path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", template_dir_path);
}

/* Makes the template's directory, removed when this process exits, and
 * returns its path; NULL with errno set when it could not. */
static inline const char *
template_dir(void)
{
	(void)snprintf(template_dir_path, sizeof template_dir_path,
	    "/tmp/fangfei-tmpl-XXXXXX");
	if (mkdtemp(template_dir_path) == NULL)
		return NULL;
	template_dir_pid = getpid();
	if (atexit(template_dir_remove) != 0) {
		template_dir_remove();
		errno = ENOMEM;
		return NULL;
	}
	return template_dir_path;
}

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

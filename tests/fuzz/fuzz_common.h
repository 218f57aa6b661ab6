/*
 * Shared bits of the libFuzzer harnesses (tests/fuzz/run.sh builds them).
 * Each harness feeds one parser of outside input with the fuzzer's bytes;
 * nothing here may leak per iteration (LeakSanitizer counts it as a crash).
 */
#ifndef FANGFEI_FUZZ_COMMON_H
#define FANGFEI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A NUL-terminated heap copy of the input (the parsers take C strings). */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Aborts (a crash for libFuzzer) when an invariant does not hold. */
#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)

#endif

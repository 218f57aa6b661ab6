/*
 * In-process throughput of the poster QR PNGs (bot/qr.c): renders N
 * distinct poster URLs as PNGs, split over T threads.
 *
 *   qr_bench [-n COUNT] [-t THREADS] [-s SIZE_PX] [-l LEVEL] [-u URLS]
 *       [-o DIR]
 *
 * Defaults: 10,000 URLs http://127.0.0.1:8080/l/<10-char code>, 2 threads,
 * 600 px, level M. -u writes the URLs, one a line, before timing (so the
 * qrencode CLI can be given the same ones); -o also writes each PNG to
 * DIR/NNNNN.png inside the timed loop (as the CLI must). Prints one line:
 *
 *   QRBENCH n=... threads=... size=... level=... files=0|1 ms=...
 *       per_s=... bytes=... avg_bytes=... width=... bad=... cpu_ms=...
 *
 * cpu_ms is the process's user and system CPU, setup included (qr.sh
 * takes it from the machine's busy time to see other work). bad counts
 * PNGs that failed; the exit status is non-zero if any did.
 */
#include <sys/resource.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bot/qr.h"

#define CODE_LEN	10
#define URL_MAX		64
#define THREADS_MAX	64
#define PNG_MAX		(1u << 20)	/* cap of one PNG */

/* One thread's slice of the URLs and what it made of them. */
struct slice {
	char		(*urls)[URL_MAX];
	size_t		 first, last;	/* [first, last) */
	enum qr_level	 level;
	int		 size;
	const char	*dir;		/* NULL: PNGs stay in memory */
	size_t		 bytes;
	uint32_t	 width;		/* of the last PNG */
	size_t		 bad;
};

/* splitmix64: a well-mixed 64-bit number from a counter. */
static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Writes the poster URL of index i, a distinct 10-character code. */
static void
make_url(size_t i, char *url)
{
	static const char	 alpha[] =
	    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	char			 code[CODE_LEN + 1];
	uint64_t		 v = mix(i);
	size_t			 k;

	/* The index in the first 3 characters (57^3 > 10^5) keeps it
	 * distinct; the rest is noise. */
	code[0] = alpha[i % 57];
	code[1] = alpha[i / 57 % 57];
	code[2] = alpha[i / 57 / 57 % 57];
	for (k = 3; k < CODE_LEN; k++, v /= 57)
		code[k] = alpha[v % 57];
	code[CODE_LEN] = '\0';
	(void)snprintf(url, URL_MAX, "http://127.0.0.1:8080/l/%s", code);
}

/* Reads the width from a PNG's IHDR (bytes 16..19, big-endian). */
static uint32_t
ihdr_width(const char *png)
{
	const unsigned char	*u = (const unsigned char *)png + 16;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | u[3];
}

/* Thread body: renders its slice, writing files when asked. */
static void *
slice_run(void *arg)
{
	struct slice	*s = arg;
	struct buf	 b;
	char		 path[1024];
	FILE		*f;
	size_t		 i;

	buf_init(&b, PNG_MAX);
	for (i = s->first; i < s->last; i++) {
		buf_reset(&b);
		if (qr_png(s->urls[i], s->level, s->size, &b) != 0) {
			s->bad++;
			continue;
		}
		s->bytes += b.len;
		s->width = ihdr_width(b.data);
		if (s->dir == NULL)
			continue;
		(void)snprintf(path, sizeof path, "%s/%05zu.png", s->dir, i);
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(b.data, 1, b.len, f) != b.len) {
			s->bad++;
			if (f != NULL)
				fclose(f);
			continue;
		}
		if (fclose(f) != 0)
			s->bad++;
	}
	buf_free(&b);
	return NULL;
}

/* Milliseconds on the monotonic clock. */
static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Prints the usage line and exits. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: qr_bench [-n COUNT] [-t THREADS] [-s SIZE_PX] "
	    "[-l LEVEL] [-u URLS] [-o DIR]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct slice	 sl[THREADS_MAX];
	pthread_t	 th[THREADS_MAX];
	char		(*urls)[URL_MAX];
	const char	*urls_path = NULL, *dir = NULL, *lname = "M";
	enum qr_level	 level = QR_LEVEL_M;
	size_t		 n = 10000, i, bytes = 0, bad = 0;
	long		 threads = 2, size = 600;
	struct rusage	 ru;
	double		 t0, ms, cpu_ms = 0;
	FILE		*f;
	int		 c;

	while ((c = getopt(argc, argv, "n:t:s:l:u:o:")) != -1) {
		switch (c) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 't':
			threads = strtol(optarg, NULL, 10);
			break;
		case 's':
			size = strtol(optarg, NULL, 10);
			break;
		case 'l':
			if (qr_level_parse(optarg, &level) != 0)
				usage();
			lname = optarg;
			break;
		case 'u':
			urls_path = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (n == 0 || n > 100000 || threads < 1 || threads > THREADS_MAX)
		usage();

	if ((urls = calloc(n, sizeof *urls)) == NULL)
		return 1;
	for (i = 0; i < n; i++)
		make_url(i, urls[i]);
	if (urls_path != NULL) {
		if ((f = fopen(urls_path, "w")) == NULL) {
			perror(urls_path);
			return 1;
		}
		for (i = 0; i < n; i++)
			fprintf(f, "%s\n", urls[i]);
		if (fclose(f) != 0) {
			perror(urls_path);
			return 1;
		}
	}

	t0 = now_ms();
	for (c = 0; c < threads; c++) {
		memset(&sl[c], 0, sizeof sl[c]);
		sl[c].urls = urls;
		sl[c].first = n * (size_t)c / (size_t)threads;
		sl[c].last = n * (size_t)(c + 1) / (size_t)threads;
		sl[c].level = level;
		sl[c].size = (int)size;
		sl[c].dir = dir;
		if (pthread_create(&th[c], NULL, slice_run, &sl[c]) != 0) {
			fprintf(stderr, "qr_bench: pthread_create failed\n");
			return 1;
		}
	}
	for (c = 0; c < threads; c++) {
		pthread_join(th[c], NULL);
		bytes += sl[c].bytes;
		bad += sl[c].bad;
	}
	ms = now_ms() - t0;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	printf("QRBENCH n=%zu threads=%ld size=%ld level=%s files=%d ms=%.1f "
	    "per_s=%.0f bytes=%zu avg_bytes=%zu width=%u bad=%zu cpu_ms=%.0f\n",
	    n, threads, size, lname, dir != NULL, ms, (double)n / (ms / 1e3),
	    bytes, bytes / (n - bad > 0 ? n - bad : 1), sl[0].width, bad,
	    cpu_ms);
	free(urls);
	return bad == 0 ? 0 : 1;
}

/*
 * In-process latency of the company check, without HTTP: opens the
 * registry with the storage API and times lookups one at a time.
 *
 *   lookup DB USCC_FILE FRAG_FILE [SECONDS]
 *
 * For codes, then for name fragments: a warm-up pass, then up to 20,000
 * timed lookups (or SECONDS, default 5, each). Prints one line per kind:
 *
 *   LOOKUP kind=uscc n=... p50_us=... p99_us=... mean_us=... max_us=...
 *       per_s=... bad=...
 *
 * bad counts answers that do not hold what the query came from (a code not
 * found, or a fragment that found nothing or a name without the fragment).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/enterprises.h"
#include "storage/store.h"

#define MAX_N	20000

struct list {
	char	**v;
	size_t	  n;
};

static void
list_load(const char *path, struct list *l)
{
	FILE	*f = fopen(path, "r");
	char	 line[1024];
	size_t	 cap = 0;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (*line == '\0')
			continue;
		if (l->n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((l->v = realloc(l->v, cap * sizeof *l->v)) == NULL)
				exit(1);
		}
		if ((l->v[l->n++] = strdup(line)) == NULL)
			exit(1);
	}
	fclose(f);
	if (l->n == 0) {
		fprintf(stderr, "lookup: %s is empty\n", path);
		exit(1);
	}
}

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One lookup; returns 1 if the answer is not what the query implies. */
static int
one(struct store *s, int uscc, const char *q)
{
	struct check_result	 r;
	enum store_status	 st;
	int			 bad;

	if (uscc) {
		st = enterprises_check_uscc(s, q, &r);
		bad = st != STORE_OK || r.n != 1 || r.m[0].uscc == NULL ||
		    strcmp(r.m[0].uscc, q) != 0;
	} else {
		st = enterprises_check_name(s, q, &r);
		bad = st != STORE_OK || r.n == 0 || r.total < 1 ||
		    r.m[0].name == NULL || strstr(r.m[0].name, q) == NULL;
	}
	if (st == STORE_OK)
		check_result_clear(&r);
	return bad;
}

static void
run(struct store *s, const char *kind, int uscc, const struct list *l,
    double seconds)
{
	static double	 t[MAX_N];
	double		 t0, t1, start, sum = 0;
	size_t		 i, n, bad = 0, warm;

	warm = l->n < 2000 ? l->n : 2000;
	for (i = 0; i < warm; i++)
		(void)one(s, uscc, l->v[(i * 7919) % l->n]);
	start = now_us();
	for (n = 0; n < MAX_N; n++) {
		t0 = now_us();
		bad += (size_t)one(s, uscc, l->v[n % l->n]);
		t1 = now_us();
		t[n] = t1 - t0;
		sum += t[n];
		if (t1 - start > seconds * 1e6) {
			n++;
			break;
		}
	}
	qsort(t, n, sizeof t[0], cmp_double);
	printf("LOOKUP kind=%s n=%zu p50_us=%.1f p99_us=%.1f mean_us=%.1f "
	    "max_us=%.1f per_s=%.0f bad=%zu\n", kind, n, t[n / 2],
	    t[(size_t)((double)n * 0.99)], sum / (double)n, t[n - 1],
	    (double)n / (sum / 1e6), bad);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct list	 codes = { NULL, 0 }, frags = { NULL, 0 };
	struct store	*s;
	char		*cause = NULL;
	double		 seconds = 5;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: lookup DB USCC_FILE FRAG_FILE "
		    "[SECONDS]\n");
		return 2;
	}
	if (argc == 5 && (seconds = strtod(argv[4], NULL)) <= 0)
		seconds = 5;
	list_load(argv[2], &codes);
	list_load(argv[3], &frags);
	if ((s = store_open(argv[1], NULL, 0, &cause)) == NULL) {
		fprintf(stderr, "lookup: %s: %s\n", argv[1],
		    cause != NULL ? cause : "cannot open");
		free(cause);
		return 1;
	}
	run(s, "uscc", 1, &codes, seconds);
	run(s, "frag", 0, &frags, seconds);
	store_close(s);
	return 0;
}

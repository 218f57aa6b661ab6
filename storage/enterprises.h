/*
 * The risk-enterprise registry, warning notices, and the company check
 * (exact code, exact name, name fragment).
 */
#ifndef FANGFEI_ENTERPRISES_H
#define FANGFEI_ENTERPRISES_H

#include <stdint.h>
#include <time.h>

#include "store.h"

/* Measures taken against a listed enterprise, as stored. */
#define MEASURES	"admonished warned penalty criminal deregistered shut listed"

struct enterprise_in {
	const char	*uscc;		/* 18 characters, or NULL */
	const char	*name;
	const char	*address;	/* NULL: unchanged */
	int64_t		 area_id;	/* 0: none */
	const char	*risk_level;	/* none low medium high; NULL: unchanged */
};

/* Inserts or updates by code (or by exact name when there is no code);
 * keeps the search index in step. */
enum store_status enterprises_put(struct store *, const struct enterprise_in *,
		    time_t now, int64_t *id);
/* Creates or updates notice issue; *id gets its row. A published notice
 * flags its enterprises in checks; a draft (publish 0) does not until
 * notices_publish(). Publishing is never undone by a later draft put. */
enum store_status notices_put(struct store *, int issue, const char *date,
		    const char *title, int publish, time_t now, int64_t *id);
/* Publishes a draft (or republishes) notice: its enterprises are flagged
 * from now on. *id gets the notice row. */
enum store_status notices_publish(struct store *, int issue, time_t now,
		    int64_t *id);

struct notice_entry {
	char	*name;
	char	*uscc;
	char	*measure;
};
struct notice_info {
	int			 issue;
	char			*title;
	char			*date;
	time_t			 published_at;	/* 0: a draft */
	size_t			 n;
	struct notice_entry	*entries;
};
/* Reads a notice with its enterprises (in name order). */
enum store_status notices_get(struct store *, int issue, struct notice_info *);
void		 notice_info_clear(struct notice_info *);

struct notice_row {
	int64_t	 id;
	int	 issue;
	char	 title[256];
	char	 date[16];
	time_t	 published_at;	/* 0: a draft */
	long	 enterprises;
};
/* Lists notices newest issue first, issues below `before` (0: from the
 * newest), at most n; *count gets how many. */
enum store_status notices_list(struct store *, int before,
		    struct notice_row *, size_t n, size_t *count);
/* Lists enterprise on notice with measure (one of MEASURES). */
enum store_status notices_link(struct store *, int64_t notice,
		    int64_t enterprise, const char *measure);

#define CHECK_SHOWN	3	/* matches listed in a reply */
#define CHECK_COUNT_CAP	1000	/* matches counted before "more than" */

struct check_match {
	int64_t	 id;
	char	*name;
	char	*uscc;		/* NULL if unknown */
	int	 flagged;	/* on a warning notice */
	int	 issue;		/* latest notice, when flagged */
	char	*date;
	char	*measure;
};

struct check_result {
	size_t			 n;
	struct check_match	 m[CHECK_SHOWN];
	long			 total;		/* all matches, up to the cap */
	int			 capped;	/* total reached CHECK_COUNT_CAP */
};

/* Looks up an exact 18-character code. */
enum store_status enterprises_check_uscc(struct store *, const char *uscc,
		    struct check_result *);
/*
 * Looks up a name or fragment as typed: exact normalized names first, then
 * flagged enterprises, then the rest of the registry. STORE_INVALID if the
 * query has fewer than two characters once normalized.
 */
enum store_status enterprises_check_name(struct store *, const char *query,
		    struct check_result *);
void		 check_result_clear(struct check_result *);
/* Compacts the search index (after a bulk import). */
enum store_status enterprises_optimize(struct store *);

#endif

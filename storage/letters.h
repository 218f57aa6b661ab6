/*
 * Open letters, the codes printed on their posters, scans of those codes
 * and the reach figures built from them.
 */
#ifndef FANGFEI_LETTERS_H
#define FANGFEI_LETTERS_H

#include <stdint.h>
#include <time.h>

#include "store.h"

#define LETTER_CODE_LEN	10

struct letter {
	int64_t	 id;
	char	*title;
	char	*body;
	char	*issuer;
	char	*issued_on;
	int64_t	 area_id;
};
void		 letter_clear(struct letter *);

/* Creates a letter. */
enum store_status letters_add(struct store *, const char *title,
		    const char *body, const char *issuer, const char *date,
		    int64_t area, time_t now, int64_t *id);
enum store_status letters_get(struct store *, int64_t id, struct letter *);
/* Lists letters with id > after, at most n; *count gets how many. The
 * caller releases each with letter_clear(). */
enum store_status letters_list(struct store *, int64_t after, struct letter *,
		    size_t n, size_t *count);

/*
 * Makes codes for letter id: one for each area of `level` (5 building,
 * 4 grid, 3 community…) under area, `per` codes each, labelled with the
 * area's last two path parts and the optional place ("电梯厅"). The caller
 * holds a transaction. *made gets how many.
 */
struct letter_code {
	int64_t	 id;
	int64_t	 letter_id;
	char	 code[LETTER_CODE_LEN + 1];
	char	 label[256];
	int64_t	 area_id;
};
/* fn (may be NULL) is called with each code made, in order. */
enum store_status letters_make_codes(struct store *, int64_t id, int64_t area,
		    int level, int per, const char *place, time_t now,
		    void (*fn)(const struct letter_code *, void *), void *arg,
		    long *made);
/* The code used for links shared in groups (one per letter and area,
 * created on first use). */
enum store_status letters_share_code(struct store *, int64_t letter,
		    int64_t area, time_t now, struct letter_code *);
/* Finds a code. */
enum store_status letters_code(struct store *, const char *code,
		    struct letter_code *);
/* Finds a code and its letter (released with letter_clear()) in one
 * statement, for a letter page's view. */
enum store_status letters_code_letter(struct store *, const char *code,
		    struct letter_code *, struct letter *);
/* Lists the codes of a letter under area (0: all), ids after `after`. */
enum store_status letters_codes(struct store *, int64_t letter, int64_t area,
		    int64_t after, struct letter_code *, size_t n, size_t *count);

enum scan_client {
	SCAN_WECHAT,
	SCAN_ALIPAY,
	SCAN_BROWSER,
	SCAN_BOT,
};
/* A visit to be recorded by letters_scan_batch(). */
struct scan_visit {
	int64_t			 code_id;
	time_t			 at;
	enum scan_client	 client;
	int			 forwarded;
	char			 device[33];
	char			 day[9];	/* YYYYMMDD, local: the salt's */
	char			 addr[64];	/* "": no hash; never stored */
};
/*
 * Records n visits in one transaction whose commit does not wait for the
 * disk: a power cut may lose the last batches, which only undercounts a
 * reach figure. Each address is stored as its HMAC under its day's salt
 * (letters_day_salt), for deduplication only: the salt is random and
 * deleted after its day, so nobody, not even with the store key, can
 * recompute a past day's hashes and try every IPv4 address against
 * them (no salt: no hash). Repeat visits are found in order, as if each visit
 * had been recorded alone. On failure none is recorded.
 */
enum store_status letters_scan_batch(struct store *,
		    const struct scan_visit *, size_t n);

/* Reach of one area. */
struct reach_row {
	int64_t	 area_id;
	char	 path[512];
	int	 level;
	long	 households;	/* its own, or the sum of its buildings */
	long	 codes;
	long	 codes_unscanned;
	long	 scans;		/* people, bots excluded */
	long	 forwarded;	/* scans through a shared link */
	long	 devices;	/* unique devices */
	long	 bots;		/* excluded visits */
};
/*
 * One row per area (street, community, grid, building) under root that
 * holds codes of the letter; calls fn for each, in path order. root 0 is
 * the letter's own area; a root outside the letter's area gives no rows.
 * Figures count both the scan rows kept and the totals of pruned ones
 * (letters_prune_scans); a device seen on several codes before pruning
 * counts once per code.
 */
enum store_status letters_reach(struct store *, int64_t letter, int64_t root,
		    void (*fn)(const struct reach_row *, void *), void *arg);
/* Codes of a letter under area (0: all) never scanned by people. */
enum store_status letters_unscanned(struct store *, int64_t letter,
		    int64_t area, void (*fn)(const struct letter_code *, void *),
		    void *arg);
/*
 * Folds the scan rows older than before into per-code totals and deletes
 * them (with their device ids and address hashes), in one transaction of
 * its own; *n gets how many rows went. Reach figures stay the same.
 */
enum store_status letters_prune_scans(struct store *, time_t before, long *n);

#define SCAN_SALT_LEN	32
/*
 * The random salt of day (YYYYMMDD) for address hashes, created on first
 * use; every older day's salt is deleted, so that a past day's hashes
 * cannot be recomputed.
 */
enum store_status letters_day_salt(struct store *, const char *day,
		    uint8_t salt[SCAN_SALT_LEN]);

#define LETTER_SIG_LEN	32	/* hex digits of a print link's signature */
/*
 * Signs a print link for the codes of letter under area, valid until
 * expires, under a key derived from the store key. STORE_INVALID when the
 * store has no key.
 */
enum store_status letters_print_sign(struct store *, int64_t letter,
		    int64_t area, time_t expires, char sig[LETTER_SIG_LEN + 1]);
/* Returns 1 if sig signs (letter, area, expires) and now is before
 * expires, 0 otherwise. */
int		 letters_print_valid(struct store *, int64_t letter,
		    int64_t area, time_t expires, const char *sig, time_t now);

#endif

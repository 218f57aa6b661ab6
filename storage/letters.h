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

/*
 * Makes codes for letter id: one for each area of `level` (5 building,
 * 4 grid, 3 community…) under area, `per` codes each, labelled with the
 * area's last two path parts and the optional place ("电梯厅"). The caller
 * holds a transaction. *made gets how many.
 */
enum store_status letters_make_codes(struct store *, int64_t id, int64_t area,
		    int level, int per, const char *place, time_t now,
		    long *made);

struct letter_code {
	int64_t	 id;
	int64_t	 letter_id;
	char	 code[LETTER_CODE_LEN + 1];
	char	 label[256];
	int64_t	 area_id;
};
/* The code used for links shared in groups (one per letter and area,
 * created on first use). */
enum store_status letters_share_code(struct store *, int64_t letter,
		    int64_t area, time_t now, struct letter_code *);
/* Finds a code. */
enum store_status letters_code(struct store *, const char *code,
		    struct letter_code *);
/* Lists the codes of a letter under area (0: all), ids after `after`. */
enum store_status letters_codes(struct store *, int64_t letter, int64_t area,
		    int64_t after, struct letter_code *, size_t n, size_t *count);

enum scan_client {
	SCAN_WECHAT,
	SCAN_ALIPAY,
	SCAN_BROWSER,
	SCAN_BOT,
};
/* Records a visit; *repeat says whether the device had opened this code
 * before. */
enum store_status letters_scan(struct store *, int64_t code_id, time_t now,
		    enum scan_client, const char *device, int forwarded,
		    const uint8_t *ip_hash, size_t ip_hash_len, int *repeat);

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
/* One row per area (street, community, grid, building) under the letter's
 * area that holds codes; calls fn for each, in path order. */
enum store_status letters_reach(struct store *, int64_t letter,
		    void (*fn)(const struct reach_row *, void *), void *arg);
/* Codes of a letter that were never scanned (by people). */
enum store_status letters_unscanned(struct store *, int64_t letter,
		    void (*fn)(const struct letter_code *, void *), void *arg);

#endif

/*
 * Staff, their one-time bind codes and chat identities, and the bearer
 * tokens of the HTTP API. Each staff member and token is scoped to an area
 * subtree.
 */
#ifndef FANGFEI_STAFF_H
#define FANGFEI_STAFF_H

#include <stdint.h>
#include <time.h>

#include "store.h"

#define BIND_CODE_LEN		6
#define BIND_CODE_TTL		(24 * 3600)
#define TOKEN_TEXT_LEN		(3 + 64)	/* "ff_" and 64 hex digits */

struct staff_info {
	int64_t	 id;
	char	 name[128];
	char	 role[16];	/* grid_worker grid_chief liaison office admin */
	int64_t	 area_id;
	char	 area_path[512];
};

/* Returns 1 if role names a staff role. */
int		 staff_role_valid(const char *role);
/* Creates a staff member. */
enum store_status staff_add(struct store *, const char *name, const char *role,
		    int64_t area, const char *phone, time_t now, int64_t *id);
/* Makes a fresh 6-digit code for staff id, valid 24 hours, single use. */
enum store_status staff_bind_code(struct store *, int64_t staff, time_t now,
		    char code[BIND_CODE_LEN + 1]);
/* Spends a code: binds (channel, user) to its staff member; STORE_NOT_FOUND
 * for an unknown, used or expired code. The caller holds a transaction. */
enum store_status staff_bind(struct store *, const char *code,
		    const char *channel, const char *user, time_t now,
		    struct staff_info *);
/* The staff member behind a chat identity, or STORE_NOT_FOUND. */
enum store_status staff_by_identity(struct store *, const char *channel,
		    const char *user, struct staff_info *);
enum store_status staff_get(struct store *, int64_t id, struct staff_info *);
/* Lists staff with id > after, at most n; *count gets how many. */
enum store_status staff_list(struct store *, int64_t after,
		    struct staff_info *, size_t n, size_t *count);

struct token_info {
	int64_t	 id;
	char	 role[16];
	int64_t	 area_id;
	char	 area_path[512];
};
/* Creates a token; the text is shown once and stored only as its hash. */
enum store_status tokens_create(struct store *, const char *role, int64_t area,
		    const char *label, time_t now,
		    char text[TOKEN_TEXT_LEN + 1]);
/* Checks a presented token; STORE_NOT_FOUND if unknown or revoked. */
enum store_status tokens_check(struct store *, const char *text,
		    struct token_info *);

/* Returns 1 if area lies in the subtree of root (or is root). */
int		 areas_within(struct store *, int64_t area, int64_t root);
/* Writes the path of an area. */
enum store_status areas_path(struct store *, int64_t id, char *out,
		    size_t size);

/* Appends to the audit log. */
enum store_status audit_add(struct store *, const char *actor,
		    const char *action, const char *detail, time_t now);

#endif

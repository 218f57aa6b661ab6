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

/* A bind code: 10 characters of a 32-letter alphabet without look-alikes
 * (50 bits), shown grouped as XXXX-XXXX-XX; stored only as its hash. */
#define BIND_CODE_LEN		10
#define BIND_CODE_TEXT_LEN	12	/* with the two dashes */
#define BIND_CODE_TTL		(24 * 3600)
#define TOKEN_TEXT_LEN		(3 + 64)	/* "ff_" and 64 hex digits */

struct staff_info {
	int64_t	 id;
	char	 name[128];
	char	 role[16];	/* grid_worker grid_chief liaison office admin */
	int64_t	 area_id;
	char	 area_path[512];
	int	 active;	/* 0: disabled (staff_disable) */
};

/* What staff_disable() cut off, for its caller to say. */
struct staff_cutoff {
	long	 identities;	/* chat accounts unbound */
	long	 sessions;	/* console sessions ended */
	long	 codes;		/* unused bind codes voided */
	long	 links;		/* unused console sign-in links voided */
	long	 feeds;		/* calendar feeds revoked */
};

/* Returns 1 if role names a staff role. */
int		 staff_role_valid(const char *role);
/* Creates a staff member. */
enum store_status staff_add(struct store *, const char *name, const char *role,
		    int64_t area, const char *phone, time_t now, int64_t *id);
/* The rank of a role (grid_worker 1 … admin 5), 0 for anything else. */
int		 staff_role_rank(const char *role);
/* Makes a fresh code for staff id, valid 24 hours, single use, written
 * grouped (XXXX-XXXX-XX); the member's earlier unused codes are cancelled.
 * The caller holds a transaction (or accepts two statements). */
enum store_status staff_bind_code(struct store *, int64_t staff, time_t now,
		    char code[BIND_CODE_TEXT_LEN + 1]);
/* Normalises a typed code (dashes and spaces dropped, case folded) into
 * its BIND_CODE_LEN characters; -1 if it cannot be a code. */
int		 staff_code_parse(const char *typed,
		    char out[BIND_CODE_LEN + 1]);
/* Spends a code (as typed): binds (channel, user) to its staff member,
 * remembering chat_id (the private chat, or NULL) for notices;
 * STORE_NOT_FOUND for an unknown, used or expired code, or one of a
 * disabled member. The caller holds a transaction. */
enum store_status staff_bind(struct store *, const char *code,
		    const char *channel, const char *user, const char *chat_id,
		    time_t now, struct staff_info *);
/* Counts one failed bind attempt of (channel, user) and forgets failures
 * older than window seconds. The caller holds a transaction. */
enum store_status staff_bind_failed(struct store *, const char *channel,
		    const char *user, time_t now, int window);
/*
 * Returns 1 when binds from (channel, user) are refused: per_sender failed
 * attempts of that sender, or per_channel of the whole channel, within the
 * last window seconds (a limit of 0 is off); *until gets the time the
 * oldest counted failure leaves the window. 0 otherwise, -1 on error.
 */
int		 staff_bind_locked(struct store *, const char *channel,
		    const char *user, time_t now, int window, int per_sender,
		    int per_channel, time_t *until);
/* Queues body to the private chats of staff's identities other than
 * (channel, user), in the caller's transaction; *n gets how many. */
enum store_status staff_notify_identities(struct store *, int64_t staff,
		    const char *channel, const char *user, const char *body,
		    time_t now, long *n);
/*
 * Disables staff member id at now: marks them inactive, deletes their
 * chat identities (their accounts are residents' again), ends their
 * console sessions, voids their unused bind codes and sign-in links and
 * revokes their calendar feed; *out gets how many of each. Their history
 * (tips, events, patrols, audit entries) is kept. Disabling a disabled
 * member sweeps again (finding nothing, unless something was left).
 * STORE_NOT_FOUND when there is no such member. The caller holds a
 * transaction and writes the audit entry.
 */
enum store_status staff_disable(struct store *, int64_t id, time_t now,
		    struct staff_cutoff *out);
/* Writes the audit detail of a disable: who, and what was cut off. */
void		 staff_cutoff_detail(const struct staff_cutoff *, int64_t id,
		    const char *name, char *out, size_t size);
/* Marks staff member id active again; nothing else comes back (their
 * accounts bind again with a new code). STORE_NOT_FOUND when there is
 * no such member. */
enum store_status staff_enable(struct store *, int64_t id);
/* The active staff member behind a chat identity, or STORE_NOT_FOUND. */
enum store_status staff_by_identity(struct store *, const char *channel,
		    const char *user, struct staff_info *);
/* A staff member by id, active or not (see staff_info.active). */
enum store_status staff_get(struct store *, int64_t id, struct staff_info *);
/* Lists staff with id > after, at most n; *count gets how many. */
enum store_status staff_list(struct store *, int64_t after,
		    struct staff_info *, size_t n, size_t *count);

/* Who calls the API: a bearer token, or a staff member signed in to the
 * console (bot/console.h), with the same role and area checks. */
struct token_info {
	int64_t	 id;		/* the token's, or the session's */
	char	 role[16];
	int64_t	 area_id;
	char	 area_path[512];
	int64_t	 staff_id;	/* a console session's staff member; 0: token */
	char	 actor[32];	/* for the audit log: token:N or staff:N */
	/* Filled by tokens_list() only. */
	char	 label[128];
	time_t	 created_at;
	time_t	 expires_at;	/* 0: never */
	time_t	 revoked_at;	/* 0: live */
};
/* Creates a token; the text is shown once and stored only as its hash. */
enum store_status tokens_create(struct store *, const char *role, int64_t area,
		    const char *label, time_t now,
		    char text[TOKEN_TEXT_LEN + 1]);
/* Like tokens_create(), expiring at expires (0: never). */
enum store_status tokens_create_until(struct store *, const char *role,
		    int64_t area, const char *label, time_t now, time_t expires,
		    char text[TOKEN_TEXT_LEN + 1]);
/* Checks a presented token at now; STORE_NOT_FOUND if unknown, revoked or
 * expired. */
enum store_status tokens_check_at(struct store *, const char *text,
		    time_t now, struct token_info *);
/* tokens_check_at() with the current time. */
enum store_status tokens_check(struct store *, const char *text,
		    struct token_info *);
/* Lists tokens with id > after, at most n (never their text or hash). */
enum store_status tokens_list(struct store *, int64_t after,
		    struct token_info *, size_t n, size_t *count);
/* Revokes token id; STORE_NOT_FOUND if there is none or it was revoked. */
enum store_status tokens_revoke(struct store *, int64_t id, time_t now);

/* Returns 1 if area lies in the subtree of root (or is root). */
int		 areas_within(struct store *, int64_t area, int64_t root);
/* Writes the path of an area. */
enum store_status areas_path(struct store *, int64_t id, char *out,
		    size_t size);

/* Appends to the audit log. */
enum store_status audit_add(struct store *, const char *actor,
		    const char *action, const char *detail, time_t now);
/* Appends to the audit log an entry concerning area (0: none). */
enum store_status audit_add_area(struct store *, const char *actor,
		    const char *action, const char *detail, int64_t area,
		    time_t now);

struct audit_entry {
	int64_t	 id;
	time_t	 at;
	char	 actor[128];
	char	 action[64];
	char	 detail[512];
	char	 area_path[512];	/* empty when the entry has no area */
};
struct audit_filter {
	const char	*action;	/* NULL: any */
	time_t		 since;		/* 0: any */
	int64_t		 before;	/* entries with id < before; 0: newest */
	/* 0: all; else entries in this subtree, and those without an area
	 * when scope is a top-level area. */
	int64_t		 scope;
};
/* Lists audit entries newest first, at most n. */
enum store_status audit_list(struct store *, const struct audit_filter *,
		    struct audit_entry *, size_t n, size_t *count);

#endif

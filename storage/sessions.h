/*
 * The console's sign-in: one-time links (LOGIN_LINK_TTL seconds, used
 * once) and the sessions they open. Secrets are 32 random bytes as hex,
 * shown once and stored only as their SHA-256; a session ends when idle
 * for the caller's idle time, at its absolute age, at sign-out, or when
 * its staff member leaves.
 */
#ifndef FANGFEI_SESSIONS_H
#define FANGFEI_SESSIONS_H

#include <stdint.h>
#include <time.h>

#include "store.h"

#define SESSION_SECRET_LEN	64	/* hex digits of 32 random bytes */
#define LOGIN_LINK_TTL		600	/* seconds a sign-in link lives */

struct session_info {
	int64_t	 id;
	int64_t	 staff_id;
	char	 csrf[SESSION_SECRET_LEN + 1];
	time_t	 created_at;
	time_t	 seen_at;
};

/* A sign-in link's secret for active staff member staff, valid until
 * now + LOGIN_LINK_TTL. STORE_NOT_FOUND when there is no such active
 * staff member. */
enum store_status login_links_create(struct store *, int64_t staff,
		    time_t now, char secret[SESSION_SECRET_LEN + 1]);
/* Uses a link once: *staff gets its staff member. STORE_NOT_FOUND alike
 * for a secret that is malformed, unknown, used, expired, or whose staff
 * member left. */
enum store_status login_links_use(struct store *, const char *secret,
		    time_t now, int64_t *staff);
/* Opens a session: secret (the cookie) and info. */
enum store_status sessions_create(struct store *, int64_t staff, time_t now,
		    char secret[SESSION_SECRET_LEN + 1], struct session_info *);
/* Checks a session cookie at now: STORE_NOT_FOUND when unknown, ended,
 * idle for idle seconds or older than max_age seconds, or its staff
 * member left. Records the visit (at most once a minute). */
enum store_status sessions_check(struct store *, const char *secret,
		    time_t now, int idle, int max_age, struct session_info *);
/* Ends every live session of staff member staff and voids their unused
 * sign-in links (they expire at now); *sessions and *links get how many.
 * The caller holds a transaction. */
enum store_status sessions_end_staff(struct store *, int64_t staff,
		    time_t now, long *sessions, long *links);
/* Ends a session (sign-out); STORE_NOT_FOUND when it was not live. */
enum store_status sessions_end(struct store *, int64_t id, time_t now);

#endif

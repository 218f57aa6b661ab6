/*
 * A fake chat platform for the end-to-end tests: an HTTP server on
 * 127.0.0.1 (libmicrohttpd, one thread per connection, so that an answer
 * may be held back) that records every request and answers by a mode the
 * test sets:
 *
 *   OK      the OK body (default {"errcode":0,"errmsg":"ok"}), status 200;
 *   scripts the next N requests whose path starts with a prefix get a given
 *           status and body, then OK again (500 twice; 200 {"errcode":45009});
 *   HOLD    the request is recorded, then its answer waits until
 *           fakeplat_release() (then it gets the OK body);
 *   STALL   the request is recorded and gets no answer while the stall
 *           lasts (the sender's timeout runs out first); when it ends,
 *           fakeplat_stall(fp, 0), the late answer is a 504, recorded as
 *           such: a stalled request never counts as accepted.
 *
 * Every function is safe from any thread.
 */
#ifndef FANGFEI_FAKEPLAT_H
#define FANGFEI_FAKEPLAT_H

#include <stddef.h>
#include <stdint.h>

#define FAKEPLAT_OK_BODY	"{\"errcode\":0,\"errmsg\":\"ok\"}"

struct fakeplat;

/* One request as the fake received it. */
struct fakeplat_record {
	int64_t	 ms;		/* CLOCK_REALTIME, milliseconds, at arrival */
	char	 method[16];
	char	*path;		/* as sent: path and raw (undecoded) query */
	char	*content_type;	/* "" when absent */
	char	*headers;	/* every header, "Name: value\n" each */
	char	*body;		/* NUL-terminated copy */
	size_t	 len;
	long	 status;	/* what the fake answered (0: not yet) */
};

/* Starts the server on a free loopback port; NULL on failure. */
struct fakeplat	*fakeplat_start(void);
/* Releases held answers and stops; frees the records. */
void		 fakeplat_stop(struct fakeplat *);
int		 fakeplat_port(const struct fakeplat *);
/* "http://127.0.0.1:PORT" */
const char	*fakeplat_base(const struct fakeplat *);

/* Forgets the records and scripts; back to OK with the default body. */
void		 fakeplat_reset(struct fakeplat *);
/* The body of OK answers (NULL: the default). */
void		 fakeplat_set_ok(struct fakeplat *, const char *body);
/* The next n requests whose path starts with prefix (NULL: any) answer
 * status and body; then OK. Up to 8 scripts, matched in order. */
void		 fakeplat_script(struct fakeplat *, const char *prefix, int n,
		    long status, const char *body);
/* Ends the scripts of prefix (NULL: the scripts for any path) before
 * their count runs out: a platform down "until further notice" is a
 * script of a large count, cancelled when it comes back. */
void		 fakeplat_script_cancel(struct fakeplat *, const char *prefix);
/* HOLD (1) or OK (0) for requests that no script answers. */
void		 fakeplat_hold(struct fakeplat *, int on);
/* Answers every held request now (with the OK body). */
void		 fakeplat_release(struct fakeplat *);
/* STALL (1) for requests that no script answers, or back to OK or HOLD
 * (0): the stalled requests then get their late 504. */
void		 fakeplat_stall(struct fakeplat *, int on);

/* Requests whose path starts with prefix (NULL: all), received so far. */
size_t		 fakeplat_count(struct fakeplat *, const char *prefix);
/* Requests held (HOLD or STALL) right now. */
size_t		 fakeplat_held(struct fakeplat *);
/* A copy of the records whose path starts with prefix (NULL: all), in
 * order of arrival; *n gets their number. Free with fakeplat_free(). */
struct fakeplat_record *fakeplat_records(struct fakeplat *, const char *prefix,
		    size_t *n);
void		 fakeplat_free(struct fakeplat_record *, size_t n);

#endif

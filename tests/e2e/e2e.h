/* End-to-end helpers: start the real binary on a free loopback port and
 * talk to it with libcurl (kcgi style: no sleeps, wait on readiness). */
#ifndef FANGFEI_E2E_H
#define FANGFEI_E2E_H

#include <stddef.h>
#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

struct daemon {
	pid_t	 pid;
	int	 port;
	char	*dir;		/* temporary directory with config and db */
	char	*db_url;	/* PostgreSQL: the database, or NULL */
	char	 base[64];	/* http://127.0.0.1:PORT */
};

struct http_result {
	long	 status;
	char	*body;
	size_t	 len;
	int	 error;		/* libcurl's CURLcode; 0 when answered */
};

/* Creates dir with a config (extra appended) and the demo data: on a
 * SQLite file, or when FANGFEI_TEST_PG is set, on a fresh schema of that
 * PostgreSQL database (the key file in dir). */
void	 e2e_prepare(struct daemon *, const char *extra_config);
/* Where the database goes. */
enum e2e_engine {
	E2E_ENGINE_ENV,		/* PostgreSQL when FANGFEI_TEST_PG is set */
	E2E_ENGINE_SQLITE,	/* a file in dir, whatever the environment */
	E2E_ENGINE_URL,		/* the given PostgreSQL URL, as it is */
};
/* The same, with the engine chosen; url for E2E_ENGINE_URL (its schema is
 * used as it is, and nothing is imported); registry: import the demo
 * enterprises as well as the areas. */
void	 e2e_prepare_on(struct daemon *, const char *extra_config,
	    enum e2e_engine, const char *url, int registry);
/* A URL for a new, empty schema of FANGFEI_TEST_PG's database; the caller
 * frees it. Exits when FANGFEI_TEST_PG is not set. */
char	*e2e_pg_schema(void);
/* Starts `fangfei serve` and waits for its "listening on" line. */
void	 e2e_start(struct daemon *);
/* The same, its log (standard error) written to the file log. */
void	 e2e_start_log(struct daemon *, const char *log);
/* Sends sig and returns the exit status (or 128+signal). */
int	 e2e_stop(struct daemon *, int sig);
void	 e2e_cleanup(struct daemon *);
/* One request; headers is a NULL-terminated list of "Name: value". */
struct http_result e2e_request(const struct daemon *, const char *method,
	    const char *path, const char *const *headers, const char *body,
	    size_t len);
void	 e2e_result_free(struct http_result *);
/* A message of sender in chat (a group's: "g-…") to the generic JSON
 * webhook of channel (NULL: demo); name: sender_name or NULL; msgid NULL:
 * a fresh one. */
struct http_result e2e_say(const struct daemon *, const char *channel,
	    const char *chat, const char *sender, const char *name,
	    const char *text, const char *msgid);
/* Adds a staff member with the CLI and binds them from chat (NULL:
 * u-<user>) as user on channel (NULL: demo); returns their id, or -1. */
long	 e2e_bind_staff(const struct daemon *, const char *channel,
	    const char *chat, const char *user, const char *name,
	    const char *role, const char *area);
/* Runs `fangfei ARGS --config <the daemon's>` and captures its standard
 * output into out (cut at size); returns the exit status. */
int	 e2e_cli(const struct daemon *, const char *const *args, char *out,
	    size_t size);
/* Runs a SQL query on the daemon's database and returns the first
 * column of the first row as a number. */
long	 e2e_sql_long(const struct daemon *, const char *sql);
/* The same for a text; 0, or -1 when there is no row. */
int	 e2e_sql_text(const struct daemon *, const char *sql, char *out,
	    size_t size);

/* Whether the daemon's database files (the database and its WAL) hold
 * the bytes of s anywhere (a phone number must only be stored sealed). */
int	 e2e_db_holds(const struct daemon *, const char *);
/* Runs SQL that returns nothing (an UPDATE that moves time back); 0,
 * or -1 with the error on standard error. */
int	 e2e_sql_exec(const struct daemon *, const char *sql);

/* How the channels' platforms sign their webhooks, for the suites that
 * play those platforms. */
/* The generic channel: writes "sha256=<hex HMAC-SHA256(secret, ts "."
 * body)>" into sig (X-Fangfei-Signature); 0, or -1. */
int	 e2e_sign_generic(const char *secret, const char *ts,
	    const char *body, size_t len, char sig[80]);
/* Twilio: writes base64 HMAC-SHA1(token, url followed by every name and
 * its value, the names sorted as given) into sig (X-Twilio-Signature);
 * names and values end with NULL. 0, or -1. */
int	 e2e_sign_twilio(const char *token, const char *url,
	    const char *const *names, const char *const *values, char sig[64]);

/* Opens a TCP connection to d's port from 127.0.0.from (0: any address;
 * 2 and up: each its own address, for the per-address limits); aborts
 * the run when it cannot. */
int	 e2e_connect(const struct daemon *, int from);

/* The wall clock in milliseconds (the daemon's clock is the wall's). */
static inline int64_t
e2e_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One step of a polling loop, ms long. */
static inline void
e2e_sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * A client of a daemon's /api/v1: one curl handle kept alive between
 * calls, with the Authorization header auth ("Authorization: Bearer …").
 * e2e_api() sends a JSON body (consumed; NULL: none) to the path below
 * /api/v1 and returns the parsed answer, *status the HTTP status; NULL
 * (and why, on standard error) when the transfer failed or the answer is
 * not JSON.
 */
struct e2e_api {
	CURL			*c;
	struct curl_slist	*hl;
};
void	 e2e_api_open(struct e2e_api *, const char *auth);
void	 e2e_api_close(struct e2e_api *);
json_t	*e2e_api(struct e2e_api *, const struct daemon *, const char *method,
	    const char *path, json_t *in, long *status);

#endif

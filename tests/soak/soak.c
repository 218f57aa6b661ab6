/*
 * The kill soak (make soak). Client threads send tips ("举报 SOAKcNn …",
 * a token unique to each) on every inbound channel at a steady rate, each
 * from one of a few reporters, retrying a message whose request failed
 * with the same message id as the platforms do, until it is
 * acknowledged; meanwhile the daemon is killed with SIGKILL at random
 * moments and started again, SOAK_KILLS times (default 100). On
 * PostgreSQL (FANGFEI_TEST_PG set) two daemons share one database, the
 * clients use either, and one of them, drawn at random, is killed each
 * time. A broadcast to SOAK_GROUPS robots of a slow fake platform is in
 * progress across the kills, and a reminder to the same robots falls due
 * during them.
 *
 * Afterwards: every acknowledged tip is in the database exactly once,
 * under the reference its reporter was given; no tip is stored twice;
 * its reporter follows it ("进度 <ref>" from the same sender gets its
 * status); every robot received the broadcast and the reminder, a second
 * copy only for sends in flight at a kill (at most max_inflight each
 * time); the reminder has one firing. SOAK_SEED makes the kill moments
 * and the victims reproducible. The closing line is "N passed, N
 * failed"; the exit status is 1 when a check failed.
 *
 * Waits poll conditions with a deadline that only guards against a hang;
 * no check is about how long something took.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "messages/xmalloc.h"
#include "soak.h"
#include "tests/e2e/fakeplat.h"

#define SOAK_KILL_MIN	50	/* ms a daemon lives, at least */
#define SOAK_KILL_MAX	500	/* and at most */
#define SOAK_RETRY_MS	20	/* between a failed request and its retry */
#define SOAK_ATTEMPTS	3000	/* of one message before giving up */
#define SOAK_REMIND_S	8	/* the reminder is due this long after start */
#define AREA_TOP	"张店区"
#define AREA_BUILDING	"张店区/车站街道/华光路社区/第3网格/12号楼"
#define BC_TEXT		"【预警】示例·鑫源财富涉嫌非法集资，请勿投资！"
#define RM_TEXT		"晨间提醒：请查看今日线索。"

static struct daemon		 inst[2];	/* the daemons */
static struct daemon		 view[2];	/* the clients' copies */
static int			 ninst;
static struct fakeplat		*robots, *api;
static struct soak_client	 clients[16];
static atomic_int		 stopping, releasing;
static unsigned			 rate = 10;	/* tips a second, a channel */
static unsigned			 passed, failed;
static char			 auth[320];
static int64_t			*kill_at;	/* CLOCK_REALTIME ms of each kill */
static unsigned			 nkills;

/* The milliseconds of CLOCK_REALTIME (the fake platform's clock). */
static int64_t
soak_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The milliseconds of CLOCK_MONOTONIC. */
int64_t
soak_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps ms milliseconds, whatever signal comes. */
static void
soak_sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* xorshift64*: the kill moments and victims, from SOAK_SEED. */
static uint64_t
soak_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Counts one check and says how it went. */
void
soak_check(int ok, const char *what, const char *detail)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail ? ": " : "",
	    detail ? detail : "");
	fflush(stdout);
}

/* A free loopback port (bound, read, closed: the daemon binds it next). */
static int
soak_free_port(void)
{
	struct sockaddr_in	 a;
	socklen_t		 len = sizeof a;
	int			 fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Copies the tip reference in s into ref ("" when none). */
void
soak_ref_of(const char *s, char ref[32])
{
	const char	*p = s != NULL ? strstr(s, "JB-") : NULL;
	size_t		 n = 0;

	if (p != NULL)
		n = strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");
	if (n != 18)
		n = 0;
	memcpy(ref, p != NULL ? p : "", n);
	ref[n] = '\0';
}

/* Whether a 200 answer acknowledges a tip without its text: the empty
 * acknowledgements of the channels that answer through the outbox, and
 * WeChat's and WeCom's "success" for an answer that missed the
 * platform's deadline. */
int
soak_late_ack(const char *text)
{
	return strcmp(text, "") == 0 || strcmp(text, "{}") == 0 ||
	    strcmp(text, "success") == 0;
}

/* The daemon a client's attempt goes to: either, alternately. */
static const struct daemon *
soak_pick(unsigned attempt, size_t ch)
{
	return &view[ninst == 2 ? (attempt + ch) % 2 : 0];
}

/* Sends one message until the daemon answers it (any status but a lost
 * connection or a 5xx), as the platforms retry; the reply's text is the
 * caller's. Returns the attempts made. */
int
soak_deliver(struct soak_client *cl, int sender, unsigned long id,
    const char *text, struct soak_reply *r)
{
	const struct soak_channel	*c = &soak_channels[cl->ch];
	int				 n;

	for (n = 1;; n++) {
		c->say(soak_pick((unsigned)n, cl->ch), sender, id, text, r);
		if (r->status >= 200 && r->status < 500)
			return n;
		cl->failed_requests++;
		/* Refused: the daemon was down. Otherwise the connection was
		 * made and the answer never came: the request was in the
		 * daemon when it was killed. */
		if (r->error != 0 && r->error != CURLE_COULDNT_CONNECT)
			cl->lost_requests++;
		soak_reply_free(r);
		if (n == SOAK_ATTEMPTS)
			return n;
		soak_sleep_ms(SOAK_RETRY_MS);
	}
}

/* A client thread: tips on its channel at the steady rate until the
 * killer is done, each retried until answered. */
static void *
soak_client_run(void *arg)
{
	struct soak_client		*cl = arg;
	const struct soak_channel	*c = &soak_channels[cl->ch];
	struct soak_reply		 r, again;
	struct soak_tip			*t;
	char				 text[160], ref2[32];
	int64_t				 next = soak_ms();
	unsigned long			 id;
	int				 sender;

	while (!atomic_load(&stopping)) {
		if (cl->ntips == cl->cap) {
			cl->cap = cl->cap ? cl->cap * 2 : 256;
			cl->tips = xrealloc(cl->tips, cl->cap *
			    sizeof *cl->tips);
		}
		t = &cl->tips[cl->ntips];
		memset(t, 0, sizeof *t);
		id = cl->ntips + 1;
		sender = (int)(cl->ntips % SOAK_SENDERS);
		(void)snprintf(text, sizeof text, "举报 SOAK%zuN%zu 某理财公司"
		    "承诺保本高息，月息百分之五", cl->ch, cl->ntips);
		cl->ntips++;
		t->attempts = soak_deliver(cl, sender, id, text, &r);
		if (r.status == 200) {
			soak_ref_of(r.text, t->ref);
			if (t->ref[0] != '\0' || soak_late_ack(r.text))
				t->acked = 1;
			else {
				t->refused = 1;
				printf("  %s tip %zu answered without its "
				    "acknowledgement: %.200s\n", c->name,
				    cl->ntips - 1, r.text);
			}
		} else if (r.status != 0)
			printf("  %s tip %zu: status %ld: %.200s\n", c->name,
			    cl->ntips - 1, r.status, r.text ? r.text : "");
		soak_reply_free(&r);
		/* One in eight is delivered once more, as platforms do: the
		 * same reference again. */
		if (t->acked && id % 8 == 3) {
			cl->redelivered++;
			(void)soak_deliver(cl, sender, id, text, &again);
			soak_ref_of(again.text, ref2);
			if (again.status != 200 || (t->ref[0] != '\0' &&
			    ref2[0] != '\0' && strcmp(ref2, t->ref) != 0) ||
			    (ref2[0] == '\0' && !soak_late_ack(again.text))) {
				cl->redelivered_bad++;
				printf("  %s tip %zu (%s) delivered again: %ld "
				    "%.200s\n", c->name, cl->ntips - 1, t->ref,
				    again.status, again.text ? again.text : "");
			}
			soak_reply_free(&again);
		}
		next += 1000 / rate;
		if (next > soak_ms())
			soak_sleep_ms((int)(next - soak_ms()));
		else
			next = soak_ms();
	}
	return NULL;
}

/* Answers the robots' held sends every 100 ms: a slow platform, so that
 * the broadcast spans many kills with sends in flight at each. */
static void *
soak_release_run(void *arg)
{
	(void)arg;
	while (atomic_load(&releasing)) {
		fakeplat_release(robots);
		soak_sleep_ms(100);
	}
	return NULL;
}

/* POSTs JSON to the API of the first daemon; returns the status, the
 * body into out. */
static long
soak_api(const char *path, const char *json, char *out, size_t size)
{
	const char		*hdr[] = { "Content-Type: application/json",
				    auth, NULL };
	struct http_result	 r;
	long			 st;

	r = e2e_request(&view[0], "POST", path, hdr, json, strlen(json));
	st = r.status;
	if (out != NULL)
		(void)snprintf(out, size, "%s", r.body ? r.body : "");
	e2e_result_free(&r);
	return st;
}

/* Writes the config of instance i (its own port) and its database. */
static void
soak_prepare(int i, const char *channels)
{
	char	*conf, cmd[1400];
	int	 port = soak_free_port();

	conf = xasprintf("[server]\nlisten = 127.0.0.1:%d\nlog_level = warn\n"
	    "[limits]\ntips_per_hour = 0\nchecks_per_minute = 0\n"
	    "[delivery]\ntimeout_seconds = 2\nmax_inflight = %d\n"
	    "rate_limits = off\nretry_base_seconds = 1\nallow_http = on\n"
	    "allow_private_targets = on\n%s", port, SOAK_INFLIGHT, channels);
	if (i == 0)
		e2e_prepare_on(&inst[0], conf, E2E_ENGINE_ENV, NULL, 0);
	else {
		e2e_prepare_on(&inst[1], conf, E2E_ENGINE_URL,
		    inst[0].db_url, 0);
		(void)snprintf(cmd, sizeof cmd, "cp -p '%s/fangfei.key' '%s/'",
		    inst[0].dir, inst[1].dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "soak: cannot copy the key file\n");
			exit(1);
		}
	}
	free(conf);
	inst[i].port = port;
	(void)snprintf(inst[i].base, sizeof inst[i].base,
	    "http://127.0.0.1:%d", port);
	view[i] = inst[i];
}

/* Starts instance i, its log in a file of its own for each life. */
static void
soak_start(int i)
{
	static unsigned	 life;
	char		 log[600];

	(void)snprintf(log, sizeof log, "%s/serve-%u.log", inst[i].dir,
	    life++);
	e2e_start_log(&inst[i], log);
	if (inst[i].port != view[i].port) {
		fprintf(stderr, "soak: the daemon came back on port %d, not "
		    "%d\n", inst[i].port, view[i].port);
		exit(1);
	}
}

/* The API token, robots under AREA_BUILDING, and the daily reminder due
 * SOAK_REMIND_S seconds from now (added with the daemons stopped, so that
 * each start sees it). */
static void
soak_setup_groups(unsigned ngroups)
{
	static const char *const tok[] = { "token", "create", "--role",
	    "office", "--area", AREA_TOP, NULL };
	char		 out[1024], json[512], rrule[96];
	const char	*add[] = { "reminder", "add", "--area", "车站街道",
			    "--kinds", "building", "--urgent", "--rrule", rrule,
			    "--title", "晨报", RM_TEXT, NULL };
	time_t		 due;
	struct tm	 tm;
	unsigned	 k;
	int		 i;

	if (e2e_cli(&inst[0], tok, out, sizeof out) != 0) {
		fprintf(stderr, "soak: token create: %s\n", out);
		exit(1);
	}
	out[strcspn(out, "\r\n")] = '\0';
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %.200s", out);
	for (i = 0; i < ninst; i++)
		soak_start(i);
	for (k = 0; k < ngroups; k++) {
		(void)snprintf(json, sizeof json, "{\"name\":\"soak-g%04u\","
		    "\"area\":\"" AREA_BUILDING "\",\"kind\":\"building\","
		    "\"robot\":\"wecom\",\"webhook\":\"%s/b/send?key=g%04u\"}",
		    k, fakeplat_base(robots), k);
		if (soak_api("/api/v1/groups", json, out, sizeof out) != 201) {
			fprintf(stderr, "soak: POST /groups: %s\n", out);
			exit(1);
		}
	}
	for (i = 0; i < ninst; i++)
		(void)e2e_stop(&inst[i], SIGTERM);
	/* Daily at that second of the reminder's zone (Asia/Shanghai,
	 * UTC+8 all year). */
	due = time(NULL) + SOAK_REMIND_S + 8 * 3600;
	(void)gmtime_r(&due, &tm);
	(void)snprintf(rrule, sizeof rrule, "FREQ=DAILY;BYHOUR=%d;BYMINUTE=%d;"
	    "BYSECOND=%d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (e2e_cli(&inst[0], add, out, sizeof out) != 0) {
		fprintf(stderr, "soak: reminder add: %s\n", out);
		exit(1);
	}
}

/* Waits until sql counts n (or more: at_least); 0, or -1 at the
 * deadline. */
int
soak_wait_sql(const char *sql, long n, int at_least, int ms)
{
	int64_t	 end = soak_ms() + ms;
	long	 v;

	for (;;) {
		v = e2e_sql_long(&inst[0], sql);
		if (v == n || (at_least && v > n))
			return 0;
		if (soak_ms() > end)
			return -1;
		soak_sleep_ms(200);
	}
}

/* A number from the environment, or def. */
static unsigned long
soak_env(const char *name, unsigned long def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? strtoul(v, NULL, 0) : def;
}

int
main(void)
{
	struct soak_world world;
	pthread_t	 releaser;
	const char	*pg = getenv("FANGFEI_TEST_PG");
	char		*channels, json[256], out[512];
	unsigned	 kills, ngroups, k, v;
	uint64_t	 seed, s;
	int64_t		 t0, t1, loop;
	long		 st, fired;
	size_t		 c;
	int		 i, rc;

	kills = (unsigned)soak_env("SOAK_KILLS", 100);
	ngroups = (unsigned)soak_env("SOAK_GROUPS", 200);
	rate = (unsigned)soak_env("SOAK_RATE", 10);
	seed = soak_env("SOAK_SEED", (unsigned long)time(NULL) ^
	    ((unsigned long)getpid() << 16));
	if (rate == 0 || rate > 1000)
		rate = 10;
	if (seed == 0)
		seed = 1;
	ninst = pg != NULL && *pg != '\0' ? 2 : 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("soak: %s, %d daemon%s, %u kills, %zu channels at %u tips/s "
	    "each, %u robots; SOAK_SEED=%llu\n", ninst == 2 ? "PostgreSQL" :
	    "SQLite", ninst, ninst == 2 ? "s on one database" : "", kills,
	    soak_nchannels, rate, ngroups, (unsigned long long)seed);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)unsetenv("FANGFEI_NOW");
	curl_global_init(CURL_GLOBAL_ALL);
	if ((robots = fakeplat_start()) == NULL ||
	    (api = fakeplat_start()) == NULL) {
		fprintf(stderr, "soak: cannot start the fake platforms\n");
		return 1;
	}
	fakeplat_set_ok(api, soak_api_ok);
	channels = soak_chan_config(fakeplat_base(api), fakeplat_port(api));
	for (i = 0; i < ninst; i++)
		soak_prepare(i, channels);
	free(channels);
	soak_setup_groups(ngroups);
	for (i = 0; i < ninst; i++)
		soak_start(i);

	/* The broadcast, slowed by the platform so that it spans kills. */
	fakeplat_hold(robots, 1);
	atomic_store(&releasing, 1);
	if (pthread_create(&releaser, NULL, soak_release_run, NULL) != 0)
		return 1;
	(void)snprintf(json, sizeof json, "{\"area\":\"" AREA_TOP "\","
	    "\"kinds\":[\"building\"],\"text\":\"" BC_TEXT "\"}");
	if ((st = soak_api("/api/v1/broadcasts", json, out, sizeof out)) !=
	    201) {
		fprintf(stderr, "soak: POST /broadcasts: %ld %s\n", st, out);
		return 1;
	}

	kill_at = xcalloc(kills + 1, sizeof *kill_at);
	t0 = soak_ms();
	for (c = 0; c < soak_nchannels; c++) {
		clients[c].ch = c;
		if (pthread_create(&clients[c].thread, NULL, soak_client_run,
		    &clients[c]) != 0)
			return 1;
	}
	for (s = seed, k = 0; k < kills; k++) {
		soak_sleep_ms(SOAK_KILL_MIN + (int)(soak_rand(&s) %
		    (SOAK_KILL_MAX - SOAK_KILL_MIN + 1)));
		v = ninst == 2 ? (unsigned)(soak_rand(&s) % 2) : 0;
		kill_at[nkills] = soak_wall_ms();
		if ((rc = e2e_stop(&inst[v], SIGKILL)) != 128 + SIGKILL) {
			printf("  kill %u: daemon %u had already exited (status"
			    " %d): see its logs in %s\n", k + 1, v, rc,
			    inst[v].dir);
			failed++;
		}
		nkills++;
		soak_start((int)v);
	}
	loop = soak_ms() - t0;
	atomic_store(&stopping, 1);
	for (c = 0; c < soak_nchannels; c++)
		pthread_join(clients[c].thread, NULL);
	atomic_store(&releasing, 0);
	pthread_join(releaser, NULL);
	fakeplat_hold(robots, 0);
	fakeplat_release(robots);
	/* The reminder falls due during the kills unless they were few:
	 * then it is waited for. */
	(void)soak_wait_sql("SELECT count(*) FROM reminder_firings", 1, 1,
	    SOAK_DRAIN_MS);
	fired = e2e_sql_long(&inst[0], "SELECT min(at) FROM reminder_firings");
	printf("     the reminder fired %s the kills\n", fired > 0 &&
	    nkills > 0 && fired * 1000 < kill_at[nkills - 1] ? "during" :
	    "after");

	world.db = &inst[0];
	world.robots = robots;
	world.api = api;
	world.clients = clients;
	world.kill_at = kill_at;
	world.nkills = nkills;
	soak_verify(&world, ngroups, loop);
	for (i = 0; i < ninst; i++)
		soak_check(e2e_stop(&inst[i], SIGTERM) == 0,
		    "the daemon stops cleanly", NULL);
	t1 = soak_ms();
	printf("     %.1f s in all (setup excluded)\n", (double)(t1 - t0) / 1000);
	printf("soak on %s: %u passed, %u failed\n", ninst == 2 ?
	    "PostgreSQL" : "SQLite", passed, failed);
	if (failed == 0)
		for (i = ninst - 1; i >= 0; i--)
			e2e_cleanup(&inst[i]);
	else
		printf("soak: the databases and logs are kept in %s%s%s; "
		    "SOAK_SEED=%llu repeats the kills\n", inst[0].dir,
		    ninst == 2 ? " and " : "", ninst == 2 ? inst[1].dir : "",
		    (unsigned long long)seed);
	fakeplat_stop(api);
	fakeplat_stop(robots);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}

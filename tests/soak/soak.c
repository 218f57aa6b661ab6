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
#include "soak_db.h"
#include "tests/e2e/fakeplat.h"

#define SOAK_INFLIGHT	4	/* [delivery] max_inflight */
#define SOAK_KILL_MIN	50	/* ms a daemon lives, at least */
#define SOAK_KILL_MAX	500	/* and at most */
#define SOAK_RETRY_MS	20	/* between a failed request and its retry */
#define SOAK_ATTEMPTS	3000	/* of one message before giving up */
#define SOAK_DRAIN_MS	240000	/* longest wait for the outbox to empty */
#define SOAK_REMIND_S	8	/* the reminder is due this long after start */
#define SOAK_FOLLOW_ID	5000000	/* message numbers of the follow-ups */
#define AREA_TOP	"张店区"
#define AREA_BUILDING	"张店区/车站街道/华光路社区/第3网格/12号楼"
#define BC_TEXT		"【预警】示例·鑫源财富涉嫌非法集资，请勿投资！"
#define BC_MARK		"鑫源财富"
#define RM_TEXT		"晨间提醒：请查看今日线索。"
#define RM_MARK		"晨间提醒"

/* One tip as its client saw it. */
struct soak_tip {
	char	 ref[32];	/* the acknowledged reference, or "" */
	int	 acked;		/* 200 with the acknowledgement */
	int	 refused;	/* 200 without it (what it said is printed) */
	int	 attempts;
	int	 stored;	/* rows holding its token */
	char	 stored_ref[32];
	int	 followed;
};

/* One channel's client: its tips, appended by its thread only. */
struct soak_client {
	size_t			 ch;	/* index in soak_channels */
	pthread_t		 thread;
	struct soak_tip		*tips;
	size_t			 ntips, cap;
	size_t			 failed_requests;	/* retried */
	size_t			 lost_requests;	/* of which cut by a kill */
	size_t			 redelivered, redelivered_bad;
	size_t			 follow_pending;
};

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
static int64_t
soak_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
static void
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
static void
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
static int
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
static int
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

/* A follow-up thread: "进度 <ref>" for each acknowledged tip of the
 * channel, from its reporter. Answers that come through the outbox are
 * looked for on the fake API afterwards (follow_pending). */
static void *
soak_follow_run(void *arg)
{
	struct soak_client		*cl = arg;
	const struct soak_channel	*c = &soak_channels[cl->ch];
	struct soak_reply		 r;
	struct soak_tip			*t;
	char				 text[64];
	size_t				 i;

	for (i = 0; i < cl->ntips; i++) {
		t = &cl->tips[i];
		if (!t->acked || t->stored_ref[0] == '\0')
			continue;
		(void)snprintf(text, sizeof text, "进度 %s", t->stored_ref);
		(void)soak_deliver(cl, (int)(i % SOAK_SENDERS),
		    SOAK_FOLLOW_ID + i, text, &r);
		if (r.status == 200 && strstr(r.text, t->stored_ref) != NULL &&
		    strstr(r.text, "当前状态") != NULL)
			t->followed = 1;
		else if (r.status == 200 && soak_late_ack(r.text))
			cl->follow_pending++;
		else
			printf("  %s tip %zu (%s) followed: %ld %.200s\n",
			    c->name, i, t->stored_ref, r.status,
			    r.text ? r.text : "");
		soak_reply_free(&r);
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
static int
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

/* soak_db_rows() callback over (ref, body) of the tips: counts the rows
 * of each soak tip by the token in its text. */
static void
soak_tally(void *arg, const char *ref, const char *body)
{
	size_t		*foreign = arg, ch, n;
	const char	*p = strstr(body, "SOAK");
	struct soak_tip	*t;

	if (p == NULL || sscanf(p, "SOAK%zuN%zu", &ch, &n) != 2 ||
	    ch >= soak_nchannels || n >= clients[ch].ntips) {
		(*foreign)++;
		return;
	}
	t = &clients[ch].tips[n];
	if (t->stored++ == 0)
		(void)snprintf(t->stored_ref, sizeof t->stored_ref, "%s", ref);
}

static int
soak_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The references named by answers holding mark that reached the fake
 * API (the outbox's answers), sorted, a reference once for each answer
 * naming it; *n their number. Caller frees the array and its strings. */
static char **
soak_api_refs(const char *mark, size_t *n)
{
	struct fakeplat_record	*r;
	size_t			 nr, i, cap = 0;
	char			**refs = NULL, ref[32];
	const char		*p;

	*n = 0;
	r = fakeplat_records(api, NULL, &nr);
	for (i = 0; i < nr; i++) {
		if (strstr(r[i].body, mark) == NULL)
			continue;
		/* The first reference of the answer: the text may name it
		 * again ("发送“进度 {ref}”"). */
		for (p = strstr(r[i].body, "JB-"); p != NULL;
		    p = strstr(p + 3, "JB-")) {
			soak_ref_of(p, ref);
			if (ref[0] != '\0')
				break;
		}
		if (p == NULL)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			refs = xrealloc(refs, cap * sizeof *refs);
		}
		refs[(*n)++] = xstrdup(ref);
	}
	fakeplat_free(r, nr);
	if (*n > 0)
		qsort(refs, *n, sizeof *refs, soak_strcmp);
	return refs;
}

/* Frees what soak_api_refs() returned. */
static void
soak_refs_free(char **refs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(refs[i]);
	free(refs);
}

/* The references named twice or more in a sorted list, counted once
 * for each extra copy. */
static size_t
soak_refs_repeated(char **refs, size_t n)
{
	size_t	 i, dups = 0;

	for (i = 1; i < n; i++)
		dups += strcmp(refs[i - 1], refs[i]) == 0;
	return dups;
}

/* The first kill at or after ms, or nkills when none. */
static unsigned
soak_kill_after(int64_t ms)
{
	unsigned	 lo = 0, hi = nkills, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (kill_at[mid] < ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Checks that every robot received mark, and that a second copy repeats
 * only a send in flight at a kill: it is charged to the first kill after
 * the robot's previous copy arrived (charged[k], nkills + 1 of them, the
 * last for copies no kill explains), and no kill may be charged more
 * than max_inflight copies (what the killed daemon had in flight). The
 * caller checks that again over both texts together.
 */
static void
soak_check_robots(const char *what, const char *mark, unsigned ngroups,
    unsigned *total)
{
	struct fakeplat_record	*r;
	unsigned	*counts = xcalloc(ngroups, sizeof *counts);
	unsigned	*charged = xcalloc(nkills + 1, sizeof *charged);
	int64_t		*last = xcalloc(ngroups, sizeof *last);
	unsigned	 k, missing = 0, dups = 0, most = 0, worst = 0;
	size_t		 nr, i, all = 0;
	const char	*key;
	unsigned long	 g;
	char		*end, msg[320];

	r = fakeplat_records(robots, "/b/", &nr);
	for (i = 0; i < nr; i++) {
		if (strstr(r[i].body, mark) == NULL ||
		    (key = strstr(r[i].path, "key=g")) == NULL)
			continue;
		g = strtoul(key + 5, &end, 10);
		if (*end != '\0' || g >= ngroups)
			continue;
		if (counts[g]++ > 0)
			charged[soak_kill_after(last[g])]++;
		last[g] = r[i].ms;
		all++;
	}
	fakeplat_free(r, nr);
	for (k = 0; k < ngroups; k++) {
		if (counts[k] == 0)
			missing++;
		else
			dups += counts[k] - 1;
		if (counts[k] > most)
			most = counts[k];
	}
	for (k = 0; k <= nkills; k++)
		total[k] += charged[k];
	for (k = 0; k < nkills; k++)
		if (charged[k] > worst)
			worst = charged[k];
	(void)snprintf(msg, sizeof msg, "%zu copies for %u robots, %u missing,"
	    " %u duplicates, at most %u after one kill (max_inflight %d), %u "
	    "with no kill after the copy they repeat; at most %u copies to one"
	    " robot", all, ngroups, missing, dups, worst, SOAK_INFLIGHT,
	    charged[nkills], most);
	printf("     %s: %s\n", what, msg);
	(void)snprintf(msg, sizeof msg, "%s reaches every robot", what);
	soak_check(missing == 0, msg, NULL);
	(void)snprintf(msg, sizeof msg, "%s sent twice only what was in flight"
	    " at a kill", what);
	soak_check(worst <= SOAK_INFLIGHT && charged[nkills] == 0, msg, NULL);
	free(last);
	free(charged);
	free(counts);
}

/* After the kills: every tip's rows, its reporter's follow-up, the
 * broadcast and the reminder. */
static void
soak_verify(unsigned ngroups, int64_t loop_ms)
{
	size_t		 sent = 0, acked = 0, refused = 0, lost = 0, doubled = 0;
	size_t		 wrongref = 0, followed = 0, noref = 0, foreign = 0;
	size_t		 failreq = 0, lostreq = 0, redel = 0, redelbad = 0;
	size_t		 unacked_stored = 0, nrefs, ntell, told = 0, toldtwice;
	size_t		 untold = 0;
	size_t		 i, c;
	char		**refs, **tellrefs, *key, msg[512];
	struct soak_tip	*t;
	unsigned	*charged = xcalloc(nkills + 1, sizeof *charged), worst = 0;
	unsigned	 k;
	int		 drained;

	if (soak_db_rows(&inst[0], "SELECT ref, body FROM tips", soak_tally,
	    &foreign) < 0)
		soak_check(0, "the tips can be read", NULL);
	for (c = 0; c < soak_nchannels; c++) {
		failreq += clients[c].failed_requests;
		lostreq += clients[c].lost_requests;
		redel += clients[c].redelivered;
		redelbad += clients[c].redelivered_bad;
		for (i = 0; i < clients[c].ntips; i++) {
			t = &clients[c].tips[i];
			sent++;
			if (t->stored > 1) {
				doubled++;
				printf("  %s tip %zu stored %d times (%s)\n",
				    soak_channels[c].name, i, t->stored,
				    t->stored_ref);
			}
			if (!t->acked) {
				refused += t->refused;
				unacked_stored += t->stored > 0;
				continue;
			}
			acked++;
			if (t->stored == 0) {
				lost++;
				printf("  %s tip %zu acknowledged (%s) but not "
				    "stored\n", soak_channels[c].name, i,
				    t->ref[0] ? t->ref : "no reference");
			}
			if (t->ref[0] == '\0')
				noref++;
			else if (t->stored > 0 &&
			    strcmp(t->ref, t->stored_ref) != 0) {
				wrongref++;
				printf("  %s tip %zu acknowledged as %s, stored "
				    "as %s\n", soak_channels[c].name, i, t->ref,
				    t->stored_ref);
			}
		}
	}

	/* The reporters follow their tips; answers through the outbox are
	 * found on the fake API once the outbox is empty. */
	for (c = 0; c < soak_nchannels; c++)
		if (pthread_create(&clients[c].thread, NULL, soak_follow_run,
		    &clients[c]) != 0)
			exit(1);
	for (c = 0; c < soak_nchannels; c++)
		pthread_join(clients[c].thread, NULL);
	drained = soak_wait_sql("SELECT count(*) FROM outbox WHERE state IN "
	    "('pending', 'sending')", 0, 0, SOAK_DRAIN_MS) == 0;
	refs = soak_api_refs("当前状态", &nrefs);
	tellrefs = soak_api_refs("已收到您的举报线索", &ntell);
	for (c = 0; c < soak_nchannels; c++)
		for (i = 0; i < clients[c].ntips; i++) {
			t = &clients[c].tips[i];
			key = t->stored_ref;
			if (!t->acked || t->stored == 0)
				continue;
			if (!t->followed && bsearch(&key, refs, nrefs,
			    sizeof *refs, soak_strcmp) != NULL)
				t->followed = 1;
			if (!t->followed)
				printf("  %s tip %zu (%s): its reporter cannot "
				    "follow it\n", soak_channels[c].name, i,
				    t->stored_ref);
			followed += t->followed;
			/* Acknowledged without the reference: the reporter
			 * learns it from the outbox's answer. */
			if (t->ref[0] != '\0')
				continue;
			if (bsearch(&key, tellrefs, ntell, sizeof *tellrefs,
			    soak_strcmp) != NULL)
				told++;
			else if (++untold <= 20)
				printf("  %s tip %zu (%s): its reporter was "
				    "never told the reference\n",
				    soak_channels[c].name, i, t->stored_ref);
		}
	toldtwice = soak_refs_repeated(tellrefs, ntell);
	soak_refs_free(refs, nrefs);
	soak_refs_free(tellrefs, ntell);

	printf("     %u kills in %.1f s; tips sent %zu, acknowledged %zu (%zu "
	    "without a reference: answered through the outbox), answered "
	    "without acknowledgement %zu; stored: acknowledged and found %zu, "
	    "lost %zu, stored twice %zu, unacknowledged but stored %zu; "
	    "requests failed and retried %zu (%zu cut by a kill, the others "
	    "refused while the daemon was down); delivered again %zu (%zu "
	    "answered otherwise); followed %zu; told their reference through the "
	    "outbox %zu (%zu told twice)\n", nkills,
	    (double)loop_ms / 1000, sent, acked, noref, refused,
	    acked - lost, lost, doubled, unacked_stored, failreq, lostreq, redel,
	    redelbad, followed, told, toldtwice);
	soak_check(acked > 0 && acked == sent - refused,
	    "every tip is acknowledged once the daemon is back", NULL);
	soak_check(refused == 0, "no tip answered without its acknowledgement",
	    NULL);
	soak_check(lost == 0, "every acknowledged tip is in the database", NULL);
	soak_check(doubled == 0, "no tip is stored twice", NULL);
	soak_check(wrongref == 0, "each tip is stored under the reference its "
	    "reporter was given", NULL);
	soak_check(redelbad == 0, "a message delivered again gets the same "
	    "answer", NULL);
	soak_check(followed == acked - lost, "every reporter can follow their "
	    "tip", NULL);
	soak_check(untold == 0, "every reporter acknowledged without "
	    "the reference is told it through the outbox", NULL);
	soak_check(drained, "the outbox empties after the kills", NULL);
	(void)snprintf(msg, sizeof msg, "%ld dead",
	    e2e_sql_long(&inst[0], "SELECT count(*) FROM outbox WHERE state "
	    "NOT IN ('pending', 'sending', 'sent')"));
	soak_check(e2e_sql_long(&inst[0], "SELECT count(*) FROM outbox WHERE "
	    "state NOT IN ('pending', 'sending', 'sent')") == 0,
	    "no outbox row given up", msg);

	soak_check_robots("the broadcast", BC_MARK, ngroups, charged);
	(void)snprintf(msg, sizeof msg, "%ld firings",
	    e2e_sql_long(&inst[0], "SELECT count(*) FROM reminder_firings"));
	soak_check(e2e_sql_long(&inst[0], "SELECT count(*) FROM "
	    "reminder_firings") == 1 && e2e_sql_long(&inst[0], "SELECT count(*)"
	    " FROM reminder_firings WHERE state = 'sent'") == 1,
	    "the reminder fired once", msg);
	soak_check_robots("the reminder", RM_MARK, ngroups, charged);
	for (k = 0; k < nkills; k++)
		if (charged[k] > worst)
			worst = charged[k];
	(void)snprintf(msg, sizeof msg, "at most %u", worst);
	soak_check(worst <= SOAK_INFLIGHT, "broadcast and reminder together: "
	    "no more copies repeated after a kill than max_inflight", msg);
	free(charged);
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

	soak_verify(ngroups, loop);
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
